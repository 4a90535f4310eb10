//! New arrays filled by the loop nest right after them are not zeroed first: `let mut y =
//! Array1::zeros(n); for i in 0..n { y[i] = .. }`, and the loops `from_shape_fn` is written as,
//! wrote every element twice, once with `rumba_alloc_zeroed` (a `memset` when the allocator
//! reuses memory) and once in the loop: one more pass over the array where the loop streams
//! memory (a FIR filter's output, a row-wise map).
//!
//! In: a typed program after contraction. Out: the same program where the `zeros` of such an
//! array is [`Init::Uninit`]. An array qualifies when
//! - it is `y = alloc([d0, .., dk], zeros)` of scalar elements other than `bool`, on the heap;
//! - the statements after it in its block are a few assignments that neither name `y` nor
//!   assign what the extents read, then `for i0 in 0..d0 { .. for ik in 0..dk { .. } .. }`
//!   (each level's loop at the top of the level above, counting from 0 by one, its end the same
//!   local, constant or shape query as the extent, nothing in the nest assigning a counter or
//!   what an end reads);
//! - the innermost body stores `y[i0, .., ik]` at its top level, and nothing in the nest reads
//!   `y` otherwise (its shape aside) or leaves a level early (`break`, `continue`, `return`).
//!
//! Every element is then written before anything can read it: the same values, the same bits.
//! (A failing check on the way returns an `Err` and drops the array unread.)

use super::shapes::Shapes;
use crate::ir::edit::{block_exprs, stmt_exprs};
use crate::ir::walk::{array_operand, assigned_locals, children};
use crate::ir::*;
use std::collections::HashSet;

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        let mut found = Vec::new();
        let shapes = Shapes::of(inst);
        block(inst, &shapes, &inst.func.body, &mut found);
        for e in found {
            if let ExprKind::Alloc { init, .. } = &mut inst.func.exprs[e].kind {
                *init = Init::Uninit;
            }
        }
    }
}

/// Collects into `found` the allocations of `b` (at any depth) that qualify.
fn block(inst: &Instance, shapes: &Shapes, b: &Block, found: &mut Vec<ExprId>) {
    for (k, s) in b.stmts.iter().enumerate() {
        if let Some(alloc) = filled(inst, shapes, s, &b.stmts[k + 1..]) {
            found.push(alloc);
        }
        match s {
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                block(inst, shapes, then_body, found);
                block(inst, shapes, else_body, found);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => block(inst, shapes, body, found),
            _ => {}
        }
    }
}

/// The allocation of `s` when it is `y = alloc(.., zeros)` that the statements `after` it fill
/// (module doc).
fn filled(inst: &Instance, shapes: &Shapes, s: &Stmt, after: &[Stmt]) -> Option<ExprId> {
    let f = &inst.func;
    let Stmt::Assign {
        local: y, value, ..
    } = s
    else {
        return None;
    };
    let ExprKind::Alloc {
        shape: AllocShape::Dims(dims),
        init: Init::Zeros,
        ..
    } = &f.expr(*value).kind
    else {
        return None;
    };
    let Type::Array(a) = inst.local_ty(*y) else {
        return None;
    };
    let plain = a
        .elem
        .scalar()
        .is_some_and(|s| s != Scalar::Bool && a.storage == Storage::Heap);
    if !plain || dims.len() != usize::from(a.ndim) {
        return None;
    }
    // What the extents read: nothing before the nest may assign it.
    let mut read = HashSet::new();
    for &d in dims {
        locals_and_arrays(f, d, &mut read);
    }
    let mut rest = after.iter();
    let nest = loop {
        match rest.next()? {
            Stmt::Assign { local, value, .. }
                if *local != *y && !read.contains(local) && !names(f, *value, *y) =>
            {
                continue
            }
            s @ Stmt::For { .. } => break s,
            _ => return None,
        }
    };
    covers(inst, shapes, *y, dims, nest).then_some(*value)
}

/// Whether loop `nest` writes every element of `y`, of extents `dims` (module doc).
fn covers(inst: &Instance, shapes: &Shapes, y: LocalId, dims: &[ExprId], nest: &Stmt) -> bool {
    let f = &inst.func;
    let Stmt::For { body, .. } = nest else {
        return false;
    };
    // Nothing in the nest names `y` but its stores and shape queries, or returns.
    let mut exprs = Vec::new();
    stmt_exprs(nest, &mut exprs);
    block_exprs(body, &mut exprs);
    if exprs.iter().any(|&e| names(f, e, y)) || !stays(body, y) {
        return false;
    }
    let assigned = assigned_locals(body);
    let mut counters = Vec::new();
    let mut level = nest;
    for (l, &d) in dims.iter().enumerate() {
        let Stmt::For {
            var, range, body, ..
        } = level
        else {
            return false;
        };
        let from_zero = matches!(f.expr(range.start).kind, ExprKind::Const(c) if c.bits == 0);
        let mut ends = HashSet::new();
        locals_and_arrays(f, range.end, &mut ends);
        if !from_zero
            || range.step.is_some()
            || range.reverse
            || range.inclusive
            || !same_value(f, shapes, range.end, d)
            || assigned_locals(body).contains(var)
            || (l > 0 && !ends.is_disjoint(&assigned))
            || escapes(body)
        {
            return false;
        }
        counters.push(*var);
        if l + 1 == dims.len() {
            return body.stmts.iter().any(|s| match s {
                Stmt::Store { array, index, .. } if *array == y => {
                    index.len() == counters.len()
                        && index
                            .iter()
                            .zip(&counters)
                            .all(|(&i, &c)| matches!(f.expr(i).kind, ExprKind::Local(v) if v == c))
                }
                _ => false,
            });
        }
        match body.stmts.iter().find(|s| matches!(s, Stmt::For { .. })) {
            Some(inner) => level = inner,
            None => return false,
        }
    }
    false
}

/// Whether expression `e` names `y` other than by asking its shape: reads it as a value,
/// indexes it, views it.
fn names(f: &Function, e: ExprId, y: LocalId) -> bool {
    let kind = &f.expr(e).kind;
    let own = match kind {
        ExprKind::Shape { .. } => false,
        ExprKind::Local(l) => *l == y,
        k => array_operand(k) == Some(y),
    };
    own || children(kind).into_iter().any(|c| names(f, c, y))
}

/// Whether the statements of `b` (at any depth) write `y` only by plain stores and never return.
fn stays(b: &Block, y: LocalId) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Return { .. } => false,
        Stmt::Update { array, .. } => *array != y,
        Stmt::Assign { local, .. } => *local != y,
        Stmt::Unpack { locals, .. } => !locals.contains(&Some(y)),
        Stmt::If {
            then_body,
            else_body,
            ..
        } => stays(then_body, y) && stays(else_body, y),
        Stmt::Loop { body } | Stmt::For { body, .. } => stays(body, y),
        _ => true,
    })
}

/// Whether a `break` or `continue` in `b` ends an iteration of the loop `b` is the body of early
/// (not one of a loop inside it).
fn escapes(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Break | Stmt::Continue => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => escapes(then_body) || escapes(else_body),
        _ => false,
    })
}

/// Whether `a` and `b` are the same value where both are read in turn with no assignment between
/// (module doc): the same local, constant, shape query of the same array, or operator of such
/// (`n - k + 1`), a local assigned once standing for its value where every local that value
/// reads is assigned once too (`tmp = n - 1; y = alloc([tmp], ..); for i in 0..n - 1`).
fn same_value(f: &Function, shapes: &Shapes, a: ExprId, b: ExprId) -> bool {
    let same = |a, b| same_value(f, shapes, a, b);
    // The value of a local assigned once, of such locals only.
    let value = |e: ExprId| match f.expr(e).kind {
        ExprKind::Local(l) => shapes.value.get(&l).copied().filter(|&v| {
            let mut read = HashSet::new();
            locals_and_arrays(f, v, &mut read);
            read.is_subset(&shapes.stable)
        }),
        _ => None,
    };
    match (&f.expr(a).kind, &f.expr(b).kind) {
        (ExprKind::Local(x), ExprKind::Local(y)) if x == y => true,
        (ExprKind::Const(x), ExprKind::Const(y)) => x == y,
        (ExprKind::Binary(p, a1, b1), ExprKind::Binary(q, a2, b2)) => {
            p == q && same(*a1, *a2) && same(*b1, *b2)
        }
        (ExprKind::Unary(p, x), ExprKind::Unary(q, y)) => p == q && same(*x, *y),
        (ExprKind::Cast(x, s), ExprKind::Cast(y, t)) => s == t && same(*x, *y),
        (ExprKind::Shape { array: x, query: p }, ExprKind::Shape { array: y, query: q }) => {
            x == y && p == q
        }
        _ => match (value(a), value(b)) {
            (Some(v), _) => same(v, b),
            (None, Some(w)) => same(a, w),
            (None, None) => false,
        },
    }
}

/// Adds to `out` the locals expression `e` reads or names as arrays.
fn locals_and_arrays(f: &Function, e: ExprId, out: &mut HashSet<LocalId>) {
    let kind = &f.expr(e).kind;
    if let ExprKind::Local(l) = kind {
        out.insert(*l);
    }
    out.extend(array_operand(kind));
    for c in children(kind) {
        locals_and_arrays(f, c, out);
    }
}
