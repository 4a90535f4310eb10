//! One `&mut` borrow gives one `Arg`: passing it twice to `Kernel::call` (two `noalias` pointers
//! to one buffer) does not build, nor does a read-only argument beside a writable one of the same
//! array.

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
    let _ = add::kernel().call(&[a, a]);
    let r = (&y).into_arg();
    let w = (&mut y).into_arg();
    let _ = add::kernel().call(&[r, w]);
}
