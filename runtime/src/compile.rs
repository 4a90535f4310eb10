//! The pipeline driver: one signature of one kernel -> machine code (or, for inspection, text).
//!
//! In: the kernel's lowered program, the entry function, the argument types and a target.
//! Out: a [`Specialization`] (entry point, check sites, IR texts) or an [`Error`] rendered
//! against the kernel's source. Each stage is timed and logged under the `rumba` target.

use crate::error::{Error, Location};
use crate::jit::{EntryFn, Jit};
use crate::signature::Signature;
use inkwell::targets::TargetMachine;
use rumba_compiler::back::abi::{self, Site};
use rumba_compiler::back::{emit, target, BackError};
use rumba_compiler::diag::Diagnostic;
use rumba_compiler::ir::{self, FuncId, Program, Type};
use rumba_compiler::span::SourceFile;
use rumba_compiler::{passes, types};
use std::cell::OnceCell;
use std::time::Instant;

/// The CPU this process runs on, looked up once. `RUMBA_OPT_LEVEL=0..3` (read once) sets LLVM's
/// optimization level, 3 by default: the differential tests run the JIT at 0 and at 3.
pub(crate) fn host() -> &'static target::TargetSpec {
    static HOST: std::sync::OnceLock<target::TargetSpec> = std::sync::OnceLock::new();
    HOST.get_or_init(|| target::TargetSpec {
        vector_library: crate::jit::libmvec().is_some(),
        opt_level: std::env::var("RUMBA_OPT_LEVEL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3)
            .min(3),
        ..target::TargetSpec::host()
    })
}

/// Runs `f` with this thread's target machine for the host, created on the thread's first compile:
/// creating one parses the CPU's feature list and builds its subtarget tables, a cost worth paying
/// once rather than per signature. (LLVM target machines are not thread-safe, hence one per thread.)
fn with_host_machine<T>(
    f: impl FnOnce(&TargetMachine) -> Result<T, BackError>,
) -> Result<T, BackError> {
    thread_local! {
        static MACHINE: OnceCell<TargetMachine> = const { OnceCell::new() };
    }
    MACHINE.with(|cell| {
        let machine = match cell.get() {
            Some(m) => m,
            None => {
                let m = host().machine()?;
                cell.get_or_init(|| m)
            }
        };
        f(machine)
    })
}

/// A compiled signature of a kernel.
pub struct Specialization {
    pub signature: Signature,
    pub ret: Type,
    pub(crate) entry: EntryFn,
    pub(crate) sites: Vec<Site>,
    _jit: Jit,
}

/// What the compiler made of a signature, for reading (snapshots, `Kernel::explain`).
#[derive(Clone, Debug)]
pub struct Explain {
    pub typed_ir: String,
    pub llvm_ir: String,
}

pub(crate) struct Request<'a> {
    pub kernel: &'a str,
    pub source: &'a SourceFile,
    pub program: &'a Program,
    pub func: FuncId,
    pub signature: &'a Signature,
}

impl Request<'_> {
    fn type_error(&self, d: &Diagnostic) -> Error {
        Error::Type {
            kernel: self.kernel.to_string(),
            location: Location::new(&self.source.path, d.span()),
            message: d.message.clone(),
            rendered: self.render(d),
        }
    }

    pub(crate) fn render(&self, d: &Diagnostic) -> String {
        let d = d.clone().with_note(format!(
            "while specializing `{}` for {}",
            self.kernel, self.signature
        ));
        d.render(self.source)
    }

    fn compile_error(&self, message: impl ToString) -> Error {
        Error::Compile {
            kernel: self.kernel.to_string(),
            message: message.to_string(),
        }
    }

    /// `#[rumba(cuda)]` kernels run on the GPU only.
    pub(crate) fn cpu_kernel(&self) -> Result<(), Error> {
        let f = self.program.func(self.func);
        if !f.attrs.cuda {
            return Ok(());
        }
        let d = Diagnostic::new(
            format!(
                "`{}` is a `#[rumba(cuda)]` kernel, which runs on the GPU only",
                self.kernel
            ),
            f.sig_span,
            "GPU kernel",
        )
        .with_help(format!(
            "launch it with `{}(launch_config, args..)`",
            self.kernel
        ));
        Err(Error::Cuda {
            kernel: self.kernel.to_string(),
            location: Some(Location::new(&self.source.path, d.span())),
            message: d.message.clone(),
            rendered: self.render(&d),
        })
    }

    /// Source -> typed IR, with the passes run and verified.
    pub(crate) fn typed(&self) -> Result<ir::TypedProgram, Error> {
        self.typed_for(false)
    }

    /// [`Self::typed`]; for the CPU back end (`cpu`), which runs `prange` loops on threads, with
    /// their rules checked first (`types::parallel`, on the IR before the passes copy loops), and
    /// the CPU-only passes.
    fn typed_for(&self, cpu: bool) -> Result<ir::TypedProgram, Error> {
        let mut typed = self.specialized(cpu)?;
        let backend = if cpu {
            passes::Backend::Cpu
        } else {
            passes::Backend::Gpu
        };
        let verify = if cfg!(debug_assertions) {
            passes::Verify::AfterEach
        } else {
            passes::Verify::Never
        };
        passes::run(&mut typed, backend, verify).map_err(|e| self.compile_error(e))?;
        Ok(typed)
    }

    /// Source -> typed IR before the passes, with the same checks as [`Self::typed_for`]: what
    /// `Kernel::interpret` runs (`cpu`), so that the passes are tested against the interpreter too.
    pub(crate) fn specialized(&self, cpu: bool) -> Result<ir::TypedProgram, Error> {
        let f = self.program.func(self.func);
        let args = self.signature.types();
        types::param_types(f, &args).map_err(|d| Error::Argument {
            kernel: self.kernel.to_string(),
            location: Some(Location::new(&self.source.path, d.span())),
            message: d.message.clone(),
            rendered: self.render(&d),
        })?;
        let typed =
            types::specialize(self.program, self.func, &args).map_err(|d| self.type_error(&d))?;
        if cpu {
            types::parallel::check(&typed).map_err(|d| self.type_error(&d))?;
        }
        Ok(typed)
    }

    /// The full pipeline for the host CPU, ending in machine code.
    pub(crate) fn compile(&self) -> Result<Specialization, Error> {
        let t0 = Instant::now();
        self.cpu_kernel()?;
        let typed = self.typed_for(true)?;
        let t1 = Instant::now();
        let host = host();
        let (context, raw) = Jit::context();
        let emitted = match emit::emit(context, &typed, host, self.kernel) {
            Ok(e) => e,
            Err(e) => {
                // SAFETY: nothing emitted into the context survives this branch.
                unsafe { Jit::discard(raw) };
                return Err(self.compile_error(e));
            }
        };
        let t2 = Instant::now();
        let optimized =
            with_host_machine(|m| target::optimize_at(&emitted.module, m, host.opt_level));
        if let Err(e) = optimized {
            drop(emitted);
            unsafe { Jit::discard(raw) };
            return Err(self.compile_error(e));
        }
        let t3 = Instant::now();
        let (jit, entry) = Jit::load(emitted.module, raw, abi::ENTRY, host.opt_level)
            .map_err(|e| self.compile_error(e))?;
        let t4 = Instant::now();
        log::debug!(
            target: "rumba",
            "compiled `{}` for {}: type {:?}, emit {:?}, optimize {:?}, codegen {:?} ({} on {})",
            self.kernel,
            self.signature,
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            host.cpu,
            host.triple
        );
        Ok(Specialization {
            signature: *self.signature,
            ret: typed.entry().ret,
            entry,
            sites: emitted.sites,
            _jit: jit,
        })
    }

    /// The pipeline up to optimized LLVM IR for a given target, without loading it. (Compiling is
    /// deterministic: for the host's [`TargetSpec`](target::TargetSpec) this is the IR that
    /// [`Self::compile`] loaded, which does not print it, to keep first calls short.)
    pub(crate) fn explain(&self, target: &target::TargetSpec) -> Result<Explain, Error> {
        self.cpu_kernel()?;
        let typed = self.typed_for(true)?;
        let typed_ir = ir::print::typed_program(&typed);
        let context = inkwell::context::Context::create();
        let emitted =
            emit::emit(&context, &typed, target, self.kernel).map_err(|e| self.compile_error(e))?;
        let machine = target.machine().map_err(|e| self.compile_error(e))?;
        target::optimize_at(&emitted.module, &machine, target.opt_level)
            .map_err(|e| self.compile_error(e))?;
        Ok(Explain {
            typed_ir,
            llvm_ir: emitted.module.print_to_string().to_string(),
        })
    }
}
