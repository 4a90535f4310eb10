//! Numeric methods vs std: every f32/f64 method of the kernel language on edge values (±0, NaN,
//! ±inf, subnormals, huge values, halfway cases), and the integer methods (min, max, clamp, abs,
//! pow, wrapping_*, count_ones/zeros, leading/trailing_zeros, signum, is_positive/negative) on
//! every integer type, compared with the same code compiled by rustc.

use std::hint::black_box as bb;

macro_rules! float_methods {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn unary(x: $t, o: &mut [$t]) {
                    o[0] = x.abs();
                    o[1] = x.sqrt();
                    o[2] = x.cbrt();
                    o[3] = x.exp();
                    o[4] = x.exp2();
                    o[5] = x.exp_m1();
                    o[6] = x.ln();
                    o[7] = x.ln_1p();
                    o[8] = x.log2();
                    o[9] = x.log10();
                    o[10] = x.sin();
                    o[11] = x.cos();
                    o[12] = x.tan();
                    o[13] = x.asin();
                    o[14] = x.acos();
                    o[15] = x.atan();
                    o[16] = x.sinh();
                    o[17] = x.cosh();
                    o[18] = x.tanh();
                    o[19] = x.floor();
                    o[20] = x.ceil();
                    o[21] = x.round();
                    o[22] = x.trunc();
                    o[23] = x.fract();
                    o[24] = x.signum();
                    o[25] = x.recip();
                    o[26] = x.to_radians();
                    o[27] = x.to_degrees();
                    o[28] = x.abs().sqrt().max(0.5).min(100.0);
                    o[29] = (x * 2.0).sin().abs() + x.cos().powi(2);
                }

                pub fn predicates(x: $t, o: &mut [bool]) {
                    o[0] = x.is_nan();
                    o[1] = x.is_finite();
                    o[2] = x.is_infinite();
                    o[3] = x.is_sign_negative();
                    o[4] = x.is_sign_positive();
                    o[5] = !x.is_nan() && x.is_finite() || x.is_infinite();
                }

                pub fn binary(x: $t, y: $t, n: i32, o: &mut [$t]) {
                    o[0] = x.powf(y);
                    o[1] = x.powi(n);
                    o[2] = x.log(y);
                    o[3] = x.atan2(y);
                    o[4] = x.hypot(y);
                    o[5] = x.copysign(y);
                    o[6] = x.mul_add(y, x);
                    o[7] = x.mul_add(y, 1.0);
                    o[8] = y.powi(-n);
                    o[9] = x.powf(0.5);
                    o[10] = (0.5 as $t).powf(x);
                }

                pub fn min_max(x: $t, y: $t, o: &mut [$t]) {
                    o[0] = x.min(y);
                    o[1] = x.max(y);
                    o[2] = x.max(0.0);
                    o[3] = y.min(x).max(x);
                    // A NaN with its sign bit known (`abs`, a constant) is still passed over:
                    // LLVM 19 folds these wrongly when given `maxnum`/`minnum` (see emit/math.rs).
                    o[4] = if (-1.0 as $t).max(y.abs()).is_sign_negative() { 1.0 } else { 0.0 };
                    o[5] = if (1.0 as $t).min(-y.abs()).is_sign_positive() { 1.0 } else { 0.0 };
                    let nan_or_5 = if x < 0.0 { 5.0 as $t } else { $t::NAN };
                    o[6] = if ((-0.0 as $t).max(nan_or_5) + 0.0).is_sign_negative() { 1.0 } else { 0.0 };
                }

                pub fn clamp(x: $t, lo: $t, hi: $t) -> $t {
                    x.clamp(lo, hi)
                }
            }

            // The same methods in loops over arrays, without bounds checks: what LLVM vectorizes.
            rumba::compile! {
                #[rumba(unsafe(boundscheck = false))]
                fn unary_loops(x: &[$t], o: ArrayViewMut2<$t>) {
                    let n = x.len();
                    for i in 0..n { o[[0, i]] = x[i].abs(); }
                    for i in 0..n { o[[1, i]] = x[i].sqrt(); }
                    for i in 0..n { o[[2, i]] = x[i].cbrt(); }
                    for i in 0..n { o[[3, i]] = x[i].exp(); }
                    for i in 0..n { o[[4, i]] = x[i].exp2(); }
                    for i in 0..n { o[[5, i]] = x[i].exp_m1(); }
                    for i in 0..n { o[[6, i]] = x[i].ln(); }
                    for i in 0..n { o[[7, i]] = x[i].ln_1p(); }
                    for i in 0..n { o[[8, i]] = x[i].log2(); }
                    for i in 0..n { o[[9, i]] = x[i].log10(); }
                    for i in 0..n { o[[10, i]] = x[i].sin(); }
                    for i in 0..n { o[[11, i]] = x[i].cos(); }
                    for i in 0..n { o[[12, i]] = x[i].tan(); }
                    for i in 0..n { o[[13, i]] = x[i].asin(); }
                    for i in 0..n { o[[14, i]] = x[i].acos(); }
                    for i in 0..n { o[[15, i]] = x[i].atan(); }
                    for i in 0..n { o[[16, i]] = x[i].sinh(); }
                    for i in 0..n { o[[17, i]] = x[i].cosh(); }
                    for i in 0..n { o[[18, i]] = x[i].tanh(); }
                    for i in 0..n { o[[19, i]] = x[i].floor(); }
                    for i in 0..n { o[[20, i]] = x[i].ceil(); }
                    for i in 0..n { o[[21, i]] = x[i].round(); }
                    for i in 0..n { o[[22, i]] = x[i].trunc(); }
                    for i in 0..n { o[[23, i]] = x[i].fract(); }
                    for i in 0..n { o[[24, i]] = x[i].signum(); }
                    for i in 0..n { o[[25, i]] = x[i].recip(); }
                    for i in 0..n { o[[26, i]] = x[i].to_radians(); }
                    for i in 0..n { o[[27, i]] = x[i].to_degrees(); }
                    for i in 0..n { o[[28, i]] = x[i].abs().sqrt().max(0.5).min(100.0); }
                    for i in 0..n { o[[29, i]] = (x[i] * 2.0).sin().abs() + x[i].cos().powi(2); }
                }

                #[rumba(unsafe(boundscheck = false))]
                fn binary_loops(x: &[$t], y: &[$t], n: &[i32], o: ArrayViewMut2<$t>) {
                    let len = x.len();
                    for i in 0..len { o[[0, i]] = x[i].powf(y[i]); }
                    for i in 0..len { o[[1, i]] = x[i].powi(n[i]); }
                    for i in 0..len { o[[2, i]] = x[i].log(y[i]); }
                    for i in 0..len { o[[3, i]] = x[i].atan2(y[i]); }
                    for i in 0..len { o[[4, i]] = x[i].hypot(y[i]); }
                    for i in 0..len { o[[5, i]] = x[i].copysign(y[i]); }
                    for i in 0..len { o[[6, i]] = x[i].mul_add(y[i], x[i]); }
                    for i in 0..len { o[[7, i]] = x[i].mul_add(y[i], 1.0); }
                    for i in 0..len { o[[8, i]] = y[i].powi(-n[i]); }
                    for i in 0..len { o[[9, i]] = x[i].powf(0.5); }
                    for i in 0..len { o[[10, i]] = (0.5 as $t).powf(x[i]); }
                }

                #[rumba(unsafe(boundscheck = false))]
                fn predicate_loops(x: &[$t], o: ArrayViewMut2<bool>) {
                    for i in 0..x.len() { o[[0, i]] = x[i].is_nan(); }
                    for i in 0..x.len() { o[[1, i]] = x[i].is_finite(); }
                    for i in 0..x.len() { o[[2, i]] = x[i].is_infinite(); }
                    for i in 0..x.len() { o[[3, i]] = x[i].is_sign_negative(); }
                    for i in 0..x.len() { o[[4, i]] = x[i].is_sign_positive(); }
                    for i in 0..x.len() { o[[5, i]] = !x[i].is_nan() && x[i].is_finite() || x[i].is_infinite(); }
                }
            }

            /// The edge values, then a few hundred ordinary ones, so vector loops have full vectors
            /// and a remainder.
            fn many() -> Vec<$t> {
                let mut v = values();
                v.extend((0..301).map(|i| (i as $t - 150.0) * 0.173));
                v
            }

            #[test]
            fn methods_in_vectorized_loops() {
                let x = many();
                let n = x.len();
                let mut o = ndarray::Array2::<$t>::zeros((30, n));
                // SAFETY: the loops index `x` and row `k < 30` of `o`, whose rows have `x.len()`
                // elements, below `x.len()`.
                unsafe { unary_loops(&x, &mut o) }.unwrap();
                for i in 0..n {
                    let mut b = [0.0 as $t; 30];
                    rs::unary(bb(x[i]), &mut b);
                    for k in 0..30 {
                        assert!(same(o[[k, i]], b[k]), "unary loop {k} at {:e}: rumba {:e} rust {:e}", x[i], o[[k, i]], b[k]);
                    }
                }
                let mut p = ndarray::Array2::from_elem((6, n), false);
                // SAFETY: as above (6 rows of `x.len()`).
                unsafe { predicate_loops(&x, &mut p) }.unwrap();
                for i in 0..n {
                    let mut b = [false; 6];
                    rs::predicates(bb(x[i]), &mut b);
                    assert_eq!(p.column(i).to_vec(), b.to_vec(), "predicates at {}", x[i]);
                }
                let y: Vec<$t> = x.iter().rev().copied().collect();
                let e: Vec<i32> = (0..n as i32).map(|i| i % 41 - 20).collect();
                let mut o = ndarray::Array2::<$t>::zeros((11, n));
                // SAFETY: as above (11 rows); `y` and `e` are as long as `x`.
                unsafe { binary_loops(&x, &y, &e, &mut o) }.unwrap();
                for i in 0..n {
                    let mut b = [0.0 as $t; 11];
                    rs::binary(bb(x[i]), bb(y[i]), bb(e[i]), &mut b);
                    for k in 0..11 {
                        assert!(same(o[[k, i]], b[k]), "binary loop {k} at ({:e}, {:e}, {}): rumba {:e} rust {:e}", x[i], y[i], e[i], o[[k, i]], b[k]);
                    }
                }
            }

            fn same(a: $t, b: $t) -> bool {
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
            }

            fn values() -> Vec<$t> {
                vec![
                    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 0.49999997, 1e-7, -3.75, 10.0, 88.5, 100.0,
                    710.0, -745.5, 1e15, -1e15, std::$t::consts::PI, std::$t::consts::FRAC_PI_2, 0.99999, -0.9999,
                    $t::MAX, $t::MIN, $t::MIN_POSITIVE, $t::MIN_POSITIVE / 8.0, -$t::MIN_POSITIVE / 3.0, $t::EPSILON,
                    $t::INFINITY, $t::NEG_INFINITY, $t::NAN,
                ]
            }

            #[test]
            fn unary_methods_and_predicates() {
                for x in values() {
                    let (mut a, mut b) = ([0.0 as $t; 30], [0.0 as $t; 30]);
                    unary(x, &mut a[..]).unwrap();
                    rs::unary(bb(x), &mut b);
                    for k in 0..30 {
                        assert!(same(a[k], b[k]), "unary[{k}]({x:e}): rumba {:e} ({:#x}) rust {:e} ({:#x})", a[k], a[k].to_bits(), b[k], b[k].to_bits());
                    }
                    let (mut a, mut b) = ([false; 6], [false; 6]);
                    predicates(x, &mut a[..]).unwrap();
                    rs::predicates(bb(x), &mut b);
                    assert_eq!(a, b, "predicates({x})");
                }
            }

            #[test]
            fn signum_of_nan_is_nan() {
                // std returns `NAN` itself, whatever the sign and payload of the argument.
                for x in [$t::NAN, -$t::NAN, $t::from_bits($t::NAN.to_bits() | 1)] {
                    let (mut a, mut b) = ([0.0 as $t; 30], [0.0 as $t; 30]);
                    unary(x, &mut a[..]).unwrap();
                    rs::unary(bb(x), &mut b);
                    assert_eq!(a[24].to_bits(), b[24].to_bits());
                    assert_eq!(a[24].to_bits(), $t::NAN.to_bits());
                }
            }

            #[test]
            fn binary_methods() {
                let vals = values();
                for &x in &vals {
                    for &y in &vals {
                        for n in [0, 1, 2, 3, -1, -2, 7, 31, -64, i32::MAX, i32::MIN] {
                            let (mut a, mut b) = ([0.0 as $t; 11], [0.0 as $t; 11]);
                            binary(x, y, n, &mut a[..]).unwrap();
                            rs::binary(bb(x), bb(y), bb(n), &mut b);
                            for k in 0..11 {
                                assert!(same(a[k], b[k]), "binary[{k}]({x:e}, {y:e}, {n}): rumba {:e} rust {:e}", a[k], b[k]);
                            }
                        }
                        let (mut a, mut b) = ([0.0 as $t; 7], [0.0 as $t; 7]);
                        min_max(x, y, &mut a[..]).unwrap();
                        rs::min_max(bb(x), bb(y), &mut b);
                        for k in 0..7 {
                            // `min`/`max` of +0.0 and -0.0 may return either (std documents it).
                            assert!(same(a[k], b[k]) || (a[k] == 0.0 && b[k] == 0.0), "min_max[{k}]({x:e}, {y:e})");
                        }
                    }
                }
            }

            #[test]
            fn clamp_matches_and_checks_its_bounds() {
                let vals = values();
                for &x in &vals {
                    for (lo, hi) in [(-1.0, 1.0), (0.0, 0.0), (-0.0, 0.0), ($t::NEG_INFINITY, 2.5), (3.0, $t::INFINITY)] {
                        let a = clamp(x, lo, hi).unwrap();
                        assert!(same(a, rs::clamp(bb(x), bb(lo), bb(hi))), "clamp({x}, {lo}, {hi})");
                    }
                }
                for (lo, hi) in [(1.0, -1.0), ($t::NAN, 1.0), (0.0, $t::NAN)] {
                    let e = clamp(0.5 as $t, lo, hi).unwrap_err();
                    assert!(matches!(e.kind(), rumba::ErrorKind::InvalidValue { .. }), "{e}");
                }
                assert_eq!(clamp(5.0 as $t, 0.0 as $t, 1.0 as $t).unwrap(), 1.0);
            }
        }
    };
}

float_methods!(f32_methods, f32);
float_methods!(f64_methods, f64);

macro_rules! int_methods {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn methods(a: $t, b: $t, e: u32, o: &mut [$t], c: &mut [u32]) {
                    o[0] = a.min(b);
                    o[1] = a.max(b);
                    o[2] = a.pow(e);
                    o[3] = a.wrapping_add(b);
                    o[4] = a.wrapping_sub(b);
                    o[5] = a.wrapping_mul(b);
                    o[6] = a.wrapping_neg();
                    o[7] = a.min(b).max(3).pow(2);
                    o[8] = (2 as $t).pow(e);
                    c[0] = a.count_ones();
                    c[1] = a.count_zeros();
                    c[2] = a.leading_zeros();
                    c[3] = a.trailing_zeros();
                    c[4] = b.count_ones() + a.leading_zeros() * 2;
                }

                pub fn clamp(a: $t, lo: $t, hi: $t) -> $t {
                    a.clamp(lo, hi)
                }
            }

            fn values() -> Vec<$t> {
                let mut v: Vec<$t> = vec![
                    0,
                    1,
                    2,
                    3,
                    7,
                    8,
                    100,
                    $t::MAX,
                    $t::MIN,
                    $t::MAX - 1,
                    $t::MAX / 2 + 1,
                ];
                if $t::MIN != 0 {
                    let m1 = (0 as $t).wrapping_sub(1);
                    v.extend([m1, m1.wrapping_mul(2), m1.wrapping_mul(100), $t::MIN + 1]);
                }
                v
            }

            #[test]
            fn integer_methods() {
                let vals = values();
                for &a in &vals {
                    for &b in &vals {
                        for e in [0u32, 1, 2, 3, 7, 8, 31, 63, 64, 100, u32::MAX] {
                            let (mut o, mut o2) = ([0 as $t; 9], [0 as $t; 9]);
                            let (mut c, mut c2) = ([0u32; 5], [0u32; 5]);
                            methods(a, b, e, &mut o[..], &mut c[..]).unwrap();
                            rs::methods(bb(a), bb(b), bb(e), &mut o2, &mut c2);
                            assert_eq!((o, c), (o2, c2), "methods({a}, {b}, {e})");
                        }
                        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                        for &x in &vals {
                            assert_eq!(clamp(x, lo, hi).unwrap(), rs::clamp(bb(x), bb(lo), bb(hi)));
                        }
                        if a > b {
                            let e = clamp(a, a, b).unwrap_err();
                            assert!(
                                matches!(e.kind(), rumba::ErrorKind::InvalidValue { .. }),
                                "{e}"
                            );
                        }
                    }
                }
            }
        }
    };
}

int_methods!(i8_methods, i8);
int_methods!(i16_methods, i16);
int_methods!(i32_methods, i32);
int_methods!(i64_methods, i64);
int_methods!(isize_methods, isize);
int_methods!(u8_methods, u8);
int_methods!(u16_methods, u16);
int_methods!(u32_methods, u32);
int_methods!(u64_methods, u64);
int_methods!(usize_methods, usize);

macro_rules! signed_methods {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn signed(a: $t, o: &mut [$t], p: &mut [bool]) {
                    o[0] = a.abs();
                    o[1] = a.signum();
                    o[2] = (-a).abs().signum() * a.signum();
                    o[3] = a.wrapping_neg().abs();
                    p[0] = a.is_positive();
                    p[1] = a.is_negative();
                }
            }

            #[test]
            fn signed_methods_wrap() {
                for a in [0, 1, -1, 2, -2, 100, -100, $t::MAX, $t::MIN, $t::MIN + 1] {
                    let (mut o, mut o2) = ([0 as $t; 4], [0 as $t; 4]);
                    let (mut p, mut p2) = ([false; 2], [false; 2]);
                    signed(a, &mut o[..], &mut p[..]).unwrap();
                    rs::signed(bb(a), &mut o2, &mut p2);
                    assert_eq!((o, p), (o2, p2), "signed({a})");
                }
            }
        }
    };
}

signed_methods!(i8_signed, i8);
signed_methods!(i16_signed, i16);
signed_methods!(i32_signed, i32);
signed_methods!(i64_signed, i64);
signed_methods!(isize_signed, isize);
