/*
 * Architectural constants of x86 and VT-x in one place: control-register,
 * EFER and RFLAGS bits, MSR numbers, exception vectors, and the formats of
 * the VM-exit qualifications and event-information fields hv reads and
 * writes.  Numbers are from the Intel SDM (volumes named per constant);
 * nothing here is a choice of hv's.  VMCS field encodings and exit reasons
 * live in hv/vmx/vmcs.h (they only mean something to the VT-x layer).
 */
#ifndef HV_X86_ARCH_H
#define HV_X86_ARCH_H

/* ------------------------------------------------ RFLAGS (Vol. 1 3.4.3) */
#define X86_FL_CF (1u << 0)
#define X86_FL_FIXED1 (1u << 1) /* always reads 1 */
#define X86_FL_PF (1u << 2)
#define X86_FL_AF (1u << 4)
#define X86_FL_ZF (1u << 6)
#define X86_FL_SF (1u << 7)
#define X86_FL_TF (1u << 8)
#define X86_FL_IF (1u << 9)
#define X86_FL_DF (1u << 10)
#define X86_FL_OF (1u << 11)
#define X86_FL_RF (1u << 16)
#define X86_FL_VM (1u << 17)
#define X86_FL_AC (1u << 18)
#define X86_FL_ARITH (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF | X86_FL_OF)

/* ------------------------------------------------ CR0, CR4 (Vol. 3A 2.5) */
#define X86_CR0_PE (1ull << 0)
#define X86_CR0_MP (1ull << 1)
#define X86_CR0_EM (1ull << 2)
#define X86_CR0_TS (1ull << 3)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_WP (1ull << 16)
#define X86_CR0_AM (1ull << 18)
#define X86_CR0_NW (1ull << 29)
#define X86_CR0_CD (1ull << 30)
#define X86_CR0_PG (1ull << 31)

#define X86_CR4_VME (1ull << 0)
#define X86_CR4_PVI (1ull << 1)
#define X86_CR4_TSD (1ull << 2)
#define X86_CR4_DE (1ull << 3)
#define X86_CR4_PSE (1ull << 4)
#define X86_CR4_PAE (1ull << 5)
#define X86_CR4_MCE (1ull << 6)
#define X86_CR4_PGE (1ull << 7)
#define X86_CR4_PCE (1ull << 8)
#define X86_CR4_OSFXSR (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_CR4_UMIP (1ull << 11)
#define X86_CR4_LA57 (1ull << 12)
#define X86_CR4_VMXE (1ull << 13)
#define X86_CR4_SMXE (1ull << 14)
#define X86_CR4_FSGSBASE (1ull << 16)
#define X86_CR4_PCIDE (1ull << 17)
#define X86_CR4_OSXSAVE (1ull << 18)
#define X86_CR4_SMEP (1ull << 20)
#define X86_CR4_SMAP (1ull << 21)
#define X86_CR4_PKE (1ull << 22)

/* ------------------------------------------------ EFER (Vol. 3A 2.2.1) */
#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

/* ------------------------------------------------ MSRs (Vol. 4, chapter 2) */
#define MSR_IA32_TSC 0x010
#define MSR_IA32_APIC_BASE 0x01b
#define MSR_IA32_FEATURE_CONTROL 0x03a
#define MSR_IA32_TSC_ADJUST 0x03b
#define MSR_IA32_BIOS_SIGN_ID 0x08b /* microcode update signature (SDM Vol. 3A 9.11.7) */
#define MSR_IA32_MTRRCAP 0x0fe
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_MCG_CAP 0x179
#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_DEBUGCTL 0x1d9
#define MSR_IA32_PAT 0x277
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_X2APIC_FIRST 0x800 /* x2APIC registers: 0x800 + (xAPIC offset >> 4) */
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_LAST 0x8ff
#define MSR_IA32_EFER 0xc0000080
#define MSR_IA32_STAR 0xc0000081
#define MSR_IA32_LSTAR 0xc0000082
#define MSR_IA32_CSTAR 0xc0000083
#define MSR_IA32_FMASK 0xc0000084
#define MSR_IA32_FS_BASE 0xc0000100
#define MSR_IA32_GS_BASE 0xc0000101
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC_AUX 0xc0000103

/* IA32_PAT at power-on: WB, WT, UC-, UC in each half (Vol. 3A 11.12.4). */
#define X86_PAT_RESET 0x0007040600070406ull

/* IA32_FEATURE_CONTROL bits (Vol. 4 table 2-2). */
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_IN_SMX (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* IA32_VMX_BASIC bit 55: the TRUE_ control MSRs exist (Vol. 3D A.1). */
#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* ------------------------------------------------ exception vectors (Vol. 3A 6.3.1) */
enum x86_vector {
    X86_VEC_DE = 0,
    X86_VEC_DB = 1,
    X86_VEC_NMI = 2,
    X86_VEC_BP = 3,
    X86_VEC_UD = 6,
    X86_VEC_NM = 7,
    X86_VEC_DF = 8,
    X86_VEC_TS = 10,
    X86_VEC_NP = 11,
    X86_VEC_SS = 12,
    X86_VEC_GP = 13,
    X86_VEC_PF = 14,
    X86_VEC_AC = 17,
};

/* The exceptions of the fault class (SDM Vol. 3A table 6-1): #DE #BR #UD
 * #NM #TS #NP #SS #GP #PF #MF #AC #XM #VE #CP (#DB is a fault or a trap;
 * not included). */
#define X86_FAULT_VECTORS ((1u << 0) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 10) | \
                           (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 16) | \
                           (1u << 17) | (1u << 19) | (1u << 20) | (1u << 21))

/* ------------------------------------------------ VM-exit qualifications (Vol. 3C 28.2.1) */
/* EPT violation (table 28-7). */
#define EPT_QUAL_READ (1ull << 0)
#define EPT_QUAL_WRITE (1ull << 1)
#define EPT_QUAL_FETCH (1ull << 2)
#define EPT_QUAL_GLA_VALID (1ull << 7)
#define EPT_QUAL_GLA_TRANSLATED (1ull << 8) /* the access itself, not a walk */
#define EPT_QUAL_NMI_UNBLOCKING (1ull << 12)

/* I/O instruction (table 28-5). */
#define IO_QUAL_SIZE(q) ((unsigned)((q) & 7) + 1) /* bytes: 1, 2 or 4 */
#define IO_QUAL_IN (1ull << 3)
#define IO_QUAL_STRING (1ull << 4)
#define IO_QUAL_REP (1ull << 5)
#define IO_QUAL_PORT(q) ((uint16_t)((q) >> 16))

/* ------------------------------------------------ event information (Vol. 3C 24.8.3, 24.9.2-3)
 * The one format of the VM-entry interruption information, the VM-exit
 * interruption information and the IDT-vectoring information fields. */
#define INTR_INFO_VECTOR(i) ((i) & 0xffu)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE(i) (((i) >> INTR_INFO_TYPE_SHIFT) & 7u)
#define INTR_INFO_ERROR_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED (1u << 12) /* exit info: NMI unblocking by IRET */
#define INTR_INFO_VALID (1u << 31)

/* Guest interruptibility state (Vol. 3C 24.4.2, table 24-3). */
#define INTR_BLOCK_STI (1u << 0)
#define INTR_BLOCK_MOV_SS (1u << 1)
#define INTR_BLOCK_NMI (1u << 3)

enum intr_type {
    INTR_TYPE_EXT_INTR = 0,
    INTR_TYPE_NMI = 2,
    INTR_TYPE_HW_EXCEPTION = 3,
    INTR_TYPE_SW_INTR = 4,
    INTR_TYPE_PRIV_SW_EXCEPTION = 5,
    INTR_TYPE_SW_EXCEPTION = 6,
    INTR_TYPE_OTHER = 7,
};

#endif
