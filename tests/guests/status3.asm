; test guest: ends through the debug-exit port with status 3 (a failing
; guest): its run must say "status 3 (fail)" and the verdict must be FAIL.
bits 32
org 0x100000
    mov eax, 3
    out 0xf4, eax
    jmp $
