/*
 * The list of guests to run: hv.cfg on the boot volume (or the load
 * options, same syntax), parsed by boot/ before ExitBootServices so it can
 * read each payload, then run in order by hv_main.  docs/guest-abi.md is
 * the contract for the syntax:
 *
 *   # comment
 *   guest \EFI\hv\guests\mov.bin mode=64 mem=64M name=mov
 *   guest kernel=\EFI\hv\vmlinuz initrd=\EFI\hv\initrd.gz mem=256M append=quiet
 *
 * The payload is the word after "guest" (a path without '='), or
 * kernel=PATH, a Linux bzImage and nothing else, on the pc machine.
 * Keys: mode=16|32|64 (default 64), mem=SIZE with K/M/G (default 64M,
 * 2M..3G, whole pages), name=WORD (default: file name without extension),
 * timeout=SECONDS (default 60, 1..86400: the guest's time budget),
 * ept-pages=N (default 2048, 8..65536: the EPT's table-page budget),
 * machine=test|pc (default test: docs/machines.md),
 * dirty-log=on|off (default off: hv logs all guest RAM and checks the log),
 * module=PATH (machine=pc, repeatable up to GUEST_MODULES_MAX: a multiboot
 * module, in order), initrd=PATH (machine=pc: a Linux kernel's initrd),
 * append=TEXT (last on the line: the rest of it, spaces included, is a
 * multiboot kernel's command line).
 */
#ifndef HV_GUEST_CFG_H
#define HV_GUEST_CFG_H

#include "hv/lib/base.h"

#define GUEST_MAX 32
#define GUEST_NAME_MAX 32
#define GUEST_PATH_MAX 128
#define GUEST_APPEND_MAX 256
#define GUEST_MODULES_MAX 4
#define GUEST_MEM_DEFAULT (64ull << 20)
#define GUEST_MEM_MIN (2ull << 20)
#define GUEST_MEM_MAX (3ull << 30)
#define GUEST_TIMEOUT_DEFAULT 60u
#define GUEST_TIMEOUT_MAX 86400u
/* Table pages a guest's EPT may use: enough for 3 GiB of dirty-logged RAM
 * in 4 KiB leaves (1536 tables) and the rest of the map. */
#define GUEST_EPT_PAGES_DEFAULT 2048u
#define GUEST_EPT_PAGES_MIN 8u
#define GUEST_EPT_PAGES_MAX 65536u
#define GUEST_CFG_PATH "\\EFI\\hv\\hv.cfg"

/* machine=: the machine model a guest runs on (docs/machines.md). */
enum guest_machine_kind { GUEST_MACHINE_TEST = 0, GUEST_MACHINE_PC = 1 };

/* A multiboot module: its file, read by boot/ like the payload. */
struct guest_module {
    char path[GUEST_PATH_MAX];
    const void *data;       /* NULL: not loaded */
    uint64_t size;
};

struct guest_spec {
    char name[GUEST_NAME_MAX];
    char path[GUEST_PATH_MAX];
    unsigned mode;          /* 16, 32 or 64 */
    uint64_t mem;           /* RAM bytes */
    unsigned timeout;       /* seconds of guest time before hv stops it */
    unsigned ept_pages;     /* the EPT's table-page budget */
    unsigned machine;       /* enum guest_machine_kind */
    char append[GUEST_APPEND_MAX]; /* a multiboot kernel's command line */
    struct guest_module module[GUEST_MODULES_MAX];
    unsigned nmodules;
    struct guest_module initrd; /* path[0] == 0: none */
    bool kernel;            /* kernel=PATH: path is a Linux bzImage, nothing else */
    bool dirty_log;         /* dirty-log=on: hv checks the dirty log (docs/linux.md) */
    const void *payload;    /* read by boot/ (pool pages); NULL: not loaded */
    uint64_t payload_size;
    bool builtin;           /* the built-in demo guest (no file) */
};

struct guest_list {
    unsigned n;
    unsigned errors;        /* bad lines (each logged); any fails the run */
    struct guest_spec g[GUEST_MAX];
};

/* Parses text (len bytes; ';' also ends a line, for load options) and
 * appends its guests to gl.  Every bad line is logged with its number
 * and counted in gl->errors.  Returns the number of guests added. */
unsigned guest_cfg_parse(const char *text, size_t len, struct guest_list *gl, const char *what);

/* "64M", "2G", "640K" or bytes: the shortest exact form of a size. */
void guest_size_str(uint64_t bytes, char *buf, size_t size);

#endif
