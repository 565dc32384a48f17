build-mem/san/devices/flash.o: devices/flash.c devices/flash.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
devices/flash.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
