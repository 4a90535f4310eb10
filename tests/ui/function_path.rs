//! A call through a path that is no function of the block nor a numeric method.

rumba::compile! {
    fn root(x: f64) -> f64 {
        std::process::abort();
        x
    }
}

fn main() {}
