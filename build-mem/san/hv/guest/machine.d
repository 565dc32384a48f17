build-mem/san/hv/guest/machine.o: hv/guest/machine.c hv/guest/machine.h \
 devices/debug_exit.h memory/memory.h hv/lib/base.h devices/flash.h \
 devices/framebuffer.h devices/dev_console.h devices/coalesced.h \
 devices/testdev.h devices/uart16550.h hv/guest/bus.h hv/lib/platform.h
hv/guest/machine.h:
devices/debug_exit.h:
memory/memory.h:
hv/lib/base.h:
devices/flash.h:
devices/framebuffer.h:
devices/dev_console.h:
devices/coalesced.h:
devices/testdev.h:
devices/uart16550.h:
hv/guest/bus.h:
hv/lib/platform.h:
