//! Extent versioning: a function whose array operators combine parameters of unproven equal
//! shapes runs, when their extents are equal at entry, a copy of its body in which they are
//! known equal, and its body as it was otherwise.
//!
//! `&s / &x` broadcasts by ndarray's rules: either operand may have extent 1 on an axis and be
//! stretched, so the result's extent is not known to be either operand's, and the loops of a
//! chain of such operators (`let d1 = ..; let d2 = &d1 - ..;`) run over extents `shapes` cannot
//! prove equal: `fusion` keeps them apart and every step is a pass over memory. The common case
//! is arrays of one shape; this pass makes it a version of the function of its own.
//!
//! In: a typed program, before `shapes`. Out: the same program where a function body `B` with
//! two or more loops among its statements, whose broadcasts (`broadcast_with(a, b)`, and
//! `broadcast_onto(a, b)` as `out.assign(&expr)` stretches `expr`) pair axes of unproven equal
//! extents, each equal to an extent known at entry (an axis of a parameter, a `usize`
//! parameter), becomes `if p == q && .. { B' } else { B }`: `B'` is a copy of `B` with fresh
//! locals (each still assigned once), and the test compares the entry extents the broadcasts
//! pair, in order, each pair's extents then known equal (the next pairing may rely on it).
//! `shapes` learns the test's equalities in `B'` (an `if` whose condition is `a == b && ..` of
//! extents), so its broadcasts have their operands' shapes and `fusion` can merge its loops.
//! The version is kept only where `B'` then has fewer loops than `B` (a trial run of `shapes`
//! and `fusion`): it costs compile time. Results are the same either way: the copy is the
//! same code, run where the test holds.

use super::shapes::{ndim, Extent, Shapes};
use crate::ir::edit::Builder;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    let infallible = super::fusion::infallible(p);
    for inst in p.instances.values_mut() {
        let pairs = assumptions(inst);
        if !pairs.is_empty() {
            let mut trial = inst.clone();
            version(&mut trial, pairs);
            // Kept where it pays: the copy fuses into fewer loops than the body, or a folding
            // loop of it reads arrays instead of views.
            super::shapes::settle(&mut trial);
            super::fusion::fuse(&mut trial, &infallible);
            let [Stmt::If {
                then_body,
                else_body,
                ..
            }] = &trial.func.body.stmts[..]
            else {
                continue;
            };
            let views = broadcast_views(&trial);
            let folds = |b| folds_through_views(&trial, b, &views);
            let pays = loops(then_body) < loops(else_body) || folds(then_body) < folds(else_body);
            if pays {
                *inst = trial;
            }
        }
    }
}

/// The loads through broadcast views in the loops of `b` that fold into two or more float
/// partial results (a fused `sum`'s eight): in the copy, where `shapes` proves a view stretches
/// nothing, they read the array itself, whose strides LLVM then knows.
fn folds_through_views(inst: &Instance, b: &Block, views: &HashSet<LocalId>) -> usize {
    b.stmts
        .iter()
        .map(|s| match s {
            Stmt::For { body, .. } | Stmt::Loop { body } => {
                let own = if partials(inst, body) >= 2 {
                    view_loads(inst, body, views)
                } else {
                    0
                };
                own + folds_through_views(inst, body, views)
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                folds_through_views(inst, then_body, views)
                    + folds_through_views(inst, else_body, views)
            }
            _ => 0,
        })
        .sum()
}

/// The float locals a block assigns from themselves (`p = p + e`), outside inner loops.
fn partials(inst: &Instance, b: &Block) -> usize {
    b.stmts
        .iter()
        .filter(|s| match s {
            Stmt::Assign { local, value, .. } => {
                matches!(inst.local_ty(*local), Type::Scalar(s) if s.is_float())
                    && crate::ir::walk::reads_local(&inst.func, *value, *local)
            }
            _ => false,
        })
        .count()
}

/// The locals of `inst` made by a broadcast.
fn broadcast_views(inst: &Instance) -> HashSet<LocalId> {
    crate::ir::walk::assignments(&inst.func.body)
        .into_iter()
        .filter(|&(_, v)| matches!(inst.func.expr(v).kind, ExprKind::Broadcast { .. }))
        .map(|(l, _)| l)
        .collect()
}

/// The loads of `b` (at any depth) through the broadcast views `views`.
fn view_loads(inst: &Instance, b: &Block, views: &HashSet<LocalId>) -> usize {
    fn expr(inst: &Instance, e: ExprId, views: &HashSet<LocalId>) -> usize {
        let kind = &inst.func.expr(e).kind;
        let own = matches!(kind, ExprKind::Load { array, .. } if views.contains(array)) as usize;
        own + crate::ir::walk::children(kind)
            .into_iter()
            .map(|c| expr(inst, c, views))
            .sum::<usize>()
    }
    let mut roots = Vec::new();
    crate::ir::edit::block_exprs(b, &mut roots);
    roots.into_iter().map(|e| expr(inst, e, views)).sum()
}

/// The number of loops in `b`, at any depth.
fn loops(b: &Block) -> usize {
    b.stmts
        .iter()
        .map(|s| match s {
            Stmt::For { body, .. } | Stmt::Loop { body } => 1 + loops(body),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => loops(then_body) + loops(else_body),
            _ => 0,
        })
        .sum()
}

/// Makes `inst`'s body the test of `pairs` and its two versions.
fn version(inst: &mut Instance, pairs: Vec<(Extent, Extent)>) {
    let span = inst.func.span;
    let mut b = inst.build(span);
    let mut cond: Option<ExprId> = None;
    for (x, y) in pairs {
        let (x, y) = (read(&mut b, x), read(&mut b, y));
        let eq = b.bin(BinOp::Eq, x, y);
        cond = Some(match cond {
            Some(c) => b.and(c, eq),
            None => eq,
        });
    }
    let cond = cond.expect("at least one pair");
    // The copy's locals: a twin of each one the body assigns (parameters stay shared).
    let params = inst.func.params.clone();
    let mut rename = HashMap::new();
    // In the order of their ids, so that the copy's names are the same on every run.
    let mut assigned: Vec<LocalId> = crate::ir::walk::assigned_locals(&inst.func.body)
        .into_iter()
        .collect();
    assigned.sort_by_key(|l| l.index());
    for l in assigned {
        if !params.contains(&l) {
            let decl = inst.func.local(l).clone();
            let ty = inst.local_ty(l);
            let twin = inst.func.add_local(decl);
            inst.local_types.insert(twin, ty);
            rename.insert(l, twin);
        }
    }
    let body = std::mem::take(&mut inst.func.body);
    let copy = inst.copy_block(&body, &rename);
    inst.func.body = Block {
        stmts: vec![Stmt::If {
            cond,
            then_body: copy,
            else_body: body,
        }],
    };
}

/// A read of extent `x` at entry.
fn read(b: &mut Builder<'_>, x: Extent) -> ExprId {
    match x {
        Extent::Dim(a, k) => b.dim(a, k),
        Extent::Scalar(l) => b.local(l),
        Extent::One => b.usize(1),
    }
}

/// The pairs of entry extents that the broadcasts of the body's statements (in order) pair
/// without knowing them equal; none for a body with fewer than two loops among its statements
/// (one loop has nothing to fuse with; a fused `sum` is two, its blocks and its tail).
fn assumptions(inst: &Instance) -> Vec<(Extent, Extent)> {
    let loops = inst
        .func
        .body
        .stmts
        .iter()
        .filter(|s| matches!(s, Stmt::For { .. }))
        .count();
    if loops < 2 {
        return Vec::new();
    }
    let mut shapes = Shapes::of(inst);
    let entry: Vec<Extent> = inst
        .func
        .params
        .iter()
        .flat_map(|&p| match inst.local_ty(p) {
            Type::Array(a) => (0..a.ndim).map(|k| Extent::Dim(p, k)).collect(),
            Type::Scalar(Scalar::Usize) => vec![Extent::Scalar(p)],
            _ => vec![],
        })
        .filter(|x| match *x {
            Extent::Dim(l, _) | Extent::Scalar(l) => shapes.stable.contains(&l),
            Extent::One => false,
        })
        .collect();
    let mut pairs = Vec::new();
    for s in &inst.func.body.stmts {
        if let Stmt::Assign { local, value, .. } = s {
            if let ExprKind::Broadcast {
                array: x, with: w, ..
            } = inst.func.expr(*value).kind
            {
                let stable = |l: &LocalId| shapes.stable.contains(l);
                if stable(local) && stable(&x) && stable(&w) {
                    pair_axes(inst, &mut shapes, &entry, (x, w), &mut pairs);
                }
            }
        }
        shapes.learn(inst, s);
    }
    pairs
}

/// Assumes the aligned axes of `x` and `w` (aligned at the last) equal where each is an entry
/// extent's and neither is known to be 1, recording the pairs.
fn pair_axes(
    inst: &Instance,
    shapes: &mut Shapes,
    entry: &[Extent],
    (x, w): (LocalId, LocalId),
    pairs: &mut Vec<(Extent, Extent)>,
) {
    let (Some(nx), Some(nw)) = (ndim(inst, x), ndim(inst, w)) else {
        return;
    };
    for k in 0..nx.min(nw) {
        let a = Extent::Dim(x, nx - 1 - k);
        let b = Extent::Dim(w, nw - 1 - k);
        if shapes.same(a, b) || shapes.same(a, Extent::One) || shapes.same(b, Extent::One) {
            continue;
        }
        let at_entry = |e: Extent| entry.iter().copied().find(|&p| shapes.same(p, e));
        if let (Some(pa), Some(pb)) = (at_entry(a), at_entry(b)) {
            shapes.union(pa, pb);
            pairs.push((pa, pb));
        }
    }
}
