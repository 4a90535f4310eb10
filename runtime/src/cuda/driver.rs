//! The CUDA driver, loaded at run time through `cudarc` (no link-time `libcuda`): the device, its
//! primary context, device memory and modules.

use crate::error::{Error, ErrorKind};
use cudarc::driver::result::{self, DriverError};
use cudarc::driver::sys;
use std::ffi::{c_void, CString};
use std::sync::OnceLock;

/// The GPU kernels run on: device 0, through its primary context.
#[derive(Debug)]
pub struct Device {
    ctx: sys::CUcontext,
    name: String,
    compute_capability: (i32, i32),
    multiprocessors: i32,
    arch: String,
}

// SAFETY: a primary context may be made current on any thread; `Device` only hands its handle to
// the driver, which is thread-safe.
unsafe impl Send for Device {}
// SAFETY: as above; the other fields are plain data, never changed after `open`.
unsafe impl Sync for Device {}

impl Device {
    /// The device's name, e.g. `NVIDIA H200`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// (major, minor), e.g. (9, 0).
    pub fn compute_capability(&self) -> (i32, i32) {
        self.compute_capability
    }

    pub fn multiprocessors(&self) -> i32 {
        self.multiprocessors
    }

    /// The architecture PTX is compiled for, e.g. `sm_90` (see
    /// [`arch_for`](rumba_compiler::back::gpu::arch_for)).
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// Makes the device's context current on this thread.
    pub(crate) fn bind(&self) -> Result<(), Error> {
        // SAFETY: `ctx` is the primary context retained in `open`, never released.
        unsafe { result::ctx::set_current(self.ctx) }
            .map_err(|e| driver_error("", "cuCtxSetCurrent", e))
    }
}

/// The GPU, opened on first use. `Err(Error::NoCuda)` when there is no driver or no device.
pub fn device() -> Result<&'static Device, Error> {
    static DEVICE: OnceLock<Result<Device, String>> = OnceLock::new();
    DEVICE.get_or_init(open).as_ref().map_err(|message| {
        ErrorKind::NoCuda {
            kernel: String::new(),
            message: message.clone(),
        }
        .into()
    })
}

/// Whether a CUDA device can be used.
pub fn is_available() -> bool {
    device().is_ok()
}

fn open() -> Result<Device, String> {
    // SAFETY: only tries to open the library.
    if !unsafe { sys::is_culib_present() } {
        return Err(
            "the CUDA driver library (libcuda.so) was not found: this machine has no NVIDIA driver"
                .into(),
        );
    }
    let describe = |what: &str, e: DriverError| format!("{what} failed: {}", describe(e));
    result::init().map_err(|e| describe("cuInit", e))?;
    let count = result::device::get_count().map_err(|e| describe("cuDeviceGetCount", e))?;
    if count < 1 {
        return Err("the CUDA driver reports no device".into());
    }
    let dev = result::device::get(0).map_err(|e| describe("cuDeviceGet", e))?;
    // SAFETY: `dev` came from cuDeviceGet.
    let ctx = unsafe { result::primary_ctx::retain(dev) }
        .map_err(|e| describe("cuDevicePrimaryCtxRetain", e))?;
    // SAFETY: `ctx` was just retained.
    unsafe { result::ctx::set_current(ctx) }.map_err(|e| describe("cuCtxSetCurrent", e))?;
    let attr = |a: sys::CUdevice_attribute| {
        // SAFETY: `dev` came from cuDeviceGet; `a` is a valid attribute.
        unsafe { result::device::get_attribute(dev, a) }
            .map_err(|e| describe("cuDeviceGetAttribute", e))
    };
    let major = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?;
    let minor = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?;
    let multiprocessors = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?;
    let name = result::device::get_name(dev).unwrap_or_else(|_| "unknown CUDA device".into());
    let arch = rumba_compiler::back::gpu::arch_for(major, minor);
    log::debug!(target: "rumba", "CUDA device 0: {name}, compute capability {major}.{minor}, {multiprocessors} SMs, PTX for {arch}");
    Ok(Device {
        ctx,
        name,
        compute_capability: (major, minor),
        multiprocessors,
        arch,
    })
}

pub(crate) fn describe(e: DriverError) -> String {
    let name = e
        .error_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|_| format!("{:?}", e.0));
    match e.error_string() {
        Ok(s) => format!("{name} ({})", s.to_string_lossy()),
        Err(_) => name,
    }
}

/// A driver failure as an [`ErrorKind::Cuda`].
pub(crate) fn driver_error(kernel: &str, what: &str, e: DriverError) -> Error {
    let message = format!("{what} failed: {}", describe(e));
    let rendered = if kernel.is_empty() {
        format!("error: CUDA: {message}")
    } else {
        format!("error: kernel `{kernel}`: CUDA: {message}")
    };
    let kind = ErrorKind::Cuda {
        kernel: kernel.to_string(),
        location: None,
        message,
    };
    Error::rendered_as(kind, rendered)
}

/// Device memory, freed on drop.
pub(crate) struct Buffer {
    pub ptr: sys::CUdeviceptr,
    pub bytes: usize,
}

impl Buffer {
    /// `bytes` of device memory (at least one byte, so every buffer has an address).
    pub fn alloc(bytes: usize) -> Result<Buffer, DriverError> {
        let bytes = bytes.max(1);
        // SAFETY: the caller's context is current (every entry point binds it first).
        let ptr = unsafe { result::malloc_sync(bytes)? };
        Ok(Buffer { ptr, bytes })
    }

    /// Copies `host` to the start of the buffer; `CUDA_ERROR_INVALID_VALUE` if it does not fit.
    pub fn upload(&self, host: &[u8]) -> Result<(), DriverError> {
        self.fits(host.len())?;
        // SAFETY: `host` fits in the buffer (checked above); the context is current.
        unsafe { result::memcpy_htod_sync(self.ptr, host) }
    }

    /// Fills `host` from the start of the buffer; `CUDA_ERROR_INVALID_VALUE` if it is larger.
    pub fn download(&self, host: &mut [u8]) -> Result<(), DriverError> {
        self.fits(host.len())?;
        // SAFETY: `host` is no larger than the buffer (checked above); the context is current.
        unsafe { result::memcpy_dtoh_sync(host, self.ptr) }
    }

    /// A copy of `bytes` stays inside the buffer (checked in every build: the driver would read or
    /// write past the allocation otherwise).
    fn fits(&self, bytes: usize) -> Result<(), DriverError> {
        if bytes <= self.bytes {
            Ok(())
        } else {
            Err(DriverError(sys::CUresult::CUDA_ERROR_INVALID_VALUE))
        }
    }

    pub fn zero(&self) -> Result<(), DriverError> {
        // SAFETY: the whole buffer is ours.
        unsafe { result::memset_d8_sync(self.ptr, 0, self.bytes) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // A device array may be dropped on any thread: make the context current first.
        if let Ok(dev) = device() {
            let _ = dev.bind();
        }
        // SAFETY: allocated by `alloc`, freed once. A failure (a dead context) leaks it.
        let _ = unsafe { result::free_sync(self.ptr) };
    }
}

/// A loaded module and its kernel function. Modules stay loaded for the life of the process (they
/// are cached per kernel, signature and architecture).
pub(crate) struct Loaded {
    pub function: sys::CUfunction,
}

// SAFETY: function handles are valid in every thread once the context is current.
unsafe impl Send for Loaded {}
// SAFETY: as above; the handle is never changed after `load`.
unsafe impl Sync for Loaded {}

impl Loaded {
    pub fn load(ptx: &str, entry: &str) -> Result<Loaded, (&'static str, DriverError)> {
        let image = CString::new(ptx).map_err(|_| {
            (
                "cuModuleLoadData",
                DriverError(sys::CUresult::CUDA_ERROR_INVALID_IMAGE),
            )
        })?;
        // SAFETY: a NUL-terminated PTX image; the context is current.
        let module = unsafe { result::module::load_data(image.as_ptr() as *const c_void) }
            .map_err(|e| ("cuModuleLoadData", e))?;
        let name = CString::new(entry).map_err(|_| {
            (
                "cuModuleGetFunction",
                DriverError(sys::CUresult::CUDA_ERROR_NOT_FOUND),
            )
        })?;
        // SAFETY: `module` was just loaded.
        let function = unsafe { result::module::get_function(module, name) }
            .map_err(|e| ("cuModuleGetFunction", e))?;
        Ok(Loaded { function })
    }
}

/// Device-to-device copy bandwidth in GB/s (bytes read plus bytes written, per second) over
/// `bytes`-sized buffers, the best of `reps` copies: the memory roofline kernels are measured
/// against.
pub fn copy_bandwidth(bytes: usize, reps: usize) -> Result<f64, Error> {
    let dev = device()?;
    dev.bind()?;
    let e = |what, err| driver_error("", what, err);
    let a = Buffer::alloc(bytes).map_err(|err| e("cuMemAlloc", err))?;
    let b = Buffer::alloc(bytes).map_err(|err| e("cuMemAlloc", err))?;
    a.zero().map_err(|err| e("cuMemsetD8", err))?;
    let mut best = f64::INFINITY;
    let timer = Timer::new().map_err(|err| e("cuEventCreate", err))?;
    for _ in 0..reps.max(1) {
        timer.start().map_err(|err| e("cuEventRecord", err))?;
        // SAFETY: both buffers hold `bytes`.
        unsafe { result::memcpy_dtod_async(b.ptr, a.ptr, bytes, std::ptr::null_mut()) }
            .map_err(|err| e("cuMemcpyDtoD", err))?;
        let secs = timer
            .stop()
            .map_err(|err| e("cuEventElapsedTime", err))?
            .as_secs_f64();
        best = best.min(secs);
    }
    Ok(2.0 * bytes as f64 / best / 1e9)
}

/// Times work on the default stream with a pair of events.
pub(crate) struct Timer {
    start: sys::CUevent,
    end: sys::CUevent,
}

impl Timer {
    pub fn new() -> Result<Timer, DriverError> {
        let start = result::event::create(sys::CUevent_flags::CU_EVENT_DEFAULT)?;
        let end = result::event::create(sys::CUevent_flags::CU_EVENT_DEFAULT)?;
        Ok(Timer { start, end })
    }

    pub fn start(&self) -> Result<(), DriverError> {
        // SAFETY: `start` is a live event (destroyed only in `drop`); the default stream.
        unsafe { result::event::record(self.start, std::ptr::null_mut()) }
    }

    /// Records the end, waits for it, and returns the time since `start`.
    pub fn stop(&self) -> Result<std::time::Duration, DriverError> {
        // SAFETY: both events are live (destroyed only in `drop`); the default stream.
        unsafe {
            result::event::record(self.end, std::ptr::null_mut())?;
            result::event::synchronize(self.end)?;
            let ms = result::event::elapsed(self.start, self.end)?;
            Ok(std::time::Duration::from_secs_f64(ms as f64 / 1e3))
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // SAFETY: both events were created in `new` and are destroyed once, here.
        unsafe {
            let _ = result::event::destroy(self.start);
            let _ = result::event::destroy(self.end);
        }
    }
}

/// A failed driver call: which one, and the driver's error.
pub(crate) type DriverFailure = (&'static str, DriverError);

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy longer than the buffer is an error in every build, before the driver is called.
    #[test]
    fn copies_past_the_buffer_are_refused() {
        let buffer = Buffer { ptr: 0, bytes: 4 };
        let refused = DriverError(sys::CUresult::CUDA_ERROR_INVALID_VALUE);
        assert_eq!(buffer.upload(&[0u8; 5]).unwrap_err(), refused);
        assert_eq!(buffer.download(&mut [0u8; 5]).unwrap_err(), refused);
        // Not a real allocation: nothing to free.
        std::mem::forget(buffer);
    }
}
