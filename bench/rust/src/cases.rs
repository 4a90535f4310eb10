//! The suite's rows: each kernel as rumba compiles it, as plain Rust and (with `--python`) as
//! Numba, at the sizes of `numba_kernels.py`.

use crate::parallel::parallel_cases;
use crate::patterns::pattern_cases;
use crate::peak::fma_peak;
use crate::{kernels, lcg, plain, random, Case, Extra, Runner};
use ndarray::{Array1, Array2};
use std::hint::black_box;

/// Every row, in the order of the report: the array kernels, then issue 18's patterns
/// ([`pattern_cases`]) and the `prange` kernels ([`parallel_cases`]).
pub(crate) fn cases(quick: bool, v: &mut Runner) {
    let n24 = 1 << 24;

    let x = Array1::from_shape_fn(n24, |i| (i % 1000) as f32 * 0.001);
    let mut y1 = Array1::from_elem(n24, 1.0f32);
    let (x2, mut y2) = (x.to_vec(), vec![1.0f32; n24]);
    v.push(Case {
        kernel: "saxpy",
        size: "2^24 f32".into(),
        bytes: Some(12.0 * n24 as f64),
        rumba: Box::new(move || kernels::saxpy(2.0f32, &x, &mut y1).unwrap()),
        rust: Box::new(move || plain::saxpy(2.0, &x2, &mut y2)),
        serial: None,
    });

    for fast in [false, true] {
        let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
        let (a2, b2) = (a.to_vec(), b.to_vec());
        v.push(Case {
            kernel: if fast { "dot_fastmath" } else { "dot" },
            size: "2^24 f64".into(),
            bytes: Some(16.0 * n24 as f64),
            rumba: Box::new(move || {
                let s: f64 = if fast {
                    kernels::dot_fast(&a, &b).unwrap()
                } else {
                    kernels::dot(&a, &b).unwrap()
                };
                black_box(s);
            }),
            rust: Box::new(move || {
                black_box(plain::dot(&a2, &b2));
            }),
            serial: None,
        });
    }

    // ndarray's methods against ndarray itself (the same order of operations, bit for bit).
    let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
    let (a2, b2) = (a.clone(), b.clone());
    v.push(Case {
        kernel: "sum_ndarray",
        size: "2^24 f64".into(),
        bytes: Some(8.0 * n24 as f64),
        rumba: Box::new({
            let a = a.clone();
            move || {
                let s: f64 = kernels::sum_ndarray(&a).unwrap();
                black_box(s);
            }
        }),
        rust: Box::new({
            let a2 = a2.clone();
            move || {
                black_box(plain::sum_ndarray(a2.view()));
            }
        }),
        serial: None,
    });
    v.push(Case {
        kernel: "dot_ndarray",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let s: f64 = kernels::dot_ndarray(&a, &b).unwrap();
            black_box(s);
        }),
        rust: Box::new(move || {
            black_box(plain::dot_ndarray(a2.view(), b2.view()));
        }),
        serial: None,
    });

    let side = if quick { 512 } else { 1024 };
    let mut img = Array2::<i32>::zeros((side, side));
    let mut img2 = img.clone();
    v.push(Case {
        kernel: "mandelbrot",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || kernels::mandelbrot(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: None,
    });

    let mut img = Array2::<i32>::zeros((side, side));
    let mut img2 = img.clone();
    v.push(Case {
        kernel: "mandelbrot_complex",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || {
            kernels::mandelbrot_complex(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        }),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: None,
    });

    let mut img = Array2::<i32>::zeros((side, side));
    let mut img2 = img.clone();
    v.push(Case {
        kernel: "mandelbrot_numba",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || {
            kernels::mandelbrot_numba(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        }),
        rust: Box::new(move || plain::mandelbrot_numba(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: None,
    });

    let n = 2048;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    let mut b = Array2::<f64>::zeros((n, n));
    let a2 = a.clone();
    let mut b2 = b.clone();
    v.push(Case {
        kernel: "jacobi2d",
        size: format!("{n}x{n} f64"),
        bytes: Some(16.0 * (n * n) as f64),
        rumba: Box::new(move || kernels::jacobi2d(&a, &mut b).unwrap()),
        rust: Box::new(move || plain::jacobi2d(a2.view(), b2.view_mut())),
        serial: None,
    });

    let pts = if quick { 2048 } else { 4096 };
    let (px, py, pz) = (
        random(pts, 0.0, 1.0, 3),
        random(pts, 0.0, 1.0, 4),
        random(pts, 0.0, 1.0, 5),
    );
    let (qx, qy, qz) = (px.to_vec(), py.to_vec(), pz.to_vec());
    v.push(Case {
        kernel: "pairwise",
        size: format!("{pts} points"),
        bytes: None,
        rumba: Box::new(move || {
            let e: f64 = kernels::pairwise(&px, &py, &pz).unwrap();
            black_box(e);
        }),
        rust: Box::new(move || {
            black_box(plain::pairwise(&qx, &qy, &qz));
        }),
        serial: None,
    });

    // matmul at 512 (2 MiB matrices, in the second-level cache) and 2048 (32 MiB: the tiles'
    // cache panels at work), with the core's FMA peak for the same number of operations.
    for (kernel, m) in [("matmul", 512), ("matmul_2048", 2048)] {
        if v.only.as_deref().is_some_and(|k| k != kernel) {
            continue;
        }
        let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
        let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
        let mut mc = Array2::<f64>::zeros((m, m));
        let (ma2, mb2) = (ma.clone(), mb.clone());
        let (ma3, mb3) = (ma.clone(), mb.clone());
        let mut mc2 = mc.clone();
        let mut mc3 = mc.clone();
        let mm = Case {
            kernel,
            size: format!("{m}x{m} f64"),
            bytes: None,
            rumba: Box::new(move || {
                mc.fill(0.0);
                kernels::matmul(&ma, &mb, &mut mc).unwrap()
            }),
            rust: Box::new(move || {
                mc2.fill(0.0);
                plain::matmul(ma2.view(), mb2.view(), mc2.view_mut())
            }),
            serial: None,
        };
        let fast = move || {
            mc3.fill(0.0);
            kernels::matmul_fastmath(&ma3, &mb3, &mut mc3).unwrap()
        };
        let mut more: Vec<Extra> = vec![("rumba_fastmath", Box::new(fast))];
        let flops = 2.0 * (m * m * m) as f64;
        if let Some(peak) = fma_peak() {
            more.push((
                "peak",
                Box::new(move || {
                    black_box(peak(flops));
                }),
            ));
        }
        v.push_with(mm, more);
    }

    // The same product written as one dot product per element (the textbook loop order).
    let m = 512;
    let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
    let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
    let (ma2, mb2) = (ma.clone(), mb.clone());
    let (mut mc, mut mc2) = (Array2::<f64>::zeros((m, m)), Array2::<f64>::zeros((m, m)));
    v.push(Case {
        kernel: "matmul_dot",
        size: format!("{m}x{m} f64"),
        bytes: None,
        rumba: Box::new(move || kernels::matmul_dot(&ma, &mb, &mut mc).unwrap()),
        rust: Box::new(move || plain::matmul_dot(ma2.view(), mb2.view(), mc2.view_mut())),
        serial: None,
    });

    let n22 = 1 << 22;
    for fast in [false, true] {
        let s = random(n22, 5.0, 30.0, 6);
        let k = random(n22, 1.0, 100.0, 7);
        let t = random(n22, 0.25, 10.0, 8);
        let (mut call, mut put) = (Array1::<f64>::zeros(n22), Array1::<f64>::zeros(n22));
        let (s2, k2, t2) = (s.to_vec(), k.to_vec(), t.to_vec());
        let (mut call2, mut put2) = (vec![0.0; n22], vec![0.0; n22]);
        v.push(Case {
            kernel: if fast {
                "black_scholes_fastmath"
            } else {
                "black_scholes"
            },
            size: "2^22 f64".into(),
            bytes: Some(40.0 * n22 as f64),
            rumba: Box::new(move || {
                if fast {
                    kernels::black_scholes_fast(&s, &k, &t, 0.02, 0.30, &mut call, &mut put)
                        .unwrap()
                } else {
                    kernels::black_scholes(&s, &k, &t, 0.02, 0.30, &mut call, &mut put).unwrap()
                }
            }),
            rust: Box::new(move || {
                plain::black_scholes(&s2, &k2, &t2, 0.02, 0.30, &mut call2, &mut put2)
            }),
            serial: None,
        });
    }

    // The same as array expressions (NumPy style): rumba fuses each `let`; the loop above is
    // its hand-written side.
    let s = random(n22, 5.0, 30.0, 6);
    let k = random(n22, 1.0, 100.0, 7);
    let t = random(n22, 0.25, 10.0, 8);
    let (s2, k2, t2) = (s.clone(), k.clone(), t.clone());
    let (s1, k1, t1) = (s.clone(), k.clone(), t.clone());
    let expr = Case {
        kernel: "black_scholes_expr",
        size: "2^22 f64".into(),
        bytes: Some(40.0 * n22 as f64),
        rumba: Box::new(move || {
            let r: (Array1<f64>, Array1<f64>) =
                kernels::black_scholes_expr(&s, &k, &t, 0.02, 0.30).unwrap();
            black_box(r);
        }),
        rust: Box::new(move || {
            black_box(plain::black_scholes_expr(
                s2.view(),
                k2.view(),
                t2.view(),
                0.02,
                0.30,
            ));
        }),
        serial: None,
    };
    // The hand loop returns new arrays too, as the expression does.
    let hand = move || {
        let prices: (Array1<f64>, Array1<f64>) =
            kernels::black_scholes_new(&s1, &k1, &t1, 0.02, 0.30).unwrap();
        black_box(prices);
    };
    v.push_with(expr, vec![("rumba_loop", Box::new(hand))]);

    let mut seed = 9;
    let data = Array1::from_shape_fn(n24, |_| (lcg(&mut seed) * 256.0) as u8);
    let data2 = data.to_vec();
    let mut bins = Array1::<i64>::zeros(256);
    let mut bins2 = vec![0i64; 256];
    v.push(Case {
        kernel: "histogram",
        size: "2^24 u8".into(),
        bytes: Some(n24 as f64),
        rumba: Box::new(move || kernels::histogram(&data, &mut bins).unwrap()),
        rust: Box::new(move || plain::histogram(&data2, &mut bins2)),
        serial: None,
    });

    let cx = random(n24, 0.0, 1.0, 10);
    let cx2 = cx.to_vec();
    let mut out = Array1::<f64>::zeros(n24);
    let mut out2 = vec![0.0; n24];
    v.push(Case {
        kernel: "cumsum",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || kernels::cumsum(&cx, &mut out).unwrap()),
        rust: Box::new(move || plain::cumsum(&cx2, &mut out2)),
        serial: None,
    });

    // Whole-array expressions: rumba fuses each into one pass; ndarray (the Rust side) makes a
    // temporary per operator; Numba compiles the NumPy expression.
    let fx = random(n24, -2.0, 2.0, 12);
    let fy = random(n24, -2.0, 2.0, 13);
    let (fx2, fy2) = (fx.clone(), fy.clone());
    let chain = Case {
        kernel: "chain",
        size: "2^24 f64".into(),
        bytes: Some(24.0 * n24 as f64),
        rumba: Box::new({
            let (fx, fy) = (fx.clone(), fy.clone());
            move || {
                let z: Array1<f64> = kernels::chain(&fx, &fy).unwrap();
                black_box(z);
            }
        }),
        rust: Box::new({
            let (fx2, fy2) = (fx2.clone(), fy2.clone());
            move || {
                black_box(plain::chain(fx2.view(), fy2.view()));
            }
        }),
        serial: None,
    };
    let (lx, ly) = (fx.clone(), fy.clone());
    let chain_loop = move || {
        let z: Array1<f64> = kernels::chain_loop(&lx, &ly).unwrap();
        black_box(z);
    };
    v.push_with(chain, vec![("rumba_loop", Box::new(chain_loop))]);
    let selu = Case {
        kernel: "selu",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new({
            let fx = fx.clone();
            move || {
                let z: Array1<f64> = kernels::selu(&fx).unwrap();
                black_box(z);
            }
        }),
        rust: Box::new({
            let fx2 = fx2.clone();
            move || {
                black_box(plain::selu(fx2.view()));
            }
        }),
        serial: None,
    };
    let lx = fx.clone();
    let selu_loop = move || {
        let z: Array1<f64> = kernels::selu_loop(&lx).unwrap();
        black_box(z);
    };
    let ux = fx.clone();
    let selu_ufunc = move || {
        let z: Array1<f64> = kernels::selu_ufunc(&ux).unwrap();
        black_box(z);
    };
    let qx = fx.clone();
    let selu_fast = move || {
        let z: Array1<f64> = kernels::selu_fast(&qx).unwrap();
        black_box(z);
    };
    v.push_with(
        selu,
        vec![
            ("rumba_loop", Box::new(selu_loop)),
            ("rumba_vectorize", Box::new(selu_ufunc)),
            ("rumba_fastmath", Box::new(selu_fast)),
        ],
    );
    // A reduction fused with its operand: `sum` of `(x - y)^2` with no temporary array, against
    // the same expression with the squares bound to a name (materialized) and a hand loop.
    let sq = Case {
        kernel: "sq_dist",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new({
            let (fx, fy) = (fx.clone(), fy.clone());
            move || {
                black_box(kernels::sq_dist(&fx, &fy).unwrap());
            }
        }),
        rust: Box::new(move || {
            black_box(plain::sq_dist(fx2.view(), fy2.view()));
        }),
        serial: None,
    };
    let (ux, uy) = (fx.clone(), fy.clone());
    let unfused = move || {
        black_box(kernels::sq_dist_unfused(&ux, &uy).unwrap());
    };
    let (qx, qy) = (fx.clone(), fy.clone());
    let fast = move || {
        black_box(kernels::sq_dist_fast(&qx, &qy).unwrap());
    };
    let hand = move || {
        black_box(kernels::sq_dist_loop(&fx, &fy).unwrap());
    };
    v.push_with(
        sq,
        vec![
            ("rumba_fastmath", Box::new(fast)),
            ("rumba_unfused", Box::new(unfused)),
            ("rumba_loop", Box::new(hand)),
        ],
    );

    // Row softmax and broadcasting on a 4096 x 4096 matrix (the figures: NumPy 88 ms,
    // JAX jit 46, a Numba hand loop 144 for the softmax). Numba's sides: a hand loop for the
    // softmax, the NumPy expression for the broadcast.
    let side = 4096;
    let sx = random(side * side, -4.0, 4.0, 14)
        .into_shape_with_order((side, side))
        .expect("a square");
    let (sx2, sx3) = (sx.clone(), sx.clone());
    let softmax_fast = move || {
        let z: Array2<f64> = kernels::softmax_rows_fast(&sx3).unwrap();
        black_box(z);
    };
    v.push_with(
        Case {
            kernel: "softmax_rows",
            size: "4096^2 f64".into(),
            bytes: Some(16.0 * (side * side) as f64),
            rumba: Box::new(move || {
                let z: Array2<f64> = kernels::softmax_rows(&sx).unwrap();
                black_box(z);
            }),
            rust: Box::new(move || {
                black_box(plain::softmax_rows(sx2.view()));
            }),
            serial: None,
        },
        vec![("rumba_fastmath", Box::new(softmax_fast))],
    );
    let bx = random(side * side, -4.0, 4.0, 15)
        .into_shape_with_order((side, side))
        .expect("a square");
    let (mean, inv) = (random(side, -1.0, 1.0, 16), random(side, 0.5, 2.0, 17));
    let (bx2, mean2, inv2) = (bx.clone(), mean.clone(), inv.clone());
    v.push(Case {
        kernel: "standardize_rows",
        size: "4096^2 f64".into(),
        bytes: Some(16.0 * (side * side) as f64),
        rumba: Box::new(move || {
            let z: Array2<f64> = kernels::standardize_rows(&bx, &mean, &inv).unwrap();
            black_box(z);
        }),
        rust: Box::new(move || {
            black_box(plain::standardize_rows(
                bx2.view(),
                mean2.view(),
                inv2.view(),
            ));
        }),
        serial: None,
    });

    // Allocating and returning the result against writing into the caller's array: the
    // difference is the allocation (and, for rumba and Rust, zeroing it; Numba's `np.empty` does
    // not zero).
    let ax = random(n24, 0.0, 1.0, 11);
    let (ax1, ax2, ax3) = (ax.clone(), ax.to_vec(), ax.to_vec());
    v.push(Case {
        kernel: "affine_new",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let y: Array1<f64> = kernels::affine_new(&ax, 2.0, 1.0).unwrap();
            black_box(y);
        }),
        rust: Box::new(move || {
            black_box(plain::affine_new(&ax2, 2.0, 1.0));
        }),
        serial: None,
    });
    let (mut ay, mut ay2) = (Array1::<f64>::zeros(n24), vec![0.0; n24]);
    v.push(Case {
        kernel: "affine_into",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || kernels::affine_into(&ax1, 2.0, 1.0, &mut ay).unwrap()),
        rust: Box::new(move || plain::affine_into(&ax3, 2.0, 1.0, &mut ay2)),
        serial: None,
    });
    pattern_cases(v);
    parallel_cases(quick, v);
}
