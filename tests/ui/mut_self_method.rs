//! Calls of a method taking `&mut self` that Rust rejects too, or that kernels do not support:
//! on an immutable variable, a call without a result used as a value, and a typed `self`; a
//! function taking `&mut f64` passed what is not a place, or too few arguments.

rumba::compile! {
    #[derive(Clone, Copy)]
    pub struct Particle {
        x: f64,
        v: f64,
    }

    impl Particle {
        fn step(&mut self, dt: f64) {
            self.x += self.v * dt;
        }

        fn boxed(self: Box<Self>) -> f64 {
            self.x
        }
    }

    fn immutable(x: ndarray::ArrayView1<f64>) -> f64 {
        let p = Particle { x: 0.0, v: x[0] };
        p.step(0.1);
        p.x
    }

    fn as_value(x: ndarray::ArrayView1<f64>) -> f64 {
        let mut p = Particle { x: 0.0, v: x[0] };
        let r = p.step(0.1);
        p.x
    }

    fn scale(x: &mut f64, k: f64) {
        *x *= k;
    }

    fn not_a_place(mut x: ndarray::Array2<f64>) -> f64 {
        scale(&mut (x[[0, 0]] + 1.0), 2.0);
        scale(&mut x.row_mut(0)[1], 2.0);
        scale(&mut x[[0, 0]]);
        x[[0, 1]]
    }
}

fn main() {}
