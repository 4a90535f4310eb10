//! Whole-array iteration vs rustc/ndarray: `for v in x.iter()`, `iter_mut()` (`*v = ..`,
//! `*v += ..`), `.iter().enumerate()`, `indexed_iter()`, `x.fill(v)`, `y.assign(&x)`,
//! `x.map_inplace(|v| ..)`, `Zip::from(&mut out).and(&a).for_each(|o, &a| ..)` and std's folds of
//! `x.iter()`, each kernel beside the same code in plain Rust, on contiguous, transposed, stepped,
//! reversed and empty arrays of 1 to 3 dimensions (logical order: an order-sensitive float fold
//! shows it bit for bit); shape mismatches as errors; a walk inside `prange` (reads accepted,
//! whole-array writes rejected as races); the errors of unsupported forms; the LLVM IR of `iter()`
//! loops against the index loops'.

use ndarray::prelude::*;
use ndarray::s;
use rumba::{ErrorKind, IntoArg};
use std::hint::black_box as bb;

twin! {
    /// Order-sensitive: each element halves the sum so far.
    pub fn horner1(x: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for v in x.iter() {
            s = s * 0.5 + *v;
        }
        s
    }

    pub fn horner2(x: ArrayView2<f64>) -> f64 {
        let mut s = 0.0;
        for &v in x.iter() {
            s = s * 0.5 + v;
        }
        s
    }

    pub fn horner3(x: ArrayView3<f32>) -> f32 {
        let mut s = 0.0;
        for v in x.iter() {
            if *v < 0.0 {
                continue;
            }
            s = s * 0.5 + v;
        }
        s
    }

    pub fn first_negative(x: ArrayView1<i64>) -> usize {
        let mut at = x.len();
        for (i, &v) in x.iter().enumerate() {
            if v < 0 {
                at = i;
                break;
            }
        }
        at
    }

    pub fn scale(mut y: ArrayViewMut2<f64>, a: f64) {
        for v in y.iter_mut() {
            *v *= a;
            *v += 1.0;
            if *v > 10.0 {
                *v = 10.0;
            }
        }
    }

    pub fn number(x: ArrayView2<f64>, mut out: ArrayViewMut1<f64>) {
        for (i, v) in x.iter().enumerate() {
            out[i] = *v + i as f64;
        }
    }

    pub fn number_mut(mut y: ArrayViewMut2<i32>) {
        for (i, v) in y.iter_mut().enumerate() {
            *v = *v * 100 + i as i32;
        }
    }

    pub fn transpose_weighted(x: ArrayView2<f64>, mut y: ArrayViewMut2<f64>) {
        for ((i, j), v) in x.indexed_iter() {
            y[[j, i]] = *v * (i + 2 * j) as f64;
        }
    }

    pub fn argmax(x: ArrayView1<i32>) -> usize {
        let mut best = 0;
        for (i, &v) in x.indexed_iter() {
            if v > x[best] {
                best = i;
            }
        }
        best
    }

    pub fn stamp3(mut y: ArrayViewMut3<u32>) {
        for ((i, j, k), v) in y.indexed_iter_mut() {
            *v += (i * 100 + j * 10 + k) as u32;
        }
    }

    pub fn fill2(mut y: ArrayViewMut2<f32>, v: f32) {
        y.fill(v * 2.0);
    }

    pub fn roots(mut y: ArrayViewMut1<f64>) {
        y.map_inplace(|v| *v = v.abs().sqrt() + 1.0);
    }

    pub fn axpb(mut out: ArrayViewMut2<f64>, a: ArrayView2<f64>, b: ArrayView2<f64>) {
        Zip::from(&mut out).and(&a).and(&b).for_each(|o, &a, &b| *o = a * 2.0 + b);
        // The same through its full path.
        ndarray::Zip::from(&mut out).and(&a).for_each(|o, &a| *o -= a);
    }

    pub fn accumulate(mut acc: ArrayViewMut1<f64>, x: ArrayView1<f64>) -> f64 {
        let mut total = 0.0;
        Zip::from(&mut acc).and(&x).for_each(|a, &x| {
            *a += x;
            total = total * 0.5 + *a;
        });
        total
    }

    pub fn left_sum(x: ArrayView2<f64>) -> f64 {
        x.iter().sum::<f64>()
    }

    pub fn left_sum32(x: ArrayView1<f32>) -> f32 {
        let s: f32 = x.iter().sum();
        s * 2.0
    }

    pub fn product_plus(x: ArrayView1<i64>) -> i64 {
        3 + x.iter().product::<i64>()
    }

    pub fn max_of(x: ArrayView2<f64>) -> f64 {
        x.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    pub fn min_then_max(x: ArrayView1<f32>) -> f32 {
        x.iter().cloned().fold(f32::INFINITY, f32::min) + x.iter().copied().fold(0.0, f32::max)
    }

    pub fn weighted(x: ArrayView1<f64>) -> f64 {
        x.iter().fold(0.0, |acc, &v| acc * 0.5 + v)
    }

    pub fn count_positive(x: ArrayView2<f64>) -> usize {
        x.iter().fold(0, |n, v| {
            if *v > 0.0 {
                n + 1
            } else {
                n
            }
        })
    }

    /// README's example.
    pub fn normalize(x: ArrayView1<f64>, mut y: ArrayViewMut1<f64>) -> f64 {
        let total = x.iter().sum::<f64>();
        Zip::from(&mut y).and(&x).for_each(|y, &x| *y = x / total);
        y.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    pub fn copy_into(mut y: ArrayViewMut2<f64>, x: ArrayView2<f64>) {
        y.assign(&x);
    }

    pub fn nested(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for a in x.iter() {
            for b in y.iter() {
                s = s * 0.5 + *a * *b;
            }
        }
        s
    }
}

fn grid(n: usize, m: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 - 4.5 + 0.1 * j as f64
    })
}

/// The 2-D layouts a kernel must walk in logical order: C, Fortran (transposed), stepped,
/// reversed on each axis, and empty.
fn views2(a: &Array2<f64>) -> Vec<ArrayView2<'_, f64>> {
    vec![
        a.view(),
        a.t(),
        a.slice(s![..;2, ..]),
        a.slice(s![..;-1, ..]),
        a.slice(s![.., ..;-2]),
        a.slice(s![..0, ..]),
        a.slice(s![1..2, ..]),
    ]
}

#[test]
fn iter_reads_in_logical_order() {
    let base: Array1<f64> = (0..37).map(|i| (i % 5) as f64 * 1.25 - 2.0).collect();
    for x in [
        base.view(),
        base.slice(s![..;3]),
        base.slice(s![..;-1]),
        base.slice(s![..0]),
    ] {
        assert_eq!(horner1(x).unwrap().to_bits(), rs::horner1(bb(x)).to_bits());
    }
    let a = grid(6, 5);
    for x in views2(&a) {
        assert_eq!(
            horner2(x).unwrap().to_bits(),
            rs::horner2(bb(x)).to_bits(),
            "{x:?}"
        );
    }
    let c = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| {
        (i as f32 - 1.0) * (j as f32) - k as f32 * 0.25
    });
    let p = c.clone().permuted_axes([2, 0, 1]);
    for x in [c.view(), p.view(), c.slice(s![..;-1, 1.., ..;2])] {
        assert_eq!(horner3(x).unwrap().to_bits(), rs::horner3(bb(x)).to_bits());
    }
}

#[test]
fn enumerate_and_break() {
    let x = array![3i64, 4, 0, -2, 5, -1];
    assert_eq!(
        first_negative(&x).unwrap(),
        rs::first_negative(bb(x.view()))
    );
    let none = array![1i64, 2];
    assert_eq!(first_negative(&none).unwrap(), 2);
    let a = grid(4, 3);
    for x in views2(&a) {
        let mut out = Array1::zeros(x.len());
        let mut want = out.clone();
        number(x, out.view_mut()).unwrap();
        rs::number(x, want.view_mut());
        assert_eq!(out, want);
    }
    let mut y = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32);
    let mut want = y.clone();
    number_mut(y.view_mut().reversed_axes()).unwrap();
    rs::number_mut(want.view_mut().reversed_axes());
    assert_eq!(y, want);
}

#[test]
fn iter_mut_writes_through() {
    let a = grid(5, 4);
    for x in views2(&a) {
        let mut y = x.to_owned();
        let mut want = y.clone();
        scale(y.view_mut(), 1.5).unwrap();
        rs::scale(want.view_mut(), 1.5);
        assert_eq!(y, want);
    }
    // Through a transposed, reversed mutable view of a bigger array: only its elements change.
    let mut big = grid(6, 6);
    let mut want = big.clone();
    scale(big.slice_mut(s![..;-2, 1..4]).reversed_axes(), 3.0).unwrap();
    rs::scale(want.slice_mut(s![..;-2, 1..4]).reversed_axes(), 3.0);
    assert_eq!(big, want);
}

#[test]
fn indexed_iter_binds_each_axis() {
    let a = grid(4, 6);
    for x in views2(&a) {
        let mut y = Array2::zeros((x.ncols(), x.nrows()));
        let mut want = y.clone();
        transpose_weighted(x, y.view_mut()).unwrap();
        rs::transpose_weighted(x, want.view_mut());
        assert_eq!(y, want);
    }
    let x = array![4, 9, -1, 9, 2];
    assert_eq!(argmax(&x).unwrap(), rs::argmax(bb(x.view())));
    let mut c = Array3::<u32>::ones((2, 3, 4));
    let mut want = c.clone();
    stamp3(c.slice_mut(s![.., ..;-1, ..])).unwrap();
    rs::stamp3(want.slice_mut(s![.., ..;-1, ..]));
    assert_eq!(c, want);
}

#[test]
fn fill_and_map_inplace() {
    let mut y = Array2::<f32>::zeros((5, 7));
    let mut want = y.clone();
    fill2(y.slice_mut(s![1..4;2, ..;-3]), 1.25f32).unwrap();
    rs::fill2(want.slice_mut(s![1..4;2, ..;-3]), 1.25);
    assert_eq!(y, want);
    let mut y: Array1<f64> = (0..19).map(|i| i as f64 - 9.0).collect();
    let mut want = y.clone();
    roots(y.slice_mut(s![..;-2])).unwrap();
    rs::roots(want.slice_mut(s![..;-2]));
    assert_eq!(y, want);
}

#[test]
fn zip_for_each() {
    let a = grid(4, 5);
    let b = grid(5, 4);
    let mut out = Array2::zeros((4, 5));
    let mut want = out.clone();
    axpb(out.view_mut(), a.view(), b.t()).unwrap();
    rs::axpb(want.view_mut(), a.view(), b.t());
    assert_eq!(out, want);
    let x: Array1<f64> = (0..11).map(|i| i as f64 * 0.75).collect();
    let mut acc = Array1::from_elem(11, 0.5);
    let mut acc2 = acc.clone();
    let t = accumulate(acc.view_mut(), x.slice(s![..;-1])).unwrap();
    let t2 = rs::accumulate(acc2.view_mut(), x.slice(s![..;-1]));
    assert_eq!((t.to_bits(), acc), (t2.to_bits(), acc2));
}

#[test]
fn iterator_folds_are_left_folds() {
    // Left to right, from std's identity (`-0.0` for float sums): not ndarray's pairwise `sum()`.
    let a = Array2::from_shape_vec((2, 3), vec![1e16, 1.0, -1e16, 1.0, 0.5, -3.0]).unwrap();
    for x in [a.view(), a.t(), a.slice(s![..;-1, ..0])] {
        assert_eq!(
            left_sum(x).unwrap().to_bits(),
            rs::left_sum(x).to_bits(),
            "{x:?}"
        );
        assert_eq!(max_of(x).unwrap().to_bits(), rs::max_of(x).to_bits());
        assert_eq!(count_positive(x).unwrap(), rs::count_positive(x));
    }
    let e = Array1::<f32>::zeros(0);
    assert!(
        left_sum32(&e).unwrap().is_sign_negative(),
        "an empty float sum is -0.0"
    );
    let x: Array1<f32> = (0..13).map(|i| (i as f32 - 6.0) * 0.1).collect();
    for v in [x.view(), x.slice(s![..;-2])] {
        assert_eq!(
            left_sum32(v).unwrap().to_bits(),
            rs::left_sum32(v).to_bits()
        );
        assert_eq!(
            min_then_max(v).unwrap().to_bits(),
            rs::min_then_max(v).to_bits()
        );
    }
    let y: Array1<f64> = (0..40).map(|i| ((i * 13) % 7) as f64 - 3.0).collect();
    assert_eq!(
        weighted(&y).unwrap().to_bits(),
        rs::weighted(y.view()).to_bits()
    );
    let mut out = Array1::zeros(40);
    let mut want = out.clone();
    let m = normalize(y.view(), out.view_mut()).unwrap();
    assert_eq!(
        m.to_bits(),
        rs::normalize(y.view(), want.view_mut()).to_bits()
    );
    assert_eq!(out, want);
    let i = array![3i64, -2, 5, i64::MAX];
    assert_eq!(
        product_plus(&i).unwrap(),
        rs::product_plus(i.view()),
        "wrapping, as in release"
    );
}

#[test]
fn assign_copies_in_logical_order() {
    let a = grid(4, 5);
    for x in [a.view(), a.slice(s![..;-1, ..;2]), a.t()] {
        let mut big = Array2::from_elem((6, 6), -1.0);
        let mut want = big.clone();
        let (n, m) = x.dim();
        copy_into(big.slice_mut(s![..n;-1, ..m]), x).unwrap();
        rs::copy_into(want.slice_mut(s![..n;-1, ..m]), x);
        assert_eq!(big, want);
    }
    let mut y = Array2::<f64>::zeros((5, 4));
    let e = copy_into(y.view_mut(), a.view()).unwrap_err();
    assert!(
        e.to_string()
            .contains("could not broadcast an array of shape [4, 5] to shape [5, 4]"),
        "{e}"
    );
}

#[test]
fn zip_of_different_shapes_is_an_error() {
    let a = grid(4, 5);
    let b = grid(4, 6);
    let mut out = Array2::<f64>::zeros((4, 5));
    let e = axpb(out.view_mut(), a.view(), b.view()).unwrap_err();
    let ErrorKind::InvalidValue {
        kernel, message, ..
    } = e.kind()
    else {
        panic!("{e:#}");
    };
    assert_eq!(kernel, "axpb");
    assert_eq!(
        message,
        "shape mismatch: `out` has extent 5 on axis 1 but `b` has 6"
    );
    assert!(out.iter().all(|v| *v == 0.0), "nothing written");
    // ndarray panics the same way.
    let caught = std::panic::catch_unwind(move || {
        let mut out = Array2::<f64>::zeros((4, 5));
        rs::axpb(out.view_mut(), a.view(), b.view());
    });
    assert!(caught.is_err());
}

#[test]
fn nested_walks() {
    let x = array![1.5, -2.0, 0.25];
    let y = array![3.0, 0.5];
    let got: f64 = nested(&x, &y).unwrap();
    assert_eq!(got.to_bits(), rs::nested(x.view(), y.view()).to_bits());
}

#[test]
fn walks_in_prange_bodies() {
    // Reads of a whole array in each iteration: accepted, equal to the serial loop.
    let k = rumba::Kernel::from_source(
        "fn k(x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
             for i in prange(0..out.len()) {
                 let mut s = 0.0;
                 for v in x.iter() {
                     s += *v * i as f64;
                 }
                 out[i] = s;
             }
         }",
        "k",
    );
    let x: Array1<f64> = (0..50).map(|i| i as f64).collect();
    let mut out = Array1::<f64>::zeros(64);
    k.call(&[(&x).into_arg(), (&mut out).into_arg()]).unwrap();
    let s: f64 = x.iter().sum();
    for (i, o) in out.iter().enumerate() {
        assert_eq!(*o, s * i as f64);
    }
    // Every iteration writing the whole array: a race, named.
    let k = rumba::Kernel::from_source(
        "fn k(mut y: ArrayViewMut1<f64>, n: usize) {
             for i in prange(0..n) {
                 for v in y.iter_mut() {
                     *v += i as f64;
                 }
             }
         }",
        "k",
    );
    let mut y = Array1::<f64>::zeros(8);
    let e = k
        .call(&[(&mut y).into_arg(), 4usize.into_arg()])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:#}");
    assert!(format!("{e:#}").contains("`y`"), "{e:#}");
}

/// The error of a kernel from text, called with `args`.
fn error_of(src: &str, args: &[rumba::Arg<'_>]) -> String {
    let k = rumba::Kernel::from_source(src, "k");
    let e = k.call(args).unwrap_err();
    format!("{e:#}")
}

#[test]
fn unsupported_forms_are_errors() {
    let x = array![1.0, 2.0];
    let m = Array2::<f64>::zeros((2, 2));
    let mut w = array![1.0, 2.0];
    let cases: [(&str, &str, Vec<rumba::Arg<'_>>); 9] = [
        (
            "fn k(x: ArrayView1<f64>) { for v in x.iter() { *v = 1.0; } }",
            "cannot assign to `*v`, which is behind a `&` reference",
            vec![(&x).into_arg()],
        ),
        (
            "fn k(x) { x.map_inplace(|v| *v = 1.0); }",
            "cannot borrow `x` as mutable: it is a read-only array",
            vec![(&x).into_arg()],
        ),
        (
            "fn k(x) { let f = move |v| v + 1.0; }",
            "`move` closures are not supported",
            vec![(&x).into_arg()],
        ),
        (
            "fn k(x) { for v in x.iter() { x[0] = *v; } }",
            "cannot use an array while a walk borrows it",
            vec![(&mut w).into_arg()],
        ),
        (
            "fn k(x) { for ((i, j), v) in x.indexed_iter() { } }",
            "mismatched types: the index of a 1-D array",
            vec![(&x).into_arg()],
        ),
        (
            "fn k(m) { for v in m.iter() { if *v > 0.0 { break; } } }",
            "`break` out of a walk over a 2-D array is not supported",
            vec![(&m).into_arg()],
        ),
        (
            "fn k(x) { x.map_inplace(|v| { return; }); }",
            "`return` in a closure is not supported",
            vec![(&x).into_arg()],
        ),
        (
            "fn k(x, m) { Zip::from(&x).and(&m).for_each(|&a, &b| { }); }",
            "arrays walked together must have the same number of dimensions",
            vec![(&x).into_arg(), (&m).into_arg()],
        ),
        (
            "fn k(x) { for v in x.iter_mut() { v = 2.0; } }",
            "`v` is a reference to an element",
            vec![(&x).into_arg()],
        ),
    ];
    for (src, want, args) in cases {
        let e = error_of(src, &args);
        assert!(e.contains(want), "{src}\n{e}");
        assert!(e.contains("help:"), "{src}\n{e}");
    }
}

rumba::compile! {
    fn scale_iter(y) {
        for v in y.iter_mut() {
            *v = *v * 2.0 + 1.0;
        }
    }

    fn scale_index(y) {
        for i in 0..y.len() {
            y[i] = y[i] * 2.0 + 1.0;
        }
    }

    fn sum_iter(x) -> f64 {
        let mut s = 0.0;
        for v in x.iter() {
            s += *v;
        }
        s
    }

    fn sum_index(x) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    fn scale2_iter(y) {
        for v in y.iter_mut() {
            *v *= 3.0;
        }
    }

    fn scale2_index(y) {
        let (n, m) = y.dim();
        for i in 0..n {
            for j in 0..m {
                y[[i, j]] *= 3.0;
            }
        }
    }
}

/// The optimized LLVM IR of `k` at the pinned CPU, its kernel's name replaced by `K`.
fn llvm(k: &rumba::Kernel, name: &str, args: &[rumba::Arg<'_>]) -> String {
    let target = rumba::TargetSpec::pinned("x86-64-v3");
    let ir = k.explain(args, &target).unwrap().llvm_ir;
    ir.replace(name, "K")
}

/// The instructions of LLVM IR: without comments and metadata nodes (the loops' hint lists may
/// come in another order).
fn code(ir: &str) -> Vec<String> {
    ir.lines()
        .filter(|l| !l.starts_with('!'))
        .map(|l| l.split(" ;").next().unwrap_or("").trim_end().to_string())
        .collect()
}

/// `line` with the digits that end each `%name` dropped (`%wide.load4` -> `%wide.load`).
fn unnumbered(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '%' {
            continue;
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if !(n.is_alphanumeric() || n == '.' || n == '_') {
                break;
            }
            name.push(n);
            chars.next();
        }
        out.push_str(name.trim_end_matches(|n: char| n.is_ascii_digit()));
    }
    out
}

/// `iter()` / `iter_mut()` loops compile to the vector code of the index loops they stand for
/// (x86-64-v3; 1-D: instruction for instruction; 2-D: the vector instructions), and one is
/// snapshotted.
#[test]
fn iter_loops_compile_to_the_index_loops_code() {
    let x = Array1::<f64>::zeros(4);
    let mut y = Array1::<f64>::zeros(4);
    let mut m = Array2::<f64>::zeros((4, 4));
    let walk = llvm(scale_iter::kernel(), "scale_iter", &[(&mut y).into_arg()]);
    let index = llvm(scale_index::kernel(), "scale_index", &[(&mut y).into_arg()]);
    assert_eq!(code(&walk), code(&index));
    assert_snapshot!("constructs_iter", "scale_iter.ll", walk);
    let walk = llvm(sum_iter::kernel(), "sum_iter", &[(&x).into_arg()]);
    let index = llvm(sum_index::kernel(), "sum_index", &[(&x).into_arg()]);
    assert_eq!(code(&walk), code(&index));
    let walk = llvm(scale2_iter::kernel(), "scale2_iter", &[(&mut m).into_arg()]);
    let index = llvm(
        scale2_index::kernel(),
        "scale2_index",
        &[(&mut m).into_arg()],
    );
    // Over two dimensions the test for an empty inner axis sits elsewhere; the vector code is one
    // (up to the numbers LLVM appends to value names, which count the code before it).
    let vector = |ir: &str| -> Vec<String> {
        code(ir)
            .into_iter()
            .filter(|l| l.contains("<4 x double>"))
            .map(|l| unnumbered(&l))
            .collect()
    };
    assert!(!vector(&walk).is_empty());
    assert_eq!(vector(&walk), vector(&index));
    let typed = scale_iter::kernel()
        .typed_ir(&[(&mut y).into_arg()])
        .unwrap();
    assert_snapshot!("constructs_iter", "scale_iter.ir", typed);
}
