//! The fallback loader and the one a debugger needs: LLVM's ORC `LLJIT`, one per process.
//!
//! In: an object file and its entry point's name. Out: the entry point's address in a [`Code`]
//! whose [`Linked`] part removes the object from the JIT when the code is dropped. Objects share
//! one JIT library, so an object already loaded is shared rather than loaded twice (its entry
//! point's name, after the cache key, would clash). External functions resolve to the runtime's
//! symbols ([`super::runtime_symbols`]), then to the process's own (libmvec, opened globally;
//! `memset`, `memcpy`).

use super::{announce, libmvec, runtime_symbols, Code, EntryFn};
use inkwell::llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRangeCopy;
use inkwell::llvm_sys::error::{LLVMDisposeErrorMessage, LLVMErrorRef, LLVMGetErrorMessage};
use inkwell::llvm_sys::orc2::lljit::{
    LLVMOrcCreateLLJIT, LLVMOrcCreateLLJITBuilder, LLVMOrcLLJITAddObjectFileWithRT,
    LLVMOrcLLJITEnableDebugSupport, LLVMOrcLLJITGetMainJITDylib, LLVMOrcLLJITLookup,
    LLVMOrcLLJITMangleAndIntern, LLVMOrcLLJITRef,
};
use inkwell::llvm_sys::orc2::{
    LLVMJITEvaluatedSymbol, LLVMJITSymbolFlags, LLVMJITSymbolGenericFlags, LLVMOrcAbsoluteSymbols,
    LLVMOrcCSymbolMapPair, LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess,
    LLVMOrcJITDylibAddGenerator, LLVMOrcJITDylibCreateResourceTracker, LLVMOrcJITDylibDefine,
    LLVMOrcJITDylibRef, LLVMOrcReleaseResourceTracker, LLVMOrcResourceTrackerRef,
    LLVMOrcResourceTrackerRemove,
};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

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
        if super::debuginfo() {
            // Objects loaded from now on are announced to a debugger (GDB's JIT interface), with
            // their DWARF.
            // SAFETY: `jit` is a live LLJIT with no object added yet.
            if let Some(e) = take_error(unsafe { LLVMOrcLLJITEnableDebugSupport(jit) }) {
                log::warn!(target: "rumba", "RUMBA_DEBUGINFO=1: no debugger support: {e}");
            }
        }
        let flags = || LLVMJITSymbolFlags {
            GenericFlags: LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsExported as u8
                | LLVMJITSymbolGenericFlags::LLVMJITSymbolGenericFlagsCallable as u8,
            TargetFlags: 0,
        };
        let mut symbols: Vec<LLVMOrcCSymbolMapPair> = runtime_symbols()
            .iter()
            .map(|&(name, addr)| {
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

/// The JIT's hold on one loaded object: removed from the process with the last [`Code`].
pub(super) struct Linked {
    tracker: Tracker,
    name: String,
}

impl Drop for Linked {
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
pub(super) fn load(object: &[u8], entry: &str, label: &str) -> Result<Arc<Code>, String> {
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
            entry: f,
            _holds: Box::new(Linked {
                tracker: Tracker(tracker),
                name: entry.to_string(),
            }),
        });
        loaded.insert(entry.to_string(), (Arc::downgrade(&code), Tracker(tracker)));
        // The linker keeps a section's contents together: a function of the entry's section lies
        // at the entry's address plus the difference of their offsets.
        announce(object, entry, label, |functions, section, offset| {
            let home = functions.iter().find(|f| f.name == entry)?;
            (section == home.section).then(|| {
                (addr as usize)
                    .wrapping_sub(home.offset as usize)
                    .wrapping_add(offset as usize)
            })
        });
        Ok(code)
    }
}
