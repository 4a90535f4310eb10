//! Loading: an optimized LLVM module -> executable machine code in this process (MCJIT).
//!
//! In: a closure that emits a module into a [`Context`] that this type creates and owns. Out: the
//! address of the entry point, valid for as long as the [`Jit`] lives. External math functions are bound explicitly to
//! the C library this process links, and `rumba_parallel_for` to [`crate::parallel`], so no lookup
//! can fail inside LLVM.

use inkwell::context::Context;
use inkwell::execution_engine::ExecutionEngine;
use inkwell::module::Module;
use inkwell::OptimizationLevel;
use rumba_compiler::back::abi::{self, ErrInfo};
use std::ptr::NonNull;

/// `extern "C" fn(args, ret, err) -> status` (see `rumba_compiler::back::abi`).
pub(crate) type EntryFn = unsafe extern "C" fn(*const *mut u8, *mut u8, *mut ErrInfo) -> i32;

/// Machine code and the LLVM context it came from.
///
/// The context is a heap allocation this value owns (made in [`Jit::build`], freed in `drop`);
/// the engine, and the module it owns, borrow it. Nothing else does: [`Jit::build`] lends the
/// context to its caller only for the duration of a closure that cannot keep it (the closure is
/// generic over the context's lifetime and returns only the module), which makes the `'static`
/// below an implementation detail of this type.
pub(crate) struct Jit {
    engine: Option<ExecutionEngine<'static>>,
    context: NonNull<Context>,
}

// SAFETY: after construction the engine and context are never used again except to be dropped
// (once, from whichever thread drops the specialization); the code they own is immutable.
unsafe impl Send for Jit {}
// SAFETY: as above: shared references to a `Jit` reach nothing mutable.
unsafe impl Sync for Jit {}

impl Jit {
    /// Makes a fresh context, has `build` emit a module into it, generates machine code for that
    /// module (code generation at `opt_level`, 0 to 3) and finds `entry`. `build`'s other result
    /// is passed through. The context lives as long as the returned [`Jit`], and is freed here
    /// when anything fails.
    pub(crate) fn build<T>(
        opt_level: u8,
        entry: &str,
        build: impl for<'ctx> FnOnce(&'ctx Context) -> Result<(Module<'ctx>, T), String>,
    ) -> Result<(Jit, EntryFn, T), String> {
        let context = NonNull::from(Box::leak(Box::new(Context::create())));
        // SAFETY: the allocation lives until `Jit::drop` or `free` below. The reference is handed
        // out only to `build`, which cannot keep it beyond the module (it is generic over the
        // lifetime), and to the engine made from that module, which the `Jit` drops first.
        let ctx: &'static Context = unsafe { context.as_ref() };
        let free = || {
            // SAFETY: made by `Box::leak` above; called only once everything made in the context
            // (the module, the engine) has been dropped.
            drop(unsafe { Box::from_raw(context.as_ptr()) })
        };
        let (module, extra) = match build(ctx) {
            Ok(built) => built,
            Err(e) => {
                free();
                return Err(e);
            }
        };
        let level = match opt_level {
            0 => OptimizationLevel::None,
            1 => OptimizationLevel::Less,
            2 => OptimizationLevel::Default,
            _ => OptimizationLevel::Aggressive,
        };
        let engine = match module.create_jit_execution_engine(level) {
            Ok(e) => e,
            Err(e) => {
                drop(module);
                free();
                return Err(e.to_string());
            }
        };
        if let Err(e) = bind_externals(&module, &engine) {
            drop(engine);
            drop(module);
            free();
            return Err(e);
        }
        // From here on the `Jit` owns the context: its `drop` frees it after the engine.
        let jit = Jit {
            engine: Some(engine),
            context,
        };
        let addr = jit.engine.as_ref().map(|e| e.get_function_address(entry));
        match addr {
            Some(Ok(addr)) if addr != 0 => {
                // SAFETY: the entry point was emitted with exactly this signature.
                let f = unsafe { std::mem::transmute::<usize, EntryFn>(addr) };
                Ok((jit, f, extra))
            }
            _ => Err(format!("entry point `{entry}` not found")),
        }
    }
}

/// Binds every function `module` declares but does not define (math functions, the runtime's
/// `rumba_parallel_for`) to its address in this process, or says which one is unknown.
fn bind_externals(module: &Module<'_>, engine: &ExecutionEngine<'_>) -> Result<(), String> {
    let mut f = module.get_first_function();
    while let Some(func) = f {
        let name = func.get_name().to_string_lossy().into_owned();
        if func.count_basic_blocks() == 0 && !name.starts_with("llvm.") {
            let runtime = match name.as_str() {
                abi::PARALLEL_FOR => {
                    Some(crate::parallel::rumba_parallel_for as *const () as usize)
                }
                abi::ALLOC => Some(crate::value::rumba_alloc as *const () as usize),
                abi::FREE => Some(crate::value::rumba_free as *const () as usize),
                _ => None,
            };
            match runtime
                .or_else(|| libm_address(&name))
                .or_else(|| libmvec_address(&name))
            {
                Some(addr) => engine.add_global_mapping(&func, addr),
                None => return Err(format!("unknown external function `{name}`")),
            }
        }
        f = func.get_next_function();
    }
    Ok(())
}

impl Drop for Jit {
    fn drop(&mut self) {
        self.engine.take();
        // SAFETY: made by `Box::leak` in `build`; the engine (and the module it owns), the last
        // users of the context, are gone.
        drop(unsafe { Box::from_raw(self.context.as_ptr()) });
    }
}

/// glibc's vector math library (`libmvec.so.1`), opened once; `None` where it cannot be opened.
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

/// The address of a C math function that generated code may call (the same functions std calls).
fn libm_address(name: &str) -> Option<usize> {
    use libm::*;
    let unary64: Option<unsafe extern "C" fn(f64) -> f64> = match name {
        "cbrt" => Some(cbrt),
        "expm1" => Some(expm1),
        "log1p" => Some(log1p),
        "tan" => Some(tan),
        "asin" => Some(asin),
        "acos" => Some(acos),
        "atan" => Some(atan),
        "sinh" => Some(sinh),
        "cosh" => Some(cosh),
        "tanh" => Some(tanh),
        _ => None,
    };
    let unary32: Option<unsafe extern "C" fn(f32) -> f32> = match name {
        "cbrtf" => Some(cbrtf),
        "expm1f" => Some(expm1f),
        "log1pf" => Some(log1pf),
        "tanf" => Some(tanf),
        "asinf" => Some(asinf),
        "acosf" => Some(acosf),
        "atanf" => Some(atanf),
        "sinhf" => Some(sinhf),
        "coshf" => Some(coshf),
        "tanhf" => Some(tanhf),
        _ => None,
    };
    let binary64: Option<unsafe extern "C" fn(f64, f64) -> f64> = match name {
        "atan2" => Some(atan2),
        "hypot" => Some(hypot),
        _ => None,
    };
    let binary32: Option<unsafe extern "C" fn(f32, f32) -> f32> = match name {
        "atan2f" => Some(atan2f),
        "hypotf" => Some(hypotf),
        _ => None,
    };
    unary64
        .map(|f| f as usize)
        .or(unary32.map(|f| f as usize))
        .or(binary64.map(|f| f as usize))
        .or(binary32.map(|f| f as usize))
}
