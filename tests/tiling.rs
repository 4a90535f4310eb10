//! Register tiling (`passes::tile`): matmul-class nests `for i { for p { P; for j { B } } }` run as
//! 4x4 tiles, against the same loops in plain Rust, bit for bit, over shapes that leave rows and
//! columns of the tile over (trip counts not multiples of 4, empty loops), strided and transposed
//! operands, `f32` and integers, rows spread over threads by `prange`; nests the rules refuse
//! stay as they were (and right); the typed IR shows which nests were tiled.
#![allow(clippy::needless_range_loop)] // the plain-Rust twins are the index loops as written

use ndarray::{s, Array1, Array2};
use rumba::IntoArg;

twin! {
    /// The i-p-j product, accumulating into `c`.
    pub fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in 0..n {
            for p in 0..k {
                let aip = a[[i, p]];
                for j in 0..m {
                    c[[i, j]] += aip * b[[p, j]];
                }
            }
        }
    }

    /// The rows spread over threads: the tiles' blocks of rows are the parallel loop.
    pub fn matmul_par(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in prange(0..n) {
            for p in 0..k {
                let aip = a[[i, p]];
                for j in 0..m {
                    c[[i, j]] += aip * b[[p, j]];
                }
            }
        }
    }

    /// `f32`, scaled, written without the hoisted load.
    pub fn matmul_scaled(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>, alpha: f32) {
        for i in 0..c.nrows() {
            for p in 0..a.ncols() {
                for j in 0..c.ncols() {
                    c[[i, j]] = c[[i, j]] + alpha * a[[i, p]] * b[[p, j]];
                }
            }
        }
    }

    /// Integers (wrapping as release builds do is never reached: the values are small).
    pub fn matmul_int(a: ArrayView2<i64>, b: ArrayView2<i64>, mut c: ArrayViewMut2<i64>) {
        for i in 0..a.nrows() {
            for p in 0..a.ncols() {
                let x = a[[i, p]] * 3 - 1;
                for j in 0..b.ncols() {
                    c[[i, j]] += x * b[[p, j]];
                }
            }
        }
    }

    /// The dot form: one dot product per element (interchanged into the row form, then tiled).
    pub fn matmul_dot(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in 0..n {
            for j in 0..m {
                let mut s = 0.0;
                for p in 0..k {
                    s += a[[i, p]] * b[[p, j]];
                }
                c[[i, j]] = s;
            }
        }
    }

    /// The dot form with its rows spread over threads.
    pub fn matmul_dot_par(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in prange(0..n) {
            for j in 0..m {
                let mut s = 0.0;
                for p in 0..k {
                    s += a[[i, p]] * b[[p, j]];
                }
                c[[i, j]] = s;
            }
        }
    }

    /// The dot form over `f32` from a bias, subtracting, into a transposed result; the last
    /// sum read after the nest.
    pub fn dot_bias(a: ArrayView2<f32>, b: ArrayView2<f32>, bias: ArrayView1<f32>, mut c: ArrayViewMut2<f32>) -> f32 {
        let mut s = -1.0f32;
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                s = bias[j];
                for p in 0..a.ncols() {
                    s -= a[[i, p]] * b[[p, j]];
                }
                c[[j, i]] = s;
            }
        }
        s
    }

    /// The dot form scaled on its way into `c` (a last pass computes `alpha * s + 1.0`); the
    /// last sum returned.
    pub fn dot_scaled(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>, alpha: f64) -> f64 {
        let mut s = 7.0;
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                s = 0.0;
                for p in 0..a.ncols() {
                    s += a[[i, p]] * b[[p, j]];
                }
                c[[i, j]] = alpha * s + 1.0;
            }
        }
        s
    }

    /// Accumulating into `c`, integers.
    pub fn dot_acc(a: ArrayView2<i64>, b: ArrayView2<i64>, mut c: ArrayViewMut2<i64>) {
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                let mut s = c[[i, j]];
                for p in 0..a.ncols() {
                    s += a[[i, p]] * b[[p, j]] - 1;
                }
                c[[i, j]] = s;
            }
        }
    }

    /// A triangular product (`p` up to `i`): left as it is.
    pub fn dot_tri(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                let mut s = 0.0;
                for p in 0..i.min(a.ncols()) {
                    s += a[[i, p]] * b[[p, j]];
                }
                c[[i, j]] = s;
            }
        }
    }

    /// Two arrays stored per element: `c` sums the rows of `b`, `d` takes `a[[i, p]]` in turn
    /// (written, never read: the last `p`'s stays).
    pub fn two_outputs(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>, mut d: ArrayViewMut2<f64>) {
        for i in 0..a.nrows() {
            for p in 0..a.ncols() {
                let aip = a[[i, p]];
                for j in 0..b.ncols() {
                    c[[i, j]] += b[[p, j]];
                    d[[i, j]] = aip;
                }
            }
        }
    }

    /// A value carried from one row to the next: not tiled.
    pub fn carried(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        let mut s = 1.0;
        for i in 0..a.nrows() {
            for p in 0..a.ncols() {
                s = s * 0.5 + a[[i, p]];
                for j in 0..b.ncols() {
                    c[[i, j]] += s * b[[p, j]];
                }
            }
        }
    }

    /// The stored array's index does not follow `i` (rows of `c` meet): not tiled.
    pub fn by_p(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        for i in 0..a.nrows() {
            for p in 0..a.ncols() {
                let aip = a[[i, p]];
                for j in 0..b.ncols() {
                    c[[p, j]] = c[[p, j]] * 0.5 + aip * b[[i, j]];
                }
            }
        }
    }

    /// Each pass reads what the one before wrote (`j + 1`): not tiled.
    pub fn shifted(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
        for i in 0..a.nrows() {
            for p in 0..a.ncols() {
                let aip = a[[i, p]];
                for j in 0..b.ncols() - 1 {
                    c[[i, j]] = c[[i, j + 1]] + aip * b[[p, j]];
                }
            }
        }
    }
}

fn data(n: usize, m: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        let h = (i as u64 * 7919 + j as u64 * 104729 + seed).wrapping_mul(2654435761) % 1000;
        h as f64 / 37.0 - 13.0
    })
}

fn bits<T: Copy, const N: usize>(x: &Array2<T>, f: impl Fn(T) -> [u8; N]) -> Vec<[u8; N]> {
    x.iter().map(|v| f(*v)).collect()
}

/// (n, k, m): rows and columns of the tile left over, empty loops, one tile exactly, several
/// panels of `p` (256) and `j` (512) with parts of one left over.
const SHAPES: [(usize, usize, usize); 11] = [
    (0, 3, 5),
    (3, 0, 2),
    (2, 3, 0),
    (1, 1, 1),
    (4, 4, 8),
    (5, 7, 9),
    (13, 6, 31),
    (16, 17, 16),
    (8, 3, 7),
    (5, 300, 530),
    (9, 513, 1030),
];

#[test]
fn tiled_nests_match_plain_rust() {
    for (n, k, m) in SHAPES {
        let (a, b) = (data(n, k, 1), data(k, m, 2));
        let mut c = data(n, m, 3);
        let mut want = c.clone();
        matmul(&a, &b, &mut c).unwrap();
        rs::matmul(a.view(), b.view(), want.view_mut());
        assert_eq!(
            bits(&c, f64::to_le_bytes),
            bits(&want, f64::to_le_bytes),
            "{n}x{k}x{m}"
        );
        let mut c = data(n, m, 3);
        matmul_par(&a, &b, &mut c).unwrap();
        assert_eq!(
            bits(&c, f64::to_le_bytes),
            bits(&want, f64::to_le_bytes),
            "{n}x{k}x{m} par"
        );

        // Transposed and strided operands, a window of a larger output.
        let (at, bt) = (data(k, n, 4), data(m, k, 5));
        let mut big = data(n + 2, 2 * m + 1, 6);
        let mut want = big.clone();
        matmul(at.t(), bt.t(), big.slice_mut(s![1..n + 1, ..;2])).unwrap();
        rs::matmul(at.t(), bt.t(), want.slice_mut(s![1..n + 1, ..;2]));
        assert_eq!(
            bits(&big, f64::to_le_bytes),
            bits(&want, f64::to_le_bytes),
            "{n}x{k}x{m} views"
        );

        let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        let mut c32 = data(n, m, 7).mapv(|v| v as f32);
        let mut want = c32.clone();
        matmul_scaled(&a32, &b32, &mut c32, 0.3f32).unwrap();
        rs::matmul_scaled(a32.view(), b32.view(), want.view_mut(), 0.3);
        assert_eq!(
            bits(&c32, f32::to_le_bytes),
            bits(&want, f32::to_le_bytes),
            "{n}x{k}x{m} f32"
        );

        let (mut c, mut d) = (data(n, m, 8), data(n, m, 9));
        let (mut want_c, mut want_d) = (c.clone(), d.clone());
        two_outputs(&a, &b, &mut c, &mut d).unwrap();
        rs::two_outputs(a.view(), b.view(), want_c.view_mut(), want_d.view_mut());
        let f64_bits = |x: &Array2<f64>| bits(x, f64::to_le_bytes);
        assert_eq!(f64_bits(&c), f64_bits(&want_c), "{n}x{k}x{m} two_outputs c");
        assert_eq!(f64_bits(&d), f64_bits(&want_d), "{n}x{k}x{m} two_outputs d");

        let (ai, bi) = (a.mapv(|v| v as i64), b.mapv(|v| v as i64));
        let mut ci = Array2::<i64>::from_elem((n, m), 5);
        let mut want = ci.clone();
        matmul_int(&ai, &bi, &mut ci).unwrap();
        rs::matmul_int(ai.view(), bi.view(), want.view_mut());
        assert_eq!(ci, want, "{n}x{k}x{m} i64");
    }
}

#[test]
fn dot_form_nests_match_plain_rust() {
    for (n, k, m) in SHAPES {
        let (a, b) = (data(n, k, 1), data(k, m, 2));
        let mut c = data(n, m, 3);
        let mut want = c.clone();
        matmul_dot(&a, &b, &mut c).unwrap();
        rs::matmul_dot(a.view(), b.view(), want.view_mut());
        let f64_bits = |x: &Array2<f64>| bits(x, f64::to_le_bytes);
        assert_eq!(f64_bits(&c), f64_bits(&want), "dot {n}x{k}x{m}");
        let mut c = data(n, m, 4);
        matmul_dot_par(&a, &b, &mut c).unwrap();
        assert_eq!(f64_bits(&c), f64_bits(&want), "dot_par {n}x{k}x{m}");

        let (a32, b32) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
        let bias = Array1::from_shape_fn(m, |j| j as f32 * 0.25 - 1.0);
        let mut c32 = Array2::<f32>::from_elem((m, n), 2.0);
        let mut want = c32.clone();
        let got = dot_bias(&a32, &b32, &bias, &mut c32).unwrap();
        let s = rs::dot_bias(a32.view(), b32.view(), bias.view(), want.view_mut());
        assert_eq!(
            got.to_bits(),
            s.to_bits(),
            "dot_bias's last sum {n}x{k}x{m}"
        );
        let f32_bits = |x: &Array2<f32>| bits(x, f32::to_le_bytes);
        assert_eq!(f32_bits(&c32), f32_bits(&want), "dot_bias {n}x{k}x{m}");

        let mut c = data(n, m, 5);
        let mut want = c.clone();
        let got = dot_scaled(&a, &b, &mut c, 0.3).unwrap();
        let s = rs::dot_scaled(a.view(), b.view(), want.view_mut(), 0.3);
        assert_eq!(
            got.to_bits(),
            s.to_bits(),
            "dot_scaled's last sum {n}x{k}x{m}"
        );
        assert_eq!(f64_bits(&c), f64_bits(&want), "dot_scaled {n}x{k}x{m}");

        let (ai, bi) = (a.mapv(|v| v as i64), b.mapv(|v| v as i64));
        let mut ci = Array2::<i64>::from_elem((n, m), 5);
        let mut want = ci.clone();
        dot_acc(&ai, &bi, &mut ci).unwrap();
        rs::dot_acc(ai.view(), bi.view(), want.view_mut());
        assert_eq!(ci, want, "dot_acc {n}x{k}x{m}");

        let mut c = data(n, m, 3);
        let mut want = c.clone();
        dot_tri(&a, &b, &mut c).unwrap();
        rs::dot_tri(a.view(), b.view(), want.view_mut());
        assert_eq!(f64_bits(&c), f64_bits(&want), "dot_tri {n}x{k}x{m}");
    }
    // A `c` too small: the same error after the same writes as the plain loop's order gives
    // (the checked copy keeps the dot form).
    let (a, b) = (data(5, 3, 1), data(3, 4, 2));
    let mut c = Array2::<f64>::zeros((5, 3));
    let err = matmul_dot(&a, &b, &mut c).unwrap_err().to_string();
    assert!(err.contains("index is 3"), "{err}");
    let mut want = Array2::<f64>::zeros((5, 3));
    let row: Vec<f64> = (0..3)
        .map(|j| (0..3).fold(0.0, |s, p| s + a[[0, p]] * b[[p, j]]))
        .collect();
    want.row_mut(0).assign(&Array1::from(row));
    assert_eq!(c, want);
}

#[test]
fn refused_nests_match_plain_rust() {
    for (n, k, m) in SHAPES {
        let (a, b) = (data(n, k, 1), data(k, m, 2));
        let mut c = data(n, m, 3);
        let mut want = c.clone();
        carried(&a, &b, &mut c).unwrap();
        rs::carried(a.view(), b.view(), want.view_mut());
        assert_eq!(
            bits(&c, f64::to_le_bytes),
            bits(&want, f64::to_le_bytes),
            "carried {n}x{k}x{m}"
        );

        let (a, b) = (data(n, k, 1), data(n, m, 2));
        let mut c = data(k, m, 3);
        let mut want = c.clone();
        by_p(&a, &b, &mut c).unwrap();
        rs::by_p(a.view(), b.view(), want.view_mut());
        assert_eq!(
            bits(&c, f64::to_le_bytes),
            bits(&want, f64::to_le_bytes),
            "by_p {n}x{k}x{m}"
        );

        if m > 0 {
            let (a, b) = (data(n, k, 1), data(k, m, 2));
            let mut c = data(n, m, 3);
            let mut want = c.clone();
            shifted(&a, &b, &mut c).unwrap();
            rs::shifted(a.view(), b.view(), want.view_mut());
            assert_eq!(
                bits(&c, f64::to_le_bytes),
                bits(&want, f64::to_le_bytes),
                "shifted {n}x{k}x{m}"
            );
        }
    }
}

/// A sum over the last axis of a 3-D array has the dot form's shape but is left as it is: the
/// interchange would walk `a` across its rows (its results: `bench_kernels::sum_last_..`).
#[test]
fn sums_over_the_last_axis_are_not_interchanged() {
    let a = ndarray::Array3::<f32>::zeros((3, 5, 12));
    let mut out = Array2::<f32>::zeros((3, 5));
    let ir = crate::kernels::sum_last::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut out).into_arg()])
        .unwrap();
    // The interchange's first nest would set each element to the sum's start.
    assert!(
        !ir.contains("out[i, j] = 0.0_f32"),
        "not interchanged:\n{ir}"
    );
}

#[test]
fn which_nests_are_tiled() {
    let (a, b) = (data(4, 4, 0), data(4, 4, 1));
    let mut c = data(4, 4, 2);
    let mut tiled = |k: &rumba::Kernel| {
        k.typed_ir(&[(&a).into_arg(), (&b).into_arg(), (&mut c).into_arg()])
            .unwrap()
            .contains("tile.q")
    };
    assert!(tiled(matmul::kernel()), "matmul");
    assert!(tiled(matmul_par::kernel()), "matmul_par");
    assert!(tiled(matmul_dot::kernel()), "matmul_dot");
    assert!(tiled(matmul_dot_par::kernel()), "matmul_dot_par");
    assert!(!tiled(dot_tri::kernel()), "dot_tri");
    assert!(!tiled(carried::kernel()), "carried");
    assert!(!tiled(by_p::kernel()), "by_p");
    assert!(!tiled(shifted::kernel()), "shifted");
    let (a, b) = (a.mapv(|v| v as f32), b.mapv(|v| v as f32));
    let mut c = c.mapv(|v| v as f32);
    let ir = matmul_scaled::kernel()
        .typed_ir(&[
            (&a).into_arg(),
            (&b).into_arg(),
            (&mut c).into_arg(),
            2f32.into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("tile.q"), "matmul_scaled");
    let (ai, bi) = (
        data(4, 4, 0).mapv(|v| v as i64),
        data(4, 4, 1).mapv(|v| v as i64),
    );
    let mut ci = data(4, 4, 2).mapv(|v| v as i64);
    let ir = dot_acc::kernel()
        .typed_ir(&[(&ai).into_arg(), (&bi).into_arg(), (&mut ci).into_arg()])
        .unwrap();
    assert!(ir.contains("tile.q"), "dot_acc");
    let (af, bf) = (
        data(4, 4, 0).mapv(|v| v as f32),
        data(4, 4, 1).mapv(|v| v as f32),
    );
    let (bias, mut cf) = (Array1::<f32>::zeros(4), data(4, 4, 2).mapv(|v| v as f32));
    let ir = dot_bias::kernel()
        .typed_ir(&[
            (&af).into_arg(),
            (&bf).into_arg(),
            (&bias).into_arg(),
            (&mut cf).into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("tile.q"), "dot_bias");
    let (a, b, mut c) = (data(4, 4, 0), data(4, 4, 1), data(4, 4, 2));
    let ir = dot_scaled::kernel()
        .typed_ir(&[
            (&a).into_arg(),
            (&b).into_arg(),
            (&mut c).into_arg(),
            0.5f64.into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("tile.q"), "dot_scaled");
    // A pass of `j` holds the elements it stores in scalars: each read before the copies where
    // the first access reads it (`c`), none where the first access writes it (`d`), all written
    // after them.
    let mut d = data(4, 4, 3);
    let ir = two_outputs::kernel()
        .typed_ir(&[
            (&a).into_arg(),
            (&b).into_arg(),
            (&mut c).into_arg(),
            (&mut d).into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("tile.q"), "two_outputs");
    assert!(ir.contains("c.3 = unchecked c[i.3, j];"), "{ir}");
    assert!(!ir.contains("d.3 = unchecked d["), "{ir}");
    assert!(ir.contains("unchecked d[i.3, j] = d.3;"), "{ir}");
}
