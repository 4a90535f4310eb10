//! `break` and `continue` outside a loop.

rumba::compile! {
    fn stop(x) -> f64 {
        if x > 0.0 {
            break;
        }
        continue;
        x
    }
}

fn main() {}
