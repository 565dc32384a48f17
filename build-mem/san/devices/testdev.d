build-mem/san/devices/testdev.o: devices/testdev.c devices/testdev.h \
 memory/memory.h hv/lib/base.h hv/lib/platform.h
devices/testdev.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
