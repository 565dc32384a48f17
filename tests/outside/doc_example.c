/*
 * The worked example of docs/memory.md, as a program.  tests/e2e/host_lib.sh
 * checks that its output is what the document shows.
 */
#include <stdio.h>

#include "memory/memory.h"

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    puts(line);
}

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque; (void)size;
    return addr == 5 ? 0x60 : 0; /* LSR: transmitter empty */
}

static void uart_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    (void)opaque; (void)size;
    if (addr == 0)
        putchar((int)data);
}

static const MemoryRegionOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
};

int main(void)
{
    MemoryRegion system, ram, bios, isa_bios, uart;
    AddressSpace memory;
    uint8_t lsr;

    memory_region_init(&system, "system", MR_SIZE_2_64);
    memory_region_init_ram(&ram, "ram", 0x8000000);            /* 128 MiB */
    memory_region_init_rom(&bios, "bios", 0x20000);            /* 128 KiB */
    memory_region_init_alias(&isa_bios, "isa-bios", &bios, 0, 0x20000);
    memory_region_init_io(&uart, &uart_ops, NULL, "uart", 0x1000);

    memory_region_transaction_begin();
    memory_region_add_subregion(&system, 0, &ram);
    memory_region_add_subregion(&system, 0xfffe0000, &bios);
    memory_region_add_subregion_overlap(&system, 0xe0000, &isa_bios, 1);
    memory_region_add_subregion_overlap(&system, 0x3000, &uart, 2);
    memory_region_transaction_commit();
    address_space_init(&memory, &system, "memory");

    memory_mtree_print(&memory, print_line, NULL);
    memory_flatview_print(&memory, print_line, NULL);

    for (const char *p = "hi\n"; *p; p++)               /* THR, a byte at a time */
        address_space_write(&memory, 0x3000, p, 1);
    address_space_read(&memory, 0x3005, &lsr, 1);
    printf("LSR = %#x\n", lsr);
    uint32_t word = 0;                                    /* valid: 1 byte only */
    printf("4-byte write: %s\n",
           address_space_write(&memory, 0x3000, &word, 4) == MEMTX_ERROR ? "refused" : "done");

    memory_region_del_subregion(&system, &uart);        /* RAM shows through */
    memory_flatview_print(&memory, print_line, NULL);
    address_space_destroy(&memory);
    return 0;
}
