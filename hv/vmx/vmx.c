#include "hv/vmx/vmx.h"
#include "hv/runtime/canary.h"

#include "hv/runtime/cpu.h"
#include "hv/guest/linux.h"
#include "hv/runtime/tsc.h"
#include "hv/vmx/host_desc.h"
#include "hv/runtime/log.h"
#include "hv/lib/fmt.h"
#include "hv/lib/platform.h"
#include "hv/lib/pool.h"
#include "hv/vmx/vcpu.h"
#include "hv/guest/multiboot.h"
#include "hv/vmx/invept.h"


int vmx_enter(struct guest_regs *regs, int resume);

static void *vmxon_region;
static bool vmx_is_on;

/* Firmware normally locks IA32_FEATURE_CONTROL; OVMF under Bochs leaves
 * it 0 and unlocked, and VMXON then #GPs until we set and lock it. */
static bool feature_control(const struct vmx_caps *c)
{
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

    if (fc & FEATURE_CONTROL_LOCK) {
        if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
            return true;
        plat_log(LOG_ERR, "vmx: IA32_FEATURE_CONTROL locked with VMX off (%#llx)",
                 (unsigned long long)fc);
        return false;
    }
    wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
    plat_log(LOG_INFO, "vmx: IA32_FEATURE_CONTROL was unlocked (%#llx): now %#llx (VMX outside "
             "SMX, locked)", (unsigned long long)fc,
             (unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
    (void)c;
    return true;
}

/* CR0/CR4 must honour the VMX fixed bits (SDM Vol. 3D A.7, A.8). */
static bool fixed_bits(const struct vmx_caps *c)
{
    uint64_t cr0 = read_cr0(), cr4 = read_cr4() | X86_CR4_VMXE;
    uint64_t want0 = (cr0 | c->cr0_fixed0) & c->cr0_fixed1;
    uint64_t want4 = (cr4 | c->cr4_fixed0) & c->cr4_fixed1;

    if (want0 != cr0) {
        plat_log(LOG_INFO, "vmx: CR0 %#llx -> %#llx for the VMX fixed bits",
                 (unsigned long long)cr0, (unsigned long long)want0);
        write_cr0(want0);
    }
    write_cr4(want4);
    return (read_cr4() & X86_CR4_VMXE) != 0;
}

bool vmx_on(const struct vmx_caps *c)
{
    uint64_t pa;
    uint8_t fail;

    if (vmx_is_on)
        return true;
    if (!feature_control(c) || !fixed_bits(c))
        return false;
    vmxon_region = plat_alloc_pages(1);
    if (!vmxon_region) {
        plat_log(LOG_ERR, "vmx: no memory for the VMXON region");
        return false;
    }
    *(uint32_t *)vmxon_region = c->vmcs_revision;
    pa = plat_virt_to_phys(vmxon_region);
    __asm__ volatile("vmxon %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (fail) {
        plat_log(LOG_ERR, "vmx: VMXON failed (region %#llx, revision %#x)",
                 (unsigned long long)pa, c->vmcs_revision);
        plat_free_pages(vmxon_region, 1);
        vmxon_region = NULL;
        return false;
    }
    vmx_is_on = true;
    vmx_invept_enable(true, c->invept_single);
    plat_log(LOG_INFO, "vmx: VMXON ok (region %#llx)", (unsigned long long)pa);
    return true;
}

void vmx_off(void)
{
    if (!vmx_is_on)
        return;
    __asm__ volatile("vmxoff" ::: "cc", "memory");
    write_cr4(read_cr4() & ~X86_CR4_VMXE);
    vmx_invept_enable(false, false);
    plat_free_pages(vmxon_region, 1);
    vmxon_region = NULL;
    vmx_is_on = false;
}

static const char *const insn_errors[] = {
    [1] = "VMCALL in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint64_t err)
{
    if (err < ARRAY_SIZE(insn_errors) && insn_errors[err])
        return insn_errors[err];
    return "unknown";
}

static bool vmcs_load(struct vcpu *v)
{
    uint64_t pa;
    uint8_t fail;

    v->vmcs = plat_alloc_pages(1);
    if (!v->vmcs)
        return false;
    *(uint32_t *)v->vmcs = v->caps->vmcs_revision;
    pa = plat_virt_to_phys(v->vmcs);
    __asm__ volatile("vmclear %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (!fail)
        __asm__ volatile("vmptrld %1; setna %0" : "=r"(fail) : "m"(pa) : "cc", "memory");
    if (fail)
        plat_log(LOG_ERR, "vmx: VMCLEAR/VMPTRLD of %#llx failed", (unsigned long long)pa);
    return !fail;
}

/* With unrestricted guest the guest may enter or leave long mode by
 * itself; the "IA-32e mode guest" entry control must follow EFER.LMA. */
static void sync_ia32e(struct vcpu *v)
{
    bool lma = vmread(VMCS_GUEST_EFER) & X86_EFER_LMA;
    bool ctl = v->entry_ctls & ENTRY_IA32E_MODE_GUEST;

    if (lma == ctl)
        return;
    v->entry_ctls ^= ENTRY_IA32E_MODE_GUEST;
    vmwrite(VMCS_ENTRY_CONTROLS, lma ? vmread(VMCS_ENTRY_CONTROLS) | ENTRY_IA32E_MODE_GUEST
                                     : vmread(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
}

/* ACPI S5 ends the run as the guest's own exit with status 0; a reset
 * (hv does not restart guests) stops it. */
static void pc_ended(struct vcpu *v)
{
    if (v->pc->powered_off) {
        plat_log(LOG_INFO, "guest: powered off through ACPI (S5)");
        v->stop = VCPU_GUEST_EXIT;
        v->guest_status = 0;
        return;
    }
    plat_log(LOG_ERR, "guest: asked for a reset (port 0xcf9): hv does not restart guests");
    v->stop = VCPU_ERROR;
    v->error = "guest reset";
}

static void run_loop(struct vcpu *v)
{
    uint64_t t_exit = rdtsc(), t_entry, t_back;

    v->last_exit = EXIT_SLOT_NONE;
    while (v->stop == VCPU_RUNNING) {
        int r;

        if (v->pc)
            vmx_pc_before_entry(v);
        if (__builtin_expect(v->dirty.on, 0) && rdtsc() >= v->dirty.next)
            vmx_dirty_check_harvest(v);
        t_entry = rdtsc();
        r = vmx_enter(&v->regs, v->launched);
        t_back = rdtsc();
        /* The guest's share is entry to exit as hv sees it: the entry and
         * exit transitions themselves count as hv's. */
        v->ticks_hv += t_entry - t_exit;
        v->exit_ticks[v->last_exit] += t_entry - t_exit;
        v->ticks_guest += t_back - t_entry;
        t_exit = t_back;

        if (r) {
            uint64_t err = r == 2 ? vmread(VMCS_INSN_ERROR) : 0;

            plat_log(LOG_ERR, "vmx: %s failed: %s (VM-instruction error %llu: %s)",
                     v->launched ? "VMRESUME" : "VMLAUNCH",
                     r == 1 ? "VMfailInvalid" : "VMfailValid", (unsigned long long)err,
                     vmx_insn_error_name(err));
            vmx_report_guest(v, "failed VM entry");
            v->stop = VCPU_ERROR;
            v->error = "VM entry failed";
            return;
        }
        v->launched = true;
        vmx_handle_exit(v);
        if (__builtin_expect(t_back >= v->deadline, 0))
            vmx_budget_spent(v);
        if (v->pc && (v->pc->powered_off || v->pc->reset_requested) && v->stop == VCPU_RUNNING)
            pc_ended(v);
        sync_ia32e(v);
    }
}

static void print_machine(AddressSpace *mem, AddressSpace *io)
{
    memory_mtree_print(mem, log_print_line, "mtree");
    memory_mtree_print(io, log_print_line, "mtree");
    memory_flatview_print(mem, log_print_line, "flatview");
    memory_flatview_print(io, log_print_line, "flatview");
}

static void vcpu_free(struct vcpu *v)
{
    if (v->vmcs) {
        uint64_t pa = plat_virt_to_phys(v->vmcs);
        __asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
        plat_free_pages(v->vmcs, 1);
        v->vmcs = NULL;
    }
    if (v->msr_bitmap)
        plat_free_pages(v->msr_bitmap, 1);
    if (v->io_bitmaps)
        plat_free_pages(v->io_bitmaps, 2);
    v->msr_bitmap = v->io_bitmaps = NULL;
    hv_ept_destroy(&v->ept);
}

static void log_entry(const struct vcpu *v, uint64_t size)
{
    const struct guest_entry *e = &v->entry;

    if (e->mode == 16)
        plat_log(LOG_INFO, "load: %s payload, %llu bytes at %#llx-%#llx, entry %04x:%04llx",
                 e->format, (unsigned long long)size, (unsigned long long)e->load_lo,
                 (unsigned long long)e->load_hi, e->sel16, (unsigned long long)e->rip);
    else
        plat_log(LOG_INFO, "load: %s payload, %llu bytes at %#llx-%#llx, entry %#llx",
                 e->format, (unsigned long long)size, (unsigned long long)e->load_lo,
                 (unsigned long long)e->load_hi, (unsigned long long)e->rip);
}

/* The end of a run: console leftovers, the screen if it changed, the
 * counts, how the guest ended.  Returns the status (0 pass). */
/* The test machine's devices at the end of a run. */
static void finish_test_machine(struct guest_machine *m)
{
    if (m->bus.cm) {
        bus_flush(&m->bus);
        if (m->cm.queued)
            plat_log(LOG_INFO, "coalesced: %llu writes queued, %llu batches delivered: "
                     "%llu trips into device code saved", (unsigned long long)m->cm.queued,
                     (unsigned long long)m->cm.batches,
                     (unsigned long long)coalesced_mmio_exits_saved(&m->cm));
    }
    uart_flush_output(&m->uart_mmio);
    fb_update(&m->fb);
    fb_dump(&m->fb, NULL, NULL);
}

static uint64_t finish(struct vcpu *v)
{
    uart_flush_output(vcpu_console(v));
    if (v->machine)
        finish_test_machine(v->machine);
    if (v->pc) { /* the screen, if the guest drew on it */
        fb_update(&v->pc->fb);
        fb_dump(&v->pc->fb, NULL, NULL);
    }
    vmx_exit_summary(v);
    if (v->machine && v->machine->post_writes)
        plat_log(LOG_INFO, "machine: post saw %llu writes (last %#04x); testdev logged %llu "
                 "accesses", (unsigned long long)v->machine->post_writes,
                 v->machine->post_last, (unsigned long long)testdev_log_count(&v->machine->td));
    if (v->stop == VCPU_GUEST_EXIT) {
        plat_log(LOG_INFO, "guest: exited with status %llu (%s)",
                 (unsigned long long)v->guest_status, v->guest_status ? "fail" : "pass");
        return v->guest_status;
    }
    plat_log(LOG_ERR, "guest: stopped by hv: %s", v->error ? v->error : "?");
    return 1;
}

/* The payload into guest RAM: on the pc machine a multiboot kernel gets
 * the multiboot protocol (its info structure, the machine's memory map,
 * append= as its command line); everything else the test machine's
 * formats (flat, ELF). */
static bool load_payload(struct vcpu *v, const struct guest_spec *g)
{
    uint8_t *ram = memory_region_get_ram_ptr(vcpu_ram(v));
    static struct mb_mmap_entry map[MB_MAX_MMAP]; /* the pc machine's, for a kernel */

    if (g->kernel && !(v->pc && linux_detect(g->payload, g->payload_size))) {
        plat_log(LOG_ERR, "linux: kernel=%s is not a Linux bzImage (no 'HdrS' boot header)",
                 g->path);
        return false;
    }
    if (v->pc && !g->kernel && multiboot_detect(g->payload, g->payload_size, NULL)) {
        /* the kernel's path, then append=: what GRUB and QEMU pass, and
         * what kernels that read argv[0] (kvm-unit-tests) expect */
        static char cmdline[GUEST_PATH_MAX + 1 + GUEST_APPEND_MAX];
        struct mb_module mods[GUEST_MODULES_MAX];
        struct mb_load_args args = {.cmdline = cmdline, .mmap = map, .modules = mods,
                                    .nmodules = g->nmodules};

        hv_snprintf(cmdline, sizeof(cmdline), "%s%s%s", g->path, g->append[0] ? " " : "",
                    g->append);

        for (unsigned i = 0; i < g->nmodules; i++) {
            if (!g->module[i].data) {
                plat_log(LOG_ERR, "multiboot: module %s was not read", g->module[i].path);
                return false;
            }
            /* the module's string: its path, as a boot loader passes it */
            mods[i] = (struct mb_module){g->module[i].data, g->module[i].size,
                                         g->module[i].path};
        }
        args.nmmap = pc_memory_map(v->pc, map, MB_MAX_MMAP);
        return multiboot_load(ram, g->mem, g->payload, g->payload_size, &args, &v->entry);
    }
    if (v->pc && linux_detect(g->payload, g->payload_size)) {
        struct linux_load_args args = {.cmdline = g->append, .map = map,
                                       .rsdp = v->pc->acpi.rsdp, .fb_base = PC_FB_BASE,
                                       .fb_width = v->pc->fb.width,
                                       .fb_height = v->pc->fb.height,
                                       .fb_stride = v->pc->fb.stride};

        if (g->initrd.path[0] && !g->initrd.data) {
            plat_log(LOG_ERR, "linux: initrd %s was not read", g->initrd.path);
            return false;
        }
        args.initrd = g->initrd.data;
        args.initrd_size = g->initrd.size;
        args.nmap = pc_memory_map(v->pc, map, MB_MAX_MMAP);
        return linux_load(ram, g->mem, g->payload, g->payload_size, &args, &v->entry);
    }
    if (g->nmodules || g->initrd.path[0]) {
        plat_log(LOG_ERR, "load: module= and initrd= are for multiboot and Linux kernels");
        return false;
    }
    return guest_load(ram, g->mem, g->mode, g->payload, g->payload_size, &v->entry);
}

static uint64_t run_prepared(struct vcpu *v, const struct guest_spec *g, uint64_t boot_tsc)
{
    unsigned ept_pages = g->ept_pages ? g->ept_pages : GUEST_EPT_PAGES_DEFAULT;
    uint64_t status;

    if (!load_payload(v, g))
        return 1;
    log_entry(v, g->payload_size);
    if (hv_ept_init(&v->ept, v->caps, vcpu_as(v), ept_pages) != MR_OK) {
        plat_log(LOG_ERR, "ept: could not build the guest's EPT within ept-pages=%u "
                 "(a larger ept-pages= in hv.cfg may help)", ept_pages);
        return 1;
    }
    hv_ept_report(&v->ept);
    if (!vmcs_load(v) || !vmcs_setup_guest(v))
        return 1;
    vcpu_seal(v);
    plat_log(LOG_INFO, "vmx: launching the guest (%llu TSC ticks since hv.efi started)",
             (unsigned long long)(rdtsc() - boot_tsc));
    /* Nothing of an earlier guest: emulator caches, CPU state the VMCS
     * does not switch, cached translations (a new EPT may sit where the
     * last one was; the VPID is new but may have wrapped). */
    vmx_emu_reset(v);
    guest_cpu_reset(v);
    vmx_invept_single(v->ept.eptp);
    if (v->caps->vpid)
        vmx_invvpid(v->vpid, false);
    vmx_budget_start(v, g->timeout ? g->timeout : GUEST_TIMEOUT_DEFAULT);
    if (g->dirty_log)
        vmx_dirty_check_start(v);
    log_guest_window_open();
    run_loop(v);
    log_guest_window_close();
    status = finish(v);
    if (g->dirty_log) {
        vmx_dirty_check_finish(v);
        if (v->dirty.missed)
            status = status ? status : 1;
    }
    if (vcpu_seal_check(v, vmxon_region)) {
        plat_log(LOG_ERR, "run: %s: hv's VMCS, bitmaps, PML buffer or EPT changed while "
                 "the guest ran", v->name);
        status = status ? status : 1;
    } else {
        plat_log(LOG_INFO, "canary: %s: VMCS, MSR and I/O bitmaps,%s EPT intact", v->name,
                 v->ept.pml_on ? " PML buffer," : "");
    }
    return status;
}

/* A VPID no earlier run used since the last global INVVPID: 1..65535,
 * and after a wrap every VPID's translations are dropped. */
static uint16_t next_vpid(void)
{
    static uint16_t last;

    if (++last == 0) {
        last = 1;
        vmx_invvpid(0, true);
    }
    return last;
}

/* The pc machine's time: the guest's TSC. */
static uint64_t tsc_now(void *ctx)
{
    return vcpu_tsc(ctx, rdtsc());
}

/* Builds g's machine on ram; false (logged) when it cannot be built. */
static bool build_machine(struct vcpu *v, const struct guest_spec *g, void *ram)
{
    static struct guest_machine test;
    static struct pc_machine pc;

    if (g->machine == GUEST_MACHINE_PC) {
        VClock clock = {tsc_now, v, tsc_hz()};

        if (pc_build(&pc, ram, g->mem, &clock) != MR_OK)
            return false;
        lapic_set_phys_bits(&pc.lapic, cpu_phys_bits());
        v->pc = &pc;
        v->bus = &pc.bus;
        print_machine(&pc.as_mem, &pc.as_io);
        return true;
    }
    if (machine_build(&test, ram, g->mem) != MR_OK)
        return false;
    v->machine = &test;
    v->bus = &test.bus;
    print_machine(&test.as_mem, &test.as_io);
    return true;
}

static void destroy_machine(struct vcpu *v)
{
    if (v->pc)
        pc_destroy(v->pc);
    else
        machine_destroy(v->machine);
}

/* One guest on a fresh machine; the pool must end where it started. */
static bool run_one(const struct vmx_caps *caps, const struct guest_spec *g, void *ram,
                    uint64_t ram_size, uint64_t boot_tsc)
{
    static struct vcpu vcpu;
    struct vcpu *v = &vcpu;
    struct pool_stats before, after;
    uint64_t status = 1;
    char mem[16];

    guest_size_str(g->mem, mem, sizeof(mem));
    plat_log(LOG_INFO, "run: %s mode=%u mem=%s%s", g->name, g->mode, mem,
             g->machine == GUEST_MACHINE_PC ? " machine=pc" : "");
    pool_get_stats(&before);
    memset(v, 0, sizeof(*v));
    v->caps = caps;
    v->vpid = next_vpid();
    v->name = g->name;
    if (!g->payload)
        plat_log(LOG_ERR, "run: %s: no payload (%s was not read)", g->name, g->path);
    else if (g->mem > ram_size)
        plat_log(LOG_ERR, "run: %s: mem=%s is more than the %llu MiB of guest RAM boot/ got",
                 g->name, mem, (unsigned long long)(ram_size >> 20));
    else if (build_machine(v, g, ram)) {
        /* boot/ leaves at least a page of the block past the largest
         * guest's RAM: the host memory right after this guest's RAM. */
        canary_plant_after(ram, g->mem, PLAT_PAGE_SIZE);
        status = run_prepared(v, g, boot_tsc);
        vcpu_free(v);
        destroy_machine(v);
        if (canary_check()) {
            plat_log(LOG_ERR, "run: %s: hv's memory changed while the guest ran", g->name);
            status = status ? status : 1;
        }
    }
    pool_get_stats(&after);
    /* Slab pages stay with their size class for reuse: not a leak. */
    if (after.used_pages - after.slab_pages != before.used_pages - before.slab_pages ||
        after.live_allocs != before.live_allocs) {
        plat_log(LOG_ERR, "run: %s: pool not back to its starting count: %llu -> %llu pages, "
                 "%llu -> %llu blocks", g->name,
                 (unsigned long long)(before.used_pages - before.slab_pages),
                 (unsigned long long)(after.used_pages - after.slab_pages),
                 (unsigned long long)before.live_allocs, (unsigned long long)after.live_allocs);
        status = status ? status : 1;
    } else {
        plat_log(LOG_INFO, "run: %s: pool back to %llu pages, %llu blocks", g->name,
                 (unsigned long long)(after.used_pages - after.slab_pages),
                 (unsigned long long)after.live_allocs);
    }
    plat_log(LOG_INFO, "run: %s status %llu (%s)", g->name, (unsigned long long)status,
             status ? "fail" : "pass");
    return status == 0;
}

/* The built-in demo guest (hv/guest/builtin.asm): a flat 32-bit payload. */
extern const uint8_t guest_builtin_start[], guest_builtin_end[];

unsigned vmx_run_guests(const struct vmx_caps *caps, const struct boot_info *bi)
{
    struct guest_spec builtin = {.name = "builtin", .path = "(built-in)", .mode = 32,
                                 .mem = GUEST_MEM_DEFAULT, .timeout = GUEST_TIMEOUT_DEFAULT,
                                 .ept_pages = GUEST_EPT_PAGES_DEFAULT,
                                 .payload = guest_builtin_start,
                                 .builtin = true};
    void *ram = (void *)(uintptr_t)bi->guest_ram_base;
    unsigned i, n = bi->guests.n, failed = 0;

    builtin.payload_size = (uint64_t)(guest_builtin_end - guest_builtin_start);
    host_desc_install();
    if (!vmx_on(caps) || !guest_cpu_host_setup())
        return n ? n : 1;
    if (n == 0) {
        failed += !run_one(caps, &builtin, ram, bi->guest_ram_size, bi->tsc_at_entry);
    } else {
        for (i = 0; i < n; i++)
            failed += !run_one(caps, &bi->guests.g[i], ram, bi->guest_ram_size,
                               bi->tsc_at_entry);
    }
    vmx_off();
    return failed;
}
