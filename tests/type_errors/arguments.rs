//! Arguments that cannot be passed: a wrong count, an unsupported type, a type that contradicts
//! the parameter's annotation, or an array where the body needs a scalar.

use super::{at, rendered_alternate, type_error};
use rumba::prelude::*;
use rumba::IntoArg;

rumba::compile! {
    fn axpy(a, x, y) {
        for i in 0..y.len() {
            y[i] += a * x[i];
        }
    }

    fn twice(v: f64) -> f64 {
        v * 2.0
    }

    fn norm(x, y) -> f64 {
        hyp(x, y, 1.0)
    }

    fn hyp(x, y) -> f64 {
        (x * x + y * y).sqrt()
    }

    fn offset(a, b) -> f64 {
        a + b
    }

    fn half(v: f64) -> f64 {
        v / 2.0
    }
}

#[test]
fn wrong_number_of_arguments() {
    let x = Array1::from_vec(vec![1.0f64, 2.0]);
    let err = axpy::kernel()
        .call(&[2.0f64.into_arg(), (&x).into_arg()])
        .unwrap_err();
    let ErrorKind::Argument {
        kernel, message, ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::Argument, got {err:?}")
    };
    assert_eq!(kernel, "axpy");
    assert_eq!(message, "`axpy` takes 3 arguments but 2 were supplied");
    rendered_alternate(&err);
    snapshot!("arguments_count", format!("{err:#}"));
    assert_eq!(err.location().map(at), Some((9, 5)));
}

#[test]
fn wrong_number_of_arguments_to_a_helper() {
    let err = norm(3.0f64, 4.0f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "norm");
    assert_eq!(at(location), (20, 9));
    assert_eq!(message, "`hyp` takes 2 arguments but 3 were supplied");
    snapshot!("arguments_count_helper", format!("{err:#}"));
}

#[test]
fn arrays_of_too_many_or_no_axes() {
    let nine = ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[1; 9]));
    let err = half::kernel().call(&[(&nine).into_arg()]).unwrap_err();
    let ErrorKind::Argument { message, .. } = err.kind() else {
        panic!("expected ErrorKind::Argument, got {err:?}")
    };
    assert_eq!(
        message,
        "argument 1 (`v`) cannot be passed: arrays of more than 8 dimensions are not supported"
    );
    assert_eq!(err.location().map(at), Some((31, 13)));
    assert_eq!(half::kernel().compilations(), 0, "nothing to compile");

    // A 0-D array is an array argument (`x[()]` reads it), not the scalar it holds.
    let a = ndarray::arr0(1.0f64);
    let err = half::kernel().call(&[(&a).into_arg()]).unwrap_err();
    let ErrorKind::Argument {
        kernel, message, ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::Argument, got {err:?}")
    };
    assert_eq!(kernel, "half");
    assert_eq!(
        message,
        "argument `v` of `half` has type `f64`, but the call passed `array<f64, 0d, C, ro>`"
    );
    assert_eq!(err.location().map(at), Some((31, 13)));
    snapshot!("arguments_zero_dim", format!("{err:#}"));
}

/// The wrapper of a kernel with an annotated scalar parameter takes that type (a literal is typed
/// from it, as rustc would); through the handle, any argument can be passed, and the annotation
/// is checked at the call.
#[test]
fn annotation_mismatch() {
    assert_eq!(twice(3.0).unwrap(), 6.0);
    let err = twice::kernel().call(&[3i32.into_arg()]).unwrap_err();
    let ErrorKind::Argument {
        kernel, message, ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::Argument, got {err:?}")
    };
    assert_eq!(kernel, "twice");
    assert_eq!(
        message,
        "argument `v` of `twice` has type `f64`, but the call passed `i32`"
    );
    snapshot!("arguments_annotation", format!("{err:#}"));
    assert_eq!(err.location().map(at), Some((15, 14)));
    assert_eq!(twice(3.0f64).unwrap(), 6.0);
}

#[test]
fn array_where_a_scalar_is_needed() {
    let a = Array1::from_vec(vec![1.0f64, 2.0]);
    let err = offset(&a, 1.0f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "offset");
    assert_eq!(at(location), (28, 9));
    assert_eq!(
        message,
        "mismatched types: expected `f64` (the return type of `offset`), found `Array1<_>`"
    );
    snapshot!("arguments_array_as_scalar", format!("{err:#}"));
    assert_eq!(offset(2.0f64, 1.0f64).unwrap(), 3.0);
}
