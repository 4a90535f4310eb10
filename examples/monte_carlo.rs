//! Monte Carlo estimates with rumba's counter-based generator inside `prange`: pi from points in
//! the unit square, and the mean of exp(Z) for a standard normal Z (e^0.5). Each iteration draws
//! from its own stream (`Rng::new(seed, i)`), so the result does not depend on the number of
//! threads: run with RAYON_NUM_THREADS=1 and =8 to see the same digits (the example checks it).

rumba::compile! {
    fn mc_pi(n: u64, seed: u64) -> u64 {
        let mut hits = 0u64;
        for i in prange(0..n) {
            let mut rng = Rng::new(seed, i);
            let x = rng.uniform_f64();
            let y = rng.uniform_f64();
            if x * x + y * y <= 1.0 {
                hits += 1;
            }
        }
        hits
    }

    fn lognormal_mean(out: &mut [f64], seed: u64) {
        for i in prange(0..out.len()) {
            let mut rng = Rng::new(seed, i as u64);
            out[i] = rng.normal_f64().exp();
        }
    }
}

fn main() -> Result<(), rumba::Error> {
    let n = 4_000_000;
    let hits = mc_pi(n, 42)?;
    let pi = 4.0 * hits as f64 / n as f64;
    let mut samples = vec![0.0; 1_000_000];
    lognormal_mean(&mut samples, 7)?;
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    println!("pi ~ {pi} ({hits} of {n} points inside the quarter circle)");
    println!("E[exp(Z)] ~ {mean} (e^0.5 = {})", 0.5f64.exp());
    // The same numbers on one thread and on eight.
    for threads in [1, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let again = pool.install(|| mc_pi(n, 42))?;
        assert_eq!(again, hits, "{threads} threads");
    }
    assert!((pi - std::f64::consts::PI).abs() < 0.01);
    assert!((mean - 0.5f64.exp()).abs() < 0.01);
    Ok(())
}
