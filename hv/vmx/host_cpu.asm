; Host CPU state for VMX: loading hv's own GDT and task register, and the
; exception entry points of hv's IDT.  An exception in hv itself lands in
; hv_exception (hv/vmx/host_desc.c), which prints a report and shuts down
; instead of the firmware's handler hanging the machine.

bits 64
default rel
section .text

; void host_load_gdt(const void *gdtr /* rdi */, uint16_t cs /* si */,
;                    uint16_t ds /* dx */, uint16_t tr /* cx */)
global host_load_gdt
host_load_gdt:
    lgdt [rdi]
    mov ds, dx
    mov es, dx
    mov ss, dx
    mov fs, dx
    mov gs, dx
    ltr cx
    ; reload CS with a far return to the next instruction
    pop rax                     ; our return address
    movzx rsi, si
    push rsi
    push rax
    retfq

; void host_load_idt(const void *idtr)
global host_load_idt
host_load_idt:
    lidt [rdi]
    ret

; Exception stubs, 16 bytes apart so C can compute entry addresses:
; host_isr_stubs + 16 * vector.  Vectors without a CPU error code push 0
; so every frame looks the same.
%macro ISR 1
align 16
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
    push qword %1
    jmp isr_common
%else
    push qword 0
    push qword %1
    jmp isr_common
%endif
%endmacro

align 16
global host_isr_stubs
host_isr_stubs:
%assign v 0
%rep 32
    ISR v
%assign v v+1
%endrep

extern hv_exception
; Frame passed to hv_exception (struct exc_frame, hv/vmx/host_desc.h):
; r15..rax pushed here, then vector, error code, and the CPU's RIP, CS,
; RFLAGS, RSP, SS.
isr_common:
    push rax
    push rcx
    push rdx
    push rbx
    push rbp
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    and rsp, -16
    call hv_exception           ; does not return
.hang:
    cli
    hlt
    jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
