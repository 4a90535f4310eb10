//! Differential tests: random kernels run by the JIT and by the reference interpreter
//! (`Kernel::interpret`) must agree bit for bit: the same result (floats compared by bits, any NaN
//! equal to any NaN), the same error (variant, location, values and rendered text), and the same
//! array contents afterwards, elements outside the views included.
//!
//! `differential_random` runs 2,000 generated kernels (`gen::case`) from a fixed seed, so that a
//! failure in CI is reproduced by running the test again; new kernels come from the long run
//! (scripts/long-tests.sh, which picks a random seed and prints it). `differential_prange` runs
//! 600 `prange` kernels (`gen::parallel_case`) the same way, on the CPU's global thread pool and on
//! pools of 1, 3 and 8 threads and, when a CUDA device is present, on the GPU, against the
//! interpreter's serial run; three in ten carry an access that races, which must be rejected as a
//! data race, and three in ten an array reduction (after a failed check,
//! a parallel run may have done later iterations too, and GPU threads report whichever failure
//! came first: only the kind of outcome is compared then). `differential_nests` runs 600 loop
//! nests of the shapes loop versioning and unroll-and-jam rewrite (`gen::nest_case`);
//! `differential_tiles` 300 three-deep nests of the shapes register tiling rewrites
//! (`gen::tile_case`); `differential_splits` 300 loops branching on where their counter lies
//! (a stencil's border test, random tests of the counters, opaque conditions), the shapes
//! index-set splitting rewrites or must leave alone (`gen::split_case`);
//! `differential_chains` 150 chains of array expressions (`gen::chain_case`: `let`s of
//! broadcasting operators and `mapv`s, `assign`, sums), what extent versioning, fusion and
//! contraction rewrite. Environment:
//! - `RUMBA_DIFF_SEED=s`: kernels from seed `s` instead of the fixed one (the long run; to replay
//!   one, give its seed);
//! - `RUMBA_DIFF_CASES=n` (`RUMBA_DIFF_PAR_CASES=n` for `prange` kernels, `RUMBA_DIFF_NEST_CASES=n`
//!   for nests, `RUMBA_DIFF_TILE_CASES=n` for three-deep nests, `RUMBA_DIFF_SPLIT_CASES=n` for
//!   split loops, `RUMBA_DIFF_CHAIN_CASES=n` for chains): run `n` kernels;
//! - `RUMBA_DIFF_SECONDS=t`: start no kernel after `t` seconds (to bound a long run);
//! - `RUMBA_DIFF_CASE=c`: run only the case with case seed `c` (printed with every failure) and
//!   print its source, arguments and every engine's outcome (filter the test by name to pick the
//!   generator);
//! - `RUMBA_OPT_LEVEL=0` (read by the runtime): the JIT at LLVM O0 instead of O3. `scripts/test.sh`
//!   runs this file both ways, so O0, O3 and the interpreter all agree;
//! - `RUMBA_REQUIRE_GPU=1`: `differential_prange` fails without a CUDA device (see `crate::skip`).
//!
//! A disagreement is minimized (statements and blocks removed while it persists) and printed
//! with its arguments; the regression tests at the end keep the ones found so far.

mod gen;

use gen::{ArgSpec, ArraySpec, Case, ViewOp};
use ndarray::{ArrayD, Axis, IxDyn, Slice};
use rumba::{Arg, Error, ErrorKind, IntoArg, Kernel, Value};
use rumba_compiler::ir::Scalar;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---- arguments ----

/// Element types, with their bits as `gen` writes them (integers sign-extended to 128 bits).
trait Elem: rumba::Element + std::fmt::Debug {
    fn from_bits(bits: u128) -> Self;
    fn to_bits(self) -> u128;
    fn is_nan(self) -> bool {
        false
    }
}

macro_rules! int_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            fn from_bits(bits: u128) -> Self {
                bits as $t
            }
            fn to_bits(self) -> u128 {
                self as u128
            }
        }
    )*};
}
int_elem!(i8, i16, i32, i64, isize, i128, u8, u16, u32, u64, usize, u128);

impl Elem for bool {
    fn from_bits(bits: u128) -> Self {
        bits != 0
    }
    fn to_bits(self) -> u128 {
        self as u128
    }
}

impl Elem for f32 {
    fn from_bits(bits: u128) -> Self {
        f32::from_bits(bits as u32)
    }
    fn to_bits(self) -> u128 {
        f32::to_bits(self).into()
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
}

impl Elem for f64 {
    fn from_bits(bits: u128) -> Self {
        f64::from_bits(bits as u64)
    }
    fn to_bits(self) -> u128 {
        f64::to_bits(self).into()
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

/// Calls `$m!(Variant, type)` for each element type.
macro_rules! each_elem {
    ($m:ident) => {
        $m!(Bool bool, I8 i8, I16 i16, I32 i32, I64 i64, Isize isize, I128 i128, U8 u8, U16 u16, U32 u32, U64 u64, Usize usize, U128 u128, F32 f32, F64 f64)
    };
}

/// The memory of an array argument: the whole base array, of any element type.
#[derive(Debug)]
enum Buf {
    Bool(ArrayD<bool>),
    I8(ArrayD<i8>),
    I16(ArrayD<i16>),
    I32(ArrayD<i32>),
    I64(ArrayD<i64>),
    Isize(ArrayD<isize>),
    I128(ArrayD<i128>),
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    U32(ArrayD<u32>),
    U64(ArrayD<u64>),
    Usize(ArrayD<usize>),
    U128(ArrayD<u128>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

fn base<T: Elem>(spec: &ArraySpec) -> ArrayD<T> {
    let data = spec.data.iter().map(|&b| T::from_bits(b)).collect();
    ArrayD::from_shape_vec(IxDyn(&spec.base), data).expect("shape of the base array")
}

/// The argument `spec` describes: the view its ops make of the base array.
fn view_arg<'a, T: Elem>(a: &'a mut ArrayD<T>, spec: &ArraySpec) -> Arg<'a> {
    if spec.writable {
        let mut v = a.view_mut();
        for op in &spec.ops {
            match op {
                ViewOp::Slice {
                    axis,
                    start,
                    end,
                    step,
                } => v.slice_axis_inplace(Axis(*axis), Slice::new(*start, *end, *step)),
                ViewOp::Invert(axis) => v.invert_axis(Axis(*axis)),
                ViewOp::Transpose => v = v.reversed_axes(),
                ViewOp::Broadcast(_) => panic!("writable broadcast"),
            }
        }
        v.into_arg()
    } else {
        let a: &'a ArrayD<T> = a;
        let mut v = match spec.ops.first() {
            Some(ViewOp::Broadcast(shape)) => a.broadcast(IxDyn(shape)).expect("broadcastable"),
            _ => a.view(),
        };
        for op in &spec.ops {
            match op {
                ViewOp::Slice {
                    axis,
                    start,
                    end,
                    step,
                } => v.slice_axis_inplace(Axis(*axis), Slice::new(*start, *end, *step)),
                ViewOp::Invert(axis) => v.invert_axis(Axis(*axis)),
                ViewOp::Transpose => v = v.reversed_axes(),
                ViewOp::Broadcast(_) => {}
            }
        }
        v.into_arg()
    }
}

fn same_elements<T: Elem>(a: &ArrayD<T>, b: &ArrayD<T>) -> Result<(), String> {
    if a.shape() != b.shape() {
        return Err(format!("shapes {:?} and {:?}", a.shape(), b.shape()));
    }
    for (k, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        if x.to_bits() != y.to_bits() && !(x.is_nan() && y.is_nan()) {
            return Err(format!(
                "element {k} (C order in the base array): {x:?} vs {y:?}"
            ));
        }
    }
    Ok(())
}

impl Buf {
    fn new(spec: &ArraySpec) -> Buf {
        macro_rules! make {
            ($($v:ident $t:ty),*) => {
                match spec.elem {
                    $(Scalar::$v => Buf::$v(base::<$t>(spec)),)*
                    Scalar::C32 | Scalar::C64 => unreachable!("the generator makes no complex numbers"),
                }
            };
        }
        each_elem!(make)
    }

    fn arg<'a>(&'a mut self, spec: &ArraySpec) -> Arg<'a> {
        macro_rules! arg {
            ($($v:ident $t:ty),*) => {
                match self {
                    $(Buf::$v(a) => view_arg(a, spec),)*
                }
            };
        }
        each_elem!(arg)
    }

    fn same(&self, other: &Buf) -> Result<(), String> {
        macro_rules! same {
            ($($v:ident $t:ty),*) => {
                match (self, other) {
                    $((Buf::$v(a), Buf::$v(b)) => same_elements(a, b),)*
                    _ => Err("element types differ".into()),
                }
            };
        }
        each_elem!(same)
    }
}

fn scalar_arg(ty: Scalar, bits: u128) -> Arg<'static> {
    macro_rules! scalar {
        ($($v:ident $t:ty),*) => {
            match ty {
                $(Scalar::$v => <$t as Elem>::from_bits(bits).into_arg(),)*
                Scalar::C32 | Scalar::C64 => unreachable!("the generator makes no complex numbers"),
            }
        };
    }
    each_elem!(scalar)
}

/// A readable form of an argument.
fn describe(spec: &ArgSpec) -> String {
    match spec {
        ArgSpec::Scalar(ty, bits) => {
            macro_rules! show {
                ($($v:ident $t:ty),*) => {
                    match ty {
                        $(Scalar::$v => format!("{:?}_{ty}", <$t as Elem>::from_bits(*bits)),)*
                        Scalar::C32 | Scalar::C64 => unreachable!("the generator makes no complex numbers"),
                    }
                };
            }
            each_elem!(show)
        }
        ArgSpec::Array(a) => {
            let b = Buf::new(a);
            let data = match &b {
                Buf::Bool(x) => format!("{:?}", x.as_slice()),
                Buf::I8(x) => format!("{:?}", x.as_slice()),
                Buf::I16(x) => format!("{:?}", x.as_slice()),
                Buf::I32(x) => format!("{:?}", x.as_slice()),
                Buf::I64(x) => format!("{:?}", x.as_slice()),
                Buf::Isize(x) => format!("{:?}", x.as_slice()),
                Buf::I128(x) => format!("{:?}", x.as_slice()),
                Buf::U8(x) => format!("{:?}", x.as_slice()),
                Buf::U16(x) => format!("{:?}", x.as_slice()),
                Buf::U32(x) => format!("{:?}", x.as_slice()),
                Buf::U64(x) => format!("{:?}", x.as_slice()),
                Buf::Usize(x) => format!("{:?}", x.as_slice()),
                Buf::U128(x) => format!("{:?}", x.as_slice()),
                Buf::F32(x) => format!("{:?}", x.as_slice()),
                Buf::F64(x) => format!("{:?}", x.as_slice()),
            };
            let access = if a.writable { "mut" } else { "ro" };
            format!(
                "{} {access} base {:?} ops {:?} data {data}",
                a.elem, a.base, a.ops
            )
        }
    }
}

// ---- running and comparing ----

/// What one call did: its result (or the panic it raised) and the base arrays afterwards.
struct Outcome {
    result: Result<Result<Value, Error>, String>,
    arrays: Vec<Option<Buf>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    /// The JIT (`prange` on the global pool).
    Jit,
    /// The JIT inside a rayon pool of this many threads.
    Pool(usize),
    /// The kernel on the GPU (`Kernel::cuda`).
    Gpu,
    Interpreter,
}

/// What a case's calls are compared with the interpreter's by.
#[derive(Clone, Copy, Debug)]
struct Check {
    engine: Engine,
    /// A `prange` kernel (`gen::parallel_case`): after an error, iterations after the failing
    /// one may have run too, so the arrays are compared only when the call succeeds.
    parallel: bool,
}

const SERIAL: Check = Check {
    engine: Engine::Jit,
    parallel: false,
};

/// A rayon pool of `n` threads (1, 3 or 8), made once.
fn pool(n: usize) -> &'static rayon::ThreadPool {
    static POOLS: std::sync::OnceLock<[rayon::ThreadPool; 3]> = std::sync::OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        [1, 3, 8].map(|k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .expect("a thread pool")
        })
    });
    match n {
        1 => &pools[0],
        3 => &pools[1],
        _ => &pools[2],
    }
}

/// The buffers of a case's array arguments (`None` for a scalar).
fn buffers(set: &[ArgSpec]) -> Vec<Option<Buf>> {
    set.iter()
        .map(|a| match a {
            ArgSpec::Array(s) => Some(Buf::new(s)),
            ArgSpec::Scalar(..) => None,
        })
        .collect()
}

/// The arguments of a call: the `buffers` of `set` as its arrays, its scalars.
fn call_args<'a>(arrays: &'a mut [Option<Buf>], set: &[ArgSpec]) -> Vec<Arg<'a>> {
    arrays
        .iter_mut()
        .zip(set)
        .map(|(buf, spec)| match (buf, spec) {
            (Some(b), ArgSpec::Array(s)) => b.arg(s),
            (_, ArgSpec::Scalar(ty, bits)) => scalar_arg(*ty, *bits),
            (None, ArgSpec::Array(_)) => unreachable!(),
        })
        .collect()
}

fn run(kernel: &Kernel, set: &[ArgSpec], engine: Engine) -> Outcome {
    let mut arrays = buffers(set);
    // The arguments are made where the call runs (an `Arg` stays on its thread).
    let call = |arrays: &mut Vec<Option<Buf>>| {
        let args = call_args(arrays, set);
        match engine {
            Engine::Jit | Engine::Pool(_) => kernel.call(&args),
            Engine::Gpu => kernel.cuda().call(&args),
            Engine::Interpreter => kernel.interpret(&args),
        }
    };
    let result = {
        catch_unwind(AssertUnwindSafe(|| match engine {
            Engine::Pool(n) => pool(n).install(|| call(&mut arrays)),
            _ => call(&mut arrays),
        }))
        .map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    };
    Outcome { result, arrays }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

fn show(r: &Result<Result<Value, Error>, String>) -> String {
    match r {
        Ok(Ok(v)) => format!("Ok({v:?})"),
        Ok(Err(e)) => format!("Err({e:?})"),
        Err(panic) => format!("panic: {panic}"),
    }
}

/// How a comparison came out.
enum Verdict {
    /// Both returned this (a value, or an error of a run-time check).
    Agree(&'static str),
    /// The kernel does not compile: a generator or compiler bug either way.
    Rejected(String),
    Disagree(String),
}

fn compare(jit: &Outcome, int: &Outcome, check: Check) -> Verdict {
    if let Ok(Err(e)) = &jit.result {
        if let ErrorKind::Syntax { .. }
        | ErrorKind::Type { .. }
        | ErrorKind::Argument { .. }
        | ErrorKind::Compile { .. }
        | ErrorKind::Internal { .. }
        | ErrorKind::Return { .. }
        | ErrorKind::Cuda { .. } = e.kind()
        {
            return Verdict::Rejected(format!("{e:#}"));
        }
    }
    // GPU threads fail in any order, each at its own check: when the serial run fails, the GPU
    // must fail too, at whichever iteration's check its threads reached first.
    let same_error = |a: &Error, b: &Error| check.engine == Engine::Gpu || a == b;
    let kind = match (&jit.result, &int.result) {
        (Ok(Ok(a)), Ok(Ok(b))) if same_value(a, b) => "ok",
        (Ok(Err(a)), Ok(Err(b))) if same_error(a, b) => match a.kind() {
            ErrorKind::OutOfBounds { .. } => "out of bounds",
            ErrorKind::DivisionByZero { .. } => "division by zero",
            ErrorKind::Overflow { .. } => "overflow",
            _ => "invalid value",
        },
        _ => {
            return Verdict::Disagree(format!(
                "results differ:\n  {:<12} {}\n  interpreter: {}",
                format!("{:?}:", check.engine).to_lowercase(),
                show(&jit.result),
                show(&int.result)
            ))
        }
    };
    if check.parallel && kind != "ok" {
        return Verdict::Agree(kind);
    }
    for (i, (a, b)) in jit.arrays.iter().zip(&int.arrays).enumerate() {
        if let (Some(a), Some(b)) = (a, b) {
            if let Err(why) = a.same(b) {
                return Verdict::Disagree(format!("argument {} differs afterwards: {why}", i + 1));
            }
        }
    }
    Verdict::Agree(kind)
}

/// Runs one argument set through `check`'s engine and the interpreter.
fn check_set(kernel: &Kernel, set: &[ArgSpec], check: Check) -> Verdict {
    let jit = run(kernel, set, check.engine);
    let int = run(kernel, set, Engine::Interpreter);
    compare(&jit, &int, check)
}

/// Runs every argument set of a case through every check; the first that does not agree.
fn check_case(case: &Case, checks: &[Check], tally: &Tally) -> Result<(), (usize, Check, Verdict)> {
    let kernel = Kernel::from_source(&case.source, "k");
    if case.race {
        // Rejected at specialization, whatever the arguments: one call says.
        let got = run(&kernel, &case.arg_sets[0], Engine::Jit);
        return match &got.result {
            Ok(Err(e)) if matches!(e.kind(), ErrorKind::Type { message, .. } if message.starts_with("data race")) =>
            {
                tally.add("race rejected");
                Ok(())
            }
            other => Err((
                0,
                checks[0],
                Verdict::Disagree(format!(
                    "a kernel with a racing access was not rejected as a data race: {}",
                    show(other)
                )),
            )),
        };
    }
    for (i, set) in case.arg_sets.iter().enumerate() {
        for &check in checks {
            match check_set(&kernel, set, check) {
                Verdict::Agree(kind) => tally.add(kind),
                v => return Err((i, check, v)),
            }
        }
    }
    Ok(())
}

/// Counts of how the calls ended, to see what the generated kernels exercise.
#[derive(Default)]
struct Tally {
    counts: Mutex<Vec<(&'static str, usize)>>,
}

impl Tally {
    fn add(&self, kind: &'static str) {
        let mut c = self.counts.lock().unwrap();
        match c.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => c.push((kind, 1)),
        }
    }

    fn summary(&self) -> String {
        let c = self.counts.lock().unwrap();
        c.iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// ---- minimizing ----

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The last line of the statement that starts at `i`: itself, or the `}` closing its block (and
/// any `else` blocks after it).
fn statement_end(lines: &[&str], i: usize) -> usize {
    if !lines[i].trim_end().ends_with('{') {
        return i;
    }
    let d = indent(lines[i]);
    let mut j = i + 1;
    while j < lines.len() {
        let t = lines[j].trim();
        if indent(lines[j]) == d && t.starts_with('}') && !t.ends_with('{') {
            return j;
        }
        j += 1;
    }
    i
}

/// Ranges of lines whose removal leaves well-formed source: statements (with their blocks),
/// `else` parts, and whole helper functions.
fn removable(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..lines.len() {
        let t = lines[i].trim();
        if t.is_empty() || t.starts_with("fn k(") || t == "}" {
            continue;
        }
        if t.starts_with('}') {
            // `} else {`: drop the else part, up to (not including) the closing `}`.
            let end = statement_end(lines, i);
            if end > i {
                out.push((i, end - 1));
            }
            continue;
        }
        out.push((i, statement_end(lines, i)));
    }
    out
}

/// Removes statements from `source` while `fails` holds: passes over the removable ranges, outer
/// blocks first, until a pass removes nothing (or two minutes have passed).
fn minimize(source: &str, fails: &dyn Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut current = source.to_string();
    let mut changed = true;
    while changed && Instant::now() < deadline {
        changed = false;
        let mut i = 0;
        loop {
            let lines: Vec<&str> = current.lines().collect();
            let ranges = removable(&lines);
            if i >= ranges.len() || Instant::now() >= deadline {
                break;
            }
            let (a, b) = ranges[i];
            let candidate: Vec<&str> = lines[..a].iter().chain(&lines[b + 1..]).copied().collect();
            let candidate = candidate.join("\n") + "\n";
            if fails(&candidate) {
                // The range after the removed one now has index `i`.
                current = candidate;
                changed = true;
            } else {
                i += 1;
            }
        }
    }
    current
}

/// Minimizes a failing case and renders the report.
fn report(case_seed: u64, case: &Case, set: usize, check: Check, verdict: &Verdict) -> String {
    let args = &case.arg_sets[set];
    let why = match verdict {
        Verdict::Rejected(e) => format!("kernel rejected: {e}"),
        Verdict::Disagree(d) => d.clone(),
        Verdict::Agree(_) => String::new(),
    };
    let still_fails = |src: &str| {
        let kernel = Kernel::from_source(src, "k");
        match (verdict, check_set(&kernel, args, check)) {
            (Verdict::Disagree(_), Verdict::Disagree(_)) => true,
            (Verdict::Rejected(a), Verdict::Rejected(b)) => a.lines().next() == b.lines().next(),
            _ => false,
        }
    };
    // GPU runs are slow to repeat: their failures are reported as generated.
    let small = match check.engine {
        Engine::Gpu => case.source.clone(),
        _ => minimize(&case.source, &still_fails),
    };
    let kernel = Kernel::from_source(&small, "k");
    let jit = run(&kernel, args, check.engine);
    let int = run(&kernel, args, Engine::Interpreter);
    let mut out = format!(
        "case seed {case_seed} (RUMBA_DIFF_CASE={case_seed}), argument set {set}, {check:?}: {why}\n"
    );
    out += &format!("--- minimized source ---\n{small}--- arguments ---\n");
    for a in args {
        out += &format!("  {}\n", describe(a));
    }
    out += &format!(
        "--- outcomes ---\n  {:<12} {}\n  interpreter: {}\n",
        format!("{:?}:", check.engine).to_lowercase(),
        show(&jit.result),
        show(&int.result)
    );
    if let Verdict::Disagree(d) = compare(&jit, &int, check) {
        out += &format!("  {d}\n");
    }
    out += &format!("--- original source ---\n{}", case.source);
    out
}

// ---- the tests ----

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// A generator of cases, the checks for a case, and how many cases a run makes.
struct Suite {
    name: &'static str,
    generate: fn(u64) -> Case,
    checks: fn(&Case) -> Vec<Check>,
    /// The environment variable that sets the number of cases.
    cases_var: &'static str,
    /// Otherwise: `cases` cases, from `fixed_seed` unless `RUMBA_DIFF_SEED` gives another.
    fixed_seed: u64,
    cases: u64,
}

const RANDOM: Suite = Suite {
    name: "differential",
    generate: gen::case,
    checks: |_| vec![SERIAL],
    cases_var: "RUMBA_DIFF_CASES",
    fixed_seed: 0x5EED_2026,
    cases: 2000,
};

/// `prange` kernels on the CPU's thread pool and, with a CUDA device, on the GPU too (those whose
/// results do not depend on libdevice's precision), against the interpreter's serial run.
const PARALLEL: Suite = Suite {
    name: "differential prange",
    generate: gen::parallel_case,
    checks: |case| {
        // The global pool (two threads in CI), and pools of 1, 3 and 8 threads.
        let mut checks: Vec<Check> = [
            Engine::Jit,
            Engine::Pool(1),
            Engine::Pool(3),
            Engine::Pool(8),
        ]
        .into_iter()
        .map(|engine| Check {
            engine,
            parallel: true,
        })
        .collect();
        if rumba::cuda::is_available() && gen::exact_on_gpu(&case.source) {
            checks.push(Check {
                engine: Engine::Gpu,
                parallel: true,
            });
        }
        checks
    },
    cases_var: "RUMBA_DIFF_PAR_CASES",
    fixed_seed: 0x9A7A_11E1,
    cases: 600,
};

/// Loop nests of the shapes versioning and unroll-and-jam rewrite (`gen::nest_case`), against
/// the interpreter, which runs the program as written.
const NESTS: Suite = Suite {
    name: "differential nests",
    generate: gen::nest_case,
    checks: |_| vec![SERIAL],
    cases_var: "RUMBA_DIFF_NEST_CASES",
    fixed_seed: 0x0E57_2026,
    cases: 600,
};

/// Three-deep nests of the shapes register tiling rewrites (`gen::tile_case`), against the
/// interpreter, which runs the program as written.
const TILES: Suite = Suite {
    name: "differential tiles",
    generate: gen::tile_case,
    checks: |_| vec![SERIAL],
    cases_var: "RUMBA_DIFF_TILE_CASES",
    fixed_seed: 0x711E_2026,
    cases: 300,
};

/// Loops branching on where their counter lies (`gen::split_case`), the shapes index-set
/// splitting rewrites, against the interpreter, which runs the program as written.
const SPLITS: Suite = Suite {
    name: "differential splits",
    generate: gen::split_case,
    checks: |_| vec![SERIAL],
    cases_var: "RUMBA_DIFF_SPLIT_CASES",
    fixed_seed: 0x5B11_2026,
    cases: 300,
};

/// Chains of array expressions (`gen::chain_case`): what extent versioning, fusion and
/// contraction rewrite, against the interpreter, which runs the program as written.
const CHAINS: Suite = Suite {
    name: "differential chains",
    generate: gen::chain_case,
    checks: |_| vec![SERIAL],
    cases_var: "RUMBA_DIFF_CHAIN_CASES",
    fixed_seed: 0xC4A1_2026,
    cases: 150,
};

/// Runs a suite (see the module doc for the environment), failing with the minimized reports.
fn run_suite(suite: &Suite) {
    let tally = Tally::default();
    if let Some(c) = env_u64("RUMBA_DIFF_CASE") {
        return replay(suite, c, &tally);
    }
    let seed = env_u64("RUMBA_DIFF_SEED").unwrap_or(suite.fixed_seed);
    let cases = env_u64(suite.cases_var).unwrap_or(suite.cases);
    let seeds: Vec<u64> = (0..cases).map(|i| gen::case_seed(seed, i)).collect();
    println!(
        "{}: {} kernels{}, seed {seed} (RUMBA_DIFF_SEED={seed})",
        suite.name,
        seeds.len(),
        if rumba::cuda::is_available() {
            " (a GPU is present)"
        } else {
            ""
        }
    );
    let start = Instant::now();
    let deadline = env_u64("RUMBA_DIFF_SECONDS").map(|s| start + Duration::from_secs(s));
    let (failures, ran) = run_cases(suite, &seeds, &tally, deadline);
    println!(
        "{}: {ran} kernels in {:.1?}; calls: {}",
        suite.name,
        start.elapsed(),
        tally.summary()
    );
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// `RUMBA_DIFF_CASE=c`: case `c` alone, its source, arguments and every engine's outcome.
fn replay(suite: &Suite, c: u64, tally: &Tally) {
    let case = (suite.generate)(c);
    println!("{}", case.source);
    let kernel = Kernel::from_source(&case.source, "k");
    let checks = (suite.checks)(&case);
    for set in &case.arg_sets {
        println!("arguments:");
        for a in set {
            println!("  {}", describe(a));
        }
        for check in &checks {
            let got = run(&kernel, set, check.engine);
            println!(
                "  {:<12} {}",
                format!("{:?}:", check.engine).to_lowercase(),
                show(&got.result)
            );
        }
        let int = run(&kernel, set, Engine::Interpreter);
        println!("  interpreter: {}", show(&int.result));
    }
    let r = check_case(&case, &checks, tally);
    assert!(
        r.is_ok(),
        "{}",
        r.map_err(|(set, check, v)| report(c, &case, set, check, &v))
            .unwrap_err()
    );
}

/// Runs cases `seeds` on all cores; returns the failure reports (at most a few, minimized).
/// Stops starting cases at `deadline`; returns the failure reports and the number of cases run.
fn run_cases(
    suite: &Suite,
    seeds: &[u64],
    tally: &Tally,
    deadline: Option<Instant>,
) -> (Vec<String>, usize) {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    type Failure = (u64, Case, usize, Check, Verdict);
    let failures: Mutex<Vec<Failure>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            // The compiler recurses on expression depth: give it room.
            let worker = std::thread::Builder::new().stack_size(64 << 20);
            worker
                .spawn_scoped(s, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let late = deadline.is_some_and(|d| Instant::now() >= d);
                    if i >= seeds.len() || late || failures.lock().unwrap().len() >= 3 {
                        break;
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                    let case = (suite.generate)(seeds[i]);
                    if let Err((set, check, verdict)) =
                        check_case(&case, &(suite.checks)(&case), tally)
                    {
                        eprintln!(
                            "differential: case seed {} fails (argument set {set}); minimizing",
                            seeds[i]
                        );
                        failures
                            .lock()
                            .unwrap()
                            .push((seeds[i], case, set, check, verdict));
                    }
                })
                .expect("spawn a worker");
        }
    });
    let failures = failures.into_inner().unwrap();
    let reports = failures
        .iter()
        .map(|(seed, case, set, check, verdict)| report(*seed, case, *set, *check, verdict))
        .collect();
    (reports, done.into_inner())
}

#[test]
fn differential_random() {
    run_suite(&RANDOM);
}

/// `prange` kernels (`gen::parallel_case`); `RUMBA_DIFF_PAR_CASES=n` sets their number.
#[test]
fn differential_prange() {
    if !rumba::cuda::is_available() {
        crate::skip("RUMBA_REQUIRE_GPU", "the GPU side (no CUDA device)");
    }
    run_suite(&PARALLEL);
}

/// Without a device, the GPU side of the `prange` kernels with complex arithmetic (exact, so
/// `differential_prange` runs them on a GPU): each one's PTX assembles (`ptxas`), or `plan`
/// refuses the kernel with a diagnostic (code around the loop that stores, ..).
#[test]
fn generated_complex_prange_kernels_assemble_for_the_gpu() {
    let Some(tk) = crate::gpu::toolkit() else {
        return crate::skip(
            "RUMBA_REQUIRE_PTXAS",
            "no ptxas (scripts/test.sh installs one)",
        );
    };
    let (mut assembled, mut refused) = (0, 0);
    for i in 0..2000 {
        let case = gen::parallel_case(gen::case_seed(PARALLEL.fixed_seed, i));
        if case.race || !case.source.contains("Complex::new") || !gen::exact_on_gpu(&case.source) {
            continue;
        }
        let kernel = Kernel::from_source(&case.source, "k");
        let set = &case.arg_sets[0];
        let mut arrays = buffers(set);
        let args = call_args(&mut arrays, set);
        match kernel.cuda().ptx(&args, "sm_80") {
            Ok(ptx) => {
                crate::gpu::assemble(tk, &format!("complex case {i}"), "sm_80", &ptx);
                assembled += 1;
            }
            Err(e) => match e.kind() {
                ErrorKind::Cuda {
                    location: Some(_), ..
                } => refused += 1,
                ErrorKind::NoCuda { message, .. } => {
                    return crate::skip("RUMBA_REQUIRE_PTXAS", message)
                }
                _ => panic!("case {i}: {e:#}\n{}", case.source),
            },
        }
    }
    println!("{assembled} complex `prange` kernels assembled, {refused} refused by the GPU plan");
    assert!(assembled >= 20, "{assembled} assembled");
}

#[test]
fn differential_nests() {
    run_suite(&NESTS);
}

/// Three-deep nests (`gen::tile_case`); `RUMBA_DIFF_TILE_CASES=n` sets their number.
#[test]
fn differential_tiles() {
    run_suite(&TILES);
}

/// Loops split on their counter's range (`gen::split_case`); `RUMBA_DIFF_SPLIT_CASES=n` sets
/// their number.
#[test]
fn differential_splits() {
    run_suite(&SPLITS);
}

/// Array-expression chains (`gen::chain_case`); `RUMBA_DIFF_CHAIN_CASES=n` sets their number.
#[test]
fn differential_chains() {
    run_suite(&CHAINS);
}

/// The generator draws its methods from the intrinsics table: a method added there is called by
/// the random kernels (or, when its arguments need a form of their own, this test names it).
#[test]
fn generated_kernels_call_every_intrinsic() {
    let sources: Vec<String> = (0..300)
        .map(|i| gen::case(gen::case_seed(1, i)).source)
        .collect();
    use rumba_compiler::ir::{Receiver, Rel};
    // The generator makes no complex numbers yet: their primitives (`re`, `im`, `Complex::new`)
    // are tested against num-complex by `constructs_complex`.
    let complex = |d: &rumba_compiler::ir::IntrinsicDesc| {
        d.receivers.contains(&Receiver::Complex) || d.ret == Rel::Complex
    };
    for d in rumba_compiler::ir::Intrinsic::TABLE
        .iter()
        .filter(|d| !complex(d))
    {
        // Path calls (`f64::from_bits(u)`) are named by their path.
        let call = match d.method() {
            path if path.contains("::") => format!("{path}("),
            method => format!(".{method}("),
        };
        assert!(
            sources.iter().any(|s| s.contains(&call)),
            "no generated kernel calls `{}`: teach tests/differential/gen.rs to",
            d.method()
        );
    }
}

/// Some random kernels call a recursive helper (`r(d, x)`, `gen/kernel.rs`), from the kernel.
#[test]
fn generated_kernels_recurse() {
    let calls = (0..300)
        .map(|i| gen::case(gen::case_seed(1, i)).source)
        .filter(|s| {
            s.contains("let y = r(d - 1, ")
                && s.split("fn k(").nth(1).is_some_and(|k| k.contains("r(("))
        })
        .count();
    assert!(
        calls >= 10,
        "{calls} of 300 kernels call a recursive helper"
    );
}

/// Some random kernels compute with complex numbers and `match` on tuples (`gen/expr.rs`).
#[test]
fn generated_kernels_use_complex_and_tuple_match() {
    let sources: Vec<String> = (0..300)
        .map(|i| gen::case(gen::case_seed(1, i)).source)
        .collect();
    let complex = sources
        .iter()
        .filter(|s| s.contains("Complex::new("))
        .count();
    let tuples = sources.iter().filter(|s| s.contains(", true) =>")).count();
    assert!(
        complex >= 10,
        "{complex} of 300 kernels use complex numbers"
    );
    assert!(tuples >= 10, "{tuples} of 300 kernels match on a tuple");
}

/// Some random kernels call a helper that builds, writes and copies a struct (`st(x, y)`,
/// `gen/kernel.rs`).
#[test]
fn generated_kernels_use_structs() {
    let calls = (0..300)
        .map(|i| gen::case(gen::case_seed(1, i)).source)
        .filter(|s| {
            s.contains("struct S {") && s.split("fn k(").nth(1).is_some_and(|k| k.contains(" st("))
        })
        .count();
    assert!(calls >= 10, "{calls} of 300 kernels call a struct helper");
}

/// A third of the random kernels draw `i128` and `u128` among their types (`gen/mod.rs`): as
/// scalar and array arguments, locals, in casts and as literals at their edges.
#[test]
fn generated_kernels_use_128_bit_integers() {
    let cases: Vec<Case> = (0..300).map(|i| gen::case(gen::case_seed(1, i))).collect();
    let wide = |t: &Scalar| matches!(t, Scalar::I128 | Scalar::U128);
    let args = |array: bool| {
        cases
            .iter()
            .filter(|c| {
                c.arg_sets[0].iter().any(|a| match a {
                    ArgSpec::Scalar(t, _) => !array && wide(t),
                    ArgSpec::Array(s) => array && wide(&s.elem),
                })
            })
            .count()
    };
    let count = |pats: [&str; 2]| {
        cases
            .iter()
            .filter(|c| pats.iter().any(|p| c.source.contains(p)))
            .count()
    };
    let counts = [
        (count(["i128", "u128"]), 60, "use 128-bit integers"),
        (args(false), 5, "take a 128-bit scalar"),
        (args(true), 5, "take an array of 128-bit integers"),
        (
            count([": i128 = ", ": u128 = "]),
            10,
            "annotate a 128-bit local",
        ),
        (count([" as i128)", " as u128)"]), 10, "cast to 128 bits"),
        (
            count(["i128::M", "u128::M"]),
            10,
            "name a 128-bit MIN or MAX",
        ),
    ];
    for (n, least, what) in counts {
        println!("{n} of 300 kernels {what}");
        assert!(n >= least, "{n} of 300 kernels {what}");
    }
}

// ---- regressions: disagreements and rejections the random kernels found ----

fn scalar<T: Elem>(v: T) -> ArgSpec {
    ArgSpec::Scalar(T::SCALAR, v.to_bits())
}

fn array<T: Elem>(shape: &[usize], data: &[T], writable: bool, ops: Vec<ViewOp>) -> ArgSpec {
    let data = data.iter().map(|x| x.to_bits()).collect();
    ArgSpec::Array(ArraySpec {
        elem: T::SCALAR,
        writable,
        base: shape.to_vec(),
        data,
        ops,
    })
}

/// Runs `source`'s kernel `k` on `args` with both engines; they must agree. Returns the result.
fn agree(source: &str, args: Vec<ArgSpec>) -> Result<Value, Error> {
    let kernel = Kernel::from_source(source, "k");
    let jit = run(&kernel, &args, Engine::Jit);
    let int = run(&kernel, &args, Engine::Interpreter);
    match compare(&jit, &int, SERIAL) {
        Verdict::Agree(_) => jit.result.expect("no panic"),
        Verdict::Rejected(e) => panic!("kernel rejected:\n{e}"),
        Verdict::Disagree(d) => panic!("{d}"),
    }
}

/// A block statement (`{ ..; }`) ending a loop body was taken for the body's value and rejected
/// ("this block has no value"). Fixed in `front/lower.rs` (`is_statement_like`).
#[test]
fn regression_block_statement_ends_a_body() {
    let source = "
fn k(a0) -> u32 {
    for i in (0usize)..(a0.shape()[0]) {
        {
            a0[i] = 7u32;
            if false {
                break;
            }
        }
    }
    1u32
}
";
    let r = agree(source, vec![array(&[3], &[1u32, 2, 3], true, vec![])]);
    assert_eq!(r, Ok(Value::U32(1)));
}

/// `a[[i, j]]` evaluates the whole index before checking it, as Rust does: the JIT checked `i`
/// before evaluating `j`, so an out-of-bounds `i` hid a division by zero in `j`. Fixed in
/// `back/emit/mod.rs` (`element_ptr`).
#[test]
fn regression_index_evaluated_before_bounds_checks() {
    let source = "
fn k(s0: bool, a0: ArrayViewMut3<u64>) {
    if ((u32::MIN.wrapping_add(0u32) >> a0[[0usize, (4294967295u32 as usize), ((0usize ^ 1usize) % a0.shape()[2])]]) >= (254u8 as u32).wrapping_neg()) {
    }
}
";
    let r = agree(
        source,
        vec![scalar(true), array::<u64>(&[4, 3, 0], &[], true, vec![])],
    );
    assert!(
        matches!(
            r.as_ref().map_err(rumba::Error::kind),
            Err(ErrorKind::DivisionByZero { .. })
        ),
        "{r:?}"
    );
}

/// The division-by-zero error showed an unsigned dividend sign-extended (`-1133781583` for
/// `3161185713u32`). Fixed in `back/emit/expr.rs` (`int_division`).
#[test]
fn regression_unsigned_dividend_in_error() {
    let source = "
fn k(x: u32) -> u32 {
    ((3161185713u32 / x) / 0x1u32)
}
";
    let r = agree(source, vec![scalar(0u32)]);
    match r {
        Err(e) if matches!(e.kind(), ErrorKind::DivisionByZero { .. }) => assert!(
            format!("{e:#}").contains("attempt to divide `3161185713` by zero"),
            "{e:#}"
        ),
        other => panic!("{other:?}"),
    }
}

/// Strided, reversed, transposed and broadcast views of every kind read and write the same
/// elements in both engines, elements outside the views untouched.
#[test]
fn views_agree() {
    let source = "
fn k(a, b) -> f64 {
    let (n, m) = a.dim();
    let mut s = 0.0f64;
    for i in 0..n {
        for j in (0..m).rev() {
            a[[i, j]] = a[[i, j]] * 2.0f64 + b[[i % b.shape()[0], j % b.shape()[1]]];
            s += a[[i, j]];
        }
    }
    s
}
";
    let data: Vec<f64> = (0..24).map(|x| x as f64 * 0.5 - 3.0).collect();
    let small: Vec<f64> = (0..6).map(|x| x as f64).collect();
    let views = [
        vec![],
        vec![ViewOp::Transpose],
        vec![ViewOp::Invert(1)],
        vec![ViewOp::Slice {
            axis: 0,
            start: 0,
            end: None,
            step: -2,
        }],
        vec![
            ViewOp::Slice {
                axis: 1,
                start: 1,
                end: Some(-1),
                step: 1,
            },
            ViewOp::Invert(0),
        ],
    ];
    for ops in views {
        let base = if ops.contains(&ViewOp::Transpose) {
            [6, 4]
        } else {
            [4, 6]
        };
        let b = array(&[1, 6], &small, false, vec![ViewOp::Broadcast(vec![3, 6])]);
        assert!(agree(source, vec![array(&base, &data, true, ops.clone()), b]).is_ok());
    }
}
