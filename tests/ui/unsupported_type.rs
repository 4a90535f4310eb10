//! A parameter type outside the kernel language.

rumba::compile! {
    fn total(x: String) -> f64 {
        x[0]
    }
}

fn main() {}
