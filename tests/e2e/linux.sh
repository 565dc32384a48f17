#!/usr/bin/env bash
# Debian 12's cloud kernel, unmodified, on the pc machine under hv in Bochs
# (docs/linux.md): fetched by tools/linux-fetch, booted with the initramfs
# of tools/linux-initramfs.  Checks the markers, that the clocksource is
# the TSC, that /proc/interrupts shows the local APIC timer and an I/O APIC
# line counting between two snapshots, the workload's checksum, and that
# the run ended by ACPI power-off with status 0 and hv's canaries intact;
# then the dirty-log check on the three CPU classes, the last one with the
# MMIO UART as earlycon.
# Without the packages (no network) it prints one "skipped" line.
#
#   LINUX_KEEP=1 tests/e2e/linux.sh     keep the log
set -uo pipefail
cd "$(dirname "$0")/../.."
efi=${HV_EFI:-build/hv.efi}
append="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests initcall_blacklist=load_system_certificate_list,init_kprobe_trace mitigations=off"

if ! msg=$(tools/linux-fetch build/linux 2>&1); then
    echo "$msg"
    echo "linux: skipped (the kernel packages could not be fetched)"
    echo "linux: 0 passed, 0 failed"
    exit 0
fi
[ -n "$msg" ] && echo "$msg"
work=$(mktemp -d /tmp/linux-e2e.XXXXXX)
if [ -n "${LINUX_KEEP:-}" ]; then trap 'echo "linux: log kept in $work"' EXIT
else trap 'rm -rf "$work"' EXIT; fi

passed=0 failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then pass "linux: $what"; else fail "linux: $what"; fi; }

start=$(date +%s)
tools/run-bochs --efi "$efi" --cpu corei7_skylake_x --kernel build/linux/vmlinuz,timeout=300 \
    --initrd build/linux/initrd.gz --mem 256M --timeout 1200 --log "$work/raw" \
    --append "$append" > /dev/null 2>&1
status=$?
tr -d '\r' < "$work/raw" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*' > "$work/log"
echo "linux: boot ended with run-bochs status $status in $(( $(date +%s) - start )) s"
log=$work/log
g() { sed -n 's/^hv: I guest: //p' "$log"; }

check "the kernel was loaded by the boot protocol" grep -q "^hv: I linux: boot protocol 2\." "$log"
check "userspace started (marker)" grep -qx "hv: I guest: hv-linux: userspace start" "$log"
check "the workload ran to its end marker" grep -qx "hv: I guest: hv-linux: userspace end" "$log"
check "the clocksource is the TSC" grep -qx "hv: I guest: hv-linux: clocksource tsc" "$log"
check "the clockevent is the local APIC timer" \
    grep -q "^hv: I guest: hv-linux: clockevent lapic" "$log"

# /proc/interrupts, twice: the local APIC timer and an I/O APIC line count
snap() { g | sed -n "/^hv-linux: interrupts ($1)/,/^hv-linux: /p"; }
loc1=$(snap 1 | awk '$1 == "LOC:" { print $2 }') loc2=$(snap 2 | awk '$1 == "LOC:" { print $2 }')
io1=$(snap 1 | awk '/IO-APIC/ { s += $2 } END { print s + 0 }')
io2=$(snap 2 | awk '/IO-APIC/ { s += $2 } END { print s + 0 }')
check "local APIC timer interrupts counting (LOC $loc1 -> $loc2)" \
    test "${loc1:-0}" -gt 0 -a "${loc2:-0}" -gt "${loc1:-0}"
check "I/O APIC lines counting ($io1 -> $io2)" test "$io1" -gt 0 -a "$io2" -gt "$io1"

# the workload's files, made here the same way
want=$(for i in 0 1 2 3 4 5 6 7; do head -c 65536 /dev/zero; echo "block $i"; done | md5sum | cut -d' ' -f1)
check "the workload's checksum is $want" grep -qx "hv: I guest: hv-linux: checksum $want" "$log"
check "the timer sleeps returned" grep -qx "hv: I guest: hv-linux: slept" "$log"
check "the run ended by ACPI power-off (S5)" grep -qx "hv: I guest: powered off through ACPI (S5)" "$log"
check "the run's status is 0" grep -qE "^hv: I run: [^ ]+ status 0 \(pass\)$" "$log"
check "fbcon drew on hv's framebuffer (efifb at 0xfd000000)" \
    grep -q "^hv: I guest: fd000000-fd1d4fff : efifb" "$log"
check "the screen was dumped and rebuilds as a PNG with a matching CRC" \
    tools/fb2png "$work/log" "$work/screen.png" --quiet
check "hv's canaries and pool intact after Linux" \
    grep -qE "^hv: I canary: [^ ]+: VMCS, MSR and I/O bitmaps,( PML buffer,)? EPT intact$" "$log"
if [ "$failed" -gt 0 ]; then
    grep -E "^hv: [EW] |^hv: I (exits|time):" "$log" | head -15 | sed 's/^/    /'
    g | tail -15 | sed 's/^/    /'
fi
grep -E "^hv: I (exits|time):" "$log"

# The dirty-log check (dirty-log=on, hv/vmx/dirtycheck.c) on the three CPU
# classes: PML (Skylake-X), EPT A/D bits without PML (Haswell), write
# protection without A/D bits (Sandy Bridge).  Two boots at a time.
dirty_boot() { # TAG CPU [APPEND]
    tools/run-bochs --efi "$efi" --cpu "$2" --kernel build/linux/vmlinuz,dirty-log=on,timeout=600 \
        --initrd build/linux/initrd.gz --mem 256M --timeout 1500 --log "$work/raw-$1" \
        --append "${3:-$append}" > /dev/null 2>&1
    tr -d '\r' < "$work/raw-$1" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*' > "$work/log-$1"
}
dirty_check() { # TAG MODE
    local l=$work/log-$1 sum
    sum=$(grep -E "^hv: . dirty: [0-9]+ harvests by " "$l")
    if grep -qE "^hv: I dirty: ([3-9]|[1-9][0-9]+) harvests by $2: [1-9][0-9]* pages reported dirty, [0-9]+ changed, 0 missed$" "$l" &&
       grep -qx "hv: I guest: hv-linux: userspace end" "$l" &&
       grep -qE "^hv: I run: [^ ]+ status 0 \(pass\)$" "$l"; then
        pass "linux dirty log ($1, $2): ${sum#hv: I dirty: }; the run passed"
    else
        fail "linux dirty log ($1, $2): ${sum:-no summary line}"
        grep -E "^hv: E |dirty: harvest" "$l" | head -8 | sed 's/^/    /'
    fi
    grep -E "^hv: I dirty: harvest" "$l" | head -3 | sed 's/^hv: I /    /'
}
dirty_boot pml corei7_skylake_x & dirty_boot ad corei7_haswell_4770 & wait
# The last boot also has the MMIO UART as earlycon and no "quiet": the
# kernel's first lines (its log from the start, replayed when the boot
# console registers) come out as guest-mmio lines until COM1 takes over.
dirty_boot wp corei7_sandy_bridge_2600k "${append/ quiet/} earlycon=uart8250,mmio,0xfe000000,115200"
dirty_check pml pml
dirty_check ad dirty-flags
dirty_check wp write-protect
l=$work/log-wp
if grep -q "^hv: I guest-mmio: .*Linux version 6\." "$l" &&
   grep -q "^hv: I guest-mmio: .*earlycon: .* at MMIO 0x0*fe000000 " "$l" &&
   grep -q "^hv: I guest: .*console \[ttyS0\] enabled" "$l"; then
    pass "linux earlycon: $(grep -c '^hv: I guest-mmio: ' "$l") lines on the MMIO UART (from '$(grep -m1 -o 'Linux version [^ ]*' "$l")'), then COM1's console"
else
    fail "linux earlycon: no 'Linux version' and 'earlycon: ... at MMIO 0xfe000000' lines on the MMIO UART, or COM1 never took over"
    grep -E "^hv: I guest(-mmio)?: " "$l" | head -5 | sed 's/^/    /'
fi
echo "linux: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
