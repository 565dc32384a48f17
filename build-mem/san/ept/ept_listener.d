build-mem/san/ept/ept_listener.o: ept/ept_listener.c ept/ept_listener.h \
 ept/ept.h hv/lib/base.h ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h \
 memory/memory.h
ept/ept_listener.h:
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
memory/memory.h:
