//! Complex numbers (`num_complex::Complex32`/`Complex64`, issue 16 item 4): scalars, locals,
//! array elements of every layout, operators with complex and real operands, the methods, the
//! parts read and written, returned values and tuples: every result against num-complex's,
//! bit for bit. On the GPU: tests/gpu.rs.

use ndarray::{s, Array1, Array2, Axis};
use num_complex::{Complex, Complex32, Complex64};
use rumba::IntoArg;

rumba::compile! {
    /// ndarray's reductions of complex arrays.
    fn reductions(x: ArrayView1<Complex64>) -> (Complex64, Complex64, Complex64) {
        (x.sum(), x.product(), x.mean().unwrap())
    }

    fn dot_1d(x: ArrayView1<Complex64>, y: ArrayView1<Complex64>) -> Complex64 {
        x.dot(&y)
    }

    fn dot_2d_1d(a: ArrayView2<Complex64>, y: ArrayView1<Complex64>) -> Array1<Complex64> {
        a.dot(&y)
    }

    fn dot_2d(a: ArrayView2<Complex64>, b: ArrayView2<Complex64>) -> Array2<Complex64> {
        a.dot(&b)
    }

    fn dot_2d_32(a: ArrayView2<Complex32>, b: ArrayView2<Complex32>) -> Array2<Complex32> {
        a.dot(&b)
    }

    fn axes(a: ArrayView2<Complex64>) -> (Array1<Complex64>, Array1<Complex64>) {
        (a.sum_axis(Axis(0)), a.mean_axis(Axis(1)).unwrap())
    }

    fn sum_32(x: ArrayView1<Complex32>) -> Complex32 {
        x.sum()
    }

    /// ndarray's operators on complex arrays, fused into one loop.
    fn array_ops(x: ArrayView1<Complex64>, y: ArrayView1<Complex64>, k: Complex64) -> (Array1<Complex64>, Complex64) {
        let z = -(&x / &y) + &x * k - &y;
        (z, (&x * &y).sum())
    }

    fn update(mut y: ArrayViewMut1<Complex64>, x: ArrayView1<Complex64>) {
        y += &x;
        y *= Complex64::new(0.5, 2.0);
    }

    fn broadcast_rows(a: ArrayView2<Complex64>, x: ArrayView1<Complex64>) -> Array2<Complex64> {
        &a - &x
    }

    fn remainder(x: ArrayView1<Complex64>) -> Array1<Complex64> {
        &x % &x
    }

    fn arith(a: Complex64, b: Complex64, r: f64) -> (Complex64, Complex64, Complex64, Complex64) {
        (a + b * r, a - r * b, (a * b) / (b - r), r / a + (-b) - a / r)
    }

    fn methods(z: Complex64, p: f64, n: i32) -> (Complex64, Complex64, Complex64, Complex64, Complex64) {
        (z.conj().inv(), z.exp(), z.ln() + z.sqrt(), z.powi(n), z.powf(p))
    }

    fn reals(z: Complex64) -> (f64, f64, f64, f64, f64) {
        (z.norm(), z.norm_sqr(), z.arg(), z.re, z.im)
    }

    fn build(x: f64, y: f64) -> Complex64 {
        let mut c = Complex::new(x, y);
        c += Complex64::i();
        c *= Complex64::new(x, 2.0);
        c -= Complex64::one() + Complex64::zero();
        c /= 3.0;
        c.re += 1.5;
        c.im = c.im * 2.0;
        c
    }

    /// Names no complex type: its arguments' types bring the prelude's complex functions.
    fn untyped(a, b, x) {
        a * b + x[0] / a
    }

    fn eq(a: Complex64, b: Complex64) -> (bool, bool) {
        (a == b, a != b)
    }

    fn single(a: Complex32, b: Complex32, r: f32) -> Complex32 {
        let z = a * b + r;
        (z / a).sqrt() + z.exp().powi(3) - Complex32::new(r, 1.0).ln()
    }

    fn dot(x: ArrayView1<Complex64>, y: ArrayView1<Complex64>) -> Complex64 {
        let mut s = Complex64::new(0.0, 0.0);
        for i in 0..x.len() {
            s += x[i].conj() * y[i];
        }
        s
    }

    fn scale_rows(m: &mut ArrayViewMut2<Complex64>, k: Complex64) {
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                m[[i, j]] = m[[i, j]] * k;
                m[[i, j]].im -= 1.0;
            }
        }
    }

    fn squares(x: ArrayView1<Complex32>) -> Array1<Complex32> {
        let mut y = Array1::zeros(x.len());
        for i in 0..x.len() {
            y[i] = x[i] * x[i];
        }
        y
    }

    fn pmap(x: ArrayView1<Complex64>, y: &mut [Complex64], k: Complex64) {
        for i in prange(0..x.len()) {
            y[i] = (x[i] * k).sqrt() - 1.0;
        }
    }

    fn escape(c: Complex64, max_iter: u32) -> u32 {
        let mut z = Complex64::new(0.0, 0.0);
        let mut k = 0;
        while k < max_iter && z.norm_sqr() <= 4.0 {
            z = z * z + c;
            k += 1;
        }
        k
    }
}

/// The parts' bits, every NaN as one: the sign and payload of a NaN made by arithmetic are
/// unspecified (x86 makes a negative one, LLVM's constant folding of rustc's side a positive one).
fn bits(z: Complex64) -> (u64, u64) {
    let b = |x: f64| {
        if x.is_nan() {
            f64::NAN.to_bits()
        } else {
            x.to_bits()
        }
    };
    (b(z.re), b(z.im))
}

fn samples() -> Vec<Complex64> {
    vec![
        Complex64::new(1.5, -0.25),
        Complex64::new(-3.0, 0.0),
        Complex64::new(-2.0, -0.0),
        Complex64::new(0.0, 2.5),
        Complex64::new(0.0, -0.75),
        Complex64::new(4.0, 0.0),
        Complex64::new(-0.3, 7.1),
        Complex64::new(f64::INFINITY, 1.0),
        Complex64::new(f64::NEG_INFINITY, f64::NAN),
        Complex64::new(f64::NAN, 0.0),
        Complex64::new(1e300, -1e-300),
    ]
}

#[test]
fn operators_with_complex_and_real_operands_equal_num_complex() {
    for &a in &samples() {
        for &b in &samples() {
            let r = 0.7f64;
            let got: (Complex64, Complex64, Complex64, Complex64) = arith(a, b, r).unwrap();
            let want = (
                a + b * r,
                a - r * b,
                (a * b) / (b - r),
                r / a + (-b) - a / r,
            );
            assert_eq!(bits(got.0), bits(want.0), "{a} {b}");
            assert_eq!(bits(got.1), bits(want.1), "{a} {b}");
            assert_eq!(bits(got.2), bits(want.2), "{a} {b}");
            assert_eq!(bits(got.3), bits(want.3), "{a} {b}");
            let got: (bool, bool) = eq(a, b).unwrap();
            assert_eq!(got, (a == b, a != b));
        }
    }
}

#[test]
fn methods_equal_num_complex() {
    for &z in &samples() {
        for (p, n) in [(0.0f64, 0), (2.5, 3), (-1.25, -2), (0.5, 7)] {
            let got: (Complex64, Complex64, Complex64, Complex64, Complex64) =
                methods(z, p, n).unwrap();
            let want = (
                z.conj().inv(),
                z.exp(),
                z.ln() + z.sqrt(),
                z.powi(n),
                z.powf(p),
            );
            assert_eq!(bits(got.0), bits(want.0), "inv {z}");
            assert_eq!(bits(got.1), bits(want.1), "exp {z}");
            assert_eq!(bits(got.2), bits(want.2), "ln+sqrt {z}");
            assert_eq!(bits(got.3), bits(want.3), "powi {z} {n}");
            assert_eq!(bits(got.4), bits(want.4), "powf {z} {p}");
        }
        let got: (f64, f64, f64, f64, f64) = reals(z).unwrap();
        let want = (z.norm(), z.norm_sqr(), z.arg(), z.re, z.im);
        let b = |t: (f64, f64, f64, f64, f64)| {
            [(t.0, t.1), (t.2, t.3), (t.4, 0.0)].map(|(re, im)| bits(Complex64::new(re, im)))
        };
        assert_eq!(b(got), b(want), "{z}");
    }
}

#[test]
fn constructors_parts_and_compound_assignment() {
    let (x, y) = (0.3, -1.7);
    let mut c = Complex::new(x, y);
    c += Complex64::i();
    c *= Complex64::new(x, 2.0);
    c -= Complex64::new(1.0, 0.0) + Complex64::new(0.0, 0.0);
    c /= 3.0;
    c.re += 1.5;
    c.im *= 2.0;
    assert_eq!(bits(build(x, y).unwrap()), bits(c));
}

#[test]
fn complex32_equals_num_complex() {
    let (a, b, r) = (
        Complex32::new(0.5, -1.25),
        Complex32::new(-2.0, 0.75),
        1.5f32,
    );
    let z = a * b + r;
    let want = (z / a).sqrt() + z.exp().powi(3) - Complex32::new(r, 1.0).ln();
    let got = single(a, b, r).unwrap();
    assert_eq!(
        (got.re.to_bits(), got.im.to_bits()),
        (want.re.to_bits(), want.im.to_bits())
    );
}

#[test]
fn arrays_of_complex_in_every_layout() {
    let x: Array1<Complex64> = (0..9)
        .map(|k| Complex64::new(k as f64 * 0.5, 1.0 - k as f64))
        .collect();
    let y: Array1<Complex64> = (0..9)
        .map(|k| Complex64::new(1.0 / (k as f64 + 1.0), k as f64))
        .collect();
    let want = |x: ndarray::ArrayView1<Complex64>, y: ndarray::ArrayView1<Complex64>| {
        let mut s = Complex64::new(0.0, 0.0);
        for i in 0..x.len() {
            s += x[i].conj() * y[i];
        }
        s
    };
    assert_eq!(bits(dot(&x, &y).unwrap()), bits(want(x.view(), y.view())));
    let (xs, ys) = (x.slice(s![..;2]), y.slice(s![..;-2]));
    assert_eq!(bits(dot(xs, ys).unwrap()), bits(want(xs, ys)));

    let mut m: Array2<Complex64> = Array2::from_shape_fn((3, 4), |(i, j)| {
        Complex64::new(i as f64 - 0.5, j as f64 * 0.25)
    });
    let mut want_m = m.clone();
    let k = Complex64::new(0.5, -2.0);
    for v in want_m.iter_mut() {
        *v *= k;
        v.im -= 1.0;
    }
    let mut t = m.clone().reversed_axes();
    let mut want_t = t.clone();
    for v in want_t.iter_mut() {
        *v *= k;
        v.im -= 1.0;
    }
    scale_rows(&mut m, k).unwrap();
    scale_rows(t.view_mut(), k).unwrap();
    assert_eq!(m.mapv(bits), want_m.mapv(bits));
    assert_eq!(t.mapv(bits), want_t.mapv(bits));

    let x32: Array1<Complex32> = (0..5).map(|k| Complex32::new(k as f32, -0.5)).collect();
    let got: Array1<Complex32> = squares(&x32).unwrap();
    assert_eq!(got, x32.mapv(|v| v * v));
}

#[test]
fn mandelbrot_escape_counts() {
    for (re, im) in [
        (-0.75, 0.1),
        (0.3, 0.5),
        (-2.0, 0.0),
        (0.25, 0.0),
        (-0.1, 0.65),
    ] {
        let c = Complex64::new(re, im);
        let mut z = Complex64::new(0.0, 0.0);
        let mut k = 0;
        while k < 500 && z.norm_sqr() <= 4.0 {
            z = z * z + c;
            k += 1;
        }
        assert_eq!(escape(c, 500).unwrap(), k, "{c}");
    }
}

#[test]
fn generic_complex_type_is_complex64() {
    let z: Complex<f64> = Complex::new(1.0, 2.0);
    assert_eq!(
        bits(build(z.re, z.im).unwrap()),
        bits(build(1.0, 2.0).unwrap())
    );
}

#[test]
fn prange_over_complex_elements_equals_the_serial_loop() {
    let x: Array1<Complex64> = (0..1000)
        .map(|k| Complex64::new(k as f64 - 500.0, 0.25 * k as f64))
        .collect();
    let k = Complex64::new(0.5, -1.5);
    let mut y = Array1::from_elem(x.len(), Complex64::new(0.0, 0.0));
    pmap(&x, y.as_slice_mut().unwrap(), k).unwrap();
    assert_eq!(y.mapv(bits), x.mapv(|v| bits((v * k).sqrt() - 1.0)));
}

/// Complex kernels compile for the GPU too (tests/gpu.rs runs them there against the CPU): a
/// complex view, a complex slice and a complex scalar (two float parameters), `sqrt` through
/// libdevice.
#[test]
fn complex_kernels_compile_for_the_gpu() {
    let _ = crate::gpu::toolkit();
    let x = Array1::from_elem(4, Complex64::new(1.0, 0.5));
    let mut y = x.clone();
    let args = [
        (&x).into_arg(),
        (&mut y).into_arg(),
        Complex64::new(2.0, 0.0).into_arg(),
    ];
    match pmap::kernel().cuda().ptx(&args, "sm_80") {
        Ok(ptx) => {
            assert!(ptx.contains(".param .f64 rumba_kernel_param_4"), "{ptx}");
            assert!(ptx.contains(".param .f64 rumba_kernel_param_5"), "{ptx}");
        }
        Err(e) => match e.kind() {
            rumba::ErrorKind::NoCuda { message, .. } => crate::skip("RUMBA_REQUIRE_PTXAS", message),
            _ => panic!("{e:#}"),
        },
    }
}

/// The Mandelbrot kernel written with `Complex64` gets the loop nest of the split re/im one:
/// sixteen pixels iterated at once, in the lanes of vectors (its complex arithmetic calls cannot
/// fail), with the same image.
#[test]
fn complex_mandelbrot_is_jammed_like_the_split_one() {
    let ir = |k: &rumba::Kernel| {
        let mut out = Array2::<i32>::zeros((8, 8));
        let args = [
            (&mut out).into_arg(),
            (-2.0f64).into_arg(),
            1.0f64.into_arg(),
            (-1.5f64).into_arg(),
            1.5f64.into_arg(),
            100i32.into_arg(),
        ];
        k.typed_ir(&args).unwrap()
    };
    let complex = ir(crate::kernels::mandelbrot_complex::kernel());
    let split = ir(crate::kernels::mandelbrot::kernel());
    assert!(
        complex.contains("jam.q") && split.contains("jam.q"),
        "{complex}"
    );
    let mut want = Array2::<i32>::zeros((33, 21));
    crate::kernels::mandelbrot(&mut want, -2.0, 1.0, -1.5, 1.5, 100).unwrap();
    let mut got = Array2::<i32>::zeros((33, 21));
    crate::kernels::mandelbrot_complex(&mut got, -2.0, 1.0, -1.5, 1.5, 100).unwrap();
    assert_eq!(got, want);
}

#[test]
fn a_kernel_naming_no_complex_type_takes_complex_arguments() {
    let (a, b) = (Complex64::new(1.5, -2.0), Complex64::new(0.25, 3.0));
    let x = Array1::from(vec![Complex64::new(-1.0, 0.5)]);
    let want = a * b + x[0] / a;
    assert_eq!(bits(untyped(a, b, &x).unwrap()), bits(want));
    let (a32, b32) = (Complex32::new(1.5, -2.0), Complex32::new(0.25, 3.0));
    let x32 = Array1::from(vec![Complex32::new(-1.0, 0.5)]);
    let got: Complex32 = untyped(a32, b32, &x32).unwrap();
    let want = a32 * b32 + x32[0] / a32;
    assert_eq!(
        (got.re.to_bits(), got.im.to_bits()),
        (want.re.to_bits(), want.im.to_bits())
    );
}

/// `sum`, `product`, `mean`, `sum_axis`, `mean_axis` and `dot` (1-D·1-D, 2-D·1-D, 2-D·2-D through
/// `matrixmultiply`'s `zgemm`/`cgemm`, as ndarray calls it) of complex arrays against ndarray's,
/// bit for bit, on contiguous, strided, reversed, transposed and empty layouts.
#[test]
fn reductions_and_products_equal_ndarray() {
    let z = |k: usize| Complex64::new((k as f64 * 0.37).sin() * 3.0, 1.0 / (k as f64 + 0.7) - 0.4);
    for n in [0, 1, 3, 8, 9, 17, 40] {
        let x: Array1<Complex64> = (0..n).map(z).collect();
        let y: Array1<Complex64> = (0..n).map(|k| z(k + 5).conj()).collect();
        let views = [x.view(), x.slice(s![..;2]), x.slice(s![..;-1])];
        for v in views {
            match v.mean() {
                Some(m) => {
                    let (sum, product, mean) = reductions(v).unwrap();
                    assert_eq!(bits(sum), bits(v.sum()), "sum of {n}");
                    assert_eq!(bits(product), bits(v.product()), "product of {n}");
                    assert_eq!(bits(mean), bits(m), "mean of {n}");
                }
                // The mean of nothing is `None`: its `unwrap` fails the call.
                None => assert!(reductions(v).is_err()),
            }
        }
        assert_eq!(bits(dot_1d(x.view(), y.view()).unwrap()), bits(x.dot(&y)));
        let (xs, ys) = (x.slice(s![..;-2]), y.slice(s![..;2]));
        assert_eq!(
            bits(dot_1d(xs, ys).unwrap()),
            bits(xs.dot(&ys)),
            "strided dot of {n}"
        );
        let x32: Array1<Complex32> = x.mapv(|v| Complex32::new(v.re as f32, v.im as f32));
        assert_eq!(
            sum_32(x32.view()).unwrap(),
            x32.sum(),
            "Complex32 sum of {n}"
        );
    }
    for (m, k, n) in [(0, 3, 2), (1, 1, 1), (3, 4, 5), (9, 7, 17), (33, 20, 10)] {
        let a: Array2<Complex64> = Array2::from_shape_fn((m, k), |(i, j)| z(i * 7 + j));
        let b: Array2<Complex64> = Array2::from_shape_fn((k, n), |(i, j)| z(i + j * 3 + 1));
        let got = dot_2d(a.view(), b.view()).unwrap();
        assert_eq!(got.mapv(bits), a.dot(&b).mapv(bits), "{m}x{k}x{n}");
        let (at, bt) = (b.t(), a.t());
        let got = dot_2d(at, bt).unwrap();
        assert_eq!(
            got.mapv(bits),
            at.dot(&bt).mapv(bits),
            "transposed {m}x{k}x{n}"
        );
        let c32 = |a: &Array2<Complex64>| a.mapv(|v| Complex32::new(v.re as f32, v.im as f32));
        let (a32, b32) = (c32(&a), c32(&b));
        assert_eq!(dot_2d_32(a32.view(), b32.view()).unwrap(), a32.dot(&b32));
        let y: Array1<Complex64> = (0..k).map(|j| z(j + 11)).collect();
        let got = dot_2d_1d(a.view(), y.view()).unwrap();
        assert_eq!(got.mapv(bits), a.dot(&y).mapv(bits), "{m}x{k} by {k}");
        if m > 0 && k > 0 {
            let (sums, means) = axes(a.view()).unwrap();
            assert_eq!(sums.mapv(bits), a.sum_axis(Axis(0)).mapv(bits));
            assert_eq!(means.mapv(bits), a.mean_axis(Axis(1)).unwrap().mapv(bits));
        }
    }
    // Shapes that do not fit: ndarray's error, not a crash.
    let a = Array2::from_elem((2, 3), Complex64::new(1.0, 0.0));
    let err = dot_2d(a.view(), a.view()).unwrap_err().to_string();
    assert!(
        err.contains("not compatible for matrix multiplication"),
        "{err}"
    );
}

/// ndarray's operators on arrays of complex numbers (num-complex's arithmetic per element, a
/// broadcast row, in-place updates) against ndarray, bit for bit; `%` is refused as ndarray has
/// none for complex numbers.
#[test]
fn array_operators_on_complex_arrays_equal_ndarray() {
    let x: Array1<Complex64> = (0..13)
        .map(|k| Complex64::new(k as f64 * 0.3, 1.0 - k as f64 * 0.1))
        .collect();
    let y = x.mapv(|v| v * 0.5 + 1.0);
    let k = Complex64::new(1.5, -0.25);
    let (z, dot) = array_ops(x.view(), y.view(), k).unwrap();
    let want = -(&x / &y) + &x * k - &y;
    assert_eq!(z.mapv(bits), want.mapv(bits));
    assert_eq!(bits(dot), bits((&x * &y).sum()));
    let (xs, ys) = (x.slice(s![..;-3]), y.slice(s![..;3]));
    let (z, _) = array_ops(xs, ys, k).unwrap();
    assert_eq!(z.mapv(bits), (-(&xs / &ys) + &xs * k - ys).mapv(bits));

    let (mut got, mut want) = (y.clone(), y.clone());
    update(got.view_mut(), x.view()).unwrap();
    want += &x;
    want *= Complex64::new(0.5, 2.0);
    assert_eq!(got.mapv(bits), want.mapv(bits));

    let a = Array2::from_shape_fn((3, 13), |(i, j)| Complex64::new(i as f64, j as f64 * 0.5));
    let got = broadcast_rows(a.view(), x.view()).unwrap();
    assert_eq!(got.mapv(bits), (&a - &x).mapv(bits));

    let err = remainder(x.view()).unwrap_err().to_string();
    assert!(
        err.contains("no implementation for `Complex<f64> % Complex<f64>`"),
        "{err}"
    );
}
