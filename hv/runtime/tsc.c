#include "hv/runtime/tsc.h"

#include "hv/lib/platform.h"
#include "hv/runtime/cpu.h"

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61        /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */
#define CAL_COUNT 11932u   /* 10 ms */

/* Channel 2 in mode 0 (interrupt on terminal count): OUT2 goes high when
 * the count reaches 0; the TSC ticks in between are 10 ms worth. */
static uint64_t measure(void)
{
    uint8_t b = inb(PORT_B);
    uint64_t t0, t1, limit = 1ull << 34;

    outb(PORT_B, (uint8_t)((b & ~0x02) | 0x01));
    outb(PIT_MODE, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, CAL_COUNT & 0xff);
    outb(PIT_CH2, CAL_COUNT >> 8);
    t0 = rdtsc();
    while (!(inb(PORT_B) & 0x20)) {
        if (rdtsc() - t0 > limit)
            break; /* no PIT answering: fall back below */
    }
    t1 = rdtsc();
    outb(PORT_B, b);
    return t1 - t0 > limit ? 0 : (t1 - t0) * PIT_HZ / CAL_COUNT;
}

uint64_t tsc_hz(void)
{
    static uint64_t hz;
    struct cpuid_regs r;

    if (hz)
        return hz;
    hz = measure();
    if (!hz && cpuid(0, 0).eax >= 0x16 && (r = cpuid(0x16, 0)).eax)
        hz = (uint64_t)r.eax * 1000000; /* base frequency in MHz */
    if (!hz)
        hz = 1000000000ull;
    plat_log(LOG_INFO, "tsc: %llu Hz (measured against the PIT)", (unsigned long long)hz);
    return hz;
}
