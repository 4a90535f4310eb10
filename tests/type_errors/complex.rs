//! Complex numbers where num-complex defines no such operation: ordered comparisons, `%`, a
//! complex number with an integer, a cast, a method that does not exist; and the complex
//! reductions of a `prange` loop it refuses (a product of a variable or of array elements, which
//! does not combine part by part; a sum read inside the loop); the GPU's error for complex numbers.

use super::{at, type_error};
use num_complex::Complex64;
use rumba::prelude::*;

rumba::compile! {
    fn less(a: Complex64, b: Complex64) -> bool {
        a < b
    }

    fn times_int(a: Complex64, k) -> Complex64 {
        a * k
    }

    fn cast(a: Complex64) -> f64 {
        a as f64
    }

    fn floor(a: Complex64) -> Complex64 {
        a.floor()
    }

    fn pprod(x: ArrayView1<Complex64>) -> Complex64 {
        let mut s = Complex64::one();
        for i in prange(0..x.len()) {
            s *= x[i];
        }
        s
    }

    fn pread(x: ArrayView1<Complex64>, y: &mut [f64]) -> Complex64 {
        let mut s = Complex64::zero();
        for i in prange(0..x.len()) {
            s += x[i];
            y[i] = s.re;
        }
        s
    }

    fn pbins(k: &[usize], x: ArrayView1<Complex64>, bins: &mut [Complex64]) {
        for i in prange(0..x.len()) {
            bins[k[i]] += x[i];
            bins[k[i]] *= x[i];
        }
    }
}

#[test]
fn complex_numbers_are_not_ordered() {
    let z = Complex64::new(1.0, 2.0);
    let err = less(z, z).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "less");
    assert_eq!(at(location), (12, 9));
    assert_eq!(
        message,
        "no implementation for `Complex<f64> < Complex<f64>`"
    );
    snapshot!("complex_less", format!("{err:#}"));
}

#[test]
fn complex_times_integer_is_a_mismatch() {
    let z = Complex64::new(1.0, 2.0);
    let err = times_int(z, 3i32).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (16, 13));
    assert_eq!(message, "cannot apply `*` to `Complex<f64>` and `i32`");
    assert_eq!(times_int(z, 3.0f64).unwrap(), z * 3.0);
}

#[test]
fn casts_and_unknown_methods() {
    let z = Complex64::new(1.0, 2.0);
    let err = cast(z).unwrap_err();
    let (_, _, message) = type_error(&err);
    assert_eq!(message, "cannot cast `Complex<f64>` as `f64`");
    let err = floor(z).unwrap_err();
    let (_, _, message) = type_error(&err);
    assert_eq!(message, "no method named `floor` found for `Complex<f64>`");
}

#[test]
fn a_complex_product_or_a_partial_sum_read_in_prange_is_rejected() {
    let x = Array1::from_elem(4, Complex64::new(1.0, 0.5));
    let err = pprod(&x).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "pprod");
    assert_eq!(at(location), (30, 13));
    assert_eq!(
        message,
        "`s` is a complex product reduction of a `prange` loop, which is not supported"
    );
    snapshot!("complex_prange_product", format!("{err:#}"));
    let mut y = [0.0; 4];
    let err = pread(&x, &mut y).unwrap_err();
    let (_, location, message) = type_error(&err);
    assert_eq!(at(location), (38, 13));
    assert_eq!(
        message,
        "`s` is a reduction variable of this `prange` loop and cannot be read inside it"
    );
}

#[test]
fn a_complex_product_array_reduction_in_prange_is_rejected() {
    let x = Array1::from_elem(4, Complex64::new(1.0, 0.5));
    let k = Array1::from_elem(4, 1usize);
    let mut bins = Array1::from_elem(2, Complex64::new(1.0, 0.0));
    let err = pbins(&k, &x, &mut bins).unwrap_err();
    let (kernel, location, message) = type_error(&err);
    assert_eq!(kernel, "pbins");
    assert_eq!(at(location), (47, 13));
    assert_eq!(
        message,
        "`bins` is a complex product array reduction of a `prange` loop, which is not supported"
    );
    snapshot!("complex_prange_array_product", format!("{err:#}"));
}
