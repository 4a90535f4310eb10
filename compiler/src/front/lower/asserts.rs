//! `assert!`, `assert_eq!`, `assert_ne!`, `panic!`, `unreachable!`, `todo!`, `unimplemented!`
//! (and `debug_assert*!`, which rustc's release builds leave out) as statements.
//!
//! In: a macro in statement position. Out: the syntax of the check it is, `if !(cond) { .. }`
//! around the failure of an `Option`'s `expect` with the message Rust's panic prints
//! (`assertion failed: x > 0.0`), which the rest of the front end lowers: a failed check is the
//! call's `Err` naming the kernel, the line and that message. Messages are string literals; a
//! formatted one (`"{}"` with arguments) is an error.

use super::{FrontError, R};
use quote::{quote_spanned, ToTokens};
use syn::punctuated::Punctuated;

/// The check a panicking macro is, `None` for any other macro; `Some(Ok(None))` for a macro
/// that compiles to nothing (`debug_assert!` in release builds).
pub(super) fn check(mac: &syn::Macro) -> Option<R<Option<syn::Expr>>> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !matches!(
        name.as_str(),
        "assert" | "assert_eq" | "assert_ne" | "panic" | "unreachable" | "todo" | "unimplemented"
    ) && !name.starts_with("debug_assert")
    {
        return None;
    }
    if name.starts_with("debug_assert") {
        return Some(Ok(None));
    }
    Some(lower(mac, &name).map(Some))
}

fn lower(mac: &syn::Macro, name: &str) -> R<syn::Expr> {
    let args: Vec<syn::Expr> = mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map_err(|e| FrontError::new(mac, format!("cannot parse `{name}!`: {e}")))?
        .into_iter()
        .collect();
    let span = mac
        .path
        .segments
        .last()
        .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
    // The message after the checked operands, if any: a string literal without arguments.
    let message = |rest: &[syn::Expr]| -> R<Option<String>> {
        match rest {
            [] => Ok(None),
            [syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })] if !s.value().contains('{') => Ok(Some(s.value())),
            [first, ..] => Err(FrontError::new(
                first,
                "formatted panic messages are not supported in kernels",
            )
            .hint("write a plain string literal: `assert!(x > 0.0, \"x must be positive\")`")),
        }
    };
    let arity = |n: usize| -> R<()> {
        if args.len() < n {
            return Err(FrontError::new(
                mac,
                format!(
                    "`{name}!` takes {n} operand{}",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
        Ok(())
    };
    let (cond, text) = match name {
        "assert" => {
            arity(1)?;
            let cond = &args[0];
            let text = message(&args[1..])?.unwrap_or_else(|| {
                format!("assertion failed: {}", stringify(cond.to_token_stream()))
            });
            (Some(quote_spanned!(span=> #cond)), text)
        }
        "assert_eq" | "assert_ne" => {
            arity(2)?;
            let (a, b) = (&args[0], &args[1]);
            let op = if name == "assert_eq" { "==" } else { "!=" };
            let head = format!("assertion `left {op} right` failed");
            let text = match message(&args[2..])? {
                Some(m) => format!("{head}: {m}"),
                None => head,
            };
            let cond = match name {
                "assert_eq" => quote_spanned!(span=> (#a) == (#b)),
                _ => quote_spanned!(span=> (#a) != (#b)),
            };
            (Some(cond), text)
        }
        _ => {
            let given = message(&args)?;
            let text = match (name, given) {
                ("panic", m) => m.unwrap_or_else(|| "explicit panic".into()),
                ("unreachable", Some(m)) => {
                    format!("internal error: entered unreachable code: {m}")
                }
                ("unreachable", None) => "internal error: entered unreachable code".into(),
                ("todo", Some(m)) => format!("not yet implemented: {m}"),
                ("todo", None) => "not yet implemented".into(),
                (_, Some(m)) => format!("not implemented: {m}"),
                (_, None) => "not implemented".into(),
            };
            (None, text)
        }
    };
    let text = syn::LitStr::new(&text, span);
    let fail = quote_spanned!(span=> {
        let __rumba_failed: Option<u8> = None;
        __rumba_failed.expect(#text);
    });
    Ok(match cond {
        Some(cond) => syn::parse_quote_spanned!(span=> if !(#cond) #fail),
        // Diverges, as `!` does: the loop after the failure is never reached, and tells `types`
        // that the code after it is not either (a function may end in `unreachable!()`).
        None => syn::parse_quote_spanned!(span=> { #fail loop {} }),
    })
}

/// Tokens as `stringify!` prints an expression (`!x.is_empty()`, `a[i] > 0.0`, `f(a, b)`): a
/// space between words and around binary operators, none around `.` and `::`, after a prefix
/// operator, or before an argument list or index.
fn stringify(tokens: proc_macro2::TokenStream) -> String {
    use proc_macro2::{Delimiter, TokenTree};
    let mut out = String::new();
    // Whether the previous token ends an operand (a name, literal or group).
    let mut operand = false;
    let mut joint = false;
    for t in tokens {
        match &t {
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let tight = c == '.' || c == ':' || (!operand && !joint);
                if !tight && !joint && !out.is_empty() && c != ',' && c != ';' {
                    out.push(' ');
                }
                out.push(c);
                joint = p.spacing() == proc_macro2::Spacing::Joint;
                if !joint && !tight || c == ',' || c == ';' {
                    out.push(' ');
                }
                operand = false;
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                if operand && g.delimiter() == Delimiter::Brace {
                    out.push(' ');
                }
                out.push_str(open);
                out.push_str(stringify(g.stream()).trim_end());
                out.push_str(close);
                operand = true;
                joint = false;
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if operand {
                    out.push(' ');
                }
                out.push_str(&t.to_string());
                operand = true;
                joint = false;
            }
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::stringify;

    #[test]
    fn stringify_prints_as_rustc() {
        let s = |src: &str| stringify(src.parse().unwrap());
        assert_eq!(s("!x.is_empty()"), "!x.is_empty()");
        assert_eq!(s("x.len() <= limit"), "x.len() <= limit");
        assert_eq!(
            s("a[i] > -0.5 && f(a, b) == c.0"),
            "a[i] > -0.5 && f(a, b) == c.0"
        );
        assert_eq!(s("n % 2 == 0"), "n % 2 == 0");
        assert_eq!(s("f64::EPSILON < e"), "f64::EPSILON < e");
    }
}
