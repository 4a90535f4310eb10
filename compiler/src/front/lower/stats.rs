//! ndarray's `x.var(ddof)`, `x.std(ddof)`, `x.var_axis(Axis(k), ddof)` and
//! `x.std_axis(Axis(k), ddof)`, as ndarray computes them.
//!
//! In: the method call. Out: the syntax of ndarray's algorithm (Welford's one pass, with
//! `mul_add` for the sum of squares: over the elements in memory order with `x.fold`, or over
//! the subviews along axis `k` in order, updating a mean and a sum of squares per lane), which
//! the rest of the front end lowers: the same bits as ndarray. A `ddof` below zero or above the
//! length (of the axis) is an `Err` with ndarray's panic message.

use super::syntax::strip_parens;
use super::R;
use quote::quote_spanned;

/// Whether `mc` is `x.var(ddof)`, `x.std(ddof)` or their `_axis(Axis(k), ddof)` forms.
pub(super) fn is_stat(mc: &syn::ExprMethodCall) -> bool {
    let (whole, axis) = (
        mc.method == "var" || mc.method == "std",
        mc.method == "var_axis" || mc.method == "std_axis",
    );
    (whole && mc.args.len() == 1) || (axis && mc.args.len() == 2)
}

/// The block `x.var(ddof)` / `x.std(ddof)` (or an `_axis` form) is.
pub(super) fn lower(mc: &syn::ExprMethodCall) -> R<syn::Expr> {
    if mc.args.len() == 2 {
        return Ok(lower_axis(mc));
    }
    let span = mc.method.span();
    let ddof = &mc.args[0];
    let (bind, x) = bound(&mc.receiver, span);
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

/// The array `e`, evaluated once: a name as it is, any other expression bound first.
fn bound(
    e: &syn::Expr,
    span: proc_macro2::Span,
) -> (Option<proc_macro2::TokenStream>, proc_macro2::TokenStream) {
    match strip_parens(e) {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => (None, quote_spanned!(span=> #p)),
        e => (
            Some(quote_spanned!(span=> let __rumba_array = #e;)),
            quote_spanned!(span=> __rumba_array),
        ),
    }
}

/// `x.var_axis(axis, ddof)` / `x.std_axis(axis, ddof)`: ndarray's loop over the subviews along
/// the axis, each lane's mean and sum of squares updated in place (`std` then the square roots).
fn lower_axis(mc: &syn::ExprMethodCall) -> syn::Expr {
    let span = mc.method.span();
    let (axis, ddof) = (&mc.args[0], &mc.args[1]);
    let (bind, x) = bound(&mc.receiver, span);
    let to = syn::Ident::new(crate::ir::AS_TYPE_OF, span);
    let message = "`ddof` must not be less than zero or greater than the length of the axis";
    let root = match mc.method == "std_axis" {
        true => quote_spanned!(span=> .sqrt()),
        false => quote_spanned!(span=>),
    };
    syn::parse_quote_spanned!(span=> {
        #bind
        let __rumba_ddof = #ddof;
        let __rumba_zero = 0usize.#to(__rumba_ddof);
        let __rumba_n = #x.len_of(#axis).#to(__rumba_ddof);
        assert!(!(__rumba_ddof < __rumba_zero || __rumba_ddof > __rumba_n), #message);
        let __rumba_dof = __rumba_n - __rumba_ddof;
        // Arrays of zeros of the shape without the axis.
        let mut __rumba_mean = #x.fold_axis(#axis, __rumba_zero, |_, _| __rumba_zero);
        let mut __rumba_sum_sq = __rumba_mean.to_owned();
        for (__rumba_i, __rumba_sub) in #x.axis_iter(#axis).enumerate() {
            let __rumba_count = (__rumba_i + 1).#to(__rumba_ddof);
            Zip::from(&mut __rumba_mean)
                .and(&mut __rumba_sum_sq)
                .and(&__rumba_sub)
                .for_each(|mean, sum_sq, &x| {
                    let delta = x - *mean;
                    *mean = *mean + delta / __rumba_count;
                    *sum_sq = (x - *mean).mul_add(delta, *sum_sq);
                });
        }
        __rumba_sum_sq.mapv(|s| (s / __rumba_dof)#root)
    })
}
