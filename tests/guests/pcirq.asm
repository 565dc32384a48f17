; pcirq.asm: the pc machine's interrupts and timers as a guest sees them
; (docs/machines.md): the local APIC timer in one-shot, periodic and
; TSC-deadline modes waking HLT, an I/O APIC pin and an 8259 input raised
; through pc-testdev, x2APIC MSRs and CR8 as the TPR, fw_cfg and the RTC's
; memory bytes; then ACPI S5 powers the machine off, which ends the run
; with status 0.  Its lines go out on COM1.  Assembled as pcirq64 only.
%define GUEST_NAME "pcirq64"
%define PC_MACHINE
%include "hv.inc"

%define APIC rbx                   ; 0xfee00000, kept in RBX
%define IOAPIC rbp                 ; 0xfec00000, kept in RBP
%define V_TIMER 0x40
%define V_IOAPIC 0x41
%define V_PIC 0x23                 ; the master's base 0x20, IRQ 3

; one interrupt gate: vector %1 -> handler %2
%macro GATE 2
    mov eax, %2
    mov edi, idt + %1 * 16
    mov [rdi], ax
    mov word [rdi + 2], cs
    mov word [rdi + 4], 0x8e00
    shr eax, 16
    mov [rdi + 6], ax
%endmacro

; HALT_FOR counter, at-least: sti; hlt until the counter reaches it
%macro HALT_FOR 2
%%again:
    cmp dword [%1], %2
    jae %%done
    sti
    hlt
    cli
    jmp %%again
%%done:
%endmacro

    call rt_init
    mov ebx, 0xfee00000
    mov ebp, 0xfec00000
    GATE V_TIMER, on_timer
    GATE V_IOAPIC, on_ioapic
    GATE V_PIC, on_pic
    lidt [idtr]
    ; the BIOS-style tick (PIT, IRQ 0 at vector 8) stays out, as any
    ; kernel keeps it until it has reprogrammed the 8259s
    mov al, 0xff
    out 0x21, al

    ; ---- the local APIC, software enabled; the timer one-shot
    mov dword [APIC + 0xf0], 0x1ff
    mov dword [APIC + 0x3e0], 0xb            ; divide by 1
    mov dword [APIC + 0x320], V_TIMER        ; one-shot
    mov dword [APIC + 0x380], 200000
    HALT_FOR timer_count, 1
    mov eax, [timer_count]
    CHECK32 1, "lapic: a one-shot timer woke HLT through its vector, once"
    ; periodic: three more periods
    mov dword [APIC + 0x320], 0x20000 | V_TIMER
    mov dword [APIC + 0x380], 100000
    HALT_FOR timer_count, 4
    mov dword [APIC + 0x320], 0x10000        ; masked
    mov eax, 1
    CHECK32 1, "lapic: a periodic timer fired again and again"
    ; TSC-deadline mode, when CPUID says so
    push rbx
    mov eax, 1
    cpuid
    pop rbx
    bt ecx, 24
    jnc .no_deadline
    mov dword [timer_count], 0
    mov dword [APIC + 0x320], 0x40000 | V_TIMER
    rdtsc
    add eax, 300000
    adc edx, 0
    mov ecx, 0x6e0
    wrmsr
    HALT_FOR timer_count, 1
    mov eax, [timer_count]
    CHECK32 1, "lapic: the TSC-deadline timer fired at its deadline"
.no_deadline:

    ; ---- I/O APIC pin 10, edge, to the APIC: raised by pc-testdev
    mov dword [IOAPIC], 0x10 + 2 * 10
    mov dword [IOAPIC + 0x10], V_IOAPIC
    mov dword [IOAPIC], 0x11 + 2 * 10
    mov dword [IOAPIC + 0x10], 0
    mov dx, 0x2000 + 10
    mov al, 1
    out dx, al
    sti
    nop
    cli
    mov al, 0
    out dx, al
    mov eax, [ioapic_count]
    CHECK32 1, "ioapic: a pc-testdev line reached the CPU through the I/O APIC"

    ; ---- the 8259: vectors 0x20/0x28, only IRQ 3 unmasked
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xf7
    out 0x21, al
    mov dx, 0x2000 + 3
    mov al, 1
    out dx, al
    sti
    nop
    cli
    mov al, 0
    out dx, al
    mov al, 0xff
    out 0x21, al
    mov eax, [pic_count]
    CHECK32 1, "pic: a pc-testdev line reached the CPU through the 8259 and LINT0"

    ; ---- CR8 is the APIC's TPR; x2APIC MSRs
    mov eax, 5
    mov cr8, rax
    mov eax, [APIC + 0x80]
    CHECK32 0x50, "tpr: MOV to CR8 sets the local APIC's TPR"
    xor eax, eax
    mov cr8, rax
    mov ecx, 0x1b
    rdmsr
    or eax, 1 << 10                          ; x2APIC mode
    wrmsr
    mov ecx, 0x802
    rdmsr
    CHECK32 0, "x2apic: the APIC ID MSR reads 0"
    mov eax, 7
    mov cr8, rax
    mov ecx, 0x808
    rdmsr
    CHECK32 0x70, "x2apic: the TPR MSR follows CR8"
    xor eax, eax
    mov cr8, rax

    ; ---- fw_cfg and CMOS
    mov dx, 0x510
    xor eax, eax
    out dx, ax
    inc dx
    in al, dx
    movzx eax, al
    CHECK32 'Q', "fw_cfg: the signature starts with Q"
    mov al, 0x30                             ; CMOS: KiB above 1 MiB (low)
    out 0x70, al
    in al, 0x71
    mov ah, al
    mov al, 0x31
    out 0x70, al
    in al, 0x71
    xchg al, ah
    movzx eax, ax
    CHECK32 (16 * 1024 - 1024), "cmos: extended memory above 1 MiB in KiB"

    ; ---- the end: failures end the run with their count; else ACPI S5
    mov eax, [rt_fail_count]
    test eax, eax
    jnz rt_exit
    PASSMSG "acpi: powering off through PM1a control (S5)"
    mov dx, 0x604
    mov ax, (5 << 10) | (1 << 13)
    out dx, ax
    FAILMSG "still running after the power-off"
    jmp rt_exit

on_timer:
    inc dword [timer_count]
    mov dword [APIC + 0xb0], 0             ; EOI (RBX is the APIC throughout)
    iretq
on_ioapic:
    inc dword [ioapic_count]
    mov dword [APIC + 0xb0], 0
    iretq
on_pic:
    push rax
    inc dword [pic_count]
    mov al, 0x20
    out 0x20, al
    pop rax
    iretq

    [section .data]
    align 16
idt:  times 256 * 16 db 0
idtr: dw 256 * 16 - 1
      dq idt
timer_count:  dd 0
ioapic_count: dd 0
pic_count:    dd 0
    __?SECT?__

%include "rt.inc"
