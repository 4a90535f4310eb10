//! A method taking `&mut self`, and a call of it: the call names the method's receiver, not an
//! unknown method.

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
    }

    fn advance(x: ndarray::ArrayView1<f64>) -> f64 {
        let mut p = Particle { x: 0.0, v: x[0] };
        p.step(0.1);
        p.x
    }
}

fn main() {}
