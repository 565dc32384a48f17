#include "hv/lib/fmt.h"

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters produced, even past the end of buf */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width, prec; /* prec < 0: none */
    char conv;
};

/* Digits of v in base, most significant first, into tmp; returns count. */
static int digits(char *tmp, unsigned long long v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[24];
    int n = 0, i;

    do {
        rev[n++] = set[v % base];
        v /= base;
    } while (v);
    for (i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

static void emit_number(struct out *o, const struct spec *s,
                        unsigned long long mag, bool neg)
{
    unsigned base = 10;
    const char *prefix = "";
    char tmp[24];
    int n, zeros, plen, total;

    if (s->conv == 'x' || s->conv == 'X' || s->conv == 'p')
        base = 16;
    else if (s->conv == 'o')
        base = 8;
    n = (s->prec == 0 && mag == 0) ? 0 : digits(tmp, mag, base, s->conv == 'X');
    if (neg)
        prefix = "-";
    else if (s->plus && (s->conv == 'd' || s->conv == 'i'))
        prefix = "+";
    else if (s->space && (s->conv == 'd' || s->conv == 'i'))
        prefix = " ";
    else if ((s->alt && base == 16 && mag) || s->conv == 'p')
        prefix = s->conv == 'X' ? "0X" : "0x";
    else if (s->alt && base == 8)
        prefix = "0";
    plen = (int)strlen(prefix);
    zeros = s->prec > n ? s->prec - n : 0;
    if (s->zero && !s->left && s->prec < 0 && s->width > plen + n)
        zeros = s->width - plen - n;
    total = plen + zeros + n;
    if (!s->left)
        pad(o, ' ', s->width - total);
    while (*prefix)
        put(o, *prefix++);
    pad(o, '0', zeros);
    for (int i = 0; i < n; i++)
        put(o, tmp[i]);
    if (s->left)
        pad(o, ' ', s->width - total);
}

static void emit_string(struct out *o, const struct spec *s, const char *str)
{
    int n = 0;

    if (!str)
        str = "(null)";
    while (str[n] && (s->prec < 0 || n < s->prec))
        n++;
    if (!s->left)
        pad(o, ' ', s->width - n);
    for (int i = 0; i < n; i++)
        put(o, str[i]);
    if (s->left)
        pad(o, ' ', s->width - n);
}

static const char *parse_spec(const char *f, struct spec *s, va_list *ap)
{
    *s = (struct spec){ .prec = -1 };
    for (;; f++) {
        if (*f == '-') s->left = true;
        else if (*f == '0') s->zero = true;
        else if (*f == '+') s->plus = true;
        else if (*f == ' ') s->space = true;
        else if (*f == '#') s->alt = true;
        else break;
    }
    if (*f == '*') {
        s->width = va_arg(*ap, int);
        if (s->width < 0) {
            s->left = true;
            s->width = -s->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        s->width = s->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        s->prec = 0;
        if (*f == '*') {
            s->prec = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9')
            s->prec = s->prec * 10 + (*f++ - '0');
    }
    return f;
}

/* Reads the argument for an integer conversion with length modifier lm
 * (0 none, 'H' hh, 'h', 'l', 'L' ll, 'z', 'j', 't'). */
static unsigned long long int_arg(va_list *ap, char lm, bool is_signed, bool *neg)
{
    long long sv;
    unsigned long long uv;

    *neg = false;
    if (is_signed) {
        switch (lm) {
        case 'l': sv = va_arg(*ap, long); break;
        case 'L': case 'j': sv = va_arg(*ap, long long); break;
        case 'z': case 't': sv = (long long)va_arg(*ap, ptrdiff_t); break;
        case 'H': sv = (signed char)va_arg(*ap, int); break;
        case 'h': sv = (short)va_arg(*ap, int); break;
        default: sv = va_arg(*ap, int); break;
        }
        *neg = sv < 0;
        return *neg ? 0ull - (unsigned long long)sv : (unsigned long long)sv;
    }
    switch (lm) {
    case 'l': uv = va_arg(*ap, unsigned long); break;
    case 'L': case 'j': uv = va_arg(*ap, unsigned long long); break;
    case 'z': case 't': uv = va_arg(*ap, size_t); break;
    case 'H': uv = (unsigned char)va_arg(*ap, unsigned); break;
    case 'h': uv = (unsigned short)va_arg(*ap, unsigned); break;
    default: uv = va_arg(*ap, unsigned); break;
    }
    return uv;
}

static const char *parse_length(const char *f, char *lm)
{
    *lm = 0;
    if (f[0] == 'h' && f[1] == 'h') { *lm = 'H'; return f + 2; }
    if (f[0] == 'l' && f[1] == 'l') { *lm = 'L'; return f + 2; }
    if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 'j' || *f == 't')
        *lm = *f++;
    return f;
}

static void convert(struct out *o, struct spec *s, char lm, va_list *ap)
{
    unsigned long long v;
    bool neg;
    char c;

    switch (s->conv) {
    case 'd': case 'i':
        v = int_arg(ap, lm, true, &neg);
        emit_number(o, s, v, neg);
        break;
    case 'u': case 'x': case 'X': case 'o':
        v = int_arg(ap, lm, false, &neg);
        emit_number(o, s, v, false);
        break;
    case 'p':
        emit_number(o, s, (uintptr_t)va_arg(*ap, void *), false);
        break;
    case 's':
        emit_string(o, s, va_arg(*ap, const char *));
        break;
    case 'c':
        c = (char)va_arg(*ap, int);
        s->prec = -1;
        pad(o, ' ', s->left ? 0 : s->width - 1);
        put(o, c);
        pad(o, ' ', s->left ? s->width - 1 : 0);
        break;
    default: /* '%' and anything unknown print literally */
        put(o, '%');
        if (s->conv != '%' && s->conv)
            put(o, s->conv);
        break;
    }
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    struct spec s;
    va_list ap;
    char lm;

    va_copy(ap, ap_in);
    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt = parse_spec(fmt + 1, &s, &ap);
        fmt = parse_length(fmt, &lm);
        s.conv = *fmt;
        if (*fmt)
            fmt++;
        convert(&o, &s, lm, &ap);
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hv_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
