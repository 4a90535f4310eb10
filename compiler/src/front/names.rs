//! Names the kernel language knows: scalar and array types, std constants, array methods (the
//! numeric methods are the intrinsics table's, `ir::intrinsic`).
//!
//! In: `syn` types and paths. Out: [`TypeAnn`]s and typed [`Const`]s, or a [`FrontError`].

use super::FrontError;
use crate::ir::{Const, Scalar, TypeAnn};
use quote::ToTokens;

const TYPE_HINT: &str = "supported types: bool, i8..i64, u8..u64, isize, usize, f32, f64, \
    Complex32, Complex64 (`Complex<f32>`, `Complex<f64>`), ArrayView0..6/D<T>, ArrayViewMut0..6/D<T>, Array0..6/D<T>, Vec<T>, &[T], &mut [T], tuples \
    of these, `Option<T>` of scalars and tuples, and `_`";

/// A parameter's or `let`'s written type.
pub fn type_ann(ty: &syn::Type) -> Result<TypeAnn, FrontError> {
    match ty {
        syn::Type::Infer(_) => Ok(TypeAnn::Infer),
        syn::Type::Paren(p) => type_ann(&p.elem),
        syn::Type::Group(g) => type_ann(&g.elem),
        syn::Type::Tuple(t) if t.elems.is_empty() => Ok(TypeAnn::Unit),
        syn::Type::Tuple(t) => {
            let elems = t
                .elems
                .iter()
                .map(type_ann)
                .collect::<Result<Vec<_>, _>>()?;
            match elems.as_slice() {
                [one] => Ok(*one),
                _ => Ok(TypeAnn::tuple(&elems)),
            }
        }
        syn::Type::Array(a) => Ok(TypeAnn::Fixed {
            elem: elem_ann(&a.elem)?,
            len: match &a.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse().ok(),
                _ => None,
            },
        }),
        syn::Type::Reference(r) => {
            let writable = r.mutability.is_some();
            match &*r.elem {
                syn::Type::Slice(syn::TypeSlice { elem, .. })
                | syn::Type::Array(syn::TypeArray { elem, .. }) => Ok(TypeAnn::Array {
                    elem: elem_ann(elem)?,
                    ndim: Some(1),
                    writable,
                    owned: false,
                }),
                syn::Type::Path(_) => match type_ann(&r.elem)? {
                    TypeAnn::Array { elem, ndim, .. } => Ok(TypeAnn::Array {
                        elem,
                        ndim,
                        writable,
                        owned: false,
                    }),
                    _ => Err(
                        FrontError::new(ty, "references to scalars are not supported")
                            .hint("pass scalars by value: `a: f64`"),
                    ),
                },
                _ => Err(FrontError::new(ty, "unsupported reference type").hint(TYPE_HINT)),
            }
        }
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(seg) = p.path.segments.last() else {
                return Err(FrontError::new(ty, "empty type path"));
            };
            let name = seg.ident.to_string();
            if let Some(s) = complex_type(seg) {
                return Ok(TypeAnn::Scalar(s));
            }
            if let Some(s) = Scalar::from_name(&name) {
                if seg.arguments.is_empty() {
                    return Ok(TypeAnn::Scalar(s));
                }
            }
            if name == "Option" {
                return option_ann(ty, &seg.arguments);
            }
            let (writable, owned, rest) = if let Some(rest) = name.strip_prefix("ArrayViewMut") {
                (true, false, rest)
            } else if let Some(rest) = name.strip_prefix("ArrayView") {
                (false, false, rest)
            } else if let Some(rest) = name.strip_prefix("Array") {
                (true, true, rest)
            } else if name == "Vec" {
                (true, true, "1")
            } else {
                return Err(
                    FrontError::new(ty, format!("unsupported type `{name}`")).hint(TYPE_HINT)
                );
            };
            let ndim = match rest {
                "D" => None,
                "0" | "1" | "2" | "3" | "4" | "5" | "6" => rest.parse().ok(),
                _ => {
                    return Err(
                        FrontError::new(ty, format!("unsupported type `{name}`")).hint(TYPE_HINT)
                    )
                }
            };
            let elem = match &seg.arguments {
                syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                    match &args.args[0] {
                        syn::GenericArgument::Type(t) => elem_ann(t)?,
                        other => return Err(FrontError::new(other, "expected an element type")),
                    }
                }
                syn::PathArguments::None => None,
                other => {
                    return Err(FrontError::new(other, "expected one element type")
                        .hint("write `ArrayView1<f64>` or `ArrayView1<_>`"))
                }
            };
            Ok(TypeAnn::Array {
                elem,
                ndim,
                writable,
                owned,
            })
        }
        _ => Err(FrontError::new(ty, "unsupported type").hint(TYPE_HINT)),
    }
}

/// `Option<T>`, `T` a scalar, a tuple or `_`.
fn option_ann(ty: &syn::Type, args: &syn::PathArguments) -> Result<TypeAnn, FrontError> {
    let value = match args {
        syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
            syn::GenericArgument::Type(t) => type_ann(t)?,
            other => return Err(FrontError::new(other, "expected a type")),
        },
        _ => {
            return Err(FrontError::new(ty, "`Option` needs its value's type")
                .hint("write `Option<f64>` or `Option<_>`"))
        }
    };
    match value {
        TypeAnn::Infer | TypeAnn::Scalar(_) | TypeAnn::Tuple(_) => Ok(TypeAnn::option(value)),
        _ => Err(
            FrontError::new(ty, format!("`Option<{value}>` is not supported"))
                .hint("kernels have `Option`s of scalars and tuples (`Option<f64>`, `Option<(usize, f64)>`)"),
        ),
    }
}

/// `Complex64`, `Complex32`, `Complex<f64>`, `Complex<f32>` (the last segment of a path).
pub fn complex_type(seg: &syn::PathSegment) -> Option<Scalar> {
    match (seg.ident.to_string().as_str(), &seg.arguments) {
        ("Complex64", syn::PathArguments::None) => Some(Scalar::C64),
        ("Complex32", syn::PathArguments::None) => Some(Scalar::C32),
        ("Complex", syn::PathArguments::AngleBracketed(args)) if args.args.len() == 1 => {
            match &args.args[0] {
                syn::GenericArgument::Type(syn::Type::Path(p)) => p
                    .path
                    .get_ident()
                    .and_then(|i| Scalar::from_name(&i.to_string()))
                    .and_then(Scalar::complex),
                _ => None,
            }
        }
        _ => None,
    }
}

fn elem_ann(ty: &syn::Type) -> Result<Option<Scalar>, FrontError> {
    match type_ann(ty)? {
        TypeAnn::Infer => Ok(None),
        TypeAnn::Scalar(s) => Ok(Some(s)),
        // Arrays of tuples exist inside a kernel (typed by inference), never across to Rust,
        // whose tuple layout is unspecified.
        TypeAnn::Tuple(..) => Err(FrontError::new(
            ty,
            "arrays of tuples cannot be named in a type",
        )
        .hint("leave a local's type to inference (`let pairs = [(0usize, 1usize), (2, 3)];`); for an argument or a result, declare a struct in the block (`#[derive(Clone, Copy)] struct Peak { at: usize, h: f64 }`) and pass or return `Vec<Peak>`")),
        _ => Err(FrontError::new(ty, "array elements must be scalars").hint(
            "element types: bool, i8..i64, u8..u64, isize, usize, f32, f64, Complex32, Complex64",
        )),
    }
}

/// A scalar type named in `as T`.
pub fn scalar(ty: &syn::Type) -> Result<Scalar, FrontError> {
    match type_ann(ty) {
        Ok(TypeAnn::Scalar(s)) if s.is_complex() => {
            Err(FrontError::new(ty, "`as` cannot make a complex number")
                .hint("build one from its parts: `Complex::new(x, 0.0)`"))
        }
        Ok(TypeAnn::Scalar(s)) => Ok(s),
        _ => {
            let named = ty.to_token_stream().to_string().replace(' ', "");
            Err(FrontError::new(ty, format!("cannot cast to `{named}`: casts are only between the scalar types kernels have"))
                .hint("cast to one of bool, i8..i64, u8..u64, isize, usize, f32, f64"))
        }
    }
}

/// A std constant such as `std::f64::consts::PI`, `f32::INFINITY` or `i32::MAX`.
pub fn std_const_named(segs: &[String]) -> Option<Const> {
    match without_crate(segs) {
        [ty, consts, name] if consts == "consts" => float_const(ty, name),
        [ty, name] => {
            let scalar = Scalar::from_name(ty)?;
            if scalar.is_float() {
                float_limit(scalar, name)
            } else if scalar.is_int() {
                int_limit(scalar, name)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The path without a leading `std` or `core`.
fn without_crate(segs: &[String]) -> &[String] {
    match segs {
        [first, rest @ ..] if first == "std" || first == "core" => rest,
        _ => segs,
    }
}

/// Whether a `use` path names a module of std constants (`std::f64::consts`, `core::i32`): the
/// prefix of some [`std_const_named`] path.
pub fn is_const_module(segs: &[String]) -> bool {
    let krate = segs.len() != without_crate(segs).len();
    match without_crate(segs) {
        [ty] => krate && Scalar::from_name(ty).is_some_and(Scalar::is_numeric),
        [ty, consts] => consts == "consts" && matches!(ty.as_str(), "f32" | "f64"),
        _ => false,
    }
}

macro_rules! consts_table {
    ($ty:ident, $name:expr, $mk:path) => {{
        use std::$ty::consts::*;
        let v = match $name {
            "PI" => PI,
            "TAU" => TAU,
            "E" => E,
            "SQRT_2" => SQRT_2,
            "FRAC_1_SQRT_2" => FRAC_1_SQRT_2,
            "LN_2" => LN_2,
            "LN_10" => LN_10,
            "LOG2_E" => LOG2_E,
            "LOG10_E" => LOG10_E,
            "LOG2_10" => LOG2_10,
            "LOG10_2" => LOG10_2,
            "FRAC_PI_2" => FRAC_PI_2,
            "FRAC_PI_3" => FRAC_PI_3,
            "FRAC_PI_4" => FRAC_PI_4,
            "FRAC_PI_6" => FRAC_PI_6,
            "FRAC_PI_8" => FRAC_PI_8,
            "FRAC_1_PI" => FRAC_1_PI,
            "FRAC_2_PI" => FRAC_2_PI,
            "FRAC_2_SQRT_PI" => FRAC_2_SQRT_PI,
            _ => return None,
        };
        Some($mk(v))
    }};
}

fn float_const(ty: &str, name: &str) -> Option<Const> {
    match ty {
        "f64" => consts_table!(f64, name, Const::f64),
        "f32" => consts_table!(f32, name, Const::f32),
        _ => None,
    }
}

macro_rules! limits_table {
    ($ty:ident, $name:expr, $mk:path) => {{
        let v = match $name {
            "INFINITY" => $ty::INFINITY,
            "NEG_INFINITY" => $ty::NEG_INFINITY,
            "NAN" => $ty::NAN,
            "EPSILON" => $ty::EPSILON,
            "MAX" => $ty::MAX,
            "MIN" => $ty::MIN,
            "MIN_POSITIVE" => $ty::MIN_POSITIVE,
            _ => return None,
        };
        Some($mk(v))
    }};
}

fn float_limit(ty: Scalar, name: &str) -> Option<Const> {
    if let Some(c) = float_format(ty, name) {
        return Some(c);
    }
    match ty {
        Scalar::F64 => limits_table!(f64, name, Const::f64),
        _ => limits_table!(f32, name, Const::f32),
    }
}

/// The integer constants of the float types (`f64::MANTISSA_DIGITS: u32`, `f32::MAX_EXP: i32`).
fn float_format(ty: Scalar, name: &str) -> Option<Const> {
    macro_rules! format_table {
        ($t:ident) => {
            match name {
                "RADIX" => Const::int(Scalar::U32, $t::RADIX as i128),
                "MANTISSA_DIGITS" => Const::int(Scalar::U32, $t::MANTISSA_DIGITS as i128),
                "DIGITS" => Const::int(Scalar::U32, $t::DIGITS as i128),
                "MIN_EXP" => Const::int(Scalar::I32, $t::MIN_EXP as i128),
                "MAX_EXP" => Const::int(Scalar::I32, $t::MAX_EXP as i128),
                "MIN_10_EXP" => Const::int(Scalar::I32, $t::MIN_10_EXP as i128),
                "MAX_10_EXP" => Const::int(Scalar::I32, $t::MAX_10_EXP as i128),
                _ => return None,
            }
        };
    }
    Some(match ty {
        Scalar::F64 => format_table!(f64),
        _ => format_table!(f32),
    })
}

fn int_limit(ty: Scalar, name: &str) -> Option<Const> {
    match name {
        "MAX" => Some(Const::max(ty)),
        "MIN" => Some(Const::min(ty)),
        "BITS" => Some(Const::int(Scalar::U32, ty.bits() as i128)),
        _ => None,
    }
}

/// Methods of arrays, lowered to shape queries.
pub const ARRAY_METHODS: &[&str] = &["len", "dim", "shape", "nrows", "ncols", "ndim", "is_empty"];
