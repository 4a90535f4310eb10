//! A call through a path (`f64::sqrt(x)`).

rumba::compile! {
    fn root(x) -> f64 {
        f64::sqrt(x)
    }
}

fn main() {}
