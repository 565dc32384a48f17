/*
 * In-firmware self-tests: what hv.efi runs on machines where it cannot run
 * a guest (QEMU TCG has no VMX) and before every guest elsewhere.  They
 * exercise the same core code the host unit tests cover, but built into
 * hv.efi and running on the firmware's CPU state, pool and serial log.
 *
 * Adding tests: write hv/selftest_<area>.c with a table of {name, fn} and
 * one `const struct selftest_group selftest_group_<area>`, then add one line
 * for it to hv/selftest/list.c.  A test returns true on pass; on failure it
 * has already logged why (ST_CHECK does that).  The runner also fails a test
 * that leaves pool allocations behind.
 *
 * Serial lines (docs/serial-log.md):
 *   hv: I selftest: pass <group>.<name>
 *   hv: E selftest: FAIL <group>.<name>
 *   hv: I selftest: N passed, M failed
 */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H

#include "hv/lib/base.h"

struct selftest {
    const char *name;
    bool (*fn)(void);
};

struct selftest_group {
    const char *name;
    const struct selftest *tests;
    size_t count;
};

#define SELFTEST_GROUP(var, gname, table)                                    \
    const struct selftest_group var = {gname, table, sizeof(table) / sizeof((table)[0])}

/* hv/selftest/list.c: every group, NULL-terminated. */
extern const struct selftest_group *const selftest_groups[];

struct selftest_result {
    unsigned passed, failed;
};

/* Runs every registered test; prints a line per test and the summary. */
struct selftest_result selftest_run_all(void);

/* Logs a failed check; returns false so checks can `return` it. */
bool selftest_fail(const char *file, int line, const char *what);
bool selftest_fail_u64(const char *file, int line, const char *what, uint64_t got,
                       uint64_t want);

/* The guest machine (hv/guest/machine.h) on SELFTEST_RAM_SIZE bytes of
 * pool RAM: the one machine guests run on, built and torn down per test so
 * the runner's leak check covers its teardown. */
#define SELFTEST_RAM_SIZE (4ull << 20)
struct guest_machine;
bool selftest_machine_build(struct guest_machine *m);
void selftest_machine_destroy(struct guest_machine *m);

#define ST_CHECK(cond)                                                       \
    do {                                                                     \
        if (!(cond))                                                         \
            return selftest_fail(__FILE__, __LINE__, #cond);                 \
    } while (0)

#define ST_CHECK_EQ(got, want)                                               \
    do {                                                                     \
        uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want);           \
        if (got_ != want_)                                                   \
            return selftest_fail_u64(__FILE__, __LINE__, #got " == " #want, got_, want_); \
    } while (0)

#endif
