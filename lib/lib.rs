//! # rumba: a Numba-style JIT compiler for Rust loop kernels
//!
//! Write a plain scalar loop over `ndarray` arrays once, inside [`compile!`]; call it like a Rust
//! function. The first call with a new combination of argument types (dtype, ndim, layout,
//! writability) compiles a specialization with LLVM for the host CPU; later calls jump straight to
//! the cached machine code.
//!
//! ```
//! use ndarray::Array1;
//!
//! rumba::compile! {
//!     fn saxpy(a, x, y) {
//!         for i in 0..y.len() {
//!             y[i] = a * x[i] + y[i];
//!         }
//!     }
//! }
//!
//! let x = Array1::from_vec(vec![1.0f32, 2.0, 3.0]);
//! let mut y = Array1::from_vec(vec![10.0f32, 20.0, 30.0]);
//! saxpy(2.0f32, &x, &mut y).unwrap();
//! assert_eq!(y.to_vec(), vec![12.0, 24.0, 36.0]);
//! ```
//!
//! Semantics are rustc's for the same code monomorphized to the call's types (wrapping integer
//! arithmetic, IEEE floats, saturating float-to-int casts), except that an out-of-bounds index,
//! an integer division by zero and the other panics of Rust become an [`Error`] naming the kernel,
//! the source line and the values involved.

#![forbid(unsafe_code)]

pub use rumba_macros::compile;
pub use rumba_runtime::{
    Arg, ArrayElement, ArrayType, Elem, Element, Error, ErrorKind, Explain, FromValue, IntoArg,
    Kernel, Layout, Location, OwnedKernel, Param, Params, Scalar, Signature, Stats, Step,
    TargetSpec, Type, Typed, Value,
};

/// What `compile!` expands to: not part of the API.
#[doc(hidden)]
pub use rumba_runtime::__private;

/// Running kernels on an NVIDIA GPU: `f::cuda(args..)` for `prange` kernels, `f(config, args..)`
/// for `#[rumba(cuda)]` kernels. See the module's documentation.
pub use rumba_runtime::cuda;
pub use rumba_runtime::stats;

/// The `ndarray` version rumba takes arrays from.
pub use ndarray;
/// The complex numbers kernels take and return (`Complex32`, `Complex64`).
pub use num_complex;

/// What most users need: `use rumba::prelude::*;`.
pub mod prelude {
    pub use crate::{compile, Error, ErrorKind, IntoArg, Kernel, Value};
    pub use ndarray::prelude::*;
}
