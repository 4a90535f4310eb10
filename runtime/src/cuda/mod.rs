//! Running kernels on an NVIDIA GPU.
//!
//! The CUDA driver is loaded at run time (`cudarc`, dynamic loading), so every build runs
//! everywhere: without a driver or a device, GPU calls return [`ErrorKind::NoCuda`](crate::ErrorKind::NoCuda)
//! and the CPU path is unaffected. Kernels compile to PTX for the device's architecture
//! (`rumba_compiler::back::gpu`), once per kernel, signature and architecture, and the module is
//! loaded once and cached for the life of the process.
//!
//! Two kinds of kernels run on the GPU:
//!
//! ```ignore
//! rumba::compile! {
//!     // A grid kernel: the outermost `prange` loop is spread over the GPU's threads (a
//!     // grid-stride loop). The same kernel still runs on the CPU: `saxpy(a, &x, &mut y)`.
//!     fn saxpy(a: f32, x, y) {
//!         for i in prange(0..y.len()) {
//!             y[i] = a * x[i] + y[i];
//!         }
//!     }
//!
//!     // An explicit SIMT kernel: written per thread, launched with an explicit grid.
//!     #[rumba(cuda)]
//!     fn histogram(x, bins) {
//!         let i = block_idx_x() * block_dim_x() + thread_idx_x();
//!         if i < x.len() {
//!             atomic_add(bins, x[i] as usize % bins.len(), 1u32);
//!         }
//!     }
//! }
//!
//! saxpy::cuda(2.0f32, &x, &mut y)?;                                   // default launch
//! let s: f64 = dot::cuda(&x, &y)?;                                    // a `prange` reduction
//! saxpy::kernel().cuda().block(128).call(&[2.0f32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])?;
//! histogram(LaunchConfig::for_threads(x.len(), 256), &x, &mut bins)?; // (grid, block)
//! ```
//!
//! Scalars are passed by value. Host arrays are copied to device memory before the launch and
//! `&mut` ones copied back after it (strided views are gathered and scattered element by element,
//! so memory between their elements is never touched). A [`DeviceArray`] stays on the GPU between
//! calls and is passed without a copy (`to_device(&x)`, `DeviceArray::zeros(shape)`,
//! `.to_host()`); the CPU cannot take one. A failed check (an index out of bounds, a division by
//! zero) in any thread makes the call return that error, naming the kernel, line and values like
//! the CPU does; host `&mut` arrays are then left as they were before the call (device arrays
//! keep whatever the threads wrote).
//!
//! A `prange` kernel may reduce (`s += x[i]`, `m = m.max(x[i])`, ... as on the CPU) and return a
//! value: each warp combines its threads' partial results with shuffles and one atomic, and the
//! last warp to finish runs the code after the loop (see `rumba_compiler::back::gpu`). Such
//! launches need blocks of whole warps. Sums of floats are combined in another order than the
//! CPU's, so they agree with it within rounding, not bit for bit.
//!
//! On the GPU, `+ - * /` and `sqrt` are IEEE-exact as on the CPU (no fused multiply-add unless
//! the kernel asks for `fastmath`); transcendental functions come from NVIDIA's libdevice, which
//! is found as [`find_libdevice`] says and is within a few ULP of the host's libm.
//!
//! Not supported on the GPU yet: shared memory in `prange` kernels, streams (every call
//! synchronizes), several devices (device 0 is used).

mod array;
mod driver;
mod launch;
mod libdevice;

pub use array::{to_device, DeviceArray};
pub use driver::{copy_bandwidth, device, is_available, Device};
pub(crate) use launch::GpuCache;
pub use launch::{Dim3, Launch, LaunchConfig, Timing, DEFAULT_BLOCK};
pub use libdevice::{find_libdevice, set_libdevice};
