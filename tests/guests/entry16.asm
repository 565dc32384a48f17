; test guest, 16-bit: flat binary at 0x10000, entered at 1000:0000 in real
; mode.  Checks the entry state of docs/guest-abi.md, prints one PASS line
; and ends through the debug-exit port (0xf4) with status 0.
bits 16
org 0
%include "entry.inc"
start:
    cmp eax, MAGIC
    CHECK 1, je
    cmp ecx, 16
    CHECK 2, je
    cmp ebx, 0
    CHECK 3, jne
    mov ax, cs
    cmp ax, 0x1000
    CHECK 4, je
    mov ax, ds
    cmp ax, 0x1000
    CHECK 5, je
    mov ax, ss
    cmp ax, 0x1000
    CHECK 6, je
    cmp sp, 0xfff0
    CHECK 7, je
    mov eax, cr0
    cmp eax, 0x10
    CHECK 8, je
    mov eax, cr4
    test eax, eax
    CHECK 9, je
    pushfd                ; arithmetic flags are ours by now: mask them
    pop eax
    and eax, ~0x8d5
    cmp eax, 2
    CHECK 10, je
    sgdt [gdtr]
    cmp word [gdtr], 0x17
    CHECK 11, je
    cmp dword [gdtr + 2], 0x7000
    CHECK 12, je
    ; the BIOS alias at 0xe0000: byte at offset 0x10 is (0x10*7+3)&0xff
    push ds
    mov ax, 0xe000
    mov ds, ax
    mov al, [0x10]
    pop ds
    cmp al, 0x73
    CHECK 13, je
    ; the hole at 0xa0000 reads all-ones
    push ds
    mov ax, 0xa000
    mov ds, ax
    mov dword [0x100], 0x12345678
    mov eax, [0x100]
    pop ds
    cmp eax, 0xffffffff
    CHECK 14, je
    mov eax, HC_PRINT
    mov ebx, 0x10000 + msg
    vmcall
    xor al, al
    out 0xf4, al          ; debug exit, status 0
    jmp $
msg: db "PASS entry16: real-mode entry state, GDT, BIOS alias, hole", 0
gdtr: dw 0
      dd 0
