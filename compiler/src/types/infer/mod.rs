//! Unification-based inference over one function instance, and the instance table.
//!
//! In: the untyped program, an entry function and its argument types. Out: the typed program.
//! Here: the instance table (`specialize`) and the state of one inference (`Infer`);
//! `unify` (type variables and their union-find), `stmt` and `expr` (the walk over a function),
//! `each` (whole-array walks: typed, then expanded into index loops before resolution),
//! `fuse` (array arithmetic fused into one walk), `fused_reduce` (a `sum` fused with it),
//! `option` (`Option` values rewritten as the tuples they are, before resolution),
//! `resolve` (the typed instance from the solved variables), `wording` (rustc's wording of the
//! errors).

mod axis;
mod complex;
mod each;
mod expr;
mod fuse;
mod fused_reduce;
mod method;
mod option;
mod reduce;
mod resolve;
mod stmt;
mod structs;
mod tuple_eq;
mod unify;
mod wording;

use super::param_types;
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};
use unify::{State, Var};

/// The scalar type of `at`'s elements, for `op` (a reduction, which needs numbers): an array of
/// structs is an error at `span`.
fn scalar_elems(at: ArrayType, op: ReduceOp, span: Span) -> R<Scalar> {
    at.scalar().ok_or_else(|| {
        let name = op.method();
        let field = match at.elem {
            Elem::Struct(t) => t
                .def()
                .and_then(|d| d.fields.first())
                .map_or("x".to_string(), |(f, _)| f.clone()),
            Elem::Scalar(_) => "x".to_string(),
        };
        Diagnostic::new(
            format!("`{name}` needs an array of numbers, not of `{}`", at.elem),
            span,
            "an array of structs",
        )
        .with_help(format!(
            "loop over the elements and combine one field: `for i in 0..p.len() {{ s += p[i].{field}; }}`"
        ))
    })
}

/// Specializes `entry` of `program` to the argument types `args` (for every back end).
pub fn specialize(
    program: &Program,
    entry: FuncId,
    args: &[Type],
) -> Result<TypedProgram, Diagnostic> {
    let mut spec = Specializer {
        program,
        instances: PrimaryMap::new(),
        keys: HashMap::new(),
        stack: Vec::new(),
        unit_calls: HashMap::new(),
    };
    let params = param_types(program.func(entry), args)?;
    spec.instantiate(entry, params, None)?;
    let fn_span = program.func(entry).sig_span;
    let mut instances = spec.instances.try_map(|id, inst| {
        inst.ok_or_else(|| {
            Diagnostic::new(
                format!("internal: {id} was never inferred"),
                fn_span,
                "here",
            )
        })
    })?;
    let ret = instances.values().next().map_or(Type::Unit, |i| i.ret);
    if ret.holds(&|t| t.array().is_some_and(|a| a.stack_len().is_some())) {
        let what = match ret.array() {
            Some(a) => format!(
                "a fixed-size array `[{}; {}]`",
                a.elem,
                a.stack_len().unwrap_or(0)
            ),
            None => "a tuple holding a fixed-size array".to_string(),
        };
        return Err(Diagnostic::new(
            format!("kernel `{}` returns {what}", program.func(entry).name),
            fn_span,
            "a kernel's result goes to Rust",
        )
        .with_help("a kernel returns arrays as ndarray `Array`s: copy it into one (`let mut r = Array1::zeros(N); for i in 0..N { r[i] = a[i]; }`) or return its elements as a tuple"));
    }
    // Arrays of plain tuples live inside kernels only: Rust's tuple layout is unspecified.
    let tuples = |t: Type| {
        t.array()
            .is_some_and(|a| matches!(a.elem, Elem::Struct(tt) if tt.def().is_none()))
    };
    if ret.holds(&tuples) {
        return Err(Diagnostic::new(
            format!("kernel `{}` returns an array of tuples", program.func(entry).name),
            fn_span,
            "a kernel's result goes to Rust",
        )
        .with_help("declare a struct in the block (`#[derive(Clone, Copy)] struct Peak { at: usize, h: f64 }`) and return `Vec<Peak>`, or return one array per field"));
    }
    // `#[rumba(fastmath)]` on a kernel covers the helpers it calls (they are specialized for it).
    let fastmath = program.func(entry).attrs.fastmath;
    instances
        .values_mut()
        .for_each(|i| i.func.attrs.fastmath = i.func.attrs.fastmath.union(fastmath));
    Ok(TypedProgram { instances })
}

struct Specializer<'p> {
    program: &'p Program,
    /// `None` while its inference runs (a call of it then is recursion, typed by the declared
    /// return type).
    instances: PrimaryMap<InstId, Option<Instance>>,
    keys: HashMap<(FuncId, Vec<Type>), InstId>,
    stack: Vec<FuncId>,
    /// The first recursive call of each instance in progress without `-> T`, typed `()`.
    unit_calls: HashMap<InstId, Span>,
}

/// What a call of an instance returns.
enum Returns {
    Known(Type),
    /// A recursive call of an instance still being inferred: its declared return type.
    Declared(TypeAnn),
}

impl<'p> Specializer<'p> {
    fn instantiate(
        &mut self,
        func: FuncId,
        params: Vec<Type>,
        call: Option<Span>,
    ) -> Result<(InstId, Returns), Diagnostic> {
        let f = self.program.func(func);
        if let Some(&id) = self.keys.get(&(func, params.clone())) {
            return match &self.instances[id] {
                Some(inst) => Ok((id, Returns::Known(inst.ret))),
                None => {
                    if f.ret_ann.is_none() {
                        self.unit_calls
                            .entry(id)
                            .or_insert(call.unwrap_or(f.sig_span));
                    }
                    Ok((id, Returns::Declared(recursive_ret(f, call)?)))
                }
            };
        }
        if self.stack.contains(&func) {
            // Another key of a function in progress: each level could need a new instance.
            return Err(Diagnostic::new(
                format!("recursive call of `{}` with other argument types", f.name),
                call.unwrap_or(f.sig_span),
                format!("called with `({})`", list(&params)),
            )
            .with_help("give the recursive call arguments of the parameters' types (`as` casts)"));
        }
        let id = self.instances.push(None);
        self.keys.insert((func, params.clone()), id);
        self.stack.push(func);
        let result = Infer::run(self, f, func, params);
        self.stack.pop();
        let unit_call = self.unit_calls.get(&id).copied();
        let result = result.map_err(|d| d.in_function(&f.name));
        let inst = result.map_err(|d| match unit_call {
            // An error the `()` of a recursive call may have caused (`1 + f(n - 1)`).
            Some(_) => d.with_note(format!(
                "a recursive call of `{}` is `()`, as no `-> T` is written: declare what it returns",
                f.name
            )),
            None => d,
        })?;
        let ret = inst.ret;
        if let Some(call) = unit_call {
            if ret != Type::Unit {
                return Err(needs_declared_ret(f, call).with_label(
                    f.sig_span,
                    format!("returns `{ret}`, but no `-> {ret}` is written"),
                ));
            }
        }
        self.instances[id] = Some(inst);
        Ok((id, Returns::Known(ret)))
    }
}

/// The return type a recursive call of `f` sees: its `-> T`, which must be complete (scalars,
/// `()`, tuples of them), as rustc requires of every `fn` item; `()` when none is written (what
/// rustc reads there), which the finished instance must then return.
fn recursive_ret(f: &Function<Untyped>, call: Option<Span>) -> Result<TypeAnn, Diagnostic> {
    fn complete(a: TypeAnn) -> bool {
        match a {
            TypeAnn::Unit | TypeAnn::Scalar(_) => true,
            TypeAnn::Tuple(elems) => elems.iter().all(|&e| complete(e)),
            TypeAnn::Option(value) => complete(value[0]),
            TypeAnn::Infer | TypeAnn::Array { .. } | TypeAnn::OneOf(_) => false,
            TypeAnn::Fixed { elem, len } => elem.is_some() && len.is_some(),
        }
    }
    match f.ret_ann {
        None => Ok(TypeAnn::Unit),
        Some(ann) if complete(ann) => Ok(ann),
        Some(_) => Err(
            needs_declared_ret(f, call.unwrap_or(f.sig_span)).with_label(
                f.sig_span,
                "its return type is not a scalar, `()` or a tuple of them",
            ),
        ),
    }
}

fn needs_declared_ret(f: &Function<Untyped>, call: Span) -> Diagnostic {
    Diagnostic::new(
        format!(
            "recursive call of `{}` needs its declared return type",
            f.name
        ),
        call,
        "recursive call here",
    )
    .with_help(format!(
        "declare what `{}` returns, e.g. `fn {}(..) -> i64`",
        f.name, f.name
    ))
}

fn list(types: &[Type]) -> String {
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

struct Infer<'s, 'p> {
    spec: &'s mut Specializer<'p>,
    func: &'p Function<Untyped>,
    parent: Vec<Var>,
    state: Vec<State>,
    locals: SecondaryMap<LocalId, Var>,
    exprs: SecondaryMap<ExprId, Var>,
    ret: Var,
    first_return: Option<Span>,
    methods: HashMap<ExprId, Intrinsic>,
    calls: HashMap<ExprId, InstId>,
    /// Calls of `vectorize` functions on arrays: elementwise array operators (`fuse`).
    ufunc_calls: HashSet<ExprId>,
    /// `f64::from(x)` and the other lossless conversions: a cast to this type.
    conversions: HashMap<ExprId, Scalar>,
    /// Operands read for their type only (`AS_TYPE_OF`'s second): typed by nothing, dropped.
    type_only: HashSet<ExprId>,
    /// `AS_TYPE_OF` calls: casts to the type of the variable, once it is settled.
    casts_to_type_of: Vec<(ExprId, Var)>,
    /// The element variables of each tuple state (`State::Tuple(i)`).
    tuples: Vec<Vec<Var>>,
    /// The tuple states that are structs, and their definitions.
    structs: HashMap<u32, &'static StructDef>,
    /// The position of the field each struct field read or write names.
    fields: HashMap<ExprId, u32>,
    /// The `==` and `!=` of tuples, `Option`s and structs, rewritten once types are known.
    tuple_eqs: Vec<ExprId>,
    /// The compiler temporaries that a `sum` / `product` reduces, and the reduction
    /// (`fused_reduce.rs`, found before the fusion).
    reduced: HashMap<LocalId, ExprId>,
}

type R<T> = Result<T, Diagnostic>;

impl<'s, 'p> Infer<'s, 'p> {
    fn run(
        spec: &'s mut Specializer<'p>,
        func: &'p Function<Untyped>,
        source: FuncId,
        params: Vec<Type>,
    ) -> R<Instance> {
        let mut inf = Infer {
            spec,
            func,
            parent: Vec::new(),
            state: Vec::new(),
            locals: SecondaryMap::new(),
            exprs: SecondaryMap::new(),
            ret: 0,
            first_return: None,
            methods: HashMap::new(),
            calls: HashMap::new(),
            ufunc_calls: HashSet::new(),
            conversions: HashMap::new(),
            type_only: HashSet::new(),
            casts_to_type_of: Vec::new(),
            tuples: Vec::new(),
            structs: HashMap::new(),
            fields: HashMap::new(),
            tuple_eqs: Vec::new(),
            reduced: HashMap::new(),
        };
        for (l, decl) in func.locals.iter() {
            let v = match func.params.contains(&l) {
                // A parameter's type is the call's; its annotation was checked against it.
                true => inf.fresh(State::Any),
                false => inf.annotated(decl.ann),
            };
            inf.locals.insert(l, v);
        }
        for (&p, &t) in func.params.iter().zip(&params) {
            let v = inf.locals[p];
            inf.set(v, State::Known(t));
        }
        for a in &func.shared {
            let v = inf.locals[a.local];
            inf.set(v, State::Known(Type::Array(a.ty())));
        }
        inf.ret = inf.fresh(State::Any);
        if let Some(ann) = func.ret_ann {
            let want = inf.annotated(ann);
            let ret = inf.ret;
            let _ = inf.unify(ret, want);
        }
        inf.block(&func.body)?;
        inf.finish(source, params)
    }
}

impl Infer<'_, '_> {
    /// A variable of the type an annotation writes (`_` parts left open).
    fn annotated(&mut self, ann: TypeAnn) -> Var {
        match ann {
            // One of several types: checked once the type is known (`resolve`).
            TypeAnn::Infer | TypeAnn::OneOf(_) => self.fresh(State::Any),
            TypeAnn::Unit => self.fresh(State::Known(Type::Unit)),
            TypeAnn::Scalar(s) => self.fresh(State::Known(Type::Scalar(s))),
            // An owned array of a `let` (`let t: Array1<f64> = ..`); views are not bound by `let`
            // with a written type, and an `ArrayD` leaves its axes to the value (left open).
            TypeAnn::Array {
                elem,
                ndim: Some(ndim),
                owned: true,
                ..
            } => {
                let elem = match elem {
                    Some(s) => self.fresh(State::Known(Type::Scalar(s))),
                    None => self.fresh(State::Any),
                };
                self.fresh(State::Array(unify::ArrayVar {
                    elem,
                    ndim,
                    layout: Layout::Contig,
                    writable: true,
                    storage: Storage::Heap,
                }))
            }
            TypeAnn::Array { .. } => self.fresh(State::Any),
            TypeAnn::Fixed {
                elem,
                len: Some(len),
            } => {
                let elem = match elem {
                    Some(s) => self.fresh(State::Known(Type::Scalar(s))),
                    None => self.fresh(State::Any),
                };
                self.fresh(State::Array(unify::ArrayVar {
                    elem,
                    ndim: 1,
                    layout: Layout::Contig,
                    writable: true,
                    storage: Storage::Stack(len),
                }))
            }
            TypeAnn::Fixed { .. } => self.fresh(State::Any),
            TypeAnn::Tuple(elems) => {
                let vars = elems.iter().map(|&e| self.annotated(e)).collect();
                let t = self.tuple_state(vars);
                self.fresh(t)
            }
            TypeAnn::Option(value) => {
                let v = self.annotated(value[0]);
                self.fresh(State::Option(v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &str) -> Diagnostic {
        let p = crate::front::lower_source(source).expect("lowers");
        let entry = p.find("k").expect("has `k`");
        specialize(&p, entry, &[]).expect_err("does not type-check")
    }

    #[test]
    fn a_local_nothing_types_is_an_error_not_unit() {
        let d = error("fn k() { let x; }");
        assert_eq!(d.message, "type annotations needed");
    }
}
