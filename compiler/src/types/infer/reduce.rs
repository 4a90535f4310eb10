//! ndarray's whole-array reductions ([`ArrayReduce`]: `x.sum()`, `x.product()`, `x.dot(&y)`): their
//! typing, and their expansion into the loops ndarray 0.17 runs, in its order of operations
//! (the reductions along an axis are `axis.rs`'s, built with the same [`Build`]).
//!
//! In: an untyped [`ExprKind::Reduce`] and the types inference has solved. Out: its type (`()`,
//! the result going to its accumulator local) and, in `finish`, in its place, plain loops,
//! loads and shape tests. The order follows ndarray's source, so that float results have its
//! bits: a contiguous array is folded over memory order (`as_slice_memory_order`) with eight
//! partial results and a tail (`numeric_util::unrolled_fold`); any other array row by row (the
//! rows of standard layout unrolled the same way, the others folded left to right), each row's
//! result folded into a total that starts from num-traits' zero (`+0.0`) or one. `dot` is
//! `unrolled_dot` when both operands have standard layout, else a plain left fold of products;
//! a 2-D·1-D `dot` is one such dot per row, times one, into a new array (ndarray's
//! `general_mat_vec_mul` without BLAS). Which branch runs is decided at run time from the
//! strides ([`ShapeQuery::Contiguous`], [`ShapeQuery::Standard`]), or here when the layout is
//! known to be C order.

use super::each::assign;
use super::unify::{ArrayVar, State, Var};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

/// The partial results of `unrolled_fold` / `unrolled_dot`.
const LANES: usize = 8;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn reduce(&mut self, r: &ArrayReduce) -> R<()> {
        let span = r.span;
        let at = self.array_of(r.array, span)?;
        let name = self.func.local(r.array).name.clone();
        let method = r.op.method();
        // Any element type folds or maps.
        if let ReduceOp::FoldAxis { .. } | ReduceOp::MapAxis { .. } = r.op {
            let result = self.reduce_axis(r, at)?;
            return self.reduce_into(r.acc, result, method, span);
        }
        if let State::Known(Type::Scalar(Scalar::Bool)) = self.get(at.elem) {
            return Err(Diagnostic::new(
                format!("`{method}` needs numbers: `{name}` is an array of `bool`"),
                span,
                "the trait bound `bool: Zero` is not satisfied",
            )
            .with_help("count the `true` elements with `x.iter().filter(..)` written as a loop"));
        }
        if let (ReduceOp::Mean | ReduceOp::MeanAxis(_), State::Known(Type::Scalar(s))) =
            (r.op, self.get(at.elem))
        {
            if s.is_int() {
                return Err(Diagnostic::new(
                    format!("`{method}` of an array of `{s}` is not supported"),
                    span,
                    format!("`{name}` holds integers"),
                )
                .with_help(format!(
                    "divide the sum yourself: `{name}.sum() / {name}.len() as {s}`, or take the mean of floats"
                )));
            }
        }
        let result = match r.op {
            ReduceOp::Sum | ReduceOp::Product | ReduceOp::Mean => at.elem,
            ReduceOp::SumAxis(_)
            | ReduceOp::MeanAxis(_)
            | ReduceOp::FoldAxis { .. }
            | ReduceOp::MapAxis { .. } => self.reduce_axis(r, at)?,
            ReduceOp::Dot(y) => {
                let yt = self.array_of(y, span)?;
                let yname = self.func.local(y).name.clone();
                if !matches!((at.ndim, yt.ndim), (1 | 2, 1) | (2, 2)) {
                    return Err(Diagnostic::new(
                        format!(
                            "`dot` of a {}-D and a {}-D array is not supported",
                            at.ndim, yt.ndim
                        ),
                        span,
                        "supported: 1-D·1-D (a number), 2-D·1-D (a new 1-D array) and 2-D·2-D (a new 2-D array)",
                    )
                    .with_help("write the product as index loops"));
                }
                self.unify(at.elem, yt.elem).map_err(|(a, b)| {
                    Diagnostic::new(
                        "mismatched types",
                        span,
                        format!(
                            "`{name}` holds `{}`, `{yname}` holds `{}`",
                            a.describe(),
                            b.describe()
                        ),
                    )
                    .with_help("`dot` needs one element type: cast one array's elements first")
                })?;
                if at.ndim == 1 {
                    at.elem
                } else {
                    self.fresh(State::Array(ArrayVar {
                        elem: at.elem,
                        ndim: yt.ndim,
                        layout: Layout::Contig,
                        writable: true,
                        storage: Storage::Heap,
                    }))
                }
            }
        };
        self.reduce_into(r.acc, result, method, span)
    }

    /// The result of a reduction `method` (of type `result`) assigned to `acc`.
    fn reduce_into(&mut self, acc: LocalId, result: Var, method: &str, span: Span) -> R<()> {
        let acc = self.locals[acc];
        self.unify(acc, result).map_err(|(got, want)| {
            Diagnostic::new(
                "mismatched types",
                span,
                format!(
                    "`{method}` gives `{}`, not `{}`",
                    want.describe(),
                    got.describe()
                ),
            )
        })?;
        Ok(())
    }

    /// The loops that compute `r` into its accumulator.
    pub(super) fn expand_reduce(
        &mut self,
        func: &mut Function<Untyped>,
        r: ArrayReduce,
    ) -> R<Vec<Stmt>> {
        let span = r.span;
        let at = self.array_type(r.array, span)?;
        let mut b = Build {
            inf: self,
            func,
            span,
            elem: super::scalar_elems(at, r.op, span)?,
            out: Vec::new(),
        };
        match r.op {
            ReduceOp::Sum | ReduceOp::Product => {
                let fold = r.op.fold();
                let total = b.ndarray_fold(r.array, at, fold)?;
                b.set(r.acc, total);
            }
            ReduceOp::SumAxis(k) => b.sum_axis(r.array, at, k, r.acc)?,
            ReduceOp::MeanAxis(k) => b.mean_axis(r.array, at, k, r.acc)?,
            op @ ReduceOp::FoldAxis { .. } => b.fold_axis(r.array, at, op, r.body, r.acc)?,
            op @ ReduceOp::MapAxis { .. } => b.map_axis(r.array, at, op, r.body, r.acc)?,
            ReduceOp::Mean => {
                let total = b.ndarray_fold(r.array, at, Fold::Sum)?;
                let n = b.shape(r.array, ShapeQuery::Len);
                let n = b.count(n)?;
                let mean = b.arith(BinOp::Div, total, n)?;
                b.set(r.acc, mean);
            }
            ReduceOp::Dot(y) if at.ndim == 2 && b.inf.array_type(y, span)?.ndim == 2 => {
                b.mat_mat(r.array, y, r.acc)?;
            }
            ReduceOp::Dot(y) => {
                b.check_shapes(r.array, y);
                if at.ndim == 1 {
                    let d = b.dot(r.array, y)?;
                    b.set(r.acc, d);
                } else {
                    b.mat_vec(r.array, y, r.acc)?;
                }
            }
        }
        Ok(b.out)
    }

    fn array_type(&mut self, l: LocalId, span: Span) -> R<ArrayType> {
        match self.settle(self.locals[l], span)? {
            Type::Array(a) => Ok(a),
            _ => Err(Diagnostic::new(
                "internal: a reduction of a non-array",
                span,
                "here",
            )),
        }
    }
}

/// Statements under construction, in one function, for one reduction.
pub(super) struct Build<'i, 's, 'p, 'f> {
    pub(super) inf: &'i mut Infer<'s, 'p>,
    pub(super) func: &'f mut Function<Untyped>,
    pub(super) span: Span,
    /// The element type.
    pub(super) elem: Scalar,
    pub(super) out: Vec<Stmt>,
}

impl Build<'_, '_, '_, '_> {
    pub(super) fn node(&mut self, kind: ExprKind<Untyped>, ty: Type) -> ExprId {
        self.inf.node(self.func, kind, ty, self.span)
    }

    pub(super) fn read(&mut self, l: LocalId) -> ExprId {
        self.inf.read(self.func, l, self.span)
    }

    pub(super) fn temp(&mut self, name: &str, ty: Type) -> LocalId {
        self.inf.temp_local(self.func, name, ty, self.span)
    }

    pub(super) fn set(&mut self, l: LocalId, value: ExprId) {
        self.out.push(assign(l, value, self.span));
    }

    pub(super) fn index(&mut self, k: usize) -> ExprId {
        let c = Const::int(Scalar::Usize, k as i128);
        self.node(ExprKind::Const(c), Type::Scalar(Scalar::Usize))
    }

    fn scalar(&mut self, c: Const) -> ExprId {
        self.node(ExprKind::Const(c), Type::Scalar(self.elem))
    }

    pub(super) fn binary(&mut self, op: BinOp, a: ExprId, b: ExprId, ty: Scalar) -> ExprId {
        self.node(ExprKind::Binary(op, a, b), Type::Scalar(ty))
    }

    /// `a op b` of two elements: for complex elements a call of the prelude's arithmetic (as
    /// `types` makes of the operators a kernel writes).
    pub(super) fn arith(&mut self, op: BinOp, a: ExprId, b: ExprId) -> R<ExprId> {
        let elem = self.elem;
        let e = self.binary(op, a, b, elem);
        if elem.is_complex() {
            self.inf
                .complex_arith(e, self.span, op, elem, (true, true))?;
        }
        Ok(e)
    }

    /// A count as an element: `n as T`, for complex elements `T::from_usize(n)`, that is
    /// `Complex::new(n as f, 0.0)` (written `n as f + 0`: num-complex's `real + complex`).
    pub(super) fn count(&mut self, n: ExprId) -> R<ExprId> {
        let elem = self.elem;
        if !elem.is_complex() {
            return Ok(self.node(ExprKind::Cast(n, elem), Type::Scalar(elem)));
        }
        let part = elem.part();
        let re = self.node(ExprKind::Cast(n, part), Type::Scalar(part));
        let zero = self.scalar(Const::int(elem, 0));
        let e = self.binary(BinOp::Add, re, zero, elem);
        self.inf
            .complex_arith(e, self.span, BinOp::Add, elem, (false, true))?;
        Ok(e)
    }

    pub(super) fn shape(&mut self, array: LocalId, query: ShapeQuery) -> ExprId {
        let ty = if query.is_test() {
            Scalar::Bool
        } else {
            Scalar::Usize
        };
        self.node(ExprKind::Shape { array, query }, Type::Scalar(ty))
    }

    /// `array[i]` without a bounds check (every index made here is below the extent).
    pub(super) fn load(&mut self, array: LocalId, i: ExprId) -> ExprId {
        let kind = ExprKind::Load {
            array,
            index: vec![i],
            checked: false,
        };
        self.node(kind, Type::Scalar(self.elem))
    }

    /// A local holding a view of `array` of type `ty` made by `kind`.
    pub(super) fn view(&mut self, name: &str, kind: ExprKind<Untyped>, ty: ArrayType) -> LocalId {
        let v = self.node(kind, Type::Array(ty));
        let l = self.temp(name, Type::Array(ty));
        self.set(l, v);
        l
    }

    /// The statements `f` emits, as a block of their own.
    pub(super) fn nested(&mut self, f: impl FnOnce(&mut Self) -> R<()>) -> R<Block> {
        let outer = std::mem::take(&mut self.out);
        let r = f(self);
        let stmts = std::mem::replace(&mut self.out, outer);
        r.map(|()| Block { stmts })
    }

    /// `for var in start..end { body }`.
    pub(super) fn for_upto(&mut self, var: LocalId, start: ExprId, end: ExprId, body: Block) {
        self.out.push(Stmt::For {
            var,
            range: ForRange::upto(start, end),
            body,
            span: self.span,
        });
    }

    /// `if cond { then } else { otherwise }`, each branch leaving its result in one new local.
    fn choose(
        &mut self,
        cond: ExprId,
        then: impl FnOnce(&mut Self) -> R<ExprId>,
        otherwise: impl FnOnce(&mut Self) -> R<ExprId>,
    ) -> R<ExprId> {
        let r = self.temp("part", Type::Scalar(self.elem));
        let then_body = self.nested(|b| {
            let v = then(b)?;
            b.set(r, v);
            Ok(())
        })?;
        let else_body = self.nested(|b| {
            let v = otherwise(b)?;
            b.set(r, v);
            Ok(())
        })?;
        self.out.push(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(self.read(r))
    }

    /// ndarray's `sum`/`product` of `x`.
    pub(super) fn ndarray_fold(&mut self, x: LocalId, at: ArrayType, fold: Fold) -> R<ExprId> {
        if at.layout == Layout::Contig {
            // C order: memory order is logical order.
            let flat = self.flat(x, at);
            return self.unrolled(&[flat], fold);
        }
        let contiguous = self.shape(x, ShapeQuery::Contiguous);
        self.choose(
            contiguous,
            |b| {
                let m = b.view(
                    "memory",
                    relayout(x, Visit::Memory),
                    Visit::Memory.view_of(at),
                );
                b.unrolled(&[m], fold)
            },
            |b| b.by_rows(x, at, fold),
        )
    }

    /// `x` itself when 1-D, else its memory-order view (for a C-order `x`).
    fn flat(&mut self, x: LocalId, at: ArrayType) -> LocalId {
        if at.ndim == 1 {
            x
        } else {
            self.view(
                "memory",
                relayout(x, Visit::Memory),
                Visit::Memory.view_of(at),
            )
        }
    }

    /// ndarray's fold of a non-contiguous array: over `rows()` (lanes of the last axis, in
    /// logical order), each row unrolled when it has standard layout, else folded left to
    /// right from the identity; the rows' results folded into a total from the identity.
    fn by_rows(&mut self, x: LocalId, at: ArrayType, fold: Fold) -> R<ExprId> {
        let total = self.temp("total", Type::Scalar(self.elem));
        let id = self.scalar(fold.num_identity(self.elem));
        self.set(total, id);
        let n = at.ndim as usize;
        let outer = n.saturating_sub(1);
        let axes: Vec<LocalId> = (0..outer)
            .map(|k| self.temp(&format!("row{k}"), Type::Scalar(Scalar::Usize)))
            .collect();
        let body = self.nested(|b| {
            let row = if n <= 1 {
                x
            } else {
                let mut slice: Vec<SliceAxis> = axes
                    .iter()
                    .map(|&ax| {
                        SliceAxis::Index(Bound {
                            value: b.read(ax),
                            from_end: false,
                        })
                    })
                    .collect();
                slice.push(SliceAxis::Range {
                    start: None,
                    end: None,
                    step: 1,
                });
                let ty = ArrayType::view(at.elem, 1, Layout::Strided, false);
                let kind = ExprKind::Slice {
                    array: x,
                    axes: slice,
                    mutable: false,
                };
                b.view("row", kind, ty)
            };
            let row_t = ArrayType::view(at.elem, 1, Layout::Strided, false);
            // A 1-D array that is not contiguous has no standard layout either.
            let part = if n <= 1 {
                b.left_fold(&[row], fold)?
            } else {
                let standard = b.shape(row, ShapeQuery::Standard);
                b.choose(
                    standard,
                    |b| {
                        let m = b.view(
                            "memory",
                            relayout(row, Visit::Memory),
                            Visit::Memory.view_of(row_t),
                        );
                        b.unrolled(&[m], fold)
                    },
                    |b| b.left_fold(&[row], fold),
                )?
            };
            let cur = b.read(total);
            let next = b.arith(fold.op(), cur, part)?;
            b.set(total, next);
            Ok(())
        })?;
        let mut block = body;
        for k in (0..outer).rev() {
            let start = self.index(0);
            let end = self.shape(x, ShapeQuery::Dim(k as u8));
            let inner = std::mem::take(&mut self.out);
            self.for_upto(axes[k], start, end, block);
            block = Block {
                stmts: std::mem::replace(&mut self.out, inner),
            };
        }
        self.out.extend(block.stmts);
        Ok(self.read(total))
    }

    /// The next element to fold in at position `i`: the element of the one array, or the
    /// product of the two arrays' elements (a dot).
    fn term(&mut self, arrays: &[LocalId], i: ExprId) -> R<ExprId> {
        match arrays {
            [x] => Ok(self.load(*x, i)),
            [x, y] => {
                let j = self.copy_index(i);
                let a = self.load(*x, i);
                let b = self.load(*y, j);
                self.arith(BinOp::Mul, a, b)
            }
            _ => unreachable!("a fold of one array or a dot of two"),
        }
    }

    /// Another expression computing the index `i` (each expression has one parent).
    pub(super) fn copy_index(&mut self, i: ExprId) -> ExprId {
        let kind = self.func.expr(i).kind.clone();
        match kind {
            ExprKind::Local(l) => self.read(l),
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.copy_index(a), self.copy_index(b));
                self.binary(op, a, b, Scalar::Usize)
            }
            k => self.node(k, Type::Scalar(Scalar::Usize)),
        }
    }

    /// `numeric_util::unrolled_fold` (one array) or `unrolled_dot` (two) over 1-D arrays of
    /// one length: eight partial results over whole blocks of eight, combined as `(p0 + p4)`,
    /// `(p1 + p5)`, .. into a result from the identity, then the tail.
    fn unrolled(&mut self, arrays: &[LocalId], fold: Fold) -> R<ExprId> {
        self.unrolled_by(arrays[0], fold, |b, i| b.term(arrays, i))
    }

    /// `numeric_util::unrolled_fold` over the `len.len()` values `term` computes from a
    /// position (its statements going before the value).
    pub(super) fn unrolled_by(
        &mut self,
        len: LocalId,
        fold: Fold,
        mut term: impl FnMut(&mut Self, ExprId) -> R<ExprId>,
    ) -> R<ExprId> {
        let elem = self.elem;
        let usize_ = Scalar::Usize;
        let op = fold.op();
        let parts: Vec<LocalId> = (0..LANES)
            .map(|k| self.temp(&format!("p{k}"), Type::Scalar(elem)))
            .collect();
        for &p in &parts {
            let id = self.scalar(fold.num_identity(elem));
            self.set(p, id);
        }
        let n = self.temp("n", Type::Scalar(usize_));
        let len = self.shape(len, ShapeQuery::Len);
        self.set(n, len);
        let blocks = self.temp("blocks", Type::Scalar(usize_));
        let nv = self.read(n);
        let eight = self.index(LANES);
        let count = self.binary(BinOp::Div, nv, eight, usize_);
        self.set(blocks, count);
        let q = self.temp("q", Type::Scalar(usize_));
        let body = self.nested(|b| {
            for (k, &p) in parts.iter().enumerate() {
                let qv = b.read(q);
                let eight = b.index(LANES);
                let base = b.binary(BinOp::Mul, qv, eight, usize_);
                let off = b.index(k);
                let i = b.binary(BinOp::Add, base, off, usize_);
                let t = term(b, i)?;
                let cur = b.read(p);
                let next = b.arith(op, cur, t)?;
                b.set(p, next);
            }
            Ok(())
        })?;
        let start = self.index(0);
        let end = self.read(blocks);
        self.for_upto(q, start, end, body);
        let acc = self.temp("acc", Type::Scalar(elem));
        let id = self.scalar(fold.num_identity(elem));
        self.set(acc, id);
        for k in 0..LANES / 2 {
            let (a, b) = (self.read(parts[k]), self.read(parts[k + LANES / 2]));
            let pair = self.arith(op, a, b)?;
            let cur = self.read(acc);
            let next = self.arith(op, cur, pair)?;
            self.set(acc, next);
        }
        // The tail: fewer than eight elements.
        let t = self.temp("t", Type::Scalar(usize_));
        let body = self.nested(|b| {
            let i = b.read(t);
            let x = term(b, i)?;
            let cur = b.read(acc);
            let next = b.arith(op, cur, x)?;
            b.set(acc, next);
            Ok(())
        })?;
        let bv = self.read(blocks);
        let eight = self.index(LANES);
        let start = self.binary(BinOp::Mul, bv, eight, usize_);
        let end = self.read(n);
        self.for_upto(t, start, end, body);
        Ok(self.read(acc))
    }

    /// A fold from the identity, element by element in logical order.
    fn left_fold(&mut self, arrays: &[LocalId], fold: Fold) -> R<ExprId> {
        let elem = self.elem;
        let acc = self.temp("acc", Type::Scalar(elem));
        let id = self.scalar(fold.num_identity(elem));
        self.set(acc, id);
        let i = self.temp("i", Type::Scalar(Scalar::Usize));
        let body = self.nested(|b| {
            let iv = b.read(i);
            let x = b.term(arrays, iv)?;
            let cur = b.read(acc);
            let next = b.arith(fold.op(), cur, x)?;
            b.set(acc, next);
            Ok(())
        })?;
        let start = self.index(0);
        let end = self.shape(arrays[0], ShapeQuery::Len);
        self.for_upto(i, start, end, body);
        Ok(self.read(acc))
    }

    /// ndarray's `assert!(self.len() == rhs.len())` (1-D) / `dot_shape_error` (2-D).
    fn check_shapes(&mut self, x: LocalId, y: LocalId) {
        let check = self.node(ExprKind::SameShape { a: x, b: y }, Type::Unit);
        self.out.push(Stmt::Eval(check));
    }

    /// ndarray's `dot_generic` of two 1-D arrays of one length.
    fn dot(&mut self, x: LocalId, y: LocalId) -> R<ExprId> {
        let tx = self.inf.array_type(x, self.span)?;
        let ty = self.inf.array_type(y, self.span)?;
        let standard = |b: &mut Self, a: LocalId, t: ArrayType| -> Option<ExprId> {
            (t.layout != Layout::Contig).then(|| b.shape(a, ShapeQuery::Standard))
        };
        let tests: Vec<ExprId> = [(x, tx), (y, ty)]
            .into_iter()
            .filter_map(|(a, t)| standard(self, a, t))
            .collect();
        let unrolled = |b: &mut Self| {
            let mx = b.flat_standard(x, tx);
            let my = b.flat_standard(y, ty);
            b.unrolled(&[mx, my], Fold::Sum)
        };
        let cond = match tests[..] {
            [] => return unrolled(self),
            [t] => t,
            [a, c] => self.node(
                ExprKind::Logical(LogicOp::And, a, c),
                Type::Scalar(Scalar::Bool),
            ),
            _ => unreachable!("two operands"),
        };
        self.choose(cond, unrolled, |b| b.left_fold(&[x, y], Fold::Sum))
    }

    /// A 1-D array of standard layout as a view known to be contiguous.
    fn flat_standard(&mut self, a: LocalId, t: ArrayType) -> LocalId {
        if t.layout == Layout::Contig {
            a
        } else {
            self.view(
                "memory",
                relayout(a, Visit::Memory),
                Visit::Memory.view_of(t),
            )
        }
    }

    /// `x.dot(&y)` of a 2-D `x`: a new array, element `i` the dot of row `i` and `y`, times one.
    fn mat_vec(&mut self, x: LocalId, y: LocalId, out: LocalId) -> R<()> {
        let elem = self.elem;
        let rows = self.shape(x, ShapeQuery::Dim(0));
        let new = ExprKind::Alloc {
            elem: Some(elem),
            ndim: Some(1),
            shape: AllocShape::Dims(vec![rows]),
            init: Init::Zeros,
        };
        let v = self.node(new, Type::Array(ArrayType::owned(elem, 1)));
        self.set(out, v);
        let i = self.temp("i", Type::Scalar(Scalar::Usize));
        let body = self.nested(|b| {
            let at = b.read(i);
            let axes = vec![
                SliceAxis::Index(Bound {
                    value: at,
                    from_end: false,
                }),
                SliceAxis::Range {
                    start: None,
                    end: None,
                    step: 1,
                },
            ];
            let kind = ExprKind::Slice {
                array: x,
                axes,
                mutable: false,
            };
            let row = b.view(
                "row",
                kind,
                ArrayType::view(elem, 1, Layout::Strided, false),
            );
            let d = b.dot(row, y)?;
            let one = b.scalar(Fold::Product.num_identity(elem));
            let value = b.arith(BinOp::Mul, d, one)?;
            let index = vec![b.read(i)];
            b.out.push(Stmt::Store {
                array: out,
                index,
                value,
                span: b.span,
                checked: false,
            });
            Ok(())
        })?;
        let start = self.index(0);
        let end = self.shape(x, ShapeQuery::Dim(0));
        self.for_upto(i, start, end, body);
        Ok(())
    }
}

impl Build<'_, '_, '_, '_> {
    /// `x.dot(&y)` of two 2-D arrays: a new C-order array. Of `f32`/`f64` and complex numbers:
    /// ndarray's call of `matrixmultiply` ([`ExprKind::MatMul`]). Of other numbers: element `(i, j)` the sum of
    /// `x[[i, p]] * y[[p, j]]` for `p` in order, from zero, as ndarray's `mat_mul_general`
    /// computes it, the loops running `i`, `p`, `j` (the innermost walks rows of `y` and of
    /// the result).
    fn mat_mat(&mut self, x: LocalId, y: LocalId, out: LocalId) -> R<()> {
        let elem = self.elem;
        let usize_ = Type::Scalar(Scalar::Usize);
        let cols = self.shape(x, ShapeQuery::Dim(1));
        let rows = self.shape(y, ShapeQuery::Dim(0));
        let fits = self.binary(BinOp::Eq, cols, rows, Scalar::Bool);
        let (xname, yname) = (
            self.func.local(x).name.clone(),
            self.func.local(y).name.clone(),
        );
        self.check(
            fits,
            format!(
                "ndarray: inputs are not compatible for matrix multiplication: the columns of `{xname}` must be as many as the rows of `{yname}`"
            ),
        );
        let dims = vec![
            self.shape(x, ShapeQuery::Dim(0)),
            self.shape(y, ShapeQuery::Dim(1)),
        ];
        let new = ExprKind::Alloc {
            elem: Some(elem),
            ndim: Some(2),
            shape: AllocShape::Dims(dims),
            init: Init::Zeros,
        };
        let v = self.node(new, Type::Array(ArrayType::owned(elem, 2)));
        self.set(out, v);
        if matches!(elem, Scalar::F32 | Scalar::F64 | Scalar::C32 | Scalar::C64) {
            let product = self.node(ExprKind::MatMul { a: x, b: y, out }, Type::Unit);
            self.out.push(Stmt::Eval(product));
            return Ok(());
        }
        let [i, p, j] = ["i", "p", "j"].map(|name| self.temp(name, usize_));
        let xip = self.temp("xip", Type::Scalar(elem));
        let row = self.nested(|b| {
            let sum = b.load_at(out, &[i, j], elem);
            let xv = b.read(xip);
            let yv = b.load_at(y, &[p, j], elem);
            let product = b.arith(BinOp::Mul, xv, yv)?;
            let value = b.arith(BinOp::Add, sum, product)?;
            b.store(out, &[i, j], value);
            Ok(())
        })?;
        let over_p = self.nested(|b| {
            let v = b.load_at(x, &[i, p], elem);
            b.set(xip, v);
            let (start, end) = (b.index(0), b.shape(y, ShapeQuery::Dim(1)));
            b.for_upto(j, start, end, row);
            Ok(())
        })?;
        let over_i = self.nested(|b| {
            let (start, end) = (b.index(0), b.shape(x, ShapeQuery::Dim(1)));
            b.for_upto(p, start, end, over_p);
            Ok(())
        })?;
        let (start, end) = (self.index(0), self.shape(x, ShapeQuery::Dim(0)));
        self.for_upto(i, start, end, over_i);
        Ok(())
    }

    /// A check that fails the call with `message` where `ok` is false (the `unwrap` of an
    /// `Option` that is `None` there).
    fn check(&mut self, ok: ExprId, message: String) {
        let byte = Type::Scalar(Scalar::U8);
        let zero = self.node(ExprKind::Const(Const::int(Scalar::U8, 0)), byte);
        let option = Type::Tuple(Tuple::option(byte));
        let option = self.node(ExprKind::Tuple(vec![ok, zero]), option);
        let unwrap = self.node(ExprKind::Unwrap { option, message }, byte);
        self.out.push(Stmt::Eval(unwrap));
    }
}

fn relayout(array: LocalId, visit: Visit) -> ExprKind<Untyped> {
    ExprKind::Relayout { array, visit }
}
