//! Loop interchange of dot-form nests: the textbook matrix product, one dot product per element,
//! becomes the row-update form that tiling takes.
//!
//! In: a typed program after versioning. Out: the same program where a serial nest
//!
//! ```text
//! for i in I { for j in J { s = INIT; for p in K { s = s + E; } c[i, j] = s; } }
//! ```
//!
//! (`-` for `+` too; `c[j, i]` too) whose expressions cannot fail (versioning made the accesses
//! unchecked) becomes
//!
//! ```text
//! for i in I { for j in J { c[i, j] = INIT; } }        (left out when INIT is `c[i, j]`)
//! for i in I { for p in K { for j in J { c[i, j] = c[i, j] + E; } } }
//! if I and J are not empty { s = c[last i, last j]; }  (the value `s` had after the nest)
//! ```
//!
//! A stored value `F(s)` (`c[i, j] = alpha * s`) that cannot fail and reads no `c` is computed
//! by a last pass, `for i { for j { s = c[i, j]; c[i, j] = F(s) } }`, which also leaves `s` as
//! the nest did.
//!
//! Each element gets the same operations in the same order (`INIT`, then `+ E` for `p` in
//! order), so results are bit-identical; what changes is the order in which elements advance,
//! which nothing can observe: `E` and `INIT` read neither `c` (but `INIT` at `[i, j]`) nor `s`,
//! nothing in the nest can fail, and `c` is written nowhere else in it. The inner loop now walks
//! rows of `b` instead of a column, so it vectorizes, and the nest is the one register tiling
//! (`tile.rs`, next) rewrites: the dot form of a 512x512 `f64` product goes from a column walk
//! per element to the tiled kernel.
//!
//! The nest is interchanged only where `E`'s loads are then walked across an axis but their last
//! fewer times than before (`b[p, j]` of a product: once, then not; `a[i, j, p]`, a sum over the
//! last axis: not, then once). The stores to `c` do not count: tiling, next, keeps the elements
//! of a tile in registers across `p` (so `c[j, i]` is interchanged too).
//!
//! The bounds of `J` and `K` must be the same in the whole nest (they are evaluated once per
//! nest instead of once per row); `I`'s are evaluated once, as before. CPU only, as tiling is.

use super::nest::cannot_fail;
use super::{counted, expr_key, invariant, rewrite_for_loops, ForLoop};
use crate::ir::edit::Builder;
use crate::ir::walk::{array_operand, assigned_locals, children, reads_local};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    let pure = super::nest::pure_instances(p);
    for inst in p.instances.values_mut() {
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = rewrite_for_loops(inst, body, &mut |inst, l, out| match plan(
            inst, &l, &pure,
        ) {
            Some(dot) => {
                interchange(inst, l, dot, out);
                None
            }
            None => Some(l),
        });
    }
}

/// The parts of a dot-form nest.
struct Dot {
    j: LocalId,
    j_range: ForRange,
    s: LocalId,
    init: ExprId,
    /// `INIT` is `c[i, j]` itself: no first nest.
    init_is_c: bool,
    p: LocalId,
    p_range: ForRange,
    op: BinOp,
    e: ExprId,
    c: LocalId,
    index: Vec<ExprId>,
    /// What the rewrite drops: `s op E` and its `s`.
    shells: [ExprId; 2],
    /// The stored value: `s`, or `F(s)` (`alpha * s`), which a last pass over the elements
    /// computes.
    stored: ExprId,
    finish: bool,
}

fn plan(inst: &Instance, l: &ForLoop, pure: &HashSet<InstId>) -> Option<Dot> {
    let f = &inst.func;
    let serial = |r: &ForRange| !r.parallel && r.reductions.is_empty();
    // A `prange` over `i` stays one over the rows of both nests (each writes only its rows).
    if !l.range.reductions.is_empty() || !counted(inst, l.var, &l.range) {
        return None;
    }
    let [Stmt::For {
        var: j,
        range: j_range,
        body: j_body,
        ..
    }] = &l.body.stmts[..]
    else {
        return None;
    };
    let [Stmt::Assign {
        local: s,
        value: init,
        ..
    }, Stmt::For {
        var: p,
        range: p_range,
        body: p_body,
        ..
    }, Stmt::Store {
        array: c,
        index,
        value,
        checked: false,
        ..
    }] = &j_body.stmts[..]
    else {
        return None;
    };
    let [Stmt::Assign {
        local: s2,
        value: update,
        ..
    }] = &p_body.stmts[..]
    else {
        return None;
    };
    let ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), acc, e) = f.expr(*update).kind else {
        return None;
    };
    let is = |x: ExprId, l: LocalId| matches!(f.expr(x).kind, ExprKind::Local(v) if v == l);
    if s2 != s || !is(acc, *s) {
        return None;
    }
    if !serial(j_range)
        || !serial(p_range)
        || !counted(inst, *j, j_range)
        || !counted(inst, *p, p_range)
    {
        return None;
    }
    // `c[i, j]` or `c[j, i]`: one element per iteration of the two outer loops.
    let (i, j, p) = (l.var, *j, *p);
    let element = match index[..] {
        [a, b] => (is(a, i) && is(b, j)) || (is(a, j) && is(b, i)),
        _ => false,
    };
    if !element || !matches!(inst.local_ty(*s), Type::Scalar(_)) {
        return None;
    }
    let assigned: HashSet<LocalId> = assigned_locals(&l.body).into_iter().chain([i]).collect();
    let fixed = |r: &ForRange| invariant(f, &assigned, r.start) && invariant(f, &assigned, r.end);
    if !fixed(j_range) || !fixed(p_range) || assigned.contains(c) {
        return None;
    }
    // `E` and `INIT` cannot fail and read no local of the nest but its counters; `E` reads no
    // element of `c`, `INIT` none but `c[i, j]`.
    let ok = |x: ExprId, counters: &[LocalId]| {
        cannot_fail(inst, x, &mut 0, pure)
            && !reads_local(f, x, *s)
            && assigned
                .iter()
                .all(|a| counters.contains(a) || !reads_local(f, x, *a))
    };
    let init_is_c = matches!(&f.expr(*init).kind,
        ExprKind::Load { array, index: at, .. } if array == c
            && at.len() == index.len()
            && at.iter().zip(index).all(|(x, y)| expr_key(f, *x) == expr_key(f, *y)));
    let init_ok = init_is_c || (ok(*init, &[i, j]) && !reads_array(f, *init, *c));
    if !init_ok || !ok(e, &[i, j, p]) || reads_array(f, e, *c) {
        return None;
    }
    // It pays only where the inner loop then walks fewer loads across a leading axis:
    // `b[p, j]` of a product, not `a[i, j, p]` of a sum over a short last axis, which the
    // interchange would walk with a stride of that axis's length (`sum_last` over
    // 256 x 256 x 12 `f32`: 1.5x rustc's time with the interchange, as gathers).
    if across(f, e, j) >= across(f, e, p) {
        return None;
    }
    // The stored value: `s`, or an expression of `s` (and the outer counters) that cannot fail
    // and reads no `c`.
    let finish = !is(*value, *s);
    let stored_ok = cannot_fail(inst, *value, &mut 0, pure)
        && !reads_array(f, *value, *c)
        && assigned
            .iter()
            .all(|a| [i, j, *s].contains(a) || !reads_local(f, *value, *a));
    if finish && !stored_ok {
        return None;
    }
    Some(Dot {
        j,
        j_range: j_range.clone(),
        s: *s,
        init: *init,
        init_is_c,
        p,
        p_range: p_range.clone(),
        op,
        e,
        c: *c,
        index: index.clone(),
        shells: [*update, acc],
        stored: *value,
        finish,
    })
}

/// The loads of `e` whose index reads `v` on an axis but the last: those a loop over `v` walks
/// with a stride, not element by element.
fn across(f: &Function, e: ExprId, v: LocalId) -> usize {
    let kind = &f.expr(e).kind;
    let here = match kind {
        ExprKind::Load { index, .. } => match index.split_last() {
            Some((_, leading)) => usize::from(leading.iter().any(|x| reads_local(f, *x, v))),
            None => 0,
        },
        _ => 0,
    };
    here + children(kind)
        .into_iter()
        .map(|x| across(f, x, v))
        .sum::<usize>()
}

/// Whether `e` loads, or asks anything of, array `c`.
fn reads_array(f: &Function, e: ExprId, c: LocalId) -> bool {
    let kind = &f.expr(e).kind;
    array_operand(kind) == Some(c) || children(kind).into_iter().any(|x| reads_array(f, x, c))
}

/// Pushes the nests that replace `l`.
fn interchange(inst: &mut Instance, l: ForLoop, dot: Dot, out: &mut Vec<Stmt>) {
    let usize_t = Type::Scalar(Scalar::Usize);
    let i = l.var;
    let span = l.span;
    let elem = inst.local_ty(dot.s);
    let mut b = inst.build(span);
    let [lo, hi] = ["tmp.lo", "tmp.hi"].map(|n| b.temp(n, usize_t));
    out.push(b.assign(lo, l.range.start));
    out.push(b.assign(hi, l.range.end));
    let range = |b: &mut Builder, r: &ForRange| ForRange {
        start: b.copy(r.start),
        end: b.copy(r.end),
        ..r.clone()
    };
    let i_range = |b: &mut Builder| ForRange {
        start: b.local(lo),
        end: b.local(hi),
        ..l.range.clone()
    };
    let index = |b: &mut Builder| dot.index.iter().map(|x| b.copy(*x)).collect::<Vec<_>>();
    let store = |array: LocalId, index: Vec<ExprId>, value: ExprId| Stmt::Store {
        array,
        index,
        value,
        checked: false,
        span,
    };
    if dot.init_is_c {
        b.inst.drop_expr(dot.init);
    } else {
        let at = index(&mut b);
        let init = Stmt::For {
            var: dot.j,
            range: range(&mut b, &dot.j_range),
            body: Block {
                stmts: vec![store(dot.c, at, dot.init)],
            },
            span,
        };
        out.push(Stmt::For {
            var: i,
            range: i_range(&mut b),
            body: Block { stmts: vec![init] },
            span,
        });
    }
    // c[i, j] = c[i, j] op E
    let at = index(&mut b);
    let load = index(&mut b);
    let old = b.load(dot.c, load, elem);
    let next = b.bin(dot.op, old, dot.e);
    let row = Stmt::For {
        var: dot.j,
        range: range(&mut b, &dot.j_range),
        body: Block {
            stmts: vec![store(dot.c, at, next)],
        },
        span,
    };
    let over_p = Stmt::For {
        var: dot.p,
        range: dot.p_range.clone(),
        body: Block { stmts: vec![row] },
        span,
    };
    out.push(Stmt::For {
        var: i,
        range: i_range(&mut b),
        body: Block {
            stmts: vec![over_p],
        },
        span,
    });
    if dot.finish {
        // for i { for j { s = c[i, j]; c[i, j] = F(s) } }: the last element leaves `s` as the
        // original nest did.
        let (at, load) = (index(&mut b), index(&mut b));
        let sum = b.load(dot.c, load, elem);
        let stmts = vec![b.assign(dot.s, sum), store(dot.c, at, dot.stored)];
        let row = Stmt::For {
            var: dot.j,
            range: range(&mut b, &dot.j_range),
            body: Block { stmts },
            span,
        };
        out.push(Stmt::For {
            var: i,
            range: i_range(&mut b),
            body: Block { stmts: vec![row] },
            span,
        });
    } else if !l.range.parallel {
        // `s` as the last element left it: c[hi - 1, end(J) - 1] (a `prange` body's own `s`
        // is not seen after the loop).
        last_sum(&mut b, &l, &dot, [lo, hi], elem, out);
    }
    // The template's expressions: the ranges' and the index's were copied; `s op E` lost its
    // `s` and its shell, the store its value.
    for x in [dot.j_range.start, dot.j_range.end]
        .into_iter()
        .chain(dot.index)
    {
        b.inst.drop_expr(x);
    }
    let [update, acc] = dot.shells;
    b.inst.drop_node(update);
    b.inst.drop_expr(acc);
    if !dot.finish {
        b.inst.drop_expr(dot.stored);
    }
}

/// `if lo < hi && J is not empty { s = c[hi - 1, end(J) - 1] }`: the value the dot form's
/// accumulator has after the nest.
fn last_sum(
    b: &mut Builder,
    l: &ForLoop,
    dot: &Dot,
    [lo, hi]: [LocalId; 2],
    elem: Type,
    out: &mut Vec<Stmt>,
) {
    let i = l.var;
    let (l1, h1) = (b.local(lo), b.local(hi));
    let rows = b.bin(BinOp::Lt, l1, h1);
    let (js, je) = (b.copy(dot.j_range.start), b.copy(dot.j_range.end));
    let cols = b.bin(BinOp::Lt, js, je);
    let ran = b.and(rows, cols);
    let last = |b: &mut Builder, v: LocalId| -> ExprId {
        let one = b.usize(1);
        let end = if v == i {
            b.local(hi)
        } else {
            b.copy(dot.j_range.end)
        };
        b.bin(BinOp::Sub, end, one)
    };
    let rename: HashMap<LocalId, ExprId> = [(i, last(b, i)), (dot.j, last(b, dot.j))]
        .into_iter()
        .collect();
    let at: Vec<ExprId> = dot
        .index
        .iter()
        .map(|x| match b.inst.func.expr(*x).kind {
            ExprKind::Local(v) => rename[&v],
            _ => unreachable!("an index of the counters"),
        })
        .collect();
    let value = b.load(dot.c, at, elem);
    out.push(Stmt::If {
        cond: ran,
        then_body: Block {
            stmts: vec![b.assign(dot.s, value)],
        },
        else_body: Block::default(),
    });
}
