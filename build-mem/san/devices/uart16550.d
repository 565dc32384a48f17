build-mem/san/devices/uart16550.o: devices/uart16550.c \
 devices/uart16550.h devices/dev_console.h hv/lib/base.h memory/memory.h \
 hv/lib/platform.h
devices/uart16550.h:
devices/dev_console.h:
hv/lib/base.h:
memory/memory.h:
hv/lib/platform.h:
