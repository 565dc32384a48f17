; haltloop.asm: HLT with interrupts on, in a loop, on a machine that has
; no interrupt source: every HLT exits and returns, forever.  Only the
; time budget ends the run.  Assembled as haltloop64 only.
%define GUEST_NAME "haltloop64"
%include "hv.inc"
    call rt_init
    PASSMSG "halting with interrupts on: only the time budget ends this run"
    sti
.again:
    hlt
    jmp .again
%include "rt.inc"
