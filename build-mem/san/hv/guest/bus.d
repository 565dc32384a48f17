build-mem/san/hv/guest/bus.o: hv/guest/bus.c hv/guest/bus.h \
 devices/coalesced.h memory/memory.h hv/lib/base.h hv/lib/platform.h
hv/guest/bus.h:
devices/coalesced.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/platform.h:
