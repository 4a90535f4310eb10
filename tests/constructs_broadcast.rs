//! Broadcasting in array arithmetic and reductions along an axis, as ndarray 0.17 does them:
//! `sum_axis`, `fold_axis` and `insert_axis` in ndarray's order of operations (the row softmax
//! of the issue, bit for bit). Operands of different
//! shapes co-broadcast (`&m - &row`, `&col * &row`, `&a + &b.slice(s![.., NewAxis])`), a
//! compound assignment stretches its right side to the updated array (`y += &row`), against the
//! same code in plain Rust with ndarray, bit for bit, on C, transposed, reversed and stepped
//! views; shapes that do not broadcast are an `Err` naming both (ndarray panics there); a
//! broadcast expression is still one loop nest.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`. scripts/test.sh runs this suite again through the reference interpreter
//! (`RUMBA_DISABLE_JIT=1`).

use ndarray::prelude::*;
use ndarray::s;
use rumba::{ErrorKind, IntoArg};
use std::hint::black_box as bb;

twin! {
    /// A matrix minus a row, and the row added back scaled (2-D and 1-D).
    pub fn center(m: ArrayView2<f64>, row: ArrayView1<f64>) -> Array2<f64> {
        (&m - &row) * 2.0 + &row
    }

    /// An outer product of a column view and a row.
    pub fn outer(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array2<f64> {
        &a.slice(s![.., NewAxis]) * &b
    }

    /// A matrix plus a column made with `NewAxis`, and a 3-D array times a 1-D one.
    pub fn columns(m: ArrayView2<f64>, c: ArrayView1<f64>) -> Array2<f64> {
        let z = &m + &c.slice(s![.., NewAxis]);
        z
    }

    pub fn cube(t: ArrayView3<f32>, v: ArrayView1<f32>, w: ArrayView2<f32>) -> Array3<f32> {
        (&t * &v - &w).mapv(|x| x.abs())
    }

    /// In place: a row added to every row, a column subtracted, a scalar on an owned array.
    pub fn update(mut y: ArrayViewMut2<f64>, row: ArrayView1<f64>, col: ArrayView1<f64>) -> Array2<f64> {
        y += &row;
        y -= &(&col.slice(s![.., NewAxis]) * 0.5);
        let mut t = y.to_owned();
        t *= &row;
        t
    }

    /// An owned left side whose shape is not the result's: ndarray makes a new array.
    pub fn owned_lhs(row: ArrayView1<i64>, m: ArrayView2<i64>) -> Array2<i64> {
        let r = row.to_owned();
        r + &m
    }

    pub fn sums(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
        (x.sum_axis(Axis(0)), x.sum_axis(Axis(1)))
    }

    pub fn sums3(x: ArrayView3<f32>) -> (Array2<f32>, Array2<f32>, Array2<f32>) {
        (x.sum_axis(Axis(0)), x.sum_axis(Axis(1)), x.sum_axis(Axis(2)))
    }

    /// ndarray's `Option` of the means, opened as users open it.
    pub fn means(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
        (x.mean_axis(Axis(0)).unwrap(), x.mean_axis(Axis(1)).expect("no columns"))
    }

    /// `map_axis`: a value per lane, the closure given the lane as a view.
    pub fn lane_stats(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
        let norms = x.map_axis(Axis(1), |r| r.dot(&r).sqrt());
        let peaks = x.map_axis(Axis(0), |c| c.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)) - c.sum());
        (norms, peaks)
    }

    pub fn lane_ends(x: ArrayView3<f32>) -> Array2<f32> {
        x.map_axis(Axis(1), |lane| if lane.is_empty() { -1.0 } else { lane[0] * 2.0 - lane[lane.len() - 1] })
    }

    /// Columns centred on their means (NumPy's `x - x.mean(axis=0)`).
    pub fn centered(x: ArrayView3<f32>) -> Array3<f32> {
        let m = x.mean_axis(Axis(0)).unwrap();
        &x - &m
    }

    /// A 1-D array's only axis: a 0-D array.
    pub fn sum_all(x: ArrayView1<f64>) -> f64 {
        x.sum_axis(Axis(0)).sum()
    }

    pub fn folds(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
        let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
        let s = x.fold_axis(Axis(0), 0.5, |a, &b| a * 0.5 + b);
        (m, s)
    }

    pub fn count_positive(x: ArrayView2<f64>) -> Array1<i64> {
        x.fold_axis(Axis(0), 0, |n, &v| n + (v > 0.0) as i64)
    }

    /// Along the last of three axes (lane by lane where that axis is contiguous).
    pub fn folds3(t: ArrayView3<f32>) -> Array2<f32> {
        t.fold_axis(Axis(2), 1.0, |a, &b| a * 0.75 + b)
    }

    /// A step that carries state from element to element in a captured `mut`: its order is
    /// ndarray's, subview after subview, on every layout.
    pub fn carried(x: ArrayView2<f64>) -> (Array1<f64>, f64) {
        let mut k = 0.0;
        let s = x.fold_axis(Axis(1), 0.0, |a, &b| {
            k = k * 0.5 + b;
            a + k
        });
        (s, k)
    }

    /// The row softmax, as an ndarray user writes it.
    pub fn softmax(x: ArrayView2<f64>) -> Array2<f64> {
        let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
        let e = (&x - &m.insert_axis(Axis(1))).mapv(f64::exp);
        let s = e.sum_axis(Axis(1));
        e / &s.insert_axis(Axis(1))
    }

    /// `assign` of arrays of fewer axes: each row of `m` set to `row`, each plane of `t` to `p`.
    pub fn assign_stretched(mut m: ArrayViewMut2<f64>, row: ArrayView1<f64>, mut t: ArrayViewMut3<f32>, p: ArrayView2<f32>) {
        m.assign(&row);
        t.assign(&p);
        m.row_mut(0).assign(&row);
    }

    /// `Zip::and_broadcast`: a row and a column stretched onto the first array's shape.
    pub fn zip_stretch(mut m: ArrayViewMut2<f64>, row: ArrayView1<f64>, col: ArrayView2<f64>) -> Array2<f64> {
        Zip::from(&mut m)
            .and_broadcast(&row)
            .and_broadcast(&col)
            .for_each(|x, &r, &c| *x = *x * r + c);
        Zip::from(&m).and_broadcast(&row).map_collect(|&x, &r| x - r)
    }

    /// `x.broadcast(shape).unwrap()` with the shape of another array: a stretched view.
    pub fn stretch_to(m: ArrayView2<f64>, row: ArrayView1<f64>) -> f64 {
        let b = row.broadcast(m.dim()).unwrap();
        let mut s = 0.0;
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                s += m[[i, j]] * b[[i, j]];
            }
        }
        s + (&m + &b).sum() + row.broadcast(m.raw_dim()).expect("fits").sum()
    }

    /// Row-wise standardization with the row statistics as columns.
    pub fn rows_scaled(x: ArrayView2<f64>, mean: ArrayView1<f64>, inv: ArrayView1<f64>) -> Array2<f64> {
        (&x - &mean.slice(s![.., NewAxis])) * &inv.slice(s![.., NewAxis])
    }
}

fn grid(r: usize, c: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |(i, j)| {
        (((i * c + j + seed) * 37) % 23) as f64 * 0.31 - 3.1 + 1e-9 * (i + j) as f64
    })
}

fn line(n: usize, seed: usize) -> Array1<f64> {
    (0..n)
        .map(|i| (((i + seed) * 29) % 17) as f64 * 0.27 - 2.2 + 1e-9 * i as f64)
        .collect()
}

fn bits<D: Dimension>(a: &Array<f64, D>) -> Array<u64, D> {
    a.mapv(f64::to_bits)
}

#[test]
fn operators_broadcast_as_ndarrays() {
    let m = grid(5, 7, 1);
    let mt = grid(7, 5, 2);
    let (row, col) = (line(7, 3), line(5, 4));
    let rrev = line(14, 5);
    for (a, r) in [
        (m.view(), row.view()),
        (mt.t(), row.view()),
        (m.slice(s![..;-1, ..]), rrev.slice(s![..;2])),
        (m.slice(s![1..1, ..]), row.view()),
    ] {
        let got: Array2<f64> = center(a, r).unwrap();
        assert_eq!(bits(&got), bits(&rs::center(bb(a), bb(r))));
        let got: Array2<f64> = rows_scaled(a.t(), r, r).unwrap();
        assert_eq!(bits(&got), bits(&rs::rows_scaled(a.t(), r, r)));
    }
    for (a, b) in [
        (col.view(), row.view()),
        (row.slice(s![..;-1]), col.view()),
        (row.slice(s![..0]), col.view()),
    ] {
        let got: Array2<f64> = outer(a, b).unwrap();
        assert_eq!(bits(&got), bits(&rs::outer(bb(a), bb(b))));
    }
    let got: Array2<f64> = columns(m.view(), col.view()).unwrap();
    assert_eq!(bits(&got), bits(&rs::columns(m.view(), col.view())));
    // A column of extent one stretches too.
    let one = line(1, 0);
    let got: Array2<f64> = columns(m.view(), one.view()).unwrap();
    assert_eq!(bits(&got), bits(&rs::columns(m.view(), one.view())));

    let t = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| {
        (i * 20 + j * 5 + k) as f32 * 0.7 - 9.0
    });
    let v = Array1::from_shape_fn(5, |k| k as f32 * -1.3 + 0.4);
    let w = Array2::from_shape_fn((4, 1), |(j, _)| j as f32 * 2.1);
    let got: Array3<f32> = cube(t.view(), v.view(), w.view()).unwrap();
    assert_eq!(
        got.mapv(f32::to_bits),
        rs::cube(t.view(), v.view(), w.view()).mapv(f32::to_bits)
    );

    let mi = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i64 - 5);
    let ri = array![i64::MAX, -2, 3, 4];
    let got: Array2<i64> = owned_lhs(ri.view(), mi.view()).unwrap();
    assert_eq!(got, rs::owned_lhs(ri.view(), mi.view()));
}

#[test]
fn assign_stretches_arrays_of_fewer_axes() {
    let row = line(6, 9);
    let p = grid(4, 6, 10).mapv(|v| v as f32);
    for m0 in [grid(3, 6, 11), grid(6, 3, 12).reversed_axes()] {
        let (mut m, mut m2) = (m0.clone(), m0.clone());
        let (mut t, mut t2) = (
            Array3::<f32>::zeros((2, 4, 6)),
            Array3::<f32>::zeros((2, 4, 6)),
        );
        assign_stretched(m.view_mut(), row.view(), t.view_mut(), p.view()).unwrap();
        rs::assign_stretched(m2.view_mut(), row.view(), t2.view_mut(), p.view());
        assert_eq!(bits(&m), bits(&m2));
        assert_eq!(t, t2);
    }
    // A row that does not fit: the call's `Err` (ndarray panics).
    let (mut m, mut t) = (grid(3, 5, 0), Array3::<f32>::zeros((2, 4, 6)));
    let e = assign_stretched(m.view_mut(), row.view(), t.view_mut(), p.view()).unwrap_err();
    assert_eq!(
        message(e),
        "could not broadcast an array of shape [6] to shape [3, 5]"
    );
}

#[test]
fn zip_and_broadcast_stretches_onto_the_first_array() {
    let (row, col) = (line(6, 4), grid(4, 1, 5));
    for m0 in [grid(4, 6, 6), grid(6, 4, 7).reversed_axes()] {
        let (mut m, mut m2) = (m0.clone(), m0.clone());
        let got: Array2<f64> = zip_stretch(m.view_mut(), row.view(), col.view()).unwrap();
        let want = rs::zip_stretch(m2.view_mut(), row.view(), col.view());
        assert_eq!(bits(&got), bits(&want));
        assert_eq!(bits(&m), bits(&m2));
    }
    // A row that does not stretch onto the first array: the call's `Err` (ndarray panics).
    let mut m = grid(4, 6, 6);
    let r5 = line(5, 0);
    let e = zip_stretch(m.view_mut(), r5.view(), col.view()).unwrap_err();
    assert_eq!(
        message(e),
        "could not broadcast an array of shape [5] to shape [4, 6]"
    );
    let (c, r) = (col.clone(), r5.clone());
    assert!(std::panic::catch_unwind(move || {
        rs::zip_stretch(m.view_mut(), r.view(), c.view())
    })
    .is_err());
    // `broadcast(y.dim())`: the same view; a row that does not stretch is the call's `Err`.
    let g = grid(4, 6, 8);
    for m in views(&g).into_iter().filter(|m| m.ncols() == row.len()) {
        let got = stretch_to(m, row.view()).unwrap();
        assert_eq!(got.to_bits(), rs::stretch_to(bb(m), row.view()).to_bits());
    }
    let m = grid(4, 6, 8);
    let e = stretch_to(m.view(), r5.view()).unwrap_err();
    assert_eq!(
        message(e),
        "could not broadcast an array of shape [5] to shape [4, 6]"
    );
    assert!(std::panic::catch_unwind(|| rs::stretch_to(m.view(), r5.view())).is_err());
    for (src, want) in [
        (
            "fn k(x) { let b = x.broadcast(x.dim()); }",
            "write `x.broadcast(y.dim()).unwrap()`",
        ),
        (
            "fn k(x) { let b = x.broadcast((2, 2)).unwrap(); }",
            "`broadcast` takes the shape of another array here",
        ),
    ] {
        let k = rumba::Kernel::from_source(src, "k");
        let e = k.call(&[(&col).into_arg()]).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
    // `Zip`'s other builders are refused by name, with the two that work as the hint.
    let k = rumba::Kernel::from_source(
        "fn k(a) { Zip::from(&a).indexed().for_each(|i, x| {}); }",
        "k",
    );
    let e = k.call(&[(&col).into_arg()]).unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("`Zip::indexed` is not supported"), "{text}");
    assert!(text.contains(".and_broadcast(&row)"), "{text}");
}

#[test]
fn compound_assignments_stretch_the_right_side() {
    let (row, col) = (line(6, 1), line(4, 2));
    let y0 = grid(4, 6, 3);
    let (mut y, mut y2) = (y0.clone(), y0.clone());
    let got: Array2<f64> = update(y.view_mut(), row.view(), col.view()).unwrap();
    let want = rs::update(y2.view_mut(), row.view(), col.view());
    assert_eq!(bits(&got), bits(&want));
    assert_eq!(bits(&y), bits(&y2));
    // Through a transposed, reversed view.
    let mut yt = y0.t().to_owned();
    let mut yt2 = yt.clone();
    let got: Array2<f64> = update(
        yt.view_mut().reversed_axes(),
        row.slice(s![..;-1]),
        col.view(),
    )
    .unwrap();
    let want = rs::update(
        yt2.view_mut().reversed_axes(),
        row.slice(s![..;-1]),
        col.view(),
    );
    assert_eq!(bits(&got), bits(&want));
    assert_eq!(bits(&yt), bits(&yt2));
}

fn message(e: rumba::Error) -> String {
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    message.clone()
}

#[test]
fn shapes_that_do_not_broadcast_are_errors() {
    let m = grid(3, 4, 0);
    let (r5, c4) = (line(5, 0), line(4, 0));
    let e = center(m.view(), r5.view()).unwrap_err();
    assert_eq!(
        message(e),
        "shapes [3, 4] and [5] do not broadcast together"
    );
    assert!(std::panic::catch_unwind(|| rs::center(m.view(), r5.view())).is_err());
    // The column has 4 rows, the matrix 3.
    let e = columns(m.view(), c4.view()).unwrap_err();
    assert_eq!(
        message(e),
        "shapes [3, 4] and [4, 1] do not broadcast together"
    );
    assert!(std::panic::catch_unwind(|| rs::columns(m.view(), c4.view())).is_err());
    // In place: the right side must stretch to the updated array's shape.
    let mut y = grid(3, 1, 0);
    let r4 = line(4, 0);
    let e = update(y.view_mut(), r4.view(), line(3, 0).view()).unwrap_err();
    assert_eq!(
        message(e),
        "could not broadcast an array of shape [4] to shape [3, 1]"
    );
    let mut y2 = y.clone();
    assert!(std::panic::catch_unwind(move || {
        rs::update(y2.view_mut(), r4.view(), line(3, 0).view())
    })
    .is_err());
    // Arrays of many axes name the axis where they disagree.
    let t = Array3::<f32>::zeros((3, 4, 5));
    let w = Array2::<f32>::zeros((3, 5));
    let v = Array1::<f32>::zeros(5);
    let e = cube(t.view(), v.view(), w.view()).unwrap_err();
    assert_eq!(
        message(e),
        "arrays of 3 and 2 axes do not broadcast: extents 4 and 3 on axis 1 of the broadcast shape"
    );
}

#[test]
fn a_broadcast_expression_is_one_loop_nest() {
    let m = grid(3, 4, 0);
    let r = line(4, 0);
    let ir = center::kernel()
        .typed_ir(&[m.view().into_arg(), r.view().into_arg()])
        .unwrap();
    // One new array and one nest of two loops, reading both arrays through broadcast views
    // in bounds by their shapes (no check left, so no versioned copy).
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    assert_eq!(ir.matches("for ").count(), 2, "{ir}");
    assert!(ir.contains("unchecked each.fused["), "{ir}");
    assert_eq!(ir.matches("broadcast_with(").count(), 2, "{ir}");
    assert_eq!(ir.matches("broadcast_onto(").count(), 2, "{ir}");
}

/// 2-D layouts: C, Fortran, stepped, reversed, a column, empty.
fn views(a: &Array2<f64>) -> Vec<ArrayView2<'_, f64>> {
    vec![
        a.view(),
        a.t(),
        a.slice(s![..;2, ..]),
        a.slice(s![.., ..;2]),
        a.slice(s![..;-1, ..]),
        a.slice(s![.., ..;-1]),
        a.slice(s![.., 1..2]),
        a.slice(s![..0, ..]),
        a.slice(s![1..4, 2..5]),
    ]
}

#[test]
fn axis_reductions_follow_ndarrays_order() {
    // Magnitudes far apart, so that another order of additions changes the bits.
    let a = Array2::from_shape_fn((11, 13), |(i, j)| {
        let k = (i * 31 + j * 17) % 23;
        (k as f64 - 11.0) * 0.1 + if k % 5 == 0 { 1e8 } else { 1e-7 * j as f64 }
    });
    for x in views(&a) {
        let got: (Array1<f64>, Array1<f64>) = sums(x).unwrap();
        let want = rs::sums(bb(x));
        assert_eq!((bits(&got.0), bits(&got.1)), (bits(&want.0), bits(&want.1)));
        let got: (Array1<f64>, Array1<f64>) = folds(x).unwrap();
        let want = rs::folds(bb(x));
        assert_eq!((bits(&got.0), bits(&got.1)), (bits(&want.0), bits(&want.1)));
        let got: Array1<i64> = count_positive(x).unwrap();
        assert_eq!(got, rs::count_positive(x));
        if x.is_empty() {
            // ndarray's `None`, unwrapped: the message of the first empty axis.
            let e = means(x).unwrap_err().to_string();
            let first = match x.nrows() {
                0 => "called `Option::unwrap()` on a `None` value",
                _ => "no columns",
            };
            assert!(e.contains(first), "{e}");
            assert!(std::panic::catch_unwind(|| rs::means(x)).is_err());
        } else {
            let got: (Array1<f64>, Array1<f64>) = means(x).unwrap();
            let want = rs::means(bb(x));
            assert_eq!((bits(&got.0), bits(&got.1)), (bits(&want.0), bits(&want.1)));
        }
        let got: Array2<f64> = softmax(x).unwrap();
        assert_eq!(bits(&got), bits(&rs::softmax(bb(x))));
        let got: (Array1<f64>, Array1<f64>) = lane_stats(x).unwrap();
        let want = rs::lane_stats(bb(x));
        assert_eq!((bits(&got.0), bits(&got.1)), (bits(&want.0), bits(&want.1)));
        let (s, k): (Array1<f64>, f64) = carried(x).unwrap();
        let want = rs::carried(bb(x));
        assert_eq!((bits(&s), k.to_bits()), (bits(&want.0), want.1.to_bits()));
    }
    let t = Array3::from_shape_fn((4, 5, 6), |(i, j, k)| {
        ((i * 7 + j * 3 + k) % 11) as f32 * 0.37 + if k == 2 { 1e6 } else { 0.0 }
    });
    let permuted = t.view().permuted_axes([2, 0, 1]);
    for x in [t.view(), permuted, t.slice(s![.., ..;-1, ..;2])] {
        let got: (Array2<f32>, Array2<f32>, Array2<f32>) = sums3(x).unwrap();
        let want = rs::sums3(bb(x));
        let b = |a: &Array2<f32>| a.mapv(f32::to_bits);
        assert_eq!(b(&got.0), b(&want.0));
        assert_eq!(b(&got.1), b(&want.1));
        assert_eq!(b(&got.2), b(&want.2));
        assert_eq!(b(&folds3(x).unwrap()), b(&rs::folds3(bb(x))));
        let got: Array2<f32> = lane_ends(x).unwrap();
        assert_eq!(
            got.mapv(f32::to_bits),
            rs::lane_ends(bb(x)).mapv(f32::to_bits)
        );
        let got: Array3<f32> = centered(x).unwrap();
        assert_eq!(
            got.mapv(f32::to_bits),
            rs::centered(bb(x)).mapv(f32::to_bits)
        );
    }
    let v: Array1<f64> = (0..37)
        .map(|i| i as f64 * 0.1 + if i % 9 == 0 { 1e9 } else { 0.0 })
        .collect();
    for x in [v.view(), v.slice(s![..;-1]), v.slice(s![..;3])] {
        assert_eq!(sum_all(x).unwrap().to_bits(), rs::sum_all(bb(x)).to_bits());
    }
}

#[test]
fn axis_errors() {
    let m = grid(2, 2, 0);
    let cases = [
        (
            "fn k(x) { let s = x.sum_axis(Axis(2)); }",
            "`Axis(2)` is out of bounds for a 2-D array",
        ),
        (
            "fn k(x) { let s = x.sum_axis(1); }",
            "the axis must be written `Axis(k)` with a literal `k`",
        ),
        (
            "fn k(x) { let s = x.insert_axis(Axis(3)); }",
            "`insert_axis(Axis(3))` of a 2-D array",
        ),
        (
            "fn k(x) { let s = x.mean_axis(Axis(0)); }",
            "write `x.mean_axis(Axis(k)).unwrap()`",
        ),
        (
            "fn k(x) { let s = x.mean_axis(Axis(2)).unwrap(); }",
            "`Axis(2)` is out of bounds for a 2-D array",
        ),
        (
            "fn k(x: ArrayView2<i64>) { let s = x.mean_axis(Axis(0)).unwrap(); }",
            "`mean_axis` of an array of `i64` is not supported",
        ),
    ];
    let ints = m.mapv(|v| v as i64);
    for (src, want) in cases {
        let k = rumba::Kernel::from_source(src, "k");
        let arg = match src.contains("i64") {
            true => (&ints).into_arg(),
            false => (&m).into_arg(),
        };
        let e = k.call(&[arg]).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}

#[test]
fn broadcasts_in_prange_bodies() {
    // Each iteration updates its own row with a broadcast column of another array, and sums a
    // broadcast product along an axis: accepted, as the serial loop.
    let k = rumba::Kernel::from_source(
        "fn k(mut y: ArrayViewMut2<f64>, row: ArrayView1<f64>, c: ArrayView2<f64>) {
             for i in prange(0..y.nrows()) {
                 let mut r = y.row_mut(i);
                 r += &row;
                 let p = (&c * &row).sum_axis(Axis(0));
                 r -= &p;
             }
         }",
        "k",
    );
    let y0 = grid(6, 5, 1);
    let (row, c) = (line(5, 2), grid(3, 1, 3));
    let mut y = y0.clone();
    k.call(&[
        (&mut y).into_arg(),
        row.view().into_arg(),
        c.view().into_arg(),
    ])
    .unwrap();
    let mut want = y0.clone();
    for i in 0..want.nrows() {
        let mut r = want.row_mut(i);
        r += &row;
        let p = (&c * &row).sum_axis(Axis(0));
        r -= &p;
    }
    assert_eq!(bits(&y), bits(&want));
}

/// A contiguous row stretched over a matrix keeps its stride opaque to LLVM, which versions the
/// loop on it and loads whole vectors (no gathers) where it is 1; the version for a row of one
/// element (stride 0) gives the same bits as ndarray.
#[test]
fn contiguous_rows_load_as_vectors() {
    let m = grid(64, 40, 6);
    let row = line(40, 7);
    let args = [m.view().into_arg(), row.view().into_arg()];
    let ir = center::kernel().llvm_ir(&args).unwrap();
    assert!(!ir.contains("masked.gather"), "{ir}");
    let got: Array2<f64> = center(m.view(), row.view()).unwrap();
    assert_eq!(bits(&got), bits(&rs::center(bb(m.view()), bb(row.view()))));
    let one = line(1, 8);
    let got: Array2<f64> = center(m.view(), one.view()).unwrap();
    assert_eq!(bits(&got), bits(&rs::center(bb(m.view()), bb(one.view()))));
}
