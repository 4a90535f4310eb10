//! Shared memory belongs to a block of GPU threads: only `#[rumba(cuda)]` kernels declare it,
//! with a `let`, a scalar element type and literal extents that fit in 48 KiB.

rumba::compile! {
    fn on_cpu(x) {
        let tile = shared_array::<f32>(256);
        tile[0] = x[0];
    }

    #[rumba(cuda)]
    fn not_bound(x) {
        x[0] = shared_array::<f32>(4)[0];
    }

    #[rumba(cuda)]
    fn computed_size(x) {
        let tile = shared_array::<f32>([16, x.len()]);
    }

    #[rumba(cuda)]
    fn too_big(x) {
        let tile = shared_array::<f64>([128, 128]);
    }

    #[rumba(cuda)]
    fn no_type(x) {
        let tile = shared_array([16]);
    }
}

fn main() {}
