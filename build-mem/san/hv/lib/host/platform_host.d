build-mem/san/hv/lib/host/platform_host.o: hv/lib/host/platform_host.c \
 hv/lib/host/platform_host.h hv/lib/platform.h hv/lib/base.h hv/lib/fmt.h
hv/lib/host/platform_host.h:
hv/lib/platform.h:
hv/lib/base.h:
hv/lib/fmt.h:
