//! The walk over expressions: a type variable for each, constrained by its operator.

use super::unify::{ArrayVar, State, Var};
use super::wording::{op_message, op_words, operand_cast_help, with_cast_help};
use super::{Infer, Returns, R};
use crate::diag::{Diagnostic, Label};
use crate::ir::complex;
use crate::ir::*;
use crate::span::Span;
use crate::types::{count_mismatch, param_type};

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn expr(&mut self, e: ExprId) -> R<Var> {
        let v = self.expr_inner(e)?;
        self.exprs.insert(e, v);
        Ok(v)
    }

    pub(super) fn known(&mut self, t: impl Into<Type>) -> Var {
        self.fresh(State::Known(t.into()))
    }

    fn expr_inner(&mut self, e: ExprId) -> R<Var> {
        let func = self.func;
        let span = self.span(e);
        Ok(match &func.expr(e).kind {
            ExprKind::Lit(Lit::Int(_, suffix)) => match suffix {
                Some(s) => self.known(*s),
                None => self.fresh(State::Int),
            },
            ExprKind::Lit(Lit::Float(_, suffix)) => match suffix {
                Some(s) => self.known(*s),
                None => self.fresh(State::Float),
            },
            ExprKind::Lit(Lit::Bool(_)) => self.known(Scalar::Bool),
            ExprKind::Lit(Lit::Identity(_)) => self.fresh(State::Any),
            ExprKind::Const(c) => self.known(c.ty),
            ExprKind::Local(l) => self.locals[*l],
            ExprKind::Unary(op, x) => {
                let tx = self.expr(*x)?;
                if let State::Array(a) = self.get(tx) {
                    return self.array_unary(*op, a, span);
                }
                if let (UnOp::Neg, State::Known(Type::Scalar(c))) = (op, self.get(tx)) {
                    if c.is_complex() {
                        return self.prelude_call(e, c, complex::NEG, vec![c.into()]);
                    }
                }
                let ok = match (op, self.get(tx)) {
                    (UnOp::Neg, State::Int | State::Float) => true,
                    (UnOp::Neg, State::Known(Type::Scalar(s))) => s.is_signed() || s.is_float(),
                    (UnOp::Not, State::Int) => true,
                    (UnOp::Not, State::Known(Type::Scalar(s))) => s.is_int() || s == Scalar::Bool,
                    _ => false,
                };
                if !ok {
                    let sym = if *op == UnOp::Neg { "-" } else { "!" };
                    return Err(Diagnostic::new(
                        format!(
                            "cannot apply unary operator `{sym}` to type `{}`",
                            self.get(tx).describe()
                        ),
                        span,
                        "here",
                    ));
                }
                tx
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, *a, *b)?,
            ExprKind::Logical(_, a, b) => {
                self.expect_bool(*a)?;
                self.expect_bool(*b)?;
                self.known(Scalar::Bool)
            }
            ExprKind::Cast(x, to) => {
                let tx = self.expr(*x)?;
                // rustc types an unsuffixed literal operand by the target when the kinds agree:
                // `0.1 as f32` rounds once, to f32; `300 as u8` and `-1 as u8` are `u8` literals.
                match func.expr(*x).kind {
                    ExprKind::Lit(Lit::Int(_, None)) if to.is_int() => {
                        self.set(tx, State::Known(Type::Scalar(*to)))
                    }
                    ExprKind::Lit(Lit::Float(_, None)) if to.is_float() => {
                        self.set(tx, State::Known(Type::Scalar(*to)))
                    }
                    _ => {}
                }
                let from = match self.get(tx) {
                    State::Int | State::Float => None,
                    State::Known(Type::Scalar(c)) if c.is_complex() => {
                        return Err(Diagnostic::new(
                            format!("cannot cast `{c}` as `{to}`"),
                            span,
                            "invalid cast",
                        )
                        .with_help("take a part (`c.re`, `c.im`) or the modulus (`c.norm()`)"))
                    }
                    State::Known(Type::Scalar(s)) => Some(s),
                    s => {
                        return Err(Diagnostic::new(
                            format!("cannot cast `{}` as `{to}`", s.describe()),
                            span,
                            "invalid cast",
                        )
                        .with_help("only scalars can be cast with `as`"))
                    }
                };
                if *to == Scalar::Bool && from != Some(Scalar::Bool) {
                    return Err(Diagnostic::new(
                        format!("cannot cast `{}` as `bool`", self.get(tx).describe()),
                        span,
                        "invalid cast",
                    )
                    .with_help("compare instead: `x != 0`"));
                }
                if from == Some(Scalar::Bool) && to.is_float() {
                    return Err(Diagnostic::new(
                        format!("cannot cast `bool` as `{to}`"),
                        span,
                        "invalid cast",
                    )
                    .with_help(format!("cast through an integer: `b as u8 as {to}`")));
                }
                if from.is_none() && self.get(tx) == State::Float && *to == Scalar::Bool {
                    return Err(Diagnostic::new(
                        "cannot cast a float as `bool`",
                        span,
                        "invalid cast",
                    ));
                }
                self.known(*to)
            }
            ExprKind::Load { array, index, .. } => {
                let at = self.indexed_array(*array, span)?;
                self.indices(*array, at, index, span)?;
                at.elem
            }
            ExprKind::Alloc {
                elem,
                ndim,
                shape,
                init,
            } => self.alloc(*elem, *ndim, shape, init, span)?,
            ExprKind::Borrow { array, mutable } => {
                let a = self.array_of(*array, span)?;
                let name = &self.func.local(*array).name;
                if *mutable && !a.writable {
                    return Err(Diagnostic::new(
                        format!("cannot borrow `{name}` as mutable: it is a read-only array"),
                        span,
                        "mutable borrow of a read-only array",
                    )
                    .with_help(format!("borrow it read-only: `&{name}`, `{name}.view()`")));
                }
                if *mutable {
                    self.owner_is_mut(*array, a, span)?;
                }
                self.fresh(State::Array(ArrayVar {
                    writable: *mutable,
                    storage: Storage::View,
                    ..a
                }))
            }
            ExprKind::Slice {
                array,
                axes,
                mutable,
            } => {
                let a = self.array_of(*array, span)?;
                let name = self.func.local(*array).name.clone();
                for x in axes.iter().flat_map(SliceAxis::exprs) {
                    let t = self.expr(x)?;
                    self.unify_with(t, Type::Scalar(Scalar::Usize))
                        .map_err(|(got, _)| {
                            Diagnostic::new(
                                format!("slice bounds must be `usize`, found `{}`", got.describe()),
                                self.span(x),
                                "expected `usize`",
                            )
                            .with_help(
                                "cast with `as usize` (a negative literal counts from the end)",
                            )
                        })?;
                }
                let taken = axes.iter().filter(|x| x.takes_axis()).count();
                if taken != a.ndim as usize {
                    return Err(Diagnostic::new(
                        format!(
                            "`{name}` is a {}-D array but the slice has {taken} elements",
                            a.ndim
                        ),
                        span,
                        format!("expected {} elements", a.ndim),
                    )
                    .with_help(
                        "give one element per axis: `s![1..n, ..]` (`..` takes a whole axis)",
                    ));
                }
                if *mutable && !a.writable {
                    return Err(Diagnostic::new(
                        format!("cannot borrow `{name}` as mutable: it is a read-only array"),
                        span,
                        "mutable view of a read-only array",
                    )
                    .with_help(format!(
                        "take a read-only view (`slice`, `row`, `column`), or pass `&mut {name}`"
                    )));
                }
                if *mutable {
                    self.owner_is_mut(*array, a, span)?;
                }
                let given = axes.iter().filter(|x| x.gives_axis()).count() as u8;
                self.fresh(State::Array(ArrayVar {
                    elem: a.elem,
                    ndim: given,
                    layout: Layout::Strided,
                    writable: *mutable,
                    storage: Storage::View,
                }))
            }
            ExprKind::Transpose(array) => {
                let a = self.array_of(*array, span)?;
                self.fresh(State::Array(ArrayVar {
                    layout: Layout::Strided,
                    writable: false,
                    storage: Storage::View,
                    ..a
                }))
            }
            ExprKind::Broadcast { array, with, .. } => {
                let a = self.array_of(*array, span)?;
                let w = self.array_of(*with, span)?;
                self.fresh(State::Array(ArrayVar {
                    ndim: a.ndim.max(w.ndim),
                    layout: Layout::Strided,
                    writable: false,
                    storage: Storage::View,
                    ..a
                }))
            }
            ExprKind::Tuple(xs) => {
                let mut vars = Vec::with_capacity(xs.len());
                for &x in xs {
                    vars.push(self.value(x)?);
                }
                let t = self.tuple_state(vars);
                self.fresh(t)
            }
            ExprKind::Field(x, k) => {
                let tx = self.expr(*x)?;
                let State::Tuple(t) = self.get(tx) else {
                    return Err(Diagnostic::new(
                        format!("no field `{k}` on type `{}`", self.get(tx).describe()),
                        span,
                        "unknown field",
                    )
                    .with_help("fields `.0`, `.1`, .. exist on tuples"));
                };
                let vars = self.tuple_vars(t);
                match vars.get(*k as usize) {
                    Some(&v) => v,
                    None => {
                        return Err(Diagnostic::new(
                            format!("no field `{k}` on a tuple of {} elements", vars.len()),
                            span,
                            "unknown field",
                        ))
                    }
                }
            }
            ExprKind::Option(op) => match *op {
                OptionOp::Some(x) => {
                    let t = self.value(x)?;
                    self.fresh(State::Option(t))
                }
                OptionOp::None => {
                    let t = self.fresh(State::Any);
                    self.fresh(State::Option(t))
                }
                OptionOp::IsSome(x) => {
                    self.option_value(x)?;
                    self.known(Scalar::Bool)
                }
                OptionOp::Value(x) => self.option_value(x)?,
            },
            ExprKind::Unwrap { option, .. } => self.option_value(*option)?,
            ExprKind::Shape { array, query } => self.shape(*array, *query, span)?,
            ExprKind::Method {
                name,
                receiver,
                args,
            } => self.method(e, name, *receiver, args)?,
            ExprKind::Call { func: callee, args } => self.call(e, *callee, args)?,
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => self.gpu(*op, *array, index, args, span)?,
            ExprKind::SameShape { .. } | ExprKind::MatMul { .. } => {
                self.fresh(State::Known(Type::Unit))
            }
            ExprKind::Each(each) => {
                self.each(each)?;
                self.fresh(State::Known(Type::Unit))
            }
            ExprKind::Reduce(r) => {
                self.reduce(r)?;
                self.fresh(State::Known(Type::Unit))
            }
            ExprKind::Map(m) => self.map(m)?,
            ExprKind::Struct(op) => self.struct_op(e, op, span)?,
            ExprKind::Relayout { array, visit } => {
                let a = self.array_of(*array, span)?;
                let ndim = match visit {
                    Visit::Memory => 1,
                    Visit::Fold => a.ndim,
                };
                let layout = match visit {
                    Visit::Memory => Layout::Contig,
                    Visit::Fold => Layout::Strided,
                };
                self.fresh(State::Array(ArrayVar {
                    ndim,
                    layout,
                    writable: false,
                    storage: Storage::View,
                    ..a
                }))
            }
            ExprKind::Intrinsic { op, .. } => match *op {},
            ExprKind::CallInst { inst, .. } => match *inst {},
        })
    }

    /// The variable of `x`, an element of a tuple or `Option`: not `()`.
    fn value(&mut self, x: ExprId) -> R<Var> {
        let t = self.expr(x)?;
        if self.get(t) == State::Known(Type::Unit) {
            return Err(Diagnostic::new(
                "this expression has no value",
                self.span(x),
                "has type `()`",
            ));
        }
        Ok(t)
    }

    /// The variable of the value of the `Option` `o`; an error when `o` is something else.
    fn option_value(&mut self, o: ExprId) -> R<Var> {
        let t = self.expr(o)?;
        if let State::Option(v) = self.get(t) {
            return Ok(v);
        }
        let v = self.fresh(State::Any);
        let want = self.fresh(State::Option(v));
        self.unify(t, want).map_err(|(got, _)| {
            let help = match got {
                // `x.map(f)` of an array whose type is not written reads as `Option::map` to
                // the front end.
                State::Array(_) => "ndarray's `x.map(|v| ..)` is taken for an array whose type the signature writes (`x: ArrayView1<f64>`); here write `x.mapv(|v| ..)` (the closure takes the element by value)",
                _ => "`Option`s come from `Some(v)`, `None` and the std methods that return one (`checked_add`, `x.get(i)`, `x.mean()`)",
            };
            Diagnostic::new(
                format!(
                    "mismatched types: expected `Option<_>`, found `{}`",
                    got.describe()
                ),
                self.span(o),
                "expected `Option<_>`",
            )
            .with_help(help)
        })?;
        Ok(v)
    }

    fn binary(&mut self, e: ExprId, op: BinOp, a: ExprId, b: ExprId) -> R<Var> {
        let span = self.span(e);
        let ta = self.expr(a)?;
        let tb = self.expr(b)?;
        let is_array = |inf: &mut Self, t: Var| matches!(inf.get(t), State::Array(_));
        if is_array(self, ta) || is_array(self, tb) {
            return self.array_binary(e, op, (a, ta), (b, tb));
        }
        if op.is_shift() {
            for (x, t) in [(a, ta), (b, tb)] {
                match self.get(t) {
                    State::Int => {}
                    State::Known(Type::Scalar(s)) if s.is_int() => {}
                    s => {
                        return Err(Diagnostic::new(
                            format!(
                                "no implementation for `{}` on `{}`",
                                op.symbol(),
                                s.describe()
                            ),
                            self.span(x),
                            "not an integer",
                        )
                        .with_help("shifts take integers on both sides"))
                    }
                }
            }
            return Ok(ta);
        }
        if let Some(v) = self.complex_binary(e, op, (a, ta), (b, tb))? {
            return Ok(v);
        }
        let aggregate = |s: State| {
            matches!(
                s,
                State::Tuple(_) | State::Option(_) | State::Known(Type::Tuple(_))
            )
        };
        if matches!(op, BinOp::Eq | BinOp::Ne)
            && (aggregate(self.get(ta)) || aggregate(self.get(tb)))
        {
            return self.tuple_eq(e, op, (a, ta), (b, tb));
        }
        for (x, t) in [(a, ta), (b, tb)] {
            if let State::Array(_) | State::Tuple(_) | State::Option(_) | State::Known(Type::Unit) =
                self.get(t)
            {
                let (sa, sb) = (self.get(ta), self.get(tb));
                let st = self.get(t);
                let structs = &self.structs;
                let def = |s: State| match s {
                    State::Tuple(k) => structs.get(&k).copied(),
                    _ => None,
                };
                if let Some(d) = def(st) {
                    let name = |s: State| match def(s) {
                        Some(d) => format!("`{}`", d.name),
                        None => format!("`{}`", s.describe()),
                    };
                    let field = d.fields.first().map_or("x", |(f, _)| f.as_str());
                    return Err(Diagnostic::new(
                        op_words(op, &name(sa), &name(sb)),
                        self.span(x),
                        format!("a struct `{}`", d.name),
                    )
                    .with_help(format!(
                        "operate on its fields (`p.{field}`): structs have no operators in kernels"
                    )));
                }
                let what = match self.get(t) {
                    State::Known(Type::Unit) => "has no value (`()`)",
                    State::Tuple(_) => "is a tuple",
                    State::Option(_) => "is an `Option`",
                    _ => "is an array",
                };
                let label = match self.local_name(x) {
                    Some(name) => format!("`{name}` {what}"),
                    None => format!("this {what}"),
                };
                let help = match what {
                    "is an array" => "kernels compute on elements: index the array (`a[i]`, `a[[i, j]]`) inside a loop",
                    "is a tuple" => "operate on its elements: `t.0`, or `let (a, b) = t`",
                    "is an `Option`" => "test it with `is_some()` or `if let Some(v) = ..`, or take its value: `o.unwrap_or(0)`",
                    _ => "only scalars can be operands: give the helper a return value",
                };
                return Err(
                    Diagnostic::new(op_message(op, sa, sb), self.span(x), label).with_help(help)
                );
            }
        }
        self.unify(ta, tb).map_err(|(x, y)| {
            let (xs, ys) = (x.describe(), y.describe());
            Diagnostic::new(
                op_message(op, x, y),
                self.span(b),
                format!("expected `{xs}`, found `{ys}`"),
            )
            .with_label(self.span(a), format!("this is `{xs}`"))
            .with_help(operand_cast_help(x, y))
        })?;
        let st = self.get(ta);
        let ok = match st {
            State::Int => true,
            State::Float => !op.is_bitwise(),
            State::Known(Type::Scalar(Scalar::Bool)) => op.is_bitwise() || op.is_comparison(),
            State::Known(Type::Scalar(s)) if s.is_float() => !op.is_bitwise(),
            State::Known(Type::Scalar(_)) => true,
            _ => false,
        };
        if !ok {
            let t = st.describe();
            let help = if op.is_bitwise() {
                "bitwise operators take integers or `bool`"
            } else {
                "`bool` supports `&`, `|`, `^`, `!`, `&&`, `||` and comparisons; convert with `as u8` for arithmetic"
            };
            return Err(Diagnostic::new(
                format!("no implementation for `{t} {} {t}`", op.symbol()),
                span,
                format!("`{}` is not defined for `{t}`", op.symbol()),
            )
            .with_help(help));
        }
        Ok(if op.is_comparison() {
            self.known(Scalar::Bool)
        } else {
            ta
        })
    }

    /// The type of a call's value.
    pub(super) fn returned(&mut self, ret: Returns) -> Var {
        match ret {
            Returns::Known(t) => self.known(t),
            Returns::Declared(ann) => self.annotated(ann),
        }
    }

    fn shape(&mut self, array: LocalId, query: ShapeQuery, span: Span) -> R<Var> {
        let at = self.array_of(array, span)?;
        let name = self.func.local(array).name.clone();
        let bad =
            |msg: String, help: String| Err(Diagnostic::new(msg, span, "here").with_help(help));
        match query {
            ShapeQuery::DimOf { d: _, of } if of != at.ndim => {
                if of == 1 {
                    return bad(
                        format!("`{name}.dim()` is a tuple for a {}-D array", at.ndim),
                        format!(
                            "destructure it: `let ({}) = {name}.dim();`",
                            ["n0", "n1", "n2", "n3", "n4", "n5"]
                                .iter()
                                .take(at.ndim as usize)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                return bad(
                    format!(
                        "`{name}` is a {}-D array but the pattern has {of} names",
                        at.ndim
                    ),
                    format!("use {} names", at.ndim),
                );
            }
            ShapeQuery::Dim(d) if d >= at.ndim => {
                return bad(
                    format!(
                        "`{name}.shape()[{d}]` is out of range for a {}-D array",
                        at.ndim
                    ),
                    format!("dimensions are 0..{}", at.ndim),
                );
            }
            ShapeQuery::Rows2d | ShapeQuery::Cols2d if at.ndim != 2 => {
                return bad(
                    format!(
                        "`nrows`/`ncols` need a 2-D array, `{name}` is {}-D",
                        at.ndim
                    ),
                    "use `shape()[d]`".into(),
                );
            }
            _ => {}
        }
        Ok(if query.is_test() {
            self.known(Scalar::Bool)
        } else {
            self.known(Scalar::Usize)
        })
    }

    /// GPU builtins: indices and dimensions are `usize`; atomics take and return the element type.
    fn gpu(
        &mut self,
        op: GpuOp,
        array: Option<LocalId>,
        index: &[ExprId],
        args: &[ExprId],
        span: Span,
    ) -> R<Var> {
        let Some(array) = array else {
            return Ok(if op == GpuOp::SyncThreads {
                self.known(Type::Unit)
            } else {
                self.known(Scalar::Usize)
            });
        };
        let at = self.array_of(array, span)?;
        let name = self.func.local(array).name.clone();
        let State::Known(Type::Scalar(elem)) = self.get(at.elem) else {
            return Err(Diagnostic::new(
                format!("type annotations needed for the elements of `{name}`"),
                span,
                "element type unknown here",
            )
            .with_help(format!("name the element type where `{name}` is made")));
        };
        if !at.writable {
            return Err(Diagnostic::new(
                format!(
                    "`{}` needs a writable array, and `{name}` is read-only",
                    op.name()
                ),
                span,
                "atomic update of a read-only array",
            )
            .with_help(format!(
                "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
            )));
        }
        // A complex element is two floats: no single atomic updates it (a `prange` array
        // reduction `a[k] += z` updates its parts with one each).
        let wide =
            matches!(elem.bits(), 8 | 16 | 32 | 64) && elem != Scalar::Bool && !elem.is_complex();
        let ok = match op {
            GpuOp::Atomic(AtomicOp::CompareExchange) => wide && elem.is_int(),
            _ => wide,
        };
        if !ok {
            let which = if op == GpuOp::Atomic(AtomicOp::CompareExchange) {
                "integers"
            } else {
                "integers and floats"
            };
            let help = if elem.is_complex() {
                format!("GPU atomics work on {which}: keep the real and imaginary parts in two `{}` arrays, or sum into `{name}` with `{name}[k] += z` in a `prange` loop", elem.part())
            } else {
                format!("GPU atomics work on {which}")
            };
            return Err(Diagnostic::new(
                format!("`{}` is not supported on arrays of `{elem}`", op.name()),
                span,
                format!("`{name}` holds `{elem}`"),
            )
            .with_help(help));
        }
        self.indices(array, at, index, span)?;
        for &a in args {
            let t = self.expr(a)?;
            self.unify_with(t, Type::Scalar(elem))
                .map_err(|(got, want)| {
                    with_cast_help(
                        Diagnostic::new(
                            "mismatched types",
                            self.span(a),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        ),
                        want,
                    )
                })?;
        }
        Ok(self.known(elem))
    }

    /// The array an argument passes: a name or a view of one (`&t`, `t.view_mut()`,
    /// `t.row_mut(i)`), followed through the locals bound to views (`let v = t.view_mut()`) to
    /// the array they view.
    fn array_root(&self, e: ExprId) -> Option<LocalId> {
        let func = self.func;
        let viewed = |e: ExprId| match func.expr(e).kind {
            ExprKind::Local(a)
            | ExprKind::Borrow { array: a, .. }
            | ExprKind::Slice { array: a, .. }
            | ExprKind::Transpose(a)
            | ExprKind::Relayout { array: a, .. }
            | ExprKind::Broadcast { array: a, .. } => Some(a),
            _ => None,
        };
        let mut l = viewed(e)?;
        // A local bound to a view of another: the array it views (a bounded walk).
        let assignments = walk::assignments(&func.body);
        for _ in 0..func.locals.len() {
            let next = assignments
                .iter()
                .find(|(to, _)| *to == l)
                .and_then(|&(_, v)| viewed(v));
            match next {
                Some(a) if a != l => l = a,
                _ => break,
            }
        }
        Some(l)
    }

    /// A new owned array: its extents are `usize`, its element type the one written, the fill
    /// value's, the copied array's, or left to later uses (`t[i] = 2.0f32`).
    fn alloc(
        &mut self,
        elem: Option<Scalar>,
        ndim: Option<u8>,
        shape: &AllocShape,
        init: &Init,
        span: Span,
    ) -> R<Var> {
        let ev = match elem {
            Some(s) => self.known(s),
            None => self.fresh(State::Any),
        };
        let values = match init {
            Init::Elem(v) => std::slice::from_ref(v),
            Init::Each(vs) => vs.as_slice(),
            _ => &[],
        };
        for &v in values {
            let tv = self.expr(v)?;
            self.unify(ev, tv).map_err(|(want, got)| {
                with_cast_help(
                    Diagnostic::new(
                        "mismatched types",
                        self.span(v),
                        format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                    ),
                    want,
                )
            })?;
        }
        let n = match shape {
            AllocShape::Dims(d) => {
                for &x in d {
                    let t = self.expr(x)?;
                    self.unify_with(t, Type::Scalar(Scalar::Usize))
                        .map_err(|(got, _)| {
                            Diagnostic::new(
                                format!(
                                    "array extents must be `usize`, found `{}`",
                                    got.describe()
                                ),
                                self.span(x),
                                "expected `usize`",
                            )
                            .with_help("cast with `as usize`")
                        })?;
                }
                d.len() as u8
            }
            AllocShape::Like(a) | AllocShape::LayoutOf(a) => self.array_of(*a, span)?.ndim,
            AllocShape::Fixed(_) => 1,
        };
        if let Init::Copy(a) = init {
            let src = self.array_of(*a, span)?;
            let _ = self.unify(ev, src.elem);
        }
        if let Init::Resize(v) = init {
            self.expr(*v)?;
            if let ExprKind::Local(a) = self.func.expr(*v).kind {
                let src = self.array_of(a, span)?;
                let _ = self.unify(ev, src.elem);
            }
        }
        if let Some(want) = ndim.filter(|&w| w != n) {
            return Err(Diagnostic::new(
                format!(
                    "mismatched types: an `Array{want}` has {want} axes, the shape given has {n}"
                ),
                span,
                format!("expected {want} extents"),
            )
            .with_help(match want {
                1 => "give one extent: `Array1::zeros(n)`".to_string(),
                w => format!(
                    "give {w} extents as a tuple: `Array{w}::zeros(({}))`",
                    ["n", "m", "k", "l", "p", "q"][..w as usize].join(", ")
                ),
            }));
        }
        let layout = match shape {
            AllocShape::LayoutOf(a) => self.array_of(*a, span)?.layout,
            _ => Layout::Contig,
        };
        Ok(self.fresh(State::Array(ArrayVar {
            elem: ev,
            ndim: n,
            layout,
            writable: true,
            storage: match shape {
                AllocShape::Fixed(n) => Storage::Stack(*n),
                _ => Storage::Heap,
            },
        })))
    }

    fn call(&mut self, e: ExprId, callee: FuncId, args: &[ExprId]) -> R<Var> {
        let vars = args.iter().map(|&a| self.expr(a)).collect::<R<Vec<_>>>()?;
        self.call_with(e, callee, args, &vars)
    }

    /// A call whose arguments `args` are typed already (`vars`).
    pub(super) fn call_with(
        &mut self,
        e: ExprId,
        callee: FuncId,
        args: &[ExprId],
        vars: &[Var],
    ) -> R<Var> {
        let span = self.span(e);
        let program = self.spec.program;
        let f = program.func(callee);
        if f.attrs.cuda && !self.func.attrs.cuda {
            return Err(Diagnostic::new(
                format!(
                    "`{}` is a `#[rumba(cuda)]` function, called from a function that is not",
                    f.name
                ),
                span,
                "GPU-only function called here",
            )
            .with_help(format!(
                "mark `{}` `#[rumba(cuda)]` too, or remove the GPU builtins from `{}`",
                self.func.name, f.name
            )));
        }
        let mut types = Vec::with_capacity(args.len());
        for (i, (&a, &t)) in args.iter().zip(vars).enumerate() {
            if let Some(TypeAnn::Scalar(s)) = f.params.get(i).map(|p| f.local(*p).ann) {
                let _ = self.unify_with(t, Type::Scalar(s));
            }
            types.push(self.settle(t, self.span(a))?);
        }
        if args.len() != f.params.len() {
            let label = format!(
                "{} argument{} supplied",
                args.len(),
                if args.len() == 1 { "" } else { "s" }
            );
            let d = count_mismatch(f, args.len(), span, &label)
                .with_label(f.sig_span, format!("`{}` defined here", f.name));
            return Err(d);
        }
        let ufunc = f.attrs.vectorize.is_some_and(|v| v.into.is_none())
            && types.iter().any(|t| matches!(t, Type::Array(_)));
        if ufunc {
            return self.ufunc_call(e, callee, args, &types);
        }
        let mut params = Vec::with_capacity(args.len());
        for (i, (&a, &t)) in args.iter().zip(&types).enumerate() {
            params.push(self.param(f, i, a, t, t)?);
        }
        self.check_borrows(args, &params)?;
        let (inst, ret) = self.spec.instantiate(callee, params, Some(span))?;
        self.calls.insert(e, inst);
        Ok(self.returned(ret))
    }

    /// The type of `f`'s parameter `i` given the argument `a`, of type `t`, passed as `passed`
    /// (`t` itself, or the element of the array `t`); a mismatch points at the argument.
    pub(super) fn param(
        &self,
        f: &Function<Untyped>,
        i: usize,
        a: ExprId,
        t: Type,
        passed: Type,
    ) -> R<Type> {
        param_type(f, i, passed).map_err(|mut d| {
            d.labels.iter_mut().for_each(|l| l.primary = false);
            d.labels.insert(
                0,
                Label {
                    span: self.span(a),
                    message: format!("this is `{t}`"),
                    primary: true,
                },
            );
            d
        })
    }

    /// Rust's borrow rules for a call: an array bound to a writable parameter (a `&mut`) is not
    /// passed to another parameter of the same call. Generated code relies on it: array
    /// parameters are `noalias`.
    fn check_borrows(&self, args: &[ExprId], params: &[Type]) -> R<()> {
        for (j, &b) in args.iter().enumerate() {
            let Some(l) = self.array_root(b) else {
                continue;
            };
            for (i, &a) in args[..j].iter().enumerate() {
                let (Type::Array(first), Type::Array(second)) = (params[i], params[j]) else {
                    continue;
                };
                if self.array_root(a) != Some(l) || !(first.writable || second.writable) {
                    continue;
                }
                let name = &self.func.local(l).name;
                let how = |writable: bool| if writable { "mutable" } else { "immutable" };
                let message = if first.writable && second.writable {
                    format!("cannot borrow `{name}` as mutable more than once at a time")
                } else {
                    format!(
                        "cannot borrow `{name}` as {} because it is also borrowed as {}",
                        how(second.writable),
                        how(first.writable)
                    )
                };
                return Err(Diagnostic::new(message, self.span(b), format!("{} borrow", how(second.writable)))
                    .with_label(self.span(a), format!("first borrow, {}", how(first.writable)))
                    .with_help("an array bound to a writable parameter cannot be passed again in the same call: pass it once, or declare the parameters read-only (`x: &[T]`, `x: ArrayView1<T>`)"));
            }
        }
        Ok(())
    }
}
