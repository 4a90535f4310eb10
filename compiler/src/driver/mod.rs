//! The compiler driver: the one sequence of stages from a kernel to optimized code, for every
//! target and every caller (the runtime's calls, `explain` and GPU launches; the fuzzer).
//!
//! In: a program from [`lower`], its entry function and a call's argument types ([`Input`]), and
//! a [`Target`]: a CPU (the host, or a pinned one for reproducible output) or a GPU architecture.
//! Out: [`Compiled`] (the typed IR after the passes, the optimized and verified LLVM module, for a
//! GPU its PTX, the check sites, and how long each [`Stage`] took), or an [`Error`] that keeps the
//! kernel's mistakes (argument and type errors, what the target cannot run, a missing libdevice)
//! apart from rumba's own, [`Error::Internal`]: an `internal:` diagnostic, a verifier failure, an
//! error of the back end or an invalid LLVM module.
//!
//! The stages, in order: [`front`] (text -> untyped IR, once per source), [`types`] (the
//! signature, then the CPU's `prange` rules), [`passes`] (verified before and after each one when
//! [`Input::verify`] is set), the GPU's [`plan`](gpu::plan), [`back::emit`](emit), libdevice for
//! a GPU kernel that calls it, LLVM's verifier and optimizer ([`target`]), and the GPU's PTX.
//! Loading the code, finding libdevice and caching are the caller's.

pub mod fuzz;

use crate::back::abi::Site;
use crate::back::gpu::{self, GpuKernel};
use crate::back::{emit, target, BackError};
use crate::diag::Diagnostic;
use crate::front::{self, FrontError};
use crate::ir::{FuncId, Program, Type, TypedProgram};
use crate::{passes, types};
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::targets::TargetMachine;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Lowers kernel source text (the `fn`s of a `compile!` block) to untyped IR.
pub fn lower(text: &str) -> Result<Program, Vec<FrontError>> {
    front::lower_source(text)
}

/// One function of a program, specialized to the argument types of a call.
pub struct Input<'a> {
    pub program: &'a Program,
    pub entry: FuncId,
    pub args: &'a [Type],
    /// Run the IR verifier before the passes and after each one (debug builds, the fuzzer).
    pub verify: bool,
    /// The path of the source file whose lines the spans are, for code that carries DWARF line
    /// tables (CPU targets; `None`: no debug information).
    pub debug_source: Option<&'a str>,
}

/// What to compile for.
pub enum Target<'a> {
    /// A CPU described by `spec`. `machine` (made from `spec`) is used when given, so that a
    /// caller compiling many kernels makes it once; otherwise the driver makes one.
    Cpu {
        spec: &'a target::TargetSpec,
        machine: Option<&'a TargetMachine>,
    },
    /// A GPU architecture such as `sm_80`. `libdevice` says where NVIDIA's libdevice is (or why
    /// it was not found); it is asked only for kernels that call it.
    Gpu {
        arch: &'a str,
        libdevice: &'a dyn Fn() -> Result<PathBuf, String>,
    },
}

/// A compiled kernel.
pub struct Compiled<'ctx> {
    /// The typed IR after the passes.
    pub typed: TypedProgram,
    /// The optimized, verified LLVM module (for a GPU, with libdevice linked in and pruned).
    pub module: Module<'ctx>,
    /// The run-time check sites that error records refer to.
    pub sites: Vec<Site>,
    /// For a GPU target: the PTX and how to launch it.
    pub gpu: Option<GpuKernel>,
    pub timings: Timings,
}

/// A stage of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Type inference, monomorphization and the target's rules on the typed IR.
    Types,
    /// The passes over the typed IR, with the verifier.
    Passes,
    /// Typed IR -> LLVM IR (with libdevice for a GPU).
    Emit,
    /// LLVM's verifier and optimizer.
    Optimize,
    /// PTX assembly.
    Ptx,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Types => "types",
            Stage::Passes => "passes",
            Stage::Emit => "emit",
            Stage::Optimize => "optimize",
            Stage::Ptx => "ptx",
        })
    }
}

/// How long each stage took, in order; `Display` lists them as `types 1.2ms, passes ...`.
#[derive(Clone, Debug, Default)]
pub struct Timings(pub Vec<(Stage, Duration)>);

impl Timings {
    fn lap(&mut self, stage: Stage, since: &mut Instant) {
        let now = Instant::now();
        self.0.push((stage, now - *since));
        *since = now;
    }
}

impl fmt::Display for Timings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (stage, d)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{stage} {d:?}")?;
        }
        Ok(())
    }
}

/// A bug in rumba: what broke, at which stage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("internal compiler error ({stage}): {message}")]
pub struct Internal {
    pub stage: Stage,
    pub message: String,
}

/// Why a kernel did not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The arguments do not fit the entry's parameters (count, annotations).
    #[error("{}", .0.message)]
    Argument(Diagnostic),
    /// The entry does not type-check for the arguments, or breaks the rules of a `prange` loop.
    #[error("{}", .0.message)]
    Type(Diagnostic),
    /// The kernel cannot run on the target as written: a `#[rumba(cuda)]` kernel on the CPU, a
    /// kernel the GPU's [`plan`](gpu::plan) rejects.
    #[error("{}", .0.message)]
    Target(Diagnostic),
    /// The kernel calls libdevice, which was not found or cannot be read (the message says where
    /// it was looked for).
    #[error("{0}")]
    NoLibdevice(String),
    /// A compiler bug.
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl Error {
    fn internal(stage: Stage, e: impl ToString) -> Error {
        Error::Internal(Internal {
            stage,
            message: e.to_string(),
        })
    }

    /// A diagnostic of the kernel (`user`), unless it reports a compiler bug.
    fn diagnostic(stage: Stage, d: Diagnostic, user: fn(Diagnostic) -> Error) -> Error {
        if d.is_internal() {
            Error::internal(stage, d.message)
        } else {
            user(d)
        }
    }
}

/// A target machine for `spec` (the driver makes one per compilation unless given one).
pub fn machine(spec: &target::TargetSpec) -> Result<TargetMachine, Error> {
    spec.machine()
        .map_err(|e| Error::internal(Stage::Optimize, e))
}

/// The entry specialized to the arguments, checked against the rules that hold before the passes
/// (`prange` loops, whose decisions `types::parallel` records; a `#[rumba(cuda)]` kernel runs on
/// the GPU only): what
/// [`compile`] starts from, and what the reference interpreter runs.
pub fn specialize(input: &Input, target: &Target) -> Result<TypedProgram, Error> {
    let f = input.program.func(input.entry);
    let cpu = matches!(target, Target::Cpu { .. });
    if cpu && f.attrs.cuda {
        return Err(Error::Target(
            Diagnostic::new(
                format!(
                    "`{}` is a `#[rumba(cuda)]` kernel, which runs on the GPU only",
                    f.name
                ),
                f.sig_span,
                "GPU kernel",
            )
            .with_help(format!(
                "launch it with `{}(launch_config, args..)`",
                f.name
            )),
        ));
    }
    let user = |d| Error::diagnostic(Stage::Types, d, Error::Type);
    let argument = |d| Error::diagnostic(Stage::Types, d, Error::Argument);
    // The prelude's complex functions, which `types` calls for complex operators, when the
    // kernel's source or arguments hold complex numbers (lowered on the process's first need).
    let with_complex = front::with_complex(input.program, input.args)
        .map_err(|message| Error::internal(Stage::Types, message))?;
    let program = with_complex.as_ref().unwrap_or(input.program);
    // A `vectorize` function called on arrays runs the walk synthesized for the call.
    let ufunc =
        types::vectorize::synthesize(program, input.entry, input.args, !cpu).map_err(argument)?;
    let (program, entry) = match &ufunc {
        Some((program, entry)) => (program, *entry),
        None => (program, input.entry),
    };
    types::param_types(program.func(entry), input.args).map_err(argument)?;
    let mut typed = types::specialize(program, entry, input.args).map_err(user)?;
    types::moves::check(&typed).map_err(user)?;
    types::parallel::analyze(&mut typed).map_err(user)?;
    Ok(typed)
}

/// Compiles `input` for `target`, emitting into `context`.
pub fn compile<'ctx>(
    context: &'ctx Context,
    input: &Input,
    target: &Target,
) -> Result<Compiled<'ctx>, Error> {
    let mut timings = Timings::default();
    let mut t = Instant::now();
    let mut typed = specialize(input, target)?;
    timings.lap(Stage::Types, &mut t);
    let gpu_spec;
    let (spec, machine, gpu) = match target {
        Target::Cpu { spec, machine } => (*spec, *machine, None),
        Target::Gpu { arch, libdevice } => {
            gpu_spec = target::TargetSpec::nvptx(arch);
            (&gpu_spec, None, Some(*libdevice))
        }
    };
    let backend = match gpu {
        Some(_) => passes::Backend::Gpu,
        None => passes::Backend::Cpu,
    };
    let verify = match input.verify {
        true => passes::Verify::AfterEach,
        false => passes::Verify::Never,
    };
    passes::run(&mut typed, backend, verify).map_err(|e| Error::internal(Stage::Passes, e))?;
    timings.lap(Stage::Passes, &mut t);
    let name = &typed.entry().func.name;
    let back = |stage| move |e: BackError| Error::internal(stage, e);
    let (emitted, mode) = match gpu {
        None => (
            emit::emit(context, &typed, spec, name, input.debug_source)
                .map_err(back(Stage::Emit))?,
            None,
        ),
        Some(libdevice) => {
            let mode =
                gpu::plan(&typed).map_err(|d| Error::diagnostic(Stage::Emit, d, Error::Target))?;
            let emitted =
                emit::emit_gpu(context, &typed, spec, name, mode).map_err(back(Stage::Emit))?;
            if gpu::needs_libdevice(&emitted.module) {
                let path = libdevice().map_err(Error::NoLibdevice)?;
                let lib = Module::parse_bitcode_from_path(&path, context).map_err(|e| {
                    Error::NoLibdevice(format!("cannot read {}: {e}", path.display()))
                })?;
                gpu::link_libdevice(&emitted.module, lib).map_err(back(Stage::Emit))?;
            }
            (emitted, Some(mode))
        }
    };
    timings.lap(Stage::Emit, &mut t);
    let made;
    let machine = match machine {
        Some(m) => m,
        None => {
            made = self::machine(spec)?;
            &made
        }
    };
    target::optimize_at(&emitted.module, machine, spec.opt_level, emitted.cold)
        .map_err(back(Stage::Optimize))?;
    timings.lap(Stage::Optimize, &mut t);
    let gpu = match mode {
        None => None,
        Some(mode) => {
            let ptx = gpu::ptx(&emitted.module, machine).map_err(back(Stage::Ptx))?;
            timings.lap(Stage::Ptx, &mut t);
            Some(GpuKernel::new(&emitted, mode, ptx))
        }
    };
    Ok(Compiled {
        typed,
        module: emitted.module,
        sites: emitted.sites,
        gpu,
        timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArrayType, Layout, Scalar};
    use crate::span::Span;

    #[test]
    fn internal_diagnostics_are_compiler_bugs() {
        let d = |m: &str| Diagnostic::new(m, Span::default(), "here");
        let bug = Error::diagnostic(Stage::Types, d("internal: unresolved call"), Error::Type);
        assert!(
            matches!(&bug, Error::Internal(Internal { stage: Stage::Types, message }) if message == "internal: unresolved call"),
            "{bug:?}"
        );
        let user = Error::diagnostic(Stage::Types, d("mismatched types"), Error::Type);
        assert!(matches!(user, Error::Type(_)), "{user:?}");
    }

    #[test]
    fn one_sequence_for_each_target() {
        let program = lower(
            "fn fill(y) { for i in prange(0..y.len()) { y[i] = 1.0; } }
             #[rumba(cuda)] fn simt(y) { y[0] = 1.0; }",
        )
        .expect("lowers");
        let y = [Type::Array(ArrayType::view(
            Scalar::F64,
            1,
            Layout::Contig,
            true,
        ))];
        let input = |name| Input {
            program: &program,
            entry: program.find(name).expect("function"),
            args: &y,
            verify: true,
            debug_source: None,
        };
        let stages = |c: &Compiled| c.timings.0.iter().map(|(s, _)| *s).collect::<Vec<_>>();
        let context = Context::create();
        let spec = target::TargetSpec::pinned(fuzz::CPU);
        let cpu = Target::Cpu {
            spec: &spec,
            machine: None,
        };
        let compiled = compile(&context, &input("fill"), &cpu).expect("compiles for the CPU");
        assert!(compiled.gpu.is_none());
        use Stage::*;
        assert_eq!(stages(&compiled), [Types, Passes, Emit, Optimize]);
        let no_libdevice = || Err("not needed".to_string());
        let gpu = Target::Gpu {
            arch: gpu::DEFAULT_ARCH,
            libdevice: &no_libdevice,
        };
        let compiled = compile(&context, &input("fill"), &gpu).expect("compiles for the GPU");
        assert_eq!(stages(&compiled), [Types, Passes, Emit, Optimize, Ptx]);
        assert!(compiled
            .gpu
            .is_some_and(|g| g.ptx.contains(".target sm_80")));
        let on_cpu = compile(&context, &input("simt"), &cpu).err();
        assert!(matches!(on_cpu, Some(Error::Target(_))), "{on_cpu:?}");
    }
}
