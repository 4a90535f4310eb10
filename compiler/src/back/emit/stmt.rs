//! Statements: assignments, element stores and updates, `if`, loops, `return`, and the address
//! of an array element with its bounds checks.
//!
//! In: the statements of a typed function, in [`FnEmitter`]. Out: its basic blocks, each
//! expression emitted by `expr.rs`, each owned value by `owned.rs`; a `prange` goes to
//! `parallel.rs` (the CPU thread pool) or `gpu.rs` (the grid-stride loop). A counted `for`
//! evaluates its range once ([`RangeBounds`]) and runs over its inclusive bounds, the counter
//! never stepping past them, so no range overflows.

use super::math::MinMaxReceiver;
use super::{hints, scalar_elem, ArrayVal, FnEmitter, Prange, RangeBounds, Slot, R};
use crate::back::abi::SiteKind;
use crate::back::BackError;
use crate::ir::*;
use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// With debug information, the builder's location becomes the start of `s` (a statement
    /// without a span of its own, `break` or `continue`, keeps the one before).
    fn locate(&self, s: &Stmt) {
        let (Some(scope), Some(debug)) = (self.scope, &self.m.debug) else {
            return;
        };
        let span = match s {
            Stmt::Assign { span, .. }
            | Stmt::Store { span, .. }
            | Stmt::Update { span, .. }
            | Stmt::Unpack { span, .. }
            | Stmt::For { span, .. }
            | Stmt::Return { span, .. } => *span,
            Stmt::Eval(e) | Stmt::If { cond: e, .. } => self.inst.func.expr(*e).span,
            Stmt::Loop { .. } | Stmt::Break | Stmt::Continue => return,
        };
        let at = debug.location(self.m.ctx, scope, span);
        self.b().set_current_debug_location(at);
    }

    pub(super) fn block(&mut self, b: &Block) -> R<()> {
        b.stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        self.locate(s);
        match s {
            Stmt::Assign { local, value, span } => match &self.inst.func.expr(*value).kind {
                ExprKind::Alloc { shape, init, .. } => {
                    let ty = self.inst.ty(*value).array().ok_or_else(|| {
                        BackError::Internal("a new array not typed as one".into())
                    })?;
                    if let (Some(_), Slot::Value(p, _)) =
                        (ty.stack_len(), &self.slots[local.index()])
                    {
                        // `a = [v; N]`: written in place.
                        let p = *p;
                        self.fill_fixed(ty, init, p)?;
                    } else {
                        let v = self.alloc(ty, shape, init, *span, Some(*local))?;
                        self.assign_value(*local, v)?;
                    }
                }
                _ if matches!(self.slots[local.index()], Slot::Value(..)) => {
                    let v = self.expr(*value)?;
                    self.assign_value(*local, v)?;
                }
                _ => {
                    let mut v = self.expr(*value)?;
                    if self.chains.contains(local) {
                        v = self.keep_scalar(v)?;
                    }
                    let (p, _) = self.scalar_slot(*local)?;
                    self.b().build_store(p, v)?;
                }
            },
            Stmt::Unpack { locals, value, .. } => {
                let Type::Tuple(tt) = self.inst.ty(*value) else {
                    return Err(BackError::Internal("unpack of a non-tuple".into()));
                };
                let v = self.expr(*value)?.into_struct_value();
                for (k, (l, &t)) in locals.iter().zip(tt.elems()).enumerate() {
                    let x = self.b().build_extract_value(v, k as u32, "")?;
                    match l {
                        None => self.drop_value(t, x)?,
                        Some(l) if matches!(self.slots[l.index()], Slot::Value(..)) => {
                            self.assign_value(*l, x)?
                        }
                        Some(l) => {
                            let (p, _) = self.scalar_slot(*l)?;
                            self.b().build_store(p, x)?;
                        }
                    }
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                checked,
            } => {
                let v = self.expr(*value)?;
                let a = self.array(*array)?;
                let p = self.element_ptr(&a, *array, index, *span, *checked)?;
                let v = self.m.to_mem(a.ty.elem, v)?;
                self.b().build_store(p, v)?;
            }
            Stmt::Update {
                array,
                index,
                op,
                value,
                span,
                checked,
            } => {
                let a = self.array(*array)?;
                let p = self.element_ptr(&a, *array, index, *span, *checked)?;
                let v = self.expr(*value)?;
                let s = scalar_elem(a.ty)?;
                if s.is_complex() {
                    // Part by part (`+`, `-`); a real value updates the real part only.
                    let t = self.m.reg_type(s).into_struct_type();
                    let complex = v.is_struct_value();
                    for k in 0..if complex { 2 } else { 1 } {
                        let part = self.b().build_struct_gep(t, p, k, "part")?;
                        let x = if complex {
                            self.b().build_extract_value(v.into_struct_value(), k, "")?
                        } else {
                            v
                        };
                        self.update(part, x, *op, s.part(), *span)?;
                    }
                } else {
                    self.update(p, v, *op, s, *span)?;
                }
            }
            // A view on its own (`x;`, `let _ = x;`) reads nothing: there is no value to emit.
            Stmt::Eval(e) if matches!(self.inst.ty(*e), Type::Array(a) if !a.is_owned()) => {}
            Stmt::Eval(e) => {
                let v = self.expr(*e)?;
                self.drop_value(self.inst.ty(*e), v)?;
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let c = self.expr(*cond)?.into_int_value();
                let then_bb = self.new_block("then");
                let else_bb = self.new_block("else");
                let join = self.new_block("endif");
                let branch = self.b().build_conditional_branch(c, then_bb, else_bb)?;
                if self.m.gpu.is_none() && hints::cold_copy(else_body) {
                    self.unlikely_else(branch)?;
                }
                self.b().position_at_end(then_bb);
                self.block(then_body)?;
                self.b().build_unconditional_branch(join)?;
                self.b().position_at_end(else_bb);
                self.block(else_body)?;
                self.b().build_unconditional_branch(join)?;
                self.b().position_at_end(join);
            }
            Stmt::Loop { body } => {
                let head = self.new_block("loop");
                let exit = self.new_block("endloop");
                self.b().build_unconditional_branch(head)?;
                self.b().position_at_end(head);
                self.loops.push((head, exit));
                let inner = self.carried_floats(body);
                let carried = std::mem::replace(&mut self.carried, inner);
                self.block(body)?;
                self.carried = carried;
                self.loops.pop();
                self.b().build_unconditional_branch(head)?;
                self.b().position_at_end(exit);
            }
            Stmt::For {
                var, range, body, ..
            } if range.parallel && self.prange == Prange::Grid && self.loops.is_empty() => {
                self.grid_loop(*var, range, body)?
            }
            Stmt::For {
                var, range, body, ..
            } if range.parallel && self.prange == Prange::Threads => {
                self.parallel_for(*var, range, body)?
            }
            Stmt::For {
                var, range, body, ..
            } => self.for_loop(*var, range, body)?,
            Stmt::Break | Stmt::Continue => {
                let (cont, brk) = *self
                    .loops
                    .last()
                    .ok_or_else(|| BackError::Internal("break outside a loop".into()))?;
                let target = if matches!(s, Stmt::Break) { brk } else { cont };
                self.b().build_unconditional_branch(target)?;
                self.dead_block();
            }
            Stmt::Return { value, .. } => {
                // `return f(..)` of a helper returning `()` evaluates the call, then returns nothing.
                let v = value.map(|v| self.expr(v)).transpose()?;
                self.drop_locals()?;
                match v.filter(|_| self.inst.ret != Type::Unit) {
                    Some(v) => self.b().build_return(Some(&v))?,
                    None => self.b().build_return(None)?,
                };
                self.dead_block();
            }
        }
        Ok(())
    }

    /// `*p = *p op v` for an element (or a complex element's part) of scalar type `s`: atomic
    /// where [`FnEmitter::atomic`] says so, a load and a store otherwise.
    fn update(
        &mut self,
        p: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        op: UpdateOp,
        s: Scalar,
        span: crate::span::Span,
    ) -> R<()> {
        if self.atomic {
            return self.atomic_update(p, v, op, s);
        }
        let old = self.b().build_load(self.m.mem_type(s), p, "old")?;
        let old = self.m.to_reg(s, old)?;
        let new = match (op.binary(), op) {
            (Some(b), _) => self.binary(b, s, old, v, span)?,
            (None, UpdateOp::Min) => {
                self.intrinsic(Intrinsic::Min, s, &[old, v], MinMaxReceiver::Any, span)?
            }
            (None, _) => self.intrinsic(Intrinsic::Max, s, &[old, v], MinMaxReceiver::Any, span)?,
        };
        let new = self.m.to_mem(s, new)?;
        self.b().build_store(p, new)?;
        Ok(())
    }

    /// Evaluates a `for` range once, in Rust's order (start, end, step): its inclusive bounds
    /// `lo..=hi`, whether it is non-empty, and its step, checked to be non-zero (the error points
    /// at the step expression). Shared by the serial, parallel and GPU loops.
    pub(super) fn range_bounds(&mut self, var: LocalId, range: &ForRange) -> R<RangeBounds<'ctx>> {
        let ty = self
            .inst
            .local_ty(var)
            .scalar()
            .ok_or_else(|| BackError::Internal("loop variable".into()))?;
        let start = self.expr(range.start)?.into_int_value();
        let end = self.expr(range.end)?.into_int_value();
        let step = match range.step {
            Some(k) => {
                let step_span = self.inst.func.expr(k).span;
                let k = self.expr(k)?.into_int_value();
                let zero = self.ctx().i64_type().const_zero();
                let nonzero =
                    self.b()
                        .build_int_compare(IntPredicate::NE, k, zero, "step.nonzero")?;
                let site = self.site(SiteKind::StepZero, step_span);
                self.check(nonzero, site, &[])?;
                Some(k)
            }
            None => None,
        };
        let (lt, le) = if ty.is_signed() {
            (IntPredicate::SLT, IntPredicate::SLE)
        } else {
            (IntPredicate::ULT, IntPredicate::ULE)
        };
        let b = self.b();
        let one = start.get_type().const_int(1, false);
        let (nonempty, hi) = if range.inclusive {
            (b.build_int_compare(le, start, end, "nonempty")?, end)
        } else {
            (
                b.build_int_compare(lt, start, end, "nonempty")?,
                b.build_int_sub(end, one, "hi")?,
            )
        };
        Ok(RangeBounds {
            lo: start,
            hi,
            nonempty,
            step,
        })
    }

    /// The number of a non-empty range's iterations minus one: `(hi - lo) / step`, the distance
    /// taken as an unsigned 64-bit number (so no range overflows it).
    pub(super) fn last_iteration(&self, r: &RangeBounds<'ctx>) -> R<IntValue<'ctx>> {
        let b = self.b();
        let dist = b.build_int_sub(r.hi, r.lo, "dist")?;
        // (A 128-bit counter's distance keeps its low 64 bits: no range of more iterations runs.)
        let dist = b.build_int_cast_sign_flag(dist, self.ctx().i64_type(), false, "dist.wide")?;
        Ok(match r.step {
            Some(k) => b.build_int_unsigned_div(dist, k, "last")?,
            None => dist,
        })
    }

    /// `for var in range { body }` as a guarded, rotated loop over the inclusive bounds `lo..=hi`:
    /// the counter never steps past `hi` (or below `lo`), so no range can overflow.
    fn for_loop(&mut self, var: LocalId, range: &ForRange, body: &Block) -> R<()> {
        let RangeBounds {
            lo,
            hi,
            nonempty,
            step,
        } = self.range_bounds(var, range)?;
        self.m.wide |= range.wide;
        let start = lo;
        let one = start.get_type().const_int(1, false);
        let counter = self.entry_alloca(start.get_type().into(), "counter")?;
        let body_bb = self.new_block("for.body");
        let latch = self.new_block("for.next");
        let exit = self.new_block("for.end");
        let b = self.b();
        b.build_store(counter, if range.reverse { hi } else { lo })?;
        b.build_conditional_branch(nonempty, body_bb, exit)?;
        b.position_at_end(body_bb);
        let mut cur = b.build_load(start.get_type(), counter, "i")?;
        // An outermost loop's variable, through an opaque copy: its uses in the inner loops are
        // no induction variable of this loop to LLVM's loop strength reduction (`hints`: blur5's
        // code generation 44 -> 22 ms).
        if self.loops.is_empty()
            && start.get_type().get_bit_width() <= 64
            && hints::holds_long_loop(&self.inst.func, body)
        {
            cur = self.keep_scalar(cur)?;
        }
        let (slot, _) = self.scalar_slot(var)?;
        self.b().build_store(slot, cur)?;
        self.loops.push((latch, exit));
        let inner = self.carried_floats(body);
        let outer = std::mem::replace(&mut self.carried, inner);
        let outer_chains = std::mem::replace(&mut self.chains, range.scalar_chains.clone());
        self.block(body)?;
        self.chains = outer_chains;
        let inner = std::mem::replace(&mut self.carried, outer);
        self.loops.pop();
        let hints = self.loop_hints(body, inner.len(), !self.loops.is_empty());
        self.b().build_unconditional_branch(latch)?;
        self.b().position_at_end(latch);
        let b = self.b();
        let cur = b
            .build_load(start.get_type(), counter, "i")?
            .into_int_value();
        let (last, next) = match step {
            None => {
                let last = b.build_int_compare(
                    IntPredicate::EQ,
                    cur,
                    if range.reverse { lo } else { hi },
                    "last",
                )?;
                let next = if range.reverse {
                    b.build_int_sub(cur, one, "i.next")?
                } else {
                    b.build_int_add(cur, one, "i.next")?
                };
                (last, next)
            }
            Some(k) => {
                // Distance left to the far bound, as an unsigned number of the counter's width.
                let left = if range.reverse {
                    b.build_int_sub(cur, lo, "left")?
                } else {
                    b.build_int_sub(hi, cur, "left")?
                };
                // Compared in 64 bits, or in the counter's 128.
                let wide = match left.get_type().get_bit_width() {
                    128 => left.get_type(),
                    _ => self.ctx().i64_type(),
                };
                let left = b.build_int_cast_sign_flag(left, wide, false, "left.wide")?;
                let k_wide = b.build_int_cast_sign_flag(k, wide, false, "")?;
                let last = b.build_int_compare(IntPredicate::UGT, k_wide, left, "last")?;
                let k = b.build_int_cast_sign_flag(k, start.get_type(), false, "step")?;
                let next = if range.reverse {
                    b.build_int_sub(cur, k, "i.next")?
                } else {
                    b.build_int_add(cur, k, "i.next")?
                };
                (last, next)
            }
        };
        b.build_store(counter, next)?;
        let latch_branch = b.build_conditional_branch(last, exit, body_bb)?;
        self.mark_loop(latch_branch, hints);
        self.b().position_at_end(exit);
        Ok(())
    }

    /// The address of `array[index]`, with bounds checks unless the kernel turned them off.
    pub(super) fn element_ptr(
        &mut self,
        a: &ArrayVal<'ctx>,
        array: LocalId,
        index: &[ExprId],
        span: crate::span::Span,
        checked: bool,
    ) -> R<PointerValue<'ctx>> {
        let i64t = self.ctx().i64_type();
        let mut offset = i64t.const_zero();
        let checked = checked && self.inst.func.attrs.boundscheck;
        let name = self.inst.func.local(array).name.clone();
        // Rust evaluates the whole index (`[i, j]` of `a[[i, j]]`) before checking any of it.
        let index = index
            .iter()
            .map(|&ix| Ok(self.expr(ix)?.into_int_value()))
            .collect::<R<Vec<_>>>()?;
        for (d, &i) in index.iter().enumerate() {
            if checked {
                let ok =
                    self.b()
                        .build_int_compare(IntPredicate::ULT, i, a.shape[d], "inbounds")?;
                let site = self.site(
                    SiteKind::OutOfBounds {
                        array: name.clone(),
                    },
                    span,
                );
                let axis = i64t.const_int(d as u64, false);
                self.check(ok, site, &[i, a.shape[d], axis])?;
            }
            let term = self.b().build_int_mul(i, a.strides[d], "")?;
            offset = self.b().build_int_add(offset, term, "offset")?;
        }
        let elem = self.m.mem_type(a.ty.elem);
        // SAFETY: a GEP without `inbounds` only computes an address; the checks above (unless the
        // kernel opted out of them) keep `offset` within the array's extents.
        Ok(unsafe {
            self.b()
                .build_gep(elem, a.data, &[offset], &format!("{name}.at"))?
        })
    }
}
