//! Control-flow and function constructs vs rustc: fn items (pub or not, doc comments, helpers
//! calling helpers, recursive ones: tests/constructs_recursion.rs), bare and typed parameters, return types inferred or
//! written, `let` forms, `if`/`else` as statements and values, `while`, `loop`, every `for` range
//! form (inclusive, reversed, stepped, empty, ending at the type's MAX), `break`, `continue`,
//! early `return` from nested loops, blocks as values, short-circuit `&&`/`||`.
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two on real values.

use rumba::IntoArg;
use std::hint::black_box as bb;

// ---- functions and helpers ----

twin! {
    mod rs_fns;
    /// The cumulative normal distribution (Abramowitz & Stegun), as in Black-Scholes.
    pub fn cnd(x: f64) -> f64 {
        let a1 = 0.31938153;
        let a2 = -0.356563782;
        let a3 = 1.781477937;
        let a4 = -1.821255978;
        let a5 = 1.330274429;
        let k = 1.0 / (1.0 + 0.2316419 * x.abs());
        let w = 1.0 - 1.0 / (2.0 * std::f64::consts::PI).sqrt() * (-x * x / 2.0).exp()
            * (a1 * k + a2 * k * k + a3 * k.powi(3) + a4 * k.powi(4) + a5 * k.powi(5));
        if x < 0.0 {
            1.0 - w
        } else {
            w
        }
    }

    /// Black-Scholes call and put prices, calling `cnd` (which calls nothing).
    pub fn black_scholes(s: f64, k: f64, t: f64, r: f64, v: f64, out: &mut [f64]) {
        let d1 = ((s / k).ln() + (r + v * v / 2.0) * t) / (v * t.sqrt());
        let d2 = d1 - v * t.sqrt();
        out[0] = s * cnd(d1) - k * (-r * t).exp() * cnd(d2);
        out[1] = k * (-r * t).exp() * cnd(-d2) - s * cnd(-d1);
    }

    // Private helpers, a chain of three.
    fn sq(x: f64) -> f64 {
        x * x
    }

    fn norm2(x: f64, y: f64) -> f64 {
        sq(x) + sq(y)
    }

    pub fn chain(x: f64, y: f64) -> f64 {
        norm2(x, y).sqrt() + norm2(y, 1.0)
    }

    // Helpers taking arrays and returning inferred types.
    fn total(x: &[i64], upto: usize) -> i64 {
        let mut s = 0;
        for i in 0..upto {
            s += x[i];
        }
        s
    }

    fn fill(y: &mut [i64], v: i64) {
        for i in 0..y.len() {
            y[i] = v + i as i64;
        }
    }

    pub fn helpers_with_arrays(x: &[i64], y: &mut [i64]) -> i64 {
        fill(y, total(x, x.len()));
        total(y, y.len()) - total(x, 2)
    }

    // A helper whose result depends on an early return.
    fn first_negative(x: &[f32]) -> usize {
        for i in 0..x.len() {
            if x[i] < 0.0 {
                return i;
            }
        }
        x.len()
    }

    pub fn uses_first_negative(x: &[f32]) -> usize {
        first_negative(x) * 10 + first_negative(x) % 3
    }
}

#[test]
fn helpers_and_black_scholes() {
    for x in [-3.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 10.0] {
        assert_eq!(
            cnd(x).unwrap().to_bits(),
            rs_fns::cnd(bb(x)).to_bits(),
            "cnd({x})"
        );
    }
    for (s, k, t, r, v) in [
        (100.0, 100.0, 1.0, 0.05, 0.2),
        (42.0, 40.0, 0.5, 0.1, 0.2),
        (10.0, 30.0, 2.0, 0.01, 0.6),
    ] {
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        black_scholes(s, k, t, r, v, &mut a[..]).unwrap();
        rs_fns::black_scholes(bb(s), bb(k), bb(t), bb(r), bb(v), &mut b);
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
    }
    for (x, y) in [(3.0, 4.0), (-1.5, 0.25), (0.0, -0.0)] {
        assert_eq!(
            chain(x, y).unwrap().to_bits(),
            rs_fns::chain(bb(x), bb(y)).to_bits()
        );
    }
    let x = vec![1i64, 2, 3, 4];
    let (mut y, mut y2) = (vec![0i64; 3], vec![0i64; 3]);
    let r: i64 = helpers_with_arrays(&x, &mut y).unwrap();
    assert_eq!(r, rs_fns::helpers_with_arrays(bb(&x), &mut y2));
    assert_eq!(y, y2);
    for x in [
        vec![1.0f32, 2.0, -3.0],
        vec![],
        vec![-1.0],
        vec![0.0, 0.0, 0.0, 0.0, 0.0],
    ] {
        let r: usize = uses_first_negative(&x).unwrap();
        assert_eq!(r, rs_fns::uses_first_negative(bb(&x)));
    }
}

rumba::compile! {
    fn fact(n: u64) -> u64 {
        if n == 0 {
            1
        } else {
            n * fact(n - 1)
        }
    }

    fn ping(n: i32) -> i32 {
        if n <= 0 {
            0
        } else {
            pong(n - 1)
        }
    }

    fn pong(n: i32) -> i32 {
        ping(n) + 1
    }

    fn count(n: u64) {
        if n == 0 {
            return 0;
        }
        count(n - 1) + 1
    }

    fn not_pub(x) {
        x + 1
    }

    pub fn is_pub(x) {
        not_pub(x) * 2
    }
}

#[test]
fn recursion_typed_at_the_first_call() {
    assert_eq!(fact(5u64).unwrap(), 120);
    assert_eq!(ping(3).unwrap(), 3);
    assert_eq!(pong(3).unwrap(), 4);
    // Without `-> T`, a recursive call is `()` (rustc's reading), which `+ 1` rejects.
    let e = count::<u64>(5u64).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    assert!(
        format!("{e:#}").contains("a recursive call of `count` is `()`"),
        "{e:#}"
    );
    // Failures are cached: a second call reports the same error without compiling again.
    let e2 = count::<u64>(5u64).unwrap_err();
    assert_eq!(e, e2);
    if jit() {
        assert_eq!(count::kernel().compilations(), 1);
    }
    // Other kernels of the block are unaffected.
    let v: i32 = is_pub(4).unwrap();
    assert_eq!(v, 10);
    let v: i32 = not_pub(4).unwrap();
    assert_eq!(v, 5);
}

rumba::compile! {
    fn write_two(a, b) -> f64 {
        b[0] = 1.0;
        a[0] = 2.0;
        b[0]
    }

    fn read_two(a: &[f64], b: ArrayView1<f64>) -> f64 {
        a[0] + b[0]
    }

    fn read_write(a: &[f64], b: &mut [f64]) {
        b[0] = a[0] + 1.0;
    }

    fn alias_mut(y) -> f64 {
        write_two(y, y)
    }

    fn alias_read(x) -> f64 {
        read_two(x, x)
    }

    fn alias_mixed(y: &mut [f64]) {
        read_write(y, y);
    }
}

#[test]
fn a_writable_array_is_not_passed_twice() {
    // rustc rejects these calls (two `&mut` borrows, or `&` and `&mut`, of one array).
    let mut v = vec![0.5, 0.25];
    let e = alias_mut(&mut v).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("cannot borrow `y` as mutable more than once at a time"),
        "{e}"
    );
    let e = alias_mixed(&mut v).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot borrow `y` as mutable because it is also borrowed as immutable"),
        "{e}"
    );
    assert_eq!(v, vec![0.5, 0.25]);
    // Read-only parameters may share an array, even a writable one.
    assert_eq!(alias_read(&v).unwrap(), 1.0);
    assert_eq!(alias_read(&mut v).unwrap(), 1.0);
}

#[test]
fn kernels_inside_a_function_body() {
    rumba::compile! {
        fn local_add(a: i32, b: i32) -> i32 {
            twice(a) + b
        }

        fn twice(a: i32) -> i32 {
            a * 2
        }
    }
    assert_eq!(local_add(3, 4).unwrap(), 10);
    assert_eq!(twice(-3).unwrap(), -6);
    if jit() {
        assert_eq!(local_add::kernel().compilations(), 1);
    }
}

// ---- parameters: bare vs typed; return types inferred vs written ----

rumba::compile! {
    fn bare_axpy(a, x, y) {
        for i in 0..y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    fn bare_sum(x) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    fn mixed(a, x: &[f64], n: usize, mut k) {
        k += 1;
        x[n] * a + k as f64
    }

    fn infer_elem(y: ArrayViewMut2<_>, v: f32) {
        let (n, m) = y.dim();
        for i in 0..n {
            for j in 0..m {
                y[[i, j]] = v * (i * m + j) as f32;
            }
        }
    }

    fn typed_view(x: ArrayView1<f64>) -> f64 {
        x[0] + x[x.len() - 1]
    }

    fn infer_from_returns(x: i16) {
        if x < 0 {
            return -x;
        }
        x * 2
    }

    fn unit_return(y: &mut [u8]) -> () {
        y[0] = 1;
        return;
    }
}

#[allow(clippy::assign_op_pattern)]
mod rs_params {
    use ndarray::prelude::*;

    pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
        for i in 0..y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    pub fn sum(x: ArrayView2<f64>) -> f64 {
        let mut s = 0.0;
        for v in x.iter() {
            s += v;
        }
        s
    }

    pub fn mixed(a: f64, x: &[f64], n: usize, mut k: i32) -> f64 {
        k += 1;
        x[n] * a + k as f64
    }
}

#[test]
fn bare_and_typed_parameters() {
    use ndarray::prelude::*;
    let x = vec![1.0f32, -2.0, 3.5];
    let (mut y, mut y2) = (vec![0.5f32, 1.0, 1.5], vec![0.5f32, 1.0, 1.5]);
    bare_axpy(3.0f32, &x, &mut y).unwrap();
    rs_params::axpy(3.0, &x, &mut y2);
    assert_eq!(y, y2);
    // The same bare kernel on f64 arrays.
    let x64 = Array1::from_vec(vec![1.0f64, 2.0]);
    let mut y64 = Array1::from_vec(vec![0.0f64, 0.0]);
    bare_axpy(0.5f64, &x64, &mut y64).unwrap();
    assert_eq!(y64.to_vec(), vec![0.5, 1.0]);
    if jit() {
        assert_eq!(bare_axpy::kernel().compilations(), 2);
    }

    let a = Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f64 * 0.1);
    // `bare_sum` is generic over the array's dimension through `len()` only on 1-D arrays.
    let v: f64 = bare_sum(a.column(0)).unwrap();
    assert_eq!(v, rs_params::sum(a.slice(ndarray::s![.., 0..1])));
    let s: f32 = bare_sum(&x).unwrap();
    assert_eq!(s, 2.5);

    let xs = vec![1.5, 2.5, 4.0];
    let r: f64 = mixed(2.0f64, &xs, 1usize, 7i32).unwrap();
    assert_eq!(r, rs_params::mixed(2.0, &xs, 1, 7));
    // `a` is bare: an f32 does not fit `x[n] * a` with `x: &[f64]`.
    let r: Result<f64, _> = mixed(2.0f32, &xs, 1usize, 7i32);
    assert!(
        matches!(
            r.as_ref().map_err(rumba::Error::kind),
            Err(rumba::ErrorKind::Type { .. })
        ),
        "{r:?}"
    );
    // `n: usize` is written: the wrapper takes a `usize`, so a literal is one, as in Rust;
    // through the handle, an i32 is rejected before anything is compiled.
    let r: f64 = mixed(2.0f64, &xs, 1, 7).unwrap();
    assert_eq!(r, rs_params::mixed(2.0, &xs, 1, 7));
    let r: Result<f64, _> = mixed::kernel().call_as(&[
        2.0f64.into_arg(),
        (&xs).into_arg(),
        1i32.into_arg(),
        7i32.into_arg(),
    ]);
    assert!(
        matches!(
            r.as_ref().map_err(rumba::Error::kind),
            Err(rumba::ErrorKind::Argument { .. })
        ),
        "{r:?}"
    );

    let mut m = Array2::<f32>::zeros((2, 3));
    infer_elem(&mut m, 0.5f32).unwrap();
    assert_eq!(
        m,
        Array2::from_shape_fn((2, 3), |(i, j)| 0.5 * (i * 3 + j) as f32)
    );
    let e = infer_elem(&mut Array2::<f64>::zeros((2, 2)), 0.5f32).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");

    let xv = Array1::from_vec(vec![1.0, 2.0, 4.0]);
    assert_eq!(typed_view(xv.view()).unwrap(), 5.0);
    assert_eq!(typed_view(&xv).unwrap(), 5.0);

    let v: i16 = infer_from_returns(-4i16).unwrap();
    assert_eq!(v, 4);
    let v: i16 = infer_from_returns(i16::MAX).unwrap();
    assert_eq!(v, i16::MAX.wrapping_mul(2));
    let mut b = [0u8; 1];
    unit_return(&mut b[..]).unwrap();
    assert_eq!(b, [1]);
}

// ---- let, assignment, if/else, blocks ----

twin! {
    mod rs_lets;
    pub fn lets(a: i32, b: f64) -> f64 {
        let x = a;
        let y: i64 = a as i64 * 3;
        let mut z = 0.5;
        let mut w: f32;
        let u;
        if a > 0 {
            u = 1.0;
            w = 2.0;
        } else {
            u = -1.0;
            w = 3.0;
        }
        w *= 2.0;
        z += b;
        let x = x + 1;
        let _ = x * 2;
        {
            let x = 100;
            z += x as f64;
        }
        z + x as f64 + y as f64 + u + w as f64
    }

    pub fn if_forms(a: i32) -> i32 {
        let mut r = 0;
        if a > 10 {
            r += 1;
        }
        if a > 5 {
            r += 10;
        } else {
            r += 20;
        }
        if a < 0 {
            r += 100;
        } else if a == 0 {
            r += 200;
        } else if a < 7 {
            r += 300;
        } else {
            r += 400;
        }
        let v = if a % 2 == 0 { a / 2 } else { 3 * a + 1 };
        let w = if a > 3 {
            let t = a * a;
            t - 1
        } else if a > -3 {
            0
        } else {
            -1
        };
        r + v + w + if a != 0 { 1 } else { 2 }
    }

    pub fn block_values(a: f64) -> f64 {
        let x = {
            let t = a * 2.0;
            t + 1.0
        };
        let y = { a };
        let z = { ({ a - 1.0 }) * 2.0 };
        x + y * z + { if a > 0.0 { 1.0 } else { -1.0 } }
    }

    pub fn diverging_arms(x: i32) -> i32 {
        let mut acc = 0;
        for i in 0..x {
            let v = if i % 3 == 0 {
                continue;
            } else if i > 20 {
                break;
            } else {
                i * 2
            };
            acc += v;
        }
        let w = if x > 100 { return -1; } else { x + 1 };
        acc * 1000 + w
    }

    pub fn while_block_condition(n: i32) -> i32 {
        let mut i = 0;
        let mut c = 0;
        while {
            i += 1;
            i <= n
        } {
            c += i;
        }
        c
    }

    pub fn shadowing(n: usize) -> usize {
        let i = 1000;
        let mut s = 0;
        for i in 0..n {
            let i = i * 2;
            s += i;
        }
        let s = s + i;
        s
    }

    pub fn nested_if_values(a: i64, b: i64) -> i64 {
        let m = if a > b { if a > 0 { a } else { -a } } else { if b > 0 { b } else { -b } };
        m + if a == b { 1000 } else { 0 }
    }
}

#[test]
fn lets_ifs_and_blocks() {
    for a in [-10, -3, -1, 0, 1, 3, 5, 6, 7, 11, 100] {
        for b in [-2.5, 0.0, 1.25] {
            assert_eq!(
                lets(a, b).unwrap().to_bits(),
                rs_lets::lets(bb(a), bb(b)).to_bits()
            );
            assert_eq!(
                block_values(b + a as f64).unwrap().to_bits(),
                rs_lets::block_values(bb(b + a as f64)).to_bits()
            );
        }
        assert_eq!(
            if_forms(a).unwrap(),
            rs_lets::if_forms(bb(a)),
            "if_forms({a})"
        );
        assert_eq!(
            diverging_arms(a).unwrap(),
            rs_lets::diverging_arms(bb(a)),
            "diverging_arms({a})"
        );
        assert_eq!(
            while_block_condition(a).unwrap(),
            rs_lets::while_block_condition(bb(a))
        );
        assert_eq!(
            shadowing(a.unsigned_abs() as usize).unwrap(),
            rs_lets::shadowing(bb(a.unsigned_abs() as usize))
        );
        for b in [-7i64, 0, 3] {
            assert_eq!(
                nested_if_values(a as i64, b).unwrap(),
                rs_lets::nested_if_values(bb(a as i64), bb(b))
            );
        }
    }
}

// ---- loops ----

twin! {
    mod rs_loops;
    pub fn while_loop(n: u32) -> u32 {
        let mut i = 0;
        let mut s = 0;
        while i < n {
            s += i * i;
            i += 1;
        }
        s
    }

    pub fn collatz(mut n: u64) -> u32 {
        let mut steps = 0;
        loop {
            if n == 1 {
                break;
            }
            if n % 2 == 0 {
                n /= 2;
            } else {
                n = 3 * n + 1;
            }
            steps += 1;
        }
        steps
    }

    pub fn break_continue(x: &[i32]) -> i32 {
        let mut s = 0;
        for i in 0..x.len() {
            if x[i] < 0 {
                continue;
            }
            if x[i] > 100 {
                break;
            }
            s += x[i];
        }
        let mut j = 0;
        while j < x.len() {
            j += 1;
            if x[j - 1] == 7 {
                continue;
            }
            s += 1;
            if s > 1000 {
                break;
            }
        }
        s
    }

    pub fn early_return(x: &[i32], target: i32) -> i64 {
        for i in 0..x.len() {
            for j in 0..x.len() {
                let mut k = 0;
                loop {
                    if k > 2 {
                        break;
                    }
                    if x[i] + x[j] + k == target {
                        return (i * 100 + j * 10) as i64 + k as i64;
                    }
                    k += 1;
                }
            }
        }
        -1
    }

    pub fn nested_break(n: usize) -> usize {
        let mut count = 0;
        for i in 0..n {
            for j in 0..n {
                if j > i {
                    break;
                }
                if (i + j) % 3 == 0 {
                    continue;
                }
                count += i * j;
            }
            if count > 500 {
                break;
            }
        }
        count
    }
}

#[test]
fn while_loop_break_continue_return() {
    for n in [0, 1, 2, 10, 1000] {
        assert_eq!(while_loop(n).unwrap(), rs_loops::while_loop(bb(n)));
        assert_eq!(
            nested_break(n as usize).unwrap(),
            rs_loops::nested_break(bb(n as usize))
        );
    }
    for n in [1u64, 2, 3, 27, 97, 1 << 40] {
        assert_eq!(collatz(n).unwrap(), rs_loops::collatz(bb(n)));
    }
    let xs = [
        vec![1, 2, 3],
        vec![-1, 7, 200, 5],
        vec![],
        vec![7, 7, 7, -5, 101],
        vec![1000; 5],
    ];
    for x in &xs {
        assert_eq!(break_continue(x).unwrap(), rs_loops::break_continue(bb(x)));
        for t in [-3, 0, 5, 14, 2000] {
            assert_eq!(
                early_return(x, t).unwrap(),
                rs_loops::early_return(bb(x), bb(t)),
                "{x:?} {t}"
            );
        }
    }
}

// ---- for ranges ----

twin! {
    mod rs_ranges;
    pub fn ranges_i32(a: i32, b: i32, k: usize, o: &mut [i64]) {
        let mut h = 0i64;
        let mut n = 0i64;
        for i in a..b {
            h = h * 31 + i as i64;
            n += 1;
        }
        o[0] = h;
        o[1] = n;
        h = 0;
        n = 0;
        for i in a..=b {
            h = h * 31 + i as i64;
            n += 1;
        }
        o[2] = h;
        o[3] = n;
        h = 0;
        for i in (a..b).rev() {
            h = h * 31 + i as i64;
        }
        o[4] = h;
        h = 0;
        for i in (a..=b).rev() {
            h = h * 31 + i as i64;
        }
        o[5] = h;
        h = 0;
        n = 0;
        for i in (a..b).step_by(k) {
            h = h * 31 + i as i64;
            n += 1;
        }
        o[6] = h;
        o[7] = n;
        h = 0;
        for i in (a..=b).step_by(k) {
            h = h * 31 + i as i64;
        }
        o[8] = h;
        h = 0;
        n = 0;
        for i in (a..b).rev().step_by(k) {
            h = h * 31 + i as i64;
            n += 1;
        }
        o[9] = h;
        o[10] = n;
        h = 0;
        for i in (a..=b).rev().step_by(k) {
            h = h * 31 + i as i64;
        }
        o[11] = h;
    }

    pub fn ranges_u8(a: u8, b: u8, k: usize, o: &mut [u64]) {
        let mut n = 0;
        let mut s = 0;
        for i in a..=b {
            n += 1;
            s += i as u64;
        }
        o[0] = n;
        o[1] = s;
        n = 0;
        s = 0;
        for i in (a..=b).rev() {
            n += 1;
            s = s * 3 + i as u64;
        }
        o[2] = n;
        o[3] = s;
        n = 0;
        s = 0;
        for i in (a..=b).step_by(k) {
            n += 1;
            s = s * 3 + i as u64;
        }
        o[4] = n;
        o[5] = s;
        n = 0;
        s = 0;
        for i in (a..=b).rev().step_by(k) {
            n += 1;
            s = s * 3 + i as u64;
        }
        o[6] = n;
        o[7] = s;
        n = 0;
        for _ in a..b {
            n += 1;
        }
        o[8] = n;
    }

    pub fn ranges_extreme(o: &mut [u64]) {
        let mut n = 0u64;
        for i in (u64::MAX - 3)..=u64::MAX {
            n += i - (u64::MAX - 3);
        }
        o[0] = n;
        n = 0;
        for _ in (i64::MAX - 2)..=i64::MAX {
            n += 1;
        }
        o[1] = n;
        n = 0;
        for i in (i64::MIN..=(i64::MIN + 2)).rev() {
            n = n * 10 + (i - i64::MIN) as u64;
        }
        o[2] = n;
        n = 0;
        for i in (0..=usize::MAX).rev().step_by(usize::MAX / 2) {
            n = n * 10 + (i / (usize::MAX / 4)) as u64;
        }
        o[3] = n;
        n = 0;
        for i in (i8::MIN..=i8::MAX).step_by(100) {
            n = n * 1000 + (i as i64 + 128) as u64;
        }
        o[4] = n;
        n = 0;
        for _ in 5..5 {
            n += 1;
        }
        for _ in 5..=4 {
            n += 1;
        }
        for _ in (5..3).rev() {
            n += 1;
        }
        for _ in (10..0).step_by(1) {
            n += 1;
        }
        o[5] = n;
        n = 0;
        for i in (i64::MIN..=i64::MAX).step_by(1 << 62) {
            n = n * 10 + ((i >> 62) + 2) as u64;
        }
        for i in (i64::MIN..i64::MAX).rev().step_by(usize::MAX) {
            n = n * 10 + (i == i64::MAX - 1) as u64;
        }
        for i in (i8::MIN..=i8::MAX).rev().step_by(300) {
            n = n * 1000 + i as u64;
        }
        for i in (u8::MIN..u8::MAX).step_by(256) {
            n = n * 10 + i as u64 + 1;
        }
        o[6] = n;
    }

    pub fn loop_var_copy(n: i32) -> i32 {
        let mut s = 0;
        for mut i in 0..n {
            i *= 2;
            s += i;
        }
        s
    }

    pub fn range_exprs(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 1..x.len() - 1 {
            s += x[i - 1] * x[i + 1];
        }
        for i in (0..x.len() / 2).rev() {
            s -= x[i];
        }
        s
    }
}

#[test]
fn for_ranges_match_rustc() {
    let ends = [
        -5,
        -1,
        0,
        1,
        2,
        7,
        10,
        i32::MAX - 2,
        i32::MAX,
        i32::MIN,
        i32::MIN + 3,
    ];
    for &a in &ends {
        for &b in &ends {
            // Keep the loops short: only pairs that are close (or empty).
            if (b as i64 - a as i64) > 20 {
                continue;
            }
            for k in [1usize, 2, 3, 7, 100, usize::MAX] {
                let (mut x, mut y) = ([0i64; 12], [0i64; 12]);
                ranges_i32(a, b, k, &mut x[..]).unwrap();
                rs_ranges::ranges_i32(bb(a), bb(b), bb(k), &mut y);
                assert_eq!(x, y, "ranges_i32({a}, {b}, {k})");
            }
        }
    }
    for (a, b) in [
        (0u8, 255u8),
        (250, 255),
        (255, 255),
        (0, 0),
        (10, 5),
        (3, 4),
        (254, 255),
    ] {
        for k in [1usize, 2, 5, 255, 256, 1000] {
            let (mut x, mut y) = ([0u64; 9], [0u64; 9]);
            ranges_u8(a, b, k, &mut x[..]).unwrap();
            rs_ranges::ranges_u8(bb(a), bb(b), bb(k), &mut y);
            assert_eq!(x, y, "ranges_u8({a}, {b}, {k})");
        }
    }
    let (mut x, mut y) = ([0u64; 7], [0u64; 7]);
    ranges_extreme(&mut x[..]).unwrap();
    rs_ranges::ranges_extreme(&mut y);
    assert_eq!(x, y);
    for n in [-1, 0, 5] {
        assert_eq!(loop_var_copy(n).unwrap(), rs_ranges::loop_var_copy(bb(n)));
    }
    let v = vec![1.0, 2.0, 3.0, 5.0, 8.0];
    assert_eq!(
        range_exprs(&v).unwrap().to_bits(),
        rs_ranges::range_exprs(bb(&v)).to_bits()
    );
}

rumba::compile! {
    fn step_zero(n: usize, k: usize) -> usize {
        let mut c = 0;
        for _ in (0..n).step_by(k) {
            c += 1;
        }
        c
    }

    fn step_zero_empty(k: usize) -> usize {
        let mut c = 0;
        for _ in (5..0).rev().step_by(k) {
            c += 1;
        }
        c
    }
}

#[test]
fn step_by_zero_is_an_error() {
    let e = step_zero(10usize, 0usize).unwrap_err();
    assert!(
        matches!(e.kind(), rumba::ErrorKind::InvalidValue { .. }),
        "{e}"
    );
    // Rust panics in `step_by(0)` even when the range is empty.
    let e = step_zero_empty(0usize).unwrap_err();
    assert!(
        matches!(e.kind(), rumba::ErrorKind::InvalidValue { .. }),
        "{e}"
    );
    assert_eq!(step_zero(10usize, 3usize).unwrap(), 4);
    assert_eq!(step_zero_empty(2usize).unwrap(), 0);
}

// ---- short-circuit evaluation ----

twin! {
    mod rs_logic;
    pub fn count_positive_prefix(x: &[f64], n: usize) -> usize {
        let mut i = 0;
        while i < n && x[i] > 0.0 {
            i += 1;
        }
        i
    }

    pub fn any_big(x: &[f64], n: usize) -> bool {
        let mut found = false;
        for i in 0..n + 1 {
            if i >= x.len() || x[i] > 10.0 {
                found = found || i < x.len();
            }
        }
        found
    }

    pub fn guarded_div(a: i32, b: i32) -> bool {
        b != 0 && a / b > 1 || b == 0 && a > 0
    }

    pub fn logic_with_blocks(a: i32, x: &[i32]) -> bool {
        (a >= 0 && {
            let i = a as usize;
            i < x.len() && x[i] > 0
        }) || {
            let t = a * 2;
            t < -10
        }
    }
}

#[test]
fn short_circuit_skips_the_right_side() {
    let x = vec![1.0, 2.0, 3.0];
    for n in [0, 2, 3] {
        assert_eq!(
            count_positive_prefix(&x, n).unwrap(),
            rs_logic::count_positive_prefix(bb(&x), bb(n))
        );
    }
    let y = vec![1.0, 20.0, -1.0];
    for n in [0, 1, 3] {
        assert_eq!(any_big(&y, n).unwrap(), rs_logic::any_big(bb(&y), bb(n)));
    }
    for a in [-5, 0, 1, 7, i32::MIN] {
        for b in [0, 1, -1, 3] {
            if a == i32::MIN && b == -1 {
                continue;
            }
            assert_eq!(
                guarded_div(a, b).unwrap(),
                rs_logic::guarded_div(bb(a), bb(b))
            );
        }
    }
    let xs = vec![0, 5, -3];
    for a in [-100, -6, -5, 0, 1, 2, 3, 50] {
        assert_eq!(
            logic_with_blocks(a, &xs).unwrap(),
            rs_logic::logic_with_blocks(bb(a), bb(&xs)),
            "{a}"
        );
    }
}

/// Compilation counts only exist with the JIT: `RUMBA_DISABLE_JIT=1` runs these tests in the
/// reference interpreter.
fn jit() -> bool {
    std::env::var("RUMBA_DISABLE_JIT").as_deref() != Ok("1")
}

/// A kernel whose value is a call of a helper returning `()`, at the end or in a `return`.
#[test]
fn unit_helper_call_as_the_result() {
    rumba::compile! {
        fn fill(y, v: f64) {
            for i in 0..y.len() {
                y[i] = v;
            }
        }

        fn fill_twice(y, v: f64) {
            fill(y, 1.0);
            fill(y, v)
        }

        fn fill_early(y, v: f64) {
            if v > 0.0 {
                return fill(y, v);
            }
            fill(y, -v);
        }
    }
    let mut y = vec![0.0f64; 3];
    fill_twice(&mut y, 2.5).unwrap();
    assert_eq!(y, vec![2.5; 3]);
    fill_early(&mut y, 4.0).unwrap();
    assert_eq!(y, vec![4.0; 3]);
    fill_early(&mut y, -5.0).unwrap();
    assert_eq!(y, vec![5.0; 3]);
}

/// A helper call ending a loop body or a block statement (no `;`) runs, as in Rust.
#[test]
fn unit_helper_call_ending_a_loop_body_or_block() {
    rumba::compile! {
        fn bump(y, i: usize) {
            y[i] += 1.0;
        }

        fn bumps(y) {
            for i in 0..y.len() {
                bump(y, i)
            }
            let mut j = 0;
            while j < y.len() {
                j += 1;
                bump(y, j - 1)
            }
            {
                bump(y, 1)
            }
            loop {
                bump(y, 0);
                break;
            }
        }
    }
    let mut y = vec![0.0f64; 3];
    bumps(&mut y).unwrap();
    assert_eq!(y, vec![3.0, 3.0, 2.0]);
}
