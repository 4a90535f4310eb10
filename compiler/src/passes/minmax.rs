//! Float min/max reductions in partial results: a loop that carries floats only through
//! `m = m.max(e)` (or `min`, either operand first) runs in blocks of [`PARTS`] iterations, each
//! iteration of a block with its own copy of every such `m`, which LLVM's SLP vectorizer packs
//! into vector compares and blends. (LLVM 19 vectorizes no float min/max reduction without
//! fast-math; rustc's newer LLVM does: a row maximum `mx = mx.max(a[[i, j]])` over 512 x 256
//! `f64` took 2.8x rustc's time, 1.01x in partials; a row softmax 1.2x -> 0.95x.)
//!
//! In: a typed program after versioning. Out: the same program where such a loop
//!
//! ```text
//! for j in a..b { B }        // B: assignments; each `m` assigned once, `m = max(m, e)`
//! ```
//!
//! becomes
//!
//! ```text
//! m.init = m;                                   // each m
//! part.lo = a; part.hi = b; part.n = 0;
//! if part.lo < part.hi { part.n = (part.hi - part.lo) >> 3 }
//! m.0 = m.init; ..; m.7 = m.init;
//! for part.q in 0..part.n {
//!     j.k = part.lo + part.q * 8 + k; B[j.k, m.k, v.k]     // each k < 8; v: B's other scalars
//!     v = v.7;                                             // each v
//! }
//! part.rest = part.lo + part.n * 8;
//! m = max(max(max(m.0, m.1), max(m.2, m.3)), max(max(m.4, m.5), max(m.6, m.7)));
//! if m == 0.0 || m != m || .. {                 // any m zero or NaN
//!     m = m.init; ..;  for j in part.lo..part.hi { B }
//! } else {
//!     for j in part.rest..part.hi { B }
//! }
//! ```
//!
//! Results are bit-identical: `max` (and `min`) returns the other operand for a NaN, so a
//! reduction's value is the largest of the values that are not NaN, in whatever order they are
//! taken, and two equal floats that are neither zero nor NaN have the same bits. The order shows
//! only in which of `0.0` and `-0.0` wins a tie, and which NaN comes out when all are NaN: when
//! a partial result is a zero or a NaN, the loop runs again from the start in order, as written.
//! Every other scalar the body assigns ends with the value of the last iteration, as after the
//! loop: it depends on no `m`, and each block ends by giving it its last copy's value. (Where the
//! body copies an `m`, that copy's last value is `m` before the last update, which only the
//! loop as written computes: unless every block that reads the copy assigns it first, as a
//! closure's parameter, `part.n = (part.hi - part.lo - 1) >> 3`, leaving it one iteration at
//! least.)
//!
//! The loop qualifies when nothing in it can fail (unchecked accesses, as versioning leaves
//! them, no integer division; calls only of helpers that cannot fail), its body is assignments
//! alone (no stores: the rerun must repeat nothing visible), each scalar it assigns besides the
//! `m`s gets its value in an iteration before that iteration reads it, and no `m` is read in the
//! body but by its own update, or by a copy that only the update reads (a closure's parameter,
//! `x.iter().fold(f64::NAN, |a, &b| a.max(b))`: `a = m; m = max(a, b)`).

use super::nest::{cannot_fail, locals_read, pure_instances};
use super::strip::Strips;
use super::{counted, rewrite_for_loops, ForLoop};
use crate::ir::edit::Builder;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

/// Iterations of a block, each with its own partial results: eight `f64` lanes, two 256-bit
/// vectors (LLVM's tuning for these cores) or one 512-bit one.
const PARTS: u64 = 8;
/// The largest body, in expression nodes, that is copied [`PARTS`] times.
const MAX_BODY: usize = 48;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    for inst in p.instances.values_mut() {
        let body = std::mem::take(&mut inst.func.body);
        let scoped = assigned_before_read(&inst.func, &body);
        inst.func.body = rewrite_for_loops(inst, body, &mut |inst, l, out| {
            let Some(reductions) = qualifies(inst, &l, &pure) else {
                return Some(l);
            };
            partials(inst, &reductions, &scoped, l, out);
            None
        });
    }
}

/// The locals that every block of `body` that reads them assigns first, before the read, in
/// that block: no value of theirs outlives the block that made it (a closure's parameters, the
/// temporaries of an iteration).
fn assigned_before_read(f: &Function, body: &Block) -> HashSet<LocalId> {
    /// Walks block `b`; returns the locals assigned in it, at any depth. A local counts as
    /// assigned before a read only when the assignment is in the read's own block with no
    /// statement between them assigning it again inside (a loop or an `if`).
    fn walk(f: &Function, b: &Block, live_in: &mut HashSet<LocalId>) -> HashSet<LocalId> {
        let (mut here, mut all) = (HashSet::new(), HashSet::new());
        for s in &b.stmts {
            let mut roots = Vec::new();
            crate::ir::edit::stmt_exprs(s, &mut roots);
            let mut reads = Vec::new();
            for e in roots {
                locals_read(f, e, &mut reads);
            }
            live_in.extend(reads.into_iter().filter(|r| !here.contains(r)));
            let inner = match s {
                Stmt::Assign { local, .. } => {
                    here.insert(*local);
                    all.insert(*local);
                    continue;
                }
                Stmt::Unpack { locals, .. } => {
                    here.extend(locals.iter().flatten());
                    all.extend(locals.iter().flatten());
                    continue;
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    let mut inner = walk(f, then_body, live_in);
                    inner.extend(walk(f, else_body, live_in));
                    inner
                }
                Stmt::For { body, .. } | Stmt::Loop { body } => walk(f, body, live_in),
                _ => continue,
            };
            here.retain(|l| !inner.contains(l));
            all.extend(inner);
        }
        all
    }
    let mut live_in = HashSet::new();
    let mut assigned = walk(f, body, &mut live_in);
    assigned.retain(|l| !live_in.contains(l));
    assigned
}

/// A local the loop carries through `m = op(m, e)`: `m`, `op` (`Max` or `Min`), and the local
/// that holds `m` for the update where the body copies it first (`a = m; m = op(a, e)`, a
/// closure's parameter: `x.iter().fold(f64::NAN, |a, &b| a.max(b))`).
type Reduction = (LocalId, Intrinsic, Option<LocalId>);

/// The min/max reductions of loop `l`, when it qualifies (module doc).
fn qualifies(inst: &Instance, l: &ForLoop, pure: &HashSet<InstId>) -> Option<Vec<Reduction>> {
    if !counted(inst, l.var, &l.range) || l.range.parallel {
        return None;
    }
    let f = &inst.func;
    let mut assigns = Vec::new();
    let mut nodes = 0;
    for s in &l.body.stmts {
        let Stmt::Assign { local, value, .. } = s else {
            return None;
        };
        if !cannot_fail(inst, *value, &mut nodes, pure) {
            return None;
        }
        assigns.push((*local, *value));
    }
    if nodes > MAX_BODY {
        return None;
    }
    let copies: HashMap<LocalId, LocalId> = assigns
        .iter()
        .filter_map(|&(a, v)| match f.expr(v).kind {
            ExprKind::Local(m) => Some((a, m)),
            _ => None,
        })
        .collect();
    let mut reductions: Vec<Reduction> = Vec::new();
    for &(m, value) in &assigns {
        if let Some((op, via)) = reduction(inst, m, value, &copies) {
            if reductions.iter().any(|r| r.0 == m) {
                return None;
            }
            reductions.push((m, op, via));
        }
    }
    // Each `m` and each copy assigned once: by its update, by the copy.
    let once = |x: LocalId| assigns.iter().filter(|a| a.0 == x).count() == 1;
    if reductions.is_empty() || !reductions.iter().all(|r| once(r.0) && r.2.is_none_or(once)) {
        return None;
    }
    // Who may read what: an `m` only its update (or its copy), the copy only the update, after
    // the copy (not the value of the iteration before); every other scalar the body assigns is
    // assigned in the iteration before the iteration reads it.
    let role = |x: LocalId| reductions.iter().find(|r| r.0 == x || r.2 == Some(x));
    let assigned: HashSet<LocalId> = assigns.iter().map(|a| a.0).collect();
    let mut defined = HashSet::new();
    for &(local, value) in &assigns {
        let mut reads = Vec::new();
        locals_read(f, value, &mut reads);
        for r in reads {
            match role(r) {
                Some(&(m, _, via)) => {
                    let update =
                        local == m && (via.is_none() || (via == Some(r) && defined.contains(&r)));
                    let copy = via == Some(local) && r == m;
                    if !(update || copy) {
                        return None;
                    }
                }
                None if assigned.contains(&r) && !defined.contains(&r) => return None,
                None => {}
            }
        }
        defined.insert(local);
    }
    Some(reductions)
}

/// `Some((op, via))` when `m = value` is `m = op(x, e)` or `op(e, x)` for `op` float `max` or
/// `min`, `x` being `m` itself or a local the body copies `m` into (`via`), `e` reading
/// neither.
fn reduction(
    inst: &Instance,
    m: LocalId,
    value: ExprId,
    copies: &HashMap<LocalId, LocalId>,
) -> Option<(Intrinsic, Option<LocalId>)> {
    let f = &inst.func;
    let ExprKind::Intrinsic { op, args } = &f.expr(value).kind else {
        return None;
    };
    let float = matches!(inst.local_ty(m), Type::Scalar(s) if s.is_float());
    if !matches!(op, Intrinsic::Max | Intrinsic::Min) || !float || args.len() != 2 {
        return None;
    }
    let holder = |e: ExprId| match f.expr(e).kind {
        ExprKind::Local(x) if x == m => Some(None),
        ExprKind::Local(x) if copies.get(&x) == Some(&m) => Some(Some(x)),
        _ => None,
    };
    let (via, other) = match (holder(args[0]), holder(args[1])) {
        (Some(via), None) => (via, args[1]),
        (None, Some(via)) => (via, args[0]),
        _ => return None,
    };
    let mut reads = Vec::new();
    locals_read(f, other, &mut reads);
    let clean = !reads.contains(&m) && via.is_none_or(|a| !reads.contains(&a));
    clean.then_some((*op, via))
}

/// Pushes the rewritten loop (module doc) onto `out`.
fn partials(
    inst: &mut Instance,
    reductions: &[Reduction],
    scoped: &HashSet<LocalId>,
    l: ForLoop,
    out: &mut Vec<Stmt>,
) {
    let mut b = inst.build(l.span);
    let usize_t = Type::Scalar(Scalar::Usize);
    let name = |b: &Builder, x: LocalId| b.inst.func.local(x).name.clone();
    let init: Vec<LocalId> = reductions
        .iter()
        .map(|&(m, _, _)| {
            let ty = b.inst.local_ty(m);
            let t = b.temp(&format!("{}.init", name(&b, m)), ty);
            let value = b.local(m);
            out.push(b.assign(t, value));
            t
        })
        .collect();
    // A copy `a` of an `m` holds, after the loop, `m` before its last update: only the loop as
    // written knows it, so where that value may be read after the loop (`a` is not `scoped`)
    // the loop runs one iteration at least. Otherwise the blocks take all they can, and each
    // other scalar ends a block with its last iteration's value (it does not depend on any `m`,
    // which only updates and copies read; a scoped copy's value is never read again).
    let copies = reductions
        .iter()
        .any(|r| r.2.is_some_and(|a| !scoped.contains(&a)));
    let strips = Strips::with(&mut b, "part", &l.range, PARTS, copies, out);
    // Copy k of the body reads j.k for j and m.k for each m; every other scalar it assigns
    // gets a copy of its own too.
    let assigned: Vec<LocalId> = {
        let mut seen = Vec::new();
        for s in &l.body.stmts {
            if let Stmt::Assign { local, .. } = s {
                if !seen.contains(local) {
                    seen.push(*local);
                }
            }
        }
        seen
    };
    let var_name = name(&b, l.var);
    let mut renames: Vec<HashMap<LocalId, LocalId>> = Vec::new();
    let mut block = Vec::new();
    for k in 0..PARTS {
        let jk = b.temp(&format!("{var_name}.{k}"), usize_t);
        let value = strips.iteration(&mut b, k);
        block.push(b.assign(jk, value));
        let mut rename = HashMap::from([(l.var, jk)]);
        let vias: Vec<LocalId> = reductions.iter().filter_map(|r| r.2).collect();
        for &x in assigned.iter().filter(|x| !vias.contains(x)) {
            let ty = b.inst.local_ty(x);
            let copy = b.temp(&format!("{}.{k}", name(&b, x)), ty);
            rename.insert(x, copy);
        }
        // A copy reads its `m.k` directly: the update is then `m.k = max(m.k, e)`, which the
        // back end compiles with the NaN test off `m.k`'s chain (`hints::carried_floats`).
        for &(m, _, via) in reductions {
            if let Some(a) = via {
                rename.insert(a, rename[&m]);
            }
        }
        renames.push(rename);
    }
    for ((m, _, _), &t) in reductions.iter().zip(&init) {
        for rename in &renames {
            let value = b.local(t);
            out.push(b.assign(rename[m], value));
        }
    }
    let is_copy = |s: &Stmt| matches!(s, Stmt::Assign { local, .. } if reductions.iter().any(|r| r.2 == Some(*local)));
    for rename in &renames {
        for s in l.body.stmts.iter().filter(|s| !is_copy(s)) {
            block.push(b.inst.copy_stmt(s, rename));
        }
    }
    if !copies {
        let last = &renames[renames.len() - 1];
        for &x in &assigned {
            if reductions.iter().all(|r| r.0 != x && r.2 != Some(x)) {
                let value = b.local(last[&x]);
                block.push(b.assign(x, value));
            }
        }
    }
    out.push(strips.blocks(&mut b, block));
    let rest = strips.rest(&mut b, &l.range, out);
    // m = the partials combined pairwise; then whether any is zero or NaN.
    let mut doubt = None;
    for &(m, op, _) in reductions {
        let mut level: Vec<ExprId> = renames.iter().map(|r| b.local(r[&m])).collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| b.same(op, pair[0], pair[1]))
                .collect();
        }
        out.push(b.assign(m, level[0]));
        let ty = b.inst.local_ty(m);
        let Type::Scalar(s) = ty else {
            unreachable!("a float reduction")
        };
        let (v, zero) = (b.local(m), b.constant(Const { ty: s, bits: 0 }));
        let is_zero = b.bin(BinOp::Eq, v, zero);
        let (v, w) = (b.local(m), b.local(m));
        let is_nan = b.bin(BinOp::Ne, v, w);
        let either = b.or(is_zero, is_nan);
        doubt = Some(match doubt {
            None => either,
            Some(d) => b.or(d, either),
        });
    }
    // In doubt: the whole loop again, in order, from the values before it.
    let mut again: Vec<Stmt> = reductions
        .iter()
        .zip(&init)
        .map(|(&(m, _, _), &t)| {
            let value = b.local(t);
            b.assign(m, value)
        })
        .collect();
    let whole = strips.whole(&mut b, &l.range);
    let body_again = b.inst.copy_block(&l.body, &HashMap::new());
    again.push(Stmt::For {
        var: l.var,
        range: whole,
        body: body_again,
        span: l.span,
    });
    out.push(Stmt::If {
        cond: doubt.expect("at least one reduction"),
        then_body: Block { stmts: again },
        else_body: Block {
            stmts: vec![Stmt::For {
                var: l.var,
                range: rest,
                body: l.body,
                span: l.span,
            }],
        },
    });
}
