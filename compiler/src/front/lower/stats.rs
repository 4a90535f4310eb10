//! ndarray's `x.var(ddof)` and `x.std(ddof)`, as ndarray computes them.
//!
//! In: the method call. Out: the syntax of ndarray's algorithm (Welford's one pass over the
//! elements in memory order, `x.fold`, with `mul_add` for the sum of squares), which the rest of
//! the front end lowers: the same bits as ndarray. A `ddof` below zero or above the length is
//! an `Err` with ndarray's panic message.

use super::syntax::strip_parens;
use super::R;
use quote::quote_spanned;

/// Whether `mc` is `x.var(ddof)` or `x.std(ddof)`.
pub(super) fn is_stat(mc: &syn::ExprMethodCall) -> bool {
    (mc.method == "var" || mc.method == "std") && mc.args.len() == 1
}

/// The block `x.var(ddof)` / `x.std(ddof)` is.
pub(super) fn lower(mc: &syn::ExprMethodCall) -> R<syn::Expr> {
    let span = mc.method.span();
    let ddof = &mc.args[0];
    // The array, evaluated once: a name as it is, any other expression bound first.
    let (bind, x) = match strip_parens(&mc.receiver) {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => (None, quote_spanned!(span=> #p)),
        e => (
            Some(quote_spanned!(span=> let __rumba_array = #e;)),
            quote_spanned!(span=> __rumba_array),
        ),
    };
    let to = syn::Ident::new(crate::ir::AS_TYPE_OF, span);
    let message = "`ddof` must not be less than zero or greater than the length of the axis";
    let var = quote_spanned!(span=> {
        #bind
        let __rumba_ddof = #ddof;
        let __rumba_zero = 0usize.#to(__rumba_ddof);
        let __rumba_n = #x.len().#to(__rumba_ddof);
        assert!(!(__rumba_ddof < __rumba_zero || __rumba_ddof > __rumba_n), #message);
        let __rumba_dof = __rumba_n - __rumba_ddof;
        let (_, __rumba_sum_sq, _) = #x.fold(
            (__rumba_zero, __rumba_zero, 0usize),
            |acc, &x| {
                let (mean, sum_sq, i) = acc;
                let count = (i + 1).#to(__rumba_ddof);
                let delta = x - mean;
                let mean = mean + delta / count;
                (mean, (x - mean).mul_add(delta, sum_sq), i + 1)
            },
        );
        __rumba_sum_sq / __rumba_dof
    });
    Ok(if mc.method == "std" {
        syn::parse_quote_spanned!(span=> (#var).sqrt())
    } else {
        syn::parse_quote_spanned!(span=> #var)
    })
}
