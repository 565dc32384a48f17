build-mem/san/tests/test_memory_model: tests/unit/test_memory_model.c \
 tests/unit/test.h tests/unit/mem_model.h memory/memory.h hv/lib/base.h \
 hv/lib/host/platform_host.h hv/lib/platform.h
tests/unit/test.h:
tests/unit/mem_model.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/host/platform_host.h:
hv/lib/platform.h:
