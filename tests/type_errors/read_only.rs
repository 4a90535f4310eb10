//! Writing into an array that was passed by shared reference.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn fill(y, v) {
        for i in 0..y.len() {
            y[i] = v;
        }
    }
}

#[test]
fn store_into_a_shared_array() {
    let mut y = Array1::<f64>::zeros(3);
    let err = fill(&y, 1.0f64).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "fill");
    assert_eq!(at(location), (9, 13));
    assert_eq!(
        message,
        "cannot assign to an element of `y`, a read-only array"
    );
    snapshot!("read_only", format!("{err:#}"));

    fill(&mut y, 1.0f64).unwrap();
    assert_eq!(y.to_vec(), vec![1.0; 3]);
    assert_eq!(fill::kernel().compilations(), 2);
}
