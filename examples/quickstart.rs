//! The first rumba program: saxpy and a dot product, compiled on first call.
//!
//!     RUST_LOG=rumba=debug cargo run --example quickstart
//!
//! shows what was compiled for which argument types, and how long each stage took.

#[path = "kernels/mod.rs"]
mod kernels;

use kernels::{dot, saxpy};
use ndarray::Array1;

fn main() -> Result<(), rumba::Error> {
    env_logger::init();
    let n = 1_000_000;
    let x = Array1::from_shape_fn(n, |i| i as f32 * 0.5);
    let mut y = Array1::from_elem(n, 1.0f32);

    // First call: compiles saxpy for (f32, array<f32, 1d, C, ro>, array<f32, 1d, C, mut>).
    saxpy(2.0f32, &x, &mut y)?;
    println!("saxpy: y[10] = {}, y[n-1] = {}", y[10], y[n - 1]);

    // The same kernel on f64 data is a new signature, compiled once more.
    let xd = x.mapv(f64::from);
    let mut yd = y.mapv(f64::from);
    saxpy(0.5, &xd, &mut yd)?;
    println!("saxpy (f64): y[10] = {}", yd[10]);

    // The result type comes from the kernel; ask for it as a Rust type.
    let s: f64 = dot(&xd, &yd)?;
    println!("dot = {s:e}");

    // Strided views are specialized too (here: every other element, reversed).
    let s2: f64 = dot(xd.slice(ndarray::s![..;-2]), yd.slice(ndarray::s![..;-2]))?;
    println!("dot over a reversed strided view = {s2:e}");

    // Mistakes are errors, not crashes: `x` is shorter than `y`, so `x[i]` runs past its end.
    let short = Array1::from_elem(10, 1.0f32);
    match saxpy(2.0f32, &short, &mut y) {
        Ok(()) => println!("unexpected success"),
        Err(e) => println!("as expected, an error:\n{e:#}"),
    }

    let k = saxpy::kernel();
    println!(
        "saxpy has {} compiled signatures: {:?}",
        k.compilations(),
        k.signatures()
    );
    Ok(())
}
