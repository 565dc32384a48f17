/*
 * The serial console: a 16550 UART driven by polling, 115200 8N1.  The only
 * output device hv.efi has; it works before, during and after UEFI boot
 * services because it never calls the firmware.
 */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include "hv/lib/base.h"

#define SERIAL_COM1 0x3f8

/* Programs the UART; safe to call again.  Returns false when no UART
 * answers at that port (output is then dropped, never blocks). */
bool serial_init(uint16_t port);
void serial_write(const char *s, size_t len);
void serial_puts(const char *s);
/* Waits (bounded) until every byte has left the UART: before power-off,
 * so an emulator does not drop the last line. */
void serial_flush(void);

#endif
