//! Typed handles (`Kernel::typed`): values against plain Rust, results of every kind, and every
//! argument the handle's types cannot vouch for refused with an `Err` (never run on the wrong
//! specialization). Also run through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewD, ArrayViewMut1};
use rumba::{ErrorKind, Value};

rumba::compile! {
    fn add(a, b) {
        a + b
    }

    fn saxpy(a, x, y) {
        for i in 0..y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    fn row_sums(m, out) {
        for i in 0..m.nrows() {
            let mut t = 0.0;
            for j in 0..m.ncols() {
                t += m[[i, j]];
            }
            out[i] = t;
        }
    }

    fn scaled(x: ArrayView1<f64>, k: f64) -> Array1<f64> {
        let mut y = Array1::zeros(x.len());
        for i in 0..x.len() {
            y[i] = x[i] * k;
        }
        y
    }

    fn minmax(x: &[f64]) -> (f64, usize) {
        let mut lo = f64::INFINITY;
        let mut at = 0;
        for i in 0..x.len() {
            if x[i] < lo {
                lo = x[i];
                at = i;
            }
        }
        (lo, at)
    }

    fn first(x) {
        x[0]
    }

    #[rumba(unsafe(boundscheck = false))]
    fn unchecked_first(x) {
        x[0]
    }
}

#[test]
fn typed_scalars_match_rust() {
    let f = add::kernel().typed::<(f64, f64), f64>().unwrap();
    for (a, b) in [(1.0, 2.0), (-0.5, 1e300), (f64::MAX, f64::MAX)] {
        assert_eq!(f.call(a, b).unwrap().to_bits(), (a + b).to_bits());
    }
    let g = add::kernel().typed::<(i32, i32), i32>().unwrap();
    assert_eq!(g.call(40, 2).unwrap(), 42);
    // Overflow is rustc's release semantics, as through the generic call.
    assert_eq!(g.call(i32::MAX, 1).unwrap(), i32::MAX.wrapping_add(1));
    // Returning a `Value` keeps whatever the kernel returned.
    let v = add::kernel().typed::<(u8, u8), Value>().unwrap();
    assert_eq!(v.call(200, 100).unwrap(), Value::U8(44));
}

#[test]
fn typed_views_match_rust() {
    let x = Array1::from_iter((0..100).map(|i| i as f32 * 0.25));
    let mut y = Array1::from_iter((0..100).map(|i| 1.0 - i as f32));
    let mut want = y.clone();
    for i in 0..100 {
        want[i] += 2.5f32 * x[i];
    }
    let f = saxpy::kernel()
        .typed::<(f32, ArrayView1<f32>, ArrayViewMut1<f32>), ()>()
        .unwrap();
    // The handle outlives the borrows of each call: views are borrowed anew every time.
    f.call(2.5, x.view(), y.view_mut()).unwrap();
    assert_eq!(y, want);
    f.call(0.0, x.view(), y.view_mut()).unwrap();
    assert_eq!(y, want);

    // References to arrays and slices, 2-D.
    let m = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let mut out = vec![0.0; 3];
    let r = row_sums::kernel()
        .typed::<(&Array2<f64>, &mut [f64]), ()>()
        .unwrap();
    r.call(&m, &mut out).unwrap();
    assert_eq!(out, vec![6.0, 22.0, 38.0]);
    let mut out2 = Array1::zeros(3);
    let r2 = row_sums::kernel()
        .typed::<(ArrayView2<f64>, &mut Array1<f64>), ()>()
        .unwrap();
    r2.call(m.view(), &mut out2).unwrap();
    assert_eq!(out2.to_vec(), out);
}

#[test]
fn typed_arrays_and_tuples_returned() {
    let x = Array1::from(vec![1.0, -2.0, 3.5]);
    let f = scaled::kernel()
        .typed::<(ArrayView1<f64>, f64), Array1<f64>>()
        .unwrap();
    assert_eq!(f.call(x.view(), 2.0).unwrap(), &x * 2.0);
    let g = minmax::kernel().typed::<(&[f64],), (f64, usize)>().unwrap();
    assert_eq!(g.call(&[3.0, -1.0, 7.0, -1.0]).unwrap(), (-1.0, 1));
    // A result type that does not fit is an `Err` at each call, naming both types.
    let h = minmax::kernel().typed::<(&[f64],), f64>().unwrap();
    let e = h.call(&[1.0]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Return { .. }), "{e}");
}

#[test]
fn typed_strided_view_is_an_error() {
    let x = Array1::from_iter((0..10).map(|i| i as f32));
    let mut y = Array1::<f32>::zeros(10);
    let f = saxpy::kernel()
        .typed::<(f32, ArrayView1<f32>, ArrayViewMut1<f32>), ()>()
        .unwrap();
    // Every other element: the contiguous specialization would read the wrong ones.
    let mut y5 = Array1::<f32>::zeros(5);
    let e = f.call(1.0, x.slice(s![..;2]), y5.view_mut()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Argument { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("argument 2 (`x`)"), "{text}");
    assert!(text.contains("standard layout"), "{text}");
    let rendered = e.rendered().unwrap_or_default();
    assert!(rendered.contains("as_standard_layout"), "{rendered}");
    assert_eq!(y5, Array1::<f32>::zeros(5), "nothing ran");
    // A written array in the wrong layout too; and the generic call still takes both.
    let e = f
        .call(1.0, x.slice(s![..5]), y.slice_mut(s![..;2]))
        .unwrap_err();
    assert!(e.to_string().contains("argument 3 (`y`)"), "{e}");
    saxpy(1.0f32, x.slice(s![..;2]), y.slice_mut(s![..;2])).unwrap();
    assert_eq!(y[4], 4.0);
    // A transposed (Fortran-order) matrix is not in standard layout either.
    let m = Array2::<f64>::ones((3, 2));
    let mut out = vec![0.0; 2];
    let r = row_sums::kernel()
        .typed::<(ArrayView2<f64>, ArrayViewMut1<f64>), ()>()
        .unwrap();
    let e = r
        .call(m.t(), ArrayViewMut1::from(&mut out[..]))
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Argument { .. }), "{e}");
    assert_eq!(out, vec![0.0; 2]);
}

#[test]
fn typed_bad_types_are_errors_at_typed() {
    // The number of axes must be in the type.
    let e = first::kernel()
        .typed::<(ArrayViewD<f64>,), f64>()
        .unwrap_err();
    assert!(e.to_string().contains("`IxDyn`"), "{e}");
    // A signature that does not compile fails when the handle is made.
    let e = saxpy::kernel()
        .typed::<(f32, ArrayView1<f32>), ()>()
        .unwrap_err();
    assert!(!e.to_string().is_empty());
    let e = saxpy::kernel()
        .typed::<(f32, ArrayView1<f32>, ArrayView1<f32>), ()>()
        .unwrap_err();
    assert!(
        e.to_string().contains("y"),
        "writing through a read-only view: {e}"
    );
    // A kernel without bounds checks has no safe handle.
    let e = unchecked_first::kernel()
        .typed::<(&[f64],), f64>()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unchecked { .. }), "{e}");
}

#[test]
fn typed_runtime_errors_are_errors() {
    let f = first::kernel().typed::<(&[i64],), i64>().unwrap();
    assert_eq!(f.call(&[7, 8]).unwrap(), 7);
    let e = f.call(&[]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::OutOfBounds { .. }), "{e}");
}

#[test]
fn typed_handle_compiles_once() {
    if std::env::var("RUMBA_DISABLE_JIT").as_deref() == Ok("1") {
        return;
    }
    let k = add::kernel();
    let f = k.typed::<(i16, i16), i16>().unwrap();
    let before = k.compilations();
    for i in 0..100 {
        assert_eq!(f.call(i, 1).unwrap(), i + 1);
    }
    // The generic call finds the same specialization.
    assert_eq!(add::<i16>(3i16, 4i16).unwrap(), 7i16);
    let again = k.typed::<(i16, i16), i16>().unwrap();
    assert_eq!(again.call(1, 1).unwrap(), 2);
    assert_eq!(k.compilations(), before);
    assert_eq!(f.signature().to_string(), "(i16, i16)");
}
