//! The built-in prelude: functions written in the kernel language that every program carries,
//! for `types` to call where an operation is best written as code (see `ir::complex`).
//!
//! In: nothing. Out: the prelude's `fn` items, ready for `lower`: `complex.rs` (kernel source,
//! not a Rust module) once with `T = f32` and once with `T = f64`, each function named with its
//! module (`complex64::mul`), a name no kernel can write or call.

use crate::ir::complex::prelude_module;
use crate::ir::Scalar;
use proc_macro2::{Group, TokenStream, TokenTree};

const COMPLEX: &str = include_str!("complex.rs");

/// The prelude's functions, with their names.
pub(super) fn items() -> Result<Vec<(String, syn::ItemFn)>, String> {
    let tokens: TokenStream = COMPLEX
        .parse()
        .map_err(|e| format!("internal: the prelude does not tokenize: {e}"))?;
    let mut out = Vec::new();
    for part in [Scalar::F32, Scalar::F64] {
        let file: syn::File = syn::parse2(substitute(tokens.clone(), part))
            .map_err(|e| format!("internal: the prelude does not parse: {e}"))?;
        for item in file.items {
            let syn::Item::Fn(f) = item else {
                return Err("internal: the prelude holds an item that is not a `fn`".into());
            };
            let name = format!("{}::{}", prelude_module(part), f.sig.ident);
            out.push((name, f));
        }
    }
    Ok(out)
}

/// The tokens with every identifier `T` replaced by the float type `part`.
fn substitute(tokens: TokenStream, part: Scalar) -> TokenStream {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == "T" => {
                TokenTree::Ident(proc_macro2::Ident::new(part.name(), i.span()))
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), substitute(g.stream(), part));
                inner.set_span(g.span());
                TokenTree::Group(inner)
            }
            other => other,
        })
        .collect()
}
