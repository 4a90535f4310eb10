//! Token-level sugar that `syn` cannot parse as Rust.
//!
//! In: the tokens of a `compile!` block. Out: the same tokens where a bare parameter (`fn f(a, x)`,
//! Numba style) has become `a: _`, so that the whole block parses as a `syn::File`.

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};

pub fn bare_params(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (i, tree) in trees.iter().enumerate() {
        let after_fn_name = i >= 2
            && matches!(&trees[i - 2], TokenTree::Ident(k) if k == "fn")
            && matches!(&trees[i - 1], TokenTree::Ident(_));
        match tree {
            TokenTree::Group(g) if after_fn_name && g.delimiter() == Delimiter::Parenthesis => {
                let mut group = Group::new(Delimiter::Parenthesis, typed_params(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

fn typed_params(params: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut segment: Vec<TokenTree> = Vec::new();
    let flush = |segment: &mut Vec<TokenTree>, out: &mut TokenStream| {
        let bare = match segment.as_slice() {
            [TokenTree::Ident(_)] => true,
            [TokenTree::Ident(m), TokenTree::Ident(_)] => m == "mut",
            _ => false,
        };
        if bare {
            let span = segment[segment.len() - 1].span();
            let mut colon = proc_macro2::Punct::new(':', Spacing::Alone);
            colon.set_span(span);
            segment.push(TokenTree::Punct(colon));
            segment.push(TokenTree::Ident(proc_macro2::Ident::new("_", span)));
        }
        out.extend(segment.drain(..));
    };
    for tree in params {
        if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
            flush(&mut segment, &mut out);
            out.extend([tree]);
        } else {
            segment.push(tree);
        }
    }
    flush(&mut segment, &mut out);
    out
}
