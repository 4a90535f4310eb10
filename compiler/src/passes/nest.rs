//! The loop nests the jamming passes (`unroll_jam`, `tile`) rewrite, taken apart and checked:
//! an outer loop's body as `P`, an inner loop with its straight-line body `B` (a `while` body may
//! also hold `if`s of assignments, as `P` and `S` may), and `S`; what each
//! statement evaluates and writes; whether expressions can fail; which scalars are assigned
//! before they are read; the array accesses of each part.

use crate::ir::walk::children;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

use super::invariant;

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

/// What one statement (or a `while` test, or the test of a guarded assignment) evaluates, in
/// order, and what it writes.
pub(super) struct Step<'a> {
    pub exprs: Vec<ExprId>,
    pub assigns: Option<LocalId>,
    pub stores: Option<(LocalId, &'a [ExprId])>,
    /// An assignment under an `if` (`P` or `S`): the local keeps its value when the test
    /// fails, so the step reads it too.
    pub guarded: bool,
}

impl<'a> Parts<'a> {
    pub(super) fn of(f: &Function, outer: &'a Block) -> Option<Parts<'a>> {
        let at = outer
            .stmts
            .iter()
            .position(|s| matches!(s, Stmt::For { .. } | Stmt::Loop { .. }))?;
        let (inner, body) = match &outer.stmts[at] {
            Stmt::For {
                var, range, body, ..
            } => (Inner::For { j: *var, range }, &body.stmts[..]),
            Stmt::Loop { body } => (
                Inner::While {
                    cond: while_test(body)?,
                },
                &body.stmts[1..],
            ),
            _ => return None,
        };
        // Assignments and stores whose accesses versioning (or `boundscheck = false`) left
        // unchecked; around the inner loop, also assignments under an `if` (the exits of a
        // `while` loop that `exits` folded: `if t && c { n = k }`), with an `else` of
        // assignments whose branches do not read what they assign (`let x = if c { a } else {
        // b };`).
        let straight = |s: &[Stmt]| {
            s.iter()
                .all(|s| matches!(s, Stmt::Assign { .. } | Stmt::Store { checked: false, .. }))
        };
        let around = |s: &[Stmt]| {
            s.iter().all(|s| {
                straight(std::slice::from_ref(s)) || (guarded(s).is_some() && independent(f, s))
            })
        };
        let (pre, post) = (&outer.stmts[..at], &outer.stmts[at + 1..]);
        // A `while` body's lanes also take `if`s of assignments (`unroll_jam::lanes`).
        let in_lanes = matches!(inner, Inner::While { .. });
        let body_ok = straight(body) || (in_lanes && around(body));
        (around(pre) && around(post) && body_ok).then_some(Parts {
            pre,
            inner,
            body,
            post,
        })
    }

    /// The steps of `P` (part 0), of one pass of the inner loop (1), of `S` (2).
    pub(super) fn steps(&self, part: usize) -> Vec<Step<'a>> {
        let stmts = [self.pre, self.body, self.post][part];
        let test = |cond: ExprId| Step {
            exprs: vec![cond],
            assigns: None,
            stores: None,
            guarded: false,
        };
        let mut steps = Vec::new();
        if let Inner::While { cond } = self.inner {
            if part == 1 {
                steps.push(test(cond));
            }
        }
        for s in stmts {
            match s {
                Stmt::Assign { local, value, .. } => steps.push(Step {
                    exprs: vec![*value],
                    assigns: Some(*local),
                    stores: None,
                    guarded: false,
                }),
                Stmt::Store {
                    array,
                    index,
                    value,
                    ..
                } => steps.push(Step {
                    exprs: std::iter::once(*value)
                        .chain(index.iter().copied())
                        .collect(),
                    assigns: None,
                    stores: Some((*array, &index[..])),
                    guarded: false,
                }),
                _ => {
                    // The test and every value first (each reads what was there before the
                    // `if`: `independent`), then each local the `if` assigns.
                    if let Some((cond, assigns)) = guarded(s) {
                        let mut exprs = vec![cond];
                        exprs.extend(assigns.iter().map(|a| a.1));
                        steps.push(Step {
                            exprs,
                            assigns: None,
                            stores: None,
                            guarded: false,
                        });
                        let mut seen = HashSet::new();
                        for &(local, _, guarded) in &assigns {
                            if seen.insert(local) {
                                steps.push(Step {
                                    exprs: Vec::new(),
                                    assigns: Some(local),
                                    stores: None,
                                    guarded,
                                });
                            }
                        }
                    }
                }
            }
        }
        steps
    }
}

/// An assignment under an `if`: the local, its value, and whether the local keeps its value
/// on the other path (assigned in one branch only).
type Guarded = (LocalId, ExprId, bool);

/// `if c { v1 = e1; ..; vn = en }`, or with an `else` of assignments too (`let x = if c { a }
/// else { b };`): `c` and the assignments, the `then` branch's first.
fn guarded(s: &Stmt) -> Option<(ExprId, Vec<Guarded>)> {
    let Stmt::If {
        cond,
        then_body,
        else_body,
    } = s
    else {
        return None;
    };
    let assigns = |b: &Block| {
        b.stmts
            .iter()
            .map(|s| match s {
                Stmt::Assign { local, value, .. } => Some((*local, *value)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
    };
    let (then, other) = (assigns(then_body)?, assigns(else_body)?);
    let in_both = |l: LocalId| then.iter().any(|a| a.0 == l) && other.iter().any(|a| a.0 == l);
    let all = then.iter().chain(&other);
    Some((*cond, all.map(|&(l, v)| (l, v, !in_both(l))).collect()))
}

/// Whether each value of a [`guarded`] `if` reads what was there before the `if`: no value
/// reads a local its branch assigned before it, and no branch assigns a local twice (so that
/// the steps, all values then all assignments, say what each path reads and writes, and
/// `unroll_jam`'s lanes may compute every value from the values before the `if`). Reading a
/// local assigned later in the branch, or in the other one, reads the value before the `if`.
fn independent(f: &Function, s: &Stmt) -> bool {
    let Stmt::If {
        then_body,
        else_body,
        ..
    } = s
    else {
        return false;
    };
    let branch = |b: &Block| {
        let mut earlier = HashSet::new();
        b.stmts.iter().all(|s| match s {
            Stmt::Assign { local, value, .. } => {
                !walk::reads_any(f, *value, &earlier) && earlier.insert(*local)
            }
            _ => false,
        })
    };
    branch(then_body) && branch(else_body)
}

/// Pure and unable to fail (counting its nodes into `nodes`); calls only of `pure` instances.
pub(super) fn cannot_fail(
    inst: &Instance,
    e: ExprId,
    nodes: &mut usize,
    pure: &HashSet<InstId>,
) -> bool {
    fails_only_at(inst, e, nodes, pure, &|_| false)
}

/// [`cannot_fail`], but for the checked loads whose index `checked_ok` accepts.
pub(super) fn fails_only_at(
    inst: &Instance,
    e: ExprId,
    nodes: &mut usize,
    pure: &HashSet<InstId>,
    checked_ok: &dyn Fn(&[ExprId]) -> bool,
) -> bool {
    *nodes += 1;
    let f = &inst.func;
    let mut all = |es: &[ExprId]| {
        es.iter()
            .all(|x| fails_only_at(inst, *x, nodes, pure, checked_ok))
    };
    match &f.expr(e).kind {
        ExprKind::Const(_) | ExprKind::Local(_) | ExprKind::Shape { .. } => true,
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => all(&[*x]),
        ExprKind::Binary(op, a, b) => {
            // An integer division fails by zero, or `MIN / -1`: not by another constant.
            let safe_divisor = match f.expr(*b).kind {
                ExprKind::Const(c) => c.as_i128() != 0 && (c.as_i128() != -1 || !c.ty.is_signed()),
                _ => false,
            };
            (!matches!(op, BinOp::Div | BinOp::Rem)
                || safe_divisor
                || inst.ty(*a).scalar().is_some_and(Scalar::is_float))
                && all(&[*a, *b])
        }
        ExprKind::Logical(_, a, b) => all(&[*a, *b]),
        ExprKind::Load { index, checked, .. } => (!checked || checked_ok(index)) && all(index),
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
            if s.guarded {
                reads.extend(s.assigns);
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

/// The test `t` of a loop body that is a `while t { .. }` (`if t {} else { break }` first).
pub(super) fn while_test(body: &Block) -> Option<ExprId> {
    match body.stmts.first() {
        Some(Stmt::If {
            cond,
            then_body,
            else_body,
        }) if then_body.stmts.is_empty() && matches!(else_body.stmts[..], [Stmt::Break]) => {
            Some(*cond)
        }
        _ => None,
    }
}

/// Pushes onto `out` each local that expression `e` reads (once per read).
pub(super) fn locals_read(f: &Function, e: ExprId, out: &mut Vec<LocalId>) {
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
