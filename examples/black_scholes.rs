//! European option prices with Black-Scholes: a kernel calling a helper (`cnd`).

#[path = "kernels/mod.rs"]
mod kernels;

use ndarray::Array1;

fn main() -> Result<(), rumba::Error> {
    env_logger::init();
    let n = 8;
    let s = Array1::from_shape_fn(n, |i| 90.0 + 5.0 * i as f64);
    let x = Array1::from_elem(n, 100.0);
    let t = Array1::from_elem(n, 1.0);
    let mut call = Array1::<f64>::zeros(n);
    let mut put = Array1::<f64>::zeros(n);
    kernels::black_scholes(&s, &x, &t, 0.02, 0.30, &mut call, &mut put)?;
    println!(
        "{:>8} {:>10} {:>10} {:>12}",
        "spot", "call", "put", "parity err"
    );
    for i in 0..n {
        // Put-call parity: C - P = S - K e^{-rT} (the polynomial cnd is accurate to ~1e-7).
        let parity = call[i] - put[i] - (s[i] - x[i] * (-0.02f64 * t[i]).exp());
        println!(
            "{:>8.2} {:>10.4} {:>10.4} {:>12.2e}",
            s[i], call[i], put[i], parity
        );
    }
    Ok(())
}
