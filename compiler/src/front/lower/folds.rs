//! Values computed by walks over whole arrays: ndarray's whole-array methods (`x.sum()`,
//! `x.product()`, `x.mean()`, `x.dot(&y)`, `x.fold(init, f)`, `x.mapv(f)`, `x.sum_axis(..)`,
//! `x.mean_axis(..)` (opened by `unwrap`/`expect` in `option`), `x.fold_axis(..)`, `x.map_axis(..)`, `Zip::..map_collect(f)`) and std's folds of `x.iter()` (`sum`, `product`,
//! `fold`, also after `.copied()`).
//!
//! In: the method call. Out: the [`ExprKind::Each`] walk or [`ArrayReduce`] that computes it
//! (see `iter` for the walks themselves), its value a temporary or a new array.

use super::iter::strip_pat;
use super::iter::{args, ITER_HINT};
use super::syntax::{fold_source, strip_parens};
use super::*;

impl FnLowerer<'_> {
    /// ndarray's `x.sum()`, `x.product()`, `x.dot(&y)`, `x.mean()`, `x.sum_axis(Axis(k))`,
    /// `x.fold_axis(Axis(k), init, f)` (a [`ArrayReduce`], expanded by `types` in ndarray's
    /// order; the mean's `Option` is `None` for an empty array), `x.fold(init, f)` (a walk over the elements in ndarray's `fold`
    /// order: a [`Visit::Fold`] view) and `x.mapv(f)` (a new array of `x`'s shape, written by a
    /// walk over both in logical order).
    pub(super) fn array_method(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let span = Span::of(mc);
        let method = mc.method.to_string();
        if mc.turbofish.is_some() {
            return Err(FrontError::new(
                mc,
                format!("turbofish `::<>` is not supported on `{method}`"),
            ));
        }
        if method == "mapv" {
            return self.mapv(mc);
        }
        if method == "map_collect" {
            return self.map_collect(mc);
        }
        let array = self.array_name(&mc.receiver)?;
        let op = match method.as_str() {
            "fold" => {
                let view = self.temp(span);
                let value = self.expr(
                    ExprKind::Relayout {
                        array,
                        visit: Visit::Fold,
                    },
                    mc,
                );
                self.emit(Stmt::Assign {
                    local: view,
                    value,
                    span,
                });
                return self.fold_into(mc, view, false);
            }
            "sum" => ReduceOp::Sum,
            "product" => ReduceOp::Product,
            "mean" => ReduceOp::Mean,
            "sum_axis" => {
                let [axis] = args::<1>(mc)?;
                ReduceOp::SumAxis(self.axis(axis)?)
            }
            "mean_axis" => {
                return Err(FrontError::new(
                    mc,
                    "`mean_axis` returns an `Option` of an array, which kernels open only with `unwrap` or `expect`",
                )
                .hint("write `x.mean_axis(Axis(k)).unwrap()`: an empty axis (ndarray's `None`) is then an error naming the line"))
            }
            "map_axis" => {
                let [axis, f] = args::<2>(mc)?;
                let axis = self.axis(axis)?;
                let value = self.temp(span);
                let (body, lane) = self.map_step(f, value, "map_axis", span)?;
                let op = ReduceOp::MapAxis { axis, lane, value };
                return Ok(self.emit_reduce(op, array, body, span));
            }
            "fold_axis" => {
                let [axis, init, f] = args::<3>(mc)?;
                let axis = self.axis(axis)?;
                // ndarray clones `init` into every element: evaluated once.
                let value = self.expr_value(init)?;
                let init = self.temp(span);
                self.emit(Stmt::Assign {
                    local: init,
                    value,
                    span,
                });
                let acc = self.temp(span);
                let (body, elem) = self.fold_step(f, acc, false, span)?;
                let op = ReduceOp::FoldAxis {
                    axis,
                    init,
                    acc,
                    elem,
                };
                return Ok(self.emit_reduce(op, array, body, span));
            }
            _ => {
                let [arg] = args::<1>(mc)?;
                let Some(other) = self.by_reference(arg) else {
                    return Err(FrontError::new(arg, "`dot` takes an array by reference")
                        .hint("write `x.dot(&y)`"));
                };
                ReduceOp::Dot(other?)
            }
        };
        Ok(self.emit_reduce(op, array, Block::default(), span))
    }

    /// An [`ArrayReduce`] into a new local, and a read of it.
    pub(super) fn emit_reduce(
        &mut self,
        op: ReduceOp,
        array: LocalId,
        body: Block,
        span: Span,
    ) -> ExprId {
        let acc = self.temp(span);
        let r = ArrayReduce {
            op,
            array,
            acc,
            body,
            span,
        };
        let e = self.func.add_expr(ExprKind::Reduce(Box::new(r)), span);
        self.emit(Stmt::Eval(e));
        let value = self.func.add_expr(ExprKind::Local(acc), span);
        if op != ReduceOp::Mean {
            return value;
        }
        // `mean()` is `None` for an empty array.
        self.mean_option(array, value, span)
    }

    /// `Axis(k)` with `k` an integer literal: `k`.
    pub(super) fn axis(&mut self, e: &syn::Expr) -> R<u8> {
        let literal = syntax::axis_literal(e).and_then(|k| u8::try_from(k).ok());
        literal.ok_or_else(|| {
            FrontError::new(e, "the axis must be written `Axis(k)` with a literal `k`")
                .hint("write `Axis(0)`, `Axis(1)`, ..")
        })
    }

    /// `x.mapv(|v| ..)` / `x.mapv(f64::exp)`: a [`Map`] of the receiver (fused by `types` with
    /// the array operators around it: `(&x * 2.0).mapv(f64::exp) * 3.0` is one pass). Also
    /// ndarray's `x.map(|v| ..)` (`method` "map"), whose closure takes the element by reference:
    /// `v` read as `v` or `*v`, or `|&v| ..`.
    pub(super) fn mapv(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let span = Span::of(mc);
        let [f] = args::<1>(mc)?;
        let operand = self.expr_value(&mc.receiver)?;
        let to = self.temp(span);
        let method = if mc.method == "map" { "map" } else { "mapv" };
        let (body, elem) = self.map_step(f, to, method, span)?;
        let value = self.func.add_expr(ExprKind::Local(to), span);
        let map = Map {
            operand,
            elem,
            zipped: Vec::new(),
            body,
            value,
            span,
        };
        Ok(self.expr(ExprKind::Map(Box::new(map)), mc))
    }

    /// `Zip::from(&a).and(&b).map_collect(|&a, &b| ..)`: a [`Map`] of the first array with the
    /// others zipped (fused by `types` like `mapv`).
    fn map_collect(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let span = Span::of(mc);
        let [f] = args::<1>(mc)?;
        let arrays = self.zip_arrays(&mc.receiver)?;
        if let Some(&(a, _)) = arrays.iter().find(|(_, mutable)| *mutable) {
            let name = self.func.local(a).name.clone();
            return Err(FrontError::new(
                mc,
                "`map_collect` reads its arrays: `&mut` is not needed",
            )
            .hint(format!("write `&{name}`")));
        }
        let syn::Expr::Closure(c) = strip_parens(f) else {
            return Err(FrontError::new(f, "expected a closure `|&a, &b| ..`")
                .hint("write `Zip::from(&a).and(&b).map_collect(|&a, &b| a * b)`"));
        };
        if c.inputs.len() != arrays.len() {
            return Err(FrontError::new(
                &c.inputs,
                format!(
                    "`map_collect` of {} arrays takes a closure of {} parameters",
                    arrays.len(),
                    arrays.len()
                ),
            ));
        }
        let to = self.temp(span);
        let (body, elems) = self.closure_body(to, span, |l| {
            let elems = c
                .inputs
                .iter()
                .map(|p| l.bind_elem(p, false))
                .collect::<R<Vec<_>>>()?;
            Ok((l.closure_value(c)?, elems))
        })?;
        let mut operands = arrays
            .iter()
            .zip(elems)
            .map(|(&(a, _), elem)| (self.func.add_expr(ExprKind::Local(a), span), elem));
        let Some((operand, elem)) = operands.next() else {
            unreachable!("`Zip::from` names an array")
        };
        let zipped = operands.collect();
        let value = self.func.add_expr(ExprKind::Local(to), span);
        let map = Map {
            operand,
            elem,
            zipped,
            body,
            value,
            span,
        };
        Ok(self.expr(ExprKind::Map(Box::new(map)), mc))
    }

    /// The value of a closure's body (a block ending in an expression, or an expression).
    fn closure_value(&mut self, c: &syn::ExprClosure) -> R<ExprId> {
        match strip_parens(&c.body) {
            syn::Expr::Block(b) if b.label.is_none() => {
                self.block_value(&b.block)?.ok_or_else(|| {
                    FrontError::new(b, "this block has no value")
                        .hint("end the closure's body with the new element (no `;`)")
                })
            }
            body => self.expr_value(body),
        }
    }

    /// `x.mapv_inplace(|v| ..)`: each element replaced by `f` of its value.
    pub(super) fn mapv_inplace(&mut self, mc: &syn::ExprMethodCall, span: Span) -> R<()> {
        let [f] = args::<1>(mc)?;
        let array = self.array_name(&mc.receiver)?;
        let elem = self.temp(span);
        let (mut body, v) = self.map_step(f, elem, "mapv_inplace", span)?;
        // The closure's parameter is a copy of the element, bound first.
        let read = self.func.add_expr(ExprKind::Local(elem), span);
        body.stmts.insert(
            0,
            Stmt::Assign {
                local: v,
                value: read,
                span,
            },
        );
        self.walk_one(array, elem, true, body, None, span);
        Ok(())
    }

    /// The body of one step of a map: `to = f(v)`, with `f` a closure `|v| ..` (inlined) or a
    /// method path such as `f64::exp`; returns the body and `v`.
    fn map_step(
        &mut self,
        f: &syn::Expr,
        to: LocalId,
        method: &str,
        span: Span,
    ) -> R<(Block, LocalId)> {
        self.closure_body(to, span, |l| {
            let (v, value) = match strip_parens(f) {
                syn::Expr::Closure(c) => {
                    if c.inputs.len() != 1 {
                        return Err(FrontError::new(
                            &c.inputs,
                            format!("`{method}` takes a closure of one parameter"),
                        )
                        .hint(format!("write `x.{method}(|v| v * 2.0)`")));
                    }
                    let v = match method {
                        "map" => l.bind_elem(&c.inputs[0], false)?,
                        _ => l.bind_name(&c.inputs[0])?,
                    };
                    (v, l.closure_value(c)?)
                }
                // A closure bound with `let`, or a function of the block: `x.mapv(sq)`.
                syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                    let v = l.temp(span);
                    let arg = l.func.add_expr(ExprKind::Local(v), span);
                    (v, l.apply(f, vec![arg], span)?)
                }
                syn::Expr::Path(p) if p.path.segments.len() == 2 => {
                    let name = p.path.segments[1].ident.to_string();
                    if Intrinsic::from_name(&name).is_none() {
                        return Err(FrontError::new(p, format!("unsupported function `{name}`"))
                            .hint("map with a numeric method (`f64::exp`, `f64::abs`, ..) or a closure `|v| ..`"));
                    }
                    let v = l.temp(span);
                    let receiver = l.func.add_expr(ExprKind::Local(v), span);
                    let value = l.func.add_expr(
                        ExprKind::Method {
                            name,
                            receiver,
                            args: Vec::new(),
                        },
                        span,
                    );
                    (v, value)
                }
                other => {
                    return Err(FrontError::new(other, "expected a closure or a function path")
                        .hint(format!("write `x.{method}(|v| v * 2.0)` or `x.{method}(f64::exp)`")))
                }
            };
            Ok((value, v))
        })
    }

    /// The statements of a closure's body lowered by `f` (outside any loop of the kernel, as a
    /// closure), ending with `to` assigned the value `f` returns beside its own result.
    fn closure_body<T>(
        &mut self,
        to: LocalId,
        span: Span,
        f: impl FnOnce(&mut Self) -> R<(ExprId, T)>,
    ) -> R<(Block, T)> {
        let outer_loops = std::mem::take(&mut self.loops);
        let outer_closure = std::mem::replace(&mut self.in_closure, true);
        let r = self.nested(|l| {
            let (value, t) = f(l)?;
            l.emit(Stmt::Assign {
                local: to,
                value,
                span,
            });
            Ok(t)
        });
        self.loops = outer_loops;
        self.in_closure = outer_closure;
        r
    }

    /// `x.iter().sum()`, `.product()`, `.fold(init, f)`: std's left fold over the elements in
    /// logical order, the value of a temporary assigned by a walk.
    pub(super) fn iter_fold(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let Some((source, copied)) = fold_source(&mc.receiver) else {
            return Err(FrontError::new(mc, "expected `x.iter()`").hint(ITER_HINT));
        };
        let array = self.array_name(source)?;
        if mc.method == "fold" {
            return self.fold_into(mc, array, copied);
        }
        let span = Span::of(mc);
        let acc = self.temp(span);
        let method = mc.method.to_string();
        if !mc.args.is_empty() {
            return Err(FrontError::new(
                mc,
                format!("`{method}` takes no arguments"),
            ));
        }
        if let Some(t) = &mc.turbofish {
            let ty = match t.args.iter().collect::<Vec<_>>()[..] {
                [syn::GenericArgument::Type(ty)] => names::scalar(ty)?,
                _ => {
                    return Err(FrontError::new(t, "expected one type")
                        .hint(format!("write `.{method}::<f64>()`")))
                }
            };
            self.func.locals[acc].ann = TypeAnn::Scalar(ty);
        }
        let elem = self.temp(span);
        let fold = match method.as_str() {
            "sum" => Fold::Sum,
            _ => Fold::Product,
        };
        let cur = self.func.add_expr(ExprKind::Local(acc), span);
        let v = self.func.add_expr(ExprKind::Local(elem), span);
        let value = self
            .func
            .add_expr(ExprKind::Binary(fold.op(), cur, v), span);
        let body = Block {
            stmts: vec![Stmt::Assign {
                local: acc,
                value,
                span,
            }],
        };
        self.walk_one(array, elem, false, body, Some((acc, fold)), span);
        Ok(self.func.add_expr(ExprKind::Local(acc), span))
    }

    /// `fold(init, f)` over the elements of `array` in logical order (`copied`: after
    /// `.copied()`, the closure takes the elements by value).
    fn fold_into(&mut self, mc: &syn::ExprMethodCall, array: LocalId, copied: bool) -> R<ExprId> {
        let span = Span::of(mc);
        if mc.turbofish.is_some() {
            return Err(FrontError::new(
                mc,
                "turbofish `::<>` is not supported on `fold`",
            ));
        }
        let acc = self.temp(span);
        let [init, f] = args::<2>(mc)?;
        let init = self.expr_value(init)?;
        self.emit(Stmt::Assign {
            local: acc,
            value: init,
            span,
        });
        let (body, elem) = self.fold_step(f, acc, copied, span)?;
        self.walk_one(array, elem, false, body, None, span);
        Ok(self.func.add_expr(ExprKind::Local(acc), span))
    }

    /// The body of one step of `fold(init, f)`: `acc = f(acc, element)`, with `f` a closure
    /// `|acc, &v| ..` (inlined) or a method path such as `f64::max` (after `.copied()`).
    fn fold_step(
        &mut self,
        f: &syn::Expr,
        acc: LocalId,
        copied: bool,
        span: Span,
    ) -> R<(Block, LocalId)> {
        match strip_parens(f) {
            syn::Expr::Path(p) if p.path.segments.len() == 2 => {
                if !copied {
                    return Err(
                        FrontError::new(p, "this function takes the elements by value")
                            .hint("fold the copies: `x.iter().copied().fold(init, f64::max)`"),
                    );
                }
                let name = p.path.segments[1].ident.to_string();
                if Intrinsic::from_name(&name).is_none() {
                    return Err(FrontError::new(p, format!("unsupported function `{name}`"))
                        .hint("fold with a numeric method (`f64::max`, `f64::min`, ..) or a closure `|acc, v| ..`"));
                }
                let elem = self.temp(span);
                let receiver = self.func.add_expr(ExprKind::Local(acc), span);
                let v = self.func.add_expr(ExprKind::Local(elem), span);
                let value = self.func.add_expr(
                    ExprKind::Method {
                        name,
                        receiver,
                        args: vec![v],
                    },
                    span,
                );
                let body = Block {
                    stmts: vec![Stmt::Assign {
                        local: acc,
                        value,
                        span,
                    }],
                };
                Ok((body, elem))
            }
            syn::Expr::Closure(c) => {
                if c.inputs.len() != 2 {
                    return Err(FrontError::new(
                        &c.inputs,
                        "`fold` takes a closure of two parameters",
                    )
                    .hint("write `|acc, &v| acc + v`"));
                }
                let outer_loops = std::mem::take(&mut self.loops);
                let outer_closure = std::mem::replace(&mut self.in_closure, true);
                let r = self.nested(|l| {
                    // The accumulator's pattern: a name, or a tuple of names (`|(lo, hi), &v|`
                    // of a tuple `init`), bound to the value so far.
                    let a = match strip_pat(&c.inputs[0]) {
                        syn::Pat::Tuple(t) => AccPat::Tuple(t),
                        p => AccPat::Name(l.bind_name(p)?),
                    };
                    let elem = if copied {
                        l.bind_name(&c.inputs[1])?
                    } else {
                        l.bind_elem(&c.inputs[1], false)?
                    };
                    let cur = l.func.add_expr(ExprKind::Local(acc), span);
                    match a {
                        AccPat::Name(a) => l.emit(Stmt::Assign {
                            local: a,
                            value: cur,
                            span,
                        }),
                        AccPat::Tuple(t) => l.unpack(t, cur, span)?,
                    }
                    let value = match strip_parens(&c.body) {
                        syn::Expr::Block(b) if b.label.is_none() => {
                            l.block_value(&b.block)?.ok_or_else(|| {
                                FrontError::new(b, "this block has no value").hint(
                                    "end the closure's body with the new accumulator (no `;`)",
                                )
                            })?
                        }
                        body => l.expr_value(body)?,
                    };
                    l.emit(Stmt::Assign {
                        local: acc,
                        value,
                        span,
                    });
                    Ok(elem)
                });
                self.loops = outer_loops;
                self.in_closure = outer_closure;
                r
            }
            other => Err(
                FrontError::new(other, "expected a closure or a function path")
                    .hint("write `x.iter().fold(0.0, |acc, &v| acc + v)`"),
            ),
        }
    }
}

/// The accumulator's pattern in a `fold` closure: a name, or a tuple of names.
enum AccPat<'a> {
    Name(LocalId),
    Tuple(&'a syn::PatTuple),
}
