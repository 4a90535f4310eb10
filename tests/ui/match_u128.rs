//! A `match` on a `u128` that leaves out `0` and two values above `i128::MAX`: the message
//! prints them as `u128` values.
rumba::compile! {
    fn top(x: u128) -> i32 {
        match x {
            1..=0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFC => 0,
            u128::MAX => 1,
        }
    }
}

fn main() {}
