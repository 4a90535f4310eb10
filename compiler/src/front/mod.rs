//! The front end: kernel source -> loop IR.
//!
//! In: the tokens of a `compile!` block (in the proc macro) or its text (at run time, when a
//! kernel is first specialized). Out: an untyped [`ir::Program`], or [`FrontError`]s that point at
//! the offending tokens. Everything that can be rejected from syntax alone is rejected here, so the
//! proc macro reports it at build time.

mod attrs;
mod desugar;
mod init;
mod lower;
mod names;
mod prelude;

pub use prelude::with_complex;

pub use attrs::kernel_attrs;
pub use lower::{hands_back, link_paths};
pub use names::type_ann;

use crate::ir;
use crate::span::Span;
use proc_macro2::TokenStream;
use quote::ToTokens;

/// A syntax-level error: what is wrong, a one-line hint of what is supported instead, and where.
#[derive(Clone, Debug)]
pub struct FrontError {
    pub message: String,
    pub hint: Option<String>,
    pub span: Span,
    /// The offending tokens, so the proc macro can point rustc's caret at them.
    pub tokens: TokenStream,
}

impl FrontError {
    pub fn new(node: &impl ToTokens, message: impl Into<String>) -> FrontError {
        let tokens = node.to_token_stream();
        FrontError {
            message: message.into(),
            hint: None,
            span: span_of_tokens(&tokens),
            tokens,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> FrontError {
        self.hint = Some(hint.into());
        self
    }
}

/// The span from the first to the last token (stable `Span::join` is not available in proc macros).
fn span_of_tokens(tokens: &TokenStream) -> Span {
    let mut iter = tokens.clone().into_iter();
    let Some(first) = iter.next() else {
        return Span::default();
    };
    let last = iter.last().unwrap_or_else(|| first.clone());
    Span::from_pm2(first.span()).to(Span::from_pm2(last.span()))
}

/// The tokens with bare parameters (`fn f(a, x)`) given the type `_`, ready for `syn`.
pub fn desugar_params(tokens: TokenStream) -> TokenStream {
    desugar::bare_params(tokens)
}

/// The most arguments a kernel may take (the runtime's call signature holds this many): `compile!`
/// rejects a kernel with more parameters at build time.
pub const MAX_ARGS: usize = 16;

/// The most brackets (`()`, `[]`, `{}`) a kernel may nest, like rustc's default recursion limit.
/// Deeper code would exhaust the parser's stack; no kernel needs it.
pub const MAX_NESTING: usize = 128;

/// Rejects tokens nested more than [`MAX_NESTING`] brackets deep (walked without recursion).
fn check_nesting(tokens: &TokenStream) -> Result<(), FrontError> {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(proc_macro2::TokenTree::Group(g)) => {
                if stack.len() > MAX_NESTING {
                    return Err(FrontError {
                        message: format!("brackets nested more than {MAX_NESTING} levels deep"),
                        hint: Some("move the inner part into a helper function".into()),
                        span: Span::from_pm2(g.span_open()),
                        tokens: proc_macro2::TokenTree::Group(g).into(),
                    });
                }
                stack.push(g.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Lowers the tokens of a `compile!` block.
pub fn lower_tokens(tokens: TokenStream) -> Result<ir::Program, Vec<FrontError>> {
    check_nesting(&tokens).map_err(|e| vec![e])?;
    let tokens = desugar::bare_params(tokens);
    let (rng, complex) = (prelude::names_rng(&tokens), prelude::names_complex(&tokens));
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        vec![FrontError {
            message: e.to_string(),
            hint: None,
            span: Span::from_pm2(e.span()),
            tokens: e.to_compile_error(),
        }]
    })?;
    let mut program = lower::lower_file(&file, rng)?;
    program.names_complex = complex;
    Ok(program)
}

/// Lowers kernel source text (the run-time path and the fuzzer's entry point).
///
/// `syn` parses by recursive descent, and some constructs nest without brackets (`&&&&T`,
/// `<<<T as A>::B as C>::D`, `if .. else if ..`), so no bracket limit bounds its depth. But each
/// level consumes at least one token, so parsing and lowering run with [`STACK_PER_TOKEN`] bytes
/// of stack per token left (and at least [`MIN_STACK`]), on a stack that `stacker` allocates when
/// the caller's has less (on the same thread: no thread is started): no input can exhaust it.
pub fn lower_source(text: &str) -> Result<ir::Program, Vec<FrontError>> {
    let tokens = tokenize(text)?;
    let size = count_tokens(&tokens)
        .saturating_mul(STACK_PER_TOKEN)
        .max(MIN_STACK);
    stacker::maybe_grow(size, size, || lower_tokens(tokens))
}

/// Stack per token for [`lower_source`]: a generous bound on what one level of `syn`'s recursion
/// and of the lowering takes (a few KiB in optimized builds).
const STACK_PER_TOKEN: usize = 32 << 10;

/// The least stack [`lower_source`] runs on: a main thread's.
const MIN_STACK: usize = 8 << 20;

fn tokenize(text: &str) -> Result<TokenStream, Vec<FrontError>> {
    text.parse().map_err(|e: proc_macro2::LexError| {
        vec![FrontError {
            message: format!("cannot tokenize the kernel source: {e}"),
            hint: None,
            span: Span::from_pm2(e.span()),
            tokens: TokenStream::new(),
        }]
    })
}

/// The number of tokens, brackets included, counted without recursion.
fn count_tokens(tokens: &TokenStream) -> usize {
    let mut count = 0;
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(proc_macro2::TokenTree::Group(g)) => {
                count += 2;
                stack.push(g.stream().into_iter());
            }
            Some(_) => count += 1,
            None => {
                stack.pop();
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    /// Syntax nested without brackets, far deeper than a 2 MiB stack lets `syn` recurse, lowers
    /// (to an error) on such a thread: `lower_source` grows the stack.
    #[test]
    fn deep_syntax_lowers_on_a_small_stack() {
        let text = format!("fn f(x: {}f64) {{}}", "&".repeat(8000));
        let lowered = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || super::lower_source(&text).map(|_| ()).map_err(|e| e.len()))
            .expect("thread")
            .join();
        assert!(matches!(lowered, Ok(Err(_))), "{lowered:?}");
    }
}
