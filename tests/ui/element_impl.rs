//! `Element` is sealed: a type outside rumba cannot claim to be an element (compiled code would
//! read and write `size_of::<Big>()` bytes as an `f64`).

#[derive(Clone, Copy)]
struct Big([f64; 4]);

impl rumba::Element for Big {
    const SCALAR: rumba::Scalar = rumba::Scalar::F64;
}

fn main() {}
