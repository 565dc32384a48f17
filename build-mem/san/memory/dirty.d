build-mem/san/memory/dirty.o: memory/dirty.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
