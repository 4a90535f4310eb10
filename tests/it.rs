//! The integration tests: one crate, so one binary links LLVM (not one per file). Each module is a
//! suite, a file of `tests/` (ARCHITECTURE.md lists them); a test's name starts with its module,
//! which is how scripts pick suites:
//! `cargo test --workspace --test it -- constructs_scalar:: prange::`.
//!
//! Snapshots stay under `tests/snapshots/`, named `{suite}__{name}.snap` through
//! [`assert_snapshot!`], which does not depend on the module path.

/// `insta::assert_snapshot!` into tests/snapshots/ as `{suite}__{name}.snap`, whatever the module
/// path and folder of the test.
macro_rules! assert_snapshot {
    ($suite:literal, $name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
            prepend_module_to_snapshot => false
        }, {
            insta::assert_snapshot!(format!("{}__{}", $suite, $name), $text);
        })
    };
}

/// `twin! { items }`: the items compiled by rumba (`rumba::compile!`) and, in a module `rs`
/// (`twin! { mod name; items }` names it), as the same code in plain Rust, the oracle the
/// construct tests compare with: `prange` runs there as the serial range it is.
macro_rules! twin {
    (mod $rs:ident; $($t:tt)*) => {
        rumba::compile! { $($t)* }
        #[allow(unused_mut, unused_variables, unused_parens, unused_imports, dead_code, clippy::all)]
        mod $rs {
            use ndarray::{array, prelude::*, Zip};
            use rumba::num_complex::{Complex32, Complex64};
            fn prange(r: std::ops::Range<usize>) -> std::ops::Range<usize> {
                r
            }
            $($t)*
        }
    };
    ($($t:tt)*) => {
        twin! { mod rs; $($t)* }
    };
}

/// Skips a check that needs what `require` names, printing why; but fails when `require` is set to
/// `1` (`RUMBA_REQUIRE_GPU`: a CUDA device, set by scripts/gpu-check.sh; `RUMBA_REQUIRE_PTXAS`:
/// ptxas and libdevice, set by scripts/test.sh), so that a run meant to check it cannot pass
/// without doing so.
fn skip(require: &str, why: impl std::fmt::Display) {
    assert!(
        std::env::var(require).as_deref() != Ok("1"),
        "{require}=1, but cannot check: {why}"
    );
    println!("skipping: {why}");
}

/// The global allocator of the test binary: the system's, counting the bytes live in the whole
/// process, for the leak check of `constructs_values` (which runs in a process of its own).
struct Counting;

static LIVE_BYTES: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` with the caller's layout.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes allocated and not yet freed in this process.
fn live_bytes() -> isize {
    LIVE_BYTES.load(std::sync::atomic::Ordering::SeqCst)
}

#[path = "../examples/kernels/mod.rs"]
mod kernels;

mod bench_kernels;
mod cache;
mod compile_fail;
mod concurrency;
mod constructs_arrays;
mod constructs_broadcast;
mod constructs_chain;
mod constructs_complex;
mod constructs_control;
mod constructs_dispatch;
mod constructs_fixed;
mod constructs_fuse;
mod constructs_i128;
mod constructs_iter;
mod constructs_lang;
mod constructs_link;
mod constructs_math;
mod constructs_methods;
mod constructs_option;
mod constructs_recursion;
mod constructs_reduce;
mod constructs_rng;
mod constructs_scalar;
mod constructs_struct;
mod constructs_values;
mod constructs_vec;
mod constructs_vectorize;
mod differential;
mod down_counters;
mod early_exits;
mod fusion;
mod gpu;
mod inspect;
mod loop_nests;
mod match_trees;
mod minmax_chains;
mod prange;
mod prange_races;
mod runtime_errors;
mod smoke;
mod snapshots;
mod splitting;
mod tiling;
mod type_errors;
mod typed;
