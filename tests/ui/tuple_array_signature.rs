//! A vector of tuples as a kernel's result: tuples do not cross to Rust in arrays.

rumba::compile! {
    fn peaks(x: ndarray::ArrayView1<f64>) -> Vec<(usize, f64)> {
        let mut found = Vec::new();
        for i in 1..x.len() {
            if x[i] > x[i - 1] {
                found.push((i, x[i]));
            }
        }
        found
    }
}

fn main() {}
