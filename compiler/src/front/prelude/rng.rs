// rumba kernel source, not a Rust module: `front::prelude` compiles it as the functions
// `rng::*`, which the front end calls for `Rng::new(seed, stream)` and the generator's methods.
//
// A generator is the tuple `(seed, stream, counter)` of `u64`s. Draw number `counter` of stream
// `stream` is Philox4x32-10 (Salmon et al., SC'11; Random123) of the 128-bit counter
// `(counter, stream)` under the 64-bit key `seed`: a pure function of the three, so a stream per
// `prange` iteration gives the same numbers whatever the thread count, on the CPU and the GPU.
// Each draw uses one Philox block (four `u32`s) and advances the counter by one.

fn new(seed: u64, stream: u64) -> (u64, u64, u64) {
    (seed, stream, 0u64)
}

// Philox4x32-10 of the counter words `c0..c3` under the key words `k0`, `k1`.
fn philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32) -> (u32, u32, u32, u32) {
    let mut x0 = c0;
    let mut x1 = c1;
    let mut x2 = c2;
    let mut x3 = c3;
    let mut y0 = k0;
    let mut y1 = k1;
    for round in 0..10 {
        if round > 0 {
            y0 = y0.wrapping_add(0x9E3779B9u32);
            y1 = y1.wrapping_add(0xBB67AE85u32);
        }
        let p0 = (x0 as u64) * 0xD2511F53u64;
        let p1 = (x2 as u64) * 0xCD9E8D57u64;
        let n0 = ((p1 >> 32) as u32) ^ x1 ^ y0;
        let n2 = ((p0 >> 32) as u32) ^ x3 ^ y1;
        x0 = n0;
        x1 = p1 as u32;
        x2 = n2;
        x3 = p0 as u32;
    }
    (x0, x1, x2, x3)
}

// The block of draw `counter`.
fn block(seed: u64, stream: u64, counter: u64) -> (u32, u32, u32, u32) {
    philox(
        counter as u32,
        (counter >> 32) as u32,
        stream as u32,
        (stream >> 32) as u32,
        seed as u32,
        (seed >> 32) as u32,
    )
}

// The 64 bits of words `lo`, `hi`.
fn wide(lo: u32, hi: u32) -> u64 {
    ((hi as u64) << 32) | (lo as u64)
}

// The top 53 bits of `x` as a multiple of 2^-53 in [0, 1).
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / 9007199254740992.0)
}

fn next_u64(seed: u64, stream: u64, counter: u64) -> (u64, u64) {
    let (a, b, _, _) = block(seed, stream, counter);
    (wide(a, b), counter.wrapping_add(1))
}

fn uniform_f64(seed: u64, stream: u64, counter: u64) -> (f64, u64) {
    let (a, b, _, _) = block(seed, stream, counter);
    (unit(wide(a, b)), counter.wrapping_add(1))
}

fn uniform_f32(seed: u64, stream: u64, counter: u64) -> (f32, u64) {
    let (a, _, _, _) = block(seed, stream, counter);
    ((a >> 8) as f32 * (1.0 / 16777216.0), counter.wrapping_add(1))
}

// Box-Muller: the cosine variate of two uniforms from one block, `u1` in (0, 1].
fn normal_f64(seed: u64, stream: u64, counter: u64) -> (f64, u64) {
    let (a, b, c, d) = block(seed, stream, counter);
    let u1 = 1.0 - unit(wide(a, b));
    let u2 = unit(wide(c, d));
    let r = (-2.0 * u1.ln()).sqrt();
    (r * (6.283185307179586 * u2).cos(), counter.wrapping_add(1))
}

// Uniform in 0..n without bias: draws below `2^64 mod n` are rejected (n == 0 fails, as `%` by
// zero does).
fn below(seed: u64, stream: u64, counter: u64, n: u64) -> (u64, u64) {
    let t = n.wrapping_neg() % n;
    let mut c = counter;
    loop {
        let (a, b, _, _) = block(seed, stream, c);
        c = c.wrapping_add(1);
        let x = wide(a, b);
        if x >= t {
            return (x % n, c);
        }
    }
}
