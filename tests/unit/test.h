/*
 * A tiny test harness for host unit tests.  A test is a function; it passes
 * when none of its CHECKs failed.  Each binary ends with one line
 * "NAME: N passed, M failed" that tests/run-unit adds up.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_checks;
static int tests_passed, tests_failed;
static const char *test_current;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            test_failed_checks++;                                           \
            fprintf(stderr, "FAIL %s: %s:%d: %s\n", test_current, __FILE__, \
                    __LINE__, #cond);                                       \
        }                                                                   \
    } while (0)

/* Compares two integers (as unsigned 64-bit) and prints both on failure. */
#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);                   \
        if (va_ != vb_) {                                                    \
            test_failed_checks++;                                            \
            fprintf(stderr, "FAIL %s: %s:%d: %s == %s (0x%" PRIx64           \
                    " != 0x%" PRIx64 ")\n", test_current, __FILE__, __LINE__, \
                    #a, #b, va_, vb_);                                       \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *sa_ = (a), *sb_ = (b);                                   \
        if (strcmp(sa_, sb_) != 0) {                                         \
            test_failed_checks++;                                            \
            fprintf(stderr, "FAIL %s: %s:%d: %s == %s\n  got:      \"%s\"\n" \
                    "  expected: \"%s\"\n", test_current, __FILE__, __LINE__, \
                    #a, #b, sa_, sb_);                                       \
        }                                                                    \
    } while (0)

#define RUN(fn)                                                             \
    do {                                                                    \
        test_current = #fn;                                                 \
        test_failed_checks = 0;                                             \
        fn();                                                               \
        if (test_failed_checks)                                             \
            tests_failed++;                                                 \
        else                                                                \
            tests_passed++;                                                 \
    } while (0)

static inline int test_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, tests_passed, tests_failed);
    return tests_failed ? 1 : 0;
}

#endif
