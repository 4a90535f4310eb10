//! Arithmetic on whole arrays with ndarray's operators (`&x + &y`, `2.0 * &x`, `-&x`, `y += &x`),
//! fused into one walk per expression, against the same code in plain Rust with ndarray 0.17,
//! bit for bit (the element operations are the same, in the same order); shape mismatches as
//! errors; the typed IR of a fused chain (one loop, no temporary arrays).

use ndarray::prelude::*;
use ndarray::s;
use rumba::{ErrorKind, IntoArg};
use std::hint::black_box as bb;

twin! {
    /// The chain: `2x² + 3xy − y/(1+x²)`.
    pub fn chain(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
        let z = 2.0 * &x * &x + 3.0 * &x * &y - &y / (1.0 + &x * &x);
        z
    }

    /// SELU, the idiomatic `mapv` form, scaled by an array operator.
    pub fn selu(x: ArrayView1<f64>) -> Array1<f64> {
        let alpha = 1.6732632423543772;
        let lam = 1.0507009873554805;
        x.mapv(|v| if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam
    }

    /// A reduction of an expression, and a negation.
    pub fn sq_dist(x: ArrayView2<f32>, y: ArrayView2<f32>) -> f32 {
        let d = &x - &y;
        (&d * &d).sum() + (-&d).sum()
    }

    /// In place: `+=`, `*=` by a scalar, `-=` an expression; on a new array and on a view.
    pub fn update(mut y: ArrayViewMut2<f64>, x: ArrayView2<f64>) -> Array2<f64> {
        let mut t = x.to_owned();
        t += &y;
        t *= 0.5;
        y -= &(&x * 2.0);
        t
    }

    /// Integer arrays wrap as in release; a scalar computed once.
    pub fn ints(a: ArrayView1<i32>, b: ArrayView1<i32>, k: i32) -> Array1<i32> {
        let m = k * 3 + 1;
        (&a * m + &b) ^ &a
    }

    /// Views made in place as operands, and a result passed on.
    pub fn rows(m: ArrayView2<f64>) -> f64 {
        let r = &m.row(0) + &m.row(1) * 2.0;
        r.sum()
    }

    /// `Zip::map_collect` fused with the operators around it.
    pub fn zip_collect(a: ArrayView2<f64>, b: ArrayView2<f64>, c: ArrayView1<f64>) -> Array2<f64> {
        Zip::from(&a).and(&b).map_collect(|&a, &b| a * b + 1.0) * 2.0 - &c
    }

    pub fn zip3(a: ArrayView1<f32>, b: ArrayView1<f32>, c: ArrayView1<f32>) -> Array1<f32> {
        let z = Zip::from(&a).and(&b).and(&c).map_collect(|&x, &y, &w| {
            let t = x.mul_add(y, w);
            if t > 0.0 { t } else { -t * 0.5 }
        });
        z
    }

    // Kernels written as an ndarray user writes them (not as the README does), ported unchanged.
    pub fn softmax_rows(x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros(x.raw_dim());
        for i in 0..x.nrows() {
            let row = x.row(i);
            let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let e = row.mapv(|v| (v - m).exp());
            let s = e.sum();
            out.row_mut(i).assign(&(&e / s));
        }
        out
    }

    pub fn standardize(x: ArrayView1<f64>) -> Array1<f64> {
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.mapv(|v| (v - mean).powi(2)).sum() / n;
        (&x - mean) / var.sqrt()
    }

    pub fn cosine(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
        a.dot(&b) / (a.dot(&a).sqrt() * b.dot(&b).sqrt())
    }

    pub fn relu_layer(x: ArrayView2<f64>, w: ArrayView1<f64>) -> Array1<f64> {
        let h = x.dot(&w);
        h.mapv(|v| v.max(0.0))
    }

    pub fn square_plus_one(mut x: ArrayViewMut1<f64>) {
        x *= 2.0;
        x += 1.0;
        x.mapv_inplace(|v| v * v);
    }

    // Reductions fused with the arithmetic that makes their operand (no temporary array).
    pub fn sq_diff(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        (&x - &y).mapv(|d| d * d).sum()
    }

    pub fn dot_like(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f32 {
        (&a * &b).sum()
    }

    pub fn exp_sum(x: ArrayView1<f64>) -> f64 {
        x.mapv(f64::exp).sum()
    }

    pub fn scaled_product(x: ArrayView1<f64>) -> f64 {
        (&x * 0.01 + 1.0).product()
    }

    pub fn selu_sum(x: ArrayView1<f64>) -> f64 {
        let alpha = 1.6732632423543772;
        x.mapv(|v| {
            let e = alpha * (v.exp() - 1.0);
            if v > 0.0 { v } else { e }
        })
        .sum()
            * 2.0
    }

    pub fn int_dot(a: ArrayView1<i32>, b: ArrayView1<i32>) -> (i32, f64) {
        ((&a * &b).sum(), a.mapv(|v| v as f64 * 0.5).sum())
    }

    /// `c` of one element broadcast, or as long as `x`.
    pub fn spread(x: ArrayView1<f64>, c: ArrayView1<f64>) -> f64 {
        (&x - &c).mapv(f64::abs).sum()
    }

    pub fn column_share(x: ArrayView2<f64>) -> f64 {
        let c = x.column(1).to_owned();
        let total: f64 = x.iter().sum();
        (c * 3.0).sum() / total
    }
}

#[test]
fn ported_kernels_equal_ndarrays() {
    let x = Array2::from_shape_fn((5, 9), |(i, j)| ((i * 9 + j) % 7) as f64 * 0.7 - 2.0);
    let v = line(9, 3);
    let got: Array2<f64> = softmax_rows(x.view()).unwrap();
    assert_eq!(
        got.mapv(f64::to_bits),
        rs::softmax_rows(x.view()).mapv(f64::to_bits)
    );
    let got: Array2<f64> = softmax_rows(x.t()).unwrap();
    assert_eq!(
        got.mapv(f64::to_bits),
        rs::softmax_rows(x.t()).mapv(f64::to_bits)
    );
    let got: Array1<f64> = standardize(v.view()).unwrap();
    assert_eq!(
        got.mapv(f64::to_bits),
        rs::standardize(v.view()).mapv(f64::to_bits)
    );
    let w = line(9, 8);
    assert_eq!(
        cosine(v.view(), w.view()).unwrap().to_bits(),
        rs::cosine(v.view(), w.view()).to_bits()
    );
    let got: Array1<f64> = relu_layer(x.view(), v.view()).unwrap();
    assert_eq!(
        got.mapv(f64::to_bits),
        rs::relu_layer(x.view(), v.view()).mapv(f64::to_bits)
    );
    let (mut a, mut b) = (v.clone(), v.clone());
    square_plus_one(a.view_mut()).unwrap();
    rs::square_plus_one(b.view_mut());
    assert_eq!(a.mapv(f64::to_bits), b.mapv(f64::to_bits));
    assert_eq!(
        column_share(x.view()).unwrap().to_bits(),
        rs::column_share(x.view()).to_bits()
    );
}

fn line(n: usize, seed: usize) -> Array1<f64> {
    (0..n)
        .map(|i| (((i + seed) * 37) % 19) as f64 * 0.3 - 2.7 + 1e-9 * i as f64)
        .collect()
}

#[test]
fn fused_expressions_equal_ndarrays() {
    let (x, y) = (line(37, 1), line(37, 5));
    for (a, b) in [
        (x.view(), y.view()),
        (x.slice(s![..;-1]), y.slice(s![..;-1])),
        (x.slice(s![1..30;3]), y.slice(s![..20;2])),
        (x.slice(s![..0]), y.slice(s![..0])),
    ] {
        let got: Array1<f64> = chain(a, b).unwrap();
        let want = rs::chain(bb(a), bb(b));
        assert_eq!(got.mapv(f64::to_bits), want.mapv(f64::to_bits));
        let got: Array1<f64> = selu(a).unwrap();
        assert_eq!(got.mapv(f64::to_bits), rs::selu(bb(a)).mapv(f64::to_bits));
    }
    let g: Array2<f32> = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f32 * 0.37 - 3.0);
    let h: Array2<f32> = Array2::from_shape_fn((5, 7), |(i, j)| (j * 5 + i) as f32 * -0.21 + 1.0);
    let gt = g.t().to_owned();
    for (a, b) in [(g.view(), h.view()), (gt.t(), h.view())] {
        assert_eq!(
            sq_dist(a, b).unwrap().to_bits(),
            rs::sq_dist(bb(a), bb(b)).to_bits()
        );
    }
    let ia = array![1, -2, 3, i32::MAX, 5];
    let ib = array![7, 8, -9, 10, 11];
    let got: Array1<i32> = ints(ia.view(), ib.view(), 1000).unwrap();
    assert_eq!(got, rs::ints(ia.view(), ib.view(), 1000));
    let m = Array2::from_shape_fn((3, 9), |(i, j)| (i * 9 + j) as f64 * 0.1);
    assert_eq!(
        rows(m.view()).unwrap().to_bits(),
        rs::rows(m.view()).to_bits()
    );
}

#[test]
fn map_collect_is_fused() {
    let a = Array2::from_shape_fn((4, 6), |(i, j)| i as f64 * 0.3 - j as f64 * 0.7);
    let b = Array2::from_shape_fn((6, 4), |(i, j)| (i * j) as f64 * 0.11 - 1.0);
    let c = line(6, 2);
    for (x, y) in [(a.view(), b.t()), (a.slice(s![..;-1, ..]), b.t())] {
        let got: Array2<f64> = zip_collect(x, y, c.view()).unwrap();
        let want = rs::zip_collect(bb(x), bb(y), c.view());
        assert_eq!(got.mapv(f64::to_bits), want.mapv(f64::to_bits));
    }
    let v: Array1<f32> = (0..29).map(|i| i as f32 * 0.37 - 4.0).collect();
    let w: Array1<f32> = (0..29).map(|i| 3.0 - i as f32 * 0.21).collect();
    let got: Array1<f32> = zip3(v.view(), w.view(), v.slice(s![..;-1])).unwrap();
    let want = rs::zip3(v.view(), w.view(), v.slice(s![..;-1]));
    assert_eq!(got.mapv(f32::to_bits), want.mapv(f32::to_bits));
    // One array and one loop (its accesses in bounds by the shapes: no versioned copy).
    let ir = zip3::kernel()
        .typed_ir(&[
            v.view().into_arg(),
            w.view().into_arg(),
            w.view().into_arg(),
        ])
        .unwrap();
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    assert_eq!(ir.matches("for ").count(), 1, "{ir}");
    // `Zip` does not broadcast: shapes must be equal.
    let short = line(5, 0);
    let r: Result<Array2<f64>, _> = zip_collect(a.view(), b.t(), short.view());
    assert!(r.is_err());
    let r: Result<Array1<f32>, _> = zip3(v.view(), w.slice(s![..28]), v.view());
    let e = r.unwrap_err();
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    assert_eq!(
        message,
        "shape mismatch: `a` has extent 29 on axis 0 but `b` has 28"
    );
    let cw = w.slice(s![..28]).to_owned();
    assert!(std::panic::catch_unwind(|| rs::zip3(v.view(), cw.view(), v.view())).is_err());
}

#[test]
fn compound_assignments_update_in_place() {
    let x = Array2::from_shape_fn((4, 6), |(i, j)| i as f64 - j as f64 * 0.25);
    let mut y = Array2::from_shape_fn((4, 6), |(i, j)| (i * j) as f64 + 0.5);
    let mut y2 = y.clone();
    let got: Array2<f64> = update(y.view_mut(), x.view()).unwrap();
    let want = rs::update(y2.view_mut(), x.view());
    assert_eq!(got, want);
    assert_eq!(y, y2);
    // Through a transposed view too.
    let mut yt = y.t().to_owned();
    let mut yt2 = yt.clone();
    let xt = x.t().to_owned();
    let got: Array2<f64> = update(yt.view_mut().reversed_axes(), xt.t()).unwrap();
    let want = rs::update(yt2.view_mut().reversed_axes(), xt.t());
    assert_eq!(got, want);
    assert_eq!(yt, yt2);
}

#[test]
fn shape_mismatches_are_errors() {
    let (x, y) = (line(5, 0), line(6, 0));
    let r: Result<Array1<f64>, _> = chain(x.view(), y.view());
    let e = r.unwrap_err();
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    assert_eq!(message, "shapes [5] and [6] do not broadcast together");
    // ndarray panics there.
    assert!(std::panic::catch_unwind(|| rs::chain(x.view(), y.view())).is_err());
}

#[test]
fn unsupported_array_operators_are_errors() {
    let v = array![1.0, 2.0];
    let m = Array2::<f64>::zeros((2, 2));
    let mut w = v.clone();
    let cases: [(&str, &str, Vec<rumba::Arg<'_>>); 6] = [
        (
            "fn k(x, y) { let z = x.mapv(|v| { y[0] = v; v }); }",
            "a `mapv` closure cannot write arrays",
            vec![(&v).into_arg(), (&mut w).into_arg()],
        ),
        (
            "fn k(x) { let z = x.mapv(|v| (v, v)); }",
            "a `mapv` closure must return a number",
            vec![(&v).into_arg()],
        ),
        (
            "fn k(x) { let b = &x < &x; }",
            "`<` does not compare arrays element by element",
            vec![(&v).into_arg()],
        ),
        (
            "fn k(a, x) { let mut y = x.to_owned(); y += &a; }",
            "cannot stretch a 2-D array onto the 1-D `y`",
            vec![(&m).into_arg(), (&v).into_arg()],
        ),
        (
            "fn k(x) { let b = &x & &x; }",
            "no implementation for `f64 & f64` on arrays",
            vec![(&v).into_arg()],
        ),
        (
            "fn k(x: ArrayView1<f64>) { let mut y = x; y += &x; }",
            "cannot assign through `y`: it is a read-only array",
            vec![(&v).into_arg()],
        ),
    ];
    for (src, want, args) in cases {
        let k = rumba::Kernel::from_source(src, "k");
        let e = k.call(&args).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}

#[test]
fn a_chain_is_one_loop() {
    let x = line(8, 0);
    let k = chain::kernel();
    let ir = k
        .typed_ir(&[x.view().into_arg(), x.view().into_arg()])
        .unwrap();
    // One new array, and one loop whose body computes the whole chain per element (every
    // access in bounds by the shapes: no versioned copy).
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    assert_eq!(ir.matches("for ").count(), 1, "{ir}");
    assert!(ir.contains("each.o = ((((2.0_f64 * "), "{ir}");
    // `mapv` and the operator after it: one array, one loop.
    let ir = selu::kernel().typed_ir(&[x.view().into_arg()]).unwrap();
    assert_eq!(ir.matches("alloc<").count(), 1, "{ir}");
    assert_eq!(ir.matches("for ").count(), 1, "{ir}");
}

#[test]
fn fused_reductions_equal_ndarrays() {
    let (x, y) = (line(45, 1), line(45, 5));
    let mut views: Vec<(ArrayView1<f64>, ArrayView1<f64>)> = (0..20)
        .map(|n| (x.slice(s![..n]), y.slice(s![..n])))
        .collect();
    views.extend([
        (x.view(), y.view()),
        (x.slice(s![..;-1]), y.slice(s![..;-1])),
        (x.slice(s![1..40;3]), y.slice(s![..26;2])),
    ]);
    for (a, b) in views {
        let bits = |v: f64| v.to_bits();
        assert_eq!(
            bits(sq_diff(a, b).unwrap()),
            bits(rs::sq_diff(bb(a), bb(b))),
            "{a:?}"
        );
        assert_eq!(bits(exp_sum(a).unwrap()), bits(rs::exp_sum(bb(a))), "{a:?}");
        assert_eq!(
            bits(scaled_product(a).unwrap()),
            bits(rs::scaled_product(bb(a)))
        );
        assert_eq!(bits(selu_sum(a).unwrap()), bits(rs::selu_sum(bb(a))));
        assert_eq!(bits(spread(a, b).unwrap()), bits(rs::spread(bb(a), bb(b))));
        let one = b.slice(s![..1.min(b.len())]);
        if !one.is_empty() {
            assert_eq!(
                bits(spread(a, one).unwrap()),
                bits(rs::spread(bb(a), bb(one)))
            );
        }
        let (fa, fb) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        assert_eq!(
            dot_like(fa.view(), fb.view()).unwrap().to_bits(),
            rs::dot_like(bb(fa.view()), bb(fb.view())).to_bits()
        );
    }
    let ia = Array1::from_shape_fn(29, |i| (i as i32 - 9) * 70_000_001);
    let ib = Array1::from_shape_fn(29, |i| i as i32 * 3 + 1);
    let (s, h): (i32, f64) = int_dot(ia.view(), ib.view()).unwrap();
    let (ws, wh) = rs::int_dot(ia.view(), ib.view());
    assert_eq!((s, h.to_bits()), (ws, wh.to_bits()));
    let short = y.slice(s![..3]);
    let e = spread(x.view(), short).unwrap_err();
    assert!(format!("{e:#}").contains("broadcast"), "{e:#}");
}

#[test]
fn a_fused_reduction_is_one_loop() {
    let x = line(8, 0);
    let ir = sq_diff::kernel()
        .typed_ir(&[x.view().into_arg(), x.view().into_arg()])
        .unwrap();
    // No new array: eight partial sums over blocks of eight, then the tail (each loop has a
    // checked and an unchecked copy from versioning).
    assert_eq!(ir.matches("alloc<").count(), 0, "{ir}");
    assert_snapshot!("constructs_fuse", "fused_reduction", ir);
}
