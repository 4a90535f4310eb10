//! A method that the receiver's type does not have.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn roots(y) {
        for i in 0..y.len() {
            y[i] = i.sqrt();
        }
    }

    fn magnitude(x) -> u32 {
        x.abs()
    }

    fn bits(x) -> u32 {
        x.count_ones()
    }
}

#[test]
fn float_method_on_an_integer() {
    let mut y = Array1::<f64>::zeros(3);
    let err = roots(&mut y).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "roots");
    assert_eq!(at(location), (9, 20));
    assert_eq!(message, "no method named `sqrt` found for `usize`");
    snapshot!("unknown_method_sqrt_usize", format!("{err:#}"));
}

#[test]
fn signed_method_on_an_unsigned_integer() {
    let err = magnitude(3u32).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (14, 9));
    assert_eq!(message, "no method named `abs` found for `u32`");
    snapshot!("unknown_method_abs_u32", format!("{err:#}"));
}

#[test]
fn integer_method_on_a_float() {
    let err = bits(3.0f64).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (18, 9));
    assert_eq!(message, "no method named `count_ones` found for `f64`");
    snapshot!("unknown_method_count_ones_f64", format!("{err:#}"));
    assert_eq!(bits(7u8).unwrap(), 3);
}

#[test]
fn method_on_an_array() {
    let a = Array1::<f64>::zeros(2);
    let err = bits(&a).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (18, 9));
    assert_eq!(message, "no method named `count_ones` found for arrays");
    snapshot!("unknown_method_array", format!("{err:#}"));
}
