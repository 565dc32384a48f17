build-mem/san/memory/hierarchy.o: memory/hierarchy.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
