build-mem/san/devices/debug_exit.o: devices/debug_exit.c \
 devices/debug_exit.h memory/memory.h hv/lib/base.h hv/lib/platform.h
devices/debug_exit.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
