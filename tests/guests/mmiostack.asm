; mmiostack.asm: a guest whose stack is on MMIO (the overlay page) takes
; an exception.  The CPU's delivery pushes the frame to MMIO, which hv
; cannot do for it: the delivery fails as on a CPU whose push faults --
; #DF, whose delivery fails too: a shutdown, the end of the run with a
; verdict (never a loop, never the instruction emulated in its place).
; Assembled as mmiostack64 only.
%define GUEST_NAME "mmiostack64"
%include "hv.inc"
    call rt_init
    call idt_init
    PASSMSG "about to fault with the stack on MMIO"
    mov rsp, 0xfed10800            ; the overlay: MMIO storage
    ud2
    ; not reached: the run must end at the delivery of #UD, then #DF
    mov esp, 0x9f000
    FAILMSG "still running after a delivery through MMIO"
    jmp rt_exit
%include "rt.inc"
%include "idt.inc"
