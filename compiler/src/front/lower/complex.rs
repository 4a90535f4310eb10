//! Complex numbers in the source: `Complex::new(re, im)` and the typed constructors
//! (`Complex64::new`, `Complex::<f32>::new`, `Complex64::i()`/`zero()`/`one()`), the fields
//! `c.re`/`c.im` read and written, and the complex methods' names.
//!
//! In: `syn` calls, fields and assignments. Out: the intrinsics `Complex::new`, `re` and `im`
//! (`ir::complex`); a typed constructor binds its real part to a temporary of the part type,
//! which types the call as rustc does. A write `c.re = v` is `c = Complex::new(v, c.im)` (and
//! `a[i].im += v` is `a[i] = Complex::new(a[i].re, a[i].im + v)`), which num-complex's plain
//! fields make the same value.

use super::{FnLowerer, R};
use crate::front::names::complex_type;
use crate::front::FrontError;
use crate::ir::*;

/// The name of the constructor intrinsic (`Intrinsic::ComplexNew`).
const NEW: &str = "Complex::new";

impl FnLowerer<'_> {
    /// `Complex::new(re, im)` and the typed constructors; `None` for any other call.
    pub(super) fn complex_constructor(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs = &p.path.segments;
        let (ty, ctor) = match segs.len() {
            n if n >= 2 => (&segs[n - 2], &segs[n - 1]),
            _ => return None,
        };
        let part = match complex_type(ty) {
            Some(s) => Some(s.part()),
            None if ty.ident == "Complex" && ty.arguments.is_empty() => None,
            None => return None,
        };
        let name = ctor.ident.to_string();
        let (re, im) = match (name.as_str(), c.args.len()) {
            ("new", 2) => {
                return Some(self.operands(c.args.iter()).map(|ops| {
                    let re = match part {
                        Some(part) => self.typed_temp(ops[0], part),
                        None => ops[0],
                    };
                    self.expr(
                        ExprKind::Method {
                            name: NEW.into(),
                            receiver: re,
                            args: vec![ops[1]],
                        },
                        c,
                    )
                }))
            }
            ("zero", 0) => ("0.0", "0.0"),
            ("one", 0) => ("1.0", "0.0"),
            ("i", 0) => ("0.0", "1.0"),
            _ => {
                return Some(Err(FrontError::new(
                    c,
                    format!("unsupported complex constructor `{name}`"),
                )
                .hint("build complex numbers with `Complex::new(re, im)`, `Complex64::zero()`, `one()` or `i()`")))
            }
        };
        let Some(part) = part else {
            return Some(Err(FrontError::new(
                c,
                format!("`Complex::{name}()` needs its type"),
            )
            .hint(format!(
                "name it: `Complex64::{name}()` or `Complex32::{name}()`"
            ))));
        };
        let re = self.expr(ExprKind::Lit(Lit::Float(re.into(), None)), c);
        let re = self.typed_temp(re, part);
        let im = self.expr(ExprKind::Lit(Lit::Float(im.into(), None)), c);
        Some(Ok(self.expr(
            ExprKind::Method {
                name: NEW.into(),
                receiver: re,
                args: vec![im],
            },
            c,
        )))
    }

    /// A temporary of type `ty` holding `value`, read.
    fn typed_temp(&mut self, value: ExprId, ty: Scalar) -> ExprId {
        let span = self.func.expr(value).span;
        let t = self.temp(span);
        self.func.locals[t].ann = TypeAnn::Scalar(ty);
        self.emit(Stmt::Assign {
            local: t,
            value,
            span,
        });
        self.func.add_expr(ExprKind::Local(t), span)
    }

    /// `c.re`, `c.im`; `None` for another field.
    pub(super) fn complex_part(&mut self, f: &syn::ExprField) -> Option<R<ExprId>> {
        let name = complex_field(f)?;
        Some(self.expr_value(&f.base).map(|x| {
            self.expr(
                ExprKind::Method {
                    name: name.into(),
                    receiver: x,
                    args: Vec::new(),
                },
                f,
            )
        }))
    }

    /// `c.re = v`, `a[i].im op= v`: the whole number assigned anew; `None` for another field.
    pub(super) fn assign_complex_part(
        &mut self,
        f: &syn::ExprField,
        op: Option<BinOp>,
        right: &syn::Expr,
        whole: &syn::Expr,
    ) -> Option<R<()>> {
        let name = complex_field(f)?;
        let base = &f.base;
        let field = syn::Ident::new(name, proc_macro2::Span::call_site());
        let part: syn::Expr = match op.map(|op| syn::parse_str::<syn::BinOp>(op.symbol())) {
            None => syn::parse_quote!((#right)),
            Some(Ok(op)) => syn::parse_quote!(#base.#field #op (#right)),
            Some(Err(e)) => return Some(Err(FrontError::new(whole, format!("internal: {e}")))),
        };
        let value: syn::Expr = if name == "re" {
            syn::parse_quote!(Complex::new(#part, #base.im))
        } else {
            syn::parse_quote!(Complex::new(#base.re, #part))
        };
        Some(self.assign(base, None, &value, whole))
    }
}

/// The field `re` or `im` of an access, if it is one of them.
fn complex_field(f: &syn::ExprField) -> Option<&'static str> {
    match &f.member {
        syn::Member::Named(i) if i == "re" => Some("re"),
        syn::Member::Named(i) if i == "im" => Some("im"),
        _ => None,
    }
}

/// Whether `name` is a method kernels may call on complex numbers, and the error for the
/// intrinsics that are fields or paths in Rust (`c.re()`).
pub(super) fn complex_method(mc: &syn::ExprMethodCall) -> Option<R<()>> {
    let name = mc.method.to_string();
    if name == "re" || name == "im" {
        return Some(Err(FrontError::new(
            &mc.method,
            format!("`{name}` is a field of complex numbers, not a method"),
        )
        .hint(format!("read it as a field: `c.{name}`"))));
    }
    crate::ir::complex::method(&name).map(|_| Ok(()))
}
