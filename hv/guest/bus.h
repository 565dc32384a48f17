/*
 * Glue from an EPT violation to the emulator and from the emulator's
 * memory callbacks to the memory API (memory/memory.h).
 *
 * The VMX code keeps one AddressSpace per guest ("memory") and implements
 * struct emu_ops with these helpers:
 *   ops.access  = a wrapper calling mmio_as_access(vcpu->as, ...)
 *   ops.ram_ptr = a wrapper calling mmio_as_ram_ptr(vcpu->as, ...)
 * and on exit reason 48 calls mmio_ept_violation() with the exit
 * qualification, GUEST_PHYSICAL_ADDRESS and GUEST_LINEAR_ADDRESS.
 */
#ifndef HV_X86_MMIO_H
#define HV_X86_MMIO_H

#include "hv/x86/emulate.h"
#include "memory/memory.h"

/* EPT-violation exit qualification bits (SDM 28.2.1, Table 28-7). */
#define EPT_QUAL_READ (1ull << 0)
#define EPT_QUAL_WRITE (1ull << 1)
#define EPT_QUAL_FETCH (1ull << 2)
#define EPT_QUAL_GLA_VALID (1ull << 7)
#define EPT_QUAL_GLA_TRANSLATED (1ull << 8) /* the access itself, not a walk */

/* One access of 1, 2, 4 or 8 bytes through the address space's dispatch
 * (RAM copied, MMIO dispatched as one access when inside one region).
 * Returns 0, or 1 when nothing was mapped there (reads then give 0xff..). */
int mmio_as_access(AddressSpace *as, uint64_t gpa, unsigned size,
                   bool is_write, uint64_t *val);

/* mmio_as_access with a one-range lookup cache the caller keeps (one per
 * vCPU, zero-initialised): the last flat range an MMIO access went to.  It
 * is used only while the address space has the same flat view and no
 * address space was re-rendered since (memory_render_count()), so it is
 * never stale; then an access inside that range goes straight to the
 * region's dispatch (memory_region_dispatch_read/write) -- exactly what
 * address_space_read/write do for one access of 1, 2, 4 or 8 bytes inside
 * one non-direct range.  Anything else takes mmio_as_access. */
struct mmio_as_cache {
    const AddressSpace *as;
    uint64_t view_gen; /* as->view_gen when fr was looked up */
    const FlatRange *fr;
};
int mmio_as_access_cached_slow(struct mmio_as_cache *c, AddressSpace *as, uint64_t gpa,
                               unsigned size, bool is_write, uint64_t *val);
/* Inline, so the backend's ops->access wrapper and this hot test are one
 * frame; everything else is mmio_as_access_cached_slow (mmio.c). */
static inline int mmio_as_access_cached(struct mmio_as_cache *c, AddressSpace *as, uint64_t gpa,
                                        unsigned size, bool is_write, uint64_t *val)
{
    const FlatRange *fr = c->fr;

    /* The hot test: the cached range is from the current view and holds
     * the whole access.  Its flags need no test: only RAM, ROM and ROMD
     * ranges have FR_DIRECT_* set (memory_region_access_flags), and the
     * direct dispatch takes I/O regions only.  It also refuses sizes other
     * than 1, 2, 4, 8 and unaligned offsets, and writes *val only when it
     * took the access (then as memory_region_dispatch_read/write would:
     * one callback, the value masked to size). */
    if (fr && c->as == as && c->view_gen == as->view_gen &&
        gpa - fr->start <= fr->last - fr->start && fr->last - gpa >= size - 1 &&
        memory_region_dispatch_direct(fr->mr, fr->offset_in_region + (gpa - fr->start), val,
                                      size, is_write))
        return 0;
    return mmio_as_access_cached_slow(c, as, gpa, size, is_write, val);
}

/* Host pointer to RAM/ROM at gpa (valid to the end of the 4 KiB page and
 * of the flat range), or NULL for MMIO and unassigned space. */
uint8_t *mmio_as_ram_ptr(AddressSpace *as, uint64_t gpa);

/* Handles one EPT violation: classifies it, and for a data access runs the
 * emulator.  ctx->regs must be filled as emulate.h describes.  A fetch
 * from MMIO is refused with #UD and a log line. */
enum emu_result mmio_ept_violation(struct emu_ctx *ctx, uint64_t qual,
                                   uint64_t gpa, uint64_t gla);

#endif
