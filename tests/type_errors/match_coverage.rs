//! A `match` on an integer without `_` whose ranges cover one integer type only (`0..=255`: `u8`)
//! is exhaustive for that type: the scrutinee must have it, as rustc requires.

use super::{at, type_error};
use rumba::__private::{kernel, Source};
use rumba::IntoArg;

static SOURCE: Source = Source::new(
    "kernels.rs",
    "fn class(x) -> i32 {
    match x {
        0..=127 => 1,
        128..=255 => 2,
    }
}
",
);

#[test]
fn a_match_covering_u8_on_an_i32() {
    let kernel = kernel(&SOURCE, "class");
    assert!(matches!(
        kernel.call(&[200u8.into_arg()]),
        Ok(rumba::Value::I32(2))
    ));
    let err = kernel.call(&[200i32.into_arg()]).unwrap_err();
    let (name, location, message) = type_error(&err);
    assert_eq!(name, "class");
    assert_eq!(at(location), (2, 11));
    assert_eq!(message, "mismatched types");
    snapshot!("match_coverage", format!("{err:#}"));
}
