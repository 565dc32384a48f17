/*
 * The shared frame of the emulator tests: one fake vCPU `f`, the expected
 * state `ex`, and run() that places code, snapshots the expected state
 * with RIP past the instruction, and emulates one exit.  Each case then
 * edits `ex` with what the instruction should change and compares.
 */
#ifndef TESTS_UNIT_EMU_CASE_H
#define TESTS_UNIT_EMU_CASE_H

#include "tests/unit/fake_vcpu.h"
#include "hv/lib/host/platform_host.h"

#define DEV FAKE_DEV_BASE

static struct fake_vcpu *f;
static struct fake_state ex;

/* A fresh vCPU in mode m (the previous one is freed). */
static inline void start(enum fake_mode m)
{
    if (f)
        fake_free(f);
    f = fake_new(m);
}

/* Places the code, snapshots the expected state (RIP advanced), runs. */
static inline enum emu_result run(const uint8_t *code, size_t n)
{
    fake_code(f, code, n);
    fake_save(f, &ex);
    ex.regs.rip += n;
    f->nlog = 0;
    return fake_step(f);
}

#define CODE(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static inline void put(uint8_t *p, uint64_t v, unsigned n) { memcpy(p, &v, n); }

#endif
