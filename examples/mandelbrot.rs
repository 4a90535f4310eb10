//! The Mandelbrot set as ASCII art, computed by a rumba kernel into an `Array2<i32>`.

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
    let inside = out.iter().filter(|&&n| n >= 200).count();
    println!(
        "{inside} of {} points did not escape in 200 iterations",
        h * w
    );
    Ok(())
}
