//! `Option` values as tuples: each [`ExprKind::Option`] of a function becomes the tuple
//! `(bool, T)` an `Option<T>` is laid out as ([`Tuple::option`]), once `T` is known.
//!
//! In: the untyped function after inference (its variables solved). Out: the same function with
//! `Some(v)` as `(true, v)`, `None` as `(false, zero)` (every scalar of the zero `0`, `0.0` or
//! `false`, so no read of a `None`'s value is undefined), `is_some(o)` as `o.0` and the value of
//! a `Some` as `o.1`; the expressions it adds are typed as they are made. Nothing after this
//! sees an `ExprKind::Option`.

use super::unify::State;
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

impl Infer<'_, '_> {
    pub(super) fn expand_options(
        &mut self,
        f: &mut Function<Untyped>,
        dead: &HashSet<ExprId>,
    ) -> R<()> {
        let options: Vec<(ExprId, OptionOp)> = f
            .exprs
            .iter()
            .filter(|(id, _)| !dead.contains(id))
            .filter_map(|(id, e)| match e.kind {
                ExprKind::Option(op) => Some((id, op)),
                _ => None,
            })
            .collect();
        for (id, op) in options {
            let span = f.expr(id).span;
            let kind = match op {
                OptionOp::Some(x) => {
                    let flag = self.constant(f, Const::bool(true), span);
                    ExprKind::Tuple(vec![flag, x])
                }
                OptionOp::None => {
                    let ty = match self.exprs.get(id) {
                        Some(&v) => self.settle(v, span)?,
                        None => Type::Unit,
                    };
                    let Type::Tuple(t) = ty else {
                        return Err(Diagnostic::new(
                            format!("internal: `None` typed `{ty}`"),
                            span,
                            "here",
                        ));
                    };
                    let flag = self.constant(f, Const::bool(false), span);
                    let zero = self.zero(f, t.elems()[1], span)?;
                    ExprKind::Tuple(vec![flag, zero])
                }
                OptionOp::IsSome(x) => ExprKind::Field(x, 0),
                OptionOp::Value(x) => ExprKind::Field(x, 1),
            };
            f.exprs[id].kind = kind;
        }
        Ok(())
    }

    /// A new typed constant.
    fn constant(&mut self, f: &mut Function<Untyped>, c: Const, span: Span) -> ExprId {
        let e = f.add_expr(ExprKind::Const(c), span);
        let v = self.fresh(State::Known(Type::Scalar(c.ty)));
        self.exprs.insert(e, v);
        e
    }

    /// The zero of type `t` (a scalar or a tuple of them), as new typed expressions.
    fn zero(&mut self, f: &mut Function<Untyped>, t: Type, span: Span) -> R<ExprId> {
        match t {
            // A complex constant holds its real part: `0 + 0i`.
            Type::Scalar(s) => Ok(self.constant(f, Const { ty: s, bits: 0 }, span)),
            Type::Tuple(tt) => {
                let xs = tt
                    .elems()
                    .iter()
                    .map(|&e| self.zero(f, e, span))
                    .collect::<R<Vec<_>>>()?;
                let e = f.add_expr(ExprKind::Tuple(xs), span);
                let v = self.fresh(State::Known(t));
                self.exprs.insert(e, v);
                Ok(e)
            }
            Type::Unit | Type::Array(_) => Err(Diagnostic::new(
                format!("internal: the zero of `{t}`"),
                span,
                "here",
            )),
        }
    }
}
