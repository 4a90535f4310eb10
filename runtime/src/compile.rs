//! Compiling a signature of a kernel: the compiler's driver for the host CPU, then loading.
//!
//! In: the kernel's lowered program, the entry function, a signature and a target. Out: a
//! [`Specialization`] (entry point, check sites) or, for reading, an [`Explain`], or an [`Error`]
//! rendered against the kernel's source (a compiler bug as [`Error::Internal`]). The stages are
//! `rumba_compiler::driver`'s; their times are logged under the `rumba` target.

use crate::error::{Error, ErrorKind, Location};
use crate::jit::{EntryFn, Jit};
use crate::signature::Signature;
use inkwell::targets::TargetMachine;
use rumba_compiler::back::abi::{self, Site};
use rumba_compiler::back::target;
use rumba_compiler::diag::Diagnostic;
use rumba_compiler::driver::{self, Input, Target};
use rumba_compiler::ir::{self, FuncId, Program, Type};
use rumba_compiler::span::SourceFile;
use std::cell::OnceCell;
use std::time::Instant;

/// The CPU this process runs on, looked up once. `RUMBA_OPT_LEVEL=0..3` (read once) sets LLVM's
/// optimization level, 3 by default: the differential tests run the JIT at 0 and at 3.
pub(crate) fn host() -> &'static target::TargetSpec {
    static HOST: std::sync::OnceLock<target::TargetSpec> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let mut host = target::TargetSpec::host();
        host.vector_library = crate::jit::libmvec().is_some();
        host.opt_level = std::env::var("RUMBA_OPT_LEVEL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3)
            .min(3);
        host
    })
}

/// Runs `f` with this thread's target machine for the host, created on the thread's first compile:
/// creating one parses the CPU's feature list and builds its subtarget tables, a cost worth paying
/// once rather than per signature. (LLVM target machines are not thread-safe, hence one per thread.)
fn with_host_machine<T>(
    f: impl FnOnce(&TargetMachine) -> Result<T, driver::Error>,
) -> Result<T, driver::Error> {
    thread_local! {
        static MACHINE: OnceCell<TargetMachine> = const { OnceCell::new() };
    }
    MACHINE.with(|cell| {
        let machine = match cell.get() {
            Some(m) => m,
            None => {
                let m = driver::machine(host())?;
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
    /// The kernel or a function it calls opts out of a safety check (`unsafe(..)` attributes):
    /// only the `unsafe` `Kernel::call_unchecked` may run it.
    pub(crate) unchecked: bool,
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
    /// Runs `f` on the driver's input for this request, mapping what the driver reports to
    /// [`Error`]s rendered against the source.
    pub(crate) fn drive<T>(
        &self,
        f: impl FnOnce(&Input) -> Result<T, driver::Error>,
    ) -> Result<T, Error> {
        let args = self.signature.types();
        let input = Input {
            program: self.program,
            entry: self.func,
            args: &args,
            verify: cfg!(debug_assertions),
        };
        f(&input).map_err(|e| self.error(e))
    }

    fn error(&self, e: driver::Error) -> Error {
        let kernel = self.kernel.to_string();
        let location = |d: &Diagnostic| Location::new(&self.source.path, d.span());
        let (kind, d) = match e {
            driver::Error::Argument(d) => (
                ErrorKind::Argument {
                    kernel,
                    location: Some(location(&d)),
                    message: d.message.clone(),
                },
                d,
            ),
            driver::Error::Type(d) => (
                ErrorKind::Type {
                    kernel,
                    location: location(&d),
                    message: d.message.clone(),
                },
                d,
            ),
            driver::Error::Target(d) => (
                ErrorKind::Cuda {
                    kernel,
                    location: Some(location(&d)),
                    message: d.message.clone(),
                },
                d,
            ),
            driver::Error::NoLibdevice(message) => {
                return ErrorKind::NoCuda { kernel, message }.into()
            }
            driver::Error::Internal(e) => {
                return ErrorKind::Internal {
                    kernel,
                    message: e.to_string(),
                }
                .into()
            }
        };
        Error::rendered_as(kind, self.render(&d))
    }

    fn render(&self, d: &Diagnostic) -> String {
        let d = d.clone().with_note(format!(
            "while specializing `{}` for {}",
            self.kernel, self.signature
        ));
        d.render(self.source)
    }

    /// Source -> typed IR before the passes, with the host CPU's checks: what `Kernel::interpret`
    /// runs, so that the passes are tested against the interpreter too.
    pub(crate) fn specialized(&self) -> Result<ir::TypedProgram, Error> {
        let target = Target::Cpu {
            spec: host(),
            machine: None,
        };
        self.drive(|input| driver::specialize(input, &target))
    }

    /// The driver for the host CPU, then loading the machine code.
    pub(crate) fn compile(&self) -> Result<Specialization, Error> {
        let host = host();
        // What the driver reports, kept apart from what loading reports.
        let mut failed = None;
        let unchecked = self.program.unchecked(self.func);
        let built = Jit::build(host.opt_level, abi::ENTRY, |context| {
            let compiled = self.drive(|input| {
                with_host_machine(|machine| {
                    let target = Target::Cpu {
                        spec: host,
                        machine: Some(machine),
                    };
                    driver::compile(context, input, &target)
                })
            });
            match compiled {
                Ok(c) => {
                    let ret = c.typed.entry().ret;
                    Ok((c.module, (ret, c.sites, c.timings, Instant::now())))
                }
                Err(e) => {
                    failed = Some(e);
                    Err(String::new())
                }
            }
        });
        let (jit, entry, (ret, sites, timings, t)) = match (built, failed) {
            (Ok(built), _) => built,
            (Err(_), Some(e)) => return Err(e),
            (Err(message), None) => {
                return Err(ErrorKind::Internal {
                    kernel: self.kernel.to_string(),
                    message: format!("loading the machine code: {message}"),
                }
                .into())
            }
        };
        log::debug!(
            target: "rumba",
            "compiled `{}` for {}: {}, load {:?} ({} on {})",
            self.kernel,
            self.signature,
            timings,
            t.elapsed(),
            host.cpu,
            host.triple
        );
        Ok(Specialization {
            signature: *self.signature,
            ret,
            entry,
            sites,
            unchecked,
            _jit: jit,
        })
    }

    /// The driver for a given CPU target, without loading the code. (Compiling is deterministic:
    /// for the host's [`TargetSpec`](target::TargetSpec) this is the IR that [`Self::compile`]
    /// loaded, which does not print it, to keep first calls short.)
    pub(crate) fn explain(&self, spec: &target::TargetSpec) -> Result<Explain, Error> {
        let context = inkwell::context::Context::create();
        let target = Target::Cpu {
            spec,
            machine: None,
        };
        self.drive(|input| {
            let compiled = driver::compile(&context, input, &target)?;
            Ok(Explain {
                typed_ir: ir::print::typed_program(&compiled.typed),
                llvm_ir: compiled.module.print_to_string().to_string(),
            })
        })
    }
}
