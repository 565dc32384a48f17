/*
 * Memory API: hierarchy, flattening, priorities, aliases, transactions,
 * listeners, dirty bitmaps, coalescing, mtree, and refusal of bad input.
 */
#include "tests/unit/mem_helpers.h"

static uint64_t dummy_read(void *o, hwaddr a, unsigned s) { (void)o; (void)s; return a; }
static void dummy_write(void *o, hwaddr a, uint64_t d, unsigned s) { (void)o; (void)a; (void)d; (void)s; }
static const MemoryRegionOps dummy_ops = { .read = dummy_read, .write = dummy_write };

/* A 64 KiB system with 32 KiB RAM at 0 and a 4 KiB device at 0x4000 on top. */
static void test_overlap_priority(void)
{
    MemoryRegion sys, ram, dev;
    AddressSpace as;

    memory_region_init(&sys, "sys", 0x10000);
    memory_region_init_ram(&ram, "ram", 0x8000);
    memory_region_init_io(&dev, &dummy_ops, NULL, "dev", 0x1000);
    CHECK_EQ(memory_region_add_subregion(&sys, 0, &ram), MR_OK);
    CHECK_EQ(memory_region_add_subregion_overlap(&sys, 0x4000, &dev, 1), MR_OK);
    address_space_init(&as, &sys, "memory");
    CHECK_STR(view_str(&as), "0-3fff:ram@0 4000-4fff:dev@0 5000-7fff:ram@5000");
    /* Lower priority: RAM shows through everywhere. */
    memory_region_del_subregion(&sys, &dev);
    memory_region_add_subregion_overlap(&sys, 0x4000, &dev, -1);
    CHECK_STR(view_str(&as), "0-7fff:ram@0");
    /* Removed: the merge puts RAM back into one range. */
    memory_region_del_subregion(&sys, &dev);
    CHECK_STR(view_str(&as), "0-7fff:ram@0");
    CHECK_EQ(address_space_flatview(&as)->nr, 1);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    CHECK_EQ(memory_region_destroy(&dev), MR_OK);
    CHECK_EQ(memory_region_destroy(&ram), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
}

/* Equal priorities: the later-added region wins, both ways round. */
static void test_equal_priority_rule(void)
{
    MemoryRegion sys, a, b;
    AddressSpace as;

    memory_region_init(&sys, "sys", 0x3000);
    memory_region_init_io(&a, &dummy_ops, NULL, "a", 0x2000);
    memory_region_init_io(&b, &dummy_ops, NULL, "b", 0x2000);
    address_space_init(&as, &sys, "memory");
    memory_region_add_subregion_overlap(&sys, 0, &a, 5);
    memory_region_add_subregion_overlap(&sys, 0x1000, &b, 5);
    CHECK_STR(view_str(&as), "0-fff:a@0 1000-2fff:b@0");
    memory_region_del_subregion(&sys, &a);
    memory_region_add_subregion_overlap(&sys, 0, &a, 5);
    CHECK_STR(view_str(&as), "0-1fff:a@0 2000-2fff:b@1000");
    /* Moving keeps the order: a stays on top. */
    memory_region_set_address(&b, 0x800);
    CHECK_STR(view_str(&as), "0-1fff:a@0 2000-27ff:b@1800");
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &a);
    memory_region_del_subregion(&sys, &b);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
    memory_region_destroy(&sys);
}

/* A child wins over its container's own RAM; nesting offsets add up; a
 * container clips children that stick out. */
static void test_nesting_and_clipping(void)
{
    MemoryRegion sys, box, inner, big;
    AddressSpace as;

    memory_region_init(&sys, "sys", MR_SIZE_2_64);
    memory_region_init(&box, "box", 0x2000);
    memory_region_init_ram(&inner, "inner", 0x1000);
    memory_region_init_ram(&big, "big", 0x4000);
    memory_region_add_subregion(&box, 0x800, &inner);
    memory_region_add_subregion_overlap(&box, 0x1000, &big, -1);
    memory_region_add_subregion(&sys, 0x10000, &box);
    address_space_init(&as, &sys, "memory");
    /* big is clipped at box's end (0x12000); inner beats big. */
    CHECK_STR(view_str(&as), "10800-117ff:inner@0 11800-11fff:big@800");
    address_space_destroy(&as);
    memory_region_del_subregion(&box, &inner);
    memory_region_del_subregion(&box, &big);
    memory_region_del_subregion(&sys, &box);
    memory_region_destroy(&inner);
    memory_region_destroy(&big);
    memory_region_destroy(&box);
    memory_region_destroy(&sys);
}

/* Aliases: an offset window, an alias of an alias, an alias of a container,
 * and an alias whose window runs past its target's end. */
static void test_aliases(void)
{
    MemoryRegion sys, rom, a1, a2, box, boxram, a3, past;
    AddressSpace as;

    memory_region_init(&sys, "sys", MR_SIZE_2_64);
    memory_region_init_rom(&rom, "bios", 0x20000);
    memory_region_init_alias(&a1, "a1", &rom, 0x10000, 0x10000);
    memory_region_init_alias(&a2, "a2", &a1, 0x8000, 0x8000);
    memory_region_init(&box, "box", 0x3000);
    memory_region_init_ram(&boxram, "boxram", 0x1000);
    memory_region_add_subregion(&box, 0x1000, &boxram);
    memory_region_init_alias(&a3, "a3", &box, 0x1000, 0x2000);
    memory_region_init_alias(&past, "past", &rom, 0x1f000, 0x4000);
    memory_region_add_subregion(&sys, 0xe0000, &a1);
    memory_region_add_subregion(&sys, 0x100000, &a2);
    memory_region_add_subregion(&sys, 0x200000, &a3);
    memory_region_add_subregion(&sys, 0x300000, &past);
    address_space_init(&as, &sys, "memory");
    CHECK_STR(view_str(&as), "e0000-effff:bios@10000 100000-107fff:bios@18000 "
              "200000-200fff:boxram@0 300000-300fff:bios@1f000");
    /* Bytes written to the ROM backing show through both aliases. */
    ((uint8_t *)memory_region_get_ram_ptr(&rom))[0x18004] = 0x5a;
    uint8_t b = 0;
    address_space_read(&as, 0xe8004, &b, 1);
    CHECK_EQ(b, 0x5a);
    b = 0;
    address_space_read(&as, 0x100004, &b, 1);
    CHECK_EQ(b, 0x5a);
    CHECK(memory_region_get_ram_ptr(&a2) ==
          (uint8_t *)memory_region_get_ram_ptr(&rom) + 0x18000);
    /* Retarget a1's window: a2 follows, since it views a1. */
    memory_region_set_alias_offset(&a1, 0);
    CHECK_STR(view_str(&as), "e0000-effff:bios@0 100000-107fff:bios@8000 "
              "200000-200fff:boxram@0 300000-300fff:bios@1f000");
    /* The target cannot go while aliases use it. */
    CHECK_EQ(memory_region_destroy(&rom), MR_EBUSY);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &a1);
    memory_region_del_subregion(&sys, &a2);
    memory_region_del_subregion(&sys, &a3);
    memory_region_del_subregion(&sys, &past);
    memory_region_del_subregion(&box, &boxram);
    CHECK_EQ(memory_region_destroy(&a1), MR_EBUSY); /* a2 views it */
    CHECK_EQ(memory_region_destroy(&a2), MR_OK);
    CHECK_EQ(memory_region_destroy(&a1), MR_OK);
    memory_region_destroy(&a3);
    memory_region_destroy(&past);
    CHECK_EQ(memory_region_destroy(&rom), MR_OK);
    memory_region_destroy(&boxram);
    memory_region_destroy(&box);
    memory_region_destroy(&sys);
}

/* Regions that end exactly at 2^64, and ranges that touch. */
static void test_top_of_address_space(void)
{
    MemoryRegion sys, top, below;
    AddressSpace as;
    uint8_t buf[4] = { 1, 2, 3, 4 }, out[4];

    memory_region_init(&sys, "sys", MR_SIZE_2_64);
    memory_region_init_ram(&top, "top", 0x1000);
    memory_region_init_ram(&below, "below", 0x1000);
    CHECK_EQ(memory_region_add_subregion(&sys, 0xfffffffffffff000ull, &top), MR_OK);
    CHECK_EQ(memory_region_add_subregion(&sys, 0xffffffffffffe000ull, &below), MR_OK);
    address_space_init(&as, &sys, "memory");
    CHECK_STR(view_str(&as), "ffffffffffffe000-ffffffffffffefff:below@0 "
              "fffffffffffff000-ffffffffffffffff:top@0");
    const FlatRange *fr = flatview_lookup(address_space_flatview(&as), UINT64_MAX);
    CHECK(fr && fr->mr == &top);
    CHECK(flatview_lookup(address_space_flatview(&as), 0xffffffffffffdfffull) == NULL);
    /* An access across the boundary of the two touching regions. */
    CHECK_EQ(address_space_write(&as, 0xffffffffffffeffeull, buf, 4), MEMTX_OK);
    CHECK_EQ(address_space_read(&as, 0xffffffffffffeffeull, out, 4), MEMTX_OK);
    CHECK(memcmp(buf, out, 4) == 0);
    CHECK_EQ(((uint8_t *)memory_region_get_ram_ptr(&top))[1], 4);
    /* One byte past the end of 2^64 does not fit. */
    memory_region_del_subregion(&sys, &top);
    CHECK_EQ(memory_region_add_subregion(&sys, 0xfffffffffffff001ull, &top), MR_EINVAL);
    CHECK(!memory_region_is_mapped(&top));
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &below);
    memory_region_destroy(&top);
    memory_region_destroy(&below);
    memory_region_destroy(&sys);
}

/* Every refusal returns its code, logs a line, and changes nothing. */
static void test_refusals(void)
{
    MemoryRegion sys, other, r, r2, al, al2, box;
    AddressSpace as;
    unsigned long logs;
    char before[8192];

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init(&other, "other", 0x100000);
    memory_region_init_ram(&r, "r", 0x1000);
    memory_region_init_ram(&r2, "r2", 0x1000);
    memory_region_init(&box, "box", 0x10000);
    address_space_init(&as, &sys, "memory");
    memory_region_add_subregion(&sys, 0, &r);
    memory_region_add_subregion(&sys, 0x10000, &box);
    snprintf(before, sizeof(before), "%s", view_str(&as));
    uint64_t renders = memory_render_count();

    logs = plat_host_log_count();
    CHECK_EQ(memory_region_add_subregion(&other, 0, &r), MR_EBUSY);
    CHECK(strstr(plat_host_last_log(), "already in sys") != NULL);
    CHECK_EQ(memory_region_del_subregion(&other, &r), MR_ENOENT);
    CHECK_EQ(memory_region_add_subregion(&sys, 0x800, &r2), MR_EOVERLAP);
    CHECK(strstr(plat_host_last_log(), "r2") && strstr(plat_host_last_log(), "overlaps"));
    CHECK_EQ(memory_region_set_address(&r, 0x10800), MR_EOVERLAP);
    CHECK_EQ(memory_region_init(&r2, "zero", 0), MR_EINVAL);
    CHECK_EQ(memory_region_add_subregion(&sys, 0, &sys), MR_ELOOP);
    /* box inside sys; adding sys into box would loop. */
    CHECK_EQ(memory_region_add_subregion(&box, 0, &sys), MR_ELOOP);
    /* An alias of sys placed inside box (which is inside sys) loops too. */
    memory_region_init_alias(&al, "al", &sys, 0, 0x1000);
    CHECK_EQ(memory_region_add_subregion(&box, 0, &al), MR_ELOOP);
    CHECK(strstr(plat_host_last_log(), "cycle") != NULL);
    /* ... and an alias of that alias. */
    memory_region_init_alias(&al2, "al2", &al, 0, 0x1000);
    CHECK_EQ(memory_region_add_subregion(&box, 0x1000, &al2), MR_ELOOP);
    CHECK_EQ(memory_region_add_subregion(&al, 0, &r2), MR_ETYPE);
    CHECK_EQ(memory_region_init_alias(&r2, "wide", &sys, 0xfffffffffffff000ull, 0x2000),
             MR_EINVAL);
    CHECK_EQ(memory_region_set_alias_offset(&al, UINT64_MAX), MR_EINVAL);
    CHECK_EQ(memory_region_set_alias_offset(&r, 0), MR_ETYPE);
    CHECK_EQ(memory_region_destroy(&r), MR_EBUSY);
    CHECK(strstr(plat_host_last_log(), "still in sys") != NULL);
    CHECK_EQ(memory_region_destroy(&sys), MR_EBUSY);
    CHECK_EQ(memory_region_set_size(&r, 0x2000), MR_ETYPE);
    CHECK_EQ(memory_region_set_log(&box, true, DIRTY_MEMORY_VGA), MR_ETYPE);
    CHECK_EQ(memory_region_set_log(&r, true, 7), MR_EINVAL);
    CHECK_EQ(memory_region_add_coalescing(&r, 0, 0x10), MR_ETYPE);
    CHECK(plat_host_log_count() >= logs + 18);
    /* Nothing changed: same view, no render, same parents. */
    CHECK_STR(view_str(&as), before);
    CHECK_EQ(memory_render_count(), renders);
    CHECK(r.parent == &sys && !r2.parent && !al.parent && !al2.parent);
    CHECK_EQ(r.addr, 0);

    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &r);
    memory_region_del_subregion(&sys, &box);
    memory_region_destroy(&al2);
    memory_region_destroy(&al);
    memory_region_destroy(&r);
    memory_region_destroy(&r2);
    memory_region_destroy(&box);
    memory_region_destroy(&other);
    memory_region_destroy(&sys);
}

/* Allocation failure during init leaves the region uninitialised and
 * nothing leaked; during commit the old view stays. */
static void test_alloc_failures(void)
{
    MemoryRegion sys, r, dev;
    AddressSpace as;
    long live = plat_host_live_allocs(), pages = plat_host_live_pages();

    plat_host_fail_alloc_after(0);
    CHECK_EQ(memory_region_init(&r, "r", 0x1000), MR_ENOMEM);
    plat_host_fail_alloc_after(1); /* name succeeds, pages fail */
    CHECK_EQ(memory_region_init_ram(&r, "r", 0x1000), MR_ENOMEM);
    CHECK(!r.initialized);
    CHECK_EQ(plat_host_live_allocs(), live);
    CHECK_EQ(plat_host_live_pages(), pages);

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&r, "r", 0x1000);
    memory_region_init_io(&dev, &dummy_ops, NULL, "dev", 0x1000);
    memory_region_add_subregion(&sys, 0, &r);
    address_space_init(&as, &sys, "memory");
    memory_region_transaction_begin();
    memory_region_add_subregion(&sys, 0x2000, &dev);
    plat_host_fail_alloc_after(0);
    CHECK_EQ(memory_region_transaction_commit(), MR_ENOMEM);
    CHECK_STR(view_str(&as), "0-fff:r@0");
    /* The next commit catches up. */
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_STR(view_str(&as), "0-fff:r@0 2000-2fff:dev@0");
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &r);
    memory_region_del_subregion(&sys, &dev);
    memory_region_destroy(&r);
    memory_region_destroy(&dev);
    memory_region_destroy(&sys);
    CHECK_EQ(plat_host_live_allocs(), live);
    CHECK_EQ(plat_host_live_pages(), pages);
}

/* Changes inside a transaction show at the outermost commit only, with
 * one render and one listener pass however many changes. */
static void test_transactions(void)
{
    MemoryRegion sys, r[8];
    AddressSpace as;
    struct rec_listener rec;
    char name[16];
    uint64_t renders;

    memory_region_init(&sys, "sys", 0x100000);
    address_space_init(&as, &sys, "memory");
    rec_init(&rec, 0);
    memory_listener_register(&rec.l, &as);
    rec_clear(&rec);
    renders = memory_render_count();
    memory_region_transaction_begin();
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        memory_region_init_ram(&r[i], name, 0x1000);
        memory_region_add_subregion(&sys, 0x80000 + (hwaddr)i * 0x2000, &r[i]);
        memory_region_transaction_begin(); /* nested */
        memory_region_set_address(&r[i], (hwaddr)i * 0x3000);
        memory_region_transaction_commit();
    }
    CHECK_STR(view_str(&as), "");
    CHECK_EQ(memory_render_count(), renders);
    CHECK_EQ(rec.begins, 0);
    memory_region_transaction_commit();
    CHECK_EQ(memory_render_count(), renders + 1);
    CHECK_EQ(rec.begins, 1);
    CHECK_EQ(rec.commits, 1);
    CHECK_EQ(rec.adds, 8);
    CHECK(strstr(view_str(&as), "15000-15fff:r7@0") != NULL);
    /* A commit with no change renders nothing. */
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(memory_render_count(), renders + 1);
    /* Unbalanced commit is refused. */
    CHECK_EQ(memory_region_transaction_commit(), MR_EINVAL);
    /* Destroying a region removed inside an open transaction must wait. */
    memory_region_transaction_begin();
    memory_region_del_subregion(&sys, &r[0]);
    CHECK_EQ(memory_region_destroy(&r[0]), MR_EBUSY);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_destroy(&r[0]), MR_OK);
    memory_listener_unregister(&rec.l);
    address_space_destroy(&as);
    for (int i = 1; i < 8; i++) {
        memory_region_del_subregion(&sys, &r[i]);
        memory_region_destroy(&r[i]);
    }
    memory_region_destroy(&sys);
}

/* Listener order and content: dels before adds, adds with the new range,
 * replay on register, dels on unregister, priorities respected. */
static void test_listeners(void)
{
    MemoryRegion sys, ram, dev;
    AddressSpace as;
    struct rec_listener a, b;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&dev, &dummy_ops, NULL, "dev", 0x1000);
    memory_region_add_subregion(&sys, 0, &ram);
    address_space_init(&as, &sys, "memory");
    rec_init(&a, 10);
    rec_init(&b, -5);
    memory_listener_register(&a.l, &as);
    CHECK_STR(a.log, "begin\nadd ram 0-ffff\ncommit\n");
    memory_listener_register(&b.l, NULL);
    rec_clear(&a);
    rec_clear(&b);
    memory_region_add_subregion_overlap(&sys, 0x2000, &dev, 1);
    CHECK_STR(a.log, "begin\ndel ram 0-ffff\nadd ram 0-1fff\nadd dev 2000-2fff\n"
              "add ram 3000-ffff\ncommit\n");
    CHECK_STR(b.log, a.log);
    rec_clear(&a);
    memory_region_set_address(&dev, 0x20000); /* outside RAM: ram range merges */
    CHECK_STR(a.log, "begin\ndel ram 0-1fff\ndel dev 2000-2fff\ndel ram 3000-ffff\n"
              "add ram 0-ffff\nadd dev 20000-20fff\ncommit\n");
    /* A change of an unrelated attribute elsewhere gives nops only. */
    rec_clear(&a);
    memory_region_set_readonly(&ram, false);
    CHECK_EQ(a.begins, 0); /* no change at all: no pass */
    memory_region_set_enabled(&dev, false);
    CHECK_EQ(a.dels, 1);
    CHECK_EQ(a.nops, 1);
    CHECK_EQ(a.adds, 0);
    rec_clear(&a);
    memory_listener_unregister(&a.l);
    CHECK_STR(a.log, "begin\ndel ram 0-ffff\ncommit\n");
    memory_listener_unregister(&b.l);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&sys, &dev);
    memory_region_destroy(&ram);
    memory_region_destroy(&dev);
    memory_region_destroy(&sys);
}

/* Listener call order across listeners: begin/add ascending, del descending. */
static void order_add(MemoryListener *l, const MemoryRegionSection *s);
static void order_del(MemoryListener *l, const MemoryRegionSection *s);
static char order_log[64];
static void order_add(MemoryListener *l, const MemoryRegionSection *s)
{ (void)s; size_t n = strlen(order_log); order_log[n] = (char)('0' + l->priority); order_log[n + 1] = 0; }
static void order_del(MemoryListener *l, const MemoryRegionSection *s)
{ (void)s; size_t n = strlen(order_log); order_log[n] = (char)('a' + l->priority); order_log[n + 1] = 0; }

static void test_listener_priority_order(void)
{
    MemoryRegion sys, ram;
    AddressSpace as;
    MemoryListener l[3] = {
        { .region_add = order_add, .region_del = order_del, .priority = 2 },
        { .region_add = order_add, .region_del = order_del, .priority = 0 },
        { .region_add = order_add, .region_del = order_del, .priority = 1 },
    };

    memory_region_init(&sys, "sys", 0x10000);
    memory_region_init_ram(&ram, "ram", 0x1000);
    address_space_init(&as, &sys, "memory");
    for (int i = 0; i < 3; i++)
        memory_listener_register(&l[i], &as);
    order_log[0] = 0;
    memory_region_add_subregion(&sys, 0, &ram);
    CHECK_STR(order_log, "012");
    order_log[0] = 0;
    memory_region_del_subregion(&sys, &ram);
    CHECK_STR(order_log, "cba");
    for (int i = 0; i < 3; i++)
        memory_listener_unregister(&l[i]);
    address_space_destroy(&as);
    memory_region_destroy(&ram);
    memory_region_destroy(&sys);
}

/* Two address spaces sharing a root see the same view, rendered once. */
static void test_shared_root_and_io_space(void)
{
    MemoryRegion sys, ram, io, port;
    AddressSpace m1, m2, ios;
    uint64_t renders;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_init(&io, "io", 0x10000);
    memory_region_init_io(&port, &dummy_ops, NULL, "port", 8);
    memory_region_add_subregion(&io, 0x3f8, &port);
    address_space_init(&m1, &sys, "memory");
    address_space_init(&m2, &sys, "memory-dma");
    address_space_init(&ios, &io, "io");
    renders = memory_render_count();
    memory_region_add_subregion(&sys, 0x1000, &ram);
    CHECK_EQ(memory_render_count(), renders + 1);
    CHECK(address_space_flatview(&m1) == address_space_flatview(&m2));
    CHECK_STR(view_str(&m2), "1000-1fff:ram@0");
    CHECK_STR(view_str(&ios), "3f8-3ff:port@0");
    uint8_t v = 0;
    CHECK_EQ(address_space_read(&ios, 0x3fa, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 2); /* dummy_read returns the offset */
    CHECK_EQ(memory_region_destroy(&sys), MR_EBUSY); /* a root */
    address_space_destroy(&m1);
    address_space_destroy(&m2);
    address_space_destroy(&ios);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&io, &port);
    memory_region_destroy(&ram);
    memory_region_destroy(&port);
    memory_region_destroy(&io);
    memory_region_destroy(&sys);
}

/* Enable/disable, readonly, ROMD mode, size change: flags and ranges. */
static void test_attributes(void)
{
    MemoryRegion sys, ram, romd, box;
    AddressSpace as;
    const FlatRange *fr;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_init_rom_device(&romd, &dummy_ops, NULL, "flash", 0x1000);
    memory_region_init(&box, "box", 0x1000);
    memory_region_add_subregion(&sys, 0, &ram);
    memory_region_add_subregion(&sys, 0x10000, &romd);
    memory_region_add_subregion(&sys, 0x20000, &box);
    address_space_init(&as, &sys, "memory");
    fr = flatview_lookup(address_space_flatview(&as), 0x10);
    CHECK_EQ(fr->flags, FR_DIRECT_READ | FR_DIRECT_WRITE);
    memory_region_set_readonly(&ram, true);
    fr = flatview_lookup(address_space_flatview(&as), 0x10);
    CHECK_EQ(fr->flags, FR_DIRECT_READ);
    fr = flatview_lookup(address_space_flatview(&as), 0x10000);
    CHECK_EQ(fr->flags, FR_DIRECT_READ);
    memory_region_rom_device_set_romd(&romd, false);
    fr = flatview_lookup(address_space_flatview(&as), 0x10000);
    CHECK_EQ(fr->flags, 0);
    memory_region_set_enabled(&ram, false);
    CHECK(flatview_lookup(address_space_flatview(&as), 0x10) == NULL);
    memory_region_set_enabled(&ram, true);
    /* Growing an empty container shows nothing; moving it into RAM's way
     * fails; a size that overflows fails. */
    CHECK_EQ(memory_region_set_size(&box, 0x2000), MR_OK);
    CHECK_EQ(memory_region_set_address(&box, 0x1000), MR_EOVERLAP);
    memory_region_del_subregion(&sys, &box);
    memory_region_set_address(&box, 0xffffffffffffe000ull);
    CHECK_EQ(memory_region_set_size(&box, 0x3000), MR_OK); /* no parent: no check */
    CHECK_EQ(memory_region_add_subregion(&sys, 0xffffffffffffe000ull, &box), MR_EINVAL);
    CHECK_STR(view_str(&as), "0-1fff:ram@0 10000-10fff:flash@0");
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&sys, &romd);
    memory_region_destroy(&ram);
    memory_region_destroy(&romd);
    memory_region_destroy(&box);
    memory_region_destroy(&sys);
}

/* Dirty bitmaps per client; sync asks the listeners; log start/stop. */
static void test_dirty_log(void)
{
    MemoryRegion sys, ram;
    AddressSpace as;
    struct rec_listener rec;
    uint32_t v = 0xdeadbeef;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "vram", 0x10000);
    memory_region_add_subregion(&sys, 0x10000, &ram);
    address_space_init(&as, &sys, "memory");
    rec_init(&rec, 0);
    memory_listener_register(&rec.l, &as);
    rec_clear(&rec);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA), MR_OK);
    CHECK_STR(rec.log, "begin\nlog_start vram 0->1\ncommit\n");
    CHECK(!memory_region_get_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_VGA));
    /* A write straddling pages 1 and 2 dirties both, not page 0 or 3. */
    address_space_write(&as, 0x10000 + 0x1ffe, &v, 4);
    CHECK(!memory_region_get_dirty(&ram, 0, 0x1000, DIRTY_MEMORY_VGA));
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_VGA));
    CHECK(memory_region_get_dirty(&ram, 0x2fff, 1, DIRTY_MEMORY_VGA));
    CHECK(!memory_region_get_dirty(&ram, 0x3000, 0x1000, DIRTY_MEMORY_VGA));
    /* Reads never dirty. */
    address_space_read(&as, 0x10000 + 0x5000, &v, 4);
    CHECK(!memory_region_get_dirty(&ram, 0x5000, 0x1000, DIRTY_MEMORY_VGA));
    /* Client without logging sees nothing; a second client starts clean. */
    CHECK(!memory_region_get_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_MIGRATION));
    memory_region_set_log(&ram, true, DIRTY_MEMORY_MIGRATION);
    CHECK(!memory_region_get_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_MIGRATION));
    memory_region_set_dirty(&ram, 0x8000, 0x2000);
    CHECK(memory_region_get_dirty(&ram, 0x9000, 1, DIRTY_MEMORY_MIGRATION));
    CHECK(memory_region_get_dirty(&ram, 0x9000, 1, DIRTY_MEMORY_VGA));
    memory_region_reset_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_VGA);
    CHECK(!memory_region_get_dirty(&ram, 0, 0x10000, DIRTY_MEMORY_VGA));
    CHECK(memory_region_get_dirty(&ram, 0x9000, 1, DIRTY_MEMORY_MIGRATION));
    rec_clear(&rec);
    memory_region_sync_dirty_bitmap(&ram);
    CHECK_STR(rec.log, "sync vram 10000-1ffff\n");
    rec_clear(&rec);
    memory_region_set_log(&ram, false, DIRTY_MEMORY_VGA);
    memory_region_set_log(&ram, false, DIRTY_MEMORY_MIGRATION);
    CHECK_STR(rec.log, "begin\nlog_stop vram 5->4\ncommit\nbegin\nlog_stop vram 4->0\ncommit\n");
    memory_listener_unregister(&rec.l);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&sys);
}

/* Coalesced ranges: the listener hears each flat range's intersection. */
static void test_coalescing(void)
{
    MemoryRegion sys, dev, cover;
    AddressSpace as;
    struct rec_listener rec;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_io(&dev, &dummy_ops, NULL, "dev", 0x4000);
    memory_region_init_io(&cover, &dummy_ops, NULL, "cover", 0x1000);
    memory_region_add_subregion(&sys, 0x10000, &dev);
    memory_region_add_subregion_overlap(&sys, 0x11000, &cover, 1);
    address_space_init(&as, &sys, "memory");
    rec_init(&rec, 0);
    memory_listener_register(&rec.l, &as);
    rec_clear(&rec);
    /* Coalesce dev's 0x800..0x27ff: split by cover into two pieces. */
    CHECK_EQ(memory_region_add_coalescing(&dev, 0x800, 0x2000), MR_OK);
    CHECK_STR(rec.log, "begin\ncoal_del dev 10000+1000\ncoal_add dev 10800+800\n"
              "coal_del dev 12000+2000\ncoal_add dev 12000+800\ncommit\n");
    rec_clear(&rec);
    memory_region_del_subregion(&sys, &cover);
    CHECK_STR(rec.log, "begin\ncoal_del dev 10000+1000\ndel dev 10000-10fff\n"
              "del cover 11000-11fff\ncoal_del dev 12000+2000\ndel dev 12000-13fff\n"
              "add dev 10000-13fff\ncoal_add dev 10800+2000\ncommit\n");
    rec_clear(&rec);
    memory_region_clear_coalescing(&dev);
    CHECK_STR(rec.log, "begin\ncoal_del dev 10000+4000\ncommit\n");
    CHECK_EQ(memory_region_add_coalescing(&dev, 0x3000, 0x2000), MR_EINVAL);
    memory_listener_unregister(&rec.l);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &dev);
    memory_region_destroy(&dev);
    memory_region_destroy(&cover);
    memory_region_destroy(&sys);
}

/* The mtree and flat view dumps in QEMU's format. */
static void test_mtree(void)
{
    MemoryRegion sys, ram, bios, alias, dev;
    AddressSpace as;
    struct capture c = { .n = 0 };

    memory_region_init(&sys, "system", MR_SIZE_2_64);
    memory_region_init_ram(&ram, "pc.ram", 0x8000000);
    memory_region_init_rom(&bios, "pc.bios", 0x40000);
    memory_region_init_alias(&alias, "isa-bios", &bios, 0x20000, 0x20000);
    memory_region_init_io(&dev, &dummy_ops, NULL, "vga", 0x20000);
    memory_region_add_subregion(&sys, 0, &ram);
    memory_region_add_subregion(&sys, 0xfffc0000, &bios);
    memory_region_add_subregion_overlap(&sys, 0xe0000, &alias, 1);
    memory_region_add_subregion_overlap(&sys, 0xa0000, &dev, 1);
    memory_region_set_enabled(&dev, false);
    address_space_init(&as, &sys, "memory");
    memory_mtree_print(&as, capture_line, &c);
    CHECK_STR(c.text,
        "address-space: memory\n"
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
        "    0000000000000000-0000000007ffffff (prio 0, ram): pc.ram\n"
        "    00000000000a0000-00000000000bffff (prio 1, i/o): vga [disabled]\n"
        "    00000000000e0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000020000-000000000003ffff\n"
        "    00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n");
    c.n = 0;
    memory_flatview_print(&as, capture_line, &c);
    CHECK_STR(c.text,
        "flat view of address-space: memory (4 ranges)\n"
        "  0000000000000000-00000000000dffff (prio 0, ram): pc.ram\n"
        "  00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000\n"
        "  0000000000100000-0000000007ffffff (prio 0, ram): pc.ram @0000000000100000\n"
        "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n");
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&sys, &bios);
    memory_region_del_subregion(&sys, &alias);
    memory_region_del_subregion(&sys, &dev);
    memory_region_destroy(&alias);
    memory_region_destroy(&ram);
    memory_region_destroy(&bios);
    memory_region_destroy(&dev);
    memory_region_destroy(&sys);
}

/* Unassigned space: reads all-ones, writes dropped, counted and logged. */
static void test_unassigned(void)
{
    MemoryRegion sys, ram;
    AddressSpace as;
    uint8_t buf[8];
    uint64_t q = 0x1122334455667788ull;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&sys, 0x1000, &ram);
    address_space_init(&as, &sys, "memory");
    memset(buf, 0, sizeof(buf));
    /* 4 bytes before RAM, 4 in RAM. */
    ((uint8_t *)memory_region_get_ram_ptr(&ram))[0] = 0xab;
    CHECK_EQ(address_space_read(&as, 0xffc, buf, 8), MEMTX_DECODE_ERROR);
    CHECK_EQ(buf[0], 0xff);
    CHECK_EQ(buf[3], 0xff);
    CHECK_EQ(buf[4], 0xab);
    CHECK_EQ(as.unassigned_reads, 1);
    CHECK(strstr(plat_host_last_log(), "as memory: unassigned read at ffc") != NULL);
    CHECK_EQ(address_space_write(&as, 0x5000, &q, 8), MEMTX_DECODE_ERROR);
    CHECK_EQ(as.unassigned_writes, 1);
    /* Rate limit: 100 more reads log only at powers of two. */
    unsigned long logs = plat_host_log_count();
    for (int i = 0; i < 100; i++)
        address_space_read(&as, 0x9000, buf, 1);
    CHECK_EQ(plat_host_log_count() - logs, 6); /* 2, 4, 8, 16, 32, 64 */
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&sys);
}

/* An access that would run past 2^64 is refused whole: nothing written,
 * reads all-ones, no wrap to address 0. */
static void test_access_past_2_64(void)
{
    MemoryRegion sys, top, low, al;
    AddressSpace as;
    uint8_t buf[4] = { 1, 2, 3, 4 }, out[32];
    uint8_t *pt, *pl;
    uint64_t v;

    memory_region_init(&sys, "sys", MR_SIZE_2_64);
    memory_region_init_ram(&top, "top", 0x1000);
    memory_region_init_ram(&low, "low", 0x1000);
    memory_region_add_subregion(&sys, 0xfffffffffffff000ull, &top);
    memory_region_add_subregion(&sys, 0, &low);
    address_space_init(&as, &sys, "memory");
    pt = memory_region_get_ram_ptr(&top);
    pl = memory_region_get_ram_ptr(&low);
    memset(pt, 0, 0x1000);
    memset(pl, 0, 0x1000);
    CHECK_EQ(address_space_write(&as, UINT64_MAX - 1, buf, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(pt[0xffe], 0);
    CHECK_EQ(pt[0xfff], 0);
    CHECK_EQ(pl[0], 0);
    CHECK_EQ(pl[1], 0);
    pl[0] = 0x5a;
    memset(out, 0, sizeof(out));
    CHECK_EQ(address_space_read(&as, UINT64_MAX - 1, out, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(out[0], 0xff);
    CHECK_EQ(out[2], 0xff);
    memset(out, 0, sizeof(out));
    CHECK_EQ(address_space_read(&as, 0xfffffffffffffff0ull, out, 32), MEMTX_DECODE_ERROR);
    CHECK_EQ(out[16], 0xff);
    CHECK_EQ(out[0], 0xff);
    /* The last byte exactly: fine. */
    CHECK_EQ(address_space_write(&as, UINT64_MAX, buf, 1), MEMTX_OK);
    CHECK_EQ(pt[0xfff], 1);
    /* Through an alias: an offset that wraps past 2^64 inside dispatch. */
    memory_region_init_alias(&al, "al", &low, 0x800, 0x800);
    CHECK_EQ(memory_region_dispatch_read(&al, 0xfffffffffffff800ull, &v, 1), MEMTX_ERROR);
    CHECK_EQ(memory_region_dispatch_read(&al, 0x800, &v, 1), MEMTX_ERROR);
    CHECK_EQ(memory_region_dispatch_write(&al, UINT64_MAX, 7, 1), MEMTX_ERROR);
    CHECK_EQ(pl[0x7ff], 0);
    CHECK_EQ(memory_region_dispatch_read(&top, UINT64_MAX, &v, 2), MEMTX_ERROR);
    memory_region_destroy(&al);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &top);
    memory_region_del_subregion(&sys, &low);
    memory_region_destroy(&top);
    memory_region_destroy(&low);
    memory_region_destroy(&sys);
}

/* set_log's argument names one client: an OR of two client names is
 * refused, never taken for a third client. */
static void test_set_log_takes_one_client(void)
{
    MemoryRegion ram;

    memory_region_init_ram(&ram, "vram", 0x4000);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA | DIRTY_MEMORY_CODE),
             MR_EINVAL);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA | DIRTY_MEMORY_MIGRATION),
             MR_EINVAL);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_CODE | DIRTY_MEMORY_MIGRATION),
             MR_EINVAL);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA | DIRTY_MEMORY_CODE |
                                   DIRTY_MEMORY_MIGRATION), MR_EINVAL);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_NUM), MR_EINVAL);
    CHECK_EQ(ram.dirty_log_mask, 0);
    /* One name at a time, and the plain numbers 0..DIRTY_MEMORY_NUM-1. */
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_CODE), MR_OK);
    CHECK_EQ(ram.dirty_log_mask, 1u << 1);
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA), MR_OK);
    CHECK_EQ(memory_region_set_log(&ram, true, 2), MR_OK);
    CHECK_EQ(ram.dirty_log_mask, 7);
    memory_region_set_dirty(&ram, 0x1000, 1);
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_VGA));
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, 0));
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_MIGRATION));
    /* Asking about or clearing an OR: refused (false, nothing cleared). */
    CHECK(!memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_VGA | DIRTY_MEMORY_CODE));
    memory_region_reset_dirty(&ram, 0, 0x4000, DIRTY_MEMORY_VGA | DIRTY_MEMORY_CODE);
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_CODE));
    CHECK(strstr(plat_host_last_log(), "client") != NULL);
    memory_region_reset_dirty(&ram, 0, 0x4000, DIRTY_MEMORY_CODE);
    CHECK(!memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_CODE));
    CHECK(memory_region_get_dirty(&ram, 0x1000, 1, DIRTY_MEMORY_VGA));
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++)
        CHECK_EQ(memory_region_set_log(&ram, false, c), MR_OK);
    CHECK_EQ(ram.dirty_log_mask, 0);
    memory_region_destroy(&ram);
}

/* del_subregion with an uninitialised region (either side): MR_EINVAL,
 * as documented, not MR_ENOENT. */
static void test_del_uninitialised(void)
{
    MemoryRegion sys, r, z;

    memset(&z, 0, sizeof(z));
    memory_region_init(&sys, "sys", 0x10000);
    memory_region_init_ram(&r, "r", 0x1000);
    CHECK_EQ(memory_region_del_subregion(&sys, &z), MR_EINVAL);
    CHECK_EQ(memory_region_del_subregion(&z, &r), MR_EINVAL);
    CHECK_EQ(memory_region_del_subregion(&z, &z), MR_EINVAL);
    CHECK_EQ(memory_region_del_subregion(&sys, &r), MR_ENOENT); /* not in it */
    memory_region_destroy(&r);
    memory_region_destroy(&sys);
}

/* A write to ROM (and to read-only RAM) is dropped and succeeds
 * (MEMTX_OK), by every path, the bytes unchanged. */
static void test_rom_write_status(void)
{
    MemoryRegion sys, rom, ro, al;
    AddressSpace as;
    uint8_t b8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, *pr, *po;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_rom(&rom, "rom", 0x2000);
    memory_region_init_ram(&ro, "ro", 0x1000);
    memory_region_init_alias(&al, "rom-alias", &rom, 0x1000, 0x1000);
    memory_region_add_subregion(&sys, 0x10000, &rom);
    memory_region_add_subregion(&sys, 0x20000, &ro);
    memory_region_add_subregion(&sys, 0x30000, &al);
    address_space_init(&as, &sys, "memory");
    memory_region_set_readonly(&ro, true);
    pr = memory_region_get_ram_ptr(&rom);
    po = memory_region_get_ram_ptr(&ro);
    memset(pr, 0xee, 0x2000);
    memset(po, 0xee, 0x1000);
    for (size_t n = 1; n <= 8; n++) {
        CHECK_EQ(address_space_write(&as, 0x10100, b8, n), MEMTX_OK);
        CHECK_EQ(address_space_write(&as, 0x20100, b8, n), MEMTX_OK);
        CHECK_EQ(address_space_write(&as, 0x30100, b8, n), MEMTX_OK);
    }
    /* Straddling ROM's end into unassigned space: the ROM part is still OK,
     * the unassigned part is a decode error. */
    CHECK_EQ(address_space_write(&as, 0x11ffc, b8, 8), MEMTX_DECODE_ERROR);
    for (unsigned s = 1; s <= 8; s <<= 1) {
        CHECK_EQ(memory_region_dispatch_write(&rom, 0x200, 0x1122334455667788ull, s), MEMTX_OK);
        CHECK_EQ(memory_region_dispatch_write(&ro, 0x200, 0x1122334455667788ull, s), MEMTX_OK);
        CHECK_EQ(memory_region_dispatch_write(&al, 0x200, 0x1122334455667788ull, s), MEMTX_OK);
    }
    /* Read-only RAM made writable inside a transaction stays read-only
     * until the commit. */
    memory_region_transaction_begin();
    memory_region_set_readonly(&ro, false);
    CHECK_EQ(address_space_write(&as, 0x20300, b8, 3), MEMTX_OK);
    CHECK_EQ(memory_region_dispatch_write(&ro, 0x300, 0x55, 1), MEMTX_OK);
    memory_region_set_readonly(&ro, true);
    memory_region_transaction_commit();
    for (size_t i = 0; i < 0x2000; i++)
        if (pr[i] != 0xee) {
            CHECK_EQ(i, ~(size_t)0);
            break;
        }
    for (size_t i = 0; i < 0x1000; i++)
        if (po[i] != 0xee) {
            CHECK_EQ(i, ~(size_t)0);
            break;
        }
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &rom);
    memory_region_del_subregion(&sys, &ro);
    memory_region_del_subregion(&sys, &al);
    memory_region_destroy(&al);
    memory_region_destroy(&rom);
    memory_region_destroy(&ro);
    memory_region_destroy(&sys);
}

/* memory_region_init* on a region in use is refused (MR_EBUSY) and leaves
 * it as it was; on an initialised region not in use it starts afresh,
 * giving back what the old one held. */
#define REFUSED(call)                                                     \
    do {                                                                  \
        int err_ = (call);                                                \
        CHECK_EQ(err_, MR_EBUSY);                                         \
        if (err_ != MR_EBUSY) {                                           \
            fprintf(stderr, "  %s overwrote a region in use\n", #call);   \
            return; /* the tree is broken now: stop before it hangs */    \
        }                                                                 \
    } while (0)

static uint8_t backing[0x1000];

static void test_init_in_use(void)
{
    MemoryRegion sys, r, box, child, tgt, al, loose, sys2;
    AddressSpace as, as2;
    char before[1024];
    long allocs, pages;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&r, "r", 0x1000);
    memory_region_init(&box, "box", 0x1000);
    memory_region_init_io(&child, &dummy_ops, NULL, "child", 0x100);
    memory_region_init_ram(&tgt, "tgt", 0x1000);
    memory_region_init_alias(&al, "al", &tgt, 0, 0x1000);
    memory_region_init_io(&loose, &dummy_ops, NULL, "loose", 0x100);
    memory_region_init(&sys2, "sys2", 0x1000);
    memory_region_add_subregion(&sys, 0, &r);
    memory_region_add_subregion(&box, 0, &child);
    address_space_init(&as, &sys, "memory");
    address_space_init(&as2, &sys2, "other");
    snprintf(before, sizeof(before), "%s", view_str(&as));

    /* In a parent. */
    REFUSED(memory_region_init(&r, "again", 0x1000));
    REFUSED(memory_region_init_ram(&r, "again", 0x1000));
    REFUSED(memory_region_init_rom(&r, "again", 0x1000));
    REFUSED(memory_region_init_ram_ptr(&r, "again", 0x1000, backing));
    REFUSED(memory_region_init_io(&r, &dummy_ops, NULL, "again", 0x1000));
    REFUSED(memory_region_init_rom_device(&r, &dummy_ops, NULL, "again", 0x1000));
    REFUSED(memory_region_init_alias(&r, "again", &tgt, 0, 0x1000));
    CHECK(strstr(plat_host_last_log(), "in use") != NULL);
    CHECK_STR(memory_region_name(&r), "r");
    CHECK(r.parent == &sys && r.kind == MR_KIND_RAM);
    /* A root (with and without subregions), a container with subregions,
     * an alias target. */
    REFUSED(memory_region_init(&sys, "again", 0x1000));
    REFUSED(memory_region_init(&sys2, "again", 0x1000));
    REFUSED(memory_region_init(&box, "again", 0x1000));
    REFUSED(memory_region_init_ram(&tgt, "again", 0x1000));
    CHECK_EQ(tgt.users, 1);
    /* An alias onto itself is not a fresh start either. */
    CHECK(memory_region_init_alias(&loose, "self", &loose, 0, 0x100) != MR_OK);
    CHECK_STR(memory_region_name(&loose), "loose");
    /* Removed inside an open transaction: still in the view in force. */
    memory_region_transaction_begin();
    memory_region_del_subregion(&sys, &r);
    REFUSED(memory_region_init(&r, "again", 0x1000));
    memory_region_add_subregion(&sys, 0, &r);
    /* Changed inside an open transaction, outside any tree: not in use,
     * made afresh (and forgotten by the commit). */
    memory_region_set_size(&loose, 0x80);
    CHECK_EQ(memory_region_init_io(&loose, &dummy_ops, NULL, "loose", 0x100), MR_OK);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_size(&loose), 0x100);
    uint64_t v = 0;
    CHECK_EQ(memory_region_dispatch_read(&loose, 0xf0, &v, 1), MEMTX_OK);
    CHECK_EQ(v, 0xf0);
    /* Nothing moved: adding r again is refused, the view renders. */
    CHECK_EQ(memory_region_add_subregion(&sys, 0x2000, &r), MR_EBUSY);
    memory_region_transaction_begin();
    memory_region_set_address(&r, 0x4000);
    memory_region_set_address(&r, 0);
    memory_region_transaction_commit();
    CHECK_STR(view_str(&as), before);

    /* Not in use: a fresh start, the old name and pages given back. */
    allocs = plat_host_live_allocs();
    pages = plat_host_live_pages();
    CHECK_EQ(memory_region_init_ram(&loose, "loose2", 0x3000), MR_OK);
    CHECK_EQ(memory_region_init_io(&loose, &dummy_ops, NULL, "loose3", 0x100), MR_OK);
    CHECK_EQ(plat_host_live_allocs(), allocs);
    CHECK_EQ(plat_host_live_pages(), pages);
    CHECK_STR(memory_region_name(&loose), "loose3");
    /* An alias given a new target releases the old one. */
    memory_region_del_subregion(&box, &child);
    CHECK_EQ(memory_region_init_alias(&al, "al", &child, 0, 0x100), MR_OK);
    CHECK_EQ(tgt.users, 0);
    CHECK_EQ(child.users, 1);
    CHECK_EQ(memory_region_destroy(&tgt), MR_OK);

    address_space_destroy(&as);
    address_space_destroy(&as2);
    memory_region_del_subregion(&sys, &r);
    CHECK_EQ(memory_region_destroy(&al), MR_OK);
    CHECK_EQ(memory_region_destroy(&child), MR_OK);
    CHECK_EQ(memory_region_destroy(&loose), MR_OK);
    CHECK_EQ(memory_region_destroy(&box), MR_OK);
    CHECK_EQ(memory_region_destroy(&r), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys2), MR_OK);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK);
}
#undef REFUSED

int main(void)
{
    RUN(test_overlap_priority);
    RUN(test_equal_priority_rule);
    RUN(test_nesting_and_clipping);
    RUN(test_aliases);
    RUN(test_top_of_address_space);
    RUN(test_refusals);
    RUN(test_alloc_failures);
    RUN(test_transactions);
    RUN(test_listeners);
    RUN(test_listener_priority_order);
    RUN(test_shared_root_and_io_space);
    RUN(test_attributes);
    RUN(test_dirty_log);
    RUN(test_coalescing);
    RUN(test_mtree);
    RUN(test_unassigned);
    RUN(test_access_past_2_64);
    RUN(test_set_log_takes_one_client);
    RUN(test_del_uninitialised);
    RUN(test_rom_write_status);
    RUN(test_init_in_use); /* last: before the fix it leaves a broken tree */
    return test_summary("test_memory");
}
