//! The generated wrappers take each argument by value: one `Arg` made from a `&mut` borrow cannot
//! be passed as two parameters.

use rumba::IntoArg;

rumba::compile! {
    fn add(x, y) {
        for i in 0..y.len() {
            y[i] += x[i];
        }
    }
}

fn main() {
    let mut y = vec![1.0f64; 4];
    let a = (&mut y).into_arg();
    let _ = add(a, a);
}
