//! `prange` on the CPU: the loop's body outlined into a chunk function that the runtime runs on
//! its thread pool (see [`abi::PARALLEL_FOR`](crate::back::abi::PARALLEL_FOR)).
//!
//! For a `prange` of the entry function (not inside another `prange`), the parent evaluates the
//! range, counts its iterations, fills an environment and calls
//! `rumba_parallel_for(chunk, env, 0, count, err)`. The environment is an array of 8-byte slots
//! (a `Complex<f64>` takes two, [`slots_of`]):
//! the first value of the loop variable and its signed step, then the values of the scalars the
//! body only reads, the addresses of the parent's reduction variables, and each array the body
//! uses (data pointer, extents, then strides when strided); a struct or tuple of scalars the body
//! reads takes the slots its LLVM struct needs. `chunk(env, lo, hi, err)` unpacks
//! them and calls the body function, whose array data pointers are `noalias` (so its loops still
//! vectorize): it runs iterations `lo..hi` in order with every scalar private, the reduction
//! variables starting at their operator's identity, and combines each one into the parent's
//! variable once, atomically, at the end (a complex sum as two atomic float additions, one per
//! part, [`FnEmitter::combine`]).
//!
//! A loop with array reductions (its body's [`Stmt::Update`]s) gets two chunk functions, and
//! the parent picks one at run time: when the reduced arrays are small (at most
//! [`PRIVATE_BYTES`] together) and small next to the loop (an element for at least
//! [`ITERATIONS_PER_ELEMENT`] iterations), each chunk updates a private copy on its stack,
//! starting at the operator's identity, and adds the elements it changed into the shared array
//! atomically at its end; otherwise every update is an atomic read-modify-write of the shared
//! array. A complex element (only ever summed) is two floats in both: each part starts at
//! `-0.0`, is updated and added in atomically on its own.

use super::{ArrayVal, FnEmitter, Slot, R};
use crate::back::abi;
use crate::back::BackError;
use crate::ir::walk::{updated_arrays, Uses};
use crate::ir::*;
use inkwell::attributes::AttributeLoc;
use inkwell::llvm_sys::core::LLVMBuildAtomicRMW;
use inkwell::llvm_sys::{LLVMAtomicOrdering, LLVMAtomicRMWBinOp};
use inkwell::types::{BasicMetadataTypeEnum, BasicTypeEnum};
use inkwell::values::{
    AsValueRef, BasicMetadataValueEnum, BasicValueEnum, FunctionValue, IntValue, PointerValue,
};
use inkwell::{AddressSpace, AtomicOrdering, IntPredicate};
use std::collections::HashSet;

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// `for var in prange(range) { body }`, run by the runtime on its thread pool.
    pub(super) fn parallel_for(&mut self, var: LocalId, range: &ForRange, body: &Block) -> R<()> {
        let ty = self
            .inst
            .local_ty(var)
            .scalar()
            .ok_or_else(|| BackError::Internal("loop variable".into()))?;
        let signed = ty.is_signed();
        let i64t = self.ctx().i64_type();
        let bounds = self.range_bounds(var, range)?;
        let super::RangeBounds {
            lo: start,
            hi,
            nonempty,
            step,
        } = bounds;
        // Iterations: (hi - lo) / step + 1 when non-empty.
        let last = self.last_iteration(&bounds)?;
        let b = self.b();
        let step64 = step.unwrap_or(i64t.const_int(1, false));
        let count = b.build_int_add(last, i64t.const_int(1, false), "count")?;
        let count = b
            .build_select(nonempty, count, i64t.const_zero(), "count")?
            .into_int_value();
        let widen =
            |v: IntValue<'ctx>, name: &str| b.build_int_cast_sign_flag(v, i64t, signed, name);
        let (first, stride) = if range.reverse {
            (widen(hi, "first")?, b.build_int_neg(step64, "stride")?)
        } else {
            (widen(start, "first")?, step64)
        };

        let sharing = Sharing::of(self.inst, var, range, body);
        let chunk = self.outline(var, ty, body, &sharing, Updates::Private)?;
        let mut chunk_ptr = chunk.as_global_value().as_pointer_value();
        if !sharing.updated.is_empty() {
            let atomic = self.outline(var, ty, body, &sharing, Updates::Atomic)?;
            let private = self.privatize(&sharing, count)?;
            chunk_ptr = self
                .b()
                .build_select(
                    private,
                    chunk_ptr,
                    atomic.as_global_value().as_pointer_value(),
                    "chunk",
                )?
                .into_pointer_value();
        }

        // The environment: 8-byte slots, laid out as `outline` reads them.
        let mut slots: Vec<BasicValueEnum<'ctx>> = vec![first.into(), stride.into()];
        for &l in &sharing.reads {
            slots.push(match self.inst.local_ty(l) {
                Type::Scalar(_) => {
                    let (p, s) = self.scalar_slot(l)?;
                    self.b()
                        .build_load(self.m.reg_type(s), p, &self.inst.func.local(l).name)?
                }
                _ => self.read_local(l)?,
            });
        }
        for &(l, _) in &sharing.reductions {
            slots.push(self.scalar_slot(l)?.0.into());
        }
        for &l in &sharing.arrays {
            let a = self.array(l)?;
            slots.push(a.data.into());
            slots.extend(a.shape.iter().map(|v| BasicValueEnum::from(*v)));
            if a.ty.layout == Layout::Strided {
                slots.extend(a.strides.iter().map(|v| BasicValueEnum::from(*v)));
            }
        }
        let total: u64 = slots.iter().map(|v| slots_of(v.get_type())).sum();
        let env = self.entry_alloca(i64t.array_type(total as u32).into(), "env")?;
        let mut k = 0;
        for v in &slots {
            // SAFETY: a GEP without `inbounds` only computes an address: slot `k` of `env`, which
            // holds `total` slots.
            let p = unsafe {
                self.b()
                    .build_gep(i64t, env, &[i64t.const_int(k, false)], "env.slot")?
            };
            self.b().build_store(p, *v)?;
            k += slots_of(v.get_type());
        }
        let ptr = self.ctx().ptr_type(AddressSpace::default());
        let run = match self.m.module.get_function(abi::PARALLEL_FOR) {
            Some(f) => f,
            None => {
                let t = self.ctx().i32_type().fn_type(
                    &[ptr.into(), ptr.into(), i64t.into(), i64t.into(), ptr.into()],
                    false,
                );
                self.m.module.add_function(abi::PARALLEL_FOR, t, None)
            }
        };
        let args: [BasicMetadataValueEnum; 5] = [
            chunk_ptr.into(),
            env.into(),
            i64t.const_zero().into(),
            count.into(),
            self.err.into(),
        ];
        let status = self.b().build_call(run, &args, "par.status")?;
        let status = status
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal("call without value".into()))?
            .into_int_value();
        let failed = self.b().build_int_compare(
            IntPredicate::NE,
            status,
            self.ctx().i32_type().const_zero(),
            "par.failed",
        )?;
        let ok = self.new_block("par.ok");
        let branch = self.b().build_conditional_branch(failed, self.fail, ok)?;
        self.rare_failure(branch, true)?;
        self.b().position_at_end(ok);
        Ok(())
    }

    /// Whether the chunks update private copies of the reduced arrays (see the module doc): an
    /// `i1` computed from their extents and the iteration count.
    fn privatize(&mut self, sharing: &Sharing, count: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let i64t = self.ctx().i64_type();
        let (mut elems, mut bytes) = (i64t.const_zero(), i64t.const_zero());
        for &(l, _) in &sharing.updated {
            let a = self.array(l)?;
            let n = self.elements(&a)?;
            let size = i64t.const_int(a.ty.elem.size() as u64, false);
            let b = self.b();
            elems = b.build_int_add(elems, n, "private.elems")?;
            bytes = b.build_int_add(bytes, b.build_int_mul(n, size, "")?, "private.bytes")?;
        }
        let b = self.b();
        let small = b.build_int_compare(
            IntPredicate::ULE,
            bytes,
            i64t.const_int(PRIVATE_BYTES, false),
            "private.small",
        )?;
        let per = b.build_int_mul(elems, i64t.const_int(ITERATIONS_PER_ELEMENT, false), "")?;
        let few = b.build_int_compare(IntPredicate::ULE, per, count, "private.few")?;
        Ok(b.build_and(small, few, "private")?)
    }

    /// The number of elements of an array (the product of its extents).
    pub(super) fn elements(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        let mut n = self.ctx().i64_type().const_int(1, false);
        for d in &a.shape {
            n = self.b().build_int_mul(n, *d, "elems")?;
        }
        Ok(n)
    }

    /// Emits the body function and the `chunk(env, lo, hi, err)` wrapper; returns the wrapper.
    fn outline(
        &mut self,
        var: LocalId,
        ty: Scalar,
        body: &Block,
        sharing: &Sharing,
        updates: Updates,
    ) -> R<FunctionValue<'ctx>> {
        let ctx = self.ctx();
        let ptr = ctx.ptr_type(AddressSpace::default());
        let i64t = ctx.i64_type();
        let inst = self.inst;
        // Body parameters: lo, hi, err, first, stride, then the captures.
        let mut params: Vec<BasicMetadataTypeEnum> = vec![
            i64t.into(),
            i64t.into(),
            ptr.into(),
            i64t.into(),
            i64t.into(),
        ];
        let mut env_types: Vec<BasicTypeEnum<'ctx>> = vec![i64t.into(), i64t.into()];
        for &l in &sharing.reads {
            let t = self.m.value_type(inst.local_ty(l))?;
            params.push(t.into());
            env_types.push(t);
        }
        for _ in &sharing.reductions {
            params.push(ptr.into());
            env_types.push(ptr.into());
        }
        let mut data_params = Vec::new();
        for &l in &sharing.arrays {
            let a = self.array(l)?;
            data_params.push((params.len() as u32, a.ty.writable));
            params.push(ptr.into());
            env_types.push(ptr.into());
            let n = a.ty.ndim as usize * if a.ty.layout == Layout::Strided { 2 } else { 1 };
            params.extend(std::iter::repeat_n(BasicMetadataTypeEnum::from(i64t), n));
            env_types.extend(std::iter::repeat_n(BasicTypeEnum::from(i64t), n));
        }
        let name = match updates {
            Updates::Private => inst.func.name.clone(),
            Updates::Atomic => format!("{}.atomic", inst.func.name),
        };
        let body_fn = self.m.module.add_function(
            &format!("{name}.prange.body"),
            ctx.void_type().fn_type(&params, false),
            Some(inkwell::module::Linkage::Internal),
        );
        self.m.target_attrs(body_fn);
        for (i, writable) in data_params {
            body_fn.add_attribute(AttributeLoc::Param(i), self.m.attr("noalias"));
            body_fn.add_attribute(AttributeLoc::Param(i), self.m.attr("nocapture"));
            if !writable {
                body_fn.add_attribute(AttributeLoc::Param(i), self.m.attr("readonly"));
            }
        }
        body_fn.add_attribute(AttributeLoc::Param(2), self.m.attr("noalias"));
        body_fn.add_attribute(AttributeLoc::Param(2), self.m.attr("nocapture"));
        let chunk_fn = self.m.module.add_function(
            &format!("{name}.prange"),
            ctx.void_type()
                .fn_type(&[ptr.into(), i64t.into(), i64t.into(), ptr.into()], false),
            Some(inkwell::module::Linkage::Internal),
        );
        self.m.target_attrs(chunk_fn);

        let saved = self.current_block()?;
        self.emit_body(body_fn, var, ty, body, sharing, updates)?;
        // The body's lines are not the chunk's or this function's.
        self.b().unset_current_debug_location();

        // chunk(env, lo, hi, err): unpack the environment and run the body.
        let b = &self.m.builder;
        b.position_at_end(ctx.append_basic_block(chunk_fn, "entry"));
        self.m
            .locate_wrapper(chunk_fn, inst, &format!("{}::prange_chunk", inst.func.name));
        let b = &self.m.builder;
        let env = super::param_ptr(chunk_fn, 0)?;
        let p = |i: u32| {
            chunk_fn
                .get_nth_param(i)
                .ok_or_else(|| BackError::Internal("missing parameter".into()))
        };
        let mut args: Vec<BasicMetadataValueEnum> = vec![p(1)?.into(), p(2)?.into(), p(3)?.into()];
        let mut k = 0;
        for t in &env_types {
            // SAFETY: a GEP without `inbounds` only computes an address: slot `k` of the env array
            // that the caller filled as `env_types` lays it out.
            let slot = unsafe { b.build_gep(i64t, env, &[i64t.const_int(k, false)], "")? };
            args.push(b.build_load(*t, slot, "")?.into());
            k += slots_of(*t);
        }
        b.build_call(body_fn, &args, "")?;
        b.build_return(None)?;
        b.unset_current_debug_location();
        self.b().position_at_end(saved);
        Ok(chunk_fn)
    }

    /// The body function: iterations `lo..hi` with private scalars, then the reductions combined.
    fn emit_body(
        &mut self,
        function: FunctionValue<'ctx>,
        var: LocalId,
        ty: Scalar,
        body: &Block,
        sharing: &Sharing,
        updates: Updates,
    ) -> R<()> {
        let ctx = self.ctx();
        let i64t = ctx.i64_type();
        let inst = self.inst;
        let entry = ctx.append_basic_block(function, "entry");
        let fail = ctx.append_basic_block(function, "fail");
        self.b().position_at_end(entry);
        let err = super::param_ptr(function, 2)?;
        let scope = self
            .m
            .scope_of(function, inst, &format!("{}::prange", inst.func.name));
        let mut e = FnEmitter {
            m: &mut *self.m,
            program: self.program,
            inst,
            function,
            slots: Vec::new(),
            err,
            fail,
            loops: Vec::new(),
            carried: HashSet::new(),
            never_nan: HashSet::new(),
            chains: Vec::new(),
            prange: super::Prange::Serial,
            atomic: updates == Updates::Atomic,
            // A body starts chains of recursive calls afresh, as its kernel does.
            depth: None,
            scope,
        };
        let mut slots = vec![Slot::None; inst.func.locals.len()];
        for (l, t) in inst.local_types.iter() {
            if let Type::Scalar(s) = t {
                slots[l.index()] = Slot::Scalar(
                    e.b()
                        .build_alloca(e.m.reg_type(*s), &inst.func.local(l).name)?,
                    *s,
                );
            }
        }
        let p = |i: u32| {
            function
                .get_nth_param(i)
                .ok_or_else(|| BackError::Internal("missing parameter".into()))
        };
        let (lo, hi, first, stride) = (
            p(0)?.into_int_value(),
            p(1)?.into_int_value(),
            p(3)?.into_int_value(),
            p(4)?.into_int_value(),
        );
        let mut k = 5;
        for &l in &sharing.reads {
            match (&slots[l.index()], inst.local_ty(l)) {
                (Slot::Scalar(ptr, _), _) => {
                    e.b().build_store(*ptr, p(k)?)?;
                }
                (_, t) => {
                    let ptr = e.entry_alloca(e.m.value_type(t)?, &inst.func.local(l).name)?;
                    e.b().build_store(ptr, p(k)?)?;
                    slots[l.index()] = Slot::Value(ptr, t);
                }
            }
            k += 1;
        }
        let mut accumulators = Vec::new();
        for &(l, op) in &sharing.reductions {
            if let Slot::Scalar(ptr, s) = slots[l.index()] {
                e.b().build_store(ptr, identity(&e, op, s))?;
                accumulators.push((ptr, p(k)?.into_pointer_value(), op, s));
            }
            k += 1;
        }
        for &l in &sharing.arrays {
            let Type::Array(a) = inst.local_ty(l) else {
                continue;
            };
            slots[l.index()] = Slot::Array(e.array_params(&mut k, a, &inst.func.local(l).name)?);
        }
        // The body's own arrays and tuples: one set per chunk, dropped at its end.
        let own = Uses::of(&inst.func, body);
        e.value_slots(&mut slots, own.writes.keys().copied())?;
        // Private copies of the reduced arrays, C order, starting at the operator's identity.
        let mut privates = Vec::new();
        if updates == Updates::Private {
            for &(l, op) in &sharing.updated {
                let Slot::Array(shared) = slots[l.index()].clone() else {
                    return Err(BackError::Internal(format!("{l} is not an array")));
                };
                let s = super::scalar_elem(shared.ty)?;
                let n = e.elements(&shared)?;
                let copy = e.b().build_array_alloca(e.m.mem_type(s), n, "private")?;
                let start = identity(&e, op, s);
                e.counted(n, |e, j| {
                    // SAFETY: `j < n`, the copy's length in elements of this type.
                    let p = unsafe { e.b().build_gep(e.m.mem_type(s), copy, &[j], "")? };
                    e.b().build_store(p, start)?;
                    Ok(())
                })?;
                let mut strides = vec![i64t.const_int(1, false); shared.shape.len()];
                for d in (0..shared.shape.len()).rev().skip(1) {
                    strides[d] = e
                        .b()
                        .build_int_mul(strides[d + 1], shared.shape[d + 1], "")?;
                }
                slots[l.index()] = Slot::Array(super::ArrayVal {
                    data: copy,
                    strides,
                    ..shared.clone()
                });
                privates.push((shared, copy, n, op));
            }
        }
        e.slots = slots;

        // for k in lo..hi { var = first + k * stride; body }
        let counter = e.b().build_alloca(i64t, "k")?;
        let body_bb = e.new_block("chunk.body");
        let latch = e.new_block("chunk.next");
        let exit = e.new_block("chunk.end");
        e.b().build_store(counter, lo)?;
        let nonempty = e
            .b()
            .build_int_compare(IntPredicate::SLT, lo, hi, "nonempty")?;
        e.b().build_conditional_branch(nonempty, body_bb, exit)?;
        e.b().position_at_end(body_bb);
        let kv = e.b().build_load(i64t, counter, "k")?.into_int_value();
        let off = e.b().build_int_mul(kv, stride, "")?;
        let v = e.b().build_int_add(first, off, "")?;
        let v = e.b().build_int_truncate_or_bit_cast(
            v,
            e.m.reg_type(ty).into_int_type(),
            &inst.func.local(var).name,
        )?;
        let (slot, _) = e.scalar_slot(var)?;
        e.b().build_store(slot, v)?;
        e.loops.push((latch, exit));
        e.block(body)?;
        e.loops.pop();
        e.b().build_unconditional_branch(latch)?;
        e.b().position_at_end(latch);
        let kv = e.b().build_load(i64t, counter, "k")?.into_int_value();
        let next = e
            .b()
            .build_int_add(kv, i64t.const_int(1, false), "k.next")?;
        e.b().build_store(counter, next)?;
        let more = e
            .b()
            .build_int_compare(IntPredicate::SLT, next, hi, "more")?;
        e.b().build_conditional_branch(more, body_bb, exit)?;
        e.b().position_at_end(exit);
        for (acc, target, op, s) in accumulators {
            let v = e.b().build_load(e.m.reg_type(s), acc, "partial")?;
            e.combine(target, v, op, s)?;
        }
        for (shared, copy, n, op) in privates {
            e.add_private(&shared, copy, n, op)?;
        }
        e.drop_locals()?;
        e.b().build_return(None)?;
        e.b().position_at_end(fail);
        e.drop_locals()?;
        e.b().build_return(None)?;
        e.terminate_open_blocks()
    }

    /// Combines a private copy into the shared array, atomically, element by element (those
    /// still at the identity are left alone); a complex element part by part, each part as a
    /// float element (a part still at `-0.0` is left alone).
    fn add_private(
        &mut self,
        shared: &ArrayVal<'ctx>,
        copy: PointerValue<'ctx>,
        n: IntValue<'ctx>,
        op: Reduce,
    ) -> R<()> {
        let s = super::scalar_elem(shared.ty)?;
        let part = s.part();
        let bits = super::int_type(self.ctx(), part.bits());
        let unchanged = super::int_const(bits, op.identity(part));
        let t = self.m.mem_type(s);
        // The fields of a complex element (a pair of floats); any other element is one value.
        let fields: &[Option<u32>] = if s.is_complex() {
            &[Some(0), Some(1)]
        } else {
            &[None]
        };
        self.counted(n, |e, j| {
            // SAFETY: `j < n`, the copy's length in elements of this type.
            let element = unsafe { e.b().build_gep(t, copy, &[j], "")? };
            for &field in fields {
                let pt = e.m.mem_type(part);
                let p = match field {
                    Some(k) => e.b().build_struct_gep(t, element, k, "part")?,
                    None => element,
                };
                let v = e.b().build_load(pt, p, "partial")?;
                let vb = e.b().build_bit_cast(v, bits, "")?.into_int_value();
                let changed =
                    e.b()
                        .build_int_compare(IntPredicate::NE, vb, unchanged, "changed")?;
                let add = e.new_block("private.add");
                let next = e.new_block("private.next");
                e.b().build_conditional_branch(changed, add, next)?;
                e.b().position_at_end(add);
                // The element's offset in the shared array: `j` in C order, then its strides.
                let mut rest = j;
                let mut offset = e.ctx().i64_type().const_zero();
                for d in (0..shared.shape.len()).rev() {
                    let b = e.b();
                    let at = b.build_int_unsigned_rem(rest, shared.shape[d], "")?;
                    rest = b.build_int_unsigned_div(rest, shared.shape[d], "")?;
                    let step = b.build_int_mul(at, shared.strides[d], "")?;
                    offset = b.build_int_add(offset, step, "")?;
                }
                // SAFETY: `offset` is the shared array's element with `j`'s index, inside its
                // extents.
                let target = unsafe { e.b().build_gep(t, shared.data, &[offset], "")? };
                let target = match field {
                    Some(k) => e.b().build_struct_gep(t, target, k, "part")?,
                    None => target,
                };
                e.combine(target, v, op, part)?;
                e.b().build_unconditional_branch(next)?;
                e.b().position_at_end(next);
            }
            Ok(())
        })
    }

    /// `for j in 0..n { f(j) }`, `n` an `i64`.
    pub(super) fn counted(
        &mut self,
        n: IntValue<'ctx>,
        mut f: impl FnMut(&mut Self, IntValue<'ctx>) -> R<()>,
    ) -> R<()> {
        let i64t = self.ctx().i64_type();
        let pre = self.current_block()?;
        let head = self.new_block("copy.loop");
        let done = self.new_block("copy.done");
        let any = self
            .b()
            .build_int_compare(IntPredicate::NE, n, i64t.const_zero(), "")?;
        self.b().build_conditional_branch(any, head, done)?;
        self.b().position_at_end(head);
        let j = self.b().build_phi(i64t, "j")?;
        j.add_incoming(&[(&i64t.const_zero(), pre)]);
        let jv = j.as_basic_value().into_int_value();
        f(self, jv)?;
        let next = self
            .b()
            .build_int_add(jv, i64t.const_int(1, false), "j.next")?;
        let here = self.current_block()?;
        j.add_incoming(&[(&next, here)]);
        let more = self.b().build_int_compare(IntPredicate::ULT, next, n, "")?;
        self.b().build_conditional_branch(more, head, done)?;
        self.b().position_at_end(done);
        Ok(())
    }

    /// `*target = *target op v`, atomically. A complex partial is a sum (`types::parallel`
    /// accepts no other complex reduction) and combines part by part, each part as a float's
    /// does: complex addition is componentwise, so this adds what a serial loop adds.
    pub(super) fn combine(
        &mut self,
        target: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        op: Reduce,
        s: Scalar,
    ) -> R<()> {
        if s.is_complex() {
            if op != Reduce::Add {
                return Err(BackError::Internal(format!(
                    "a complex `{}` reduction",
                    op.written()
                )));
            }
            let t = self.m.reg_type(s).into_struct_type();
            for k in 0..2 {
                let part = self.b().build_struct_gep(t, target, k, "part")?;
                let x = self.b().build_extract_value(v.into_struct_value(), k, "")?;
                self.combine(part, x, op, s.part())?;
            }
            return Ok(());
        }
        self.atomic_update(target, v, op.update(), s)
    }

    /// `*target = *target op v`, atomically (an element update of an array reduction).
    pub(super) fn atomic_update(
        &mut self,
        target: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        op: UpdateOp,
        s: Scalar,
    ) -> R<()> {
        use LLVMAtomicRMWBinOp::*;
        let float = s.is_float();
        // On the GPU a float `-=` adds the negated value (`x - v` is `x + -v` in IEEE
        // arithmetic): NVPTX has an atomic float addition, but a subtraction would be a
        // compare-exchange loop.
        let (op, v) = if float && op == UpdateOp::Sub && self.m.gpu.is_some() {
            let neg = self.b().build_float_neg(v.into_float_value(), "neg")?;
            (UpdateOp::Add, neg.into())
        } else {
            (op, v)
        };
        let rmw = match (op, float, s.is_signed()) {
            (UpdateOp::Add, true, _) => LLVMAtomicRMWBinOpFAdd,
            (UpdateOp::Add, false, _) => LLVMAtomicRMWBinOpAdd,
            (UpdateOp::Sub, true, _) => LLVMAtomicRMWBinOpFSub,
            (UpdateOp::Sub, false, _) => LLVMAtomicRMWBinOpSub,
            (UpdateOp::And, ..) => LLVMAtomicRMWBinOpAnd,
            (UpdateOp::Or, ..) => LLVMAtomicRMWBinOpOr,
            (UpdateOp::Xor, ..) => LLVMAtomicRMWBinOpXor,
            (UpdateOp::Min, true, _) => LLVMAtomicRMWBinOpFMin,
            (UpdateOp::Min, false, true) => LLVMAtomicRMWBinOpMin,
            (UpdateOp::Min, false, false) => LLVMAtomicRMWBinOpUMin,
            (UpdateOp::Max, true, _) => LLVMAtomicRMWBinOpFMax,
            (UpdateOp::Max, false, true) => LLVMAtomicRMWBinOpMax,
            (UpdateOp::Max, false, false) => LLVMAtomicRMWBinOpUMax,
            (UpdateOp::Mul, ..) => return self.combine_mul(target, v, s),
        };
        // SAFETY: the builder is positioned, `target` points at a value of `v`'s type.
        unsafe {
            LLVMBuildAtomicRMW(
                self.b().as_mut_ptr(),
                rmw,
                target.as_value_ref(),
                v.as_value_ref(),
                LLVMAtomicOrdering::LLVMAtomicOrderingMonotonic,
                0,
            );
        }
        Ok(())
    }

    /// `*=` has no `atomicrmw`: a compare-exchange loop on the value's bits.
    fn combine_mul(
        &mut self,
        target: PointerValue<'ctx>,
        v: BasicValueEnum<'ctx>,
        s: Scalar,
    ) -> R<()> {
        let bits = super::int_type(self.ctx(), s.bits());
        // Read the current bits atomically (`or 0` changes nothing).
        // SAFETY: the builder is positioned, `target` points at a value of `bits`' width.
        let current = unsafe {
            let r = LLVMBuildAtomicRMW(
                self.b().as_mut_ptr(),
                LLVMAtomicRMWBinOp::LLVMAtomicRMWBinOpOr,
                target.as_value_ref(),
                bits.const_zero().as_value_ref(),
                LLVMAtomicOrdering::LLVMAtomicOrderingMonotonic,
                0,
            );
            IntValue::new(r)
        };
        let pre = self.current_block()?;
        let head = self.new_block("mul.retry");
        let done = self.new_block("mul.done");
        self.b().build_unconditional_branch(head)?;
        self.b().position_at_end(head);
        let old = self.b().build_phi(bits, "old")?;
        old.add_incoming(&[(&current, pre)]);
        let old_bits = old.as_basic_value().into_int_value();
        let new_bits = if s.is_float() {
            let ft = self.m.reg_type(s).into_float_type();
            let o = self
                .b()
                .build_bit_cast(old_bits, ft, "")?
                .into_float_value();
            let n = self.b().build_float_mul(o, v.into_float_value(), "")?;
            self.b().build_bit_cast(n, bits, "")?.into_int_value()
        } else {
            self.b().build_int_mul(old_bits, v.into_int_value(), "")?
        };
        let r = self.b().build_cmpxchg(
            target,
            old_bits,
            new_bits,
            AtomicOrdering::Monotonic,
            AtomicOrdering::Monotonic,
        )?;
        let seen = self.b().build_extract_value(r, 0, "seen")?.into_int_value();
        let ok = self
            .b()
            .build_extract_value(r, 1, "swapped")?
            .into_int_value();
        let here = self.current_block()?;
        old.add_incoming(&[(&seen, here)]);
        self.b().build_conditional_branch(ok, done, head)?;
        self.b().position_at_end(done);
        Ok(())
    }
}

/// The value a reduction's partial result starts from (see [`Reduce::identity`]); each part of
/// a complex one starts from its part type's (a sum from `-0.0 - 0.0i`).
pub(super) fn identity<'ctx>(
    e: &FnEmitter<'_, '_, 'ctx>,
    op: Reduce,
    s: Scalar,
) -> BasicValueEnum<'ctx> {
    if s.is_complex() {
        let part = identity(e, op, s.part());
        return e.ctx().const_struct(&[part, part], false).into();
    }
    e.constant(Const {
        ty: s,
        bits: op.identity(s),
    })
}

/// The most bytes of private copies of reduced arrays a chunk keeps on its stack.
const PRIVATE_BYTES: u64 = 64 * 1024;
/// Private copies pay for themselves when the loop runs at least this many iterations per
/// element of the reduced arrays (each chunk fills and adds up a whole copy).
const ITERATIONS_PER_ELEMENT: u64 = 32;

/// How a chunk runs the element updates of its array reductions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Updates {
    /// On a private copy of each reduced array, added into the shared one at the chunk's end.
    Private,
    /// Atomically on the shared arrays.
    Atomic,
}

/// How the body of a `prange` loop uses the locals around it.
struct Sharing {
    /// Scalars read in the body and never written there: copied in by value.
    reads: Vec<LocalId>,
    /// Scalars updated only as reductions ([`ForRange::reductions`]): private accumulators
    /// combined at the end.
    reductions: Vec<(LocalId, Reduce)>,
    /// Arrays the body uses.
    arrays: Vec<LocalId>,
    /// The arrays the body reduces (its [`Stmt::Update`]s) and how their partial results combine.
    updated: Vec<(LocalId, Reduce)>,
}

impl Sharing {
    fn of(inst: &Instance, var: LocalId, range: &ForRange, body: &Block) -> Sharing {
        let inside = Uses::of(&inst.func, body);
        let mut reads: Vec<LocalId> = inside
            .reads
            .keys()
            .copied()
            .filter(|l| *l != var && !inside.writes.contains_key(l) && by_value(inst.local_ty(*l)))
            .collect();
        reads.sort();
        // Arrays passed to calls are read as locals.
        // The body's own arrays (assigned in it) are not shared.
        let mut arrays: Vec<LocalId> = inside
            .arrays
            .iter()
            .chain(inside.reads.keys())
            .copied()
            .filter(|l| {
                matches!(inst.local_ty(*l), Type::Array(_)) && !inside.writes.contains_key(l)
            })
            .collect();
        arrays.sort();
        arrays.dedup();
        Sharing {
            reads,
            reductions: range.reductions.clone(),
            arrays,
            updated: updated_arrays(body)
                .into_iter()
                .map(|(a, op)| (a, op.combine()))
                .collect(),
        }
    }
}

/// Whether a value of type `t` is copied into a body's environment: a scalar, or a struct or
/// tuple of such values.
fn by_value(t: Type) -> bool {
    match t {
        Type::Scalar(_) => true,
        Type::Tuple(t) => t.elems().iter().all(|&e| by_value(e)),
        Type::Unit | Type::Array(_) => false,
    }
}

/// The 8-byte slots of the environment a value of type `t` takes: its LLVM store size (a
/// `Complex<f64>`, a pair of floats, takes two), rounded up.
fn slots_of(t: BasicTypeEnum) -> u64 {
    size_align(t).0.div_ceil(8)
}

/// The size and alignment LLVM gives a value of type `t` in memory (natural alignment, as the
/// host's data layout has it for these types).
fn size_align(t: BasicTypeEnum) -> (u64, u64) {
    match t {
        BasicTypeEnum::StructType(s) => {
            let (mut end, mut align) = (0u64, 1u64);
            for f in s.get_field_types() {
                let (size, a) = size_align(f);
                end = end.next_multiple_of(a) + size;
                align = align.max(a);
            }
            (end.next_multiple_of(align), align)
        }
        BasicTypeEnum::IntType(i) => {
            let bytes = u64::from(i.get_bit_width()).div_ceil(8).next_power_of_two();
            (bytes, bytes)
        }
        BasicTypeEnum::FloatType(x) if x.get_bit_width() == 32 => (4, 4),
        _ => (8, 8),
    }
}
