//! The wording of front-end errors shared by several forms: hint texts and the errors for
//! macros, unknown names, items in a kernel and numeric methods called as functions.
//!
//! In: the offending syntax. Out: [`FrontError`]s and hint strings.

use super::*;

pub(super) const EXPR_HINT: &str =
    "kernels support literals, arithmetic, comparisons, casts, indexing, \
    numeric methods, calls of functions in the same compile! block, if/else and blocks";

/// "write it as a method" for the name of a numeric method called as a function.
pub(super) fn method_call_hint(name: &str) -> Option<String> {
    Intrinsic::from_name(name)
        .is_some()
        .then(|| format!("`{name}` is a method of the numeric types: write `x.{name}(..)`"))
}

/// The tokens that name an item (`struct Point`, `fn inner(..) -> T`), for a caret that does not
/// cover its whole body.
pub(super) fn item_head(item: &syn::Item) -> TokenStream {
    use quote::quote;
    match item {
        syn::Item::Fn(f) => f.sig.to_token_stream(),
        syn::Item::Struct(s) => {
            let (kw, name) = (&s.struct_token, &s.ident);
            quote!(#kw #name)
        }
        syn::Item::Enum(e) => {
            let (kw, name) = (&e.enum_token, &e.ident);
            quote!(#kw #name)
        }
        syn::Item::Trait(t) => {
            let (kw, name) = (&t.trait_token, &t.ident);
            quote!(#kw #name)
        }
        syn::Item::Impl(i) => {
            let (kw, ty) = (&i.impl_token, &i.self_ty);
            quote!(#kw #ty)
        }
        syn::Item::Mod(m) => {
            let (kw, name) = (&m.mod_token, &m.ident);
            quote!(#kw #name)
        }
        other => other.to_token_stream(),
    }
}

pub(super) fn macro_error(mac: &syn::Macro) -> FrontError {
    let name = mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let hint = match name.as_str() {
        "println" | "print" | "eprintln" | "eprint" | "dbg" | "write" | "writeln" | "format" => {
            "kernels cannot print: return values or write them into arrays"
        }
        "panic" | "assert" | "assert_eq" | "assert_ne" | "unreachable" | "todo"
        | "unimplemented" => {
            return FrontError::new(mac, format!("`{name}!` as a value is not supported in kernels"))
                .hint("write it as a statement (`assert!(x > 0.0);`, `if x < 0 { panic!(\"..\"); }`): a failed check is the call's `Err`");
        }
        _ => "write out the code the macro stands for (`vec![v; n]`, `array![..]`, `s![..]` and `matches!(v, pattern)` are supported)",
    };
    FrontError::new(
        mac,
        format!("macros are not supported in kernels (`{name}!`)"),
    )
    .hint(hint)
}

pub(super) fn unknown_value(
    ident: &syn::Ident,
    name: &str,
    fns: &HashMap<String, FuncId>,
) -> FrontError {
    if fns.contains_key(name) {
        FrontError::new(ident, format!("`{name}` is a function, not a value"))
            .hint(format!("call it: `{name}(..)`"))
    } else {
        FrontError::new(ident, format!("cannot find value `{name}` in this scope"))
            .hint("declare it with `let` or take it as a parameter")
    }
}

/// A help for a method of Rust's or ndarray's arrays that kernels do not have, naming what to
/// write instead.
pub(super) fn array_method_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "push" | "pop" | "clear" | "truncate" | "extend_from_slice" | "capacity" => {
            "a vector declared in this function with `let mut v = Vec::new()` (or `Vec::with_capacity(n)`, `vec![..]`) grows and shrinks; other arrays (parameters, views, `Array1`s) have a fixed length: push onto a local vector, or write `y[i] = ..` into an array of the final length"
        }
        "extend" | "insert" | "remove" | "append" | "resize" | "with_capacity" => {
            "a vector declared with `let mut v = Vec::new()` grows with `v.push(x)` and `v.extend_from_slice(&w)`; for the rest, make the array with its final length (`vec![0.0; n]`) and write `v[i] = ..`"
        }
        "windows" => {
            "`x.windows(k)` is walked by a `for` loop or an iterator chain: `for w in x.windows(k) { .. }`, `for (i, w) in x.windows(k).into_iter().enumerate() { .. }`, `x.windows(k).into_iter().map(|w| w.sum())`; to keep one window, slice it: `x.slice(s![i..i + k])`"
        }
        "exact_chunks" | "axis_chunks_iter" | "exact_chunks_mut" | "axis_chunks_iter_mut" => {
            "slice the chunks in a loop over their positions: `for c in 0..x.len() / k { let chunk = x.slice(s![c * k..(c + 1) * k]); .. }`"
        }
        "select" => {
            "index with an index array in a loop: `for (k, &i) in idx.iter().enumerate() { y[k] = x[i]; }` into `let mut y = Array1::zeros(idx.len())`"
        }
        "clone" => "copy an array with `x.to_owned()` (an `Array` the kernel owns), or borrow it with `x.view()`; `x.clone()` works where `x`'s type is written (`u: &Array2<f64>`)",
        _ => return None,
    })
}
