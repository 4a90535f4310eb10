use ndarray::Array2;
use std::time::Instant;
rumba::compile! {
    pub fn mm(a, b, c) {
        let (n, k) = a.dim();
        let m = b.ncols();
        for i in 0..n {
            for p in 0..k {
                let aip = a[[i, p]];
                for j in 0..m {
                    c[[i, j]] += aip * b[[p, j]];
                }
            }
        }
    }
}
fn main() {
    for m in [512usize, 1024, 2048] {
        let a = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
        let b = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
        let mut c = Array2::<f64>::zeros((m, m));
        let mut best = f64::MAX;
        for _ in 0..(if m == 2048 { 2 } else { 6 }) {
            c.fill(0.0);
            let t = Instant::now();
            mm(&a, &b, &mut c).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{m}: {:.2} ms {:.1} GFLOP/s",
            best * 1e3,
            2.0 * (m * m * m) as f64 / best / 1e9
        );
    }
}
