#!/usr/bin/env bash
# bochs_vmx: hv.efi under Bochs with software VT-x and no hv.cfg, checked
# line by line from its serial console (about 20 s, bounded by
# BOCHS_TIMEOUT, default 180 s): what `make run` shows -- VMX bring-up,
# the capabilities, the machine's region tree and flat view, EPT from
# ept/'s listener with PML, the built-in 32-bit demo guest (hypercalls,
# port and string I/O, CPUID, HLT, MMIO through the decoder to the test
# device, both UARTs), the exit counts, the pool back where it started,
# the verdict.  The test guests (tests/guests/guests.list) run in
# tests/e2e/guests.sh.  Each checked line is one assertion; ends with
# "bochs_vmx: N passed, M failed".
#
#   HV_EFI=path/to/hv.efi   test another build (default build/hv.efi)
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
tmo=${BOCHS_TIMEOUT:-180}
passed=0 failed=0
work=$(mktemp -d /tmp/bochs_vmx.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/log

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect() { if grep -qxF -- "$1" "$log"; then pass; else fail "missing line: $1"; fi; }
expect_re() { if grep -qxE -- "$1" "$log"; then pass; else fail "no line matching: $1"; fi; }
absent() {
    if grep -qE -- "$1" "$log"; then fail "unexpected line: $(grep -E -- "$1" "$log" | head -1)"
    else pass; fi
}
# boot NAME WANT_STATUS run-bochs-args...: one Bochs run into $log.
boot() {
    local name=$1 want=$2 start ms status
    shift 2
    start=$(date +%s%N)
    tools/run-bochs --efi "$efi" --timeout "$tmo" --log "$work/raw" "$@" >/dev/null 2>&1
    status=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    tr -d '\r' < "$work/raw" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*' > "$log"
    echo "bochs_vmx: $name: run-bochs status $status in ${ms} ms"
    if [ "$status" -eq "$want" ]; then pass
    else fail "$name: run-bochs exit status $status, want $want"; tail -30 "$log"; fi
}

if [ ! -f "$efi" ]; then
    echo "FAIL: $efi not built (run make)"
    echo "bochs_vmx: 0 passed, 1 failed"
    exit 1
fi

# ---- 1. the built-in guest
boot builtin 0 --cpu corei7_skylake_x
expect 'hv: I ==== hv 0.1: VT-x/EPT hypervisor on a hierarchical memory API ===='
expect 'hv: I cpu: GenuineIntel family 0x6 model 0x55 stepping 4'
expect_re 'hv: I vmx: basic 0x[0-9a-f]+ \(VMCS revision 0x[0-9a-f]+, TRUE_ controls\), feature control 0 \(unlocked\)'
expect 'hv: I vmx: usable: EPT A/D PML VPID unrestricted-guest 1G-pages'
absent '^hv: W vmx: missing:'
expect_re 'hv: I selftest: [0-9]+ passed, 0 failed'
expect 'hv: I boot: no \EFI\hv\hv.cfg: hv runs its built-in guest'
expect 'hv: I vmx: IA32_FEATURE_CONTROL was unlocked (0): now 0x5 (VMX outside SMX, locked)'
expect_re 'hv: I vmx: VMXON ok \(region 0x[0-9a-f]+\)'
expect 'hv: I run: builtin mode=32 mem=64M'
expect 'hv: I mtree:     00000000fed00000-00000000fed00fff (prio 0, i/o): testdev'
expect 'hv: I flatview: flat view of address-space: memory (15 ranges)'
expect 'hv: I load: flat payload, 460 bytes at 0x100000-0x1001cb, entry 0x100000'
# EPTP low bits 0x5e: WB, 4-level, A/D.  64 MiB of RAM: 2 MiB leaves except
# where the hole and the BIOS alias cut the first 2 MiB.
expect_re 'hv: I ept: eptp 0x[0-9a-f]+05e: [0-9]+ 4K \+ 31 2M \+ 0 1G leaves, [0-9]+ table pages, dirty logging by pml, A/D on'
expect_re 'hv: I vmx: launching the guest \([0-9]+ TSC ticks since hv.efi started\)'
expect 'hv: I guest: hello from the built-in 32-bit guest'
expect 'hv: I post: 0x5a'
expect 'hv: W memory: as io: unassigned read at 1234 (1 bytes), 1 so far'
expect 'hv: I guest: COM1 line by rep outsb'
expect 'hv: I guest: MMIO UART line'
expect 'hv: I guest: all checks passed: vmcall, port I/O, unassigned port, cpuid, hlt, RAM, MMIO, string I/O, MMIO UART'
# 15 MMIO UART bytes + ID, scratch32 w/r, add (r+w), movzx = 20 EPT exits;
# rep outsb is one I/O exit for 23 bytes.
expect 'hv: I exits: 29 total: cpuid 1, hlt 1, vmcall 3, io 4, ept-violation 20'
expect 'hv: I machine: post saw 1 writes (last 0x5a); testdev logged 6 accesses'
expect 'hv: I guest: exited with status 0 (pass)'
expect_re 'hv: I run: builtin: pool back to [0-9]+ pages, 0 blocks'
expect 'hv: I run: builtin status 0 (pass)'
absent '^hv: E (report|exception|panic|vmx|run):'
expect 'hv: I result: PASS'
expect 'hv: I shutdown: powering off'

echo "bochs_vmx: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
