//! The benchmark's allocator: arrays aligned and on huge pages alike for every side.

use std::alloc::{GlobalAlloc, Layout, System};

/// The same memory for every implementation, so that placement does not decide a comparison:
/// arrays (allocations of 4 KiB or more) are 64-byte aligned here and in `numba_kernels.py`
/// (`aligned`), and those of 2 MiB or more are backed by transparent huge pages there and here
/// (`madvise(MADV_HUGEPAGE)` before the first touch). With glibc's 16-byte alignment, 32-byte
/// vector accesses straddle cache lines (matmul: 30 ms instead of 23); with 4 KiB pages the
/// streaming kernels lose a third of their bandwidth (jacobi2d: 5.4 ms instead of 2.6) and matmul,
/// which reads a 4 KiB row of `b` per inner loop, a quarter of its speed (24 ms instead of 18).
struct BenchAlloc;

const ARRAY: usize = 4 << 10;
const HUGE: usize = 2 << 20;
const HUGE_PAGE: usize = 2 << 20;

impl BenchAlloc {
    fn layout(layout: Layout) -> Layout {
        // SAFETY: 64 is a power of two and raising the alignment keeps the size valid.
        unsafe { Layout::from_size_align_unchecked(layout.size(), layout.align().max(64)) }
    }

    /// A fresh mapping of whole huge pages, asked for as such before anything touches it (null
    /// when the kernel refuses one).
    fn map_huge(size: usize) -> *mut u8 {
        let len = size.next_multiple_of(HUGE_PAGE);
        // SAFETY: a new anonymous private mapping: it aliases nothing.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = (raw as usize).next_multiple_of(HUGE_PAGE);
        let head = start - raw as usize;
        // SAFETY: both ranges lie inside the mapping just made (`head` before the aligned start,
        // the rest after `start + len`), which nothing else uses yet; `madvise` only advises.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if head < HUGE_PAGE {
                libc::munmap((start + len) as *mut libc::c_void, HUGE_PAGE - head);
            }
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        // Fault every page in now, as `numba_kernels.py`'s `aligned` copies do: otherwise an
        // array first written by a kernel (`zeros`) takes its page faults in the warm-up call,
        // when huge pages may no longer be had, and runs on other pages than its clone.
        for off in (0..len).step_by(4096) {
            // SAFETY: `start..start + len` is mapped readable and writable, and ours alone.
            unsafe { std::ptr::write_volatile((start + off) as *mut u8, 0) };
        }
        start as *mut u8
    }
}

// SAFETY: every block comes from `System` with a valid (possibly more aligned) layout, or is a
// fresh mapping of at least its size aligned to 2 MiB; `dealloc` returns each the way it came,
// the size (which `GlobalAlloc` passes back unchanged) telling which.
unsafe impl GlobalAlloc for BenchAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match layout.size() {
            n if n >= HUGE => Self::map_huge(n),
            // SAFETY: the caller's contract (a non-zero size), alignment only raised.
            n if n >= ARRAY => unsafe { System.alloc(Self::layout(layout)) },
            // SAFETY: the caller's contract.
            _ => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match layout.size() {
            n if n >= HUGE => Self::map_huge(n), // fresh mappings read as zeros
            // SAFETY: as in `alloc`.
            n if n >= ARRAY => unsafe { System.alloc_zeroed(Self::layout(layout)) },
            // SAFETY: as in `alloc`.
            _ => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match layout.size() {
            n if n >= HUGE => {
                // SAFETY: `p` is a mapping of `n` rounded up to whole huge pages (`map_huge`).
                unsafe { libc::munmap(p as *mut libc::c_void, n.next_multiple_of(HUGE_PAGE)) };
            }
            // SAFETY: allocated by `System` with this (raised) layout in `alloc`.
            n if n >= ARRAY => unsafe { System.dealloc(p, Self::layout(layout)) },
            // SAFETY: allocated by `System` with this layout.
            _ => unsafe { System.dealloc(p, layout) },
        }
    }
}

#[global_allocator]
static ALLOC: BenchAlloc = BenchAlloc;
