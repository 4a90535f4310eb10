//! A call of a function not defined in the compile! block.

rumba::compile! {
    fn norm(x, y) -> f64 {
        hypot(x, y)
    }
}

fn main() {}
