//! The rows of the `prange` kernels, against plain serial Rust and their serial rumba twins.

use crate::{kernels, lcg, plain, random, Case, Runner};
use ndarray::{Array1, Array2};
use std::hint::black_box;

/// The `prange` kernels: rumba parallel ("rumba"), plain serial Rust ("rust") and the serial rumba
/// twin (`serial`), on the same sizes as their serial cases.
pub(crate) fn parallel_cases(quick: bool, v: &mut Runner) {
    let n24 = 1 << 24;
    let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
    let (a1, b1) = (a.clone(), b.clone());
    let (a2, b2) = (a.to_vec(), b.to_vec());
    v.push(Case {
        kernel: "dot_par",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let s: f64 = kernels::dot_par(&a, &b).unwrap();
            black_box(s);
        }),
        rust: Box::new(move || {
            black_box(plain::dot(&a2, &b2));
        }),
        serial: Some(Box::new(move || {
            let s: f64 = kernels::dot_fast(&a1, &b1).unwrap();
            black_box(s);
        })),
    });

    // In numba_kernels.py's order (its serial loop stands in for Numba's racy `prange` one).
    let mut seed = 9u64;
    let data = Array1::from_shape_fn(n24, |_| (lcg(&mut seed) * 256.0) as u8);
    let (data1, data2) = (data.clone(), data.to_vec());
    let (mut bins, mut bins1, mut bins2) = (
        Array1::<i64>::zeros(256),
        Array1::<i64>::zeros(256),
        vec![0i64; 256],
    );
    v.push(Case {
        kernel: "histogram_par",
        size: "2^24 u8".into(),
        bytes: Some(n24 as f64),
        rumba: Box::new(move || kernels::histogram_par(&data, &mut bins).unwrap()),
        rust: Box::new(move || plain::histogram(&data2, &mut bins2)),
        serial: Some(Box::new(move || {
            kernels::histogram(&data1, &mut bins1).unwrap()
        })),
    });

    let side = if quick { 512 } else { 1024 };
    let mut img = Array2::<i32>::zeros((side, side));
    let (mut img1, mut img2) = (img.clone(), img.clone());
    v.push(Case {
        kernel: "mandelbrot_par",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || {
            kernels::mandelbrot_par(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        }),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: Some(Box::new(move || {
            kernels::mandelbrot(&mut img1, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        })),
    });

    let m = 512;
    let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
    let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
    let mut mc = Array2::<f64>::zeros((m, m));
    let (ma1, mb1, mut mc1) = (ma.clone(), mb.clone(), mc.clone());
    let (ma2, mb2, mut mc2) = (ma.clone(), mb.clone(), mc.clone());
    v.push(Case {
        kernel: "matmul_par",
        size: format!("{m}x{m} f64"),
        bytes: None,
        rumba: Box::new(move || {
            mc.fill(0.0);
            kernels::matmul_par(&ma, &mb, &mut mc).unwrap()
        }),
        rust: Box::new(move || {
            mc2.fill(0.0);
            plain::matmul(ma2.view(), mb2.view(), mc2.view_mut())
        }),
        serial: Some(Box::new(move || {
            mc1.fill(0.0);
            kernels::matmul(&ma1, &mb1, &mut mc1).unwrap()
        })),
    });

    let n22 = 1 << 22;
    let s = random(n22, 5.0, 30.0, 6);
    let k = random(n22, 1.0, 100.0, 7);
    let t = random(n22, 0.25, 10.0, 8);
    let (mut call, mut put) = (Array1::<f64>::zeros(n22), Array1::<f64>::zeros(n22));
    let (s1, k1, t1, mut call1, mut put1) =
        (s.clone(), k.clone(), t.clone(), call.clone(), put.clone());
    let (s2, k2, t2) = (s.to_vec(), k.to_vec(), t.to_vec());
    let (mut call2, mut put2) = (vec![0.0; n22], vec![0.0; n22]);
    v.push(Case {
        kernel: "black_scholes_par",
        size: "2^22 f64".into(),
        bytes: Some(40.0 * n22 as f64),
        rumba: Box::new(move || {
            kernels::black_scholes_par(&s, &k, &t, 0.02, 0.30, &mut call, &mut put).unwrap()
        }),
        rust: Box::new(move || {
            plain::black_scholes(&s2, &k2, &t2, 0.02, 0.30, &mut call2, &mut put2)
        }),
        serial: Some(Box::new(move || {
            kernels::black_scholes(&s1, &k1, &t1, 0.02, 0.30, &mut call1, &mut put1).unwrap()
        })),
    });
}
