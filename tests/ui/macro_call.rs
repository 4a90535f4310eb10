//! A macro call inside a kernel.

rumba::compile! {
    fn show(x) {
        for i in 0..x.len() {
            println!("{}", x[i]);
        }
    }
}

fn main() {}
