#!/usr/bin/env bash
# bochs_exits: instruction counts of hv.efi under Bochs (corei7_skylake_x).
# Under Bochs with "clock: sync=none" the TSC advances with emulated
# instructions, so RDTSC deltas are instruction counts (scaled by the ticks
# per instruction, which the guest calibrates with a bare 200,000-
# instruction loop).  For a 256 MiB and a 2 GiB guest (one boot each) it
# reports:
#   - emulated instructions from hv.efi's first
#     instruction (TSC at efi_main, printed by hv) to the guest's first
#     instruction (its first RDTSC): firmware-side boot, self-tests, machine
#     build, RAM zeroing, EPT, VMCS;
#   - one MMIO exit round trip (a test-device read: EPT violation, decode,
#     dispatch, write-back, VM entry), against a port-I/O exit round trip
#     and a plain RAM read measured in the same run.
# Prints "bench: NAME: VALUE UNIT (xR vs BASELINE)" lines.
set -uo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d /tmp/bochs_exits.XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s build/hv.efi build/guests/bench.bin >/dev/null || exit 1

declare -A boot_insn
hexval() { grep -a -o "hv: I guest: bench $1 [0-9a-f]*" "$work/log" | awk '{print $NF}'; }

for mem in 256M 2G; do
    tools/run-bochs --cpu corei7_skylake_x --timeout 300 --log "$work/raw" \
        --guest "build/guests/bench.bin,mode=64,mem=$mem,name=bench" >/dev/null 2>&1
    st=$?
    tr -d '\r' < "$work/raw" > "$work/log"
    if [ $st -ne 0 ]; then
        echo "bench: bochs_exits: the $mem run failed (run-bochs status $st)" >&2
        grep -a 'hv: E' "$work/log" | head -5 >&2
        exit 1
    fi
    entry=$(grep -a -o 'hv: I boot: TSC at hv.efi entry [0-9]*' "$work/log" | awk '{print $NF}')
    first=$((16#$(hexval first-tsc))) cal=$((16#$(hexval loop-100000)))
    ram=$((16#$(hexval ram-2000))) pio=$((16#$(hexval pio-2000))) mmio=$((16#$(hexval mmio-2000)))
    # ticks per instruction, x1000 (integer arithmetic)
    tpi_m=$((cal * 1000 / 200000))
    [ "$tpi_m" -gt 0 ] || { echo "bench: bochs_exits: calibration failed" >&2; exit 1; }
    insn() { echo $(( $1 * 1000 / tpi_m )); }
    boot=$(insn $((first - entry)))
    boot_insn[$mem]=$boot
    ram_i=$(insn "$ram") pio_i=$(insn "$pio") mmio_i=$(insn "$mmio")
    # per iteration, minus the loop's own instructions (load/in + dec + jnz
    # as in the RAM loop, whose iteration is exactly 3 instructions)
    per_ram=$(awk -v t="$ram_i" 'BEGIN{printf "%.2f", t / 2000}')
    per_pio=$(awk -v t="$pio_i" -v r="$ram_i" 'BEGIN{printf "%.0f", (t - r) / 2000 + 1}')
    per_mmio=$(awk -v t="$mmio_i" -v r="$ram_i" 'BEGIN{printf "%.0f", (t - r) / 2000 + 1}')
    echo "bench: note: Bochs clock sync=none: TSC ticks count emulated instructions" \
         "($(awk -v m="$tpi_m" 'BEGIN{printf "%.3f", m / 1000}') ticks per instruction," \
         "calibrated by a 200000-instruction loop in the guest)"
    echo "bench: bochs_hv_start_to_first_guest_insn_$mem: $(awk -v b="$boot" 'BEGIN{printf "%.1f", b / 1e6}') Minsn" \
         "($(awk -v b="$boot" -v a="${boot_insn[256M]}" 'BEGIN{printf "%.2f", b / a}')x vs the 256M guest)"
    echo "bench: bochs_mmio_exit_round_trip_$mem: $per_mmio insn" \
         "($(awk -v a="$per_mmio" -v b="$per_pio" 'BEGIN{printf "%.2f", a / b}')x vs a port-I/O exit round trip of $per_pio insn)"
    echo "bench: bochs_pio_exit_round_trip_$mem: $per_pio insn" \
         "($(awk -v a="$per_pio" -v b="$per_ram" 'BEGIN{printf "%.0f", a / (b / 3)}')x vs one instruction of a RAM read loop, $per_ram insn/iteration)"
done
