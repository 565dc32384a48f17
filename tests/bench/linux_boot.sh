#!/usr/bin/env bash
# bench: linux_boot_ticks -- Debian 12's cloud kernel with tools/linux-fetch's
# initramfs and make run-linux's command line, to its userspace marker:
# under hv on the pc machine, and under bare Bochs (Bochs' BIOS + SYSLINUX
# from a FAT image) in the same run, the same CPU model and clock: sync=none.
# The figure is Bochs' own tick count (ptime in its debugger), from the
# kernel's 64-bit entry point (the bzImage's startup_64, load address +
# 0x200: where hv enters it; SYSLINUX's kernel reaches it from the 32-bit
# entry) to the marker, where the initramfs runs /bin/hv-mark, an
# `xchg bx, bx` that stops Bochs at a magic breakpoint.  Everything in
# between counts: decompression, the kernel's boot, hv's exits.  (Not the
# kernel's own uptime: under bare Bochs its clock is the TSC at the 3.5 GHz
# the CPU model claims, which is not Bochs' emulated time.)  Prints the
# exits hv saw, by reason.
set -uo pipefail
cd "$(dirname "$0")/../.."
efi=${HV_EFI:-build/hv.efi}
append="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests initcall_blacklist=load_system_certificate_list,init_kprobe_trace mitigations=off"
if ! tools/linux-fetch build/linux > /dev/null 2>&1; then
    echo "bench: linux_boot_ticks: skipped (the kernel packages could not be fetched)"
    exit 0
fi
if ! command -v syslinux > /dev/null; then
    echo "bench: linux_boot_ticks: skipped (no syslinux for the bare-Bochs baseline: apt-get install syslinux syslinux-common)"
    exit 0
fi
work=$(mktemp -d /tmp/linux-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# span OUT: Bochs ticks from the breakpoint at the kernel's entry to the
# magic breakpoint at the marker in user mode (CS 0x33; the debugger's
# two ptime lines).
span() {
    awk '/^\(0\) Magic breakpoint/ { mb = 1 } mb && / 0033:/ { m = 1 }
         /^\(0\) Breakpoint 1,/ { b = 1 }
         /^ptime: / { if (m && e) { print $2 - e; exit } if (b && !e) e = $2 }' "$1"
}
# Debugger commands: break at the entry, note the time, run to the marker,
# note the time, run to the end.
cmds() { printf 'lb %s\nc\nptime\nd 1\nc\nptime\nc\nquit\n' "$1"; }

# under hv: the kernel at its preferred address (setup header, 0x258)
pref=$(od -An -tx8 -j $((0x258)) -N8 build/linux/vmlinuz | tr -d ' ')
cmds "0x$(printf '%x' $((0x$pref + 0x200)))" > "$work/hv.cmds"
tools/run-bochs --efi "$efi" --cpu corei7_skylake_x --kernel build/linux/vmlinuz,timeout=300 \
    --initrd build/linux/initrd.gz --mem 256M --timeout 1200 --log "$work/hv.log" \
    --append "$append" --keep "$work/hv" --bochs-cmds "$work/hv.cmds" > /dev/null 2>&1
if ! tr -d '\r' < "$work/hv.log" | grep -aq "hv: I linux: .* at 0x0*$(printf '%x' $((0x$pref))) "; then
    echo "bench: linux_boot_ticks: hv did not load the kernel at its preferred address 0x$pref" >&2
    exit 1
fi

# bare Bochs: BIOS, SYSLINUX on a FAT image, the same kernel and initrd
img=$work/bare.img
truncate -s $((65 * 16 * 63 * 512)) "$img"
export MTOOLS_SKIP_CHECK=1
mformat -i "$img" -t 65 -h 16 -s 63 -v BARE :: > /dev/null
printf 'DEFAULT linux\nPROMPT 0\nLABEL linux\n  KERNEL vmlinuz\n  APPEND initrd=initrd.gz %s\n' \
    "$append" > "$work/syslinux.cfg"
mcopy -i "$img" build/linux/vmlinuz build/linux/initrd.gz "$work/syslinux.cfg" ::
syslinux --install "$img" > /dev/null 2>&1
cat > "$work/bochsrc" <<RC
plugin_ctrl: speaker=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
memory: guest=256, host=256
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path=$img, mode=flat, cylinders=65, heads=16, spt=63
boot: disk
cpu: model=corei7_skylake_x, count=1, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none
magic_break: enabled=1
com1: enabled=1, mode=file, dev=$work/bare.log
display_library: rfb, options="timeout=0"
log: $work/bochs.log
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
RC
cmds 0x100200 > "$work/cmds"   # SYSLINUX loads the kernel at 0x100000
( cd "$work" && timeout -k 5 1200 bochs -q -f "$work/bochsrc" -rc "$work/cmds" \
      < /dev/null > "$work/bochs.out" 2>&1 )

hv=$(span "$work/hv/bochs.out") bare=$(span "$work/bochs.out")
if [ -z "$hv" ] || [ -z "$bare" ]; then
    echo "bench: linux_boot_ticks: no userspace marker (hv: ${hv:-none}, bare Bochs: ${bare:-none})" >&2
    exit 1
fi
awk -v h="$hv" -v b="$bare" 'BEGIN { printf "bench: linux_boot_ticks: %.3g ticks (x%.2f vs bare Bochs, %.3g ticks; goal <= 1.25)\n", h, h / b, b }'
tr -d '\r' < "$work/hv.log" | grep -a -o 'hv: I exits: [0-9]* total.*' | head -1 | sed 's/^hv: I /bench: note: linux boot /'
tr -d '\r' < "$work/hv.log" | grep -a -o 'hv: I time: .*' | head -1 | sed 's/^hv: I /bench: note: linux boot /'
