//! Array constructs vs rustc/ndarray: `x[i]`, `x[[i, j]]`, `x[[i, j, k]]` read and written on
//! contiguous, transposed, stepped and reversed (negative-stride) arrays, zero-length arrays, every
//! argument form (`Array`, `ArrayView`, `ArrayViewMut`, `&[T]`, `&mut [T]`, `&Vec<T>`) and element
//! type; shape queries; out-of-bounds errors (the right index, length, axis and line, and the array
//! left exactly as written before the failing statement); `unsafe(boundscheck = false)` (its
//! `unsafe fn` wrappers, and the safe `Kernel::call` refusing it) and `fastmath`.

use ndarray::prelude::*;
use ndarray::s;
use std::hint::black_box as bb;

// ---- element types and argument forms, 1-D ----

macro_rules! elem_suite {
    ($m:ident, $t:ident, [$($v:expr),* $(,)?]) => {
        mod $m {
            use super::*;

            twin! {
                pub fn reverse_select(x: ArrayView1<$t>, mut y: ArrayViewMut1<$t>) {
                    let n = x.len();
                    for i in 0..n {
                        if x[i] == x[0] {
                            y[n - 1 - i] = x[i];
                        } else {
                            y[n - 1 - i] = x[0];
                        }
                    }
                }

                pub fn slices(x: &[$t], y: &mut [$t]) -> usize {
                    let mut c = 0;
                    for i in 0..x.len() {
                        y[i] = x[x.len() - 1 - i];
                        if x[i] != y[i] {
                            c += 1;
                        }
                    }
                    c
                }

                pub fn transpose(x: ArrayView2<$t>, mut y: ArrayViewMut2<$t>) {
                    let (n, m) = x.dim();
                    for i in 0..n {
                        for j in 0..m {
                            y[[j, i]] = x[[i, j]];
                        }
                    }
                }
            }

            fn data() -> Vec<$t> {
                vec![$($v),*]
            }

            #[test]
            fn one_d_layouts() {
                let base = Array1::from_vec(data());
                let views = [base.view(), base.slice(s![..;2]), base.slice(s![..;-1]), base.slice(s![1..;3]), base.slice(s![..0])];
                for x in views {
                    let n = x.len();
                    let mut y = Array1::from_elem(n, base[0]);
                    let mut y2 = y.clone();
                    reverse_select(x, y.view_mut()).unwrap();
                    rs::reverse_select(bb(x), y2.view_mut());
                    assert_eq!(y, y2);
                    // Written through a reversed and a stepped mutable view.
                    let mut big = Array1::from_elem(2 * n, base[0]);
                    let mut big2 = big.clone();
                    reverse_select(&x, big.slice_mut(s![..;-2])).unwrap();
                    rs::reverse_select(bb(x), big2.slice_mut(s![..;-2]));
                    assert_eq!(big, big2);
                }
                let v = data();
                let (mut y, mut y2) = (v.clone(), v.clone());
                let c: usize = slices(&v, &mut y).unwrap();
                assert_eq!(c, rs::slices(bb(&v), &mut y2));
                assert_eq!(y, y2);
                let c: usize = slices(&v[..], &mut y[..]).unwrap();
                assert_eq!(c, rs::slices(bb(&v[..]), &mut y2[..]));
                let c: usize = slices(&base, &mut y).unwrap();
                assert_eq!(c, rs::slices(bb(base.as_slice().unwrap()), &mut y2));
                assert_eq!(y, y2);
            }

            #[test]
            fn two_d_layouts() {
                let v = data();
                let n = v.len();
                let a = Array2::from_shape_fn((3, n), |(i, j)| v[(i + j) % n]);
                let xs = [a.view(), a.t(), a.slice(s![..;2, ..;-1]), a.slice(s![1.., 1..]), a.slice(s![..;-1, ..;3])];
                for x in xs {
                    let (r, c) = x.dim();
                    let mut y = Array2::from_elem((c, r), v[0]);
                    let mut y2 = y.clone();
                    transpose(x, y.view_mut()).unwrap();
                    rs::transpose(bb(x), y2.view_mut());
                    assert_eq!(y, y2);
                    // Into a transposed (column-major) destination.
                    let mut z = Array2::from_elem((r, c), v[0]);
                    let mut z2 = z.clone();
                    transpose(x, z.view_mut().reversed_axes()).unwrap();
                    rs::transpose(bb(x), z2.view_mut().reversed_axes());
                    assert_eq!(z, z2);
                }
            }
        }
    };
}

elem_suite!(
    elem_bool,
    bool,
    [true, false, false, true, true, false, true]
);
elem_suite!(elem_u8, u8, [0, 1, 255, 7, 128, 3, 9]);
elem_suite!(elem_i8, i8, [-128, 0, 127, -1, 5, 5, 6]);
elem_suite!(elem_i16, i16, [-300, 0, 300, i16::MIN, i16::MAX, 4, 4]);
elem_suite!(elem_u16, u16, [0, u16::MAX, 1, 2, 3, 1000, 7]);
elem_suite!(elem_i32, i32, [i32::MIN, -1, 0, 1, i32::MAX, 42, 42]);
elem_suite!(elem_u32, u32, [0, u32::MAX, 17, 18, 1 << 31, 3, 3]);
elem_suite!(elem_i64, i64, [i64::MIN, -1, 0, 1, i64::MAX, 1 << 40, 5]);
elem_suite!(elem_u64, u64, [0, u64::MAX, 1 << 63, 1, 2, 2, 9]);
elem_suite!(elem_isize, isize, [isize::MIN, 0, isize::MAX, -7, 7, 8, 8]);
elem_suite!(elem_usize, usize, [0, usize::MAX, 1, 2, 3, 4, 5]);
elem_suite!(
    elem_f32,
    f32,
    [1.5, -0.0, f32::INFINITY, 3.25, 1e-40, -7.0, 1.5]
);
elem_suite!(
    elem_f64,
    f64,
    [1.5, -0.0, f64::NEG_INFINITY, 3.25, 5e-324, -7.0, 1.5]
);

// ---- 2-D and 3-D arithmetic, compound assignment on elements ----

twin! {
    pub fn stencil(x: ArrayView2<f64>, mut y: ArrayViewMut2<f64>) {
        let n = x.nrows();
        let m = x.ncols();
        for i in 1..n - 1 {
            for j in 1..m - 1 {
                y[[i, j]] = 0.25 * (x[[i - 1, j]] + x[[i + 1, j]] + x[[i, j - 1]] + x[[i, j + 1]]);
                y[[i, j]] += x[[i, j]];
                y[[i, j]] *= 0.5;
                y[[i, j]] -= 1.0;
                y[[i, j]] /= 3.0;
            }
        }
    }

    pub fn cube(x: ArrayView3<i32>, mut y: ArrayViewMut3<i32>) -> i64 {
        let (a, b, c) = x.dim();
        let mut s = 0i64;
        for i in 0..a {
            for j in 0..b {
                for k in 0..c {
                    y[[i, j, k]] = x[[i, j, k]] * 10 + x[[a - 1 - i, j, c - 1 - k]];
                    y[[i, j, k]] %= 1000;
                    y[[i, j, k]] <<= 1;
                    s += y[[i, j, k]] as i64 * (i + 2 * j + 3 * k) as i64;
                }
            }
        }
        s
    }

    pub fn tuple_index(x: ArrayView2<f64>, mut y: ArrayViewMut2<f64>) -> f64 {
        let (_, m) = x.dim();
        let mut s = 0.0;
        for j in 0..m {
            s += x[(0, j)] * (j + 1) as f64;
            y[(0, j)] = s;
            y[(1, m - 1 - j)] += x[[1, j]];
        }
        s
    }

    pub fn shapes1(x: ArrayView1<f64>, o: &mut [usize]) {
        o[0] = x.len();
        o[1] = x.shape()[0];
        o[2] = x.dim();
        o[3] = x.ndim();
        o[4] = x.is_empty() as usize;
    }

    pub fn shapes2(x: ArrayView2<f64>, o: &mut [usize]) {
        o[0] = x.len();
        o[1] = x.shape()[0];
        o[2] = x.shape()[1];
        let (n, m) = x.dim();
        o[3] = n;
        o[4] = m;
        o[5] = x.nrows();
        o[6] = x.ncols();
        o[7] = x.ndim();
        o[8] = x.is_empty() as usize;
    }

    pub fn shapes3(x: ArrayView3<u8>, o: &mut [usize]) {
        let (a, b, c) = x.dim();
        o[0] = a * 10000 + b * 100 + c;
        o[1] = x.len();
        o[2] = x.shape()[2];
        o[3] = x.ndim();
        o[4] = x.is_empty() as usize;
    }

    /// 0-D arrays in and out: `x[()]` reads the one element.
    pub fn zero_d(x: ArrayView0<f64>, mut y: ArrayViewMut0<f64>, v: ArrayView1<f64>) -> (f64, Array0<f64>) {
        y[()] = x[()] * 2.0 + v.sum();
        y[()] += 1.0;
        let o = &x * 3.0;
        let s = v.sum_axis(Axis(0));
        (x.sum() + y.sum() + (x.len() + x.ndim()) as f64 + o[()], &s + &x)
    }

    pub fn slice_queries(x: &[i16], o: &mut [usize]) {
        o[0] = x.len();
        o[1] = x.is_empty() as usize;
    }
}

#[test]
fn two_and_three_d() {
    let a = Array2::from_shape_fn((6, 7), |(i, j)| (i * 7 + j) as f64 * 0.37 - 4.0);
    for x in [
        a.view(),
        a.t(),
        a.slice(s![..;-1, ..]),
        a.slice(s![1..;2, ..;-2]),
    ] {
        let mut y = Array2::from_elem(x.dim(), 9.0);
        let mut y2 = y.clone();
        stencil(x, y.view_mut()).unwrap();
        rs::stencil(bb(x), y2.view_mut());
        assert_eq!(y.map(|v| v.to_bits()), y2.map(|v| v.to_bits()));
        let mut y = Array2::from_elem(x.dim(), 9.0).reversed_axes();
        let mut y2 = y.clone();
        stencil(x, y.view_mut().reversed_axes()).unwrap();
        rs::stencil(bb(x), y2.view_mut().reversed_axes());
        assert_eq!(y, y2);
    }
    let c = Array3::from_shape_fn((3, 4, 5), |(i, j, k)| (i * 20 + j * 5 + k) as i32 - 30);
    let permuted = c.view().permuted_axes([2, 0, 1]);
    for x in [
        c.view(),
        c.slice(s![..;-1, .., ..;2]),
        permuted,
        c.slice(s![1..2, ..;3, 2..]),
    ] {
        let mut y = Array3::zeros(x.dim());
        let mut y2 = y.clone();
        let r: i64 = cube(x, y.view_mut()).unwrap();
        assert_eq!(r, rs::cube(bb(x), y2.view_mut()));
        assert_eq!(y, y2);
    }
}

#[test]
fn tuple_indices_and_broadcast_views() {
    let a = Array2::from_shape_fn((2, 5), |(i, j)| (i * 5 + j) as f64 - 3.5);
    let row = Array1::from_vec(vec![1.0, -2.0, 0.5, 8.0, 3.0]);
    // A broadcast view has a zero stride: every row is the same memory.
    for x in [
        a.view(),
        row.broadcast((2, 5)).unwrap(),
        a.slice(s![..;-1, ..;-1]),
    ] {
        let mut y = Array2::from_elem((2, 5), 0.25);
        let mut y2 = y.clone();
        let r = tuple_index(x, y.view_mut()).unwrap();
        assert_eq!(r.to_bits(), rs::tuple_index(bb(x), y2.view_mut()).to_bits());
        assert_eq!(y, y2);
    }
    let col = Array2::from_shape_fn((2, 1), |(i, _)| i as f64 + 0.5);
    let x = col.broadcast((2, 5)).unwrap();
    let mut y = Array2::zeros((2, 5));
    let mut y2 = y.clone();
    tuple_index(x, y.view_mut()).unwrap();
    rs::tuple_index(bb(x), y2.view_mut());
    assert_eq!(y, y2);
}

#[test]
fn zero_dimensional_arrays() {
    let v = Array1::from_vec(vec![0.5, -1.25, 3.0]);
    let x = arr0(1.5);
    let (mut y, mut want_y) = (arr0(0.0f64), arr0(0.0f64));
    let (a, b): (f64, Array0<f64>) = zero_d(x.view(), y.view_mut(), v.view()).unwrap();
    let (wa, wb) = rs::zero_d(x.view(), want_y.view_mut(), v.view());
    assert_eq!(
        (a.to_bits(), b[()].to_bits()),
        (wa.to_bits(), wb[()].to_bits())
    );
    assert_eq!(y[()].to_bits(), want_y[()].to_bits());
}

#[test]
fn shape_queries() {
    let v = Array1::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    for x in [
        v.view(),
        v.slice(s![..;2]),
        v.slice(s![..;-1]),
        v.slice(s![2..2]),
    ] {
        let (mut o, mut o2) = ([9usize; 5], [9usize; 5]);
        shapes1(x, &mut o[..]).unwrap();
        rs::shapes1(bb(x), &mut o2);
        assert_eq!(o, o2);
    }
    let a = Array2::<f64>::zeros((4, 6));
    let e1 = Array2::<f64>::zeros((0, 3));
    let e2 = Array2::<f64>::zeros((3, 0));
    for x in [
        a.view(),
        a.t(),
        a.slice(s![..;3, 1..;2]),
        e1.view(),
        e2.view(),
        e2.t(),
    ] {
        let (mut o, mut o2) = ([9usize; 9], [9usize; 9]);
        shapes2(x, &mut o[..]).unwrap();
        rs::shapes2(bb(x), &mut o2);
        assert_eq!(o, o2);
    }
    let c = Array3::<u8>::zeros((2, 3, 4));
    let e3 = Array3::<u8>::zeros((2, 0, 4));
    for x in [
        c.view(),
        c.view().permuted_axes([1, 2, 0]),
        c.slice(s![.., ..;-1, 1..]),
        e3.view(),
    ] {
        let (mut o, mut o2) = ([9usize; 5], [9usize; 5]);
        shapes3(x, &mut o[..]).unwrap();
        rs::shapes3(bb(x), &mut o2);
        assert_eq!(o, o2);
    }
    for x in [vec![1i16, 2, 3], vec![]] {
        let (mut o, mut o2) = ([9usize; 2], [9usize; 2]);
        slice_queries(&x, &mut o[..]).unwrap();
        rs::slice_queries(bb(&x), &mut o2);
        assert_eq!(o, o2);
    }
}

rumba::compile! {
    fn owned_annotation(x: Array1<f64>, y: &mut [f64]) -> f64 {
        y[0] = x[1];
        x[0] + y[1]
    }

    fn empty_loops(x: ArrayView2<f32>, y: &mut [f32]) -> f32 {
        let mut s = 0.0;
        for i in 0..x.nrows() {
            for j in 0..x.ncols() {
                s += x[[i, j]];
            }
        }
        for i in 0..y.len() {
            y[i] = s;
        }
        s
    }
}

#[test]
fn owned_and_empty_arrays() {
    let x = Array1::from_vec(vec![1.0, 2.0]);
    let mut y = vec![0.0, 10.0];
    assert_eq!(owned_annotation(&x, &mut y).unwrap(), 11.0);
    assert_eq!(y, vec![2.0, 10.0]);
    for shape in [(0, 0), (0, 5), (5, 0)] {
        let e = Array2::<f32>::zeros(shape);
        let mut out: Vec<f32> = vec![];
        assert_eq!(empty_loops(&e, &mut out).unwrap(), 0.0);
        assert_eq!(empty_loops(e.t(), &mut out[..]).unwrap(), 0.0);
    }
}

// ---- out of bounds ----

rumba::compile! {
    fn fill_n(x: &mut [f64], n: usize) {
        for i in 0..n {
            x[i] = i as f64 + 1.0;
        }
    }
}
const FILL_N_LINE: u32 = line!() - 4;

rumba::compile! {
    fn fill_2d(a: ArrayViewMut2<i32>, n: usize, m: usize) {
        for i in 0..n {
            for j in 0..m {
                a[[i, j]] = (i * 10 + j) as i32;
            }
        }
    }
}
const FILL_2D_LINE: u32 = line!() - 5;

rumba::compile! {
    fn statements(y: &mut [i32], x: &[i32], k: usize) {
        y[0] = 1;
        y[1] = x[k];
        y[2] = 3;
        y[k] += 4;
        y[3] = 5;
    }
}
// The line of `y[1] = x[k];`.
const STATEMENTS_LINE: u32 = line!() - 7;

rumba::compile! {
    fn oob_3d(c: ArrayView3<u8>, i: usize, j: usize, k: usize) -> u8 {
        c[[i, j, k]]
    }

    fn oob_in_helper(x: &[f64], i: usize) -> f64 {
        get(x, i) * 2.0
    }

    fn get(x: &[f64], i: usize) -> f64 {
        x[i]
    }
}

#[test]
fn out_of_bounds_reports_index_len_axis_and_line() {
    let mut x = vec![0.0; 4];
    let e = fill_n(&mut x, 6usize).unwrap_err();
    match e.kind() {
        rumba::ErrorKind::OutOfBounds {
            kernel,
            location,
            array,
            axis,
            index,
            len,
            ..
        } => {
            assert_eq!(
                (kernel.as_str(), array.as_str(), *axis, *index, *len),
                ("fill_n", "x", 0, 4, 4)
            );
            assert_eq!(location.line, FILL_N_LINE, "{e}");
            assert!(
                location.file.ends_with("constructs_arrays.rs"),
                "{}",
                location.file
            );
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    // Everything before the failing statement was written.
    assert_eq!(x, vec![1.0, 2.0, 3.0, 4.0]);
    // The kernel (and the process) keep working.
    fill_n(&mut x, 2usize).unwrap();
    fill_n(&mut x[..], 0usize).unwrap();
    assert!(matches!(
        fill_n(&mut Vec::<f64>::new(), 1usize).map_err(rumba::Error::into_kind),
        Err(rumba::ErrorKind::OutOfBounds {
            index: 0,
            len: 0,
            ..
        })
    ));

    let mut a = Array2::<i32>::zeros((3, 2));
    let e = fill_2d(&mut a, 2usize, 3usize).unwrap_err();
    match e.kind() {
        rumba::ErrorKind::OutOfBounds {
            array,
            axis,
            index,
            len,
            location,
            ..
        } => {
            assert_eq!((array.as_str(), *axis, *index, *len), ("a", 1, 2, 2));
            assert_eq!(location.line, FILL_2D_LINE, "{e}");
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    assert_eq!(a, array![[0, 1], [0, 0], [0, 0]]);
    let mut a = Array2::<i32>::zeros((3, 2));
    let e = fill_2d(a.view_mut().reversed_axes(), 3usize, 2usize).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            rumba::ErrorKind::OutOfBounds {
                axis: 0,
                index: 2,
                len: 2,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(a, array![[0, 10], [1, 11], [0, 0]]);

    let x = vec![7, 8];
    let mut y = vec![0; 4];
    let e = statements(&mut y, &x, 2usize).unwrap_err();
    match e.kind() {
        rumba::ErrorKind::OutOfBounds {
            array,
            index,
            len,
            location,
            ..
        } => {
            assert_eq!((array.as_str(), *index, *len), ("x", 2, 2));
            assert_eq!(location.line, STATEMENTS_LINE, "{e}");
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    assert_eq!(y, vec![1, 0, 0, 0]);
    let mut y = vec![0; 2];
    let e = statements(&mut y, &[5, 6, 7][..], 2usize).unwrap_err();
    match e.kind() {
        rumba::ErrorKind::OutOfBounds {
            array,
            index,
            len,
            location,
            ..
        } => {
            assert_eq!((array.as_str(), *index, *len), ("y", 2, 2));
            assert_eq!(location.line, STATEMENTS_LINE + 1, "{e}");
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    assert_eq!(y, vec![1, 7]);
    // A compound assignment fails before it reads or writes anything.
    let mut y = vec![0; 3];
    let e = statements(&mut y, &[5, 6, 7, 8][..], 3usize).unwrap_err();
    match e.kind() {
        rumba::ErrorKind::OutOfBounds {
            array,
            index,
            len,
            location,
            ..
        } => {
            assert_eq!((array.as_str(), *index, *len), ("y", 3, 3));
            assert_eq!(location.line, STATEMENTS_LINE + 2, "{e}");
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    assert_eq!(y, vec![1, 8, 3]);
    let mut y = vec![0; 4];
    statements(&mut y, &[5, 6, 7][..], 2usize).unwrap();
    assert_eq!(y, vec![1, 7, 7, 5]);

    let c = Array3::<u8>::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as u8);
    assert_eq!(oob_3d(&c, 1usize, 2usize, 3usize).unwrap(), 23);
    for (ix, axis, index, len) in [
        ((2, 0, 0), 0, 2, 2),
        ((0, 3, 0), 1, 3, 3),
        ((1, 1, 4), 2, 4, 4),
        ((9, 9, 9), 0, 9, 2),
    ] {
        let e = oob_3d(&c, ix.0 as usize, ix.1 as usize, ix.2 as usize).unwrap_err();
        match e.into_kind() {
            rumba::ErrorKind::OutOfBounds {
                axis: a,
                index: i,
                len: l,
                ..
            } => assert_eq!((a, i, l), (axis, index, len)),
            other => panic!("expected OutOfBounds, got {other:?}"),
        }
    }
    let e = oob_in_helper(&[1.0][..], 1usize).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            rumba::ErrorKind::OutOfBounds {
                index: 1,
                len: 1,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(oob_in_helper(&[1.5][..], 0usize).unwrap(), 3.0);
}

// ---- failures vs Rust's panics: the same error, the same writes before it ----

twin! {
    mod rs_fail;

    pub fn shifted(x: &[f64], y: &mut [f64], n: usize) {
        for i in 0..n {
            y[i] = x[i + 1] * 2.0;
        }
    }

    pub fn reversed(y: &mut [i32], n: usize) {
        for i in (0..n).rev() {
            y[i] = i as i32 + 1;
        }
    }

    pub fn stepped(y: &mut [i32], a: usize, n: usize, k: usize) {
        for i in (a..n).step_by(k) {
            y[i] += 1;
        }
        for i in (a..=n).rev().step_by(k) {
            y[i] *= 3;
        }
    }

    pub fn mirrored(y: &mut [i32], n: usize) {
        for i in 0..n {
            y[n - 1 - i] = i as i32 + 1;
        }
    }

    pub fn underflow(y: &mut [i32], n: usize) {
        for i in 0..n {
            y[i] = 5;
            y[i - 1] += 1;
        }
    }

    pub fn grid(mut a: ArrayViewMut2<i32>, n: usize, m: usize) {
        for i in 0..n {
            for j in 0..m {
                a[[i, j]] = (i * 10 + j) as i32;
                a[[j, i]] += 1;
            }
        }
    }

    pub fn loop_var_changed(y: &mut [i32], n: usize) {
        for mut i in 0..n {
            i += 3;
            y[i] = 1;
        }
        for i in 0..n {
            let j = i * 2;
            y[j] += 2;
        }
        let mut k = 0;
        for i in 0..n {
            y[k] += 4;
            k = i + 5;
        }
    }

    pub fn inclusive(y: &mut [u8], n: usize) {
        for i in 0..=n {
            y[i] = 7;
        }
    }

    pub fn gather(x: &[i32], idx: &[usize], y: &mut [i32]) {
        for i in 0..idx.len() {
            y[i] = x[idx[i]];
        }
    }

    pub fn divide(x: &[i32], y: &mut [i32]) {
        for i in 0..x.len() {
            y[i] = 100 / x[i];
            y[i] += i32::MIN % x[i];
        }
    }

    pub fn step_zero(y: &mut [i32], k: usize) {
        y[0] = 1;
        for i in (0..3).step_by(k) {
            y[i] = 2;
        }
    }

    pub fn clamp_bad(x: &[f64], y: &mut [f64]) {
        for i in 0..x.len() {
            y[i] = x[i].clamp(0.0, x[0]);
        }
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs the Rust twin, catching its panic (without printing it): `Err(())` if it panicked.
fn rust_outcome(f: impl FnOnce()) -> Result<(), ()> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                default(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| ());
    QUIET.with(|q| q.set(false));
    r
}

/// Both succeed, or both fail (rumba with an error, Rust with a panic).
fn same_outcome<T: std::fmt::Debug>(
    rumba: Result<T, rumba::Error>,
    rust: Result<(), ()>,
    what: &str,
) {
    match (&rumba, &rust) {
        (Ok(_), Ok(())) | (Err(_), Err(())) => {}
        _ => panic!("{what}: rumba {rumba:?}, rust {rust:?}"),
    }
}

#[test]
fn failures_leave_the_same_writes_as_rust() {
    let x: Vec<f64> = (0..6).map(|i| i as f64).collect();
    for n in [0, 3, 5, 6, 7] {
        let (mut y, mut y2) = (vec![-1.0; 6], vec![-1.0; 6]);
        let r = shifted(&x, &mut y, n);
        same_outcome(
            r,
            rust_outcome(|| rs_fail::shifted(&x, &mut y2, n)),
            "shifted",
        );
        assert_eq!(y, y2, "shifted n={n}");
    }
    for n in [0, 4, 5, 9] {
        let (mut y, mut y2) = (vec![0; 5], vec![0; 5]);
        same_outcome(
            reversed(&mut y, n),
            rust_outcome(|| rs_fail::reversed(&mut y2, n)),
            "reversed",
        );
        assert_eq!(y, y2, "reversed n={n}");
        let (mut y, mut y2) = (vec![0; 5], vec![0; 5]);
        same_outcome(
            mirrored(&mut y, n),
            rust_outcome(|| rs_fail::mirrored(&mut y2, n)),
            "mirrored",
        );
        assert_eq!(y, y2, "mirrored n={n}");
        let (mut y, mut y2) = (vec![0; 5], vec![0; 5]);
        same_outcome(
            underflow(&mut y, n),
            rust_outcome(|| rs_fail::underflow(&mut y2, n)),
            "underflow",
        );
        assert_eq!(y, y2, "underflow n={n}");
        for len in [3, 5, 9] {
            let (mut y, mut y2) = (vec![0; len], vec![0; len]);
            let r = loop_var_changed(&mut y, n);
            same_outcome(
                r,
                rust_outcome(|| rs_fail::loop_var_changed(&mut y2, n)),
                "loop_var_changed",
            );
            assert_eq!(y, y2, "loop_var_changed n={n} len={len}");
        }
        let (mut y, mut y2) = (vec![0u8; 5], vec![0u8; 5]);
        same_outcome(
            inclusive(&mut y, n),
            rust_outcome(|| rs_fail::inclusive(&mut y2, n)),
            "inclusive",
        );
        assert_eq!(y, y2, "inclusive n={n}");
        for a in [0, 2, 6] {
            for k in [0, 1, 2, 4] {
                let (mut y, mut y2) = (vec![1; 6], vec![1; 6]);
                let r = stepped(&mut y, a, n, k);
                same_outcome(
                    r,
                    rust_outcome(|| rs_fail::stepped(&mut y2, a, n, k)),
                    "stepped",
                );
                assert_eq!(y, y2, "stepped a={a} n={n} k={k}");
            }
        }
    }
    for (n, m) in [(2, 2), (3, 2), (2, 3), (3, 3), (4, 1)] {
        let mut a = Array2::<i32>::zeros((3, 2));
        let mut a2 = a.clone();
        let r = grid(a.view_mut(), n, m);
        same_outcome(
            r,
            rust_outcome(|| rs_fail::grid(a2.view_mut(), n, m)),
            "grid",
        );
        assert_eq!(a, a2, "grid {n}x{m}");
        let mut a = Array2::<i32>::zeros((2, 3));
        let mut a2 = a.clone();
        let r = grid(a.view_mut().reversed_axes(), n, m);
        same_outcome(
            r,
            rust_outcome(|| rs_fail::grid(a2.view_mut().reversed_axes(), n, m)),
            "grid^T",
        );
        assert_eq!(a, a2, "grid^T {n}x{m}");
    }
    let xs = vec![10, 20, 30];
    for idx in [vec![0usize, 2, 1], vec![1, 3, 0], vec![usize::MAX], vec![]] {
        let (mut y, mut y2) = (vec![0; 3], vec![0; 3]);
        same_outcome(
            gather(&xs, &idx, &mut y),
            rust_outcome(|| rs_fail::gather(&xs, &idx, &mut y2)),
            "gather",
        );
        assert_eq!(y, y2, "gather {idx:?}");
    }
    for d in [
        vec![1, 2, 3],
        vec![5, 0, 7],
        vec![3, -1, 2],
        vec![-1],
        vec![7, 9, i32::MIN],
    ] {
        let (mut y, mut y2) = (vec![0; 3], vec![0; 3]);
        same_outcome(
            divide(&d, &mut y),
            rust_outcome(|| rs_fail::divide(&d, &mut y2)),
            "divide",
        );
        assert_eq!(y, y2, "divide {d:?}");
    }
    for k in [0, 1, 2] {
        let (mut y, mut y2) = (vec![0; 3], vec![0; 3]);
        same_outcome(
            step_zero(&mut y, k),
            rust_outcome(|| rs_fail::step_zero(&mut y2, k)),
            "step_zero",
        );
        assert_eq!(y, y2, "step_zero {k}");
    }
    for x in [
        vec![0.5, 0.2, 0.9],
        vec![-1.0, 0.5],
        vec![f64::NAN, 1.0],
        vec![2.0, 3.0, -1.0],
    ] {
        let (mut y, mut y2) = (vec![9.0; 3], vec![9.0; 3]);
        same_outcome(
            clamp_bad(&x, &mut y),
            rust_outcome(|| rs_fail::clamp_bad(&x, &mut y2)),
            "clamp",
        );
        assert_eq!(y, y2, "clamp {x:?}");
    }
}

// ---- unsafe(boundscheck = false), fastmath ----

rumba::compile! {
    #[rumba(unsafe(boundscheck = false))]
    fn unchecked_axpy(a: f64, x: &[f64], y: &mut [f64]) {
        for i in 0..y.len() {
            y[i] += a * x[i];
        }
    }

    #[rumba(unsafe(boundscheck = false))]
    fn unchecked_matvec(m: ArrayView2<f32>, v: &[f32], out: &mut [f32]) {
        for i in 0..m.nrows() {
            let mut s = 0.0;
            for j in 0..m.ncols() {
                s += m[[i, j]] * v[j];
            }
            out[i] = s;
        }
    }

    #[rumba(fastmath)]
    fn fast_dot(x: &[f64], y: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i] * y[i];
        }
        s.sqrt()
    }

    #[rumba(fastmath)]
    fn fast_transcendental(x: &[f64], y: &mut [f64], z: &mut [f32]) {
        for i in 0..x.len() {
            y[i] = x[i].sin() * x[i].exp() + x[i].sqrt() - x[i].ln_1p().powf(1.5);
        }
        for i in 0..x.len() {
            let v = x[i] as f32;
            z[i] = v.cos() / (1.0 + v.tanh().abs()) + v.exp2().log2();
        }
    }

    #[rumba(fastmath, unsafe(boundscheck = false))]
    fn fast_unchecked(x: ArrayView1<f32>) -> f32 {
        let mut m = 0.0;
        for i in 0..x.len() {
            m = m.max(x[i].abs());
        }
        m
    }
}

#[test]
fn kernels_without_checks_run_only_through_unsafe_calls() {
    use rumba::{ErrorKind, IntoArg};
    let x = vec![1.0; 4];
    let mut y = vec![0.0; 4];
    let k = unchecked_axpy::kernel();
    assert!(k.is_unchecked());
    let args = [2.0f64.into_arg(), (&x).into_arg(), (&mut y).into_arg()];
    let e = k.call(&args).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unchecked { .. }), "{e}");
    // SAFETY: `x` is as long as `y`.
    unsafe { k.call_unchecked(&args) }.unwrap();
    assert_eq!(y, vec![2.0; 4], "run once, by `call_unchecked`");
    assert!(!fast_dot::kernel().is_unchecked());
    // A kernel that calls a function without checks has none either; from text as from `compile!`.
    let k = rumba::Kernel::from_source(
        "#[rumba(unsafe(boundscheck = false))]
         fn get(x: &[f64], i: usize) -> f64 { x[i] }
         fn first(x: &[f64]) -> f64 { get(x, 0) }",
        "first",
    );
    assert!(k.is_unchecked());
    let e = k.call(&[(&x).into_arg()]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unchecked { .. }), "{e}");
    // SAFETY: index 0 of a 4-element slice.
    let first: f64 = unsafe { k.call_as_unchecked(&[(&x).into_arg()]) }.unwrap();
    assert_eq!(first, 1.0);
}

#[test]
fn unchecked_and_fastmath_kernels_on_valid_input() {
    let x: Vec<f64> = (0..1000).map(|i| (i % 17) as f64 - 8.0).collect();
    let mut y: Vec<f64> = (0..1000).map(|i| i as f64).collect();
    let mut y2 = y.clone();
    // SAFETY: `x` is as long as `y`, and the loop stops at `y.len()`.
    unsafe { unchecked_axpy(2.0, &x, &mut y) }.unwrap();
    for i in 0..y2.len() {
        y2[i] += 2.0 * x[i];
    }
    assert_eq!(y, y2);
    let m = Array2::from_shape_fn((5, 33), |(i, j)| ((i * 33 + j) % 11) as f32 - 5.0);
    let v: Vec<f32> = (0..33).map(|j| (j % 4) as f32).collect();
    let mut out = vec![0.0f32; 5];
    // SAFETY: `v` has `m.ncols()` elements and `out` has `m.nrows()`.
    unsafe { unchecked_matvec(&m, &v, &mut out) }.unwrap();
    let expect: Vec<f32> = (0..5)
        .map(|i| (0..33).map(|j| m[[i, j]] * v[j]).sum())
        .collect();
    assert_eq!(out, expect);
    let mut out_t = vec![0.0f32; 33];
    let v5 = vec![1.0f32, -1.0, 2.0, 0.0, 0.5];
    // SAFETY: as above, for the transpose (5 columns, 33 rows).
    unsafe { unchecked_matvec(m.t(), &v5, &mut out_t) }.unwrap();
    let expect: Vec<f32> = (0..33)
        .map(|j| (0..5).map(|i| m[[i, j]] * v5[i]).sum())
        .collect();
    assert_eq!(out_t, expect);
    // Small integers: the sum is exact in any order.
    let ones = vec![1.0; 1000];
    let ss: f64 = x.iter().map(|v| v * v).sum();
    assert_eq!(fast_dot(&x, &x).unwrap(), ss.sqrt());
    assert_eq!(fast_dot(&ones, &ones).unwrap(), 1000f64.sqrt());
    // Approximate math (vector libraries, reassociation): close to std, not bit for bit.
    let x: Vec<f64> = (0..257).map(|i| i as f64 * 0.039).collect();
    let (mut y, mut z) = (vec![0.0; x.len()], vec![0.0f32; x.len()]);
    fast_transcendental(&x, &mut y, &mut z).unwrap();
    for i in 0..x.len() {
        let v = x[i];
        let want = v.sin() * v.exp() + v.sqrt() - v.ln_1p().powf(1.5);
        assert!(
            (y[i] - want).abs() <= 1e-12 * want.abs().max(1.0),
            "fastmath f64 at {v}: {} vs {want}",
            y[i]
        );
        let w = v as f32;
        let want = w.cos() / (1.0 + w.tanh().abs()) + w.exp2().log2();
        assert!(
            (z[i] - want).abs() <= 1e-5 * want.abs().max(1.0),
            "fastmath f32 at {w}: {} vs {want}",
            z[i]
        );
    }
    let a = Array1::from_vec(vec![1.0f32, -7.5, 3.0, 2.0]);
    // SAFETY: the loop indexes `x` below `x.len()`.
    unsafe {
        assert_eq!(fast_unchecked(a.view()).unwrap(), 7.5);
        assert_eq!(fast_unchecked(a.slice(s![..;-2])).unwrap(), 7.5);
        assert_eq!(fast_unchecked(a.slice(s![..;2])).unwrap(), 3.0);
    }
}
