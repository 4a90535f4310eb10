//! A name that is neither a local nor a parameter.

rumba::compile! {
    fn scale(x) {
        for i in 0..x.len() {
            x[i] *= factor;
        }
    }
}

fn main() {}
