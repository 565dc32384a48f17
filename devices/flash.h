/*
 * NOR flash with the Intel/Sharp command set (CFI primary command set
 * 0x0001), one x8 chip.  The array is a ROM device: in read-array mode the
 * region is in romd mode and reads are served from RAM directly (the EPT
 * maps it read+execute); any write goes to the ops, and a command that
 * changes what reads return (ID, status, CFI query) leaves romd mode until
 * a read-array command (0xFF) switches it back.  Programming and erasing
 * complete at once: the status register always shows ready.
 *
 * Commands (the low byte of a write at any offset):
 *   FF read array   90 read ID   98 CFI query   70 read status
 *   50 clear status   40/10 program: the next write is data, ANDed into
 *   the array (bits only go 1 -> 0)   20 block erase: the next write must
 *   be D0 (confirm) at an address in the block, which becomes all FF;
 *   anything else sets the sequence-error bits (SR5|SR4).
 * Unknown commands are logged and return the chip to read-array mode.
 */
#ifndef DEVICES_FLASH_H
#define DEVICES_FLASH_H

#include "memory/memory.h"

/* Status register bits. */
#define FLASH_SR_READY 0x80     /* SR7: write state machine ready */
#define FLASH_SR_ERASE_ERR 0x20 /* SR5 */
#define FLASH_SR_PROG_ERR 0x10  /* SR4 */

#define FLASH_MANUFACTURER_ID 0x89 /* Intel */
#define FLASH_DEVICE_ID 0x18

enum flash_cmd {
    FLASH_CMD_READ_ARRAY = 0xff,
    FLASH_CMD_READ_ID = 0x90,
    FLASH_CMD_CFI_QUERY = 0x98,
    FLASH_CMD_READ_STATUS = 0x70,
    FLASH_CMD_CLEAR_STATUS = 0x50,
    FLASH_CMD_PROGRAM = 0x40,
    FLASH_CMD_PROGRAM_ALT = 0x10,
    FLASH_CMD_BLOCK_ERASE = 0x20,
    FLASH_CMD_CONFIRM = 0xd0,
};

enum flash_mode {
    FLASH_MODE_ARRAY,
    FLASH_MODE_ID,
    FLASH_MODE_CFI,
    FLASH_MODE_STATUS,
    FLASH_MODE_PROGRAM, /* waiting for the data write */
    FLASH_MODE_ERASE,   /* waiting for the confirm write */
};

typedef struct Flash {
    MemoryRegion mr;
    uint8_t *array;       /* the region's RAM */
    uint64_t size;
    uint32_t block_size;
    enum flash_mode mode;
    uint8_t status;
    uint64_t programs, erases, bad_commands;
} Flash;

/*
 * size: a power of two; block_size: a power of two >= 256 dividing size,
 * at most 65536 blocks.  The array starts erased (all 0xFF).
 */
int flash_init(Flash *f, const char *name, uint64_t size, uint32_t block_size);
/* Refused (MR_EBUSY) while mapped. */
int flash_destroy(Flash *f);
/* Host side: copies an image into the array (e.g. firmware, a payload). */
int flash_load(Flash *f, uint64_t offset, const void *data, size_t len);

#endif
