//! The random number generator (issue 16 item 6): `Rng::new(seed, stream)` and its draws
//! against a plain-Rust transcription of the specification (Philox4x32-10 of the counter
//! `(counter, stream)` under the key `seed`, one block per draw; the prelude's Philox itself is
//! checked against Random123's known answers in `front::prelude`), streams per `prange`
//! iteration independent of the thread count, and a small statistical check (the long one,
//! `long_statistics`, is `#[ignore]`d: `scripts/long-tests.sh` runs it).

use ndarray::Array1;

rumba::compile! {
    fn draws(seed: u64, stream: u64, n: usize, out_u: &mut [f64], out_f: &mut [f32], out_g: &mut [f64], out_b: &mut [u64], out_x: &mut [u64]) {
        let mut rng = Rng::new(seed, stream);
        for i in 0..n {
            out_u[i] = rng.uniform_f64();
            out_f[i] = rng.uniform_f32();
            out_g[i] = rng.normal_f64();
            out_b[i] = rng.below(1000);
            out_x[i] = rng.next_u64();
        }
    }

    fn per_iteration(seed: u64, out: &mut [f64]) {
        for i in prange(0..out.len()) {
            let mut rng = Rng::new(seed, i as u64);
            out[i] = rng.uniform_f64() + rng.normal_f64();
        }
    }

    fn fill(seed: u64, u: &mut [f64], g: &mut [f64]) {
        for i in prange(0..u.len()) {
            let mut rng = Rng::new(seed, i as u64);
            u[i] = rng.uniform_f64();
            g[i] = rng.normal_f64();
        }
    }

    fn mean_var(seed: u64, n: usize) -> (f64, f64) {
        let mut rng = Rng::new(seed, 0);
        let mut s = 0.0;
        let mut s2 = 0.0;
        for _ in 0..n {
            let u = rng.uniform_f64();
            s += u;
            s2 += u * u;
        }
        let m = s / n as f64;
        (m, s2 / n as f64 - m * m)
    }
}

/// Philox4x32-10 (Salmon et al., SC'11), as Random123 specifies it.
fn philox(mut c: [u32; 4], mut k: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(0x9E3779B9), k[1].wrapping_add(0xBB67AE85)];
        }
        let p0 = c[0] as u64 * 0xD2511F53;
        let p1 = c[2] as u64 * 0xCD9E8D57;
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
    }
    c
}

/// The generator as README specifies it.
struct Reference {
    seed: u64,
    stream: u64,
    counter: u64,
}

impl Reference {
    fn block(&mut self) -> [u32; 4] {
        let (c, s, k) = (self.counter, self.stream, self.seed);
        self.counter += 1;
        philox(
            [c as u32, (c >> 32) as u32, s as u32, (s >> 32) as u32],
            [k as u32, (k >> 32) as u32],
        )
    }
    fn wide(lo: u32, hi: u32) -> u64 {
        (hi as u64) << 32 | lo as u64
    }
    fn unit(x: u64) -> f64 {
        (x >> 11) as f64 * (1.0 / 9007199254740992.0)
    }
    fn next_u64(&mut self) -> u64 {
        let b = self.block();
        Self::wide(b[0], b[1])
    }
    fn uniform_f64(&mut self) -> f64 {
        Self::unit(self.next_u64())
    }
    fn uniform_f32(&mut self) -> f32 {
        (self.block()[0] >> 8) as f32 * (1.0 / 16777216.0)
    }
    fn normal_f64(&mut self) -> f64 {
        let b = self.block();
        let u1 = 1.0 - Self::unit(Self::wide(b[0], b[1]));
        let u2 = Self::unit(Self::wide(b[2], b[3]));
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    fn below(&mut self, n: u64) -> u64 {
        let t = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            if x >= t {
                return x % n;
            }
        }
    }
}

#[test]
fn the_first_draw_of_stream_zero_is_philox_of_zero() {
    // Random123's first known answer: Philox4x32-10 of a zero counter under a zero key.
    let mut x = vec![0u64; 1];
    let (mut u, mut f, mut g, mut b) = (
        vec![0.0f64; 1],
        vec![0.0f32; 1],
        vec![0.0f64; 1],
        vec![0u64; 1],
    );
    draws(0, 0, 1, &mut u, &mut f, &mut g, &mut b, &mut x).unwrap();
    let mut r = Reference {
        seed: 0,
        stream: 0,
        counter: 0,
    };
    assert_eq!(r.next_u64(), 0xe169c58d_6627e8d5);
    assert_eq!(
        u[0].to_bits(),
        Reference::unit(0xe169c58d_6627e8d5).to_bits()
    );
}

#[test]
fn draws_equal_the_specification() {
    for (seed, stream) in [
        (0, 0),
        (42, 7),
        (u64::MAX, u64::MAX),
        (0x299f31d0a4093822, 0x0370734413198a2e),
    ] {
        let n = 200;
        let (mut u, mut f, mut g) = (vec![0.0f64; n], vec![0.0f32; n], vec![0.0f64; n]);
        let (mut b, mut x) = (vec![0u64; n], vec![0u64; n]);
        draws(seed, stream, n, &mut u, &mut f, &mut g, &mut b, &mut x).unwrap();
        let mut r = Reference {
            seed,
            stream,
            counter: 0,
        };
        for i in 0..n {
            assert_eq!(u[i].to_bits(), r.uniform_f64().to_bits(), "uniform_f64 {i}");
            assert_eq!(f[i].to_bits(), r.uniform_f32().to_bits(), "uniform_f32 {i}");
            assert_eq!(g[i].to_bits(), r.normal_f64().to_bits(), "normal_f64 {i}");
            assert_eq!(b[i], r.below(1000), "below {i}");
            assert_eq!(x[i], r.next_u64(), "next_u64 {i}");
        }
    }
}

#[test]
fn a_stream_per_prange_iteration_is_independent_of_the_thread_count() {
    let run = |threads: usize| {
        let mut out = Array1::<f64>::zeros(10_000);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| per_iteration(2024, out.as_slice_mut().unwrap()).unwrap());
        out
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        assert_eq!(
            run(threads).mapv(f64::to_bits),
            one.mapv(f64::to_bits),
            "{threads} threads"
        );
    }
    let mut r = Reference {
        seed: 2024,
        stream: 17,
        counter: 0,
    };
    assert_eq!(
        one[17].to_bits(),
        (r.uniform_f64() + r.normal_f64()).to_bits()
    );
}

#[test]
fn uniform_draws_have_the_mean_and_variance_of_u01() {
    let n = 200_000;
    let (m, v): (f64, f64) = mean_var(7, n).unwrap();
    // Standard errors: sqrt(1/12/n) = 6.5e-4 for the mean, about 3e-4 for the variance.
    assert!((m - 0.5).abs() < 4e-3, "mean {m}");
    assert!((v - 1.0 / 12.0).abs() < 2e-3, "variance {v}");
}

/// The same kernel for the GPU: PTX that ptxas accepts for sm_80 and sm_90 (the draws are integer
/// operations; `normal_f64`'s `ln` and `cos` come from libdevice there).
#[test]
fn the_generator_compiles_for_the_gpu() {
    use rumba::IntoArg;
    let Some(tk) = crate::gpu::toolkit() else {
        crate::skip("RUMBA_REQUIRE_PTXAS", "ptxas (no CUDA toolkit)");
        return;
    };
    let mut out = Array1::<f64>::zeros(64);
    for arch in ["sm_80", "sm_90"] {
        let args = [2024u64.into_arg(), (&mut out).into_arg()];
        match per_iteration::kernel().cuda().ptx(&args, arch) {
            Ok(ptx) => crate::gpu::assemble(tk, "per_iteration", arch, &ptx),
            Err(e) => crate::skip("RUMBA_REQUIRE_PTXAS", format!("no libdevice: {e}")),
        }
    }
}

/// Four million draws of each distribution: means and variances within five standard errors,
/// the Kolmogorov-Smirnov distance of the uniforms below its 0.1% critical value
/// `1.95 / sqrt(n)`, and the normals' empirical CDF at -3..3 standard deviations within that
/// distance of the normal CDF.
#[test]
#[ignore = "long: scripts/long-tests.sh"]
fn long_statistics() {
    let n = 1 << 22;
    let (mut u, mut g) = (vec![0.0f64; n], vec![0.0f64; n]);
    fill(99, &mut u, &mut g).unwrap();
    let nf = n as f64;
    let mean = |x: &[f64]| x.iter().sum::<f64>() / nf;
    let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / nf;
    let (mu, mg) = (mean(&u), mean(&g));
    let (vu, vg) = (var(&u, mu), var(&g, mg));
    assert!(
        (mu - 0.5).abs() < 5.0 * (1.0 / 12.0 / nf).sqrt(),
        "uniform mean {mu}"
    );
    assert!(
        (vu - 1.0 / 12.0).abs() < 5.0 * (1.0 / 180.0 / nf).sqrt(),
        "uniform variance {vu}"
    );
    assert!(mg.abs() < 5.0 / nf.sqrt(), "normal mean {mg}");
    assert!(
        (vg - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
        "normal variance {vg}"
    );
    let critical = 1.95 / nf.sqrt();
    u.sort_by(f64::total_cmp);
    let ks = u
        .iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / nf).abs().max((i as f64 + 1.0) / nf - x))
        .fold(0.0, f64::max);
    assert!(
        ks < critical,
        "uniform KS distance {ks} (critical {critical})"
    );
    // The normals' CDF at k standard deviations (k = 1, 2, 3): 0.841345, 0.977250, 0.998650.
    for (k, cdf) in [
        (1.0, 0.841_344_746),
        (2.0, 0.977_249_868),
        (3.0, 0.998_650_102),
    ] {
        let below = g.iter().filter(|&&x| x <= k).count() as f64 / nf;
        let above = g.iter().filter(|&&x| x <= -k).count() as f64 / nf;
        assert!(
            (below - cdf).abs() < critical,
            "P(X <= {k}) = {below}, want {cdf}"
        );
        assert!(
            (above - (1.0 - cdf)).abs() < critical,
            "P(X <= -{k}) = {above}"
        );
    }
}
