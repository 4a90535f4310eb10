//! Passes over the typed IR, run in one fixed order, with the verifier after each in debug builds.
//!
//! In: a verified [`TypedProgram`]. Out: the same program, rewritten, still verified.

mod carry;
mod contract;
mod exits;
mod extents;
mod flatten;
mod fusion;
mod inline;
mod interchange;
mod minmax;
mod nest;
mod shapes;
mod split;
mod spread;
mod strip;
mod tile;
mod uninit;
mod unit_stride;
mod unroll_jam;
mod versioning;

use crate::ir::verify::{verify, VerifyErrors};
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

/// A pass: a plain function that rewrites the program in place.
pub type Pass = fn(&mut TypedProgram);

/// Which back ends a pass runs for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum For {
    All,
    /// CPU code only: tiling and unroll-and-jam trade registers for instruction-level parallelism, which
    /// pays on a CPU core; a GPU thread's registers decide how many threads run at once, and its
    /// effect there has not been measured; `spread` moves a parallel walk's `prange` inside a
    /// serial loop, where the GPU's grid-stride loop cannot be.
    Cpu,
    /// GPU code only: `flatten` makes a parallel walk one `prange` over all its elements, the
    /// grid-stride loop (on the CPU the division per element would cost more than `spread`'s
    /// copies).
    Gpu,
}

/// The passes, in order.
pub const PIPELINE: &[(&str, Pass, For)] = &[
    ("extents", extents::run, For::All),
    ("shapes", shapes::run, For::All),
    ("fusion", fusion::run, For::All),
    ("contraction", contract::run, For::All),
    ("uninit", uninit::run, For::Cpu),
    ("spread", spread::run, For::Cpu),
    ("flatten", flatten::run, For::Gpu),
    ("inline", inline::run, For::Cpu),
    ("exits", exits::run, For::Cpu),
    ("splitting", split::run, For::All),
    ("versioning", versioning::run, For::All),
    ("interchange", interchange::run, For::Cpu),
    ("unit-stride", unit_stride::run, For::Cpu),
    ("minmax", minmax::run, For::Cpu),
    ("carry", carry::run, For::All),
    ("unroll-and-jam", unroll_jam::run, For::Cpu),
    ("tiling", tile::run, For::Cpu),
];

/// The back end a program is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Cpu,
    Gpu,
}

/// Whether [`run`] verifies the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Before the first pass and after each one (debug builds, tests, the fuzzer).
    AfterEach,
    Never,
}

/// Runs every pass for `backend`, verifying as `check` says.
pub fn run(
    program: &mut TypedProgram,
    backend: Backend,
    check: Verify,
) -> Result<(), VerifyErrors> {
    let verifies = check == Verify::AfterEach;
    if verifies {
        verify(program)?;
    }
    for (_, pass, targets) in PIPELINE {
        let skip = match targets {
            For::All => false,
            For::Cpu => backend == Backend::Gpu,
            For::Gpu => backend == Backend::Cpu,
        };
        if skip {
            continue;
        }
        pass(program);
        if verifies {
            verify(program)?;
        }
    }
    Ok(())
}

/// A `for` loop taken apart, for [`rewrite_for_loops`].
struct ForLoop {
    var: LocalId,
    range: ForRange,
    body: Block,
    span: Span,
}

impl ForLoop {
    /// The loop as a statement again.
    fn into_stmt(self) -> Stmt {
        Stmt::For {
            var: self.var,
            range: self.range,
            body: self.body,
            span: self.span,
        }
    }
}

/// Rebuilds `b`, descending into `if`s and loops. Each `for` loop goes to `rewrite`, which either
/// pushes its replacement onto the output and returns `None`, or hands the loop back, to be kept
/// with its body rebuilt the same way.
fn rewrite_for_loops<C>(
    cx: &mut C,
    b: Block,
    rewrite: &mut impl FnMut(&mut C, ForLoop, &mut Vec<Stmt>) -> Option<ForLoop>,
) -> Block {
    let mut out = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        match s {
            s @ (Stmt::If { .. } | Stmt::Loop { .. }) => {
                out.push(s.map_blocks(|b| rewrite_for_loops(cx, b, rewrite)))
            }
            Stmt::For {
                var,
                range,
                body,
                span,
            } => {
                let found = ForLoop {
                    var,
                    range,
                    body,
                    span,
                };
                if let Some(kept) = rewrite(cx, found, &mut out) {
                    let body = rewrite_for_loops(cx, kept.body, rewrite);
                    out.push(Stmt::For {
                        var: kept.var,
                        range: kept.range,
                        body,
                        span: kept.span,
                    });
                }
            }
            s => out.push(s),
        }
    }
    Block { stmts: out }
}

/// `for i in a..b` over `usize`, step 1, forward.
fn counted(inst: &Instance, var: LocalId, range: &ForRange) -> bool {
    !range.inclusive && counted_to(inst, var, range)
}

/// [`counted`], or an inclusive range `a..=b` (forward, step 1, `usize`).
fn counted_to(inst: &Instance, var: LocalId, range: &ForRange) -> bool {
    !range.reverse && range.step.is_none() && inst.local_ty(var) == Type::Scalar(Scalar::Usize)
}

/// Pure, cannot fail, and the same in every iteration of a nest that assigns `assigned`.
fn invariant(f: &Function, assigned: &HashSet<LocalId>, e: ExprId) -> bool {
    match &f.expr(e).kind {
        ExprKind::Const(_) | ExprKind::Shape { .. } => true,
        ExprKind::Local(l) => !assigned.contains(l),
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => invariant(f, assigned, *x),
        ExprKind::Binary(op, a, b) => {
            !matches!(op, BinOp::Div | BinOp::Rem)
                && invariant(f, assigned, *a)
                && invariant(f, assigned, *b)
        }
        _ => false,
    }
}

/// The bits of `e` when it is a constant (a `usize` bound's value).
fn const_bits(f: &Function, e: ExprId) -> Option<u128> {
    match f.expr(e).kind {
        ExprKind::Const(c) => Some(c.bits),
        _ => None,
    }
}

/// A structural text key of a pure expression (for deduplicating tests and matching accesses).
fn expr_key(f: &Function, e: ExprId) -> String {
    match &f.expr(e).kind {
        ExprKind::Const(c) => crate::ir::print::constant(*c),
        ExprKind::Local(l) => format!("{l}"),
        ExprKind::Shape { array, query } => format!("shape({array},{query:?})"),
        ExprKind::Unary(op, x) => format!("{op:?}({})", expr_key(f, *x)),
        ExprKind::Cast(x, t) => format!("({} as {t})", expr_key(f, *x)),
        ExprKind::Binary(op, a, b) => {
            format!("({} {} {})", expr_key(f, *a), op.symbol(), expr_key(f, *b))
        }
        ExprKind::Load { array, index, .. } => format!(
            "{array}[{}]",
            index
                .iter()
                .map(|i| expr_key(f, *i))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => format!("{e}"),
    }
}
