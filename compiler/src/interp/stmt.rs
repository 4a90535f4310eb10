//! Statements: blocks run one statement after another until one breaks, continues or returns
//! ([`Flow`]), assignments, stores and updates of elements, `if`, loops, and `for` over the Rust
//! range itself (`range_iter`).
//!
//! In: a frame of locals and the statements of its instance. Out: the frame and the machine's
//! buffers updated, and how each statement ends, or the [`Error`] of the first failed check.

use super::ops::{self, Outcome};
use super::values::{self, Val};
use super::{scalar_elem, Error, Exec, Flow, Frame, Machine, TrapKind, Value};
use crate::ir::{Block, ForRange, LocalId, Stmt};
use crate::span::Span;

impl<'p> Machine<'p, '_, '_> {
    pub(super) fn block(&mut self, f: &mut Frame<'p>, b: &'p Block) -> Exec<Flow> {
        for s in &b.stmts {
            match self.stmt(f, s)? {
                Flow::Next => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Next)
    }

    fn stmt(&mut self, f: &mut Frame<'p>, s: &'p Stmt) -> Exec<Flow> {
        match s {
            Stmt::Assign { local, value, .. } => {
                let v = self.val(f, *value)?;
                f.vals[local.index()] = Some(v);
            }
            Stmt::Unpack { locals, value, .. } => {
                let Val::Tuple(xs) = self.val(f, *value)? else {
                    return Err(Error::Internal("unpack of a non-tuple".into()));
                };
                for (l, x) in locals.iter().zip(xs) {
                    if let Some(l) = l {
                        f.vals[l.index()] = Some(x);
                    }
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            } => {
                // Rust evaluates the assigned value before the place.
                let v = self.val(f, *value)?;
                let (slot, pos) = self.element(f, *array, index, *span)?;
                let elem = f.array(*array)?.elem;
                let out = &mut self.bufs[slot].bytes_mut()?[pos * elem.size()..];
                values::store_repr_c(&v, elem.ty(), out)?;
            }
            Stmt::Update {
                array,
                index,
                op,
                value,
                span,
                ..
            } => {
                // The place first (its check), then the value, then read, combine and write.
                let (slot, pos) = self.element(f, *array, index, *span)?;
                let v = self.expr(f, *value)?;
                let elem = scalar_elem(f.array(*array)?.elem)?;
                let size = elem.size();
                let old = Value::load(elem, &self.bufs[slot].bytes()[pos * size..]);
                let new = match (op.binary(), op) {
                    (Some(b), _) => ops::update(b, old, v),
                    (None, crate::ir::UpdateOp::Min) => {
                        ops::intrinsic(crate::ir::Intrinsic::Min, &[old, v])
                    }
                    (None, _) => ops::intrinsic(crate::ir::Intrinsic::Max, &[old, v]),
                }
                .map_err(|o| f.fail(o, *span))?;
                new.store(&mut self.bufs[slot].bytes_mut()?[pos * size..]);
            }
            Stmt::Eval(e) => {
                self.val(f, *e)?;
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let c = self.bool(f, *cond)?;
                return self.block(f, if c { then_body } else { else_body });
            }
            Stmt::Loop { body } => loop {
                match self.block(f, body)? {
                    Flow::Next | Flow::Continue => {}
                    Flow::Break => break,
                    Flow::Return(v) => return Ok(Flow::Return(v)),
                }
            },
            Stmt::For {
                var,
                range,
                body,
                span,
            } => return self.for_loop(f, *var, range, body, *span),
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Continue => return Ok(Flow::Continue),
            Stmt::Return { value, .. } => {
                let v = match value {
                    Some(e) => self.val(f, *e)?,
                    None => Val::Scalar(Value::Unit),
                };
                return Ok(Flow::Return(v));
            }
        }
        Ok(Flow::Next)
    }

    /// `for var in range { body }`, iterating the Rust range itself: `start..end` or
    /// `start..=end`, then `.rev()`, then `.step_by(k)`, over the loop variable's type.
    fn for_loop(
        &mut self,
        f: &mut Frame<'p>,
        var: LocalId,
        range: &ForRange,
        body: &'p Block,
        span: Span,
    ) -> Exec<Flow> {
        let start = self.expr(f, range.start)?;
        let end = self.expr(f, range.end)?;
        let step = match range.step {
            Some(e) => {
                let k = self.usize(f, e)?;
                // `step_by` asserts `step != 0` when the iterator is built, before any iteration;
                // the error points at the step.
                if k == 0 {
                    return Err(f.trap(TrapKind::StepZero, f.inst.func.expr(e).span));
                }
                k
            }
            None => 1,
        };
        let iter = range_iter(start, end, range.inclusive, range.reverse, step)
            .map_err(|o| f.fail(o, span))?;
        for i in iter {
            f.vals[var.index()] = Some(Val::Scalar(i));
            match self.block(f, body)? {
                Flow::Next | Flow::Continue => {}
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
            }
        }
        Ok(Flow::Next)
    }
}

/// The values of Rust's `(start..end)` / `(start..=end)`, then `.rev()`, then `.step_by(step)`,
/// for integers of the bounds' type (`step_by(1)` yields exactly the range).
fn range_iter(
    start: Value,
    end: Value,
    inclusive: bool,
    reverse: bool,
    step: usize,
) -> Result<Box<dyn Iterator<Item = Value>>, Outcome> {
    macro_rules! ranges {
        ($($v:ident),*) => {
            match (start, end) {
                $((Value::$v(a), Value::$v(b)) => match (inclusive, reverse) {
                    (false, false) => Box::new((a..b).step_by(step).map(Value::$v)),
                    (true, false) => Box::new((a..=b).step_by(step).map(Value::$v)),
                    (false, true) => Box::new((a..b).rev().step_by(step).map(Value::$v)),
                    (true, true) => Box::new((a..=b).rev().step_by(step).map(Value::$v)),
                },)*
                _ => return Err(Outcome::Internal(format!("range of {start:?} and {end:?}"))),
            }
        };
    }
    Ok(ranges!(
        I8, I16, I32, I64, Isize, I128, U8, U16, U32, U64, Usize, U128
    ))
}
