//! A push onto a growable vector inside a loop over it (rustc's E0502: the vector may move).

rumba::compile! {
    fn doubled(x) -> Vec<f64> {
        let mut v = Vec::new();
        for i in 0..x.len() {
            v.push(x[i]);
        }
        for &e in &v {
            v.push(e * 2.0);
        }
        v
    }
}

fn main() {}
