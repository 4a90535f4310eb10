//! A closure bound with `let` used as a value, not called.

rumba::compile! {
    fn twice(x) {
        x * 2.0
    }

    fn apply(x, y) {
        let f = |v| v * 2.0;
        let g = f;
        for i in 0..x.len() {
            y[i] = twice(x[i]);
        }
    }
}

fn main() {}
