//! A `return` whose type disagrees with another return or with the declared return type.

use super::{at, type_error};

rumba::compile! {
    fn pick(c, x) {
        if c {
            return 1.0f32;
        }
        x
    }

    fn count(n) -> i64 {
        if n > 10 {
            return n;
        }
        0
    }
}

#[test]
fn return_disagrees_with_an_earlier_return() {
    let err = pick::<f64>(true, 2.0f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "pick");
    assert_eq!(at(location), (10, 9));
    assert_eq!(
        message,
        "mismatched types: `pick` returns `f32` in one place and `f64` in another"
    );
    snapshot!("return_types_two_returns", format!("{err:#}"));
    assert_eq!(pick::<f32>(false, 2.0f32).unwrap(), 2.0);
}

#[test]
fn return_disagrees_with_the_signature() {
    let err = count(3i32).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "count");
    assert_eq!(at(location), (15, 20));
    assert_eq!(
        message,
        "mismatched types: expected `i64` (the return type of `count`), found `i32`"
    );
    snapshot!("return_types_signature", format!("{err:#}"));
    assert_eq!(count(30i64).unwrap(), 30);
}
