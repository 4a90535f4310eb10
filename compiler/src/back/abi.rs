//! The calling convention between the runtime and JIT-compiled code.
//!
//! The entry point of a specialization is
//! `extern "C" fn(args: *const *mut u8, ret: *mut u8, err: *mut ErrInfo) -> i32`:
//! `args[i]` points at argument `i`: the scalar itself (a `bool` as one byte), or a [`RawArray`].
//! `ret` receives the result, laid out as [`ret_size`] says (owned arrays as [`RawArray`]s whose
//! memory the caller then owns). A non-zero return means the call failed; `err` then says which
//! check [`Site`] failed and with which values.
//!
//! Generated code calls one function of the runtime (and nothing else of Rust):
//! [`PARALLEL_FOR`], `extern "C" fn(chunk, env: *mut u8, start: i64, end: i64, err: *mut ErrInfo)
//! -> i32`, for a `prange` loop of the entry function. It runs
//! `chunk(env, lo, hi, err): extern "C" fn(*mut u8, i64, i64, *mut ErrInfo)` over disjoint
//! sub-ranges `lo..hi` covering `start..end` (iteration numbers, not values of the loop variable;
//! each chunk runs its iterations in order and stops at the first failed check), possibly on
//! several threads at once, each chunk with its own [`ErrInfo`]. It returns zero when every chunk
//! succeeded; otherwise non-zero, with `err` holding the record of the lowest failing chunk (so
//! of the lowest failing iteration). `env` is the loop's environment (`back/emit/parallel.rs`).

use crate::span::Span;

pub const ENTRY: &str = "rumba_entry";

/// The name of a GPU module's entry point (see `back::gpu`).
pub const KERNEL: &str = "rumba_kernel";

/// The runtime's parallel loop driver, called by compiled `prange` loops (see the module doc).
pub const PARALLEL_FOR: &str = "rumba_parallel_for";

/// The most dimensions an array argument may have.
pub const MAX_NDIM: usize = 8;

/// An array argument: the address of its first element, then its extents and element strides
/// inline (the first `ndim` of each are meaningful), so the caller builds it without allocating.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawArray {
    pub data: *mut u8,
    pub ndim: usize,
    pub shape: [isize; MAX_NDIM],
    pub strides: [isize; MAX_NDIM],
}

/// The runtime's allocator, called by compiled code for the arrays a kernel makes:
/// `extern "C" fn(bytes: i64, align: i64) -> *mut u8`, Rust's global allocator with that layout
/// (the layout of a `Vec<T>` of `bytes / size_of::<T>()` elements, so that the runtime can hand a
/// returned array to ndarray); null when the allocation fails; a dangling, aligned pointer for
/// zero bytes.
pub const ALLOC: &str = "rumba_alloc";

/// [`ALLOC`] of zeroed memory (Rust's `alloc_zeroed`: fresh pages from the system need no pass
/// over them), for `Array::zeros`.
pub const ALLOC_ZEROED: &str = "rumba_alloc_zeroed";

/// `extern "C" fn(data: *mut u8, old: i64, bytes: i64, align: i64) -> *mut u8`: the memory of
/// [`ALLOC`] at `data`, `old` bytes long, made `bytes` long (Rust's `realloc`: the first bytes
/// kept, in place where the allocator can); null when that fails, the old memory then freed.
/// For growable vectors' buffers (`Init::Resize`).
pub const REALLOC: &str = "rumba_realloc";

/// `extern "C" fn(m, k, n: i64, a: *const f64, rsa, csa: i64, b: *const f64, rsb, csb: i64,
/// c: *mut f64, rsc, csc: i64)`: `c = a · b` for an `m` x `k` `a` and a `k` x `n` `b`, strides
/// in elements, by `matrixmultiply::dgemm` with alpha one and beta zero (what ndarray's `dot`
/// calls); [`SGEMM`] the same for `f32`.
pub const DGEMM: &str = "rumba_dgemm";

/// [`DGEMM`] of `f32` arrays (`matrixmultiply::sgemm`).
pub const SGEMM: &str = "rumba_sgemm";

/// [`DGEMM`] of `Complex64` arrays (`matrixmultiply::zgemm`, alpha `1 + 0i`, beta zero).
pub const ZGEMM: &str = "rumba_zgemm";

/// [`DGEMM`] of `Complex32` arrays (`matrixmultiply::cgemm`).
pub const CGEMM: &str = "rumba_cgemm";

/// `extern "C" fn(ptr: *mut u8, bytes: i64, align: i64)`: frees what [`ALLOC`] returned for the
/// same size (null or zero bytes: nothing to free).
pub const FREE: &str = "rumba_free";

/// The bytes a value of type `t` takes in the entry's `ret` buffer: a scalar 8 (its value at the
/// start), an owned array a [`RawArray`] (C-order strides), a tuple its elements one after the
/// other.
pub fn ret_size(t: crate::ir::Type) -> u64 {
    use crate::ir::Type;
    match t {
        Type::Unit => 8,
        Type::Scalar(s) => (s.size() as u64).max(8),
        Type::Array(_) => std::mem::size_of::<RawArray>() as u64,
        Type::Tuple(t) => t.elems().iter().map(|&e| ret_size(e)).sum(),
    }
}

/// Byte offsets of [`RawArray`]'s extents and strides, for the code generator.
pub const ARRAY_SHAPE: u64 = 16;
pub const ARRAY_STRIDES: u64 = 16 + 8 * MAX_NDIM as u64;

/// Filled by compiled code when a check fails.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrInfo {
    /// Index into the specialization's site table.
    pub site: u32,
    /// Non-zero once a check has failed.
    pub failed: u32,
    pub values: [i64; 4],
}

/// Byte offsets of [`ErrInfo`]'s fields, for the code generator.
pub const ERR_SITE: u64 = 0;
pub const ERR_FAILED: u64 = 4;
pub const ERR_VALUES: u64 = 8;

/// On the GPU, the `err` buffer continues past the [`ErrInfo`] with the state of a grid kernel
/// (see `back::gpu`): a count of the warps that have combined their reductions, the kernel's
/// result (16 bytes: a `Complex<f64>` at most), then one 8-byte cell per reduction, holding the
/// combined partials in the reduction's register type (narrow integers widened to 32 bits; a
/// complex sum takes two cells, its real then its imaginary part). The host fills the cells
/// with their identities before the launch.
pub const GPU_TICKETS: u64 = std::mem::size_of::<ErrInfo>() as u64;
pub const GPU_RESULT: u64 = GPU_TICKETS + 8;
pub const GPU_CELLS: u64 = GPU_RESULT + 16;

/// A run-time check in the generated code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub kind: SiteKind,
    pub span: Span,
    /// The function (kernel or helper) the check is in.
    pub function: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// values: index, extent, axis.
    OutOfBounds { array: String },
    /// Integer `/` or `%` by zero.
    DivisionByZero,
    /// `MIN / -1` or `MIN % -1`: values: dividend, divisor.
    DivisionOverflow,
    /// `step_by(0)`.
    StepZero,
    /// `clamp` with `min > max` (or a NaN bound), which panics in Rust.
    ClampBounds,
    /// A slice bound past the end of its axis (`x.slice(s![a..b])` with `a` or `b` above the
    /// extent, an index `>=` it): values: the bound, the extent, the axis.
    SliceBounds { array: String },
    /// A new array larger than `isize::MAX` bytes, or one the allocator refused: values: its
    /// number of elements (`u64::MAX` when that overflows).
    Alloc,
    /// Arrays zipped with different shapes: values: axis, extent of `a`, extent of `b`.
    ShapeMismatch { a: String, b: String },
    /// Arrays of `ndims` axes whose shapes do not broadcast (`ExprKind::Broadcast`): the first
    /// stretched to the second's shape (`onto`) or both to a common one. Values: the extents of
    /// both, the first's then the second's, when they have four axes or fewer together;
    /// otherwise the axis of the broadcast shape, the extent of each there (1 where absent).
    Broadcast { ndims: [u8; 2], onto: bool },
    /// A call of a recursive function past [`crate::ir::MAX_CALL_DEPTH`] nested calls: values:
    /// the depth it would have.
    RecursionDepth,
    /// `o.unwrap()` or `o.expect(message)` of a `None`: `message` is what Rust's panic says.
    Unwrap { message: String },
}
