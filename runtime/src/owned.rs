//! Kernels from source text at run time, without the proc macro: [`Kernel::from_source`].
//!
//! In: the text of a `compile!` block (its `fn`s as written inside the macro) and the name of one
//! of them. Out: an [`OwnedKernel`], a [`Kernel`] that owns its source and frees it, with every
//! signature compiled for it, when dropped. Tools that generate kernels (the differential tests)
//! use it; the source is lowered on the first call, so syntax errors come back as
//! [`ErrorKind::Syntax`](crate::ErrorKind::Syntax) from that call.

use crate::kernel::{Kernel, Source};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;

/// The file name run-time diagnostics give to source passed to [`Kernel::from_source`].
pub const SOURCE_PATH: &str = "<source>";

/// A [`Kernel`] made from source text at run time; it dereferences to the kernel.
pub struct OwnedKernel {
    kernel: ManuallyDrop<Kernel>,
    // The kernel borrows these as `&'static`: they are allocated by `from_source` and freed in
    // `drop`, after the kernel. Sound because `Kernel` hands its source and name out only with the
    // lifetime of `&self`.
    source: NonNull<Source>,
    text: NonNull<str>,
    name: NonNull<str>,
}

// SAFETY: the pointers are owned allocations of `Sync` data, used only through shared references
// while the kernel lives (which is `Send + Sync`) and freed once, in `drop`.
unsafe impl Send for OwnedKernel {}
// SAFETY: as above.
unsafe impl Sync for OwnedKernel {}

impl Kernel {
    /// The kernel `name` of `text`, the source of a `compile!` block (`fn`s as written inside the
    /// macro), compiled per signature on first use like any other kernel.
    pub fn from_source(text: &str, name: &str) -> OwnedKernel {
        let text = NonNull::from(Box::leak(Box::<str>::from(text)));
        let name = NonNull::from(Box::leak(Box::<str>::from(name)));
        // SAFETY: both live until `OwnedKernel::drop`, which drops the kernel first.
        let (text_ref, name_ref): (&'static str, &'static str) =
            unsafe { (text.as_ref(), name.as_ref()) };
        let source = NonNull::from(Box::leak(Box::new(Source::new(SOURCE_PATH, text_ref))));
        // SAFETY: as above.
        let kernel = Kernel::new(unsafe { source.as_ref() }, name_ref);
        OwnedKernel {
            kernel: ManuallyDrop::new(kernel),
            source,
            text,
            name,
        }
    }
}

impl std::fmt::Debug for OwnedKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OwnedKernel").field(&*self.kernel).finish()
    }
}

impl Deref for OwnedKernel {
    type Target = Kernel;

    fn deref(&self) -> &Kernel {
        &self.kernel
    }
}

impl Drop for OwnedKernel {
    fn drop(&mut self) {
        // SAFETY: the kernel goes first, as nothing else borrows the allocations; each was made by
        // `Box::leak` in `from_source` and is freed exactly once.
        unsafe {
            ManuallyDrop::drop(&mut self.kernel);
            drop(Box::from_raw(self.source.as_ptr()));
            drop(Box::from_raw(self.text.as_ptr()));
            drop(Box::from_raw(self.name.as_ptr()));
        }
    }
}
