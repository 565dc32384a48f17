/*
 * A 16550A UART: one register state machine, mapped either as eight I/O
 * ports (COM1 at 0x3F8 in the `io` address space) or as an MMIO window
 * whose registers sit `stride` bytes apart (1, 2 or 4; Linux's reg-shift).
 *
 * Enough for Linux's 8250 probe (IER scratch test, MCR loopback test
 * through MSR, FIFO detection in IIR bits 7:6, no EFR/64-byte FIFO) and for
 * polled output.  Transmission is instant: THR is always empty (LSR THRE and
 * TEMT set), and each byte goes to a line assembler whose lines reach the
 * console with a "guest: " prefix.  Received bytes come from an input queue
 * the host side fills with uart_push_input(); they move into the receive
 * FIFO (16 bytes, or 1 with the FIFO off) as the guest reads them.
 * Interrupts: the level is computed (uart_irq_pending) and an optional
 * callback is told of every change; nothing injects it yet.
 */
#ifndef DEVICES_UART16550_H
#define DEVICES_UART16550_H

#include "devices/dev_console.h"
#include "memory/memory.h"

#define UART_COM1_PORT 0x3f8
#define UART_NR_REGS 8
#define UART_FIFO_SIZE 16
#define UART_INPUT_SIZE 256

/* Register offsets (times the stride for MMIO). */
enum {
    UART_RBR = 0, /* read, DLAB=0: receive buffer; write: THR */
    UART_THR = 0,
    UART_DLL = 0, /* DLAB=1 */
    UART_IER = 1, /* DLAB=0 */
    UART_DLM = 1, /* DLAB=1 */
    UART_IIR = 2, /* read */
    UART_FCR = 2, /* write */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

/* Register bits used here (names as in the 16550 data sheet). */
enum {
    UART_IER_ERBFI = 0x01, UART_IER_ETBEI = 0x02, UART_IER_ELSI = 0x04,
    UART_IER_EDSSI = 0x08,
    UART_IIR_NO_INT = 0x01, UART_IIR_MSI = 0x00, UART_IIR_THRI = 0x02,
    UART_IIR_RDI = 0x04, UART_IIR_RLSI = 0x06, UART_IIR_FIFO = 0xc0,
    UART_FCR_ENABLE = 0x01, UART_FCR_CLEAR_RX = 0x02, UART_FCR_CLEAR_TX = 0x04,
    UART_LCR_DLAB = 0x80,
    UART_MCR_DTR = 0x01, UART_MCR_RTS = 0x02, UART_MCR_OUT1 = 0x04,
    UART_MCR_OUT2 = 0x08, UART_MCR_LOOP = 0x10,
    UART_LSR_DR = 0x01, UART_LSR_OE = 0x02, UART_LSR_THRE = 0x20,
    UART_LSR_TEMT = 0x40,
    UART_MSR_DCTS = 0x01, UART_MSR_DDSR = 0x02, UART_MSR_TERI = 0x04,
    UART_MSR_DDCD = 0x08, UART_MSR_CTS = 0x10, UART_MSR_DSR = 0x20,
    UART_MSR_RI = 0x40, UART_MSR_DCD = 0x80,
};

typedef struct Uart16550 {
    MemoryRegion mr;
    unsigned stride;

    uint8_t ier, iir_fifo, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
    bool thr_int;  /* THRE interrupt pending (cleared by IIR read / THR write) */
    bool irq_level;

    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t in[UART_INPUT_SIZE]; /* host input not yet in the FIFO */
    unsigned in_head, in_count;

    void (*irq)(void *ctx, bool level);
    void *irq_ctx;

    DevLineBuf line;
    uint64_t tx_bytes, rx_overruns;
} Uart16550;

/*
 * Port-mapped instance: an 8-byte region for the `io` space (map it at
 * UART_COM1_PORT).  name and prefix may be NULL ("uart", "guest: ").
 * out: the console sink for the guest's lines (NULL: plat_log).
 */
int uart_init_io(Uart16550 *u, const char *name, const char *prefix,
                 dev_line_fn out, void *ctx);
/* MMIO instance: registers `stride` bytes apart (1, 2 or 4). */
int uart_init_mmio(Uart16550 *u, const char *name, unsigned stride,
                   const char *prefix, dev_line_fn out, void *ctx);
/* Emits the pending partial line, then destroys the region (refused with
 * MR_EBUSY while it is still mapped). */
int uart_destroy(Uart16550 *u);

/* Bytes for the guest to read; returns how many fitted in the queue. */
size_t uart_push_input(Uart16550 *u, const void *buf, size_t len);
/* The guest's unfinished output line, to the sink (call at end of run). */
void uart_flush_output(Uart16550 *u);
bool uart_irq_pending(const Uart16550 *u);
void uart_set_irq(Uart16550 *u, void (*irq)(void *ctx, bool level), void *ctx);

#endif
