//! A field access.

rumba::compile! {
    fn first(p) -> f64 {
        p.x
    }
}

fn main() {}
