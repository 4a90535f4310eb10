//! A `match` on an integer that does not cover every value, without `_`.
rumba::compile! {
    fn sign(x) -> i32 {
        match x {
            0 => 0,
            1..=5 | 7 => 1,
        }
    }
}

fn main() {}
