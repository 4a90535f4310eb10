//! A trait defined inside the compile! block.

rumba::compile! {
    trait Shape {
        fn area(&self) -> f64;
    }

    fn area(w, h) -> f64 {
        w * h
    }
}

fn main() {}
