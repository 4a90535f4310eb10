//! Indexing an array with a different number of indices than it has dimensions.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn diag_sum(a) -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            s += a[i];
        }
        s
    }

    fn corner(a) -> f64 {
        a[[0, 0]]
    }
}

#[test]
fn one_index_into_a_2d_array() {
    let a = Array2::<f64>::zeros((2, 2));
    let err = diag_sum(&a).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "diag_sum");
    assert_eq!(at(location), (10, 18));
    assert_eq!(message, "`a` is a 2-D array but is indexed with 1 index");
    snapshot!("index_count_2d", format!("{err:#}"));
    assert_eq!(diag_sum(&Array1::from_vec(vec![1.0f64, 2.0])).unwrap(), 3.0);
}

#[test]
fn two_indices_into_a_1d_array() {
    let a = Array1::<f64>::zeros(3);
    let err = corner(&a).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "corner");
    assert_eq!(at(location), (16, 9));
    assert_eq!(message, "`a` is a 1-D array but is indexed with 2 indices");
    snapshot!("index_count_1d", format!("{err:#}"));
}
