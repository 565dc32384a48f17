/*
 * 8259A pair tests through an `io` address space: the PC initialisation
 * sequence, edge and level inputs, priorities and nesting, EOI forms,
 * rotation, masks, cascade, auto-EOI, poll, spurious IRQ 7, ELCR.
 */
#include "devices/i8259.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static MemoryRegion io_root;
static AddressSpace io_as;
static I8259 pic;
static int intr_level = -1, intr_changes;

static void intr_cb(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    intr_level = level;
    intr_changes++;
}

static void outb(uint16_t port, uint8_t v)
{
    CHECK_EQ(address_space_write(&io_as, port, &v, 1), MEMTX_OK);
}
static uint8_t inb(uint16_t port)
{
    uint8_t v = 0xaa;

    CHECK_EQ(address_space_read(&io_as, port, &v, 1), MEMTX_OK);
    return v;
}

/* The PC BIOS / Linux sequence: vectors 0x20 and 0x28, cascade on IR2. */
static void pc_init(uint8_t icw4)
{
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, icw4);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, icw4);
}

static void setup(void)
{
    intr_level = -1;
    intr_changes = 0;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(i8259_init(&pic, "pic"), MR_OK);
    i8259_set_intr(&pic, irq_line(intr_cb, NULL, 0));
    CHECK_EQ(intr_level, 0);
    CHECK_EQ(memory_region_add_subregion(&io_root, I8259_MASTER_PORT, &pic.master_mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, I8259_SLAVE_PORT, &pic.slave_mr), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, I8259_ELCR_PORT, &pic.elcr_mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
    pc_init(0x01);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    CHECK_EQ(i8259_destroy(&pic), MR_EBUSY);
    memory_region_del_subregion(&io_root, &pic.master_mr);
    memory_region_del_subregion(&io_root, &pic.slave_mr);
    memory_region_del_subregion(&io_root, &pic.elcr_mr);
    CHECK_EQ(i8259_destroy(&pic), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static uint8_t read_irr(uint16_t port) { outb(port, 0x0a); return inb(port); }
static uint8_t read_isr(uint16_t port) { outb(port, 0x0b); return inb(port); }

static void test_init_and_mask(void)
{
    setup();
    CHECK_EQ(inb(0x21), 0);           /* ICW1 cleared the mask */
    outb(0x21, 0xfb);
    outb(0xa1, 0xff);
    CHECK_EQ(inb(0x21), 0xfb);
    CHECK_EQ(inb(0xa1), 0xff);
    i8259_set_irq(&pic, 1, 1);        /* masked: latched, not signalled */
    CHECK_EQ(intr_level, 0);
    CHECK_EQ(read_irr(0x20), 0x02);
    outb(0x21, 0xf9);                 /* unmask IRQ 1 */
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x21);
    CHECK_EQ(intr_level, 0);
    CHECK_EQ(read_isr(0x20), 0x02);
    CHECK_EQ(read_irr(0x20), 0x00);   /* edge: cleared by the acknowledge */
    outb(0x20, 0x20);                 /* non-specific EOI */
    CHECK_EQ(read_isr(0x20), 0x00);
    teardown();
}

static void test_priority_nesting(void)
{
    setup();
    i8259_set_irq(&pic, 5, 1);
    i8259_set_irq(&pic, 3, 1);
    CHECK_EQ(i8259_ack(&pic), 0x23);  /* IR3 beats IR5 */
    CHECK_EQ(intr_level, 0);          /* IR5 is below the one in service */
    i8259_set_irq(&pic, 4, 1);
    CHECK_EQ(intr_level, 0);
    i8259_set_irq(&pic, 1, 1);        /* higher: nests */
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x21);
    CHECK_EQ(read_isr(0x20), 0x0a);
    outb(0x20, 0x20);                 /* clears IR1, the highest in service */
    CHECK_EQ(read_isr(0x20), 0x08);
    CHECK_EQ(intr_level, 0);
    outb(0x20, 0x63);                 /* specific EOI for IR3 */
    CHECK_EQ(read_isr(0x20), 0x00);
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x24);
    outb(0x20, 0x20);
    CHECK_EQ(i8259_ack(&pic), 0x25);
    outb(0x20, 0x20);
    teardown();
}

static void test_rotation(void)
{
    setup();
    outb(0x20, 0xc3);                 /* set priority: IR3 lowest, IR4 highest */
    i8259_set_irq(&pic, 2 + 0, 0);
    i8259_set_irq(&pic, 1, 1);
    i8259_set_irq(&pic, 6, 1);
    CHECK_EQ(i8259_ack(&pic), 0x26);
    outb(0x20, 0xa0);                 /* rotate on non-specific EOI: IR6 lowest */
    CHECK_EQ(pic.chip[0].prio_base, 7);
    CHECK_EQ(i8259_ack(&pic), 0x21);
    outb(0x20, 0xe1);                 /* rotate on specific EOI IR1 */
    CHECK_EQ(pic.chip[0].prio_base, 2);
    i8259_set_irq(&pic, 0, 1);
    i8259_set_irq(&pic, 7, 1);
    CHECK_EQ(i8259_ack(&pic), 0x27);  /* 7 is above 0 now */
    outb(0x20, 0x20);
    CHECK_EQ(i8259_ack(&pic), 0x20);
    teardown();
}

static void test_cascade(void)
{
    setup();
    i8259_set_irq(&pic, 10, 1);
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(read_irr(0xa0), 0x04);
    CHECK_EQ(read_irr(0x20), 0x04);   /* the slave's INT on IR2 */
    CHECK_EQ(i8259_ack(&pic), 0x2a);
    CHECK_EQ(read_isr(0xa0), 0x04);
    CHECK_EQ(read_isr(0x20), 0x04);
    i8259_set_irq(&pic, 9, 1);        /* higher on the slave, but IR2 is in service */
    CHECK_EQ(intr_level, 0);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x29);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    outb(0xa1, 0x02);                 /* mask IRQ 9 on the slave */
    i8259_set_irq(&pic, 9, 0);
    i8259_set_irq(&pic, 9, 1);
    CHECK_EQ(intr_level, 0);
    CHECK_EQ(read_irr(0x20) & 0x04, 0);
    teardown();
}

static void test_sfnm(void)
{
    setup();
    pc_init(0x11);                    /* special fully nested on both */
    i8259_set_irq(&pic, 10, 1);
    CHECK_EQ(i8259_ack(&pic), 0x2a);
    i8259_set_irq(&pic, 9, 1);        /* a higher slave IRQ gets through */
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x29);
    teardown();
}

static void test_auto_eoi(void)
{
    setup();
    pc_init(0x03);
    i8259_set_irq(&pic, 4, 1);
    CHECK_EQ(i8259_ack(&pic), 0x24);
    CHECK_EQ(read_isr(0x20), 0);
    i8259_set_irq(&pic, 4, 0);
    i8259_set_irq(&pic, 4, 1);
    CHECK_EQ(intr_level, 1);          /* nothing in service blocks it */
    teardown();
}

static void test_spurious_and_poll(void)
{
    setup();
    CHECK_EQ(i8259_ack(&pic), 0x27);  /* nothing pending: spurious IRQ 7 */
    CHECK_EQ(read_isr(0x20), 0);
    CHECK_EQ(pic.spurious, 1);
    outb(0x20, 0x0c);                 /* poll */
    CHECK_EQ(inb(0x20), 0x00);
    i8259_set_irq(&pic, 6, 1);
    outb(0x20, 0x0c);
    CHECK_EQ(inb(0x20), 0x86);
    CHECK_EQ(read_isr(0x20), 0x40);   /* poll acknowledged it */
    CHECK_EQ(intr_level, 0);
    teardown();
}

static void test_elcr_level(void)
{
    setup();
    outb(0x4d0, 0xff);
    outb(0x4d1, 0xff);
    CHECK_EQ(inb(0x4d0), 0xf8);
    CHECK_EQ(inb(0x4d1), 0xde);
    outb(0x4d0, 0x00);
    outb(0x4d1, 0x0e);                /* IRQ 9, 10, 11 level */
    i8259_set_irq(&pic, 11, 1);
    CHECK_EQ(i8259_ack(&pic), 0x2b);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(intr_level, 1);          /* still high: pending again */
    CHECK_EQ(read_irr(0xa0), 0x08);
    i8259_set_irq(&pic, 11, 0);
    CHECK_EQ(intr_level, 0);          /* level: IRR follows the line */
    CHECK_EQ(read_irr(0xa0), 0x00);
    i8259_set_irq(&pic, 3, 1);        /* edge: a pulse is remembered */
    i8259_set_irq(&pic, 3, 0);
    CHECK_EQ(intr_level, 1);
    CHECK_EQ(i8259_ack(&pic), 0x23);
    outb(0x20, 0x20);
    outb(0x20, 0x18);                 /* ICW1 with LTIM: all level */
    outb(0x21, 0x20); outb(0x21, 0x04); 
    i8259_set_irq(&pic, 3, 1);
    i8259_set_irq(&pic, 3, 0);
    CHECK_EQ(intr_level, 0);
    teardown();
}

static void test_special_mask(void)
{
    setup();
    i8259_set_irq(&pic, 3, 1);
    CHECK_EQ(i8259_ack(&pic), 0x23);
    i8259_set_irq(&pic, 5, 1);
    CHECK_EQ(intr_level, 0);
    outb(0x21, 0x08);                 /* mask IR3 (in service) */
    outb(0x20, 0x68);                 /* special mask mode on */
    CHECK_EQ(intr_level, 1);          /* lower priorities now get through */
    CHECK_EQ(i8259_ack(&pic), 0x25);
    outb(0x20, 0x48);                 /* special mask mode off */
    teardown();
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_init_and_mask);
    RUN(test_priority_nesting);
    RUN(test_rotation);
    RUN(test_cascade);
    RUN(test_sfnm);
    RUN(test_auto_eoi);
    RUN(test_spurious_and_poll);
    RUN(test_elcr_level);
    RUN(test_special_mask);
    return test_summary("test_dev_i8259");
}
