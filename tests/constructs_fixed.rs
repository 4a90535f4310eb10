//! Fixed-size arrays `[T; N]` (`[v; N]`, `[a, b, c]`) as Rust has them: values on the stack that
//! are copied when read (`let b = a`, passed by value, returned), indexed, iterated, borrowed as
//! `&[T; N]` / `&mut [T; N]`, inside tuples and `prange` bodies, against the same code in plain
//! Rust, bit for bit; their errors (a length that is not a constant, too large for the stack, a
//! kernel returning one, an index out of range).

use ndarray::prelude::*;
use rumba::{ErrorKind, IntoArg};

twin! {
    /// `let b = a` and a call by value copy `a`: writes to the copies leave it as it was.
    pub fn copies(x: ArrayView1<f64>) -> (f64, f64, f64) {
        let a = [x[0], x[1], x[2]];
        let mut b = a;
        b[0] = 10.0;
        let c = bumped(a);
        (a[0] + a[1] + a[2], b[0] + b[1], c[0] + c[2] + a[0])
    }

    fn bumped(mut v: [f64; 3]) -> [f64; 3] {
        for k in 0..3 {
            v[k] += 1.0;
        }
        v
    }

    /// Four running sums with a `const` length, added pairwise at the end.
    pub fn lanes(x: ArrayView1<f64>) -> f64 {
        const L: usize = 4;
        let mut acc = [0.0; L];
        let n = x.len() / L * L;
        let mut i = 0;
        while i < n {
            for k in 0..L {
                acc[k] += x[i + k];
            }
            i += L;
        }
        let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for j in n..x.len() {
            s += x[j];
        }
        s
    }

    /// Iteration over a fixed-size array, `&[T; N]` and `&mut [T; N]` helpers.
    pub fn iterate(x: ArrayView1<f64>) -> (f64, usize, f64, u32) {
        let w = [0.25, 0.5, 0.25];
        let mut s = 0.0;
        for v in w.iter() {
            s += v * x[0];
        }
        let mut best = 0;
        for (k, &v) in w.iter().enumerate() {
            if v > w[best] {
                best = k;
            }
        }
        let mut h = [0u32; 4];
        for i in 0..x.len() {
            bin(x[i], &mut h);
        }
        (s, best, dot3(&w, &w), h[0] * 1000 + h[1] * 100 + h[2] * 10 + h[3])
    }

    fn dot3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }

    fn bin(v: f64, h: &mut [u32; 4]) {
        let k = if v < 0.0 { 0 } else if v < 1.0 { 1 } else if v < 2.0 { 2 } else { 3 };
        h[k] += 1;
    }

    /// A fixed-size array in a tuple, swapped elements (`a = [a[1], a[0]]` reads before it
    /// writes), a 3-point stencil with weights in a literal.
    pub fn stencil(x: ArrayView1<f64>) -> (f64, f64, Array1<f64>) {
        let t = ([1.5, 2.5], 4.0);
        let mut a = t.0;
        a = [a[1], a[0]];
        let w = [0.25f64, 0.5, 0.25];
        let n = x.len();
        let mut y = Array1::zeros(n);
        for i in 1..n - 1 {
            y[i] = w[0] * x[i - 1] + w[1] * x[i] + w[2] * x[i + 1];
        }
        (a[0] - a[1] * t.1, t.0[1], y)
    }

    /// Integer and bool elements; an array filled by a loop after `[false; N]`.
    pub fn sieve(n: usize) -> usize {
        let mut composite = [false; 64];
        let mut count = 0;
        for i in 2..n.min(64) {
            if !composite[i] {
                count += 1;
                let mut j = i * i;
                while j < 64 {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        count
    }

    /// `for v in a`, `for &v in &a`, `for v in &mut a`, `swap`, and lists: `vec![a, b]`,
    /// `array![..]` in one and two dimensions.
    pub fn lists(x: ArrayView1<f64>) -> (f64, f64, f64, f64) {
        let mut w = [x[0], 2.0, 3.0, x[1]];
        let mut s = 0.0;
        for v in w {
            s += v;
        }
        for &v in &w {
            s = s * 0.5 + v;
        }
        for v in &mut w {
            *v *= 2.0;
        }
        w.swap(0, 3);
        let l = vec![w[0], 1.5, w[1]];
        let a = array![l[2], 4.0, s];
        let m = array![[1.0, x[2]], [3.0, 4.0], [l[0], 6.0]];
        let mut t = 0.0;
        for &v in &m {
            t = t * 0.25 + v;
        }
        (s + w[0] - w[3], l[0] * l[1] + l[2], a.sum(), t + m[[2, 0]] * m.nrows() as f64)
    }
}

fn line(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| ((i * 37 % 11) as f64 - 3.0) * 0.37)
}

#[test]
fn constructs_fixed_arrays_are_copied_as_rust_copies_them() {
    let x = line(9);
    let got: (f64, f64, f64) = copies(&x).unwrap();
    assert_eq!(got, rs::copies(x.view()));
}

#[test]
fn constructs_fixed_arrays_equal_rust() {
    for n in [0, 1, 3, 4, 7, 8, 33] {
        let x = line(n);
        let got: f64 = lanes(&x).unwrap();
        assert_eq!(got.to_bits(), rs::lanes(x.view()).to_bits(), "lanes n={n}");
        if n > 0 {
            let got: (f64, usize, f64, u32) = iterate(&x).unwrap();
            assert_eq!(got, rs::iterate(x.view()), "iterate n={n}");
        }
        if n > 2 {
            let got: (f64, f64, Array1<f64>) = stencil(&x).unwrap();
            assert_eq!(got, rs::stencil(x.view()), "stencil n={n}");
        }
    }
    let x = line(5);
    let got: (f64, f64, f64, f64) = lists(&x).unwrap();
    assert_eq!(got, rs::lists(x.view()));
    for n in [0, 2, 10, 64, 100] {
        let got: usize = sieve(n).unwrap();
        assert_eq!(got, rs::sieve(n), "sieve n={n}");
    }
}

rumba::compile! {
    /// A scratch window per iteration of a `prange` loop.
    fn window_sums(x: &[f64], out: &mut [f64]) {
        for i in prange(0..out.len()) {
            let mut w = [0.0; 5];
            for k in 0..5 {
                if i + k < x.len() {
                    w[k] = x[i + k];
                }
            }
            out[i] = w[0] + w[1] + w[2] + w[3] + w[4];
        }
    }

    fn fixed_index(x: &[f64], i: usize) -> f64 {
        let a = [x[0], x[1], x[2]];
        a[i]
    }
}

#[test]
fn constructs_fixed_scratch_in_prange() {
    let x: Vec<f64> = line(1000).to_vec();
    let mut out = vec![0.0; 1000];
    window_sums(&x[..], &mut out[..]).unwrap();
    let want: Vec<f64> = (0..1000)
        .map(|i| {
            let mut w = [0.0; 5];
            for k in 0..5 {
                if i + k < x.len() {
                    w[k] = x[i + k];
                }
            }
            w[0] + w[1] + w[2] + w[3] + w[4]
        })
        .collect();
    assert_eq!(out, want);
}

#[test]
fn constructs_fixed_index_out_of_range_is_an_err() {
    let x = [1.0, 2.0, 3.0];
    let got: f64 = fixed_index(&x[..], 2).unwrap();
    assert_eq!(got, 3.0);
    let e = fixed_index(&x[..], 3).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::OutOfBounds { array, index: 3, len: 3, .. } if array == "a"),
        "{e:#}"
    );
}

#[test]
fn constructs_fixed_errors() {
    let x = array![1.0, 2.0, 3.0];
    let cases: [(&str, &str); 9] = [
        (
            "fn k(x, n: usize) { let w = [[1.0, 2.0], [3.0, 4.0]]; x[0] = w[0][1]; }",
            "arrays of arrays are not supported",
        ),
        (
            "fn k(x, n: usize) { let w = [1.0, 2.0]; for v in &mut w { *v += 1.0; } x[0] = w[0]; }",
            "cannot borrow `w` as mutable, as it is not declared as mutable",
        ),
        (
            "fn k(x, n: usize) { let w = array![[1.0, 2.0], [3.0]]; x[0] = w[[0, 0]]; }",
            "the rows of `array![..]` must be lists of the same length",
        ),
        (
            "fn k(x, n: usize) { let a = [0.0; n]; x[0] = a[0]; }",
            "the length of `[v; N]` must be a constant",
        ),
        (
            "fn k(x, n: usize) { let a = [0.0; 100000]; x[0] = a[0]; }",
            "the fixed-size array `[f64; 100000]` is too large for the stack",
        ),
        (
            "fn k(x, n: usize) { [x[0], x[1]] }",
            "kernel `k` returns a fixed-size array `[f64; 2]`",
        ),
        (
            "fn k(x, n: usize) { let mut a = [0.0; 3]; a = [1.0; 4]; x[0] = a[0]; }",
            "mismatched types",
        ),
        (
            "fn k(x, n: usize) { let a = [0.0; 3]; a[0] = 1.0; x[0] = a[0]; }",
            "not declared as mutable",
        ),
        (
            "fn k(x, n: usize) { let a = [0.0, 1]; x[0] = a[0]; }",
            "mismatched types",
        ),
    ];
    for (src, want) in cases {
        let mut y = x.clone();
        let k = rumba::Kernel::from_source(src, "k");
        let e = k
            .call(&[(&mut y).into_arg(), 3usize.into_arg()])
            .unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}

rumba::compile! {
    /// `&[T; N]` and `&mut [T; N]` parameters, passed from Rust as Rust's arrays.
    fn scale3(v: &[f64; 3], out: &mut [f64; 4]) -> f64 {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        for k in 0..3 {
            out[k] = v[k] / n;
        }
        out[3] = n;
        n
    }
}

#[test]
fn constructs_fixed_rust_arrays_as_arguments() {
    let v = [1.0, 2.0, 2.0];
    let mut out = [0.0; 4];
    let n: f64 = scale3(&v, &mut out).unwrap();
    assert_eq!(n, 3.0);
    assert_eq!(out, [1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3.0]);
}

twin! { mod rs_literal;
    /// `for` over array literals (`[..]`, `&[..]`, `.iter()`, `.enumerate()`, `[v; N]`): the
    /// neighbour offsets of a torus, as a Numba user writes `for di in (-1, 0, 1)`.
    pub fn torus_sums(g: ArrayView2<u8>) -> (Array2<u32>, f64) {
        let (n, m) = g.dim();
        let mut out = Array2::<u32>::zeros((n, m));
        for i in 0..n {
            for j in 0..m {
                let mut alive = 0;
                for di in [n - 1, 0, 1] {
                    for &dj in [m - 1, 0, 1].iter() {
                        if di == 0 && dj == 0 {
                            continue;
                        }
                        alive += g[[(i + di) % n, (j + dj) % m]] as u32;
                    }
                }
                out[[i, j]] = alive;
            }
        }
        let mut w = 0.0;
        for (k, v) in [0.25, 0.5, 0.25].iter().enumerate() {
            w += v * k as f64;
        }
        for v in &[1.5; 3] {
            w -= v;
        }
        (out, w)
    }
}

#[test]
fn constructs_fixed_for_over_array_literals() {
    let g = Array2::from_shape_fn((5, 7), |(i, j)| ((i * 3 + j * 5) % 4 == 0) as u8);
    let (out, w) = torus_sums(g.view()).unwrap();
    let (want, w_rs) = rs_literal::torus_sums(g.view());
    assert_eq!(out, want);
    assert_eq!(w.to_bits(), w_rs.to_bits());
}

twin! { mod rs_tuples;
    /// Arrays of tuples: a literal list of pairs (a grid's neighbour offsets; a sorting
    /// network's comparators in `loop_nests`), indexed, written, copied, and walked with tuple
    /// patterns: `&(p, q)` (copies), `(p, q)` over `.iter()` (read as `*p`), by value,
    /// enumerated, nested.
    pub fn life(g: ArrayView2<u8>) -> Array2<u8> {
        let (n, m) = g.dim();
        let mut out = Array2::zeros((n, m));
        for i in 0..n {
            for j in 0..m {
                let mut c = 0;
                for (di, dj) in [(-1i64, -1i64), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
                    let (y, x) = (i as i64 + di, j as i64 + dj);
                    if y >= 0 && y < n as i64 && x >= 0 && x < m as i64 {
                        c += g[[y as usize, x as usize]] as u32;
                    }
                }
                let alive = g[[i, j]] == 1;
                out[[i, j]] = if (alive && (c == 2 || c == 3)) || (!alive && c == 3) { 1 } else { 0 };
            }
        }
        out
    }

    pub fn pairs(x: ArrayView1<f64>) -> (f64, f64, usize, (usize, f64)) {
        let mut pairs = [(0usize, 1.5f64), (2, -0.5), (1, 2.0)];
        let copy = pairs;
        pairs[1] = (3, 4.0);
        pairs[2].1 *= 2.0;
        let mut s = 0.0;
        for &(k, w) in pairs.iter() {
            s += x[k] * w;
        }
        for (k, w) in pairs.iter() {
            s -= x[*k] / *w;
        }
        let mut t = 0.0;
        for (i, (k, _)) in copy.into_iter().enumerate() {
            t += (i * k) as f64 + x[k];
        }
        let nested = [((0usize, 2usize), 0.5f64), ((1, 3), 0.25)];
        let mut last = 0;
        for &((a, b), w) in &nested {
            t += (x[a] - x[b]) * w;
            last = a + b;
        }
        (s, t, last, pairs[1])
    }
}

#[test]
fn constructs_fixed_arrays_of_tuples_and_tuple_patterns() {
    let g = Array2::from_shape_fn((9, 11), |(i, j)| ((i * 5 + j * 3) % 7 < 3) as u8);
    assert_eq!(life(g.view()).unwrap(), rs_tuples::life(g.view()));
    let x = line(8);
    let (s, t, last, p) = pairs(x.view()).unwrap();
    let (s_rs, t_rs, last_rs, p_rs) = rs_tuples::pairs(x.view());
    assert_eq!(
        (s.to_bits(), t.to_bits(), last),
        (s_rs.to_bits(), t_rs.to_bits(), last_rs)
    );
    assert_eq!((p.0, p.1.to_bits()), (p_rs.0, p_rs.1.to_bits()));
}
