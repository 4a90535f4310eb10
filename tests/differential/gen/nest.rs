//! Loop-nest cases: the shapes that loop versioning and unroll-and-jam rewrite, with stores
//! they must accept or refuse (see [`nest_case`]).

use super::args::{ArgSpec, ArraySpec, ViewOp};
use super::rng::Rng;
use super::Case;
use rumba_compiler::ir::Scalar;

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
    Case {
        source,
        arg_sets,
        race: false,
    }
}

/// Small values (integers) or values with few significant bits (floats), so that results stay
/// finite and comparable but still depend on the order of operations.
pub(super) fn nest_value(rng: &mut Rng, ty: Scalar) -> u128 {
    let v = rng.below(19) as i64 - 9;
    if ty == Scalar::F64 {
        (v as f64 * 0.375 + rng.below(3) as f64 * 0.1)
            .to_bits()
            .into()
    } else {
        v as u128
    }
}

/// The literals and random arithmetic of the nest generators (`nest`, `tile`), over `f64` or
/// `i64`, with a division in `divide` percent of the operators (an integer division keeps a
/// nest from being rewritten, and may divide by zero).
pub(super) struct Arith {
    pub float: bool,
    pub divide: u64,
}

impl Arith {
    pub(super) fn lit(&self, rng: &mut Rng) -> String {
        if self.float {
            format!("{:.3}f64", rng.below(13) as f64 * 0.25 - 1.5)
        } else {
            format!("{}i64", rng.below(13) as i64 - 6)
        }
    }

    /// A random combination of `terms`.
    pub(super) fn combine(&self, rng: &mut Rng, terms: &[&str]) -> String {
        let mut e = terms[rng.below(terms.len())].to_string();
        for _ in 0..1 + rng.below(2) {
            let t = if rng.percent(25) {
                self.lit(rng)
            } else {
                terms[rng.below(terms.len())].to_string()
            };
            let op = if rng.percent(self.divide) {
                "/"
            } else {
                rng.pick(&["+", "-", "*"])
            };
            e = format!("({e} {op} {t})");
        }
        e
    }
}

fn nest_source(rng: &mut Rng, ty: Scalar) -> String {
    let float = ty == Scalar::F64;
    let arith = Arith {
        float,
        divide: if float { 15 } else { 4 },
    };
    let lit = |rng: &mut Rng| arith.lit(rng);
    let combine = |rng: &mut Rng, terms: &[&str]| arith.combine(rng, terms);
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

/// An array argument of `shape` with random values: transposed `transpose` percent of the time
/// (its data laid out the other way round; never when 0), else reversed along its first axis
/// one time in ten.
pub fn nest_array(
    rng: &mut Rng,
    ty: Scalar,
    shape: &[usize],
    writable: bool,
    transpose: u64,
) -> ArgSpec {
    let count = shape.iter().product();
    let mut base = shape.to_vec();
    let mut ops = Vec::new();
    if transpose > 0 && rng.percent(transpose) {
        base.reverse();
        ops.push(ViewOp::Transpose);
    } else if rng.percent(10) {
        ops.push(ViewOp::Invert(0));
    }
    ArgSpec::Array(ArraySpec {
        elem: ty,
        writable,
        base,
        data: (0..count).map(|_| nest_value(rng, ty)).collect(),
        ops,
    })
}
