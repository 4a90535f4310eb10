//! `prange` on the CPU: what a parallel loop may do, and how its locals are shared.
//!
//! In: a typed program. Out: `Ok` when every `prange` loop can run its iterations in parallel and in
//! any order, or a [`Diagnostic`] at the offending statement. Inside a `prange` body:
//!
//! - a scalar declared outside the loop may only be updated as a reduction: `s += e`, `s -= e`,
//!   `s *= e`, `s = s.min(e)`, `s = s.max(e)`, `s |= e`, `s &= e`, `s ^= e` (one operator per
//!   variable, `e` not reading `s`, and `s` read nowhere else in the body);
//! - `break` out of the loop and `return` are errors (no iteration can stop the others);
//! - a store whose indices do not depend on the loop variable at all (`y[0] = ..`) is a race.
//!
//! A `prange` nested in another runs serially; the outer loop's rules cover its body. The back end
//! uses [`classify`] to decide which locals a chunk of iterations copies in, keeps private, or
//! combines at its end.

use crate::diag::Diagnostic;
use crate::ir::walk::{children, escapes, reads_any, reads_local};
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// How partial results of a reduction combine (`-=` partials are summed like `+=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduce {
    Add,
    Mul,
    And,
    Or,
    Xor,
    Min,
    Max,
}

impl Reduce {
    /// The value partial results start from, as the bits of an `s`: a float's IEEE bits, an
    /// integer's value sign- or zero-extended to 64 bits. `min` and `max` of floats start from NaN,
    /// which `f64::min`/`max`, `llvm.minnum` and `atomicrmw fmin` all ignore.
    pub fn identity(self, s: Scalar) -> u64 {
        match (s, self) {
            (Scalar::F32, Reduce::Mul) => 1.0f32.to_bits() as u64,
            (Scalar::F64, Reduce::Mul) => 1.0f64.to_bits(),
            (Scalar::F32, Reduce::Min | Reduce::Max) => f32::NAN.to_bits() as u64,
            (Scalar::F64, Reduce::Min | Reduce::Max) => f64::NAN.to_bits(),
            (_, Reduce::Mul) => 1,
            (_, Reduce::And) => u64::MAX,
            (_, Reduce::Min) => s.int_range().1 as u64,
            (_, Reduce::Max) => s.int_range().0 as u64,
            (_, Reduce::Add | Reduce::Or | Reduce::Xor) => 0,
        }
    }

    fn written(self) -> &'static str {
        match self {
            Reduce::Add => "+=",
            Reduce::Mul => "*=",
            Reduce::And => "&=",
            Reduce::Or => "|=",
            Reduce::Xor => "^=",
            Reduce::Min => "= .min(..)",
            Reduce::Max => "= .max(..)",
        }
    }
}

/// How the body of a `prange` loop uses the scalars around it.
#[derive(Clone, Debug, Default)]
pub struct Sharing {
    /// Scalars read in the body and never written there: copied in by value.
    pub reads: Vec<LocalId>,
    /// Scalars updated only as reductions: private accumulators combined at the end.
    pub reductions: Vec<(LocalId, Reduce)>,
    /// Arrays the body uses.
    pub arrays: Vec<LocalId>,
}

fn help_reduce(s: &str) -> String {
    format!("update it only as a reduction (`{s} += e`, `{s} -= e`, `{s} *= e`, `{s} = {s}.min(e)`, `{s} = {s}.max(e)`, `{s} |= e`, `{s} &= e`, `{s} ^= e`)")
}

/// Checks every `prange` loop of every instance (see the module doc).
pub fn check(program: &TypedProgram) -> Result<(), Diagnostic> {
    for inst in program.instances.values() {
        let mut uses = Uses::default();
        uses.block(&inst.func, &inst.func.body);
        check_block(inst, &inst.func.body, &uses)?;
    }
    Ok(())
}

fn check_block(inst: &Instance, b: &Block, all: &Uses) -> Result<(), Diagnostic> {
    for s in &b.stmts {
        match s {
            Stmt::For {
                var,
                range,
                body,
                span,
            } if range.parallel => check_loop(inst, *var, body, *span, all)?,
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                check_block(inst, then_body, all)?;
                check_block(inst, else_body, all)?;
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => check_block(inst, body, all)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_loop(
    inst: &Instance,
    var: LocalId,
    body: &Block,
    span: Span,
    all: &Uses,
) -> Result<(), Diagnostic> {
    let f = &inst.func;
    if let Some((at, what)) = escapes(body, 0) {
        return Err(Diagnostic::new(format!("`{what}` out of a `prange` loop"), at.unwrap_or(span), format!("`{what}` here"))
            .with_label(span, "in this parallel loop")
            .with_help("the iterations of `prange` run in parallel and in any order, so none can stop the others; use a serial `for` loop"));
    }
    let mut inside = Uses::default();
    inside.block(f, body);
    // Scalars also used outside the body (or parameters) are shared with the code around it.
    let outer = |l: LocalId| f.params.contains(&l) || all.count(l) > inside.count(l);
    let mut written: Vec<LocalId> = inside
        .writes
        .keys()
        .copied()
        .filter(|&l| l != var && outer(l))
        .collect();
    written.sort();
    for l in written {
        if let Err(d) = reduction_of(inst, l, &inside) {
            return Err(d.with_label(span, "in this parallel loop"));
        }
    }
    // Races: a store at an index that is the same in every iteration.
    let dependent = dependent_locals(f, var, body);
    if let Some((array, at)) = racy_store(f, body, &dependent) {
        let name = &f.local(var).name;
        return Err(Diagnostic::new(
            format!("data race: every iteration of this `prange` loop stores to the same element of `{}`", f.local(array).name),
            at,
            format!("the index does not depend on `{name}`"),
        )
        .with_label(span, "in this parallel loop")
        .with_help(format!(
            "iterations run in parallel: index the store with `{name}` (or a value computed from it), accumulate into a local declared outside the loop as a reduction (`s += e`) and store it after the loop, or use a serial `for` loop"
        )));
    }
    Ok(())
}

/// The reduction that `l`'s writes in a body form, or why they form none.
fn reduction_of(inst: &Instance, l: LocalId, inside: &Uses) -> Result<Reduce, Diagnostic> {
    let f = &inst.func;
    let name = &f.local(l).name;
    let writes = &inside.writes[&l];
    let mut op: Option<(Reduce, Span)> = None;
    for &(value, at) in writes {
        let Some(value) = value else {
            return Err(Diagnostic::new(format!("`{name}` is declared outside this `prange` loop and used as a loop variable inside it"), at, "a write of a shared variable")
                .with_help(format!("iterations run in parallel: declare the inner loop's variable inside the body instead of `{name}`")));
        };
        let Some((r, e)) = reduction_form(f, l, value) else {
            return Err(Diagnostic::new(format!("`{name}` is declared outside this `prange` loop and assigned inside it"), at, "not a reduction")
                .with_help(format!("iterations run in parallel and in any order: declare `{name}` inside the loop (`let {name} = ..`) for a value of one iteration, or {}", help_reduce(name)))
                .with_note("in Rust, `s = s + e` is written `s += e`"));
        };
        if reads_local(f, e, l) {
            return Err(Diagnostic::new(format!("the update of the reduction variable `{name}` reads `{name}` again"), at, format!("`{name}` appears on both sides"))
                .with_help(format!("a reduction adds (multiplies, ..) a value computed without `{name}`: each chunk of iterations holds only a partial `{name}`")));
        }
        if inst.local_ty(l) == Type::Scalar(Scalar::Bool) {
            return Err(Diagnostic::new(format!("`{name}` is a `bool` reduction of a `prange` loop, which is not supported"), at, "a `bool` reduction")
                .with_help(format!("count instead: make `{name}` an integer (`{name} |= (cond) as u32`) and compare it with zero after the loop")));
        }
        match op {
            Some((prev, prev_at)) if prev != r => {
                return Err(Diagnostic::new(format!("the reduction variable `{name}` is updated with both `{}` and `{}`", prev.written(), r.written()), at, format!("`{}` here", r.written()))
                    .with_label(prev_at, format!("`{}` here", prev.written()))
                    .with_help("partial results of a `prange` loop combine with one operator: use one kind of update per variable"))
            }
            _ => op = Some((r, at)),
        }
    }
    // Each update reads `l` once; any other read sees a partial value.
    if inside.reads.get(&l).copied().unwrap_or(0) > writes.len() {
        let at = writes[0].1;
        return Err(Diagnostic::new(format!("`{name}` is a reduction variable of this `prange` loop and cannot be read inside it"), at, "updated as a reduction here")
            .with_help(format!("inside the loop each chunk of iterations holds only a partial `{name}`; read it after the loop")));
    }
    op.map(|(r, _)| r)
        .ok_or_else(|| Diagnostic::new("internal: reduction without updates", Span::default(), ""))
}

/// `s op e` / `s.min(e)` / `s.max(e)` for an assignment to `s`: the operator and `e`.
fn reduction_form(f: &Function, s: LocalId, value: ExprId) -> Option<(Reduce, ExprId)> {
    let is_s = |e: ExprId| matches!(f.expr(e).kind, ExprKind::Local(l) if l == s);
    match &f.expr(value).kind {
        ExprKind::Binary(op, a, e) if is_s(*a) => Some((
            match op {
                BinOp::Add | BinOp::Sub => Reduce::Add,
                BinOp::Mul => Reduce::Mul,
                BinOp::BitAnd => Reduce::And,
                BinOp::BitOr => Reduce::Or,
                BinOp::BitXor => Reduce::Xor,
                _ => return None,
            },
            *e,
        )),
        ExprKind::Intrinsic {
            op: op @ (Intrinsic::Min | Intrinsic::Max),
            args,
        } if args.len() == 2 && is_s(args[0]) => Some((
            if *op == Intrinsic::Min {
                Reduce::Min
            } else {
                Reduce::Max
            },
            args[1],
        )),
        _ => None,
    }
}

/// How locals outside a `prange` body are shared with it, for the back end. The program has passed
/// [`check`], so a scalar written in the body is either a reduction or private to an iteration.
pub fn classify(inst: &Instance, var: LocalId, body: &Block) -> Sharing {
    let f = &inst.func;
    let mut inside = Uses::default();
    inside.block(f, body);
    let mut sharing = Sharing::default();
    let mut locals: Vec<LocalId> = inside
        .reads
        .keys()
        .chain(inside.writes.keys())
        .chain(inside.arrays.iter())
        .copied()
        .collect();
    locals.sort();
    locals.dedup();
    for l in locals {
        if l == var {
            continue;
        }
        match inst.local_ty(l) {
            Type::Array(_) => sharing.arrays.push(l),
            Type::Scalar(_) => match inside.writes.get(&l) {
                None => sharing.reads.push(l),
                Some(_) => {
                    let reduce = || -> Option<Reduce> {
                        let writes = &inside.writes[&l];
                        let mut op = None;
                        for &(value, _) in writes {
                            let (r, e) = reduction_form(f, l, value?)?;
                            if reads_local(f, e, l) || op.is_some_and(|o| o != r) {
                                return None;
                            }
                            op = Some(r);
                        }
                        (inside.reads.get(&l).copied().unwrap_or(0) == writes.len()
                            && inst.local_ty(l) != Type::Scalar(Scalar::Bool))
                        .then_some(op?)
                    };
                    if let Some(r) = reduce() {
                        sharing.reductions.push((l, r));
                    }
                }
            },
            Type::Unit => {}
        }
    }
    sharing
}

/// Reads, writes and array uses of the locals of a block.
#[derive(Default)]
struct Uses {
    reads: HashMap<LocalId, usize>,
    /// Per local: each write's value (`None` for a loop variable) and span.
    writes: HashMap<LocalId, Vec<(Option<ExprId>, Span)>>,
    arrays: HashSet<LocalId>,
}

impl Uses {
    fn count(&self, l: LocalId) -> usize {
        self.reads.get(&l).copied().unwrap_or(0)
            + self.writes.get(&l).map_or(0, |w| w.len())
            + self.arrays.contains(&l) as usize
    }

    fn block(&mut self, f: &Function, b: &Block) {
        for s in &b.stmts {
            match s {
                Stmt::Assign { local, value, span } => {
                    self.expr(f, *value);
                    self.writes
                        .entry(*local)
                        .or_default()
                        .push((Some(*value), *span));
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    ..
                } => {
                    self.expr(f, *value);
                    index.iter().for_each(|&i| self.expr(f, i));
                    self.arrays.insert(*array);
                }
                Stmt::Eval(e) => self.expr(f, *e),
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    self.expr(f, *cond);
                    self.block(f, then_body);
                    self.block(f, else_body);
                }
                Stmt::Loop { body } => self.block(f, body),
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    [Some(range.start), Some(range.end), range.step]
                        .into_iter()
                        .flatten()
                        .for_each(|e| self.expr(f, e));
                    self.writes.entry(*var).or_default().push((None, *span));
                    self.block(f, body);
                }
                Stmt::Return { value, .. } => value.iter().for_each(|&e| self.expr(f, e)),
                Stmt::Break | Stmt::Continue => {}
            }
        }
    }

    fn expr(&mut self, f: &Function, e: ExprId) {
        match &f.expr(e).kind {
            ExprKind::Local(l) => {
                *self.reads.entry(*l).or_default() += 1;
            }
            ExprKind::Load { array, .. } | ExprKind::Shape { array, .. } => {
                self.arrays.insert(*array);
            }
            ExprKind::Gpu { array: Some(a), .. } => {
                self.arrays.insert(*a);
            }
            _ => {}
        }
        children(&f.expr(e).kind)
            .into_iter()
            .for_each(|c| self.expr(f, c));
    }
}

/// The locals of a body whose value may differ between iterations: the loop variable, and what is
/// computed from it (through data or through a condition that depends on it).
fn dependent_locals(f: &Function, var: LocalId, body: &Block) -> HashSet<LocalId> {
    let mut set = HashSet::from([var]);
    loop {
        let before = set.len();
        grow(f, body, false, &mut set);
        if set.len() == before {
            return set;
        }
    }
}

fn grow(f: &Function, b: &Block, tainted: bool, set: &mut HashSet<LocalId>) {
    for s in &b.stmts {
        match s {
            Stmt::Assign { local, value, .. } if tainted || reads_any(f, *value, set) => {
                set.insert(*local);
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let t = tainted || reads_any(f, *cond, set);
                grow(f, then_body, t, set);
                grow(f, else_body, t, set);
            }
            Stmt::Loop { body } => grow(f, body, tainted, set),
            Stmt::For {
                var, range, body, ..
            } => {
                let t = tainted
                    || [Some(range.start), Some(range.end), range.step]
                        .into_iter()
                        .flatten()
                        .any(|e| reads_any(f, e, set));
                if t {
                    set.insert(*var);
                }
                grow(f, body, t, set);
            }
            _ => {}
        }
    }
}

/// A store none of whose indices depends on the loop variable.
fn racy_store(f: &Function, b: &Block, dependent: &HashSet<LocalId>) -> Option<(LocalId, Span)> {
    for s in &b.stmts {
        let found = match s {
            Stmt::Store {
                array, index, span, ..
            } if !index.iter().any(|&i| reads_any(f, i, dependent)) => Some((*array, *span)),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                racy_store(f, then_body, dependent).or_else(|| racy_store(f, else_body, dependent))
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => racy_store(f, body, dependent),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}
