//! The GPU back end: how a kernel maps onto the CUDA grid, NVIDIA's libdevice, and PTX.
//!
//! In: a verified [`TypedProgram`]. Out (through [`crate::driver`]): PTX text for an NVPTX
//! [`TargetSpec`](super::target::TargetSpec) (64-bit, an `sm_XY` architecture) whose one entry point, [`KERNEL`], takes the arguments flattened as the CPU
//! instances do: a scalar in its memory type (`bool` as one byte; a complex number as two
//! parameters, its real and imaginary parts), an array as its data pointer,
//! `ndim` `i64` extents and, for strided layouts, `ndim` `i64` element strides; then a pointer to
//! the [`ErrInfo`](super::abi::ErrInfo) (in device memory) that failed checks fill in.
//!
//! Two kinds of kernels run on the GPU ([`GpuMode`], chosen by [`plan`]):
//! - **Grid**: an ordinary kernel whose outermost loop is `for i in prange(a..b)`. Every GPU
//!   thread runs the kernel; the `prange` loop becomes a grid-stride loop (thread `t` of `T` runs
//!   iterations `t, t + T, ...`), so any grid size is correct. The code before the loop runs in
//!   every thread, so [`plan`] rejects what would make that observable: stores or storing calls
//!   outside the loop, and a second outermost `prange` (the loop body itself was checked by
//!   `types::parallel`, which recorded its reductions and array reductions). Reductions (`s += e`,
//!   `s = s.max(e)`, ... as on the CPU) start from their identity in every thread, combine within
//!   each warp by shuffles, then atomically into one state cell per reduction (one atomic per
//!   warp); the thread that combines last folds the cells into the values from before the loop
//!   and alone runs the code after it, whose returned value the host reads back. Such kernels
//!   need blocks of whole warps (a multiple of 32 threads). Array reductions (`Stmt::Update`)
//!   are atomic read-modify-writes of global memory. A kernel returns one scalar at most.
//!
//!   Complex numbers are pairs of floats as on the CPU. A complex sum (`s += z`, `s -= x`: the
//!   only complex reduction `types::parallel` accepts) is two float sums, its parts, each
//!   shuffled and combined into a cell of its own: part `p` of the result is part `p` of the
//!   value before the loop plus the float sum of the terms' parts `p`, added warp by warp in
//!   another order than a serial loop's (or the CPU's chunks'), as every float sum there; a
//!   complex array reduction updates each part with an atomic float addition.
//! - **Simt**: a `#[rumba(cuda)]` kernel, written per thread with `thread_idx_x()` and friends,
//!   `sync_threads()` and atomics, launched with an explicit grid; it returns nothing.
//!
//! Transcendental functions call libdevice (`__nv_sin`, ...), linked into the module only when
//! used ([`link_libdevice`]; the runtime finds the file). Arithmetic is IEEE without contraction
//! (no fused multiply-add unless the kernel asks for `fastmath`), so `+ - * / sqrt` match the CPU
//! bit for bit (complex `+ - * /`, `conj`, `norm_sqr`, `powi` too: the prelude's float
//! operations); libdevice functions are within a few ULP of the host's libm (complex `exp`,
//! `ln`, `sqrt`, `powf`, `norm`, `arg` through them).

use super::emit;
use super::BackError;
use crate::diag::Diagnostic;
use crate::ir::walk::children;
use crate::ir::*;
use crate::span::Span;
use inkwell::module::{Linkage, Module};
use inkwell::targets::{FileType, TargetMachine};

pub use super::abi::KERNEL;

/// The architecture snapshots and assembly tests pin.
pub const DEFAULT_ARCH: &str = "sm_80";

pub use super::emit::GpuMode;

/// The architecture LLVM 19 compiles for on a device of compute capability `major.minor`: the
/// device's own, or for devices newer than LLVM knows, `sm_90` (the driver JIT-compiles PTX
/// forward to newer devices).
pub fn arch_for(major: i32, minor: i32) -> String {
    const KNOWN: &[(i32, i32)] = &[
        (5, 0),
        (5, 2),
        (5, 3),
        (6, 0),
        (6, 1),
        (6, 2),
        (7, 0),
        (7, 2),
        (7, 5),
        (8, 0),
        (8, 6),
        (8, 7),
        (8, 9),
        (9, 0),
    ];
    let best = KNOWN
        .iter()
        .rev()
        .find(|&&(ma, mi)| (ma, mi) <= (major, minor))
        .copied()
        .unwrap_or((5, 0));
    format!("sm_{}{}", best.0, best.1)
}

/// A scalar type GPU code cannot hold: the error, its label and the help. (Complex numbers
/// are pairs of floats there as on the CPU.)
fn unsupported_scalar(s: Scalar) -> Option<(&'static str, &'static str, &'static str)> {
    match s {
        // NVPTX has no 128-bit division, remainder or float conversions (they are library
        // calls on the CPU).
        Scalar::I128 | Scalar::U128 => Some((
            "`i128` and `u128` are not supported on the GPU",
            "a 128-bit integer",
            "use `i64` or `u64`, or run the kernel on the CPU",
        )),
        _ => None,
    }
}

/// Decides how the entry kernel runs on the GPU, or says why it cannot.
pub fn plan(program: &TypedProgram) -> Result<GpuMode, Diagnostic> {
    let entry = program.entry();
    let f = &entry.func;
    let recursive = crate::ir::walk::recursive(program);
    for (i, inst) in program.instances.values().enumerate() {
        let g = &inst.func;
        let unsupported = |t: &Type| match t {
            Type::Scalar(s) => unsupported_scalar(*s),
            Type::Array(a) => a.scalar().and_then(unsupported_scalar),
            _ => None,
        };
        let found = g
            .exprs
            .iter()
            .find_map(|(e, x)| Some((x.span, unsupported(inst.expr_types.get(e)?)?)))
            .or_else(|| {
                let why = inst
                    .params
                    .iter()
                    .chain([&inst.ret])
                    .find_map(unsupported)?;
                Some((g.sig_span, why))
            });
        if let Some((at, (message, label, help))) = found {
            return Err(Diagnostic::new(message, at, label).with_help(help));
        }
        let struct_of = |t: &Type| match t {
            Type::Tuple(tt) => tt.def(),
            Type::Array(ArrayType {
                elem: Elem::Struct(tt),
                ..
            }) => tt.def(),
            _ => None,
        };
        let found = g
            .exprs
            .iter()
            .find_map(|(e, x)| Some((x.span, struct_of(inst.expr_types.get(e)?)?)))
            .or_else(|| {
                let def = inst.params.iter().chain([&inst.ret]).find_map(struct_of)?;
                Some((g.sig_span, def))
            });
        if let Some((at, def)) = found {
            return Err(Diagnostic::new(
                format!("struct `{}` is not supported on the GPU", def.name),
                at,
                "a struct value",
            )
            .with_help(
                "pass its fields as separate scalars or arrays (one array per field for an array of structs), or run the kernel on the CPU",
            ));
        }
        let recursive_call = g
            .exprs
            .values()
            .find(|x| matches!(x.kind, ExprKind::CallInst { inst, .. } if recursive[inst.index()]));
        if let (true, Some(call)) = (recursive[i], recursive_call) {
            return Err(Diagnostic::new(
                format!("GPU code cannot recurse: `{}` is recursive", g.name),
                call.span,
                "recursive call",
            )
            .with_help("rewrite the recursion as a loop (with an explicit stack array) to run it on the GPU"));
        }
        if let Some(e) = g
            .exprs
            .iter()
            .find(|(e, x)| {
                matches!(x.kind, ExprKind::Alloc { .. })
                    && inst
                        .expr_types
                        .get(*e)
                        .is_some_and(|t| t.array().is_some_and(|a| a.stack_len().is_none()))
            })
            .map(|(_, x)| x)
        {
            return Err(Diagnostic::new(
                "GPU code cannot allocate arrays",
                e.span,
                "allocates an array on the heap",
            )
            .with_help("allocate it outside the kernel and pass it in as a `&mut` argument, use a fixed-size array `[0.0; N]` (in registers or local memory), or `shared_array::<T>([..])` in a `#[rumba(cuda)]` kernel"));
        }
        if inst.ret.owns() {
            return Err(Diagnostic::new(
                format!(
                    "`{}` returns an array, which GPU code cannot allocate",
                    g.name
                ),
                g.sig_span,
                format!("returns `{}`", inst.ret),
            )
            .with_help("write results into a `&mut` array argument"));
        }
    }
    if f.attrs.cuda {
        if entry.ret != Type::Unit {
            return Err(Diagnostic::new(
                format!("`#[rumba(cuda)]` kernel `{}` returns a value", f.name),
                f.sig_span,
                format!("returns `{}`", entry.ret),
            )
            .with_help("GPU kernels write their results into `&mut` array arguments"));
        }
        return Ok(GpuMode::Simt);
    }
    // The result slot holds one scalar (`abi::GPU_RESULT`, a `Complex<f64>` at most).
    if let Type::Tuple(_) = entry.ret {
        return Err(Diagnostic::new(
            format!("GPU kernel `{}` returns a tuple", f.name),
            f.sig_span,
            format!("returns `{}`", entry.ret),
        )
        .with_help("a GPU kernel returns one scalar (a complex number is one) or nothing: write the other values into a `&mut` array argument, or run the kernel on the CPU"));
    }
    let mut outer = Vec::new();
    outermost_pranges(&f.body, &mut outer);
    let Some(&span) = outer.first() else {
        return Err(Diagnostic::new(format!("kernel `{}` has no `prange` loop to spread over the GPU", f.name), f.sig_span, "no `prange` loop")
            .with_help("write the outer loop as `for i in prange(a..b)`, or write an explicit kernel with `#[rumba(cuda)]` and `thread_idx_x()`"));
    };
    // Several outermost loops are fine on exclusive paths (`if c { prange } else { prange }`, as
    // loop versioning makes): every thread takes the same path. In sequence they are not.
    if let Some(second) = second_in_sequence(&f.body, &mut 0) {
        return Err(Diagnostic::new(
            "a GPU kernel runs one outermost `prange` loop",
            second,
            "second `prange` loop",
        )
        .with_label(span, "first `prange` loop")
        .with_help("split the kernel in two, or nest the loops"));
    }
    let stores = storing_instances(program);
    let mut outside = Outside {
        program,
        inst: entry,
        stores: &stores,
        first: None,
    };
    outside.block(&f.body);
    if let Some((at, what)) = outside.first {
        return Err(Diagnostic::new(
            format!("{what} outside the `prange` loop would run once per GPU thread"),
            at,
            "outside the `prange` loop",
        )
        .with_label(span, "the loop spread over the GPU")
        .with_help("move it into the `prange` loop, or run this kernel on the CPU"));
    }
    // The loop bodies themselves (reductions, no `break` out of them, no races) were checked
    // by `types::parallel`, for every target.
    Ok(GpuMode::Grid)
}

/// The span of an outermost `prange` that runs after another on the same path; `seen` counts
/// those before this block on its path.
fn second_in_sequence(b: &Block, seen: &mut u32) -> Option<Span> {
    for s in &b.stmts {
        match s {
            Stmt::For { range, span, .. } if range.parallel => {
                if *seen > 0 {
                    return Some(*span);
                }
                *seen += 1;
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                let (mut a, mut b) = (*seen, *seen);
                let found = second_in_sequence(then_body, &mut a)
                    .or_else(|| second_in_sequence(else_body, &mut b));
                if found.is_some() {
                    return found;
                }
                *seen = a.max(b);
            }
            _ => {}
        }
    }
    None
}

/// The spans of the `prange` loops not nested in another loop.
fn outermost_pranges(b: &Block, out: &mut Vec<Span>) {
    for s in &b.stmts {
        match s {
            Stmt::For { range, span, .. } if range.parallel => out.push(*span),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                outermost_pranges(then_body, out);
                outermost_pranges(else_body, out);
            }
            _ => {}
        }
    }
}

/// The instances that store to an array or run atomics, directly or through calls.
fn storing_instances(p: &TypedProgram) -> Vec<bool> {
    let mut stores: Vec<bool> = p
        .instances
        .values()
        .map(|i| {
            block_has(
                &i.func,
                &i.func.body,
                &|s| matches!(s, Stmt::Store { .. } | Stmt::Update { .. }),
                &|k| matches!(k, ExprKind::Gpu { array: Some(_), .. }),
            )
        })
        .collect();
    loop {
        let mut changed = false;
        for (i, inst) in p.instances.values().enumerate() {
            if stores[i] {
                continue;
            }
            let calls_storing = block_has(
                &inst.func,
                &inst.func.body,
                &|_| false,
                &|k| matches!(k, ExprKind::CallInst { inst, .. } if stores[inst.index()]),
            );
            if calls_storing {
                stores[i] = true;
                changed = true;
            }
        }
        if !changed {
            return stores;
        }
    }
}

fn block_has(
    f: &Function,
    b: &Block,
    stmt: &dyn Fn(&Stmt) -> bool,
    expr: &dyn Fn(&ExprKind) -> bool,
) -> bool {
    b.stmts.iter().any(|s| {
        stmt(s)
            || stmt_exprs(s).iter().any(|e| expr_has(f, *e, expr))
            || match s {
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => block_has(f, then_body, stmt, expr) || block_has(f, else_body, stmt, expr),
                Stmt::Loop { body } | Stmt::For { body, .. } => block_has(f, body, stmt, expr),
                _ => false,
            }
    })
}

/// The expressions a statement evaluates itself (not those of nested blocks), in order.
fn stmt_exprs(s: &Stmt) -> Vec<ExprId> {
    match s {
        Stmt::Assign { value, .. } => vec![*value],
        Stmt::Store { index, value, .. } | Stmt::Update { index, value, .. } => {
            std::iter::once(*value)
                .chain(index.iter().copied())
                .collect()
        }
        Stmt::Eval(e) | Stmt::Unpack { value: e, .. } => vec![*e],
        Stmt::If { cond, .. } => vec![*cond],
        Stmt::For { range, .. } => [Some(range.start), Some(range.end), range.step]
            .into_iter()
            .flatten()
            .collect(),
        Stmt::Return { value, .. } => value.iter().copied().collect(),
        Stmt::Loop { .. } | Stmt::Break | Stmt::Continue => Vec::new(),
    }
}

fn expr_has(f: &Function, e: ExprId, pred: &dyn Fn(&ExprKind) -> bool) -> bool {
    let k = &f.expr(e).kind;
    pred(k) || children(k).into_iter().any(|c| expr_has(f, c, pred))
}

/// Finds the first effect outside the outermost `prange` loop.
struct Outside<'a> {
    program: &'a TypedProgram,
    inst: &'a Instance,
    stores: &'a [bool],
    first: Option<(Span, String)>,
}

impl Outside<'_> {
    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            if self.first.is_some() {
                return;
            }
            match s {
                Stmt::For { range, .. } if range.parallel => continue,
                Stmt::Store { array, span, .. } => {
                    let name = &self.inst.func.local(*array).name;
                    self.first = Some((*span, format!("a store to `{name}`")));
                    return;
                }
                _ => {}
            }
            for e in stmt_exprs(s) {
                self.expr(e);
            }
            match s {
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    self.block(then_body);
                    self.block(else_body);
                }
                Stmt::Loop { body } | Stmt::For { body, .. } => self.block(body),
                _ => {}
            }
        }
    }

    fn expr(&mut self, e: ExprId) {
        let f = &self.inst.func;
        let k = &f.expr(e).kind;
        if let ExprKind::CallInst { inst, .. } = k {
            if self.stores[inst.index()] && self.first.is_none() {
                let name = &self.program.inst(*inst).func.name;
                self.first = Some((
                    f.expr(e).span,
                    format!("a call of `{name}`, which writes to an array,"),
                ));
            }
        }
        for c in children(k) {
            self.expr(c);
        }
    }
}

/// A kernel compiled for the GPU: its PTX and what a launch needs to know about it.
#[derive(Clone, Debug)]
pub struct GpuKernel {
    pub ptx: String,
    pub mode: GpuMode,
    /// The bytes of the launch's state after the [`ErrInfo`](super::abi::ErrInfo) (see
    /// [`abi::GPU_TICKETS`](super::abi::GPU_TICKETS)): tickets and result zero, each reduction's
    /// cell holding its identity.
    pub state: Vec<u8>,
    /// Whether the grid loop has reductions (then blocks must be whole warps).
    pub reduces: bool,
}

impl GpuKernel {
    /// The kernel `emitted` (in `mode`) compiled to `ptx`.
    pub fn new(emitted: &emit::Emitted<'_>, mode: GpuMode, ptx: String) -> GpuKernel {
        let mut state = vec![0u8; (super::abi::GPU_CELLS - super::abi::GPU_TICKETS) as usize];
        for (op, s) in &emitted.cells {
            // One 8-byte cell each: the identity's low bits (a float's IEEE bits, a narrow
            // integer's sign- or zero-extended value, read as the cell's 32 bits).
            state.extend((op.identity(*s) as u64).to_le_bytes());
        }
        GpuKernel {
            ptx,
            mode,
            state,
            reduces: !emitted.cells.is_empty(),
        }
    }
}

/// Whether `module` calls libdevice (then [`link_libdevice`] must link it in).
pub fn needs_libdevice(module: &Module<'_>) -> bool {
    module
        .get_functions()
        .any(|f| f.count_basic_blocks() == 0 && f.get_name().to_bytes().starts_with(b"__nv_"))
}

/// Links libdevice (`lib`, read into the module's context) into `module` and makes everything
/// but the kernel internal, so the optimizer keeps only the functions the kernel calls.
pub fn link_libdevice<'ctx>(module: &Module<'ctx>, lib: Module<'ctx>) -> Result<(), BackError> {
    lib.set_triple(&module.get_triple());
    lib.set_data_layout(&module.get_data_layout());
    module
        .link_in_module(lib)
        .map_err(|e| BackError::Llvm(format!("linking libdevice: {e}")))?;
    for f in module.get_functions() {
        if f.count_basic_blocks() > 0 && f.get_name().to_bytes() != KERNEL.as_bytes() {
            f.set_linkage(Linkage::Internal);
        }
    }
    let mut g = module.get_first_global();
    while let Some(global) = g {
        if global.get_initializer().is_some() {
            global.set_linkage(Linkage::Internal);
        }
        g = global.get_next_global();
    }
    Ok(())
}

/// The PTX assembly of an optimized module.
pub fn ptx(module: &Module<'_>, machine: &TargetMachine) -> Result<String, BackError> {
    let buf = machine
        .write_to_memory_buffer(module, FileType::Assembly)
        .map_err(|e| BackError::Llvm(e.to_string()))?;
    Ok(String::from_utf8_lossy(buf.as_slice())
        .trim_end_matches('\0')
        .to_string())
}

#[cfg(test)]
mod tests {
    use crate::driver::{self, Input, Target};
    use crate::interp::{self, Arg, ArrayArg, Buffer, Output};
    use crate::ir::*;
    use crate::passes::{Backend, Verify};

    /// `source`'s `k` specialized for the GPU on `args`, as the driver does (the prelude's
    /// complex functions included).
    fn specialized(source: &str, args: &[Type]) -> TypedProgram {
        let p = driver::lower(source).expect("lowers");
        let k = p.find("k").expect("has `k`");
        let input = Input {
            program: &p,
            entry: k,
            args,
            verify: true,
            debug_source: None,
        };
        let libdevice = || Err("not needed".to_string());
        let target = Target::Gpu {
            arch: super::DEFAULT_ARCH,
            libdevice: &libdevice,
        };
        driver::specialize(&input, &target).expect("types")
    }

    fn after(mut t: TypedProgram, backend: Backend) -> TypedProgram {
        crate::passes::run(&mut t, backend, Verify::AfterEach).expect("verifies");
        t
    }

    fn complex_bytes(zs: &[[f64; 2]]) -> Vec<u8> {
        zs.iter()
            .flat_map(|z| z.iter().flat_map(|p| p.to_ne_bytes()))
            .collect()
    }

    fn view<'a>(data: Buffer<'a>, shape: &[usize], strides: &[isize], offset: usize) -> Arg<'a> {
        Arg::Array(ArrayArg {
            elem: Elem::Scalar(Scalar::C64),
            data,
            offset,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
        })
    }

    /// Complex values of a few units whose parts have all their bits.
    fn wavy(n: usize, seed: usize) -> Vec<[f64; 2]> {
        (0..n)
            .map(|k| {
                let t = (k + seed) as f64 * 0.37;
                [2.0 * t.sin() + 0.01, 1.5 * (t * 1.3).cos() - 0.02]
            })
            .collect()
    }

    /// The result and the written buffers of `t` on `written` (C-order arrays of `shapes`,
    /// writable) and `read` (read-only, the same shape as the first, with `strides`).
    fn run(
        t: &TypedProgram,
        shapes: &[&[usize]],
        read: Option<(&[isize], usize)>,
    ) -> (Output, Vec<Vec<u8>>) {
        let mut bufs: Vec<Vec<u8>> = shapes
            .iter()
            .enumerate()
            .map(|(k, s)| complex_bytes(&wavy(s.iter().product(), 7 * k)))
            .collect();
        let xs = complex_bytes(&wavy(2 * shapes[0].iter().product::<usize>().max(1) + 1, 3));
        let out = {
            let mut args: Vec<Arg> = bufs
                .iter_mut()
                .zip(shapes)
                .map(|(b, s)| view(Buffer::Unique(b), s, &interp::c_strides(s), 0))
                .collect();
            if let Some((strides, offset)) = read {
                args.push(view(Buffer::Shared(&xs), shapes[0], strides, offset));
            }
            interp::run(t, &mut args).expect("runs")
        };
        (out, bufs)
    }

    /// Complex kernels after the GPU's passes (a 2-D walk flattened into one `prange`, with a
    /// complex sum; complex array reductions) are grid kernels, and the interpreter gives what
    /// it gives before the passes and after the CPU's, bit for bit (it runs every `prange`
    /// serially, in order).
    #[test]
    fn complex_kernels_after_the_gpu_passes_compute_what_they_did() {
        let zip = "fn k(mut y, x) -> Complex64 {
            let mut s = Complex64::new(0.5, -0.25);
            Zip::from(&mut y).and(&x).par_for_each(|a, &b| { s += b * *a; *a = b * 3.0 - a.conj(); });
            s
        }";
        let c64 =
            |ndim: u8, w: bool| Type::Array(ArrayType::view(Scalar::C64, ndim, Layout::Strided, w));
        for shape in [&[3usize, 5][..], &[1, 7], &[0, 4], &[2, 3, 4]] {
            let ndim = shape.len() as u8;
            let before = specialized(zip, &[c64(ndim, true), c64(ndim, false)]);
            let gpu = after(before.clone(), Backend::Gpu);
            let cpu = after(before.clone(), Backend::Cpu);
            let ir = print::typed_program(&gpu);
            assert_eq!(ir.matches("prange").count(), 1, "{ir}");
            assert!(
                matches!(super::plan(&gpu), Ok(super::GpuMode::Grid)),
                "{ir}"
            );
            let c = interp::c_strides(shape);
            let reversed: Vec<isize> = c.iter().map(|s| -s).collect();
            let last = shape.iter().product::<usize>().saturating_sub(1);
            for (strides, offset) in [(c.clone(), 0), (reversed, last)] {
                let want = run(&before, &[shape], Some((&strides, offset)));
                assert_eq!(
                    run(&gpu, &[shape], Some((&strides, offset))),
                    want,
                    "{shape:?}"
                );
                assert_eq!(
                    run(&cpu, &[shape], Some((&strides, offset))),
                    want,
                    "{shape:?}"
                );
            }
        }
        let bins = "fn k(y, bins, neg) {
            for i in prange(0..y.len()) {
                bins[i % 3] += y[i] * y[i];
                bins[i % 2] -= y[i].re;
                neg[i % 4] -= y[i];
            }
        }";
        let before = specialized(bins, &[c64(1, true), c64(1, true), c64(1, true)]);
        let gpu = after(before.clone(), Backend::Gpu);
        assert!(matches!(super::plan(&gpu), Ok(super::GpuMode::Grid)));
        let ir = print::typed_program(&gpu);
        assert!(ir.contains("bins[") && ir.contains("+="), "{ir}");
        let shapes: &[&[usize]] = &[&[1000], &[3], &[4]];
        assert_eq!(run(&gpu, shapes, None), run(&before, shapes, None));
    }
}
