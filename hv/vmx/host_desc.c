#include "hv/vmx/host_desc.h"

#include "hv/runtime/cpu.h"
#include "hv/lib/platform.h"

void host_load_gdt(const void *gdtr, uint16_t cs, uint16_t ds, uint16_t tr);
void host_load_idt(const void *idtr);
extern const uint8_t host_isr_stubs[];

struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint64_t base;
};

/* 64-bit TSS (SDM Vol. 3A 8.7): only the I/O map base matters here. */
struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct __attribute__((packed)) idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type_attr;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[32] __attribute__((aligned(16)));
static struct host_desc_state state;

const struct host_desc_state *host_desc_state(void) { return &state; }

static void build_gdt(void)
{
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;

    gdt[0] = 0;
    gdt[1] = 0x00af9b000000ffffull; /* code: P, DPL0, S, exec/read/accessed, L, G */
    gdt[2] = 0x00cf93000000ffffull; /* data: P, DPL0, S, read/write/accessed, D/B, G */
    /* 16-byte available 64-bit TSS descriptor (type 9). */
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    gdt[4] = base >> 32;
    tss.iomap_base = sizeof(tss); /* no I/O permission map */
}

static void build_idt(void)
{
    unsigned v;

    for (v = 0; v < ARRAY_SIZE(idt); v++) {
        uint64_t h = (uint64_t)(uintptr_t)(host_isr_stubs + 16 * v);

        idt[v].off_lo = (uint16_t)h;
        idt[v].sel = HOST_CS_SEL;
        idt[v].ist = 0;
        idt[v].type_attr = 0x8e; /* present, DPL0, 64-bit interrupt gate */
        idt[v].off_mid = (uint16_t)(h >> 16);
        idt[v].off_hi = (uint32_t)(h >> 32);
        idt[v].reserved = 0;
    }
}

void host_desc_install(void)
{
    struct desc_ptr gdtr, idtr;

    build_gdt();
    build_idt();
    gdtr.limit = sizeof(gdt) - 1;
    gdtr.base = (uint64_t)(uintptr_t)gdt;
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint64_t)(uintptr_t)idt;
    host_load_gdt(&gdtr, HOST_CS_SEL, HOST_DS_SEL, HOST_TR_SEL);
    host_load_idt(&idtr);
    state.gdt_base = gdtr.base;
    state.gdt_limit = gdtr.limit;
    state.idt_base = idtr.base;
    state.idt_limit = idtr.limit;
    state.tss_base = (uint64_t)(uintptr_t)&tss;
}

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "coproc", "#TS", "#NP",
    "#SS", "#GP", "#PF", "res15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

__attribute__((noreturn)) void hv_exception(struct exc_frame *f)
{
    const uint8_t *ip = (const uint8_t *)(uintptr_t)f->rip;
    const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "?";

    plat_log(LOG_ERR, "exception: %s (vector %llu) in hv at rip %#llx, error %#llx, cr2 %#llx",
             name, (unsigned long long)f->vector, (unsigned long long)f->rip,
             (unsigned long long)f->error, (unsigned long long)read_cr2());
    plat_log(LOG_ERR, "exception: rax %#llx rbx %#llx rcx %#llx rdx %#llx rsi %#llx rdi %#llx",
             (unsigned long long)f->rax, (unsigned long long)f->rbx,
             (unsigned long long)f->rcx, (unsigned long long)f->rdx,
             (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    plat_log(LOG_ERR, "exception: rsp %#llx rbp %#llx rflags %#llx cs %#llx",
             (unsigned long long)f->rsp, (unsigned long long)f->rbp,
             (unsigned long long)f->rflags, (unsigned long long)f->cs);
    /* Code bytes only for a fault that is not itself on a bad RIP. */
    if (f->vector != 14 || read_cr2() != f->rip)
        plat_log(LOG_ERR, "exception: bytes at rip: %02x %02x %02x %02x %02x %02x %02x %02x",
                 ip[0], ip[1], ip[2], ip[3], ip[4], ip[5], ip[6], ip[7]);
    plat_panic("exception %s in hv", name);
}
