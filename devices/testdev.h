/*
 * The test device: a 4 KiB MMIO block for guests and host tests to probe
 * the memory API's dispatch rules.  docs/devices.md has the register map;
 * it is part of the guest ABI, so the numbers below must not change.
 *
 *   0x000 control: ID, version, scratch registers of 1/2/4/8 bytes, the
 *         access log (count, select, entry info/value, clear)
 *   0x100 window "any":    any size 1..8, unaligned allowed
 *   0x200 window "only4":  only aligned 4-byte accesses valid
 *   0x300 window "impl1":  any size valid, callbacks take 1 byte (split)
 *   0x400 window "be":     big-endian device
 *   0x500 window "coal":   any size, registered as coalesced MMIO
 *
 * Each window is 256 bytes of device-side storage.  Every access the device
 * receives (after the memory API's checks, splits and byte swaps) is
 * appended to the access log, except accesses to the log registers.
 */
#ifndef DEVICES_TESTDEV_H
#define DEVICES_TESTDEV_H

#include "memory/memory.h"

#define TESTDEV_SIZE 0x1000
#define TESTDEV_WIN_SIZE 0x100
#define TESTDEV_LOG_CAP 256
#define TESTDEV_ID 0x54534554u /* the bytes "TEST" */
#define TESTDEV_VERSION 1u

/* Control registers (offsets in the device, little-endian). */
enum {
    TD_ID = 0x00,           /* r  4  TESTDEV_ID */
    TD_VERSION = 0x04,      /* r  4  TESTDEV_VERSION */
    TD_SCRATCH8 = 0x08,     /* rw 1 */
    TD_SCRATCH16 = 0x0a,    /* rw 2 */
    TD_SCRATCH32 = 0x0c,    /* rw 4 */
    TD_SCRATCH64 = 0x10,    /* rw 8 */
    TD_LOG_COUNT = 0x18,    /* r  4  accesses logged since clear (saturates) */
    TD_LOG_CAPACITY = 0x1c, /* r  4  TESTDEV_LOG_CAP */
    TD_LOG_SELECT = 0x20,   /* rw 4  entry index for INFO/VALUE */
    TD_LOG_INFO = 0x24,     /* r  4  see TD_INFO_* */
    TD_LOG_VALUE = 0x28,    /* r  8  (or 4 at 0x28 / 0x2c) */
    TD_LOG_CLEAR = 0x30,    /* w  4  any value empties the log */
};
#define TD_LOG_REGS_START TD_LOG_COUNT
#define TD_LOG_REGS_END 0x34 /* exclusive: log registers are not logged */

/* LOG_INFO fields. */
#define TD_INFO_OFFSET_MASK 0xfffu   /* bits 11:0: offset in the device */
#define TD_INFO_SIZE_SHIFT 16        /* bits 19:16: 1, 2, 4 or 8 */
#define TD_INFO_WRITE (1u << 24)     /* 1: write, 0: read */
#define TD_INFO_VALID (1u << 31)     /* 0: no entry at that index */

/* Window bases. */
enum {
    TD_WIN_ANY = 0x100,
    TD_WIN_ONLY4 = 0x200,
    TD_WIN_IMPL1 = 0x300,
    TD_WIN_BE = 0x400,
    TD_WIN_COAL = 0x500,
};
#define TESTDEV_NR_WINDOWS 5

typedef struct TestDevLogEntry {
    uint16_t offset;
    uint8_t size;
    bool write;
    uint64_t value; /* as the device saw it (device endianness) */
} TestDevLogEntry;

struct TestDev;

typedef struct TestDevWindow {
    MemoryRegion mr;
    struct TestDev *td;
    hwaddr base;
    uint8_t data[TESTDEV_WIN_SIZE];
} TestDevWindow;

typedef struct TestDev {
    MemoryRegion container; /* map this: TESTDEV_SIZE bytes */
    MemoryRegion ctrl;
    TestDevWindow win[TESTDEV_NR_WINDOWS];

    uint8_t scratch8;
    uint16_t scratch16;
    uint32_t scratch32;
    uint64_t scratch64;

    uint32_t log_select;
    uint64_t log_count;
    TestDevLogEntry log[TESTDEV_LOG_CAP];
} TestDev;

int testdev_init(TestDev *td, const char *name);
/* Refused (MR_EBUSY) while the container is mapped. */
int testdev_destroy(TestDev *td);

/* Host-side view of the log (tests, diagnostics). */
uint64_t testdev_log_count(const TestDev *td);
const TestDevLogEntry *testdev_log_entry(const TestDev *td, uint64_t i);
void testdev_log_clear(TestDev *td);

#endif
