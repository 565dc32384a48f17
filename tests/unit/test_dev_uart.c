/*
 * UART 16550 and debug-exit tests, through the memory API's dispatch
 * (address_space_read/write on an `io` space, and a memory space for the
 * MMIO instance), never by calling the ops.
 */
#include "devices/debug_exit.h"
#include "devices/uart16550.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

/* ------------------------------------------------------------ line sink */
#define MAX_LINES 64
static char lines[MAX_LINES][300];
static int nr_lines;

static void sink(void *ctx, const char *line)
{
    (void)ctx;
    if (nr_lines < MAX_LINES)
        snprintf(lines[nr_lines], sizeof(lines[0]), "%s", line);
    nr_lines++;
}

/* ------------------------------------------------------- a port machine */
static MemoryRegion io_root;
static AddressSpace io_as;
static Uart16550 uart;

static void setup(void)
{
    nr_lines = 0;
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(uart_init_io(&uart, "com1", NULL, sink, NULL), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, UART_COM1_PORT, &uart.mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    CHECK_EQ(uart_destroy(&uart), MR_EBUSY); /* still mapped */
    CHECK_EQ(memory_region_del_subregion(&io_root, &uart.mr), MR_OK);
    CHECK_EQ(uart_destroy(&uart), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
    CHECK_EQ(plat_host_live_pages(), 0);
}

static void outb(unsigned reg, uint8_t v)
{
    CHECK_EQ(address_space_write(&io_as, UART_COM1_PORT + reg, &v, 1), MEMTX_OK);
}

static uint8_t inb(unsigned reg)
{
    uint8_t v = 0;

    CHECK_EQ(address_space_read(&io_as, UART_COM1_PORT + reg, &v, 1), MEMTX_OK);
    return v;
}

static void puts_uart(const char *s)
{
    while (*s)
        outb(UART_THR, (uint8_t)*s++);
}

/* ---------------------------------------------------------------- tests */
static void test_reset_values(void)
{
    setup();
    CHECK_EQ(inb(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    CHECK_EQ(inb(UART_IIR), UART_IIR_NO_INT); /* no FIFO: bits 7:6 zero */
    CHECK_EQ(inb(UART_IER), 0);
    CHECK_EQ(inb(UART_LCR), 0x03);
    CHECK_EQ(inb(UART_MCR), UART_MCR_OUT2);
    CHECK_EQ(inb(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
    teardown();
}

static void test_polled_output_lines(void)
{
    setup();
    puts_uart("hello\r\nwor");
    CHECK_EQ(nr_lines, 1);
    CHECK_STR(lines[0], "guest: hello");
    puts_uart("ld\n");
    CHECK_EQ(nr_lines, 2);
    CHECK_STR(lines[1], "guest: world");
    puts_uart("a\x1b[0mb\x80");
    CHECK_EQ(nr_lines, 2); /* nothing until the line ends */
    uart_flush_output(&uart);
    CHECK_EQ(nr_lines, 3);
    CHECK_STR(lines[2], "guest: a\\x1b[0mb\\x80");
    uart_flush_output(&uart); /* nothing pending: no empty line */
    CHECK_EQ(nr_lines, 3);
    CHECK_EQ(uart.tx_bytes, 10 + 3 + 7);
    teardown();
}

static void test_long_line_breaks(void)
{
    char buf[DEVLINE_MAX + 11];

    setup();
    memset(buf, 'x', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    puts_uart(buf);
    CHECK_EQ(nr_lines, 1);
    CHECK_EQ(strlen(lines[0]), strlen("guest: ") + DEVLINE_MAX);
    outb(UART_THR, '\n');
    CHECK_EQ(nr_lines, 2);
    CHECK_STR(lines[1], "guest: xxxxxxxxxx");
    teardown();
}

static void test_scratch_and_ier(void)
{
    setup();
    outb(UART_SCR, 0x5a);
    CHECK_EQ(inb(UART_SCR), 0x5a);
    outb(UART_SCR, 0xa5);
    CHECK_EQ(inb(UART_SCR), 0xa5);
    outb(UART_IER, 0xff);
    CHECK_EQ(inb(UART_IER), 0x0f); /* bits 7:4 read as zero on a 16550A */
    outb(UART_IER, 0);
    CHECK_EQ(inb(UART_IER), 0);
    teardown();
}

static void test_dlab_divisor(void)
{
    setup();
    outb(UART_LCR, UART_LCR_DLAB | 0x03);
    outb(UART_DLL, 0x01);
    outb(UART_DLM, 0x02);
    CHECK_EQ(inb(UART_DLL), 0x01);
    CHECK_EQ(inb(UART_DLM), 0x02);
    CHECK_EQ(nr_lines, 0);
    CHECK_EQ(uart.tx_bytes, 0); /* DLL write is not a character */
    outb(UART_LCR, 0x03);
    CHECK_EQ(inb(UART_IER), 0); /* IER and DLM are separate */
    outb(UART_THR, 'Z');
    outb(UART_LCR, UART_LCR_DLAB);
    CHECK_EQ(inb(UART_DLL), 0x01); /* THR write left DLL alone */
    outb(UART_LCR, 0x03);
    CHECK_EQ(uart.tx_bytes, 1);
    teardown();
}

static void test_loopback_and_msr_deltas(void)
{
    setup();
    outb(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
    /* Linux's loopback test: DCD from OUT2, CTS from RTS. */
    CHECK_EQ(inb(UART_MSR), 0x90 | UART_MSR_DDSR); /* DSR dropped */
    CHECK_EQ(inb(UART_MSR), 0x90);                 /* deltas clear on read */
    outb(UART_MCR, 0x1f);
    CHECK_EQ(inb(UART_MSR), 0xf0 | UART_MSR_DDSR); /* RI rising: no TERI */
    outb(UART_MCR, 0x1b);
    CHECK_EQ(inb(UART_MSR), 0xb0 | UART_MSR_TERI); /* RI falling edge */
    /* Transmitted bytes come back in and do not reach the console. */
    outb(UART_THR, 'Q');
    CHECK_EQ(inb(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    CHECK_EQ(inb(UART_RBR), 'Q');
    CHECK_EQ(inb(UART_LSR) & UART_LSR_DR, 0);
    CHECK_EQ(nr_lines, 0);
    CHECK_EQ(uart.tx_bytes, 0);
    outb(UART_MCR, UART_MCR_OUT2);
    CHECK_EQ(inb(UART_MSR) & 0xf0, 0xb0);
    teardown();
}

static void test_loopback_overrun(void)
{
    setup();
    outb(UART_MCR, UART_MCR_LOOP);
    outb(UART_THR, '1'); /* FIFO off: a one-byte holding register */
    outb(UART_THR, '2');
    CHECK_EQ(inb(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
    CHECK_EQ(inb(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
    CHECK_EQ(inb(UART_RBR), '1');
    CHECK_EQ(uart.rx_overruns, 1);
    /* With the FIFO, 16 fit and the 17th overruns. */
    outb(UART_FCR, UART_FCR_ENABLE);
    for (int i = 0; i < 17; i++)
        outb(UART_THR, (uint8_t)('a' + i));
    CHECK_EQ(inb(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(inb(UART_RBR), 'a' + i);
    CHECK_EQ(inb(UART_LSR) & UART_LSR_DR, 0);
    teardown();
}

static void test_fifo_detection(void)
{
    setup();
    outb(UART_FCR, UART_FCR_ENABLE);
    CHECK_EQ(inb(UART_IIR) >> 6, 3);   /* 16550A: FIFOs enabled */
    outb(UART_FCR, UART_FCR_ENABLE | 0x20);
    CHECK_EQ(inb(UART_IIR) >> 5, 6);   /* no 64-byte FIFO (not a 16750) */
    outb(UART_FCR, 0);
    CHECK_EQ(inb(UART_IIR) >> 6, 0);
    teardown();
}

static void test_input_queue(void)
{
    uint8_t big[300];

    setup();
    CHECK_EQ(uart_push_input(&uart, "abc", 3), 3);
    CHECK_EQ(inb(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    CHECK_EQ(inb(UART_RBR), 'a');
    CHECK_EQ(inb(UART_RBR), 'b');
    CHECK_EQ(inb(UART_RBR), 'c');
    CHECK_EQ(inb(UART_LSR) & UART_LSR_DR, 0);
    CHECK_EQ(inb(UART_RBR), 0);
    /* The queue feeds the one-byte holding register without overrun. */
    for (int i = 0; i < 300; i++)
        big[i] = (uint8_t)i;
    CHECK_EQ(uart_push_input(&uart, big, sizeof(big)), UART_INPUT_SIZE);
    for (int i = 0; i < UART_INPUT_SIZE; i++)
        CHECK_EQ(inb(UART_RBR), (uint8_t)i);
    CHECK_EQ(inb(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    CHECK_EQ(uart.rx_overruns, 0);
    teardown();
}

static int irq_changes;
static bool irq_level;

static void irq_cb(void *ctx, bool level)
{
    (void)ctx;
    irq_changes++;
    irq_level = level;
}

static void test_interrupt_identification(void)
{
    setup();
    irq_changes = 0;
    uart_set_irq(&uart, irq_cb, NULL);
    outb(UART_IER, UART_IER_ETBEI);
    CHECK(irq_level);
    CHECK_EQ(inb(UART_IIR), UART_IIR_THRI);  /* THR empty on enable */
    CHECK_EQ(inb(UART_IIR), UART_IIR_NO_INT); /* reading IIR acknowledged it */
    CHECK(!irq_level);
    outb(UART_THR, 'x');
    CHECK_EQ(inb(UART_IIR), UART_IIR_THRI);  /* sent: empty again */
    outb(UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
    CHECK(!uart_irq_pending(&uart));
    uart_push_input(&uart, "k", 1);
    CHECK(irq_level);
    CHECK_EQ(inb(UART_IIR), UART_IIR_RDI);
    CHECK_EQ(inb(UART_RBR), 'k');
    CHECK(!irq_level);
    /* Line status outranks received data. */
    outb(UART_MCR, UART_MCR_LOOP);
    outb(UART_THR, '1');
    outb(UART_THR, '2');
    CHECK_EQ(inb(UART_IIR), UART_IIR_RLSI);
    inb(UART_LSR);
    CHECK_EQ(inb(UART_IIR), UART_IIR_RDI);
    outb(UART_IER, UART_IER_EDSSI);
    outb(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
    CHECK_EQ(inb(UART_IIR), UART_IIR_MSI);
    inb(UART_MSR);
    CHECK_EQ(inb(UART_IIR), UART_IIR_NO_INT);
    CHECK_EQ(irq_changes % 2, 0); /* every raise was lowered again */
    CHECK(irq_changes >= 8);
    teardown();
}

/* Linux 8250 autoconfig, as it probes a port; returns a type name. */
static const char *linux_probe(void)
{
    uint8_t save, s1, s2, s3;

    save = inb(UART_IER);
    outb(UART_IER, 0);
    s1 = inb(UART_IER) & 0x0f;
    outb(UART_IER, 0x0f);
    s2 = inb(UART_IER) & 0x0f;
    outb(UART_IER, save);
    if (s1 != 0 || s2 != 0x0f)
        return "none (IER test)";
    save = inb(UART_MCR);
    outb(UART_MCR, UART_MCR_LOOP | 0x0a);
    s1 = inb(UART_MSR) & 0xf0;
    outb(UART_MCR, save);
    if (s1 != 0x90)
        return "none (loopback test)";
    outb(UART_LCR, 0xbf); /* EFR access mode: EFR is at offset 2 */
    outb(2, 0);
    outb(UART_LCR, 0);
    outb(UART_FCR, UART_FCR_ENABLE);
    s1 = inb(UART_IIR) >> 6;
    if (s1 == 0)
        return "16450";
    if (s1 != 3)
        return "16550";
    outb(UART_LCR, 0xbf);
    s3 = inb(2);
    if (s3 == 0)
        return "16650 (EFR)";
    outb(UART_LCR, 0);
    outb(UART_FCR, UART_FCR_ENABLE | 0x20);
    s1 = inb(UART_IIR) >> 5;
    outb(UART_FCR, UART_FCR_ENABLE);
    outb(UART_LCR, UART_LCR_DLAB);
    outb(UART_FCR, UART_FCR_ENABLE | 0x20);
    s2 = inb(UART_IIR) >> 5;
    outb(UART_FCR, UART_FCR_ENABLE);
    outb(UART_LCR, 0);
    if (s1 == 6 && s2 == 7)
        return "16750";
    save = inb(UART_IER);
    outb(UART_IER, save | 0x40);
    if (inb(UART_IER) & 0x40)
        return "xscale";
    outb(UART_IER, save);
    return "16550A";
}

static void test_linux_probe(void)
{
    setup();
    CHECK_STR(linux_probe(), "16550A");
    /* The probe left a usable port: output still works. */
    puts_uart("ok\n");
    CHECK_EQ(nr_lines, 1);
    CHECK_STR(lines[0], "guest: ok");
    teardown();
}

static void test_wide_and_bad_accesses(void)
{
    uint16_t w = 0x0341;   /* THR 'A', IER 0x03 */
    uint32_t d = 0;
    uint64_t q = 0;

    setup();
    CHECK_EQ(address_space_write(&io_as, UART_COM1_PORT, &w, 2), MEMTX_OK);
    CHECK_EQ(inb(UART_IER), 0x03);
    CHECK_EQ(uart.tx_bytes, 1);
    /* A dword read at LCR: LCR, MCR, LSR, MSR, byte by byte. */
    CHECK_EQ(address_space_read(&io_as, UART_COM1_PORT + 3, &d, 4), MEMTX_OK);
    CHECK_EQ(d, 0x03u | (UART_MCR_OUT2 << 8) | (0x60u << 16) | (0xb0u << 24));
    /* 8-byte port accesses do not exist: refused, nothing sent. */
    CHECK_EQ(address_space_write(&io_as, UART_COM1_PORT, &q, 8), MEMTX_ERROR);
    CHECK_EQ(uart.tx_bytes, 1);
    teardown();
}

static void test_mmio_instance_stride4(void)
{
    MemoryRegion sys;
    AddressSpace as;
    Uart16550 u;
    uint32_t v;
    uint8_t b;
    const hwaddr base = 0xfe000000;

    nr_lines = 0;
    CHECK_EQ(memory_region_init(&sys, "system", MR_SIZE_2_64), MR_OK);
    CHECK_EQ(uart_init_mmio(&u, "uart-mmio", 4, "guest1: ", sink, NULL), MR_OK);
    CHECK_EQ(memory_region_size(&u.mr), 32);
    CHECK_EQ(memory_region_add_subregion(&sys, base, &u.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_OK);
    v = 0x77;
    CHECK_EQ(address_space_write(&as, base + 4 * UART_SCR, &v, 4), MEMTX_OK);
    v = 0;
    CHECK_EQ(address_space_read(&as, base + 4 * UART_SCR, &v, 4), MEMTX_OK);
    CHECK_EQ(v, 0x77);
    CHECK_EQ(address_space_read(&as, base + 4 * UART_LSR, &v, 4), MEMTX_OK);
    CHECK_EQ(v, 0x60);
    /* Bytes between registers are not registers. */
    CHECK_EQ(address_space_read(&as, base + 4 * UART_SCR + 1, &b, 1), MEMTX_OK);
    CHECK_EQ(b, 0);
    for (const char *s = "mmio\n"; *s; s++) {
        v = (uint8_t)*s;
        CHECK_EQ(address_space_write(&as, base + 4 * UART_THR, &v, 4), MEMTX_OK);
    }
    CHECK_EQ(nr_lines, 1);
    CHECK_STR(lines[0], "guest1: mmio");
    address_space_destroy(&as);
    CHECK_EQ(memory_region_del_subregion(&sys, &u.mr), MR_OK);
    CHECK_EQ(uart_destroy(&u), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
    CHECK_EQ(uart_init_mmio(&u, "bad", 3, NULL, NULL, NULL), MR_EINVAL);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void test_default_sink_is_plat_log(void)
{
    Uart16550 u;
    unsigned long before;

    CHECK_EQ(uart_init_io(&u, "com2", NULL, NULL, NULL), MR_OK);
    /* Without a mapping, dispatch straight to the region. */
    before = plat_host_log_count();
    for (const char *s = "via log\n"; *s; s++)
        CHECK_EQ(memory_region_dispatch_write(&u.mr, UART_THR, (uint8_t)*s, 1), MEMTX_OK);
    CHECK_EQ(plat_host_log_count(), before + 1);
    CHECK_STR(plat_host_last_log(), "guest: via log");
    CHECK_EQ(uart_destroy(&u), MR_OK);
}

/* ------------------------------------------------------------ debug exit */
static int exit_calls;
static uint32_t exit_status;

static void on_exit_cb(void *ctx, uint32_t status)
{
    (void)ctx;
    exit_calls++;
    exit_status = status;
}

static void test_debug_exit(void)
{
    MemoryRegion io;
    AddressSpace as;
    DebugExit dx;
    uint8_t b;
    uint32_t d;
    uint64_t q = 0;

    exit_calls = 0;
    CHECK_EQ(memory_region_init(&io, "io", 0x10000), MR_OK);
    CHECK_EQ(debug_exit_init(&dx, NULL, on_exit_cb, NULL), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io, DEBUG_EXIT_PORT, &dx.mr), MR_OK);
    CHECK_EQ(address_space_init(&as, &io, "io"), MR_OK);

    CHECK_EQ(address_space_read(&as, DEBUG_EXIT_PORT, &d, 4), MEMTX_OK);
    CHECK_EQ(d, DEBUG_EXIT_MAGIC);
    CHECK_EQ(address_space_read(&as, DEBUG_EXIT_PORT + 1, &b, 1), MEMTX_OK);
    CHECK_EQ(b, (DEBUG_EXIT_MAGIC >> 8) & 0xff);
    CHECK(!debug_exit_requested(&dx));
    /* Bytes beyond the port itself carry no status. */
    b = 7;
    CHECK_EQ(address_space_write(&as, DEBUG_EXIT_PORT + 2, &b, 1), MEMTX_OK);
    CHECK(!debug_exit_requested(&dx));
    /* No 8-byte status (the region's own dispatch: an 8-byte access through
     * the address space would be split at the region's end). */
    CHECK_EQ(memory_region_dispatch_write(&dx.mr, 0, q, 8), MEMTX_ERROR);
    CHECK(!debug_exit_requested(&dx));

    b = 0x2a;
    CHECK_EQ(address_space_write(&as, DEBUG_EXIT_PORT, &b, 1), MEMTX_OK);
    CHECK(debug_exit_requested(&dx));
    CHECK_EQ(debug_exit_status(&dx), 0x2a);
    CHECK_EQ(dx.width, 1);
    CHECK_EQ(exit_calls, 1);
    CHECK_EQ(exit_status, 0x2a);
    /* The first status wins. */
    d = 0x12345678;
    CHECK_EQ(address_space_write(&as, DEBUG_EXIT_PORT, &d, 4), MEMTX_OK);
    CHECK_EQ(debug_exit_status(&dx), 0x2a);
    CHECK_EQ(exit_calls, 1);
    CHECK_EQ(dx.writes, 3); /* the ignored byte, 0x2a, the late one */

    debug_exit_rearm(&dx);
    CHECK(!debug_exit_requested(&dx));
    CHECK_EQ(address_space_write(&as, DEBUG_EXIT_PORT, &d, 4), MEMTX_OK);
    CHECK_EQ(debug_exit_status(&dx), 0x12345678);
    CHECK_EQ(dx.width, 4);
    CHECK_EQ(exit_calls, 2);

    address_space_destroy(&as);
    CHECK_EQ(memory_region_del_subregion(&io, &dx.mr), MR_OK);
    CHECK_EQ(debug_exit_destroy(&dx), MR_OK);
    CHECK_EQ(memory_region_destroy(&io), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

int main(void)
{
    RUN(test_reset_values);
    RUN(test_polled_output_lines);
    RUN(test_long_line_breaks);
    RUN(test_scratch_and_ier);
    RUN(test_dlab_divisor);
    RUN(test_loopback_and_msr_deltas);
    RUN(test_loopback_overrun);
    RUN(test_fifo_detection);
    RUN(test_input_queue);
    RUN(test_interrupt_identification);
    RUN(test_linux_probe);
    RUN(test_wide_and_bad_accesses);
    RUN(test_mmio_instance_stride4);
    RUN(test_default_sink_is_plat_log);
    RUN(test_debug_exit);
    return test_summary("test_dev_uart");
}
