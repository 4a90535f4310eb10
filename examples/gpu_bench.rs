//! A small GPU benchmark: saxpy (host and device arrays), a dot-product reduction, Black-Scholes,
//! Mandelbrot and a 2-D stencil on the GPU, the kernel time (CUDA events, best of 5 after a
//! warm-up call that compiles) compared with the device's own device-to-device copy bandwidth,
//! and the time of the whole call (copies in and out of device memory included). `bench/gpu/numba_bench.py` runs the same kernels with Numba.
//! Skips (exit 0) without a CUDA device.
//!
//!     cargo run --example gpu_bench [-- --quick]

#[path = "kernels/gpu.rs"]
mod kernels;

use kernels::*;
use ndarray::{Array1, Array2};
use rumba::cuda::{self, Timing};
use rumba::IntoArg;

const REPS: usize = 5;

fn best<V>(mut f: impl FnMut() -> (V, Timing)) -> Timing {
    let _ = f(); // compiles and loads
    let mut best = f().1;
    for _ in 1..REPS {
        let t = f().1;
        if t.kernel < best.kernel {
            best.kernel = t.kernel;
        }
        if t.total < best.total {
            best.total = t.total;
        }
    }
    best
}

fn report(name: &str, size: &str, bytes: f64, t: Timing, copy_gbs: f64) {
    let ms = t.kernel.as_secs_f64() * 1e3;
    let gbs = bytes / t.kernel.as_secs_f64() / 1e9;
    println!(
        "{name:<14} {size:>12} kernel {ms:>9.3} ms  {gbs:>8.1} GB/s  {:>5.1}% of copy  whole call {:>9.3} ms",
        100.0 * gbs / copy_gbs,
        t.total.as_secs_f64() * 1e3
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let dev = match cuda::device() {
        Ok(d) => d,
        Err(e) => {
            println!("gpu_bench: skipped: {e}");
            return;
        }
    };
    println!(
        "device: {} (compute capability {:?}, {} SMs, PTX for {})",
        dev.name(),
        dev.compute_capability(),
        dev.multiprocessors(),
        dev.arch()
    );
    let scale = if quick { 16 } else { 1 };
    let copy = cuda::copy_bandwidth((1 << 30) / scale, 10).expect("copy bandwidth");
    println!("device-to-device copy: {copy:.1} GB/s (bytes read + written)");

    let n = (1usize << 26) / scale;
    let x = Array1::from_shape_fn(n, |i| (i % 1000) as f32 * 0.001);
    let mut y = Array1::from_shape_fn(n, |i| (i % 777) as f32);
    let t = best(|| {
        saxpy::kernel()
            .cuda()
            .call_timed(&[2.0f32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])
            .expect("saxpy")
    });
    report("saxpy f32", &n.to_string(), 12.0 * n as f64, t, copy);
    // The same with device arrays: no copies, so the whole call is about the kernel.
    let dx = cuda::to_device(&x).expect("to_device");
    let mut dy = cuda::to_device(&y).expect("to_device");
    let t = best(|| {
        saxpy::kernel()
            .cuda()
            .call_timed(&[2.0f32.into_arg(), (&dx).into_arg(), (&mut dy).into_arg()])
            .expect("saxpy")
    });
    report("saxpy device", &n.to_string(), 12.0 * n as f64, t, copy);

    // A reduction: warp shuffles, then one atomic per warp.
    let n = (1usize << 25) / scale;
    let a = cuda::to_device(&Array1::from_shape_fn(n, |i| (i % 1000) as f64 * 0.001))
        .expect("to_device");
    let b = cuda::to_device(&Array1::from_shape_fn(n, |i| (i % 777) as f64)).expect("to_device");
    let t = best(|| {
        dot::kernel()
            .cuda()
            .call_timed(&[(&a).into_arg(), (&b).into_arg()])
            .expect("dot")
    });
    report("dot f64", &n.to_string(), 16.0 * n as f64, t, copy);

    let n = (1usize << 24) / scale;
    let s = Array1::from_shape_fn(n, |i| 10.0 + (i % 90) as f32);
    let k = Array1::from_shape_fn(n, |i| 20.0 + (i % 70) as f32);
    let tt = Array1::from_shape_fn(n, |i| 0.25 + (i % 8) as f32 * 0.5);
    let (mut call, mut put) = (Array1::<f32>::zeros(n), Array1::<f32>::zeros(n));
    let t = best(|| {
        black_scholes::kernel()
            .cuda()
            .call_timed(&[
                (&s).into_arg(),
                (&k).into_arg(),
                (&tt).into_arg(),
                0.02f32.into_arg(),
                0.3f32.into_arg(),
                (&mut call).into_arg(),
                (&mut put).into_arg(),
            ])
            .expect("black_scholes")
    });
    report("black-scholes", &n.to_string(), 20.0 * n as f64, t, copy);

    let side = 4096 / if quick { 4 } else { 1 };
    let mut img = Array2::<u32>::zeros((side, side));
    let t = best(|| {
        mandelbrot::kernel()
            .cuda()
            .call_timed(&[
                (-2.2f32).into_arg(),
                (-1.5f32).into_arg(),
                (3.0 / side as f32).into_arg(),
                256u32.into_arg(),
                (&mut img).into_arg(),
            ])
            .expect("mandelbrot")
    });
    report(
        "mandelbrot",
        &format!("{side}x{side}"),
        4.0 * (side * side) as f64,
        t,
        copy,
    );
    println!(
        "{:<14} {:>12} {:.1} Gpixel/s (256 iterations at most)",
        "",
        "",
        (side * side) as f64 / t.kernel.as_secs_f64() / 1e9
    );

    let side = 8192 / if quick { 4 } else { 1 };
    let a = Array2::from_shape_fn((side, side), |(i, j)| ((i * 31 + j * 17) % 23) as f32);
    let mut b = Array2::<f32>::zeros((side, side));
    let t = best(|| {
        stencil::kernel()
            .cuda()
            .call_timed(&[(&a).into_arg(), (&mut b).into_arg()])
            .expect("stencil")
    });
    report(
        "stencil 2-D",
        &format!("{side}x{side}"),
        8.0 * (side * side) as f64,
        t,
        copy,
    );
}
