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
#   4. corei7_skylake_x: the guests that must fail (a triple fault, a
#      failing status through the debug-exit port): hv reports each, and
#      the verdict is FAIL
#
# Every guest line "PASS name: ..." / "FAIL name: ..." is printed (boots 2
# and 3 with "[haswell] " / "[sandy] " after the PASS/FAIL word) and
# counted; the script adds its own lines for what only it can see (the
# verdict of each boot, each guest finishing, the dirty-logging strategy,
# the triple fault) and ends with "e2e: N passed, M failed".
#
#   HV_EFI=path/to/hv.efi     test another build (default build/hv.efi)
#   GUESTS_TIMEOUT=SECS       bound of the big boot (default 900)
#   GUESTS_ONLY="a b"         run only boots among: all haswell sandy fail mbinfo
#   GUESTS_KEEP=1             keep the serial logs in /tmp
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
gb=build/guests
only=${GUESTS_ONLY:-all haswell sandy fail mbinfo}
passed=0 failed=0
work=$(mktemp -d /tmp/e2e-guests.XXXXXX)
# GUESTS_KEEP=1 keeps the logs (printed at the end) for a look afterwards.
if [ -n "${GUESTS_KEEP:-}" ]; then trap 'echo "e2e: logs kept in $work"' EXIT
else trap 'rm -rf "$work"' EXIT; fi

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

finish() {
    echo "e2e: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# The guest list (tests/guests/guests.list): "NAME FILE MODE MEM BOOTS END OPTS".
LIST=()
while IFS= read -r line; do
    case $line in '#'*|'') continue ;; esac
    LIST+=("$line")
done < tests/guests/guests.list
in_boot() { [[ ",$1," == *",$2,"* ]]; }
# The guests of boot $BOOT, as "NAME FILE MODE MEM END OPTS".
guests_of() {
    local l
    for l in "${LIST[@]}"; do
        set -- $l
        in_boot "$5" "$BOOT" && echo "$1 $2 $3 $4 $6 $7"
    done
}
# The hv.cfg line of a guest ("NAME FILE MODE MEM END OPTS").
cfg_line() {
    local opts=""
    [ "$6" = - ] || opts=" $6"
    echo "guest \\EFI\\hv\\guests\\$2 mode=$3 mem=$4 name=$1$opts"
}
mapfile -t GUESTS < <(BOOT=all guests_of)

missing=0
for f in "$efi" $(for g in "${LIST[@]}"; do set -- $g; [ "$5" = - ] || echo "$gb/$2"; done); do
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
# its end (hv did not stop it on the way); a guest without one (END
# "status") must have ended its run with status 0.
check_finished() {
    local prefix=$1 name=$2 end=${3:-summary} re
    re="^hv: I guest: $name: [0-9]+ checks passed, [0-9]+ failed$"
    [ "$end" = status ] && re="^hv: I run: $name status 0 \(pass\)$"
    if grep -qE "$re" "$log"; then
        pass "${prefix}e2e $name: the guest ran to its end (summary line seen)"
        # hv's pages for the guest re-checked after it (hv/vmx/seal.c)
        if grep -qE "^hv: I canary: $name: VMCS, MSR and I/O bitmaps,( PML buffer,)? EPT intact$" "$log"; then
            pass "${prefix}e2e $name: VMCS, bitmaps, PML buffer and EPT checked intact after the guest"
        else
            fail "${prefix}e2e $name: no 'canary: $name: ... intact' line after the guest"
        fi
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
        for g in "${GUESTS[@]}"; do cfg_line $g; done
    } > "$cfg"
    files=()
    for g in "${GUESTS[@]}"; do set -- $g; files+=(--file "$gb/$2"); done
    boot all corei7_skylake_x "${GUESTS_TIMEOUT:-900}" --cfg "$cfg" "${files[@]}"
    count_guest_lines ""
    for g in "${GUESTS[@]}"; do set -- $g; check_finished "" "$1" "$5"; done
    check_dirty_mode "" pml
    # The isolation guests' "no canary" only means something if hv really
    # holds the canary in its own memory during the run.
    if grep -q '^hv: I canary: "hv-canary-7f3a9c" planted in hv.s image at .*, a pool page at .*, every free pool page and a guard page after every run in use' "$log"; then
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
    # arch64 makes 205 refused MSR accesses (200 of them in a row): hv's
    # warning about them, one source, is printed RATELIMIT_BURST (10)
    # times, and the other 195 are counted in one line at the end.
    run=$(sed -n '/^hv: I run: arch64 mode=/,/^hv: I run: arch64 status/p' "$log")
    n=$(grep -c "^hv: W msr: guest .* of MSR 0x[0-9a-f]*: not allowed" <<<"$run")
    if [ "$n" -eq 10 ] &&
       grep -q '^hv: W log: 195 more line(s) like "msr: guest %s of MSR %#x: not allowed, #GP injected" suppressed$' <<<"$run"; then
        pass "e2e ratelimit: 205 refused MSR accesses gave 10 warning lines and one line counting the 195 others"
    else
        fail "e2e ratelimit: expected 10 warnings and '195 more line(s) ... suppressed' in arch64's run, got $n warnings"
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
    args=()
    mapfile -t these < <(BOOT=$tag guests_of)
    for g in "${these[@]}"; do
        set -- $g
        args+=(--guest "$gb/$2,mode=$3,mem=$4,name=$1")
    done
    boot "$tag" "$cpu" 300 "${args[@]}"
    count_guest_lines "[$tag] "
    for g in "${these[@]}"; do set -- $g; check_finished "[$tag] " "$1" "$5"; done
    check_dirty_mode "[$tag] " "$mode"
    check_verdict "[$tag] " pass
done

# ------------------------------------------------------------ 4: guests that fail
# A triple fault (hv reports it and stops that guest) and a guest ending
# with status 3 through the debug-exit port, in one hv.cfg: both runs
# fail, the pool is still back to its count after each, and the verdict
# says so.
if [[ " $only " == *" fail "* ]]; then
    cfg="$work/fail.cfg"
    mapfile -t these < <(BOOT=fail guests_of)
    files=()
    {
        echo "# tests/e2e/guests.sh: guests whose runs must fail"
        for g in "${these[@]}"; do
            set -- $g
            cfg_line $g
            files+=(--file "$gb/$2")
        done
        # kernel= takes a Linux bzImage and nothing else
        echo "guest kernel=\\EFI\\hv\\guests\\status3.bin name=notlinux"
    } > "$cfg"
    nfail=$((${#these[@]} + 1))
    boot fail corei7_skylake_x 300 --cfg "$cfg" "${files[@]}"
    if grep -qx 'hv: E linux: kernel=\\EFI\\hv\\guests\\status3.bin is not a Linux bzImage .*' "$log" &&
       grep -qx "hv: I run: notlinux status 1 (fail)" "$log"; then
        pass "notlinux: kernel= refused a file that is not a bzImage, and its run failed"
    else
        fail "notlinux: no 'linux: kernel=... is not a Linux bzImage' refusal"
    fi
    if grep -q "^hv: I guest: triple: about to triple-fault" "$log"; then
        pass "triple: the guest ran up to its triple fault"
    else
        fail "triple: the guest's line before the fault is missing"
    fi
    if grep -qx "hv: E report: exit reason 0x2 (triple-fault), qualification 0, insn error 0, intr info 0" "$log" &&
       grep -qx "hv: E guest: stopped by hv: guest triple fault" "$log"; then
        pass "triple: hv reported it: $(grep -iE '^hv: E .*triple.fault' "$log" | head -1)"
    else
        fail "triple: no 'hv: E report: exit reason 0x2 (triple-fault)' and 'stopped by hv' lines"
    fi
    if grep -q "still running after ud2" "$log"; then
        fail "triple: the guest kept running after the triple fault"
    else
        pass "triple: the guest did not run past its triple fault"
    fi
    if grep -qx "hv: I run: triple status 1 (fail)" "$log" &&
       grep -qx "hv: I guest: exited with status 3 (fail)" "$log" &&
       grep -qx "hv: I run: status3 status 3 (fail)" "$log"; then
        pass "fail: each failing guest's run ended with its status (triple 1, status3 3)"
    else
        fail "fail: the failing guests' 'run: NAME status N (fail)' lines are missing"
    fi
    # A guest whose stack is on MMIO takes an exception: the delivery
    # fails (#DF), then the #DF's delivery fails: a shutdown, reported.
    if grep -q "^hv: W vmx: delivering vector 6 touched gpa 0xfed107.. (not RAM): #DF" "$log" &&
       grep -q "^hv: W vmx: delivering vector 8 touched gpa 0xfed107.. (not RAM): shutdown" "$log" &&
       grep -qx "hv: I run: mmiostack64 status 1 (fail)" "$log" &&
       ! grep -q "FAIL mmiostack64" "$log"; then
        pass "mmiostack: an exception with the stack on MMIO escalated to #DF, then shutdown: the run ended"
    else
        fail "mmiostack: no #DF/shutdown escalation for the delivery through MMIO"
    fi
    # Guests that never end by themselves end by their time budget, and
    # the next guest still runs.
    for g in "${these[@]}"; do
        set -- $g
        [ "$5" = timeout ] || continue
        run=$(sed -n "/^hv: I run: $1 mode=/,/^hv: I run: $1 status/p" "$log")
        if grep -q "^hv: E guest: timeout: still running after its budget of 2 s" <<<"$run" &&
           grep -qx "hv: I run: $1 status 1 (fail)" "$log"; then
            pass "timeout: $1 was stopped by its 2 s budget and its run failed"
        else
            fail "timeout: $1 was not stopped by its budget (no 'guest: timeout' line in its run)"
        fi
    done
    if [ "$(grep -cE '^hv: I run: [a-z0-9]+: pool back to [0-9]+ pages, 0 blocks$' "$log")" -eq "$nfail" ] &&
       [ "$(grep -oE 'pool back to [0-9]+ pages' "$log" | sort -u | wc -l)" -eq 1 ]; then
        pass "fail: the pool is back to the same count after each failed run"
    else
        fail "fail: the pool did not come back after the failed runs"
    fi
    verdict="hv: E result: FAIL ($nfail of $nfail guest(s) failed)"
    if grep -qxF "$verdict" "$log" && [ "$status" -eq 1 ] &&
       [ "$(grep -E '^hv: ' "$log" | tail -2 | head -1)" = "$verdict" ]; then
        pass "fail: the verdict is '$verdict', the last line before shutdown, run-bochs status 1"
    else
        fail "fail: expected the verdict '$verdict' (and status 1) got '$(grep -E '^hv: . result:' "$log" | head -1)', status $status"
    fi
    if grep -q "^hv: I shutdown: powering off" "$log"; then
        pass "fail: hv shut down cleanly after the failed runs"
    else
        fail "fail: no 'hv: I shutdown: powering off' after the failed runs"
    fi
fi

# A multiboot kernel on the pc machine with a command line and two modules
# given the way a user would (run-bochs --append/--module): it checks what
# the loader handed it (tests/guests/mbinfo.asm) and exits with its count
# of failures.
if [[ " $only " == *" mbinfo "* ]]; then
    printf 'hv-module-one\n' > "$work/mb_one.txt"
    head -c 5000 /dev/zero | tr '\0' '\245' > "$work/mb_two.bin"
    boot mbinfo corei7_skylake_x 300 --machine pc --mem 32M --guest "$gb/mbinfo32.bin" \
        --append "--check 42" --module "$work/mb_one.txt" --module "$work/mb_two.bin"
    while read -r line; do
        case $line in
            "hv: I guest: mbinfo: PASS "*) pass "mbinfo: ${line#hv: I guest: mbinfo: PASS }" ;;
            "hv: I guest: mbinfo: FAIL "*) fail "mbinfo: ${line#hv: I guest: mbinfo: FAIL }" ;;
        esac
    done < "$log"
    if grep -qx "hv: I guest: mbinfo: 0 failed" "$log" &&
       grep -qx "hv: I run: mbinfo32 status 0 (pass)" "$log" &&
       grep -q "^hv: I boot: module .EFI.hv.guests.mb_two.bin: 5000 bytes" "$log"; then
        pass "mbinfo: the kernel saw its command line and both modules; its run passed"
    else
        fail "mbinfo: the multiboot kernel's run did not pass"
        grep -E "^hv: [EW] |mbinfo" "$log" | head -10 | sed 's/^/    /'
    fi
fi

finish
