macro_rules! twin {
    ($($t:tt)*) => {
        rumba::compile! { $($t)* }
        #[allow(unused_mut, unused_variables, dead_code, clippy::all)]
        mod rs {
            use ndarray::prelude::*;
            $($t)*
        }
    };
}
use ndarray::prelude::*;
use std::hint::black_box;
use std::time::Instant;

twin! {
    /// FIR filter with a short, run-time tap count.
    pub fn fir(x: ArrayView1<f64>, h: ArrayView1<f64>) -> Array1<f64> {
        let k = h.len();
        let n = x.len() - k + 1;
        let mut y = Array1::zeros(n);
        for i in 0..n {
            let mut s = 0.0;
            for t in 0..k {
                s += h[t] * x[i + t];
            }
            y[i] = s;
        }
        y
    }
    /// Column-major matrix-vector product (axpy per column).
    pub fn gemv_cols(a: ArrayView2<f64>, x: ArrayView1<f64>) -> Array1<f64> {
        let (m, n) = a.dim();
        let mut y = Array1::zeros(m);
        for j in 0..n {
            let xj = x[j];
            for i in 0..m {
                y[i] += a[[i, j]] * xj;
            }
        }
        y
    }
    /// Row softmax, strict.
    pub fn softmax_rows(a: ArrayView2<f64>) -> Array2<f64> {
        let (m, n) = a.dim();
        let mut out = Array2::zeros((m, n));
        for i in 0..m {
            let mut mx = f64::NEG_INFINITY;
            for j in 0..n {
                mx = mx.max(a[[i, j]]);
            }
            let mut s = 0.0;
            for j in 0..n {
                let e = (a[[i, j]] - mx).exp();
                out[[i, j]] = e;
                s += e;
            }
            for j in 0..n {
                out[[i, j]] /= s;
            }
        }
        out
    }
    /// Welford running mean and variance.
    pub fn welford(x: ArrayView1<f64>) -> (f64, f64) {
        let mut mean = 0.0;
        let mut m2 = 0.0;
        let mut n = 0.0;
        for &v in x.iter() {
            n += 1.0;
            let d = v - mean;
            mean += d / n;
            m2 += d * (v - mean);
        }
        (mean, m2 / (n - 1.0))
    }
    /// Horner evaluation of a polynomial at every point.
    pub fn horner(x: ArrayView1<f64>, c: ArrayView1<f64>) -> Array1<f64> {
        x.mapv(|v| {
            let mut acc = 0.0;
            for k in (0..c.len()).rev() {
                acc = acc * v + c[k];
            }
            acc
        })
    }
    /// Forward substitution with a lower-triangular matrix.
    pub fn forward_sub(l: ArrayView2<f64>, b: ArrayView1<f64>) -> Array1<f64> {
        let n = b.len();
        let mut x = Array1::zeros(n);
        for i in 0..n {
            let mut s = b[i];
            for j in 0..i {
                s -= l[[i, j]] * x[j];
            }
            x[i] = s / l[[i, i]];
        }
        x
    }
    /// Exponential moving average.
    pub fn ema(x: ArrayView1<f64>, alpha: f64) -> Array1<f64> {
        let mut out = Array1::zeros(x.len());
        let mut prev = x[0];
        for i in 0..x.len() {
            prev = alpha * x[i] + (1.0 - alpha) * prev;
            out[i] = prev;
        }
        out
    }
    /// Transpose into a new array.
    pub fn transpose(a: ArrayView2<f64>) -> Array2<f64> {
        let (m, n) = a.dim();
        let mut b = Array2::zeros((n, m));
        for i in 0..m {
            for j in 0..n {
                b[[j, i]] = a[[i, j]];
            }
        }
        b
    }
    /// 2x2 max pooling.
    pub fn maxpool(a: ArrayView2<f64>) -> Array2<f64> {
        let (m, n) = a.dim();
        let mut out = Array2::zeros((m / 2, n / 2));
        for i in 0..m / 2 {
            for j in 0..n / 2 {
                let p = a[[2 * i, 2 * j]].max(a[[2 * i, 2 * j + 1]]);
                let q = a[[2 * i + 1, 2 * j]].max(a[[2 * i + 1, 2 * j + 1]]);
                out[[i, j]] = p.max(q);
            }
        }
        out
    }
    /// Transitions in a sequence of labels.
    pub fn transitions(x: ArrayView1<i64>) -> usize {
        let mut c = 0;
        for i in 1..x.len() {
            if x[i] != x[i - 1] {
                c += 1;
            }
        }
        c
    }
    /// Sparse dot product of two sorted index lists (merge).
    pub fn sparse_dot(ia: ArrayView1<i64>, va: ArrayView1<f64>, ib: ArrayView1<i64>, vb: ArrayView1<f64>) -> f64 {
        let (mut p, mut q) = (0, 0);
        let mut s = 0.0;
        while p < ia.len() && q < ib.len() {
            if ia[p] == ib[q] {
                s += va[p] * vb[q];
                p += 1;
                q += 1;
            } else if ia[p] < ib[q] {
                p += 1;
            } else {
                q += 1;
            }
        }
        s
    }
    /// Nearest centroid per row of a distance computation (argmin over k).
    pub fn nearest(x: ArrayView2<f64>, c: ArrayView2<f64>) -> Array1<usize> {
        let n = x.nrows();
        let mut out = Array1::zeros(n);
        for i in 0..n {
            let mut best = f64::INFINITY;
            let mut arg = 0;
            for k in 0..c.nrows() {
                let d = (&x.row(i) - &c.row(k)).mapv(|t| t * t).sum();
                if d < best {
                    best = d;
                    arg = k;
                }
            }
            out[i] = arg;
        }
        out
    }
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        black_box(f());
        v.push(t.elapsed().as_secs_f64() * 1e3);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[reps / 2]
}

fn main() {
    let only = std::env::args().nth(1);
    let lcg = |n: usize, seed: u64| {
        let mut s = seed;
        Array1::from_shape_fn(n, move |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
    };
    macro_rules! cmp {
        ($name:expr, $reps:expr, $r:expr, $p:expr) => {
            if only.as_deref().map_or(true, |o| o == $name) {
                let got = $r.expect("rumba call");
                let want = $p;
                let same = got == want;
                let (mut tr, mut tp) = (0.0f64, 0.0f64);
                for _ in 0..3 {
                    tr += time($reps, || $r.unwrap());
                    tp += time($reps, || $p);
                }
                println!(
                    "{:14} {} rumba {:8.3} ms  rust {:8.3} ms  ratio {:.2}",
                    $name,
                    if same { "ok  " } else { "DIFF" },
                    tr / 3.0,
                    tp / 3.0,
                    tr / tp
                );
            }
        };
    }
    let x = lcg(1 << 20, 1);
    let h = lcg(16, 2);
    cmp!(
        "fir",
        10,
        fir(&x, &h).map(|v: Array1<f64>| v),
        rs::fir(x.view(), h.view())
    );
    let a = lcg(1024 * 1024, 3)
        .into_shape_with_order((1024, 1024))
        .unwrap();
    let v = lcg(1024, 4);
    cmp!(
        "gemv_cols",
        10,
        gemv_cols(&a, &v).map(|v: Array1<f64>| v),
        rs::gemv_cols(a.view(), v.view())
    );
    let sm = lcg(512 * 256, 5).into_shape_with_order((512, 256)).unwrap();
    cmp!(
        "softmax_rows",
        10,
        softmax_rows(&sm).map(|v: Array2<f64>| v),
        rs::softmax_rows(sm.view())
    );
    cmp!(
        "welford",
        10,
        welford(&x).map(|v: (f64, f64)| v),
        rs::welford(x.view())
    );
    let c = lcg(8, 6);
    cmp!(
        "horner",
        10,
        horner(&x, &c).map(|v: Array1<f64>| v),
        rs::horner(x.view(), c.view())
    );
    let l = Array2::from_shape_fn((1024, 1024), |(i, j)| {
        if j <= i {
            1.0 + ((i * 7 + j) % 13) as f64 * 0.01
        } else {
            0.0
        }
    });
    cmp!(
        "forward_sub",
        10,
        forward_sub(&l, &v).map(|v: Array1<f64>| v),
        rs::forward_sub(l.view(), v.view())
    );
    cmp!(
        "ema",
        10,
        ema(&x, 0.1).map(|v: Array1<f64>| v),
        rs::ema(x.view(), 0.1)
    );
    cmp!(
        "transpose",
        10,
        transpose(&a).map(|v: Array2<f64>| v),
        rs::transpose(a.view())
    );
    cmp!(
        "maxpool",
        10,
        maxpool(&a).map(|v: Array2<f64>| v),
        rs::maxpool(a.view())
    );
    let labels = x.mapv(|v| (v * 3.0) as i64);
    cmp!(
        "transitions",
        10,
        transitions(&labels).map(|v: usize| v),
        rs::transitions(labels.view())
    );
    let ia = Array1::from_shape_fn(1 << 18, |i| (i * 3) as i64);
    let ib = Array1::from_shape_fn(1 << 18, |i| (i * 5) as i64);
    let va = lcg(1 << 18, 7);
    let vb = lcg(1 << 18, 8);
    cmp!(
        "sparse_dot",
        10,
        sparse_dot(&ia, &va, &ib, &vb).map(|v: f64| v),
        rs::sparse_dot(ia.view(), va.view(), ib.view(), vb.view())
    );
    let px = lcg(4096 * 8, 9).into_shape_with_order((4096, 8)).unwrap();
    let pc = lcg(16 * 8, 10).into_shape_with_order((16, 8)).unwrap();
    cmp!(
        "nearest",
        5,
        nearest(&px, &pc).map(|v: Array1<usize>| v),
        rs::nearest(px.view(), pc.view())
    );
}
