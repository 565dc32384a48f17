/*
 * tests/guests/lib/guest.h: the freestanding C runtime of the test guests
 * (32- and 64-bit ELF payloads, docs/guest-abi.md).  Hypercalls, one-line
 * output, PASS/FAIL lines, exit with the failure count as status.
 *
 *   void guest_main(void)      the guest's code (the runtime's _start calls it)
 *   g_ram_size, g_mode         RBX and RCX at entry (RAM size, 16/32/64)
 */
#ifndef GUEST_H
#define GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long uptr; /* pointer-sized */
typedef long sptr;

enum { HC_PRINT = 1, HC_EXIT = 2, HC_PUTC = 3, HC_REGION = 4, HC_DIRTY = 5 };
enum { HC_DIRTY_START = 1, HC_DIRTY_HARVEST = 2, HC_DIRTY_STOP = 3 };

/* VMCALL: function in RAX, arguments in RBX, RCX, RDX, RSI; result in RAX
 * (negative when refused; in 32-bit mode its low half). */
static inline sptr hv_call(uptr fn, uptr a, uptr b, uptr c, uptr d)
{
    sptr r;

    __asm__ volatile("vmcall" : "=a"(r) : "a"(fn), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
    return r;
}

extern u64 g_ram_size;
extern unsigned g_mode;
extern const char g_name[]; /* defined by each guest: "iso64", "dirty"... */

void guest_main(void);

/* Lines: start, append, print (cut at 159 characters). */
void g_line(void);
void g_str(const char *s);
void g_hex(u64 v);
void g_dec(u64 v);
void g_emit(void);

/* "PASS NAME what" / "FAIL NAME what" started and counted; append the
 * details, then g_emit(). */
void g_pass(const char *what);
void g_fail(const char *what);
/* One whole line: PASS when got == expected, else FAIL with both. */
void g_check(const char *what, u64 expected, u64 got);
/* Ends the run with the number of failed checks (1 when none ran). */
__attribute__((noreturn)) void g_exit(void);

void *memset(void *d, int c, uptr n);
void *memcpy(void *d, const void *s, uptr n);

#endif
