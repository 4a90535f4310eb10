//! Build-time errors of `compile!`: each file under tests/ui/ holds kernel code outside the kernel
//! language, and its `.stderr` is what rustc prints: the message, the one-line hint, and the
//! caret under the exact offending tokens. trybuild normalizes paths, so the expected output is
//! the same on every machine. Regenerate with
//! `TRYBUILD=overwrite cargo test --workspace --test it -- compile_fail::` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
