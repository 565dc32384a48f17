build-mem/san/hv/x86/paging.o: hv/x86/paging.c hv/x86/emu_internal.h \
 hv/x86/emulate.h hv/lib/base.h hv/x86/arch.h hv/x86/decode.h \
 hv/lib/platform.h
hv/x86/emu_internal.h:
hv/x86/emulate.h:
hv/lib/base.h:
hv/x86/arch.h:
hv/x86/decode.h:
hv/lib/platform.h:
