#!/usr/bin/env bash
# guests.sh: the test-guest suite (docs/test-guests.md) under Bochs with
# software VT-x.  Four Bochs boots, one after the other (never two at once):
#
#   1. corei7_skylake_x: every guest of build/guests in one boot, listed in
#      an hv.cfg (decoder forms, memory map, #UD, isolation in 16/32/64-bit
#      modes as built, dirty logging with PML)
#   2. corei7_haswell_4770: the dirty-logging guest alone (EPT A/D bits)
#   3. corei7_sandy_bridge_2600k: the dirty-logging guest alone (write
#      protection)
#   4. the triple-fault guest alone: hv must report the triple fault and
#      end the run with a failure verdict
#
# Every guest line "PASS name: ..." / "FAIL name: ..." is printed (boots 2
# and 3 with "[haswell] " / "[sandy] " after the PASS/FAIL word) and
# counted; the script adds its own lines for what only it can see (the
# verdict of each boot, each guest finishing, the dirty-logging strategy,
# the triple fault) and ends with "e2e: N passed, M failed".
#
#   HV_EFI=path/to/hv.efi     test another build (default build/hv.efi)
#   GUESTS_TIMEOUT=SECS       bound of the big boot (default 900)
#   GUESTS_ONLY="a b"         run only boots among: all haswell sandy triple
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
gb=build/guests
only=${GUESTS_ONLY:-all haswell sandy triple}
passed=0 failed=0
work=$(mktemp -d /tmp/e2e-guests.XXXXXX)
trap 'rm -rf "$work"' EXIT

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

finish() {
    echo "e2e: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# name file mode mem: the guests of the big boot, in run order.
GUESTS=(
    "decode16 decode16.bin 16 64M"
    "decode32 decode32.bin 32 64M"
    "decode64 decode64.bin 64 64M"
    "mmap16 mmap16.bin 16 64M"
    "mmap32 mmap32.bin 32 64M"
    "mmap64 mmap64.bin 64 64M"
    "ud16 ud16.bin 16 64M"
    "ud32 ud32.bin 32 64M"
    "ud64 ud64.bin 64 64M"
    "isolation32 isolation32.elf 32 64M"
    "isolation64 isolation64.elf 64 64M"
    "dirty dirty64.elf 64 64M"
    "devices devices64.elf 64 64M"
)

missing=0
for f in "$efi" $gb/triple64.bin $(for g in "${GUESTS[@]}"; do set -- $g; echo "$gb/$2"; done); do
    [ -f "$f" ] || { fail "e2e setup: $f not built (run make check-build)"; missing=1; }
done
[ "$missing" -eq 0 ] || finish

# Serial log -> hv's lines only (CR, the firmware's ANSI escapes dropped).
clean() { tr -d '\r' < "$1" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*'; }

# boot TAG CPU TIMEOUT run-bochs-args...: one Bochs run; sets $log, $status.
boot() {
    local tag=$1 cpu=$2 t=$3; shift 3
    local raw="$work/$tag.raw"
    log="$work/$tag.log"
    local start=$(date +%s)
    timeout -k 10 $((t + 60)) tools/run-bochs --efi "$efi" --cpu "$cpu" --timeout "$t" --log "$raw" "$@" \
        > "$work/$tag.out" 2>&1
    status=$?
    clean "$raw" > "$log"
    echo "e2e: boot $tag ($cpu): run-bochs status $status in $(( $(date +%s) - start )) s"
}

# Prints and counts the guests' PASS/FAIL lines of $log, prefixed by $1.
count_guest_lines() {
    local prefix=$1 line
    while IFS= read -r line; do
        case $line in
            "hv: I guest: PASS "*) passed=$((passed + 1)); echo "PASS ${prefix}${line#hv: I guest: PASS }" ;;
            "hv: I guest: FAIL "*) failed=$((failed + 1)); echo "FAIL ${prefix}${line#hv: I guest: FAIL }" ;;
        esac
    done < "$log"
}

# A guest's summary line "NAME: N checks passed, M failed" shows it ran to
# its end (hv did not stop it on the way).
check_finished() {
    local prefix=$1 name=$2
    if grep -qE "^hv: I guest: $name: [0-9]+ checks passed, [0-9]+ failed$" "$log"; then
        pass "${prefix}e2e $name: the guest ran to its end (summary line seen)"
    else
        fail "${prefix}e2e $name: the guest did not finish (no summary line; last hv lines below)"
        grep -E "^hv: E " "$log" | head -5 | sed 's/^/    /'
    fi
}

check_verdict() {
    local prefix=$1 want=$2
    if grep -qx "hv: I result: PASS" "$log" && [ "$want" = pass ]; then
        pass "${prefix}e2e verdict: hv: I result: PASS (run-bochs status $status)"
    elif [ "$want" = pass ]; then
        fail "${prefix}e2e verdict: expected 'hv: I result: PASS' got '$(grep -E '^hv: . result:' "$log" | head -1)' (run-bochs status $status)"
        tail -15 "$log" | sed 's/^/    /'
    fi
}

# The strategy the EPT listener chose, from "hypercall: dirty logging of
# A-B by MODE".
check_dirty_mode() {
    local prefix=$1 want=$2 got
    got=$(grep -oE 'hypercall: dirty logging of [^ ]+ by [a-z-]+' "$log" | head -1 | awk '{print $NF}')
    if [ "$got" = "$want" ]; then
        pass "${prefix}e2e dirty: hv logged with '$want' on this CPU model"
    else
        fail "${prefix}e2e dirty: strategy (expected $want got ${got:-nothing})"
    fi
}

# ------------------------------------------------------------ 1: all guests
if [[ " $only " == *" all "* ]]; then
    cfg="$work/hv.cfg"
    {
        echo "# tests/e2e/guests.sh: every test guest, one fresh machine each"
        for g in "${GUESTS[@]}"; do
            set -- $g
            echo "guest \\EFI\\hv\\guests\\$2 mode=$3 mem=$4 name=$1"
        done
    } > "$cfg"
    files=()
    for g in "${GUESTS[@]}"; do set -- $g; files+=(--file "$gb/$2"); done
    boot all corei7_skylake_x "${GUESTS_TIMEOUT:-900}" --cfg "$cfg" "${files[@]}"
    count_guest_lines ""
    for g in "${GUESTS[@]}"; do set -- $g; check_finished "" "$1"; done
    check_dirty_mode "" pml
    # The isolation guests' "no canary" only means something if hv really
    # holds the canary in its own memory during the run.
    if grep -q '^hv: I canary: "hv-canary-7f3a9c" planted in hv.s image at .* and a pool page at ' "$log"; then
        pass "e2e isolation: hv planted the canary in its image and pool before the guests ran"
    else
        fail "e2e isolation: no 'hv: I canary: ... planted' line: the isolation checks prove nothing"
    fi
    # Writes to the test device's coalesced window went through the ring.
    if grep -qE '^hv: I coalesced: [1-9][0-9]* writes queued, [0-9]+ batches delivered' "$log"; then
        pass "e2e coalesced: writes to the coalesced window were queued and delivered in batches"
    else
        fail "e2e coalesced: no 'hv: I coalesced: N writes queued' line"
    fi
    # The devices guest drew on the framebuffer; hv dumped the change at the
    # end of its run.  Rebuild the screen from that part of the log alone.
    sed -n '/^hv: I run: devices mode=/,/^hv: I run: devices status/p' "$log" > "$work/fb.log"
    if tools/fb2png "$work/fb.log" "$work/fb.png" --quiet &&
       python3 - "$work/fb.png" <<'PY'
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = 1 + 3 * w
assert all(raw[y * stride] == 0 for y in range(h)), "filtered rows"
px = lambda x, y: tuple(raw[y * stride + 1 + 3 * x:y * stride + 4 + 3 * x])
want = {(10, 20): (255, 0, 0), (109, 69): (255, 0, 0), (110, 69): (0, 0, 0),
        (230, 120): (0, 255, 0), (599, 429): (0, 0, 255), (639, 479): (255, 255, 255),
        (0, 0): (0, 0, 0), (320, 240): (0, 0, 0)}
bad = [(p, px(*p), c) for p, c in want.items() if px(*p) != c]
sys.exit(1 if (w, h) != (640, 480) or bad else 0)
PY
    then
        pass "e2e framebuffer: tools/fb2png rebuilt the devices guest's screen from the log, CRC good, 8 pixels as drawn"
    else
        fail "e2e framebuffer: the screen rebuilt from the log is not what the devices guest drew"
    fi
    # Each guest's machine is torn down after it: the pool ends where the
    # first run left it, every time, with no byte blocks live.
    pools=$(grep -oE '^hv: I run: [^ ]+: pool back to [0-9]+ pages, [0-9]+ blocks' "$log" |
            sed -E 's/^hv: I run: [^ ]+: //' | sort | uniq -c)
    npool=$(grep -cE '^hv: I run: [^ ]+: pool back to' "$log")
    if [ "$npool" -eq "${#GUESTS[@]}" ] && [ "$(wc -l <<<"$pools")" -eq 1 ] &&
       grep -q 'pages, 0 blocks' <<<"$pools"; then
        pass "e2e pool: after each of the $npool guests the pool is back to the same count ($(awk '{$1=""; print}' <<<"$pools" | sed 's/^ //'))"
    else
        fail "e2e pool: counts after the guests differ or leak (expected $((${#GUESTS[@]})) equal lines with 0 blocks got: $(tr '\n' ';' <<<"$pools"))"
    fi
    check_verdict "" pass
fi

# ------------------------------------------------------------ 2, 3: dirty on weaker CPUs
for pair in "haswell corei7_haswell_4770 dirty-flags" "sandy corei7_sandy_bridge_2600k write-protect"; do
    set -- $pair
    tag=$1 cpu=$2 mode=$3
    [[ " $only " == *" $tag "* ]] || continue
    boot "$tag" "$cpu" 300 --guest "$gb/dirty64.elf,mode=64,mem=64M,name=dirty"
    count_guest_lines "[$tag] "
    check_finished "[$tag] " dirty
    check_dirty_mode "[$tag] " "$mode"
    check_verdict "[$tag] " pass
done

# ------------------------------------------------------------ 4: triple fault
if [[ " $only " == *" triple "* ]]; then
    boot triple corei7_skylake_x 300 --guest "$gb/triple64.bin,mode=64,mem=16M,name=triple"
    if grep -q "^hv: I guest: triple: about to triple-fault" "$log"; then
        pass "triple: the guest ran up to its triple fault"
    else
        fail "triple: the guest's line before the fault is missing"
    fi
    if grep -qiE "^hv: E .*triple.fault" "$log"; then
        pass "triple: hv reported it: $(grep -iE '^hv: E .*triple.fault' "$log" | head -1)"
    else
        fail "triple: no 'hv: E ... triple fault' report line"
    fi
    if grep -q "^hv: E result: FAIL" "$log" && [ "$status" -eq 1 ]; then
        pass "triple: the run ended as failed (hv: E result: FAIL, run-bochs status 1)"
    else
        fail "triple: the run did not end as failed (expected hv: E result: FAIL and status 1 got '$(grep -E '^hv: . result:' "$log" | head -1)', status $status)"
    fi
    if grep -q "still running after ud2" "$log"; then
        fail "triple: the guest kept running after the triple fault"
    else
        pass "triple: the guest did not run past its triple fault"
    fi
    if grep -q "^hv: I shutdown: powering off" "$log"; then
        pass "triple: hv shut down cleanly after the failed run"
    else
        fail "triple: no 'hv: I shutdown: powering off' after the failed run"
    fi
fi

finish
