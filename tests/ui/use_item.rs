//! A `use` of something that is not a std numeric constant.
rumba::compile! {
    use std::collections::HashMap;

    fn f(x) -> f64 {
        x
    }
}

fn main() {}
