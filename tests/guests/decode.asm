; decode.asm: every instruction form the MMIO emulator supports, executed
; on the test device's "any" window, with the CPU as the oracle.
;
; Assembled three times (-DMODE=16|32|64) into decode16.bin, decode32.bin,
; decode64.bin.  Each test case (macro TC) runs its instruction(s) twice from
; the same register, flag and memory state: once with the memory operand on
; the test device (MMIO: every access is an EPT violation the hypervisor
; decodes and emulates) and once on a RAM copy (the CPU executes it).
; Then it compares all general registers, RFLAGS (the bits the SDM
; defines for that instruction), XMM0-3, the 64-byte area (read back from
; the device), the RAM scratch buffer, and the device's access log: the
; exact list of (offset, size, direction) given with the test, with read
; values from the area's initial contents and write values from the RAM
; run's final contents.  One PASS or FAIL line per test.
;
; Register conventions inside a test body:
;   P        rbx/ebx: the area (device window + 0 or the RAM copy)
;   O        0x20: the usual operand offset inside the 64-byte area
;   ABS(x)   absolute address of area+x (moffs forms)
;   SCR(x)   address of the run's own 64-byte RAM scratch buffer + x
;   SG       16-bit mode: fs (base = device window) or gs (base = RAM copy)

%if MODE == 16
  %define GUEST_NAME "decode16"
%elif MODE == 32
  %define GUEST_NAME "decode32"
%else
  %define GUEST_NAME "decode64"
%endif
%include "hv.inc"

AREA_MMIO equ TD_BASE + TD_W_ANY
%define P rBX
%define O 0x20

; Access-log entries (docs/devices.md LOG_INFO): area offset o, size s.
%define LR(o,s) (0x80000000 | ((s) << 16) | (0x100 + (o)))
%define LW(o,s) (0x81000000 | ((s) << 16) | (0x100 + (o)))

; Flags compared (fmask): the ones the SDM defines for the instruction.
FA  equ 0x0cd5          ; OF DF SF ZF AF PF CF
FLG equ 0x0cc5          ; logic ops: AF undefined
FBT equ 0x0441          ; BT*: CF (ZF unaffected), DF
; fmask high bits: saved rSI/rDI are made relative to P or to SCR(0)
N_SI_P   equ 0x80000000
N_DI_P   equ 0x40000000
N_SI_SCR equ 0x20000000
N_DI_SCR equ 0x10000000
; Input flags: OF SF AF CF set, ZF PF clear (a wrong "preserve" shows).
FIN  equ 0x0893
FIND equ 0x0c93         ; the same with DF set
FINZ equ 0x0046         ; ZF PF set, the rest clear

; STRADDLE k before a TC: the MMIO run's (single) instruction starts k
; bytes before a page boundary.
%assign STRADDLE 0

; TC name, fin, fmask, nbody, body1..bodyN, log entries...
%macro TC 4-*
  %assign %%nb %4
    [section .data]
  %%nm: db %1, 0
    align 4
  %%desc: dd %%nm, %2, %3
  %rotate 4
  %rotate %%nb
  %rep %0 - 4 - %%nb
    dd %1
    %rotate 1
  %endrep
    dd 0
    __?SECT?__
    mov dword [t_desc], %%desc
    call t_begin_mmio
  %define ABS(x) (PHYS(AREA_MMIO) + (x))
  %define SCR(x) (t_scr_mmio + (x))
  %define SG fs
  %if STRADDLE
    jmp near %%go
    times (4096 - ((($-$$) + STRADDLE) % 4096)) % 4096 db 0xcc
  %%go:
  %endif
  %rotate 4
  %rep %%nb
    %1
    %rotate 1
  %endrep
  %rotate -(4 + %%nb)
    call t_end_mmio
    call t_begin_ram
  %define ABS(x) (t_ram_area + (x))
  %define SCR(x) (t_scr_ram + (x))
  %define SG gs
  %rotate 4
  %rep %%nb
    %1
    %rotate 1
  %endrep
  %rotate -(4 + %%nb)
    call t_end_ram
    call t_check
  ; Undefined outside TC, so a test's parameters keep ABS/SCR/SG as text
  ; until each run's expansion (nasm expands defined single-line macros in
  ; a macro call's parameters at the call).
  %undef ABS
  %undef SCR
  %undef SG
  %assign STRADDLE 0
%endmacro

; ALU op with a memory operand, all sizes and forms (00-3B, 80, 81, 83).
; %1 mnemonic, %2 flag mask, %3 1 if it writes its destination.
%macro ALU 3
  %defstr %%n %1
  %if %3
    %define %%RW(o,s) LR(o,s), LW(o,s)
  %else
    %define %%RW(o,s) LR(o,s)
  %endif
  %ifidn %1,adc
    %assign %%fin FIN
  %elifidn %1,sbb
    %assign %%fin FIN
  %else
    %assign %%fin FINZ
  %endif
  TC {%%n, " m8,r8"},   %%fin, %2, 1, {%1 [P+O], dl},   %%RW(O,1)
  TC {%%n, " m16,r16"}, FIN, %2, 1, {%1 [P+O], dx},     %%RW(O,2)
  TC {%%n, " m32,r32"}, FIN, %2, 1, {%1 [P+O], edx},    %%RW(O,4)
  TC {%%n, " r8,m8"},   FIN, %2, 1, {%1 dl, [P+O]},     LR(O,1)
  TC {%%n, " r16,m16"}, %%fin, %2, 1, {%1 dx, [P+O+2]}, LR(O+2,2)
  TC {%%n, " r32,m32"}, FIN, %2, 1, {%1 edx, [P+O]},    LR(O,4)
  TC {%%n, " m8,imm8"}, FIN, %2, 1, {%1 byte [P+O], 0x81},  %%RW(O,1)
  TC {%%n, " m16,imm16"}, FIN, %2, 1, {%1 word [P+O], strict word 0x8001}, %%RW(O,2)
  TC {%%n, " m32,imm32"}, %%fin, %2, 1, {%1 dword [P+O], strict dword 0x5eadbeef}, %%RW(O,4)
  TC {%%n, " m16,simm8"}, FIN, %2, 1, {%1 word [P+O+4], strict byte -3}, %%RW(O+4,2)
  TC {%%n, " m32,simm8"}, FINZ, %2, 1, {%1 dword [P+O], strict byte -3}, %%RW(O,4)
  %if MODE == 64
  TC {%%n, " m64,r64"}, FIN, %2, 1, {%1 [P+O], rdx},    %%RW(O,8)
  TC {%%n, " r64,m64"}, FIN, %2, 1, {%1 rdx, [P+O+8]},  LR(O+8,8)
  TC {%%n, " m64,simm32"}, FIN, %2, 1, {%1 qword [P+O], -0x1234567}, %%RW(O,8)
  TC {%%n, " m64,simm8"}, FINZ, %2, 1, {%1 qword [P+O+8], strict byte 0x7f}, %%RW(O+8,8)
  TC {%%n, " m8,r9b"},  FIN, %2, 1, {%1 [P+O], r9b},    %%RW(O,1)
  %endif
%endmacro

    call rt_init
    call idt_init

; ------------------------------------------------------------------ MOV
    TC "mov m8,r8 (88)",     FIN, FA, 1, {mov [P+O], cl},    LW(O,1)
    TC "mov m8,ah (88)",     FIN, FA, 1, {mov [P+O+1], ah},  LW(O+1,1)
    TC "mov m16,r16 (89)",   FIN, FA, 1, {mov [P+O], cx},    LW(O,2)
    TC "mov m32,r32 (89)",   FIN, FA, 1, {mov [P+O], ecx},   LW(O,4)
    TC "mov m32,r32 unaligned", FIN, FA, 1, {mov [P+O+3], ecx}, LW(O+3,4)
    TC "mov r8,m8 (8a)",     FIN, FA, 1, {mov dl, [P+O]},    LR(O,1)
    TC "mov ch,m8 (8a)",     FIN, FA, 1, {mov ch, [P+O+5]},  LR(O+5,1)
    TC "mov r16,m16 (8b)",   FIN, FA, 1, {mov dx, [P+O]},    LR(O,2)
    TC "mov r32,m32 (8b)",   FIN, FA, 1, {mov edx, [P+O]},   LR(O,4)
    TC "mov m8,imm8 (c6)",   FIN, FA, 1, {mov byte [P+O], 0xa5},  LW(O,1)
    TC "mov m16,imm16 (c7)", FIN, FA, 1, {mov word [P+O], 0xbeef}, LW(O,2)
    TC "mov m32,imm32 (c7)", FIN, FA, 1, {mov dword [P+O], 0xcafef00d}, LW(O,4)
    TC "mov r32,[P+rcx*4+disp8] (sib)", FIN, FA, 2, {mov ecx, 3}, {mov edx, [P+rCX*4+O-12]}, LR(O,4)
    TC "mov r32,[P+disp32]", FIN, FA, 1, {mov edx, [dword P+O+4]}, LR(O+4,4)
    TC "mov r32,[rsi+P] (base+index)", FIN, FA, 2, {mov esi, O+8}, {mov edx, [rSI+P]}, LR(O+8,4)
    TC "mov m32,r32 with ds override", FIN, FA, 1, {mov [ds:P+O], edx}, LW(O,4)
%if MODE != 16
    TC "mov m32,r32 with ss override", FIN, FA, 1, {mov [ss:P+O], edx}, LW(O,4)
%endif
%if MODE == 16
    TC "mov al,moffs32 (a0, a32)",  FIN, FA, 1, {mov al, [dword ABS(O)]},  LR(O,1)
    TC "mov eax,moffs32 (a1, a32)", FIN, FA, 1, {mov eax, [dword ABS(O)]}, LR(O,4)
    TC "mov moffs32,al (a2, a32)",  FIN, FA, 1, {mov [dword ABS(O+1)], al},  LW(O+1,1)
    TC "mov moffs32,ax (a3, a32)",  FIN, FA, 1, {mov [dword ABS(O)], ax},  LW(O,2)
    TC "mov ax,fs:moffs16 (a1)",    FIN, FA, 1, {mov ax, [SG:O]},  LR(O,2)
    TC "mov fs:moffs16,al (a2)",    FIN, FA, 1, {mov [SG:O+2], al},  LW(O+2,1)
    TC "mov r16,fs:[bx+si+d8]",     FIN, FA, 3, {mov bx, 0x10}, {mov si, 0x08}, {mov dx, [SG:bx+si+0x08]}, LR(O,2)
    TC "mov fs:[bp+di],r16",        FIN, FA, 3, {mov bp, 0x18}, {mov di, 0x08}, {mov [SG:bp+di], cx}, LW(O,2)
    TC "mov r32,fs:[di+d16]",       FIN, FA, 2, {mov di, 0x04}, {mov edx, [word SG:di+0x1c]}, LR(O,4)
    TC "add fs:[si],r8",            FIN, FA, 2, {mov si, O}, {add [SG:si], dl}, LR(O,1), LW(O,1)
%elif MODE == 32
    TC "mov al,moffs32 (a0)",  FIN, FA, 1, {mov al, [ABS(O)]},  LR(O,1)
    TC "mov eax,moffs32 (a1)", FIN, FA, 1, {mov eax, [ABS(O)]}, LR(O,4)
    TC "mov ax,moffs32 (a1)",  FIN, FA, 1, {mov ax, [ABS(O+2)]}, LR(O+2,2)
    TC "mov moffs32,al (a2)",  FIN, FA, 1, {mov [ABS(O+1)], al},  LW(O+1,1)
    TC "mov moffs32,eax (a3)", FIN, FA, 1, {mov [ABS(O)], eax}, LW(O,4)
    TC "mov r32,[disp32] (mod=00 rm=101)", FIN, FA, 1, {mov edx, [dword ABS(O)]}, LR(O,4)
%else
    TC "mov al,moffs64 (a0)",  FIN, FA, 1, {mov al, [qword ABS(O)]},  LR(O,1)
    TC "mov eax,moffs64 (a1)", FIN, FA, 1, {mov eax, [qword ABS(O)]}, LR(O,4)
    TC "mov rax,moffs64 (a1)", FIN, FA, 1, {mov rax, [qword ABS(O)]}, LR(O,8)
    TC "mov moffs64,al (a2)",  FIN, FA, 1, {mov [qword ABS(O+1)], al},  LW(O+1,1)
    TC "mov moffs64,rax (a3)", FIN, FA, 1, {mov [qword ABS(O)], rax}, LW(O,8)
    TC "mov m8,sil (rex 88)",  FIN, FA, 1, {mov [P+O], sil},   LW(O,1)
    TC "mov m64,r64 (rex.w 89)", FIN, FA, 1, {mov [P+O], rcx}, LW(O,8)
    TC "mov m32,r10d (rex.r 89)", FIN, FA, 1, {mov [P+O], r10d}, LW(O,4)
    TC "mov r64,m64 (8b)",     FIN, FA, 1, {mov rdx, [P+O]},   LR(O,8)
    TC "mov r12d,m32 (zero-extends)", FIN, FA, 1, {mov r12d, [P+O]}, LR(O,4)
    TC "mov r11w,m16 (keeps 63:16)", FIN, FA, 1, {mov r11w, [P+O]}, LR(O,2)
    TC "mov m64,simm32 (c7)",  FIN, FA, 1, {mov qword [P+O], -5}, LW(O,8)
    TC "mov r32,[r13+d8] (rex.b)", FIN, FA, 3, {mov r13, rbx}, {mov edx, [r13+O]}, {mov r13, [t_gpr_preset+13*8]}, LR(O,4)
    TC "mov r32,[r12+d8] (rex.b sib)", FIN, FA, 3, {mov r12, rbx}, {mov edx, [r12+O+4]}, {mov r12, [t_gpr_preset+12*8]}, LR(O+4,4)
    TC "mov r32,[rbx+r9*8] (rex.x)", FIN, FA, 2, {mov r9d, 4}, {mov edx, [P+r9*8]}, LR(O,4)
    TC "mov r32,[ebx+d8] (a32)", FIN, FA, 1, {mov edx, [ebx+O]}, LR(O,4)
    TC "mov m32,r32 with fs override", FIN, FA, 1, {mov [fs:P+O], edx}, LW(O,4)
    TC "mov m32,r32 with gs override", FIN, FA, 1, {mov [gs:P+O], edx}, LW(O,4)
%endif

; ------------------------------------------------------------------ MOVZX/MOVSX
    TC "movzx r32,m8 (0f b6)",  FIN, FA, 1, {movzx edx, byte [P+O]}, LR(O,1)
    TC "movzx r16,m8 (0f b6)",  FIN, FA, 1, {movzx dx, byte [P+O]},  LR(O,1)
    TC "movzx r32,m16 (0f b7)", FIN, FA, 1, {movzx edx, word [P+O+2]}, LR(O+2,2)
    TC "movsx r32,m8 (0f be)",  FIN, FA, 1, {movsx edx, byte [P+O]}, LR(O,1)
    TC "movsx r16,m8 (0f be)",  FIN, FA, 1, {movsx dx, byte [P+O+4]},  LR(O+4,1)
    TC "movsx r32,m16 (0f bf)", FIN, FA, 1, {movsx edx, word [P+O+2]}, LR(O+2,2)
    TC "movsx r32,m16 positive (0f bf)", FIN, FA, 1, {movsx edx, word [P+O]}, LR(O,2)
%if MODE == 64
    TC "movzx r64,m16 (rex.w 0f b7)", FIN, FA, 1, {movzx r9, word [P+O]}, LR(O,2)
    TC "movsx r64,m8 (rex.w 0f be)",  FIN, FA, 1, {movsx rdx, byte [P+O]}, LR(O,1)
    TC "movsx r64,m16 (rex.w 0f bf)", FIN, FA, 1, {movsx rdx, word [P+O+2]}, LR(O+2,2)
    TC "movsxd r64,m32 (63)",         FIN, FA, 1, {movsxd rdx, dword [P+O]}, LR(O,4)
    TC "movsxd r64,m32 positive (63)", FIN, FA, 1, {movsxd r14, dword [P+O+8]}, LR(O+8,4)
%endif

; ------------------------------------------------------------------ ALU
    ALU add, FA, 1
    ALU or,  FLG, 1
    ALU adc, FA, 1
    ALU sbb, FA, 1
    ALU and, FLG, 1
    ALU sub, FA, 1
    ALU xor, FLG, 1
    ALU cmp, FA, 0

; ------------------------------------------------------------------ TEST/NOT/NEG/INC/DEC
    TC "test m8,r8 (84)",     FIN, FLG, 1, {test [P+O], dl},   LR(O,1)
    TC "test m32,r32 (85)",   FIN, FLG, 1, {test [P+O], edx},  LR(O,4)
    TC "test m16,r16 (85)",   FINZ, FLG, 1, {test [P+O+6], dx},  LR(O+6,2)
    TC "test m8,imm8 (f6 /0)", FIN, FLG, 1, {test byte [P+O], 0x81}, LR(O,1)
    TC "test m32,imm32 (f7 /0)", FIN, FLG, 1, {test dword [P+O], 0x80000001}, LR(O,4)
    TC "not m8 (f6 /2)",      FIN, FA, 1, {not byte [P+O]},    LR(O,1), LW(O,1)
    TC "not m32 (f7 /2)",     FINZ, FA, 1, {not dword [P+O]},  LR(O,4), LW(O,4)
    TC "not m16 (f7 /2)",     FIN, FA, 1, {not word [P+O]},    LR(O,2), LW(O,2)
    TC "neg m8 (f6 /3)",      FIN, FA, 1, {neg byte [P+O]},    LR(O,1), LW(O,1)
    TC "neg m32 (f7 /3)",     FINZ, FA, 1, {neg dword [P+O]},  LR(O,4), LW(O,4)
    TC "neg m16 (f7 /3)",     FIN, FA, 1, {neg word [P+O+2]},  LR(O+2,2), LW(O+2,2)
    TC "inc m8 (fe /0)",      FIN, FA, 1, {inc byte [P+O]},    LR(O,1), LW(O,1)
    TC "dec m8 (fe /1)",      FINZ, FA, 1, {dec byte [P+O+1]}, LR(O+1,1), LW(O+1,1)
    TC "inc m32 (ff /0)",     FINZ, FA, 1, {inc dword [P+O]},  LR(O,4), LW(O,4)
    TC "dec m16 (ff /1)",     FIN, FA, 1, {dec word [P+O]},    LR(O,2), LW(O,2)
    TC "inc m8 0x7f->0x80 (of)", FIN, FA, 1, {inc byte [P+0x30]}, LR(0x30,1), LW(0x30,1)
%if MODE == 64
    TC "test m64,r64 (rex.w 85)", FIN, FLG, 1, {test [P+O], rdx}, LR(O,8)
    TC "not m64",             FIN, FA, 1, {not qword [P+O]},   LR(O,8), LW(O,8)
    TC "neg m64",             FIN, FA, 1, {neg qword [P+O]},   LR(O,8), LW(O,8)
    TC "inc m64",             FIN, FA, 1, {inc qword [P+O]},   LR(O,8), LW(O,8)
    TC "dec m64",             FINZ, FA, 1, {dec qword [P+O+8]}, LR(O+8,8), LW(O+8,8)
%endif

; ------------------------------------------------------------------ XCHG/CMPXCHG
    TC "xchg m8,r8 (86)",     FIN, FA, 1, {xchg [P+O], dl},    LR(O,1), LW(O,1)
    TC "xchg m32,r32 (87)",   FIN, FA, 1, {xchg [P+O], edx},   LR(O,4), LW(O,4)
    TC "xchg r16,m16 (87)",   FIN, FA, 1, {xchg dx, [P+O+2]},  LR(O+2,2), LW(O+2,2)
    TC "lock xchg m32,r32",   FIN, FA, 1, {lock xchg [P+O], ecx}, LR(O,4), LW(O,4)
    TC "cmpxchg m8,r8 equal (0f b0)", FIN, FA, 2, {mov al, 0x87}, {cmpxchg [P+O], cl}, LR(O,1), LW(O,1)
    TC "cmpxchg m8,r8 unequal (0f b0)", FIN, FA, 1, {cmpxchg [P+O], cl}, LR(O,1), LW(O,1)
    TC "cmpxchg m32,r32 equal (0f b1)", FIN, FA, 2, {mov eax, 0xa1436587}, {cmpxchg [P+O], ecx}, LR(O,4), LW(O,4)
    TC "cmpxchg m32,r32 unequal (0f b1)", FIN, FA, 1, {cmpxchg [P+O], ecx}, LR(O,4), LW(O,4)
    TC "cmpxchg m16,r16 equal (0f b1)", FIN, FA, 2, {mov ax, 0x6587}, {cmpxchg [P+O], cx}, LR(O,2), LW(O,2)
    TC "lock cmpxchg m32,r32 equal", FIN, FA, 2, {mov eax, 0xa1436587}, {lock cmpxchg [P+O], edx}, LR(O,4), LW(O,4)
%if MODE == 64
    TC "xchg m64,r64 (rex.w 87)", FIN, FA, 1, {xchg [P+O], r8}, LR(O,8), LW(O,8)
    TC "cmpxchg m64,r64 equal", FIN, FA, 2, {mov rax, [t_pattern+O]}, {cmpxchg [P+O], rcx}, LR(O,8), LW(O,8)
    TC "cmpxchg m64,r64 unequal", FIN, FA, 1, {cmpxchg [P+O], rcx}, LR(O,8), LW(O,8)
%endif

; ------------------------------------------------------------------ XADD/CMOVcc
    TC "xadd m8,r8 (0f c0)",  FIN, FA, 1, {xadd [P+O], dl},    LR(O,1), LW(O,1)
    TC "xadd m16,r16 (0f c1)", FINZ, FA, 1, {xadd [P+O+2], dx}, LR(O+2,2), LW(O+2,2)
    TC "xadd m32,r32 (0f c1)", FIN, FA, 1, {xadd [P+O], edx},  LR(O,4), LW(O,4)
    TC "lock xadd m32,r32",   FIN, FA, 1, {lock xadd [P+O], ecx}, LR(O,4), LW(O,4)
    TC "cmovz r32,m32 taken (0f 44)", FINZ, FA, 1, {cmovz edx, [P+O]}, LR(O,4)
    TC "cmovz r32,m32 not taken (0f 44)", FIN, FA, 1, {cmovz edx, [P+O]}, LR(O,4)
    TC "cmovl r16,m16 (0f 4c)", FIN, FA, 1, {cmovl dx, [P+O+2]}, LR(O+2,2)
    TC "cmovbe r32,m32 (0f 46)", FIN, FA, 1, {cmovbe ecx, [P+O]}, LR(O,4)
%if MODE == 64
    TC "xadd m64,r64 (rex.w 0f c1)", FIN, FA, 1, {xadd [P+O], r9}, LR(O,8), LW(O,8)
    TC "cmovnz r32,m32 not taken (zero-extends)", FINZ, FA, 2, {mov rdx, -1}, {cmovnz edx, [P+O]}, LR(O,4)
    TC "cmovp r64,m64 (rex.w 0f 4a)", FINZ, FA, 1, {cmovp r10, [P+O+8]}, LR(O+8,8)
%endif

; ------------------------------------------------------------------ the stack on MMIO
%if MODE == 64
    ; rsp points into the area for the middle instructions; rdi keeps the
    ; real stack (the same in both runs), rsi the area's rsp (relative)
    TC "push imm8 (6a) on an MMIO stack", FIN, FA|N_SI_P, 5, {mov rdi, rsp}, {lea rsp, [P+O+16]}, {push strict byte -7}, {mov rsi, rsp}, {mov rsp, rdi}, LW(O+8,8)
    TC "pop r64 (5a) from an MMIO stack", FIN, FA|N_SI_P, 5, {mov rdi, rsp}, {lea rsp, [P+O+8]}, {pop rdx}, {mov rsi, rsp}, {mov rsp, rdi}, LR(O+8,8)
    TC "push imm32, push r64 (68, 41 51) on an MMIO stack", FIN, FA|N_SI_P, 6, {mov rdi, rsp}, {lea rsp, [P+O+24]}, {push strict dword 0x12345678}, {push r9}, {mov rsi, rsp}, {mov rsp, rdi}, LW(O+16,8), LW(O+8,8)
    TC "leave (c9) from an MMIO frame", FIN, FA|N_SI_P, 5, {mov rdi, rsp}, {lea rbp, [P+O]}, {leave}, {mov rsi, rsp}, {mov rsp, rdi}, LR(O,8)
    TC "enter 16,0 (c8) on an MMIO stack", FIN, FA|N_SI_P, 7, {mov rdi, rsp}, {mov rdx, rbp}, {lea rsp, [P+O+16]}, {enter 16, 0}, {mov rsi, rbp}, {mov rbp, rdx}, {mov rsp, rdi}, LW(O+8,8)
    TC "mov m16,ss (8c)", FIN, FA, 1, {mov [P+O], ss}, LW(O,2)
    TC "mov m16,fs (rex.w 8c: 16 bits)", FIN, FA, 1, {mov [P+O+4], fs}, LW(O+4,2)
%endif

; ------------------------------------------------------------------ BT*
    TC "bt m32,r32 bit 100 (0f a3)", FIN, FBT, 2, {mov ecx, 100}, {bt [P+O], ecx}, LR(O+12,4)
    TC "bts m32,r32 bit -20 (0f ab)", FIN, FBT, 2, {mov ecx, -20}, {bts [P+O], ecx}, LR(O-4,4), LW(O-4,4)
    TC "btr m16,r16 bit 35 (0f b3)", FIN, FBT, 2, {mov cx, 35}, {btr [P+O], cx}, LR(O+4,2), LW(O+4,2)
    TC "btc m32,r32 bit 7 (0f bb)", FIN, FBT, 2, {mov ecx, 7}, {btc [P+O], ecx}, LR(O,4), LW(O,4)
    TC "bt m32,imm8 33 (0f ba /4)", FIN, FBT, 1, {bt dword [P+O], 33}, LR(O,4)
    TC "bts m16,imm8 15 (0f ba /5)", FIN, FBT, 1, {bts word [P+O], 15}, LR(O,2), LW(O,2)
    TC "btr m32,imm8 7 (0f ba /6)", FIN, FBT, 1, {btr dword [P+O], 7}, LR(O,4), LW(O,4)
    TC "btc m32,imm8 31 (0f ba /7)", FIN, FBT, 1, {btc dword [P+O], 31}, LR(O,4), LW(O,4)
    TC "lock bts m32,imm8 3", FIN, FBT, 1, {lock bts dword [P+O], 3}, LR(O,4), LW(O,4)
%if MODE == 64
    TC "btc m64,r64 bit -70 (rex.w 0f bb)", FIN, FBT, 2, {mov rcx, -70}, {btc [P+O], rcx}, LR(O-16,8), LW(O-16,8)
    TC "bt m64,imm8 63 (rex.w 0f ba /4)", FIN, FBT, 1, {bt qword [P+O], 63}, LR(O,8)
%endif

; ------------------------------------------------------------------ PUSH/POP m
%if MODE == 64
    TC "push m64 (ff /6)",  FIN, FA, 2, {push qword [P+O]}, {pop rdx}, LR(O,8)
    TC "push m16 (66 ff /6)", FIN, FA, 2, {push word [P+O]}, {pop dx}, LR(O,2)
    TC "pop m64 (8f /0)",   FIN, FA, 2, {push rcx}, {pop qword [P+O]}, LW(O,8)
    TC "pop m16 (66 8f /0)", FIN, FA, 2, {push cx}, {pop word [P+O+2]}, LW(O+2,2)
    TC "push m64 then pop m64 (mmio to mmio)", FIN, FA, 2, {push qword [P+O]}, {pop qword [P+O+8]}, LR(O,8), LW(O+8,8)
%else
    TC "push m32 (ff /6)",  FIN, FA, 2, {push dword [P+O]}, {pop edx}, LR(O,4)
    TC "push m16 (ff /6)",  FIN, FA, 2, {push word [P+O]}, {pop dx}, LR(O,2)
    TC "pop m32 (8f /0)",   FIN, FA, 2, {push ecx}, {pop dword [P+O]}, LW(O,4)
    TC "pop m16 (8f /0)",   FIN, FA, 2, {push cx}, {pop word [P+O+2]}, LW(O+2,2)
    TC "push m32 then pop m32 (mmio to mmio)", FIN, FA, 2, {push dword [P+O]}, {pop dword [P+O+8]}, LR(O,4), LW(O+8,4)
%endif

; ------------------------------------------------------------------ MOVNTI
    TC "movnti m32,r32 (0f c3)", FIN, FA, 1, {movnti [P+O], edx}, LW(O,4)
%if MODE == 64
    TC "movnti m64,r64 (rex.w 0f c3)", FIN, FA, 1, {movnti [P+O], r15}, LW(O,8)
%endif

; ------------------------------------------------------------------ strings
%if MODE == 16
  %define A32 a32
%else
  %define A32
%endif
    TC "stosb DF=0", FIN, FA | N_DI_P, 2, {lea rDI, [P+O]}, {A32 stosb}, LW(O,1)
    TC "stosb DF=1", FIND, FA | N_DI_P, 2, {lea rDI, [P+O]}, {A32 stosb}, LW(O,1)
    TC "rep stosd x4 DF=0", FIN, FA | N_DI_P, 3, {lea rDI, [P+O]}, {mov ecx, 4}, {A32 rep stosd}, LW(O,4), LW(O+4,4), LW(O+8,4), LW(O+12,4)
    TC "rep stosw x3 DF=1", FIND, FA | N_DI_P, 3, {lea rDI, [P+O]}, {mov ecx, 3}, {A32 rep stosw}, LW(O,2), LW(O-2,2), LW(O-4,2)
    TC "rep stosb count 0", FIN, FA | N_DI_P, 3, {lea rDI, [P+O]}, {mov ecx, 0}, {A32 rep stosb}
    TC "lodsb DF=0", FIN, FA | N_SI_P, 2, {lea rSI, [P+O]}, {A32 lodsb}, LR(O,1)
    TC "lodsd DF=1", FIND, FA | N_SI_P, 2, {lea rSI, [P+O]}, {A32 lodsd}, LR(O,4)
    TC "rep lodsw x3 DF=0", FIN, FA | N_SI_P, 3, {lea rSI, [P+O]}, {mov ecx, 3}, {A32 rep lodsw}, LR(O,2), LR(O+2,2), LR(O+4,2)
    TC "rep lodsb x3 DF=1", FIND, FA | N_SI_P, 3, {lea rSI, [P+O]}, {mov ecx, 3}, {A32 rep lodsb}, LR(O,1), LR(O-1,1), LR(O-2,1)
    TC "movsb mmio to ram DF=0", FIN, FA | N_SI_P | N_DI_SCR, 3, {lea rSI, [P+O]}, {mov edi, SCR(8)}, {A32 movsb}, LR(O,1)
    TC "rep movsb x5 mmio to ram DF=0", FIN, FA | N_SI_P | N_DI_SCR, 4, {lea rSI, [P+O]}, {mov edi, SCR(8)}, {mov ecx, 5}, {A32 rep movsb}, LR(O,1), LR(O+1,1), LR(O+2,1), LR(O+3,1), LR(O+4,1)
    TC "rep movsd x3 mmio to ram DF=1", FIND, FA | N_SI_P | N_DI_SCR, 4, {lea rSI, [P+O]}, {mov edi, SCR(32)}, {mov ecx, 3}, {A32 rep movsd}, LR(O,4), LR(O-4,4), LR(O-8,4)
    TC "rep movsw x4 ram to mmio DF=0", FIN, FA | N_SI_SCR | N_DI_P, 4, {mov esi, SCR(4)}, {lea rDI, [P+O]}, {mov ecx, 4}, {A32 rep movsw}, LW(O,2), LW(O+2,2), LW(O+4,2), LW(O+6,2)
    TC "movsd ram to mmio DF=1", FIND, FA | N_SI_SCR | N_DI_P, 3, {mov esi, SCR(4)}, {lea rDI, [P+O]}, {A32 movsd}, LW(O,4)
    TC "movsd mmio to mmio", FIN, FA | N_SI_P | N_DI_P, 3, {lea rSI, [P+O]}, {lea rDI, [P+O+16]}, {A32 movsd}, LR(O,4), LW(O+16,4)
%if MODE == 64
    TC "rep stosq x2 DF=0", FIN, FA | N_DI_P, 3, {lea rdi, [P+O]}, {mov ecx, 2}, {rep stosq}, LW(O,8), LW(O+8,8)
    TC "lodsq DF=1", FIND, FA | N_SI_P, 2, {lea rsi, [P+O]}, {lodsq}, LR(O,8)
    TC "rep movsq x2 mmio to ram", FIN, FA | N_SI_P | N_DI_SCR, 4, {lea rsi, [P+O]}, {mov edi, SCR(16)}, {mov ecx, 2}, {rep movsq}, LR(O,8), LR(O+8,8)
    TC "rep stosb x3 a32 (edi/ecx)", FIN, FA | N_DI_P, 3, {lea edi, [ebx+O]}, {mov ecx, 3}, {a32 rep stosb}, LW(O,1), LW(O+1,1), LW(O+2,1)
%endif
%if MODE == 16
    TC "fs: lodsw (si, 16-bit addressing)", FIN, FA, 2, {mov si, O}, {SG lodsw}, LR(O,2)
    TC "rep fs: movsb x3 (si/di/cx)", FIN, FA | N_DI_SCR, 4, {mov si, O}, {mov di, SCR(0)}, {mov cx, 3}, {rep SG movsb}, LR(O,1), LR(O+1,1), LR(O+2,1)
%endif

; ------------------------------------------------------------------ SSE
    TC "movd xmm,m32 (66 0f 6e)",   FIN, FA, 1, {movd xmm1, [P+O]}, LR(O,4)
    TC "movd m32,xmm (66 0f 7e)",   FIN, FA, 1, {movd [P+O], xmm2}, LW(O,4)
    TC "movq xmm,m64 (f3 0f 7e)",   FIN, FA, 1, {movq xmm1, [P+O]}, LR(O,8)
    TC "movq m64,xmm (66 0f d6)",   FIN, FA, 1, {movq [P+O], xmm2}, LW(O,8)
    TC "movaps xmm,m128 (0f 28)",   FIN, FA, 1, {movaps xmm1, [P+O]}, LR(O,8), LR(O+8,8)
    TC "movaps m128,xmm (0f 29)",   FIN, FA, 1, {movaps [P+O], xmm2}, LW(O,8), LW(O+8,8)
    TC "movups xmm,m128 unaligned (0f 10)", FIN, FA, 1, {movups xmm3, [P+O+1]}, LR(O+1,8), LR(O+9,8)
    TC "movups m128,xmm unaligned (0f 11)", FIN, FA, 1, {movups [P+O+3], xmm0}, LW(O+3,8), LW(O+11,8)
    TC "movdqa xmm,m128 (66 0f 6f)", FIN, FA, 1, {movdqa xmm0, [P+O]}, LR(O,8), LR(O+8,8)
    TC "movdqa m128,xmm (66 0f 7f)", FIN, FA, 1, {movdqa [P+O], xmm3}, LW(O,8), LW(O+8,8)
    TC "movdqu xmm,m128 (f3 0f 6f)", FIN, FA, 1, {movdqu xmm2, [P+O+5]}, LR(O+5,8), LR(O+13,8)
    TC "movdqu m128,xmm (f3 0f 7f)", FIN, FA, 1, {movdqu [P+O-2], xmm1}, LW(O-2,8), LW(O+6,8)
%if MODE == 64
    TC "movdqu xmm9,m128 (rex.r)", FIN, FA, 2, {movdqu xmm9, [P+O]}, {movdqa xmm1, xmm9}, LR(O,8), LR(O+8,8)
%endif

; ------------------------------------------------------------------ page straddle
; The instruction's bytes cross from one RAM page to the next; its operand
; is on the device.
%assign STRADDLE 1
    TC "straddle 1+: mov m32,imm32", FIN, FA, 1, {mov dword [P+O], 0x11223344}, LW(O,4)
%assign STRADDLE 3
    TC "straddle 3+: mov m32,imm32", FIN, FA, 1, {mov dword [P+O], 0x55667788}, LW(O,4)
%assign STRADDLE 2
    TC "straddle 2+: add m32,r32", FIN, FA, 1, {add [P+O], edx}, LR(O,4), LW(O,4)
%if MODE != 16
%assign STRADDLE 6
    TC "straddle 6+: mov m32,imm32", FIN, FA, 1, {mov dword [P+O], 0x99aabbcc}, LW(O,4)
%assign STRADDLE 4
    TC "straddle 4+: movdqu xmm,m128", FIN, FA, 1, {movdqu xmm1, [P+O]}, LR(O,8), LR(O+8,8)
%endif

    jmp rt_exit

%include "decode_rt.inc"
%include "rt.inc"
%include "idt.inc"

%if MODE == 16
  %if ($ - $$) > 0xe000
    %error "decode16 text too big for one 64 KiB real-mode segment"
  %endif
%endif
