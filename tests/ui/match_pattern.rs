//! A `match` with a tuple-struct pattern, which kernels cannot have.
rumba::compile! {
    fn get(x) -> i32 {
        match x {
            Some(v) => v,
            _ => 0,
        }
    }
}

fn main() {}
