//! Passes over the typed IR, run in one fixed order, with the verifier after each in debug builds.
//!
//! In: a verified [`TypedProgram`]. Out: the same program, rewritten, still verified.

mod versioning;

use crate::ir::verify::{verify, VerifyError};
use crate::ir::TypedProgram;

/// A pass: a plain function that rewrites the program in place.
pub type Pass = fn(&mut TypedProgram);

/// The passes, in order.
pub const PIPELINE: &[(&str, Pass)] = &[("versioning", versioning::run)];

/// Runs every pass; verifies before the first and after each one when `check` is set.
pub fn run(program: &mut TypedProgram, check: bool) -> Result<(), VerifyError> {
    if check {
        verify(program)?;
    }
    for (_, pass) in PIPELINE {
        pass(program);
        if check {
            verify(program)?;
        }
    }
    Ok(())
}
