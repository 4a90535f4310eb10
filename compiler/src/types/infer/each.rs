//! Whole-array walks ([`Each`]: `for v in x.iter()`, `x.fill(v)`, `Zip`): their typing, and
//! their expansion into index loops once every array's number of dimensions is known.
//!
//! In: an untyped [`ExprKind::Each`] and the types inference has solved. Out: its type (`()`)
//! and, in `finish`, in its place, a nest of counted `for` loops over the first array's extents
//! (logical, row-major order, as ndarray iterates) binding each element with a checked load and
//! writing a mutably borrowed element back with a checked store after every assignment of its
//! binding, after a check that the zipped arrays have the first one's shape (`SameShape`). The typed IR therefore holds only loops, loads and stores: the interpreter, the
//! passes, the back ends and the race check of `prange` need nothing new. Rustc's rules are
//! checked here: a mutable borrow needs a writable array, an array walked mutably is not walked
//! or touched otherwise in the body, and zipped arrays have one number of dimensions.
//!
//! A parallel walk's first loop is a `prange`; that of one over two or more axes is marked
//! ([`ForRange::spread`]) for `passes::spread`, which on the CPU gives the nest a copy per axis,
//! chosen at run time by the extents, and for `passes::flatten`, which on the GPU makes it one
//! `prange` over all the elements.

use super::unify::State;
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

/// What [`Infer::rebuild`] makes of a statement that holds no block.
type Leaf<'l, 's, 'p> =
    dyn FnMut(&mut Infer<'s, 'p>, &mut Function<Untyped>, Stmt) -> R<Vec<Stmt>> + 'l;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn each(&mut self, each: &Each) -> R<()> {
        let span = each.span;
        let mut first: Option<(LocalId, super::unify::ArrayVar)> = None;
        for (k, a) in each.arrays.iter().enumerate() {
            let at = self.array_of(a.array, span)?;
            let name = self.func.local(a.array).name.clone();
            if a.mutable && !at.writable {
                return Err(Diagnostic::new(
                    format!("cannot borrow `{name}` as mutable: it is a read-only array"),
                    span,
                    "the elements are written here",
                )
                .with_help(format!(
                    "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
                )));
            }
            if a.mutable {
                self.owner_is_mut(a.array, at, span)?;
            }
            if let Some((f, ft)) = first {
                if ft.ndim != at.ndim && !(each.stretch && at.ndim < ft.ndim) {
                    let fname = &self.func.local(f).name;
                    return Err(Diagnostic::new(
                        "arrays walked together must have the same number of dimensions",
                        span,
                        format!("`{fname}` is {}-D, `{name}` is {}-D", ft.ndim, at.ndim),
                    )
                    .with_help(
                        "zip arrays of one number of dimensions: `Zip::from(&mut y).and_broadcast(&row)` stretches one of fewer axes (as `y.assign(&row)` does)",
                    ));
                }
            } else {
                first = Some((a.array, at));
            }
            if each.arrays[..k]
                .iter()
                .any(|b| b.array == a.array && (a.mutable || b.mutable))
            {
                return Err(Diagnostic::new(
                    format!("cannot borrow `{name}` as mutable while it is also borrowed"),
                    span,
                    format!("`{name}` is walked twice here"),
                )
                .with_help("walk each array once; copy it first to read and write it together"));
            }
            let v = self.locals[a.elem];
            self.unify(v, at.elem).map_err(|_| {
                Diagnostic::new("internal: element binding typed twice", span, "here")
            })?;
        }
        let Some((_, at)) = first else {
            return Err(Diagnostic::new(
                "internal: a walk over no arrays",
                span,
                "here",
            ));
        };
        // std sums and multiplies `&T` into `T` only.
        if let Some((acc, _)) = each.identity {
            let v = self.locals[acc];
            let elem = self.get(at.elem).describe();
            self.unify(v, at.elem).map_err(|(got, _)| {
                Diagnostic::new(
                    "mismatched types",
                    span,
                    format!("the elements are `{elem}`, the result `{}`", got.describe()),
                )
                .with_help(format!("sum into the element type: `.sum::<{elem}>()`"))
            })?;
        }
        let usize_ = Type::Scalar(Scalar::Usize);
        let index = match &each.index {
            EachIndex::None => Vec::new(),
            EachIndex::Flat(l) => vec![*l],
            EachIndex::Axes { locals, tuple } => {
                let n = at.ndim as usize;
                if *tuple != (n >= 2) || (*tuple && locals.len() != n) {
                    let names = ["i", "j", "k", "l", "m", "n", "o", "p"][..n.min(8)].join(", ");
                    let help = match n {
                        1 => "a 1-D array's index is one `usize`: write `for (i, v) in x.indexed_iter()`".to_string(),
                        _ => format!("write one name per axis: `for (({names}), v) in x.indexed_iter()`"),
                    };
                    return Err(Diagnostic::new(
                        format!("mismatched types: the index of a {n}-D array"),
                        span,
                        format!("the pattern does not match a {n}-D index"),
                    )
                    .with_help(help));
                }
                locals.clone()
            }
        };
        for l in index {
            let v = self.locals[l];
            self.unify_with(v, usize_).map_err(|(_, got)| {
                Diagnostic::new(
                    "mismatched types",
                    self.func.local(l).span,
                    format!("expected `usize`, found `{}`", got.describe()),
                )
            })?;
        }
        self.block(&each.body)?;
        self.borrows(each)
    }

    /// Rustc's borrow rules over the body: an array walked mutably is neither read, written,
    /// walked nor passed on there, and one walked immutably is not written.
    fn borrows(&self, each: &Each) -> R<()> {
        let func = self.func;
        let mut conflict = None;
        let touched = |array: LocalId, write: bool| {
            each.arrays
                .iter()
                .any(|a| a.array == array && (write || a.mutable))
        };
        visit(func, &each.body, &mut |kind, span| {
            let hit = match kind {
                Touch::Read(a) => touched(a, false),
                Touch::Write(a) => touched(a, true),
                Touch::Walk(w) => w.arrays.iter().any(|b| touched(b.array, b.mutable)),
            };
            if hit && conflict.is_none() {
                conflict = Some(span);
            }
        });
        match conflict {
            None => Ok(()),
            Some(at) => Err(Diagnostic::new(
                "cannot use an array while a walk borrows it",
                at,
                "used here",
            )
            .with_label(each.span, "borrowed by this walk")
            .with_help("read and write the array through the walk's element bindings, or use an index loop")),
        }
    }

    /// Replaces every walk of `func` by its loops; returns the expressions that held the walks,
    /// no longer reached (they get no type).
    pub(super) fn expand_walks(&mut self, func: &mut Function<Untyped>) -> R<HashSet<ExprId>> {
        let mut dead = HashSet::new();
        let body = std::mem::take(&mut func.body);
        func.body = self.expand_block(func, body, &mut dead)?;
        Ok(dead)
    }

    fn expand_block(
        &mut self,
        func: &mut Function<Untyped>,
        b: Block,
        dead: &mut HashSet<ExprId>,
    ) -> R<Block> {
        self.rebuild(func, b, &mut |inf, func, s| match s {
            Stmt::Eval(e) if matches!(func.expr(e).kind, ExprKind::Each(_)) => {
                let placeholder = ExprKind::Const(Const::bool(false));
                let ExprKind::Each(each) = std::mem::replace(&mut func.exprs[e].kind, placeholder)
                else {
                    unreachable!("matched above")
                };
                dead.insert(e);
                inf.expand_each(func, *each, dead)
            }
            Stmt::Eval(e) if matches!(func.expr(e).kind, ExprKind::Reduce(_)) => {
                let placeholder = ExprKind::Const(Const::bool(false));
                let ExprKind::Reduce(r) = std::mem::replace(&mut func.exprs[e].kind, placeholder)
                else {
                    unreachable!("matched above")
                };
                dead.insert(e);
                // A closure's body (`fold_axis`, `map_axis`) may hold walks and reductions.
                let mut r = *r;
                r.body = inf.expand_block(func, std::mem::take(&mut r.body), dead)?;
                inf.expand_reduce(func, r)
            }
            s => Ok(vec![s]),
        })
    }

    /// `b` rebuilt statement by statement: `leaf` maps each statement that holds no block (to
    /// any number of statements); the blocks of the others are rebuilt the same way.
    pub(super) fn rebuild(
        &mut self,
        func: &mut Function<Untyped>,
        b: Block,
        leaf: &mut Leaf<'_, 's, 'p>,
    ) -> R<Block> {
        let mut stmts = Vec::with_capacity(b.stmts.len());
        for s in b.stmts {
            match s {
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => stmts.push(Stmt::If {
                    cond,
                    then_body: self.rebuild(func, then_body, leaf)?,
                    else_body: self.rebuild(func, else_body, leaf)?,
                }),
                Stmt::Loop { body } => stmts.push(Stmt::Loop {
                    body: self.rebuild(func, body, leaf)?,
                }),
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => stmts.push(Stmt::For {
                    var,
                    range,
                    body: self.rebuild(func, body, leaf)?,
                    span,
                }),
                other => stmts.extend(leaf(self, func, other)?),
            }
        }
        Ok(Block { stmts })
    }

    fn expand_each(
        &mut self,
        func: &mut Function<Untyped>,
        each: Each,
        dead: &mut HashSet<ExprId>,
    ) -> R<Vec<Stmt>> {
        let span = each.span;
        let first = each.arrays[0].array;
        let Type::Array(at) = self.settle(self.locals[first], span)? else {
            return Err(Diagnostic::new(
                "internal: a walk over a non-array",
                span,
                "here",
            ));
        };
        let n = at.ndim as usize;
        // ndarray's `assign`: the others walked through views stretched onto the first (fewer
        // axes, or axes of extent 1; the broadcast fails the call where it does not fit, as
        // ndarray panics).
        let mut pre = Vec::new();
        let mut each = each;
        if each.stretch {
            for k in 1..each.arrays.len() {
                let a = each.arrays[k].array;
                if let Type::Array(t) = self.settle(self.locals[a], span)? {
                    // (Same-rank stretching for scalar elements: an array of structs of one
                    // rank is walked as it is, its shape checked.)
                    if t.ndim < at.ndim || (t.ndim == at.ndim && t.elem.scalar().is_some()) {
                        each.arrays[k].array =
                            self.broadcast_view(func, (a, first), true, span, &mut pre);
                    }
                }
            }
        }
        let body = self.expand_block(func, each.body, dead)?;
        if n >= 2 && crate::ir::walk::breaks_out(&body) {
            return Err(Diagnostic::new(
                format!("`break` out of a walk over a {n}-D array is not supported"),
                span,
                "this walk is several nested loops",
            )
            .with_help("walk a 1-D array, or write the nested index loops and a flag"));
        }
        let usize_ = Type::Scalar(Scalar::Usize);
        // One counter per axis (a 0-D array: one pass, no index).
        let axes: Vec<LocalId> = (0..n.max(1))
            .map(|k| self.temp_local(func, &format!("ax{k}"), usize_, span))
            .collect();
        let index = &axes[..n];
        let muts: Vec<(LocalId, LocalId)> = each
            .arrays
            .iter()
            .filter(|a| a.mutable)
            .map(|a| (a.elem, a.array))
            .collect();
        let body = self.write_through(func, body, &muts, index, span)?;
        // ndarray's `Zip` asserts one shape before it starts.
        if let Some((acc, fold)) = each.identity {
            let State::Known(Type::Scalar(s)) = self.get(self.locals[acc]) else {
                return Err(Diagnostic::new(
                    "internal: an untyped accumulator",
                    span,
                    "here",
                ));
            };
            let init = self.node(
                func,
                ExprKind::Const(fold.identity(s)),
                Type::Scalar(s),
                span,
            );
            pre.push(assign(acc, init, span));
        }
        for a in &each.arrays[1..] {
            let check = ExprKind::SameShape {
                a: first,
                b: a.array,
            };
            pre.push(Stmt::Eval(self.node(func, check, Type::Unit, span)));
        }
        let mut inner = Vec::new();
        match &each.index {
            EachIndex::None => {}
            EachIndex::Flat(pos) if n == 1 => {
                let value = self.read(func, axes[0], span);
                inner.push(assign(*pos, value, span));
            }
            EachIndex::Flat(pos) => {
                let count = self.temp_local(func, "pos", usize_, span);
                let zero = self.node(
                    func,
                    ExprKind::Const(Const::int(Scalar::Usize, 0)),
                    usize_,
                    span,
                );
                pre.push(assign(count, zero, span));
                let value = self.read(func, count, span);
                inner.push(assign(*pos, value, span));
                let cur = self.read(func, count, span);
                let one = self.node(
                    func,
                    ExprKind::Const(Const::int(Scalar::Usize, 1)),
                    usize_,
                    span,
                );
                let next = self.node(func, ExprKind::Binary(BinOp::Add, cur, one), usize_, span);
                inner.push(assign(count, next, span));
            }
            EachIndex::Axes { locals, .. } => {
                for (&l, &ax) in locals.iter().zip(index) {
                    let value = self.read(func, ax, span);
                    inner.push(assign(l, value, span));
                }
            }
        }
        for a in &each.arrays {
            let index = index.iter().map(|&ax| self.read(func, ax, span)).collect();
            let load = ExprKind::Load {
                array: a.array,
                index,
                checked: true,
            };
            let Type::Array(t) = self.settle(self.locals[a.array], span)? else {
                return Err(Diagnostic::new(
                    "internal: a walk over a non-array",
                    span,
                    "here",
                ));
            };
            let value = self.node(func, load, t.elem_type(), span);
            inner.push(assign(a.elem, value, span));
        }
        inner.extend(body.stmts);
        let mut block = Block { stmts: inner };
        for k in (0..axes.len()).rev() {
            let end = match n {
                0 => ExprKind::Const(Const::int(Scalar::Usize, 1)),
                1 => ExprKind::Shape {
                    array: first,
                    query: ShapeQuery::Len,
                },
                _ => ExprKind::Shape {
                    array: first,
                    query: ShapeQuery::Dim(k as u8),
                },
            };
            let end = self.node(func, end, usize_, span);
            let start = self.node(
                func,
                ExprKind::Const(Const::int(Scalar::Usize, 0)),
                usize_,
                span,
            );
            let range = ForRange {
                // A 0-D array's one pass is no loop to spread.
                parallel: each.parallel && k == 0 && n > 0,
                // `passes::spread` may move the `prange` to a later axis when the first is short.
                spread: each.parallel && k == 0 && n >= 2,
                ..ForRange::upto(start, end)
            };
            block = Block {
                stmts: vec![Stmt::For {
                    var: axes[k],
                    range,
                    body: block,
                    span,
                }],
            };
        }
        pre.extend(block.stmts);
        Ok(pre)
    }

    /// `b` with a store of each mutably borrowed element after every assignment of its binding.
    fn write_through(
        &mut self,
        func: &mut Function<Untyped>,
        b: Block,
        muts: &[(LocalId, LocalId)],
        index: &[LocalId],
        span: Span,
    ) -> R<Block> {
        self.rebuild(func, b, &mut |inf, func, s| {
            let Stmt::Assign { local, .. } = s else {
                return Ok(vec![s]);
            };
            let Some(&(elem, array)) = muts.iter().find(|m| m.0 == local) else {
                return Ok(vec![s]);
            };
            let value = inf.read(func, elem, span);
            let index = index.iter().map(|&ax| inf.read(func, ax, span)).collect();
            let store = Stmt::Store {
                array,
                index,
                value,
                span,
                checked: true,
            };
            Ok(vec![s, store])
        })
    }

    /// A new expression of a known type.
    pub(super) fn node(
        &mut self,
        func: &mut Function<Untyped>,
        kind: ExprKind<Untyped>,
        ty: Type,
        span: Span,
    ) -> ExprId {
        let e = func.add_expr(kind, span);
        let v = self.fresh(State::Known(ty));
        self.exprs.insert(e, v);
        e
    }

    pub(super) fn read(&mut self, func: &mut Function<Untyped>, l: LocalId, span: Span) -> ExprId {
        // A scalar's state is `Known`; a struct element's a settled `Tuple`.
        let ty = match self.get(self.locals[l]) {
            State::Known(ty) => ty,
            State::Tuple(_) => self
                .settle(self.locals[l], span)
                .unwrap_or_else(|_| unreachable!("a walk's struct element is typed")),
            _ => unreachable!("walk locals are typed before their reads are made"),
        };
        self.node(func, ExprKind::Local(l), ty, span)
    }

    pub(super) fn temp_local(
        &mut self,
        func: &mut Function<Untyped>,
        name: &str,
        ty: Type,
        span: Span,
    ) -> LocalId {
        let l = func.add_local(LocalDecl {
            name: format!("each.{name}"),
            ann: TypeAnn::Infer,
            mutable: true,
            span,
            temp: true,
        });
        let v = self.fresh(State::Known(ty));
        self.locals.insert(l, v);
        l
    }
}

pub(super) fn assign(local: LocalId, value: ExprId, span: Span) -> Stmt {
    Stmt::Assign { local, value, span }
}

/// What the body of a walk does with an array.
enum Touch<'a> {
    Read(LocalId),
    Write(LocalId),
    Walk(&'a Each),
}

/// Calls `f` for every array access of `b` (loads, stores, array arguments of calls, walks).
fn visit<'a>(func: &'a Function<Untyped>, b: &'a Block, f: &mut impl FnMut(Touch<'a>, Span)) {
    for s in &b.stmts {
        match s {
            Stmt::Assign { value, .. } => visit_expr(func, *value, f),
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            }
            | Stmt::Update {
                array,
                index,
                value,
                span,
                ..
            } => {
                f(Touch::Write(*array), *span);
                index
                    .iter()
                    .chain([value])
                    .for_each(|e| visit_expr(func, *e, f));
            }
            Stmt::Eval(e) | Stmt::Unpack { value: e, .. } => visit_expr(func, *e, f),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                visit_expr(func, *cond, f);
                visit(func, then_body, f);
                visit(func, else_body, f);
            }
            Stmt::Loop { body } => visit(func, body, f),
            Stmt::For { range, body, .. } => {
                [range.start, range.end]
                    .into_iter()
                    .chain(range.step)
                    .for_each(|e| visit_expr(func, e, f));
                visit(func, body, f);
            }
            Stmt::Return { value, .. } => value.iter().for_each(|e| visit_expr(func, *e, f)),
            Stmt::Break | Stmt::Continue => {}
        }
    }
}

fn visit_expr<'a>(func: &'a Function<Untyped>, e: ExprId, f: &mut impl FnMut(Touch<'a>, Span)) {
    let expr = func.expr(e);
    match &expr.kind {
        ExprKind::Load { array, .. } => f(Touch::Read(*array), expr.span),
        // A view of an array, or an array passed by `&x` / `&mut x`: a borrow of it.
        ExprKind::Borrow { array, mutable } | ExprKind::Slice { array, mutable, .. } => {
            let touch = if *mutable {
                Touch::Write(*array)
            } else {
                Touch::Read(*array)
            };
            f(touch, expr.span)
        }
        // An array passed to a function: a borrow of it.
        ExprKind::Local(l) if is_call_arg(func, e) => f(Touch::Read(*l), expr.span),
        ExprKind::Each(each) => {
            f(Touch::Walk(each), each.span);
            visit(func, &each.body, f);
        }
        _ => {}
    }
    for c in walk::children(&expr.kind) {
        visit_expr(func, c, f);
    }
}

/// Whether `e` is an argument of a call (where an array local is passed by name).
fn is_call_arg(func: &Function<Untyped>, e: ExprId) -> bool {
    func.exprs
        .values()
        .any(|x| matches!(&x.kind, ExprKind::Call { args, .. } if args.contains(&e)))
}
