build-mem/san/devices/framebuffer.o: devices/framebuffer.c \
 devices/framebuffer.h devices/dev_console.h hv/lib/base.h \
 memory/memory.h hv/lib/fmt.h hv/lib/platform.h
devices/framebuffer.h:
devices/dev_console.h:
hv/lib/base.h:
memory/memory.h:
hv/lib/fmt.h:
hv/lib/platform.h:
