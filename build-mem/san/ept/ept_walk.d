build-mem/san/ept/ept_walk.o: ept/ept_walk.c ept/ept_internal.h ept/ept.h \
 hv/lib/base.h ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h \
 hv/lib/fmt.h
ept/ept_internal.h:
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
hv/lib/fmt.h:
