//! Kernels of the GPU tests and the GPU benchmark: `prange` kernels that run on either device, and
//! explicit `#[rumba(cuda)]` kernels. One source of truth for both.
#![allow(dead_code)]

rumba::compile! {
    /// y <- a*x + y, one element per iteration.
    pub fn saxpy(a, x, y) {
        for i in prange(0..y.len()) {
            y[i] = a * x[i] + y[i];
        }
    }

    /// A `prange` reduction: on the GPU each warp combines its threads' partial sums with
    /// shuffles, then adds them to the total with one atomic.
    pub fn dot(x, y) {
        let mut s = 0.0;
        for i in prange(0..x.len()) {
            s += x[i] * y[i];
        }
        s
    }

    /// Several reductions at once, with code before and after the loop.
    pub fn stats(x, ints) -> f64 {
        if x.len() == 0 {
            return -1.0;
        }
        let first = x[0];
        let mut sum = 0.0;
        let mut lo = first;
        let mut hi = first;
        let mut positive = 0u32;
        let mut mixed = 0i64;
        let mut ones = -1i64;
        for i in prange(0..x.len()) {
            sum += x[i];
            lo = lo.min(x[i]);
            hi = hi.max(x[i]);
            if x[i] > 0.0 {
                positive += 1;
            }
            mixed ^= ints[i];
            ones &= ints[i] | 1;
        }
        sum / x.len() as f64 + (hi - lo) * 1000.0 + positive as f64 * 1.0e6 + (mixed & 1023) as f64 * 1.0e9 + ones as f64
    }

    /// Reductions over narrow integers (combined as 32-bit values on the GPU), wrapping as
    /// Rust's release builds do.
    pub fn narrow(b) -> i64 {
        let mut sum = 0u8;
        let mut back = 0i16;
        let mut top = -100i16;
        let mut least = 255u8;
        let mut prod = 1i32;
        let mut bits = 0u16;
        for i in prange(0..b.len()) {
            sum += b[i];
            back -= b[i] as i16;
            top = top.max(b[i] as i16 - 100);
            least = least.min(b[i]);
            prod *= (b[i] % 3) as i32 + 1;
            bits |= 1u16 << (b[i] % 16);
        }
        sum as i64 + (back as i64) * 1000 + (top as i64) * 1000000 + (least as i64) * 1000000000 + (prod as i64) * 1000000000000 + bits as i64
    }

    /// The cumulative normal distribution (Abramowitz-Stegun polynomial).
    pub fn cnd(d: f32) -> f32 {
        let a1 = 0.31938153f32;
        let a2 = -0.356563782f32;
        let a3 = 1.781477937f32;
        let a4 = -1.821255978f32;
        let a5 = 1.330274429f32;
        let k = 1.0 / (1.0 + 0.2316419 * d.abs());
        let poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))));
        let w = 1.0 - 0.3989422804014327 * (-0.5 * d * d).exp() * poly;
        if d < 0.0 { 1.0 - w } else { w }
    }

    /// European call and put prices.
    pub fn black_scholes(s, k, t, r: f32, v: f32, call, put) {
        for i in prange(0..s.len()) {
            let sqrt_t = t[i].sqrt();
            let d1 = ((s[i] / k[i]).ln() + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t);
            let d2 = d1 - v * sqrt_t;
            let e = (-r * t[i]).exp();
            call[i] = s[i] * cnd(d1) - k[i] * e * cnd(d2);
            put[i] = k[i] * e * cnd(-d2) - s[i] * cnd(-d1);
        }
    }

    /// Escape-time iterations of each pixel, pixels spread over the GPU.
    pub fn mandelbrot(x0: f32, y0: f32, dx: f32, max_iter: u32, out) {
        let (h, w) = out.dim();
        for p in prange(0..h * w) {
            let r = p / w;
            let c = p % w;
            let cr = x0 + c as f32 * dx;
            let ci = y0 + r as f32 * dx;
            let mut zr = 0.0f32;
            let mut zi = 0.0f32;
            let mut n = 0u32;
            while n < max_iter && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n += 1;
            }
            out[[r, c]] = n;
        }
    }

    /// One Jacobi step of the 2-D Laplace equation on the interior, one point per iteration (so
    /// neighbouring GPU threads read neighbouring memory).
    pub fn stencil(a, b) {
        let (n, m) = a.dim();
        let inner = m - 2;
        for p in prange(0..(n - 2) * inner) {
            let i = p / inner + 1;
            let j = p % inner + 1;
            b[[i, j]] = 0.25 * (a[[i - 1, j]] + a[[i + 1, j]] + a[[i, j - 1]] + a[[i, j + 1]]);
        }
    }

    /// The same step, one row per iteration (a sequential loop inside the parallel one).
    pub fn stencil_rows(a, b) {
        let (n, m) = a.dim();
        for i in prange(1..n - 1) {
            for j in 1..m - 1 {
                b[[i, j]] = 0.25 * (a[[i - 1, j]] + a[[i + 1, j]] + a[[i, j - 1]] + a[[i, j + 1]]);
            }
        }
    }

    /// The same step over a list of neighbour offsets: a fixed-size array of tuples in each
    /// thread, walked by a tuple pattern.
    pub fn neighbours(a, b) {
        let (n, m) = a.dim();
        for i in prange(1..n - 1) {
            for j in 1..m - 1 {
                let mut s = 0.0;
                for &(di, dj) in [(0usize, 1usize), (2, 1), (1, 0), (1, 2)].iter() {
                    s += a[[i + di - 1, j + dj - 1]];
                }
                b[[i, j]] = 0.25 * s;
            }
        }
    }

    /// Integer arithmetic with Rust's release semantics (wrapping, shifts modulo the width).
    pub fn integers(x, y) {
        for i in prange(0..x.len()) {
            let v = x[i];
            y[i] = v.wrapping_mul(2654435761) ^ (v >> 7) ^ (v << 13) + v % 1000 - v / 7 + v.count_ones() as i64;
        }
    }

    /// A tour of the math functions (libdevice on the GPU).
    pub fn math(x, y) {
        for i in prange(0..x.len()) {
            let v = x[i];
            y[[i, 0]] = v.sin() + v.cos();
            y[[i, 1]] = v.exp() - (v.abs() + 1.0).ln();
            y[[i, 2]] = v.tanh() * v.atan2(1.5);
            y[[i, 3]] = (v.abs() + 0.5).powf(1.7) + v.powi(3);
            y[[i, 4]] = v.abs().sqrt() + v.cbrt() + v.hypot(2.0);
            y[[i, 5]] = v.floor() + v.round() + v.fract() + v % 0.75;
            y[[i, 6]] = (v * 0.3).tan() + (v * 0.1).asin() + v.exp_m1() + v.abs().ln_1p();
            y[[i, 7]] = v.log2().max(-100.0) + v.abs().log10().min(100.0) + v.exp2() + v.sinh() + v.cosh();
        }
    }

    /// A reversed, strided `prange` over a strided view.
    pub fn strided(a: f64, x, y) {
        for i in prange(0..y.len()).rev().step_by(3) {
            y[i] = a * x[i] + i as f64;
        }
    }

    /// The same saxpy, written per thread.
    #[rumba(cuda)]
    pub fn simt_saxpy(a, x, y) {
        let i = block_idx_x() * block_dim_x() + thread_idx_x();
        if i < y.len() {
            y[i] = a * x[i] + y[i];
        }
    }

    /// Array reductions over `prange`: counts, minima and maxima per bin, updated at computed
    /// indices (on the GPU, atomic read-modify-writes of global memory).
    pub fn bin_stats(codes, x, counts, lo, hi) {
        for i in prange(0..x.len()) {
            let b = codes[i] as usize % counts.len();
            counts[b] += 1u32;
            lo[b] = lo[b].min(x[i]);
            hi[b] = hi[b].max(x[i]);
        }
    }

    /// Counts values into bins with atomic adds (a grid-stride loop, any grid).
    #[rumba(cuda)]
    pub fn histogram(x, bins) {
        let stride = grid_dim_x() * block_dim_x();
        let mut k = block_idx_x() * block_dim_x() + thread_idx_x();
        while k < x.len() {
            atomic_add(bins, x[k] as usize % bins.len(), 1u32);
            k += stride;
        }
    }

    /// Every kind of atomic: minimum, maximum, float sums and maxima, exchange, and a counter
    /// incremented with a compare-and-swap loop.
    #[rumba(cuda)]
    pub fn atomics(x, lo, hi, sum, fmax, swapped, count) {
        let i = block_idx_x() * block_dim_x() + thread_idx_x();
        if i < x.len() {
            let v = x[i];
            atomic_min(lo, 0, v);
            atomic_max(hi, 0, v);
            atomic_add(sum, 0, v as f64);
            atomic_max(fmax, 0, v as f32);
            let old = atomic_exchange(swapped, i, v * 2);
            swapped[i] = swapped[i] + old;
            let mut seen = 0u64;
            loop {
                let prev = atomic_cas(count, 0, seen, seen + 1);
                if prev == seen {
                    break;
                }
                seen = prev;
            }
        }
    }

    /// Atomics on 8- and 16-bit elements (LLVM widens them to a compare-and-swap loop on the
    /// 32-bit word around the element).
    #[rumba(cuda)]
    pub fn narrow_atomics(x, counts, top, flags) {
        let i = block_idx_x() * block_dim_x() + thread_idx_x();
        if i < x.len() {
            atomic_add(counts, x[i] as usize % counts.len(), 1u8);
            atomic_max(top, 0, x[i] as i16 - 1000);
            atomic_cas(flags, x[i] as usize % flags.len(), 0u16, 1u16);
        }
    }

    /// A 2-D launch: thread (x, y) computes element (row y, column x).
    #[rumba(cuda)]
    pub fn grid2d(a, b) {
        let i = block_idx_y() * block_dim_y() + thread_idx_y();
        let j = block_idx_x() * block_dim_x() + thread_idx_x();
        if i < a.nrows() && j < a.ncols() {
            b[[i, j]] = a[[i, j]] * 2.0 + (i * 10 + j) as f64;
        }
    }

    /// One sum per block of 256 elements, through shared memory: each thread loads an element,
    /// then the active half of the threads adds the other half's values until one is left.
    /// Launch with blocks of 256 threads (a bigger block fails the bounds check on `cache`).
    #[rumba(cuda)]
    pub fn block_sums(x, sums) {
        let cache = shared_array::<f64>(256);
        let t = thread_idx_x();
        let i = block_idx_x() * block_dim_x() + t;
        cache[t] = if i < x.len() { x[i] } else { 0.0 };
        sync_threads();
        let mut width = 128;
        while width > 0 {
            if t < width {
                cache[t] += cache[t + width];
            }
            sync_threads();
            width /= 2;
        }
        if t == 0 {
            sums[block_idx_x()] = cache[0];
        }
    }

    /// A matrix transposed through a 32x33 shared tile (the extra column keeps the tile's
    /// columns in different memory banks). Launch with (32, 32) blocks.
    #[rumba(cuda)]
    pub fn transpose(a, b) {
        let tile = shared_array::<f32>([32, 33]);
        let tx = thread_idx_x();
        let ty = thread_idx_y();
        let row = block_idx_y() * 32 + ty;
        let col = block_idx_x() * 32 + tx;
        if row < a.nrows() && col < a.ncols() {
            tile[[ty, tx]] = a[[row, col]];
        }
        sync_threads();
        let out_row = block_idx_x() * 32 + ty;
        let out_col = block_idx_y() * 32 + tx;
        if out_row < b.nrows() && out_col < b.ncols() {
            b[[out_row, out_col]] = tile[[tx, ty]];
        }
    }

    /// Each block writes, waits at the barrier, then reads its neighbour's value.
    #[rumba(cuda)]
    pub fn rotate(x, tmp, y) {
        let t = thread_idx_x();
        let size = block_dim_x();
        let base = block_idx_x() * size;
        tmp[base + t] = x[base + t] * 3.0;
        sync_threads();
        y[base + t] = tmp[base + (t + 1) % size];
    }
}
