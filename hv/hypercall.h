/*
 * The guest's hypercall interface: VMCALL with the function in RAX and the
 * arguments in RBX, RCX; the result comes back in RAX (0 ok, ~0 refused).
 * docs/boot.md lists it for guest authors.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

enum hypercall {
    HC_PRINT = 1, /* RBX: guest-physical address of a NUL-terminated string
                   * (at most 160 bytes); printed as one "guest:" line */
    HC_EXIT = 2,  /* RBX: status, 0 = pass; ends the run */
    HC_PUTC = 3,  /* RBX: one byte of console output; '\n' ends the line */
};

#define HC_OK 0
#define HC_REFUSED (~0ull)

#endif
