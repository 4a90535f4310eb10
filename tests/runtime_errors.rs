//! Run-time errors: the checks that stand where Rust would panic. Each test matches the variant
//! and its fields (kernel, location, index, len, axis), snapshots the rendered text, checks that
//! the arrays hold exactly the writes done before the failing statement, and that the kernel and
//! the process keep working afterwards.

use ndarray::{Array1, Array2};
use rumba::{Error, ErrorKind};

/// Snapshots a rendered error under tests/snapshots/ as `runtime__{name}.snap`. Rendered errors
/// quote this file by line: code that moves up or down here changes them (review the change with
/// `cargo insta review`).
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        assert_snapshot!("runtime", $name, $text)
    };
}

rumba::compile! {
    fn fill(y, n) {
        for i in 0..n {
            y[i] = i as f64 + 1.0;
        }
    }

    fn shift_left(y) {
        for i in 0..y.len() {
            y[i] = y[i + 1];
        }
    }

    fn row_sums(a, out) {
        let (n, m) = a.dim();
        for i in 0..n {
            for j in 0..m + 1 {
                out[i] += a[[i, j]];
            }
        }
    }

    fn quotients(a, b, out) {
        for i in 0..a.len() {
            out[i] = a[i] / b[i];
        }
    }

    fn remainder(a, b) -> i32 {
        a % b
    }

    fn divide(a, b) -> i64 {
        a / b
    }

    fn every(y, k) {
        for i in (0..y.len()).step_by(k) {
            y[i] = 1;
        }
    }

    fn limit(y, lo, hi) {
        for i in 0..y.len() {
            y[i] = y[i].clamp(lo, hi);
        }
    }

    fn gather(y, idx) {
        for i in 0..idx.len() {
            y[i] = get(y, idx[i]);
        }
    }

    fn get(y, i) -> f64 {
        y[i] * 10.0
    }

    fn copy_rows(a, b, rows) {
        for i in 0..rows {
            for j in 0..a.ncols() {
                b[[i, j]] = a[[i, j]];
            }
        }
    }

    fn count_previous(data, bins) {
        let mut t = 1000;
        for i in 0..data.len() {
            bins[t] += 1;
            t = data[i] as usize;
        }
    }
}

#[test]
fn out_of_bounds_store_keeps_earlier_writes() {
    let mut y = Array1::<f64>::zeros(3);
    let err = fill(&mut y, 5usize).unwrap_err();
    let ErrorKind::OutOfBounds {
        kernel,
        location,
        array,
        axis,
        index,
        len,
    } = err.kind()
    else {
        panic!("expected ErrorKind::OutOfBounds, got {err:?}");
    };
    assert_eq!(kernel, "fill");
    assert_eq!(location.file, "tests/runtime_errors.rs");
    assert_eq!((location.line, location.column), (21, 13));
    assert_eq!((array.as_str(), *axis, *index, *len), ("y", 0, 3, 3));
    assert_eq!(err.rendered(), Some(format!("{err:#}").as_str()));
    assert_eq!(
        err.to_string(),
        "kernel `fill` at tests/runtime_errors.rs:21:13: index out of bounds: `y` has length 3 on \
         axis 0 but the index is 3",
        "Display is one line"
    );
    assert_eq!(err.location(), Some(location));
    snapshot!("out_of_bounds_store", format!("{err:#}"));
    assert_eq!(
        y.to_vec(),
        vec![1.0, 2.0, 3.0],
        "exactly the writes before the failing store"
    );

    // The same specialization keeps working.
    let mut z = Array1::<f64>::zeros(4);
    fill(&mut z, 4usize).unwrap();
    assert_eq!(z.to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(fill::kernel().compilations(), 1);
}

#[test]
fn failing_load_on_the_right_does_not_store() {
    let mut y = Array1::from_vec(vec![1.0f32, 2.0, 3.0]);
    let err = shift_left(&mut y).unwrap_err();
    let ErrorKind::OutOfBounds {
        location,
        array,
        axis,
        index,
        len,
        ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::OutOfBounds, got {err:?}");
    };
    assert_eq!((location.line, location.column), (27, 20));
    assert_eq!((array.as_str(), *axis, *index, *len), ("y", 0, 3, 3));
    assert_eq!(
        y.to_vec(),
        vec![2.0, 3.0, 3.0],
        "y[2] is not written: its right side failed"
    );
}

#[test]
fn out_of_bounds_on_the_second_axis() {
    let a = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f64);
    let mut out = Array1::<f64>::zeros(2);
    let err = row_sums(&a, &mut out).unwrap_err();
    let ErrorKind::OutOfBounds {
        kernel,
        location,
        array,
        axis,
        index,
        len,
        ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::OutOfBounds, got {err:?}");
    };
    assert_eq!(kernel, "row_sums");
    assert_eq!((location.line, location.column), (35, 27));
    assert_eq!((array.as_str(), *axis, *index, *len), ("a", 1, 3, 3));
    snapshot!("out_of_bounds_axis1", format!("{err:#}"));
    assert_eq!(
        out.to_vec(),
        vec![0.0 + 1.0 + 2.0, 0.0],
        "row 0 summed, then the failing load"
    );

    // Transposed (strided) input: a new signature, the same check.
    let mut out = Array1::<f64>::zeros(3);
    let err = row_sums(a.t(), &mut out).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::OutOfBounds {
                axis: 1,
                index: 2,
                len: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(row_sums::kernel().compilations(), 2);
}

#[test]
fn division_by_zero() {
    let a = Array1::from_vec(vec![10i32, 20, 30, 40]);
    let b = Array1::from_vec(vec![2i32, 5, 0, 1]);
    let mut out = Array1::<i32>::zeros(4);
    let err = quotients(&a, &b, &mut out).unwrap_err();
    let ErrorKind::DivisionByZero { kernel, location } = err.kind() else {
        panic!("expected ErrorKind::DivisionByZero, got {err:?}");
    };
    assert_eq!(kernel, "quotients");
    assert_eq!((location.line, location.column), (42, 22));
    assert_eq!(err.rendered(), Some(format!("{err:#}").as_str()));
    snapshot!("division_by_zero", format!("{err:#}"));
    assert_eq!(out.to_vec(), vec![5, 4, 0, 0]);

    let err = remainder(7i32, 0i32).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DivisionByZero { location, .. } if location.line == 47),
        "{err:?}"
    );
    assert_eq!(remainder(7i32, 4i32).unwrap(), 3);
    // Float division by zero is IEEE, not an error.
    let mut q = Array1::<f64>::zeros(1);
    quotients(
        &Array1::from_vec(vec![1.0f64]),
        &Array1::from_vec(vec![0.0f64]),
        &mut q,
    )
    .unwrap();
    assert_eq!(q[0], f64::INFINITY);
}

#[test]
fn division_overflow() {
    let err = divide(i64::MIN, -1i64).unwrap_err();
    let ErrorKind::Overflow {
        kernel, location, ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::Overflow, got {err:?}")
    };
    assert_eq!(kernel, "divide");
    assert_eq!((location.line, location.column), (51, 9));
    snapshot!("division_overflow", format!("{err:#}"));
    assert_eq!(divide(i64::MIN, 2i64).unwrap(), i64::MIN / 2);
}

#[test]
fn step_by_zero() {
    let mut y = Array1::<u8>::zeros(4);
    let err = every(&mut y, 0usize).unwrap_err();
    let ErrorKind::InvalidValue {
        kernel,
        location,
        message,
        ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::InvalidValue, got {err:?}");
    };
    assert_eq!(kernel, "every");
    assert_eq!((location.line, location.column), (55, 39));
    assert_eq!(message, "`step_by` with a step of zero");
    snapshot!("step_by_zero", format!("{err:#}"));
    assert_eq!(y.to_vec(), vec![0; 4], "the loop never started");
    every(&mut y, 2usize).unwrap();
    assert_eq!(y.to_vec(), vec![1, 0, 1, 0]);
}

#[test]
fn clamp_with_min_above_max() {
    let mut y = Array1::from_vec(vec![-5.0f64, 0.5, 5.0]);
    let err = limit(&mut y, 1.0f64, 0.0f64).unwrap_err();
    let ErrorKind::InvalidValue {
        kernel,
        location,
        message,
        ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::InvalidValue, got {err:?}");
    };
    assert_eq!(kernel, "limit");
    assert_eq!((location.line, location.column), (62, 20));
    assert_eq!(message, "`clamp` with `min > max` (or a NaN bound)");
    snapshot!("clamp_bounds", format!("{err:#}"));
    assert_eq!(y.to_vec(), vec![-5.0, 0.5, 5.0]);

    let err = limit(&mut y, 0.0f64, f64::NAN).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidValue { .. }),
        "{err:?}"
    );
    let mut yi = Array1::from_vec(vec![-5i32, 3, 9]);
    assert!(matches!(
        limit(&mut yi, 4i32, 2i32).map_err(Error::into_kind),
        Err(ErrorKind::InvalidValue { .. })
    ));
    limit(&mut yi, 0i32, 5i32).unwrap();
    assert_eq!(yi.to_vec(), vec![0, 3, 5]);
}

#[test]
fn error_in_a_helper_names_it() {
    let mut y = Array1::from_vec(vec![1.0f64, 2.0, 3.0]);
    let idx = Array1::from_vec(vec![2usize, 7, 0]);
    let err = gather(&mut y, &idx).unwrap_err();
    let ErrorKind::OutOfBounds {
        kernel,
        location,
        array,
        index,
        len,
        ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::OutOfBounds, got {err:?}");
    };
    assert_eq!(kernel, "gather");
    assert_eq!((location.line, location.column), (73, 9));
    assert_eq!((array.as_str(), *index, *len), ("y", 7, 3));
    snapshot!("out_of_bounds_in_helper", format!("{err:#}"));
    assert_eq!(y.to_vec(), vec![30.0, 2.0, 3.0]);
}

#[test]
fn the_process_and_other_kernels_keep_working() {
    let mut y = Array1::<f64>::zeros(2);
    for _ in 0..100 {
        assert!(fill(&mut y, 3usize).is_err());
        assert!(divide(1i64, 0i64).is_err());
    }
    fill(&mut y, 2usize).unwrap();
    assert_eq!(y.to_vec(), vec![1.0, 2.0]);
    assert_eq!(divide(9i64, 3i64).unwrap(), 3);
    assert_eq!(remainder(9i32, 4i32).unwrap(), 1);
}

#[test]
fn loop_nest_stops_at_the_failing_row() {
    // The nest is versioned as a whole: its one test fails, the checked copy runs and stops at
    // the first access past the end, with the rows before it copied.
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (10 * i + j) as f64);
    let mut b = Array2::<f64>::zeros((3, 4));
    let err = copy_rows(&a, &mut b, 4usize).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::OutOfBounds { kernel, array, axis: 0, index: 3, len: 3, .. }
            if kernel == "copy_rows" && array == "a"),
        "{err:?}"
    );
    assert_eq!(b, a);
    let mut b = Array2::<f64>::zeros((3, 4));
    copy_rows(&a, &mut b, 2usize).unwrap();
    assert_eq!(b.row(1), a.row(1));
    assert_eq!(b.row(2).sum(), 0.0);
}

#[test]
fn small_index_keeps_its_check_when_it_starts_large() {
    // `t` holds bytes inside the loop, but its first value comes from before it.
    let data = Array1::<u8>::from_elem(10, 3);
    let mut bins = Array1::<i64>::zeros(256);
    let err = count_previous(&data, &mut bins).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::OutOfBounds {
                index: 1000,
                len: 256,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(bins.sum(), 0);
}

rumba::compile! {
    /// `assert!`, `assert_eq!`, `panic!` and `unreachable!` as statements; `debug_assert!` is
    /// left out, as in rustc's release builds.
    fn checked_mean(x: &[f64], limit: usize) -> f64 {
        assert!(!x.is_empty());
        assert!(x.len() <= limit, "too many values");
        debug_assert!(x.len() > 1000);
        let mut s = 0.0;
        for i in 0..x.len() {
            if x[i].is_nan() {
                panic!("a NaN in the input");
            }
            s += x[i];
        }
        assert_eq!(x.len() % 2, 0);
        s / x.len() as f64
    }

    fn sign_of(v: i64) -> i64 {
        if v > 0 {
            return 1;
        } else if v < 0 {
            return -1;
        }
        assert_ne!(v, 0, "not zero");
        unreachable!();
    }
}

#[test]
fn panicking_macros_are_errs_with_rusts_messages() {
    let message = |e: rumba::Error| match e.kind() {
        ErrorKind::InvalidValue { message, .. } => message.clone(),
        _ => panic!("{e:#}"),
    };
    assert_eq!(checked_mean(&[1.0, 3.0][..], 5).unwrap(), 2.0);
    let e = checked_mean(&[0.0f64; 0][..], 5).unwrap_err();
    assert_eq!(message(e), "assertion failed: !x.is_empty()");
    assert_eq!(
        message(checked_mean(&[1.0; 6][..], 5).unwrap_err()),
        "too many values"
    );
    assert_eq!(
        message(checked_mean(&[1.0, f64::NAN][..], 5).unwrap_err()),
        "a NaN in the input"
    );
    assert_eq!(
        message(checked_mean(&[1.0; 3][..], 5).unwrap_err()),
        "assertion `left == right` failed"
    );
    assert_eq!(sign_of(-4).unwrap(), -1);
    assert_eq!(
        message(sign_of(0).unwrap_err()),
        "assertion `left != right` failed: not zero"
    );
}
