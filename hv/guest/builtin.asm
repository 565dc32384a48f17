; The built-in demo guest: a flat 32-bit payload (docs/guest-abi.md: loaded
; at 0x100000, protected mode, paging off, flat segments) that hv runs when
; no hv.cfg names a guest.  It exercises each kind of exit hv handles,
; checking what comes back, and ends with HC_EXIT: status 0 when every
; check held, else the number of the first failed check.

bits 32
section .rodata

%define LOAD 0x100000
%define A(x) (LOAD + (x) - guest_builtin_start)
%define HC_PRINT 1
%define HC_EXIT 2
%define TESTDEV 0xfed00000
%define UART_MMIO 0xfec00000

global guest_builtin_start, guest_builtin_end
guest_builtin_start:
    ; 1. a hypercall that prints
    mov eax, HC_PRINT
    mov ebx, A(msg_hello)
    vmcall
    mov esi, 1
    test eax, eax
    jnz fail

    ; 2. port output and input through the I/O address space: port 0x80
    ;    (POST) reads back the last byte written
    mov al, 0x5a
    out 0x80, al
    mov al, 0
    in al, 0x80
    mov esi, 2
    cmp al, 0x5a
    jne fail

    ; 3. an unassigned port reads as all-ones
    mov dx, 0x1234
    in al, dx
    mov esi, 3
    cmp al, 0xff
    jne fail

    ; 4. CPUID: hv sets the hypervisor bit and hides VMX
    mov eax, 1
    xor ecx, ecx
    cpuid
    mov esi, 4
    bt ecx, 31
    jnc fail
    bt ecx, 5
    jc fail

    ; 5. HLT (interrupts on: a wakeable halt) exits and resumes after it
    sti
    hlt
    cli

    ; 6. RAM through EPT
    mov dword [0x300000], 0xbeef
    mov esi, 6
    cmp dword [0x300000], 0xbeef
    jne fail

    ; 7. MMIO through the decoder: the test device's ID and scratch registers
    mov eax, [TESTDEV + 0x00]           ; ID "TEST"
    mov esi, 7
    cmp eax, 0x54534554
    jne fail
    mov dword [TESTDEV + 0x0c], 0x12345678   ; SCRATCH32 write
    mov eax, [TESTDEV + 0x0c]
    mov esi, 8
    cmp eax, 0x12345678
    jne fail
    add word [TESTDEV + 0x0a], 0x0102        ; SCRATCH16: read-modify-write
    movzx eax, word [TESTDEV + 0x0a]
    mov esi, 9
    cmp eax, 0x0102
    jne fail

    ; 8. string I/O: REP OUTSB of a line to COM1
    mov esi, A(msg_uart)
    mov ecx, msg_uart_len
    mov dx, 0x3f8
    cld
    rep outsb
    mov esi, 10
    test ecx, ecx
    jnz fail

    ; 9. the MMIO UART: one line, byte by byte
    mov esi, A(msg_mmio)
.mmio:
    lodsb
    test al, al
    jz .mmio_done
    mov [UART_MMIO], al
    jmp .mmio
.mmio_done:

    mov eax, HC_PRINT
    mov ebx, A(msg_done)
    vmcall
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $

fail:
    mov ebx, esi
    mov eax, HC_EXIT
    vmcall
    jmp $

msg_hello: db "hello from the built-in 32-bit guest", 0
msg_uart: db "COM1 line by rep outsb", 10
msg_uart_len equ $ - msg_uart
msg_mmio: db "MMIO UART line", 10, 0
msg_done: db "all checks passed: vmcall, port I/O, unassigned port, cpuid, hlt, RAM, MMIO, "
          db "string I/O, MMIO UART", 0
guest_builtin_end:

section .note.GNU-stack noalloc noexec nowrite progbits
