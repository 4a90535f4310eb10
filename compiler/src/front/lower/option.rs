//! `Option` values: `Some(v)`, `None`, the std methods that make one (`a.checked_add(b)` and the
//! other `checked_*` of the integers, `x.get(i)` of arrays, whose `Option<&T>` is read as the
//! value: `x.get(i).copied()`, `Some(&v)` patterns) or read one (`is_some`, `is_none`,
//! `unwrap`, `expect`, `unwrap_or`, `unwrap_or_default`, `?`), and the statements that test one
//! with a pattern (`if let`, `while let`, `let .. else`; `match` arms are `matching`'s, whose
//! patterns these share).
//!
//! In: syntax. Out: [`ExprKind::Option`] nodes (which `types` rewrites into the tuple
//! `(bool, T)` an `Option<T>` is), [`ExprKind::Unwrap`], and the `if`s that choose between a
//! `Some` and a `None`. The front end does not know types: these method names are taken to be
//! `Option`'s (or the integers', or the arrays') whatever the receiver, and `types` reports a
//! receiver of another type.

use super::syntax::{ends_in_divergence, strip_parens, STMT_METHODS};
use super::*;

/// What rustc's `unwrap()` of a `None` panics with.
const UNWRAP_NONE: &str = "called `Option::unwrap()` on a `None` value";

/// The message of `o.expect(message)`: a string literal.
fn expect_message(arg: &syn::Expr) -> R<String> {
    match arg {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s.value()),
        other => Err(FrontError::new(other, "`expect` takes a string literal")
            .hint("write `o.expect(\"what went wrong\")`")),
    }
}

/// The call `x.mean_axis(..)` or `x.broadcast(..)` that `e` is, whose `Option` of an array
/// `unwrap` and `expect` open.
fn array_option(e: &syn::Expr) -> Option<&syn::ExprMethodCall> {
    match strip_parens(e) {
        syn::Expr::MethodCall(m)
            if ["mean_axis", "broadcast", "as_slice", "as_slice_mut"]
                .iter()
                .any(|n| m.method == n) =>
        {
            Some(m)
        }
        _ => None,
    }
}

/// How a `checked_*` method computes its `Some` value.
enum CheckedValue {
    Method(&'static str),
    Binary(BinOp),
}

impl FnLowerer<'_> {
    /// `Some(v)`; `None` for any other call.
    pub(super) fn some_call(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        if !p.path.is_ident("Some") || self.names.contains_key("Some") {
            return None;
        }
        if c.args.len() != 1 {
            return Some(Err(FrontError::new(c, "`Some` takes one value")
                .hint("write `Some(v)`; for several values, `Some((a, b))`")));
        }
        Some(
            self.expr_value(&c.args[0])
                .map(|x| self.expr(ExprKind::Option(OptionOp::Some(x)), c)),
        )
    }

    /// The `Option` methods, `checked_*` and `x.get(i)`; `None` for any other method.
    pub(super) fn option_method(&mut self, mc: &syn::ExprMethodCall) -> Option<R<ExprId>> {
        let name = mc.method.to_string();
        let arity = |n: usize| -> R<()> {
            if mc.args.len() == n {
                return Ok(());
            }
            let s = if n == 1 { "" } else { "s" };
            Err(FrontError::new(
                mc,
                format!("`{name}` takes {n} argument{s}"),
            ))
        };
        Some(match name.as_str() {
            "unwrap" | "expect" if array_option(&mc.receiver).is_some() => {
                let message = match name.as_str() {
                    "unwrap" => arity(0).map(|()| UNWRAP_NONE.to_string()),
                    _ => arity(1).and_then(|()| expect_message(&mc.args[0])),
                };
                let call = array_option(&mc.receiver).expect("checked above");
                match call.method.to_string().as_str() {
                    "broadcast" => message.and_then(|_| self.broadcast_to(call)),
                    "mean_axis" => message.and_then(|m| self.mean_axis(call, m)),
                    _ => message.and_then(|m| self.as_slice(call, m)),
                }
            }
            "is_some" | "is_none" | "unwrap" | "unwrap_or_default" => arity(0).and_then(|()| {
                let o = self.expr_value(&mc.receiver)?;
                Ok(match name.as_str() {
                    "unwrap" => {
                        let message = UNWRAP_NONE.to_string();
                        self.expr(ExprKind::Unwrap { option: o, message }, mc)
                    }
                    "unwrap_or_default" => self.expr(ExprKind::Option(OptionOp::Value(o)), mc),
                    "is_some" => self.expr(ExprKind::Option(OptionOp::IsSome(o)), mc),
                    _ => {
                        let some = self.expr(ExprKind::Option(OptionOp::IsSome(o)), mc);
                        self.expr(ExprKind::Unary(UnOp::Not, some), mc)
                    }
                })
            }),
            "expect" => arity(1).and_then(|()| self.expect(mc)),
            // `x.get(i).copied()`: `get`'s `Option<&T>` read as the value it is here.
            "copied" | "cloned" if is_get(&mc.receiver) => {
                arity(0).and_then(|()| self.expr_value(&mc.receiver))
            }
            "unwrap_or" => arity(1).and_then(|()| self.unwrap_or(mc)),
            "map" | "and_then" | "is_some_and" | "unwrap_or_else" | "filter" | "or" | "or_else" => {
                arity(1).and_then(|()| self.combinator(mc, &name))
            }
            "map_or" => arity(2).and_then(|()| self.combinator(mc, &name)),
            "get" => arity(1).and_then(|()| self.get(mc)),
            "checked_neg" => arity(0).and_then(|()| self.checked(mc, &name)),
            n if n.starts_with("checked_") && STMT_METHODS.contains(&n) => {
                arity(1).and_then(|()| self.checked(mc, &name))
            }
            _ => return None,
        })
    }

    fn expect(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let message = expect_message(&mc.args[0])?;
        let o = self.expr_value(&mc.receiver)?;
        Ok(self.expr(ExprKind::Unwrap { option: o, message }, mc))
    }

    /// `o.unwrap_or(d)`: `d` is evaluated first, as Rust evaluates arguments before the call.
    fn unwrap_or(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let o = self.expr_value(&mc.receiver)?;
        let o = self.spill(o);
        let d = self.expr_value(&mc.args[0])?;
        let d = self.spill(d);
        let span = Span::of(mc);
        let o2 = self.copy_simple(o);
        let is_some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::IsSome(o)), span);
        let value = self
            .func
            .add_expr(ExprKind::Option(OptionOp::Value(o2)), span);
        Ok(self.select(is_some, value, d, span))
    }

    /// `o.map(f)`, `o.and_then(f)`, `o.is_some_and(f)`, `o.filter(f)`, `o.unwrap_or_else(f)`,
    /// `o.or_else(f)`, `o.map_or(d, f)`, `o.or(d)`: `f` (a closure, inlined: `apply`) runs only on
    /// its branch, `d` before the test as Rust evaluates arguments.
    fn combinator(&mut self, mc: &syn::ExprMethodCall, name: &str) -> R<ExprId> {
        let f = mc.args.last().expect("checked arity");
        if let syn::Expr::Closure(c) = strip_parens(f) {
            if name == "map" && matches!(c.inputs.first(), Some(syn::Pat::Reference(_))) {
                return Err(FrontError::new(
                    mc,
                    "ndarray's `map` of references is not supported in kernels",
                )
                .hint("map the values: `x.mapv(|v| ..)`"));
            }
        }
        let o = self.expr_value(&mc.receiver)?;
        let o = self.spill(o);
        let default = match name {
            "map_or" | "or" => {
                let d = self.expr_value(&mc.args[0])?;
                Some(self.spill(d))
            }
            _ => None,
        };
        let span = Span::of(mc);
        let t = self.temp(span);
        let assign = |l: &mut Self, v: ExprId| {
            l.emit(Stmt::Assign {
                local: t,
                value: v,
                span,
            });
            Ok(())
        };
        let (then_body, ()) = self.nested(|l| {
            // The `Some`'s value (made only where read: a node no statement reaches is an error).
            let value = |l: &mut Self| {
                let o = l.copy_simple(o);
                l.func.add_expr(ExprKind::Option(OptionOp::Value(o)), span)
            };
            let v = match name {
                "unwrap_or_else" => value(l),
                // The `Some` itself.
                "or" | "or_else" => l.copy_simple(o),
                // The `Some` itself when the predicate holds, else `None`.
                "filter" => {
                    let arg = value(l);
                    let keep = l.apply(f, vec![arg], span)?;
                    let (kept, ()) = l.nested(|l| {
                        let o = l.copy_simple(o);
                        assign(l, o)
                    })?;
                    let (dropped, ()) = l.nested(|l| {
                        let none = l.func.add_expr(ExprKind::Option(OptionOp::None), span);
                        assign(l, none)
                    })?;
                    l.emit(Stmt::If {
                        cond: keep,
                        then_body: kept,
                        else_body: dropped,
                    });
                    return Ok(());
                }
                _ => {
                    let arg = value(l);
                    l.apply(f, vec![arg], span)?
                }
            };
            let v = match name {
                "map" => l.func.add_expr(ExprKind::Option(OptionOp::Some(v)), span),
                _ => v,
            };
            assign(l, v)
        })?;
        let (else_body, ()) = self.nested(|l| {
            let v = match name {
                "unwrap_or_else" | "or_else" => l.apply(f, Vec::new(), span)?,
                "is_some_and" => l.func.add_expr(ExprKind::Lit(Lit::Bool(false)), span),
                "map_or" | "or" => default.expect("map_or and or have a default"),
                _ => l.func.add_expr(ExprKind::Option(OptionOp::None), span),
            };
            assign(l, v)
        })?;
        let cond = self
            .func
            .add_expr(ExprKind::Option(OptionOp::IsSome(o)), span);
        self.emit(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(self.func.add_expr(ExprKind::Local(t), span))
    }

    /// `x.get(i)` (1-D) or `x.get([i, j])` / `x.get((i, j))`: `Some(x[..])` when every index is
    /// below its axis' extent, else `None`.
    fn get(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let array = self.array_name(&mc.receiver)?;
        let index = match &mc.args[0] {
            syn::Expr::Array(a) => self.operands(a.elems.iter())?,
            syn::Expr::Tuple(t) => self.operands(t.elems.iter())?,
            e => vec![self.expr_value(e)?],
        };
        let span = Span::of(mc);
        let index: Vec<ExprId> = index.into_iter().map(|i| self.spill(i)).collect();
        let mut inside: Option<ExprId> = None;
        for (d, &i) in index.iter().enumerate() {
            let i = self.copy_simple(i);
            let extent = self.func.add_expr(
                ExprKind::Shape {
                    array,
                    query: ShapeQuery::Dim(d as u8),
                },
                span,
            );
            let below = self
                .func
                .add_expr(ExprKind::Binary(BinOp::Lt, i, extent), span);
            inside = Some(match inside {
                None => below,
                Some(prev) => self
                    .func
                    .add_expr(ExprKind::Logical(LogicOp::And, prev, below), span),
            });
        }
        let Some(inside) = inside else {
            return Err(FrontError::new(mc, "`get` needs an index"));
        };
        let load = self.func.add_expr(
            ExprKind::Load {
                array,
                index,
                checked: true,
            },
            span,
        );
        let some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::Some(load)), span);
        let none = self.func.add_expr(ExprKind::Option(OptionOp::None), span);
        Ok(self.select(inside, some, none, span))
    }

    /// `x.mean_axis(Axis(k))` opened with `unwrap` or `expect(message)`: an empty axis `k`
    /// (ndarray's `None`) fails the call with `message`; otherwise the means.
    fn mean_axis(&mut self, call: &syn::ExprMethodCall, message: String) -> R<ExprId> {
        let span = Span::of(call);
        let array = self.array_name(&call.receiver)?;
        let [axis] = super::iter::args::<1>(call)?;
        let k = self.axis(axis)?;
        // The means first, so that an axis out of bounds is reported as such; an empty axis
        // divides zeros by zero, a result the failed check below never lets out.
        let means = self.emit_reduce(ReduceOp::MeanAxis(k), array, Block::default(), span);
        let query = ShapeQuery::Dim(k);
        let extent = self.func.add_expr(ExprKind::Shape { array, query }, span);
        let zero = self
            .func
            .add_expr(ExprKind::Lit(Lit::Int(IntLit::new(0), None)), span);
        let empty = self
            .func
            .add_expr(ExprKind::Binary(BinOp::Eq, extent, zero), span);
        let not_empty = self.func.add_expr(ExprKind::Unary(UnOp::Not, empty), span);
        self.fail_unless(not_empty, message, call);
        Ok(means)
    }

    /// Fails the call with `message` (an unwrapped `None`'s) unless `ok` holds: the `Unwrap` of
    /// `Some` of a byte where `ok` holds, `None` elsewhere.
    fn fail_unless(&mut self, ok: ExprId, message: String, at: &syn::ExprMethodCall) {
        let span = Span::of(at);
        let none = self.func.add_expr(ExprKind::Option(OptionOp::None), span);
        let byte = self.func.add_expr(
            ExprKind::Lit(Lit::Int(IntLit::new(0), Some(Scalar::U8))),
            span,
        );
        let some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::Some(byte)), span);
        let option = self.select(ok, some, none, span);
        let check = self.expr(ExprKind::Unwrap { option, message }, at);
        self.emit(Stmt::Eval(check));
    }

    /// `x.as_slice().unwrap()`, `x.as_slice_mut().expect(..)`: a view of `x`, which fails the
    /// call with `message` unless `x` is in standard layout (C order, positive strides), where
    /// ndarray's `None` would be unwrapped. Of a 1-D array, the slice ndarray gives; of an
    /// n-D one, a view of the same elements in the same order with `x`'s shape.
    fn as_slice(&mut self, call: &syn::ExprMethodCall, message: String) -> R<ExprId> {
        if !call.args.is_empty() {
            return Err(FrontError::new(
                call,
                format!("`{}` takes no arguments", call.method),
            ));
        }
        let array = self.array_name(&call.receiver)?;
        let span = Span::of(call);
        let query = ShapeQuery::Standard;
        let standard = self.func.add_expr(ExprKind::Shape { array, query }, span);
        self.fail_unless(standard, message, call);
        let mutable = call.method == "as_slice_mut";
        Ok(self.expr(ExprKind::Borrow { array, mutable }, call))
    }

    /// `x.broadcast(y.dim()).unwrap()` (or `y.raw_dim()`, `y.shape()`): `x` stretched onto
    /// `y`'s shape, a read-only view. Where ndarray's `None` would be unwrapped, the call fails
    /// naming both shapes.
    fn broadcast_to(&mut self, call: &syn::ExprMethodCall) -> R<ExprId> {
        let [shape] = super::iter::args::<1>(call)?;
        let with = match strip_parens(shape) {
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(m.method.to_string().as_str(), "dim" | "raw_dim" | "shape") =>
            {
                &m.receiver
            }
            other => return Err(FrontError::new(
                other,
                "`broadcast` takes the shape of another array here",
            )
            .hint(
                "write `x.broadcast(y.dim()).unwrap()`; arithmetic broadcasts by itself: `&y + &x`",
            )),
        };
        let with = self.array_name(with)?;
        let array = self.array_name(&call.receiver)?;
        let view = self.stretched(array, with, Span::of(call));
        Ok(self.expr(ExprKind::Local(view), call))
    }

    /// `x.mean()`'s `Option` of its `value`: `None` when `array` is empty.
    pub(super) fn mean_option(&mut self, array: LocalId, value: ExprId, span: Span) -> ExprId {
        let query = ShapeQuery::IsEmpty;
        let empty = self.func.add_expr(ExprKind::Shape { array, query }, span);
        let none = self.func.add_expr(ExprKind::Option(OptionOp::None), span);
        let some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::Some(value)), span);
        self.select(empty, none, some, span)
    }

    /// `a.checked_add(b)` and the others: `None` when the operation would overflow (or divide by
    /// zero, or shift by the width or more), else `Some` of its result.
    fn checked(&mut self, mc: &syn::ExprMethodCall, name: &str) -> R<ExprId> {
        let (test, value) = match name {
            "checked_add" => ("checked_add.is_none", CheckedValue::Method("wrapping_add")),
            "checked_sub" => ("checked_sub.is_none", CheckedValue::Method("wrapping_sub")),
            "checked_mul" => ("checked_mul.is_none", CheckedValue::Method("wrapping_mul")),
            "checked_div" => ("checked_div.is_none", CheckedValue::Binary(BinOp::Div)),
            "checked_rem" => ("checked_div.is_none", CheckedValue::Binary(BinOp::Rem)),
            "checked_neg" => ("checked_neg.is_none", CheckedValue::Method("wrapping_neg")),
            "checked_shl" => ("checked_shl.is_none", CheckedValue::Binary(BinOp::Shl)),
            _ => ("checked_shl.is_none", CheckedValue::Binary(BinOp::Shr)),
        };
        let all = std::iter::once(&*mc.receiver).chain(mc.args.iter());
        let ops: Vec<ExprId> = self.operands(all)?;
        let ops: Vec<ExprId> = ops.into_iter().map(|x| self.spill(x)).collect();
        let span = Span::of(mc);
        let mut second: Vec<ExprId> = ops.iter().map(|&x| self.copy_simple(x)).collect();
        let mut first = ops;
        let receiver = first.remove(0);
        let none = self.func.add_expr(
            ExprKind::Method {
                name: test.into(),
                receiver,
                args: first,
            },
            span,
        );
        let a = second.remove(0);
        let result = match (value, second.first()) {
            (CheckedValue::Binary(op), Some(&b)) => ExprKind::Binary(op, a, b),
            (CheckedValue::Method(m), _) => ExprKind::Method {
                name: m.into(),
                receiver: a,
                args: second,
            },
            (CheckedValue::Binary(_), None) => {
                return Err(FrontError::new(mc, format!("`{name}` takes 1 argument")))
            }
        };
        let result = self.func.add_expr(result, span);
        let some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::Some(result)), span);
        let none_value = self.func.add_expr(ExprKind::Option(OptionOp::None), span);
        Ok(self.select(none, none_value, some, span))
    }

    /// `e?` on an `Option`: returns `None` from the function when `e` is `None`, else its value.
    pub(super) fn try_option(&mut self, t: &syn::ExprTry) -> R<ExprId> {
        if self.in_closure {
            return Err(FrontError::new(t, "`?` in a closure is not supported")
                .hint("use `if let Some(v) = ..` in the closure's body"));
        }
        let o = self.expr_value(&t.expr)?;
        let o = self.spill(o);
        let span = Span::of(t);
        let o2 = self.copy_simple(o);
        let is_some = self
            .func
            .add_expr(ExprKind::Option(OptionOp::IsSome(o)), span);
        let none = self.func.add_expr(ExprKind::Option(OptionOp::None), span);
        self.emit(Stmt::If {
            cond: is_some,
            then_body: Block::default(),
            else_body: Block {
                stmts: vec![Stmt::Return {
                    value: Some(none),
                    span,
                }],
            },
        });
        Ok(self
            .func
            .add_expr(ExprKind::Option(OptionOp::Value(o2)), span))
    }

    /// A temporary holding `then` when `cond` holds, else `otherwise` (each evaluated only on
    /// its branch).
    fn select(&mut self, cond: ExprId, then: ExprId, otherwise: ExprId, span: Span) -> ExprId {
        let t = self.temp(span);
        let assign = |value: ExprId| Block {
            stmts: vec![Stmt::Assign {
                local: t,
                value,
                span,
            }],
        };
        self.emit(Stmt::If {
            cond,
            then_body: assign(then),
            else_body: assign(otherwise),
        });
        self.func.add_expr(ExprKind::Local(t), span)
    }

    /// The value of `e` in a new temporary (a scrutinee that patterns test and bind from).
    pub(super) fn scrutinee(&mut self, e: &syn::Expr) -> R<LocalId> {
        let value = self.expr_value(e)?;
        let at = Span::of(e);
        let t = self.temp(at);
        self.emit(Stmt::Assign {
            local: t,
            value,
            span: at,
        });
        Ok(t)
    }

    /// `if let PAT = e { .. } else { .. }`: the pattern's bindings are visible in the first
    /// branch only.
    pub(super) fn if_let(
        &mut self,
        i: &syn::ExprIf,
        l: &syn::ExprLet,
        target: Option<LocalId>,
    ) -> R<()> {
        let scrutinee = self.scrutinee(&l.expr)?;
        self.scopes.push(Vec::new());
        let then = self
            .pattern(&l.pat, scrutinee, false, true)
            .inspect(|_| self.borrowed_bindings(&l.pat, &l.expr))
            .and_then(|test| {
                self.nested(|l| l.arm(&i.then_branch, target))
                    .map(|(b, ())| (test, b))
            });
        self.scopes.pop();
        let (test, then_body) = then?;
        let else_body = self.else_body(i, target)?;
        match test {
            Some(cond) => self.emit(Stmt::If {
                cond,
                then_body,
                else_body,
            }),
            // An irrefutable pattern: the `else` never runs.
            None => {
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(then_body.stmts);
                }
            }
        }
        Ok(())
    }

    /// `while let PAT = e { .. }`: `e` is evaluated and tested before each iteration.
    pub(super) fn while_let(&mut self, w: &syn::ExprWhile, l: &syn::ExprLet) -> R<()> {
        let frame = loops::LoopFrame::new(w.label.as_ref(), false, None);
        let (body, (), frame) = self.in_loop(frame, |this| {
            let scrutinee = this.scrutinee(&l.expr)?;
            this.scopes.push(Vec::new());
            let r = this
                .pattern(&l.pat, scrutinee, false, true)
                .inspect(|_| this.borrowed_bindings(&l.pat, &l.expr))
                .and_then(|test| {
                    if let Some(cond) = test {
                        this.break_unless(cond);
                    }
                    this.block_effects(&w.body)
                });
            this.scopes.pop();
            r
        })?;
        self.finish_loop(frame, Stmt::Loop { body });
        Ok(())
    }

    /// `let PAT = e else { .. };`: the bindings stay in scope; the `else` block must diverge.
    pub(super) fn let_else(
        &mut self,
        local: &syn::Local,
        e: &syn::Expr,
        diverge: &syn::Expr,
    ) -> R<()> {
        let syn::Expr::Block(b) = diverge else {
            return Err(FrontError::new(diverge, "expected a block after `else`"));
        };
        if !ends_in_divergence(&b.block) {
            return Err(FrontError::new(
                diverge,
                "the `else` block of `let ... else` must not fall through",
            )
            .hint("end it with `return`, `break` or `continue`"));
        }
        let pat = match &local.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        let scrutinee = self.scrutinee(e)?;
        if let syn::Pat::Type(pt) = &local.pat {
            self.func.locals[scrutinee].ann = names::type_ann(&pt.ty)?;
        }
        let test = self.pattern(pat, scrutinee, false, true)?;
        self.borrowed_bindings(pat, e);
        let (else_body, ()) = self.nested(|l| l.block_effects(&b.block))?;
        if let Some(cond) = test {
            self.emit(Stmt::If {
                cond,
                then_body: Block::default(),
                else_body,
            });
        }
        Ok(())
    }

    /// The names `pat` binds from `e` when `e` makes an `Option<&T>` (`x.get(i)`, `v.last()`,
    /// `x.iter().max()`): Rust binds references there, read as `*v` (and `v`), as a walk's
    /// elements are.
    fn borrowed_bindings(&mut self, pat: &syn::Pat, e: &syn::Expr) {
        if !yields_reference(e) {
            return;
        }
        let mut names = Vec::new();
        bound_names(pat, &mut names);
        for name in names {
            if let Some(l) = self.lookup(&name) {
                self.elems.insert(l, iter::ElemRef::Shared);
            }
        }
    }
}

/// Whether `e` makes an `Option<&T>`: `get`, `first` or `last` of an array or vector, or a
/// search (`max`, `min`, `find`, `max_by`, ...) of a walk of references (`x.iter()`, adapted by
/// `filter`, `skip`, `take`, `rev`, `step_by`, not by `map`, `copied` or `cloned`).
fn yields_reference(e: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(mc) = strip_parens(e) else {
        return false;
    };
    let method = mc.method.to_string();
    if growable::BY_REFERENCE.contains(&method.as_str()) {
        return true;
    }
    let searches = [
        "max",
        "min",
        "find",
        "max_by",
        "min_by",
        "max_by_key",
        "min_by_key",
    ];
    if !searches.contains(&method.as_str()) {
        return false;
    }
    let mut recv = strip_parens(&mc.receiver);
    while let syn::Expr::MethodCall(m) = recv {
        match m.method.to_string().as_str() {
            "iter" => return true,
            "filter" | "skip" | "take" | "rev" | "step_by" => recv = strip_parens(&m.receiver),
            _ => return false,
        }
    }
    false
}

/// The names a pattern binds.
fn bound_names(p: &syn::Pat, out: &mut Vec<String>) {
    match p {
        syn::Pat::Ident(pi) => out.push(pi.ident.to_string()),
        syn::Pat::TupleStruct(ts) => ts.elems.iter().for_each(|p| bound_names(p, out)),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        syn::Pat::Paren(pp) => bound_names(&pp.pat, out),
        syn::Pat::Type(pt) => bound_names(&pt.pat, out),
        _ => {}
    }
}

/// Whether `e` is `x.get(..)`.
fn is_get(e: &syn::Expr) -> bool {
    matches!(strip_parens(e), syn::Expr::MethodCall(mc) if mc.method == "get")
}
