; storm.asm: an exception storm handled inside the guest -- a #UD handler
; that returns to the UD2 that raised it -- so no exit ever happens.  Only
; the time budget (the VMX-preemption timer) ends the run.  Assembled as
; storm64 only.
%define GUEST_NAME "storm64"
%include "hv.inc"
    call rt_init
    ; one 64-bit interrupt gate, vector 6, to `again`
    mov eax, again
    mov [idt + 6 * 16], ax
    mov word [idt + 6 * 16 + 2], cs
    mov word [idt + 6 * 16 + 4], 0x8e00
    shr eax, 16
    mov [idt + 6 * 16 + 6], ax
    lidt [idtr]
    PASSMSG "raising #UD forever: only the time budget ends this run"
fault:
    ud2
again:
    iretq                          ; back to the UD2
    align 16
idt:  times 16 * 16 db 0
idtr: dw 16 * 16 - 1
      dq idt
%include "rt.inc"
