//! A first end-to-end check: three kernels whose types come from the call, run through their
//! generated wrappers, and an out-of-bounds store reported as an error.

use ndarray::{Array1, Array2};

rumba::compile! {
    /// y = a*x + y
    fn saxpy(a, x, y) {
        for i in 0..y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    fn dot(x, y) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i] * y[i];
        }
        s
    }

    fn sum2d(a) -> f64 {
        let (n, m) = a.dim();
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..m {
                s += a[[i, j]];
            }
        }
        s
    }
}

#[test]
fn smoke() {
    let x = Array1::from_vec(vec![1.0f32, 2.0, 3.0]);
    let mut y = Array1::from_vec(vec![10.0f32, 20.0, 30.0]);
    saxpy(2.0f32, &x, &mut y).unwrap();
    assert_eq!(y.to_vec(), vec![12.0, 24.0, 36.0]);
    let s: f32 = dot(&x, &y).unwrap();
    assert_eq!(s, 12.0 + 48.0 + 108.0);
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    assert_eq!(sum2d(&a).unwrap(), 66.0);
    assert_eq!(sum2d(a.t()).unwrap(), 66.0);
    let e = saxpy(2.0f32, &x, &mut Array1::<f32>::zeros(5)).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            rumba::ErrorKind::OutOfBounds {
                index: 3,
                len: 3,
                ..
            }
        ),
        "{e}"
    );
}
