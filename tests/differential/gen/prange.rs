//! `prange` cases: a random parallel loop with reductions and one independent store per
//! iteration, sometimes an array reduction or an access that races, and its argument sets (see
//! [`parallel_case`]).

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
/// threads or GPU lanes, must give the interpreter's serial result. In three cases of ten the
/// body also updates an integer array `hist` at computed indices (`hist[h % hist.len()] += v`,
/// `-=`, `|=`, `^=`, `.min(v)`, `.max(v)`: an array reduction, exact in any order); in three
/// others it makes an access that another iteration may conflict with (`out[(idx + 1) %
/// out.len()]`, `out[idx - 1]`, `out[0 * idx]`, a read of `out[idx / 2]`), which the compiler
/// must reject ([`Case::race`]).
pub fn parallel_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    // No 128-bit integers: not on the GPU, nor as a `prange` counter.
    let mut params = kernel_params(&mut rng, false);
    for p in &mut params {
        if let Param::Array(a) = p {
            a.writable = false;
        }
    }
    let out_elem = any_scalar(&mut rng, false);
    let extra = match rng.below(10) {
        0..=2 => Extra::Race(rng.below(4)),
        3..=5 => Extra::Hist(rng.pick(&[Scalar::I64, Scalar::U32, Scalar::I8, Scalar::U64])),
        _ => Extra::None,
    };
    let source = parallel_source(&mut rng, &params, out_elem, extra);
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
            if let Extra::Hist(elem) = extra {
                let len = 1 + rng.below(40);
                set.push(ArgSpec::Array(ArraySpec {
                    elem,
                    writable: true,
                    base: vec![len],
                    data: (0..len).map(|_| value_bits(&mut rng, elem)).collect(),
                    ops: Vec::new(),
                }));
            }
            set
        })
        .collect();
    Case {
        source,
        arg_sets,
        race: matches!(extra, Extra::Race(_)),
    }
}

/// What a `prange` case adds to its loop (see [`parallel_case`]).
#[derive(Clone, Copy)]
enum Extra {
    None,
    /// An array reduction into `hist`, of this element type.
    Hist(Scalar),
    /// Racy access number `k`.
    Race(usize),
}

fn parallel_source(rng: &mut Rng, params: &[Param], out_elem: Scalar, extra: Extra) -> String {
    const OPS: [&str; 8] = ["+=", "-=", "*=", "|=", "&=", "^=", "min", "max"];
    let mut g = Gen::new(rng, Vec::new(), Some(Scalar::I64), 2, 10);
    g.kernel = true;
    let mut names = g.kernel_params(params, false);
    names.push("out".into());
    if let Extra::Hist(_) = extra {
        names.push("hist".into());
    }
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
    match extra {
        Extra::Hist(t) => {
            let h = g.expr(Scalar::Usize, 2);
            let v = g.expr(t, 2);
            let k = format!("({h}) % hist.len()");
            // `min`/`max` name the element twice, and the analysis needs both indices written
            // alike and the old value read in the update itself: through locals (a block in an
            // index or in the argument makes temporaries that split the update apart).
            let update = match g.rng.below(6) {
                0 => format!("hist[{k}] += {v};"),
                1 => format!("hist[{k}] -= {v};"),
                2 => format!("hist[{k}] |= {v};"),
                3 => format!("hist[{k}] ^= {v};"),
                4 => format!("let hk = {k}; let hv = {v}; hist[hk] = hist[hk].min(hv);"),
                _ => format!("let hk = {k}; let hv = {v}; hist[hk] = hist[hk].max(hv);"),
            };
            g.line(&update);
        }
        Extra::Race(0) => {
            let e = g.expr(out_elem, 2);
            g.line(&format!("out[(idx + 1) % out.len()] = {e};"));
        }
        Extra::Race(1) => {
            let e = g.expr(out_elem, 2);
            g.line(&format!("if idx > 0 {{ out[idx - 1] = {e}; }}"));
        }
        Extra::Race(2) => {
            let e = g.expr(out_elem, 2);
            g.line(&format!("out[0usize * idx] = {e};"));
        }
        Extra::Race(_) | Extra::None => {}
    }
    let e = g.expr(out_elem, 3);
    g.line(&format!("out[idx] = {e};"));
    if let Extra::Race(3) = extra {
        g.line("out[idx] = out[idx / 2];");
    }
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
