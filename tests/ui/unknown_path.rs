//! A call of a path that is neither a function of the block nor a constructor kernels know.

rumba::compile! {
    fn k(x: f64) -> f64 {
        std::cmp::max_by(x, 1.0, |a, b| a.total_cmp(b))
    }
}

fn main() {}
