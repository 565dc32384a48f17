build-mem/san/hv/lib/pool.o: hv/lib/pool.c hv/lib/pool.h hv/lib/base.h \
 hv/lib/platform.h
hv/lib/pool.h:
hv/lib/base.h:
hv/lib/platform.h:
