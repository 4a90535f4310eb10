//! `Option` values used as something else, or something else used as an `Option`; a `match` on
//! one that leaves `None` out.

use super::{at, syntax_error, type_error};
use rumba::__private::{kernel, Source};
use rumba::IntoArg;

rumba::compile! {
    fn unwrap_a_float(x: f64) -> f64 {
        x.unwrap()
    }

    fn checked_float(x: f64) -> f64 {
        x.checked_add(1.0).unwrap_or(0.0)
    }

    fn option_plus_one(x: i32) -> i32 {
        x.checked_add(1) + 1
    }
}

#[test]
fn a_float_is_not_an_option() {
    let err = unwrap_a_float(2.0).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "unwrap_a_float");
    assert_eq!(at(location), (10, 9));
    assert_eq!(
        message,
        "mismatched types: expected `Option<_>`, found `f64`"
    );
}

#[test]
fn checked_methods_are_the_integers() {
    let err = checked_float(2.0).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (14, 9));
    assert_eq!(message, "no method named `checked_add` found for `f64`");
    assert!(
        format!("{err:#}").contains("is an integer method"),
        "{err:#}"
    );
}

#[test]
fn an_option_is_not_a_number() {
    let err = option_plus_one(2).unwrap_err();
    let (_, location, _) = type_error(&err);
    assert_eq!(at(location).0, 18);
    let text = format!("{err:#}");
    assert!(text.contains("is an `Option`"), "{text}");
    assert!(text.contains("unwrap_or"), "{text}");
}

static NO_NONE: Source = Source::new(
    "kernels.rs",
    "fn first(x: i32) -> i32 {
    match x.checked_add(1) {
        Some(v) => v,
    }
}
",
);

#[test]
fn a_match_on_an_option_needs_none() {
    let err = kernel(&NO_NONE, "first")
        .call(&[1i32.into_arg()])
        .unwrap_err();
    let (_, location, message) = syntax_error(&err);
    assert_eq!(at(location), (2, 11));
    assert_eq!(
        message,
        "non-exhaustive patterns: pattern `None` not covered"
    );
}
