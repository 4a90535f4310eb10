//! Resolution: the typed instance from the solved type variables.

use super::unify::State;
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn finish(mut self, source: FuncId, params: Vec<Type>) -> R<Instance> {
        // Walks over whole arrays become index loops now that every array's type is known.
        for (e, like) in std::mem::take(&mut self.casts_to_type_of) {
            let span = self.func.expr(e).span;
            match self.settle(like, span)? {
                Type::Scalar(s) if !s.is_complex() && s != Scalar::Bool => {
                    self.conversions.insert(e, s);
                }
                t => {
                    return Err(Diagnostic::new(
                        format!("expected a float, found `{t}`"),
                        span,
                        "here",
                    ))
                }
            }
        }
        let mut expanded = self.func.clone();
        let mut dead = self.slice_insert_axes(&mut expanded);
        dead.extend(self.fuse_arrays(&mut expanded)?);
        dead.extend(self.expand_walks(&mut expanded)?);
        dead.extend(self.expand_struct_writes(&mut expanded)?);
        self.expand_options(&mut expanded, &dead)?;
        dead.extend(self.expand_tuple_eqs(&mut expanded)?);
        dead.extend(self.type_only.iter().copied());
        let func = &expanded;
        if self.get(self.ret) == State::Any {
            let ret = self.ret;
            self.set(ret, State::Known(Type::Unit));
        }
        let ret = self.settle(self.ret, func.sig_span)?;
        if ret.holds_view() {
            return Err(Diagnostic::new(
                format!("`{}` cannot return a view of an array", func.name),
                func.sig_span,
                format!("returns `{ret}`"),
            )
            .with_help(
                "return an owned array: `x.to_owned()`, or a new one made with `Array1::zeros(n)`",
            ));
        }
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
            if let TypeAnn::OneOf(covered) = decl.ann {
                if !crate::types::fits(decl.ann, ty) {
                    let names: Vec<String> = covered.iter().map(|t| format!("`{t}`")).collect();
                    let (last, rest) = names.split_last().expect("a match covers some type");
                    return Err(Diagnostic::new(
                        format!("non-exhaustive patterns: not every `{ty}` value is covered"),
                        decl.span,
                        format!("the patterns cover every {} and {last} value, not every `{ty}` one", rest.join(", ")),
                    )
                    .with_help("add an arm `_ => ..` for the values no pattern covers (a `match` must cover every value of its type, as in Rust)"));
                }
            }
            local_types.insert(l, ty);
        }
        // Every expression the statements reach gets a type, and its typed form.
        let mut expr_types = SecondaryMap::new();
        let exprs = func.exprs.clone().try_map(|id, Expr { kind, span }| {
            if dead.contains(&id) {
                // The place of an expanded walk: reached by no statement, so typed by nothing.
                let kind = ExprKind::Const(Const::bool(false));
                return Ok(Expr { kind, span });
            }
            let Some(&v) = self.exprs.get(id) else {
                return Err(Diagnostic::new(
                    "internal: unreached expression",
                    span,
                    "here",
                ));
            };
            let ty = self.settle(v, span)?;
            expr_types.insert(id, ty);
            let kind = match kind {
                // A complex operator or method: a call of the prelude (`ir::complex`).
                ExprKind::Unary(_, x) if self.calls.contains_key(&id) => ExprKind::CallInst {
                    inst: self.calls[&id],
                    args: vec![x],
                },
                ExprKind::Binary(_, a, b) if self.calls.contains_key(&id) => ExprKind::CallInst {
                    inst: self.calls[&id],
                    args: vec![a, b],
                },
                ExprKind::Method { receiver, args, .. } if self.calls.contains_key(&id) => {
                    let mut all = vec![receiver];
                    all.extend(args);
                    ExprKind::CallInst {
                        inst: self.calls[&id],
                        args: all,
                    }
                }
                ExprKind::Lit(lit) => ExprKind::Const(typed_const(&lit, ty, span)?),
                // `f64::from(x)`: a lossless conversion.
                ExprKind::Method { receiver, .. } if self.conversions.contains_key(&id) => {
                    ExprKind::Cast(receiver, self.conversions[&id])
                }
                ExprKind::Method { receiver, args, .. } => {
                    let op = self.methods.get(&id).copied().ok_or_else(|| {
                        Diagnostic::new("internal: unresolved method", span, "here")
                    })?;
                    let mut all = vec![receiver];
                    all.extend(args);
                    ExprKind::Intrinsic { op, args: all }
                }
                ExprKind::Call { args, .. } => {
                    let inst = self.calls.get(&id).copied().ok_or_else(|| {
                        Diagnostic::new("internal: unresolved call", span, "here")
                    })?;
                    ExprKind::CallInst { inst, args }
                }
                ExprKind::Const(c) => ExprKind::Const(c),
                ExprKind::Local(l) => ExprKind::Local(l),
                ExprKind::Unary(op, x) => ExprKind::Unary(op, x),
                ExprKind::Binary(op, a, b) => ExprKind::Binary(op, a, b),
                ExprKind::Logical(op, a, b) => ExprKind::Logical(op, a, b),
                ExprKind::Cast(x, t) => ExprKind::Cast(x, t),
                ExprKind::Load {
                    array,
                    index,
                    checked,
                } => ExprKind::Load {
                    array,
                    index,
                    checked,
                },
                ExprKind::Shape { array, query } => ExprKind::Shape { array, query },
                ExprKind::Alloc {
                    elem,
                    ndim,
                    shape,
                    init,
                } => {
                    let elem_ty = ty.array().map(|a| a.elem);
                    if matches!(init, Init::Zeros | Init::Ones)
                        && elem_ty == Some(Scalar::Bool.into())
                    {
                        return Err(Diagnostic::new(
                            "the trait bound `bool: Zero` / `One` is not satisfied",
                            span,
                            "`zeros` and `ones` need numbers",
                        )
                        .with_help("make an array of `bool` with `Array1::from_elem(n, false)`"));
                    }
                    if let (Some(Elem::Struct(t)), Init::Zeros | Init::Ones) = (elem_ty, &init) {
                        let name = t.def().map_or("..", |d| d.name.as_str());
                        return Err(Diagnostic::new(
                            format!("the trait bound `{name}: Zero` / `One` is not satisfied"),
                            span,
                            "`zeros` and `ones` need numbers",
                        )
                        .with_help(format!(
                            "make an array of structs with `Array1::from_elem(n, {name} {{ .. }})`"
                        )));
                    }
                    if let Some(a) = ty.array().filter(|a| a.stack_len().is_some()) {
                        let n = a.stack_len().unwrap_or(0);
                        let bytes = u64::from(n) * a.elem.size() as u64;
                        if bytes > MAX_STACK_ARRAY_BYTES {
                            return Err(Diagnostic::new(
                                format!(
                                    "the fixed-size array `[{}; {n}]` is too large for the stack",
                                    a.elem
                                ),
                                span,
                                format!("{bytes} bytes, more than {MAX_STACK_ARRAY_BYTES}"),
                            )
                            .with_help("make it on the heap: `vec![v; n]` or `Array1::zeros(n)`"));
                        }
                    }
                    ExprKind::Alloc {
                        elem,
                        ndim,
                        shape,
                        init,
                    }
                }
                ExprKind::Borrow { array, mutable } => ExprKind::Borrow { array, mutable },
                ExprKind::Slice {
                    array,
                    axes,
                    mutable,
                } => ExprKind::Slice {
                    array,
                    axes,
                    mutable,
                },
                ExprKind::Transpose(a) => ExprKind::Transpose(a),
                ExprKind::Relayout { array, visit } => ExprKind::Relayout { array, visit },
                ExprKind::Broadcast { array, with, onto } => {
                    ExprKind::Broadcast { array, with, onto }
                }
                ExprKind::Tuple(xs) => ExprKind::Tuple(xs),
                ExprKind::Field(x, k) => ExprKind::Field(x, k),
                ExprKind::Struct(op) => match *op {
                    StructOp::New { fields, .. } => ExprKind::Tuple(fields),
                    StructOp::Get { base, .. } => match self.fields.get(&id) {
                        Some(&k) => ExprKind::Field(base, k),
                        None => {
                            return Err(Diagnostic::new("internal: unresolved field", span, "here"))
                        }
                    },
                    StructOp::With { .. } => {
                        return Err(Diagnostic::new(
                            "internal: a field write left unexpanded",
                            span,
                            "here",
                        ))
                    }
                },
                ExprKind::Unwrap { option, message } => ExprKind::Unwrap { option, message },
                ExprKind::SameShape { a, b } => ExprKind::SameShape { a, b },
                ExprKind::MatMul { a, b, out } => ExprKind::MatMul { a, b, out },
                ExprKind::Gpu {
                    op,
                    array,
                    index,
                    args,
                } => ExprKind::Gpu {
                    op,
                    array,
                    index,
                    args,
                },
                ExprKind::Each(_)
                | ExprKind::Reduce(_)
                | ExprKind::Map(_)
                | ExprKind::Option(_) => {
                    return Err(Diagnostic::new(
                        format!("internal: an untyped-stage node left unexpanded: {id:?}"),
                        span,
                        "here",
                    ))
                }
                ExprKind::Intrinsic { op, .. } => match op {},
                ExprKind::CallInst { inst, .. } => match inst {},
            };
            Ok(Expr { kind, span })
        })?;
        let func = Function {
            name: func.name.clone(),
            span: func.span,
            sig_span: func.sig_span,
            params: func.params.clone(),
            ret_ann: func.ret_ann,
            param_structs: func.param_structs.clone(),
            attrs: func.attrs,
            locals: func.locals.clone(),
            exprs,
            body: func.body.clone(),
            shared: func.shared.clone(),
        };
        Ok(Instance {
            source,
            func,
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
        Lit::Identity(_) if s == Scalar::Bool => Err(Diagnostic::new(
            "cannot add or multiply `bool` values",
            span,
            "the items are `bool`",
        )
        .with_help("count them instead: `.filter(|&b| b).count()`")),
        Lit::Identity(fold) => Ok(Const {
            ty: s,
            ..fold.identity(s.part())
        }),
        Lit::Int(lit, _) => {
            if lit.negative && !s.is_signed() {
                return Err(Diagnostic::new(
                    format!("cannot apply unary operator `-` to type `{s}`"),
                    span,
                    "unsigned values cannot be negated",
                )
                .with_help("use a signed type or `wrapping_neg()`"));
            }
            let (min, max) = s.int_range();
            match lit.value().filter(|v| (min..=max).contains(v)) {
                Some(v) => Ok(Const::of_int(s, v)),
                None => Err(Diagnostic::new(
                    format!("literal out of range for `{s}`"),
                    span,
                    format!("the literal `{lit}` does not fit into `{s}` ({min}..={max})"),
                )
                .with_help("use a wider type")),
            }
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
