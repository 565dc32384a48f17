; The built-in guest: 16-bit real-mode code that hv copies to guest-physical
; 0x1000 and enters at 0000:1000 (unrestricted guest).  It exercises each
; kind of exit the first VT-x bring-up handles, checking what comes back,
; and ends with a VMCALL exit hypercall: status 0 when every check held,
; else the number of the first failed check.
;
; Hypercalls (hv/hypercall.h): RAX=1 print string at RBX; RAX=2 exit, RBX
; status.

bits 16
section .rodata

%define LOAD 0x1000
%define A(x) (LOAD + (x) - guest_builtin_start)
%define HC_PRINT 1
%define HC_EXIT 2

global guest_builtin_start, guest_builtin_end
guest_builtin_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax

    ; 1. a hypercall that prints
    mov eax, HC_PRINT
    mov ebx, A(msg_hello)
    vmcall
    mov si, 1
    test eax, eax
    jnz fail

    ; 2. port output and input through the I/O address space: port 0x80
    ;    is the machine's "post" register, which reads back what was written
    mov al, 0x5a
    out 0x80, al
    mov al, 0
    in al, 0x80
    mov si, 2
    cmp al, 0x5a
    jne fail

    ; 3. an unassigned port reads as all-ones
    mov dx, 0x1234
    in al, dx
    mov si, 3
    cmp al, 0xff
    jne fail

    ; 4. CPUID: hv sets the hypervisor bit and hides VMX
    mov eax, 1
    xor ecx, ecx
    cpuid
    mov si, 4
    bt ecx, 31
    jnc fail
    bt ecx, 5
    jc fail

    ; 5. HLT exits and resumes at the next instruction
    hlt
    ; 6. RAM through EPT: write and read back above 1 MiB (needs a 32-bit
    ;    address: real-mode "unreal" is not needed for ES:DI below 1 MiB,
    ;    so stay under it)
    mov word [0x7000], 0xbeef
    mov si, 6
    cmp word [0x7000], 0xbeef
    jne fail

    ; 7. MMIO through the decoder: the VGA window (0xa0000) is a register
    ;    file in the sample machine, so what is written reads back
    mov ax, 0xa000
    mov es, ax
    mov dword [es:0x10], 0x12345678     ; write: one EPT violation
    mov eax, [es:0x10]                  ; read
    mov si, 7
    cmp eax, 0x12345678
    jne fail
    add word [es:0x10], 0x0102          ; read-modify-write: 0x5678 + 0x0102
    movzx eax, word [es:0x10]
    mov si, 8
    cmp eax, 0x577a
    jne fail
    xor ax, ax
    mov es, ax

    mov eax, HC_PRINT
    mov ebx, A(msg_done)
    vmcall
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $

fail:
    movzx ebx, si
    mov eax, HC_EXIT
    vmcall
    jmp $

msg_hello: db "hello from the built-in real-mode guest", 0
msg_done: db "all checks passed: vmcall, port I/O, unassigned port, cpuid, hlt, RAM, MMIO", 0
guest_builtin_end:

section .note.GNU-stack noalloc noexec nowrite progbits
