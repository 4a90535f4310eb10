//! Operands of a binary operator with different types: Rust has no implicit conversions.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn add(x, y) -> f64 {
        let s = x + y;
        s as f64
    }

    fn scale(a, k) {
        for i in 0..a.len() {
            a[i] = a[i] * k;
        }
    }
}

#[test]
fn f32_plus_f64() {
    let err = add(1.0f32, 2.0f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "add");
    assert_eq!(location.file, "tests/type_errors/mismatched_operands.rs");
    assert_eq!(at(location), (8, 21));
    assert_eq!(message, "cannot add `f64` to `f32`");
    snapshot!("mismatched_operands_f32_f64", format!("{err:#}"));

    // The signature that type-checks works; the failed one is cached, not recompiled.
    assert_eq!(add(1.0f64, 2.0f64).unwrap(), 3.0);
    assert_eq!(add(1.0f32, 2.0f64).unwrap_err(), err);
    assert_eq!(add::kernel().compilations(), 2);
}

#[test]
fn integer_times_float_element() {
    let mut a = Array1::from_vec(vec![1.0f64, 2.0]);
    let err = scale(&mut a, 3i32).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "scale");
    assert_eq!(at(location), (14, 27));
    assert_eq!(message, "cannot multiply `f64` by `i32`");
    snapshot!("mismatched_operands_f64_i32", format!("{err:#}"));
    assert_eq!(a.to_vec(), vec![1.0, 2.0], "nothing ran");

    scale(&mut a, 3.0f64).unwrap();
    assert_eq!(a.to_vec(), vec![3.0, 6.0]);
}
