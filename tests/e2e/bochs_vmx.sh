#!/usr/bin/env bash
# bochs_vmx: boot build/hv.efi under Bochs with software VT-x
# (corei7_skylake_x: EPT, A/D, PML, VPID, unrestricted guest) and check its
# serial console: VT-x found usable, IA32_FEATURE_CONTROL locked, VMXON,
# the EPT built from the sample machine's flat view, the built-in real-mode
# guest's hypercall output, port I/O through the I/O address space, CPUID,
# HLT, MMIO through the decoder and dispatch, the exit summary with exact counts, the verdict.  Each checked line
# is one assertion; ends with "bochs_vmx: N passed, M failed".  One Bochs
# run, bounded by BOCHS_TIMEOUT (default 180 s; it takes ~12 s here).
#
#   HV_EFI=path/to/hv.efi   test another build (default build/hv.efi)
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
cpu=${BOCHS_CPU:-corei7_skylake_x}
passed=0 failed=0
raw=$(mktemp) log=$(mktemp)
trap 'rm -f "$raw" "$log"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

if [ ! -f "$efi" ]; then
    echo "FAIL: $efi not built (run make)"
    echo "bochs_vmx: 0 passed, 1 failed"
    exit 1
fi

start=$(date +%s%N)
tools/run-bochs --efi "$efi" --cpu "$cpu" --timeout "${BOCHS_TIMEOUT:-180}" --log "$raw" \
    >/dev/null 2>&1
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
tr -d '\r' < "$raw" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*' > "$log"

[ "$status" -eq 0 ] && pass || fail "run-bochs exit status $status, want 0 (pass)"

expect() { if grep -qxF -- "$1" "$log"; then pass; else fail "missing line: $1"; fi; }
expect_re() { if grep -qxE -- "$1" "$log"; then pass; else fail "no line matching: $1"; fi; }
absent() {
    if grep -qE -- "$1" "$log"; then fail "unexpected line: $(grep -E -- "$1" "$log" | head -1)"
    else pass; fi
}

expect 'hv: I ==== hv 0.1: VT-x/EPT hypervisor on a hierarchical memory API ===='
expect 'hv: I cpu: GenuineIntel family 0x6 model 0x55 stepping 4'
expect_re 'hv: I vmx: basic 0x[0-9a-f]+ \(VMCS revision 0x[0-9a-f]+, TRUE_ controls\), feature control 0 \(unlocked\)'
expect 'hv: I vmx: usable: EPT A/D PML VPID unrestricted-guest 1G-pages'
absent '^hv: W vmx: missing:'
expect_re 'hv: I selftest: [0-9]+ passed, 0 failed'
expect 'hv: I vmx: IA32_FEATURE_CONTROL was unlocked (0): now 0x5 (VMX outside SMX, locked)'
expect_re 'hv: I vmx: VMXON ok \(region 0x[0-9a-f]+\)'
# 16 MiB of RAM less the VGA and ISA-BIOS windows (32 pages each), plus
# the ISA-BIOS alias and the BIOS ROM (32 pages each): 4096 pages; MMIO
# (vga-lowmem, testdev) not mapped.  EPTP low bits 0x5e: WB, 4-level, A/D.
expect_re 'hv: I ept: eptp 0x[0-9a-f]+05e: 4096 pages mapped, [0-9]+ table pages, A/D on'
expect 'hv: I vmx: launching the guest'
expect 'hv: I guest: hello from the built-in real-mode guest'
expect 'hv: W memory: as io: unassigned read at 1234 (1 bytes), 1 so far'
expect 'hv: I guest: all checks passed: vmcall, port I/O, unassigned port, cpuid, hlt, RAM, MMIO'
expect 'hv: I exits: 12 total: cpuid 1, hlt 1, vmcall 3, io 3, ept-violation 4'
# MMIO through the decoder: mov store, mov load, add (read + write), movzx.
expect 'hv: I machine: vga-lowmem saw 3 reads, 2 writes (last: 2 bytes at +0x10); 4 MMIO exits emulated'
expect 'hv: I guest: exited with status 0 (pass)'
absent '^hv: E (report|exception|panic|vmx):'
# The guest run gives back every page it took (VMXON region, VMCS, EPT).
pools=$(grep -c '^hv: I pool: ' "$log")
if [ "$pools" -eq 2 ] && [ "$(grep '^hv: I pool: ' "$log" | sort -u | wc -l)" -eq 1 ]; then pass
else fail "pool counters differ before and after the guest run: $(grep '^hv: I pool: ' "$log")"; fi
expect 'hv: I result: PASS'
expect 'hv: I shutdown: powering off'

echo "bochs_vmx: Bochs run ($cpu) in ${ms} ms"
if [ "$failed" -ne 0 ]; then
    echo "---- hv.efi serial log (last 40 lines):"
    tail -40 "$log"
fi
echo "bochs_vmx: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
