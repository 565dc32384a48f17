/*
 * fw_cfg: the firmware configuration interface of QEMU-style machines (the
 * traditional I/O-port interface, no DMA), as kvm-unit-tests and firmware
 * read it.
 *
 *   io 0x510 (16-bit write)  selector: chooses an item, resets its offset
 *   io 0x511 (8-bit read)    data: the next byte of the selected item; 0
 *                            past its end or for a key that does not exist
 *
 * Items present after init (multi-byte values little-endian):
 *   0x0000 SIGNATURE "QEMU"      0x0001 ID u32 = 1 (traditional interface)
 *   0x0003 RAM_SIZE u64 bytes    0x0005 NB_CPUS u16     0x000f MAX_CPUS u16
 *   0x0019 FILE_DIR: u32 count (big-endian), then per file u32 size (BE),
 *          u16 select key (BE), u16 reserved, char name[56]
 * More with fw_cfg_add_bytes (any key) or fw_cfg_add_file (named; keys from
 * 0x0020 up, listed in FILE_DIR).  Items are copied.
 */
#ifndef DEVICES_FW_CFG_H
#define DEVICES_FW_CFG_H

#include "memory/memory.h"

#define FW_CFG_PORT 0x510 /* region of 2 ports: selector, data */

enum {
    FW_CFG_SIGNATURE = 0x0000, FW_CFG_ID = 0x0001, FW_CFG_RAM_SIZE = 0x0003,
    FW_CFG_NB_CPUS = 0x0005, FW_CFG_MAX_CPUS = 0x000f, FW_CFG_FILE_DIR = 0x0019,
    FW_CFG_FILE_FIRST = 0x0020,
};
#define FW_CFG_MAX_FILE_NAME 56

typedef struct FwCfgItem {
    uint16_t key;
    uint32_t len;
    uint8_t *data;
    char name[FW_CFG_MAX_FILE_NAME]; /* "" unless a file */
} FwCfgItem;

typedef struct FwCfg {
    MemoryRegion mr;
    FwCfgItem *items;
    unsigned nr, cap;
    uint16_t selector, next_file_key;
    uint32_t offset;
} FwCfg;

int fw_cfg_init(FwCfg *f, const char *name, uint16_t nb_cpus, uint16_t max_cpus,
                uint64_t ram_size);
int fw_cfg_destroy(FwCfg *f); /* MR_EBUSY while mapped */

/* Adds or replaces the item at key.  MR_ENOMEM, MR_EINVAL. */
int fw_cfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len);
int fw_cfg_add_u16(FwCfg *f, uint16_t key, uint16_t v);
int fw_cfg_add_u32(FwCfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_u64(FwCfg *f, uint16_t key, uint64_t v);
/* A named file; returns its key (>= FW_CFG_FILE_FIRST) or an MR_E* code.
 * The name must be shorter than FW_CFG_MAX_FILE_NAME and new. */
int fw_cfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len);

#endif
