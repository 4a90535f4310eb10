//! A parameter type outside the kernel language.

rumba::compile! {
    fn total(x: Vec<f64>) -> f64 {
        x[0]
    }
}

fn main() {}
