//! The benchmark kernels (examples/kernels) against their plain-Rust twins (bench/rust/src/plain.rs),
//! on small inputs whose lengths are not multiples of any vector width: what bench.sh times must
//! compute the same thing. Kernels without `fastmath` must agree bit for bit (vectorized float
//! accumulations, such as pairwise's `e += 1.0 / r.sqrt()`, add their lanes in the scalar order);
//! `fastmath` kernels within a relative tolerance.

use crate::kernels;
#[path = "../bench/rust/src/plain.rs"]
pub(crate) mod plain;

use ndarray::{Array1, Array2, Array3};

/// Deterministic values in [lo, hi): the benchmarks' inputs need no randomness, only variety.
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((state >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn affine_new_and_into() {
    for n in [0, 1, 7, 1003] {
        let x = values(n, 3, -2.0, 2.0);
        let want = plain::affine_new(&x, 1.5, -0.5);
        let got: Array1<f64> = kernels::affine_new(&x[..], 1.5, -0.5).unwrap();
        assert_eq!(bits(&got.to_vec()), bits(&want), "affine_new, n = {n}");
        let (mut into, mut want_into) = (vec![0.0; n], vec![0.0; n]);
        plain::affine_into(&x, 1.5, -0.5, &mut want_into);
        kernels::affine_into(&x[..], 1.5, -0.5, &mut into[..]).unwrap();
        assert_eq!(bits(&into), bits(&want_into), "affine_into, n = {n}");
    }
}

#[test]
fn saxpy() {
    for n in [0, 1, 7, 1003] {
        let x: Vec<f32> = values(n, 1, -2.0, 2.0).iter().map(|&v| v as f32).collect();
        let y0: Vec<f32> = values(n, 2, -2.0, 2.0).iter().map(|&v| v as f32).collect();
        let mut want = y0.clone();
        plain::saxpy(1.5, &x, &mut want);
        let mut got = Array1::from(y0);
        kernels::saxpy(1.5f32, &Array1::from(x), &mut got).unwrap();
        assert_eq!(got.to_vec(), want, "n = {n}");
    }
}

#[test]
fn dot_pairwise_cumsum_are_bit_exact() {
    for n in [0, 1, 2, 5, 33, 1001] {
        let (x, y, z) = (
            values(n, 3, -1.0, 1.0),
            values(n, 4, -1.0, 1.0),
            values(n, 5, -1.0, 1.0),
        );
        let (ax, ay, az) = (
            Array1::from(x.clone()),
            Array1::from(y.clone()),
            Array1::from(z.clone()),
        );
        let d: f64 = kernels::dot(&ax, &ay).unwrap();
        assert_eq!(d.to_bits(), plain::dot(&x, &y).to_bits(), "dot, n = {n}");
        let e: f64 = kernels::pairwise(&ax, &ay, &az).unwrap();
        assert_eq!(
            e.to_bits(),
            plain::pairwise(&x, &y, &z).to_bits(),
            "pairwise, n = {n}"
        );
        let mut out = Array1::<f64>::zeros(n);
        kernels::cumsum(&ax, &mut out).unwrap();
        let mut want = vec![0.0; n];
        plain::cumsum(&x, &mut want);
        assert_eq!(
            bits(out.as_slice().unwrap()),
            bits(&want),
            "cumsum, n = {n}"
        );
        let fast: f64 = kernels::dot_fast(&ax, &ay).unwrap();
        assert!(close(fast, plain::dot(&x, &y)), "dot_fast, n = {n}: {fast}");
    }
}

#[test]
fn matmul_jacobi_mandelbrot() {
    let (n, k, m) = (37, 41, 53);
    let a = Array2::from_shape_vec((n, k), values(n * k, 6, -1.0, 1.0)).unwrap();
    let b = Array2::from_shape_vec((k, m), values(k * m, 7, -1.0, 1.0)).unwrap();
    let mut c = Array2::<f64>::zeros((n, m));
    let mut want = c.clone();
    kernels::matmul(&a, &b, &mut c).unwrap();
    plain::matmul(a.view(), b.view(), want.view_mut());
    assert_eq!(c, want, "matmul");
    kernels::matmul_dot(&a, &b, &mut c).unwrap();
    plain::matmul_dot(a.view(), b.view(), want.view_mut());
    assert_eq!(c, want, "matmul_dot");

    let a = Array2::from_shape_vec((33, 47), values(33 * 47, 8, 0.0, 1.0)).unwrap();
    let mut got = Array2::<f64>::zeros((33, 47));
    let mut want = got.clone();
    kernels::jacobi2d(&a, &mut got).unwrap();
    plain::jacobi2d(a.view(), want.view_mut());
    assert_eq!(got, want, "jacobi2d");

    let mut got = Array2::<i32>::zeros((48, 67));
    let mut want = got.clone();
    kernels::mandelbrot(&mut got, -2.0, 1.0, -1.5, 1.5, 100).unwrap();
    plain::mandelbrot(&mut want, -2.0, 1.0, -1.5, 1.5, 100);
    assert_eq!(got, want, "mandelbrot");
    kernels::mandelbrot_complex(&mut got, -2.0, 1.0, -1.5, 1.5, 100).unwrap();
    assert_eq!(got, want, "mandelbrot with Complex64");
    for max_iter in [0, 1, 100] {
        kernels::mandelbrot_numba(&mut got, -2.0, 1.0, -1.5, 1.5, max_iter).unwrap();
        plain::mandelbrot_numba(&mut want, -2.0, 1.0, -1.5, 1.5, max_iter);
        assert_eq!(
            got, want,
            "mandelbrot with Numba's helper, {max_iter} iterations"
        );
    }
}

#[test]
fn black_scholes_and_histogram() {
    let n = 1001;
    let (s, x, t) = (
        values(n, 9, 5.0, 30.0),
        values(n, 10, 1.0, 100.0),
        values(n, 11, 0.25, 10.0),
    );
    let (r, v) = (0.02, 0.30);
    let (mut call, mut put) = (vec![0.0; n], vec![0.0; n]);
    plain::black_scholes(&s, &x, &t, r, v, &mut call, &mut put);
    let (as_, ax, at) = (Array1::from(s), Array1::from(x), Array1::from(t));
    let (mut c1, mut p1) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
    kernels::black_scholes(&as_, &ax, &at, r, v, &mut c1, &mut p1).unwrap();
    assert_eq!(
        bits(c1.as_slice().unwrap()),
        bits(&call),
        "black_scholes call"
    );
    assert_eq!(
        bits(p1.as_slice().unwrap()),
        bits(&put),
        "black_scholes put"
    );
    let (mut c2, mut p2) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
    kernels::black_scholes_fast(&as_, &ax, &at, r, v, &mut c2, &mut p2).unwrap();
    for i in 0..n {
        assert!(
            close(c2[i], call[i]) && close(p2[i], put[i]),
            "black_scholes_fast at {i}"
        );
    }

    let data: Vec<u8> = values(100_003, 12, 0.0, 256.0)
        .iter()
        .map(|&v| v as u8)
        .collect();
    let mut want = vec![0i64; 256];
    plain::histogram(&data, &mut want);
    let mut bins = Array1::<i64>::zeros(256);
    kernels::histogram(&Array1::from(data), &mut bins).unwrap();
    assert_eq!(bins.to_vec(), want);
}

#[test]
fn ndarray_methods_match_ndarray() {
    for n in [0, 1, 7, 8, 9, 1003] {
        let x = Array1::from(values(n, 5, -1.0, 1.0));
        let y = Array1::from(values(n, 6, -1.0, 1.0));
        let s: f64 = kernels::sum_ndarray(&x).unwrap();
        assert_eq!(
            s.to_bits(),
            plain::sum_ndarray(x.view()).to_bits(),
            "n = {n}"
        );
        let d: f64 = kernels::dot_ndarray(&x, &y).unwrap();
        assert_eq!(
            d.to_bits(),
            plain::dot_ndarray(x.view(), y.view()).to_bits(),
            "n = {n}"
        );
    }
}

#[test]
fn fused_expressions_match_ndarray() {
    for n in [0, 1, 7, 8, 9, 1003] {
        let x = Array1::from(values(n, 7, -2.0, 2.0));
        let y = Array1::from(values(n, 8, -2.0, 2.0));
        let got: Array1<f64> = kernels::chain(&x, &y).unwrap();
        let want = plain::chain(x.view(), y.view());
        assert_eq!(bits(&got.to_vec()), bits(&want.to_vec()), "chain, n = {n}");
        let got: Array1<f64> = kernels::selu(&x).unwrap();
        let want = plain::selu(x.view());
        assert_eq!(bits(&got.to_vec()), bits(&want.to_vec()), "selu, n = {n}");
        // The hand loops compute the same elements.
        let got: Array1<f64> = kernels::chain_loop(&x, &y).unwrap();
        let want = plain::chain(x.view(), y.view());
        assert_eq!(
            bits(&got.to_vec()),
            bits(&want.to_vec()),
            "chain_loop, n = {n}"
        );
        let got: Array1<f64> = kernels::selu_loop(&x).unwrap();
        let want = plain::selu(x.view());
        assert_eq!(
            bits(&got.to_vec()),
            bits(&want.to_vec()),
            "selu_loop, n = {n}"
        );
        let got: Array1<f64> = kernels::selu_ufunc(&x).unwrap();
        assert_eq!(
            bits(&got.to_vec()),
            bits(&want.to_vec()),
            "selu_ufunc, n = {n}"
        );
        // `fastmath`: libmvec's `exp` is within 4 ulp of the exact one.
        let got: Array1<f64> = kernels::selu_fast(&x).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-14 * w.abs().max(1.0),
                "selu_fast {g} {w}"
            );
        }
        // The fused reduction adds in ndarray's order, as does the materialized one.
        let want = plain::sq_dist(x.view(), y.view());
        for got in [kernels::sq_dist(&x, &y), kernels::sq_dist_unfused(&x, &y)] {
            let got: f64 = got.unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "sq_dist, n = {n}");
        }
        // The hand loop and `fastmath` add in other orders.
        for (name, got) in [
            ("sq_dist_loop", kernels::sq_dist_loop(&x, &y)),
            ("sq_dist_fast", kernels::sq_dist_fast(&x, &y)),
        ] {
            let got: f64 = got.unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{name}, n = {n}"
            );
        }
    }
}

#[test]
fn black_scholes_expressions_match_ndarray() {
    for n in [0, 1, 9, 1003] {
        let s = Array1::from(values(n, 1, 5.0, 30.0));
        let k = Array1::from(values(n, 2, 1.0, 100.0));
        let t = Array1::from(values(n, 3, 0.25, 10.0));
        let (call, put): (Array1<f64>, Array1<f64>) =
            kernels::black_scholes_expr(&s, &k, &t, 0.02, 0.30).unwrap();
        let (wc, wp) = plain::black_scholes_expr(s.view(), k.view(), t.view(), 0.02, 0.30);
        assert_eq!(bits(&call.to_vec()), bits(&wc.to_vec()), "call, n = {n}");
        assert_eq!(bits(&put.to_vec()), bits(&wp.to_vec()), "put, n = {n}");
        // The hand loop returning new arrays (the row's other side): the same prices.
        let (call, put): (Array1<f64>, Array1<f64>) =
            kernels::black_scholes_new(&s, &k, &t, 0.02, 0.30).unwrap();
        assert_eq!(bits(&call.to_vec()), bits(&wc.to_vec()), "call, n = {n}");
        assert_eq!(bits(&put.to_vec()), bits(&wp.to_vec()), "put, n = {n}");
    }
}

#[test]
fn softmax_and_broadcast_match_ndarray() {
    for (n, m) in [(0, 3), (1, 1), (3, 9), (17, 33)] {
        let x = Array2::from_shape_vec((n, m), values(n * m, 9, -4.0, 4.0)).unwrap();
        let got: Array2<f64> = kernels::softmax_rows(&x).unwrap();
        let want = plain::softmax_rows(x.view());
        assert_eq!(got.mapv(f64::to_bits), want.mapv(f64::to_bits), "{n} x {m}");
        let got: Array2<f64> = kernels::softmax_rows_fast(&x).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-13 * w.abs().max(1e-300),
                "softmax_rows_fast {g} {w}"
            );
        }
        let (mean, inv) = (
            Array1::from(values(m, 10, -1.0, 1.0)),
            Array1::from(values(m, 11, 0.5, 2.0)),
        );
        let got: Array2<f64> = kernels::standardize_rows(&x, &mean, &inv).unwrap();
        let want = plain::standardize_rows(x.view(), mean.view(), inv.view());
        assert_eq!(got.mapv(f64::to_bits), want.mapv(f64::to_bits), "{n} x {m}");
    }
}

#[test]
fn kmeans_floyd_fnv_bubble() {
    for d in [1, 3, 4, 8, 16, 33] {
        let (n, k) = (101, 7);
        let x = Array2::from_shape_vec((n, d), values(n * d, 12, 0.0, 1.0)).unwrap();
        let c = Array2::from_shape_vec((k, d), values(k * d, 13, 0.0, 1.0)).unwrap();
        let mut want = vec![-1i64; n];
        plain::kmeans_assign(x.view(), c.view(), &mut want);
        let mut got = Array1::from_elem(n, -1i64);
        kernels::kmeans_assign(&x, &c, &mut got).unwrap();
        assert_eq!(got.to_vec(), want, "d = {d}");
    }

    for n in [1, 2, 7, 61] {
        // Weights 1-10, no edge (infinity) or NaN for some pairs: `f64::min` keeps a NaN out
        // (its other operand wins), and the results agree bit for bit either way.
        let graph = Array2::from_shape_fn((n, n), |(i, j)| match (i * 37 + j * 11) % 13 {
            _ if i == j => 0.0,
            w @ 1..=10 => w as f64,
            11 => f64::NAN,
            _ => f64::INFINITY,
        });
        let mut want = graph.clone();
        plain::floyd_warshall(want.view_mut());
        let mut got = graph.clone();
        kernels::floyd_warshall(&mut got).unwrap();
        assert_eq!(
            bits(got.as_slice().unwrap()),
            bits(want.as_slice().unwrap()),
            "n = {n}"
        );
    }

    for (n, m) in [
        (0, 3),
        (0, 5),
        (1, 0),
        (3, 7),
        (5, 7),
        (9, 64),
        (22, 3),
        (37, 64),
    ] {
        let a = Array2::from_shape_fn((n, m), |(i, j)| (i * 131 + j * 17 + i * j) as u8);
        let mut want = vec![0u64; n];
        plain::fnv_rows(a.view(), &mut want);
        let mut got = Array1::<u64>::zeros(n);
        kernels::fnv_rows(&a, &mut got).unwrap();
        assert_eq!(got.to_vec(), want, "{n} x {m}");
    }

    for n in [0, 1, 2, 9, 200] {
        let mut keys = values(n, 14, -1.0, 1.0);
        if n > 3 {
            keys[3] = keys[1]; // a tie
        }
        let mut want = keys.clone();
        plain::bubble_sort(&mut want);
        let mut got = Array1::from(keys);
        kernels::bubble_sort(&mut got).unwrap();
        assert_eq!(bits(got.as_slice().unwrap()), bits(&want), "n = {n}");
    }

    for (n, m) in [(0, 3), (3, 0), (1, 1), (2, 9), (5, 40)] {
        let keys = Array2::from_shape_vec((n, m), values(n * m, 22, -1.0, 1.0)).unwrap();
        let mut want = keys.clone();
        plain::insertion_rows(want.view_mut());
        let mut got = keys;
        kernels::insertion_rows(&mut got).unwrap();
        assert_eq!(
            bits(got.as_slice().unwrap()),
            bits(want.as_slice().unwrap()),
            "{n} x {m}"
        );
    }

    // Queries below, between, equal to and above the table's values, and an empty table.
    for (n, m) in [(0, 3), (1, 4), (2, 9), (7, 50), (300, 200)] {
        let mut table = values(n, 23, -1.0, 1.0);
        table.sort_by(f64::total_cmp);
        let mut queries = values(m, 24, -1.2, 1.2);
        queries.extend(table.iter().take(5));
        let mut want = vec![0; queries.len()];
        plain::searchsorted(&table, &queries, &mut want);
        let mut got = Array1::<usize>::zeros(queries.len());
        kernels::searchsorted(&Array1::from(table), &Array1::from(queries), &mut got).unwrap();
        assert_eq!(got.to_vec(), want, "{n} x {m}");
    }

    // Text of numbers, points, spaces and other letters, and its ends.
    let alphabet = b"0123456789. .x";
    for n in [0, 1, 2, 9, 1000] {
        let text: Vec<u8> = values(n, 25, 0.0, 14.0)
            .iter()
            .map(|v| alphabet[*v as usize])
            .collect();
        let got: usize = kernels::scan_numbers(&Array1::from(text.clone())).unwrap();
        assert_eq!(got, plain::scan_numbers(&text), "n = {n}");
    }

    // Medians by sorting: odd and even lengths, both zeros, sorted input.
    for n in [1, 2, 17, 1000, 1001] {
        let mut x = values(n, 26, -1.0, 1.0);
        if n > 2 {
            x[0] = 0.0;
            x[1] = -0.0;
        }
        for x in [x.clone(), {
            let mut s = x.clone();
            s.sort_by(f64::total_cmp);
            s
        }] {
            let got: f64 = kernels::median_sort(&Array1::from(x.clone())).unwrap();
            assert_eq!(got.to_bits(), plain::median_sort(&x).to_bits(), "n = {n}");
        }
    }

    // NaNs and both zeros among the values: `f64::max` returns the other operand for a NaN.
    for n in [0, 1, 2, 9, 200] {
        let mut x = values(n, 18, -1.0, 1.0);
        for (i, v) in [f64::NAN, 0.0, -0.0, f64::NAN, -0.0]
            .into_iter()
            .enumerate()
        {
            if let Some(e) = x.get_mut(i * 3) {
                *e = v;
            }
        }
        let mut want = vec![0.0; n];
        plain::running_max(&x, &mut want);
        let mut got = Array1::zeros(n);
        kernels::running_max(&Array1::from(x), &mut got).unwrap();
        assert_eq!(bits(got.as_slice().unwrap()), bits(&want), "n = {n}");
    }
}

#[test]
fn smooth3_matches_plain_rust() {
    for n in [0, 1, 2, 3, 4, 17, 1000] {
        let x = values(n, 19, -1.0, 1.0);
        let mut want = vec![0.0; n];
        plain::smooth3(&x, &mut want);
        let mut got = Array1::zeros(n);
        kernels::smooth3(&Array1::from(x), &mut got).unwrap();
        assert_eq!(bits(got.as_slice().unwrap()), bits(&want), "n = {n}");
    }
}

#[test]
fn sum_last_matches_plain_rust() {
    for (n, m, p) in [(0, 2, 3), (2, 3, 0), (3, 5, 12), (2, 2, 1)] {
        let a = Array3::from_shape_vec((n, m, p), values(n * m * p, 20, -1.0, 1.0))
            .unwrap()
            .mapv(|v| v as f32);
        let mut want = Array2::<f32>::zeros((n, m));
        plain::sum_last(a.view(), want.view_mut());
        let mut got = Array2::<f32>::zeros((n, m));
        kernels::sum_last(&a, &mut got).unwrap();
        assert_eq!(got, want, "{n}x{m}x{p}");
    }
}

#[test]
fn conv5_and_digit_sums_match_plain_rust() {
    let w = [0.1, -0.25, 0.5, 0.75, -0.125];
    for n in [4, 5, 6, 13, 100] {
        let x = values(n, 21, -1.0, 1.0);
        let mut want = vec![0.0; n];
        plain::conv5(&x, &w, &mut want);
        let mut got = Array1::zeros(n);
        kernels::conv5(&Array1::from(x), &Array1::from(w.to_vec()), &mut got).unwrap();
        assert_eq!(bits(got.as_slice().unwrap()), bits(&want), "n = {n}");
    }
    for n in [0, 1, 40] {
        let x: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (i % 64))
            .collect();
        let mut want = vec![0; n];
        plain::digit_sums(&x, &mut want);
        let mut got = Array1::<u64>::zeros(n);
        kernels::digit_sums(&Array1::from(x), &mut got).unwrap();
        assert_eq!(got.to_vec(), want, "n = {n}");
    }
}

#[test]
fn nbody_and_blur() {
    for n in [1, 2, 5, 33] {
        let pos = Array2::from_shape_vec((n, 3), values(n * 3, 15, -1.0, 1.0)).unwrap();
        let vel = Array2::from_shape_vec((n, 3), values(n * 3, 16, -0.1, 0.1)).unwrap();
        let mass = values(n, 17, 0.5, 2.0);
        let (mut pos1, mut vel1) = (pos.clone(), vel.clone());
        plain::nbody_step(pos1.view_mut(), vel1.view_mut(), &mass, 0.01);
        let (mut pos2, mut vel2) = (pos.clone(), vel.clone());
        kernels::nbody_step(&mut pos2, &mut vel2, &Array1::from(mass), 0.01).unwrap();
        assert_eq!(
            bits(pos2.as_slice().unwrap()),
            bits(pos1.as_slice().unwrap()),
            "n = {n}"
        );
        assert_eq!(
            bits(vel2.as_slice().unwrap()),
            bits(vel1.as_slice().unwrap()),
            "n = {n}"
        );
    }

    for (n, m) in [(1, 1), (4, 9), (5, 5), (23, 31)] {
        let a = Array2::from_shape_vec((n, m), values(n * m, 18, 0.0, 1.0)).unwrap();
        let mut want = Array2::<f64>::zeros((n, m));
        plain::blur5(a.view(), want.view_mut());
        let mut got = Array2::<f64>::zeros((n, m));
        kernels::blur5(&a, &mut got).unwrap();
        assert_eq!(
            bits(got.as_slice().unwrap()),
            bits(want.as_slice().unwrap()),
            "{n}x{m}"
        );
    }
}
