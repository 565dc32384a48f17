build-mem/san/memory/coalesce.o: memory/coalesce.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
