//! Running minima and maxima (`m = m.max(x[i])`), as ndarray and Numba users write them, against
//! plain Rust bit for bit: a local that starts from a constant other than NaN and is only ever
//! given its own `min`/`max` with another value is never NaN, and its `min`/`max` skips the NaN
//! test (`emit::math::never_nan`: one `vmaxsd` on the chain). NaNs among the values (which
//! `f64::max` passes over), infinities, empty arrays; and locals that may be NaN (a NaN start, a
//! start read from the data, another assignment, a parameter), which keep the test.

use ndarray::Array1;
use rumba::IntoArg;

twin! {
    mod rs_minmax;

    /// A running maximum from minus infinity, stored at each step.
    pub fn running_max(x: &Array1<f64>, y: &mut Array1<f64>) {
        let mut m = f64::NEG_INFINITY;
        for i in 0..x.len() {
            m = m.max(x[i]);
            y[i] = m;
        }
    }

    /// A running minimum written with the value as the receiver, in `f32`.
    pub fn running_min_f32(x: &Array1<f32>, y: &mut Array1<f32>) {
        let mut m = f32::INFINITY;
        for i in 0..x.len() {
            m = x[i].min(m);
            y[i] = m;
        }
    }

    /// Both bounds of the data, from finite starts, returned.
    pub fn bounds(x: &Array1<f64>) -> (f64, f64) {
        let mut lo = 1e300f64;
        let mut hi = -1e300f64;
        for i in 0..x.len() {
            lo = lo.min(x[i]);
            hi = hi.max(x[i]);
        }
        (lo, hi)
    }

    /// Starts from NaN: `max` returns the first value that is not NaN.
    pub fn from_nan(x: &Array1<f64>) -> f64 {
        let mut m = f64::NAN;
        for i in 0..x.len() {
            m = m.max(x[i]);
        }
        m
    }

    /// Starts from the first value, which may be NaN.
    pub fn from_first(x: &Array1<f64>) -> f64 {
        let mut m = x[0];
        for i in 1..x.len() {
            m = m.max(x[i]);
        }
        m
    }

    /// Reset to a value of the data (maybe NaN) when it falls below a threshold.
    pub fn reset(x: &Array1<f64>, y: &mut Array1<f64>) {
        let mut m = 0.0f64;
        for i in 0..x.len() {
            if x[i] < -0.5 {
                m = x[i] * 2.0;
            }
            m = m.max(x[i]);
            y[i] = m;
        }
    }

    /// From a parameter, which may be NaN.
    pub fn from_param(x: &Array1<f64>, start: f64) -> f64 {
        let mut m = start;
        for i in 0..x.len() {
            m = m.min(x[i]);
        }
        m
    }
}

/// `n` values in [-1, 1) from a fixed generator, with NaNs, infinities and both zeros placed
/// among them.
fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut v: Vec<f64> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect();
    let special = [
        f64::NAN,
        -0.0,
        0.0,
        f64::INFINITY,
        f64::NAN,
        f64::NEG_INFINITY,
    ];
    for (k, e) in special.into_iter().enumerate() {
        if let Some(x) = v.get_mut(k * 7 + (seed as usize % 3)) {
            *x = e;
        }
    }
    v
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Asserts `got` equal to `want` element by element, bit for bit (NaNs of any payload equal).
fn same_elements(what: &str, got: &Array1<f64>, want: &Array1<f64>) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(same(g, w), "{what} [{i}]: {g} vs {w}");
    }
}

#[test]
fn running_minima_and_maxima_match_rust() {
    for n in [0usize, 1, 2, 3, 7, 40, 333] {
        for seed in 1..4u64 {
            let v = data(n, seed);
            let x = Array1::from(v.clone());

            let mut got = Array1::zeros(n);
            running_max(&x, &mut got).unwrap();
            let mut want = Array1::zeros(n);
            rs_minmax::running_max(&x, &mut want);
            same_elements(&format!("running_max n={n}"), &got, &want);

            let x32 = x.mapv(|v| v as f32);
            let mut got = Array1::<f32>::zeros(n);
            running_min_f32(&x32, &mut got).unwrap();
            let mut want = Array1::<f32>::zeros(n);
            rs_minmax::running_min_f32(&x32, &mut want);
            same_elements(
                &format!("running_min_f32 n={n}"),
                &got.mapv(f64::from),
                &want.mapv(f64::from),
            );

            let (lo, hi) = bounds(&x).unwrap();
            let (wlo, whi) = rs_minmax::bounds(&x);
            assert!(
                same(lo, wlo) && same(hi, whi),
                "bounds n={n}: {lo} {hi} vs {wlo} {whi}"
            );

            let got = from_nan(&x).unwrap();
            assert!(same(got, rs_minmax::from_nan(&x)), "from_nan n={n}: {got}");

            let mut got = Array1::zeros(n);
            reset(&x, &mut got).unwrap();
            let mut want = Array1::zeros(n);
            rs_minmax::reset(&x, &mut want);
            same_elements(&format!("reset n={n}"), &got, &want);

            for start in [f64::NAN, 0.25, f64::INFINITY] {
                let got = from_param(&x, start).unwrap();
                let want = rs_minmax::from_param(&x, start);
                assert!(
                    same(got, want),
                    "from_param({start}) n={n}: {got} vs {want}"
                );
            }
        }
    }
    // A NaN first value, then numbers: the first number wins, as in Rust.
    let x = Array1::from(vec![f64::NAN, f64::NAN, -3.0, 2.0, f64::NAN]);
    assert_eq!(from_first(&x).unwrap(), rs_minmax::from_first(&x));
    assert_eq!(from_first(&x).unwrap(), 2.0);
    assert!(from_nan(&Array1::from(vec![f64::NAN])).unwrap().is_nan());
}

/// Which `min`/`max` keep the NaN test: a never-NaN running maximum is one compare and select
/// (no `fcmp uno` left in its loop); a local starting from the data keeps the test.
#[test]
fn never_nan_locals_skip_the_nan_test() {
    let x = Array1::from(vec![1.0f64, 2.0]);
    let mut y = Array1::<f64>::zeros(2);
    let args = [(&x).into_arg(), (&mut y).into_arg()];
    let ir = running_max::kernel().llvm_ir(&args).unwrap();
    assert!(!ir.contains("fcmp uno"), "{ir}");
    let ir = from_first::kernel().llvm_ir(&[(&x).into_arg()]).unwrap();
    assert!(ir.contains("fcmp uno"), "{ir}");
    let ir = reset::kernel().llvm_ir(&args).unwrap();
    assert!(ir.contains("fcmp uno"), "{ir}");
}
