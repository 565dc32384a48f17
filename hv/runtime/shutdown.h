/*
 * The end of every run: one verdict line, then power off by whatever this
 * machine understands (QEMU isa-debug-exit, Bochs's shutdown port, UEFI
 * ResetSystem), then halt for good.  Never returns.
 */
#ifndef HV_SHUTDOWN_H
#define HV_SHUTDOWN_H

#include "hv/lib/base.h"

enum hv_exit {
    HV_EXIT_PASS = 0,
    HV_EXIT_FAIL = 1,
};

/* QEMU isa-debug-exit (iobase 0xf4): a write of v exits QEMU with status
 * (v << 1) | 1.  tools/run-qemu maps these back to 0 (pass) and 1 (fail). */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10 /* QEMU status 33 */
#define DEBUG_EXIT_FAIL 0x11 /* QEMU status 35 */

/* Bochs ends the simulation when "Shutdown" is written to this port. */
#define BOCHS_SHUTDOWN_PORT 0x8900

/* The UEFI runtime services table, for ResetSystem as the last resort. */
void hv_shutdown_set_runtime(void *efi_runtime_services);

__attribute__((noreturn)) void hv_shutdown(enum hv_exit status, const char *why);

#endif
