//! Recursion vs rustc: direct (`fib`, a tree walk over child-index arrays, Ackermann) and mutual
//! (`is_even`/`is_odd`) recursion among a block's functions, the kernel itself recursive, a
//! `prange` body calling a recursive helper, and the depth limit (`rumba::ir`'s
//! `MAX_CALL_DEPTH`): a chain of recursive calls past it is an `Err` naming the kernel, the line
//! and the depth, in compiled code and in the interpreter alike (neither overflows its stack).
//!
//! Each kernel is written once inside `twin!`, which compiles it with rumba and as a plain Rust
//! function in `rs`; the tests compare the two on real values. scripts/test.sh runs this suite
//! again through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use rumba::ErrorKind;
use std::hint::black_box as bb;

twin! {
    pub fn fib(n: u64) -> u64 {
        if n < 2 {
            n
        } else {
            fib(n - 1) + fib(n - 2)
        }
    }

    pub fn fib_sum(n: u64) -> u64 {
        let mut s = 0u64;
        for k in 0..n {
            s += fib(k);
        }
        s
    }

    /// The sum of the values of the subtree at `node` (`-1`: no child).
    pub fn subtree(left: &[i64], right: &[i64], val: &[f64], node: i64) -> f64 {
        if node < 0 {
            return 0.0;
        }
        let i = node as usize;
        val[i] + subtree(left, right, val, left[i]) + subtree(left, right, val, right[i])
    }

    pub fn height(left: &[i64], right: &[i64], node: i64) -> i64 {
        if node < 0 {
            0
        } else {
            let i = node as usize;
            1 + height(left, right, left[i]).max(height(left, right, right[i]))
        }
    }

    pub fn tree_stats(left: &[i64], right: &[i64], val: &[f64]) -> (f64, i64) {
        (subtree(left, right, val, 0), height(left, right, 0))
    }

    pub fn is_even(n: u32) -> bool {
        if n == 0 {
            true
        } else {
            is_odd(n - 1)
        }
    }

    pub fn is_odd(n: u32) -> bool {
        if n == 0 {
            false
        } else {
            is_even(n - 1)
        }
    }

    pub fn count_even(x: &[u32]) -> usize {
        let mut c = 0;
        for i in 0..x.len() {
            if is_even(x[i]) {
                c += 1;
            }
        }
        c
    }

    pub fn ackermann(m: u64, n: u64) -> u64 {
        if m == 0 {
            n + 1
        } else if n == 0 {
            ackermann(m - 1, 1)
        } else {
            ackermann(m - 1, ackermann(m, n - 1))
        }
    }

    /// Fills `out` through a recursive helper that writes: `out[k] = k` for `k < n`.
    pub fn fill_down(out: &mut [i32], n: usize) {
        if n > 0 {
            out[n - 1] = (n - 1) as i32;
            fill_down(out, n - 1);
        }
    }

    pub fn count_down(n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            1 + count_down(n - 1)
        }
    }
}

rumba::compile! {
    fn fibs_par(out: &mut [u64]) {
        for i in prange(0..out.len()) {
            out[i] = fib2(i as u64);
        }
    }

    fn fib2(n: u64) -> u64 {
        if n < 2 {
            n
        } else {
            fib2(n - 1) + fib2(n - 2)
        }
    }
}

#[test]
fn direct_recursion_and_a_recursive_kernel() {
    for n in [0, 1, 2, 10, 25] {
        assert_eq!(fib(bb(n)).unwrap(), rs::fib(n), "fib({n})");
    }
    assert_eq!(fib_sum(bb(30)).unwrap(), rs::fib_sum(30));
    for (m, n) in [(0, 0), (1, 3), (2, 3), (3, 3)] {
        assert_eq!(
            ackermann(bb(m), bb(n)).unwrap(),
            rs::ackermann(m, n),
            "A({m}, {n})"
        );
    }
    let mut a = [0i32; 50];
    let mut b = [0i32; 50];
    fill_down(&mut a[..], bb(40)).unwrap();
    rs::fill_down(&mut b[..], 40);
    assert_eq!(a, b);
}

#[test]
fn tree_walk_over_child_index_arrays() {
    // A complete binary tree of 31 nodes, and a chain (a degenerate tree) of 200.
    let n = 31;
    let left: Vec<i64> = (0..n)
        .map(|i| if 2 * i + 1 < n { 2 * i + 1 } else { -1 })
        .collect();
    let right: Vec<i64> = (0..n)
        .map(|i| if 2 * i + 2 < n { 2 * i + 2 } else { -1 })
        .collect();
    let val: Vec<f64> = (0..n).map(|i| (i as f64).sqrt() - 1.5).collect();
    let got: (f64, i64) = tree_stats(&left[..], &right[..], &val[..]).unwrap();
    let want = rs::tree_stats(&left, &right, &val);
    assert_eq!((got.0.to_bits(), got.1), (want.0.to_bits(), want.1));
    assert_eq!(want.1, 5);

    let chain: Vec<i64> = (1..=200).map(|i| if i < 200 { i } else { -1 }).collect();
    let none = vec![-1i64; 200];
    let val: Vec<f64> = (0..200).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let got: (f64, i64) = tree_stats(&chain[..], &none[..], &val[..]).unwrap();
    let want = rs::tree_stats(&chain, &none, &val);
    assert_eq!((got.0.to_bits(), got.1), (want.0.to_bits(), want.1));
    // The deepest chain the limit allows (the calls for the missing children of the last node
    // are call `MAX_CALL_DEPTH`), on this test thread's 2 MiB stack.
    let n = rumba_compiler::ir::MAX_CALL_DEPTH as i64 - 1;
    let deep: Vec<i64> = (1..=n).map(|i| if i < n { i } else { -1 }).collect();
    let none = vec![-1i64; n as usize];
    let val: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let got: (f64, i64) = tree_stats(&deep[..], &none[..], &val[..]).unwrap();
    let want = rs::tree_stats(&deep, &none, &val);
    assert_eq!((got.0.to_bits(), got.1), (want.0.to_bits(), want.1));
    // A child index out of bounds is the usual error, deep in the recursion.
    let bad: Vec<i64> = (0..200).map(|i| i + 1).collect();
    let (none, val) = (&none[..200], &val[..200]);
    let err = tree_stats(&bad[..], none, val).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::OutOfBounds { .. }), "{err}");
}

#[test]
fn mutual_recursion() {
    let x = [0u32, 1, 2, 7, 100, 1001, 5000];
    assert_eq!(count_even(&x[..]).unwrap(), rs::count_even(&x));
    for v in x {
        assert_eq!(is_odd(bb(v)).unwrap(), rs::is_odd(v), "{v}");
    }
}

#[test]
fn prange_calling_a_recursive_helper() {
    let mut out = vec![0u64; 30];
    fibs_par(&mut out[..]).unwrap();
    let want: Vec<u64> = (0..30).map(rs::fib).collect();
    assert_eq!(out, want);
}

#[test]
fn recursion_past_the_depth_limit_is_an_error() {
    let limit = u64::from(rumba_compiler::ir::MAX_CALL_DEPTH);
    // The kernel's call starts the chain: `count_down(n)` makes `n` recursive calls.
    assert_eq!(count_down(bb(limit)).unwrap(), limit);
    let line = include_str!("constructs_recursion.rs")
        .lines()
        .position(|l| l.contains("1 + count_down(n - 1)"))
        .expect("the recursive call")
        + 1;
    // One more, or far more: an error, not a crashed process.
    for n in [limit + 1, 10_000_000] {
        let err = count_down(bb(n)).unwrap_err();
        let ErrorKind::InvalidValue {
            kernel,
            location,
            message,
        } = err.kind()
        else {
            panic!("expected InvalidValue, got {err:?}");
        };
        assert_eq!(kernel, "count_down");
        assert!(message.starts_with("recursion too deep"), "{message}");
        assert!(message.contains(&limit.to_string()), "{message}");
        assert_eq!(
            (location.file, location.line),
            ("tests/constructs_recursion.rs", line as u32)
        );
    }
    // A deep mutual recursion rustc runs: past the limit here.
    assert!(is_even(bb(50_000)).is_err());
}

#[test]
fn a_recursive_function_returning_a_value_declares_its_type() {
    use rumba::__private::{kernel, Source};
    use rumba::IntoArg;
    static SOURCE: Source = Source::new(
        "kernels.rs",
        "fn down(n: u64) {
    if n == 0 {
        return 0;
    }
    down(n - 1)
}
fn sum(n) {
    if n == 0 { 0 } else { n + sum(n - 1) }
}
",
    );
    for name in ["down", "sum"] {
        let err = kernel(&SOURCE, name).call(&[5u64.into_arg()]).unwrap_err();
        let text = format!("{err:#}");
        assert!(matches!(err.kind(), ErrorKind::Type { .. }), "{text}");
        assert!(text.contains("declare"), "{text}");
    }
}

#[test]
fn the_gpu_rejects_recursion() {
    use rumba::IntoArg;
    let mut out = [0u64; 4];
    let err = fibs_par::kernel()
        .cuda()
        .ptx(&[(&mut out[..]).into_arg()], "sm_80")
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("GPU code cannot recurse: `fib2` is recursive"),
        "{text}"
    );
    assert!(
        text.contains("help: rewrite the recursion as a loop"),
        "{text}"
    );
}
