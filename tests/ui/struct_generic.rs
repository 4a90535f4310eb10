//! A generic struct in the block.

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Pair<T> {
        a: T,
        b: T,
    }

    fn sum(x: f64) -> f64 {
        x
    }
}

fn main() {}
