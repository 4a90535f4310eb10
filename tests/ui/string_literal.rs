//! A string literal.

rumba::compile! {
    fn name(x) -> f64 {
        let s = "rumba";
        x
    }
}

fn main() {}
