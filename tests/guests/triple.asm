; triple.asm: a guest that triple-faults on purpose (its IDT limit is 0, so
; #UD -> #GP -> #DF -> shutdown).  hv must report it and end the run with
; a failure status; tests/e2e/guests.sh checks exactly that.  It prints no
; PASS/FAIL line of its own.  Assembled as triple64 (any mode works).

%define GUEST_NAME "triple"
%include "hv.inc"

    call rt_init
    call line_start
    LSTR "triple: about to triple-fault on purpose (hv must stop the run as failed)"
    call line_emit
    lidt [null_idt]
    ud2
    ; not reached: if it is, say so and end with a distinct status
    call line_start
    LSTR "triple: still running after ud2 with an empty IDT"
    call line_emit
    mov ebx, 99
    HCALL HC_EXIT
.hang:
    hlt
    jmp .hang

    [section .data]
null_idt: dw 0
          dq 0
    __?SECT?__

%include "rt.inc"
