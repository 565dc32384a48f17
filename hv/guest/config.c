/*
 * hv.cfg parsing (syntax in hv/guest/config.h).  Runs inside boot/ with boot
 * services still up, so it only logs and fills a caller's structure.
 */
#include "hv/guest/config.h"

#include "hv/lib/fmt.h"
#include "hv/lib/platform.h"

/* One word of a line: [s, e). */
struct word {
    const char *s, *e;
};

static bool word_is(const struct word *w, const char *lit)
{
    size_t n = strlen(lit);

    return (size_t)(w->e - w->s) == n && memcmp(w->s, lit, n) == 0;
}

/* Digits with an optional K/M/G suffix; false for anything else and for
 * values that do not fit in 64 bits (never wrapped into a valid size). */
static bool parse_size(const char *s, const char *e, uint64_t *out)
{
    uint64_t v = 0, mul = 1;

    if (s == e)
        return false;
    if (e[-1] == 'K' || e[-1] == 'k')
        mul = 1ull << 10;
    else if (e[-1] == 'M' || e[-1] == 'm')
        mul = 1ull << 20;
    else if (e[-1] == 'G' || e[-1] == 'g')
        mul = 1ull << 30;
    if (mul != 1)
        e--;
    if (s == e)
        return false;
    for (; s < e; s++) {
        unsigned d = (unsigned)(*s - '0');

        if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

void guest_size_str(uint64_t b, char *buf, size_t size)
{
    if (b && !(b & ((1ull << 30) - 1)))
        hv_snprintf(buf, size, "%lluG", (unsigned long long)(b >> 30));
    else if (b && !(b & ((1ull << 20) - 1)))
        hv_snprintf(buf, size, "%lluM", (unsigned long long)(b >> 20));
    else if (b && !(b & ((1ull << 10) - 1)))
        hv_snprintf(buf, size, "%lluK", (unsigned long long)(b >> 10));
    else
        hv_snprintf(buf, size, "%llu", (unsigned long long)b);
}

static void copy_word(char *dst, size_t size, const char *s, const char *e)
{
    size_t n = MIN((size_t)(e - s), size - 1);

    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Default name: the path's last component without its extension. */
static void default_name(struct guest_spec *g)
{
    const char *p = g->path, *base = p, *dot = NULL;

    for (; *p; p++) {
        if (*p == '\\' || *p == '/')
            base = p + 1, dot = NULL;
        else if (*p == '.')
            dot = p;
    }
    copy_word(g->name, sizeof(g->name), base, dot && dot > base ? dot : p);
}

/* A path value (module=, kernel=, initrd=): 1 to GUEST_PATH_MAX - 1 bytes. */
static bool path_ok(const char *s, const char *e)
{
    return s < e && e - s < GUEST_PATH_MAX;
}

static bool name_ok(const char *s, const char *e)
{
    if (s == e)
        return false;
    for (; s < e; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return false;
    return true;
}

/* Applies key=value; NULL on success, else what was wrong. */
static const char *apply_key(struct guest_spec *g, const struct word *w)
{
    const char *eq = w->s;

    while (eq < w->e && *eq != '=')
        eq++;
    if (eq == w->e)
        return "expected key=value";
    if (eq - w->s == 4 && !memcmp(w->s, "mode", 4)) {
        struct word v = {eq + 1, w->e};

        if (word_is(&v, "16"))
            g->mode = 16;
        else if (word_is(&v, "32"))
            g->mode = 32;
        else if (word_is(&v, "64"))
            g->mode = 64;
        else
            return "mode must be 16, 32 or 64";
    } else if (eq - w->s == 3 && !memcmp(w->s, "mem", 3)) {
        if (!parse_size(eq + 1, w->e, &g->mem))
            return "mem: bad size (digits with K, M or G)";
        if (g->mem < GUEST_MEM_MIN || g->mem > GUEST_MEM_MAX || (g->mem & 4095))
            return "mem must be whole pages from 2M to 3G";
    } else if (eq - w->s == 7 && !memcmp(w->s, "timeout", 7)) {
        uint64_t t;

        if (!parse_size(eq + 1, w->e, &t) || (eq + 1 < w->e && (w->e[-1] < '0' || w->e[-1] > '9')) ||
            t < 1 || t > GUEST_TIMEOUT_MAX)
            return "timeout must be whole seconds from 1 to 86400";
        g->timeout = (unsigned)t;
    } else if (eq - w->s == 9 && !memcmp(w->s, "ept-pages", 9)) {
        uint64_t n;

        if (!parse_size(eq + 1, w->e, &n) || (w->e[-1] < '0' || w->e[-1] > '9') ||
            n < GUEST_EPT_PAGES_MIN || n > GUEST_EPT_PAGES_MAX)
            return "ept-pages must be a page count from 8 to 65536";
        g->ept_pages = (unsigned)n;
    } else if (eq - w->s == 7 && !memcmp(w->s, "machine", 7)) {
        struct word v = {eq + 1, w->e};

        if (word_is(&v, "test"))
            g->machine = GUEST_MACHINE_TEST;
        else if (word_is(&v, "pc"))
            g->machine = GUEST_MACHINE_PC;
        else
            return "machine must be test or pc";
    } else if (eq - w->s == 6 && !memcmp(w->s, "module", 6)) {
        if (g->nmodules == GUEST_MODULES_MAX)
            return "module: at most 4 per guest";
        if (!path_ok(eq + 1, w->e))
            return "module: a path of 1-127 bytes";
        copy_word(g->module[g->nmodules++].path, GUEST_PATH_MAX, eq + 1, w->e);
    } else if (eq - w->s == 9 && !memcmp(w->s, "dirty-log", 9)) {
        struct word v = {eq + 1, w->e};

        if (word_is(&v, "on"))
            g->dirty_log = true;
        else if (word_is(&v, "off"))
            g->dirty_log = false;
        else
            return "dirty-log must be on or off";
    } else if (eq - w->s == 6 && !memcmp(w->s, "kernel", 6)) {
        if (g->path[0])
            return "kernel= names the payload: give it instead of a path, not both";
        if (!path_ok(eq + 1, w->e))
            return "kernel: a path of 1-127 bytes";
        copy_word(g->path, GUEST_PATH_MAX, eq + 1, w->e);
        g->kernel = true;
    } else if (eq - w->s == 6 && !memcmp(w->s, "initrd", 6)) {
        if (!path_ok(eq + 1, w->e))
            return "initrd: a path of 1-127 bytes";
        copy_word(g->initrd.path, GUEST_PATH_MAX, eq + 1, w->e);
    } else if (eq - w->s == 4 && !memcmp(w->s, "name", 4)) {
        if (!name_ok(eq + 1, w->e) || w->e - eq - 1 >= GUEST_NAME_MAX)
            return "name: 1-31 characters of [A-Za-z0-9_.-]";
        copy_word(g->name, sizeof(g->name), eq + 1, w->e);
    } else {
        return "unknown key (mode, mem, name, timeout, ept-pages, machine, module, kernel, "
               "initrd, dirty-log, append)";
    }
    return NULL;
}

/* w is key=... */
static bool is_key(const struct word *w, const char *key)
{
    size_t n = strlen(key);

    return (size_t)(w->e - w->s) > n && !memcmp(w->s, key, n) && w->s[n] == '=';
}

/* Same key before '=' (or both without one: apply_key refuses those). */
static bool same_key(const struct word *a, const struct word *b)
{
    const char *x = a->s, *y = b->s;

    while (x < a->e && y < b->e && *x == *y && *x != '=')
        x++, y++;
    return (x == a->e || *x == '=') && (y == b->e || *y == '=');
}

static size_t split(const char *s, const char *e, struct word *w, size_t max)
{
    size_t n = 0;

    while (s < e && n < max) {
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (s == e || *s == '#')
            break;
        w[n].s = s;
        while (s < e && *s != ' ' && *s != '\t')
            s++;
        w[n++].e = s;
    }
    return n;
}

/* The first control character of a line (tab allowed), or NULL. */
static const char *control_char(const char *s, const char *e)
{
    for (; s < e; s++)
        if ((*s != '\t' && (unsigned char)*s < 0x20) || *s == 0x7f)
            return s;
    return NULL;
}

/* `append=` takes the rest of the line: its text goes into g, and the
 * line ends before it for everything else. */
static const char *cut_append(const char *s, const char *e, struct guest_spec *g,
                              const char **err)
{
    static const char key[] = "append=";
    const char *p;

    for (p = s; p + sizeof(key) - 1 <= e; p++) {
        if ((p == s || p[-1] == ' ' || p[-1] == '\t') && !memcmp(p, key, sizeof(key) - 1)) {
            const char *v = p + sizeof(key) - 1;

            if ((size_t)(e - v) >= sizeof(g->append))
                *err = "append: at most 255 characters";
            else
                copy_word(g->append, sizeof(g->append), v, e);
            return p;
        }
    }
    return e;
}

static bool has_eq(const struct word *w)
{
    for (const char *p = w->s; p < w->e; p++)
        if (*p == '=')
            return true;
    return false;
}

/* kernel= runs a Linux kernel, which needs the pc machine: it is the
 * default then, and machine=test is refused. */
static const char *kernel_machine(struct guest_spec *g, const struct word *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_key(&keys[i], "machine") && g->machine != GUEST_MACHINE_PC)
            return "kernel= needs machine=pc (a Linux kernel runs on the pc machine)";
    g->machine = GUEST_MACHINE_PC;
    return NULL;
}

static void parse_line(const char *s, const char *e, unsigned lineno, struct guest_list *gl,
                       const char *what)
{
    /* "guest", the path, each of the 8 keys once and the modules (append=
     * is cut off first), and one more word to notice a line with too many */
    struct word w[2 + 8 + GUEST_MODULES_MAX + 1];
    size_t n, i, j;
    struct guest_spec g;
    const char *err = NULL, *ctl = control_char(s, e);
    const struct word *bad = NULL;

    if (ctl) {
        plat_log(LOG_ERR, "cfg: %s line %u: control character %#04x at column %u", what,
                 lineno, (unsigned)(unsigned char)*ctl, (unsigned)(ctl - s + 1));
        gl->errors++;
        return;
    }
    memset(&g, 0, sizeof(g));
    e = cut_append(s, e, &g, &err);
    n = split(s, e, w, ARRAY_SIZE(w));
    if (n == 0)
        return;
    g.mode = 64;
    g.mem = GUEST_MEM_DEFAULT;
    g.timeout = GUEST_TIMEOUT_DEFAULT;
    g.ept_pages = GUEST_EPT_PAGES_DEFAULT;
    if (!word_is(&w[0], "guest"))
        err = "lines start with 'guest'", bad = &w[0];
    else if (n < 2)
        err = "guest: the payload is missing (a path, or kernel=PATH)";
    else if (!has_eq(&w[1]) && w[1].e - w[1].s >= GUEST_PATH_MAX)
        err = "path too long (127 bytes at most)", bad = &w[1];
    else if (n == ARRAY_SIZE(w))
        err = "too many words (a path, each key at most once, up to 4 modules)";
    else if (gl->n == GUEST_MAX)
        err = "too many guests (32 at most)";
    if (!err) {
        /* the payload: the word after "guest", or kernel=PATH among the keys */
        size_t first = has_eq(&w[1]) ? 1 : 2;

        if (first == 2)
            copy_word(g.path, sizeof(g.path), w[1].s, w[1].e);
        for (i = first; i < n && !err; i++) {
            for (j = first; j < i && !err; j++)
                if (same_key(&w[j], &w[i]) && !is_key(&w[i], "module"))
                    err = "key given twice on one line";
            if (err || (err = apply_key(&g, &w[i])))
                bad = &w[i];
        }
        if (!err && !g.path[0])
            err = "guest: the payload is missing (a path, or kernel=PATH)";
        if (!err && g.kernel)
            err = kernel_machine(&g, w + first, n - first);
        if (!err && g.nmodules && g.machine != GUEST_MACHINE_PC)
            err = "module= needs machine=pc (a multiboot kernel's modules)";
        if (!err && g.initrd.path[0] && g.machine != GUEST_MACHINE_PC)
            err = "initrd= needs machine=pc (a Linux kernel's initrd)";
        if (!err && !g.name[0])
            default_name(&g);
    }
    if (err) {
        if (bad)
            plat_log(LOG_ERR, "cfg: %s line %u: %.*s: %s", what, lineno,
                     (int)MIN(bad->e - bad->s, 64), bad->s, err);
        else
            plat_log(LOG_ERR, "cfg: %s line %u: %s", what, lineno, err);
        gl->errors++;
        return;
    }
    gl->g[gl->n++] = g;
}

unsigned guest_cfg_parse(const char *text, size_t len, struct guest_list *gl, const char *what)
{
    const char *s = text, *end = text + len;
    unsigned lineno = 1, before = gl->n, errors_before = gl->errors;

    while (s < end) {
        const char *e = s;

        while (e < end && *e != '\n' && *e != '\r' && *e != ';' && *e != '\0')
            e++;
        parse_line(s, e, lineno, gl, what);
        if (e < end && *e == '\n')
            lineno++;
        s = e + 1;
    }
    if (gl->n == before && gl->errors == errors_before) {
        plat_log(LOG_ERR, "cfg: %s: no guest line (\"guest FILE [key=value...]\")", what);
        gl->errors++;
    }
    return gl->n - before;
}
