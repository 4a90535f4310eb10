//! Loading: a relocatable object file -> executable machine code in this process (LLVM's ORC
//! `LLJIT`, one per process).
//!
//! In: the bytes of an object file compiled for the host (fresh from the compiler or read back
//! from the on-disk cache) and the name of its entry point. Out: a [`Code`] holding the linked
//! code and the entry point's address, valid for as long as the [`Code`] lives. Every symbol of
//! an object but its entry point is internal; the entry point is named after the cache key
//! (`rumba_<key>`), so that objects never clash, and an object already loaded in this process is
//! shared rather than loaded twice. External functions resolve to `rumba_parallel_for`
//! ([`crate::parallel`]) and the C math functions bound explicitly, then to the process's own
//! symbols (libmvec, opened globally; `memset`, `memcpy`).

use inkwell::llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy;
use inkwell::llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use inkwell::llvm_sys::orc2::lljit::{
    LLVMOrcCreateLLJIT, LLVMOrcCreateLLJITBuilder, LLVMOrcLLJITAddObjectFileWithRT,
    LLVMOrcLLJITGetMainJITDylib, LLVMOrcLLJITLookup, LLVMOrcLLJITMangleAndIntern, LLVMOrcLLJITRef,
};
use inkwell::llvm_sys::orc2::{
    LLVMJITEvaluatedSymbol, LLVMJITSymbolFlags, LLVMJITSymbolGenericFlags, LLVMOrcAbsoluteSymbols,
    LLVMOrcCSymbolMapPair, LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess,
    LLVMOrcJITDylibAddGenerator, LLVMOrcJITDylibCreateResourceTracker, LLVMOrcJITDylibDefine,
    LLVMOrcJITDylibRef, LLVMOrcReleaseResourceTracker, LLVMOrcResourceTrackerRef,
    LLVMOrcResourceTrackerRemove,
};
use inkwell::module::Module;
use rumba_compiler::back::abi::{self, ErrInfo};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

/// `extern "C" fn(args, ret, err) -> status` (see `rumba_compiler::back::abi`).
pub(crate) type EntryFn = unsafe extern "C" fn(*const *mut u8, *mut u8, *mut ErrInfo) -> i32;

/// The process's JIT: its main library holds every loaded object.
struct Orc {
    jit: LLVMOrcLLJITRef,
    main: LLVMOrcJITDylibRef,
    /// The objects loaded, by entry-point name; an entry whose [`Code`] was dropped is removed
    /// (under this lock) before its name can be loaded again.
    loaded: Mutex<HashMap<String, Weak<Code>>>,
}

// SAFETY: `LLJIT` is thread-safe (adding objects and looking symbols up take its own locks); the
// references are never freed (the JIT lives as long as the process).
unsafe impl Send for Orc {}
// SAFETY: as above.
unsafe impl Sync for Orc {}

/// The message of an LLVM error, consuming it; `None` for success.
fn take_error(e: LLVMErrorRef) -> Option<String> {
    if e.is_null() {
        return None;
    }
    // SAFETY: `e` is a live error; getting its message consumes it, and the message is freed once.
    unsafe {
        let m = LLVMGetErrorMessage(e);
        let s = CStr::from_ptr(m).to_string_lossy().into_owned();
        LLVMDisposeErrorMessage(m);
        Some(s)
    }
}

fn orc() -> Result<&'static Orc, String> {
    static ORC: OnceLock<Result<Orc, String>> = OnceLock::new();
    ORC.get_or_init(|| {
        // The host target must be registered before the JIT detects it.
        let _ = crate::compile::host();
        let mut jit = std::ptr::null_mut();
        // SAFETY: the builder is consumed by `LLVMOrcCreateLLJIT`; `jit` is written on success.
        if let Some(e) =
            take_error(unsafe { LLVMOrcCreateLLJIT(&mut jit, LLVMOrcCreateLLJITBuilder()) })
        {
            return Err(e);
        }
        // SAFETY: `jit` is a live LLJIT, never disposed.
        let main = unsafe { LLVMOrcLLJITGetMainJITDylib(jit) };
        let flags = || LLVMJITSymbolFlags {
            GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported as u8
                | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
            TargetFlags: 0,
        };
        let mut symbols: Vec<LLVMOrcCSymbolMapPair> = runtime_symbols()
            .into_iter()
            .map(|(name, addr)| {
                let name = CString::new(name).expect("symbol names have no NUL");
                LLVMOrcCSymbolMapPair {
                    // SAFETY: a NUL-terminated name; the pool entry is handed to the unit below.
                    Name: unsafe { LLVMOrcLLJITMangleAndIntern(jit, name.as_ptr()) },
                    Sym: LLVMJITEvaluatedSymbol {
                        Address: addr as u64,
                        Flags: flags(),
                    },
                }
            })
            .collect();
        let mut generator = std::ptr::null_mut();
        // SAFETY: the unit takes the pool entries; the library takes the unit and the generator.
        unsafe {
            let unit = LLVMOrcAbsoluteSymbols(symbols.as_mut_ptr(), symbols.len());
            if let Some(e) = take_error(LLVMOrcJITDylibDefine(main, unit)) {
                return Err(e);
            }
            let prefix = inkwell::llvm_sys::orc2::lljit::LLVMOrcLLJITGetGlobalPrefix(jit);
            let made = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
                &mut generator,
                prefix,
                None,
                std::ptr::null_mut(),
            );
            if let Some(e) = take_error(made) {
                return Err(e);
            }
            LLVMOrcJITDylibAddGenerator(main, generator);
        }
        Ok(Orc {
            jit,
            main,
            loaded: Mutex::new(HashMap::new()),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Linked machine code of one object, removed from the process when dropped.
pub(crate) struct Code {
    tracker: LLVMOrcResourceTrackerRef,
    name: String,
    pub(crate) entry: EntryFn,
}

// SAFETY: the tracker is only used in `drop`, under the registry's lock; the code is immutable.
unsafe impl Send for Code {}
// SAFETY: as above.
unsafe impl Sync for Code {}

impl Drop for Code {
    fn drop(&mut self) {
        let Ok(orc) = orc() else { return };
        let mut loaded = orc.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if loaded
            .get(&self.name)
            .is_some_and(|w| w.strong_count() == 0)
        {
            loaded.remove(&self.name);
        }
        // SAFETY: the tracker owns this object's code, which no live `Code` can reach any more
        // (this was the last reference); it is released once.
        unsafe {
            if let Some(e) = take_error(LLVMOrcResourceTrackerRemove(self.tracker)) {
                log::debug!(target: "rumba", "unloading `{}`: {e}", self.name);
            }
            LLVMOrcReleaseResourceTracker(self.tracker);
        }
    }
}

/// Links `object`, whose entry point is `entry`, into this process (or finds it already there).
pub(crate) fn load(object: &[u8], entry: &str) -> Result<Arc<Code>, String> {
    let orc = orc()?;
    let mut loaded = orc.loaded.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(code) = loaded.get(entry).and_then(Weak::upgrade) {
        return Ok(code);
    }
    let c_entry = CString::new(entry).map_err(|e| e.to_string())?;
    // SAFETY: `orc` is live; the buffer is a copy of `object` that the JIT takes; the tracker is
    // released by `Code::drop`, or below when loading fails (after removing what it holds).
    unsafe {
        let tracker = LLVMOrcJITDylibCreateResourceTracker(orc.main);
        let buffer = LLVMCreateMemoryBufferWithMemoryRangeCopy(
            object.as_ptr().cast(),
            object.len(),
            c_entry.as_ptr(),
        );
        let mut addr = 0;
        let failed = take_error(LLVMOrcLLJITAddObjectFileWithRT(orc.jit, tracker, buffer))
            .or_else(|| take_error(LLVMOrcLLJITLookup(orc.jit, &mut addr, c_entry.as_ptr())))
            .or_else(|| (addr == 0).then(|| format!("entry point `{entry}` not found")));
        if let Some(e) = failed {
            take_error(LLVMOrcResourceTrackerRemove(tracker));
            LLVMOrcReleaseResourceTracker(tracker);
            return Err(e);
        }
        // SAFETY (of the transmute): the entry point was emitted with exactly this signature.
        let f = std::mem::transmute::<usize, EntryFn>(addr as usize);
        let code = Arc::new(Code {
            tracker,
            name: entry.to_string(),
            entry: f,
        });
        loaded.insert(entry.to_string(), Arc::downgrade(&code));
        Ok(code)
    }
}

/// Checks that every function `module` declares but does not define (math functions, the
/// runtime's `rumba_parallel_for`) is one that loading binds, or says which one is unknown.
pub(crate) fn check_externals(module: &Module<'_>) -> Result<(), String> {
    let known = runtime_symbols();
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy().into_owned();
        if func.count_basic_blocks() == 0
            && !name.starts_with("llvm.")
            && !known.iter().any(|(k, _)| *k == name)
            && libmvec_address(&name).is_none()
        {
            return Err(format!("unknown external function `{name}`"));
        }
        f = func.get_next_function();
    }
    Ok(())
}

/// glibc's vector math library (`libmvec.so.1`), opened once, globally (so that loaded code
/// finds its functions); `None` where it cannot be opened.
pub(crate) fn libmvec() -> Option<usize> {
    static HANDLE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let handle = *HANDLE.get_or_init(|| {
        // SAFETY: dlopen with a constant, NUL-terminated name; the handle is never closed.
        unsafe {
            libc::dlopen(c"libmvec.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) as usize
        }
    });
    (handle != 0).then_some(handle)
}

/// A vector variant of a math function (`_ZGVdN4v_exp`), from libmvec.
fn libmvec_address(name: &str) -> Option<usize> {
    if !name.starts_with("_ZGV") {
        return None;
    }
    let handle = libmvec()?;
    let symbol = CString::new(name).ok()?;
    // SAFETY: `handle` is a live dlopen handle and `symbol` is NUL-terminated.
    let addr = unsafe { libc::dlsym(handle as *mut libc::c_void, symbol.as_ptr()) } as usize;
    (addr != 0).then_some(addr)
}

mod libm {
    extern "C" {
        pub fn cbrt(x: f64) -> f64;
        pub fn cbrtf(x: f32) -> f32;
        pub fn expm1(x: f64) -> f64;
        pub fn expm1f(x: f32) -> f32;
        pub fn log1p(x: f64) -> f64;
        pub fn log1pf(x: f32) -> f32;
        pub fn tan(x: f64) -> f64;
        pub fn tanf(x: f32) -> f32;
        pub fn asin(x: f64) -> f64;
        pub fn asinf(x: f32) -> f32;
        pub fn acos(x: f64) -> f64;
        pub fn acosf(x: f32) -> f32;
        pub fn atan(x: f64) -> f64;
        pub fn atanf(x: f32) -> f32;
        pub fn sinh(x: f64) -> f64;
        pub fn sinhf(x: f32) -> f32;
        pub fn cosh(x: f64) -> f64;
        pub fn coshf(x: f32) -> f32;
        pub fn tanh(x: f64) -> f64;
        pub fn tanhf(x: f32) -> f32;
        pub fn atan2(y: f64, x: f64) -> f64;
        pub fn atan2f(y: f32, x: f32) -> f32;
        pub fn hypot(x: f64, y: f64) -> f64;
        pub fn hypotf(x: f32, y: f32) -> f32;
    }
}

/// The functions of this process that generated code may call by name: the runtime's parallel
/// loop driver and the C math functions (the same ones std calls), with their addresses.
fn runtime_symbols() -> Vec<(&'static str, usize)> {
    use libm::*;
    type F64 = unsafe extern "C" fn(f64) -> f64;
    type F32 = unsafe extern "C" fn(f32) -> f32;
    type F64x2 = unsafe extern "C" fn(f64, f64) -> f64;
    type F32x2 = unsafe extern "C" fn(f32, f32) -> f32;
    macro_rules! symbols {
        ($($ty:ident: $($f:ident)*;)*) => {
            vec![$($((stringify!($f), $f as $ty as usize),)*)*]
        };
    }
    let mut all = symbols! {
        F64: cbrt expm1 log1p tan asin acos atan sinh cosh tanh;
        F32: cbrtf expm1f log1pf tanf asinf acosf atanf sinhf coshf tanhf;
        F64x2: atan2 hypot;
        F32x2: atan2f hypotf;
    };
    all.push((
        abi::PARALLEL_FOR,
        crate::parallel::rumba_parallel_for as *const () as usize,
    ));
    all
}
