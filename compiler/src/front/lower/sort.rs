//! Sorting a 1-D array in place: `v.sort()`, `v.sort_by(|a, b| a.partial_cmp(b).unwrap())`,
//! `v.sort_by(|a, b| a.cmp(b))`, `v.sort_by_key(|x| key)` and their `sort_unstable*` forms.
//!
//! In: the statement. Out: the syntax of a bottom-up merge sort (stable, like std's `sort`:
//! equal elements keep their order, so the result is the one std gives for any comparator that
//! is a total preorder), which the rest of the front end lowers: runs of [`RUN`] elements sorted
//! by insertion, then passes of doubling width merging runs from the array into a scratch copy
//! and back (copied back once at the end if the last pass wrote the copy); two runs already in
//! order are copied, not merged. The median of 2^20 random `f64` (`v.sort_by(|a, b|
//! a.partial_cmp(b).unwrap())` of a copy) took 2.74x the time of std's sort as plain merge
//! passes; 1.95x with the runs, ping-pong passes and branchless steps; 1.49x merging two pairs
//! of runs at once (std's driftsort merges from both ends of a pair, a second chain within it). A comparator that meets a NaN
//! (`partial_cmp(..).unwrap()`) is an `Err` as std panics. `sort_unstable*` sorts stably too:
//! std leaves the order of equal elements unspecified, and this is one such order.

use super::chain::comparison;
use super::syntax::strip_parens;
use super::{FrontError, R};
use quote::quote_spanned;

/// The length of the runs sorted by insertion before the merge passes.
const RUN: usize = 16;

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
    let run = syn::LitInt::new(&RUN.to_string(), span);
    let buf = quote_spanned!(span=> __rumba_buf);
    let v_tokens = quote_spanned!(span=> #v);
    let to_buf = merge_pass(&v_tokens, &buf, &less, span);
    let to_v = merge_pass(&buf, &v_tokens, &less, span);
    Ok(syn::parse_quote_spanned!(span=> {
        #setup
        let __rumba_n = #v.len();
        // Runs of `RUN` elements sorted by insertion: an element moves left past those it
        // sorts strictly before.
        let mut __rumba_s: usize = 0;
        while __rumba_s < __rumba_n {
            let __rumba_e = if __rumba_s + #run < __rumba_n { __rumba_s + #run } else { __rumba_n };
            for __rumba_t in __rumba_s + 1..__rumba_e {
                let __rumba_item = #v[__rumba_t];
                let mut __rumba_u = __rumba_t;
                loop {
                    if __rumba_u == __rumba_s {
                        break;
                    }
                    let __rumba_a = __rumba_item;
                    let __rumba_b = #v[__rumba_u - 1];
                    if !(#less) {
                        break;
                    }
                    #v[__rumba_u] = __rumba_b;
                    __rumba_u -= 1;
                }
                #v[__rumba_u] = __rumba_item;
            }
            __rumba_s = __rumba_e;
        }
        // Passes of doubling width, merging from the array into the scratch one and back.
        if __rumba_n > #run {
            let mut __rumba_buf = #v.to_owned();
            let mut __rumba_w: usize = #run;
            let mut __rumba_in_buf = false;
            while __rumba_w < __rumba_n {
                if __rumba_in_buf {
                    #to_v
                } else {
                    #to_buf
                }
                __rumba_in_buf = !__rumba_in_buf;
                __rumba_w *= 2;
            }
            if __rumba_in_buf {
                #v.assign(&__rumba_buf);
            }
        }
    }))
}

/// One pass of width `__rumba_w`: the runs of `src` merged pairwise into `dst`, two pairs at a
/// time (two independent chains of loads and compares: a merge step waits for the one before
/// it, whose compare decides what it loads). Two runs already in order (the right one's first
/// element does not sort before the left one's last) are copied; otherwise the right run's
/// element goes first only if it sorts strictly before.
fn merge_pass(
    src: &proc_macro2::TokenStream,
    dst: &proc_macro2::TokenStream,
    less: &proc_macro2::TokenStream,
    span: proc_macro2::Span,
) -> proc_macro2::TokenStream {
    let names = |k: &str| -> [syn::Ident; 6] {
        ["lo", "mid", "hi", "i", "j", "k"]
            .map(|n| quote::format_ident!("__rumba_{n}{k}", span = span))
    };
    let [lo1, mid1, hi1, i1, j1, k1] = names("1");
    let [lo2, mid2, hi2, i2, j2, k2] = names("2");
    // A pair's bounds from its start, and the copy of a pair already in order.
    let start = |lo: &syn::Ident,
                 mid: &syn::Ident,
                 hi: &syn::Ident,
                 i: &syn::Ident,
                 j: &syn::Ident,
                 k: &syn::Ident| {
        quote_spanned!(span=>
            let #mid = if #lo + __rumba_w < __rumba_n { #lo + __rumba_w } else { __rumba_n };
            let #hi = if #mid + __rumba_w < __rumba_n { #mid + __rumba_w } else { __rumba_n };
            let mut #i = #lo;
            let mut #j = #mid;
            let mut #k = #lo;
            let __rumba_ordered = #mid == #hi || {
                let __rumba_a = #src[#mid];
                let __rumba_b = #src[#mid - 1];
                !(#less)
            };
            if __rumba_ordered {
                for __rumba_t in #lo..#hi {
                    #dst[__rumba_t] = #src[__rumba_t];
                }
                #i = #mid;
                #j = #hi;
            }
        )
    };
    // One merge step, without a branch (conditional moves): which run goes first is data.
    let step = |i: &syn::Ident, j: &syn::Ident, k: &syn::Ident| {
        quote_spanned!(span=>
            let __rumba_a = #src[#j];
            let __rumba_b = #src[#i];
            let __rumba_right = #less;
            #dst[#k] = if __rumba_right { __rumba_a } else { __rumba_b };
            #j += __rumba_right as usize;
            #i += 1 - __rumba_right as usize;
            #k += 1;
        )
    };
    // The rest of a pair: its merge alone, then what is left of either run.
    let finish =
        |mid: &syn::Ident, hi: &syn::Ident, i: &syn::Ident, j: &syn::Ident, k: &syn::Ident| {
            let one = step(i, j, k);
            quote_spanned!(span=>
                while #i < #mid && #j < #hi {
                    #one
                }
                while #i < #mid {
                    #dst[#k] = #src[#i];
                    #i += 1;
                    #k += 1;
                }
                while #j < #hi {
                    #dst[#k] = #src[#j];
                    #j += 1;
                    #k += 1;
                }
            )
        };
    let (start1, start2) = (
        start(&lo1, &mid1, &hi1, &i1, &j1, &k1),
        start(&lo2, &mid2, &hi2, &i2, &j2, &k2),
    );
    let (step1, step2) = (step(&i1, &j1, &k1), step(&i2, &j2, &k2));
    let (finish1, finish2) = (
        finish(&mid1, &hi1, &i1, &j1, &k1),
        finish(&mid2, &hi2, &i2, &j2, &k2),
    );
    quote_spanned!(span=>
        let mut #lo1: usize = 0;
        while #lo1 < __rumba_n {
            #start1
            let #lo2 = #hi1;
            #start2
            while #i1 < #mid1 && #j1 < #hi1 && #i2 < #mid2 && #j2 < #hi2 {
                #step1
                #step2
            }
            #finish1
            #finish2
            #lo1 = #hi2;
        }
    )
}
