; arch.asm: exits whose answer must be the architecture's, not a dead
; guest (docs/guest-abi.md "Instructions hv answers"): CR8, MOV to CR0/CR4
; with bits hv owns, XSETBV, EFER and unknown MSRs, INVD, GETSEC and the
; VMX instructions, CPUID's view of them; and a string I/O instruction
; after the guest remapped its source page (no stale translation).
; Assembled as arch64 only (CR8 exists in 64-bit mode).

%define GUEST_NAME "arch64"
%include "hv.inc"

%define CR4_OSFXSR (1 << 9)
%define CR4_VMXE (1 << 13)
%define CR4_SMXE (1 << 14)
%define CR4_OSXSAVE (1 << 18)
%define CR0_NE (1 << 5)
%define CR0_NW (1 << 29)
%define CR0_CD (1 << 30)

; FAULTS vector, "name", instruction...: the instruction raises `vector`
; at itself, and execution goes on after it.
%macro FAULTS 2-3+
    mov dword [exc_vector], 0xff
    EXPECT_EXC %%resume
%%insn:
    %3
%%resume:
    mov eax, [exc_vector]
    CHECK32 %1, %2, ": the exception (vector)"
    mov rax, [exc_rip]
    sub rax, %%insn
    CHECK32 0, %2, ": raised at the instruction"
%endmacro

; RUNS "name", instruction...: no exception.
%macro RUNS 1-2+
    mov dword [exc_vector], 0xff
    EXPECT_EXC %%resume
    %2
%%resume:
    mov eax, [exc_vector]
    CHECK32 0xff, %1, ": runs without an exception"
    mov qword [exc_resume], 0
%endmacro

    call rt_init
    call idt_init

    ; ---- CR8 is the guest's own TPR
    mov eax, 5
    mov cr8, rax
    mov rax, cr8
    CHECK32 5, "cr8: MOV to CR8 then from CR8 reads 5"
    mov eax, 0x10
    FAULTS 13, "cr8: MOV of 0x10 (reserved bits) to CR8 is #GP", mov cr8, rax
    mov rax, cr8
    CHECK32 5, "cr8: a refused write left CR8 at 5"
    xor eax, eax
    mov cr8, rax

    ; ---- CR4: VMX and SMX are not offered
    mov rax, cr4
    or eax, CR4_VMXE
    FAULTS 13, "cr4: setting CR4.VMXE is #GP", mov cr4, rax
    mov rax, cr4
    or eax, CR4_SMXE
    FAULTS 13, "cr4: setting CR4.SMXE is #GP", mov cr4, rax
    mov rax, cr4
    and eax, CR4_VMXE | CR4_SMXE
    CHECK32 0, "cr4: the guest's CR4 still shows neither VMXE nor SMXE"

    ; ---- CR0.NE belongs to VMX: the guest may clear it in its view
    mov rax, cr0
    and eax, ~CR0_NE
    RUNS "cr0: clearing CR0.NE", mov cr0, rax
    mov rax, cr0
    and eax, CR0_NE
    CHECK32 0, "cr0: CR0.NE reads back 0"
    mov rax, cr0
    or eax, CR0_NE | CR0_NW
    and eax, ~CR0_CD
    FAULTS 13, "cr0: NW without CD is #GP", mov cr0, rax
    mov rax, cr0
    or eax, CR0_NE
    mov cr0, rax

    ; ---- XSETBV, consistent with CPUID
    mov eax, 1
    cpuid
    bt ecx, 26                    ; XSAVE
    jnc .no_xsave
    mov rax, cr4
    or eax, CR4_OSXSAVE
    mov cr4, rax
    mov eax, 1
    cpuid
    shr ecx, 27
    and ecx, 1
    mov eax, ecx
    CHECK32 1, "cpuid: OSXSAVE follows the guest's CR4.OSXSAVE"
    xor ecx, ecx
    xor edx, edx
    mov eax, 3
    RUNS "xsetbv: XCR0 = 3 (x87, SSE)", xsetbv
    xor ecx, ecx
    xgetbv
    CHECK32 3, "xsetbv: XGETBV reads back 3"
    xor ecx, ecx
    xor edx, edx
    mov eax, 2
    FAULTS 13, "xsetbv: XCR0 without x87 is #GP", xsetbv
    mov eax, 5
    FAULTS 13, "xsetbv: AVX without SSE is #GP", xsetbv
    mov eax, 1
    mov edx, 0x40000000
    FAULTS 13, "xsetbv: an unsupported bit is #GP", xsetbv
    mov ecx, 1
    xor edx, edx
    mov eax, 1
    FAULTS 13, "xsetbv: XCR1 is #GP", xsetbv
    xor ecx, ecx
    xgetbv
    CHECK32 3, "xsetbv: refused writes left XCR0 at 3"
    mov eax, 1
    xor ecx, ecx
    xor edx, edx
    xsetbv
.no_xsave:

    ; ---- EFER and MSRs
    mov ecx, 0xc0000080
    rdmsr
    CHECK32 0x500, "efer: reads 0x500 (LME, LMA)"
    xor eax, eax
    xor edx, edx
    FAULTS 13, "efer: clearing LME with paging on is #GP", wrmsr
    mov ecx, 0xc0000080
    rdmsr
    CHECK32 0x500, "efer: still 0x500 after the refused write"
    or eax, 1 << 2
    FAULTS 13, "efer: a reserved bit is #GP", wrmsr
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1                      ; SCE
    RUNS "efer: setting SCE", wrmsr
    mov ecx, 0xc0000080
    rdmsr
    CHECK32 0x501, "efer: reads 0x501 after setting SCE"
    mov ecx, 0x12345678
    FAULTS 13, "msr: RDMSR of an unknown MSR is #GP", rdmsr
    mov ecx, 0x12345678
    FAULTS 13, "msr: WRMSR of an unknown MSR is #GP", wrmsr
    mov ecx, 0x277
    mov eax, 0x02020202            ; type 2 is reserved
    mov edx, eax
    FAULTS 13, "msr: a PAT with a reserved type is #GP", wrmsr
    mov ecx, 0xc0000082            ; LSTAR: the guest's own
    mov eax, 0x81000000
    mov edx, 0xffffffff
    wrmsr
    xor eax, eax
    rdmsr
    CHECK32 0x81000000, "msr: LSTAR keeps what the guest wrote"

    ; ---- a flood of refused MSR reads: each one a #GP, but hv's log lines
    ; about them are rate-limited (tests/e2e/guests.sh counts them)
    mov dword [flood_left], 200
    mov eax, [exc_count]
    mov [exc_before_flood], eax
.flood:
    mov ecx, 0x12345679
    EXPECT_EXC .flooded
    rdmsr
.flooded:
    dec dword [flood_left]
    jnz .flood
    mov eax, [exc_count]
    sub eax, [exc_before_flood]
    CHECK32 200, "flood: 200 refused RDMSRs, each one a #GP in the guest"

    ; ---- instructions with nothing to offer: #UD, or their effect
    RUNS "invd: INVD", invd
    RUNS "wbinvd: WBINVD", wbinvd
    FAULTS 6, "vmx: VMXON is #UD", vmxon [rsp]
    FAULTS 6, "vmx: VMREAD is #UD", vmread rax, rbx
    FAULTS 6, "vmx: VMPTRLD is #UD", vmptrld [rsp]
    FAULTS 6, "vmx: VMLAUNCH is #UD", vmlaunch
    FAULTS 6, "smx: GETSEC is #UD", getsec
    mov eax, 1
    cpuid
    and ecx, (1 << 5) | (1 << 6)
    mov eax, ecx
    CHECK32 0, "cpuid: neither VMX nor SMX reported"

    ; ---- string I/O after a remap (no stale translation): linear
    ; 0x600000 through a page table of our own, first on page A, then on B
    mov byte [PAGE_A], 0x11
    mov byte [PAGE_B], 0x22
    mov rax, PAGE_A | 3
    mov [PT], rax
    mov rax, PT | 3
    mov [0x3000 + 3 * 8], rax      ; PD entry of 0x600000-0x7fffff
    invlpg [0x600000]
    mov esi, 0x600000
    mov edx, 0x80
    mov ecx, 1
    rep outsb
    in al, 0x80
    movzx eax, al
    CHECK32 0x11, "remap: rep outsb from linear 0x600000 sends page A's byte"
    mov rax, PAGE_B | 3
    mov [PT], rax
    invlpg [0x600000]
    mov esi, 0x600000
    mov ecx, 1
    rep outsb
    in al, 0x80
    movzx eax, al
    CHECK32 0x22, "remap: after the PTE moved to page B, rep outsb sends B's byte"
    mov rax, 0x600000 | 0x83       ; back to the 2 MiB identity mapping
    mov [0x3000 + 3 * 8], rax
    invlpg [0x600000]

    jmp rt_exit

    [section .data]
flood_left: dd 0
exc_before_flood: dd 0
    __?SECT?__

PT     equ 0x800000                ; page table (RAM above the payload)
PAGE_A equ 0x801000
PAGE_B equ 0x802000

%include "rt.inc"
%include "idt.inc"
