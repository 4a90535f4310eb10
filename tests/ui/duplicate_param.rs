//! A parameter name bound twice.

rumba::compile! {
    fn add(a, a) -> f64 {
        a + a
    }
}

fn main() {}
