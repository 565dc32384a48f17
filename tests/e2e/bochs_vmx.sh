#!/usr/bin/env bash
# bochs_vmx: hv.efi under Bochs with software VT-x, checked from its serial
# console, in four boots (each ~15-25 s, bounded by BOCHS_TIMEOUT, default
# 180 s; one emulator at a time):
#   1. corei7_skylake_x, no hv.cfg: the built-in 32-bit demo guest (VMX
#      bring-up, EPT from ept/'s listener with PML, hypercalls, port and
#      string I/O, CPUID, HLT, MMIO through the decoder to the test device,
#      both UARTs, exit counts, the pool back where it started).
#   2. corei7_skylake_x, the hv-smoke guests (tests/guests/hv-smoke) from an
#      hv.cfg: 16-bit flat, 32-bit ELF, 64-bit flat entry states, dirty
#      logging by PML, a triple fault (reported, run fails), a guest ending
#      with status 3 through the debug-exit port; verdict FAIL with 2 of 6.
#   3. corei7_haswell_4770: dirty logging by EPT A/D flags.
#   4. corei7_sandy_bridge_2600k: dirty logging by write protection.
# Each checked line is one assertion; ends with "bochs_vmx: N passed, M failed".
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
if ! tests/guests/hv-smoke/build.sh "$work/g" >"$work/build.out" 2>&1; then
    cat "$work/build.out"
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

# ---- 2. the smoke guests, one boot, each on a fresh machine
cat > "$work/smoke.cfg" <<'CFG'
# hv-smoke: every entry mode, dirty logging, a triple fault, a failing status
guest \EFI\hv\guests\smoke16.bin mode=16 mem=8M
guest \EFI\hv\guests\smoke32.elf mode=32 mem=32M
guest \EFI\hv\guests\smoke64.bin mode=64 mem=256M
guest \EFI\hv\guests\dirty.bin mode=64 mem=16M
guest \EFI\hv\guests\triple.bin mode=64 mem=4M
guest \EFI\hv\guests\status3.bin mode=32
CFG
files=()
for f in smoke16.bin smoke32.elf smoke64.bin dirty.bin triple.bin status3.bin; do
    files+=(--file "$work/g/$f")
done
boot smoke 1 --cpu corei7_skylake_x --cfg "$work/smoke.cfg" "${files[@]}"
expect 'hv: I boot: \EFI\hv\hv.cfg: 6 guest(s), 0 bad line(s)'
expect 'hv: I run: smoke16 mode=16 mem=8M'
expect 'hv: I load: flat payload, 466 bytes at 0x10000-0x101d1, entry 1000:0000'
expect 'hv: I guest: PASS smoke16: real-mode entry state, GDT, BIOS alias, hole'
expect 'hv: I debug-exit: status 0x0 (1 bytes)'
expect 'hv: I run: smoke16 status 0 (pass)'
expect 'hv: I run: smoke32 mode=32 mem=32M'
expect_re 'hv: I load: ELF32 payload, [0-9]+ bytes at 0x1ff000-0x202047, entry 0x200000'
expect 'hv: I guest: PASS smoke32: ELF32 entry state, bss, top of RAM, testdev, COM1'
expect 'hv: I run: smoke32 status 0 (pass)'
expect 'hv: I run: smoke64 mode=64 mem=256M'
expect 'hv: W msr: guest read of MSR 0x12345678: not allowed, #GP injected'
expect 'hv: I guest: PASS smoke64: long-mode entry state, page tables, GDT, MMIO, #GP from MSR'
expect 'hv: W hypercall: unknown function 0x7777'
expect 'hv: I run: smoke64 status 0 (pass)'
expect 'hv: I hypercall: dirty logging of 0x400000-0x43ffff by pml'
expect 'hv: I guest: PASS dirty: 4 rounds, exact page sets, reads never counted'
expect 'hv: I run: dirty status 0 (pass)'
expect 'hv: E guest: triple fault'
expect 'hv: E report: exit reason 0x2 (triple-fault), qualification 0, insn error 0, intr info 0'
expect 'hv: E guest: stopped by hv: guest triple fault'
expect 'hv: I run: triple status 1 (fail)'
expect 'hv: I run: status3 mode=32 mem=64M'
expect 'hv: I guest: exited with status 3 (fail)'
expect 'hv: I run: status3 status 3 (fail)'
n=$(grep -cE '^hv: I run: [a-z0-9]+: pool back to [0-9]+ pages, 0 blocks$' "$log")
[ "$n" -eq 6 ] && pass || fail "pool back to its start after $n of 6 guests"
[ "$(grep -oE 'pool back to [0-9]+ pages' "$log" | sort -u | wc -l)" -eq 1 ] && pass ||
    fail "pool counts differ between guests: $(grep -oE 'pool back to [0-9]+' "$log" | sort -u | tr '\n' ' ')"
expect 'hv: E result: FAIL (2 of 6 guest(s) failed)'
[ "$(tail -2 "$log" | head -1)" = 'hv: E result: FAIL (2 of 6 guest(s) failed)' ] && pass ||
    fail "the verdict is not the last line before shutdown"

# ---- 3, 4. dirty logging on the CPU models without PML / without A/D
for model in corei7_haswell_4770:dirty-flags corei7_sandy_bridge_2600k:write-protect; do
    cpu=${model%%:*} how=${model#*:}
    boot "dirty-$cpu" 0 --cpu "$cpu" --guest "$work/g/dirty.bin,mode=64,mem=16M"
    expect "hv: I hypercall: dirty logging of 0x400000-0x43ffff by $how"
    expect 'hv: I guest: PASS dirty: 4 rounds, exact page sets, reads never counted'
    expect 'hv: I run: dirty status 0 (pass)'
    expect 'hv: I result: PASS'
done

echo "bochs_vmx: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
