/*
 * The guest's hypercall interface (docs/guest-abi.md "Hypercalls"):
 * VMCALL with the function in RAX and arguments in RBX, RCX, RDX, RSI; the
 * result comes back in RAX: 0 or a count on success, a negative value
 * (64-bit two's complement) when refused.  Other registers are preserved.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

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
/* HC_REGION also returns the memory API's MR_E* codes (-1..-7). */

#endif
