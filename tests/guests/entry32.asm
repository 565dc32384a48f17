; test guest, 32-bit: an ELF32 payload linked at 0x200000 (PT_LOAD p_paddr),
; protected mode, paging off.  Checks the entry state, a .bss zero-fill,
; COM1 output through the 16550 (a "guest:" line), and ends with HC_EXIT 0.
bits 32
%include "entry.inc"
section .text
global start
start:
    cmp eax, MAGIC
    CHECK 1, je
    cmp ecx, 32
    CHECK 2, je
    mov [ram_size], ebx
    cmp esp, 0x9f000
    CHECK 3, je
    mov eax, cr0
    cmp eax, 0x11
    CHECK 4, je
    mov ax, cs
    cmp ax, 0x08
    CHECK 5, je
    mov ax, ds
    cmp ax, 0x10
    CHECK 6, je
    cmp dword [zeroes + 4092], 0
    CHECK 7, je
    ; the last dword of RAM is RAM
    mov ebx, [ram_size]
    mov dword [ebx - 4], 0xcafef00d
    cmp dword [ebx - 4], 0xcafef00d
    CHECK 8, je
    ; the test device answers
    cmp dword [TESTDEV], 0x54534554
    CHECK 9, je
    ; COM1: a line through the UART's THR, one OUT per byte
    mov esi, msg
    mov dx, 0x3f8
.tx:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .tx
.done:
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $
section .data
msg: db "PASS entry32: ELF32 entry state, bss, top of RAM, testdev, COM1", 10, 0
ram_size: dd 0
section .bss
zeroes: resb 4096
