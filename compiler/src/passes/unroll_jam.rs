//! Unroll-and-jam: four iterations of an outer loop share one pass of its inner loop.
//!
//! In: a typed program after versioning. Out: the same program where a loop nest
//!
//! ```text
//! for p in a..b { P; for j in c..d { B } S }        or        for p in a..b { P; while t { B } S }
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
//!  or loop {                                    // the `while` loops in lockstep
//!         jam.go.k = jam.go.k & t[p.k];         // for each k
//!         if <fewer than two jam.go.k> { break }
//!         if jam.go.k { B[p.k] }                // for each k
//!     }
//!     if jam.go.k { loop { B[p.k]; if !t[p.k] { break } } }   // the last one alone, for each k
//!     S[p.0]; S[p.1]; S[p.2]; S[p.3]
//! }
//! jam.rest = jam.lo + jam.n * 4;
//! for p in jam.rest..jam.hi { P; for j in c..d { B } S }
//! ```
//!
//! where copy `k` of a part reads `p.k` for `p` and its own copies of the scalars the nest assigns
//! (the last copy the originals, so they end with the values of the last iteration, as before).
//! matmul's `c[[i, j]] += a[[i, p]] * b[[p, j]]` then loads and stores each `c[[i, j]]` once per
//! four products, a row reduction `s += a[[i, j]] * x[j]` runs four independent chains, and
//! Mandelbrot iterates four pixels at once (2.2x): every element still gets the same operations in
//! the same order, so results are bit-identical.
//!
//! The nest qualifies when nothing in it can fail (unchecked accesses, as versioning leaves them,
//! no integer division, no `clamp`, calls only of helpers that cannot fail and always return:
//! scalar parameters, assignments, `if`s and returns, as the complex arithmetic of the prelude;
//! so `z = z * z + c` jams as its split re/im form does; a finished `while` copy's test may then be
//! evaluated again, harmlessly), `c..d` is the same in every iteration of `p`, the copies cannot
//! see each other's effects, and jamming saves work:
//! - each scalar the nest assigns gets its value in an iteration before that iteration reads it
//!   (in `P`, or earlier in the inner loop for reads there);
//! - an array stored in `B` is accessed only in `B`, always at the same index, which does not
//!   depend on `p` and is `j`, `j + e` or `j - e` on some axis (a `for` loop's `j`; a `while` body
//!   stores nothing): iterations of `p` touch the same element only at the same `j`, where the
//!   jammed loop keeps their order;
//! - an array stored in `P` (or `S`) is accessed in no other part;
//! - `B` stores an array or carries a scalar from one pass to the next.
//!
//! The cost: a `while` group runs in lockstep while two or more copies run, testing the finished
//! ones again each pass; the last one then runs alone. `while t < x[i] { .. }` over 100,000
//! elements: every element at 500 steps, 2.8x faster than the plain loop; 1000 and 1 alternating,
//! 1.5x; one element in four at 2000 and the rest at 1, parity (1.2x slower without the solo
//! tail). LLVM compiles eight copies of a `while` body, four of a `for` body (Mandelbrot: ~18 ->
//! ~50 ms of LLVM time; matmul ~35 -> ~50 ms).

use super::strip::FACTOR;
use super::{counted, expr_key, invariant, rewrite_for_loops, tile, ForLoop};
use crate::ir::edit::Builder;
use crate::ir::walk::children;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

/// The largest inner body, in expression nodes, that is copied [`FACTOR`] times.
const MAX_BODY: usize = 96;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    for inst in p.instances.values_mut() {
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
            let rest = jam(inst, &scalars, &parts, &l, out);
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

/// The inner loop of a nest.
pub(super) enum Inner<'a> {
    /// `for j in range { .. }`
    For { j: LocalId, range: &'a ForRange },
    /// `while cond { .. }`, that is `loop { if cond {} else { break } .. }`
    While { cond: ExprId },
}

/// An outer loop's body: `P`, the inner loop and its straight-line body `B`, `S`.
pub(super) struct Parts<'a> {
    pub pre: &'a [Stmt],
    pub inner: Inner<'a>,
    pub body: &'a [Stmt],
    pub post: &'a [Stmt],
}

/// What one statement (or a `while` test) evaluates, in order, and what it writes.
pub(super) struct Step<'a> {
    pub exprs: Vec<ExprId>,
    pub assigns: Option<LocalId>,
    pub stores: Option<(LocalId, &'a [ExprId])>,
}

impl<'a> Parts<'a> {
    pub(super) fn of(outer: &'a Block) -> Option<Parts<'a>> {
        let at = outer
            .stmts
            .iter()
            .position(|s| matches!(s, Stmt::For { .. } | Stmt::Loop { .. }))?;
        let (inner, body) = match &outer.stmts[at] {
            Stmt::For {
                var, range, body, ..
            } => (Inner::For { j: *var, range }, &body.stmts[..]),
            Stmt::Loop { body } => match body.stmts.first() {
                Some(Stmt::If {
                    cond,
                    then_body,
                    else_body,
                }) if then_body.stmts.is_empty()
                    && matches!(else_body.stmts[..], [Stmt::Break]) =>
                {
                    (Inner::While { cond: *cond }, &body.stmts[1..])
                }
                _ => return None,
            },
            _ => return None,
        };
        // Assignments and stores whose accesses versioning (or `boundscheck = false`) left
        // unchecked.
        let straight = |s: &[Stmt]| {
            s.iter()
                .all(|s| matches!(s, Stmt::Assign { .. } | Stmt::Store { checked: false, .. }))
        };
        let (pre, post) = (&outer.stmts[..at], &outer.stmts[at + 1..]);
        (straight(pre) && straight(post) && straight(body)).then_some(Parts {
            pre,
            inner,
            body,
            post,
        })
    }

    /// The steps of `P` (part 0), of one pass of the inner loop (1), of `S` (2).
    pub(super) fn steps(&self, part: usize) -> Vec<Step<'a>> {
        let stmts = [self.pre, self.body, self.post][part];
        let test = match self.inner {
            Inner::While { cond } if part == 1 => Some(Step {
                exprs: vec![cond],
                assigns: None,
                stores: None,
            }),
            _ => None,
        };
        test.into_iter()
            .chain(stmts.iter().map(|s| {
                match s {
                    Stmt::Assign { local, value, .. } => Step {
                        exprs: vec![*value],
                        assigns: Some(*local),
                        stores: None,
                    },
                    Stmt::Store {
                        array,
                        index,
                        value,
                        ..
                    } => Step {
                        exprs: std::iter::once(*value)
                            .chain(index.iter().copied())
                            .collect(),
                        assigns: None,
                        stores: Some((*array, &index[..])),
                    },
                    _ => Step {
                        exprs: vec![],
                        assigns: None,
                        stores: None,
                    },
                }
            }))
            .collect()
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
    let parts = Parts::of(&l.body)?;
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
    let carries = defined_before_read(f, &steps, &scalars)?;
    let stored_in_inner = arrays_separate(f, &parts, &steps, &varying)?;
    if !(stored_in_inner || carries) {
        return None;
    }
    let mut scalars: Vec<LocalId> = scalars.into_iter().collect();
    scalars.sort_by_key(|l| l.index());
    Some((parts, scalars))
}

/// Pure and unable to fail (counting its nodes into `nodes`); calls only of `pure` instances.
pub(super) fn cannot_fail(
    inst: &Instance,
    e: ExprId,
    nodes: &mut usize,
    pure: &HashSet<InstId>,
) -> bool {
    *nodes += 1;
    let f = &inst.func;
    let mut all = |es: &[ExprId]| es.iter().all(|x| cannot_fail(inst, *x, nodes, pure));
    match &f.expr(e).kind {
        ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::Shape { .. } => true,
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => all(&[*x]),
        ExprKind::Binary(op, a, b) => {
            (!matches!(op, BinOp::Div | BinOp::Rem)
                || inst.ty(*a).scalar().is_some_and(Scalar::is_float))
                && all(&[*a, *b])
        }
        ExprKind::Logical(_, a, b) => all(&[*a, *b]),
        ExprKind::Load {
            index,
            checked: false,
            ..
        } => all(index),
        ExprKind::Intrinsic { op, args } => {
            !matches!(
                op,
                Intrinsic::Clamp | Intrinsic::RemEuclid | Intrinsic::DivEuclid
            ) && all(args)
        }
        ExprKind::CallInst { inst: callee, args } => pure.contains(callee) && all(args),
        _ => false,
    }
}

/// The instances whose calls cannot fail and always return, so that a jammed nest may call
/// them: scalar parameters, and a body of assignments, `if`s and `return`s of expressions that
/// cannot fail, calling only such instances (the complex arithmetic of the prelude,
/// `ir::complex`, and helpers like it).
pub(super) fn pure_instances(p: &TypedProgram) -> HashSet<InstId> {
    fn block(inst: &Instance, b: &Block, pure: &HashSet<InstId>) -> bool {
        let ok = |e: ExprId| cannot_fail(inst, e, &mut 0, pure);
        b.stmts.iter().all(|s| match s {
            Stmt::Assign { value, .. } | Stmt::Eval(value) => ok(*value),
            Stmt::Return { value, .. } => value.is_none_or(ok),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => ok(*cond) && block(inst, then_body, pure) && block(inst, else_body, pure),
            _ => false,
        })
    }
    let mut pure = HashSet::new();
    loop {
        let before = pure.len();
        for (id, inst) in p.instances.iter() {
            let scalars = inst.params.iter().all(|t| matches!(t, Type::Scalar(_)));
            if !pure.contains(&id) && scalars && block(inst, &inst.func.body, &pure) {
                pure.insert(id);
            }
        }
        if pure.len() == before {
            return pure;
        }
    }
}

/// Checks that each scalar the nest assigns is assigned in an iteration before it is read there
/// (reads in the inner loop may use values from `P` or from earlier in the loop; reads in `S`
/// only from `P` or `S`, since the inner loop may run zero times). Returns whether the inner loop
/// reads a scalar before assigning it (carries it from one pass to the next), or `None` when a
/// check fails.
pub(super) fn defined_before_read(
    f: &Function,
    steps: &[Vec<Step>],
    scalars: &HashSet<LocalId>,
) -> Option<bool> {
    /// Walks one part in order; `carried` is set when it reads a scalar it assigns later.
    fn walk(
        f: &Function,
        steps: &[Step],
        scalars: &HashSet<LocalId>,
        defined: &mut HashSet<LocalId>,
        carried: &mut bool,
    ) -> bool {
        let assigns: HashSet<LocalId> = steps.iter().filter_map(|s| s.assigns).collect();
        let mut done = HashSet::new();
        for s in steps {
            let mut reads = Vec::new();
            for e in &s.exprs {
                locals_read(f, *e, &mut reads);
            }
            for l in reads {
                if scalars.contains(&l) {
                    if !defined.contains(&l) {
                        return false;
                    }
                    *carried |= assigns.contains(&l) && !done.contains(&l);
                }
            }
            if let Some(l) = s.assigns {
                defined.insert(l);
                done.insert(l);
            }
        }
        true
    }
    let mut defined = HashSet::new();
    let mut ignore = false;
    if !walk(f, &steps[0], scalars, &mut defined, &mut ignore) {
        return None;
    }
    let mut in_inner = defined.clone();
    let mut carried = false;
    let inner_ok = walk(f, &steps[1], scalars, &mut in_inner, &mut carried);
    let post_ok = walk(f, &steps[2], scalars, &mut defined, &mut ignore);
    (inner_ok && post_ok).then_some(carried)
}

fn locals_read(f: &Function, e: ExprId, out: &mut Vec<LocalId>) {
    match &f.expr(e).kind {
        ExprKind::Local(l) => out.push(*l),
        k => children(k).into_iter().for_each(|c| locals_read(f, c, out)),
    }
}

/// One array access: the part it is in (0 `P`, 1 the inner loop, 2 `S`), whether it stores,
/// its index.
pub(super) type Access<'a> = (usize, bool, &'a [ExprId]);

pub(super) fn accesses<'a>(
    f: &'a Function,
    steps: &[Vec<Step<'a>>],
) -> HashMap<LocalId, Vec<Access<'a>>> {
    fn expr<'a>(
        f: &'a Function,
        e: ExprId,
        part: usize,
        out: &mut HashMap<LocalId, Vec<Access<'a>>>,
    ) {
        let kind = &f.expr(e).kind;
        children(kind)
            .into_iter()
            .for_each(|c| expr(f, c, part, out));
        if let ExprKind::Load { array, index, .. } = kind {
            out.entry(*array).or_default().push((part, false, index));
        }
    }
    let mut out: HashMap<LocalId, Vec<Access<'a>>> = HashMap::new();
    for (part, steps) in steps.iter().enumerate() {
        for s in steps {
            for e in &s.exprs {
                expr(f, *e, part, &mut out);
            }
            if let Some((array, index)) = s.stores {
                out.entry(array).or_default().push((part, true, index));
            }
        }
    }
    out
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

/// `j`, `j + e`, `e + j` or `j - e` with `e` free of `j` and of what the nest varies.
pub(super) fn along(f: &Function, j: LocalId, varying: &HashSet<LocalId>, e: ExprId) -> bool {
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

/// Pushes the jammed loop (and what it needs before it) onto `out`; returns the range of the
/// remaining iterations, for the loop `l` as it was.
fn jam(
    inst: &mut Instance,
    scalars: &[LocalId],
    parts: &Parts,
    l: &ForLoop,
    out: &mut Vec<Stmt>,
) -> ForRange {
    let (p, range, span) = (l.var, &l.range, l.span);
    let usize_t = Type::Scalar(Scalar::Usize);
    let bool_t = Type::Scalar(Scalar::Bool);
    let mut b = inst.build(span);
    let lo = b.temp("jam.lo", usize_t);
    let hi = b.temp("jam.hi", usize_t);
    let n = b.temp("jam.n", usize_t);
    let q = b.temp("jam.q", usize_t);
    let rest = b.temp("jam.rest", usize_t);
    out.push(b.assign(lo, range.start));
    out.push(b.assign(hi, range.end));
    let zero = b.usize(0);
    out.push(b.assign(n, zero));
    // jam.n = (hi - lo) >> 2 when the loop is not empty.
    let (l, h) = (b.local(lo), b.local(hi));
    let nonempty = b.bin(BinOp::Lt, l, h);
    let (l, h) = (b.local(lo), b.local(hi));
    let len = b.bin(BinOp::Sub, h, l);
    let shift = b.usize(FACTOR.trailing_zeros() as u64);
    let blocks = b.bin(BinOp::Shr, len, shift);
    out.push(Stmt::If {
        cond: nonempty,
        then_body: Block {
            stmts: vec![b.assign(n, blocks)],
        },
        else_body: Block::default(),
    });

    // The jammed loop: copy k reads p.k and its own scalars (the last copy the originals).
    let name = b.inst.func.local(p).name.clone();
    let mut renames = Vec::new();
    let mut stmts = Vec::new();
    for k in 0..FACTOR {
        let pk = b.temp(&format!("{name}.{k}"), usize_t);
        let (l, qe, f) = (b.local(lo), b.local(q), b.usize(FACTOR));
        let base = b.bin(BinOp::Mul, qe, f);
        let mut value = b.bin(BinOp::Add, l, base);
        if k > 0 {
            let off = b.usize(k);
            value = b.bin(BinOp::Add, value, off);
        }
        stmts.push(b.assign(pk, value));
        let mut rename = HashMap::from([(p, pk)]);
        if k + 1 < FACTOR {
            for &s in scalars {
                let decl = b.inst.func.local(s).clone();
                let ty = b.inst.local_ty(s);
                let copy = b
                    .inst
                    .new_local(&format!("{}.{k}", decl.name), ty, decl.span);
                rename.insert(s, copy);
            }
        }
        renames.push(rename);
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
            let range = ForRange {
                start: b.copy(range.start),
                end: b.copy(range.end),
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
            // loop {
            //     jam.go.k = jam.go.k & cond[k];   (each k: copy k still runs)
            //     if !(jam.go.0 | ... | jam.go.3) { break }
            //     if jam.go.k { B[k] }             (each k)
            // }
            // A copy whose test failed runs no more passes; testing it again is harmless, since
            // the test cannot fail and has no effects.
            let go: Vec<LocalId> = (0..FACTOR)
                .map(|k| b.temp(&format!("jam.go.{k}"), bool_t))
                .collect();
            for &g in &go {
                let yes = b.constant(Const::bool(true));
                stmts.push(b.assign(g, yes));
            }
            let mut body = Vec::new();
            for (rename, &g) in renames.iter().zip(&go) {
                let test = b.inst.copy_expr(cond, rename);
                let was = b.local(g);
                let still = b.bin(BinOp::BitAnd, was, test);
                body.push(b.assign(g, still));
            }
            // Two or more copies still running, or the lockstep ends:
            //     (go.0 & go.1) | (go.2 & go.3) | ((go.0 | go.1) & (go.2 | go.3))
            let pair = |b: &mut Builder, op: BinOp, x: LocalId, y: LocalId| {
                let (x, y) = (b.local(x), b.local(y));
                b.bin(op, x, y)
            };
            let both_low = pair(&mut b, BinOp::BitAnd, go[0], go[1]);
            let both_high = pair(&mut b, BinOp::BitAnd, go[2], go[3]);
            let any_low = pair(&mut b, BinOp::BitOr, go[0], go[1]);
            let any_high = pair(&mut b, BinOp::BitOr, go[2], go[3]);
            let across = b.bin(BinOp::BitAnd, any_low, any_high);
            let within = b.bin(BinOp::BitOr, both_low, both_high);
            let several = b.bin(BinOp::BitOr, within, across);
            body.push(Stmt::If {
                cond: several,
                then_body: Block::default(),
                else_body: Block {
                    stmts: vec![Stmt::Break],
                },
            });
            for (rename, &g) in renames.iter().zip(&go) {
                let stmts = parts
                    .body
                    .iter()
                    .map(|s| b.inst.copy_stmt(s, rename))
                    .collect();
                body.push(Stmt::If {
                    cond: b.local(g),
                    then_body: Block { stmts },
                    else_body: Block::default(),
                });
            }
            stmts.push(Stmt::Loop {
                body: Block { stmts: body },
            });
            // The copy left running, if any, finishes alone: its test held, its pass is due.
            //     if jam.go.k { loop { B[k]; if !t[k] { break } } }
            for (rename, &g) in renames.iter().zip(&go) {
                let mut pass: Vec<Stmt> = parts
                    .body
                    .iter()
                    .map(|s| b.inst.copy_stmt(s, rename))
                    .collect();
                pass.push(Stmt::If {
                    cond: b.inst.copy_expr(cond, rename),
                    then_body: Block::default(),
                    else_body: Block {
                        stmts: vec![Stmt::Break],
                    },
                });
                stmts.push(Stmt::If {
                    cond: b.local(g),
                    then_body: Block {
                        stmts: vec![Stmt::Loop {
                            body: Block { stmts: pass },
                        }],
                    },
                    else_body: Block::default(),
                });
            }
        }
    }
    for rename in &renames {
        for s in parts.post {
            stmts.push(b.inst.copy_stmt(s, rename));
        }
    }
    let (zero, count) = (b.usize(0), b.local(n));
    out.push(Stmt::For {
        var: q,
        range: ForRange {
            start: zero,
            end: count,
            inclusive: false,
            reverse: false,
            step: None,
            parallel: false,
            reductions: Vec::new(),
            cold: false,
        },
        body: Block { stmts },
        span,
    });

    // Where the remaining iterations start.
    let (l, ne, f) = (b.local(lo), b.local(n), b.usize(FACTOR));
    let done = b.bin(BinOp::Mul, ne, f);
    let start = b.bin(BinOp::Add, l, done);
    out.push(b.assign(rest, start));
    ForRange {
        start: b.local(rest),
        end: b.local(hi),
        ..range.clone()
    }
}
