//! The machine a module is compiled for, and LLVM's optimization pipeline.
//!
//! In: a [`TargetSpec`] (host, a pinned CPU for reproducible snapshots, or an NVPTX GPU
//! architecture) and an emitted module.
//! Out: the module optimized by the new pass manager at O3 (loop and SLP vectorization on), with
//! the target's data layout and triple.

use super::BackError;
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::llvm_sys::support::LLVMParseCommandLineOptions;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::values::{AsValueRef, FunctionValue};
use inkwell::OptimizationLevel;
use std::ffi::{c_char, CString};
use std::sync::Once;

/// The triple of the GPU back end: 64-bit pointers, CUDA driver ABI.
pub const NVPTX_TRIPLE: &str = "nvptx64-nvidia-cuda";

/// What code is generated for: made by [`TargetSpec::host`], [`TargetSpec::pinned`] or
/// [`TargetSpec::nvptx`], then adjusted through its fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TargetSpec {
    pub triple: String,
    pub cpu: String,
    pub features: String,
    /// Whether glibc's vector math library (libmvec) can be called: fast-math kernels then get
    /// vectorized `exp`, `ln`, `sin`, ... Set by whoever loads the code (the runtime checks it
    /// can open the library); pinned targets assume it.
    pub vector_library: bool,
    /// LLVM optimization level, 0 to 3 (3 unless asked otherwise: `RUMBA_OPT_LEVEL` in the runtime).
    pub opt_level: u8,
}

impl TargetSpec {
    /// The CPU this process runs on, with all its features (AVX2, AVX-512, ...). Registers no
    /// LLVM target (what compiling and loading need, [`init`]): a first call that loads cached
    /// code asks for the host's description without paying for that.
    pub fn host() -> TargetSpec {
        TargetSpec {
            triple: TargetMachine::get_default_triple()
                .as_str()
                .to_string_lossy()
                .into_owned(),
            cpu: TargetMachine::get_host_cpu_name().to_string(),
            features: TargetMachine::get_host_cpu_features().to_string(),
            vector_library: false,
            opt_level: 3,
        }
    }

    /// A named x86-64 CPU, e.g. `x86-64-v3`: the same output on every machine.
    pub fn pinned(cpu: &str) -> TargetSpec {
        init();
        TargetSpec {
            triple: "x86_64-unknown-linux-gnu".into(),
            cpu: cpu.into(),
            features: String::new(),
            vector_library: true,
            opt_level: 3,
        }
    }

    /// libmvec's instruction-set letters usable on this target, with their vector length in
    /// `f64` lanes: `b` SSE (2), `d` AVX2 (4), `e` AVX-512 (8). Empty off x86-64.
    pub fn libmvec_isas(&self) -> &'static [(char, u32)] {
        if !self.triple.starts_with("x86_64") {
            return &[];
        }
        let has = |f: &str| self.features.split(',').any(|x| x == f);
        if has("+avx512f") || self.cpu == "x86-64-v4" {
            &[('d', 4), ('e', 8)]
        } else if has("+avx2") || self.cpu == "x86-64-v3" {
            &[('d', 4)]
        } else {
            &[('b', 2)]
        }
    }

    /// 64-bit NVPTX for a GPU architecture such as `sm_80` (the PTX ISA version is the lowest that
    /// architecture needs, so the PTX loads on the oldest driver that knows the architecture).
    pub fn nvptx(arch: &str) -> TargetSpec {
        init();
        TargetSpec {
            triple: NVPTX_TRIPLE.into(),
            cpu: arch.into(),
            features: String::new(),
            vector_library: false,
            opt_level: 3,
        }
    }

    /// Whether this is a GPU (NVPTX) target.
    pub fn is_gpu(&self) -> bool {
        self.triple.starts_with("nvptx")
    }

    /// A target machine for this spec. Code generation follows `opt_level`, as clang's `-O`
    /// does: at 0 instruction selection is FastISel and register allocation the fast allocator
    /// (a first call compiles in a third to a half of O3's time, the code runs 1.5-25x slower:
    /// for trying a kernel out, not for timing it), at 1 and 2 LLVM's `Less` and `Default`.
    pub fn machine(&self) -> Result<TargetMachine, BackError> {
        init();
        let level = match self.opt_level {
            0 => OptimizationLevel::None,
            1 => OptimizationLevel::Less,
            2 => OptimizationLevel::Default,
            _ => OptimizationLevel::Aggressive,
        };
        let triple = TargetTriple::create(&self.triple);
        let target = Target::from_triple(&triple).map_err(|e| BackError::Llvm(e.to_string()))?;
        target
            .create_target_machine(
                &triple,
                &self.cpu,
                &self.features,
                level,
                RelocMode::Default,
                CodeModel::JITDefault,
            )
            .ok_or_else(|| {
                BackError::Llvm(format!(
                    "no target machine for {} / {}",
                    self.triple, self.cpu
                ))
            })
    }
}

/// Registers LLVM's targets (the host's and NVPTX) and sets its process-wide options, once:
/// before anything compiles or loads machine code.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Failure leaves the target unregistered; `machine()` then reports it as an error.
        let _ = Target::initialize_native(&InitializationConfig::default());
        Target::initialize_nvptx(&InitializationConfig::default());
        llvm_options();
    });
}

/// LLVM's process-wide options, set once before the first compilation.
///
/// `-force-ordered-reductions` lets the loop vectorizer vectorize a loop that accumulates floats
/// without fast-math: the lanes are added into the accumulator one by one, in the order of the
/// scalar loop, so results stay bit-identical while the rest of the loop body runs several lanes at
/// a time (the pairwise potential's `e += 1.0 / r.sqrt()`: 2x). The cost model still decides
/// whether it pays; a plain `s += x[i]` stays scalar. `-hotcoldsplit-threshold=0` makes
/// `hotcoldsplit` outline every cold region it finds ([`outline_cold`]), skipping its size model
/// (which refuses a region of more than four inputs). `-unswitch-threshold=0` keeps the O3
/// pipeline's non-trivial loop unswitching (which copies a loop for each value of an invariant
/// condition; O2 does not run it) to what costs nothing: Mandelbrot's first call took 31.5 ms
/// with it and 24.3 without, k-means 13.7 and 10.8, with the same run times (the bench table
/// of both, same session). `-x86-cmov-converter-threshold=16` (LLVM's default is 4 cycles) keeps
/// a conditional move in an inner loop unless turning it into a branch shortens the loop's
/// critical path by at least 16 cycles: a binary search per element (`while lo < hi { mid = ..;
/// if x[mid] < v { lo = mid + 1 } else { hi = mid } }`) kept its `lo`/`hi` updates as branches,
/// mispredicted half the time (2^20 searches in 2^16 values on an Intel Xeon: 8.0 -> 3.9 ms,
/// rustc 8.8), and a 2-D histogram's clamped bins (`.min(nb - 1)`) as taken branches (16.9 ->
/// 14.4 ms, rustc 14.6); the table's machine code is the same with it. `RUMBA_LLVM_ARGS` (whitespace-separated, e.g.
/// `-prefer-vector-width=512`) adds options for experiments, or replaces these; LLVM ignores the
/// ones it does not know.
fn llvm_options() {
    let extra = std::env::var("RUMBA_LLVM_ARGS").unwrap_or_default();
    let extra: Vec<&str> = extra.split_whitespace().collect();
    // An option the user gives replaces rumba's (LLVM takes an option's first occurrence only).
    fn name(a: &str) -> &str {
        a.split('=').next().unwrap_or(a)
    }
    let defaults = [
        "-force-ordered-reductions",
        "-hotcoldsplit-threshold=0",
        "-unswitch-threshold=0",
        "-x86-cmov-converter-threshold=16",
    ]
    .into_iter()
    .filter(|d| !extra.iter().any(|a| name(a) == name(d)));
    let args: Vec<CString> = std::iter::once("rumba")
        .chain(defaults)
        .chain(extra.iter().copied())
        .filter_map(|a| CString::new(a).ok())
        .collect();
    let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    // SAFETY: `argv` holds `argv.len()` NUL-terminated strings that outlive the call (LLVM copies
    // what it keeps); a null overview is allowed. Called once, before any pass runs.
    unsafe {
        LLVMParseCommandLineOptions(argv.len() as i32, argv.as_ptr(), std::ptr::null());
    }
}

/// Verifies and optimizes a module at `default<O{level}>` for `machine`. With `cold` (the module
/// has branches into checked loop copies marked unlikely, `Emitted::cold`) and a level above 0,
/// the cold copies are first outlined into functions that the pipeline leaves unoptimized
/// ([`outline_cold`]).
pub fn optimize_at(
    module: &Module<'_>,
    machine: &TargetMachine,
    level: u8,
    cold: bool,
) -> Result<(), BackError> {
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    module
        .verify()
        .map_err(|e| BackError::Internal(format!("invalid LLVM module: {e}")))?;
    if cold && level > 0 {
        outline_cold(module, machine)?;
    }
    if level > 0 {
        inline_first(module);
    }
    let options = PassBuilderOptions::create();
    options.set_loop_vectorization(true);
    options.set_loop_slp_vectorization(true);
    options.set_loop_unrolling(true);
    options.set_loop_interleaving(true);
    module
        .run_passes(&format!("default<O{}>", level.min(3)), machine, options)
        .map_err(|e| BackError::Llvm(e.to_string()))
}

/// Outlines the code that only unlikely branches reach (the checked loop copies versioning keeps
/// where a failing bounds test means a failing call, `ForRange::cold`) into functions of their
/// own, marked `optnone`: the O3 pipeline skips them and code generation selects their
/// instructions with FastISel. First SROA, early CSE and CFG simplification, so that the copies
/// take values rather than stack slots, and stay plain scalar code; `hotcoldsplit` (with
/// `-hotcoldsplit-threshold=0`, [`llvm_options`]: every cold region, whatever its size and
/// number of inputs) outlines what the `!prof` weights make cold.
///
/// n-body's step: 42 -> 30 ms to its first call, k-means 33 -> 24 (LLVM's O3 and code generation
/// of the copies). The copies run only in calls that fail a check, where speed does not matter.
fn outline_cold(module: &Module<'_>, machine: &TargetMachine) -> Result<(), BackError> {
    module
        .run_passes(
            "function(sroa,early-cse,simplifycfg),hotcoldsplit",
            machine,
            PassBuilderOptions::create(),
        )
        .map_err(|e| BackError::Llvm(e.to_string()))?;
    let ctx = module.get_context();
    for f in cold_functions(module) {
        keep_noalias(f);
        f.remove_enum_attribute(AttributeLoc::Function, kind("minsize"));
        for name in ["noinline", "optnone"] {
            f.add_attribute(
                AttributeLoc::Function,
                ctx.create_enum_attribute(kind(name), 0),
            );
        }
    }
    Ok(())
}

/// Marks `alwaysinline` every function of `module` whose one use is a direct call (the entry's
/// call of the kernel, a helper called once): the pipeline's first pass then inlines it, and its
/// body is simplified once, in its caller. Left to the inliner, which runs after the function
/// simplification pipeline, such a body was simplified twice: alone, then again in its caller.
/// The code is the same up to register choice and scheduling (asm of the seven first-call
/// kernels compared, run times unchanged); first calls take 5-15% less CPU time (Mandelbrot's
/// optimizer 25.5 -> 19.3 ms, k-means 7.4 -> 5.8: `RUMBA_CACHE=0 rumba-bench latency ..`).
/// Runs after [`outline_cold`]: `hotcoldsplit` leaves `alwaysinline` functions alone.
fn inline_first(module: &Module<'_>) {
    use inkwell::llvm_sys::core::*;
    let always = module
        .get_context()
        .create_enum_attribute(kind("alwaysinline"), 0);
    let mut f = module.get_first_function();
    while let Some(func) = f {
        f = func.get_next_function();
        if func.count_basic_blocks() == 0
            || ["noinline", "optnone"].iter().any(|a| {
                func.get_enum_attribute(AttributeLoc::Function, kind(a))
                    .is_some()
            })
        {
            continue;
        }
        // SAFETY: `func` is a live function of `module`; its uses and their users are live
        // values of the same module.
        let called_once = unsafe {
            let fv = func.as_value_ref();
            let first = LLVMGetFirstUse(fv);
            !first.is_null() && LLVMGetNextUse(first).is_null() && {
                let user = LLVMGetUser(first);
                !LLVMIsACallInst(user).is_null() && LLVMGetCalledValue(user) == fv
            }
        };
        if called_once {
            func.add_attribute(AttributeLoc::Function, always);
        }
    }
}

/// Marks the pointer parameters of `f`, a function `hotcoldsplit` outlined, `noalias` when its
/// one call passes in each a different `noalias` parameter of the caller or a local of the
/// caller's frame: the checked copy then knows its arrays apart as the code it came from did
/// (alias analysis is cheap, and the code it allows smaller).
fn keep_noalias(f: FunctionValue<'_>) {
    use inkwell::llvm_sys::core::*;
    use inkwell::llvm_sys::LLVMTypeKind;
    let noalias = kind("noalias");
    // SAFETY: every reference is a live value of `f`'s module: `f`, its uses, the operands of
    // the call using it and the caller's parameters; indices stay below the counts LLVM gives.
    unsafe {
        let fv = f.as_value_ref();
        let first = LLVMGetFirstUse(fv);
        if first.is_null() || !LLVMGetNextUse(first).is_null() {
            return;
        }
        let call = LLVMGetUser(first);
        if LLVMIsACallInst(call).is_null() || LLVMGetCalledValue(call) != fv {
            return;
        }
        let caller = LLVMGetBasicBlockParent(LLVMGetInstructionParent(call));
        let mut pointers = Vec::new();
        for i in 0..LLVMGetNumArgOperands(call) {
            let v = LLVMGetOperand(call, i);
            if LLVMGetTypeKind(LLVMTypeOf(v)) != LLVMTypeKind::LLVMPointerTypeKind {
                continue;
            }
            let own = if !LLVMIsAAllocaInst(v).is_null() {
                true
            } else if !LLVMIsAArgument(v).is_null() && LLVMGetParamParent(v) == caller {
                let index = (0..LLVMCountParams(caller)).find(|&k| LLVMGetParam(caller, k) == v);
                index
                    .is_some_and(|k| !LLVMGetEnumAttributeAtIndex(caller, k + 1, noalias).is_null())
            } else {
                false
            };
            if !own || pointers.iter().any(|&(_, w)| w == v) {
                return;
            }
            pointers.push((i, v));
        }
        let ctx = LLVMGetTypeContext(LLVMTypeOf(fv));
        for (i, _) in pointers {
            LLVMAddAttributeAtIndex(fv, i + 1, LLVMCreateEnumAttribute(ctx, noalias, 0));
        }
    }
}

fn kind(name: &str) -> u32 {
    Attribute::get_named_enum_kind_id(name)
}

/// The functions with bodies marked `cold`: those `hotcoldsplit` outlined (the emitter marks
/// none).
fn cold_functions<'ctx>(module: &Module<'ctx>) -> Vec<FunctionValue<'ctx>> {
    let mut out = Vec::new();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if func.count_basic_blocks() > 0
            && func
                .get_enum_attribute(AttributeLoc::Function, kind("cold"))
                .is_some()
        {
            out.push(func);
        }
        f = func.get_next_function();
    }
    out
}
