//! Random kernels for the differential tests: well-typed kernel source and arguments to call it.
//!
//! In: a seed. Out: a [`Case`]: the text of a `compile!` block whose kernel `k` takes 1 to 6
//! arguments (arrays of every dtype, 1-D to 3-D, read-only or writable; scalars of every type), and
//! a few argument sets for it ([`ArgSpec`]s: edge values, zero-length arrays, strided, reversed,
//! transposed and broadcast views). The kernels use every construct of the kernel language but
//! `prange` (see `for_stmt`): nested `for` loops over `a..b`, `a..=b`, `.rev()` and `.step_by(k)`,
//! `while` and `loop` with `break` and `continue`, early returns, `if`/`else` statements and expressions, blocks as values,
//! helper functions (with array parameters, calling each other), every operator, cast and numeric
//! method, shape queries, and loads and stores on arrays.
//!
//! Every kernel terminates: each loop's trip count is bounded by construction (literal bounds a few
//! apart, `% K` bounds, array extents, `while`/`loop` counters incremented before anything can
//! `continue`), whatever the values. Literals always carry their type suffix, so every expression
//! has one type and the kernels type-check for the types they are generated for.

use rumba_compiler::ir::{Const, Scalar};
use std::fmt::Write;

/// SplitMix64: small, fast and good enough to drive a generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn percent(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// The seed of case `index` of a run with seed `seed`.
pub fn case_seed(seed: u64, index: u64) -> u64 {
    let mut r = Rng::new(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    r.next_u64()
}

pub const INTS: [Scalar; 10] = [
    Scalar::I8,
    Scalar::I16,
    Scalar::I32,
    Scalar::I64,
    Scalar::Isize,
    Scalar::U8,
    Scalar::U16,
    Scalar::U32,
    Scalar::U64,
    Scalar::Usize,
];
pub const FLOATS: [Scalar; 2] = [Scalar::F32, Scalar::F64];

// ---- values ----

/// An integer of type `ty`: mostly edge values (0, ±1, MIN, MAX, small), sometimes any.
pub fn int_value(rng: &mut Rng, ty: Scalar) -> i128 {
    let (min, max) = ty.int_range();
    match rng.below(12) {
        0 => 0,
        1 => 1,
        2 => (-1i128).max(min),
        3 => min,
        4 => max,
        5 => (max - 1).max(min + 1),
        6..=8 => (rng.below(17) as i128 - 8).clamp(min, max),
        _ => Const {
            ty,
            bits: rng.next_u64(),
        }
        .as_i128(),
    }
}

/// A float of type `ty` (exact in it): edge values (±0, ±inf, NaN, MAX, MIN_POSITIVE, subnormals,
/// EPSILON), small numbers, and any bit pattern.
pub fn float_value(rng: &mut Rng, ty: Scalar) -> f64 {
    let v = match rng.below(16) {
        0 => 0.0,
        1 => -0.0,
        2 => 1.0,
        3 => -1.0,
        4 => f64::NAN,
        5 => f64::INFINITY,
        6 => f64::NEG_INFINITY,
        7 => {
            if ty == Scalar::F32 {
                f32::MAX as f64
            } else {
                f64::MAX
            }
        }
        8 => {
            if ty == Scalar::F32 {
                f32::MIN_POSITIVE as f64 / 8.0
            } else {
                f64::MIN_POSITIVE / 8.0
            }
        }
        9 => {
            if ty == Scalar::F32 {
                f32::EPSILON as f64
            } else {
                f64::EPSILON
            }
        }
        10 => {
            if ty == Scalar::F32 {
                -(f32::MIN_POSITIVE as f64)
            } else {
                -f64::MIN_POSITIVE
            }
        }
        11 => {
            if ty == Scalar::F32 {
                f32::from_bits(rng.next_u64() as u32) as f64
            } else {
                f64::from_bits(rng.next_u64())
            }
        }
        12 => (rng.below(2001) as f64 - 1000.0) * 1e-3 * 10f64.powi(rng.below(13) as i32 - 6),
        _ => (rng.below(41) as f64 - 20.0) / 4.0,
    };
    if ty == Scalar::F32 {
        v as f32 as f64
    } else {
        v
    }
}

/// The in-memory bits of a random value of `ty` (floats as `to_bits`, `bool` as 0 or 1).
pub fn value_bits(rng: &mut Rng, ty: Scalar) -> u64 {
    match ty {
        Scalar::Bool => rng.below(2) as u64,
        Scalar::F32 => {
            let v = float_value(rng, ty);
            // Keep NaN payloads of random bit patterns.
            if v.is_nan() && rng.percent(50) {
                (rng.next_u64() as u32 | 0x7fc0_0000) as u64
            } else {
                (v as f32).to_bits() as u64
            }
        }
        Scalar::F64 => float_value(rng, ty).to_bits(),
        t => Const::int(t, int_value(rng, t)).bits,
    }
}

/// Source text of a constant of `ty` with value `v` (floats: `v` is exact in `ty`).
fn int_literal(rng: &mut Rng, ty: Scalar, v: i128) -> String {
    let (min, max) = ty.int_range();
    if v == max && rng.percent(40) {
        return format!("{ty}::MAX");
    }
    if v == min && rng.percent(40) {
        return format!("{ty}::MIN");
    }
    if v < 0 {
        format!("(-{}{ty})", v.unsigned_abs())
    } else if rng.percent(10) {
        format!("0x{v:x}{ty}")
    } else {
        format!("{v}{ty}")
    }
}

/// Whether `text` is a variable's name.
fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn float_literal(ty: Scalar, v: f64) -> String {
    if v.is_nan() {
        return format!("{ty}::NAN");
    }
    if v.is_infinite() {
        return if v > 0.0 {
            format!("{ty}::INFINITY")
        } else {
            format!("{ty}::NEG_INFINITY")
        };
    }
    let text = if ty == Scalar::F32 {
        format!("{:?}", v as f32)
    } else {
        format!("{v:?}")
    };
    match text.strip_prefix('-') {
        Some(abs) => format!("(-{abs}{ty})"),
        None => format!("{text}{ty}"),
    }
}

// ---- kernels ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArrayParam {
    pub elem: Scalar,
    pub ndim: usize,
    pub writable: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum Param {
    Scalar(Scalar),
    Array(ArrayParam),
}

/// How an argument is built: a scalar's type and bits, or an array.
#[derive(Clone, Debug)]
pub enum ArgSpec {
    Scalar(Scalar, u64),
    Array(ArraySpec),
}

/// An array argument: a C-order array of shape `base` holding `data` (bits as in [`value_bits`]),
/// passed as the view that `ops` make of it, in order.
#[derive(Clone, Debug)]
pub struct ArraySpec {
    pub elem: Scalar,
    pub writable: bool,
    pub base: Vec<usize>,
    pub data: Vec<u64>,
    pub ops: Vec<ViewOp>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ViewOp {
    /// `broadcast(shape)` of the base array (read-only views only; always the first op).
    Broadcast(Vec<usize>),
    /// `slice_axis_inplace(Axis(axis), Slice::new(start, end, step))`.
    Slice {
        axis: usize,
        start: isize,
        end: Option<isize>,
        step: isize,
    },
    /// `invert_axis(Axis(axis))`.
    Invert(usize),
    /// `reversed_axes()`.
    Transpose,
}

/// A generated kernel and the arguments to call it with.
#[derive(Clone, Debug)]
pub struct Case {
    pub source: String,
    pub arg_sets: Vec<Vec<ArgSpec>>,
}

/// A `prange` kernel and arguments for it: `fn k(arrays.., scalars.., out) -> i64` whose
/// outermost loop is `for ip in prange(0usize..out.len())`. The body is random statements (no
/// `return`, no helpers) over the read-only arrays and scalars, updates of 1 to 3 reductions
/// (integers with any operator; floats with `min`/`max`: the ones whose result is the same in
/// any order), and one store `out[ip] = e`; the result folds the reductions into an `i64`.
/// `out` is never read, so iterations are independent: any order of them, on any number of
/// threads or GPU lanes, must give the interpreter's serial result.
pub fn parallel_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let mut params = kernel_params(&mut rng);
    for p in &mut params {
        if let Param::Array(a) = p {
            a.writable = false;
        }
    }
    let out_elem = any_scalar(&mut rng);
    let source = parallel_source(&mut rng, &params, out_elem);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets)
        .map(|_| {
            let mut set = arguments(&mut rng, &params);
            let n = rng.pick(&[0, 1, 5, 33, 100, 257, 1000, 4099]);
            let stepped = rng.percent(30);
            let base = if stepped { 2 * n } else { n };
            let mut ops = Vec::new();
            if stepped {
                ops.push(ViewOp::Slice {
                    axis: 0,
                    start: 0,
                    end: None,
                    step: 2,
                });
            }
            if rng.percent(30) {
                ops.push(ViewOp::Invert(0));
            }
            set.push(ArgSpec::Array(ArraySpec {
                elem: out_elem,
                writable: true,
                base: vec![base],
                data: (0..base).map(|_| value_bits(&mut rng, out_elem)).collect(),
                ops,
            }));
            set
        })
        .collect();
    Case { source, arg_sets }
}

fn parallel_source(rng: &mut Rng, params: &[Param], out_elem: Scalar) -> String {
    const OPS: [&str; 8] = ["+=", "-=", "*=", "|=", "&=", "^=", "min", "max"];
    let mut g = Gen::new(rng, Vec::new(), Some(Scalar::I64), 2, 10);
    g.kernel = true;
    let mut names = g.kernel_params(params, false);
    names.push("out".into());
    // Before the loop: a few values, then the reductions' starting values (not visible to the
    // generator, so nothing but their updates touches them).
    for _ in 0..g.rng.below(3) {
        g.let_stmt();
    }
    let mut reductions = Vec::new();
    for r in 0..1 + g.rng.below(3) {
        let float = g.rng.percent(25);
        let ty = if float {
            g.rng.pick(&FLOATS)
        } else {
            g.rng.pick(&INTS)
        };
        let op = if float {
            g.rng.pick(&OPS[6..])
        } else {
            g.rng.pick(&OPS)
        };
        let init = g.expr(ty, 2);
        g.line(&format!("let mut r{r}: {ty} = {init};"));
        reductions.push((format!("r{r}"), ty, op));
    }
    // The body reads them; only reductions may write outer scalars.
    for v in &mut g.vars {
        v.assignable = false;
    }
    g.line("for ip in prange(0usize..out.len()) {");
    g.indent += 1;
    let mark = g.vars.len();
    g.line("let idx = ip;");
    g.vars.push(Var {
        name: "ip".into(),
        ty: Scalar::Usize,
        assignable: false,
        bound: None,
        opaque: false,
    });
    g.diverge_ok = false;
    g.stmts(1);
    for (name, ty, op) in &reductions {
        let e = g.expr(*ty, 2);
        let update = match *op {
            "min" | "max" => format!("{name} = {name}.{op}({e});"),
            op => format!("{name} {op} {e};"),
        };
        if g.rng.percent(30) {
            let c = g.expr(Scalar::Bool, 2);
            g.line(&format!("if {c} {{"));
            g.line(&format!("    {update}"));
            g.line("}");
        } else {
            g.line(&update);
        }
    }
    let e = g.expr(out_elem, 3);
    g.line(&format!("out[idx] = {e};"));
    g.vars.truncate(mark);
    g.indent -= 1;
    g.line("}");
    let tail: Vec<String> = reductions
        .iter()
        .enumerate()
        .map(|(k, (name, _, _))| format!("({name} as i64) * {}i64", 2 * k + 1))
        .collect();
    g.line(&tail.join(" + "));
    format!("fn k({}) -> i64 {{\n{}}}\n", names.join(", "), g.out)
}

/// Whether a kernel must give the same bits on the GPU as on the CPU: it calls none of the float
/// methods whose precision Rust leaves unspecified (libdevice and the C library differ there).
pub fn exact_on_gpu(source: &str) -> bool {
    !FLOAT_UNARY
        .iter()
        .chain(&FLOAT_BINARY)
        .chain(&["powi"])
        .filter(|m| !EXACT.contains(m))
        .any(|m| source.contains(&format!(".{m}(")))
}

/// Generates case number `index` of the run with seed `seed`.
pub fn case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let params = kernel_params(&mut rng);
    let source = kernel_source(&mut rng, &params);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets).map(|_| arguments(&mut rng, &params)).collect();
    Case { source, arg_sets }
}

fn any_scalar(rng: &mut Rng) -> Scalar {
    match rng.below(10) {
        0 => Scalar::Bool,
        1..=3 => rng.pick(&FLOATS),
        _ => rng.pick(&INTS),
    }
}

fn kernel_params(rng: &mut Rng) -> Vec<Param> {
    let n_arrays = 1 + rng.below(3);
    let n_scalars = rng.below(4);
    let mut params: Vec<Param> = (0..n_arrays)
        .map(|_| {
            Param::Array(ArrayParam {
                elem: any_scalar(rng),
                ndim: 1 + rng.below(3),
                writable: rng.percent(70),
            })
        })
        .collect();
    params.extend((0..n_scalars).map(|_| Param::Scalar(any_scalar(rng))));
    // Shuffle, keeping the first array first half the time.
    for i in (1..params.len()).rev() {
        let j = rng.below(i + 1);
        params.swap(i, j);
    }
    params
}

/// One argument set for `params`.
pub fn arguments(rng: &mut Rng, params: &[Param]) -> Vec<ArgSpec> {
    params
        .iter()
        .map(|p| match *p {
            Param::Scalar(ty) => ArgSpec::Scalar(ty, value_bits(rng, ty)),
            Param::Array(a) => ArgSpec::Array(array_arg(rng, a)),
        })
        .collect()
}

fn array_arg(rng: &mut Rng, p: ArrayParam) -> ArraySpec {
    let shape: Vec<usize> = (0..p.ndim)
        .map(|_| if rng.percent(7) { 0 } else { 1 + rng.below(5) })
        .collect();
    let mut base = shape.clone();
    let mut ops = Vec::new();
    let kind = rng.below(if p.writable { 6 } else { 7 });
    match kind {
        // Standard layout.
        0 | 1 => {}
        // Every other element, forwards or backwards.
        2 => {
            let axis = rng.below(p.ndim);
            base[axis] = (2 * shape[axis]).saturating_sub(rng.below(2));
            let step = if rng.percent(50) { 2 } else { -2 };
            ops.push(ViewOp::Slice {
                axis,
                start: 0,
                end: None,
                step,
            });
        }
        // Reversed.
        3 => ops.push(ViewOp::Invert(rng.below(p.ndim))),
        // An interior window.
        4 => {
            let axis = rng.below(p.ndim);
            base[axis] = shape[axis] + 2;
            ops.push(ViewOp::Slice {
                axis,
                start: 1,
                end: Some(-1),
                step: 1,
            });
        }
        // Transposed (F order), possibly also reversed.
        5 => {
            base.reverse();
            ops.push(ViewOp::Transpose);
            if rng.percent(40) {
                ops.push(ViewOp::Invert(rng.below(p.ndim)));
            }
        }
        // Broadcast along some axes (stride 0): read-only views only.
        _ => {
            for n in base.iter_mut() {
                if rng.percent(50) {
                    *n = 1;
                }
            }
            ops.push(ViewOp::Broadcast(shape.clone()));
        }
    }
    let count: usize = base.iter().product();
    let data = (0..count).map(|_| value_bits(rng, p.elem)).collect();
    ArraySpec {
        elem: p.elem,
        writable: p.writable,
        base,
        data,
        ops,
    }
}

// ---- source generation ----

#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Scalar,
    assignable: bool,
    /// For a `usize` loop variable over `0..extent`: the array and axis of that extent.
    bound: Option<(usize, usize)>,
    /// An immutable parameter of the kernel: a value LLVM cannot know at compile time.
    opaque: bool,
}

#[derive(Clone, Debug)]
enum HelperParam {
    Scalar(Scalar),
    Array(ArrayParam),
}

#[derive(Clone, Debug)]
struct Helper {
    name: String,
    params: Vec<HelperParam>,
    ret: Option<Scalar>,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    indent: usize,
    vars: Vec<Var>,
    /// The arrays of the function being generated: name and type.
    arrays: Vec<(String, ArrayParam)>,
    /// The helpers it may call.
    helpers: Vec<Helper>,
    /// Its return type (`None`: `()`).
    ret: Option<Scalar>,
    loop_depth: u32,
    max_loop_depth: u32,
    /// Statements left to generate in the function.
    budget: u32,
    fresh: u32,
    /// How many array indices the expression being generated is inside.
    in_index: u32,
    /// Whether expressions may `return`, `break` or `continue` (not in `while` conditions), and
    /// statements `return` (not in a `prange` body).
    diverge_ok: bool,
    /// Whether this is the kernel (not a helper).
    kernel: bool,
}

fn kernel_source(rng: &mut Rng, params: &[Param]) -> String {
    let kernel_arrays: Vec<ArrayParam> = params
        .iter()
        .filter_map(|p| match p {
            Param::Array(a) => Some(*a),
            Param::Scalar(_) => None,
        })
        .collect();
    let mut out = String::new();
    let mut helpers: Vec<Helper> = Vec::new();
    for h in 0..rng.below(3) {
        let mut hp = Vec::new();
        for _ in 0..rng.below(3) {
            hp.push(HelperParam::Scalar(any_scalar(rng)));
        }
        if rng.percent(50) {
            let a = rng.pick(&kernel_arrays);
            // A helper that writes needs a writable array; one that only reads may get either.
            let writable = a.writable && rng.percent(60);
            hp.insert(
                rng.below(hp.len() + 1),
                HelperParam::Array(ArrayParam { writable, ..a }),
            );
        }
        let ret = if rng.percent(80) {
            Some(any_scalar(rng))
        } else {
            None
        };
        let helper = Helper {
            name: format!("h{h}"),
            params: hp,
            ret,
        };
        let mut g = Gen::new(rng, helpers.clone(), helper.ret, 1, 10);
        let mut names = Vec::new();
        for (i, p) in helper.params.iter().enumerate() {
            match p {
                HelperParam::Scalar(ty) => {
                    let name = format!("p{i}");
                    let mutable = g.rng.percent(30);
                    names.push(g.scalar_param(&name, *ty, mutable));
                }
                HelperParam::Array(a) => {
                    let name = format!("q{i}");
                    names.push(g.array_param(&name, *a));
                }
            }
        }
        let ret_text = helper.ret.map_or(String::new(), |t| format!(" -> {t}"));
        let _ = writeln!(out, "fn {}({}){ret_text} {{", helper.name, names.join(", "));
        g.body();
        out += &g.out;
        out += "}\n\n";
        helpers.push(helper);
    }
    let ret = if rng.percent(75) {
        Some(any_scalar(rng))
    } else {
        None
    };
    let mut g = Gen::new(rng, helpers, ret, 3, 30);
    g.kernel = true;
    let names = g.kernel_params(params, true);
    let ret_text = ret.map_or(String::new(), |t| format!(" -> {t}"));
    let _ = writeln!(out, "fn k({}){ret_text} {{", names.join(", "));
    g.body();
    out += &g.out;
    out += "}\n";
    out
}

const ARITH: [&str; 5] = ["+", "-", "*", "/", "%"];
const BITS: [&str; 3] = ["&", "|", "^"];
const CMP: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];
const FLOAT_UNARY: [&str; 28] = [
    "abs",
    "sqrt",
    "cbrt",
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fract",
    "signum",
    "recip",
    "to_radians",
    "to_degrees",
];
const FLOAT_BINARY: [&str; 7] = ["powf", "log", "atan2", "min", "max", "hypot", "copysign"];
/// Methods whose results are exact (correctly rounded), so that LLVM's constant folding and the
/// C library agree on them. The others have unspecified precision in Rust, and LLVM folds `f32`
/// calls through the `f64` function, which can differ in the last bit from the `f32` one: `f32`
/// kernels call them on values unknown at compile time, or through `f64`.
const EXACT: [&str; 14] = [
    "abs",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fract",
    "signum",
    "recip",
    "to_radians",
    "to_degrees",
    "min",
    "max",
    "copysign",
];
const FLOAT_PREDICATES: [&str; 5] = [
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_sign_negative",
    "is_sign_positive",
];

impl<'r> Gen<'r> {
    fn new(
        rng: &'r mut Rng,
        helpers: Vec<Helper>,
        ret: Option<Scalar>,
        max_loop_depth: u32,
        budget: u32,
    ) -> Gen<'r> {
        Gen {
            rng,
            out: String::new(),
            indent: 1,
            vars: Vec::new(),
            arrays: Vec::new(),
            helpers,
            ret,
            loop_depth: 0,
            max_loop_depth,
            budget,
            fresh: 0,
            in_index: 0,
            diverge_ok: true,
            kernel: false,
        }
    }

    fn scalar_param(&mut self, name: &str, ty: Scalar, mutable: bool) -> String {
        let opaque = self.kernel && !mutable;
        self.vars.push(Var {
            name: name.into(),
            ty,
            assignable: mutable,
            bound: None,
            opaque,
        });
        let m = if mutable { "mut " } else { "" };
        if self.rng.percent(50) {
            format!("{m}{name}: {ty}")
        } else {
            format!("{m}{name}")
        }
    }

    /// The kernel's parameters `s0, s1, ..` and `a0, a1, ..` as written in its signature; scalars
    /// are `mut` 30% of the time when `mutable`.
    fn kernel_params(&mut self, params: &[Param], mutable: bool) -> Vec<String> {
        let (mut na, mut ns) = (0, 0);
        let mut names = Vec::new();
        for p in params {
            match p {
                Param::Scalar(ty) => {
                    let name = format!("s{ns}");
                    ns += 1;
                    let m = mutable && self.rng.percent(30);
                    names.push(self.scalar_param(&name, *ty, m));
                }
                Param::Array(a) => {
                    let name = format!("a{na}");
                    na += 1;
                    names.push(self.array_param(&name, *a));
                }
            }
        }
        names
    }

    fn array_param(&mut self, name: &str, a: ArrayParam) -> String {
        self.arrays.push((name.into(), a));
        let (view, slice) = if a.writable {
            ("ArrayViewMut", "&mut [")
        } else {
            ("ArrayView", "&[")
        };
        match self.rng.below(6) {
            0 => format!("{name}: {view}{}<{}>", a.ndim, a.elem),
            1 => format!("{name}: {view}D<_>"),
            2 if a.ndim == 1 => format!("{name}: {slice}{}]", a.elem),
            _ => name.into(),
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out += "    ";
        }
        self.out += text;
        self.out.push('\n');
    }

    /// The scalars in scope (the innermost of each name).
    fn visible(&self) -> Vec<Var> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for v in self.vars.iter().rev() {
            if !seen.contains(&v.name.as_str()) {
                seen.push(&v.name);
                out.push(v.clone());
            }
        }
        out
    }

    fn vars_of(&self, ty: Scalar) -> Vec<Var> {
        self.visible().into_iter().filter(|v| v.ty == ty).collect()
    }

    fn arrays_of(&self, elem: Scalar) -> Vec<usize> {
        (0..self.arrays.len())
            .filter(|&i| self.arrays[i].1.elem == elem)
            .collect()
    }

    // ---- function bodies and statements ----

    fn body(&mut self) {
        self.stmts(0);
        if let Some(t) = self.ret {
            let tail = self.expr(t, 3);
            self.line(&tail);
        }
    }

    /// A few statements in the current scope.
    fn stmts(&mut self, depth: u32) {
        let n = 1 + self.rng.below(if depth >= 2 { 2 } else { 4 });
        for _ in 0..n {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            self.stmt(depth);
        }
    }

    /// `{ statements }` opened by `head` (which ends in `{`): a new scope.
    fn block(&mut self, head: &str, depth: u32, prologue: &[String]) {
        self.line(head);
        self.indent += 1;
        let mark = self.vars.len();
        for p in prologue {
            self.line(p);
        }
        self.stmts(depth + 1);
        self.vars.truncate(mark);
        self.indent -= 1;
    }

    fn stmt(&mut self, depth: u32) {
        let in_loop = self.loop_depth > 0;
        let can_loop = self.loop_depth < self.max_loop_depth && depth < 4;
        let roll = self.rng.below(100);
        match roll {
            0..=17 => self.let_stmt(),
            18..=29 => self.assign(),
            30..=43 => self.store(),
            44..=53 => self.if_stmt(depth),
            54..=67 if can_loop => self.for_stmt(depth),
            68..=71 if can_loop => self.while_stmt(depth),
            72..=74 if can_loop => self.loop_stmt(depth),
            75..=80 if in_loop => {
                let c = self.expr(Scalar::Bool, 2);
                let kw = if self.rng.percent(50) {
                    "break"
                } else {
                    "continue"
                };
                self.line(&format!("if {c} {{"));
                self.indent += 1;
                self.line(&format!("{kw};"));
                self.indent -= 1;
                self.line("}");
            }
            81..=84 if self.diverge_ok => {
                let c = self.expr(Scalar::Bool, 2);
                let value = match self.ret {
                    Some(t) => format!(" {}", self.expr(t, 2)),
                    None => String::new(),
                };
                self.line(&format!("if {c} {{"));
                self.indent += 1;
                self.line(&format!("return{value};"));
                self.indent -= 1;
                self.line("}");
            }
            85..=88 if !self.helpers.is_empty() => {
                let h = self.rng.below(self.helpers.len());
                let call = self.call(h);
                self.line(&format!("{call};"));
            }
            89..=91 => self.dim_stmt(),
            92..=94 => self.deferred_let(depth),
            95..=96 => {
                self.block("{", depth, &[]);
                self.line("}");
            }
            97 => {
                let ty = any_scalar(self.rng);
                let e = self.expr(ty, 2);
                self.line(&format!("let _ = {e};"));
            }
            _ => self.let_stmt(),
        }
    }

    fn let_stmt(&mut self) {
        let ty = any_scalar(self.rng);
        let e = self.expr(ty, 3);
        let name = if self.rng.percent(15) && !self.visible().is_empty() {
            // Shadow a variable in scope (possibly with another type).
            let vs = self.visible();
            vs[self.rng.below(vs.len())].name.clone()
        } else {
            self.name("v")
        };
        let mutable = self.rng.percent(60);
        let m = if mutable { "mut " } else { "" };
        let ann = if self.rng.percent(50) {
            format!(": {ty}")
        } else {
            String::new()
        };
        self.line(&format!("let {m}{name}{ann} = {e};"));
        self.vars.push(Var {
            name,
            ty,
            assignable: mutable,
            bound: None,
            opaque: false,
        });
    }

    /// `let x: T;` assigned in both branches of an `if`.
    fn deferred_let(&mut self, depth: u32) {
        let ty = any_scalar(self.rng);
        let name = self.name("d");
        self.line(&format!("let {name}: {ty};"));
        let c = self.expr(Scalar::Bool, 2);
        for head in [format!("if {c} {{"), "} else {".to_string()] {
            let e = self.expr(ty, 2);
            self.block(&head, depth, &[format!("{name} = {e};")]);
        }
        self.line("}");
        self.vars.push(Var {
            name,
            ty,
            assignable: false,
            bound: None,
            opaque: false,
        });
    }

    fn compound_op(&mut self, ty: Scalar) -> &'static str {
        match ty {
            Scalar::Bool => self.rng.pick(&["&=", "|=", "^="]),
            t if t.is_float() => self.rng.pick(&["+=", "-=", "*=", "/=", "%="]),
            _ => self.rng.pick(&[
                "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "+=", "-=",
            ]),
        }
    }

    /// The right-hand side of `op` on a `ty` place.
    fn rhs(&mut self, op: &str, ty: Scalar) -> String {
        match op {
            "<<=" | ">>=" => {
                let t = self.rng.pick(&INTS);
                self.expr(t, 2)
            }
            "/=" | "%=" => self.divisor(ty, 2),
            _ => self.expr(ty, 2),
        }
    }

    fn assign(&mut self) {
        let vs: Vec<Var> = self
            .visible()
            .into_iter()
            .filter(|v| v.assignable)
            .collect();
        if vs.is_empty() {
            return self.let_stmt();
        }
        let v = vs[self.rng.below(vs.len())].clone();
        if self.rng.percent(50) {
            let e = self.expr(v.ty, 3);
            self.line(&format!("{} = {e};", v.name));
        } else {
            let op = self.compound_op(v.ty);
            let e = self.rhs(op, v.ty);
            self.line(&format!("{} {op} {e};", v.name));
        }
    }

    fn store(&mut self) {
        let writable: Vec<usize> = (0..self.arrays.len())
            .filter(|&i| self.arrays[i].1.writable)
            .collect();
        if writable.is_empty() {
            return self.let_stmt();
        }
        let a = writable[self.rng.below(writable.len())];
        let elem = self.arrays[a].1.elem;
        let place = self.element(a);
        if self.rng.percent(60) {
            let e = self.expr(elem, 3);
            self.line(&format!("{place} = {e};"));
        } else {
            let op = self.compound_op(elem);
            let e = self.rhs(op, elem);
            self.line(&format!("{place} {op} {e};"));
        }
    }

    fn if_stmt(&mut self, depth: u32) {
        let c = self.expr(Scalar::Bool, 3);
        self.block(&format!("if {c} {{"), depth, &[]);
        match self.rng.below(3) {
            0 => {}
            1 => self.block("} else {", depth, &[]),
            _ => {
                let c2 = self.expr(Scalar::Bool, 2);
                self.block(&format!("}} else if {c2} {{"), depth, &[]);
                if self.rng.percent(50) {
                    self.block("} else {", depth, &[]);
                }
            }
        }
        self.line("}");
    }

    /// A `for` loop whose trip count is bounded whatever the values.
    fn for_stmt(&mut self, depth: u32) {
        let var = self.name("i");
        let mut bound = None;
        let (ty, start, end, inclusive) = match self.rng.below(5) {
            // Literal bounds a few apart, often at the edges of the type.
            0 => {
                let ty = self.rng.pick(&INTS);
                let (min, max) = ty.int_range();
                let len = self.rng.below(7) as i128;
                let start = match self.rng.below(4) {
                    0 => min,
                    1 => max - len,
                    _ => (self.rng.below(9) as i128 - 4).clamp(min, max - len),
                };
                let inclusive = self.rng.percent(40) && len > 0;
                let end = if inclusive {
                    start + len - 1
                } else {
                    start + len
                };
                let s = int_literal(self.rng, ty, start);
                let e = int_literal(self.rng, ty, end);
                (ty, s, e, inclusive)
            }
            // An array extent.
            1 | 4 if !self.arrays.is_empty() => {
                let a = self.rng.below(self.arrays.len());
                let (name, p) = self.arrays[a].clone();
                let axis = self.rng.below(p.ndim);
                let extent = if p.ndim == 1 && self.rng.percent(50) {
                    format!("{name}.len()")
                } else {
                    format!("{name}.shape()[{axis}]")
                };
                match self.rng.below(12) {
                    0 => (Scalar::Usize, "1usize".into(), extent, false),
                    1 => (Scalar::Usize, "0usize".into(), extent, true),
                    _ => {
                        bound = Some((a, axis));
                        (Scalar::Usize, "0usize".into(), extent, false)
                    }
                }
            }
            // `(x % K)..(y % K)`: at most 2K - 1 steps.
            2 => {
                let ty = self.rng.pick(&INTS);
                let k = 1 + self.rng.below(6);
                let x = self.expr(ty, 2);
                let y = self.expr(ty, 2);
                (
                    ty,
                    format!("({x} % {k}{ty})"),
                    format!("({y} % {k}{ty})"),
                    self.rng.percent(40),
                )
            }
            // `v..v + L` (empty when `v + L` wraps).
            _ => {
                let ty = self.rng.pick(&INTS);
                let v = self.leaf(ty);
                let len = self.rng.below(6);
                (
                    ty,
                    v.clone(),
                    format!("({v} + {len}{ty})"),
                    self.rng.percent(40),
                )
            }
        };
        let dots = if inclusive { "..=" } else { ".." };
        let mut range = format!("({start}){dots}({end})");
        let reverse = self.rng.percent(25);
        let step = self.rng.percent(20);
        if reverse || step {
            range = format!("({range})");
        }
        if reverse {
            range += ".rev()";
        }
        if step {
            let k = match self.rng.below(10) {
                0 => "0usize".to_string(),
                1 => {
                    let t = self.rng.pick(&INTS);
                    let e = self.expr(t, 1);
                    format!("(({e} as usize) % 4usize)")
                }
                _ => format!("{}usize", 1 + self.rng.below(3)),
            };
            range += &format!(".step_by({k})");
        }
        // No `prange`: its body follows the parallel rules (`types::parallel`), which random bodies
        // break, and its float reductions round differently (tests/prange.rs covers it). The draw
        // stays, so every seed keeps generating the kernel it did.
        let _ = !reverse && !step && !inclusive && self.rng.percent(8);
        self.loop_depth += 1;
        self.vars.push(Var {
            name: var.clone(),
            ty,
            assignable: false,
            bound,
            opaque: false,
        });
        self.block(&format!("for {var} in {range} {{"), depth, &[]);
        self.vars.pop();
        self.loop_depth -= 1;
        self.line("}");
    }

    fn while_stmt(&mut self, depth: u32) {
        let w = self.name("w");
        let k = 1 + self.rng.below(5);
        self.line(&format!("let mut {w} = 0u32;"));
        // Rust rejects `break` and `continue` in a `while` condition.
        let diverge_ok = std::mem::replace(&mut self.diverge_ok, false);
        let extra = if self.rng.percent(40) {
            format!(" && {}", self.expr(Scalar::Bool, 2))
        } else {
            String::new()
        };
        self.diverge_ok = diverge_ok;
        self.vars.push(Var {
            name: w.clone(),
            ty: Scalar::U32,
            assignable: false,
            bound: None,
            opaque: false,
        });
        self.loop_depth += 1;
        self.block(
            &format!("while {w} < {k}u32{extra} {{"),
            depth,
            &[format!("{w} += 1u32;")],
        );
        self.loop_depth -= 1;
        self.line("}");
    }

    fn loop_stmt(&mut self, depth: u32) {
        let w = self.name("w");
        let k = self.rng.below(5);
        self.line(&format!("let mut {w} = 0u32;"));
        self.vars.push(Var {
            name: w.clone(),
            ty: Scalar::U32,
            assignable: false,
            bound: None,
            opaque: false,
        });
        self.loop_depth += 1;
        let prologue = [
            format!("{w} += 1u32;"),
            format!("if {w} > {k}u32 {{"),
            "    break;".into(),
            "}".into(),
        ];
        self.block("loop {", depth, &prologue);
        self.loop_depth -= 1;
        self.line("}");
    }

    /// `let (n, m) = a.dim();`
    fn dim_stmt(&mut self) {
        if self.arrays.is_empty() {
            return self.let_stmt();
        }
        let a = self.rng.below(self.arrays.len());
        let (name, p) = self.arrays[a].clone();
        let names: Vec<String> = (0..p.ndim)
            .map(|_| {
                if self.rng.percent(20) {
                    "_".to_string()
                } else {
                    self.name("n")
                }
            })
            .collect();
        let pattern = if p.ndim == 1 {
            names[0].clone()
        } else {
            format!("({})", names.join(", "))
        };
        self.line(&format!("let {pattern} = {name}.dim();"));
        for n in names {
            if n != "_" {
                self.vars.push(Var {
                    name: n,
                    ty: Scalar::Usize,
                    assignable: false,
                    bound: None,
                    opaque: false,
                });
            }
        }
    }

    // ---- expressions ----

    /// An expression of type `ty`, at most `depth` operators deep.
    fn expr(&mut self, ty: Scalar, depth: u32) -> String {
        if depth == 0 || self.rng.percent(25) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        if self.rng.percent(6) {
            return self.if_expr(ty, d);
        }
        if self.rng.percent(3) {
            let t = self.name("t");
            let inner = self.expr(ty, d);
            let rest = self.expr(ty, d);
            let op = self.rng.pick(&["==", "!="]);
            // A block with a statement as a value.
            return if ty == Scalar::Bool {
                format!("({{ let {t} = {inner}; ({t} {op} {rest}) }})")
            } else {
                format!("({{ let {t} = {inner}; {t} }})")
            };
        }
        if self.rng.percent(6) {
            if let Some(call) = self.helper_call(ty) {
                return call;
            }
        }
        if self.rng.percent(10) {
            if let Some(cast) = self.cast(ty, d) {
                return cast;
            }
        }
        match ty {
            Scalar::Bool => self.bool_expr(d),
            t if t.is_float() => self.float_expr(t, d),
            t => self.int_expr(t, d),
        }
    }

    fn if_expr(&mut self, ty: Scalar, d: u32) -> String {
        let c = self.expr(Scalar::Bool, d);
        let a = if self.diverge_ok && self.rng.percent(10) {
            // An arm that leaves: `return`, or `break` / `continue` of the enclosing loop.
            match self.ret {
                _ if self.loop_depth > 0 && self.rng.percent(50) => {
                    self.rng.pick(&["break;", "continue;"]).to_string()
                }
                Some(t) => format!("return {};", self.expr(t, d)),
                None => "return;".to_string(),
            }
        } else {
            self.expr(ty, d)
        };
        let b = self.expr(ty, d);
        if self.rng.percent(30) {
            let c2 = self.expr(Scalar::Bool, d);
            let e = self.expr(ty, d);
            return format!("(if {c} {{ {a} }} else if {c2} {{ {b} }} else {{ {e} }})");
        }
        format!("(if {c} {{ {a} }} else {{ {b} }})")
    }

    /// An `f32` LLVM cannot constant-fold: an immutable kernel parameter or an element of an
    /// array the kernel only reads.
    fn opaque_f32(&mut self) -> Option<String> {
        if !self.kernel {
            return None;
        }
        let vars: Vec<String> = self
            .vars_of(Scalar::F32)
            .into_iter()
            .filter(|v| v.opaque)
            .map(|v| v.name)
            .collect();
        let arrays: Vec<usize> = (0..self.arrays.len())
            .filter(|&i| self.arrays[i].1.elem == Scalar::F32 && !self.arrays[i].1.writable)
            .collect();
        let n = vars.len() + arrays.len();
        if n == 0 || self.in_index >= 2 {
            return None;
        }
        let k = self.rng.below(n);
        Some(if k < vars.len() {
            vars[k].clone()
        } else {
            self.element(arrays[k - vars.len()])
        })
    }

    /// `(e as ty)` from some other type (`None` where Rust has no such cast).
    fn cast(&mut self, ty: Scalar, d: u32) -> Option<String> {
        if ty == Scalar::Bool {
            return None;
        }
        let from = any_scalar(self.rng);
        if from == Scalar::Bool && ty.is_float() {
            return None;
        }
        let e = self.expr(from, d);
        Some(format!("({e} as {ty})"))
    }

    fn literal(&mut self, ty: Scalar) -> String {
        match ty {
            Scalar::Bool => self.rng.pick(&["true", "false"]).into(),
            t if t.is_float() => {
                let v = float_value(self.rng, t);
                float_literal(t, v)
            }
            t => {
                let v = int_value(self.rng, t);
                int_literal(self.rng, t, v)
            }
        }
    }

    /// A variable, an array element, a shape query or a literal.
    fn leaf(&mut self, ty: Scalar) -> String {
        let vars = self.vars_of(ty);
        let arrays = self.arrays_of(ty);
        for _ in 0..4 {
            match self.rng.below(10) {
                0..=3 if !vars.is_empty() => return vars[self.rng.below(vars.len())].name.clone(),
                4..=6 if !arrays.is_empty() && self.in_index < 2 => {
                    let a = arrays[self.rng.below(arrays.len())];
                    return self.element(a);
                }
                7 if (ty == Scalar::Usize || ty == Scalar::Bool) && !self.arrays.is_empty() => {
                    return self.shape_query(ty)
                }
                8 | 9 => return self.literal(ty),
                _ => {}
            }
        }
        self.literal(ty)
    }

    fn shape_query(&mut self, ty: Scalar) -> String {
        let a = self.rng.below(self.arrays.len());
        let (name, p) = self.arrays[a].clone();
        if ty == Scalar::Bool {
            return format!("{name}.is_empty()");
        }
        match self.rng.below(5) {
            0 => format!("{name}.len()"),
            1 => format!("{name}.ndim()"),
            2 if p.ndim == 2 => format!("{name}.{}()", self.rng.pick(&["nrows", "ncols"])),
            3 if p.ndim == 1 => format!("{name}.dim()"),
            _ => format!("{name}.shape()[{}]", self.rng.below(p.ndim)),
        }
    }

    /// `a[i]` or `a[[i, j, ..]]`, with indices that are mostly in bounds.
    fn element(&mut self, a: usize) -> String {
        let (name, p) = self.arrays[a].clone();
        self.in_index += 1;
        let index: Vec<String> = (0..p.ndim).map(|axis| self.index(a, axis)).collect();
        self.in_index -= 1;
        if p.ndim == 1 && self.rng.percent(80) {
            format!("{name}[{}]", index[0])
        } else {
            format!("{name}[[{}]]", index.join(", "))
        }
    }

    fn index(&mut self, a: usize, axis: usize) -> String {
        let usizes = self.vars_of(Scalar::Usize);
        let fitting: Vec<&Var> = usizes
            .iter()
            .filter(|v| v.bound == Some((a, axis)))
            .collect();
        let name = self.arrays[a].0.clone();
        if !fitting.is_empty() && self.rng.percent(85) {
            let i = fitting[self.rng.below(fitting.len())].name.clone();
            // The shapes loop versioning (`passes/versioning.rs`) checks once before the loop,
            // and some it must leave checked.
            let c = if !usizes.is_empty() && self.rng.percent(40) {
                usizes[self.rng.below(usizes.len())].name.clone()
            } else {
                format!("{}usize", self.rng.below(3))
            };
            return match self.rng.below(20) {
                0..=1 => format!("({i} + {c})"),
                2 => format!("({i} - {c})"),
                3 => format!("({c} + {i})"),
                4 => format!("({name}.shape()[{axis}] - 1usize - {i})"),
                5 => format!("({i} * 2usize)"),
                6 => format!("({i} / 2usize)"),
                _ => i,
            };
        }
        if self.rng.percent(5) {
            let t = self.rng.pick(&[Scalar::U8, Scalar::U16]);
            let e = self.expr(t, 1);
            return format!("({e} as usize)");
        }
        match self.rng.below(100) {
            0..=59 => {
                let x = if !usizes.is_empty() && self.rng.percent(70) {
                    usizes[self.rng.below(usizes.len())].name.clone()
                } else {
                    self.expr(Scalar::Usize, 1)
                };
                format!("({x} % {name}.shape()[{axis}])")
            }
            60..=74 => "0usize".into(),
            75..=84 if !usizes.is_empty() => usizes[self.rng.below(usizes.len())].name.clone(),
            85..=89 => format!("{}usize", 1 + self.rng.below(2)),
            90..=94 => format!("({name}.shape()[{axis}] - 1usize)"),
            _ => {
                let t = self.rng.pick(&INTS);
                let e = self.expr(t, 1);
                format!("({e} as usize)")
            }
        }
    }

    /// A divisor: mostly a non-zero literal, so that not every kernel stops at its first `/`.
    fn divisor(&mut self, ty: Scalar, d: u32) -> String {
        if self.rng.percent(60) {
            if ty.is_float() {
                return self.literal(ty);
            }
            let (min, max) = ty.int_range();
            let v = (self.rng.below(7) as i128 + 1).min(max);
            let v = if ty.is_signed() && self.rng.percent(30) {
                (-v).max(min)
            } else {
                v
            };
            return int_literal(self.rng, ty, v);
        }
        self.expr(ty, d)
    }

    fn int_expr(&mut self, ty: Scalar, d: u32) -> String {
        let signed = ty.is_signed();
        match self.rng.below(20) {
            0..=5 => {
                let op = self.rng.pick(&["+", "-", "*", "+", "-", "*", "/", "%"]);
                let a = self.expr(ty, d);
                let b = if op == "/" || op == "%" {
                    self.divisor(ty, d)
                } else if is_name(&a) && self.rng.percent(30) {
                    // An unsuffixed literal, typed by the variable beside it.
                    let v = int_value(self.rng, ty);
                    if v < 0 {
                        format!("(-{})", v.unsigned_abs())
                    } else {
                        v.to_string()
                    }
                } else {
                    self.expr(ty, d)
                };
                format!("({a} {op} {b})")
            }
            6..=7 => {
                let op = self.rng.pick(&BITS);
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                format!("({a} {op} {b})")
            }
            8..=9 => {
                let op = self.rng.pick(&["<<", ">>"]);
                let a = self.expr(ty, d);
                let t = self.rng.pick(&INTS);
                let b = self.expr(t, d);
                format!("({a} {op} {b})")
            }
            10 => {
                let a = self.expr(ty, d);
                if signed && self.rng.percent(50) {
                    format!("(-{a})")
                } else {
                    format!("(!{a})")
                }
            }
            11..=15 => {
                let x = self.expr(ty, d);
                let methods: &[&str] = if signed {
                    &[
                        "min",
                        "max",
                        "clamp",
                        "pow",
                        "wrapping_add",
                        "wrapping_sub",
                        "wrapping_mul",
                        "wrapping_neg",
                        "abs",
                        "signum",
                    ]
                } else {
                    &[
                        "min",
                        "max",
                        "clamp",
                        "pow",
                        "wrapping_add",
                        "wrapping_sub",
                        "wrapping_mul",
                        "wrapping_neg",
                    ]
                };
                let m = self.rng.pick(methods);
                match m {
                    "wrapping_neg" | "abs" | "signum" => format!("{x}.{m}()"),
                    "pow" => {
                        let e = if self.rng.percent(70) {
                            format!("{}u32", self.rng.below(8))
                        } else {
                            self.expr(Scalar::U32, d)
                        };
                        format!("{x}.pow({e})")
                    }
                    "clamp" => {
                        let (lo, hi) = self.bounds(ty, d);
                        format!("{x}.clamp({lo}, {hi})")
                    }
                    _ => {
                        let y = self.expr(ty, d);
                        format!("{x}.{m}({y})")
                    }
                }
            }
            16 if ty == Scalar::U32 => {
                let t = self.rng.pick(&INTS);
                let x = self.expr(t, d);
                let m = self.rng.pick(&[
                    "count_ones",
                    "count_zeros",
                    "leading_zeros",
                    "trailing_zeros",
                ]);
                format!("{x}.{m}()")
            }
            17 if ty == Scalar::Usize && !self.arrays.is_empty() => self.shape_query(ty),
            _ => {
                let op = self.rng.pick(&ARITH[..3]);
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                format!("({a} {op} {b})")
            }
        }
    }

    /// `clamp` bounds: mostly ordered literals, sometimes anything (which may fail the check).
    fn bounds(&mut self, ty: Scalar, d: u32) -> (String, String) {
        if self.rng.percent(25) {
            return (self.expr(ty, d), self.expr(ty, d));
        }
        if ty.is_float() {
            let (mut lo, mut hi) = (float_value(self.rng, ty), float_value(self.rng, ty));
            if lo.is_nan() {
                lo = -1.0;
            }
            if hi.is_nan() {
                hi = 1.0;
            }
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            (float_literal(ty, lo), float_literal(ty, hi))
        } else {
            let (mut lo, mut hi) = (int_value(self.rng, ty), int_value(self.rng, ty));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            (int_literal(self.rng, ty, lo), int_literal(self.rng, ty, hi))
        }
    }

    fn float_expr(&mut self, ty: Scalar, d: u32) -> String {
        match self.rng.below(20) {
            0..=6 => {
                let op = self.rng.pick(&ARITH);
                let a = self.expr(ty, d);
                let v = float_value(self.rng, ty);
                let b = if is_name(&a) && v.is_finite() && self.rng.percent(30) {
                    // An unsuffixed literal, typed by the variable beside it.
                    let text = if ty == Scalar::F32 {
                        format!("{:?}", v as f32)
                    } else {
                        format!("{v:?}")
                    };
                    if v.is_sign_negative() {
                        format!("({text})")
                    } else {
                        text
                    }
                } else {
                    self.expr(ty, d)
                };
                format!("({a} {op} {b})")
            }
            7 => {
                let a = self.expr(ty, d);
                format!("(-{a})")
            }
            8..=12 => {
                let m = self.rng.pick(&FLOAT_UNARY);
                if ty == Scalar::F32 && !EXACT.contains(&m) {
                    return match self.opaque_f32() {
                        Some(x) => format!("{x}.{m}()"),
                        None => format!("(({} as f64).{m}() as f32)", self.expr(ty, d)),
                    };
                }
                let x = self.expr(ty, d);
                format!("{x}.{m}()")
            }
            13..=15 => {
                let m = self.rng.pick(&FLOAT_BINARY);
                if ty == Scalar::F32 && !EXACT.contains(&m) {
                    let y = self.expr(ty, d);
                    return match self.opaque_f32() {
                        Some(x) => format!("{x}.{m}({y})"),
                        None => format!("(({} as f64).{m}(({y} as f64)) as f32)", self.expr(ty, d)),
                    };
                }
                let x = self.expr(ty, d);
                let y = self.expr(ty, d);
                if m == "copysign" {
                    // The sign of a NaN is unspecified in Rust (and differs between constant
                    // folding and the FPU): take signs of numbers only.
                    let one = float_literal(ty, 1.0);
                    return format!("{x}.copysign(if {y}.is_nan() {{ {one} }} else {{ {y} }})");
                }
                if m == "min" || m == "max" {
                    // Which zero `min(0.0, -0.0)` returns is unspecified (LLVM's constant folding
                    // and the FPU differ): `+ 0.0` makes either `+0.0`, and changes nothing else.
                    let zero = float_literal(ty, 0.0);
                    return format!("({x}.{m}({y}) + {zero})");
                }
                format!("{x}.{m}({y})")
            }
            16 => {
                let x = self.expr(ty, d);
                // `powi`'s precision is unspecified: LLVM folds constant `powi(x, n)` with `pow`,
                // while the same call at run time multiplies. The two agree for these exponents.
                let v = self.rng.below(4) as i128 - 1;
                let n = int_literal(self.rng, Scalar::I32, v);
                format!("{x}.powi({n})")
            }
            17 => {
                let (x, y, z) = (self.expr(ty, d), self.expr(ty, d), self.expr(ty, d));
                format!("{x}.mul_add({y}, {z})")
            }
            18 => {
                let x = self.expr(ty, d);
                let (lo, hi) = self.bounds(ty, d);
                format!("{x}.clamp({lo}, {hi})")
            }
            _ => {
                let op = self.rng.pick(&ARITH[..3]);
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                format!("({a} {op} {b})")
            }
        }
    }

    fn bool_expr(&mut self, d: u32) -> String {
        match self.rng.below(12) {
            0..=4 => {
                let t = any_scalar(self.rng);
                let op = self.rng.pick(&CMP);
                let a = self.expr(t, d);
                let b = self.expr(t, d);
                format!("({a} {op} {b})")
            }
            5 | 6 => {
                let op = self.rng.pick(&["&&", "||"]);
                let a = self.expr(Scalar::Bool, d);
                let b = self.expr(Scalar::Bool, d);
                format!("({a} {op} {b})")
            }
            7 => {
                let a = self.expr(Scalar::Bool, d);
                format!("(!{a})")
            }
            8 => {
                let op = self.rng.pick(&BITS);
                let a = self.expr(Scalar::Bool, d);
                let b = self.expr(Scalar::Bool, d);
                format!("({a} {op} {b})")
            }
            9 | 10 => {
                let t = self.rng.pick(&FLOATS);
                let x = self.expr(t, d);
                let m = self.rng.pick(&FLOAT_PREDICATES);
                if m.starts_with("is_sign") {
                    // The sign of a NaN is unspecified: ask it of numbers only.
                    return format!("({x}.{m}() && !{x}.is_nan())");
                }
                format!("{x}.{m}()")
            }
            _ => {
                let t = self.rng.pick(&[
                    Scalar::I8,
                    Scalar::I16,
                    Scalar::I32,
                    Scalar::I64,
                    Scalar::Isize,
                ]);
                let x = self.expr(t, d);
                let m = self.rng.pick(&["is_positive", "is_negative"]);
                format!("{x}.{m}()")
            }
        }
    }

    /// A call of a helper returning `ty`, if there is one.
    fn helper_call(&mut self, ty: Scalar) -> Option<String> {
        let hs: Vec<usize> = (0..self.helpers.len())
            .filter(|&h| self.helpers[h].ret == Some(ty))
            .collect();
        if hs.is_empty() {
            return None;
        }
        let h = hs[self.rng.below(hs.len())];
        Some(self.call(h))
    }

    /// `h(args)`: scalars are expressions, arrays are this function's arrays of the same type.
    fn call(&mut self, h: usize) -> String {
        let helper = self.helpers[h].clone();
        let mut args = Vec::new();
        for p in &helper.params {
            match p {
                HelperParam::Scalar(t) => args.push(self.expr(*t, 1)),
                HelperParam::Array(want) => {
                    let fits: Vec<usize> = (0..self.arrays.len())
                        .filter(|&i| {
                            let have = self.arrays[i].1;
                            have.elem == want.elem
                                && have.ndim == want.ndim
                                && (have.writable || !want.writable)
                        })
                        .collect();
                    match fits.first() {
                        Some(_) => {
                            let i = fits[self.rng.below(fits.len())];
                            args.push(self.arrays[i].0.clone());
                        }
                        // Unreachable for the kernel (helpers take its array types); a helper
                        // calling another helper may lack the array, and then calls nothing.
                        None => return self.literal(helper.ret.unwrap_or(Scalar::Bool)),
                    }
                }
            }
        }
        format!("{}({})", helper.name, args.join(", "))
    }
}

/// A loop nest of the shapes the passes rewrite (versioning of whole nests, unroll-and-jam):
///
/// ```text
/// fn k(a, x, c, y, z, s: T) -> T {
///     let (n, m) = c.dim();
///     let mut total = ..;
///     for i in lo..n { P; for j in 0..m { B } (or: while k < K && .. { B }); S }
///     total
/// }
/// ```
///
/// over `T` = `i64` or `f64`, with random arithmetic, and stores that the jam rules accept (at
/// `j` in `B`, at `i` in `S`) or must refuse (at `[i, j]` in `B`, reads in `P` of what `B`
/// stores, a scalar carried across `i`, integer division); shapes leave remainders (`n` not a
/// multiple of 4), empty loops, and arrays a little too small (out-of-bounds errors at the
/// right iteration).
pub fn nest_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let float = rng.percent(50);
    let ty = if float { Scalar::F64 } else { Scalar::I64 };
    let source = nest_source(&mut rng, ty);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets)
        .map(|_| {
            let n = rng.pick(&[0, 1, 3, 4, 5, 8, 9, 13]);
            let m = rng.pick(&[0, 1, 2, 7, 16, 33]);
            // Now and then one extent short (or long) by one: the checked copies then run.
            let mut off = || match rng.below(10) {
                0 => -1isize,
                1 => 1,
                _ => 0,
            };
            let len = |base: usize, d: isize| (base as isize + d).max(0) as usize;
            let shapes = [
                vec![len(n, off()), len(m, off())],
                vec![len(n.max(m), off())],
                vec![n, m],
                vec![len(m, off())],
                vec![len(n, off())],
            ];
            let mut set: Vec<ArgSpec> = shapes
                .iter()
                .enumerate()
                .map(|(k, shape)| {
                    let count = shape.iter().product();
                    ArgSpec::Array(ArraySpec {
                        elem: ty,
                        writable: matches!(k, 2..=4),
                        base: shape.clone(),
                        data: (0..count).map(|_| nest_value(&mut rng, ty)).collect(),
                        ops: Vec::new(),
                    })
                })
                .collect();
            set.push(ArgSpec::Scalar(ty, nest_value(&mut rng, ty)));
            set
        })
        .collect();
    Case { source, arg_sets }
}

/// Small values (integers) or values with few significant bits (floats), so that results stay
/// finite and comparable but still depend on the order of operations.
fn nest_value(rng: &mut Rng, ty: Scalar) -> u64 {
    let v = rng.below(19) as i64 - 9;
    if ty == Scalar::F64 {
        (v as f64 * 0.375 + rng.below(3) as f64 * 0.1).to_bits()
    } else {
        v as u64
    }
}

fn nest_source(rng: &mut Rng, ty: Scalar) -> String {
    let float = ty == Scalar::F64;
    let lit = |rng: &mut Rng| {
        if float {
            format!("{:.3}f64", rng.below(13) as f64 * 0.25 - 1.5)
        } else {
            format!("{}i64", rng.below(13) as i64 - 6)
        }
    };
    // A random combination of `terms`, with an integer division now and then (which keeps a nest
    // from being jammed, and may divide by zero).
    let combine = |rng: &mut Rng, terms: &[&str]| -> String {
        let mut e = terms[rng.below(terms.len())].to_string();
        for _ in 0..1 + rng.below(2) {
            let t = if rng.percent(25) {
                lit(rng)
            } else {
                terms[rng.below(terms.len())].to_string()
            };
            let op = if rng.percent(if float { 15 } else { 4 }) {
                "/"
            } else {
                rng.pick(&["+", "-", "*"])
            };
            e = format!("({e} {op} {t})");
        }
        e
    };
    let mut out = String::from("fn k(a, x, c, y, z, s: ");
    out.push_str(&format!("{ty}) -> {ty} {{\n    let (n, m) = c.dim();\n"));
    out.push_str(&format!("    let mut total = {};\n", lit(rng)));
    let lo = rng.pick(&["0", "0", "1"]);
    out.push_str(&format!("    for i in {lo}..n {{\n"));
    // P: values from row i.
    let mut pre = vec!["s".to_string()];
    for v in 0..1 + rng.below(2) {
        let src = rng.pick(&["x[i]", "a[[i, 0]]", "s", "z[i]", "y[i]"]);
        let e = combine(rng, &[src, "s"]);
        out.push_str(&format!("        let w{v} = {e};\n"));
        pre.push(format!("w{v}"));
    }
    let init = combine(rng, &pre.iter().map(String::as_str).collect::<Vec<_>>());
    out.push_str(&format!("        let mut acc = {init};\n"));
    if rng.percent(25) {
        // A `while` loop per row: a bounded number of steps of an update of `acc`.
        let step = combine(rng, &["acc", "w0", "s"]);
        let bound = lit(rng);
        let steps = 1 + rng.below(12);
        out.push_str(&format!(
            "        let mut t = 0;\n        while t < {steps} && acc != {bound} {{\n            acc = {step};\n            t += 1;\n        }}\n"
        ));
    } else {
        out.push_str("        for j in 0..m {\n");
        for _ in 0..1 + rng.below(3) {
            let e = combine(rng, &["acc", "w0", "a[[i, j]]", "x[j]", "s"]);
            let line = match rng.below(6) {
                0 | 1 => format!("acc = {e};"),
                2 => format!("y[j] = y[j] + {e};"),
                3 => format!("c[[i, j]] = {e};"),
                4 => format!("let t = {e};\n            y[j] = t * y[j];"),
                _ => format!("z[i] = {e};"),
            };
            out.push_str(&format!("            {line}\n"));
        }
        out.push_str("        }\n");
    }
    // S: the row's result.
    let line = match rng.below(4) {
        0 => "total = total + acc;".to_string(),
        1 => format!("y[i] = {};", combine(rng, &["acc", "w0"])),
        _ => format!("z[i] = {};", combine(rng, &["acc", "w0"])),
    };
    out.push_str(&format!("        {line}\n    }}\n    total\n}}\n"));
    out
}
