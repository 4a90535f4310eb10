//! `prange` on the CPU: the loop driver that compiled code calls (`abi::PARALLEL_FOR`).
//!
//! In: a chunk function emitted for one `prange` loop, its environment and the iteration range.
//! Out: every iteration run, or the record of the lowest failing iteration. The calling thread
//! runs the first iterations itself while it measures their cost; short loops (or any loop, with a
//! pool of one thread) end there. The rest of a longer one is split into about eight chunks per
//! thread of the current rayon pool (the global one, or the pool the caller runs in), for load
//! balance when iterations cost different amounts (rows of the Mandelbrot set). A chunk runs its
//! iterations in order and stops at its first failed check; once one has failed, chunks after it
//! do not start, while chunks before it still run, so the error reported is always that of the
//! lowest failing iteration, whatever the thread count or timing.

use rumba_compiler::back::abi::ErrInfo;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// `chunk(env, lo, hi, err)`: runs iterations `lo..hi` of one loop.
pub(crate) type ChunkFn = unsafe extern "C" fn(*mut u8, i64, i64, *mut ErrInfo);

/// The calling thread first runs iterations itself, in doubling batches, until this much time
/// has passed: a loop that finishes meanwhile, or whose rest would take less than [`WORTH`], never
/// touches the pool (its dispatch costs microseconds), whatever its iteration count; a loop of
/// few but long iterations (rows of an image) still spreads them.
const PROBE: Duration = Duration::from_micros(5);
/// The least estimated remaining work worth handing to the pool.
const WORTH: Duration = Duration::from_micros(30);
/// Chunks per thread of the pool.
const CHUNKS_PER_THREAD: usize = 8;

/// Runs `chunk` over `start..end`; returns 0, or 1 with `*err` set (see `abi::PARALLEL_FOR`).
///
/// # Safety
/// `chunk` and `env` come from compiled code: `chunk` may be called from any thread, on any
/// disjoint sub-ranges, for as long as this call lasts; `err` is valid for writes.
pub(crate) unsafe extern "C" fn rumba_parallel_for(
    chunk: ChunkFn,
    env: *mut u8,
    start: i64,
    end: i64,
    err: *mut ErrInfo,
) -> i32 {
    if end <= start {
        return 0;
    }
    let threads = rayon::current_num_threads();
    if threads <= 1 {
        // SAFETY: the caller's contract: `chunk` may run any sub-range; `err` is valid.
        unsafe { chunk(env, start, end, err) };
        // SAFETY: `err` is valid for reads (the caller's contract).
        return (unsafe { (*err).failed } != 0) as i32;
    }
    // Probe: the first iterations in order, on this thread (so a failure here is the lowest).
    let t0 = Instant::now();
    let mut next = start;
    let mut batch = 1i64;
    loop {
        let hi = next.saturating_add(batch).min(end);
        // SAFETY: as above.
        unsafe { chunk(env, next, hi, err) };
        // SAFETY: as above.
        if unsafe { (*err).failed } != 0 {
            return 1;
        }
        next = hi;
        if next == end {
            return 0;
        }
        let spent = t0.elapsed();
        if spent >= PROBE {
            let per_iteration = spent.as_secs_f64() / (next - start) as f64;
            if per_iteration * ((end - next) as f64) < WORTH.as_secs_f64() {
                // SAFETY: as above.
                unsafe { chunk(env, next, end, err) };
                // SAFETY: as above.
                return (unsafe { (*err).failed } != 0) as i32;
            }
            break;
        }
        batch = batch.saturating_mul(2);
    }
    let start = next;
    let n = end - start;
    let chunks = (threads * CHUNKS_PER_THREAD).min(n as usize);
    let size = (n as u64).div_ceil(chunks as u64) as i64;
    let chunks = (n as u64).div_ceil(size as u64) as usize;
    // The lowest failed chunk so far (`usize::MAX`: none).
    let first_failed = AtomicUsize::new(usize::MAX);
    let env = Env(env);
    let run = |c: usize| -> Option<ErrInfo> {
        if c > first_failed.load(Ordering::Relaxed) {
            return None;
        }
        let lo = start + c as i64 * size;
        let hi = (lo + size).min(end);
        let mut info = ErrInfo::default();
        // SAFETY: the caller's contract; `info` is this chunk's own record.
        unsafe { chunk(env.get(), lo, hi, &mut info) };
        if info.failed == 0 {
            return None;
        }
        first_failed.fetch_min(c, Ordering::Relaxed);
        Some(info)
    };
    // Compiled code does not unwind and nothing above panics; should anything, it must not cross
    // the FFI boundary (or rayon's threads).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        use rayon::prelude::*;
        (0..chunks)
            .into_par_iter()
            .with_max_len(1)
            .map(|c| run(c).map(|e| (c, e)))
            .reduce(
                || None,
                |a, b| match (a, b) {
                    (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
                    (a, b) => a.or(b),
                },
            )
    }));
    match result {
        Ok(None) => 0,
        Ok(Some((_, info))) => {
            // SAFETY: `err` is valid for writes (the caller's contract).
            unsafe { *err = info };
            1
        }
        Err(_) => std::process::abort(),
    }
}

/// The environment pointer, shared by the chunks (compiled code only reads it).
#[derive(Clone, Copy)]
struct Env(*mut u8);

impl Env {
    fn get(self) -> *mut u8 {
        self.0
    }
}

// SAFETY: the environment is read-only for the chunks; what it points at (arrays written at
// disjoint indices, reduction variables updated atomically) is shared the way the semantic checks
// of `prange` allow.
unsafe impl Send for Env {}
// SAFETY: as above.
unsafe impl Sync for Env {}
