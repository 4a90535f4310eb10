//! rumba-runtime: kernel registry, dispatch and specialization cache, argument marshalling,
//! and loading compiled code.
//!
//! In: calls of `compile!`-generated functions with Rust values and `ndarray` arrays. Out: results
//! from machine code specialized to each call's argument types, or a [`Error`].
//!
//! `unsafe` here is confined to the contracts ARCHITECTURE.md lists under "Unsafe contracts";
//! every block says why it holds (`// SAFETY:`).

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod arg;
mod cache;
mod compile;
mod cpu;
pub mod cuda;
mod dump;
mod error;
mod host;
mod jit;
mod kernel;
mod linalg;
mod owned;
mod parallel;
mod signature;
mod stats;
mod structs;
mod typed;
mod value;

pub use arg::{Arg, ArrayElement, Element, IntoArg, MAX_NDIM};
pub use compile::Explain;
pub use error::{Error, ErrorKind, Location};
pub use kernel::Kernel;
pub use owned::OwnedKernel;
pub use signature::{Signature, MAX_ARGS};
pub use stats::{stats, Stats, Step};
pub use typed::{Param, Params, Typed};
pub use value::{FromValue, Value};

pub use rumba_compiler::back::target::TargetSpec;
/// The types of arguments as the specializer sees them ([`Arg::ty`], [`Signature::types`]).
pub use rumba_compiler::ir::{ArrayType, Elem, Layout, Scalar, Type};

/// What `compile!` expands to, and nothing else may rely on: not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::kernel::{Callee, Link, Source};
    pub use crate::structs::{
        struct_arg, struct_elem, struct_fields, struct_type, Field, StructWriter,
    };

    /// The kernel `name` of `source`.
    pub fn kernel(source: &'static Source, name: &'static str) -> crate::Kernel {
        crate::Kernel::new(source, name)
    }
}
