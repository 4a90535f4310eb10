//! A call of a path that is no function of a `compile!` block: rustc's error, at the path.

mod physics {
    pub fn plain(x: f64) -> f64 {
        x
    }
}

rumba::compile! {
    fn k(x: f64) -> f64 {
        physics::plain(x) + 1.0
    }
}

fn main() {}
