/*
 * hv.cfg parsing (hv/guest/config.c, syntax in docs/guest-abi.md): the
 * accepted forms and their defaults, and every refusal with a log line
 * naming the source, the line, and the offending key and value.
 */
#include "hv/guest/config.h"
#include "hv/lib/host/platform_host.h"
#include "test.h"

static struct guest_list gl;

static unsigned parse(const char *text, size_t len)
{
    memset(&gl, 0, sizeof(gl));
    return guest_cfg_parse(text, len, &gl, "hv.cfg");
}

static unsigned parse_str(const char *text)
{
    return parse(text, strlen(text));
}

/* The text is refused as a whole: no guest, one error, and the last log
 * line holds every string of want[] (NULL-terminated). */
static void refused_len(const char *text, size_t len, const char *const *want)
{
    CHECK_EQ(parse(text, len), 0);
    CHECK_EQ(gl.errors, 1);
    for (; *want; want++) {
        if (!strstr(plat_host_last_log(), *want)) {
            fprintf(stderr, "  log: %s\n  lacks: %s\n", plat_host_last_log(), *want);
            CHECK(0);
        }
    }
}

#define REFUSED(text, ...)                                                     \
    refused_len(text, strlen(text), (const char *const[]){__VA_ARGS__, NULL})

static void test_defaults_and_keys(void)
{
    CHECK_EQ(parse_str("# a comment\n\nguest \\EFI\\hv\\guests\\mov.bin\n"
                       "guest \\EFI\\hv\\rep.elf mode=32 mem=3G name=rep-32\n"
                       "  guest a/b/c.x.bin mode=16 mem=2048K # trailing comment\n"
                       "guest plain mem=2097152\r\n"
                       "guest x.bin mode=64;guest y.bin mem=16m"), 6);
    CHECK_EQ(gl.errors, 0);
    CHECK_STR(gl.g[0].name, "mov");
    CHECK_EQ(gl.g[0].mode, 64);
    CHECK_EQ(gl.g[0].mem, GUEST_MEM_DEFAULT);
    CHECK_STR(gl.g[0].path, "\\EFI\\hv\\guests\\mov.bin");
    CHECK_STR(gl.g[1].name, "rep-32");
    CHECK_EQ(gl.g[1].mode, 32);
    CHECK_EQ(gl.g[1].mem, 3ull << 30);
    CHECK_STR(gl.g[2].name, "c.x");
    CHECK_EQ(gl.g[2].mode, 16);
    CHECK_EQ(gl.g[2].mem, 2ull << 20);
    CHECK_STR(gl.g[3].name, "plain");
    CHECK_EQ(gl.g[3].mem, 2ull << 20);
    CHECK_STR(gl.g[5].name, "y");
    CHECK_EQ(gl.g[5].mem, 16ull << 20);
    CHECK_EQ(gl.g[0].timeout, GUEST_TIMEOUT_DEFAULT);
    CHECK_EQ(parse_str("guest a.bin timeout=3\nguest b.bin timeout=86400"), 2);
    CHECK_EQ(gl.g[0].timeout, 3);
    CHECK_EQ(gl.g[1].timeout, 86400);
    CHECK_EQ(gl.g[1].ept_pages, GUEST_EPT_PAGES_DEFAULT);
    CHECK_EQ(parse_str("guest a.bin ept-pages=12"), 1);
    CHECK_EQ(gl.g[0].ept_pages, 12);
    CHECK_EQ(gl.g[0].machine, GUEST_MACHINE_TEST);
    CHECK_EQ(parse_str("guest k.flat machine=pc mode=32"), 1);
    CHECK_EQ(gl.g[0].machine, GUEST_MACHINE_PC);
    CHECK_EQ(parse_str("guest k.flat machine=pc append=console=ttyS0 a=b  # c\n"
                       "guest j.flat append="), 2);
    CHECK_STR(gl.g[0].append, "console=ttyS0 a=b  # c");
    CHECK_EQ(gl.g[0].machine, GUEST_MACHINE_PC);
    CHECK_STR(gl.g[1].append, "");
    /* Every key docs/guest-abi.md lists, on one line. */
    CHECK_EQ(parse_str("guest k.flat mode=32 mem=64M name=all timeout=9 ept-pages=40 "
                       "machine=pc append=x=1"), 1);
    CHECK_EQ(gl.errors, 0);
    CHECK_EQ(gl.g[0].mode, 32);
    CHECK_EQ(gl.g[0].mem, 64ull << 20);
    CHECK_STR(gl.g[0].name, "all");
    CHECK_EQ(gl.g[0].timeout, 9);
    CHECK_EQ(gl.g[0].ept_pages, 40);
    CHECK_EQ(gl.g[0].machine, GUEST_MACHINE_PC);
    CHECK_STR(gl.g[0].append, "x=1");
    /* modules: repeatable, in order, with machine=pc */
    CHECK_EQ(parse_str("guest k.flat module=\\EFI\\a.bin machine=pc module=b append=m"), 1);
    CHECK_EQ(gl.g[0].nmodules, 2);
    CHECK_STR(gl.g[0].module[0].path, "\\EFI\\a.bin");
    CHECK_STR(gl.g[0].module[1].path, "b");
    CHECK_STR(gl.g[0].append, "m");
    CHECK_EQ(parse_str("guest vmlinuz machine=pc initrd=\\EFI\\i.cpio append=console=ttyS0"), 1);
    CHECK_STR(gl.g[0].initrd.path, "\\EFI\\i.cpio");
    CHECK_STR(gl.g[0].append, "console=ttyS0");
    CHECK(!gl.g[0].dirty_log);
    CHECK_EQ(parse_str("guest a.bin dirty-log=on"), 1);
    CHECK(gl.g[0].dirty_log);
    CHECK(!gl.g[0].kernel);
    /* kernel=: the payload is a Linux kernel, on the pc machine by default */
    CHECK_EQ(parse_str("guest kernel=\\EFI\\hv\\vmlinuz-6.1 initrd=i.gz append=quiet"), 1);
    CHECK_STR(gl.g[0].path, "\\EFI\\hv\\vmlinuz-6.1");
    CHECK(gl.g[0].kernel);
    CHECK_EQ(gl.g[0].machine, GUEST_MACHINE_PC);
    CHECK_STR(gl.g[0].name, "vmlinuz-6");
    CHECK_STR(gl.g[0].initrd.path, "i.gz");
    CHECK_STR(gl.g[0].append, "quiet");
    CHECK_EQ(parse_str("guest mem=256M kernel=bz machine=pc name=lx"), 1);
    CHECK_STR(gl.g[0].path, "bz");
    CHECK_STR(gl.g[0].name, "lx");
    CHECK_EQ(gl.g[0].mem, 256ull << 20);
}

/* Each refusal names the file, the line number, and what was wrong. */
static void test_bad_lines(void)
{
    REFUSED("guest a.bin mode=48", "hv.cfg line 1", "mode=48", "16, 32 or 64");
    REFUSED("\n\nguest a.bin mem=1M", "hv.cfg line 3", "mem=1M");
    REFUSED("guest a.bin mem=4G", "mem=4G");
    REFUSED("guest a.bin mem=12345", "mem=12345");            /* not whole pages */
    REFUSED("guest a.bin mem=", "mem=");
    REFUSED("guest a.bin mem=G", "mem=G");
    REFUSED("guest a.bin mem=-2M", "mem=-2M");
    REFUSED("guest a.bin colour=red", "colour=red", "unknown key");
    REFUSED("guest a.bin mode", "mode", "key=value");
    REFUSED("guest a.bin name=", "name=");
    REFUSED("guest a.bin name=a/b", "name=a/b");
    REFUSED("guest a.bin name=0123456789012345678901234567890123", "name=0123");
    REFUSED("guest", "payload is missing");
    REFUSED("guest mem=8M", "payload is missing", "kernel=PATH");
    REFUSED("guest a.bin kernel=bz", "kernel=bz", "not both");
    REFUSED("guest kernel=bz mem=8M kernel=cz", "kernel=cz", "given twice");
    REFUSED("guest kernel=", "kernel=", "1-127");
    REFUSED("guest kernel=bz machine=test", "kernel= needs machine=pc");
    REFUSED("run a.bin", "guest");
    REFUSED("guest a.bin a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13", "too many");
    REFUSED("guest a.bin dirty-log=yes", "dirty-log=yes", "on or off");
    REFUSED("guest a.bin mode=16 mem=4M mode=32", "mode=32", "given twice");
    REFUSED("guest a.bin module=m", "needs machine=pc");
    REFUSED("guest vmlinuz initrd=i.cpio", "initrd= needs machine=pc");
    REFUSED("guest a.bin machine=pc module=", "module=", "1-127");
    REFUSED("guest a.bin machine=pc module=1 module=2 module=3 module=4 module=5", "module=5",
            "at most 4");
    REFUSED("guest a.bin timeout=0", "timeout=0", "1 to 86400");
    REFUSED("guest a.bin timeout=86401", "timeout=86401");
    REFUSED("guest a.bin timeout=5K", "timeout=5K");
    REFUSED("guest a.bin timeout=18446744073709551617", "timeout=1844");
    REFUSED("guest a.bin ept-pages=7", "ept-pages=7", "8 to 65536");
    REFUSED("guest a.bin ept-pages=1M", "ept-pages=1M");
    REFUSED("guest a.bin machine=isa", "machine=isa", "test or pc");
    {
        static char longline[400] = "guest k.flat append=";

        memset(longline + strlen(longline), 'x', 300);
        REFUSED(longline, "append");
    }
}

/* Sizes whose value overflows 64 bits must not wrap into a valid one:
 * 17179869185G is 2^64 + 1 GiB. */
static void test_size_overflow(void)
{
    REFUSED("guest a.bin mem=17179869185G", "mem=17179869185G");
    REFUSED("guest a.bin mem=18446744073709551617", "mem=18446744073709551617");
    REFUSED("guest a.bin mem=18014398509481985K", "mem=18014398509481985K");
    REFUSED("guest a.bin mem=17592186044417M", "mem=17592186044417M");
}

/* Control characters anywhere in a line (path or name) are refused: they
 * would reach the serial log and the file system. */
static void test_control_characters(void)
{
    static const char esc[] = "guest a\033[2J.bin";
    static const char nul[] = "guest a.bin name=x\0y";
    static const char del[] = "guest \x7f.bin";
    static const char tab_ok[] = "guest\ta.bin\tmode=32";

    refused_len(esc, sizeof(esc) - 1, (const char *const[]){"line 1", "control", NULL});
    /* a NUL ends the text's line: "name=x" then "y" alone */
    CHECK_EQ(parse(nul, sizeof(nul) - 1), 1);
    CHECK_EQ(gl.errors, 1);
    refused_len(del, sizeof(del) - 1, (const char *const[]){"control", NULL});
    CHECK_EQ(parse_str(tab_ok), 1);
    CHECK_EQ(gl.errors, 0);
}

/* A file without a single guest line is an error, not a silent fallback
 * to the built-in guest. */
static void test_empty(void)
{
    refused_len("", 0, (const char *const[]){"hv.cfg", "no guest", NULL});
    REFUSED("# only a comment\n\n", "hv.cfg", "no guest");
}

static void test_too_many_guests(void)
{
    char text[64 * 40];
    size_t n = 0;

    for (unsigned i = 0; i < GUEST_MAX + 1; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "guest g%u.bin\n", i);
    CHECK_EQ(parse(text, n), GUEST_MAX);
    CHECK_EQ(gl.errors, 1);
    CHECK(strstr(plat_host_last_log(), "line 33") != NULL);
}

static void test_size_str(void)
{
    char b[32];

    guest_size_str(64ull << 20, b, sizeof(b));
    CHECK_STR(b, "64M");
    guest_size_str(3ull << 30, b, sizeof(b));
    CHECK_STR(b, "3G");
    guest_size_str(2048ull << 10 | 4096, b, sizeof(b));
    CHECK_STR(b, "2052K");
    guest_size_str(12345, b, sizeof(b));
    CHECK_STR(b, "12345");
}

int main(void)
{
    plat_host_set_verbosity(-1);
    RUN(test_defaults_and_keys);
    RUN(test_bad_lines);
    RUN(test_size_overflow);
    RUN(test_control_characters);
    RUN(test_empty);
    RUN(test_too_many_guests);
    RUN(test_size_str);
    return test_summary("test_guest_config");
}
