//! `rumba::Error`: every way a call can fail, as variants a program can match on.
//!
//! In: compiler diagnostics, argument problems, and failed run-time checks. Out: an [`Error`] with
//! structured fields (kernel, location, values) and the text rendered like rustc for humans,
//! which is what `Display` prints.

use rumba_compiler::span::Span;
use std::fmt;

/// Where in the kernel source something happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
}

impl Location {
    pub fn new(file: &str, span: Span) -> Location {
        Location { file: file.to_string(), line: span.start.line, column: span.start.col + 1 }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The kernel source is outside the kernel language (normally caught by `compile!` at build time).
    #[error("{rendered}")]
    Syntax { kernel: String, location: Location, message: String, rendered: String },
    /// The kernel does not type-check for the types of this call.
    #[error("{rendered}")]
    Type { kernel: String, location: Location, message: String, rendered: String },
    /// An argument cannot be passed: wrong count, unsupported type, annotation mismatch.
    #[error("{rendered}")]
    Argument { kernel: String, message: String, rendered: String },
    /// An index was out of bounds; earlier writes of the call are kept.
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
    /// Integer division or remainder by zero.
    #[error("{rendered}")]
    DivisionByZero { kernel: String, location: Location, rendered: String },
    /// `MIN / -1` or `MIN % -1` on a signed integer.
    #[error("{rendered}")]
    Overflow { kernel: String, location: Location, rendered: String },
    /// A call that Rust would panic on: `step_by(0)`, `clamp` with `min > max`.
    #[error("{rendered}")]
    InvalidValue { kernel: String, location: Location, message: String, rendered: String },
    /// The kernel's result does not convert to the type the caller asked for.
    #[error("kernel `{kernel}` returns `{found}`, but the caller expects `{expected}`")]
    Return { kernel: String, expected: String, found: String },
    /// LLVM or an internal compiler error (a bug in rumba: please report it).
    #[error("kernel `{kernel}`: compilation failed: {message}")]
    Compile { kernel: String, message: String },
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
            | Error::Compile { kernel, .. } => kernel,
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
            _ => None,
        }
    }
}
