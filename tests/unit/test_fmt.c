/*
 * The freestanding formatter (hv/lib/fmt.c) against the C library's
 * snprintf for the conversions both support, plus truncation rules.
 */
#include "tests/unit/test.h"
#include "hv/lib/fmt.h"

#define SAME(...)                                                       \
    do {                                                                \
        char ours_[128], libc_[128];                                    \
        int no_ = hv_snprintf(ours_, sizeof(ours_), __VA_ARGS__);       \
        int nl_ = snprintf(libc_, sizeof(libc_), __VA_ARGS__);          \
        CHECK_STR(ours_, libc_);                                        \
        CHECK_EQ(no_, nl_);                                             \
    } while (0)

static void test_integers(void)
{
    SAME("%d %i %u", -42, 7, 4000000000u);
    SAME("%x %X %o %#x %#o", 0xbeefu, 0xbeefu, 8u, 0x1fu, 8u);
    SAME("%016llx-%016llx", 0xabcull, 0xffffffffffffffffull);
    SAME("%lld %llu", -9223372036854775807ll - 1, 18446744073709551615ull);
    SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, -42, 42, 42);
    SAME("%.3d %.0d|%8.3x", 7, 0, 0xau);
    SAME("%hhx %hx %zu %ld", 0x1ff, 0x1ffff, (size_t)123, -5l);
    SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

static void test_strings_chars(void)
{
    SAME("[%s] [%10s] [%-10s] [%.2s]", "abc", "abc", "abc", "abc");
    SAME("%c%c%5c", 'h', 'v', '!');
    SAME("100%% %s", "done");
}

static void test_truncation(void)
{
    char buf[8];
    int n = hv_snprintf(buf, sizeof(buf), "%s", "0123456789");

    CHECK_EQ(n, 10);
    CHECK_STR(buf, "0123456");
    n = hv_snprintf(buf, 0, "%d", 12345);
    CHECK_EQ(n, 5);
    n = hv_snprintf(buf, 1, "%d", 12345);
    CHECK_STR(buf, "");
}

static void test_pointer(void)
{
    char buf[32];
    hv_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
    CHECK_STR(buf, "0x1234");
}

int main(void)
{
    RUN(test_integers);
    RUN(test_strings_chars);
    RUN(test_truncation);
    RUN(test_pointer);
    return test_summary("test_fmt");
}
