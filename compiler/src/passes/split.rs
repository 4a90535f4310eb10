//! Index-set splitting: a loop whose body branches on where its counter lies runs as three
//! loops, the middle one without the branch.
//!
//! In: a typed program. Out: the same program where a serial counted loop `for v in lo..hi`
//! (`usize`, step 1, forward) whose body holds an `if` testing `v` against bounds fixed in the
//! loop — `v < c`, `v <= c`, `v == c` and their mirrors and negations, `v + k` for `v`, combined
//! with `||`, `&&` and `!`, with `c` and `k` unable to fail and not assigned in the loop, as in a
//! stencil's border test `if i < 2 || j < 2 || i + 2 >= n || j + 2 >= m` — becomes
//!
//! ```text
//! split.lo = lo; split.hi = hi;
//! split.a = min(max(split.lo, L..), split.hi);      L..: where each test starts to hold its value
//! split.b = max(split.a, min(split.hi, U..));       U..: where one stops holding it
//! for v in split.lo..split.a { body }
//! for v in split.a..split.b { body, each test replaced by its value }
//! for v in split.b..split.hi { body }
//! ```
//!
//! In the middle loop each test takes the value that leaves the rest of its condition to decide
//! (`false` under `||`, `true` under `&&`), so a condition of such tests alone folds away with the
//! branch not taken; what remains tests inner loops' counters, whose loops are split in turn
//! (blur5: the interior `2..n-2` x `2..m-2` runs the 5x5 window alone, and loop versioning, which
//! runs next, can then show its accesses in bounds and drop their checks). The iterations run in
//! their order, each as before, so results and the first failing check are rustc's.
//!
//! The bounds are exact or err towards a smaller middle: `k + v` is read without wrapping only up
//! to `usize::MAX - k`, and saturating arithmetic (`c.saturating_sub(k)`) never widens a range.
//! A loop is split on the first `if` whose tests leave nothing else in its condition (or only
//! tests of inner loops' counters and conditions the same in every iteration), when its body
//! has no `break` of its own and is small enough to copy twice ([`MAX_NODES`]); a condition of
//! one test takes the value whose border loops are short (`if i > 0`: the middle is `1..`). The
//! middle loop is then split again on the next such `if`: a smoothing written with an `if` per
//! border, `l = if i > 0 { x[i - 1] } ..; r = if i + 1 < n { x[i + 1] } ..`, runs `1..n - 1`
//! without either (and vectorized: 1.22 -> 0.25 ms over 2^20 `f64` on an AMD Zen 4, 0.34x
//! rustc's time, which keeps both branches; before, versioning could not show `x[i + 1]` in
//! bounds and the whole interior ran the checked copy). A
//! border loop of at most [`SHORT`] iterations is cold: `if to <= from {} else { loop }` with the
//! loop marked [`ForRange::cold`], which the CPU back end outlines and compiles cheaply and
//! versioning leaves alone; a border loop that never runs (no bound on its side) is left out.
//! Where one test alone bounds the middle on a side, the border loop there knows its value too
//! (the other one) and is folded the same way ([`border_values`]): blur5's border rows and
//! columns are the copy alone, not the 5x5 window behind a branch never taken (its first call
//! 37.8 -> 34.2 ms of CPU time, the cold border code a third of what it was).
//! `prange` loops are left alone: their iterations are one parallel region.

use super::nest::cannot_fail;
use super::{const_bits, counted, expr_key, invariant, rewrite_for_loops, ForLoop};
use crate::ir::edit::{block_exprs, Builder};
use crate::ir::walk::{assigned_locals, breaks_out, children, Uses};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

/// The largest body (in expression nodes) that is copied twice.
const MAX_NODES: usize = 600;

/// The most iterations a loop at the border may run to be compiled as cold code.
const SHORT: u128 = 16;

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        let extents = extent_locals(&inst.func);
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = split_loops(inst, body, &extents);
    }
}

/// `extents`: the locals only array extents are assigned to ([`extent_locals`]).
fn split_loops(inst: &mut Instance, b: Block, extents: &HashSet<LocalId>) -> Block {
    rewrite_for_loops(inst, b, &mut |inst, l, out| match plan(inst, &l) {
        Some(tests) => {
            split(inst, l, &tests, extents, out);
            None
        }
        None => Some(l),
    })
}

/// How a test compares `v + k` with `c`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rel {
    Lt,
    Le,
    Eq,
}

/// A test of a loop's counter, `v + k rel c` or its negation.
#[derive(Clone, Copy, Debug)]
struct Test {
    expr: ExprId,
    rel: Rel,
    k: Option<ExprId>,
    c: ExprId,
    /// The value `v + k rel c` has in the middle loop.
    value: bool,
    /// The value the test itself (`expr`, which may be the negation) has there.
    holds: bool,
    /// Whether the test is the whole condition (but for `!`).
    alone: bool,
}

/// A bound of the middle range, built before the loops: `c` (less `k`, saturating), `c + 1`
/// (saturating, less `k`), or `usize::MAX - k`.
#[derive(Clone, Copy)]
enum Bound {
    Below(ExprId, Option<ExprId>),
    BelowNext(ExprId, Option<ExprId>),
    NoWrap(ExprId),
}

/// `(start bounds, end bounds)`: the range where `t.expr` has the value `t.value`, as the
/// largest of the starts and the smallest of the ends; `None` where no range is known (`v == c`
/// holding).
fn range(f: &Function, t: &Test) -> Option<(Vec<Bound>, Vec<Bound>)> {
    let no_wrap = t.k.map(Bound::NoWrap);
    let (c, k) = (t.c, t.k);
    Some(match (t.rel, t.value) {
        (Rel::Lt, true) => (vec![], vec![Bound::Below(c, k)]),
        (Rel::Le, true) => (vec![], vec![Bound::BelowNext(c, k)]),
        (Rel::Lt, false) => (vec![Bound::Below(c, k)], no_wrap.into_iter().collect()),
        (Rel::Le, false) => (vec![Bound::BelowNext(c, k)], no_wrap.into_iter().collect()),
        // `v + k != c` on either side of `c - k`: after it when `c` is a constant (`i == 0`),
        // before it otherwise (`i == n - 1`).
        (Rel::Eq, false) if constant(f, c) => {
            (vec![Bound::BelowNext(c, k)], no_wrap.into_iter().collect())
        }
        (Rel::Eq, false) => (vec![], vec![Bound::Below(c, k)]),
        (Rel::Eq, true) => return None,
    })
}

fn constant(f: &Function, e: ExprId) -> bool {
    match &f.expr(e).kind {
        ExprKind::Const(_) => true,
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => constant(f, *x),
        ExprKind::Binary(_, a, b) => constant(f, *a) && constant(f, *b),
        _ => false,
    }
}

/// A counted loop: its variable and the locals its body assigns (its variable included).
struct Counter {
    var: LocalId,
    assigned: HashSet<LocalId>,
}

impl Counter {
    fn of(inst: &Instance, var: LocalId, range: &ForRange, body: &Block) -> Option<Counter> {
        if range.parallel || !counted(inst, var, range) {
            return None;
        }
        let mut assigned = assigned_locals(body);
        if assigned.contains(&var) {
            return None;
        }
        assigned.insert(var);
        Some(Counter { var, assigned })
    }

    /// `e` as a test of this counter: `v + k rel c` (or its mirror), negated or not.
    fn test(&self, inst: &Instance, e: ExprId) -> Option<(Rel, bool, Option<ExprId>, ExprId)> {
        let f = &inst.func;
        let ExprKind::Binary(op, a, b) = f.expr(e).kind else {
            return None;
        };
        let (x, c, mirrored) = match (self.offset(inst, a), self.offset(inst, b)) {
            (Some(k), None) => (k, b, false),
            (None, Some(k)) => (k, a, true),
            _ => return None,
        };
        if inst.ty(c) != Type::Scalar(Scalar::Usize) || !self.fixed(inst, c) {
            return None;
        }
        // `x op c`, with `c op x` read as `x op' c`.
        let op = match (op, mirrored) {
            (BinOp::Lt, true) => BinOp::Gt,
            (BinOp::Gt, true) => BinOp::Lt,
            (BinOp::Le, true) => BinOp::Ge,
            (BinOp::Ge, true) => BinOp::Le,
            (op, _) => op,
        };
        let (rel, negated) = match op {
            BinOp::Lt => (Rel::Lt, false),
            BinOp::Ge => (Rel::Lt, true),
            BinOp::Le => (Rel::Le, false),
            BinOp::Gt => (Rel::Le, true),
            BinOp::Eq => (Rel::Eq, false),
            BinOp::Ne => (Rel::Eq, true),
            _ => return None,
        };
        Some((rel, negated, x, c))
    }

    /// `Some(k)` when `e` is `v + k` or `k + v` (`Some(None)`: `v` alone).
    fn offset(&self, inst: &Instance, e: ExprId) -> Option<Option<ExprId>> {
        let f = &inst.func;
        match f.expr(e).kind {
            ExprKind::Local(l) if l == self.var => Some(None),
            ExprKind::Binary(BinOp::Add, a, b) => {
                let is_var =
                    |x: ExprId| matches!(f.expr(x).kind, ExprKind::Local(l) if l == self.var);
                let k = match (is_var(a), is_var(b)) {
                    (true, false) => b,
                    (false, true) => a,
                    _ => return None,
                };
                self.fixed(inst, k).then_some(Some(k))
            }
            _ => None,
        }
    }

    /// Pure, unable to fail, and the same in every iteration (the extents of arrays the loop
    /// does not rebind included).
    fn fixed(&self, inst: &Instance, e: ExprId) -> bool {
        let f = &inst.func;
        fn shapes_fixed(f: &Function, e: ExprId, assigned: &HashSet<LocalId>) -> bool {
            match &f.expr(e).kind {
                ExprKind::Shape { array, .. } => !assigned.contains(array),
                k => children(k).iter().all(|c| shapes_fixed(f, *c, assigned)),
            }
        }
        invariant(f, &self.assigned, e) && shapes_fixed(f, e, &self.assigned)
    }
}

/// The leaves of condition `e` under `||`, `&&` and `!`, each with the value that leaves the rest
/// of the condition to decide: `false` under `||`, `true` under `&&`, `value` at the top.
fn leaves(f: &Function, e: ExprId, value: bool, out: &mut Vec<(ExprId, bool)>) {
    match f.expr(e).kind {
        ExprKind::Logical(op, a, b) => {
            let neutral = op == LogicOp::And;
            leaves(f, a, neutral, out);
            leaves(f, b, neutral, out);
        }
        ExprKind::Unary(UnOp::Not, x) => leaves(f, x, !value, out),
        _ => out.push((e, value)),
    }
}

/// The tests of counter `l` that the first `if` of its body taking part in the split has, or
/// `None` if the loop is not split.
fn plan(inst: &Instance, l: &ForLoop) -> Option<Vec<Test>> {
    let counter = Counter::of(inst, l.var, &l.range, &l.body)?;
    if breaks_out(&l.body) || nodes(inst, &l.body) > MAX_NODES {
        return None;
    }
    let mut tests = first_split(inst, &counter, &l.body, &mut Vec::new())?;
    // A condition of one test (`if i > 0 { .. a[i - 1] .. }`) may take either value in the
    // middle loop: the one that leaves short loops at the border.
    if let [t] = tests[..] {
        let flipped = Test {
            value: !t.value,
            holds: !t.holds,
            ..t
        };
        let f = &inst.func;
        let short = |t: &Test| short(f, &l.range, std::slice::from_ref(t)) == [true, true];
        if t.alone && range(f, &flipped).is_some() && short(&flipped) && !short(&t) {
            tests = vec![flipped];
        }
    }
    Some(tests)
}

/// Searches `b` (inside the loops `inner` of the split loop) for an `if` whose condition is
/// tests of `counter` and of the inner loops' counters alone, at least one of `counter`.
fn first_split(
    inst: &Instance,
    counter: &Counter,
    b: &Block,
    inner: &mut Vec<Counter>,
) -> Option<Vec<Test>> {
    for s in &b.stmts {
        let found = match s {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => tests(inst, counter, *cond, inner)
                .or_else(|| first_split(inst, counter, then_body, inner))
                .or_else(|| first_split(inst, counter, else_body, inner)),
            Stmt::Loop { body } => first_split(inst, counter, body, inner),
            Stmt::For {
                var, range, body, ..
            } => match Counter::of(inst, *var, range, body) {
                Some(c) => {
                    inner.push(c);
                    let found = first_split(inst, counter, body, inner);
                    inner.pop();
                    found
                }
                None => first_split(inst, counter, body, inner),
            },
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The tests of `counter` in condition `cond` when it has some and every other leaf is a test
/// of an inner loop's counter with a known range or the same in every iteration (a test of an
/// outer loop's counter, `i < 2` in the loop over `j` of a `prange` over `i`: the middle loop's
/// `if` then does not change in it).
fn tests(inst: &Instance, counter: &Counter, cond: ExprId, inner: &[Counter]) -> Option<Vec<Test>> {
    let f = &inst.func;
    let mut all = Vec::new();
    leaves(f, cond, false, &mut all);
    let alone = all.len() == 1;
    let mut found = Vec::new();
    for (e, value) in all {
        let known = |c: &Counter| {
            let (rel, negated, k, c) = c.test(inst, e)?;
            let t = Test {
                expr: e,
                rel,
                k,
                c,
                value: value != negated,
                holds: value,
                alone,
            };
            range(f, &t).map(|_| t)
        };
        if let Some(t) = known(counter) {
            found.push(t);
        } else if !inner.iter().any(|c| known(c).is_some()) && !counter.fixed(inst, e) {
            return None;
        }
    }
    (!found.is_empty()).then_some(found)
}

/// The expression nodes of block `b`.
fn nodes(inst: &Instance, b: &Block) -> usize {
    fn count(f: &Function, e: ExprId) -> usize {
        1 + children(&f.expr(e).kind)
            .iter()
            .map(|c| count(f, *c))
            .sum::<usize>()
    }
    let mut roots = Vec::new();
    block_exprs(b, &mut roots);
    roots.iter().map(|e| count(&inst.func, *e)).sum()
}

/// Pushes the three loops that replace `l`, split on `tests`, each one's body split in turn.
fn split(
    inst: &mut Instance,
    l: ForLoop,
    tests: &[Test],
    extents: &HashSet<LocalId>,
    out: &mut Vec<Stmt>,
) {
    let usize_t = Type::Scalar(Scalar::Usize);
    let (starts, ends) = bounds(&inst.func, tests);
    let short = short(&inst.func, &l.range, tests);
    let mut b = inst.build(l.span);
    let [lo, hi, a, z] = ["split.lo", "split.hi", "split.a", "split.b"].map(|n| b.temp(n, usize_t));
    out.push(b.assign(lo, l.range.start));
    out.push(b.assign(hi, l.range.end));
    let from = starts.iter().fold(b.local(lo), |acc, s| {
        let s = bound(&mut b, *s);
        b.same(Intrinsic::Max, acc, s)
    });
    let h = b.local(hi);
    let first = b.same(Intrinsic::Min, from, h);
    out.push(b.assign(a, first));
    let until = ends.iter().fold(b.local(hi), |acc, e| {
        let e = bound(&mut b, *e);
        b.same(Intrinsic::Min, acc, e)
    });
    let start = b.local(a);
    let last = b.same(Intrinsic::Max, start, until);
    out.push(b.assign(z, last));
    // Where the tests bound the middle loop on one side only, it ends where the loop did, and
    // says so with the loop's own end when that is plain (a local or an extent the loop does
    // not change): a split of the middle loop then knows its last border short
    // (`short_after`: `if i + 1 < n` in `for i in a..n`).
    let end = match ends.is_empty() && plain_end(b.inst, &l) {
        true => b.inst.copy_expr(l.range.end, &HashMap::new()),
        false => b.local(z),
    };
    // A loop over `from..to` (its range ending at `end`, the value of `to`); a short one at the
    // border is cold: `if to <= from {} else { .. }` with the loop marked cold, which the CPU
    // back end outlines and compiles cheaply.
    let loop_over = |b: &mut Builder, (from, to, end): (LocalId, LocalId, ExprId), body, cold| {
        let range = ForRange {
            start: b.local(from),
            end,
            cold,
            ..l.range.clone()
        };
        let stmt = Stmt::For {
            var: l.var,
            range,
            body,
            span: l.span,
        };
        if !cold {
            return stmt;
        }
        let (t, f) = (b.local(to), b.local(from));
        Stmt::If {
            cond: b.bin(BinOp::Le, t, f),
            then_body: Block::default(),
            else_body: Block { stmts: vec![stmt] },
        }
    };
    let values: HashMap<String, bool> = tests
        .iter()
        .map(|t| (expr_key(&b.inst.func, t.expr), t.holds))
        .collect();
    let [first, last] = border_values(&b.inst.func, &l.range, tests, extents);
    let before = b.inst.copy_block(&l.body, &HashMap::new());
    let before = decide(b.inst, before, &first);
    let middle = b.inst.copy_block(&l.body, &HashMap::new());
    let middle = decide(b.inst, middle, &values);
    let after = decide(b.inst, l.body, &last);
    // Without starts (ends) the first (last) loop never runs.
    let parts = [
        (!starts.is_empty(), lo, a, before, short[0]),
        (true, a, z, middle, false),
        (!ends.is_empty(), z, hi, after, short[1]),
    ];
    for (k, (runs, from, to, body, cold)) in parts.into_iter().enumerate() {
        if !runs {
            b.inst.drop_block(&body);
            continue;
        }
        // A cold loop's inner loops are left as they are: it is compiled cheaply anyway. The
        // middle loop, whose tests are gone, is split again on the next `if` that tests its
        // counter (`if i > 0 { x[i - 1] } ..; if i + 1 < n { x[i + 1] } ..`: `1..n - 1`), or
        // its inner loops are; a border loop's inner loops are (on its own counter it may still
        // branch on the test it is the border of).
        match (cold, k) {
            (true, _) => {
                let to_end = b.local(to);
                out.push(loop_over(&mut b, (from, to, to_end), body, cold));
            }
            (false, 1) => {
                let middle = loop_over(&mut b, (from, to, end), body, cold);
                let block = Block {
                    stmts: vec![middle],
                };
                out.extend(split_loops(b.inst, block, extents).stmts);
            }
            (false, _) => {
                let body = split_loops(b.inst, body, extents);
                let to_end = b.local(to);
                out.push(loop_over(&mut b, (from, to, to_end), body, cold));
            }
        }
    }
}

/// Whether the end of loop `l` is a local or an array's extent that its body does not change,
/// whose value is the same when read again after the loops before the middle one.
fn plain_end(inst: &Instance, l: &ForLoop) -> bool {
    let f = &inst.func;
    let plain = matches!(
        f.expr(l.range.end).kind,
        ExprKind::Local(_) | ExprKind::Const(_) | ExprKind::Shape { .. }
    );
    plain && Counter::of(inst, l.var, &l.range, &l.body).is_some_and(|c| c.fixed(inst, l.range.end))
}

/// The values tests are known to have in the first and the last loop: where one test alone
/// bounds the middle range on that side, with `<` or `<=` (`Rel::Lt`, `Rel::Le`), the other value
/// than in the middle (blur5: `i < 2` in rows `0..2`, so `i < 2 || ..` takes the border branch
/// and the 5x5 window, never run there, is not compiled there). Before the middle, `v + k`
/// is below the bound, so it does not wrap; after it, only where it cannot wrap for any `v`
/// below the loop's end: no `k`, or `k` a constant and the end an array's extent (at most
/// `isize::MAX`).
fn border_values(
    f: &Function,
    looped: &ForRange,
    tests: &[Test],
    extents: &HashSet<LocalId>,
) -> [HashMap<String, bool>; 2] {
    let ranges: Vec<(&Test, [Vec<Bound>; 2])> = tests
        .iter()
        .map(|t| {
            (
                t,
                range(f, t)
                    .map(|(s, e)| [s, e])
                    .expect("a test with a range"),
            )
        })
        .collect();
    // The test that alone bounds the middle on `side` (0: its start, 1: its end), and the bound.
    let alone = |side: usize| {
        let mut with = ranges.iter().filter(|(_, r)| !r[side].is_empty());
        match (with.next(), with.next()) {
            (Some((t, r)), None) if r[side].len() == 1 && t.rel != Rel::Eq => {
                Some((*t, r[side][0]))
            }
            _ => None,
        }
    };
    let value = |t: &Test| HashMap::from([(expr_key(f, t.expr), !t.holds)]);
    let first = alone(0).map(|(t, _)| value(t)).unwrap_or_default();
    let last = match alone(1) {
        Some((t, Bound::Below(..) | Bound::BelowNext(..)))
            if t.k.is_none()
                || (t.rel == Rel::Lt
                    && offset(f, t.k) <= SHORT
                    && extent(f, looped.end, extents)) =>
        {
            value(t)
        }
        _ => HashMap::new(),
    };
    [first, last]
}

/// Whether `e` is an array's extent (a length or an axis: at most `isize::MAX`) or one of
/// `extents`.
fn extent(f: &Function, e: ExprId, extents: &HashSet<LocalId>) -> bool {
    match f.expr(e).kind {
        ExprKind::Local(l) => extents.contains(&l),
        ExprKind::Shape { query, .. } => query.is_extent(),
        _ => false,
    }
}

/// The locals of `f` that only array extents are assigned to (not parameters, not loops'
/// variables, whose writes carry no value in [`Uses`]).
fn extent_locals(f: &Function) -> HashSet<LocalId> {
    let extent = |v: &Option<ExprId>| {
        v.is_some_and(
            |v| matches!(f.expr(v).kind, ExprKind::Shape { query, .. } if query.is_extent()),
        )
    };
    Uses::of(f, &f.body)
        .writes
        .into_iter()
        .filter(|(l, writes)| !f.params.contains(l) && writes.iter().all(|(v, _)| extent(v)))
        .map(|(l, _)| l)
        .collect()
}

/// The starts and the ends of the ranges of `tests`.
fn bounds(f: &Function, tests: &[Test]) -> (Vec<Bound>, Vec<Bound>) {
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for t in tests {
        let (s, e) = range(f, t).expect("a test with a range");
        starts.extend(s);
        ends.extend(e);
    }
    (starts, ends)
}

/// Whether the loops before and after the middle one are short, for `range` split on `tests`.
fn short(f: &Function, range: &ForRange, tests: &[Test]) -> [bool; 2] {
    let (starts, ends) = bounds(f, tests);
    [
        short_before(f, range.start, &starts),
        short_after(f, range.end, &ends),
    ]
}

/// Whether the first loop, from `start` up to the largest of `starts`, runs at most [`SHORT`]
/// iterations: there are no `starts` (it never runs), or `start` and `starts` are constants.
fn short_before(f: &Function, start: ExprId, starts: &[Bound]) -> bool {
    if starts.is_empty() {
        return true;
    }
    let Some(lo) = const_bits(f, start) else {
        return false;
    };
    starts.iter().all(|s| {
        let end = match *s {
            Bound::Below(c, k) => const_bits(f, c).map(|c| c.saturating_sub(offset(f, k))),
            Bound::BelowNext(c, k) => {
                const_bits(f, c).map(|c| (c + 1).saturating_sub(offset(f, k)))
            }
            Bound::NoWrap(_) => None,
        };
        end.is_some_and(|e| e.saturating_sub(lo) <= SHORT)
    })
}

/// Whether the last loop, from the smallest of `ends` to `end`, runs at most [`SHORT`]
/// iterations: each of `ends` is `end - d` (`c - k` with `c` the text of `end`, or of `end - d`)
/// for a constant `d`.
fn short_after(f: &Function, end: ExprId, ends: &[Bound]) -> bool {
    let text = expr_key(f, end);
    // How far below `end` the value of `c` is, when a constant.
    let below = |c: ExprId| -> Option<u128> {
        if expr_key(f, c) == text {
            return Some(0);
        }
        match f.expr(c).kind {
            ExprKind::Binary(BinOp::Sub, x, d) if expr_key(f, x) == text => const_bits(f, d),
            _ => None,
        }
    };
    ends.iter().all(|e| {
        let gap = match *e {
            Bound::Below(c, k) => below(c).map(|d| d + offset(f, k)),
            Bound::BelowNext(c, k) => below(c).map(|d| (d + offset(f, k)).saturating_sub(1)),
            Bound::NoWrap(_) => None,
        };
        gap.is_some_and(|g| g <= SHORT)
    })
}

/// The value of `k` when a constant (none: 0), else more than [`SHORT`].
fn offset(f: &Function, k: Option<ExprId>) -> u128 {
    k.map_or(Some(0), |k| const_bits(f, k)).unwrap_or(SHORT + 1)
}

/// The value of `k` (a `usize`) when a constant (none: 0).
fn int_or_zero(f: &Function, k: Option<ExprId>) -> Option<u64> {
    k.map_or(Some(0), |k| const_bits(f, k).map(|v| v as u64))
}

/// Builds bound `x` of the middle range.
fn bound(b: &mut Builder, x: Bound) -> ExprId {
    // Of constants, the constant (`i > 0`: from 1).
    let f = &b.inst.func;
    let known = |c: ExprId, k: Option<ExprId>| Some((const_bits(f, c)? as u64, int_or_zero(f, k)?));
    let folded = match x {
        Bound::Below(c, k) => known(c, k).map(|(c, k)| c.saturating_sub(k)),
        Bound::BelowNext(c, k) => known(c, k).map(|(c, k)| c.saturating_add(1).saturating_sub(k)),
        Bound::NoWrap(k) => int_or_zero(f, Some(k)).map(|k| u64::MAX - k),
    };
    if let Some(v) = folded {
        return b.usize(v);
    }
    let less = |b: &mut Builder, c: ExprId, k: Option<ExprId>| match k {
        Some(k) => {
            let k = b.copy(k);
            b.same(Intrinsic::SaturatingSub, c, k)
        }
        None => c,
    };
    match x {
        Bound::Below(c, k) => {
            let c = b.copy(c);
            less(b, c, k)
        }
        Bound::BelowNext(c, k) => {
            let c = b.copy(c);
            let one = b.usize(1);
            let next = b.same(Intrinsic::SaturatingAdd, c, one);
            less(b, next, k)
        }
        Bound::NoWrap(k) => {
            let max = b.constant(Const::max(Scalar::Usize));
            let k = b.copy(k);
            b.bin(BinOp::Sub, max, k)
        }
    }
}

/// Block `b` with the tests in `values` (by their text) replaced by their values, conditions
/// folded, and `if`s whose condition became a constant replaced by the branch it takes.
fn decide(inst: &mut Instance, b: Block, values: &HashMap<String, bool>) -> Block {
    let mut out = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        match s {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let cond = fold(inst, cond, values);
                let then_body = decide(inst, then_body, values);
                let else_body = decide(inst, else_body, values);
                match truth(&inst.func, cond) {
                    Some(taken) => {
                        let (kept, dropped) = match taken {
                            true => (then_body, else_body),
                            false => (else_body, then_body),
                        };
                        inst.drop_expr(cond);
                        inst.drop_block(&dropped);
                        out.extend(kept.stmts);
                    }
                    None => out.push(Stmt::If {
                        cond,
                        then_body,
                        else_body,
                    }),
                }
            }
            s => out.push(s.map_blocks(|b| decide(inst, b, values))),
        }
    }
    Block { stmts: out }
}

fn truth(f: &Function, e: ExprId) -> Option<bool> {
    match f.expr(e).kind {
        ExprKind::Const(c) if c.ty == Scalar::Bool => Some(c.bits != 0),
        _ => None,
    }
}

/// Condition `e` with the tests in `values` replaced by their values and `||`, `&&`, `!` over
/// constants folded (an operand dropped only where it would not have run or cannot fail).
fn fold(inst: &mut Instance, e: ExprId, values: &HashMap<String, bool>) -> ExprId {
    let kind = inst.func.expr(e).kind.clone();
    match kind {
        ExprKind::Logical(op, a, b) => {
            let (a, b) = (fold(inst, a, values), fold(inst, b, values));
            let neutral = op == LogicOp::And;
            let f = &inst.func;
            let kept = match (truth(f, a), truth(f, b)) {
                (Some(x), _) if x == neutral => Some((b, a)),
                (Some(_), _) => Some((a, b)),
                (_, Some(x)) if x == neutral => Some((a, b)),
                // `a || true`: `a` runs first, so it goes only where it cannot fail.
                (_, Some(_)) if cannot_fail(inst, a, &mut 0, &HashSet::new()) => Some((b, a)),
                _ => None,
            };
            match kept {
                Some((kept, dropped)) => {
                    inst.drop_expr(dropped);
                    inst.drop_node(e);
                    kept
                }
                None => {
                    inst.func.exprs[e].kind = ExprKind::Logical(op, a, b);
                    e
                }
            }
        }
        ExprKind::Unary(UnOp::Not, x) => {
            let x = fold(inst, x, values);
            match truth(&inst.func, x) {
                Some(v) => {
                    inst.func.exprs[x].kind = ExprKind::Const(Const::bool(!v));
                    inst.drop_node(e);
                    x
                }
                None => {
                    inst.func.exprs[e].kind = ExprKind::Unary(UnOp::Not, x);
                    e
                }
            }
        }
        _ => match values.get(&expr_key(&inst.func, e)) {
            Some(v) => {
                for c in children(&kind) {
                    inst.drop_expr(c);
                }
                inst.func.exprs[e].kind = ExprKind::Const(Const::bool(*v));
                e
            }
            None => e,
        },
    }
}
