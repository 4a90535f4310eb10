//! ndarray's whole-array methods vs ndarray 0.17 itself: `x.sum()`, `x.product()`, `x.mean()`
//! (an `Option`, `None` when empty), `x.dot(&y)` (1-D·1-D, 2-D·1-D and 2-D·2-D), `x.fold(init, f)`, `x.mapv(f)` and `x.map(f)`, each kernel beside the same code in
//! plain Rust, on contiguous, transposed (Fortran order), stepped, reversed, permuted and empty
//! arrays of 1 to 3 dimensions. The float results are compared bit for bit: ndarray sums a
//! contiguous array with eight partial sums in memory order, others row by row, and folds in
//! memory order or with the axis of least stride last, and kernels must follow it.

use ndarray::prelude::*;
use ndarray::s;
use rumba::ErrorKind;
use std::hint::black_box as bb;

twin! {
    pub fn sum1(x: ArrayView1<f64>) -> f64 {
        x.sum()
    }

    pub fn sum2(x: ArrayView2<f64>) -> f64 {
        x.sum()
    }

    pub fn sum3(x: ArrayView3<f32>) -> f32 {
        x.sum()
    }

    pub fn product2(x: ArrayView2<f64>) -> f64 {
        x.product()
    }

    pub fn mean1(x: ArrayView1<f64>) -> f64 {
        x.mean().unwrap_or(-1.0)
    }

    pub fn mean2(x: ArrayView2<f64>) -> (bool, f64) {
        match x.mean() {
            Some(m) => (true, m),
            None => (false, 0.0),
        }
    }

    pub fn mean3(x: ArrayView3<f32>) -> f32 {
        if let Some(m) = x.mean() {
            m
        } else {
            -2.5
        }
    }

    /// The sum of squared deviations from the mean (which must exist).
    pub fn deviation(x: ArrayView1<f64>) -> f64 {
        let m = x.mean().unwrap();
        let mut s = 0.0;
        for i in 0..x.len() {
            s += (x[i] - m) * (x[i] - m);
        }
        s
    }

    pub fn isum(x: ArrayView2<i32>) -> i32 {
        x.sum()
    }

    /// The sum of a slice of a row, of a column and of the whole, in one expression.
    pub fn parts(x: ArrayView2<f64>, i: usize) -> f64 {
        x.row(i).sum() * 2.0 + x.column(0).sum() - x.slice(s![1.., ..;2]).sum()
    }

    /// A new array's sum, and a scaled copy's.
    pub fn normalized(x: ArrayView1<f64>) -> Array1<f64> {
        let total = x.sum();
        let mut y = x.to_owned();
        for i in 0..y.len() {
            y[i] /= total;
        }
        y
    }

    pub fn dot1(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        x.dot(&y)
    }

    pub fn dot1f(x: ArrayView1<f32>, y: ArrayView1<f32>) -> f32 {
        x.dot(&y)
    }

    pub fn matvec(a: ArrayView2<f64>, v: ArrayView1<f64>) -> Array1<f64> {
        a.dot(&v)
    }

    /// Parameters that are references already: `a.dot(v)`, `out.assign(x)`.
    pub fn by_ref_params(a: &Array2<f64>, v: &Array1<f64>, x: &Array1<f64>, out: &mut Array1<f64>) -> (Array1<f64>, f64) {
        out.assign(x);
        (a.dot(v), v.dot(x))
    }

    /// An order-sensitive fold: each element halves what came before.
    pub fn horner_fold1(x: ArrayView1<f64>) -> f64 {
        x.fold(0.0, |acc, &v| acc * 0.5 + v)
    }

    pub fn horner_fold2(x: ArrayView2<f64>) -> f64 {
        x.fold(0.0, |acc, v| acc * 0.5 + *v)
    }

    pub fn horner_fold3(x: ArrayView3<f32>) -> f32 {
        x.fold(1.0, |acc, &v| acc * 0.75 + v)
    }

    pub fn max_fold(x: ArrayView2<f64>) -> f64 {
        x.fold(f64::NEG_INFINITY, |m, &v| m.max(v))
    }

    pub fn squares(x: ArrayView2<f64>) -> Array2<f64> {
        x.mapv(|v| v * v - 1.0)
    }

    pub fn to_f32(x: ArrayView1<f64>) -> Array1<f32> {
        x.mapv(|v| v as f32)
    }

    pub fn exps(x: ArrayView1<f64>) -> Array1<f64> {
        x.mapv(f64::exp)
    }

    /// ndarray's `map`, whose closure takes the element by reference.
    pub fn mapped(x: ArrayView2<f64>, k: f64) -> (Array2<f64>, Array2<f64>, Array2<bool>) {
        (x.map(|v| v * k + 1.0), x.map(|&v| v.max(0.5)), x.map(|v| *v > k))
    }

    /// mapv's result used again: a softmax.
    pub fn softmax(x: ArrayView1<f64>) -> Array1<f64> {
        let m = x.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let e = x.mapv(|v| (v - m).exp());
        let s = e.sum();
        e.mapv(|v| v / s)
    }
}

/// Values whose float sums depend on the order of the additions.
fn grid(n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        let k = (i * 31 + j * 17) % 23;
        (k as f64 - 11.0) * 0.1 + 1e-7 * (i * m + j) as f64 + if k % 5 == 0 { 1e8 } else { 0.0 }
    })
}

fn line(n: usize) -> Array1<f64> {
    (0..n)
        .map(|i| ((i * 37) % 19) as f64 * 0.3 - 2.7 + if i % 7 == 0 { 1e9 } else { 1e-9 })
        .collect()
}

/// 1-D layouts: contiguous of every length around the eight-lane block, stepped, reversed
/// (contiguous in memory, walked backwards), empty and single.
fn views1(a: &Array1<f64>) -> Vec<ArrayView1<'_, f64>> {
    let mut out: Vec<ArrayView1<'_, f64>> = (0..20).map(|n| a.slice(s![..n])).collect();
    out.extend([
        a.view(),
        a.slice(s![..;3]),
        a.slice(s![..;-1]),
        a.slice(s![3..;-1]),
        a.slice(s![..;-2]),
        a.slice(s![5..6]),
    ]);
    out
}

/// 2-D layouts: C, Fortran, stepped on either axis, reversed on either axis, a column, empty.
fn views2(a: &Array2<f64>) -> Vec<ArrayView2<'_, f64>> {
    vec![
        a.view(),
        a.t(),
        a.slice(s![..;2, ..]),
        a.slice(s![.., ..;2]),
        a.slice(s![..;-1, ..]),
        a.slice(s![.., ..;-1]),
        a.slice(s![..;-1, ..;-1]).reversed_axes(),
        a.slice(s![.., 1..2]),
        a.slice(s![..0, ..]),
        a.slice(s![1..2, ..]),
        a.slice(s![1..4, 2..5]),
    ]
}

#[test]
fn sum_follows_ndarrays_order() {
    let a = line(45);
    for x in views1(&a) {
        assert_eq!(
            sum1(x).unwrap().to_bits(),
            rs::sum1(bb(x)).to_bits(),
            "{x:?}"
        );
    }
    let g = grid(7, 13);
    for x in views2(&g) {
        assert_eq!(
            sum2(x).unwrap().to_bits(),
            rs::sum2(bb(x)).to_bits(),
            "{x:?}"
        );
        let small = x.mapv(|v| 1.0 + v * 1e-9);
        assert_eq!(
            product2(small.view()).unwrap().to_bits(),
            rs::product2(bb(small.view())).to_bits()
        );
        let f = small.t().to_owned();
        let ft = f.t();
        assert_eq!(
            product2(ft).unwrap().to_bits(),
            rs::product2(bb(ft)).to_bits()
        );
    }
    let c = Array3::from_shape_fn((3, 4, 9), |(i, j, k)| {
        (i as f32 - 1.0) * (j as f32) * 1e4 - k as f32 * 0.25 + 1e-3
    });
    let p = c.clone().permuted_axes([2, 0, 1]);
    for x in [
        c.view(),
        p.view(),
        c.slice(s![..;-1, 1.., ..;2]),
        c.slice(s![.., ..;-1, ..]),
    ] {
        assert_eq!(
            sum3(x).unwrap().to_bits(),
            rs::sum3(bb(x)).to_bits(),
            "{x:?}"
        );
    }
}

#[test]
fn mean_follows_ndarrays_order() {
    let a = line(45);
    for x in views1(&a) {
        assert_eq!(
            mean1(x).unwrap().to_bits(),
            rs::mean1(bb(x)).to_bits(),
            "{x:?}"
        );
        if !x.is_empty() {
            assert_eq!(
                deviation(x).unwrap().to_bits(),
                rs::deviation(bb(x)).to_bits(),
                "{x:?}"
            );
        }
    }
    let g = grid(7, 13);
    for x in views2(&g) {
        let got: (bool, f64) = mean2(x).unwrap();
        let want = rs::mean2(bb(x));
        assert_eq!(
            (got.0, got.1.to_bits()),
            (want.0, want.1.to_bits()),
            "{x:?}"
        );
    }
    let c = Array3::from_shape_fn((3, 4, 9), |(i, j, k)| {
        (i as f32 - 1.0) * (j as f32) * 1e4 - k as f32 * 0.25 + 1e-3
    });
    let p = c.clone().permuted_axes([2, 0, 1]);
    for x in [
        c.view(),
        p.view(),
        c.slice(s![..;-1, 1.., ..;2]),
        c.slice(s![.., ..0, ..]),
    ] {
        assert_eq!(
            mean3(x).unwrap().to_bits(),
            rs::mean3(bb(x)).to_bits(),
            "{x:?}"
        );
    }
    // The mean of an empty array is `None`: its `unwrap()` fails as ndarray's caller would.
    let err = deviation(a.slice(s![..0])).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidValue { message, .. } if message.contains("`Option::unwrap()`")),
        "{err:#}"
    );
}

#[test]
fn integer_sums_wrap_as_in_release() {
    let a = Array2::from_shape_fn((5, 6), |(i, j)| (i as i32 - 2) * 1_000_000_007 + j as i32);
    for x in [a.view(), a.t(), a.slice(s![..;2, ..;-1])] {
        assert_eq!(
            isum(x).unwrap(),
            x.iter().fold(0i32, |s, v| s.wrapping_add(*v))
        );
    }
}

#[test]
fn sums_of_views_and_new_arrays() {
    let g = grid(6, 9);
    for i in 0..6 {
        assert_eq!(
            parts(g.view(), i).unwrap().to_bits(),
            rs::parts(bb(g.view()), i).to_bits()
        );
    }
    let x = line(29);
    let got: Array1<f64> = normalized(x.view()).unwrap();
    assert_eq!(got, rs::normalized(bb(x.view())));
    let e = parts(g.view(), 6).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::OutOfBounds { .. }), "{e:#}");
}

#[test]
fn dot_follows_ndarrays_order() {
    let a = line(45);
    let b: Array1<f64> = a.iter().rev().map(|v| v * 0.5 + 1.0).collect();
    for (x, y) in views1(&a).into_iter().zip(views1(&b)) {
        assert_eq!(
            dot1(x, y).unwrap().to_bits(),
            rs::dot1(bb(x), bb(y)).to_bits(),
            "{x:?} {y:?}"
        );
    }
    // One standard operand, one not.
    let (x, y) = (a.slice(s![..15]), b.slice(s![..;3]));
    assert_eq!(dot1(x, y).unwrap().to_bits(), rs::dot1(x, y).to_bits());
    let af: Array1<f32> = a.mapv(|v| v as f32);
    let bf: Array1<f32> = b.mapv(|v| v as f32);
    assert_eq!(
        dot1f(af.view(), bf.view()).unwrap().to_bits(),
        rs::dot1f(af.view(), bf.view()).to_bits()
    );
    let g = grid(7, 13);
    let v = line(13);
    for m in [g.view(), g.slice(s![..;-1, ..]), g.slice(s![1..1, ..])] {
        let got: Array1<f64> = matvec(m, v.view()).unwrap();
        let want = rs::matvec(bb(m), bb(v.view()));
        assert_eq!(got.mapv(f64::to_bits), want.mapv(f64::to_bits), "{m:?}");
    }
    let gt = grid(13, 7);
    let (x, a) = (line(13) * 0.5, grid(7, 13));
    let (mut out, mut want_out) = (Array1::<f64>::zeros(13), Array1::<f64>::zeros(13));
    let got: (Array1<f64>, f64) = by_ref_params(&a, &v, &x, &mut out).unwrap();
    let want = rs::by_ref_params(&a, &v, &x, &mut want_out);
    assert_eq!((got, out), (want, want_out));
    let got: Array1<f64> = matvec(gt.t(), v.slice(s![..;-1])).unwrap();
    assert_eq!(got, rs::matvec(gt.t(), v.slice(s![..;-1])));
}

#[test]
fn dot_of_different_lengths_is_an_error() {
    let (x, y) = (line(5), line(6));
    let e = dot1(x.view(), y.view()).unwrap_err();
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    assert_eq!(
        message,
        "shape mismatch: `x` has extent 5 on axis 0 but `y` has 6"
    );
    let g = grid(3, 4);
    let r: Result<Array1<f64>, _> = matvec(g.view(), x.view());
    let e = r.unwrap_err();
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    assert_eq!(
        message,
        "shape mismatch: `a` has extent 4 on axis 1 but `v` has 5"
    );
    // ndarray panics on both.
    assert!(std::panic::catch_unwind(|| rs::dot1(x.view(), y.view())).is_err());
    assert!(std::panic::catch_unwind(|| rs::matvec(g.view(), x.view())).is_err());
}

#[test]
fn fold_follows_ndarrays_order() {
    let a = line(45);
    for x in views1(&a) {
        assert_eq!(
            horner_fold1(x).unwrap().to_bits(),
            rs::horner_fold1(bb(x)).to_bits(),
            "{x:?}"
        );
    }
    let g = grid(7, 13);
    for x in views2(&g) {
        assert_eq!(
            horner_fold2(x).unwrap().to_bits(),
            rs::horner_fold2(bb(x)).to_bits(),
            "{x:?}"
        );
        assert_eq!(
            max_fold(x).unwrap().to_bits(),
            rs::max_fold(bb(x)).to_bits()
        );
    }
    let c = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| {
        (i as f32 - 1.0) * (j as f32) - k as f32 * 0.25
    });
    let p = c.clone().permuted_axes([2, 0, 1]);
    let q = c.clone().permuted_axes([1, 2, 0]);
    for x in [
        c.view(),
        p.view(),
        q.view(),
        c.slice(s![..;-1, 1.., ..;2]),
        p.slice(s![.., ..;-1, ..]),
        c.slice(s![.., 1..2, ..]),
        c.slice(s![1..2, .., 3..4]),
    ] {
        assert_eq!(
            horner_fold3(x).unwrap().to_bits(),
            rs::horner_fold3(bb(x)).to_bits(),
            "{x:?}"
        );
    }
}

#[test]
fn mapv_makes_a_new_array() {
    let g = grid(5, 6);
    for x in views2(&g) {
        let got: Array2<f64> = squares(x).unwrap();
        assert_eq!(got, rs::squares(bb(x)), "{x:?}");
        let (a, b, c) = mapped(x, 0.25).unwrap();
        assert_eq!((a, b, c), rs::mapped(bb(x), 0.25), "{x:?}");
    }
    let a = line(45);
    for x in views1(&a) {
        let got: Array1<f32> = to_f32(x).unwrap();
        assert_eq!(got, rs::to_f32(bb(x)));
        let got: Array1<f64> = exps(x).unwrap();
        assert_eq!(got.mapv(f64::to_bits), rs::exps(bb(x)).mapv(f64::to_bits));
    }
    let x = array![1.0, -2.5, 3.25, 0.0, 7.0, -1.0, 2.0, 2.0, 9.5];
    let got: Array1<f64> = softmax(x.view()).unwrap();
    assert_eq!(
        got.mapv(f64::to_bits),
        rs::softmax(x.view()).mapv(f64::to_bits)
    );
}

#[test]
fn reductions_in_prange_bodies() {
    use rumba::IntoArg;
    // Each iteration reduces its own row and dots another array: accepted, as the serial loop.
    let k = rumba::Kernel::from_source(
        "fn k(a: ArrayView2<f64>, v: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
             for i in prange(0..a.nrows()) {
                 let r = a.row(i);
                 out[i] = r.sum() + r.dot(&v) + r.fold(0.0, |m, &x| m * 0.5 + x);
             }
         }",
        "k",
    );
    let g = grid(40, 13);
    let v = line(13);
    for m in [g.view(), g.slice(s![.., ..;-1])] {
        let mut out = Array1::<f64>::zeros(40);
        k.call(&[m.into_arg(), v.view().into_arg(), (&mut out).into_arg()])
            .unwrap();
        for (i, o) in out.iter().enumerate() {
            let r = m.row(i);
            let want = r.sum() + r.dot(&v) + r.fold(0.0, |m, &x| m * 0.5 + x);
            assert_eq!(o.to_bits(), want.to_bits());
        }
    }
    // A sum of the array every iteration writes: a race, named.
    let k = rumba::Kernel::from_source(
        "fn k(mut y: ArrayViewMut1<f64>) {
             for i in prange(0..y.len()) {
                 y[i] = y.sum();
             }
         }",
        "k",
    );
    let mut y = Array1::<f64>::ones(8);
    let e = k.call(&[(&mut y).into_arg()]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:#}");
    assert!(format!("{e:#}").contains("`y`"), "{e:#}");
}

#[test]
fn unsupported_reductions_are_errors() {
    use rumba::IntoArg;
    let m = Array2::<f64>::zeros((2, 2));
    let cube = Array3::<f64>::zeros((2, 2, 2));
    let b = Array1::from_elem(3, true);
    let ints = Array1::from_elem(3, 7i32);
    let cases: [(&str, &str, Vec<rumba::Arg<'_>>); 4] = [
        (
            "fn k(a, c) { a.dot(&c) }",
            "`dot` of a 2-D and a 3-D array is not supported",
            vec![(&m).into_arg(), (&cube).into_arg()],
        ),
        (
            "fn k(b) { b.sum() }",
            "`sum` needs numbers: `b` is an array of `bool`",
            vec![(&b).into_arg()],
        ),
        (
            "fn k(x) { x.mean().unwrap() }",
            "`mean` of an array of `i32` is not supported",
            vec![(&ints).into_arg()],
        ),
        (
            "fn k(a) { a.mapv(|v, w| v) }",
            "`mapv` takes a closure of one parameter",
            vec![(&m).into_arg()],
        ),
    ];
    for (src, want, args) in cases {
        let k = rumba::Kernel::from_source(src, "k");
        let e = k.call(&args).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}

twin! { mod rs_var;
    /// ndarray's `var` / `std` (Welford in memory order, `mul_add`), of views and of a new array.
    pub fn spread1(x: ArrayView1<f64>, ddof: f64) -> (f64, f64, f64) {
        (x.var(ddof), x.std(ddof), (&x * 2.0).var(ddof))
    }

    pub fn spread2(x: ArrayView2<f64>) -> (f64, f64) {
        (x.var(0.0), x.std(1.0))
    }

    pub fn spread32(x: ArrayView1<f32>) -> f32 {
        x.std(1.0)
    }

    /// Along an axis: ndarray's Welford over the subviews, per lane.
    pub fn spread_axis(x: ArrayView2<f64>, ddof: f64) -> (Array1<f64>, Array1<f64>, usize) {
        (x.var_axis(Axis(0), ddof), x.std_axis(Axis(1), ddof), x.len_of(Axis(1)))
    }

    pub fn spread_axis3(x: ArrayView3<f32>) -> Array2<f32> {
        x.std_axis(Axis(1), 1.0)
    }
}

#[test]
fn var_and_std_follow_ndarray() {
    let a = line(40);
    for v in views1(&a).into_iter().filter(|v| v.len() >= 2) {
        for ddof in [0.0, 1.0] {
            let got = spread1(v, ddof).unwrap();
            let want = rs_var::spread1(v, ddof);
            assert_eq!(
                [got.0, got.1, got.2].map(f64::to_bits),
                [want.0, want.1, want.2].map(f64::to_bits),
                "{v} ddof={ddof}"
            );
        }
    }
    let g = grid(7, 9);
    for v in views2(&g).into_iter().filter(|v| v.len() >= 2) {
        let got = spread2(v).unwrap();
        let want = rs_var::spread2(v);
        assert_eq!(
            (got.0.to_bits(), got.1.to_bits()),
            (want.0.to_bits(), want.1.to_bits()),
            "{v}"
        );
    }
    let f = Array1::from_shape_fn(33, |i| (i as f32 * 0.37).sin());
    assert_eq!(
        spread32(f.view()).unwrap().to_bits(),
        rs_var::spread32(f.view()).to_bits()
    );
    for v in views2(&g) {
        for ddof in [0.0, 1.0] {
            if ddof > v.nrows().min(v.ncols()) as f64 {
                continue;
            }
            let (a0, a1, n) = spread_axis(v, ddof).unwrap();
            let (w0, w1, wn) = rs_var::spread_axis(v, ddof);
            assert_eq!(
                a0.mapv(f64::to_bits),
                w0.mapv(f64::to_bits),
                "{v} ddof={ddof}"
            );
            assert_eq!(
                a1.mapv(f64::to_bits),
                w1.mapv(f64::to_bits),
                "{v} ddof={ddof}"
            );
            assert_eq!(n, wn);
        }
    }
    let c = Array3::from_shape_fn((3, 5, 4), |(i, j, k)| {
        ((i * 20 + j * 4 + k) as f32 * 0.37).sin()
    });
    for v in [
        c.view(),
        c.view().reversed_axes(),
        c.slice(s![.., ..;-2, ..]),
    ] {
        let got = spread_axis3(v).unwrap();
        assert_eq!(
            got.mapv(f32::to_bits),
            rs_var::spread_axis3(v).mapv(f32::to_bits)
        );
    }
    let e = spread_axis(g.slice(s![..2, ..]), 3.0).unwrap_err();
    assert!(format!("{e}").contains("`ddof` must not be"), "{e}");
    // ndarray panics on a `ddof` past the length: an `Err` with its message.
    let e = spread1(a.slice(s![..3]), 4.0).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::InvalidValue { message, .. } if message.starts_with("`ddof` must not be")),
        "{e:#}"
    );
}

twin! { mod rs_kept;
    /// New arrays of an operand keep its layout as ndarray's `map` and `to_owned` do (its strides
    /// where it is contiguous, else C order), so what folds them in memory order adds in
    /// ndarray's order, and a returned one has ndarray's strides.
    pub fn kept_sums(x: ArrayView2<f64>) -> (f64, f64, f64, f64, f64) {
        let d = &x * 2.0;
        (
            (&x * 2.0).sum(),
            x.mapv(|v| v * 3.0 + 1.0).sum(),
            x.to_owned().sum(),
            d.sum(),
            (-&x).mapv(f64::sin).product(),
        )
    }

    pub fn kept_returned(x: ArrayView2<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
        (x.to_owned(), x.mapv(|v| v * 0.5), &x * 2.0 - 1.0)
    }

    pub fn kept_three(x: ArrayView3<f32>) -> (f32, Array3<f32>) {
        ((&x * 3.0).sum(), x.mapv(|v| v + 1.0))
    }

    /// A local given new arrays of two layouts: its layout is known at run time.
    pub fn kept_reassigned(x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, Array2<f64>) {
        let mut d = y.to_owned();
        let first = d.sum();
        d = x.mapv(|v| v - 0.25);
        (first + d.sum(), d)
    }

    pub fn kept_var(x: ArrayView1<f64>) -> (f64, Array1<f64>) {
        ((&x * 2.0).var(1.0), x.to_owned())
    }
}

/// The strides of `a` where they decide where elements lie: on axes longer than one, of a
/// non-empty array (ndarray keeps any stride a view had on the others; rumba passes such a
/// view as C order).
fn placed<S: ndarray::Data, D: ndarray::Dimension>(a: &ArrayBase<S, D>) -> Vec<isize> {
    match a.is_empty() {
        true => Vec::new(),
        false => (a.shape().iter().zip(a.strides()))
            .map(|(&n, &s)| if n > 1 { s } else { 0 })
            .collect(),
    }
}

/// 3-D layouts: C, axes permuted three ways, one reversed, stepped.
fn views3(a: &Array3<f32>) -> Vec<ArrayView3<'_, f32>> {
    vec![
        a.view(),
        a.view().permuted_axes([2, 0, 1]),
        a.view().permuted_axes([1, 2, 0]),
        a.view().reversed_axes(),
        a.slice(s![.., ..;-1, ..]),
        a.slice(s![..;2, .., ..]),
    ]
}

#[test]
fn new_arrays_keep_ndarrays_layout() {
    let g = grid(37, 53);
    for x in views2(&g) {
        let got = kept_sums(x).unwrap();
        let want = rs_kept::kept_sums(bb(x));
        assert_eq!(
            [got.0, got.1, got.2, got.3, got.4].map(f64::to_bits),
            [want.0, want.1, want.2, want.3, want.4].map(f64::to_bits),
            "{:?} {:?}",
            x.shape(),
            x.strides()
        );
        let got = kept_returned(x).unwrap();
        let want = rs_kept::kept_returned(bb(x));
        for (g, w) in [(&got.0, &want.0), (&got.1, &want.1), (&got.2, &want.2)] {
            assert_eq!(g, w);
            assert_eq!(placed(g), placed(w), "{:?} {:?}", x.shape(), x.strides());
        }
        for y in [g.view(), g.t()] {
            if y.shape() != x.shape() {
                continue;
            }
            let got = kept_reassigned(x, y).unwrap();
            let want = rs_kept::kept_reassigned(bb(x), bb(y));
            assert_eq!(got.0.to_bits(), want.0.to_bits());
            assert_eq!(placed(&got.1), placed(&want.1));
            assert_eq!(got.1, want.1);
        }
    }
    let c = Array3::from_shape_fn((4, 5, 6), |(i, j, k)| {
        ((i * 31 + j * 7 + k) as f32 * 0.37).sin()
    });
    for x in views3(&c) {
        let got = kept_three(x).unwrap();
        let want = rs_kept::kept_three(bb(x));
        assert_eq!(got.0.to_bits(), want.0.to_bits(), "{:?}", x.strides());
        assert_eq!(got.1, want.1);
        assert_eq!(placed(&got.1), placed(&want.1), "{:?}", x.strides());
    }
    let a = line(40);
    for x in views1(&a).into_iter().filter(|v| v.len() >= 2) {
        let got = kept_var(x).unwrap();
        let want = rs_kept::kept_var(bb(x));
        assert_eq!(got.0.to_bits(), want.0.to_bits(), "{x:?}");
        assert_eq!(placed(&got.1), placed(&want.1), "{x:?}");
    }
}

// ---- `dot` of two 2-D arrays ----

twin! {
    mod rs_mm;

    pub fn matmul_i(a: ArrayView2<i64>, b: ArrayView2<i64>) -> Array2<i64> {
        a.dot(&b)
    }

    /// A Gram matrix and a product applied to a vector, chained as users chain them.
    pub fn gram_apply(a: ArrayView2<i32>, x: ArrayView1<i32>) -> (Array2<i32>, Array1<i32>) {
        let g = a.t().dot(&a);
        let y = g.dot(&x);
        (g, y)
    }
}

rumba::compile! {
    fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        a.dot(&b)
    }

    fn matmul32(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
        a.t().dot(&b.t())
    }
}

#[test]
fn dot_of_two_matrices() {
    let m = |r: usize, c: usize, seed: i64| {
        Array2::from_shape_fn((r, c), |(i, j)| {
            ((i as i64 * 31 + j as i64 * 17 + seed) % 23) - 11
        })
    };
    for (r, k, c) in [(3, 4, 5), (1, 1, 1), (0, 3, 2), (4, 0, 3), (17, 9, 33)] {
        let (a, b) = (m(r, k, 1), m(k, c, 2));
        assert_eq!(
            matmul_i(a.view(), b.view()).unwrap(),
            rs_mm::matmul_i(a.view(), b.view())
        );
        // Through views of any layout: transposed, reversed.
        let bt = b.t().to_owned();
        let brev = b.slice(s![..;-1, ..]).to_owned();
        let got: Array2<i64> = matmul_i(a.slice(s![.., ..;-1]), brev.view()).unwrap();
        assert_eq!(got, rs_mm::matmul_i(a.slice(s![.., ..;-1]), brev.view()));
        let got: Array2<i64> = matmul_i(a.view(), bt.t()).unwrap();
        assert_eq!(got, a.dot(&b));
        let (a32, x) = (
            a.mapv(|v| v as i32),
            Array1::from_shape_fn(k, |i| i as i32 - 2),
        );
        assert_eq!(
            gram_apply(a32.view(), x.view()).unwrap(),
            rs_mm::gram_apply(a32.view(), x.view())
        );
        // Floats: ndarray calls `matrixmultiply`, and so do kernels: ndarray's bits.
        let (af, bf) = (
            a.mapv(|v| v as f64 * 0.37),
            b.mapv(|v| v as f64 * 1.3 + 0.1),
        );
        let got: Array2<f64> = matmul(af.view(), bf.view()).unwrap();
        assert_eq!(got.mapv(f64::to_bits), af.dot(&bf).mapv(f64::to_bits));
        let (at32, bt32) = (af.t().mapv(|v| v as f32), bf.t().mapv(|v| v as f32));
        let got: Array2<f32> = matmul32(at32.slice(s![.., ..;-1]), bt32.view()).unwrap();
        let want = at32.slice(s![.., ..;-1]).t().dot(&bt32.t());
        assert_eq!(got.mapv(f32::to_bits), want.mapv(f32::to_bits));
    }
    // Columns of `a` that are not the rows of `b`: the call's `Err` (ndarray panics).
    let (a, b) = (m(3, 4, 1), m(5, 2, 2));
    let e = matmul_i(a.view(), b.view()).unwrap_err();
    assert!(
        format!("{e}").contains("not compatible for matrix multiplication"),
        "{e}"
    );
    assert!(std::panic::catch_unwind(|| rs_mm::matmul_i(a.view(), b.view())).is_err());
}
