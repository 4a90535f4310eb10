//! A method outside the numeric and array methods.

rumba::compile! {
    fn total(x) -> f64 {
        x.argmax()
    }
}

fn main() {}
