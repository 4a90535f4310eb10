//! Errors of arrays as values: an element type nothing decides, a moved array used again,
//! returning a view, a write into an immutable binding, an array moved into each iteration of a
//! `prange` loop.

use super::{at, type_error};
use rumba::prelude::*;

rumba::compile! {
    fn ambiguous(n: usize) -> usize {
        let t = Array1::zeros(n);
        t.len()
    }

    fn moved(n: usize) -> f64 {
        let t = Array1::<f64>::zeros(n);
        let u = t;
        t[0] + u[0]
    }

    fn moved_in_loop(n: usize) -> f64 {
        let t = Array1::<f64>::zeros(n);
        let mut s = 0.0;
        for _ in 0..2 {
            s += sum(t);
        }
        s
    }

    fn sum(t: Array1<f64>) -> f64 {
        t[0]
    }

    fn view_out(x: ArrayView1<f64>) -> f64 {
        let v = first_view(x);
        v[0]
    }

    fn first_view(x) {
        x
    }

    fn not_mut(n: usize) -> f64 {
        let t = Array1::<f64>::zeros(n);
        t[0] = 1.0;
        t[0]
    }

    fn into_prange(y: &mut [f64]) {
        let t = Array1::<f64>::zeros(y.len());
        for i in prange(0..y.len()) {
            let u = t;
            y[i] = u[i];
        }
    }
}

#[test]
fn owned_arrays_element_type_needed() {
    let err = ambiguous(3usize).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "ambiguous");
    assert_eq!(at(location), (10, 13));
    assert_eq!(
        message,
        "type annotations needed for the elements of this array"
    );
    let text = format!("{err:#}");
    assert!(text.contains("Array1::<f64>::zeros"), "{text}");
    snapshot!("owned_element_type", text);
}

#[test]
fn owned_arrays_use_after_move() {
    let err = moved(3usize).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(message, "use of moved value: `t`");
    assert_eq!(at(location), (17, 9));
    snapshot!("owned_use_after_move", format!("{err:#}"));
    let err = moved_in_loop(3usize).unwrap_err();
    assert_eq!(type_error(&err).2, "use of moved value: `t`");
}

#[test]
fn owned_arrays_views_are_not_returned() {
    let x = array![1.0, 2.0];
    let err = view_out(&x).unwrap_err();
    let (_, _, message) = type_error(&err);
    assert_eq!(message, "cannot return a view of an array");
    assert!(format!("{err:#}").contains("to_owned()"));
}

#[test]
fn owned_arrays_need_mut_to_be_written() {
    let err = not_mut(3usize).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(
        message,
        "cannot borrow `t` as mutable, as it is not declared as mutable"
    );
    assert_eq!(at(location), (44, 9));
    assert!(format!("{err:#}").contains("let mut t"));
}

#[test]
fn owned_arrays_do_not_move_into_a_prange_iteration() {
    let mut y = [0.0; 4];
    let err = into_prange(&mut y[..]).unwrap_err();
    let (_, _, message) = type_error(&err);
    // rustc's words: the value was moved in a previous iteration.
    assert_eq!(message, "use of moved value: `t`");
}
