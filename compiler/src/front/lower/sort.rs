//! Sorting a 1-D array in place: `v.sort()`, `v.sort_by(|a, b| a.partial_cmp(b).unwrap())`,
//! `v.sort_by(|a, b| a.cmp(b))`, `v.sort_by_key(|x| key)` and their `sort_unstable*` forms.
//!
//! In: the statement. Out: the syntax of a bottom-up merge sort (stable, like std's `sort`:
//! equal elements keep their order, so the result is the one std gives for any comparator that
//! is a total preorder), which the rest of the front end lowers: passes of doubling width, each
//! merging runs into a scratch array that is copied back. A comparator that meets a NaN
//! (`partial_cmp(..).unwrap()`) is an `Err` as std panics. `sort_unstable*` sorts stably too:
//! std leaves the order of equal elements unspecified, and this is one such order.

use super::chain::comparison;
use super::syntax::strip_parens;
use super::{FrontError, R};
use quote::quote_spanned;

/// Whether the statement `mc` sorts an array.
pub(super) fn is_sort(mc: &syn::ExprMethodCall) -> bool {
    matches!(
        mc.method.to_string().as_str(),
        "sort"
            | "sort_by"
            | "sort_by_key"
            | "sort_unstable"
            | "sort_unstable_by"
            | "sort_unstable_by_key"
    )
}

/// The block that sorts `mc`'s receiver.
pub(super) fn lower(mc: &syn::ExprMethodCall) -> R<syn::Expr> {
    let span = mc.method.span();
    let name = mc.method.to_string();
    let base = name.replace("_unstable", "");
    let v = match strip_parens(&mc.receiver) {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => p,
        other => {
            return Err(FrontError::new(
                other,
                format!("`{name}` of an expression is not supported"),
            )
            .hint(format!(
                "bind the array first: `let mut v = ..; v.{name}(..)`"
            )))
        }
    };
    let args: Vec<&syn::Expr> = mc.args.iter().collect();
    let unwrap = syn::LitStr::new("called `Option::unwrap()` on a `None` value", span);
    // `less(a, b)`: whether `a` sorts before `b` (the comparator says `Less`).
    let (setup, less) =
        match (base.as_str(), &args[..]) {
            ("sort", []) => (
                quote_spanned!(span=>),
                quote_spanned!(span=> __rumba_a < __rumba_b),
            ),
            ("sort_by", [f]) => {
                let (pair, partial) = comparison(f)?;
                let nan = partial.then(|| quote_spanned!(span=>
                if !(__rumba_x < __rumba_y || __rumba_x == __rumba_y || __rumba_x > __rumba_y) {
                    let __rumba_none: Option<u8> = None;
                    __rumba_none.expect(#unwrap);
                }
            ));
                (
                    quote_spanned!(span=> let mut __rumba_cmp = #pair;),
                    quote_spanned!(span=> {
                        let (__rumba_x, __rumba_y) = __rumba_cmp(__rumba_a, __rumba_b);
                        #nan
                        __rumba_x < __rumba_y
                    }),
                )
            }
            ("sort_by_key", [f]) => (
                quote_spanned!(span=> let mut __rumba_key = #f;),
                quote_spanned!(span=> __rumba_key(__rumba_a) < __rumba_key(__rumba_b)),
            ),
            _ => {
                return Err(FrontError::new(
                    mc,
                    format!(
                        "`{name}` takes {} argument{}",
                        if base == "sort" { "no" } else { "one" },
                        if base == "sort" { "s" } else { "" }
                    ),
                ))
            }
        };
    Ok(syn::parse_quote_spanned!(span=> {
        #setup
        let __rumba_n = #v.len();
        let mut __rumba_buf = #v.to_owned();
        let mut __rumba_w: usize = 1;
        while __rumba_w < __rumba_n {
            let mut __rumba_lo: usize = 0;
            while __rumba_lo < __rumba_n {
                let __rumba_mid = if __rumba_lo + __rumba_w < __rumba_n { __rumba_lo + __rumba_w } else { __rumba_n };
                let __rumba_hi = if __rumba_mid + __rumba_w < __rumba_n { __rumba_mid + __rumba_w } else { __rumba_n };
                let mut __rumba_i = __rumba_lo;
                let mut __rumba_j = __rumba_mid;
                for __rumba_k in __rumba_lo..__rumba_hi {
                    // The right run's element goes first only if it sorts strictly before.
                    let __rumba_right = if __rumba_i >= __rumba_mid {
                        true
                    } else if __rumba_j >= __rumba_hi {
                        false
                    } else {
                        let __rumba_a = #v[__rumba_j];
                        let __rumba_b = #v[__rumba_i];
                        #less
                    };
                    if __rumba_right {
                        __rumba_buf[__rumba_k] = #v[__rumba_j];
                        __rumba_j += 1;
                    } else {
                        __rumba_buf[__rumba_k] = #v[__rumba_i];
                        __rumba_i += 1;
                    }
                }
                __rumba_lo = __rumba_hi;
            }
            #v.assign(&__rumba_buf);
            __rumba_w *= 2;
        }
    }))
}
