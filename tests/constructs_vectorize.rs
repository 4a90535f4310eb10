//! `#[rumba(vectorize)]` functions (Numba's `@vectorize`): one scalar function called on
//! scalars, and on arrays of any dimension and layout with ndarray 0.17's co-broadcasting
//! across its arguments (a new C-order array, or `f::into` writing an existing one), serial and
//! `parallel`, against the same scalar function applied in plain Rust with ndarray's `mapv` and
//! `Zip`, bit for bit. scripts/test.sh runs this suite again through the reference interpreter
//! (`RUMBA_DISABLE_JIT=1`).

use ndarray::prelude::*;
use ndarray::{s, Zip};
use rumba::{ErrorKind, IntoArg};

rumba::compile! {
    /// SELU, typed.
    #[rumba(vectorize)]
    fn selu(x: f64) -> f64 {
        let alpha = 1.6732632423543772;
        let lambda = 1.0507009873554805;
        if x > 0.0 { lambda * x } else { lambda * alpha * (x.exp() - 1.0) }
    }

    /// Untyped: its element type follows the call.
    #[rumba(vectorize)]
    fn blend(a, b, t) {
        a * (1.0 - t) + b * t.sqrt()
    }

    #[rumba(vectorize, parallel)]
    fn blend_par(a, b, t) {
        a * (1.0 - t) + b * t.sqrt()
    }

    /// A kernel calling the vectorize function on scalars: an ordinary helper call.
    fn selu_sum(x: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += selu(x[i]);
        }
        s
    }

    /// Kernels calling vectorize functions on arrays, as callers from Rust do: elementwise
    /// operators fused with the arithmetic and reductions around them.
    fn ufuncs_inside(x: ArrayView2<f64>, row: ArrayView1<f64>, t: f64) -> (Array2<f64>, Array2<f64>, f64) {
        let y = selu(&x);
        let z = blend(&x, &row, t) * 2.0 + &y;
        let total = selu(&(&x - &row)).sum();
        (y, z, total)
    }

    fn ufunc_nested(x: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
        out.assign(&blend(&blend(&x, 1.5f32, 0.25f32), &x, &x.mapv(f32::abs)));
    }

    /// ndarray's rayon methods over an array of any rank, a row stretched onto it.
    fn par_walks(x, row, mut out, a: f64) {
        Zip::from(&mut out).and(&x).and_broadcast(&row).par_for_each(|o, &v, &r| *o = a * v + r);
        out.par_mapv_inplace(|v| v.abs().sqrt());
    }

    fn ufunc_rows(mut m: ArrayViewMut2<f64>, col: ArrayView2<f64>) {
        for i in prange(0..m.nrows()) {
            let mut r = m.row_mut(i);
            let s = selu(&r.to_owned());
            r.assign(&s);
        }
        let b = blend(&col, 0.5, &m);
        m += &b;
    }
}

fn selu_rs(x: f64) -> f64 {
    let alpha = 1.6732632423543772;
    let lambda = 1.0507009873554805;
    if x > 0.0 {
        lambda * x
    } else {
        lambda * alpha * (x.exp() - 1.0)
    }
}

fn blend_rs(a: f64, b: f64, t: f64) -> f64 {
    a * (1.0 - t) + b * t.sqrt()
}

fn blend_rs32(a: f32, b: f32, t: f32) -> f32 {
    a * (1.0 - t) + b * t.sqrt()
}

fn grid(n: usize, m: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_fn((n, m), |(i, j)| {
        let k = (i * m + j) as u64 * 2654435761 + seed * 40503;
        (k % 1000) as f64 / 125.0 - 4.0
    })
}

fn bits<D: Dimension>(a: &Array<f64, D>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn scalar_calls() {
    for x in [-3.5, -0.0, 0.0, 0.25, 7.0] {
        let y: f64 = selu(x).unwrap();
        assert_eq!(y.to_bits(), selu_rs(x).to_bits());
    }
    let y: f32 = blend(1.5f32, 2.0f32, 0.25f32).unwrap();
    assert_eq!(y.to_bits(), blend_rs32(1.5, 2.0, 0.25).to_bits());
    let x = grid(1, 50, 3).row(0).to_owned();
    let s: f64 = selu_sum(x.view()).unwrap();
    let want = x.iter().fold(0.0, |s, &v| s + selu_rs(v));
    assert_eq!(s.to_bits(), want.to_bits());
}

#[test]
fn every_layout() {
    let x = grid(7, 10, 1);
    let check = |got: ArrayD<f64>, v: ArrayViewD<f64>| {
        let want = v.mapv(selu_rs);
        assert_eq!(got.shape(), want.shape());
        assert!(got.is_standard_layout());
        assert_eq!(bits(&got), bits(&want));
    };
    // 0-D, 1-D, 2-D C and F order, stepped, reversed, transposed, 3-D.
    let zero = arr0(-1.25);
    let got: Array0<f64> = selu(&zero).unwrap();
    check(got.into_dyn(), zero.view().into_dyn());
    let row = x.row(2);
    let got: Array1<f64> = selu(row).unwrap();
    check(got.into_dyn(), row.into_dyn());
    let got: Array2<f64> = selu(&x).unwrap();
    check(got.into_dyn(), x.view().into_dyn());
    let f = x.t().as_standard_layout().into_owned().reversed_axes();
    assert!(f.t().is_standard_layout());
    let got: Array2<f64> = selu(&f).unwrap();
    check(got.into_dyn(), f.view().into_dyn());
    let stepped = x.slice(s![..;2, 1..;3]);
    let got: Array2<f64> = selu(stepped).unwrap();
    check(got.into_dyn(), stepped.into_dyn());
    let reversed = x.slice(s![..;-1, ..;-2]);
    let got: Array2<f64> = selu(reversed).unwrap();
    check(got.into_dyn(), reversed.into_dyn());
    let got: Array2<f64> = selu(x.t()).unwrap();
    check(got.into_dyn(), x.t().into_dyn());
    let cube =
        Array3::from_shape_vec((2, 5, 7), grid(10, 7, 4).into_raw_vec_and_offset().0).unwrap();
    let got: Array3<f64> = selu(&cube).unwrap();
    check(got.into_dyn(), cube.view().into_dyn());
}

/// The same function applied in plain Rust over the co-broadcast of its arguments.
fn blend_zip(a: &ArrayViewD<f64>, b: &ArrayViewD<f64>, t: f64) -> ArrayD<f64> {
    // ndarray's operators co-broadcast: the shape of their result.
    let shape = (&a.mapv(|_| 0.0) + &b.mapv(|_| 0.0)).raw_dim();
    Zip::from(a.broadcast(shape.clone()).unwrap())
        .and(b.broadcast(shape).unwrap())
        .map_collect(|&a, &b| blend_rs(a, b, t))
}

#[test]
fn mixed_ranks_and_scalars_broadcast() {
    let m = grid(4, 6, 2);
    let row = grid(1, 6, 5).row(0).to_owned();
    let col = grid(4, 1, 6);
    let got: Array2<f64> = blend(&m, &row, 0.75).unwrap();
    let want = blend_zip(&m.view().into_dyn(), &row.view().into_dyn(), 0.75);
    assert_eq!(bits(&got.into_dyn()), bits(&want));
    let got: Array2<f64> = blend(&col, &row, 0.5).unwrap();
    let want = blend_zip(&col.view().into_dyn(), &row.view().into_dyn(), 0.5);
    assert_eq!(got.shape(), &[4, 6]);
    assert_eq!(bits(&got.into_dyn()), bits(&want));
    // A scalar first argument and an array of `t`s.
    let t = grid(4, 6, 7).mapv(f64::abs);
    let got: Array2<f64> = blend(2.0, &row, &t).unwrap();
    let want = Zip::from(row.broadcast((4, 6)).unwrap())
        .and(&t)
        .map_collect(|&b, &t| blend_rs(2.0, b, t));
    assert_eq!(bits(&got), bits(&want));
    // A 0-D array broadcasts like a scalar; 0-D with 0-D stays 0-D.
    let z = arr0(0.25);
    let got: Array2<f64> = blend(&m, &z, &t).unwrap();
    let want = Zip::from(&m)
        .and(&t)
        .map_collect(|&a, &t| blend_rs(a, 0.25, t));
    assert_eq!(bits(&got), bits(&want));
    let got: Array0<f64> = blend(&z, 3.0, &z).unwrap();
    assert_eq!(got[()].to_bits(), blend_rs(0.25, 3.0, 0.25).to_bits());
    let mut out = arr0(0.0f64);
    blend::into(&z, 3.0, &z, &mut out).unwrap();
    assert_eq!(out[()].to_bits(), blend_rs(0.25, 3.0, 0.25).to_bits());
}

#[test]
fn kernels_call_vectorize_functions_on_arrays() {
    let x = grid(5, 7, 21);
    let row = grid(1, 7, 22).row(0).to_owned();
    let (y, z, total) = ufuncs_inside(x.view(), row.view(), 0.25).unwrap();
    let want_y = x.mapv(selu_rs);
    let want_z = Zip::from(&x)
        .and_broadcast(&row)
        .map_collect(|&a, &b| blend_rs(a, b, 0.25))
        * 2.0
        + &want_y;
    let want_total = (&x - &row).mapv(selu_rs).sum();
    assert_eq!(bits(&y), bits(&want_y));
    assert_eq!(bits(&z), bits(&want_z));
    assert_eq!(total.to_bits(), want_total.to_bits());

    let v = grid(1, 33, 23).row(0).mapv(|a| a as f32);
    let mut out = Array1::<f32>::zeros(33);
    ufunc_nested(v.view(), out.view_mut()).unwrap();
    let want = Zip::from(&v).map_collect(|&a| blend_rs32(blend_rs32(a, 1.5, 0.25), a, a.abs()));
    assert_eq!(out.mapv(f32::to_bits), want.mapv(f32::to_bits));

    let mut m = grid(6, 4, 24);
    let col = grid(6, 1, 25).mapv(f64::abs);
    let mut want = m.mapv(selu_rs);
    let b = Zip::from(&want)
        .and_broadcast(&col)
        .map_collect(|&m, &c| blend_rs(c, 0.5, m));
    want += &b;
    ufunc_rows(m.view_mut(), col.view()).unwrap();
    assert_eq!(bits(&m), bits(&want));

    // Shapes that do not broadcast: the call's `Err`, naming both.
    let r5 = grid(1, 5, 0).row(0).to_owned();
    let e = ufuncs_inside(x.view(), r5.view(), 0.5).unwrap_err();
    assert_eq!(
        message(e),
        "shapes [5, 7] and [5] do not broadcast together"
    );
}

#[test]
fn f32_arrays_give_f32() {
    let x = grid(5, 8, 9).mapv(|v| (v.abs() as f32) * 0.5);
    let y = grid(5, 8, 10).mapv(|v| v as f32);
    let got: Array2<f32> = blend(&x, &y, &x).unwrap();
    let want = Zip::from(&x)
        .and(&y)
        .map_collect(|&a, &b| blend_rs32(a, b, a));
    let b = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(b(&got), b(&want));
}

#[test]
fn into_writes_an_existing_array() {
    let x = grid(6, 9, 11);
    let mut out = Array2::<f64>::zeros((6, 9));
    selu::into(&x, &mut out).unwrap();
    assert_eq!(bits(&out), bits(&x.mapv(selu_rs)));
    // Into a strided view, its inputs stretched onto it.
    let row = grid(1, 9, 12).row(0).to_owned();
    let mut big = Array2::<f64>::zeros((12, 9));
    let mut view = big.slice_mut(s![..;2, ..]);
    blend::into(&x, &row, 0.5, &mut view).unwrap();
    let want = blend_zip(&x.view().into_dyn(), &row.view().into_dyn(), 0.5);
    assert_eq!(
        bits(&big.slice(s![..;2, ..]).to_owned().into_dyn()),
        bits(&want)
    );
    assert!(big.slice(s![1..;2, ..]).iter().all(|&v| v == 0.0));
    // A scalar alone fills it.
    selu::into(-1.0, &mut out).unwrap();
    assert!(out.iter().all(|&v| v.to_bits() == selu_rs(-1.0).to_bits()));
}

#[test]
fn parallel_gives_the_same_bits() {
    let m = grid(300, 70, 13).mapv(f64::abs);
    let row = grid(1, 70, 14).row(0).to_owned();
    let serial: Array2<f64> = blend(&m, &row, &m).unwrap();
    for k in [1, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .unwrap();
        let par: Array2<f64> = pool.install(|| blend_par(&m, &row, &m)).unwrap();
        assert_eq!(bits(&par), bits(&serial));
        let mut out = Array2::<f64>::zeros((300, 70));
        pool.install(|| blend_par::into(&m, &row, &m, &mut out))
            .unwrap();
        assert_eq!(bits(&out), bits(&serial));
    }
}

/// `blend_par` on `x`, `row` (stretched onto it) and `|x|` (`f(..)` and `f::into`) and
/// `par_walks` on `x` and `row`, against ndarray's serial evaluation, bit for bit.
fn parallel_matches_serial<D: Dimension>(x: ArrayView<f64, D>, row: ArrayView1<f64>) {
    let t = x.mapv(f64::abs);
    let want = Zip::from(&x)
        .and_broadcast(&row)
        .and(&t)
        .map_collect(|&a, &b, &t| blend_rs(a, b, t));
    let got: Array<f64, D> = blend_par(x.view(), row, &t).unwrap();
    assert_eq!(bits(&got), bits(&want), "{:?}", x.shape());
    let mut out = Array::zeros(x.raw_dim());
    blend_par::into(x.view(), row, &t, &mut out).unwrap();
    assert_eq!(bits(&out), bits(&want), "{:?}", x.shape());
    let mut want = Array::zeros(x.raw_dim());
    Zip::from(&mut want)
        .and(&x)
        .and_broadcast(&row)
        .for_each(|o, &v, &r| *o = 0.25 * v + r);
    want.mapv_inplace(|v| v.abs().sqrt());
    let mut out = Array::zeros(x.raw_dim());
    par_walks(x.view(), row, &mut out, 0.25).unwrap();
    assert_eq!(bits(&out), bits(&want), "{:?}", x.shape());
}

/// A parallel walk whose first axis is short runs its `prange` over a later axis (the first of
/// at least 32, or the last): every shape and layout gives ndarray's bits, on three threads.
#[test]
fn parallel_walks_with_a_short_first_axis() {
    let n = 40_000;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    pool.install(|| {
        for (rows, cols) in [(1, n), (2, n), (3, n), (31, 700), (32, 700), (n, 1)] {
            let x = grid(rows, cols, 41);
            parallel_matches_serial(x.view(), grid(1, cols, 42).row(0));
        }
        for shape in [(1, 1, n), (2, 3, n / 4)] {
            let len = shape.0 * shape.1 * shape.2;
            let x = Array3::from_shape_vec(shape, grid(1, len, 43).into_raw_vec_and_offset().0)
                .unwrap();
            parallel_matches_serial(x.view(), grid(1, shape.2, 44).row(0));
        }
        // Strided, reversed and transposed inputs; a column stretched onto a row.
        let wide = grid(2, 2 * n, 45);
        parallel_matches_serial(wide.slice(s![.., ..;2]), grid(1, n, 46).row(0));
        parallel_matches_serial(wide.slice(s![..;-1, ..;-3]), grid(1, 1, 47).row(0));
        parallel_matches_serial(wide.t(), grid(1, 2, 48).row(0));
    });
    // The `prange` of each axis, chosen by its extent.
    let x = grid(2, 8, 49);
    let ir = blend_par::kernel()
        .typed_ir(&[(&x).into_arg(), 0.5.into_arg(), 0.5.into_arg()])
        .unwrap();
    assert!(
        ir.contains("if (dim(") && ir.contains(">= 32_usize)"),
        "{ir}"
    );
    let nested = ir
        .split("prange ")
        .skip(1)
        .any(|after| after.starts_with("each.ax1"));
    assert!(nested, "{ir}");
}

fn message(e: rumba::Error) -> String {
    let ErrorKind::InvalidValue { message, .. } = e.kind() else {
        panic!("{e:#}");
    };
    message.clone()
}

#[test]
fn shapes_that_do_not_broadcast_are_errors() {
    let m = grid(3, 4, 0);
    let r5 = grid(1, 5, 0).row(0).to_owned();
    let e = blend::<Array2<f64>>(&m, &r5, 0.5).unwrap_err();
    assert_eq!(
        message(e),
        "shapes [3, 4] and [5] do not broadcast together"
    );
    let mut out = Array2::<f64>::zeros((3, 5));
    let e = selu::into(&m, &mut out).unwrap_err();
    assert_eq!(
        message(e),
        "could not broadcast an array of shape [3, 4] to shape [3, 5]"
    );
}

/// `f::into::cuda`: the synthesized walk is a grid kernel (one grid-stride loop over all its
/// elements, `passes::flatten`); its PTX assembles (no device is needed for that).
#[test]
fn into_compiles_for_the_gpu() {
    let Some(tk) = crate::gpu::toolkit() else {
        return crate::skip(
            "RUMBA_REQUIRE_PTXAS",
            "no ptxas (scripts/test.sh installs one)",
        );
    };
    let x = grid(4, 8, 1);
    let row = grid(1, 8, 2).row(0).to_owned();
    let mut out = Array2::<f64>::zeros((4, 8));
    let args = [
        (&x).into_arg(),
        (&row).into_arg(),
        0.5.into_arg(),
        (&mut out).into_arg(),
    ];
    for arch in ["sm_80", "sm_90"] {
        match blend::into::kernel().cuda().ptx(&args, arch) {
            Ok(ptx) => crate::gpu::assemble(tk, "blend::into", arch, &ptx),
            Err(e) => match e.kind() {
                ErrorKind::NoCuda { message, .. } => crate::skip("RUMBA_REQUIRE_PTXAS", message),
                _ => panic!("{e:#}"),
            },
        }
    }
}
