//! Values of a `while` test carried into the body: what the test computes and the body computes
//! again from the same values is computed once per pass, at the end of the body (GCC's
//! predictive commoning, for the test of a loop).
//!
//! In: a typed program after versioning. Out: the same program where a loop
//!
//! ```text
//! while t(e) { B(e) }                   // e.g. while zr * zr + zi * zi <= 4.0 { t = zr * zr - zi * zi + cr; .. }
//! ```
//!
//! whose test `t` and straight-line body `B` (assignments and stores) both compute a pure
//! arithmetic expression `e` of locals and constants, `B` before it assigns any local `e`
//! reads, becomes
//!
//! ```text
//! carried.0 = e;
//! while t(carried.0) { B(carried.0); carried.0 = e }
//! ```
//!
//! The body's `e` is the value the test just computed from the same locals, and the value
//! computed at the end of a pass is the one the next test would compute: the same operations on
//! the same values, so the same bits. A test evaluates `&&` and `||` lazily, while `e` is now
//! computed at every pass; that changes nothing since `e` cannot fail and has no effects
//! (no integer division, no call, no load). Mandelbrot's `zr * zr` and `zi * zi` are
//! multiplied once per pass instead of twice: 24.8-27.5 -> 23.2-23.5 ms in sixteen vector lanes
//! on an AMD Zen 3 (AVX2), rustc 123 ms. The carried values are read only inside the loop, so
//! `unroll_jam` updates their lanes without a select.

use super::expr_key;
use super::nest::{cannot_fail, locals_read, while_test};
use crate::ir::edit::stmt_exprs;
use crate::ir::walk::children;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = block(inst, body, &mut 0);
    }
}

/// Rewrites the loops of `b` that qualify (`count`: the carried values so far, which name them).
fn block(inst: &mut Instance, b: Block, count: &mut usize) -> Block {
    let mut out = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        let mut s = s.map_blocks(|inner| block(inst, inner, count));
        if let Stmt::Loop { body } = &mut s {
            carry(inst, body, &mut out, count);
        }
        out.push(s);
    }
    Block { stmts: out }
}

/// Rewrites the loop whose body is `body` when it is a `while` loop that qualifies (module doc),
/// pushing the carried values' first assignments onto `out`.
fn carry(inst: &mut Instance, body: &mut Block, out: &mut Vec<Stmt>, count: &mut usize) {
    let Some(cond) = while_test(body) else {
        return;
    };
    let rest = &body.stmts[1..];
    if !rest
        .iter()
        .all(|s| matches!(s, Stmt::Assign { .. } | Stmt::Store { .. }))
    {
        return;
    }
    // What the test computes, by key, and which of it the body computes again.
    let mut tested = HashMap::new();
    candidates(inst, cond, &mut tested);
    if tested.is_empty() {
        return;
    }
    let mut found = HashSet::new();
    body_matches(
        inst,
        rest,
        &|key| tested.contains_key(key),
        &mut |key, _| {
            found.insert(key);
        },
    );
    if found.is_empty() {
        return;
    }
    // One carried local per value found, in the order of the test.
    let mut values: Vec<(&String, ExprId)> = tested
        .iter()
        .filter(|(k, _)| found.contains(*k))
        .map(|(k, e)| (k, *e))
        .collect();
    values.sort_by_key(|(_, e)| *e);
    let span = inst.func.expr(cond).span;
    let mut b = inst.build(span);
    let mut carried = HashMap::new();
    let mut updates = Vec::new();
    for (key, e) in values {
        let ty = b.inst.ty(e);
        let local = b.temp(&format!("carried.{count}"), ty);
        *count += 1;
        let first = b.copy(e);
        out.push(b.assign(local, first));
        let again = b.copy(e);
        updates.push(b.assign(local, again));
        carried.insert(key.clone(), local);
    }
    let mut hits = Vec::new();
    let is_carried = |key: &str| carried.contains_key(key);
    matches(
        b.inst,
        cond,
        &is_carried,
        &HashSet::new(),
        &mut |key, at| hits.push((key, at)),
    );
    body_matches(b.inst, &body.stmts[1..], &is_carried, &mut |key, at| {
        hits.push((key, at))
    });
    // Each node found becomes a read of its carried local.
    for (key, at) in hits {
        for c in children(&b.inst.func.expr(at).kind) {
            b.inst.drop_expr(c);
        }
        b.inst.func.exprs[at].kind = ExprKind::Local(carried[&key]);
    }
    body.stmts.extend(updates);
}

/// The pure arithmetic nodes of `e` (operators and casts over locals and constants that cannot
/// fail), by key.
fn candidates(inst: &Instance, e: ExprId, out: &mut HashMap<String, ExprId>) {
    let f = &inst.func;
    for c in children(&f.expr(e).kind) {
        candidates(inst, c, out);
    }
    if carriable(inst, e) {
        out.entry(expr_key(f, e)).or_insert(e);
    }
}

/// Whether `e` is an operator or cast whose operands, at any depth, are locals, constants and
/// operators that cannot fail.
fn carriable(inst: &Instance, e: ExprId) -> bool {
    fn leaves(f: &Function, e: ExprId) -> bool {
        match &f.expr(e).kind {
            ExprKind::Local(_) | ExprKind::Const(_) => true,
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => leaves(f, *x),
            ExprKind::Binary(_, a, b) => leaves(f, *a) && leaves(f, *b),
            _ => false,
        }
    }
    let f = &inst.func;
    matches!(
        f.expr(e).kind,
        ExprKind::Unary(..) | ExprKind::Cast(..) | ExprKind::Binary(..)
    ) && leaves(f, e)
        && cannot_fail(inst, e, &mut 0, &HashSet::new())
}

/// Calls `hit` for each outermost node of the straight-line statements `stmts` that `is_key`
/// takes and that reads no local assigned before it in `stmts`.
fn body_matches(
    inst: &Instance,
    stmts: &[Stmt],
    is_key: &impl Fn(&str) -> bool,
    hit: &mut impl FnMut(String, ExprId),
) {
    let mut assigned = HashSet::new();
    for s in stmts {
        let mut roots = Vec::new();
        stmt_exprs(s, &mut roots);
        for e in roots {
            matches(inst, e, is_key, &assigned, hit);
        }
        if let Stmt::Assign { local, .. } = s {
            assigned.insert(*local);
        }
    }
}

/// Calls `hit` for each outermost node of `e` that `is_key` takes (by [`expr_key`]) and that
/// reads no local of `assigned`.
fn matches(
    inst: &Instance,
    e: ExprId,
    is_key: &impl Fn(&str) -> bool,
    assigned: &HashSet<LocalId>,
    hit: &mut impl FnMut(String, ExprId),
) {
    let f = &inst.func;
    let key = expr_key(f, e);
    if is_key(&key) {
        let mut read = Vec::new();
        locals_read(f, e, &mut read);
        if !read.iter().any(|l| assigned.contains(l)) {
            hit(key, e);
            return;
        }
    }
    for c in children(&f.expr(e).kind) {
        matches(inst, c, is_key, assigned, hit);
    }
}
