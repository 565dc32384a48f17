#!/usr/bin/env bash
# bench: linux_boot_ticks -- Debian 12's cloud kernel with tools/linux-fetch's
# initramfs and make run-linux's command line, to its userspace marker:
# under hv on the pc machine, and under bare Bochs (Bochs' BIOS + SYSLINUX
# from a FAT image) in the same run, the same CPU model and clock: sync=none,
# where the TSC counts emulated instructions.  The figure is the kernel's
# own clock at the marker (/proc/uptime, emulated seconds) in emulated
# instructions: from the kernel's start to its first userspace line, hv's
# exits included.  Prints the remaining exits hv saw, by reason.
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

# ticks LOG: the kernel's uptime at the marker in emulated instructions.
# Both runs use ips=50000000 with clock: sync=none, so an emulated second
# is 50e6 instructions (and Bochs TSC ticks).  Under hv the kernel's clock
# is the TSC at the 50 MHz CPUID 0x15 reports; under bare Bochs it is not
# the TSC (the CPU model's CPUID claims 3.5 GHz), but its uptime is still
# emulated time.
ticks() {
    tr -d '\r' < "$1" | grep -a -o 'hv-linux: uptime [0-9.]* s' | head -1 |
        awk '{ printf "%.0f", $3 * 50000000 }'
}

# under hv
tools/run-bochs --efi "$efi" --cpu corei7_skylake_x --kernel build/linux/vmlinuz,timeout=300 \
    --initrd build/linux/initrd.gz --mem 256M --timeout 1200 --log "$work/hv.log" \
    --append "$append" > /dev/null 2>&1

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
com1: enabled=1, mode=file, dev=$work/bare.log
display_library: rfb, options="timeout=0"
log: $work/bochs.log
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
RC
printf 'c\nquit\n' > "$work/cmds"
( cd "$work" && timeout -k 5 1200 bochs -q -f "$work/bochsrc" -rc "$work/cmds" \
      < /dev/null > "$work/bochs.out" 2>&1 )

hv=$(ticks "$work/hv.log") bare=$(ticks "$work/bare.log")
if [ -z "$hv" ] || [ -z "$bare" ]; then
    echo "bench: linux_boot_ticks: no userspace marker (hv: ${hv:-none}, bare Bochs: ${bare:-none})" >&2
    exit 1
fi
awk -v h="$hv" -v b="$bare" 'BEGIN { printf "bench: linux_boot_ticks: %.3g ticks (x%.2f vs bare Bochs, %.3g ticks; goal <= 1.25)\n", h, h / b, b }'
tr -d '\r' < "$work/hv.log" | grep -a -o 'hv: I exits: [0-9]* total.*' | head -1 | sed 's/^hv: I /bench: note: linux boot /'
tr -d '\r' < "$work/hv.log" | grep -a -o 'hv: I time: .*' | head -1 | sed 's/^hv: I /bench: note: linux boot /'
