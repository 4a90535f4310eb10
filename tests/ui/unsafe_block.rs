//! An `unsafe` block inside a kernel.

rumba::compile! {
    fn first(x) -> f64 {
        unsafe { x[0] }
    }
}

fn main() {}
