//! Process-wide compile statistics: [`stats()`] tells where start-up time goes.
//!
//! In: counts and stage times recorded by compilation, loading and the on-disk cache. Out: a
//! [`Stats`] snapshot (compilations, cache hits and misses, time per [`Step`]); each compilation
//! is also logged at `debug` under the `rumba` target.

use rumba_compiler::driver::{Stage, Timings};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A step of getting a signature's machine code, timed in [`Stats::time`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Source text -> untyped IR (once per `compile!` block and process).
    Lower,
    /// Type inference and the target's rules.
    Types,
    /// The passes over the typed IR.
    Passes,
    /// Typed IR -> LLVM IR.
    Emit,
    /// LLVM's verifier and optimizer.
    Optimize,
    /// Machine code generation (an object file) and PTX.
    Codegen,
    /// Reading (and checking) entries of the on-disk cache.
    CacheRead,
    /// Writing entries of the on-disk cache.
    CacheWrite,
    /// Linking machine code into the process.
    Load,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Lower,
        Step::Types,
        Step::Passes,
        Step::Emit,
        Step::Optimize,
        Step::Codegen,
        Step::CacheRead,
        Step::CacheWrite,
        Step::Load,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::Lower => "lower",
            Step::Types => "types",
            Step::Passes => "passes",
            Step::Emit => "emit",
            Step::Optimize => "optimize",
            Step::Codegen => "codegen",
            Step::CacheRead => "cache read",
            Step::CacheWrite => "cache write",
            Step::Load => "load",
        }
    }
}

struct Counters {
    compilations: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    nanos: [AtomicU64; Step::ALL.len()],
}

static COUNTERS: Counters = Counters {
    compilations: AtomicU64::new(0),
    hits: AtomicU64::new(0),
    misses: AtomicU64::new(0),
    nanos: [const { AtomicU64::new(0) }; Step::ALL.len()],
};

pub(crate) fn record(step: Step, d: Duration) {
    COUNTERS.nanos[step as usize].fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
}

/// Adds a compilation and its driver's stage times.
pub(crate) fn compiled(timings: &Timings) {
    COUNTERS.compilations.fetch_add(1, Ordering::Relaxed);
    for &(stage, d) in &timings.0 {
        let step = match stage {
            Stage::Types => Step::Types,
            Stage::Passes => Step::Passes,
            Stage::Emit => Step::Emit,
            Stage::Optimize => Step::Optimize,
            Stage::Ptx => Step::Codegen,
        };
        record(step, d);
    }
}

pub(crate) fn hit() {
    COUNTERS.hits.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn miss() {
    COUNTERS.misses.fetch_add(1, Ordering::Relaxed);
}

/// What this process has compiled so far, and how long it took: see [`stats()`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Signatures compiled (CPU and GPU, successfully or not), cache hits not counted.
    pub compilations: u64,
    /// Signatures whose machine code came from the on-disk cache.
    pub cache_hits: u64,
    /// Signatures looked up in the on-disk cache and not found there (then compiled).
    pub cache_misses: u64,
    /// Time spent in each step, summed over every thread, indexed like [`Step::ALL`].
    pub times: [Duration; Step::ALL.len()],
}

impl Stats {
    /// The time spent in `step`.
    pub fn time(&self, step: Step) -> Duration {
        self.times[step as usize]
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} compilations, {} cache hits, {} cache misses",
            self.compilations, self.cache_hits, self.cache_misses
        )?;
        for step in Step::ALL {
            write!(f, "; {} {:?}", step.name(), self.time(step))?;
        }
        Ok(())
    }
}

/// The compile statistics of this process: compilations, on-disk cache hits and misses, and the
/// time spent in each step (`println!("{}", rumba::stats())`).
pub fn stats() -> Stats {
    let c = &COUNTERS;
    Stats {
        compilations: c.compilations.load(Ordering::Relaxed),
        cache_hits: c.hits.load(Ordering::Relaxed),
        cache_misses: c.misses.load(Ordering::Relaxed),
        times: std::array::from_fn(|i| Duration::from_nanos(c.nanos[i].load(Ordering::Relaxed))),
    }
}
