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
