/*
 * x86 instruction emulator for MMIO exits.
 *
 * emu_run() fetches the instruction at the guest's CS:RIP (through the
 * guest's own paging), decodes it, performs its memory accesses through the
 * backend's access callback (RAM or MMIO alike), updates registers and
 * flags, and advances RIP.  It sees the guest only through struct emu_ctx:
 * the register file below plus struct emu_ops.  hv.efi fills both from the
 * VMCS; the host tests use a fake vCPU (tests/unit/fake_vcpu.h).
 *
 * Backend contract:
 *   0. Keep one zero-initialised emu_ctx per vCPU for its lifetime (it
 *      carries a walk cache and a decoded-instruction cache between exits;
 *      both re-validate against guest memory before any reuse).  Set ops,
 *      opaque, and map_gen (see below; 0 disables the walk cache).
 * per exit:
 *   1. Fill ctx->regs: always gpr[16], rip, rflags, cr0, cr4, efer, cpl and
 *      seg[X86_CS]; set ctx->valid to the EMU_V_* bits of anything else
 *      already filled (cr3, other segments).  The emulator asks ops->load
 *      for the rest only when an instruction needs it.
 *   2. Call emu_run(ctx, &hint) (or emu_ept_violation() for an EPT
 *      violation's qualification).
 *      When the guest has data or I/O breakpoints enabled, fill
 *      ctx->watch (else leave watch.on false): emu_run then reports in
 *      ctx->db_hits the DR6 B0-B3 bits its accesses matched, and runs
 *      one iteration of a REP string instruction per call, so that the
 *      #DB can follow the iteration that matched (SDM Vol. 3B 17.3.1.2).
 *   3. EMU_OK: write back every register named in ctx->dirty (EMU_D_*).
 *      EMU_INJECT_*: also write back ctx->dirty (a REP instruction may have
 *      made progress), then inject ctx->fault (vector, error code, CR2).
 *   The XMM registers are read and written through ops->get_xmm/set_xmm, so
 *   the hypervisor itself never touches FPU/SSE state.
 */
#ifndef HV_X86_EMULATE_H
#define HV_X86_EMULATE_H

#include "hv/lib/base.h"
#include "hv/x86/arch.h"
#include "hv/x86/debugreg.h"
#include "hv/x86/decode.h"

/* A segment register as the VMCS holds it. */
struct emu_seg {
    uint64_t base;
    uint32_t limit; /* byte granular (G already applied) */
    uint32_t attr;  /* VMCS access-rights format, see EMU_SEG_* */
    uint16_t sel;
};

/* Access-rights bits (SDM 24.4.1, "Guest Register State"). */
#define EMU_SEG_TYPE_MASK 0xfu
#define EMU_SEG_TYPE_CODE 0x8u  /* type bit 3: code segment */
#define EMU_SEG_TYPE_RW 0x2u    /* data: writable; code: readable */
#define EMU_SEG_TYPE_DOWN 0x4u  /* data: expand-down */
#define EMU_SEG_S (1u << 4)
#define EMU_SEG_P (1u << 7)
#define EMU_SEG_L (1u << 13)
#define EMU_SEG_DB (1u << 14)
#define EMU_SEG_G (1u << 15)
#define EMU_SEG_UNUSABLE (1u << 16)

/* The guest register file. */
struct emu_regs {
    uint64_t gpr[16]; /* enum x86_reg order: RAX, RCX, RDX, RBX, RSP, ... */
    uint64_t rip;
    uint64_t rflags;
    uint64_t cr0, cr3, cr4, efer;
    struct emu_seg seg[X86_NR_SEGS]; /* enum x86_seg order: ES CS SS DS FS GS */
    uint8_t cpl;
    /* EMU_V_SYS: the descriptor tables and the task register, for the
     * instructions that load a segment register (MOV Sreg, LTR, far JMP) */
    uint64_t gdt_base;
    uint32_t gdt_limit;
    struct emu_seg ldtr, tr;
};

/* ctx->valid: parts of regs that are filled (beyond the mandatory ones). */
#define EMU_V_CR3 (1u << 0)
#define EMU_V_SEG(s) (1u << (1 + (s))) /* s: enum x86_seg */
#define EMU_V_SYS (1u << 7)
#define EMU_V_ALL 0xffu

/* ctx->dirty: registers the emulator changed. */
#define EMU_D_GPR(r) (1u << (r)) /* r: 0..15 */
#define EMU_D_GPRS 0xffffu
#define EMU_D_RIP (1u << 16)
#define EMU_D_RFLAGS (1u << 17)
#define EMU_D_SEG(s) (1u << (18 + (s))) /* the whole register: sel, base, limit, attr */
#define EMU_D_SEGS (0x3fu << 18)
#define EMU_D_TR (1u << 24)
#define EMU_D_MOV_SS (1u << 25) /* MOV SS done: block interrupts for one instruction */

/* What the emulator needs from the world around it. */
struct emu_ops {
    /* Fills the parts of regs named by `want` (EMU_V_* bits).  May be NULL
     * when the backend always sets ctx->valid = EMU_V_ALL. */
    void (*load)(void *opaque, struct emu_regs *regs, unsigned want);
    /* The guest's XMM register `reg` (0..15), 16 bytes little-endian. */
    void (*get_xmm)(void *opaque, unsigned reg, uint8_t val[16]);
    void (*set_xmm)(void *opaque, unsigned reg, const uint8_t val[16]);
    /* Host pointer to guest-physical gpa when it is RAM (or ROM) the
     * emulator may read directly, valid up to the end of gpa's 4 KiB page;
     * NULL otherwise.  Used for page-table walks and instruction fetch. */
    uint8_t *(*ram_ptr)(void *opaque, uint64_t gpa);
    /* One data access of size 1, 2, 4 or 8 bytes at guest-physical gpa, RAM
     * or MMIO; *val is the value (little-endian, low `size` bytes).  A
     * 16-byte SSE access arrives as two 8-byte ones, low half first.
     * Returns 0, or non-zero when nothing could be accessed (the emulator
     * then treats reads as all-ones and drops writes, like the bus). */
    int (*access)(void *opaque, uint64_t gpa, unsigned size, bool is_write,
                  uint64_t *val);
    /* One port access of 1, 2 or 4 bytes for INS/OUTS, as `access` (a
     * read nothing answers gives all-ones).  NULL: INS/OUTS raise #UD.
     * The CPU checked IOPL and the TSS bitmap before the exit. */
    int (*port)(void *opaque, uint16_t port, unsigned size, bool is_write, uint64_t *val);
    /* Optional.  Host pointer to guest-physical gpa when it is RAM the
     * guest may write (not ROM, read-only RAM, a ROM device or MMIO),
     * valid up to the end of gpa's 4 KiB page; NULL otherwise.  Asked only
     * to set accessed/dirty bits in a paging-structure entry, right before
     * the store: the backend marks the page dirty for the RAM's dirty-log
     * clients (the store bypasses the EPT, so no CPU record sees it).  A
     * NULL callback means every page ram_ptr returns is RAM nobody logs. */
    uint8_t *(*ram_write_ptr)(void *opaque, uint64_t gpa);
    /* Optional: the guest's MMX register `reg` (0..7), as the guest's own
     * MOVQ would read or write it.  NULL: MMX moves raise #UD. */
    uint64_t (*get_mmx)(void *opaque, unsigned reg);
    void (*set_mmx)(void *opaque, unsigned reg, uint64_t val);
};

/* What the exit told us (EPT violation): optional, speeds up translation. */
struct emu_hint {
    uint64_t gla;      /* guest-linear address of the faulting access */
    uint64_t gpa;      /* guest-physical address of it */
    bool gla_valid;    /* exit qualification bit 7 (and bit 8: translated) */
    bool is_write;     /* the faulting access was a write */
};

enum emu_result {
    EMU_OK = 0,        /* emulated; RIP advanced (or REP to be resumed) */
    EMU_INJECT_UD,     /* inject ctx->fault: #UD */
    EMU_INJECT_NM,     /* #NM (SSE with CR0.TS) */
    EMU_INJECT_SS,     /* #SS(0), or #SS(selector) loading SS */
    EMU_INJECT_GP,     /* #GP(0), or #GP(selector) loading a segment */
    EMU_INJECT_PF,     /* #PF with ctx->fault.cr2 and error code */
    EMU_INJECT_DE,     /* #DE (DIV/IDIV: divide by zero, quotient too large) */
    EMU_INJECT_NP,     /* #NP(selector): a segment not present */
};

/* The exception to inject when emu_run does not return EMU_OK. */
struct emu_fault {
    uint8_t vector;        /* 6 #UD, 7 #NM, 12 #SS, 13 #GP, 14 #PF */
    bool has_error_code;
    uint32_t error_code;
    uint64_t cr2;          /* #PF only */
};

#define EMU_REP_LIMIT_DEFAULT 4096u

/* One walk result kept for the rest of the exit (the walk is per page). */
struct emu_tlb {
    uint64_t lpage;   /* linear page number, ~0 when empty */
    uint64_t ppage;   /* guest-physical page base */
    uint8_t perm;     /* bit (1 << enum emu_access) per allowed access */
};

/* A successful walk kept across exits.  It is reused only after every
 * entry it read is read again and found unchanged, so it is the same walk
 * without the ram_ptr lookups (valid while ctx->map_gen is unchanged). */
struct emu_walk_cache {
    uint64_t lpage, page, cr3, sig, gen;
    uint64_t leaf;
    uint8_t *host;    /* fetch cache: ram_ptr(page) under gen, NULL: unknown */
    uint8_t *ptr[6];
    uint64_t val[6];
    uint8_t n, esz, perm;
    bool valid;
};

struct emu_ctx {
    const struct emu_ops *ops;
    void *opaque;
    struct emu_regs regs;
    unsigned valid;     /* EMU_V_*: filled by the backend or by ops->load */
    unsigned dirty;     /* EMU_D_*: set by emu_run */
    unsigned db_hits;   /* DR6 B0-B3 the run's accesses matched (watch, below) */
    unsigned rep_limit; /* max REP iterations per run, 0: the default */
    struct emu_fault fault;
    /* The guest's breakpoints, per run (backend contract, step 1); the
     * B0-B3 bits of those the run's data and port accesses matched go to
     * db_hits (hv/x86/debugreg.h).  Instruction fetches are not matched here:
     * execute breakpoints are faults the CPU checks itself. */
    struct {
        bool on, cr4_de;
        uint64_t dr7;
        uint64_t dr[4];
    } watch;
    /* Guest-physical map generation, for the walk cache below: the backend
     * changes it whenever what ops->ram_ptr returns may change (hv.efi:
     * memory_render_count() + 1).  0 turns the cache off. */
    uint64_t map_gen;

    /* Filled by emu_run, for logs and tests. */
    struct x86_insn insn;
    uint8_t bytes[X86_MAX_INSN_LEN + 1]; /* +1: compared 8 bytes at a time */
    uint8_t nbytes;
    /* Exits whose fetch came from the caches alone, and exits the fast
     * path executed too (hv/x86/fast.h): statistics, and for tests. */
    uint64_t fast_fetches, fast_execs;

    /* private to one emu_run */
    struct emu_tlb tlb[2];
    uint8_t tlb_next;
    /* private, kept across runs (zero it when creating the context):
     * [0] the last instruction-fetch walk, [1] the last data walk */
    struct emu_walk_cache wcache[2];
    /* the last decoded instruction and its bytes: the same bytes in the
     * same mode decode the same, so a repeated instruction skips decode */
    struct {
        struct x86_insn insn;
        uint8_t bytes[X86_MAX_INSN_LEN + 1];
        uint64_t mask[2]; /* bytes[0..len) as two 64-bit masks */
        bool valid;
        bool valid64; /* valid, and decoded in 64-bit mode */
        uint8_t fast; /* which fast-path form it is (0: none) */
    } dcache;
};

/* Emulates the instruction at CS:RIP.  hint may be NULL. */
enum emu_result emu_run(struct emu_ctx *ctx, const struct emu_hint *hint);

/* An EPT violation on guest-physical gpa (guest-linear gla) with its exit
 * qualification (EPT_QUAL_*, hv/x86/arch.h): a data access runs emu_run
 * with the exit's translation as the hint; an instruction fetch from MMIO
 * is refused with #UD and a log line. */
enum emu_result emu_ept_violation(struct emu_ctx *ctx, uint64_t qual, uint64_t gpa,
                                  uint64_t gla);

/* Name of a result, for logs. */
const char *emu_result_name(enum emu_result r);

/* ------------------------------------------------ live XMM (xmm.c)
 * The CPU's XMM register `reg` (0..15).  In hv.efi, which never touches
 * SSE, these are the guest's registers during an exit: a backend can use
 * them directly as ops->get_xmm/set_xmm (ignoring opaque). */
void x86_live_xmm_get(unsigned reg, uint8_t val[16]);
void x86_live_xmm_set(unsigned reg, const uint8_t val[16]);
/* The CPU's MMX register `reg` (0..7), the same way (ops->get_mmx/set_mmx). */
uint64_t x86_live_mmx_get(unsigned reg);
void x86_live_mmx_set(unsigned reg, uint64_t val);

/* ------------------------------------------------- guest paging (paging.c) */
enum emu_access { EMU_READ = 0, EMU_WRITE = 1, EMU_FETCH = 2 };

/* Translates a guest-linear address with the guest's paging mode (none,
 * 32-bit, PAE, 4-level, 5-level), checking permissions for CPL and `acc`
 * and setting accessed/dirty bits.  Returns EMU_OK and *gpa, or an
 * EMU_INJECT_* with ctx->fault filled. */
enum emu_result emu_translate(struct emu_ctx *ctx, uint64_t la,
                              enum emu_access acc, uint64_t *gpa);

#endif
