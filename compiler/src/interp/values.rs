//! Arrays and tuples as the interpreter holds them while a kernel runs: buffers (an argument's,
//! or one the kernel allocated), views into them, values of every type, and the constructs that
//! make them: new arrays, slices, and the kernel's result.
//!
//! In: the machine's buffers and a frame's values. Out: new buffers and views, or an [`Output`].

use super::{c_order, ops, ArrayArg, Buffer, Error, Exec, Frame, Machine, Output, TrapKind, Value};
use crate::ir::{AllocShape, Elem, Init, LocalId, SliceAxis, Type};
use crate::span::Span;

/// The memory of an array: an argument's buffer, or one the kernel allocated.
pub(super) enum Buf<'m, 'a> {
    Arg(&'m mut ArrayArg<'a>),
    Owned(Vec<u8>),
}

impl Buf<'_, '_> {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Buf::Arg(a) => a.data.bytes(),
            Buf::Owned(v) => v,
        }
    }

    pub(super) fn bytes_mut(&mut self) -> Exec<&mut [u8]> {
        match self {
            Buf::Arg(a) => match &mut a.data {
                Buffer::Unique(b) => Ok(b),
                Buffer::Shared(_) => Err(Error::Internal("write to a read-only array".into())),
            },
            Buf::Owned(v) => Ok(v),
        }
    }
}

/// An array value: element `[i, j, ..]` is element `offset + i * strides[0] + ..` of buffer
/// `buf` of the machine.
#[derive(Clone, Debug)]
pub(super) struct View {
    pub(super) buf: usize,
    pub(super) elem: Elem,
    pub(super) offset: isize,
    pub(super) shape: Vec<usize>,
    pub(super) strides: Vec<isize>,
}

impl View {
    /// ndarray's `is_contiguous()`: the axes, sorted by stride magnitude, step through one block
    /// of memory (axes of length one may have any stride); also true when empty.
    pub(super) fn contiguous(&self) -> bool {
        if self.shape.contains(&0) {
            return true;
        }
        let mut order: Vec<usize> = (0..self.shape.len()).collect();
        order.sort_by_key(|&k| self.strides[k].unsigned_abs());
        let mut c = 1;
        for k in order {
            if self.shape[k] != 1 && self.strides[k].unsigned_abs() != c {
                return false;
            }
            c *= self.shape[k];
        }
        true
    }

    /// ndarray's `is_standard_layout()`: C order, positive strides.
    pub(super) fn standard(&self) -> bool {
        if self.shape.contains(&0) {
            return true;
        }
        let mut c = 1;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d != 1 && s != c as isize {
                return false;
            }
            c *= d;
        }
        true
    }

    /// The position of the element at the lowest address.
    pub(super) fn low(&self) -> isize {
        let back: isize = (self.shape.iter().zip(&self.strides))
            .filter(|&(&d, &s)| s < 0 && d > 0)
            .map(|(&d, &s)| s * (d as isize - 1))
            .sum();
        self.offset + back
    }

    /// ndarray's `min_stride_axis()`: the axis of least stride magnitude, the last on ties.
    pub(super) fn min_stride_axis(&self) -> usize {
        let n = self.strides.len();
        (0..n)
            .rev()
            .min_by_key(|&k| self.strides[k].unsigned_abs())
            .unwrap_or(0)
    }

    /// The view `ExprKind::Broadcast` makes: this array stretched to `w`'s shape (`onto`) or to
    /// the common shape of both; `None` where ndarray's rules refuse them.
    pub(super) fn broadcast(&self, w: &View, onto: bool) -> Option<View> {
        let n = self.shape.len().max(w.shape.len());
        let (ka, kw) = (n - self.shape.len(), n - w.shape.len());
        if onto && kw > 0 {
            return None;
        }
        let (mut shape, mut strides) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for k in 0..n {
            let a = k.checked_sub(ka).map_or(1, |j| self.shape[j]);
            let b = k.checked_sub(kw).map_or(1, |j| w.shape[j]);
            let out = match (a == b || a == 1, onto) {
                (true, true) => b,
                (false, true) => return None,
                _ if a == 1 => b,
                _ if a == b || b == 1 => a,
                _ => return None,
            };
            shape.push(out);
            strides.push(match k.checked_sub(ka) {
                Some(j) if a == out => self.strides[j],
                _ => 0,
            });
        }
        Some(View {
            shape,
            strides,
            ..self.clone()
        })
    }

    /// The view `ExprKind::Relayout` makes: its logical order is the order `visit` names.
    pub(super) fn relayout(&self, visit: crate::ir::Visit) -> View {
        let n = self.shape.len();
        match visit {
            crate::ir::Visit::Memory => View {
                offset: self.low(),
                shape: vec![self.shape.iter().product()],
                strides: vec![1],
                ..self.clone()
            },
            crate::ir::Visit::Fold if self.contiguous() => {
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by_key(|&k| std::cmp::Reverse(self.strides[k].unsigned_abs()));
                View {
                    offset: self.low(),
                    shape: order.iter().map(|&k| self.shape[k]).collect(),
                    strides: order.iter().map(|&k| self.strides[k].abs()).collect(),
                    ..self.clone()
                }
            }
            crate::ir::Visit::Fold => {
                // `move_min_stride_axis_to_last`.
                let (d, s) = (&self.shape, &self.strides);
                let m = match n {
                    0 | 1 => None,
                    2 => (d[1] <= 1 || (d[0] > 1 && s[0].abs() < s[1].abs())).then_some(0),
                    _ => (0..n)
                        .filter(|&k| d[k] > 1)
                        .min_by_key(|&k| s[k].unsigned_abs()),
                };
                let mut v = self.clone();
                if let Some(m) = m {
                    v.shape.swap(m, n - 1);
                    v.strides.swap(m, n - 1);
                }
                v
            }
        }
    }

    /// The element positions in logical (C) order.
    pub(super) fn positions(&self) -> Vec<usize> {
        let mut out = vec![self.offset];
        for (&n, &s) in self.shape.iter().zip(&self.strides) {
            out = out
                .iter()
                .flat_map(|&p| (0..n as isize).map(move |i| p + i * s))
                .collect();
        }
        out.into_iter().map(|p| p as usize).collect()
    }
}

/// A value while the kernel runs.
#[derive(Clone, Debug)]
pub(super) enum Val {
    Scalar(Value),
    Array(View),
    Tuple(Vec<Val>),
}

/// A value of type `t` (a scalar, or a struct of scalars and structs) read from `bytes` as
/// `#[repr(C)]` lays it out: an element of an array of structs.
pub(super) fn load_repr_c(t: Type, bytes: &[u8]) -> Exec<Val> {
    match t {
        Type::Scalar(s) => Ok(Val::Scalar(Value::load(s, bytes))),
        Type::Tuple(tt) => Ok(Val::Tuple(
            tt.elems()
                .iter()
                .zip(tt.offsets())
                .map(|(&e, at)| load_repr_c(e, &bytes[at as usize..]))
                .collect::<Exec<Vec<Val>>>()?,
        )),
        Type::Unit | Type::Array(_) => Err(Error::Internal(format!("an element of type {t}"))),
    }
}

/// Writes `v`, a value of type `t`, into `out` as `#[repr(C)]` lays it out (the inverse of
/// [`load_repr_c`]; padding bytes are left as they are).
pub(super) fn store_repr_c(v: &Val, t: Type, out: &mut [u8]) -> Exec<()> {
    match (v, t) {
        (Val::Scalar(x), Type::Scalar(_)) => x.store(out),
        (Val::Tuple(xs), Type::Tuple(tt)) if xs.len() == tt.elems().len() => {
            for ((x, &e), at) in xs.iter().zip(tt.elems()).zip(tt.offsets()) {
                store_repr_c(x, e, &mut out[at as usize..])?;
            }
        }
        (v, t) => return Err(Error::Internal(format!("a store of {v:?} as {t}"))),
    }
    Ok(())
}

impl<'p> Machine<'p, '_, '_> {
    /// A new array of `elem`, its extents and first elements evaluated as [`ExprKind::Alloc`] says.
    pub(super) fn alloc(
        &mut self,
        f: &Frame<'p>,
        elem: Elem,
        shape: &AllocShape,
        init: &Init,
        span: Span,
    ) -> Exec<Val> {
        let fill = match init {
            Init::Elem(v) => Some(self.val(f, *v)?),
            // Zero bits for memory the program writes before it reads (`Init::Uninit`).
            Init::Zeros | Init::Uninit => None,
            Init::Ones => {
                let one = ops::cast(Value::I32(1), super::scalar_elem(elem)?);
                Some(Val::Scalar(one.map_err(|o| f.fail(o, span))?))
            }
            Init::Copy(_) | Init::Each(_) | Init::Resize(_) => None,
        };
        let resized = match init {
            Init::Resize(v) => match self.val(f, *v)? {
                Val::Array(a) => Some(a),
                _ => return Err(Error::Internal("a resize of a non-array".into())),
            },
            _ => None,
        };
        let each = match init {
            Init::Each(vs) => vs
                .iter()
                .map(|&v| self.val(f, v))
                .collect::<Exec<Vec<Val>>>()?,
            _ => Vec::new(),
        };
        let dims = match shape {
            AllocShape::Dims(d) => d
                .iter()
                .map(|&x| self.usize(f, x))
                .collect::<Exec<Vec<usize>>>()?,
            AllocShape::Like(a) | AllocShape::LayoutOf(a) => f.array(*a)?.shape.clone(),
            AllocShape::Fixed(n) => vec![*n as usize],
        };
        // C order, or the strides of a contiguous operand (`LayoutOf`: ndarray's `map`).
        let (offset, strides) = match shape {
            AllocShape::LayoutOf(a) if f.array(*a)?.contiguous() => {
                let src = f.array(*a)?;
                (src.offset - src.low(), src.strides.clone())
            }
            _ => (0, c_order(&dims)),
        };
        let count = dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize);
        let bytes = count
            .and_then(|n| n.checked_mul(elem.size()))
            .filter(|&b| b <= isize::MAX as usize);
        let too_large = || {
            f.trap(
                TrapKind::Alloc {
                    elements: count.map_or(u64::MAX, |n| n as u64),
                },
                span,
            )
        };
        let bytes = bytes.ok_or_else(too_large)?;
        let mut data = Vec::new();
        data.try_reserve_exact(bytes).map_err(|_| too_large())?;
        data.resize(bytes, 0);
        if let Some(v) = fill {
            for chunk in data.chunks_exact_mut(elem.size()) {
                store_repr_c(&v, elem.ty(), chunk)?;
            }
        }
        for (v, chunk) in each.iter().zip(data.chunks_exact_mut(elem.size())) {
            store_repr_c(v, elem.ty(), chunk)?;
        }
        let view = View {
            buf: self.bufs.len(),
            elem,
            offset,
            strides,
            shape: dims,
        };
        if let Some(src) = resized {
            // The elements kept, in the vector's order (its buffer is contiguous, from 0).
            let from = self.bufs[src.buf].bytes();
            let keep = (src.shape[0].min(view.shape[0]) * elem.size()).min(data.len());
            let start = src.offset as usize * elem.size();
            data[..keep].copy_from_slice(&from[start..start + keep]);
        }
        if let Init::Copy(a) = init {
            let src = f.array(*a)?;
            let from = self.bufs[src.buf].bytes();
            let size = elem.size();
            for (k, p) in view.positions().into_iter().zip(src.positions()) {
                data[k * size..(k + 1) * size].copy_from_slice(&from[p * size..(p + 1) * size]);
            }
        }
        self.bufs.push(Buf::Owned(data));
        Ok(Val::Array(view))
    }

    /// `v`, a value of type `t`, with every fixed-size array in it copied into a buffer of its
    /// own (reading a `[T; N]` copies it).
    pub(super) fn copy_fixed(&mut self, v: Val, t: Type) -> Exec<Val> {
        Ok(match (v, t) {
            (Val::Array(a), Type::Array(at)) if at.stack_len().is_some() => {
                let size = a.elem.size();
                let from = a.offset as usize * size;
                let n: usize = a.shape.iter().product();
                let data = self.bufs[a.buf].bytes()[from..from + n * size].to_vec();
                self.bufs.push(Buf::Owned(data));
                Val::Array(View {
                    buf: self.bufs.len() - 1,
                    offset: 0,
                    ..a
                })
            }
            (Val::Tuple(xs), Type::Tuple(tt)) => Val::Tuple(
                xs.into_iter()
                    .zip(tt.elems())
                    .map(|(x, &t)| self.copy_fixed(x, t))
                    .collect::<Exec<Vec<Val>>>()?,
            ),
            (v, _) => v,
        })
    }

    /// The kernel's result as the caller gets it.
    pub(super) fn output(&self, v: Val) -> Exec<Output> {
        Ok(match v {
            Val::Scalar(s) => Output::Scalar(s),
            Val::Tuple(xs) => Output::Tuple(
                xs.into_iter()
                    .map(|x| self.output(x))
                    .collect::<Exec<Vec<_>>>()?,
            ),
            // As compiled code hands it over: its memory as it lies when contiguous (a new
            // array keeps the layout ndarray gives it), else copied in C order.
            Val::Array(a) => {
                let size = a.elem.size();
                let from = self.bufs[a.buf].bytes();
                let (positions, strides) = match a.contiguous() {
                    true => {
                        let low = a.low() as usize;
                        let n: usize = a.shape.iter().product();
                        ((low..low + n).collect(), a.strides.clone())
                    }
                    false => (a.positions(), c_order(&a.shape)),
                };
                let data = positions
                    .into_iter()
                    .flat_map(|p| from[p * size..(p + 1) * size].iter().copied())
                    .collect();
                Output::Array {
                    elem: a.elem,
                    shape: a.shape,
                    strides,
                    data,
                }
            }
        })
    }

    /// A view of part of `array` ([`ExprKind::Slice`]), its bounds checked as ndarray does.
    pub(super) fn slice(
        &mut self,
        f: &Frame<'p>,
        array: LocalId,
        axes: &[SliceAxis],
        span: Span,
    ) -> Exec<View> {
        let inst = f.inst;
        let a = f.array(array)?.clone();
        let mut out = View {
            shape: Vec::new(),
            strides: Vec::new(),
            ..a.clone()
        };
        let mut axis = 0;
        let name = || inst.func.local(array).name.clone();
        for x in axes {
            if !x.takes_axis() {
                out.shape.push(1);
                out.strides.push(0);
                continue;
            }
            let (len, stride) = (a.shape[axis], a.strides[axis]);
            let mut bound = |b: &crate::ir::Bound, index: bool| -> Exec<usize> {
                let v = self.usize(f, b.value)?;
                let at = if b.from_end {
                    len.checked_sub(v)
                } else {
                    Some(v)
                };
                match at {
                    Some(at) if at < len || (!index && at == len) => Ok(at),
                    _ => Err(f.trap(
                        TrapKind::SliceBounds {
                            array: name(),
                            axis,
                            bound: if b.from_end {
                                (len as u64).wrapping_sub(v as u64)
                            } else {
                                v as u64
                            },
                            len: len as u64,
                        },
                        span,
                    )),
                }
            };
            match x {
                crate::ir::SliceAxis::Index(b) => {
                    let i = bound(b, true)?;
                    out.offset += i as isize * stride;
                }
                crate::ir::SliceAxis::Range { start, end, step } => {
                    let s = start
                        .as_ref()
                        .map(|b| bound(b, false))
                        .transpose()?
                        .unwrap_or(0);
                    let e = end
                        .as_ref()
                        .map(|b| bound(b, false))
                        .transpose()?
                        .unwrap_or(len);
                    let e = e.max(s);
                    let m = e - s;
                    let k = step.unsigned_abs() as usize;
                    let n = m.div_ceil(k);
                    if m > 0 {
                        let first = if *step < 0 { e - 1 } else { s };
                        out.offset += first as isize * stride;
                    }
                    out.shape.push(n);
                    out.strides.push(stride * *step as isize);
                }
                crate::ir::SliceAxis::NewAxis => {}
            }
            axis += 1;
        }
        Ok(out)
    }
}
