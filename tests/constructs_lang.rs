//! The rest of the Rust a kernel author writes, vs rustc: `match` on integers, bools and floats
//! (literals, ranges, `|`, constants, bindings, guards; as a statement and as a value) and on
//! tuples of them,
//! labelled `break`/`continue`, `loop { .. break value }`, `const`/`static` items and `use` of
//! std constants in the block and in function bodies, and the std integer/float methods of issue
//! 16 (`saturating_*`, `rem_euclid`, `rotate_left`, `abs_diff`, `sin_cos`, `f64::from`, ...),
//! fast-math flags chosen by name.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two on real values, bit for bit. scripts/test.sh runs
//! this suite again through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use std::hint::black_box as bb;

// ---- match ----

twin! {
    mod rs_match;
    const LIMIT: i64 = 100;

    pub fn classify(x: i64) -> i64 {
        match x {
            0 => 10,
            1 | 2 => 20,
            3..=9 => 30,
            ..=-1 => 40,
            LIMIT => 50,
            n @ 10..LIMIT if n % 2 == 0 => n * 3,
            i64::MAX => 60,
            n => n - 1,
        }
    }

    pub fn arms_as_statements(x: u32, o: &mut [u32]) {
        for i in 0..o.len() {
            match (x + i as u32) % 5 {
                0 => o[i] = 1,
                1 | 3 => {
                    o[i] = 2;
                }
                k if k > 3 => o[i] += k,
                _ => {}
            }
        }
    }

    /// Exhaustive without `_`: the scrutinee is a `u8`.
    pub fn bytes(x: u8) -> i32 {
        match x {
            0..=99 => 1,
            100 => 2,
            101..=u8::MAX => 3,
        }
    }

    pub fn on_bool(b: bool, x: f64) -> f64 {
        let y = match b {
            true => x * 2.0,
            false => -x,
        };
        match x < 0.0 {
            true => y + 1.0,
            false => y,
        }
    }

    pub fn on_float(x: f64) -> i32 {
        match x {
            0.0 => 0,
            0.5..=1.0 => 1,
            -1.0..0.0 => 2,
            _ => 3,
        }
    }

    /// Arms that leave the function or the loop.
    pub fn diverging(x: &[i32]) -> i32 {
        let mut s = 0;
        for i in 0..x.len() {
            let v = match x[i] {
                0 => continue,
                -1 => break,
                -2 => return -s,
                v => v * 2,
            };
            s += v;
        }
        s
    }

    /// A guard with statements, and arms reading outer names.
    pub fn guarded(x: i32, y: i32) -> i32 {
        match x {
            a if { let t = a * y; t > 10 } => a + y,
            a @ (1 | 2 | 3) => a * 100,
            _ => y,
        }
    }
}

#[test]
fn match_integers_bools_floats() {
    for x in [
        0,
        1,
        2,
        3,
        9,
        -5,
        i64::MIN,
        10,
        11,
        12,
        98,
        99,
        100,
        101,
        i64::MAX,
        i64::MAX - 1,
    ] {
        assert_eq!(classify(bb(x)).unwrap(), rs_match::classify(x), "{x}");
    }
    for x in [0u32, 1, 2, 3, 4, u32::MAX] {
        let mut o = vec![7u32; 9];
        let mut e = o.clone();
        arms_as_statements(bb(x), &mut o).unwrap();
        rs_match::arms_as_statements(x, &mut e);
        assert_eq!(o, e, "{x}");
    }
    for x in [0u8, 99, 100, 101, 255] {
        assert_eq!(bytes(bb(x)).unwrap(), rs_match::bytes(x));
    }
    for (b, x) in [(true, 1.5), (false, 1.5), (true, -2.0), (false, -0.0)] {
        let r: f64 = on_bool(bb(b), bb(x)).unwrap();
        assert_eq!(r.to_bits(), rs_match::on_bool(b, x).to_bits());
    }
    for x in [0.0, -0.0, 0.5, 0.75, 1.0, 1.5, -1.0, -0.5, f64::NAN, -2.0] {
        assert_eq!(on_float(bb(x)).unwrap(), rs_match::on_float(x), "{x}");
    }
    for x in [vec![1, 2, 0, 3], vec![1, -1, 5], vec![4, 0, -2, 9], vec![]] {
        assert_eq!(diverging(&x).unwrap(), rs_match::diverging(&x), "{x:?}");
    }
    for (x, y) in [(5, 3), (2, 1), (3, 4), (7, 0), (-4, -4)] {
        assert_eq!(guarded(bb(x), bb(y)).unwrap(), rs_match::guarded(x, y));
    }
}

// ---- labelled break / continue, loop values ----

twin! {
    mod rs_loops;
    /// The first pair (i, j), i < j, with x[i] + x[j] == t, as i * n + j.
    pub fn pair_sum(x: &[i64], t: i64) -> i64 {
        let n = x.len();
        let mut found = -1;
        'outer: for i in 0..n {
            for j in i + 1..n {
                if x[i] + x[j] == t {
                    found = (i * n + j) as i64;
                    break 'outer;
                }
            }
        }
        found
    }

    /// Rows of a matrix, skipping a row at its first negative entry.
    pub fn skip_rows(a: &ndarray::ArrayView2<f64>, o: &mut [f64]) {
        'rows: for r in 0..a.nrows() {
            let mut s = 0.0;
            let mut c = 0;
            while c < a.ncols() {
                if a[[r, c]] < 0.0 {
                    continue 'rows;
                }
                s += a[[r, c]];
                c += 1;
            }
            o[r] = s;
        }
    }

    /// Three levels, a labelled `continue` and `break` from the innermost.
    pub fn three_levels(n: i32) -> i32 {
        let mut count = 0;
        'a: for i in 0..n {
            'b: for j in 0..n {
                let mut k = 0;
                loop {
                    k += 1;
                    if k > j {
                        continue 'b;
                    }
                    if (i * j * k) % 7 == 6 {
                        continue 'a;
                    }
                    if i + j + k > 3 * n {
                        break 'a;
                    }
                    count += i * 10 + j + k;
                }
            }
        }
        count
    }

    /// `loop` as a value, the value given from a nested loop by label.
    pub fn collatz_steps(mut x: u64) -> u64 {
        let mut steps = 0;
        let r = loop {
            if x == 1 {
                break steps;
            }
            x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
            steps += 1;
        };
        r * 2
    }

    pub fn first_square_over(t: i32) -> i32 {
        let v = 'search: loop {
            for i in 0..t + 2 {
                if i * i > t {
                    break 'search i;
                }
            }
        };
        v
    }

    pub fn loop_tail(x: f64) -> f64 {
        let mut y = x;
        loop {
            y = y * 0.5;
            if y < 1.0 {
                break y + 100.0;
            }
        }
    }
}

#[test]
fn labelled_break_continue_and_loop_values() {
    let x = [3i64, 8, -2, 7, 5];
    for t in [10, 15, 1, 100, 5] {
        assert_eq!(
            pair_sum(&x[..], bb(t)).unwrap(),
            rs_loops::pair_sum(&x, t),
            "{t}"
        );
    }
    let a = ndarray::array![
        [1.0, 2.0, 3.0],
        [1.0, -1.0, 2.0],
        [0.5, 0.5, 0.5],
        [-1.0, 0.0, 0.0]
    ];
    let mut o = vec![-7.0; 4];
    let mut e = o.clone();
    skip_rows(&a, &mut o).unwrap();
    rs_loops::skip_rows(&a.view(), &mut e);
    assert_eq!(o, e);
    for n in [0, 1, 3, 6, 11] {
        assert_eq!(
            three_levels(bb(n)).unwrap(),
            rs_loops::three_levels(n),
            "{n}"
        );
    }
    for x in [1u64, 6, 27, 97] {
        assert_eq!(collatz_steps(bb(x)).unwrap(), rs_loops::collatz_steps(x));
    }
    for t in [0, 1, 50, 1000] {
        assert_eq!(
            first_square_over(bb(t)).unwrap(),
            rs_loops::first_square_over(t)
        );
    }
    for x in [0.5, 3.0, 1e10] {
        let r: f64 = loop_tail(bb(x)).unwrap();
        assert_eq!(r.to_bits(), rs_loops::loop_tail(x).to_bits());
    }
}

// ---- const, static and use ----

twin! {
    mod rs_items;
    use std::f64::consts::PI;
    use core::f32::consts::*;
    use std::f64::consts as c64;
    const G: f64 = 9.81;
    const HALF_G: f64 = G / 2.0;
    static STEPS: usize = 4;
    const SHIFT: u32 = BITS - 3;
    const BITS: u32 = u8::BITS;

    pub fn fall(t: f64) -> f64 {
        HALF_G * t * t + PI
    }

    pub fn items(x: f32, o: &mut [f64]) {
        const K: i32 = -3;
        use std::f64::consts::E;
        o[0] = E;
        o[1] = (x * TAU + FRAC_PI_2) as f64;
        o[2] = c64::LN_2 * STEPS as f64;
        o[3] = (K * K) as f64 + SHIFT as f64;
        for i in 0..STEPS {
            o[4] += G;
            o[4] += i as f64;
        }
    }
}

#[test]
fn const_static_and_use() {
    for t in [0.0, 1.5, -2.25] {
        let r: f64 = fall(bb(t)).unwrap();
        assert_eq!(r.to_bits(), rs_items::fall(t).to_bits());
    }
    let mut o = vec![0.0; 5];
    let mut e = o.clone();
    items(bb(0.75f32), &mut o).unwrap();
    rs_items::items(0.75, &mut e);
    assert_eq!(o, e);
}

// ---- std integer and float methods ----

macro_rules! int_methods {
    ($m:ident, $t:ident, $signed:tt) => {
        mod $m {
            use super::bb;

            twin! {
                pub fn methods(a: $t, b: $t, n: u32, o: &mut [$t]) {
                    o[0] = a.saturating_add(b);
                    o[1] = a.saturating_sub(b);
                    o[2] = a.saturating_mul(b);
                    o[3] = a.rotate_left(n);
                    o[4] = a.rotate_right(n);
                    o[5] = a.swap_bytes();
                    o[6] = a.abs_diff(b) as $t;
                    o[7] = a.reverse_bits();
                    o[8] = a.leading_ones() as $t;
                    o[9] = a.trailing_ones() as $t;
                }

                pub fn euclid(a: $t, b: $t, o: &mut [$t]) {
                    o[0] = a.rem_euclid(b);
                    o[1] = a.div_euclid(b);
                }
            }

            #[test]
            fn against_std() {
                let vals = [0 as $t, 1, 2, 3, 7, $t::MAX, $t::MIN, $t::MAX / 2, $t::MIN / 3 + 1, (-1i8) as $t, (-5i8) as $t];
                for &a in &vals {
                    for &b in &vals {
                        for n in [0u32, 1, 5, 63, 64, 200] {
                            let mut o = [0 as $t; 10];
                            let mut e = o;
                            methods(bb(a), bb(b), bb(n), &mut o[..]).unwrap();
                            rs::methods(a, b, n, &mut e[..]);
                            assert_eq!(o, e, "{a} {b} {n}");
                        }
                        let mut o = [0 as $t; 2];
                        let r = euclid(bb(a), bb(b), &mut o[..]);
                        let e = std::panic::catch_unwind(|| {
                            let mut e = [0 as $t; 2];
                            rs::euclid(a, b, &mut e[..]);
                            e
                        });
                        match (r, e) {
                            (Ok(()), Ok(e)) => assert_eq!(o, e, "{a} {b}"),
                            (Err(err), Err(_)) => {
                                let m = err.to_string();
                                assert!(m.contains("divide by zero") || m.contains("overflow"), "{m}")
                            }
                            (r, e) => panic!("{a} {b}: rumba {r:?}, rust panicked: {}", e.is_err()),
                        }
                    }
                }
                int_methods!(@signed $signed, vals);
            }
        }
    };
    (@signed true, $vals:ident) => {
        twin! {
            mod rs_abs;
            pub fn wabs(a: i64) -> i64 {
                a.wrapping_abs()
            }
        }
        for a in [0i64, -3, i64::MIN, i64::MAX] {
            assert_eq!(wabs(bb(a)).unwrap(), rs_abs::wabs(a));
        }
    };
    (@signed false, $vals:ident) => {
        twin! {
            mod rs_pow2;
            pub fn pow2(a: u64, b: u8) -> (bool, bool) {
                (a.is_power_of_two(), b.is_power_of_two())
            }
        }
        for a in [0u64, 1, 2, 3, 64, 96, 1 << 63, u64::MAX] {
            for b in [0u8, 1, 128, 255] {
                assert_eq!(pow2(bb(a), bb(b)).unwrap(), rs_pow2::pow2(a, b), "{a} {b}");
            }
        }
    };
}

int_methods!(methods_i8, i8, true);
int_methods!(methods_i32, i32, true);
int_methods!(methods_i64, i64, true);
int_methods!(methods_u8, u8, false);
int_methods!(methods_u16, u16, false);
int_methods!(methods_u64, u64, false);

twin! {
    mod rs_float_methods;
    pub fn float_euclid(a: f64, b: f64, o: &mut [f64]) {
        o[0] = a.rem_euclid(b);
        o[1] = a.div_euclid(b);
    }

    pub fn float_euclid32(a: f32, b: f32, o: &mut [f32]) {
        o[0] = a.rem_euclid(b);
        o[1] = a.div_euclid(b);
    }
}

/// Both NaN, or the same bits (an `f32` converts to `f64` exactly, so it compares the same way).
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[test]
fn float_euclid_against_std() {
    let vals = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        7.5,
        -7.5,
        0.1,
        3.0,
        -3.0,
        1e300,
        f64::INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
    ];
    for &a in &vals {
        for &b in &vals {
            let mut o = [0.0; 2];
            let mut e = o;
            float_euclid(bb(a), bb(b), &mut o[..]).unwrap();
            rs_float_methods::float_euclid(a, b, &mut e[..]);
            let (a, b) = (a as f32, b as f32);
            let mut o32 = [0.0f32; 2];
            let mut e32 = o32;
            float_euclid32(bb(a), bb(b), &mut o32[..]).unwrap();
            rs_float_methods::float_euclid32(a, b, &mut e32[..]);
            for k in 0..2 {
                assert!(same(o[k], e[k]), "{a} {b} {k}: {} {}", o[k], e[k]);
                assert!(same(o32[k].into(), e32[k].into()), "{a} {b} {k} (f32)");
            }
        }
    }
}

// ---- fast-math flags ----

rumba::compile! {
    /// Reassociation alone vectorizes the sum; without `ninf` the comparison with infinity stays.
    #[rumba(fastmath(reassoc, contract))]
    fn sum_finite(x: &[f64]) -> (f64, usize) {
        let mut s = 0.0;
        let mut inf = 0usize;
        for i in 0..x.len() {
            if x[i] == f64::INFINITY {
                inf += 1;
            } else {
                s += x[i];
            }
        }
        (s, inf)
    }

    #[rumba(fastmath(reassoc))]
    fn sum_reassoc(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    #[rumba(fastmath)]
    fn sum_fast(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }
}

#[test]
fn fastmath_flags_chosen_by_name() {
    let mut x: Vec<f64> = (0..1000).map(|i| 1.0 / (1.0 + i as f64)).collect();
    x[10] = f64::INFINITY;
    x[500] = f64::INFINITY;
    let (s, inf): (f64, usize) = sum_finite(&x[..]).unwrap();
    let want: f64 = x.iter().filter(|v| v.is_finite()).sum();
    assert_eq!(inf, 2);
    assert!((s - want).abs() <= 1e-12 * want, "{s} vs {want}");
    let arg = || [rumba::IntoArg::into_arg(&x[..])];
    let ir = sum_finite::kernel().llvm_ir(&arg()).unwrap();
    assert!(ir.contains("fadd reassoc contract"), "{ir}");
    assert!(!ir.contains("ninf") && !ir.contains("fast"), "{ir}");
    let typed = sum_finite::kernel().typed_ir(&arg()).unwrap();
    assert!(
        typed.contains("#[fastmath=(reassoc, contract), boundscheck=true]"),
        "{typed}"
    );
    // `reassoc` alone vectorizes a sum.
    let ir = sum_reassoc::kernel().llvm_ir(&arg()).unwrap();
    assert!(ir.contains("fadd reassoc <"), "vectorized: {ir}");
    let s: f64 = sum_reassoc(&x[11..500]).unwrap();
    let want: f64 = x[11..500].iter().sum();
    assert!((s - want).abs() <= 1e-12 * want, "{s} vs {want}");
    // A plain `fastmath` keeps meaning every flag.
    let ir = sum_fast::kernel().llvm_ir(&arg()).unwrap();
    assert!(ir.contains("fadd fast"), "{ir}");
    // (On finite input only: with `ninf`, an infinity is poison to LLVM.)
    let s: f64 = sum_fast(&x[11..500]).unwrap();
    let want: f64 = x[11..500].iter().sum();
    assert!((s - want).abs() <= 1e-12 * want, "{s} vs {want}");
    // A name LLVM does not have is a build error naming the flags.
    let errors = rumba_compiler::front::lower_source(
        "#[rumba(fastmath(reassoc, fast))] fn k(x: f64) -> f64 { x }",
    )
    .unwrap_err();
    assert!(
        errors[0].message.contains(
            "unknown fast-math flag; LLVM's flags are reassoc, nnan, ninf, nsz, arcp, contract, afn"
        ),
        "{}",
        errors[0].message
    );
}

rumba::compile! {
    #[rumba(fastmath)]
    fn exp_all_fast(x: &[f64], y: &mut [f64]) {
        for i in 0..x.len() {
            y[i] = x[i].exp();
        }
    }

    fn exp_all(x: &[f64], y: &mut [f64]) {
        for i in 0..x.len() {
            y[i] = x[i].exp();
        }
    }
}

/// `fastmath` calls of `exp` run on libmvec's vector variants; where an 8-lane one exists
/// (AVX-512) the module may use 512-bit vectors so that the vectorizer picks it. Without `afn`
/// the calls stay scalar (correctly rounded), at 256 bits.
#[test]
fn fastmath_math_calls_use_the_widest_libmvec_variant() {
    let explain = |k: &rumba::Kernel, cpu: &str| {
        use rumba::IntoArg;
        let x = vec![0.5f64; 64];
        let mut y = vec![0.0f64; 64];
        let args = [(&x[..]).into_arg(), (&mut y[..]).into_arg()];
        k.explain(&args, &rumba::TargetSpec::pinned(cpu))
            .unwrap()
            .llvm_ir
    };
    let wide = explain(exp_all_fast::kernel(), "x86-64-v4");
    assert!(wide.contains("@_ZGVeN8v_exp("), "{wide}");
    assert!(wide.contains("\"prefer-vector-width\"=\"512\""), "{wide}");
    let avx2 = explain(exp_all_fast::kernel(), "x86-64-v3");
    assert!(avx2.contains("@_ZGVdN4v_exp("), "{avx2}");
    assert!(!avx2.contains("prefer-vector-width"), "{avx2}");
    let strict = explain(exp_all::kernel(), "x86-64-v4");
    assert!(!strict.contains("_ZGV"), "{strict}");
    assert!(!strict.contains("prefer-vector-width"), "{strict}");
    // The values: libmvec's `exp` is within 4 ulp.
    let x: Vec<f64> = (0..1000).map(|i| i as f64 * 0.01 - 5.0).collect();
    let mut y = vec![0.0; 1000];
    exp_all_fast(&x[..], &mut y[..]).unwrap();
    for (a, b) in x.iter().zip(&y) {
        assert!(
            (a.exp() - b).abs() <= 4.0 * f64::EPSILON * a.exp(),
            "{a}: {b}"
        );
    }
}

// ---- `match` on tuples, `sin_cos` ----

twin! {
    mod rs_tuples;
    pub fn classify_pair(a: i32, b: bool, c: u8) -> i32 {
        match (a, b) {
            (0, _) => 1,
            (_, true) if c > 10 => 2,
            (1..=5, false) | (-5..=-1, true) => 3,
            (n, false) => n * 10,
            (n, true) => n + c as i32,
        }
    }

    pub fn nested(a: i64, b: i64) -> i64 {
        let r = match ((a % 3, b % 2), a < b) {
            ((0, 0), _) => 0,
            ((k, 1), true) => k + 100,
            ((k, _), lt) => {
                if lt {
                    k
                } else {
                    -k
                }
            }
        };
        r
    }

    pub fn polar(x: f64, y: f32) -> (f64, f64, f32) {
        let (s, c) = x.sin_cos();
        let (sf, cf) = y.sin_cos();
        (s, c, sf * cf)
    }
}

#[test]
fn match_on_tuples_and_sin_cos() {
    for a in -7i32..8 {
        for b in [false, true] {
            for c in [0u8, 11, 200] {
                assert_eq!(
                    classify_pair(bb(a), bb(b), bb(c)).unwrap(),
                    rs_tuples::classify_pair(a, b, c),
                    "({a}, {b}, {c})"
                );
            }
        }
        for b in -4i64..4 {
            let a = a as i64;
            assert_eq!(nested(bb(a), bb(b)).unwrap(), rs_tuples::nested(a, b));
        }
    }
    for (x, y) in [(0.0, 0.0f32), (1.0, -2.5), (-3.75, 1e-3), (1e6, 100.0)] {
        let got: (f64, f64, f32) = polar(bb(x), bb(y)).unwrap();
        let want = rs_tuples::polar(x, y);
        assert_eq!(
            (got.0.to_bits(), got.1.to_bits(), got.2.to_bits()),
            (want.0.to_bits(), want.1.to_bits(), want.2.to_bits()),
            "({x}, {y})"
        );
    }
}

// ---- `matches!` ----

twin! {
    mod rs_matches;
    /// Per byte: a vowel, a digit above `lo`, a pair of equal neighbours, an element after a
    /// positive one; counted.
    pub fn kinds(x: &[u8], lo: u8) -> (usize, usize, usize, usize) {
        let (mut vowels, mut digits, mut pairs, mut after) = (0, 0, 0, 0);
        for i in 0..x.len() {
            if matches!(x[i], b'a' | b'e' | b'i' | b'o' | b'u') {
                vowels += 1;
            }
            digits += matches!(x[i], c @ b'0'..=b'9' if c > lo) as usize;
            if i > 0 && matches!((x[i - 1], x[i]), (a, b) if a == b) {
                pairs += 1;
            }
            if matches!(x.get(i + 1), Some(&v) if v > b'm',) {
                after += 1;
            }
        }
        (vowels, digits, pairs, after)
    }
}

#[test]
fn matches_macro_is_a_match_to_bool() {
    let text = b"hello, world 0123456789 aeiou zz 77 xyz".to_vec();
    for lo in [b'0', b'4', b'9'] {
        for n in [0, 1, 5, text.len()] {
            let got: (usize, usize, usize, usize) = kinds(&text[..n], bb(lo)).unwrap();
            assert_eq!(got, rs_matches::kinds(&text[..n], lo), "{n} {lo}");
        }
    }
}

// ---- lossless conversions (`From`) ----

twin! {
    mod rs_from;
    pub fn widen(a: i8, b: u16, c: i32, d: f32, e: bool, f: u32) -> (f64, i64, f32, isize, u64, f64) {
        let x = f64::from(c) + f64::from(d) + f64::from(a) + f64::from(f);
        let y = i64::from(a) * i64::from(b) + i64::from(c) + i64::from(e) + i64::from(f);
        let z = f32::from(b) + f32::from(a) - f32::from(e);
        let w = isize::from(a) + isize::from(i16::from(a)) + isize::from(u8::from(e));
        let v = u64::from(b) + u64::from(f) + u64::from(usize::from(b) as u32);
        (x, y, z, w, v, f64::from(2.5f32))
    }
}

#[test]
fn from_converts_without_loss() {
    for (a, b, c, d, e, f) in [
        (0i8, 0u16, 0i32, 0.0f32, false, 0u32),
        (-128, 65535, i32::MIN, -1.5e30, true, u32::MAX),
        (127, 300, i32::MAX, 1e-40, true, 12345),
    ] {
        let got: (f64, i64, f32, isize, u64, f64) =
            widen(bb(a), bb(b), bb(c), bb(d), bb(e), bb(f)).unwrap();
        let want = rs_from::widen(a, b, c, d, e, f);
        assert_eq!(
            (
                got.0.to_bits(),
                got.1,
                got.2.to_bits(),
                got.3,
                got.4,
                got.5.to_bits()
            ),
            (
                want.0.to_bits(),
                want.1,
                want.2.to_bits(),
                want.3,
                want.4,
                want.5.to_bits()
            )
        );
    }
    // Conversions that may lose information have no `From`: rustc's error, naming `as`.
    for (src, want) in [
        (
            "fn k(x: i64) -> f64 { f64::from(x) }",
            "`f64: From<i64>` is not satisfied",
        ),
        (
            "fn k(x: u16) -> isize { isize::from(x) }",
            "`isize: From<u16>` is not satisfied",
        ),
        (
            "fn k(x: i32) -> u64 { u64::from(x) }",
            "`u64: From<i32>` is not satisfied",
        ),
        (
            "fn k(x: f64) -> f32 { f32::from(x) }",
            "`f32: From<f64>` is not satisfied",
        ),
    ] {
        let k = rumba::Kernel::from_source(src, "k");
        let arg = match src {
            s if s.contains("i64)") => rumba::IntoArg::into_arg(1i64),
            s if s.contains("u16)") => rumba::IntoArg::into_arg(1u16),
            s if s.contains("i32)") => rumba::IntoArg::into_arg(1i32),
            _ => rumba::IntoArg::into_arg(1.0f64),
        };
        let err = k.call(&[arg]).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains(want) && text.contains("as "), "{src}: {text}");
    }
}

// ---- closures bound with `let`, inlined at each call ----

twin! {
    mod rs_closures;
    /// A closure reading a captured scale, called in a loop; a later `let` of the same name does
    /// not change what it reads; typed and untyped parameters; a block body.
    pub fn scaled(x: &ndarray::ArrayView1<f64>, scale: f64) -> f64 {
        let a = scale;
        let f = |v| v * a + 1.0;
        let a = 100.0;
        let g = |v: f64, w: f64| -> f64 {
            let d = v - w;
            d * d
        };
        let mut s = 0.0;
        for i in 0..x.len() {
            s += f(x[i]) + g(x[i], a);
        }
        s
    }

    /// An `FnMut` closure assigning a captured counter; a closure of no parameters; an integer
    /// closure whose parameter type decides the wrapping.
    pub fn counting(n: u32) -> (u32, i64, u8) {
        let mut count = 0;
        let mut bump = |k| count += k;
        for i in 0..n {
            bump(i % 3);
        }
        let seven = || 7i64;
        let wrap = |b: u8| b.wrapping_mul(3);
        (count, seven() * 6, wrap(n as u8))
    }

    fn twice(v: f64) -> f64 {
        v * 2.0
    }

    /// Tuple elements assigned in `match` arms; a closure taking a tuple pattern; an `Option`
    /// of a tuple chosen in a loop.
    pub fn tallies(x: &ndarray::ArrayView1<i64>) -> (i64, i64, i64, usize) {
        let mut counts = (0, 0, 0);
        for i in 0..x.len() {
            let v = x[i];
            match (v.signum(), v % 2 == 0) {
                (0, _) => counts.0 += 1,
                (1, true) | (-1, true) => counts.1 += 1,
                _ => counts.2 = counts.2 + 1,
            }
        }
        let mut best: Option<(usize, i64)> = None;
        for i in 0..x.len() {
            best = match best {
                Some((_, b)) if b >= x[i] => best,
                _ => Some((i, x[i])),
            };
        }
        let pick = |(i, _): (usize, i64)| i;
        (counts.0, counts.1, counts.2, best.map(pick).unwrap_or(usize::MAX))
    }

    /// A closure bound with `let`, and a function of the block, given to `mapv` by name.
    pub fn mapped(x: &ndarray::ArrayView1<f64>, k: f64) -> f64 {
        let sp = |v: f64| if v > 20.0 { v } else { (v * k).exp().ln_1p() };
        let y = x.mapv(sp);
        y.sum() + x.mapv(twice).sum()
    }

    /// A closure calling another closure, inside a nested loop over rows.
    pub fn rows(a: &ndarray::ArrayView2<f64>, o: &mut ndarray::ArrayViewMut1<f64>) {
        let sq = |v: f64| v * v;
        let norm = |r: usize| {
            let mut s = 0.0;
            for j in 0..a.ncols() {
                s += sq(a[[r, j]]);
            }
            s.sqrt()
        };
        for r in 0..a.nrows() {
            o[r] = norm(r);
        }
    }
}

#[test]
fn closures_bound_with_let() {
    use ndarray::{Array1, Array2};
    let x = Array1::from_shape_fn(37, |i| (i as f64 * 0.37).sin());
    for scale in [0.5, -2.0, 1e-3] {
        let got: f64 = scaled(&x, bb(scale)).unwrap();
        assert_eq!(
            got.to_bits(),
            rs_closures::scaled(&x.view(), scale).to_bits()
        );
    }
    for n in [0u32, 1, 5, 100, 300] {
        let got: (u32, i64, u8) = counting(bb(n)).unwrap();
        assert_eq!(got, rs_closures::counting(n), "{n}");
    }
    // A declared tuple result is the wrapper's result type: no annotation needed.
    for v in [vec![3i64, -2, 0, 7, 8, -9], vec![], vec![0, 0, 5]] {
        let v = Array1::from_vec(v);
        assert_eq!(tallies(&v).unwrap(), rs_closures::tallies(&v.view()));
    }
    for k in [1.0, 30.0] {
        let got: f64 = mapped(&x, bb(k)).unwrap();
        assert_eq!(got.to_bits(), rs_closures::mapped(&x.view(), k).to_bits());
    }
    let a = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f64 * 0.25 - 3.0);
    let mut o = Array1::<f64>::zeros(5);
    let mut want = Array1::<f64>::zeros(5);
    rows(&a, &mut o).unwrap();
    rs_closures::rows(&a.view(), &mut want.view_mut());
    assert_eq!(o, want);
}

// ---- `==` and `!=` of tuples, `Option`s and structs; structs destructured by `let` ----

twin! {
    mod rs_eq;
    #[derive(Clone, Copy, PartialEq)]
    pub struct Pt {
        pub x: f64,
        pub k: i32,
    }

    /// Tuples written out and held in variables (nested too), `Option`s against `Some`/`None`
    /// and each other, structs against literals and variables; a `NaN` element is unequal.
    pub fn equalities(a: i32, b: i32, x: f64) -> u32 {
        let t = ((a, x), b);
        let u = ((b, x), a);
        let o = a.checked_mul(b);
        let p = Pt { x, k: a };
        let q = Pt { x: x * 1.0, k: b };
        let tests = [
            (a, b) == (b, a),
            t == u,
            t.0 != (a, x),
            o == Some(a.wrapping_mul(b)),
            o != None,
            o == b.checked_mul(a),
            p == q,
            p != Pt { x: f64::NAN, k: a },
        ];
        let mut bits = 0;
        for i in 0..8 {
            bits |= (tests[i] as u32) << i;
        }
        bits
    }

    #[derive(Clone, Copy, PartialEq)]
    pub struct Seg {
        pub a: Pt,
        pub b: Pt,
        pub w: f64,
    }

    /// `let` patterns that destructure structs: renamed, `mut`, `_`, `..` and nested.
    pub fn destructure(x: f64, k: i32) -> f64 {
        let s = Seg { a: Pt { x, k }, b: Pt { x: x * 2.0, k: -k }, w: 0.5 };
        let Seg { a, b: Pt { x: bx, k: bk }, .. } = s;
        let Pt { x: mut ax, k: _ } = a;
        ax += 1.0;
        let Seg { w, .. } = s;
        ax * w + bx * bk as f64 + a.k as f64
    }
}

#[test]
fn equality_of_tuples_options_and_structs() {
    // The struct `compile!` emits keeps its derives.
    let p = Pt { x: 1.0, k: 2 };
    assert!(Seg { a: p, b: p, w: 0.0 } == Seg { a: p, b: p, w: 0.0 });
    for a in [0i32, 3, -7, i32::MAX, 1 << 16] {
        for b in [0i32, 3, 2, 1 << 16] {
            for x in [0.5, -0.0, f64::NAN] {
                let got: u32 = equalities(bb(a), bb(b), bb(x)).unwrap();
                assert_eq!(got, rs_eq::equalities(a, b, x), "({a}, {b}, {x})");
                let got: f64 = destructure(bb(x), bb(a)).unwrap();
                assert_eq!(got.to_bits(), rs_eq::destructure(x, a).to_bits());
            }
        }
    }
}

twin! { mod rs_destructure;
    /// Destructuring assignment: the right side is evaluated whole first.
    pub fn fib_pair(n: usize, x: ArrayView1<f64>) -> (u64, u64, f64, f64) {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            (a, b) = (b, a.wrapping_add(b));
        }
        let (mut lo, mut hi) = (x[0], x[0]);
        let mut t = (0.0, 0.0);
        for i in 1..x.len() {
            (lo, hi) = (lo.min(x[i]), hi.max(x[i]));
            ((t.0, _), t.1) = ((t.1 + x[i], 5.0), t.0);
        }
        (a, b, hi - lo, t.0 - t.1)
    }

    /// `Array1::linspace` as ndarray computes it.
    pub fn spaced(a: f64, b: f64, n: usize) -> (Array1<f64>, Array1<f32>) {
        let x = Array1::linspace(a, b, n);
        let y = Array1::<f32>::linspace(b as f32, a as f32, n);
        (x, y)
    }

    /// `Array1::range` and `Array2::eye` as ndarray makes them.
    pub fn ranged(a: f64, b: f64, step: f64, n: usize) -> (Array1<f64>, Array1<f32>, Array2<f64>, i32) {
        let x = Array1::range(a, b, step);
        let y = Array1::<f32>::range(a as f32, b as f32, step as f32);
        let e = Array2::eye(n);
        let k = Array2::<i32>::eye(n + 1).sum();
        (x, y, e, k)
    }
}

#[test]
fn destructuring_assignment_and_linspace_equal_rust() {
    let x = ndarray::Array1::from_shape_fn(9, |i| ((i * 7) % 5) as f64 - 1.5);
    for n in [0, 1, 2, 50, 93] {
        assert_eq!(
            fib_pair(n, x.view()).unwrap(),
            rs_destructure::fib_pair(n, x.view())
        );
    }
    for (a, b, n) in [
        (0.0, 1.0, 0),
        (0.0, 1.0, 1),
        (-3.0, 7.5, 2),
        (0.1, 0.7, 11),
        (1e9, -2.5, 33),
    ] {
        let (x, y) = spaced(a, b, n).unwrap();
        let (rx, ry) = rs_destructure::spaced(a, b, n);
        assert_eq!(x.mapv(f64::to_bits), rx.mapv(f64::to_bits), "{a} {b} {n}");
        assert_eq!(y.mapv(f32::to_bits), ry.mapv(f32::to_bits), "{a} {b} {n}");
    }
    for (a, b, step, n) in [
        (0.0, 1.0, 0.1, 0),
        (0.0, 10.0, 3.0, 1),
        (5.0, 1.0, -1.5, 4),
        (1.0, 1.0, 1.0, 2),
        (-0.25, 0.0, 0.5, 3),
        (1e3, 1e3 + 1.0, 1e-2, 1),
    ] {
        let (x, y, e, k) = ranged(a, b, step, n).unwrap();
        let (rx, ry, re, rk) = rs_destructure::ranged(a, b, step, n);
        assert_eq!(
            x.mapv(f64::to_bits),
            rx.mapv(f64::to_bits),
            "{a} {b} {step}"
        );
        assert_eq!(
            y.mapv(f32::to_bits),
            ry.mapv(f32::to_bits),
            "{a} {b} {step}"
        );
        assert_eq!((e, k), (re, rk));
    }
    // The signs of `end - start` and `step` differ, or NaN: ndarray's panic, the call's `Err`.
    for (a, b, step) in [(0.0, 1.0, -1.0), (0.0, f64::NAN, 1.0)] {
        let e = ranged(a, b, step, 1).unwrap_err();
        assert!(
            format!("{e}").contains("Converting the length to `usize` must not fail"),
            "{e}"
        );
        assert!(std::panic::catch_unwind(|| rs_destructure::ranged(a, b, step, 1)).is_err());
    }
}

twin! { mod rs_paths;
    /// Numeric methods called by their paths (`f64::max(a, b)`), `to_bits`, and `std::mem::swap`
    /// of scalars, array elements and whole arrays (Jacobi's ping-pong).
    pub fn paths(a: f64, b: f32, k: u64) -> (f64, f64, u64, u32, u64, f64) {
        let mut x = f64::max(a, -1.5);
        let mut y = f64::sqrt(a.abs()) + f64::mul_add(a, 2.0, 1.0);
        std::mem::swap(&mut x, &mut y);
        let h = (a.to_bits() ^ 0x9E37_79B9_7F4A_7C15).rotate_left(7) >> 3 & 0xff;
        (x, y, h, f32::to_bits(b), u64::pow(k, 3), f64::hypot(a, 2.0))
    }

    pub fn ping_pong(u0: ArrayView2<f64>, iters: usize) -> Array2<f64> {
        let mut u = u0.to_owned();
        let mut v = u0.to_owned();
        let (n, m) = u.dim();
        for _ in 0..iters {
            for i in 1..n - 1 {
                for j in 1..m - 1 {
                    v[[i, j]] = 0.25 * (u[[i - 1, j]] + u[[i + 1, j]] + u[[i, j - 1]] + u[[i, j + 1]]);
                }
            }
            std::mem::swap(&mut u, &mut v);
        }
        std::mem::swap(&mut u[[0, 0]], &mut v[[n - 1, m - 1]]);
        u
    }
}

#[test]
fn method_paths_to_bits_and_mem_swap_equal_rust() {
    for (a, b, k) in [
        (-3.5, 2.5f32, 7u64),
        (0.0, -0.0, 0),
        (1e300, f32::NAN, 1 << 20),
    ] {
        let got = paths(a, b, k).unwrap();
        let want = rs_paths::paths(a, b, k);
        assert_eq!(
            (
                got.0.to_bits(),
                got.1.to_bits(),
                got.2,
                got.3,
                got.4,
                got.5.to_bits()
            ),
            (
                want.0.to_bits(),
                want.1.to_bits(),
                want.2,
                want.3,
                want.4,
                want.5.to_bits()
            )
        );
    }
    let mut u0 = ndarray::Array2::<f64>::zeros((9, 11));
    u0.row_mut(0).fill(1.0);
    for iters in [0, 1, 6] {
        assert_eq!(
            ping_pong(u0.view(), iters).unwrap(),
            rs_paths::ping_pong(u0.view(), iters)
        );
    }
}

twin! { mod rs_shape_fn;
    /// `from_shape_fn` of one, two and three axes (a tuple shape or `x.dim()`).
    pub fn shaped(x: ArrayView2<f64>, n: usize) -> (Array1<f64>, Array2<f64>, Array3<i64>) {
        let a = Array1::from_shape_fn(n, |i| i as f64 * 0.5);
        let b = Array2::from_shape_fn(x.dim(), |(i, j)| x[[i, j]] * 2.0 + (i * 10 + j) as f64);
        let c = Array3::from_shape_fn((2, n, 3), |(i, j, k)| (i * 100 + j * 10 + k) as i64);
        (a, b, c)
    }
}

#[test]
fn from_shape_fn_equals_ndarray() {
    let x = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 * 0.25);
    for n in [0, 1, 5] {
        assert_eq!(
            shaped(x.view(), n).unwrap(),
            rs_shape_fn::shaped(x.view(), n)
        );
    }
    assert_eq!(shaped(x.t(), 2).unwrap(), rs_shape_fn::shaped(x.t(), 2));
}

twin! { mod rs_clone;
    /// `clone()` of arrays and scalars whose types are written: a copy (Jacobi's scratch array).
    pub fn relax(u: &mut Array2<f64>, w: ArrayView1<f64>, k: f64) -> (f64, f64) {
        let mut next = u.clone();
        let (n, m) = u.dim();
        for i in 1..n - 1 {
            for j in 1..m - 1 {
                next[[i, j]] = 0.25 * (u[[i - 1, j]] + u[[i + 1, j]] + u[[i, j - 1]] + u[[i, j + 1]]);
            }
        }
        u.assign(&next);
        let v = w.clone();
        (v.sum(), k.clone() * 2.0)
    }
}

#[test]
fn clone_of_typed_names_equals_rust() {
    let mut u = ndarray::Array2::<f64>::zeros((6, 7));
    u.row_mut(0).fill(1.0);
    let mut ur = u.clone();
    let w = ndarray::Array1::from_shape_fn(9, |i| i as f64 * 0.1);
    assert_eq!(
        relax(&mut u, w.view(), 1.5).unwrap(),
        rs_clone::relax(&mut ur, w.view(), 1.5)
    );
    assert_eq!(u, ur);
}
