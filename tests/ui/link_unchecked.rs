//! A kernel with its checks calling a function of another block without bounds checks: its
//! wrapper would not be `unsafe`, so it is a build error.

mod physics {
    rumba::compile! {
        #[rumba(unsafe(boundscheck = false))]
        pub fn first(x: &[f64]) -> f64 {
            x[0]
        }
    }
}

rumba::compile! {
    fn k(x: &[f64]) -> f64 {
        physics::first(x) * 2.0
    }
}

fn main() {}
