//! An `unsafe fn` kernel.

rumba::compile! {
    unsafe fn first(x) -> f64 {
        x[0]
    }
}

fn main() {}
