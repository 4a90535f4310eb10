//! Snapshots of what the compiler makes of every example kernel, for one signature each: the
//! typed loop IR and the optimized LLVM IR, on a pinned CPU (x86-64-v3) so they are identical on
//! every machine. Review changes with `cargo insta review` (or read the `.snap.new` files).

use crate::kernels;

use ndarray::{Array1, Array2};
use rumba::{IntoArg, Kernel, TargetSpec};

fn check(name: &str, kernel: &Kernel, args: &[rumba::Arg<'_>]) {
    let target = TargetSpec::pinned("x86-64-v3");
    let explained = kernel
        .explain(args, &target)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_snapshot!("snapshots", format!("{name}.ir"), explained.typed_ir);
    assert_snapshot!("snapshots", format!("{name}.ll"), explained.llvm_ir);
}

#[test]
fn example_kernels() {
    let x = Array1::<f32>::zeros(4);
    let mut y = Array1::<f32>::zeros(4);
    check(
        "saxpy",
        kernels::saxpy::kernel(),
        &[2.0f32.into_arg(), (&x).into_arg(), (&mut y).into_arg()],
    );

    let a = Array1::<f64>::zeros(4);
    let b = Array1::<f64>::zeros(4);
    check(
        "dot",
        kernels::dot::kernel(),
        &[(&a).into_arg(), (&b).into_arg()],
    );
    check(
        "dot_fast",
        kernels::dot_fast::kernel(),
        &[(&a).into_arg(), (&b).into_arg()],
    );
    check(
        "dot_strided",
        kernels::dot::kernel(),
        &[a.slice(ndarray::s![..;2]).into_arg(), (&b).into_arg()],
    );

    let mut img = Array2::<i32>::zeros((4, 4));
    let mandel = [
        (&mut img).into_arg(),
        (-2.0f64).into_arg(),
        1.0f64.into_arg(),
        (-1.0f64).into_arg(),
        1.0f64.into_arg(),
        100i32.into_arg(),
    ];
    check("mandelbrot", kernels::mandelbrot::kernel(), &mandel);

    let g = Array2::<f64>::zeros((4, 4));
    let mut h = Array2::<f64>::zeros((4, 4));
    check(
        "jacobi2d",
        kernels::jacobi2d::kernel(),
        &[(&g).into_arg(), (&mut h).into_arg()],
    );

    let mut c = Array2::<f64>::zeros((4, 4));
    check(
        "matmul",
        kernels::matmul::kernel(),
        &[(&g).into_arg(), (&g).into_arg(), (&mut c).into_arg()],
    );
    check(
        "pairwise",
        kernels::pairwise::kernel(),
        &[(&a).into_arg(), (&a).into_arg(), (&a).into_arg()],
    );

    let mut call = Array1::<f64>::zeros(4);
    let mut put = Array1::<f64>::zeros(4);
    let bs = [
        (&a).into_arg(),
        (&a).into_arg(),
        (&a).into_arg(),
        0.02f64.into_arg(),
        0.3f64.into_arg(),
        (&mut call).into_arg(),
        (&mut put).into_arg(),
    ];
    check("black_scholes", kernels::black_scholes::kernel(), &bs);

    let data = Array1::<u8>::zeros(4);
    let mut bins = Array1::<i64>::zeros(256);
    check(
        "histogram",
        kernels::histogram::kernel(),
        &[(&data).into_arg(), (&mut bins).into_arg()],
    );
    let mut out = Array1::<f64>::zeros(4);
    check(
        "cumsum",
        kernels::cumsum::kernel(),
        &[(&a).into_arg(), (&mut out).into_arg()],
    );
}
