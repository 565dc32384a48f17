; spin.asm: a guest that never exits again (`jmp $`).  It must end by its
; time budget (hv.cfg timeout=, docs/guest-abi.md "Time budget"), with a
; timeout verdict, and hv must go on to the next guest.  Assembled as
; spin64 only.
%define GUEST_NAME "spin64"
%include "hv.inc"
    call rt_init
    PASSMSG "spinning: only the time budget ends this run"
    jmp $
%include "rt.inc"
