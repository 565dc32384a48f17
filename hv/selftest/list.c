/*
 * Every self-test group hv.efi runs, in order.  To add a group: define it
 * in hv/selftest_<area>.c with SELFTEST_GROUP and add one line here.
 */
#include "hv/selftest/selftest.h"

extern const struct selftest_group selftest_group_pool;
extern const struct selftest_group selftest_group_memory;
extern const struct selftest_group selftest_group_ept;
extern const struct selftest_group selftest_group_decode;

const struct selftest_group *const selftest_groups[] = {
    &selftest_group_pool,
    &selftest_group_memory,
    &selftest_group_ept,
    &selftest_group_decode,
    NULL,
};
