//! Generic parameters on a kernel.

rumba::compile! {
    fn twice<T>(x: T) -> T {
        x + x
    }
}

fn main() {}
