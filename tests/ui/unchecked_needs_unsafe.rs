//! A kernel without bounds checks, or one that calls such a function, is an `unsafe fn`: a call
//! outside `unsafe` does not build.

rumba::compile! {
    #[rumba(unsafe(boundscheck = false))]
    fn get(x, i) -> f64 {
        x[i]
    }

    fn first(x) -> f64 {
        get(x, 0usize)
    }
}

fn main() {
    let x = vec![1.0f64; 4];
    let _ = get(&x, 1usize);
    let _ = first(&x);
}
