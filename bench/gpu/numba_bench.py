"""The kernels of examples/gpu_bench.rs with Numba CUDA, at the same sizes and dtypes (float32),
one element (pixel, stencil point) per thread, 256 threads per block, arrays already on the
device. Prints the best kernel time of 5 (CUDA events) after a warm-up call that compiles.

    python3 bench/gpu/numba_bench.py [--quick]
"""
import math
import sys

import numpy as np

if not hasattr(np, "row_stack"):  # removed in NumPy 2.4; some numba-cuda releases still name it
    np.row_stack = np.vstack

from numba import cuda, float32  # noqa: E402

BLOCK = 256
REPS = 5


@cuda.jit
def saxpy(a, x, y):
    i = cuda.grid(1)
    if i < y.size:
        y[i] = a * x[i] + y[i]


@cuda.jit(device=True)
def cnd(d):
    k = float32(1.0) / (float32(1.0) + float32(0.2316419) * abs(d))
    poly = k * (float32(0.31938153) + k * (float32(-0.356563782) + k * (float32(1.781477937) + k * (float32(-1.821255978) + k * float32(1.330274429)))))
    w = float32(1.0) - float32(0.3989422804014327) * math.exp(float32(-0.5) * d * d) * poly
    return float32(1.0) - w if d < float32(0.0) else w


@cuda.jit
def black_scholes(s, k, t, r, v, call, put):
    i = cuda.grid(1)
    if i < s.size:
        sqrt_t = math.sqrt(t[i])
        d1 = (math.log(s[i] / k[i]) + (r + float32(0.5) * v * v) * t[i]) / (v * sqrt_t)
        d2 = d1 - v * sqrt_t
        e = math.exp(-r * t[i])
        call[i] = s[i] * cnd(d1) - k[i] * e * cnd(d2)
        put[i] = k[i] * e * cnd(-d2) - s[i] * cnd(-d1)


@cuda.jit
def mandelbrot(x0, y0, dx, max_iter, out):
    p = cuda.grid(1)
    h, w = out.shape
    if p < h * w:
        r = p // w
        c = p % w
        cr = x0 + float32(c) * dx
        ci = y0 + float32(r) * dx
        zr = float32(0.0)
        zi = float32(0.0)
        n = 0
        while n < max_iter and zr * zr + zi * zi <= float32(4.0):
            t = zr * zr - zi * zi + cr
            zi = float32(2.0) * zr * zi + ci
            zr = t
            n += 1
        out[r, c] = n


@cuda.jit
def stencil(a, b):
    p = cuda.grid(1)
    n, m = a.shape
    inner = m - 2
    if p < (n - 2) * inner:
        i = p // inner + 1
        j = p % inner + 1
        b[i, j] = float32(0.25) * (a[i - 1, j] + a[i + 1, j] + a[i, j - 1] + a[i, j + 1])


def best(kernel, threads, *args):
    grid = (threads + BLOCK - 1) // BLOCK
    kernel[grid, BLOCK](*args)
    cuda.synchronize()
    start, end = cuda.event(), cuda.event()
    times = []
    for _ in range(REPS):
        start.record()
        kernel[grid, BLOCK](*args)
        end.record()
        end.synchronize()
        times.append(cuda.event_elapsed_time(start, end))
    return min(times)


def report(name, size, nbytes, ms, copy):
    gbs = nbytes / (ms * 1e-3) / 1e9
    print(f"numba {name:<14} {size:>12} kernel {ms:>9.3} ms  {gbs:>8.1f} GB/s  {100 * gbs / copy:>5.1f}% of copy")


def main():
    quick = "--quick" in sys.argv
    scale = 16 if quick else 1
    nbytes = (1 << 30) // scale
    a = cuda.to_device(np.zeros(nbytes, np.uint8))
    b = cuda.device_array_like(a)
    start, end = cuda.event(), cuda.event()
    times = []
    for _ in range(10):
        start.record()
        b.copy_to_device(a)
        end.record()
        end.synchronize()
        times.append(cuda.event_elapsed_time(start, end))
    copy = 2 * nbytes / (min(times) * 1e-3) / 1e9
    print(f"numba device-to-device copy: {copy:.1f} GB/s")
    del a, b

    n = (1 << 26) // scale
    i = np.arange(n)
    x = cuda.to_device(((i % 1000) * 0.001).astype(np.float32))
    y = cuda.to_device((i % 777).astype(np.float32))
    report("saxpy f32", n, 12 * n, best(saxpy, n, np.float32(2.0), x, y), copy)

    n = (1 << 24) // scale
    i = np.arange(n)
    s = cuda.to_device((10 + i % 90).astype(np.float32))
    k = cuda.to_device((20 + i % 70).astype(np.float32))
    t = cuda.to_device((0.25 + (i % 8) * 0.5).astype(np.float32))
    call = cuda.device_array(n, np.float32)
    put = cuda.device_array(n, np.float32)
    report("black-scholes", n, 20 * n, best(black_scholes, n, s, k, t, np.float32(0.02), np.float32(0.3), call, put), copy)

    side = 4096 // (4 if quick else 1)
    img = cuda.device_array((side, side), np.uint32)
    ms = best(mandelbrot, side * side, np.float32(-2.2), np.float32(-1.5), np.float32(3.0 / side), 256, img)
    report("mandelbrot", f"{side}x{side}", 4 * side * side, ms, copy)

    side = 8192 // (4 if quick else 1)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    a = cuda.to_device(((ii * 31 + jj * 17) % 23).astype(np.float32))
    b = cuda.device_array((side, side), np.float32)
    report("stencil 2-D", f"{side}x{side}", 8 * side * side, best(stencil, (side - 2) * (side - 2), a, b), copy)


if __name__ == "__main__":
    main()
