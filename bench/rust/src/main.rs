//! bench.sh's Rust side, and the conductor of a run. Times each benchmark kernel as compiled by
//! rumba (bounds checks on, default options), as plain Rust, and, with `--python`, as Numba in a
//! child process (`bench/numba_kernels.py serve`), all three in the same pattern: every side is
//! compiled and warmed up first, then the sides take turns, each turn a block of one untimed call
//! (which brings that side's arrays back into the caches) and `--calls` timed ones, in an order
//! that changes from round to round (`turns`), for at least `--rounds` rounds and, given
//! `--seconds`, at least that long and whole cycles of orders; the best call of each side is kept.
//! Prints one JSON object per line for bench/report.py. `RUST_LOG=rumba=debug` shows where a
//! compilation's time goes.
//!
//!     rumba-bench run [--rounds N] [--seconds S] [--calls N] [--python PATH] [--quick]
//!                     [--only KERNEL]
//!                                                 (`*_par` cases: `prange` kernels on rayon's pool,
//!                                                  timed against their serial rumba twins too)
//!     rumba-bench latency saxpy|black_scholes|kmeans|nbody|blur5|mandelbrot|floyd_warshall
//!                                                 (run in a fresh process: first call vs second,
//!                                                  by stage; `K1,K2,..` times each in turn)
//!     rumba-bench overhead                        (per-call cost, averaged over 10^6 calls)

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

#[path = "../../../examples/kernels/mod.rs"]
mod kernels;
mod plain;

use ndarray::{Array1, Array2};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

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

fn ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

struct Case {
    kernel: &'static str,
    size: String,
    /// Bytes moved per run, for the memory-bound kernels.
    bytes: Option<f64>,
    rumba: Box<dyn FnMut()>,
    rust: Box<dyn FnMut()>,
    /// For a `prange` kernel: its serial twin, also compiled by rumba (for the speed-up).
    serial: Option<Box<dyn FnMut()>>,
}

fn emit(kernel: &str, imp: &str, size: &str, ms: f64, bytes: Option<f64>) {
    let gbs = bytes.map_or("null".to_string(), |b| {
        format!("{:.3}", b / (ms * 1e-3) / 1e9)
    });
    println!(
        r#"{{"kind":"time","kernel":"{kernel}","impl":"{imp}","size":"{size}","ms":{ms:.4},"gbs":{gbs}}}"#
    );
}

/// `$flops` operations as twelve independent chains of fused multiply-adds on the registers
/// `$r`0..`$r`11 of `$lanes` `f64`s (from `$r`12 and `$r`13, zeroed first with `$zero`): the core's
/// FMA peak, the FMA units never waiting. One template for both vector widths.
#[cfg(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
))]
macro_rules! fma_chains {
    ($flops:expr, $lanes:literal, $zero:literal, $r:literal) => {
        fma_chains!(@run $flops, $lanes, $zero, $r, "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "10" "11")
    };
    (@run $flops:expr, $lanes:literal, $zero:literal, $r:literal, $($c:tt)*) => {{
        let iters = ($flops / (12.0 * 2.0 * $lanes as f64)).max(1.0) as u64;
        // SAFETY: only registers are touched, each one declared clobbered; the loop counter is a
        // local; the build has the instructions (the caller's `cfg`).
        unsafe {
            std::arch::asm!(
                $(concat!($zero, " ", $r, $c, ", ", $r, $c, ", ", $r, $c),)*
                concat!($zero, " ", $r, "12, ", $r, "12, ", $r, "12"),
                concat!($zero, " ", $r, "13, ", $r, "13, ", $r, "13"),
                "2:",
                $(concat!("vfmadd231pd ", $r, $c, ", ", $r, "12, ", $r, "13"),)*
                "dec {n}",
                "jnz 2b",
                n = inout(reg) iters => _,
                out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _,
                out("xmm5") _, out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _,
                out("xmm10") _, out("xmm11") _, out("xmm12") _, out("xmm13") _,
                options(nomem, nostack),
            )
        }
    }};
}

/// The core's floating-point peak, as the `peak` side of the matmul row: `f(flops)` does `flops`
/// operations as fused multiply-adds of the widest vector registers the build has (512-bit with
/// AVX-512, 256-bit with AVX2's FMA, as on an AMD Zen 3): the time matmul would take at that
/// peak. `None` where the build has neither (bench.sh builds for the host CPU).
#[cfg(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
))]
fn fma_peak() -> Option<fn(f64) -> f64> {
    fn run(flops: f64) -> f64 {
        #[cfg(target_feature = "avx512f")]
        fma_chains!(flops, 8, "vpxorq", "zmm");
        #[cfg(not(target_feature = "avx512f"))]
        fma_chains!(flops, 4, "vxorpd", "ymm");
        flops
    }
    Some(run)
}

/// No FMA: no peak side.
#[cfg(not(all(
    target_arch = "x86_64",
    any(target_feature = "fma", target_feature = "avx512f")
)))]
fn fma_peak() -> Option<fn(f64) -> f64> {
    None
}

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

fn random(n: usize, lo: f64, hi: f64, seed: u64) -> Array1<f64> {
    let mut s = seed;
    Array1::from_shape_fn(n, |_| lo + (hi - lo) * lcg(&mut s))
}

/// Numba's side of a run: `numba_kernels.py serve` in a child process, which sets up its own copy
/// of a case when asked (`case NAME`: same arrays, compiled and warmed up) and times blocks of calls
/// (`block N`: one untimed call, then the best of N timed ones). While it runs a block, this process
/// waits on the pipe, and the other way round.
struct Numba {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Numba {
    fn spawn(python: &str, quick: bool) -> Numba {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../numba_kernels.py");
        let mut command = Command::new(python);
        command.arg(script).arg("serve");
        if quick {
            command.arg("--quick");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {script}: {e}"));
        let (input, output) = (child.stdin.take(), child.stdout.take());
        Numba {
            input: input.expect("piped stdin"),
            output: BufReader::new(output.expect("piped stdout")),
            child,
        }
    }

    fn ask(&mut self, request: &str) -> String {
        let mut reply = String::new();
        let asked = writeln!(self.input, "{request}").and_then(|()| self.input.flush());
        match asked.and_then(|()| self.output.read_line(&mut reply)) {
            Ok(n) if n > 0 => reply.trim().to_string(),
            Ok(_) => panic!("numba_kernels.py ended while asked `{request}` (see its stderr)"),
            Err(e) => panic!("numba_kernels.py, asked `{request}`: {e}"),
        }
    }

    /// Sets up Numba's copy of case `kernel`: its sides (`numba`; also `numba_loop`, a hand
    /// loop, and `jax`, JAX's `jit` on one thread, where it has them), none when it has no such
    /// case.
    fn prepare(&mut self, kernel: &str) -> Vec<String> {
        let reply = self.ask(&format!("case {kernel}"));
        match reply.strip_prefix("ready") {
            Some(sides) => sides.split_whitespace().map(String::from).collect(),
            None => Vec::new(),
        }
    }

    /// One block of calls of the prepared case `name`.
    fn block(&mut self, name: &str, calls: usize) -> f64 {
        let reply = self.ask(&format!("block {calls} {name}"));
        reply
            .parse()
            .unwrap_or_else(|_| panic!("numba_kernels.py answered `{reply}` to a block"))
    }
}

impl Drop for Numba {
    fn drop(&mut self) {
        // End of input ends `serve`.
        let _ = writeln!(self.input, "end");
        let _ = self.child.wait();
    }
}

/// Runs each case as soon as it is built, so that only one case's arrays are alive at a time (the
/// others' would compete for huge pages and caches).
struct Runner {
    /// Rounds of turns, at the least: each side runs one block per round.
    rounds: usize,
    /// Seconds of turns per case, at the least: the fast kernels, whose best times a few lucky
    /// calls decide, get more rounds than the slow ones.
    seconds: f64,
    /// Timed calls per block.
    calls: usize,
    numba: Option<Numba>,
    /// Run only the case of this kernel (`--only name`).
    only: Option<String>,
}

/// One block of a side's turn: an untimed call, which brings its arrays back into the caches after
/// the other sides' turns, then the best of `calls` timed calls (infinity for none).
fn block(f: &mut dyn FnMut(), calls: usize) -> f64 {
    f();
    (0..calls)
        .map(|_| ms(&mut *f))
        .fold(f64::INFINITY, f64::min)
}

/// The order of the sides' turns in round `round`: rotated by `round / 2`, and reversed in odd
/// rounds, so that over rounds each side takes each place and follows each other side about
/// equally often (a side's time depends on what ran before it: which arrays the caches hold,
/// whether the other process just ran). For three sides, six rounds run every order once; the
/// orders repeat every `2 * sides` rounds.
fn turns(sides: usize, round: usize) -> impl Iterator<Item = usize> {
    (0..sides).map(move |turn| {
        let place = if round % 2 == 1 {
            sides - 1 - turn
        } else {
            turn
        };
        (place + round / 2) % sides
    })
}

/// Another rumba side of a case: its name and a call.
type Extra = (&'static str, Box<dyn FnMut()>);

impl Runner {
    fn push(&mut self, c: Case) {
        self.push_with(c, Vec::new());
    }

    /// `c` with more rumba sides (`rumba_unfused`, `rumba_loop`: the same work written another
    /// way), timed in turns with the others.
    fn push_with(&mut self, mut c: Case, mut more: Vec<Extra>) {
        if self.only.as_deref().is_some_and(|k| k != c.kernel) {
            return;
        }
        type Side<'a> = (String, Box<dyn FnMut(usize) -> f64 + 'a>);
        let mut sides: Vec<Side> = vec![
            ("rumba".into(), Box::new(|calls| block(&mut c.rumba, calls))),
            ("rust".into(), Box::new(|calls| block(&mut c.rust, calls))),
        ];
        if let Some(serial) = &mut c.serial {
            sides.push((
                "rumba_serial".into(),
                Box::new(|calls| block(serial, calls)),
            ));
        }
        for (name, f) in &mut more {
            sides.push((name.to_string(), Box::new(|calls| block(f, calls))));
        }
        if let Some(numba) = &mut self.numba {
            // One child serves every Python side, in turns.
            let python = numba.prepare(c.kernel);
            let numba = std::rc::Rc::new(std::cell::RefCell::new(numba));
            for side in python {
                let numba = numba.clone();
                sides.push((
                    side.clone(),
                    Box::new(move |calls| numba.borrow_mut().block(&side, calls)),
                ));
            }
        }
        // Every side compiled and warmed up before any is timed, then turns in changing orders.
        for (_, run) in &mut sides {
            run(0);
        }
        let mut best = vec![f64::INFINITY; sides.len()];
        let (start, cycle) = (Instant::now(), 2 * sides.len());
        let mut round = 0;
        let more = |round: usize| {
            start.elapsed().as_secs_f64() < self.seconds || !round.is_multiple_of(cycle)
        };
        while round < self.rounds || (self.seconds > 0.0 && more(round)) {
            for i in turns(sides.len(), round) {
                best[i] = best[i].min((sides[i].1)(self.calls));
            }
            round += 1;
        }
        let names: Vec<String> = sides.iter().map(|s| s.0.clone()).collect();
        drop(sides);
        let time = |name: &str| names.iter().position(|n| n == name).map(|i| best[i]);
        for (name, ms) in names.iter().zip(&best) {
            emit(c.kernel, name, &c.size, *ms, c.bytes);
        }
        if let (Some(serial), Some(parallel)) = (time("rumba_serial"), time("rumba")) {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            println!(
                r#"{{"kind":"speedup","kernel":"{}","threads":{threads},"serial_ms":{serial:.4},"parallel_ms":{parallel:.4},"speedup":{:.3}}}"#,
                c.kernel,
                serial / parallel
            );
        }
    }
}

fn cases(quick: bool, v: &mut Runner) {
    let n24 = 1 << 24;

    let x = Array1::from_shape_fn(n24, |i| (i % 1000) as f32 * 0.001);
    let mut y1 = Array1::from_elem(n24, 1.0f32);
    let (x2, mut y2) = (x.to_vec(), vec![1.0f32; n24]);
    v.push(Case {
        kernel: "saxpy",
        size: "2^24 f32".into(),
        bytes: Some(12.0 * n24 as f64),
        rumba: Box::new(move || kernels::saxpy(2.0f32, &x, &mut y1).unwrap()),
        rust: Box::new(move || plain::saxpy(2.0, &x2, &mut y2)),
        serial: None,
    });

    for fast in [false, true] {
        let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
        let (a2, b2) = (a.to_vec(), b.to_vec());
        v.push(Case {
            kernel: if fast { "dot_fastmath" } else { "dot" },
            size: "2^24 f64".into(),
            bytes: Some(16.0 * n24 as f64),
            rumba: Box::new(move || {
                let s: f64 = if fast {
                    kernels::dot_fast(&a, &b).unwrap()
                } else {
                    kernels::dot(&a, &b).unwrap()
                };
                black_box(s);
            }),
            rust: Box::new(move || {
                black_box(plain::dot(&a2, &b2));
            }),
            serial: None,
        });
    }

    // ndarray's methods against ndarray itself (the same order of operations, bit for bit).
    let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
    let (a2, b2) = (a.clone(), b.clone());
    v.push(Case {
        kernel: "sum_ndarray",
        size: "2^24 f64".into(),
        bytes: Some(8.0 * n24 as f64),
        rumba: Box::new({
            let a = a.clone();
            move || {
                let s: f64 = kernels::sum_ndarray(&a).unwrap();
                black_box(s);
            }
        }),
        rust: Box::new({
            let a2 = a2.clone();
            move || {
                black_box(plain::sum_ndarray(a2.view()));
            }
        }),
        serial: None,
    });
    v.push(Case {
        kernel: "dot_ndarray",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let s: f64 = kernels::dot_ndarray(&a, &b).unwrap();
            black_box(s);
        }),
        rust: Box::new(move || {
            black_box(plain::dot_ndarray(a2.view(), b2.view()));
        }),
        serial: None,
    });

    let side = if quick { 512 } else { 1024 };
    let mut img = Array2::<i32>::zeros((side, side));
    let mut img2 = img.clone();
    v.push(Case {
        kernel: "mandelbrot",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || kernels::mandelbrot(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: None,
    });

    let mut img = Array2::<i32>::zeros((side, side));
    let mut img2 = img.clone();
    v.push(Case {
        kernel: "mandelbrot_complex",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || {
            kernels::mandelbrot_complex(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        }),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: None,
    });

    let n = 2048;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    let mut b = Array2::<f64>::zeros((n, n));
    let a2 = a.clone();
    let mut b2 = b.clone();
    v.push(Case {
        kernel: "jacobi2d",
        size: format!("{n}x{n} f64"),
        bytes: Some(16.0 * (n * n) as f64),
        rumba: Box::new(move || kernels::jacobi2d(&a, &mut b).unwrap()),
        rust: Box::new(move || plain::jacobi2d(a2.view(), b2.view_mut())),
        serial: None,
    });

    let pts = if quick { 2048 } else { 4096 };
    let (px, py, pz) = (
        random(pts, 0.0, 1.0, 3),
        random(pts, 0.0, 1.0, 4),
        random(pts, 0.0, 1.0, 5),
    );
    let (qx, qy, qz) = (px.to_vec(), py.to_vec(), pz.to_vec());
    v.push(Case {
        kernel: "pairwise",
        size: format!("{pts} points"),
        bytes: None,
        rumba: Box::new(move || {
            let e: f64 = kernels::pairwise(&px, &py, &pz).unwrap();
            black_box(e);
        }),
        rust: Box::new(move || {
            black_box(plain::pairwise(&qx, &qy, &qz));
        }),
        serial: None,
    });

    // matmul at 512 (2 MiB matrices, in the second-level cache) and 2048 (32 MiB: the tiles'
    // cache panels at work), with the core's FMA peak for the same number of operations.
    for (kernel, m) in [("matmul", 512), ("matmul_2048", 2048)] {
        if v.only.as_deref().is_some_and(|k| k != kernel) {
            continue;
        }
        let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
        let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
        let mut mc = Array2::<f64>::zeros((m, m));
        let (ma2, mb2) = (ma.clone(), mb.clone());
        let (ma3, mb3) = (ma.clone(), mb.clone());
        let mut mc2 = mc.clone();
        let mut mc3 = mc.clone();
        let mm = Case {
            kernel,
            size: format!("{m}x{m} f64"),
            bytes: None,
            rumba: Box::new(move || {
                mc.fill(0.0);
                kernels::matmul(&ma, &mb, &mut mc).unwrap()
            }),
            rust: Box::new(move || {
                mc2.fill(0.0);
                plain::matmul(ma2.view(), mb2.view(), mc2.view_mut())
            }),
            serial: None,
        };
        let fast = move || {
            mc3.fill(0.0);
            kernels::matmul_fastmath(&ma3, &mb3, &mut mc3).unwrap()
        };
        let mut more: Vec<Extra> = vec![("rumba_fastmath", Box::new(fast))];
        let flops = 2.0 * (m * m * m) as f64;
        if let Some(peak) = fma_peak() {
            more.push((
                "peak",
                Box::new(move || {
                    black_box(peak(flops));
                }),
            ));
        }
        v.push_with(mm, more);
    }

    // The same product written as one dot product per element (the textbook loop order).
    let m = 512;
    let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
    let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
    let (ma2, mb2) = (ma.clone(), mb.clone());
    let (mut mc, mut mc2) = (Array2::<f64>::zeros((m, m)), Array2::<f64>::zeros((m, m)));
    v.push(Case {
        kernel: "matmul_dot",
        size: format!("{m}x{m} f64"),
        bytes: None,
        rumba: Box::new(move || kernels::matmul_dot(&ma, &mb, &mut mc).unwrap()),
        rust: Box::new(move || plain::matmul_dot(ma2.view(), mb2.view(), mc2.view_mut())),
        serial: None,
    });

    let n22 = 1 << 22;
    for fast in [false, true] {
        let s = random(n22, 5.0, 30.0, 6);
        let k = random(n22, 1.0, 100.0, 7);
        let t = random(n22, 0.25, 10.0, 8);
        let (mut call, mut put) = (Array1::<f64>::zeros(n22), Array1::<f64>::zeros(n22));
        let (s2, k2, t2) = (s.to_vec(), k.to_vec(), t.to_vec());
        let (mut call2, mut put2) = (vec![0.0; n22], vec![0.0; n22]);
        v.push(Case {
            kernel: if fast {
                "black_scholes_fastmath"
            } else {
                "black_scholes"
            },
            size: "2^22 f64".into(),
            bytes: Some(40.0 * n22 as f64),
            rumba: Box::new(move || {
                if fast {
                    kernels::black_scholes_fast(&s, &k, &t, 0.02, 0.30, &mut call, &mut put)
                        .unwrap()
                } else {
                    kernels::black_scholes(&s, &k, &t, 0.02, 0.30, &mut call, &mut put).unwrap()
                }
            }),
            rust: Box::new(move || {
                plain::black_scholes(&s2, &k2, &t2, 0.02, 0.30, &mut call2, &mut put2)
            }),
            serial: None,
        });
    }

    // The same as array expressions (NumPy style): rumba fuses each `let`; the loop above is
    // its hand-written side.
    let s = random(n22, 5.0, 30.0, 6);
    let k = random(n22, 1.0, 100.0, 7);
    let t = random(n22, 0.25, 10.0, 8);
    let (s2, k2, t2) = (s.clone(), k.clone(), t.clone());
    let (s1, k1, t1) = (s.clone(), k.clone(), t.clone());
    let expr = Case {
        kernel: "black_scholes_expr",
        size: "2^22 f64".into(),
        bytes: Some(40.0 * n22 as f64),
        rumba: Box::new(move || {
            let r: (Array1<f64>, Array1<f64>) =
                kernels::black_scholes_expr(&s, &k, &t, 0.02, 0.30).unwrap();
            black_box(r);
        }),
        rust: Box::new(move || {
            black_box(plain::black_scholes_expr(
                s2.view(),
                k2.view(),
                t2.view(),
                0.02,
                0.30,
            ));
        }),
        serial: None,
    };
    // The hand loop returns new arrays too, as the expression does.
    let hand = move || {
        let prices: (Array1<f64>, Array1<f64>) =
            kernels::black_scholes_new(&s1, &k1, &t1, 0.02, 0.30).unwrap();
        black_box(prices);
    };
    v.push_with(expr, vec![("rumba_loop", Box::new(hand))]);

    let mut seed = 9;
    let data = Array1::from_shape_fn(n24, |_| (lcg(&mut seed) * 256.0) as u8);
    let data2 = data.to_vec();
    let mut bins = Array1::<i64>::zeros(256);
    let mut bins2 = vec![0i64; 256];
    v.push(Case {
        kernel: "histogram",
        size: "2^24 u8".into(),
        bytes: Some(n24 as f64),
        rumba: Box::new(move || kernels::histogram(&data, &mut bins).unwrap()),
        rust: Box::new(move || plain::histogram(&data2, &mut bins2)),
        serial: None,
    });

    let cx = random(n24, 0.0, 1.0, 10);
    let cx2 = cx.to_vec();
    let mut out = Array1::<f64>::zeros(n24);
    let mut out2 = vec![0.0; n24];
    v.push(Case {
        kernel: "cumsum",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || kernels::cumsum(&cx, &mut out).unwrap()),
        rust: Box::new(move || plain::cumsum(&cx2, &mut out2)),
        serial: None,
    });

    // Whole-array expressions: rumba fuses each into one pass; ndarray (the Rust side) makes a
    // temporary per operator; Numba compiles the NumPy expression.
    let fx = random(n24, -2.0, 2.0, 12);
    let fy = random(n24, -2.0, 2.0, 13);
    let (fx2, fy2) = (fx.clone(), fy.clone());
    let chain = Case {
        kernel: "chain",
        size: "2^24 f64".into(),
        bytes: Some(24.0 * n24 as f64),
        rumba: Box::new({
            let (fx, fy) = (fx.clone(), fy.clone());
            move || {
                let z: Array1<f64> = kernels::chain(&fx, &fy).unwrap();
                black_box(z);
            }
        }),
        rust: Box::new({
            let (fx2, fy2) = (fx2.clone(), fy2.clone());
            move || {
                black_box(plain::chain(fx2.view(), fy2.view()));
            }
        }),
        serial: None,
    };
    let (lx, ly) = (fx.clone(), fy.clone());
    let chain_loop = move || {
        let z: Array1<f64> = kernels::chain_loop(&lx, &ly).unwrap();
        black_box(z);
    };
    v.push_with(chain, vec![("rumba_loop", Box::new(chain_loop))]);
    let selu = Case {
        kernel: "selu",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new({
            let fx = fx.clone();
            move || {
                let z: Array1<f64> = kernels::selu(&fx).unwrap();
                black_box(z);
            }
        }),
        rust: Box::new({
            let fx2 = fx2.clone();
            move || {
                black_box(plain::selu(fx2.view()));
            }
        }),
        serial: None,
    };
    let lx = fx.clone();
    let selu_loop = move || {
        let z: Array1<f64> = kernels::selu_loop(&lx).unwrap();
        black_box(z);
    };
    let ux = fx.clone();
    let selu_ufunc = move || {
        let z: Array1<f64> = kernels::selu_ufunc(&ux).unwrap();
        black_box(z);
    };
    let qx = fx.clone();
    let selu_fast = move || {
        let z: Array1<f64> = kernels::selu_fast(&qx).unwrap();
        black_box(z);
    };
    v.push_with(
        selu,
        vec![
            ("rumba_loop", Box::new(selu_loop)),
            ("rumba_vectorize", Box::new(selu_ufunc)),
            ("rumba_fastmath", Box::new(selu_fast)),
        ],
    );
    // A reduction fused with its operand: `sum` of `(x - y)^2` with no temporary array, against
    // the same expression with the squares bound to a name (materialized) and a hand loop.
    let sq = Case {
        kernel: "sq_dist",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new({
            let (fx, fy) = (fx.clone(), fy.clone());
            move || {
                black_box(kernels::sq_dist(&fx, &fy).unwrap());
            }
        }),
        rust: Box::new(move || {
            black_box(plain::sq_dist(fx2.view(), fy2.view()));
        }),
        serial: None,
    };
    let (ux, uy) = (fx.clone(), fy.clone());
    let unfused = move || {
        black_box(kernels::sq_dist_unfused(&ux, &uy).unwrap());
    };
    let (qx, qy) = (fx.clone(), fy.clone());
    let fast = move || {
        black_box(kernels::sq_dist_fast(&qx, &qy).unwrap());
    };
    let hand = move || {
        black_box(kernels::sq_dist_loop(&fx, &fy).unwrap());
    };
    v.push_with(
        sq,
        vec![
            ("rumba_fastmath", Box::new(fast)),
            ("rumba_unfused", Box::new(unfused)),
            ("rumba_loop", Box::new(hand)),
        ],
    );

    // Row softmax and broadcasting on a 4096 x 4096 matrix (the issue's figures: NumPy 88 ms,
    // JAX jit 46, a Numba hand loop 144 for the softmax). Numba's sides: a hand loop for the
    // softmax, the NumPy expression for the broadcast.
    let side = 4096;
    let sx = random(side * side, -4.0, 4.0, 14)
        .into_shape_with_order((side, side))
        .expect("a square");
    let (sx2, sx3) = (sx.clone(), sx.clone());
    let softmax_fast = move || {
        let z: Array2<f64> = kernels::softmax_rows_fast(&sx3).unwrap();
        black_box(z);
    };
    v.push_with(
        Case {
            kernel: "softmax_rows",
            size: "4096^2 f64".into(),
            bytes: Some(16.0 * (side * side) as f64),
            rumba: Box::new(move || {
                let z: Array2<f64> = kernels::softmax_rows(&sx).unwrap();
                black_box(z);
            }),
            rust: Box::new(move || {
                black_box(plain::softmax_rows(sx2.view()));
            }),
            serial: None,
        },
        vec![("rumba_fastmath", Box::new(softmax_fast))],
    );
    let bx = random(side * side, -4.0, 4.0, 15)
        .into_shape_with_order((side, side))
        .expect("a square");
    let (mean, inv) = (random(side, -1.0, 1.0, 16), random(side, 0.5, 2.0, 17));
    let (bx2, mean2, inv2) = (bx.clone(), mean.clone(), inv.clone());
    v.push(Case {
        kernel: "standardize_rows",
        size: "4096^2 f64".into(),
        bytes: Some(16.0 * (side * side) as f64),
        rumba: Box::new(move || {
            let z: Array2<f64> = kernels::standardize_rows(&bx, &mean, &inv).unwrap();
            black_box(z);
        }),
        rust: Box::new(move || {
            black_box(plain::standardize_rows(
                bx2.view(),
                mean2.view(),
                inv2.view(),
            ));
        }),
        serial: None,
    });

    // Allocating and returning the result against writing into the caller's array: the
    // difference is the allocation (and, for rumba and Rust, zeroing it; Numba's `np.empty` does
    // not zero).
    let ax = random(n24, 0.0, 1.0, 11);
    let (ax1, ax2, ax3) = (ax.clone(), ax.to_vec(), ax.to_vec());
    v.push(Case {
        kernel: "affine_new",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let y: Array1<f64> = kernels::affine_new(&ax, 2.0, 1.0).unwrap();
            black_box(y);
        }),
        rust: Box::new(move || {
            black_box(plain::affine_new(&ax2, 2.0, 1.0));
        }),
        serial: None,
    });
    let (mut ay, mut ay2) = (Array1::<f64>::zeros(n24), vec![0.0; n24]);
    v.push(Case {
        kernel: "affine_into",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || kernels::affine_into(&ax1, 2.0, 1.0, &mut ay).unwrap()),
        rust: Box::new(move || plain::affine_into(&ax3, 2.0, 1.0, &mut ay2)),
        serial: None,
    });
    pattern_cases(v);
    parallel_cases(quick, v);
}

/// Patterns that were slower than rustc (issue 18): a float recurrence over a short axis
/// (k-means), `f64::min` in a read-modify-write (Floyd-Warshall), an integer hash per row
/// (FNV-1a), compare-and-swap (bubble sort);
/// and two kernels of the first-call table (an n-body step, a 5x5 blur with its border branch).
/// The sizes match `numba_kernels.py`'s.
fn pattern_cases(v: &mut Runner) {
    let (points, centres) = (1 << 14, 16);
    for (d, kernel) in [(4, "kmeans_d4"), (8, "kmeans_d8"), (16, "kmeans_d16")] {
        let x = random(points * d, 0.0, 1.0, 12)
            .into_shape_with_order((points, d))
            .expect("points x d");
        let c = random(centres * d, 0.0, 1.0, 13)
            .into_shape_with_order((centres, d))
            .expect("centres x d");
        let (x2, c2) = (x.clone(), c.clone());
        let (mut labels, mut labels2) = (Array1::<i64>::zeros(points), vec![0i64; points]);
        v.push(Case {
            kernel,
            size: format!("{points} points, {centres} centres, d = {d}"),
            bytes: None,
            rumba: Box::new(move || kernels::kmeans_assign(&x, &c, &mut labels).unwrap()),
            rust: Box::new(move || plain::kmeans_assign(x2.view(), c2.view(), &mut labels2)),
            serial: None,
        });
    }

    let n = 256;
    let graph = Array2::from_shape_fn((n, n), |(i, j)| match (i * 37 + j * 11) % 13 {
        _ if i == j => 0.0,
        w @ 1..=10 => w as f64,
        _ => f64::INFINITY,
    });
    let (graph2, mut dist, mut dist2) = (graph.clone(), graph.clone(), graph.clone());
    v.push(Case {
        kernel: "floyd_warshall",
        size: format!("{n} nodes"),
        bytes: None,
        rumba: Box::new(move || {
            dist.assign(&graph);
            kernels::floyd_warshall(&mut dist).unwrap()
        }),
        rust: Box::new(move || {
            dist2.assign(&graph2);
            plain::floyd_warshall(dist2.view_mut())
        }),
        serial: None,
    });

    let n = 1024;
    let pos = random(n * 3, -1.0, 1.0, 15)
        .into_shape_with_order((n, 3))
        .expect("n x 3");
    let mass = random(n, 0.5, 2.0, 16);
    let (mut pos1, mut vel1) = (pos.clone(), Array2::<f64>::zeros((n, 3)));
    let (mut pos2, mut vel2, mass2) = (pos, Array2::<f64>::zeros((n, 3)), mass.to_vec());
    v.push(Case {
        kernel: "nbody",
        size: format!("{n} bodies"),
        bytes: None,
        rumba: Box::new(move || kernels::nbody_step(&mut pos1, &mut vel1, &mass, 0.01).unwrap()),
        rust: Box::new(move || plain::nbody_step(pos2.view_mut(), vel2.view_mut(), &mass2, 0.01)),
        serial: None,
    });

    let n = 1024;
    let img = random(n * n, 0.0, 1.0, 17)
        .into_shape_with_order((n, n))
        .expect("n x n");
    let (img2, mut out, mut out2) = (
        img.clone(),
        Array2::<f64>::zeros((n, n)),
        Array2::<f64>::zeros((n, n)),
    );
    v.push(Case {
        kernel: "blur5",
        size: format!("{n}x{n} f64"),
        bytes: None,
        rumba: Box::new(move || kernels::blur5(&img, &mut out).unwrap()),
        rust: Box::new(move || plain::blur5(img2.view(), out2.view_mut())),
        serial: None,
    });

    // An integer chain through a multiply per row (FNV-1a of rows of bytes).
    let (n, m) = (20000, 64);
    let bytes = Array2::from_shape_fn((n, m), |(i, j)| ((i * 131 + j * 17) % 251) as u8);
    let (bytes2, mut hashes, mut hashes2) = (bytes.clone(), Array1::<u64>::zeros(n), vec![0; n]);
    v.push(Case {
        kernel: "fnv_rows",
        size: format!("{n} rows of {m} bytes"),
        bytes: None,
        rumba: Box::new(move || kernels::fnv_rows(&bytes, &mut hashes).unwrap()),
        rust: Box::new(move || plain::fnv_rows(bytes2.view(), &mut hashes2)),
        serial: None,
    });

    let n = 2048;
    let keys = random(n, 0.0, 1.0, 14);
    let (keys2, mut sorted, mut sorted2) = (keys.to_vec(), keys.clone(), keys.to_vec());
    v.push(Case {
        kernel: "bubble_sort",
        size: format!("{n} f64"),
        bytes: None,
        rumba: Box::new(move || {
            sorted.assign(&keys);
            kernels::bubble_sort(&mut sorted).unwrap()
        }),
        rust: Box::new(move || {
            sorted2.copy_from_slice(&keys2);
            plain::bubble_sort(&mut sorted2)
        }),
        serial: None,
    });

    // A float carried through `max` (the NaN test of `f64::max` on its chain or beside it).
    let n = 1 << 22;
    let x = random(n, -1.0, 1.0, 18);
    let (x2, mut y, mut y2) = (x.to_vec(), Array1::<f64>::zeros(n), vec![0.0; n]);
    v.push(Case {
        kernel: "running_max",
        size: "2^22 f64".into(),
        bytes: Some(16.0 * n as f64),
        rumba: Box::new(move || kernels::running_max(&x, &mut y).unwrap()),
        rust: Box::new(move || plain::running_max(&x2, &mut y2)),
        serial: None,
    });
}

/// The `prange` kernels: rumba parallel ("rumba"), plain serial Rust ("rust") and the serial rumba
/// twin (`serial`), on the same sizes as their serial cases.
fn parallel_cases(quick: bool, v: &mut Runner) {
    let n24 = 1 << 24;
    let (a, b) = (random(n24, 0.0, 1.0, 1), random(n24, 0.0, 1.0, 2));
    let (a1, b1) = (a.clone(), b.clone());
    let (a2, b2) = (a.to_vec(), b.to_vec());
    v.push(Case {
        kernel: "dot_par",
        size: "2^24 f64".into(),
        bytes: Some(16.0 * n24 as f64),
        rumba: Box::new(move || {
            let s: f64 = kernels::dot_par(&a, &b).unwrap();
            black_box(s);
        }),
        rust: Box::new(move || {
            black_box(plain::dot(&a2, &b2));
        }),
        serial: Some(Box::new(move || {
            let s: f64 = kernels::dot_fast(&a1, &b1).unwrap();
            black_box(s);
        })),
    });

    // In numba_kernels.py's order (its serial loop stands in for Numba's racy `prange` one).
    let mut seed = 9u64;
    let data = Array1::from_shape_fn(n24, |_| (lcg(&mut seed) * 256.0) as u8);
    let (data1, data2) = (data.clone(), data.to_vec());
    let (mut bins, mut bins1, mut bins2) = (
        Array1::<i64>::zeros(256),
        Array1::<i64>::zeros(256),
        vec![0i64; 256],
    );
    v.push(Case {
        kernel: "histogram_par",
        size: "2^24 u8".into(),
        bytes: Some(n24 as f64),
        rumba: Box::new(move || kernels::histogram_par(&data, &mut bins).unwrap()),
        rust: Box::new(move || plain::histogram(&data2, &mut bins2)),
        serial: Some(Box::new(move || {
            kernels::histogram(&data1, &mut bins1).unwrap()
        })),
    });

    let side = if quick { 512 } else { 1024 };
    let mut img = Array2::<i32>::zeros((side, side));
    let (mut img1, mut img2) = (img.clone(), img.clone());
    v.push(Case {
        kernel: "mandelbrot_par",
        size: format!("{side}x{side}, 200 it"),
        bytes: None,
        rumba: Box::new(move || {
            kernels::mandelbrot_par(&mut img, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        }),
        rust: Box::new(move || plain::mandelbrot(&mut img2, -2.0, 1.0, -1.5, 1.5, 200)),
        serial: Some(Box::new(move || {
            kernels::mandelbrot(&mut img1, -2.0, 1.0, -1.5, 1.5, 200).unwrap()
        })),
    });

    let m = 512;
    let ma = Array2::from_shape_fn((m, m), |(i, j)| ((i + 2 * j) % 7) as f64 * 0.5);
    let mb = Array2::from_shape_fn((m, m), |(i, j)| ((3 * i + j) % 5) as f64 * 0.25);
    let mut mc = Array2::<f64>::zeros((m, m));
    let (ma1, mb1, mut mc1) = (ma.clone(), mb.clone(), mc.clone());
    let (ma2, mb2, mut mc2) = (ma.clone(), mb.clone(), mc.clone());
    v.push(Case {
        kernel: "matmul_par",
        size: format!("{m}x{m} f64"),
        bytes: None,
        rumba: Box::new(move || {
            mc.fill(0.0);
            kernels::matmul_par(&ma, &mb, &mut mc).unwrap()
        }),
        rust: Box::new(move || {
            mc2.fill(0.0);
            plain::matmul(ma2.view(), mb2.view(), mc2.view_mut())
        }),
        serial: Some(Box::new(move || {
            mc1.fill(0.0);
            kernels::matmul(&ma1, &mb1, &mut mc1).unwrap()
        })),
    });

    let n22 = 1 << 22;
    let s = random(n22, 5.0, 30.0, 6);
    let k = random(n22, 1.0, 100.0, 7);
    let t = random(n22, 0.25, 10.0, 8);
    let (mut call, mut put) = (Array1::<f64>::zeros(n22), Array1::<f64>::zeros(n22));
    let (s1, k1, t1, mut call1, mut put1) =
        (s.clone(), k.clone(), t.clone(), call.clone(), put.clone());
    let (s2, k2, t2) = (s.to_vec(), k.to_vec(), t.to_vec());
    let (mut call2, mut put2) = (vec![0.0; n22], vec![0.0; n22]);
    v.push(Case {
        kernel: "black_scholes_par",
        size: "2^22 f64".into(),
        bytes: Some(40.0 * n22 as f64),
        rumba: Box::new(move || {
            kernels::black_scholes_par(&s, &k, &t, 0.02, 0.30, &mut call, &mut put).unwrap()
        }),
        rust: Box::new(move || {
            plain::black_scholes(&s2, &k2, &t2, 0.02, 0.30, &mut call2, &mut put2)
        }),
        serial: Some(Box::new(move || {
            kernels::black_scholes(&s1, &k1, &t1, 0.02, 0.30, &mut call1, &mut put1).unwrap()
        })),
    });
}

/// CPU time of this thread so far, in ms: the machine is shared, so a first call's wall time
/// also counts the time other processes had the core; its CPU time does not.
fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write to; the clock id is a constant Linux knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 * 1e-6
}

/// The first call of each kernel of `kernels` (comma-separated) in turn, in this fresh process:
/// one line each, with the stage times of its own compilation (a later kernel's show what a
/// process that has compiled before spends, `"after"` naming the kernels before it).
fn latency(kernels: &str) {
    let mut before: Vec<&str> = Vec::new();
    for kernel in kernels.split(',') {
        first_call(kernel, &before);
        before.push(kernel);
    }
}

/// A call of `kernel` at `latency`'s sizes.
fn latency_case(kernel: &str) -> Box<dyn FnMut()> {
    match kernel {
        "saxpy" => {
            let x = Array1::from_elem(1 << 20, 1.0f32);
            let mut y = Array1::from_elem(1 << 20, 2.0f32);
            Box::new(move || kernels::saxpy(2.0f32, &x, &mut y).unwrap())
        }
        "black_scholes" => {
            let n = 1 << 16;
            let (s, k, t) = (
                random(n, 5.0, 30.0, 1),
                random(n, 1.0, 100.0, 2),
                random(n, 0.25, 10.0, 3),
            );
            let (mut c, mut p) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(n));
            Box::new(move || kernels::black_scholes(&s, &k, &t, 0.02, 0.3, &mut c, &mut p).unwrap())
        }
        "kmeans" => {
            let (n, k, d) = (4096, 16, 8);
            let x = random(n * d, 0.0, 1.0, 4)
                .into_shape_with_order((n, d))
                .unwrap();
            let c = random(k * d, 0.0, 1.0, 5)
                .into_shape_with_order((k, d))
                .unwrap();
            let mut labels = Array1::<i64>::zeros(n);
            Box::new(move || kernels::kmeans_assign(&x, &c, &mut labels).unwrap())
        }
        "nbody" => {
            let n = 256;
            let mut pos = random(n * 3, -1.0, 1.0, 6)
                .into_shape_with_order((n, 3))
                .unwrap();
            let mut vel = Array2::<f64>::zeros((n, 3));
            let mass = random(n, 0.5, 2.0, 7);
            Box::new(move || kernels::nbody_step(&mut pos, &mut vel, &mass, 0.01).unwrap())
        }
        "blur5" => {
            let a = random(512 * 512, 0.0, 1.0, 8)
                .into_shape_with_order((512, 512))
                .unwrap();
            let mut b = Array2::<f64>::zeros((512, 512));
            Box::new(move || kernels::blur5(&a, &mut b).unwrap())
        }
        "mandelbrot" => {
            let mut img = Array2::<i32>::zeros((256, 256));
            Box::new(move || kernels::mandelbrot(&mut img, -2.0, 1.0, -1.5, 1.5, 100).unwrap())
        }
        "floyd_warshall" => {
            let mut dist =
                Array2::from_shape_fn((128, 128), |(i, j)| ((i * 37 + j * 11) % 13) as f64);
            Box::new(move || kernels::floyd_warshall(&mut dist).unwrap())
        }
        other => panic!("no latency case {other}"),
    }
}

/// `kernel`'s first call (compilation, or a load from the on-disk cache, and a run) against the
/// second, with the stages of the first from `rumba::stats()` and its CPU time, printed as a
/// `latency` row.
fn first_call(kernel: &str, before: &[&str]) {
    let mut call = latency_case(kernel);
    let earlier = rumba::stats();
    let cpu = thread_cpu_ms();
    let first = ms(&mut call);
    let first_cpu = thread_cpu_ms() - cpu;
    let cpu = thread_cpu_ms();
    let second = ms(&mut call);
    let second_cpu = thread_cpu_ms() - cpu;
    let stats = rumba::stats();
    // Warm: the first call loaded its code from the on-disk cache (bench.sh runs each kernel
    // with a fresh RUMBA_CACHE_DIR, then again with the one it filled).
    let cache = if stats.cache_hits > earlier.cache_hits {
        "warm"
    } else {
        "cold"
    };
    let stages: Vec<String> = rumba::Step::ALL
        .iter()
        .map(|&step| {
            format!(
                r#""{}":{:.3}"#,
                format!("{step:?}").to_lowercase(),
                (stats.time(step) - earlier.time(step)).as_secs_f64() * 1e3
            )
        })
        .collect();
    let after = if before.is_empty() {
        String::new()
    } else {
        format!(r#","after":"{}""#, before.join(","))
    };
    println!(
        r#"{{"kind":"latency","kernel":"{kernel}","impl":"rumba","cache":"{cache}"{after},"first_ms":{first:.3},"second_ms":{second:.3},"compile_ms":{:.3},"compile_cpu_ms":{:.3},"stages_ms":{{{}}}}}"#,
        first - second,
        first_cpu - second_cpu,
        stages.join(",")
    );
}

/// The cost per call of `f`, over `calls` calls: wall time and the thread's CPU time, in ns (on a
/// shared machine the wall time also counts the time other processes held the core).
fn per_call(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    let cpu = thread_cpu_ms();
    let wall = ms(|| {
        for _ in 0..calls {
            f();
        }
    });
    let cpu = thread_cpu_ms() - cpu;
    (wall * 1e6 / calls as f64, cpu * 1e6 / calls as f64)
}

fn overhead() {
    let calls = 1_000_000;
    let row = |case: &str, imp: &str, (ns, cpu_ns): (f64, f64)| {
        println!(
            r#"{{"kind":"overhead","case":"{case}","impl":"{imp}","ns":{ns:.1},"cpu_ns":{cpu_ns:.1}}}"#
        )
    };
    let x = Array1::from_elem(1, 1.0f32);
    let mut y = Array1::from_elem(1, 2.0f32);
    kernels::saxpy(2.0f32, &x, &mut y).unwrap();
    let t = per_call(calls, || {
        kernels::saxpy(black_box(2.0f32), &x, &mut y).unwrap()
    });
    row("saxpy_1", "rumba", t);
    let _: f64 = kernels::add(1.0, 2.0).unwrap();
    let mut acc = 0.0;
    let mut i = 0.0;
    let t = per_call(calls, || {
        let r: f64 = kernels::add(black_box(i), 2.0).unwrap();
        acc += r;
        i += 1.0;
    });
    row("add_scalars", "rumba", t);
    // The same calls through typed handles (`Kernel::typed`): no signature lookup.
    let saxpy = kernels::saxpy::kernel()
        .typed::<(f32, &Array1<f32>, &mut Array1<f32>), ()>()
        .unwrap();
    let t = per_call(calls, || saxpy.call(black_box(2.0f32), &x, &mut y).unwrap());
    row("saxpy_1", "rumba_typed", t);
    let add = kernels::add::kernel().typed::<(f64, f64), f64>().unwrap();
    let mut i = 0.0;
    let t = per_call(calls, || {
        acc += add.call(black_box(i), 2.0).unwrap();
        i += 1.0;
    });
    row("add_scalars", "rumba_typed", t);
    black_box(acc);
}

/// The value after option `name` on the command line, parsed.
fn option<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn main() {
    env_logger::init();
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    match args.get(1).map(String::as_str) {
        Some("run") => {
            let only = option(&args, "--only");
            let quick = flag("--quick");
            let numba = option::<String>(&args, "--python").map(|py| Numba::spawn(&py, quick));
            let mut runner = Runner {
                rounds: option(&args, "--rounds").unwrap_or(6),
                seconds: option(&args, "--seconds").unwrap_or(0.0),
                calls: option(&args, "--calls").unwrap_or(3),
                numba,
                only,
            };
            cases(quick, &mut runner);
        }
        Some("latency") => latency(args.get(2).map_or("saxpy", String::as_str)),
        Some("overhead") => overhead(),
        _ => eprintln!(
            "usage: rumba-bench run [--rounds N] [--seconds S] [--calls N] [--python PATH] \
             [--quick] [--only KERNEL] | latency KERNEL[,KERNEL..] | overhead"
        ),
    }
}
