//! Results coming back from compiled code: scalars, arrays the kernel made, tuples of them.
//!
//! In: the entry point's `ret` buffer and the specialization's return type (or the
//! interpreter's output). Out: a [`Value`], and through [`FromValue`] the Rust type the caller
//! asked for (`let s: f64 = dot(&x, &y)?`, `let y: Array1<f64> = normalize(&x)?`,
//! `let (lo, i): (f64, usize) = argmin(&x)?`). A returned array is handed to ndarray without a
//! copy: compiled code allocated it through Rust's global allocator in the layout of a `Vec`.

use crate::arg::{ArrayElement, Element};
use ndarray::{Array, Dimension, IxDyn};
use num_complex::{Complex, Complex32, Complex64};
use rumba_compiler::back::abi::{self, RawArray};
use rumba_compiler::ir::{Elem, Scalar, Type};
use std::alloc::Layout;
use std::fmt;
use std::ptr::NonNull;

#[derive(Debug, PartialEq)]
pub enum Value {
    Unit,
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Isize(isize),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    Usize(usize),
    F32(f32),
    F64(f64),
    /// Boxed, as `U128`: a 16-byte-aligned payload would double the size of every `Value`
    /// (and of every call's `Result<Value, Error>`).
    I128(Box<i128>),
    U128(Box<u128>),
    C32(Complex32),
    C64(Complex64),
    /// An array the kernel made.
    Array(Box<OwnedArray>),
    /// A tuple of two or more values.
    Tuple(Box<[Value]>),
}

/// The elements of an array a kernel returned: memory from Rust's global allocator in the layout
/// of a `Vec` of `len` elements of `elem`, freed on drop unless converted to an ndarray array.
/// The elements lie in C order, or in the order ndarray's `to_owned`/`map` keep of a contiguous
/// operand (`strides`, reversed axes included). Two are equal when their element types, shapes
/// and elements in logical order are, bit for bit (NaNs of one payload are equal, as the
/// differential tests compare results).
#[derive(Debug)]
pub struct OwnedArray {
    elem: Elem,
    shape: Vec<usize>,
    /// In elements, as ndarray's; `None`: C order.
    strides: Option<Vec<isize>>,
    /// The lowest address of the elements: the allocation.
    data: NonNull<u8>,
}

// SAFETY: an `OwnedArray` owns its memory outright (no other pointer to it remains).
unsafe impl Send for OwnedArray {}
// SAFETY: it offers only shared reads through `&self`.
unsafe impl Sync for OwnedArray {}

/// The strides of C order for `shape`, as compiled code computes them (an array with these is
/// handed to ndarray with its default strides, which are all zero for an empty one).
fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![1isize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1] as isize;
    }
    strides
}

impl OwnedArray {
    /// Takes ownership of an array compiled code returned.
    ///
    /// # Safety
    /// `raw` describes an array of `elem` whose memory came from [`rumba_alloc`] for exactly
    /// its elements (its lowest address the allocation's start), and which nothing else frees.
    pub(crate) unsafe fn from_raw(elem: Elem, raw: &RawArray) -> OwnedArray {
        let shape: Vec<usize> = raw.shape[..raw.ndim].iter().map(|&n| n as usize).collect();
        let strides = raw.strides[..raw.ndim].to_vec();
        let empty = shape.contains(&0);
        // From the first element back to the lowest address, along the reversed axes.
        let back: isize = match empty {
            true => 0,
            false => (shape.iter().zip(&strides))
                .filter(|&(_, &s)| s < 0)
                .map(|(&n, &s)| s * (n as isize - 1))
                .sum(),
        };
        let data = raw.data.wrapping_offset(back * elem.size() as isize);
        OwnedArray {
            elem,
            strides: (strides != c_strides(&shape)).then_some(strides),
            shape,
            data: NonNull::new(data).unwrap_or(NonNull::dangling()),
        }
    }

    /// Copies the elements of an array the interpreter made (`bytes` from its lowest address,
    /// laid out by `strides`) into an array of the same layout.
    pub(crate) fn copy_of(
        elem: Elem,
        shape: Vec<usize>,
        strides: Vec<isize>,
        bytes: &[u8],
    ) -> Option<OwnedArray> {
        // SAFETY: `rumba_alloc` returns `bytes.len()` writable bytes (or null), or a dangling
        // pointer for none; the copy writes exactly those.
        let data = unsafe {
            let p = rumba_alloc(bytes.len() as i64, elem.alloc_align() as i64);
            if p.is_null() {
                return None;
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            p
        };
        Some(OwnedArray {
            elem,
            strides: (strides != c_strides(&shape)).then_some(strides),
            shape,
            data: NonNull::new(data)?,
        })
    }

    pub fn elem(&self) -> Elem {
        self.elem
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// The array as ndarray's, when it holds `T` and `D` fits its number of axes: the same memory
    /// and strides.
    pub fn into_array<T: ArrayElement, D: Dimension>(self) -> Option<Array<T, D>> {
        use ndarray::ShapeBuilder;
        if self.elem != T::elem() || D::NDIM.is_some_and(|n| n != self.shape.len()) {
            return None;
        }
        let mut me = std::mem::ManuallyDrop::new(self);
        let len = me.len();
        let shape = std::mem::take(&mut me.shape);
        let strides = me.strides.take();
        // SAFETY: the memory came from the global allocator with the layout of `len` elements of
        // `T` (`rumba_alloc(len * size, align)`, size and alignment both `size_of::<T>()` for
        // the element types), or is dangling for none; `me` gives up ownership.
        let v = unsafe {
            if len == 0 {
                Vec::new()
            } else {
                Vec::from_raw_parts(me.data.as_ptr() as *mut T, len, len)
            }
        };
        let array = match strides {
            None => Array::from_shape_vec(IxDyn(&shape), v),
            // ndarray's strides are `usize`s holding the `isize` bits.
            Some(s) => {
                let s: Vec<usize> = s.iter().map(|&s| s as usize).collect();
                Array::from_shape_vec(IxDyn(&shape).strides(IxDyn(&s)), v)
            }
        };
        array.ok()?.into_dimensionality::<D>().ok()
    }

    /// The elements' bytes in logical (C) order.
    fn logical_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        let size = self.elem.size();
        let n = self.len() * size;
        if n == 0 {
            return std::borrow::Cow::Borrowed(&[]);
        }
        // SAFETY: the array owns `n` initialized bytes from `data`.
        let memory = unsafe { std::slice::from_raw_parts(self.data.as_ptr(), n) };
        let Some(strides) = &self.strides else {
            return std::borrow::Cow::Borrowed(memory);
        };
        // The first element's offset from the lowest address, then each in logical order.
        let first: isize = (self.shape.iter().zip(strides))
            .filter(|&(_, &s)| s < 0)
            .map(|(&d, &s)| -s * (d as isize - 1))
            .sum();
        let mut positions = vec![first];
        for (&d, &s) in self.shape.iter().zip(strides) {
            positions = positions
                .iter()
                .flat_map(|&p| (0..d as isize).map(move |i| p + i * s))
                .collect();
        }
        let bytes = positions
            .into_iter()
            .flat_map(|p| {
                memory[p as usize * size..(p as usize + 1) * size]
                    .iter()
                    .copied()
            })
            .collect();
        std::borrow::Cow::Owned(bytes)
    }
}

impl PartialEq for OwnedArray {
    fn eq(&self, other: &Self) -> bool {
        self.elem == other.elem
            && self.shape == other.shape
            && self.logical_bytes() == other.logical_bytes()
    }
}

impl Drop for OwnedArray {
    fn drop(&mut self) {
        let bytes = self.len() * self.elem.size();
        // SAFETY: the memory came from `rumba_alloc` for `bytes` bytes and is owned here.
        unsafe {
            rumba_free(
                self.data.as_ptr(),
                bytes as i64,
                self.elem.alloc_align() as i64,
            )
        };
    }
}

/// The allocator of compiled code ([`abi::ALLOC`]): `bytes` with alignment `align` from Rust's
/// global allocator, null on failure, a dangling aligned pointer for zero bytes.
///
/// # Safety
/// `align` is a power of two and `bytes <= isize::MAX` rounded up to it (compiled code checks).
pub(crate) unsafe extern "C" fn rumba_alloc(bytes: i64, align: i64) -> *mut u8 {
    allocate(bytes, align, std::alloc::alloc)
}

/// [`rumba_alloc`] of zeroed memory ([`abi::ALLOC_ZEROED`]).
///
/// # Safety
/// As [`rumba_alloc`].
pub(crate) unsafe extern "C" fn rumba_alloc_zeroed(bytes: i64, align: i64) -> *mut u8 {
    allocate(bytes, align, std::alloc::alloc_zeroed)
}

fn allocate(bytes: i64, align: i64, alloc: unsafe fn(Layout) -> *mut u8) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(bytes as usize, align as usize) else {
        return std::ptr::null_mut();
    };
    if layout.size() == 0 {
        return align as usize as *mut u8;
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc(layout) };
    if !p.is_null() {
        advise_huge_pages(p, layout.size());
    }
    p
}

/// The size from which an array's memory is asked to be backed by transparent huge pages: 4 MiB,
/// NumPy's choice (`madvise_hugepage`).
const HUGE_ARRAY: usize = 4 << 20;

/// Asks Linux to back the whole 4 KiB pages of a new allocation of `bytes` at `p` with
/// transparent huge pages when it is at least [`HUGE_ARRAY`] long, as NumPy does for its arrays,
/// unless `RUMBA_HUGEPAGES=0`. Where the system's setting is `madvise` (Debian and Ubuntu's
/// default), a large array otherwise takes one page fault per 4 KiB when first written: a
/// 4096 x 4096 `f64` row softmax spent half its time in the kernel's fault handler (80 ms, 55-63
/// with the advice, glibc's allocator). Only advice: the memory and its contents are unchanged,
/// and a refusal (another allocator's memory that cannot take it, a kernel without THP) is
/// ignored. Pages the allocator already touched (reused heap memory) stay as they are.
fn advise_huge_pages(p: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let on = *ON.get_or_init(|| std::env::var("RUMBA_HUGEPAGES").map_or(true, |v| v != "0"));
        if !on || bytes < HUGE_ARRAY {
            return;
        }
        let start = (p as usize).next_multiple_of(4096);
        let end = (p as usize + bytes) & !4095;
        // SAFETY: `start..end` lies inside the allocation just made, which is ours; the advice
        // changes no byte of it.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, bytes);
}

/// [`rumba_alloc`]'s memory at `ptr`, `old` bytes long, made `bytes` long ([`abi::REALLOC`]):
/// Rust's `realloc`, which keeps the first bytes and extends or shrinks in place where it can
/// (glibc moves the pages of a large block rather than copying them); null when that fails, the
/// old memory then freed (the caller has given it up).
///
/// # Safety
/// `ptr` came from `rumba_alloc(old, align)` (dangling for zero bytes) and is not used again;
/// `align` is a power of two and `bytes <= isize::MAX` rounded up to it.
pub(crate) unsafe extern "C" fn rumba_realloc(
    ptr: *mut u8,
    old: i64,
    bytes: i64,
    align: i64,
) -> *mut u8 {
    if old == 0 {
        // SAFETY: the caller's contract, as `rumba_alloc`'s.
        return unsafe { rumba_alloc(bytes, align) };
    }
    let (Ok(layout), Ok(new)) = (
        Layout::from_size_align(old as usize, align as usize),
        Layout::from_size_align(bytes as usize, align as usize),
    ) else {
        // SAFETY: the caller's contract: `ptr` is `old` bytes of `rumba_alloc`.
        unsafe { rumba_free(ptr, old, align) };
        return std::ptr::null_mut();
    };
    if new.size() == 0 {
        // SAFETY: as above.
        unsafe { rumba_free(ptr, old, align) };
        return align as usize as *mut u8;
    }
    // SAFETY: `ptr` was allocated with `layout` by the global allocator; the new size is
    // non-zero and valid for the alignment (checked by `Layout::from_size_align`).
    let p = unsafe { std::alloc::realloc(ptr, layout, new.size()) };
    if p.is_null() {
        // SAFETY: a failed `realloc` leaves the old memory allocated, and ours to free.
        unsafe { std::alloc::dealloc(ptr, layout) };
    } else {
        advise_huge_pages(p, new.size());
    }
    p
}

/// Frees what [`rumba_alloc`] returned ([`abi::FREE`]); null or zero bytes: nothing.
///
/// # Safety
/// `ptr` came from `rumba_alloc(bytes, align)` and is not used again.
pub(crate) unsafe extern "C" fn rumba_free(ptr: *mut u8, bytes: i64, align: i64) {
    if ptr.is_null() || bytes == 0 {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(bytes as usize, align as usize) {
        // SAFETY: the caller's contract: the same layout as the allocation.
        unsafe { std::alloc::dealloc(ptr, layout) }
    }
}

impl Value {
    /// Decodes the result of type `t` at byte `offset` of an entry's `ret` buffer, taking
    /// ownership of the arrays in it.
    ///
    /// # Safety
    /// `ret` holds a result of type `t` as compiled code wrote it ([`abi::ret_size`]).
    pub(crate) unsafe fn from_ret(t: Type, ret: &[u8], offset: usize) -> Value {
        match t {
            Type::Unit => Value::Unit,
            // `decode` reads the scalar's own bytes (no size computed on the call path).
            Type::Scalar(s) => Value::decode(s, &ret[offset..]),
            Type::Array(a) => {
                // SAFETY: `ret` holds a `RawArray` at `offset` (unaligned reads of its bytes).
                let raw =
                    unsafe { std::ptr::read_unaligned(ret[offset..].as_ptr() as *const RawArray) };
                // SAFETY: compiled code allocated it with `rumba_alloc` and gave it up.
                Value::Array(Box::new(unsafe { OwnedArray::from_raw(a.elem, &raw) }))
            }
            Type::Tuple(tt) => {
                let mut off = offset;
                let mut out = Vec::new();
                for &e in tt.elems() {
                    // SAFETY: the elements follow one another as `abi::ret_size` lays them out.
                    out.push(unsafe { Value::from_ret(e, ret, off) });
                    off += abi::ret_size(e) as usize;
                }
                Value::Tuple(out.into())
            }
        }
    }

    /// Decodes a scalar of type `s` from its in-memory bytes (at least 8, and its size).
    #[inline]
    pub fn decode(s: Scalar, bytes: &[u8]) -> Value {
        match s {
            Scalar::Bool => Value::Bool(ReadBytes::read(bytes)),
            Scalar::I8 => Value::I8(ReadBytes::read(bytes)),
            Scalar::I16 => Value::I16(ReadBytes::read(bytes)),
            Scalar::I32 => Value::I32(ReadBytes::read(bytes)),
            Scalar::I64 => Value::I64(ReadBytes::read(bytes)),
            Scalar::Isize => Value::Isize(ReadBytes::read(bytes)),
            Scalar::U8 => Value::U8(ReadBytes::read(bytes)),
            Scalar::U16 => Value::U16(ReadBytes::read(bytes)),
            Scalar::U32 => Value::U32(ReadBytes::read(bytes)),
            Scalar::U64 => Value::U64(ReadBytes::read(bytes)),
            Scalar::Usize => Value::Usize(ReadBytes::read(bytes)),
            Scalar::F32 => Value::F32(ReadBytes::read(bytes)),
            Scalar::F64 => Value::F64(ReadBytes::read(bytes)),
            Scalar::I128 => Value::I128(Box::new(ReadBytes::read(bytes))),
            Scalar::U128 => Value::U128(Box::new(ReadBytes::read(bytes))),
            Scalar::C32 => Value::C32(ReadBytes::read(bytes)),
            Scalar::C64 => Value::C64(ReadBytes::read(bytes)),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Unit => "()",
            Value::Bool(_) => "bool",
            Value::I8(_) => "i8",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::Isize(_) => "isize",
            Value::U8(_) => "u8",
            Value::U16(_) => "u16",
            Value::U32(_) => "u32",
            Value::U64(_) => "u64",
            Value::Usize(_) => "usize",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::I128(_) => "i128",
            Value::U128(_) => "u128",
            Value::C32(_) => "Complex<f32>",
            Value::C64(_) => "Complex<f64>",
            Value::Array(_) => "an array",
            Value::Tuple(_) => "a tuple",
        }
    }
}

/// A scalar read from its in-memory bytes (native endian; `bytes` holds at least its size).
trait ReadBytes: Sized {
    fn read(bytes: &[u8]) -> Self;
}

macro_rules! read_bytes {
    ($($t:ty),*) => {$(
        impl ReadBytes for $t {
            #[inline]
            fn read(bytes: &[u8]) -> $t {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(&bytes[..std::mem::size_of::<$t>()]);
                <$t>::from_ne_bytes(b)
            }
        }
    )*};
}
read_bytes!(i8, i16, i32, i64, isize, i128, u8, u16, u32, u64, usize, u128, f32, f64);

impl ReadBytes for bool {
    #[inline]
    fn read(bytes: &[u8]) -> bool {
        bytes[0] != 0
    }
}

impl<T: ReadBytes> ReadBytes for Complex<T> {
    #[inline]
    fn read(bytes: &[u8]) -> Self {
        // `re`, then `im` (`#[repr(C)]`).
        let half = std::mem::size_of::<T>();
        Complex::new(T::read(bytes), T::read(&bytes[half..]))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unit => f.write_str("()"),
            Value::Bool(v) => v.fmt(f),
            Value::I8(v) => v.fmt(f),
            Value::I16(v) => v.fmt(f),
            Value::I32(v) => v.fmt(f),
            Value::I64(v) => v.fmt(f),
            Value::Isize(v) => v.fmt(f),
            Value::U8(v) => v.fmt(f),
            Value::U16(v) => v.fmt(f),
            Value::U32(v) => v.fmt(f),
            Value::U64(v) => v.fmt(f),
            Value::Usize(v) => v.fmt(f),
            Value::F32(v) => v.fmt(f),
            Value::F64(v) => v.fmt(f),
            Value::I128(v) => v.fmt(f),
            Value::U128(v) => v.fmt(f),
            Value::C32(v) => v.fmt(f),
            Value::C64(v) => v.fmt(f),
            Value::Array(a) => write!(f, "array<{}, {:?}>", a.elem, a.shape),
            Value::Tuple(xs) => {
                f.write_str("(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    x.fmt(f)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A Rust type a kernel's result converts to. The conversion is exact: an `f64` kernel result
/// does not become an `f32`.
pub trait FromValue: Sized {
    const TYPE_NAME: &'static str;
    fn from_value(v: Value) -> Option<Self>;

    /// The result of type `t` in an entry's `ret` buffer as `Self`, or the type name of what was
    /// there (its arrays freed). The default decodes a [`Value`] and converts it; scalars and `()`
    /// read their bytes in place, so that no `Value` is made on their call path.
    ///
    /// # Safety
    /// `ret` holds a result of type `t` as compiled code wrote it ([`abi::ret_size`] bytes),
    /// whose arrays nothing else owns.
    #[doc(hidden)]
    #[inline]
    unsafe fn from_ret(t: Type, ret: &[u8]) -> Result<Self, &'static str> {
        // SAFETY: the caller's contract.
        unsafe { through_value(t, ret) }
    }
}

/// [`FromValue::from_ret`] through a [`Value`].
///
/// # Safety
/// As for [`FromValue::from_ret`].
unsafe fn through_value<R: FromValue>(t: Type, ret: &[u8]) -> Result<R, &'static str> {
    // SAFETY: the caller's contract.
    let v = unsafe { Value::from_ret(t, ret, 0) };
    let found = v.type_name();
    R::from_value(v).ok_or(found)
}

impl FromValue for Value {
    const TYPE_NAME: &'static str = "Value";
    fn from_value(v: Value) -> Option<Self> {
        Some(v)
    }
}

impl FromValue for () {
    const TYPE_NAME: &'static str = "()";
    fn from_value(v: Value) -> Option<Self> {
        matches!(v, Value::Unit).then_some(())
    }

    #[inline]
    unsafe fn from_ret(t: Type, ret: &[u8]) -> Result<Self, &'static str> {
        match t {
            Type::Unit => Ok(()),
            // SAFETY: the caller's contract.
            _ => unsafe { through_value(t, ret) },
        }
    }
}

macro_rules! from_value {
    ($($t:ty => $v:ident $($boxed:ident)?),*) => {$(
        impl FromValue for $t {
            const TYPE_NAME: &'static str = stringify!($t);
            #[inline]
            fn from_value(v: Value) -> Option<Self> {
                match v {
                    Value::$v(x) => Some(from_value!(@payload x $($boxed)?)),
                    _ => None,
                }
            }

            #[inline]
            unsafe fn from_ret(t: Type, ret: &[u8]) -> Result<Self, &'static str> {
                if t == Type::Scalar(<$t as Element>::SCALAR) {
                    return Ok(<$t as ReadBytes>::read(ret));
                }
                // SAFETY: the caller's contract.
                unsafe { through_value(t, ret) }
            }
        }
    )*};
    (@payload $x:ident) => { $x };
    (@payload $x:ident boxed) => { *$x };
}
impl<T: ArrayElement, D: Dimension> FromValue for Array<T, D> {
    const TYPE_NAME: &'static str = "Array<T, D>";
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Array(a) => a.into_array(),
            _ => None,
        }
    }
}

impl<T: ArrayElement> FromValue for Vec<T> {
    const TYPE_NAME: &'static str = "Vec<T>";
    fn from_value(v: Value) -> Option<Self> {
        let a: ndarray::Array1<T> = FromValue::from_value(v)?;
        Some(a.into_raw_vec_and_offset().0)
    }
}

macro_rules! from_tuple {
    ($n:literal: $($t:ident),*) => {
        impl<$($t: FromValue),*> FromValue for ($($t,)*) {
            const TYPE_NAME: &'static str = concat!("a tuple of ", $n, " values");
            fn from_value(v: Value) -> Option<Self> {
                let Value::Tuple(xs) = v else { return None };
                let mut xs = xs.into_vec().into_iter();
                let out = ($($t::from_value(xs.next()?)?,)*);
                xs.next().is_none().then_some(out)
            }
        }
    };
}
/// A kernel's `Option<T>`: the tuple `(is_some, value)` it is laid out as.
impl<T: FromValue> FromValue for Option<T> {
    const TYPE_NAME: &'static str = "an Option";
    fn from_value(v: Value) -> Option<Self> {
        let Value::Tuple(xs) = v else { return None };
        let [flag, value]: [Value; 2] = xs.into_vec().try_into().ok()?;
        match flag {
            Value::Bool(true) => Some(Some(T::from_value(value)?)),
            Value::Bool(false) => Some(None),
            _ => None,
        }
    }
}

from_tuple!(2: A, B);
from_tuple!(3: A, B, C);
from_tuple!(4: A, B, C, D);
from_tuple!(5: A, B, C, D, E);
from_tuple!(6: A, B, C, D, E, F);

from_value!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => Isize, i128 => I128 boxed, u8 => U8, u16 => U16, u32 => U32, u64 => U64, usize => Usize, u128 => U128 boxed, f32 => F32, f64 => F64, Complex32 => C32, Complex64 => C64);
