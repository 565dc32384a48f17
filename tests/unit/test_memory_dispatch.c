/*
 * Dispatch rules: `valid` refusals, `impl` splitting/widening/aligning,
 * endianness, RAM/ROM/ROMD paths, and address_space splitting at region
 * boundaries.  A recording device keeps every callback it receives, and
 * each test compares the exact call sequence.
 */
#include "tests/unit/mem_helpers.h"

struct rec_dev {
    uint8_t regs[64];
    char calls[2048];
    size_t n;
};

/* Appends one call to the log; a full log keeps its first calls. */
static void note_call(struct rec_dev *d, char rw, unsigned s, hwaddr a, uint64_t v)
{
    int k = snprintf(d->calls + d->n, sizeof(d->calls) - d->n,
                     "%c%u@%" PRIx64 "=%" PRIx64 " ", rw, s, a, v);
    if (k > 0 && d->n + (size_t)k < sizeof(d->calls))
        d->n += (size_t)k;
    else
        d->calls[d->n] = 0;
}

static uint64_t rd(void *o, hwaddr a, unsigned s)
{
    struct rec_dev *d = o;
    uint64_t v = 0;
    for (unsigned i = 0; i < s; i++)
        v |= (uint64_t)d->regs[(a + i) % 64] << (8 * i);
    note_call(d, 'R', s, a, v);
    return v;
}

static void wr(void *o, hwaddr a, uint64_t v, unsigned s)
{
    struct rec_dev *d = o;
    for (unsigned i = 0; i < s; i++)
        d->regs[(a + i) % 64] = (uint8_t)(v >> (8 * i));
    note_call(d, 'W', s, a, v);
}

static void reset(struct rec_dev *d)
{
    for (int i = 0; i < 64; i++)
        d->regs[i] = (uint8_t)(0x10 + i);
    d->calls[0] = 0;
    d->n = 0;
}

/* Trims the trailing space of the call log. */
static const char *calls(struct rec_dev *d)
{
    if (d->n && d->calls[d->n - 1] == ' ')
        d->calls[--d->n] = 0;
    return d->calls;
}

static MemoryRegion mr;
static struct rec_dev dev;

static void setup(const MemoryRegionOps *ops)
{
    memory_region_init_io(&mr, ops, &dev, "rec", 64);
    reset(&dev);
}

static void teardown(void) { memory_region_destroy(&mr); }

static void test_defaults_any_size(void)
{
    static const MemoryRegionOps ops = { .read = rd, .write = wr };
    uint64_t v;

    setup(&ops);
    /* impl max defaults to 4: an 8-byte read is two 4-byte calls. */
    CHECK_EQ(memory_region_dispatch_read(&mr, 8, &v, 8), MEMTX_OK);
    CHECK_EQ(v, 0x1f1e1d1c1b1a1918ull);
    CHECK_STR(calls(&dev), "R4@8=1b1a1918 R4@c=1f1e1d1c");
    reset(&dev);
    CHECK_EQ(memory_region_dispatch_write(&mr, 0, 0xaabb, 2), MEMTX_OK);
    CHECK_STR(calls(&dev), "W2@0=aabb");
    /* Valid unaligned is off by default: refused, callback untouched. */
    reset(&dev);
    CHECK_EQ(memory_region_dispatch_read(&mr, 2, &v, 4), MEMTX_ERROR);
    CHECK_EQ(v, 0xffffffff);
    CHECK_STR(calls(&dev), "");
    CHECK(strstr(plat_host_last_log(), "unaligned") != NULL);
    /* Beyond the region's end. */
    CHECK_EQ(memory_region_dispatch_read(&mr, 62, &v, 4), MEMTX_ERROR);
    CHECK_EQ(memory_region_dispatch_read(&mr, 0, &v, 3), MEMTX_ERROR);
    teardown();
}

static void test_valid_only_4(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr,
        .valid = { .min_access_size = 4, .max_access_size = 4 },
    };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_read(&mr, 4, &v, 4), MEMTX_OK);
    CHECK_EQ(v, 0x17161514);
    CHECK_EQ(memory_region_dispatch_read(&mr, 4, &v, 2), MEMTX_ERROR);
    CHECK_EQ(v, 0xffff);
    CHECK_EQ(memory_region_dispatch_write(&mr, 4, 1, 1), MEMTX_ERROR);
    CHECK_EQ(memory_region_dispatch_write(&mr, 8, 1, 8), MEMTX_ERROR);
    CHECK_STR(calls(&dev), "R4@4=17161514");
    teardown();
}

static bool only_even(void *o, hwaddr a, unsigned s, bool w)
{
    (void)o; (void)s; (void)w;
    return (a & 0xf) < 8;
}

static void test_valid_accepts(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .valid = { .accepts = only_even },
    };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_read(&mr, 4, &v, 1), MEMTX_OK);
    CHECK_EQ(memory_region_dispatch_read(&mr, 8, &v, 1), MEMTX_ERROR);
    CHECK_STR(calls(&dev), "R1@4=14");
    teardown();
}

/* impl max 1: the API splits into byte accesses in address order. */
static void test_impl_bytes(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .impl = { .max_access_size = 1 },
    };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_write(&mr, 4, 0x11223344, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "W1@4=44 W1@5=33 W1@6=22 W1@7=11");
    reset(&dev);
    CHECK_EQ(memory_region_dispatch_read(&mr, 0, &v, 2), MEMTX_OK);
    CHECK_EQ(v, 0x1110);
    CHECK_STR(calls(&dev), "R1@0=10 R1@1=11");
    teardown();
}

/* impl min 4: small reads widen and mask; small writes read-modify-write. */
static void test_impl_widen(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .impl = { .min_access_size = 4, .max_access_size = 4 },
    };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_read(&mr, 6, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 0x16);
    CHECK_STR(calls(&dev), "R4@4=17161514");
    reset(&dev);
    CHECK_EQ(memory_region_dispatch_write(&mr, 5, 0xab, 1), MEMTX_OK);
    CHECK_STR(calls(&dev), "R4@4=17161514 W4@4=1716ab14");
    CHECK_EQ(dev.regs[4], 0x14);
    CHECK_EQ(dev.regs[6], 0x16);
    teardown();
}

/* Unaligned guest access, aligned-only callbacks: cut at alignment. */
static void test_impl_align(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .valid = { .unaligned = true },
        .impl = { .max_access_size = 4 },
    };
    uint64_t v;

    setup(&ops);
    /* 4 bytes at 3: 1 at 3, 2 at 4... no: 1@3, 2@4, 1@6. */
    CHECK_EQ(memory_region_dispatch_write(&mr, 3, 0xa1a2a3a4, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "W1@3=a4 W2@4=a2a3 W1@6=a1");
    reset(&dev);
    /* 8 bytes at 2: 2@2, 4@4, 2@8. */
    CHECK_EQ(memory_region_dispatch_read(&mr, 2, &v, 8), MEMTX_OK);
    CHECK_EQ(v, 0x1918171615141312ull);
    CHECK_STR(calls(&dev), "R2@2=1312 R4@4=17161514 R2@8=1918");
    teardown();
}

/* Unaligned and impl min 2: the odd byte at each edge is widened. */
static void test_impl_align_widen(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .valid = { .unaligned = true },
        .impl = { .min_access_size = 2, .max_access_size = 2 },
    };

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_write(&mr, 1, 0xc1c2c3c4, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "R2@0=1110 W2@0=c410 W2@2=c2c3 R2@4=1514 W2@4=15c1");
    teardown();
}

/* impl.unaligned: callbacks take the access at its own address. */
static void test_impl_unaligned_passthrough(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .valid = { .unaligned = true },
        .impl = { .max_access_size = 8, .unaligned = true },
    };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_read(&mr, 3, &v, 8), MEMTX_OK);
    CHECK_STR(calls(&dev), "R8@3=1a19181716151413");
    teardown();
}

/* Big-endian device: each callback value is the bytes read big-endian. */
static void test_big_endian(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .endianness = DEVICE_BIG_ENDIAN,
        .impl = { .max_access_size = 8 },
    };
    static const MemoryRegionOps ops_bytes = {
        .read = rd, .write = wr, .endianness = DEVICE_BIG_ENDIAN,
        .impl = { .max_access_size = 1 },
    };
    uint64_t v;

    setup(&ops);
    /* Guest stores 0x11223344: bytes 44 33 22 11; the BE device sees 0x44332211. */
    CHECK_EQ(memory_region_dispatch_write(&mr, 0, 0x11223344, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "W4@0=44332211");
    /* The recorder stores LE, so its bytes are now 11 22 33 44; the guest
     * reads them back through the swap as what it wrote. */
    reset(&dev);
    dev.regs[8] = 0x12;
    dev.regs[9] = 0x34;
    CHECK_EQ(memory_region_dispatch_read(&mr, 8, &v, 2), MEMTX_OK);
    CHECK_EQ(v, 0x1234);
    teardown();
    /* Split into bytes: memory order, same as little-endian. */
    setup(&ops_bytes);
    CHECK_EQ(memory_region_dispatch_write(&mr, 0, 0x11223344, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "W1@0=44 W1@1=33 W1@2=22 W1@3=11");
    teardown();
}

/* A write-only device: reads refused. */
static void test_missing_callback(void)
{
    static const MemoryRegionOps ops = { .write = wr };
    uint64_t v;

    setup(&ops);
    CHECK_EQ(memory_region_dispatch_read(&mr, 0, &v, 4), MEMTX_ERROR);
    CHECK_EQ(memory_region_dispatch_write(&mr, 0, 5, 4), MEMTX_OK);
    teardown();
}

/* RAM, ROM, readonly RAM and ROM device paths through dispatch. */
static void test_ram_rom_romd(void)
{
    static const MemoryRegionOps ops = { .read = rd, .write = wr };
    MemoryRegion ram, rom, romd, alias;
    uint64_t v;

    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_init_rom(&rom, "rom", 0x1000);
    memory_region_init_rom_device(&romd, &ops, &dev, "flash", 0x1000);
    memory_region_init_alias(&alias, "ram-hi", &ram, 0x800, 0x800);
    reset(&dev);
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x10, 0x0102030405060708ull, 8), MEMTX_OK);
    CHECK_EQ(memory_region_dispatch_read(&ram, 0x11, &v, 2), MEMTX_OK);
    CHECK_EQ(v, 0x0607);
    /* Through the alias at its offset. */
    CHECK_EQ(memory_region_dispatch_write(&alias, 0x10, 0xee, 1), MEMTX_OK);
    CHECK_EQ(((uint8_t *)memory_region_get_ram_ptr(&ram))[0x810], 0xee);
    /* ROM: write ignored. */
    CHECK_EQ(memory_region_dispatch_write(&rom, 0, 0x55, 1), MEMTX_OK);
    CHECK_EQ(memory_region_dispatch_read(&rom, 0, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 0);
    memory_region_set_readonly(&ram, true);
    memory_region_dispatch_write(&ram, 0x10, 0, 1);
    CHECK_EQ(((uint8_t *)memory_region_get_ram_ptr(&ram))[0x10], 0x08);
    /* ROMD: reads from the array, writes to ops; in ops mode reads to ops. */
    ((uint8_t *)memory_region_get_ram_ptr(&romd))[4] = 0x77;
    CHECK_EQ(memory_region_dispatch_read(&romd, 4, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 0x77);
    CHECK_EQ(memory_region_dispatch_write(&romd, 4, 0x90, 1), MEMTX_OK);
    memory_region_rom_device_set_romd(&romd, false);
    CHECK_EQ(memory_region_dispatch_read(&romd, 4, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 0x90);
    CHECK_STR(calls(&dev), "W1@4=90 R1@4=90");
    memory_region_destroy(&alias);
    memory_region_destroy(&ram);
    memory_region_destroy(&rom);
    memory_region_destroy(&romd);
}

/* address_space_read/write: one access when it fits one region, split at
 * region boundaries, RAM copied directly. */
static void test_address_space_split(void)
{
    static const MemoryRegionOps ops = {
        .read = rd, .write = wr, .valid = { .unaligned = true },
        .impl = { .max_access_size = 8, .unaligned = true },
    };
    MemoryRegion sys, ram;
    AddressSpace as;
    uint8_t buf[16];
    uint32_t v32 = 0xcafef00d;

    memory_region_init(&sys, "sys", 0x10000);
    memory_region_init_ram(&ram, "ram", 0x1000);
    setup(&ops);
    memory_region_add_subregion(&sys, 0x1000, &ram);
    memory_region_add_subregion(&sys, 0x2000, &mr);
    address_space_init(&as, &sys, "memory");
    /* 4 bytes at 0x2003: one unaligned 4-byte access (region accepts it). */
    CHECK_EQ(address_space_write(&as, 0x2003, &v32, 4), MEMTX_OK);
    CHECK_STR(calls(&dev), "W4@3=cafef00d");
    reset(&dev);
    /* 8 bytes at 0x1ffc: 4 from RAM, then 4 dispatched. */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(address_space_read(&as, 0x1ffc, buf, 8), MEMTX_OK);
    CHECK_STR(calls(&dev), "R4@0=13121110");
    CHECK_EQ(buf[4], 0x10);
    CHECK_EQ(buf[7], 0x13);
    reset(&dev);
    /* 16 bytes into MMIO: 8 + 8. */
    CHECK_EQ(address_space_read(&as, 0x2000, buf, 16), MEMTX_OK);
    CHECK_STR(calls(&dev), "R8@0=1716151413121110 R8@8=1f1e1d1c1b1a1918");
    reset(&dev);
    /* 7 bytes at 0x2001: 1, 2, 4 by alignment. */
    CHECK_EQ(address_space_read(&as, 0x2001, buf, 7), MEMTX_OK);
    CHECK_STR(calls(&dev), "R1@1=11 R2@2=1312 R4@4=17161514");
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&sys, &mr);
    memory_region_destroy(&ram);
    teardown();
    memory_region_destroy(&sys);
}

/* Property: for a little-endian device whose callbacks keep bytes in a
 * byte array, any impl configuration must make dispatch equivalent to a
 * plain byte store: a write puts exactly the access's bytes in place
 * (widened writes keep their neighbours), a read returns exactly them.
 * Covers the one-call fast path and every splitting path alike. */
static void test_random_configs_match_byte_model(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    uint64_t x = 0x243f6a8885a308d3ull;
    unsigned checked = 0;

    for (int cfg = 0; cfg < 200; cfg++) {
        MemoryRegionOps ops = { .read = rd, .write = wr };
        uint8_t shadow[64];

        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        ops.valid.unaligned = true;
        ops.impl.min_access_size = sizes[x % 4];
        ops.impl.max_access_size = sizes[(x >> 8) % 4];
        ops.impl.unaligned = (x >> 16) & 1;
        ops.endianness = ((x >> 17) & 1) ? DEVICE_NATIVE_ENDIAN : DEVICE_LITTLE_ENDIAN;
        setup(&ops);
        memcpy(shadow, dev.regs, sizeof(shadow));
        for (int k = 0; k < 50; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            unsigned size = sizes[x % 4];
            /* Stay clear of the region's end: widening may round up to 8. */
            hwaddr addr = (x >> 4) % (64 - 16);
            uint64_t v = x * 0x9e3779b97f4a7c15ull, got = 0;
            if ((x >> 40) & 1) {
                CHECK_EQ(memory_region_dispatch_write(&mr, addr, v, size), MEMTX_OK);
                for (unsigned i = 0; i < size; i++)
                    shadow[addr + i] = (uint8_t)(v >> (8 * i));
            } else {
                uint64_t want = 0;
                CHECK_EQ(memory_region_dispatch_read(&mr, addr, &got, size), MEMTX_OK);
                for (unsigned i = 0; i < size; i++)
                    want |= (uint64_t)shadow[addr + i] << (8 * i);
                CHECK_EQ(got, want);
            }
            CHECK(memcmp(shadow, dev.regs, sizeof(shadow)) == 0);
            checked++;
        }
        teardown();
    }
    CHECK_EQ(checked, 200 * 50);
}

int main(void)
{
    RUN(test_defaults_any_size);
    RUN(test_valid_only_4);
    RUN(test_valid_accepts);
    RUN(test_impl_bytes);
    RUN(test_impl_widen);
    RUN(test_impl_align);
    RUN(test_impl_align_widen);
    RUN(test_impl_unaligned_passthrough);
    RUN(test_big_endian);
    RUN(test_missing_callback);
    RUN(test_ram_rom_romd);
    RUN(test_address_space_split);
    RUN(test_random_configs_match_byte_model);
    return test_summary("test_memory_dispatch");
}
