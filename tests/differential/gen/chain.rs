//! Array-expression cases: chains of `let`s of whole-array arithmetic, the code that extent
//! versioning, loop fusion and array contraction rewrite (see [`chain_case`]).

use super::args::{ArgSpec, ArraySpec, ViewOp};
use super::rng::Rng;
use super::Case;
use rumba_compiler::ir::Scalar;

/// A chain of array expressions over `f64`:
///
/// ```text
/// fn k(a: ArrayView2<f64>, b: ArrayView2<f64>, c: ArrayView1<f64>, mut out: ArrayViewMut2<f64>,
///      s: f64) -> (Array2<f64>, f64) {
///     let t0 = (&a - &c) * s;
///     let t1 = t0.mapv(|v| v * v + 1.0) / &b;
///     ..
///     out.assign(&(..));      (or a hand loop adding a temporary into `out`)
///     (t2, t1.sum())
/// }
/// ```
///
/// with operators, `mapv` closures, scalars and the arguments and earlier temporaries as
/// operands (a divisor is made at least one: the values stay finite, without NaNs, whose
/// payloads the JIT and the interpreter need not share). The arguments' shapes are one shape `(n, m)` (the copy the passes make for equal
/// extents), or broadcast (`b` of `(1, m)` or `(n, 1)`, `c` of one element), or now and then do
/// not broadcast (an error both sides must report alike); views are reversed or strided.
pub fn chain_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let source = chain_source(&mut rng);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets)
        .map(|_| {
            let n = rng.pick(&[0, 1, 2, 3, 5]);
            let m = rng.pick(&[1, 2, 4, 7]);
            let b = match rng.below(10) {
                0 | 1 => vec![1, m],
                2 => vec![n, 1],
                3 => vec![n + 1, m],
                _ => vec![n, m],
            };
            let c = match rng.below(10) {
                0 | 1 => vec![1],
                2 => vec![m + 1],
                _ => vec![m],
            };
            let array = |shape: Vec<usize>, writable: bool, rng: &mut Rng| {
                // Reversed or every other element, now and then (on a longer base).
                let mut base = shape.clone();
                let mut ops = Vec::new();
                if !writable && !shape.is_empty() && rng.percent(30) {
                    let axis = rng.below(shape.len());
                    if rng.percent(50) {
                        ops.push(ViewOp::Invert(axis));
                    } else {
                        base[axis] = shape[axis] * 2;
                        ops.push(ViewOp::Slice {
                            axis,
                            start: 0,
                            end: None,
                            step: 2,
                        });
                    }
                }
                let total: usize = base.iter().product();
                ArgSpec::Array(ArraySpec {
                    elem: Scalar::F64,
                    writable,
                    base,
                    data: (0..total).map(|_| chain_value(rng)).collect(),
                    ops,
                })
            };
            vec![
                array(vec![n, m], false, &mut rng),
                array(b, false, &mut rng),
                array(c, false, &mut rng),
                array(vec![n, m], true, &mut rng),
                ArgSpec::Scalar(Scalar::F64, chain_value(&mut rng)),
            ]
        })
        .collect();
    Case {
        source,
        arg_sets,
        race: false,
    }
}

/// Values with few significant bits, so that results stay finite but depend on the order of
/// operations.
fn chain_value(rng: &mut Rng) -> u128 {
    let v = rng.below(17) as f64 - 8.0;
    (v * 0.375 + rng.below(4) as f64 * 0.125 + 0.0625)
        .to_bits()
        .into()
}

/// An array expression: its text and whether it is a new array (an owned value) rather than a
/// name.
struct Expr {
    text: String,
    owned: bool,
    /// Its number of axes (`c` has one, the others two; an operator's result the larger).
    ndim: usize,
}

fn chain_source(rng: &mut Rng) -> String {
    let mut names: Vec<(String, usize)> = vec![("a".into(), 2), ("b".into(), 2), ("c".into(), 1)];
    let mut out = String::from(
        "fn k(a: ArrayView2<f64>, b: ArrayView2<f64>, c: ArrayView1<f64>, mut out: ArrayViewMut2<f64>, s: f64) -> (Array2<f64>, f64) {\n",
    );
    let lets = 2 + rng.below(4);
    for t in 0..lets {
        // Two axes each (the kernel returns the last one, indexes one by `[[i, j]]`).
        let e = (0..8)
            .map(|_| expr(rng, &names, 2))
            .find(|e| e.ndim == 2)
            .unwrap_or(Expr {
                text: "&a * s".into(),
                owned: true,
                ndim: 2,
            });
        // A name alone is copied: a move would leave a temporary unusable.
        let value = if e.owned {
            e.text
        } else {
            format!("{}.to_owned()", e.text)
        };
        out.push_str(&format!("    let t{t} = {value};\n"));
        names.push((format!("t{t}"), 2));
    }
    let last = format!("t{}", lets - 1);
    match rng.below(3) {
        0 => {
            let e = expr(rng, &names, 1);
            let arg = if e.owned {
                format!("&({})", e.text)
            } else {
                format!("&{}", e.text)
            };
            out.push_str(&format!("    out.assign({arg});\n"));
        }
        1 => {
            let t = rng.below(lets);
            out.push_str(&format!(
                "    for i in 0..out.nrows() {{\n        for j in 0..out.ncols() {{\n            out[[i, j]] += t{t}[[i % t{t}.nrows(), j % t{t}.ncols()]];\n        }}\n    }}\n"
            ));
        }
        _ => out.push_str(&format!("    out += &{last};\n")),
    }
    let summed = rng.below(lets);
    let total = if rng.percent(50) {
        format!("t{summed}.sum()")
    } else {
        format!("(&t{summed} * s).sum()")
    };
    out.push_str(&format!("    ({last}.to_owned(), {total})\n}}\n"));
    out
}

/// A random array expression of depth at most `depth` over `names` (arrays, with their number
/// of axes) and `s`.
fn expr(rng: &mut Rng, names: &[(String, usize)], depth: usize) -> Expr {
    let leaf = |rng: &mut Rng| {
        let (text, ndim) = names[rng.below(names.len())].clone();
        Expr {
            text,
            owned: false,
            ndim,
        }
    };
    if depth == 0 || rng.percent(25) {
        return leaf(rng);
    }
    match rng.below(6) {
        0 => {
            let x = expr(rng, names, depth - 1);
            let body = rng.pick(&[
                "v * v + 1.0",
                "v.abs() * 0.5",
                "v.max(0.25) - s",
                "if v > 0.0 { v } else { v * 0.5 - 1.0 }",
                "(v * 0.125).exp()",
            ]);
            let recv = if x.owned {
                format!("({})", x.text)
            } else {
                x.text.clone()
            };
            Expr {
                text: format!("{recv}.mapv(|v| {body})"),
                owned: true,
                ndim: x.ndim,
            }
        }
        1 => {
            let x = expr(rng, names, depth - 1);
            let op = rng.pick(&["*", "+", "-", "/"]);
            let lhs = if x.owned {
                format!("({})", x.text)
            } else {
                format!("&{}", x.text)
            };
            Expr {
                text: format!("{lhs} {op} s"),
                owned: true,
                ndim: x.ndim,
            }
        }
        _ => {
            let x = expr(rng, names, depth - 1);
            let y = expr(rng, names, depth - 1);
            let op = rng.pick(&["+", "-", "*", "/"]);
            let lhs = if x.owned {
                format!("({})", x.text)
            } else {
                format!("&{}", x.text)
            };
            // A divisor of at least one: no NaN (whose payloads the two sides need not share)
            // and no infinity.
            let rhs = if op == "/" {
                let recv = if y.owned {
                    format!("({})", y.text)
                } else {
                    y.text.clone()
                };
                format!("&{recv}.mapv(|v| v.abs() + 1.0)")
            } else if y.owned {
                format!("&({})", y.text)
            } else {
                format!("&{}", y.text)
            };
            Expr {
                text: format!("{lhs} {op} {rhs}"),
                owned: true,
                ndim: x.ndim.max(y.ndim),
            }
        }
    }
}
