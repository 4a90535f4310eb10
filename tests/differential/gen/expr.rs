//! Expressions of a given scalar type: operators, casts, the numeric methods (the tables below
//! are what the generator calls), literals, variables, array elements with indices mostly in
//! bounds, shape queries, helper calls, `if`, `match` and block expressions, and the integers'
//! `checked_*` methods, their `Option`s read with `unwrap_or`, `match` or `if let`,
//! `abs_diff` (an unsigned result of signed operands), `match` on tuples and complex arithmetic.

use super::kernel::{Gen, HelperParam, Var};
use super::values::{
    float_literal, float_value, int_literal, int_range, int_value, is_name, unsuffixed, FLOATS,
};
use rumba_compiler::ir::{Int, Intrinsic, Precision, Rel, Scalar};

const ARITH: [&str; 5] = ["+", "-", "*", "/", "%"];
const BITS: [&str; 3] = ["&", "|", "^"];
const CMP: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];
/// The methods of the intrinsics table defined on `receiver` that take `args` and return `ret`,
/// in the table's order.
fn methods(receiver: Scalar, args: &[Rel], ret: Rel) -> Vec<&'static str> {
    Intrinsic::TABLE
        .iter()
        .filter(|d| !d.is_hidden() && d.accepts(receiver) && d.args == args && d.ret == ret)
        .map(|d| d.name)
        .collect()
}
/// The methods of the intrinsics table defined on `receiver` that return `ret`, in the table's
/// order.
fn methods_returning(receiver: Scalar, ret: Rel) -> Vec<&'static str> {
    Intrinsic::TABLE
        .iter()
        .filter(|d| !d.is_hidden() && d.accepts(receiver) && d.ret == ret)
        .map(|d| d.name)
        .collect()
}
/// Whether the method's result is exact (correctly rounded), so that LLVM's constant folding and
/// the C library agree on it. The others have unspecified precision in Rust, and LLVM folds `f32`
/// calls through the `f64` function, which can differ in the last bit from the `f32` one: `f32`
/// kernels call them on values unknown at compile time, or through `f64`.
fn exact(method: &str) -> bool {
    Intrinsic::from_name(method).is_some_and(|op| op.desc().precision == Precision::Exact)
}

/// Whether a kernel must give the same bits on the GPU as on the CPU: it calls none of the float
/// methods whose precision Rust leaves unspecified (libdevice and the C library differ there).
/// The generator's complex arithmetic (`complex_expr`: `+ - * /`, `conj`, parts, `norm_sqr`) is
/// exact IEEE arithmetic, on the GPU too.
pub fn exact_on_gpu(source: &str) -> bool {
    !Intrinsic::TABLE
        .iter()
        .filter(|d| d.precision != Precision::Exact)
        .any(|d| source.contains(&format!(".{}(", d.name)))
}

impl<'r> Gen<'r> {
    /// An expression of type `ty`, at most `depth` operators deep.
    pub(super) fn expr(&mut self, ty: Scalar, depth: u32) -> String {
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
        if self.rng.percent(3) {
            return self.match_expr(ty, d, false);
        }
        if self.rng.percent(2) {
            return self.match_expr(ty, d, true);
        }
        if ty.is_float() && self.rng.percent(3) {
            return self.complex_expr(ty, d);
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

    /// `match` on an integer as a value: literal, `|` and range arms, one guarded, then `_`; or,
    /// with `tuple`, on an integer and a `bool`: literal and range elements, wildcards, a guard,
    /// then `_`.
    fn match_expr(&mut self, ty: Scalar, d: u32, tuple: bool) -> String {
        let on = self.int_type();
        let x = self.expr(on, d);
        let c = if tuple {
            self.expr(Scalar::Bool, d)
        } else {
            String::new()
        };
        let lo = if on.is_signed() { -2 } else { 0 };
        let a = lo + self.rng.below(4) as i64;
        let b = a + 1 + self.rng.below(3) as i64;
        let (e1, e2, e3) = (self.expr(ty, d), self.expr(ty, d), self.expr(ty, d));
        let g = self.expr(Scalar::Bool, d);
        let e4 = self.expr(ty, d);
        if tuple {
            format!(
                "(match ({x}, {c}) {{ ({a}, true) => {e1}, ({a}..={b}, false) if {g} => {e2}, (_, true) => {e3}, _ => {e4} }})"
            )
        } else {
            format!(
                "(match {x} {{ {a} => {e1}, {a} | {b} if {g} => {e2}, {a}..={b} => {e3}, _ => {e4} }})"
            )
        }
    }

    /// A complex number of `ty` parts made from two expressions, combined with another by an
    /// operator (`conj` on either side at times), read back as a part or `norm_sqr` (the
    /// operations num-complex defines exactly: no transcendental functions).
    fn complex_expr(&mut self, ty: Scalar, d: u32) -> String {
        let operand = |g: &mut Self| {
            let (re, im) = (g.expr(ty, d), g.expr(ty, d));
            let conj = if g.rng.percent(25) { ".conj()" } else { "" };
            format!("Complex::new({re}, {im}){conj}")
        };
        let a = operand(self);
        let b = operand(self);
        let op = self.rng.pick(&["+", "-", "*", "/"]);
        let z = self.name("z");
        let read = self.rng.pick(&["re", "im", "norm_sqr()"]);
        format!("({{ let {z} = {a} {op} {b}; {z}.{read} }})")
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
        let from = self.any_scalar();
        if from == Scalar::Bool && ty.is_float() {
            return None;
        }
        let e = self.expr(from, d);
        Some(format!("({e} as {ty})"))
    }

    pub(super) fn literal(&mut self, ty: Scalar) -> String {
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
    pub(super) fn leaf(&mut self, ty: Scalar) -> String {
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
    pub(super) fn element(&mut self, a: usize) -> String {
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

    pub(super) fn index(&mut self, a: usize, axis: usize) -> String {
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
                let t = self.int_type();
                let e = self.expr(t, 1);
                format!("({e} as usize)")
            }
        }
    }

    /// A divisor: mostly a non-zero literal, so that not every kernel stops at its first `/`.
    pub(super) fn divisor(&mut self, ty: Scalar, d: u32) -> String {
        if self.rng.percent(60) {
            if ty.is_float() {
                return self.literal(ty);
            }
            let (min, max) = int_range(ty);
            let v = self.rng.below(7) as i128 + 1;
            let v = if ty.is_signed() && self.rng.percent(30) {
                -v
            } else {
                v
            };
            return int_literal(self.rng, ty, Int::from(v).clamp(min, max));
        }
        self.expr(ty, d)
    }

    /// An integer `checked_*` method's `Option`, read with `unwrap_or`, a `match` or `if let`.
    fn checked(&mut self, ty: Scalar, d: u32) -> String {
        const CHECKED: [&str; 8] = [
            "checked_add",
            "checked_sub",
            "checked_mul",
            "checked_div",
            "checked_rem",
            "checked_neg",
            "checked_shl",
            "checked_shr",
        ];
        let m = self.rng.pick(&CHECKED);
        let x = self.expr(ty, d);
        let call = match m {
            "checked_neg" => format!("{x}.{m}()"),
            "checked_shl" | "checked_shr" => {
                let e = if self.rng.percent(70) {
                    format!("{}u32", self.rng.below(70))
                } else {
                    self.expr(Scalar::U32, d)
                };
                format!("{x}.{m}({e})")
            }
            _ => {
                let y = self.expr(ty, d);
                format!("{x}.{m}({y})")
            }
        };
        let z = self.expr(ty, d);
        let v = self.name("v");
        match self.rng.below(3) {
            0 => format!("{call}.unwrap_or({z})"),
            1 => format!("(match {call} {{ Some({v}) => {v}, None => {z} }})"),
            _ => format!("(if let Some({v}) = {call} {{ {v} }} else {{ {z} }})"),
        }
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
                    unsuffixed(int_value(self.rng, ty))
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
                let t = self.int_type();
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
            11..=15 if self.rng.percent(10) => self.checked(ty, d),
            11..=15 if !signed && self.rng.percent(8) => {
                // `abs_diff` of the signed type of this width, or of this type.
                let signed_twin = match ty {
                    Scalar::U8 => Scalar::I8,
                    Scalar::U16 => Scalar::I16,
                    Scalar::U32 => Scalar::I32,
                    Scalar::U64 => Scalar::I64,
                    Scalar::U128 => Scalar::I128,
                    _ => Scalar::Isize,
                };
                let t = if self.rng.percent(50) {
                    signed_twin
                } else {
                    ty
                };
                let x = self.expr(t, d);
                let y = self.expr(t, d);
                format!("{x}.abs_diff({y})")
            }
            11..=15 => {
                let x = self.expr(ty, d);
                let m = self.rng.pick(&methods_returning(ty, Rel::Same));
                match Intrinsic::from_name(m).map(|op| op.desc().args) {
                    Some([]) => format!("{x}.{m}()"),
                    Some([Rel::Fixed(Scalar::U32)]) => {
                        let e = if self.rng.percent(70) {
                            format!("{}u32", self.rng.below(8))
                        } else {
                            self.expr(Scalar::U32, d)
                        };
                        format!("{x}.{m}({e})")
                    }
                    Some([Rel::Same, Rel::Same]) => {
                        let (lo, hi) = self.bounds(ty, d);
                        format!("{x}.{m}({lo}, {hi})")
                    }
                    _ => {
                        let y = self.expr(ty, d);
                        format!("{x}.{m}({y})")
                    }
                }
            }
            // A float's bits: the same on every target for every value but NaN (whose sign and
            // payload Rust leaves unspecified), which is replaced first.
            16 if (ty == Scalar::U32 || ty == Scalar::U64) && self.rng.percent(30) => {
                let f = if ty == Scalar::U32 {
                    Scalar::F32
                } else {
                    Scalar::F64
                };
                let v = self.expr(f, d);
                let zero = float_literal(f, 0.0);
                format!("({{ let b = {v}; if b.is_nan() {{ {zero} }} else {{ b }} }}).to_bits()")
            }
            16 if ty == Scalar::U32 => {
                let t = self.int_type();
                let x = self.expr(t, d);
                let m = self.rng.pick(&methods(t, &[], Rel::Fixed(Scalar::U32)));
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
            // A float from its bits: a path call of the intrinsics table (`f64::from_bits`).
            7 if self.rng.percent(25) => {
                let (bits, name) = if ty == Scalar::F32 {
                    (Scalar::U32, "f32::from_bits")
                } else {
                    (Scalar::U64, "f64::from_bits")
                };
                let u = self.expr(bits, d);
                format!("{name}({u})")
            }
            7 => {
                let a = self.expr(ty, d);
                format!("(-{a})")
            }
            8..=12 => {
                let m = self.rng.pick(&methods(ty, &[], Rel::Same));
                if ty == Scalar::F32 && !exact(m) {
                    return match self.opaque_f32() {
                        Some(x) => format!("{x}.{m}()"),
                        None => format!("(({} as f64).{m}() as f32)", self.expr(ty, d)),
                    };
                }
                let x = self.expr(ty, d);
                format!("{x}.{m}()")
            }
            13..=15 => {
                let m = self.rng.pick(&methods(ty, &[Rel::Same], Rel::Same));
                if ty == Scalar::F32 && !exact(m) {
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
                // while the same call at run time multiplies (and divides for `n < 0`). The two
                // agree for these exponents; not for -1: `1.0 / x` is correctly rounded where
                // glibc's `pow(x, -1.0)` may not be (x = 0.49999999999999994: 2.0000000000000004
                // against 2.0).
                let v = self.rng.below(3) as i128;
                let n = int_literal(self.rng, Scalar::I32, v.into());
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
                let t = self.any_scalar();
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
                let m = self.rng.pick(&methods(t, &[], Rel::Fixed(Scalar::Bool)));
                if m.starts_with("is_sign") {
                    // The sign of a NaN is unspecified: ask it of numbers only.
                    return format!("({x}.{m}() && !{x}.is_nan())");
                }
                format!("{x}.{m}()")
            }
            _ => {
                const SIGNED: [Scalar; 6] = [
                    Scalar::I8,
                    Scalar::I16,
                    Scalar::I32,
                    Scalar::I64,
                    Scalar::Isize,
                    Scalar::I128,
                ];
                const UNSIGNED: [Scalar; 6] = [
                    Scalar::U8,
                    Scalar::U16,
                    Scalar::U32,
                    Scalar::U64,
                    Scalar::Usize,
                    Scalar::U128,
                ];
                // `is_positive`/`is_negative` of a signed integer, `is_power_of_two` of an
                // unsigned one.
                let ints = if self.rng.percent(50) {
                    &SIGNED
                } else {
                    &UNSIGNED
                };
                let t = self.rng.pick(&ints[..if self.wide { 6 } else { 5 }]);
                let x = self.expr(t, d);
                let m = self.rng.pick(&methods(t, &[], Rel::Fixed(Scalar::Bool)));
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
    pub(super) fn call(&mut self, h: usize) -> String {
        let helper = self.helpers[h].clone();
        let mut args = Vec::new();
        for p in &helper.params {
            match p {
                HelperParam::Scalar(t) => args.push(self.expr(*t, 1)),
                HelperParam::Depth => args.push(format!("({}) % 5", self.expr(Scalar::U32, 1))),
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
                            let name = self.arrays[i].0.clone();
                            args.push(match (self.made.contains(&i), want.writable) {
                                (false, _) => name,
                                (true, true) => format!("&mut {name}"),
                                (true, false) => format!("&{name}"),
                            });
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
