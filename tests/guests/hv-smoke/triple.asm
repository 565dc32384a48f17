; hv-smoke: a guest that triple-faults (no IDT, then an exception).  hv
; must report it and end this guest's run with a failure status.
bits 64
org 0x100000
start:
    mov eax, 1
    mov ebx, msg
    vmcall
    ud2
msg: db "triple: about to fault with no IDT", 0
