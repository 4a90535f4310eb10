//! A call through a path that is no numeric method (`f64::from_bits(x)`).

rumba::compile! {
    fn root(x: u64) -> f64 {
        f64::from_bits(x)
    }
}

fn main() {}
