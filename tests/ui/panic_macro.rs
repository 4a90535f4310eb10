//! A macro that panics inside a kernel: the help says what to do instead.

rumba::compile! {
    fn checked(x: i64) -> i64 {
        assert!(x > 0);
        x
    }
}

fn main() {}
