build-mem/san/memory/address_space.o: memory/address_space.c \
 memory/internal.h memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
