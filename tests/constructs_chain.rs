//! Iterator chains (`front::lower::chain`): std's adapters `map`, `filter`, `enumerate`, `zip`,
//! `copied` over array iterators and ranges, consumed by `sum`, `product`, `fold`, `count`,
//! `min`, `max`, `any`, `all`, `position`, `find`, `for_each` or a `for` loop, against the same
//! code in plain Rust, bit for bit (std's float `sum` starts from `-0.0`), on empty, short,
//! strided and 2-D arrays.

use ndarray::prelude::*;

twin! {
    /// Folds of mapped, zipped and filtered items.
    pub fn folds(x: ArrayView1<f64>, y: ArrayView1<f64>) -> (f64, f64, f64, f64, f64) {
        let sq: f64 = x.iter().map(|v| v * v).sum();
        let dot = x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>();
        let weighted: f64 = (0..x.len()).map(|i| x[i] * i as f64).sum();
        let pos = x.iter().copied().filter(|&v| v > 0.0).product::<f64>();
        let l1 = x.iter().zip(&y).fold(0.0, |acc, (a, b)| acc + (a - b).abs());
        (sq, dot, weighted, pos, l1)
    }

    /// Counts, tests and searches.
    pub fn queries(x: ArrayView1<f64>, t: f64) -> (usize, bool, bool, Option<usize>, Option<f64>) {
        let above = x.iter().filter(|v| **v > t).count();
        let any = x.iter().any(|&v| v > t);
        let all = x.iter().map(|v| *v * 2.0).all(|v| v > -100.0);
        let first = x.iter().position(|&v| v > t);
        let found = x.iter().copied().map(|v| v + 1.0).find(|&v| v > t);
        (above, any, all, first, found)
    }

    /// `min` / `max` of integers (`Option`s), and ranges with `step_by` and `rev`.
    pub fn extremes(k: ArrayView1<i64>) -> (Option<i64>, Option<i64>, Option<i64>, i64, u64) {
        let lo = k.iter().copied().min();
        let hi = k.iter().map(|v| v % 7).max();
        let odd_max = k.iter().copied().filter(|v| v % 2 != 0).max();
        let s: i64 = (0..k.len()).rev().step_by(2).map(|i| k[i] * i as i64).sum();
        let p = (1..6u64).map(|v| v + 1).product::<u64>();
        (lo, hi, odd_max, s, p)
    }

    /// `for` loops over chains, with patterns, `break`, `continue` and `enumerate` after a `filter`.
    pub fn loops(x: ArrayView1<f64>, y: ArrayView1<f64>) -> (f64, usize, f64) {
        let mut s = 0.0;
        let mut last = 0;
        for (i, &v) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            if v > 50.0 {
                break;
            }
            s += v / (i + 1) as f64;
            last = i;
        }
        let mut t = 0.0;
        for (k, (a, b)) in x.iter().zip(y.iter()).filter(|(a, _)| **a > 0.0).enumerate() {
            if k % 3 == 1 {
                continue;
            }
            t += a * b + k as f64;
        }
        let mut u = 0.0;
        for ((a, b), i) in x.iter().zip(y.iter()).zip(10..1000usize) {
            u += (a - b) * i as f64;
        }
        (s, last, t + u)
    }

    /// `for_each` with a closure that updates a local; a chain inside a closure of a chain.
    pub fn nested(m: ArrayView2<f64>) -> (f64, f64, f64) {
        let mut total = 0.0;
        m.iter().map(|v| v.abs()).for_each(|v| total += v);
        let rows: f64 = (0..m.nrows()).map(|i| m.row(i).iter().map(|v| v * v).sum::<f64>()).sum();
        let all: f64 = m.iter().map(|v| v * 0.5).sum();
        (total, rows, all)
    }

    /// f32 and integer items, wrapping as rustc's release builds do.
    pub fn narrow(x: ArrayView1<f32>, k: ArrayView1<i32>) -> (f32, i32, i32) {
        let s: f32 = x.iter().map(|v| v * 3.0).sum();
        let w: i32 = k.iter().map(|v| v.wrapping_mul(1 << 20)).sum();
        let z = k.iter().zip(x.iter()).map(|(a, b)| *a * (*b as i32)).fold(7, |a, b| a ^ b);
        (s, w, z)
    }
}

fn line(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| ((i * 37 % 23) as f64 - 9.5) * 1.37)
}

#[test]
fn constructs_chain_folds_equal_rust() {
    for n in [0, 1, 2, 7, 8, 9, 33] {
        let x = line(n);
        let y = x.mapv(|v| v * 0.25 - 1.0);
        let got = folds(x.view(), y.view()).unwrap();
        let want = rs::folds(x.view(), y.view());
        let bits = |t: (f64, f64, f64, f64, f64)| [t.0, t.1, t.2, t.3, t.4].map(f64::to_bits);
        assert_eq!(bits(got), bits(want), "n={n}");
        // Shorter `y`: `zip` stops at the shorter side.
        let short = y.slice(s![..n / 2]);
        let got = folds(x.view(), short).unwrap();
        assert_eq!(bits(got), bits(rs::folds(x.view(), short)), "short n={n}");
        // Strided and reversed views.
        let x2 = line(2 * n);
        let ev = x2.slice(s![..;-2]);
        assert_eq!(
            bits(folds(ev, y.view()).unwrap()),
            bits(rs::folds(ev, y.view()))
        );
    }
}

#[test]
fn constructs_chain_empty_sum_is_negative_zero() {
    let x = line(0);
    let (sq, ..) = folds(x.view(), x.view()).unwrap();
    assert_eq!(sq.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn constructs_chain_queries_equal_rust() {
    for n in [0, 1, 5, 20] {
        let x = line(n);
        for t in [-100.0, 0.0, 3.0, 1e9] {
            assert_eq!(
                queries(x.view(), t).unwrap(),
                rs::queries(x.view(), t),
                "n={n} t={t}"
            );
        }
    }
    for n in [0, 1, 2, 9, 30] {
        let k = Array1::from_shape_fn(n, |i| (i as i64 * 7919) % 101 - 50);
        assert_eq!(extremes(k.view()).unwrap(), rs::extremes(k.view()), "n={n}");
    }
}

#[test]
fn constructs_chain_loops_equal_rust() {
    for n in [0, 1, 4, 17, 64] {
        let x = line(n).mapv(|v| if v.abs() < 2.0 { 0.0 } else { v });
        let y = x.mapv(|v| v * 0.5 + 3.0);
        let (a, b, c) = loops(x.view(), y.view()).unwrap();
        let (ra, rb, rc) = rs::loops(x.view(), y.view());
        assert_eq!(
            (a.to_bits(), b, c.to_bits()),
            (ra.to_bits(), rb, rc.to_bits()),
            "n={n}"
        );
    }
    let m = Array2::from_shape_fn((5, 7), |(i, j)| (i as f64 - 2.0) * 1.5 + j as f64 * 0.3);
    for v in [m.view(), m.t(), m.slice(s![..;-1, 1..])] {
        let got = nested(v).unwrap();
        let want = rs::nested(v);
        assert_eq!(
            [got.0, got.1, got.2].map(f64::to_bits),
            [want.0, want.1, want.2].map(f64::to_bits)
        );
    }
    let x = Array1::from_shape_fn(19, |i| i as f32 * 0.7 - 3.0);
    let k = Array1::from_shape_fn(19, |i| (i as i32 - 9) * 4099);
    let got = narrow(x.view(), k.view()).unwrap();
    let want = rs::narrow(x.view(), k.view());
    assert_eq!(
        (got.0.to_bits(), got.1, got.2),
        (want.0.to_bits(), want.1, want.2)
    );
}

twin! { mod rs_mut;
    /// `x.iter_mut().for_each(..)`, enumerated or not.
    pub fn scale(mut x: ArrayViewMut1<f64>, a: f64) {
        x.iter_mut().for_each(|v| *v *= a);
        x.iter_mut().enumerate().for_each(|(i, v)| *v += i as f64);
    }
}

#[test]
fn constructs_chain_for_each_mut_equals_rust() {
    let mut x = line(11);
    let mut want = x.clone();
    scale(x.view_mut(), 1.5).unwrap();
    rs_mut::scale(want.view_mut(), 1.5);
    assert_eq!(x, want);
}

twin! { mod rs_par;
    /// A chain per row of a `prange` loop: its hidden locals are private to each iteration.
    pub fn row_norms(m: ArrayView2<f64>, mut out: ArrayViewMut1<f64>) {
        for i in prange(0..m.nrows()) {
            out[i] = m.row(i).iter().map(|v| v * v).sum::<f64>().sqrt();
        }
    }
}

#[test]
fn constructs_chain_in_prange_equals_rust() {
    let m = Array2::from_shape_fn((37, 9), |(i, j)| (i as f64 - 2.0) * 1.5 + j as f64 * 0.3);
    let mut out = Array1::<f64>::zeros(37);
    let mut want = Array1::<f64>::zeros(37);
    row_norms(m.view(), out.view_mut()).unwrap();
    rs_par::row_norms(m.view(), want.view_mut());
    assert_eq!(out, want);
}

twin! { mod rs_collect;
    /// `collect` into a `Vec` / `Array1` (a new 1-D array in kernels).
    pub fn collected(x: ArrayView1<f64>, m: ArrayView2<f64>) -> (Array1<f64>, Array1<usize>, Array1<f64>) {
        let sq: Array1<f64> = x.iter().map(|v| v * v).collect();
        let idx = (2..7usize).map(|i| i * 3).collect::<Array1<usize>>();
        let flat = m.row(1).iter().zip(x.iter()).map(|(a, b)| a - b).collect::<Vec<_>>();
        let all: Vec<f64> = m.iter().map(|v| v + 1.0).collect();
        let flat = Array1::from(flat);
        (sq, idx, &flat + &Array1::from(all).slice(s![..flat.len()]))
    }
}

twin! { mod rs_collect_ranges;
    /// `collect` of inclusive ranges (the first row of an edit-distance table, `(0..=m)`), of
    /// ranges whose width overflows their type (`-128i8..=127`: 256 items), empty ones, and a
    /// zip with an inclusive range.
    pub fn ranges(m: usize, x: ArrayView1<f64>) -> (Vec<usize>, Vec<i8>, Vec<i64>, f64, Vec<u8>) {
        let row: Vec<usize> = (0..=m).collect();
        let bytes: Vec<i8> = (-128i8..=127).collect();
        let none = (5i64..=3).collect::<Vec<i64>>();
        let w: f64 = (1..=x.len()).zip(x.iter()).map(|(k, v)| k as f64 * v).sum();
        let top: Vec<u8> = (250u8..=u8::MAX).collect();
        (row, bytes, none, w, top)
    }

    pub fn too_many(hi: usize) -> usize {
        let all: Vec<usize> = (0..=hi).collect();
        all.len()
    }
}

#[test]
fn constructs_chain_collect_of_inclusive_ranges_equals_rust() {
    for m in [0, 1, 7] {
        let x = line(m);
        assert_eq!(
            ranges(m, x.view()).unwrap(),
            rs_collect_ranges::ranges(m, x.view()),
            "m={m}"
        );
    }
    assert_eq!(too_many(3).unwrap(), 4);
    let e = too_many(usize::MAX).unwrap_err();
    assert!(format!("{e:#}").contains("capacity overflow"), "{e:#}");
}

#[test]
fn constructs_chain_collect_equals_rust() {
    let m = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 * 0.5);
    for n in [0, 5, 20] {
        let x = line(n);
        assert_eq!(
            collected(x.view(), m.view()).unwrap(),
            rs_collect::collected(x.view(), m.view()),
            "n={n}"
        );
    }
}

twin! { mod rs_collect_more;
    /// `collect` after `filter` (a length known only at the end) and from views: rows,
    /// windows and subviews mapped to numbers.
    pub fn filtered(x: ArrayView1<f64>, t: f64) -> (Vec<usize>, Array1<f64>, Vec<f64>) {
        let at: Vec<usize> = x.iter().enumerate().filter(|(_, &v)| v > t).map(|(i, _)| i).collect();
        let big = x.iter().copied().filter(|v| v.abs() > t).map(|v| v * 2.0).collect::<Array1<f64>>();
        let pairs = x.iter().zip(x.iter().skip(1)).filter(|(a, b)| a < b).map(|(a, b)| b - a).collect::<Vec<f64>>();
        (at, big, pairs)
    }

    /// `fold` with a tuple accumulator, destructured in the closure: over the elements, and at
    /// the end of a chain.
    pub fn tuple_folds(x: ArrayView1<f64>) -> ((f64, f64), (f64, usize)) {
        let range = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let pos = x.iter().map(|v| v * 2.0).filter(|v| *v > 0.0).fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        (range, pos)
    }

    pub fn from_views(x: ArrayView1<f64>, m: ArrayView2<f64>, k: usize) -> (Vec<f64>, Array1<f64>, Vec<f64>, f64, Vec<f64>) {
        let avg: Vec<f64> = x.windows(k).into_iter().map(|w| w.sum() / k as f64).collect();
        let norms = m.rows().into_iter().map(|r| r.dot(&r)).collect::<Array1<f64>>();
        let cols: Vec<f64> = m.columns().into_iter().map(|c| c.iter().fold(0.0, |a, &v| a + v * v)).collect();
        let total: f64 = m.outer_iter().map(|r| r.sum()).sum();
        let pos: Vec<f64> = m.axis_iter(Axis(1)).filter(|c| c.sum() > 0.0).map(|c| c.sum()).collect();
        (avg, norms, cols, total, pos)
    }
}

#[test]
fn constructs_chain_collect_after_filter_and_from_views_equals_rust() {
    for n in [0, 1, 5, 20] {
        let x = line(n);
        assert_eq!(
            filtered(x.view(), 1.0).unwrap(),
            rs_collect_more::filtered(x.view(), 1.0),
            "n={n}"
        );
        assert_eq!(
            tuple_folds(x.view()).unwrap(),
            rs_collect_more::tuple_folds(x.view()),
            "n={n}"
        );
        let m = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 5) % 11) as f64 - 4.5);
        for k in [1, 3] {
            for m in [m.view(), m.t()] {
                assert_eq!(
                    from_views(x.view(), m, k).unwrap(),
                    rs_collect_more::from_views(x.view(), m, k),
                    "n={n}, k={k}"
                );
            }
        }
    }
}

twin! { mod rs_skip;
    /// `skip`, `take`, `step_by`: pairwise differences, a window, every other item.
    pub fn windows(x: ArrayView1<f64>, n: usize) -> (f64, f64, f64, usize, Array1<f64>) {
        let diffs: f64 = x.iter().zip(x.iter().skip(1)).map(|(a, b)| (b - a).abs()).sum();
        let head: f64 = x.iter().skip(2).take(n).map(|v| v * 2.0).sum();
        let odd = x.iter().copied().step_by(2).fold(0.0, |a, v| a + v * 0.5);
        let big = x.iter().filter(|v| **v > 0.0).take(3).count();
        let steps = x.iter().zip(x.iter().skip(2)).take(n).map(|(a, b)| b - a).collect::<Array1<f64>>();
        (diffs, head, odd, big, steps)
    }
}

#[test]
fn constructs_chain_skip_take_step_by_equal_rust() {
    for len in [0, 1, 2, 3, 9, 20] {
        let x = line(len);
        for n in [0, 1, 4, 50] {
            let got = windows(x.view(), n).unwrap();
            let want = rs_skip::windows(x.view(), n);
            assert_eq!(
                (
                    got.0.to_bits(),
                    got.1.to_bits(),
                    got.2.to_bits(),
                    got.3,
                    got.4.clone()
                ),
                (
                    want.0.to_bits(),
                    want.1.to_bits(),
                    want.2.to_bits(),
                    want.3,
                    want.4.clone()
                ),
                "len={len} n={n}"
            );
        }
    }
}

twin! { mod rs_maxby;
    /// `max_by` / `min_by` with `partial_cmp(..).unwrap()` or `cmp`, `max_by_key` / `min_by_key`:
    /// the argmax idioms, ties resolved as std does (the last maximum, the first minimum).
    pub fn argmax(x: ArrayView1<f64>, k: ArrayView1<i64>) -> (Option<usize>, Option<f64>, Option<usize>, Option<i64>, Option<(usize, i64)>) {
        let imax = x.iter().enumerate().max_by(|a, b| a.1.partial_cmp(b.1).unwrap()).map(|(i, _)| i);
        let lo = x.iter().copied().min_by(|a, b| a.partial_cmp(&b).unwrap());
        let kmax = k.iter().enumerate().max_by_key(|(_, v)| **v % 5).map(|(i, _)| i);
        let kmin = k.iter().copied().min_by(|a, b| (a % 3).cmp(&(b % 3)));
        let first_min = k.iter().copied().enumerate().min_by_key(|&(_, v)| v / 10);
        (imax, lo, kmax, kmin, first_min)
    }
}

#[test]
fn constructs_chain_max_by_equals_rust() {
    for n in [0, 1, 2, 7, 30] {
        let x = line(n);
        let k = Array1::from_shape_fn(n, |i| (i as i64 * 7919) % 31 - 15);
        assert_eq!(
            argmax(x.view(), k.view()).unwrap(),
            rs_maxby::argmax(x.view(), k.view()),
            "n={n}"
        );
    }
    // `partial_cmp(..).unwrap()` of a NaN panics in Rust: an `Err` here.
    let x = ndarray::array![1.0, f64::NAN, 3.0];
    let k = ndarray::array![1i64, 2, 3];
    assert!(argmax(x.view(), k.view()).is_err());
}

twin! { mod rs_sort;
    /// Sorting copies: `sort_by` with `partial_cmp(..).unwrap()` (either way round), `sort`,
    /// `sort_by_key` (stable: equal keys keep their order, as std), `sort_unstable`.
    pub fn sorted(x: ArrayView1<f64>, k: ArrayView1<i64>) -> (Vec<f64>, Vec<f64>, Vec<i64>, Vec<i64>, Vec<i64>) {
        let mut up = x.to_vec();
        up.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut down = x.to_vec();
        down.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let mut ints = k.to_vec();
        ints.sort();
        let mut by_tens = k.to_vec();
        by_tens.sort_by_key(|v| v / 10);
        let mut fast = k.to_vec();
        fast.sort_unstable_by(|a, b| b.cmp(a));
        (up, down, ints, by_tens, fast)
    }
}

#[test]
fn constructs_chain_sorts_equal_rust() {
    for n in [0, 1, 2, 3, 7, 8, 9, 31, 33, 64, 65, 100, 1000, 5000] {
        let mut x = line(n);
        if n > 3 {
            x[1] = -0.0;
            x[2] = 0.0;
        }
        let k = Array1::from_shape_fn(n, |i| (i as i64 * 7919) % 61 - 30);
        let got = sorted(x.view(), k.view()).unwrap();
        let want = rs_sort::sorted(x.view(), k.view());
        let bits = |v: &Vec<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            (bits(&got.0), bits(&got.1)),
            (bits(&want.0), bits(&want.1)),
            "n={n}"
        );
        assert_eq!(
            (&got.2, &got.3, &got.4),
            (&want.2, &want.3, &want.4),
            "n={n}"
        );
    }
    // Runs already in order, and in reverse order.
    for n in [40, 100, 3000] {
        for x in [
            Array1::from_shape_fn(n, |i| i as f64 * 0.5 - 7.0),
            Array1::from_shape_fn(n, |i| 7.0 - i as f64 * 0.5),
        ] {
            let k = x.mapv(|v| v as i64 / 3);
            let got = sorted(x.view(), k.view()).unwrap();
            let want = rs_sort::sorted(x.view(), k.view());
            assert_eq!(got, want, "n={n}");
        }
    }
    let x = ndarray::array![3.0, f64::NAN, 1.0];
    assert!(sorted(x.view(), ndarray::array![1i64, 2, 3].view()).is_err());
}

twin! { mod rs_rev;
    /// `rev()` of a 1-D array's items, alone, after `skip`/`take`, enumerated, zipped.
    pub fn backwards(x: ArrayView1<f64>, n: usize) -> (f64, f64, f64, Vec<f64>) {
        let mut h = 0.0;
        for v in x.iter().rev() {
            h = h * 0.5 + v;
        }
        let w: f64 = x.iter().rev().enumerate().map(|(i, v)| v * i as f64).sum();
        let t: f64 = x.iter().skip(1).take(n).rev().zip(x.iter()).map(|(a, b)| a - b).sum();
        let r: Vec<f64> = x.iter().rev().skip(n).map(|v| v * 2.0).collect();
        (h, w, t, r)
    }
}

#[test]
fn constructs_chain_rev_equals_rust() {
    for len in [0, 1, 2, 5, 16] {
        let x = line(len);
        for n in [0, 1, 3, 40] {
            let got = backwards(x.view(), n).unwrap();
            let want = rs_rev::backwards(x.view(), n);
            assert_eq!(
                (
                    got.0.to_bits(),
                    got.1.to_bits(),
                    got.2.to_bits(),
                    got.3.clone()
                ),
                (
                    want.0.to_bits(),
                    want.1.to_bits(),
                    want.2.to_bits(),
                    want.3.clone()
                ),
                "len={len} n={n}"
            );
        }
    }
}

twin! { mod rs_zip_mut;
    /// `for (a, b) in x.iter_mut().zip(y.iter())`: in-place updates from another array, with
    /// `continue`; 2-D arrays in step.
    pub fn axpy_zip(mut x: ArrayViewMut1<f64>, y: ArrayView1<f64>, mut m: ArrayViewMut2<f64>, n: ArrayView2<f64>, a: f64) {
        for (xi, &yi) in x.iter_mut().zip(y.iter()) {
            if yi < 0.0 {
                continue;
            }
            *xi += a * yi;
        }
        for (p, q) in m.iter_mut().zip(&n) {
            *p = *p * 0.5 + q;
        }
    }
}

#[test]
fn constructs_chain_zip_iter_mut_equals_rust() {
    let x0 = line(13);
    let y = x0.mapv(|v| v * 0.3 - 0.5);
    let m0 = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let n = Array2::from_shape_fn((3, 4), |(i, j)| (j * 3 + i) as f64 * 0.7);
    let (mut x, mut m) = (x0.clone(), m0.clone());
    let (mut xr, mut mr) = (x0.clone(), m0.clone());
    axpy_zip(x.view_mut(), y.view(), m.view_mut(), n.view(), 2.0).unwrap();
    rs_zip_mut::axpy_zip(xr.view_mut(), y.view(), mr.view_mut(), n.view(), 2.0);
    assert_eq!((x, m), (xr, mr));
}

twin! { mod rs_windows;
    /// ndarray's sliding windows: a moving average, 2-D window maxima, `break` out of the walk.
    pub fn windowed(x: ArrayView1<f64>, m: ArrayView2<f64>, k: usize) -> (Vec<f64>, Vec<f64>, usize) {
        let mut avg = vec![0.0; x.len()];
        let mut c = 0;
        for w in x.windows(k) {
            avg[c] = w.sum() / k as f64;
            c += 1;
        }
        let mut peaks = vec![0.0; m.len()];
        let mut p = 0;
        for w in m.windows((2, 3)) {
            peaks[p] = w.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            p += 1;
        }
        let mut seen = 0;
        for w in x.windows([2]) {
            if w[1] < w[0] {
                break;
            }
            seen += 1;
        }
        // Enumerated: the count of each window, in the same order.
        for (i, w) in x.windows(k).into_iter().enumerate() {
            avg[i] -= w[0] * i as f64;
        }
        for (t, w) in m.windows((2, 3)).into_iter().enumerate() {
            peaks[t] += w.sum() + t as f64;
        }
        for (_, w) in x.windows(k).into_iter().enumerate() {
            seen += w.len() * 10000;
        }
        (avg, peaks, seen * 1000 + c * 10 + p)
    }
}

#[test]
fn constructs_chain_windows_equal_ndarray() {
    let m = Array2::from_shape_fn((4, 5), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    for n in [0, 1, 3, 10] {
        let x = line(n).mapv(|v| v.abs());
        for k in [1, 2, 3, 11] {
            assert_eq!(
                windowed(x.view(), m.view(), k).unwrap(),
                rs_windows::windowed(x.view(), m.view(), k),
                "n={n} k={k}"
            );
        }
    }
    assert!(windowed(line(3).view(), m.view(), 0).is_err());
}

twin! { mod rs_floats;
    /// Float sorts (the quicksort): ascending and descending by `partial_cmp`, by `total_cmp`,
    /// `sort_unstable_by` (equal elements in an order of its own in std), and a comparator
    /// reading a computed value of each element.
    pub fn float_sorts(x: ArrayView1<f64>) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut up = x.to_vec();
        up.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut down = x.to_vec();
        down.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let mut total = x.to_vec();
        total.sort_by(|a, b| b.total_cmp(a));
        let mut fast = x.to_vec();
        fast.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap());
        let mut by_abs = x.to_vec();
        by_abs.sort_by(|a, b| a.abs().partial_cmp(&b.abs()).unwrap());
        (up, down, total, fast, by_abs)
    }

    /// An argsort: indices sorted by the values they select (stable: equal values keep their
    /// indices in order).
    pub fn argsort(x: ArrayView1<f64>) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_by(|&i, &j| x[i].partial_cmp(&x[j]).unwrap());
        idx
    }
}

#[test]
fn constructs_chain_float_sorts_equal_rust() {
    // Random values with repeats and signed zeros, sorted, reversed, organ pipe, sawtooth, all
    // equal, two values: bit for bit std's result (equal elements in their order).
    let mut s = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for n in [2, 16, 17, 31, 100, 1000, 4099] {
        let random = Array1::from_shape_fn(n, |_| match next() % 8 {
            0 => 0.0,
            1 => -0.0,
            k => ((next() % 50) as f64 - 25.0) * 0.5 + k as f64 * 1e-3,
        });
        let inputs = [
            random.clone(),
            Array1::from_shape_fn(n, |i| i as f64),
            Array1::from_shape_fn(n, |i| -(i as f64)),
            Array1::from_shape_fn(n, |i| i.min(n - i) as f64),
            Array1::from_shape_fn(n, |i| (i % 7) as f64 - (i / 7) as f64 * 1e-9),
            Array1::from_elem(n, 2.5),
            Array1::from_shape_fn(n, |i| if i % 3 == 0 { -0.0 } else { 0.0 }),
        ];
        for (k, x) in inputs.iter().enumerate() {
            let got = float_sorts(x.view()).unwrap();
            let want = rs_floats::float_sorts(x.view());
            let bits = |v: &Vec<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                [bits(&got.0), bits(&got.1), bits(&got.2), bits(&got.4)],
                [bits(&want.0), bits(&want.1), bits(&want.2), bits(&want.4)],
                "n={n} input {k}"
            );
            // std's unstable sort leaves equal elements (`-0.0`, `0.0`) in an order of its own.
            assert_eq!(got.3, want.3, "n={n} input {k}");
            assert_eq!(
                argsort(x.view()).unwrap(),
                rs_floats::argsort(x.view()),
                "n={n} input {k}"
            );
        }
    }
    // A NaN anywhere fails as std panics (each element is compared), but not alone.
    for at in [0, 5, 99] {
        let mut x = Array1::from_shape_fn(100, |i| i as f64);
        x[at] = f64::NAN;
        assert!(argsort(x.view()).is_err());
        let e = float_sorts(x.view()).unwrap_err();
        assert!(
            e.to_string()
                .contains("called `Option::unwrap()` on a `None` value"),
            "{e}"
        );
    }
    let one = ndarray::array![f64::NAN];
    let got = float_sorts(one.view()).unwrap();
    assert!(got.0[0].is_nan() && got.4[0].is_nan());
}

/// Values on which the float quicksort's pivot (the median of the elements a quarter, half and
/// three quarters into a range) is always the range's second least, so that each split takes
/// one element off: ranges are split past the depth limit and the merge sort finishes. Built by
/// following the sort's splits with the values unknown until a pivot needs them (the least ones
/// given out in increasing order, the largest in decreasing order, the rest in the middle last);
/// this mirrors `front/lower/sort.rs` and must change with it.
fn deep_splits(n: usize) -> Array1<f64> {
    const RUN: usize = 16;
    let mut val: Vec<Option<usize>> = vec![None; n];
    let (mut small, mut large) = (0, n - 1);
    let mut arr: Vec<usize> = (0..n).collect();
    let (mut lo, hi) = (0, n);
    let (mut depth, limit) = (0, 2 * (64 - (n as u64).leading_zeros() as usize));
    // An unknown value sorts above every small one and below every large one.
    let key =
        |val: &Vec<Option<usize>>, s: usize| val[s].map_or(n as f64 / 2.0 + 0.5, |v| v as f64);
    while hi - lo > RUN && depth < limit {
        depth += 1;
        let q = (hi - lo) / 4;
        let ids = [arr[lo + q], arr[lo + 2 * q], arr[lo + 3 * q]];
        let mut need = 2 - ids
            .iter()
            .filter(|&&s| val[s].is_some_and(|v| v < n / 2))
            .count();
        for &s in &ids {
            if val[s].is_none() {
                if need > 0 {
                    val[s] = Some(small);
                    small += 1;
                    need -= 1;
                } else {
                    val[s] = Some(large);
                    large -= 1;
                }
            }
        }
        let [a, b, c] = ids.map(|s| key(&val, s));
        let pivot = if (a < b) == (b < c) {
            b
        } else if (a < b) == (a < c) {
            c
        } else {
            a
        };
        let (left, right): (Vec<usize>, Vec<usize>) =
            arr[lo..hi].iter().partition(|&&s| key(&val, s) < pivot);
        assert!(
            (1..=2).contains(&left.len()),
            "the pivot is not the second least"
        );
        arr.splice(lo..hi, left.iter().chain(&right).copied());
        lo += left.len();
    }
    assert!(
        depth == limit && hi - lo > RUN,
        "no range split past the limit"
    );
    let mut mid = small;
    Array1::from_shape_fn(n, |s| {
        val[s].unwrap_or_else(|| {
            mid += 1;
            mid - 1
        }) as f64
    })
}

#[test]
fn constructs_chain_float_sorts_past_the_depth_limit() {
    for n in [100, 1000] {
        let x = deep_splits(n);
        let got = float_sorts(x.view()).unwrap();
        let want = rs_floats::float_sorts(x.view());
        assert_eq!(got, want, "n={n}");
        assert_eq!(got.0, (0..n).map(|v| v as f64).collect::<Vec<_>>());
    }
}

twin! { mod rs_total;
    /// `total_cmp` comparators (IEEE's total order: `-NaN < -inf < .. < -0.0 < 0.0 < .. < NaN`).
    pub fn totals(x: ArrayView1<f64>, y: ArrayView1<f32>) -> (Vec<f64>, Option<f64>, Vec<f32>, Option<usize>) {
        let mut v = x.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let hi = x.iter().copied().max_by(|a, b| a.total_cmp(b));
        let mut w = y.to_vec();
        w.sort_by(|a, b| b.total_cmp(a));
        let lo = y.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i);
        (v, hi, w, lo)
    }

    /// The comparators by their paths: `f64::total_cmp`, `f32::total_cmp`, `Ord::cmp`.
    pub fn by_paths(x: ArrayView1<f64>, y: ArrayView1<f32>, k: ArrayView1<i64>) -> (Vec<f64>, Option<f32>, Vec<i64>) {
        let mut p = x.to_vec();
        p.sort_unstable_by(f64::total_cmp);
        let low = y.iter().copied().min_by(f32::total_cmp);
        let mut q = k.to_vec();
        q.sort_by(Ord::cmp);
        q.sort_by(std::cmp::Ord::cmp);
        (p, low, q)
    }
}

#[test]
fn constructs_chain_total_cmp_equals_rust() {
    let x = ndarray::array![
        3.0,
        -0.0,
        f64::NAN,
        0.0,
        -f64::INFINITY,
        -f64::NAN,
        1e-300,
        -2.5,
        0.0
    ];
    let y = x.mapv(|v| v as f32);
    let got = totals(x.view(), y.view()).unwrap();
    let want = rs_total::totals(x.view(), y.view());
    let b64 = |v: &Vec<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    let b32 = |v: &Vec<f32>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert_eq!(b64(&got.0), b64(&want.0));
    assert_eq!(got.1.map(f64::to_bits), want.1.map(f64::to_bits));
    assert_eq!(b32(&got.2), b32(&want.2));
    assert_eq!(got.3, want.3);
    let k = x.mapv(|v| if v.is_finite() { v as i64 } else { -7 });
    let got = by_paths(x.view(), y.view(), k.view()).unwrap();
    let want = rs_total::by_paths(x.view(), y.view(), k.view());
    assert_eq!(b64(&got.0), b64(&want.0));
    assert_eq!(got.1.map(f32::to_bits), want.1.map(f32::to_bits));
    assert_eq!(got.2, want.2);
}
