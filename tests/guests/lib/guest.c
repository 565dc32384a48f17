/* tests/guests/lib/guest.c: see guest.h. */
#include "guest.h"

u64 g_ram_size;
unsigned g_mode;

static char line[168];
static unsigned pos;
static unsigned passed, failed;

/* Entry (docs/guest-abi.md): RSP 0x9f000, RBX RAM size, RCX mode. */
__asm__(".section .text.start,\"ax\"\n"
        ".global _start\n"
        "_start:\n"
#ifdef __x86_64__
        "  mov %rbx, g_ram_size(%rip)\n"
        "  mov %ecx, g_mode(%rip)\n"
        "  and $-16, %rsp\n"
#else
        "  mov %ebx, g_ram_size\n"
        "  movl $0, g_ram_size+4\n"
        "  mov %ecx, g_mode\n"
        "  and $-16, %esp\n"
#endif
        "  call guest_main\n"
        "  call g_exit\n"
        ".previous\n");

void *memset(void *d, int c, uptr n)
{
    u8 *p = d;

    while (n--)
        *p++ = (u8)c;
    return d;
}

void *memcpy(void *d, const void *s, uptr n)
{
    u8 *p = d;
    const u8 *q = s;

    while (n--)
        *p++ = *q++;
    return d;
}

void g_line(void)
{
    pos = 0;
}

static void ch(char c)
{
    if (pos < 159)
        line[pos++] = c;
}

void g_str(const char *s)
{
    while (*s)
        ch(*s++);
}

void g_hex(u64 v)
{
    int shift = 60;

    ch('0');
    ch('x');
    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        ch("0123456789abcdef"[(v >> shift) & 0xf]);
}

void g_dec(u64 v)
{
    char buf[24];
    int n = 0;

    do {
        buf[n++] = (char)('0' + (unsigned)(v % 10));
        v /= 10;
    } while (v);
    while (n)
        ch(buf[--n]);
}

void g_emit(void)
{
    line[pos] = 0;
    hv_call(HC_PRINT, (uptr)line, 0, 0, 0);
}

void g_pass(const char *what)
{
    passed++;
    g_line();
    g_str("PASS ");
    g_str(g_name);
    g_str(" ");
    g_str(what);
}

void g_fail(const char *what)
{
    failed++;
    g_line();
    g_str("FAIL ");
    g_str(g_name);
    g_str(" ");
    g_str(what);
}

void g_check(const char *what, u64 expected, u64 got)
{
    if (expected == got) {
        g_pass(what);
    } else {
        g_fail(what);
        g_str(" (expected ");
        g_hex(expected);
        g_str(" got ");
        g_hex(got);
        g_str(")");
    }
    g_emit();
}

void g_exit(void)
{
    g_line();
    g_str(g_name);
    g_str(": ");
    g_dec(passed);
    g_str(" checks passed, ");
    g_dec(failed);
    g_str(" failed");
    g_emit();
    hv_call(HC_EXIT, failed ? failed : (passed ? 0 : 1), 0, 0, 0);
    for (;;)
        __asm__ volatile("hlt");
}
