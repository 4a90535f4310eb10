//! A struct defined inside the compile! block.

rumba::compile! {
    struct Point {
        x: f64,
    }

    fn norm(x, y) -> f64 {
        (x * x + y * y).sqrt()
    }
}

fn main() {}
