#include "hv/runtime/serial.h"

#include "hv/runtime/cpu.h"

/* 16550 register offsets. */
enum {
    UART_THR = 0, /* transmit holding (DLAB=0) */
    UART_DLL = 0, /* divisor low (DLAB=1) */
    UART_IER = 1,
    UART_DLM = 1,
    UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_SCR = 7,
};
#define LSR_THRE 0x20
#define LSR_TEMT 0x40 /* transmitter empty: FIFO and shift register */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

/* Enough spins for one character at 115200 on the slowest emulator; a
 * missing or stuck UART costs this once per character, never a hang. */
#define TX_SPIN_LIMIT 200000

static uint16_t com_port;
static bool present;

bool serial_init(uint16_t port)
{
    com_port = port;
    /* The scratch register round-trips on every 16550; 0xff from an empty
     * port means nothing is there. */
    outb(port + UART_SCR, 0x5a);
    present = inb(port + UART_SCR) == 0x5a;
    if (!present)
        return false;
    outb(port + UART_IER, 0x00);      /* polled: no interrupts */
    outb(port + UART_LCR, LCR_DLAB);
    outb(port + UART_DLL, 1);         /* 115200 = 115200 / 1 */
    outb(port + UART_DLM, 0);
    outb(port + UART_LCR, LCR_8N1);
    outb(port + UART_FCR, 0xc7);      /* FIFO on, cleared, 14-byte trigger */
    outb(port + UART_MCR, 0x03);      /* DTR | RTS, OUT2 off */
    return true;
}

static void put_raw(char c)
{
    unsigned spins = 0;

    while (!(inb(com_port + UART_LSR) & LSR_THRE)) {
        if (++spins >= TX_SPIN_LIMIT)
            return;
        cpu_pause();
    }
    outb(com_port + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    size_t i;

    if (!present)
        return;
    for (i = 0; i < len; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw(s[i]);
    }
}

void serial_puts(const char *s)
{
    serial_write(s, strlen(s));
}

void serial_flush(void)
{
    unsigned spins = 0;

    if (!present)
        return;
    while (!(inb(com_port + UART_LSR) & LSR_TEMT) && ++spins < TX_SPIN_LIMIT * 16)
        cpu_pause();
}
