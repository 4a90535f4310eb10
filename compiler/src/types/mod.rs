//! Type inference and specialization: untyped loop IR + the call's argument types -> typed IR.
//!
//! In: an [`ir::Program`], the entry function and the [`Type`] of each argument of a call. Out: a
//! [`TypedProgram`] whose instance 0 is the entry and whose other instances are the helpers it
//! calls, each monomorphized to its argument types, or a [`Diagnostic`] that says what does not
//! type-check, where, and how to fix it. Typing follows rustc: no implicit numeric conversions,
//! unsuffixed literals take their type from context (else `i32` / `f64`), indices are `usize`.

mod infer;
pub mod methods;

pub use infer::specialize;

use crate::diag::Diagnostic;
use crate::ir::{Function, Type, TypeAnn};

/// Checks a call's argument types against a function's parameters and their annotations; returns
/// the parameter types as the body sees them (a writable array annotated read-only is read-only).
pub fn param_types(func: &Function, args: &[Type]) -> Result<Vec<Type>, Diagnostic> {
    if args.len() != func.params.len() {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        return Err(Diagnostic::new(
            format!(
                "`{}` takes {} argument{} but {} {} supplied",
                func.name,
                func.params.len(),
                s(func.params.len()),
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ),
            func.sig_span,
            "defined here",
        ));
    }
    func.params
        .iter()
        .zip(args)
        .map(|(&p, &arg)| {
            let decl = func.local(p);
            let mismatch = |help: String| {
                Diagnostic::new(
                    format!(
                        "argument `{}` of `{}` has type `{}`, but the call passed `{}`",
                        decl.name, func.name, decl.ann, arg
                    ),
                    decl.span,
                    format!("declared as `{}`", decl.ann),
                )
                .with_help(help)
            };
            match (decl.ann, arg) {
                (TypeAnn::Infer, _) => Ok(arg),
                (TypeAnn::Scalar(s), Type::Scalar(t)) if s == t => Ok(arg),
                (TypeAnn::Scalar(s), _) => Err(mismatch(format!("pass a `{s}` value"))),
                (
                    TypeAnn::Array {
                        elem,
                        ndim,
                        writable,
                    },
                    Type::Array(mut a),
                ) => {
                    if elem.is_some_and(|e| e != a.elem) || ndim.is_some_and(|n| n != a.ndim) {
                        return Err(mismatch("pass an array of the declared element type and dimension".into()));
                    }
                    if writable && !a.writable {
                        return Err(mismatch(format!(
                            "pass `&mut {0}` (or `{0}.view_mut()`) to make `{0}` writable",
                            decl.name
                        )));
                    }
                    a.writable = writable;
                    Ok(Type::Array(a))
                }
                (TypeAnn::Array { .. }, _) => Err(mismatch("pass an array (`&x` or `&mut x`)".into())),
                (TypeAnn::Unit, _) => Err(mismatch("parameters cannot be `()`".into())),
            }
        })
        .collect()
}
