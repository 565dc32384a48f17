build-mem/san/devices/dev_console.o: devices/dev_console.c \
 devices/dev_console.h hv/lib/base.h hv/lib/platform.h
devices/dev_console.h:
hv/lib/base.h:
hv/lib/platform.h:
