//! `==` of tuples whose operand is neither written out nor a variable, and of tuples of
//! different types.

use super::{at, type_error};

rumba::compile! {
    fn minmax(a: i32, b: i32) -> (i32, i32) {
        (a.min(b), a.max(b))
    }

    fn sorted_pair(a: i32, b: i32) -> bool {
        minmax(a, b) == (a, b)
    }

    fn mixed(a: i32, b: i32) -> bool {
        (a, b) == (1.5, 2)
    }
}

#[test]
fn a_compared_call_is_bound_first() {
    let err = sorted_pair(1, 2).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "sorted_pair");
    assert_eq!(at(location), (12, 9));
    assert_eq!(message, "`==` of this value is not supported");
    snapshot!("tuple_eq_call", format!("{err:#}"));
}

#[test]
fn tuples_of_different_types_do_not_compare() {
    let err = mixed(1, 2).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location).0, 16);
    assert!(message.starts_with("can't compare"), "{message}");
}
