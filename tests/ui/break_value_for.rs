//! `break` with a value out of a `for` loop (only `loop` gives a value).
rumba::compile! {
    fn first(x) -> f64 {
        for i in 0..x.len() {
            if x[i] > 0.0 {
                break x[i];
            }
        }
        0.0
    }
}

fn main() {}
