; mmap.asm: the machine's memory map as a guest sees it, and changes to it
; at run time (docs/guest-abi.md "Memory map", "HC_REGION").
; Assembled as mmap16/mmap32/mmap64.  One PASS/FAIL line per check:
;   unassigned space reads all-ones and drops writes (high hole, low hole,
;   the test device's unassigned part, ports); ROM ignores writes; the
;   alias window at 0xe0000 shows the BIOS bytes and can be disabled and
;   re-enabled (RAM shows through, keeps its contents); the overlay page
;   over RAM at 0x200000 enabled then removed (RAM shows through with its
;   old contents); the test device moved (BAR move) and moved back; the
;   test device and the framebuffer disabled and re-enabled; the flash
;   command set (read ID, CFI, program, erase, status, sequence error,
;   clear status, back to array mode); the MMIO UART's registers.

%if MODE == 16
  %define GUEST_NAME "mmap16"
%elif MODE == 32
  %define GUEST_NAME "mmap32"
%else
  %define GUEST_NAME "mmap64"
%endif
%include "hv.inc"

%define BIOSB(o) ((((o) * 7) + 3) & 0xff)
%define BIOSD(o) (BIOSB(o) | (BIOSB((o)+1) << 8) | (BIOSB((o)+2) << 16) | (BIOSB((o)+3) << 24))

; RD size, phys: EAX = the value read (zero-extended).  The address goes
; through a register: in 64-bit mode a disp32 above 2 GiB would sign-extend.
%macro RD 2
    mov edi, PHYS(%2)
  %ifidn %1,dword
    mov eax, [rDI]
  %else
    movzx eax, %1 [rDI]
  %endif
%endmacro
; WR size, phys, value
%macro WR 3
    mov edi, PHYS(%2)
    mov %1 [rDI], %3
%endmacro
; RC "text": checks that the last HC_REGION returned 0.
%macro RC 1+
    CHECK32 0, %1
%endmacro

FB_T     equ 2          ; scratch byte offsets used below
FLB1     equ FLASH_BASE + FLASH_BLOCK       ; block 1
FLB2     equ FLASH_BASE + 2 * FLASH_BLOCK   ; block 2

    call rt_init
    call idt_init

; ------------------------------------------------------------ unassigned
    RD dword, UNASSIGNED
    CHECK32 0xffffffff, "unassigned: dword read at 0xe0000000 is all-ones"
    RD byte, UNASSIGNED + 0x1235
    CHECK32 0xff, "unassigned: byte read at 0xe0001235 is 0xff"
    RD word, 0xefffeffe
    CHECK32 0xffff, "unassigned: word read at 0xefffeffe is 0xffff"
    RD dword, 0xf0000000
    CHECK32 0xffffffff, "unassigned: dword read at 0xf0000000 (no region) is all-ones"
    WR dword, UNASSIGNED + 0x40, 0x12345678
    RD dword, UNASSIGNED + 0x40
    CHECK32 0xffffffff, "unassigned: a dword written at 0xe0000040 is dropped (reads all-ones)"
    RD dword, LOW_HOLE
    CHECK32 0xffffffff, "unassigned: dword read in the low hole at 0xa0000 is all-ones"
    WR dword, LOW_HOLE + 0x1ff00, 0x5a5a5a5a
    RD dword, LOW_HOLE + 0x1ff00
    CHECK32 0xffffffff, "unassigned: a write at 0xbff00 (low hole) is dropped"
    RD dword, TD_BASE + 0x600
    CHECK32 0xffffffff, "unassigned: test device offset 0x600 reads all-ones"
    ; a string instruction through the emulator on unassigned space
    cld
    mov esi, PHYS(UNASSIGNED + 0x100)
    mov edi, m_buf
    mov ecx, 4
    a32 rep movsd
    mov eax, [m_buf]
    and eax, [m_buf+4]
    and eax, [m_buf+8]
    and eax, [m_buf+12]
    CHECK32 0xffffffff, "unassigned: rep movsd x4 from 0xe0000100 copies all-ones"
%if MODE == 64
    mov rdi, 0xe8000000
    mov rax, [rdi]
    mov rdx, -1
    mov esi, .q
    call rt_check64
    [section .data]
.q: db "unassigned: qword read at 0xe8000000 is all-ones", 0
    __?SECT?__
%endif
    mov dx, 0x1234
    in eax, dx
    CHECK32 0xffffffff, "unassigned: port 0x1234 reads all-ones"
    mov dx, 0xf4
    in eax, dx
    CHECK32 0x54495845, "ports: the debug-exit port 0xf4 reads 'EXIT'"

; ------------------------------------------------------------ ROM
    RD byte, BIOS_BASE
    CHECK32 BIOSB(0), "rom: byte at 0xfffe0000 is (0*7+3)&0xff"
    RD byte, BIOS_BASE + 0x1234
    CHECK32 BIOSB(0x1234), "rom: byte at 0xfffe1234 is (off*7+3)&0xff"
    RD dword, BIOS_BASE + 0x1fffc
    CHECK32 BIOSD(0x1fffc), "rom: dword at 0xfffffffc"
    WR byte, BIOS_BASE + 0x10, 0x55
    RD byte, BIOS_BASE + 0x10
    CHECK32 BIOSB(0x10), "rom: a byte write at 0xfffe0010 is ignored"
    WR dword, BIOS_BASE + 0x100, 0
    RD dword, BIOS_BASE + 0x100
    CHECK32 BIOSD(0x100), "rom: a dword write at 0xfffe0100 is ignored"
    mov edi, PHYS(BIOS_BASE + 0x200)
    add dword [rDI], 0x01010101
    mov eax, [rDI]
    CHECK32 BIOSD(0x200), "rom: add m32,imm32 at 0xfffe0200 leaves it unchanged"
    mov edi, PHYS(BIOS_BASE + 0x300)
    mov eax, 0
    mov ecx, 4
    a32 rep stosd
    RD dword, BIOS_BASE + 0x30c
    CHECK32 BIOSD(0x30c), "rom: rep stosd x4 at 0xfffe0300 leaves it unchanged"

; ------------------------------------------------------------ alias window
    RD byte, ALIAS_BASE
    CHECK32 BIOSB(0), "alias: byte at 0xe0000 is the BIOS byte at offset 0"
    RD dword, ALIAS_BASE + 0x1234
    CHECK32 BIOSD(0x1234), "alias: dword at 0xe1234 is the BIOS bytes at 0x1234"
    RD dword, ALIAS_BASE + 0x1fffc
    CHECK32 BIOSD(0x1fffc), "alias: dword at 0xffffc is the BIOS bytes at 0x1fffc"
    WR byte, ALIAS_BASE + 0x10, 0x55
    RD byte, ALIAS_BASE + 0x10
    CHECK32 BIOSB(0x10), "alias: a write at 0xe0010 is ignored (ROM)"
    REGION RG_ALIAS, RG_DISABLE, 0
    RC "alias: HC_REGION disable returns 0"
    WR dword, ALIAS_BASE + 0x100, 0xdeadbeef
    RD dword, ALIAS_BASE + 0x100
    CHECK32 0xdeadbeef, "alias disabled: RAM shows through at 0xe0100 and takes a write"
    REGION RG_ALIAS, RG_ENABLE, 0
    RC "alias: HC_REGION enable returns 0"
    RD dword, ALIAS_BASE + 0x100
    CHECK32 BIOSD(0x100), "alias re-enabled: 0xe0100 shows the BIOS bytes again"
    REGION RG_ALIAS, RG_DISABLE, 0
    RD dword, ALIAS_BASE + 0x100
    CHECK32 0xdeadbeef, "alias disabled again: the RAM under it kept its contents"
    REGION RG_ALIAS, RG_ENABLE, 0

; ------------------------------------------------------------ overlay over RAM
    WR dword, OVERLAY_RAM, 0x11111111
    WR dword, OVERLAY_RAM + 0xffc, 0x22222222
    REGION RG_OVERLAY, RG_ENABLE, 0
    RC "overlay: HC_REGION enable returns 0"
    RD dword, OVERLAY_RAM + 0xffc
    CHECK32 0, "overlay enabled: 0x200ffc reads the MMIO scratch page (0), not RAM"
    WR dword, OVERLAY_RAM, 0xa5a5a5a5
    RD dword, OVERLAY_RAM
    CHECK32 0xa5a5a5a5, "overlay enabled: a write at 0x200000 reads back"
    RD dword, OVERLAY
    CHECK32 0xa5a5a5a5, "overlay: the write landed in the scratch page (seen at 0xfed10000)"
    REGION RG_OVERLAY, RG_DISABLE, 0
    RC "overlay: HC_REGION disable returns 0"
    RD dword, OVERLAY_RAM
    CHECK32 0x11111111, "overlay removed: RAM at 0x200000 shows through with its old contents"
    RD dword, OVERLAY_RAM + 0xffc
    CHECK32 0x22222222, "overlay removed: RAM at 0x200ffc kept its contents"

; ------------------------------------------------------------ BAR move
    REGION RG_TESTDEV, RG_MOVE, 0xfe000000
    RC "bar move: HC_REGION move of the test device to 0xfe000000 returns 0"
    RD dword, 0xfe000000 + TD_ID
    CHECK32 TD_ID_VALUE, "bar move: ID register answers at the new address"
    RD dword, TD_BASE + TD_ID
    CHECK32 0xffffffff, "bar move: the old address 0xfed00000 is unassigned"
    WR dword, 0xfe000000 + TD_SCR32, 0x13572468
    RD dword, 0xfe000000 + TD_SCR32
    CHECK32 0x13572468, "bar move: SCRATCH32 written and read at the new address"
    REGION RG_TESTDEV, RG_MOVE, TD_BASE
    RC "bar move: moving it back returns 0"
    RD dword, TD_BASE + TD_SCR32
    CHECK32 0x13572468, "bar move: back at 0xfed00000 with its state kept"
    RD dword, 0xfe000000
    CHECK32 0xffffffff, "bar move: 0xfe000000 is unassigned again"

; ------------------------------------------------------------ disable/enable
    REGION RG_TESTDEV, RG_DISABLE, 0
    RC "disable: test device disabled"
    RD dword, TD_BASE + TD_ID
    CHECK32 0xffffffff, "disable: the disabled test device reads all-ones"
    REGION RG_TESTDEV, RG_ENABLE, 0
    RD dword, TD_BASE + TD_ID
    CHECK32 TD_ID_VALUE, "enable: the re-enabled test device answers again"
    WR dword, FB_BASE + 0x100, 0x00ff00ff
    REGION RG_FB, RG_DISABLE, 0
    RC "disable: framebuffer disabled"
    RD dword, FB_BASE + 0x100
    CHECK32 0xffffffff, "disable: the disabled framebuffer (RAM) reads all-ones"
    REGION RG_FB, RG_ENABLE, 0
    RD dword, FB_BASE + 0x100
    CHECK32 0x00ff00ff, "enable: the framebuffer is back with its contents"
    WR dword, FB_BASE + 0x100, 0

; ------------------------------------------------------------ flash
    WR byte, FLASH_BASE, 0x90
    RD byte, FLASH_BASE
    CHECK32 0x89, "flash: read ID (90): manufacturer 0x89 at +0"
    RD byte, FLASH_BASE + 1
    CHECK32 0x18, "flash: read ID (90): device 0x18 at +1"
    WR byte, FLASH_BASE, 0x98
    RD dword, FLASH_BASE + 0x10
    and eax, 0xffffff
    CHECK32 0x595251, "flash: CFI query (98): 'QRY' at 0x10"
    WR byte, FLASH_BASE, 0xff
    RD dword, FLB1 + 0x10
    CHECK32 0xffffffff, "flash: read array (ff): erased array reads all-ones"
    ; program a byte, then AND another into it
    WR byte, FLB1 + 0x10, 0x40
    WR byte, FLB1 + 0x10, 0x5a
    RD byte, FLB1 + 0x10
    CHECK32 0x80, "flash: program (40): status ready, no error"
    WR byte, FLASH_BASE, 0xff
    RD byte, FLB1 + 0x10
    CHECK32 0x5a, "flash: programmed byte reads 0x5a in array mode"
    WR byte, FLB1 + 0x10, 0x10
    WR byte, FLB1 + 0x10, 0x0f
    WR byte, FLASH_BASE, 0xff
    RD byte, FLB1 + 0x10
    CHECK32 0x0a, "flash: program (10) ANDs into the array (0x5a & 0x0f)"
    WR byte, FLB1 + 0x20, 0x40
    WR dword, FLB1 + 0x20, 0x12345678
    WR byte, FLASH_BASE, 0xff
    RD dword, FLB1 + 0x20
    CHECK32 0x12345678, "flash: a dword program"
    WR byte, FLB2 + 0x30, 0x40
    WR byte, FLB2 + 0x30, 0x33
    ; status register
    WR byte, FLASH_BASE, 0x70
    RD byte, FLB1 + 0x1234
    CHECK32 0x80, "flash: read status (70): 0x80 at any address"
    ; erase sequence error: 20 then not D0
    WR byte, FLB1, 0x20
    WR byte, FLB1, 0xab
    RD byte, FLB1
    and eax, 0xb0
    CHECK32 0xb0, "flash: erase (20) not followed by d0: SR5|SR4 (sequence error)"
    WR byte, FLASH_BASE, 0x50
    WR byte, FLASH_BASE, 0x70
    RD byte, FLASH_BASE
    CHECK32 0x80, "flash: clear status (50) clears the error bits"
    ; erase block 1
    WR byte, FLB1, 0x20
    WR byte, FLB1 + 0x8000, 0xd0
    RD byte, FLB1
    CHECK32 0x80, "flash: erase (20 d0): status ready, no error"
    WR byte, FLASH_BASE, 0xff
    RD dword, FLB1 + 0x20
    CHECK32 0xffffffff, "flash: erased block 1 reads all-ones again"
    RD byte, FLB1 + 0x10
    CHECK32 0xff, "flash: erased block 1 byte at +0x10 is 0xff"
    RD byte, FLB2 + 0x30
    CHECK32 0x33, "flash: block 2 kept its programmed byte"
    WR byte, FLB1, 0x90
    WR byte, FLB1, 0xff
    RD byte, FLASH_BASE
    CHECK32 0xff, "flash: read ID then ff: back in array mode"
    ; writes while in array mode are commands, never data
    WR byte, FLASH_BASE + 0x40, 0x00
    WR byte, FLASH_BASE, 0xff
    RD byte, FLASH_BASE + 0x40
    CHECK32 0xff, "flash: a plain write (unknown command 00) does not change the array"

; ------------------------------------------------------------ MMIO UART
    RD byte, UART_MMIO + 5
    and eax, 0x60
    CHECK32 0x60, "uart-mmio: LSR has THRE and TEMT"
    WR byte, UART_MMIO + 7, 0xa5
    RD byte, UART_MMIO + 7
    CHECK32 0xa5, "uart-mmio: scratch register holds a written byte"

    jmp rt_exit

    [section .data]
    align 16
m_buf: times 16 db 0
    __?SECT?__

%include "rt.inc"
%include "idt.inc"
