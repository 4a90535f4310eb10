//! `prange` cases: a random parallel loop with reductions and one independent store per
//! iteration, and its argument sets (see [`parallel_case`]).

use super::args::{any_scalar, arguments, kernel_params, ArgSpec, ArraySpec, Param, ViewOp};
use super::kernel::{Gen, Var};
use super::rng::Rng;
use super::values::{value_bits, FLOATS, INTS};
use super::Case;
use rumba_compiler::ir::Scalar;

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
