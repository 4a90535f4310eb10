//! Two functions with the same name.

rumba::compile! {
    fn scale(x, k) {
        for i in 0..x.len() {
            x[i] *= k;
        }
    }

    fn scale(x) {
        for i in 0..x.len() {
            x[i] *= 2.0;
        }
    }
}

fn main() {}
