/*
 * hv/lib/platform.h for hv.efi: memory from the page pool (hv/lib/pool.c), logging
 * to the serial console (hv/runtime/serial.c), INVEPT through the VMX layer.
 */
#include "hv/lib/platform.h"

#include "devices/dev_console.h"
#include "hv/runtime/cpu.h"
#include "hv/lib/fmt.h"
#include "hv/lib/ratelimit.h"
#include "hv/runtime/log.h"
#include "hv/lib/pool.h"
#include "hv/runtime/serial.h"
#include "hv/runtime/shutdown.h"
#include "hv/vmx/invept.h"

#define LINE_MAX 480

static enum log_level max_level = LOG_INFO;
static struct ratelimit guest_window; /* open while a guest runs */
static log_panic_hook panic_hook;
static bool in_panic;

bool log_debug_on;

void log_set_level(enum log_level level)
{
    max_level = level;
    log_debug_on = level >= LOG_DEBUG;
}
void log_set_panic_hook(log_panic_hook hook) { panic_hook = hook; }

static const char level_letter[] = {'E', 'W', 'I', 'D'};

static void emit(enum log_level level, const char *body)
{
    char head[8] = "hv: ? ";

    head[4] = level_letter[level <= LOG_DEBUG ? level : LOG_DEBUG];
    serial_puts(head);
    serial_puts(body);
    serial_puts("\n");
}

void log_vline(enum log_level level, const char *fmt, va_list ap)
{
    char line[LINE_MAX];
    enum ratelimit_verdict rv = RATELIMIT_PRINT;
    int n;

    if (level > max_level)
        return;
    /* While a guest runs, every source but the guest's own console output
     * is rate-limited (docs/serial-log.md). */
    if (fmt != dev_console_line_fmt && (rv = ratelimit_check(&guest_window, fmt)) ==
                                           RATELIMIT_DROP)
        return;
    n = hv_vsnprintf(line, sizeof(line), fmt, ap);
    /* A truncated line says so rather than silently losing its tail. */
    if (n >= (int)sizeof(line))
        memcpy(line + sizeof(line) - 5, "...", 4);
    emit(level, line);
    if (rv == RATELIMIT_PRINT_LAST)
        emit(LOG_WARN, "log: the line above repeats too often: further ones are counted "
                       "until the guest's run ends");
}

void log_guest_window_open(void)
{
    ratelimit_begin(&guest_window, 0);
}

static void report_dropped(void *ctx, const char *key, uint64_t dropped)
{
    char line[LINE_MAX];

    (void)ctx;
    hv_snprintf(line, sizeof(line), "log: %llu more line(s) like \"%s\" suppressed",
                (unsigned long long)dropped, key ? key : "(other sources)");
    emit(LOG_WARN, line);
}

void log_guest_window_close(void)
{
    ratelimit_end(&guest_window, report_dropped, NULL);
}

void plat_log(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vline(level, fmt, ap);
    va_end(ap);
}

void log_print_line(void *ctx, const char *line)
{
    plat_log(LOG_INFO, "%s: %s", ctx ? (const char *)ctx : "out", line);
}

__attribute__((noreturn)) void plat_panic(const char *fmt, ...)
{
    char line[LINE_MAX] = "panic: ";
    va_list ap;

    cpu_cli();
    va_start(ap, fmt);
    hv_vsnprintf(line + 7, sizeof(line) - 7, fmt, ap);
    va_end(ap);
    emit(LOG_ERR, line);
    /* The hook may itself panic: run it once only. */
    if (!in_panic) {
        in_panic = true;
        if (panic_hook)
            panic_hook();
    }
    hv_shutdown(HV_EXIT_FAIL, "panic");
}

void *plat_alloc(size_t bytes) { return pool_alloc(bytes); }
void plat_free(void *p) { pool_free(p); }
void *plat_alloc_pages(size_t npages) { return pool_alloc_pages(npages); }
void plat_free_pages(void *p, size_t npages) { pool_free_pages(p, npages); }

/* UEFI runs with identity paging, and hv.efi keeps the firmware's tables. */
uint64_t plat_virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
void *plat_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

void plat_ept_invalidate(uint64_t eptp) { vmx_invept_single(eptp); }
