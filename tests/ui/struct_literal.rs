//! A struct expression inside a kernel.

rumba::compile! {
    fn origin(x) -> f64 {
        let p = Point { x: 0.0, y: 0.0 };
        x
    }
}

fn main() {}
