//! Dereferencing inside a kernel.

rumba::compile! {
    fn first(x) -> f64 {
        *x
    }
}

fn main() {}
