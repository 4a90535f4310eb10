//! Loops over a 2-D array's lanes, `for row in x.rows()` (and `rows_mut`, `columns`,
//! `columns_mut`, `outer_iter`, `axis_iter(Axis(k))`, enumerated or not), rewritten as the
//! syntax of the index loop they are, `for i in 0..x.nrows() { let row = x.row(i); .. }`, which
//! the rest of the front end lowers as written.
//!
//! In: a `syn` `for` loop. Out: the rewritten loop, or `None` when it is no such loop.

use super::iter::strip_pat;
use super::syntax::{self, strip_parens};
use super::{FrontError, R};

/// `for row in x.rows() { body }` (and `rows_mut`, `columns`, `columns_mut`, `outer_iter`,
/// `outer_iter_mut`, `axis_iter(Axis(k))`, `axis_iter_mut(Axis(k))` of a 2-D array, with or
/// without `.into_iter()` and `.enumerate()`) as the index loop it is:
/// `for i in 0..x.nrows() { let row = x.row(i); body }`. `None` when `f` is no such loop.
pub(super) fn lanes_loop(f: &syn::ExprForLoop) -> Option<R<syn::ExprForLoop>> {
    let mut e = strip_parens(&f.expr);
    let mut enumerate = false;
    loop {
        match e {
            syn::Expr::MethodCall(mc)
                if mc.args.is_empty() && mc.method == "enumerate" && !enumerate =>
            {
                enumerate = true;
                e = strip_parens(&mc.receiver);
            }
            syn::Expr::MethodCall(mc) if mc.args.is_empty() && mc.method == "into_iter" => {
                e = strip_parens(&mc.receiver);
            }
            _ => break,
        }
    }
    let syn::Expr::MethodCall(mc) = e else {
        return None;
    };
    let name = mc.method.to_string();
    let base = name.trim_end_matches("_mut");
    let mutable = name.ends_with("_mut");
    let axis = match (base, mc.args.len()) {
        ("rows" | "outer_iter", 0) => 0,
        ("columns", 0) => 1,
        ("axis_iter", 1) => match syntax::axis_literal(&mc.args[0]) {
            Some(k @ (0 | 1)) => k,
            _ => {
                return Some(Err(FrontError::new(&mc.args[0], "expected `Axis(0)` or `Axis(1)`")
                    .hint("iterate a 2-D array's rows with `x.axis_iter(Axis(0))` (or `x.rows()`), its columns with `Axis(1)`")))
            }
        },
        _ => return None,
    };
    let span = mc.method.span();
    let array = &mc.receiver;
    if !matches!(strip_parens(array), syn::Expr::Path(p) if p.path.get_ident().is_some()) {
        return Some(Err(FrontError::new(
            array,
            format!("`{name}` of an expression is not supported"),
        )
        .hint(format!(
            "bind the array first: `let mut v = ...; for row in v.{name}()`"
        ))));
    }
    let (count, lane): (syn::Ident, syn::Ident) = match (axis, mutable) {
        (0, false) => (syn::Ident::new("nrows", span), syn::Ident::new("row", span)),
        (0, true) => (
            syn::Ident::new("nrows", span),
            syn::Ident::new("row_mut", span),
        ),
        (_, false) => (
            syn::Ident::new("ncols", span),
            syn::Ident::new("column", span),
        ),
        (_, true) => (
            syn::Ident::new("ncols", span),
            syn::Ident::new("column_mut", span),
        ),
    };
    let (index, pat): (syn::Pat, &syn::Pat) = if enumerate {
        let syn::Pat::Tuple(t) = strip_pat(&f.pat) else {
            return Some(Err(FrontError::new(&f.pat, "expected a pair `(i, row)`")
                .hint(format!(
                    "write `for (i, row) in x.{name}().into_iter().enumerate()`"
                ))));
        };
        if t.elems.len() != 2 {
            return Some(Err(FrontError::new(t, "expected a pair `(i, row)`")));
        }
        let index = match strip_pat(&t.elems[0]) {
            syn::Pat::Wild(_) => syn::parse_quote_spanned!(span=> __rumba_lane),
            p => p.clone(),
        };
        (index, &t.elems[1])
    } else {
        (syn::parse_quote_spanned!(span=> __rumba_lane), &*f.pat)
    };
    let (label, body) = (&f.label, &f.body);
    Some(Ok(syn::parse_quote_spanned! {span=>
        #label for #index in 0..#array.#count() {
            let #pat = #array.#lane(#index);
            #body
        }
    }))
}
