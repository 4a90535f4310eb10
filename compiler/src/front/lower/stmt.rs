//! Statements: `let` (bindings and `dim()` destructuring), assignments and compound assignments,
//! `if`, `while`, `loop`, `for` (ranges, `rev`, `step_by`, `prange`), `break`/`continue`/`return`,
//! and blocks with their tail values.
//!
//! In: `syn` statements and statement-like expressions. Out: [`Stmt`]s emitted into the current
//! block of the [`FnLowerer`]; a value-producing `if` or block assigns its temporary.

use super::gpu::shared_array_call;
use super::hints::{item_head, macro_error, unknown_value};
use super::loops::{Jump, LoopFrame};
use super::syntax::{compound_op, ends_in_divergence, is_prange, is_statement_like, strip_parens};
use super::*;

impl FnLowerer<'_> {
    /// Lowers the statements of a block in a new scope, returning its tail value if any.
    pub(super) fn block_value(&mut self, block: &syn::Block) -> R<Option<ExprId>> {
        let saved = self.block_items(block);
        let r = self.block_stmts(block);
        if let Some(items) = saved {
            self.items = items;
        }
        r
    }

    fn block_stmts(&mut self, block: &syn::Block) -> R<Option<ExprId>> {
        if let Some(deque) = block.stmts.iter().find_map(deque_let) {
            // One error for the queue, rather than one for each of its methods' calls.
            return Err(FrontError::new(deque, "`VecDeque` is not supported in kernels")
                .hint("a queue is a `Vec` and the index of its front: `let mut queue = vec![start]; let mut head = 0; while head < queue.len() { let u = queue[head]; head += 1; ..; queue.push(v); }`"));
        }
        let calls = handback::calls(block, &self.items.mutating, &self.items.hand_back);
        let block = calls.as_ref().unwrap_or(block);
        let rewritten = growable::rewrite(block)?;
        let block = rewritten.as_ref().unwrap_or(block);
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last = i + 1 == n;
            match stmt {
                syn::Stmt::Expr(e, None) if last && !is_statement_like(e) => {
                    return self.expr_value(e).map(Some);
                }
                _ => {
                    if let Err(err) = self.stmt(stmt) {
                        self.errors.push(err);
                    }
                }
            }
        }
        Ok(None)
    }

    /// Lowers a block whose value is discarded (a loop body, a block statement): its tail, if
    /// any, is evaluated for its effects, as in Rust.
    pub(super) fn block_effects(&mut self, block: &syn::Block) -> R<()> {
        if let Some(tail) = self.block_value(block)? {
            self.emit(Stmt::Eval(tail));
        }
        Ok(())
    }

    pub(super) fn stmt(&mut self, stmt: &syn::Stmt) -> R<()> {
        match stmt {
            syn::Stmt::Local(local) => self.let_stmt(local),
            // Added to the scope when the block was entered (`items`).
            syn::Stmt::Item(syn::Item::Const(_) | syn::Item::Static(_) | syn::Item::Use(_)) => {
                Ok(())
            }
            syn::Stmt::Item(item) => Err(FrontError::new(
                &item_head(item),
                "only `const`, `static` and `use` items can be nested inside a kernel",
            )
            .hint(match item {
                syn::Item::Struct(_) | syn::Item::Impl(_) => {
                    "define structs and their `impl` blocks at the top level of the compile! block, beside the kernels"
                }
                syn::Item::Fn(_) => {
                    "define helper functions at the top level of the compile! block, or bind a closure: `let f = |v| ..;`"
                }
                _ => "define it at the top level of the compile! block",
            })),
            syn::Stmt::Macro(m) => self.macro_stmt(&m.mac),
            syn::Stmt::Expr(e, _) => self.stmt_expr(e),
        }
    }

    fn let_stmt(&mut self, local: &syn::Local) -> R<()> {
        if let Some(init) = &local.init {
            if let Some((_, diverge)) = &init.diverge {
                return self.let_else(local, &init.expr, diverge);
            }
        }
        if let Some(c) = local.init.as_ref().and_then(|i| shared_array_call(&i.expr)) {
            let result = self.let_shared(local, c);
            if let (Err(_), syn::Pat::Ident(pi)) = (&result, &local.pat) {
                // Still bind the name, so later uses do not report it as unknown.
                self.declare(&pi.ident, TypeAnn::Infer, true, true);
            }
            return result;
        }
        let (pat, ann) = match &local.pat {
            syn::Pat::Type(pt) => match self.local_type_ann(&pt.ty) {
                Ok(ann) => (&*pt.pat, ann),
                Err(e) => {
                    // Still bind the name, so later uses do not report it as unknown.
                    if let syn::Pat::Ident(pi) = &*pt.pat {
                        self.declare(&pi.ident, TypeAnn::Infer, true, true);
                    }
                    return Err(e);
                }
            },
            p => (p, TypeAnn::Infer),
        };
        let init = local.init.as_ref().map(|i| &*i.expr);
        match pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                if let Some(c) = init.and_then(closure::is_closure) {
                    if ann != TypeAnn::Infer {
                        self.declare(&pi.ident, TypeAnn::Infer, false, true);
                        return Err(FrontError::new(
                            &local.pat,
                            "a closure's type cannot be written",
                        )
                        .hint("leave it to inference: `let f = |v| ..;`"));
                    }
                    return self.let_closure(pi, c);
                }
                let value = match init.map(|e| self.expr_value(e)).transpose() {
                    Ok(v) => v,
                    Err(e) => {
                        // Still bind the name, so later uses do not report it as unknown.
                        self.declare(&pi.ident, ann, true, true);
                        return Err(e);
                    }
                };
                let id = self.declare(&pi.ident, ann, pi.mutability.is_some(), value.is_some());
                if let Some(value) = value {
                    self.emit(Stmt::Assign {
                        local: id,
                        value,
                        span: Span::of(local),
                    });
                }
                Ok(())
            }
            syn::Pat::Wild(_) => {
                if let Some(e) = init {
                    let value = self.expr_value(e)?;
                    self.emit(Stmt::Eval(value));
                }
                Ok(())
            }
            syn::Pat::Tuple(tuple) => match init.map(strip_parens) {
                Some(syn::Expr::MethodCall(mc)) if mc.method == "dim" => {
                    self.let_dim(local, tuple, init)
                }
                Some(value) => self.let_unpack(tuple, value, local),
                None => Err(FrontError::new(local, "a tuple pattern needs a value")
                    .hint("write `let (a, b) = value;`")),
            },
            syn::Pat::Struct(ps) => {
                let Some(e) = init else {
                    return Err(FrontError::new(local, "a struct pattern needs a value")
                        .hint("write `let Particle { x, v } = p;`"));
                };
                let value = match self.expr_value(e) {
                    Ok(v) => v,
                    Err(err) => {
                        // Still bind the names, so later uses do not report them as unknown.
                        self.bind_names(&mut ps.fields.iter().map(|f| &*f.pat));
                        return Err(err);
                    }
                };
                self.let_struct(ps, value, Span::of(local))
            }
            other => Err(FrontError::new(other, "unsupported pattern in `let`").hint(
                "bind a name (`let x = ..`) or destructure a shape (`let (n, m) = a.dim()`)",
            )),
        }
    }

    /// `let (n, m) = a.dim();`
    fn let_dim(
        &mut self,
        local: &syn::Local,
        tuple: &syn::PatTuple,
        init: Option<&syn::Expr>,
    ) -> R<()> {
        let hint = "destructure a shape with `let (n, m) = a.dim()`";
        let Some(syn::Expr::MethodCall(mc)) = init.map(strip_parens) else {
            return Err(
                FrontError::new(local, "tuple patterns need `array.dim()` on the right").hint(hint),
            );
        };
        if mc.method != "dim" || !mc.args.is_empty() {
            return Err(
                FrontError::new(mc, "tuple patterns need `array.dim()` on the right").hint(hint),
            );
        }
        let array = self.array_name(&mc.receiver)?;
        let of = tuple.elems.len() as u8;
        for (d, pat) in tuple.elems.iter().enumerate() {
            let query = ShapeQuery::DimOf { d: d as u8, of };
            match pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    let value = self.expr(ExprKind::Shape { array, query }, mc);
                    let id = self.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true);
                    self.emit(Stmt::Assign {
                        local: id,
                        value,
                        span: Span::of(pat),
                    });
                }
                syn::Pat::Wild(_) => {
                    let value = self.expr(ExprKind::Shape { array, query }, mc);
                    self.emit(Stmt::Eval(value));
                }
                other => return Err(FrontError::new(other, "expected a name or `_`").hint(hint)),
            }
        }
        Ok(())
    }

    pub(super) fn stmt_expr(&mut self, e: &syn::Expr) -> R<()> {
        match e {
            syn::Expr::Assign(a) => self.assign(&a.left, None, &a.right, e),
            syn::Expr::Binary(b) if compound_op(&b.op).is_some() => {
                self.assign(&b.left, compound_op(&b.op), &b.right, e)
            }
            syn::Expr::If(i) => self.if_stmt(i, None),
            syn::Expr::Match(m) => self.match_expr(m, None),
            syn::Expr::While(w) => self.while_loop(w),
            syn::Expr::Loop(l) => self.loop_stmt(l, None),
            syn::Expr::ForLoop(f) => self.for_loop(f),
            syn::Expr::Block(b) if b.label.is_none() => {
                if b.attrs.iter().any(|a| !a.path().is_ident("doc")) {
                    return Err(FrontError::new(b, "attributes on blocks are not supported"));
                }
                let (block, ()) = self.nested(|l| l.block_effects(&b.block))?;
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(block.stmts);
                }
                Ok(())
            }
            syn::Expr::Break(b) => self.break_stmt(b),
            syn::Expr::Continue(c) => {
                if self.loops.is_empty() {
                    return Err(FrontError::new(c, "`continue` outside of a loop").hint(
                        "`continue` starts the next iteration of a `for`, `while` or `loop`",
                    ));
                }
                let target = self.loop_target(c.label.as_ref(), c)?;
                self.jump(target, Jump::Continue);
                Ok(())
            }
            syn::Expr::Return(r) => {
                if self.in_closure {
                    return Err(FrontError::new(r, "`return` in a closure is not supported")
                        .hint("use `if`/`else` in the closure's body"));
                }
                let value = r.expr.as_ref().map(|v| self.expr_value(v)).transpose()?;
                self.emit(Stmt::Return {
                    value,
                    span: Span::of(r),
                });
                Ok(())
            }
            syn::Expr::Paren(p) => self.stmt_expr(&p.expr),
            syn::Expr::Call(c) if syntax::mem_swap(c).is_some() => {
                self.stmt_expr(&syntax::mem_swap(c).expect("checked above"))
            }
            syn::Expr::Call(c) if self.called_closure(c).is_some() => {
                let lc = self.called_closure(c).cloned().expect("checked above");
                self.call_closure_stmt(lc, c).map(drop)
            }
            syn::Expr::Macro(m) => self.macro_stmt(&m.mac),
            e if iter::is_walk_stmt(e) => self.walk_stmt(e),
            syn::Expr::MethodCall(mc) if sort::is_sort(mc) => self.stmt_expr(&sort::lower(mc)?),
            syn::Expr::MethodCall(mc) if chain::is_consumer(mc) => {
                self.stmt_expr(&chain::consume(mc)?)
            }
            syn::Expr::MethodCall(mc) if chain::for_each_mut(mc).is_some() => {
                self.stmt_expr(&chain::for_each_mut(mc).expect("checked above"))
            }
            syn::Expr::MethodCall(mc) if mc.method == "swap" && mc.args.len() == 2 => self.swap(mc),
            syn::Expr::MethodCall(mc)
                if self.items.mutating.contains_key(&mc.method.to_string())
                    && !mc.args.iter().any(|a| matches!(a, syn::Expr::Reference(_))) =>
            {
                self.stmt_expr(&self.mutating_block(mc)?)
            }
            _ => {
                let value = self.expr_value(e)?;
                self.emit(Stmt::Eval(value));
                Ok(())
            }
        }
    }

    pub(super) fn assign(
        &mut self,
        left: &syn::Expr,
        op: Option<BinOp>,
        right: &syn::Expr,
        whole: &syn::Expr,
    ) -> R<()> {
        let span = Span::of(whole);
        match strip_parens(left) {
            // `(a, b) = (b, a + b)`: the right side evaluated whole, then each place assigned
            // from left to right, as Rust's destructuring assignment does.
            syn::Expr::Tuple(t) if op.is_none() => {
                let held = syn::Ident::new("__rumba_destructured", proc_macro2::Span::mixed_site());
                let places = t.elems.iter().enumerate().filter_map(|(k, place)| {
                    let k = syn::Index::from(k);
                    (!matches!(strip_parens(place), syn::Expr::Infer(_)))
                        .then(|| quote::quote!(#place = #held.#k;))
                });
                let block: syn::Expr = syn::parse_quote!({ let #held = #right; #(#places)* });
                self.stmt_expr(&block)
            }
            syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p
                    .path
                    .get_ident()
                    .ok_or_else(|| FrontError::new(p, "expected a name"))?;
                let name = ident.to_string();
                let Some(local) = self.lookup(&name) else {
                    return Err(unknown_value(ident, &name, self.names));
                };
                if self.elems.contains_key(&local) {
                    return Err(FrontError::new(
                        left,
                        format!("`{name}` is a reference to an element"),
                    )
                    .hint(format!("write through it: `*{name} = ..`")));
                }
                let decl = self.func.local(local);
                if !decl.mutable && (self.initialized_immutable[local.index()] || op.is_some()) {
                    if self.func.params.contains(&local) {
                        return Err(FrontError::new(
                            left,
                            format!("cannot assign to immutable argument `{name}`"),
                        )
                        .hint(format!("make the parameter mutable: `mut {name}`")));
                    }
                    return Err(FrontError::new(
                        left,
                        format!("cannot assign twice to immutable variable `{name}`"),
                    )
                    .hint(format!("make it mutable: `let mut {name}`")));
                }
                if self.deferred[local.index()].is_some() {
                    self.deferred_assigns
                        .insert(span, (name.clone(), whole.to_token_stream()));
                }
                let rhs = self.expr_value(right)?;
                let value = match op {
                    None => rhs,
                    Some(op) => {
                        let cur = self.expr(ExprKind::Local(local), left);
                        self.func.add_expr(ExprKind::Binary(op, cur, rhs), span)
                    }
                };
                self.emit(Stmt::Assign { local, value, span });
                Ok(())
            }
            syn::Expr::Index(ix) => {
                let array = self.array_name(&ix.expr)?;
                let rhs = self.expr_value(right)?;
                let rhs = if op.is_some() { self.spill(rhs) } else { rhs };
                let index = self.indices(&ix.index)?;
                let value = match op {
                    None => rhs,
                    Some(op) => {
                        let index: Vec<ExprId> = index.iter().map(|&i| self.spill(i)).collect();
                        let copy: Vec<ExprId> =
                            index.iter().map(|&i| self.copy_simple(i)).collect();
                        let cur = self.expr(
                            ExprKind::Load {
                                array,
                                index: copy,
                                checked: true,
                            },
                            left,
                        );
                        let value = self.func.add_expr(ExprKind::Binary(op, cur, rhs), span);
                        self.store(array, index, value, span);
                        return Ok(());
                    }
                };
                self.store(array, index, value, span);
                Ok(())
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.assign_deref(u, op, right, span)
            }
            syn::Expr::Field(f) => match self.assign_complex_part(f, op, right, whole) {
                Some(r) => r,
                None => self.assign_field(f, op, right, whole),
            },
            other => Err(
                FrontError::new(other, "invalid left-hand side of assignment")
                    .hint("assign to a `let mut` variable or to an array element `y[i]`"),
            ),
        }
    }

    pub(super) fn if_stmt(&mut self, i: &syn::ExprIf, target: Option<LocalId>) -> R<()> {
        // `else if` chains nest without brackets: they count towards the expression depth.
        self.depth += 1;
        let r = if self.depth > MAX_EXPR_DEPTH {
            Err(FrontError::new(
                &i.if_token,
                format!("`else if` chain nested more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .hint("split the chain with a helper function"))
        } else {
            self.if_stmt_inner(i, target)
        };
        self.depth -= 1;
        r
    }

    fn if_stmt_inner(&mut self, i: &syn::ExprIf, target: Option<LocalId>) -> R<()> {
        if let syn::Expr::Let(l) = &*i.cond {
            return self.if_let(i, l, target);
        }
        let cond = self.expr_value(&i.cond)?;
        let (then_body, ()) = self.nested(|l| l.arm(&i.then_branch, target))?;
        let else_body = self.else_body(i, target)?;
        self.emit(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(())
    }

    /// The `else` branch of an `if` (an empty block when there is none).
    pub(super) fn else_body(&mut self, i: &syn::ExprIf, target: Option<LocalId>) -> R<Block> {
        Ok(match &i.else_branch {
            None => {
                if target.is_some() {
                    return Err(FrontError::new(i, "`if` without `else` used as a value")
                        .hint("add an `else` branch"));
                }
                Block::default()
            }
            Some((_, e)) => {
                let (b, ()) = self.nested(|l| match &**e {
                    syn::Expr::If(inner) => l.if_stmt(inner, target),
                    syn::Expr::Block(b) => l.arm(&b.block, target),
                    other => Err(FrontError::new(other, "expected a block after `else`")),
                })?;
                b
            }
        })
    }

    /// A branch of an `if` (or a block) whose tail, if any, goes to `target`.
    pub(super) fn arm(&mut self, block: &syn::Block, target: Option<LocalId>) -> R<()> {
        let tail = self.block_value(block)?;
        match (target, tail) {
            (Some(t), Some(v)) => {
                let span = self.func.expr(v).span;
                self.emit(Stmt::Assign {
                    local: t,
                    value: v,
                    span,
                });
            }
            (None, Some(v)) => self.emit(Stmt::Eval(v)),
            (Some(_), None) if !ends_in_divergence(block) => {
                return Err(FrontError::new(block, "this block has no value")
                    .hint("end the block with an expression (no `;`)"))
            }
            _ => {}
        }
        Ok(())
    }

    fn while_loop(&mut self, w: &syn::ExprWhile) -> R<()> {
        if let syn::Expr::Let(l) = &*w.cond {
            return self.while_let(w, l);
        }
        let frame = LoopFrame::new(w.label.as_ref(), false, None);
        let (body, (), frame) = self.in_loop(frame, |l| {
            let cond = l.expr_value(&w.cond)?;
            l.break_unless(cond);
            l.block_effects(&w.body)
        })?;
        self.finish_loop(frame, Stmt::Loop { body });
        Ok(())
    }

    /// `if !cond { break; }`: the test at the top of a `while` body.
    pub(super) fn break_unless(&mut self, cond: ExprId) {
        self.emit(Stmt::If {
            cond,
            then_body: Block::default(),
            else_body: Block {
                stmts: vec![Stmt::Break],
            },
        });
    }

    /// `loop { .. }`; with `value`, a `loop` used as a value, which its `break value`s assign.
    pub(super) fn loop_stmt(&mut self, lp: &syn::ExprLoop, value: Option<LocalId>) -> R<()> {
        let frame = LoopFrame::new(lp.label.as_ref(), true, value);
        let (body, (), frame) = self.in_loop(frame, |l| l.block_effects(&lp.body))?;
        self.finish_loop(frame, Stmt::Loop { body });
        Ok(())
    }

    /// `a.swap(i, j)` (`[T; N]`, `Array1`), `a.swap([i, j], [k, l])` (ndarray's N-D form): both
    /// elements read (and their indices checked) before either is written.
    fn swap(&mut self, mc: &syn::ExprMethodCall) -> R<()> {
        let span = Span::of(mc);
        let array = self.array_name(&mc.receiver)?;
        let mut indices = Vec::new();
        for arg in &mc.args {
            let index = self.indices(arg)?;
            indices.push(index.into_iter().map(|i| self.spill(i)).collect::<Vec<_>>());
        }
        let [first, second]: [Vec<ExprId>; 2] = indices
            .try_into()
            .map_err(|_| FrontError::new(mc, "`swap` takes two indices"))?;
        let read = |l: &mut Self, index: &[ExprId]| {
            let index = index.iter().map(|&i| l.copy_simple(i)).collect();
            let v = l.expr(
                ExprKind::Load {
                    array,
                    index,
                    checked: true,
                },
                mc,
            );
            l.spill(v)
        };
        let a = read(self, &first);
        let b = read(self, &second);
        self.store(array, first, b, span);
        self.store(array, second, a, span);
        Ok(())
    }

    /// `array[index] = value`, bounds-checked.
    fn store(&mut self, array: LocalId, index: Vec<ExprId>, value: ExprId, span: Span) {
        self.emit(Stmt::Store {
            array,
            index,
            value,
            span,
            checked: true,
        });
    }

    /// A macro as a statement: a check (`assert!`, `panic!`, ..), else the error naming it.
    fn macro_stmt(&mut self, mac: &syn::Macro) -> R<()> {
        match asserts::check(mac) {
            Some(check) => match check? {
                Some(e) => self.stmt_expr(&e),
                None => Ok(()),
            },
            None => Err(macro_error(mac)),
        }
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop) -> R<()> {
        if let Some(indexed) = lanes::lanes_loop(f) {
            return self.for_loop(&indexed?);
        }
        if let Some(indexed) = lanes::windows_loop(f) {
            return self.for_loop(&indexed?);
        }
        if let Some(named) = self.literal_items(f)? {
            return self.for_loop(&named);
        }
        if iter::is_walk(&f.expr) {
            return self.for_walk(f);
        }
        if let Some(walk) = self.zip_walk(f) {
            return walk;
        }
        if chain::is_adapted(&f.expr) {
            return self.stmt_expr(&chain::for_loop(f)?);
        }
        let range = self.for_range(&f.expr)?;
        let span = Span::of(f);
        let frame = LoopFrame::new(f.label.as_ref(), false, None);
        let (body, var, frame) = self.in_loop(frame, |l| {
            let var = match &*f.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    l.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true)
                }
                syn::Pat::Wild(w) => l.temp(Span::of(w)),
                other => {
                    return Err(FrontError::new(other, "a `for` loop binds one name")
                        .hint("write `for i in 0..n`"))
                }
            };
            l.block_effects(&f.body)?;
            Ok(var)
        })?;
        self.finish_loop(
            frame,
            Stmt::For {
                var,
                range,
                body,
                span,
            },
        );
        Ok(())
    }

    /// `for v in [a, b, c] { .. }` (also `&[..]`, `[..].iter()`, `.enumerate()`, `[v; N]`): binds the array
    /// literal to a hidden local first, `let items = [a, b, c];`, and returns the loop over that
    /// local, a walk of a fixed-size array. `None` when the loop is over no array literal.
    fn literal_items(&mut self, f: &syn::ExprForLoop) -> R<Option<syn::ExprForLoop>> {
        const ITEMS: &str = "__rumba_for_items";
        fn literal(e: &mut syn::Expr) -> Option<&mut syn::Expr> {
            if matches!(e, syn::Expr::Array(_) | syn::Expr::Repeat(_)) {
                return Some(e);
            }
            match e {
                syn::Expr::Paren(p) => literal(&mut p.expr),
                syn::Expr::Reference(r) if r.mutability.is_none() => literal(&mut r.expr),
                syn::Expr::MethodCall(mc)
                    if mc.args.is_empty()
                        && ["iter", "into_iter", "enumerate"]
                            .iter()
                            .any(|m| mc.method == m) =>
                {
                    literal(&mut mc.receiver)
                }
                _ => None,
            }
        }
        let mut named = f.clone();
        let Some(items) = literal(&mut named.expr) else {
            return Ok(None);
        };
        let ident = syn::Ident::new(ITEMS, proc_macro2::Span::mixed_site());
        let value = std::mem::replace(items, syn::parse_quote!(#ident));
        self.stmt(&syn::parse_quote!(let #ident = #value;))?;
        Ok(Some(named))
    }

    fn for_range(&mut self, e: &syn::Expr) -> R<ForRange> {
        const HINT: &str =
            "loop over `a..b`, `a..=b`, `(a..b).rev()`, `(a..b).step_by(k)` or `prange(a..b)`";
        match strip_parens(e) {
            syn::Expr::Range(r) => {
                let (Some(start), Some(end)) = (&r.start, &r.end) else {
                    return Err(
                        FrontError::new(r, "a `for` range needs a start and an end").hint(HINT)
                    );
                };
                let start = self.expr_value(start)?;
                let start = if self.needs_stmts(end) {
                    self.spill(start)
                } else {
                    start
                };
                let end = self.expr_value(end)?;
                Ok(ForRange {
                    inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                    ..ForRange::upto(start, end)
                })
            }
            syn::Expr::Call(c) if is_prange(&c.func) => {
                if c.args.len() != 1 {
                    return Err(
                        FrontError::new(c, "`prange` takes one range or one count").hint(HINT)
                    );
                }
                let arg = &c.args[0];
                let mut range = if matches!(strip_parens(arg), syn::Expr::Range(_)) {
                    self.for_range(arg)?
                } else {
                    let end = self.expr_value(arg)?;
                    let start = self
                        .func
                        .add_expr(ExprKind::Lit(Lit::Int(IntLit::new(0), None)), Span::of(arg));
                    ForRange::upto(start, end)
                };
                range.parallel = true;
                Ok(range)
            }
            syn::Expr::MethodCall(mc) if mc.method == "rev" && mc.args.is_empty() => {
                let mut range = self.for_range(&mc.receiver)?;
                if range.reverse {
                    return Err(FrontError::new(mc, "`.rev().rev()` is not supported").hint(HINT));
                }
                if range.step.is_some() {
                    return Err(FrontError::new(mc, "`.step_by(k).rev()` is not supported")
                        .hint("write `(a..b).rev().step_by(k)` to count down from the end"));
                }
                range.reverse = true;
                Ok(range)
            }
            syn::Expr::MethodCall(mc) if mc.method == "step_by" && mc.args.len() == 1 => {
                let mut range = self.for_range(&mc.receiver)?;
                if range.step.is_some() {
                    return Err(FrontError::new(mc, "`step_by` twice is not supported").hint(HINT));
                }
                range.step = Some(self.expr_value(&mc.args[0])?);
                Ok(range)
            }
            syn::Expr::MethodCall(mc) => Err(FrontError::new(
                &mc.method,
                format!("unsupported `for` iterator `{}`", mc.method),
            )
            .hint(iter::ITER_HINT)),
            other => Err(FrontError::new(other, "unsupported `for` iterator").hint(HINT)),
        }
    }
}

/// The initializer of a `let` that makes a `VecDeque` (`VecDeque::new()`,
/// `std::collections::VecDeque::with_capacity(n)`, or a `let` whose type names one).
fn deque_let(stmt: &syn::Stmt) -> Option<&syn::Expr> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let init = &local.init.as_ref()?.expr;
    let named = |tokens: TokenStream| super::growable::mentions(tokens, "VecDeque");
    let typed = matches!(&local.pat, syn::Pat::Type(pt) if named(pt.ty.to_token_stream()));
    let made = matches!(strip_parens(init), syn::Expr::Call(c) if named(c.func.to_token_stream()));
    (typed || made).then_some(init)
}
