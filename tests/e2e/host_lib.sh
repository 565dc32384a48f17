#!/usr/bin/env bash
# make host-lib: build/host/libhvcore.a used by outside programs that include
# memory/memory.h from the repository root, once with the library's host
# platform and once with a platform of their own.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
out=$B/outside
mkdir -p "$out"
pass=0; fail=0
ok()  { echo "PASS host_lib: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL host_lib: $1"; fail=$((fail + 1)); }

make --no-print-directory -s host-lib >/dev/null || bad "make host-lib"
for p in uses_default_platform own_platform doc_example; do
    if cc -std=gnu11 -Wall -Wextra -Werror -I. tests/outside/$p.c "$B/host/libhvcore.a" -o "$out/$p"; then
        ok "$p links against libhvcore.a"
    else
        bad "$p does not build"
    fi
done
got=$("$out/uses_default_platform" 2>&1)
# RAM is 1 MiB; the ROM covers its last 64 KiB at higher priority.
expect="flat view of address-space: memory (2 ranges)
  0000000000000000-00000000000effff (prio 0, ram): ram
  00000000000f0000-00000000000fffff (prio 1, rom): rom"
[ "$got" = "$expect" ] && ok "default platform: flat view as expected" || { bad "default platform output"; echo "$got"; }
got=$("$out/own_platform" 2>&1); status=$?
if [ $status -eq 0 ] && grep -q "own-log 0: memory: add b to a: already in a: region in use" <<<"$got"; then
    ok "own platform receives the refusal log line"
else
    bad "own platform (status $status)"; echo "$got"
fi
# docs/memory.md shows doc_example's output: the document must stay true.
doc=$(sed -n '/<!-- example-output -->/,/<!-- end-example-output -->/p' docs/memory.md | sed '1,2d;$d' | sed '$d')
got=$("$out/doc_example" 2>/dev/null)
[ "$got" = "$doc" ] && ok "docs/memory.md example output matches the program" \
    || { bad "docs/memory.md example is stale"; diff <(echo "$doc") <(echo "$got") | head -20; }
echo "host_lib: $pass passed, $fail failed"
[ $fail -eq 0 ]
