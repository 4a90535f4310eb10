//! A struct literal naming a field the struct does not have.

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Point {
        x: f64,
        y: f64,
    }

    fn first(a: f64) -> f64 {
        let p = Point { x: a, z: 1.0 };
        p.x
    }
}

fn main() {}
