//! First calls (compile time by stage, in a fresh process) and the cost of a call.

use crate::{kernels, ms, random};
use ndarray::{Array1, Array2};
use std::hint::black_box;

/// CPU time of this thread so far, in ms: the machine is shared, so a first call's wall time
/// also counts the time other processes had the core; its CPU time does not.
fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write to; the clock id is a constant Linux knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 * 1e-6
}

/// The first call of each kernel of `kernels` (comma-separated) in turn, in this fresh process:
/// one line each, with the stage times of its own compilation (a later kernel's show what a
/// process that has compiled before spends, `"after"` naming the kernels before it).
pub(crate) fn latency(kernels: &str) {
    let mut before: Vec<&str> = Vec::new();
    for kernel in kernels.split(',') {
        first_call(kernel, &before);
        before.push(kernel);
    }
}

/// A call of `kernel` at `latency`'s sizes.
fn latency_case(kernel: &str) -> Box<dyn FnMut()> {
    match kernel {
        "saxpy" => {
            let x = Array1::from_elem(1 << 20, 1.0f32);
            let mut y = Array1::from_elem(1 << 20, 2.0f32);
            Box::new(move || kernels::saxpy(2.0f32, &x, &mut y).unwrap())
        }
        "black_scholes" => {
            let n = 1 << 16;
            let (s, k, t) = (
                random(n, 5.0, 30.0, 1),
                random(n, 1.0, 100.0, 2),
                random(n, 0.25, 10.0, 3),
            );
            let (mut c, mut p) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
            Box::new(move || kernels::black_scholes(&s, &k, &t, 0.02, 0.3, &mut c, &mut p).unwrap())
        }
        "kmeans" => {
            let (n, k, d) = (4096, 16, 8);
            let x = random(n * d, 0.0, 1.0, 4)
                .into_shape_with_order((n, d))
                .unwrap();
            let c = random(k * d, 0.0, 1.0, 5)
                .into_shape_with_order((k, d))
                .unwrap();
            let mut labels = Array1::<i64>::zeros(n);
            Box::new(move || kernels::kmeans_assign(&x, &c, &mut labels).unwrap())
        }
        "nbody" => {
            let n = 256;
            let mut pos = random(n * 3, -1.0, 1.0, 6)
                .into_shape_with_order((n, 3))
                .unwrap();
            let mut vel = Array2::<f64>::zeros((n, 3));
            let mass = random(n, 0.5, 2.0, 7);
            Box::new(move || kernels::nbody_step(&mut pos, &mut vel, &mass, 0.01).unwrap())
        }
        "blur5" => {
            let a = random(512 * 512, 0.0, 1.0, 8)
                .into_shape_with_order((512, 512))
                .unwrap();
            let mut b = Array2::<f64>::zeros((512, 512));
            Box::new(move || kernels::blur5(&a, &mut b).unwrap())
        }
        "mandelbrot" => {
            let mut img = Array2::<i32>::zeros((256, 256));
            Box::new(move || kernels::mandelbrot(&mut img, -2.0, 1.0, -1.5, 1.5, 100).unwrap())
        }
        "floyd_warshall" => {
            let mut dist =
                Array2::from_shape_fn((128, 128), |(i, j)| ((i * 37 + j * 11) % 13) as f64);
            Box::new(move || kernels::floyd_warshall(&mut dist).unwrap())
        }
        other => panic!("no latency case {other}"),
    }
}

/// `kernel`'s first call (compilation, or a load from the on-disk cache, and a run) against the
/// second, with the stages of the first from `rumba::stats()` and its CPU time, printed as a
/// `latency` row.
fn first_call(kernel: &str, before: &[&str]) {
    let mut call = latency_case(kernel);
    let earlier = rumba::stats();
    let cpu = thread_cpu_ms();
    let first = ms(&mut call);
    let first_cpu = thread_cpu_ms() - cpu;
    let cpu = thread_cpu_ms();
    let second = ms(&mut call);
    let second_cpu = thread_cpu_ms() - cpu;
    let stats = rumba::stats();
    // Warm: the first call loaded its code from the on-disk cache (bench.sh runs each kernel
    // with a fresh RUMBA_CACHE_DIR, then again with the one it filled).
    let cache = if stats.cache_hits > earlier.cache_hits {
        "warm"
    } else {
        "cold"
    };
    let stages: Vec<String> = rumba::Step::ALL
        .iter()
        .map(|&step| {
            format!(
                r#""{}":{:.3}"#,
                format!("{step:?}").to_lowercase(),
                (stats.time(step) - earlier.time(step)).as_secs_f64() * 1e3
            )
        })
        .collect();
    let after = if before.is_empty() {
        String::new()
    } else {
        format!(r#","after":"{}""#, before.join(","))
    };
    println!(
        r#"{{"kind":"latency","kernel":"{kernel}","impl":"rumba","cache":"{cache}"{after},"first_ms":{first:.3},"second_ms":{second:.3},"compile_ms":{:.3},"compile_cpu_ms":{:.3},"stages_ms":{{{}}}}}"#,
        first - second,
        first_cpu - second_cpu,
        stages.join(",")
    );
}

/// The cost per call of `f`, over `calls` calls: wall time and the thread's CPU time, in ns (on a
/// shared machine the wall time also counts the time other processes held the core).
fn per_call(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    let cpu = thread_cpu_ms();
    let wall = ms(|| {
        for _ in 0..calls {
            f();
        }
    });
    let cpu = thread_cpu_ms() - cpu;
    (wall * 1e6 / calls as f64, cpu * 1e6 / calls as f64)
}

pub(crate) fn overhead() {
    let calls = 1_000_000;
    let row = |case: &str, imp: &str, (ns, cpu_ns): (f64, f64)| {
        println!(
            r#"{{"kind":"overhead","case":"{case}","impl":"{imp}","ns":{ns:.1},"cpu_ns":{cpu_ns:.1}}}"#
        )
    };
    let x = Array1::from_elem(1, 1.0f32);
    let mut y = Array1::from_elem(1, 2.0f32);
    kernels::saxpy(2.0f32, &x, &mut y).unwrap();
    let t = per_call(calls, || {
        kernels::saxpy(black_box(2.0f32), &x, &mut y).unwrap()
    });
    row("saxpy_1", "rumba", t);
    let _: f64 = kernels::add(1.0, 2.0).unwrap();
    let mut acc = 0.0;
    let mut i = 0.0;
    let t = per_call(calls, || {
        let r: f64 = kernels::add(black_box(i), 2.0).unwrap();
        acc += r;
        i += 1.0;
    });
    row("add_scalars", "rumba", t);
    // The same calls through typed handles (`Kernel::typed`): no signature lookup.
    let saxpy = kernels::saxpy::kernel()
        .typed::<(f32, &Array1<f32>, &mut Array1<f32>), ()>()
        .unwrap();
    let t = per_call(calls, || saxpy.call(black_box(2.0f32), &x, &mut y).unwrap());
    row("saxpy_1", "rumba_typed", t);
    let add = kernels::add::kernel().typed::<(f64, f64), f64>().unwrap();
    let mut i = 0.0;
    let t = per_call(calls, || {
        acc += add.call(black_box(i), 2.0).unwrap();
        i += 1.0;
    });
    row("add_scalars", "rumba_typed", t);
    black_box(acc);
}
