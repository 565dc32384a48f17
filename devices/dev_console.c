/* Line assembly for device output: see dev_console.h. */
#include "devices/dev_console.h"
#include "hv/lib/platform.h"

const char dev_console_line_fmt[] = "%s";

void dev_emit_line(dev_line_fn out, void *ctx, const char *line)
{
    if (out)
        out(ctx, line);
    else
        plat_log(LOG_INFO, dev_console_line_fmt, line);
}

void devline_init(DevLineBuf *lb, const char *prefix, dev_line_fn out, void *ctx)
{
    size_t n = prefix ? strlen(prefix) : 0;

    memset(lb, 0, sizeof(*lb));
    if (n > DEVLINE_PREFIX_MAX)
        n = DEVLINE_PREFIX_MAX;
    if (n)
        memcpy(lb->prefix, prefix, n);
    lb->plen = n;
    lb->out = out;
    lb->ctx = ctx;
}

static void emit(DevLineBuf *lb)
{
    memcpy(lb->buf, lb->prefix, lb->plen);
    lb->buf[lb->plen + lb->len] = '\0';
    dev_emit_line(lb->out, lb->ctx, lb->buf);
    lb->len = 0;
    lb->lines++;
}

/* Appends one visible character, breaking the line when it is full. */
static void append(DevLineBuf *lb, char c)
{
    if (lb->len >= DEVLINE_MAX)
        emit(lb);
    lb->buf[lb->plen + lb->len++] = c;
}

void devline_putc(DevLineBuf *lb, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";

    lb->bytes++;
    if (c == '\n') {
        emit(lb);
        return;
    }
    if (c == '\r')
        return;
    if ((c >= 0x20 && c < 0x7f) || c == '\t') {
        append(lb, (char)c);
        return;
    }
    /* Escapes are kept whole on one line. */
    if (lb->len + 4 > DEVLINE_MAX)
        emit(lb);
    append(lb, '\\');
    append(lb, 'x');
    append(lb, hex[c >> 4]);
    append(lb, hex[c & 15]);
}

void devline_flush(DevLineBuf *lb)
{
    if (lb->len)
        emit(lb);
}
