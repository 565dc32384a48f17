build-mem/san/ept/ept_check.o: ept/ept_check.c ept/ept_internal.h \
 ept/ept.h hv/lib/base.h ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h \
 ept/ept_listener.h memory/memory.h hv/lib/fmt.h
ept/ept_internal.h:
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
ept/ept_listener.h:
memory/memory.h:
hv/lib/fmt.h:
