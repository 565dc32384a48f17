#!/usr/bin/env bash
# Builds the hv-smoke guests into DIR (default build/guests/hv-smoke).
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/guests/hv-smoke}
mkdir -p "$out"
cd "$src"
nasm -f bin -o "$out/smoke16.bin" smoke16.asm
nasm -f elf32 -o "$out/smoke32.o" smoke32.asm
ld -m elf_i386 -nostdlib -static -Ttext=0x200000 -e start -o "$out/smoke32.elf" "$out/smoke32.o"
nasm -f bin -o "$out/smoke64.bin" smoke64.asm
nasm -f bin -o "$out/triple.bin" triple.asm
nasm -f bin -o "$out/status3.bin" status3.asm
nasm -f bin -o "$out/dirty.bin" dirty.asm
nasm -f bin -o "$out/bench.bin" bench.asm
