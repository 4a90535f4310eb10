//! Arrays that live in GPU memory between calls.
//!
//! In: host `ndarray`s of any [`Element`] (complex numbers included: two floats each) copied
//! in, or a shape (zeroed on the device). Out: a [`DeviceArray`] that
//! kernels take as an argument like a host array (`&a` read-only, `&mut a` writable) without any
//! copy, and that comes back to the host with [`DeviceArray::to_host`]. Elements are stored in C
//! order. The CPU cannot read them: a CPU call with a device array is an [`ErrorKind::Argument`](crate::ErrorKind::Argument).

use super::driver::{device, driver_error, Buffer};
use crate::arg::{Arg, Element, IntoArg};
use crate::error::{Error, ErrorKind};
use ndarray::{Array, ArrayBase, Data, Dimension, IntoDimension};
use std::marker::PhantomData;

/// An n-dimensional array of `T` in the GPU's memory, in C order.
///
/// ```ignore
/// let x = rumba::cuda::to_device(&host_x)?;        // copy in once
/// let mut y = DeviceArray::<f32, _>::zeros(n)?;     // or start from zeros
/// for _ in 0..100 {
///     saxpy::cuda(2.0f32, &x, &mut y)?;            // no copies between calls
/// }
/// let y: Array1<f32> = y.to_host()?;               // copy out once
/// ```
pub struct DeviceArray<T: Element, D: Dimension> {
    buffer: Buffer,
    dim: D,
    _elem: PhantomData<T>,
}

/// Copies `a` to the GPU (see [`DeviceArray::from_host`]).
pub fn to_device<T, S, D>(a: &ArrayBase<S, D>) -> Result<DeviceArray<T, D>, Error>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    DeviceArray::from_host(a)
}

impl<T: Element, D: Dimension> DeviceArray<T, D> {
    /// An array of `shape` on the GPU, every element zero (`false`, `0`, `0.0`, `0.0 + 0.0i`).
    pub fn zeros(shape: impl IntoDimension<Dim = D>) -> Result<Self, Error> {
        let dim = shape.into_dimension();
        let a = Self::alloc(dim)?;
        a.buffer
            .zero()
            .map_err(|e| driver_error("", "cuMemsetD8", e))?;
        Ok(a)
    }

    /// A copy of `a` (any layout) on the GPU.
    pub fn from_host<S: Data<Elem = T>>(a: &ArrayBase<S, D>) -> Result<Self, Error> {
        let d = Self::alloc(a.raw_dim())?;
        let gathered: Vec<T>;
        let elems = match a.as_slice() {
            Some(elems) => elems,
            None => {
                gathered = a.iter().copied().collect();
                &gathered
            }
        };
        if !elems.is_empty() {
            d.buffer
                .upload(bytes(elems))
                .map_err(|e| driver_error("", "cuMemcpyHtoD", e))?;
        }
        Ok(d)
    }

    /// A copy of the array on the host.
    pub fn to_host(&self) -> Result<Array<T, D>, Error> {
        let count = self.len();
        let mut elems = Vec::<T>::with_capacity(count);
        let dev = device()?;
        dev.bind()?;
        // SAFETY: `count` elements of capacity, filled completely by the download below before
        // `set_len` exposes them; every bit pattern the device holds is a valid `T` (kernels
        // store `bool` as 0 or 1, and zeroed memory is `false`; any bits are a float, so any
        // pair of them a complex number).
        unsafe {
            let dst = std::slice::from_raw_parts_mut(
                elems.as_mut_ptr() as *mut u8,
                count * std::mem::size_of::<T>(),
            );
            if count > 0 {
                self.buffer
                    .download(dst)
                    .map_err(|e| driver_error("", "cuMemcpyDtoH", e))?;
            }
            elems.set_len(count);
        }
        Array::from_shape_vec(self.dim.clone(), elems).map_err(|e| cuda_error(e.to_string()))
    }

    /// The extents, as ndarray's `shape()`.
    pub fn shape(&self) -> &[usize] {
        self.dim.slice()
    }

    /// The dimension, as ndarray's `raw_dim()`.
    pub fn dim(&self) -> D {
        self.dim.clone()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.dim.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn alloc(dim: D) -> Result<Self, Error> {
        let dev = device()?;
        dev.bind()?;
        let bytes = dim
            .size_checked()
            .and_then(|n| n.checked_mul(std::mem::size_of::<T>()))
            .ok_or_else(|| {
                cuda_error(format!("an array of shape {:?} is too large", dim.slice()))
            })?;
        let buffer = Buffer::alloc(bytes).map_err(|e| driver_error("", "cuMemAlloc", e))?;
        Ok(DeviceArray {
            buffer,
            dim,
            _elem: PhantomData,
        })
    }
}

impl<T: Element, D: Dimension> std::fmt::Debug for DeviceArray<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceArray<{}>{:?} at {:#x}",
            T::SCALAR.name(),
            self.shape(),
            self.buffer.ptr
        )
    }
}

/// An [`ErrorKind::Cuda`] about a device array (no kernel involved).
fn cuda_error(message: String) -> Error {
    let rendered = format!("error: CUDA: {message}");
    let kind = ErrorKind::Cuda {
        kernel: String::new(),
        location: None,
        message,
    };
    Error::rendered_as(kind, rendered)
}

/// The elements' bytes.
fn bytes<T: Element>(elems: &[T]) -> &[u8] {
    // SAFETY: `T` is an `Element`: a primitive number, `bool`, or num-complex's `#[repr(C)]`
    // pair of two `f32`s or two `f64`s: no padding, every byte initialized.
    unsafe { std::slice::from_raw_parts(elems.as_ptr() as *const u8, std::mem::size_of_val(elems)) }
}

impl<'a, T: Element, D: Dimension> IntoArg<'a> for &'a DeviceArray<T, D> {
    fn into_arg(self) -> Arg<'a> {
        Arg::device::<T>(self.buffer.ptr, self.shape(), false)
    }
}

impl<'a, T: Element, D: Dimension> IntoArg<'a> for &'a mut DeviceArray<T, D> {
    fn into_arg(self) -> Arg<'a> {
        Arg::device::<T>(self.buffer.ptr, self.shape(), true)
    }
}
