#!/usr/bin/env python3
"""Writes the seed inputs of the `pipeline` fuzz target into corpus/pipeline/.

Each seed is `rumba_compiler::driver::fuzz::encode(entry, args, text)`: a header byte (argument
count, entry function), one or two bytes per argument type, then the kernel source text.
"""
import hashlib
import os

ALL = ["bool", "i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64"]


def arg(t):
    """`f64` -> scalar; `A1f64`, `A2f32w` (writable), `A1f64s` (strided) -> array."""
    if not t.startswith("A"):
        return bytes([ALL.index(t)])
    ndim = int(t[1])
    rest = t[2:]
    flags = 0
    while rest and rest[-1] in "ws":
        flags |= 0x10 if rest[-1] == "w" else 0x08
        rest = rest[:-1]
    return bytes([0x80 | ALL.index(rest), (ndim - 1) | flags])


def encode(entry, args, text):
    head = bytes([((entry & 0x0F) << 4) | len(args)])
    return head + b"".join(arg(a) for a in args) + text.encode()


SEEDS = [
    (0, ["f32", "A1f32", "A1f32w"], """fn saxpy(a, x, y) {
    for i in 0..y.len() {
        y[i] = a * x[i] + y[i];
    }
}"""),
    (0, ["A1f64", "A1f64s"], """fn dot(x, y) {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s
}"""),
    (0, ["A2f64"], """fn sum2d(a) -> f64 {
    let (n, m) = a.dim();
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..m {
            s += a[[i, j]];
        }
    }
    s
}"""),
    (0, ["A2i32w", "f64", "f64", "f64", "f64", "i32"], """fn mandelbrot(out, x0: f64, x1: f64, y0: f64, y1: f64, max_iter: i32) {
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
}"""),
    (0, ["A2f32", "A2f32ws"], """fn jacobi2d(a, b) {
    let (n, m) = a.dim();
    for i in 1..n - 1 {
        for j in 1..m - 1 {
            b[[i, j]] = 0.25 * (a[[i - 1, j]] + a[[i + 1, j]] + a[[i, j - 1]] + a[[i, j + 1]]);
        }
    }
}"""),
    (0, ["A2f64", "A2f64", "A2f64w"], """fn matmul(a, b, c) {
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
}"""),
    (1, ["A1f64", "A1f64", "A1f64", "f64", "f64", "A1f64w", "A1f64w"], """fn cnd(d: f64) -> f64 {
    let a1 = 0.31938153;
    let a2 = -0.356563782;
    let k = 1.0 / (1.0 + 0.2316419 * d.abs());
    let w = 1.0 - 1.0 / (2.0 * std::f64::consts::PI).sqrt() * (-d * d / 2.0).exp()
        * (a1 * k + a2 * k.powi(2));
    if d < 0.0 { 1.0 - w } else { w }
}

#[rumba(fastmath)]
fn black_scholes(s, x, t, r: f64, v: f64, call, put) {
    for i in 0..s.len() {
        let sqrt_t = t[i].sqrt();
        let d1 = ((s[i] / x[i]).ln() + (r + 0.5 * v * v) * t[i]) / (v * sqrt_t);
        let d2 = d1 - v * sqrt_t;
        let disc = (-r * t[i]).exp();
        call[i] = s[i] * cnd(d1) - x[i] * disc * cnd(d2);
        put[i] = x[i] * disc * cnd(-d2) - s[i] * cnd(-d1);
    }
}"""),
    (0, ["A1u8", "A1u32w"], """fn histogram(data, bins) {
    for i in 0..data.len() {
        bins[data[i] as usize] += 1;
    }
}"""),
    (0, ["i64", "i64"], """fn gcd(a, b) -> i64 {
    let mut x = a;
    let mut y = b;
    while y != 0 {
        let t = x % y;
        x = y;
        y = t;
    }
    x
}"""),
    (0, ["i32", "i32"], """fn ops(a, b) -> i32 {
    let c = (a << 3) >> 1 ^ b & 0xff | 7;
    let d = a.wrapping_mul(b).wrapping_add(1).min(c).max(-5).clamp(-100, 100);
    let e = (a / b) % (b - 1);
    d + e + a.pow(2) as i32 + (a.count_ones() as i32) - !b
}"""),
    (0, ["A1f64w", "usize"], """fn strided(y, k) {
    for i in (0..y.len()).step_by(k) {
        y[i] = i as f64;
    }
    for i in (0..y.len()).rev() {
        if i % 2 == 0 { continue; }
        y[i] *= 2.0;
        if y[i] > 100.0 { break; }
    }
    for i in (0..=3).rev().step_by(2) {
        y[i] -= 1.0;
    }
}"""),
    (0, ["A1i64w"], """fn par(y) {
    for i in prange(y.len()) {
        y[i] = i as i64 * 3;
    }
    for i in prange(1..y.len()) {
        y[i] += y[i - 1];
    }
}"""),
    (0, ["f32", "bool"], """fn branches(x, c) -> f32 {
    let v = if c && x > 0.0 || !c { x.sqrt() } else if x < -1.0 { -x } else { 0.0 };
    let w = { let t = v * 2.0; t + 1.0 };
    let mut acc = 0.0f32;
    loop {
        acc += w;
        if acc > 10.0 { break; }
    }
    acc.mul_add(2.0, 1.0).powf(0.5).atan2(1.0).hypot(v).copysign(-1.0)
}"""),
    (0, ["f64"], """fn consts(x) -> bool {
    let a = f64::INFINITY;
    let b = f32::MAX as f64;
    let c = i32::MIN as f64;
    let d = u8::MAX as f64 + std::f64::consts::E;
    (x < a && x > c || b == d) && x.is_finite() && !x.is_nan()
}"""),
    (0, ["i8", "u16", "isize", "u64"], """fn casts(a, b, c, d) -> u64 {
    let x = a as u16 + b;
    let y = c as u64 * d;
    let z = (x as f32 / 3.0) as i8;
    let w = -128i8 as u8 as bool as u8;
    y + x as u64 + z as u64 + w as u64 + 255u8 as u64
}"""),
    (0, ["A3f64", "A1f64w"], """fn reduce3(a, out) {
    let (n0, n1, n2) = a.dim();
    for i in 0..n0 {
        let mut s = 0.0;
        for j in 0..n1 {
            for k in 0..n2 {
                s += a[[i, j, k]];
            }
        }
        out[i] = s / (a.shape()[1] * a.shape()[2]) as f64;
    }
}"""),
    (0, ["A1f64", "A1f64w"], """fn helpers(x, y) {
    for i in 0..x.len() {
        y[i] = twice(x[i]) + add3(x[i], 1.0, 2.0);
    }
}

fn twice(v) -> f64 {
    v * 2.0
}

fn add3(a, b, c) -> f64 {
    if a > b {
        return a + b + c;
    }
    a - b - c
}"""),
    (0, ["A1f64w", "f64"], """#[rumba(unsafe(boundscheck = false))]
fn fill(y: &mut [f64], v: f64) {
    let n = y.len();
    let mut i = 0;
    while i < n {
        y[i] = v;
        i += 1;
    }
}"""),
    (0, ["A2f32w"], """fn queries(a: ArrayViewMut2<f32>) -> usize {
    let r = a.nrows();
    let c = a.ncols();
    if a.is_empty() { return 0; }
    a[[0, 0]] = a.ndim() as f32;
    r * c + a.len()
}"""),
    (0, ["bool", "bool"], """fn logic(a, b) -> bool {
    let x;
    if a { x = b; } else { x = !b; }
    let _ = a ^ b;
    (a & b) | (x == a) != (a <= b)
}"""),
    (0, ["f64"], """fn shadow(x) -> f64 {
    let x = x * 2.0;
    let mut y = x;
    {
        let y = 3.0;
        let _z = y;
    }
    y -= 1.0;
    y /= 2.0;
    y %= 7.0;
    y
}"""),
    (0, ["u32", "i16"], """fn unsigned(a, b) -> u32 {
    let t = a.leading_zeros() + a.trailing_zeros() + a.count_zeros();
    let s = b.abs().signum() as u32;
    t.wrapping_sub(s) >> 2 << 1
}"""),
    (0, ["A1f64w"], """fn bad(y) {
    let f = |v| v;
    println!("{}", y[0]);
    y[0] = undefined(1);
    let s = "str";
    match y { _ => 1 };
}"""),
    (0, ["f32", "f64"], """fn mismatch(x, y) -> f64 {
    let a = x + y;
    let b: i32 = 1.5;
    a.sqrt() as f64
}"""),
    (0, ["A1f64", "A2f64w"], """fn wrong_dims(x, y) {
    y[0] = x[[0, 1]];
    x[0] = 1.0;
    let z = x;
}"""),
]

os.makedirs("corpus/pipeline", exist_ok=True)
for entry, args, text in SEEDS:
    data = encode(entry, args, text + "\n")
    name = "seed-" + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join("corpus/pipeline", name), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds")
