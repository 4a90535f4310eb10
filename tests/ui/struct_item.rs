//! A struct of the block that does not derive `Copy`: kernels copy struct values.

rumba::compile! {
    struct Point {
        x: f64,
    }

    fn norm(x, y) -> f64 {
        (x * x + y * y).sqrt()
    }
}

fn main() {}
