//! `if` and `else` used as a value with arms of different types (and a `&&`, which is no `if`).

use super::{at, type_error};

rumba::compile! {
    fn choose(c, a, b) -> f64 {
        let v = if c { a } else { b };
        v as f64
    }

    fn both(a: bool, x: i32) -> bool {
        a && {
            let y = x + 1;
            y
        }
    }
}

#[test]
fn arms_of_different_types() {
    let err = choose(true, 1.0f32, 2i64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "choose");
    assert_eq!(at(location), (7, 35));
    assert_eq!(message, "`if` and `else` have incompatible types");
    snapshot!("if_else_arms", format!("{err:#}"));
    assert_eq!(choose(false, 1.0f32, 2.0f32).unwrap(), 2.0);
}

#[test]
fn logical_and_with_a_block_of_another_type() {
    let err = both(true, 1).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "both");
    assert_eq!(at(location), (12, 14));
    assert_eq!(message, "mismatched types");
    assert!(
        format!("{err:#}").contains("expected `bool`, found `i32`"),
        "{err:#}"
    );
}
