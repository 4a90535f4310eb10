//! A `match` with a tuple-struct pattern other than `Some(..)`, which kernels cannot have.
rumba::compile! {
    fn get(x) -> i32 {
        match x {
            Ok(v) => v,
            _ => 0,
        }
    }
}

fn main() {}
