//! Closures bound with `let` (`let f = |v| v * 2.0; .. f(x[i]) ..`): inlined at each call.
//!
//! In: the `let` of a closure, then calls of its name. Out: at each call, the arguments assigned
//! to fresh locals for the closure's parameters, then the closure's body, lowered where the call
//! is, with the names it captures resolved as at its definition (the scopes are saved with the
//! closure: a later `let` of the same name does not change what the closure reads).
//!
//! Inlining is exactly Rust's meaning for closures that borrow what they capture: while such a
//! closure lives, the borrow checker forbids assigning what it reads, and what it assigns (an
//! `FnMut` closure) is assigned at the call. A `move` closure copies its captures when it is made,
//! which inlining would not: it is refused with a help. A closure is only called; used as a value
//! (passed to a function, stored) it is an error that names the alternatives.

use super::iter::strip_pat;
use super::syntax::{is_statement_like, strip_parens};
use super::*;

/// A closure bound with `let`: its syntax and the scopes its body's names resolve in.
#[derive(Clone)]
pub(super) struct LetClosure {
    closure: syn::ExprClosure,
    scopes: Vec<Vec<(String, LocalId)>>,
}

impl FnLowerer<'_> {
    /// `let f = |a, b| ..;`: binds `f` to the closure, lowered at each call (where its
    /// parameters are checked). A closure refused here is still bound, so its calls add no
    /// errors of their own.
    pub(super) fn let_closure(&mut self, pi: &syn::PatIdent, c: &syn::ExprClosure) -> R<()> {
        let refused = if let Some(m) = &c.capture {
            Some(FrontError::new(m, "`move` closures are not supported in kernels")
                .hint("drop `move`: a kernel inlines a closure at each call, where it reads the variables it captures as a borrowing closure does"))
        } else if c.asyncness.is_some() || c.constness.is_some() || c.movability.is_some() {
            Some(FrontError::new(
                c,
                "only plain closures `|a, b| ..` are supported",
            ))
        } else {
            None
        };
        let closure = LetClosure {
            closure: c.clone(),
            scopes: self.scopes.clone(),
        };
        // The name's local is never assigned or read (a call inlines the closure): `()`.
        let id = self.declare(&pi.ident, TypeAnn::Unit, false, true);
        self.closures.insert(id, closure);
        refused.map_or(Ok(()), Err)
    }

    /// Whether lowering `e` emits statements (see `syntax::needs_stmts`), with the calls of
    /// closures bound with `let` among them.
    pub(super) fn needs_stmts(&self, e: &syn::Expr) -> bool {
        syntax::needs_stmts(
            e,
            &|ident| {
                self.lookup(&ident.to_string())
                    .is_some_and(|l| self.closures.contains_key(&l))
            },
            &|mc| super::chain::is_consumer(mc) || super::stats::is_stat(mc),
        )
    }

    /// The closure bound with `let` that call `c` calls, if it calls one.
    pub(super) fn called_closure(&self, c: &syn::ExprCall) -> Option<&LetClosure> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let local = self.lookup(&p.path.get_ident()?.to_string())?;
        self.closure_of(local)
    }

    /// The closure a local names, if it is one.
    pub(super) fn closure_of(&self, local: LocalId) -> Option<&LetClosure> {
        self.closures.get(&local)
    }

    /// `f(a, b)` of a closure bound with `let`: its body inlined, its value in a temporary.
    pub(super) fn call_closure(&mut self, lc: LetClosure, call: &syn::ExprCall) -> R<ExprId> {
        self.call_closure_stmt(lc, call)?.ok_or_else(|| {
            FrontError::new(call, "this closure returns `()`, which has no value here")
                .hint("call it as a statement: `f(x);`")
        })
    }

    /// [`Self::call_closure`] as a statement (`f(x);`), where a body of value `()` (`|v| s += v`)
    /// is fine: `None` for it.
    pub(super) fn call_closure_stmt(
        &mut self,
        lc: LetClosure,
        call: &syn::ExprCall,
    ) -> R<Option<ExprId>> {
        arity(&lc.closure, call.args.len(), call)?;
        // The arguments, in the caller's scope, each held in a local before the body runs.
        let args = self.operands(call.args.iter())?;
        self.inline_closure(&lc.closure, Some(lc.scopes), args, Span::of(call))
    }

    /// `f` applied to `args` (already lowered, in order), where a std method takes a function
    /// (`o.map(f)`): `f` a closure written there, a closure bound with `let`, a function of the
    /// block, or a numeric method path of one argument (`f64::sqrt`).
    pub(super) fn apply(&mut self, f: &syn::Expr, args: Vec<ExprId>, span: Span) -> R<ExprId> {
        let no_value = || {
            FrontError::new(f, "this closure returns `()`, but a value is needed here")
                .hint("end the closure's body with its value (no `;`)")
        };
        match strip_parens(f) {
            // Made and called at once: a `move` closure copies nothing that could change.
            syn::Expr::Closure(c) => {
                arity(c, args.len(), f)?;
                self.inline_closure(c, None, args, span)?
                    .ok_or_else(no_value)
            }
            syn::Expr::Path(p) => {
                if let Some(ident) = p.path.get_ident() {
                    let name = ident.to_string();
                    if let Some(local) = self.lookup(&name) {
                        let Some(lc) = self.closure_of(local).cloned() else {
                            return Err(FrontError::new(ident, format!("`{name}` is a local value, not a function"))
                                .hint("pass a closure `|v| ..`, a closure bound with `let`, or a function of the block"));
                        };
                        arity(&lc.closure, args.len(), f)?;
                        return self
                            .inline_closure(&lc.closure, Some(lc.scopes), args, span)?
                            .ok_or_else(no_value);
                    }
                    if let Some(&func) = self.names.get(&name) {
                        return Ok(self.func.add_expr(ExprKind::Call { func, args }, span));
                    }
                }
                match (&p.path.segments.iter().collect::<Vec<_>>()[..], &args[..]) {
                    ([_, method], &[receiver]) if Intrinsic::from_name(&method.ident.to_string()).is_some() => {
                        let name = method.ident.to_string();
                        Ok(self.func.add_expr(ExprKind::Method { name, receiver, args: Vec::new() }, span))
                    }
                    _ => Err(FrontError::new(p, "expected a closure, a function of this compile! block or a numeric method such as `f64::sqrt`")
                        .hint("write a closure: `|v| ..`")),
                }
            }
            other => Err(FrontError::new(other, "expected a closure or a function")
                .hint("write a closure: `|v| ..`")),
        }
    }

    /// `c`'s body with its parameters bound to `args`, lowered here with the names it captures
    /// resolved in `scopes` (the current ones when `None`); its value in a temporary, `None`
    /// when it is `()`.
    fn inline_closure(
        &mut self,
        c: &syn::ExprClosure,
        scopes: Option<Vec<Vec<(String, LocalId)>>>,
        args: Vec<ExprId>,
        span: Span,
    ) -> R<Option<ExprId>> {
        let args: Vec<ExprId> = args.into_iter().map(|a| self.spill(a)).collect();
        let ann = match &c.output {
            syn::ReturnType::Type(_, ty) => self.type_ann(ty)?,
            syn::ReturnType::Default => TypeAnn::Infer,
        };
        let caller_scopes = scopes.map(|s| std::mem::replace(&mut self.scopes, s));
        let outer_loops = std::mem::take(&mut self.loops);
        let outer_closure = std::mem::replace(&mut self.in_closure, true);
        let body = self.nested(|l| {
            for (p, value) in c.inputs.iter().zip(args) {
                l.bind_param(p, value, span)?;
            }
            let value = match strip_parens(&c.body) {
                syn::Expr::Block(b) if b.label.is_none() => l.block_value(&b.block)?,
                e if is_statement_like(e) => {
                    l.stmt_expr(e)?;
                    None
                }
                e => Some(l.expr_value(e)?),
            };
            Ok(value.map(|value| l.hold(value, ann, span)))
        });
        self.loops = outer_loops;
        self.in_closure = outer_closure;
        if let Some(s) = caller_scopes {
            self.scopes = s;
        }
        let (block, to) = body?;
        for stmt in block.stmts {
            self.emit(stmt);
        }
        Ok(to.map(|to| self.func.add_expr(ExprKind::Local(to), span)))
    }

    /// A new temporary of annotation `ann` assigned `value`.
    fn hold(&mut self, value: ExprId, ann: TypeAnn, span: Span) -> LocalId {
        let t = self.temp(span);
        self.func.locals[t].ann = ann;
        self.emit(Stmt::Assign {
            local: t,
            value,
            span,
        });
        t
    }

    /// A closure parameter (`v`, `v: f64`, `_`, `(i, d)`, `&v`) bound to the argument `value`.
    fn bind_param(&mut self, p: &syn::Pat, value: ExprId, span: Span) -> R<()> {
        // `|&v| ..` where std passes a reference (`o.filter(|&v| ..)`): the value itself.
        if let syn::Pat::Reference(r) = strip_pat(p) {
            if r.mutability.is_none() {
                return self.bind_param(&r.pat, value, span);
            }
        }
        let (pat, ann) = match strip_pat(p) {
            syn::Pat::Type(pt) => (strip_pat(&pt.pat), self.type_ann(&pt.ty)?),
            p => (p, TypeAnn::Infer),
        };
        let local = match pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                self.declare(&pi.ident, ann, pi.mutability.is_some(), true)
            }
            syn::Pat::Wild(_) => {
                let t = self.temp(span);
                self.func.locals[t].ann = ann;
                t
            }
            // `|(i, d)| ..` or `|(i, d): (usize, f64)| ..`: unpacked as `let (i, d) = ..` does.
            syn::Pat::Tuple(tuple) => {
                let t = self.hold(value, ann, span);
                let value = self.func.add_expr(ExprKind::Local(t), span);
                return self.unpack(tuple, value, span);
            }
            other => return Err(FrontError::new(
                other,
                "closure parameters must be names or tuples",
            )
            .hint(
                "write `|a, b: f64| ..` or `|(i, d)| ..`, and destructure structs inside the body",
            )),
        };
        self.emit(Stmt::Assign { local, value, span });
        Ok(())
    }
}

/// An error unless `c` takes `n` arguments.
fn arity(c: &syn::ExprClosure, n: usize, at: &impl ToTokens) -> R<()> {
    let plural = |k: usize| if k == 1 { "" } else { "s" };
    if c.inputs.len() == n {
        return Ok(());
    }
    Err(FrontError::new(
        at,
        format!(
            "this closure takes {} argument{}, but {} {} supplied",
            c.inputs.len(),
            plural(c.inputs.len()),
            n,
            if n == 1 { "is" } else { "are" },
        ),
    ))
}

/// The error for a closure's name used other than in a call.
pub(super) fn closure_as_value(ident: &syn::Ident) -> FrontError {
    FrontError::new(
        ident,
        format!("the closure `{ident}` can only be called in a kernel"),
    )
    .hint(format!(
        "call it where its value is needed (`{ident}(x)`); to pass a function around, define a helper `fn` in the compile! block"
    ))
}

/// Whether `e` is a closure, the value of a `let` that [`FnLowerer::let_closure`] binds.
pub(super) fn is_closure(e: &syn::Expr) -> Option<&syn::ExprClosure> {
    match strip_parens(e) {
        syn::Expr::Closure(c) => Some(c),
        _ => None,
    }
}
