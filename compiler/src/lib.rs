//! rumba-compiler: kernel source -> AST -> loop IR -> typed IR -> passes -> LLVM.
//!
//! The modules follow the pipeline, and data flows one way through them:
//! [`front`] (syntax -> untyped [`ir`]), [`types`] (untyped IR + argument types -> typed IR),
//! [`passes`] (typed IR -> typed IR), `back` (typed IR -> LLVM module / PTX). `driver` runs them
//! in that order, for every caller. [`diag`] and [`span`] are shared by all phases; [`interp`]
//! runs typed IR directly, as the oracle that compiled code is tested against. No phase reaches
//! back into an earlier one.
//! `unsafe` appears only where inkwell asks for it (GEPs, LLVM's process-wide options), each
//! block with its `// SAFETY:` reason.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod diag;
pub mod front;
pub mod interp;
pub mod ir;
pub mod passes;
pub mod span;
pub mod types;

/// A hash of this crate's sources (computed by `build.rs`): tells builds of different compiler
/// sources apart where the version does not.
pub const SOURCE_HASH: &str = env!("RUMBA_COMPILER_SOURCE_HASH");

#[cfg(feature = "llvm")]
pub mod back;
#[cfg(feature = "llvm")]
pub mod driver;
