/*
 * A fake vCPU for the emulator's host tests, fuzzer and benchmark: a guest
 * register file, XMM registers, 2 MiB of RAM at guest-physical 0, and a
 * recording device at FAKE_DEV_BASE (64 KiB) that remembers every access in
 * order.  Registers beyond the mandatory ones are served lazily through
 * ops->load, as the VMCS-backed vCPU does.
 *
 * Page tables for every paging mode are built in RAM from FAKE_PT_BASE up,
 * with accessed/dirty bits preset so a walk changes no memory (tests that
 * look at A/D bits clear them first).
 */
#ifndef TESTS_UNIT_FAKE_VCPU_H
#define TESTS_UNIT_FAKE_VCPU_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/x86/emulate.h"
#include "hv/guest/bus.h"

#define FAKE_RAM_SIZE 0x200000ull  /* 2 MiB of RAM at 0 */
#define FAKE_DEV_BASE 0x200000ull  /* right after RAM: accesses can span both */
#define FAKE_DEV_SIZE 0x10000ull
#define FAKE_PT_BASE 0x100000ull   /* page tables are allocated from here */
#define FAKE_PT_END 0x180000ull
#define FAKE_LOG_MAX 8192

enum fake_mode {
    FAKE_REAL,      /* real mode, 16-bit */
    FAKE_PROT16,    /* protected mode, 16-bit code segment, no paging */
    FAKE_PROT32,    /* protected mode, 32-bit, no paging */
    FAKE_PAGED32,   /* 32-bit paging (CR4.PSE on) */
    FAKE_PAE,       /* PAE paging, 32-bit code */
    FAKE_LONG4,     /* 4-level paging, 64-bit code */
    FAKE_LONG5,     /* 5-level paging, 64-bit code */
    FAKE_COMPAT,    /* 4-level paging, 32-bit compatibility-mode code */
    FAKE_NR_MODES,
};

static const char *const fake_mode_names[FAKE_NR_MODES] = {
    "real", "prot16", "prot32", "paged32", "pae", "long4", "long5", "compat",
};

struct fake_access {
    uint64_t gpa;
    uint64_t val;
    uint8_t size;
    bool write;
};

struct fake_vcpu {
    struct emu_ctx ctx;
    struct emu_regs full;   /* what ops->load serves */
    uint8_t xmm[16][16];
    uint64_t mmx[8];
    uint8_t *ram;
    uint8_t dev[FAKE_DEV_SIZE];
    struct fake_access log[FAKE_LOG_MAX];
    unsigned nlog;          /* device accesses (may exceed FAKE_LOG_MAX) */
    unsigned loads;         /* ops->load calls */
    uint64_t pt_next;       /* next free page-table page */
    enum fake_mode mode;
    bool lazy;              /* serve cr3/segments through ops->load */
    bool poison;            /* lazy: scribble over what load() must supply */
    uint64_t map_gen;       /* ctx.map_gen: 1 by default, 0 disables the walk cache */
    unsigned ram_ptrs;      /* ops->ram_ptr calls */
    const struct emu_ops *ops; /* NULL: fake_ops (direct); or fake_ops_memapi */
    /* fake_use_memory_api(): the same RAM and device behind the real
     * memory API and the hv/guest/bus.c glue. */
    AddressSpace as;
    struct bus_cache as_cache; /* what a VMX backend keeps per vCPU */
    MemoryRegion sys, ram_mr, dev_mr;
    MemoryRegionOps dev_ops;
};

/* A saved whole state, for "compare everything" assertions. */
struct fake_state {
    struct emu_regs regs;
    uint8_t xmm[16][16];
    uint8_t *ram;
    uint8_t dev[FAKE_DEV_SIZE];
};

/* ------------------------------------------------------------------ ops */

static inline void fake_load(void *opaque, struct emu_regs *r, unsigned want)
{
    struct fake_vcpu *f = opaque;

    f->loads++;
    if (want & EMU_V_CR3)
        r->cr3 = f->full.cr3;
    if (want & ~EMU_V_CR3)
        for (unsigned s = 0; s < X86_NR_SEGS; s++)
            if (want & EMU_V_SEG(s))
                r->seg[s] = f->full.seg[s];
    if (want & EMU_V_SYS) {
        r->gdt_base = f->full.gdt_base;
        r->gdt_limit = f->full.gdt_limit;
        r->ldtr = f->full.ldtr;
        r->tr = f->full.tr;
    }
}

static inline uint64_t fake_get_mmx(void *opaque, unsigned reg)
{
    return ((struct fake_vcpu *)opaque)->mmx[reg & 7];
}

static inline void fake_set_mmx(void *opaque, unsigned reg, uint64_t v)
{
    ((struct fake_vcpu *)opaque)->mmx[reg & 7] = v;
}

static inline void fake_get_xmm(void *opaque, unsigned reg, uint8_t val[16])
{
    memcpy(val, ((struct fake_vcpu *)opaque)->xmm[reg & 15], 16);
}

static inline void fake_set_xmm(void *opaque, unsigned reg, const uint8_t val[16])
{
    memcpy(((struct fake_vcpu *)opaque)->xmm[reg & 15], val, 16);
}

static inline uint8_t *fake_ram_ptr(void *opaque, uint64_t gpa)
{
    struct fake_vcpu *f = opaque;

    f->ram_ptrs++;
    return gpa < FAKE_RAM_SIZE ? f->ram + gpa : NULL;
}

/* All of the fake's RAM is writable, and nothing logs it. */
static inline uint8_t *fake_ram_write_ptr(void *opaque, uint64_t gpa)
{
    struct fake_vcpu *f = opaque;

    return gpa < FAKE_RAM_SIZE ? f->ram + gpa : NULL;
}

/* Which region a byte belongs to: 0 RAM, 1 device, 2 nothing. */
static inline int fake_region(uint64_t gpa)
{
    if (gpa < FAKE_RAM_SIZE)
        return 0;
    if (gpa - FAKE_DEV_BASE < FAKE_DEV_SIZE)
        return 1;
    return 2;
}

/* Copies size (1, 2, 4, 8) bytes with constant-size copies. */
static inline void fake_copy(void *dst, const void *src, unsigned size)
{
    switch (size) {
    case 1: memcpy(dst, src, 1); break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
    }
}

static inline void fake_log_dev(struct fake_vcpu *f, uint64_t gpa, unsigned size, bool w,
                                uint64_t val)
{
    if (f->nlog < FAKE_LOG_MAX) {
        struct fake_access *a = &f->log[f->nlog];
        a->gpa = gpa;
        a->size = (uint8_t)size;
        a->write = w;
        a->val = size == 8 ? val : val & ((1ull << (size * 8)) - 1);
    }
    f->nlog++;
}

/* One access inside one region. */
static inline int fake_access_one(struct fake_vcpu *f, uint64_t gpa, unsigned size,
                                  bool is_write, uint64_t *val)
{
    int region = fake_region(gpa);
    uint8_t *p = region == 0 ? f->ram + gpa
               : region == 1 ? f->dev + (gpa - FAKE_DEV_BASE) : NULL;

    if (!p) {
        if (!is_write)
            *val = ~0ull;
        return 1;
    }
    if (is_write) {
        fake_copy(p, val, size);
    } else {
        *val = 0;
        fake_copy(val, p, size);
    }
    if (region == 1)
        fake_log_dev(f, gpa, size, is_write, *val);
    return 0;
}

/* Like the memory API: an access that spans regions is split per byte. */
static __attribute__((noinline)) int fake_access_general(struct fake_vcpu *f, uint64_t gpa,
                                                         unsigned size, bool is_write,
                                                         uint64_t *val)
{
    uint8_t bytes[8];
    int rc = 0;

    if (size > 8 || !((0x116u >> size) & 1)) { /* 1, 2, 4 or 8 */
        fprintf(stderr, "fake_vcpu: bad access size %u\n", size);
        abort();
    }
    if (fake_region(gpa) == fake_region(gpa + size - 1))
        return fake_access_one(f, gpa, size, is_write, val);
    memcpy(bytes, val, 8);
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = bytes[i];
        rc |= fake_access_one(f, gpa + i, 1, is_write, &b);
        bytes[i] = (uint8_t)b;
    }
    if (!is_write) {
        *val = 0;
        memcpy(val, bytes, size);
    }
    return rc;
}

static inline int fake_access(void *opaque, uint64_t gpa, unsigned size, bool is_write,
                              uint64_t *val)
{
    struct fake_vcpu *f = opaque;
    uint64_t dev_off = gpa - FAKE_DEV_BASE;

    /* the common case: a valid size, all of it in the device */
    if (size <= 8 && ((0x116u >> size) & 1) && dev_off <= FAKE_DEV_SIZE - size) {
        uint8_t *p = f->dev + dev_off;

        if (is_write) {
            fake_copy(p, val, size);
        } else {
            *val = 0;
            fake_copy(val, p, size);
        }
        fake_log_dev(f, gpa, size, is_write, *val);
        return 0;
    }
    return fake_access_general(f, gpa, size, is_write, val);
}

static const struct emu_ops fake_ops = {
    .load = fake_load,
    .get_xmm = fake_get_xmm,
    .set_xmm = fake_set_xmm,
    .get_mmx = fake_get_mmx,
    .set_mmx = fake_set_mmx,
    .ram_ptr = fake_ram_ptr,
    .access = fake_access,
    .ram_write_ptr = fake_ram_write_ptr,
};

/* ------------------------------------------- the memory-API backend */

static inline uint64_t fake_dev_read(void *opaque, hwaddr addr, unsigned size)
{
    struct fake_vcpu *f = opaque;
    uint64_t v = 0;

    fake_copy(&v, f->dev + addr, size);
    fake_log_dev(f, FAKE_DEV_BASE + addr, size, false, v);
    return v;
}

static inline void fake_dev_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    struct fake_vcpu *f = opaque;

    fake_copy(f->dev + addr, &v, size);
    fake_log_dev(f, FAKE_DEV_BASE + addr, size, true, v);
}

static inline int fake_access_memapi(void *opaque, uint64_t gpa, unsigned size, bool is_write,
                                     uint64_t *val)
{
    struct fake_vcpu *f = opaque;

    return bus_as_access_cached(&f->as_cache, &f->as, gpa, size, is_write, val);
}

static inline uint8_t *fake_ram_ptr_memapi(void *opaque, uint64_t gpa)
{
    return bus_as_ram_ptr(&((struct fake_vcpu *)opaque)->as, gpa);
}

static inline uint8_t *fake_ram_write_ptr_memapi(void *opaque, uint64_t gpa)
{
    return bus_as_ram_ptr_write(&((struct fake_vcpu *)opaque)->as, gpa);
}

static inline void fake_load(void *opaque, struct emu_regs *r, unsigned want);
static inline void fake_get_xmm(void *opaque, unsigned reg, uint8_t val[16]);
static inline void fake_set_xmm(void *opaque, unsigned reg, const uint8_t val[16]);

/* Puts RAM and the device behind an AddressSpace; impl_max is the
 * device's largest callback size (the dispatcher splits bigger ones). */
static inline int fake_use_memory_api(struct fake_vcpu *f, unsigned impl_max)
{
    static const struct emu_ops ops = {
        .load = fake_load,
        .get_xmm = fake_get_xmm,
        .set_xmm = fake_set_xmm,
        .ram_ptr = fake_ram_ptr_memapi,
        .access = fake_access_memapi,
        .ram_write_ptr = fake_ram_write_ptr_memapi,
    };
    int rc = 0;

    f->dev_ops.read = fake_dev_read;
    f->dev_ops.write = fake_dev_write;
    f->dev_ops.valid.max_access_size = 8;
    f->dev_ops.valid.unaligned = true;
    f->dev_ops.impl.max_access_size = impl_max;
    f->dev_ops.impl.unaligned = true;
    rc |= memory_region_init(&f->sys, "system", MR_SIZE_2_64);
    rc |= memory_region_init_ram_ptr(&f->ram_mr, "ram", FAKE_RAM_SIZE, f->ram);
    rc |= memory_region_init_io(&f->dev_mr, &f->dev_ops, f, "fake-dev", FAKE_DEV_SIZE);
    rc |= memory_region_add_subregion(&f->sys, 0, &f->ram_mr);
    rc |= memory_region_add_subregion(&f->sys, FAKE_DEV_BASE, &f->dev_mr);
    rc |= address_space_init(&f->as, &f->sys, "memory");
    f->ops = &ops;
    return rc;
}

static inline void fake_drop_memory_api(struct fake_vcpu *f)
{
    if (!f->ops)
        return;
    address_space_destroy(&f->as);
    memory_region_del_subregion(&f->sys, &f->dev_mr);
    memory_region_del_subregion(&f->sys, &f->ram_mr);
    memory_region_destroy(&f->dev_mr);
    memory_region_destroy(&f->ram_mr);
    memory_region_destroy(&f->sys);
    f->ops = NULL;
}

/* ------------------------------------------------------------ page tables */

static inline uint64_t fake_pt_alloc(struct fake_vcpu *f)
{
    uint64_t p = f->pt_next;

    if (p >= FAKE_PT_END) {
        fprintf(stderr, "fake_vcpu: out of page-table pages\n");
        abort();
    }
    f->pt_next += 4096;
    memset(f->ram + p, 0, 4096);
    return p;
}

#define FAKE_PTE_P 0x1ull
#define FAKE_PTE_W 0x2ull
#define FAKE_PTE_U 0x4ull
#define FAKE_PTE_A 0x20ull
#define FAKE_PTE_D 0x40ull
#define FAKE_PTE_PS 0x80ull
#define FAKE_PTE_XD (1ull << 63)
#define FAKE_PTE_DEFAULT (FAKE_PTE_P | FAKE_PTE_W | FAKE_PTE_U | FAKE_PTE_A | FAKE_PTE_D)

static inline uint64_t fake_rd(struct fake_vcpu *f, uint64_t gpa, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, f->ram + gpa, n);
    return v;
}

static inline void fake_wr(struct fake_vcpu *f, uint64_t gpa, uint64_t v, unsigned n)
{
    memcpy(f->ram + gpa, &v, n);
}

/* Address of the entry for `la` at the leaf level (level 1), creating
 * intermediate tables; returns its gpa.  Works for every paging mode. */
static inline uint64_t fake_pte_addr(struct fake_vcpu *f, uint64_t la, unsigned leaf_level)
{
    uint64_t table, e;
    unsigned levels, esz;

    switch (f->mode) {
    case FAKE_PAGED32:
        levels = 2, esz = 4;
        table = f->full.cr3 & ~0xfffull;
        for (unsigned lvl = 2; lvl > leaf_level; lvl--) {
            uint64_t ea = table + ((la >> (12 + 10 * (lvl - 1))) & 1023) * 4;
            e = fake_rd(f, ea, 4);
            if (!(e & 1)) {
                e = fake_pt_alloc(f) | 0x27;
                fake_wr(f, ea, e, 4);
            }
            table = e & 0xfffff000ull;
        }
        return table + ((la >> (12 + 10 * (leaf_level - 1))) & 1023) * 4;
    case FAKE_PAE:
        levels = 3, esz = 8;
        break;
    case FAKE_LONG5:
        levels = 5, esz = 8;
        break;
    default:
        levels = 4, esz = 8;
        break;
    }
    (void)esz;
    table = f->full.cr3 & (f->mode == FAKE_PAE ? 0xffffffe0ull : ~0xfffull);
    for (unsigned lvl = levels; lvl > leaf_level; lvl--) {
        unsigned idx = (f->mode == FAKE_PAE && lvl == 3) ? (la >> 30) & 3
                     : (la >> (12 + 9 * (lvl - 1))) & 511;
        uint64_t ea = table + idx * 8;
        e = fake_rd(f, ea, 8);
        if (!(e & 1)) {
            /* PAE PDPTEs take only P; the others get full rights */
            e = fake_pt_alloc(f) | ((f->mode == FAKE_PAE && lvl == 3) ? 1 : 0x27);
            fake_wr(f, ea, e, 8);
        }
        table = e & 0x000ffffffffff000ull;
    }
    {
        unsigned idx = (f->mode == FAKE_PAE && leaf_level == 3) ? (la >> 30) & 3
                     : (la >> (12 + 9 * (leaf_level - 1))) & 511;
        return table + idx * 8;
    }
}

/* Maps the 4 KiB page at la to gpa with the given entry flags. */
static inline void fake_map(struct fake_vcpu *f, uint64_t la, uint64_t gpa, uint64_t flags)
{
    uint64_t ea = fake_pte_addr(f, la, 1);

    fake_wr(f, ea, (gpa & ~0xfffull) | flags, f->mode == FAKE_PAGED32 ? 4 : 8);
}

/* The leaf entry mapping la (for tests that edit flags). */
static inline uint64_t fake_leaf(struct fake_vcpu *f, uint64_t la)
{
    return fake_pte_addr(f, la, 1);
}

/* ------------------------------------------------------------------ setup */

static inline void fake_set_seg(struct emu_regs *r, unsigned s, uint16_t sel, uint64_t base,
                                uint32_t limit, uint32_t attr)
{
    r->seg[s].sel = sel;
    r->seg[s].base = base;
    r->seg[s].limit = limit;
    r->seg[s].attr = attr;
}

static inline bool fake_paged(enum fake_mode m)
{
    return m >= FAKE_PAGED32;
}

static inline bool fake_is64(enum fake_mode m)
{
    return m == FAKE_LONG4 || m == FAKE_LONG5;
}

/* Default operand size of the mode's code: 2, 4 or 8 (8 means 64-bit). */
static inline unsigned fake_width(enum fake_mode m)
{
    return m <= FAKE_PROT16 ? 2 : fake_is64(m) ? 8 : 4;
}

/* Code goes at CS:0x1000 (linear 0x1000 + CS base). */
#define FAKE_CODE_IP 0x1000ull

static inline void fake_setup_regs(struct fake_vcpu *f)
{
    struct emu_regs *r = &f->full;
    enum fake_mode m = f->mode;
    uint32_t data = 0xc093, code = 0xc09b;

    memset(r, 0, sizeof(*r));
    r->rflags = 0x2;
    r->rip = FAKE_CODE_IP;
    if (m == FAKE_REAL) {
        for (unsigned s = 0; s < X86_NR_SEGS; s++)
            fake_set_seg(r, s, 0, 0, 0xffff, 0x93);
        r->seg[X86_CS].attr = 0x9b;
        return;
    }
    r->cr0 = X86_CR0_PE | (1ull << 4) /* ET */ | X86_CR0_WP;
    r->cr4 = X86_CR4_OSFXSR;
    if (m == FAKE_PROT16) {
        code = 0x9b;
        data = 0x93;
    }
    for (unsigned s = 0; s < X86_NR_SEGS; s++)
        fake_set_seg(r, s, 0x10, 0, m == FAKE_PROT16 ? 0xffff : 0xffffffff, data);
    fake_set_seg(r, X86_CS, 0x08, 0, m == FAKE_PROT16 ? 0xffff : 0xffffffff, code);
    if (!fake_paged(m))
        return;
    r->cr0 |= X86_CR0_PG;
    r->cr3 = FAKE_PT_BASE;
    f->pt_next = FAKE_PT_BASE + 0x1000;
    memset(f->ram + FAKE_PT_BASE, 0, 0x1000);
    if (m == FAKE_PAGED32) {
        r->cr4 |= X86_CR4_PSE;
    } else {
        r->cr4 |= X86_CR4_PAE;
        r->efer = X86_EFER_NXE;
    }
    if (m == FAKE_LONG4 || m == FAKE_LONG5 || m == FAKE_COMPAT) {
        r->efer |= X86_EFER_LME | X86_EFER_LMA;
        if (m != FAKE_COMPAT)
            r->seg[X86_CS].attr = 0xa09b; /* L=1, D=0 */
    }
    if (m == FAKE_LONG5)
        r->cr4 |= X86_CR4_LA57;
}

/* Identity-maps RAM and the device window with 4 KiB pages. */
static inline void fake_identity_map(struct fake_vcpu *f)
{
    for (uint64_t a = 0; a < FAKE_RAM_SIZE; a += 4096)
        fake_map(f, a, a, FAKE_PTE_DEFAULT);
    for (uint64_t a = 0; a < FAKE_DEV_SIZE; a += 4096)
        fake_map(f, FAKE_DEV_BASE + a, FAKE_DEV_BASE + a, FAKE_PTE_DEFAULT);
}

static inline struct fake_vcpu *fake_new(enum fake_mode m)
{
    struct fake_vcpu *f = calloc(1, sizeof(*f));

    f->ram = calloc(1, FAKE_RAM_SIZE);
    f->mode = m;
    f->lazy = true;
    f->poison = true;
    f->map_gen = 1;
    fake_setup_regs(f);
    if (fake_paged(m))
        fake_identity_map(f);
    return f;
}

static inline void fake_free(struct fake_vcpu *f)
{
    fake_drop_memory_api(f);
    free(f->ram);
    free(f);
}

/* What a VMCS backend does per exit: the GPRs (saved by the exit stub),
 * RIP, RFLAGS, CR0, CR4, EFER, CPL and CS; the rest lazily (f->lazy) or
 * all at once.  Tests poison what must come through ops->load. */
static inline void fake_begin(struct fake_vcpu *f)
{
    struct emu_regs *r = &f->ctx.regs;

    f->ctx.ops = f->ops ? f->ops : &fake_ops;
    f->ctx.opaque = f;
    f->ctx.map_gen = f->map_gen;
    memcpy(r->gpr, f->full.gpr, sizeof(r->gpr));
    r->rip = f->full.rip;
    r->rflags = f->full.rflags;
    r->cr0 = f->full.cr0;
    r->cr4 = f->full.cr4;
    r->efer = f->full.efer;
    r->cpl = f->full.cpl;
    r->seg[X86_CS] = f->full.seg[X86_CS];
    if (!f->lazy) {
        *r = f->full;
        f->ctx.valid = EMU_V_ALL;
        return;
    }
    f->ctx.valid = 0;
    if (f->poison) {
        r->cr3 = 0xdeadbeefdeadb000ull;
        for (unsigned s = 0; s < X86_NR_SEGS; s++)
            if (s != X86_CS)
                memset(&r->seg[s], 0xa5, sizeof(r->seg[s]));
    }
}

/* Copies back what the emulator says it changed (the backend's job). */
static inline void fake_end(struct fake_vcpu *f)
{
    unsigned d = f->ctx.dirty;

    for (unsigned g = d & EMU_D_GPRS; g; g &= g - 1)
        f->full.gpr[__builtin_ctz(g)] = f->ctx.regs.gpr[__builtin_ctz(g)];
    if (d & EMU_D_RIP)
        f->full.rip = f->ctx.regs.rip;
    if (d & EMU_D_RFLAGS)
        f->full.rflags = f->ctx.regs.rflags;
    for (unsigned s = 0; s < X86_NR_SEGS; s++)
        if (d & EMU_D_SEG(s))
            f->full.seg[s] = f->ctx.regs.seg[s];
    if (d & EMU_D_TR)
        f->full.tr = f->ctx.regs.tr;
}

/* One exit: begin, emu_run, write back. */
static inline enum emu_result fake_step(struct fake_vcpu *f)
{
    enum emu_result rc;

    fake_begin(f);
    rc = emu_run(&f->ctx, NULL);
    fake_end(f);
    return rc;
}

/* Linear address of CS:ip. */
static inline uint64_t fake_code_la(struct fake_vcpu *f)
{
    return fake_is64(f->mode) ? f->full.rip : f->full.seg[X86_CS].base + f->full.rip;
}

/* Places instruction bytes at CS:RIP (identity-mapped RAM). */
static inline void fake_code(struct fake_vcpu *f, const void *bytes, size_t n)
{
    memcpy(f->ram + fake_code_la(f), bytes, n);
}

static inline void fake_save(const struct fake_vcpu *f, struct fake_state *s)
{
    s->regs = f->full;
    memcpy(s->xmm, f->xmm, sizeof(s->xmm));
    if (!s->ram)
        s->ram = malloc(FAKE_RAM_SIZE);
    memcpy(s->ram, f->ram, FAKE_RAM_SIZE);
    memcpy(s->dev, f->dev, sizeof(s->dev));
}

static inline void fake_state_free(struct fake_state *s)
{
    free(s->ram);
    s->ram = NULL;
}

static inline bool fake_seg_equal(const struct emu_seg *a, const struct emu_seg *b)
{
    return a->sel == b->sel && a->base == b->base && a->limit == b->limit && a->attr == b->attr;
}

/* Field by field: structure padding is not part of the state. */
static inline bool fake_regs_equal(const struct emu_regs *a, const struct emu_regs *b)
{
    for (unsigned s = 0; s < X86_NR_SEGS; s++)
        if (!fake_seg_equal(&a->seg[s], &b->seg[s]))
            return false;
    return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->rip == b->rip &&
           a->rflags == b->rflags && a->cr0 == b->cr0 && a->cr3 == b->cr3 && a->cr4 == b->cr4 &&
           a->efer == b->efer && a->cpl == b->cpl && a->gdt_base == b->gdt_base &&
           a->gdt_limit == b->gdt_limit && fake_seg_equal(&a->ldtr, &b->ldtr) &&
           fake_seg_equal(&a->tr, &b->tr);
}

/* Number of differences between the vCPU and an expected state, each
 * printed to stderr. */
static inline int fake_diff(const struct fake_vcpu *f, const struct fake_state *s)
{
    const struct emu_regs *a = &f->full, *b = &s->regs;
    int n = 0;

    for (unsigned i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i])
            n++, fprintf(stderr, "  gpr[%u] = %#llx, expected %#llx\n", i,
                         (unsigned long long)a->gpr[i], (unsigned long long)b->gpr[i]);
    if (a->rip != b->rip)
        n++, fprintf(stderr, "  rip = %#llx, expected %#llx\n",
                     (unsigned long long)a->rip, (unsigned long long)b->rip);
    if (a->rflags != b->rflags)
        n++, fprintf(stderr, "  rflags = %#llx, expected %#llx\n",
                     (unsigned long long)a->rflags, (unsigned long long)b->rflags);
    if (!fake_regs_equal(a, b) && !n)
        n++, fprintf(stderr, "  control/segment registers differ\n");
    for (unsigned i = 0; i < 16; i++)
        if (memcmp(f->xmm[i], s->xmm[i], 16))
            n++, fprintf(stderr, "  xmm%u differs\n", i);
    for (uint64_t i = 0; i < FAKE_RAM_SIZE; i++)
        if (f->ram[i] != s->ram[i]) {
            n++, fprintf(stderr, "  ram[%#llx] = %#x, expected %#x\n",
                         (unsigned long long)i, f->ram[i], s->ram[i]);
            if (n > 20)
                break;
        }
    for (uint64_t i = 0; i < FAKE_DEV_SIZE; i++)
        if (f->dev[i] != s->dev[i]) {
            n++, fprintf(stderr, "  dev[%#llx] = %#x, expected %#x\n",
                         (unsigned long long)i, f->dev[i], s->dev[i]);
            if (n > 40)
                break;
        }
    return n;
}

/* Checks device access i of the log; prints and returns false on mismatch. */
static inline bool fake_log_at(const struct fake_vcpu *f, unsigned i, uint64_t gpa,
                               unsigned size, bool write, uint64_t val)
{
    const struct fake_access *a = &f->log[i];

    if (i >= f->nlog || i >= FAKE_LOG_MAX) {
        fprintf(stderr, "  device access %u missing (%u logged)\n", i, f->nlog);
        return false;
    }
    if (a->gpa != gpa || a->size != size || a->write != write || a->val != val) {
        fprintf(stderr, "  device access %u: %c%u @%#llx = %#llx, expected %c%u @%#llx = %#llx\n",
                i, a->write ? 'w' : 'r', a->size, (unsigned long long)a->gpa,
                (unsigned long long)a->val, write ? 'w' : 'r', size,
                (unsigned long long)gpa, (unsigned long long)val);
        return false;
    }
    return true;
}

#endif
