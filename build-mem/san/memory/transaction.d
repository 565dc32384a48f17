build-mem/san/memory/transaction.o: memory/transaction.c \
 memory/internal.h memory/memory.h hv/lib/base.h hv/lib/platform.h
memory/internal.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
