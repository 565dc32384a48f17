build-mem/san/hv/x86/xmm.o: hv/x86/xmm.c hv/x86/emulate.h hv/lib/base.h \
 hv/x86/arch.h hv/x86/decode.h
hv/x86/emulate.h:
hv/lib/base.h:
hv/x86/arch.h:
hv/x86/decode.h:
