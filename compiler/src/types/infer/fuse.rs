//! Arithmetic on whole arrays (`&x * 2.0 + &y`, `-&x`, `y += &x`): its typing, and its fusion
//! into one walk per expression.
//!
//! In: untyped `Binary`/`Unary` nodes with an array operand, as ndarray's operators take them
//! (`&a + &b`, `a + &b`, `&a * 2.0`, `2.0 * &a`, `-&a`; compound assignments `y += &x`,
//! `y *= 2.0`), `Map`s (`x.mapv(f)`, `Zip::from(&a).and(&b).map_collect(f)`) and calls of
//! `#[rumba(vectorize)]` functions with an array argument (`selu(&x)`, `blend(&a, &row, 0.5)`:
//! an operator of any number of operands, co-broadcast as the call from Rust does). Out: their types (a new array of the element type; the element types of
//! both sides must agree, as ndarray requires) and, before the walks are expanded, in place of
//! each maximal tree of such nodes (the *fused group*), a new array and one [`Each`] that
//! computes the whole tree element by element: `let z = 2.0 * &x * &x + &y;` reads `x` and `y`
//! once and writes `z` once, with no temporary arrays. The rule: a group is a tree of array
//! operators; its leaves are arrays (named, borrowed, or made by a view or call, which is held
//! in a temporary) and scalars (evaluated once, before the walk, in source order). A group ends
//! where its value is bound, assigned, passed, returned or reduced: a named array is
//! materialized and read again by later groups, so an expression used twice is computed once.
//! A compound assignment on an array updates it in place (its group writes the array itself).
//! The element operations are the same scalar operations in the same order as ndarray's
//! element-by-element evaluation, so results are bit-identical to the unfused evaluation.
//! Operands of different shapes broadcast as ndarray 0.17's operators do (`&m - &row`,
//! `&col * &row`): each operator of two arrays co-broadcasts their shapes (`ExprKind::Broadcast`
//! views made before the walk, in ndarray's order of evaluation, fail the call naming both
//! shapes where they do not broadcast), the new array takes the group's broadcast shape, and
//! each array is walked through a view stretched to it (stride 0 on the stretched axes); a
//! compound assignment stretches the right side to the updated array's shape (`y += &row`).
//! Arrays of one shape go through the same views (unchanged strides); LLVM's loop vectorizer
//! then tests the strides for one at run time (a group reading one array, `&x * &x`, reads it
//! as it is).
//!
//! The new array's layout is ndarray's: `x.map(f)` (behind `mapv`, `&x * 2.0`, `-&x`) keeps the
//! strides of a contiguous `x` (transposed, permuted, reversed) and makes C order otherwise; an
//! operator on a temporary updates it in place; two views go through `Zip::map_collect`, C order.
//! So a group of one strided array (a chain of maps of it) is typed strided and allocated
//! `AllocShape::LayoutOf` it; the others are C order. What observes it: a reduction in memory
//! order (`sum`, `product`, `var`, `fold`: the same additions in the same order as ndarray's)
//! and the strides of a returned array. Left as C order where ndarray differs: a temporary
//! updated in place by a second array (`&t * 2.0 + &u`, `t` transposed) and `Zip::map_collect`
//! of arrays that prefer Fortran order (`&t + &t`).
//!
//! An operator taking a new C-order array by value (`e / &s`, `t * 2.0`, `1.0 - n`, `-t`)
//! writes its result into that array's memory where the result has its shape, as ndarray's
//! operators do (a run-time test of the extents, which `passes::shapes` settles where they
//! are known): no allocation, and what reads the result next finds it where `e` was.

use super::each::assign;
use super::fused_reduce::reductions;
use super::unify::{ArrayVar, State, Var};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::complex;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

/// A fused group's walk as it is built: its arrays (each with the local bound to its element,
/// once per array) and the statements its body runs before the value (`mapv` closures').
#[derive(Default)]
pub(super) struct Group {
    pub(super) arrays: Vec<(LocalId, LocalId)>,
    pub(super) stmts: Vec<Stmt>,
}

impl<'s, 'p> Infer<'s, 'p> {
    /// `a op b` with an array on either side.
    pub(super) fn array_binary(
        &mut self,
        e: ExprId,
        op: BinOp,
        (a, ta): (ExprId, Var),
        (b, tb): (ExprId, Var),
    ) -> R<Var> {
        let span = self.span(e);
        if op.is_comparison() {
            return Err(Diagnostic::new(
                format!("`{}` does not compare arrays element by element", op.symbol()),
                span,
                "an array is compared here",
            )
            .with_help("compare the elements in a walk: `Zip::from(&mut out).and(&a).and(&b).for_each(|o, &a, &b| *o = a < b)`"));
        }
        let mut ndims = Vec::new();
        let mut elems = Vec::new();
        let mut layouts = Vec::new();
        for (x, t) in [(a, ta), (b, tb)] {
            match self.get(t) {
                State::Array(av) => {
                    ndims.push(av.ndim);
                    elems.push(av.elem);
                    layouts.push((self.is_array_op(self.func, x), av.layout));
                }
                State::Tuple(_) | State::Option(_) | State::Known(Type::Unit) => {
                    return Err(Diagnostic::new(
                        format!("no implementation of `{}` for this operand", op.symbol()),
                        self.span(x),
                        "not a number or an array",
                    ))
                }
                _ => elems.push(t),
            }
        }
        // Arrays of structs have no operators (nor have their elements).
        let struct_of = |inf: &mut Self, t: Var| match inf.get(t) {
            State::Tuple(k) => inf.structs.get(&k).copied(),
            _ => None,
        };
        let defs = [struct_of(self, elems[0]), struct_of(self, elems[1])];
        if let Some(def) = defs[0].or(defs[1]) {
            let mut name = |k: usize| match defs[k] {
                Some(d) => d.name.clone(),
                None => self.get(elems[k]).describe(),
            };
            let (x, y) = (name(0), name(1));
            let field = def.fields.first().map_or("x", |(f, _)| f.as_str());
            return Err(Diagnostic::new(
                format!("no implementation for `{x} {} {y}` on arrays", op.symbol()),
                span,
                format!("an array of the struct `{}`", def.name),
            )
            .with_help(format!(
                "structs have no operators in kernels: compute each field in a loop, `for i in 0..p.len() {{ r[i].{field} = p[i].{field} {} ..; }}`",
                op.symbol()
            )));
        }
        // ndarray's co-broadcasting: as many axes as the longer operand.
        let ndim = ndims.into_iter().max().unwrap_or(0);
        self.unify(elems[0], elems[1]).map_err(|(x, y)| {
            Diagnostic::new(
                format!(
                    "no implementation for `{} {} {}` on arrays",
                    x.describe(),
                    op.symbol(),
                    y.describe()
                ),
                span,
                format!("`{}` and `{}` elements", x.describe(), y.describe()),
            )
            .with_help("ndarray's operators need one element type: convert one side with `.mapv(|v| v as f64)`")
        })?;
        if let State::Known(Type::Scalar(c)) = self.get(elems[0]) {
            if c.is_complex() && complex::binary(op, true, true).is_none() {
                return Err(Diagnostic::new(
                    format!("no implementation for `{c} {} {c}` on arrays", op.symbol()),
                    span,
                    format!("`{}` is not defined for complex numbers", op.symbol()),
                )
                .with_help("complex numbers have `+`, `-`, `*`, `/`, unary `-`, `==` and `!=`"));
            }
        }
        let ok = match self.get(elems[0]) {
            State::Int | State::Any => true,
            State::Float => !op.is_bitwise() && !op.is_shift(),
            State::Known(Type::Scalar(Scalar::Bool)) => op.is_bitwise(),
            State::Known(Type::Scalar(s)) if s.is_float() => !op.is_bitwise() && !op.is_shift(),
            State::Known(Type::Scalar(_)) => true,
            _ => false,
        };
        if !ok {
            let t = self.get(elems[0]).describe();
            return Err(Diagnostic::new(
                format!("no implementation for `{t} {} {t}` on arrays", op.symbol()),
                span,
                format!("`{}` is not defined for `{t}`", op.symbol()),
            ));
        }
        // ndarray's layout of the result (see `layout_source`): an operator with a scalar maps
        // its array operand (keeping its strides where it is contiguous); an owned operand (a
        // temporary) is updated in place; two views go through `Zip::map_collect` (C order).
        let layout = match layouts[..] {
            [(_, l)] => l,
            [(true, l), _] | [(false, _), (true, l)] => l,
            _ => Layout::Contig,
        };
        Ok(self.new_array(elems[0], ndim, layout))
    }

    /// `-a` / `!a` of an array.
    pub(super) fn array_unary(&mut self, op: UnOp, a: ArrayVar, span: Span) -> R<Var> {
        let ok = match (op, self.get(a.elem)) {
            (UnOp::Neg, State::Int | State::Float) | (UnOp::Not, State::Int) => true,
            (UnOp::Neg, State::Known(Type::Scalar(s))) => {
                s.is_signed() || s.is_float() || s.is_complex()
            }
            (UnOp::Not, State::Known(Type::Scalar(s))) => s.is_int() || s == Scalar::Bool,
            _ => false,
        };
        if !ok {
            let sym = if op == UnOp::Neg { "-" } else { "!" };
            return Err(Diagnostic::new(
                format!(
                    "cannot apply unary operator `{sym}` to an array of `{}`",
                    self.get(a.elem).describe()
                ),
                span,
                "here",
            ));
        }
        Ok(self.new_array(a.elem, a.ndim, a.layout))
    }

    /// `x.mapv(|v| ..)`: a new array of the closure's value type.
    pub(super) fn map(&mut self, m: &Map) -> R<Var> {
        let t = self.expr(m.operand)?;
        let State::Array(a) = self.get(t) else {
            return Err(Diagnostic::new(
                format!("no method `mapv` on `{}`", self.get(t).describe()),
                self.span(m.operand),
                "not an array",
            ));
        };
        let v = self.locals[m.elem];
        self.unify(v, a.elem).map_err(|_| {
            Diagnostic::new("internal: a map's element typed twice", m.span, "here")
        })?;
        for &(x, elem) in &m.zipped {
            let t = self.expr(x)?;
            let State::Array(b) = self.get(t) else {
                return Err(Diagnostic::new(
                    "`Zip` takes arrays",
                    self.span(x),
                    "not an array",
                ));
            };
            if b.ndim != a.ndim {
                return Err(Diagnostic::new(
                    "arrays zipped together must have the same number of dimensions",
                    self.span(x),
                    format!("this array is {}-D, the first {}-D", b.ndim, a.ndim),
                ));
            }
            let v = self.locals[elem];
            self.unify(v, b.elem).map_err(|_| {
                Diagnostic::new("internal: a map's element typed twice", m.span, "here")
            })?;
        }
        if let Some(s) = writes(&m.body) {
            return Err(
                Diagnostic::new("a `mapv` closure cannot write arrays", s, "written here")
                    .with_help(
                    "write the elements in a `Zip::from(&mut out).and(&x).for_each(..)` or a loop",
                ),
            );
        }
        self.block(&m.body)?;
        let tv = self.expr(m.value)?;
        if let State::Array(_) | State::Tuple(_) | State::Option(_) | State::Known(Type::Unit) =
            self.get(tv)
        {
            return Err(Diagnostic::new(
                "a `mapv` closure must return a number",
                self.span(m.value),
                format!("this is `{}`", self.get(tv).describe()),
            ));
        }
        // `map` keeps a contiguous operand's strides; `Zip::map_collect` makes C order.
        let layout = match m.zipped.is_empty() {
            true => a.layout,
            false => Layout::Contig,
        };
        Ok(self.new_array(tv, a.ndim, layout))
    }

    /// `f(&x, s, &y)` of a `#[rumba(vectorize)]` function with an array among its arguments:
    /// `f` applied to each element of the arguments' co-broadcast, a new C-order array (what the
    /// call from Rust returns). Typed as an elementwise array operator: `f` is instantiated for
    /// the element types, and `fuse` makes the call a node of its fused group.
    pub(super) fn ufunc_call(
        &mut self,
        e: ExprId,
        callee: FuncId,
        args: &[ExprId],
        types: &[Type],
    ) -> R<Var> {
        let span = self.span(e);
        let f = self.spec.program.func(callee);
        let mut params = Vec::with_capacity(args.len());
        let mut ndim = 0;
        for (i, (&a, &t)) in args.iter().zip(types).enumerate() {
            let passed = match t {
                Type::Array(at) => {
                    ndim = ndim.max(at.ndim);
                    at.elem_type()
                }
                other => other,
            };
            params.push(self.param(f, i, a, t, passed)?);
        }
        let (inst, ret) = self.spec.instantiate(callee, params, Some(span))?;
        self.calls.insert(e, inst);
        let elem = self.returned(ret);
        if !matches!(self.get(elem), State::Known(Type::Scalar(_))) {
            return Err(Diagnostic::new(
                format!(
                    "`{}` is applied to arrays element by element, so it must return a number",
                    f.name
                ),
                span,
                format!("`{}` returns `{}`", f.name, self.get(elem).describe()),
            )
            .with_help("call it on scalars in a loop, or return one number from it"));
        }
        self.ufunc_calls.insert(e);
        Ok(self.new_array(elem, ndim, Layout::Contig))
    }

    /// A new owned array: C order, or (`Strided`) the layout ndarray's `map` gives a strided
    /// operand, known at run time.
    fn new_array(&mut self, elem: Var, ndim: u8, layout: Layout) -> Var {
        self.fresh(State::Array(ArrayVar {
            elem,
            ndim,
            layout,
            writable: true,
            storage: Storage::Heap,
        }))
    }

    /// Whether `local = value` is a compound assignment on an array (`y += &x`: the front end's
    /// `y = y + &x`), which updates `y` in place; checks that `y` is writable.
    pub(super) fn compound_on_array(&mut self, local: LocalId, value: ExprId) -> bool {
        let ExprKind::Binary(_, l, _) = self.func.expr(value).kind else {
            return false;
        };
        matches!(self.func.expr(l).kind, ExprKind::Local(x) if x == local)
            && matches!(self.get(self.locals[local]), State::Array(_))
    }

    /// Replaces every fused group of `func` by a new array and the walk that fills it; returns
    /// the operator nodes the groups held, no longer reached (they get no type).
    pub(super) fn fuse_arrays(&mut self, func: &mut Function<Untyped>) -> R<HashSet<ExprId>> {
        let mut dead = HashSet::new();
        self.reduced = reductions(func, &func.body);
        let body = std::mem::take(&mut func.body);
        func.body = self.fuse_block(func, body, &mut dead)?;
        Ok(dead)
    }

    fn fuse_block(
        &mut self,
        func: &mut Function<Untyped>,
        b: Block,
        dead: &mut HashSet<ExprId>,
    ) -> R<Block> {
        self.rebuild(func, b, &mut |inf, func, s| inf.fuse_stmt(func, s, dead))
    }

    fn fuse_stmt(
        &mut self,
        func: &mut Function<Untyped>,
        s: Stmt,
        dead: &mut HashSet<ExprId>,
    ) -> R<Vec<Stmt>> {
        // The bodies of walks hold statements too.
        if let Stmt::Eval(e) = &s {
            if let ExprKind::Each(each) = &mut func.exprs[*e].kind {
                let body = std::mem::take(&mut each.body);
                let body = self.fuse_block(func, body, dead)?;
                if let ExprKind::Each(each) = &mut func.exprs[*e].kind {
                    each.body = body;
                }
                return Ok(vec![s]);
            }
        }
        match &s {
            Stmt::Assign { local, value, .. } if self.is_array_op(func, *value) => {
                if let Some(&r) = self.reduced.get(local) {
                    return self.fold_group(func, s, r, dead);
                }
            }
            // A reduction `fold_group` fused with its operand.
            Stmt::Eval(e) if dead.contains(e) => return Ok(Vec::new()),
            _ => {}
        }
        let mut out = Vec::new();
        if let Stmt::Assign { local, value, span } = &s {
            if self.is_array_op(func, *value) && self.compound_on_array(*local, *value) {
                self.update_in_place(func, *local, *value, *span, &mut out, dead)?;
                return Ok(out);
            }
        }
        let mut roots = Vec::new();
        for e in stmt_exprs(&s) {
            self.roots(func, e, &mut roots);
        }
        for root in roots {
            self.fuse_group(func, root, &mut out, dead)?;
        }
        out.push(s);
        Ok(out)
    }

    /// Whether `e` is an operator node of array type (typed by `array_binary`/`array_unary`).
    pub(super) fn is_array_op(&mut self, func: &Function<Untyped>, e: ExprId) -> bool {
        let Some(&v) = self.exprs.get(e) else {
            return false;
        };
        let op = match func.expr(e).kind {
            ExprKind::Binary(..) | ExprKind::Unary(..) | ExprKind::Map(_) => true,
            ExprKind::Call { .. } => self.ufunc_calls.contains(&e),
            _ => false,
        };
        op && matches!(self.get(v), State::Array(_))
    }

    /// The fused groups of `e`, outermost first, in evaluation order.
    fn roots(&mut self, func: &Function<Untyped>, e: ExprId, out: &mut Vec<ExprId>) {
        if self.is_array_op(func, e) {
            out.push(e);
            return;
        }
        // Walks and reductions are statements of their own (their bodies are fused above).
        if matches!(func.expr(e).kind, ExprKind::Each(_) | ExprKind::Reduce(_)) {
            return;
        }
        for c in walk::children(&func.expr(e).kind) {
            self.roots(func, c, out);
        }
    }

    /// `root` computed into a new array by one walk: the statements go to `out`, and `root`
    /// becomes a read of the new array.
    fn fuse_group(
        &mut self,
        func: &mut Function<Untyped>,
        root: ExprId,
        out: &mut Vec<Stmt>,
        dead: &mut HashSet<ExprId>,
    ) -> R<()> {
        let span = func.expr(root).span;
        let reuse = match self.reusable(func, root) {
            Some(owned) => {
                let same = self.settle(self.exprs[root], span)?
                    == self.settle(self.locals[owned], span)?;
                same.then_some(owned)
            }
            None => None,
        };
        let (mut g, body_value, mut first) = self.group(func, root, out, dead)?;
        // The root becomes a read of the new array.
        dead.remove(&root);
        let Some(owned) = reuse else {
            return self.materialize(func, root, (g, body_value, first), out);
        };
        // The walk reads `owned` through a view taken before its memory moves to the result.
        let Type::Array(t) = self.settle(self.locals[owned], span)? else {
            unreachable!("an array")
        };
        let view_t = Type::Array(ArrayType::view(t.elem, t.ndim, t.layout, false));
        let view = self.temp_local(func, "operand", view_t, span);
        let borrow = ExprKind::Borrow {
            array: owned,
            mutable: false,
        };
        let borrow = self.node(func, borrow, view_t, span);
        out.push(assign(view, borrow, span));
        for (a, _) in &mut g.arrays {
            if *a == owned {
                *a = view;
            }
        }
        if first == owned {
            first = view;
        }
        self.materialize(func, root, (g, body_value, first), out)?;
        self.reuse_memory(func, root, (owned, t.ndim), first, out);
        Ok(())
    }

    /// The new array whose memory ndarray's operators reuse for the result of `e`: `a op &b`
    /// and `a op s` update an owned `a` in place, `&a op b` and `s op b` an owned `b` (where
    /// the result has its shape), `-a` an owned `a`; followed down the operator taking it.
    /// Only a C-order one, so the result's layout is the type's either way.
    fn reusable(&mut self, func: &Function<Untyped>, e: ExprId) -> Option<LocalId> {
        let is_array = |inf: &mut Self, x: ExprId| {
            let v = inf.exprs.get(x).copied();
            v.is_some_and(|v| matches!(inf.get(v), State::Array(_)))
        };
        match func.expr(e).kind {
            ExprKind::Local(l) => {
                let Ok(Type::Array(t)) = self.settle(self.locals[l], func.expr(e).span) else {
                    return None;
                };
                let c_order = t.storage == Storage::Heap && t.layout == Layout::Contig;
                (c_order && t.ndim > 0).then_some(l)
            }
            ExprKind::Unary(_, x) => self.reusable(func, x),
            ExprKind::Binary(_, a, b) => {
                if !is_array(self, a) {
                    return self.reusable(func, b);
                }
                match func.expr(a).kind {
                    ExprKind::Borrow { .. } if is_array(self, b) => self.reusable(func, b),
                    _ => self.reusable(func, a),
                }
            }
            _ => None,
        }
    }

    /// The result of group `root` written into the memory of `owned` (of `ndim` axes, the
    /// result's type), which the operators take by value, when the result has `owned`'s shape
    /// (ndarray's rule; `first` has the result's shape): the new array is allocated only
    /// otherwise. Each element is read before it is written, at one index.
    fn reuse_memory(
        &mut self,
        func: &mut Function<Untyped>,
        root: ExprId,
        (owned, ndim): (LocalId, u8),
        first: LocalId,
        out: &mut [Stmt],
    ) {
        let span = func.expr(root).span;
        let ExprKind::Local(result) = func.expr(root).kind else {
            unreachable!("a materialized group reads its new array")
        };
        // The assignment of the new array, which `materialize` made before the walk.
        let Some(at) = out
            .iter()
            .rposition(|s| matches!(s, Stmt::Assign { local, .. } if *local == result))
        else {
            unreachable!("the new array is assigned")
        };
        let (usize_, bool_) = (Type::Scalar(Scalar::Usize), Type::Scalar(Scalar::Bool));
        let mut cond: Option<ExprId> = None;
        for k in 0..ndim {
            let query = ShapeQuery::Dim(k);
            let a = self.node(
                func,
                ExprKind::Shape {
                    array: first,
                    query,
                },
                usize_,
                span,
            );
            let b = self.node(
                func,
                ExprKind::Shape {
                    array: owned,
                    query,
                },
                usize_,
                span,
            );
            let eq = self.node(func, ExprKind::Binary(BinOp::Eq, a, b), bool_, span);
            cond = Some(match cond {
                None => eq,
                Some(c) => self.node(func, ExprKind::Logical(LogicOp::And, c, eq), bool_, span),
            });
        }
        // A read of `owned`, of its type.
        let take = func.add_expr(ExprKind::Local(owned), span);
        self.exprs.insert(take, self.locals[owned]);
        let alloc = std::mem::replace(&mut out[at], Stmt::Break);
        out[at] = Stmt::If {
            cond: cond.expect("one axis or more"),
            then_body: Block {
                stmts: vec![assign(result, take, span)],
            },
            else_body: Block { stmts: vec![alloc] },
        };
    }

    /// The element-wise form of the group `root` ([`Self::element`]), every array stretched to
    /// the shape of the one returned.
    pub(super) fn group(
        &mut self,
        func: &mut Function<Untyped>,
        root: ExprId,
        out: &mut Vec<Stmt>,
        dead: &mut HashSet<ExprId>,
    ) -> R<(Group, ExprId, LocalId)> {
        let span = func.expr(root).span;
        let mut g = Group::default();
        let (value, shape) = self.element(func, root, &mut g, out, dead)?;
        let Some(first) = shape else {
            unreachable!("a group has an array operand")
        };
        self.stretch(func, &mut g, first, span, out);
        Ok((g, value, first))
    }

    /// The group `root` (its element-wise form `value`) computed into a new array by one walk.
    pub(super) fn materialize(
        &mut self,
        func: &mut Function<Untyped>,
        root: ExprId,
        (g, body_value, first): (Group, ExprId, LocalId),
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        let span = func.expr(root).span;
        let Type::Array(t) = self.settle(self.exprs[root], span)? else {
            unreachable!("a fused group is an array")
        };
        let result = self.temp_local(func, "fused", Type::Array(t), span);
        let init = match t.elem {
            Elem::Scalar(Scalar::Bool) => Init::Elem(self.node(
                func,
                ExprKind::Const(Const::bool(false)),
                Type::Scalar(Scalar::Bool),
                span,
            )),
            // The walk below writes every element before anything reads one.
            _ => Init::Uninit,
        };
        // A group of one array typed strided is a chain of `map`s of it (`array_binary`): the
        // new array takes its strides where it is contiguous, as ndarray's `map` does.
        let shape = match (t.layout, &g.arrays[..]) {
            (Layout::Strided, [_]) => AllocShape::LayoutOf(first),
            _ => AllocShape::Like(first),
        };
        let new = ExprKind::Alloc {
            elem: t.scalar(),
            ndim: Some(t.ndim),
            shape,
            init,
        };
        let new = self.node(func, new, Type::Array(t), span);
        out.push(assign(result, new, span));
        let o = self.temp_local(func, "o", t.elem_type(), span);
        let mut walked = vec![EachArray {
            array: result,
            elem: o,
            mutable: true,
        }];
        walked.extend(g.arrays.into_iter().map(|(array, elem)| EachArray {
            array,
            elem,
            mutable: false,
        }));
        let mut body = Block { stmts: g.stmts };
        body.stmts.push(assign(o, body_value, span));
        self.push_walk(func, walked, body, span, out);
        // The root now reads the new array.
        func.exprs[root].kind = ExprKind::Local(result);
        Ok(())
    }

    /// `y op= rhs` on an array `y`: one walk writing `y`'s elements.
    fn update_in_place(
        &mut self,
        func: &mut Function<Untyped>,
        y: LocalId,
        value: ExprId,
        span: Span,
        out: &mut Vec<Stmt>,
        dead: &mut HashSet<ExprId>,
    ) -> R<()> {
        let at = self.array_of(y, span)?;
        let name = func.local(y).name.clone();
        if !at.writable {
            return Err(Diagnostic::new(
                format!("cannot assign through `{name}`: it is a read-only array"),
                span,
                "the elements are written here",
            )
            .with_help(format!(
                "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
            )));
        }
        let ExprKind::Binary(op, target, rhs) = func.expr(value).kind else {
            unreachable!("a compound assignment")
        };
        unreach(func, value, dead);
        unreach(func, target, dead);
        if let Type::Array(r) = self.settle(self.exprs[rhs], span)? {
            if r.ndim > at.ndim {
                return Err(Diagnostic::new(
                    format!(
                        "cannot stretch a {}-D array onto the {}-D `{name}`",
                        r.ndim, at.ndim
                    ),
                    span,
                    format!("`{name}` is updated in place with a larger array"),
                )
                .with_help(
                    "the right side of an in-place update broadcasts to the updated array's shape: assign the result to a new array (`let z = &y + &x;`)",
                ));
            }
        }
        let mut g = Group::default();
        let (r, shape) = self.element(func, rhs, &mut g, out, dead)?;
        // ndarray stretches the right side's value to `y`'s shape, then each array of it.
        if let Some(shape) = shape.filter(|s| !g.arrays.iter().any(|(a, _)| a == s)) {
            self.broadcast_view(func, (shape, y), true, span, out);
        }
        self.stretch(func, &mut g, y, span, out);
        if g.arrays.iter().any(|&(a, _)| self.same_array(func, a, y)) {
            return Err(Diagnostic::new(
                format!(
                    "cannot borrow `{name}` as immutable because it is also borrowed as mutable"
                ),
                span,
                format!("`{name}` is updated and read here"),
            )
            .with_help(format!("copy it first: `let old = {name}.to_owned();`")));
        }
        let ty = self.get(at.elem);
        let State::Known(Type::Scalar(elem)) = ty else {
            return Err(Diagnostic::new(
                "type annotations needed for the elements of this array",
                span,
                "cannot infer the element type",
            ));
        };
        let e = self.temp_local(func, "y", Type::Scalar(elem), span);
        let cur = self.read(func, e, span);
        let next = self.element_op(func, ExprKind::Binary(op, cur, r), Type::Scalar(elem), span)?;
        let mut walked = vec![EachArray {
            array: y,
            elem: e,
            mutable: true,
        }];
        walked.extend(g.arrays.into_iter().map(|(array, elem)| EachArray {
            array,
            elem,
            mutable: false,
        }));
        let mut body = Block { stmts: g.stmts };
        body.stmts.push(assign(e, next, span));
        self.push_walk(func, walked, body, span, out);
        Ok(())
    }

    /// Whether array local `a` is `y` or a view bound to one of `y`'s borrows.
    fn same_array(&self, func: &Function<Untyped>, a: LocalId, y: LocalId) -> bool {
        a == y
            || walk::assignments(&func.body)
                .iter()
                .any(|&(l, v)| l == a && walk::array_operand(&func.expr(v).kind) == Some(y))
    }

    fn push_walk(
        &mut self,
        func: &mut Function<Untyped>,
        arrays: Vec<EachArray>,
        body: Block,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let each = Each {
            arrays,
            index: EachIndex::None,
            body,
            identity: None,
            parallel: false,
            stretch: false,
            span,
        };
        let e = self.node(func, ExprKind::Each(Box::new(each)), Type::Unit, span);
        out.push(Stmt::Eval(e));
    }

    /// `view = array` broadcast with `with` (`onto` its shape, or to the common shape): a new
    /// local (statements into `out`).
    pub(super) fn broadcast_view(
        &mut self,
        func: &mut Function<Untyped>,
        (array, with): (LocalId, LocalId),
        onto: bool,
        span: Span,
        out: &mut Vec<Stmt>,
    ) -> LocalId {
        let (State::Array(a), State::Array(w)) =
            (self.get(self.locals[array]), self.get(self.locals[with]))
        else {
            unreachable!("broadcast arrays are typed")
        };
        let State::Known(Type::Scalar(elem)) = self.get(a.elem) else {
            unreachable!("fused arrays have settled element types")
        };
        let ty = Type::Array(ArrayType::view(
            elem,
            a.ndim.max(w.ndim),
            Layout::Strided,
            false,
        ));
        let kind = ExprKind::Broadcast { array, with, onto };
        let value = self.node(func, kind, ty, span);
        let view = self.temp_local(func, "broadcast", ty, span);
        out.push(assign(view, value, span));
        view
    }

    /// Every array of `g` but `shape` itself read through a view broadcast onto `shape`'s shape.
    fn stretch(
        &mut self,
        func: &mut Function<Untyped>,
        g: &mut Group,
        shape: LocalId,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        for k in 0..g.arrays.len() {
            let array = g.arrays[k].0;
            if array != shape {
                g.arrays[k].0 = self.broadcast_view(func, (array, shape), true, span, out);
            }
        }
    }

    /// The element-wise operator `kind` of elements of type `elem`: of complex elements a call
    /// of the prelude function that computes it, as for the operators of complex scalars.
    fn element_op(
        &mut self,
        func: &mut Function<Untyped>,
        kind: ExprKind<Untyped>,
        elem: Type,
        span: Span,
    ) -> R<ExprId> {
        let op = match kind {
            ExprKind::Binary(op, ..) => Some(op),
            _ => None,
        };
        let e = self.node(func, kind, elem, span);
        if let Type::Scalar(c) = elem {
            if c.is_complex() {
                // `array_unary` lets only `-` through to complex elements.
                match op {
                    Some(op) => self.complex_arith(e, span, op, c, (true, true))?,
                    None => self.complex_neg(e, span, c)?,
                }
            }
        }
        Ok(e)
    }

    /// The element-wise form of `e`: array operators become scalar operators of the same kind
    /// over the elements of the group's arrays (`g`), a `mapv` its closure's statements (into
    /// `g`) and value; array leaves that are not a named array, and scalar operands that are
    /// not constants or locals, are evaluated into temporaries first (statements into `out`).
    /// Also returns an array of the value's shape (`None` for a scalar): each operator of two
    /// arrays co-broadcasts their shapes into a view, in the order ndarray evaluates them, so a
    /// failure names the shapes ndarray's would.
    fn element(
        &mut self,
        func: &mut Function<Untyped>,
        e: ExprId,
        g: &mut Group,
        out: &mut Vec<Stmt>,
        dead: &mut HashSet<ExprId>,
    ) -> R<(ExprId, Option<LocalId>)> {
        let span = func.expr(e).span;
        if self.is_array_op(func, e) {
            let Type::Array(t) = self.settle(self.exprs[e], span)? else {
                unreachable!("an array operator")
            };
            let (kind, shape) = match func.expr(e).kind.clone() {
                ExprKind::Binary(op, a, b) => {
                    let (a, sa) = self.element(func, a, g, out, dead)?;
                    let (b, sb) = self.element(func, b, g, out, dead)?;
                    let shape = match (sa, sb) {
                        (Some(x), Some(y)) if x != y => {
                            Some(self.broadcast_view(func, (x, y), false, span, out))
                        }
                        (x, y) => x.or(y),
                    };
                    (ExprKind::Binary(op, a, b), shape)
                }
                ExprKind::Unary(op, x) => {
                    let (x, shape) = self.element(func, x, g, out, dead)?;
                    (ExprKind::Unary(op, x), shape)
                }
                ExprKind::Call { func: callee, args } => {
                    // A `vectorize` function: its arguments co-broadcast left to right.
                    let inst = self.calls.remove(&e).expect("a typed call");
                    let mut elems = Vec::with_capacity(args.len());
                    let mut shape = None;
                    for a in args {
                        let (x, other) = self.element(func, a, g, out, dead)?;
                        elems.push(x);
                        shape = match (shape, other) {
                            (Some(x), Some(y)) if x != y => {
                                Some(self.broadcast_view(func, (x, y), false, span, out))
                            }
                            (x, y) => x.or(y),
                        };
                    }
                    let kind = ExprKind::Call {
                        func: callee,
                        args: elems,
                    };
                    let call = self.node(func, kind, t.elem_type(), span);
                    self.calls.insert(call, inst);
                    unreach(func, e, dead);
                    return Ok((call, shape));
                }
                ExprKind::Map(m) => {
                    // The closure's statements run in the walk's body, its parameter bound to
                    // the operand's element.
                    let (x, shape) = self.element(func, m.operand, g, out, dead)?;
                    g.stmts.push(assign(m.elem, x, span));
                    // `Zip` asserts one shape (no broadcasting).
                    for (y, elem) in m.zipped {
                        let (y, other) = self.element(func, y, g, out, dead)?;
                        g.stmts.push(assign(elem, y, span));
                        if let (Some(a), Some(b)) = (shape, other) {
                            if a == b {
                                continue;
                            }
                            let check = ExprKind::SameShape { a, b };
                            let check = self.node(func, check, Type::Unit, span);
                            out.push(Stmt::Eval(check));
                        }
                    }
                    let body = self.fuse_block(func, m.body, dead)?;
                    g.stmts.extend(body.stmts);
                    unreach(func, e, dead);
                    return Ok((m.value, shape));
                }
                _ => unreachable!("an array operator"),
            };
            unreach(func, e, dead);
            return Ok((self.element_op(func, kind, t.elem_type(), span)?, shape));
        }
        let ty = self.settle(self.exprs[e], span)?;
        match (ty, &func.expr(e).kind) {
            (Type::Array(t), kind) => {
                let array = match *kind {
                    ExprKind::Local(l) | ExprKind::Borrow { array: l, .. } => {
                        unreach(func, e, dead);
                        l
                    }
                    _ => {
                        let l = self.temp_local(func, "operand", ty, span);
                        out.push(assign(l, e, span));
                        l
                    }
                };
                let elem = match g.arrays.iter().find(|(a, _)| *a == array) {
                    Some(&(_, elem)) => elem,
                    None => {
                        let elem = self.temp_local(func, "elem", t.elem_type(), span);
                        g.arrays.push((array, elem));
                        elem
                    }
                };
                Ok((self.read(func, elem, span), Some(array)))
            }
            (Type::Scalar(_), ExprKind::Const(_) | ExprKind::Lit(_) | ExprKind::Local(_)) => {
                Ok((e, None))
            }
            (Type::Scalar(_), _) => {
                let l = self.temp_local(func, "scalar", ty, span);
                out.push(assign(l, e, span));
                Ok((self.read(func, l, span), None))
            }
            _ => Err(Diagnostic::new(
                "this operand is not a number or an array",
                span,
                "here",
            )),
        }
    }
}

/// The first store into an array in `b` (at any depth).
pub(super) fn writes(b: &Block) -> Option<Span> {
    b.stmts.iter().find_map(|s| match s {
        Stmt::Store { span, .. } | Stmt::Update { span, .. } => Some(*span),
        Stmt::If {
            then_body,
            else_body,
            ..
        } => writes(then_body).or_else(|| writes(else_body)),
        Stmt::Loop { body } | Stmt::For { body, .. } => writes(body),
        _ => None,
    })
}

/// Takes `e`, no longer reached, out of the typed function.
fn unreach(func: &mut Function<Untyped>, e: ExprId, dead: &mut HashSet<ExprId>) {
    func.exprs[e].kind = ExprKind::Const(Const::bool(false));
    dead.insert(e);
}

/// The expressions a statement evaluates directly, in order (not those of nested blocks).
fn stmt_exprs(s: &Stmt) -> Vec<ExprId> {
    match s {
        Stmt::Assign { value, .. } | Stmt::Unpack { value, .. } => vec![*value],
        Stmt::Eval(e) => vec![*e],
        Stmt::Store { index, value, .. } | Stmt::Update { index, value, .. } => {
            index.iter().chain([value]).copied().collect()
        }
        Stmt::Return { value, .. } => value.iter().copied().collect(),
        _ => Vec::new(),
    }
}
