//! Sorting a 1-D array in place: `v.sort()`, `v.sort_by(|a, b| a.partial_cmp(b).unwrap())`,
//! `v.sort_by(|a, b| a.cmp(b))`, `v.sort_by_key(|x| key)` and their `sort_unstable*` forms.
//!
//! In: the statement. Out: the syntax of a stable sort (equal elements keep their order, so the
//! result is the one std's `sort` gives for any comparator that is a total preorder), which the
//! rest of the front end lowers. An array already in order is left after one pass of compares;
//! one of [`RUN`] elements or fewer is sorted by insertion. Otherwise:
//! - by float comparators (`partial_cmp`, `total_cmp`: floats, or indices by the floats they
//!   select, an argsort): a stable quicksort, each range split into a scratch
//!   copy around the median of three of its elements, those before the pivot from the front,
//!   the rest from the back, then copied back in their order; ranges of `RUN` by insertion, and
//!   a range split too deep (bad pivots) left to the merge sort below, run on the whole array at
//!   the end. No step of a split waits for the one before it (only the two positions count), so
//!   a compare's latency is not on a chain;
//! - by integers (`sort()`, `cmp`, keys): a bottom-up merge sort, runs of `RUN` sorted by insertion,
//!   then passes of doubling width merging runs from the array into the scratch copy and back
//!   (copied back once at the end if the last pass wrote the copy), two pairs of runs at a time,
//!   each step without a branch; two runs already in order are copied, not merged. A merge step
//!   waits for the one before it (its compare decides what the next loads), which an integer
//!   compare and conditional move keep short.
//!
//! 2^20 random values, against std's `sort` (`examples`-style scratch ports, AMD Zen 4): the
//! median by `sort_by(|a, b| a.partial_cmp(b).unwrap())` of a copy 1.53x -> 1.22x (merge sort
//! -> quicksort and the NaN scan), `sort_unstable_by(|a, b| a.total_cmp(b))` 3.6x -> 2.45x
//! std's `sort_unstable`; `u32` `sort()` 1.44x with the merge sort (the quicksort 1.6x).
//!
//! A comparator that meets a NaN (`partial_cmp(..).unwrap()`) is an `Err` as std panics: a sort
//! of two or more elements compares each one, so where the comparator reads the same of both
//! elements, one scan of them compared with themselves decides it before sorting, and the
//! sort's own compares test nothing. `sort_unstable*` sorts stably too: std leaves the order of
//! equal elements unspecified, and this is one such order.

use super::chain::{comparison, values, Order};
use super::syntax::strip_parens;
use super::{FrontError, R};
use quote::{quote_spanned, ToTokens};

/// The length of the ranges sorted by insertion (quicksort's smallest, the merge sort's runs).
const RUN: usize = 16;

/// The quicksort's stack of ranges waiting: one per level of splitting at most, and a range
/// split more than twice the bits of a `usize` deep goes to the merge sort.
const STACK: usize = 130;

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
    // `less(a, b)`: whether `a` sorts before `b` (the comparator says `Less`); `nan_first`: the
    // scan for NaNs that takes the comparator's own test out of the sort's loops.
    let mut nan_first = quote_spanned!(span=>);
    // Floats sort by quicksort, the rest by merge sort (see the module's doc).
    let mut quick = false;
    let (setup, less) = match (base.as_str(), &args[..]) {
        ("sort", []) => (
            quote_spanned!(span=>),
            quote_spanned!(span=> __rumba_a < __rumba_b),
        ),
        ("sort_by", [f]) => {
            let (pair, order) = comparison(f)?;
            let partial = order == Order::Partial;
            quick = order != Order::Cmp;
            let nan = quote_spanned!(span=>
                if !(__rumba_x < __rumba_y || __rumba_x == __rumba_y || __rumba_x > __rumba_y) {
                    let __rumba_none: Option<u8> = None;
                    __rumba_none.expect(#unwrap);
                }
            );
            // A sort of two or more elements compares each one (std's panics for a NaN
            // whichever it meets): with a comparator that reads the same of both (`a.x`
            // and `b.x`), scanning every element once, compared with itself, fails as
            // std does.
            let scan = partial && symmetric(&pair);
            if scan {
                nan_first = quote_spanned!(span=>
                    if #v.len() > 1 {
                        for __rumba_t in 0..#v.len() {
                            let (__rumba_x, __rumba_y) = __rumba_cmp(#v[__rumba_t], #v[__rumba_t]);
                            #nan
                        }
                    }
                );
            }
            let nan = (partial && !scan).then_some(nan);
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
    let stack = syn::LitInt::new(&STACK.to_string(), span);
    let v_tokens = quote_spanned!(span=> #v);
    let buf = quote_spanned!(span=> __rumba_buf);
    // `less` of two values, named by their tokens.
    let less_of = |a: proc_macro2::TokenStream, b: proc_macro2::TokenStream| {
        quote_spanned!(span=> {
            let __rumba_a = #a;
            let __rumba_b = #b;
            #less
        })
    };
    let named = |a: &str, b: &str| {
        let (a, b) = (
            syn::Ident::new(a, span).to_token_stream(),
            syn::Ident::new(b, span).to_token_stream(),
        );
        less_of(a, b)
    };
    // Insertion sorts of `v[lo..hi]`, the bounds given by name.
    let sort_range = |lo: proc_macro2::TokenStream, hi: &str| {
        let hi = syn::Ident::new(hi, span).to_token_stream();
        insertion(&v_tokens, &lo, &hi, &less, span)
    };
    let small = sort_range(quote_spanned!(span=> __rumba_lo), "__rumba_hi");
    let whole = sort_range(quote_spanned!(span=> 0), "__rumba_n");
    let run_of = sort_range(quote_spanned!(span=> __rumba_s), "__rumba_e");
    let (ab, bc, ac) = (
        named("__rumba_p0", "__rumba_p1"),
        named("__rumba_p1", "__rumba_p2"),
        named("__rumba_p0", "__rumba_p2"),
    );
    // One split of the range into the scratch copy: the elements for which `go` holds from its
    // start, the others from its end.
    let split = |go: proc_macro2::TokenStream| {
        quote_spanned!(span=>
            for __rumba_t in __rumba_lo..__rumba_hi {
                let __rumba_x = #v[__rumba_t];
                let __rumba_go = #go;
                __rumba_buf[__rumba_l] = __rumba_x;
                __rumba_buf[__rumba_r - 1] = __rumba_x;
                __rumba_l += __rumba_go as usize;
                __rumba_r -= 1 - __rumba_go as usize;
            }
        )
    };
    let below = split(named("__rumba_x", "__rumba_pivot"));
    let not_above = {
        let above = named("__rumba_pivot", "__rumba_x");
        split(quote_spanned!(span=> !(#above)))
    };
    let unordered = less_of(
        quote_spanned!(span=> #v[__rumba_t]),
        quote_spanned!(span=> #v[__rumba_t - 1]),
    );
    let to_buf = merge_pass(&v_tokens, &buf, &less, span);
    let to_v = merge_pass(&buf, &v_tokens, &less, span);
    // Runs of `RUN` elements sorted by insertion, then passes of doubling width, merging from
    // the array into the scratch one and back.
    let merge_sort = quote_spanned!(span=>
        let mut __rumba_s: usize = 0;
        while __rumba_s < __rumba_n {
            let __rumba_e = if __rumba_s + #run < __rumba_n { __rumba_s + #run } else { __rumba_n };
            #run_of
            __rumba_s = __rumba_e;
        }
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
    );
    let sort = if !quick {
        merge_sort
    } else {
        quote_spanned!(span=>
            // The stable quicksort of the module's doc: ranges split into the scratch copy
            // around a median of three and copied back; a range whose least element is the
            // pivot splits off the elements equal to it; past the depth limit, the merge sort.
            let mut __rumba_slo = [0usize; #stack];
            let mut __rumba_shi = [0usize; #stack];
            let mut __rumba_sdepth = [0usize; #stack];
            __rumba_shi[0] = __rumba_n;
            let mut __rumba_sp: usize = 1;
            let __rumba_limit = 2 * (64 - (__rumba_n as u64).leading_zeros() as usize);
            let mut __rumba_fallback = false;
            while __rumba_sp > 0 {
                __rumba_sp -= 1;
                let mut __rumba_lo = __rumba_slo[__rumba_sp];
                let mut __rumba_hi = __rumba_shi[__rumba_sp];
                let mut __rumba_d = __rumba_sdepth[__rumba_sp];
                while __rumba_hi - __rumba_lo > #run && __rumba_d < __rumba_limit {
                    __rumba_d += 1;
                    let __rumba_q = (__rumba_hi - __rumba_lo) / 4;
                    let __rumba_p0 = #v[__rumba_lo + __rumba_q];
                    let __rumba_p1 = #v[__rumba_lo + 2 * __rumba_q];
                    let __rumba_p2 = #v[__rumba_lo + 3 * __rumba_q];
                    let __rumba_ab = #ab;
                    let __rumba_pivot = if __rumba_ab == #bc {
                        __rumba_p1
                    } else if __rumba_ab == #ac {
                        __rumba_p2
                    } else {
                        __rumba_p0
                    };
                    let mut __rumba_l = __rumba_lo;
                    let mut __rumba_r = __rumba_hi;
                    #below
                    let __rumba_least = __rumba_l == __rumba_lo;
                    if __rumba_least {
                        __rumba_r = __rumba_hi;
                        #not_above
                    }
                    for __rumba_t in __rumba_lo..__rumba_l {
                        #v[__rumba_t] = __rumba_buf[__rumba_t];
                    }
                    for __rumba_t in __rumba_l..__rumba_hi {
                        #v[__rumba_t] = __rumba_buf[__rumba_hi - 1 - (__rumba_t - __rumba_l)];
                    }
                    // The larger part waits; the smaller is split next.
                    if __rumba_least {
                        __rumba_lo = __rumba_l;
                    } else if __rumba_l - __rumba_lo > __rumba_hi - __rumba_l {
                        __rumba_slo[__rumba_sp] = __rumba_lo;
                        __rumba_shi[__rumba_sp] = __rumba_l;
                        __rumba_sdepth[__rumba_sp] = __rumba_d;
                        __rumba_sp += 1;
                        __rumba_lo = __rumba_l;
                    } else {
                        __rumba_slo[__rumba_sp] = __rumba_l;
                        __rumba_shi[__rumba_sp] = __rumba_hi;
                        __rumba_sdepth[__rumba_sp] = __rumba_d;
                        __rumba_sp += 1;
                        __rumba_hi = __rumba_l;
                    }
                }
                if __rumba_hi - __rumba_lo > #run {
                    __rumba_fallback = true;
                } else {
                    #small
                }
            }
            if __rumba_fallback {
                #merge_sort
            }
        )
    };
    Ok(syn::parse_quote_spanned!(span=> {
        #setup
        #nan_first
        let __rumba_n = #v.len();
        // Nothing to do for an array already in order (one pass of compares).
        let mut __rumba_sorted = true;
        for __rumba_t in 1..__rumba_n {
            if #unordered {
                __rumba_sorted = false;
                break;
            }
        }
        if __rumba_sorted {
        } else if __rumba_n <= #run {
            #whole
        } else {
            let mut __rumba_buf = #v.to_owned();
            #sort
        }
    }))
}

/// Whether the comparator's pair `|a, b| (x, y)` reads the same of both elements: `y` is `x`
/// with `a` and `b` exchanged (`|a, b| (a.1, b.1)`, `|a, b| (b, a)`).
fn symmetric(pair: &syn::Expr) -> bool {
    use proc_macro2::{TokenStream, TokenTree};
    let syn::Expr::Closure(c) = pair else {
        return false;
    };
    let names: Vec<String> = c
        .inputs
        .iter()
        // `&i` binds `i` (an argsort's `|&i, &j| x[i].partial_cmp(&x[j]).unwrap()`).
        .filter_map(|p| match values(p) {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        })
        .collect();
    let [a, b] = &names[..] else {
        return false;
    };
    let syn::Expr::Tuple(t) = &*c.body else {
        return false;
    };
    let [x, y] = &t.elems.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    // The tokens of `ts` with `a` and `b` exchanged, groups delimited, for comparing.
    fn swap(ts: TokenStream, a: &str, b: &str) -> Vec<String> {
        ts.into_iter()
            .flat_map(|tt| match tt {
                TokenTree::Ident(i) if i == a => vec![b.to_string()],
                TokenTree::Ident(i) if i == b => vec![a.to_string()],
                TokenTree::Group(g) => {
                    let mut v = vec![format!("{:?}", g.delimiter())];
                    v.extend(swap(g.stream(), a, b));
                    v.push("end".into());
                    v
                }
                other => vec![other.to_string()],
            })
            .collect()
    }
    swap(x.to_token_stream(), a, b) == swap(y.to_token_stream(), a, a)
}

/// Sorts `v[lo..hi]` by insertion: an element moves left past those it sorts strictly before
/// (stable).
fn insertion(
    v: &proc_macro2::TokenStream,
    lo: &proc_macro2::TokenStream,
    hi: &proc_macro2::TokenStream,
    less: &proc_macro2::TokenStream,
    span: proc_macro2::Span,
) -> proc_macro2::TokenStream {
    quote_spanned!(span=>
        for __rumba_t in #lo + 1..#hi {
            let __rumba_item = #v[__rumba_t];
            let mut __rumba_u = __rumba_t;
            loop {
                if __rumba_u == #lo {
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
    )
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
