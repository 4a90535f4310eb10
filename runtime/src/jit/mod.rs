//! Loading: a relocatable object file -> executable machine code in this process.
//!
//! In: the bytes of an object file compiled for the host (fresh from the compiler or read back
//! from the on-disk cache) and the name of its entry point. Out: a [`Code`] holding the loaded
//! code and the entry point's address, valid for as long as the [`Code`] lives. Every symbol of
//! an object but its entry point is internal; the entry point is named after the cache key
//! (`rumba_<key>`). External functions resolve to the runtime's symbols ([`runtime_symbols`]:
//! `rumba_parallel_for`, the allocator, the C math functions bound explicitly), libmvec's
//! vector functions, then the process's own (`memset`, `memcpy`, libm).
//!
//! Two loaders: [`mapped`] places the object's sections in fresh pages itself and applies its
//! relocations (x86-64 ELF, the absolute relocations of the large code model the compiler
//! uses): no LLVM on the path, so a first call that finds its code in the on-disk cache takes
//! a fraction of a millisecond. [`orc`] (LLVM's `LLJIT`) loads what the first one does not
//! take (another architecture, a relocation it does not know) and, with `RUMBA_DEBUGINFO=1`,
//! everything, since it is what announces code and its debug information to gdb.

mod mapped;
mod orc;

use inkwell::module::Module;
use rumba_compiler::back::abi::{self, ErrInfo};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// `extern "C" fn(args, ret, err) -> status` (see `rumba_compiler::back::abi`).
pub(crate) type EntryFn = unsafe extern "C" fn(*const *mut u8, *mut u8, *mut ErrInfo) -> i32;

/// Loaded machine code of one object, unloaded when the last one is dropped.
pub(crate) struct Code {
    pub(crate) entry: EntryFn,
    /// What keeps the machine code in the process ([`mapped::Mapping`] or [`orc::Linked`]),
    /// releasing it when dropped.
    _holds: Box<dyn Send + Sync>,
}

/// `RUMBA_DEBUGINFO=1` (read once): kernels carry DWARF line tables and are announced to gdb.
pub(crate) fn debuginfo() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("RUMBA_DEBUGINFO").is_ok_and(|v| v == "1"))
}

/// Starts creating the process's `LLJIT` on a thread of its own when loading will need it
/// (`RUMBA_DEBUGINFO=1`, or a host the mapper does not serve), so that a first call's hashing
/// and reading of the on-disk cache (or its compilation) overlaps it.
pub(crate) fn prepare() {
    if debuginfo() || !mapped::serves_host() {
        orc::prepare();
    }
}

/// Loads `object`, whose entry point is `entry`. `label` names the code for profilers
/// (`saxpy(f32, ...)`; see [`announce`]).
pub(crate) fn load(object: &[u8], entry: &str, label: &str) -> Result<Arc<Code>, String> {
    if !debuginfo() && mapped::serves_host() {
        match mapped::map(object, entry, resolve) {
            Ok((mapping, addr)) => {
                announce(object, entry, label, |_, section, offset| {
                    mapping.address(section, offset)
                });
                // SAFETY: the entry point was emitted with exactly this signature, and its code
                // stays mapped as long as the `Code` holding the mapping.
                let f = unsafe { std::mem::transmute::<usize, EntryFn>(addr) };
                return Ok(Arc::new(Code {
                    entry: f,
                    _holds: Box::new(mapping),
                }));
            }
            Err(why) => log::debug!(target: "rumba", "`{label}` goes through LLJIT: {why}"),
        }
    }
    orc::load(object, entry, label)
}

/// The address an external symbol of loaded code binds to, `None` if it is unknown.
fn resolve(name: &str) -> Option<usize> {
    if let Some(&(_, addr)) = runtime_symbols().iter().find(|(n, _)| *n == name) {
        return Some(addr);
    }
    if let Some(addr) = libmvec_address(name) {
        return Some(addr);
    }
    let symbol = std::ffi::CString::new(name).ok()?;
    // SAFETY: a NUL-terminated name looked up among the process's global symbols.
    let addr = unsafe { libc::dlsym(libc::RTLD_DEFAULT, symbol.as_ptr()) } as usize;
    (addr != 0).then_some(addr)
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

/// A function an object defines: its name, where it lies (section index, offset) and its size.
struct Function {
    name: String,
    section: usize,
    offset: u64,
    size: u64,
}

/// The functions `object` defines, from its symbol table.
fn functions(object: &[u8]) -> Vec<Function> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let Ok(file) = object::File::parse(object) else {
        return Vec::new();
    };
    file.symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.size() > 0)
        .filter_map(|s| {
            Some(Function {
                name: s.name().ok()?.to_string(),
                section: s.section_index()?.0,
                offset: s.address(),
                size: s.size(),
            })
        })
        .collect()
}

/// Writes the address ranges of the object's functions to the perf map, when profiling: the entry
/// point as `rumba:<label>`, the functions it calls (helpers, `prange` chunks) as
/// `rumba:<label>::<name>`, so that `perf report` names the kernel and signature instead of an
/// address. `place` gives the address of an offset in a section, where the loader knows it.
fn announce(
    object: &[u8],
    entry: &str,
    label: &str,
    place: impl Fn(&[Function], usize, u64) -> Option<usize>,
) {
    let Some(map) = perf_map() else { return };
    let functions = functions(object);
    let mut lines = String::new();
    for f in &functions {
        let Some(start) = place(&functions, f.section, f.offset) else {
            continue;
        };
        let suffix = if f.name == entry {
            String::new()
        } else {
            format!("::{}", f.name)
        };
        lines.push_str(&format!("{start:x} {:x} rumba:{label}{suffix}\n", f.size));
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
    let symbol = std::ffi::CString::new(name).ok()?;
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

/// The 128-bit integer routines LLVM lowers `i128`/`u128` division, remainder, overflow
/// checks of products and float conversions to on x86-64 (compiler-rt's names), which every
/// Rust program links (`compiler_builtins`) but does not export to `dlsym`.
mod int128 {
    extern "C" {
        pub fn __divti3(a: i128, b: i128) -> i128;
        pub fn __udivti3(a: u128, b: u128) -> u128;
        pub fn __modti3(a: i128, b: i128) -> i128;
        pub fn __umodti3(a: u128, b: u128) -> u128;
        pub fn __muloti4(a: i128, b: i128, overflow: *mut i32) -> i128;
        pub fn __floattidf(a: i128) -> f64;
        pub fn __floattisf(a: i128) -> f32;
        pub fn __floatuntidf(a: u128) -> f64;
        pub fn __floatuntisf(a: u128) -> f32;
        pub fn __fixdfti(a: f64) -> i128;
        pub fn __fixsfti(a: f32) -> i128;
        pub fn __fixunsdfti(a: f64) -> u128;
        pub fn __fixunssfti(a: f32) -> u128;
    }
}

/// The functions of this process that generated code may call by name: the runtime's parallel
/// loop driver and the C math functions (the same ones std calls), with their addresses.
fn runtime_symbols() -> &'static [(&'static str, usize)] {
    static SYMBOLS: OnceLock<Vec<(&'static str, usize)>> = OnceLock::new();
    SYMBOLS.get_or_init(symbol_table)
}

fn symbol_table() -> Vec<(&'static str, usize)> {
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
    {
        use int128::*;
        type I = unsafe extern "C" fn(i128, i128) -> i128;
        type U = unsafe extern "C" fn(u128, u128) -> u128;
        type MulO = unsafe extern "C" fn(i128, i128, *mut i32) -> i128;
        type ItoF64 = unsafe extern "C" fn(i128) -> f64;
        type ItoF32 = unsafe extern "C" fn(i128) -> f32;
        type UtoF64 = unsafe extern "C" fn(u128) -> f64;
        type UtoF32 = unsafe extern "C" fn(u128) -> f32;
        type F64toI = unsafe extern "C" fn(f64) -> i128;
        type F32toI = unsafe extern "C" fn(f32) -> i128;
        type F64toU = unsafe extern "C" fn(f64) -> u128;
        type F32toU = unsafe extern "C" fn(f32) -> u128;
        all.extend(symbols! {
            I: __divti3 __modti3;
            U: __udivti3 __umodti3;
            MulO: __muloti4;
            ItoF64: __floattidf;
            ItoF32: __floattisf;
            UtoF64: __floatuntidf;
            UtoF32: __floatuntisf;
            F64toI: __fixdfti;
            F32toI: __fixsfti;
            F64toU: __fixunsdfti;
            F32toU: __fixunssfti;
        });
    }
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
    all.push((
        abi::REALLOC,
        crate::value::rumba_realloc as *const () as usize,
    ));
    all.push((abi::DGEMM, crate::linalg::rumba_dgemm as *const () as usize));
    all.push((abi::SGEMM, crate::linalg::rumba_sgemm as *const () as usize));
    all.push((abi::ZGEMM, crate::linalg::rumba_zgemm as *const () as usize));
    all.push((abi::CGEMM, crate::linalg::rumba_cgemm as *const () as usize));
    all
}
