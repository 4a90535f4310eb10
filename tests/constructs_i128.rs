//! `i128` and `u128` vs rustc (their operators are in `constructs_scalar`'s `int_suite`): `as`
//! casts to and from every other numeric type (float casts saturating, NaN to 0), std's integer
//! methods, literals and constants, arrays of them as arguments and results (16-byte elements),
//! scalars passed and returned across the entry (the runtime's slots are 8-byte aligned), struct
//! fields, `prange` reductions, and the GPU's one error.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two bit for bit. scripts/test.sh runs this suite again
//! through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use ndarray::{array, Array1};
use rumba::IntoArg;
use std::hint::black_box as bb;

fn same64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn same32(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Edge values of both types, as `i128` bits (`u128` values are their reinterpretation).
fn edges() -> Vec<i128> {
    let mut v = vec![
        0,
        1,
        -1,
        2,
        7,
        100,
        -100,
        i128::MAX,
        i128::MIN,
        i128::MAX - 1,
        i128::MIN + 1,
        i64::MAX as i128,
        i64::MIN as i128,
        u64::MAX as i128,
        (u64::MAX as i128) + 1,
        1 << 100,
        -(1 << 100),
        0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        (1 << 24) + 1,
        (1 << 53) + 1,
        (1 << 126) - (1 << 74),
    ];
    v.extend(v.clone().iter().map(|x| x.wrapping_mul(3)));
    v
}

fn floats() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.5,
        -1.5,
        0.999,
        -0.999,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN,
        1.7e38,
        3.4e38,
        -1.7e38,
        1e30,
        -1e30,
        9.3e18,
        -9.3e18,
        1.8e19,
        2f64.powi(127),
        -(2f64.powi(127)),
        2f64.powi(128),
        f64::MIN_POSITIVE,
    ]
}

macro_rules! cast_suite {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn to_ints(x: $t, a: &mut [i8], b: &mut [i16], c: &mut [i32], d: &mut [i64], e: &mut [isize], f: &mut [u8], g: &mut [u16], h: &mut [u32], i: &mut [u64], j: &mut [usize], k: &mut [i128], l: &mut [u128]) {
                    a[0] = x as i8;
                    b[0] = x as i16;
                    c[0] = x as i32;
                    d[0] = x as i64;
                    e[0] = x as isize;
                    f[0] = x as u8;
                    g[0] = x as u16;
                    h[0] = x as u32;
                    i[0] = x as u64;
                    j[0] = x as usize;
                    k[0] = x as i128;
                    l[0] = x as u128;
                }

                pub fn to_floats(x: $t) -> (f32, f64) {
                    (x as f32, x as f64)
                }

                pub fn from_ints(a: i8, b: i16, c: i32, d: i64, e: u8, f: u32, g: u64, h: usize, k: bool, o: &mut [$t]) {
                    o[0] = a as $t;
                    o[1] = b as $t;
                    o[2] = c as $t;
                    o[3] = d as $t;
                    o[4] = e as $t;
                    o[5] = f as $t;
                    o[6] = g as $t;
                    o[7] = h as $t;
                    o[8] = k as $t;
                }

                pub fn from_floats(x: f64, o: &mut [$t]) {
                    o[0] = x as $t;
                    o[1] = (x as f32) as $t;
                }
            }

            #[test]
            fn casts_match_rustc() {
                for v in super::edges() {
                    let x = v as $t;
                    macro_rules! outs {
                        () => {
                            ([0i8], [0i16], [0i32], [0i64], [0isize], [0u8], [0u16], [0u32], [0u64], [0usize], [0i128], [0u128])
                        };
                    }
                    let (mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h, mut i, mut j, mut k, mut l) = outs!();
                    to_ints(x, &mut a[..], &mut b[..], &mut c[..], &mut d[..], &mut e[..], &mut f[..], &mut g[..], &mut h[..], &mut i[..], &mut j[..], &mut k[..], &mut l[..]).unwrap();
                    let (mut a2, mut b2, mut c2, mut d2, mut e2, mut f2, mut g2, mut h2, mut i2, mut j2, mut k2, mut l2) = outs!();
                    rs::to_ints(bb(x), &mut a2, &mut b2, &mut c2, &mut d2, &mut e2, &mut f2, &mut g2, &mut h2, &mut i2, &mut j2, &mut k2, &mut l2);
                    assert_eq!((a, b, c, d, e, f, g, h, i, j, k, l), (a2, b2, c2, d2, e2, f2, g2, h2, i2, j2, k2, l2), "{x} as ints");
                    let (p, q) = to_floats(x).unwrap();
                    let (p2, q2) = rs::to_floats(bb(x));
                    assert!(super::same32(p, p2) && super::same64(q, q2), "{x} as floats: {p} {q} vs {p2} {q2}");
                    let (a, b, c, d) = (v as i8, v as i16, v as i32, v as i64);
                    let (e, f, g, h) = (v as u8, v as u32, v as u64, v as usize);
                    let (mut o, mut o2) = ([0 as $t; 9], [0 as $t; 9]);
                    from_ints(a, b, c, d, e, f, g, h, v & 1 == 1, &mut o[..]).unwrap();
                    rs::from_ints(bb(a), b, c, d, e, f, g, h, v & 1 == 1, &mut o2);
                    assert_eq!(o, o2, "from ints of {v}");
                }
                for x in super::floats() {
                    let (mut o, mut o2) = ([0 as $t; 2], [0 as $t; 2]);
                    from_floats(x, &mut o[..]).unwrap();
                    rs::from_floats(bb(x), &mut o2);
                    assert_eq!(o, o2, "{x} as {}", stringify!($t));
                }
            }
        }
    };
}

cast_suite!(casts_i128, i128);
cast_suite!(casts_u128, u128);

twin! {
    pub fn methods_i128(a: i128, b: i128, k: u32, o: &mut [i128], p: &mut [u32], q: &mut [bool]) {
        o[0] = a.wrapping_add(b);
        o[1] = a.wrapping_sub(b);
        o[2] = a.wrapping_mul(b);
        o[3] = a.wrapping_neg();
        o[4] = a.wrapping_abs();
        o[5] = a.saturating_add(b);
        o[6] = a.saturating_sub(b);
        o[7] = a.saturating_mul(b);
        o[8] = a.pow(k % 5);
        o[9] = a.abs();
        o[10] = a.min(b);
        o[11] = a.max(b);
        o[12] = a.rotate_left(k);
        o[13] = a.rotate_right(k);
        o[14] = a.swap_bytes();
        o[15] = a.signum();
        o[16] = a.checked_add(b).unwrap_or(-7);
        o[17] = a.checked_sub(b).unwrap_or(-7);
        o[18] = a.checked_mul(b).unwrap_or(-7);
        o[19] = a.checked_div(b).unwrap_or(-7);
        o[20] = a.checked_rem(b).unwrap_or(-7);
        o[21] = a.checked_neg().unwrap_or(-7);
        o[22] = a.checked_shl(k).unwrap_or(-7);
        o[23] = a.abs_diff(b) as i128;
        o[24] = a.clamp(-1000, 1000);
        p[0] = a.count_ones();
        p[1] = a.count_zeros();
        p[2] = a.leading_zeros();
        p[3] = a.trailing_zeros();
        q[0] = a.is_positive();
        q[1] = a.is_negative();
    }

    pub fn methods_u128(a: u128, b: u128, k: u32, o: &mut [u128], p: &mut [u32]) {
        o[0] = a.wrapping_add(b);
        o[1] = a.wrapping_sub(b);
        o[2] = a.wrapping_mul(b);
        o[3] = a.wrapping_neg();
        o[4] = a.saturating_add(b);
        o[5] = a.saturating_sub(b);
        o[6] = a.saturating_mul(b);
        o[7] = a.pow(k % 5);
        o[8] = a.min(b);
        o[9] = a.max(b);
        o[10] = a.rotate_left(k);
        o[11] = a.rotate_right(k);
        o[12] = a.swap_bytes();
        o[13] = a.checked_add(b).unwrap_or(7);
        o[14] = a.checked_sub(b).unwrap_or(7);
        o[15] = a.checked_mul(b).unwrap_or(7);
        o[16] = a.checked_div(b).unwrap_or(7);
        o[17] = a.abs_diff(b);
        p[0] = a.count_ones();
        p[1] = a.count_zeros();
        p[2] = a.leading_zeros();
        p[3] = a.trailing_zeros();
    }

    pub fn euclid(a: i128, b: i128) -> (i128, i128) {
        (a.rem_euclid(b), a.div_euclid(b))
    }
}

#[test]
fn integer_methods_match_rustc() {
    let ks = [0u32, 1, 3, 63, 64, 65, 127, 128, 200];
    for a in edges() {
        for b in edges() {
            for k in ks {
                let (mut o, mut p, mut q) = ([0i128; 25], [0u32; 4], [false; 2]);
                let (mut o2, mut p2, mut q2) = ([0i128; 25], [0u32; 4], [false; 2]);
                methods_i128(a, b, k, &mut o[..], &mut p[..], &mut q[..]).unwrap();
                rs::methods_i128(bb(a), b, k, &mut o2, &mut p2, &mut q2);
                assert_eq!((o, p, q), (o2, p2, q2), "methods_i128({a}, {b}, {k})");
                let (ua, ub) = (a as u128, b as u128);
                let (mut o, mut p) = ([0u128; 18], [0u32; 4]);
                let (mut o2, mut p2) = ([0u128; 18], [0u32; 4]);
                methods_u128(ua, ub, k, &mut o[..], &mut p[..]).unwrap();
                rs::methods_u128(bb(ua), ub, k, &mut o2, &mut p2);
                assert_eq!((o, p), (o2, p2), "methods_u128({ua}, {ub}, {k})");
            }
            if b != 0 && !(a == i128::MIN && b == -1) {
                assert_eq!(
                    euclid(a, b).unwrap(),
                    rs::euclid(bb(a), b),
                    "euclid({a}, {b})"
                );
            }
        }
    }
    let e = euclid(5, 0).unwrap_err();
    assert!(
        matches!(e.kind(), rumba::ErrorKind::DivisionByZero { .. }),
        "{e}"
    );
    let e = euclid(i128::MIN, -1).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Overflow { .. }), "{e}");
}

twin! {
    mod rs_values;

    pub fn literals() -> (i128, u128, i128, u128, u32) {
        let a = 1i128 << 100;
        let b = u128::MAX - 5;
        let c = i128::MIN + 170141183460469231731687303715884105727;
        let d: u128 = u128::MAX / 3 + 170141183460469231731687303715884105727u128;
        (a + -170141183460469231731687303715884105728, b, c, d ^ u128::MIN, u128::BITS + i128::BITS)
    }

    pub fn sum(x: &[i128]) -> i128 {
        let mut s = 0;
        for i in 0..x.len() {
            s += x[i] * 3;
        }
        s
    }

    pub fn widen(x: &[i64], y: &[i64]) -> Array1<i128> {
        let mut out = Array1::zeros(x.len());
        for i in 0..x.len() {
            out[i] = x[i] as i128 * y[i] as i128;
        }
        out
    }

    pub fn scale(x: &mut [u128], k: u128) {
        for v in x.iter_mut() {
            *v = v.wrapping_mul(k) ^ (k >> 3);
        }
    }

    pub fn mixed(a: u8, b: i128, c: f64, d: u128, e: bool) -> (u8, i128, f64, u128, bool) {
        (a + 1, b - 1, c * 2.0, d + 1, !e)
    }

    pub fn count(n: u128) -> u128 {
        let mut t = 0u128;
        for i in 0..n {
            t += i * i;
        }
        t
    }

    pub fn classify(x: i128) -> i32 {
        match x {
            i128::MIN..=-1 => -1,
            0 => 0,
            1..=i128::MAX => 1,
        }
    }
}

#[test]
fn literals_constants_and_matches() {
    assert_eq!(literals().unwrap(), rs_values::literals());
    for x in edges() {
        assert_eq!(
            classify(x).unwrap(),
            rs_values::classify(bb(x)),
            "classify({x})"
        );
    }
    for n in [0u128, 1, 5, 1000] {
        assert_eq!(count(n).unwrap(), rs_values::count(bb(n)));
    }
}

twin! {
    mod rs_wide;

    const M: u128 = 340282366920938463463374607431768211455;
    const HIGH: u128 = 0xFFFF_FFFF_FFFF_FFFF_0000_0000_0000_0000;

    pub fn wide_literals(x: u128, o: &mut [u128]) {
        let a = 340282366920938463463374607431768211455u128 - x;
        let b = x ^ 0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFFu128;
        let c: u128 = 170_141_183_460_469_231_731_687_303_715_884_105_728;
        let d = x / 170141183460469231731687303715884105728 + c / 0x4000_0000_0000_0000_0000_0000_0000_0000;
        let e = -170141183460469231731687303715884105728 + (x >> 1) as i128;
        let f = x.wrapping_add(0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFE);
        o[0] = a;
        o[1] = b;
        o[2] = c;
        o[3] = d;
        o[4] = e as u128;
        o[5] = f;
        o[6] = (x & HIGH) | (M >> 64);
    }

    pub fn wide_compare(x: u128, y: i128, q: &mut [bool]) {
        q[0] = x > 170141183460469231731687303715884105727;
        q[1] = x >= 0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF;
        q[2] = x == M;
        q[3] = x < 340_282_366_920_938_463_463_374_607_431_768_211_454;
        q[4] = y == -170141183460469231731687303715884105728;
        q[5] = y >= 0x7FFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF;
    }

    pub fn bucket(x: u128) -> i32 {
        match x {
            0 => 0,
            1..=170141183460469231731687303715884105727 => 1,
            170141183460469231731687303715884105728 => 2,
            0x8000_0000_0000_0000_0000_0000_0000_0001..=340282366920938463463374607431768211454 => 3,
            M => 4,
        }
    }

    pub fn halves(x: u128) -> i32 {
        match x {
            0 => 0,
            1..=u128::MAX => 1,
        }
    }

    pub fn tops(x: u128) -> i32 {
        match x {
            ..0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFE => 0,
            340282366920938463463374607431768211454 | u128::MAX => 1,
        }
    }

    /// The first arm covers every unsigned type; the second is still reachable for `i128`.
    pub fn sign(y: i128) -> i32 {
        match y {
            0.. => 1,
            ..=-1 => -1,
        }
    }
}

/// `u128` values at and around the edges of `i128` and `u128`.
fn wide_edges() -> Vec<u128> {
    let mut v = vec![0, 1, 2, 5, 1 << 64, HIGH_BIT - 1, HIGH_BIT, HIGH_BIT + 1];
    v.extend([u128::MAX - 2, u128::MAX - 1, u128::MAX, u128::MAX / 3]);
    v
}

const HIGH_BIT: u128 = 1 << 127;

#[test]
fn literals_above_i128_max_and_exhaustive_u128_matches() {
    for x in wide_edges() {
        let (mut o, mut o2) = ([0u128; 7], [0u128; 7]);
        wide_literals(x, &mut o[..]).unwrap();
        rs_wide::wide_literals(bb(x), &mut o2);
        assert_eq!(o, o2, "wide_literals({x})");
        for y in edges() {
            let (mut q, mut q2) = ([false; 6], [false; 6]);
            wide_compare(x, y, &mut q[..]).unwrap();
            rs_wide::wide_compare(bb(x), y, &mut q2);
            assert_eq!(q, q2, "wide_compare({x}, {y})");
        }
        assert_eq!(bucket(x).unwrap(), rs_wide::bucket(bb(x)), "bucket({x})");
        assert_eq!(halves(x).unwrap(), rs_wide::halves(bb(x)), "halves({x})");
        assert_eq!(tops(x).unwrap(), rs_wide::tops(bb(x)), "tops({x})");
    }
    for y in edges() {
        assert_eq!(sign(y).unwrap(), rs_wide::sign(bb(y)), "sign({y})");
    }
}

#[test]
fn arrays_and_scalars_cross_the_entry() {
    let x: Vec<i128> = edges();
    assert_eq!(sum(&x).unwrap(), rs_values::sum(bb(&x)));
    // A strided view: 16-byte elements every other one.
    let a = Array1::from(x.clone());
    let v = a.slice(ndarray::s![..;2]);
    let k = rumba::Kernel::from_source(
        "fn s(x: ArrayView1<i128>) -> i128 { let mut t = 0; for i in 0..x.len() { t ^= x[i]; } t }",
        "s",
    );
    let got = k.call(&[v.into_arg()]).unwrap();
    assert_eq!(got, rumba::Value::I128(Box::new(v.fold(0, |t, &e| t ^ e))));
    let (p, q): (Vec<i64>, Vec<i64>) = (
        vec![i64::MAX, i64::MIN, -1, 3],
        vec![i64::MAX, i64::MIN, 5, -7],
    );
    assert_eq!(widen(&p, &q).unwrap(), rs_values::widen(bb(&p), &q));
    let mut u: Vec<u128> = x.iter().map(|&v| v as u128).collect();
    let mut u2 = u.clone();
    scale(&mut u, u128::MAX / 7).unwrap();
    rs_values::scale(bb(&mut u2), u128::MAX / 7);
    assert_eq!(u, u2);
    for (b, d) in [(i128::MIN, u128::MAX), (i128::MAX, 0), (5, 1 << 127)] {
        assert_eq!(
            mixed(255, b, 0.5, d, true).unwrap(),
            rs_values::mixed(bb(255), b, 0.5, d, true)
        );
    }
    let arr = array![[1i128, -2], [i128::MAX, i128::MIN]];
    let k = rumba::Kernel::from_source(
        "fn t(x: ArrayView2<i128>) -> Array2<i128> { let mut o = Array2::zeros((2, 2)); for i in 0..2 { for j in 0..2 { o[[j, i]] = x[[i, j]].wrapping_add(1); } } o }",
        "t",
    );
    let got: ndarray::Array2<i128> =
        rumba::FromValue::from_value(k.call(&[arr.view().into_arg()]).unwrap()).unwrap();
    assert_eq!(got, arr.t().mapv(|v| v.wrapping_add(1)));
}

rumba::compile! {
    fn psum(x: &[u128]) -> u128 {
        let mut s = 0u128;
        for i in prange(0..x.len()) {
            s += x[i] >> 1;
        }
        s
    }

    #[derive(Clone, Copy)]
    struct Wide {
        tag: u8,
        v: i128,
    }

    fn bump(w: &mut [Wide]) -> i128 {
        let mut t = 0;
        for i in 0..w.len() {
            w[i].v = w[i].v.wrapping_mul(w[i].tag as i128);
            t ^= w[i].v;
        }
        t
    }
}

#[test]
fn prange_sums_and_struct_fields() {
    let x: Vec<u128> = (0..5000u128)
        .map(|k| k.wrapping_mul(u128::MAX / 4999))
        .collect();
    let want = x.iter().fold(0u128, |s, &v| s.wrapping_add(v >> 1));
    assert_eq!(psum(&x).unwrap(), want);
    let mut w: Vec<Wide> = edges()
        .iter()
        .enumerate()
        .map(|(k, &v)| Wide { tag: k as u8, v })
        .collect();
    let want = w
        .iter()
        .fold(0i128, |t, e| t ^ e.v.wrapping_mul(e.tag as i128));
    assert_eq!(bump(&mut w).unwrap(), want);
    assert!(w
        .iter()
        .zip(edges())
        .enumerate()
        .all(|(k, (e, v))| e.v == v.wrapping_mul(k as i128)));
}

#[test]
fn the_gpu_rejects_128_bit_integers() {
    let x = vec![1u128; 4];
    let err = psum::kernel()
        .cuda()
        .ptx(&[x.as_slice().into_arg()], "sm_80")
        .unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("`i128` and `u128` are not supported on the GPU")
            && rendered.contains("use `i64` or `u64`"),
        "{rendered}"
    );
}

#[test]
fn a_prange_over_a_128_bit_range_is_one_error() {
    let k = rumba::Kernel::from_source(
        "fn p(n: i128, o: &mut [i128]) { for i in prange(0..n) { o[0] = i; } }",
        "p",
    );
    let mut o = [0i128; 1];
    let err = k
        .call(&[5i128.into_arg(), (&mut o[..]).into_arg()])
        .unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("a `prange` loop over a range of `i128`")
            && rendered.contains("loop over a `usize` range"),
        "{rendered}"
    );
    // Also with a bound above `i128::MAX`.
    let k = rumba::Kernel::from_source(
        "fn q(o: &mut [u128]) { for i in prange(340282366920938463463374607431768211450..u128::MAX) { o[0] = i; } }",
        "q",
    );
    let mut o = [0u128; 1];
    let err = k.call(&[(&mut o[..]).into_arg()]).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("a `prange` loop over a range of `u128`")
            && rendered.matches("error").count() == 1,
        "{rendered}"
    );
}
