//! The rows of the patterns that issue 18 found slower than rustc.

use crate::{kernels, plain, random, Case, Runner};
use ndarray::{Array1, Array2, Array3};
use std::hint::black_box;

/// Patterns that were slower than rustc (issue 18): a float recurrence over a short axis
/// (k-means), `f64::min` in a read-modify-write (Floyd-Warshall), an integer hash per row
/// (FNV-1a), compare-and-swap (bubble sort);
/// and two kernels of the first-call table (an n-body step, a 5x5 blur with its border branch).
/// The sizes match `numba_kernels.py`'s.
pub(crate) fn pattern_cases(v: &mut Runner) {
    let (points, centres) = (1 << 14, 16);
    for (d, kernel) in [(4, "kmeans_d4"), (8, "kmeans_d8"), (16, "kmeans_d16")] {
        let x = random(points * d, 0.0, 1.0, 12)
            .into_shape_with_order((points, d))
            .expect("points x d");
        let c = random(centres * d, 0.0, 1.0, 13)
            .into_shape_with_order((centres, d))
            .expect("centres x d");
        let (x2, c2) = (x.clone(), c.clone());
        let (mut labels, mut labels2) = (Array1::<i64>::zeros(points), vec![0i64; points]);
        v.push(Case {
            kernel,
            size: format!("{points} points, {centres} centres, d = {d}"),
            bytes: None,
            rumba: Box::new(move || kernels::kmeans_assign(&x, &c, &mut labels).unwrap()),
            rust: Box::new(move || plain::kmeans_assign(x2.view(), c2.view(), &mut labels2)),
            serial: None,
        });
    }

    let n = 256;
    let graph = Array2::from_shape_fn((n, n), |(i, j)| match (i * 37 + j * 11) % 13 {
        _ if i == j => 0.0,
        w @ 1..=10 => w as f64,
        _ => f64::INFINITY,
    });
    let (graph2, mut dist, mut dist2) = (graph.clone(), graph.clone(), graph.clone());
    v.push(Case {
        kernel: "floyd_warshall",
        size: format!("{n} nodes"),
        bytes: None,
        rumba: Box::new(move || {
            dist.assign(&graph);
            kernels::floyd_warshall(&mut dist).unwrap()
        }),
        rust: Box::new(move || {
            dist2.assign(&graph2);
            plain::floyd_warshall(dist2.view_mut())
        }),
        serial: None,
    });

    let n = 1024;
    let pos = random(n * 3, -1.0, 1.0, 15)
        .into_shape_with_order((n, 3))
        .expect("n x 3");
    let mass = random(n, 0.5, 2.0, 16);
    let (mut pos1, mut vel1) = (pos.clone(), Array2::<f64>::zeros((n, 3)));
    let (mut pos2, mut vel2, mass2) = (pos, Array2::<f64>::zeros((n, 3)), mass.to_vec());
    v.push(Case {
        kernel: "nbody",
        size: format!("{n} bodies"),
        bytes: None,
        rumba: Box::new(move || kernels::nbody_step(&mut pos1, &mut vel1, &mass, 0.01).unwrap()),
        rust: Box::new(move || plain::nbody_step(pos2.view_mut(), vel2.view_mut(), &mass2, 0.01)),
        serial: None,
    });

    let n = 1024;
    let img = random(n * n, 0.0, 1.0, 17)
        .into_shape_with_order((n, n))
        .expect("n x n");
    let (img2, mut out, mut out2) = (
        img.clone(),
        Array2::<f64>::zeros((n, n)),
        Array2::<f64>::zeros((n, n)),
    );
    v.push(Case {
        kernel: "blur5",
        size: format!("{n}x{n} f64"),
        bytes: None,
        rumba: Box::new(move || kernels::blur5(&img, &mut out).unwrap()),
        rust: Box::new(move || plain::blur5(img2.view(), out2.view_mut())),
        serial: None,
    });

    // An integer chain through a multiply per row (FNV-1a of rows of bytes).
    let (n, m) = (20000, 64);
    let bytes = Array2::from_shape_fn((n, m), |(i, j)| ((i * 131 + j * 17) % 251) as u8);
    let (bytes2, mut hashes, mut hashes2) = (bytes.clone(), Array1::<u64>::zeros(n), vec![0; n]);
    v.push(Case {
        kernel: "fnv_rows",
        size: format!("{n} rows of {m} bytes"),
        bytes: None,
        rumba: Box::new(move || kernels::fnv_rows(&bytes, &mut hashes).unwrap()),
        rust: Box::new(move || plain::fnv_rows(bytes2.view(), &mut hashes2)),
        serial: None,
    });

    let n = 2048;
    let keys = random(n, 0.0, 1.0, 14);
    let (keys2, mut sorted, mut sorted2) = (keys.to_vec(), keys.clone(), keys.to_vec());
    v.push(Case {
        kernel: "bubble_sort",
        size: format!("{n} f64"),
        bytes: None,
        rumba: Box::new(move || {
            sorted.assign(&keys);
            kernels::bubble_sort(&mut sorted).unwrap()
        }),
        rust: Box::new(move || {
            sorted2.copy_from_slice(&keys2);
            plain::bubble_sort(&mut sorted2)
        }),
        serial: None,
    });

    // Insertion sort of rows (a `while` loop counting down from the outer counter).
    let (n, m) = (4096, 64);
    let keys = random(n * m, 0.0, 1.0, 22)
        .into_shape_with_order((n, m))
        .unwrap();
    let (keys2, mut rows, mut rows2) = (keys.clone(), keys.clone(), keys.clone());
    v.push(Case {
        kernel: "insertion_rows",
        size: format!("{n} rows of {m} f64"),
        bytes: None,
        rumba: Box::new(move || {
            rows.assign(&keys);
            kernels::insertion_rows(&mut rows).unwrap()
        }),
        rust: Box::new(move || {
            rows2.assign(&keys2);
            plain::insertion_rows(rows2.view_mut())
        }),
        serial: None,
    });

    // A binary search per query (`np.searchsorted`) in a sorted table of 2^16.
    let (n, m) = (1 << 16, 1 << 20);
    let mut table = random(n, 0.0, 1.0, 23).to_vec();
    table.sort_by(f64::total_cmp);
    let (table, queries) = (Array1::from(table), random(m, 0.0, 1.0, 24));
    let (table2, queries2, mut at, mut at2) = (
        table.to_vec(),
        queries.to_vec(),
        Array1::<usize>::zeros(m),
        vec![0; m],
    );
    v.push(Case {
        kernel: "searchsorted",
        size: "2^20 queries, 2^16 f64".into(),
        bytes: None,
        rumba: Box::new(move || kernels::searchsorted(&table, &queries, &mut at).unwrap()),
        rust: Box::new(move || plain::searchsorted(&table2, &queries2, &mut at2)),
        serial: None,
    });

    // A scanner's state machine over text (`match (state, byte)`): digits, points, spaces and
    // other letters at random, so that no branch is predictable.
    let n = 1 << 22;
    let text: Array1<u8> = random(n, 0.0, 14.0, 25).mapv(|v| b"0123456789. .x"[v as usize]);
    let text2 = text.to_vec();
    v.push(Case {
        kernel: "scan_numbers",
        size: "2^22 bytes".into(),
        bytes: None,
        rumba: Box::new(move || {
            black_box::<usize>(kernels::scan_numbers(&text).unwrap());
        }),
        rust: Box::new(move || {
            black_box(plain::scan_numbers(&text2));
        }),
        serial: None,
    });

    // The median of 2^20 random floats by sorting a copy (`sort_by(partial_cmp)`; Numba:
    // `np.sort`).
    let n = 1 << 20;
    let x = random(n, -1.0, 1.0, 26);
    let x2 = x.to_vec();
    v.push(Case {
        kernel: "median_sort",
        size: "2^20 f64".into(),
        bytes: None,
        rumba: Box::new(move || {
            black_box::<f64>(kernels::median_sort(&x).unwrap());
        }),
        rust: Box::new(move || {
            black_box(plain::median_sort(&x2));
        }),
        serial: None,
    });

    // A float carried through `max` (the NaN test of `f64::max` on its chain or beside it).
    let n = 1 << 22;
    let x = random(n, -1.0, 1.0, 18);
    let (x2, mut y, mut y2) = (x.to_vec(), Array1::<f64>::zeros(n), vec![0.0; n]);
    v.push(Case {
        kernel: "running_max",
        size: "2^22 f64".into(),
        bytes: Some(16.0 * n as f64),
        rumba: Box::new(move || kernels::running_max(&x, &mut y).unwrap()),
        rust: Box::new(move || plain::running_max(&x2, &mut y2)),
        serial: None,
    });

    // A stencil whose borders are `if`s of their own (`if i > 0 { x[i - 1] } else { x[i] }`).
    let n = 1 << 22;
    let x = random(n, -1.0, 1.0, 19);
    let (x2, mut y, mut y2) = (x.to_vec(), Array1::<f64>::zeros(n), vec![0.0; n]);
    v.push(Case {
        kernel: "smooth3",
        size: "2^22 f64".into(),
        bytes: Some(16.0 * n as f64),
        rumba: Box::new(move || kernels::smooth3(&x, &mut y).unwrap()),
        rust: Box::new(move || plain::smooth3(&x2, &mut y2)),
        serial: None,
    });

    // A sum over a short last axis (12 channels of a 512 x 512 image, `f32`).
    let (n, m, p) = (512, 512, 12);
    let a = random(n * m * p, 0.0, 1.0, 20)
        .mapv(|v| v as f32)
        .into_shape_with_order((n, m, p))
        .unwrap();
    let (a2, mut out, mut out2): (Array3<f32>, _, _) = (
        a.clone(),
        Array2::<f32>::zeros((n, m)),
        Array2::<f32>::zeros((n, m)),
    );
    v.push(Case {
        kernel: "sum_last",
        size: format!("{n}x{m}x{p} f32"),
        bytes: Some(4.0 * (n * m * (p + 1)) as f64),
        rumba: Box::new(move || kernels::sum_last(&a, &mut out).unwrap()),
        rust: Box::new(move || plain::sum_last(a2.view(), out2.view_mut())),
        serial: None,
    });

    // A 5-point convolution (an inner loop of five iterations).
    let n = 1 << 22;
    let x = random(n, -1.0, 1.0, 21);
    let w = Array1::from_vec(vec![0.1, 0.2, 0.4, 0.2, 0.1]);
    let (x2, w2, mut y, mut y2) = (
        x.to_vec(),
        w.to_vec(),
        Array1::<f64>::zeros(n),
        vec![0.0; n],
    );
    v.push(Case {
        kernel: "conv5",
        size: "2^22 f64".into(),
        bytes: Some(16.0 * n as f64),
        rumba: Box::new(move || kernels::conv5(&x, &w, &mut y).unwrap()),
        rust: Box::new(move || plain::conv5(&x2, &w2, &mut y2)),
        serial: None,
    });

    // Decimal digit sums (a `while` loop of integer divisions by 10).
    let n = 1 << 18;
    let x: Array1<u64> = (0..n as u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20)
        .collect();
    let (x2, mut s, mut s2) = (x.to_vec(), Array1::<u64>::zeros(n), vec![0u64; n]);
    v.push(Case {
        kernel: "digit_sums",
        size: "2^18 u64".into(),
        bytes: None,
        rumba: Box::new(move || kernels::digit_sums(&x, &mut s).unwrap()),
        rust: Box::new(move || plain::digit_sums(&x2, &mut s2)),
        serial: None,
    });
}
