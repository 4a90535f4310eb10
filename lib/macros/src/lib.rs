//! `rumba::compile!`: kernel source in, Rust functions that JIT-compile it out.
//!
//! In: the tokens of one or more kernel `fn`s. The macro runs the compiler's front end on them, so
//! anything outside the kernel language is a build error pointing at the offending tokens. Out:
//! for each kernel `f`, a function `f(args..) -> Result<R, rumba::Error>` taking any
//! `rumba::IntoArg` (an `unsafe fn` when the kernel, or a function it calls, opts out of a safety
//! check: of bounds checks with `#[rumba(unsafe(boundscheck = false))]`, the caller then vouching
//! that every index is in bounds; of the race check of `prange` with
//! `#[rumba(unsafe(unchecked_parallel))]`, the caller vouching that no two iterations touch one
//! element where one writes it), and a module `f` with `f::kernel()`, the kernel's handle. A kernel with more
//! than `MAX_ARGS` parameters is a build error. When the block has errors, the kernels are still
//! declared (bodies that never run), so that call sites add no errors of their own. Each kernel
//! embeds the text of itself, the functions it calls and the block's `const`, `static` and `use`
//! items, with its original line layout, so
//! run-time diagnostics quote the user's file and a first call parses only what it compiles.
//! Each `struct` item of the block is also emitted as a Rust type, `#[repr(C)]` (the layout
//! kernels read), implementing `IntoArg` and `FromValue`, so Rust code builds, passes and
//! receives its values; its text goes with every kernel.
//! A call of a function of another block (`physics::cnd(x)`, or `cnd(x)` after
//! `use crate::physics::cnd;`) is linked at run time: the kernel's source lists the callee's
//! `__LINK` (each kernel module has one) by the path written, so rustc checks the path, and a
//! callee without a safety check is a build error unless the kernel opts out too.

#![forbid(unsafe_code)]

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use rumba_compiler::front::{self, FrontError, MAX_ARGS};
use rumba_compiler::ir::{
    walk, ExprId, ExprKind, FuncId, Function, Program, Scalar, Stmt, TypeAnn, Untyped,
};

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
            Ok(items) => {
                let mut out = structs(&items, true);
                out.extend(wrappers(&program, &items, &file, &item_tokens));
                out
            }
            Err(e) => e.to_compile_error(),
        },
        Err(errors) => {
            // The build fails with these errors; the kernels and structs are still declared
            // (with bodies that never run), so that their uses add no second wave of errors.
            let mut out: TokenStream = errors.iter().map(error_tokens).collect();
            if let Ok(items) = items {
                out.extend(structs(&items, false));
                out.extend(stubs(&items));
            }
            out
        }
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

/// The block's `struct` items as Rust types: `#[repr(C)]` (unless the item says its own
/// `repr`), its `impl` blocks as they are, and with `impls`, the traits that pass them to kernels and take them back: the
/// runtime's `Field` (the struct's type and its fields written at `#[repr(C)]` offsets, without
/// `unsafe`), `IntoArg` and `FromValue`.
fn structs(file: &syn::File, impls: bool) -> TokenStream {
    let mut out = TokenStream::new();
    for item in &file.items {
        // Methods are Rust methods too (their bodies are ordinary Rust); those only kernels
        // call are not dead code.
        if let syn::Item::Impl(imp) = item {
            out.extend(quote!(#[allow(dead_code)] #imp));
            continue;
        }
        let syn::Item::Struct(s) = item else { continue };
        let own_repr = s.attrs.iter().find(|a| a.path().is_ident("repr"));
        let repr = own_repr.is_none().then(|| quote!(#[repr(C)]));
        // Arrays of it need `#[repr(C)]`'s layout (the front end refuses another `repr`).
        let repr_c = own_repr.is_none_or(|a| a.parse_args::<syn::Ident>().is_ok_and(|r| r == "C"));
        // A struct only the kernels make (a generator's state) is not dead code either.
        out.extend(quote!(#[allow(dead_code)] #repr #s));
        let syn::Fields::Named(fields) = &s.fields else {
            continue;
        };
        let name = &s.ident;
        let name_str = name.to_string();
        if !impls {
            // The block does not build: the traits its uses ask for, with bodies that never
            // run, so that they add no second wave of errors (a struct rustc would refuse
            // `Copy` to gets none).
            if s.generics.params.is_empty() && derives(&s.attrs, "Copy") {
                out.extend(quote! {
                    impl<'a> ::rumba::IntoArg<'a> for #name {
                        fn into_arg(self) -> ::rumba::Arg<'a> {
                            ::core::unreachable!("a block that does not build")
                        }
                    }
                    // SAFETY: never called (the block does not build).
                    unsafe impl ::rumba::ArrayElement for #name {
                        fn elem() -> ::rumba::Elem {
                            ::core::unreachable!("a block that does not build")
                        }
                    }
                    impl ::rumba::FromValue for #name {
                        const TYPE_NAME: &'static str = #name_str;
                        fn from_value(_: ::rumba::Value) -> ::core::option::Option<Self> {
                            ::core::option::Option::None
                        }
                    }
                });
            }
            continue;
        }
        let idents: Vec<&syn::Ident> = fields
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref())
            .collect();
        let names: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
        let types: Vec<&syn::Type> = fields.named.iter().map(|f| &f.ty).collect();
        let array_element = repr_c.then(|| {
            quote! {
                // SAFETY: `#[repr(C)]` (the front end refuses any other `repr`), every field an
                // `ArrayElement` (this impl does not build otherwise): the layout
                // `ArrayElement` asks for, which `struct_elem` checks against `offset_of!`.
                unsafe impl ::rumba::ArrayElement for #name {
                    fn elem() -> ::rumba::Elem {
                        static ELEM: ::std::sync::OnceLock<::rumba::Elem> = ::std::sync::OnceLock::new();
                        *ELEM.get_or_init(|| {
                            ::rumba::__private::struct_elem::<Self>(
                                &[#(<#types as ::rumba::ArrayElement>::elem()),*],
                                &[#(::core::mem::offset_of!(Self, #idents)),*],
                            )
                        })
                    }
                }
            }
        });
        out.extend(quote! {
            impl ::rumba::__private::Field for #name {
                fn field_type() -> ::rumba::Type {
                    static TYPE: ::std::sync::OnceLock<::rumba::Type> = ::std::sync::OnceLock::new();
                    *TYPE.get_or_init(|| {
                        ::rumba::__private::struct_type(#name_str, &[#((#names, <#types as ::rumba::__private::Field>::field_type())),*])
                    })
                }
                fn write(self, w: &mut ::rumba::__private::StructWriter) {
                    let start = w.begin(::core::mem::align_of::<Self>());
                    #(::rumba::__private::Field::write(self.#idents, w);)*
                    w.end(start, ::core::mem::size_of::<Self>());
                }
            }

            impl<'a> ::rumba::IntoArg<'a> for #name {
                fn into_arg(self) -> ::rumba::Arg<'a> {
                    ::rumba::__private::struct_arg(self)
                }
            }

            #array_element

            impl ::rumba::FromValue for #name {
                const TYPE_NAME: &'static str = #name_str;
                fn from_value(v: ::rumba::Value) -> ::core::option::Option<Self> {
                    let mut fields = ::rumba::__private::struct_fields(v)?;
                    ::core::option::Option::Some(#name {
                        #(#idents: ::rumba::FromValue::from_value(fields.next()?)?,)*
                    })
                }
            }
        });
    }
    out
}

/// Whether the attributes hold `#[derive(.., trait, ..)]`.
fn derives(attrs: &[syn::Attribute], r#trait: &str) -> bool {
    let mut found = false;
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|m| {
            found |= m.path.segments.last().is_some_and(|s| s.ident == r#trait);
            Ok(())
        });
    }
    found
}

/// A kernel's generated functions as seen from outside: what their signatures need.
struct Shape<'a> {
    item: &'a syn::ItemFn,
    /// The kernel's name in its source (`f`, or `f::into` beside a `vectorize` `f`).
    kernel: String,
    params: Vec<syn::Ident>,
    /// Each parameter's declared scalar type, if any: the wrappers take that type (so that
    /// `f(1000, 42)` types its literals as rustc would); any `IntoArg` otherwise.
    scalars: Vec<Option<Scalar>>,
    ret: Ret,
    /// `#[rumba(cuda)]`: launched with a configuration, never called on the CPU.
    cuda: bool,
    /// The kernel, or a function it calls, opts out of bounds checks: its wrappers are `unsafe`.
    unchecked: bool,
    /// The functions of other blocks it calls: their paths as written and as named from the
    /// kernel's module (see [`links`]).
    links: Vec<(String, TokenStream)>,
}

/// What a kernel returns.
enum Ret {
    /// A declared scalar type.
    Scalar(Scalar),
    /// A declared type made of the block's structs, scalars and tuples of them: the wrapper
    /// returns that Rust type.
    Written(TokenStream),
    /// A value whose type comes from each call: the wrapper is generic over it.
    Inferred,
    Unit,
}

/// The kernel functions and their handles.
fn wrappers(
    program: &Program,
    file: &syn::File,
    path: &str,
    item_tokens: &[TokenStream],
) -> TokenStream {
    let mut out = TokenStream::new();
    // The positions of the `fn` items among the block's items (the others are `struct`, `impl`,
    // `const`, `static` and `use` items, which every kernel's text keeps).
    let fn_items: Vec<usize> = (0..file.items.len())
        .filter(|&i| matches!(file.items[i], syn::Item::Fn(_)))
        .collect();
    let fns = file.items.iter().filter_map(|item| match item {
        syn::Item::Fn(f) => Some(f),
        _ => None,
    });
    let struct_names = struct_names(file);
    let written = front::link_paths(file);
    for (f, (id, func)) in fns.zip(program.functions.iter()) {
        // A function taking scalars or structs by `&mut` is a helper of the block's kernels
        // (compiled by value, handing them back): Rust calls the kernels, not it.
        if front::hands_back(&f.sig).is_some() {
            continue;
        }
        let reached = walk::reachable(program, id);
        let links = links(program, &reached, &written);
        // Each kernel's module holds its own source: the text of the kernel and the functions it
        // calls, each at its place in the file (the rest of the block is left out: the first call
        // parses only what it compiles). A module cannot name an item of an enclosing function
        // body (`super::` skips it), and `compile!` may be used in one, so nothing is shared.
        let text = if item_tokens.len() == file.items.len() {
            // The prelude's functions (`rng::new`) are not the block's: every program has them.
            let mut needed: Vec<usize> = reached
                .iter()
                .filter(|f| !program.func(**f).is_prelude() && program.link(**f).is_none())
                .map(|f| fn_items[f.index()])
                .collect();
            needed.extend((0..file.items.len()).filter(|i| !fn_items.contains(i)));
            needed.sort_unstable();
            let tokens: TokenStream = needed.iter().map(|&i| item_tokens[i].clone()).collect();
            layout(&tokens)
        } else {
            layout(&item_tokens.iter().cloned().collect())
        };
        let ret = match (func.ret_ann, written_ret(&f.sig.output, &struct_names)) {
            (Some(TypeAnn::Scalar(s)), _) => Ret::Scalar(s),
            (_, Some(t)) => Ret::Written(t),
            _ if returns_value(program, func, &mut Vec::new()) => Ret::Inferred,
            _ => Ret::Unit,
        };
        // A `vectorize` function takes scalars or arrays and returns what the call gives.
        let vectorize = func.attrs.vectorize.is_some();
        let ret = if vectorize { Ret::Inferred } else { ret };
        let shape = Shape {
            item: f,
            kernel: func.name.clone(),
            params: func
                .params
                .iter()
                .map(|p| format_ident!("{}", func.local(*p).name))
                .collect(),
            scalars: func
                .params
                .iter()
                .map(|p| match func.local(*p).ann {
                    TypeAnn::Scalar(s) if !vectorize => Some(s),
                    _ => None,
                })
                .collect(),
            ret,
            cuda: func.attrs.cuda,
            unchecked: program.unchecked(id),
            links,
        };
        if shape.params.len() > MAX_ARGS {
            let message = format!(
                "kernel `{}` takes {} arguments, but kernels take at most {MAX_ARGS}\nhelp: pass fewer, larger arrays",
                func.name,
                shape.params.len()
            );
            out.extend(syn::Error::new_spanned(&f.sig.inputs, message).to_compile_error());
        }
        // `f::into(.., out)`, the function the front end declares beside a `vectorize` `f`.
        let into = program
            .find(&format!("{}::into", func.name))
            .filter(|_| vectorize);
        let inner = match into {
            Some(into) => {
                let into = program.func(into);
                let params: Vec<syn::Ident> = into
                    .params
                    .iter()
                    .map(|p| format_ident!("{}", into.local(*p).name))
                    .collect();
                let item: syn::ItemFn = syn::parse_quote! {
                    #[doc = "Applies the `vectorize` function to each element of the arguments' co-broadcast, writing into `out` (the last argument, of the broadcast shape)."]
                    pub fn into() {}
                };
                let shape = Shape {
                    item: &item,
                    kernel: into.name.clone(),
                    scalars: vec![None; params.len()],
                    params,
                    ret: Ret::Unit,
                    cuda: false,
                    unchecked: shape.unchecked,
                    // `f::into`'s module is one level further down.
                    links: shape
                        .links
                        .iter()
                        .map(|(p, t)| match p.starts_with("crate::") {
                            true => (p.clone(), t.clone()),
                            false => (p.clone(), quote!(super::#t)),
                        })
                        .collect(),
                };
                kernel_items(&shape, Some((path, &text)), TokenStream::new())
            }
            None => TokenStream::new(),
        };
        out.extend(kernel_items(&shape, Some((path, &text)), inner));
    }
    out
}

/// The functions of other blocks among `reached` (a kernel's reach): each link's path, and the
/// path of its generated `__LINK` item as seen from the kernel's module (one level below the
/// block: `physics::cnd` is `super::physics::cnd::__LINK`, `crate::..` stays), made of the tokens
/// written where they are known, so that rustc's error for a path that is no function of a
/// `compile!` block points at the kernel's code.
fn links(
    program: &Program,
    reached: &[FuncId],
    written: &[(String, TokenStream)],
) -> Vec<(String, TokenStream)> {
    let mut out = Vec::new();
    for link in reached.iter().filter_map(|f| program.link(*f)) {
        let segments: Vec<&str> = link.path.split("::").collect();
        let tokens = written
            .iter()
            .find(|(p, _)| *p == link.path)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let idents: Vec<syn::Ident> = tokens
            .into_iter()
            .filter_map(|t| match t {
                TokenTree::Ident(i) => Some(i),
                _ => None,
            })
            .collect();
        let span = idents.last().map_or_else(Span::call_site, |i| i.span());
        let mut idents = match idents
            .iter()
            .map(|i| i.to_string())
            .eq(segments.iter().map(|s| s.to_string()))
        {
            true => idents,
            false => segments.iter().map(|s| syn::Ident::new(s, span)).collect(),
        };
        match segments[0] {
            "crate" => {}
            "self" => idents[0] = syn::Ident::new("super", idents[0].span()),
            _ => idents.insert(0, syn::Ident::new("super", span)),
        }
        let item = syn::Ident::new("__LINK", span);
        out.push((link.path.clone(), quote!(#(#idents)::*::#item)));
    }
    out
}

/// The names of the block's `struct` items.
fn struct_names(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The kernels of a block that failed to lower, declared with bodies that never run (see
/// [`compile`]): the signatures as [`wrappers`] would make them, read from the syntax alone.
fn stubs(file: &syn::File) -> TokenStream {
    let mut out = TokenStream::new();
    let struct_names = struct_names(file);
    let mut seen = Vec::new();
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        if seen.contains(&&f.sig.ident) || front::hands_back(&f.sig).is_some() {
            continue;
        }
        seen.push(&f.sig.ident);
        let attrs = front::kernel_attrs(&f.attrs).unwrap_or_default();
        // Parameters by position (their names may be what the error is about).
        let params: Vec<syn::Ident> = f
            .sig
            .inputs
            .iter()
            .filter(|arg| matches!(arg, syn::FnArg::Typed(_)))
            .enumerate()
            .map(|(i, _)| format_ident!("arg{i}"))
            .collect();
        let shape = Shape {
            item: f,
            kernel: f.sig.ident.to_string(),
            scalars: vec![None; params.len()],
            params,
            ret: syntactic_ret(f, &struct_names),
            cuda: attrs.cuda,
            unchecked: attrs.unchecked(),
            links: Vec::new(),
        };
        out.extend(kernel_items(&shape, None, TokenStream::new()));
    }
    out
}

/// The Rust type of a scalar in a wrapper's signature (`f64`, `::rumba::num_complex::Complex64`).
fn rust_type(s: Scalar) -> TokenStream {
    match s {
        Scalar::C32 => quote!(::rumba::num_complex::Complex32),
        Scalar::C64 => quote!(::rumba::num_complex::Complex64),
        s => {
            let t = format_ident!("{}", s.name());
            quote!(#t)
        }
    }
}

/// A declared return type made of the block's structs (`structs`), scalars, owned arrays of a
/// written element type and dimension (`Array2<f64>`, `Vec<f64>`), `Option`s and tuples of
/// them, as the wrapper's Rust type; `None` for any other (or no) type.
fn written_ret(output: &syn::ReturnType, structs: &[String]) -> Option<TokenStream> {
    fn written(ty: &syn::Type, structs: &[String]) -> Option<TokenStream> {
        match ty {
            syn::Type::Paren(p) => written(&p.elem, structs),
            syn::Type::Tuple(t) if t.elems.len() > 1 => {
                let elems = t
                    .elems
                    .iter()
                    .map(|e| written(e, structs))
                    .collect::<Option<Vec<_>>>()?;
                Some(quote!((#(#elems),*)))
            }
            syn::Type::Path(p)
                if p.qself.is_none()
                    && p.path.segments.len() == 1
                    && p.path.segments[0].ident == "Option" =>
            {
                let syn::PathArguments::AngleBracketed(args) = &p.path.segments[0].arguments else {
                    return None;
                };
                let [syn::GenericArgument::Type(inner)] = &args.args.iter().collect::<Vec<_>>()[..]
                else {
                    return None;
                };
                let t = written(inner, structs)?;
                Some(quote!(::core::option::Option<#t>))
            }
            syn::Type::Path(p) if p.qself.is_none() => {
                let ident = p.path.get_ident();
                if let Some(ident) = ident.filter(|i| structs.contains(&i.to_string())) {
                    return Some(quote!(#ident));
                }
                if let Some(t) = struct_array(p, structs) {
                    return Some(t);
                }
                match front::type_ann(ty).ok()? {
                    TypeAnn::Scalar(s) => Some(rust_type(s)),
                    TypeAnn::Array {
                        elem: Some(s),
                        ndim: Some(n),
                        owned: true,
                        ..
                    } => {
                        let (elem, dim) = (rust_type(s), format_ident!("Ix{n}"));
                        let vec = p.path.segments.last().is_some_and(|l| l.ident == "Vec");
                        Some(match vec {
                            true => quote!(::std::vec::Vec<#elem>),
                            false => quote!(::rumba::ndarray::Array<#elem, ::rumba::ndarray::#dim>),
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    written(ty, structs)
}

/// `Array2<Particle>` or `Vec<Particle>`, an owned array of a struct of the block, as the Rust
/// type.
fn struct_array(p: &syn::TypePath, structs: &[String]) -> Option<TokenStream> {
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let [syn::GenericArgument::Type(syn::Type::Path(elem))] =
        &args.args.iter().collect::<Vec<_>>()[..]
    else {
        return None;
    };
    let elem = elem
        .path
        .get_ident()
        .filter(|i| structs.contains(&i.to_string()))?;
    let name = last.ident.to_string();
    if name == "Vec" {
        return Some(quote!(::std::vec::Vec<#elem>));
    }
    let n: u8 = name
        .strip_prefix("Array")?
        .parse()
        .ok()
        .filter(|n| (1..=6).contains(n))?;
    let dim = format_ident!("Ix{n}");
    Some(quote!(::rumba::ndarray::Array<#elem, ::rumba::ndarray::#dim>))
}

/// What a function returns, judged from its syntax: the declared type, or whether the body ends
/// in a value.
fn syntactic_ret(f: &syn::ItemFn, structs: &[String]) -> Ret {
    if let syn::ReturnType::Type(_, ty) = &f.sig.output {
        let scalar = match &**ty {
            syn::Type::Path(p) => Scalar::ALL.into_iter().find(|s| p.path.is_ident(s.name())),
            _ => None,
        };
        if let Some(s) = scalar {
            return Ret::Scalar(s);
        }
        if let Some(t) = written_ret(&f.sig.output, structs) {
            return Ret::Written(t);
        }
    }
    match &f.sig.output {
        syn::ReturnType::Type(_, ty) => match &**ty {
            syn::Type::Tuple(t) if t.elems.is_empty() => Ret::Unit,
            _ => Ret::Inferred,
        },
        syn::ReturnType::Default => match f.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => match e {
                syn::Expr::ForLoop(_)
                | syn::Expr::While(_)
                | syn::Expr::Loop(_)
                | syn::Expr::Assign(_)
                | syn::Expr::If(syn::ExprIf {
                    else_branch: None, ..
                }) => Ret::Unit,
                _ => Ret::Inferred,
            },
            _ => Ret::Unit,
        },
    }
}

/// A kernel's wrapper and its module: `f(args..)` and `f::kernel()` (and `f::cuda(args..)` for a
/// kernel that also runs on the CPU). With `source` (the block's path and the kernel's text) they
/// call the kernel; without, they are declarations whose bodies never run (see [`stubs`]).
fn kernel_items(k: &Shape, source: Option<(&str, &String)>, inner: TokenStream) -> TokenStream {
    let f = k.item;
    let vis = &f.vis;
    let name = &f.sig.ident;
    let name_str = &k.kernel;
    let params = &k.params;
    let types: Vec<TokenStream> = k
        .scalars
        .iter()
        .map(|s| match s {
            Some(s) => rust_type(*s),
            None => quote!(impl ::rumba::IntoArg<'a>),
        })
        .collect();
    // The arguments' lifetime, when a parameter borrows (an `IntoArg`).
    let lt = k.scalars.iter().any(Option::is_none).then(|| quote!('a));
    let docs: Vec<&syn::Attribute> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let (generics, ret, turbofish) = match &k.ret {
        Ret::Scalar(s) => {
            let t = rust_type(*s);
            (quote!(<#lt>), t.clone(), t)
        }
        Ret::Written(t) => (quote!(<#lt>), t.clone(), t.clone()),
        Ret::Inferred => {
            let params = lt.iter().cloned().chain([quote!(R: ::rumba::FromValue)]);
            (quote!(<#(#params),*>), quote!(R), quote!(R))
        }
        Ret::Unit => (quote!(<#lt>), quote!(()), quote!(())),
    };
    // The module of `f::cuda` cannot name the block's structs (the block may be in a function
    // body, whose items `super::` does not reach): there the result type is generic.
    let (gpu_generics, gpu_ret, gpu_turbofish) = match &k.ret {
        Ret::Written(_) => {
            let params = lt.iter().cloned().chain([quote!(R: ::rumba::FromValue)]);
            (quote!(<#(#params),*>), quote!(R), quote!(R))
        }
        _ => (generics.clone(), ret.clone(), turbofish.clone()),
    };
    let args = quote!(&[#(::rumba::IntoArg::into_arg(#params)),*]);
    // A kernel without bounds checks is called through `unsafe` wrappers, whose contract the
    // caller takes on.
    let (unsafety, safety_doc, call, call_as) = if k.unchecked {
        let doc = quote! {
            #[doc = ""]
            #[doc = "# Safety"]
            #[doc = ""]
            #[doc = "Compiled without a safety check, on this kernel or a function it calls. Without bounds"]
            #[doc = "checks (`#[rumba(unsafe(boundscheck = false))]`), every index used there must be in bounds"]
            #[doc = "for the arguments of the call: one out of bounds reads or writes outside the arrays. Without"]
            #[doc = "the race check of `prange` (`#[rumba(unsafe(unchecked_parallel))]`), no two iterations of a"]
            #[doc = "parallel loop may touch one array element where one of them writes it: that is a data race."]
            #[doc = "Either is undefined behaviour."]
        };
        (
            quote!(unsafe),
            doc,
            quote!(call_unchecked),
            quote!(call_as_unchecked),
        )
    } else {
        (quote!(), quote!(), quote!(call), quote!(call_as))
    };
    // The body of a generated function: the call (in an `unsafe` block for a kernel without
    // checks), or, for a block that failed to build, nothing that runs.
    let body = |call: TokenStream| match (source, k.unchecked) {
        (None, _) => quote!(::core::unreachable!(
            "this `compile!` block failed to build"
        )),
        (Some(_), true) => quote! {
            // SAFETY: the caller's contract (see `# Safety`).
            unsafe { #call }
        },
        (Some(_), false) => call,
    };
    let stub_allow = match source {
        Some(_) => quote!(),
        None => quote!(#[allow(unused_variables)]),
    };
    let handle_body = match source {
        Some(_) => quote! {
            static KERNEL: ::std::sync::OnceLock<::rumba::Kernel> = ::std::sync::OnceLock::new();
            KERNEL.get_or_init(|| ::rumba::__private::kernel(&SOURCE, #name_str))
        },
        None => quote!(::core::unreachable!(
            "this `compile!` block failed to build"
        )),
    };
    // The kernel's source (with the functions of other blocks it calls) and, for kernels of
    // other blocks to call it, `__LINK`.
    let statics = source.map(|(path, text)| {
        let unchecked = k.unchecked;
        let link_paths = k.links.iter().map(|(p, _)| p);
        let link_items: Vec<&TokenStream> = k.links.iter().map(|(_, t)| t).collect();
        // A safe kernel cannot call one without a safety check: its wrapper would not be `unsafe`.
        let checks = (!k.unchecked).then(|| {
            let message = k.links.iter().map(|(p, _)| format!(
                "kernel `{name_str}` calls `{p}`, which opts out of a safety check (`#[rumba(unsafe(..))]`); opt `{name_str}` out too (its wrapper is then `unsafe`), or define both in one compile! block"
            ));
            let spans = link_items.iter().map(|t| (*t).clone().into_iter().last().map_or_else(Span::call_site, |t| t.span()));
            let checks = link_items.iter().zip(message).zip(spans).map(|((item, message), span)| {
                quote::quote_spanned!(span=> const _: () = ::core::assert!(!#item.unchecked(), #message);)
            });
            quote!(#(#checks)*)
        });
        quote! {
            static SOURCE: ::rumba::__private::Source = ::rumba::__private::Source::linking(
                #path,
                ::core::module_path!(),
                #text,
                &[#(::rumba::__private::Link::new(#link_paths, &#link_items)),*],
            );
            #[doc(hidden)]
            pub static __LINK: ::rumba::__private::Callee = ::rumba::__private::Callee::new(&SOURCE, #name_str, #unchecked);
            #checks
        }
    });
    if k.cuda {
        // An explicit GPU kernel: launched with a configuration, never called on the CPU.
        let launch = body(quote!(#name::kernel().cuda().config(launch).#call(#args).map(|_| ())));
        return quote! {
            #(#docs)*
            #safety_doc
            #[allow(clippy::too_many_arguments)]
            #stub_allow
            #vis #unsafety fn #name<#lt>(launch: impl ::core::convert::Into<::rumba::cuda::LaunchConfig>, #(#params: #types),*) -> ::core::result::Result<(), ::rumba::Error> {
                #launch
            }

            #[doc = concat!("The handle of GPU kernel `", #name_str, "`.")]
            #vis mod #name {
                #statics

                pub fn kernel() -> &'static ::rumba::Kernel {
                    #handle_body
                }
            }
        };
    }
    let cpu = body(quote!(#name::kernel().#call_as::<#turbofish>(#args)));
    let gpu = body(quote!(self::kernel().cuda().#call_as::<#gpu_turbofish>(#args)));
    quote! {
        #(#docs)*
        #safety_doc
        #[allow(clippy::too_many_arguments)]
        #stub_allow
        #vis #unsafety fn #name #generics (#(#params: #types),*) -> ::core::result::Result<#ret, ::rumba::Error> {
            #cpu
        }

        #[doc = concat!("The handle of kernel `", #name_str, "`: its compiled signatures, IR and LLVM IR.")]
        #vis mod #name {
            #statics

            pub fn kernel() -> &'static ::rumba::Kernel {
                #handle_body
            }

            /// Runs the kernel on the GPU, its outermost `prange` loop spread over the grid
            /// (see `rumba::cuda`).
            #safety_doc
            #[allow(clippy::too_many_arguments)]
            #stub_allow
            pub #unsafety fn cuda #gpu_generics (#(#params: #types),*) -> ::core::result::Result<#gpu_ret, ::rumba::Error> {
                #gpu
            }

            #inner
        }
    }
}

/// The block's items, each as its own tokens: every item is a `fn`, `struct` (with named
/// fields), `impl`, `const`, `static` or `use` (anything else fails to lower before this is
/// used), so a `fn`, `struct` or `impl` ends with its first brace group at the top level after
/// the keyword, and the others with a `;` at the top level.
fn split_items(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut current = TokenStream::new();
    let mut braced = false;
    for tree in tokens.clone() {
        braced |= matches!(&tree, TokenTree::Ident(i) if i == "fn" || i == "struct" || i == "impl");
        let ends = match &tree {
            TokenTree::Group(g) => braced && g.delimiter() == Delimiter::Brace,
            TokenTree::Punct(p) => !braced && p.as_char() == ';',
            _ => false,
        };
        current.extend(std::iter::once(tree));
        if ends {
            items.push(std::mem::take(&mut current));
            braced = false;
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// Whether a function returns a value: it declares a non-`()` return type, or one of its
/// `return`s (the tail expression included) gives something other than a call of a function that
/// itself returns nothing. `seen` stops at recursion (a recursive call is read as `()` here).
fn returns_value(program: &Program, func: &Function<Untyped>, seen: &mut Vec<String>) -> bool {
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
        // What a function of another block returns is not known here: a value, maybe `()`.
        ExprKind::Call { func: callee, .. } if program.link(*callee).is_some() => true,
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
