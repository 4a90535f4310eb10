//! Reading a variable that is not assigned on every path.

rumba::compile! {
    fn sign(x) -> f64 {
        let s;
        if x > 0.0 {
            s = 1.0;
        }
        s
    }
}

fn main() {}
