//! A kernel that returns an array.

rumba::compile! {
    fn copy(x) -> ArrayView1<f64> {
        x
    }
}

fn main() {}
