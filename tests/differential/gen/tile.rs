//! Three-deep nests: the shapes register tiling rewrites, with stores and scalars it must accept
//! or refuse (see [`tile_case`]).

use super::args::ArgSpec;
use super::nest::{nest_array, nest_value, Arith};
use super::rng::Rng;
use super::Case;
use rumba_compiler::ir::Scalar;

/// A matmul-class nest:
///
/// ```text
/// fn k(a, b, c, d, s: T) -> T {
///     let (n, kk) = a.dim();
///     let m = b.ncols();
///     let mut total = ..;
///     for i in lo..n { for p in 0..kk { P; for j in 0..m { B } S } }
///     total
/// }
/// ```
///
/// over `T` = `i64` or `f64`, with random arithmetic and stores that the tiling rules accept
/// (`c[[i, j]]` updated in `B`) or must refuse (`c[[p, j]]`, `c[[i, j + 1]]` read beside
/// `c[[i, j]]`, `d[j]`, a scalar carried across iterations, integer division); shapes leave rows
/// and columns of the tile over, loops run zero times, operands are transposed or reversed now
/// and then, and arrays are a little too small (out-of-bounds errors at the right iteration).
pub fn tile_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let ty = if rng.percent(50) {
        Scalar::F64
    } else {
        Scalar::I64
    };
    let source = tile_source(&mut rng, ty);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets)
        .map(|_| {
            let n = rng.pick(&[0, 1, 3, 4, 5, 8, 9, 13]);
            let kk = rng.pick(&[0, 1, 3, 4, 5, 7]);
            let m = rng.pick(&[0, 1, 2, 7, 16, 33]);
            // Now and then one extent short (or long) by one: the checked copies then run.
            let mut off = || match rng.below(12) {
                0 => -1isize,
                1 => 1,
                _ => 0,
            };
            let len = |base: usize, d: isize| (base as isize + d).max(0) as usize;
            let shapes = [
                vec![n, kk],
                vec![len(kk, off()), m],
                vec![len(n.max(kk), off()), len(m + 1, off())],
                vec![len(m.max(n), off())],
            ];
            let mut set: Vec<ArgSpec> = shapes
                .iter()
                .enumerate()
                .map(|(k, shape)| {
                    // A read-only operand transposed now and then.
                    let transpose = if k < 2 { 20 } else { 0 };
                    nest_array(&mut rng, ty, shape, k >= 2, transpose)
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

fn tile_source(rng: &mut Rng, ty: Scalar) -> String {
    let float = ty == Scalar::F64;
    let arith = Arith {
        float,
        divide: if float { 10 } else { 3 },
    };
    let lit = |rng: &mut Rng| arith.lit(rng);
    let combine = |rng: &mut Rng, terms: &[&str]| arith.combine(rng, terms);
    let mut out = format!("fn k(a, b, c, d, s: {ty}) -> {ty} {{\n");
    out.push_str("    let (n, kk) = a.dim();\n    let m = b.ncols();\n");
    out.push_str(&format!("    let mut total = {};\n", lit(rng)));
    // Now and then a scalar carried from one iteration to the next (refused).
    let carried = rng.percent(15);
    if carried {
        out.push_str("    let mut acc = s;\n");
    }
    let lo = rng.pick(&["0", "0", "1"]);
    out.push_str(&format!(
        "    for i in {lo}..n {{\n        for p in 0..kk {{\n"
    ));
    // P: values from row i, column p.
    let src = rng.pick(&["a[[i, p]]", "a[[i, p]]", "d[p]", "s"]);
    out.push_str(&format!(
        "            let w = {};\n",
        combine(rng, &[src, "s"])
    ));
    if carried {
        out.push_str(&format!(
            "            acc = {};\n",
            combine(rng, &["acc", "w"])
        ));
    }
    let terms: &[&str] = if carried {
        &["w", "b[[p, j]]", "acc", "s"]
    } else {
        &["w", "b[[p, j]]", "b[[p, j]]", "s"]
    };
    out.push_str("            for j in 0..m {\n");
    for _ in 0..1 + rng.below(2) {
        let e = combine(rng, terms);
        let line = match rng.below(10) {
            0..=5 => format!("c[[i, j]] = c[[i, j]] + {e};"),
            6 => format!("let t = {e};\n                c[[i, j]] = t * c[[i, j]];"),
            7 => format!("c[[p, j]] = c[[p, j]] + {e};"),
            8 => format!("c[[i, j]] = c[[i, j + 1]] - {e};"),
            _ => format!("d[j] = d[j] + {e};"),
        };
        out.push_str(&format!("                {line}\n"));
    }
    out.push_str("            }\n");
    // S: what the pass leaves, now and then.
    if rng.percent(30) {
        out.push_str(&format!(
            "            total = total + {};\n",
            combine(rng, &["w", "s"])
        ));
    }
    out.push_str("        }\n    }\n    total\n}\n");
    out
}
