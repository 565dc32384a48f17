/*
 * 16550A UART register state machine (see uart16550.h).  Register and bit
 * meanings follow the National/TI PC16550D data sheet.
 */
#include "devices/uart16550.h"
#include "hv/lib/platform.h"

static unsigned rx_capacity(const Uart16550 *u)
{
    return (u->fcr & UART_FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

/* Moves host input into the receive FIFO while there is room. */
static void rx_refill(Uart16550 *u)
{
    while (u->in_count && u->rx_count < rx_capacity(u)) {
        u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = u->in[u->in_head];
        u->rx_count++;
        u->in_head = (u->in_head + 1) % UART_INPUT_SIZE;
        u->in_count--;
    }
}

/* A byte arriving on the line (loopback): lost with OE when the FIFO is full. */
static void rx_put(Uart16550 *u, uint8_t c)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr |= UART_LSR_OE;
        u->rx_overruns++;
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
    u->rx_count++;
}

static uint8_t rx_get(Uart16550 *u)
{
    uint8_t c;

    if (!u->rx_count)
        return 0;
    c = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
    u->rx_count--;
    rx_refill(u);
    return c;
}

static void rx_clear(Uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    rx_refill(u);
}

/* The highest-priority pending interrupt as IIR bits 3:0. */
static uint8_t iir_source(const Uart16550 *u)
{
    if ((u->ier & UART_IER_ELSI) && (u->lsr & UART_LSR_OE))
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_ERBFI) && u->rx_count)
        return UART_IIR_RDI;
    if ((u->ier & UART_IER_ETBEI) && u->thr_int)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & 0x0f))
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

static void update_irq(Uart16550 *u)
{
    bool level = iir_source(u) != UART_IIR_NO_INT;

    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->irq)
            u->irq(u->irq_ctx, level);
    }
}

/* Modem status lines: wired to MCR in loopback, else a present terminal. */
static uint8_t msr_lines(const Uart16550 *u)
{
    uint8_t m = 0;

    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    if (u->mcr & UART_MCR_RTS)
        m |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        m |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        m |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        m |= UART_MSR_DCD;
    return m;
}

/* Recomputes MSR's lines and latches the delta bits for what changed. */
static void msr_update(Uart16550 *u)
{
    uint8_t old = u->msr & 0xf0, now = msr_lines(u), delta = u->msr & 0x0f;

    if ((old ^ now) & UART_MSR_CTS)
        delta |= UART_MSR_DCTS;
    if ((old ^ now) & UART_MSR_DSR)
        delta |= UART_MSR_DDSR;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
        delta |= UART_MSR_TERI; /* trailing edge only */
    if ((old ^ now) & UART_MSR_DCD)
        delta |= UART_MSR_DDCD;
    u->msr = now | delta;
}

static void transmit(Uart16550 *u, uint8_t c)
{
    if (u->mcr & UART_MCR_LOOP) {
        rx_put(u, c);
    } else {
        u->tx_bytes++;
        devline_putc(&u->line, c);
    }
    u->thr_int = true; /* sent at once: THR is empty again */
}

static uint8_t reg_read(Uart16550 *u, unsigned reg)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (reg) {
    case UART_RBR:
        return dlab ? u->dll : rx_get(u);
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR:
        v = iir_source(u);
        if (v == UART_IIR_THRI)
            u->thr_int = false; /* reading IIR acknowledges THRE */
        return v | ((u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        v = u->lsr | UART_LSR_THRE | UART_LSR_TEMT;
        if (u->rx_count)
            v |= UART_LSR_DR;
        u->lsr &= (uint8_t)~UART_LSR_OE; /* error bits clear on read */
        return v;
    case UART_MSR:
        v = u->msr;
        u->msr &= 0xf0;
        return v;
    default:
        return u->scr;
    }
}

static void reg_write(Uart16550 *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & UART_LCR_DLAB;

    switch (reg) {
    case UART_THR:
        if (dlab)
            u->dll = v;
        else
            transmit(u, v);
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
            break;
        }
        /* Enabling THRE interrupts with THR empty raises one at once. */
        if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
            u->thr_int = true;
        u->ier = v & 0x0f;
        break;
    case UART_FCR:
        if ((v ^ u->fcr) & UART_FCR_ENABLE)
            v |= UART_FCR_CLEAR_RX; /* switching FIFO mode empties it */
        u->fcr = v & 0xc9;          /* enable, DMA mode, trigger level */
        if (v & UART_FCR_CLEAR_RX)
            rx_clear(u);
        break;
    case UART_LCR:
        u->lcr = v;
        break;
    case UART_MCR:
        u->mcr = v & 0x1f;
        msr_update(u);
        break;
    case UART_SCR:
        u->scr = v;
        break;
    default: /* LSR, MSR: read-only (factory test writes ignored) */
        break;
    }
}

/* Offset to register number; -1 between registers of a strided window. */
static int reg_of(const Uart16550 *u, hwaddr addr)
{
    if (addr % u->stride)
        return -1;
    addr /= u->stride;
    return addr < UART_NR_REGS ? (int)addr : -1;
}

static uint64_t uart_read(void *opaque, hwaddr addr, unsigned size)
{
    Uart16550 *u = opaque;
    int reg = reg_of(u, addr);
    uint8_t v;

    (void)size; /* impl.max_access_size is 1 */
    if (reg < 0)
        return 0;
    v = reg_read(u, (unsigned)reg);
    update_irq(u);
    return v;
}

static void uart_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Uart16550 *u = opaque;
    int reg = reg_of(u, addr);

    (void)size;
    if (reg < 0)
        return;
    reg_write(u, (unsigned)reg, (uint8_t)data);
    update_irq(u);
}

/* Byte registers: wider guest accesses are split into byte accesses. */
static const MemoryRegionOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static void reset(Uart16550 *u)
{
    u->ier = 0;
    u->fcr = 0;
    u->lcr = 0x03; /* 8N1 */
    u->mcr = UART_MCR_OUT2;
    u->lsr = 0;
    u->scr = 0;
    u->dll = 0x0c; /* 9600 baud from 1.8432 MHz */
    u->dlm = 0;
    u->thr_int = false;
    u->msr = msr_lines(u);
    u->rx_head = u->rx_count = 0;
    u->in_head = u->in_count = 0;
}

static int init_common(Uart16550 *u, const char *name, unsigned stride,
                       const char *prefix, dev_line_fn out, void *ctx)
{
    int err;

    if (!u || (stride != 1 && stride != 2 && stride != 4)) {
        plat_log(LOG_ERR, "uart: bad init arguments (stride %u)", stride);
        return MR_EINVAL;
    }
    memset(u, 0, sizeof(*u));
    u->stride = stride;
    reset(u);
    devline_init(&u->line, prefix ? prefix : "guest: ", out, ctx);
    err = memory_region_init_io(&u->mr, &uart_ops, u, name ? name : "uart",
                                (uint64_t)UART_NR_REGS * stride);
    if (err)
        plat_log(LOG_ERR, "uart: region init failed: %s", memory_strerror(err));
    return err;
}

int uart_init_io(Uart16550 *u, const char *name, const char *prefix,
                 dev_line_fn out, void *ctx)
{
    return init_common(u, name, 1, prefix, out, ctx);
}

int uart_init_mmio(Uart16550 *u, const char *name, unsigned stride,
                   const char *prefix, dev_line_fn out, void *ctx)
{
    return init_common(u, name, stride, prefix, out, ctx);
}

int uart_destroy(Uart16550 *u)
{
    int err = memory_region_destroy(&u->mr);

    if (err == MR_OK)
        devline_flush(&u->line);
    return err;
}

size_t uart_push_input(Uart16550 *u, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t n = 0;

    while (n < len && u->in_count < UART_INPUT_SIZE) {
        u->in[(u->in_head + u->in_count) % UART_INPUT_SIZE] = p[n++];
        u->in_count++;
    }
    rx_refill(u);
    update_irq(u);
    return n;
}

void uart_flush_output(Uart16550 *u)
{
    devline_flush(&u->line);
}

bool uart_irq_pending(const Uart16550 *u)
{
    return iir_source(u) != UART_IIR_NO_INT;
}

void uart_set_irq(Uart16550 *u, void (*irq)(void *ctx, bool level), void *ctx)
{
    u->irq = irq;
    u->irq_ctx = ctx;
}
