#!/usr/bin/env bash
# fuzz_guests.sh: the guest fuzzer (docs/test-guests.md "The guest fuzzer").
# tools/gen-guest makes N hostile guests from consecutive seeds (random
# instruction bytes, accesses all over the memory map, port I/O, random
# hypercalls and region moves, control registers, MSRs, page tables...);
# they run under Bochs (corei7_skylake_x), many per boot, each on a fresh
# machine (one hv.cfg line each).  Any guest verdict is fine; what is
# checked is that hv survives them:
#
#   per guest  its run ends with "run: NAME status N", the pool is back to
#              the same count with 0 blocks after it, no panic in its run
#   per boot   run-bochs ended with hv's verdict within its time limit (no
#              hang, no emulator crash), the "result:" and "shutdown:" lines
#              are there, every guest started, no "panic:" or "exception:"
#              line, the pool ends with 0 blocks live and no more failed
#              allocations or bad frees than the self-tests provoke, no
#              canary error
#
# One PASS/FAIL line per check and per guest, a reproduction command for
# every guest that failed, and "fuzz_guests: N passed, M failed" last.
#
#   HV_EFI=path/to/hv.efi       test another build (default build/hv.efi)
#   FUZZ_GUESTS_SEED=S          first seed (default 1000: make check is reproducible)
#   FUZZ_GUESTS_N=N             guests (default 64)
#   FUZZ_GUESTS_PER_BOOT=K      guests per Bochs boot (default 32, hv.cfg's limit)
#   FUZZ_GUESTS_TIMEOUT=SECS    bound of one boot (default 60 + 8 per guest)
#   FUZZ_GUESTS_CPU=MODEL       Bochs CPU model (default corei7_skylake_x)
#   FUZZ_GUESTS_BUDGET=SECS     each guest's hv.cfg timeout= (default 5; empty:
#                               hv's default)
#   FUZZ_GUESTS_KINDS=K1,K2     only these chunk kinds (tools/gen-guest --kinds)
#   FUZZ_GUESTS_MACHINE=M       every guest on machine M (test or pc; default: by seed)
#   FUZZ_GUESTS_FORMAT=F        every payload as F (flat, elf or mb; default: by seed)
#   FUZZ_GUESTS_LOCK=FILE       run each boot under `flock FILE` (default: none;
#                               set it when other emulators share the machine)
#   FUZZ_GUESTS_KEEP=DIR        keep the guests, hv.cfg and logs in DIR
set -uo pipefail
cd "$(dirname "$0")/../.."

efi=${HV_EFI:-build/hv.efi}
seed0=${FUZZ_GUESTS_SEED:-1000}
n=${FUZZ_GUESTS_N:-64}
per_boot=${FUZZ_GUESTS_PER_BOOT:-32}
cpu=${FUZZ_GUESTS_CPU:-corei7_skylake_x}
lock=${FUZZ_GUESTS_LOCK:-}
budget=${FUZZ_GUESTS_BUDGET-5}
passed=0 failed=0
if [ -n "${FUZZ_GUESTS_KEEP:-}" ]; then
    work=$FUZZ_GUESTS_KEEP; mkdir -p "$work"
else
    work=$(mktemp -d /tmp/e2e-fuzz.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
    echo "fuzz_guests: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

[ -f "$efi" ] || { fail "fuzz setup: $efi not built (run make)"; finish; }
command -v nasm >/dev/null || { fail "fuzz setup: nasm missing (tools/deps)"; finish; }
cp "$efi" "$work/hv.efi"     # a build running elsewhere must not change it mid-run

# The guests: NAME SEED MODE MEM MACHINE EPT_PAGES FORMAT, one per line
# (FORMAT flat, elf or mb, ":mutation+..." when the file's headers are
# hostile on purpose).
kinds=${FUZZ_GUESTS_KINDS:-}
fmachine=${FUZZ_GUESTS_MACHINE:-}
tools/gen-guest --seed "$seed0" --count "$n" --out-dir "$work" ${kinds:+--kinds "$kinds"} \
    ${fmachine:+--machine "$fmachine"} ${FUZZ_GUESTS_FORMAT:+--format "$FUZZ_GUESTS_FORMAT"} \
    > "$work/guests" 2> "$work/gen.err" ||
    { fail "fuzz setup: tools/gen-guest --seed $seed0 --count $n failed: $(head -3 "$work/gen.err")"; }
mapfile -t ALL < "$work/guests"
echo "fuzz_guests: ${#ALL[@]} guests from seed $seed0, up to $per_boot per boot, cpu $cpu"

# The hv.cfg keys of a guest line: cfgkeys MODE MEM MACHINE EPT_PAGES SEP
cfgkeys() {
    local k="mode=$1${5}mem=$2"
    [ "$3" = pc ] && k="$k${5}machine=pc"
    [ "$4" != 0 ] && k="$k${5}ept-pages=$4"
    [ -n "$budget" ] && k="$k${5}timeout=$budget"
    echo "$k"
}
repro() {   # SEED MODE MEM MACHINE EPT_PAGES FORMAT
    echo "tools/gen-guest --seed $1 --mode $2 --mem $3 --machine $4 --format ${6%%:*}${kinds:+ --kinds $kinds}" \
         "--out /tmp/f$1.bin && tools/run-bochs --guest /tmp/f$1.bin,$(cfgkeys "$2" "$3" "$4" "$5" ,)" \
         "--timeout 300"
}

# Serial log -> hv's lines only (CR, the firmware's ANSI escapes dropped).
clean() { tr -d '\r' < "$1" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' | grep -a -o 'hv: .*'; }

boot_no=0 requeued=0
queue=("${ALL[@]}")
while [ "${#queue[@]}" -gt 0 ]; do
    batch=("${queue[@]:0:per_boot}")
    queue=("${queue[@]:per_boot}")
    boot_no=$((boot_no + 1))
    tag="boot$boot_no"
    t=${FUZZ_GUESTS_TIMEOUT:-$((60 + 8 * ${#batch[@]}))}
    cfg="$work/$tag.cfg" files=()
    {
        echo "# tests/e2e/fuzz_guests.sh $tag"
        for g in "${batch[@]}"; do
            set -- $g
            # no name=: hv names the guest after its file (fSEED), and a line
            # holds a path and at most 5 keys
            echo "guest \\EFI\\hv\\guests\\$1.bin $(cfgkeys "$3" "$4" "$5" "$6" " ")"
            files+=(--file "$work/$1.bin")
        done
    } > "$cfg"
    raw="$work/$tag.raw" log="$work/$tag.log"
    start=$(date +%s)
    cmd=(tools/run-bochs --efi "$work/hv.efi" --cpu "$cpu" --timeout "$t" --log "$raw"
         --cfg "$cfg" "${files[@]}")
    [ -n "$lock" ] && cmd=(flock "$lock" "${cmd[@]}")
    timeout -k 10 $((t + 120)) "${cmd[@]}" > "$work/$tag.out" 2>&1
    status=$?
    secs=$(( $(date +%s) - start ))
    clean "$raw" > "$log"
    first=${batch[0]%% *} last=${batch[${#batch[@]}-1]%% *}
    echo "fuzz_guests: $tag: ${#batch[@]} guests ($first..$last), run-bochs status $status in ${secs} s"

    # ---- the boot
    if [ "$status" -eq 0 ] || [ "$status" -eq 1 ]; then
        pass "fuzz $tag: the emulator ended with hv's verdict within ${t} s (run-bochs status $status, ${secs} s)"
    else
        fail "fuzz $tag: no verdict within ${t} s (run-bochs status $status: $( [ "$status" -eq 124 ] && echo timeout || echo 'no verdict line'))"
        tail -8 "$log" | sed 's/^/    /'
    fi
    if grep -qE '^hv: . result: ' "$log" && grep -q '^hv: I shutdown: powering off' "$log"; then
        pass "fuzz $tag: hv printed its verdict ($(grep -oE '^hv: . result: .*' "$log" | head -1 | cut -c4-)) and shut down"
    else
        fail "fuzz $tag: no 'result:' or 'shutdown: powering off' line"
    fi
    bad=$(grep -E '^hv: E (panic|exception):' "$log" | head -3)
    if [ -z "$bad" ]; then
        pass "fuzz $tag: no panic, no exception in hv"
    else
        fail "fuzz $tag: hv panicked or took an exception:"
        sed 's/^/    /' <<<"$bad"
    fi
    started=$(grep -cE '^hv: I run: [^ ]+ mode=' "$log")
    if [ "$started" -eq "${#batch[@]}" ]; then
        pass "fuzz $tag: all ${#batch[@]} guests started"
    else
        fail "fuzz $tag: $started of ${#batch[@]} guests started"
    fi
    # Pool counters: the last "pool:" line against the self-tests' one.
    p0=$(grep -E '^hv: I pool: ' "$log" | head -1)
    p1=$(grep -E '^hv: I pool: ' "$log" | tail -1)
    ff() { sed -nE 's/.* ([0-9]+) blocks live, ([0-9]+) failed, ([0-9]+) bad frees.*/\1 \2 \3/p' <<<"$1"; }
    read -r b0 f0 x0 <<<"$(ff "$p0")"
    read -r b1 f1 x1 <<<"$(ff "$p1")"
    if [ "$(grep -cE '^hv: I pool: ' "$log")" -ge 2 ] && [ "${b1:-1}" = 0 ] && [ "$f1" = "$f0" ] &&
       [ "$x1" = "$x0" ]; then
        pass "fuzz $tag: pool at the end: 0 blocks live, no failed allocation or bad free beyond the self-tests' ($f1, $x1)"
    else
        fail "fuzz $tag: pool at the end: '${p1#hv: I }' (after the self-tests: '${p0#hv: I }'; no line after the runs if they are the same)"
    fi
    cbad=$(grep -E '^hv: [EW] canary' "$log" | head -3)
    if [ -z "$cbad" ]; then
        pass "fuzz $tag: no canary error ($(grep -cE '^hv: I canary' "$log") canary line(s))"
    else
        fail "fuzz $tag: canary: $(head -1 <<<"$cbad")"
    fi

    # ---- each guest: a status line, the pool back to the common count
    ref=$(grep -oE '^hv: I run: [^ ]+: pool back to [0-9]+ pages, [0-9]+ blocks' "$log" |
          sed -E 's/.*pool back to ([0-9]+) pages.*/\1/' | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')
    notrun=()
    for g in "${batch[@]}"; do
        set -- $g
        name=$1 s=$2 mode=$3 mem=$4 machine=$5 eptp=$6 fmt=$7
        if ! grep -qE "^hv: I run: $name mode=" "$log"; then
            notrun+=("$g")
            continue
        fi
        block=$(sed -n "/^hv: I run: $name mode=/,/^hv: I run: $name status /p" "$log")
        st=$(grep -oE "^hv: I run: $name status [0-9]+ \((pass|fail)\)$" <<<"$block")
        pool=$(grep -oE "^hv: I run: $name: pool back to [0-9]+ pages, [0-9]+ blocks$" <<<"$block")
        how=$(grep -oE '^hv: (I guest: exited with status .*|E guest: stopped by hv: .*)' <<<"$block" |
              tail -1 | sed -E 's/^hv: . guest: //')
        [ -n "$how" ] || how=$(grep -E '^hv: E ' <<<"$block" | tail -1 | sed -E 's/^hv: E //')
        why=""
        [ -n "$st" ] || why="no 'run: $name status' line (hv never finished this run)"
        [ -z "$why" ] && [ -z "$pool" ] && why="no 'pool back' line: $(grep -E "^hv: E run: $name" <<<"$block" | head -1)"
        [ -z "$why" ] && [ "$(sed -E 's/.*to ([0-9]+) pages, ([0-9]+) blocks/\1 \2/' <<<"$pool")" != "$ref 0" ] &&
            why="pool after it: '${pool#hv: I run: }' (the others: $ref pages, 0 blocks)"
        [ -z "$why" ] && grep -qE '^hv: E (panic|exception):' <<<"$block" && why="hv panicked during its run"
        if [ -z "$why" ]; then
            pass "fuzz $name (seed $s, $fmt, $(cfgkeys "$mode" "$mem" "$machine" "$eptp" " ")): ${st#hv: I run: $name }, ${how:-?}; pool back to $ref pages"
        else
            fail "fuzz $name (seed $s, $fmt, $(cfgkeys "$mode" "$mem" "$machine" "$eptp" " ")): $why"
            grep -E '^hv: (E|W vmx)' <<<"$block" | tail -6 | sed 's/^/    /'
            echo "    reproduce: $(repro "$s" "$mode" "$mem" "$machine" "$eptp" "$fmt")"
        fi
    done
    # A boot that died early: its guests that never started go once more
    # in a boot of their own (they say nothing about hv yet).
    if [ "${#notrun[@]}" -gt 0 ]; then
        if [ "$requeued" -eq 0 ]; then
            echo "fuzz_guests: $tag: ${#notrun[@]} guest(s) never started: they run in another boot"
            queue=("${notrun[@]}" "${queue[@]}")
            requeued=1
        else
            for g in "${notrun[@]}"; do
                set -- $g
                fail "fuzz $1 (seed $2, $(cfgkeys "$3" "$4" "$5" "$6" " ")): never started (its boot ended before it)"
            done
        fi
    fi
    # How the runs ended, for the record (not counted).
    echo "fuzz_guests: $tag: endings: $(awk '
        /^hv: I run: [^ ]+ mode=/ { how = "" }
        /^hv: E / && how == "" { last = substr($0, 7) }
        /^hv: (I guest: exited with status [0-9]+|E guest: stopped by hv: )/ { how = $0; sub(/^hv: . guest: /, "", how) }
        /^hv: I run: [^ ]+ status / { print (how != "" ? how : last); how = ""; last = "" }' "$log" |
        sed -E 's/^(exited with status [0-9]+).*/\1/' | sort | uniq -c | sort -rn |
        awk '{c=$1; $1=""; printf "%s%s x%d", (NR>1?";":""), $0, c}')"
done
finish
