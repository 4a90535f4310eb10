//! The `?` operator.

rumba::compile! {
    fn first(x) -> f64 {
        let v = x[0]?;
        v
    }
}

fn main() {}
