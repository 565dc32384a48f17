build-mem/san/hv/guest/load.o: hv/guest/load.c hv/guest/load.h \
 hv/lib/base.h hv/lib/platform.h
hv/guest/load.h:
hv/lib/base.h:
hv/lib/platform.h:
