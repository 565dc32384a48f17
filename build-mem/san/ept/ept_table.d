build-mem/san/ept/ept_table.o: ept/ept_table.c ept/ept_internal.h \
 ept/ept.h hv/lib/base.h ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h
ept/ept_internal.h:
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
