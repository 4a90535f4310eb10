//! rumba-runtime: kernel registry, dispatch and specialization cache, argument marshalling,
//! and loading compiled code.
//!
//! In: calls of `compile!`-generated functions with Rust values and `ndarray` arrays. Out: results
//! from machine code specialized to each call's argument types, or a [`Error`].

mod arg;
mod compile;
pub mod cuda;
mod error;
mod jit;
mod kernel;
mod owned;
mod parallel;
mod signature;
mod value;

pub use arg::{Arg, Element, IntoArg, MAX_NDIM};
pub use compile::{Explain, Specialization};
pub use error::{Error, Location};
pub use kernel::{Kernel, Source};
pub use owned::OwnedKernel;
pub use signature::{Signature, MAX_ARGS};
pub use value::{FromValue, Value};

pub use rumba_compiler::back::target::TargetSpec;
