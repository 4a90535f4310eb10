//! Operators and methods of complex numbers: each typed as, and resolved to, a call of the
//! prelude function that computes it (`ir::complex`), so no later stage knows complex arithmetic.
//!
//! In: a binary operator with a complex operand, or a method of a complex receiver, from the
//! walk over expressions (`expr.rs`). Out: the call recorded for the expression (`calls`), an
//! instance of the prelude function for the complex type, and the type of its value.

use super::unify::{State, Var};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::complex;
use crate::ir::*;
use crate::span::Span;

impl<'s, 'p> Infer<'s, 'p> {
    /// `a op b` with a complex operand: a call of the prelude function num-complex's operator
    /// is written as (`ir::complex`); `None` when neither operand is complex.
    pub(super) fn complex_binary(
        &mut self,
        e: ExprId,
        op: BinOp,
        (a, ta): (ExprId, Var),
        (b, tb): (ExprId, Var),
    ) -> R<Option<Var>> {
        let complex = |st: State| match st {
            State::Known(Type::Scalar(s)) if s.is_complex() => Some(s),
            _ => None,
        };
        let (ca, cb) = (complex(self.get(ta)), complex(self.get(tb)));
        let Some(c) = ca.or(cb) else {
            return Ok(None);
        };
        // The other operand is the same complex type, or a real number of its part type.
        let (other, to) = match ca {
            Some(_) => (b, tb),
            None => (a, ta),
        };
        let want = match (ca, cb) {
            (Some(_), Some(_)) => c,
            _ => c.part(),
        };
        self.unify_with(to, Type::Scalar(want))
            .map_err(|(got, _)| {
                Diagnostic::new(
                    format!(
                        "cannot apply `{}` to `{}` and `{}`",
                        op.symbol(),
                        self.get(ta).describe(),
                        self.get(tb).describe()
                    ),
                    self.span(other),
                    format!(
                        "expected `{c}` or `{}`, found `{}`",
                        c.part(),
                        got.describe()
                    ),
                )
                .with_help(format!(
                    "num-complex combines `{c}` with `{c}` or `{}`: convert with `as {}`",
                    c.part(),
                    c.part()
                ))
            })?;
        let (lhs, rhs) = (ca.is_some(), cb.is_some() || want == c);
        let Some(f) = complex::binary(op, lhs, rhs) else {
            let t = |is: bool| {
                if is {
                    c.to_string()
                } else {
                    c.part().to_string()
                }
            };
            let help = if op.is_comparison() {
                "complex numbers are not ordered: compare their moduli (`a.norm() < b.norm()`) or parts"
            } else {
                "complex numbers have `+`, `-`, `*`, `/`, unary `-`, `==` and `!=`"
            };
            return Err(Diagnostic::new(
                format!(
                    "no implementation for `{} {} {}`",
                    t(lhs),
                    op.symbol(),
                    t(rhs)
                ),
                self.span(e),
                format!("`{}` is not defined for complex numbers", op.symbol()),
            )
            .with_help(help));
        };
        let params = vec![
            Type::Scalar(if lhs { c } else { c.part() }),
            Type::Scalar(if rhs { c } else { c.part() }),
        ];
        self.prelude_call(e, c, f, params).map(Some)
    }

    /// `z.name(args)` for a complex method: a call of its prelude function.
    pub(super) fn complex_method(
        &mut self,
        e: ExprId,
        c: Scalar,
        m: &complex::ComplexMethod,
        args: &[ExprId],
        targs: &[Var],
    ) -> R<Var> {
        let span = self.span(e);
        if m.args.len() != args.len() {
            return Err(Diagnostic::new(
                format!(
                    "`{}` takes {} argument{} but {} {} supplied",
                    m.name,
                    m.args.len(),
                    if m.args.len() == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                "wrong number of arguments",
            ));
        }
        let mut params = vec![Type::Scalar(c)];
        for ((&a, &t), rel) in args.iter().zip(targs).zip(m.args) {
            let want = rel.of(c).unwrap_or(c);
            self.method_arg(a, t, want)?;
            params.push(Type::Scalar(want));
        }
        self.prelude_call(e, c, m.name, params)
    }

    /// A call of the prelude function `f` for complex type `c`, in place of expression `e`.
    pub(super) fn prelude_call(
        &mut self,
        e: ExprId,
        c: Scalar,
        f: &str,
        params: Vec<Type>,
    ) -> R<Var> {
        self.prelude_call_at(e, self.span(e), c, f, params)
    }

    /// [`Infer::prelude_call`] for an expression `e` at `span` that a later expansion made
    /// (a reduction's arithmetic on complex elements, `reduce.rs`): `a op b`, each operand
    /// complex (of type `c`) or its part type as `complex` says.
    pub(super) fn complex_arith(
        &mut self,
        e: ExprId,
        span: Span,
        op: BinOp,
        c: Scalar,
        complex: (bool, bool),
    ) -> R<()> {
        let f = complex::binary(op, complex.0, complex.1).ok_or_else(|| {
            Diagnostic::new(
                format!("internal: no complex `{}`", op.symbol()),
                span,
                "here",
            )
        })?;
        let ty = |is: bool| Type::Scalar(if is { c } else { c.part() });
        let params = vec![ty(complex.0), ty(complex.1)];
        self.prelude_call_at(e, span, c, f, params).map(|_| ())
    }

    /// `-a` of complex type `c` for an expression `e` at `span` that a later expansion made (an
    /// array's negation, element by element).
    pub(super) fn complex_neg(&mut self, e: ExprId, span: Span, c: Scalar) -> R<()> {
        let params = vec![Type::Scalar(c)];
        self.prelude_call_at(e, span, c, complex::NEG, params)
            .map(|_| ())
    }

    fn prelude_call_at(
        &mut self,
        e: ExprId,
        span: Span,
        c: Scalar,
        f: &str,
        params: Vec<Type>,
    ) -> R<Var> {
        let name = complex::prelude_fn(c, f);
        let func = self.spec.program.find(&name).ok_or_else(|| {
            Diagnostic::new(
                format!("internal: the prelude has no `{name}`"),
                span,
                "here",
            )
        })?;
        let (inst, ret) = self.spec.instantiate(func, params, Some(span))?;
        self.calls.insert(e, inst);
        Ok(self.returned(ret))
    }
}
