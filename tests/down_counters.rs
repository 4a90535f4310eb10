//! Indices that count down from a loop variable (`let mut j = i; while j > 0 && .. { ..; j -= 1 }`,
//! an insertion sort's shift): versioning leaves their accesses unchecked where `j` (after
//! `j = i`) or `j - 1` (between the `while` test `j > 0` and the decrement) is in bounds wherever
//! `i` is, and keeps them checked otherwise. Each kernel against the same code in plain Rust; the
//! shapes the analysis refuses run into the bounds check as Rust's would.

use crate::kernels::insertion_rows;
use ndarray::{Array1, Array2};
use rumba::IntoArg;

twin! {
    mod rs;
    /// Insertion sort of a vector of integers, the test written `0 < j`.
    pub fn insertion(x: &mut Array1<i64>) {
        for i in 1..x.len() {
            let v = x[i];
            let mut j = i;
            while 0 < j && x[j - 1] > v {
                x[j] = x[j - 1];
                j -= 1;
            }
            x[j] = v;
        }
    }

    /// For each `i`, the last index at or before it whose value is below `t` (0 if none).
    pub fn last_below(x: &Array1<f64>, t: f64, out: &mut Array1<usize>) {
        for i in 0..x.len() {
            let mut j = i;
            while j != 0 && x[j] >= t {
                j -= 1;
            }
            out[i] = j;
        }
    }

    /// `j - 1` read after the decrement: at `j = 0` it wraps, and the read fails.
    pub fn after_decrement(x: &Array1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 1..x.len() {
            let mut j = i;
            while j > 0 {
                j -= 1;
                s += x[j - 1];
            }
        }
        s
    }

    /// No `j > 0` in the test: `x[j - 1]` wraps when every value is above `v`.
    pub fn unguarded(x: &Array1<f64>, v: f64) -> usize {
        let mut last = 0;
        for i in 1..x.len() {
            let mut j = i;
            while x[j - 1] > v {
                j -= 1;
            }
            last = j;
        }
        last
    }

    /// Two decrements a pass: `j` wraps from 1 past 0.
    pub fn twice(x: &Array1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 1..x.len() {
            let mut j = i;
            while j > 0 && x[j - 1] > -1.0 {
                s += x[j - 1];
                j -= 1;
                j -= 1;
            }
        }
        s
    }
}

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 1000) as f64 * 0.37 - 150.0
        })
        .collect()
}

#[test]
fn insertion_sorts_match_plain_rust() {
    // The benchmark's insertion sort of rows (examples/kernels), against a stable sort of each row.
    for (n, m) in [(0, 4), (3, 0), (1, 1), (2, 9), (5, 33), (7, 64)] {
        let a = Array2::from_shape_vec((n, m), values(n * m, 3 + m as u64)).unwrap();
        let mut got = a.clone();
        insertion_rows(&mut got).unwrap();
        let mut want = a.clone();
        for mut row in want.rows_mut() {
            row.as_slice_mut()
                .unwrap()
                .sort_by(|x, y| x.partial_cmp(y).unwrap());
        }
        assert_eq!(got, want, "{n}x{m}");
        let b = a.mapv(|v| (v as i32) % 7);
        let mut got = b.clone();
        insertion_rows(&mut got).unwrap();
        let mut want = b.clone();
        for mut row in want.rows_mut() {
            row.as_slice_mut().unwrap().sort();
        }
        assert_eq!(got, want, "{n}x{m} i32");
    }
    for n in [0, 1, 2, 17, 100] {
        let x: Array1<i64> = values(n, 11).iter().map(|v| *v as i64).collect();
        let mut got = x.clone();
        insertion(&mut got).unwrap();
        let mut want = x.clone();
        rs::insertion(&mut want);
        assert_eq!(got, want, "{n}");
    }
    for n in [0, 1, 5, 64] {
        let x = Array1::from(values(n, 5));
        let (mut got, mut want) = (Array1::<usize>::zeros(n), Array1::<usize>::zeros(n));
        last_below(&x, -20.0, &mut got).unwrap();
        rs::last_below(&x, -20.0, &mut want);
        assert_eq!(got, want, "{n}");
    }
}

#[test]
fn down_counted_accesses_are_unchecked() {
    let mut a = Array2::<f64>::zeros((2, 5));
    let ir = crate::kernels::insertion_rows::kernel()
        .typed_ir(&[(&mut a).into_arg()])
        .unwrap();
    // In the fast copy: `v`'s load, the test's load, the shift's load and store, the last store.
    assert_eq!(ir.matches("unchecked a[").count(), 5, "{ir}");
    let mut x = Array1::<i64>::zeros(4);
    let ir = insertion::kernel()
        .typed_ir(&[(&mut x).into_arg()])
        .unwrap();
    assert_eq!(ir.matches("unchecked x[").count(), 5, "{ir}");
}

#[test]
fn wrapping_counters_stay_checked() {
    let x = Array1::from(vec![1.0, 2.0, 3.0]);
    for (name, ir) in [
        (
            "after_decrement",
            after_decrement::kernel().typed_ir(&[(&x).into_arg()]),
        ),
        (
            "unguarded",
            unguarded::kernel().typed_ir(&[(&x).into_arg(), 0.0.into_arg()]),
        ),
        ("twice", twice::kernel().typed_ir(&[(&x).into_arg()])),
    ] {
        let ir = ir.unwrap();
        assert!(!ir.contains("unchecked x[(j - 1_usize)]"), "{name}: {ir}");
    }
    // Plain Rust panics at the wrapped index; rumba returns the bounds error.
    let out_of_bounds = |e: rumba::Error| {
        assert!(format!("{e}").contains("index out of bounds"), "{e}");
    };
    out_of_bounds(after_decrement(&x).unwrap_err());
    out_of_bounds(unguarded(&x, 0.0).unwrap_err());
    out_of_bounds(twice(&x).unwrap_err());
    assert!(std::panic::catch_unwind(|| rs::after_decrement(&x)).is_err());
    assert!(std::panic::catch_unwind(|| rs::twice(&x)).is_err());
    // Where no index wraps, the same values as plain Rust.
    assert_eq!(unguarded(&x, 1.5).unwrap(), rs::unguarded(&x, 1.5));
    let y = Array1::from(vec![-5.0, 2.0, 4.0, 3.0]);
    assert_eq!(twice(&y).unwrap(), rs::twice(&y));
}
