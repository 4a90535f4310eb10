//! `ExprKind::MatMul` in the interpreter: the float (or complex) matrices gathered into aligned buffers,
//! multiplied by `matrixmultiply` (as compiled code and ndarray's `dot` do: its results do not
//! depend on the operands' strides), the product scattered into `out`.

use super::values::View;
use super::{scalar_elem, Exec, Frame, Machine};
use crate::ir::{LocalId, Scalar};

/// A float element type of the matrices: its bytes and `matrixmultiply`'s function for it.
trait Float: Copy + Default {
    const SIZE: usize;
    fn from_bytes(b: &[u8]) -> Self;
    fn to_bytes(self, out: &mut [u8]);
    /// `c = a · b` of C-order matrices (`m` x `k` and `k` x `n`).
    fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);
}

macro_rules! float {
    ($t:ty, $gemm:ident) => {
        impl Float for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_bytes(b: &[u8]) -> Self {
                <$t>::from_ne_bytes(b[..Self::SIZE].try_into().expect("an element's bytes"))
            }
            fn to_bytes(self, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&self.to_ne_bytes());
            }
            fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
                let (k_, n_) = (k as isize, n as isize);
                // SAFETY: `a`, `b` and `c` hold `m * k`, `k * n` and `m * n` elements, in C
                // order with these strides.
                unsafe {
                    matrixmultiply::$gemm(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        k_,
                        1,
                        b.as_ptr(),
                        n_,
                        1,
                        0.0,
                        c.as_mut_ptr(),
                        n_,
                        1,
                    )
                }
            }
        }
    };
}
float!(f32, sgemm);
float!(f64, dgemm);

/// A complex element as num-complex lays it out, `[re, im]`, multiplied by `zgemm`/`cgemm`.
macro_rules! complex {
    ($t:ty, $gemm:ident) => {
        impl Float for [$t; 2] {
            const SIZE: usize = 2 * std::mem::size_of::<$t>();
            fn from_bytes(b: &[u8]) -> Self {
                let part = |k: usize| {
                    let n = std::mem::size_of::<$t>();
                    <$t>::from_ne_bytes(b[k * n..(k + 1) * n].try_into().expect("a part's bytes"))
                };
                [part(0), part(1)]
            }
            fn to_bytes(self, out: &mut [u8]) {
                let n = std::mem::size_of::<$t>();
                out[..n].copy_from_slice(&self[0].to_ne_bytes());
                out[n..2 * n].copy_from_slice(&self[1].to_ne_bytes());
            }
            fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
                let (k_, n_) = (k as isize, n as isize);
                let standard = matrixmultiply::CGemmOption::Standard;
                // SAFETY: as for the floats above.
                unsafe {
                    matrixmultiply::$gemm(
                        standard,
                        standard,
                        m,
                        k,
                        n,
                        [1.0, 0.0],
                        a.as_ptr(),
                        k_,
                        1,
                        b.as_ptr(),
                        n_,
                        1,
                        [0.0, 0.0],
                        c.as_mut_ptr(),
                        n_,
                        1,
                    )
                }
            }
        }
    };
}
complex!(f32, cgemm);
complex!(f64, zgemm);

/// The byte offset of element `(i, j)` of a 2-D view.
fn at(v: &View, size: usize, i: usize, j: usize) -> usize {
    (v.offset + i as isize * v.strides[0] + j as isize * v.strides[1]) as usize * size
}

impl<'p> Machine<'p, '_, '_> {
    /// `out = a · b`.
    pub(super) fn mat_mul(
        &mut self,
        f: &Frame<'p>,
        a: LocalId,
        b: LocalId,
        out: LocalId,
    ) -> Exec<()> {
        let (x, y, z) = (f.array(a)?, f.array(b)?, f.array(out)?);
        match scalar_elem(x.elem)? {
            Scalar::F32 => self.product::<f32>(x, y, z),
            Scalar::C32 => self.product::<[f32; 2]>(x, y, z),
            Scalar::C64 => self.product::<[f64; 2]>(x, y, z),
            _ => self.product::<f64>(x, y, z),
        }
    }

    fn product<T: Float>(&mut self, x: &View, y: &View, z: &View) -> Exec<()> {
        let (m, k, n) = (x.shape[0], x.shape[1], y.shape[1]);
        let gather = |v: &View, rows: usize, cols: usize| -> Vec<T> {
            let bytes = self.bufs[v.buf].bytes();
            (0..rows * cols)
                .map(|e| T::from_bytes(&bytes[at(v, T::SIZE, e / cols, e % cols)..]))
                .collect()
        };
        let (a, b) = (gather(x, m, k), gather(y, k, n));
        let mut c = vec![T::default(); m * n];
        T::gemm(m, k, n, &a, &b, &mut c);
        let out = self.bufs[z.buf].bytes_mut()?;
        for (e, v) in c.into_iter().enumerate() {
            v.to_bytes(&mut out[at(z, T::SIZE, e / n, e % n)..]);
        }
        Ok(())
    }
}
