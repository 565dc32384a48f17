#!/usr/bin/env bash
# qemu_boot: boot build/hv.efi under QEMU TCG + OVMF (tools/run-qemu) and
# check its serial console line by line: the boot steps, the banner, the
# sample machine's region tree and flat view with exact addresses, the
# "no VT-x" report, every in-firmware self-test, the verdict and the exit
# status.  Each checked line is one assertion; ends with
# "qemu_boot: N passed, M failed".
#
#   HV_EFI=path/to/hv.efi   test another build (default build/hv.efi)
#   QEMU_TIMEOUT=SECS       bound on the QEMU run (default 90)
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
passed=0 failed=0
raw=$(mktemp) log=$(mktemp)
trap 'rm -f "$raw" "$log"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

if [ ! -f "$efi" ]; then
    echo "FAIL: $efi not built (run make)"
    echo "qemu_boot: 0 passed, 1 failed"
    exit 1
fi

start=$(date +%s%N)
tools/run-qemu --efi "$efi" --timeout "${QEMU_TIMEOUT:-90}" --log "$raw" >/dev/null 2>&1
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
# hv.efi's own lines only: drop carriage returns and the firmware's
# terminal escapes, keep lines from "hv: " on.
tr -d '\r' < "$raw" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*' > "$log"

[ "$status" -eq 0 ] && pass || fail "run-qemu exit status $status, want 0 (pass)"

# expect LINE: an exact line of hv.efi's log.
expect() {
    if grep -qxF -- "$1" "$log"; then pass; else fail "missing line: $1"; fi
}
# expect_re REGEX: a line matching an extended regex (whole line).
expect_re() {
    if grep -qxE -- "$1" "$log"; then pass; else fail "no line matching: $1"; fi
}
# absent REGEX: no line may match.
absent() {
    if grep -qE -- "$1" "$log"; then fail "unexpected line: $(grep -E -- "$1" "$log" | head -1)"; else pass; fi
}

# Boot: serial from the first line, pool, ExitBootServices, handoff.
expect_re 'hv: I boot: hv\.efi started \(UEFI [0-9]+\.[0-9]+\)'
expect_re 'hv: I boot: page pool 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ pages, [0-9]+ MiB\)'
expect_re 'hv: I boot: ExitBootServices done after [1-8] attempt\(s\)'
expect_re 'hv: I boot: memory map: [0-9]+ entries, [0-9]+ MiB RAM, [0-9]+ MiB free, top 0x[0-9a-f]+'
expect 'hv: I ==== hv 0.1: VT-x/EPT hypervisor on a hierarchical memory API ===='

# The guest machine of docs/guest-abi.md (built, printed, torn down even
# without VT-x): its region tree in info mtree format.
expect 'hv: I machine: the guest machine (docs/guest-abi.md) with mem=64M'
expect 'hv: I mtree: address-space: memory'
expect 'hv: I mtree:   0000000000000000-ffffffffffffffff (prio 0, i/o): system'
expect 'hv: I mtree:     0000000000000000-000000000009ffff (prio 0, ram): alias ram-low @ram 0000000000000000-000000000009ffff'
expect 'hv: I mtree:     00000000000c0000-0000000003ffffff (prio 0, ram): alias ram-high @ram 00000000000c0000-0000000003ffffff'
expect 'hv: I mtree:     00000000000e0000-00000000000fffff (prio 1, rom): alias isa-bios @bios 0000000000000000-000000000001ffff'
expect 'hv: I mtree:     0000000000200000-0000000000200fff (prio 1, i/o): alias overlay-window @overlay 0000000000000000-0000000000000fff [disabled]'
expect 'hv: I mtree:     00000000fd000000-00000000fd12bfff (prio 0, ram): fb'
expect 'hv: I mtree:     00000000fec00000-00000000fec00007 (prio 0, i/o): uart-mmio'
expect 'hv: I mtree:     00000000fed00000-00000000fed00fff (prio 0, i/o): testdev'
expect 'hv: I mtree:     00000000fed10000-00000000fed10fff (prio 0, i/o): overlay'
expect 'hv: I mtree:     00000000ff800000-00000000ff83ffff (prio 0, romd): flash'
expect 'hv: I mtree:     00000000fffe0000-00000000ffffffff (prio 0, rom): bios'
expect 'hv: I mtree: address-space: io'
expect 'hv: I mtree:     0000000000000080-0000000000000080 (prio 0, i/o): post'
expect 'hv: I mtree:     00000000000000f4-00000000000000f7 (prio 0, i/o): debug-exit'
expect 'hv: I mtree:     00000000000003f8-00000000000003ff (prio 0, i/o): com1'

# Its flat view: the hole at 0xa0000 unassigned, the BIOS alias resolved to
# the ROM it shows, RAM continuing at the matching offsets.
expect 'hv: I flatview: flat view of address-space: memory (15 ranges)'
expect 'hv: I flatview:   0000000000000000-000000000009ffff (prio 0, ram): ram'
expect 'hv: I flatview:   00000000000c0000-00000000000dffff (prio 0, ram): ram @00000000000c0000'
expect 'hv: I flatview:   00000000000e0000-00000000000fffff (prio 0, rom): bios'
expect 'hv: I flatview:   0000000000100000-0000000003ffffff (prio 0, ram): ram @0000000000100000'
expect 'hv: I flatview:   00000000fd000000-00000000fd12bfff (prio 0, ram): fb'
expect 'hv: I flatview:   00000000fed00500-00000000fed005ff (prio 0, i/o): testdev.coal'
expect 'hv: I flatview:   00000000ff800000-00000000ff83ffff (prio 0, romd): flash'
expect 'hv: I flatview:   00000000fffe0000-00000000ffffffff (prio 0, rom): bios'

# QEMU TCG has no VMX: said clearly, then self-tests only.
expect 'hv: W vmx: no VT-x: CPUID.1:ECX.VMX[bit 5] is 0 (QEMU TCG never offers it); guests cannot run, self-tests only'
expect 'hv: I main: no guest run (no VT-x); self-tests decide the result'

# Every self-test: each registered one reports pass, none fails.
for t in pool.pages pool.bytes pool.bad_requests memory.flat_layout memory.lookup \
         memory.rom_alias memory.ram_access memory.mmio_dispatch memory.io_dispatch \
         memory.unassigned memory.transaction ept.sample_map ept.move_over_ram \
         x86.known_encodings x86.mmio_read x86.mmio_write_movzx x86.rep_stosd \
         x86.unsupported_is_ud; do
    expect "hv: I selftest: pass $t"
done
absent '^hv: E selftest: FAIL'
expect_re 'hv: I selftest: [0-9]+ passed, 0 failed'
n=$(sed -n 's/^hv: I selftest: \([0-9]*\) passed, 0 failed$/\1/p' "$log")
if [ -n "$n" ] && [ "$n" -ge 18 ]; then pass; else fail "self-test count ${n:-none}, want >= 18"; fi
absent '^hv: E panic:'

# The verdict and the power-off.
expect 'hv: I result: PASS'
expect 'hv: I shutdown: powering off'

echo "qemu_boot: boot and self-tests in ${ms} ms"
if [ "$failed" -ne 0 ]; then
    echo "---- hv.efi serial log (last 40 lines):"
    tail -40 "$log"
fi
echo "qemu_boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
