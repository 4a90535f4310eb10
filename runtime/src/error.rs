//! `rumba::Error`: every way a call can fail, as kinds a program can match on.
//!
//! In: compiler diagnostics, argument problems, and failed run-time checks. Out: an [`Error`], one
//! pointer wide (so `Result<_, Error>` stays small on the call path), holding an [`ErrorKind`]
//! with structured fields (kernel, location, values) and, for errors that point into the source,
//! the text rendered like rustc. `Display` prints one line; the alternate form (`{:#}`) and
//! [`Error::rendered`] give the rendered text.

use rumba_compiler::span::Span;
use std::borrow::Cow;
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
/// [`Location`] is small and `Copy`.
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

/// What went wrong (see [`ErrorKind`]), with the rendered diagnostic.
///
/// `Display` prints one line, ``kernel `saxpy` at examples/kernels/mod.rs:8:24: index out of
/// bounds: ...``; the alternate form `{:#}` prints the diagnostic rendered like rustc (the source
/// line, a caret, notes and help) for errors that have one, and the one line otherwise.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Repr>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Repr {
    kind: ErrorKind,
    rendered: Option<String>,
}

/// The kinds of [`Error`], with their fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The kernel source is outside the kernel language (normally caught by `compile!` at build
    /// time; seen at run time for kernels made with `Kernel::from_source`). `location` and
    /// `message` describe the first error; [`Error::rendered`] shows every error found.
    Syntax {
        kernel: String,
        location: Location,
        message: String,
    },
    /// The kernel does not type-check for the types of this call. `location` is the primary
    /// caret of [`Error::rendered`] (the source line, the caret, the types, and a `help:` line).
    Type {
        kernel: String,
        location: Location,
        message: String,
    },
    /// An argument cannot be passed: wrong count, unsupported type, annotation mismatch.
    /// `location` is the parameter's declaration (the kernel's signature for a wrong count), when
    /// the kernel's source is available.
    Argument {
        kernel: String,
        location: Option<Location>,
        message: String,
    },
    /// An index was out of bounds: `index` into `array` on `axis` (0-based), whose extent there is
    /// `len`. Writes the call made before the failing statement are kept; that statement wrote
    /// nothing.
    OutOfBounds {
        kernel: String,
        location: Location,
        array: String,
        axis: usize,
        index: u64,
        len: u64,
    },
    /// Integer division or remainder by zero. (Float division by zero is IEEE, not an error.)
    DivisionByZero { kernel: String, location: Location },
    /// `MIN / -1` or `MIN % -1` on a signed integer.
    Overflow { kernel: String, location: Location },
    /// A call that Rust would panic on: `step_by(0)`, `clamp` with `min > max` or a NaN bound,
    /// `unwrap()` or `expect(..)` of a `None` (`message` is then the panic's). `message` names
    /// which.
    InvalidValue {
        kernel: String,
        location: Location,
        message: String,
    },
    /// A safe call ([`Kernel::call`](crate::Kernel::call), `Launch::call`) of a kernel that opts
    /// out of a safety check (`#[rumba(unsafe(boundscheck = false))]` or
    /// `#[rumba(unsafe(unchecked_parallel))]`, on itself or on a function it calls): such a kernel
    /// runs only through the `unsafe` `call_unchecked` methods (which the `unsafe fn` wrappers
    /// `compile!` generates for it use).
    Unchecked { kernel: String },
    /// The kernel's result does not convert to the type the caller asked for.
    Return {
        kernel: String,
        expected: String,
        found: String,
    },
    /// The kernel cannot be compiled for a reason outside its code: its source has no function
    /// of that name (a kernel made with `Kernel::from_source`).
    Compile { kernel: String, message: String },
    /// A bug in rumba, not in the kernel: an internal compiler error (a broken invariant of the IR,
    /// an error of the back end or of LLVM) or a panic while compiling. Please report it.
    Internal { kernel: String, message: String },
    /// CUDA cannot be used here: no driver library, no device, or no libdevice for a kernel that
    /// needs it. `message` says what was looked for and where. (`kernel` is empty when no kernel
    /// was involved, as in `rumba::cuda::device()`.)
    NoCuda { kernel: String, message: String },
    /// The kernel cannot run on the GPU as written (`location` then points at why), or the CUDA
    /// driver reported a failure.
    Cuda {
        kernel: String,
        location: Option<Location>,
        message: String,
    },
}

impl ErrorKind {
    /// The kernel the error is about (empty when none was involved, as in
    /// `rumba::cuda::device()`).
    pub fn kernel(&self) -> &str {
        match self {
            ErrorKind::Syntax { kernel, .. }
            | ErrorKind::Type { kernel, .. }
            | ErrorKind::Argument { kernel, .. }
            | ErrorKind::OutOfBounds { kernel, .. }
            | ErrorKind::DivisionByZero { kernel, .. }
            | ErrorKind::Overflow { kernel, .. }
            | ErrorKind::InvalidValue { kernel, .. }
            | ErrorKind::Unchecked { kernel }
            | ErrorKind::Return { kernel, .. }
            | ErrorKind::Compile { kernel, .. }
            | ErrorKind::Internal { kernel, .. }
            | ErrorKind::NoCuda { kernel, .. }
            | ErrorKind::Cuda { kernel, .. } => kernel,
        }
    }

    /// The source location, for errors that have one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ErrorKind::Syntax { location, .. }
            | ErrorKind::Type { location, .. }
            | ErrorKind::OutOfBounds { location, .. }
            | ErrorKind::DivisionByZero { location, .. }
            | ErrorKind::Overflow { location, .. }
            | ErrorKind::InvalidValue { location, .. } => Some(location),
            ErrorKind::Argument { location, .. } | ErrorKind::Cuda { location, .. } => {
                location.as_ref()
            }
            ErrorKind::Unchecked { .. }
            | ErrorKind::Return { .. }
            | ErrorKind::Compile { .. }
            | ErrorKind::Internal { .. }
            | ErrorKind::NoCuda { .. } => None,
        }
    }
}

impl Error {
    /// An error with its diagnostic rendered against the kernel's source.
    pub(crate) fn rendered_as(kind: ErrorKind, rendered: String) -> Error {
        Error(Box::new(Repr {
            kind,
            rendered: Some(rendered),
        }))
    }

    /// What went wrong, with its fields.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The kind, by value (its fields owned).
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// The diagnostic rendered like rustc: the source line with a caret under the failing
    /// expression, notes and a `help:` line (what `{:#}` prints). `None` for errors that have no
    /// such rendering ([`ErrorKind::Unchecked`], [`ErrorKind::Return`], [`ErrorKind::Compile`],
    /// [`ErrorKind::NoCuda`]).
    pub fn rendered(&self) -> Option<&str> {
        self.0.rendered.as_deref()
    }

    /// The kernel the error is about (see [`ErrorKind::kernel`]).
    pub fn kernel(&self) -> &str {
        self.0.kind.kernel()
    }

    /// The source location, for errors that have one.
    pub fn location(&self) -> Option<&Location> {
        self.0.kind.location()
    }
}

impl From<ErrorKind> for Error {
    /// An error without a rendered diagnostic: it prints its one line in both forms.
    fn from(kind: ErrorKind) -> Error {
        Error(Box::new(Repr {
            kind,
            rendered: None,
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            if let Some(rendered) = &self.0.rendered {
                return f.write_str(rendered);
            }
        }
        let kind = &self.0.kind;
        let message = match kind {
            ErrorKind::Return {
                kernel,
                expected,
                found,
            } => {
                return write!(
                    f,
                    "kernel `{kernel}` returns `{found}`, but the caller expects `{expected}`"
                )
            }
            ErrorKind::NoCuda { kernel, message } if kernel.is_empty() => {
                return write!(f, "CUDA is not available: {message}")
            }
            ErrorKind::NoCuda { message, .. } => {
                Cow::Owned(format!("CUDA is not available: {message}"))
            }
            ErrorKind::Compile { message, .. } => {
                Cow::Owned(format!("compilation failed: {message}"))
            }
            ErrorKind::Internal { message, .. } => Cow::Owned(format!(
                "{message} (a bug in rumba: please report it, with the kernel and the types of its arguments)"
            )),
            ErrorKind::OutOfBounds {
                array,
                axis,
                index,
                len,
                ..
            } => Cow::Owned(format!(
                "index out of bounds: `{array}` has length {len} on axis {axis} but the index is {index}"
            )),
            ErrorKind::Unchecked { .. } => "opts out of a safety check \
                (`#[rumba(unsafe(boundscheck = false))]` or `#[rumba(unsafe(unchecked_parallel))]`): \
                only the `unsafe` `call_unchecked` runs it"
                .into(),
            ErrorKind::DivisionByZero { .. } => "attempt to divide by zero".into(),
            ErrorKind::Overflow { .. } => "attempt to divide with overflow".into(),
            ErrorKind::Syntax { message, .. }
            | ErrorKind::Type { message, .. }
            | ErrorKind::Argument { message, .. }
            | ErrorKind::InvalidValue { message, .. }
            | ErrorKind::Cuda { message, .. } => message.as_str().into(),
        };
        let kernel = kind.kernel();
        match (kernel.is_empty(), kind.location()) {
            (true, _) => f.write_str(&message),
            (false, None) => write!(f, "kernel `{kernel}`: {message}"),
            (false, Some(at)) => write!(f, "kernel `{kernel}` at {at}: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("rendered", &self.0.rendered)
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// One pointer, so that `Result<Value, Error>` (every call's result) stays three words (a
    /// tuple's values are a boxed slice, an array one box).
    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Option<Error>>(),
            std::mem::size_of::<usize>()
        );
        assert!(std::mem::size_of::<Result<crate::Value, Error>>() <= 24);
    }
}
