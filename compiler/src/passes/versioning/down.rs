//! Counters that count down from the loop variable: an insertion sort's shift,
//!
//! ```text
//! for i in 1..n {
//!     let v = a[i];
//!     let mut j = i;
//!     while j > 0 && a[j - 1] > v { a[j] = a[j - 1]; j -= 1; }
//!     a[j] = v;
//! }
//! ```
//!
//! A `usize` local `j` that the body of `for i in ..` sets to `i` (at its top level), and after
//! that only decrements by one, once per pass of a `while` whose test begins with `j > 0` (the
//! decrement at the top level of that loop's body), holds a value between 0 and `i` wherever it is
//! read after `j = i`; between the `while` test and the decrement it is at least 1, so `j - 1`
//! there is between 0 and `i - 1`. An access indexed by such a `j` or `j - 1` is in bounds wherever
//! `i` is, and versioning's test of `i` covers it.
//!
//! Versioning marks accesses by their text ([`AccessKey`]), so an access qualifies only when every
//! access with its text does: one at a point where `j` may hold anything (before `j = i`, or
//! `j - 1` after the decrement) keeps them all checked.

use super::{access_key, AccessKey};
use crate::ir::edit::stmt_exprs;
use crate::ir::walk::children;
use crate::ir::*;
use crate::passes::const_bits;
use std::collections::HashSet;

/// A down counter of a loop body, and the accesses its indices leave in bounds.
pub(super) struct Down {
    pub counter: LocalId,
    pub keys: HashSet<AccessKey>,
}

impl Down {
    /// Whether `e`, an index of an access in [`Down::keys`], is the counter or the counter
    /// minus one.
    pub fn indexes(&self, f: &Function, e: ExprId) -> bool {
        shape(f, self.counter, e).is_some()
    }
}

/// The first down counter of the body of `for var in ..`, when it has one.
pub(super) fn find(inst: &Instance, var: LocalId, body: &Block) -> Option<Down> {
    let f = &inst.func;
    body.stmts
        .iter()
        .enumerate()
        .find_map(|(start, s)| match s {
            Stmt::Assign { local, value, .. }
                if *local != var
                    && inst.local_ty(*local) == Type::Scalar(Scalar::Usize)
                    && matches!(f.expr(*value).kind, ExprKind::Local(l) if l == var) =>
            {
                counter(f, body, start, *local)
            }
            _ => None,
        })
}

/// What is known of the counter at a point of the body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Nothing: before `j = i`.
    Anything,
    /// `0 <= j <= i`.
    AtMostI,
    /// `1 <= j <= i`: after a `while` test `j > 0`, before the decrement.
    Positive,
}

/// An index of the counter `j`.
enum Shape {
    J,
    JMinusOne,
}

fn shape(f: &Function, j: LocalId, e: ExprId) -> Option<Shape> {
    match f.expr(e).kind {
        ExprKind::Local(l) if l == j => Some(Shape::J),
        ExprKind::Binary(BinOp::Sub, a, b)
            if matches!(f.expr(a).kind, ExprKind::Local(l) if l == j)
                && const_bits(f, b) == Some(1) =>
        {
            Some(Shape::JMinusOne)
        }
        _ => None,
    }
}

/// `j` as a down counter set at `body.stmts[start]`, when every other assignment of it is the
/// decrement of a [`down_loop`] after that statement.
fn counter(f: &Function, body: &Block, start: usize, j: LocalId) -> Option<Down> {
    let loops: Vec<(usize, DownLoop)> = body.stmts[start + 1..]
        .iter()
        .enumerate()
        .filter_map(|(k, s)| down_loop(f, s, j).map(|l| (start + 1 + k, l)))
        .collect();
    if assignments(body, j) != 1 + loops.len() {
        return None;
    }
    let mut walk = Walk {
        f,
        j,
        ok: HashSet::new(),
        bad: HashSet::new(),
    };
    for (k, s) in body.stmts.iter().enumerate() {
        match loops.iter().find(|(at, ..)| *at == k) {
            Some((_, l)) => {
                if let Some(rest) = l.rest {
                    walk.expr(rest, Known::Positive);
                }
                for (m, t) in l.body.stmts.iter().enumerate().skip(1) {
                    let known = if m < l.decrement {
                        Known::Positive
                    } else {
                        Known::AtMostI
                    };
                    walk.stmt(t, known);
                }
            }
            None if k <= start => walk.stmt(s, Known::Anything),
            None => walk.stmt(s, Known::AtMostI),
        }
    }
    let keys: HashSet<AccessKey> = walk.ok.difference(&walk.bad).cloned().collect();
    (!keys.is_empty()).then_some(Down { counter: j, keys })
}

/// `loop { if j > 0 && rest {} else { break } ..; j = j - 1; .. }`: a `while` loop with the
/// decrement once at its top level.
struct DownLoop<'a> {
    body: &'a Block,
    /// What the test checks after `j > 0` (`None` for a bare `j > 0`).
    rest: Option<ExprId>,
    /// The decrement's position in `body`.
    decrement: usize,
}

fn down_loop<'a>(f: &Function, s: &'a Stmt, j: LocalId) -> Option<DownLoop<'a>> {
    let Stmt::Loop { body } = s else { return None };
    let Some(Stmt::If {
        cond,
        then_body,
        else_body,
    }) = body.stmts.first()
    else {
        return None;
    };
    if !then_body.stmts.is_empty() || !matches!(else_body.stmts[..], [Stmt::Break]) {
        return None;
    }
    let rest = match f.expr(*cond).kind {
        ExprKind::Logical(LogicOp::And, a, b) if positive(f, a, j) => Some(b),
        _ if positive(f, *cond, j) => None,
        _ => return None,
    };
    let decrements: Vec<usize> = body
        .stmts
        .iter()
        .enumerate()
        .filter(|(_, t)| match t {
            Stmt::Assign { local, value, .. } => {
                *local == j && matches!(shape(f, j, *value), Some(Shape::JMinusOne))
            }
            _ => false,
        })
        .map(|(m, _)| m)
        .collect();
    match decrements[..] {
        [decrement] => Some(DownLoop {
            body,
            rest,
            decrement,
        }),
        _ => None,
    }
}

/// `j > 0`, `0 < j`, `j != 0`, `0 != j`, `j >= 1` or `1 <= j`.
fn positive(f: &Function, e: ExprId, j: LocalId) -> bool {
    let ExprKind::Binary(op, a, b) = f.expr(e).kind else {
        return false;
    };
    let is_j = |x: ExprId| matches!(f.expr(x).kind, ExprKind::Local(l) if l == j);
    let bits = |x: ExprId| const_bits(f, x);
    match op {
        BinOp::Gt | BinOp::Ne if is_j(a) => bits(b) == Some(0),
        BinOp::Lt | BinOp::Ne if is_j(b) => bits(a) == Some(0),
        BinOp::Ge if is_j(a) => bits(b) == Some(1),
        BinOp::Le if is_j(b) => bits(a) == Some(1),
        _ => false,
    }
}

/// How many times `b` assigns `j` (a `for` over it counts too).
fn assignments(b: &Block, j: LocalId) -> usize {
    b.stmts
        .iter()
        .map(|s| match s {
            Stmt::Assign { local, .. } => usize::from(*local == j),
            Stmt::Unpack { locals, .. } => locals.iter().filter(|l| **l == Some(j)).count(),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => assignments(then_body, j) + assignments(else_body, j),
            Stmt::Loop { body } => assignments(body, j),
            Stmt::For { var, body, .. } => usize::from(*var == j) + assignments(body, j),
            _ => 0,
        })
        .sum()
}

/// The accesses indexed by the counter, sorted by whether what is known of it where they are
/// keeps them in bounds.
struct Walk<'a> {
    f: &'a Function,
    j: LocalId,
    ok: HashSet<AccessKey>,
    bad: HashSet<AccessKey>,
}

impl Walk<'_> {
    fn stmt(&mut self, s: &Stmt, known: Known) {
        let mut roots = Vec::new();
        stmt_exprs(s, &mut roots);
        for e in roots {
            self.expr(e, known);
        }
        match s {
            Stmt::Store { array, index, .. } | Stmt::Update { array, index, .. } => {
                self.access(*array, index, known)
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                self.block(then_body, known);
                self.block(else_body, known);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => self.block(body, known),
            _ => {}
        }
    }

    fn block(&mut self, b: &Block, known: Known) {
        for s in &b.stmts {
            self.stmt(s, known);
        }
    }

    fn expr(&mut self, e: ExprId, known: Known) {
        let kind = &self.f.expr(e).kind;
        if let ExprKind::Load { array, index, .. } = kind {
            self.access(*array, index, known);
        }
        for c in children(kind) {
            self.expr(c, known);
        }
    }

    fn access(&mut self, array: LocalId, index: &[ExprId], known: Known) {
        let mut uses = false;
        let mut in_bounds = true;
        for &x in index {
            match shape(self.f, self.j, x) {
                Some(Shape::J) => {
                    uses = true;
                    in_bounds &= known != Known::Anything;
                }
                Some(Shape::JMinusOne) => {
                    uses = true;
                    in_bounds &= known == Known::Positive;
                }
                None => {}
            }
        }
        if uses {
            let key = access_key(self.f, array, index);
            if in_bounds {
                self.ok.insert(key);
            } else {
                self.bad.insert(key);
            }
        }
    }
}
