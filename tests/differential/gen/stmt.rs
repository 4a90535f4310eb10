//! Statements: `let` (also deferred), assignments and compound assignments, stores, `if`,
//! `match` on integers (literals, ranges, `|`, bindings, guards), the loops (`for` over ranges,
//! `.rev()` and `.step_by(k)`, `while`, `loop`, some labelled, with `break` and `continue`, to
//! the innermost loop or by label), shape destructuring and early returns. Every loop's trip
//! count is bounded by construction, whatever the values.

use super::args::ArrayParam;
use super::kernel::{Gen, Var};
use super::values::{int_literal, int_range, int_value, offset};
use rumba_compiler::ir::{Int, Scalar};

impl<'r> Gen<'r> {
    pub(super) fn body(&mut self) {
        self.stmts(0);
        if let Some(t) = self.ret {
            let tail = self.expr(t, 3);
            self.line(&tail);
        }
    }

    /// A few statements in the current scope.
    pub(super) fn stmts(&mut self, depth: u32) {
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
        let (mark, arrays) = (self.vars.len(), self.arrays.len());
        for p in prologue {
            self.line(p);
        }
        self.stmts(depth + 1);
        self.vars.truncate(mark);
        self.arrays.truncate(arrays);
        self.made.retain(|m| *m < arrays);
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
                let mut kw = if self.rng.percent(50) {
                    "break".to_string()
                } else {
                    "continue".to_string()
                };
                if !self.labels.is_empty() && self.rng.percent(50) {
                    let l = self.rng.below(self.labels.len());
                    kw = format!("{kw} {}", self.labels[l]);
                }
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
                let ty = self.any_scalar();
                let e = self.expr(ty, 2);
                self.line(&format!("let _ = {e};"));
            }
            98 if self.rng.percent(50) => self.new_array(),
            98 => self.view(),
            99 => self.match_stmt(depth),
            _ => self.let_stmt(),
        }
    }

    /// `match` on an integer: literal, range, `|` and binding arms, some guarded, ending in `_`
    /// or a binding (or, on `u8`, covering every value without one).
    fn match_stmt(&mut self, depth: u32) {
        let ty = self.int_type();
        let x = self.expr(ty, 2);
        self.line(&format!("match {x} {{"));
        self.indent += 1;
        let lit = |g: &mut Self| {
            let v = g.rng.below(8) as i64 - if ty.is_signed() { 3 } else { 0 };
            format!("{v}")
        };
        for _ in 0..1 + self.rng.below(3) {
            let pattern = match self.rng.below(3) {
                0 => lit(self),
                1 => format!("{} | {}", lit(self), lit(self)),
                _ => {
                    let a = self.rng.below(5);
                    format!("{a}..={}", a + self.rng.below(4))
                }
            };
            let guard = if self.rng.percent(20) {
                format!(" if {}", self.expr(Scalar::Bool, 1))
            } else {
                String::new()
            };
            self.block(&format!("{pattern}{guard} => {{"), depth, &[]);
            self.line("}");
        }
        if ty.bits() == 128 && self.rng.percent(50) {
            // A value far from zero (around 2^63, 2^64, MIN or MAX), alone or as a range.
            let v = int_value(self.rng, ty);
            let max = int_range(ty).1;
            let k = self.rng.below(4) as i128;
            let hi = if v <= offset(max, -k) {
                offset(v, k)
            } else {
                max
            };
            let pattern = if self.rng.percent(50) {
                v.to_string()
            } else {
                format!("{v}..={hi}")
            };
            self.block(&format!("{pattern} => {{"), depth, &[]);
            self.line("}");
        }
        if (ty == Scalar::U8 || ty == Scalar::U128) && self.rng.percent(30) {
            // Every value covered without `_`, as in Rust.
            self.block(&format!("8..={ty}::MAX | 0..=7 => {{"), depth, &[]);
        } else if self.rng.percent(50) {
            self.block("_ => {", depth, &[]);
        } else {
            let n = self.name("m");
            self.vars.push(Var {
                name: n.clone(),
                ty,
                assignable: false,
                bound: None,
                opaque: false,
            });
            let mark = self.vars.len() - 1;
            self.block(&format!("{n} => {{"), depth, &[]);
            self.vars.truncate(mark);
        }
        self.line("}");
        self.indent -= 1;
        self.line("}");
    }

    /// A label for a new loop (`'l3: `), or none; pushed on `labels` when made.
    fn loop_label(&mut self) -> String {
        if !self.rng.percent(30) {
            return String::new();
        }
        let l = format!("'{}", self.name("l"));
        self.labels.push(l.clone());
        format!("{l}: ")
    }

    fn end_label(&mut self, label: &str) {
        if !label.is_empty() {
            self.labels.pop();
        }
    }

    pub(super) fn let_stmt(&mut self) {
        let ty = self.any_scalar();
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
        let ty = self.any_scalar();
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
                let t = self.int_type();
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
                let ty = self.int_type();
                let (min, max) = int_range(ty);
                let len = self.rng.below(7) as i128;
                let start = match self.rng.below(4) {
                    0 => min,
                    1 => offset(max, -len),
                    _ => Int::from(self.rng.below(9) as i128 - 4).clamp(min, offset(max, -len)),
                };
                let inclusive = self.rng.percent(40) && len > 0;
                let end = if inclusive {
                    offset(start, len - 1)
                } else {
                    offset(start, len)
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
                let ty = self.int_type();
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
                let ty = self.int_type();
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
                    let t = self.int_type();
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
        let label = self.loop_label();
        self.block(&format!("{label}for {var} in {range} {{"), depth, &[]);
        self.end_label(&label);
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
        let label = self.loop_label();
        self.block(
            &format!("{label}while {w} < {k}u32{extra} {{"),
            depth,
            &[format!("{w} += 1u32;")],
        );
        self.end_label(&label);
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
        let label = self.loop_label();
        self.block(&format!("{label}loop {{"), depth, &prologue);
        self.end_label(&label);
        self.loop_depth -= 1;
        self.line("}");
    }

    /// `let mut t = Array2::<T>::zeros((2, 3));` and the other ways to make an array: `ones`,
    /// `from_elem`, `vec![v; n]`, `[v; N]`, `[a, b, c]`, a copy (`a.to_owned()`), one shaped like another
    /// (`Array::<T>::zeros(a.raw_dim())`): an array of the function's own, which later statements
    /// read, write and pass to helpers (as `&t` / `&mut t`).
    fn new_array(&mut self) {
        let elem = self.any_scalar();
        let numeric = elem != Scalar::Bool;
        let n = 1 + self.rng.below(5);
        let m = 1 + self.rng.below(4);
        let lit = self.literal(elem);
        let source = (!self.arrays.is_empty()).then(|| self.rng.below(self.arrays.len()));
        let (text, p) = match (self.rng.below(7), source) {
            (0, _) if numeric => (format!("Array1::<{elem}>::zeros({n}usize)"), (elem, 1)),
            (1, _) if numeric => (
                format!("Array2::<{elem}>::ones(({n}usize, {m}usize))"),
                (elem, 2),
            ),
            (2, _) => (
                format!("Array2::from_elem(({n}usize, {m}usize), {lit})"),
                (elem, 2),
            ),
            (3, _) => (format!("vec![{lit}; {n}usize]"), (elem, 1)),
            (4, _) if self.rng.below(2) == 0 => (format!("[{lit}; {n}]"), (elem, 1)),
            (4, _) => {
                let items: Vec<String> = (0..n).map(|_| self.literal(elem)).collect();
                (format!("[{}]", items.join(", ")), (elem, 1))
            }
            (5, Some(a)) => {
                let (name, q) = self.arrays[a].clone();
                (format!("{name}.to_owned()"), (q.elem, q.ndim))
            }
            (_, Some(a)) if numeric => {
                let (name, q) = self.arrays[a].clone();
                (
                    format!("Array::<{elem}>::zeros({name}.raw_dim())"),
                    (elem, q.ndim),
                )
            }
            _ => (format!("Array1::from_elem({n}usize, {lit})"), (elem, 1)),
        };
        let name = self.name("t");
        self.line(&format!("let mut {name} = {text};"));
        self.made.push(self.arrays.len());
        self.arrays.push((
            name,
            ArrayParam {
                elem: p.0,
                ndim: p.1,
                writable: true,
            },
        ));
    }

    /// `let v = a.slice(s![1..;2]);`, `a.row(i)`, `a.t()`: a read-only view of an array, read like
    /// one (`slice_mut` views of arrays the function made are written through).
    fn view(&mut self) {
        if self.arrays.is_empty() {
            return self.new_array();
        }
        let a = self.rng.below(self.arrays.len());
        let (name, q) = self.arrays[a].clone();
        let writable = self.made.contains(&a) && self.rng.percent(50);
        let (slice, mutate) = if writable {
            ("slice_mut", "mut ")
        } else {
            ("slice", "")
        };
        let whole = |g: &mut Self| match g.rng.below(6) {
            0 => "1..".to_string(),
            1 => "..;2".to_string(),
            2 => "..;-1".to_string(),
            3 => "..-1".to_string(),
            4 => "1..;-2".to_string(),
            _ => "..".to_string(),
        };
        let (text, ndim) = match (q.ndim, self.rng.below(3)) {
            (2, 0) => {
                let i = self.index(a, 0);
                let which = if writable { "row_mut" } else { "row" };
                (format!("{name}.{which}({i})"), 1)
            }
            (2, 1) if !writable => (format!("{name}.t()"), 2),
            (nd, _) => {
                let axes: Vec<String> = (0..nd).map(|_| whole(self)).collect();
                (format!("{name}.{slice}(s![{}])", axes.join(", ")), nd)
            }
        };
        let v = self.name("w");
        self.line(&format!("let {mutate}{v} = {text};"));
        if writable {
            self.made.push(self.arrays.len());
        }
        self.arrays.push((
            v,
            ArrayParam {
                elem: q.elem,
                ndim,
                writable,
            },
        ));
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
}
