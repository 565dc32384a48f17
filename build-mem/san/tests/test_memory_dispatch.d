build-mem/san/tests/test_memory_dispatch: \
 tests/unit/test_memory_dispatch.c tests/unit/mem_helpers.h \
 memory/memory.h hv/lib/base.h hv/lib/host/platform_host.h \
 hv/lib/platform.h tests/unit/test.h
tests/unit/mem_helpers.h:
memory/memory.h:
hv/lib/base.h:
hv/lib/host/platform_host.h:
hv/lib/platform.h:
tests/unit/test.h:
