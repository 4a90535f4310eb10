//! The runtime's matrix product, called by compiled code for `x.dot(&y)` of two float or complex
//! matrices ([`abi::DGEMM`], [`abi::SGEMM`], [`abi::ZGEMM`], [`abi::CGEMM`]): `matrixmultiply`'s
//! `dgemm`/`sgemm`/`zgemm`/`cgemm` with alpha one and beta zero, the call ndarray's `dot` makes,
//! so the results are ndarray's bit for bit.
//!
//! [`abi::DGEMM`]: rumba_compiler::back::abi::DGEMM
//! [`abi::SGEMM`]: rumba_compiler::back::abi::SGEMM
//! [`abi::ZGEMM`]: rumba_compiler::back::abi::ZGEMM
//! [`abi::CGEMM`]: rumba_compiler::back::abi::CGEMM

macro_rules! gemm {
    ($name:ident, $t:ty, $gemm:ident $(, $flag:expr)?; $one:expr, $zero:expr) => {
        /// `c = a · b` (`m` x `k` times `k` x `n`), strides in elements.
        ///
        /// # Safety
        /// `a`, `b` and `c` address `m` x `k`, `k` x `n` and `m` x `n` elements of `$t` with
        /// these strides; `c`'s do not overlap `a`'s or `b`'s, and no two of `c`'s are one.
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe extern "C" fn $name(
            m: i64,
            k: i64,
            n: i64,
            a: *const $t,
            rsa: i64,
            csa: i64,
            b: *const $t,
            rsb: i64,
            csb: i64,
            c: *mut $t,
            rsc: i64,
            csc: i64,
        ) {
            let (m, k, n) = (m as usize, k as usize, n as usize);
            let (rsa, csa, rsb, csb) = (rsa as isize, csa as isize, rsb as isize, csb as isize);
            // SAFETY: the caller's contract is `matrixmultiply`'s.
            unsafe {
                matrixmultiply::$gemm(
                    $($flag, $flag,)?
                    m,
                    k,
                    n,
                    $one,
                    a,
                    rsa,
                    csa,
                    b,
                    rsb,
                    csb,
                    $zero,
                    c,
                    rsc as isize,
                    csc as isize,
                )
            }
        }
    };
}
gemm!(rumba_dgemm, f64, dgemm; 1.0, 0.0);
gemm!(rumba_sgemm, f32, sgemm; 1.0, 0.0);
// Complex numbers as `[re, im]` pairs, num-complex's layout.
const STANDARD: matrixmultiply::CGemmOption = matrixmultiply::CGemmOption::Standard;
gemm!(rumba_zgemm, [f64; 2], zgemm, STANDARD; [1.0, 0.0], [0.0, 0.0]);
gemm!(rumba_cgemm, [f32; 2], cgemm, STANDARD; [1.0, 0.0], [0.0, 0.0]);
