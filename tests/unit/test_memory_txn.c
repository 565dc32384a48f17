/*
 * Transactions and accesses: a change made inside a transaction acts on
 * nothing, accesses included, before the outermost commit (dispatch goes by
 * the view in force); a change made outside a transaction whose commit
 * fails is undone, the setter returning the commit's error.
 */
#include "tests/unit/mem_helpers.h"

struct dev {
    unsigned reads, writes;
    hwaddr last;
    unsigned last_size;
    uint64_t val;
};

static uint64_t dev_read(void *o, hwaddr a, unsigned s)
{
    struct dev *d = o;

    d->reads++;
    d->last = a;
    d->last_size = s;
    return 0x5a5a5a5a5a5a5a5aull;
}

static void dev_write(void *o, hwaddr a, uint64_t v, unsigned s)
{
    struct dev *d = o;

    d->writes++;
    d->last = a;
    d->last_size = s;
    d->val = v;
}

static const MemoryRegionOps dev_ops = { .read = dev_read, .write = dev_write };

/* Read-only RAM made writable inside a transaction stays read-only for
 * every kind of access until the commit, and the other way round. */
static void test_pending_readonly(void)
{
    MemoryRegion sys, ram;
    AddressSpace as;
    uint32_t v = 0x11223344;
    uint8_t b3[3] = { 1, 2, 3 }, *p;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_add_subregion(&sys, 0x1000, &ram);
    address_space_init(&as, &sys, "memory");
    p = memory_region_get_ram_ptr(&ram);
    memset(p, 0, 0x2000);
    CHECK_EQ(memory_region_set_readonly(&ram, true), MR_OK);

    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_readonly(&ram, false), MR_OK);
    CHECK_EQ(address_space_write(&as, 0x1010, &v, 4), MEMTX_OK);  /* one access */
    CHECK_EQ(address_space_write(&as, 0x1020, b3, 3), MEMTX_OK);  /* general path */
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x30, 0xaa, 1), MEMTX_OK);
    CHECK_EQ(p[0x10], 0);
    CHECK_EQ(p[0x20], 0);
    CHECK_EQ(p[0x30], 0);
    CHECK_EQ(flatview_lookup(address_space_flatview(&as), 0x1010)->flags, FR_DIRECT_READ);
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(address_space_write(&as, 0x1010, &v, 4), MEMTX_OK);
    CHECK_EQ(address_space_write(&as, 0x1020, b3, 3), MEMTX_OK);
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x30, 0xaa, 1), MEMTX_OK);
    CHECK_EQ(p[0x10], 0x44);
    CHECK_EQ(p[0x22], 3);
    CHECK_EQ(p[0x30], 0xaa);

    /* Writable RAM going read-only: writes still land until the commit. */
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_readonly(&ram, true), MR_OK);
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x40, 0xbb, 1), MEMTX_OK);
    CHECK_EQ(address_space_write(&as, 0x1050, b3, 3), MEMTX_OK);
    CHECK_EQ(p[0x40], 0xbb);
    CHECK_EQ(p[0x52], 3);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x40, 0xcc, 1), MEMTX_OK);
    CHECK_EQ(p[0x40], 0xbb);

    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&sys);
}

/* An I/O region shrunk inside a transaction still takes, until the
 * commit, the accesses the view in force sends it; grown, it still
 * refuses what lies past its size in force. */
static void test_pending_resize(void)
{
    MemoryRegion sys, io;
    AddressSpace as;
    struct dev d = { 0 };
    uint8_t b[4];
    uint64_t x = 0;
    uint32_t w = 0;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_io(&io, &dev_ops, &d, "io", 0x1000);
    memory_region_add_subregion(&sys, 0x10000, &io);
    address_space_init(&as, &sys, "memory");

    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_size(&io, 0x800), MR_OK);
    CHECK_EQ(address_space_read(&as, 0x10900, &w, 4), MEMTX_OK);
    CHECK_EQ(d.reads, 1);
    CHECK_EQ(d.last, 0x900);
    CHECK_EQ(address_space_read(&as, 0x10a00, b, 3), MEMTX_OK);
    CHECK_EQ(d.last, 0xa02);
    CHECK_EQ(memory_region_dispatch_read(&io, 0x900, &x, 4), MEMTX_OK);
    CHECK_EQ(x, 0x5a5a5a5a);
    CHECK_EQ(address_space_write(&as, 0x10ff8, &w, 4), MEMTX_OK);
    CHECK_EQ(d.writes, 1);
    x = 7;
    CHECK(memory_region_dispatch_direct(&io, 0xffc, &x, 4, true));
    CHECK_EQ(d.writes, 2);
    CHECK_STR(view_str(&as), "10000-10fff:io@0");
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_STR(view_str(&as), "10000-107ff:io@0");
    CHECK_EQ(address_space_read(&as, 0x10900, &w, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(memory_region_dispatch_read(&io, 0x900, &x, 4), MEMTX_ERROR);
    CHECK(!memory_region_dispatch_direct(&io, 0x900, &x, 4, false));

    /* Growing: the larger size is not in force before the commit. */
    d.reads = 0;
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_size(&io, 0x1000), MR_OK);
    CHECK_EQ(memory_region_dispatch_read(&io, 0x900, &x, 4), MEMTX_ERROR);
    CHECK(!memory_region_dispatch_direct(&io, 0x900, &x, 4, false));
    CHECK_EQ(address_space_read(&as, 0x10900, &w, 4), MEMTX_DECODE_ERROR);
    CHECK_EQ(d.reads, 0);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_dispatch_read(&io, 0x900, &x, 4), MEMTX_OK);
    CHECK_EQ(address_space_read(&as, 0x10900, &w, 4), MEMTX_OK);
    CHECK_EQ(d.reads, 2);

    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &io);
    memory_region_destroy(&io);
    memory_region_destroy(&sys);
}

/* A ROM device's mode switch inside a transaction: reads keep going where
 * the view in force sends them (the array in romd mode) until the commit. */
static void test_pending_romd_switch(void)
{
    MemoryRegion sys, fl;
    AddressSpace as;
    struct dev d = { 0 };
    uint8_t b[3], *p;
    uint64_t x;
    const FlatRange *fr;

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_rom_device(&fl, &dev_ops, &d, "flash", 0x1000);
    memory_region_add_subregion(&sys, 0x20000, &fl);
    address_space_init(&as, &sys, "memory");
    p = memory_region_get_ram_ptr(&fl);
    memset(p, 0x77, 0x1000);

    memory_region_transaction_begin();
    CHECK_EQ(memory_region_rom_device_set_romd(&fl, false), MR_OK);
    b[0] = 0;
    CHECK_EQ(address_space_read(&as, 0x20004, b, 1), MEMTX_OK);
    CHECK_EQ(b[0], 0x77);
    CHECK_EQ(address_space_read(&as, 0x20004, b, 3), MEMTX_OK);
    CHECK_EQ(b[2], 0x77);
    CHECK_EQ(memory_region_dispatch_read(&fl, 4, &x, 1), MEMTX_OK);
    CHECK_EQ(x, 0x77);
    fr = flatview_lookup(address_space_flatview(&as), 0x20004);
    CHECK(fr && flatrange_ram_ptr(fr, 0x20004) == p + 4);
    CHECK_EQ(d.reads, 0);
    memory_region_transaction_commit();
    CHECK_EQ(address_space_read(&as, 0x20004, b, 1), MEMTX_OK);
    CHECK_EQ(b[0], 0x5a);
    CHECK_EQ(d.reads, 1);
    fr = flatview_lookup(address_space_flatview(&as), 0x20004);
    CHECK(fr && flatrange_ram_ptr(fr, 0x20004) == NULL);

    /* Back to romd mode: reads go to the device until the commit. */
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_rom_device_set_romd(&fl, true), MR_OK);
    CHECK_EQ(memory_region_dispatch_read(&fl, 4, &x, 1), MEMTX_OK);
    CHECK_EQ(x, 0x5a);
    CHECK_EQ(address_space_read(&as, 0x20004, b, 3), MEMTX_OK);
    CHECK_EQ(b[1], 0x5a);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_dispatch_read(&fl, 4, &x, 1), MEMTX_OK);
    CHECK_EQ(x, 0x77);

    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &fl);
    memory_region_destroy(&fl);
    memory_region_destroy(&sys);
}

/* An alias retargeted inside a transaction: dispatch through it keeps the
 * window in force. */
static void test_pending_alias_offset(void)
{
    MemoryRegion ram, al;
    uint8_t *p;
    uint64_t x = 0;

    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_init_alias(&al, "al", &ram, 0, 0x1000);
    p = memory_region_get_ram_ptr(&ram);
    p[0x10] = 1;
    p[0x1010] = 2;
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_alias_offset(&al, 0x1000), MR_OK);
    CHECK_EQ(memory_region_dispatch_read(&al, 0x10, &x, 1), MEMTX_OK);
    CHECK_EQ(x, 1);
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_dispatch_read(&al, 0x10, &x, 1), MEMTX_OK);
    CHECK_EQ(x, 2);
    memory_region_destroy(&al);
    memory_region_destroy(&ram);
}

/* Dirty logging started inside a transaction records nothing before the
 * commit; stopped inside one, it records until the commit. */
static void test_pending_dirty_log(void)
{
    MemoryRegion sys, ram;
    AddressSpace as;
    uint8_t b3[3] = { 1, 2, 3 };

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "vram", 0x4000);
    memory_region_add_subregion(&sys, 0, &ram);
    address_space_init(&as, &sys, "memory");
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA), MR_OK);
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x10, 1, 1), MEMTX_OK);
    CHECK_EQ(address_space_write(&as, 0x1010, b3, 3), MEMTX_OK);
    CHECK(!memory_region_get_dirty(&ram, 0, 0x4000, DIRTY_MEMORY_VGA));
    memory_region_transaction_commit();
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x10, 1, 1), MEMTX_OK);
    CHECK(memory_region_get_dirty(&ram, 0, 1, DIRTY_MEMORY_VGA));
    memory_region_reset_dirty(&ram, 0, 0x4000, DIRTY_MEMORY_VGA);

    memory_region_transaction_begin();
    CHECK_EQ(memory_region_set_log(&ram, false, DIRTY_MEMORY_VGA), MR_OK);
    CHECK_EQ(memory_region_dispatch_write(&ram, 0x2010, 1, 1), MEMTX_OK);
    CHECK(memory_region_get_dirty(&ram, 0x2000, 1, DIRTY_MEMORY_VGA));
    memory_region_transaction_commit();
    CHECK(!memory_region_get_dirty(&ram, 0, 0x4000, DIRTY_MEMORY_VGA));

    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&sys);
}

/* ------------------------------------------------- commit errors (item 6) */
static int refuse_commits;

static int refusing_commit(MemoryListener *l)
{
    rec_commit(l);
    if (refuse_commits) {
        refuse_commits--;
        return MR_ENOMEM;
    }
    return 0;
}

struct world {
    MemoryRegion sys, ram, dev, fl, spare, al;
    AddressSpace as;
    struct dev d;
};

static void world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    memory_region_init(&w->sys, "sys", 0x100000);
    memory_region_init_ram(&w->ram, "ram", 0x8000);
    memory_region_init_io(&w->dev, &dev_ops, &w->d, "dev", 0x1000);
    memory_region_init_rom_device(&w->fl, &dev_ops, &w->d, "flash", 0x1000);
    memory_region_init_io(&w->spare, &dev_ops, &w->d, "spare", 0x1000);
    memory_region_init_alias(&w->al, "al", &w->ram, 0, 0x1000);
    memory_region_add_subregion(&w->sys, 0, &w->ram);
    memory_region_add_subregion_overlap(&w->sys, 0x4000, &w->dev, 1);
    memory_region_add_subregion(&w->sys, 0x20000, &w->fl);
    memory_region_add_subregion(&w->sys, 0x30000, &w->al);
    address_space_init(&w->as, &w->sys, "memory");
}

static void world_destroy(struct world *w)
{
    address_space_destroy(&w->as);
    MemoryRegion *all[] = { &w->ram, &w->dev, &w->fl, &w->spare, &w->al };
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        if (all[i]->parent)
            memory_region_del_subregion(all[i]->parent, all[i]);
    memory_region_destroy(&w->al);
    for (size_t i = 0; i < ARRAY_SIZE(all) - 1; i++)
        memory_region_destroy(all[i]);
    memory_region_destroy(&w->sys);
}

struct picture {
    char view[1024];
    char tree[16384];
};

static void picture(struct world *w, struct picture *pic)
{
    struct capture c = { .n = 0 };

    snprintf(pic->view, sizeof(pic->view), "%s", view_str(&w->as));
    memory_mtree_print(&w->as, capture_line, &c);
    snprintf(pic->tree, sizeof(pic->tree), "%s", c.text);
}

static bool same_picture(struct world *w, const struct picture *before)
{
    struct picture now;

    picture(w, &now);
    if (strcmp(now.view, before->view) || strcmp(now.tree, before->tree)) {
        fprintf(stderr, "  view before: %s\n  view now:    %s\n  tree now:\n%s",
                before->view, now.view, now.tree);
        return false;
    }
    return true;
}

/* Every setter, outside a transaction, whose commit a listener refuses:
 * the setter returns the error and the tree and the view are as before.
 * `fail` selects how the commit fails: a refusing listener, or the
 * allocator saying no while rendering. */
static void every_setter_fails(bool by_listener)
{
    static struct world w;
    struct rec_listener rec;
    struct picture before;
    const FlatView *view;
    uint64_t renders;
    int err;

    world_init(&w);
    rec_init(&rec, 0);
    rec.l.commit = refusing_commit;
    memory_listener_register(&rec.l, &w.as);
    memory_region_set_readonly(&w.ram, false);
    picture(&w, &before);
    view = address_space_flatview(&w.as);

#define FAILS(call)                                                         \
    do {                                                                    \
        if (by_listener)                                                    \
            refuse_commits = 1;                                             \
        else                                                                \
            plat_host_fail_alloc_after(0);                                  \
        err = (call);                                                       \
        plat_host_fail_alloc_after(-1);                                     \
        refuse_commits = 0;                                                 \
        CHECK_EQ(err, MR_ENOMEM);                                           \
        if (err != MR_ENOMEM)                                               \
            fprintf(stderr, "  %s returned %d\n", #call, err);              \
        CHECK(same_picture(&w, &before));                                   \
        CHECK(address_space_flatview(&w.as) == view || by_listener);        \
    } while (0)

    FAILS(memory_region_set_address(&w.dev, 0x8000));
    CHECK_EQ(w.dev.addr, 0x4000);
    FAILS(memory_region_set_enabled(&w.dev, false));
    CHECK(w.dev.enabled);
    FAILS(memory_region_set_size(&w.dev, 0x2000));
    CHECK_EQ(memory_region_size(&w.dev), 0x1000);
    FAILS(memory_region_set_readonly(&w.ram, true));
    CHECK(!w.ram.readonly);
    FAILS(memory_region_rom_device_set_romd(&w.fl, false));
    CHECK(memory_region_is_romd(&w.fl));
    FAILS(memory_region_set_alias_offset(&w.al, 0x1000));
    CHECK_EQ(w.al.alias_offset, 0);
    FAILS(memory_region_add_subregion(&w.sys, 0x40000, &w.spare));
    CHECK(!memory_region_is_mapped(&w.spare));
    FAILS(memory_region_add_subregion_overlap(&w.sys, 0x2000, &w.spare, 3));
    CHECK(!memory_region_is_mapped(&w.spare));
    FAILS(memory_region_del_subregion(&w.sys, &w.dev));
    CHECK(w.dev.parent == &w.sys);
    FAILS(memory_region_del_subregion(&w.sys, &w.ram));
    CHECK(w.ram.parent == &w.sys);
    if (by_listener) { /* no render needed: only listeners can fail these */
        FAILS(memory_region_set_log(&w.ram, true, DIRTY_MEMORY_VGA));
        CHECK_EQ(w.ram.dirty_log_mask, 0);
        FAILS(memory_region_add_coalescing(&w.dev, 0, 0x100));
        CHECK(w.dev.coalesced == NULL);
    }

    /* The undone change is not waiting for the next commit either. */
    renders = memory_render_count();
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_transaction_commit(), MR_OK);
    CHECK_EQ(memory_render_count(), renders);
    CHECK(same_picture(&w, &before));

    /* Accesses go by the undone state: writes to RAM land, dev at 0x4000. */
    uint8_t b = 0x42;
    CHECK_EQ(address_space_write(&w.as, 0x10, &b, 1), MEMTX_OK);
    CHECK_EQ(((uint8_t *)memory_region_get_ram_ptr(&w.ram))[0x10], 0x42);
    w.d.writes = 0;
    CHECK_EQ(address_space_write(&w.as, 0x4010, &b, 1), MEMTX_OK);
    CHECK_EQ(w.d.writes, 1);

    /* And once the commit goes through, so does the setter. */
    CHECK_EQ(memory_region_set_address(&w.dev, 0x8000), MR_OK);
    CHECK_EQ(w.dev.addr, 0x8000);
    CHECK(strstr(view_str(&w.as), "8000-8fff:dev@0") != NULL);
#undef FAILS
    memory_listener_unregister(&rec.l);
    world_destroy(&w);
}

static void test_setter_commit_refused_by_listener(void)
{
    every_setter_fails(true);
}

static void test_setter_commit_out_of_memory(void)
{
    long allocs = plat_host_live_allocs(), pages = plat_host_live_pages();

    every_setter_fails(false);
    CHECK_EQ(plat_host_live_allocs(), allocs);
    CHECK_EQ(plat_host_live_pages(), pages);
}

/* The listener that refused hears the way back: after the failed commit,
 * a pass that puts the old ranges back, then its commit. */
static void test_refused_commit_is_told_back(void)
{
    MemoryRegion sys, ram, dev;
    AddressSpace as;
    struct rec_listener rec;
    struct dev d = { 0 };

    memory_region_init(&sys, "sys", 0x100000);
    memory_region_init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&dev, &dev_ops, &d, "dev", 0x1000);
    memory_region_add_subregion(&sys, 0, &ram);
    address_space_init(&as, &sys, "memory");
    rec_init(&rec, 0);
    rec.l.commit = refusing_commit;
    memory_listener_register(&rec.l, &as);
    rec_clear(&rec);
    refuse_commits = 1;
    CHECK_EQ(memory_region_add_subregion_overlap(&sys, 0x2000, &dev, 1), MR_ENOMEM);
    CHECK_STR(rec.log, "begin\ndel ram 0-ffff\nadd ram 0-1fff\nadd dev 2000-2fff\n"
              "add ram 3000-ffff\ncommit\n"
              "begin\ndel ram 0-1fff\ndel dev 2000-2fff\ndel ram 3000-ffff\n"
              "add ram 0-ffff\ncommit\n");
    CHECK_STR(view_str(&as), "0-ffff:ram@0");
    CHECK(!memory_region_is_mapped(&dev));
    CHECK_EQ(memory_region_destroy(&dev), MR_OK);

    /* Inside a transaction a listener's error is the commit's, and the new
     * view stays in force (there is nothing to undo the changes with). */
    memory_region_init_io(&dev, &dev_ops, &d, "dev", 0x1000);
    rec_clear(&rec);
    memory_region_transaction_begin();
    CHECK_EQ(memory_region_add_subregion_overlap(&sys, 0x2000, &dev, 1), MR_OK);
    refuse_commits = 1;
    CHECK_EQ(memory_region_transaction_commit(), MR_ENOMEM);
    CHECK_EQ(rec.commits, 1);
    CHECK_STR(view_str(&as), "0-1fff:ram@0 2000-2fff:dev@0 3000-ffff:ram@3000");

    memory_listener_unregister(&rec.l);
    address_space_destroy(&as);
    memory_region_del_subregion(&sys, &ram);
    memory_region_del_subregion(&sys, &dev);
    memory_region_destroy(&ram);
    memory_region_destroy(&dev);
    memory_region_destroy(&sys);
}

/* address_space_init whose commit fails: no space is left behind. */
static void test_address_space_init_fails_whole(void)
{
    MemoryRegion sys;
    AddressSpace as;
    long allocs = plat_host_live_allocs();

    memory_region_init(&sys, "sys", 0x100000);
    plat_host_fail_alloc_after(0);
    CHECK_EQ(address_space_init(&as, &sys, "memory"), MR_ENOMEM);
    plat_host_fail_alloc_after(-1);
    CHECK_EQ(memory_region_destroy(&sys), MR_OK); /* not a root */
    CHECK_EQ(plat_host_live_allocs(), allocs);
}

int main(void)
{
    RUN(test_pending_readonly);
    RUN(test_pending_resize);
    RUN(test_pending_romd_switch);
    RUN(test_pending_alias_offset);
    RUN(test_pending_dirty_log);
    RUN(test_setter_commit_refused_by_listener);
    RUN(test_setter_commit_out_of_memory);
    RUN(test_refused_commit_is_told_back);
    RUN(test_address_space_init_fails_whole);
    return test_summary("test_memory_txn");
}
