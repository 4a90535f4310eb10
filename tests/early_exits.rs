//! Loops that stop early, as Numba users write escape-time loops (`for k in 0..max_iter { if
//! escaped { n = k; break } .. }`, `while` loops with a `break` at the top), against plain Rust
//! bit for bit: `passes::exits` folds such guards into a `while` loop's test, which
//! `unroll_jam` then runs in the lanes of vectors; and `let` of a tuple written out, which the
//! front end binds name by name; helpers that return from inside their loops, which
//! `passes::inline` inlines where they are called. Shapes leave remainders of the sixteen lanes; counts include
//! empty and negative ranges; points escape at once, never, or overflow to infinity and NaN.

use crate::loop_nests::POINTS;
use ndarray::{Array1, Array2};
use rumba::IntoArg;

twin! {
    mod rs_exits;

    /// Mandelbrot as Numba's users write it: a `for` loop over the iterations with a guard.
    /// `ends` reads the orbit after the loop.
    pub fn escape_for(
        re: &Array1<f64>,
        im: &Array1<f64>,
        counts: &mut Array1<i32>,
        ends: &mut Array1<f64>,
        max_iter: i32,
    ) {
        for i in 0..re.len() {
            let (cr, ci) = (re[i], im[i]);
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut n = max_iter;
            for k in 0..max_iter {
                if zr * zr + zi * zi > 4.0 {
                    n = k;
                    break;
                }
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
            }
            counts[i] = n;
            ends[i] = zr - zi;
        }
    }

    /// The test after the update, as Numba's documentation writes it, with `Complex64`: the
    /// update runs one pass ahead of the test.
    pub fn escape_after(re: &Array1<f64>, im: &Array1<f64>, counts: &mut Array1<i32>, max_iter: i32) {
        for i in 0..re.len() {
            let c = Complex64::new(re[i], im[i]);
            let mut z = Complex64::new(0.0, 0.0);
            let mut n = max_iter;
            for k in 0..max_iter {
                z = z * z + c;
                if z.norm_sqr() > 4.0 {
                    n = k;
                    break;
                }
            }
            counts[i] = n;
        }
    }

    /// The same with the orbit read after the loop: the update cannot run ahead (its extra pass
    /// would change `zr`), the loop stays a `for` loop.
    pub fn escape_after_ends(re: &Array1<f64>, im: &Array1<f64>, counts: &mut Array1<i32>, ends: &mut Array1<f64>, max_iter: i32) {
        for i in 0..re.len() {
            let (cr, ci) = (re[i], im[i]);
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut n = max_iter;
            for k in 0..max_iter {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                if zr * zr + zi * zi > 4.0 {
                    n = k;
                    break;
                }
            }
            counts[i] = n;
            ends[i] = zr;
        }
    }

    /// Numba's Mandelbrot: a helper that returns from inside its loop, called per pixel.
    fn escape_time(c: Complex64, max_iter: i32) -> i32 {
        let mut z = Complex64::new(0.0, 0.0);
        for i in 0..max_iter {
            z = z * z + c;
            if z.norm_sqr() > 4.0 {
                return i;
            }
        }
        max_iter
    }

    pub fn escape_helper(re: &Array1<f64>, im: &Array1<f64>, counts: &mut Array1<i32>, max_iter: i32) {
        for i in 0..re.len() {
            counts[i] = escape_time(Complex64::new(re[i], im[i]), max_iter);
        }
    }

    /// Bisection for `sqrt(2)` between `a` and `b`, returning early when close enough; the
    /// body after the guard branches (not jammed, inlined all the same).
    fn root(a: f64, b: f64, steps: u32) -> f64 {
        let mut lo = a;
        let mut hi = b;
        for _ in 0..steps {
            let mid = 0.5 * (lo + hi);
            if (mid * mid - 2.0).abs() < 1e-9 {
                return mid + 1000.0;
            }
            if mid * mid > 2.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let half = 0.5 * (hi - lo);
        lo + half
    }

    /// Newton's iteration in a helper returning from a `while` loop.
    fn newton_steps(a: f64, tol: f64) -> u32 {
        let mut x = a.max(1.0);
        let mut k = 0u32;
        while k < 100 {
            if (x * x - a).abs() <= tol {
                return k;
            }
            x = 0.5 * (x + a / x);
            k += 1;
        }
        k + 1000
    }

    pub fn helpers_return(x: &Array1<f64>, lo: &mut Array1<f64>, steps: &mut Array1<u32>, n: u32) {
        for i in 0..x.len() {
            lo[i] = root(x[i], 2.0 + x[i], n);
            steps[i] = newton_steps(x[i], 1e-10);
        }
    }

    /// A loop tested at its end (Rust's do-while): Babylonian steps until they stop moving.
    pub fn settle(x0: &Array1<f64>, out: &mut Array1<f64>, steps: &mut Array1<u32>, tol: f64) {
        for i in 0..x0.len() {
            let mut x = x0[i];
            let mut n = 0u32;
            let last;
            loop {
                let prev = x;
                x = 0.5 * (x + 2.0 / x);
                n += 1;
                if (x - prev).abs() <= tol || n >= 60 {
                    last = prev;
                    break;
                }
            }
            out[i] = x - last;
            steps[i] = n;
        }
    }

    /// Newton's cube root as a Numba user writes it: a start chosen by an `if` expression, a
    /// fixed number of steps with a `break`, the residual computed before the test from an
    /// element of the array (loaded one pass ahead: the range is constant, the index fixed).
    pub fn cube_root(a: &Array1<f64>, out: &mut Array1<f64>, steps: &mut Array1<i32>) {
        for i in 0..a.len() {
            let mut x = if a[i] > 1.0 { a[i] } else { 1.0 };
            let mut n = -1;
            for k in 0..100 {
                let fx = x * x * x - a[i];
                if fx.abs() < 1e-12 * a[i].abs().max(1.0) {
                    n = k;
                    break;
                }
                x -= fx / (3.0 * x * x);
            }
            out[i] = x;
            steps[i] = n;
        }
    }

    /// The same with targets `b` of unknown length and a range that may be empty: the checked
    /// load `b[i]` cannot run ahead (with `m <= 0` the loop as written never loads it).
    pub fn cube_root_upto(a: &Array1<f64>, b: &Array1<f64>, out: &mut Array1<f64>, m: i32) {
        for i in 0..a.len() {
            let mut x = if a[i] > 1.0 { a[i] } else { 1.0 };
            for _ in 0..m {
                let fx = x * x * x - b[i];
                if fx.abs() < 1e-12 {
                    break;
                }
                x -= fx / (3.0 * x * x);
            }
            out[i] = x;
        }
    }

    /// Collatz steps: a `while` body that is an `if`/`else` (both branches assign `n`; `% 2`
    /// and `/ 2` cannot fail), in lanes.
    pub fn collatz(x: &Array1<u64>, out: &mut Array1<u32>) {
        for i in 0..x.len() {
            let mut n = x[i];
            let mut steps = 0u32;
            while n != 1 {
                if n % 2 == 0 {
                    n /= 2;
                } else {
                    n = 3 * n + 1;
                }
                steps += 1;
            }
            out[i] = steps;
        }
    }

    /// Bisection for a square root: each branch assigns one bound, the other keeps its value.
    pub fn bisect(a: &Array1<f64>, out: &mut Array1<f64>, tol: f64) {
        for i in 0..a.len() {
            let (mut lo, mut hi) = (0.0, a[i].max(1.0));
            while hi - lo > tol {
                let mid = 0.5 * (lo + hi);
                if mid * mid > a[i] {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            out[i] = 0.5 * (lo + hi);
        }
    }

    /// A branch that reads what it assigned first: not in lanes (the `if` is kept as written).
    pub fn chained_branch(a: &Array1<f64>, out: &mut Array1<f64>) {
        for i in 0..a.len() {
            let mut x = a[i];
            let mut k = 0;
            while k < 20 && x < 1e6 {
                if x > 1.0 {
                    let t = x * 1.5;
                    x = t + 0.25;
                } else {
                    x += 2.0;
                }
                k += 1;
            }
            out[i] = x;
        }
    }

    /// A `while` loop whose body starts with `if .. { break }`.
    pub fn escape_while(re: &Array1<f64>, im: &Array1<f64>, counts: &mut Array1<i32>, max_iter: i32) {
        for i in 0..re.len() {
            let (cr, ci) = (re[i], im[i]);
            let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0);
            while n < max_iter {
                if zr * zr + zi * zi > 4.0 {
                    break;
                }
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n += 1;
            }
            counts[i] = n;
        }
    }

    /// Two guards with assignments: which bound the orbit crossed first, and when.
    pub fn first_crossing(
        x0: &Array1<f64>,
        a: f64,
        lo: f64,
        hi: f64,
        kind: &mut Array1<i64>,
        at: &mut Array1<u32>,
        steps: u32,
    ) {
        for i in 0..x0.len() {
            let mut x = x0[i];
            let mut which = 0i64;
            let mut when = steps;
            for k in 0..steps {
                if x > hi {
                    which = 1;
                    when = k;
                    break;
                }
                if x < lo {
                    which = 2;
                    when = k;
                    break;
                }
                x = x * a + 0.25;
            }
            kind[i] = which;
            at[i] = when;
        }
    }

    /// The counter indexes an array: the `for` loop stays (versioning proves its accesses in
    /// bounds from its range).
    pub fn first_above(x: &Array2<f64>, t: f64, out: &mut Array1<usize>) {
        for i in 0..x.nrows() {
            let mut at = x.ncols();
            for j in 0..x.ncols() {
                if x[[i, j]] > t {
                    at = j;
                    break;
                }
            }
            out[i] = at;
        }
    }

    /// `let` of tuples written out: the elements read the names they shadow; a `_` element is
    /// still evaluated (and its index checked).
    pub fn tuple_lets(x: &Array1<f64>, k: usize) -> f64 {
        let a = x[0];
        let (a, b) = (a + 1.0, a);
        let (c, _, d) = (a * b, x[k], b - a);
        c + d
    }
}

fn bits(x: &Array1<f64>) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn escape_loops_match_plain_rust() {
    for n in [0, 1, 7, 16, 17, 40] {
        let re: Array1<f64> = (0..n).map(|i| POINTS[(i * 5) % 12].0).collect();
        let im: Array1<f64> = (0..n).map(|i| POINTS[(i * 5) % 12].1).collect();
        for max_iter in [-3, 0, 1, 2, 100, 1000] {
            let (mut counts, mut ends) = (Array1::<i32>::zeros(n), Array1::<f64>::zeros(n));
            escape_for(&re, &im, &mut counts, &mut ends, max_iter).unwrap();
            let (mut want, mut want_ends) = (Array1::<i32>::zeros(n), Array1::<f64>::zeros(n));
            rs_exits::escape_for(&re, &im, &mut want, &mut want_ends, max_iter);
            assert_eq!(counts, want, "n {n}, max_iter {max_iter}");
            assert_eq!(bits(&ends), bits(&want_ends), "n {n}, max_iter {max_iter}");

            escape_after_ends(&re, &im, &mut counts, &mut ends, max_iter).unwrap();
            rs_exits::escape_after_ends(&re, &im, &mut want, &mut want_ends, max_iter);
            assert_eq!(counts, want, "n {n}, max_iter {max_iter}");
            assert_eq!(bits(&ends), bits(&want_ends), "n {n}, max_iter {max_iter}");

            escape_after(&re, &im, &mut counts, max_iter).unwrap();
            rs_exits::escape_after(&re, &im, &mut want, max_iter);
            assert_eq!(counts, want, "n {n}, max_iter {max_iter}");

            escape_helper(&re, &im, &mut counts, max_iter).unwrap();
            rs_exits::escape_helper(&re, &im, &mut want, max_iter);
            assert_eq!(counts, want, "n {n}, max_iter {max_iter}");

            escape_while(&re, &im, &mut counts, max_iter).unwrap();
            rs_exits::escape_while(&re, &im, &mut want, max_iter);
            assert_eq!(counts, want, "n {n}, max_iter {max_iter}");
        }
    }
}

#[test]
fn exits_with_assignments_match_plain_rust() {
    for n in [0, 3, 16, 33] {
        let x0: Array1<f64> = (0..n)
            .map(|i| [0.1, -0.3, 0.9, f64::NAN, 2.5, -7.0, 0.5][i % 7] + i as f64 * 0.01)
            .collect();
        for (a, steps) in [(1.1, 0u32), (1.1, 1), (1.3, 50), (-1.2, 200), (0.5, 20)] {
            let (mut kind, mut at) = (Array1::<i64>::zeros(n), Array1::<u32>::zeros(n));
            first_crossing(&x0, a, -1.0, 1.5, &mut kind, &mut at, steps).unwrap();
            let (mut want_kind, mut want_at) = (Array1::<i64>::zeros(n), Array1::<u32>::zeros(n));
            rs_exits::first_crossing(&x0, a, -1.0, 1.5, &mut want_kind, &mut want_at, steps);
            assert_eq!((&kind, &at), (&want_kind, &want_at), "a {a}, steps {steps}");
        }
        let x = Array2::from_shape_fn((n, 9), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        for t in [-1.0, 5.0, 9.5, 20.0] {
            let (mut out, mut want) = (Array1::<usize>::zeros(n), Array1::<usize>::zeros(n));
            first_above(&x, t, &mut out).unwrap();
            rs_exits::first_above(&x, t, &mut want);
            assert_eq!(out, want, "t {t}");
        }
    }
}

#[test]
fn inlined_helpers_match_plain_rust() {
    for n in [0, 5, 16, 21] {
        let x: Array1<f64> = (0..n)
            .map(|i| {
                [0.0, 1.0, 0.5, 2.0, 1e-3, f64::NAN, 7.5, f64::INFINITY][i % 8] + i as f64 * 0.1
            })
            .collect();
        for steps in [0, 1, 30, 80] {
            let (mut lo, mut st) = (Array1::<f64>::zeros(n), Array1::<u32>::zeros(n));
            helpers_return(&x, &mut lo, &mut st, steps).unwrap();
            let (mut want_lo, mut want_st) = (Array1::<f64>::zeros(n), Array1::<u32>::zeros(n));
            rs_exits::helpers_return(&x, &mut want_lo, &mut want_st, steps);
            assert_eq!(bits(&lo), bits(&want_lo), "steps {steps}");
            assert_eq!(st, want_st, "steps {steps}");
        }
    }
}

#[test]
fn loops_tested_at_their_end_match_plain_rust() {
    for n in [0, 1, 16, 19] {
        let x0: Array1<f64> = (0..n)
            .map(|i| [1.0, 0.0, -3.0, 1e300, f64::NAN, 0.25, 7.0][i % 7] + i as f64 * 0.5)
            .collect();
        for tol in [0.0, 1e-12, 0.5] {
            let (mut out, mut steps) = (Array1::<f64>::zeros(n), Array1::<u32>::zeros(n));
            settle(&x0, &mut out, &mut steps, tol).unwrap();
            let (mut want, mut want_steps) = (Array1::<f64>::zeros(n), Array1::<u32>::zeros(n));
            rs_exits::settle(&x0, &mut want, &mut want_steps, tol);
            assert_eq!(bits(&out), bits(&want), "tol {tol}");
            assert_eq!(steps, want_steps, "tol {tol}");
        }
    }
    let x0 = Array1::<f64>::ones(4);
    let (mut out, mut steps) = (Array1::<f64>::zeros(4), Array1::<u32>::zeros(4));
    let ir = settle::kernel()
        .typed_ir(&[
            (&x0).into_arg(),
            (&mut out).into_arg(),
            (&mut steps).into_arg(),
            1e-9f64.into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("jam.go.15"), "{ir}");
}

#[test]
fn steps_with_loads_ahead_match_plain_rust() {
    for n in [0, 3, 16, 35] {
        let a: Array1<f64> = (0..n)
            .map(|i| {
                [8.0, 0.0, -27.0, 1e300, f64::NAN, 0.5, 2.0, f64::INFINITY][i % 8]
                    * (1.0 + i as f64)
            })
            .collect();
        let (mut out, mut steps) = (Array1::<f64>::zeros(n), Array1::<i32>::zeros(n));
        cube_root(&a, &mut out, &mut steps).unwrap();
        let (mut want, mut want_steps) = (Array1::<f64>::zeros(n), Array1::<i32>::zeros(n));
        rs_exits::cube_root(&a, &mut want, &mut want_steps);
        assert_eq!(bits(&out), bits(&want));
        assert_eq!(steps, want_steps);
        for m in [-1, 0, 1, 60] {
            cube_root_upto(&a, &a, &mut out, m).unwrap();
            rs_exits::cube_root_upto(&a, &a, &mut want, m);
            assert_eq!(bits(&out), bits(&want), "m {m}");
        }
        // `b` too short: no load of it when the loop does not run, an error when it does.
        let short = Array1::<f64>::ones(n / 2);
        for m in [-1, 0] {
            cube_root_upto(&a, &short, &mut out, m).unwrap();
            rs_exits::cube_root_upto(&a, &short, &mut want, m);
            assert_eq!(bits(&out), bits(&want), "m {m}");
        }
        if n > 1 {
            let err = cube_root_upto(&a, &short, &mut out, 5)
                .unwrap_err()
                .to_string();
            assert!(err.contains("out of bounds"), "{err}");
        }
    }
    let a = Array1::<f64>::ones(4);
    let (mut out, mut steps) = (Array1::<f64>::zeros(4), Array1::<i32>::zeros(4));
    let ir = cube_root::kernel()
        .typed_ir(&[
            (&a).into_arg(),
            (&mut out).into_arg(),
            (&mut steps).into_arg(),
        ])
        .unwrap();
    // The `if` expression choosing the start, copied per lane with its `else`.
    assert!(ir.contains("jam.go.15"), "{ir}");
    let ir = cube_root_upto::kernel()
        .typed_ir(&[
            (&a).into_arg(),
            (&a).into_arg(),
            (&mut out).into_arg(),
            4i32.into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("for tmp"), "{ir}");
}

#[test]
fn branching_lanes_match_plain_rust() {
    for n in [0, 1, 16, 37] {
        let x: Array1<u64> = (0..n as u64)
            .map(|i| [1, 2, 27, 97, 871, 1 << 40][i as usize % 6] + i)
            .collect();
        let (mut out, mut want) = (Array1::<u32>::zeros(n), Array1::<u32>::zeros(n));
        collatz(&x, &mut out).unwrap();
        rs_exits::collatz(&x, &mut want);
        assert_eq!(out, want);
        let a: Array1<f64> = (0..n)
            .map(|i| [2.0, 0.0, -4.0, 1e10, f64::NAN, 0.5, f64::INFINITY][i % 7] + i as f64)
            .collect();
        for tol in [1e-6, 0.1, f64::NAN] {
            let (mut out, mut want) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
            bisect(&a, &mut out, tol).unwrap();
            rs_exits::bisect(&a, &mut want, tol);
            assert_eq!(bits(&out), bits(&want), "tol {tol}");
        }
        let (mut out, mut want) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
        chained_branch(&a, &mut out).unwrap();
        rs_exits::chained_branch(&a, &mut want);
        assert_eq!(bits(&out), bits(&want));
    }
    let (x, a) = (Array1::<u64>::ones(4), Array1::<f64>::ones(4));
    let (mut counts, mut out) = (Array1::<u32>::zeros(4), Array1::<f64>::zeros(4));
    let ir = collatz::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut counts).into_arg()])
        .unwrap();
    assert!(ir.contains("jam.go.15"), "{ir}");
    let ir = bisect::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut out).into_arg(), 1e-9f64.into_arg()])
        .unwrap();
    // Each lane's `lo` keeps its value where the other branch runs.
    assert!(ir.contains("lo.next.0 = lo.0;"), "{ir}");
    assert!(ir.contains("jam.go.15"), "{ir}");
    let ir = chained_branch::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(!ir.contains("jam.go"), "{ir}");
}

#[test]
fn tuple_lets_bind_name_by_name() {
    let x = Array1::from(vec![2.0, -0.5, 3.0]);
    for k in 0..3 {
        let got = tuple_lets(&x, k).unwrap();
        assert_eq!(got.to_bits(), rs_exits::tuple_lets(&x, k).to_bits());
    }
    // The `_` element's index is still checked: an error, where plain Rust panics.
    let err = tuple_lets(&x, 3).unwrap_err().to_string();
    assert!(err.contains("out of bounds"), "{err}");
}

#[test]
fn which_exits_are_folded() {
    let (re, im) = (Array1::<f64>::zeros(4), Array1::<f64>::zeros(4));
    let (mut counts, mut ends) = (Array1::<i32>::zeros(4), Array1::<f64>::zeros(4));
    let args = [
        (&re).into_arg(),
        (&im).into_arg(),
        (&mut counts).into_arg(),
        (&mut ends).into_arg(),
        100i32.into_arg(),
    ];
    let ir = escape_for::kernel().typed_ir(&args).unwrap();
    // A `while` loop over the counter, the guard in its test; the exit's assignment after it,
    // tested on the counter alone; sixteen lanes.
    assert!(ir.contains("k.end = max_iter;"), "{ir}");
    assert!(ir.contains("if (k.0 < k.end.0) {"), "{ir}");
    assert!(ir.contains("n.0 = k.0;"), "{ir}");
    assert!(ir.contains("jam.go.15"), "{ir}");
    let ir = escape_while::kernel()
        .typed_ir(&[
            (&re).into_arg(),
            (&im).into_arg(),
            (&mut counts).into_arg(),
            100i32.into_arg(),
        ])
        .unwrap();
    assert!(ir.contains("jam.go.15"), "{ir}");
    let args = [
        (&re).into_arg(),
        (&im).into_arg(),
        (&mut counts).into_arg(),
        100i32.into_arg(),
    ];
    let ir = escape_after::kernel().typed_ir(&args).unwrap();
    assert!(ir.contains("jam.go.15"), "{ir}");
    let args = [
        (&re).into_arg(),
        (&im).into_arg(),
        (&mut counts).into_arg(),
        (&mut ends).into_arg(),
        100i32.into_arg(),
    ];
    let ir = escape_after_ends::kernel().typed_ir(&args).unwrap();
    assert!(ir.contains("for k in"), "{ir}");
    // Numba's helper, inlined, its loop in lanes; its locals renamed after it.
    let args = [
        (&re).into_arg(),
        (&im).into_arg(),
        (&mut counts).into_arg(),
        100i32.into_arg(),
    ];
    let ir = escape_helper::kernel().typed_ir(&args).unwrap();
    assert!(ir.contains("escape_time.done = true;"), "{ir}");
    assert!(ir.contains("counts[i] = escape_time.ret;"), "{ir}");
    assert!(ir.contains("jam.go.15"), "{ir}");
    // The counter indexes `x`: the `for` loop stays.
    let x = Array2::<f64>::zeros((4, 4));
    let mut out = Array1::<usize>::zeros(4);
    let ir = first_above::kernel()
        .typed_ir(&[(&x).into_arg(), 1.0f64.into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(ir.contains("for j in"), "{ir}");
    assert!(!ir.contains("j.end"), "{ir}");
}
