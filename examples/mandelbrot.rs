//! The Mandelbrot set as ASCII art, computed by a rumba kernel into an `Array2<i32>`, with the
//! real and imaginary parts as two `f64`s and again with `num_complex::Complex64`.

#[path = "kernels/mod.rs"]
mod kernels;

use ndarray::Array2;

fn main() -> Result<(), rumba::Error> {
    env_logger::init();
    let (h, w) = (24, 72);
    let mut out = Array2::<i32>::zeros((h, w));
    kernels::mandelbrot(&mut out, -2.2, 1.0, -1.2, 1.2, 200)?;
    let shades = b" .:-=+*#%@";
    for row in out.rows() {
        let line: String = row
            .iter()
            .map(|&n| {
                if n >= 200 {
                    '@'
                } else {
                    shades[(n as usize) % 9] as char
                }
            })
            .collect();
        println!("{line}");
    }
    // The same image from the kernel written with `Complex64`: the same escape counts.
    let mut complex = Array2::<i32>::zeros((h, w));
    kernels::mandelbrot_complex(&mut complex, -2.2, 1.0, -1.2, 1.2, 200)?;
    assert_eq!(
        complex, out,
        "Complex64 and split re/im give the same image"
    );
    let inside = out.iter().filter(|&&n| n >= 200).count();
    println!(
        "{inside} of {} points did not escape in 200 iterations",
        h * w
    );
    Ok(())
}
