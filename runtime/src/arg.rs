//! Argument marshalling: Rust values and `ndarray` arrays -> what compiled code reads.
//!
//! In: anything [`IntoArg`]: scalars, `&ArrayBase` / `&mut ArrayBase` of any storage, dimension
//! and strides, `ArrayView` / `ArrayViewMut`, slices and vectors. Out: an [`Arg`] that knows its IR
//! [`Type`] (dtype, ndim, layout, writability: the specialization key) and the raw pointers,
//! extents and element strides, without allocating.
//!
//! # Aliasing
//!
//! Compiled code takes every array as a `noalias` pointer, so no writable argument of a call may
//! share memory with any other argument (writable or not); read-only arguments may share memory
//! with each other (`k(&x, &x)`). The borrow checker enforces this rule, at no cost per call: an
//! [`Arg`] is made only from a borrow (`&x`, `&mut x`, a view), holds it for its lifetime, and is
//! neither `Copy` nor `Clone`, so `k.call(&[a, a])` with `a` made from `&mut y`, or `&y` beside
//! `&mut y`, does not build, on the [`Kernel::call`](crate::Kernel::call) path as on the
//! generated wrappers'. ndarray itself never lets safe code make two mutable views, or a shared and
//! a mutable view, of one element. Only `unsafe` code (views made from raw pointers) can break
//! the rule, and must not.

use crate::signature::{type_code, NO_CODE};
use ndarray::{ArrayBase, ArrayView, ArrayViewMut, Data, DataMut, Dimension};
use num_complex::{Complex32, Complex64};
use rumba_compiler::ir::{ArrayType, Elem, Layout, Scalar, Type};
use std::marker::PhantomData;

pub use rumba_compiler::back::abi::MAX_NDIM;

/// Element types of arrays (and scalar argument types): `bool`, the primitive integers, `f32`,
/// `f64` and num-complex's `Complex32` and `Complex64` (`#[repr(C)]`: `re`, then `im`).
///
/// Sealed: compiled code, the interpreter's gather/scatter and `DeviceArray::to_host` read and
/// write `size_of::<T>()` bytes per element as a value of `SCALAR`, which holds only for the
/// types implemented here (same size and alignment, no padding, every bit pattern that
/// compiled code stores valid).
pub trait Element: ArrayElement + sealed::SealedElement {
    const SCALAR: Scalar;
}

mod sealed {
    /// Implemented exactly by the types [`Element`](super::Element) is.
    pub trait SealedElement {}
}

/// Element types of the arrays kernels take and return: the [`Element`] scalars, and the structs
/// of `compile!` blocks, for which `compile!` implements it (`Array1<Particle>`).
///
/// # Safety
/// Compiled code and the interpreter read and write `size_of::<Self>()` bytes per element as a
/// value of type [`ArrayElement::elem`] laid out as `#[repr(C)]` lays it out (each field at
/// `Tuple::offsets`, `bool`s as `0` or `1`, no other padding): only the scalars here and the
/// `#[repr(C)]` structs `compile!` emits (whose fields are `ArrayElement`s, their layout checked
/// against `offset_of!` once per type) implement it.
pub unsafe trait ArrayElement: Copy + 'static {
    /// The element type kernels see.
    fn elem() -> Elem;
}

macro_rules! element {
    ($($t:ty => $s:ident),*) => {$(
        impl sealed::SealedElement for $t {}
        impl Element for $t {
            const SCALAR: Scalar = Scalar::$s;
        }
        // SAFETY: a scalar `Element` is its own `#[repr(C)]` layout.
        unsafe impl ArrayElement for $t {
            #[inline]
            fn elem() -> Elem {
                Elem::Scalar(Scalar::$s)
            }
        }
    )*};
}
element!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => Isize, i128 => I128, u8 => U8, u16 => U16, u32 => U32, u64 => U64, usize => Usize, u128 => U128, f32 => F32, f64 => F64, Complex32 => C32, Complex64 => C64);

/// An array as compiled code reads it (see `rumba_compiler::back::abi`).
pub(crate) type RawParts = rumba_compiler::back::abi::RawArray;

/// An array of `shape.len()` axes (1 to [`MAX_NDIM`]) with these element strides, its elements at
/// `data`, as compiled code reads it.
#[inline]
pub(crate) fn raw_parts(data: *mut u8, shape: &[usize], strides: &[isize]) -> RawParts {
    let mut parts = RawParts {
        data,
        ndim: shape.len(),
        shape: [0; MAX_NDIM],
        strides: [0; MAX_NDIM],
    };
    for (d, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        parts.shape[d] = n as isize;
        parts.strides[d] = s;
    }
    parts
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    /// The scalar's bytes, native endian, zero-padded.
    Scalar([u8; 16]),
    Array(RawParts),
    /// An array in GPU memory (C order): `data` is its device address.
    Device(RawParts),
    /// A struct value's bytes, as `#[repr(C)]` lays them out (`crate::structs`).
    Struct([u8; crate::structs::MAX_STRUCT_BYTES]),
    /// An argument that cannot be passed, and why.
    Invalid(&'static str),
}

/// One argument of a kernel call, borrowed for `'a`.
///
/// Neither `Copy` nor `Clone`, and it holds the borrow it was made from (shared for `&x`,
/// exclusive for `&mut x`) for `'a`: so one exclusive borrow yields one `Arg`, and no other
/// argument of the same call can reach its memory. Compiled code relies on this: it takes every
/// writable array as a `noalias` pointer (see "Aliasing" in the module doc).
#[derive(Debug)]
pub struct Arg<'a> {
    pub(crate) ty: Type,
    /// `ty`'s signature code for a CPU call ([`type_code`]), computed where the type is known
    /// (often a constant) so that dispatch only compares it; [`NO_CODE`] for an argument the CPU
    /// cannot take (an invalid one, an array in GPU memory).
    pub(crate) code: u16,
    pub(crate) slot: Slot,
    _borrow: PhantomData<&'a mut ()>,
}

impl Arg<'_> {
    pub(crate) fn new<'a>(ty: Type, slot: Slot) -> Arg<'a> {
        let code = match slot {
            Slot::Invalid(_) | Slot::Device(_) => NO_CODE,
            _ => type_code(ty),
        };
        Arg {
            ty,
            code,
            slot,
            _borrow: PhantomData,
        }
    }

    /// The argument's type as the specializer sees it.
    pub fn ty(&self) -> Type {
        self.ty
    }

    #[inline]
    fn scalar<T: Element>(v: T) -> Arg<'static> {
        let mut bytes = [0u8; 16];
        let size = std::mem::size_of::<T>();
        // SAFETY: `T` is one of the types above (at most 16 bytes, no padding, no invalid bit
        // patterns when read as bytes).
        unsafe {
            std::ptr::copy_nonoverlapping(&v as *const T as *const u8, bytes.as_mut_ptr(), size)
        };
        Arg {
            ty: Type::Scalar(T::SCALAR),
            code: type_code(Type::Scalar(T::SCALAR)),
            slot: Slot::Scalar(bytes),
            _borrow: PhantomData,
        }
    }

    #[inline]
    fn array<'a, T: ArrayElement>(
        data: *mut T,
        shape: &[usize],
        strides: &[isize],
        standard: bool,
        writable: bool,
    ) -> Arg<'a> {
        let ndim = shape.len();
        let invalid = |why| Arg {
            ty: Type::Unit,
            code: NO_CODE,
            slot: Slot::Invalid(why),
            _borrow: PhantomData,
        };
        if ndim > MAX_NDIM {
            return invalid("arrays of more than 8 dimensions are not supported");
        }
        let parts = raw_parts(data as *mut u8, shape, strides);
        let layout = if standard {
            Layout::Contig
        } else {
            Layout::Strided
        };
        let ty = Type::Array(ArrayType::view(T::elem(), ndim as u8, layout, writable));
        Arg {
            ty,
            code: type_code(ty),
            slot: Slot::Array(parts),
            _borrow: PhantomData,
        }
    }
}

impl Arg<'_> {
    /// A C-order array of `T` in GPU memory at device address `data`.
    pub(crate) fn device<'a, T: Element>(data: u64, shape: &[usize], writable: bool) -> Arg<'a> {
        let mut strides = vec![1isize; shape.len()];
        for d in (0..shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shape[d + 1] as isize;
        }
        let mut arg = Arg::array(data as *mut T, shape, &strides, true, writable);
        if let Slot::Array(parts) = arg.slot {
            arg.slot = Slot::Device(parts);
            arg.code = NO_CODE;
        }
        arg
    }
}

/// Anything that can be passed to a kernel.
pub trait IntoArg<'a> {
    fn into_arg(self) -> Arg<'a>;
}

macro_rules! scalar_args {
    ($($t:ty),*) => {$(
        impl<'a> IntoArg<'a> for $t {
            #[inline]
            fn into_arg(self) -> Arg<'a> {
                Arg::scalar(self)
            }
        }
    )*};
}
scalar_args!(
    bool, i8, i16, i32, i64, isize, i128, u8, u16, u32, u64, usize, u128, f32, f64, Complex32,
    Complex64
);

impl<'a> IntoArg<'a> for Arg<'a> {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        self
    }
}

impl<'a, S, D, T> IntoArg<'a> for &'a ArrayBase<S, D>
where
    S: Data<Elem = T>,
    D: Dimension,
    T: ArrayElement,
{
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        Arg::array(
            self.as_ptr() as *mut T,
            self.shape(),
            self.strides(),
            self.is_standard_layout(),
            false,
        )
    }
}

impl<'a, S, D, T> IntoArg<'a> for &'a mut ArrayBase<S, D>
where
    S: DataMut<Elem = T>,
    D: Dimension,
    T: ArrayElement,
{
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        let standard = self.is_standard_layout();
        let data = self.as_mut_ptr();
        Arg::array(data, self.shape(), self.strides(), standard, true)
    }
}

impl<'a, T: ArrayElement, D: Dimension> IntoArg<'a> for ArrayView<'a, T, D> {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        Arg::array(
            self.as_ptr() as *mut T,
            self.shape(),
            self.strides(),
            self.is_standard_layout(),
            false,
        )
    }
}

impl<'a, T: ArrayElement, D: Dimension> IntoArg<'a> for ArrayViewMut<'a, T, D> {
    #[inline]
    fn into_arg(mut self) -> Arg<'a> {
        let standard = self.is_standard_layout();
        let data = self.as_mut_ptr();
        Arg::array(data, self.shape(), self.strides(), standard, true)
    }
}

impl<'a, T: ArrayElement> IntoArg<'a> for &'a [T] {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        Arg::array(self.as_ptr() as *mut T, &[self.len()], &[1], true, false)
    }
}

impl<'a, T: ArrayElement> IntoArg<'a> for &'a mut [T] {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        Arg::array(self.as_mut_ptr(), &[self.len()], &[1], true, true)
    }
}

impl<'a, T: ArrayElement, const N: usize> IntoArg<'a> for &'a [T; N] {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        self.as_slice().into_arg()
    }
}

impl<'a, T: ArrayElement, const N: usize> IntoArg<'a> for &'a mut [T; N] {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        self.as_mut_slice().into_arg()
    }
}

impl<'a, T: ArrayElement> IntoArg<'a> for &'a Vec<T> {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        self.as_slice().into_arg()
    }
}

impl<'a, T: ArrayElement> IntoArg<'a> for &'a mut Vec<T> {
    #[inline]
    fn into_arg(self) -> Arg<'a> {
        self.as_mut_slice().into_arg()
    }
}
