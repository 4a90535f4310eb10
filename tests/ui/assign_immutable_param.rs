//! Assigning to a parameter declared without `mut`.

rumba::compile! {
    fn clampit(x) -> f64 {
        if x > 1.0 {
            x = 1.0;
        }
        x
    }
}

fn main() {}
