//! Specialization-time errors: what the first call with a new signature reports when the kernel
//! does not type-check for it. One module per error class; each test matches the variant and its
//! structured fields, snapshots the rendered text (what `{:#}` prints, rustc style: source
//! line, caret, types, `help:`), and checks that the failure is cached and leaves the kernel's
//! other signatures working.
//!
//! Errors that syntax alone decides (use before assignment, assignment to an immutable binding,
//! `break` outside a loop) are build errors of `compile!` (see tests/ui/); the run-time path that
//! re-lowers a kernel's text reports them as `ErrorKind::Syntax`, which the modules below check with
//! sources built by hand.

/// Snapshots a rendered error under tests/snapshots/ as `errors__{name}.snap`.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        assert_snapshot!("errors", $name, $text)
    };
}

mod arguments;
mod break_outside_loop;
mod complex;
mod float_ord;
mod if_else_arms;
mod immutable_binding;
mod index_count;
mod index_scalar;
mod literals;
mod match_coverage;
mod mismatched_operands;
mod options;
mod owned_arrays;
mod read_only;
mod return_types;
mod struct_args;
mod tuple_eq;
mod unknown_method;
mod use_before_assignment;

use rumba::{Error, ErrorKind, Location};

/// The fields of an `ErrorKind::Type`, or a panic naming what came instead.
pub fn type_error(err: &Error) -> (&str, &Location, &str) {
    rendered_alternate(err);
    match err.kind() {
        ErrorKind::Type {
            kernel,
            location,
            message,
        } => (kernel, location, message),
        other => panic!("expected ErrorKind::Type, got {other:?}"),
    }
}

/// The fields of an `ErrorKind::Syntax`, or a panic naming what came instead.
pub fn syntax_error(err: &Error) -> (&str, &Location, &str) {
    rendered_alternate(err);
    match err.kind() {
        ErrorKind::Syntax {
            kernel,
            location,
            message,
        } => (kernel, location, message),
        other => panic!("expected ErrorKind::Syntax, got {other:?}"),
    }
}

/// The alternate form (`{:#}`) prints the rendered text, and `Display` one line.
pub fn rendered_alternate(err: &Error) {
    let rendered = err.rendered().expect("a rendered diagnostic");
    assert_eq!(
        rendered,
        format!("{err:#}"),
        "`{{:#}}` prints the rendered text"
    );
    assert!(
        !err.to_string().contains('\n'),
        "Display is one line: {err}"
    );
}

/// `(line, column)` of a location, both 1-based.
pub fn at(location: &Location) -> (u32, u32) {
    (location.line, location.column)
}
