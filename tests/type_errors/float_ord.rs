//! `min()` / `max()` of an iterator of floats: rustc refuses them (`f64` is not `Ord`), so does
//! rumba, pointing at the folds that work; integers are fine.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn largest(x) -> i64 {
        match x.iter().copied().max() {
            Some(v) => v as i64,
            None => -1,
        }
    }
}

#[test]
fn max_of_floats_needs_ord() {
    let err = largest(&Array1::from_vec(vec![1.5f64, 2.5])).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "largest");
    assert_eq!(at(location).0, 9);
    assert_eq!(message, "the trait bound `f64: Ord` is not satisfied");
    snapshot!("float_ord", format!("{err:#}"));
    assert_eq!(largest(&Array1::from_vec(vec![3i32, 9, 4])).unwrap(), 9);
}
