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

#[path = "../examples/kernels/mod.rs"]
mod kernels;

mod bench_kernels;
mod compile_fail;
mod concurrency;
mod constructs_arrays;
mod constructs_control;
mod constructs_dispatch;
mod constructs_iter;
mod constructs_math;
mod constructs_scalar;
mod differential;
mod gpu;
mod loop_nests;
mod prange;
mod prange_races;
mod runtime_errors;
mod smoke;
mod snapshots;
mod type_errors;
