//! Generic walks over the loop IR that several phases share.
//!
//! In: blocks and expressions of a function. Out: their sub-expressions, the locals they read and
//! assign, and whether control can leave a loop body early.

use super::*;
use crate::span::Span;
use std::collections::HashSet;

/// The direct sub-expressions of an expression, in evaluation order.
pub fn children(k: &ExprKind) -> Vec<ExprId> {
    match k {
        ExprKind::Lit(_) | ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::Shape { .. } => {
            Vec::new()
        }
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => vec![*x],
        ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => vec![*a, *b],
        ExprKind::Load { index, .. } => index.clone(),
        ExprKind::Method { receiver, args, .. } => std::iter::once(*receiver)
            .chain(args.iter().copied())
            .collect(),
        ExprKind::Intrinsic { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::CallInst { args, .. } => args.clone(),
        ExprKind::Gpu { index, args, .. } => index.iter().chain(args).copied().collect(),
    }
}

/// Whether expression `e` of `f` reads one of the locals in `set`.
pub fn reads_any(f: &Function, e: ExprId, set: &HashSet<LocalId>) -> bool {
    matches!(f.expr(e).kind, ExprKind::Local(l) if set.contains(&l))
        || children(&f.expr(e).kind)
            .into_iter()
            .any(|c| reads_any(f, c, set))
}

/// Whether expression `e` of `f` reads local `l`.
pub fn reads_local(f: &Function, e: ExprId, l: LocalId) -> bool {
    reads_any(f, e, &HashSet::from([l]))
}

/// Every local a block assigns, `for` loop variables included.
pub fn assigned_locals(b: &Block) -> HashSet<LocalId> {
    let mut out = HashSet::new();
    assigned(b, false, &mut out);
    out
}

/// Every local a block assigns outside its `prange` loops (whose bodies are skipped).
pub fn assigned_outside_pranges(b: &Block) -> HashSet<LocalId> {
    let mut out = HashSet::new();
    assigned(b, true, &mut out);
    out
}

fn assigned(b: &Block, skip_pranges: bool, out: &mut HashSet<LocalId>) {
    for s in &b.stmts {
        match s {
            Stmt::For { range, .. } if skip_pranges && range.parallel => {}
            Stmt::Assign { local, .. } => {
                out.insert(*local);
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                assigned(then_body, skip_pranges, out);
                assigned(else_body, skip_pranges, out);
            }
            Stmt::Loop { body } => assigned(body, skip_pranges, out),
            Stmt::For { var, body, .. } => {
                out.insert(*var);
                assigned(body, skip_pranges, out);
            }
            _ => {}
        }
    }
}

/// A `break` of the loop whose body `b` is (at `depth` 0) or any `return` inside it: its span
/// (`break` carries none: callers point at the loop) and which it is.
pub fn escapes(b: &Block, depth: u32) -> Option<(Option<Span>, &'static str)> {
    for s in &b.stmts {
        let found = match s {
            Stmt::Return { span, .. } => Some((Some(*span), "return")),
            Stmt::Break if depth == 0 => Some((None, "break")),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => escapes(then_body, depth).or_else(|| escapes(else_body, depth)),
            Stmt::Loop { body } | Stmt::For { body, .. } => escapes(body, depth + 1),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Function `k` of an untyped program and the functions it calls, directly or not, each once, in
/// the order first reached (`k` first).
pub fn reachable(program: &Program, k: FuncId) -> Vec<FuncId> {
    let mut out = vec![k];
    let mut next = 0;
    while let Some(&f) = out.get(next) {
        next += 1;
        for e in &program.func(f).exprs {
            if let ExprKind::Call { func, .. } = e.kind {
                if !out.contains(&func) {
                    out.push(func);
                }
            }
        }
    }
    out
}
