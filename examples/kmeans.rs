//! k-means clustering, written as a Numba user writes it: each step allocates and returns its
//! results (labels and inertia, new centroids and counts) instead of taking output arguments.
//! The assignment step runs its points in parallel, each with a scratch row of distances. The
//! example checks every step against the same code in plain Rust, bit for bit.
//!
//!     cargo run --example kmeans

use ndarray::{Array1, Array2, ArrayView2};

rumba::compile! {
    /// The nearest centroid of every point, and the sum of the squared distances to it.
    fn assign(x: ArrayView2<f64>, c: ArrayView2<f64>) -> (Array1<usize>, f64) {
        let (n, d) = x.dim();
        let k = c.nrows();
        let mut labels = Array1::zeros(n);
        let mut inertia = 0.0;
        for i in prange(0..n) {
            let mut dist = vec![0.0; k];
            for j in 0..k {
                let mut s = 0.0;
                for t in 0..d {
                    let e = x[[i, t]] - c[[j, t]];
                    s += e * e;
                }
                dist[j] = s;
            }
            let (best, at) = smallest(&dist);
            labels[i] = at;
            inertia += best;
        }
        (labels, inertia)
    }

    fn smallest(v: &[f64]) -> (f64, usize) {
        let mut best = v[0];
        let mut at = 0;
        for j in 1..v.len() {
            if v[j] < best {
                best = v[j];
                at = j;
            }
        }
        (best, at)
    }

    /// The mean of each cluster's points (a cluster without points keeps its old centroid).
    fn update(x: ArrayView2<f64>, labels: &[usize], old: ArrayView2<f64>) -> (Array2<f64>, Array1<u64>) {
        let (k, d) = old.dim();
        let mut sums = Array2::<f64>::zeros((k, d));
        let mut counts = Array1::zeros(k);
        for i in 0..x.nrows() {
            let j = labels[i];
            counts[j] += 1u64;
            let mut row = sums.row_mut(j);
            for t in 0..d {
                row[t] += x[[i, t]];
            }
        }
        for j in 0..k {
            for t in 0..d {
                sums[[j, t]] = if counts[j] > 0 {
                    sums[[j, t]] / counts[j] as f64
                } else {
                    old[[j, t]]
                };
            }
        }
        (sums, counts)
    }
}

/// The same two steps in plain Rust, in the same order of operations.
fn assign_rust(x: ArrayView2<f64>, c: ArrayView2<f64>) -> (Array1<usize>, f64) {
    let mut labels = Array1::zeros(x.nrows());
    let mut inertia = 0.0;
    for i in 0..x.nrows() {
        let dist: Vec<f64> = (0..c.nrows())
            .map(|j| {
                let mut s = 0.0;
                for t in 0..x.ncols() {
                    let e = x[[i, t]] - c[[j, t]];
                    s += e * e;
                }
                s
            })
            .collect();
        let (mut best, mut at) = (dist[0], 0);
        for (j, &v) in dist.iter().enumerate().skip(1) {
            if v < best {
                (best, at) = (v, j);
            }
        }
        labels[i] = at;
        inertia += best;
    }
    (labels, inertia)
}

fn update_rust(x: ArrayView2<f64>, labels: &[usize], old: ArrayView2<f64>) -> Array2<f64> {
    let mut sums = Array2::<f64>::zeros(old.dim());
    let mut counts = vec![0u64; old.nrows()];
    for (i, &j) in labels.iter().enumerate() {
        counts[j] += 1;
        for t in 0..x.ncols() {
            sums[[j, t]] += x[[i, t]];
        }
    }
    for ((j, t), v) in sums.indexed_iter_mut() {
        *v = if counts[j] > 0 {
            *v / counts[j] as f64
        } else {
            old[[j, t]]
        };
    }
    sums
}

fn main() -> Result<(), rumba::Error> {
    let (n, d, k) = (20_000, 4, 8);
    let mut seed = 7u64;
    let mut rnd = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Array2::from_shape_fn((n, d), |(i, _)| (i % k) as f64 * 3.0 + rnd());
    let mut c = x.slice(ndarray::s![..k, ..]).to_owned();
    for step in 0..10 {
        let (labels, inertia): (Array1<usize>, f64) = assign(&x, &c)?;
        let (labels_r, inertia_r) = assign_rust(x.view(), c.view());
        assert_eq!(labels, labels_r);
        // The parallel loop adds the inertia in another order: equal up to rounding.
        assert!((inertia - inertia_r).abs() <= 1e-9 * inertia_r.abs());
        let (next, counts): (Array2<f64>, Array1<u64>) = update(&x, &labels.to_vec()[..], &c)?;
        assert_eq!(next, update_rust(x.view(), &labels.to_vec(), c.view()));
        assert_eq!(counts.sum(), n as u64);
        println!("step {step}: inertia {inertia:.6}");
        c = next;
    }
    println!("centroids:\n{c:.3}");
    Ok(())
}
