build-mem/san/memory/flatview.o: memory/flatview.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
