//! Kernels read and write structs as `#[repr(C)]` lays them out, the layout `compile!` gives
//! the Rust type: another `repr` (which would make arrays of it disagree) is refused.

rumba::compile! {
    #[derive(Clone, Copy)]
    #[repr(C, align(16))]
    struct V {
        x: f64,
    }

    fn f(v: &[V]) -> f64 {
        v[0].x
    }
}

fn main() {}
