build-mem/san/memory/mtree.o: memory/mtree.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h hv/lib/fmt.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
hv/lib/fmt.h:
