//! Integer literals that do not fit their type, as rustc reports them: a negative literal of an
//! unsigned type (`-0` too), and a literal above the type's range (`u128` literals reach
//! `u128::MAX`; `i128` ones stop at `i128::MAX`).

use super::{at, type_error};

rumba::compile! {
    fn minus_one(x) {
        let y = x + -1;
        y
    }

    fn minus_zero(x) {
        x + -0
    }

    fn past_i128(x) {
        x ^ 170141183460469231731687303715884105728
    }
}

#[test]
fn a_negative_u128_literal() {
    let four: i128 = minus_one(5i128).unwrap();
    assert_eq!(four, 4);
    let err = minus_one::<u128>(5u128).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "minus_one");
    assert_eq!(at(location), (9, 21));
    assert_eq!(message, "cannot apply unary operator `-` to type `u128`");
    snapshot!("literals_negative_u128", format!("{err:#}"));
}

#[test]
fn minus_zero_of_an_unsigned_type() {
    let five: i32 = minus_zero(5i32).unwrap();
    assert_eq!(five, 5);
    let err = minus_zero::<u32>(5u32).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (14, 13));
    assert_eq!(message, "cannot apply unary operator `-` to type `u32`");
}

#[test]
fn a_literal_above_i128_max() {
    let wide: u128 = past_i128(1u128).unwrap();
    assert_eq!(wide, (1 << 127) + 1);
    let err = past_i128::<i128>(1i128).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (18, 13));
    assert_eq!(message, "literal out of range for `i128`");
    snapshot!("literals_past_i128", format!("{err:#}"));
}
