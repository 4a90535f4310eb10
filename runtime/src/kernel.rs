//! Kernels and dispatch: the specialization cache keyed by argument signature.
//!
//! In: a call's [`Arg`]s. Out: the kernel's [`Value`] or an [`Error`]. The first call with a new
//! [`Signature`] compiles it, or loads it from the on-disk cache (`cache.rs`) (exactly once,
//! however many threads ask at the same time); later
//! calls find it under a read lock and jump straight to machine code. Failed compilations are
//! cached too, so a bad signature costs one compile, and no lock is ever left poisoned.
//!
//! A kernel that opts out of a safety check, on itself or on a function it calls (bounds checks:
//! `#[rumba(unsafe(boundscheck = false))]`, reads and writes out of bounds on a bad index; the race
//! check of `prange`: `#[rumba(unsafe(unchecked_parallel))]`, races when two iterations touch one
//! element): the safe [`Kernel::call`] refuses to run it ([`ErrorKind::Unchecked`]), and only the
//! `unsafe` [`Kernel::call_unchecked`] does, its caller vouching for the contract.

use crate::arg::{Arg, RawParts, Slot};
use crate::cache::Key;
use crate::compile::{Explain, Request, Specialization};
use crate::error::{Error, ErrorKind, Location};
use crate::signature::{Signature, MAX_ARGS};
use crate::value::{FromValue, Value};
use rumba_compiler::back::abi::{ErrInfo, Site, SiteKind};
use rumba_compiler::back::target::TargetSpec;
use rumba_compiler::diag::Diagnostic;
use rumba_compiler::ir::{FuncId, Program};
use rumba_compiler::span::SourceFile;
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

mod interpret;
mod link;

pub(crate) use link::Linked;
pub use link::{Callee, Link};

/// `RUMBA_DISABLE_JIT=1`: calls run in the interpreter.
pub(crate) fn jit_disabled() -> bool {
    static DISABLED: OnceLock<bool> = OnceLock::new();
    *DISABLED.get_or_init(|| std::env::var("RUMBA_DISABLE_JIT").is_ok_and(|v| v == "1"))
}

/// The source of one kernel of a `compile!` block: its file, its text, the functions of other
/// blocks it calls, and (once needed) its lowered and linked IR (see `link.rs`).
/// (Made by `compile!`: `rumba::__private::Source`.)
#[derive(Debug)]
pub struct Source {
    path: &'static str,
    /// `module_path!()` where `compile!` put the kernel's module (the block's module and the
    /// kernel's name); empty when not known.
    module: &'static str,
    text: &'static str,
    links: &'static [Link],
    /// The text alone, lowered.
    lowered: OnceLock<Result<Arc<Program>, Error>>,
    /// Linked with what it calls of other blocks.
    linked: OnceLock<Result<Linked, Error>>,
    /// What the cache key covers: the text and every linked source's (see [`Source::key_text`]).
    key_text: OnceLock<String>,
}

impl Source {
    pub const fn new(path: &'static str, text: &'static str) -> Source {
        Source::linking(path, "", text, &[])
    }

    /// A kernel's source in module `module` whose text calls functions of other blocks (`links`).
    pub const fn linking(
        path: &'static str,
        module: &'static str,
        text: &'static str,
        links: &'static [Link],
    ) -> Source {
        Source {
            path,
            module,
            text,
            links,
            lowered: OnceLock::new(),
            linked: OnceLock::new(),
            key_text: OnceLock::new(),
        }
    }

    /// The text, lowered (without what other blocks give).
    fn lowered(&self, kernel: &str) -> Result<&Arc<Program>, Error> {
        self.lowered
            .get_or_init(|| {
                let start = std::time::Instant::now();
                match rumba_compiler::driver::lower(self.text) {
                    Ok(p) => {
                        log::debug!(target: "rumba", "lowered {} ({} functions) in {:?}", self.path, p.functions.len(), start.elapsed());
                        crate::stats::record(crate::stats::Step::Lower, start.elapsed());
                        Ok(Arc::new(p))
                    }
                    Err(errors) => {
                        let file = SourceFile::new(self.path, self.text);
                        // Every error is rendered; the fields describe the first.
                        let render = |e: &rumba_compiler::front::FrontError| {
                            let d = Diagnostic::new(e.message.clone(), e.span, "here");
                            match &e.hint {
                                Some(h) => d.with_help(h.clone()).render(&file),
                                None => d.render(&file),
                            }
                        };
                        let (message, span) = errors.first().map_or_else(|| ("invalid kernel source".to_string(), Default::default()), |e| (e.message.clone(), e.span));
                        let rendered = errors.iter().map(render).collect::<Vec<_>>().join("\n\n");
                        Err(Error::rendered_as(
                            ErrorKind::Syntax {
                                kernel: kernel.to_string(),
                                location: Location::new(self.path, span),
                                message,
                            },
                            rendered,
                        ))
                    }
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The kernel's text linked with what it calls of other blocks.
    fn linked(&'static self, kernel: &str) -> Result<&'static Linked, Error> {
        self.linked
            .get_or_init(|| link::link(self, kernel))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The program the kernel compiles (its text linked with what it calls of other blocks) and
    /// its file.
    fn program(&'static self, kernel: &str) -> Result<&'static (Arc<Program>, SourceFile), Error> {
        self.linked(kernel).map(|l| &l.program)
    }

    /// The file that function `function` of the linked program comes from (the kernel's own, or
    /// a linked block's).
    fn file_of(&'static self, kernel: &str, function: &str) -> Option<&'static SourceFile> {
        Some(self.linked(kernel).ok()?.file_of(function))
    }
}

type CacheEntry = Result<Arc<Specialization>, Error>;
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;

/// A kernel: one `fn` of a `compile!` block, with its cache of compiled signatures.
pub struct Kernel {
    source: &'static Source,
    name: &'static str,
    /// Every signature seen. Entries are never removed, so a `Specialization` lives as long as
    /// the kernel: the invariant that makes `last` sound.
    cache: RwLock<FastMap<Signature, CacheEntry>>,
    /// The most recently used specialization (null before the first call): calls that repeat the
    /// previous signature, the common case in a loop, skip hashing and locking.
    last: AtomicPtr<Specialization>,
    compiling: Mutex<()>,
    compilations: AtomicUsize,
    /// The GPU's specializations, per signature and device architecture.
    pub(crate) gpu: crate::cuda::GpuCache,
    /// See [`Kernel::is_unchecked`]; set on the first call.
    unchecked: OnceLock<bool>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("name", &self.name)
            .field("file", &self.source.path)
            .field("signatures", &self.signatures())
            .field("compilations", &self.compilations())
            .finish_non_exhaustive()
    }
}

impl Kernel {
    /// The kernel `name` of `source` (what `compile!` and [`Kernel::from_source`] build).
    pub(crate) fn new(source: &'static Source, name: &'static str) -> Kernel {
        Kernel {
            source,
            name,
            cache: RwLock::new(FastMap::default()),
            last: AtomicPtr::new(std::ptr::null_mut()),
            compiling: Mutex::new(()),
            compilations: AtomicUsize::new(0),
            gpu: Default::default(),
            unchecked: OnceLock::new(),
        }
    }

    /// Whether this kernel, or a function it calls, opts out of a safety check
    /// (`#[rumba(unsafe(boundscheck = false))]`, `#[rumba(unsafe(unchecked_parallel))]`), so that
    /// only [`Kernel::call_unchecked`] runs it.
    /// (`false` for a source that does not lower: its calls fail with that error.)
    pub fn is_unchecked(&self) -> bool {
        *self.unchecked.get_or_init(|| {
            let Ok((program, _)) = self.source.program(self.name) else {
                return false;
            };
            program
                .find(self.name)
                .is_some_and(|k| program.unchecked(k))
        })
    }

    /// The error of a safe call of a kernel that [`is_unchecked`](Self::is_unchecked).
    #[cold]
    pub(crate) fn unchecked_error(&self) -> Error {
        ErrorKind::Unchecked {
            kernel: self.name.to_string(),
        }
        .into()
    }

    pub fn name(&self) -> &str {
        self.name
    }

    /// The kernel's source text, as laid out in its file.
    pub fn source_text(&self) -> &str {
        self.source.text
    }

    /// How many signatures have been compiled or loaded from the on-disk cache (successfully or
    /// not).
    pub fn compilations(&self) -> usize {
        self.compilations.load(Ordering::Relaxed)
    }

    /// The signatures compiled successfully so far, in no particular order.
    pub fn signatures(&self) -> Vec<Signature> {
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        cache
            .iter()
            .filter(|(_, v)| v.is_ok())
            .map(|(k, _)| *k)
            .collect()
    }

    /// Calls the kernel, converting its result to `R` (a scalar or `()` straight from the bytes
    /// compiled code wrote, without a [`Value`] in between).
    #[inline]
    pub fn call_as<R: FromValue>(&self, args: &[Arg<'_>]) -> Result<R, Error> {
        self.dispatch(args, true)
    }

    /// [`call_unchecked`](Self::call_unchecked), converting the result to `R`.
    ///
    /// # Safety
    /// As for [`call_unchecked`](Self::call_unchecked).
    #[inline]
    pub unsafe fn call_as_unchecked<R: FromValue>(&self, args: &[Arg<'_>]) -> Result<R, Error> {
        self.dispatch(args, false)
    }

    /// Compiles each signature now (or loads it from the on-disk cache), so that no call pays for
    /// it later; the first error is returned (and, like every failure, kept for calls).
    /// Signatures come from example arguments ([`signature`](Self::signature)) or from types
    /// ([`Signature::new`]). At start-up, on a thread of its own:
    /// `std::thread::spawn(move || saxpy::kernel().precompile(&signatures))`.
    pub fn precompile(&self, signatures: &[Signature]) -> Result<(), Error> {
        for s in signatures {
            self.lookup_or_compile(*s)?;
        }
        Ok(())
    }

    /// A value this kernel returned, as `R`.
    #[inline]
    pub(crate) fn convert<R: FromValue>(&self, v: Value) -> Result<R, Error> {
        // Only the name is kept before the value is consumed: no formatting on the call path.
        let found = v.type_name();
        R::from_value(v).ok_or_else(|| self.return_error(R::TYPE_NAME, found))
    }

    /// The kernel returned a `found`, and the caller asked for an `expected`.
    #[cold]
    #[inline(never)]
    fn return_error(&self, expected: &str, found: &str) -> Error {
        ErrorKind::Return {
            kernel: self.name.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
        .into()
    }

    /// Calls the kernel.
    ///
    /// With the environment variable `RUMBA_DISABLE_JIT=1` (read once), every call runs in the
    /// reference interpreter instead, as `NUMBA_DISABLE_JIT` does for Numba: slow, but useful to
    /// tell a compiler bug from a kernel bug.
    ///
    /// A kernel that [`is_unchecked`](Self::is_unchecked) is not run: the call returns
    /// [`ErrorKind::Unchecked`] (see [`call_unchecked`](Self::call_unchecked)).
    pub fn call(&self, args: &[Arg<'_>]) -> Result<Value, Error> {
        self.dispatch(args, true)
    }

    /// Calls the kernel, also when it opts out of bounds checks
    /// (`#[rumba(unsafe(boundscheck = false))]`); otherwise the same as [`call`](Self::call).
    ///
    /// # Safety
    /// If the kernel [`is_unchecked`](Self::is_unchecked), every index it (and every function it
    /// calls) uses in the functions without checks must be in bounds for these arguments: an
    /// index out of bounds there reads or writes outside the arrays, which is undefined
    /// behaviour. For other kernels this is as safe as [`call`](Self::call).
    pub unsafe fn call_unchecked(&self, args: &[Arg<'_>]) -> Result<Value, Error> {
        self.dispatch(args, false)
    }

    /// The calls above: `checked` refuses a kernel that [`is_unchecked`](Self::is_unchecked).
    ///
    /// Inlined into the caller down to the jump to machine code: a call whose arguments match the
    /// last specialization's signature code by code (no [`Signature`] is built: one written and
    /// read back at once costs each call a stalled load) runs it; any other call, an error and
    /// the interpreter (`last` stays null with `RUMBA_DISABLE_JIT=1`) take
    /// [`dispatch_slow`](Self::dispatch_slow).
    #[inline]
    fn dispatch<R: FromValue>(&self, args: &[Arg<'_>], checked: bool) -> Result<R, Error> {
        // SAFETY: `last` is null or points into an `Arc` held by `cache`, which never drops entries.
        match unsafe { self.last.load(Ordering::Acquire).as_ref() } {
            Some(spec) if spec.signature.matches(args) && !(checked && spec.unchecked) => {
                self.invoke(spec, args)
            }
            _ => self.dispatch_slow(args, checked),
        }
    }

    /// [`dispatch`](Self::dispatch) of a signature other than the last one's: looked up or
    /// compiled, and remembered as the last; or interpreted (`RUMBA_DISABLE_JIT=1`); or an error.
    #[cold]
    #[inline(never)]
    fn dispatch_slow<R: FromValue>(&self, args: &[Arg<'_>], checked: bool) -> Result<R, Error> {
        if jit_disabled() {
            if checked && self.is_unchecked() {
                return Err(self.unchecked_error());
            }
            return self.convert(self.interpret(args)?);
        }
        let spec = self.lookup_or_compile(self.signature(args)?)?;
        if checked && spec.unchecked {
            return Err(self.unchecked_error());
        }
        // `cache` keeps this `Arc` alive for the kernel's lifetime (what `dispatch` relies on).
        self.last
            .store(Arc::as_ptr(&spec) as *mut Specialization, Ordering::Release);
        self.invoke(&spec, args)
    }

    /// The typed loop IR compiled for these arguments' signature (compiled again for reading: the
    /// cache keeps machine code only, so that first calls do not pay for printing).
    pub fn typed_ir(&self, args: &[Arg<'_>]) -> Result<String, Error> {
        Ok(self.explain(args, crate::host::host())?.typed_ir)
    }

    /// The optimized LLVM IR compiled for these arguments' signature (compiled again, as above).
    pub fn llvm_ir(&self, args: &[Arg<'_>]) -> Result<String, Error> {
        Ok(self.explain(args, crate::host::host())?.llvm_ir)
    }

    /// The host assembly of the machine code for these arguments' signature (compiled again for
    /// reading, as above), in the AT&T syntax LLVM prints.
    pub fn asm(&self, args: &[Arg<'_>]) -> Result<String, Error> {
        let signature = self.signature(args)?;
        let key = Key::new(self.name, self.source.key_text(), &signature);
        self.with_request(&signature, |r| r.assembly(&key))
    }

    /// Compiles the signature of `args` for `target` without caching or loading it: for reading
    /// what the compiler does on a pinned CPU (snapshot tests).
    pub fn explain(&self, args: &[Arg<'_>], target: &TargetSpec) -> Result<Explain, Error> {
        let signature = self.signature(args)?;
        self.with_request(&signature, |r| r.explain(target))
    }

    /// An argument that cannot be passed at all (before any signature exists): rendered against
    /// parameter `param`'s declaration (or the kernel's signature) when the source lowers.
    pub(crate) fn argument_error(
        &self,
        message: String,
        param: Option<usize>,
        help: &str,
    ) -> Error {
        let kernel = self.name.to_string();
        let found = self
            .source
            .program(self.name)
            .ok()
            .and_then(|(program, file)| {
                let func = program.func(program.find(self.name)?);
                let (span, label) = match param.and_then(|i| func.params.get(i)) {
                    Some(&p) => (func.local(p).span, "this parameter"),
                    None => (func.sig_span, "kernel defined here"),
                };
                Some((
                    span,
                    Diagnostic::new(message.clone(), span, label)
                        .with_help(help)
                        .render(file),
                ))
            });
        let (location, rendered) = match found {
            Some((span, rendered)) => (Some(Location::new(self.source.path, span)), rendered),
            None => (
                None,
                format!("error: kernel `{}`: {message}\n  = help: {help}", self.name),
            ),
        };
        Error::rendered_as(
            ErrorKind::Argument {
                kernel,
                location,
                message,
            },
            rendered,
        )
    }

    /// The name of parameter `i`, when the source lowers and has one.
    fn param_name(&self, i: usize) -> Option<String> {
        let (program, _) = self.source.program(self.name).ok()?;
        let func = program.func(program.find(self.name)?);
        func.params.get(i).map(|p| func.local(*p).name.clone())
    }

    /// The signature of these arguments (what a call with them compiles), e.g. to
    /// [`precompile`](Self::precompile) it.
    pub fn signature(&self, args: &[Arg<'_>]) -> Result<Signature, Error> {
        if args.len() > MAX_ARGS {
            let message = format!(
                "kernels take at most {MAX_ARGS} arguments, the call passed {}",
                args.len()
            );
            return Err(self.argument_error(message, None, "pass fewer, larger arrays"));
        }
        let mut s = Signature::of_len(args.len());
        for (i, a) in args.iter().enumerate() {
            match a.slot {
                Slot::Invalid(why) => {
                    let (what, help) = why
                        .split_once(": ")
                        .unwrap_or((why, "pass a scalar or an array of 1 to 8 dimensions"));
                    return Err(self.argument_error(self.argument_message(i, what), Some(i), help));
                }
                Slot::Device(_) => s.set(i, a.ty, true),
                Slot::Scalar(_) | Slot::Array(_) | Slot::Struct(_) => s.set(i, a.ty, false),
            }
        }
        Ok(s)
    }

    pub(crate) fn argument_message(&self, i: usize, what: &str) -> String {
        match self.param_name(i) {
            Some(name) => format!("argument {} (`{name}`) cannot be passed: {what}", i + 1),
            None => format!("argument {} cannot be passed: {what}", i + 1),
        }
    }

    /// A CPU call (or interpretation) of a signature with a device array is an error.
    pub(crate) fn reject_device_arrays(&self, signature: &Signature) -> Result<(), Error> {
        match signature.device_arg() {
            None => Ok(()),
            Some(i) => Err(self.argument_error(
                self.argument_message(i, "it is an array in GPU memory, which the CPU cannot read"),
                Some(i),
                "run the kernel on the GPU (`f::cuda(..)`), or copy the array to the host with `.to_host()`",
            )),
        }
    }

    pub(crate) fn with_request<T>(
        &self,
        signature: &Signature,
        f: impl FnOnce(&Request) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let linked = self.source.linked(self.name)?;
        let (program, file) = &linked.program;
        let func: FuncId = program.find(self.name).ok_or_else(|| ErrorKind::Compile {
            kernel: self.name.into(),
            message: "kernel not found in its source".into(),
        })?;
        let request = Request {
            kernel: self.name,
            source: file,
            linked,
            program,
            func,
            signature,
        };
        f(&request)
    }

    /// The specialization of `signature`: found in the cache under a read lock, else compiled
    /// (or loaded from the on-disk cache) once, whoever asks at the same time.
    #[cold]
    #[inline(never)]
    pub(crate) fn lookup_or_compile(&self, signature: Signature) -> CacheEntry {
        if let Some(entry) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&signature)
        {
            return entry.clone();
        }
        let _guard = self
            .compiling
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&signature)
        {
            return entry.clone();
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.reject_device_arrays(&signature)?;
            self.build(&signature)
        }))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(ErrorKind::Internal {
                kernel: self.name.to_string(),
                message: format!("internal compiler error: {message}"),
            }
            .into())
        })
        .map(Arc::new);
        if let Err(e) = &result {
            log::debug!(target: "rumba", "`{}` for {signature} failed to compile: {e}", self.name);
        }
        self.compilations.fetch_add(1, Ordering::Relaxed);
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(signature, result.clone());
        result
    }

    /// A signature's machine code: from the on-disk cache, else compiled (and stored there).
    fn build(&self, signature: &Signature) -> Result<Specialization, Error> {
        crate::jit::prepare();
        let key = Key::new(self.name, self.source.key_text(), signature);
        match crate::compile::cached(self.name, &key, signature) {
            Some(spec) => Ok(spec),
            None => self.with_request(signature, |r| r.compile(&key)),
        }
    }

    /// Runs `spec` (compiled for the signature of `args`) on `args`, its result as `R`.
    #[inline]
    fn invoke<R: FromValue>(&self, spec: &Specialization, args: &[Arg<'_>]) -> Result<R, Error> {
        let mut ptrs: [*mut u8; MAX_ARGS] = [std::ptr::null_mut(); MAX_ARGS];
        for (p, a) in ptrs.iter_mut().zip(args) {
            *p = match &a.slot {
                Slot::Scalar(bytes) => bytes.as_ptr() as *mut u8,
                Slot::Struct(bytes) => bytes.as_ptr() as *mut u8,
                Slot::Array(parts) => parts as *const RawParts as *mut u8,
                Slot::Invalid(_) | Slot::Device(_) => {
                    unreachable!("rejected by signature() and lookup_or_compile()")
                }
            };
        }
        // SAFETY: the entry point was compiled for exactly this signature; every pointer in
        // `ptrs` refers to data borrowed by `args` for the duration of the call.
        unsafe { self.enter(spec, ptrs.as_ptr()) }
    }

    /// Calls `spec`'s entry point with `args` (`abi::ENTRY`: one pointer per parameter) and
    /// decodes its result as `R`. A result of up to 16 bytes (any scalar) comes back in a buffer
    /// on the stack.
    ///
    /// # Safety
    /// `args` points at one pointer per parameter of `spec`, each to what compiled code reads for
    /// that parameter's type (the scalar's bytes, an `abi::RawArray` whose array is borrowed, and
    /// borrowed exclusively when writable, for the call). Array data is only accessed within the
    /// extents passed alongside it (checked unless the kernel opted out of bounds checks).
    #[inline]
    pub(crate) unsafe fn enter<R: FromValue>(
        &self,
        spec: &Specialization,
        args: *const *mut u8,
    ) -> Result<R, Error> {
        if spec.ret_bytes > 16 {
            // SAFETY: the caller's contract.
            return unsafe { self.enter_large(spec, args) };
        }
        let mut ret = [0u64; 2];
        // SAFETY: the caller's contract; `ret` has room for the result.
        unsafe { self.run_entry(spec, args, &mut ret) }
    }

    /// [`enter`](Self::enter) of a result past 16 bytes (arrays, tuples), in a buffer on the
    /// heap.
    ///
    /// # Safety
    /// As for [`enter`](Self::enter).
    #[inline(never)]
    unsafe fn enter_large<R: FromValue>(
        &self,
        spec: &Specialization,
        args: *const *mut u8,
    ) -> Result<R, Error> {
        let mut ret = vec![0u64; spec.ret_bytes.div_ceil(8)];
        // SAFETY: the caller's contract; `ret` has room for the result.
        unsafe { self.run_entry(spec, args, &mut ret) }
    }

    /// # Safety
    /// As for [`enter`](Self::enter), and `ret` holds at least `spec.ret_bytes` bytes.
    #[inline]
    unsafe fn run_entry<R: FromValue>(
        &self,
        spec: &Specialization,
        args: *const *mut u8,
        ret: &mut [u64],
    ) -> Result<R, Error> {
        let mut err = ErrInfo::default();
        // SAFETY: the caller's contract.
        let status = unsafe { (spec.entry)(args, ret.as_mut_ptr() as *mut u8, &mut err) };
        if status != 0 {
            return Err(self.runtime_error(spec, &err));
        }
        // SAFETY: `ret` is `ret.len()` initialized `u64`s, viewed as their bytes.
        let bytes = unsafe { std::slice::from_raw_parts(ret.as_ptr() as *const u8, ret.len() * 8) };
        // SAFETY: the call succeeded, so compiled code wrote a result of type `spec.ret` (whose
        // arrays it hands over) into `ret`, `abi::ret_size` bytes.
        unsafe { R::from_ret(spec.ret, bytes) }
            .map_err(|found| self.return_error(R::TYPE_NAME, found))
    }

    #[cold]
    #[inline(never)]
    fn runtime_error(&self, spec: &Specialization, err: &ErrInfo) -> Error {
        match spec.sites.get(err.site as usize) {
            Some(site) => self.check_error(site, err.values),
            None => ErrorKind::Internal {
                kernel: self.name.to_string(),
                message: format!("unknown error site {}", err.site),
            }
            .into(),
        }
    }

    /// The error of a failed check at `site` that reported `values` (from compiled code, or from
    /// the interpreter in `Kernel::interpret`).
    pub(crate) fn check_error(&self, site: &Site, values: [i64; 4]) -> Error {
        let kernel = self.name.to_string();
        let render = |d: Diagnostic| {
            let mut d = d;
            if site.function != self.name {
                d = d.with_note(format!(
                    "in `{}`, called from kernel `{}`",
                    site.function, self.name
                ));
            }
            match self.source.file_of(self.name, &site.function) {
                Some(file) => d.render(file),
                None => format!("error: {}", d.message),
            }
        };
        let path = self
            .source
            .file_of(self.name, &site.function)
            .map_or(self.source.path, |f| f.path.as_str());
        let location = Location::new(path, site.span);
        let v = values;
        // A value Rust's code panics on: `ErrorKind::InvalidValue`.
        let invalid = |message: String, label: &str| {
            let rendered = render(Diagnostic::new(message.clone(), site.span, label));
            let kind = ErrorKind::InvalidValue {
                kernel: kernel.clone(),
                location,
                message,
            };
            Error::rendered_as(kind, rendered)
        };
        match &site.kind {
            SiteKind::OutOfBounds { array } => {
                let (index, len, axis) = (v[0] as u64, v[1] as u64, v[2] as usize);
                let message = format!("index out of bounds: `{array}` has length {len} on axis {axis} but the index is {index}");
                let rendered = render(Diagnostic::new(
                    message,
                    site.span,
                    format!("index {index} out of bounds"),
                ));
                let kind = ErrorKind::OutOfBounds {
                    kernel,
                    location,
                    array: array.clone(),
                    axis,
                    index,
                    len,
                };
                Error::rendered_as(kind, rendered)
            }
            SiteKind::DivisionByZero => {
                let rendered = render(Diagnostic::new(
                    format!("attempt to divide `{}` by zero", v[0]),
                    site.span,
                    "division by zero",
                ));
                Error::rendered_as(ErrorKind::DivisionByZero { kernel, location }, rendered)
            }
            SiteKind::DivisionOverflow => {
                let rendered = render(Diagnostic::new(
                    format!("attempt to divide `{}` by `{}` with overflow", v[0], v[1]),
                    site.span,
                    "overflow",
                ));
                Error::rendered_as(ErrorKind::Overflow { kernel, location }, rendered)
            }
            SiteKind::StepZero => invalid("`step_by` with a step of zero".into(), "step is 0"),
            SiteKind::RecursionDepth => invalid(
                format!(
                    "recursion too deep: this call would be call {} of a chain of recursive calls, past the limit of {}",
                    v[0],
                    rumba_compiler::ir::MAX_CALL_DEPTH
                ),
                "recursive call past the depth limit",
            ),
            SiteKind::ShapeMismatch { a, b } => {
                let (axis, m, n) = (v[0], v[1], v[2]);
                invalid(
                    format!(
                        "shape mismatch: `{a}` has extent {m} on axis {axis} but `{b}` has {n}"
                    ),
                    "arrays walked together must have one shape",
                )
            }
            SiteKind::Broadcast { ndims, onto } => {
                let [m, n] = ndims.map(usize::from);
                let shape = |x: &[i64]| {
                    let x: Vec<String> = x.iter().map(i64::to_string).collect();
                    format!("[{}]", x.join(", "))
                };
                let message = match (m + n <= 4, onto) {
                    (true, true) => format!(
                        "could not broadcast an array of shape {} to shape {}",
                        shape(&v[..m]),
                        shape(&v[m..m + n])
                    ),
                    (true, false) => format!(
                        "shapes {} and {} do not broadcast together",
                        shape(&v[..m]),
                        shape(&v[m..m + n])
                    ),
                    (false, _) => format!(
                        "arrays of {m} and {n} axes do not broadcast: extents {} and {} on axis {} of the broadcast shape",
                        v[1], v[2], v[0]
                    ),
                };
                invalid(message, "shapes that do not broadcast")
            }
            SiteKind::SliceBounds { array } => {
                let (bound, len, axis) = (v[0], v[1], v[2]);
                let message = format!(
                    "slice of `{array}` out of bounds: position {bound} on axis {axis} of length {len}"
                );
                let rendered = render(Diagnostic::new(
                    message,
                    site.span,
                    format!("{bound} is past the end of axis {axis}"),
                ));
                let kind = ErrorKind::OutOfBounds {
                    kernel,
                    location,
                    array: array.clone(),
                    axis: axis as usize,
                    index: bound as u64,
                    len: len as u64,
                };
                Error::rendered_as(kind, rendered)
            }
            SiteKind::Alloc => {
                let message = match v[0] as u64 {
                    u64::MAX => "a new array whose number of elements overflows".to_string(),
                    n => format!("a new array of {n} elements could not be allocated"),
                };
                invalid(message, "allocation failed")
            }
            SiteKind::ClampBounds => invalid(
                "`clamp` with `min > max` (or a NaN bound)".into(),
                "invalid bounds",
            ),
            SiteKind::Unwrap { message } => invalid(message.clone(), "the check fails here"),
        }
    }
}
