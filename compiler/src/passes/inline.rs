//! Helpers with loops inlined where they are called: a per-element helper that returns from
//! inside its loop, as Numba's users write escape-time functions, becomes part of the caller's
//! loop nest, which `exits` and `unroll_jam` then rewrite as they rewrite a loop written inline.
//!
//! In: a typed program before `exits`. Out: the same program where a call at the root of an
//! assignment or a store, `x = f(a, b)` or `out[i] = f(a, b)`, of a helper
//!
//! ```text
//! fn f(p, q) -> T { S1; for k in .. { E; if c { A; return e } B } S2; return e2 }
//! ```
//!
//! becomes, with the helper's locals renamed to new ones of the caller (`f.p`, `f.k`, ...),
//!
//! ```text
//! f.p = a; f.q = b; f.ret = 0; f.done = false;
//! S1; for f.k in .. { E; if c { A; f.ret = e; f.done = true; break } B }
//! if !f.done { S2; f.ret = e2 }
//! x = f.ret                                     // or out[i] = f.ret
//! ```
//!
//! The arguments are evaluated in order into the parameters, as for the call; the body runs as
//! it did in the helper, each `return` storing its value and leaving the loops the helper was
//! in; `f.ret` starts at zero only so that every path assigns it before it is read (the zero
//! is never seen: each way out of the body assigns it). The helper's locals are new locals
//! declared at the call (their span is the call's), so nothing else reads them; each call
//! assigns them before reading them, as the helper did, so they are scoped as a `let` there
//! would be (which `exits` and `unroll_jam` rely on: Mandelbrot's `escape.z`, not read after
//! the loop, takes its lanes' values without a select).
//!
//! A helper qualifies when it has a loop (one without is inlined by LLVM, and `unroll_jam`
//! already takes calls of helpers that cannot fail), takes and returns scalars (a real or
//! integer result: its zero is a constant), holds only scalars, cannot fail (no checked access,
//! no integer division; calls only of helpers that cannot fail and always return: the complex
//! prelude's arithmetic), is small ([`MAX_NODES`]), and returns only at the end of its body or
//! from guards `if c { A; return e }` (`A` assignments) at the top level of the body of a loop
//! at the top level of its body, followed by a return at the end. Numba's Mandelbrot,
//! `fn escape(c: Complex64, max_iter: i32) -> i32 { let mut z = ..; for i in 0..max_iter { z =
//! z * z + c; if z.norm_sqr() > 4.0 { return i } } max_iter }` called per pixel, then runs in
//! sixteen vector lanes: see `exits`.

use super::nest::{cannot_fail, pure_instances};
use crate::ir::edit::block_exprs;
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// The largest helper inlined, in expression nodes.
const MAX_NODES: usize = 200;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    let helpers: HashMap<InstId, Instance> = p
        .instances
        .iter()
        .filter(|(_, inst)| qualifies(inst, &pure))
        .map(|(id, inst)| (id, inst.clone()))
        .collect();
    if helpers.is_empty() {
        return;
    }
    let ids: Vec<InstId> = p.instances.keys().collect();
    for (id, inst) in ids.into_iter().zip(p.instances.values_mut()) {
        if helpers.contains_key(&id) {
            continue;
        }
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = block(inst, body, &helpers);
    }
}

/// Whether `inst` is a helper to inline (module doc).
fn qualifies(inst: &Instance, pure: &HashSet<InstId>) -> bool {
    let f = &inst.func;
    let result = matches!(inst.ret, Type::Scalar(s) if s.is_int() || s.is_float());
    let scalars = inst.params.iter().all(|t| matches!(t, Type::Scalar(_)))
        && f.locals.keys().all(|l| {
            inst.local_types
                .get(l)
                .is_none_or(|t| matches!(t, Type::Scalar(_)))
        });
    let mut roots = Vec::new();
    block_exprs(&f.body, &mut roots);
    let mut nodes = 0;
    let safe = roots
        .iter()
        .all(|&e| cannot_fail(inst, e, &mut nodes, pure));
    result
        && scalars
        && safe
        && nodes <= MAX_NODES
        && has_loop(&f.body.stmts)
        && shaped(&f.body.stmts)
}

fn has_loop(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::For { .. } | Stmt::Loop { .. } => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => has_loop(&then_body.stmts) || has_loop(&else_body.stmts),
        _ => false,
    })
}

/// Whether `s` returns (at any depth).
fn returns(s: &Stmt) -> bool {
    match s {
        Stmt::Return { .. } => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => then_body.stmts.iter().chain(&else_body.stmts).any(returns),
        Stmt::Loop { body } | Stmt::For { body, .. } => body.stmts.iter().any(returns),
        _ => false,
    }
}

/// `if c { A; return e }` (no `else`, `A` assignments): `e`.
fn guard_return(s: &Stmt) -> Option<ExprId> {
    let Stmt::If {
        then_body,
        else_body,
        ..
    } = s
    else {
        return None;
    };
    let (Stmt::Return { value, .. }, assigns) = then_body.stmts.split_last()? else {
        return None;
    };
    let plain =
        else_body.stmts.is_empty() && assigns.iter().all(|s| matches!(s, Stmt::Assign { .. }));
    value.filter(|_| plain)
}

/// Whether a body's statements return only as [`inline`] rewrites them: a value at the end,
/// guards at the top level of the body of a loop at its top level, followed by statements of
/// the same shape.
fn shaped(stmts: &[Stmt]) -> bool {
    for (i, s) in stmts.iter().enumerate() {
        match s {
            Stmt::Return { value, .. } => return value.is_some() && i + 1 == stmts.len(),
            Stmt::For { body, .. } | Stmt::Loop { body } if returns(s) => {
                let guards = body
                    .stmts
                    .iter()
                    .all(|s| !returns(s) || guard_return(s).is_some());
                return guards && shaped(&stmts[i + 1..]);
            }
            s if returns(s) => return false,
            _ => {}
        }
    }
    false
}

/// Inlines the calls of `helpers` at the root of the assignments and stores of `b`.
fn block(inst: &mut Instance, b: Block, helpers: &HashMap<InstId, Instance>) -> Block {
    let mut out = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        let s = s.map_blocks(|inner| block(inst, inner, helpers));
        let value = match &s {
            Stmt::Assign { value, .. } | Stmt::Store { value, .. } => *value,
            _ => {
                out.push(s);
                continue;
            }
        };
        let ExprKind::CallInst { inst: callee, args } = &inst.func.expr(value).kind else {
            out.push(s);
            continue;
        };
        let Some(helper) = helpers.get(callee) else {
            out.push(s);
            continue;
        };
        let (args, span) = (args.clone(), stmt_span(&s));
        let ret = inline(inst, helper, &args, span, &mut out);
        inst.drop_node(value);
        let value = inst.build(span).local(ret);
        out.push(match s {
            Stmt::Assign { local, span, .. } => Stmt::Assign { local, value, span },
            Stmt::Store {
                array,
                index,
                span,
                checked,
                ..
            } => Stmt::Store {
                array,
                index,
                value,
                span,
                checked,
            },
            _ => unreachable!("matched above"),
        });
    }
    Block { stmts: out }
}

fn stmt_span(s: &Stmt) -> Span {
    match s {
        Stmt::Assign { span, .. } | Stmt::Store { span, .. } => *span,
        _ => unreachable!("an assignment or a store"),
    }
}

/// Pushes `helper`'s body, called with `args` (expressions of `inst`, moved), onto `out`;
/// returns the local holding its result.
fn inline(
    inst: &mut Instance,
    helper: &Instance,
    args: &[ExprId],
    span: Span,
    out: &mut Vec<Stmt>,
) -> LocalId {
    let name = helper.func.name.clone();
    let mut rename = HashMap::new();
    for (l, decl) in helper.func.locals.iter() {
        // A local without a type is one the helper no longer uses. The copies are declared at
        // the call, as source variables where the helper's were: to `exits` and `unroll_jam`,
        // scoped like a `let` there.
        if let Some(&ty) = helper.local_types.get(l) {
            let copy = inst.func.add_local(LocalDecl {
                name: format!("{name}.{}", decl.name),
                span,
                ..decl.clone()
            });
            inst.local_types.insert(copy, ty);
            rename.insert(l, copy);
        }
    }
    let mut b = inst.build(span);
    for (p, &a) in helper.func.params.iter().zip(args) {
        out.push(b.assign(rename[p], a));
    }
    let ret = b.temp(&format!("{name}.ret"), helper.ret);
    let done = b.temp(&format!("{name}.done"), Type::Scalar(Scalar::Bool));
    let Type::Scalar(t) = helper.ret else {
        unreachable!("`qualifies` checked the result")
    };
    let zero = b.constant(Const::int(t, 0));
    out.push(b.assign(ret, zero));
    let no = b.constant(Const::int(Scalar::Bool, 0));
    out.push(b.assign(done, no));
    let cx = Cx {
        helper,
        rename: &rename,
        ret,
        done,
        span,
    };
    out.extend(cx.body(inst, &helper.func.body.stmts));
    ret
}

struct Cx<'a> {
    helper: &'a Instance,
    rename: &'a HashMap<LocalId, LocalId>,
    ret: LocalId,
    done: LocalId,
    span: Span,
}

impl Cx<'_> {
    /// `stmts` of the helper (a body [`shaped`] accepts) as statements of `inst`.
    fn body(&self, inst: &mut Instance, stmts: &[Stmt]) -> Vec<Stmt> {
        let mut out = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            match s {
                Stmt::Return { value: Some(e), .. } => {
                    let value = self.expr(inst, *e);
                    out.push(inst.build(self.span).assign(self.ret, value));
                    break;
                }
                Stmt::For { .. } | Stmt::Loop { .. } if returns(s) => {
                    out.push(self.exiting_loop(inst, s));
                    // if !done { rest }
                    let rest = self.body(inst, &stmts[i + 1..]);
                    let mut b = inst.build(self.span);
                    let done = b.local(self.done);
                    let cond = b.unary(UnOp::Not, done);
                    out.push(Stmt::If {
                        cond,
                        then_body: Block { stmts: rest },
                        else_body: Block::default(),
                    });
                    break;
                }
                s => out.push(self.stmt(inst, s)),
            }
        }
        out
    }

    /// A loop of the helper whose guards return, each `return e` as `ret = e; done = true; break`.
    fn exiting_loop(&self, inst: &mut Instance, s: &Stmt) -> Stmt {
        let mut copy = self.stmt(inst, s);
        let (Stmt::For { body, .. } | Stmt::Loop { body }) = &mut copy else {
            unreachable!("a loop")
        };
        for g in &mut body.stmts {
            let Stmt::If { then_body, .. } = g else {
                continue;
            };
            if !matches!(then_body.stmts.last(), Some(Stmt::Return { .. })) {
                continue;
            }
            let Some(Stmt::Return {
                value: Some(value), ..
            }) = then_body.stmts.pop()
            else {
                unreachable!("`shaped` checked the guard")
            };
            let mut b = inst.build(self.span);
            let yes = b.constant(Const::int(Scalar::Bool, 1));
            then_body.stmts.push(b.assign(self.ret, value));
            then_body.stmts.push(b.assign(self.done, yes));
            then_body.stmts.push(Stmt::Break);
        }
        copy
    }

    fn stmt(&self, inst: &mut Instance, s: &Stmt) -> Stmt {
        inst.import_stmt(self.helper, s, self.rename)
    }

    fn expr(&self, inst: &mut Instance, e: ExprId) -> ExprId {
        inst.import_expr(self.helper, e, self.rename)
    }
}
