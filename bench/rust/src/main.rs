//! bench.sh's Rust side, and the conductor of a run. Times each benchmark kernel as compiled by
//! rumba (bounds checks on, default options), as plain Rust, and, with `--python`, as Numba in a
//! child process (`bench/numba_kernels.py serve`), all three in the same pattern: every side is
//! compiled and warmed up first, then the sides take turns, each turn a block of one untimed call
//! (which brings that side's arrays back into the caches) and `--calls` timed ones, in an order
//! that changes from round to round (`turns`), for at least `--rounds` rounds and, given
//! `--seconds`, at least that long and whole cycles of orders; the best call of each side is kept.
//! Prints one JSON object per line for bench/report.py. `RUST_LOG=rumba=debug` shows where a
//! compilation's time goes. The rows are in `cases.rs` (with `patterns.rs`, issue 18's patterns,
//! and `parallel.rs`, the `prange` kernels), their plain-Rust twins in `plain.rs`; `latency.rs`
//! times first calls and the cost of a call, `peak.rs` the core's FMA peak, and `alloc.rs` gives
//! every side the same memory.
//!
//!     rumba-bench run [--rounds N] [--seconds S] [--calls N] [--python PATH] [--quick]
//!                     [--only KERNEL[,KERNEL..]]
//!                                                 (`*_par` cases: `prange` kernels on rayon's pool,
//!                                                  timed against their serial rumba twins too)
//!     rumba-bench latency saxpy|black_scholes|kmeans|nbody|blur5|mandelbrot|floyd_warshall
//!                                                 (run in a fresh process: first call vs second,
//!                                                  by stage; `K1,K2,..` times each in turn)
//!     rumba-bench overhead                        (per-call cost, averaged over 10^6 calls)

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod alloc;
mod cases;
#[path = "../../../examples/kernels/mod.rs"]
mod kernels;
mod latency;
mod parallel;
mod patterns;
mod peak;
mod plain;

use ndarray::Array1;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

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
    /// Run only the cases of these kernels (`--only name[,name..]`).
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
        if self
            .only
            .as_deref()
            .is_some_and(|k| !k.split(',').any(|k| k == c.kernel))
        {
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
            cases::cases(quick, &mut runner);
        }
        Some("latency") => latency::latency(args.get(2).map_or("saxpy", String::as_str)),
        Some("overhead") => latency::overhead(),
        _ => eprintln!(
            "usage: rumba-bench run [--rounds N] [--seconds S] [--calls N] [--python PATH] \
             [--quick] [--only KERNEL[,..]] | latency KERNEL[,KERNEL..] | overhead"
        ),
    }
}
