//! Compiling a signature of a kernel: the compiler's driver for the host CPU, machine code as an
//! object file, the on-disk cache, then loading.
//!
//! In: the kernel's lowered program, the entry function, a signature and a target (or, for
//! [`cached`], only the cache key). Out: a [`Specialization`] (entry point, check sites) or, for
//! reading, an [`Explain`] or the assembly, or an [`Error`] rendered against the kernel's source
//! (a compiler bug as [`Error::Internal`]). The stages are `rumba_compiler::driver`'s; their
//! times are logged under the `rumba` target and added to [`crate::stats()`].

use crate::cache::{self, Key};
use crate::dump;
use crate::error::{Error, ErrorKind, Location};
use crate::host::host;
use crate::jit::{self, Code, EntryFn};
use crate::kernel::Linked;
use crate::signature::Signature;
use crate::stats::{self, Step};
use inkwell::module::{Linkage, Module};
use inkwell::targets::{FileType, TargetMachine};
use rumba_compiler::back::abi::{self, Site};
use rumba_compiler::back::target;
use rumba_compiler::diag::Diagnostic;
use rumba_compiler::driver::{self, Input, Internal, Target};
use rumba_compiler::ir::{self, FuncId, Program, Type};
use rumba_compiler::span::SourceFile;
use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Instant;

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
    /// The bytes the result takes in the entry's `ret` buffer (`abi::ret_size`), computed once.
    pub(crate) ret_bytes: usize,
    pub(crate) entry: EntryFn,
    pub(crate) sites: Vec<Site>,
    /// The kernel or a function it calls opts out of a safety check (`unsafe(..)` attributes):
    /// only the `unsafe` `Kernel::call_unchecked` may run it.
    pub(crate) unchecked: bool,
    _code: Arc<Code>,
}

impl Specialization {
    /// Loads a stored or freshly compiled entry of `kernel`.
    fn load(
        kernel: &str,
        signature: &Signature,
        key: &Key,
        entry: cache::Entry,
    ) -> Result<Self, String> {
        let start = Instant::now();
        let label = format!("{kernel}{signature}");
        let code = jit::load(&entry.object, &key.symbol(), &label)?;
        stats::record(Step::Load, start.elapsed());
        Ok(Specialization {
            signature: *signature,
            ret: entry.ret,
            ret_bytes: rumba_compiler::back::abi::ret_size(entry.ret) as usize,
            entry: code.entry,
            sites: entry.sites,
            unchecked: entry.unchecked,
            _code: code,
        })
    }
}

/// The specialization stored in the on-disk cache under `key`, loaded; `None` on a miss (or with
/// `RUMBA_DUMP`, which must see every compilation).
pub(crate) fn cached(kernel: &str, key: &Key, signature: &Signature) -> Option<Specialization> {
    if dump::any() {
        return None;
    }
    let entry = cache::load(kernel, key)?;
    match Specialization::load(kernel, signature, key, entry) {
        Ok(spec) => {
            log::debug!(target: "rumba", "loaded `{kernel}` for {signature} from the cache");
            Some(spec)
        }
        Err(e) => {
            log::debug!(target: "rumba", "cache: loading `{kernel}` for {signature} failed ({e}), recompiling");
            None
        }
    }
}

/// The machine code of `module` as `kind` (an object file, or assembly text) for `machine`, with
/// its entry point renamed to `symbol` and every other function internal (the module's own copies
/// of compiler-rt's `__powidf2` included), so that objects loaded side by side never clash.
fn machine_code(
    module: &Module<'_>,
    machine: &TargetMachine,
    symbol: &str,
    kind: FileType,
) -> Result<Vec<u8>, driver::Error> {
    let internal = |message: String| {
        driver::Error::Internal(Internal {
            stage: driver::Stage::Optimize,
            message,
        })
    };
    let entry = module
        .get_function(abi::ENTRY)
        .ok_or_else(|| internal(format!("no `{}` in the module", abi::ENTRY)))?;
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if func != entry && func.count_basic_blocks() > 0 {
            func.set_linkage(Linkage::Internal);
        }
        f = func.get_next_function();
    }
    entry.as_global_value().set_name(symbol);
    let code = machine
        .write_to_memory_buffer(module, kind)
        .map_err(|e| internal(format!("generating machine code: {e}")));
    entry.as_global_value().set_name(abi::ENTRY);
    Ok(code?.as_slice().to_vec())
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
    /// The files of the functions of other blocks linked in.
    pub linked: &'a Linked,
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
            debug_source: jit::debuginfo().then_some(self.source.path.as_str()),
        };
        f(&input).map_err(|e| self.error(e))
    }

    fn error(&self, e: driver::Error) -> Error {
        let kernel = self.kernel.to_string();
        let location = |d: &Diagnostic| Location::new(&self.file(d).path, d.span());
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
        d.render(self.file(&d))
    }

    /// The file a diagnostic's spans are in: a linked function's block's, or the kernel's.
    fn file(&self, d: &Diagnostic) -> &SourceFile {
        match &d.function {
            Some(f) => self.linked.file_of(f),
            None => self.source,
        }
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

    /// The driver for the host CPU, an object file (stored in the on-disk cache under `key`),
    /// then loading it.
    pub(crate) fn compile(&self, key: &Key) -> Result<Specialization, Error> {
        let mut host = host().clone();
        host.vector_library &= jit::libmvec().is_some();
        let host = &host;
        let unchecked = self.program.unchecked(self.func);
        let signature = self.signature.to_string();
        let context = inkwell::context::Context::create();
        let (entry, timings, codegen) = self.drive(|input| {
            with_host_machine(|machine| {
                let target = Target::Cpu {
                    spec: host,
                    machine: Some(machine),
                };
                let c = driver::compile(&context, input, &target)?;
                dump::dump(dump::Stage::Ir, self.kernel, &signature, || {
                    ir::print::typed_program(&c.typed)
                });
                dump::dump(dump::Stage::Llvm, self.kernel, &signature, || {
                    c.module.print_to_string().to_string()
                });
                if dump::wants(dump::Stage::Asm) {
                    let asm = machine_code(&c.module, machine, &key.symbol(), FileType::Assembly)?;
                    dump::dump(dump::Stage::Asm, self.kernel, &signature, || {
                        String::from_utf8_lossy(&asm).into_owned()
                    });
                }
                jit::check_externals(&c.module).map_err(|message| {
                    driver::Error::Internal(Internal {
                        stage: driver::Stage::Emit,
                        message,
                    })
                })?;
                let t = Instant::now();
                let object = machine_code(&c.module, machine, &key.symbol(), FileType::Object)?;
                let entry = cache::Entry {
                    ret: c.typed.entry().ret,
                    unchecked,
                    sites: c.sites,
                    object,
                };
                Ok((entry, c.timings, t.elapsed()))
            })
        })?;
        stats::compiled(&timings);
        stats::record(Step::Codegen, codegen);
        cache::store(self.kernel, key, &entry);
        let t = Instant::now();
        let spec =
            Specialization::load(self.kernel, self.signature, key, entry).map_err(|message| {
                Error::from(ErrorKind::Internal {
                    kernel: self.kernel.to_string(),
                    message: format!("loading the machine code: {message}"),
                })
            })?;
        log::debug!(
            target: "rumba",
            "compiled `{}` for {}: {}, codegen {codegen:?}, load {:?} ({} on {})",
            self.kernel,
            self.signature,
            timings,
            t.elapsed(),
            host.cpu,
            host.triple
        );
        Ok(spec)
    }

    /// The host assembly of this signature, as loaded (compiled again: the cache keeps the object).
    pub(crate) fn assembly(&self, key: &Key) -> Result<String, Error> {
        let context = inkwell::context::Context::create();
        self.drive(|input| {
            with_host_machine(|machine| {
                let target = Target::Cpu {
                    spec: host(),
                    machine: Some(machine),
                };
                let c = driver::compile(&context, input, &target)?;
                let asm = machine_code(&c.module, machine, &key.symbol(), FileType::Assembly)?;
                Ok(String::from_utf8_lossy(&asm).into_owned())
            })
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
