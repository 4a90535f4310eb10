//! Taking a reference inside a kernel.

rumba::compile! {
    fn total(x) -> f64 {
        sum(&x)
    }

    fn sum(x) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }
}

fn main() {}
