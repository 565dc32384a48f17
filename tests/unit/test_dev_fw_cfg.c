/* fw_cfg tests through an `io` address space: the standard keys, reading
 * past the end, unknown keys, reselecting, files and FILE_DIR, replacing an
 * item, allocation failures. */
#include "devices/fw_cfg.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static MemoryRegion io_root;
static AddressSpace io_as;
static FwCfg fw;

static void setup(void)
{
    CHECK_EQ(memory_region_init(&io_root, "io", 0x10000), MR_OK);
    CHECK_EQ(fw_cfg_init(&fw, NULL, 2, 8, 0x12345678000ull), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&io_root, FW_CFG_PORT, &fw.mr), MR_OK);
    CHECK_EQ(address_space_init(&io_as, &io_root, "io"), MR_OK);
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    CHECK_EQ(fw_cfg_destroy(&fw), MR_EBUSY);
    memory_region_del_subregion(&io_root, &fw.mr);
    CHECK_EQ(fw_cfg_destroy(&fw), MR_OK);
    CHECK_EQ(memory_region_destroy(&io_root), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), 0);
}

static void select_key(uint16_t key)
{
    CHECK_EQ(address_space_write(&io_as, FW_CFG_PORT, &key, 2), MEMTX_OK);
}
static void read_data(void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t i;

    for (i = 0; i < n; i++)
        CHECK_EQ(address_space_read(&io_as, FW_CFG_PORT + 1, &p[i], 1), MEMTX_OK);
}
static uint64_t read_le(uint16_t key, int n)
{
    uint8_t b[8] = { 0 };
    uint64_t v = 0;
    int i;

    select_key(key);
    read_data(b, (size_t)n);
    for (i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static void test_standard_keys(void)
{
    char sig[6] = { 0 };

    setup();
    select_key(FW_CFG_SIGNATURE);
    read_data(sig, 5);
    CHECK_STR(sig, "QEMU");                   /* and a 0 past the end */
    CHECK_EQ(read_le(FW_CFG_ID, 4), 1);
    CHECK_EQ(read_le(FW_CFG_RAM_SIZE, 8), 0x12345678000ull);
    CHECK_EQ(read_le(FW_CFG_NB_CPUS, 2), 2);
    CHECK_EQ(read_le(FW_CFG_MAX_CPUS, 2), 8);
    CHECK_EQ(read_le(0x1234, 4), 0);           /* no such key */
    /* selecting again restarts the item */
    select_key(FW_CFG_SIGNATURE);
    read_data(sig, 2);
    select_key(FW_CFG_SIGNATURE);
    read_data(sig, 1);
    CHECK_EQ(sig[0], 'Q');
    teardown();
}

static void test_files_and_dir(void)
{
    uint8_t dir[4 + 2 * 64];
    static const uint8_t blob[3] = { 7, 8, 9 };
    int k1, k2;

    setup();
    select_key(FW_CFG_FILE_DIR);
    read_data(dir, 4);
    CHECK_EQ(be32(dir), 0);
    k1 = fw_cfg_add_file(&fw, "etc/one", blob, 3);
    k2 = fw_cfg_add_file(&fw, "opt/two", "abcdef", 6);
    CHECK_EQ(k1, 0x20);
    CHECK_EQ(k2, 0x21);
    CHECK_EQ(fw_cfg_add_file(&fw, "etc/one", blob, 1), MR_EINVAL); /* duplicate */
    select_key(FW_CFG_FILE_DIR);
    read_data(dir, sizeof(dir));
    CHECK_EQ(be32(dir), 2);
    CHECK_EQ(be32(dir + 4), 3);
    CHECK_EQ(dir[8], 0x00);
    CHECK_EQ(dir[9], 0x20);
    CHECK_STR((char *)dir + 12, "etc/one");
    CHECK_EQ(be32(dir + 4 + 64), 6);
    CHECK_EQ(dir[4 + 64 + 5], 0x21);
    CHECK_STR((char *)dir + 4 + 64 + 8, "opt/two");
    CHECK_EQ(read_le(0x21, 3), 0x636261);
    /* replacing an item */
    CHECK_EQ(fw_cfg_add_u16(&fw, FW_CFG_NB_CPUS, 4), MR_OK);
    CHECK_EQ(read_le(FW_CFG_NB_CPUS, 2), 4);
    CHECK_EQ(fw_cfg_add_bytes(&fw, 0x8000, NULL, 0), MR_OK);
    CHECK_EQ(read_le(0x8000, 1), 0);
    teardown();
}

static void test_alloc_failures(void)
{
    long n;
    int err = -1;

    for (n = 0; n < 40; n++) {
        plat_host_fail_alloc_after(n);
        err = fw_cfg_init(&fw, NULL, 1, 1, 0);
        if (err == MR_OK)
            err = fw_cfg_add_file(&fw, "a", "x", 1) >= 0 ? MR_OK : MR_ENOMEM;
        plat_host_fail_alloc_after(-1);
        if (fw.mr.initialized)
            CHECK_EQ(fw_cfg_destroy(&fw), MR_OK);
        CHECK_EQ(plat_host_live_allocs(), 0);
        if (err == MR_OK)
            break;
        CHECK_EQ(err, MR_ENOMEM);
    }
    CHECK_EQ(err, MR_OK);
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_standard_keys);
    RUN(test_files_and_dir);
    RUN(test_alloc_failures);
    return test_summary("test_dev_fw_cfg");
}
