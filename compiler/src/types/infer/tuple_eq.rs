//! `==` and `!=` of tuples, `Option`s and structs, as Rust's derived `PartialEq` compares them:
//! element by element in order, `a == b` the `&` of the elements' `==` (so a `NaN` element makes
//! two tuples unequal), `a != b` its negation.
//!
//! In: a comparison whose operands are tuples (checked here: the same type on both sides), then,
//! once every type is known, the function. Out: each such comparison rewritten into scalar
//! comparisons of the operands' fields joined with `&` (nested tuples recursively; the elements
//! have no effects, so Rust's `&&` skipping the rest changes nothing); the expressions it adds are
//! typed as they are made. An `Option` is the tuple `(bool, T)` by then,
//! its value zero in a `None` (`option`), so the element-wise test is `Option`'s `==`.
//!
//! An operand written as a tuple or `Some(..)` gives each element once; any other operand is read
//! once per field, so it must be a variable, an array element at variables or constants (or a
//! field of one): a call or an operator there
//! is an error asking for a `let`, rather than evaluating it more than once.

use super::unify::State;
use super::{Infer, Var, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

impl Infer<'_, '_> {
    /// `a == b` or `a != b` where either operand is a tuple, an `Option` or a struct.
    pub(super) fn tuple_eq(
        &mut self,
        e: ExprId,
        op: BinOp,
        (a, ta): (ExprId, Var),
        (b, tb): (ExprId, Var),
    ) -> R<Var> {
        self.unify(ta, tb).map_err(|(x, y)| {
            let (xs, ys) = (x.describe(), y.describe());
            Diagnostic::new(
                format!("can't compare `{xs}` with `{ys}`"),
                self.span(b),
                format!("expected `{xs}`, found `{ys}`"),
            )
            .with_label(self.span(a), format!("this is `{xs}`"))
            .with_help("compare values of one type: the same tuple, `Option` or struct")
        })?;
        for x in [a, b] {
            if !is_written(self.func, x) && !is_place(self.func, x) {
                return Err(Diagnostic::new(
                    format!("`{}` of this value is not supported", op.symbol()),
                    self.span(x),
                    "compared field by field, it would be evaluated once per field",
                )
                .with_help("bind it first: `let t = ..;`, then compare `t`"));
            }
        }
        self.tuple_eqs.push(e);
        Ok(self.known(Scalar::Bool))
    }

    /// Rewrites the comparisons [`Self::tuple_eq`] accepted; returns the nodes left unreached
    /// (the tuple literals whose elements were taken, the places read again as copies).
    pub(super) fn expand_tuple_eqs(&mut self, f: &mut Function<Untyped>) -> R<HashSet<ExprId>> {
        let mut dead = HashSet::new();
        for e in std::mem::take(&mut self.tuple_eqs) {
            let ExprKind::Binary(op, a, b) = f.expr(e).kind else {
                continue;
            };
            let span = f.expr(e).span;
            let ty = self.settle(self.exprs[a], span)?;
            let (a, b) = (self.side(f, a, &mut dead), self.side(f, b, &mut dead));
            let eq = self.elementwise(f, a, b, ty, span, &mut dead)?;
            let kind = match op {
                BinOp::Ne => ExprKind::Unary(UnOp::Not, eq),
                _ => {
                    dead.insert(eq);
                    f.expr(eq).kind.clone()
                }
            };
            f.exprs[e].kind = kind;
        }
        Ok(dead)
    }

    /// An operand: a place is read again per field (the read itself left unreached).
    fn side(&mut self, f: &Function<Untyped>, x: ExprId, dead: &mut HashSet<ExprId>) -> Side {
        if is_written(f, x) || !is_place(f, x) {
            return Side::Expr(x);
        }
        unreached(f, x, dead);
        Side::Place(x, Vec::new())
    }

    /// `a == b` of type `ty`, a new `bool` expression.
    fn elementwise(
        &mut self,
        f: &mut Function<Untyped>,
        a: Side,
        b: Side,
        ty: Type,
        span: Span,
        dead: &mut HashSet<ExprId>,
    ) -> R<ExprId> {
        match ty {
            Type::Scalar(s) if !s.is_complex() => {
                let (a, b) = (self.read_side(f, a), self.read_side(f, b));
                Ok(self.typed(
                    f,
                    ExprKind::Binary(BinOp::Eq, a, b),
                    Type::Scalar(Scalar::Bool),
                    span,
                ))
            }
            Type::Tuple(t) => {
                let mut all: Option<ExprId> = None;
                for (i, &et) in t.elems().iter().enumerate() {
                    let ai = self.element_of(f, &a, i, et, dead)?;
                    let bi = self.element_of(f, &b, i, et, dead)?;
                    let eq = self.elementwise(f, ai, bi, et, span, dead)?;
                    all = Some(match all {
                        None => eq,
                        Some(prev) => self.typed(
                            f,
                            ExprKind::Binary(BinOp::BitAnd, prev, eq),
                            Type::Scalar(Scalar::Bool),
                            span,
                        ),
                    });
                }
                Ok(all.unwrap_or_else(|| {
                    let c = ExprKind::Const(Const::bool(true));
                    self.typed(f, c, Type::Scalar(Scalar::Bool), span)
                }))
            }
            other => Err(Diagnostic::new(
                format!("can't compare values holding `{other}`"),
                span,
                "compared field by field",
            )
            .with_help("compare the fields of scalar types one by one (`a.0 == b.0 && ..`); complex numbers compare with `==` on their own")),
        }
    }

    /// Element `i` (of type `ty`) of an operand: the element itself when the operand is written
    /// out (each is taken once), else the field's place.
    fn element_of(
        &mut self,
        f: &Function<Untyped>,
        x: &Side,
        i: usize,
        ty: Type,
        dead: &mut HashSet<ExprId>,
    ) -> R<Side> {
        let e = match x {
            Side::Place(root, path) => {
                let mut path = path.clone();
                path.push((i as u32, ty));
                return Ok(Side::Place(*root, path));
            }
            Side::Expr(e) => *e,
        };
        let elem = match &f.expr(e).kind {
            ExprKind::Tuple(xs) => xs[i],
            ExprKind::Struct(op) => match &**op {
                StructOp::New { fields, .. } => fields[i],
                _ => return Err(not_a_place(f, e)),
            },
            _ => return Err(not_a_place(f, e)),
        };
        dead.insert(e);
        Ok(match ty {
            Type::Tuple(_) => self.side(f, elem, dead),
            _ => Side::Expr(elem),
        })
    }

    /// The expression an operand's scalar is: a copy of its place with the fields read.
    fn read_side(&mut self, f: &mut Function<Untyped>, x: Side) -> ExprId {
        match x {
            Side::Expr(e) => e,
            Side::Place(root, path) => {
                let mut at = self.copy_place(f, root);
                let span = f.expr(root).span;
                for (k, ty) in path {
                    at = self.typed(f, ExprKind::Field(at, k), ty, span);
                }
                at
            }
        }
    }

    /// A new copy of a place ([`is_place`]), typed as the original.
    fn copy_place(&mut self, f: &mut Function<Untyped>, x: ExprId) -> ExprId {
        let Expr { kind, span } = f.expr(x).clone();
        let kind = match kind {
            ExprKind::Field(inner, k) => ExprKind::Field(self.copy_place(f, inner), k),
            ExprKind::Load {
                array,
                index,
                checked,
            } => ExprKind::Load {
                array,
                index: index.iter().map(|&i| self.copy_place(f, i)).collect(),
                checked,
            },
            other => other,
        };
        let c = f.add_expr(kind, span);
        let v = self.exprs[x];
        self.exprs.insert(c, v);
        c
    }

    /// A new expression of a known type.
    fn typed(
        &mut self,
        f: &mut Function<Untyped>,
        kind: ExprKind<Untyped>,
        ty: Type,
        span: Span,
    ) -> ExprId {
        let e = f.add_expr(kind, span);
        let v = self.fresh(State::Known(ty));
        self.exprs.insert(e, v);
        e
    }
}

/// An operand of a comparison being expanded.
enum Side {
    /// An expression read once: a scalar, or a tuple written out.
    Expr(ExprId),
    /// A place and the fields (position, type) read from it, outermost first.
    Place(ExprId, Vec<(u32, Type)>),
}

/// The error for a tuple operand that is neither written out nor a place.
fn not_a_place(f: &Function<Untyped>, x: ExprId) -> Diagnostic {
    Diagnostic::new(
        "`==` of this value is not supported",
        f.expr(x).span,
        "compared field by field, it would be evaluated once per field",
    )
    .with_help("bind it first: `let t = ..;`, then compare `t`")
}

/// Whether `x` is written out element by element: a tuple, `Some(v)`, `None` or a struct literal.
fn is_written(f: &Function<Untyped>, x: ExprId) -> bool {
    match &f.expr(x).kind {
        ExprKind::Tuple(_) | ExprKind::Option(OptionOp::Some(_) | OptionOp::None) => true,
        ExprKind::Struct(op) => matches!(**op, StructOp::New { .. }),
        _ => false,
    }
}

/// Whether `x` is a variable, a constant, an array element at places (`p[i]`, `c[[i, 1]]`) or a
/// field of a place: read again with no effect but the first read's (an element's bounds check
/// fails, if at all, at the first read).
fn is_place(f: &Function<Untyped>, x: ExprId) -> bool {
    match &f.expr(x).kind {
        ExprKind::Local(_) | ExprKind::Const(_) | ExprKind::Lit(_) => true,
        ExprKind::Field(inner, _) => is_place(f, *inner),
        ExprKind::Load { index, .. } => index.iter().all(|&i| is_place(f, i)),
        _ => false,
    }
}

/// Adds the place `x` and the places it reads to `dead` (each read is of a copy).
fn unreached(f: &Function<Untyped>, x: ExprId, dead: &mut HashSet<ExprId>) {
    dead.insert(x);
    match &f.expr(x).kind {
        ExprKind::Field(inner, _) => unreached(f, *inner, dead),
        ExprKind::Load { index, .. } => {
            for &i in index {
                unreached(f, i, dead);
            }
        }
        _ => {}
    }
}
