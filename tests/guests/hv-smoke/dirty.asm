; hv-smoke: dirty logging through HC_DIRTY on whatever strategy the CPU
; model allows (PML, EPT A/D flags, write protection).  64 pages at 4 MiB
; are logged; each round writes a known set of pages (and reads others),
; harvests, and compares the exact bitmap and count.  Ends with HC_EXIT 0.
bits 64
org 0x100000
%include "smoke.inc"
%define BASE 0x400000
%define PAGES 64
%define BITMAP 0x380000

%macro TOUCH 1          ; write one byte in page %1
    mov byte [BASE + (%1) * 4096 + 123], 0xab
%endmacro
%macro PEEK 1           ; read one byte in page %1
    mov al, [BASE + (%1) * 4096 + 7]
%endmacro
; HARVEST n, expected-qword, first-check-number
%macro HARVEST 3
    mov eax, HC_DIRTY
    mov ebx, 2
    mov ecx, BASE
    mov edx, PAGES * 4096
    mov esi, BITMAP
    vmcall
    cmp rax, %1
    CHECK %3, je
    mov rax, %2
    cmp [BITMAP], rax
    CHECK %3 + 1, je
%endmacro

start:
    ; pages written before logging starts must not show up
    TOUCH 9
    mov eax, HC_DIRTY
    mov ebx, 1
    mov ecx, BASE
    mov edx, PAGES * 4096
    vmcall
    test rax, rax
    CHECK 1, je

    TOUCH 0
    TOUCH 3
    TOUCH 17
    TOUCH 63
    PEEK 5
    PEEK 9
    HARVEST 4, (1 << 0) | (1 << 3) | (1 << 17) | (1 << 63), 2

    TOUCH 1
    TOUCH 17
    TOUCH 17
    PEEK 0
    PEEK 3
    HARVEST 2, (1 << 1) | (1 << 17), 4

    PEEK 1
    PEEK 63
    HARVEST 0, 0, 6

    ; a store that straddles two pages dirties both
    mov dword [BASE + 40 * 4096 - 2], 0x11223344
    HARVEST 2, (1 << 39) | (1 << 40), 8

    mov eax, HC_DIRTY
    mov ebx, 3
    mov ecx, BASE
    mov edx, PAGES * 4096
    vmcall
    test rax, rax
    CHECK 10, je
    mov eax, HC_PRINT
    mov ebx, msg
    vmcall
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $
msg: db "PASS dirty: 4 rounds, exact page sets, reads never counted", 0
