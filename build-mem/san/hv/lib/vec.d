build-mem/san/hv/lib/vec.o: hv/lib/vec.c hv/lib/vec.h hv/lib/base.h \
 hv/lib/platform.h
hv/lib/vec.h:
hv/lib/base.h:
hv/lib/platform.h:
