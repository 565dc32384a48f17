/*
 * EPT benchmarks, each against a baseline measured in the same run:
 *  - mapping a 64 GiB guest (largest pages) vs the same with 4 KiB pages;
 *  - a BAR-style move of a 4 KiB MMIO region in a 4 GiB guest vs a full
 *    rebuild of that guest's EPT;
 *  - harvesting 4 GiB of logged RAM by dirty flags (1 page in 64 dirty, and
 *    none) vs a plain sequential read of as many 8-byte entries.
 * Guest RAM is a fake host range: the EPT never touches its contents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ept/ept_listener.h"
#include "hv/lib/host/platform_host.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define FAKE_HOST ((void *)(uintptr_t)0x100000000000ull)

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t io_read(void *o, hwaddr a, unsigned s)
{
    (void)o, (void)a, (void)s;
    return 0;
}

static void io_write(void *o, hwaddr a, uint64_t d, unsigned s)
{
    (void)o, (void)a, (void)d, (void)s;
}

static const MemoryRegionOps io_ops = { .read = io_read, .write = io_write };

static const EptCaps caps_all = { .page_2m = true, .page_1g = true, .ad = true, .pml = true };
static const EptCaps caps_4k = { .ad = true };

struct guest {
    MemoryRegion root, ram, bar;
    AddressSpace as;
};

static void guest_init(struct guest *g, uint64_t ram_size)
{
    memory_region_init(&g->root, "system", MR_SIZE_2_64);
    memory_region_init_ram_ptr(&g->ram, "ram", ram_size, FAKE_HOST);
    memory_region_init_io(&g->bar, &io_ops, NULL, "bar0", 4 * KiB);
    memory_region_add_subregion(&g->root, 0, &g->ram);
    address_space_init(&g->as, &g->root, "memory");
}

static void guest_fini(struct guest *g)
{
    if (g->bar.parent)
        memory_region_del_subregion(&g->root, &g->bar);
    memory_region_set_log(&g->ram, false, DIRTY_MEMORY_MIGRATION);
    memory_region_del_subregion(&g->root, &g->ram);
    address_space_destroy(&g->as);
    memory_region_destroy(&g->bar);
    memory_region_destroy(&g->ram);
    memory_region_destroy(&g->root);
}

/* Builds the EPT of a 64 GiB guest; returns microseconds, *entries. */
static double map_64g(const EptCaps *caps, uint64_t *entries)
{
    struct guest g;
    EptListener el;
    double t0, t1;

    guest_init(&g, 64 * GiB);
    t0 = now_us();
    if (ept_listener_init(&el, caps, 40000, &g.as) != MR_OK) {
        fprintf(stderr, "bench_ept: map failed\n");
        exit(1);
    }
    t1 = now_us();
    *entries = el.ept.stats.entries_written;
    ept_listener_destroy(&el);
    guest_fini(&g);
    return t1 - t0;
}

static void bench_map(void)
{
    uint64_t e_big, e_4k;
    double t_big = 1e30, t_4k;

    for (int i = 0; i < 5; i++) {
        double t = map_64g(&caps_all, &e_big);
        t_big = t < t_big ? t : t_big;
    }
    t_4k = map_64g(&caps_4k, &e_4k);
    printf("bench: ept_map_64g_time: %.1f us (x%.6f vs all-4K map %.0f us)\n", t_big,
           t_big / t_4k, t_4k);
    printf("bench: ept_map_64g_entries: %llu entries (x%.6f vs all-4K map %llu entries)\n",
           (unsigned long long)e_big, (double)e_big / (double)e_4k, (unsigned long long)e_4k);
}

/* A PC-like 4 GiB guest: RAM below 3 GiB and 1 GiB above 4 GiB (aliases
 * of one RAM block), VGA MMIO and a BIOS ROM in the first MiB, a 4 KiB BAR
 * in the PCI hole, and a second 4 KiB MMIO page over RAM. */
struct pc {
    MemoryRegion root, ram, lo, hi, vga, bios, bar, over;
    AddressSpace as;
};

static void pc_init(struct pc *p)
{
    memory_region_init(&p->root, "system", MR_SIZE_2_64);
    memory_region_init_ram_ptr(&p->ram, "ram", 4 * GiB, FAKE_HOST);
    memory_region_init_alias(&p->lo, "ram-below-4g", &p->ram, 0, 3 * GiB);
    memory_region_init_alias(&p->hi, "ram-above-4g", &p->ram, 3 * GiB, GiB);
    memory_region_init_io(&p->vga, &io_ops, NULL, "vga", 128 * KiB);
    memory_region_init_rom(&p->bios, "bios", 128 * KiB);
    memory_region_init_io(&p->bar, &io_ops, NULL, "bar0", 4 * KiB);
    memory_region_init_io(&p->over, &io_ops, NULL, "mmio-over-ram", 4 * KiB);
    memory_region_add_subregion(&p->root, 0, &p->lo);
    memory_region_add_subregion(&p->root, 4 * GiB, &p->hi);
    memory_region_add_subregion_overlap(&p->root, 0xa0000, &p->vga, 1);
    memory_region_add_subregion_overlap(&p->root, 0xe0000, &p->bios, 1);
    memory_region_add_subregion(&p->root, 0xe0000000, &p->bar);
    memory_region_add_subregion_overlap(&p->root, 0x40000000, &p->over, 1);
    address_space_init(&p->as, &p->root, "memory");
}

static void pc_fini(struct pc *p)
{
    MemoryRegion *sub[] = { &p->lo, &p->hi, &p->vga, &p->bios, &p->bar, &p->over };

    for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
        memory_region_del_subregion(&p->root, sub[i]);
    address_space_destroy(&p->as);
    for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
        memory_region_destroy(sub[i]);
    memory_region_destroy(&p->ram);
    memory_region_destroy(&p->root);
}

/* Moves mr back and forth between a and b; per-move time and entries. */
static void moves(EptListener *el, MemoryRegion *mr, uint64_t a, uint64_t b, double *us,
                  uint64_t *entries)
{
    const int n = 2000;
    uint64_t w0 = el->ept.stats.entries_written;
    double t0 = now_us();

    for (int i = 0; i < n; i++)
        memory_region_set_address(mr, (i & 1) ? a : b);
    *us = (now_us() - t0) / n;
    *entries = (el->ept.stats.entries_written - w0) / (uint64_t)n;
    if (ept_listener_check(el, NULL, NULL))
        fprintf(stderr, "bench_ept: EPT differs from the view after the moves\n");
}

static void bench_bar_move(void)
{
    struct pc p;
    EptListener el;
    const int rebuilds = 200;
    uint64_t e_bar, e_over, e_rebuild = 0;
    double t0, t_bar, t_over, t_rebuild;

    pc_init(&p);
    ept_listener_init(&el, &caps_all, 64, &p.as);
    moves(&el, &p.bar, 0xe0000000, 0xe0010000, &t_bar, &e_bar);
    moves(&el, &p.over, 0x40000000, 0x80123000, &t_over, &e_over);
    ept_listener_destroy(&el);
    t0 = now_us();
    for (int i = 0; i < rebuilds; i++) {
        ept_listener_init(&el, &caps_all, 64, &p.as);
        e_rebuild = el.ept.stats.entries_written;
        ept_listener_destroy(&el);
    }
    t_rebuild = (now_us() - t0) / rebuilds;
    pc_fini(&p);
    printf("bench: ept_bar_move_time: %.2f us (x%.3f vs full rebuild %.2f us)\n", t_bar,
           t_bar / t_rebuild, t_rebuild);
    printf("bench: ept_bar_move_entries: %llu entries (x%.3f vs full rebuild %llu entries)\n",
           (unsigned long long)e_bar, (double)e_bar / (double)e_rebuild,
           (unsigned long long)e_rebuild);
    printf("bench: ept_mmio_over_ram_move_time: %.2f us (x%.3f vs full rebuild %.2f us)\n",
           t_over, t_over / t_rebuild, t_rebuild);
    printf("bench: ept_mmio_over_ram_move_entries: %llu entries (x%.3f vs full rebuild %llu "
           "entries)\n", (unsigned long long)e_over, (double)e_over / (double)e_rebuild,
           (unsigned long long)e_rebuild);
}

/* Sets the dirty flag of every `every`-th logged 4 KiB page, as the CPU would. */
static void dirty_pages(EptListener *el, uint64_t size, uint64_t every)
{
    EptWalk w;

    for (uint64_t gpa = 0; every && gpa < size; gpa += every * 4 * KiB)
        if (ept_walk(&el->ept, gpa, &w))
            __atomic_fetch_or(w.leaf, EPT_E_D, __ATOMIC_SEQ_CST);
}

static volatile uint64_t sink;

static double seq_read(const uint64_t *v, size_t n)
{
    double t0 = now_us();
    uint64_t acc = 0;

    for (size_t i = 0; i < n; i++)
        acc |= v[i];
    sink = acc;
    return now_us() - t0;
}

static void bench_harvest(void)
{
    const uint64_t size = 4 * GiB, n = size / (4 * KiB);
    struct guest g;
    EptListener el;
    uint64_t *plain = malloc(n * sizeof(uint64_t));
    double t_read = 1e30, t_sparse = 1e30, t_clean = 1e30;

    for (uint64_t i = 0; i < n; i++)
        plain[i] = i * 4096 | 7;
    guest_init(&g, size);
    if (ept_listener_init_mode(&el, &caps_all, 4096, &g.as, EPT_DIRTY_AD) != MR_OK ||
        memory_region_set_log(&g.ram, true, DIRTY_MEMORY_MIGRATION) != MR_OK) {
        fprintf(stderr, "bench_ept: harvest setup failed\n");
        exit(1);
    }
    for (int r = 0; r < 7; r++) {
        double t;
        t = seq_read(plain, n);
        t_read = t < t_read ? t : t_read;
        dirty_pages(&el, size, 64);
        t = now_us();
        ept_dirty_sync_range(&el, 0, size - 1);
        t = now_us() - t;
        t_sparse = t < t_sparse ? t : t_sparse;
        t = now_us();
        ept_dirty_sync_range(&el, 0, size - 1);
        t = now_us() - t;
        t_clean = t < t_clean ? t : t_clean;
    }
    if (!memory_region_get_dirty(&g.ram, 64 * 4 * KiB, 4 * KiB, DIRTY_MEMORY_MIGRATION) ||
        memory_region_get_dirty(&g.ram, 4 * KiB, 4 * KiB, DIRTY_MEMORY_MIGRATION))
        fprintf(stderr, "bench_ept: harvest reported the wrong pages\n");
    ept_listener_destroy(&el);
    guest_fini(&g);
    free(plain);
    printf("bench: ept_harvest_4g_1in64_dirty: %.1f us/GiB (x%.2f vs sequential read of %llu "
           "entries %.1f us/GiB)\n", t_sparse / 4, t_sparse / t_read, (unsigned long long)n,
           t_read / 4);
    printf("bench: ept_harvest_4g_clean: %.1f us/GiB (x%.2f vs sequential read of %llu "
           "entries %.1f us/GiB)\n", t_clean / 4, t_clean / t_read, (unsigned long long)n,
           t_read / 4);
}

int main(void)
{
    plat_host_set_verbosity(LOG_ERR);
    bench_map();
    bench_bar_move();
    bench_harvest();
    return 0;
}
