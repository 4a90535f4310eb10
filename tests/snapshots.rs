//! Snapshots of what the compiler makes of every example kernel, for one signature each: the
//! typed loop IR and the optimized LLVM IR, on a pinned CPU (x86-64-v3) so they are identical on
//! every machine. One test per kernel (and signature), so that one difference hides no other.
//! Review changes with `cargo insta review` (or read the `.snap.new` files).

use crate::kernels;
use ndarray::{s, Array1, Array2};
use rumba::{IntoArg, Kernel, TargetSpec};

fn check(name: &str, kernel: &Kernel, args: &[rumba::Arg<'_>]) {
    let target = TargetSpec::pinned("x86-64-v3");
    let explained = kernel
        .explain(args, &target)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_snapshot!("snapshots", format!("{name}.ir"), explained.typed_ir);
    assert_snapshot!("snapshots", format!("{name}.ll"), explained.llvm_ir);
}

/// `name: kernel, [arguments];` makes a test `name` that snapshots `kernel` as `name.ir` and
/// `name.ll` for those arguments (given as values: arrays are read-only unless `&mut`).
macro_rules! snapshots {
    ($($name:ident: $kernel:expr, [$($arg:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), $kernel, &[$($arg.into_arg()),*]);
        }
    )*};
}

fn v32() -> Array1<f32> {
    Array1::zeros(4)
}

fn v64() -> Array1<f64> {
    Array1::zeros(4)
}

fn m64() -> Array2<f64> {
    Array2::zeros((4, 4))
}

snapshots! {
    saxpy: kernels::saxpy::kernel(), [2.0f32, &v32(), &mut v32()];
    dot: kernels::dot::kernel(), [&v64(), &v64()];
    dot_fast: kernels::dot_fast::kernel(), [&v64(), &v64()];
    dot_strided: kernels::dot::kernel(), [v64().slice(s![..;2]), &v64()];
    mandelbrot: kernels::mandelbrot::kernel(),
        [&mut Array2::<i32>::zeros((4, 4)), -2.0f64, 1.0f64, -1.0f64, 1.0f64, 100i32];
    jacobi2d: kernels::jacobi2d::kernel(), [&m64(), &mut m64()];
    matmul: kernels::matmul::kernel(), [&m64(), &m64(), &mut m64()];
    pairwise: kernels::pairwise::kernel(), [&v64(), &v64(), &v64()];
    black_scholes: kernels::black_scholes::kernel(),
        [&v64(), &v64(), &v64(), 0.02f64, 0.3f64, &mut v64(), &mut v64()];
    histogram: kernels::histogram::kernel(),
        [&Array1::<u8>::zeros(4), &mut Array1::<i64>::zeros(256)];
    cumsum: kernels::cumsum::kernel(), [&v64(), &mut v64()];
    affine_new: kernels::affine_new::kernel(), [&v64(), 2.0f64, 1.0f64];
    dot_ndarray: kernels::dot_ndarray::kernel(), [&v64(), &v64()];
    kmeans_assign: kernels::kmeans_assign::kernel(),
        [&m64(), &m64(), &mut Array1::<i64>::zeros(4)];
    floyd_warshall: kernels::floyd_warshall::kernel(), [&mut m64()];
    bubble_sort: kernels::bubble_sort::kernel(), [&mut v64()];
    insertion_rows: kernels::insertion_rows::kernel(), [&mut m64()];
    searchsorted: kernels::searchsorted::kernel(),
        [&v64(), &v64(), &mut Array1::<usize>::zeros(4)];
    scan_numbers: kernels::scan_numbers::kernel(), [&Array1::<u8>::zeros(4)];
    median_sort: kernels::median_sort::kernel(), [&v64()];
    running_max: kernels::running_max::kernel(), [&v64(), &mut v64()];
    smooth3: kernels::smooth3::kernel(), [&v64(), &mut v64()];
    conv5: kernels::conv5::kernel(), [&Array1::<f64>::zeros(9), &Array1::<f64>::zeros(5), &mut v64()];
    digit_sums: kernels::digit_sums::kernel(),
        [&Array1::<u64>::zeros(4), &mut Array1::<u64>::zeros(4)];
    sum_last: kernels::sum_last::kernel(),
        [&ndarray::Array3::<f32>::zeros((4, 4, 3)), &mut Array2::<f32>::zeros((4, 4))];
    nbody_step: kernels::nbody_step::kernel(),
        [&mut Array2::<f64>::zeros((4, 3)), &mut Array2::<f64>::zeros((4, 3)), &v64(), 0.01f64];
    blur5: kernels::blur5::kernel(), [&m64(), &mut m64()];
    fixed_array_lanes: fixed_lanes::kernel(), [&v64()];
}

rumba::compile! {
    /// A fixed-size array of running sums: `[N x double]` in the IR, registers after SROA.
    fn fixed_lanes(x: ArrayView1<f64>) -> f64 {
        let mut acc = [0.0; 4];
        let w = [1.0, 2.0, 3.0, 4.0];
        for i in 0..x.len() / 4 {
            for k in 0..4 {
                acc[k] += w[k] * x[4 * i + k];
            }
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3])
    }
}
