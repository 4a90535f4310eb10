//! Arrays and tuples as values (issue 14): kernels that allocate, copy, view, return arrays and
//! tuples, against the same code in plain Rust with ndarray.

use ndarray::{array, Array1, Array2};
use rumba::IntoArg;

rumba::compile! {
    fn scaled(x: ArrayView1<f64>, k: f64) -> Array1<f64> {
        let mut y = Array1::zeros(x.len());
        for i in 0..x.len() {
            y[i] = x[i] * k;
        }
        y
    }

    fn normalize(x) {
        let mut y = x.to_owned();
        let mut s = 0.0;
        for i in 0..y.len() {
            s += y[i];
        }
        for i in 0..y.len() {
            y[i] /= s;
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

    fn outer(a, b) {
        let mut m = Array2::<f32>::zeros((a.len(), b.len()));
        for i in 0..a.len() {
            for j in 0..b.len() {
                m[[i, j]] = a[i] * b[j];
            }
        }
        let total = sum2(&m);
        (m, total)
    }

    fn sum2(m: ArrayView2<f32>) -> f32 {
        let mut s = 0.0f32;
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                s += m[[i, j]];
            }
        }
        s
    }

    fn scratch(x: &[f64], out: &mut [f64]) {
        for i in prange(0..out.len()) {
            let mut row = vec![0.0; 4];
            for k in 0..4 {
                row[k] = x[i] + k as f64;
            }
            let (lo, _) = smallest(&row);
            out[i] = lo;
        }
    }

    fn smallest(r: &[f64]) -> (f64, usize) {
        let mut lo = r[0];
        let mut at = 0usize;
        for k in 1..r.len() {
            if r[k] < lo {
                lo = r[k];
                at = k;
            }
        }
        (lo, at)
    }

    fn huge(n: usize) -> f64 {
        let t = Array1::<f64>::zeros(n);
        t[0]
    }
}

#[test]
fn constructs_values_returns_a_new_array() {
    let x = array![1.0, 2.0, 3.5];
    let y: Array1<f64> = scaled(&x, 2.0).unwrap();
    assert_eq!(y, &x * 2.0);
    let n: Array1<f64> = normalize(&x).unwrap();
    assert_eq!(n, &x / x.sum());
    // Large enough (8 MiB) to be advised onto huge pages, and dropped by ndarray as a `Vec`.
    let big = Array1::from_iter((0..1usize << 20).map(|i| i as f64));
    let y: Array1<f64> = scaled(&big, 0.5).unwrap();
    assert_eq!(y, &big * 0.5);
    let n: Array1<f64> = normalize(&big).unwrap();
    assert_eq!(n, &big / big.sum());
}

#[test]
fn constructs_values_returns_tuples() {
    let x = [3.0, -1.0, 2.0, -1.0];
    let (lo, at): (f64, usize) = minmax(&x[..]).unwrap();
    assert_eq!((lo, at), (-1.0, 1));
    let a = array![1.0f32, 2.0];
    let b = array![3.0f32, 4.0, 5.0];
    let (m, total): (Array2<f32>, f32) = outer(&a, &b).unwrap();
    let want = Array2::from_shape_fn((2, 3), |(i, j)| a[i] * b[j]);
    assert_eq!(m, want);
    assert_eq!(total, want.iter().fold(0.0f32, |s, v| s + v));
}

#[test]
fn constructs_values_scratch_rows_in_prange() {
    let x: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
    let mut out = vec![0.0; 1000];
    scratch(&x[..], &mut out[..]).unwrap();
    assert_eq!(out, x);
}

#[test]
fn constructs_values_allocation_failure_is_an_err() {
    let e = huge(1usize << 62).unwrap_err();
    assert!(e.to_string().contains("elements"), "{e}");
    assert_eq!(huge(3).unwrap(), 0.0);
}

rumba::compile! {
    fn fails_late(x: &[f64], i: usize) -> f64 {
        let t = x.to_owned();
        let u = Array1::<f64>::zeros(5);
        t[i] + u[0]
    }

    fn early(n: usize) -> f64 {
        let mut acc = 0.0;
        for i in 0..n {
            let t = Array1::<f64>::ones(8);
            if i == 3 {
                return t[0] + acc;
            }
            if i == 100 {
                break;
            }
            acc += t[i % 8];
        }
        acc
    }

    fn par_fail(x: &[f64], out: &mut [f64]) {
        for i in prange(0..out.len()) {
            let r = vec![x[i]; 16];
            out[i] = r[i % 17];
        }
    }

    fn pair_of_arrays(n: usize) -> (Array1<f64>, Array2<i32>) {
        let a = Array1::from_elem(n, 1.5);
        let b = Array2::<i32>::ones((n, 2));
        (a, b)
    }

    fn consume(n: usize) -> f64 {
        let t = Array1::from_elem(n, 2.0);
        let u = take(t);
        u
    }

    fn take(t: Array1<f64>) -> f64 {
        t[0]
    }

    /// Tuples passed to helpers: a pair of scalars, a nested pair, and a pair that owns an array
    /// (moved in, dropped by the callee).
    fn spread(x: ArrayView1<f64>) -> f64 {
        let b = bounds(x);
        let w = width(b);
        let t = (x.to_owned(), (w, b.0));
        scaled_sum(t)
    }

    fn bounds(x: ArrayView1<f64>) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for i in 0..x.len() {
            lo = lo.min(x[i]);
            hi = hi.max(x[i]);
        }
        (lo, hi)
    }

    fn width(b: (f64, f64)) -> f64 {
        b.1 - b.0
    }

    fn scaled_sum(t: (Array1<f64>, (f64, f64))) -> f64 {
        let (a, (w, lo)) = t;
        let mut s = 0.0;
        for i in 0..a.len() {
            s += (a[i] - lo) / w;
        }
        s
    }
}

#[test]
fn constructs_values_tuples_passed_to_helpers() {
    let x = array![3.0, -1.0, 4.0, 1.5, -5.0, 9.0, 2.5];
    let (lo, hi) = (-5.0f64, 9.0f64);
    let want: f64 = x.iter().fold(0.0, |s, v| s + (v - lo) / (hi - lo));
    assert_eq!(spread(x.view()).unwrap().to_bits(), want.to_bits());
    // A tuple holding a view stays with its caller.
    let k = rumba::Kernel::from_source(
        "fn k(x) { let t = (x.view(), 2.0); f(t) } fn f(t) { t.1 }",
        "k",
    );
    let e = k.call(&[rumba::IntoArg::into_arg(&x)]).unwrap_err();
    assert!(
        format!("{e:#}").contains("a tuple holding a view is not passed to functions"),
        "{e:#}"
    );
}

/// The leak check proper: run by [`constructs_values_no_leaks`] in a process of its own, where
/// the counting allocator sees nothing but these calls.
#[test]
#[ignore = "run by constructs_values_no_leaks, in a process of its own"]
fn constructs_values_leak_check() {
    let x: Vec<f64> = (0..4096).map(|i| i as f64).collect();
    let mut out = vec![0.0; 4096];
    let small = [1.0, 2.0];
    let mut small_out = [0.0; 2];
    let mut run = || {
        assert!(scaled(&x[..], 2.0).map(|y: Array1<f64>| y.len()).unwrap() == 4096);
        assert!(fails_late(&x[..], 5000).is_err());
        assert_eq!(fails_late(&x[..], 2).unwrap(), 2.0);
        assert_eq!(early(10).unwrap(), 4.0);
        assert_eq!(early(2).unwrap(), 2.0);
        assert!(par_fail(&x[..], &mut out[..]).is_err());
        assert!(par_fail(&small[..], &mut small_out[..]).is_ok());
        let (a, b): (Array1<f64>, Array2<i32>) = pair_of_arrays(100).unwrap();
        assert_eq!((a.len(), b.len()), (100, 200));
        let _ignored = pair_of_arrays(3).unwrap();
        assert_eq!(consume(7).unwrap(), 2.0);
        assert!(spread(&x[..]).is_ok());
        assert!(huge(1 << 62).is_err());
        assert!(huge(1 << 40).is_err());
    };
    // The first round compiles and fills the caches (and starts the thread pool).
    run();
    run();
    let before = crate::live_bytes();
    for _ in 0..5 {
        run();
    }
    let after = crate::live_bytes();
    assert_eq!(after - before, 0, "bytes leaked over five rounds of calls");
}

#[test]
fn constructs_values_no_leaks() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "constructs_values::constructs_values_leak_check",
            "--ignored",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

rumba::compile! {
    fn inner_sum(x: &[f64]) -> f64 {
        let v = x.slice(s![1..-1]);
        let mut s = 0.0;
        for i in 0..v.len() {
            s += v[i];
        }
        s
    }

    fn stepped(x: ArrayView1<i64>) -> (i64, i64, usize) {
        let even = x.slice(s![..;2]);
        let back = x.slice(s![1..6;-2]);
        let mut a = 0;
        for i in 0..even.len() {
            a = a * 10 + even[i];
        }
        let mut b = 0;
        for i in 0..back.len() {
            b = b * 10 + back[i];
        }
        (a, b, back.len())
    }

    fn rows_and_columns(m: ArrayView2<f64>, i: usize, j: usize) -> (f64, f64, f64) {
        let r = m.row(i);
        let c = m.column(j);
        let t = m.t();
        let mut sr = 0.0;
        for k in 0..r.len() {
            sr += r[k];
        }
        let mut sc = 0.0;
        for k in 0..c.len() {
            sc += c[k];
        }
        (sr, sc, t[[j, i]])
    }

    fn fill_border(m: &mut Array2<f64>, v: f64) {
        let n = m.nrows();
        let mut top = m.slice_mut(s![0, ..]);
        for k in 0..top.len() {
            top[k] = v;
        }
        let mut inner = m.slice_mut(s![1..n - 1, 1..-1]);
        for a in 0..inner.nrows() {
            for b in 0..inner.ncols() {
                inner[[a, b]] = (a * 10 + b) as f64;
            }
        }
    }

    fn par_rows(m: &mut Array2<f64>) {
        for i in prange(0..m.nrows()) {
            let mut r = m.row_mut(i);
            for j in 0..r.len() {
                r[j] = (i * 100 + j) as f64;
            }
        }
    }

    fn par_race(m: &mut Array2<f64>) {
        for i in prange(0..m.nrows()) {
            let mut r = m.row_mut(0);
            r[0] = i as f64;
        }
    }

    fn bad_slice(x: &[f64], a: usize) -> usize {
        let v = x.slice(s![a..]);
        v.len()
    }
}

#[test]
#[allow(clippy::reversed_empty_ranges)] // ndarray's `s![1..-1]` counts from the end
fn constructs_values_slices() {
    let x = array![1.0, 2.0, 4.0, 8.0, 16.0];
    assert_eq!(inner_sum(&x).unwrap(), x.slice(ndarray::s![1..-1]).sum());
    let y = ndarray::Array1::from_iter(1i64..=7);
    let even = y.slice(ndarray::s![..;2]);
    let back = y.slice(ndarray::s![1..6;-2]);
    let fold = |v: ndarray::ArrayView1<i64>| v.iter().fold(0, |a, &b| a * 10 + b);
    let got: (i64, i64, usize) = stepped(&y).unwrap();
    assert_eq!(got, (fold(even), fold(back), back.len()));
    let m = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let got: (f64, f64, f64) = rows_and_columns(&m, 1, 2).unwrap();
    assert_eq!(got, (m.row(1).sum(), m.column(2).sum(), m.t()[[2, 1]]));
}

#[test]
#[allow(clippy::reversed_empty_ranges)] // ndarray's `s![1..-1]` counts from the end
fn constructs_values_slices_written_through() {
    let mut m = Array2::<f64>::zeros((4, 5));
    fill_border(&mut m, 9.0).unwrap();
    let mut want = Array2::<f64>::zeros((4, 5));
    want.slice_mut(ndarray::s![0, ..]).fill(9.0);
    let mut inner = want.slice_mut(ndarray::s![1..3, 1..-1]);
    for a in 0..inner.nrows() {
        for b in 0..inner.ncols() {
            inner[[a, b]] = (a * 10 + b) as f64;
        }
    }
    assert_eq!(m, want);
    let mut p = Array2::<f64>::zeros((64, 8));
    par_rows(&mut p).unwrap();
    assert_eq!(
        p,
        Array2::from_shape_fn((64, 8), |(i, j)| (i * 100 + j) as f64)
    );
    let e = par_race(&mut p).unwrap_err();
    assert!(e.to_string().contains("data race"), "{e}");
}

#[test]
fn constructs_values_slice_out_of_bounds_is_an_err() {
    let x = [1.0, 2.0, 3.0];
    assert_eq!(bad_slice(&x[..], 3).unwrap(), 0);
    let e = bad_slice(&x[..], 4).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            rumba::ErrorKind::OutOfBounds {
                index: 4,
                len: 3,
                ..
            }
        ),
        "{e:#}"
    );
}

rumba::compile! {
    fn window_max(x: &[f64]) -> (Array1<f64>, f64) {
        let n = x.len();
        let mut out = Array1::zeros(n);
        let mut best = f64::NEG_INFINITY;
        for i in 0..n {
            let mut w = [0.0; 3];
            for k in 0..3 {
                w[k] = if i + k < n { x[i + k] } else { 0.0 };
            }
            out[i] = w[0].max(w[1]).max(w[2]);
            best = best.max(out[i]);
        }
        (out, best)
    }
}

#[test]
fn constructs_values_fixed_size_arrays_and_a_returned_pair() {
    let x = [3.0, -1.0, 7.0, 2.0, 0.5];
    let (out, best): (Array1<f64>, f64) = window_max(&x[..]).unwrap();
    let want: Vec<f64> = (0..x.len())
        .map(|i| {
            let w: [f64; 3] = std::array::from_fn(|k| if i + k < x.len() { x[i + k] } else { 0.0 });
            w[0].max(w[1]).max(w[2])
        })
        .collect();
    assert_eq!(out.to_vec(), want);
    assert_eq!(best, 7.0);
}

#[test]
fn constructs_values_returned_arrays_compare_by_contents() {
    let x = array![1.0, 2.0];
    let scaled = |k: f64| scaled::kernel().call(&[x.view().into_arg(), k.into_arg()]);
    let (a, b, c) = (
        scaled(2.0).unwrap(),
        scaled(2.0).unwrap(),
        scaled(3.0).unwrap(),
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}

rumba::compile! {
    /// Column means by adding rows: `for row in x.rows()`.
    fn column_means(x: ArrayView2<f64>) -> Array1<f64> {
        let mut c = Array1::zeros(x.ncols());
        for row in x.rows() {
            c += &row;
        }
        c / x.nrows() as f64
    }

    /// Each row divided by its sum, in place on a copy: `for mut row in out.rows_mut()`;
    /// column maxima through `axis_iter(Axis(1))` with `enumerate`.
    fn row_shares(x: ArrayView2<f64>) -> (Array2<f64>, Array1<f64>) {
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            let s = row.sum();
            row /= s;
        }
        let mut top = Array1::zeros(x.ncols());
        for (j, col) in x.axis_iter(Axis(1)).enumerate() {
            top[j] = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        }
        (out, top)
    }

    /// Subviews of a 3-D array along its middle axis, read and written; `index_axis` by hand.
    fn planes(mut t: ArrayViewMut3<f64>) -> (f64, Array2<f64>) {
        for (k, mut plane) in t.axis_iter_mut(Axis(1)).enumerate() {
            plane *= k as f64 + 1.0;
        }
        let last = t.index_axis(Axis(2), t.len_of(Axis(2)) - 1).to_owned();
        let mut s = 0.0;
        for plane in t.axis_iter(Axis(0)) {
            s += plane.sum();
        }
        (s, last)
    }
}

twin! { mod rs_acc;
    /// Prefix sums and products along an axis, as ndarray accumulates them.
    pub fn prefix(mut a: ArrayViewMut3<f64>, mut v: ArrayViewMut1<i64>) {
        a.accumulate_axis_inplace(Axis(1), |&prev, curr| *curr += prev);
        a.accumulate_axis_inplace(Axis(2), |&p, c| *c = 0.5 * *c + p);
        v.accumulate_axis_inplace(Axis(0), |&p, c| {
            *c = c.wrapping_mul(p);
        });
    }
}

#[test]
fn constructs_values_accumulate_axis_inplace() {
    use ndarray::{s, Array3};
    let t = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| {
        ((i * 20 + j * 5 + k) as f64 * 0.37).sin()
    });
    let v0 = ndarray::Array1::from_shape_fn(9, |i| i as i64 * 3 - 7);
    for layout in 0..3 {
        let (mut a, mut b) = (t.clone(), t.clone());
        let (mut v, mut w) = (v0.clone(), v0.clone());
        let (va, vb) = match layout {
            0 => (a.view_mut(), b.view_mut()),
            1 => (
                a.slice_mut(s![.., ..;-1, ..]),
                b.slice_mut(s![.., ..;-1, ..]),
            ),
            _ => (a.view_mut().reversed_axes(), b.view_mut().reversed_axes()),
        };
        prefix(va, v.view_mut()).unwrap();
        rs_acc::prefix(vb, w.view_mut());
        assert_eq!(
            a.mapv(f64::to_bits),
            b.mapv(f64::to_bits),
            "layout {layout}"
        );
        assert_eq!(v, w);
    }
}

#[test]
fn constructs_values_subviews_along_any_axis() {
    use ndarray::{Array3, Axis};
    let t0 = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as f64 * 0.25);
    let mut t = t0.clone();
    let (s, last) = planes(t.view_mut()).unwrap();
    let mut want = t0.clone();
    for (k, mut plane) in want.axis_iter_mut(Axis(1)).enumerate() {
        plane *= k as f64 + 1.0;
    }
    assert_eq!(t, want);
    assert_eq!(last, want.index_axis(Axis(2), 3));
    let ws: f64 = want.axis_iter(Axis(0)).map(|p| p.sum()).sum();
    assert_eq!(s.to_bits(), ws.to_bits());
    // An index past the axis: the call's `Err` (ndarray panics).
    let mut e = Array3::<f64>::zeros((2, 3, 0));
    assert!(planes(e.view_mut()).is_err());
}

#[test]
fn constructs_values_lanes_loops() {
    use ndarray::Axis;
    let x = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f64 * 0.7 + 0.1);
    let got: Array1<f64> = column_means(&x).unwrap();
    let mut want = Array1::<f64>::zeros(3);
    for row in x.rows() {
        want += &row;
    }
    assert_eq!(got, want / 5.0);
    let (shares, top): (Array2<f64>, Array1<f64>) = row_shares(&x).unwrap();
    let mut want = x.to_owned();
    for mut row in want.rows_mut() {
        let s = row.sum();
        row /= s;
    }
    assert_eq!(shares, want);
    let mut want_top = Array1::<f64>::zeros(3);
    for (j, col) in x.axis_iter(Axis(1)).enumerate() {
        want_top[j] = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }
    assert_eq!(top, want_top);
    // The transposed layout walks the same rows.
    let (shares, _): (Array2<f64>, Array1<f64>) = row_shares(x.t().t()).unwrap();
    assert_eq!(shares, want);
}

#[test]
fn constructs_values_unsupported_collections_name_the_alternative() {
    let x = array![1.0, 2.0, 3.0];
    let cases = [
        (
            "fn k(x) { let mut v = vec![0.0; 2]; v.insert(0, 1.0); v[0] }",
            "make the array with its final length",
        ),
        (
            "fn k(x) { let mut v = x.view(); v.push(1.0); v[0] }",
            "push onto a local vector",
        ),
        (
            "fn k(x) { let y = x.select(Axis(0), &[0, 2]); y[0] }",
            "index with an index array in a loop",
        ),
        (
            "fn k(x) { let y = x.clone(); y[0] }",
            "copy an array with `x.to_owned()`",
        ),
        (
            "fn k(x) { let mut s = 0.0; for w in x.exact_chunks(2) { s += w[0]; } s }",
            "iterate with `x.iter()`",
        ),
    ];
    for (src, want) in cases {
        let k = rumba::Kernel::from_source(src, "k");
        let e = k.call(&[rumba::IntoArg::into_arg(&x)]).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}

twin! { mod rs_fill;
    /// Arrays of zeros that a loop nest right after fills (`passes/uninit.rs` leaves them
    /// unzeroed) and ones it does not fill (they stay zeroed): `case` picks one.
    pub fn fill(x: ArrayView1<f64>, case: usize) -> Array1<f64> {
        let n = x.len();
        if case == 0 {
            // Filled: extents read through an operator, a `let` between.
            let mut y = Array1::zeros(n - 1);
            let k = 0.5;
            for i in 0..n - 1 {
                y[i] = (x[i + 1] - x[i]) * k;
            }
            return y;
        }
        if case == 1 {
            return Array1::from_shape_fn(n, |i| x[i] * 2.0 + i as f64);
        }
        let mut y = Array1::zeros(n);
        if case == 2 {
            // Not from zero: y[0] stays 0.
            let mut y = Array1::zeros(n);
            for i in 1..n {
                y[i] = x[i];
            }
            return y;
        }
        if case == 3 {
            // An iteration ends early: y[i] stays 0 where x[i] < 0.
            let mut y = Array1::zeros(n);
            for i in 0..n {
                if x[i] < 0.0 {
                    continue;
                }
                y[i] = x[i];
            }
            return y;
        }
        if case == 4 {
            // The store is conditional.
            let mut y = Array1::zeros(n);
            for i in 0..n {
                if x[i] > 0.0 {
                    y[i] = x[i];
                }
            }
            return y;
        }
        if case == 5 {
            // y is read in the nest.
            let mut y = Array1::zeros(n);
            for i in 0..n {
                y[i] = if i > 0 { y[i - 1] + x[i] } else { x[i] };
            }
            return y;
        }
        if case == 6 {
            // A `break`.
            let mut y = Array1::zeros(n);
            for i in 0..n {
                if x[i] < -0.5 {
                    break;
                }
                y[i] = x[i];
            }
            return y;
        }
        // The loop stops short.
        for i in 0..n / 2 {
            y[i] = x[i];
        }
        y
    }

    /// A 2-D array filled by a nest with work at each level; `fill2_skip`'s inner loop ends
    /// early on the diagonal (those elements stay 0).
    pub fn fill2(x: ArrayView1<f64>) -> Array2<f64> {
        let (n, m) = (x.len(), x.len() + 1);
        let mut d = Array2::zeros((n, m));
        for i in 0..n {
            let xi = x[i];
            for j in 0..m {
                d[[i, j]] = xi * j as f64;
            }
        }
        d
    }

    pub fn fill2_skip(x: ArrayView1<f64>) -> Array2<f64> {
        let (n, m) = (x.len(), x.len() + 1);
        let mut d = Array2::zeros((n, m));
        for i in 0..n {
            for j in 0..m {
                if i == j {
                    continue;
                }
                d[[i, j]] = x[i] * j as f64;
            }
        }
        d
    }

    /// An array of twos, the size the cases ask for: leaves dirty memory behind for the next.
    pub fn twos(n: usize, m: usize) -> (Array1<f64>, Array2<f64>) {
        (Array1::from_elem(n, 2.0), Array2::from_elem((n, m), 2.0))
    }
}

/// Only nests that write every element leave their array unzeroed: each case matches ndarray's
/// values after a call that leaves dirty memory of the same size behind (an unwritten element
/// of an unzeroed array would show it), and the typed IR says which allocations are `uninit`.
#[test]
fn constructs_values_arrays_filled_by_a_nest_are_not_zeroed_first() {
    let x = Array1::from_shape_fn(37, |i| ((i * 7) % 11) as f64 - 4.5);
    for case in 0..8 {
        let n = if case == 0 { x.len() - 1 } else { x.len() };
        drop(twos(n, n + 1).unwrap());
        let got = fill(x.view(), case).unwrap();
        assert_eq!(got, rs_fill::fill(x.view(), case), "case {case}");
    }
    drop(twos(x.len(), x.len() + 1).unwrap());
    assert_eq!(fill2(x.view()).unwrap(), rs_fill::fill2(x.view()));
    drop(twos(x.len(), x.len() + 1).unwrap());
    assert_eq!(fill2_skip(x.view()).unwrap(), rs_fill::fill2_skip(x.view()));
    let ir = fill::kernel()
        .typed_ir(&[x.view().into_arg(), 0usize.into_arg()])
        .unwrap();
    // Cases 0 and 1 (the fills and `from_shape_fn`), not the six others.
    assert_eq!(ir.matches(", uninit);").count(), 2, "{ir}");
    assert_eq!(ir.matches(", zeros);").count(), 6, "{ir}");
    let ir = fill2::kernel().typed_ir(&[x.view().into_arg()]).unwrap();
    assert!(ir.contains(", uninit);"), "{ir}");
    let ir = fill2_skip::kernel()
        .typed_ir(&[x.view().into_arg()])
        .unwrap();
    assert!(ir.contains(", zeros);"), "{ir}");
}
