//! Unroll-and-jam: four iterations of an outer loop share one pass of its inner loop.
//!
//! In: a typed program after versioning. Out: the same program where a loop nest
//!
//! ```text
//! for p in a..b { P; for j in c..d { B } S }
//! ```
//!
//! (`P`, `B`, `S` straight-line assignments and stores) becomes
//!
//! ```text
//! jam.lo = a; jam.hi = b; jam.n = 0;
//! if jam.lo < jam.hi { jam.n = (jam.hi - jam.lo) >> 2 }
//! for jam.q in 0..jam.n {
//!     p.0 = jam.lo + jam.q * 4; ...; p.3 = jam.lo + jam.q * 4 + 3;
//!     P[p.0]; P[p.1]; P[p.2]; P[p.3]
//!     for j in c..d { B[p.0]; B[p.1]; B[p.2]; B[p.3] }
//!     S[p.0]; S[p.1]; S[p.2]; S[p.3]
//! }
//! jam.rest = jam.lo + jam.n * 4;
//! for p in jam.rest..jam.hi { P; for j in c..d { B } S }
//! ```
//!
//! where copy `k` of a part reads `p.k` for `p` and its own copies of the scalars the nest assigns
//! (the last copy the originals, so they end with the values of the last iteration, as before).
//! matmul's `c[[i, j]] += a[[i, p]] * b[[p, j]]` then loads and stores each `c[[i, j]]` once per
//! four products, and a row reduction `s += a[[i, j]] * x[j]` runs four independent chains:
//! every element still gets the same operations in the same order, so results are bit-identical.
//!
//! The nest qualifies when nothing in it can fail (unchecked accesses, as versioning leaves them,
//! no calls, no integer division, no `clamp`), `c..d` is the same in every iteration of `p`, the
//! copies cannot see each other's effects, and jamming saves work:
//! - each scalar the nest assigns gets its value in an iteration before that iteration reads it
//!   (in `P`, or earlier in `B` for reads in `B`);
//! - an array stored in `B` is accessed only in `B`, always at the same index, which does not
//!   depend on `p` and is `j`, `j + e` or `j - e` on some axis: iterations of `p` touch the same
//!   element only at the same `j`, where the jammed loop keeps their order;
//! - an array stored in `P` (or `S`) is accessed in no other part;
//! - `B` stores an array or carries a scalar from one `j` to the next.

use super::{counted, expr_key, invariant};
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// Iterations of the outer loop per pass of the inner loop.
const FACTOR: u64 = 4;
/// The largest inner body, in expression nodes, that is copied [`FACTOR`] times.
const MAX_BODY: usize = 96;

pub fn run(p: &mut TypedProgram) {
    for inst in &mut p.instances {
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = block(inst, body);
    }
}

fn block(inst: &mut Instance, b: Block) -> Block {
    let mut out = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        match s {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => out.push(Stmt::If {
                cond,
                then_body: block(inst, then_body),
                else_body: block(inst, else_body),
            }),
            Stmt::Loop { body } => out.push(Stmt::Loop {
                body: block(inst, body),
            }),
            Stmt::For {
                var,
                range,
                body,
                span,
            } => match qualifies(inst, var, &range, &body) {
                Some(scalars) => jam(inst, scalars, var, range, body, span, &mut out),
                None => out.push(Stmt::For {
                    var,
                    range,
                    body: block(inst, body),
                    span,
                }),
            },
            s => out.push(s),
        }
    }
    Block { stmts: out }
}

/// The parts of an outer loop's body: `P`, the inner loop (variable, range, `B`), `S`.
struct Parts<'a> {
    pre: &'a [Stmt],
    j: LocalId,
    range: &'a ForRange,
    inner: &'a [Stmt],
    post: &'a [Stmt],
}

fn parts(outer: &Block) -> Option<Parts<'_>> {
    let at = outer
        .stmts
        .iter()
        .position(|s| matches!(s, Stmt::For { .. }))?;
    let Stmt::For {
        var, range, body, ..
    } = &outer.stmts[at]
    else {
        return None;
    };
    // Assignments and stores whose accesses versioning (or `boundscheck = false`) left unchecked.
    let straight = |s: &[Stmt]| {
        s.iter()
            .all(|s| matches!(s, Stmt::Assign { .. } | Stmt::Store { checked: false, .. }))
    };
    let (pre, post) = (&outer.stmts[..at], &outer.stmts[at + 1..]);
    (straight(pre) && straight(post) && straight(&body.stmts)).then_some(Parts {
        pre,
        j: *var,
        range,
        inner: &body.stmts,
        post,
    })
}

/// The scalars the nest assigns when `for p in range { body }` qualifies (module doc).
fn qualifies(inst: &Instance, p: LocalId, range: &ForRange, body: &Block) -> Option<Vec<LocalId>> {
    if !counted(inst, p, range) || range.parallel {
        return None;
    }
    let parts = parts(body)?;
    let f = &inst.func;
    if !counted(inst, parts.j, parts.range) || parts.range.parallel {
        return None;
    }
    let all = [parts.pre, parts.inner, parts.post];
    let mut scalars = HashSet::new();
    for s in all.iter().flat_map(|part| part.iter()) {
        if let Stmt::Assign { local, .. } = s {
            scalars.insert(*local);
        }
    }
    if scalars.contains(&p) || scalars.contains(&parts.j) {
        return None;
    }
    let mut varying = scalars.clone();
    varying.insert(p);
    if !invariant(f, &varying, parts.range.start) || !invariant(f, &varying, parts.range.end) {
        return None;
    }
    let (mut nodes, mut outside) = (0, 0);
    let mut ok = true;
    for (k, part) in all.iter().enumerate() {
        let count = if k == 1 { &mut nodes } else { &mut outside };
        for s in part.iter() {
            for e in stmt_exprs(s) {
                ok &= cannot_fail(inst, e, count);
            }
        }
    }
    if !ok || nodes > MAX_BODY {
        return None;
    }
    let carries = defined_before_read(f, &parts, &scalars)?;
    let stored_in_inner = arrays_separate(f, &parts, &varying)?;
    (stored_in_inner || carries).then(|| {
        let mut v: Vec<LocalId> = scalars.into_iter().collect();
        v.sort_by_key(|l| l.index());
        v
    })
}

/// The expressions a straight-line statement evaluates.
fn stmt_exprs(s: &Stmt) -> Vec<ExprId> {
    match s {
        Stmt::Assign { value, .. } => vec![*value],
        Stmt::Store { index, value, .. } => std::iter::once(*value)
            .chain(index.iter().copied())
            .collect(),
        _ => vec![],
    }
}

/// Pure and unable to fail (counting its nodes into `nodes`).
fn cannot_fail(inst: &Instance, e: ExprId, nodes: &mut usize) -> bool {
    *nodes += 1;
    let f = &inst.func;
    match &f.expr(e).kind {
        ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::Shape { .. } => true,
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => cannot_fail(inst, *x, nodes),
        ExprKind::Binary(op, a, b) => {
            (!matches!(op, BinOp::Div | BinOp::Rem) || inst.scalar(*a).is_float())
                && cannot_fail(inst, *a, nodes)
                && cannot_fail(inst, *b, nodes)
        }
        ExprKind::Logical(_, a, b) => cannot_fail(inst, *a, nodes) && cannot_fail(inst, *b, nodes),
        ExprKind::Load {
            index,
            checked: false,
            ..
        } => index.iter().all(|i| cannot_fail(inst, *i, nodes)),
        ExprKind::Intrinsic { op, args } => {
            *op != Intrinsic::Clamp && args.iter().all(|a| cannot_fail(inst, *a, nodes))
        }
        _ => false,
    }
}

/// Checks that each scalar the nest assigns is assigned in an iteration before it is read there
/// (reads in `B` may use values from `P` or from earlier in `B`; reads in `S` only from `P` or
/// `S`, since `B` may run zero times). Returns whether `B` reads a scalar before assigning it
/// (carries it from one `j` to the next), or `None` when a check fails.
fn defined_before_read(f: &Function, parts: &Parts, scalars: &HashSet<LocalId>) -> Option<bool> {
    /// Walks one part in order; `carried` is set when it reads a scalar it assigns later.
    fn walk(
        f: &Function,
        stmts: &[Stmt],
        scalars: &HashSet<LocalId>,
        defined: &mut HashSet<LocalId>,
        carried: &mut bool,
    ) -> bool {
        let assigns: HashSet<LocalId> = stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Assign { local, .. } => Some(*local),
                _ => None,
            })
            .collect();
        let mut done = HashSet::new();
        for s in stmts {
            let mut reads = Vec::new();
            for e in stmt_exprs(s) {
                locals_read(f, e, &mut reads);
            }
            for l in reads {
                if scalars.contains(&l) {
                    if !defined.contains(&l) {
                        return false;
                    }
                    *carried |= assigns.contains(&l) && !done.contains(&l);
                }
            }
            if let Stmt::Assign { local, .. } = s {
                defined.insert(*local);
                done.insert(*local);
            }
        }
        true
    }
    let mut defined = HashSet::new();
    let mut ignore = false;
    if !walk(f, parts.pre, scalars, &mut defined, &mut ignore) {
        return None;
    }
    let mut in_inner = defined.clone();
    let mut carried = false;
    let inner_ok = walk(f, parts.inner, scalars, &mut in_inner, &mut carried);
    let post_ok = walk(f, parts.post, scalars, &mut defined, &mut ignore);
    (inner_ok && post_ok).then_some(carried)
}

fn locals_read(f: &Function, e: ExprId, out: &mut Vec<LocalId>) {
    match &f.expr(e).kind {
        ExprKind::Local(l) => out.push(*l),
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => locals_read(f, *x, out),
        ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => {
            locals_read(f, *a, out);
            locals_read(f, *b, out);
        }
        ExprKind::Load { index, .. } => index.iter().for_each(|i| locals_read(f, *i, out)),
        ExprKind::Intrinsic { args, .. } => args.iter().for_each(|a| locals_read(f, *a, out)),
        _ => {}
    }
}

/// One array access: the part it is in (0 `P`, 1 `B`, 2 `S`), whether it stores, its index.
type Access<'a> = (usize, bool, &'a [ExprId]);

fn accesses<'a>(f: &'a Function, parts: &Parts<'a>) -> HashMap<LocalId, Vec<Access<'a>>> {
    fn expr<'a>(
        f: &'a Function,
        e: ExprId,
        part: usize,
        out: &mut HashMap<LocalId, Vec<Access<'a>>>,
    ) {
        match &f.expr(e).kind {
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => expr(f, *x, part, out),
            ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => {
                expr(f, *a, part, out);
                expr(f, *b, part, out);
            }
            ExprKind::Load { array, index, .. } => {
                index.iter().for_each(|i| expr(f, *i, part, out));
                out.entry(*array).or_default().push((part, false, index));
            }
            ExprKind::Intrinsic { args, .. } => args.iter().for_each(|a| expr(f, *a, part, out)),
            _ => {}
        }
    }
    let mut out: HashMap<LocalId, Vec<Access<'a>>> = HashMap::new();
    for (part, stmts) in [parts.pre, parts.inner, parts.post].into_iter().enumerate() {
        for s in stmts {
            for e in stmt_exprs(s) {
                expr(f, e, part, &mut out);
            }
            if let Stmt::Store { array, index, .. } = s {
                out.entry(*array).or_default().push((part, true, index));
            }
        }
    }
    out
}

/// Checks the array rules of the module doc; returns whether `B` stores an array, or `None` when
/// a rule fails (`varying`: `p` and the scalars the nest assigns).
fn arrays_separate(f: &Function, parts: &Parts, varying: &HashSet<LocalId>) -> Option<bool> {
    let mut stored_in_inner = false;
    for list in accesses(f, parts).values() {
        let stored: HashSet<usize> = list.iter().filter(|a| a.1).map(|a| a.0).collect();
        let parts_used: HashSet<usize> = list.iter().map(|a| a.0).collect();
        if stored.is_empty() {
            continue;
        }
        if parts_used.len() > 1 {
            return None;
        }
        if stored.contains(&1) {
            stored_in_inner = true;
            let key = |index: &[ExprId]| -> Vec<String> {
                index.iter().map(|i| expr_key(f, *i)).collect()
            };
            let first = key(list[0].2);
            if list.iter().any(|a| key(a.2) != first) {
                return None;
            }
            let index = list[0].2;
            let fixed = index.iter().all(|i| invariant(f, varying, *i));
            if !fixed || !index.iter().any(|i| along(f, parts.j, varying, *i)) {
                return None;
            }
        }
    }
    Some(stored_in_inner)
}

/// `j`, `j + e`, `e + j` or `j - e` with `e` free of `j` and of what the nest varies.
fn along(f: &Function, j: LocalId, varying: &HashSet<LocalId>, e: ExprId) -> bool {
    let is_j = |x: ExprId| matches!(f.expr(x).kind, ExprKind::Local(l) if l == j);
    let mut with_j = varying.clone();
    with_j.insert(j);
    match f.expr(e).kind {
        ExprKind::Local(l) => l == j,
        ExprKind::Binary(BinOp::Add, a, b) => {
            (is_j(a) && invariant(f, &with_j, b)) || (is_j(b) && invariant(f, &with_j, a))
        }
        ExprKind::Binary(BinOp::Sub, a, b) => is_j(a) && invariant(f, &with_j, b),
        _ => false,
    }
}

fn copy_stmt(inst: &mut Instance, s: &Stmt, rename: &HashMap<LocalId, LocalId>) -> Stmt {
    match s {
        Stmt::Assign { local, value, span } => Stmt::Assign {
            local: rename.get(local).copied().unwrap_or(*local),
            value: inst.copy_expr(*value, rename),
            span: *span,
        },
        Stmt::Store {
            array,
            index,
            value,
            span,
            checked,
        } => Stmt::Store {
            array: *array,
            value: inst.copy_expr(*value, rename),
            index: index.iter().map(|i| inst.copy_expr(*i, rename)).collect(),
            span: *span,
            checked: *checked,
        },
        other => other.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
fn jam(
    inst: &mut Instance,
    scalars: Vec<LocalId>,
    p: LocalId,
    range: ForRange,
    body: Block,
    span: Span,
    out: &mut Vec<Stmt>,
) {
    let Some(parts) = parts(&body) else {
        // Not reached: `qualifies` found the parts. The loop as it was is still right.
        out.push(Stmt::For {
            var: p,
            range,
            body,
            span,
        });
        return;
    };
    let usize_t = Type::Scalar(Scalar::Usize);
    let bool_t = Type::Scalar(Scalar::Bool);
    let lo = inst.new_local("jam.lo", usize_t, span);
    let hi = inst.new_local("jam.hi", usize_t, span);
    let n = inst.new_local("jam.n", usize_t, span);
    let q = inst.new_local("jam.q", usize_t, span);
    let rest = inst.new_local("jam.rest", usize_t, span);
    let local = |inst: &mut Instance, l: LocalId| inst.new_expr(ExprKind::Local(l), usize_t, span);
    let int = |inst: &mut Instance, v: u64| {
        inst.new_expr(
            ExprKind::Const(Const::int(Scalar::Usize, v as i128)),
            usize_t,
            span,
        )
    };
    let bin = |inst: &mut Instance, op: BinOp, a: ExprId, b: ExprId| {
        let ty = if op.is_comparison() { bool_t } else { usize_t };
        inst.new_expr(ExprKind::Binary(op, a, b), ty, span)
    };
    let assign = |local: LocalId, value: ExprId| Stmt::Assign { local, value, span };
    out.push(assign(lo, range.start));
    out.push(assign(hi, range.end));
    let zero = int(inst, 0);
    out.push(assign(n, zero));
    // jam.n = (hi - lo) >> 2 when the loop is not empty.
    let (l, h) = (local(inst, lo), local(inst, hi));
    let nonempty = bin(inst, BinOp::Lt, l, h);
    let (l, h) = (local(inst, lo), local(inst, hi));
    let len = bin(inst, BinOp::Sub, h, l);
    let shift = int(inst, FACTOR.trailing_zeros() as u64);
    let blocks = bin(inst, BinOp::Shr, len, shift);
    out.push(Stmt::If {
        cond: nonempty,
        then_body: Block {
            stmts: vec![assign(n, blocks)],
        },
        else_body: Block::default(),
    });

    // The jammed loop: copy k reads p.k and its own scalars (the last copy the originals).
    let name = inst.func.local(p).name.clone();
    let mut renames = Vec::new();
    let mut stmts = Vec::new();
    for k in 0..FACTOR {
        let pk = inst.new_local(&format!("{name}.{k}"), usize_t, span);
        let (l, qe, f) = (local(inst, lo), local(inst, q), int(inst, FACTOR));
        let base = bin(inst, BinOp::Mul, qe, f);
        let mut value = bin(inst, BinOp::Add, l, base);
        if k > 0 {
            let off = int(inst, k);
            value = bin(inst, BinOp::Add, value, off);
        }
        stmts.push(assign(pk, value));
        let mut rename = HashMap::from([(p, pk)]);
        if k + 1 < FACTOR {
            for &s in &scalars {
                let decl = inst.func.local(s).clone();
                let ty = inst.local_ty(s);
                let copy = inst.new_local(&format!("{}.{k}", decl.name), ty, decl.span);
                rename.insert(s, copy);
            }
        }
        renames.push(rename);
    }
    for rename in &renames {
        for s in parts.pre {
            stmts.push(copy_stmt(inst, s, rename));
        }
    }
    let mut inner = Vec::new();
    for rename in &renames {
        for s in parts.inner {
            inner.push(copy_stmt(inst, s, rename));
        }
    }
    let none = HashMap::new();
    let inner_range = ForRange {
        start: inst.copy_expr(parts.range.start, &none),
        end: inst.copy_expr(parts.range.end, &none),
        ..parts.range.clone()
    };
    stmts.push(Stmt::For {
        var: parts.j,
        range: inner_range,
        body: Block { stmts: inner },
        span,
    });
    for rename in &renames {
        for s in parts.post {
            stmts.push(copy_stmt(inst, s, rename));
        }
    }
    let (zero, count) = (int(inst, 0), local(inst, n));
    out.push(Stmt::For {
        var: q,
        range: ForRange {
            start: zero,
            end: count,
            inclusive: false,
            reverse: false,
            step: None,
            parallel: false,
        },
        body: Block { stmts },
        span,
    });

    // The remaining iterations, as they were.
    let (l, ne, f) = (local(inst, lo), local(inst, n), int(inst, FACTOR));
    let done = bin(inst, BinOp::Mul, ne, f);
    let start = bin(inst, BinOp::Add, l, done);
    out.push(assign(rest, start));
    let (start, end) = (local(inst, rest), local(inst, hi));
    out.push(Stmt::For {
        var: p,
        range: ForRange {
            start,
            end,
            ..range
        },
        body,
        span,
    });
}
