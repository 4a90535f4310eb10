//! Turning bounds checks off is unsafe, and spelled so: `#[rumba(boundscheck = false)]` is an
//! error naming `#[rumba(unsafe(boundscheck = false))]`.

rumba::compile! {
    #[rumba(boundscheck = false)]
    fn first(x) -> f64 {
        x[0]
    }
}

fn main() {}
