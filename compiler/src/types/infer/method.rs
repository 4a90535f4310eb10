//! Method calls (`x.name(args)`): conversions (`T::from`, `T::from_bits`), the front end's
//! hidden methods (`AS_TYPE_OF`, `REQUIRE_ORD`), a struct's methods, `insert_axis` /
//! `index_axis`, complex methods (`complex.rs`) and std's numeric methods from the intrinsics
//! table (`types::methods`).
//!
//! In: an [`ExprKind::Method`] of the walk over expressions (`expr.rs`). Out: the type of its
//! value; a lossless conversion recorded as one (`conversions`), a struct's method as a call.

use super::unify::{State, Var};
use super::wording::with_cast_help;
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::complex;
use crate::ir::*;
use crate::types::methods;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn method(
        &mut self,
        e: ExprId,
        name: &str,
        receiver: ExprId,
        args: &[ExprId],
    ) -> R<Var> {
        let span = self.span(e);
        // The method the kernel wrote (`checked_add` for its test `checked_add.is_none`).
        let shown = name.trim_end_matches(".is_none");
        let tr = self.expr(receiver)?;
        if let Some(to) = name.strip_suffix("::from").and_then(Scalar::from_name) {
            return self.conversion(e, to, receiver, tr);
        }
        if let Some(to) = name.strip_suffix("::from_bits").and_then(Scalar::from_name) {
            // `f64::from_bits(u)` takes a `u64` (an integer literal becomes one), `f32`'s a `u32`.
            let bits = match to {
                Scalar::F32 => Scalar::U32,
                _ => Scalar::U64,
            };
            self.unify_with(tr, Type::Scalar(bits))
                .map_err(|(got, _)| {
                    Diagnostic::new(
                        format!(
                            "mismatched types: expected `{bits}`, found `{}`",
                            got.describe()
                        ),
                        self.span(receiver),
                        format!("`{name}` takes the bits as a `{bits}`"),
                    )
                    .with_help(format!(
                        "convert with `as {bits}` (the same bits for a `{}`)",
                        match bits {
                            Scalar::U32 => "i32",
                            _ => "i64",
                        }
                    ))
                })?;
        }
        if name == REQUIRE_ORD {
            return match self.settle(tr, self.span(receiver))? {
                Type::Scalar(s) if !s.is_float() && !s.is_complex() => {
                    // `x` itself: a cast to its own type.
                    self.conversions.insert(e, s);
                    Ok(self.known(s))
                }
                t => Err(Diagnostic::new(
                    format!("the trait bound `{t}: Ord` is not satisfied"),
                    span,
                    format!("`min` and `max` of an iterator need `Ord`, which `{t}` is not"),
                )
                .with_help(match t {
                    Type::Scalar(s) if s.is_float() => format!(
                        "floats are not totally ordered (NaN): fold the items with \
                         `.fold({s}::NEG_INFINITY, {s}::max)` (NaNs ignored) or take \
                         `.copied().max_by(|a, b| a.total_cmp(b))`"
                    ),
                    _ => {
                        "compare the items with `max_by_key(|v| ..)` or `max_by(|a, b| ..)`".into()
                    }
                })),
            };
        }
        if let (AS_TYPE_OF, &[like]) = (name, args) {
            // The second operand is a local, read for its type only (the cast drops it).
            let ExprKind::Local(like) = self.func.expr(like).kind else {
                return Err(Diagnostic::new(
                    "internal: `as_type_of` of an expression",
                    span,
                    "here",
                ));
            };
            // `x as T` with `T` the type the local gets: the value has that type, and the cast
            // is known once it is settled (`resolve`).
            let like = self.locals[like];
            self.settle(tr, self.span(receiver))?;
            self.type_only.insert(args[0]);
            self.casts_to_type_of.push((e, like));
            return Ok(like);
        }
        let targs = args.iter().map(|a| self.expr(*a)).collect::<R<Vec<_>>>()?;
        if let Some(callee) = self.struct_method(tr, name) {
            let all: Vec<ExprId> = std::iter::once(receiver)
                .chain(args.iter().copied())
                .collect();
            let vars: Vec<Var> = std::iter::once(tr).chain(targs).collect();
            return self.call_with(e, callee, &all, &vars);
        }
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
            State::Array(a) if name == "insert_axis" => return self.insert_axis(a, args, span),
            State::Array(a) if name == "index_axis" || name == "index_axis_mut" => {
                let index = targs[1];
                self.unify_with(index, Type::Scalar(Scalar::Usize))
                    .map_err(|_| {
                        Diagnostic::new("mismatched types", self.span(args[1]), "expected `usize`")
                    })?;
                return self.index_axis(a, name == "index_axis_mut", args, span);
            }
            State::Array(_) => {
                return Err(Diagnostic::new(
                    format!("no method named `{shown}` found for arrays"),
                    span,
                    "method not found",
                )
                .with_help("array methods: len, dim, shape, nrows, ncols, ndim, is_empty"))
            }
            _ => self.settle(tr, self.span(receiver))?,
        };
        let Type::Scalar(s) = recv_ty else {
            return Err(Diagnostic::new(
                format!("no method named `{shown}` found for `{recv_ty}`"),
                span,
                "method not found",
            ));
        };
        if let Some(m) = complex::method(name).filter(|_| s.is_complex()) {
            return self.complex_method(e, s, m, args, &targs);
        }
        let Some(sig) = methods::resolve(name, s) else {
            let mut d = Diagnostic::new(
                format!("no method named `{shown}` found for `{s}`"),
                span,
                format!("method not found in `{s}`"),
            );
            let x = self.local_name(receiver).unwrap_or("x");
            if s.is_int() && !s.is_signed() && methods::resolve(name, Scalar::I64).is_some() {
                let signed = format!("i{}", &s.name()[1..]);
                d = d.with_help(format!("`{shown}` is defined for signed integers only: convert first, e.g. `({x} as {signed}).{shown}()`"));
            } else if s.is_int() && methods::resolve(name, Scalar::F64).is_some() {
                d = d.with_help(format!(
                    "`{shown}` is a float method: convert first, e.g. `({x} as f64).{shown}()`"
                ));
            } else if s.is_float() && methods::resolve(name, Scalar::I64).is_some() {
                d = d.with_help(format!(
                    "`{shown}` is an integer method: convert first, e.g. `({x} as i64).{shown}()`"
                ));
            } else if s == Scalar::Bool {
                d = d.with_help("`bool` has no methods in kernels: convert with `as u8` first");
            }
            return Err(d);
        };
        if sig.args.len() != args.len() {
            return Err(Diagnostic::new(
                format!(
                    "`{shown}` takes {} argument{} but {} {} supplied",
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
            self.method_arg(a, t, rel.of(s).unwrap_or(s))?;
        }
        self.methods.insert(e, sig.op);
        // The table's receivers are those its relations are defined for.
        let ret = sig.ret.of(s).ok_or_else(|| {
            Diagnostic::new(format!("internal: `{shown}` of `{s}`"), span, "here")
        })?;
        Ok(self.known(ret))
    }

    /// `T::from(x)` (the front end's method `T::from` of `x`): a cast where std implements the
    /// lossless `From`, else the error rustc gives, naming `as`.
    /// A method's argument `a` (of type `t`) as the scalar `want` its signature takes: a
    /// mismatch is an error at the argument with a cast's help.
    pub(super) fn method_arg(&mut self, a: ExprId, t: Var, want: Scalar) -> R<()> {
        self.unify_with(t, Type::Scalar(want)).map_err(|(got, _)| {
            with_cast_help(
                Diagnostic::new(
                    "mismatched types",
                    self.span(a),
                    format!("expected `{want}`, found `{}`", got.describe()),
                ),
                State::Known(Type::Scalar(want)),
            )
        })
    }

    fn conversion(&mut self, e: ExprId, to: Scalar, x: ExprId, tx: Var) -> R<Var> {
        let from = match self.settle(tx, self.span(x))? {
            Type::Scalar(s) => s,
            t => {
                return Err(Diagnostic::new(
                    format!("the trait bound `{to}: From<{t}>` is not satisfied"),
                    self.span(e),
                    format!("`{to}::from` of a `{t}`"),
                ))
            }
        };
        if !lossless(from, to) {
            return Err(Diagnostic::new(
                format!("the trait bound `{to}: From<{from}>` is not satisfied"),
                self.span(e),
                format!("`{from}` does not convert to `{to}` without loss"),
            )
            .with_help(format!(
                "convert with `as {to}` (which rounds, truncates or wraps), or pick a wider type"
            )));
        }
        self.conversions.insert(e, to);
        Ok(self.known(to))
    }
}

/// Whether std implements `From<from> for to` among the real scalars: every type from itself,
/// `bool` into every number, integers into wider integers that hold all their values (into
/// `isize`/`usize` as if they were 16-bit), integers into the floats that hold them
/// exactly (into `f32` from 8- and 16-bit ones, into `f64` from 32-bit ones too), `f32` into
/// `f64`.
fn lossless(from: Scalar, to: Scalar) -> bool {
    use Scalar::*;
    if from == to {
        return !from.is_complex();
    }
    match (from, to) {
        (Bool, t) => t.is_int() || t.is_float(),
        (F32, F64) => true,
        (f, F32) => f.is_int() && f.bits() <= 16 && !matches!(f, Isize | Usize),
        (f, F64) => f.is_int() && f.bits() <= 32 && !matches!(f, Isize | Usize),
        (f, t) if f.is_int() && t.is_int() && !matches!(f, Isize | Usize) => {
            // std takes `isize`/`usize` to be as narrow as 16 bits.
            let width = if matches!(t, Isize | Usize) {
                16
            } else {
                t.bits()
            };
            (f.bits() < width && (t.is_signed() || !f.is_signed()))
                || (f.bits() == width && f.is_signed() == t.is_signed())
        }
        _ => false,
    }
}
