//! A `match` expression.

rumba::compile! {
    fn sign(x) -> i32 {
        match x {
            0 => 0,
            _ => 1,
        }
    }
}

fn main() {}
