//! Scalar constructs vs rustc: literals and their inferred types, arithmetic on every integer type
//! and on f32/f64 with release (wrapping) semantics, unary operators, comparisons, bitwise ops and
//! shifts, compound assignments, `as` casts among all numeric types and bool, std constants.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs` (this package builds without overflow checks, so that is rustc's release
//! semantics); the tests compare the two on edge values, bit for bit.

use rumba::Value;
use std::hint::black_box as bb;

/// The kernels with rumba, and the same text as Rust functions in `mod rs`.
/// Both NaN (NaN bits are not specified by Rust), or the same bits.
fn same64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn same32(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

macro_rules! int_suite {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn arith(a: $t, b: $t, o: &mut [$t]) {
                    o[0] = a + b;
                    o[1] = a - b;
                    o[2] = a * b;
                    o[3] = a & b;
                    o[4] = a | b;
                    o[5] = a ^ b;
                    o[6] = !a;
                    o[7] = a << b;
                    o[8] = a >> b;
                    o[9] = a + b * a - (b ^ 3) + 1;
                }

                pub fn divrem(a: $t, b: $t, o: &mut [$t]) {
                    o[0] = a / b;
                    o[1] = a % b;
                }

                pub fn compound(a: $t, b: $t, o: &mut [$t]) {
                    let mut x = a;
                    x += b;
                    o[0] = x;
                    let mut x = a;
                    x -= b;
                    o[1] = x;
                    let mut x = a;
                    x *= b;
                    o[2] = x;
                    let mut x = a;
                    x &= b;
                    o[3] = x;
                    let mut x = a;
                    x |= b;
                    o[4] = x;
                    let mut x = a;
                    x ^= b;
                    o[5] = x;
                    let mut x = a;
                    x <<= b;
                    o[6] = x;
                    let mut x = a;
                    x >>= b;
                    o[7] = x;
                    o[8] = a;
                    o[8] += b;
                    o[9] = a;
                    o[9] -= b;
                    o[10] = a;
                    o[10] *= b;
                    o[11] = a;
                    o[11] &= b;
                    o[12] = a;
                    o[12] |= b;
                    o[13] = a;
                    o[13] ^= b;
                    o[14] = a;
                    o[14] <<= b;
                    o[15] = a;
                    o[15] >>= b;
                }

                pub fn compound_div(a: $t, b: $t, o: &mut [$t]) {
                    let mut x = a;
                    x /= b;
                    o[0] = x;
                    let mut x = a;
                    x %= b;
                    o[1] = x;
                    o[2] = a;
                    o[2] /= b;
                    o[3] = a;
                    o[3] %= b;
                }

                pub fn cmp(a: $t, b: $t, o: &mut [bool]) {
                    o[0] = a == b;
                    o[1] = a != b;
                    o[2] = a < b;
                    o[3] = a <= b;
                    o[4] = a > b;
                    o[5] = a >= b;
                    o[6] = !(a < b) && a != b || a == 0;
                }

                pub fn shifts(a: $t, k: u32, j: i64, m: u8, o: &mut [$t]) {
                    o[0] = a << k;
                    o[1] = a >> k;
                    o[2] = a << j;
                    o[3] = a >> j;
                    o[4] = a << m;
                    o[5] = a >> m;
                    o[6] = a << 3;
                    o[7] = a >> 1u64;
                    let mut x = a;
                    x <<= k;
                    o[8] = x;
                    x >>= j;
                    o[9] = x;
                }

                pub fn literal_context(a: $t) -> $t {
                    let two = 2;
                    let mut acc = a * two;
                    acc = acc + 1;
                    acc -= 3;
                    acc
                }
            }

            // The same operations in loops over arrays, without bounds checks: what LLVM vectorizes.
            rumba::compile! {
                #[rumba(unsafe(boundscheck = false))]
                fn arith_loops(a: &[$t], b: &[$t], o: ArrayViewMut2<$t>) {
                    let n = a.len();
                    for i in 0..n { o[[0, i]] = a[i] + b[i]; }
                    for i in 0..n { o[[1, i]] = a[i] - b[i]; }
                    for i in 0..n { o[[2, i]] = a[i] * b[i]; }
                    for i in 0..n { o[[3, i]] = a[i] & b[i]; }
                    for i in 0..n { o[[4, i]] = a[i] | b[i]; }
                    for i in 0..n { o[[5, i]] = a[i] ^ b[i]; }
                    for i in 0..n { o[[6, i]] = !a[i]; }
                    for i in 0..n { o[[7, i]] = a[i] << b[i]; }
                    for i in 0..n { o[[8, i]] = a[i] >> b[i]; }
                    for i in 0..n { o[[9, i]] = a[i] + b[i] * a[i] - (b[i] ^ 3) + 1; }
                }

                #[rumba(unsafe(boundscheck = false))]
                fn shift_loops(a: &[$t], k: &[u32], j: &[i64], m: &[u8], o: ArrayViewMut2<$t>) {
                    let n = a.len();
                    for i in 0..n { o[[0, i]] = a[i] << k[i]; }
                    for i in 0..n { o[[1, i]] = a[i] >> k[i]; }
                    for i in 0..n { o[[2, i]] = a[i] << j[i]; }
                    for i in 0..n { o[[3, i]] = a[i] >> j[i]; }
                    for i in 0..n { o[[4, i]] = a[i] << m[i]; }
                    for i in 0..n { o[[5, i]] = a[i] >> m[i]; }
                }
            }

            #[test]
            fn operations_in_vectorized_loops() {
                let vals = values();
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for &x in &vals {
                    for &y in &vals {
                        a.push(x);
                        b.push(y);
                    }
                }
                let n = a.len();
                let mut o = ndarray::Array2::<$t>::zeros((10, n));
                // SAFETY: the loops index `a`, `b` and rows 0..10 of `o`, all of `a.len()`
                // elements, below `a.len()`.
                unsafe { arith_loops(&a, &b, &mut o) }.unwrap();
                for i in 0..n {
                    let mut r = [0 as $t; 10];
                    rs::arith(bb(a[i]), bb(b[i]), &mut r);
                    assert_eq!(
                        o.column(i).to_vec(),
                        r.to_vec(),
                        "arith loops at ({}, {})",
                        a[i],
                        b[i]
                    );
                }
                let k: Vec<u32> = (0..n as u32)
                    .map(|i| i.wrapping_mul(2654435761) >> 25)
                    .collect();
                let j: Vec<i64> = k.iter().map(|&k| k as i64 - 70).collect();
                let m: Vec<u8> = k.iter().map(|&k| (k * 2) as u8).collect();
                let mut o = ndarray::Array2::<$t>::zeros((6, n));
                // SAFETY: as above: `k`, `j`, `m` and the 6 rows of `o` have `a.len()` elements.
                unsafe { shift_loops(&a, &k, &j, &m, &mut o) }.unwrap();
                for i in 0..n {
                    let mut r = [0 as $t; 10];
                    rs::shifts(bb(a[i]), bb(k[i]), bb(j[i]), bb(m[i]), &mut r);
                    assert_eq!(
                        o.column(i).to_vec(),
                        r[..6].to_vec(),
                        "shift loops at ({}, {}, {}, {})",
                        a[i],
                        k[i],
                        j[i],
                        m[i]
                    );
                }
            }

            fn values() -> Vec<$t> {
                let mut v: Vec<$t> = vec![
                    0,
                    1,
                    2,
                    3,
                    5,
                    7,
                    8,
                    31,
                    100,
                    $t::MAX,
                    $t::MAX - 1,
                    $t::MIN,
                    $t::MIN + 1,
                    $t::MAX / 3,
                ];
                if $t::MIN != 0 {
                    let m1 = (0 as $t).wrapping_sub(1);
                    v.extend([
                        m1,
                        m1.wrapping_mul(2),
                        m1.wrapping_mul(7),
                        m1.wrapping_mul(100),
                        $t::MIN / 2,
                    ]);
                }
                v
            }

            #[test]
            fn arithmetic_bitwise_comparisons() {
                let vals = values();
                for &a in &vals {
                    for &b in &vals {
                        let (mut x, mut y) = ([0 as $t; 10], [0 as $t; 10]);
                        arith(a, b, &mut x[..]).unwrap();
                        rs::arith(bb(a), bb(b), &mut y);
                        assert_eq!(x, y, "arith({a}, {b})");
                        let (mut x, mut y) = ([0 as $t; 16], [0 as $t; 16]);
                        compound(a, b, &mut x[..]).unwrap();
                        rs::compound(bb(a), bb(b), &mut y);
                        assert_eq!(x, y, "compound({a}, {b})");
                        let (mut x, mut y) = ([false; 7], [false; 7]);
                        cmp(a, b, &mut x[..]).unwrap();
                        rs::cmp(bb(a), bb(b), &mut y);
                        assert_eq!(x, y, "cmp({a}, {b})");
                        let overflow =
                            $t::MIN != 0 && a == $t::MIN && b == (0 as $t).wrapping_sub(1);
                        if b != 0 && !overflow {
                            let (mut x, mut y) = ([0 as $t; 2], [0 as $t; 2]);
                            divrem(a, b, &mut x[..]).unwrap();
                            rs::divrem(bb(a), bb(b), &mut y);
                            assert_eq!(x, y, "divrem({a}, {b})");
                            let (mut x, mut y) = ([0 as $t; 4], [0 as $t; 4]);
                            compound_div(a, b, &mut x[..]).unwrap();
                            rs::compound_div(bb(a), bb(b), &mut y);
                            assert_eq!(x, y, "compound_div({a}, {b})");
                        }
                    }
                    assert_eq!(
                        literal_context(a).unwrap(),
                        rs::literal_context(bb(a)),
                        "literal_context({a})"
                    );
                }
            }

            #[test]
            fn shift_amounts_are_masked() {
                let amounts: [u32; 10] = [0, 1, 3, 7, 8, 15, 31, 32, 63, 64 + 5];
                for &a in &values() {
                    for &k in &amounts {
                        for (j, m) in [
                            (k as i64, k as u8),
                            (-1i64, 255u8),
                            (-(k as i64), 200u8),
                            (i64::MIN, 64u8),
                            (1 << 40, 129u8),
                        ] {
                            let (mut x, mut y) = ([0 as $t; 10], [0 as $t; 10]);
                            shifts(a, k, j, m, &mut x[..]).unwrap();
                            rs::shifts(bb(a), bb(k), bb(j), bb(m), &mut y);
                            assert_eq!(x, y, "shifts({a}, {k}, {j}, {m})");
                        }
                    }
                }
            }

            #[test]
            fn division_errors() {
                let mut o = [0 as $t; 2];
                for a in values() {
                    let e = divrem(a, 0 as $t, &mut o[..]).unwrap_err();
                    assert!(
                        matches!(e.kind(), rumba::ErrorKind::DivisionByZero { .. }),
                        "{e}"
                    );
                    let e = compound_div(a, 0 as $t, &mut [0 as $t; 4][..]).unwrap_err();
                    assert!(
                        matches!(e.kind(), rumba::ErrorKind::DivisionByZero { .. }),
                        "{e}"
                    );
                }
                if $t::MIN != 0 {
                    let m1 = (0 as $t).wrapping_sub(1);
                    let e = divrem($t::MIN, m1, &mut o[..]).unwrap_err();
                    assert!(matches!(e.kind(), rumba::ErrorKind::Overflow { .. }), "{e}");
                }
                // The kernel still works afterwards.
                divrem(7 as $t, 2 as $t, &mut o[..]).unwrap();
                assert_eq!(o, [3, 1]);
            }
        }
    };
}

int_suite!(ops_i8, i8);
int_suite!(ops_i16, i16);
int_suite!(ops_i32, i32);
int_suite!(ops_i64, i64);
int_suite!(ops_isize, isize);
int_suite!(ops_u8, u8);
int_suite!(ops_u16, u16);
int_suite!(ops_u32, u32);
int_suite!(ops_u64, u64);
int_suite!(ops_usize, usize);
int_suite!(ops_i128, i128);
int_suite!(ops_u128, u128);

macro_rules! signed_suite {
    ($m:ident, $t:ident) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn neg(a: $t, o: &mut [$t]) {
                    o[0] = -a;
                    o[1] = -(-a);
                    o[2] = -a * 2 - -3;
                    o[3] = !-a;
                    o[4] = -1;
                    o[5] = -$t::MAX;
                }
            }

            #[test]
            fn negation_wraps() {
                for a in [0, 1, -1, 5, -100, $t::MAX, $t::MIN, $t::MIN + 1] {
                    let (mut x, mut y) = ([0 as $t; 6], [0 as $t; 6]);
                    neg(a, &mut x[..]).unwrap();
                    rs::neg(bb(a), &mut y);
                    assert_eq!(x, y, "neg({a})");
                }
            }
        }
    };
}

signed_suite!(neg_i8, i8);
signed_suite!(neg_i16, i16);
signed_suite!(neg_i32, i32);
signed_suite!(neg_i64, i64);
signed_suite!(neg_isize, isize);

macro_rules! float_suite {
    ($m:ident, $t:ident, $same:path) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn arith(a: $t, b: $t, o: &mut [$t]) {
                    o[0] = a + b;
                    o[1] = a - b;
                    o[2] = a * b;
                    o[3] = a / b;
                    o[4] = a % b;
                    o[5] = -a;
                    o[6] = a * b + a;
                    o[7] = 0.5 * a - 1.0;
                    o[8] = -(a - b);
                    let mut x = a;
                    x += b;
                    o[9] = x;
                    x -= a;
                    o[10] = x;
                    x *= b;
                    o[11] = x;
                    x /= a;
                    o[12] = x;
                    x %= b;
                    o[13] = x;
                    o[14] = a;
                    o[14] += b;
                    o[15] = a;
                    o[15] -= b;
                    o[16] = a;
                    o[16] *= b;
                    o[17] = a;
                    o[17] /= b;
                    o[18] = a;
                    o[18] %= b;
                }

                pub fn cmp(a: $t, b: $t, o: &mut [bool]) {
                    o[0] = a == b;
                    o[1] = a != b;
                    o[2] = a < b;
                    o[3] = a <= b;
                    o[4] = a > b;
                    o[5] = a >= b;
                    o[6] = !(a < b);
                    o[7] = a == 0.0 || b > 1.0 && a < b;
                }
            }

            fn values() -> Vec<$t> {
                vec![
                    0.0,
                    -0.0,
                    1.0,
                    -1.0,
                    0.5,
                    2.5,
                    -3.75,
                    1e-3,
                    7.0,
                    1e10,
                    -1e10,
                    $t::MAX,
                    $t::MIN,
                    $t::MIN_POSITIVE,
                    $t::MIN_POSITIVE / 4.0,
                    -$t::MIN_POSITIVE / 3.0,
                    $t::EPSILON,
                    $t::INFINITY,
                    $t::NEG_INFINITY,
                    $t::NAN,
                    1.0 / 3.0,
                ]
            }

            #[test]
            fn arithmetic_and_comparisons() {
                let vals = values();
                for &a in &vals {
                    for &b in &vals {
                        let (mut x, mut y) = ([0.0 as $t; 19], [0.0 as $t; 19]);
                        arith(a, b, &mut x[..]).unwrap();
                        rs::arith(bb(a), bb(b), &mut y);
                        for k in 0..19 {
                            assert!(
                                $same(x[k], y[k]),
                                "arith({a:e}, {b:e})[{k}]: rumba {} rust {}",
                                x[k],
                                y[k]
                            );
                        }
                        let (mut x, mut y) = ([false; 8], [false; 8]);
                        cmp(a, b, &mut x[..]).unwrap();
                        rs::cmp(bb(a), bb(b), &mut y);
                        assert_eq!(x, y, "cmp({a}, {b})");
                    }
                }
            }
        }
    };
}

float_suite!(ops_f32, f32, super::same32);
float_suite!(ops_f64, f64, super::same64);

// ---- bool ----

twin! {
    mod rs_bools;
    pub fn bools(a: bool, b: bool, o: &mut [bool]) {
        o[0] = a & b;
        o[1] = a | b;
        o[2] = a ^ b;
        o[3] = !a;
        o[4] = a == b;
        o[5] = a != b;
        o[6] = a < b;
        o[7] = a >= b;
        o[8] = a && b;
        o[9] = a || b;
        o[10] = !a && !b || a && b;
        let mut x = a;
        x &= b;
        o[11] = x;
        x |= !b;
        o[12] = x;
        x ^= a;
        o[13] = x;
        o[14] = true;
        o[15] = false;
    }

    pub fn bool_casts(a: bool, o: &mut [i64]) {
        o[0] = a as i8 as i64;
        o[1] = a as u8 as i64;
        o[2] = a as i16 as i64;
        o[3] = a as u16 as i64;
        o[4] = a as i32 as i64;
        o[5] = a as u32 as i64;
        o[6] = a as i64;
        o[7] = a as u64 as i64;
        o[8] = a as isize as i64;
        o[9] = a as usize as i64;
        o[10] = (a as bool) as i64;
    }
}

#[test]
fn bool_operators() {
    for a in [false, true] {
        for b in [false, true] {
            let (mut x, mut y) = ([false; 16], [false; 16]);
            bools(a, b, &mut x[..]).unwrap();
            rs_bools::bools(bb(a), bb(b), &mut y);
            assert_eq!(x, y, "bools({a}, {b})");
        }
        let (mut x, mut y) = ([0i64; 11], [0i64; 11]);
        bool_casts(a, &mut x[..]).unwrap();
        rs_bools::bool_casts(bb(a), &mut y);
        assert_eq!(x, y);
    }
}

// ---- casts among all numeric types ----

macro_rules! cast_suite {
    ($m:ident, $t:ident, [$($v:expr),* $(,)?]) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn casts(x: $t, a: &mut [i8], b: &mut [i16], c: &mut [i32], d: &mut [i64], e: &mut [isize], f: &mut [u8], g: &mut [u16], h: &mut [u32], i: &mut [u64], j: &mut [usize], k: &mut [f32], l: &mut [f64]) {
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
                    k[0] = x as f32;
                    l[0] = x as f64;
                }
            }

            rumba::compile! {
                #[rumba(unsafe(boundscheck = false))]
                fn cast_loops(x: &[$t], a: &mut [i8], b: &mut [i16], c: &mut [i32], d: &mut [i64], e: &mut [isize], f: &mut [u8], g: &mut [u16], h: &mut [u32], i: &mut [u64], j: &mut [usize], k: &mut [f32], l: &mut [f64]) {
                    let n = x.len();
                    for p in 0..n { a[p] = x[p] as i8; }
                    for p in 0..n { b[p] = x[p] as i16; }
                    for p in 0..n { c[p] = x[p] as i32; }
                    for p in 0..n { d[p] = x[p] as i64; }
                    for p in 0..n { e[p] = x[p] as isize; }
                    for p in 0..n { f[p] = x[p] as u8; }
                    for p in 0..n { g[p] = x[p] as u16; }
                    for p in 0..n { h[p] = x[p] as u32; }
                    for p in 0..n { i[p] = x[p] as u64; }
                    for p in 0..n { j[p] = x[p] as usize; }
                    for p in 0..n { k[p] = x[p] as f32; }
                    for p in 0..n { l[p] = x[p] as f64; }
                }
            }

            #[test]
            fn casts_in_vectorized_loops() {
                // Every value in every lane position.
                let base: Vec<$t> = vec![$($v),*];
                let x: Vec<$t> = (0..base.len() * 17).map(|p| base[p % base.len()]).collect();
                let n = x.len();
                let (mut a, mut b, mut c, mut d, mut e, mut f) = (vec![0i8; n], vec![0i16; n], vec![0i32; n], vec![0i64; n], vec![0isize; n], vec![0u8; n]);
                let (mut g, mut h, mut i, mut j, mut k, mut l) = (vec![0u16; n], vec![0u32; n], vec![0u64; n], vec![0usize; n], vec![0f32; n], vec![0f64; n]);
                // SAFETY: every array has `x.len()` elements and the loops stop there.
                unsafe { cast_loops(&x, &mut a, &mut b, &mut c, &mut d, &mut e, &mut f, &mut g, &mut h, &mut i, &mut j, &mut k, &mut l) }.unwrap();
                for p in 0..n {
                    let (mut a2, mut b2, mut c2, mut d2, mut e2, mut f2) = ([0i8], [0i16], [0i32], [0i64], [0isize], [0u8]);
                    let (mut g2, mut h2, mut i2, mut j2, mut k2, mut l2) = ([0u16], [0u32], [0u64], [0usize], [0f32], [0f64]);
                    rs::casts(bb(x[p]), &mut a2, &mut b2, &mut c2, &mut d2, &mut e2, &mut f2, &mut g2, &mut h2, &mut i2, &mut j2, &mut k2, &mut l2);
                    assert_eq!((a[p], b[p], c[p], d[p], e[p], f[p], g[p], h[p], i[p], j[p]), (a2[0], b2[0], c2[0], d2[0], e2[0], f2[0], g2[0], h2[0], i2[0], j2[0]), "{} as ints", x[p]);
                    assert!(super::same32(k[p], k2[0]), "{} as f32: {} vs {}", x[p], k[p], k2[0]);
                    assert!(super::same64(l[p], l2[0]), "{} as f64: {} vs {}", x[p], l[p], l2[0]);
                }
            }

            #[test]
            fn casts_match_rustc() {
                let values: Vec<$t> = vec![$($v),*];
                for x in values {
                    macro_rules! outs {
                        () => {
                            ([0i8], [0i16], [0i32], [0i64], [0isize], [0u8], [0u16], [0u32], [0u64], [0usize], [0f32], [0f64])
                        };
                    }
                    let (mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h, mut i, mut j, mut k, mut l) = outs!();
                    casts(x, &mut a[..], &mut b[..], &mut c[..], &mut d[..], &mut e[..], &mut f[..], &mut g[..], &mut h[..], &mut i[..], &mut j[..], &mut k[..], &mut l[..]).unwrap();
                    let (mut a2, mut b2, mut c2, mut d2, mut e2, mut f2, mut g2, mut h2, mut i2, mut j2, mut k2, mut l2) = outs!();
                    rs::casts(bb(x), &mut a2, &mut b2, &mut c2, &mut d2, &mut e2, &mut f2, &mut g2, &mut h2, &mut i2, &mut j2, &mut k2, &mut l2);
                    assert_eq!((a, b, c, d, e, f, g, h, i, j), (a2, b2, c2, d2, e2, f2, g2, h2, i2, j2), "{} as ints", x);
                    assert!(super::same32(k[0], k2[0]), "{} as f32: {} vs {}", x, k[0], k2[0]);
                    assert!(super::same64(l[0], l2[0]), "{} as f64: {} vs {}", x, l[0], l2[0]);
                }
            }
        }
    };
}

cast_suite!(cast_i8, i8, [0, 1, -1, i8::MIN, i8::MAX, 100, -100]);
cast_suite!(
    cast_i16,
    i16,
    [0, 1, -1, i16::MIN, i16::MAX, 300, -300, 255, 256]
);
cast_suite!(
    cast_i32,
    i32,
    [
        0,
        1,
        -1,
        i32::MIN,
        i32::MAX,
        70000,
        -70000,
        (1 << 24) + 1,
        -(1 << 24) - 1
    ]
);
cast_suite!(
    cast_i64,
    i64,
    [
        0,
        1,
        -1,
        i64::MIN,
        i64::MAX,
        (1 << 53) + 1,
        -(1 << 40) - 7,
        1 << 32,
        (1 << 24) + 1
    ]
);
cast_suite!(
    cast_isize,
    isize,
    [0, 1, -1, isize::MIN, isize::MAX, 1 << 33, -(1 << 33)]
);
cast_suite!(cast_u8, u8, [0, 1, 127, 128, 255]);
cast_suite!(cast_u16, u16, [0, 1, 255, 256, 32767, 32768, u16::MAX]);
cast_suite!(
    cast_u32,
    u32,
    [0, 1, 1 << 31, u32::MAX, (1 << 24) + 1, 16777217, 4294967040]
);
cast_suite!(
    cast_u64,
    u64,
    [
        0,
        1,
        u64::MAX,
        1 << 63,
        (1 << 63) + 1,
        (1 << 53) + 1,
        u64::MAX - 1024,
        0x8000_0080_0000_0001
    ]
);
cast_suite!(
    cast_usize,
    usize,
    [0, 1, usize::MAX, 1 << 63, 12345678901234567]
);
cast_suite!(
    cast_f32,
    f32,
    [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -1.9,
        127.5,
        128.0,
        -128.5,
        -129.0,
        255.5,
        256.0,
        65535.9,
        65536.0,
        1e10,
        -1e10,
        3e38,
        -3e38,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        1e-45,
        2147483520.0,
        2147483648.0,
        9.223372e18,
        1.8446744e19,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
    ]
);
cast_suite!(
    cast_f64,
    f64,
    [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -1.9,
        127.5,
        128.0,
        -128.5,
        -129.0,
        255.5,
        256.0,
        65535.9,
        65536.0,
        1e10,
        -1e10,
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        2147483647.9,
        2147483648.0,
        -2147483648.9,
        9.223372036854775e18,
        9223372036854775808.0,
        18446744073709551615.0,
        1.8446744073709552e19,
        3.4028235677973366e38,
        3.4028236e38,
        1e-40,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
    ]
);

// ---- literals and their inferred types ----

twin! {
    mod rs_lits;
    pub fn lit_int() -> i32 {
        let x = 7;
        x
    }

    pub fn lit_float() -> f64 {
        let x = 2.5;
        x * 2.0
    }

    pub fn lit_from_param(a: u16) -> u16 {
        a + 1
    }

    pub fn lit_from_later_use(x: &[u8]) -> u8 {
        let k = 1;
        let v = 200;
        x[k] + v
    }

    pub fn lit_float_f32(x: &[f32]) -> f32 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s * 0.1
    }

    pub fn lit_suffixes() -> f64 {
        let a = 1u8 as f64 + 2i16 as f64 + 3_i32 as f64 + 4i64 as f64 + 5u64 as f64 + 6usize as f64;
        let b = 7isize as f64 + 8u16 as f64 + 9u32 as f64 + 10i8 as f64;
        let c = 0.1f32 as f64 + 1e3f64 + 2f64 + 3f32 as f64 + 1_000.25 + 0x1F as f64 + 0o17 as f64 + 0b101 as f64;
        a + b + c - 1_0.5e-1
    }

    pub fn lit_negative() -> i64 {
        let a = -128i8;
        let b = -2147483648i32;
        let c = -9223372036854775808i64;
        let d = -0.0f64;
        let e = -1.5e-300;
        a as i64 + b as i64 + (c / 2) + (d * e) as i64
    }

    pub fn lit_cast_target() -> f32 {
        // rustc types an unsuffixed float literal by the cast's target: one rounding, to f32.
        1.0000000596046447753906251 as f32
    }

    pub fn lit_typed_let() -> f32 {
        let x: f32 = 1.0000000596046447753906251;
        x
    }

    pub fn lit_cast_int() -> u8 {
        255 as u8
    }

    pub fn lit_default_i32_wraps(a: i32) -> i32 {
        let big = 2147483647;
        big + a
    }

    pub fn lit_shift_lhs(k: u32) -> u64 {
        let a: u64 = 1 << k;
        a
    }
}

#[test]
fn unsuffixed_literals_take_rustc_types() {
    assert_eq!(lit_int().unwrap(), rs_lits::lit_int());
    let v = lit_int::kernel().call(&[]).unwrap();
    assert_eq!(v, Value::I32(7));
    let v: Value = lit_float::kernel().call(&[]).unwrap();
    assert_eq!(v, Value::F64(5.0));
    assert_eq!(
        lit_from_param(7u16).unwrap(),
        rs_lits::lit_from_param(bb(7))
    );
    let v = lit_from_param::kernel()
        .call(&[rumba::IntoArg::into_arg(7u16)])
        .unwrap();
    assert_eq!(v, Value::U16(8));
    let bytes = vec![1u8, 50, 3];
    assert_eq!(
        lit_from_later_use(&bytes).unwrap(),
        rs_lits::lit_from_later_use(bb(&bytes))
    );
    assert_eq!(lit_from_later_use(&bytes).unwrap(), 250);
    let x = vec![0.1f32, 0.2, 0.3, 1e7];
    assert!(same32(
        lit_float_f32(&x).unwrap(),
        rs_lits::lit_float_f32(bb(&x))
    ));
    assert!(same64(lit_suffixes().unwrap(), rs_lits::lit_suffixes()));
    assert_eq!(lit_negative().unwrap(), rs_lits::lit_negative());
    assert_eq!(
        lit_cast_target().unwrap().to_bits(),
        rs_lits::lit_cast_target().to_bits()
    );
    assert_eq!(lit_cast_target().unwrap().to_bits(), 0x3f80_0001);
    assert_eq!(
        lit_typed_let().unwrap().to_bits(),
        rs_lits::lit_typed_let().to_bits()
    );
    assert_eq!(lit_cast_int().unwrap(), rs_lits::lit_cast_int());
    for a in [0, 1, 2, -5, i32::MAX, i32::MIN] {
        assert_eq!(
            lit_default_i32_wraps(a).unwrap(),
            rs_lits::lit_default_i32_wraps(bb(a))
        );
    }
    for k in [0u32, 1, 40, 63, 64, 100] {
        assert_eq!(
            lit_shift_lhs(k).unwrap(),
            rs_lits::lit_shift_lhs(bb(k)),
            "1 << {k}"
        );
    }
}

rumba::compile! {
    // What rustc rejects: a negative literal cast to an unsigned type is `-(1u8)`, and a literal
    // typed by the cast target must fit.
    fn lit_neg_unsigned_cast() -> u8 {
        -1 as u8
    }

    fn lit_cast_out_of_range() -> u8 {
        300 as u8
    }

    fn lit_out_of_range(x: &[u8]) -> bool {
        x[0] < 256
    }

    fn lit_f32_overflow() -> f32 {
        1e40f32
    }
}

#[test]
fn literals_rustc_rejects() {
    let e = lit_neg_unsigned_cast().unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    let e = lit_cast_out_of_range().unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    let e = lit_out_of_range(&[1u8][..]).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    let e = lit_f32_overflow().unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
}

// ---- std constants ----

twin! {
    mod rs_consts;
    pub fn float_consts(o: &mut [f64], p: &mut [f32]) {
        o[0] = std::f64::consts::PI;
        o[1] = core::f64::consts::TAU;
        o[2] = std::f64::consts::E;
        o[3] = std::f64::consts::SQRT_2;
        o[4] = std::f64::consts::LN_2;
        o[5] = std::f64::consts::FRAC_1_SQRT_2;
        o[6] = std::f64::consts::LOG2_E;
        o[7] = std::f64::consts::FRAC_PI_4;
        o[8] = f64::INFINITY;
        o[9] = f64::NEG_INFINITY;
        o[10] = f64::NAN;
        o[11] = f64::EPSILON;
        o[12] = f64::MAX;
        o[13] = f64::MIN;
        o[14] = f64::MIN_POSITIVE;
        o[15] = std::f64::MAX;
        p[0] = std::f32::consts::PI;
        p[1] = std::f32::consts::E;
        p[2] = f32::INFINITY;
        p[3] = f32::NAN;
        p[4] = f32::EPSILON;
        p[5] = f32::MAX;
        p[6] = f32::MIN_POSITIVE;
        p[7] = std::f32::consts::FRAC_2_SQRT_PI;
        p[8] = std::f32::consts::LN_10;
    }

    pub fn int_consts(o: &mut [i64], p: &mut [u64]) {
        o[0] = i32::MAX as i64;
        o[1] = i8::MIN as i64;
        o[2] = i64::MIN;
        o[3] = i64::MAX;
        o[4] = isize::MIN as i64;
        o[5] = i16::MAX as i64;
        o[6] = i32::MIN as i64 - 1;
        p[0] = u8::MIN as u64;
        p[1] = u8::MAX as u64;
        p[2] = u32::BITS as u64;
        p[3] = u64::MAX;
        p[4] = usize::MAX as u64;
        p[5] = u16::MAX as u64;
        p[6] = i64::BITS as u64;
        p[7] = (u8::BITS + i16::BITS) as u64;
    }

    pub fn float_format_consts(o: &mut [i64]) {
        o[0] = f64::RADIX as i64;
        o[1] = f64::MANTISSA_DIGITS as i64;
        o[2] = f32::MANTISSA_DIGITS as i64;
        o[3] = f64::DIGITS as i64 + f32::DIGITS as i64 * 100;
        o[4] = f64::MIN_EXP as i64;
        o[5] = f64::MAX_EXP as i64;
        o[6] = f32::MIN_10_EXP as i64;
        o[7] = std::f32::MAX_10_EXP as i64;
        let e: i32 = f64::MAX_10_EXP;
        let d: u32 = f32::RADIX;
        o[8] = (e + d as i32) as i64;
    }

    pub fn bits_is_u32() -> u32 {
        let b = u32::BITS;
        b * 2
    }
}

#[test]
fn std_constants() {
    let (mut o, mut p) = ([0.0f64; 16], [0.0f32; 9]);
    float_consts(&mut o[..], &mut p[..]).unwrap();
    let (mut o2, mut p2) = ([0.0f64; 16], [0.0f32; 9]);
    rs_consts::float_consts(&mut o2, &mut p2);
    for k in 0..16 {
        assert!(same64(o[k], o2[k]), "float_consts[{k}]");
    }
    for k in 0..9 {
        assert!(same32(p[k], p2[k]), "float_consts f32[{k}]");
    }
    let (mut o, mut p) = ([0i64; 7], [0u64; 8]);
    int_consts(&mut o[..], &mut p[..]).unwrap();
    let (mut o2, mut p2) = ([0i64; 7], [0u64; 8]);
    rs_consts::int_consts(&mut o2, &mut p2);
    assert_eq!((o, p), (o2, p2));
    assert_eq!(bits_is_u32().unwrap(), rs_consts::bits_is_u32());
    let (mut o, mut o2) = ([0i64; 9], [0i64; 9]);
    float_format_consts(&mut o[..]).unwrap();
    rs_consts::float_format_consts(&mut o2);
    assert_eq!(o, o2);
}

twin! { mod rs_from_bits;
    /// `f64::from_bits` / `f32::from_bits` as bit tricks use them: `2^k` built from its
    /// exponent, the "fast inverse square root" first guess, a round trip, NaN payloads.
    pub fn pow2(k: i64) -> f64 {
        f64::from_bits(((k + 1023) as u64) << 52)
    }

    pub fn rsqrt_guess(x: f32) -> f32 {
        let i = 0x5f3759df - (x.to_bits() >> 1);
        let y = f32::from_bits(i);
        y * (1.5 - 0.5 * x * y * y)
    }

    pub fn round_trip(x: &[f64], o: &mut [f64]) {
        for i in 0..x.len() {
            o[i] = f64::from_bits(x[i].to_bits() ^ 0x8000_0000_0000_0000);
        }
    }

    pub fn literal_bits() -> (f64, f32) {
        (f64::from_bits(0x3ff8000000000000), f32::from_bits(0x7fc0_0001))
    }
}

#[test]
fn from_bits_builds_floats_from_their_bits() {
    for k in [-1022i64, -1, 0, 1, 52, 1023] {
        assert_eq!(
            pow2(k).unwrap().to_bits(),
            rs_from_bits::pow2(k).to_bits(),
            "{k}"
        );
    }
    for x in [0.25f32, 1.0, 2.0, 100.0, 1e-30] {
        assert_eq!(
            rsqrt_guess(x).unwrap().to_bits(),
            rs_from_bits::rsqrt_guess(x).to_bits(),
            "{x}"
        );
    }
    let x = [0.0, -0.0, 1.5, f64::NAN, f64::INFINITY, -3.25e-310];
    let (mut o, mut o2) = ([0.0; 6], [0.0; 6]);
    round_trip(&x, &mut o[..]).unwrap();
    rs_from_bits::round_trip(&x, &mut o2);
    assert_eq!(o.map(f64::to_bits), o2.map(f64::to_bits));
    let (a, b) = literal_bits().unwrap();
    let (a2, b2) = rs_from_bits::literal_bits();
    assert_eq!((a.to_bits(), b.to_bits()), (a2.to_bits(), b2.to_bits()));
}

#[test]
fn from_bits_takes_the_unsigned_of_its_width() {
    let k = rumba::Kernel::from_source("fn k(x: i64) -> f64 { f64::from_bits(x) }", "k");
    let e = k.call(&[rumba::IntoArg::into_arg(5i64)]).unwrap_err();
    let text = format!("{e:#}");
    assert!(text.contains("expected `u64`, found `i64`"), "{text}");
    assert!(text.contains("as u64"), "{text}");
}

twin! {
    mod rs_bytes;
    /// Byte literals (`u8`): words between whitespace, a sum of digits, capitals by a `match` on
    /// ranges of bytes, and the bytes past `b'z'` wrapping.
    pub fn byte_classes(t: &[u8], out: &mut [i64]) {
        let mut words = 0;
        let mut inside = false;
        let mut digits = 0;
        let mut upper = 0;
        let mut wrapped = 0u8;
        for i in 0..t.len() {
            let c = t[i];
            let space = c == b' ' || c == b'\n' || c == b'\t';
            if !space && !inside {
                words += 1;
            }
            inside = !space;
            match c {
                b'0'..=b'9' => digits += (c - b'0') as i64,
                b'A'..=b'Z' => upper += 1,
                b'~' | b'\x7f' => wrapped = wrapped.wrapping_add(c),
                _ => {}
            }
        }
        out[0] = words;
        out[1] = digits;
        out[2] = upper;
        out[3] = wrapped as i64;
        out[4] = (b'z' - b'a') as i64;
    }
}

#[test]
fn byte_literals_are_u8() {
    for text in [
        "",
        "Hello World 42\n  foo\tBar 7 ~~\x7f",
        "   ",
        "a",
        "Z9Z9 z\t\n~",
    ] {
        let t = text.as_bytes();
        let (mut o, mut o2) = ([0i64; 5], [0i64; 5]);
        byte_classes(t, &mut o[..]).unwrap();
        rs_bytes::byte_classes(t, &mut o2);
        assert_eq!(o, o2, "{text:?}");
    }
}
