//! The kernels of the examples, the snapshot tests and the benchmarks: one source of truth.
#![allow(dead_code)]

rumba::compile! {
    /// `a*x + b` into a new array that the kernel allocates and returns (Numba's "`np.empty`,
    /// fill, return" pattern).
    pub fn affine_new(x: ArrayView1<f64>, a: f64, b: f64) -> Array1<f64> {
        let mut y = Array1::zeros(x.len());
        for i in 0..x.len() {
            y[i] = a * x[i] + b;
        }
        y
    }

    /// ndarray's `x.sum()`: eight partial sums over memory order, ndarray's result bit for bit.
    pub fn sum_ndarray(x: ArrayView1<f64>) -> f64 {
        x.sum()
    }

    /// ndarray's `x.dot(&y)` (its `unrolled_dot`), bit for bit.
    pub fn dot_ndarray(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        x.dot(&y)
    }

    /// `2x² + 3xy − y/(1+x²)` on whole arrays: one fused pass, one new array.
    pub fn chain(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
        2.0 * &x * &x + 3.0 * &x * &y - &y / (1.0 + &x * &x)
    }

    /// SELU with `mapv` and an array operator: one new array each.
    pub fn selu(x: ArrayView1<f64>) -> Array1<f64> {
        let alpha = 1.6732632423543772;
        let lam = 1.0507009873554805;
        x.mapv(|v| if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam
    }

    /// The row softmax as an ndarray user writes it: row maxima (`fold_axis`), one
    /// fused broadcast pass for `exp(x - max)`, row sums (`sum_axis`), one broadcast division.
    pub fn softmax_rows(x: ArrayView2<f64>) -> Array2<f64> {
        let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
        let e = (&x - &m.insert_axis(Axis(1))).mapv(f64::exp);
        let s = e.sum_axis(Axis(1));
        e / &s.insert_axis(Axis(1))
    }

    /// `selu` and `softmax_rows` with `fastmath`: `exp` from glibc's vector math library
    /// (libmvec, within 4 ulp), as JAX's XLA uses its own vectorized approximation.
    #[rumba(fastmath)]
    pub fn selu_fast(x: ArrayView1<f64>) -> Array1<f64> {
        let alpha = 1.6732632423543772;
        let lam = 1.0507009873554805;
        x.mapv(|v| if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam
    }

    #[rumba(fastmath)]
    pub fn softmax_rows_fast(x: ArrayView2<f64>) -> Array2<f64> {
        let m = x.fold_axis(Axis(1), f64::NEG_INFINITY, |a, &b| a.max(b));
        let e = (&x - &m.insert_axis(Axis(1))).mapv(f64::exp);
        let s = e.sum_axis(Axis(1));
        e / &s.insert_axis(Axis(1))
    }

    /// The hand-written loops of `chain` and `selu`.
    pub fn chain_loop(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
        let mut z = Array1::zeros(x.len());
        for i in 0..x.len() {
            let (a, b) = (x[i], y[i]);
            z[i] = 2.0 * a * a + 3.0 * a * b - b / (1.0 + a * a);
        }
        z
    }

    /// SELU of one number, applied to whole arrays as a ufunc (`selu_ufunc(&x)`: a new array).
    #[rumba(vectorize)]
    pub fn selu_ufunc(v: f64) -> f64 {
        let alpha = 1.6732632423543772;
        let lam = 1.0507009873554805;
        (if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam
    }

    pub fn selu_loop(x: ArrayView1<f64>) -> Array1<f64> {
        let alpha = 1.6732632423543772;
        let lam = 1.0507009873554805;
        let mut z = Array1::zeros(x.len());
        for i in 0..x.len() {
            let v = x[i];
            z[i] = (if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }) * lam;
        }
        z
    }

    /// The sum of squared differences: one fused pass in ndarray's order of additions, no
    /// temporary array.
    pub fn sq_dist(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        (&x - &y).mapv(|d| d * d).sum()
    }

    /// `sq_dist` with `fastmath`: the additions in any order (JAX's XLA reassociates its sums),
    /// so that LLVM keeps several vector partial sums.
    #[rumba(fastmath)]
    pub fn sq_dist_fast(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        (&x - &y).mapv(|d| d * d).sum()
    }

    /// The same with the squares bound to a name: a new array, then its sum.
    pub fn sq_dist_unfused(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        let d = (&x - &y).mapv(|d| d * d);
        d.sum()
    }

    /// The hand loop (one running sum: a different order of additions).
    pub fn sq_dist_loop(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let d = x[i] - y[i];
            s += d * d;
        }
        s
    }

    /// Broadcasting: each row of a matrix centred and scaled by two rows, one fused pass.
    pub fn standardize_rows(x: ArrayView2<f64>, mean: ArrayView1<f64>, inv: ArrayView1<f64>) -> Array2<f64> {
        (&x - &mean) * &inv
    }

    /// `a*x + b` into the caller's array.
    pub fn affine_into(x, a: f64, b: f64, y) {
        for i in 0..y.len() {
            y[i] = a * x[i] + b;
        }
    }

    /// y <- a*x + y
    pub fn saxpy(a, x, y) {
        for i in 0..y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    /// The dot product, summed in order (IEEE-exact, so it matches a plain Rust loop bit for bit).
    pub fn dot(x, y) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i] * y[i];
        }
        s
    }

    /// The dot product with reassociation allowed, so LLVM vectorizes the sum (`fastmath` covers
    /// the functions a kernel calls).
    #[rumba(fastmath)]
    pub fn dot_fast(x, y) {
        dot(x, y)
    }

    /// Escape-time iterations of the Mandelbrot set over [x0, x1] x [y0, y1].
    pub fn mandelbrot(out, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
        let (h, w) = out.dim();
        let dx = (x1 - x0) / w as f64;
        let dy = (y1 - y0) / h as f64;
        for r in 0..h {
            let ci = y0 + r as f64 * dy;
            for c in 0..w {
                let cr = x0 + c as f64 * dx;
                let mut zr = 0.0;
                let mut zi = 0.0;
                let mut n = 0;
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

    /// `mandelbrot` written with `Complex64` (num-complex): the same escape counts, as fast.
    pub fn mandelbrot_complex(out, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
        let (h, w) = out.dim();
        let dx = (x1 - x0) / w as f64;
        let dy = (y1 - y0) / h as f64;
        for r in 0..h {
            for col in 0..w {
                let c = Complex64::new(x0 + col as f64 * dx, y0 + r as f64 * dy);
                let mut z = Complex64::zero();
                let mut n = 0;
                while n < max_iter && z.norm_sqr() <= 4.0 {
                    z = z * z + c;
                    n += 1;
                }
                out[[r, col]] = n;
            }
        }
    }

    /// Mandelbrot as Numba's documentation writes it: a per-pixel helper that returns from
    /// inside its loop, the test after the update (so a pixel's count is one less than
    /// `mandelbrot`'s where it escapes). `passes::inline` brings the helper into the pixel loop,
    /// `passes::exits` makes its loop a `while` loop, and `unroll_jam` runs it in vector lanes.
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

    /// The image of [`escape_time`].
    pub fn mandelbrot_numba(out, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
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

    /// One Jacobi sweep of the 5-point Laplace stencil: interior of `b` from `a`.
    pub fn jacobi2d(a, b) {
        let (n, m) = a.dim();
        for i in 1..n - 1 {
            for j in 1..m - 1 {
                b[[i, j]] = 0.25 * (a[[i - 1, j]] + a[[i + 1, j]] + a[[i, j - 1]] + a[[i, j + 1]]);
            }
        }
    }

    /// Total potential energy: sum over i < j of 1 / |p_i - p_j| for points (x, y, z).
    pub fn pairwise(x, y, z) {
        let n = x.len();
        let mut e = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                let dx = x[i] - x[j];
                let dy = y[i] - y[j];
                let dz = z[i] - z[j];
                e += 1.0 / (dx * dx + dy * dy + dz * dz).sqrt();
            }
        }
        e
    }

    /// c <- a b (naive i-k-j order; c must start zeroed).
    pub fn matmul(a, b, c) {
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

    /// The matrix product written as one dot product per element (the textbook form): rumba
    /// interchanges it into `matmul`'s loop order, then tiles it; same bits as this loop.
    pub fn matmul_dot(a, b, c) {
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

    /// `matmul` with `fastmath`: each `c += a * b` may become one fused multiply-add (rounded once,
    /// so not the plain loop's bits).
    #[rumba(fastmath)]
    pub fn matmul_fastmath(a, b, c) {
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

    /// The cumulative normal distribution (Abramowitz-Stegun polynomial).
    fn cnd(d: f64) -> f64 {
        let a1 = 0.31938153;
        let a2 = -0.356563782;
        let a3 = 1.781477937;
        let a4 = -1.821255978;
        let a5 = 1.330274429;
        let k = 1.0 / (1.0 + 0.2316419 * d.abs());
        let w = 1.0 - 1.0 / (2.0 * std::f64::consts::PI).sqrt() * (-d * d / 2.0).exp()
            * (a1 * k + a2 * k.powi(2) + a3 * k.powi(3) + a4 * k.powi(4) + a5 * k.powi(5));
        if d < 0.0 { 1.0 - w } else { w }
    }

    /// Black-Scholes written as array expressions, as NumPy code is: one fused pass per `let`.
    pub fn black_scholes_expr(s: ArrayView1<f64>, x: ArrayView1<f64>, t: ArrayView1<f64>, r: f64, v: f64) -> (Array1<f64>, Array1<f64>) {
        let sqrt_t = t.mapv(f64::sqrt);
        let d1 = ((&s / &x).mapv(f64::ln) + (r + 0.5 * v * v) * &t) / (v * &sqrt_t);
        let d2 = &d1 - &(v * &sqrt_t);
        let disc = (-r * &t).mapv(f64::exp);
        let call = &s * &d1.mapv(|d| cnd(d)) - &x * &disc * &d2.mapv(|d| cnd(d));
        let put = &x * &disc * &d2.mapv(|d| cnd(-d)) - &s * &d1.mapv(|d| cnd(-d));
        (call, put)
    }

    /// The loop of `black_scholes` returning its prices in new arrays, as `black_scholes_expr`
    /// does (the hand-written side of its row).
    pub fn black_scholes_new(s: ArrayView1<f64>, x: ArrayView1<f64>, t: ArrayView1<f64>, r: f64, v: f64) -> (Array1<f64>, Array1<f64>) {
        let mut call = Array1::<f64>::zeros(s.len());
        let mut put = Array1::<f64>::zeros(s.len());
        black_scholes(s, x, t, r, v, &mut call, &mut put);
        (call, put)
    }

    /// European call and put prices (Black-Scholes).
    pub fn black_scholes(s, x, t, r: f64, v: f64, call, put) {
        for i in 0..s.len() {
            let sqrt_t = t[i].sqrt();
            let d1 = ((s[i] / x[i]).ln() + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t);
            let d2 = d1 - v * sqrt_t;
            let disc = (-r * t[i]).exp();
            call[i] = s[i] * cnd(d1) - x[i] * disc * cnd(d2);
            put[i] = x[i] * disc * cnd(-d2) - s[i] * cnd(-d1);
        }
    }

    /// Black-Scholes with fast-math: vectorizable transcendental functions.
    #[rumba(fastmath)]
    pub fn black_scholes_fast(s, x, t, r: f64, v: f64, call, put) {
        black_scholes(s, x, t, r, v, call, put)
    }

    /// The dot product over `prange`: a `+=` reduction, summed per chunk of iterations and the
    /// partial sums added in whatever order the chunks finish (so not bit-identical to `dot`).
    #[rumba(fastmath)]
    pub fn dot_par(x, y) {
        let mut s = 0.0;
        for i in prange(0..x.len()) {
            s += x[i] * y[i];
        }
        s
    }

    /// `mandelbrot` with its rows spread over threads.
    pub fn mandelbrot_par(out, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
        let (h, w) = out.dim();
        let dx = (x1 - x0) / w as f64;
        let dy = (y1 - y0) / h as f64;
        for r in prange(0..h) {
            let ci = y0 + r as f64 * dy;
            for c in 0..w {
                let cr = x0 + c as f64 * dx;
                let mut zr = 0.0;
                let mut zi = 0.0;
                let mut n = 0;
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

    /// `matmul` with the rows of `c` spread over threads.
    pub fn matmul_par(a, b, c) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in prange(0..n) {
            for p in 0..k {
                let aip = a[[i, p]];
                for j in 0..m {
                    c[[i, j]] += aip * b[[p, j]];
                }
            }
        }
    }

    /// `black_scholes` over `prange`.
    pub fn black_scholes_par(s, x, t, r: f64, v: f64, call, put) {
        for i in prange(0..s.len()) {
            let sqrt_t = t[i].sqrt();
            let d1 = ((s[i] / x[i]).ln() + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t);
            let d2 = d1 - v * sqrt_t;
            let disc = (-r * t[i]).exp();
            call[i] = s[i] * cnd(d1) - x[i] * disc * cnd(d2);
            put[i] = x[i] * disc * cnd(-d2) - s[i] * cnd(-d1);
        }
    }

    /// Counts of each byte value.
    pub fn histogram(data, bins) {
        for i in 0..data.len() {
            bins[data[i] as usize] += 1;
        }
    }

    /// `histogram` over `prange`: `bins` is an array reduction (each chunk of iterations counts
    /// into its own copy, added into `bins` at its end), so the counts are exact.
    pub fn histogram_par(data, bins) {
        for i in prange(0..data.len()) {
            bins[data[i] as usize] += 1;
        }
    }

    /// The smallest kernel: measures call overhead.
    pub fn add(a, b) {
        a + b
    }

    /// out[i] = x[0] + ... + x[i]
    pub fn cumsum(x, out) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
            out[i] = s;
        }
    }

    /// k-means assignment step: each point's nearest centre, by squared distance over the short
    /// axis `d` (a float recurrence of a few iterations, run once per point and centre).
    pub fn kmeans_assign(x, c, labels) {
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

    /// Floyd-Warshall all-pairs shortest paths, in place, relaxing with `f64::min`.
    pub fn floyd_warshall(dist) {
        let n = dist.nrows();
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    dist[[i, j]] = dist[[i, j]].min(dist[[i, k]] + dist[[k, j]]);
                }
            }
        }
    }

    /// The running maximum of a signal: `m = m.max(x[i])`, a float carried through `max`.
    pub fn running_max(x, y) {
        let mut m = f64::NEG_INFINITY;
        for i in 0..x.len() {
            m = m.max(x[i]);
            y[i] = m;
        }
    }

    /// Three-point smoothing with each border written as an `if` of its own (the copy of the
    /// edge value), as it is first written: split into borders and an interior loop twice.
    pub fn smooth3(x, y) {
        let n = x.len();
        for i in 0..n {
            let l = if i > 0 { x[i - 1] } else { x[i] };
            let r = if i + 1 < n { x[i + 1] } else { x[i] };
            y[i] = 0.25 * l + 0.5 * x[i] + 0.25 * r;
        }
    }

    /// A sum over the short last axis of a 3-D array (channels of an image): one sum per
    /// element of the first two axes, each over consecutive elements.
    pub fn sum_last(a, out) {
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

    /// A 5-point convolution: an inner loop of five iterations, unrolled whole by LLVM.
    pub fn conv5(x, w, y) {
        for i in 0..x.len() - 4 {
            let mut s = 0.0;
            for t in 0..5 {
                s += x[i + t] * w[t];
            }
            y[i] = s;
        }
    }

    /// The sum of each number's decimal digits: a `while` loop dividing integers.
    pub fn digit_sums(x, out) {
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

    /// FNV-1a of each row of bytes: an integer chain through a multiply per row, which
    /// unroll-and-jam runs four rows at a time as four scalar chains.
    pub fn fnv_rows(a, out) {
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

    /// Bubble sort: compare-and-swap of neighbours.
    pub fn bubble_sort(x) {
        let n = x.len();
        for i in 0..n {
            for j in 0..n - 1 - i {
                if x[j] > x[j + 1] {
                    let t = x[j];
                    x[j] = x[j + 1];
                    x[j + 1] = t;
                }
            }
        }
    }

    /// Insertion sort of each row: the shift's counter `j` counts down from `i` under the test
    /// `j > 0`, so versioning proves `a[[r, j]]` and `a[[r, j - 1]]` in bounds with `i`.
    pub fn insertion_rows(a) {
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

    /// For each query, the first index of the sorted `x` whose value is not below it (NumPy's
    /// `searchsorted`, Python's `bisect_left`): a binary search per element.
    pub fn searchsorted(x, q, out) {
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

    /// The numbers (`12`, `3.25`) in space-separated text: a scanner's state machine, one
    /// `match (state, byte)` per byte (a decision tree, as rustc builds it).
    pub fn scan_numbers(x) {
        let mut state = 0u8;
        let mut count = 0usize;
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

    /// The median of a copy sorted with `sort_by(|a, b| a.partial_cmp(b).unwrap())`, as a
    /// Rust user writes it (a stable sort of floats: a NaN is an error).
    pub fn median_sort(x) -> f64 {
        let mut v = x.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    }

    /// One step of `n` bodies under softened gravity: accelerations from every other body, then
    /// velocities and positions (`pos`, `vel`: n x 3).
    pub fn nbody_step(pos, vel, mass, dt: f64) {
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

    /// 5x5 box blur of the interior of `a` into `b`, the two-pixel border copied.
    pub fn blur5(a, b) {
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
}
