/*
 * CMOS RTC (MC146818-style) at ports 0x70 (index; bit 7 = NMI mask) and 0x71
 * (data), 128 bytes.  Time runs from guest time: wall = base + elapsed.
 *
 *   0x00 sec  0x01 sec alarm  0x02 min  0x03 min alarm  0x04 hour
 *   0x05 hour alarm  0x06 day of week (1 = Sunday)  0x07 day  0x08 month
 *   0x09 year (2 digits)  0x32 century;  BCD unless B.DM, 12-hour (bit 7 =
 *   PM) unless B.24H.  Alarm bytes >= 0xC0 match anything.
 *   0x0A A: bit 7 UIP (the last 244 us before each second), divider 6:4,
 *        rate 3:0 (periodic frequency 65536 >> rate; rates 1, 2 = 8, 9)
 *   0x0B B: SET 7 (stops the clock for writes), PIE 6, AIE 5, UIE 4, SQWE 3,
 *        DM 2, 24H 1, DSE 0 (not applied)
 *   0x0C C: IRQF 7, PF 6, AF 5, UF 4; reading clears it and lowers IRQ 8
 *   0x0D D: VRT (0x80)
 *   memory size bytes (rtc_set_memory, as PC firmware reads them):
 *   0x15/0x16 base memory in KiB (640); 0x17/0x18 and 0x30/0x31 memory
 *   above 1 MiB in KiB (max 0xFFFF); 0x34/0x35 memory between 16 MiB and
 *   4 GiB in 64 KiB units (max 0xFFFF); 0x5B-0x5D memory above 4 GiB in
 *   64 KiB units (24 bits).  Other bytes are plain storage.
 *
 * IRQ 8 (`irq`, level: high while IRQF) carries the periodic (PF & PIE),
 * alarm (AF & AIE) and update-ended (UF & UIE) interrupts, found by
 * rtc_next_deadline / rtc_advance (devices/irq.h); flags also update
 * whenever register C is read.  Alarms are checked at the second reached
 * when the RTC looks, not at every second skipped over.
 */
#ifndef DEVICES_RTC_H
#define DEVICES_RTC_H

#include "devices/irq.h"
#include "memory/memory.h"

#define RTC_PORT 0x70

typedef struct Rtc {
    MemoryRegion mr;          /* 2 ports at RTC_PORT */
    const VClock *clock;
    uint8_t index;
    bool nmi_masked;
    uint8_t cmos[128];
    int64_t base_secs;        /* seconds since 1970 at base_tsc */
    uint64_t base_tsc;
    uint64_t frac_tsc;        /* sub-second offset of the base */
    int64_t last_sec;         /* second last looked at (UF/AF) */
    uint64_t last_ptick;      /* periodic tick last looked at (PF) */
    IrqLine irq;
    bool irq_level;
} Rtc;

int rtc_init(Rtc *r, const VClock *clock, int64_t unix_seconds);
int rtc_destroy(Rtc *r);
void rtc_set_irq(Rtc *r, IrqLine irq);
void rtc_set_memory(Rtc *r, uint64_t below_4g, uint64_t above_4g);
int64_t rtc_time(const Rtc *r);       /* seconds since 1970 now */
bool rtc_nmi_masked(const Rtc *r);

uint64_t rtc_next_deadline(const Rtc *r);
void rtc_advance(Rtc *r, uint64_t now);

#endif
