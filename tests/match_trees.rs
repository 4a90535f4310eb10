//! `match` on tuples lowered as a decision tree (front/lower/match_tree.rs): a scanner's state
//! machine (the benchmark's `scan_numbers`, against its plain twin) and a match with every kind of pattern the tree takes (literals, byte literals, open
//! and closed ranges, `|` inside an element and across tuples, bools, bindings with and without
//! `@`, guards that bind, a binding of the whole tuple), against the same code in plain Rust
//! over every combination of a few values per element. The same match also in a loop that
//! carries no state, where the chain of `if`s is kept, and which of the two each one gets (the
//! same match in two kernels on purpose: outside a loop and in one that carries its state).

use crate::bench_kernels::plain;
use crate::kernels::scan_numbers;
use ndarray::Array1;
use rumba::IntoArg;

twin! {
    mod rs;
    /// Patterns of each kind the tree takes over three elements, outside a loop.
    pub fn mixed(c: i32, a: i32, f: bool) -> i64 {
        match (c, a, f) {
            (0, 0, _) => 1,
            (_, -3..=-1, true) => 2,
            (1 | 2, n @ 10.., false) if n % 3 == 0 => n as i64 * 10,
            (_, ..-20, _) => 4,
            (k, 5..=9, _) if k > 1 => 5,
            (k, n, true) => (k + n) as i64 * 100,
            t => t.1 as i64 - t.0 as i64,
        }
    }

    /// More patterns over four elements, byte literals among them: too many leaves for a tree
    /// (the chain).
    pub fn mixed4(c: i32, a: i32, b: u8, f: bool) -> i64 {
        match (c, a, b, f) {
            (0, 0, _, _) => 1,
            (_, -3..=-1, b'a'..=b'z', true) => 2,
            (1 | 2, n @ 10.., _, false) if n % 3 == 0 => n as i64 * 10,
            (_, ..-20, 0 | 255, _) => 4,
            (k, 5..=9, m @ 1..=9, _) if k > m as i32 => 5,
            (_, 1..=100, 10..=20, true) | (_, -100..=-50, _, false) => 6,
            (k, n, m, true) => (k + n) as i64 * 100 + m as i64,
            t => t.1 as i64 - t.0 as i64,
        }
    }

    /// `mixed`'s match in a loop whose state it reads (a tree), each result written out.
    pub fn mixed_carried(a: &Array1<i32>, f: &Array1<bool>, out: &mut Array1<i64>) {
        let mut c = 0;
        for i in 0..a.len() {
            let r = match (c, a[i], f[i]) {
                (0, 0, _) => 1,
                (_, -3..=-1, true) => 2,
                (1 | 2, n @ 10.., false) if n % 3 == 0 => n as i64 * 10,
                (_, ..-20, _) => 4,
                (k, 5..=9, _) if k > 1 => 5,
                (k, n, true) => (k + n) as i64 * 100,
                t => t.1 as i64 - t.0 as i64,
            };
            out[i] = r;
            c = (r % 4) as i32;
        }
    }

    /// The match of each element alone, in a loop that carries no state (the chain).
    pub fn classify(x: &Array1<i64>, y: &Array1<i64>, out: &mut Array1<i64>) {
        for i in 0..x.len() {
            out[i] = match (x[i].signum(), y[i].signum()) {
                (1, 1) => 1,
                (-1, 1) => 2,
                (-1, -1) => 3,
                (1, -1) => 4,
                (0, _) | (_, 0) => 0,
                _ => -1,
            };
        }
    }
}

/// Small deterministic values.
fn stream(n: usize, seed: u64) -> impl Iterator<Item = u64> {
    let mut s = seed;
    (0..n).map(move |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 33
    })
}

const BYTES: [u8; 12] = [0, 1, 5, 9, 10, 15, 20, 97, 110, 122, 123, 255];

#[test]
fn tuple_matches_agree_with_rust_on_every_combination() {
    let ints: Vec<i32> = (-120..=120).collect();
    for c in -1..4 {
        for &a in &ints {
            for f in [false, true] {
                let want = rs::mixed(c, a, f);
                assert_eq!(mixed(c, a, f).unwrap(), want, "({c}, {a}, {f})");
                for b in BYTES {
                    let want = rs::mixed4(c, a, b, f);
                    assert_eq!(mixed4(c, a, b, f).unwrap(), want, "({c}, {a}, {b}, {f})");
                }
            }
        }
    }
    let n = ints.len() * BYTES.len() * 2;
    let a: Array1<i32> = stream(n, 1).map(|v| (v % 241) as i32 - 120).collect();
    let f: Array1<bool> = stream(n, 3).map(|v| v % 2 == 0).collect();
    let (mut got, mut want) = (Array1::<i64>::zeros(n), Array1::<i64>::zeros(n));
    mixed_carried(&a, &f, &mut got).unwrap();
    rs::mixed_carried(&a, &f, &mut want);
    assert_eq!(got, want);
    let x: Array1<i64> = stream(n, 4).map(|v| (v % 7) as i64 - 3).collect();
    let y: Array1<i64> = stream(n, 5).map(|v| (v % 7) as i64 - 3).collect();
    classify(&x, &y, &mut got).unwrap();
    rs::classify(&x, &y, &mut want);
    assert_eq!(got, want);
    // `y` shorter than `x`: the checked copy's bounds error, where Rust panics.
    let short = y.slice(ndarray::s![..n - 1]).to_owned();
    let err = classify(&x, &short, &mut got).unwrap_err().to_string();
    assert!(err.contains("out of bounds"), "{err}");
}

#[test]
fn a_scanner_state_machine_agrees_with_rust() {
    let alphabet = b"0123456789. .x";
    for (n, seed) in [(0, 1), (1, 2), (7, 3), (1000, 4), (100_000, 5)] {
        let text: Vec<u8> = stream(n, seed)
            .map(|v| alphabet[v as usize % alphabet.len()])
            .collect();
        let got: usize = scan_numbers(&Array1::from(text.clone())).unwrap();
        assert_eq!(got, plain::scan_numbers(&text), "{n}");
    }
    let got: usize = scan_numbers(&Array1::from(b"12 3.25 4. .5 x 7 ".to_vec())).unwrap();
    assert_eq!(got, 3);
}

#[test]
fn state_machines_test_their_state_once() {
    let x = Array1::<u8>::zeros(4);
    let ir = scan_numbers::kernel().typed_ir(&[(&x).into_arg()]).unwrap();
    // The tree: `state == 3` once (the chain tests it in two arms).
    assert_eq!(ir.matches("== 3_u8)").count(), 1, "{ir}");
    // Without state, each arm's test in turn: `LLVM` makes them selects, and the loop runs
    // without branches.
    let y = Array1::<i64>::zeros(4);
    let mut out = Array1::<i64>::zeros(4);
    let ir = classify::kernel()
        .typed_ir(&[(&y).into_arg(), (&y).into_arg(), (&mut out).into_arg()])
        .unwrap();
    assert!(ir.contains("== 1_i64) && ("), "{ir}");
    // The loads in the scrutinee's tuple lose their checks in the fast copy with the others.
    assert!(
        ir.contains("(signum(unchecked x[i]), signum(unchecked y[i]))"),
        "{ir}"
    );
}
