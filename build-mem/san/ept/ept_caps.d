build-mem/san/ept/ept_caps.o: ept/ept_caps.c ept/ept.h hv/lib/base.h \
 ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
