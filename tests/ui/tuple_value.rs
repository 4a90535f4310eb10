//! A tuple used as a value.

rumba::compile! {
    fn pair(x) -> f64 {
        let t = (x, x);
        x
    }
}

fn main() {}
