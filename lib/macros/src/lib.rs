//! `rumba::compile!`: kernel source in, Rust functions that JIT-compile it out.
//!
//! In: the tokens of one or more kernel `fn`s. The macro runs the compiler's front end on them, so
//! anything outside the kernel language is a build error pointing at the offending tokens. Out:
//! for each kernel `f`, a function `f(args..) -> Result<R, rumba::Error>` taking any
//! `rumba::IntoArg`, and a module `f` with `f::kernel()`, the kernel's handle. Each kernel embeds
//! the text of itself and the functions it calls, with its original line layout, so run-time
//! diagnostics quote the user's file and a first call parses only what it compiles.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use rumba_compiler::front::{self, FrontError};
use rumba_compiler::ir::{ExprId, ExprKind, FuncId, Function, Program, Stmt, TypeAnn};

#[proc_macro]
pub fn compile(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = TokenStream::from(input);
    let file = input
        .clone()
        .into_iter()
        .next()
        .map(|t| t.span().unwrap().file())
        .unwrap_or_default();
    let items: syn::Result<syn::File> = syn::parse2(front::desugar_params(input.clone()));
    let item_tokens = split_items(&input);
    let out = match front::lower_tokens(input) {
        Ok(program) => match items {
            Ok(items) => wrappers(&program, &items, &file, &item_tokens),
            Err(e) => e.to_compile_error(),
        },
        Err(errors) => errors.iter().map(error_tokens).collect(),
    };
    out.into()
}

fn error_tokens(e: &FrontError) -> TokenStream {
    let message = match &e.hint {
        Some(h) => format!("{}\nhelp: {h}", e.message),
        None => e.message.clone(),
    };
    if e.tokens.is_empty() {
        return syn::Error::new(Span::call_site(), message).to_compile_error();
    }
    syn::Error::new_spanned(&e.tokens, message).to_compile_error()
}

/// The kernel functions and their handles.
fn wrappers(
    program: &Program,
    file: &syn::File,
    path: &str,
    item_tokens: &[TokenStream],
) -> TokenStream {
    let mut out = TokenStream::new();
    for (item, (id, func)) in file.items.iter().zip(program.functions.iter()) {
        let syn::Item::Fn(f) = item else { continue };
        // Each kernel's module holds its own source: the text of the kernel and the functions it
        // calls, each at its place in the file (the rest of the block is left out: the first call
        // parses only what it compiles). A module cannot name an item of an enclosing function
        // body (`super::` skips it), and `compile!` may be used in one, so nothing is shared.
        let text = if item_tokens.len() == program.functions.len() {
            let mut needed = Vec::new();
            reachable(program, id, &mut needed);
            needed.sort_unstable();
            let tokens: TokenStream = needed
                .iter()
                .map(|i| item_tokens[i.index()].clone())
                .collect();
            layout(&tokens)
        } else {
            layout(&item_tokens.iter().cloned().collect())
        };
        let source = quote! {
            static SOURCE: ::rumba::Source = ::rumba::Source::new(#path, #text);
        };
        let vis = &f.vis;
        let name = &f.sig.ident;
        let name_str = name.to_string();
        let docs: Vec<&syn::Attribute> = f
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .collect();
        let params: Vec<syn::Ident> = func
            .params
            .iter()
            .map(|p| format_ident!("{}", func.local(*p).name))
            .collect();
        let returns_value = returns_value(program, func, &mut Vec::new());
        let (generics, ret, turbofish) = match func.ret_ann {
            Some(TypeAnn::Scalar(s)) => {
                let t = format_ident!("{}", s.name());
                (quote!(<'a>), quote!(#t), quote!(#t))
            }
            _ if returns_value => (quote!(<'a, R: ::rumba::FromValue>), quote!(R), quote!(R)),
            _ => (quote!(<'a>), quote!(()), quote!(())),
        };
        if func.attrs.cuda {
            // An explicit GPU kernel: launched with a configuration, never called on the CPU.
            out.extend(quote! {
                #(#docs)*
                #[allow(clippy::too_many_arguments, clippy::result_large_err)]
                #vis fn #name<'a>(launch: impl ::core::convert::Into<::rumba::cuda::LaunchConfig>, #(#params: impl ::rumba::IntoArg<'a>),*) -> ::core::result::Result<(), ::rumba::Error> {
                    #name::kernel().cuda().config(launch).call(&[#(::rumba::IntoArg::into_arg(#params)),*]).map(|_| ())
                }

                #[doc = concat!("The handle of GPU kernel `", #name_str, "`.")]
                #vis mod #name {
                    pub fn kernel() -> &'static ::rumba::Kernel {
                        static KERNEL: ::std::sync::OnceLock<::rumba::Kernel> = ::std::sync::OnceLock::new();
                        #source
                        KERNEL.get_or_init(|| ::rumba::Kernel::new(&SOURCE, #name_str))
                    }
                }
            });
            continue;
        }
        out.extend(quote! {
            #(#docs)*
            #[allow(clippy::too_many_arguments, clippy::result_large_err)]
            #vis fn #name #generics (#(#params: impl ::rumba::IntoArg<'a>),*) -> ::core::result::Result<#ret, ::rumba::Error> {
                #name::kernel().call_as::<#turbofish>(&[#(::rumba::IntoArg::into_arg(#params)),*])
            }

            #[doc = concat!("The handle of kernel `", #name_str, "`: its compiled signatures, IR and LLVM IR.")]
            #vis mod #name {
                pub fn kernel() -> &'static ::rumba::Kernel {
                    static KERNEL: ::std::sync::OnceLock<::rumba::Kernel> = ::std::sync::OnceLock::new();
                    #source
                    KERNEL.get_or_init(|| ::rumba::Kernel::new(&SOURCE, #name_str))
                }

                /// Runs the kernel on the GPU, its outermost `prange` loop spread over the grid
                /// (see `rumba::cuda`).
                #[allow(clippy::too_many_arguments, clippy::result_large_err)]
                pub fn cuda #generics (#(#params: impl ::rumba::IntoArg<'a>),*) -> ::core::result::Result<#ret, ::rumba::Error> {
                    self::kernel().cuda().call_as::<#turbofish>(&[#(::rumba::IntoArg::into_arg(#params)),*])
                }
            }
        });
    }
    out
}

/// The functions function `k` calls, directly or not, and `k` itself.
fn reachable(program: &Program, k: FuncId, out: &mut Vec<FuncId>) {
    if out.contains(&k) {
        return;
    }
    out.push(k);
    for e in program.func(k).exprs.values() {
        if let ExprKind::Call { func, .. } = e.kind {
            reachable(program, func, out);
        }
    }
}

/// The block's items, each as its own tokens: every item is a `fn` (anything else fails to
/// lower before this is used), so each ends with its body, the first brace group at the top level.
fn split_items(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut current = TokenStream::new();
    for tree in tokens.clone() {
        let ends = matches!(&tree, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace);
        current.extend(std::iter::once(tree));
        if ends {
            items.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// Whether a function returns a value: it declares a non-`()` return type, or one of its
/// `return`s (the tail expression included) gives something other than a call of a function that
/// itself returns nothing. `seen` guards against recursion (rejected later, at the first call).
fn returns_value(program: &Program, func: &Function, seen: &mut Vec<String>) -> bool {
    if let Some(ann) = func.ret_ann {
        return ann != TypeAnn::Unit;
    }
    if seen.contains(&func.name) {
        return false;
    }
    seen.push(func.name.clone());
    let mut values = Vec::new();
    returned(&func.body.stmts, &mut values);
    values.iter().any(|&v| match &func.expr(v).kind {
        ExprKind::Call { func: callee, .. } => returns_value(program, program.func(*callee), seen),
        _ => true,
    })
}

/// The expressions a block's `return`s give.
fn returned(stmts: &[Stmt], out: &mut Vec<ExprId>) {
    for s in stmts {
        match s {
            Stmt::Return { value: Some(v), .. } => out.push(*v),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                returned(&then_body.stmts, out);
                returned(&else_body.stmts, out);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => returned(&body.stmts, out),
            _ => {}
        }
    }
}

/// The tokens as text, each at its original line and column, so that line `n` of the text is
/// line `n` of the user's file.
fn layout(tokens: &TokenStream) -> String {
    let mut w = Layout {
        out: String::new(),
        line: 1,
        col: 0,
        joint: false,
    };
    w.stream(tokens);
    w.out.push('\n');
    w.out
}

struct Layout {
    out: String,
    line: usize,
    col: usize,
    /// The last token was a `Punct` joined to the next (the first `:` of `::`): nothing may come
    /// between them, even when their spans are out of order (tokens from a `macro_rules!`).
    joint: bool,
}

impl Layout {
    fn move_to(&mut self, span: Span) {
        if std::mem::take(&mut self.joint) {
            return;
        }
        let pos = span.start();
        if pos.line > self.line {
            self.out
                .extend(std::iter::repeat_n('\n', pos.line - self.line));
            self.line = pos.line;
            self.col = 0;
        }
        if pos.line == self.line && pos.column >= self.col {
            self.out
                .extend(std::iter::repeat_n(' ', pos.column - self.col));
            self.col = pos.column;
        } else if !self.out.is_empty() && !self.out.ends_with(['\n', ' ']) {
            self.out.push(' ');
            self.col += 1;
        }
    }

    fn text(&mut self, s: &str) {
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => {
                self.line += s.matches('\n').count();
                self.col = s[i + 1..].chars().count();
            }
            None => self.col += s.chars().count(),
        }
    }

    fn stream(&mut self, tokens: &TokenStream) {
        for tree in tokens.clone() {
            match &tree {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    if !open.is_empty() {
                        self.move_to(g.span_open());
                        self.text(open);
                    }
                    self.stream(&g.stream());
                    if !close.is_empty() {
                        self.move_to(g.span_close());
                        self.text(close);
                    }
                }
                other => {
                    self.move_to(other.span());
                    self.text(&other.to_string());
                    self.joint =
                        matches!(other, TokenTree::Punct(p) if p.spacing() == Spacing::Joint);
                }
            }
        }
    }
}
