//! A function defined inside a kernel.

rumba::compile! {
    fn outer(x) -> f64 {
        fn inner(v: f64) -> f64 {
            v * 2.0
        }
        x
    }
}

fn main() {}
