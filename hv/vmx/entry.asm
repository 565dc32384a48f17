; VM entry and exit stubs: every guest general-purpose register is loaded
; before VMLAUNCH/VMRESUME and saved at VM exit into a struct guest_regs
; (hv/vmx/vcpu.h; RSP and RIP live in the VMCS).  The host's callee-saved
; registers are kept on the host stack across the guest's run.

bits 64
default rel
section .text

; struct guest_regs offsets (hv/vmx/vcpu.h)
%define G_RAX 0
%define G_RCX 8
%define G_RDX 16
%define G_RBX 24
%define G_RBP 32
%define G_RSI 40
%define G_RDI 48
%define G_R8  56
%define G_R9  64
%define G_R10 72
%define G_R11 80
%define G_R12 88
%define G_R13 96
%define G_R14 104
%define G_R15 112
%define G_CR2 120

%define VMCS_HOST_RSP 0x6c14
%define VMCS_HOST_RIP 0x6c16

; int vmx_enter(struct guest_regs *regs /* rdi */, int resume /* esi */)
; Returns 0 after a VM exit (regs hold the guest's registers), 1 when the
; instruction failed with VMfailInvalid, 2 with VMfailValid (read the
; VM-instruction error field).
global vmx_enter
vmx_enter:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rdi                    ; regs, found again at [rsp] after the exit

    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp            ; the exit comes back on this very stack
    jbe .fail
    mov rax, VMCS_HOST_RIP
    lea rdx, [vmx_exit_stub]
    vmwrite rax, rdx
    jbe .fail

    mov rax, [rdi + G_CR2]
    mov cr2, rax
    mov rax, [rdi + G_RAX]
    mov rcx, [rdi + G_RCX]
    mov rdx, [rdi + G_RDX]
    mov rbx, [rdi + G_RBX]
    mov rbp, [rdi + G_RBP]
    mov r8,  [rdi + G_R8]
    mov r9,  [rdi + G_R9]
    mov r10, [rdi + G_R10]
    mov r11, [rdi + G_R11]
    mov r12, [rdi + G_R12]
    mov r13, [rdi + G_R13]
    mov r14, [rdi + G_R14]
    mov r15, [rdi + G_R15]
    test esi, esi               ; flags set before rsi is overwritten
    mov rsi, [rdi + G_RSI]
    mov rdi, [rdi + G_RDI]
    jnz .resume
    vmlaunch
    jmp .fail
.resume:
    vmresume
.fail:
    ; CF=1: VMfailInvalid; ZF=1: VMfailValid.
    mov eax, 1
    jc .out
    mov eax, 2
.out:
    pop rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; HOST_RIP: the CPU arrives here on every VM exit, with RSP = HOST_RSP.
global vmx_exit_stub
vmx_exit_stub:
    push rdi                    ; guest rdi; regs pointer now at [rsp + 8]
    mov rdi, [rsp + 8]
    mov [rdi + G_RAX], rax
    mov [rdi + G_RCX], rcx
    mov [rdi + G_RDX], rdx
    mov [rdi + G_RBX], rbx
    mov [rdi + G_RBP], rbp
    mov [rdi + G_RSI], rsi
    mov [rdi + G_R8], r8
    mov [rdi + G_R9], r9
    mov [rdi + G_R10], r10
    mov [rdi + G_R11], r11
    mov [rdi + G_R12], r12
    mov [rdi + G_R13], r13
    mov [rdi + G_R14], r14
    mov [rdi + G_R15], r15
    mov rax, cr2
    mov [rdi + G_CR2], rax
    pop rax                     ; guest rdi
    mov [rdi + G_RDI], rax
    xor eax, eax
    jmp .out_exit
.out_exit:
    pop rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
