build-mem/san/memory/render.o: memory/render.c memory/internal.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h hv/lib/vec.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
hv/lib/vec.h:
