build-mem/san/hv/guest/config.o: hv/guest/config.c hv/guest/config.h \
 hv/lib/base.h hv/lib/fmt.h hv/lib/platform.h
hv/guest/config.h:
hv/lib/base.h:
hv/lib/fmt.h:
hv/lib/platform.h:
