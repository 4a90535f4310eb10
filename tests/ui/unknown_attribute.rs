//! An attribute that is not a rumba option.

rumba::compile! {
    #[rumba(inline)]
    fn twice(x) -> f64 {
        x * 2.0
    }
}

fn main() {}
