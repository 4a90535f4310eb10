//! Unification-based inference over one function instance, and the instance table.

use super::methods::{self, Rel};
use super::{count_mismatch, param_type, param_types};
use crate::diag::{Diagnostic, Label};
use crate::ir::*;
use crate::span::Span;
use std::collections::HashMap;

/// Specializes `entry` of `program` to the argument types `args`.
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
    // `#[rumba(fastmath)]` on a kernel covers the helpers it calls (they are specialized for it).
    if program.func(entry).attrs.fastmath {
        instances
            .values_mut()
            .for_each(|i| i.func.attrs.fastmath = true);
    }
    Ok(TypedProgram { instances })
}

struct Specializer<'p> {
    program: &'p Program,
    /// `None` while its inference runs (a call of it on the stack is recursion).
    instances: PrimaryMap<InstId, Option<Instance>>,
    keys: HashMap<(FuncId, Vec<Type>), InstId>,
    stack: Vec<FuncId>,
}

impl<'p> Specializer<'p> {
    fn instantiate(
        &mut self,
        func: FuncId,
        params: Vec<Type>,
        call: Option<Span>,
    ) -> Result<(InstId, Type), Diagnostic> {
        if let Some(&id) = self.keys.get(&(func, params.clone())) {
            if let Some(inst) = &self.instances[id] {
                return Ok((id, inst.ret));
            }
        }
        let f = self.program.func(func);
        if self.stack.contains(&func) {
            return Err(Diagnostic::new(
                format!("recursive call of `{}`", f.name),
                call.unwrap_or(f.sig_span),
                "recursion is not supported",
            )
            .with_help("rewrite the recursion as a loop"));
        }
        let id = self.instances.push(None);
        self.keys.insert((func, params.clone()), id);
        self.stack.push(func);
        let result = Infer::run(self, f, func, params);
        self.stack.pop();
        let inst = result?;
        let ret = inst.ret;
        self.instances[id] = Some(inst);
        Ok((id, ret))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Any,
    Int,
    Float,
    Known(Type),
}

impl State {
    fn describe(self) -> String {
        match self {
            State::Any => "_".into(),
            State::Int => "{integer}".into(),
            State::Float => "{float}".into(),
            State::Known(t) => t.to_string(),
        }
    }
}

type Var = u32;

struct Infer<'s, 'p> {
    spec: &'s mut Specializer<'p>,
    func: &'p Function,
    parent: Vec<Var>,
    state: Vec<State>,
    locals: SecondaryMap<LocalId, Var>,
    exprs: SecondaryMap<ExprId, Var>,
    ret: Var,
    first_return: Option<Span>,
    methods: HashMap<ExprId, Intrinsic>,
    calls: HashMap<ExprId, InstId>,
}

type R<T> = Result<T, Diagnostic>;

impl<'s, 'p> Infer<'s, 'p> {
    fn run(
        spec: &'s mut Specializer<'p>,
        func: &'p Function,
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
        };
        for (l, decl) in func.locals.iter() {
            let state = match decl.ann {
                TypeAnn::Scalar(s) => State::Known(Type::Scalar(s)),
                TypeAnn::Unit => State::Known(Type::Unit),
                _ => State::Any,
            };
            let v = inf.fresh(state);
            inf.locals.insert(l, v);
        }
        for (&p, &t) in func.params.iter().zip(&params) {
            let v = inf.locals[p];
            inf.state[v as usize] = State::Known(t);
        }
        for a in &func.shared {
            let v = inf.locals[a.local];
            inf.state[v as usize] = State::Known(Type::Array(a.ty()));
        }
        inf.ret = inf.fresh(match func.ret_ann {
            Some(TypeAnn::Scalar(s)) => State::Known(Type::Scalar(s)),
            Some(TypeAnn::Unit) => State::Known(Type::Unit),
            _ => State::Any,
        });
        inf.block(&func.body)?;
        inf.finish(source, params)
    }

    // ---- union-find ----

    fn fresh(&mut self, state: State) -> Var {
        self.parent.push(self.parent.len() as Var);
        self.state.push(state);
        self.parent.len() as Var - 1
    }

    fn find(&mut self, v: Var) -> Var {
        let p = self.parent[v as usize];
        if p == v {
            return v;
        }
        let root = self.find(p);
        self.parent[v as usize] = root;
        root
    }

    fn get(&mut self, v: Var) -> State {
        let r = self.find(v);
        self.state[r as usize]
    }

    fn set(&mut self, v: Var, s: State) {
        let r = self.find(v);
        self.state[r as usize] = s;
    }

    /// Unifies two variables; on failure returns both states for the message.
    fn unify(&mut self, a: Var, b: Var) -> Result<(), (State, State)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let (sa, sb) = (self.state[ra as usize], self.state[rb as usize]);
        let merged = match (sa, sb) {
            (State::Any, s) | (s, State::Any) => s,
            (State::Int, State::Int) => State::Int,
            (State::Float, State::Float) => State::Float,
            (State::Int, State::Known(Type::Scalar(s)))
            | (State::Known(Type::Scalar(s)), State::Int)
                if s.is_int() =>
            {
                State::Known(Type::Scalar(s))
            }
            (State::Float, State::Known(Type::Scalar(s)))
            | (State::Known(Type::Scalar(s)), State::Float)
                if s.is_float() =>
            {
                State::Known(Type::Scalar(s))
            }
            (State::Known(x), State::Known(y)) if x == y => sa,
            _ => return Err((sa, sb)),
        };
        self.parent[ra as usize] = rb;
        self.state[rb as usize] = merged;
        Ok(())
    }

    fn unify_with(&mut self, v: Var, t: Type) -> Result<(), (State, State)> {
        let k = self.fresh(State::Known(t));
        self.unify(v, k)
    }

    fn span(&self, e: ExprId) -> Span {
        self.func.expr(e).span
    }

    /// The name of the variable an expression reads, if it is a named one (not a temporary).
    fn local_name(&self, e: ExprId) -> Option<&'p str> {
        let func = self.func;
        match func.expr(e).kind {
            ExprKind::Local(l) if !func.local(l).temp => Some(func.local(l).name.as_str()),
            _ => None,
        }
    }

    /// The scalar type of a variable, defaulting an unsuffixed literal's type (`i32` / `f64`).
    fn settle(&mut self, v: Var, at: Span) -> R<Type> {
        match self.get(v) {
            State::Known(t) => Ok(t),
            State::Int => {
                self.set(v, State::Known(Type::Scalar(Scalar::I32)));
                Ok(Type::Scalar(Scalar::I32))
            }
            State::Float => {
                self.set(v, State::Known(Type::Scalar(Scalar::F64)));
                Ok(Type::Scalar(Scalar::F64))
            }
            State::Any => Err(Diagnostic::new(
                "type annotations needed",
                at,
                "cannot infer the type of this value",
            )
            .with_help("give the variable a type: `let x: f64`")),
        }
    }

    // ---- statements ----

    fn block(&mut self, b: &Block) -> R<()> {
        b.stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, stmt: &Stmt) -> R<()> {
        match stmt {
            Stmt::Assign { local, value, .. } => {
                let tv = self.expr(*value)?;
                let decl = self.func.local(*local);
                match self.get(tv) {
                    State::Known(Type::Array(_)) => {
                        return Err(Diagnostic::new(
                            "arrays cannot be copied into variables",
                            self.span(*value),
                            "this is an array",
                        )
                        .with_help("use the array argument directly"))
                    }
                    State::Known(Type::Unit) => {
                        return Err(Diagnostic::new(
                            "this expression has no value",
                            self.span(*value),
                            "has type `()`",
                        ))
                    }
                    _ => {}
                }
                let lv = self.locals[*local];
                self.unify(lv, tv).map_err(|(want, got)| {
                    // A temporary of no declared type takes the type of an `if`'s first arm.
                    let d = if decl.temp && decl.ann == TypeAnn::Infer {
                        Diagnostic::new(
                            "`if` and `else` have incompatible types",
                            self.span(*value),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        )
                        .with_help("make both branches produce the same type (cast one with `as`)")
                    } else {
                        let d = Diagnostic::new(
                            "mismatched types",
                            self.span(*value),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        );
                        match decl.temp {
                            true => d,
                            false => d.with_label(
                                decl.span,
                                format!("`{}` has type `{}`", decl.name, want.describe()),
                            ),
                        }
                    };
                    with_cast_help(d, want)
                })
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            } => {
                let tv = self.expr(*value)?;
                let at = self.array_of(*array, *span)?;
                if !at.writable {
                    let name = &self.func.local(*array).name;
                    return Err(Diagnostic::new(
                        format!("cannot assign to an element of `{name}`, a read-only array"),
                        *span,
                        "assignment to a read-only array",
                    )
                    .with_help(format!(
                        "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
                    )));
                }
                self.indices(*array, at, index, *span)?;
                self.unify_with(tv, Type::Scalar(at.elem))
                    .map_err(|(got, want)| {
                        with_cast_help(
                            Diagnostic::new(
                                "mismatched types",
                                self.span(*value),
                                format!(
                                    "expected `{}`, found `{}`",
                                    want.describe(),
                                    got.describe()
                                ),
                            ),
                            want,
                        )
                    })
            }
            Stmt::Eval(e) => self.expr(*e).map(|_| ()),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expect_bool(*cond)?;
                self.block(then_body)?;
                self.block(else_body)
            }
            Stmt::Loop { body } => self.block(body),
            Stmt::For {
                var, range, body, ..
            } => {
                let ts = self.expr(range.start)?;
                let te = self.expr(range.end)?;
                self.unify(ts, te).map_err(|(a, b)| {
                    Diagnostic::new(
                        "mismatched types in range",
                        self.span(range.end),
                        format!("expected `{}`, found `{}`", a.describe(), b.describe()),
                    )
                    .with_label(self.span(range.start), "start of the range")
                })?;
                match self.get(ts) {
                    State::Int
                    | State::Known(Type::Scalar(
                        Scalar::I8
                        | Scalar::I16
                        | Scalar::I32
                        | Scalar::I64
                        | Scalar::Isize
                        | Scalar::U8
                        | Scalar::U16
                        | Scalar::U32
                        | Scalar::U64
                        | Scalar::Usize,
                    )) => {}
                    s => {
                        return Err(Diagnostic::new(
                            format!("`for` ranges must be integers, found `{}`", s.describe()),
                            self.span(range.start),
                            "not an integer",
                        )
                        .with_help("iterate over integers and convert inside the loop"))
                    }
                }
                let lv = self.locals[*var];
                let _ = self.unify(lv, ts);
                if let Some(step) = range.step {
                    let tk = self.expr(step)?;
                    self.unify_with(tk, Type::Scalar(Scalar::Usize))
                        .map_err(|(got, _)| {
                            Diagnostic::new(
                                format!("`step_by` takes a `usize`, found `{}`", got.describe()),
                                self.span(step),
                                "expected `usize`",
                            )
                            .with_help("cast with `as usize`")
                        })?;
                }
                self.block(body)
            }
            Stmt::Break | Stmt::Continue => Ok(()),
            Stmt::Return { value, span } => {
                let tv = match value {
                    Some(v) => self.expr(*v)?,
                    None => self.fresh(State::Known(Type::Unit)),
                };
                if let State::Known(Type::Array(_)) = self.get(tv) {
                    return Err(Diagnostic::new(
                        "kernels cannot return arrays",
                        *span,
                        "returns an array",
                    )
                    .with_help("write results into a `&mut` array argument"));
                }
                let at = value.map_or(*span, |v| self.span(v));
                let ret = self.ret;
                self.unify(ret, tv).map_err(|(want, got)| {
                    let (name, want_s, got_s) = (&self.func.name, want.describe(), got.describe());
                    let d = match (self.first_return, self.func.ret_ann) {
                        (first, Some(TypeAnn::Infer)) | (first @ Some(_), None) => {
                            let d = Diagnostic::new(format!("mismatched types: `{name}` returns `{want_s}` in one place and `{got_s}` in another"), at, format!("returns `{got_s}`"));
                            match first {
                                Some(first) => d.with_label(first, format!("returns `{want_s}` here")),
                                None => d,
                            }
                            .with_help(match want {
                                State::Known(Type::Scalar(s)) if s.is_numeric() => format!("every return of a function has the same type: convert with `as {s}`"),
                                _ => "every return of a function has the same type".into(),
                            })
                        }
                        (_, Some(_)) => with_cast_help(
                            Diagnostic::new(format!("mismatched types: expected `{want_s}` (the return type of `{name}`), found `{got_s}`"), at, format!("expected `{want_s}`, found `{got_s}`"))
                                .with_label(self.func.sig_span, format!("`{name}` returns `{want_s}`")),
                            want,
                        ),
                        (None, None) => Diagnostic::new(format!("mismatched types: expected `{want_s}`, found `{got_s}`"), at, format!("returns `{got_s}`")),
                    };
                    d
                })?;
                self.first_return.get_or_insert(at);
                Ok(())
            }
        }
    }

    fn expect_bool(&mut self, e: ExprId) -> R<()> {
        let t = self.expr(e)?;
        self.unify_with(t, Type::Scalar(Scalar::Bool))
            .map_err(|(got, _)| {
                Diagnostic::new(
                    "mismatched types",
                    self.span(e),
                    format!("expected `bool`, found `{}`", got.describe()),
                )
                .with_help("conditions must be `bool`: compare explicitly, e.g. `x != 0`")
            })
    }

    fn array_of(&mut self, array: LocalId, at: Span) -> R<ArrayType> {
        let v = self.locals[array];
        match self.get(v) {
            State::Known(Type::Array(a)) => Ok(a),
            s => {
                let name = &self.func.local(array).name;
                Err(Diagnostic::new(
                    format!("cannot index into a value of type `{}`", s.describe()),
                    at,
                    format!("`{name}` is not an array"),
                )
                .with_help(format!("pass an array for `{name}` (`&x` or `&mut x`)")))
            }
        }
    }

    fn indices(&mut self, array: LocalId, at: ArrayType, index: &[ExprId], span: Span) -> R<()> {
        let name = self.func.local(array).name.clone();
        if index.len() != at.ndim as usize {
            let example = match at.ndim {
                1 => format!("`{name}[i]`"),
                n => format!(
                    "`{name}[[{}]]`",
                    ["i", "j", "k", "l", "m", "n"]
                        .iter()
                        .take(n as usize)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Diagnostic::new(
                format!(
                    "`{name}` is a {}-D array but is indexed with {} ind{}",
                    at.ndim,
                    index.len(),
                    if index.len() == 1 { "ex" } else { "ices" }
                ),
                span,
                format!(
                    "{} ind{} given",
                    index.len(),
                    if index.len() == 1 { "ex" } else { "ices" }
                ),
            )
            .with_help(format!("index it with {example}")));
        }
        for &i in index {
            let ti = self.expr(i)?;
            self.unify_with(ti, Type::Scalar(Scalar::Usize))
                .map_err(|(got, _)| {
                    Diagnostic::new(
                        format!("array indices must be `usize`, found `{}`", got.describe()),
                        self.span(i),
                        "expected `usize`",
                    )
                    .with_help("cast with `as usize`")
                })?;
        }
        Ok(())
    }

    // ---- expressions ----

    fn expr(&mut self, e: ExprId) -> R<Var> {
        let v = self.expr_inner(e)?;
        self.exprs.insert(e, v);
        Ok(v)
    }

    fn known(&mut self, t: impl Into<Type>) -> Var {
        self.fresh(State::Known(t.into()))
    }

    fn expr_inner(&mut self, e: ExprId) -> R<Var> {
        let func = self.func;
        let span = self.span(e);
        Ok(match &func.expr(e).kind {
            ExprKind::Lit(Lit::Int(_, suffix)) => match suffix {
                Some(s) => self.known(*s),
                None => self.fresh(State::Int),
            },
            ExprKind::Lit(Lit::Float(_, suffix)) => match suffix {
                Some(s) => self.known(*s),
                None => self.fresh(State::Float),
            },
            ExprKind::Lit(Lit::Bool(_)) => self.known(Scalar::Bool),
            ExprKind::Const(c) => self.known(c.ty),
            ExprKind::Local(l) => self.locals[*l],
            ExprKind::Unary(op, x) => {
                let tx = self.expr(*x)?;
                let ok = match (op, self.get(tx)) {
                    (UnOp::Neg, State::Int | State::Float) => true,
                    (UnOp::Neg, State::Known(Type::Scalar(s))) => s.is_signed() || s.is_float(),
                    (UnOp::Not, State::Int) => true,
                    (UnOp::Not, State::Known(Type::Scalar(s))) => s.is_int() || s == Scalar::Bool,
                    _ => false,
                };
                if !ok {
                    let sym = if *op == UnOp::Neg { "-" } else { "!" };
                    return Err(Diagnostic::new(
                        format!(
                            "cannot apply unary operator `{sym}` to type `{}`",
                            self.get(tx).describe()
                        ),
                        span,
                        "here",
                    ));
                }
                tx
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, *a, *b)?,
            ExprKind::Logical(_, a, b) => {
                self.expect_bool(*a)?;
                self.expect_bool(*b)?;
                self.known(Scalar::Bool)
            }
            ExprKind::Cast(x, to) => {
                let tx = self.expr(*x)?;
                // rustc types an unsuffixed literal operand by the target when the kinds agree:
                // `0.1 as f32` rounds once, to f32; `300 as u8` and `-1 as u8` are `u8` literals.
                match func.expr(*x).kind {
                    ExprKind::Lit(Lit::Int(_, None)) if to.is_int() => {
                        self.set(tx, State::Known(Type::Scalar(*to)))
                    }
                    ExprKind::Lit(Lit::Float(_, None)) if to.is_float() => {
                        self.set(tx, State::Known(Type::Scalar(*to)))
                    }
                    _ => {}
                }
                let from = match self.get(tx) {
                    State::Int | State::Float => None,
                    State::Known(Type::Scalar(s)) => Some(s),
                    s => {
                        return Err(Diagnostic::new(
                            format!("cannot cast `{}` as `{to}`", s.describe()),
                            span,
                            "invalid cast",
                        )
                        .with_help("only scalars can be cast with `as`"))
                    }
                };
                if *to == Scalar::Bool && from != Some(Scalar::Bool) {
                    return Err(Diagnostic::new(
                        format!("cannot cast `{}` as `bool`", self.get(tx).describe()),
                        span,
                        "invalid cast",
                    )
                    .with_help("compare instead: `x != 0`"));
                }
                if from == Some(Scalar::Bool) && to.is_float() {
                    return Err(Diagnostic::new(
                        format!("cannot cast `bool` as `{to}`"),
                        span,
                        "invalid cast",
                    )
                    .with_help(format!("cast through an integer: `b as u8 as {to}`")));
                }
                if from.is_none() && self.get(tx) == State::Float && *to == Scalar::Bool {
                    return Err(Diagnostic::new(
                        "cannot cast a float as `bool`",
                        span,
                        "invalid cast",
                    ));
                }
                self.known(*to)
            }
            ExprKind::Load { array, index, .. } => {
                let at = self.array_of(*array, span)?;
                self.indices(*array, at, index, span)?;
                self.known(at.elem)
            }
            ExprKind::Shape { array, query } => self.shape(*array, *query, span)?,
            ExprKind::Method {
                name,
                receiver,
                args,
            } => self.method(e, name, *receiver, args)?,
            ExprKind::Call { func: callee, args } => self.call(e, *callee, args)?,
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => self.gpu(*op, *array, index, args, span)?,
            ExprKind::Intrinsic { .. } | ExprKind::CallInst { .. } => {
                return Err(Diagnostic::new(
                    "internal: typed node in untyped IR",
                    span,
                    "here",
                ))
            }
        })
    }

    fn binary(&mut self, e: ExprId, op: BinOp, a: ExprId, b: ExprId) -> R<Var> {
        let span = self.span(e);
        let ta = self.expr(a)?;
        let tb = self.expr(b)?;
        if op.is_shift() {
            for (x, t) in [(a, ta), (b, tb)] {
                match self.get(t) {
                    State::Int => {}
                    State::Known(Type::Scalar(s)) if s.is_int() => {}
                    s => {
                        return Err(Diagnostic::new(
                            format!(
                                "no implementation for `{}` on `{}`",
                                op.symbol(),
                                s.describe()
                            ),
                            self.span(x),
                            "not an integer",
                        )
                        .with_help("shifts take integers on both sides"))
                    }
                }
            }
            return Ok(ta);
        }
        for (x, t) in [(a, ta), (b, tb)] {
            if let State::Known(Type::Array(_) | Type::Unit) = self.get(t) {
                let (sa, sb) = (self.get(ta), self.get(tb));
                let what = if matches!(self.get(t), State::Known(Type::Unit)) {
                    "has no value (`()`)"
                } else {
                    "is an array"
                };
                let label = match self.local_name(x) {
                    Some(name) => format!("`{name}` {what}"),
                    None => format!("this {what}"),
                };
                let help = if what == "is an array" {
                    "kernels compute on elements: index the array (`a[i]`, `a[[i, j]]`) inside a loop"
                } else {
                    "only scalars can be operands: give the helper a return value"
                };
                return Err(
                    Diagnostic::new(op_message(op, sa, sb), self.span(x), label).with_help(help)
                );
            }
        }
        self.unify(ta, tb).map_err(|(x, y)| {
            let (xs, ys) = (x.describe(), y.describe());
            Diagnostic::new(
                op_message(op, x, y),
                self.span(b),
                format!("expected `{xs}`, found `{ys}`"),
            )
            .with_label(self.span(a), format!("this is `{xs}`"))
            .with_help(operand_cast_help(x, y))
        })?;
        let st = self.get(ta);
        let ok = match st {
            State::Int => true,
            State::Float => !op.is_bitwise(),
            State::Known(Type::Scalar(Scalar::Bool)) => op.is_bitwise() || op.is_comparison(),
            State::Known(Type::Scalar(s)) if s.is_float() => !op.is_bitwise(),
            State::Known(Type::Scalar(_)) => true,
            _ => false,
        };
        if !ok {
            let t = st.describe();
            let help = if op.is_bitwise() {
                "bitwise operators take integers or `bool`"
            } else {
                "`bool` supports `&`, `|`, `^`, `!`, `&&`, `||` and comparisons; convert with `as u8` for arithmetic"
            };
            return Err(Diagnostic::new(
                format!("no implementation for `{t} {} {t}`", op.symbol()),
                span,
                format!("`{}` is not defined for `{t}`", op.symbol()),
            )
            .with_help(help));
        }
        Ok(if op.is_comparison() {
            self.known(Scalar::Bool)
        } else {
            ta
        })
    }

    fn shape(&mut self, array: LocalId, query: ShapeQuery, span: Span) -> R<Var> {
        let at = self.array_of(array, span)?;
        let name = self.func.local(array).name.clone();
        let bad =
            |msg: String, help: String| Err(Diagnostic::new(msg, span, "here").with_help(help));
        match query {
            ShapeQuery::DimOf { d: _, of } if of != at.ndim => {
                if of == 1 {
                    return bad(
                        format!("`{name}.dim()` is a tuple for a {}-D array", at.ndim),
                        format!(
                            "destructure it: `let ({}) = {name}.dim();`",
                            ["n0", "n1", "n2", "n3", "n4", "n5"]
                                .iter()
                                .take(at.ndim as usize)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                return bad(
                    format!(
                        "`{name}` is a {}-D array but the pattern has {of} names",
                        at.ndim
                    ),
                    format!("use {} names", at.ndim),
                );
            }
            ShapeQuery::Dim(d) if d >= at.ndim => {
                return bad(
                    format!(
                        "`{name}.shape()[{d}]` is out of range for a {}-D array",
                        at.ndim
                    ),
                    format!("dimensions are 0..{}", at.ndim),
                );
            }
            ShapeQuery::Rows2d | ShapeQuery::Cols2d if at.ndim != 2 => {
                return bad(
                    format!(
                        "`nrows`/`ncols` need a 2-D array, `{name}` is {}-D",
                        at.ndim
                    ),
                    "use `shape()[d]`".into(),
                );
            }
            _ => {}
        }
        Ok(if query == ShapeQuery::IsEmpty {
            self.known(Scalar::Bool)
        } else {
            self.known(Scalar::Usize)
        })
    }

    fn method(&mut self, e: ExprId, name: &str, receiver: ExprId, args: &[ExprId]) -> R<Var> {
        let span = self.span(e);
        let tr = self.expr(receiver)?;
        let targs = args.iter().map(|a| self.expr(*a)).collect::<R<Vec<_>>>()?;
        if matches!(self.get(tr), State::Int | State::Float)
            && methods::args_share_receiver_type(name)
        {
            for (&a, &t) in args.iter().zip(&targs) {
                self.unify(tr, t).map_err(|(x, y)| {
                    with_cast_help(
                        Diagnostic::new(
                            "mismatched types",
                            self.span(a),
                            format!("expected `{}`, found `{}`", x.describe(), y.describe()),
                        ),
                        x,
                    )
                })?;
            }
        }
        let recv_ty = match self.get(tr) {
            State::Known(Type::Array(_)) => {
                return Err(Diagnostic::new(
                    format!("no method named `{name}` found for arrays"),
                    span,
                    "method not found",
                )
                .with_help("array methods: len, dim, shape, nrows, ncols, ndim, is_empty"))
            }
            _ => self.settle(tr, self.span(receiver))?,
        };
        let Type::Scalar(s) = recv_ty else {
            return Err(Diagnostic::new(
                format!("no method named `{name}` found for `{recv_ty}`"),
                span,
                "method not found",
            ));
        };
        let Some(sig) = methods::resolve(name, s) else {
            let mut d = Diagnostic::new(
                format!("no method named `{name}` found for `{s}`"),
                span,
                format!("method not found in `{s}`"),
            );
            let x = self.local_name(receiver).unwrap_or("x");
            if s.is_int() && !s.is_signed() && methods::resolve(name, Scalar::I64).is_some() {
                let signed = format!("i{}", &s.name()[1..]);
                d = d.with_help(format!("`{name}` is defined for signed integers only: convert first, e.g. `({x} as {signed}).{name}()`"));
            } else if s.is_int() && methods::resolve(name, Scalar::F64).is_some() {
                d = d.with_help(format!(
                    "`{name}` is a float method: convert first, e.g. `({x} as f64).{name}()`"
                ));
            } else if s.is_float() && methods::resolve(name, Scalar::I64).is_some() {
                d = d.with_help(format!(
                    "`{name}` is an integer method: convert first, e.g. `({x} as i64).{name}()`"
                ));
            } else if s == Scalar::Bool {
                d = d.with_help("`bool` has no methods in kernels: convert with `as u8` first");
            }
            return Err(d);
        };
        if sig.args.len() != args.len() {
            return Err(Diagnostic::new(
                format!(
                    "`{name}` takes {} argument{} but {} {} supplied",
                    sig.args.len(),
                    if sig.args.len() == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                "wrong number of arguments",
            ));
        }
        for ((&a, &t), rel) in args.iter().zip(&targs).zip(sig.args) {
            let want = match rel {
                Rel::Same => s,
                Rel::Fixed(f) => *f,
            };
            self.unify_with(t, Type::Scalar(want)).map_err(|(got, _)| {
                with_cast_help(
                    Diagnostic::new(
                        "mismatched types",
                        self.span(a),
                        format!("expected `{want}`, found `{}`", got.describe()),
                    ),
                    State::Known(Type::Scalar(want)),
                )
            })?;
        }
        self.methods.insert(e, sig.op);
        Ok(match sig.ret {
            Rel::Same => self.known(s),
            Rel::Fixed(f) => self.known(f),
        })
    }

    /// GPU builtins: indices and dimensions are `usize`; atomics take and return the element type.
    fn gpu(
        &mut self,
        op: GpuOp,
        array: Option<LocalId>,
        index: &[ExprId],
        args: &[ExprId],
        span: Span,
    ) -> R<Var> {
        let Some(array) = array else {
            return Ok(if op == GpuOp::SyncThreads {
                self.known(Type::Unit)
            } else {
                self.known(Scalar::Usize)
            });
        };
        let at = self.array_of(array, span)?;
        let name = self.func.local(array).name.clone();
        if !at.writable {
            return Err(Diagnostic::new(
                format!(
                    "`{}` needs a writable array, and `{name}` is read-only",
                    op.name()
                ),
                span,
                "atomic update of a read-only array",
            )
            .with_help(format!(
                "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
            )));
        }
        let elem = at.elem;
        let wide = matches!(elem.bits(), 8 | 16 | 32 | 64) && elem != Scalar::Bool;
        let ok = match op {
            GpuOp::Atomic(AtomicOp::CompareExchange) => wide && elem.is_int(),
            _ => wide,
        };
        if !ok {
            let which = if op == GpuOp::Atomic(AtomicOp::CompareExchange) {
                "integers"
            } else {
                "integers and floats"
            };
            return Err(Diagnostic::new(
                format!("`{}` is not supported on arrays of `{elem}`", op.name()),
                span,
                format!("`{name}` holds `{elem}`"),
            )
            .with_help(format!("GPU atomics work on {which}")));
        }
        self.indices(array, at, index, span)?;
        for &a in args {
            let t = self.expr(a)?;
            self.unify_with(t, Type::Scalar(elem))
                .map_err(|(got, want)| {
                    with_cast_help(
                        Diagnostic::new(
                            "mismatched types",
                            self.span(a),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        ),
                        want,
                    )
                })?;
        }
        Ok(self.known(elem))
    }

    fn call(&mut self, e: ExprId, callee: FuncId, args: &[ExprId]) -> R<Var> {
        let span = self.span(e);
        let program = self.spec.program;
        let f = program.func(callee);
        if f.attrs.cuda && !self.func.attrs.cuda {
            return Err(Diagnostic::new(
                format!(
                    "`{}` is a `#[rumba(cuda)]` function, called from a function that is not",
                    f.name
                ),
                span,
                "GPU-only function called here",
            )
            .with_help(format!(
                "mark `{}` `#[rumba(cuda)]` too, or remove the GPU builtins from `{}`",
                self.func.name, f.name
            )));
        }
        let mut types = Vec::with_capacity(args.len());
        for (i, &a) in args.iter().enumerate() {
            let t = self.expr(a)?;
            if let Some(TypeAnn::Scalar(s)) = f.params.get(i).map(|p| f.local(*p).ann) {
                let _ = self.unify_with(t, Type::Scalar(s));
            }
            types.push(self.settle(t, self.span(a))?);
        }
        if args.len() != f.params.len() {
            let label = format!(
                "{} argument{} supplied",
                args.len(),
                if args.len() == 1 { "" } else { "s" }
            );
            let d = count_mismatch(f, args.len(), span, &label)
                .with_label(f.sig_span, format!("`{}` defined here", f.name));
            return Err(d);
        }
        let mut params = Vec::with_capacity(args.len());
        for (i, (&a, &t)) in args.iter().zip(&types).enumerate() {
            let p = param_type(f, i, t).map_err(|mut d| {
                d.labels.iter_mut().for_each(|l| l.primary = false);
                d.labels.insert(
                    0,
                    Label {
                        span: self.span(a),
                        message: format!("this is `{t}`"),
                        primary: true,
                    },
                );
                d
            })?;
            params.push(p);
        }
        self.check_borrows(args, &params)?;
        let (inst, ret) = self.spec.instantiate(callee, params, Some(span))?;
        self.calls.insert(e, inst);
        Ok(self.known(ret))
    }

    /// Rust's borrow rules for a call: an array bound to a writable parameter (a `&mut`) is not
    /// passed to another parameter of the same call. Generated code relies on it: array
    /// parameters are `noalias`.
    fn check_borrows(&self, args: &[ExprId], params: &[Type]) -> R<()> {
        for (j, &b) in args.iter().enumerate() {
            let ExprKind::Local(l) = self.func.expr(b).kind else {
                continue;
            };
            for (i, &a) in args[..j].iter().enumerate() {
                let (Type::Array(first), Type::Array(second)) = (params[i], params[j]) else {
                    continue;
                };
                if !matches!(self.func.expr(a).kind, ExprKind::Local(k) if k == l)
                    || !(first.writable || second.writable)
                {
                    continue;
                }
                let name = &self.func.local(l).name;
                let how = |writable: bool| if writable { "mutable" } else { "immutable" };
                let message = if first.writable && second.writable {
                    format!("cannot borrow `{name}` as mutable more than once at a time")
                } else {
                    format!(
                        "cannot borrow `{name}` as {} because it is also borrowed as {}",
                        how(second.writable),
                        how(first.writable)
                    )
                };
                return Err(Diagnostic::new(message, self.span(b), format!("{} borrow", how(second.writable)))
                    .with_label(self.span(a), format!("first borrow, {}", how(first.writable)))
                    .with_help("an array bound to a writable parameter cannot be passed again in the same call: pass it once, or declare the parameters read-only (`x: &[T]`, `x: ArrayView1<T>`)"));
            }
        }
        Ok(())
    }

    // ---- resolution ----

    fn finish(mut self, source: FuncId, params: Vec<Type>) -> R<Instance> {
        let func = self.func;
        if self.get(self.ret) == State::Any {
            let ret = self.ret;
            self.set(ret, State::Known(Type::Unit));
        }
        let ret = self.settle(self.ret, func.sig_span)?;
        if ret != Type::Unit && !diverges(&func.body) {
            return Err(Diagnostic::new(
                format!("`{}` may finish without returning a value", func.name),
                func.sig_span,
                format!("expected to return `{ret}`"),
            )
            .with_help("end the function with its result (no `;`) or a `return`"));
        }
        let mut local_types = SecondaryMap::new();
        for (l, decl) in func.locals.iter() {
            // A local nothing gives a type (`let x;`, never assigned) is rustc's E0282.
            let ty = self.settle(self.locals[l], decl.span)?;
            local_types.insert(l, ty);
        }
        // Only the expressions the statements reach have a type (the front end may leave others
        // unreached in the arena).
        let mut expr_types = SecondaryMap::new();
        let mut out = func.clone();
        for (id, &v) in self.exprs.clone().iter() {
            let span = func.expr(id).span;
            let ty = self.settle(v, span)?;
            expr_types.insert(id, ty);
            let kind = &mut out.exprs[id].kind;
            match kind {
                ExprKind::Lit(lit) => *kind = ExprKind::Const(typed_const(lit, ty, span)?),
                ExprKind::Method { receiver, args, .. } => {
                    let op = self.methods.get(&id).copied().ok_or_else(|| {
                        Diagnostic::new("internal: unresolved method", span, "here")
                    })?;
                    let mut all = vec![*receiver];
                    all.extend(args.iter().copied());
                    *kind = ExprKind::Intrinsic { op, args: all };
                }
                ExprKind::Call { args, .. } => {
                    let inst = self.calls.get(&id).copied().ok_or_else(|| {
                        Diagnostic::new("internal: unresolved call", span, "here")
                    })?;
                    *kind = ExprKind::CallInst {
                        inst,
                        args: std::mem::take(args),
                    };
                }
                _ => {}
            }
        }
        Ok(Instance {
            source,
            func: out,
            params,
            ret,
            local_types,
            expr_types,
        })
    }
}

/// Whether control never reaches the end of the block.
fn diverges(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Return { .. } => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => diverges(then_body) && diverges(else_body),
        Stmt::Loop { body } => !has_break(body),
        _ => false,
    })
}

fn has_break(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Break => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => has_break(then_body) || has_break(else_body),
        _ => false,
    })
}

fn typed_const(lit: &Lit, ty: Type, span: Span) -> R<Const> {
    let Type::Scalar(s) = ty else {
        return Err(Diagnostic::new(
            "internal: literal of non-scalar type",
            span,
            "here",
        ));
    };
    match lit {
        Lit::Bool(b) => Ok(Const::bool(*b)),
        Lit::Int(v, _) => {
            let (min, max) = s.int_range();
            if *v < 0 && !s.is_signed() {
                return Err(Diagnostic::new(
                    format!("cannot apply unary operator `-` to type `{s}`"),
                    span,
                    "unsigned values cannot be negated",
                )
                .with_help("use a signed type or `wrapping_neg()`"));
            }
            if *v < min || *v > max {
                return Err(Diagnostic::new(
                    format!("literal out of range for `{s}`"),
                    span,
                    format!("the literal `{v}` does not fit into `{s}` ({min}..={max})"),
                )
                .with_help("use a wider type"));
            }
            Ok(Const::int(s, *v))
        }
        Lit::Float(text, _) => {
            let parsed = match s {
                Scalar::F32 => text.parse::<f32>().map(Const::f32).ok(),
                _ => text.parse::<f64>().map(Const::f64).ok(),
            };
            let c = parsed.ok_or_else(|| {
                Diagnostic::new(format!("invalid float literal `{text}`"), span, "here")
            })?;
            // rustc's `overflowing_literals` (an error by default): no float literal rounds to infinity.
            if c.as_f64().is_infinite() {
                return Err(Diagnostic::new(
                    format!("literal out of range for `{s}`"),
                    span,
                    format!("the literal `{text}` does not fit into `{s}` and would be infinity"),
                )
                .with_help(format!("use `{s}::INFINITY` for infinity, or a wider type")));
            }
            Ok(c)
        }
    }
}

/// Adds `help: cast with `as T`` when the expected type is a known scalar.
fn with_cast_help(d: Diagnostic, want: State) -> Diagnostic {
    match want {
        State::Known(Type::Scalar(s)) if s != Scalar::Bool => {
            d.with_help(format!("convert the value with `as {s}`"))
        }
        _ => d,
    }
}

/// rustc's wording for a binary operator that has no implementation for these operand types.
fn op_message(op: BinOp, x: State, y: State) -> String {
    let d = |s: State| match s {
        State::Known(Type::Array(_)) => "an array".to_string(),
        s => format!("`{}`", s.describe()),
    };
    let (x, y) = (d(x), d(y));
    match op {
        BinOp::Add => format!("cannot add {y} to {x}"),
        BinOp::Sub => format!("cannot subtract {y} from {x}"),
        BinOp::Mul => format!("cannot multiply {x} by {y}"),
        BinOp::Div => format!("cannot divide {x} by {y}"),
        BinOp::Rem => format!("cannot calculate the remainder of {x} divided by {y}"),
        op if op.is_comparison() => format!("can't compare {x} with {y}"),
        op => format!("no implementation for {x} {} {y}", op.symbol()),
    }
}

/// How to make two operands of different types agree.
fn operand_cast_help(x: State, y: State) -> String {
    match (x, y) {
        (State::Known(Type::Scalar(Scalar::Bool)), _)
        | (_, State::Known(Type::Scalar(Scalar::Bool))) => {
            "`bool` is not a number: convert it with `as u8`, or compare the number (`x != 0`)"
                .into()
        }
        (State::Known(Type::Scalar(s)), State::Int)
        | (State::Int, State::Known(Type::Scalar(s)))
            if s.is_float() =>
        {
            format!("write the integer literal as a float (`2.0`, not `2`), or give it a suffix: `2{s}`")
        }
        (State::Known(Type::Scalar(s)), State::Float)
        | (State::Float, State::Known(Type::Scalar(s))) => {
            format!("convert the `{s}` operand with `as f64`, or use an integer literal")
        }
        (State::Known(Type::Scalar(a)), State::Known(Type::Scalar(b))) => {
            format!("Rust does not convert numbers implicitly: convert one operand, `as {a}` or `as {b}`")
        }
        _ => "convert one operand with `as`".into(),
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
