//! Loops that branch on where their counter lies: the shapes index-set splitting rewrites, and
//! conditions it must leave alone (see [`split_case`]).

use super::args::ArgSpec;
use super::nest::{nest_array, nest_value, Arith};
use super::rng::Rng;
use super::Case;
use rumba_compiler::ir::Scalar;

/// A loop (or a loop nest) whose body branches on a test of its counters:
///
/// ```text
/// fn k(a, b, s: T, q: usize) -> T {
///     let (n, m) = a.dim();                  (1-D: let n = a.len();)
///     let mut total = ..;
///     for i in lo..n {
///         for j in 0..m {                    (1-D: no inner loop)
///             if COND { A } else { B }
///         }
///     }
///     total
/// }
/// ```
///
/// over `T` = `i64` or `f64`. `COND` is half the time a stencil's border (`i < r || i + r >= n
/// || ..`, each test written one of the equivalent ways, or the interior as `&&` of the
/// negations), half the time 1 to 4 random tests of `i` and `j` against constants, `q`, `n`, `m`
/// and `n - k` (wrapping when `n < k`), under `||`, `&&` and `!`; now and then with a leaf that is
/// no test (`a[[i, j]] > s`), so the loop is not split. `A` and `B` read `a` at shifted indices
/// (single shifts, 3x3 or 5x5 windows `a[[i + di - 2, j + dj - 2]]`, windows after `(i, j)`),
/// store to `b[[i, j]]`, update `total` in an order-sensitive way, and now and then `continue`,
/// `break` or `return`. Most reads are guarded by the condition, some are not (`i - 1` wraps at
/// the border and is out of bounds there), `b` is now and then one row or column short, and `q`
/// now and then near `usize::MAX` (`i + q` wraps). Now and then: no `else`, the `if` inside an
/// `if` that is no test, a second `if` on the same condition or another test, bounds past the
/// border loops compiled cold, a loop run backwards (not split).
pub fn split_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let ty = if rng.percent(50) {
        Scalar::F64
    } else {
        Scalar::I64
    };
    let two_d = rng.percent(70);
    let source = split_source(&mut rng, ty, two_d);
    let sets = 1 + rng.below(3);
    let extent = |rng: &mut Rng| {
        if rng.percent(6) {
            rng.pick(&[37, 41])
        } else {
            rng.pick(&[0, 1, 2, 3, 4, 5, 5, 6, 7, 7, 9])
        }
    };
    let arg_sets = (0..sets)
        .map(|_| {
            let dims = if two_d { 2 } else { 1 };
            let shape: Vec<usize> = (0..dims).map(|_| extent(&mut rng)).collect();
            // Now and then the output one short (or long) along an axis.
            let out: Vec<usize> = shape
                .iter()
                .map(|&e| match rng.below(14) {
                    0 => e.saturating_sub(1),
                    1 => e + 1,
                    _ => e,
                })
                .collect();
            let mut set: Vec<ArgSpec> = [(shape, false), (out, true)]
                .into_iter()
                .map(|(shape, writable)| {
                    let transpose = if two_d { 15 } else { 0 };
                    nest_array(&mut rng, ty, &shape, writable, transpose)
                })
                .collect();
            set.push(ArgSpec::Scalar(ty, nest_value(&mut rng, ty)));
            // `q` near `usize::MAX` now and then: `i + q` wraps.
            let q: usize = match rng.below(20) {
                0 | 1 => usize::MAX,
                2 => usize::MAX - 1,
                3 => usize::MAX - 3,
                4 | 5 => 8 + rng.below(40),
                _ => rng.below(5),
            };
            set.push(ArgSpec::Scalar(Scalar::Usize, q as u128));
            set
        })
        .collect();
    Case {
        source,
        arg_sets,
        race: false,
    }
}

/// The generator's state for one kernel.
struct Gen<'r> {
    rng: &'r mut Rng,
    arith: Arith,
    float: bool,
    two_d: bool,
    /// Whether reads may lie before `(i, j)` (else only at and after it).
    back: bool,
}

/// A counter and the extent its loop runs to.
#[derive(Clone, Copy)]
struct Axis {
    var: &'static str,
    extent: &'static str,
}

const I: Axis = Axis {
    var: "i",
    extent: "n",
};
const J: Axis = Axis {
    var: "j",
    extent: "m",
};

impl Gen<'_> {
    fn axes(&self) -> &'static [Axis] {
        if self.two_d {
            &[I, J]
        } else {
            &[I]
        }
    }

    /// `v + d` written as an index (`v`, `v + 2`, `v - 1`).
    fn shift(v: &str, d: i64) -> String {
        match d {
            0 => v.to_string(),
            d if d > 0 => format!("{v} + {d}"),
            d => format!("{v} - {}", -d),
        }
    }

    /// A read of `a` at `(i + di, j + dj)`.
    fn read(&self, di: i64, dj: i64) -> String {
        if self.two_d {
            format!("a[[{}, {}]]", Self::shift("i", di), Self::shift("j", dj))
        } else {
            format!("a[{}]", Self::shift("i", di))
        }
    }

    fn store(&self) -> &'static str {
        if self.two_d {
            "b[[i, j]]"
        } else {
            "b[i]"
        }
    }

    /// A small bound, now and then one past the border loops compiled cold (16 iterations).
    fn small(&mut self) -> usize {
        if self.rng.percent(6) {
            self.rng.pick(&[17, 20])
        } else {
            self.rng.below(5)
        }
    }

    /// A test of `axis`'s counter: `v`, `v + k` or `k + v` against a constant, `q`, the extent
    /// or `extent - k` (which may fail: not split on), by any comparison, mirrored or not.
    fn random_test(&mut self, axis: Axis) -> String {
        let v = axis.var;
        let k = if self.rng.percent(25) {
            "q".to_string()
        } else {
            (1 + self.rng.below(3)).to_string()
        };
        let lhs = match self.rng.below(5) {
            0 | 1 => v.to_string(),
            2 | 3 => format!("{v} + {k}"),
            _ => format!("{k} + {v}"),
        };
        let rhs = match self.rng.below(10) {
            0..=3 => self.small().to_string(),
            4 => "q".to_string(),
            5..=7 => axis.extent.to_string(),
            _ => format!("{} - {}", axis.extent, 1 + self.rng.below(2)),
        };
        let op = self.rng.pick(&["<", "<=", ">", ">=", "==", "!="]);
        if self.rng.percent(30) {
            let mirrored = match op {
                "<" => ">",
                ">" => "<",
                "<=" => ">=",
                ">=" => "<=",
                op => op,
            };
            format!("{rhs} {mirrored} {lhs}")
        } else {
            format!("{lhs} {op} {rhs}")
        }
    }

    /// A leaf that is no test of a counter: the loop is not split on its condition.
    fn opaque(&mut self) -> String {
        let lit = self.arith.lit(self.rng);
        match self.rng.below(4) {
            0 => format!("{} > s", self.read(0, 0)),
            1 => format!("s < {lit}"),
            2 => "total > s".to_string(),
            _ => "i % 2 == 0".to_string(),
        }
    }

    /// `v < r` (`border`) or `v >= r`, one of the equivalent ways.
    fn low(&mut self, v: &str, r: usize, border: bool) -> String {
        let forms: Vec<String> = if border {
            let mut f = vec![
                format!("{v} < {r}"),
                format!("{r} > {v}"),
                format!("{v} <= {}", r - 1),
                format!("{} >= {v}", r - 1),
                format!("!({v} >= {r})"),
                format!("!({r} <= {v})"),
            ];
            if r == 1 {
                f.push(format!("{v} == 0"));
            }
            f
        } else {
            let mut f = vec![
                format!("{v} >= {r}"),
                format!("{r} <= {v}"),
                format!("{v} > {}", r - 1),
                format!("!({v} < {r})"),
            ];
            if r == 1 {
                f.push(format!("{v} != 0"));
            }
            f
        };
        forms[self.rng.below(forms.len())].clone()
    }

    /// `v + r >= extent` (`border`) or `v + r < extent`, one of the equivalent ways (`v ==
    /// extent - 1`, which may fail, is not split on).
    fn high(&mut self, axis: Axis, r: usize, border: bool) -> String {
        let (v, e) = (axis.var, axis.extent);
        // Now and then `q` for `r` (`v + q` wraps when `q` is near `usize::MAX`).
        if self.rng.percent(12) {
            let (op, mirrored) = if border { (">=", "<=") } else { ("<", ">") };
            return match self.rng.percent(50) {
                true => format!("{v} + q {op} {e}"),
                false => format!("{e} {mirrored} q + {v}"),
            };
        }
        let forms: Vec<String> = if border {
            let mut f = vec![
                format!("{v} + {r} >= {e}"),
                format!("{r} + {v} >= {e}"),
                format!("{e} <= {v} + {r}"),
                format!("!({v} + {r} < {e})"),
                format!("{v} + {} > {e}", r - 1),
            ];
            if r == 1 {
                f.push(format!("{v} + 1 == {e}"));
                f.push(format!("{v} == {e} - 1"));
            }
            f
        } else {
            let mut f = vec![
                format!("{v} + {r} < {e}"),
                format!("{e} > {r} + {v}"),
                format!("!({v} + {r} >= {e})"),
                format!("{v} + {} <= {e}", r - 1),
            ];
            if r == 1 {
                f.push(format!("{v} + 1 != {e}"));
            }
            f
        };
        forms[self.rng.below(forms.len())].clone()
    }

    /// `leaves` joined by `op` in a random shape of parentheses.
    fn join(&mut self, mut leaves: Vec<String>, op: &str) -> String {
        while leaves.len() > 1 {
            let k = self.rng.below(leaves.len() - 1);
            let b = leaves.remove(k + 1);
            let a = leaves.remove(k);
            let joined = if leaves.is_empty() || self.rng.percent(50) {
                format!("{a} {op} {b}")
            } else {
                format!("({a} {op} {b})")
            };
            leaves.insert(k, joined);
        }
        leaves.pop().unwrap_or_default()
    }

    /// A random condition: 1 to 4 tests (now and then one opaque leaf) under `||`, `&&`, `!`.
    fn random_cond(&mut self) -> String {
        let count = 1 + self.rng.below(4);
        let mut leaves: Vec<String> = (0..count)
            .map(|_| {
                if self.rng.percent(8) {
                    self.opaque()
                } else {
                    let axes = self.axes();
                    let axis = axes[self.rng.below(axes.len())];
                    self.random_test(axis)
                }
            })
            .collect();
        while leaves.len() > 1 {
            let k = self.rng.below(leaves.len() - 1);
            let b = leaves.remove(k + 1);
            let a = leaves.remove(k);
            let op = self.rng.pick(&["||", "&&"]);
            let mut joined = format!("({a} {op} {b})");
            if self.rng.percent(20) {
                joined = format!("!{joined}");
            }
            leaves.insert(k, joined);
        }
        let c = leaves.pop().unwrap_or_default();
        // The outermost parentheses off.
        match c.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
            Some(inner) if self.rng.percent(70) && balanced(inner) => inner.to_string(),
            _ => c,
        }
    }

    /// A stencil's border of radius `r`: `(cond, cond_is_border)`.
    fn border_cond(&mut self, r: usize) -> (String, bool) {
        let border = self.rng.percent(60);
        let mut leaves = Vec::new();
        for axis in self.axes() {
            leaves.push(self.low(axis.var, r, border));
            leaves.push(self.high(*axis, r, border));
        }
        // Now and then only part of the border, or one more leaf.
        if self.rng.percent(15) {
            let k = self.rng.below(leaves.len());
            leaves.remove(k);
        }
        for k in (1..leaves.len()).rev() {
            let l = self.rng.below(k + 1);
            leaves.swap(k, l);
        }
        if self.rng.percent(10) {
            let extra = self.opaque();
            leaves.push(extra);
        }
        let op = if border { "||" } else { "&&" };
        let cond = self.join(leaves, op);
        // `!(interior)` for the border, now and then.
        if self.rng.percent(25) {
            (format!("!({cond})"), !border)
        } else {
            (cond, border)
        }
    }

    /// A value of `T` from reads at shifts within `reach` (and the counters).
    fn value(&mut self, reach: i64) -> String {
        let mut terms = vec!["s".to_string()];
        let (from, width) = match self.back {
            true => (-reach, 2 * reach as usize + 1),
            false => (0, reach as usize + 1),
        };
        for _ in 0..1 + self.rng.below(3) {
            let di = from + self.rng.below(width) as i64;
            let dj = from + self.rng.below(width) as i64;
            terms.push(self.read(di, dj));
        }
        let ty = if self.float { "f64" } else { "i64" };
        terms.push(format!("(i as {ty})"));
        if self.two_d && self.rng.percent(30) {
            terms.push(format!("(j as {ty})"));
        }
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        self.arith.combine(self.rng, &refs)
    }

    /// `total` updated with `e`, in an order-sensitive way.
    fn update(&mut self, e: &str) -> String {
        if self.float {
            let f = self.rng.pick(&["0.5f64", "-0.75f64"]);
            format!("total = total * {f} + {e};")
        } else {
            let f = self.rng.pick(&["3", "-5"]);
            format!("total = total.wrapping_mul({f}i64).wrapping_add({e});")
        }
    }

    /// The statements of a branch, reading `a` at shifts within `reach`, indented by `pad`.
    fn branch(&mut self, reach: i64, pad: &str, out: &mut String) {
        let lit = self.arith.lit(self.rng);
        // A window of reads (3x3 or 5x5 with reach 2), summed.
        if reach > 0 && self.rng.percent(40) {
            let h = if reach >= 2 && self.rng.percent(50) {
                2
            } else {
                1
            };
            // Centred on `(i, j)` (`i + di - h`), or after it (`i + di`).
            let (w, less) = match self.back {
                true => (2 * h + 1, format!(" - {h}")),
                false => (h + 1, String::new()),
            };
            out.push_str(&format!("{pad}let mut w = {lit};\n"));
            if self.two_d {
                out.push_str(&format!(
                    "{pad}for di in 0..{w} {{\n{pad}    for dj in 0..{w} {{\n{pad}        w = w + a[[i + di{less}, j + dj{less}]];\n{pad}    }}\n{pad}}}\n"
                ));
            } else {
                out.push_str(&format!(
                    "{pad}for d in 0..{w} {{\n{pad}    w = w + a[i + d{less}];\n{pad}}}\n"
                ));
            }
            let e = format!("(w + {})", self.value(0));
            let line = if self.rng.percent(50) {
                format!("{} = {e};", self.store())
            } else {
                self.update(&e)
            };
            out.push_str(&format!("{pad}{line}\n"));
        }
        for _ in 0..1 + self.rng.below(2) {
            let e = self.value(reach);
            let line = match self.rng.below(40) {
                0..=15 => format!("{} = {e};", self.store()),
                16..=31 => self.update(&e),
                32..=35 => format!("if {e} > s {{\n{pad}    continue;\n{pad}}}"),
                36..=38 => format!("if {e} < s {{\n{pad}    break;\n{pad}}}"),
                _ => format!("if {e} < s {{\n{pad}    return total;\n{pad}}}"),
            };
            out.push_str(&format!("{pad}{line}\n"));
        }
        if self.rng.percent(8) {
            out.push_str(&format!("{pad}continue;\n"));
        }
    }
}

/// Whether the parentheses of `s` balance (so that `(s)` may lose its outer pair).
fn balanced(s: &str) -> bool {
    let mut depth = 0i64;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn split_source(rng: &mut Rng, ty: Scalar, two_d: bool) -> String {
    let float = ty == Scalar::F64;
    let arith = Arith {
        float,
        divide: if float { 10 } else { 3 },
    };
    let mut g = Gen {
        rng,
        arith,
        float,
        two_d,
        back: true,
    };
    let mut out = format!("fn k(a, b, s: {ty}, q: usize) -> {ty} {{\n");
    out.push_str(if two_d {
        "    let (n, m) = a.dim();\n"
    } else {
        "    let n = a.len();\n"
    });
    let lit = g.arith.lit(g.rng);
    out.push_str(&format!("    let mut total = {lit};\n"));
    let lo = g.rng.pick(&["0", "0", "0", "1", "2", "q"]);
    // Now and then backwards (not split).
    if g.rng.percent(5) {
        out.push_str(&format!("    for i in ({lo}..n).rev() {{\n"));
    } else {
        out.push_str(&format!("    for i in {lo}..n {{\n"));
    }
    let pad = if two_d {
        let lo = g.rng.pick(&["0", "0", "0", "1"]);
        out.push_str(&format!("        for j in {lo}..m {{\n"));
        "            "
    } else {
        "        "
    };
    // The condition, and how far from (i, j) each branch may read safely.
    let (cond, then_reach, else_reach) = if g.rng.percent(50) {
        let r = 1 + g.rng.below(2);
        let (cond, border) = g.border_cond(r);
        // Now and then a read one further than the border allows (out of bounds there).
        let inside = r as i64 + i64::from(g.rng.percent(12));
        let outside = i64::from(g.rng.percent(12));
        if border {
            (cond, outside, inside)
        } else {
            (cond, inside, outside)
        }
    } else {
        // Reads before `(i, j)`, unguarded here, would mostly fail in the first iteration.
        g.back = g.rng.percent(25);
        let reach = g.rng.pick(&[0, 1, 1, 2]);
        (g.random_cond(), reach, reach)
    };
    if g.rng.percent(15) {
        let e = g.value(0);
        out.push_str(&format!("{pad}{}\n", g.update(&e)));
    }
    // Now and then inside an `if` that is no test (the split looks inside it).
    let nested = g.rng.percent(10);
    let pad = if nested {
        let lit = g.arith.lit(g.rng);
        out.push_str(&format!("{pad}if s > {lit} {{\n"));
        format!("{pad}    ")
    } else {
        pad.to_string()
    };
    out.push_str(&format!("{pad}if {cond} {{\n"));
    let inner = format!("{pad}    ");
    g.branch(then_reach, &inner, &mut out);
    // Now and then no `else`.
    if g.rng.percent(90) {
        out.push_str(&format!("{pad}}} else {{\n"));
        g.branch(else_reach, &inner, &mut out);
    }
    out.push_str(&format!("{pad}}}\n"));
    // Now and then a second `if`: on the same condition (folded the same way in the interior),
    // or on another test.
    if g.rng.percent(15) {
        let second = if g.rng.percent(50) {
            cond.clone()
        } else {
            let axes = g.axes();
            let axis = axes[g.rng.below(axes.len())];
            g.random_test(axis)
        };
        let e = g.value(0);
        out.push_str(&format!(
            "{pad}if {second} {{\n{inner}{}\n{pad}}}\n",
            g.update(&e)
        ));
    }
    if nested {
        out.push_str(&format!("{}}}\n", &pad[4..]));
    }
    if g.rng.percent(20) {
        let e = g.value(0);
        out.push_str(&format!(
            "{}{}\n",
            &pad[if nested { 4 } else { 0 }..],
            g.update(&e)
        ));
    }
    if two_d {
        out.push_str("        }\n");
    }
    out.push_str("    }\n    total\n}\n");
    out
}
