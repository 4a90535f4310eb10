//! Type inference and specialization: untyped loop IR + the call's argument types -> typed IR.
//!
//! In: an [`ir::Program`], the entry function and the [`Type`] of each argument of a call. Out: a
//! [`TypedProgram`] whose instance 0 is the entry and whose other instances are the helpers it
//! calls, each monomorphized to its argument types, or a [`Diagnostic`] that says what does not
//! type-check, where, and how to fix it. Typing follows rustc: no implicit numeric conversions,
//! unsuffixed literals take their type from context (else `i32` / `f64`; a literal cast with `as`
//! takes the target type when the kinds agree), indices are `usize`, and an array bound to a
//! writable parameter is not passed to another parameter of the same call (the borrow rules).

mod infer;
pub mod methods;
pub mod moves;
pub mod parallel;
pub mod vectorize;

pub use infer::specialize;

use crate::diag::Diagnostic;
use crate::ir::{Elem, Function, StructDef, Type, TypeAnn, Untyped};
use crate::span::Span;

/// Checks a call's argument types against a function's parameters and their annotations; returns
/// the parameter types as the body sees them (a writable array annotated read-only is read-only).
pub fn param_types(func: &Function<Untyped>, args: &[Type]) -> Result<Vec<Type>, Diagnostic> {
    if args.len() != func.params.len() {
        return Err(count_mismatch(
            func,
            args.len(),
            func.sig_span,
            "defined here",
        ));
    }
    (0..args.len())
        .map(|i| param_type(func, i, args[i]))
        .collect()
}

/// Whether a value of type `t` (an element of a tuple) fits the annotation `ann`.
fn fits(ann: TypeAnn, t: Type) -> bool {
    match (ann, t) {
        (TypeAnn::Infer, _) => true,
        (TypeAnn::Scalar(s), Type::Scalar(u)) => s == u,
        (
            TypeAnn::Array {
                elem,
                ndim,
                owned: true,
                ..
            },
            Type::Array(a),
        ) => a.is_owned() && elem.is_none_or(|e| a.elem == e) && ndim.is_none_or(|n| n == a.ndim),
        (TypeAnn::Tuple(anns), Type::Tuple(t)) if !t.is_option() => {
            anns.len() == t.elems().len() && anns.iter().zip(t.elems()).all(|(&a, &e)| fits(a, e))
        }
        (TypeAnn::Fixed { elem, len }, Type::Array(a)) => {
            a.stack_len().is_some_and(|n| len.is_none_or(|l| l == n))
                && elem.is_none_or(|e| a.elem == e)
        }
        (TypeAnn::Option(value), Type::Tuple(t)) if t.is_option() => fits(value[0], t.elems()[1]),
        (TypeAnn::OneOf(anns), t) => anns.iter().any(|&a| fits(a, t)),
        _ => false,
    }
}

/// "`f` takes N arguments but M were supplied", with its primary label at `at`.
pub fn count_mismatch(
    func: &Function<Untyped>,
    supplied: usize,
    at: Span,
    label: &str,
) -> Diagnostic {
    let n = func.params.len();
    let s = |n: usize| if n == 1 { "" } else { "s" };
    let names: Vec<&str> = func
        .params
        .iter()
        .map(|p| func.local(*p).name.as_str())
        .collect();
    Diagnostic::new(
        format!(
            "`{}` takes {n} argument{} but {supplied} {} supplied",
            func.name,
            s(n),
            if supplied == 1 { "was" } else { "were" }
        ),
        at,
        label,
    )
    .with_help(if n == 0 {
        format!("call it without arguments: `{}()`", func.name)
    } else {
        format!(
            "pass one value for each parameter: `{}({})`",
            func.name,
            names.join(", ")
        )
    })
}

/// Checks argument `i` of a call against parameter `i`'s annotation; returns the parameter's type.
pub fn param_type(func: &Function<Untyped>, i: usize, arg: Type) -> Result<Type, Diagnostic> {
    let t = annotated_type(func, i, arg)?;
    let local = func.params[i];
    let Some(&(_, written)) = func.param_structs.iter().find(|(l, _)| *l == local) else {
        return Ok(t);
    };
    // The struct of the argument (or of its elements), never read as another one.
    let passed = match t {
        Type::Tuple(tt) => tt.def(),
        Type::Array(a) => match a.elem {
            Elem::Struct(tt) => tt.def(),
            Elem::Scalar(_) => None,
        },
        _ => None,
    };
    if passed == Some(written) {
        return Ok(t);
    }
    let decl = func.local(local);
    // Two structs of one name (another block's, or an edited one) show their fields.
    let show = |d: &StructDef| match passed {
        Some(p) if p.name == written.name => format!("{d}"),
        _ => d.name.clone(),
    };
    let got = passed.map_or_else(|| format!("`{arg}`"), |p| format!("struct `{}`", show(p)));
    Err(Diagnostic::new(
        format!(
            "argument `{}` of `{}` is declared with struct `{}`, but the call passed {got}",
            decl.name,
            func.name,
            show(written)
        ),
        decl.span,
        format!("declared with `{}`", written.name),
    )
    .with_help(format!(
        "pass values of this block's `{}` (a struct of another name or layout is never read as it)",
        written.name
    )))
}

/// [`param_type`] without the check of a written struct: the argument against the annotation.
fn annotated_type(func: &Function<Untyped>, i: usize, arg: Type) -> Result<Type, Diagnostic> {
    let decl = func.local(func.params[i]);
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
        // Tuples pass to functions by value, and a view's borrow would not be followed into the
        // callee.
        (_, Type::Tuple(_)) if arg.holds_view() => Err(mismatch(
            "a tuple holding a view is not passed to functions: pass the view as an argument of its own"
                .into(),
        )),
        (TypeAnn::Infer | TypeAnn::Tuple(_) | TypeAnn::Option(_), Type::Tuple(_))
            if fits(decl.ann, arg) =>
        {
            Ok(arg)
        }
        (_, Type::Tuple(_)) | (TypeAnn::Tuple(_) | TypeAnn::Option(_), _) => Err(mismatch(
            format!("pass a value of type `{}`", decl.ann),
        )),
        // (`OneOf` annotates a `match`'s scrutinee, never a parameter.)
        (TypeAnn::Infer | TypeAnn::OneOf(_), _) => Ok(arg),
        (TypeAnn::Scalar(s), Type::Scalar(t)) if s == t => Ok(arg),
        (TypeAnn::Scalar(s), Type::Scalar(_)) => Err(mismatch(format!(
            "pass a value of type `{s}` (convert with `as {s}`)"
        ))),
        (TypeAnn::Scalar(s), _) => Err(mismatch(format!(
            "pass a value of type `{s}`, not an array"
        ))),
        (TypeAnn::Fixed { .. }, _) if fits(decl.ann, arg) => Ok(arg),
        (TypeAnn::Fixed { .. }, _) => Err(mismatch(format!(
            "pass a fixed-size array of type `{}` (`[v; N]`, `[a, b, c]`)",
            decl.ann
        ))),
        (TypeAnn::Array { .. }, Type::Array(a)) if a.stack_len().is_some() => {
            Err(mismatch(format!(
                "a fixed-size array is passed by value to a `[T; N]` parameter, or borrowed as a view: `&{0}`, `&mut {0}`",
                decl.name
            )))
        }
        (
            TypeAnn::Array {
                elem,
                ndim,
                writable,
                owned,
            },
            Type::Array(mut a),
        ) => {
            if elem.is_some_and(|e| a.elem != e) || ndim.is_some_and(|n| n != a.ndim) {
                return Err(mismatch(format!("pass an array of type `{}`", decl.ann)));
            }
            if owned {
                // `x: Array1<f64>` takes an owned array moved in (`helper(t)`), or reads the
                // caller's array (an argument of the kernel, `helper(&t)`).
                if !a.is_owned() {
                    a.writable = false;
                }
                return Ok(Type::Array(a));
            }
            if a.is_owned() {
                return Err(mismatch(format!(
                    "pass a view of the array: `&{0}`, `&mut {0}` or `{0}.view()`",
                    decl.name
                )));
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
}
