//! A closure inside a kernel.

rumba::compile! {
    fn apply(x, y) {
        let f = |v| v * 2.0;
        for i in 0..x.len() {
            y[i] = x[i];
        }
    }
}

fn main() {}
