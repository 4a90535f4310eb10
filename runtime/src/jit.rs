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
    /// The objects loaded, by entry-point name, with the tracker that owns each one's code.
    /// Whoever takes an entry out of this map (under its lock) removes its code: the last
    /// [`Code`] dropped, or a load of the same name that finds the entry dead first.
    loaded: Mutex<HashMap<String, (Weak<Code>, Tracker)>>,
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
        rumba_compiler::back::target::init();
        let mut jit = std::ptr::null_mut();
        // SAFETY: the builder is consumed by `LLVMOrcCreateLLJIT`; `jit` is written on success.
        let made = unsafe { LLVMOrcCreateLLJIT(&mut jit, LLVMOrcCreateLLJITBuilder()) };
        if let Some(e) = take_error(made) {
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

/// Starts creating the process's JIT on a thread of its own (once), so that a first call's
/// hashing and reading of the on-disk cache (or its compilation) overlaps it: creating it takes
/// about as long as loading cached code otherwise.
pub(crate) fn prepare() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("rumba-jit".into())
            .spawn(|| {
                let _ = orc();
            });
        // Without a thread, the first load creates it.
        drop(spawned);
    });
}

/// The resource tracker of one loaded object.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Tracker(LLVMOrcResourceTrackerRef);

// SAFETY: a tracker is only used under the registry's lock (`Orc::loaded`).
unsafe impl Send for Tracker {}
// SAFETY: as above.
unsafe impl Sync for Tracker {}

impl Tracker {
    /// Removes the object's code from the process and releases the tracker.
    ///
    /// # Safety
    /// Called once per tracker, when no [`Code`] of it is alive (nothing can call its code).
    unsafe fn remove(self, name: &str) {
        // SAFETY: the caller's contract.
        unsafe {
            if let Some(e) = take_error(LLVMOrcResourceTrackerRemove(self.0)) {
                log::debug!(target: "rumba", "unloading `{name}`: {e}");
            }
            LLVMOrcReleaseResourceTracker(self.0);
        }
    }
}

/// Linked machine code of one object, removed from the process when the last one is dropped.
pub(crate) struct Code {
    tracker: Tracker,
    name: String,
    pub(crate) entry: EntryFn,
}

impl Drop for Code {
    fn drop(&mut self) {
        let Ok(orc) = orc() else { return };
        let mut loaded = orc.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if loaded
            .get(&self.name)
            .is_some_and(|(_, t)| *t == self.tracker)
        {
            loaded.remove(&self.name);
            // SAFETY: this was the last `Code` of the tracker, taken out of the map here (a load
            // that had found it dead would have taken it out and removed it instead).
            unsafe { self.tracker.remove(&self.name) };
        }
    }
}

/// Links `object`, whose entry point is `entry`, into this process (or finds it already there).
/// `label` names the code for profilers (`saxpy(f32, ...)`; see [`announce`]).
pub(crate) fn load(object: &[u8], entry: &str, label: &str) -> Result<Arc<Code>, String> {
    // Code that calls libmvec's functions finds them among the process's symbols.
    if object.windows(4).any(|w| w == b"_ZGV") {
        libmvec();
    }
    let orc = orc()?;
    let mut loaded = orc.loaded.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((code, tracker)) = loaded.get(entry) {
        if let Some(code) = code.upgrade() {
            return Ok(code);
        }
        // Its last `Code` is being dropped, waiting for this lock: its symbols go first.
        let tracker = *tracker;
        loaded.remove(entry);
        // SAFETY: no `Code` of it is alive, and it left the map here, so `drop` will not.
        unsafe { tracker.remove(entry) };
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
            tracker: Tracker(tracker),
            name: entry.to_string(),
            entry: f,
        });
        loaded.insert(entry.to_string(), (Arc::downgrade(&code), Tracker(tracker)));
        announce(object, entry, addr as usize, label);
        Ok(code)
    }
}

/// `RUMBA_PROFILE=perf` (read once): loaded code is announced to `perf` in `/tmp/perf-<pid>.map`.
fn perf_map() -> Option<&'static Mutex<std::fs::File>> {
    static MAP: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    MAP.get_or_init(|| {
        if std::env::var("RUMBA_PROFILE")
            .ok()?
            .split(',')
            .all(|p| p.trim() != "perf")
        {
            return None;
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let file = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&path);
        match file {
            Ok(f) => Some(Mutex::new(f)),
            Err(e) => {
                log::warn!(target: "rumba", "RUMBA_PROFILE=perf: cannot write {path}: {e}");
                None
            }
        }
    })
    .as_ref()
}

/// Writes the address ranges of the object's functions to the perf map, when profiling: the entry
/// point as `rumba:<label>`, the functions it calls (helpers, `prange` chunks) as
/// `rumba:<label>::<name>`, so that `perf report` names the kernel and signature instead of an
/// address. Sizes and offsets come from the object's symbol table; the linker keeps a section's
/// contents together, so a function of the entry's section lies at the entry's address plus the
/// difference of their offsets.
fn announce(object: &[u8], entry: &str, addr: usize, label: &str) {
    let Some(map) = perf_map() else { return };
    let buffer = inkwell::memory_buffer::MemoryBuffer::create_from_memory_range(object, entry);
    let mut lines = String::new();
    if let Ok(binary) = buffer.create_binary_file(None) {
        // (name, offset in its section, size, the section's index) of every defined function.
        let mut functions = Vec::new();
        if let Some(mut symbols) = binary.get_symbols() {
            while let Some(s) = symbols.next_symbol() {
                let name = s.get_name().map(|n| n.to_string_lossy().into_owned());
                let section = binary.get_sections().and_then(|mut sections| {
                    let mut i = 0;
                    while let Some(section) = sections.next_section() {
                        if section.contains_symbol(&s) {
                            return Some(i);
                        }
                        i += 1;
                    }
                    None
                });
                if let (Some(name), Some(section)) = (name, section) {
                    if s.get_size() > 0 && !name.is_empty() {
                        functions.push((name, s.get_address(), s.get_size(), section));
                    }
                }
            }
        }
        if let Some((_, base, _, text)) = functions.iter().find(|f| f.0 == entry).cloned() {
            for (name, offset, size, section) in functions {
                if section != text {
                    continue;
                }
                let start = (addr as u64).wrapping_sub(base).wrapping_add(offset);
                let suffix = if name == entry {
                    String::new()
                } else {
                    format!("::{name}")
                };
                lines.push_str(&format!("{start:x} {size:x} rumba:{label}{suffix}\n"));
            }
        }
    }
    if lines.is_empty() {
        lines = format!("{addr:x} 1 rumba:{label}\n");
    }
    let mut file = map.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(e) = std::io::Write::write_all(&mut *file, lines.as_bytes()) {
        log::debug!(target: "rumba", "RUMBA_PROFILE=perf: {e}");
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
    all.push((abi::ALLOC, crate::value::rumba_alloc as *const () as usize));
    all.push((
        abi::ALLOC_ZEROED,
        crate::value::rumba_alloc_zeroed as *const () as usize,
    ));
    all.push((abi::FREE, crate::value::rumba_free as *const () as usize));
    all
}
