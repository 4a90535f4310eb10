//! `Kernel::interpret`: a call run by the reference interpreter instead of machine code.
//!
//! In: the same [`Arg`]s as [`Kernel::call`]. Out: the same [`Value`] or [`Error`] (the variants,
//! locations and rendered text of compiled code's errors), with writable arrays updated, computed
//! by `rumba_compiler::interp` from the typed IR of the call's signature before the passes (so
//! the passes are tested too). Array elements are copied into C-order buffers for the interpreter
//! and the writable ones copied back afterwards, also when the call fails (compiled code keeps the
//! writes made before an error too).

use super::Kernel;
use crate::arg::{Arg, RawParts, Slot};
use crate::error::{Error, ErrorKind};
use crate::value::Value;
use rumba_compiler::back::abi::{Site, SiteKind};
use rumba_compiler::interp::{self, ArrayArg, Buffer, TrapKind};
use rumba_compiler::ir::Type;

impl Kernel {
    /// Runs the kernel on `args` with the reference interpreter of the typed loop IR: slow, but
    /// independent of LLVM, so results can be checked against [`Kernel::call`]'s bit for bit.
    /// Nothing is compiled to machine code or cached.
    pub fn interpret(&self, args: &[Arg<'_>]) -> Result<Value, Error> {
        let signature = self.signature(args)?;
        self.reject_device_arrays(&signature)?;
        // The IR before the passes, with the checks the CPU's compilation makes: the passes are
        // tested against the interpreter too.
        let program = self.with_request(&signature, |r| r.specialized())?;
        let mut buffers: Vec<Vec<u8>> = args
            .iter()
            .map(|a| match (&a.slot, a.ty) {
                // SAFETY: `args` borrows the array for this call; `gather` reads only the elements
                // its shape and strides describe, as compiled code would.
                (Slot::Array(parts), Type::Array(t)) => unsafe { gather(parts, t.elem.size()) },
                _ => Vec::new(),
            })
            .collect();
        let mut iargs = Vec::with_capacity(args.len());
        for (a, buffer) in args.iter().zip(buffers.iter_mut()) {
            iargs.push(match (&a.slot, a.ty) {
                (Slot::Scalar(bytes), Type::Scalar(s)) => {
                    interp::Arg::Scalar(interp::Value::load(s, bytes))
                }
                (Slot::Struct(bytes), t @ Type::Tuple(_)) => struct_arg(bytes, t),
                (Slot::Array(parts), Type::Array(t)) => {
                    let shape: Vec<usize> = parts.shape[..parts.ndim]
                        .iter()
                        .map(|&n| n as usize)
                        .collect();
                    // The caller's strides, over a buffer that spans the array's memory: the
                    // kernel sees the layout compiled code sees (ndarray's reductions follow it).
                    let strides: Vec<isize> = parts.strides[..parts.ndim].to_vec();
                    let offset = low_offset(parts).unsigned_abs();
                    let data = if t.writable {
                        Buffer::Unique(buffer)
                    } else {
                        Buffer::Shared(buffer)
                    };
                    interp::Arg::Array(ArrayArg {
                        elem: t.elem,
                        data,
                        offset,
                        shape,
                        strides,
                    })
                }
                _ => {
                    return Err(
                        self.interpreter_error("an argument the signature does not describe")
                    )
                }
            });
        }
        let result = interp::run(&program, &mut iargs);
        drop(iargs);
        for (a, buffer) in args.iter().zip(&buffers) {
            if let (Slot::Array(parts), Type::Array(t)) = (&a.slot, a.ty) {
                if t.writable {
                    // SAFETY: a writable `Arg` borrows its array mutably for this call.
                    unsafe { scatter(parts, t.elem.size(), buffer) };
                }
            }
        }
        match result {
            Ok(v) => output(v).ok_or_else(|| {
                self.check_error(
                    &Site {
                        kind: SiteKind::Alloc,
                        span: program.entry().func.sig_span,
                        function: self.name.to_string(),
                    },
                    [-1, 0, 0, 0],
                )
            }),
            Err(interp::Error::Trap(trap)) => {
                let (kind, values) = site_kind(trap.kind);
                Err(self.check_error(
                    &Site {
                        kind,
                        span: trap.span,
                        function: trap.function,
                    },
                    values,
                ))
            }
            Err(e) => Err(self.interpreter_error(&e.to_string())),
        }
    }

    fn interpreter_error(&self, message: &str) -> Error {
        ErrorKind::Internal {
            kernel: self.name.to_string(),
            message: format!("interpreter: {message}"),
        }
        .into()
    }
}

/// The site of compiled code that fails as `kind` does, and the values it would report.
fn site_kind(kind: TrapKind) -> (SiteKind, [i64; 4]) {
    let int = |v: interp::Value| v.as_i128().unwrap_or(0) as i64;
    match kind {
        TrapKind::OutOfBounds {
            array,
            axis,
            index,
            len,
        } => (
            SiteKind::OutOfBounds { array },
            [index as i64, len as i64, axis as i64, 0],
        ),
        TrapKind::DivisionByZero { dividend } => {
            (SiteKind::DivisionByZero, [int(dividend), 0, 0, 0])
        }
        TrapKind::DivisionOverflow { dividend, divisor } => (
            SiteKind::DivisionOverflow,
            [int(dividend), int(divisor), 0, 0],
        ),
        TrapKind::StepZero => (SiteKind::StepZero, [0; 4]),
        TrapKind::RecursionDepth { depth } => (SiteKind::RecursionDepth, [depth as i64, 0, 0, 0]),
        TrapKind::ClampBounds { min, max } => (SiteKind::ClampBounds, [int(min), int(max), 0, 0]),
        TrapKind::Unwrap { message } => (SiteKind::Unwrap { message }, [0; 4]),
        TrapKind::SliceBounds {
            array,
            axis,
            bound,
            len,
        } => (
            SiteKind::SliceBounds { array },
            [bound as i64, len as i64, axis as i64, 0],
        ),
        TrapKind::Alloc { elements } => (SiteKind::Alloc, [elements as i64, 0, 0, 0]),
        TrapKind::ShapeMismatch {
            a,
            b,
            axis,
            a_len,
            b_len,
        } => (
            SiteKind::ShapeMismatch { a, b },
            [axis as i64, a_len as i64, b_len as i64, 0],
        ),
        TrapKind::Broadcast { from, to, onto } => {
            let ndims = [from.len() as u8, to.len() as u8];
            let mut values = [0; 4];
            let whole: Vec<u64> = from.iter().chain(&to).copied().collect();
            if whole.len() <= 4 {
                for (v, &x) in values.iter_mut().zip(&whole) {
                    *v = x as i64;
                }
            } else {
                // The first axis of the broadcast shape where they disagree.
                let n = from.len().max(to.len());
                let at = |x: &[u64], k: usize| (k + x.len()).checked_sub(n).map_or(1, |j| x[j]);
                let k = (0..n)
                    .find(|&k| {
                        let (a, b) = (at(&from, k), at(&to, k));
                        a != b && a != 1 && (onto || b != 1)
                    })
                    .unwrap_or(0);
                values = [k as i64, at(&from, k) as i64, at(&to, k) as i64, 0];
            }
            (SiteKind::Broadcast { ndims, onto }, values)
        }
    }
}

/// The interpreter's result as a call's (`None`: no memory for a returned array).
fn output(o: interp::Output) -> Option<Value> {
    Some(match o {
        interp::Output::Scalar(v) => value(v),
        interp::Output::Array {
            elem,
            shape,
            strides,
            data,
        } => Value::Array(Box::new(crate::value::OwnedArray::copy_of(
            elem, shape, strides, &data,
        )?)),
        interp::Output::Tuple(xs) => {
            Value::Tuple(xs.into_iter().map(output).collect::<Option<Box<[_]>>>()?)
        }
    })
}

fn value(v: interp::Value) -> Value {
    use interp::Value as I;
    match v {
        I::Unit => Value::Unit,
        I::Bool(x) => Value::Bool(x),
        I::I8(x) => Value::I8(x),
        I::I16(x) => Value::I16(x),
        I::I32(x) => Value::I32(x),
        I::I64(x) => Value::I64(x),
        I::Isize(x) => Value::Isize(x),
        I::U8(x) => Value::U8(x),
        I::U16(x) => Value::U16(x),
        I::U32(x) => Value::U32(x),
        I::U64(x) => Value::U64(x),
        I::Usize(x) => Value::Usize(x),
        I::F32(x) => Value::F32(x),
        I::F64(x) => Value::F64(x),
        I::I128(x) => Value::I128(Box::new(x)),
        I::U128(x) => Value::U128(Box::new(x)),
        I::C32([re, im]) => Value::C32(num_complex::Complex32::new(re, im)),
        I::C64([re, im]) => Value::C64(num_complex::Complex64::new(re, im)),
    }
}

/// The offset, in elements, from an array's first element to its lowest one (zero or less).
fn low_offset(parts: &RawParts) -> isize {
    let shape = &parts.shape[..parts.ndim];
    if shape.contains(&0) {
        return 0;
    }
    shape
        .iter()
        .zip(&parts.strides)
        .map(|(&n, &s)| (s * (n - 1)).min(0))
        .sum()
}

/// Each element's address and its position in the interpreter's buffer (counted in elements from
/// the lowest element), in C order.
fn addresses(parts: &RawParts, size: usize) -> impl Iterator<Item = (*mut u8, usize)> + '_ {
    let shape = &parts.shape[..parts.ndim];
    let count: usize = shape.iter().map(|&n| n as usize).product();
    let low = low_offset(parts);
    let mut index = vec![0isize; parts.ndim];
    (0..count).map(move |k| {
        if k > 0 {
            // The next index in C order: the last axis moves fastest.
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if index[d] < shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        let offset: isize = index.iter().zip(&parts.strides).map(|(i, s)| i * s).sum();
        let p = parts.data.wrapping_offset(offset * size as isize);
        (p, (offset - low) as usize)
    })
}

/// Copies an array's elements into a buffer that spans its memory, each at its distance from the
/// lowest element (the gaps between the elements of a strided view stay zero: they are not the
/// view's to read).
///
/// # Safety
/// `parts` describes live memory holding elements of `size` bytes.
unsafe fn gather(parts: &RawParts, size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (p, at) in addresses(parts, size) {
        let end = (at + 1) * size;
        if out.len() < end {
            out.resize(end, 0);
        }
        // SAFETY: `p` is the address of an element of `size` bytes (the caller's contract).
        let bytes = unsafe { std::slice::from_raw_parts(p, size) };
        out[at * size..end].copy_from_slice(bytes);
    }
    out
}

/// Copies the elements of a buffer made by [`gather`] back into the array.
///
/// # Safety
/// `parts` describes live memory, writable and not otherwise borrowed, holding the elements
/// [`gather`] copied into `buffer`.
unsafe fn scatter(parts: &RawParts, size: usize, buffer: &[u8]) {
    for (p, at) in addresses(parts, size) {
        let chunk = &buffer[at * size..(at + 1) * size];
        // SAFETY: `p` is the address of a writable element of `size` bytes that nothing else
        // borrows (the caller's contract); `chunk` is `size` bytes of `buffer`.
        unsafe { std::ptr::copy_nonoverlapping(chunk.as_ptr(), p, size) };
    }
}

/// The struct of type `t` whose `#[repr(C)]` bytes start `bytes` (`crate::structs`).
fn struct_arg(bytes: &[u8], t: Type) -> interp::Arg<'static> {
    match t {
        Type::Tuple(tt) => interp::Arg::Struct(
            tt.elems()
                .iter()
                .zip(tt.offsets())
                .map(|(&e, at)| struct_arg(&bytes[at as usize..], e))
                .collect(),
        ),
        Type::Scalar(s) => interp::Arg::Scalar(interp::Value::load(s, bytes)),
        // Struct fields are scalars and structs (`front::lower::structs`).
        Type::Unit | Type::Array(_) => interp::Arg::Struct(Vec::new()),
    }
}
