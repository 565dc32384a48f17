build-mem/san/hv/lib/fmt.o: hv/lib/fmt.c hv/lib/fmt.h hv/lib/base.h
hv/lib/fmt.h:
hv/lib/base.h:
