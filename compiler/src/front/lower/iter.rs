//! Whole-array iteration: `for v in x.iter()` (`iter_mut`, `.enumerate()`, `indexed_iter`,
//! `x.iter_mut().zip(y.iter())`), `x.fill(v)`, `y.assign(&x)`, `x.map_inplace(|v| ..)`,
//! `Zip::from(&mut a).and(&b).for_each(|a, &b| ..)` and ndarray's `par_*` forms of them (the
//! values computed by walks, `x.sum()` and std's folds of `x.iter()`, are in `folds`).
//!
//! In: the `for` loops and statement-position method calls that walk arrays, and the `*v` reads
//! and writes of the element bindings they introduce. Out: one [`ExprKind::Each`] per walk (see
//! `ir::each`), evaluated as a statement (a fold's value is then its accumulator, a temporary),
//! whose body is lowered like a loop body; `types` expands
//! it into index loops once it knows each array's number of dimensions. Closures are inlined:
//! their parameters become the element bindings, and a closure anywhere else is an error.

use super::hints::unknown_value;
use super::syntax::strip_parens;
use super::*;

/// How the body may use an element binding, as rustc types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ElemRef {
    /// `v` of `x.iter()`: a `&T`, read as `v` or `*v`.
    Shared,
    /// `v` of `x.iter_mut()`: a `&mut T`, read as `*v` (or `v` where rustc derefs it), written
    /// as `*v = ..` / `*v += ..`.
    Unique,
}

pub(super) const ITER_HINT: &str = "iterate with `x.iter()` (or `for v in &x`), `x.iter_mut()` (or `for v in &mut x`), `x.iter().enumerate()`, `x.indexed_iter()`, `x.rows()` or `x.axis_iter(Axis(k))`, or over a range `0..n`";

/// The methods of an array receiver that start a walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Iter,
    IterMut,
    Indexed,
    IndexedMut,
}

impl Walk {
    fn from_name(name: &str) -> Option<Walk> {
        Some(match name {
            "iter" | "into_iter" => Walk::Iter,
            "iter_mut" => Walk::IterMut,
            "indexed_iter" => Walk::Indexed,
            "indexed_iter_mut" => Walk::IndexedMut,
            _ => return None,
        })
    }

    fn mutable(self) -> bool {
        matches!(self, Walk::IterMut | Walk::IndexedMut)
    }
}

/// Whether `e` names an array as a `for` loop's iterator (`for v in x`, `for v in &x`,
/// `for v in &mut x`): ranges are not values in kernels, so a name there is an array.
fn array_iterable(e: &syn::Expr) -> Option<(Walk, &syn::Expr)> {
    let name = |e: &syn::Expr| matches!(strip_parens(e), syn::Expr::Path(p) if p.path.get_ident().is_some());
    match strip_parens(e) {
        e if name(e) => Some((Walk::Iter, e)),
        syn::Expr::Reference(r) if name(&r.expr) => Some((
            if r.mutability.is_some() {
                Walk::IterMut
            } else {
                Walk::Iter
            },
            &r.expr,
        )),
        _ => None,
    }
}

/// Whether `e` is a walk over an array a `for` loop can take (`x.iter()`, ...).
pub(super) fn is_walk(e: &syn::Expr) -> bool {
    if array_iterable(e).is_some() {
        return true;
    }
    match strip_parens(e) {
        syn::Expr::MethodCall(mc) if mc.method == "enumerate" && mc.args.is_empty() => {
            is_walk(&mc.receiver)
        }
        syn::Expr::MethodCall(mc) => {
            mc.args.is_empty() && Walk::from_name(&mc.method.to_string()).is_some()
        }
        _ => false,
    }
}

/// Whether a statement-position expression is a walk written as a method call.
pub(super) fn is_walk_stmt(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::MethodCall(mc) => {
            matches!(
                mc.method.to_string().as_str(),
                "fill" | "assign" | "map_inplace" | "mapv_inplace" | "accumulate_axis_inplace"
            ) || ((mc.method == "for_each" || mc.method == "par_for_each") && is_zip(&mc.receiver))
                || matches!(
                    mc.method.to_string().as_str(),
                    "par_map_inplace" | "par_mapv_inplace"
                )
        }
        _ => false,
    }
}

/// `Zip::from(..)` followed by any number of method calls (`.and(..)`, `.and_broadcast(..)`;
/// `zip_arrays` names the others it does not support).
fn is_zip(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::MethodCall(mc) => is_zip(&mc.receiver),
        // `Zip::from`, `ndarray::Zip::from`.
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if matches!(super::syntax::path_names(&p.path).as_slice(),
                [.., zip, from] if zip == "Zip" && from == "from")),
        _ => false,
    }
}

impl FnLowerer<'_> {
    /// `for PAT in x.iter() { body }` and its relatives.
    pub(super) fn for_walk(&mut self, f: &syn::ExprForLoop) -> R<()> {
        let (walk, enumerate, recv) = walk_of(&f.expr)?;
        let array = self.array_name(recv)?;
        let indexed = matches!(walk, Walk::Indexed | Walk::IndexedMut);
        let span = Span::of(f);
        if let Some(label) = &f.label {
            return Err(FrontError::new(
                label,
                "labels on loops over array elements are not supported",
            )
            .hint("label an index loop instead: `'rows: for i in 0..x.len()`"));
        }
        let (body, (index, elem), frame) = self.in_loop(LoopFrame::new(None, false, None), |l| {
            let (index_pat, elem_pat) = if enumerate || indexed {
                let syn::Pat::Tuple(t) = strip_pat(&f.pat) else {
                    return Err(FrontError::new(&f.pat, "expected a pair `(i, v)`")
                        .hint("write `for (i, v) in x.iter().enumerate()` or `for ((i, j), v) in x.indexed_iter()`"));
                };
                if t.elems.len() != 2 {
                    return Err(FrontError::new(t, "expected a pair `(i, v)`"));
                }
                (Some(&t.elems[0]), &t.elems[1])
            } else {
                (None, &*f.pat)
            };
            let index = match index_pat {
                None => EachIndex::None,
                Some(p) if enumerate => EachIndex::Flat(l.bind_name(p)?),
                Some(p) => match strip_pat(p) {
                    syn::Pat::Tuple(t) => EachIndex::Axes {
                        locals: t.elems.iter().map(|p| l.bind_name(p)).collect::<R<_>>()?,
                        tuple: true,
                    },
                    p => EachIndex::Axes {
                        locals: vec![l.bind_name(p)?],
                        tuple: false,
                    },
                },
            };
            let elem = l.bind_elem(elem_pat, walk.mutable())?;
            l.block_effects(&f.body)?;
            Ok((index, elem))
        })?;
        if frame.leaves_outer_loops() {
            return Err(FrontError::new(
                f,
                "a labelled `break` or `continue` leaves this loop over array elements",
            )
            .hint(
                "loop over indices (`for i in 0..x.len()`) to jump out of nested loops by label",
            ));
        }
        self.emit_each(
            vec![EachArray {
                array,
                elem,
                mutable: walk.mutable(),
            }],
            index,
            body,
            None,
            span,
        );
        Ok(())
    }

    /// `for (a, b) in x.iter_mut().zip(y.iter())` (either side `iter()`, `iter_mut()`, `&y` or
    /// `&mut y`, one of them mutable): both arrays walked in step, as a `Zip` walks them (the
    /// same shape; different shapes are an `Err`, where std's `zip` stops at the shorter).
    /// `None` when the loop is no such walk (all-shared zips are iterator chains, `chain`).
    pub(super) fn zip_walk(&mut self, f: &syn::ExprForLoop) -> Option<R<()>> {
        fn side(e: &syn::Expr) -> Option<(&syn::Expr, bool)> {
            match strip_parens(e) {
                syn::Expr::MethodCall(mc) if mc.args.is_empty() && mc.method == "iter" => {
                    Some((&mc.receiver, false))
                }
                syn::Expr::MethodCall(mc) if mc.args.is_empty() && mc.method == "iter_mut" => {
                    Some((&mc.receiver, true))
                }
                syn::Expr::Reference(r) => Some((&r.expr, r.mutability.is_some())),
                _ => None,
            }
        }
        let syn::Expr::MethodCall(zip) = strip_parens(&f.expr) else {
            return None;
        };
        let [other] = &zip.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let (a, b) = (side(&zip.receiver)?, side(other)?);
        if zip.method != "zip" || !(a.1 || b.1) {
            return None;
        }
        Some(self.zip_walk_of([a, b], f))
    }

    fn zip_walk_of(&mut self, sides: [(&syn::Expr, bool); 2], f: &syn::ExprForLoop) -> R<()> {
        let span = Span::of(f);
        let arrays = sides
            .iter()
            .map(|(e, m)| Ok((self.array_name(e)?, *m)))
            .collect::<R<Vec<_>>>()?;
        let syn::Pat::Tuple(t) = strip_pat(&f.pat) else {
            return Err(FrontError::new(&f.pat, "expected a pair `(a, b)`")
                .hint("write `for (a, &b) in x.iter_mut().zip(y.iter())`"));
        };
        if t.elems.len() != 2 {
            return Err(FrontError::new(t, "expected a pair `(a, b)`"));
        }
        let (body, elems, frame) = self.in_loop(LoopFrame::new(None, false, None), |l| {
            let elems = t
                .elems
                .iter()
                .zip(&arrays)
                .map(|(p, &(_, m))| l.bind_elem(p, m))
                .collect::<R<Vec<_>>>()?;
            l.block_effects(&f.body)?;
            Ok(elems)
        })?;
        if frame.leaves_outer_loops() || f.label.is_some() {
            return Err(FrontError::new(
                f,
                "labels on loops over array elements are not supported",
            )
            .hint(
                "loop over indices (`for i in 0..x.len()`) to jump out of nested loops by label",
            ));
        }
        self.emit_walk_of(arrays, elems, body, span);
        Ok(())
    }

    /// `x.fill(v)`, `y.assign(&x)`, `x.map_inplace(|v| ..)`, `x.mapv_inplace(|v| ..)`,
    /// `Zip::from(..).and(..).for_each(|..| ..)`.
    pub(super) fn walk_stmt(&mut self, e: &syn::Expr) -> R<()> {
        let syn::Expr::MethodCall(mc) = strip_parens(e) else {
            return Err(FrontError::new(e, "expected a method call"));
        };
        let span = Span::of(e);
        // ndarray's rayon methods: the same walk with an axis a `prange` (the first; on the CPU
        // `passes::spread` may choose another at run time), race-checked as one (`types::parallel`).
        if let Some(serial) = mc.method.to_string().strip_prefix("par_") {
            let mut serial_call = mc.clone();
            serial_call.method = syn::Ident::new(serial, mc.method.span());
            self.walk_stmt(&syn::Expr::MethodCall(serial_call))?;
            if let Some(Stmt::Eval(w)) = self.blocks.last().and_then(|b| b.stmts.last()) {
                if let ExprKind::Each(each) = &mut self.func.exprs[*w].kind {
                    each.parallel = true;
                }
            }
            return Ok(());
        }
        match mc.method.to_string().as_str() {
            "accumulate_axis_inplace" => {
                let rewritten = accumulate_axis(mc)?;
                self.block_effects(&rewritten)
            }
            "fill" => {
                let [value] = args::<1>(mc)?;
                let array = self.array_name(&mc.receiver)?;
                let value = self.expr_value(value)?;
                // Evaluated once, before the walk, like the argument of a call.
                let t = self.temp(span);
                self.emit(Stmt::Assign {
                    local: t,
                    value,
                    span,
                });
                let elem = self.temp(span);
                let read = self.func.add_expr(ExprKind::Local(t), span);
                let body = Block {
                    stmts: vec![Stmt::Assign {
                        local: elem,
                        value: read,
                        span,
                    }],
                };
                self.walk_one(array, elem, true, body, None, span);
                Ok(())
            }
            "assign" => {
                let [source] = args::<1>(mc)?;
                let array = self.array_name(&mc.receiver)?;
                if let syn::Expr::Reference(r) = strip_parens(source) {
                    if r.mutability.is_some() {
                        return Err(FrontError::new(source, "`assign` reads its argument")
                            .hint("write `y.assign(&x)`"));
                    }
                }
                let Some(from) = self.by_reference(source) else {
                    return Err(
                        FrontError::new(source, "`assign` takes an array by reference")
                            .hint("write `y.assign(&x)`"),
                    );
                };
                let from = from?;
                let (to_elem, from_elem) = (self.temp(span), self.temp(span));
                let read = self.func.add_expr(ExprKind::Local(from_elem), span);
                let body = Block {
                    stmts: vec![Stmt::Assign {
                        local: to_elem,
                        value: read,
                        span,
                    }],
                };
                let arrays = vec![
                    EachArray {
                        array,
                        elem: to_elem,
                        mutable: true,
                    },
                    EachArray {
                        array: from,
                        elem: from_elem,
                        mutable: false,
                    },
                ];
                self.emit_each(arrays, EachIndex::None, body, None, span);
                // ndarray's `assign` stretches an argument of fewer axes onto the array.
                if let Some(Stmt::Eval(w)) = self.blocks.last().and_then(|b| b.stmts.last()) {
                    if let ExprKind::Each(each) = &mut self.func.exprs[*w].kind {
                        each.stretch = true;
                    }
                }
                Ok(())
            }
            "mapv_inplace" => self.mapv_inplace(mc, span),
            "map_inplace" => {
                let [closure] = args::<1>(mc)?;
                let array = self.array_name(&mc.receiver)?;
                let arrays = vec![(array, true)];
                self.closure_walk(closure, arrays, span)
            }
            _ => {
                let [closure] = args::<1>(mc)?;
                let arrays = self.zip_arrays(&mc.receiver)?;
                self.closure_walk(closure, arrays, span)
            }
        }
    }

    /// The arrays of `Zip::from(&mut a).and(&b)..`, each with whether it is borrowed mutably.
    /// `and_broadcast(&b)` stretches `b` onto the first array's shape (a read-only view; a shape
    /// that does not broadcast fails the call, as ndarray panics).
    pub(super) fn zip_arrays(&mut self, e: &syn::Expr) -> R<Vec<(LocalId, bool)>> {
        let (mut arrays, arg, broadcast) = match strip_parens(e) {
            syn::Expr::MethodCall(mc) => {
                let broadcast = match mc.method.to_string().as_str() {
                    "and" => false,
                    "and_broadcast" => true,
                    other => {
                        return Err(FrontError::new(
                            &mc.method,
                            format!("`Zip::{other}` is not supported"),
                        )
                        .hint("zip arrays with `.and(&a)`, or `.and_broadcast(&row)` to stretch one onto the first's shape"))
                    }
                };
                let [arg] = args::<1>(mc)?;
                (self.zip_arrays(&mc.receiver)?, arg, broadcast)
            }
            syn::Expr::Call(c) if c.args.len() == 1 => (Vec::new(), &c.args[0], false),
            other => {
                return Err(FrontError::new(other, "`Zip::from` takes one array")
                    .hint("write `Zip::from(&mut out).and(&a).for_each(|o, &a| ..)`"))
            }
        };
        let syn::Expr::Reference(r) = strip_parens(arg) else {
            return Err(
                FrontError::new(arg, "`Zip` takes arrays by reference: `&x` or `&mut x`")
                    .hint("write `Zip::from(&mut out).and(&a)`"),
            );
        };
        let array = self.array_name(&r.expr)?;
        if !broadcast {
            arrays.push((array, r.mutability.is_some()));
            return Ok(arrays);
        }
        if r.mutability.is_some() {
            return Err(
                FrontError::new(r, "`and_broadcast` takes an array by shared reference")
                    .hint("write `.and_broadcast(&row)`: the stretched array is read-only"),
            );
        }
        let view = self.stretched(array, arrays[0].0, Span::of(r));
        arrays.push((view, false));
        Ok(arrays)
    }

    /// A read-only view of `array` stretched onto the shape of `with` (ndarray's `broadcast`
    /// to `with`'s shape, as `Zip::and_broadcast` and `x.broadcast(y.dim())` make it).
    pub(super) fn stretched(&mut self, array: LocalId, with: LocalId, span: Span) -> LocalId {
        let view = self.temp(span);
        let onto = true;
        let value = self
            .func
            .add_expr(ExprKind::Broadcast { array, with, onto }, span);
        self.emit(Stmt::Assign {
            local: view,
            value,
            span,
        });
        view
    }

    /// A walk whose body is an inlined closure, one parameter per array.
    fn closure_walk(
        &mut self,
        closure: &syn::Expr,
        arrays: Vec<(LocalId, bool)>,
        span: Span,
    ) -> R<()> {
        let syn::Expr::Closure(c) = strip_parens(closure) else {
            return Err(FrontError::new(closure, "expected a closure `|v| ..`")
                .hint("write the element's update inline: `x.map_inplace(|v| *v = *v * 2.0)`"));
        };
        if c.capture.is_some() || c.asyncness.is_some() || c.movability.is_some() {
            return Err(FrontError::new(
                c,
                "only plain closures `|v| ..` are supported here",
            ));
        }
        if c.inputs.len() != arrays.len() {
            return Err(FrontError::new(
                &c.inputs,
                format!(
                    "this closure takes {} parameters but the walk passes {}",
                    c.inputs.len(),
                    arrays.len()
                ),
            )
            .hint("take one parameter per array"));
        }
        // The body is a closure's: `break`/`continue` there would not leave a loop of the kernel,
        // and `return` would return from the closure (rustc's rules; not supported here).
        let outer_loops = std::mem::take(&mut self.loops);
        let outer_closure = std::mem::replace(&mut self.in_closure, true);
        let r = self.nested(|l| {
            let elems = c
                .inputs
                .iter()
                .zip(&arrays)
                .map(|(p, &(_, m))| l.bind_elem(p, m))
                .collect::<R<Vec<_>>>()?;
            match strip_parens(&c.body) {
                syn::Expr::Block(b) if b.label.is_none() => l.block_effects(&b.block)?,
                body => l.stmt_expr(body)?,
            }
            Ok(elems)
        });
        self.loops = outer_loops;
        self.in_closure = outer_closure;
        let (body, elems) = r?;
        self.emit_walk_of(arrays, elems, body, span);
        Ok(())
    }

    /// A walk over `arrays` (each with whether it is written) in step, their elements bound to
    /// `elems`.
    fn emit_walk_of(
        &mut self,
        arrays: Vec<(LocalId, bool)>,
        elems: Vec<LocalId>,
        body: Block,
        span: Span,
    ) {
        let arrays = arrays
            .into_iter()
            .zip(elems)
            .map(|((array, mutable), elem)| EachArray {
                array,
                elem,
                mutable,
            })
            .collect();
        self.emit_each(arrays, EachIndex::None, body, None, span);
    }

    /// A walk over the one array `array`, its element bound to `elem`.
    pub(super) fn walk_one(
        &mut self,
        array: LocalId,
        elem: LocalId,
        mutable: bool,
        body: Block,
        identity: Option<(LocalId, Fold)>,
        span: Span,
    ) {
        let arrays = vec![EachArray {
            array,
            elem,
            mutable,
        }];
        self.emit_each(arrays, EachIndex::None, body, identity, span);
    }

    fn emit_each(
        &mut self,
        arrays: Vec<EachArray>,
        index: EachIndex,
        body: Block,
        identity: Option<(LocalId, Fold)>,
        span: Span,
    ) {
        let each = Each {
            arrays,
            index,
            body,
            identity,
            parallel: false,
            stretch: false,
            span,
        };
        let e = self.func.add_expr(ExprKind::Each(Box::new(each)), span);
        self.emit(Stmt::Eval(e));
    }

    /// A name bound to an index (`i`, or `_`).
    pub(super) fn bind_name(&mut self, p: &syn::Pat) -> R<LocalId> {
        match strip_pat(p) {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                Ok(self.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true))
            }
            syn::Pat::Wild(w) => Ok(self.temp(Span::of(w))),
            other => Err(FrontError::new(other, "expected a name").hint(ITER_HINT)),
        }
    }

    /// The binding of an element: `v` (a reference, read as `v` or `*v`), or `&v` / `&mut v`
    /// (a copy of the element, for a shared borrow).
    pub(super) fn bind_elem(&mut self, p: &syn::Pat, mutable: bool) -> R<LocalId> {
        match strip_pat(p) {
            syn::Pat::Reference(r) if !mutable => {
                if r.mutability.is_some() {
                    return Err(
                        FrontError::new(r, "mismatched types: the element is a `&T`")
                            .hint("write `&v` to copy the element"),
                    );
                }
                match strip_pat(&r.pat) {
                    syn::Pat::Tuple(t) => self.bind_tuple_elem(t, None),
                    p => self.bind_name(p),
                }
            }
            syn::Pat::Tuple(t) if !mutable => self.bind_tuple_elem(t, Some(ElemRef::Shared)),
            syn::Pat::Reference(r) => Err(FrontError::new(
                r,
                "a mutably borrowed element cannot be copied out by its pattern",
            )
            .hint("bind it by name, `v`, and write through it: `*v = ..`")),
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let l = self.declare(&pi.ident, TypeAnn::Infer, mutable, true);
                let kind = if mutable {
                    ElemRef::Unique
                } else {
                    ElemRef::Shared
                };
                self.elems.insert(l, kind);
                Ok(l)
            }
            syn::Pat::Wild(w) => Ok(self.temp(Span::of(w))),
            other => Err(FrontError::new(other, "expected a name for the element").hint(ITER_HINT)),
        }
    }

    /// An element that is a tuple, bound by a tuple of names: `for &(p, q) in pairs.iter()` (copies)
    /// or `for (p, q) in pairs.iter()` (`kind`: each name borrows its field, read as `p` or `*p`).
    /// The element is bound to a hidden name, whose fields the loop's body starts by naming:
    /// `let p = __rumba_elem.0;` (a nested pattern is taken apart by its `let`).
    fn bind_tuple_elem(&mut self, t: &syn::PatTuple, kind: Option<ElemRef>) -> R<LocalId> {
        let whole = syn::Ident::new("__rumba_elem", proc_macro2::Span::mixed_site());
        let local = self.declare(&whole, TypeAnn::Infer, false, true);
        for (k, p) in t.elems.iter().enumerate() {
            match strip_pat(p) {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    let (name, field, mutability) = (&pi.ident, syn::Index::from(k), pi.mutability);
                    self.stmt(&syn::parse_quote!(let #mutability #name = #whole.#field;))?;
                    if let Some(kind) = kind {
                        let bound = self.lookup(&name.to_string());
                        self.elems.extend(bound.map(|l| (l, kind)));
                    }
                }
                syn::Pat::Wild(_) => {}
                // A nested pattern, `&((p, q), r)`: a `let` takes it apart (as copies).
                _ => {
                    let field = syn::Index::from(k);
                    self.stmt(&syn::parse_quote!(let #p = #whole.#field;))?;
                }
            }
        }
        Ok(local)
    }

    /// `*v`: the element an element binding refers to.
    pub(super) fn deref(&mut self, u: &syn::ExprUnary) -> R<ExprId> {
        let local = self.elem_binding(u)?;
        let id = self.expr(ExprKind::Local(local), u);
        self.reads.insert(id, u.to_token_stream());
        Ok(id)
    }

    /// `*v = value` / `*v op= value`: a write through an element borrowed by `iter_mut`.
    pub(super) fn assign_deref(
        &mut self,
        target: &syn::ExprUnary,
        op: Option<BinOp>,
        right: &syn::Expr,
        span: Span,
    ) -> R<()> {
        let local = self.elem_binding(target)?;
        if self.elems.get(&local) != Some(&ElemRef::Unique) {
            let name = self.func.local(local).name.clone();
            return Err(FrontError::new(
                target,
                format!("cannot assign to `*{name}`, which is behind a `&` reference"),
            )
            .hint("iterate with `iter_mut()` (or `&mut x` in a `Zip`) to write the elements"));
        }
        let rhs = self.expr_value(right)?;
        let value = match op {
            None => rhs,
            Some(op) => {
                let cur = self.expr(ExprKind::Local(local), target);
                self.func.add_expr(ExprKind::Binary(op, cur, rhs), span)
            }
        };
        self.emit(Stmt::Assign { local, value, span });
        Ok(())
    }

    /// The element binding `*v` dereferences.
    fn elem_binding(&mut self, u: &syn::ExprUnary) -> R<LocalId> {
        let bad = || {
            FrontError::new(u, "dereferencing is not supported in kernels")
                .hint("`*v` reads only the element `v` of a walk (`for v in x.iter_mut()`) or a closure's parameter (`x.iter().map(|v| *v * 2.0)`); kernels have no other references")
        };
        // `**v` of a closure's `&&T` parameter (`x.iter().filter(|v| **v > 0.0)`).
        let mut inner = strip_parens(&u.expr);
        while let syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        }) = inner
        {
            inner = strip_parens(expr);
        }
        let syn::Expr::Path(p) = inner else {
            return Err(bad());
        };
        let Some(ident) = p.path.get_ident() else {
            return Err(bad());
        };
        let name = ident.to_string();
        let local = self
            .lookup(&name)
            .ok_or_else(|| unknown_value(ident, &name, self.names))?;
        // In a closure, `*v` also reads a parameter that std passes by reference
        // (`x.iter().map(|v| *v * 2.0)`, `.filter(|(_, v)| **v > 0.0)`).
        if !self.elems.contains_key(&local) && !self.in_closure {
            return Err(bad());
        }
        Ok(local)
    }
}

/// The walk a `for` loop iterates: its method, whether `.enumerate()` follows, the receiver.
fn walk_of(e: &syn::Expr) -> R<(Walk, bool, &syn::Expr)> {
    if let Some((walk, array)) = array_iterable(e) {
        return Ok((walk, false, array));
    }
    let syn::Expr::MethodCall(mc) = strip_parens(e) else {
        return Err(FrontError::new(e, "unsupported `for` iterator").hint(ITER_HINT));
    };
    if mc.method == "enumerate" {
        let (walk, enumerate, recv) = walk_of(&mc.receiver)?;
        if enumerate || matches!(walk, Walk::Indexed | Walk::IndexedMut) {
            return Err(
                FrontError::new(mc, "`.enumerate()` of this iterator is not supported")
                    .hint(ITER_HINT),
            );
        }
        return Ok((walk, true, recv));
    }
    let walk = Walk::from_name(&mc.method.to_string())
        .ok_or_else(|| FrontError::new(mc, "unsupported `for` iterator").hint(ITER_HINT))?;
    Ok((walk, false, &mc.receiver))
}

pub(super) fn strip_pat(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Paren(p) => strip_pat(&p.pat),
        p => p,
    }
}

pub(super) fn args<const N: usize>(mc: &syn::ExprMethodCall) -> R<[&syn::Expr; N]> {
    let args: Vec<&syn::Expr> = mc.args.iter().collect();
    args.try_into().map_err(|_| {
        FrontError::new(
            mc,
            format!(
                "`{}` takes {N} argument{}",
                mc.method,
                if N == 1 { "" } else { "s" }
            ),
        )
    })
}

/// `a.accumulate_axis_inplace(Axis(k), |&prev, curr| *curr += prev)` as ndarray runs it: for each
/// subview `i` along the axis after the first, `f` of each element of subview `i - 1` (a copy
/// taken first, the same values) and the matching element of subview `i`, in logical order:
/// `for i in 1..a.len_of(Axis(k)) { let prev = ..; Zip::from(&mut a.index_axis_mut(..)).. }`.
fn accumulate_axis(mc: &syn::ExprMethodCall) -> R<syn::Block> {
    let [axis, f] = args::<2>(mc)?;
    let syn::Expr::Closure(c) = strip_parens(f) else {
        return Err(FrontError::new(f, "expected a closure `|&prev, curr| ..`")
            .hint("write `a.accumulate_axis_inplace(Axis(0), |&prev, curr| *curr += prev)`"));
    };
    let [prev, curr] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return Err(FrontError::new(
            &c.inputs,
            "this closure takes the previous element and the current one",
        )
        .hint("write `|&prev, curr| *curr += prev`"));
    };
    let (a, body) = (&mc.receiver, &c.body);
    if !matches!(strip_parens(a), syn::Expr::Path(p) if p.path.get_ident().is_some()) {
        return Err(FrontError::new(
            a,
            "`accumulate_axis_inplace` of an expression is not supported",
        )
        .hint("bind the array first: `let mut v = ...; v.accumulate_axis_inplace(..)`"));
    }
    let span = mc.method.span();
    Ok(syn::parse_quote_spanned!(span=> {
        for __rumba_i in 1..#a.len_of(#axis) {
            let __rumba_prev = #a.index_axis(#axis, __rumba_i - 1).to_owned();
            let mut __rumba_curr = #a.index_axis_mut(#axis, __rumba_i);
            Zip::from(&mut __rumba_curr)
                .and(&__rumba_prev)
                .for_each(|#curr, #prev| { #body; });
        }
    }))
}
