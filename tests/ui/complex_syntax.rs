//! Complex numbers written as Rust does not write them: a part called as a method, a
//! constructor without its type, a cast to a complex type.

rumba::compile! {
    fn parts(z: Complex64) -> f64 {
        z.re()
    }

    fn untyped() -> f64 {
        let z = Complex::zero();
        z.re
    }

    fn cast(x: f64) -> f64 {
        let z = x as Complex64;
        z.im
    }
}

fn main() {}
