; mbinfo.asm: a multiboot (version 1) kernel that checks what hv's loader
; handed it on the pc machine (docs/guest-abi.md "Multiboot kernels"): the
; magic in EAX, the information structure at EBX with its flags, the
; command line (append=), two modules (module=) with their contents,
; strings and alignment, and the memory map.  One line per check on COM1
; ("mbinfo: PASS ..." / "mbinfo: FAIL ..."), a summary, then the number of
; failures to the debug exit (port 0xf4): the run's status.
;
; tests/e2e/guests.sh boots it with
;   --append "--check 42" --module mb_one.txt --module mb_two.bin
; where mb_one.txt is the 14 bytes "hv-module-one\n" and mb_two.bin 5000
; bytes of 0xa5.  A flat image with the a.out-kludge address fields,
; entered in 32-bit protected mode at 0x100000.
    bits 32
    org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010003            ; modules page aligned, memory info, address fields

header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header                      ; header_addr
    dd header                      ; load_addr
    dd 0                           ; load_end_addr: the whole file
    dd 0                           ; bss_end_addr: none
    dd start                       ; entry_addr

; CHECK cond-jump-if-ok, "text": one PASS or FAIL line
%macro CHECK 2
    j%-1 %%fail
    mov esi, %%pass_msg
    call pass
    jmp %%done
%%fail:
    mov esi, %%fail_msg
    call fail
    jmp %%done
%%pass_msg: db "mbinfo: PASS ", %2, 10, 0
%%fail_msg: db "mbinfo: FAIL ", %2, 10, 0
%%done:
%endmacro

start:
    mov esp, stack_top
    mov [info], ebx
    cmp eax, 0x2badb002
    CHECK e, "EAX holds the multiboot magic 0x2BADB002"
    mov ebx, [info]
    mov eax, [ebx]                 ; flags
    and eax, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)
    cmp eax, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)
    CHECK e, "flags: mem, cmdline, mods, mmap and loader name present"
    ; the command line is the kernel's path, then append= as given
    mov esi, [ebx + 16]
    mov edi, want_cmdline
    call streq
    CHECK e, "cmdline is '\EFI\hv\guest.bin --check 42'"
    ; two modules, in order
    cmp dword [ebx + 20], 2
    CHECK e, "mods_count is 2"
    mov edx, [ebx + 24]            ; the module list
    ; module 0: 14 bytes "hv-module-one\n", page aligned, its path as string
    mov eax, [edx + 4]
    sub eax, [edx]
    cmp eax, 14
    CHECK e, "module 0 is 14 bytes long (end is one past its last byte)"
    mov esi, [edx]
    mov edi, want_one
    mov ecx, 14
    repe cmpsb
    CHECK e, "module 0 holds 'hv-module-one\n'"
    test dword [edx], 0xfff
    CHECK z, "module 0 starts on a page boundary"
    mov esi, [edx + 8]
    mov edi, want_one_path
    call streq
    CHECK e, "module 0's string is its path \EFI\hv\guests\mb_one.txt"
    ; module 1: 5000 bytes of 0xa5, page aligned (header flag 0), after module 0
    mov eax, [edx + 16 + 4]
    sub eax, [edx + 16]
    cmp eax, 5000
    CHECK e, "module 1 is 5000 bytes long"
    mov edi, [edx + 16]
    mov ecx, 5000
    mov al, 0xa5
    repe scasb
    CHECK e, "module 1 holds 5000 bytes of 0xa5"
    mov eax, [edx + 16]
    test eax, 0xfff
    CHECK z, "module 1 starts on a page boundary (header flag 0)"
    mov eax, [edx + 16]
    cmp eax, [edx + 4]
    CHECK ae, "module 1 lies after module 0"
    mov eax, [edx]
    cmp eax, end_of_image
    CHECK ae, "the modules lie above the kernel"
    ; the memory map: entries of size 20, the first available at 0
    mov ecx, [ebx + 44]
    test ecx, ecx
    CHECK nz, "mmap_length is not 0"
    mov ebp, [ebx + 48]            ; (CHECK's message uses ESI)
    cmp dword [ebp], 20
    CHECK e, "the first map entry's size field is 20"
    cmp dword [ebp + 20], 1
    CHECK e, "the first map entry is available RAM (type 1)"
    ; mem_lower: 639 or 640 KiB of low RAM
    mov eax, [ebx + 4]
    sub eax, 639
    cmp eax, 1
    CHECK be, "mem_lower is 639 or 640 (KiB)"

    ; summary, then the failure count to the debug exit
    mov esi, summary_msg
    call puts
    mov eax, [failed]
    call putdec
    mov esi, summary_tail
    call puts
    mov eax, [failed]
    out 0xf4, eax
    cli
.halt:
    hlt
    jmp .halt

pass:
    jmp puts
fail:
    inc dword [failed]
    jmp puts

; puts: the NUL-terminated string at ESI to COM1
puts:
    push eax
    push edx
    mov dx, 0x3f8
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    pop edx
    pop eax
    ret

; putdec: EAX (< 10) as one digit
putdec:
    add al, '0'
    mov dx, 0x3f8
    out dx, al
    ret

; streq: ZF set when the strings at ESI and EDI are equal
streq:
    push eax
.loop:
    mov al, [esi]
    cmp al, [edi]
    jne .out
    inc esi
    inc edi
    test al, al
    jnz .loop
.out:
    pop eax
    ret

want_cmdline: db "\EFI\hv\guest.bin --check 42", 0
want_one: db "hv-module-one", 10
want_one_path: db "\EFI\hv\guests\mb_one.txt", 0
summary_msg: db "mbinfo: ", 0
summary_tail: db " failed", 10, 0
    align 4
info: dd 0
failed: dd 0
    align 16
    times 1024 db 0
stack_top:
end_of_image:
