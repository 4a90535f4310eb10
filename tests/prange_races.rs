//! Race-free `prange`: loops whose iterations could touch one array element where one of them
//! writes it are rejected with both accesses named; loops the dependence check proves safe, and
//! array reductions (`bins[k] += 1`), are accepted and equal to their serial run at 1, 2, 3 and 8
//! threads (integers exactly), and on the GPU when there is one.

use crate::prange::each_pool;
use ndarray::{Array1, Array2};
use rumba::{Error, ErrorKind};

rumba::compile! {
    // ---- racy ----
    fn scatter(x: &[f64], bins: &mut [f64]) {
        for i in prange(0..x.len()) {
            let b = x[i] as usize;
            bins[b] = x[i];
        }
    }
    fn carry_forward(y: &mut [f64]) {
        for i in prange(0..y.len() - 1) {
            y[i + 1] = y[i] + 1.0;
        }
    }
    fn read_ahead(y: &mut [f64]) {
        for i in prange(0..y.len() - 1) {
            y[i] = y[i + 1] * 0.5;
        }
    }
    fn read_behind(y: &mut [f64]) {
        for i in prange(1..y.len()) {
            y[i] = y[i - 1] + 1.0;
        }
    }
    fn put(y: &mut [f64], k: usize, v: f64) {
        y[k] = v;
    }
    fn through_helper(y: &mut [f64]) {
        for i in prange(0..y.len() - 1) {
            put(y, i + 1, y[i]);
        }
    }
    fn shift(a: &mut [f64], b: &mut [f64]) {
        for i in prange(1..a.len()) {
            a[i] = b[i - 1];
        }
    }
    fn same_array_twice(y: &mut [f64]) {
        shift(y, y);
    }
    fn folded_rows(out: &mut Array2<f64>) {
        for i in prange(0..out.nrows()) {
            for j in 0..out.ncols() {
                out[[i % 4, j]] = j as f64;
            }
        }
    }
    fn reduced_and_read(x: &[i64], bins: &mut [i64]) -> i64 {
        let mut s = 0i64;
        for i in prange(0..x.len()) {
            bins[x[i] as usize] += 1;
            s += bins[0];
        }
        s
    }
    fn strided_overlap(y: &mut [f64]) {
        for i in prange(0..y.len() / 2 - 1) {
            y[2 * i] = 1.0;
            y[2 * i + 2] = 2.0;
        }
    }

    fn flat_shift(out: &mut Array2<f64>) {
        let (h, w) = out.dim();
        for p in prange(0..h * (w - 1)) {
            out[[p / (w - 1), p % (w - 1) + 1]] = out[[p / (w - 1), p % (w - 1)]] + 1.0;
        }
    }

    fn blocks_overlap(y: &mut [f64], bs: usize) {
        for b in prange(0..y.len() / bs - 1) {
            for k in 0..bs {
                y[b * bs + k + 1] = 1.0;
            }
        }
    }

    // ---- safe ----
    fn blocks(x: &[f64], y: &mut [f64], bs: usize) {
        for b in prange(0..x.len() / bs) {
            let mut s = 0.0;
            for k in 0..bs {
                s += x[b * bs + k];
            }
            for k in 0..bs {
                y[b * bs + k] = y[b * bs + k] + x[b * bs + k] / (s + 1.0);
            }
        }
        for b in prange(0..x.len() / 4) {
            for k in 0..4 {
                y[4 * b + k] *= 2.0;
            }
        }
    }
    fn blocks_ser(x: &[f64], y: &mut [f64], bs: usize) {
        for b in 0..x.len() / bs {
            let mut s = 0.0;
            for k in 0..bs {
                s += x[b * bs + k];
            }
            for k in 0..bs {
                y[b * bs + k] = y[b * bs + k] + x[b * bs + k] / (s + 1.0);
            }
        }
        for b in 0..x.len() / 4 {
            for k in 0..4 {
                y[4 * b + k] *= 2.0;
            }
        }
    }
    fn flat(x: &Array2<f64>, out: &mut Array2<f64>) {
        let (h, w) = out.dim();
        let inner = w - 2;
        for p in prange(0..(h - 2) * inner) {
            let i = p / inner + 1;
            let j = p % inner + 1;
            out[[i, j]] = x[[i - 1, j]] + x[[i + 1, j]] + x[[i, j - 1]] + x[[i, j + 1]] + out[[i, j]];
        }
    }
    fn flat_ser(x: &Array2<f64>, out: &mut Array2<f64>) {
        let (h, w) = out.dim();
        let inner = w - 2;
        for p in 0..(h - 2) * inner {
            let i = p / inner + 1;
            let j = p % inner + 1;
            out[[i, j]] = x[[i - 1, j]] + x[[i + 1, j]] + x[[i, j - 1]] + x[[i, j + 1]] + out[[i, j]];
        }
    }
    fn stencil(x: &[f64], y: &mut [f64]) {
        for i in prange(1..x.len() - 1) {
            y[i] = x[i - 1] + 2.0 * x[i] + x[i + 1];
        }
    }
    fn stencil_ser(x: &[f64], y: &mut [f64]) {
        for i in 1..x.len() - 1 {
            y[i] = x[i - 1] + 2.0 * x[i] + x[i + 1];
        }
    }
    fn rows(x: &Array2<f64>, out: &mut Array2<f64>) {
        for i in prange(0..out.nrows()) {
            for j in 0..out.ncols() {
                let left = if j > 0 { out[[i, j - 1]] } else { 0.0 };
                out[[i, j]] = out[[i, j]] * 0.5 + x[[i, j]] + left;
            }
        }
    }
    fn rows_ser(x: &Array2<f64>, out: &mut Array2<f64>) {
        for i in 0..out.nrows() {
            for j in 0..out.ncols() {
                let left = if j > 0 { out[[i, j - 1]] } else { 0.0 };
                out[[i, j]] = out[[i, j]] * 0.5 + x[[i, j]] + left;
            }
        }
    }
    fn histogram(x: &[f64], bins: &mut [u32]) {
        let n = bins.len();
        for i in prange(0..x.len()) {
            let b = ((x[i] * n as f64) as usize).min(n - 1);
            bins[b] += 1;
        }
    }
    fn histogram_ser(x: &[f64], bins: &mut [u32]) {
        let n = bins.len();
        for i in 0..x.len() {
            let b = ((x[i] * n as f64) as usize).min(n - 1);
            bins[b] += 1;
        }
    }
    fn extremes(k: &[usize], v: &[i64], lo: &mut [i64], hi: &mut [i64], net: &mut [i64]) {
        for i in prange(0..k.len()) {
            lo[k[i]] = lo[k[i]].min(v[i]);
            hi[k[i]] = hi[k[i]].max(v[i]);
            if v[i] > 0 {
                net[k[i]] += v[i];
            } else {
                net[k[i]] -= v[i] * 3;
            }
        }
    }
    fn extremes_ser(k: &[usize], v: &[i64], lo: &mut [i64], hi: &mut [i64], net: &mut [i64]) {
        for i in 0..k.len() {
            lo[k[i]] = lo[k[i]].min(v[i]);
            hi[k[i]] = hi[k[i]].max(v[i]);
            if v[i] > 0 {
                net[k[i]] += v[i];
            } else {
                net[k[i]] -= v[i] * 3;
            }
        }
    }
    fn kmeans_update(x: &Array2<i64>, label: &[usize], sums: &mut Array2<i64>, counts: &mut [i64]) {
        for i in prange(0..x.nrows()) {
            let c = label[i];
            counts[c] += 1;
            for j in 0..x.ncols() {
                sums[[c, j]] += x[[i, j]];
            }
        }
    }
    fn kmeans_update_ser(x: &Array2<i64>, label: &[usize], sums: &mut Array2<i64>, counts: &mut [i64]) {
        for i in 0..x.nrows() {
            let c = label[i];
            counts[c] += 1;
            for j in 0..x.ncols() {
                sums[[c, j]] += x[[i, j]];
            }
        }
    }
    fn interleave(a: &[f64], b: &[f64], y: &mut [f64]) {
        let n = a.len();
        for i in prange(0..n) {
            y[2 * i] = a[i];
            y[2 * i + 1] = b[n - 1 - i];
            y[2 * i] = y[2 * i] * 2.0;
        }
    }
    fn interleave_ser(a: &[f64], b: &[f64], y: &mut [f64]) {
        let n = a.len();
        for i in 0..n {
            y[2 * i] = a[i];
            y[2 * i + 1] = b[n - 1 - i];
            y[2 * i] = y[2 * i] * 2.0;
        }
    }
    fn set(y: &mut [f64], k: usize, v: f64) {
        y[k] = y[k] * 0.5 + v;
    }
    fn via_helper(x: &[f64], y: &mut [f64]) {
        let last = y.len() - 1;
        for i in prange(0..y.len()) {
            let j = last - i;
            set(y, j, x[i]);
        }
    }
    fn via_helper_ser(x: &[f64], y: &mut [f64]) {
        let last = y.len() - 1;
        for i in 0..y.len() {
            let j = last - i;
            set(y, j, x[i]);
        }
    }
    fn big_histogram(k: &[usize], bins: &mut [i32]) {
        for i in prange(0..k.len()) {
            bins[k[i]] += 1;
            bins[k[i] / 2] += 2;
        }
    }
    /// Updates written with the element on the right of a commuting operator (`1 + h[k]`,
    /// `v.min(lo[k])`, ...): array reductions as `h[k] += 1` is.
    fn flipped(k: &[usize], v: &[i64], w: &[f64], h: &mut [u32], lo: &mut [i64], m: &mut [i64], x: &mut [u64], s: &mut [f64]) {
        for i in prange(0..k.len()) {
            let b = k[i];
            h[b] = 1 + h[b];
            lo[b] = v[i].min(lo[b]);
            m[b] = (v[i] | 1) * m[b];
            x[b] = (v[i] as u64) ^ x[b];
            s[b] = w[i] + s[b];
        }
    }
    fn flipped_ser(k: &[usize], v: &[i64], w: &[f64], h: &mut [u32], lo: &mut [i64], m: &mut [i64], x: &mut [u64], s: &mut [f64]) {
        for i in 0..k.len() {
            let b = k[i];
            h[b] = 1 + h[b];
            lo[b] = v[i].min(lo[b]);
            m[b] = (v[i] | 1).wrapping_mul(m[b]);
            x[b] = (v[i] as u64) ^ x[b];
            s[b] = w[i] + s[b];
        }
    }
    /// `e - a[k]` is not an update (`-` does not commute): a race.
    fn flipped_sub(k: &[usize], w: &[f64], s: &mut [f64]) {
        for i in prange(0..k.len()) {
            s[k[i]] = w[i] - s[k[i]];
        }
    }
    #[rumba(unsafe(unchecked_parallel))]
    fn permute(perm: &[usize], x: &[f64], y: &mut [f64]) {
        for i in prange(0..x.len()) {
            y[perm[i]] = x[i];
        }
    }
}

/// The message and rendered text of a type error.
fn rejected(r: Result<impl std::fmt::Debug, Error>) -> (String, String) {
    match r {
        Err(e) => {
            let rendered = format!("{e:#}");
            match e.into_kind() {
                ErrorKind::Type { message, .. } => (message, rendered),
                other => panic!("expected a type error, got {other:?}"),
            }
        }
        other => panic!("expected a type error, got {other:?}"),
    }
}

#[test]
fn racy_loops_are_rejected_with_both_accesses() {
    let x = Array1::from_iter((0..64).map(|i| (i % 8) as f64));
    let mut y = Array1::<f64>::zeros(64);
    let mut bins = Array1::<f64>::zeros(8);
    let mut a2 = Array2::<f64>::zeros((8, 8));
    let ix = Array1::from_iter((0..64).map(|i| (i % 8) as i64));
    let mut ib = Array1::<i64>::zeros(8);
    // (outcome, what the message says, source lines the rendered text must show)
    let cases: Vec<((String, String), &str, Vec<&str>)> = vec![
        (
            rejected(scatter(&x, &mut bins)),
            "may write the same element of `bins`",
            vec!["bins[b] = x[i];"],
        ),
        (
            rejected(carry_forward(&mut y)),
            "another iteration reads",
            vec!["y[i + 1] = y[i] + 1.0;"],
        ),
        (
            rejected(read_ahead(&mut y)),
            "another iteration reads",
            vec!["y[i] = y[i + 1] * 0.5;"],
        ),
        (
            rejected(read_behind(&mut y)),
            "another iteration reads",
            vec!["y[i] = y[i - 1] + 1.0;"],
        ),
        (
            rejected(through_helper(&mut y)),
            "element of `y`",
            vec!["y[k] = v;", "put(y, i + 1, y[i]);"],
        ),
        (
            rejected(folded_rows(&mut a2)),
            "same element of `out`",
            vec!["out[[i % 4, j]] = j as f64;"],
        ),
        (
            rejected(reduced_and_read(&ix, &mut ib)),
            "also read in it",
            vec!["bins[x[i] as usize] += 1;", "s += bins[0];"],
        ),
        (
            rejected(flat_shift(&mut a2)),
            "another iteration reads",
            vec!["out[[p / (w - 1), p % (w - 1) + 1]]"],
        ),
        (
            rejected(blocks_overlap(&mut y, 4usize)),
            "same element of `y`",
            vec!["y[b * bs + k + 1] = 1.0;"],
        ),
        (
            rejected(flipped_sub(&ix.mapv(|v| v as usize), &x, &mut bins)),
            "element of `s` that another iteration reads",
            vec!["s[k[i]] = w[i] - s[k[i]];"],
        ),
        (
            rejected(strided_overlap(&mut y)),
            "another iteration writes",
            vec!["y[2 * i] = 1.0;", "y[2 * i + 2] = 2.0;"],
        ),
    ];
    for ((message, rendered), says, lines) in cases {
        println!("{rendered}");
        assert!(message.starts_with("data race"), "{message}");
        assert!(message.contains(says), "{message}");
        assert!(rendered.contains("help:"), "{rendered}");
        assert!(rendered.contains("in this parallel loop"), "{rendered}");
        for l in lines {
            assert!(rendered.contains(l), "{l} not in {rendered}");
        }
    }
    // Two accesses named: the write and the read of another iteration.
    let (_, r) = rejected(carry_forward(&mut y));
    assert!(
        r.contains("`y` written here") && r.contains("`y` read here"),
        "{r}"
    );
    // One array for two writable parameters is refused at the call, before any race check.
    match same_array_twice(&mut y) {
        Err(e) => assert!(e.to_string().contains("more than once"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn safe_loops_equal_serial() {
    each_pool(|| {
        let n = 20_001;
        let x = Array1::from_iter((0..n).map(|i| ((i * 7919) % 1009) as f64 / 1009.0));
        let (mut p, mut s) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
        stencil(&x, &mut p).unwrap();
        stencil_ser(&x, &mut s).unwrap();
        assert_eq!(p, s);

        let x2 = Array2::from_shape_fn((97, 61), |(i, j)| ((i * 31 + j * 7) % 13) as f64);
        let mut p2 = Array2::from_elem((97, 61), 1.0);
        let mut s2 = p2.clone();
        rows(&x2, &mut p2).unwrap();
        rows_ser(&x2, &mut s2).unwrap();
        assert_eq!(p2, s2);

        for bs in [1usize, 3, 64] {
            let (mut p, mut s) = (Array1::<f64>::ones(n), Array1::<f64>::ones(n));
            blocks(&x, &mut p, bs).unwrap();
            blocks_ser(&x, &mut s, bs).unwrap();
            assert_eq!(p, s, "bs = {bs}");
        }

        let mut p2 = Array2::from_elem((97, 61), 1.0);
        let mut s2 = p2.clone();
        flat(&x2, &mut p2).unwrap();
        flat_ser(&x2, &mut s2).unwrap();
        assert_eq!(p2, s2);

        let (mut p, mut s) = (Array1::<f64>::ones(n), Array1::<f64>::ones(n));
        via_helper(&x, &mut p).unwrap();
        via_helper_ser(&x, &mut s).unwrap();
        assert_eq!(p, s);

        let half = x.slice(ndarray::s![..n / 2]);
        let (mut p, mut s) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
        interleave(half, half, &mut p).unwrap();
        interleave_ser(half, half, &mut s).unwrap();
        assert_eq!(p, s);
    });
}

#[test]
fn array_reductions_are_exact() {
    each_pool(|| {
        for n in [0usize, 1, 100, 3000, 200_000] {
            let x = Array1::from_iter((0..n).map(|i| ((i * 7919) % 10007) as f64 / 10007.0));
            for nb in [1usize, 7, 256, 5000] {
                let (mut p, mut s) = (Array1::<u32>::zeros(nb), Array1::<u32>::zeros(nb));
                p.fill(3);
                s.fill(3);
                histogram(&x, &mut p).unwrap();
                histogram_ser(&x, &mut s).unwrap();
                assert_eq!(p, s, "n = {n}, bins = {nb}");
                assert_eq!(p.iter().map(|&c| c as usize).sum::<usize>(), n + 3 * nb);
            }
            let k = Array1::from_iter((0..n).map(|i| (i * 31) % 37));
            let v = Array1::from_iter((0..n).map(|i| ((i * 7919) % 2001) as i64 - 1000));
            let mut p = (
                Array1::from_elem(37, 5i64),
                Array1::from_elem(37, -5i64),
                Array1::from_elem(37, 9i64),
            );
            let mut s = p.clone();
            extremes(&k, &v, &mut p.0, &mut p.1, &mut p.2).unwrap();
            extremes_ser(&k, &v, &mut s.0, &mut s.1, &mut s.2).unwrap();
            assert_eq!(p, s, "n = {n}");

            let x2 = Array2::from_shape_fn((n, 5), |(i, j)| ((i * 13 + j * 101) % 997) as i64);
            let label = Array1::from_iter((0..n).map(|i| (i * 7) % 6));
            let mut p = (Array2::<i64>::zeros((6, 5)), Array1::<i64>::zeros(6));
            let mut s = p.clone();
            kmeans_update(&x2, &label, &mut p.0, &mut p.1).unwrap();
            kmeans_update_ser(&x2, &label, &mut s.0, &mut s.1).unwrap();
            assert_eq!(p, s, "n = {n}");
            // The element on the right of `+`, `*`, `^`, `min`: the same reductions. The float
            // values are multiples of 1/4 whose sums are exact in any order.
            let k = Array1::from_iter((0..n).map(|i| (i * 31) % 37));
            let v = Array1::from_iter((0..n).map(|i| ((i * 7919) % 2001) as i64 - 1000));
            let w = Array1::from_iter((0..n).map(|i| ((i * 13) % 9) as f64 * 0.25 - 1.0));
            let mut p = (
                Array1::from_elem(37, 2u32),
                Array1::from_elem(37, 7i64),
                Array1::from_elem(37, 3i64),
                Array1::from_elem(37, 0x55u64),
                Array1::from_elem(37, 0.5f64),
            );
            let mut s = p.clone();
            flipped(&k, &v, &w, &mut p.0, &mut p.1, &mut p.2, &mut p.3, &mut p.4).unwrap();
            flipped_ser(&k, &v, &w, &mut s.0, &mut s.1, &mut s.2, &mut s.3, &mut s.4).unwrap();
            assert_eq!(p, s, "n = {n}");
        }
        // Arrays too large to copy per chunk are updated atomically, still exactly.
        let n = 300_000;
        let k = Array1::from_iter((0..n).map(|i| (i * 7919) % 100_000));
        let mut bins = Array1::<i32>::zeros(100_000);
        big_histogram(&k, &mut bins).unwrap();
        let mut expected = Array1::<i32>::zeros(100_000);
        for &b in &k {
            expected[b] += 1;
            expected[b / 2] += 2;
        }
        assert_eq!(bins, expected);
    });
}

#[test]
fn array_reductions_check_their_indices() {
    let k = Array1::from_iter([0usize, 1, 9, 1]);
    let v = Array1::from_iter([1i64, 2, 3, 4]);
    let mut t = (
        Array1::<i64>::zeros(4),
        Array1::<i64>::zeros(4),
        Array1::<i64>::zeros(4),
    );
    match extremes(&k, &v, &mut t.0, &mut t.1, &mut t.2).map_err(Error::into_kind) {
        Err(ErrorKind::OutOfBounds { array, index, .. }) => {
            assert_eq!((array.as_str(), index), ("lo", 9))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unchecked_parallel_accepts_what_the_check_cannot_prove() {
    let n = 1000;
    let perm = Array1::from_iter((0..n).map(|i| (i * 7) % n));
    let x = Array1::from_iter((0..n).map(|i| i as f64));
    let mut y = Array1::<f64>::zeros(n);
    // SAFETY: `perm` is a permutation of 0..n, so no two iterations write one element.
    unsafe { permute(&perm, &x, &mut y) }.unwrap();
    for i in 0..n {
        assert_eq!(y[perm[i]], x[i]);
    }
}

/// On the GPU, array reductions are atomic updates of device memory: counts exact, min/max and
/// the `-=` mix equal to the serial CPU run, a 2-D k-means update too.
#[test]
fn array_reductions_on_the_gpu_match_the_cpu() {
    if let Err(e) = rumba::cuda::device() {
        return crate::skip("RUMBA_REQUIRE_GPU", e);
    }
    for n in [0usize, 1, 1000, 1_000_003] {
        let x = Array1::from_iter((0..n).map(|i| ((i * 7919) % 10007) as f64 / 10007.0));
        for nb in [1usize, 256, 5000] {
            let (mut g, mut c) = (Array1::<u32>::zeros(nb), Array1::<u32>::zeros(nb));
            histogram::cuda(&x, &mut g).unwrap();
            histogram_ser(&x, &mut c).unwrap();
            assert_eq!(g, c, "histogram n = {n}, bins = {nb}");
        }
        let k = Array1::from_iter((0..n).map(|i| (i * 31) % 37));
        let v = Array1::from_iter((0..n).map(|i| ((i * 7919) % 2001) as i64 - 1000));
        let mut g = (
            Array1::from_elem(37, 5i64),
            Array1::from_elem(37, -5i64),
            Array1::from_elem(37, 9i64),
        );
        let mut c = g.clone();
        extremes::cuda(&k, &v, &mut g.0, &mut g.1, &mut g.2).unwrap();
        extremes_ser(&k, &v, &mut c.0, &mut c.1, &mut c.2).unwrap();
        assert_eq!(g, c, "extremes n = {n}");
        let x2 = Array2::from_shape_fn((n, 5), |(i, j)| ((i * 13 + j * 101) % 997) as i64);
        let label = Array1::from_iter((0..n).map(|i| (i * 7) % 6));
        let mut g = (Array2::<i64>::zeros((6, 5)), Array1::<i64>::zeros(6));
        let mut c = g.clone();
        kmeans_update::cuda(&x2, &label, &mut g.0, &mut g.1).unwrap();
        kmeans_update_ser(&x2, &label, &mut c.0, &mut c.1).unwrap();
        assert_eq!(g, c, "kmeans n = {n}");
    }
    let data = Array1::from_shape_fn(1 << 22, |i| (i * 2654435761 % 256) as u8);
    let (mut g, mut c) = (Array1::<i64>::zeros(256), Array1::<i64>::zeros(256));
    crate::kernels::histogram_par::cuda(&data, &mut g).unwrap();
    crate::kernels::histogram(&data, &mut c).unwrap();
    assert_eq!(g, c);
}

rumba::compile! {
    /// ndarray's rayon methods: a `Zip`'s `par_for_each` and `par_mapv_inplace`, their first
    /// axis a `prange`.
    fn par_walks(x: &Array2<f64>, mut out: ArrayViewMut2<f64>, a: f64) {
        Zip::from(&mut out).and(&x).par_for_each(|o, &v| *o = a * v + 1.0);
        out.par_mapv_inplace(|v| v.sqrt());
    }

    /// A `par_for_each` that also writes one element of another array from every iteration.
    fn par_walk_racy(x: &Array1<f64>, mut out: ArrayViewMut1<f64>, last: &mut Array1<f64>) {
        Zip::from(&mut out).and(&x).par_for_each(|o, &v| {
            *o = v;
            last[0] = v;
        });
    }
}

#[test]
fn ndarray_par_walks_run_as_prange_and_are_race_checked() {
    let x = Array2::from_shape_fn((37, 5), |(i, j)| (i * 5 + j) as f64 * 0.5);
    let mut out = Array2::<f64>::zeros((37, 5));
    par_walks(&x, out.view_mut(), 3.0).unwrap();
    assert_eq!(out, x.mapv(|v| (3.0 * v + 1.0).sqrt()));
    let x1 = Array1::from_elem(9, 1.0);
    let (mut o1, mut last) = (Array1::<f64>::zeros(9), Array1::<f64>::zeros(1));
    let (message, _) = rejected(par_walk_racy(&x1, o1.view_mut(), &mut last));
    assert!(message.contains("the same element of `last`"), "{message}");
}
