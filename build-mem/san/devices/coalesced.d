build-mem/san/devices/coalesced.o: devices/coalesced.c \
 devices/coalesced.h memory/memory.h hv/lib/base.h hv/lib/platform.h
devices/coalesced.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
