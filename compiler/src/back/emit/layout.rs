//! Tests of an array's layout from its strides and views in ndarray's visiting orders:
//! `ShapeQuery::Contiguous` / `Standard` / `MinStrideAxis`, `ExprKind::Relayout`, the shape check
//! `ExprKind::SameShape` and the broadcast views `ExprKind::Broadcast`.
//!
//! In: an array's extents and strides (run-time values; the number of axes is known). Out:
//! straight-line LLVM IR (compares and selects, no loops, no calls) that answers ndarray 0.17's
//! `is_contiguous()` / `is_standard_layout()` or builds the reordered or broadcast view, the same on the CPU
//! and the GPU.

use super::{ArrayVal, FnEmitter, R};
use crate::back::abi::SiteKind;
use crate::ir::*;
use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::IntPredicate;

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    fn i64(&self, v: u64) -> IntValue<'ctx> {
        self.ctx().i64_type().const_int(v, false)
    }

    fn bool_const(&self, v: bool) -> IntValue<'ctx> {
        self.ctx().bool_type().const_int(v as u64, false)
    }

    fn abs(&self, s: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let b = self.b();
        let neg = b.build_int_compare(IntPredicate::SLT, s, self.i64(0), "")?;
        let minus = b.build_int_neg(s, "")?;
        Ok(b.build_select(neg, minus, s, "abs")?.into_int_value())
    }

    fn all(&self, xs: &[IntValue<'ctx>]) -> R<IntValue<'ctx>> {
        let mut acc = self.bool_const(true);
        for &x in xs {
            acc = self.b().build_and(acc, x, "")?;
        }
        Ok(acc)
    }

    fn any_empty(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        let mut acc = self.bool_const(false);
        for &d in &a.shape {
            let z = self
                .b()
                .build_int_compare(IntPredicate::EQ, d, self.i64(0), "")?;
            acc = self.b().build_or(acc, z, "")?;
        }
        Ok(acc)
    }

    /// The magnitudes of `a`'s strides.
    fn magnitudes(&self, a: &ArrayVal<'ctx>) -> R<Vec<IntValue<'ctx>>> {
        a.strides.iter().map(|&s| self.abs(s)).collect()
    }

    /// Whether axis `j` comes before axis `k` when the axes are sorted by stride magnitude,
    /// ascending (`descending: false`) or descending, ties in axis order (a stable sort).
    fn before(
        &self,
        mag: &[IntValue<'ctx>],
        j: usize,
        k: usize,
        descending: bool,
    ) -> R<IntValue<'ctx>> {
        let pred = match (descending, j < k) {
            (false, true) => IntPredicate::ULE,
            (false, false) => IntPredicate::ULT,
            (true, true) => IntPredicate::UGE,
            (true, false) => IntPredicate::UGT,
        };
        Ok(self.b().build_int_compare(pred, mag[j], mag[k], "")?)
    }

    /// `is_contiguous()`: the axes, sorted by stride magnitude, step through one block of memory
    /// (an axis of length one may have any stride); true for an empty array too.
    pub(super) fn contiguous(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        if a.ty.layout == Layout::Contig || a.shape.is_empty() {
            return Ok(self.bool_const(true));
        }
        let one = self.i64(1);
        let mag = self.magnitudes(a)?;
        let n = a.shape.len();
        let mut oks = Vec::with_capacity(n);
        for k in 0..n {
            // The product of the extents of the axes before `k` in ascending order.
            let mut c = one;
            for j in (0..n).filter(|&j| j != k) {
                let first = self.before(&mag, j, k, false)?;
                let d = self.b().build_select(first, a.shape[j], one, "")?;
                c = self.b().build_int_mul(c, d.into_int_value(), "")?;
            }
            let unit = self
                .b()
                .build_int_compare(IntPredicate::EQ, a.shape[k], one, "")?;
            let fits = self
                .b()
                .build_int_compare(IntPredicate::EQ, mag[k], c, "")?;
            oks.push(self.b().build_or(unit, fits, "")?);
        }
        let ok = self.all(&oks)?;
        Ok(self.b().build_or(ok, self.any_empty(a)?, "contiguous")?)
    }

    /// `is_standard_layout()`: C order with positive strides (axes of length one excepted).
    fn standard(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        if a.ty.layout == Layout::Contig || a.shape.is_empty() {
            return Ok(self.bool_const(true));
        }
        let one = self.i64(1);
        let n = a.shape.len();
        let mut oks = Vec::with_capacity(n);
        let mut c = one;
        for k in (0..n).rev() {
            let unit = self
                .b()
                .build_int_compare(IntPredicate::EQ, a.shape[k], one, "")?;
            let fits = self
                .b()
                .build_int_compare(IntPredicate::EQ, a.strides[k], c, "")?;
            oks.push(self.b().build_or(unit, fits, "")?);
            c = self.b().build_int_mul(c, a.shape[k], "")?;
        }
        let ok = self.all(&oks)?;
        Ok(self.b().build_or(ok, self.any_empty(a)?, "standard")?)
    }

    pub(super) fn layout_test(&self, a: &ArrayVal<'ctx>, q: ShapeQuery) -> R<IntValue<'ctx>> {
        match q {
            ShapeQuery::Standard => self.standard(a),
            _ => self.contiguous(a),
        }
    }

    /// ndarray's `min_stride_axis()`: the axis of least stride magnitude, the last on ties.
    pub(super) fn min_stride_axis(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        let n = a.shape.len();
        let mag = self.magnitudes(a)?;
        let mut best = self.i64(n as u64 - 1);
        let mut best_mag = mag[n - 1];
        for k in (0..n - 1).rev() {
            let b = self.b();
            let less = b.build_int_compare(IntPredicate::ULT, mag[k], best_mag, "")?;
            best = b
                .build_select(less, self.i64(k as u64), best, "")?
                .into_int_value();
            best_mag = b.build_select(less, mag[k], best_mag, "")?.into_int_value();
        }
        Ok(best)
    }

    /// The offset, in elements, from `a`'s first element to its lowest address.
    pub(super) fn low_offset(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        let zero = self.i64(0);
        let mut off = zero;
        for (&d, &s) in a.shape.iter().zip(&a.strides) {
            let b = self.b();
            let neg = b.build_int_compare(IntPredicate::SLT, s, zero, "")?;
            let last = b.build_int_sub(d, self.i64(1), "")?;
            let back = b.build_int_mul(s, last, "")?;
            let back = b.build_select(neg, back, zero, "")?.into_int_value();
            off = b.build_int_add(off, back, "")?;
        }
        Ok(off)
    }

    /// `ExprKind::Relayout`: a view of `array` of type `ty` in the order `visit`.
    pub(super) fn relayout(
        &mut self,
        ty: ArrayType,
        array: LocalId,
        visit: Visit,
    ) -> R<BasicValueEnum<'ctx>> {
        let a = self.array(array)?;
        let t = self.m.mem_type(a.ty.elem);
        let view = match visit {
            Visit::Memory => {
                let off = self.low_offset(&a)?;
                let mut len = self.i64(1);
                for &d in &a.shape {
                    len = self.b().build_int_mul(len, d, "")?;
                }
                // SAFETY: a GEP without `inbounds` only computes an address; it is read only
                // when the array is contiguous, whose lowest element this is.
                let data = unsafe { self.b().build_gep(t, a.data, &[off], "memory")? };
                ArrayVal {
                    ty,
                    data,
                    shape: vec![len],
                    strides: vec![self.i64(1)],
                }
            }
            // C order is its own memory order.
            Visit::Fold if a.ty.layout == Layout::Contig => ArrayVal { ty, ..a },
            Visit::Fold => {
                let contiguous = self.contiguous(&a)?;
                let (c_data, c_shape, c_strides) = {
                    let off = self.low_offset(&a)?;
                    // SAFETY: as above; the lowest element of the array.
                    let data = unsafe { self.b().build_gep(t, a.data, &[off], "low")? };
                    let mag = self.magnitudes(&a)?;
                    let (shape, strides) = self.sorted_descending(&a, &mag)?;
                    (data, shape, strides)
                };
                let (shape, strides) = self.min_stride_last(&a)?;
                let b = self.b();
                let data = b
                    .build_select(contiguous, c_data, a.data, "")?
                    .into_pointer_value();
                let pick = |x: &[IntValue<'ctx>], y: &[IntValue<'ctx>]| -> R<Vec<IntValue<'ctx>>> {
                    x.iter()
                        .zip(y)
                        .map(|(&p, &q)| Ok(b.build_select(contiguous, p, q, "")?.into_int_value()))
                        .collect()
                };
                ArrayVal {
                    ty,
                    data,
                    shape: pick(&c_shape, &shape)?,
                    strides: pick(&c_strides, &strides)?,
                }
            }
        };
        self.m.pack(&view)
    }

    /// The axes of `a` sorted by decreasing stride magnitude (stable), strides made positive:
    /// logical order over them is memory order when `a` is contiguous.
    #[allow(clippy::type_complexity)]
    fn sorted_descending(
        &self,
        a: &ArrayVal<'ctx>,
        mag: &[IntValue<'ctx>],
    ) -> R<(Vec<IntValue<'ctx>>, Vec<IntValue<'ctx>>)> {
        let n = a.shape.len();
        let zero = self.i64(0);
        let mut pos = Vec::with_capacity(n);
        for k in 0..n {
            let mut p = zero;
            for j in (0..n).filter(|&j| j != k) {
                let first = self.before(mag, j, k, true)?;
                let inc = self
                    .b()
                    .build_int_z_extend(first, self.ctx().i64_type(), "")?;
                p = self.b().build_int_add(p, inc, "")?;
            }
            pos.push(p);
        }
        let (mut shape, mut strides) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for q in 0..n {
            let (mut d, mut s) = (zero, zero);
            for k in 0..n {
                let b = self.b();
                let here = b.build_int_compare(IntPredicate::EQ, pos[k], self.i64(q as u64), "")?;
                d = b.build_select(here, a.shape[k], d, "")?.into_int_value();
                s = b.build_select(here, mag[k], s, "")?.into_int_value();
            }
            shape.push(d);
            strides.push(s);
        }
        Ok((shape, strides))
    }

    /// ndarray's `move_min_stride_axis_to_last`: the axis of least stride magnitude (of those
    /// longer than one; for 2-D, its own rule) swapped with the last.
    #[allow(clippy::type_complexity)]
    fn min_stride_last(&self, a: &ArrayVal<'ctx>) -> R<(Vec<IntValue<'ctx>>, Vec<IntValue<'ctx>>)> {
        let n = a.shape.len();
        if n <= 1 {
            return Ok((a.shape.clone(), a.strides.clone()));
        }
        let one = self.i64(1);
        let mag = self.magnitudes(a)?;
        let b = self.b();
        // The axis to swap with the last (the last itself: no change).
        let m = if n == 2 {
            let short = b.build_int_compare(IntPredicate::ULE, a.shape[1], one, "")?;
            let long0 = b.build_int_compare(IntPredicate::UGT, a.shape[0], one, "")?;
            let less = b.build_int_compare(IntPredicate::ULT, mag[0], mag[1], "")?;
            let swap = b.build_or(short, b.build_and(long0, less, "")?, "")?;
            b.build_select(swap, self.i64(0), one, "")?.into_int_value()
        } else {
            let mut best = self.i64(n as u64 - 1);
            let mut best_mag = self.i64(0);
            let mut found = self.bool_const(false);
            for (k, (&d, &m)) in a.shape.iter().zip(&mag).enumerate() {
                let long = b.build_int_compare(IntPredicate::UGT, d, one, "")?;
                let less = b.build_int_compare(IntPredicate::ULT, m, best_mag, "")?;
                let better = b.build_or(b.build_not(found, "")?, less, "")?;
                let take = b.build_and(long, better, "")?;
                best = b
                    .build_select(take, self.i64(k as u64), best, "")?
                    .into_int_value();
                best_mag = b.build_select(take, m, best_mag, "")?.into_int_value();
                found = b.build_or(found, take, "")?;
            }
            best
        };
        let pick = |xs: &[IntValue<'ctx>]| -> R<IntValue<'ctx>> {
            let mut v = xs[n - 1];
            for (k, &x) in xs.iter().enumerate().take(n - 1) {
                let here = b.build_int_compare(IntPredicate::EQ, m, self.i64(k as u64), "")?;
                v = b.build_select(here, x, v, "")?.into_int_value();
            }
            Ok(v)
        };
        let swap = |xs: &[IntValue<'ctx>]| -> R<Vec<IntValue<'ctx>>> {
            let at_m = pick(xs)?;
            let mut out = Vec::with_capacity(n);
            for (k, &x) in xs.iter().enumerate() {
                if k == n - 1 {
                    out.push(at_m);
                } else {
                    let here = b.build_int_compare(IntPredicate::EQ, m, self.i64(k as u64), "")?;
                    out.push(b.build_select(here, xs[n - 1], x, "")?.into_int_value());
                }
            }
            Ok(out)
        };
        Ok((swap(&a.shape)?, swap(&a.strides)?))
    }

    /// `ExprKind::Broadcast`: `array` stretched to `with`'s shape (`onto`) or to the common
    /// shape of both, failing the call where ndarray's broadcasting rules refuse them.
    pub(super) fn broadcast(
        &mut self,
        ty: ArrayType,
        (array, with): (LocalId, LocalId),
        onto: bool,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        let (a, w) = (self.array(array)?, self.array(with)?);
        let n = ty.ndim as usize;
        let (ka, kw) = (n - a.shape.len(), n - w.shape.len());
        let ndims = [a.shape.len() as u8, w.shape.len() as u8];
        let site = self.site(SiteKind::Broadcast { ndims, onto }, span);
        let (one, zero) = (self.i64(1), self.i64(0));
        let whole: Vec<IntValue<'ctx>> = a.shape.iter().chain(&w.shape).copied().collect();
        let (mut shape, mut strides) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for k in 0..n {
            // A missing leading axis has extent 1.
            let ad = if k >= ka { a.shape[k - ka] } else { one };
            let wd = if k >= kw { w.shape[k - kw] } else { one };
            let b = self.b();
            let same = b.build_int_compare(IntPredicate::EQ, ad, wd, "")?;
            let a_one = b.build_int_compare(IntPredicate::EQ, ad, one, "")?;
            let w_one = b.build_int_compare(IntPredicate::EQ, wd, one, "")?;
            let (ok, out) = if onto {
                (b.build_or(same, a_one, "")?, wd)
            } else {
                let ok = b.build_or(b.build_or(same, a_one, "")?, w_one, "")?;
                (ok, b.build_select(a_one, wd, ad, "")?.into_int_value())
            };
            let values = if whole.len() <= 4 {
                whole.clone()
            } else {
                vec![self.i64(k as u64), ad, wd]
            };
            self.check(ok, site, &values)?;
            let stride = if k >= ka {
                let b = self.b();
                let kept = b.build_int_compare(IntPredicate::EQ, ad, out, "")?;
                let stride = b.build_select(kept, a.strides[k - ka], zero, "")?;
                // A contiguous operand's stride is opaque to LLVM: one it sees as `kept ? 1 :
                // 0` makes `j * stride` a select of `j` and 0, which the vectorizer loads by
                // gathers (`(&x - &mean) * &inv`: 1.8x rustc's time on an AMD Zen 4, 0.85x so;
                // the vector expression `chain` 2x faster, Black-Scholes as array expressions
                // 1.1x); an unknown stride it versions on, loading whole vectors where the
                // stride is 1, as for strided views. Such an operand is mostly stretched along
                // leading axes, where its trailing strides are kept. Not a strided view
                // (`m.insert_axis(Axis(1))`), often stretched along its last axis (stride 0),
                // where the gathers of one address vectorize the loop and the version's scalar
                // loop would not (the fast-math row softmax's `exp` of `&x - &m`: 2.4x). The
                // cost: the row softmax without fast-math, where such a view and a matrix meet,
                // 1.16x slower (its division's vector loop gathers `s`); versioning the fused
                // loop on its views' last strides, in the IR, would serve both.
                if a.ty.layout == Layout::Contig {
                    self.keep_scalar(stride)?.into_int_value()
                } else {
                    stride.into_int_value()
                }
            } else {
                zero
            };
            shape.push(out);
            strides.push(stride);
        }
        let view = ArrayVal {
            ty,
            data: a.data,
            shape,
            strides,
        };
        self.m.pack(&view)
    }

    /// Fails the call unless `a` and `b` have the same extents on their trailing axes (all of
    /// them for arrays of one number of dimensions; a matrix's columns and a vector for `dot`).
    pub(super) fn same_shape(
        &mut self,
        a: LocalId,
        b: LocalId,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        let (x, y) = (self.array(a)?, self.array(b)?);
        let names = |l: LocalId| self.inst.func.local(l).name.clone();
        let kind = SiteKind::ShapeMismatch {
            a: names(a),
            b: names(b),
        };
        let site = self.site(kind, span);
        let skip = x.shape.len().saturating_sub(y.shape.len());
        for ((d, &m), &n) in x.shape.iter().enumerate().skip(skip).zip(&y.shape) {
            let same = self
                .b()
                .build_int_compare(IntPredicate::EQ, m, n, "same.extent")?;
            let axis = self.i64(d as u64);
            self.check(same, site, &[axis, m, n])?;
        }
        Ok(self.ctx().bool_type().const_zero().into())
    }
}
