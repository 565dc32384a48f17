/*
 * The map changing during an access: device callbacks that edit the region
 * tree and commit while address_space_read/write is in the middle of an
 * access.  The access never touches a freed flat view (these run under
 * ASan), and the bytes after the callback go where the map after the
 * callback sends them.
 */
#include "tests/unit/mem_helpers.h"

/* A device window of two registers banks, A at +0 and B at +0x1000, inside
 * one container the device can move (a BAR). */
struct win {
    MemoryRegion box, a, b;
    hwaddr move_to;       /* A's first write moves the box here ... */
    bool move_on_write;
    unsigned a_writes, b_writes, a_reads, b_reads;
    hwaddr a_last;
    uint64_t a_val;
};

static void a_write(void *o, hwaddr addr, uint64_t v, unsigned s)
{
    struct win *w = o;

    (void)s;
    w->a_writes++;
    w->a_last = addr;
    w->a_val = v;
    if (w->move_on_write) {
        w->move_on_write = false;
        memory_region_set_address(&w->box, w->move_to); /* commits at once */
    }
}

static uint64_t a_read(void *o, hwaddr addr, unsigned s)
{
    struct win *w = o;

    (void)s;
    w->a_reads++;
    w->a_last = addr;
    if (w->move_on_write) {
        w->move_on_write = false;
        memory_region_set_address(&w->box, w->move_to);
    }
    return 0x11;
}

static void b_write(void *o, hwaddr addr, uint64_t v, unsigned s)
{
    struct win *w = o;

    (void)addr, (void)v, (void)s;
    w->b_writes++;
}

static uint64_t b_read(void *o, hwaddr addr, unsigned s)
{
    struct win *w = o;

    (void)addr, (void)s;
    w->b_reads++;
    return 0x22;
}

static const MemoryRegionOps a_ops = { .read = a_read, .write = a_write };
static const MemoryRegionOps b_ops = { .read = b_read, .write = b_write };

static void win_init(struct win *w, MemoryRegion *sys, hwaddr at)
{
    memset(w, 0, sizeof(*w));
    memory_region_init(&w->box, "win", 0x2000);
    memory_region_init_io(&w->a, &a_ops, w, "bank-a", 0x1000);
    memory_region_init_io(&w->b, &b_ops, w, "bank-b", 0x1000);
    memory_region_add_subregion(&w->box, 0, &w->a);
    memory_region_add_subregion(&w->box, 0x1000, &w->b);
    memory_region_add_subregion(sys, at, &w->box);
}

static void win_destroy(struct win *w)
{
    if (w->box.parent)
        memory_region_del_subregion(w->box.parent, &w->box);
    memory_region_del_subregion(&w->box, &w->a);
    memory_region_del_subregion(&w->box, &w->b);
    memory_region_destroy(&w->a);
    memory_region_destroy(&w->b);
    memory_region_destroy(&w->box);
}

/* A store on A's last byte whose first byte's callback moves the window
 * away: the tail, where B was, is unassigned by then and is dropped as
 * unassigned; B never hears of it. */
static void test_store_relocating_itself(void)
{
    MemoryRegion sys;
    AddressSpace as;
    static struct win w;
    uint32_t v = 0xddccbbaa;
    MemTxResult r;

    memory_region_init(&sys, "sys", 0x1000000);
    win_init(&w, &sys, 0x10000);
    address_space_init(&as, &sys, "memory");
    w.move_to = 0x100000;
    w.move_on_write = true;
    r = address_space_write(&as, 0x10fff, &v, 4);
    CHECK_EQ(r, MEMTX_DECODE_ERROR);
    CHECK_EQ(w.a_writes, 1);
    CHECK_EQ(w.a_last, 0xfff);
    CHECK_EQ(w.a_val, 0xaa);
    CHECK_EQ(w.b_writes, 0);
    CHECK_EQ(as.unassigned_writes, 1);
    CHECK_STR(view_str(&as), "100000-100fff:bank-a@0 101000-101fff:bank-b@0");

    /* Moved so that B lands where the tail goes: the tail goes to B. */
    w.move_to = 0x10000 - 0x1000; /* B now at 0x10000 */
    w.move_on_write = true;
    r = address_space_write(&as, 0x100fff, &v, 4);
    CHECK_EQ(w.a_writes, 2);
    CHECK_EQ(w.b_writes, 0); /* the tail at 0x101000.. is unassigned now */
    CHECK_EQ(r, MEMTX_DECODE_ERROR);
    /* The window is at 0xf000 now (A 0xf000-0xffff, B 0x10000-0x10fff).
     * An 8-byte read at A's last byte whose first callback moves the
     * window up to 0x10000: the other 7 bytes are A's, per the new map. */
    uint8_t buf[8];
    w.move_to = 0x10000;
    w.move_on_write = true;
    w.a_reads = w.b_reads = 0;
    r = address_space_read(&as, 0xffff, buf, 8);
    CHECK_EQ(r, MEMTX_OK);
    CHECK_EQ(buf[0], 0x11);
    CHECK_EQ(buf[1], 0x11); /* A at offset 0, not B */
    CHECK_EQ(w.b_reads, 0);
    CHECK_EQ(w.a_reads, 4); /* 1, then 4 + 2 + 1 */

    address_space_destroy(&as);
    win_destroy(&w);
    memory_region_destroy(&sys);
}

/* A flash-like ROM device in command mode: the first byte read switches it
 * back to read-array mode, so the rest of a long read comes from the array. */
struct flash {
    MemoryRegion mr;
    unsigned reads;
};

static uint64_t fl_read(void *o, hwaddr a, unsigned s)
{
    struct flash *f = o;

    (void)a, (void)s;
    if (f->reads++ == 0)
        memory_region_rom_device_set_romd(&f->mr, true);
    return 0x90;
}

static void fl_write(void *o, hwaddr a, uint64_t v, unsigned s)
{
    struct flash *f = o;

    (void)a, (void)s;
    if (v == 0xff)
        memory_region_rom_device_set_romd(&f->mr, true);
    else
        memory_region_rom_device_set_romd(&f->mr, false);
}

static const MemoryRegionOps fl_ops = {
    .read = fl_read, .write = fl_write, .valid = { .max_access_size = 1 },
};

static void test_flash_mode_switch_mid_read(void)
{
    MemoryRegion sys;
    AddressSpace as;
    static struct flash f;
    uint8_t buf[16], cmd[3] = { 0x70, 0xff, 0x70 };

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_rom_device(&f.mr, &fl_ops, &f, "flash", 0x1000);
    memset(memory_region_get_ram_ptr(&f.mr), 0xa5, 0x1000);
    memory_region_add_subregion(&sys, 0x8000, &f.mr);
    address_space_init(&as, &sys, "memory");
    memory_region_rom_device_set_romd(&f.mr, false);
    f.reads = 0;
    CHECK_EQ(address_space_read(&as, 0x8000, buf, 16), MEMTX_OK);
    CHECK_EQ(f.reads, 1);
    CHECK_EQ(buf[0], 0x90);
    CHECK_EQ(buf[1], 0xa5);
    CHECK_EQ(buf[15], 0xa5);
    /* Writes always go to the device; each byte switches the mode. */
    CHECK_EQ(address_space_write(&as, 0x8000, cmd, 3), MEMTX_OK);
    CHECK(!memory_region_is_romd(&f.mr));
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &f.mr);
    memory_region_destroy(&f.mr);
    memory_region_destroy(&sys);
}

/* A callback that takes its own region out of the tree and tries to
 * destroy it: refused while the access is in progress (the access still
 * holds the view that names the region); fine afterwards. */
struct selfdel {
    MemoryRegion mr, *sys;
    int destroy_err;
    unsigned writes;
};

static void sd_write(void *o, hwaddr a, uint64_t v, unsigned s)
{
    struct selfdel *d = o;

    (void)a, (void)v, (void)s;
    if (d->writes++ == 0) {
        memory_region_del_subregion(d->sys, &d->mr);
        d->destroy_err = memory_region_destroy(&d->mr);
    }
}

static uint64_t sd_read(void *o, hwaddr a, unsigned s)
{
    (void)o, (void)a, (void)s;
    return 0;
}

static const MemoryRegionOps sd_ops = {
    .read = sd_read, .write = sd_write, .valid = { .max_access_size = 1 },
    .impl = { .max_access_size = 1 },
};

static void test_callback_removes_its_region(void)
{
    MemoryRegion sys;
    AddressSpace as;
    static struct selfdel d;
    uint8_t buf[8] = { 0 };

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_io(&d.mr, &sd_ops, &d, "selfdel", 0x1000);
    d.sys = &sys;
    memory_region_add_subregion(&sys, 0x3000, &d.mr);
    address_space_init(&as, &sys, "memory");
    /* 7 bytes, one byte per piece: the other 6 find nothing there. */
    CHECK_EQ(address_space_write(&as, 0x3000, buf, 7), MEMTX_DECODE_ERROR);
    CHECK_EQ(d.writes, 1);
    CHECK_EQ(d.destroy_err, MR_EBUSY);
    CHECK(d.mr.initialized);
    CHECK_EQ(memory_region_destroy(&d.mr), MR_OK);

    /* One guest access of 4 bytes that the region takes a byte at a time:
     * the callbacks after the first still go to the region it started in,
     * which cannot be destroyed under them. */
    static const MemoryRegionOps sd4_ops = {
        .read = sd_read, .write = sd_write, .impl = { .max_access_size = 1 },
    };
    memset(&d, 0, sizeof(d));
    memory_region_init_io(&d.mr, &sd4_ops, &d, "selfdel", 0x1000);
    d.sys = &sys;
    CHECK_EQ(memory_region_add_subregion(&sys, 0x3000, &d.mr), MR_OK);
    CHECK_EQ(address_space_write(&as, 0x3000, buf, 4), MEMTX_OK);
    CHECK_EQ(d.writes, 4);
    CHECK_EQ(d.destroy_err, MR_EBUSY);
    CHECK(!memory_region_is_mapped(&d.mr));
    CHECK_EQ(memory_region_destroy(&d.mr), MR_OK);

    address_space_destroy(&as);
    memory_region_destroy(&sys);
}

/* With an argument, runs only the test of that name (an ASan report ends
 * the process: this shows each test's own). */
#define RUN_NAMED(fn)                                  \
    do {                                               \
        if (argc < 2 || strcmp(argv[1], #fn) == 0)     \
            RUN(fn);                                   \
    } while (0)

int main(int argc, char **argv)
{
    RUN_NAMED(test_store_relocating_itself);
    RUN_NAMED(test_flash_mode_switch_mid_read);
    RUN_NAMED(test_callback_removes_its_region);
    return test_summary("test_memory_reentry");
}
