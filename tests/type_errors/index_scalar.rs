//! Indexing a value that is not an array.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn first(x) -> f64 {
        x[0]
    }
}

#[test]
fn indexing_a_scalar() {
    let err = first(1.5f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "first");
    assert_eq!(at(location), (8, 9));
    assert_eq!(message, "cannot index into a value of type `f64`");
    snapshot!("index_scalar", format!("{err:#}"));
    assert_eq!(first(&Array1::from_vec(vec![4.0f64])).unwrap(), 4.0);
}
