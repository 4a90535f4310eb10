//! ndarray's methods along one axis: `x.sum_axis(Axis(k))` and `x.fold_axis(Axis(k), init, f)`
//! (an [`ArrayReduce`] of [`ReduceOp::SumAxis`] / [`ReduceOp::FoldAxis`]) and the view
//! `x.insert_axis(Axis(k))`.
//!
//! In: the untyped nodes the front end makes (`insert_axis` a method call of the constant `k`)
//! and the types inference has solved. Out: their types (a new C-order array of one axis less;
//! a read-only view of one axis more) and, before `resolve`, their expansion: `insert_axis`
//! becomes the slice it is (`s![.., NewAxis, ..]`, the new axis at `k`); the reductions become
//! loops over a new array in ndarray 0.17's order of operations, so float results have its
//! bits. `fold_axis` starts every element from `init` and folds the subviews along `k` into
//! it one after the other (`zip_mut_with`); along the last axis of a C-order array, when the
//! step is pure (no store, no captured `mut`, no array passed on), lane by lane instead: each
//! element folds the same values in the same order, and the lanes are contiguous. `sum_axis` sums each lane with ndarray's `sum()` of
//! a 1-D view when `k` is the axis of least stride ([`ShapeQuery::MinStrideAxis`], decided at
//! run time, or now for a new C-order array, whose last axis it is), else adds the subviews
//! along `k` one after the other into zeros.

use super::fuse::writes;
use super::reduce::Build;
use super::unify::{ArrayVar, State, Var};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::walk::Uses;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

impl<'s, 'p> Infer<'s, 'p> {
    /// The type of `x.insert_axis(Axis(k))` (`args`: the constant `k`).
    pub(super) fn insert_axis(&mut self, a: ArrayVar, args: &[ExprId], span: Span) -> R<Var> {
        let k = self.axis_arg(args);
        if k > a.ndim as usize {
            return Err(Diagnostic::new(
                format!(
                    "`insert_axis(Axis({k}))` of a {}-D array: the axis is out of bounds",
                    a.ndim
                ),
                span,
                format!("axes 0..={} can be inserted", a.ndim),
            ));
        }
        Ok(self.fresh(State::Array(ArrayVar {
            ndim: a.ndim + 1,
            layout: Layout::Strided,
            writable: false,
            storage: Storage::View,
            ..a
        })))
    }

    /// The type of `x.index_axis(Axis(k), i)` / `index_axis_mut` (`args`: the constant `k` and
    /// `i`): a view of one axis less.
    pub(super) fn index_axis(
        &mut self,
        a: ArrayVar,
        mutable: bool,
        args: &[ExprId],
        span: Span,
    ) -> R<Var> {
        let k = self.axis_arg(args);
        if k >= a.ndim as usize {
            return Err(Diagnostic::new(
                format!("`Axis({k})` is out of bounds for a {}-D array", a.ndim),
                span,
                format!("dimensions are 0..{}", a.ndim),
            ));
        }
        if mutable && !a.writable {
            return Err(Diagnostic::new(
                "cannot borrow a read-only array as mutable",
                span,
                "`index_axis_mut` of a read-only array",
            )
            .with_help("pass the array as `&mut` (or an `ArrayViewMut`)"));
        }
        Ok(self.fresh(State::Array(ArrayVar {
            ndim: a.ndim - 1,
            layout: Layout::Strided,
            writable: mutable,
            storage: Storage::View,
            ..a
        })))
    }

    fn axis_arg(&self, args: &[ExprId]) -> usize {
        match args.first().map(|&k| &self.func.expr(k).kind) {
            Some(ExprKind::Const(c)) => c.as_i128() as usize,
            _ => unreachable!("the front end passes the axis as a constant"),
        }
    }

    /// Replaces every `insert_axis` and `index_axis` call of `func` by its slice; returns the
    /// expressions no longer reached (its operands but an index).
    pub(super) fn slice_insert_axes(&mut self, func: &mut Function<Untyped>) -> HashSet<ExprId> {
        let mut dead = HashSet::new();
        let calls: Vec<ExprId> = func
            .exprs
            .iter()
            .filter(|(e, x)| {
                self.exprs.get(*e).is_some()
                    && matches!(&x.kind, ExprKind::Method { name, .. }
                        if matches!(name.as_str(), "insert_axis" | "index_axis" | "index_axis_mut"))
            })
            .map(|(e, _)| e)
            .collect();
        for e in calls {
            let ExprKind::Method {
                receiver,
                args,
                name,
            } = func.expr(e).kind.clone()
            else {
                unreachable!("matched above")
            };
            let ExprKind::Local(array) = func.expr(receiver).kind else {
                unreachable!("the front end passes the array by name")
            };
            let State::Array(a) = self.get(self.locals[array]) else {
                unreachable!("typed as an array")
            };
            let k = self.axis_arg(&args);
            let all = SliceAxis::Range {
                start: None,
                end: None,
                step: 1,
            };
            let mut axes = vec![all; a.ndim as usize];
            dead.insert(receiver);
            dead.insert(args[0]);
            let mutable = name == "index_axis_mut";
            if name == "insert_axis" {
                axes.insert(k, SliceAxis::NewAxis);
            } else {
                axes[k] = SliceAxis::Index(Bound {
                    value: args[1],
                    from_end: false,
                });
            }
            func.exprs[e].kind = ExprKind::Slice {
                array,
                axes,
                mutable,
            };
        }
        dead
    }

    /// The type of `sum_axis` / `fold_axis` / `map_axis` of `x` (of type `at`), after typing the
    /// fold's step or the map's closure.
    pub(super) fn reduce_axis(&mut self, r: &ArrayReduce, at: ArrayVar) -> R<Var> {
        let (k, elem) = match r.op {
            ReduceOp::SumAxis(k) | ReduceOp::MeanAxis(k) => (k, at.elem),
            ReduceOp::FoldAxis {
                axis,
                init,
                acc,
                elem,
            } => {
                let (tv, ta, te) = (self.locals[init], self.locals[acc], self.locals[elem]);
                self.unify(te, at.elem).map_err(|_| {
                    Diagnostic::new("internal: a fold's element typed twice", r.span, "here")
                })?;
                self.unify(ta, tv).map_err(|(got, want)| {
                    Diagnostic::new(
                        "mismatched types",
                        r.span,
                        format!(
                            "the fold's accumulator is `{}`, its `init` `{}`",
                            got.describe(),
                            want.describe()
                        ),
                    )
                })?;
                self.block(&r.body)?;
                (axis, ta)
            }
            ReduceOp::MapAxis { axis, lane, value } => {
                let view = self.fresh(State::Array(ArrayVar {
                    ndim: 1,
                    layout: Layout::Strided,
                    writable: false,
                    storage: Storage::View,
                    ..at
                }));
                self.unify(self.locals[lane], view)
                    .map_err(|_| Diagnostic::new("internal: a lane typed twice", r.span, "here"))?;
                self.block(&r.body)?;
                (axis, self.locals[value])
            }
            _ => unreachable!("an axis reduction"),
        };
        if k >= at.ndim {
            return Err(Diagnostic::new(
                format!("`Axis({k})` is out of bounds for a {}-D array", at.ndim),
                r.span,
                format!("axes 0..{}", at.ndim),
            ));
        }
        Ok(self.fresh(State::Array(ArrayVar {
            elem,
            ndim: at.ndim - 1,
            layout: Layout::Contig,
            writable: true,
            storage: Storage::Heap,
        })))
    }
}

impl Build<'_, '_, '_, '_> {
    /// `out = x.sum_axis(Axis(k))`.
    pub(super) fn sum_axis(&mut self, x: LocalId, at: ArrayType, k: u8, out: LocalId) -> R<()> {
        let res = self.axis_result(x, at, k, Init::Zeros, self.elem, out);
        let lanes = |b: &mut Self| {
            b.over_others(x, at.ndim, k, |b, index| {
                // The lane through `index`: a 1-D view along `k`.
                let mut axes: Vec<SliceAxis> = index
                    .iter()
                    .map(|&i| {
                        SliceAxis::Index(Bound {
                            value: b.read(i),
                            from_end: false,
                        })
                    })
                    .collect();
                let all = SliceAxis::Range {
                    start: None,
                    end: None,
                    step: 1,
                };
                axes.insert(k as usize, all);
                let lane_t = ArrayType::view(at.elem, 1, Layout::Strided, false);
                let kind = ExprKind::Slice {
                    array: x,
                    axes,
                    mutable: false,
                };
                let lane = b.view("lane", kind, lane_t);
                let s = b.ndarray_fold(lane, lane_t, Fold::Sum)?;
                b.store(res, index, s);
                Ok(())
            })
        };
        // The subviews along `k` added one after the other into the zeros.
        let subviews = |b: &mut Self| {
            b.along(x, at, k, |b, index, v| {
                let cur = b.load_at(res, index, b.elem);
                let sum = b.arith(BinOp::Add, cur, v)?;
                b.store(res, index, sum);
                Ok(())
            })
        };
        if at.ndim == 1 {
            // A 1-D array's axis of least stride is its only one.
            return lanes(self);
        }
        if at.storage == Storage::Heap && at.layout == Layout::Contig {
            // A new C-order array has C strides: its last axis is the one of least stride
            // whenever it has elements (ties go to the last axis), and without elements both
            // ways leave the zeros. Known now, so the loop nest is one that passes can fuse.
            return match k + 1 == at.ndim {
                true => lanes(self),
                false => subviews(self),
            };
        }
        let axis = self.shape(x, ShapeQuery::MinStrideAxis);
        let kc = self.index(k as usize);
        let cond = self.binary(BinOp::Eq, axis, kc, Scalar::Bool);
        let then_body = self.nested(lanes)?;
        let else_body = self.nested(subviews)?;
        self.out.push(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(())
    }

    /// `out = x.mean_axis(Axis(k)).unwrap()` once the axis is known not to be empty: the sums,
    /// each divided by the axis's length as the element type, as ndarray divides the
    /// `sum_axis` array by it in place.
    pub(super) fn mean_axis(&mut self, x: LocalId, at: ArrayType, k: u8, out: LocalId) -> R<()> {
        self.sum_axis(x, at, k, out)?;
        self.over_others(x, at.ndim, k, |b, index| {
            let sum = b.load_at(out, index, b.elem);
            let n = b.shape(x, ShapeQuery::Dim(k));
            let n = b.count(n)?;
            let mean = b.arith(BinOp::Div, sum, n)?;
            b.store(out, index, mean);
            Ok(())
        })
    }

    /// `out = x.map_axis(Axis(k), |lane| ..)`, `body` the closure computing `value` from `lane`:
    /// for each index of the other axes in logical order, `lane` the 1-D view along `k` there.
    pub(super) fn map_axis(
        &mut self,
        x: LocalId,
        at: ArrayType,
        op: ReduceOp,
        body: Block,
        out: LocalId,
    ) -> R<()> {
        let ReduceOp::MapAxis {
            axis: k,
            lane,
            value,
        } = op
        else {
            unreachable!("a map along an axis")
        };
        let value_t = self.number(
            value,
            "`map_axis` makes arrays of numbers only",
            "the closure does not return a number",
        )?;
        let res = self.axis_result(x, at, k, Init::Zeros, value_t, out);
        let mut body = Some(body);
        self.over_others(x, at.ndim, k, |b, index| {
            let mut others = index.iter();
            let axes = (0..at.ndim)
                .map(|j| match j == k {
                    true => SliceAxis::Range {
                        start: None,
                        end: None,
                        step: 1,
                    },
                    false => SliceAxis::Index(Bound {
                        value: b.read(*others.next().expect("one index per other axis")),
                        from_end: false,
                    }),
                })
                .collect();
            let kind = ExprKind::Slice {
                array: x,
                axes,
                mutable: false,
            };
            let view = ArrayType::view(at.elem, 1, Layout::Strided, false);
            let v = b.node(kind, Type::Array(view));
            b.set(lane, v);
            b.out
                .extend(body.take().expect("one closure in one loop nest").stmts);
            let mapped = b.read(value);
            b.store(res, index, mapped);
            Ok(())
        })
    }

    /// The scalar type of the local `l` (a closure's value or accumulator), or the error
    /// `message` (labelled `label`) where it is not a number.
    fn number(&mut self, l: LocalId, message: &str, label: &str) -> R<Scalar> {
        match self.inf.settle(self.inf.locals[l], self.span)? {
            Type::Scalar(s) => Ok(s),
            _ => Err(Diagnostic::new(message, self.span, label)),
        }
    }

    /// `out = x.fold_axis(Axis(k), init, f)`, `body` the step of `f`.
    pub(super) fn fold_axis(
        &mut self,
        x: LocalId,
        at: ArrayType,
        op: ReduceOp,
        body: Block,
        out: LocalId,
    ) -> R<()> {
        let ReduceOp::FoldAxis {
            axis: k,
            init,
            acc,
            elem,
        } = op
        else {
            unreachable!("a fold along an axis")
        };
        let acc_t = self.number(
            acc,
            "`fold_axis` folds into numbers only",
            "the accumulator is not a number",
        )?;
        let start = self.read(init);
        let res = self.axis_result(x, at, k, Init::Elem(start), acc_t, out);
        let mut body = Some(body);
        let last_axis = k + 1 == at.ndim && (at.layout == Layout::Contig || at.ndim == 1);
        if last_axis && self.step_is_pure(body.as_ref().expect("not taken yet")) {
            // Lane by lane, each lane's fold in a register: every element of the result folds
            // the same values in the same order as ndarray's subview by subview, and nothing
            // else sees the order, so the bits are ndarray's; the lanes are contiguous.
            return self.over_others(x, at.ndim, k, |b, index| {
                let first = b.read(init);
                b.set(acc, first);
                let t = b.temp("t", Type::Scalar(Scalar::Usize));
                let step = b.nested(|b| {
                    let v = b.load_along(x, index, k, t, at.elem_type());
                    b.set(elem, v);
                    b.out
                        .extend(body.take().expect("one step in one loop nest").stmts);
                    Ok(())
                })?;
                let zero = b.index(0);
                let end = b.shape(x, ShapeQuery::Dim(k));
                b.for_upto(t, zero, end, step);
                let folded = b.read(acc);
                b.store(res, index, folded);
                Ok(())
            });
        }
        self.along(x, at, k, |b, index, v| {
            let cur = b.load_at(res, index, acc_t);
            b.set(acc, cur);
            b.set(elem, v);
            b.out
                .extend(body.take().expect("one step in one loop nest").stmts);
            let next = b.read(acc);
            b.store(res, index, next);
            Ok(())
        })
    }

    /// `out` = a new array of `x`'s shape without axis `k`, of elements `elem` starting as
    /// `init`; returns `out`.
    fn axis_result(
        &mut self,
        x: LocalId,
        at: ArrayType,
        k: u8,
        init: Init,
        elem: Scalar,
        out: LocalId,
    ) -> LocalId {
        let dims = (0..at.ndim)
            .filter(|&j| j != k)
            .map(|j| self.shape(x, ShapeQuery::Dim(j)))
            .collect();
        let ty = ArrayType {
            elem: elem.into(),
            ndim: at.ndim - 1,
            layout: Layout::Contig,
            writable: true,
            storage: Storage::Heap,
        };
        let kind = ExprKind::Alloc {
            elem: Some(elem),
            ndim: Some(ty.ndim),
            shape: AllocShape::Dims(dims),
            init,
        };
        let new = self.node(kind, Type::Array(ty));
        self.set(out, new);
        out
    }

    /// For each position `t` along axis `k` of `x`, in order, and each index of the other axes
    /// in logical order: `f(index, x[index with t at k])`.
    fn along(
        &mut self,
        x: LocalId,
        at: ArrayType,
        k: u8,
        mut f: impl FnMut(&mut Self, &[LocalId], ExprId) -> R<()>,
    ) -> R<()> {
        let t = self.temp("t", Type::Scalar(Scalar::Usize));
        let body = self.nested(|b| {
            b.over_others(x, at.ndim, k, |b, index| {
                let v = b.load_along(x, index, k, t, at.elem_type());
                f(b, index, v)
            })
        })?;
        let start = self.index(0);
        let end = self.shape(x, ShapeQuery::Dim(k));
        self.for_upto(t, start, end, body);
        Ok(())
    }

    /// `x[index with t at k]`, of elements `ty` (in bounds: no check).
    fn load_along(&mut self, x: LocalId, index: &[LocalId], k: u8, t: LocalId, ty: Type) -> ExprId {
        let mut full: Vec<ExprId> = index.iter().map(|&i| self.read(i)).collect();
        full.insert(k as usize, self.read(t));
        let kind = ExprKind::Load {
            array: x,
            index: full,
            checked: false,
        };
        self.node(kind, ty)
    }

    /// Whether the order in which a fold's step runs over the elements is unobservable: it
    /// stores into no array, assigns only locals of its own (the accumulator, the element,
    /// compiler temporaries, bindings made inside the closure), never a captured `mut` local,
    /// and passes no array on (to a call that could write it).
    fn step_is_pure(&mut self, step: &Block) -> bool {
        let uses = Uses::of(&*self.func, step);
        let (func, span) = (&*self.func, self.span);
        let own = |l: &LocalId| {
            let d = &func.locals[*l];
            d.temp || !d.mutable || (d.span.start >= span.start && d.span.end <= span.end)
        };
        let no_arrays = uses.reads.keys().all(|&l| {
            let v = self.inf.locals[l];
            !matches!(self.inf.get(v), State::Array(_))
        });
        writes(step).is_none() && uses.writes.keys().all(own) && no_arrays
    }

    /// Nested loops over the axes of `x` but `k` (of `ndim`), outermost first: `f` of their
    /// counters.
    fn over_others(
        &mut self,
        x: LocalId,
        ndim: u8,
        k: u8,
        f: impl FnOnce(&mut Self, &[LocalId]) -> R<()>,
    ) -> R<()> {
        let others: Vec<u8> = (0..ndim).filter(|&j| j != k).collect();
        let index: Vec<LocalId> = others
            .iter()
            .map(|j| self.temp(&format!("o{j}"), Type::Scalar(Scalar::Usize)))
            .collect();
        let mut block = self.nested(|b| f(b, &index))?;
        for (&i, &j) in index.iter().zip(&others).rev() {
            let start = self.index(0);
            let end = self.shape(x, ShapeQuery::Dim(j));
            let inner = std::mem::take(&mut self.out);
            self.for_upto(i, start, end, block);
            block = Block {
                stmts: std::mem::replace(&mut self.out, inner),
            };
        }
        self.out.extend(block.stmts);
        Ok(())
    }

    /// `array[index]`, of elements `ty` (in bounds: no check).
    pub(super) fn load_at(&mut self, array: LocalId, index: &[LocalId], ty: Scalar) -> ExprId {
        let index = index.iter().map(|&i| self.read(i)).collect();
        let kind = ExprKind::Load {
            array,
            index,
            checked: false,
        };
        self.node(kind, Type::Scalar(ty))
    }

    /// `array[index] = value` (in bounds: no check).
    pub(super) fn store(&mut self, array: LocalId, index: &[LocalId], value: ExprId) {
        let index = index.iter().map(|&i| self.read(i)).collect();
        self.out.push(Stmt::Store {
            array,
            index,
            value,
            span: self.span,
            checked: false,
        });
    }
}
