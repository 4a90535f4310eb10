//! Loop nests that the passes rewrite (versioning of whole nests, unroll-and-jam, min/max
//! reductions in partial results) or must leave alone, against the same loops in plain Rust,
//! bit for bit, over shapes that leave remainders (outer trip counts not multiples of 4 or 16)
//! or empty loops; and the typed IR showing which nests were jammed.
#![allow(clippy::needless_range_loop)] // the plain-Rust twins are the index loops as written

use ndarray::{Array1, Array2};
use rumba::IntoArg;

rumba::compile! {
    /// A row reduction: four rows at a time, four independent chains.
    fn matvec(a, x, y) {
        let (n, m) = a.dim();
        for i in 0..n {
            let mut s = 0.0;
            for j in 0..m {
                s += a[[i, j]] * x[j];
            }
            y[i] = s;
        }
    }

    /// Column sums into one row: `out[j]` depends on every earlier `p` at the same `j` only.
    fn col_sums(a, out) {
        for p in 0..a.nrows() {
            let w = (p + 1) as f64;
            for j in 0..a.ncols() {
                out[j] = out[j] * 0.5 + w * a[[p, j]];
            }
        }
    }

    /// Reads in the prefix what the inner loop writes: jamming would reorder them. Not jammed.
    fn feedback(x) {
        for p in 0..x.len() {
            let t = x[p];
            for j in 0..x.len() {
                x[j] += t * 0.25;
            }
        }
    }

    /// The inner loop stores at an index that depends on `p`: not jammed.
    fn shifted(x, out) {
        for p in 0..4 {
            for j in 0..x.len() {
                out[p + j] = out[p + j] * 2.0 + x[j];
            }
        }
    }

    /// Newton's iteration for a square root, per element, to a tolerance: a `while` loop per
    /// element, sixteen elements in the lanes of vectors.
    fn newton(x, out, tol: f64) {
        for i in 0..x.len() {
            let a = x[i];
            let mut g = a.max(1.0);
            let mut steps = 0;
            while (g * g - a).abs() > tol && steps < 50 {
                g = 0.5 * (g + a / g);
                steps += 1;
            }
            out[i] = g + steps as f64;
        }
    }

    /// Escape counts of the points `(re[i], im[i])`, and where each orbit ended: a `while` loop
    /// per element whose test is `&&` of an integer and a float comparison.
    fn escape(re, im, counts, ends, max_iter: i32) {
        for i in 0..re.len() {
            let cr = re[i];
            let ci = im[i];
            let mut zr = 0.0;
            let mut zi = 0.0;
            let mut n = 0;
            while n < max_iter && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n += 1;
            }
            counts[i] = n;
            ends[i] = zr - zi;
        }
    }

    /// Newton's iteration written the way its test reads: the body computes `x * x - a` again
    /// from the values the test just used, so `carry` computes it once per pass.
    fn newton_residual(a, out, tol: f64) {
        for i in 0..a.len() {
            let ai = a[i];
            let mut x = ai.max(1.0);
            let mut k = 0;
            while k < 60 && (x * x - ai).abs() > tol {
                x = x - (x * x - ai) / (2.0 * x);
                k += 1;
            }
            out[i] = x + k as f64;
        }
    }

    /// Integer steps: the test's `k * k` again in the body, before `k` changes.
    fn squares_below(limits, out) {
        for i in 0..limits.len() {
            let n = limits[i];
            let mut k: i64 = 0;
            let mut acc: i64 = 0;
            while k * k <= n {
                acc += k * k + 1;
                k += 1;
            }
            out[i] = acc;
        }
    }

    /// The body computes `x * x` only after it changed `x`: nothing is carried.
    fn late_square(lim: f64) -> f64 {
        let mut x = 0.0;
        let mut y = 0.0;
        while x * x < lim {
            x += 1.5;
            y += x * x;
        }
        y
    }

    /// A `while` loop that stores: not jammed.
    fn fill_until(x, out) {
        for i in 0..x.len() {
            let mut k = 0;
            while k < i {
                out[k] = x[i];
                k += 1;
            }
        }
    }

    /// A scalar carried across iterations of `p` (read before it is assigned): not jammed.
    fn running(a, out) {
        let mut acc = 1.0;
        for p in 0..a.nrows() {
            for j in 0..a.ncols() {
                acc = acc * 0.5 + a[[p, j]];
                out[j] += acc;
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

fn same(a: &[f64], b: &[f64]) {
    let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b));
}

#[test]
fn jammed_nests_match_plain_rust() {
    for (n, m) in [(0, 5), (3, 0), (1, 9), (4, 7), (9, 33), (17, 64)] {
        let a = data(n, m, 1);
        let x: Array1<f64> = data(1, m, 2).row(0).to_owned();
        let mut y = Array1::<f64>::zeros(n);
        matvec(&a, &x, &mut y).unwrap();
        let want: Vec<f64> = (0..n)
            .map(|i| {
                let mut s = 0.0;
                for j in 0..m {
                    s += a[[i, j]] * x[j];
                }
                s
            })
            .collect();
        same(y.as_slice().unwrap(), &want);

        let mut out = Array1::<f64>::from_elem(m, 1.5);
        col_sums(&a, &mut out).unwrap();
        let mut want = vec![1.5; m];
        for p in 0..n {
            let w = (p + 1) as f64;
            for j in 0..m {
                want[j] = want[j] * 0.5 + w * a[[p, j]];
            }
        }
        same(out.as_slice().unwrap(), &want);

        let mut out = Array1::<f64>::zeros(m);
        running(&a, &mut out).unwrap();
        let (mut want, mut acc) = (vec![0.0; m], 1.0);
        for p in 0..n {
            for j in 0..m {
                acc = acc * 0.5 + a[[p, j]];
                want[j] += acc;
            }
        }
        same(out.as_slice().unwrap(), &want);
    }
}

#[test]
fn jammed_while_loops_match_plain_rust() {
    let odd = [f64::NAN, f64::INFINITY, 0.0, -1.0, 1e-300, 1e300];
    for n in [0, 1, 3, 4, 5, 8, 9, 16, 17, 64] {
        let x: Vec<f64> = (0..n)
            .map(|i| match i % 7 {
                6 => odd[(i / 7) % odd.len()],
                _ => (i * i) as f64 * 0.37 + 0.01,
            })
            .collect();
        let mut out = Array1::<f64>::zeros(n);
        newton(&Array1::from(x.clone()), &mut out, 1e-9).unwrap();
        let want: Vec<f64> = x
            .iter()
            .map(|&a| {
                let mut g = a.max(1.0);
                let mut steps = 0;
                while (g * g - a).abs() > 1e-9 && steps < 50 {
                    g = 0.5 * (g + a / g);
                    steps += 1;
                }
                g + steps as f64
            })
            .collect();
        same(out.as_slice().unwrap(), &want);

        let mut out = Array1::<f64>::zeros(n);
        fill_until(&Array1::from(x.clone()), &mut out).unwrap();
        let mut want = vec![0.0; n];
        for i in 0..n {
            for k in 0..i {
                want[k] = x[i];
            }
        }
        same(out.as_slice().unwrap(), &want);
    }
}

#[test]
fn carried_test_values_match_plain_rust() {
    let odd = [f64::NAN, f64::INFINITY, 0.0, -1.0, 1e-300, 1e300, 2.0];
    for n in [0, 1, 5, 16, 17, 40] {
        let a: Vec<f64> = (0..n)
            .map(|i| match i % 5 {
                4 => odd[(i / 5) % odd.len()],
                _ => (i * i) as f64 * 0.73 + 0.5,
            })
            .collect();
        for tol in [1e-12, 1e-3, 0.0] {
            let mut out = Array1::<f64>::zeros(n);
            newton_residual(&Array1::from(a.clone()), &mut out, tol).unwrap();
            let want: Vec<f64> = a
                .iter()
                .map(|&ai| {
                    let mut x = ai.max(1.0);
                    let mut k = 0;
                    while k < 60 && (x * x - ai).abs() > tol {
                        x = x - (x * x - ai) / (2.0 * x);
                        k += 1;
                    }
                    x + k as f64
                })
                .collect();
            same(out.as_slice().unwrap(), &want);
        }
        let limits: Array1<i64> = (0..n as i64).map(|i| i * i * 7 - 3).collect();
        let mut out = Array1::<i64>::zeros(n);
        squares_below(&limits, &mut out).unwrap();
        let want: Vec<i64> = limits
            .iter()
            .map(|&lim| {
                let (mut k, mut acc) = (0i64, 0i64);
                while k * k <= lim {
                    acc += k * k + 1;
                    k += 1;
                }
                acc
            })
            .collect();
        assert_eq!(out.to_vec(), want);
    }
    for lim in [0.0, 1.0, 2.25, 100.0, f64::NAN] {
        let (mut x, mut y) = (0.0f64, 0.0f64);
        while x * x < lim {
            x += 1.5;
            y += x * x;
        }
        assert_eq!(late_square(lim).unwrap().to_bits(), y.to_bits(), "{lim}");
    }
}

#[test]
fn which_test_values_are_carried() {
    let a = Array1::<f64>::zeros(4);
    let mut out = Array1::<f64>::zeros(4);
    let ir = newton_residual::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut out).into_arg(), 1e-9f64.into_arg()])
        .unwrap();
    // Computed before the loop, read by the test and the body, computed again at the end of a
    // pass (in each of versioning's two copies of the nest: `carried.1` in the checked one); in
    // the lanes of the jammed loop, without a select (read nowhere else).
    assert!(ir.contains("carried.1 = ((x * x) - ai);"), "{ir}");
    assert!(
        ir.contains("x = (x - (carried.1 / (2.0_f64 * x)));"),
        "{ir}"
    );
    assert!(ir.contains("abs(carried.1) > tol"), "{ir}");
    assert!(ir.contains("carried.0.0 = carried.0.next.0;"), "{ir}");
    let lane = ir.find("if jam.go.0 {").expect("lanes");
    let kept = &ir[lane..lane + ir[lane..].find('}').unwrap()];
    assert!(!kept.contains("carried"), "{ir}");
    let (limits, mut sums) = (Array1::<i64>::zeros(4), Array1::<i64>::zeros(4));
    let ir = squares_below::kernel()
        .typed_ir(&[(&limits).into_arg(), (&mut sums).into_arg()])
        .unwrap();
    assert!(ir.contains("carried.1 = (k * k);"), "{ir}");
    let ir = late_square::kernel()
        .typed_ir(&[1.0f64.into_arg()])
        .unwrap();
    assert!(!ir.contains("carried"), "{ir}");
}

/// Points on the boundary of the Mandelbrot set (orbits that stay at |z| = 2 or creep towards
/// it), inside, outside, far outside (overflowing to infinity), and NaN and infinite ones.
pub(crate) const POINTS: [(f64, f64); 12] = [
    (-2.0, 0.0),
    (0.25, 0.0),
    (-0.75, 0.1),
    (0.3, 0.5),
    (-0.1, 0.65),
    (0.0, 0.0),
    (2.0, 2.0),
    (1e300, -1e300),
    (f64::NAN, 0.0),
    (0.0, f64::INFINITY),
    (f64::NEG_INFINITY, f64::NAN),
    (-1.0, 0.0),
];

#[test]
fn escape_time_lanes_match_plain_rust() {
    for n in [0, 1, 3, 7, 8, 9, 12, 16, 17, 40] {
        let re: Array1<f64> = (0..n).map(|i| POINTS[(i * 5) % 12].0).collect();
        let im: Array1<f64> = (0..n).map(|i| POINTS[(i * 5) % 12].1).collect();
        for max_iter in [0, 1, 2, 100, 1000] {
            let mut counts = Array1::<i32>::zeros(n);
            let mut ends = Array1::<f64>::zeros(n);
            escape(&re, &im, &mut counts, &mut ends, max_iter).unwrap();
            let (mut want_counts, mut want_ends) = (vec![0; n], vec![0.0; n]);
            for i in 0..n {
                let (cr, ci) = (re[i], im[i]);
                let (mut zr, mut zi, mut k) = (0.0f64, 0.0f64, 0);
                while k < max_iter && zr * zr + zi * zi <= 4.0 {
                    let t = zr * zr - zi * zi + cr;
                    zi = 2.0 * zr * zi + ci;
                    zr = t;
                    k += 1;
                }
                want_counts[i] = k;
                want_ends[i] = zr - zi;
            }
            assert_eq!(counts.to_vec(), want_counts, "n {n}, max_iter {max_iter}");
            same(ends.as_slice().unwrap(), &want_ends);
        }
    }
}

#[test]
fn nests_with_dependences_match_plain_rust() {
    for n in [0, 1, 5, 8, 13] {
        let x0: Vec<f64> = data(1, n, 3).row(0).to_vec();
        let mut x = Array1::from(x0.clone());
        feedback(&mut x).unwrap();
        let mut want = x0.clone();
        for p in 0..n {
            let t = want[p];
            for j in 0..n {
                want[j] += t * 0.25;
            }
        }
        same(x.as_slice().unwrap(), &want);

        let mut out = Array1::<f64>::from_elem(n + 3, 0.5);
        shifted(&Array1::from(x0.clone()), &mut out).unwrap();
        let mut want = vec![0.5; n + 3];
        for p in 0..4 {
            for j in 0..n {
                want[p + j] = want[p + j] * 2.0 + x0[j];
            }
        }
        same(out.as_slice().unwrap(), &want);
    }
}

#[test]
fn which_nests_are_jammed() {
    let a = data(4, 4, 0);
    let x = Array1::<f64>::zeros(4);
    let mut y = Array1::<f64>::zeros(4);
    let jammed = |ir: String| ir.contains("jam.q");
    let ir = matvec::kernel()
        .typed_ir(&[(&a).into_arg(), (&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(jammed(ir), "matvec");
    let ir = col_sums::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(jammed(ir), "col_sums");
    let ir = feedback::kernel().typed_ir(&[(&mut y).into_arg()]).unwrap();
    assert!(!jammed(ir), "feedback");
    let (xs, w, mut ys) = (
        Array1::<f64>::zeros(9),
        Array1::<f64>::zeros(5),
        Array1::<f64>::zeros(5),
    );
    // An inner loop of five iterations, which LLVM unrolls whole; a `while` loop dividing
    // integers (the bench's kernels; their results: `bench_kernels::conv5_and_digit_sums_..`).
    let ir = crate::kernels::conv5::kernel()
        .typed_ir(&[(&xs).into_arg(), (&w).into_arg(), (&mut ys).into_arg()])
        .unwrap();
    assert!(!jammed(ir), "conv5");
    let (xs, mut sums) = (Array1::<u64>::zeros(4), Array1::<u64>::zeros(4));
    let ir = crate::kernels::digit_sums::kernel()
        .typed_ir(&[(&xs).into_arg(), (&mut sums).into_arg()])
        .unwrap();
    assert!(!jammed(ir), "digit_sums");
    let mut out = Array1::<f64>::zeros(8);
    let ir = shifted::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(!jammed(ir), "shifted");
    let ir = newton::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut y).into_arg(), 1e-9f64.into_arg()])
        .unwrap();
    assert!(jammed(ir), "newton");
    let ir = fill_until::kernel()
        .typed_ir(&[(&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(!jammed(ir), "fill_until");
    let (im, mut counts) = (Array1::<f64>::zeros(4), Array1::<i32>::zeros(4));
    let args = [
        (&x).into_arg(),
        (&im).into_arg(),
        (&mut counts).into_arg(),
        (&mut y).into_arg(),
        10i32.into_arg(),
    ];
    let ir = escape::kernel().typed_ir(&args).unwrap();
    // A lane keeps its new values only while it runs for the scalars read after the loop (`n`,
    // `zr`, `zi`: the stores after it); `t`, declared in the loop, takes them unconditionally.
    let lane = ir.find("if jam.go.0 {").expect("escape's lanes");
    let kept = &ir[lane..lane + ir[lane..].find('}').unwrap()];
    for v in ["n", "zr", "zi"] {
        assert!(kept.contains(&format!("{v}.0 = {v}.next.0;")), "{v}: {ir}");
    }
    assert!(
        !kept.contains("t.0 = t.next.0;") && ir.contains("t.0 = t.next.0;"),
        "{ir}"
    );
    assert!(jammed(ir), "escape");
    let ir = running::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(!jammed(ir), "running");
}

rumba::compile! {
    /// Horner's rule at every point: a float chain in a loop nested in the map's.
    fn horner(x: ndarray::ArrayView1<f64>, c: ndarray::ArrayView1<f64>) -> Array1<f64> {
        x.mapv(|v| {
            let mut acc = 0.0;
            for k in (0..c.len()).rev() {
                acc = acc * v + c[k];
            }
            acc
        })
    }

    /// A running sum: a float chain in an outermost loop.
    fn running_sum(x, out) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
            out[i] = s;
        }
    }
}

/// A float recurrence stays rolled in an outermost loop only (`hints.rs`): nested, LLVM
/// unrolls it at run time as rustc does, and the results stay those of the plain loops.
#[test]
fn float_chains_stay_rolled_only_outermost() {
    let x = data(1, 37, 3).into_shape_with_order(37).unwrap();
    let c = data(1, 7, 4).into_shape_with_order(7).unwrap();
    let got: Array1<f64> = horner(&x, &c).unwrap();
    let want: Vec<f64> = x
        .iter()
        .map(|&v| c.iter().rev().fold(0.0, |acc, &ck| acc * v + ck))
        .collect();
    same(got.as_slice().unwrap(), &want);
    let mut out = Array1::<f64>::zeros(37);
    running_sum(&x, &mut out).unwrap();
    let want: Vec<f64> = x
        .iter()
        .scan(0.0, |s, &v| {
            *s += v;
            Some(*s)
        })
        .collect();
    same(out.as_slice().unwrap(), &want);
    let rolled = |ir: String| ir.contains("llvm.loop.unroll.runtime.disable");
    let ir = horner::kernel()
        .llvm_ir(&[(&x).into_arg(), (&c).into_arg()])
        .unwrap();
    assert!(!rolled(ir), "horner");
    let ir = running_sum::kernel()
        .llvm_ir(&[(&x).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(rolled(ir), "running_sum");
}

rumba::compile! {
    /// A maximum, a minimum written the other way round, and a NaN-started fold.
    fn extremes(x: ndarray::ArrayView1<f64>) -> (f64, f64, f64) {
        let mut hi = f64::NEG_INFINITY;
        let mut lo = f64::INFINITY;
        for i in 0..x.len() {
            let v = x[i] * 2.0;
            hi = hi.max(v);
            lo = v.min(lo);
        }
        let folded = x.iter().fold(f64::NAN, |a, &b| a.max(b));
        (hi, lo, folded)
    }

    fn max32(x: ndarray::ArrayView1<f32>) -> f32 {
        let mut m = f32::NEG_INFINITY;
        for i in 0..x.len() {
            m = m.max(x[i]);
        }
        m
    }

    /// A temporary read after the loop: its last iteration's value.
    fn max_and_last(x: ndarray::ArrayView1<f64>) -> (f64, f64) {
        let mut m = f64::NEG_INFINITY;
        let mut t = 0.5;
        for i in 0..x.len() {
            t = x[i] + 1.0;
            m = m.max(t);
        }
        (m, t)
    }

    /// A copy of `m` read after the loop: `m` before its last update.
    fn max_and_copy(x: ndarray::ArrayView1<f64>) -> (f64, f64) {
        let mut m = f64::NEG_INFINITY;
        let mut a = 5.0;
        for i in 0..x.len() {
            a = m;
            m = a.max(x[i]);
        }
        (m, a)
    }

    /// Not min/max reductions as the pass takes them: `m` assigned twice; the copy made after
    /// the update (the first pass reads its value from before the loop). Not rewritten.
    fn not_reductions(x: ndarray::ArrayView1<f64>) -> (f64, f64) {
        let mut m = f64::NEG_INFINITY;
        let mut n = f64::NEG_INFINITY;
        let mut a = 100.0;
        for i in 0..x.len() {
            m = m.max(x[i]);
            m = m * 0.5;
            n = a.max(x[i]);
            a = n;
        }
        (m, n)
    }

    /// Stores in the body: not rewritten.
    fn max_and_store(x: ndarray::ArrayView1<f64>, mut y: ndarray::ArrayViewMut1<f64>) -> f64 {
        let mut m = f64::NEG_INFINITY;
        for i in 0..x.len() {
            m = m.max(x[i]);
            y[i] = m;
        }
        m
    }
}

/// `x` of length `n` from `palette` (zeros of both signs, NaNs, infinities), by `seed`.
fn drawn(n: usize, seed: u64, palette: &[f64]) -> Array1<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Array1::from_shape_fn(n, |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        palette[(s >> 33) as usize % palette.len()]
    })
}

/// The min/max reductions in partial results (`passes/minmax.rs`) give the bits of the loops
/// run in order: over lengths around the blocks of eight, with zeros of both signs (the ties
/// whose winner depends on the order), NaNs (all of them, or some), infinities.
#[test]
fn min_max_reductions_match_the_loops_in_order() {
    use std::hint::black_box;
    let palettes: [&[f64]; 6] = [
        &[1.5, -2.0, 7.25, -0.5, 3.0],
        &[0.0, -0.0],
        &[0.0, -0.0, -1.0],
        &[f64::NAN],
        &[f64::NAN, 2.0, -3.0, f64::INFINITY],
        &[f64::NAN, 0.0, -0.0, f64::NEG_INFINITY, 4.0],
    ];
    for (p, palette) in palettes.iter().enumerate() {
        for n in (0..=20).chain([37, 64, 100]) {
            let x = drawn(n, (p * 1000 + n) as u64, palette);
            let got: (f64, f64, f64) = extremes(&x).unwrap();
            let (mut hi, mut lo, mut folded) = (f64::NEG_INFINITY, f64::INFINITY, f64::NAN);
            for &e in x.iter() {
                let v = e * 2.0;
                hi = black_box(hi).max(v);
                lo = v.min(black_box(lo));
                folded = black_box(folded).max(e);
            }
            same(&[got.0, got.1, got.2], &[hi, lo, folded]);
            let got: (f64, f64) = max_and_last(&x).unwrap();
            let (mut m, mut t) = (f64::NEG_INFINITY, 0.5);
            for &e in x.iter() {
                t = e + 1.0;
                m = black_box(m).max(t);
            }
            same(&[got.0, got.1], &[m, t]);
            let got: (f64, f64) = max_and_copy(&x).unwrap();
            let (mut m, mut a) = (f64::NEG_INFINITY, 5.0);
            for &e in x.iter() {
                a = m;
                m = black_box(a).max(e);
            }
            same(&[got.0, got.1], &[m, a]);
            let x32 = x.mapv(|v| v as f32);
            let got: f32 = max32(&x32).unwrap();
            let want = x32
                .iter()
                .fold(f32::NEG_INFINITY, |a, &b| black_box(a).max(b));
            assert_eq!(got.to_bits(), want.to_bits(), "f32, n = {n}");
        }
    }
    let x = drawn(64, 5, palettes[0]);
    let rewritten = |ir: String| ir.contains("part.q");
    assert!(rewritten(
        extremes::kernel().typed_ir(&[(&x).into_arg()]).unwrap()
    ));
    assert!(rewritten(
        max_and_last::kernel().typed_ir(&[(&x).into_arg()]).unwrap()
    ));
    let mut y = Array1::<f64>::zeros(64);
    let args = [(&x).into_arg(), (&mut y).into_arg()];
    assert!(!rewritten(max_and_store::kernel().typed_ir(&args).unwrap()));
    assert!(!rewritten(
        not_reductions::kernel()
            .typed_ir(&[(&x).into_arg()])
            .unwrap()
    ));
    let got: (f64, f64) = not_reductions(&x).unwrap();
    let (mut m, mut n, mut a) = (f64::NEG_INFINITY, f64::NEG_INFINITY, 100.0f64);
    for &e in x.iter() {
        m = m.max(e) * 0.5;
        n = black_box(a).max(e);
        a = n;
    }
    same(&[got.0, got.1], &[m, n]);
    let ir = max_and_copy::kernel().typed_ir(&[(&x).into_arg()]).unwrap();
    assert!(
        rewritten(ir.clone()) && ir.contains("- 1_usize) >> 3_usize"),
        "{ir}"
    );
    let m: f64 = max_and_store(&x, &mut y).unwrap();
    assert_eq!(m, 7.25);
}

rumba::compile! {
    /// The maximum of each row or, with `columns`, of each column: one local holds a view of
    /// stride one or of stride `ncols`.
    fn lane_maxes(a: ndarray::ArrayView2<f64>, columns: bool) -> Array1<f64> {
        let n = if columns { a.ncols() } else { a.nrows() };
        let mut out = Array1::zeros(n);
        for i in 0..n {
            let mut lane = a.row(0);
            if columns {
                lane = a.column(i);
            } else {
                lane = a.row(i);
            }
            out[i] = lane.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        }
        out
    }
}

/// A loop over a strided view runs a copy for views of stride one (`passes/unit_stride.rs`):
/// rows take it, columns the loop as it was; both give the in-order loop's bits.
#[test]
fn strided_views_of_stride_one_match_the_loops_in_order() {
    use std::hint::black_box;
    let palette = [1.5, -2.0, 0.0, -0.0, f64::NAN, 7.25];
    for (n, m) in [(1, 1), (3, 7), (5, 8), (9, 17), (16, 64), (4, 100)] {
        let a = drawn(n * m, (n * 31 + m) as u64, &palette)
            .into_shape_with_order((n, m))
            .unwrap();
        for columns in [false, true] {
            let got: Array1<f64> = lane_maxes(&a, columns).unwrap();
            let lanes: Vec<Vec<f64>> = if columns {
                a.columns().into_iter().map(|c| c.to_vec()).collect()
            } else {
                a.rows().into_iter().map(|r| r.to_vec()).collect()
            };
            let want: Vec<f64> = lanes
                .iter()
                .map(|l| {
                    l.iter()
                        .fold(f64::NEG_INFINITY, |m, &x| black_box(m).max(x))
                })
                .collect();
            same(got.as_slice().unwrap(), &want);
        }
    }
    let a = drawn(64, 9, &palette)
        .into_shape_with_order((8, 8))
        .unwrap();
    let ir = lane_maxes::kernel()
        .typed_ir(&[(&a).into_arg(), false.into_arg()])
        .unwrap();
    assert!(ir.contains("is_standard_layout(lane)"), "{ir}");
}

rumba::compile! {
    /// Each row's or, with `columns`, each column's dot product with `x`, through ndarray's `dot`.
    fn lane_dots(a: ndarray::ArrayView2<f64>, x: ndarray::ArrayView1<f64>, columns: bool) -> Array1<f64> {
        let n = if columns { a.ncols() } else { a.nrows() };
        let mut out = Array1::zeros(n);
        for i in 0..n {
            out[i] = if columns { a.column(i).dot(&x) } else { a.row(i).dot(&x) };
        }
        out
    }
}

/// `dot`'s expansion tests the layout itself (ndarray's contiguous path and its strided loop);
/// `unit_stride` leaves its strided loop alone (no copy for stride one in the branch that found
/// the view strided), and rows and columns give ndarray's bits.
#[test]
fn dots_of_rows_and_columns_match_ndarray_without_a_second_layout_test() {
    let palette = [1.5, -2.0, 0.0, -0.0, 3.0e300, 7.25, 1.0e-300];
    for (n, m) in [(1, 1), (3, 7), (5, 8), (9, 17), (16, 64), (4, 100)] {
        let a = drawn(n * m, (n * 17 + m) as u64, &palette)
            .into_shape_with_order((n, m))
            .unwrap();
        for columns in [false, true] {
            let len = if columns { n } else { m };
            let x = drawn(len, len as u64 + 5, &palette);
            let got: Array1<f64> = lane_dots(&a, &x, columns).unwrap();
            let want: Vec<f64> = if columns {
                a.columns().into_iter().map(|c| c.dot(&x)).collect()
            } else {
                a.rows().into_iter().map(|r| r.dot(&x)).collect()
            };
            same(got.as_slice().unwrap(), &want);
        }
    }
    let (a, x) = (
        drawn(64, 3, &palette)
            .into_shape_with_order((8, 8))
            .unwrap(),
        drawn(8, 4, &palette),
    );
    let ir = lane_dots::kernel()
        .typed_ir(&[(&a).into_arg(), (&x).into_arg(), false.into_arg()])
        .unwrap();
    assert_eq!(ir.matches("is_standard_layout(").count(), 2, "{ir}");
    assert!(!ir.contains(".unit"), "{ir}");
}

rumba::compile! {
    /// A sorting network per row: a fixed-size array of the row and a list of comparator pairs
    /// made in the loop, whose extents are in their types.
    fn sort4_rows(a: ArrayViewMut2<f32>) {
        for i in 0..a.nrows() {
            let mut v = [a[[i, 0]], a[[i, 1]], a[[i, 2]], a[[i, 3]]];
            for &(p, q) in [(0usize, 1usize), (2, 3), (0, 2), (1, 3), (1, 2)].iter() {
                if v[q] < v[p] {
                    v.swap(p, q);
                }
            }
            for k in 0..4 {
                a[[i, k]] = v[k];
            }
        }
    }
}

rumba::compile! {
    /// A fixed-size array made in each row bounds the inner loop (`0..v.len()`): the nest's
    /// test reads its length, a constant of its type, before the array is made.
    fn weighted_rows(a: ArrayView2<f64>) -> f64 {
        let mut s = 0.0;
        for i in 0..a.nrows() {
            let v = [1.0, 2.0, 3.0];
            for k in 0..v.len() {
                s += a[[i, k]] * v[k];
            }
        }
        s
    }
}

/// Fixed-size arrays made inside a nest do not stop its versioning: the nest's test leaves their
/// accesses (checked in both copies) out and covers the rest, so the row loop runs unchecked
/// (the sorting network: 3x rustc's time when each row tested its four reads, 0.5x after); a
/// matrix too narrow for the reads still fails at the first row, with nothing written.
#[test]
fn nests_with_fixed_size_arrays_made_inside_are_versioned() {
    fn sorted(a: &Array2<f32>) -> Array2<f32> {
        let mut a = a.clone();
        for mut row in a.rows_mut() {
            let mut v = [row[0], row[1], row[2], row[3]];
            for &(p, q) in [(0usize, 1usize), (2, 3), (0, 2), (1, 3), (1, 2)].iter() {
                if v[q] < v[p] {
                    v.swap(p, q);
                }
            }
            for k in 0..4 {
                row[k] = v[k];
            }
        }
        a
    }
    for n in [0, 1, 5, 33] {
        let a = Array2::from_shape_fn((n, 4), |(i, j)| ((i * 7 + j * 13) % 17) as f32 - 8.0);
        let mut got = a.clone();
        sort4_rows(&mut got).unwrap();
        assert_eq!(got, sorted(&a), "{n}");
    }
    let mut narrow = Array2::from_shape_fn((3, 3), |(i, j)| (i + j) as f32);
    let before = narrow.clone();
    let e = sort4_rows(&mut narrow).unwrap_err();
    assert!(format!("{e:#}").contains("out of bounds"), "{e:#}");
    assert_eq!(narrow, before);
    for (n, m) in [(0, 3), (4, 3), (5, 7)] {
        let a = Array2::from_shape_fn((n, m), |(i, j)| (i * 3 + j) as f64 * 0.5);
        let want: f64 = (0..n)
            .flat_map(|i| (0..3).map(move |k| (i, k)))
            .fold(0.0, |s, (i, k)| s + a[[i, k]] * [1.0, 2.0, 3.0][k]);
        assert_eq!(
            weighted_rows(&a).unwrap().to_bits(),
            want.to_bits(),
            "{n}x{m}"
        );
    }
    let e = weighted_rows(&Array2::<f64>::zeros((4, 2))).unwrap_err();
    assert!(format!("{e:#}").contains("out of bounds"), "{e:#}");
    let mut a = Array2::<f32>::zeros((8, 4));
    let ir = sort4_rows::kernel()
        .typed_ir(&[(&mut a).into_arg()])
        .unwrap();
    assert!(ir.contains("unchecked a[i, k] = v[k]"), "{ir}");
}

rumba::compile! {
    /// Levenshtein distance over two rows of the table, the inner loop over `1..=m`.
    fn edit_distance(a: ArrayView1<u8>, b: ArrayView1<u8>) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut prev: Vec<usize> = (0..=m).collect();
        let mut cur = vec![0usize; m + 1];
        for i in 1..=n {
            cur[0] = i;
            for j in 1..=m {
                let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            }
            std::mem::swap(&mut prev, &mut cur);
        }
        prev[m]
    }

    /// An inclusive loop up to a bound the caller gives.
    fn scaled_upto(x: ArrayView1<f64>, mut y: ArrayViewMut1<f64>, last: usize) {
        for i in 0..=last {
            y[i] = 2.0 * x[i];
        }
    }
}

/// Inclusive ranges (`for j in 1..=m`, as dynamic programming writes them) are versioned like
/// half-open ones: the test takes the end itself as the last index (and `a > b` as empty), so
/// an end of `usize::MAX` fails it and runs the checked copy.
#[test]
fn inclusive_ranges_are_versioned() {
    fn levenshtein(a: &[u8], b: &[u8]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    let words: [&[u8]; 6] = [
        b"",
        b"a",
        b"kitten",
        b"sitting",
        b"flaw",
        b"lawn and garden",
    ];
    for a in words {
        for b in words {
            let (x, y) = (Array1::from(a.to_vec()), Array1::from(b.to_vec()));
            assert_eq!(
                edit_distance(&x, &y).unwrap(),
                levenshtein(a, b),
                "{a:?} {b:?}"
            );
        }
    }
    let (x, y) = (
        Array1::from(b"abcdefgh".to_vec()),
        Array1::from(b"abdcefh".to_vec()),
    );
    let ir = edit_distance::kernel()
        .typed_ir(&[(&x).into_arg(), (&y).into_arg()])
        .unwrap();
    assert!(ir.contains("unchecked cur[j] = "), "{ir}");
    let x = Array1::from_shape_fn(6, |i| i as f64 + 0.5);
    for last in [0, 3, 5] {
        let mut y = Array1::<f64>::zeros(6);
        scaled_upto(&x, &mut y, last).unwrap();
        let want = Array1::from_shape_fn(6, |i| if i <= last { 2.0 * x[i] } else { 0.0 });
        assert_eq!(y, want, "{last}");
    }
    for last in [6, usize::MAX] {
        let mut y = Array1::<f64>::zeros(6);
        let e = scaled_upto(&x, &mut y, last).unwrap_err();
        assert!(format!("{e:#}").contains("out of bounds"), "{e:#}");
        assert_eq!(
            y,
            &x * 2.0,
            "{last}: the writes before the failing one are done"
        );
    }
}

/// Integer chains through a multiply, per row: the hashes and generators that jamming runs
/// four rows at a time (FNV-1a itself is the benchmark's `kernels::fnv_rows`, checked against
/// its plain twin in `bench_kernels`).
macro_rules! integer_chains {
    ($($t:tt)*) => {
        rumba::compile! { $($t)* }
        mod plain {
            use ndarray::{Array1, ArrayView2};
            $($t)*
        }
    };
}

integer_chains! {
    /// 32-bit FNV-1 of each row, and a polynomial hash with `*` (wrapping in release).
    pub fn fnv32_poly(a: ArrayView2<u8>) -> Array1<u32> {
        let (n, m) = a.dim();
        let mut out = Array1::<u32>::zeros(n);
        for i in 0..n {
            let mut h: u32 = 0x811c9dc5;
            let mut p: i32 = 7;
            for j in 0..m {
                h = h.wrapping_mul(16777619) ^ a[[i, j]] as u32;
                p = p.wrapping_mul(31).wrapping_add(a[[i, j]] as i32 - 100);
            }
            out[i] = h ^ p as u32;
        }
        out
    }

    /// A product alone: left to LLVM's loop vectorizer as a reduction.
    pub fn row_products(a: ArrayView2<u8>) -> Array1<u64> {
        let (n, m) = a.dim();
        let mut out = Array1::<u64>::zeros(n);
        for i in 0..n {
            let mut p = 1u64;
            for j in 0..m {
                p = p.wrapping_mul(a[[i, j]] as u64 | 1);
            }
            out[i] = p;
        }
        out
    }
}

/// The jammed copies of an integer chain through a multiply stay scalar chains
/// (`scalar(..)` on the jammed loop, `ForRange::scalar_chains`), a product alone does not;
/// results as plain Rust's, over row counts with remainders.
#[test]
fn jammed_integer_multiply_chains_stay_scalar() {
    for (n, m) in [(0, 5), (1, 0), (3, 7), (9, 64), (22, 3)] {
        let a = Array2::from_shape_fn((n, m), |(i, j)| (i * 131 + j * 17 + i * j) as u8);
        assert_eq!(
            fnv32_poly(&a).unwrap(),
            plain::fnv32_poly(a.view()),
            "{n}x{m}"
        );
        assert_eq!(
            row_products(&a).unwrap(),
            plain::row_products(a.view()),
            "{n}x{m}"
        );
    }
    let a = Array2::<u8>::zeros((4, 4));
    let mut out = Array1::<u64>::zeros(4);
    let ir = crate::kernels::fnv_rows::kernel()
        .typed_ir(&[(&a).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(ir.contains("scalar(h.0, h.1, h.2, h)"), "{ir}");
    let ir = fnv32_poly::kernel().typed_ir(&[(&a).into_arg()]).unwrap();
    assert!(
        ir.contains("scalar(h.0, p.0, h.1, p.1, h.2, p.2, h, p)"),
        "{ir}"
    );
    let ir = row_products::kernel().typed_ir(&[(&a).into_arg()]).unwrap();
    assert!(ir.contains("jam.q") && !ir.contains("scalar("), "{ir}");
}

rumba::compile! {
    /// A 3x3 box sum over the interior: the row loop holds a loop over the columns.
    fn box3(a: ndarray::ArrayView2<f64>, mut b: ndarray::ArrayViewMut2<f64>) {
        let (n, m) = a.dim();
        for i in 1..n - 1 {
            for j in 1..m - 1 {
                let mut s = 0.0;
                for di in 0..3 {
                    for dj in 0..3 {
                        s += a[[i + di - 1, j + dj - 1]];
                    }
                }
                b[[i, j]] = s;
            }
        }
    }

    /// Each row's first four elements: the inner loop is a short constant range.
    fn first4(a: ndarray::ArrayView2<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
        for i in 0..a.nrows() {
            let mut s = 0.0;
            for j in 0..4 {
                s += a[[i, j]];
            }
            out[i] = s;
        }
    }
}

/// The variable of an outermost loop that holds a long inner loop reaches LLVM through an opaque
/// copy (`hints::holds_long_loop`: an empty inline-asm statement, so that loop strength reduction
/// does not take the inner loops' addresses for uses of the outer induction variable); one whose
/// inner loop is a short constant range (unrolled whole) does not. Results as plain Rust's.
#[test]
fn outer_loop_variables_reach_llvm_through_an_opaque_copy() {
    for (n, m) in [(2, 2), (2, 5), (3, 3), (7, 11), (12, 4)] {
        let a = Array2::from_shape_fn((n, m), |(i, j)| (i * 7 + j * 3) as f64 * 0.125 - 1.0);
        let mut b = Array2::<f64>::zeros((n, m));
        let mut want = b.clone();
        box3(a.view(), b.view_mut()).unwrap();
        for i in 1..n - 1 {
            for j in 1..m - 1 {
                let mut s = 0.0;
                for di in 0..3 {
                    for dj in 0..3 {
                        s += a[[i + di - 1, j + dj - 1]];
                    }
                }
                want[[i, j]] = s;
            }
        }
        assert_eq!(b.mapv(f64::to_bits), want.mapv(f64::to_bits), "{n}x{m}");
        if m >= 4 {
            let mut out = Array1::<f64>::zeros(n);
            first4(a.view(), out.view_mut()).unwrap();
            let want = Array1::from_shape_fn(n, |i| {
                let mut s = 0.0;
                for j in 0..4 {
                    s += a[[i, j]];
                }
                s
            });
            assert_eq!(out.mapv(f64::to_bits), want.mapv(f64::to_bits), "{n}x{m}");
        }
    }
    let a = Array2::<f64>::zeros((4, 4));
    let mut b = Array2::<f64>::zeros((4, 4));
    let mut out = Array1::<f64>::zeros(4);
    let ir = box3::kernel()
        .llvm_ir(&[(&a).into_arg(), (&mut b).into_arg()])
        .unwrap();
    assert!(ir.contains(r#"asm "", "=r,0"(i64"#), "{ir}");
    let ir = first4::kernel()
        .llvm_ir(&[(&a).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(!ir.contains("asm \""), "{ir}");
}
