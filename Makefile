# hv: a VT-x/EPT hypervisor built on a hierarchical memory API.
#
#   make            build build/hv.efi (the UEFI application)
#   make run        boot hv.efi with the demo guest in the best harness here
#   make check      every test: host units under ASan/UBSan, fuzz smoke runs,
#                   the QEMU/OVMF boot, the Bochs VT-x runs; ends with
#                   "check: N passed, M failed"
#   make bench      benchmarks, one line per figure with a same-run ratio
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each (default 300)
#   make host-lib   build/host/libhvcore.a for outside test programs
#
# Source files are found by directory, so adding a file needs no edit here:
#   core (host-buildable): memory/ ept/ devices/ hv/lib/ hv/x86/ hv/guest/
#                          (hv/lib/host/: the host platform, not in hv.efi)
#   hv.efi only:           boot/ hv/*.c hv/vmx/ hv/runtime/ hv/selftest/ (.c, .asm)
#   tests:                 tests/unit/test_*.c, tests/bench/bench_*.c,
#                          tests/fuzz/fuzz_*.c, tests/e2e/*.sh

B := build
CC ?= cc
HOST_CC := gcc
FUZZ_CC := clang
FUZZ_SECONDS ?= 300
CHECK_FUZZ_SECONDS ?= 20

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
COMMON := -std=gnu11 -I. $(WARN) -MMD -MP

# ---------------------------------------------------------------- core sources
CORE_DIRS := memory ept devices hv/lib hv/x86 hv/guest
# hv/lib/libc.c supplies memcpy & co. inside hv.efi; the host uses libc's.
EFI_ONLY_LIB := hv/lib/libc.c
CORE_SRCS := $(filter-out $(EFI_ONLY_LIB),$(sort $(wildcard $(addsuffix /*.c,$(CORE_DIRS)))))
HOST_PLAT_SRCS := hv/lib/host/platform_host.c
# Header dependencies come from the compiler (-MMD): see the include at the end.
HDRS :=

# ---------------------------------------------------------------- host builds
# build/host:  -O2, what benchmarks and outside programs link (make host-lib)
# build/san:   -O1 with ASan+UBSan, what the unit tests link
HOST_CFLAGS := $(COMMON) -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := $(COMMON) -O1 -g $(SAN_FLAGS)
FUZZ_CFLAGS := $(COMMON) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

HOST_OBJS := $(patsubst %.c,$(B)/host/%.o,$(CORE_SRCS) $(HOST_PLAT_SRCS))
SAN_OBJS := $(patsubst %.c,$(B)/san/%.o,$(CORE_SRCS) $(HOST_PLAT_SRCS))
FUZZ_OBJS := $(patsubst %.c,$(B)/fuzzcore/%.o,$(CORE_SRCS) $(HOST_PLAT_SRCS))

$(B)/host/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(B)/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SAN_CFLAGS) -c $< -o $@

$(B)/fuzzcore/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(B)/host/libhvcore.a: $(HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/san/libhvcore.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzzcore/libhvcore.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

host-lib: $(B)/host/libhvcore.a

# Extra link flags for a test, benchmark or fuzzer, by its file name:
# LIBS_test_foo := -lbar
LIBS_test_decode_oracle := -lZydis -lcapstone
LIBS_bench_decode := -lZydis
LIBS_test_dev_fb := -lz

# ---------------------------------------------------------------- unit tests
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/san/tests/%,$(UNIT_SRCS))

$(B)/san/tests/%: tests/unit/%.c $(B)/san/libhvcore.a $(HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(SAN_CFLAGS) $< $(B)/san/libhvcore.a $(LIBS_$*) -o $@

# ---------------------------------------------------------------- benchmarks
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/host/bench/%,$(BENCH_SRCS))

$(B)/host/bench/%: tests/bench/%.c $(B)/host/libhvcore.a $(HDRS) $(wildcard tests/bench/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $< $(B)/host/libhvcore.a $(LIBS_$*) -o $@

# ---------------------------------------------------------------- fuzzers
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzzcore/libhvcore.a $(HDRS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(B)/fuzzcore/libhvcore.a $(LIBS_$*) -o $@

# ---------------------------------------------------------------- hv.efi
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CFLAGS := $(COMMON) -O2 -g -ffreestanding -fno-stack-protector -fno-stack-check \
	-fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only -maccumulate-outgoing-args \
	-fno-builtin-printf -DGNU_EFI_USE_MS_ABI -I$(EFI_INC) -I$(EFI_INC)/x86_64
# GNU-EFI's own headers are not warning-clean under our strictest flags.
EFI_HDR_CFLAGS := -Wno-strict-prototypes -Wno-missing-prototypes

EFI_DIRS := boot hv hv/vmx hv/runtime hv/selftest hv/guest
EFI_C_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(filter-out hv/guest,$(EFI_DIRS))))) \
	$(CORE_SRCS) $(EFI_ONLY_LIB)
EFI_ASM_SRCS := $(sort $(wildcard $(addsuffix /*.asm,$(EFI_DIRS))))
EFI_OBJS := $(patsubst %.c,$(B)/efi/%.o,$(EFI_C_SRCS)) \
	$(patsubst %.asm,$(B)/efi/%.asm.o,$(EFI_ASM_SRCS))

$(B)/efi/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(EFI_CFLAGS) $(EFI_HDR_CFLAGS) -c $< -o $@

$(B)/efi/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	nasm -f elf64 -g $< -o $@

# --no-undefined: an unresolved symbol would otherwise link into a PLT stub
# that objcopy drops, and hv.efi would crash at the first call.
$(B)/hv.so: $(EFI_OBJS)
	ld -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined -L$(EFI_LIB) \
		-T $(EFI_LIB)/elf_x86_64_efi.lds $(EFI_LIB)/crt0-efi-x86_64.o \
		$(EFI_OBJS) -o $@ -lefi -lgnuefi

$(B)/hv.efi: $(B)/hv.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 $< $@

all: $(B)/hv.efi

# ---------------------------------------------------------------- entry points
deps:
	@tools/deps

check: deps
	@$(MAKE) --no-print-directory check-build
	@tests/run-check

check-build: $(UNIT_BINS) $(FUZZ_BINS) $(B)/hv.efi

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BINS)
	@tests/run-bench $(BENCH_BINS)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tests/run-fuzz $(FUZZ_SECONDS) $(FUZZ_BINS)

run: deps
	@$(MAKE) --no-print-directory $(B)/hv.efi
	@tools/run-best

# Debian 12's cloud kernel under hv (docs/linux.md): fetched and cached in
# $(B)/linux by tools/linux-fetch, booted on the pc machine in Bochs.
LINUX_APPEND ?= console=ttyS0,115200 quiet panic=-1 cryptomgr.notests \
	initcall_blacklist=load_system_certificate_list,init_kprobe_trace mitigations=off
run-linux: deps
	@$(MAKE) --no-print-directory $(B)/hv.efi
	@tools/linux-fetch $(B)/linux
	@tools/run-bochs --kernel $(B)/linux/vmlinuz,timeout=300 --initrd $(B)/linux/initrd.gz --mem 256M \
		--timeout 1200 --append "$(LINUX_APPEND)"

clean:
	rm -rf $(B)

.PHONY: all deps check check-build bench fuzz run run-linux clean host-lib
.DEFAULT_GOAL := all
.SECONDARY:

-include $(shell find $(B) -name '*.d' -type f -not -path '$(B)/linux/*' 2>/dev/null)

# ---------------------------------------------------------------- test guests
# Guest payloads for the Bochs end-to-end suite (tests/e2e/guests.sh,
# docs/test-guests.md), every one listed in tests/guests/guests.list.
# tests/guests/NAME.asm is one nasm source built for each mode it lists
# (-DMODE=16|32|64) as build/guests/NAMEMODE.bin, or as NAME.bin when it
# has no mode; tests/guests/NAME.c is a freestanding C guest linked with
# linker/guest32.ld or guest64.ld into build/guests/NAMEMODE.elf.
GUEST_DIR := tests/guests
GB := $(B)/guests
GUEST_LIST := $(GUEST_DIR)/guests.list
GUEST_INCS := $(wildcard $(GUEST_DIR)/lib/*.inc $(GUEST_DIR)/*.inc)
GUEST_BINS := $(addprefix $(GB)/,$(shell awk '!/^\#/ && NF { print $$2 }' $(GUEST_LIST)))
GUEST_NASM := nasm -f bin -w-prefix-seg -I$(GUEST_DIR)/lib/ -I$(GUEST_DIR)/
# No libc, no SSE in C (the guests' own code must not depend on CR4 state),
# no loop-to-memset rewriting (guest.c's memset would call itself).
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -static -fno-pic -fno-pie -no-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-builtin -Wall -Wextra -Werror -I$(GUEST_DIR) \
	-Wl,--build-id=none -Wl,-z,noexecstack
GUEST_C_DEPS := $(GUEST_DIR)/lib/guest.c $(GUEST_DIR)/lib/guest.h

$(GB)/%16.bin: $(GUEST_DIR)/%.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -DMODE=16 $< -o $@
$(GB)/%32.bin: $(GUEST_DIR)/%.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -DMODE=32 $< -o $@
$(GB)/%64.bin: $(GUEST_DIR)/%.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) -DMODE=64 $< -o $@
$(GB)/%.bin: $(GUEST_DIR)/%.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	$(GUEST_NASM) $< -o $@
$(GB)/%32.elf: $(GUEST_DIR)/%.c $(GUEST_C_DEPS) linker/guest32.ld
	@mkdir -p $(dir $@)
	$(HOST_CC) -m32 $(GUEST_CFLAGS) -Wl,-T,linker/guest32.ld $< $(GUEST_DIR)/lib/guest.c -o $@
$(GB)/%64.elf: $(GUEST_DIR)/%.c $(GUEST_C_DEPS) linker/guest64.ld
	@mkdir -p $(dir $@)
	$(HOST_CC) -m64 $(GUEST_CFLAGS) -Wl,-T,linker/guest64.ld $< $(GUEST_DIR)/lib/guest.c -o $@
# The 32-bit entry-state guest is an ELF32 written in nasm.
$(GB)/entry32.elf: $(GUEST_DIR)/entry32.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	nasm -f elf32 -I$(GUEST_DIR)/lib/ $< -o $(GB)/entry32.o
	ld -m elf_i386 -nostdlib -static -Ttext=0x200000 -e start -o $@ $(GB)/entry32.o

guests: $(GUEST_BINS)
check-build: guests
.PHONY: guests

# ---------------------------------------------------------------- guest fuzzer
# make fuzz-guests: FUZZ_GUESTS_N hostile guests from tools/gen-guest (default
# 400), seeds from FUZZ_GUESTS_SEED on (default: a new random seed each run;
# the script prints it and a reproduction command for any guest that hurt
# hv), 32 per Bochs boot (tests/e2e/fuzz_guests.sh, docs/test-guests.md).
FUZZ_GUESTS_N ?= 400
FUZZ_GUESTS_SEED ?= $(shell od -An -N3 -tu4 /dev/urandom | tr -d ' ')
fuzz-guests: deps
	@$(MAKE) --no-print-directory $(B)/hv.efi
	@HV_EFI=$(B)/hv.efi FUZZ_GUESTS_N=$(FUZZ_GUESTS_N) FUZZ_GUESTS_SEED=$(FUZZ_GUESTS_SEED) \
		bash tests/e2e/fuzz_guests.sh
.PHONY: fuzz-guests
