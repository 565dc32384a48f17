; test guest bench guest (tests/bench/bochs_exits.sh): its very first
; instruction reads the TSC, then it times loops of N iterations: a bare
; loop (calibration), RAM reads, port reads (I/O exits) and MMIO reads of
; the test device (EPT violation + decode + dispatch).  Under Bochs with
; "clock: sync=none" the TSC advances with emulated instructions, so these
; are instruction counts.  Prints "bench KEY HEX" lines, then HC_EXIT 0.
bits 64
org 0x100000
%define HC_EXIT 2
%define HC_PUTC 3
%define N 2000
%define NCAL 100000

start:
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [t_first], rax

    ; calibration: NCAL iterations of dec/jnz (2 instructions each)
    mov ecx, NCAL
    call tsc
    mov r12, rax
.cal: dec ecx
    jnz .cal
    call tsc
    sub rax, r12
    mov [t_cal], rax

    mov ecx, N
    call tsc
    mov r12, rax
.ram: mov eax, [0x300000]
    dec ecx
    jnz .ram
    call tsc
    sub rax, r12
    mov [t_ram], rax

    mov ecx, N
    call tsc
    mov r12, rax
.pio: in al, 0x80
    dec ecx
    jnz .pio
    call tsc
    sub rax, r12
    mov [t_pio], rax

    mov ecx, N
    mov rbx, 0xfed00000
    call tsc
    mov r12, rax
.mmio: mov eax, [rbx]
    dec ecx
    jnz .mmio
    call tsc
    sub rax, r12
    mov [t_mmio], rax

    mov rsi, k_first
    mov rax, [t_first]
    call line
    mov rsi, k_cal
    mov rax, [t_cal]
    call line
    mov rsi, k_ram
    mov rax, [t_ram]
    call line
    mov rsi, k_pio
    mov rax, [t_pio]
    call line
    mov rsi, k_mmio
    mov rax, [t_mmio]
    call line
    mov eax, HC_EXIT
    xor ebx, ebx
    vmcall
    jmp $

tsc:                        ; rax = TSC (keeps rcx)
    push rdx
    rdtsc
    shl rdx, 32
    or rax, rdx
    pop rdx
    ret

putc:                       ; bl = byte
    push rax
    push rcx
    mov eax, HC_PUTC
    vmcall
    pop rcx
    pop rax
    ret

line:                       ; "bench KEY 0xHEX\n": rsi = KEY (NUL-terminated), rax = value
    mov r13, rax
    mov rdi, k_bench
.p1: movzx ebx, byte [rdi]
    test bl, bl
    jz .p2
    call putc
    inc rdi
    jmp .p1
.p2: movzx ebx, byte [rsi]
    test bl, bl
    jz .p3
    call putc
    inc rsi
    jmp .p2
.p3: mov bl, ' '
    call putc
    mov ecx, 16
.hex: rol r13, 4
    mov rbx, r13
    and ebx, 15
    movzx ebx, byte [hexdig + rbx]
    call putc
    dec ecx
    jnz .hex
    mov bl, 10
    call putc
    ret

hexdig: db "0123456789abcdef"
k_bench: db "bench ", 0
k_first: db "first-tsc", 0
k_cal: db "loop-100000", 0
k_ram: db "ram-2000", 0
k_pio: db "pio-2000", 0
k_mmio: db "mmio-2000", 0
align 8
t_first: dq 0
t_cal: dq 0
t_ram: dq 0
t_pio: dq 0
t_mmio: dq 0
