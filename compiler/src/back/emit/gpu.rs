//! What the GPU needs beyond the shared emitter: the kernel entry point, the grid-stride `prange`
//! loop, special registers, barriers and atomics (see [`crate::back::gpu`] for the ABI). Complex
//! values need only the entry (a complex parameter arrives as its two parts) and the grid
//! loop's reductions (a complex sum is shuffled and combined part by part, `parts`).

use super::parallel::identity;
use super::{param_ptr, ArrayVal, FnEmitter, ModuleEmitter, R};
use crate::back::abi::{self, KERNEL};
use crate::back::BackError;
use crate::ir::Reduce;
use crate::ir::*;
use inkwell::attributes::AttributeLoc;
use inkwell::llvm_sys::core::LLVMBuildAtomicRMW;
use inkwell::llvm_sys::{LLVMAtomicOrdering, LLVMAtomicRMWBinOp};
use inkwell::module::Linkage;
use inkwell::types::BasicType;
use inkwell::values::{AsValueRef, BasicMetadataValueEnum, BasicValueEnum, IntValue, PointerValue};
use inkwell::{AddressSpace, AtomicOrdering, IntPredicate};

/// How a kernel runs on the GPU (chosen by [`plan`](crate::back::gpu::plan)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GpuMode {
    /// The outermost `prange` loop is spread over the grid (grid-stride).
    Grid,
    /// A `#[rumba(cuda)]` kernel: every thread runs the body; the launch names the grid.
    Simt,
}

/// LLVM's `ptx_kernel` calling convention: marks a function as a kernel entry point.
const PTX_KERNEL_CC: u32 = 71;

/// NVPTX's address space of block-shared memory.
const SHARED: u16 = 3;

impl<'ctx> ModuleEmitter<'_, 'ctx> {
    /// `void rumba_kernel(flattened arguments.., ptr err)`: calls instance 0 in every thread.
    pub(super) fn kernel_entry(&mut self, inst: &Instance) -> R<()> {
        let ctx = self.ctx;
        let ptr = ctx.ptr_type(AddressSpace::default());
        let (mut params, arrays) = self.flat_params(inst, super::ScalarsAs::Memory)?;
        params.push(ptr.into());
        let f = self
            .module
            .add_function(KERNEL, ctx.void_type().fn_type(&params, false), None);
        f.set_call_conventions(PTX_KERNEL_CC);
        self.target_attrs(f);
        for (i, writable) in arrays {
            f.add_attribute(AttributeLoc::Param(i), self.attr("noalias"));
            if !writable {
                f.add_attribute(AttributeLoc::Param(i), self.attr("readonly"));
            }
        }
        let b = &self.builder;
        b.position_at_end(ctx.append_basic_block(f, "entry"));
        let mut args: Vec<BasicMetadataValueEnum> = Vec::new();
        let mut k = 0;
        for t in &inst.params {
            let param = f
                .get_nth_param(k)
                .ok_or_else(|| BackError::Internal("missing parameter".into()))?;
            k += 1;
            match t {
                Type::Scalar(s) if s.is_complex() => {
                    // Its two parts, each a parameter (`ScalarsAs::Memory`).
                    let im = f
                        .get_nth_param(k)
                        .ok_or_else(|| BackError::Internal("missing parameter".into()))?;
                    k += 1;
                    let z = self.reg_type(*s).into_struct_type().get_undef();
                    let z = self.builder.build_insert_value(z, param, 0, "re")?;
                    let z = self
                        .builder
                        .build_insert_value(z, im, 1, "complex")?
                        .into_struct_value();
                    args.push(z.into());
                }
                Type::Scalar(s) => args.push(self.to_reg(*s, param)?.into()),
                Type::Array(a) => {
                    args.push(param.into());
                    let n = a.ndim as u32 * if a.layout == Layout::Strided { 2 } else { 1 };
                    for _ in 0..n {
                        args.push(
                            f.get_nth_param(k)
                                .ok_or_else(|| BackError::Internal("missing parameter".into()))?
                                .into(),
                        );
                        k += 1;
                    }
                }
                Type::Unit | Type::Tuple(_) => {}
            }
        }
        let err = param_ptr(f, k)?;
        if self.recursive[0] {
            // Unreachable (`back::gpu::plan` rejects recursion); a recursive call starts here.
            args.push(self.ctx.i32_type().const_zero().into());
        }
        args.push(err.into());
        let call = self
            .builder
            .build_call(self.functions[0], &args, "result")?;
        // A grid kernel's value: only the thread that finished the reductions gets this far with
        // it (see `grid_reduce`), or every thread with the same value when none were needed.
        if let Type::Scalar(s) = inst.ret {
            let v = self.returned(call, s)?;
            let i64t = ctx.i64_type();
            // SAFETY: a GEP without `inbounds` only computes an address: the result slot of the
            // state area (`abi::GPU_RESULT`), which the runtime allocates.
            let p = unsafe {
                self.builder.build_gep(
                    ctx.i8_type(),
                    err,
                    &[i64t.const_int(abi::GPU_RESULT, false)],
                    "result.at",
                )?
            };
            self.builder.build_store(p, v)?;
        }
        self.builder.build_return(None)?;
        Ok(())
    }
}

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// Calls an intrinsic that takes nothing and returns nothing (`llvm.nvvm.barrier0`, ...).
    fn call_void(&mut self, name: &str) -> R<()> {
        let f = inkwell::intrinsics::Intrinsic::find(name)
            .and_then(|i| i.get_declaration(&self.m.module, &[]))
            .ok_or_else(|| BackError::Internal(format!("cannot declare {name}")))?;
        self.b().build_call(f, &[], "")?;
        Ok(())
    }

    /// A shared array: a global in the NVPTX shared address space (3), one per block, addressed
    /// through a generic pointer (LLVM turns its loads and stores into `ld.shared`/`st.shared`).
    pub(super) fn shared_array(&mut self, a: &SharedArray) -> R<ArrayVal<'ctx>> {
        if self.m.gpu.is_none() {
            return Err(BackError::Internal(
                "a shared array outside a GPU kernel".into(),
            ));
        }
        let ctx = self.ctx();
        let i64t = ctx.i64_type();
        let count: u64 = a.shape.iter().product();
        let count = u32::try_from(count)
            .map_err(|_| BackError::Internal("shared array too large".into()))?;
        let t = self.m.mem_type(a.elem).array_type(count);
        let name = format!(
            "{}.{}",
            self.inst.func.name,
            self.inst.func.local(a.local).name
        );
        let global = self
            .m
            .module
            .add_global(t, Some(AddressSpace::from(SHARED)), &name);
        global.set_linkage(Linkage::Internal);
        global.set_initializer(&t.get_undef());
        global.set_alignment(16);
        let data = self.b().build_address_space_cast(
            global.as_pointer_value(),
            ctx.ptr_type(AddressSpace::default()),
            &name,
        )?;
        let shape: Vec<IntValue<'ctx>> =
            a.shape.iter().map(|&n| i64t.const_int(n, false)).collect();
        let strides = (0..a.shape.len())
            .map(|d| i64t.const_int(a.shape[d + 1..].iter().product(), false))
            .collect();
        Ok(ArrayVal {
            ty: a.ty(),
            data,
            shape,
            strides,
        })
    }

    /// A special register (`tid.x`, `ntid.y`, ...) as `usize`.
    fn sreg(&mut self, reg: &str, axis: Axis) -> R<IntValue<'ctx>> {
        let name = format!("llvm.nvvm.read.ptx.sreg.{reg}.{}", axis.letter());
        let v = self.call_intrinsic(&name, &[], &[])?.into_int_value();
        Ok(self.b().build_int_z_extend(v, self.ctx().i64_type(), reg)?)
    }

    pub(super) fn gpu_expr(
        &mut self,
        op: GpuOp,
        array: Option<LocalId>,
        index: &[ExprId],
        args: &[ExprId],
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        if self.m.gpu.is_none() {
            return Err(BackError::Internal(format!(
                "`{}` outside a GPU kernel",
                op.name()
            )));
        }
        Ok(match (op, array) {
            (GpuOp::ThreadIdx(a), _) => self.sreg("tid", a)?.into(),
            (GpuOp::BlockIdx(a), _) => self.sreg("ctaid", a)?.into(),
            (GpuOp::BlockDim(a), _) => self.sreg("ntid", a)?.into(),
            (GpuOp::GridDim(a), _) => self.sreg("nctaid", a)?.into(),
            (GpuOp::SyncThreads, _) => {
                self.call_void("llvm.nvvm.barrier0")?;
                self.ctx().bool_type().const_zero().into()
            }
            (GpuOp::Atomic(atomic), Some(array)) => {
                let a = self.array(array)?;
                let p = self.element_ptr(&a, array, index, span, true)?;
                let vals = args.iter().map(|x| self.expr(*x)).collect::<R<Vec<_>>>()?;
                self.atomic(atomic, super::scalar_elem(a.ty)?, p, &vals)?
            }
            (GpuOp::Atomic(_), None) => {
                return Err(BackError::Internal("atomic without an array".into()))
            }
        })
    }

    fn atomic(
        &mut self,
        op: AtomicOp,
        elem: Scalar,
        p: PointerValue<'ctx>,
        vals: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        use LLVMAtomicRMWBinOp::*;
        if op == AtomicOp::CompareExchange {
            let r = self.b().build_cmpxchg(
                p,
                vals[0],
                vals[1],
                AtomicOrdering::Monotonic,
                AtomicOrdering::Monotonic,
            )?;
            return Ok(self.b().build_extract_value(r, 0, "cas.old")?);
        }
        let float = elem.is_float();
        let signed = elem.is_signed();
        let rmw = match (op, float, signed) {
            (AtomicOp::Add, true, _) => LLVMAtomicRMWBinOpFAdd,
            (AtomicOp::Add, false, _) => LLVMAtomicRMWBinOpAdd,
            (AtomicOp::Min, true, _) => LLVMAtomicRMWBinOpFMin,
            (AtomicOp::Min, false, true) => LLVMAtomicRMWBinOpMin,
            (AtomicOp::Min, false, false) => LLVMAtomicRMWBinOpUMin,
            (AtomicOp::Max, true, _) => LLVMAtomicRMWBinOpFMax,
            (AtomicOp::Max, false, true) => LLVMAtomicRMWBinOpMax,
            (AtomicOp::Max, false, false) => LLVMAtomicRMWBinOpUMax,
            (AtomicOp::Exchange | AtomicOp::CompareExchange, _, _) => LLVMAtomicRMWBinOpXchg,
        };
        // SAFETY: the builder is positioned (we just emitted the address), `p` points at an
        // element of `elem`'s type and the value has that type; LLVM checks the rest in `verify`.
        let v = unsafe {
            let r = LLVMBuildAtomicRMW(
                self.b().as_mut_ptr(),
                rmw,
                p.as_value_ref(),
                vals[0].as_value_ref(),
                LLVMAtomicOrdering::LLVMAtomicOrderingMonotonic,
                0,
            );
            BasicValueEnum::new(r)
        };
        Ok(v)
    }

    /// In a failed check: takes the error flag (0 -> 1); a thread that loses the race leaves.
    pub(super) fn claim_error(&self, flag: PointerValue<'ctx>) -> R<()> {
        let i32t = self.ctx().i32_type();
        let r = self.b().build_cmpxchg(
            flag,
            i32t.const_zero(),
            i32t.const_int(1, false),
            AtomicOrdering::Monotonic,
            AtomicOrdering::Monotonic,
        )?;
        let won = self
            .b()
            .build_extract_value(r, 1, "claimed")?
            .into_int_value();
        let record = self.new_block("check.record");
        self.b().build_conditional_branch(won, record, self.fail)?;
        self.b().position_at_end(record);
        Ok(())
    }

    /// The outermost `prange` of a grid kernel as a grid-stride loop: iteration `k` (counted from
    /// the first value, `k * step` away from it) runs on global thread `k mod T` of `T` threads.
    pub(super) fn grid_loop(&mut self, var: LocalId, range: &ForRange, body: &Block) -> R<()> {
        let i64t = self.ctx().i64_type();
        let bounds = self.range_bounds(var, range)?;
        let super::RangeBounds {
            lo,
            hi,
            nonempty,
            step,
        } = bounds;
        let t = lo.get_type();
        // Reductions: every thread starts from the operator's identity; the value before the
        // loop (the same in every thread) is kept for the end.
        let mut reductions = Vec::new();
        for &(local, op) in &range.reductions {
            let (slot, s) = self.scalar_slot(local)?;
            let before = self.b().build_load(self.m.reg_type(s), slot, "before")?;
            self.b().build_store(slot, identity(self, op, s))?;
            let cells = (0..parts(s))
                .map(|k| self.m.cell(local, op, k, s))
                .collect();
            reductions.push(Reduction {
                local,
                op,
                s,
                before,
                cells,
            });
        }
        let exit = self.new_block("grid.end");
        let setup = self.new_block("grid.setup");
        self.b().build_conditional_branch(nonempty, setup, exit)?;
        self.b().position_at_end(setup);
        let last = self.last_iteration(&bounds)?;
        let tid = self.sreg("tid", Axis::X)?;
        let ntid = self.sreg("ntid", Axis::X)?;
        let ctaid = self.sreg("ctaid", Axis::X)?;
        let nctaid = self.sreg("nctaid", Axis::X)?;
        let b = self.b();
        let base = b.build_int_mul(ctaid, ntid, "")?;
        let first = b.build_int_add(base, tid, "k.first")?;
        let stride = b.build_int_mul(nctaid, ntid, "k.stride")?;
        let counter = self.entry_alloca(i64t.into(), "k")?;
        let b = self.b();
        b.build_store(counter, first)?;
        let body_bb = self.new_block("grid.body");
        let latch = self.new_block("grid.next");
        let b = self.b();
        let any = b.build_int_compare(IntPredicate::ULE, first, last, "k.any")?;
        b.build_conditional_branch(any, body_bb, exit)?;
        b.position_at_end(body_bb);
        let k = b.build_load(i64t, counter, "k")?.into_int_value();
        let offset = match step {
            Some(s) => b.build_int_mul(k, s, "offset")?,
            None => k,
        };
        let offset = b.build_int_truncate_or_bit_cast(offset, t, "offset.t")?;
        let i = if range.reverse {
            b.build_int_sub(hi, offset, "i")?
        } else {
            b.build_int_add(lo, offset, "i")?
        };
        let (slot, _) = self.scalar_slot(var)?;
        self.b().build_store(slot, i)?;
        self.loops.push((latch, exit));
        self.block(body)?;
        self.loops.pop();
        self.b().build_unconditional_branch(latch)?;
        self.b().position_at_end(latch);
        let b = self.b();
        let k = b.build_load(i64t, counter, "k")?.into_int_value();
        let left = b.build_int_sub(last, k, "left")?;
        let done = b.build_int_compare(IntPredicate::UGT, stride, left, "done")?;
        let next = b.build_int_add(k, stride, "k.next")?;
        b.build_store(counter, next)?;
        b.build_conditional_branch(done, exit, body_bb)?;
        b.position_at_end(exit);
        if !reductions.is_empty() {
            self.grid_reduce(&reductions)?;
        }
        Ok(())
    }

    /// After a grid loop with reductions: each warp combines its threads' partials with
    /// shuffles, lane 0 combines the warp's into the reduction's state cell atomically and takes
    /// a ticket; the thread with the last ticket (all partials are in) folds the cells into the
    /// values from before the loop and runs the rest of the kernel. The other threads exit.
    /// (A thread that failed a check has left already; then no ticket is last, and the call
    /// reports the failure.) A complex sum is two float sums, its parts, each with its own
    /// shuffles and cell: complex addition is componentwise, so each part adds what a float
    /// reduction of that part would.
    fn grid_reduce(&mut self, reductions: &[Reduction<'ctx>]) -> R<()> {
        let ctx = self.ctx();
        let i64t = ctx.i64_type();
        // Per reduction, per part: the warp's combined partial, its cell and its type.
        let mut warp = Vec::new();
        for r in reductions {
            let (slot, _) = self.scalar_slot(r.local)?;
            let v = self.b().build_load(self.m.reg_type(r.s), slot, "partial")?;
            for (k, &cell) in r.cells.iter().enumerate() {
                let (v, s) = self.part(v, r.s, k as u32)?;
                let wide = widened(s);
                let mut v = self.widen(v, s)?;
                for lanes in [16, 8, 4, 2, 1] {
                    let other = self.shuffle_xor(v, wide, lanes)?;
                    v = self.apply(r.op, wide, v, other)?;
                }
                warp.push((v, cell, r.op, wide));
            }
        }
        let tid = self.sreg("tid", Axis::X)?;
        let lane = self.b().build_and(tid, i64t.const_int(31, false), "lane")?;
        let lead = self
            .b()
            .build_int_compare(IntPredicate::EQ, lane, i64t.const_zero(), "lead")?;
        let leader = self.new_block("reduce.warp");
        let leave = self.new_block("reduce.leave");
        let last = self.new_block("reduce.last");
        self.b().build_conditional_branch(lead, leader, leave)?;

        self.b().position_at_end(leader);
        for &(v, cell, op, wide) in &warp {
            let cell = self.state_ptr(abi::GPU_CELLS + 8 * cell)?;
            self.combine(cell, v, op, wide)?;
        }
        self.call_void("llvm.nvvm.membar.gl")?;
        let ntid = self.sreg("ntid", Axis::X)?;
        let nctaid = self.sreg("nctaid", Axis::X)?;
        let threads = self.b().build_int_mul(ntid, nctaid, "threads")?;
        let warps =
            self.b()
                .build_right_shift(threads, i64t.const_int(5, false), false, "warps")?;
        let tickets = self.state_ptr(abi::GPU_TICKETS)?;
        let ticket = self.b().build_atomicrmw(
            inkwell::AtomicRMWBinOp::Add,
            tickets,
            i64t.const_int(1, false),
            AtomicOrdering::SequentiallyConsistent,
        )?;
        let final_ticket = self
            .b()
            .build_int_sub(warps, i64t.const_int(1, false), "final")?;
        let is_last =
            self.b()
                .build_int_compare(IntPredicate::EQ, ticket, final_ticket, "is.last")?;
        self.b().build_conditional_branch(is_last, last, leave)?;

        self.b().position_at_end(leave);
        self.call_void("llvm.nvvm.exit")?;
        self.b().build_unreachable()?;

        self.b().position_at_end(last);
        self.call_void("llvm.nvvm.membar.gl")?;
        for r in reductions {
            let mut v = r.before;
            for (k, &cell) in r.cells.iter().enumerate() {
                let (before, s) = self.part(r.before, r.s, k as u32)?;
                let bits = super::int_type(ctx, widened(s).bits());
                let cell = self.state_ptr(abi::GPU_CELLS + 8 * cell)?;
                // An atomic read of the cell's bits (`or 0` changes nothing).
                let all = self.b().build_atomicrmw(
                    inkwell::AtomicRMWBinOp::Or,
                    cell,
                    bits.const_zero(),
                    AtomicOrdering::SequentiallyConsistent,
                )?;
                let all = self.narrow(all, s)?;
                let x = self.apply(r.op, s, before, all)?;
                v = if r.s.is_complex() {
                    self.b()
                        .build_insert_value(v.into_struct_value(), x, k as u32, "")?
                        .into_struct_value()
                        .into()
                } else {
                    x
                };
            }
            let (slot, _) = self.scalar_slot(r.local)?;
            self.b().build_store(slot, v)?;
        }
        Ok(())
    }

    /// Part `k` of a reduction's value `v` of type `s` and its type: a complex number's real
    /// (0) or imaginary (1) part, any other value itself.
    fn part(
        &self,
        v: BasicValueEnum<'ctx>,
        s: Scalar,
        k: u32,
    ) -> R<(BasicValueEnum<'ctx>, Scalar)> {
        if !s.is_complex() {
            return Ok((v, s));
        }
        let x = self
            .b()
            .build_extract_value(v.into_struct_value(), k, "part")?;
        Ok((x, s.part()))
    }

    /// The address `offset` bytes into the `err` buffer (the GPU state, see [`abi::GPU_CELLS`]).
    fn state_ptr(&self, offset: u64) -> R<PointerValue<'ctx>> {
        let ctx = self.ctx();
        // SAFETY: a GEP without `inbounds` only computes an address; `offset` is inside the
        // state area after the `ErrInfo` that the runtime allocates (`abi::GPU_CELLS`).
        Ok(unsafe {
            self.b().build_gep(
                ctx.i8_type(),
                self.err,
                &[ctx.i64_type().const_int(offset, false)],
                "state",
            )?
        })
    }

    /// `a op b` in registers.
    fn apply(
        &mut self,
        op: Reduce,
        s: Scalar,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        let t = self.m.reg_type(s);
        if s.is_float() {
            let (x, y) = (a.into_float_value(), b.into_float_value());
            return Ok(match op {
                Reduce::Add => self.b().build_float_add(x, y, "")?.into(),
                Reduce::Mul => self.b().build_float_mul(x, y, "")?.into(),
                Reduce::Min => self.call_intrinsic("llvm.minnum", &[t], &[a, b])?,
                Reduce::Max => self.call_intrinsic("llvm.maxnum", &[t], &[a, b])?,
                Reduce::And | Reduce::Or | Reduce::Xor => {
                    return Err(BackError::Internal("bitwise reduction of a float".into()))
                }
            });
        }
        let (x, y) = (a.into_int_value(), b.into_int_value());
        let signed = s.is_signed();
        Ok(match op {
            Reduce::Add => self.b().build_int_add(x, y, "")?.into(),
            Reduce::Mul => self.b().build_int_mul(x, y, "")?.into(),
            Reduce::And => self.b().build_and(x, y, "")?.into(),
            Reduce::Or => self.b().build_or(x, y, "")?.into(),
            Reduce::Xor => self.b().build_xor(x, y, "")?.into(),
            Reduce::Min if signed => self.call_intrinsic("llvm.smin", &[t], &[a, b])?,
            Reduce::Min => self.call_intrinsic("llvm.umin", &[t], &[a, b])?,
            Reduce::Max if signed => self.call_intrinsic("llvm.smax", &[t], &[a, b])?,
            Reduce::Max => self.call_intrinsic("llvm.umax", &[t], &[a, b])?,
        })
    }

    /// A narrow integer extended to its 32-bit cell type (by its signedness).
    fn widen(&self, v: BasicValueEnum<'ctx>, s: Scalar) -> R<BasicValueEnum<'ctx>> {
        if widened(s) == s {
            return Ok(v);
        }
        let i32t = self.ctx().i32_type();
        Ok(self
            .b()
            .build_int_cast_sign_flag(v.into_int_value(), i32t, s.is_signed(), "wide")?
            .into())
    }

    /// A cell's bits as a value of `s`.
    fn narrow(&self, bits: IntValue<'ctx>, s: Scalar) -> R<BasicValueEnum<'ctx>> {
        let t = self.m.reg_type(s);
        Ok(if s.is_float() {
            self.b().build_bit_cast(bits, t, "")?
        } else {
            self.b()
                .build_int_truncate_or_bit_cast(bits, t.into_int_type(), "")?
                .into()
        })
    }

    /// The value `v` (of 32- or 64-bit type `s`) of lane `lane ^ mask` of the warp
    /// (`shfl.sync.bfly`, in 32-bit pieces).
    fn shuffle_xor(
        &mut self,
        v: BasicValueEnum<'ctx>,
        s: Scalar,
        mask: u64,
    ) -> R<BasicValueEnum<'ctx>> {
        let ctx = self.ctx();
        let (i32t, i64t) = (ctx.i32_type(), ctx.i64_type());
        let t = v.get_type();
        let shfl = |this: &mut Self, x: IntValue<'ctx>| -> R<IntValue<'ctx>> {
            let args = [
                i32t.const_all_ones().into(),
                x.into(),
                i32t.const_int(mask, false).into(),
                i32t.const_int(31, false).into(),
            ];
            Ok(this
                .call_intrinsic("llvm.nvvm.shfl.sync.bfly.i32", &[], &args)?
                .into_int_value())
        };
        if s.bits() == 64 {
            let x = self.b().build_bit_cast(v, i64t, "")?.into_int_value();
            let lo = self.b().build_int_truncate(x, i32t, "lo")?;
            let hi = self
                .b()
                .build_right_shift(x, i64t.const_int(32, false), false, "")?;
            let hi = self.b().build_int_truncate(hi, i32t, "hi")?;
            let (lo, hi) = (shfl(self, lo)?, shfl(self, hi)?);
            let lo = self.b().build_int_z_extend(lo, i64t, "")?;
            let hi = self.b().build_int_z_extend(hi, i64t, "")?;
            let hi = self
                .b()
                .build_left_shift(hi, i64t.const_int(32, false), "")?;
            let x = self.b().build_or(hi, lo, "")?;
            return Ok(self.b().build_bit_cast(x, t, "")?);
        }
        let x = self.b().build_bit_cast(v, i32t, "")?.into_int_value();
        let x = shfl(self, x)?;
        Ok(self.b().build_bit_cast(x, t, "")?)
    }
}

/// A reduction of a grid loop.
struct Reduction<'ctx> {
    local: LocalId,
    op: Reduce,
    /// The variable's type.
    s: Scalar,
    /// Its value before the loop.
    before: BasicValueEnum<'ctx>,
    /// Its state cells: one, or a complex sum's two (real, imaginary).
    cells: Vec<u64>,
}

/// The parts a reduction of type `s` is combined in, each in its own cell: a complex sum's two,
/// any other reduction's one.
fn parts(s: Scalar) -> u32 {
    if s.is_complex() {
        2
    } else {
        1
    }
}

/// The type a reduction is shuffled and combined in: narrow integers as 32-bit ones.
fn widened(s: Scalar) -> Scalar {
    match s {
        Scalar::I8 | Scalar::I16 => Scalar::I32,
        Scalar::U8 | Scalar::U16 => Scalar::U32,
        s => s,
    }
}

impl ModuleEmitter<'_, '_> {
    /// The state cell of part `part` (see [`parts`]) of reduction `op` of `local`, of type `s`
    /// (shared by the versions of one loop).
    fn cell(&mut self, local: LocalId, op: Reduce, part: u32, s: Scalar) -> u64 {
        let key = (local, op, part, s);
        let at = match self.cells.iter().position(|c| *c == key) {
            Some(at) => at,
            None => {
                self.cells.push(key);
                self.cells.len() - 1
            }
        };
        at as u64
    }
}
