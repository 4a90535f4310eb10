//! Unroll-and-jam: iterations of an outer loop share one pass of its inner loop (four of them
//! for a `for` loop; sixteen, in the lanes of vectors, for a `while` loop).
//!
//! In: a typed program after versioning. Out: the same program where a loop nest
//!
//! ```text
//! for p in a..b { P; for j in c..d { B } S }        or        for p in a..b { P; while t { B } S }
//! ```
//!
//! (`P`, `B`, `S` straight-line assignments and stores, and `if`s of assignments whose values
//! read what was there before them, in `P`, `S` and a `while` loop's `B`: `nest::Parts`)
//! becomes, with `W` = 4 for a `for` loop
//! and 16 ([`LANES`]) for a `while` loop,
//!
//! ```text
//! jam.lo = a; jam.hi = b; jam.n = 0;
//! if jam.lo < jam.hi { jam.n = (jam.hi - jam.lo) >> log2(W) }
//! for jam.q in 0..jam.n {
//!     p.k = jam.lo + jam.q * W + k;                 // for each k < W
//!     P[p.0]; P[p.1]; ...; P[p.W-1]
//!     for j in c..d { B[p.0]; B[p.1]; B[p.2]; B[p.3] }
//!  or jam.go.k = t[p.k];                            // the `while` loops in lanes (`lanes`)
//!     loop {
//!         v.next.k = e[p.k];                        // each k, each `v = e` of B
//!         if jam.go.k { v.k = v.next.k }            // each k: a finished lane keeps its values
//!      or v.k = v.next.k                            // (`v` unseen after the loop: `lanes`)
//!         jam.go.k = jam.go.k & t[p.k, v.next.k];   // each k
//!         if !(jam.go.0 | ... | jam.go.15) { break }
//!     }
//!     S[p.0]; S[p.1]; ...; S[p.W-1]
//! }
//! jam.rest = jam.lo + jam.n * W;
//! for p in jam.rest..jam.hi { P; for j in c..d { B } S }
//! ```
//!
//! where copy `k` of a part reads `p.k` for `p` and its own copies of the scalars the nest assigns
//! (a `for` nest's last copy the originals, so they end with the values of the last iteration, as
//! before; a `while` nest's lanes all have copies, and the originals take the last lane's values
//! after `S`). matmul's `c[[i, j]] += a[[i, p]] * b[[p, j]]` then loads and stores each
//! `c[[i, j]]` once per four products, a row reduction `s += a[[i, j]] * x[j]` runs four
//! independent chains, and Mandelbrot iterates sixteen pixels in the lanes of two 512-bit vectors
//! (LLVM's SLP vectorizer packs the lanes' identical straight-line code; `&&` and `||` of the
//! test are evaluated as `&` and `|`, the `if`s become masked moves): every element still gets the
//! same operations in the same order, and a finished lane's further passes are computed and
//! discarded, so results are bit-identical.
//!
//! The nest qualifies when nothing in it can fail (unchecked accesses, as versioning leaves them,
//! no integer division, no `clamp`, calls only of helpers that cannot fail and always return:
//! scalar parameters, assignments, `if`s and returns, as the complex arithmetic of the prelude;
//! so `z = z * z + c` jams as its split re/im form does; a finished `while` lane's body and test
//! may then be evaluated again, and both sides of `&&`, harmlessly: an unchecked access's index is
//! in bounds for every value the nest gives it, since versioning proved it from the counters and
//! invariants, and no while-carried scalar is among those), `c..d` is the same in every iteration
//! of `p`, the copies cannot see each other's effects, and jamming saves work:
//! - each scalar the nest assigns gets its value in an iteration before that iteration reads it
//!   (in `P`, or earlier in the inner loop for reads there);
//! - an array stored in `B` is accessed only in `B`, always at the same index, which does not
//!   depend on `p` and is `j`, `j + e` or `j - e` on some axis (a `for` loop's `j`; a `while` body
//!   stores nothing): iterations of `p` touch the same element only at the same `j`, where the
//!   jammed loop keeps their order;
//! - an array stored in `P` (or `S`) is accessed in no other part;
//! - `B` stores an array or carries a scalar from one pass to the next;
//! - an inner `for` loop does not run a constant few iterations ([`FEW`]: LLVM unrolls it
//!   whole and vectorizes the outer loop itself), and a `while` loop divides integers only by
//!   constant powers of two (no vector instruction divides: its lanes would each run alone).
//!
//! The cost: a `while` group runs until its longest lane finishes, every lane computing each
//! pass; with the lanes in vectors a pass costs about what one element's pass costs alone.
//! `while t < x[i] { t = t * 0.999 + 1.0; n += 1 }` over 100,000 elements (AVX-512, against
//! the plain loop compiled by rustc): every element at ~360 steps, 8.5x faster; ~920 and 1
//! alternating, 4.1x; one element in four at ~1600 and the rest at 1, 2.1x; one in sixteen,
//! 1.9x *slower* (a whole group waits for its one long lane). Mandelbrot (1024x1024, 200
//! iterations): 34 ms with four pixels in lockstep as scalar code (the previous form: a flag per
//! copy, `if jam.go.k { B[p.k] }`, the last copy alone), 12 ms in sixteen lanes; rustc 76 ms
//! (on the Intel Xeon of 2026-12-06: 16.7 ms, 14.6 with each vector's mask tested alone,
//! [`any_lane`]; rustc 81.7).
//! LLVM compiles, per lane, a copy of a `while` body and two of its test (before the loop and
//! at the end of a pass); four copies of a `for` body. Mandelbrot's first call: ~64 -> ~80 ms.

use super::nest::{
    accesses, along, cannot_fail, defined_before_read, locals_read, pure_instances, Inner, Parts,
    Step,
};
use super::strip::{Strips, FACTOR};
use super::{const_bits, counted, expr_key, invariant, rewrite_for_loops, tile, ForLoop};
use crate::ir::edit::{block_exprs, stmt_exprs, Builder};
use crate::ir::walk::{children, Uses};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

/// Iterations of the outer loop whose inner `while` loops run in lockstep, in the lanes of
/// vectors: two 512-bit vectors of `f64` (four 256-bit ones), so that two independent chains
/// hide each other's latency. Mandelbrot: 12 ms with 16 lanes, 18-21 with 8 (AVX-512); 21 and
/// 27 ms with AVX2 (`RUMBA_CPU=x86-64-v3`).
const LANES: u64 = 16;
/// The most iterations of an inner loop of constant bounds that is left to LLVM to unroll whole
/// rather than jammed ([`few_constant_trips`]).
const FEW: u128 = 8;
/// The largest inner body, in expression nodes, that is copied [`FACTOR`] (or [`LANES`]) times.
const MAX_BODY: usize = 96;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    for inst in p.instances.values_mut() {
        let read = Uses::of(&inst.func, &inst.func.body).reads;
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = rewrite_for_loops(inst, body, &mut |inst, l, out| {
            if tile::qualifies(inst, &l, &pure).is_some() {
                // Tiling, next, jams this nest two loops deep.
                out.push(l.into_stmt());
                return None;
            }
            let Some((parts, scalars)) = qualifies(inst, &l, &pure) else {
                return Some(l);
            };
            let rest = jam(inst, &scalars, &parts, &l, &read, out);
            // The remaining iterations, as they were.
            out.push(Stmt::For {
                var: l.var,
                range: rest,
                body: l.body,
                span: l.span,
            });
            None
        });
    }
}

/// The parts of the nest `l` and the scalars it assigns, when it qualifies (module doc).
fn qualifies<'a>(
    inst: &Instance,
    l: &'a ForLoop,
    pure: &HashSet<InstId>,
) -> Option<(Parts<'a>, Vec<LocalId>)> {
    let (p, range) = (l.var, &l.range);
    if !counted(inst, p, range) || range.parallel {
        return None;
    }
    let parts = Parts::of(&inst.func, &l.body)?;
    let f = &inst.func;
    let steps: Vec<Vec<Step>> = (0..3).map(|k| parts.steps(k)).collect();
    let scalars: HashSet<LocalId> = steps.iter().flatten().filter_map(|s| s.assigns).collect();
    let mut varying = scalars.clone();
    varying.insert(p);
    let all_scalars = scalars
        .iter()
        .all(|l| matches!(inst.local_ty(*l), Type::Scalar(_)));
    if scalars.contains(&p) || !all_scalars {
        return None;
    }
    if let Inner::For { j, range } = parts.inner {
        let fixed = invariant(f, &varying, range.start) && invariant(f, &varying, range.end);
        if !counted(inst, j, range) || range.parallel || scalars.contains(&j) || !fixed {
            return None;
        }
        if few_constant_trips(f, range) {
            return None;
        }
    }
    let (mut nodes, mut outside) = (0, 0);
    for (k, part) in steps.iter().enumerate() {
        let count = if k == 1 { &mut nodes } else { &mut outside };
        for e in part.iter().flat_map(|s| s.exprs.iter()) {
            if !cannot_fail(inst, *e, count, pure) {
                return None;
            }
        }
    }
    if nodes > MAX_BODY {
        return None;
    }
    if let Inner::While { cond } = parts.inner {
        let body = steps[1].iter().flat_map(|s| s.exprs.iter().copied());
        if std::iter::once(cond)
            .chain(body)
            .any(|e| divides_integers(inst, e))
        {
            return None;
        }
    }
    let carries = defined_before_read(f, &steps, &scalars)?;
    let stored_in_inner = arrays_separate(f, &parts, &steps, &varying)?;
    if !(stored_in_inner || carries) {
        return None;
    }
    let mut scalars: Vec<LocalId> = scalars.into_iter().collect();
    scalars.sort_by_key(|l| l.index());
    Some((parts, scalars))
}

/// Whether `e` divides integers (`/`, `%`) by anything but a constant power of two: a `while`
/// loop that does is not run in lanes, where LLVM has no vector instruction for it (nor for the
/// high half of a 64-bit product it divides by a constant with) and computes each lane alone,
/// masks included (the digit sum `while v > 0 { s += v % 10; v /= 10 }` of 2^16 `u64`: 1.04 ms
/// in lanes, 0.75 as it is; rustc 0.84). By a power of two it shifts and masks, in vectors too
/// (Collatz steps, `n % 2`, `n / 2`).
fn divides_integers(inst: &Instance, e: ExprId) -> bool {
    let f = &inst.func;
    let kind = &f.expr(e).kind;
    let here = match *kind {
        ExprKind::Binary(BinOp::Div | BinOp::Rem, _, d) => {
            let by_power_of_two =
                matches!(f.expr(d).kind, ExprKind::Const(c) if c.bits.is_power_of_two());
            matches!(inst.ty(e), Type::Scalar(s) if !s.is_float()) && !by_power_of_two
        }
        _ => false,
    };
    here || children(kind)
        .into_iter()
        .any(|c| divides_integers(inst, c))
}

/// Whether `range` runs a constant number of times, at most [`FEW`]: LLVM unrolls such a loop
/// whole, and the outer loop, innermost then, vectorizes as it is (a 5-point convolution
/// `for t in 0..5 { s += x[i + t] * w[t] }` over 2^20 `f64`: 0.47 ms jammed, four lanes packed by
/// the SLP vectorizer; 0.33 ms as it is, eight by the loop vectorizer; rustc 0.33).
fn few_constant_trips(f: &Function, range: &ForRange) -> bool {
    let (Some(a), Some(b)) = (const_bits(f, range.start), const_bits(f, range.end)) else {
        return false;
    };
    let trips = b.saturating_sub(a) + u128::from(range.inclusive);
    range.step.is_none() && trips <= FEW
}

/// Checks the array rules of the module doc; returns whether the inner loop stores an array, or
/// `None` when a rule fails (`varying`: `p` and the scalars the nest assigns).
fn arrays_separate(
    f: &Function,
    parts: &Parts,
    steps: &[Vec<Step>],
    varying: &HashSet<LocalId>,
) -> Option<bool> {
    let mut stored_in_inner = false;
    for list in accesses(f, steps).values() {
        let stored: HashSet<usize> = list.iter().filter(|a| a.1).map(|a| a.0).collect();
        let parts_used: HashSet<usize> = list.iter().map(|a| a.0).collect();
        if stored.is_empty() {
            continue;
        }
        if parts_used.len() > 1 {
            return None;
        }
        if stored.contains(&1) {
            // Only a `for` loop stores: at an index that moves with `j`.
            let Inner::For { j, .. } = parts.inner else {
                return None;
            };
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
            if !fixed || !index.iter().any(|i| along(f, j, varying, *i)) {
                return None;
            }
        }
    }
    Some(stored_in_inner)
}

/// Pushes the jammed loop (and what it needs before it) onto `out`; returns the range of the
/// remaining iterations, for the loop `l` as it was (`read`: how often the function read each
/// local before this pass).
fn jam(
    inst: &mut Instance,
    scalars: &[LocalId],
    parts: &Parts,
    l: &ForLoop,
    read: &HashMap<LocalId, usize>,
    out: &mut Vec<Stmt>,
) -> ForRange {
    let (p, range, span) = (l.var, &l.range, l.span);
    let usize_t = Type::Scalar(Scalar::Usize);
    let factor = match parts.inner {
        Inner::For { .. } => FACTOR,
        Inner::While { .. } => LANES,
    };
    let mut b = inst.build(span);
    let strips = Strips::new(&mut b, "jam", range, factor, out);

    // The jammed loop: copy k reads p.k and its own scalars. A `for` nest's last copy reads the
    // originals; every lane of a `while` nest has its own, declared scalar by scalar (LLVM then
    // sees each scalar's lanes side by side, as its SLP vectorizer groups them), and the
    // originals take the last lane's values after the pass.
    let in_lanes = matches!(parts.inner, Inner::While { .. });
    let name = b.inst.func.local(p).name.clone();
    let mut renames = Vec::new();
    let mut stmts = Vec::new();
    let copy_of = |b: &mut Builder, s: LocalId, k: u64| {
        let decl = b.inst.func.local(s).clone();
        let ty = b.inst.local_ty(s);
        b.inst
            .new_local(&format!("{}.{k}", decl.name), ty, decl.span)
    };
    for k in 0..factor {
        let pk = b.temp(&format!("{name}.{k}"), usize_t);
        let value = strips.iteration(&mut b, k);
        stmts.push(b.assign(pk, value));
        let mut rename = HashMap::from([(p, pk)]);
        if !in_lanes && k + 1 < factor {
            for &s in scalars {
                rename.insert(s, copy_of(&mut b, s, k));
            }
        }
        renames.push(rename);
    }
    if in_lanes {
        for &s in scalars {
            for (k, rename) in (0..).zip(&mut renames) {
                rename.insert(s, copy_of(&mut b, s, k));
            }
        }
    }
    for rename in &renames {
        for s in parts.pre {
            stmts.push(b.inst.copy_stmt(s, rename));
        }
    }
    match parts.inner {
        Inner::For { j, range } => {
            // for j in c..d { B[p.0]; B[p.1]; B[p.2]; B[p.3] }
            let mut inner = Vec::new();
            for rename in &renames {
                for s in parts.body {
                    inner.push(b.inst.copy_stmt(s, rename));
                }
            }
            let chains = multiply_chains(b.inst, parts.body, scalars);
            let range = ForRange {
                start: b.copy(range.start),
                end: b.copy(range.end),
                scalar_chains: renames
                    .iter()
                    .flat_map(|rename| chains.iter().map(|s| *rename.get(s).unwrap_or(s)))
                    .collect(),
                ..range.clone()
            };
            stmts.push(Stmt::For {
                var: j,
                range,
                body: Block { stmts: inner },
                span,
            });
        }
        Inner::While { cond } => {
            // The scalars whose values after the `while` loop are never seen: not read in `S`,
            // and either declared in the source inside the outer loop (Rust's scope ends with
            // its body, and each iteration assigns them before reading them, `qualifies`) or
            // read nowhere outside the nest (a pass's temporary, as `carry`'s).
            let f = &b.inst.func;
            let here = Uses::of(f, &l.body).reads;
            let mut after = Vec::new();
            for s in parts.post {
                stmt_exprs(s, &mut after);
                if let Stmt::If {
                    then_body,
                    else_body,
                    ..
                } = s
                {
                    block_exprs(then_body, &mut after);
                    block_exprs(else_body, &mut after);
                }
            }
            let mut read_after = Vec::new();
            for e in after {
                locals_read(f, e, &mut read_after);
            }
            let unseen: HashSet<LocalId> = scalars
                .iter()
                .copied()
                .filter(|s| {
                    let d = f.local(*s);
                    let inside = l.span.start < l.span.end
                        && l.span.start <= d.span.start
                        && d.span.end <= l.span.end;
                    let only_here = read.get(s) == here.get(s);
                    ((!d.temp && inside) || only_here) && !read_after.contains(s)
                })
                .collect();
            stmts.extend(lanes(&mut b, cond, parts.body, &renames, &unseen))
        }
    }
    for rename in &renames {
        for s in parts.post {
            stmts.push(b.inst.copy_stmt(s, rename));
        }
    }
    if in_lanes {
        let last = &renames[renames.len() - 1];
        for &s in scalars {
            let value = b.local(last[&s]);
            stmts.push(b.assign(s, value));
        }
    }
    out.push(strips.blocks(&mut b, stmts));
    strips.rest(&mut b, range, out)
}

/// The scalars of `scalars` that the inner loop's `body` carries from one pass to the next
/// through an integer multiply (FNV's `h ^= x; h = h.wrapping_mul(P)`, an LCG's `s = s * A + C`):
/// the jammed loop keeps their copies scalar ([`ForRange::scalar_chains`]). Four scalar chains
/// run side by side at the multiply's throughput; packed into one vector by LLVM's SLP
/// vectorizer, their `vpmullq` (latency ~15 cycles on Intel's AVX-512 cores, `imul` 3) made
/// FNV-1a over 20,000 rows of 64 bytes 1.35x slower than rustc's single chain, 0.46x kept
/// scalar. A product alone (`s = s * e`, `e` not reading `s`) is left to LLVM: its loop
/// vectorizer takes it as a reduction, vectors of several products at once.
fn multiply_chains(inst: &Instance, body: &[Stmt], scalars: &[LocalId]) -> Vec<LocalId> {
    let f = &inst.func;
    let int = |e: ExprId| inst.ty(e).scalar().is_some_and(Scalar::is_int);
    let multiplies = |e: ExprId| {
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            let kind = &f.expr(e).kind;
            let product = matches!(kind, ExprKind::Binary(BinOp::Mul, ..))
                || matches!(
                    kind,
                    ExprKind::Intrinsic {
                        op: Intrinsic::WrappingMul,
                        ..
                    }
                );
            if product && int(e) {
                return true;
            }
            stack.extend(walk::children(kind));
        }
        false
    };
    scalars
        .iter()
        .copied()
        .filter(|&s| {
            let values: Vec<ExprId> = body
                .iter()
                .filter_map(|st| match st {
                    Stmt::Assign { local, value, .. } if *local == s => Some(*value),
                    _ => None,
                })
                .collect();
            let product_alone = |e: ExprId| match &f.expr(e).kind {
                ExprKind::Binary(BinOp::Mul, x, y) => [(*x, *y), (*y, *x)]
                    .iter()
                    .any(|&(x, y)| is_local(f, x, s) && !walk::reads_local(f, y, s)),
                ExprKind::Intrinsic {
                    op: Intrinsic::WrappingMul,
                    args,
                } => is_local(f, args[0], s) && !walk::reads_local(f, args[1], s),
                _ => false,
            };
            let t = inst.local_ty(s).scalar();
            t.is_some_and(|t| t.is_int() && t.bits() <= 64)
                && values.iter().any(|&v| walk::reads_local(f, v, s))
                && values.iter().any(|&v| multiplies(v))
                && !matches!(values[..], [v] if product_alone(v))
        })
        .collect()
}

/// Whether `e` is a read of the local `l`.
fn is_local(f: &Function, e: ExprId, l: LocalId) -> bool {
    matches!(f.expr(e).kind, ExprKind::Local(x) if x == l)
}

/// The `while` loops of the copies (`renames`) in lockstep, in the lanes of vectors:
///
/// ```text
/// jam.go.k = t[p.k];                            // for each k; `&&`, `||` as `&`, `|`
/// loop {
///     v.next.k = e[p.k];                        // for each k and each `v = e` of `B`
///     if jam.go.k { v.k = v.next.k }            // for each k
///     jam.go.k = jam.go.k & t[p.k, v.next.k];   // for each k
///     if !(jam.go.0 | jam.go.1 | ..) { break }
/// }
/// ```
///
/// An `if` of `B` (assignments in its branches, each value reading what was there before it:
/// `nest::Parts`) becomes, per lane, `v.next.k = v.k` for a local one branch leaves (the lane
/// keeps it there) and `if c[p.k] { v.next.k = e1 } else { w.next.k = e2 }`, which LLVM makes
/// selects: bisection's `if mid * mid > a { hi = mid } else { lo = mid }` 13x rustc, Collatz
/// steps 1.8x (AMD Zen 3, scratch ports).
///
/// Every lane computes `B` each pass, into fresh temporaries that later statements of its `B`
/// and its next test read, and keeps the new values only while its own test holds: the lanes
/// are the same straight-line code, one basic block with the test at its end, which LLVM's SLP
/// vectorizer packs into vector operations (the `if`s become selects). A finished lane's values
/// are computed and discarded, and its test is evaluated on them and ignored (nothing in `B` or
/// `t` can fail or has effects, integers wrap), so each lane ends with the values of its own
/// last pass: results are bit-identical. When no lane runs at all, one pass computes and
/// discards.
///
/// A scalar whose value after the loop is never seen (`unseen`: declared inside the outer loop,
/// so out of scope after it, or read nowhere outside the nest, as `carry`'s locals; and not read
/// in `S`; Mandelbrot's `zr`, `zi`, `t`, `carried.0`, `carried.1`) takes its new
/// value in every lane, without a select: a finished lane's copy goes on changing, but only
/// that lane's own body and test read it, and their results are discarded (its `jam.go` stays
/// false). Mandelbrot on an AMD Zen 3 (AVX2): two blends a pass instead of ten, 35-38 -> 25-28
/// ms (rustc 121; the complex form 34 -> 23).
///
/// The shape is what LLVM 19 vectorizes whole (checked on Mandelbrot): with the test at the top
/// of the pass, InstCombine sinks the first lane's `B` into its `if`, and even without that the
/// pass is two blocks, which the SLP vectorizer packs only in part; with the test at the end
/// reading `v.k`, GVN turns the last lane's select back into a branch.
fn lanes(
    b: &mut Builder,
    cond: ExprId,
    body: &[Stmt],
    renames: &[HashMap<LocalId, LocalId>],
    unseen: &HashSet<LocalId>,
) -> Vec<Stmt> {
    let bool_t = Type::Scalar(Scalar::Bool);
    let go: Vec<LocalId> = (0..renames.len())
        .map(|k| b.temp(&format!("jam.go.{k}"), bool_t))
        .collect();
    let mut out = Vec::new();
    for (rename, &g) in renames.iter().zip(&go) {
        let test = eager(b, cond, rename);
        out.push(b.assign(g, test));
    }
    let mut pass = Vec::new();
    // `next[k]`: what copy k's statements read, its new values once assigned; `fresh[k]`: the
    // scalars copy k assigns and their temporaries. Statement by statement, copy by copy.
    let mut next = renames.to_vec();
    let mut fresh: Vec<Vec<(LocalId, LocalId)>> = vec![Vec::new(); renames.len()];
    // The temporary of lane `k` for `local`, made at its first assignment in the pass.
    let fresh_of = |b: &mut Builder,
                    fresh: &mut Vec<(LocalId, LocalId)>,
                    next: &mut HashMap<LocalId, LocalId>,
                    local: LocalId,
                    k: usize| {
        match fresh.iter().find(|(v, _)| *v == local) {
            Some(&(_, new)) => new,
            None => {
                let name = format!("{}.next.{k}", b.inst.func.local(local).name);
                let ty = b.inst.local_ty(local);
                let new = b.temp(&name, ty);
                fresh.push((local, new));
                next.insert(local, new);
                new
            }
        }
    };
    // A `while` body only assigns, directly or in the branches of `if`s (`qualifies`).
    for s in body {
        match s {
            Stmt::Assign { local, value, .. } => {
                for k in 0..renames.len() {
                    let value = eager(b, *value, &next[k]);
                    let new = fresh_of(b, &mut fresh[k], &mut next[k], *local, k);
                    pass.push(b.assign(new, value));
                }
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                for k in 0..renames.len() {
                    let branch = if_lane(b, *cond, then_body, else_body, &next[k]);
                    let before = next[k].clone();
                    let (mut then_stmts, mut else_stmts) = (Vec::new(), Vec::new());
                    for (local, value, in_then, in_both) in branch.assigns {
                        let new = fresh_of(b, &mut fresh[k], &mut next[k], local, k);
                        let current = before[&local];
                        if !in_both && current != new {
                            // The other path keeps the lane's value.
                            let keep = b.local(current);
                            pass.push(b.assign(new, keep));
                        }
                        let to = if in_then {
                            &mut then_stmts
                        } else {
                            &mut else_stmts
                        };
                        to.push(b.assign(new, value));
                    }
                    pass.push(Stmt::If {
                        cond: branch.cond,
                        then_body: Block { stmts: then_stmts },
                        else_body: Block { stmts: else_stmts },
                    });
                }
            }
            _ => {}
        }
    }
    for ((rename, &g), fresh) in renames.iter().zip(&go).zip(&fresh) {
        // A scalar whose value after the loop is never seen takes its new value in every lane,
        // finished or not (no select); the others only while the lane runs.
        let mut stmts = Vec::new();
        for &(v, new) in fresh {
            let value = b.local(new);
            let update = b.assign(rename[&v], value);
            if unseen.contains(&v) {
                pass.push(update);
            } else {
                stmts.push(update);
            }
        }
        pass.push(Stmt::If {
            cond: b.local(g),
            then_body: Block { stmts },
            else_body: Block::default(),
        });
    }
    for (next, &g) in next.iter().zip(&go) {
        let test = eager(b, cond, next);
        let was = b.local(g);
        let still = b.bin(BinOp::BitAnd, was, test);
        pass.push(b.assign(g, still));
    }
    let any = any_lane(b, &go);
    pass.push(Stmt::If {
        cond: any,
        then_body: Block::default(),
        else_body: Block {
            stmts: vec![Stmt::Break],
        },
    });
    out.push(Stmt::Loop {
        body: Block { stmts: pass },
    });
    out
}

/// One lane's copy of an `if` of a `while` body: its test and each assignment's local, value
/// (reading `next`, what the lane had before the `if`: the branches read nothing they assign,
/// `nest::Parts`), branch, and whether both branches assign the local.
struct IfLane {
    cond: ExprId,
    assigns: Vec<(LocalId, ExprId, bool, bool)>,
}

fn if_lane(
    b: &mut Builder,
    cond: ExprId,
    then_body: &Block,
    else_body: &Block,
    next: &HashMap<LocalId, LocalId>,
) -> IfLane {
    let cond = eager(b, cond, next);
    let assigned = |body: &Block| -> Vec<LocalId> {
        body.stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Assign { local, .. } => Some(*local),
                _ => None,
            })
            .collect()
    };
    let (in_then, in_else) = (assigned(then_body), assigned(else_body));
    let mut assigns = Vec::new();
    for (body, then) in [(then_body, true), (else_body, false)] {
        for s in &body.stmts {
            if let Stmt::Assign { local, value, .. } = s {
                let value = eager(b, *value, next);
                let both = in_then.contains(local) && in_else.contains(local);
                assigns.push((*local, value, then, both));
            }
        }
    }
    IfLane { cond, assigns }
}

/// Whether any lane still runs: `|` over each half of the lanes, and `||` of the halves. Each
/// half is one vector's mask (eight `f64` lanes in a 512-bit vector), which LLVM tests with one
/// `kortest`; `|` over all sixteen made LLVM pack the two masks into one first (four shuffles of
/// masks a pass, on the ports the lanes' arithmetic uses): Mandelbrot 16.7 -> 14.6 ms.
fn any_lane(b: &mut Builder, go: &[LocalId]) -> ExprId {
    let mut any_of = |go: &[LocalId]| {
        let mut any = b.local(go[0]);
        for &g in &go[1..] {
            let g = b.local(g);
            any = b.bin(BinOp::BitOr, any, g);
        }
        any
    };
    let (lo, hi) = go.split_at(go.len() / 2);
    let (lo, hi) = (any_of(lo), any_of(hi));
    b.or(lo, hi)
}

/// A copy of `e` reading `rename`, whose `&&` and `||` (at its top) evaluate both sides (`&`,
/// `|`): the value is the same, since neither side can fail or has effects (`qualifies`), and the
/// copy is straight-line code.
fn eager(b: &mut Builder, e: ExprId, rename: &HashMap<LocalId, LocalId>) -> ExprId {
    match b.inst.func.expr(e).kind {
        ExprKind::Logical(op, x, y) => {
            let (x, y) = (eager(b, x, rename), eager(b, y, rename));
            let op = match op {
                LogicOp::And => BinOp::BitAnd,
                LogicOp::Or => BinOp::BitOr,
            };
            b.bin(op, x, y)
        }
        _ => b.inst.copy_expr(e, rename),
    }
}
