//! A literal of a struct the block does not define.

rumba::compile! {
    fn origin(x) -> f64 {
        let p = Point { x: 0.0, y: 0.0 };
        x
    }
}

fn main() {}
