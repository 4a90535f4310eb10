//! Index-set splitting (`passes::split`): loops whose body branches on where the counter lies
//! (a stencil's border) run as a border loop, an interior loop without the branch, and a border
//! loop again. Against the same code in plain Rust, bit for bit: stencils at every small shape
//! (empty, narrower than the border, one interior point), each way of writing a test (`<`, `<=`,
//! `>`, `>=`, `==`, `!=`, mirrored, negated, under `||` and `&&`, `i + k` and `k + i`) over
//! ranges near 0 and near `usize::MAX` where `i + k` wraps, a loop split twice (an `if` per
//! border), a failing access inside the
//! interior (the same error after the same writes), `prange` rows; which loops are split.
#![allow(clippy::needless_range_loop)] // the plain-Rust twins are the index loops as written

use ndarray::{Array1, Array2};
use rumba::IntoArg;

twin! {
    /// A 3x3 box blur, the border (written with `==`) copied.
    pub fn blur3(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
        let (n, m) = a.dim();
        for i in 0..n {
            for j in 0..m {
                if i == 0 || j == 0 || i == n - 1 || j == m - 1 {
                    b[[i, j]] = a[[i, j]];
                } else {
                    let mut s = 0.0;
                    for di in 0..3 {
                        for dj in 0..3 {
                            s += a[[i + di - 1, j + dj - 1]];
                        }
                    }
                    b[[i, j]] = s / 9.0;
                }
            }
        }
    }

    /// A 5x5 box blur, the two-pixel border copied (the benchmark's form).
    pub fn blur5(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
        let (n, m) = a.dim();
        for i in 0..n {
            for j in 0..m {
                if i < 2 || j < 2 || i + 2 >= n || j + 2 >= m {
                    b[[i, j]] = a[[i, j]];
                } else {
                    let mut s = 0.0;
                    for di in 0..5 {
                        for dj in 0..5 {
                            s += a[[i + di - 2, j + dj - 2]];
                        }
                    }
                    b[[i, j]] = s / 25.0;
                }
            }
        }
    }

    /// Each border tested by an `if` of its own, as a three-point smoothing is first written: the
    /// interior is split twice (on `i > 0`, then on `i + 1 < n` in the loop from 1).
    pub fn smooth_ifs(x: ArrayView1<f64>, mut y: ArrayViewMut1<f64>) {
        let n = x.len();
        for i in 0..n {
            let l = if i > 0 { x[i - 1] } else { x[i] };
            let r = if i + 1 < n { x[i + 1] } else { x[i] };
            y[i] = 0.25 * l + 0.5 * x[i] + 0.25 * r;
        }
    }

    /// The interior tested with `&&`, a running value carried across the border.
    pub fn smooth(a: ArrayView1<f64>, mut b: ArrayViewMut1<f64>) -> f64 {
        let n = a.len();
        let mut carried = 0.0;
        for i in 0..n {
            if i >= 1 && i + 1 < n {
                carried = carried * 0.5 + a[i - 1] - a[i + 1];
                b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0 + carried;
            } else {
                carried += 1.0;
                b[i] = a[i];
            }
        }
        carried
    }

    /// Negated, mirrored, `<=`, and a `continue` in the border.
    pub fn mirrored(a: ArrayView1<i64>, mut b: ArrayViewMut1<i64>) {
        let n = a.len();
        for i in 0..n {
            if !(1 < i && n - 2 > i) {
                b[i] = -a[i];
                continue;
            }
            b[i] = a[i - 2] * 3 + a[i + 1];
        }
    }

    /// One test, true in the interior: the loop from `i = 1` has no branch.
    pub fn diff(a: ArrayView1<f64>, mut b: ArrayViewMut1<f64>) {
        for i in 0..a.len() {
            if i > 0 {
                b[i] = a[i] - a[i - 1];
            } else {
                b[i] = a[i];
            }
        }
    }

    /// A `prange` over rows, each row split.
    pub fn rows_par(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
        let (n, m) = a.dim();
        for i in prange(0..n) {
            for j in 0..m {
                if j == 0 || j + 1 >= m {
                    b[[i, j]] = 0.0;
                } else {
                    b[[i, j]] = a[[i, j + 1]] - a[[i, j - 1]];
                }
            }
        }
    }

    /// `blur5` with its rows spread over threads: each row's loop over `j` is split, the test of
    /// `i` left in its interior (the same in every iteration of the row).
    pub fn blur5_par(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
        let (n, m) = a.dim();
        for i in prange(0..n) {
            for j in 0..m {
                if i < 2 || j < 2 || i + 2 >= n || j + 2 >= m {
                    b[[i, j]] = a[[i, j]];
                } else {
                    let mut s = 0.0;
                    for di in 0..5 {
                        for dj in 0..5 {
                            s += a[[i + di - 2, j + dj - 2]];
                        }
                    }
                    b[[i, j]] = s / 25.0;
                }
            }
        }
    }

    /// The interior reads `a[i + 3]`, which the test does not guard: a short `a` fails there.
    pub fn unguarded(a: ArrayView1<f64>, mut b: ArrayViewMut1<f64>, k: usize) {
        for i in 0..b.len() {
            if i < k {
                b[i] = -1.0;
            } else {
                b[i] = a[i + 3];
            }
        }
    }

    /// A `break` of the loop: not split.
    pub fn breaks(a: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            if i < 2 {
                s += 1.0;
            } else {
                if a[i] < 0.0 {
                    break;
                }
                s += a[i];
            }
        }
        s
    }

    /// A test with something else in the condition: not split.
    pub fn opaque(a: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            if i < 2 || a[i] > 0.5 {
                s += 1.0;
            } else {
                s += a[i];
            }
        }
        s
    }

    // Every way of writing a test, over any range (`i + k` wraps near `usize::MAX`); the
    // checksum follows the order of the iterations.
    pub fn lt(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if i + k < c { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn le_mirrored(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if c >= k + i { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn gt(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if i + k > c { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn ge_mirrored(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if c <= i + k { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn eq_or(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if i == k || i + k == c { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn ne_and(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if i != 3 && i + k != c && i < c { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn not_le(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            if !(i <= c) || k + i <= 2 { s = s * 3 + 1; } else { s = s * 5 + i as u64; }
        }
        s
    }

    pub fn nested(lo: usize, hi: usize, k: usize, c: usize) -> u64 {
        let mut s = 7u64;
        for i in lo..hi {
            for j in 0..4usize {
                if i + k >= c || j < 1 || i < k { s = s * 3 + j as u64; } else { s = s * 5 + i as u64; }
            }
        }
        s
    }
}

fn data2(n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        ((i as u64 * 7919 + j as u64 * 104729).wrapping_mul(2654435761) % 1000) as f64 / 37.0
    })
}

fn same2(x: &Array2<f64>, y: &Array2<f64>) -> bool {
    x.shape() == y.shape() && x.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits())
}

#[test]
fn stencils_match_plain_rust_at_every_small_shape() {
    let sizes = [0, 1, 2, 3, 4, 5, 6, 7, 9, 33];
    for n in sizes {
        for m in sizes {
            let a = data2(n, m);
            type K = fn(&Array2<f64>, &mut Array2<f64>) -> Result<(), rumba::Error>;
            type R = fn(ndarray::ArrayView2<f64>, ndarray::ArrayViewMut2<f64>);
            let cases: [(&str, K, R); 4] = [
                ("blur3", |a, b| blur3(a, b), rs::blur3),
                ("blur5", |a, b| blur5(a, b), rs::blur5),
                ("blur5_par", |a, b| blur5_par(a, b), rs::blur5_par),
                ("rows_par", |a, b| rows_par(a, b), rs::rows_par),
            ];
            for (name, k, r) in cases {
                let mut got = Array2::from_elem((n, m), 9.0);
                let mut want = got.clone();
                k(&a, &mut got).unwrap();
                r(a.view(), want.view_mut());
                assert!(same2(&got, &want), "{name} {n}x{m}");
            }
        }
    }
}

#[test]
fn one_dimensional_borders_match_plain_rust() {
    for n in 0..12 {
        let a = Array1::from_shape_fn(n, |i| (i as f64 * 1.7).sin());
        let mut got = Array1::from_elem(n, 5.0);
        let mut want = got.clone();
        let c = smooth(&a, &mut got).unwrap();
        let w = rs::smooth(a.view(), want.view_mut());
        assert_eq!(c.to_bits(), w.to_bits(), "smooth {n}");
        assert!(got
            .iter()
            .zip(&want)
            .all(|(x, y)| x.to_bits() == y.to_bits()));

        let mut got = Array1::from_elem(n, 5.0);
        let mut want = got.clone();
        smooth_ifs(&a, &mut got).unwrap();
        rs::smooth_ifs(a.view(), want.view_mut());
        assert!(got
            .iter()
            .zip(&want)
            .all(|(x, y)| x.to_bits() == y.to_bits()));

        let mut got = Array1::from_elem(n, 5.0);
        let mut want = got.clone();
        diff(&a, &mut got).unwrap();
        rs::diff(a.view(), want.view_mut());
        assert!(got
            .iter()
            .zip(&want)
            .all(|(x, y)| x.to_bits() == y.to_bits()));

        let a = Array1::from_shape_fn(n, |i| i as i64 * 7 - 20);
        let mut got = Array1::from_elem(n, 1i64);
        let mut want = got.clone();
        mirrored(&a, &mut got).unwrap();
        rs::mirrored(a.view(), want.view_mut());
        assert_eq!(got, want, "mirrored {n}");

        let a = Array1::from_shape_fn(n, |i| if i == 6 { -1.0 } else { i as f64 * 0.25 });
        assert_eq!(breaks(&a).unwrap(), rs::breaks(a.view()), "breaks {n}");
        assert_eq!(opaque(&a).unwrap(), rs::opaque(a.view()), "opaque {n}");
    }
}

#[test]
fn every_test_form_matches_plain_rust_near_zero_and_max() {
    type K = fn(usize, usize, usize, usize) -> u64;
    let kernels: [(&str, &rumba::Kernel, K); 8] = [
        ("lt", lt::kernel(), rs::lt),
        ("le_mirrored", le_mirrored::kernel(), rs::le_mirrored),
        ("gt", gt::kernel(), rs::gt),
        ("ge_mirrored", ge_mirrored::kernel(), rs::ge_mirrored),
        ("eq_or", eq_or::kernel(), rs::eq_or),
        ("ne_and", ne_and::kernel(), rs::ne_and),
        ("not_le", not_le::kernel(), rs::not_le),
        ("nested", nested::kernel(), rs::nested),
    ];
    const M: usize = usize::MAX;
    let small = [0, 1, 2, 3, 5, 9];
    let big = [M, M - 1, M - 2, M - 4];
    let ranges = [(0, 0), (0, 12), (3, 9), (7, 4), (M - 10, M), (M - 3, M - 1)];
    let values: Vec<usize> = small.iter().chain(&big).copied().collect();
    for (name, kernel, plain) in kernels {
        for (lo, hi) in ranges {
            for &k in &values {
                for &c in &values {
                    let args = [lo.into_arg(), hi.into_arg(), k.into_arg(), c.into_arg()];
                    let got: u64 = kernel.call_as(&args).unwrap();
                    assert_eq!(got, plain(lo, hi, k, c), "{name}({lo}, {hi}, {k}, {c})");
                }
            }
        }
    }
}

#[test]
fn a_failing_access_in_the_interior_fails_as_rust_would() {
    let a = Array1::from_shape_fn(8, |i| i as f64);
    for k in [0, 2, 7, 20] {
        let mut b = Array1::from_elem(10, 0.0);
        let err = unguarded(&a, &mut b, k).err();
        // Plain Rust stops at the first `i >= k` with `i + 3 >= 8` (it panics there).
        let mut want = Array1::from_elem(10, 0.0);
        let mut failed = None;
        for i in 0..10 {
            if i < k {
                want[i] = -1.0;
            } else if i + 3 < 8 {
                want[i] = a[i + 3];
            } else {
                failed = Some(i);
                break;
            }
        }
        assert_eq!(b, want, "k = {k}");
        match (err, failed) {
            (Some(e), Some(i)) => {
                let text = e.to_string();
                assert!(
                    text.contains(&format!("the index is {}", i + 3)),
                    "k = {k}: {text}"
                );
            }
            (None, None) => {}
            (e, f) => panic!("k = {k}: {e:?} but plain Rust failed at {f:?}"),
        }
    }
}

#[test]
fn which_loops_are_split() {
    let a = data2(6, 6);
    let mut b = data2(6, 6);
    let split =
        |k: &rumba::Kernel, args: &[rumba::Arg<'_>]| k.typed_ir(args).unwrap().contains("split.a");
    let (x, mut y) = (a.row(0).to_owned(), a.row(1).to_owned());
    for k in [
        blur5::kernel(),
        blur3::kernel(),
        rows_par::kernel(),
        blur5_par::kernel(),
    ] {
        assert!(split(k, &[(&a).into_arg(), (&mut b).into_arg()]));
    }
    assert!(split(
        smooth::kernel(),
        &[(&x).into_arg(), (&mut y).into_arg()]
    ));
    // The loop from `i = 1` on is the long one, its accesses unchecked.
    let ir = diff::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(ir.contains("max(split.lo, 1_usize)"), "{ir}");
    assert!(ir.contains("unchecked a[(i - 1_usize)]"), "{ir}");
    // Split on both tests: one interior loop (and its checked copy), no test left in it.
    let ir = smooth_ifs::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(ir.contains("unchecked x[(i + 1_usize)]"), "{ir}");
    assert_eq!(ir.matches("for i in").count(), 4, "{ir}");
    assert!(!split(breaks::kernel(), &[(&x).into_arg()]));
    assert!(!split(opaque::kernel(), &[(&x).into_arg()]));
    let scalars = [
        1usize.into_arg(),
        2usize.into_arg(),
        3usize.into_arg(),
        4usize.into_arg(),
    ];
    assert!(split(lt::kernel(), &scalars));
    assert!(split(nested::kernel(), &scalars));
    // blur5's border loops know their test (`i < 2` before the interior; `i + 2 >= n` after it,
    // `n` an extent, so `i + 2` cannot wrap): the copy alone, the 5x5 window only inside.
    let ir = blur5::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut b).into_arg()])
        .unwrap();
    assert_eq!(ir.matches("for di in").count(), 2, "{ir}");
    assert!(!ir.contains("|| true"), "{ir}");
}
