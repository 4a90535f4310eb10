//! What the GPU needs beyond the shared emitter: the kernel entry point, the grid-stride `prange`
//! loop, special registers, barriers and atomics (see [`crate::back::gpu`] for the ABI).

use super::{param_ptr, FnEmitter, ModuleEmitter, R};
use crate::back::gpu::KERNEL;
use crate::back::BackError;
use crate::ir::*;
use inkwell::attributes::AttributeLoc;
use inkwell::llvm_sys::core::LLVMBuildAtomicRMW;
use inkwell::llvm_sys::{LLVMAtomicOrdering, LLVMAtomicRMWBinOp};
use inkwell::types::BasicMetadataTypeEnum;
use inkwell::values::{AsValueRef, BasicMetadataValueEnum, BasicValueEnum, IntValue, PointerValue};
use inkwell::{AddressSpace, AtomicOrdering, IntPredicate};

/// LLVM's `ptx_kernel` calling convention: marks a function as a kernel entry point.
const PTX_KERNEL_CC: u32 = 71;

impl<'ctx> ModuleEmitter<'_, 'ctx> {
    /// `void rumba_kernel(flattened arguments.., ptr err)`: calls instance 0 in every thread.
    pub(super) fn kernel_entry(&mut self, inst: &Instance) -> R<()> {
        let ctx = self.ctx;
        let ptr = ctx.ptr_type(AddressSpace::default());
        let i64t = ctx.i64_type();
        let mut params: Vec<BasicMetadataTypeEnum> = Vec::new();
        let mut arrays = Vec::new();
        for t in &inst.params {
            match t {
                Type::Scalar(s) => params.push(self.mem_type(*s).into()),
                Type::Array(a) => {
                    arrays.push((params.len() as u32, a.writable));
                    params.push(ptr.into());
                    let n = a.ndim as usize * if a.layout == Layout::Strided { 2 } else { 1 };
                    params.extend(std::iter::repeat_n(BasicMetadataTypeEnum::from(i64t), n));
                }
                Type::Unit => return Err(BackError::Internal("unit parameter".into())),
            }
        }
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
                Type::Unit => {}
            }
        }
        args.push(param_ptr(f, k)?.into());
        self.builder.build_call(self.functions[0], &args, "")?;
        self.builder.build_return(None)?;
        Ok(())
    }
}

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// A special register (`tid.x`, `ntid.y`, ...) as `usize`.
    fn sreg(&mut self, reg: &str, axis: u8) -> R<IntValue<'ctx>> {
        let name = format!(
            "llvm.nvvm.read.ptx.sreg.{reg}.{}",
            ["x", "y", "z"][axis as usize % 3]
        );
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
                let barrier = inkwell::intrinsics::Intrinsic::find("llvm.nvvm.barrier0")
                    .ok_or_else(|| BackError::Internal("no llvm.nvvm.barrier0".into()))?;
                let f = barrier
                    .get_declaration(&self.m.module, &[])
                    .ok_or_else(|| {
                        BackError::Internal("cannot declare llvm.nvvm.barrier0".into())
                    })?;
                self.b().build_call(f, &[], "")?;
                self.ctx().bool_type().const_zero().into()
            }
            (GpuOp::Atomic(atomic), Some(array)) => {
                let a = self.array(array)?;
                let p = self.element_ptr(&a, array, index, span, true)?;
                let vals = args.iter().map(|x| self.expr(*x)).collect::<R<Vec<_>>>()?;
                self.atomic(atomic, a.ty.elem, p, &vals)?
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
        let super::RangeBounds {
            lo: start,
            hi,
            nonempty,
            step,
        } = self.range_bounds(var, range)?;
        let t = start.get_type();
        let lo = start;
        let exit = self.new_block("grid.end");
        let setup = self.new_block("grid.setup");
        self.b().build_conditional_branch(nonempty, setup, exit)?;
        self.b().position_at_end(setup);
        // The number of iterations minus one, as an unsigned 64-bit count.
        let dist = self.b().build_int_sub(hi, lo, "dist")?;
        let dist = self
            .b()
            .build_int_z_extend_or_bit_cast(dist, i64t, "dist.wide")?;
        let last = match step {
            Some(k) => self.b().build_int_unsigned_div(dist, k, "last")?,
            None => dist,
        };
        let tid = self.sreg("tid", 0)?;
        let ntid = self.sreg("ntid", 0)?;
        let ctaid = self.sreg("ctaid", 0)?;
        let nctaid = self.sreg("nctaid", 0)?;
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
        Ok(())
    }
}
