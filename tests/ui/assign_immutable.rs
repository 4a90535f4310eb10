//! Assigning to a binding that shadowing made immutable.

rumba::compile! {
    fn count(n) -> i64 {
        let mut s = 0;
        let s = s + n;
        s += 1;
        s
    }
}

fn main() {}
