//! Typed handles: a kernel specialized once for parameter types written in Rust, called without
//! a signature lookup.
//!
//! In: a tuple of parameter types (`(f32, ArrayView1<f32>, ArrayViewMut1<f32>)`, each a
//! [`Param`]) and a result type (`R: FromValue`). Out: [`Kernel::typed`] compiles (or loads from the
//! on-disk cache) the specialization those types call once, and returns a [`Typed`] handle whose
//! `call(a, x, y)` checks only what the types cannot promise (that each array is in standard
//! layout, the layout the specialization assumes) and jumps to the entry point.
//!
//! The lifetimes written in the parameter types (elided: `ArrayView1<f32>`) name nothing: every
//! `call` takes its arguments with fresh lifetimes ([`Param::Arg`]), so a handle kept for the
//! whole program takes views borrowed anew at each call.

use crate::arg::{raw_parts, Arg, ArrayElement, Element, IntoArg};
use crate::compile::Specialization;
use crate::error::Error;
use crate::kernel::Kernel;
use crate::signature::{type_code, Signature};
use crate::value::{FromValue, Value};
use ndarray::{Array, ArrayBase, ArrayView, ArrayViewMut, Dimension, RawData};
use rumba_compiler::back::abi::RawArray;
use rumba_compiler::ir::{ArrayType, Layout, Type};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::sync::Arc;

/// A parameter type of a typed handle: a scalar, an `ArrayView`/`ArrayViewMut` or a reference to
/// an `Array` of a fixed number of axes, or a slice.
pub trait Param {
    /// What a call passes for this parameter, borrowed for `'a`.
    type Arg<'a>: IntoArg<'a>;
    /// The type compiled code takes, or why this Rust type cannot be a parameter.
    fn ty() -> Result<Type, &'static str>;
    /// What compiled code reads for this parameter when it is not the argument itself: an
    /// array's `abi::RawArray`.
    #[doc(hidden)]
    type Raw;
    /// Where compiled code reads `arg`: at the scalar itself, or at the `abi::RawArray` written
    /// into `raw` (pointers into what `arg` borrows); `None` when `arg` is not in the layout
    /// [`ty`](Self::ty) promises (an array not in standard layout).
    #[doc(hidden)]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<Self::Raw>) -> Option<NonNull<u8>>;
}

macro_rules! scalar_params {
    ($($t:ty),*) => {$(
        impl Param for $t {
            type Arg<'a> = $t;
            fn ty() -> Result<Type, &'static str> {
                Ok(Type::Scalar(<$t as Element>::SCALAR))
            }
            type Raw = ();
            #[inline]
            fn pass(arg: &mut $t, _: &mut MaybeUninit<()>) -> Option<NonNull<u8>> {
                Some(NonNull::from(arg).cast())
            }
        }
    )*};
}
scalar_params!(bool, i8, i16, i32, i64, isize, i128, u8, u16, u32, u64, usize, u128, f32, f64);

/// A C-order array of `T` (a scalar or a struct of a `compile!` block) with `D`'s number of axes.
fn array<T: ArrayElement, D: Dimension>(writable: bool) -> Result<Type, &'static str> {
    match D::NDIM {
        None => Err("its number of axes is not in its type (`IxDyn`): use `Ix0`..`Ix6`"),
        Some(n) => Ok(Type::Array(ArrayType::view(
            T::elem(),
            n as u8,
            Layout::Contig,
            writable,
        ))),
    }
}

/// A standard-layout array as compiled code reads it, its elements at `data` (a pointer taken
/// from the borrow the call holds), written into `raw` ([`Param::pass`]).
#[inline]
fn pass_array<S: RawData, D: Dimension>(
    a: &ArrayBase<S, D>,
    data: *mut u8,
    raw: &mut MaybeUninit<RawArray>,
) -> Option<NonNull<u8>> {
    if !a.is_standard_layout() {
        return None;
    }
    Some(NonNull::from(raw.write(raw_parts(data, a.shape(), a.strides()))).cast())
}

/// A slice as compiled code reads it, written into `raw` ([`Param::pass`]).
#[inline]
fn pass_slice(data: *mut u8, len: usize, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
    Some(NonNull::from(raw.write(raw_parts(data, &[len], &[1]))).cast())
}

impl<T: ArrayElement, D: Dimension> Param for ArrayView<'_, T, D> {
    type Arg<'a> = ArrayView<'a, T, D>;
    fn ty() -> Result<Type, &'static str> {
        array::<T, D>(false)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        pass_array(arg, arg.as_ptr() as *mut u8, raw)
    }
}

impl<T: ArrayElement, D: Dimension> Param for ArrayViewMut<'_, T, D> {
    type Arg<'a> = ArrayViewMut<'a, T, D>;
    fn ty() -> Result<Type, &'static str> {
        array::<T, D>(true)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        let data = arg.as_mut_ptr() as *mut u8;
        pass_array(arg, data, raw)
    }
}

impl<T: ArrayElement, D: Dimension + 'static> Param for &Array<T, D> {
    type Arg<'a> = &'a Array<T, D>;
    fn ty() -> Result<Type, &'static str> {
        array::<T, D>(false)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        pass_array(*arg, arg.as_ptr() as *mut u8, raw)
    }
}

impl<T: ArrayElement, D: Dimension + 'static> Param for &mut Array<T, D> {
    type Arg<'a> = &'a mut Array<T, D>;
    fn ty() -> Result<Type, &'static str> {
        array::<T, D>(true)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        let data = arg.as_mut_ptr() as *mut u8;
        pass_array(*arg, data, raw)
    }
}

impl<T: ArrayElement> Param for &[T] {
    type Arg<'a> = &'a [T];
    fn ty() -> Result<Type, &'static str> {
        array::<T, ndarray::Ix1>(false)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        pass_slice(arg.as_ptr() as *mut u8, arg.len(), raw)
    }
}

impl<T: ArrayElement> Param for &mut [T] {
    type Arg<'a> = &'a mut [T];
    fn ty() -> Result<Type, &'static str> {
        array::<T, ndarray::Ix1>(true)
    }
    type Raw = RawArray;
    #[inline]
    fn pass(arg: &mut Self::Arg<'_>, raw: &mut MaybeUninit<RawArray>) -> Option<NonNull<u8>> {
        pass_slice(arg.as_mut_ptr() as *mut u8, arg.len(), raw)
    }
}

/// A tuple of [`Param`]s: the parameter list of a typed handle.
pub trait Params {
    /// Each parameter's type, or the position and reason of the first that cannot be one.
    fn types() -> Result<Vec<Type>, (usize, &'static str)>;
}

/// A kernel compiled for one parameter list `P` and result type `R`
/// ([`Kernel::typed`]): `call` takes exactly those types and skips the signature lookup.
pub struct Typed<'k, P, R = Value> {
    kernel: &'k Kernel,
    /// `None` with `RUMBA_DISABLE_JIT=1`: calls go to the interpreter.
    spec: Option<Arc<Specialization>>,
    signature: Signature,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> std::fmt::Debug for Typed<'_, P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Typed")
            .field("kernel", &self.kernel.name())
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

impl<P, R> Clone for Typed<'_, P, R> {
    fn clone(&self) -> Self {
        Typed {
            kernel: self.kernel,
            spec: self.spec.clone(),
            signature: self.signature,
            _types: PhantomData,
        }
    }
}

impl Kernel {
    /// A handle that calls this kernel with parameters of types `P` (a tuple, e.g.
    /// `(f32, ArrayView1<f32>, ArrayViewMut1<f32>)`), returning `R`: the specialization is
    /// compiled (or loaded from the on-disk cache) now, and each call checks only that its arrays
    /// are in standard layout (C-contiguous), the layout it was compiled for.
    ///
    /// Errors: a parameter type that cannot be passed, a signature that does not compile, and a
    /// kernel that opts out of a safety check (the handle's calls are safe).
    pub fn typed<P: Params, R: FromValue>(&self) -> Result<Typed<'_, P, R>, Error> {
        let types = P::types().map_err(|(i, why)| self.typed_param_error(i, why))?;
        let signature =
            Signature::new(&types).expect("`Params` is implemented up to `MAX_ARGS` parameters");
        let spec = if crate::kernel::jit_disabled() {
            if self.is_unchecked() {
                return Err(self.unchecked_error());
            }
            // Type-checked now, as compiling would; each call interprets.
            self.with_request(&signature, |r| r.specialized())?;
            None
        } else {
            let spec = self.lookup_or_compile(signature)?;
            if spec.unchecked {
                return Err(self.unchecked_error());
            }
            Some(spec)
        };
        Ok(Typed {
            kernel: self,
            spec,
            signature,
            _types: PhantomData,
        })
    }

    #[cold]
    fn typed_param_error(&self, i: usize, why: &str) -> Error {
        let (what, help) = why
            .split_once(": ")
            .unwrap_or((why, "pass a scalar or an array of 1 to 8 dimensions"));
        let message = format!("the type of {}", self.argument_message(i, what));
        self.argument_error(message, Some(i), help)
    }
}

impl<P, R: FromValue> Typed<'_, P, R> {
    /// The kernel this handle calls.
    pub fn kernel(&self) -> &Kernel {
        self.kernel
    }

    /// The signature the handle was compiled for.
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// A call the direct path of `call` does not take: through the interpreter
    /// (`RUMBA_DISABLE_JIT=1`), or with an array in another layout than the one compiled for (an
    /// `Err` naming it).
    #[cold]
    #[inline(never)]
    fn run(&self, args: &[Arg<'_>]) -> Result<R, Error> {
        for (i, a) in args.iter().enumerate() {
            if type_code(a.ty) != self.signature.code(i) {
                return Err(self.layout_error(i, a));
            }
        }
        self.kernel.call_as(args)
    }

    #[cold]
    #[inline(never)]
    fn layout_error(&self, i: usize, a: &Arg<'_>) -> Error {
        let what = match a.slot {
            crate::arg::Slot::Invalid(why) => why.to_string(),
            _ => format!(
                "it is a `{}`, but this typed handle was compiled for `{}` (standard layout)",
                a.ty,
                self.signature.types()[i]
            ),
        };
        let message = self.kernel.argument_message(i, &what);
        let help = "pass `x.as_standard_layout()` (a copy when needed), or call the kernel \
                    through its generic function, which compiles strided arrays too";
        self.kernel.argument_error(message, Some(i), help)
    }
}

/// `Params` for tuples of up to `MAX_ARGS` parameters, and each arity's `call`.
macro_rules! params {
    ($($p:ident $a:ident $r:ident),*) => {
        impl<$($p: Param),*> Params for ($($p,)*) {
            fn types() -> Result<Vec<Type>, (usize, &'static str)> {
                let all: Vec<Result<Type, &'static str>> = vec![$($p::ty()),*];
                all.into_iter()
                    .enumerate()
                    .map(|(i, t)| t.map_err(|why| (i, why)))
                    .collect()
            }
        }

        impl<$($p: Param,)* R: FromValue> Typed<'_, ($($p,)*), R> {
            /// Calls the kernel: the arguments' arrays must be in standard layout (else `Err`).
            ///
            /// Each argument is passed as compiled code reads it, from the stack; the entry point
            /// is called directly and a scalar result read from its bytes: no lookup, no lock
            /// and no allocation.
            #[allow(clippy::too_many_arguments, unreachable_patterns)]
            #[inline]
            pub fn call(&self, $(mut $a: $p::Arg<'_>),*) -> Result<R, Error> {
                let Some(spec) = &self.spec else {
                    return self.run(&[$($a.into_arg()),*]);
                };
                $(let mut $r = MaybeUninit::<$p::Raw>::uninit();)*
                let args = match ($($p::pass(&mut $a, &mut $r),)*) {
                    ($(Some($r),)*) => [$($r.as_ptr()),*],
                    _ => return self.run(&[$($a.into_arg()),*]),
                };
                // SAFETY: `spec` was compiled for the types `P` promise (`Kernel::typed`), and
                // `pass` vouched for the layout they cannot; each pointer refers to an argument
                // or a `Raw` on this frame, whose pointers come from the borrows this call holds.
                unsafe { self.kernel.enter(spec, args.as_ptr()) }
            }
        }
    };
}
params!();
params!(A0 a0 r0);
params!(A0 a0 r0, A1 a1 r1);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10, A11 a11 r11);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10, A11 a11 r11, A12 a12 r12);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10, A11 a11 r11, A12 a12 r12, A13 a13 r13);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10, A11 a11 r11, A12 a12 r12, A13 a13 r13, A14 a14 r14);
params!(A0 a0 r0, A1 a1 r1, A2 a2 r2, A3 a3 r3, A4 a4 r4, A5 a5 r5, A6 a6 r6, A7 a7 r7, A8 a8 r8, A9 a9 r9, A10 a10 r10, A11 a11 r11, A12 a12 r12, A13 a13 r13, A14 a14 r14, A15 a15 r15);
