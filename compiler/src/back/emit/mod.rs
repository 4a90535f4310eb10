//! Typed IR -> LLVM IR.
//!
//! In: a verified [`TypedProgram`] and the [`TargetSpec`] whose CPU and features every function
//! carries. Out: an unoptimized LLVM module with one internal function per instance and the
//! external entry point of [`abi`](super::abi), plus the site table of its run-time checks.
//!
//! Locals are allocas (mem2reg makes SSA); structured statements become basic blocks; a failed
//! check records its site in the `err` argument and returns, and callers re-check after each call.
//! Array arguments become a `noalias` data pointer (`readonly` when not writable) plus `i64`
//! extents and, for strided layouts, `i64` element strides.

mod debug;
mod expr;
mod gemm;
mod gpu;

pub use gpu::GpuMode;
mod hints;
mod layout;
mod math;
mod owned;
mod parallel;
mod stmt;
mod vecmath;

use super::abi::{self, Site, SiteKind};
use super::target::TargetSpec;
use super::BackError;
use crate::ir::*;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum};
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::{AddressSpace, IntPredicate};
use std::collections::HashSet;

type R<T> = Result<T, BackError>;

/// An emitted module and the checks it can report.
pub struct Emitted<'ctx> {
    pub module: Module<'ctx>,
    pub sites: Vec<Site>,
    /// GPU grid kernels: the state cells of the grid loop's reductions (see
    /// [`abi::GPU_CELLS`]), one per reduction (two for a complex sum, one per part), with the
    /// operator and the type the cell holds (the reduced variable's, a complex one's part type).
    pub cells: Vec<(Reduce, Scalar)>,
    /// Whether a branch into a checked loop copy that versioning keeps was marked unlikely
    /// ([`ForRange::cold`]): the CPU optimizer then outlines those copies
    /// (`target::optimize_at`).
    pub cold: bool,
}

/// Emits every instance of `program` and the entry point. With `debug_source` (the path of the
/// file whose lines the spans are), the module carries DWARF line tables ([`debug`]).
pub fn emit<'ctx>(
    ctx: &'ctx Context,
    program: &TypedProgram,
    target: &TargetSpec,
    name: &str,
    debug_source: Option<&str>,
) -> R<Emitted<'ctx>> {
    emit_for(ctx, program, target, name, None, debug_source)
}

/// Emits every instance of `program` and the GPU kernel entry point
/// [`KERNEL`](super::gpu::KERNEL), for an NVPTX `target` (see [`super::gpu`]).
pub fn emit_gpu<'ctx>(
    ctx: &'ctx Context,
    program: &TypedProgram,
    target: &TargetSpec,
    name: &str,
    mode: GpuMode,
) -> R<Emitted<'ctx>> {
    emit_for(ctx, program, target, name, Some(mode), None)
}

fn emit_for<'ctx>(
    ctx: &'ctx Context,
    program: &TypedProgram,
    target: &TargetSpec,
    name: &str,
    gpu: Option<GpuMode>,
    debug_source: Option<&str>,
) -> R<Emitted<'ctx>> {
    let module = ctx.create_module(name);
    let debug = debug_source.map(|path| debug::Debug::new(ctx, &module, path));
    let mut m = ModuleEmitter {
        debug,
        ctx,
        module,
        builder: ctx.create_builder(),
        functions: Vec::new(),
        sites: Vec::new(),
        target,
        keep: Vec::new(),
        gpu,
        cells: Vec::new(),
        recursive: crate::ir::walk::recursive(program),
        cold: false,
        wide: false,
    };
    for (i, inst) in program.instances.values().enumerate() {
        let f = m.declare(inst, i)?;
        m.functions.push(f);
    }
    for (i, inst) in program.instances.values().enumerate() {
        let f = m.functions[i];
        let depth = match m.recursive[i] {
            true => Some(param_int(f, f.count_params() - 2)?),
            false => None,
        };
        FnEmitter::emit(
            &mut m,
            program,
            inst,
            f,
            depth,
            match (i, gpu) {
                (0, Some(GpuMode::Grid)) => Prange::Grid,
                (0, None) => Prange::Threads,
                _ => Prange::Serial,
            },
        )?;
    }
    match gpu {
        None => m.entry(program.entry())?,
        Some(_) => m.kernel_entry(program.entry())?,
    }
    if m.wide {
        m.wide_vectors();
    }
    m.keep_declarations();
    if let Some(d) = &m.debug {
        d.finalize();
    }
    Ok(Emitted {
        module: m.module,
        sites: m.sites,
        // A complex sum's cells each hold a part.
        cells: m
            .cells
            .into_iter()
            .map(|(_, op, _, s)| (op, s.part()))
            .collect(),
        cold: m.cold,
    })
}

struct ModuleEmitter<'a, 'ctx> {
    ctx: &'ctx Context,
    /// DWARF line tables, when asked for.
    debug: Option<debug::Debug<'ctx>>,
    module: Module<'ctx>,
    builder: Builder<'ctx>,
    functions: Vec<FunctionValue<'ctx>>,
    sites: Vec<Site>,
    target: &'a TargetSpec,
    /// Declarations only referenced from attributes (vector variants), kept through optimization.
    keep: Vec<FunctionValue<'ctx>>,
    /// `Some` when emitting for the GPU.
    gpu: Option<GpuMode>,
    /// The GPU state cells of the grid loops' reductions: (variable, operator, part, the
    /// variable's type); a complex sum has two, its real (part 0) and imaginary (1) parts.
    cells: Vec<(LocalId, Reduce, u32, Scalar)>,
    /// Per instance: whether it is recursive ([`crate::ir::walk::recursive`]): its function takes
    /// the depth of the chain of recursive calls it ends (`i32`, before `err`).
    recursive: Vec<bool>,
    /// Whether an unlikely branch into a cold loop copy was emitted ([`Emitted::cold`]).
    cold: bool,
    /// Whether a [`ForRange::wide`] loop or a call with an 8-lane libmvec variant ([`vecmath`])
    /// was emitted: every function then may use the widest vectors ([`hints`]; a kernel's
    /// functions are inlined into its entry and `prange` chunks).
    wide: bool,
}

impl<'ctx> ModuleEmitter<'_, 'ctx> {
    /// With debug information, the subprogram of `f`, which emits the statements of `inst` (none
    /// for the prelude's functions, whose lines are not the file's). Clears the builder's
    /// location: what `f` emits before its first statement has none.
    fn scope_of(
        &self,
        f: FunctionValue<'ctx>,
        inst: &Instance,
        name: &str,
    ) -> Option<inkwell::debug_info::DIScope<'ctx>> {
        self.builder.unset_current_debug_location();
        let debug = self.debug.as_ref()?;
        (!inst.func.is_prelude()).then(|| debug.subprogram(f, name, inst.func.span))
    }

    /// With debug information, `f` (a wrapper of `inst`'s code: the entry point, a `prange`
    /// chunk) gets a subprogram, and what it emits from now on the line of `inst`'s signature,
    /// so that `inst`'s code inlined into it keeps its own lines (the inliner drops them in a
    /// function without debug information).
    fn locate_wrapper(&self, f: FunctionValue<'ctx>, inst: &Instance, name: &str) {
        if let (Some(scope), Some(debug)) = (self.scope_of(f, inst, name), &self.debug) {
            let at = debug.location(self.ctx, scope, inst.func.sig_span);
            self.builder.set_current_debug_location(at);
        }
    }

    /// The type of a scalar in registers (`bool` is `i1`).
    fn reg_type(&self, s: Scalar) -> BasicTypeEnum<'ctx> {
        match s {
            Scalar::Bool => self.ctx.bool_type().into(),
            Scalar::F32 => self.ctx.f32_type().into(),
            Scalar::F64 => self.ctx.f64_type().into(),
            // `re`, `im`: num-complex's `#[repr(C)]` layout, in memory too.
            Scalar::C32 | Scalar::C64 => {
                let part = self.reg_type(s.part());
                self.ctx.struct_type(&[part, part], false).into()
            }
            s => int_type(self.ctx, s.bits()).into(),
        }
    }

    /// The type of an array element in memory (`bool` is one byte; a struct is an LLVM struct of
    /// its fields' memory types, which LLVM lays out as `#[repr(C)]` does).
    fn mem_type(&self, e: impl Into<Elem>) -> BasicTypeEnum<'ctx> {
        match e.into() {
            Elem::Scalar(Scalar::Bool) => self.ctx.i8_type().into(),
            Elem::Scalar(s) => self.reg_type(s),
            Elem::Struct(t) => {
                // A struct's fields are scalars and structs (`front::lower::structs`); any other
                // type would be a pointer's width, as `Type::repr_c` counts it.
                let fields: Vec<BasicTypeEnum> = t
                    .elems()
                    .iter()
                    .map(|&f| self.mem_type(Elem::of(f).unwrap_or(Elem::Scalar(Scalar::U64))))
                    .collect();
                self.ctx.struct_type(&fields, false).into()
            }
        }
    }

    pub(super) fn attr(&self, name: &str) -> Attribute {
        self.ctx
            .create_enum_attribute(Attribute::get_named_enum_kind_id(name), 0)
    }

    fn target_attrs(&self, f: FunctionValue<'ctx>) {
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx
                .create_string_attribute("target-cpu", &self.target.cpu),
        );
        if !self.target.features.is_empty() {
            f.add_attribute(
                AttributeLoc::Function,
                self.ctx
                    .create_string_attribute("target-features", &self.target.features),
            );
        }
        f.add_attribute(AttributeLoc::Function, self.attr("nounwind"));
    }

    /// An instance's parameters flattened: a scalar as `scalars` says, an array as its data
    /// pointer, `ndim` `i64` extents and, when strided, `ndim` `i64` strides, a tuple (of a
    /// helper) as one struct value. Also, for each array, the index of its data pointer and
    /// whether it is writable.
    fn flat_params(&self, inst: &Instance, scalars: ScalarsAs) -> R<FlatParams<'ctx>> {
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        let i64t = self.ctx.i64_type();
        let mut params: Vec<BasicMetadataTypeEnum> = Vec::new();
        let mut arrays = Vec::new();
        for t in &inst.params {
            match t {
                // A complex number as its two parts: a kernel parameter of the part type each,
                // which the launch passes as it passes a float.
                Type::Scalar(s) if scalars == ScalarsAs::Memory && s.is_complex() => {
                    params.extend([BasicMetadataTypeEnum::from(self.reg_type(s.part())); 2])
                }
                Type::Scalar(s) if scalars == ScalarsAs::Memory => {
                    params.push(self.mem_type(*s).into())
                }
                Type::Scalar(s) => params.push(self.reg_type(*s).into()),
                Type::Array(a) => {
                    arrays.push((params.len() as u32, a.writable));
                    params.push(ptr.into());
                    let n = a.ndim as usize * if a.layout == Layout::Strided { 2 } else { 1 };
                    params.extend(std::iter::repeat_n(BasicMetadataTypeEnum::from(i64t), n));
                }
                Type::Tuple(_) => params.push(self.value_type(*t)?.into()),
                Type::Unit => return Err(BackError::Internal(format!("{t} parameter"))),
            }
        }
        Ok((params, arrays))
    }

    fn declare(&mut self, inst: &Instance, index: usize) -> R<FunctionValue<'ctx>> {
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        let (mut params, arrays) = self.flat_params(inst, ScalarsAs::Register)?;
        if self.recursive[index] {
            params.push(self.ctx.i32_type().into());
        }
        let err_index = params.len() as u32;
        params.push(ptr.into());
        let fn_type = match inst.ret {
            Type::Unit => self.ctx.void_type().fn_type(&params, false),
            t => self.value_type(t)?.fn_type(&params, false),
        };
        let name = format!("{}.{index}", inst.func.name);
        let f = self
            .module
            .add_function(&name, fn_type, Some(Linkage::Internal));
        self.target_attrs(f);
        for (i, writable) in arrays {
            f.add_attribute(AttributeLoc::Param(i), self.attr("noalias"));
            f.add_attribute(AttributeLoc::Param(i), self.attr("nocapture"));
            if !writable {
                f.add_attribute(AttributeLoc::Param(i), self.attr("readonly"));
            }
        }
        f.add_attribute(AttributeLoc::Param(err_index), self.attr("noalias"));
        f.add_attribute(AttributeLoc::Param(err_index), self.attr("nocapture"));
        Ok(f)
    }

    /// `i32 rumba_entry(ptr args, ptr ret, ptr err)`: unpacks the arguments and calls instance 0.
    fn entry(&mut self, inst: &Instance) -> R<()> {
        let ctx = self.ctx;
        let ptr = ctx.ptr_type(AddressSpace::default());
        let i64t = ctx.i64_type();
        let fn_type = ctx
            .i32_type()
            .fn_type(&[ptr.into(), ptr.into(), ptr.into()], false);
        let f = self.module.add_function(abi::ENTRY, fn_type, None);
        self.target_attrs(f);
        let b = &self.builder;
        b.position_at_end(ctx.append_basic_block(f, "entry"));
        self.locate_wrapper(f, inst, &inst.func.name);
        let (args, ret, err) = (param_ptr(f, 0)?, param_ptr(f, 1)?, param_ptr(f, 2)?);
        let mut call_args: Vec<inkwell::values::BasicMetadataValueEnum> = Vec::new();
        for (i, t) in inst.params.iter().enumerate() {
            // SAFETY: a GEP without `inbounds` only computes an address: slot `i` of the entry's
            // argument array, which holds one pointer per parameter (`abi::ENTRY`).
            let slot =
                unsafe { b.build_gep(ptr, args, &[i64t.const_int(i as u64, false)], "arg.slot")? };
            let arg = b
                .build_load(ptr, slot, &format!("arg{i}"))?
                .into_pointer_value();
            match t {
                Type::Scalar(s) => {
                    let v = b.build_load(self.mem_type(*s), arg, "")?;
                    if let Some(load) = inkwell::values::BasicValue::as_instruction_value(&v) {
                        slot_aligned(load, *s)?;
                    }
                    call_args.push(self.to_reg(*s, v)?.into());
                }
                Type::Array(a) => {
                    // `arg` points at an `abi::RawArray`: the data pointer, then inline extents
                    // and strides.
                    let data = b.build_load(ptr, arg, "data")?.into_pointer_value();
                    call_args.push(data.into());
                    let i8t = ctx.i8_type();
                    let mut load_all = |offset: u64, name: &str| -> R<()> {
                        for d in 0..a.ndim as u64 {
                            // SAFETY: a GEP without `inbounds` only computes an address: extent or stride `d`
                            // of the `abi::RawArray` that `arg` points at.
                            let p = unsafe {
                                b.build_gep(i8t, arg, &[i64t.const_int(offset + 8 * d, false)], "")?
                            };
                            call_args.push(b.build_load(i64t, p, &format!("{name}{d}"))?.into());
                        }
                        Ok(())
                    };
                    load_all(abi::ARRAY_SHAPE, "n")?;
                    if a.layout == Layout::Strided {
                        load_all(abi::ARRAY_STRIDES, "s")?;
                    }
                }
                Type::Tuple(_) => call_args.push(self.load_repr_c(arg, 0, *t)?.into()),
                Type::Unit => return Err(BackError::Internal(format!("{t} parameter"))),
            }
        }
        if self.recursive[0] {
            // The kernel itself is recursive: this call starts the chain.
            call_args.push(ctx.i32_type().const_zero().into());
        }
        call_args.push(err.into());
        let call = b.build_call(self.functions[0], &call_args, "result")?;
        let failed = self.load_failed(err)?;
        let ok_bb = ctx.append_basic_block(f, "ok");
        let fail_bb = ctx.append_basic_block(f, "fail");
        b.build_conditional_branch(failed, fail_bb, ok_bb)?;
        b.position_at_end(fail_bb);
        b.build_return(Some(&ctx.i32_type().const_int(1, false)))?;
        b.position_at_end(ok_bb);
        if inst.ret != Type::Unit {
            let v = call
                .try_as_basic_value()
                .basic()
                .ok_or_else(|| BackError::Internal("call without value".into()))?;
            self.store_result(ret, 0, inst.ret, v)?;
        }
        let b = &self.builder;
        b.build_return(Some(&ctx.i32_type().const_int(0, false)))?;
        Ok(())
    }

    /// A struct argument's value, read from the bytes at `ptr + offset` that `#[repr(C)]` lays
    /// out (`Tuple::offsets`; the runtime's buffer is not aligned for the fields).
    fn load_repr_c(
        &self,
        ptr: PointerValue<'ctx>,
        offset: u64,
        t: Type,
    ) -> R<BasicValueEnum<'ctx>> {
        let b = &self.builder;
        match t {
            Type::Scalar(s) => {
                let i64t = self.ctx.i64_type();
                // SAFETY: a GEP without `inbounds` only computes an address: the field at
                // `offset` of the struct argument `ptr` points at.
                let at = unsafe {
                    b.build_gep(
                        self.ctx.i8_type(),
                        ptr,
                        &[i64t.const_int(offset, false)],
                        "",
                    )?
                };
                let v = b.build_load(self.mem_type(s), at, "field")?;
                if let Some(load) = inkwell::values::BasicValue::as_instruction_value(&v) {
                    load.set_alignment(1)
                        .map_err(|e| BackError::Internal(e.to_string()))?;
                }
                self.to_reg(s, v)
            }
            Type::Tuple(tt) => {
                let mut v = self.value_type(t)?.into_struct_type().get_undef();
                for (k, (&e, at)) in tt.elems().iter().zip(tt.offsets()).enumerate() {
                    let field = self.load_repr_c(ptr, offset + at, e)?;
                    v = b
                        .build_insert_value(v, field, k as u32, "")?
                        .into_struct_value();
                }
                Ok(v.into())
            }
            Type::Unit | Type::Array(_) => {
                Err(BackError::Internal(format!("a struct field of type {t}")))
            }
        }
    }

    fn load_failed(&self, err: PointerValue<'ctx>) -> R<IntValue<'ctx>> {
        let b = &self.builder;
        let i8t = self.ctx.i8_type();
        // SAFETY: a GEP without `inbounds` only computes an address: the `failed` field of the
        // `ErrInfo` record `err` points at.
        let p = unsafe {
            b.build_gep(
                i8t,
                err,
                &[self.ctx.i64_type().const_int(abi::ERR_FAILED, false)],
                "",
            )?
        };
        let flag = b
            .build_load(self.ctx.i32_type(), p, "failed")?
            .into_int_value();
        Ok(b.build_int_compare(
            IntPredicate::NE,
            flag,
            self.ctx.i32_type().const_zero(),
            "is.failed",
        )?)
    }

    /// A value loaded from memory, as held in registers (`bool`: `i8` -> `i1`, in a struct's
    /// fields too).
    fn to_reg(&self, e: impl Into<Elem>, v: BasicValueEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let s = match e.into() {
            Elem::Scalar(s) => s,
            Elem::Struct(t) => return self.convert_fields(t, v, false),
        };
        if s == Scalar::Bool {
            let nz = self.builder.build_int_compare(
                IntPredicate::NE,
                v.into_int_value(),
                self.ctx.i8_type().const_zero(),
                "",
            )?;
            return Ok(nz.into());
        }
        Ok(v)
    }

    /// The value a call of an instance returning `s` gave, as stored in memory.
    fn returned(
        &self,
        call: inkwell::values::CallSiteValue<'ctx>,
        s: Scalar,
    ) -> R<BasicValueEnum<'ctx>> {
        let v = call
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal("call without value".into()))?;
        self.to_mem(s, v)
    }

    /// A register value to store (`bool`: `i1` -> `i8`, in a struct's fields too).
    fn to_mem(&self, e: impl Into<Elem>, v: BasicValueEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        let s = match e.into() {
            Elem::Scalar(s) => s,
            Elem::Struct(t) => return self.convert_fields(t, v, true),
        };
        if s == Scalar::Bool {
            return Ok(self
                .builder
                .build_int_z_extend(v.into_int_value(), self.ctx.i8_type(), "")?
                .into());
        }
        Ok(v)
    }

    /// A struct value converted field by field between its register form (`value_type`) and its
    /// memory form (`mem_type`): `to_mem` when `store`, else `to_reg`.
    fn convert_fields(
        &self,
        t: Tuple,
        v: BasicValueEnum<'ctx>,
        store: bool,
    ) -> R<BasicValueEnum<'ctx>> {
        let e = Elem::Struct(t);
        let into = if store {
            self.mem_type(e)
        } else {
            self.value_type(e.ty())?
        };
        let b = &self.builder;
        let mut out = into.into_struct_type().get_undef();
        for (k, &f) in t.elems().iter().enumerate() {
            let fe = Elem::of(f)
                .ok_or_else(|| BackError::Internal(format!("a struct field of type {f}")))?;
            let x = b.build_extract_value(v.into_struct_value(), k as u32, "")?;
            let x = if store {
                self.to_mem(fe, x)?
            } else {
                self.to_reg(fe, x)?
            };
            out = b
                .build_insert_value(out, x, k as u32, "")?
                .into_struct_value();
        }
        Ok(out.into())
    }
}

/// The scalar type of an array whose elements only a scalar operation touches (an update, a
/// reduction: `types` gives those no arrays of structs).
fn scalar_elem(a: ArrayType) -> R<Scalar> {
    a.scalar()
        .ok_or_else(|| BackError::Internal(format!("a scalar operation on an array of {}", a.elem)))
}

fn param_int(f: FunctionValue<'_>, i: u32) -> R<IntValue<'_>> {
    f.get_nth_param(i)
        .map(|p| p.into_int_value())
        .ok_or_else(|| BackError::Internal("missing parameter".into()))
}

fn param_ptr(f: FunctionValue<'_>, i: u32) -> R<PointerValue<'_>> {
    f.get_nth_param(i)
        .map(|p| p.into_pointer_value())
        .ok_or_else(|| BackError::Internal("missing parameter".into()))
}

/// A `for` range evaluated once (see `FnEmitter::range_bounds`).
struct RangeBounds<'ctx> {
    lo: IntValue<'ctx>,
    hi: IntValue<'ctx>,
    nonempty: IntValue<'ctx>,
    step: Option<IntValue<'ctx>>,
}

/// Flattened parameter types, and (data pointer index, writable) of each array.
type FlatParams<'ctx> = (Vec<BasicMetadataTypeEnum<'ctx>>, Vec<(u32, bool)>);

/// An array in registers: its data pointer, extents and element strides.
#[derive(Clone)]
struct ArrayVal<'ctx> {
    ty: ArrayType,
    data: PointerValue<'ctx>,
    shape: Vec<IntValue<'ctx>>,
    strides: Vec<IntValue<'ctx>>,
}

#[derive(Clone)]
enum Slot<'ctx> {
    None,
    Scalar(PointerValue<'ctx>, Scalar),
    /// An array parameter (or a captured array, in a `prange` body): fixed for the call.
    Array(ArrayVal<'ctx>),
    /// An array or tuple local (and an owned array parameter): its struct in an alloca
    /// (`owned.rs`).
    Value(PointerValue<'ctx>, Type),
}

struct FnEmitter<'m, 'a, 'ctx> {
    m: &'m mut ModuleEmitter<'a, 'ctx>,
    program: &'m TypedProgram,
    inst: &'m Instance,
    function: FunctionValue<'ctx>,
    slots: Vec<Slot<'ctx>>,
    err: PointerValue<'ctx>,
    fail: BasicBlock<'ctx>,
    /// (continue target, break target) of the enclosing loops.
    loops: Vec<(BasicBlock<'ctx>, BasicBlock<'ctx>)>,
    /// The float locals the innermost enclosing loop carries from one iteration to the next
    /// (`hints::carried_floats`), for `math::min_max`.
    carried: HashSet<LocalId>,
    /// The float locals that are never NaN (`math::never_nan`), for `math::min_max`; none in a
    /// `prange` body's function, whose locals start from values its caller passes.
    never_nan: HashSet<LocalId>,
    /// The innermost enclosing loop's [`ForRange::scalar_chains`], whose assigned values
    /// `hints::keep_scalar` keeps out of vectors.
    chains: Vec<LocalId>,
    prange: Prange,
    /// Element updates ([`Stmt::Update`]) are atomic: on the GPU, and in the body of a `prange`
    /// whose array reductions update the shared arrays (`parallel.rs`).
    atomic: bool,
    /// In a recursive instance: the length of the chain of recursive calls that this call ends.
    depth: Option<IntValue<'ctx>>,
    /// With debug information: the function's subprogram, the scope of its statements' lines.
    scope: Option<inkwell::debug_info::DIScope<'ctx>>,
}

/// The LLVM type of a scalar parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScalarsAs {
    /// Its register type (`i1` for `bool`): the function of each instance.
    Register,
    /// Its memory type (`i8` for `bool`; a complex number as two parameters, its real and
    /// imaginary parts): a GPU kernel's entry point.
    Memory,
}

/// What a `prange` loop of the function being emitted becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prange {
    /// A serial loop (helpers, outlined loop bodies, GPU code other than a grid kernel's entry).
    Serial,
    /// The entry of a grid-mapped GPU kernel: its outermost `prange` is a grid-stride loop.
    Grid,
    /// The CPU entry outside any `prange`: a `prange` runs on the thread pool (`parallel.rs`).
    Threads,
}

impl<'m, 'a, 'ctx> FnEmitter<'m, 'a, 'ctx> {
    fn emit(
        m: &'m mut ModuleEmitter<'a, 'ctx>,
        program: &'m TypedProgram,
        inst: &'m Instance,
        function: FunctionValue<'ctx>,
        depth: Option<IntValue<'ctx>>,
        prange: Prange,
    ) -> R<()> {
        let ctx = m.ctx;
        let entry = ctx.append_basic_block(function, "entry");
        let fail = ctx.append_basic_block(function, "fail");
        m.builder.position_at_end(entry);
        let err = param_ptr(function, function.count_params() - 1)?;
        let atomic = m.gpu.is_some();
        let scope = m.scope_of(function, inst, &inst.func.name);
        let mut e = FnEmitter {
            m,
            program,
            inst,
            function,
            slots: Vec::new(),
            err,
            fail,
            loops: Vec::new(),
            carried: HashSet::new(),
            never_nan: math::never_nan(inst),
            chains: Vec::new(),
            prange,
            atomic,
            depth,
            scope,
        };
        e.slots = e.make_slots()?;
        e.block(&inst.func.body)?;
        let end = e.current_block()?;
        // A failed check (here or in a callee) drops what the locals own and returns.
        e.b().position_at_end(fail);
        e.drop_locals()?;
        match function.get_type().get_return_type() {
            Some(t) => e.b().build_return(Some(&t.const_zero()))?,
            None => e.b().build_return(None)?,
        };
        // Falling off the end returns `()`; the type checker proved non-unit functions never do.
        e.b().position_at_end(end);
        e.terminate_open_blocks()?;
        Ok(())
    }

    fn b(&self) -> &Builder<'ctx> {
        &self.m.builder
    }

    fn ctx(&self) -> &'ctx Context {
        self.m.ctx
    }

    fn make_slots(&mut self) -> R<Vec<Slot<'ctx>>> {
        let inst = self.inst;
        let mut slots = vec![Slot::None; inst.func.locals.len()];
        for (l, t) in inst.local_types.iter() {
            if let Type::Scalar(s) = t {
                let name = &inst.func.local(l).name;
                let p = self.b().build_alloca(self.m.reg_type(*s), name)?;
                slots[l.index()] = Slot::Scalar(p, *s);
            }
        }
        let mut k = 0;
        for (&p, t) in inst.func.params.iter().zip(&inst.params) {
            let param = |k: u32| {
                self.function
                    .get_nth_param(k)
                    .ok_or_else(|| BackError::Internal("missing parameter".into()))
            };
            match t {
                Type::Scalar(_) => {
                    if let Slot::Scalar(ptr, _) = slots[p.index()] {
                        self.b().build_store(ptr, param(k)?)?;
                    }
                    k += 1;
                }
                Type::Array(a) => {
                    let array = self.array_params(&mut k, *a, &inst.func.local(p).name)?;
                    slots[p.index()] = Slot::Array(array);
                }
                // Stored in its slot below.
                Type::Tuple(_) => k += 1,
                Type::Unit => {}
            }
        }
        for a in &inst.func.shared {
            slots[a.local.index()] = Slot::Array(self.shared_array(a)?);
        }
        // Arrays and tuples in locals; an owned array parameter (or a tuple holding one) is the
        // function's to drop.
        let params = &inst.func.params;
        let locals = inst.func.locals.keys().filter(|l| {
            let t = inst.local_ty(*l);
            let fixed = t.array().is_some_and(|a| a.stack_len().is_some());
            !params.contains(l) || t.owns() || fixed || matches!(t, Type::Tuple(_))
        });
        self.value_slots(&mut slots, locals)?;
        for &p in params {
            let Slot::Value(ptr, _) = &slots[p.index()] else {
                continue;
            };
            let mut k = self.param_index(p);
            let value = match inst.local_ty(p) {
                Type::Array(a) => {
                    let array = self.array_params(&mut k, a, &inst.func.local(p).name)?;
                    self.m.pack(&array)?
                }
                _ => self
                    .function
                    .get_nth_param(k)
                    .ok_or_else(|| BackError::Internal("missing parameter".into()))?,
            };
            self.b().build_store(*ptr, value)?;
        }
        Ok(slots)
    }

    /// The index of the first LLVM parameter of parameter `p` (as `flat_params` lays them out).
    fn param_index(&self, p: LocalId) -> u32 {
        let inst = self.inst;
        let mut k = 0;
        for (&q, t) in inst.func.params.iter().zip(&inst.params) {
            if q == p {
                break;
            }
            k += match t {
                Type::Scalar(_) => 1,
                Type::Array(a) => {
                    1 + a.ndim as u32 * if a.layout == Layout::Strided { 2 } else { 1 }
                }
                Type::Tuple(_) => 1,
                Type::Unit => 0,
            };
        }
        k
    }

    /// An array parameter of this function starting at parameter `*k` (its data pointer, then
    /// its extents and, when strided, its strides; C-order strides are computed); advances `*k`.
    fn array_params(&self, k: &mut u32, a: ArrayType, name: &str) -> R<ArrayVal<'ctx>> {
        let mut next = || {
            let v = self
                .function
                .get_nth_param(*k)
                .ok_or_else(|| BackError::Internal("missing parameter".into()));
            *k += 1;
            v
        };
        let data = next()?.into_pointer_value();
        data.set_name(name);
        let mut shape = Vec::new();
        for d in 0..a.ndim {
            let v = next()?.into_int_value();
            v.set_name(&format!("{name}.n{d}"));
            shape.push(v);
        }
        if a.stack_len().is_some() {
            // A fixed-size array's length is its type's.
            return Ok(self.fixed_at(a, data));
        }
        let strides = if a.layout == Layout::Strided {
            let mut s = Vec::new();
            for d in 0..a.ndim {
                let v = next()?.into_int_value();
                v.set_name(&format!("{name}.s{d}"));
                s.push(v);
            }
            s
        } else {
            // C order: the last axis is contiguous.
            let mut s = vec![self.ctx().i64_type().const_int(1, false); a.ndim as usize];
            for d in (0..a.ndim as usize).rev().skip(1) {
                s[d] = self
                    .b()
                    .build_int_mul(s[d + 1], shape[d + 1], &format!("{name}.s{d}"))?;
            }
            s
        };
        Ok(ArrayVal {
            ty: a,
            data,
            shape,
            strides,
        })
    }

    fn terminate_open_blocks(&mut self) -> R<()> {
        let mut block = self.function.get_first_basic_block();
        let current = self.b().get_insert_block();
        while let Some(bb) = block {
            if bb.get_terminator().is_none() {
                self.b().position_at_end(bb);
                if Some(bb) == current && self.inst.ret == Type::Unit {
                    self.drop_locals()?;
                    self.b().build_return(None)?;
                } else {
                    self.b().build_unreachable()?;
                }
            }
            block = bb.get_next_basic_block();
        }
        Ok(())
    }

    fn new_block(&self, name: &str) -> BasicBlock<'ctx> {
        self.ctx().append_basic_block(self.function, name)
    }

    /// The block the builder is positioned in.
    fn current_block(&self) -> R<BasicBlock<'ctx>> {
        self.b()
            .get_insert_block()
            .ok_or_else(|| BackError::Internal("no block".into()))
    }

    /// An alloca in the entry block, where SROA and mem2reg promote it, wherever the builder is
    /// (an alloca inside a loop would grow the stack on every iteration).
    fn entry_alloca(&self, t: BasicTypeEnum<'ctx>, name: &str) -> R<PointerValue<'ctx>> {
        let entry = self
            .function
            .get_first_basic_block()
            .ok_or_else(|| BackError::Internal("no entry block".into()))?;
        let b = self.ctx().create_builder();
        match entry.get_first_instruction() {
            Some(i) => b.position_before(&i),
            None => b.position_at_end(entry),
        }
        Ok(b.build_alloca(t, name)?)
    }

    /// After a terminator: continue emitting into a fresh, unreachable block.
    fn dead_block(&self) {
        let bb = self.new_block("dead");
        self.b().position_at_end(bb);
    }

    fn array(&self, l: LocalId) -> R<ArrayVal<'ctx>> {
        match &self.slots[l.index()] {
            Slot::Array(a) => Ok(a.clone()),
            Slot::Value(p, Type::Array(a)) if a.stack_len().is_some() => Ok(self.fixed_at(*a, *p)),
            Slot::Value(p, Type::Array(a)) => {
                let v = self.b().build_load(
                    self.m.array_struct(*a),
                    *p,
                    &self.inst.func.local(l).name,
                )?;
                self.m.unpack(*a, v)
            }
            _ => Err(BackError::Internal(format!("{l} is not an array"))),
        }
    }

    fn scalar_slot(&self, l: LocalId) -> R<(PointerValue<'ctx>, Scalar)> {
        match &self.slots[l.index()] {
            Slot::Scalar(p, s) => Ok((*p, *s)),
            _ => Err(BackError::Internal(format!("{l} is not a scalar"))),
        }
    }

    // ---- checks ----

    fn site(&mut self, kind: SiteKind, span: crate::span::Span) -> u32 {
        self.m.sites.push(Site {
            kind,
            span,
            function: self.inst.func.name.clone(),
        });
        self.m.sites.len() as u32 - 1
    }

    /// Branches to a failure path (recording `site` and `values`) unless `ok` holds.
    fn check(&mut self, ok: IntValue<'ctx>, site: u32, values: &[IntValue<'ctx>]) -> R<()> {
        let pass = self.new_block("ok");
        let fail = self.new_block("check.fail");
        let branch = self.b().build_conditional_branch(ok, pass, fail)?;
        self.rare_failure(branch, false)?;
        self.b().position_at_end(fail);
        let ctx = self.ctx();
        let (i8t, i32t, i64t) = (ctx.i8_type(), ctx.i32_type(), ctx.i64_type());
        // SAFETY: a GEP without `inbounds` only computes an address: field `off` of the `ErrInfo`
        // record that `err` points at (`abi::ERR_*`).
        let at = |off: u64| unsafe {
            self.b()
                .build_gep(i8t, self.err, &[i64t.const_int(off, false)], "")
        };
        if self.m.gpu.is_some() {
            // Many threads may fail at once: the first to claim the flag records its values.
            self.claim_error(at(abi::ERR_FAILED)?)?;
        } else {
            self.b()
                .build_store(at(abi::ERR_FAILED)?, i32t.const_int(1, false))?;
        }
        self.b()
            .build_store(at(abi::ERR_SITE)?, i32t.const_int(site as u64, false))?;
        for (k, v) in values.iter().enumerate() {
            let v = self.b().build_int_cast_sign_flag(*v, i64t, true, "")?;
            self.b()
                .build_store(at(abi::ERR_VALUES + 8 * k as u64)?, v)?;
        }
        self.b().build_unconditional_branch(self.fail)?;
        self.b().position_at_end(pass);
        Ok(())
    }
}

/// The integer type of a width (1, 8, 16, 32 or 64 bits).
/// A load or store of a scalar in memory the runtime aligns to 8 bytes at most (an entry's
/// argument, a result in the `ret` buffer): a 16-byte integer's own alignment is 16.
fn slot_aligned(access: inkwell::values::InstructionValue<'_>, s: Scalar) -> R<()> {
    if s.size() > 8 {
        access
            .set_alignment(8)
            .map_err(|e| BackError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// The integer constant of type `t` with these two's complement bits (truncated to its width).
fn int_const(t: inkwell::types::IntType<'_>, bits: u128) -> inkwell::values::IntValue<'_> {
    t.const_int_arbitrary_precision(&[bits as u64, (bits >> 64) as u64])
}

fn int_type(ctx: &Context, bits: u32) -> inkwell::types::IntType<'_> {
    match bits {
        1 => ctx.bool_type(),
        8 => ctx.i8_type(),
        16 => ctx.i16_type(),
        32 => ctx.i32_type(),
        128 => ctx.i128_type(),
        _ => ctx.i64_type(),
    }
}
