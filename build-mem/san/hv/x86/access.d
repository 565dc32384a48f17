build-mem/san/hv/x86/access.o: hv/x86/access.c hv/x86/emu_internal.h \
 hv/x86/emulate.h hv/lib/base.h hv/x86/arch.h hv/x86/decode.h
hv/x86/emu_internal.h:
hv/x86/emulate.h:
hv/lib/base.h:
hv/x86/arch.h:
hv/x86/decode.h:
