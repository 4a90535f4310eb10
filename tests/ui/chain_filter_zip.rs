//! An iterator chain that filters one side of a `zip`.

rumba::compile! {
    fn dot_pos(x, y) -> f64 {
        x.iter().filter(|v| **v > 0.0).zip(y.iter()).map(|(a, b)| a * b).sum::<f64>()
    }
}

fn main() {}
