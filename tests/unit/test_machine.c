/*
 * The guest machine (hv/guest/machine.c) against its documentation: the
 * "Memory map" and "I/O ports" tables of docs/guest-abi.md are read from
 * the document itself, and every row must describe what the built
 * machine's flat views hold (kind at both ends of the range), every flat
 * range must be covered by some row ("anything else is unassigned"), and
 * the HC_REGION ids must name the regions the document says.
 */
#include "hv/guest/machine.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

#define MEM (64ull << 20)
#define MAX_ROWS 40

struct row {
    uint64_t lo, hi; /* inclusive */
    char what[200], kind[200];
};

static struct row mem_rows[MAX_ROWS], io_rows[MAX_ROWS];
static unsigned n_mem, n_io;

/* The cells of a table row "| a | b | c |" into out[] (trimmed). */
static unsigned cells(const char *line, char out[][200], unsigned max)
{
    unsigned n = 0;
    const char *p = strchr(line, '|');

    while (p && n < max) {
        const char *q = strchr(p + 1, '|');
        size_t len;

        if (!q)
            break;
        p++;
        while (*p == ' ')
            p++;
        len = (size_t)(q - p);
        while (len && p[len - 1] == ' ')
            len--;
        snprintf(out[n++], 200, "%.*s", (int)len, p);
        p = q;
    }
    return n;
}

/* "0xA-0xB", "0xA", "0xA (N bytes)", "0 - mem-1". */
static bool range_of(const char *s, uint64_t *lo, uint64_t *hi)
{
    char *end;

    if (!strcmp(s, "0 - mem-1")) {
        *lo = 0;
        *hi = MEM - 1;
        return true;
    }
    if (strncmp(s, "0x", 2))
        return false;
    *lo = strtoull(s, &end, 16);
    *hi = *lo;
    if (*end == '-')
        *hi = strtoull(end + 1, &end, 16);
    else if (!strncmp(end, " (", 2))
        *hi = *lo + strtoull(end + 2, NULL, 10) - 1;
    return true;
}

static void read_doc(void)
{
    FILE *f = fopen("docs/guest-abi.md", "r");
    char line[512], c[4][200];
    int section = 0; /* 1: memory map, 2: I/O ports */

    CHECK(f != NULL);
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "## ", 3))
            section = strstr(line, "Memory map") ? 1 : strstr(line, "I/O ports") ? 2 : 0;
        if (!section || line[0] != '|')
            continue;
        unsigned n = cells(line, c, 4);
        struct row r;

        if (n < 2 || !range_of(c[0], &r.lo, &r.hi))
            continue;
        snprintf(r.what, sizeof(r.what), "%s", c[1]);
        snprintf(r.kind, sizeof(r.kind), "%s", n > 2 ? c[2] : "port");
        if (section == 1 && n_mem < MAX_ROWS)
            mem_rows[n_mem++] = r;
        else if (section == 2 && n_io < MAX_ROWS)
            io_rows[n_io++] = r;
    }
    fclose(f);
}

static struct guest_machine m;
static uint8_t *ram;

/* What the flat view holds at a, in the document's words. */
static const char *kind_at(AddressSpace *as, uint64_t a)
{
    const FlatRange *fr = flatview_lookup(address_space_flatview(as), a);

    if (!fr)
        return "unassigned";
    switch (fr->mr->kind) {
    case MR_KIND_RAM: return "RAM";
    case MR_KIND_ROM: return "ROM";
    case MR_KIND_ROMD: return "ROM device";
    case MR_KIND_IO: return "MMIO";
    default: return "?";
    }
}

/* The kind a row's third cell promises at the start of a run. */
static const char *doc_kind(const struct row *r)
{
    if (!strncmp(r->kind, "RAM", 3))
        return "RAM";
    if (strstr(r->kind, "all-ones"))
        return "unassigned";
    if (!strcmp(r->kind, "MMIO over RAM"))
        return strstr(r->what, "disabled at start") ? "RAM" : "MMIO";
    return r->kind; /* ROM, ROM device, MMIO */
}

static void check_point(const struct row *r, uint64_t a, const char *want)
{
    const char *got = kind_at(&m.as_mem, a);

    /* RAM rows span the hole: the hole row says what is there instead. */
    if (!strcmp(want, "RAM") && r->lo == 0 && a >= GM_HOLE_START && a < GM_HOLE_END)
        return;
    if (strcmp(got, want)) {
        fprintf(stderr, "  docs: %#llx-%#llx \"%s\": %s at %#llx, machine has %s\n",
                (unsigned long long)r->lo, (unsigned long long)r->hi, r->what, want,
                (unsigned long long)a, got);
        CHECK(0);
    }
}

static void test_memory_rows(void)
{
    CHECK(n_mem >= 10);
    for (unsigned i = 0; i < n_mem; i++) {
        const struct row *r = &mem_rows[i];
        const char *want = doc_kind(r);

        check_point(r, r->lo, want);
        check_point(r, r->hi, want);
        check_point(r, r->lo + (r->hi - r->lo) / 2, want);
    }
    /* RAM ends at mem: the next byte is unassigned */
    CHECK_STR(kind_at(&m.as_mem, MEM), "unassigned");
}

/* Every flat range lies inside some documented row (other than RAM's,
 * which says nothing about what is above it). */
static bool documented(const struct row *rows, unsigned n, uint64_t lo, uint64_t hi)
{
    for (unsigned i = 0; i < n; i++)
        if (rows[i].lo <= lo && hi <= rows[i].hi)
            return true;
    return false;
}

static void test_nothing_undocumented(void)
{
    const FlatView *v = address_space_flatview(&m.as_mem);

    for (size_t i = 0; i < v->nr; i++) {
        const FlatRange *fr = &v->ranges[i];

        if (!documented(mem_rows, n_mem, fr->start, fr->last)) {
            fprintf(stderr, "  undocumented: %#llx-%#llx %s\n", (unsigned long long)fr->start,
                    (unsigned long long)fr->last, memory_region_name(fr->mr));
            CHECK(0);
        }
    }
    v = address_space_flatview(&m.as_io);
    for (size_t i = 0; i < v->nr; i++) {
        const FlatRange *fr = &v->ranges[i];

        if (!documented(io_rows, n_io, fr->start, fr->last)) {
            fprintf(stderr, "  undocumented port: %#llx-%#llx %s\n",
                    (unsigned long long)fr->start, (unsigned long long)fr->last,
                    memory_region_name(fr->mr));
            CHECK(0);
        }
    }
}

static void test_io_rows(void)
{
    CHECK(n_io >= 3);
    for (unsigned i = 0; i < n_io; i++)
        for (uint64_t p = io_rows[i].lo; p <= io_rows[i].hi; p++)
            if (!flatview_lookup(address_space_flatview(&m.as_io), p)) {
                fprintf(stderr, "  docs: port %#llx (%s) is not assigned\n",
                        (unsigned long long)p, io_rows[i].what);
                CHECK(0);
            }
    CHECK(flatview_lookup(address_space_flatview(&m.as_io), 0x81) == NULL);
}

/* HC_REGION ids (docs/guest-abi.md): 1 testdev, 2 overlay window, 3 fb,
 * 4 flash, 5 isa-bios; the overlay window enabled shows the overlay. */
static void test_region_ids(void)
{
    CHECK(machine_region(&m, 1) == &m.td.container);
    CHECK(machine_region(&m, 2) == &m.overlay_window);
    CHECK(machine_region(&m, 3) == &m.fb.mr);
    CHECK(machine_region(&m, 4) == &m.flash.mr);
    CHECK(machine_region(&m, 5) == &m.isa_bios);
    CHECK(machine_region(&m, 0) == NULL);
    CHECK(machine_region(&m, 6) == NULL);
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, true), MR_OK);
    CHECK_STR(kind_at(&m.as_mem, GM_OVERLAY_WINDOW), "MMIO");
    CHECK_EQ(memory_region_set_enabled(&m.overlay_window, false), MR_OK);
    CHECK_STR(kind_at(&m.as_mem, GM_OVERLAY_WINDOW), "RAM");
}

/* The BIOS bytes through the ROM and its ISA alias. */
static void test_bios_bytes(void)
{
    uint8_t b[4];

    CHECK_EQ(address_space_read(&m.as_mem, 0xfffffff0, b, 4), MEMTX_OK);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(b[i], machine_bios_byte(GM_BIOS_SIZE - 16 + i));
    CHECK_EQ(address_space_read(&m.as_mem, 0xffff0, b, 4), MEMTX_OK);
    CHECK_EQ(b[0], machine_bios_byte(GM_BIOS_SIZE - 16));
}

/* Build and teardown give back everything; too little RAM is refused. */
static void test_build_teardown(void)
{
    static struct guest_machine m2;
    long live = plat_host_live_allocs(), pages = plat_host_live_pages();

    CHECK_EQ(machine_build(&m2, ram, MEM), MR_OK);
    machine_destroy(&m2);
    CHECK_EQ(plat_host_live_allocs(), live);
    CHECK_EQ(plat_host_live_pages(), pages);
    CHECK(machine_build(&m2, ram, 1ull << 20) != MR_OK);
    CHECK(machine_build(&m2, NULL, MEM) != MR_OK);
    CHECK_EQ(plat_host_live_allocs(), live);
    /* every allocation failing in turn: a clean refusal, nothing leaked */
    for (long n = 0; n < 400; n++) {
        int err;

        plat_host_fail_alloc_after(n);
        err = machine_build(&m2, ram, MEM);
        plat_host_fail_alloc_after(-1);
        if (err == MR_OK) {
            machine_destroy(&m2);
            break;
        }
        CHECK_EQ(plat_host_live_allocs(), live);
        CHECK_EQ(plat_host_live_pages(), pages);
    }
}

int main(void)
{
    plat_host_set_verbosity(-1);
    read_doc();
    ram = aligned_alloc(4096, MEM);
    if (!ram || machine_build(&m, ram, MEM) != MR_OK) {
        fprintf(stderr, "machine_build failed\n");
        return 1;
    }
    RUN(test_memory_rows);
    RUN(test_nothing_undocumented);
    RUN(test_io_rows);
    RUN(test_region_ids);
    RUN(test_bios_bytes);
    machine_destroy(&m);
    RUN(test_build_teardown);
    free(ram);
    return test_summary("test_machine");
}
