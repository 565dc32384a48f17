; ud.asm: instructions the MMIO emulator does not support, executed on the
; test device.  The hypervisor injects #UD; the guest's own handler
; (idt.inc) sees it at the faulting instruction, the device is untouched,
; and the run goes on.  Assembled as ud16/ud32/ud64.

%if MODE == 16
  %define GUEST_NAME "ud16"
%elif MODE == 32
  %define GUEST_NAME "ud32"
%else
  %define GUEST_NAME "ud64"
%endif
%include "hv.inc"

; UDTEST "name", instruction: runs it on MMIO expecting #UD at it.
%macro UDTEST 2+
    mov edi, PHYS(TD_BASE)
    mov dword [rDI+TD_SCR32], 0x1234
    mov dword [rDI+TD_LOGCLEAR], 0
    mov dword [exc_vector], 0xff
    EXPECT_EXC %%resume
%%insn:
    %2
%%resume:
    mov edi, PHYS(TD_BASE)
    mov eax, [exc_vector]
    CHECK32 6, "#UD: ", %1, " on MMIO raises #UD in the guest's own handler"
    mov eax, [exc_rip]
    CHECK32 %%insn, "#UD: ", %1, " reported at the instruction's address"
    mov eax, [rDI+TD_LOGCOUNT]
    CHECK32 0, "#UD: ", %1, " made no device access (log empty)"
    mov eax, [rDI+TD_SCR32]
    CHECK32 0x1234, "#UD: ", %1, " left SCRATCH32 unchanged"
%endmacro

    call rt_init
    call idt_init

    UDTEST "sete m8 (0f 94)", sete byte [rDI+TD_SCR32]
    UDTEST "popcnt r32,m32 (f3 0f b8)", popcnt eax, [rDI+TD_SCR32]
    UDTEST "fld m32 (d9 /0)", fld dword [rDI+TD_SCR32]
    UDTEST "cmpxchg8b m64 (0f c7 /1)", cmpxchg8b [rDI+TD_SCR64]

    ; the run goes on: the device still works through the emulator
    mov edi, PHYS(TD_BASE)
    mov eax, [rDI+TD_ID]
    CHECK32 TD_ID_VALUE, "#UD: after four #UDs the test device still answers (ID)"
    add dword [rDI+TD_SCR32], 1
    mov eax, [rDI+TD_SCR32]
    CHECK32 0x1235, "#UD: after four #UDs add m32,imm8 on MMIO still works"
    mov eax, [exc_count]
    CHECK32 4, "#UD: the handler ran exactly four times"
    jmp rt_exit

%include "rt.inc"
%include "idt.inc"
