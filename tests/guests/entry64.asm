; test guest, 64-bit: flat binary at 0x100000, long mode with hv's identity
; page tables.  Checks the entry state, the page tables and GDT hv put at
; 0x1000/0x7000, MMIO through paging, a #GP for a disallowed MSR caught by
; the guest's own IDT, then ends with HC_EXIT 0.
bits 64
org 0x100000
%include "entry.inc"
start:
    mov r15, rbx
    cmp eax, MAGIC
    CHECK 1, je
    cmp ecx, 64
    CHECK 2, je
    mov rax, rsp
    cmp rax, 0x9f000
    CHECK 3, je
    mov rax, cr0
    mov edx, 0x80000011
    cmp rax, rdx
    CHECK 4, je
    mov rax, cr4
    cmp rax, 0x20
    CHECK 5, je
    mov rax, cr3
    cmp rax, 0x1000
    CHECK 6, je
    mov ecx, 0xc0000080
    rdmsr
    cmp eax, 0x500
    CHECK 7, je
    mov ax, cs
    cmp ax, 0x08
    CHECK 8, je
    mov rax, [0x1000]
    and rax, ~0xfff
    cmp rax, 0x2000
    CHECK 9, je
    mov rax, [0x3000 + 8 * 2047]        ; last 2 MiB page of 4 GiB
    mov rdx, 0xffe000e3                 ; P, RW, PS, accessed and dirty preset
    cmp rax, rdx
    CHECK 10, je
    sgdt [gdtr]
    cmp qword [gdtr + 2], 0x7000
    CHECK 11, je
    sidt [idtr]
    cmp word [idtr], 0
    CHECK 12, je
    ; MMIO through the guest's paging: SCRATCH64 of the test device
    mov rbx, TESTDEV
    mov rax, 0x1122334455667788
    mov [rbx + 0x10], rax
    mov rdx, [rbx + 0x10]
    cmp rdx, rax
    CHECK 13, je
    ; top of RAM
    mov qword [r15 - 8], 0x5a5a
    cmp qword [r15 - 8], 0x5a5a
    CHECK 14, je
    ; an MSR outside hv's allow-list raises #GP: catch it in our own IDT
    lea rax, [gp_handler]
    mov [idt + 13 * 16], ax
    mov word [idt + 13 * 16 + 2], 0x08
    mov word [idt + 13 * 16 + 4], 0x8e00
    shr rax, 16
    mov [idt + 13 * 16 + 6], ax
    shr rax, 16
    mov [idt + 13 * 16 + 8], eax
    lidt [idt_desc]
    mov ecx, 0x12345678
    rdmsr                               ; -> #GP -> gp_handler
    cmp byte [gp_seen], 1
    CHECK 15, je
    mov eax, HC_PRINT
    mov ebx, msg
    vmcall
    test rax, rax
    CHECK 16, je
    mov eax, 0x7777                     ; unknown hypercall: -1 (HC_ENOSYS)
    vmcall
    cmp rax, -1
    CHECK 17, je
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $
gp_handler:
    mov byte [gp_seen], 1
    add qword [rsp + 8], 2              ; skip the 2-byte RDMSR (error code at [rsp])
    add rsp, 8                          ; drop the error code
    iretq
msg: db "PASS entry64: long-mode entry state, page tables, GDT, MMIO, #GP from MSR", 0
align 16
gdtr: dw 0
      dq 0
idtr: dw 0
      dq 0
idt_desc: dw 256 * 16 - 1
          dq idt
gp_seen: db 0
align 16
idt: times 256 * 16 db 0
