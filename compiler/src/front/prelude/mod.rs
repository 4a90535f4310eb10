//! The built-in prelude: functions written in the kernel language that every program carries,
//! for `types` to call where an operation is best written as code (see `ir::complex`).
//!
//! In: nothing. Out: the prelude's `fn` items, ready for `lower`, each named with its module
//! (`complex64::mul`, `rng::uniform_f64`), a name no kernel can write: `complex.rs` (kernel
//! source, not a Rust module) once with `T = f32` and once with `T = f64`, and `rng.rs` (the
//! counter-based random number generator behind `Rng`).

use crate::ir::complex::prelude_module;
use crate::ir::Scalar;
use proc_macro2::{Group, TokenStream, TokenTree};

const COMPLEX: &str = include_str!("complex.rs");
const RNG: &str = include_str!("rng.rs");

/// The prelude's functions, with their names.
pub(super) fn items() -> Result<Vec<(String, syn::ItemFn)>, String> {
    let tokens = |text: &str| -> Result<TokenStream, String> {
        text.parse()
            .map_err(|e| format!("internal: the prelude does not tokenize: {e}"))
    };
    let complex = tokens(COMPLEX)?;
    let mut out = Vec::new();
    for part in [Scalar::F32, Scalar::F64] {
        functions(
            substitute(complex.clone(), part),
            prelude_module(part),
            &mut out,
        )?;
    }
    functions(tokens(RNG)?, "rng", &mut out)?;
    Ok(out)
}

/// The functions of `tokens`, named in `module`, appended to `out`.
fn functions(
    tokens: TokenStream,
    module: &str,
    out: &mut Vec<(String, syn::ItemFn)>,
) -> Result<(), String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("internal: the prelude does not parse: {e}"))?;
    for item in file.items {
        let syn::Item::Fn(f) = item else {
            return Err("internal: the prelude holds an item that is not a `fn`".into());
        };
        out.push((format!("{module}::{}", f.sig.ident), f));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use crate::interp::{run, Arg, Output, Value};
    use crate::ir::{Scalar, Type};

    /// Random123's known-answer vectors for Philox4x32-10 (`kat_vectors`): counter, key, result.
    const KAT: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0; 4],
            [0; 2],
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        ),
        (
            [0xffffffff; 4],
            [0xffffffff; 2],
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        ),
        (
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
        ),
    ];

    #[test]
    fn philox_gives_the_known_answers() {
        let program = crate::front::lower_source("fn k() {}").expect("lowers");
        let philox = program.find("rng::philox").expect("the prelude's philox");
        let typed = crate::types::specialize(&program, philox, &[Type::Scalar(Scalar::U32); 6])
            .expect("type-checks");
        for (ctr, key, want) in KAT {
            let mut args: Vec<Arg> = ctr
                .iter()
                .chain(&key)
                .map(|&w| Arg::Scalar(Value::U32(w)))
                .collect();
            let Ok(Output::Tuple(words)) = run(&typed, &mut args) else {
                panic!("philox returns a tuple");
            };
            let got: Vec<Output> = want
                .iter()
                .map(|&w| Output::Scalar(Value::U32(w)))
                .collect();
            assert_eq!(words, got, "counter {ctr:x?}, key {key:x?}");
        }
    }
}
