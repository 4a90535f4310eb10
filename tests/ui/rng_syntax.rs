//! Draws that cannot advance a generator: from an immutable binding, from an expression.

rumba::compile! {
    fn immutable(seed: u64) -> f64 {
        let rng = Rng::new(seed, 0);
        rng.uniform_f64()
    }

    fn temporary(seed: u64) -> f64 {
        Rng::new(seed, 0).uniform_f64()
    }
}

fn main() {}
