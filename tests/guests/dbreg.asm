; dbreg.asm: the guest's debug registers around instructions hv completes
; itself (SDM Vol. 3B chapter 17; Vol. 3C 24.4.2 pending debug exceptions).
;   - DR7 survives VM exits (the VMCS saves and loads it)
;   - an I/O breakpoint (CR4.DE) on a port hv emulates: a trap-class #DB
;     after the IN/OUT with DR6.Bn, none for a port it does not cover
;   - a data breakpoint on a test-device (MMIO) address: #DB after the
;     emulated write, none for a read of a write-only breakpoint
;   - DR6.BS set by software stays set through such a #DB
;   - RF is cleared by an instruction hv completes: an instruction
;     breakpoint on the next instruction fires
;   - HLT run with TF set: the single-step #DB follows it (IF=0: it wakes)
;   - REP STOSD on MMIO: a data breakpoint's #DB follows the iteration
;     that hit (RIP still on the instruction, which then resumes), and with
;     TF set each iteration is single-stepped
; Assembled as dbreg64 only.  Vector 1 has its own handler here: it
; records RIP (also in db_rips[]) and DR6, sets RF in the frame (so an
; instruction breakpoint resumes past itself) and clears TF there unless
; db_keep_tf is set.
%define GUEST_NAME "dbreg64"
%include "hv.inc"

DR6_FIXED  equ 0xffff0ff0
DR6_BS     equ 0x4000
POST_PORT  equ 0x80               ; no device: hv completes the access
CR4_DE     equ 8
FL_TF      equ 0x100
FL_RF      equ 0x10000

; DR7 bits for breakpoint n: Gn, R/Wn, LENn
%define DR7_G(n) (2 << (2 * (n)))
%define DR7_RWLEN(n, rw, len) (((rw) | ((len) << 2)) << (16 + 4 * (n)))

; ARM dr7: DR6 reset to its fixed bits, the #DB record cleared, DR7 set.
%macro ARM 1
    mov rax, DR6_FIXED
    mov dr6, rax
    mov dword [db_count], 0
    mov qword [db_rip], 0
    mov qword [db_rips], 0
    mov qword [db_rips + 8], 0
    mov qword [db_rips + 16], 0
    mov eax, %1
    mov dr7, rax
%endmacro

; DISARM: DR7 back to its reset value.
%macro DISARM 0
    mov eax, 0x400
    mov dr7, rax
%endmacro

    call rt_init
    call idt_init
    ; our own #DB gate over idt.inc's (64-bit gate: offset 15:0, 31:16, 63:32)
    mov rax, db_handler
    mov [idt_table + 16], ax
    shr rax, 16
    mov [idt_table + 16 + 6], ax
    shr rax, 16
    mov [idt_table + 16 + 8], eax

    ; ---- DR7 survives exits: an execute breakpoint armed before CPUID
    mov rax, bp_exec
    mov dr0, rax
    ARM DR7_G(0) | DR7_RWLEN(0, 0, 0)
    xor eax, eax
    cpuid                           ; a VM exit
bp_exec:
    nop
    DISARM
    mov eax, [db_count]
    CHECK32 1, "DR7: an execute breakpoint armed before a VM exit fires after it"
    mov rax, [db_rip]
    mov rdx, bp_exec
    sub eax, edx
    CHECK32 0, "DR7: the execute breakpoint's #DB is at the instruction (a fault)"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | 1, "DR7: the execute breakpoint's DR6 is B0"

    ; ---- I/O breakpoints on ports hv emulates
    mov rax, cr4
    or eax, CR4_DE
    mov cr4, rax
    mov eax, POST_PORT
    mov dr1, rax
    ARM DR7_G(1) | DR7_RWLEN(1, 2, 0)
    out POST_PORT, al
io_after_out:
    mov eax, [db_count]
    CHECK32 1, "I/O: OUT to an I/O breakpoint's port raises #DB"
    mov rax, [db_rip]
    mov rdx, io_after_out
    sub eax, edx
    CHECK32 0, "I/O: the #DB follows the OUT (a trap)"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | 2, "I/O: DR6 is B1"
    ARM DR7_G(1) | DR7_RWLEN(1, 2, 0)
    mov edx, POST_PORT - 1
    in ax, dx                       ; ports 0x7f-0x80
    mov eax, [db_count]
    CHECK32 1, "I/O: a 2-byte IN that covers the port raises #DB"
    ARM DR7_G(1) | DR7_RWLEN(1, 2, 0)
    out POST_PORT + 1, al
    mov eax, [db_count]
    CHECK32 0, "I/O: OUT to the next port raises nothing"
    ; software's DR6.BS stays (the CPU never clears it: 17.2.3)
    ARM DR7_G(1) | DR7_RWLEN(1, 2, 0)
    mov rax, DR6_FIXED | DR6_BS
    mov dr6, rax
    in al, POST_PORT
    DISARM
    mov eax, [db_count]
    CHECK32 1, "I/O: IN with DR6.BS set by software raises #DB"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | DR6_BS | 2, "I/O: DR6 is B1 with software's BS kept"
    mov rax, cr4
    and eax, ~CR4_DE
    mov cr4, rax

    ; ---- data breakpoints on MMIO (hv emulates the access)
    mov edi, TD_BASE
    mov rax, TD_BASE + TD_SCR32
    mov dr2, rax
    ARM DR7_G(2) | DR7_RWLEN(2, 1, 3)  ; 4-byte writes
    mov dword [rdi + TD_SCR32], 0x5a5a
mmio_after_write:
    mov eax, [db_count]
    CHECK32 1, "MMIO: a write to a data breakpoint raises #DB"
    mov rax, [db_rip]
    mov rdx, mmio_after_write
    sub eax, edx
    CHECK32 0, "MMIO: the #DB follows the write (a trap)"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | 4, "MMIO: DR6 is B2"
    ARM DR7_G(2) | DR7_RWLEN(2, 1, 3)
    mov eax, [rdi + TD_SCR32]
    mov eax, [db_count]
    CHECK32 0, "MMIO: a read raises nothing on a write breakpoint"
    ARM DR7_G(2) | DR7_RWLEN(2, 3, 3)  ; 4-byte reads and writes
    mov al, [rdi + TD_SCR32 + 3]
    mov eax, [db_count]
    CHECK32 1, "MMIO: a 1-byte read inside a read/write breakpoint raises #DB"
    ARM DR7_G(2) | DR7_RWLEN(2, 3, 3)
    mov eax, [rdi + TD_SCR64]
    DISARM
    mov eax, [db_count]
    CHECK32 0, "MMIO: a read next to the breakpoint raises nothing"

    ; ---- RF: returned to with RF=1, the OUT hv completes clears it, so
    ; the execute breakpoint on the instruction after it fires
    mov rax, rf_next
    mov dr3, rax
    ARM DR7_G(3) | DR7_RWLEN(3, 0, 0)
    mov rax, rsp
    push qword 0x10                 ; SS (the entry state's data selector)
    push rax                        ; RSP
    pushfq
    or qword [rsp], FL_RF
    push qword 0x8                  ; CS
    push qword rf_out
    mov ax, ss
    mov [rsp + 32], ax
    mov ax, cs
    mov [rsp + 8], ax
    iretq
rf_out:
    out POST_PORT, al
rf_next:
    nop
    DISARM
    mov eax, [db_count]
    CHECK32 1, "RF: cleared by an OUT hv completed (the next breakpoint fires)"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | 8, "RF: DR6 is B3"

    ; ---- HLT with TF (IF=0): a single-step #DB after it ends the halt
    ARM 0x400
    cli
    pushfq
    or qword [rsp], FL_TF
    popfq
    hlt                             ; TF takes effect here: #DB after it
hlt_after:
    mov eax, [db_count]
    CHECK32 1, "HLT+TF: one single-step #DB, and the halt ends"
    mov rax, [db_rip]
    mov rdx, hlt_after
    sub eax, edx
    CHECK32 0, "HLT+TF: the #DB follows the HLT"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | DR6_BS, "HLT+TF: DR6 is BS"

    ; ---- REP STOSD on MMIO with a write breakpoint on its third dword
    mov edi, TD_BASE + TD_W_ANY
    mov rax, TD_BASE + TD_W_ANY + 8
    mov dr2, rax
    ARM DR7_G(2) | DR7_RWLEN(2, 1, 3)
    mov ecx, 4
    mov eax, 0x11223344
    cld
rep_bp:
    rep stosd
    DISARM
    mov eax, [db_count]
    CHECK32 1, "REP: one #DB for the iteration that wrote the breakpoint"
    mov rax, [db_rip]
    mov rdx, rep_bp
    sub eax, edx
    CHECK32 0, "REP: its #DB has RIP on the REP instruction (more iterations to go)"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | 4, "REP: DR6 is B2"
    mov eax, ecx
    CHECK32 0, "REP: the instruction resumed and finished (RCX 0)"
    mov edi, TD_BASE + TD_W_ANY
    mov eax, [rdi + 12]
    CHECK32 0x11223344, "REP: the last dword was written"

    ; ---- REP STOSD on MMIO single-stepped: one #DB per iteration
    ARM 0x400
    mov edi, TD_BASE + TD_W_ANY
    mov ecx, 2
    xor eax, eax
    mov byte [db_keep_tf], 1
    pushfq
    or qword [rsp], FL_TF
    popfq
rep_tf:
    rep stosd                       ; traced: #DB after each iteration
rep_tf_after:
    mov byte [db_keep_tf], 0        ; traced too: its #DB clears TF
    mov eax, [db_count]
    CHECK32 3, "REP+TF: a #DB after each of 2 iterations, one after the next instruction"
    mov rax, [db_rips]
    mov rdx, rep_tf
    sub eax, edx
    CHECK32 0, "REP+TF: after the first iteration RIP is on the REP instruction"
    mov rax, [db_rips + 8]
    mov rdx, rep_tf_after
    sub eax, edx
    CHECK32 0, "REP+TF: after the last iteration RIP is past it"
    mov eax, [db_dr6]
    CHECK32 DR6_FIXED | DR6_BS, "REP+TF: DR6 is BS"
    jmp rt_exit

; #DB: record, then return with TF clear and RF set.
db_handler:
    push rax
    push rcx
    mov rax, [rsp + 16]             ; RIP
    mov [db_rip], rax
    mov ecx, [db_count]
    cmp ecx, 3
    jae .full
    mov [db_rips + rcx * 8], rax
.full:
    inc dword [db_count]
    mov rax, dr6
    mov [db_dr6], eax
    or qword [rsp + 32], FL_RF      ; RFLAGS
    cmp byte [db_keep_tf], 0
    jne .keep
    and qword [rsp + 32], ~FL_TF
.keep:
    pop rcx
    pop rax
    iretq

    [section .data]
    align 8
db_rip:   dq 0
db_rips:  dq 0, 0, 0
db_keep_tf: db 0
db_count: dd 0
db_dr6:   dd 0
    __?SECT?__

%include "rt.inc"
%include "idt.inc"
