//! The core's FP64 FMA peak, measured in the run beside matmul: a register-only loop of fused
//! multiply-adds on the widest vectors the build targets.

/// `$flops` operations as twelve independent chains of fused multiply-adds on the registers
/// `$r`0..`$r`11 of `$lanes` `f64`s (from `$r`12 and `$r`13, zeroed first with `$zero`): the core's
/// FMA peak, the FMA units never waiting. One template for both vector widths.
#[cfg(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
))]
macro_rules! fma_chains {
    ($flops:expr, $lanes:literal, $zero:literal, $r:literal) => {
        fma_chains!(@run $flops, $lanes, $zero, $r, "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "10" "11")
    };
    (@run $flops:expr, $lanes:literal, $zero:literal, $r:literal, $($c:tt)*) => {{
        let iters = ($flops / (12.0 * 2.0 * $lanes as f64)).max(1.0) as u64;
        // SAFETY: only registers are touched, each one declared clobbered; the loop counter is a
        // local; the build has the instructions (the caller's `cfg`).
        unsafe {
            std::arch::asm!(
                $(concat!($zero, " ", $r, $c, ", ", $r, $c, ", ", $r, $c),)*
                concat!($zero, " ", $r, "12, ", $r, "12, ", $r, "12"),
                concat!($zero, " ", $r, "13, ", $r, "13, ", $r, "13"),
                "2:",
                $(concat!("vfmadd231pd ", $r, $c, ", ", $r, "12, ", $r, "13"),)*
                "dec {n}",
                "jnz 2b",
                n = inout(reg) iters => _,
                out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _,
                out("xmm5") _, out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _,
                out("xmm10") _, out("xmm11") _, out("xmm12") _, out("xmm13") _,
                options(nomem, nostack),
            )
        }
    }};
}

/// The core's floating-point peak, as the `peak` side of the matmul row: `f(flops)` does `flops`
/// operations as fused multiply-adds of the widest vector registers the build has (512-bit with
/// AVX-512, 256-bit with AVX2's FMA, as on an AMD Zen 3): the time matmul would take at that
/// peak. `None` where the build has neither (bench.sh builds for the host CPU).
#[cfg(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
))]
pub(crate) fn fma_peak() -> Option<fn(f64) -> f64> {
    fn run(flops: f64) -> f64 {
        #[cfg(target_feature = "avx512f")]
        fma_chains!(flops, 8, "vpxorq", "zmm");
        #[cfg(not(target_feature = "avx512f"))]
        fma_chains!(flops, 4, "vxorpd", "ymm");
        flops
    }
    Some(run)
}

/// No FMA: no peak side.
#[cfg(not(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
)))]
pub(crate) fn fma_peak() -> Option<fn(f64) -> f64> {
    None
}
