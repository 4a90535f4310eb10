//! Windows kept in a variable instead of walked by a `for` loop or a chain.

rumba::compile! {
    fn smooth(x: ndarray::ArrayView1<f64>) -> f64 {
        let ws = x.windows(3);
        let mut s = 0.0;
        for w in ws {
            s += w.sum();
        }
        s
    }
}

fn main() {}
