//! Arrays and tuples as values: new arrays (`ExprKind::Alloc`), views, tuples, moves and drops.
//!
//! In: the typed IR's value constructs. Out: LLVM IR in which an array value is a first-class
//! struct `{ ptr data, i64 extents.., i64 strides.. (strided layouts only) }` and a tuple a struct
//! of its elements. A local holding an array or a tuple lives in an alloca of that struct.
//!
//! Ownership follows Rust's drop rules with a null data pointer as the drop flag: every local
//! that owns memory starts null; reading it as a value (a move: `let y = t`, `return t`,
//! `helper(t)`) leaves it null, extents zero; assigning it drops the value it held (unless the
//! new array is the same size, whose memory it reuses: a scratch row allocated per iteration
//! costs one allocation per chunk); every exit of the function (its end, `return`, a failed
//! check) drops what its locals still hold. Memory comes from the runtime's allocator
//! ([`abi::ALLOC`], [`abi::FREE`]).
//!
//! A fixed-size array `[T; N]` ([`Storage::Stack`]) is an LLVM `[N x T]` value instead: its
//! local is an alloca of it, indexed in place; reading the local as a value loads (copies) it,
//! as Rust copies a `[T; N]`. Passed to a helper, the caller hands over the address of its
//! elements and the callee copies them into its own slot.

use super::{ArrayVal, FnEmitter, Slot, R};
use crate::back::abi::{self, SiteKind};
use crate::back::BackError;
use crate::ir::*;
use inkwell::attributes::AttributeLoc;
use inkwell::types::{BasicType, BasicTypeEnum, StructType};
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::{AddressSpace, IntPredicate};

impl<'ctx> super::ModuleEmitter<'_, 'ctx> {
    /// The LLVM type of a value of type `t` in registers.
    pub(super) fn value_type(&self, t: Type) -> R<BasicTypeEnum<'ctx>> {
        Ok(match t {
            Type::Scalar(s) => self.reg_type(s),
            Type::Array(a) => match a.stack_len() {
                Some(n) => self.mem_type(a.elem).array_type(n).into(),
                None => self.array_struct(a).into(),
            },
            Type::Tuple(t) => {
                let elems = t
                    .elems()
                    .iter()
                    .map(|&e| self.value_type(e))
                    .collect::<R<Vec<_>>>()?;
                self.ctx.struct_type(&elems, false).into()
            }
            Type::Unit => return Err(BackError::Internal("a `()` value".into())),
        })
    }

    /// `{ ptr, i64 x ndim extents, i64 x ndim strides when strided }`.
    pub(super) fn array_struct(&self, a: ArrayType) -> StructType<'ctx> {
        let i64t: BasicTypeEnum = self.ctx.i64_type().into();
        let n = a.ndim as usize * if a.layout == Layout::Strided { 2 } else { 1 };
        let mut fields: Vec<BasicTypeEnum> =
            vec![self.ctx.ptr_type(AddressSpace::default()).into()];
        fields.extend(std::iter::repeat_n(i64t, n));
        self.ctx.struct_type(&fields, false)
    }

    /// An array value as a struct (a fixed-size array: its elements, loaded).
    pub(super) fn pack(&self, a: &ArrayVal<'ctx>) -> R<BasicValueEnum<'ctx>> {
        if let Some(n) = a.ty.stack_len() {
            let t = self.mem_type(a.ty.elem).array_type(n);
            return Ok(self.builder.build_load(t, a.data, "fixed")?);
        }
        let t = self.array_struct(a.ty);
        let mut v = t.get_undef();
        let mut fields: Vec<BasicValueEnum> = vec![a.data.into()];
        fields.extend(a.shape.iter().map(|x| BasicValueEnum::from(*x)));
        if a.ty.layout == Layout::Strided {
            fields.extend(a.strides.iter().map(|x| BasicValueEnum::from(*x)));
        }
        for (k, f) in fields.into_iter().enumerate() {
            v = self
                .builder
                .build_insert_value(v, f, k as u32, "")?
                .into_struct_value();
        }
        Ok(v.into())
    }

    /// A struct holding an array of type `ty`, as an array value.
    pub(super) fn unpack(&self, ty: ArrayType, v: BasicValueEnum<'ctx>) -> R<ArrayVal<'ctx>> {
        let s = v.into_struct_value();
        let field = |k: u32| {
            self.builder
                .build_extract_value(s, k, "")
                .map_err(BackError::from)
        };
        let data = field(0)?.into_pointer_value();
        let n = ty.ndim as u32;
        let shape = (0..n)
            .map(|d| Ok(field(1 + d)?.into_int_value()))
            .collect::<R<Vec<_>>>()?;
        let strides = match ty.layout {
            Layout::Strided => (0..n)
                .map(|d| Ok(field(1 + n + d)?.into_int_value()))
                .collect::<R<Vec<_>>>()?,
            Layout::Contig => self.c_strides(&shape)?,
        };
        Ok(ArrayVal {
            ty,
            data,
            shape,
            strides,
        })
    }

    /// The strides of a C-order array of these extents.
    pub(super) fn c_strides(&self, shape: &[IntValue<'ctx>]) -> R<Vec<IntValue<'ctx>>> {
        let mut s = vec![self.ctx.i64_type().const_int(1, false); shape.len()];
        for d in (0..shape.len()).rev().skip(1) {
            s[d] = self.builder.build_int_mul(s[d + 1], shape[d + 1], "")?;
        }
        Ok(s)
    }

    /// Writes the entry's result `v` of type `t` at byte `offset` of the `ret` buffer.
    pub(super) fn store_result(
        &mut self,
        ret: PointerValue<'ctx>,
        offset: u64,
        t: Type,
        v: BasicValueEnum<'ctx>,
    ) -> R<()> {
        let ctx = self.ctx;
        let (i8t, i64t) = (ctx.i8_type(), ctx.i64_type());
        // SAFETY: a GEP without `inbounds` only computes an address: byte `off` of the `ret`
        // buffer, which holds `abi::ret_size` bytes for the entry's result.
        let at = |e: &Self, off: u64| unsafe {
            e.builder
                .build_gep(i8t, ret, &[i64t.const_int(off, false)], "")
        };
        match t {
            Type::Unit => {}
            Type::Scalar(s) => {
                let v = self.to_mem(s, v)?;
                let store = self.builder.build_store(at(self, offset)?, v)?;
                super::slot_aligned(store, s)?;
            }
            Type::Array(a) if a.stack_len().is_some() => {
                return Err(BackError::Internal(format!("a kernel result of type {a}")));
            }
            Type::Array(a) => {
                let a = self.unpack(a, v)?;
                self.builder.build_store(at(self, offset)?, a.data)?;
                let ndim = i64t.const_int(a.shape.len() as u64, false);
                self.builder.build_store(at(self, offset + 8)?, ndim)?;
                for (d, (&n, &s)) in a.shape.iter().zip(&a.strides).enumerate() {
                    let d = d as u64 * 8;
                    self.builder
                        .build_store(at(self, offset + abi::ARRAY_SHAPE + d)?, n)?;
                    self.builder
                        .build_store(at(self, offset + abi::ARRAY_STRIDES + d)?, s)?;
                }
            }
            Type::Tuple(tt) => {
                let mut off = offset;
                for (k, &e) in tt.elems().iter().enumerate() {
                    let x =
                        self.builder
                            .build_extract_value(v.into_struct_value(), k as u32, "")?;
                    self.store_result(ret, off, e, x)?;
                    off += abi::ret_size(e);
                }
            }
        }
        Ok(())
    }

    /// The runtime function `name` of type `f`, declared once.
    pub(super) fn runtime_fn(
        &self,
        name: &str,
        f: inkwell::types::FunctionType<'ctx>,
    ) -> FunctionValue<'ctx> {
        self.module
            .get_function(name)
            .unwrap_or_else(|| self.module.add_function(name, f, None))
    }
}

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// Allocas for the locals of type `t` (arrays and tuples) among `locals`, those that own
    /// memory set to null: their slots.
    pub(super) fn value_slots(
        &self,
        slots: &mut [Slot<'ctx>],
        locals: impl Iterator<Item = LocalId>,
    ) -> R<()> {
        for l in locals {
            let t = self.inst.local_ty(l);
            // Scalars have their slots; shared arrays and parameters may have theirs.
            let taken = matches!(slots[l.index()], Slot::Array(_) | Slot::Scalar(..));
            let fixed = t.array().is_some_and(|a| a.stack_len().is_some());
            if matches!(t, Type::Scalar(_) | Type::Unit) || (taken && !t.owns() && !fixed) {
                continue;
            }
            let lt = self.m.value_type(t)?;
            let p = self.entry_alloca(lt, &self.inst.func.local(l).name)?;
            if t.owns() {
                self.b().build_store(p, lt.const_zero())?;
            }
            slots[l.index()] = Slot::Value(p, t);
        }
        Ok(())
    }

    /// The value in a local's slot; a value that owns memory moves out (the slot is left null).
    pub(super) fn read_local(&self, l: LocalId) -> R<BasicValueEnum<'ctx>> {
        match &self.slots[l.index()] {
            Slot::Value(p, t) => {
                let lt = self.m.value_type(*t)?;
                let v = self.b().build_load(lt, *p, &self.inst.func.local(l).name)?;
                if t.owns() {
                    self.b().build_store(*p, lt.const_zero())?;
                }
                Ok(v)
            }
            Slot::Array(a) => self.m.pack(a),
            Slot::Scalar(..) | Slot::None => {
                Err(BackError::Internal(format!("{l} is not an array or tuple")))
            }
        }
    }

    /// `local = v` for an array or tuple local: drops what it held, then stores `v`.
    pub(super) fn assign_value(&mut self, l: LocalId, v: BasicValueEnum<'ctx>) -> R<()> {
        let Slot::Value(p, t) = self.slots[l.index()] else {
            return Err(BackError::Internal(format!("{l} has no value slot")));
        };
        if t.owns() {
            let old = self.b().build_load(self.m.value_type(t)?, p, "old")?;
            self.drop_value(t, old)?;
        }
        self.b().build_store(p, v)?;
        Ok(())
    }

    /// Frees the memory a value of type `t` owns.
    pub(super) fn drop_value(&mut self, t: Type, v: BasicValueEnum<'ctx>) -> R<()> {
        match t {
            Type::Array(a) if a.is_owned() => {
                let a = self.m.unpack(a, v)?;
                let bytes = self.bytes(&a)?;
                let start = self.allocation(&a)?;
                self.free(start, bytes, a.ty.elem)
            }
            Type::Tuple(tt) => {
                for (k, &e) in tt.elems().iter().enumerate() {
                    if e.owns() {
                        let x =
                            self.b()
                                .build_extract_value(v.into_struct_value(), k as u32, "")?;
                        self.drop_value(e, x)?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Drops what every local of this function still owns (at each of its exits).
    pub(super) fn drop_locals(&mut self) -> R<()> {
        let owning: Vec<(PointerValue<'ctx>, Type)> = self
            .slots
            .iter()
            .filter_map(|s| match s {
                Slot::Value(p, t) if t.owns() => Some((*p, *t)),
                _ => None,
            })
            .collect();
        for (p, t) in owning {
            let v = self.b().build_load(self.m.value_type(t)?, p, "")?;
            self.drop_value(t, v)?;
        }
        Ok(())
    }

    /// Where an owned array's memory starts: its first element, or for a strided one (ndarray's
    /// layout of an operand, [`AllocShape::LayoutOf`], reversed axes included) its lowest.
    fn allocation(&self, a: &ArrayVal<'ctx>) -> R<PointerValue<'ctx>> {
        if a.ty.layout == Layout::Contig {
            return Ok(a.data);
        }
        let low = self.low_offset(a)?;
        let t = self.m.mem_type(a.ty.elem);
        // SAFETY: the lowest element of the array (a null, moved-out array has no extents, so
        // the offset is zero).
        Ok(unsafe { self.b().build_gep(t, a.data, &[low], "allocation")? })
    }

    /// An element's size in bytes, as an `i64`.
    fn elem_size(&self, e: Elem) -> IntValue<'ctx> {
        self.ctx().i64_type().const_int(e.size() as u64, false)
    }

    /// The alignment of an allocation of these elements, as an `i64` (`Elem::alloc_align`).
    fn elem_align(&self, e: Elem) -> IntValue<'ctx> {
        self.ctx()
            .i64_type()
            .const_int(e.alloc_align() as u64, false)
    }

    fn bytes(&self, a: &ArrayVal<'ctx>) -> R<IntValue<'ctx>> {
        let n = self.elements(a)?;
        Ok(self
            .b()
            .build_int_mul(n, self.elem_size(a.ty.elem), "bytes")?)
    }

    /// Frees the allocation at `p` (`bytes` of elements `e`), when `p` is not null: an owned
    /// local that holds no array yet (its first assignment, a value moved out) has a null
    /// pointer, and the test lets LLVM drop the call where it knows that, as it cannot drop an
    /// external call (two calls of `rumba_free` on every call of a kernel returning a new array).
    fn free(&mut self, p: PointerValue<'ctx>, bytes: IntValue<'ctx>, e: Elem) -> R<()> {
        let ctx = self.ctx();
        let (ptr, i64t) = (ctx.ptr_type(AddressSpace::default()), ctx.i64_type());
        let t = ctx
            .void_type()
            .fn_type(&[ptr.into(), i64t.into(), i64t.into()], false);
        let f = self.m.runtime_fn(abi::FREE, t);
        let (held, done) = (self.new_block("free"), self.new_block("freed"));
        let b = self.b();
        let null = b.build_is_null(p, "null")?;
        b.build_conditional_branch(null, done, held)?;
        b.position_at_end(held);
        b.build_call(f, &[p.into(), bytes.into(), self.elem_align(e).into()], "")?;
        b.build_unconditional_branch(done)?;
        b.position_at_end(done);
        Ok(())
    }

    /// The elements of a fixed-size array of type `ty` at `data`, as an array.
    pub(super) fn fixed_at(&self, ty: ArrayType, data: PointerValue<'ctx>) -> ArrayVal<'ctx> {
        let i64t = self.ctx().i64_type();
        ArrayVal {
            ty,
            data,
            shape: vec![i64t.const_int(u64::from(ty.stack_len().unwrap_or(0)), false)],
            strides: vec![i64t.const_int(1, false)],
        }
    }

    /// An array value `v` of type `ty` as an [`ArrayVal`] (a fixed-size array is stored in a
    /// stack slot of its own first).
    pub(super) fn array_value(&self, ty: ArrayType, v: BasicValueEnum<'ctx>) -> R<ArrayVal<'ctx>> {
        if ty.stack_len().is_none() {
            return self.m.unpack(ty, v);
        }
        let p = self.entry_alloca(v.get_type(), "fixed")?;
        self.b().build_store(p, v)?;
        Ok(self.fixed_at(ty, p))
    }

    /// Writes the first elements of a new fixed-size array of type `ty` (`[v; N]`, `[a, b]`,
    /// `zeros`) at `at`, every value evaluated before the first store (`a = [a[1], a[0]]`).
    pub(super) fn fill_fixed(
        &mut self,
        ty: ArrayType,
        init: &Init,
        at: PointerValue<'ctx>,
    ) -> R<()> {
        let n = ty.stack_len().unwrap_or(0);
        let t = self.m.mem_type(ty.elem);
        let i64t = self.ctx().i64_type();
        let one_value = match init {
            // A small array on the stack: zeroed even where its elements are all written first.
            Init::Zeros | Init::Uninit => {
                let zero = self.m.value_type(Type::Array(ty))?.const_zero();
                self.b().build_store(at, zero)?;
                return Ok(());
            }
            Init::Elem(v) => Some(self.expr(*v)?),
            Init::Ones => Some(self.constant(Const::one(super::scalar_elem(ty)?))),
            Init::Each(_) => None,
            Init::Copy(_) | Init::Resize(_) => {
                return Err(BackError::Internal("a copy into a `[T; N]`".into()))
            }
        };
        let values = match (init, one_value) {
            (Init::Each(vs), _) => vs.iter().map(|&v| self.expr(v)).collect::<R<Vec<_>>>()?,
            (_, Some(v)) if n <= 16 => vec![v; n as usize],
            (_, Some(v)) => {
                let v = self.m.to_mem(ty.elem, v)?;
                let count = i64t.const_int(u64::from(n), false);
                return self.counted(count, |e, j| {
                    // SAFETY: `j < N`, the array's length.
                    let p = unsafe { e.b().build_gep(t, at, &[j], "")? };
                    e.b().build_store(p, v)?;
                    Ok(())
                });
            }
            (_, None) => Vec::new(),
        };
        for (k, v) in values.into_iter().enumerate() {
            let v = self.m.to_mem(ty.elem, v)?;
            // SAFETY: `k < N`, the array's length.
            let p = unsafe {
                self.b()
                    .build_gep(t, at, &[i64t.const_int(k as u64, false)], "")?
            };
            self.b().build_store(p, v)?;
        }
        Ok(())
    }

    /// A new array (`ExprKind::Alloc`) of type `ty`; `reuse` is the local it is assigned to,
    /// whose memory it takes over when it has the same size (dropping it otherwise).
    pub(super) fn alloc(
        &mut self,
        ty: ArrayType,
        shape: &AllocShape,
        init: &Init,
        span: crate::span::Span,
        reuse: Option<LocalId>,
    ) -> R<BasicValueEnum<'ctx>> {
        if ty.stack_len().is_some() {
            let t = self.m.value_type(Type::Array(ty))?;
            let p = self.entry_alloca(t, "fixed")?;
            self.fill_fixed(ty, init, p)?;
            return Ok(self.b().build_load(t, p, "")?);
        }
        let ctx = self.ctx();
        let i64t = ctx.i64_type();
        let fill = match init {
            Init::Elem(v) => Some(self.expr(*v)?),
            Init::Ones => Some(self.constant(Const::one(super::scalar_elem(ty)?))),
            Init::Zeros | Init::Uninit | Init::Copy(_) | Init::Each(_) | Init::Resize(_) => None,
        };
        let each = match init {
            Init::Each(vs) => vs
                .iter()
                .map(|&v| {
                    let x = self.expr(v)?;
                    self.m.to_mem(ty.elem, x)
                })
                .collect::<R<Vec<_>>>()?,
            _ => Vec::new(),
        };
        let dims = match shape {
            AllocShape::Dims(d) => d
                .iter()
                .map(|&x| Ok(self.expr(x)?.into_int_value()))
                .collect::<R<Vec<_>>>()?,
            AllocShape::Like(a) | AllocShape::LayoutOf(a) => self.array(*a)?.shape,
            AllocShape::Fixed(_) => {
                return Err(BackError::Internal("a fixed length on the heap".into()))
            }
        };
        // Elements and bytes, checked against `isize::MAX` (ndarray's and `Vec`'s limits).
        let umul = self.overflow_intrinsic("llvm.umul.with.overflow")?;
        let mut count = i64t.const_int(1, false);
        let mut overflow = ctx.bool_type().const_zero();
        for &d in dims.iter().chain(std::iter::once(&self.elem_size(ty.elem))) {
            let r = self
                .call_value(umul, &[count.into(), d.into()], "")?
                .into_struct_value();
            count = self.b().build_extract_value(r, 0, "")?.into_int_value();
            let o = self.b().build_extract_value(r, 1, "")?.into_int_value();
            overflow = self.b().build_or(overflow, o, "")?;
        }
        let bytes = count;
        let huge = self.b().build_int_compare(
            IntPredicate::UGT,
            bytes,
            i64t.const_int(isize::MAX as u64, false),
            "",
        )?;
        let bad = self.b().build_or(overflow, huge, "")?;
        let elements = self
            .b()
            .build_int_unsigned_div(bytes, self.elem_size(ty.elem), "")?;
        let reported = self
            .b()
            .build_select(bad, i64t.const_all_ones(), elements, "")?
            .into_int_value();
        let site = self.site(SiteKind::Alloc, span);
        let ok = self.b().build_not(bad, "")?;
        self.check(ok, site, &[reported])?;
        let zeroed = matches!(init, Init::Zeros);
        let data = match init {
            Init::Resize(v) => self.resized(ty, *v, bytes)?,
            _ => self.memory(ty, bytes, reuse, zeroed)?,
        };
        let got = self.b().build_is_not_null(data, "")?;
        self.check(got, site, &[reported])?;
        // The array in C order at the allocation, or (`LayoutOf` a strided operand) the
        // operand's strides where it is contiguous, ndarray's `map`: the same offsets as there.
        let c = ArrayVal {
            ty,
            data,
            strides: self.m.c_strides(&dims)?,
            shape: dims,
        };
        let kept = match shape {
            AllocShape::LayoutOf(x) if ty.layout == Layout::Strided => {
                let src = self.array(*x)?;
                let contiguous = self.contiguous(&src)?;
                Some((src, contiguous))
            }
            _ => None,
        };
        let t = self.m.mem_type(ty.elem);
        for (k, v) in each.into_iter().enumerate() {
            // SAFETY: `k` is below the number of values, which the extents equal.
            let p = unsafe {
                self.b()
                    .build_gep(t, data, &[i64t.const_int(k as u64, false)], "")?
            };
            self.b().build_store(p, v)?;
        }
        match (init, fill) {
            (Init::Copy(src), _) => match &kept {
                Some((from, contiguous)) => {
                    let memory = self.new_block("copy.memory");
                    let logical = self.new_block("copy.logical");
                    let done = self.new_block("copy.done");
                    let b = self.b();
                    b.build_conditional_branch(*contiguous, memory, logical)?;
                    b.position_at_end(memory);
                    // The same strides: the memory copied as it lies, from its lowest address.
                    let low = self.low_offset(from)?;
                    // SAFETY: the lowest element of the contiguous operand.
                    let start = unsafe { self.b().build_gep(t, from.data, &[low], "low")? };
                    let align = ty.elem.alloc_align() as u32;
                    self.b().build_memcpy(data, align, start, align, bytes)?;
                    self.b().build_unconditional_branch(done)?;
                    self.b().position_at_end(logical);
                    self.copy_into(&c, *src)?;
                    self.b().build_unconditional_branch(done)?;
                    self.b().position_at_end(done);
                }
                None => self.copy_into(&c, *src)?,
            },
            (_, Some(v)) => {
                let v = self.m.to_mem(ty.elem, v)?;
                let n = self.elements(&c)?;
                let t = self.m.mem_type(ty.elem);
                self.counted(n, |e, j| {
                    // SAFETY: `j` is below the new array's number of elements.
                    let p = unsafe { e.b().build_gep(t, data, &[j], "")? };
                    e.b().build_store(p, v)?;
                    Ok(())
                })?;
            }
            // Zeroed by `memory`.
            (_, None) => {}
        }
        let a = match kept {
            Some((from, contiguous)) => self.kept_layout(c, &from, contiguous)?,
            None => c,
        };
        self.m.pack(&a)
    }

    /// The memory of the owned 1-D array `v` reads (moving it out of its local, so that the
    /// local's drop and a reuse of its memory see nothing), reallocated to `bytes`
    /// ([`abi::REALLOC`]): null when that fails (the old memory then freed).
    fn resized(
        &mut self,
        ty: ArrayType,
        v: ExprId,
        bytes: IntValue<'ctx>,
    ) -> R<PointerValue<'ctx>> {
        let old = self.expr(v)?;
        let old = self.m.unpack(ty, old)?;
        let old_bytes = self.bytes(&old)?;
        let ctx = self.ctx();
        let (ptr, i64t) = (ctx.ptr_type(AddressSpace::default()), ctx.i64_type());
        let t = ptr.fn_type(&[ptr.into(), i64t.into(), i64t.into(), i64t.into()], false);
        let realloc = self.m.runtime_fn(abi::REALLOC, t);
        realloc.add_attribute(AttributeLoc::Return, self.m.attr("noalias"));
        let align = self.elem_align(ty.elem);
        Ok(self
            .call_value(
                realloc,
                &[
                    old.data.into(),
                    old_bytes.into(),
                    bytes.into(),
                    align.into(),
                ],
                "resized",
            )?
            .into_pointer_value())
    }

    /// The new array `c` (C order at its allocation) with the strides of `from` where
    /// `contiguous` holds: its first element then lies as far from the lowest address as
    /// `from`'s does.
    fn kept_layout(
        &self,
        c: ArrayVal<'ctx>,
        from: &ArrayVal<'ctx>,
        contiguous: IntValue<'ctx>,
    ) -> R<ArrayVal<'ctx>> {
        let b = self.b();
        let zero = self.ctx().i64_type().const_zero();
        let low = self.low_offset(from)?;
        let back = b.build_int_neg(low, "")?;
        let back = b.build_select(contiguous, back, zero, "")?.into_int_value();
        let t = self.m.mem_type(c.ty.elem);
        // SAFETY: `back` is below the number of elements (the distance from the lowest address
        // of a contiguous array to its first element), zero otherwise.
        let data = unsafe { b.build_gep(t, c.data, &[back], "first")? };
        let strides = c
            .strides
            .iter()
            .zip(&from.strides)
            .map(|(&cs, &fs)| Ok(b.build_select(contiguous, fs, cs, "")?.into_int_value()))
            .collect::<R<Vec<_>>>()?;
        Ok(ArrayVal { data, strides, ..c })
    }

    /// `bytes` of memory for a new array (all zero bytes when `zeroed`): the old array of local
    /// `reuse` when it is as large, else a fresh allocation (the old one freed); null when the
    /// allocator fails.
    fn memory(
        &mut self,
        ty: ArrayType,
        bytes: IntValue<'ctx>,
        reuse: Option<LocalId>,
        zeroed: bool,
    ) -> R<PointerValue<'ctx>> {
        let ctx = self.ctx();
        let (ptr, i64t) = (ctx.ptr_type(AddressSpace::default()), ctx.i64_type());
        let t = ptr.fn_type(&[i64t.into(), i64t.into()], false);
        let name = if zeroed {
            abi::ALLOC_ZEROED
        } else {
            abi::ALLOC
        };
        let alloc = self.m.runtime_fn(name, t);
        // Fresh memory, as `malloc`'s: stores into it do not touch what the function reads
        // through its other pointers (the error record's flag, loaded after each call that can
        // fail, then stays out of a loop that fills a new array, which can vectorize).
        alloc.add_attribute(AttributeLoc::Return, self.m.attr("noalias"));
        let align = self.elem_align(ty.elem);
        let Some(Slot::Value(slot, slot_ty)) = reuse.map(|l| self.slots[l.index()].clone()) else {
            return Ok(self
                .call_value(alloc, &[bytes.into(), align.into()], "new")?
                .into_pointer_value());
        };
        let Type::Array(old_ty) = slot_ty else {
            return Err(BackError::Internal("reuse of a non-array".into()));
        };
        let old = self
            .b()
            .build_load(self.m.value_type(slot_ty)?, slot, "old")?;
        let old = self.m.unpack(old_ty, old)?;
        let old = ArrayVal {
            data: self.allocation(&old)?,
            ..old
        };
        let old_bytes = self.bytes(&old)?;
        let same = self
            .b()
            .build_int_compare(IntPredicate::EQ, old_bytes, bytes, "")?;
        let live = self.b().build_is_not_null(old.data, "")?;
        let keep = self.b().build_and(same, live, "reuse")?;
        let reuse_bb = self.new_block("alloc.reuse");
        let fresh_bb = self.new_block("alloc.fresh");
        let join = self.new_block("alloc.done");
        self.b()
            .build_conditional_branch(keep, reuse_bb, fresh_bb)?;
        self.b().position_at_end(reuse_bb);
        if zeroed {
            let zero = ctx.i8_type().const_zero();
            self.b()
                .build_memset(old.data, ty.elem.alloc_align() as u32, zero, bytes)?;
        }
        self.b().build_unconditional_branch(join)?;
        self.b().position_at_end(fresh_bb);
        self.free(old.data, old_bytes, ty.elem)?;
        // The slot no longer owns the old memory (a failed allocation must not free it again).
        self.b()
            .build_store(slot, self.m.value_type(slot_ty)?.const_zero())?;
        let new = self
            .call_value(alloc, &[bytes.into(), align.into()], "new")?
            .into_pointer_value();
        let fresh_end = self.current_block()?;
        self.b().build_unconditional_branch(join)?;
        self.b().position_at_end(join);
        let phi = self.b().build_phi(ptr, "data")?;
        phi.add_incoming(&[(&old.data, reuse_bb), (&new, fresh_end)]);
        // The memory now belongs to the new value, not to the slot.
        self.b()
            .build_store(slot, self.m.value_type(slot_ty)?.const_zero())?;
        Ok(phi.as_basic_value().into_pointer_value())
    }

    /// Copies the elements of array `src`, in logical order, into the new C-order array `a`.
    fn copy_into(&mut self, a: &ArrayVal<'ctx>, src: LocalId) -> R<()> {
        let s = self.array(src)?;
        let t = self.m.mem_type(a.ty.elem);
        let n = self.elements(a)?;
        if s.ty.layout == Layout::Contig {
            let bytes = self.bytes(a)?;
            let align = a.ty.elem.alloc_align() as u32;
            self.b().build_memcpy(a.data, align, s.data, align, bytes)?;
            return Ok(());
        }
        self.counted(n, |e, j| {
            // Element `j` in C order: its index on each axis, then its offset in `src`.
            let mut rest = j;
            let mut offset = e.ctx().i64_type().const_zero();
            for d in (0..s.shape.len()).rev() {
                let at = e.b().build_int_unsigned_rem(rest, s.shape[d], "")?;
                rest = e.b().build_int_unsigned_div(rest, s.shape[d], "")?;
                let step = e.b().build_int_mul(at, s.strides[d], "")?;
                offset = e.b().build_int_add(offset, step, "")?;
            }
            // SAFETY: `offset` addresses an element of `src` (every index is below its extent),
            // `j` one of the new array's.
            let (from, to) = unsafe {
                (
                    e.b().build_gep(t, s.data, &[offset], "")?,
                    e.b().build_gep(t, a.data, &[j], "")?,
                )
            };
            let v = e.b().build_load(t, from, "")?;
            e.b().build_store(to, v)?;
            Ok(())
        })
    }

    /// The value a call of `f` returns.
    fn call_value(
        &self,
        f: FunctionValue<'ctx>,
        args: &[inkwell::values::BasicMetadataValueEnum<'ctx>],
        name: &str,
    ) -> R<BasicValueEnum<'ctx>> {
        self.b()
            .build_call(f, args, name)?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal("a call without a value".into()))
    }

    fn overflow_intrinsic(&self, name: &str) -> R<FunctionValue<'ctx>> {
        let i64t = self.ctx().i64_type();
        inkwell::intrinsics::Intrinsic::find(name)
            .and_then(|i| i.get_declaration(&self.m.module, &[i64t.into()]))
            .ok_or_else(|| BackError::Internal(format!("no intrinsic {name}")))
    }

    /// A view of part of `array` (`ExprKind::Slice`), of type `ty`, with ndarray's rules: bounds
    /// checked against the extents, a negative step walking from the back.
    pub(super) fn slice(
        &mut self,
        ty: ArrayType,
        array: LocalId,
        axes: &[SliceAxis],
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        let a = self.array(array)?;
        let i64t = self.ctx().i64_type();
        let (zero, one) = (i64t.const_zero(), i64t.const_int(1, false));
        let name = self.inst.func.local(array).name.clone();
        let mut offset = zero;
        let (mut shape, mut strides) = (Vec::new(), Vec::new());
        let mut axis = 0usize;
        for x in axes {
            if !x.takes_axis() {
                shape.push(one);
                strides.push(zero);
                continue;
            }
            let (len, stride) = (a.shape[axis], a.strides[axis]);
            let axis_v = i64t.const_int(axis as u64, false);
            let bound = |e: &mut Self, b: &Bound, index: bool| -> R<IntValue<'ctx>> {
                let v = e.expr(b.value)?.into_int_value();
                let at = match b.from_end {
                    true => e.b().build_int_sub(len, v, "")?,
                    false => v,
                };
                let pred = if index {
                    IntPredicate::ULT
                } else {
                    IntPredicate::ULE
                };
                let ok = e.b().build_int_compare(pred, at, len, "")?;
                // An underflow of `len - v` wraps to a huge position, which fails the test too.
                let ok = match b.from_end {
                    true => {
                        let fits = e.b().build_int_compare(IntPredicate::ULE, v, len, "")?;
                        e.b().build_and(ok, fits, "")?
                    }
                    false => ok,
                };
                let site = e.site(
                    SiteKind::SliceBounds {
                        array: name.clone(),
                    },
                    span,
                );
                e.check(ok, site, &[at, len, axis_v])?;
                Ok(at)
            };
            match x {
                SliceAxis::Index(b) => {
                    let i = bound(self, b, true)?;
                    let step = self.b().build_int_mul(i, stride, "")?;
                    offset = self.b().build_int_add(offset, step, "")?;
                }
                SliceAxis::Range { start, end, step } => {
                    let s = match start {
                        Some(b) => bound(self, b, false)?,
                        None => zero,
                    };
                    let e = match end {
                        Some(b) => bound(self, b, false)?,
                        None => len,
                    };
                    let b = self.b();
                    let longer = b.build_int_compare(IntPredicate::UGT, e, s, "")?;
                    let e = b.build_select(longer, e, s, "")?.into_int_value();
                    let m = b.build_int_sub(e, s, "")?;
                    let k = i64t.const_int(step.unsigned_abs(), false);
                    let km1 = i64t.const_int(step.unsigned_abs() - 1, false);
                    let n = b.build_int_unsigned_div(b.build_int_add(m, km1, "")?, k, "")?;
                    let first = if *step < 0 {
                        b.build_int_sub(e, one, "")?
                    } else {
                        s
                    };
                    let first = b.build_select(longer, first, zero, "")?.into_int_value();
                    let at = b.build_int_mul(first, stride, "")?;
                    offset = b.build_int_add(offset, at, "")?;
                    shape.push(n);
                    let st = i64t.const_int(*step as u64, true);
                    strides.push(b.build_int_mul(stride, st, "")?);
                }
                SliceAxis::NewAxis => {}
            }
            axis += 1;
        }
        let t = self.m.mem_type(a.ty.elem);
        // SAFETY: a GEP without `inbounds` only computes an address; the view's elements lie in
        // `array` (every bound was checked against its extent).
        let data = unsafe { self.b().build_gep(t, a.data, &[offset], "view")? };
        self.m.pack(&ArrayVal {
            ty,
            data,
            shape,
            strides,
        })
    }

    /// `x.t()`: the same elements, the axes reversed.
    pub(super) fn transpose(&mut self, ty: ArrayType, array: LocalId) -> R<BasicValueEnum<'ctx>> {
        let mut a = self.array(array)?;
        a.shape.reverse();
        a.strides.reverse();
        a.ty = ty;
        self.m.pack(&a)
    }

    /// `(a, b, ..)` as a struct.
    pub(super) fn tuple(&mut self, t: Type, xs: &[ExprId]) -> R<BasicValueEnum<'ctx>> {
        let st = self.m.value_type(t)?.into_struct_type();
        let mut v = st.get_undef();
        for (k, &x) in xs.iter().enumerate() {
            let xv = self.expr(x)?;
            v = self
                .b()
                .build_insert_value(v, xv, k as u32, "")?
                .into_struct_value();
        }
        Ok(v.into())
    }

    /// Element `k` of a tuple; the other elements that own memory are dropped (a partial move).
    pub(super) fn field(&mut self, x: ExprId, k: u32) -> R<BasicValueEnum<'ctx>> {
        let Type::Tuple(tt) = self.inst.ty(x) else {
            return Err(BackError::Internal("field of a non-tuple".into()));
        };
        let v = self.expr(x)?.into_struct_value();
        for (j, &e) in tt.elems().iter().enumerate() {
            if j as u32 != k && e.owns() {
                let other = self.b().build_extract_value(v, j as u32, "")?;
                self.drop_value(e, other)?;
            }
        }
        Ok(self.b().build_extract_value(v, k, "")?)
    }
}
