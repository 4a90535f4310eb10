//! An integer literal above `u128::MAX`, which no integer type holds.

rumba::compile! {
    fn big(x: u128) -> u128 {
        x + 340282366920938463463374607431768211456
    }
}

fn main() {}
