//! Loop versioning: bounds checks that do not stop vectorization.
//!
//! In: a typed program. Out: the same program where a counted loop `for i in a..b` or
//! `for i in a..=b` (step 1, forward, `usize`; the tests below then take `b` itself as the last
//! index and `lo > hi` as empty) whose array accesses have indices of the forms `i`, `i + c`, `i - c`,
//! `c + i`, and chains of those (`(i + c) - d`, as in `a[j + dj - 2]`), `c` (with `c`
//! loop-invariant and free of loads, calls and divisions), a small value (a `u8`/`u16` cast to
//! `usize`, or a local that only ever holds such values) or a counter counting down from `i`
//! (`j` or `j - 1` where they stay in `0..=i`, [`down`]: an insertion sort's shift) becomes
//!
//! ```text
//! lo = a; hi = b;
//! if lo >= hi || <every such access is in bounds for i = lo and i = hi - 1> {
//!     for i in lo..hi { <the body, those accesses unchecked> }
//! } else {
//!     for i in lo..hi { <the body, checked> }
//! }
//! ```
//!
//! One test before the loop replaces a test per access per iteration, so LLVM can vectorize the
//! fast copy; when the test fails the checked copy runs and stops at exactly the failing iteration
//! with the earlier writes done, as the original loop would. Accesses of other shapes stay checked
//! in both copies.
//!
//! The checked copy is marked cold ([`ForRange::cold`]: the back end compiles it cheaply, out of
//! the hot path) when a failing test means the copy stops at a failing check: no test is of a
//! small value (a bound the values may stay under), no `return` (nor a `break` or `continue`
//! outside a `while`/`loop`) leaves an iteration early, and no index with a subtraction is
//! evaluated under a condition (`if i > 0 { a[i - 1] }` fails the test at `i = 0` and runs the
//! checked copy every call, which must stay fast).
//!
//! A loop nest is versioned as a whole, with one test before the outermost loop, when every inner
//! loop is counted the same way over bounds that do not change in the nest and the test covers
//! every access in it (matmul's `c[[i, j]] += a[[i, p]] * b[[p, j]]`: the accesses are checked
//! once per call instead of once per `(i, p)`, and LLVM sees a plain loop nest). Otherwise each
//! innermost loop is versioned on its own.

mod down;

use super::{counted_to, expr_key, invariant, rewrite_for_loops};
use crate::ir::edit::Builder;
use crate::ir::walk::{assigned_locals, children};
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        if !inst.func.attrs.boundscheck {
            continue;
        }
        let small = small_locals(inst);
        let body = std::mem::take(&mut inst.func.body);
        let mut v = Versioner { inst, small };
        v.inst.func.body = rewrite_for_loops(&mut v, body, &mut |v, l, out| match v
            .plan(l.var, &l.range, &l.body)
        {
            Some(plan) => {
                v.version(plan, l.range, l.body, l.span, out);
                None
            }
            None if l.range.cold => {
                out.push(l.into_stmt());
                None
            }
            None => Some(l),
        });
    }
}

struct Versioner<'a> {
    inst: &'a mut Instance,
    /// Locals that only ever hold small values, with the largest ([`small_locals`]).
    small: HashMap<LocalId, u64>,
}

/// `+ c` / `- c` in turn, after the loop variables of an [`Index::Affine`].
type Offsets = Vec<(BinOp, ExprId)>;

/// How one index of an access varies in a loop nest.
#[derive(Clone)]
enum Index {
    /// The sum of one or two of the nest's loop variables (`.0`: their loops' numbers, 0: the
    /// outermost; `j + dj` in a stencil's window) followed by `+ c` / `- c` for each offset in
    /// turn (`(i + c) - d`: `[(Add, c), (Sub, d)]`; none: `i`). Wrapping `usize` arithmetic makes
    /// it `i + K` (`i + j + K`) for one constant `K`, whatever the order.
    Affine(Vec<usize>, Offsets),
    /// The same in the whole nest.
    Invariant(ExprId),
    /// A value known to be at most this (a `u8` or `u16` cast to `usize`).
    AtMost(u64),
}

/// The loops of a nest: each one's variable, and for inner loops their bounds (the same in the
/// whole nest) and whether the end is included (`a..=b`); the outermost loop's bounds are
/// evaluated once, into locals, by [`Versioner::version`].
type Loops = Vec<(LocalId, Option<(ExprId, ExprId, bool)>)>;

/// What versioning a loop (nest) takes: its loops, the bounds tests and the accesses they cover.
struct Plan {
    loops: Loops,
    tests: Vec<(LocalId, u8, Index)>,
    unchecked: HashSet<AccessKey>,
    /// Whether the checked copy is cold ([`ForRange::cold`], see the module doc).
    cold: bool,
}

impl Versioner<'_> {
    /// Marks the accesses of a (copied) block that are in `unchecked` as such.
    fn mark_block(&mut self, b: &mut Block, unchecked: &HashSet<AccessKey>) {
        for s in &mut b.stmts {
            match s {
                Stmt::Assign { value: e, .. } | Stmt::Eval(e) | Stmt::Unpack { value: e, .. } => {
                    self.mark(*e, unchecked)
                }
                Stmt::Return { value, .. } => {
                    if let Some(e) = value {
                        self.mark(*e, unchecked);
                    }
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    checked,
                    ..
                }
                | Stmt::Update {
                    array,
                    index,
                    value,
                    checked,
                    ..
                } => {
                    self.mark(*value, unchecked);
                    index.iter().for_each(|i| self.mark(*i, unchecked));
                    *checked &= !unchecked.contains(&self.key(*array, index));
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    self.mark(*cond, unchecked);
                    self.mark_block(then_body, unchecked);
                    self.mark_block(else_body, unchecked);
                }
                Stmt::Loop { body } => self.mark_block(body, unchecked),
                Stmt::For { range, body, .. } => {
                    self.mark(range.start, unchecked);
                    self.mark(range.end, unchecked);
                    if let Some(step) = range.step {
                        self.mark(step, unchecked);
                    }
                    self.mark_block(body, unchecked);
                }
                Stmt::Break | Stmt::Continue => {}
            }
        }
    }

    fn mark(&mut self, e: ExprId, unchecked: &HashSet<AccessKey>) {
        let kind = self.inst.func.expr(e).kind.clone();
        for c in children(&kind) {
            self.mark(c, unchecked);
        }
        if let ExprKind::Load { array, index, .. } = kind {
            if unchecked.contains(&self.key(array, &index)) {
                if let ExprKind::Load { checked, .. } = &mut self.inst.func.exprs[e].kind {
                    *checked = false;
                }
            }
        }
    }

    fn key(&self, array: LocalId, index: &[ExprId]) -> AccessKey {
        access_key(&self.inst.func, array, index)
    }

    /// The plan for `for var in range { body }`, or `None` when it is not a counted loop nest this
    /// pass understands or no check in it would go.
    fn plan(&self, var: LocalId, range: &ForRange, body: &Block) -> Option<Plan> {
        let inst = &*self.inst;
        let mut assigned = assigned_locals(body);
        // An array made or rebound inside the nest has extents no test before it can know, but
        // for a fixed-size one (`let mut v = [a[[i, 0]], a[[i, 1]]]`, a list of pairs to loop
        // over), whose extents are in its type: the test leaves its accesses out, and they stay
        // checked in both copies (against a constant length, which LLVM folds wherever it
        // unrolls a loop over the array).
        let rebinds_arrays = assigned
            .iter()
            .any(|l| !fixed_size(inst.local_ty(*l)) && holds_array(inst.local_ty(*l)));
        if range.cold || !counted_to(inst, var, range) || assigned.contains(&var) || rebinds_arrays
        {
            return None;
        }
        assigned.insert(var);
        let mut loops = vec![(var, None)];
        if !inner_loops(inst, body, &assigned, &mut loops) {
            return None;
        }
        let mut accesses = Vec::new();
        collect_accesses(&inst.func, body, &mut accesses);
        // A counter counting down from the loop variable (an insertion sort's shift).
        let down = match loops[..] {
            [_] => down::find(inst, var, body),
            _ => None,
        };
        // Accesses whose every index is understood, and the bounds tests they need.
        let mut tests = Vec::new();
        let mut unchecked = HashSet::new();
        let mut all = true;
        for (array, index) in accesses.iter().filter(|(a, _)| !assigned.contains(a)) {
            let key = self.key(*array, index);
            let down = down.as_ref().filter(|d| d.keys.contains(&key));
            let forms: Option<Vec<Index>> = index
                .iter()
                .map(|&i| self.classify(&loops, &assigned, down, i))
                .collect();
            match forms {
                Some(forms) => {
                    for (d, f) in forms.into_iter().enumerate() {
                        tests.push((*array, d as u8, f));
                    }
                    unchecked.insert(key);
                }
                None => all = false,
            }
        }
        // A nest goes as a whole only when no check is left in it (but those of its fixed-size
        // arrays); otherwise its innermost loops are versioned one by one, each with the tests
        // of its own accesses.
        if unchecked.is_empty() || (loops.len() > 1 && !all) {
            return None;
        }
        let cold = !tests.iter().any(|(_, _, f)| matches!(f, Index::AtMost(_)))
            && failing_test_fails(&inst.func, body, false, false);
        Some(Plan {
            loops,
            tests,
            unchecked,
            cold,
        })
    }

    /// Classifies one index expression of an access in the nest `loops` (`assigned`: the locals
    /// the nest assigns, its loop variables included; `down`: the loop's down counter, when
    /// the access is one it keeps in bounds).
    fn classify(
        &self,
        loops: &Loops,
        assigned: &HashSet<LocalId>,
        down: Option<&down::Down>,
        e: ExprId,
    ) -> Option<Index> {
        let f = &self.inst.func;
        if invariant(f, assigned, e) {
            return Some(Index::Invariant(e));
        }
        if let Some((k, offsets)) = affine(f, loops, assigned, e) {
            return Some(Index::Affine(k, offsets));
        }
        if down.is_some_and(|d| d.indexes(f, e)) {
            // At most the loop variable: in bounds where its last value is.
            return Some(Index::Affine(vec![0], Vec::new()));
        }
        match &f.expr(e).kind {
            ExprKind::Cast(..) => at_most(self.inst, e).map(Index::AtMost),
            ExprKind::Local(l) => self.small.get(l).copied().map(Index::AtMost),
            _ => None,
        }
    }

    fn version(
        &mut self,
        plan: Plan,
        range: ForRange,
        body: Block,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let usize_t = Type::Scalar(Scalar::Usize);
        let Plan {
            loops,
            tests,
            unchecked,
            cold,
        } = plan;
        let var = loops[0].0;
        let mut b = self.inst.build(span);
        let lo = b.temp("tmp.lo", usize_t);
        let hi = b.temp("tmp.hi", usize_t);
        out.push(b.assign(lo, range.start));
        out.push(b.assign(hi, range.end));
        // The start of the nest's loop `k`, its end and whether the end is included, its last
        // value (wrapped where the loop is empty) and whether it is empty, as fresh expressions.
        let start = |b: &mut Builder, k: usize| match loops[k].1 {
            None => b.local(lo),
            Some((start, ..)) => b.copy(start),
        };
        let outer_inclusive = range.inclusive;
        let end = |b: &mut Builder, k: usize| match loops[k].1 {
            None => (b.local(hi), outer_inclusive),
            Some((_, end, inclusive)) => (b.copy(end), inclusive),
        };
        let last_of = |b: &mut Builder, k: usize| match end(b, k) {
            (e, true) => e,
            (e, false) => {
                let one = b.usize(1);
                b.bin(BinOp::Sub, e, one)
            }
        };
        let empty = |b: &mut Builder, k: usize| {
            let s = start(b, k);
            let (e, inclusive) = end(b, k);
            b.bin(if inclusive { BinOp::Gt } else { BinOp::Ge }, s, e)
        };
        // The tests of each loop's affine indices, and (with the outermost loop's) the others.
        let mut groups: Vec<Option<ExprId>> = vec![None; loops.len()];
        let mut seen = HashSet::new();
        for (array, d, form) in tests {
            let text = match &form {
                Index::Affine(k, offsets) => offsets.iter().fold(format!("{k:?}"), |t, (op, c)| {
                    format!("({t}{}{})", op.symbol(), expr_key(&b.inst.func, *c))
                }),
                Index::Invariant(c) => format!("={}", expr_key(&b.inst.func, *c)),
                Index::AtMost(m) => format!("<={m}"),
            };
            if !seen.insert((array, d, text)) {
                continue;
            }
            let extent = b.dim(array, d);
            let (group, test) = match form {
                Index::Invariant(c) => {
                    let c = b.copy(c);
                    (0, b.bin(BinOp::Lt, c, extent))
                }
                Index::AtMost(m) => {
                    let m = b.usize(m);
                    (0, b.bin(BinOp::Lt, m, extent))
                }
                Index::Affine(terms, offsets) => {
                    // The last index, (hi - 1) +/- c.., is in bounds, and (with offsets) the
                    // first, lo +/- c.., is not past it: the indices did not wrap around. With
                    // two variables, `(hi - 1) + (hi' - 1)` must not wrap either.
                    let sum = |b: &mut Builder, last_values: bool| {
                        let mut parts = terms.iter().map(|&k| match last_values {
                            true => last_of(b, k),
                            false => start(b, k),
                        });
                        let first = parts.next().expect("a loop variable");
                        let rest: Vec<ExprId> = parts.collect();
                        rest.into_iter()
                            .fold(first, |acc, x| b.bin(BinOp::Add, acc, x))
                    };
                    let last = sum(&mut b, true);
                    let last = shifted(&mut b, last, &offsets);
                    let in_range = b.bin(BinOp::Lt, last, extent);
                    let mut test = if offsets.is_empty() && terms.len() == 1 {
                        in_range
                    } else {
                        let first = sum(&mut b, false);
                        let first = shifted(&mut b, first, &offsets);
                        let last = sum(&mut b, true);
                        let last = shifted(&mut b, last, &offsets);
                        let ordered = b.bin(BinOp::Le, first, last);
                        b.and(ordered, in_range)
                    };
                    if let [k, l] = terms[..] {
                        let x = last_of(&mut b, k);
                        let max = b.constant(Const::max(Scalar::Usize));
                        let y = last_of(&mut b, l);
                        let room = b.bin(BinOp::Sub, max, y);
                        let no_wrap = b.bin(BinOp::Le, x, room);
                        test = b.and(no_wrap, test);
                    }
                    (*terms.iter().max().expect("a loop variable"), test)
                }
            };
            groups[group] = Some(match groups[group] {
                None => test,
                Some(prev) => b.and(prev, test),
            });
        }
        // The condition: for each loop, it is empty or its tests hold. (Inner loops' bounds are
        // the same in the whole nest: an empty one is empty every time it is reached.)
        let mut cond: Option<ExprId> = None;
        for (k, group) in groups.into_iter().enumerate() {
            let Some(tests) = group else { continue };
            let empty = empty(&mut b, k);
            let holds = b.or(empty, tests);
            cond = Some(match cond {
                None => holds,
                Some(prev) => b.and(prev, holds),
            });
        }
        let cond = cond.unwrap_or_else(|| empty(&mut b, 0));
        let fast_range = ForRange {
            start: b.local(lo),
            end: b.local(hi),
            ..range.clone()
        };
        let slow_range = ForRange {
            start: b.local(lo),
            end: b.local(hi),
            cold,
            ..range
        };
        let mut fast_body = b.inst.copy_block(&body, &HashMap::new());
        self.mark_block(&mut fast_body, &unchecked);
        let fast = Stmt::For {
            var,
            range: fast_range,
            body: fast_body,
            span,
        };
        let slow = Stmt::For {
            var,
            range: slow_range,
            body,
            span,
        };
        out.push(Stmt::If {
            cond,
            then_body: Block { stmts: vec![fast] },
            else_body: Block { stmts: vec![slow] },
        });
    }
}

type AccessKey = (LocalId, Vec<String>);

/// Identifies an access by its array and the text of its indices.
fn access_key(f: &Function, array: LocalId, index: &[ExprId]) -> AccessKey {
    (array, index.iter().map(|i| expr_key(f, *i)).collect())
}

/// Whether, in the loop nest body `b` (`conditional`: reached only under a condition; `in_loop`:
/// inside a `loop`/`while`, whose `break` and `continue` stay in it), a failing bounds test means
/// the checked copy fails too, as far as a syntactic look can tell: no `return`, and no `break`
/// or `continue` of the nest's counted loops, ends an iteration early, and no index with a subtraction
/// (`a[i - 1]`, whose test also fails at `i = 0`) is evaluated under a condition (an `if`, a
/// `while`, the right operand of `&&`/`||`), where guards such as `if i > 0` keep a loop that
/// fails the test in bounds: there the checked copy is the loop's ordinary path.
fn failing_test_fails(f: &Function, b: &Block, conditional: bool, in_loop: bool) -> bool {
    fn subtracts(f: &Function, e: ExprId) -> bool {
        match &f.expr(e).kind {
            ExprKind::Binary(BinOp::Sub, ..) => true,
            ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => {
                subtracts(f, *a) || subtracts(f, *b)
            }
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => subtracts(f, *x),
            _ => false,
        }
    }
    fn index_ok(f: &Function, index: &[ExprId], conditional: bool) -> bool {
        !conditional || !index.iter().any(|i| subtracts(f, *i))
    }
    fn expr(f: &Function, e: ExprId, conditional: bool) -> bool {
        match &f.expr(e).kind {
            ExprKind::Logical(_, a, b) => expr(f, *a, conditional) && expr(f, *b, true),
            ExprKind::Load { index, .. } => {
                index_ok(f, index, conditional) && index.iter().all(|i| expr(f, *i, conditional))
            }
            kind => children(kind).into_iter().all(|c| expr(f, c, conditional)),
        }
    }
    b.stmts.iter().all(|s| match s {
        Stmt::Assign { value, .. } | Stmt::Eval(value) | Stmt::Unpack { value, .. } => {
            expr(f, *value, conditional)
        }
        Stmt::Store { index, value, .. } | Stmt::Update { index, value, .. } => {
            index_ok(f, index, conditional)
                && index.iter().all(|i| expr(f, *i, conditional))
                && expr(f, *value, conditional)
        }
        Stmt::If {
            cond,
            then_body,
            else_body,
        } => {
            expr(f, *cond, conditional)
                && failing_test_fails(f, then_body, true, in_loop)
                && failing_test_fails(f, else_body, true, in_loop)
        }
        Stmt::Loop { body } => failing_test_fails(f, body, true, true),
        Stmt::For { range, body, .. } => {
            expr(f, range.start, conditional)
                && expr(f, range.end, conditional)
                && failing_test_fails(f, body, conditional, in_loop)
        }
        // Inside a `loop`, everything is conditional already (a `for` there too).
        Stmt::Break | Stmt::Continue => in_loop,
        Stmt::Return { .. } => false,
    })
}

/// `e` as one or two loop variables of `loops` plus a chain of loop-invariant offsets, when it
/// is.
fn affine(
    f: &Function,
    loops: &Loops,
    assigned: &HashSet<LocalId>,
    e: ExprId,
) -> Option<(Vec<usize>, Offsets)> {
    match f.expr(e).kind {
        ExprKind::Local(l) => loops
            .iter()
            .position(|(v, _)| *v == l)
            .map(|k| (vec![k], Vec::new())),
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) if invariant(f, assigned, b) => {
            let (k, mut offsets) = affine(f, loops, assigned, a)?;
            offsets.push((op, b));
            Some((k, offsets))
        }
        ExprKind::Binary(BinOp::Add, a, b) if invariant(f, assigned, a) => {
            let (k, mut offsets) = affine(f, loops, assigned, b)?;
            offsets.insert(0, (BinOp::Add, a));
            Some((k, offsets))
        }
        ExprKind::Binary(BinOp::Add, a, b) => {
            let (mut k, mut offsets) = affine(f, loops, assigned, a)?;
            let (l, more) = affine(f, loops, assigned, b)?;
            k.extend(l);
            offsets.extend(more);
            (k.len() <= 2).then_some((k, offsets))
        }
        _ => None,
    }
}

/// `bound`, then `+ c` / `- c` for each affine offset.
fn shifted(b: &mut Builder, bound: ExprId, offsets: &[(BinOp, ExprId)]) -> ExprId {
    offsets.iter().fold(bound, |e, &(op, c)| {
        let c = b.copy(c);
        b.bin(op, e, c)
    })
}

/// Adds the `for` loops inside a nest's body to `loops`; false when one is not counted, or its
/// bounds vary in the nest (`assigned`: what the nest assigns, its loop variables included).
/// Whether a local of type `t` is a fixed-size array (`[T; N]`, on the stack).
fn fixed_size(t: Type) -> bool {
    matches!(t, Type::Array(a) if matches!(a.storage, Storage::Stack(_)))
}

/// Whether a value of type `t` is or holds an array (a tuple of scalars does not).
fn holds_array(t: Type) -> bool {
    match t {
        Type::Array(_) => true,
        Type::Tuple(tt) => tt.elems().iter().any(|&e| holds_array(e)),
        _ => false,
    }
}

fn inner_loops(inst: &Instance, b: &Block, assigned: &HashSet<LocalId>, loops: &mut Loops) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::For {
            var, range, body, ..
        } => {
            let fixed = invariant(&inst.func, assigned, range.start)
                && invariant(&inst.func, assigned, range.end);
            if !(counted_to(inst, *var, range) && fixed) {
                return false;
            }
            loops.push((*var, Some((range.start, range.end, range.inclusive))));
            inner_loops(inst, body, assigned, loops)
        }
        Stmt::Loop { body } => inner_loops(inst, body, assigned, loops),
        Stmt::If {
            then_body,
            else_body,
            ..
        } => {
            inner_loops(inst, then_body, assigned, loops)
                && inner_loops(inst, else_body, assigned, loops)
        }
        _ => true,
    })
}

fn collect_accesses(f: &Function, b: &Block, out: &mut Vec<(LocalId, Vec<ExprId>)>) {
    fn expr(f: &Function, e: ExprId, out: &mut Vec<(LocalId, Vec<ExprId>)>) {
        let kind = &f.expr(e).kind;
        children(kind).into_iter().for_each(|c| expr(f, c, out));
        if let ExprKind::Load {
            array,
            index,
            checked: true,
        } = kind
        {
            out.push((*array, index.clone()));
        }
    }
    for s in &b.stmts {
        match s {
            Stmt::Assign { value, .. } | Stmt::Eval(value) => expr(f, *value, out),
            Stmt::Store {
                array,
                index,
                value,
                checked,
                ..
            }
            | Stmt::Update {
                array,
                index,
                value,
                checked,
                ..
            } => {
                expr(f, *value, out);
                index.iter().for_each(|i| expr(f, *i, out));
                if *checked {
                    out.push((*array, index.clone()));
                }
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                expr(f, *cond, out);
                collect_accesses(f, then_body, out);
                collect_accesses(f, else_body, out);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => collect_accesses(f, body, out),
            Stmt::Return { value: Some(v), .. } => expr(f, *v, out),
            _ => {}
        }
    }
}

/// The largest value of a `u8`, `u16` or `bool` cast to `usize`.
fn at_most(inst: &Instance, e: ExprId) -> Option<u64> {
    match &inst.func.expr(e).kind {
        ExprKind::Cast(x, Scalar::Usize) => match inst.ty(*x).scalar()? {
            Scalar::U8 => Some(u8::MAX as u64),
            Scalar::U16 => Some(u16::MAX as u64),
            Scalar::Bool => Some(1),
            _ => None,
        },
        _ => None,
    }
}

/// The locals that only ever hold small values (`let t = data[i] as usize`), with the largest:
/// every assignment in the function is such a value. Locals are read only after an assignment (the
/// front end rejects reads of possibly-uninitialized locals), so this holds for every read;
/// parameters and loop variables get their values otherwise and are left out.
fn small_locals(inst: &Instance) -> HashMap<LocalId, u64> {
    fn walk(inst: &Instance, b: &Block, out: &mut HashMap<LocalId, Option<u64>>) {
        for s in &b.stmts {
            match s {
                Stmt::Assign { local, value, .. } => {
                    let bound = at_most(inst, *value);
                    let entry = out.entry(*local).or_insert(bound);
                    *entry = entry.zip(bound).map(|(a, b)| a.max(b));
                }
                Stmt::For { var, body, .. } => {
                    out.insert(*var, None);
                    walk(inst, body, out);
                }
                Stmt::Loop { body } => walk(inst, body, out),
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    walk(inst, then_body, out);
                    walk(inst, else_body, out);
                }
                _ => {}
            }
        }
    }
    let mut found = HashMap::new();
    walk(inst, &inst.func.body, &mut found);
    for p in &inst.func.params {
        found.insert(*p, None);
    }
    found
        .into_iter()
        .filter_map(|(l, bound)| bound.map(|b| (l, b)))
        .collect()
}
