#include "hv/runtime/shutdown.h"

#include <efi.h>

#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"
#include "hv/runtime/serial.h"

static EFI_RUNTIME_SERVICES *runtime;

void hv_shutdown_set_runtime(void *efi_runtime_services)
{
    runtime = efi_runtime_services;
}

__attribute__((noreturn)) void hv_shutdown(enum hv_exit status, const char *why)
{
    const char *bochs = "Shutdown";

    if (status == HV_EXIT_PASS)
        plat_log(LOG_INFO, "result: PASS");
    else
        plat_log(LOG_ERR, "result: FAIL (%s)", why ? why : "unspecified");
    plat_log(LOG_INFO, "shutdown: powering off");
    cpu_cli();
    serial_flush();
    /* Each of these is a no-op where the device is absent. */
    outl(DEBUG_EXIT_PORT, status == HV_EXIT_PASS ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
    while (*bochs)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*bochs++);
    if (runtime)
        runtime->ResetSystem(EfiResetShutdown, status == HV_EXIT_PASS ? EFI_SUCCESS : EFI_ABORTED,
                             0, NULL);
    plat_log(LOG_ERR, "shutdown: nothing powered off; halting");
    for (;;)
        cpu_hlt();
}
