build-mem/san/hv/x86/decode.o: hv/x86/decode.c hv/x86/decode.h \
 hv/lib/base.h
hv/x86/decode.h:
hv/lib/base.h:
