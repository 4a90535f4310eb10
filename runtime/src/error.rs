//! `rumba::Error`: every way a call can fail, as variants a program can match on.
//!
//! In: compiler diagnostics, argument problems, and failed run-time checks. Out: an [`Error`] with
//! structured fields (kernel, location, values) and the text rendered like rustc for humans,
//! which is what `Display` prints.

use rumba_compiler::span::Span;
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// Where in the kernel source something happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file of the `compile!` block, as rustc names it (relative to the package root).
    pub file: &'static str,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
}

impl Location {
    pub fn new(file: &str, span: Span) -> Location {
        Location {
            file: intern(file),
            line: span.start.line,
            column: span.start.col + 1,
        }
    }
}

/// One `&'static str` per distinct file name (there is one per `compile!` block), so that a
/// [`Location`] is small and `Copy` and an [`Error`] stays under clippy's `result_large_err` size.
fn intern(file: &str) -> &'static str {
    static FILES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut files = FILES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(f) = files.iter().find(|f| **f == file) {
        return f;
    }
    let f: &'static str = Box::leak(file.to_string().into_boxed_str());
    files.push(f);
    f
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The kernel source is outside the kernel language (normally caught by `compile!` at build
    /// time; seen at run time for sources built by hand with `Source::new`). `location` and
    /// `message` describe the first error; `rendered` shows every error found.
    #[error("{rendered}")]
    Syntax {
        kernel: String,
        location: Location,
        message: String,
        rendered: String,
    },
    /// The kernel does not type-check for the types of this call. `location` is the primary
    /// caret of `rendered` (the source line, the caret, the types, and a `help:` line).
    #[error("{rendered}")]
    Type {
        kernel: String,
        location: Location,
        message: String,
        rendered: String,
    },
    /// An argument cannot be passed: wrong count, unsupported type, annotation mismatch.
    /// `location` is the parameter's declaration (the kernel's signature for a wrong count), when
    /// the kernel's source is available.
    #[error("{rendered}")]
    Argument {
        kernel: String,
        location: Option<Location>,
        message: String,
        rendered: String,
    },
    /// An index was out of bounds: `index` into `array` on `axis` (0-based), whose extent there is
    /// `len`. Writes the call made before the failing statement are kept; that statement wrote
    /// nothing.
    #[error("{rendered}")]
    OutOfBounds {
        kernel: String,
        location: Location,
        array: String,
        axis: usize,
        index: u64,
        len: u64,
        rendered: String,
    },
    /// Integer division or remainder by zero. (Float division by zero is IEEE, not an error.)
    #[error("{rendered}")]
    DivisionByZero {
        kernel: String,
        location: Location,
        rendered: String,
    },
    /// `MIN / -1` or `MIN % -1` on a signed integer.
    #[error("{rendered}")]
    Overflow {
        kernel: String,
        location: Location,
        rendered: String,
    },
    /// A call that Rust would panic on: `step_by(0)`, `clamp` with `min > max` or a NaN bound.
    /// `message` names which.
    #[error("{rendered}")]
    InvalidValue {
        kernel: String,
        location: Location,
        message: String,
        rendered: String,
    },
    /// The kernel's result does not convert to the type the caller asked for.
    #[error("kernel `{kernel}` returns `{found}`, but the caller expects `{expected}`")]
    Return {
        kernel: String,
        expected: String,
        found: String,
    },
    /// The kernel cannot be compiled for a reason outside its code: its source has no function
    /// of that name (a kernel made with `Kernel::from_source`).
    #[error("kernel `{kernel}`: compilation failed: {message}")]
    Compile { kernel: String, message: String },
    /// A bug in rumba, not in the kernel: an internal compiler error (a broken invariant of the IR,
    /// an error of the back end or of LLVM) or a panic while compiling. Please report it.
    #[error("kernel `{kernel}`: {message} (a bug in rumba: please report it, with the kernel and the types of its arguments)")]
    Internal { kernel: String, message: String },
    /// CUDA cannot be used here: no driver library, no device, or no libdevice for a kernel that
    /// needs it. `message` says what was looked for and where. (`kernel` is empty when no kernel
    /// was involved, as in `rumba::cuda::device()`.)
    #[error("{}", no_cuda(.kernel, .message))]
    NoCuda { kernel: String, message: String },
    /// The kernel cannot run on the GPU as written (`location` then points at why), or the CUDA
    /// driver reported a failure.
    #[error("{rendered}")]
    Cuda {
        kernel: String,
        location: Option<Location>,
        message: String,
        rendered: String,
    },
}

impl Error {
    /// The kernel the error is about.
    pub fn kernel(&self) -> &str {
        match self {
            Error::Syntax { kernel, .. }
            | Error::Type { kernel, .. }
            | Error::Argument { kernel, .. }
            | Error::OutOfBounds { kernel, .. }
            | Error::DivisionByZero { kernel, .. }
            | Error::Overflow { kernel, .. }
            | Error::InvalidValue { kernel, .. }
            | Error::Return { kernel, .. }
            | Error::Compile { kernel, .. }
            | Error::Internal { kernel, .. }
            | Error::NoCuda { kernel, .. }
            | Error::Cuda { kernel, .. } => kernel,
        }
    }

    /// The source location, for errors that have one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Syntax { location, .. }
            | Error::Type { location, .. }
            | Error::OutOfBounds { location, .. }
            | Error::DivisionByZero { location, .. }
            | Error::Overflow { location, .. }
            | Error::InvalidValue { location, .. } => Some(location),
            Error::Argument { location, .. } | Error::Cuda { location, .. } => location.as_ref(),
            _ => None,
        }
    }
}

fn no_cuda(kernel: &str, message: &str) -> String {
    if kernel.is_empty() {
        format!("CUDA is not available: {message}")
    } else {
        format!("kernel `{kernel}`: CUDA is not available: {message}")
    }
}
