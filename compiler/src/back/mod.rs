//! Back ends: typed IR -> LLVM.
//!
//! In: a verified [`TypedProgram`](crate::ir::TypedProgram). Out: an optimized LLVM module for the
//! host CPU (or a pinned CPU, for snapshots) whose entry point follows [`abi`], or PTX for a GPU
//! ([`gpu`]), plus the table of
//! run-time check sites that error values refer to. Loading the module into memory is the
//! runtime's job.

pub mod abi;
pub mod emit;
pub mod gpu;
pub mod target;

/// What can go wrong in the back end: these are compiler bugs or LLVM failures, never user errors.
#[derive(Debug, thiserror::Error)]
pub enum BackError {
    #[error("LLVM builder: {0}")]
    Builder(#[from] inkwell::builder::BuilderError),
    #[error("LLVM: {0}")]
    Llvm(String),
    #[error("internal compiler error: {0}")]
    Internal(String),
}
