//! Laplace's equation on a square by Jacobi iteration: a 2-D 5-point stencil kernel.

#[path = "kernels/mod.rs"]
mod kernels;

use ndarray::Array2;

fn main() -> Result<(), rumba::Error> {
    env_logger::init();
    let n = 33;
    // Boundary: the top edge is held at 1, the others at 0.
    let mut a = Array2::<f64>::zeros((n, n));
    a.row_mut(0).fill(1.0);
    let mut b = a.clone();
    for _ in 0..1500 {
        kernels::jacobi2d(&a, &mut b)?;
        kernels::jacobi2d(&b, &mut a)?;
    }
    let centre = a[[n / 2, n / 2]];
    println!("after 3000 sweeps, u(centre) = {centre:.6} (the continuous solution there is 0.25)");
    for i in (0..n).step_by(4) {
        let row: Vec<String> = (0..n)
            .step_by(4)
            .map(|j| format!("{:.3}", a[[i, j]]))
            .collect();
        println!("{}", row.join(" "));
    }
    Ok(())
}
