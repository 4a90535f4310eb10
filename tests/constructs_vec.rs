//! Growable vectors vs rustc: `Vec::new()`, `Vec::with_capacity(n)`, `vec![..]` grown with
//! `push` and `extend_from_slice`, shrunk with `pop`, `truncate` and `clear`, read with `len`,
//! `is_empty`, `last`, `first`, `get`, indexing, iteration and array methods, passed to helpers
//! and returned as `Vec<T>` (scalars and structs); vectors of a `prange` body's own; the
//! patterns rustc's borrow checker refuses (a length change while a view lives, a push onto a
//! vector shared by the iterations of a `prange`) are errors naming them; no memory is leaked
//! on early returns or failed checks.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two on real values. scripts/test.sh runs this suite
//! again through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use ndarray::{array, Array1};

twin! {
    pub fn nonzero(x: ArrayView1<f64>) -> Vec<usize> {
        let mut idx = Vec::new();
        for i in 0..x.len() {
            if x[i] != 0.0 {
                idx.push(i);
            }
        }
        idx
    }

    pub fn primes(n: u64) -> Vec<u64> {
        let mut p: Vec<u64> = Vec::with_capacity(16);
        let mut k = 2u64;
        while k < n {
            let mut prime = true;
            for &q in &p {
                if q * q > k {
                    break;
                }
                if k % q == 0 {
                    prime = false;
                    break;
                }
            }
            if prime {
                p.push(k);
            }
            k += 1;
        }
        p
    }

    /// A depth-first walk of a tree given as child index arrays (`-1`: none).
    pub fn stack_walk(left: &[i64], right: &[i64], root: usize) -> (usize, i64) {
        let mut stack: Vec<usize> = vec![root];
        let mut seen = 0usize;
        let mut h = 0i64;
        while let Some(n) = stack.pop() {
            seen += 1;
            h = h.wrapping_mul(31).wrapping_add(n as i64);
            if left[n] >= 0 {
                stack.push(left[n] as usize);
            }
            if right[n] >= 0 {
                stack.push(right[n] as usize);
            }
        }
        (seen, h)
    }

    pub fn vec_ops(x: &[f64]) -> (f64, f64, usize, bool, f64, usize) {
        let mut v: Vec<f64> = Vec::new();
        v.extend_from_slice(x);
        for i in 0..x.len() {
            v.push(x[i] * 2.0);
        }
        v[0] = -1.0;
        v[1] += 10.0;
        let s: f64 = v.iter().sum();
        let mut t = 0.0;
        for &e in &v {
            t += e * e;
        }
        let top = v.pop().unwrap();
        v.truncate(3);
        let last = if let Some(&l) = v.last() { l } else { 0.0 };
        let first = match v.first() {
            Some(&f) => f,
            None => 0.0,
        };
        let n = v.len();
        v.clear();
        (s + first, t, n, v.is_empty(), top + last, v.len())
    }

    /// `last`, `first` and `get` read the ways Rust reads their `Option<&T>`.
    pub fn reads(n: usize, at: usize) -> (f64, f64, f64, f64) {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as f64 + 0.5);
        }
        let a = *v.last().unwrap();
        let b = v.first().copied().unwrap_or(-1.0);
        let c = v.get(at).cloned().unwrap_or(-2.0);
        let d = match v.get(at + 1) {
            Some(&e) => e,
            None => -3.0,
        };
        (a, b, c, d)
    }

    pub fn weighted(a: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            s += a[i] * (i as f64 + 1.0);
        }
        s
    }

    /// A vector passed to a helper as a slice, then turned into an `Array1`.
    pub fn squares(n: usize) -> (f64, Array1<f64>) {
        let mut v = Vec::new();
        for i in 0..n {
            v.push((i * i) as f64);
        }
        let s = weighted(&v);
        (s, Array1::from(v))
    }

    pub fn scale_first(w: &mut [f64]) {
        w[0] = 5.0;
    }

    /// A vector written by a helper, of complex numbers, taken over by `Array1::from_vec`.
    pub fn consumers(n: usize) -> (f64, Array1<f64>, f64, f64) {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as f64 * 0.25);
        }
        scale_first(&mut v);
        let mut c = Vec::new();
        for i in 0..n {
            c.push(Complex64::new(v[i], 1.0));
        }
        let mut s = Complex64::new(0.0, 0.0);
        for &z in &c {
            s = s + z * z;
        }
        (weighted(&v), Array1::from_vec(v), s.re, s.im)
    }

    /// Sorted, without repeats: two vectors, one read while the other grows.
    pub fn sorted_unique(x: &[i64]) -> Vec<i64> {
        let mut v = Vec::new();
        v.extend_from_slice(x);
        v.sort();
        let mut out = Vec::new();
        for &e in &v {
            if let Some(&l) = out.last() {
                if l == e {
                    continue;
                }
            }
            out.push(e);
        }
        out
    }

    /// Run lengths: a vector grown through many reallocations (8 MiB for a million runs) and
    /// returned shrunk to its length.
    pub fn runs(x: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        if x.is_empty() {
            return out;
        }
        let mut len = 1;
        for i in 1..x.len() {
            if x[i] == x[i - 1] {
                len += 1;
            } else {
                out.push(len);
                len = 1;
            }
        }
        out.push(len);
        out
    }

    pub fn small_types(n: usize) -> (u8, bool, f32, usize) {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as u8);
        }
        let mut w = Vec::new();
        for i in 0..n {
            w.push(i % 2 == 0);
        }
        let mut f = vec![1.0f32];
        f.push(2.5);
        (v[n - 1], w[n - 1], f[1], v.len() + w.len() + f.len())
    }

    /// A vector declared in a `prange` body is that iteration's own.
    pub fn row_counts(x: ArrayView2<f64>, out: &mut [usize]) {
        for i in prange(0..x.nrows()) {
            let mut v = Vec::new();
            for j in 0..x.ncols() {
                if x[[i, j]] > 0.5 {
                    v.push(j);
                }
            }
            let first = match v.first() {
                Some(&j) => j,
                None => 99,
            };
            out[i] = v.len() * 100 + first;
        }
    }

    /// `push` ending a block (no `;`), `loop`/`while` conditions on the length, vectors read in
    /// macros, mutable iteration.
    pub fn forms(n: usize) -> (i64, Vec<f64>, f64) {
        let mut v = Vec::new();
        for i in 0..n as i64 {
            if i % 3 == 0 {
                v.push(i)
            } else {
                v.push(-i)
            }
        }
        assert!(v.len() == n, "one element per step");
        let mut total = 0;
        while !v.is_empty() {
            total = total * 3 + v.pop().unwrap();
        }
        let mut w = vec![0.5];
        loop {
            w.push(w[w.len() - 1] * 1.5);
            if w.len() >= n {
                break;
            }
        }
        assert_eq!(w[0], 0.5);
        for e in w.iter_mut() {
            *e += 1.0;
        }
        for e in &mut w {
            *e *= 2.0;
        }
        let pair = vec![w[1]; 2];
        let mut s = 0.0;
        for (i, &e) in w.iter().enumerate() {
            s += i as f64 * e;
        }
        (total, w, s + pair[0] + pair[1])
    }

    /// `let v = v;` ends the growable vector's scope: the new `v` is an array of its elements.
    pub fn rebound(n: usize) -> f64 {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as f64 * 0.5);
        }
        let v = v;
        let mut s = 0.0;
        for &e in &v {
            s += e;
        }
        s + v.len() as f64
    }

    /// What Rust guarantees of `capacity()`: at least what was asked for, at least the length.
    pub fn capacities(n: usize) -> (bool, bool, bool, usize) {
        let mut v: Vec<f64> = Vec::with_capacity(n);
        let asked = v.capacity() >= n;
        for i in 0..3 * n + 1 {
            v.push(i as f64);
        }
        let grown = v.capacity() >= v.len();
        v.clear();
        let kept = v.capacity() >= 3 * n + 1;
        (asked, grown, kept, v.len())
    }

    /// A vector declared outside a `prange` loop is read and written by index in it (its
    /// length unchanged).
    pub fn par_written(n: usize) -> f64 {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(1.0);
        }
        for i in prange(0..n) {
            v[i] = v[i] + i as f64 * 2.0;
        }
        let s: f64 = v.iter().sum();
        s
    }

    pub fn early(n: usize, stop: usize) -> Vec<i32> {
        let mut v = Vec::new();
        for i in 0..n {
            if i == stop {
                return v;
            }
            v.push(i as i32);
        }
        v
    }

    pub fn index_after(n: usize, at: usize) -> f64 {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as f64);
        }
        v[at]
    }

    pub fn unwrap_pop(n: usize) -> f64 {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(i as f64);
        }
        let a = v.pop().unwrap();
        let b = v.pop().unwrap();
        a + b
    }

    #[derive(Clone, Copy)]
    pub struct Hit {
        pub at: usize,
        pub w: f64,
    }

    pub fn hits(x: ArrayView1<f64>, lo: f64) -> Vec<Hit> {
        let mut v = Vec::with_capacity(2);
        for i in 0..x.len() {
            if x[i] > lo {
                v.push(Hit { at: i, w: x[i] * 0.5 });
            }
        }
        if let Some(h) = v.pop() {
            v.push(Hit { at: h.at + 1000, w: h.w });
        }
        v
    }
}

fn data(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| {
        if i % 3 == 1 {
            0.0
        } else {
            (i as f64 * 0.37).sin()
        }
    })
}

#[test]
fn constructs_vec_push_and_return() {
    for n in [0, 1, 5, 37, 1000] {
        let x = data(n);
        assert_eq!(nonzero(&x).unwrap(), rs::nonzero(x.view()), "{n}");
    }
    for n in [0, 2, 3, 50, 2000] {
        assert_eq!(primes(n).unwrap(), rs::primes(n), "{n}");
    }
    let a: &[f64] = &[3.0, -1.0, 4.0, 1.5];
    assert_eq!(vec_ops(a).unwrap(), rs::vec_ops(a));
    for n in [0, 1, 4, 5, 100] {
        let (s, arr): (f64, Array1<f64>) = squares(n).unwrap();
        let (ws, warr) = rs::squares(n);
        assert_eq!((s.to_bits(), arr), (ws.to_bits(), warr), "{n}");
    }
    for n in [1, 2, 9] {
        let (a, arr, re, im): (f64, Array1<f64>, f64, f64) = consumers(n).unwrap();
        let (wa, warr, wre, wim) = rs::consumers(n);
        assert_eq!((a, arr, re, im), (wa, warr, wre, wim), "{n}");
    }
    for (n, at) in [(1, 0), (3, 1), (3, 2), (3, 7)] {
        assert_eq!(reads(n, at).unwrap(), rs::reads(n, at), "{n} {at}");
    }
    let x: &[i64] = &[5, 3, 5, -2, 3, 3, 9, -2, 0];
    assert_eq!(sorted_unique(x).unwrap(), rs::sorted_unique(x));
    assert_eq!(small_types(7).unwrap(), rs::small_types(7));
    for n in [0, 1, 2, 5, 1000, 1 << 20] {
        let x: Vec<u8> = (0..n).map(|i| (i / (1 + i % 3)) as u8 & 1).collect();
        assert_eq!(runs(&x).unwrap(), rs::runs(&x), "{n}");
    }
    for n in [1, 2, 5, 9] {
        let (t, w, s): (i64, Vec<f64>, f64) = forms(n).unwrap();
        let (wt, ww, ws) = rs::forms(n);
        assert_eq!((t, w, s.to_bits()), (wt, ww, ws.to_bits()), "{n}");
    }
    for n in [0, 3, 17] {
        assert_eq!(rebound(n).unwrap(), rs::rebound(n), "{n}");
        assert_eq!(capacities(n).unwrap(), rs::capacities(n), "{n}");
    }
    for (n, stop) in [(10, 4), (10, 20), (0, 0)] {
        assert_eq!(early(n, stop).unwrap(), rs::early(n, stop));
    }
}

#[test]
fn constructs_vec_stack_walk() {
    // A complete binary tree of 63 nodes.
    let n = 63;
    let left: Vec<i64> = (0..n)
        .map(|i| if 2 * i + 1 < n { 2 * i + 1 } else { -1 })
        .collect();
    let right: Vec<i64> = (0..n)
        .map(|i| if 2 * i + 2 < n { 2 * i + 2 } else { -1 })
        .collect();
    for root in [0usize, 1, 5, 62] {
        let got = stack_walk(&left[..], &right[..], root).unwrap();
        assert_eq!(got, rs::stack_walk(&left, &right, root), "{root}");
    }
}

twin! { mod rs_tuples;
    /// A vector of tuples (the peaks of a signal, as `(index, height)`), walked by pattern and
    /// indexed by field.
    pub fn peaks(x: ArrayView1<f64>) -> (usize, f64, f64) {
        let mut found = Vec::new();
        for i in 1..x.len() - 1 {
            if x[i] > x[i - 1] && x[i] >= x[i + 1] {
                found.push((i, x[i]));
            }
        }
        let mut s = 0.0;
        for &(i, h) in found.iter() {
            s += h * i as f64;
        }
        let last = if found.is_empty() { 0.0 } else { found[found.len() - 1].1 };
        (found.len(), s, last)
    }

    /// A flood fill over a stack of grid cells whose type is written (`Vec<(usize, usize)>`).
    pub fn flood(grid: ArrayView2<u8>, si: usize, sj: usize) -> usize {
        let (n, m) = grid.dim();
        let mut seen = Array2::<bool>::from_elem((n, m), false);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        stack.push((si, sj));
        let mut count = 0;
        while let Some((i, j)) = stack.pop() {
            if seen[[i, j]] || grid[[i, j]] == 0 {
                continue;
            }
            seen[[i, j]] = true;
            count += 1;
            if i > 0 {
                stack.push((i - 1, j));
            }
            if i + 1 < n {
                stack.push((i + 1, j));
            }
            if j > 0 {
                stack.push((i, j - 1));
            }
            if j + 1 < m {
                stack.push((i, j + 1));
            }
        }
        count
    }
}

#[test]
fn constructs_vec_of_tuples() {
    for n in [3, 40, 1000] {
        let x = data(n);
        let (k, s, last) = peaks(x.view()).unwrap();
        let (k_rs, s_rs, last_rs) = rs_tuples::peaks(x.view());
        assert_eq!(
            (k, s.to_bits(), last.to_bits()),
            (k_rs, s_rs.to_bits(), last_rs.to_bits()),
            "{n}"
        );
    }
    let g = ndarray::Array2::from_shape_fn((20, 13), |(i, j)| u8::from((i * 7 + j * 3) % 5 != 0));
    for (si, sj) in [(0, 1), (1, 1), (19, 12), (7, 4)] {
        assert_eq!(
            flood(g.view(), si, sj).unwrap(),
            rs_tuples::flood(g.view(), si, sj),
            "{si} {sj}"
        );
    }
    assert_eq!(flood(g.view(), 0, 1).unwrap(), 42, "the fill spreads");
}

#[test]
fn constructs_vec_structs_and_prange() {
    let x = data(40);
    let got: Vec<Hit> = hits(&x, 0.2).unwrap();
    let want = rs::hits(x.view(), 0.2);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.at, g.w.to_bits()), (w.at, w.w.to_bits()));
    }
    let m = ndarray::Array2::from_shape_fn((300, 7), |(i, j)| ((i * 7 + j) as f64 * 0.61).fract());
    for n in [0, 1, 1000] {
        assert_eq!(par_written(n).unwrap(), rs::par_written(n), "{n}");
    }
    let mut out = vec![0usize; 300];
    let mut want = vec![0usize; 300];
    row_counts(&m, &mut out[..]).unwrap();
    rs::row_counts(m.view(), &mut want);
    assert_eq!(out, want);
}

#[test]
fn constructs_vec_failures_are_errs() {
    assert_eq!(index_after(3, 2).unwrap(), rs::index_after(3, 2));
    // Bounds are checked against the length, not the capacity (4 here).
    let e = index_after(3, 3).unwrap_err();
    assert!(
        format!("{e:#}").contains("`v` has length 3 on axis 0 but the index is 3"),
        "{e:#}"
    );
    assert_eq!(unwrap_pop(2).unwrap(), rs::unwrap_pop(2));
    let e = unwrap_pop(1).unwrap_err();
    assert!(
        format!("{e:#}").contains("called `Option::unwrap()` on a `None` value"),
        "{e:#}"
    );
}

/// The leak check proper: run by [`constructs_vec_no_leaks`] in a process of its own, where the
/// counting allocator sees nothing but these calls.
#[test]
#[ignore = "run by constructs_vec_no_leaks, in a process of its own"]
fn constructs_vec_leak_check() {
    let x = data(500);
    let run = || {
        assert_eq!(nonzero(&x).unwrap(), rs::nonzero(x.view()));
        assert_eq!(early(100, 50).unwrap().len(), 50);
        assert!(index_after(100, 100).is_err());
        assert!(unwrap_pop(1).is_err());
        assert!(squares(100).is_ok());
        let h: Vec<Hit> = hits(&x, 0.0).unwrap();
        assert!(!h.is_empty());
    };
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
fn constructs_vec_no_leaks() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "constructs_vec::constructs_vec_leak_check",
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

#[test]
fn constructs_vec_as_array_operand() {
    // What ndarray takes as `&ArrayBase` takes `&v` in a kernel (the view of its elements).
    let x = array![1.0, 2.0, 3.0];
    let k = rumba::Kernel::from_source(
        "fn k(x) { let mut v = Vec::new(); for i in 0..x.len() { v.push(i as f64); } x.dot(&v) + Zip::from(&v).map_collect(|&a| a * 2.0).sum() }",
        "k",
    );
    let got = k.call_as::<f64>(&[rumba::IntoArg::into_arg(&x)]).unwrap();
    assert_eq!(got, 8.0 + 6.0);
}

#[test]
fn constructs_vec_refused_patterns_name_the_alternative() {
    let x = array![1.0, 2.0, 3.0];
    let cases = [
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); for &e in &v { v.push(e); } 0 }",
            "cannot change the length of `v` while a loop iterates over it",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); let s = &v; v.push(2.0); s[0] }",
            "cannot change the length of `v` while `s` holds a view of it",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); let n: f64 = v.iter().map(|&e| { v.push(e); e }).sum(); n }",
            "cannot change the length of `v` while an iterator or method call borrows it",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); for i in prange(0..10) { v.push(i); } v.len() }",
            "a vector declared inside the `prange` body may grow",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); for i in prange(0..9) { v[0] = i as f64; } v[0] }",
            "every iteration of this `prange` loop stores to the same element of `v`",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); v.extend_from_slice(&v); v[0] }",
            "cannot extend `v` with a view of itself",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); for v in 0..3 {} v[0] }",
            "`v` shadows the growable vector `v`",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); let w = v; v.len() }",
            "use of moved value: `v`",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); let mut add = |e| v.push(e); add(1.0); v.len() }",
            "a closure cannot change the length of `v`",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); let s; s = &v; v.push(2.0); s[0] }",
            "a view of the growable vector `v` cannot be assigned to a variable",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); let s = if x[0] > 0.0 { &v } else { &v }; v.push(2.0); s[0] }",
            "cannot change the length of `v` while `s` holds a view of it",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0); v += &x; v[0] }",
            "`v` is a `Vec`, which has no compound assignment",
        ),
        (
            "fn k(x) { let mut v = Vec::new(); v.push(1.0, 2.0); v[0] }",
            "`push` of a vector takes one argument",
        ),
        ("fn k(x) { x.push(1.0); 0 }", "push onto a local vector"),
        (
            "fn k(x) { let mut v = Vec::new(); v.push((1, x[0])); v }",
            "kernel `k` returns an array of tuples",
        ),
        ("fn k(x) { let v = Vec::from_elem(1.0, 3); v[0] }", "cannot call `Vec::from_elem`"),
    ];
    for (src, want) in cases {
        let k = rumba::Kernel::from_source(src, "k");
        let e = k.call(&[rumba::IntoArg::into_arg(&x)]).unwrap_err();
        assert!(format!("{e:#}").contains(want), "{src}: {e:#}");
    }
}
