//! A `#[rumba(vectorize)]` function applies to each element: its parameters are scalars.

rumba::compile! {
    #[rumba(vectorize)]
    fn norm(x: ArrayView1<f64>) -> f64 {
        x[0].abs()
    }
}

fn main() {}
