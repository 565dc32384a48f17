/*
 * An outside program: includes memory/memory.h from the repository root
 * and links build/host/libhvcore.a, taking the library's host platform.
 * Prints the flat view of a tiny machine; tests/e2e/host_lib.sh checks it.
 */
#include <stdio.h>

#include "memory/memory.h"

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    puts(line);
}

int main(void)
{
    MemoryRegion sys, ram, rom;
    AddressSpace as;

    memory_region_init(&sys, "system", MR_SIZE_2_64);
    memory_region_init_ram(&ram, "ram", 0x100000);
    memory_region_init_rom(&rom, "rom", 0x10000);
    memory_region_add_subregion(&sys, 0, &ram);
    memory_region_add_subregion_overlap(&sys, 0xf0000, &rom, 1);
    address_space_init(&as, &sys, "memory");
    memory_flatview_print(&as, print_line, NULL);
    address_space_destroy(&as);
    return 0;
}
