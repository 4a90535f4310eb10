"""bench.sh's Numba side: the same loops as examples/kernels/mod.rs, with @njit, same sizes and
dtypes.

    python numba_kernels.py serve [--quick]    (driven by `rumba-bench run --python PATH`, which
                                                times all three sides in the same pattern)
    python numba_kernels.py latency KERNEL [--cache]   (fresh process: first call vs
        second; --cache: the kernel with cache=True, warm when NUMBA_CACHE_DIR was filled before)
    python numba_kernels.py overhead
The last two print one JSON object per line, like rumba-bench.
"""
import contextlib
import json
import math
import mmap
import os
import sys
import time

# numpy's BLAS (the practical ceiling of the matmul row) on one thread, as the other sides run.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402 (after the thread settings, which numpy reads when it loads)
from numba import njit, prange, vectorize

# JAX (CPU, `jit`) on one thread, as the other sides run, when it is installed: XLA's Eigen pool
# off and one intra-op thread. Its `exp` is XLA's own vectorized polynomial (1 ulp from libm's
# on about an eighth of the values), so its rows with `exp` are not the same computation bit for bit.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None


@njit
def saxpy(a, x, y):
    for i in range(y.shape[0]):
        y[i] = a * x[i] + y[i]


@njit
def dot(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return s


@njit(fastmath=True)
def dot_fast(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * y[i]
    return s


@njit
def mandelbrot(out, x0, x1, y0, y1, max_iter):
    h, w = out.shape
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    for r in range(h):
        ci = y0 + r * dy
        for c in range(w):
            cr = x0 + c * dx
            zr = 0.0
            zi = 0.0
            n = 0
            while n < max_iter and zr * zr + zi * zi <= 4.0:
                t = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = t
                n += 1
            out[r, c] = n


@njit
def mandelbrot_complex(out, x0, x1, y0, y1, max_iter):
    h, w = out.shape
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    for r in range(h):
        for col in range(w):
            c = complex(x0 + col * dx, y0 + r * dy)
            z = 0j
            n = 0
            while n < max_iter and z.real * z.real + z.imag * z.imag <= 4.0:
                z = z * z + c
                n += 1
            out[r, col] = n


@njit
def escape_time(c, max_iter):
    z = 0j
    for i in range(max_iter):
        z = z * z + c
        if z.real * z.real + z.imag * z.imag >= 4.0:
            return i
    return max_iter


@njit
def mandelbrot_numba(out, x0, x1, y0, y1, max_iter):
    h, w = out.shape
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    for r in range(h):
        for col in range(w):
            out[r, col] = escape_time(complex(x0 + col * dx, y0 + r * dy), max_iter)


@njit
def jacobi2d(a, b):
    n, m = a.shape
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            b[i, j] = 0.25 * (a[i - 1, j] + a[i + 1, j] + a[i, j - 1] + a[i, j + 1])


@njit
def pairwise(x, y, z):
    n = x.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            dx = x[i] - x[j]
            dy = y[i] - y[j]
            dz = z[i] - z[j]
            e += 1.0 / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


@njit
def matmul(a, b, c):
    n, k = a.shape
    m = b.shape[1]
    for i in range(n):
        for p in range(k):
            aip = a[i, p]
            for j in range(m):
                c[i, j] += aip * b[p, j]


matmul_fast = njit(fastmath=True)(matmul.py_func)


@njit
def matmul_dot(a, b, c):
    n, k = a.shape
    m = b.shape[1]
    for i in range(n):
        for j in range(m):
            s = 0.0
            for p in range(k):
                s += a[i, p] * b[p, j]
            c[i, j] = s


def matmul_sides(m):
    """The matmul row at `m` x `m`: Numba's loop, with fastmath, and numpy's BLAS (one thread)."""
    ma = aligned(np.fromfunction(lambda i, j: ((i + 2 * j) % 7) * 0.5, (m, m)))
    mb = aligned(np.fromfunction(lambda i, j: ((3 * i + j) % 5) * 0.25, (m, m)))
    mc = aligned(np.zeros((m, m)))

    def run(f):
        def side():
            mc.fill(0.0)
            f(ma, mb, mc)
        return side
    return {"numba": run(matmul), "numba_fastmath": run(matmul_fast),
            "blas": run(lambda a, b, c: np.dot(a, b, out=c))}


def make_black_scholes(fastmath, parallel=False):
    @njit(fastmath=fastmath)
    def cnd(d):
        a1, a2, a3, a4, a5 = 0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429
        k = 1.0 / (1.0 + 0.2316419 * abs(d))
        w = 1.0 - 1.0 / math.sqrt(2.0 * math.pi) * math.exp(-d * d / 2.0) * (
            a1 * k + a2 * k ** 2 + a3 * k ** 3 + a4 * k ** 4 + a5 * k ** 5)
        return 1.0 - w if d < 0.0 else w

    @njit(fastmath=fastmath, parallel=parallel)
    def black_scholes(s, x, t, r, v, call, put):
        for i in prange(s.shape[0]):
            sqrt_t = math.sqrt(t[i])
            d1 = (math.log(s[i] / x[i]) + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t)
            d2 = d1 - v * sqrt_t
            disc = math.exp(-r * t[i])
            call[i] = s[i] * cnd(d1) - x[i] * disc * cnd(d2)
            put[i] = x[i] * disc * cnd(-d2) - s[i] * cnd(-d1)

    return black_scholes


black_scholes = make_black_scholes(False)
black_scholes_fast = make_black_scholes(True)


@njit(parallel=True, fastmath=True)
def dot_par(x, y):
    s = 0.0
    for i in prange(x.shape[0]):
        s += x[i] * y[i]
    return s


@njit(parallel=True)
def mandelbrot_par(out, x0, x1, y0, y1, max_iter):
    h, w = out.shape
    dx = (x1 - x0) / w
    dy = (y1 - y0) / h
    for r in prange(h):
        ci = y0 + r * dy
        for c in range(w):
            cr = x0 + c * dx
            zr = 0.0
            zi = 0.0
            n = 0
            while n < max_iter and zr * zr + zi * zi <= 4.0:
                t = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = t
                n += 1
            out[r, c] = n


@njit(parallel=True)
def matmul_par(a, b, c):
    n, k = a.shape
    m = b.shape[1]
    for i in prange(n):
        for p in range(k):
            aip = a[i, p]
            for j in range(m):
                c[i, j] += aip * b[p, j]


black_scholes_par = make_black_scholes(False, parallel=True)


@njit
def histogram(data, bins):
    for i in range(data.shape[0]):
        bins[data[i]] += 1


@njit
def sum_ndarray(x):
    return np.sum(x)


@njit
def dot_ndarray(x, y):
    # ndarray's `unrolled_dot`, written out (Numba's np.dot needs SciPy's BLAS, and adds in
    # BLAS's order).
    p = np.zeros(8)
    n = x.shape[0]
    for k in range(n // 8):
        for j in range(8):
            p[j] += x[8 * k + j] * y[8 * k + j]
    s = 0.0
    s += p[0] + p[4]
    s += p[1] + p[5]
    s += p[2] + p[6]
    s += p[3] + p[7]
    for i in range(n // 8 * 8, n):
        s += x[i] * y[i]
    return s


@njit
def chain(x, y):
    return 2.0 * x * x + 3.0 * x * y - y / (1.0 + x * x)


@njit
def selu(x):
    alpha = 1.6732632423543772
    lam = 1.0507009873554805
    return lam * np.where(x > 0.0, x, alpha * (np.exp(x) - 1.0))


@njit
def softmax_rows(x):
    n, m = x.shape
    out = np.empty_like(x)
    for i in range(n):
        mx = -np.inf
        for j in range(m):
            mx = max(mx, x[i, j])
        s = 0.0
        for j in range(m):
            e = np.exp(x[i, j] - mx)
            out[i, j] = e
            s += e
        for j in range(m):
            out[i, j] /= s
    return out


@njit
def standardize_rows(x, mean, inv):
    return (x - mean) * inv


@njit
def sq_dist(x, y):
    return np.sum((x - y) ** 2)


@njit
def sq_dist_loop(x, y):
    s = 0.0
    for i in range(x.shape[0]):
        d = x[i] - y[i]
        s += d * d
    return s


@vectorize(["float64(float64)"])
def selu_ufunc(v):
    alpha = 1.6732632423543772
    lam = 1.0507009873554805
    return lam * (v if v > 0.0 else alpha * (np.exp(v) - 1.0))


@njit
def selu_loop(x):
    alpha = 1.6732632423543772
    lam = 1.0507009873554805
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = lam * (v if v > 0.0 else alpha * (np.exp(v) - 1.0))
    return out


@njit
def chain_loop(x, y):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        a, b = x[i], y[i]
        out[i] = 2.0 * a * a + 3.0 * a * b - b / (1.0 + a * a)
    return out


def black_scholes_expr_of(np_, compile_=lambda f: f):
    """Black-Scholes as NumPy (or `jax.numpy`) array expressions, its helper compiled by
    `compile_`."""
    @compile_
    def cnd(d):
        a1, a2, a3, a4, a5 = 0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429
        k = 1.0 / (1.0 + 0.2316419 * np_.abs(d))
        w = 1.0 - 1.0 / math.sqrt(2.0 * math.pi) * np_.exp(-d * d / 2.0) * (
            a1 * k + a2 * k ** 2 + a3 * k ** 3 + a4 * k ** 4 + a5 * k ** 5)
        return np_.where(d < 0.0, 1.0 - w, w)

    def black_scholes_expr(s, x, t, r, v):
        sqrt_t = np_.sqrt(t)
        d1 = (np_.log(s / x) + (r + 0.5 * v * v) * t) / (v * sqrt_t)
        d2 = d1 - v * sqrt_t
        disc = np_.exp(-r * t)
        return s * cnd(d1) - x * disc * cnd(d2), x * disc * cnd(-d2) - s * cnd(-d1)
    return black_scholes_expr


black_scholes_expr = njit(black_scholes_expr_of(np, njit))


def jax_sides():
    """The JAX `jit` form of each fusion row (None without JAX)."""
    if jax is None:
        return None
    alpha, lam = 1.6732632423543772, 1.0507009873554805

    def softmax(x):
        e = jnp.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return {
        "chain": jax.jit(lambda x, y: 2.0 * x * x + 3.0 * x * y - y / (1.0 + x * x)),
        "selu": jax.jit(lambda x: lam * jnp.where(x > 0.0, x, alpha * (jnp.exp(x) - 1.0))),
        "softmax_rows": jax.jit(softmax),
        "standardize_rows": jax.jit(lambda x, mean, inv: (x - mean) * inv),
        "sq_dist": jax.jit(lambda x, y: jnp.sum((x - y) ** 2)),
        "black_scholes_expr": jax.jit(lambda s, x, t: black_scholes_expr_of(jnp)(s, x, t, 0.02, 0.30)),
    }


@contextlib.contextmanager
def one_core():
    """Every thread of this process on one core while the block runs. XLA's CPU client runs some
    fusions (the `ynn_fusion` of `sq_dist`) on its own thread pool whatever `XLA_FLAGS` say: on
    two cores `jnp.sum((x - y) ** 2)` took 9.3-9.7 ms at 1.8-1.9 CPUs busy, on one 19.8 ms. The
    threads exist from JAX's start, so each is moved (Linux: `sched_setaffinity` of a thread id),
    and moved back after."""
    allowed = os.sched_getaffinity(0)
    tids = [int(t) for t in os.listdir("/proc/self/task")]
    for t in tids:
        os.sched_setaffinity(t, {min(allowed)})
    try:
        yield
    finally:
        for t in tids:
            try:
                os.sched_setaffinity(t, allowed)
            except OSError:
                pass  # a thread that ended meanwhile


def with_jax(sides, kernel, *arrays):
    """`sides` and, where JAX is installed, `jax`: its `jit` of the row on device copies of
    `arrays`, waited for."""
    if JAX:
        f = JAX[kernel]
        args = [jax.device_put(a) for a in arrays]
        sides["jax"] = lambda: jax.block_until_ready(f(*args))
    return sides


@njit
def affine_new(x, a, b):
    y = np.empty_like(x)
    for i in range(x.shape[0]):
        y[i] = a * x[i] + b
    return y


@njit
def affine_into(x, a, b, y):
    for i in range(y.shape[0]):
        y[i] = a * x[i] + b


@njit
def cumsum(x, out):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
        out[i] = s


@njit
def kmeans_assign(x, c, labels):
    n, d = x.shape
    k = c.shape[0]
    for i in range(n):
        best = np.inf
        label = 0
        for q in range(k):
            dist = 0.0
            for j in range(d):
                t = x[i, j] - c[q, j]
                dist += t * t
            if dist < best:
                best = dist
                label = q
        labels[i] = label


@njit
def floyd_warshall(dist):
    n = dist.shape[0]
    for k in range(n):
        for i in range(n):
            for j in range(n):
                dist[i, j] = min(dist[i, j], dist[i, k] + dist[k, j])


@njit
def running_max(x, y):
    m = -np.inf
    for i in range(x.shape[0]):
        m = max(m, x[i])
        y[i] = m


@njit
def smooth3(x, y):
    n = x.shape[0]
    for i in range(n):
        left = x[i - 1] if i > 0 else x[i]
        right = x[i + 1] if i + 1 < n else x[i]
        y[i] = 0.25 * left + 0.5 * x[i] + 0.25 * right


@njit
def sum_last(a, out):
    n, m, p = a.shape
    for i in range(n):
        for j in range(m):
            s = np.float32(0.0)
            for k in range(p):
                s += a[i, j, k]
            out[i, j] = s


@njit
def conv5(x, w, y):
    for i in range(x.shape[0] - 4):
        s = 0.0
        for t in range(5):
            s += x[i + t] * w[t]
        y[i] = s


@njit
def digit_sums(x, out):
    for i in range(x.shape[0]):
        v = x[i]
        s = np.uint64(0)
        while v > 0:
            s += v % np.uint64(10)
            v //= np.uint64(10)
        out[i] = s


@njit
def fnv_rows(a, out):
    n, m = a.shape
    for i in range(n):
        h = np.uint64(0xcbf29ce484222325)
        for j in range(m):
            h ^= np.uint64(a[i, j])
            h *= np.uint64(0x100000001b3)
        out[i] = h


@njit
def bubble_sort(x):
    n = x.shape[0]
    for i in range(n):
        for j in range(n - 1 - i):
            if x[j] > x[j + 1]:
                x[j], x[j + 1] = x[j + 1], x[j]


@njit
def insertion_rows(a):
    for r in range(a.shape[0]):
        for i in range(1, a.shape[1]):
            v = a[r, i]
            j = i
            while j > 0 and a[r, j - 1] > v:
                a[r, j] = a[r, j - 1]
                j -= 1
            a[r, j] = v


@njit
def searchsorted(x, q, out):
    for k in range(q.shape[0]):
        v = q[k]
        lo = 0
        hi = x.shape[0]
        while lo < hi:
            mid = (lo + hi) // 2
            if x[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        out[k] = lo


@njit
def median_sort(x):
    v = np.sort(x)
    n = v.shape[0]
    if n % 2 == 1:
        return v[n // 2]
    return 0.5 * (v[n // 2 - 1] + v[n // 2])


@njit
def scan_numbers(x):
    state = 0
    count = 0
    for i in range(x.shape[0]):
        c = x[i]
        digit = c >= 48 and c <= 57
        if state == 0 and digit:
            state = 1
        elif state == 1 and digit:
            state = 1
        elif state == 1 and c == 46:
            state = 2
        elif state == 2 and digit:
            state = 3
        elif state == 3 and digit:
            state = 3
        elif (state == 1 or state == 3) and c == 32:
            count += 1
            state = 0
        elif c == 32:
            state = 0
        else:
            state = 4
    return count


@njit
def nbody_step(pos, vel, mass, dt):
    n = mass.shape[0]
    for i in range(n):
        ax = ay = az = 0.0
        for j in range(n):
            if i != j:
                dx = pos[j, 0] - pos[i, 0]
                dy = pos[j, 1] - pos[i, 1]
                dz = pos[j, 2] - pos[i, 2]
                r2 = dx * dx + dy * dy + dz * dz + 1e-9
                inv = mass[j] / (r2 * np.sqrt(r2))
                ax += dx * inv
                ay += dy * inv
                az += dz * inv
        vel[i, 0] += dt * ax
        vel[i, 1] += dt * ay
        vel[i, 2] += dt * az
    for i in range(n):
        for k in range(3):
            pos[i, k] += dt * vel[i, k]


@njit
def blur5(a, b):
    n, m = a.shape
    for i in range(n):
        for j in range(m):
            if i < 2 or j < 2 or i + 2 >= n or j + 2 >= m:
                b[i, j] = a[i, j]
            else:
                s = 0.0
                for di in range(5):
                    for dj in range(5):
                        s += a[i + di - 2, j + dj - 2]
                b[i, j] = s / 25.0


@njit
def add(a, b):
    return a + b


def ms(f):
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1e3


def lcg_uniform(n, lo, hi, seed):
    rng = np.random.default_rng(seed)
    return lo + (hi - lo) * rng.random(n)


HUGE_PAGE = 2 << 20


def aligned(a):
    """A copy of `a` placed as rumba-bench places its arrays: at a 64-byte boundary, and from 2 MiB
    on, in a fresh mapping of whole transparent huge pages asked for before the copy touches it
    (so no array depends on whether NumPy's allocator, which only asks for huge pages from 4 MiB,
    or the heap happened to give it huge pages: matmul's 2 MiB matrices run 18 ms or 24 ms)."""
    if a.nbytes >= HUGE_PAGE:
        size = -(-a.nbytes // HUGE_PAGE) * HUGE_PAGE
        region = mmap.mmap(-1, size + HUGE_PAGE)
        whole = np.frombuffer(region, dtype=np.uint8)
        start = -whole.ctypes.data % HUGE_PAGE
        region.madvise(mmap.MADV_HUGEPAGE, start, size)
        buf = whole[start:start + size]
    else:
        buf = np.empty(a.nbytes + 64, dtype=np.uint8)
        buf = buf[-buf.ctypes.data % 64:]
    out = buf[:a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


KMEANS_POINTS, KMEANS_CENTRES, FLOYD_N, BUBBLE_N = 1 << 14, 16, 256, 2048
RUNMAX_N = 1 << 22
FNV_ROWS, FNV_COLS = 20000, 64
NBODY_N, BLUR_N = 1024, 1024


def floyd_input():
    """Edge weights 1-10 from the same formula as rumba-bench's, no edge (infinity) where it
    gives 0, zeros on the diagonal."""
    i, j = np.indices((FLOYD_N, FLOYD_N))
    w = ((i * 37 + j * 11) % 13).astype(np.float64)
    w[w > 10] = np.inf
    w[w == 0] = np.inf
    np.fill_diagonal(w, 0.0)
    return w


def cases(quick):
    """(kernel, function to time), in rumba-bench's order. Each case's arrays are freed once it has
    run (`del`), as rumba-bench frees its own: only one case's large arrays are alive at a time."""
    n24 = 1 << 24
    x = aligned((np.arange(n24) % 1000).astype(np.float32) * np.float32(0.001))
    y = aligned(np.ones(n24, dtype=np.float32))
    yield "saxpy", lambda: saxpy(np.float32(2.0), x, y)
    del x, y
    a, b = aligned(lcg_uniform(n24, 0, 1, 1)), aligned(lcg_uniform(n24, 0, 1, 2))
    yield "dot", lambda: dot(a, b)
    yield "dot_fastmath", lambda: dot_fast(a, b)
    yield "sum_ndarray", lambda: sum_ndarray(a)
    yield "dot_ndarray", lambda: dot_ndarray(a, b)
    del a, b
    side = 512 if quick else 1024
    img = aligned(np.zeros((side, side), dtype=np.int32))
    yield "mandelbrot", lambda: mandelbrot(img, -2.0, 1.0, -1.5, 1.5, np.int32(200))
    yield "mandelbrot_complex", lambda: mandelbrot_complex(img, -2.0, 1.0, -1.5, 1.5, np.int32(200))
    yield "mandelbrot_numba", lambda: mandelbrot_numba(img, -2.0, 1.0, -1.5, 1.5, np.int32(200))
    n = 2048
    ga = aligned(np.fromfunction(lambda i, j: ((i * 7 + j * 3) % 11), (n, n)).astype(np.float64))
    gb = aligned(np.zeros((n, n)))
    yield "jacobi2d", lambda: jacobi2d(ga, gb)
    del ga, gb
    pts = 2048 if quick else 4096
    px, py, pz = (aligned(lcg_uniform(pts, 0, 1, seed)) for seed in (3, 4, 5))
    yield "pairwise", lambda: pairwise(px, py, pz)
    yield "matmul", matmul_sides(512)
    yield "matmul_2048", matmul_sides(2048)
    ma = aligned(np.fromfunction(lambda i, j: ((i + 2 * j) % 7) * 0.5, (512, 512)))
    mb = aligned(np.fromfunction(lambda i, j: ((3 * i + j) % 5) * 0.25, (512, 512)))
    mc = aligned(np.zeros((512, 512)))
    yield "matmul_dot", lambda: matmul_dot(ma, mb, mc)
    n22 = 1 << 22
    s, k, t = (aligned(lcg_uniform(n22, lo, hi, seed)) for lo, hi, seed in ((5, 30, 6), (1, 100, 7), (0.25, 10, 8)))
    call, put = aligned(np.zeros(n22)), aligned(np.zeros(n22))
    yield "black_scholes", lambda: black_scholes(s, k, t, 0.02, 0.30, call, put)
    yield "black_scholes_fastmath", lambda: black_scholes_fast(s, k, t, 0.02, 0.30, call, put)
    yield "black_scholes_expr", with_jax({"numba": lambda: black_scholes_expr(s, k, t, 0.02, 0.30),
                                          "numba_loop": lambda: black_scholes(s, k, t, 0.02, 0.30, call, put)},
                                         "black_scholes_expr", s, k, t)
    del s, k, t, call, put
    data = aligned((np.random.default_rng(9).random(n24) * 256).astype(np.uint8))
    bins = aligned(np.zeros(256, dtype=np.int64))
    yield "histogram", lambda: histogram(data, bins)
    del data, bins
    cx = aligned(lcg_uniform(n24, 0, 1, 10))
    out = aligned(np.zeros(n24))
    yield "cumsum", lambda: cumsum(cx, out)
    del cx, out
    fx = aligned(lcg_uniform(n24, -2, 2, 12))
    fy = aligned(lcg_uniform(n24, -2, 2, 13))
    yield "chain", with_jax({"numba": lambda: chain(fx, fy), "numba_loop": lambda: chain_loop(fx, fy)},
                            "chain", fx, fy)
    yield "selu", with_jax({"numba": lambda: selu(fx), "numba_loop": lambda: selu_loop(fx),
                            "numba_vectorize": lambda: selu_ufunc(fx)}, "selu", fx)
    yield "sq_dist", with_jax({"numba": lambda: sq_dist(fx, fy), "numba_loop": lambda: sq_dist_loop(fx, fy)},
                              "sq_dist", fx, fy)
    del fx, fy
    side = 4096
    sx = aligned(lcg_uniform(side * side, -4, 4, 14).reshape(side, side))
    # Numba's side here is the hand loop (the figure): Numba has no `x.max(axis=1)`.
    yield "softmax_rows", with_jax({"numba": lambda: softmax_rows(sx)}, "softmax_rows", sx)
    del sx
    bx = aligned(lcg_uniform(side * side, -4, 4, 15).reshape(side, side))
    mean, inv = aligned(lcg_uniform(side, -1, 1, 16)), aligned(lcg_uniform(side, 0.5, 2, 17))
    yield "standardize_rows", with_jax({"numba": lambda: standardize_rows(bx, mean, inv)},
                                       "standardize_rows", bx, mean, inv)
    del bx, mean, inv
    ax = aligned(lcg_uniform(n24, 0, 1, 11))
    ay = aligned(np.zeros(n24))
    yield "affine_new", lambda: affine_new(ax, 2.0, 1.0)
    yield "affine_into", lambda: affine_into(ax, 2.0, 1.0, ay)
    del ax, ay
    # Patterns that were slower than rustc (issue 18).
    for d in (4, 8, 16):
        kx = aligned(lcg_uniform(KMEANS_POINTS * d, 0, 1, 12).reshape(KMEANS_POINTS, d))
        kc = aligned(lcg_uniform(KMEANS_CENTRES * d, 0, 1, 13).reshape(KMEANS_CENTRES, d))
        labels = aligned(np.zeros(KMEANS_POINTS, dtype=np.int64))
        yield f"kmeans_d{d}", lambda kx=kx, kc=kc, labels=labels: kmeans_assign(kx, kc, labels)
    fw0 = aligned(floyd_input())
    fw = aligned(fw0.copy())

    def floyd():
        fw[...] = fw0
        floyd_warshall(fw)
    yield "floyd_warshall", floyd
    pos = aligned(lcg_uniform(NBODY_N * 3, -1, 1, 15).reshape(NBODY_N, 3))
    vel = aligned(np.zeros((NBODY_N, 3)))
    mass = aligned(lcg_uniform(NBODY_N, 0.5, 2, 16))
    yield "nbody", lambda: nbody_step(pos, vel, mass, 0.01)
    img = aligned(lcg_uniform(BLUR_N * BLUR_N, 0, 1, 17).reshape(BLUR_N, BLUR_N))
    blurred = aligned(np.zeros((BLUR_N, BLUR_N)))
    yield "blur5", lambda: blur5(img, blurred)
    fi, fj = np.meshgrid(np.arange(FNV_ROWS), np.arange(FNV_COLS), indexing="ij")
    fb = aligned(((fi * 131 + fj * 17) % 251).astype(np.uint8))
    fh = aligned(np.zeros(FNV_ROWS, dtype=np.uint64))
    yield "fnv_rows", lambda: fnv_rows(fb, fh)
    bs0 = aligned(lcg_uniform(BUBBLE_N, 0, 1, 14))
    bs = aligned(bs0.copy())

    def bubble():
        bs[...] = bs0
        bubble_sort(bs)
    yield "bubble_sort", bubble
    ir0 = aligned(lcg_uniform(4096 * 64, 0, 1, 22).reshape(4096, 64))
    ir = aligned(ir0.copy())

    def insertion():
        ir[...] = ir0
        insertion_rows(ir)
    yield "insertion_rows", insertion
    st = aligned(np.sort(lcg_uniform(1 << 16, 0, 1, 23)))
    sq = aligned(lcg_uniform(1 << 20, 0, 1, 24))
    so = aligned(np.zeros(1 << 20, dtype=np.int64))
    yield "searchsorted", lambda: searchsorted(st, sq, so)
    letters = np.frombuffer(b"0123456789. .x", dtype=np.uint8)
    tx = aligned(letters[(lcg_uniform(1 << 22, 0, 14, 25)).astype(np.int64)])
    yield "scan_numbers", lambda: scan_numbers(tx)
    mx = aligned(lcg_uniform(1 << 20, -1, 1, 26))
    yield "median_sort", lambda: median_sort(mx)
    rx = aligned(lcg_uniform(RUNMAX_N, -1, 1, 18))
    ry = aligned(np.zeros(RUNMAX_N))
    yield "running_max", lambda: running_max(rx, ry)
    sx = aligned(lcg_uniform(RUNMAX_N, -1, 1, 19))
    sy = aligned(np.zeros(RUNMAX_N))
    yield "smooth3", lambda: smooth3(sx, sy)
    sa = aligned(lcg_uniform(512 * 512 * 12, 0, 1, 20).astype(np.float32).reshape(512, 512, 12))
    so = aligned(np.zeros((512, 512), dtype=np.float32))
    yield "sum_last", lambda: sum_last(sa, so)
    cx = aligned(lcg_uniform(1 << 22, -1, 1, 21))
    cw = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
    cy = aligned(np.zeros(1 << 22))
    yield "conv5", lambda: conv5(cx, cw, cy)
    dx = aligned((np.arange(1 << 18, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(20))
    ds = aligned(np.zeros(1 << 18, dtype=np.uint64))
    yield "digit_sums", lambda: digit_sums(dx, ds)
    # The `prange` kernels (@njit(parallel=True)), on the same inputs as their serial cases.
    a, b = aligned(lcg_uniform(n24, 0, 1, 1)), aligned(lcg_uniform(n24, 0, 1, 2))
    yield "dot_par", lambda: dot_par(a, b)
    del a, b
    # `histogram` under @njit(parallel=True) with prange races (counts are lost): Numba's serial
    # loop stands in for it, on the same data as rumba's `histogram_par`.
    data = aligned((np.random.default_rng(9).random(n24) * 256).astype(np.uint8))
    bins = aligned(np.zeros(256, dtype=np.int64))
    yield "histogram_par", lambda: histogram(data, bins)
    del data, bins
    side = 512 if quick else 1024  # as the serial Mandelbrot's (`img` held blur5's image)
    img = aligned(np.zeros((side, side), dtype=np.int32))
    yield "mandelbrot_par", lambda: mandelbrot_par(img, -2.0, 1.0, -1.5, 1.5, np.int32(200))

    m = 512
    ma = aligned(np.fromfunction(lambda i, j: ((i + 2 * j) % 7) * 0.5, (m, m)))
    mb = aligned(np.fromfunction(lambda i, j: ((3 * i + j) % 5) * 0.25, (m, m)))
    mc = aligned(np.zeros((m, m)))

    def mm_par():
        mc.fill(0.0)
        matmul_par(ma, mb, mc)
    yield "matmul_par", mm_par
    s, k, t = (aligned(lcg_uniform(n22, lo, hi, seed)) for lo, hi, seed in ((5, 30, 6), (1, 100, 7), (0.25, 10, 8)))
    call, put = aligned(np.zeros(n22)), aligned(np.zeros(n22))
    yield "black_scholes_par", lambda: black_scholes_par(s, k, t, 0.02, 0.30, call, put)


JAX = jax_sides()


def serve(quick):
    """Answers rumba-bench, one line per request: `case NAME` sets up case NAME (the cases before it
    are skipped, their arrays freed), compiles and warms up each of its sides (`numba`, and
    `numba_loop`, `jax`, .. where it has them), and answers `ready` and the sides (`none` when
    there is no such case); `block N SIDE` runs that side of the case once untimed, then N timed
    times, and answers the best time in ms; `end` or the end of input stops."""
    pending = cases(quick)
    sides = {}
    for line in sys.stdin:
        request = line.split()
        if request[0] == "case":
            found = next((f for kernel, f in pending if kernel == request[1]), None)
            sides = found if isinstance(found, dict) else {"numba": found} if found else {}
            for f in sides.values():
                f()  # compile + warm up
            reply = " ".join(["ready", *sides]) if sides else "none"
        elif request[0] == "block":
            f = sides[request[2]]
            # JAX on one core, as every other serial side (see `one_core`).
            with one_core() if request[2] == "jax" else contextlib.nullcontext():
                f()
                reply = repr(min((ms(f) for _ in range(int(request[1]))), default=math.inf))
        else:
            break
        print(reply, flush=True)


def latency_case(kernel):
    """(njit function, arguments) of a first-call case, the sizes of rumba-bench's `latency`."""
    if kernel == "saxpy":
        return saxpy, (np.float32(2.0), np.ones(1 << 20, dtype=np.float32),
                       np.full(1 << 20, 2.0, dtype=np.float32))
    if kernel == "black_scholes":
        n = 1 << 16
        s, k, t = lcg_uniform(n, 5, 30, 1), lcg_uniform(n, 1, 100, 2), lcg_uniform(n, 0.25, 10, 3)
        return black_scholes, (s, k, t, 0.02, 0.3, np.zeros(n), np.zeros(n))
    if kernel == "kmeans":
        n, k, d = 4096, 16, 8
        return kmeans_assign, (lcg_uniform(n * d, 0, 1, 4).reshape(n, d),
                               lcg_uniform(k * d, 0, 1, 5).reshape(k, d), np.zeros(n, dtype=np.int64))
    if kernel == "nbody":
        n = 256
        return nbody_step, (lcg_uniform(n * 3, -1, 1, 6).reshape(n, 3), np.zeros((n, 3)),
                            lcg_uniform(n, 0.5, 2, 7), 0.01)
    if kernel == "blur5":
        return blur5, (lcg_uniform(512 * 512, 0, 1, 8).reshape(512, 512), np.zeros((512, 512)))
    if kernel == "mandelbrot":
        return mandelbrot, (np.zeros((256, 256), dtype=np.int32), -2.0, 1.0, -1.5, 1.5, np.int32(100))
    if kernel == "floyd_warshall":
        i, j = np.indices((128, 128))
        return floyd_warshall, (((i * 37 + j * 11) % 13).astype(np.float64),)
    raise SystemExit(f"no latency case {kernel}")


def latency(kernel, cache):
    f, args = latency_case(kernel)
    g = njit(cache=True)(f.py_func) if cache else f
    first, second = ms(lambda: g(*args)), ms(lambda: g(*args))
    print(json.dumps({"kind": "latency", "kernel": kernel, "impl": "numba", "cache": "warm" if cache else "cold",
                      "first_ms": first, "second_ms": second, "compile_ms": first - second}))


def overhead():
    calls = 1_000_000
    x = np.ones(1, dtype=np.float32)
    y = np.full(1, 2.0, dtype=np.float32)
    a = np.float32(2.0)
    saxpy(a, x, y)
    t = ms(lambda: [saxpy(a, x, y) for _ in range(calls)])
    print(json.dumps({"kind": "overhead", "case": "saxpy_1", "impl": "numba", "ns": t * 1e6 / calls}))
    add(1.0, 2.0)
    t = ms(lambda: [add(float(i), 2.0) for i in range(calls)])
    print(json.dumps({"kind": "overhead", "case": "add_scalars", "impl": "numba", "ns": t * 1e6 / calls}))


if __name__ == "__main__":
    argv = sys.argv[1:]
    mode = argv[0] if argv else "serve"
    if mode == "serve":
        serve("--quick" in argv)
    elif mode == "latency":
        latency(argv[1], "--cache" in argv)
    elif mode == "overhead":
        overhead()
