/*
 * Debug exit: an I/O port (default 0xF4, four bytes wide, as QEMU's
 * isa-debug-exit) that a guest writes a status to when it is done.  The
 * first write records the status and its width and requests the end of the
 * run: the hypervisor polls debug_exit_requested() after each exit (or sets
 * a callback).  Later writes are counted but do not change the status.
 * Reads return DEBUG_EXIT_MAGIC so a guest can probe for the port.
 */
#ifndef DEVICES_DEBUG_EXIT_H
#define DEVICES_DEBUG_EXIT_H

#include "memory/memory.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_SIZE 4
#define DEBUG_EXIT_MAGIC 0x54495845u /* read as bytes: "EXIT" */

typedef struct DebugExit {
    MemoryRegion mr;
    bool requested;
    uint32_t status;    /* the value written (zero-extended) */
    unsigned width;     /* its width in bytes: 1, 2 or 4 */
    uint64_t writes;    /* all writes, the first included */
    void (*on_exit)(void *ctx, uint32_t status);
    void *ctx;
} DebugExit;

/* on_exit may be NULL (poll debug_exit_requested instead). */
int debug_exit_init(DebugExit *d, const char *name,
                    void (*on_exit)(void *ctx, uint32_t status), void *ctx);
int debug_exit_destroy(DebugExit *d);

bool debug_exit_requested(const DebugExit *d);
uint32_t debug_exit_status(const DebugExit *d);
/* Forgets a request (for a harness that runs several guests). */
void debug_exit_rearm(DebugExit *d);

#endif
