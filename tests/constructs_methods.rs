//! Methods taking `&mut self` and functions taking scalars or structs by `&mut` (compiled by
//! value, handing them back: `front/lower/handback.rs`). Methods: calls on variables,
//! on fields (`self.rng.next()`), on elements of slices, views, 2-d arrays and growable vectors
//! (`ps[i].step(dt)`, the index evaluated once), through element references
//! (`for p in ps.iter_mut()`), on temporaries, from other methods (`self.step(..)`), with early
//! `return`s, a `loop` tail and results used in expressions: every result against the same code
//! compiled by rustc, bit for bit. Functions: `&mut` of struct and scalar parameters, passed
//! from variables, elements of growable vectors and 2-D arrays, element references, and on to
//! other such functions and `std::mem::swap`. The errors are ui tests
//! (`tests/ui/mut_self_method.rs`).

twin! {
    mod rsm;

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Rng {
        pub s: u64,
    }

    impl Rng {
        fn new(seed: u64) -> Self {
            Rng { s: seed | 1 }
        }

        /// xorshift64.
        fn next(&mut self) -> u64 {
            self.s ^= self.s << 13;
            self.s ^= self.s >> 7;
            self.s ^= self.s << 17;
            self.s
        }

        fn uniform(&mut self) -> f64 {
            (self.next() >> 11) as f64 * (1.0 / 9007199254740992.0)
        }

        /// A `loop` tail that leaves by `return`.
        fn below(&mut self, n: u64) -> u64 {
            loop {
                let v = self.next();
                if v & 7 != 0 {
                    return v % n;
                }
            }
        }

        fn skip(&mut self, k: usize) {
            for _ in 0..k {
                self.next();
            }
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Walker {
        pub x: f64,
        pub v: f64,
        pub rng: Rng,
        pub bounced: u32,
    }

    impl Walker {
        /// An early `return` without a result; a call on a field of `self`.
        fn step(&mut self, dt: f64) {
            if self.x > 1.0 {
                self.v = -self.v.abs();
                self.x = 1.0;
                self.bounced += 1;
                return;
            }
            self.x += self.v * dt + (self.rng.uniform() - 0.5) * 0.01;
        }

        /// A call on `self`; the argument read before the call changes `self`.
        fn kick(&mut self, dv: f64) -> f64 {
            self.v += dv;
            self.step(self.v);
            self.v
        }
    }

    pub fn numbers(n: usize, seed: u64) -> (f64, u64) {
        let mut r = Rng::new(seed);
        let mut acc = 0.0;
        let mut c = 0;
        for _ in 0..n {
            acc += r.uniform();
            c += r.below(10);
        }
        r.skip(3);
        let t = Rng::new(seed).next();
        (acc, c ^ r.next() ^ t)
    }

    pub fn walk_slice(ws: &mut [Walker], steps: usize) -> f64 {
        let mut k = 0.0;
        for _ in 0..steps {
            for i in 0..ws.len() {
                ws[i].step(0.1);
            }
            for w in ws.iter_mut() {
                w.step(0.05);
            }
            k += ws[0].kick(0.01) + ws[ws.len() - 1].rng.uniform();
        }
        k
    }

    /// Each iteration steps its own element: race-free.
    pub fn par_step(ws: &mut [Walker], steps: usize) {
        for _ in 0..steps {
            for i in prange(0..ws.len()) {
                ws[i].step(0.1);
            }
        }
    }

    pub fn walk_grid(mut g: ArrayViewMut2<Walker>, steps: usize) -> u64 {
        let mut r = Rng::new(5);
        for _ in 0..steps {
            for i in 0..g.nrows() {
                for j in 0..g.ncols() {
                    g[[i, j]].step(0.2);
                }
            }
            let i = r.below(g.nrows() as u64) as usize;
            let j = r.below(g.ncols() as u64) as usize;
            g[[i, j]].rng.skip(2);
        }
        let mut s = 0;
        for w in g.iter() {
            s += w.bounced as u64;
        }
        s
    }

    pub fn walk_vec(n: usize, steps: usize) -> (f64, u32) {
        let mut ws: Vec<Walker> = Vec::new();
        for i in 0..n {
            ws.push(Walker { x: i as f64 * 0.1, v: 0.5, rng: Rng::new(i as u64), bounced: 0 });
        }
        for _ in 0..steps {
            for i in 0..ws.len() {
                ws[i].step(0.3);
            }
        }
        let last = ws.len() - 1;
        let v = ws[last].kick(0.5);
        (v + ws[0].x, ws[last].bounced)
    }
}

fn walkers(n: usize) -> Vec<Walker> {
    (0..n)
        .map(|i| Walker {
            x: (i as f64 * 0.37).sin(),
            v: i as f64 * 0.11 - 1.0,
            rng: Rng {
                s: i as u64 * 7 + 1,
            },
            bounced: 0,
        })
        .collect()
}

fn to_rs(w: &Walker) -> rsm::Walker {
    rsm::Walker {
        x: w.x,
        v: w.v,
        rng: rsm::Rng { s: w.rng.s },
        bounced: w.bounced,
    }
}

fn same(a: &[Walker], b: &[rsm::Walker]) {
    assert_eq!(a.len(), b.len());
    for (p, q) in a.iter().zip(b) {
        assert_eq!(
            (p.x.to_bits(), p.v.to_bits(), p.rng.s, p.bounced),
            (q.x.to_bits(), q.v.to_bits(), q.rng.s, q.bounced)
        );
    }
}

#[test]
fn mut_self_methods_on_variables_match_rustc() {
    for (n, seed) in [(0, 1), (1, 2), (100, 7), (1000, 12345)] {
        let (a, c) = numbers(n, seed).unwrap();
        let (b, d) = rsm::numbers(n, seed);
        assert_eq!((a.to_bits(), c), (b.to_bits(), d), "{n} {seed}");
    }
}

#[test]
fn mut_self_methods_on_elements_match_rustc() {
    let mut p = walkers(37);
    let mut q: Vec<rsm::Walker> = p.iter().map(to_rs).collect();
    let a = walk_slice(&mut p, 50).unwrap();
    let b = rsm::walk_slice(&mut q, 50);
    assert_eq!(a.to_bits(), b.to_bits());
    same(&p, &q);
    assert!(p.iter().any(|w| w.bounced > 0), "the early return is taken");

    let mut p = walkers(1000);
    let mut q: Vec<rsm::Walker> = p.iter().map(to_rs).collect();
    par_step(&mut p, 30).unwrap();
    rsm::par_step(&mut q, 30);
    same(&p, &q);

    let mut g = ndarray::Array2::from_shape_vec((5, 7), walkers(35)).unwrap();
    let mut h = g.map(to_rs);
    let a = walk_grid(&mut g, 20).unwrap();
    let b = rsm::walk_grid(h.view_mut(), 20);
    assert_eq!(a, b);
    same(g.as_slice().unwrap(), h.as_slice().unwrap());

    for n in [1, 2, 9] {
        let (a, c) = walk_vec(n, 40).unwrap();
        let (b, d) = rsm::walk_vec(n, 40);
        assert_eq!((a.to_bits(), c), (b.to_bits(), d), "{n}");
    }
}

twin! {
    mod rsf;

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct P { pub x: f64, pub v: f64 }
    fn update(p: &mut P, dt: f64) {
        p.x += p.v * dt;
        if p.x > 5.0 {
            p.v = -p.v;
            return;
        }
        p.v *= 0.99;
    }
    fn bump(c: &mut u32) -> u32 {
        *c += 1;
        *c
    }
    fn minmax(lo: &mut f64, hi: &mut f64, v: f64) {
        if v < *lo { *lo = v; }
        if v > *hi { *hi = v; }
    }
    fn swap_if(a: &mut f64, b: &mut f64) -> bool {
        if *a > *b {
            std::mem::swap(a, b);
            return true;
        }
        false
    }
    fn twice(p: &mut P, c: &mut u32) {
        update(p, 0.1);
        update(p, 0.1);
        bump(c);
    }
    pub fn run(xs: ArrayView1<f64>) -> (f64, f64, u32, f64) {
        let mut ps: Vec<P> = Vec::new();
        for &x in xs.iter() {
            ps.push(P { x, v: 1.0 });
        }
        let mut count = 0u32;
        for _ in 0..20 {
            for i in 0..ps.len() {
                update(&mut ps[i], 0.3);
            }
            for p in ps.iter_mut() {
                twice(p, &mut count);
            }
        }
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in ps.iter() {
            minmax(&mut lo, &mut hi, p.x);
        }
        let mut a = ps[0].x;
        let mut b = ps[ps.len() - 1].x;
        let mut swaps = 0;
        if swap_if(&mut a, &mut b) { swaps += 1; }
        let k = bump(&mut count);
        (lo, hi, count + k + swaps, a - b)
    }
    fn tick(k: &mut usize) -> f64 {
        *k += 1;
        0.25
    }

    /// The place's index is the one before the arguments change it (Rust takes the reference
    /// first).
    pub fn index_once(n: usize) -> (f64, f64, usize) {
        let mut ps = vec![P { x: 1.0, v: 2.0 }; n];
        let mut k = 0;
        while k + 1 < n {
            update(&mut ps[k], tick(&mut k));
        }
        (ps[0].x, ps[n - 1].x, k)
    }

    pub fn sort3(mut x: ArrayViewMut2<f64>) {
        for i in 0..x.nrows() {
            let mut a = x[[i, 0]];
            let mut b = x[[i, 1]];
            let mut c = x[[i, 2]];
            swap_if(&mut a, &mut b);
            swap_if(&mut b, &mut c);
            swap_if(&mut a, &mut b);
            x[[i, 0]] = a; x[[i, 1]] = b; x[[i, 2]] = c;
            let mut d = x[[i, 0]];
            swap_if(&mut x[[i, 2]], &mut d);
        }
    }
}

#[test]
fn mut_ref_parameters_match_rustc() {
    for n in [1, 2, 7, 30] {
        let xs = ndarray::Array1::from_shape_fn(n, |i| i as f64 * 0.9);
        let (a, b, c, d) = run(xs.view()).unwrap();
        let (e, f, g, h) = rsf::run(xs.view());
        assert_eq!(
            (a.to_bits(), b.to_bits(), c, d.to_bits()),
            (e.to_bits(), f.to_bits(), g, h.to_bits()),
            "{n}"
        );
    }
    let m = ndarray::Array2::from_shape_fn((9, 3), |(i, j)| ((i * 7 + j * 5) % 11) as f64);
    let (mut m1, mut m2) = (m.clone(), m.clone());
    sort3(m1.view_mut()).unwrap();
    rsf::sort3(m2.view_mut());
    assert_eq!(m1, m2);
    assert_ne!(m1, m, "rows were sorted");
    for n in [2, 3, 10] {
        let (a, b, k) = index_once(n).unwrap();
        let (c, d, j) = rsf::index_once(n);
        assert_eq!(
            (a.to_bits(), b.to_bits(), k),
            (c.to_bits(), d.to_bits(), j),
            "{n}"
        );
    }
}
