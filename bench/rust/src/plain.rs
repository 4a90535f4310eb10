//! The benchmark kernels as a Rust user would write them by hand: the obvious index loops over
//! slices and ndarray, compiled by rustc in release with `-C target-cpu=native`.
#![allow(clippy::assign_op_pattern, clippy::needless_range_loop)]

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayView3, ArrayViewMut2, Axis};
use rumba::num_complex::Complex64;

pub fn saxpy(a: f32, x: &[f32], y: &mut [f32]) {
    for i in 0..y.len() {
        y[i] = a * x[i] + y[i];
    }
}

pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s
}

pub fn mandelbrot(out: &mut Array2<i32>, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
    let (h, w) = out.dim();
    let dx = (x1 - x0) / w as f64;
    let dy = (y1 - y0) / h as f64;
    for r in 0..h {
        let ci = y0 + r as f64 * dy;
        for c in 0..w {
            let cr = x0 + c as f64 * dx;
            let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0);
            while n < max_iter && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n += 1;
            }
            out[[r, c]] = n;
        }
    }
}

fn escape_time(c: Complex64, max_iter: i32) -> i32 {
    let mut z = Complex64::new(0.0, 0.0);
    for i in 0..max_iter {
        z = z * z + c;
        if z.re * z.re + z.im * z.im >= 4.0 {
            return i;
        }
    }
    max_iter
}

pub fn mandelbrot_numba(out: &mut Array2<i32>, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
    let (h, w) = out.dim();
    let dx = (x1 - x0) / w as f64;
    let dy = (y1 - y0) / h as f64;
    for r in 0..h {
        for col in 0..w {
            let c = Complex64::new(x0 + col as f64 * dx, y0 + r as f64 * dy);
            out[[r, col]] = escape_time(c, max_iter);
        }
    }
}

pub fn jacobi2d(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
    let (n, m) = a.dim();
    for i in 1..n - 1 {
        for j in 1..m - 1 {
            b[[i, j]] = 0.25 * (a[[i - 1, j]] + a[[i + 1, j]] + a[[i, j - 1]] + a[[i, j + 1]]);
        }
    }
}

pub fn pairwise(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    let n = x.len();
    let mut e = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let (dx, dy, dz) = (x[i] - x[j], y[i] - y[j], z[i] - z[j]);
            e += 1.0 / (dx * dx + dy * dy + dz * dz).sqrt();
        }
    }
    e
}

pub fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    for i in 0..n {
        for p in 0..k {
            let aip = a[[i, p]];
            for j in 0..m {
                c[[i, j]] += aip * b[[p, j]];
            }
        }
    }
}

pub fn matmul_dot(a: ArrayView2<f64>, b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) {
    let (n, k) = a.dim();
    let m = b.ncols();
    for i in 0..n {
        for j in 0..m {
            let mut s = 0.0;
            for p in 0..k {
                s += a[[i, p]] * b[[p, j]];
            }
            c[[i, j]] = s;
        }
    }
}

fn cnd(d: f64) -> f64 {
    let (a1, a2, a3, a4, a5) = (
        0.31938153,
        -0.356563782,
        1.781477937,
        -1.821255978,
        1.330274429,
    );
    let k = 1.0 / (1.0 + 0.2316419 * d.abs());
    let w = 1.0
        - 1.0 / (2.0 * std::f64::consts::PI).sqrt()
            * (-d * d / 2.0).exp()
            * (a1 * k + a2 * k.powi(2) + a3 * k.powi(3) + a4 * k.powi(4) + a5 * k.powi(5));
    if d < 0.0 {
        1.0 - w
    } else {
        w
    }
}

#[allow(clippy::too_many_arguments)]
pub fn black_scholes(
    s: &[f64],
    x: &[f64],
    t: &[f64],
    r: f64,
    v: f64,
    call: &mut [f64],
    put: &mut [f64],
) {
    for i in 0..s.len() {
        let sqrt_t = t[i].sqrt();
        let d1 = ((s[i] / x[i]).ln() + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t);
        let d2 = d1 - v * sqrt_t;
        let disc = (-r * t[i]).exp();
        call[i] = s[i] * cnd(d1) - x[i] * disc * cnd(d2);
        put[i] = x[i] * disc * cnd(-d2) - s[i] * cnd(-d1);
    }
}

pub fn histogram(data: &[u8], bins: &mut [i64]) {
    for i in 0..data.len() {
        bins[data[i] as usize] += 1;
    }
}

/// ndarray's own `sum` (the plain-Rust side of `sum_ndarray`).
pub fn sum_ndarray(x: ArrayView1<f64>) -> f64 {
    x.sum()
}

/// ndarray's own `dot` (the plain-Rust side of `dot_ndarray`).
pub fn dot_ndarray(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    x.dot(&y)
}

/// The same expression with ndarray's operators: a temporary array per operator.
#[allow(clippy::op_ref)] // written as users write it
pub fn chain(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    2.0 * &x * &x + 3.0 * &x * &y - &y / (1.0 + &x * &x)
}

/// SELU with ndarray's `mapv` and `*`.
pub fn selu(x: ArrayView1<f64>) -> Array1<f64> {
    let alpha = 1.6732632423543772;
    let lam = 1.0507009873554805;
    x.mapv(|v| if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam
}

/// Black-Scholes with ndarray's operators (a temporary per step).
pub fn black_scholes_expr(
    s: ArrayView1<f64>,
    x: ArrayView1<f64>,
    t: ArrayView1<f64>,
    r: f64,
    v: f64,
) -> (Array1<f64>, Array1<f64>) {
    let sqrt_t = t.mapv(f64::sqrt);
    let d1 = ((&s / &x).mapv(f64::ln) + (r + 0.5 * v * v) * &t) / (v * &sqrt_t);
    let d2 = &d1 - &(v * &sqrt_t);
    let disc = (-r * &t).mapv(f64::exp);
    let call = &s * &d1.mapv(cnd) - &x * &disc * &d2.mapv(cnd);
    let put = &x * &disc * &d2.mapv(|d| cnd(-d)) - &s * &d1.mapv(|d| cnd(-d));
    (call, put)
}

/// The sum of squared differences with ndarray's operators (a temporary per step).
pub fn sq_dist(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    (&x - &y).mapv(|d| d * d).sum()
}

/// The row softmax with ndarray's methods and operators (a temporary per step).
pub fn softmax_rows(x: ArrayView2<f64>) -> Array2<f64> {
    let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
    let e = (&x - &m.insert_axis(Axis(1))).mapv(f64::exp);
    let s = e.sum_axis(Axis(1));
    e / &s.insert_axis(Axis(1))
}

/// Broadcasting with ndarray's operators: a temporary for `x - mean`.
#[allow(clippy::op_ref)] // written as users write it
pub fn standardize_rows(
    x: ArrayView2<f64>,
    mean: ArrayView1<f64>,
    inv: ArrayView1<f64>,
) -> Array2<f64> {
    (&x - &mean) * &inv
}

pub fn affine_new(x: &[f64], a: f64, b: f64) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = a * x[i] + b;
    }
    y
}

pub fn affine_into(x: &[f64], a: f64, b: f64, y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] = a * x[i] + b;
    }
}

pub fn cumsum(x: &[f64], out: &mut [f64]) {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i];
        out[i] = s;
    }
}

pub fn kmeans_assign(x: ArrayView2<f64>, c: ArrayView2<f64>, labels: &mut [i64]) {
    let (n, d) = x.dim();
    let k = c.nrows();
    for i in 0..n {
        let mut best = f64::INFINITY;
        let mut label = 0;
        for q in 0..k {
            let mut dist = 0.0;
            for j in 0..d {
                let t = x[[i, j]] - c[[q, j]];
                dist += t * t;
            }
            if dist < best {
                best = dist;
                label = q;
            }
        }
        labels[i] = label as i64;
    }
}

pub fn floyd_warshall(mut dist: ArrayViewMut2<f64>) {
    let n = dist.nrows();
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                dist[[i, j]] = dist[[i, j]].min(dist[[i, k]] + dist[[k, j]]);
            }
        }
    }
}

pub fn running_max(x: &[f64], y: &mut [f64]) {
    let mut m = f64::NEG_INFINITY;
    for i in 0..x.len() {
        m = m.max(x[i]);
        y[i] = m;
    }
}

pub fn smooth3(x: &[f64], y: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let l = if i > 0 { x[i - 1] } else { x[i] };
        let r = if i + 1 < n { x[i + 1] } else { x[i] };
        y[i] = 0.25 * l + 0.5 * x[i] + 0.25 * r;
    }
}

pub fn sum_last(a: ArrayView3<f32>, mut out: ArrayViewMut2<f32>) {
    let (n, m, p) = a.dim();
    for i in 0..n {
        for j in 0..m {
            let mut s = 0.0f32;
            for k in 0..p {
                s += a[[i, j, k]];
            }
            out[[i, j]] = s;
        }
    }
}

pub fn conv5(x: &[f64], w: &[f64], y: &mut [f64]) {
    for i in 0..x.len() - 4 {
        let mut s = 0.0;
        for t in 0..5 {
            s += x[i + t] * w[t];
        }
        y[i] = s;
    }
}

pub fn digit_sums(x: &[u64], out: &mut [u64]) {
    for i in 0..x.len() {
        let mut v = x[i];
        let mut s = 0;
        while v > 0 {
            s += v % 10;
            v /= 10;
        }
        out[i] = s;
    }
}

pub fn fnv_rows(a: ArrayView2<u8>, out: &mut [u64]) {
    let (n, m) = a.dim();
    for i in 0..n {
        let mut h: u64 = 0xcbf29ce484222325;
        for j in 0..m {
            h ^= a[[i, j]] as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        out[i] = h;
    }
}

pub fn bubble_sort(x: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        for j in 0..n - 1 - i {
            if x[j] > x[j + 1] {
                x.swap(j, j + 1);
            }
        }
    }
}

pub fn insertion_rows(mut a: ArrayViewMut2<f64>) {
    for r in 0..a.nrows() {
        for i in 1..a.ncols() {
            let v = a[[r, i]];
            let mut j = i;
            while j > 0 && a[[r, j - 1]] > v {
                a[[r, j]] = a[[r, j - 1]];
                j -= 1;
            }
            a[[r, j]] = v;
        }
    }
}

pub fn searchsorted(x: &[f64], q: &[f64], out: &mut [usize]) {
    for k in 0..q.len() {
        let v = q[k];
        let mut lo = 0;
        let mut hi = x.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            if x[mid] < v {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        out[k] = lo;
    }
}

pub fn median_sort(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

pub fn scan_numbers(x: &[u8]) -> usize {
    let mut state = 0u8;
    let mut count = 0;
    for i in 0..x.len() {
        state = match (state, x[i]) {
            (0, b'0'..=b'9') => 1,
            (1, b'0'..=b'9') => 1,
            (1, b'.') => 2,
            (2, b'0'..=b'9') => 3,
            (3, b'0'..=b'9') => 3,
            (1, b' ') | (3, b' ') => {
                count += 1;
                0
            }
            (_, b' ') => 0,
            _ => 4,
        };
    }
    count
}

pub fn nbody_step(mut pos: ArrayViewMut2<f64>, mut vel: ArrayViewMut2<f64>, mass: &[f64], dt: f64) {
    let n = mass.len();
    for i in 0..n {
        let (mut ax, mut ay, mut az) = (0.0, 0.0, 0.0);
        for j in 0..n {
            if i != j {
                let dx = pos[[j, 0]] - pos[[i, 0]];
                let dy = pos[[j, 1]] - pos[[i, 1]];
                let dz = pos[[j, 2]] - pos[[i, 2]];
                let r2 = dx * dx + dy * dy + dz * dz + 1e-9;
                let inv = mass[j] / (r2 * r2.sqrt());
                ax += dx * inv;
                ay += dy * inv;
                az += dz * inv;
            }
        }
        vel[[i, 0]] += dt * ax;
        vel[[i, 1]] += dt * ay;
        vel[[i, 2]] += dt * az;
    }
    for i in 0..n {
        for k in 0..3 {
            pos[[i, k]] += dt * vel[[i, k]];
        }
    }
}

pub fn blur5(a: ArrayView2<f64>, mut b: ArrayViewMut2<f64>) {
    let (n, m) = a.dim();
    for i in 0..n {
        for j in 0..m {
            if i < 2 || j < 2 || i + 2 >= n || j + 2 >= m {
                b[[i, j]] = a[[i, j]];
            } else {
                let mut s = 0.0;
                for di in 0..5 {
                    for dj in 0..5 {
                        s += a[[i + di - 2, j + dj - 2]];
                    }
                }
                b[[i, j]] = s / 25.0;
            }
        }
    }
}
