//! Signatures and arguments: the parameters of a random kernel (arrays of every dtype, 1-D to 3-D,
//! read-only or writable; scalars of every type, the 128-bit integers in wide kernels) and the [`ArgSpec`]s of an argument set (edge
//! values, zero-length arrays, strided, reversed, windowed, transposed and broadcast views).

use super::rng::Rng;
use super::values::{int_type, value_bits, FLOATS};
use rumba_compiler::ir::Scalar;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayParam {
    pub elem: Scalar,
    pub ndim: usize,
    pub writable: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum Param {
    Scalar(Scalar),
    Array(ArrayParam),
}

/// How an argument is built: a scalar's type and bits, or an array.
#[derive(Clone, Debug)]
pub enum ArgSpec {
    Scalar(Scalar, u128),
    Array(ArraySpec),
}

/// An array argument: a C-order array of shape `base` holding `data` (bits as in [`value_bits`]),
/// passed as the view that `ops` make of it, in order.
#[derive(Clone, Debug)]
pub struct ArraySpec {
    pub elem: Scalar,
    pub writable: bool,
    pub base: Vec<usize>,
    pub data: Vec<u128>,
    pub ops: Vec<ViewOp>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ViewOp {
    /// `broadcast(shape)` of the base array (read-only views only; always the first op).
    Broadcast(Vec<usize>),
    /// `slice_axis_inplace(Axis(axis), Slice::new(start, end, step))`.
    Slice {
        axis: usize,
        start: isize,
        end: Option<isize>,
        step: isize,
    },
    /// `invert_axis(Axis(axis))`.
    Invert(usize),
    /// `reversed_axes()`.
    Transpose,
}

/// A scalar type of any kind; the 128-bit integers among the integers when `wide`
/// ([`int_type`]).
pub(super) fn any_scalar(rng: &mut Rng, wide: bool) -> Scalar {
    match rng.below(10) {
        0 => Scalar::Bool,
        1..=3 => rng.pick(&FLOATS),
        _ => int_type(rng, wide),
    }
}

/// The parameters of a kernel; 128-bit integers among them when `wide`.
pub(super) fn kernel_params(rng: &mut Rng, wide: bool) -> Vec<Param> {
    let n_arrays = 1 + rng.below(3);
    let n_scalars = rng.below(4);
    let mut params: Vec<Param> = (0..n_arrays)
        .map(|_| {
            Param::Array(ArrayParam {
                elem: any_scalar(rng, wide),
                ndim: 1 + rng.below(3),
                writable: rng.percent(70),
            })
        })
        .collect();
    params.extend((0..n_scalars).map(|_| Param::Scalar(any_scalar(rng, wide))));
    // Shuffle, keeping the first array first half the time.
    for i in (1..params.len()).rev() {
        let j = rng.below(i + 1);
        params.swap(i, j);
    }
    params
}

/// One argument set for `params`.
pub fn arguments(rng: &mut Rng, params: &[Param]) -> Vec<ArgSpec> {
    params
        .iter()
        .map(|p| match *p {
            Param::Scalar(ty) => ArgSpec::Scalar(ty, value_bits(rng, ty)),
            Param::Array(a) => ArgSpec::Array(array_arg(rng, a)),
        })
        .collect()
}

fn array_arg(rng: &mut Rng, p: ArrayParam) -> ArraySpec {
    let shape: Vec<usize> = (0..p.ndim)
        .map(|_| if rng.percent(7) { 0 } else { 1 + rng.below(5) })
        .collect();
    let mut base = shape.clone();
    let mut ops = Vec::new();
    let kind = rng.below(if p.writable { 6 } else { 7 });
    match kind {
        // Standard layout.
        0 | 1 => {}
        // Every other element, forwards or backwards.
        2 => {
            let axis = rng.below(p.ndim);
            base[axis] = (2 * shape[axis]).saturating_sub(rng.below(2));
            let step = if rng.percent(50) { 2 } else { -2 };
            ops.push(ViewOp::Slice {
                axis,
                start: 0,
                end: None,
                step,
            });
        }
        // Reversed.
        3 => ops.push(ViewOp::Invert(rng.below(p.ndim))),
        // An interior window.
        4 => {
            let axis = rng.below(p.ndim);
            base[axis] = shape[axis] + 2;
            ops.push(ViewOp::Slice {
                axis,
                start: 1,
                end: Some(-1),
                step: 1,
            });
        }
        // Transposed (F order), possibly also reversed.
        5 => {
            base.reverse();
            ops.push(ViewOp::Transpose);
            if rng.percent(40) {
                ops.push(ViewOp::Invert(rng.below(p.ndim)));
            }
        }
        // Broadcast along some axes (stride 0): read-only views only.
        _ => {
            for n in base.iter_mut() {
                if rng.percent(50) {
                    *n = 1;
                }
            }
            ops.push(ViewOp::Broadcast(shape.clone()));
        }
    }
    let count: usize = base.iter().product();
    let data = (0..count).map(|_| value_bits(rng, p.elem)).collect();
    ArraySpec {
        elem: p.elem,
        writable: p.writable,
        base,
        data,
        ops,
    }
}
