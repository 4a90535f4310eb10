//! Loop fusion (`passes/fusion.rs`): consecutive loops over the same rows run as one, against
//! the same code in plain Rust, bit for bit; loops whose fusion would change what the program
//! sees stay apart (a later row read, an error that must come after a caller's array was
//! written); the typed IR of row softmax is one loop. The interpreter runs the IR before the
//! passes, so `RUMBA_DISABLE_JIT=1` checks the unfused program against the same oracle.

use ndarray::prelude::*;
use ndarray::s;
use rumba::IntoArg;
use std::hint::black_box as bb;

twin! {
    mod rs;
    /// Four whole-array steps over the rows of `x`: one pass.
    pub fn softmax(x: ArrayView2<f64>) -> Array2<f64> {
        let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
        let e = (&x - &m.insert_axis(Axis(1))).mapv(f64::exp);
        let s = e.sum_axis(Axis(1));
        e / &s.insert_axis(Axis(1))
    }

    /// Rows centred and scaled: a mean per row, then the deviations, then their squares.
    pub fn standardize(x: ArrayView2<f32>) -> (Array2<f32>, Array1<f32>) {
        let n = x.ncols() as f32;
        let mean = x.sum_axis(Axis(1)) / n;
        let d = &x - &mean.insert_axis(Axis(1));
        let var = (&d * &d).sum_axis(Axis(1)) / n;
        (d, var)
    }

    /// Hand-written loops over the same range: the second reads what the first wrote in the
    /// same row.
    pub fn two_loops(x: ArrayView1<f64>) -> Array1<f64> {
        let n = x.len();
        let mut a = Array1::zeros(n);
        let mut b = Array1::zeros(n);
        for i in 0..n {
            a[i] = x[i] * 2.0 + 1.0;
        }
        for i in 0..n {
            b[i] = a[i] * a[i] - x[i];
        }
        b
    }

    /// The second loop reads a row the first writes later: they must stay apart.
    pub fn reversed(x: ArrayView1<f64>) -> Array1<f64> {
        let n = x.len();
        let mut a = Array1::zeros(n);
        let mut b = Array1::zeros(n);
        for i in 0..n {
            a[i] = x[i] + 1.0;
        }
        for i in 0..n {
            b[i] = a[n - 1 - i] * 3.0;
        }
        b
    }

    /// A scalar the first loop leaves behind, read by the second: apart.
    pub fn carried(x: ArrayView1<f64>) -> (Array1<f64>, f64) {
        let n = x.len();
        let mut a = Array1::zeros(n);
        let mut total = 0.0;
        for i in 0..n {
            total += x[i];
            a[i] = total;
        }
        let mut b = Array1::zeros(n);
        for i in 0..n {
            b[i] = a[i] / total;
        }
        (b, total)
    }

    /// A caller's array written by the first loop, then a slice that can fail: the error
    /// comes after the writes, as Rust's panic does.
    pub fn fails_between(mut out: ArrayViewMut1<f64>, y: ArrayView1<f64>, k: usize) -> f64 {
        let n = out.len();
        for i in 0..n {
            out[i] = 1.0;
        }
        let v = y.slice(s![..k]);
        for i in 0..n {
            out[i] += 2.0;
        }
        v.sum()
    }

    /// Operators taking a new array by value write into its memory where the result has its
    /// shape (ndarray's rule), else into a new array: both give ndarray's values.
    pub fn by_value(x: ArrayView2<f64>, r: ArrayView1<f64>) -> (Array2<f64>, Array2<f64>, Array2<f64>) {
        let t = x.to_owned();
        let a = t * 2.0 - &r;
        let c = Array2::from_elem((1, x.ncols()), 0.5);
        let b = c + &x;
        let n = -(&x * 3.0);
        let d = 1.0 - n;
        (a, b, d)
    }

    fn cnd(d: f64) -> f64 {
        let k = 1.0 / (1.0 + 0.2316419 * d.abs());
        let w = 1.0 - (-d * d / 2.0).exp() * (0.31938153 * k - 0.356563782 * k * k);
        if d < 0.0 { 1.0 - w } else { w }
    }

    /// Black-Scholes as array expressions: parameters of one shape make one loop with no
    /// temporary (extent versioning, fusion, contraction); others broadcast as ndarray does.
    pub fn prices(s: ArrayView1<f64>, x: ArrayView1<f64>, t: ArrayView1<f64>, r: f64, v: f64) -> (Array1<f64>, Array1<f64>) {
        let sqrt_t = t.mapv(f64::sqrt);
        let d1 = ((&s / &x).mapv(f64::ln) + (r + 0.5 * v * v) * &t) / (v * &sqrt_t);
        let d2 = &d1 - &(v * &sqrt_t);
        let disc = (-r * &t).mapv(f64::exp);
        let call = &s * &d1.mapv(|d| cnd(d)) - &x * &disc * &d2.mapv(|d| cnd(d));
        let put = &x * &disc * &d2.mapv(|d| cnd(-d)) - &s * &d1.mapv(|d| cnd(-d));
        (call, put)
    }

    /// A chain into the caller's array: no temporary.
    pub fn chain_into(x: ArrayView2<f64>, y: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
        out.assign(&(2.0 * &x * &x + 3.0 * &x * &y - &y / (1.0 + &x * &x)));
    }

    /// Temporaries, one read after the loops (it keeps its memory), one read across rows.
    pub fn kept(x: ArrayView1<f64>, y: ArrayView1<f64>) -> (Array1<f64>, f64, f64) {
        let d = &x - &y;
        let e = d.mapv(|v| v * v + 1.0);
        let f = &e * 2.0;
        let g = &f + &x;
        let last = if g.len() > 0 { g[0] } else { 0.0 };
        (f, d.sum(), last)
    }

    /// A scratch array that starts as ones, written under a condition, read in the next loop:
    /// one loop, the array a scalar that starts each iteration as 1.0.
    pub fn masked(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
        let n = x.len();
        let mut t = Array1::from_elem(n, 1.0);
        for i in 0..n {
            if x[i] > 0.0 {
                t[i] = x[i];
            }
        }
        let mut out = Array1::zeros(n);
        for i in 0..n {
            out[i] = t[i] * y[i];
        }
        out
    }

    /// A temporary read at its neighbours: it keeps its memory.
    pub fn smooth(x: ArrayView1<f64>) -> Array1<f64> {
        let d = &x * 2.0;
        let n = d.len();
        let mut out = Array1::zeros(n);
        for i in 1..n.saturating_sub(1) {
            out[i] = (d[i - 1] + d[i] + d[i + 1]) / 3.0;
        }
        out
    }

    /// Logistic regression's prediction: `z` is a temporary in the input's layout.
    pub fn logistic(x: ArrayView1<f64>, w: f64, b: f64) -> Array1<f64> {
        let z = &x * w + b;
        z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
    }

    /// A helper that can fail (a checked index) in a chain: the error is the same.
    pub fn lookup(x: ArrayView1<f64>, table: ArrayView1<f64>) -> Array1<f64> {
        let a = x.mapv(|v| v * 2.0);
        let b = a.mapv(|v| table[v as usize]);
        &b + &x
    }

    /// Array steps inside a time loop: the blocks inside loops fuse too.
    pub fn relax(x: ArrayView2<f64>, steps: usize) -> Array2<f64> {
        let mut u = x.to_owned();
        for _ in 0..steps {
            let m = u.sum_axis(Axis(1)) / (u.ncols() as f64);
            u = (&u - &m.insert_axis(Axis(1))).mapv(|v| v * 0.5 + 0.25);
        }
        u
    }
}

fn grid(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i * cols + j + seed) * 37) % 23) as f64 * 0.41 - 4.0 + 1e-9 * j as f64
    })
}

fn bits2(a: &Array2<f64>) -> Array2<u64> {
    a.mapv(f64::to_bits)
}

#[test]
fn fused_rows_equal_ndarrays() {
    let x = grid(7, 13, 1);
    let wide = grid(3, 70, 2);
    let views = [
        x.view(),
        x.t(),
        x.slice(s![..;-1, 1..;2]),
        wide.view(),
        x.slice(s![..0, ..]),
        x.slice(s![.., ..0]),
        x.slice(s![2..3, 4..5]),
    ];
    for v in views {
        let got: Array2<f64> = softmax(v).unwrap();
        assert_eq!(bits2(&got), bits2(&rs::softmax(bb(v))), "{v:?}");
        let v32 = v.mapv(|a| a as f32);
        let (d, var): (Array2<f32>, Array1<f32>) = standardize(v32.view()).unwrap();
        let (wd, wvar) = rs::standardize(bb(v32.view()));
        assert_eq!(d.mapv(f32::to_bits), wd.mapv(f32::to_bits));
        assert_eq!(var.mapv(f32::to_bits), wvar.mapv(f32::to_bits));
        let got: Array2<f64> = relax(v, 3).unwrap();
        assert_eq!(bits2(&got), bits2(&rs::relax(bb(v), 3)), "{v:?}");
    }
}

#[test]
fn operators_on_new_arrays_equal_ndarrays() {
    for (rows, cols) in [(3, 5), (1, 5), (4, 1), (0, 3)] {
        let x = grid(rows, cols, 3);
        let r: Array1<f64> = (0..cols).map(|j| j as f64 * 0.25 - 0.5).collect();
        for v in [x.view(), x.slice(s![..;-1, ..])] {
            let (a, b, d): (Array2<f64>, Array2<f64>, Array2<f64>) = by_value(v, r.view()).unwrap();
            let (wa, wb, wd) = rs::by_value(bb(v), r.view());
            assert_eq!(bits2(&a), bits2(&wa));
            assert_eq!(bits2(&b), bits2(&wb));
            assert_eq!(bits2(&d), bits2(&wd));
        }
    }
}

#[test]
fn dependent_loops_keep_their_order() {
    let x: Array1<f64> = (0..41).map(|i| (i * 7 % 11) as f64 * 0.3 - 1.1).collect();
    for v in [x.view(), x.slice(s![..;-2]), x.slice(s![..0])] {
        let got: Array1<f64> = two_loops(v).unwrap();
        assert_eq!(
            got.mapv(f64::to_bits),
            rs::two_loops(bb(v)).mapv(f64::to_bits)
        );
        let got: Array1<f64> = reversed(v).unwrap();
        assert_eq!(
            got.mapv(f64::to_bits),
            rs::reversed(bb(v)).mapv(f64::to_bits)
        );
        let (b, t): (Array1<f64>, f64) = carried(v).unwrap();
        let (wb, wt) = rs::carried(bb(v));
        assert_eq!(b.mapv(f64::to_bits), wb.mapv(f64::to_bits));
        assert_eq!(t.to_bits(), wt.to_bits());
    }
}

#[test]
fn an_error_between_loops_comes_after_the_first() {
    let y = Array1::from_elem(4, 0.5);
    let mut out = Array1::<f64>::zeros(6);
    assert_eq!(fails_between(&mut out, y.view(), 3).unwrap(), 1.5);
    assert_eq!(out, Array1::from_elem(6, 3.0));
    let mut out = Array1::<f64>::zeros(6);
    let err = fails_between(&mut out, y.view(), 9).unwrap_err();
    assert!(err.to_string().contains("fails_between"), "{err}");
    // The first loop ran, the second did not.
    assert_eq!(out, Array1::from_elem(6, 1.0));
}

#[test]
fn row_softmax_is_one_loop() {
    if std::env::var("RUMBA_DISABLE_JIT").as_deref() == Ok("1") {
        // The interpreter runs the IR before the passes.
        return;
    }
    let x = grid(4, 4, 0);
    let ir = softmax::kernel().typed_ir(&[x.view().into_arg()]).unwrap();
    let top_level_loops = ir.lines().filter(|l| l.starts_with("    for ")).count();
    assert_eq!(top_level_loops, 1, "{ir}");
    let ir = two_loops::kernel()
        .typed_ir(&[x.row(0).into_arg()])
        .unwrap();
    let top_level_loops = ir.lines().filter(|l| l.starts_with("    for ")).count();
    assert_eq!(top_level_loops, 1, "{ir}");
    let ir = reversed::kernel().typed_ir(&[x.row(0).into_arg()]).unwrap();
    let top_level_loops = ir.lines().filter(|l| l.starts_with("    for ")).count();
    assert!(top_level_loops >= 2, "{ir}");
}

#[test]
fn array_expressions_equal_ndarrays_with_and_without_broadcasting() {
    let n = 37;
    let s: Array1<f64> = (0..n).map(|i| 5.0 + (i * 7 % 13) as f64 * 2.1).collect();
    let x: Array1<f64> = (0..n).map(|i| 1.0 + (i * 5 % 17) as f64 * 5.3).collect();
    let t: Array1<f64> = (0..n).map(|i| 0.25 + (i * 3 % 7) as f64 * 1.4).collect();
    let one = |a: &Array1<f64>| a.slice(s![..1]).to_owned();
    // One shape (the versioned copy), then each operand stretched from one element (the
    // function's own body), reversed views, and empty arrays.
    let cases = [
        (s.view(), x.view(), t.view()),
        (s.slice(s![..;-1]), x.view(), t.slice(s![..;-1])),
        (s.slice(s![..0]), x.slice(s![..0]), t.slice(s![..0])),
    ];
    let (s1, x1, t1) = (one(&s), one(&x), one(&t));
    let stretched = [
        (s1.view(), x.view(), t.view()),
        (s.view(), x1.view(), t.view()),
        (s.view(), x.view(), t1.view()),
    ];
    for (a, b, c) in cases.into_iter().chain(stretched) {
        let (call, put): (Array1<f64>, Array1<f64>) = prices(a, b, c, 0.02, 0.3).unwrap();
        let (wc, wp) = rs::prices(bb(a), b, c, 0.02, 0.3);
        assert_eq!(call.mapv(f64::to_bits), wc.mapv(f64::to_bits));
        assert_eq!(put.mapv(f64::to_bits), wp.mapv(f64::to_bits));
    }
    let short = s.slice(s![..5]);
    let err = prices(short, x.view(), t.view(), 0.02, 0.3).unwrap_err();
    assert!(err.to_string().contains("broadcast"), "{err}");

    let g = grid(5, 9, 4);
    let h = grid(5, 9, 7);
    for (a, b) in [
        (g.view(), h.view()),
        (g.t(), h.t()),
        (g.view(), h.slice(s![..1, ..])),
    ] {
        let mut out = Array2::<f64>::zeros(a.raw_dim());
        chain_into(a, b, &mut out).unwrap();
        let mut want = Array2::<f64>::zeros(a.raw_dim());
        rs::chain_into(bb(a), b, want.view_mut());
        assert_eq!(bits2(&out), bits2(&want));
    }
    // An expression with an axis of extent 1, stretched onto `out` by `assign`.
    let (row, col) = (h.slice(s![1..2, ..]), h.slice(s![.., 3..4]));
    for (a, b) in [(row, row), (col, col), (row, g.slice(s![..1, ..]))] {
        let mut out = Array2::<f64>::zeros(g.raw_dim());
        chain_into(a, b, &mut out).unwrap();
        let mut want = Array2::<f64>::zeros(g.raw_dim());
        rs::chain_into(bb(a), b, want.view_mut());
        assert_eq!(bits2(&out), bits2(&want));
    }
    for (a, b) in [
        (s.view(), x.view()),
        (s.view(), x1.view()),
        (s.slice(s![..0]), x.slice(s![..0])),
    ] {
        let (f, d, last): (Array1<f64>, f64, f64) = kept(a, b).unwrap();
        let (wf, wd, wl) = rs::kept(bb(a), b);
        assert_eq!(f.mapv(f64::to_bits), wf.mapv(f64::to_bits));
        assert_eq!((d.to_bits(), last.to_bits()), (wd.to_bits(), wl.to_bits()));
    }
    for a in [
        x.view(),
        x.slice(s![..;-3]),
        x.slice(s![..0]),
        x.slice(s![..1]),
    ] {
        let b = s.slice(s![..a.len()]);
        let got: Array1<f64> = masked(a, b).unwrap();
        assert_eq!(
            got.mapv(f64::to_bits),
            rs::masked(bb(a), b).mapv(f64::to_bits)
        );
        let got: Array1<f64> = smooth(a).unwrap();
        assert_eq!(got.mapv(f64::to_bits), rs::smooth(bb(a)).mapv(f64::to_bits));
        let got: Array1<f64> = logistic(a, 0.7, -0.2).unwrap();
        assert_eq!(
            got.mapv(f64::to_bits),
            rs::logistic(bb(a), 0.7, -0.2).mapv(f64::to_bits)
        );
    }
    let table: Array1<f64> = (0..20).map(|i| i as f64 * 0.5).collect();
    let ok: Array1<f64> = (0..8).map(|i| i as f64).collect();
    let got: Array1<f64> = lookup(ok.view(), table.view()).unwrap();
    assert_eq!(got, rs::lookup(ok.view(), table.view()));
    let far: Array1<f64> = (0..8).map(|i| i as f64 * 3.0).collect();
    let err = lookup(far.view(), table.view()).unwrap_err();
    assert!(err.to_string().contains("index out of bounds"), "{err}");
}

#[test]
fn black_scholes_expressions_are_one_loop_without_temporaries() {
    if std::env::var("RUMBA_DISABLE_JIT").as_deref() == Ok("1") {
        return;
    }
    let a = Array1::<f64>::ones(8);
    let ir = prices::kernel()
        .typed_ir(&[
            a.view().into_arg(),
            a.view().into_arg(),
            a.view().into_arg(),
            0.02.into_arg(),
            0.3.into_arg(),
        ])
        .unwrap();
    // The copy for one shape (first) has one loop and allocates only the two results.
    let (copy, _) = ir.split_once("\n    } else {").expect("a versioned body");
    assert!(
        copy.contains("if ((dim(s, 0) == dim(x, 0)) && (dim(s, 0) == dim(t, 0)))"),
        "{ir}"
    );
    assert_eq!(copy.matches(" in 0_usize..").count(), 1, "{ir}");
    assert_eq!(copy.matches("alloc<").count(), 2, "{ir}");
    let g = Array2::<f64>::ones((2, 3));
    let mut out = Array2::<f64>::zeros((2, 3));
    let ir = chain_into::kernel()
        .typed_ir(&[
            g.view().into_arg(),
            g.view().into_arg(),
            out.view_mut().into_arg(),
        ])
        .unwrap();
    // `assign` stretches its operand onto `out` (an axis of extent 1 repeats): the copy for
    // one shape has no temporary.
    let (copy, _) = ir.split_once("\n    } else {").expect("a versioned body");
    assert!(!copy.contains("alloc<"), "{ir}");
    // Strided input: the temporary (in its layout) is a scalar too; only the result is new.
    let ir = logistic::kernel()
        .typed_ir(&[a.slice(s![..;2]).into_arg(), 0.7.into_arg(), 0.1.into_arg()])
        .unwrap();
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    // The result's loop writes every element before any is read: its memory is not zeroed
    // first (as ndarray's `map`; zeroing was one more pass over it, 1.5x the time of a
    // `mapv` at 2^16-2^20 elements).
    assert!(ir.contains(", uninit);"), "{ir}");
    let ir = masked::kernel()
        .typed_ir(&[a.view().into_arg(), a.view().into_arg()])
        .unwrap();
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    assert!(ir.contains(".elem = 1.0_f64;"), "{ir}");
}
