//! The source generator's state ([`Gen`]: scopes and variables, the function's arrays and
//! helpers, loop depth and statement budget) and whole kernels: helper functions, then the kernel
//! `k` ([`kernel_source`]). Statements are generated in `stmt`, expressions in `expr`.

use super::args::{any_scalar, ArrayParam, Param};
use super::rng::Rng;
use super::values::int_type;
use rumba_compiler::ir::Scalar;
use std::fmt::Write;

#[derive(Clone, Debug)]
pub(super) struct Var {
    pub(super) name: String,
    pub(super) ty: Scalar,
    pub(super) assignable: bool,
    /// For a `usize` loop variable over `0..extent`: the array and axis of that extent.
    pub(super) bound: Option<(usize, usize)>,
    /// An immutable parameter of the kernel: a value LLVM cannot know at compile time.
    pub(super) opaque: bool,
}

#[derive(Clone, Debug)]
pub(super) enum HelperParam {
    Scalar(Scalar),
    Array(ArrayParam),
    /// The depth left of a recursive helper (`u32`, passed below 5).
    Depth,
}

#[derive(Clone, Debug)]
pub(super) struct Helper {
    pub(super) name: String,
    pub(super) params: Vec<HelperParam>,
    pub(super) ret: Option<Scalar>,
}

pub(super) struct Gen<'r> {
    pub(super) rng: &'r mut Rng,
    pub(super) out: String,
    pub(super) indent: usize,
    pub(super) vars: Vec<Var>,
    /// The arrays of the function being generated: name and type.
    pub(super) arrays: Vec<(String, ArrayParam)>,
    /// The helpers it may call.
    pub(super) helpers: Vec<Helper>,
    /// Its return type (`None`: `()`).
    pub(super) ret: Option<Scalar>,
    pub(super) loop_depth: u32,
    /// The labels of the enclosing labelled loops.
    pub(super) labels: Vec<String>,
    pub(super) max_loop_depth: u32,
    /// Statements left to generate in the function.
    pub(super) budget: u32,
    pub(super) fresh: u32,
    /// How many array indices the expression being generated is inside.
    pub(super) in_index: u32,
    /// Whether expressions may `return`, `break` or `continue` (not in `while` conditions), and
    /// statements `return` (not in a `prange` body).
    pub(super) diverge_ok: bool,
    /// Whether this is the kernel (not a helper).
    pub(super) kernel: bool,
    /// The positions in `arrays` of the arrays (and mutable views) the function made itself:
    /// passed to helpers as `&t` / `&mut t`, never moved.
    pub(super) made: Vec<usize>,
    /// Whether the types drawn include the 128-bit integers (`any_scalar`, `int_type`).
    pub(super) wide: bool,
}

/// The helpers and the kernel; 128-bit integers among the types they draw when `wide`.
pub(super) fn kernel_source(rng: &mut Rng, params: &[Param], wide: bool) -> String {
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
            hp.push(HelperParam::Scalar(any_scalar(rng, wide)));
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
            Some(any_scalar(rng, wide))
        } else {
            None
        };
        let helper = Helper {
            name: format!("h{h}"),
            params: hp,
            ret,
        };
        let mut g = Gen::new(rng, helpers.clone(), helper.ret, 1, 10);
        g.wide = wide;
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
                HelperParam::Depth => unreachable!("made by `recursive_helper`"),
            }
        }
        let ret_text = helper.ret.map_or(String::new(), |t| format!(" -> {t}"));
        let _ = writeln!(out, "fn {}({}){ret_text} {{", helper.name, names.join(", "));
        g.body();
        out += &g.out;
        out += "}\n\n";
        helpers.push(helper);
    }
    if rng.percent(30) {
        out += &recursive_helper(rng, &mut helpers, wide);
    }
    if rng.percent(30) {
        out += &struct_helper(rng, &mut helpers, wide);
    }
    let ret = if rng.percent(75) {
        Some(any_scalar(rng, wide))
    } else {
        None
    };
    let mut g = Gen::new(rng, helpers, ret, 3, 30);
    g.kernel = true;
    g.wide = wide;
    let names = g.kernel_params(params, true);
    let ret_text = ret.map_or(String::new(), |t| format!(" -> {t}"));
    let _ = writeln!(out, "fn k({}){ret_text} {{", names.join(", "));
    g.body();
    out += &g.out;
    out += "}\n";
    out
}

/// A recursive helper `r(d, x)`, added to `helpers`: `x` at depth 0, else an expression of `x`
/// and the value of a recursive call one level down with another `x`.
fn recursive_helper(rng: &mut Rng, helpers: &mut Vec<Helper>, wide: bool) -> String {
    let ty = any_scalar(rng, wide);
    let mut g = Gen::new(rng, helpers.clone(), Some(ty), 0, 0);
    g.wide = wide;
    let var = |name: &str| Var {
        name: name.into(),
        ty,
        assignable: false,
        bound: None,
        opaque: false,
    };
    g.vars.push(var("x"));
    let down = g.expr(ty, 2);
    g.vars.push(var("y"));
    let value = g.expr(ty, 2);
    let helper = Helper {
        name: "r".into(),
        params: vec![HelperParam::Depth, HelperParam::Scalar(ty)],
        ret: Some(ty),
    };
    helpers.push(helper);
    format!(
        "fn r(d: u32, x: {ty}) -> {ty} {{\n    if d == 0 {{\n        return x;\n    }}\n    \
         let y = r(d - 1, {down});\n    {value}\n}}\n\n"
    )
}

/// A struct `S` of two scalar fields and a helper `st(x, y)`, added to `helpers`, that builds
/// one (fields written out of order), writes its fields, copies it, writes the original again and
/// returns an expression of both copies' fields.
fn struct_helper(rng: &mut Rng, helpers: &mut Vec<Helper>, wide: bool) -> String {
    let (ta, tb) = (any_scalar(rng, wide), any_scalar(rng, wide));
    let mut g = Gen::new(rng, helpers.clone(), Some(ta), 0, 0);
    g.wide = wide;
    let var = |name: &str, ty: Scalar| Var {
        name: name.into(),
        ty,
        assignable: false,
        bound: None,
        opaque: false,
    };
    g.vars.push(var("x", ta));
    g.vars.push(var("y", tb));
    g.vars.push(var("v.a", ta));
    g.vars.push(var("v.b", tb));
    let first = g.expr(ta, 2);
    let second = g.expr(tb, 2);
    g.vars.push(var("w.a", ta));
    g.vars.push(var("w.b", tb));
    let value = g.expr(ta, 2);
    helpers.push(Helper {
        name: "st".into(),
        params: vec![HelperParam::Scalar(ta), HelperParam::Scalar(tb)],
        ret: Some(ta),
    });
    format!(
        "#[derive(Clone, Copy)]\nstruct S {{\n    a: {ta},\n    b: {tb},\n}}\n\n\
         fn st(x: {ta}, y: {tb}) -> {ta} {{\n    let mut v = S {{ b: y, a: x }};\n    \
         v.a = {first};\n    let w = v;\n    v.b = {second};\n    {value}\n}}\n\n"
    )
}

impl<'r> Gen<'r> {
    pub(super) fn new(
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
            labels: Vec::new(),
            max_loop_depth,
            budget,
            fresh: 0,
            in_index: 0,
            diverge_ok: true,
            kernel: false,
            made: Vec::new(),
            wide: false,
        }
    }

    /// A scalar type of any kind ([`any_scalar`]), 128-bit integers included when `wide`.
    pub(super) fn any_scalar(&mut self) -> Scalar {
        any_scalar(self.rng, self.wide)
    }

    /// An integer type ([`int_type`]), 128-bit integers included when `wide`.
    pub(super) fn int_type(&mut self) -> Scalar {
        int_type(self.rng, self.wide)
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
    pub(super) fn kernel_params(&mut self, params: &[Param], mutable: bool) -> Vec<String> {
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

    pub(super) fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out += "    ";
        }
        self.out += text;
        self.out.push('\n');
    }

    /// The scalars in scope (the innermost of each name).
    pub(super) fn visible(&self) -> Vec<Var> {
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

    pub(super) fn vars_of(&self, ty: Scalar) -> Vec<Var> {
        self.visible().into_iter().filter(|v| v.ty == ty).collect()
    }

    pub(super) fn arrays_of(&self, elem: Scalar) -> Vec<usize> {
        (0..self.arrays.len())
            .filter(|&i| self.arrays[i].1.elem == elem)
            .collect()
    }
}
