//! `Option` values vs rustc: `Some(v)` / `None`, `Option` locals, parameters and results of
//! helpers, the integers' `checked_*` methods, `x.get(i)`, and every way to read one (`if let`,
//! `while let`, `let .. else`, `match` with `Some(p)` / `None` arms, `is_some`, `is_none`,
//! `unwrap_or`, `unwrap_or_default`, `unwrap`, `expect`, `?`); a failed `unwrap` / `expect` is an
//! `Err` naming the kernel, the line and rustc's panic message.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two on real values. scripts/test.sh runs this suite
//! again through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use rumba::ErrorKind;
use std::hint::black_box as bb;

twin! {
    fn mix(h: i64, v: i64) -> i64 {
        h.wrapping_mul(1_000_003).wrapping_add(v)
    }

    /// Every `checked_*` method of `i8`, each read another way.
    pub fn checked_i8(a: &[i8], b: &[i8], s: &[u32]) -> i64 {
        let mut h = 0i64;
        for i in 0..a.len() {
            let (x, y, k) = (a[i], b[i], s[i]);
            h = mix(h, x.checked_add(y).unwrap_or(-1) as i64);
            h = mix(h, match x.checked_sub(y) {
                Some(v) => v as i64,
                None => 1000,
            });
            if let Some(v) = x.checked_mul(y) {
                h = mix(h, v as i64);
            } else {
                h = mix(h, 2000);
            }
            h = mix(h, x.checked_div(y).is_some() as i64);
            h = mix(h, x.checked_div(y).unwrap_or_default() as i64);
            h = mix(h, x.checked_rem(y).unwrap_or_default() as i64);
            h = mix(h, x.checked_neg().is_none() as i64);
            h = mix(h, x.checked_shr(k).unwrap_or(7) as i64);
            let Some(v) = x.checked_shl(k) else {
                h = mix(h, 3000);
                continue;
            };
            h = mix(h, v as i64);
        }
        h
    }

    /// Unsigned: `checked_sub` below zero, `checked_neg` of anything but zero.
    pub fn checked_u8(a: &[u8], b: &[u8]) -> i64 {
        let mut h = 0i64;
        for i in 0..a.len() {
            let (x, y) = (a[i], b[i]);
            let sum: Option<u8> = x.checked_add(y);
            h = mix(h, sum.unwrap_or(255) as i64 + sum.is_none() as i64);
            h = mix(h, x.checked_sub(y).unwrap_or(200) as i64);
            h = mix(h, x.checked_mul(y).unwrap_or_default() as i64);
            h = mix(h, match x.checked_neg() {
                Some(0) => 1,
                Some(_) => 2,
                None => 3,
            });
            h = mix(h, x.checked_rem(y).unwrap_or(99) as i64);
        }
        h
    }

    /// 64-bit overflow of sums and products, with `checked` results kept in locals.
    pub fn checked_i64(a: &[i64], b: &[i64]) -> (i64, usize) {
        let mut h = 0i64;
        let mut nones = 0;
        for i in 0..a.len() {
            let p = a[i].checked_mul(b[i]);
            let q = a[i].checked_add(b[i]);
            let mut last = None;
            if p.is_none() || q.is_none() {
                nones += 1;
            } else {
                last = Some(p.unwrap() ^ q.unwrap());
            }
            h = mix(h, last.unwrap_or(i as i64));
        }
        (h, nones)
    }

    /// The first index of `x` holding `v`.
    fn find(x: &[f64], v: f64) -> Option<usize> {
        for i in 0..x.len() {
            if x[i] == v {
                return Some(i);
            }
        }
        None
    }

    /// `find` through `?`: the index after it, if that is in bounds.
    fn after(x: &[f64], v: f64) -> Option<usize> {
        let i = find(x, v)?;
        if i + 1 < x.len() {
            Some(i + 1)
        } else {
            None
        }
    }

    pub fn find_all(x: &[f64], targets: &[f64]) -> (usize, usize, usize) {
        let mut found = 0;
        let mut sum = 0;
        let mut next = 0;
        for t in 0..targets.len() {
            if let Some(i) = find(x, targets[t]) {
                found += 1;
                sum += i;
            }
            next += after(x, targets[t]).unwrap_or(1000);
        }
        (found, sum, next)
    }

    /// `x.get(i)` in and out of bounds, 1-D and 2-D.
    pub fn gets(x: &[f64], idx: &[usize]) -> f64 {
        let mut s = 0.0;
        for k in 0..idx.len() {
            s += x.get(idx[k]).copied().unwrap_or(-1.0);
            if let Some(&v) = x.get(idx[k] + 1) {
                s += 2.0 * v;
            }
        }
        s
    }

    /// A `while let` over a chain of `Option` steps (the Collatz walk, `None` at 1).
    fn step(n: u64) -> Option<u64> {
        if n == 1 {
            None
        } else if n % 2 == 0 {
            Some(n / 2)
        } else {
            n.checked_mul(3)?.checked_add(1)
        }
    }

    pub fn collatz(n: u64) -> (u64, u64) {
        let mut steps = 0;
        let mut top = n;
        let mut cur = Some(n);
        while let Some(m) = cur {
            top = top.max(m);
            cur = step(m);
            steps += 1;
        }
        (steps, top)
    }

    /// `Option` of a tuple; a `match` with a guard.
    fn min_max(x: &[i32]) -> Option<(i32, i32)> {
        if x.len() == 0 {
            return None;
        }
        let mut lo = x[0];
        let mut hi = x[0];
        for i in 1..x.len() {
            lo = lo.min(x[i]);
            hi = hi.max(x[i]);
        }
        Some((lo, hi))
    }

    pub fn spread(x: &[i32]) -> i32 {
        match min_max(x) {
            Some((lo, hi)) if hi - lo > 100 => -1,
            Some((lo, hi)) => hi - lo,
            None => 0,
        }
    }

    pub fn first_negative(x: &[f64]) -> f64 {
        let mut i = 0;
        let mut found = None;
        while i < x.len() {
            if x[i] < 0.0 {
                found = Some(x[i]);
                break;
            }
            i += 1;
        }
        found.expect("no negative value")
    }

    pub fn checked_total(x: &[u32]) -> u32 {
        let mut s = 0u32;
        for i in 0..x.len() {
            s = s.checked_add(x[i]).unwrap();
        }
        s
    }
}

#[test]
fn checked_methods_of_signed_and_unsigned_integers() {
    let mut a: Vec<i8> = vec![0, 1, -1, 127, -128, 100, -100, 5, 64, -64];
    let mut b: Vec<i8> = vec![0, -1, 1, 1, -1, 100, -100, -5, 2, 0];
    // Every pair of a few edge values.
    for x in [-128i8, -127, -1, 0, 1, 2, 126, 127] {
        for y in [-128i8, -1, 0, 1, 3, 127] {
            a.push(x);
            b.push(y);
        }
    }
    let s: Vec<u32> = (0..a.len() as u32).map(|k| k % 11).collect();
    assert_eq!(
        checked_i8(&a[..], &b[..], &s[..]).unwrap(),
        rs::checked_i8(&a, &b, &s)
    );
    let ua: Vec<u8> = a.iter().map(|&v| v as u8).collect();
    let ub: Vec<u8> = b.iter().map(|&v| v as u8).collect();
    assert_eq!(
        checked_u8(&ua[..], &ub[..]).unwrap(),
        rs::checked_u8(&ua, &ub)
    );
    let wa = [i64::MAX, i64::MIN, 3, -3, 1 << 32, -(1 << 31), 0, 7];
    let wb = [
        1i64,
        -1,
        i64::MAX / 2,
        i64::MIN / 2,
        1 << 31,
        1 << 32,
        i64::MIN,
        -7,
    ];
    let got: (i64, usize) = checked_i64(&wa[..], &wb[..]).unwrap();
    assert_eq!(got, rs::checked_i64(&wa, &wb));
}

#[test]
fn options_from_helpers_get_and_while_let() {
    let x = [1.5, -2.0, 3.25, 8.0, 3.25];
    let targets = [3.25, 9.0, 1.5, 8.0, -2.0];
    let got: (usize, usize, usize) = find_all(&x[..], &targets[..]).unwrap();
    assert_eq!(got, rs::find_all(&x, &targets));
    let idx = [0usize, 4, 5, 100, 2];
    assert_eq!(
        gets(&x[..], &idx[..]).unwrap().to_bits(),
        rs::gets(&x, &idx).to_bits()
    );
    for n in [1u64, 6, 27, 97, 1 << 40, u64::MAX / 2] {
        let got: (u64, u64) = collatz(bb(n)).unwrap();
        assert_eq!(got, rs::collatz(n), "collatz({n})");
    }
    for x in [&[][..], &[5][..], &[3, -4, 9][..], &[0, 500][..]] {
        assert_eq!(spread(x).unwrap(), rs::spread(x), "{x:?}");
    }
}

#[test]
fn a_failed_unwrap_or_expect_is_an_error_naming_the_message() {
    let x = [1.0, 2.0, -3.5, 4.0];
    assert_eq!(first_negative(&x[..]).unwrap(), rs::first_negative(&x));
    let err = first_negative(&x[..2]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidValue { message, .. } if message == "no negative value"),
        "{err:#}"
    );
    assert_eq!(checked_total(&[1u32, 2, 3][..]).unwrap(), 6);
    let err = checked_total(&[1u32, u32::MAX][..]).unwrap_err();
    let ErrorKind::InvalidValue {
        message, kernel, ..
    } = err.kind()
    else {
        panic!("{err:#}");
    };
    assert_eq!(message, "called `Option::unwrap()` on a `None` value");
    assert_eq!(kernel, "checked_total");
    // The line of the `unwrap` in this file.
    let line = 1 + include_str!("constructs_option.rs")
        .lines()
        .position(|l| l.contains("s = s.checked_add(x[i]).unwrap();"))
        .unwrap();
    assert!(format!("{err:#}").contains(&format!(":{line}:")), "{err:#}");
}

// ---- combinators that take a function: map, map_or, and_then, is_some_and, unwrap_or_else ----

twin! {
    mod rs_comb;
    fn halve(v: i64) -> Option<i64> {
        if v % 2 == 0 {
            Some(v / 2)
        } else {
            None
        }
    }

    /// Each combinator with a closure written in place, a closure bound with `let`, a function of
    /// the block and a method path; the default of `map_or` is evaluated before the test.
    pub fn combinators(a: i64, b: i64, x: &[f64]) -> (i64, i64, bool, f64, f64, i64) {
        let double = |v: i64| v.wrapping_mul(2);
        let p = a.checked_mul(b).map(|v| v + 1).unwrap_or(-1);
        let q = a.checked_add(b).map(double).and_then(halve).map_or(a - b, |v| v * 3);
        let r = b.checked_div(a).is_some_and(|v| v > 2);
        let s = x.get(a as usize).copied().map(f64::sqrt).unwrap_or_else(|| x.len() as f64);
        let t = x.get(b as usize).map_or(0.5, |v| v * v);
        let u = a.checked_sub(b).and_then(halve).and_then(halve).unwrap_or_default();
        let w = a.checked_mul(3).filter(|v| v % 2 == 0).or(b.checked_add(1));
        let z = halve(b).or_else(|| halve(a + 1)).filter(|&v| v > -5).unwrap_or(-100);
        (p, q, r, s, t, u + w.unwrap_or(7) * 3 + z)
    }
}

#[test]
fn combinators_taking_functions() {
    let x = [4.0, 2.25, 0.5, 9.0];
    for a in [-3i64, 0, 1, 2, 7, i64::MAX, i64::MIN] {
        for b in [-1i64, 0, 3, 8, 1 << 40, i64::MAX] {
            let got: (i64, i64, bool, f64, f64, i64) = combinators(a, b, &x[..]).unwrap();
            let want = rs_comb::combinators(a, b, &x);
            assert_eq!(
                (got.0, got.1, got.2, got.3.to_bits(), got.4.to_bits(), got.5),
                (
                    want.0,
                    want.1,
                    want.2,
                    want.3.to_bits(),
                    want.4.to_bits(),
                    want.5
                ),
                "({a}, {b})"
            );
        }
    }
}

// ---- kernels returning an `Option` to Rust ----

twin! {
    mod rs_ret;
    /// The position of the first element above `t`.
    pub fn first_above(x: &[f64], t: f64) -> Option<usize> {
        for i in 0..x.len() {
            if x[i] > t {
                return Some(i);
            }
        }
        None
    }

    /// An `Option` of a tuple.
    pub fn checked_pair(a: i32, b: i32) -> Option<(i32, i32)> {
        let s = a.checked_add(b)?;
        Some((s, a.checked_mul(b)?))
    }

    pub fn half(v: i64) -> Option<i64> {
        if v % 2 == 0 {
            Some(v / 2)
        } else {
            None
        }
    }
}

rumba::compile! {
    fn half2(v: i64) -> Option<i64> {
        if v % 2 == 0 {
            Some(v / 2)
        } else {
            None
        }
    }

    /// No declared result type: the caller names it.
    fn quarter(v) {
        half2(v).and_then(half2)
    }
}

#[test]
fn kernels_return_options() {
    let x = [0.5, 2.0, -1.0, 7.5];
    for t in [0.0, 1.0, 5.0, 10.0] {
        assert_eq!(
            first_above(&x[..], t).unwrap(),
            rs_ret::first_above(&x, t),
            "{t}"
        );
    }
    for (a, b) in [(3, 4), (i32::MAX, 1), (1 << 20, 1 << 12), (-5, 7)] {
        assert_eq!(
            checked_pair(a, b).unwrap(),
            rs_ret::checked_pair(a, b),
            "({a}, {b})"
        );
    }
    for v in [8i64, 6, 3, -12, 0] {
        let got: Option<i64> = quarter(v).unwrap();
        assert_eq!(got, rs_ret::half(v).and_then(rs_ret::half), "{v}");
        assert_eq!(half(v).unwrap(), rs_ret::half(v));
    }
}

twin! { mod rs_refs;
    /// The references Rust binds from `Option<&T>` (`x.get(i)`, `v.last()`, `x.iter().max()`),
    /// read as `*v`; `std::cmp::max` / `min` of integers.
    pub fn borrowed(x: ArrayView1<i64>, lo: i64) -> (i64, i64, i64, i64) {
        let mut best = i64::MIN;
        let mut i = 0;
        while let Some(v) = x.get(i) {
            best = std::cmp::max(best, *v);
            i += 1;
        }
        let mut top = 0;
        if let Some(m) = x.iter().filter(|&&v| v < 100).max() {
            top = *m;
        }
        let mut seen = Vec::new();
        for &v in x.iter() {
            seen.push(std::cmp::min(v, lo));
        }
        let Some(&last) = seen.last() else {
            return (best, top, 0, 0);
        };
        (best, top, last, std::cmp::max(3, x.len() as i64))
    }
}

#[test]
fn options_of_references_read_through_deref() {
    for n in [0, 1, 5, 12] {
        let x = ndarray::Array1::from_shape_fn(n, |i| (i as i64 * 37) % 211 - 50);
        for lo in [-100, 0, 60] {
            assert_eq!(
                borrowed(x.view(), lo).unwrap(),
                rs_refs::borrowed(x.view(), lo),
                "{n} {lo}"
            );
        }
    }
}

twin! { mod rs_slices;
    /// `as_slice().unwrap()` of a view: `Some` in standard layout only.
    pub fn slice_sum(x: ArrayView1<f64>) -> f64 {
        let s = x.as_slice().unwrap();
        let mut t = 0.0;
        for v in s {
            t += v;
        }
        t + s[s.len() - 1]
    }

    pub fn slice_scale(mut x: ArrayViewMut2<f64>, k: f64) -> f64 {
        let s = x.as_slice_mut().expect("a matrix in C order");
        for v in s.iter_mut() {
            *v *= k;
        }
        let t: f64 = s.iter().sum();
        t
    }
}

#[test]
fn as_slice_unwraps_in_standard_layout_only() {
    let x = ndarray::Array1::from_shape_fn(9, |i| i as f64 * 0.5 - 1.0);
    assert_eq!(
        slice_sum(x.view()).unwrap().to_bits(),
        rs_slices::slice_sum(x.view()).to_bits()
    );
    let mut a = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let mut b = a.clone();
    assert_eq!(
        slice_scale(a.view_mut(), 1.5).unwrap().to_bits(),
        rs_slices::slice_scale(b.view_mut(), 1.5).to_bits()
    );
    assert_eq!(a, b);
    // A strided view and a transposed one have no slice: ndarray's `None`, unwrapped.
    let e = slice_sum(x.slice(ndarray::s![..;2])).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::InvalidValue { message, .. } if message == "called `Option::unwrap()` on a `None` value"),
        "{e:#}"
    );
    let e = slice_scale(a.view_mut().reversed_axes(), 2.0).unwrap_err();
    assert!(format!("{e:#}").contains("a matrix in C order"), "{e:#}");
    assert_eq!(a, b, "nothing written");
}
