//! Launching: each kernel's GPU specializations, argument marshalling (host arrays in and out of
//! device memory), launch configurations and error reporting.

use super::driver::{self, device, driver_error, Buffer, Device, Loaded, Timer};
use super::libdevice::find_libdevice;
use crate::arg::{Arg, RawParts, Slot};
use crate::error::{Error, ErrorKind};
use crate::kernel::Kernel;
use crate::signature::Signature;
use crate::value::{FromValue, Value};
use rumba_compiler::back::abi::{self, ErrInfo, Site};
use rumba_compiler::back::gpu::{self, GpuMode};
use rumba_compiler::driver::{self as compiler, Compiled, Target};
use rumba_compiler::ir::{Layout, Type};
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// The block size of grid (`prange`) kernels unless the launch names one.
pub const DEFAULT_BLOCK: u32 = 256;

/// Three grid or block extents; `5`, `(5, 2)` and `(5, 2, 1)` convert into one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dim3 {
    pub x: u32,
    pub y: u32,
    pub z: u32,
}

impl Dim3 {
    fn count(self) -> u64 {
        self.x as u64 * self.y as u64 * self.z as u64
    }
}

impl From<u32> for Dim3 {
    fn from(x: u32) -> Dim3 {
        Dim3 { x, y: 1, z: 1 }
    }
}

impl From<(u32, u32)> for Dim3 {
    fn from((x, y): (u32, u32)) -> Dim3 {
        Dim3 { x, y, z: 1 }
    }
}

impl From<(u32, u32, u32)> for Dim3 {
    fn from((x, y, z): (u32, u32, u32)) -> Dim3 {
        Dim3 { x, y, z }
    }
}

/// How many blocks of how many threads a launch runs.
///
/// `#[rumba(cuda)]` kernels need both (`(blocks, threads)` converts: `(64, 256)`,
/// `((8, 8), (16, 16))`). Grid (`prange`) kernels need neither: the block size defaults to
/// [`DEFAULT_BLOCK`] and the grid to 16 times as many blocks as the device runs at once (once
/// for kernels with reductions); the grid-stride loop covers any range with any grid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LaunchConfig {
    pub grid: Option<Dim3>,
    pub block: Option<Dim3>,
}

impl LaunchConfig {
    /// Grid and block chosen by rumba (grid kernels only).
    pub fn auto() -> LaunchConfig {
        LaunchConfig::default()
    }

    pub fn new(grid: impl Into<Dim3>, block: impl Into<Dim3>) -> LaunchConfig {
        LaunchConfig {
            grid: Some(grid.into()),
            block: Some(block.into()),
        }
    }

    /// Enough blocks of `block` threads for `n` threads (1-D).
    pub fn for_threads(n: usize, block: u32) -> LaunchConfig {
        let blocks = n.div_ceil(block.max(1) as usize).max(1);
        LaunchConfig::new(u32::try_from(blocks).unwrap_or(u32::MAX), block)
    }

    pub fn with_grid(mut self, grid: impl Into<Dim3>) -> LaunchConfig {
        self.grid = Some(grid.into());
        self
    }

    pub fn with_block(mut self, block: impl Into<Dim3>) -> LaunchConfig {
        self.block = Some(block.into());
        self
    }
}

impl<G: Into<Dim3>, B: Into<Dim3>> From<(G, B)> for LaunchConfig {
    fn from((grid, block): (G, B)) -> LaunchConfig {
        LaunchConfig::new(grid, block)
    }
}

/// Where the time of a GPU call went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timing {
    /// Allocating device memory and copying arguments in.
    pub upload: Duration,
    /// The kernel alone (CUDA events around the launch).
    pub kernel: Duration,
    /// Reading the error flag and copying `&mut` arrays back.
    pub download: Duration,
    /// The whole call, compilation (on a first call) included.
    pub total: Duration,
}

/// A launch of a kernel on the GPU: `saxpy::kernel().cuda().block(128).call(&args)`.
#[derive(Clone, Copy, Debug)]
pub struct Launch<'k> {
    kernel: &'k Kernel,
    config: LaunchConfig,
}

impl Kernel {
    /// The PTX of this kernel for these arguments, for this machine's GPU or, where there is
    /// none, `sm_80` (no device is needed; [`Launch::ptx`] takes any architecture).
    pub fn ptx(&self, args: &[Arg<'_>]) -> Result<String, Error> {
        let arch = device().map_or("sm_80", |d| d.arch());
        self.cuda().ptx(args, arch)
    }

    /// Runs this kernel on the GPU (see [`crate::cuda`]).
    pub fn cuda(&self) -> Launch<'_> {
        Launch {
            kernel: self,
            config: LaunchConfig::default(),
        }
    }
}

impl<'k> Launch<'k> {
    pub fn config(mut self, config: impl Into<LaunchConfig>) -> Launch<'k> {
        self.config = config.into();
        self
    }

    pub fn block(mut self, block: impl Into<Dim3>) -> Launch<'k> {
        self.config.block = Some(block.into());
        self
    }

    pub fn grid(mut self, grid: impl Into<Dim3>) -> Launch<'k> {
        self.config.grid = Some(grid.into());
        self
    }

    /// Runs the kernel: host arrays are copied to the device, and `&mut` ones back once it has
    /// finished without error. Returns the kernel's value (`Value::Unit` when it has none).
    pub fn call(&self, args: &[Arg<'_>]) -> Result<Value, Error> {
        self.call_timed(args).map(|(v, _)| v)
    }

    /// [`call`](Self::call), converting the value to `R`.
    pub fn call_as<R: FromValue>(&self, args: &[Arg<'_>]) -> Result<R, Error> {
        self.kernel.convert(self.call(args)?)
    }

    /// [`call`](Self::call) for kernels that opt out of bounds checks too (see
    /// [`Kernel::call_unchecked`]).
    ///
    /// # Safety
    /// As for [`Kernel::call_unchecked`]: an index out of bounds in a function without checks
    /// reads or writes outside the arrays' device memory.
    pub unsafe fn call_unchecked(&self, args: &[Arg<'_>]) -> Result<Value, Error> {
        // SAFETY: the caller's contract.
        unsafe { self.launch(args) }.map(|(v, _)| v)
    }

    /// [`call_unchecked`](Self::call_unchecked), converting the value to `R`.
    ///
    /// # Safety
    /// As for [`call_unchecked`](Self::call_unchecked).
    pub unsafe fn call_as_unchecked<R: FromValue>(&self, args: &[Arg<'_>]) -> Result<R, Error> {
        // SAFETY: the caller's contract.
        self.kernel.convert(unsafe { self.call_unchecked(args) }?)
    }

    /// [`call`](Self::call), saying where the time went.
    pub fn call_timed(&self, args: &[Arg<'_>]) -> Result<(Value, Timing), Error> {
        if self.kernel.is_unchecked() {
            return Err(self.kernel.unchecked_error());
        }
        // SAFETY: the kernel checks every index it uses.
        unsafe { self.launch(args) }
    }

    /// Runs the kernel, whether it checks indices or not.
    ///
    /// # Safety
    /// As for [`call_unchecked`](Self::call_unchecked).
    unsafe fn launch(&self, args: &[Arg<'_>]) -> Result<(Value, Timing), Error> {
        let t0 = Instant::now();
        let dev = device().map_err(|e| self.no_cuda(e))?;
        dev.bind()?;
        let spec = self.specialization(args, dev.arch())?;
        let loaded = spec
            .loaded
            .get_or_init(|| {
                Loaded::load(&spec.kernel.ptx, gpu::KERNEL)
                    .map_err(|(what, e)| driver_error(self.kernel.name(), what, e))
            })
            .as_ref()
            .map_err(Clone::clone)?;
        run(self.kernel, &spec, loaded, dev, &self.config, args, t0)
    }

    /// The PTX this kernel compiles to for these arguments on `arch` (e.g. `sm_80`), without a
    /// device (libdevice is needed only for kernels that call transcendental functions). Compiled
    /// once per signature and architecture, as for calls on a device of that architecture.
    pub fn ptx(&self, args: &[Arg<'_>], arch: &str) -> Result<String, Error> {
        Ok(self.specialization(args, arch)?.kernel.ptx.clone())
    }

    /// The optimized LLVM IR (NVPTX, libdevice linked and pruned) for these arguments on `arch`
    /// (compiled again for reading: the cache keeps PTX only).
    pub fn llvm_ir(&self, args: &[Arg<'_>], arch: &str) -> Result<String, Error> {
        let signature = self.kernel.signature(args)?.on_host();
        compile(self.kernel, &signature, arch, |c, _| {
            c.module.print_to_string().to_string()
        })
    }

    fn no_cuda(&self, e: Error) -> Error {
        match e.kind() {
            ErrorKind::NoCuda { message, .. } => ErrorKind::NoCuda {
                kernel: self.kernel.name().to_string(),
                message: message.clone(),
            }
            .into(),
            _ => e,
        }
    }

    /// The kernel's specialization for the signature of `args` on `arch`, compiled on first use.
    fn specialization(&self, args: &[Arg<'_>], arch: &str) -> Result<Arc<GpuSpec>, Error> {
        let signature = self.kernel.signature(args)?.on_host();
        let key = (signature, arch.to_string());
        let mut cache = self
            .kernel
            .gpu
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = cache.get(&key) {
            return entry.clone();
        }
        let result = compile(self.kernel, &signature, arch, |c, kernel| {
            Arc::new(GpuSpec {
                ret: c.typed.entry().ret,
                sites: c.sites,
                kernel,
                loaded: OnceLock::new(),
                grid: OnceLock::new(),
            })
        });
        cache.insert(key, result.clone());
        result
    }
}

/// A kernel's GPU specializations, per signature and architecture (in its [`Kernel`]: entries
/// live and die with the kernel). Failures are cached like successes.
#[derive(Default)]
pub(crate) struct GpuCache(Mutex<HashMap<(Signature, String), GpuEntry>>);

type GpuEntry = Result<Arc<GpuSpec>, Error>;

/// A kernel compiled for one signature and architecture, loaded on the device on first launch.
struct GpuSpec {
    kernel: gpu::GpuKernel,
    sites: Vec<Site>,
    ret: Type,
    loaded: OnceLock<Result<Loaded, Error>>,
    /// Grid kernels' default grid (blocks the device runs at once) for the default block size.
    grid: OnceLock<u32>,
}

/// The driver for `arch` on one signature of `kernel`; `read` takes what it needs from the result
/// and its PTX.
fn compile<T>(
    kernel: &Kernel,
    signature: &Signature,
    arch: &str,
    read: impl FnOnce(Compiled<'_>, gpu::GpuKernel) -> T,
) -> Result<T, Error> {
    kernel.with_request(signature, |r| {
        let context = inkwell::context::Context::create();
        let target = Target::Gpu {
            arch,
            libdevice: &find_libdevice,
        };
        r.drive(|input| {
            let mut compiled = compiler::compile(&context, input, &target)?;
            let ptx = compiled.gpu.take().expect("a GPU target compiles to PTX");
            crate::stats::compiled(&compiled.timings);
            crate::dump::dump(
                crate::dump::Stage::Ptx,
                r.kernel,
                &format!("{} {arch}", r.signature),
                || ptx.ptx.clone(),
            );
            log::debug!(
                target: "rumba",
                "compiled `{}` for {} to PTX ({arch}, {:?}): {}",
                r.kernel,
                r.signature,
                ptx.mode,
                compiled.timings
            );
            Ok(read(compiled, ptx))
        })
    })
}

/// One array argument's device copy.
struct DeviceArray {
    buffer: Buffer,
    /// The device address of the element at index 0.
    origin: u64,
    /// Element strides on the device (the host's for dense arrays, C order for gathered ones).
    strides: Vec<i64>,
    /// How the host data maps onto the buffer.
    copy: Copy,
}

enum Copy {
    /// No elements.
    Empty,
    /// The host elements fill `[start, start + bytes)` with no gaps: copied as one block.
    Span { start: *mut u8, bytes: usize },
    /// Elements with gaps between them: gathered into C order (and scattered back).
    Gather,
}

fn marshal_array(parts: &RawParts, elem_size: usize) -> Result<DeviceArray, driver::DriverFailure> {
    let shape = &parts.shape[..parts.ndim];
    let strides = &parts.strides[..parts.ndim];
    let count: usize = shape.iter().map(|&n| n as usize).product();
    if count == 0 {
        let buffer = Buffer::alloc(elem_size).map_err(|e| ("cuMemAlloc", e))?;
        let origin = buffer.ptr;
        return Ok(DeviceArray {
            buffer,
            origin,
            strides: strides.iter().map(|&s| s as i64).collect(),
            copy: Copy::Empty,
        });
    }
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = (n - 1) * s;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    let span = (hi - lo + 1) as usize;
    if span == count {
        // Dense (any axis order or direction): the block of memory is exactly the elements.
        let bytes = span * elem_size;
        // SAFETY: `lo` is the offset of the lowest element, inside the array's allocation.
        let start = unsafe { parts.data.offset(lo * elem_size as isize) };
        let buffer = Buffer::alloc(bytes).map_err(|e| ("cuMemAlloc", e))?;
        // SAFETY: the `span` elements from `start` are the array's own, borrowed for the call.
        let elems = unsafe { std::slice::from_raw_parts(start, bytes) };
        buffer.upload(elems).map_err(|e| ("cuMemcpyHtoD", e))?;
        let origin = buffer.ptr + (-lo) as u64 * elem_size as u64;
        return Ok(DeviceArray {
            buffer,
            origin,
            strides: strides.iter().map(|&s| s as i64).collect(),
            copy: Copy::Span { start, bytes },
        });
    }
    let mut host = vec![0u8; count * elem_size];
    for_each_element(shape, strides, |k, off| {
        // SAFETY: `off` is the offset of an element of the array.
        let src = unsafe { parts.data.offset(off * elem_size as isize) };
        // SAFETY: `src` is an element of `elem_size` bytes; element `k` of `host` is in bounds
        // (`host` holds `count` elements, `k < count`).
        unsafe {
            std::ptr::copy_nonoverlapping(src, host.as_mut_ptr().add(k * elem_size), elem_size)
        };
    });
    let buffer = Buffer::alloc(host.len()).map_err(|e| ("cuMemAlloc", e))?;
    buffer.upload(&host).map_err(|e| ("cuMemcpyHtoD", e))?;
    let mut c_strides = vec![1i64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        c_strides[d] = c_strides[d + 1] * shape[d + 1] as i64;
    }
    let origin = buffer.ptr;
    Ok(DeviceArray {
        buffer,
        origin,
        strides: c_strides,
        copy: Copy::Gather,
    })
}

/// Calls `f(k, offset)` for every element in C order: `k` counts, `offset` is in elements.
fn for_each_element(shape: &[isize], strides: &[isize], mut f: impl FnMut(usize, isize)) {
    let nd = shape.len();
    let mut idx = vec![0isize; nd];
    let count: usize = shape.iter().map(|&n| n as usize).product();
    let mut off = 0isize;
    for k in 0..count {
        f(k, off);
        for d in (0..nd).rev() {
            idx[d] += 1;
            off += strides[d];
            if idx[d] < shape[d] {
                break;
            }
            off -= strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}

fn copy_back(
    a: &DeviceArray,
    parts: &RawParts,
    elem_size: usize,
) -> Result<(), driver::DriverFailure> {
    match a.copy {
        Copy::Empty => Ok(()),
        Copy::Span { start, bytes } => {
            // SAFETY: the array's own elements, mutably borrowed for the call.
            a.buffer
                .download(unsafe { std::slice::from_raw_parts_mut(start, bytes) })
                .map_err(|e| ("cuMemcpyDtoH", e))
        }
        Copy::Gather => {
            let shape = &parts.shape[..parts.ndim];
            let strides = &parts.strides[..parts.ndim];
            let count: usize = shape.iter().map(|&n| n as usize).product();
            let mut host = vec![0u8; count * elem_size];
            a.buffer
                .download(&mut host)
                .map_err(|e| ("cuMemcpyDtoH", e))?;
            for_each_element(shape, strides, |k, off| {
                // SAFETY: `off` is the offset of an element of the writable array.
                let dst = unsafe { parts.data.offset(off * elem_size as isize) };
                // SAFETY: `dst` is an element of `elem_size` bytes, mutably borrowed for the call;
                // element `k` of `host` is in bounds (`k < count`).
                unsafe {
                    std::ptr::copy_nonoverlapping(host.as_ptr().add(k * elem_size), dst, elem_size)
                };
            });
            Ok(())
        }
    }
}

fn run(
    kernel: &Kernel,
    spec: &GpuSpec,
    loaded: &Loaded,
    dev: &Device,
    config: &LaunchConfig,
    args: &[Arg<'_>],
    t0: Instant,
) -> Result<(Value, Timing), Error> {
    let name = kernel.name();
    let fail = |(what, e): driver::DriverFailure| driver_error(name, what, e);
    let (grid, block) = dims(kernel, spec, loaded, dev, config)?;
    let t_up = Instant::now();
    let mut params: Vec<u64> = Vec::new();
    let mut arrays: Vec<Option<DeviceArray>> = Vec::with_capacity(args.len());
    for a in args {
        match (&a.slot, a.ty) {
            (Slot::Scalar(bytes), ty) => {
                // A scalar of at most 8 bytes (`back::gpu::plan` rejects 128-bit integers) in
                // one parameter; a complex number as two, its parts (`Complex32`'s are 4 bytes,
                // each read at its own size from its slot).
                let (count, part) = match ty {
                    Type::Scalar(s) if s.is_complex() => (2, s.part().size()),
                    _ => (1, 8),
                };
                for k in 0..count {
                    let mut b = [0u8; 8];
                    b[..part].copy_from_slice(&bytes[k * part..(k + 1) * part]);
                    params.push(u64::from_ne_bytes(b));
                }
                arrays.push(None);
            }
            (Slot::Device(parts), _) => {
                // Already on the device, in C order: passed as it is.
                params.push(parts.data as u64);
                params.extend(parts.shape[..parts.ndim].iter().map(|&n| n as u64));
                arrays.push(None);
            }
            (Slot::Array(parts), Type::Array(at)) => {
                let d = marshal_array(parts, at.elem.size()).map_err(fail)?;
                params.push(d.origin);
                params.extend(parts.shape[..parts.ndim].iter().map(|&n| n as u64));
                if at.layout == Layout::Strided {
                    params.extend(d.strides.iter().map(|&s| s as u64));
                }
                arrays.push(Some(d));
            }
            _ => {
                return Err(ErrorKind::Internal {
                    kernel: name.to_string(),
                    message: "argument rejected by its signature".into(),
                }
                .into())
            }
        }
    }
    // The error record, then the state of the grid loop's reductions and the result.
    let mut state = vec![0u8; abi::GPU_TICKETS as usize];
    state.extend(&spec.kernel.state);
    let err = Buffer::alloc(state.len()).map_err(|e| fail(("cuMemAlloc", e)))?;
    err.upload(&state).map_err(|e| fail(("cuMemcpyHtoD", e)))?;
    params.push(err.ptr);
    let mut ptrs: Vec<*mut c_void> = params
        .iter_mut()
        .map(|p| p as *mut u64 as *mut c_void)
        .collect();
    let upload = t_up.elapsed();
    let timer = Timer::new().map_err(|e| fail(("cuEventCreate", e)))?;
    timer.start().map_err(|e| fail(("cuEventRecord", e)))?;
    // SAFETY: the kernel was compiled for exactly this signature, whose parameters `params`
    // holds in order (each in a 64-bit slot, little-endian, read at the parameter's own size);
    // every pointer refers to a live buffer of the extent passed beside it.
    unsafe {
        cudarc::driver::result::launch_kernel(
            loaded.function,
            (grid.x, grid.y, grid.z),
            (block.x, block.y, block.z),
            0,
            std::ptr::null_mut(),
            &mut ptrs,
        )
    }
    .map_err(|e| fail(("cuLaunchKernel", e)))?;
    let kernel_time = timer
        .stop()
        .map_err(|e| fail(("the kernel (cuEventSynchronize)", e)))?;
    let t_down = Instant::now();
    err.download(&mut state)
        .map_err(|e| fail(("cuMemcpyDtoH", e)))?;
    // SAFETY: `ErrInfo` is `repr(C)` plain integers; any bytes are a valid value, and `state`
    // starts with one.
    let info: ErrInfo = unsafe { std::ptr::read_unaligned(state.as_ptr() as *const ErrInfo) };
    if info.failed != 0 {
        return Err(match spec.sites.get(info.site as usize) {
            Some(site) => kernel.check_error(site, info.values),
            None => ErrorKind::Internal {
                kernel: name.to_string(),
                message: format!("unknown error site {}", info.site),
            }
            .into(),
        });
    }
    for (a, d) in args.iter().zip(&arrays) {
        if let (Some(d), Slot::Array(parts), Type::Array(at)) = (d, &a.slot, a.ty) {
            if at.writable {
                copy_back(d, parts, at.elem.size()).map_err(fail)?;
            }
        }
    }
    let value = match spec.ret {
        Type::Scalar(s) => {
            let at = abi::GPU_RESULT as usize;
            Value::decode(s, &state[at..at + abi::ret_size(spec.ret) as usize])
        }
        _ => Value::Unit,
    };
    let timing = Timing {
        upload,
        kernel: kernel_time,
        download: t_down.elapsed(),
        total: t0.elapsed(),
    };
    Ok((value, timing))
}

/// The launch's grid and block.
fn dims(
    kernel: &Kernel,
    spec: &GpuSpec,
    loaded: &Loaded,
    dev: &Device,
    config: &LaunchConfig,
) -> Result<(Dim3, Dim3), Error> {
    let name = kernel.name();
    let bad = |message: String| {
        let rendered = format!("error: kernel `{name}`: {message}");
        let kind = ErrorKind::Cuda {
            kernel: name.to_string(),
            location: None,
            message,
        };
        Error::rendered_as(kind, rendered)
    };
    let check = |grid: Dim3, block: Dim3| {
        if grid.count() == 0 || block.count() == 0 {
            return Err(bad(format!("empty launch: grid {grid:?}, block {block:?}")));
        }
        if block.count() > 1024 {
            return Err(bad(format!(
                "a block has at most 1024 threads, the launch asks for {}",
                block.count()
            )));
        }
        Ok((grid, block))
    };
    match spec.kernel.mode {
        GpuMode::Simt => match (config.grid, config.block) {
            (Some(g), Some(b)) => check(g, b),
            _ => Err(bad("a `#[rumba(cuda)]` kernel needs a launch configuration with a grid and a block, e.g. `(blocks, threads)`".into())),
        },
        GpuMode::Grid => {
            let block = config.block.unwrap_or(Dim3::from(DEFAULT_BLOCK));
            if block.y != 1 || block.z != 1 || config.grid.is_some_and(|g| g.y != 1 || g.z != 1) {
                return Err(bad("a `prange` kernel runs on a 1-D grid: give 1-D grid and block sizes".into()));
            }
            if spec.kernel.reduces && !block.x.is_multiple_of(32) {
                return Err(bad(format!("a `prange` kernel with reductions runs in whole warps: its block size must be a multiple of 32, the launch asks for {}", block.x)));
            }
            let grid = match config.grid {
                Some(g) => g,
                None if block.x == DEFAULT_BLOCK => Dim3::from(*spec.grid.get_or_init(|| default_grid(spec, loaded, dev, DEFAULT_BLOCK))),
                None => Dim3::from(default_grid(spec, loaded, dev, block.x)),
            };
            check(grid, block)
        }
    }
}

/// The default grid of a `prange` kernel: [`GRID_WAVES`] times as many blocks as the device runs
/// at once, so that the block scheduler balances iterations of uneven cost (measured on an H200:
/// Mandelbrot 0.64 ms with one wave, 0.40 ms with 16; saxpy the same either way). A kernel with
/// reductions runs one wave: each warp ends with one atomic on the same cells.
fn default_grid(spec: &GpuSpec, loaded: &Loaded, dev: &Device, block: u32) -> u32 {
    let waves = if spec.kernel.reduces { 1 } else { GRID_WAVES };
    resident_blocks(loaded, dev, block).saturating_mul(waves)
}

/// See [`default_grid`].
const GRID_WAVES: u32 = 16;

/// As many blocks as the device runs at once.
fn resident_blocks(loaded: &Loaded, dev: &Device, block: u32) -> u32 {
    // SAFETY: a loaded function; the context is current.
    let per_sm = unsafe {
        cudarc::driver::result::occupancy::max_active_block_per_multiprocessor(
            loaded.function,
            block as i32,
            0,
        )
    }
    .unwrap_or(1)
    .max(1);
    (per_sm as u32).saturating_mul(dev.multiprocessors().max(1) as u32)
}
