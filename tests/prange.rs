//! `prange` on the CPU: each parallel kernel against its serial twin (the same body with `for`),
//! at several thread counts. Integer reductions and stores are exact; float sums are compared with
//! a tolerance, since the partial sums of the chunks are added in a different order than a serial
//! loop adds the terms; complex sums, of values whose sums are exact in any order, are compared bit
//! for bit with the same loops in plain Rust (`twin!`). Also: the lowest failing iteration is the
//! one reported, and kernels that cannot run in parallel are rejected with an explanation.

use crate::kernels;

use ndarray::{Array1, Array2};
use num_complex::{Complex32, Complex64};
use rumba::{Error, ErrorKind};

rumba::compile! {
    fn sum_par(x: &[i64]) -> i64 {
        let mut s = 0i64;
        for i in prange(0..x.len()) {
            s += x[i];
        }
        s
    }
    fn sum_ser(x: &[i64]) -> i64 {
        let mut s = 0i64;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    fn stats_par(x: &[i64]) -> i64 {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        let mut x1 = 0i64;
        let mut d = 100i64;
        let mut ulo = u32::MAX;
        for i in prange(0..x.len()) {
            lo = lo.min(x[i]);
            hi = hi.max(x[i] * 3);
            x1 ^= x[i] * 7;
            d -= x[i];
            ulo = ulo.min((x[i] + 100000) as u32);
        }
        lo + hi * 3 + x1 * 5 + d * 7 + ulo as i64
    }
    fn stats_ser(x: &[i64]) -> i64 {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        let mut x1 = 0i64;
        let mut d = 100i64;
        let mut ulo = u32::MAX;
        for i in 0..x.len() {
            lo = lo.min(x[i]);
            hi = hi.max(x[i] * 3);
            x1 ^= x[i] * 7;
            d -= x[i];
            ulo = ulo.min((x[i] + 100000) as u32);
        }
        lo + hi * 3 + x1 * 5 + d * 7 + ulo as i64
    }

    /// Reductions written with the variable on the right of a commuting operator.
    fn flipped_par(x: &[i64]) -> i64 {
        let mut s = 5i64;
        let mut p = 1i64;
        let mut lo = i64::MAX;
        let mut b = 0i64;
        for i in prange(0..x.len()) {
            s = x[i] * 2 + s;
            p = (x[i] | 1) * p;
            lo = (x[i] - 3).min(lo);
            b = (x[i] * 7) ^ b;
        }
        s + p * 3 + lo * 5 + b * 7
    }
    fn flipped_ser(x: &[i64]) -> i64 {
        let mut s = 5i64;
        let mut p = 1i64;
        let mut lo = i64::MAX;
        let mut b = 0i64;
        for i in 0..x.len() {
            s = x[i] * 2 + s;
            p = (x[i] | 1).wrapping_mul(p);
            lo = (x[i] - 3).min(lo);
            b = (x[i] * 7) ^ b;
        }
        s.wrapping_add(p.wrapping_mul(3)) + lo * 5 + b * 7
    }

    fn bits_par(x: &[u32]) -> u32 {
        let mut a = u32::MAX;
        let mut o = 0u32;
        let mut p = 1u32;
        for i in prange(0..x.len()) {
            a &= x[i] | 0x10000;
            o |= x[i] & 0xff00;
            p *= x[i] | 1;
        }
        a ^ o ^ p
    }
    fn bits_ser(x: &[u32]) -> u32 {
        let mut a = u32::MAX;
        let mut o = 0u32;
        let mut p = 1u32;
        for i in 0..x.len() {
            a &= x[i] | 0x10000;
            o |= x[i] & 0xff00;
            p *= x[i] | 1;
        }
        a ^ o ^ p
    }

    fn fsum_par(x: &[f64]) -> f64 {
        let mut s = 0.0;
        let mut m = 1.0;
        let mut lo = f64::INFINITY;
        for i in prange(0..x.len()) {
            s += x[i];
            m *= 1.0 + x[i] * 1e-6;
            lo = lo.min(x[i]);
        }
        s + m + lo
    }
    fn fsum_ser(x: &[f64]) -> f64 {
        let mut s = 0.0;
        let mut m = 1.0;
        let mut lo = f64::INFINITY;
        for i in 0..x.len() {
            s += x[i];
            m *= 1.0 + x[i] * 1e-6;
            lo = lo.min(x[i]);
        }
        s + m + lo
    }

    /// Reads an outer scalar, writes private temporaries and y[i]; a reversed strided range.
    fn scale_par(x: &[f64], y: &mut [f64], a: f64) {
        for i in prange(0..y.len()).rev().step_by(3) {
            let t = a * x[i];
            y[i] = t + i as f64;
        }
    }
    fn scale_ser(x: &[f64], y: &mut [f64], a: f64) {
        for i in (0..y.len()).rev().step_by(3) {
            let t = a * x[i];
            y[i] = t + i as f64;
        }
    }

    /// A `prange` nested in a `prange` (runs serially) and one inside a serial loop.
    fn nested_par(a) -> i64 {
        let (n, m) = a.dim();
        let mut total = 0i64;
        for t in 0..2 {
            for i in prange(0..n) {
                for j in prange(0..m) {
                    a[[i, j]] += (i * m + j) as i64 + t;
                    total += a[[i, j]];
                }
            }
        }
        total
    }
    fn nested_ser(a) -> i64 {
        let (n, m) = a.dim();
        let mut total = 0i64;
        for t in 0..2 {
            for i in 0..n {
                for j in 0..m {
                    a[[i, j]] += (i * m + j) as i64 + t;
                    total += a[[i, j]];
                }
            }
        }
        total
    }

    /// Locals of the same name in sibling loops are private to each; a serial loop between them.
    fn siblings(x: &[f64], y: &mut [f64]) -> f64 {
        let mut s = 0.0;
        for i in prange(0..y.len()) {
            let t = x[i] * 2.0;
            y[i] = t;
        }
        for i in 0..y.len() {
            let t = y[i] + 1.0;
            s += t;
        }
        for i in prange(0..y.len()) {
            let t = y[i] * 0.5;
            let t = t + 1.0;
            y[i] = t;
            s += t;
        }
        s
    }

    /// Iterations `a` and `b..` fail: the error is that of `a`.
    fn fails_par(x: &[i64], y: &mut [i64], a: usize, b: usize) {
        for i in prange(0..y.len()) {
            let k = if i == a || i >= b { i + y.len() } else { i };
            y[i] = x[k] + 1;
        }
    }

    fn race(y: &mut [f64]) {
        for i in prange(0..y.len()) {
            y[0] = i as f64;
        }
    }

    fn not_reduction(y: &mut [f64]) -> f64 {
        let mut last = 0.0;
        for i in prange(0..y.len()) {
            last = y[i];
        }
        last
    }

    fn partial_read(y: &mut [f64]) {
        let mut s = 0.0;
        for i in prange(0..y.len()) {
            s += 1.0;
            y[i] = s;
        }
    }

    fn breaks(y: &mut [f64]) {
        for i in prange(0..y.len()) {
            if y[i] > 1.0 {
                break;
            }
            y[i] = 1.0;
        }
    }

    /// A labelled `break` out of a `prange` body, from a loop nested in it.
    fn breaks_labelled(y: &mut [f64]) {
        'par: for i in prange(0..y.len()) {
            for _k in 0..3 {
                if y[i] > 1.0 {
                    break 'par;
                }
            }
            y[i] = 1.0;
        }
    }

    /// A labelled `continue` of the `prange` loop itself is an iteration ending early: allowed.
    fn continues_labelled(y: &mut [f64]) {
        'par: for i in prange(0..y.len()) {
            for k in 0..3 {
                if y[i] > k as f64 {
                    continue 'par;
                }
            }
            y[i] = 1.0;
        }
    }
}

fn ints(n: usize) -> Array1<i64> {
    Array1::from_iter((0..n as i64).map(|i| (i * 7919 + 13) % 10007 - 5000))
}

/// Runs `f` with pools of 1, 2, 3 and 8 threads and with the global pool.
pub(crate) fn each_pool(f: impl Fn() + Sync) {
    for k in [1, 2, 3, 8] {
        rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .unwrap()
            .install(&f);
    }
    f();
}

#[test]
fn integer_reductions_equal_serial() {
    each_pool(|| {
        for n in [0, 1, 5, 2047, 2048, 100_003] {
            let x = ints(n);
            assert_eq!(sum_par(&x).unwrap(), sum_ser(&x).unwrap(), "n = {n}");
            assert_eq!(stats_par(&x).unwrap(), stats_ser(&x).unwrap(), "n = {n}");
            assert_eq!(
                flipped_par(&x).unwrap(),
                flipped_ser(&x).unwrap(),
                "n = {n}"
            );
            let u = x.mapv(|v| (v * 2654435761) as u32);
            assert_eq!(bits_par(&u).unwrap(), bits_ser(&u).unwrap(), "n = {n}");
        }
    });
}

#[test]
fn float_reductions_match_serial_within_rounding() {
    each_pool(|| {
        for n in [3, 4096, 250_001] {
            let x = Array1::from_iter((0..n).map(|i| ((i as f64) * 0.37).sin()));
            let (p, s) = (fsum_par(&x).unwrap(), fsum_ser(&x).unwrap());
            assert!((p - s).abs() <= 1e-9 * s.abs().max(1.0), "{p} vs {s}");
        }
    });
}

#[test]
fn stores_equal_serial() {
    each_pool(|| {
        let x = Array1::from_iter((0..10_000).map(|i| i as f64 * 0.5));
        let mut yp = Array1::<f64>::zeros(10_000);
        let mut ys = Array1::<f64>::zeros(10_000);
        scale_par(&x, &mut yp, 3.0).unwrap();
        scale_ser(&x, &mut ys, 3.0).unwrap();
        assert_eq!(yp, ys);

        let mut y = Array1::<f64>::zeros(5000);
        let s = siblings(x.slice(ndarray::s![..5000]), &mut y).unwrap();
        let expected: f64 = (0..5000)
            .map(|i| (i as f64 + 1.0) + (0.5 * i as f64 + 1.0))
            .sum();
        assert!((s - expected).abs() <= 1e-9 * expected, "{s} vs {expected}");
        assert_eq!(y[10], 6.0);

        let mut ap = Array2::<i64>::zeros((70, 90));
        let mut as_ = Array2::<i64>::zeros((70, 90));
        assert_eq!(nested_par(&mut ap).unwrap(), nested_ser(&mut as_).unwrap());
        assert_eq!(ap, as_);
    });
}

#[test]
fn example_kernels_equal_their_serial_twins() {
    each_pool(|| {
        let (h, w) = (300, 400);
        let mut mp = Array2::<i32>::zeros((h, w));
        let mut ms = Array2::<i32>::zeros((h, w));
        kernels::mandelbrot_par(&mut mp, -2.0, 1.0, -1.0, 1.0, 200).unwrap();
        kernels::mandelbrot(&mut ms, -2.0, 1.0, -1.0, 1.0, 200).unwrap();
        assert_eq!(mp, ms);

        let a = Array2::from_shape_fn((120, 80), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 6.0);
        let b = Array2::from_shape_fn((80, 90), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.5);
        let mut cp = Array2::<f64>::zeros((120, 90));
        let mut cs = Array2::<f64>::zeros((120, 90));
        kernels::matmul_par(&a, &b, &mut cp).unwrap();
        kernels::matmul(&a, &b, &mut cs).unwrap();
        assert_eq!(cp, cs);

        let n = 5000;
        let s = Array1::from_iter((0..n).map(|i| 50.0 + (i % 100) as f64));
        let x = Array1::from_iter((0..n).map(|i| 60.0 + (i % 37) as f64));
        let t = Array1::from_iter((0..n).map(|i| 0.1 + (i % 20) as f64 * 0.1));
        let (mut cp, mut pp) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
        let (mut cs, mut ps) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
        kernels::black_scholes_par(&s, &x, &t, 0.02, 0.3, &mut cp, &mut pp).unwrap();
        kernels::black_scholes(&s, &x, &t, 0.02, 0.3, &mut cs, &mut ps).unwrap();
        assert_eq!((cp, pp), (cs, ps));

        let d: f64 = kernels::dot_par(&s, &t).unwrap();
        let e: f64 = kernels::dot(&s, &t).unwrap();
        assert!((d - e).abs() <= 1e-9 * e.abs(), "{d} vs {e}");
    });
}

#[test]
fn lowest_failing_iteration_is_reported() {
    each_pool(|| {
        // Failures among the first iterations (which the calling thread runs while it measures
        // their cost) and far into the loop (which chunks on the pool run, in any order).
        for (n, a, b) in [
            (10_000usize, 700usize, 900usize),
            (1_000_000, 700_000, 900_000),
            (1_000_000, 300_001, 300_002),
        ] {
            let x = ints(n);
            let mut y = Array1::<i64>::zeros(n);
            match fails_par(&x, &mut y, a, b).map_err(Error::into_kind) {
                Err(ErrorKind::OutOfBounds {
                    index, len, array, ..
                }) => {
                    assert_eq!(
                        (index, len, array.as_str()),
                        ((n + a) as u64, n as u64, "x")
                    );
                }
                other => panic!("{other:?}"),
            }
            // Iterations before the failing one ran; the kernel keeps working.
            assert_eq!(y[a - 1], x[a - 1] + 1);
            let mut small = Array1::<i64>::zeros(500);
            fails_par(&x, &mut small, a, b).unwrap();
            assert_eq!(small[499], x[499] + 1);
        }
    });
}

fn type_error(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(e) => {
            println!("{e:#}");
            match e.into_kind() {
                ErrorKind::Type { message, .. } => message,
                other => panic!("expected a type error, got {other:?}"),
            }
        }
        other => panic!("expected a type error, got {other:?}"),
    }
}

#[test]
fn kernels_that_cannot_run_in_parallel_are_explained() {
    let mut y = Array1::<f64>::zeros(8);
    let m = type_error(race(&mut y));
    assert!(
        m.contains("data race") && m.contains("same element of `y`"),
        "{m}"
    );
    let m = type_error(not_reduction(&mut y));
    assert!(
        m.contains("`last` is declared outside this `prange` loop and assigned inside it"),
        "{m}"
    );
    let m = type_error(partial_read(&mut y));
    assert!(m.contains("`s` is a reduction variable"), "{m}");
    let m = type_error(breaks(&mut y));
    assert!(m.contains("`break` out of a `prange` loop"), "{m}");
    let m = type_error(breaks_labelled(&mut y));
    assert!(m.contains("`break` out of a `prange` loop"), "{m}");
    let mut y = Array1::from_iter((0..64).map(|i| (i % 5) as f64 - 2.0));
    let mut serial = y.clone();
    continues_labelled(&mut y).unwrap();
    for i in 0..serial.len() {
        if !(0..3).any(|k| serial[i] > k as f64) {
            serial[i] = 1.0;
        }
    }
    assert_eq!(y, serial);
}

#[test]
fn parallel_bodies_still_vectorize() {
    use rumba::IntoArg;
    let x = Array1::<f64>::ones(16);
    let ir = kernels::dot_par::kernel()
        .llvm_ir(&[(&x).into_arg(), (&x).into_arg()])
        .unwrap();
    assert!(ir.contains("call i32 @rumba_parallel_for("), "{ir}");
    let body = &ir[ir
        .find("define internal void @dot_par.prange")
        .expect("chunk function")..];
    assert!(body.contains(" x double>"), "{ir}");
    assert!(body.contains("atomicrmw fadd"), "{ir}");
}

twin! {
    mod rs_complex;
    /// Complex sums (`+=`, `-=`, `s = s + e`, `s = s - e`, complex and real operands), each part
    /// combined as a float sum is.
    pub fn csum(x: ArrayView1<Complex64>, w: ArrayView1<Complex64>, s0: Complex64) -> (Complex64, Complex64, Complex64) {
        let mut s = s0;
        let mut d = Complex64::new(0.0, 0.0);
        let mut a = Complex64::new(1.0, -2.0);
        for i in prange(0..x.len()) {
            s += x[i] * w[i];
            d -= x[i];
            a = a + x[i];
            a = a - w[i] * 0.5;
            a += 0.25;
        }
        (s, d, a)
    }

    pub fn csum32(x: ArrayView1<Complex32>, s0: Complex32) -> Complex32 {
        let mut s = s0;
        for i in prange(0..x.len()) {
            s -= x[i];
            s += x[i] * x[i];
        }
        s
    }

    /// A complex and a float reduction in one loop.
    pub fn cmixed(x: ArrayView1<Complex64>, s0: Complex64) -> (Complex64, f64) {
        let mut s = s0;
        let mut n = 0.0;
        for i in prange(0..x.len()) {
            s += x[i];
            n += x[i].norm_sqr();
        }
        (s, n)
    }

    /// A complex sum over a `prange` nested in a `prange` body (serial there), and one over the
    /// outer loop.
    pub fn cnested(a: ArrayView2<Complex64>, rows: &mut [Complex64]) -> Complex64 {
        let mut total = Complex64::new(0.0, 0.0);
        for i in prange(0..a.nrows()) {
            let mut row = Complex64::new(0.0, 0.0);
            for j in prange(0..a.ncols()) {
                row += a[[i, j]];
            }
            rows[i] = row;
            total -= row;
        }
        total
    }
}

/// Multiples of 1/4 of at most a few units: the sums the tests make of them and of their
/// products stay below 2^24 quarters, so they are exact, in `f32` too, and the same in any order.
fn dyadic(k: usize) -> Complex64 {
    Complex64::new((k % 7) as f64 - 3.0, (k % 5) as f64 * 0.5 - 1.0)
}

/// The parts' bits (`-0.0` is not `0.0` here).
fn cbits(z: Complex64) -> (u64, u64) {
    (z.re.to_bits(), z.im.to_bits())
}

#[test]
fn complex_sums_equal_the_serial_loop_bit_for_bit() {
    each_pool(|| {
        for n in [0, 1, 5, 2047, 100_003] {
            let x: Array1<Complex64> = (0..n).map(dyadic).collect();
            let w: Array1<Complex64> = (0..n).map(|k| dyadic(k * 3 + 1)).collect();
            let s0 = Complex64::new(0.5, -1.0);
            let got = csum(&x, &w, s0).unwrap();
            let want = rs_complex::csum(x.view(), w.view(), s0);
            assert_eq!(
                (cbits(got.0), cbits(got.1), cbits(got.2)),
                (cbits(want.0), cbits(want.1), cbits(want.2)),
                "n = {n}"
            );

            let x32 = x.mapv(|z| Complex32::new(z.re as f32, z.im as f32));
            let s0 = Complex32::new(-1.5, 2.0);
            let (got, want) = (
                csum32(&x32, s0).unwrap(),
                rs_complex::csum32(x32.view(), s0),
            );
            assert_eq!(
                (got.re.to_bits(), got.im.to_bits()),
                (want.re.to_bits(), want.im.to_bits()),
                "n = {n}"
            );

            let s0 = Complex64::new(2.0, 0.75);
            let (s, norms) = cmixed(&x, s0).unwrap();
            let want = rs_complex::cmixed(x.view(), s0);
            assert_eq!(
                (cbits(s), norms.to_bits()),
                (cbits(want.0), want.1.to_bits())
            );
        }
        // An empty range leaves the start value as it was, `-0.0` parts included.
        let empty = Array1::<Complex64>::zeros(0);
        let s0 = Complex64::new(-0.0, 3.5);
        let (s, d, _) = csum(&empty, &empty, s0).unwrap();
        assert_eq!(
            (cbits(s), cbits(d)),
            (cbits(s0), cbits(Complex64::new(0.0, 0.0)))
        );
        // Each part of a partial sum starts from `-0.0`: adding `-0.0`s keeps a `-0.0`.
        let zero = Complex64::new(-0.0, -0.0);
        let (s, _) = cmixed(&Array1::from_elem(5000, zero), zero).unwrap();
        assert_eq!(cbits(s), cbits(zero));
    });
}

/// A complex partial sum is combined into the shared variable with an atomic float addition per
/// part.
#[test]
fn complex_partial_sums_combine_part_by_part() {
    use rumba::IntoArg;
    let x = Array1::<Complex64>::zeros(4);
    let ir = cmixed::kernel()
        .llvm_ir(&[(&x).into_arg(), Complex64::new(0.0, 0.0).into_arg()])
        .unwrap();
    let body = &ir[ir
        .find("define internal void @cmixed.prange")
        .expect("chunk function")..];
    assert_eq!(body.matches("atomicrmw fadd").count(), 3, "{ir}");
}

#[test]
fn complex_sums_in_nested_pranges_equal_the_serial_loop() {
    each_pool(|| {
        for (n, m) in [(0, 3), (3, 0), (1, 1), (37, 300), (500, 41)] {
            let a = Array2::from_shape_fn((n, m), |(i, j)| dyadic(i * 31 + j));
            let mut rows = Array1::<Complex64>::zeros(n);
            let mut want_rows = rows.clone();
            let total = cnested(&a, rows.as_slice_mut().unwrap()).unwrap();
            let want = rs_complex::cnested(a.view(), want_rows.as_slice_mut().unwrap());
            assert_eq!(cbits(total), cbits(want), "{n}x{m}");
            assert_eq!(rows.mapv(cbits), want_rows.mapv(cbits), "{n}x{m}");
        }
    });
}

twin! {
    mod rs_cbins;
    /// A gridding step: complex values, weighted by reals, added into the cells they fall in (an
    /// array reduction of complex elements, each part added up as a float element is).
    pub fn cgrid(cell: &[usize], w: ArrayView1<f64>, z: ArrayView1<Complex64>, grid: &mut [Complex64]) {
        for i in prange(0..z.len()) {
            grid[cell[i]] += w[i] * z[i];
        }
    }

    /// `-=`, `a[k] = a[k] + e`, `a[k] = e + a[k]`, and real operands (`+= x`, `-= x`, `x + a[k]`:
    /// the real part only), into a 2-D array.
    pub fn cgrid2(cell: &[usize], z: ArrayView1<Complex64>, r: ArrayView1<f64>, mut g: ArrayViewMut2<Complex64>) {
        let n = g.nrows();
        let m = g.ncols();
        for i in prange(0..z.len()) {
            let c = cell[i];
            g[[c / m, c % m]] -= z[i];
            g[[c % n, 0]] = g[[c % n, 0]] + z[i] * 0.5;
            g[[0, c % m]] += r[i];
            g[[c / m, m - 1]] -= r[i] * 2.0;
            g[[c % n, c % m]] = z[i] * 0.25 + g[[c % n, c % m]];
            g[[(c + 1) % n, 0]] = r[i] + g[[(c + 1) % n, 0]];
        }
    }

    pub fn cbins32(k: &[usize], x: ArrayView1<Complex32>, bins: &mut [Complex32]) {
        for i in prange(0..x.len()) {
            bins[k[i]] -= x[i];
            bins[k[i] / 2] += x[i] * x[i];
            bins[0] = bins[0] - x[i].re;
        }
    }
}

/// Complex array reductions (`bins[k] += z`), small arrays (private copies per chunk) and large
/// ones (atomic updates), against the same loops in plain Rust, bit for bit: the values are
/// dyadic and their sums exact in any order.
#[test]
fn complex_array_reductions_equal_the_serial_loop_bit_for_bit() {
    each_pool(|| {
        for n in [0usize, 1, 100, 3000, 100_003] {
            let z: Array1<Complex64> = (0..n).map(dyadic).collect();
            let w = Array1::from_iter((0..n).map(|k| (k % 4) as f64 * 0.5 - 0.5));
            let z32 = z.mapv(|z| Complex32::new(z.re as f32, z.im as f32));
            for nb in [1usize, 7, 300, 10_000] {
                let cell = Array1::from_iter((0..n).map(|k| (k * 7919) % nb));
                let mut got: Array1<Complex64> = (0..nb).map(|k| dyadic(k * 5 + 2)).collect();
                let mut want = got.clone();
                cgrid(&cell, &w, &z, &mut got).unwrap();
                rs_cbins::cgrid(
                    cell.as_slice().unwrap(),
                    w.view(),
                    z.view(),
                    want.as_slice_mut().unwrap(),
                );
                assert_eq!(got.mapv(cbits), want.mapv(cbits), "n = {n}, bins = {nb}");

                let k = Array1::from_iter((0..n).map(|i| (i * 31) % nb));
                let mut got = got.mapv(|z| Complex32::new(z.re as f32, z.im as f32));
                let mut want = got.clone();
                cbins32(&k, &z32, &mut got).unwrap();
                rs_cbins::cbins32(
                    k.as_slice().unwrap(),
                    z32.view(),
                    want.as_slice_mut().unwrap(),
                );
                let bits = |z: &Complex32| (z.re.to_bits(), z.im.to_bits());
                assert_eq!(
                    got.iter().map(bits).collect::<Vec<_>>(),
                    want.iter().map(bits).collect::<Vec<_>>(),
                    "n = {n}, bins = {nb}"
                );
            }
            let r = w.mapv(|w| w * 3.0 - 0.25);
            for (rows, cols) in [(1, 1), (3, 5), (40, 50), (100, 100)] {
                let cell = Array1::from_iter((0..n).map(|k| (k * 7919) % (rows * cols)));
                let g = Array2::from_shape_fn((rows, cols), |(i, j)| dyadic(i * 13 + j * 3));
                // C order, and the transpose of a C-order array (strided in the other order).
                let mut got = g.clone();
                let mut want = g.clone();
                cgrid2(&cell, &z, &r, got.view_mut()).unwrap();
                rs_cbins::cgrid2(
                    cell.as_slice().unwrap(),
                    z.view(),
                    r.view(),
                    want.view_mut(),
                );
                assert_eq!(got.mapv(cbits), want.mapv(cbits), "n = {n}, {rows}x{cols}");
                let mut got = g.t().to_owned();
                let mut want = got.clone();
                cgrid2(&cell, &z, &r, got.view_mut().reversed_axes()).unwrap();
                rs_cbins::cgrid2(
                    cell.as_slice().unwrap(),
                    z.view(),
                    r.view(),
                    want.view_mut().reversed_axes(),
                );
                assert_eq!(
                    got.mapv(cbits),
                    want.mapv(cbits),
                    "n = {n}, {rows}x{cols}, F order"
                );
            }
        }
    });
}

/// A complex element is updated part by part: as two atomic float additions (subtractions) in
/// the atomic chunk, a real operand as one (the real part's), and a private copy is added into the
/// shared array one part at a time.
#[test]
fn complex_array_reductions_update_part_by_part() {
    use rumba::IntoArg;
    let cell = Array1::<usize>::zeros(4);
    let z = Array1::<Complex64>::zeros(4);
    let r = Array1::<f64>::zeros(4);
    let mut g = Array2::<Complex64>::zeros((2, 2));
    let ir = cgrid2::kernel()
        .llvm_ir(&[
            (&cell).into_arg(),
            (&z).into_arg(),
            (&r).into_arg(),
            (&mut g).into_arg(),
        ])
        .unwrap();
    // LLVM versions the loops (and the kernel is emitted once per layout case), so the atomic
    // updates are counted where they are not copied: the private chunk's final additions, two per
    // element (LLVM may unroll their loop on some hosts: an AMD Zen 3 makes three copies of it).
    let function = |name: &str| {
        let at = ir.find(name).unwrap_or_else(|| panic!("{name}: {ir}"));
        let end = ir[at..].find("\ndefine ").map_or(ir.len(), |e| at + e);
        &ir[at..end]
    };
    let private = function("@cgrid2.prange(");
    let adds = private.matches("atomicrmw fadd").count();
    assert!(adds >= 2 && adds % 2 == 0, "{adds} additions: {private}");
    let atomic = function("@cgrid2.atomic.prange(");
    assert!(atomic.contains("atomicrmw fsub"), "{atomic}");
    assert!(atomic.contains("atomicrmw fadd"), "{atomic}");
    // Every atomic update is of one part, a `double`.
    for line in ir.lines().filter(|l| l.contains("atomicrmw")) {
        assert!(line.contains(", double %"), "{line}");
    }
}
