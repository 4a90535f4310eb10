//! A panicking macro used as a value inside a kernel: the help says to write it as a statement.

rumba::compile! {
    fn checked(x: i64) -> i64 {
        let y = if x > 0 { x } else { panic!("negative") };
        y
    }
}

fn main() {}
