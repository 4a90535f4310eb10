//! What identifies the host CPU in the on-disk cache's key, read without LLVM.
//!
//! In: the processor (`cpuid`, `xgetbv`). Out: a text that differs whenever LLVM's description
//! of the host (its CPU name and feature list, which decide the code) can differ. LLVM derives
//! both from exactly these registers on x86-64: the vendor, the family, model and stepping, and
//! the feature leaves (1, 7.0, 7.1, 0xD.1, 0x14, 0x19, 0x24, 0x80000001, 0x80000008) with the
//! state the operating system enables (`xgetbv`). The registers are taken whole but for the
//! fields that vary from core to core (leaf 1's `ebx`: APIC id and logical processor count), so
//! the text is the same on every core of a machine and a superset of what LLVM reads: a change
//! to the CPU can never give a stale hit. Asking LLVM instead costs a quarter of a millisecond,
//! as much as the rest of a first call that loads its code from the cache. Other
//! architectures: `None`, and the key asks LLVM.

/// The host CPU's identity for the cache key, `None` where only LLVM can tell it.
pub(crate) fn fingerprint() -> Option<String> {
    #[cfg(target_arch = "x86_64")]
    {
        Some(x86::fingerprint())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{__cpuid_count, CpuidResult};
    use std::fmt::Write;

    /// The leaves (and sub-leaves) LLVM's host detection reads, standard then extended.
    const LEAVES: [(u32, u32); 9] = [
        (0x1, 0),
        (0x7, 0),
        (0x7, 1),
        (0xd, 1),
        (0x14, 0),
        (0x19, 0),
        (0x24, 0),
        (0x8000_0001, 0),
        (0x8000_0008, 0),
    ];

    /// (`cpuid` exists on every x86-64 processor; leaves past the maximum are not read.)
    fn cpuid(leaf: u32, sub: u32) -> CpuidResult {
        __cpuid_count(leaf, sub)
    }

    pub(super) fn fingerprint() -> String {
        let top = cpuid(0, 0);
        let top_extended = cpuid(0x8000_0000, 0).eax;
        let mut text = format!(
            "cpuid {:08x} {:08x}{:08x}{:08x}",
            top.eax, top.ebx, top.edx, top.ecx
        );
        let mut osxsave = false;
        for (leaf, sub) in LEAVES {
            let max = if leaf >= 0x8000_0000 {
                top_extended
            } else {
                top.eax
            };
            if leaf > max {
                continue;
            }
            let mut r = cpuid(leaf, sub);
            if leaf == 1 {
                // The APIC id and the logical processor count differ per core, not per CPU.
                r.ebx = 0;
                osxsave = r.ecx & (1 << 27) != 0;
            }
            let _ = write!(
                text,
                " {leaf:x}.{sub}:{:08x}{:08x}{:08x}{:08x}",
                r.eax, r.ebx, r.ecx, r.edx
            );
        }
        if osxsave {
            let _ = write!(text, " xcr0:{:016x}", xcr0());
        }
        text
    }

    /// The register state the operating system saves (`xgetbv(0)`): whether AVX and AVX-512
    /// registers may be used.
    fn xcr0() -> u64 {
        let (eax, edx): (u32, u32);
        // SAFETY: `xgetbv` with ecx = 0 is valid when CPUID.1:ECX.OSXSAVE is set (checked by the
        // caller); it reads a register and touches no memory.
        unsafe {
            std::arch::asm!("xgetbv", in("ecx") 0, out("eax") eax, out("edx") edx, options(nomem, nostack, preserves_flags));
        }
        (u64::from(edx) << 32) | u64::from(eax)
    }
}
