build-mem/san/ept/ept_view.o: ept/ept_view.c ept/ept_listener.h ept/ept.h \
 hv/lib/base.h ept/ept_entry.h ept/ept_pool.h hv/lib/platform.h \
 memory/memory.h hv/lib/vec.h
ept/ept_listener.h:
ept/ept.h:
hv/lib/base.h:
ept/ept_entry.h:
ept/ept_pool.h:
hv/lib/platform.h:
memory/memory.h:
hv/lib/vec.h:
