/*
 * regions: HC_REGION's answers (docs/guest-abi.md "Hypercalls"): a move
 * far away that the EPT must grow new tables for works and comes back; a
 * move the memory API refuses returns its code as HC_EMEM(e) -- an
 * overlap is -105 -- and leaves the map as it was; a bad id or operation
 * is HC_EINVAL.  (The host test tests/unit/test_hypercall.c also makes the
 * commit itself fail, out of memory, and checks -103 and the map.)
 */
#include "lib/guest.h"

const char g_name[] = "regions";

#define FB 0xfd000000ull
#define TESTDEV 0xfed00000ull
#define FAR 0x4000000000ull /* 256 GiB: a new page directory and table */
#define HC_EINVAL (-22)
#define HC_EMEM_EOVERLAP (-105)

enum { ID_TESTDEV = 1, ID_FB = 3 };
enum { OP_DISABLE = 0, OP_ENABLE = 1, OP_MOVE = 2 };

void guest_main(void)
{
    volatile u32 *fb = (volatile u32 *)(uptr)FB;
    volatile u32 *td = (volatile u32 *)(uptr)TESTDEV;

    fb[64] = 0x12345678;
    g_check("moving the framebuffer to 256 GiB succeeds", 0,
            (u64)hv_call(HC_REGION, ID_FB, OP_MOVE, FAR, 0));
    g_check("nothing is left at 0xfd000000 (reads all-ones)", 0xffffffff, fb[64]);
    g_check("moving it back succeeds", 0, (u64)hv_call(HC_REGION, ID_FB, OP_MOVE, FB, 0));
    g_check("its contents came along", 0x12345678, fb[64]);

    g_check("moving the test device onto RAM is refused as an overlap (HC_EMEM(MR_EOVERLAP))",
            (u64)(sptr)HC_EMEM_EOVERLAP, (u64)hv_call(HC_REGION, ID_TESTDEV, OP_MOVE, 0x400000, 0));
    g_check("the test device still answers at its place (ID)", 0x54534554, td[0]);
    g_check("an unknown region id is HC_EINVAL", (u64)(sptr)HC_EINVAL,
            (u64)hv_call(HC_REGION, 9, OP_ENABLE, 0, 0));
    g_check("an unknown operation is HC_EINVAL", (u64)(sptr)HC_EINVAL,
            (u64)hv_call(HC_REGION, ID_FB, 7, 0, 0));
    g_exit();
}
