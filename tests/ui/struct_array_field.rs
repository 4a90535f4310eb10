//! A struct of the block with an array field: struct fields are scalars, complex numbers or
//! other structs.

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Grid {
        n: usize,
        cells: [f64; 4],
    }

    fn size(x: f64) -> f64 {
        x
    }
}

fn main() {}
