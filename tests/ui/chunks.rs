//! Chunks of an array: not walked; slice them by position.

rumba::compile! {
    fn chunk_sums(x: ndarray::ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
        for (c, chunk) in x.exact_chunks(4).into_iter().enumerate() {
            out[c] = chunk.sum();
        }
    }
}

fn main() {}
