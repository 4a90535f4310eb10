//! Early exits at the top of a loop's body folded into its test: a `for` loop that stops at the
//! first element meeting a condition, written as Numba users write escape-time loops, becomes a
//! `while` loop, the shape `unroll_jam` runs in the lanes of vectors.
//!
//! In: a typed program before versioning. Out: the same program where a loop
//!
//! ```text
//! for k in a..b { if c1 { A1; break } ..; if cn { An; break } B }
//! while t { if c1 { A1; break } ..; if cn { An; break } B }
//! ```
//!
//! (the guards `if ci { Ai; break }` first in the body, `Ai` assignments) becomes
//!
//! ```text
//! k = a; k.end = b;                              // a `for` loop's test `t` is `k < k.end`
//! while t && !c1 && .. && !cn { B; k = k + 1 }   // `k = k + 1` for a `for` loop only
//! if t && !c1 && .. && ci { Ai }                 // each guard with assignments, in order
//! ```
//!
//! (the last guard's exit test without its `cn`: the loop ended, and not on `t` or an earlier
//! guard, so `cn` held; Mandelbrot's `if k < k.end { n = k }` then reads neither `zr` nor `zi`,
//! whose lanes `unroll_jam` updates without a select).
//!
//! The loop evaluates the same tests and runs the same `B` in the same order; it ends either
//! because `t` failed or at the first guard whose condition held, with nothing evaluated in
//! between, so evaluating the tests again after it tells which, with the same result: they have
//! no effects (calls only of helpers that cannot fail and always return), read nothing an `Ai`
//! assigns, and cannot fail then, having not failed on the same values. A `for` loop's counter
//! is incremented only while below `k.end`, so it cannot overflow. Mandelbrot written
//! `for k in 0..max_iter { if zr * zr + zi * zi > 4.0 { n = k; break } .. }` then runs sixteen
//! pixels in the lanes of vectors, as the `while` form always did.
//!
//! A `for` loop qualifies when it counts up by one (`a..b`, not `prange`, not a checked copy
//! that versioning kept) and its counter indexes no array in it (versioning proves such
//! accesses in bounds from a `for` loop's range, not from a `while` loop's test) and is read
//! nowhere else; the body after the guards must not leave the loop (`break`, `continue`) itself.
//!
//! A loop tested at its end, `loop { B; if c { A; break } }` (Rust's do-while; `B` a few
//! assignments and stores), becomes `B; while !c { B }; A`: the same statements in the same
//! order, `B` written twice.
//!
//! A `for` loop whose guards follow assignments `E` (the test after the update, as Numba's
//! documentation writes Mandelbrot: `for k in 0..max_iter { z = z * z + c; if z.norm_sqr() >
//! 4.0 { n = k; break } }`) runs `E` one pass ahead: `k = a; k.end = b; E; while k < k.end &&
//! !c1 .. { B; k = k + 1; E }`. Each test then reads what `E` computed in its own pass, as
//! before; `E` also runs once where the loop as written does not (before an empty range, after
//! the last pass), which is unseen when `E` cannot fail and has no effects (assignments of
//! expressions that cannot fail: no checked access, no integer division; but a checked load
//! whose index the loop does not change, where the range is constant and not empty, `for _ in
//! 0..100`: the first pass loads it anyway, and the extra one after the last pass loads what the
//! first loaded) and the locals it assigns are out of scope after the loop: declared inside the `for` loop whose body holds this
//! loop (each of its iterations assigns them again before reading them, as Rust requires) and
//! read nowhere after this loop in that body. 3.4x faster than rustc on the complex form above
//! (1024 x 1024 pixels, 200 iterations; it ran at rustc's speed as a `for` loop).

use super::nest::{self, pure_instances};
use crate::ir::edit::block_exprs;
use crate::ir::walk::{children, Uses};
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// The most statements of a loop tested at its end that are copied before it.
const DO_WHILE_BODY: usize = 16;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    for inst in p.instances.values_mut() {
        let reads = Uses::of(&inst.func, &inst.func.body).reads;
        let body = std::mem::take(&mut inst.func.body);
        let mut cx = Cx {
            inst,
            pure: &pure,
            reads,
        };
        let body = cx.block(body, None);
        cx.inst.func.body = body;
    }
}

struct Cx<'a> {
    inst: &'a mut Instance,
    pure: &'a HashSet<InstId>,
    /// How often the function reads each local (before this pass).
    reads: HashMap<LocalId, usize>,
}

impl Cx<'_> {
    /// Rewrites the loops of `b` that qualify; `outer` is the span of the `for` loop whose body
    /// `b` is, if it is one.
    fn block(&mut self, b: Block, outer: Option<Span>) -> Block {
        let mut stmts = b.stmts;
        let mut out = Vec::with_capacity(stmts.len());
        for i in 0..stmts.len() {
            let s = std::mem::replace(&mut stmts[i], Stmt::Break);
            let within = match &s {
                Stmt::For { span, .. } => Some(*span),
                _ => None,
            };
            match s.map_blocks(|inner| self.block(inner, within)) {
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    let after = &stmts[i + 1..];
                    let ahead = self
                        .counter(var, &range, &body)
                        .then(|| self.ahead(&range, &body.stmts, outer, after))
                        .flatten();
                    match ahead.map(|pre| (pre, self.guards(&[], &body.stmts[pre..]))) {
                        Some((pre, n)) if n > 0 => {
                            self.for_loop(var, range, body, span, (pre, n), &mut out)
                        }
                        _ => out.push(Stmt::For {
                            var,
                            range,
                            body,
                            span,
                        }),
                    }
                }
                Stmt::Loop { body } if do_while(&body) => self.do_while(body, &mut out),
                Stmt::Loop { mut body } => {
                    let n = nest::while_test(&body)
                        .map_or(0, |test| self.guards(&[test], &body.stmts[1..]));
                    let mut after = Vec::new();
                    if n > 0 {
                        let head = body.stmts.remove(0);
                        let Stmt::If { cond: test, .. } = head else {
                            unreachable!("`while_test` matched an `if`")
                        };
                        (body, after) = self.fold(test, body.stmts, n);
                    }
                    out.push(Stmt::Loop { body });
                    out.extend(after);
                }
                s => out.push(s),
            }
        }
        Block { stmts: out }
    }

    /// How many assignments come before the guards of a `for` loop's body `stmts` and may run
    /// ahead, one pass early (module doc); `None` when some may not. `outer`: the span of the
    /// `for` loop whose body holds this loop directly, followed there by `after`.
    fn ahead(
        &self,
        range: &ForRange,
        stmts: &[Stmt],
        outer: Option<Span>,
        after: &[Stmt],
    ) -> Option<usize> {
        let pre = stmts
            .iter()
            .take_while(|s| matches!(s, Stmt::Assign { .. }))
            .count();
        if pre == 0 || stmts.get(pre).and_then(guard).is_none() {
            return Some(0);
        }
        let outer = outer?;
        let f = &self.inst.func;
        let uses = |stmts: &[Stmt]| {
            Uses::of(
                f,
                &Block {
                    stmts: stmts.to_vec(),
                },
            )
        };
        let read_after = uses(after).reads;
        // A checked load at an index that stays the same in the loop, where the loop runs at
        // least once (a constant range): loaded before the loop as in the first pass, and
        // again after the last pass, in bounds as it was in the first.
        let constant = |e: ExprId| match f.expr(e).kind {
            ExprKind::Const(c) => Some(c.as_i128()),
            _ => None,
        };
        let runs = matches!(
            (constant(range.start), constant(range.end)),
            (Some(a), Some(b)) if a < b
        );
        let assigned: HashSet<LocalId> = uses(stmts).writes.into_keys().collect();
        let steady =
            |index: &[ExprId]| runs && index.iter().all(|i| !walk::reads_any(f, *i, &assigned));
        stmts[..pre]
            .iter()
            .all(|s| {
                let Stmt::Assign { local, value, .. } = s else {
                    return false;
                };
                let d = f.local(*local).span;
                let inside =
                    outer.start < outer.end && outer.start <= d.start && d.end <= outer.end;
                inside
                    && !read_after.contains_key(local)
                    && nest::fails_only_at(self.inst, *value, &mut 0, self.pure, &steady)
            })
            .then_some(pre)
    }

    /// `loop { B; if c { A; break } }` as `B; while !c { B }; A`, onto `out` (module doc).
    fn do_while(&mut self, body: Block, out: &mut Vec<Stmt>) {
        let mut stmts = body.stmts;
        let Some(Stmt::If {
            cond, then_body, ..
        }) = stmts.pop()
        else {
            unreachable!("`do_while` matched a guard")
        };
        let span = self.inst.func.expr(cond).span;
        let mut b = self.inst.build(span);
        let test = b.unary(UnOp::Not, cond);
        let mut again = vec![while_head(test)];
        for s in &stmts {
            let copy = b.inst.copy_stmt(s, &HashMap::new());
            again.push(copy);
        }
        out.extend(stmts);
        out.push(Stmt::Loop {
            body: Block { stmts: again },
        });
        let mut assigns = then_body.stmts;
        assigns.pop();
        out.extend(assigns);
    }

    /// Whether the `for` loop over `k` counts up by one and its counter is read only in `body`,
    /// never in an array index.
    fn counter(&self, k: LocalId, range: &ForRange, body: &Block) -> bool {
        let f = &self.inst.func;
        let plain = !range.inclusive
            && !range.reverse
            && range.step.is_none()
            && !range.parallel
            && !range.cold
            && range.reductions.is_empty()
            && matches!(self.inst.local_ty(k), Type::Scalar(s) if s.is_int());
        let here = Uses::of(f, body).reads.get(&k).copied().unwrap_or(0);
        plain && self.reads.get(&k).copied().unwrap_or(0) == here && !indexes(f, body, k)
    }

    /// How many guards `if c { assignments; break }` begin `stmts` and fold (module doc) with
    /// the loop's `tests`: none when they do not.
    fn guards(&self, tests: &[ExprId], stmts: &[Stmt]) -> usize {
        let f = &self.inst.func;
        let n = stmts.iter().take_while(|s| guard(s).is_some()).count();
        let (guards, rest) = stmts.split_at(n);
        let conds: Vec<ExprId> = tests
            .iter()
            .copied()
            .chain(guards.iter().filter_map(|g| guard(g).map(|(c, _)| c)))
            .collect();
        let mut read = Vec::new();
        for &e in &conds {
            nest::locals_read(f, e, &mut read);
        }
        let assigned_read = guards
            .iter()
            .filter_map(guard)
            .flat_map(|(_, assigns)| assigns)
            .any(|s| matches!(s, Stmt::Assign { local, .. } if read.contains(local)));
        let folds = conds.iter().all(|&e| self.effect_free(e)) && !assigned_read && !leaves(rest);
        if folds {
            n
        } else {
            0
        }
    }

    /// `for k in a..b { E; guards; B }` (`E`: the `pre` assignments that run ahead, `n`
    /// guards) as `k = a; k.end = b; E; while k < k.end { guards; B; k = k + 1; E }`, folded
    /// ([`Self::fold`]), onto `out`.
    fn for_loop(
        &mut self,
        k: LocalId,
        range: ForRange,
        body: Block,
        span: Span,
        (pre, n): (usize, usize),
        out: &mut Vec<Stmt>,
    ) {
        let ty = self.inst.local_ty(k);
        let Type::Scalar(scalar) = ty else {
            unreachable!("`counter` checked the type")
        };
        let mut b = self.inst.build(span);
        let name = format!("{}.end", b.inst.func.local(k).name);
        let end = b.temp(&name, ty);
        out.push(b.assign(k, range.start));
        out.push(b.assign(end, range.end));
        let (kk, e) = (b.local(k), b.local(end));
        let test = b.bin(BinOp::Lt, kk, e);
        let kk = b.local(k);
        let one = b.constant(Const::int(scalar, 1));
        let next = b.bin(BinOp::Add, kk, one);
        let mut stmts = body.stmts;
        let ahead: Vec<Stmt> = stmts.drain(..pre).collect();
        stmts.push(b.assign(k, next));
        for s in &ahead {
            let copy = b.inst.copy_stmt(s, &HashMap::new());
            stmts.push(copy);
        }
        out.extend(ahead);
        let (body, after) = self.fold(test, stmts, n);
        out.push(Stmt::Loop { body });
        out.extend(after);
    }

    /// The body of `while test { stmts }`, whose first `n` statements are guards that fold,
    /// with them folded into its test, and the statements that follow the loop (module doc).
    fn fold(&mut self, test: ExprId, mut stmts: Vec<Stmt>, n: usize) -> (Block, Vec<Stmt>) {
        let rest = stmts.split_off(n);
        let conds: Vec<ExprId> = stmts
            .iter()
            .filter_map(|g| guard(g).map(|(c, _)| c))
            .collect();
        let span = self.inst.func.expr(conds[0]).span;
        let mut b = self.inst.build(span);
        // Each guard with assignments: `if t && !c1 && .. && ci { Ai }`, from copies; the last
        // one's `cn` goes without saying (the loop ended, and not on an earlier test).
        let mut after = Vec::new();
        for (i, g) in stmts.iter().enumerate() {
            let Some((_, assigns)) = guard(g).filter(|(_, a)| !a.is_empty()) else {
                continue;
            };
            let mut exit = b.copy(test);
            for &c in &conds[..i] {
                let c = b.copy(c);
                let not = b.unary(UnOp::Not, c);
                exit = b.and(exit, not);
            }
            if i + 1 < conds.len() {
                let c = b.copy(conds[i]);
                exit = b.and(exit, c);
            }
            after.push(Stmt::If {
                cond: exit,
                then_body: Block {
                    stmts: assigns.to_vec(),
                },
                else_body: Block::default(),
            });
        }
        // The loop's own test, `t && !c1 && .. && !cn`, from the expressions themselves.
        let mut test = test;
        for &c in &conds {
            let not = b.unary(UnOp::Not, c);
            test = b.and(test, not);
        }
        let body = std::iter::once(while_head(test)).chain(rest).collect();
        (Block { stmts: body }, after)
    }

    /// Has no effects (calls only of pure helpers): evaluated again, it gives the same value.
    fn effect_free(&self, e: ExprId) -> bool {
        let kind = &self.inst.func.expr(e).kind;
        let here = match kind {
            ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Shape { .. }
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::Logical(..)
            | ExprKind::Cast(..)
            | ExprKind::Load { .. }
            | ExprKind::Intrinsic { .. } => true,
            ExprKind::CallInst { inst, .. } => self.pure.contains(inst),
            _ => false,
        };
        here && children(kind).into_iter().all(|c| self.effect_free(c))
    }
}

/// `if c { A; break }` (no `else`, `A` assignments): `c` and `A`.
fn guard(s: &Stmt) -> Option<(ExprId, &[Stmt])> {
    let Stmt::If {
        cond,
        then_body,
        else_body,
    } = s
    else {
        return None;
    };
    let (Stmt::Break, assigns) = then_body.stmts.split_last()? else {
        return None;
    };
    let plain =
        else_body.stmts.is_empty() && assigns.iter().all(|s| matches!(s, Stmt::Assign { .. }));
    plain.then_some((*cond, assigns))
}

/// Whether a `loop` body is `B; if c { A; break }` with `B` a few assignments and stores (a
/// loop tested at its end, as Rust writes a do-while loop).
fn do_while(body: &Block) -> bool {
    let Some((last, rest)) = body.stmts.split_last() else {
        return false;
    };
    guard(last).is_some()
        && rest.len() <= DO_WHILE_BODY
        && rest
            .iter()
            .all(|s| matches!(s, Stmt::Assign { .. } | Stmt::Store { .. }))
}

/// `if test {} else { break }`, a `while` loop's first statement.
fn while_head(test: ExprId) -> Stmt {
    Stmt::If {
        cond: test,
        then_body: Block::default(),
        else_body: Block {
            stmts: vec![Stmt::Break],
        },
    }
}

/// Whether `stmts` leave their loop (`break`, `continue`) other than from a loop inside them.
fn leaves(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Break | Stmt::Continue => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => leaves(&then_body.stmts) || leaves(&else_body.stmts),
        _ => false,
    })
}

/// Whether `k` is read in an array index in `b` (of a load, a store or an update).
fn indexes(f: &Function, b: &Block, k: LocalId) -> bool {
    let mut roots = Vec::new();
    block_exprs(b, &mut roots);
    let mut stack = roots;
    while let Some(e) = stack.pop() {
        let kind = &f.expr(e).kind;
        if let ExprKind::Load { index, .. } = kind {
            if index.iter().any(|i| walk::reads_local(f, *i, k)) {
                return true;
            }
        }
        stack.extend(children(kind));
    }
    stores_at(f, b, k)
}

/// Whether a store or an update in `b` reads `k` in its index.
fn stores_at(f: &Function, b: &Block, k: LocalId) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Store { index, .. } | Stmt::Update { index, .. } => {
            index.iter().any(|i| walk::reads_local(f, *i, k))
        }
        Stmt::If {
            then_body,
            else_body,
            ..
        } => stores_at(f, then_body, k) || stores_at(f, else_body, k),
        Stmt::Loop { body } | Stmt::For { body, .. } => stores_at(f, body, k),
        _ => false,
    })
}
