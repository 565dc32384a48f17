build-mem/san/memory/listener.o: memory/listener.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
