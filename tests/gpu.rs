//! The GPU back end.
//!
//! Without a GPU: the PTX of two kernels is snapshotted (pinned to `sm_80`), every kernel's PTX
//! is assembled by `ptxas` for `sm_80` and `sm_90` (`RUMBA_PTXAS`, which scripts/test.sh sets
//! after installing the `nvidia-cuda-nvcc` Python wheel into `target/py`, or the CUDA toolkit's),
//! and kernels the GPU cannot run are rejected with a diagnostic. Complex kernels (arguments,
//! arithmetic, methods, sums, array reductions, a ufunc, a `#[rumba(cuda)]` kernel) are among
//! them, their PTX checked for its shape (`complex_kernels_compile_for_the_gpu`).
//!
//! With a GPU: every kernel runs on the device and its results
//! are compared with the same kernel on the CPU. Integers must match exactly, and so must floats
//! computed with `+ - * /` and `sqrt` only (no contraction into FMA on either side). Floats that go
//! through transcendental functions (libdevice on the GPU, the C library on the CPU) must agree
//! within [`MATH_ULPS`] ULP, or within [`MATH_ULPS`] machine epsilons of the kernel's working
//! magnitude where cancellation drives a result towards zero.
//!
//! A check without its tool or device prints "skipping" and passes, except under
//! `RUMBA_REQUIRE_PTXAS=1` (ptxas and libdevice; scripts/test.sh) or `RUMBA_REQUIRE_GPU=1` (a
//! device; scripts/gpu-check.sh), where it fails: see [`skip`].

#[path = "../examples/kernels/gpu.rs"]
mod kernels;

use crate::skip;
use kernels::*;
use ndarray::{s, Array1, Array2, ArrayView1};
use num_complex::{Complex32, Complex64};
use rumba::cuda::{self, LaunchConfig};
use rumba::{Error, ErrorKind, IntoArg};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The bound, in ULP, for results of transcendental functions (libdevice vs the host's libm).
const MATH_ULPS: f64 = 16.0;

// ---- tools: ptxas and libdevice (the nvidia-cuda-nvcc wheel, or the CUDA toolkit) ----

pub(crate) struct Toolkit {
    ptxas: PathBuf,
}

/// `ptxas`, and libdevice registered with rumba, from `RUMBA_PTXAS` (scripts/test.sh installs the
/// `nvidia-cuda-nvcc` wheel and sets it) or the CUDA toolkit. `None` when neither is there.
pub(crate) fn toolkit() -> Option<&'static Toolkit> {
    static TOOLKIT: OnceLock<Option<Toolkit>> = OnceLock::new();
    TOOLKIT
        .get_or_init(|| {
            let ptxas = find_ptxas()?;
            // libdevice sits beside ptxas, in the wheel as in the toolkit: bin/../nvvm/libdevice.
            let libdevice = ptxas
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("nvvm/libdevice/libdevice.10.bc"));
            if let Some(l) = libdevice.filter(|l| l.is_file()) {
                cuda::set_libdevice(l);
            }
            Some(Toolkit { ptxas })
        })
        .as_ref()
}

fn find_ptxas() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("RUMBA_PTXAS")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        if let Some(d) = std::env::var_os(var) {
            candidates.push(Path::new(&d).join("bin/ptxas"));
        }
    }
    candidates.push(PathBuf::from("/usr/local/cuda/bin/ptxas"));
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("ptxas")));
    }
    candidates.into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Assembles `ptx` for `arch`; panics with ptxas's message when it rejects it.
pub(crate) fn assemble(tk: &Toolkit, name: &str, arch: &str, ptx: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/ptx");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.{arch}.{}.ptx", std::process::id()));
    std::fs::write(&file, ptx).unwrap();
    let out = Command::new(&tk.ptxas)
        .arg(format!("-arch={arch}"))
        .arg(&file)
        .arg("-o")
        .arg("/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ptxas -arch={arch} rejected `{name}`:\n{}\n{ptx}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&file);
}

// ---- the kernels, with representative arguments ----

struct Data {
    x32: Array1<f32>,
    y32: Array1<f32>,
    x64: Array1<f64>,
    y64: Array1<f64>,
    s: Array1<f32>,
    k: Array1<f32>,
    t: Array1<f32>,
    img: Array2<u32>,
    grid: Array2<f64>,
    ints: Array1<i64>,
    wide: Array2<f64>,
    bins: Array1<u32>,
    codes: Array1<u32>,
}

fn data(n: usize) -> Data {
    let f = |i: usize| ((i * 7919) % 1000) as f64 / 100.0 - 5.0;
    Data {
        x32: Array1::from_shape_fn(n, |i| f(i) as f32),
        y32: Array1::from_shape_fn(n, |i| f(i + 3) as f32),
        x64: Array1::from_shape_fn(n, f),
        y64: Array1::from_shape_fn(n, |i| f(i + 5)),
        s: Array1::from_shape_fn(n, |i| 10.0 + (i % 90) as f32),
        k: Array1::from_shape_fn(n, |i| 20.0 + (i % 70) as f32),
        t: Array1::from_shape_fn(n, |i| 0.25 + (i % 8) as f32 * 0.5),
        img: Array2::zeros((48, 64)),
        grid: Array2::from_shape_fn((40, 50), |(i, j)| ((i * 31 + j * 17) % 23) as f64),
        ints: Array1::from_shape_fn(n, |i| (i as i64 * 48271 % 2147483647) - 1_000_000_000),
        wide: Array2::zeros((n, 8)),
        bins: Array1::zeros(16),
        codes: Array1::from_shape_fn(n, |i| (i * i % 97) as u32),
    }
}

/// Every kernel with its arguments: (name, kernel, args).
fn each_kernel(mut f: impl FnMut(&str, &rumba::Kernel, &[rumba::Arg<'_>])) {
    let mut d = data(100);
    let mut out32 = d.y32.clone();
    let mut out64 = d.y64.clone();
    let (mut call, mut put) = (Array1::<f32>::zeros(100), Array1::<f32>::zeros(100));
    let mut b = d.grid.clone();
    let mut y = Array1::<i64>::zeros(100);
    f(
        "saxpy_f32",
        saxpy::kernel(),
        &[
            2.0f32.into_arg(),
            (&d.x32).into_arg(),
            (&mut out32).into_arg(),
        ],
    );
    f(
        "saxpy_f64",
        saxpy::kernel(),
        &[
            2.0f64.into_arg(),
            (&d.x64).into_arg(),
            (&mut out64).into_arg(),
        ],
    );
    f(
        "black_scholes",
        black_scholes::kernel(),
        &[
            (&d.s).into_arg(),
            (&d.k).into_arg(),
            (&d.t).into_arg(),
            0.02f32.into_arg(),
            0.3f32.into_arg(),
            (&mut call).into_arg(),
            (&mut put).into_arg(),
        ],
    );
    f(
        "mandelbrot",
        mandelbrot::kernel(),
        &[
            (-2.0f32).into_arg(),
            (-1.0f32).into_arg(),
            0.04f32.into_arg(),
            100u32.into_arg(),
            (&mut d.img).into_arg(),
        ],
    );
    f(
        "stencil",
        stencil::kernel(),
        &[(&d.grid).into_arg(), (&mut b).into_arg()],
    );
    f(
        "stencil_rows",
        stencil_rows::kernel(),
        &[(&d.grid).into_arg(), (&mut b).into_arg()],
    );
    f(
        "neighbours",
        neighbours::kernel(),
        &[(&d.grid).into_arg(), (&mut b).into_arg()],
    );
    f(
        "integers",
        integers::kernel(),
        &[(&d.ints).into_arg(), (&mut y).into_arg()],
    );
    f(
        "lang",
        lang::kernel(),
        &[(&d.ints).into_arg(), (&mut y).into_arg()],
    );
    f(
        "math_f64",
        math::kernel(),
        &[(&d.x64).into_arg(), (&mut d.wide).into_arg()],
    );
    let mut wide32 = Array2::<f32>::zeros((100, 8));
    f(
        "math_f32",
        math::kernel(),
        &[(&d.x32).into_arg(), (&mut wide32).into_arg()],
    );
    let mut ys = Array2::<f64>::zeros((100, 3));
    f(
        "strided",
        strided::kernel(),
        &[
            1.5f64.into_arg(),
            d.x64.slice(s![..;2]).into_arg(),
            ys.column_mut(1).into_arg(),
        ],
    );
    f(
        "simt_saxpy",
        simt_saxpy::kernel(),
        &[
            2.0f32.into_arg(),
            (&d.x32).into_arg(),
            (&mut out32).into_arg(),
        ],
    );
    let mut fixed = Array1::<f64>::zeros(100);
    f(
        "fixed_window",
        fixed_window::kernel(),
        &[(&d.x64).into_arg(), (&mut fixed).into_arg()],
    );
    f(
        "histogram",
        histogram::kernel(),
        &[(&d.codes).into_arg(), (&mut d.bins).into_arg()],
    );
    let (mut lo, mut hi, mut sum, mut fmax, mut swapped, mut count) = (
        Array1::<i64>::zeros(1),
        Array1::<i64>::zeros(1),
        Array1::<f64>::zeros(1),
        Array1::<f32>::zeros(1),
        Array1::<i64>::zeros(100),
        Array1::<u64>::zeros(1),
    );
    let atomics_args = [
        (&d.ints).into_arg(),
        (&mut lo).into_arg(),
        (&mut hi).into_arg(),
        (&mut sum).into_arg(),
        (&mut fmax).into_arg(),
        (&mut swapped).into_arg(),
        (&mut count).into_arg(),
    ];
    f("atomics", atomics::kernel(), &atomics_args);
    let (mut counts, mut top, mut flags) = (
        Array1::<u8>::zeros(7),
        Array1::<i16>::zeros(1),
        Array1::<u16>::zeros(5),
    );
    f(
        "narrow_atomics",
        narrow_atomics::kernel(),
        &[
            (&d.codes).into_arg(),
            (&mut counts).into_arg(),
            (&mut top).into_arg(),
            (&mut flags).into_arg(),
        ],
    );
    let mut g2 = d.grid.clone();
    f(
        "grid2d",
        grid2d::kernel(),
        &[(&d.grid).into_arg(), (&mut g2).into_arg()],
    );
    f(
        "dot",
        dot::kernel(),
        &[(&d.x64).into_arg(), (&d.y64).into_arg()],
    );
    f(
        "stats",
        stats::kernel(),
        &[(&d.x64).into_arg(), (&d.ints).into_arg()],
    );
    let bytes = Array1::from_shape_fn(100, |i| (i * 37 % 256) as u8);
    f("narrow", narrow::kernel(), &[(&bytes).into_arg()]);
    let mut sums = Array1::<f64>::zeros(1);
    f(
        "block_sums",
        block_sums::kernel(),
        &[(&d.x64).into_arg(), (&mut sums).into_arg()],
    );
    let mut t32 = Array2::<f32>::zeros((50, 40));
    let g32 = d.grid.mapv(|v| v as f32);
    f(
        "transpose",
        transpose::kernel(),
        &[(&g32).into_arg(), (&mut t32).into_arg()],
    );
    let (mut counts, mut lo, mut hi) = (
        Array1::<u32>::zeros(16),
        Array1::from_elem(16, f64::INFINITY),
        Array1::from_elem(16, f64::NEG_INFINITY),
    );
    f(
        "bin_stats",
        bin_stats::kernel(),
        &[
            (&d.codes).into_arg(),
            (&d.x64).into_arg(),
            (&mut counts).into_arg(),
            (&mut lo).into_arg(),
            (&mut hi).into_arg(),
        ],
    );
    let (mut tmp, mut yr) = (Array1::<f64>::zeros(100), Array1::<f64>::zeros(100));
    f(
        "rotate",
        rotate::kernel(),
        &[
            (&d.x64).into_arg(),
            (&mut tmp).into_arg(),
            (&mut yr).into_arg(),
        ],
    );
    // Complex numbers.
    let z = Array1::from_shape_fn(100, wavy);
    let z32 = z.mapv(c32);
    let (mut zy, mut zp) = (z.clone(), Array2::<f64>::zeros((100, 2)));
    f(
        "complex_arith",
        complex_arith::kernel(),
        &[
            (&z).into_arg(),
            Complex64::new(0.5, -1.5).into_arg(),
            (&mut zy).into_arg(),
            (&mut zp).into_arg(),
        ],
    );
    let (mut zy32, mut zp32) = (z32.clone(), Array2::<f32>::zeros((100, 2)));
    f(
        "complex_arith_c32",
        complex_arith::kernel(),
        &[
            (&z32).into_arg(),
            Complex32::new(0.5, -1.5).into_arg(),
            (&mut zy32).into_arg(),
            (&mut zp32).into_arg(),
        ],
    );
    let mut zw = Array2::<Complex64>::zeros((100, 5));
    f(
        "complex_math",
        complex_math::kernel(),
        &[(&z).into_arg(), (&mut zw).into_arg()],
    );
    let mut zw32 = Array2::<Complex32>::zeros((100, 5));
    f(
        "complex_math_c32",
        complex_math::kernel(),
        &[(&z32).into_arg(), (&mut zw32).into_arg()],
    );
    f("complex_sum", complex_sum::kernel(), &[(&z).into_arg()]);
    f("complex_stats", complex_stats::kernel(), &[(&z).into_arg()]);
    let (mut bins, mut neg) = (Array1::<Complex64>::zeros(3), Array1::<Complex64>::zeros(4));
    f(
        "complex_bins",
        complex_bins::kernel(),
        &[
            (&z).into_arg(),
            (&mut bins).into_arg(),
            (&mut neg).into_arg(),
        ],
    );
    let mut zo = Array2::<Complex64>::zeros((4, 25));
    let z2 = z.clone().into_shape_with_order((4, 25)).unwrap();
    f(
        "cpoly::into",
        cpoly::into::kernel(),
        &[
            (&z2).into_arg(),
            Complex64::new(1.0, 0.5).into_arg(),
            (&mut zo).into_arg(),
        ],
    );
    f(
        "simt_complex",
        simt_complex::kernel(),
        &[
            (&z).into_arg(),
            (&mut zy).into_arg(),
            Complex64::new(0.0, 1.0).into_arg(),
        ],
    );
}

// ---- without a GPU ----

#[test]
fn ptx_snapshots_sm_80() {
    let d = data(4);
    let mut y = d.y32.clone();
    let ptx = saxpy::kernel()
        .cuda()
        .ptx(
            &[2.0f32.into_arg(), (&d.x32).into_arg(), (&mut y).into_arg()],
            "sm_80",
        )
        .unwrap();
    assert_snapshot!("gpu", "ptx_saxpy_f32_sm_80", ptx);
    let mut bins = d.bins.clone();
    let ptx = histogram::kernel()
        .cuda()
        .ptx(&[(&d.codes).into_arg(), (&mut bins).into_arg()], "sm_80")
        .unwrap();
    assert_snapshot!("gpu", "ptx_histogram_sm_80", ptx);
    let ptx = dot::kernel()
        .cuda()
        .ptx(&[(&d.x64).into_arg(), (&d.y64).into_arg()], "sm_80")
        .unwrap();
    assert_snapshot!("gpu", "ptx_dot_f64_sm_80", ptx);
    let a = Array2::<f32>::zeros((4, 3));
    let mut b = Array2::<f32>::zeros((3, 4));
    let ptx = transpose::kernel()
        .cuda()
        .ptx(&[(&a).into_arg(), (&mut b).into_arg()], "sm_80")
        .unwrap();
    assert!(ptx.contains(".shared .align 16 .b8"), "{ptx}");
    assert_snapshot!("gpu", "ptx_transpose_sm_80", ptx);
    // A complex sum: each part shuffled, combined into its own cell and added to the value
    // from before the loop.
    let z = Array1::<Complex64>::zeros(4);
    let ptx = complex_sum::kernel()
        .cuda()
        .ptx(&[(&z).into_arg()], "sm_80")
        .unwrap();
    assert_snapshot!("gpu", "ptx_complex_sum_sm_80", ptx);
}

/// Kernels made from text and dropped in turn, each at the address of the last (the loop's `k`),
/// get their own GPU code: its PTX without a device, its results with one. (The GPU cache was once
/// global and keyed by the kernel's address: every kernel after the first ran the first's code.)
#[test]
fn gpu_code_is_per_kernel() {
    let device = gpu();
    let mut y = Array1::<f64>::zeros(300);
    for i in 0..4 {
        let value = i as f64 + 0.5;
        let source = format!("fn k(y) {{ for j in prange(0..y.len()) {{ y[j] = {value:?}; }} }}");
        let k = rumba::Kernel::from_source(&source, "k");
        let ptx = k.cuda().ptx(&[(&mut y).into_arg()], "sm_80").unwrap();
        // The value is stored as its bits: a 64-bit integer constant.
        let bits = value.to_bits().to_string();
        assert!(
            ptx.contains(&bits),
            "kernel {i} lacks {value} ({bits}):\n{ptx}"
        );
        if device {
            k.cuda().call(&[(&mut y).into_arg()]).unwrap();
            assert!(
                y.iter().all(|&v| v == value),
                "kernel {i} ran other code: {y}"
            );
        }
    }
}

#[test]
fn every_kernel_assembles_for_sm_80_and_sm_90() {
    let Some(tk) = toolkit() else {
        return skip(
            "RUMBA_REQUIRE_PTXAS",
            "no ptxas (RUMBA_PTXAS unset, no CUDA toolkit; scripts/test.sh installs one)",
        );
    };
    let mut checked = 0;
    each_kernel(|name, kernel, args| {
        for arch in ["sm_80", "sm_90"] {
            match kernel.cuda().ptx(args, arch).map_err(Error::into_kind) {
                Ok(ptx) => {
                    assert!(
                        ptx.contains(&format!(".target {arch}")),
                        "{name}: PTX for another target"
                    );
                    assemble(tk, name, arch, &ptx);
                    checked += 1;
                }
                Err(ErrorKind::NoCuda { message, .. }) => skip(
                    "RUMBA_REQUIRE_PTXAS",
                    format!("`{name}` on {arch}: {message}"),
                ),
                Err(e) => panic!("`{name}` for {arch}: {e:?}"),
            }
        }
    });
    println!("ptxas accepted {checked} PTX modules");
}

rumba::compile! {
    /// A ufunc: on 2-D arrays `scaled::into::cuda` walks both axes.
    #[rumba(vectorize)]
    fn scaled(x: f64, a: f64) -> f64 {
        a * x + 1.0
    }

    /// A parallel walk of two arrays, reducing as it goes.
    fn zip_walk(mut y, x, a: f64) -> f64 {
        let mut s = 0.0;
        Zip::from(&mut y).and(&x).par_for_each(|o, &v| {
            *o = a * v + *o;
            s += v;
        });
        s
    }
}

/// A 2-D array whose elements differ.
fn walk2(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| (i * 7 + j * 3) as f64 * 0.5 + 0.25)
}

/// Assembles `kernel`'s PTX for `args` and checks that it recovers counters with a 32-bit
/// `div`/`rem` (a flat walk; the nest had no division).
fn assembles_flat(tk: &Toolkit, name: &str, kernel: &rumba::Kernel, args: &[rumba::Arg<'_>]) {
    for arch in ["sm_80", "sm_90"] {
        match kernel.cuda().ptx(args, arch).map_err(Error::into_kind) {
            Ok(ptx) => {
                assemble(tk, name, arch, &ptx);
                assert!(
                    ptx.contains("div.u32") || ptx.contains("rem.u32"),
                    "{name}: no 32-bit division\n{ptx}"
                );
            }
            Err(ErrorKind::NoCuda { message, .. }) => skip(
                "RUMBA_REQUIRE_PTXAS",
                format!("`{name}` on {arch}: {message}"),
            ),
            Err(e) => panic!("`{name}` for {arch}: {e:?}"),
        }
    }
}

/// A parallel walk over two or three axes is one flat grid-stride loop on the GPU
/// (`passes::flatten`): a 2-D `#[rumba(vectorize)]` `into` and 2-D and 3-D
/// `Zip::par_for_each` walks assemble, and their PTX recovers the counters with a 32-bit
/// `div`/`rem` (LLVM's bypass of the 64-bit division).
#[test]
fn walks_over_two_axes_assemble_as_one_flat_loop() {
    let Some(tk) = toolkit() else {
        return skip(
            "RUMBA_REQUIRE_PTXAS",
            "no ptxas (RUMBA_PTXAS unset, no CUDA toolkit; scripts/test.sh installs one)",
        );
    };
    let x = walk2(4, 8);
    let mut out = Array2::<f64>::zeros((4, 8));
    let args = [(&x).into_arg(), 2.0f64.into_arg(), (&mut out).into_arg()];
    assembles_flat(tk, "scaled::into", scaled::into::kernel(), &args);
    let mut y = walk2(4, 8);
    let args = [(&mut y).into_arg(), (&x).into_arg(), 0.5f64.into_arg()];
    assembles_flat(tk, "zip_walk 2-D", zip_walk::kernel(), &args);
    let x3 = ndarray::Array3::from_shape_fn((2, 3, 5), |(i, j, k)| (i * 15 + j * 5 + k) as f64);
    let mut y3 = x3.clone();
    let args = [(&mut y3).into_arg(), (&x3).into_arg(), 0.5f64.into_arg()];
    assembles_flat(tk, "zip_walk 3-D", zip_walk::kernel(), &args);
}

#[test]
fn math_links_libdevice_and_arithmetic_does_not() {
    let _ = toolkit();
    let d = data(8);
    let mut wide = Array2::<f64>::zeros((8, 8));
    let args = [(&d.x64).into_arg(), (&mut wide).into_arg()];
    match math::kernel()
        .cuda()
        .llvm_ir(&args, "sm_80")
        .map_err(Error::into_kind)
    {
        Ok(ir) => {
            assert!(
                !ir.contains("declare double @__nv_"),
                "libdevice functions left undefined"
            );
            assert!(
                !ir.contains("@llvm.sin") && !ir.contains("@llvm.exp."),
                "LLVM math intrinsics NVPTX cannot select"
            );
        }
        Err(ErrorKind::NoCuda { message, .. }) => {
            assert!(
                message.contains("libdevice.10.bc") && message.contains("looked in"),
                "{message}"
            );
            skip("RUMBA_REQUIRE_PTXAS", message);
        }
        Err(e) => panic!("{e:?}"),
    }
    let mut y = d.y32.clone();
    let ir = saxpy::kernel()
        .cuda()
        .llvm_ir(
            &[2.0f32.into_arg(), (&d.x32).into_arg(), (&mut y).into_arg()],
            "sm_80",
        )
        .unwrap();
    assert!(!ir.contains("__nv_"), "saxpy should not need libdevice");
    assert!(ir.contains("ptx_kernel void @rumba_kernel"), "{ir}");
    // IEEE arithmetic: no contraction into fma unless the kernel asks for fastmath.
    let ptx = saxpy::kernel()
        .cuda()
        .ptx(
            &[2.0f32.into_arg(), (&d.x32).into_arg(), (&mut y).into_arg()],
            "sm_80",
        )
        .unwrap();
    assert!(!ptx.contains("fma."), "{ptx}");
}

rumba::compile! {
    const SHIFT: u32 = 3;

    /// The constructs and methods of issue 16 in a grid loop: `match`, a labelled `continue`,
    /// a `const`, the saturating, rotating and Euclidean methods.
    fn lang(x: &[i64], y: &mut [i64]) {
        'items: for i in prange(0..y.len()) {
            let v = x[i];
            let mut acc = match v.rem_euclid(7) {
                0 => v.saturating_mul(v),
                1 | 2 => v.rotate_left(SHIFT),
                3..=5 => v.div_euclid(3).saturating_sub(i64::MAX),
                _ => v.swap_bytes().wrapping_abs(),
            };
            for k in 0..4 {
                if (acc + k).rem_euclid(5) == 0 {
                    y[i] = acc;
                    continue 'items;
                }
                acc = acc.saturating_add(k);
            }
            y[i] = acc;
        }
    }
}

rumba::compile! {
    fn no_prange(y) {
        for i in 0..y.len() {
            y[i] = 1.0;
        }
    }

    fn store_outside(y) {
        y[0] = 1.0;
        for i in prange(1..y.len()) {
            y[i] = 2.0;
        }
    }

    fn carried(y) {
        let mut c = 0.0;
        for i in prange(0..y.len()) {
            c += 1.0;
            y[i] = c;
        }
    }

    fn private_temp(y) {
        let mut c = 0.0;
        for i in prange(0..y.len()) {
            c = i as f64;
            y[i] = c * 2.0;
        }
    }

    fn reduction(x) {
        let mut s = 0.0;
        for i in prange(0..x.len()) {
            s += x[i];
        }
        s
    }

    /// A complex product reduction: refused on every target (the parts do not combine apart).
    fn complex_product(x) {
        let mut s = Complex64::new(1.0, 0.0);
        for i in prange(0..x.len()) {
            s *= x[i];
        }
        s
    }

    /// A grid kernel returns one scalar at most.
    fn two_sums(x) -> (f64, f64) {
        let mut s = 0.0;
        let mut t = 0.0;
        for i in prange(0..x.len()) {
            s += x[i];
            t -= x[i];
        }
        (s, t)
    }

    /// 128-bit integers stay on the CPU.
    fn wide_sum(x) {
        let mut s = 0i128;
        for i in prange(0..x.len()) {
            s += x[i] as i128;
        }
        s
    }

    fn two_pranges(y) {
        for i in prange(0..y.len()) {
            y[i] = 1.0;
        }
        for i in prange(0..y.len()) {
            y[i] += 1.0;
        }
    }

    fn breaks(y) {
        for i in prange(0..y.len()) {
            if i > 3 {
                break;
            }
            y[i] = 1.0;
        }
    }

    fn fill(y, v: f64) {
        for i in 0..y.len() {
            y[i] = v;
        }
    }

    fn calls_fill(y) {
        fill(y, 0.0);
        for i in prange(0..y.len()) {
            y[i] = 1.0;
        }
    }

    #[rumba(cuda)]
    fn bool_atomic(flags) {
        atomic_exchange(flags, 0, true);
    }

    fn guarded(y, n: usize) {
        if n > y.len() {
            return;
        }
        for i in prange(0..n) {
            y[i] = 3.0;
        }
    }

    fn heap_scratch(y) {
        for i in prange(0..y.len()) {
            let t = vec![1.0; 4];
            y[i] = t[0];
        }
    }
}

rumba::compile! {
    /// Fixed-size arrays in GPU code (issue 14 item 7): a weights literal, a scratch window per
    /// thread, a copy, one in a tuple.
    fn fixed_window(x: &[f64], y: &mut [f64]) {
        for i in prange(0..y.len()) {
            let w = [0.25, 0.5, 0.25];
            let mut win = [0.0; 3];
            for k in 0..3 {
                if i + k < x.len() {
                    win[k] = x[i + k];
                }
            }
            let mut c = win;
            c[0] = 0.0;
            let t = (win, c[1]);
            y[i] = w[0] * t.0[0] + w[1] * t.0[1] + w[2] * t.0[2] + t.1;
        }
    }
}

rumba::compile! {
    /// Complex numbers in a grid loop (issue 16): a complex scalar argument, complex array
    /// elements read and written, locals, `+ - * /` with complex and real operands, `conj`,
    /// `norm_sqr`, `powi` (multiplications), `Complex::new`, parts read and written. Only
    /// IEEE arithmetic: the GPU's results equal the CPU's bit for bit.
    fn complex_arith(x, k, y, parts) {
        for i in prange(0..y.len()) {
            let z = x[i];
            let mut w = z * k - z.conj() / (k + 1.0) + 2.0 * Complex::new(z.im, -z.re);
            w.im += 0.5;
            y[i] = w + z.powi(3) - z.powi(-2);
            parts[[i, 0]] = w.re;
            parts[[i, 1]] = w.im * z.norm_sqr();
        }
    }

    /// The complex methods that call libdevice on the GPU (through `f64::exp`, `ln`, `sqrt`,
    /// `powf`, `hypot`, `atan2`, `sin`, `cos` in the prelude): one column each.
    fn complex_math(x, y) {
        for i in prange(0..x.len()) {
            let z = x[i];
            y[[i, 0]] = z.exp();
            y[[i, 1]] = z.ln();
            y[[i, 2]] = z.sqrt();
            y[[i, 3]] = z.powf(0.75);
            y[[i, 4]] = Complex::new(z.norm(), z.arg());
        }
    }

    /// A complex sum over a grid loop: each part a float sum, returned.
    fn complex_sum(x) {
        let mut s = Complex64::new(0.0, 0.0);
        for i in prange(0..x.len()) {
            s += x[i];
        }
        s
    }

    /// Two complex reductions (`+=` of a product, `-=` of a real) beside a float maximum (five
    /// state cells), from values before the loop, and complex code after it.
    fn complex_stats(x) -> Complex64 {
        let mut s = Complex64::new(1.0, -2.0);
        let mut t = Complex64::new(0.5, 0.0);
        let mut m = 0.0;
        for i in prange(0..x.len()) {
            let z = x[i];
            s += z * z;
            t -= z.re;
            m = m.max(z.norm_sqr());
        }
        s + t * m
    }

    /// Complex array reductions: `+=` of complex values, `-=` of real ones (atomic float
    /// additions on the GPU: two per complex update, one for a real value).
    fn complex_bins(y, bins, neg) {
        for i in prange(0..y.len()) {
            bins[i % 3] += y[i];
            neg[i % 4] -= y[i].re;
        }
    }

    /// A complex ufunc: `cpoly::into::cuda` is a grid kernel over complex arrays.
    #[rumba(vectorize)]
    fn cpoly(z: Complex64, w: Complex64) -> Complex64 {
        z * z * w + z.conj() - w / 2.0
    }

    /// A `#[rumba(cuda)]` kernel on complex arrays, with a block-shared array of them.
    #[rumba(cuda)]
    fn simt_complex(x, y, k) {
        let tile = shared_array::<Complex64>(128);
        let t = thread_idx_x();
        let i = block_idx_x() * block_dim_x() + t;
        if t < 128 && i < y.len() {
            tile[t] = x[i] * k;
        }
        sync_threads();
        if t < 128 && i < y.len() {
            y[i] = tile[t] + y[i].conj();
        }
    }

    /// No single atomic updates a complex element.
    #[rumba(cuda)]
    fn complex_atomic(y, z) {
        atomic_add(y, 0, z);
    }
}

/// Complex elements whose sums, and sums of products, are exact in any order (multiples of
/// 1/4 of a few units), so that GPU and CPU reductions agree bit for bit.
fn dyadic(k: usize) -> Complex64 {
    Complex64::new((k % 7) as f64 - 3.0, (k % 5) as f64 * 0.5 - 1.0)
}

/// Complex elements of a few units, none zero, with parts that have all their bits.
fn wavy(k: usize) -> Complex64 {
    let t = k as f64 * 0.37;
    Complex64::new(2.0 * t.sin() + 0.01, 1.5 * (t * 1.3).cos() - 0.02)
}

fn c32(z: Complex64) -> Complex32 {
    Complex32::new(z.re as f32, z.im as f32)
}

/// The parts' bits (`-0.0` is not `0.0` here).
fn cbits(z: Complex64) -> (u64, u64) {
    (z.re.to_bits(), z.im.to_bits())
}

fn cbits32(z: Complex32) -> (u32, u32) {
    (z.re.to_bits(), z.im.to_bits())
}

/// Complex kernels compile for the GPU (no device needed): complex scalar parameters as two
/// float parameters, a complex sum shuffled and combined part by part into its own two cells,
/// complex array reductions as two atomic float additions per update, libdevice for the
/// transcendental methods; every module assembles (`every_kernel_assembles_for_sm_80_and_sm_90`
/// runs them all through `ptxas`).
#[test]
fn complex_kernels_compile_for_the_gpu() {
    let _ = toolkit();
    let x = Array1::from_shape_fn(8, dyadic);
    let mut y = x.clone();
    let mut parts = Array2::<f64>::zeros((8, 2));
    let ir = complex_arith::kernel()
        .cuda()
        .llvm_ir(
            &[
                (&x).into_arg(),
                Complex64::new(0.5, -1.5).into_arg(),
                (&mut y).into_arg(),
                (&mut parts).into_arg(),
            ],
            "sm_80",
        )
        .unwrap();
    let entry = ir
        .lines()
        .find(|l| l.contains("ptx_kernel void @rumba_kernel"))
        .expect("the kernel");
    // x: pointer and extent; k: two doubles; y; parts: pointer, two extents; err.
    assert!(
        entry.contains("i64 %1, double %2, double %3, ptr"),
        "{entry}"
    );
    assert!(
        !ir.contains("__nv_"),
        "complex arithmetic needs no libdevice"
    );
    let ptx = complex_sum::kernel()
        .cuda()
        .ptx(&[(&x).into_arg()], "sm_80")
        .unwrap();
    // Five shuffle steps of two 32-bit halves, per part.
    assert_eq!(ptx.matches("shfl.sync.bfly.b32").count(), 20, "{ptx}");
    let atomics = |ptx: &str| {
        ptx.matches("atom.global.add.f64").count() + ptx.matches("red.global.add.f64").count()
    };
    assert_eq!(atomics(&ptx), 2, "{ptx}");
    let (mut bins, mut neg) = (Array1::<Complex64>::zeros(3), Array1::<Complex64>::zeros(4));
    let ptx = complex_bins::kernel()
        .cuda()
        .ptx(
            &[
                (&x).into_arg(),
                (&mut bins).into_arg(),
                (&mut neg).into_arg(),
            ],
            "sm_80",
        )
        .unwrap();
    assert_eq!(atomics(&ptx), 3, "{ptx}");
    let mut wide = Array2::<Complex64>::zeros((8, 5));
    match complex_math::kernel()
        .cuda()
        .llvm_ir(&[(&x).into_arg(), (&mut wide).into_arg()], "sm_80")
        .map_err(Error::into_kind)
    {
        Ok(ir) => {
            assert!(
                !ir.contains("declare double @__nv_"),
                "libdevice left undefined"
            );
            assert!(
                !ir.contains("@llvm.sin") && !ir.contains("@llvm.exp."),
                "{ir}"
            );
        }
        Err(ErrorKind::NoCuda { message, .. }) => skip("RUMBA_REQUIRE_PTXAS", message),
        Err(e) => panic!("{e:?}"),
    }
    // Complex32 parameters: two floats.
    let x32 = x.mapv(c32);
    let mut y32 = x32.clone();
    let ir = complex_arith::kernel()
        .cuda()
        .llvm_ir(
            &[
                (&x32).into_arg(),
                Complex32::new(0.5, -1.5).into_arg(),
                (&mut y32).into_arg(),
                (&mut Array2::<f32>::zeros((8, 2))).into_arg(),
            ],
            "sm_80",
        )
        .unwrap();
    assert!(ir.contains("float %2, float %3, ptr"), "{ir}");
}

/// Why a kernel cannot run on the GPU: a GPU diagnostic of `plan`, or a `prange` rule that
/// every target shares (a type error).
fn plan_error(kernel: &rumba::Kernel, y: &mut Array1<f64>) -> String {
    match kernel
        .cuda()
        .ptx(&[y.into_arg()], "sm_80")
        .map_err(Error::into_kind)
    {
        Err(ErrorKind::Cuda {
            message, location, ..
        }) => {
            assert!(location.is_some(), "{message}");
            println!("{message}");
            message
        }
        Err(ErrorKind::Type { message, .. }) => {
            println!("{message}");
            message
        }
        other => panic!("expected a GPU diagnostic, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn kernels_the_gpu_cannot_run_are_explained() {
    let mut y = Array1::<f64>::zeros(8);
    assert!(plan_error(no_prange::kernel(), &mut y).contains("no `prange` loop"));
    assert!(plan_error(store_outside::kernel(), &mut y)
        .contains("store to `y` outside the `prange` loop"));
    assert!(plan_error(carried::kernel(), &mut y).contains("`c` is a reduction variable"));
    assert!(plan_error(private_temp::kernel(), &mut y)
        .contains("`c` is declared outside this `prange` loop and assigned inside it"));
    assert!(plan_error(two_pranges::kernel(), &mut y).contains("one outermost `prange`"));
    assert!(plan_error(breaks::kernel(), &mut y).contains("`break` out of a `prange` loop"));
    assert!(plan_error(calls_fill::kernel(), &mut y).contains("call of `fill`"));
    assert!(plan_error(heap_scratch::kernel(), &mut y).contains("GPU code cannot allocate arrays"));
    assert!(plan_error(two_sums::kernel(), &mut y).contains("returns a tuple"));
    assert!(plan_error(wide_sum::kernel(), &mut y)
        .contains("`i128` and `u128` are not supported on the GPU"));
    // Complex numbers run on the GPU (`complex_kernels_compile_for_the_gpu`), but a product
    // reduction is refused there as on the CPU, and an atomic on a complex element.
    let mut z = Array1::from_elem(4, Complex64::new(1.0, 0.5));
    match complex_product::kernel()
        .cuda()
        .ptx(&[(&z).into_arg()], "sm_80")
        .map_err(Error::into_kind)
    {
        Err(ErrorKind::Type { message, .. }) => {
            assert!(
                message.contains("`s` is a complex product reduction"),
                "{message}"
            )
        }
        other => panic!("expected a type error, got {:?}", other.map(|_| ())),
    }
    assert!(complex_product::<Complex64>(&z).is_err());
    match complex_atomic::kernel()
        .cuda()
        .ptx(
            &[(&mut z).into_arg(), Complex64::new(1.0, 0.0).into_arg()],
            "sm_80",
        )
        .map_err(Error::into_kind)
    {
        Err(ErrorKind::Type { message, .. }) => {
            assert!(
                message.contains("`atomic_add` is not supported on arrays of `Complex<f64>`"),
                "{message}"
            )
        }
        other => panic!("expected a type error, got {:?}", other.map(|_| ())),
    }
    let mut flags = Array1::from_elem(4, false);
    match bool_atomic::kernel()
        .cuda()
        .ptx(&[(&mut flags).into_arg()], "sm_80")
        .map_err(Error::into_kind)
    {
        Err(ErrorKind::Type { message, .. }) => {
            assert!(
                message.contains("not supported on arrays of `bool`"),
                "{message}"
            )
        }
        other => panic!("expected a type error, got {:?}", other.map(|_| ())),
    }
    // Accepted: a reduction, and code around the loop without effects.
    let ptx = reduction::kernel()
        .cuda()
        .ptx(&[(&y).into_arg()], "sm_80")
        .unwrap();
    assert!(ptx.contains("shfl.sync.bfly"), "{ptx}");
    guarded::kernel()
        .cuda()
        .ptx(&[(&mut y).into_arg(), 8usize.into_arg()], "sm_80")
        .unwrap();
    // The CPU applies the same rules (tests/prange.rs), and runs the others.
    match carried(&mut y).map_err(Error::into_kind) {
        Err(ErrorKind::Type { message, .. }) => {
            assert!(message.contains("`c` is a reduction variable"), "{message}")
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    breaks(&mut y).unwrap_err();
    guarded(&mut y, 8usize).unwrap();
    assert_eq!(y[7], 3.0);
}

#[test]
fn simt_kernels_do_not_run_on_the_cpu() {
    let d = data(4);
    let mut y = d.y32.clone();
    let e = simt_saxpy::kernel()
        .call(&[2.0f32.into_arg(), (&d.x32).into_arg(), (&mut y).into_arg()])
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Cuda { message, .. } if message.contains("runs on the GPU only")),
        "{e}"
    );
}

#[test]
fn gpu_builtins_need_the_cuda_attribute() {
    let errors =
        rumba_compiler::front::lower_source("fn f(y) { let i = thread_idx_x(); y[i] = 1.0; }")
            .unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("only available in `#[rumba(cuda)]` functions"),
        "{}",
        errors[0].message
    );
    let errors =
        rumba_compiler::front::lower_source("#[rumba(cuda)] fn f(y) { atomic_add(y, 0); }")
            .unwrap_err();
    assert!(
        errors[0].message.contains("takes 3 arguments"),
        "{}",
        errors[0].message
    );
}

#[test]
fn no_device_is_a_clean_error() {
    if cuda::is_available() {
        println!("a CUDA device is present: nothing to check");
        return;
    }
    let d = data(4);
    let mut y = d.y32.clone();
    let e = saxpy::cuda(2.0f32, &d.x32, &mut y).unwrap_err();
    match e.kind() {
        ErrorKind::NoCuda { kernel, message } => {
            assert_eq!(kernel, "saxpy");
            println!("{e}");
            assert!(!message.is_empty());
        }
        other => panic!("expected NoCuda, got {other:?}"),
    }
    assert_eq!(y, d.y32, "arguments untouched");
    match cuda::DeviceArray::<f32, _>::zeros(4).map_err(Error::into_kind) {
        Err(ErrorKind::NoCuda { .. }) => {}
        other => panic!("expected NoCuda, got {other:?}"),
    }
}

// ---- on the GPU: results compared with the CPU ----

fn gpu() -> bool {
    match cuda::device() {
        Ok(dev) => {
            // Kernels with transcendental functions need libdevice: the wheel's, when installed.
            let _ = toolkit();
            let _ = dev;
            true
        }
        Err(e) => {
            skip("RUMBA_REQUIRE_GPU", e);
            false
        }
    }
}

fn ulps_f64(a: f64, b: f64) -> f64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0.0;
    }
    let m = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    (a - b).abs() / (m * f64::EPSILON)
}

fn ulps_f32(a: f32, b: f32) -> f64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0.0;
    }
    let m = a.abs().max(b.abs()).max(f32::MIN_POSITIVE);
    ((a - b).abs() / (m * f32::EPSILON)) as f64
}

/// `a` and `b` agree within `ulps` ULP, or within `ulps` epsilons of `scale` (cancellation).
fn close_f32(what: &str, a: ArrayView1<f32>, b: ArrayView1<f32>, ulps: f64, scale: f32) {
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let ok = ulps_f32(*x, *y) <= ulps
            || ((x - y).abs() as f64) <= ulps * (scale * f32::EPSILON) as f64;
        assert!(
            ok,
            "{what}[{i}]: GPU {x} vs CPU {y} ({} ULP)",
            ulps_f32(*x, *y)
        );
    }
}

fn close_f64(what: &str, a: ArrayView1<f64>, b: ArrayView1<f64>, ulps: f64, scale: f64) {
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let ok = ulps_f64(*x, *y) <= ulps || (x - y).abs() <= ulps * scale * f64::EPSILON;
        assert!(
            ok,
            "{what}[{i}]: GPU {x} vs CPU {y} ({} ULP)",
            ulps_f64(*x, *y)
        );
    }
}

#[test]
fn grid_kernels_match_the_cpu() {
    if !gpu() {
        return;
    }
    let n = 100_003;
    let d = data(n);
    // saxpy: exact.
    let (mut g, mut c) = (d.y32.clone(), d.y32.clone());
    saxpy::cuda(2.5f32, &d.x32, &mut g).unwrap();
    saxpy(2.5f32, &d.x32, &mut c).unwrap();
    assert_eq!(g, c);
    let (mut g, mut c) = (d.y64.clone(), d.y64.clone());
    saxpy::kernel()
        .cuda()
        .block(64)
        .grid(3)
        .call(&[
            (-1.25f64).into_arg(),
            (&d.x64).into_arg(),
            (&mut g).into_arg(),
        ])
        .unwrap();
    saxpy(-1.25f64, &d.x64, &mut c).unwrap();
    assert_eq!(g, c);
    // Integers: exact.
    let (mut g, mut c) = (Array1::<i64>::zeros(n), Array1::<i64>::zeros(n));
    integers::cuda(&d.ints, &mut g).unwrap();
    integers(&d.ints, &mut c).unwrap();
    assert_eq!(g, c);
    // Array reductions (atomics on the GPU): counts, minima and maxima per bin, exact.
    let fresh = || {
        (
            Array1::<u32>::zeros(16),
            Array1::from_elem(16, f64::INFINITY),
            Array1::from_elem(16, f64::NEG_INFINITY),
        )
    };
    let (mut g, mut c) = (fresh(), fresh());
    bin_stats::cuda(&d.codes, &d.x64, &mut g.0, &mut g.1, &mut g.2).unwrap();
    bin_stats(&d.codes, &d.x64, &mut c.0, &mut c.1, &mut c.2).unwrap();
    assert_eq!(g, c);
    // Mandelbrot: iteration counts, exact (IEEE single precision, no contraction, on both).
    let (mut g, mut c) = (
        Array2::<u32>::zeros((300, 400)),
        Array2::<u32>::zeros((300, 400)),
    );
    mandelbrot::cuda(-2.2f32, -1.2f32, 0.008f32, 200u32, &mut g).unwrap();
    mandelbrot(-2.2f32, -1.2f32, 0.008f32, 200u32, &mut c).unwrap();
    assert_eq!(g, c);
    // Stencil: exact.
    let a = Array2::from_shape_fn((301, 257), |(i, j)| ((i * 31 + j * 17) % 23) as f32 * 0.5);
    let (mut g, mut c) = (a.clone(), a.clone());
    stencil::cuda(&a, &mut g).unwrap();
    stencil(&a, &mut c).unwrap();
    assert_eq!(g, c);
    let (mut g, mut c) = (a.clone(), a.clone());
    stencil_rows::cuda(&a, &mut g).unwrap();
    stencil_rows(&a, &mut c).unwrap();
    assert_eq!(g, c);
    let (mut g, mut c) = (a.clone(), a.clone());
    neighbours::cuda(&a, &mut g).unwrap();
    neighbours(&a, &mut c).unwrap();
    assert_eq!(g, c);
    // Strided views in and out, a reversed stepped range.
    let x = Array1::from_shape_fn(2 * n, |i| i as f64 * 0.5);
    let (mut g, mut c) = (
        Array2::<f64>::from_elem((n, 3), -1.0),
        Array2::<f64>::from_elem((n, 3), -1.0),
    );
    strided::cuda(1.5f64, x.slice(s![..;2]), g.column_mut(1)).unwrap();
    strided(1.5f64, x.slice(s![..;2]), c.column_mut(1)).unwrap();
    assert_eq!(g, c, "only column 1's stepped elements change");
    // Fixed-size arrays per thread: exact.
    let (mut g, mut c) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
    fixed_window::cuda(&d.x64, &mut g).unwrap();
    fixed_window(&d.x64, &mut c).unwrap();
    assert_eq!(g, c);
}

/// Flat walks (`passes::flatten`) on the GPU give the CPU's elements, on short, long, empty,
/// transposed and strided 2-D arrays and a 3-D one; the sums within rounding (they add in
/// another order).
#[test]
fn flat_walks_match_the_cpu() {
    if !gpu() {
        return;
    }
    let big = walk2(64, 2 * 4099);
    let views = [
        walk2(1, 100_003),
        walk2(2, 50_001),
        walk2(3, 0),
        walk2(0, 5),
        walk2(1, 1),
        walk2(4099, 1),
        walk2(333, 257),
    ];
    let mut cases: Vec<ndarray::ArrayView2<f64>> = views.iter().map(|v| v.view()).collect();
    cases.push(big.t());
    cases.push(big.slice(s![..;3, ..;2]));
    cases.push(big.slice(s![..;-1, 1..;-5]));
    for x in cases {
        let mut g = Array2::<f64>::zeros(x.raw_dim());
        let mut c = g.clone();
        scaled::into::cuda(x, 2.0f64, &mut g).unwrap();
        scaled::into(x, 2.0f64, &mut c).unwrap();
        assert_eq!(g, c, "scaled::into {:?}", x.shape());
        let (mut g, mut c) = (walk2(x.nrows(), x.ncols()), walk2(x.nrows(), x.ncols()));
        let gs = zip_walk::cuda(&mut g, x, 0.5f64).unwrap();
        let cs = zip_walk(&mut c, x, 0.5f64).unwrap();
        assert_eq!(g, c, "zip_walk {:?}", x.shape());
        let sum: f64 = x.iter().map(|v| v.abs()).sum();
        assert!((gs - cs).abs() <= 1e-12 * sum.max(1.0), "{gs} {cs}");
    }
    let x3 = ndarray::Array3::from_shape_fn((3, 1, 40_001), |(i, j, k)| (i + j + k) as f64);
    let (mut g, mut c) = (x3.clone(), x3.clone());
    zip_walk::cuda(&mut g, &x3, 0.5f64).unwrap();
    zip_walk(&mut c, &x3, 0.5f64).unwrap();
    assert_eq!(g, c);
}

#[test]
fn math_kernels_match_the_cpu_within_ulps() {
    if !gpu() {
        return;
    }
    let n = 4099;
    let d = data(n);
    let (mut g, mut c) = (Array2::<f64>::zeros((n, 8)), Array2::<f64>::zeros((n, 8)));
    match math::cuda(&d.x64, &mut g).map_err(Error::into_kind) {
        Err(ErrorKind::NoCuda { message, .. }) => {
            return skip("RUMBA_REQUIRE_GPU", format!("math on the GPU: {message}"));
        }
        r => r.unwrap(),
    }
    math(&d.x64, &mut c).unwrap();
    for col in 0..8 {
        close_f64(
            &format!("math f64 column {col}"),
            g.column(col),
            c.column(col),
            MATH_ULPS,
            200.0,
        );
    }
    let (mut g, mut c) = (Array2::<f32>::zeros((n, 8)), Array2::<f32>::zeros((n, 8)));
    math::cuda(&d.x32, &mut g).unwrap();
    math(&d.x32, &mut c).unwrap();
    for col in 0..8 {
        close_f32(
            &format!("math f32 column {col}"),
            g.column(col),
            c.column(col),
            MATH_ULPS,
            200.0,
        );
    }
    let (mut gc, mut gp, mut cc, mut cp) = (
        Array1::<f32>::zeros(n),
        Array1::<f32>::zeros(n),
        Array1::<f32>::zeros(n),
        Array1::<f32>::zeros(n),
    );
    black_scholes::cuda(&d.s, &d.k, &d.t, 0.02f32, 0.3f32, &mut gc, &mut gp).unwrap();
    black_scholes(&d.s, &d.k, &d.t, 0.02f32, 0.3f32, &mut cc, &mut cp).unwrap();
    close_f32("call", gc.view(), cc.view(), MATH_ULPS, 100.0);
    close_f32("put", gp.view(), cp.view(), MATH_ULPS, 100.0);
}

#[test]
fn simt_kernels_match_the_cpu() {
    if !gpu() {
        return;
    }
    let n = 100_000;
    let d = data(n);
    let (mut g, mut c) = (d.y32.clone(), d.y32.clone());
    simt_saxpy(LaunchConfig::for_threads(n, 128), 2.5f32, &d.x32, &mut g).unwrap();
    saxpy(2.5f32, &d.x32, &mut c).unwrap();
    assert_eq!(g, c);

    let mut bins = Array1::<u32>::zeros(16);
    histogram((40, 256), &d.codes, &mut bins).unwrap();
    let mut want = Array1::<u32>::zeros(16);
    for &v in &d.codes {
        want[v as usize % 16] += 1;
    }
    assert_eq!(bins, want);

    // 8- and 16-bit atomics: counts wrap like `u8` arithmetic.
    let (mut counts, mut top, mut flags) = (
        Array1::<u8>::zeros(7),
        Array1::from_elem(1, i16::MIN),
        Array1::<u16>::zeros(5),
    );
    narrow_atomics(
        LaunchConfig::for_threads(n, 256),
        &d.codes,
        &mut counts,
        &mut top,
        &mut flags,
    )
    .unwrap();
    let mut want = Array1::<u8>::zeros(7);
    for &v in &d.codes {
        want[v as usize % 7] = want[v as usize % 7].wrapping_add(1);
    }
    assert_eq!(counts, want);
    assert_eq!(top[0], *d.codes.iter().max().unwrap() as i16 - 1000);
    assert_eq!(flags, Array1::from_elem(5, 1u16));

    let xs = Array1::from_shape_fn(n, |i| ((i * 7919) % 20011) as i64 - 10000);
    let (mut lo, mut hi, mut sum, mut fmax, mut swapped, mut count) = (
        Array1::from_elem(1, i64::MAX),
        Array1::from_elem(1, i64::MIN),
        Array1::<f64>::zeros(1),
        Array1::from_elem(1, f32::NEG_INFINITY),
        Array1::<i64>::from_elem(n, 5),
        Array1::<u64>::zeros(1),
    );
    atomics(
        LaunchConfig::for_threads(n, 256),
        &xs,
        &mut lo,
        &mut hi,
        &mut sum,
        &mut fmax,
        &mut swapped,
        &mut count,
    )
    .unwrap();
    assert_eq!(lo[0], *xs.iter().min().unwrap());
    assert_eq!(hi[0], *xs.iter().max().unwrap());
    assert_eq!(
        sum[0],
        xs.iter().map(|&v| v as f64).sum::<f64>(),
        "integer-valued sums are exact in any order"
    );
    assert_eq!(fmax[0], *xs.iter().max().unwrap() as f32);
    assert_eq!(swapped, xs.mapv(|v| v * 2 + 5));
    assert_eq!(count[0], n as u64);

    let a = Array2::from_shape_fn((37, 53), |(i, j)| (i * 53 + j) as f64 * 0.25);
    let mut b = Array2::<f64>::zeros((37, 53));
    grid2d(((4, 3, 1), (16, 16, 1)), &a, &mut b).unwrap();
    assert_eq!(
        b,
        Array2::from_shape_fn((37, 53), |(i, j)| a[[i, j]] * 2.0 + (i * 10 + j) as f64)
    );

    let block = 128;
    let x = Array1::from_shape_fn(block * 50, |i| i as f64);
    let (mut tmp, mut y) = (
        Array1::<f64>::zeros(block * 50),
        Array1::<f64>::zeros(block * 50),
    );
    rotate((50, block as u32), &x, &mut tmp, &mut y).unwrap();
    let want = Array1::from_shape_fn(block * 50, |i| {
        x[i / block * block + (i % block + 1) % block] * 3.0
    });
    assert_eq!(y, want);
}

#[test]
fn gpu_errors_name_the_kernel_line_and_values() {
    if !gpu() {
        return;
    }
    let d = data(1000);
    let mut y = Array1::<f32>::zeros(1001);
    let e = saxpy::cuda(2.0f32, &d.x32, &mut y).unwrap_err();
    match e.kind() {
        ErrorKind::OutOfBounds {
            kernel,
            array,
            index,
            len,
            ..
        } => {
            assert_eq!(
                (kernel.as_str(), array.as_str(), *index, *len),
                ("saxpy", "x", 1000, 1000)
            );
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
    println!("{e}");
    assert!(
        y.iter().all(|&v| v == 0.0),
        "a failed call leaves `&mut` arrays as they were"
    );
    // The device is still usable afterwards.
    let mut y = d.y32.clone();
    saxpy::cuda(1.0f32, &d.x32, &mut y).unwrap();
    // Launch configurations are checked.
    let e = simt_saxpy::kernel()
        .cuda()
        .call(&[1.0f32.into_arg(), (&d.x32).into_arg(), (&mut y).into_arg()])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Cuda { .. }), "{e}");
    let e = simt_saxpy((1, 2048), 1.0f32, &d.x32, &mut y).unwrap_err();
    assert!(e.to_string().contains("1024"), "{e}");
}

#[test]
fn reductions_match_the_cpu() {
    if !gpu() {
        return;
    }
    for n in [0, 1, 5, 31, 32, 1000, 1_000_003] {
        let d = data(n);
        // Sums are combined in another order than the CPU's: within a relative 1e-12 of the
        // sum of magnitudes (n < 2^20 terms of at most 25 each).
        let (g, c): (f64, f64) = (
            dot::cuda(&d.x64, &d.y64).unwrap(),
            dot(&d.x64, &d.y64).unwrap(),
        );
        let bound = 1e-12 * (25.0 * n as f64).max(1.0);
        assert!((g - c).abs() <= bound, "dot n={n}: GPU {g} vs CPU {c}");
        let (g, c) = (
            stats::cuda(&d.x64, &d.ints).unwrap(),
            stats(&d.x64, &d.ints).unwrap(),
        );
        assert!(
            (g - c).abs() <= 1e-6 * c.abs().max(1.0),
            "stats n={n}: GPU {g} vs CPU {c}"
        );
        let bytes = Array1::from_shape_fn(n, |i| (i * 37 % 256) as u8);
        let (g, c): (i64, i64) = (narrow::cuda(&bytes).unwrap(), narrow(&bytes).unwrap());
        assert_eq!(g, c, "narrow n={n}");
    }
    // Integer reductions are exact whatever the launch: a small grid, another block size.
    let bytes = Array1::from_shape_fn(100_000, |i| (i * 91 % 256) as u8);
    let expected = narrow(&bytes).unwrap();
    for (grid, block) in [(1, 32), (3, 64), (1000, 1024)] {
        let g: i64 = narrow::kernel()
            .cuda()
            .grid(grid)
            .block(block)
            .call_as(&[(&bytes).into_arg()])
            .unwrap();
        assert_eq!(g, expected, "grid {grid}, block {block}");
    }
    let e = narrow::kernel()
        .cuda()
        .block(100)
        .call(&[(&bytes).into_arg()])
        .unwrap_err();
    assert!(e.to_string().contains("multiple of 32"), "{e}");
    // A failed check in a reduction is reported like any other (no thread waits for it).
    let d = data(1000);
    let short = d.y64.slice(s![..999]);
    match dot::cuda::<f64>(&d.x64, short).map_err(Error::into_kind) {
        Err(ErrorKind::OutOfBounds { index, len, .. }) => assert_eq!((index, len), (999, 999)),
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
}

#[test]
fn device_arrays_stay_on_the_gpu() {
    if !gpu() {
        return;
    }
    let d = data(10_001);
    // Several calls on the same device arrays, one copy in and one out.
    let x = cuda::to_device(&d.x32).unwrap();
    let mut y = cuda::to_device(&d.y32).unwrap();
    let mut c = d.y32.clone();
    for _ in 0..3 {
        saxpy::cuda(0.5f32, &x, &mut y).unwrap();
        saxpy(0.5f32, &d.x32, &mut c).unwrap();
    }
    assert_eq!(y.shape(), &[10_001]);
    assert_eq!(y.to_host().unwrap(), c);
    // A reduction over device arrays, and device and host arrays mixed in one call.
    let x64 = cuda::to_device(&d.x64).unwrap();
    let (g, c): (f64, f64) = (
        dot::cuda(&x64, &d.y64).unwrap(),
        dot(&d.x64, &d.y64).unwrap(),
    );
    assert!(
        (g - c).abs() <= 1e-12 * 25.0 * 10_001.0,
        "GPU {g} vs CPU {c}"
    );
    // A transposed (strided) host array goes in C order; a 2-D result starts from zeros.
    let a = Array2::from_shape_fn((301, 257), |(i, j)| ((i * 31 + j * 17) % 23) as f32 * 0.5);
    let da = cuda::to_device(&a.t()).unwrap();
    assert_eq!(da.shape(), &[257, 301]);
    let mut db = cuda::DeviceArray::<f32, _>::zeros((257, 301)).unwrap();
    stencil::cuda(&da, &mut db).unwrap();
    let mut c = Array2::<f32>::zeros((257, 301));
    stencil(a.t(), &mut c).unwrap();
    assert_eq!(db.to_host().unwrap(), c);
    // An explicit kernel on device arrays.
    let codes = cuda::to_device(&d.codes).unwrap();
    let mut bins = cuda::DeviceArray::<u32, _>::zeros(16).unwrap();
    histogram(
        LaunchConfig::for_threads(codes.len(), 128),
        &codes,
        &mut bins,
    )
    .unwrap();
    let mut expected = Array1::<u32>::zeros(16);
    for &v in &d.codes {
        expected[v as usize % 16] += 1;
    }
    assert_eq!(bins.to_host().unwrap(), expected);
    // The CPU cannot read device memory: a clear error, not a crash.
    match saxpy(0.5f32, &x, &mut y).map_err(Error::into_kind) {
        Err(ErrorKind::Argument { message, .. }) => {
            println!("{message}");
            assert!(message.contains("argument 2 (`x`)"), "{message}");
            assert!(message.contains("GPU memory"), "{message}");
        }
        other => panic!("expected an argument error, got {other:?}"),
    }
    match dot::kernel()
        .interpret(&[(&x64).into_arg(), (&d.y64).into_arg()])
        .map_err(Error::into_kind)
    {
        Err(ErrorKind::Argument { .. }) => {}
        other => panic!("expected an argument error, got {other:?}"),
    }
    let empty = cuda::DeviceArray::<f64, _>::zeros(0).unwrap();
    assert!(empty.is_empty() && empty.to_host().unwrap().is_empty());
}

#[test]
fn shared_memory_kernels_match_the_cpu() {
    if !gpu() {
        return;
    }
    // Block sums: each block's 256 elements added pairwise, in a fixed order.
    let d = data(100_000);
    let blocks = d.x64.len().div_ceil(256);
    let mut sums = Array1::<f64>::zeros(blocks);
    block_sums((blocks as u32, 256), &d.x64, &mut sums).unwrap();
    for (b, &got) in sums.iter().enumerate() {
        let mut cache = [0.0f64; 256];
        for (t, c) in cache.iter_mut().enumerate() {
            *c = d.x64.get(b * 256 + t).copied().unwrap_or(0.0);
        }
        let mut width = 128;
        while width > 0 {
            for t in 0..width {
                cache[t] += cache[t + width];
            }
            width /= 2;
        }
        assert_eq!(got, cache[0], "block {b}");
    }
    // Blocks bigger than the shared array fail its bounds check instead of corrupting memory.
    let e = block_sums((1, 512), &d.x64, &mut sums).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::OutOfBounds { ref array, len: 256, .. } if array == "cache"),
        "{e}"
    );
    // Transpose through a 2-D tile, a shape that is not a multiple of the tile.
    let a = Array2::from_shape_fn((301, 257), |(i, j)| (i * 1000 + j) as f32);
    let mut b = Array2::<f32>::zeros((257, 301));
    let grid = (257u32.div_ceil(32), 301u32.div_ceil(32));
    transpose((grid, (32u32, 32u32)), &a, &mut b).unwrap();
    assert_eq!(b, a.t());
}

#[test]
fn kernels_are_compiled_once_per_signature() {
    if !gpu() {
        return;
    }
    // A signature no other test uses, so the first call compiles it.
    let x = Array1::from_shape_fn(256, |i| i as i32);
    let mut y = Array1::from_shape_fn(256, |i| 3 * i as i32);
    let first = saxpy::kernel()
        .cuda()
        .call_timed(&[2i32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])
        .unwrap()
        .1;
    let second = saxpy::kernel()
        .cuda()
        .call_timed(&[2i32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])
        .unwrap()
        .1;
    assert_eq!(y, Array1::from_shape_fn(256, |i| 7 * i as i32));
    println!(
        "first call {:?} (compiles), second {:?} (kernel {:?})",
        first.total, second.total, second.kernel
    );
    assert!(second.total < first.total);
}

/// Complex kernels on the GPU against the CPU: arithmetic, parts, `powi` and `+ - * /` bit for
/// bit (IEEE operations, no contraction, on both); the libdevice methods (`exp`, `ln`, `sqrt`,
/// `powf`, `norm`, `arg`) within [`MATH_ULPS`] ULP per part, or [`MATH_ULPS`] epsilons of the
/// values' magnitude where a part cancels towards zero; reductions and array reductions of
/// dyadic values bit for bit (their sums are exact in any order: each part is a float sum,
/// combined per warp and across warps in another order than the CPU's chunks); device arrays
/// of complex elements; a complex ufunc's `into::cuda`; a `#[rumba(cuda)]` kernel.
#[test]
fn complex_kernels_match_the_cpu() {
    if !gpu() {
        return;
    }
    let n = 10_007;
    let z = Array1::from_shape_fn(n, wavy);
    let k = Complex64::new(0.5, -1.5);
    // Arithmetic: exact, f64 and f32.
    let (mut gy, mut gp) = (Array1::<Complex64>::zeros(n), Array2::<f64>::zeros((n, 2)));
    let (mut cy, mut cp) = (gy.clone(), gp.clone());
    complex_arith::cuda(&z, k, &mut gy, &mut gp).unwrap();
    complex_arith(&z, k, &mut cy, &mut cp).unwrap();
    assert_eq!(gy.mapv(cbits), cy.mapv(cbits));
    assert_eq!(gp.mapv(f64::to_bits), cp.mapv(f64::to_bits));
    let z32 = z.mapv(c32);
    let (mut gy, mut gp) = (Array1::<Complex32>::zeros(n), Array2::<f32>::zeros((n, 2)));
    let (mut cy, mut cp) = (gy.clone(), gp.clone());
    complex_arith::cuda(&z32, c32(k), &mut gy, &mut gp).unwrap();
    complex_arith(&z32, c32(k), &mut cy, &mut cp).unwrap();
    assert_eq!(gy.mapv(cbits32), cy.mapv(cbits32));
    assert_eq!(gp.mapv(f32::to_bits), cp.mapv(f32::to_bits));
    // Transcendental methods: libdevice against the host's libm, within ULPs.
    let (mut g, mut c) = (
        Array2::<Complex64>::zeros((n, 5)),
        Array2::<Complex64>::zeros((n, 5)),
    );
    match complex_math::cuda(&z, &mut g).map_err(Error::into_kind) {
        Err(ErrorKind::NoCuda { message, .. }) => {
            return skip(
                "RUMBA_REQUIRE_GPU",
                format!("complex math on the GPU: {message}"),
            );
        }
        r => r.unwrap(),
    }
    complex_math(&z, &mut c).unwrap();
    for col in 0..5 {
        for (part, k) in [("re", 0), ("im", 1)] {
            let f = |z: &Complex64| if k == 0 { z.re } else { z.im };
            close_f64(
                &format!("complex_math f64 column {col} {part}"),
                g.column(col).map(f).view(),
                c.column(col).map(f).view(),
                MATH_ULPS,
                10.0,
            );
        }
    }
    let (mut g, mut c) = (
        Array2::<Complex32>::zeros((n, 5)),
        Array2::<Complex32>::zeros((n, 5)),
    );
    complex_math::cuda(&z32, &mut g).unwrap();
    complex_math(&z32, &mut c).unwrap();
    for col in 0..5 {
        for (part, k) in [("re", 0), ("im", 1)] {
            let f = |z: &Complex32| if k == 0 { z.re } else { z.im };
            close_f32(
                &format!("complex_math f32 column {col} {part}"),
                g.column(col).map(f).view(),
                c.column(col).map(f).view(),
                MATH_ULPS,
                10.0,
            );
        }
    }
    // Reductions and the returned complex value: exact on dyadic values, at several launches.
    for len in [0, 1, 31, 32, 1000, 100_003] {
        let x = Array1::from_shape_fn(len, dyadic);
        let g: Complex64 = complex_sum::cuda(&x).unwrap();
        let c: Complex64 = complex_sum(&x).unwrap();
        assert_eq!(cbits(g), cbits(c), "complex_sum n={len}");
        let g = complex_stats::cuda(&x).unwrap();
        let c = complex_stats(&x).unwrap();
        assert_eq!(cbits(g), cbits(c), "complex_stats n={len}");
    }
    let x = Array1::from_shape_fn(100_003, dyadic);
    let want = complex_stats(&x).unwrap();
    for (grid, block) in [(1, 32), (3, 64), (1000, 1024)] {
        let g: Complex64 = complex_stats::kernel()
            .cuda()
            .grid(grid)
            .block(block)
            .call_as(&[(&x).into_arg()])
            .unwrap();
        assert_eq!(cbits(g), cbits(want), "grid {grid}, block {block}");
    }
    // Sums of values with all their bits: within rounding of the sum of magnitudes.
    let (g, c): (Complex64, Complex64) = (complex_sum::cuda(&z).unwrap(), complex_sum(&z).unwrap());
    let bound = 1e-12 * z.iter().map(|v| v.re.abs() + v.im.abs()).sum::<f64>();
    assert!((g - c).norm() <= bound, "complex_sum: GPU {g} vs CPU {c}");
    // Array reductions: exact on dyadic values.
    let start = |m: usize| Array1::from_shape_fn(m, |k| dyadic(k * 5 + 2));
    let (mut gb, mut gn) = (start(3), start(4));
    let (mut cb, mut cn) = (start(3), start(4));
    complex_bins::cuda(&x, &mut gb, &mut gn).unwrap();
    complex_bins(&x, &mut cb, &mut cn).unwrap();
    assert_eq!(gb.mapv(cbits), cb.mapv(cbits));
    assert_eq!(gn.mapv(cbits), cn.mapv(cbits));
    let x32 = x.mapv(c32);
    let (mut gb, mut gn) = (start(3).mapv(c32), start(4).mapv(c32));
    let (mut cb, mut cn) = (gb.clone(), gn.clone());
    complex_bins::cuda(&x32, &mut gb, &mut gn).unwrap();
    complex_bins(&x32, &mut cb, &mut cn).unwrap();
    assert_eq!(gb.mapv(cbits32), cb.mapv(cbits32));
    assert_eq!(gn.mapv(cbits32), cn.mapv(cbits32));
    // Device arrays of complex elements: in, through two calls, out.
    let dz = cuda::to_device(&z).unwrap();
    let mut dy = cuda::DeviceArray::<Complex64, _>::zeros(n).unwrap();
    let mut dp = cuda::DeviceArray::<f64, _>::zeros((n, 2)).unwrap();
    complex_arith::cuda(&dz, k, &mut dy, &mut dp).unwrap();
    let (mut cy, mut cp) = (Array1::<Complex64>::zeros(n), Array2::<f64>::zeros((n, 2)));
    complex_arith(&z, k, &mut cy, &mut cp).unwrap();
    assert_eq!(dy.to_host().unwrap().mapv(cbits), cy.mapv(cbits));
    let (mut gb, mut gn) = (start(3), start(4));
    let (mut cb, mut cn) = (start(3), start(4));
    let dx = cuda::to_device(&x).unwrap();
    complex_bins::cuda(&dx, &mut gb, &mut gn).unwrap();
    complex_bins(&x, &mut cb, &mut cn).unwrap();
    assert_eq!(gb.mapv(cbits), cb.mapv(cbits));
    // A complex ufunc over 2-D arrays (one flat loop), a transposed view: exact.
    let a = Array2::from_shape_fn((301, 257), |(i, j)| wavy(i * 257 + j));
    let w = Complex64::new(1.0, 0.5);
    for v in [a.view(), a.t()] {
        let mut g = Array2::<Complex64>::zeros(v.raw_dim());
        let mut c = g.clone();
        cpoly::into::cuda(v, w, &mut g).unwrap();
        cpoly::into(v, w, &mut c).unwrap();
        assert_eq!(g.mapv(cbits), c.mapv(cbits), "cpoly::into {:?}", v.shape());
    }
    // A `#[rumba(cuda)]` kernel with a shared array of complex numbers, against the same
    // arithmetic in Rust (num-complex's operators are the prelude's).
    let mut g = Array1::from_shape_fn(n, |i| dyadic(i + 1));
    let want: Array1<Complex64> = z
        .iter()
        .zip(g.iter())
        .map(|(x, y)| x * Complex64::new(0.0, 1.0) + y.conj())
        .collect();
    simt_complex(
        LaunchConfig::for_threads(n, 128),
        &z,
        &mut g,
        Complex64::new(0.0, 1.0),
    )
    .unwrap();
    assert_eq!(g.mapv(cbits), want.mapv(cbits));
}
