//! A method outside the numeric and array methods.

rumba::compile! {
    fn total(x) -> f64 {
        x.var(1.0)
    }
}

fn main() {}
