build-mem/san/memory/region.o: memory/region.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h hv/lib/fmt.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
hv/lib/fmt.h:
