//! Structs of the block (issue 16 item 5): `#[derive(Clone, Copy)] struct` items emitted as
//! `#[repr(C)]` Rust types; literals (shorthand, any field order), field reads, field writes on
//! locals and nested fields, copies, values passed to and returned from helpers and kernels,
//! inside tuples and `prange` loops: every result against the same code compiled by rustc, bit
//! for bit. Also the layout (`#[repr(C)]`'s, checked with `offset_of!`) and the errors.
//!
//! Each block is written once inside `twin!`, which compiles it with rumba and as plain Rust in
//! `rs`; the two struct types are converted field by field. scripts/test.sh runs this suite again
//! through the reference interpreter (`RUMBA_DISABLE_JIT=1`).

use rumba::num_complex::Complex64;
use rumba::IntoArg;

twin! {
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Particle {
        pub x: f64,
        pub v: f64,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Vec2 {
        pub x: f64,
        pub y: f64,
    }

    /// Fields of several sizes, so `#[repr(C)]` pads between them; a struct field.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Body {
        pub id: u8,
        pub pos: Vec2,
        pub charge: i16,
        pub alive: bool,
        pub mass: f32,
        pub spin: Complex64,
    }

    /// One field: a write replaces the whole value.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Count {
        pub n: i64,
    }

    pub fn count_up(c: Count, k: i64) -> (Count, Count) {
        let mut d = c;
        for i in 0..k {
            d.n += i * c.n;
            d.n = d.n.wrapping_mul(3);
        }
        (c, d)
    }

    pub fn make(x: f64, v: f64) -> Particle {
        Particle { v, x }
    }

    pub fn energy(p: Particle) -> f64 {
        0.5 * p.v * p.v
    }

    /// A field write on a copy: the argument keeps its value.
    pub fn advance(p: Particle, dt: f64) -> Particle {
        let mut q = p;
        q.x += dt * q.v;
        q.v = q.v * 0.5;
        q
    }

    pub fn simulate(x0: f64, v0: f64, n: usize, dt: f64) -> (Particle, f64) {
        let mut p = make(x0, v0);
        let mut e = 0.0;
        for _ in 0..n {
            let before = p;
            p = advance(p, dt);
            p.v += before.x * 1e-3;
            e += energy(p) - energy(before);
        }
        (p, e)
    }

    pub fn move_body(b: Body, d: Vec2, k: f64) -> Body {
        let mut out = b;
        out.pos.x += d.x * k;
        out.pos.y = out.pos.y - d.y;
        out.charge -= 3;
        out.alive = !b.alive;
        out.mass *= 2.0;
        out.spin = out.spin * Complex64::new(0.0, 1.0) + k;
        out.id = b.id.wrapping_add(250);
        out
    }

    pub fn body_sum(b: Body) -> f64 {
        b.id as f64 + b.pos.x + b.pos.y + b.charge as f64 + b.mass as f64 + b.spin.norm()
            + if b.alive { 1.0 } else { 0.0 }
    }

    pub fn literal_order(a: f64) -> Body {
        let mut n = 0.0;
        Body {
            spin: Complex64::new(a, { n += 1.0; n }),
            alive: a > 0.0,
            pos: Vec2 { y: { n *= 10.0; n }, x: a },
            mass: 1.5,
            charge: -7,
            id: 200,
        }
    }

    impl Vec2 {
        pub fn new(x: f64, y: f64) -> Self {
            Self { x, y }
        }

        pub fn norm2(&self) -> f64 {
            self.x * self.x + self.y * self.y
        }

        pub fn scaled(self, k: f64) -> Vec2 {
            let mut out = self;
            out.x *= k;
            out.y = self.y * k;
            out
        }

        pub fn plus(self, o: Vec2) -> Vec2 {
            Vec2::new(self.x + o.x, self.y + o.y)
        }
    }

    pub fn methods(a: f64, b: f64, n: usize) -> (Vec2, f64) {
        let mut p = Vec2::new(a, b);
        let mut acc = 0.0;
        for k in 0..n {
            p = p.plus(Vec2::new(0.5, -0.25)).scaled(0.99);
            acc += p.norm2() / (k as f64 + 1.0);
        }
        (p, acc)
    }

    pub fn energies(x: &[f64], v: &[f64], out: &mut [f64]) {
        for i in prange(0..out.len()) {
            let p = Particle { x: x[i], v: v[i] };
            let q = advance(p, 0.1);
            out[i] = energy(q) + q.x;
        }
    }
}

fn to_rs(p: Particle) -> rs::Particle {
    rs::Particle { x: p.x, v: p.v }
}

fn body_to_rs(b: Body) -> rs::Body {
    rs::Body {
        id: b.id,
        pos: rs::Vec2 {
            x: b.pos.x,
            y: b.pos.y,
        },
        charge: b.charge,
        alive: b.alive,
        mass: b.mass,
        spin: b.spin,
    }
}

fn body() -> Body {
    Body {
        id: 9,
        pos: Vec2 { x: 1.25, y: -3.5 },
        charge: -300,
        alive: true,
        mass: 0.1,
        spin: Complex64::new(0.3, -0.7),
    }
}

#[test]
fn literals_fields_and_copies_match_rustc() {
    assert_eq!(to_rs(make(1.5, -2.0).unwrap()), rs::make(1.5, -2.0));
    let p = Particle { x: 0.1, v: 3.0 };
    assert_eq!(energy(p).unwrap().to_bits(), rs::energy(to_rs(p)).to_bits());
    assert_eq!(
        to_rs(advance(p, 0.01).unwrap()),
        rs::advance(to_rs(p), 0.01)
    );
    let (q, e) = simulate(0.5, 1.25, 1000, 1e-3).unwrap();
    let (rq, re) = rs::simulate(0.5, 1.25, 1000, 1e-3);
    assert_eq!((to_rs(q), e.to_bits()), (rq, re.to_bits()));
}

#[test]
fn a_struct_of_one_field_matches_rustc() {
    let (c, d) = count_up(Count { n: 7 }, 50).unwrap();
    let (rc, rd) = rs::count_up(rs::Count { n: 7 }, 50);
    assert_eq!((c.n, d.n), (rc.n, rd.n));
}

#[test]
fn nested_and_padded_structs_match_rustc() {
    let b = body();
    let d = Vec2 { x: 0.5, y: 2.0 };
    let rd = rs::Vec2 { x: 0.5, y: 2.0 };
    let got = move_body(b, d, 3.0).unwrap();
    assert_eq!(body_to_rs(got), rs::move_body(body_to_rs(b), rd, 3.0));
    assert_eq!(
        body_sum(b).unwrap().to_bits(),
        rs::body_sum(body_to_rs(b)).to_bits()
    );
    for a in [-1.0, 2.5] {
        assert_eq!(body_to_rs(literal_order(a).unwrap()), rs::literal_order(a));
    }
}

#[test]
fn methods_and_associated_functions_match_rustc() {
    let (p, acc) = methods(0.3, -1.7, 500).unwrap();
    let (rp, racc) = rs::methods(0.3, -1.7, 500);
    assert_eq!(
        (p.x.to_bits(), p.y.to_bits()),
        (rp.x.to_bits(), rp.y.to_bits())
    );
    assert_eq!(acc.to_bits(), racc.to_bits());
    // The methods are Rust methods of the emitted type too.
    assert_eq!(Vec2::new(3.0, 4.0).norm2(), 25.0);
}

#[test]
fn structs_in_prange_match_rustc() {
    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.37).collect();
    let v: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
    let mut out = vec![0.0; n];
    let mut want = vec![0.0; n];
    energies(&x, &v, &mut out).unwrap();
    rs::energies(&x, &v, &mut want);
    assert_eq!(out, want);
}

/// The offsets kernels read struct fields at are `#[repr(C)]`'s, as rustc lays the emitted type
/// out.
#[test]
fn the_layout_is_repr_c() {
    use rumba::__private::Field;
    let rumba::Type::Tuple(t) = Body::field_type() else {
        panic!("a struct's type is a tuple type")
    };
    let want = [
        std::mem::offset_of!(Body, id),
        std::mem::offset_of!(Body, pos),
        std::mem::offset_of!(Body, charge),
        std::mem::offset_of!(Body, alive),
        std::mem::offset_of!(Body, mass),
        std::mem::offset_of!(Body, spin),
    ];
    let got: Vec<usize> = t.offsets().into_iter().map(|o| o as usize).collect();
    assert_eq!(got, want);
    let size = rumba::Type::Tuple(t).repr_c().0 as usize;
    assert_eq!(size, std::mem::size_of::<Body>());
    assert_eq!(Body::field_type().to_string(), "Body");
}

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Pair {
        a: f64,
        b: f64,
    }

    fn unknown_field(p: Pair) -> f64 {
        p.c
    }

    fn field_of_scalar(x: f64) -> f64 {
        x.a
    }

    fn on_gpu(p: Pair, y: &mut [f64]) {
        for i in prange(0..y.len()) {
            y[i] = p.a * y[i] + p.b;
        }
    }
}

#[test]
fn an_unknown_field_is_an_error_at_its_span() {
    let err = unknown_field(Pair { a: 1.0, b: 2.0 }).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("no field `c` on type `Pair`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("`Pair` has the fields `a`, `b`"),
        "{rendered}"
    );
    assert!(rendered.contains("p.c"), "{rendered}");
    let err = field_of_scalar(1.0).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("no field `a` on type `f64`"),
        "{rendered}"
    );
}

#[test]
fn the_gpu_rejects_structs_naming_them() {
    let mut y = vec![1.0; 4];
    let args = [Pair { a: 1.0, b: 2.0 }.into_arg(), (&mut y[..]).into_arg()];
    let err = on_gpu::kernel().cuda().ptx(&args, "sm_80").unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("struct `Pair` is not supported on the GPU"),
        "{rendered}"
    );
    // The CPU runs it.
    on_gpu(Pair { a: 2.0, b: 0.5 }, &mut y[..]).unwrap();
    assert_eq!(y, vec![2.5; 4]);
}

// Arrays of structs: `Array1<Pt>`, views of them in any layout, `&mut [Pt]`, 2-D arrays.
twin! {
    mod rs2;

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Pt {
        pub x: f64,
        pub v: f64,
        pub hit: bool,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct At {
        pub x: f64,
        pub y: f64,
    }

    /// Padded, with a nested struct and a complex field.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Cell {
        pub id: u8,
        pub at: At,
        pub w: f32,
        pub z: Complex64,
    }

    pub fn total_energy(p: &[Pt]) -> f64 {
        let mut e = 0.0;
        for i in 0..p.len() {
            e += 0.5 * p[i].v * p[i].v;
        }
        e
    }

    pub fn step(p: &mut [Pt], dt: f64) {
        for i in prange(0..p.len()) {
            p[i].x += dt * p[i].v;
            p[i].hit = p[i].x > 1.0;
        }
    }

    pub fn swap_ends(p: &mut [Pt]) -> Pt {
        let n = p.len();
        let q = p[0];
        p[0] = p[n - 1];
        p[n - 1] = q;
        p[n / 2].v = -p[n / 2].v;
        q
    }

    pub fn view_walk(p: ArrayView1<Pt>) -> f64 {
        let mut s = 0.0;
        for i in 0..p.len() {
            s = s * 0.5 + p[i].x - p[i].v;
            if p[i].hit {
                s += 1.0;
            }
        }
        s
    }

    pub fn view_write(mut p: ArrayViewMut1<Pt>, k: f64) {
        for i in 0..p.len() {
            p[i].v = p[i].v * k + i as f64;
        }
    }

    pub fn spread(n: usize, x0: f64) -> Array1<Pt> {
        let mut p = Array1::from_elem(n, Pt { x: x0, v: 0.0, hit: false });
        for i in 0..n {
            p[i].v = i as f64 * 0.5;
            p[i].hit = i % 2 == 1;
        }
        p
    }

    pub fn grid(mut c: ArrayViewMut2<Cell>, k: f32) -> f64 {
        let mut s = 0.0;
        for i in 0..c.nrows() {
            for j in 0..c.ncols() {
                c[[i, j]].at.y += c[[i, j]].w as f64 * k as f64;
                c[[i, j]].id = c[[i, j]].id.wrapping_mul(3);
                c[[i, j]].z = c[[i, j]].z * Complex64::new(0.0, 1.0);
                s += c[[i, j]].at.x * c[[i, j]].at.y + c[[i, j]].z.re;
            }
        }
        s
    }
}

fn pts(n: usize) -> Vec<Pt> {
    (0..n)
        .map(|i| Pt {
            x: (i as f64 * 0.37).sin(),
            v: i as f64 * 0.11 - 1.0,
            hit: i % 3 == 0,
        })
        .collect()
}

fn pt_rs(p: &Pt) -> rs2::Pt {
    rs2::Pt {
        x: p.x,
        v: p.v,
        hit: p.hit,
    }
}

fn same_pts(a: &[Pt], b: &[rs2::Pt]) {
    assert_eq!(a.len(), b.len());
    for (p, q) in a.iter().zip(b) {
        assert_eq!(
            (p.x.to_bits(), p.v.to_bits(), p.hit),
            (q.x.to_bits(), q.v.to_bits(), q.hit)
        );
    }
}

#[test]
fn arrays_of_structs_read_and_write_fields_as_rustc() {
    let mut p = pts(1000);
    let mut q: Vec<rs2::Pt> = p.iter().map(pt_rs).collect();
    assert_eq!(
        total_energy(&p).unwrap().to_bits(),
        rs2::total_energy(&q).to_bits()
    );
    for _ in 0..3 {
        step(&mut p, 0.01).unwrap();
        rs2::step(&mut q, 0.01);
    }
    same_pts(&p, &q);
    let a = swap_ends(&mut p).unwrap();
    let b = rs2::swap_ends(&mut q);
    same_pts(&[a], &[b]);
    same_pts(&p, &q);
}

#[test]
fn arrays_of_structs_made_in_kernels_come_back_as_ndarray_arrays() {
    let p = spread(37, 0.25).unwrap();
    let q = rs2::spread(37, 0.25);
    same_pts(p.as_slice().unwrap(), q.as_slice().unwrap());
}

#[test]
fn strided_and_reversed_views_of_structs_match_rustc() {
    let mut p = ndarray::Array1::from(pts(301));
    let mut q = p.map(pt_rs);
    for view in [
        p.slice(ndarray::s![..;-1]),
        p.slice(ndarray::s![3..;7]),
        p.slice(ndarray::s![..;-3]),
    ] {
        let same = view.map(pt_rs);
        assert_eq!(
            view_walk(view).unwrap().to_bits(),
            rs2::view_walk(same.view()).to_bits()
        );
    }
    view_write(p.slice_mut(ndarray::s![1..;-2]), 0.5).unwrap();
    rs2::view_write(q.slice_mut(ndarray::s![1..;-2]), 0.5);
    same_pts(p.as_slice().unwrap(), q.as_slice().unwrap());
}

#[test]
fn two_dimensional_arrays_of_nested_structs_match_rustc() {
    let cell = |i: usize, j: usize| Cell {
        id: (i * 7 + j) as u8,
        at: At {
            x: i as f64 * 0.5,
            y: j as f64 - 2.0,
        },
        w: (i + j) as f32 * 0.25,
        z: Complex64::new(i as f64, -(j as f64)),
    };
    let to_rs = |c: &Cell| rs2::Cell {
        id: c.id,
        at: rs2::At {
            x: c.at.x,
            y: c.at.y,
        },
        w: c.w,
        z: c.z,
    };
    let mut c = ndarray::Array2::from_shape_fn((13, 9), |(i, j)| cell(i, j));
    let mut d = c.map(to_rs);
    // A transposed view: strided on both axes.
    let got = grid(c.view_mut().reversed_axes(), 1.5).unwrap();
    let want = rs2::grid(d.view_mut().reversed_axes(), 1.5);
    assert_eq!(got.to_bits(), want.to_bits());
    assert_eq!(c.map(to_rs), d);
}

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Q {
        a: f64,
        b: f64,
    }

    fn racy(q: &mut [Q]) {
        for i in prange(0..q.len()) {
            q[0].a += q[i].b;
        }
    }

    fn no_field(q: &[Q]) -> f64 {
        q[0].nosuch
    }

    fn scale(q: &mut [Q], k: f64) {
        for i in prange(0..q.len()) {
            q[i].a *= k;
        }
    }

    fn sum_of_structs(q: &[Q]) -> f64 {
        let s: f64 = q.iter().sum();
        s
    }
}

#[test]
fn a_race_on_a_struct_element_is_rejected() {
    let mut q = vec![Q { a: 1.0, b: 2.0 }; 8];
    let err = racy(&mut q).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("data race") && rendered.contains("an element of `q`"),
        "{rendered}"
    );
    assert!(rendered.contains("q[0]"), "{rendered}");
}

#[test]
fn the_gpu_rejects_arrays_of_structs_naming_them() {
    let mut q = vec![Q { a: 1.0, b: 2.0 }; 8];
    let args = [(&mut q[..]).into_arg(), 2.0.into_arg()];
    let err = scale::kernel().cuda().ptx(&args, "sm_80").unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("struct `Q` is not supported on the GPU")
            && rendered.contains("one array per field"),
        "{rendered}"
    );
    // The CPU runs it.
    scale(&mut q, 2.0).unwrap();
    assert!(q.iter().all(|x| (x.a, x.b) == (2.0, 2.0)));
}

#[test]
fn a_sum_of_structs_is_a_type_error() {
    let q = vec![Q { a: 1.0, b: 2.0 }; 2];
    let rendered = format!("{:#}", sum_of_structs(&q).unwrap_err());
    assert!(rendered.contains("cannot add `Q` to `Q`"), "{rendered}");
    assert!(
        rendered.contains("operate on its fields (`p.a`)"),
        "{rendered}"
    );
}

#[test]
fn an_unknown_field_of_an_element_is_an_error_at_its_span() {
    let q = vec![Q { a: 1.0, b: 2.0 }; 2];
    let err = no_field(&q).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("no field `nosuch` on type `Q`"),
        "{rendered}"
    );
    assert!(rendered.contains("q[0].nosuch"), "{rendered}");
    assert!(rendered.contains('^'), "{rendered}");
}

// What a newcomer writes over arrays of structs: element references from `iter_mut`, std's
// slice methods, ndarray's walks, whole-element comparisons.
twin! {
    mod rs3;

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct P2 {
        pub x: f64,
        pub y: f64,
        pub tag: i32,
    }

    pub fn drift(p: &mut [P2], dt: f64) {
        for q in p.iter_mut() {
            q.x += dt * q.y;
            q.tag -= 1;
        }
    }

    pub fn sort_swap(p: &mut [P2]) -> usize {
        p.sort_by(|a, b| a.x.partial_cmp(&b.x).unwrap());
        let n = p.len();
        p.swap(0, n - 1);
        let mut same = 0;
        for i in 0..n {
            let q = p[n - 1 - i];
            if p[i] == q {
                same += 1;
            }
        }
        same
    }

    pub fn walks(p: ArrayView1<P2>, mut q: ArrayViewMut1<P2>, mut out: ArrayViewMut1<f64>) -> f64 {
        q.assign(&p);
        Zip::from(&mut out).and(&p).for_each(|o, e| *o = e.x * e.y);
        let mut r = p.to_owned();
        r[0].y = -1.0;
        let y0 = r[0].y;
        r.fill(P2 { x: 0.5, y: y0, tag: 7 });
        let s: f64 = p.iter().map(|e| e.x).sum();
        s + r[r.len() - 1].y
    }
}

fn p2s(n: usize) -> Vec<P2> {
    (0..n)
        .map(|i| P2 {
            x: ((i * 7919) % 101) as f64 * 0.25 - 3.0,
            y: (i as f64 * 0.3).cos(),
            tag: i as i32,
        })
        .collect()
}

fn p2_rs(p: &P2) -> rs3::P2 {
    rs3::P2 {
        x: p.x,
        y: p.y,
        tag: p.tag,
    }
}

fn same_p2s(a: &[P2], b: &[rs3::P2]) {
    assert_eq!(a.len(), b.len());
    for (p, q) in a.iter().zip(b) {
        assert_eq!(
            (p.x.to_bits(), p.y.to_bits(), p.tag),
            (q.x.to_bits(), q.y.to_bits(), q.tag)
        );
    }
}

#[test]
fn element_references_std_slice_methods_and_walks_over_structs_match_rustc() {
    let mut p = p2s(257);
    let mut q: Vec<rs3::P2> = p.iter().map(p2_rs).collect();
    drift(&mut p, 0.125).unwrap();
    rs3::drift(&mut q, 0.125);
    same_p2s(&p, &q);
    assert_eq!(sort_swap(&mut p).unwrap(), rs3::sort_swap(&mut q));
    same_p2s(&p, &q);

    let a = ndarray::Array1::from(p2s(40));
    let b = a.map(p2_rs);
    let (mut into, mut into_rs) = (a.clone(), b.clone());
    let mut out = ndarray::Array1::<f64>::zeros(20);
    let mut out_rs = out.clone();
    let got = walks(
        a.slice(ndarray::s![..;-2]),
        into.slice_mut(ndarray::s![1..;2]),
        out.view_mut(),
    )
    .unwrap();
    let want = rs3::walks(
        b.slice(ndarray::s![..;-2]),
        into_rs.slice_mut(ndarray::s![1..;2]),
        out_rs.view_mut(),
    );
    assert_eq!(got.to_bits(), want.to_bits());
    same_p2s(into.as_slice().unwrap(), into_rs.as_slice().unwrap());
    assert_eq!(out, out_rs);
}

rumba::compile! {
    #[derive(Clone, Copy, Debug)]
    struct R {
        a: f64,
    }

    fn sum_of_array(r: ArrayView1<R>) -> f64 {
        let s = r.sum();
        s.a
    }

    fn add_arrays(r: ArrayView1<R>, s: ArrayView1<R>) -> Array1<R> {
        &r + &s
    }

    fn scale_array(r: ArrayView1<R>) -> Array1<R> {
        &r * 2.0
    }

    fn zeros_of(n: usize) -> Array1<R> {
        let mut z = Array1::zeros(n);
        z[0] = R { a: 1.0 };
        z
    }

    fn made(n: usize) -> Array1<R> {
        Array1::from_elem(n, R { a: 1.5 })
    }

    fn mean_of_array(r: ArrayView1<R>) -> f64 {
        let m = r.mean().unwrap();
        m.a
    }
}

#[test]
fn arrays_of_structs_where_numbers_are_needed_are_errors_naming_the_alternative() {
    let r = ndarray::Array1::from_elem(3, R { a: 1.0 });
    let cases: [(String, &[&str]); 5] = [
        (
            format!("{:#}", mean_of_array(r.view()).unwrap_err()),
            &["`mean` needs an array of numbers, not of `R`", "r.mean()"],
        ),
        (
            format!("{:#}", sum_of_array(r.view()).unwrap_err()),
            &[
                "`sum` needs an array of numbers, not of `R`",
                "r.sum()",
                "s += p[i].a",
            ],
        ),
        (
            format!("{:#}", add_arrays(r.view(), r.view()).unwrap_err()),
            &[
                "no implementation for `R + R` on arrays",
                "&r + &s",
                "r[i].a = p[i].a + ..",
            ],
        ),
        (
            format!("{:#}", scale_array(r.view()).unwrap_err()),
            &["no implementation for `R * {float}` on arrays", "&r * 2.0"],
        ),
        (
            format!("{:#}", zeros_of(2).unwrap_err()),
            &[
                "the trait bound `R: Zero` / `One` is not satisfied",
                "Array1::zeros(n)",
                "Array1::from_elem(n, R { .. })",
            ],
        ),
    ];
    for (rendered, want) in cases {
        for w in want {
            assert!(rendered.contains(w), "{w:?} in\n{rendered}");
        }
    }
}

#[test]
fn typed_handles_take_arrays_of_structs() {
    let f = step::kernel()
        .typed::<(&mut [Pt], f64), ()>()
        .expect("a struct element is a typed parameter");
    let mut p = pts(100);
    let mut q: Vec<rs2::Pt> = p.iter().map(pt_rs).collect();
    for _ in 0..2 {
        f.call(&mut p, 0.25).unwrap();
        rs2::step(&mut q, 0.25);
    }
    same_pts(&p, &q);
    let g = view_walk::kernel()
        .typed::<(ndarray::ArrayView1<Pt>,), f64>()
        .unwrap();
    let a = ndarray::Array1::from(pts(50));
    let b = a.map(pt_rs);
    assert_eq!(
        g.call(a.view()).unwrap().to_bits(),
        rs2::view_walk(b.view()).to_bits()
    );
}

#[test]
fn a_returned_array_of_structs_taken_as_another_element_type_is_an_err() {
    // The runtime hands the kernel's memory to ndarray only as the element type it holds.
    let k = made::kernel();
    let args = [3usize.into_arg()];
    let ok: ndarray::Array1<R> = k.call_as(&args).unwrap();
    assert_eq!(ok.len(), 3);
    assert!(k.call_as::<ndarray::Array1<f64>>(&args).is_err());
    assert!(k.call_as::<ndarray::Array1<Pt>>(&args).is_err());
    assert!(k.call_as::<ndarray::Array2<R>>(&args).is_err());
}

/// Structs of another block: one of the same name and another layout, one of another name and
/// the same layout as `Q`.
mod elsewhere {
    rumba::compile! {
        #[derive(Clone, Copy)]
        pub struct Q {
            pub a: f32,
            pub b: f64,
        }

        #[derive(Clone, Copy)]
        pub struct Pt {
            pub a: f64,
            pub b: f64,
        }
    }
}

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Q2 {
        a: f64,
        b: f64,
    }

    fn first_a(q: Q2) -> f64 {
        q.a
    }

    fn total_a(q: &[Q2]) -> f64 {
        let mut s = 0.0;
        for i in 0..q.len() {
            s += q[i].a;
        }
        s
    }
}

#[test]
fn a_struct_annotation_is_checked_against_the_arguments_struct() {
    let pts = vec![elsewhere::Pt { a: 1.0, b: 2.0 }; 3];
    let err = total_a(&pts).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains(
            "argument `q` of `total_a` is declared with struct `Q2`, but the call passed struct `Pt`"
        ),
        "{rendered}"
    );
    let err = first_a(elsewhere::Pt { a: 1.0, b: 2.0 }).unwrap_err();
    assert!(
        format!("{err:#}").contains("but the call passed struct `Pt`"),
        "{err:#}"
    );
    // Same name, another layout: both definitions shown.
    let qs = vec![elsewhere::Q { a: 1.0, b: 2.0 }; 2];
    let err = scale(&mut qs.clone(), 2.0).unwrap_err();
    let rendered = format!("{err:#}");
    assert!(
        rendered.contains("declared with struct `Q { a: f64, b: f64 }`")
            && rendered.contains("passed struct `Q { a: f32, b: f64 }`"),
        "{rendered}"
    );
    // Not a struct at all.
    let err = total_a(&[1.0f64, 2.0][..]).unwrap_err();
    assert!(
        format!("{err:#}").contains("but the call passed `"),
        "{err:#}"
    );
    // The right struct still works.
    assert_eq!(total_a(&[Q2 { a: 1.5, b: 0.0 }; 2][..]).unwrap(), 3.0);
    assert_eq!(first_a(Q2 { a: 2.5, b: 0.0 }).unwrap(), 2.5);
}
