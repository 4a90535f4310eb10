//! A `match` on an integer without `_` whose ranges cover one integer type only (`0..=255`: `u8`)
//! is exhaustive for that type: the scrutinee must have it, as rustc requires. Ranges that cover
//! several (`0 => .., 1.. => ..`: every unsigned type, `usize` too) need the scrutinee to have one
//! of them: on an `i32` rustc reports `i32::MIN..=-1` not covered.

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

fn sign(x) -> i32 {
    match x {
        0 => 0,
        1.. => 1,
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

#[test]
fn a_match_covering_the_unsigned_types_on_an_i32() {
    let kernel = kernel(&SOURCE, "sign");
    for (arg, want) in [
        (7u8.into_arg(), 1),
        (0u32.into_arg(), 0),
        (u64::MAX.into_arg(), 1),
        (u128::MAX.into_arg(), 1),
        (3usize.into_arg(), 1),
    ] {
        assert!(matches!(kernel.call(&[arg]), Ok(rumba::Value::I32(v)) if v == want));
    }
    for arg in [(-5i32).into_arg(), 5isize.into_arg()] {
        let err = kernel.call(&[arg]).unwrap_err();
        let (name, location, message) = type_error(&err);
        assert_eq!(name, "sign");
        assert_eq!(at(location), (9, 11));
        assert!(
            message.starts_with("non-exhaustive patterns: not every `i"),
            "{message}"
        );
    }
    let err = kernel.call(&[(-5i32).into_arg()]).unwrap_err();
    snapshot!("match_coverage_unsigned", format!("{err:#}"));
}
