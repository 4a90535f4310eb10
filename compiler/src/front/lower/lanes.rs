//! Loops over a 2-D array's lanes, `for row in x.rows()` (and `rows_mut`, `columns`,
//! `columns_mut`, `outer_iter`, enumerated or not), rewritten as the syntax of the index loop
//! they are, `for i in 0..x.nrows() { let row = x.row(i); .. }`, and over the subviews along any
//! axis of any array, `x.axis_iter(Axis(k))` (`axis_iter_mut`), as
//! `for i in 0..x.len_of(Axis(k)) { let v = x.index_axis(Axis(k), i); .. }`, which the rest of
//! the front end lowers as written.
//!
//! In: a `syn` `for` loop. Out: the rewritten loop, or `None` when it is no such loop.

use super::iter::strip_pat;
use super::syntax::{self, strip_parens};
use super::{FrontError, R};

/// `for row in x.rows() { body }` (and `rows_mut`, `columns`, `columns_mut`, `outer_iter`,
/// `outer_iter_mut` of a 2-D array; `axis_iter(Axis(k))`, `axis_iter_mut(Axis(k))` of any, with
/// or without `.into_iter()` and `.enumerate()`) as the index loop it is:
/// `for i in 0..x.nrows() { let row = x.row(i); body }`. `None` when `f` is no such loop.
pub(super) fn lanes_loop(f: &syn::ExprForLoop) -> Option<R<syn::ExprForLoop>> {
    let (e, enumerate) = peel_enumerate(&f.expr);
    let syn::Expr::MethodCall(mc) = e else {
        return None;
    };
    let name = mc.method.to_string();
    let base = name.trim_end_matches("_mut");
    let mutable = name.ends_with("_mut");
    // The axis of a 2-D array's lanes, or (`axis_iter`) the axis of the subviews.
    let (axis, subviews) = match (base, mc.args.len()) {
        ("rows" | "outer_iter", 0) => (0, false),
        ("columns", 0) => (1, false),
        ("axis_iter", 1) => match syntax::axis_literal(&mc.args[0]) {
            Some(k) => (k, true),
            _ => {
                return Some(Err(FrontError::new(
                    &mc.args[0],
                    "expected `Axis(k)` with a literal `k`",
                )
                .hint("iterate the subviews along axis 1 with `x.axis_iter(Axis(1))`")))
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
    // `axis_iter(Axis(k))`, of any number of axes: `x.index_axis(Axis(k), i)`.
    if subviews {
        let (lane, k) = (
            syn::Ident::new(
                &format!("index_axis{}", if mutable { "_mut" } else { "" }),
                span,
            ),
            syn::LitInt::new(&axis.to_string(), span),
        );
        let call = format!("{name}(Axis({axis}))");
        let (index, pat) = match lane_pattern(f, &call, enumerate, span) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let (label, body) = (&f.label, &f.body);
        return Some(Ok(syn::parse_quote_spanned! {span=>
            #label for #index in 0..#array.len_of(Axis(#k)) {
                let #pat = #array.#lane(Axis(#k), #index);
                #body
            }
        }));
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
    let (index, pat) = match lane_pattern(f, &format!("{name}()"), enumerate, span) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let (label, body) = (&f.label, &f.body);
    Some(Ok(syn::parse_quote_spanned! {span=>
        #label for #index in 0..#array.#count() {
            let #pat = #array.#lane(#index);
            #body
        }
    }))
}

/// The iterable of a `for` loop without its `.into_iter()` and `.enumerate()` (at most one),
/// and whether it was enumerated.
fn peel_enumerate(e: &syn::Expr) -> (&syn::Expr, bool) {
    let mut e = strip_parens(e);
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
            _ => return (e, enumerate),
        }
    }
}

/// The loop's index and the lane's pattern: `(i, row)` when enumerated (`_` for `i` a hidden
/// name), else a hidden index and the loop's pattern.
fn lane_pattern<'f>(
    f: &'f syn::ExprForLoop,
    call: &str,
    enumerate: bool,
    span: proc_macro2::Span,
) -> R<(syn::Pat, &'f syn::Pat)> {
    if !enumerate {
        return Ok((syn::parse_quote_spanned!(span=> __rumba_lane), &*f.pat));
    }
    let pair = "expected a pair `(i, v)`";
    let syn::Pat::Tuple(t) = strip_pat(&f.pat) else {
        return Err(FrontError::new(&f.pat, pair).hint(format!(
            "write `for (i, v) in x.{call}.into_iter().enumerate()`"
        )));
    };
    if t.elems.len() != 2 {
        return Err(FrontError::new(t, pair));
    }
    let index = match strip_pat(&t.elems[0]) {
        syn::Pat::Wild(_) => syn::parse_quote_spanned!(span=> __rumba_lane),
        p => p.clone(),
    };
    Ok((index, &t.elems[1]))
}

/// `for w in x.windows(k) { body }` (1-D; `x.windows((a, b))` or `[a, b]` for 2-D): ndarray's
/// sliding windows in logical order, one loop over their positions,
/// `for t in 0..count { let w = x.slice(s![i..i + a, j..j + b]); body }` (`break` ends the
/// walk); an axis shorter than its window has none. A zero window size is an `Err` (ndarray
/// panics there). With `.into_iter().enumerate()`, `(t, w)`: `t` counts the windows in that
/// order. `None` when `f` is no such loop.
pub(super) fn windows_loop(f: &syn::ExprForLoop) -> Option<R<syn::ExprForLoop>> {
    let (e, enumerate) = peel_enumerate(&f.expr);
    let syn::Expr::MethodCall(mc) = e else {
        return None;
    };
    let [size] = &mc.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if mc.method != "windows" {
        return None;
    }
    let span = mc.method.span();
    let array = &mc.receiver;
    if !matches!(strip_parens(array), syn::Expr::Path(p) if p.path.get_ident().is_some()) {
        return Some(Err(FrontError::new(
            array,
            "`windows` of an expression is not supported",
        )
        .hint("bind the array first: `let v = ...; for w in v.windows(3)`")));
    }
    let sizes: Vec<&syn::Expr> = match strip_parens(size) {
        syn::Expr::Tuple(t) => t.elems.iter().collect(),
        syn::Expr::Array(a) => a.elems.iter().collect(),
        e => vec![e],
    };
    if sizes.len() > 2 {
        return Some(Err(FrontError::new(
            size,
            "`windows` of three or more axes is not supported",
        )
        .hint(
            "loop over the window positions and slice: `x.slice(s![i..i + a, ..])`",
        )));
    }
    let zero = syn::LitStr::new("window size must not be zero", span);
    let (index, w) = match lane_pattern(f, "windows(k)", enumerate, span) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let (body, label) = (&f.body, &f.label);
    let tokens = match &sizes[..] {
        [k] => quote::quote_spanned! {span=>
            #label for __rumba_t in (0..{
                let __rumba_k: usize = #k;
                assert!(__rumba_k != 0, #zero);
                if #array.len() >= __rumba_k { #array.len() - __rumba_k + 1 } else { 0 }
            }) {
                let #index = __rumba_t;
                let #w = #array.slice(s![__rumba_t..__rumba_t + #k]);
                #body
            }
        },
        [a, b] => quote::quote_spanned! {span=>
            #label for __rumba_t in (0..{
                let (__rumba_a, __rumba_b): (usize, usize) = (#a, #b);
                assert!(__rumba_a != 0 && __rumba_b != 0, #zero);
                let (__rumba_n, __rumba_m) = #array.dim();
                let __rumba_rows = if __rumba_n >= __rumba_a { __rumba_n - __rumba_a + 1 } else { 0 };
                let __rumba_cols = if __rumba_m >= __rumba_b { __rumba_m - __rumba_b + 1 } else { 0 };
                __rumba_rows * __rumba_cols
            }) {
                let #index = __rumba_t;
                let __rumba_cols = #array.ncols() + 1 - #b;
                let (__rumba_i, __rumba_j) = (__rumba_t / __rumba_cols, __rumba_t % __rumba_cols);
                let #w = #array.slice(s![__rumba_i..__rumba_i + #a, __rumba_j..__rumba_j + #b]);
                #body
            }
        },
        _ => return Some(Err(FrontError::new(size, "expected a window size"))),
    };
    Some(syntax::reparse(tokens, f))
}
