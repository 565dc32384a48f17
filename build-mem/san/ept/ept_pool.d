build-mem/san/ept/ept_pool.o: ept/ept_pool.c ept/ept_pool.h hv/lib/base.h \
 hv/lib/platform.h
ept/ept_pool.h:
hv/lib/base.h:
hv/lib/platform.h:
