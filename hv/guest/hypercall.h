/*
 * The guest's hypercall interface (docs/guest-abi.md "Hypercalls") and its
 * handling, independent of how the call arrived: the VT-x layer reads the
 * registers of a VMCALL into struct hc_call and writes the result back to
 * RAX; everything else happens here, on the guest machine.
 *
 * VMCALL with the function in RAX and arguments in RBX, RCX, RDX, RSI; the
 * result comes back in RAX: 0 or a count on success, a negative value
 * (64-bit two's complement) when refused.  Other registers are preserved.
 */
#ifndef HV_GUEST_HYPERCALL_H
#define HV_GUEST_HYPERCALL_H

#include "hv/lib/base.h"

enum hypercall {
    HC_PRINT = 1,  /* RBX: gpa of a NUL-terminated string (<= 160 bytes) */
    HC_EXIT = 2,   /* RBX: status, 0 = pass; ends the run */
    HC_PUTC = 3,   /* RBX: one byte of console output; '\n' ends the line */
    HC_REGION = 4, /* RBX: region id, RCX: op, RDX: argument */
    HC_DIRTY = 5,  /* RBX: op, RCX: start, RDX: length, RSI: bitmap gpa */
};

enum hc_region_op { HC_REGION_DISABLE = 0, HC_REGION_ENABLE = 1, HC_REGION_MOVE = 2 };
enum hc_dirty_op { HC_DIRTY_START = 1, HC_DIRTY_HARVEST = 2, HC_DIRTY_STOP = 3 };

#define HC_OK 0
#define HC_ENOSYS (-1ll)  /* unknown function */
#define HC_EFAULT (-14ll) /* an address argument is not guest RAM */
#define HC_EINVAL (-22ll) /* bad id, operation or range */
/* The memory API refused or failed a change (HC_REGION, HC_DIRTY): its
 * MR_E* code e (memory/memory.h, -1..-99) comes back as HC_EMEM_BASE + e,
 * so -101..-199, never one of the codes above. */
#define HC_EMEM_BASE (-100ll)
#define HC_EMEM(e) (HC_EMEM_BASE + (int64_t)(e))

#define HC_PRINT_MAX 160

struct guest_machine;

/* One call: its registers, and what the machine learnt from it. */
struct hc_call {
    uint64_t fn, b, c, d, si; /* RAX, RBX, RCX, RDX, RSI (already masked
                                 to 32 bits outside 64-bit code) */
    bool exit;                /* HC_EXIT: the run ends ... */
    uint64_t status;          /* ... with this status */
};

/* Performs the call on machine m and returns what goes into RAX.
 * dirty_mode names the dirty-logging strategy, for the log line. */
int64_t hypercall(struct guest_machine *m, struct hc_call *call, const char *dirty_mode);

#endif
