//! Parameters taken by `&mut` reference that are not arrays: `&mut self` of a struct's method,
//! `p: &mut Particle` and `x: &mut f64` of a function of the block. Kernels compile such a
//! function by value, handing each of those parameters back before its result, and each call
//! assigns them back to the places it passed.
//!
//! In: `syn` functions and their calls. Out: the same syntax rewritten (no IR of its own):
//! ```text
//! fn step(&mut self, dt: f64) -> R { .. }    =>  fn step(mut self, dt: f64) -> (Self, R) { .. }
//! fn kick(p: &mut P, q: &mut f64)            =>  fn kick(mut p: P, mut q: f64) -> (P, f64)
//! ps[k + 1].step(dt)                         =>  { let at = k + 1; let u = ps[at].step'(dt);
//!                                                  ps[at] = u.0; u.1 }
//! kick(&mut a, &mut b[i])                    =>  { let u = kick'(a, b[i]);
//!                                                  a = u.0; b[i] = u.1; }
//! ```
//! (`step'`, `kick'`: the name with [`HANDED_BACK`] before it, which lowers as the plain call).
//! In the body each `return e` and the tail hand the parameters back with the result, `*q`
//! reads and writes `q` itself, and passing a parameter on (`g(q)`) passes `&mut q`. A call
//! evaluates its places' indices once, before its arguments, as Rust takes the references
//! first (an index that is a literal, or a variable no other argument names, is used as
//! written: the loop passes then see `b[i]` at the loop's counter); the arguments read the
//! values as they were (a two-phase borrow reads `p.v` in
//! `p.step(p.v)` before the call). The place may be a variable, a field, an element of an
//! array, slice or growable vector (rewritten before `growable`, which then sees it read and
//! assigned), an element reference of a walk (`for p in ps.iter_mut() { p.step(dt) }`,
//! written through), or, for a method, a value (`Rng::new(7).next()`, the call on a variable
//! holding it, as Rust's on a temporary). Calls of methods on a variable are rewritten while
//! lowering ([`FnLowerer::mutating_call`]), which knows which variables are element references.

use super::syntax::strip_parens;
use super::*;
use proc_macro2::TokenStream;
use quote::ToTokens;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// The prefix of the function or method name of a rewritten call's call, which is lowered as the
/// plain call of the function named by the rest.
pub(super) const HANDED_BACK: &str = "__rumba_handed_back_";

/// A function of the block that hands back some of its parameters ([`by_value`]).
#[derive(Clone, Debug)]
pub struct HandBack {
    /// Per parameter: whether it is taken by `&mut` and handed back.
    pub by_ref: Vec<bool>,
    /// Whether the function returns a value.
    pub value: bool,
}

/// Whether a function with signature `sig` returns a value (not `()`).
pub(super) fn returns_value(sig: &syn::Signature) -> bool {
    match &sig.output {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, t) => !matches!(&**t, syn::Type::Tuple(t) if t.elems.is_empty()),
    }
}

/// The type a `&mut` parameter of `input` refers to when it is not an array (`&mut f64`,
/// `&mut Particle`; not `&mut [f64]`, `&mut Array1<f64>`), with its name.
fn by_ref_param(input: &syn::FnArg) -> Option<(&syn::Ident, &syn::Type)> {
    let syn::FnArg::Typed(pt) = input else {
        return None;
    };
    let syn::Type::Reference(r) = &*pt.ty else {
        return None;
    };
    let syn::Pat::Ident(pi) = &*pt.pat else {
        return None;
    };
    let array = match &*r.elem {
        syn::Type::Slice(_) | syn::Type::Array(_) => true,
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.starts_with("Array") || name == "Vec"
        }),
        _ => true,
    };
    (r.mutability.is_some() && !array).then_some((&pi.ident, &*r.elem))
}

/// How a function of the block with signature `sig` hands back parameters, if it takes any
/// scalar or struct by `&mut` (its `compile!` wrapper is then left out: it is a helper of the
/// block's kernels, whose results Rust cannot take).
pub fn hands_back(sig: &syn::Signature) -> Option<HandBack> {
    let by_ref: Vec<bool> = sig
        .inputs
        .iter()
        .map(|i| by_ref_param(i).is_some())
        .collect();
    by_ref.contains(&true).then(|| HandBack {
        by_ref,
        value: returns_value(sig),
    })
}

/// Whether `f` takes `&mut self`.
pub(super) fn mutating(sig: &syn::Signature) -> bool {
    matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(r))
        if r.reference.is_some() && r.mutability.is_some())
}

/// `f`, a `&mut self` method or a function that [`hands_back`], compiled by value (module doc);
/// `fns`: the block's functions that hand back, for the parameters passed on to them.
pub(super) fn by_value(mut f: syn::ItemFn, fns: &HashMap<String, HandBack>) -> syn::ItemFn {
    let value = returns_value(&f.sig);
    // A method hands back its receiver only (its other `&mut` parameters stay refused).
    let method = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    let mut handed: Vec<syn::Ident> = Vec::new();
    let mut types: Vec<syn::Type> = Vec::new();
    for input in f.sig.inputs.iter_mut() {
        if let syn::FnArg::Receiver(r) = input {
            if r.reference.is_some() && r.mutability.is_some() {
                *input = syn::parse_quote!(mut self);
                handed.push(syn::Ident::new("self", proc_macro2::Span::call_site()));
                types.push(syn::parse_quote!(Self));
            }
            continue;
        }
        if method {
            continue;
        }
        if let Some((name, ty)) = by_ref_param(input).map(|(n, t)| (n.clone(), t.clone())) {
            *input = syn::parse_quote!(mut #name: #ty);
            handed.push(name);
            types.push(ty);
        }
    }
    let mut rewrite = Body {
        handed: &handed,
        value,
        fns,
        in_closure: false,
    };
    rewrite.visit_block_mut(&mut f.block);
    if let syn::ReturnType::Type(_, t) = &f.sig.output {
        if value {
            types.push((**t).clone());
        }
    }
    f.sig.output = match types.as_slice() {
        [one] => syn::parse_quote!(-> #one),
        all => syn::parse_quote!(-> (#(#all),*)),
    };
    if value {
        // The tail's value, computed before the parameters are read (it may change them); a
        // `loop` tail returns (a body without a tail ends in a `return`).
        if let Some(syn::Stmt::Expr(tail, None)) = f.block.stmts.last_mut() {
            if !matches!(tail, syn::Expr::Loop(_)) {
                let back = hand(&handed, Some(syn::parse_quote!(__rumba_result)));
                *tail = syn::parse_quote!({
                    let __rumba_result = #tail;
                    #back
                });
            }
        }
    } else {
        let body = &f.block;
        let back = hand(&handed, None);
        f.block = Box::new(syn::parse_quote!({
            #body;
            #back
        }));
    }
    f
}

/// The value a function compiled by value returns: the parameters `handed` back, then its
/// `result`; one of them alone, or a tuple.
fn hand(handed: &[syn::Ident], result: Option<syn::Expr>) -> syn::Expr {
    let mut all: Vec<syn::Expr> = handed.iter().map(|p| syn::parse_quote!(#p)).collect();
    all.extend(result);
    match all.as_slice() {
        [one] => one.clone(),
        all => syn::parse_quote!((#(#all),*)),
    }
}

/// Rewrites the body of a function compiled by value ([`by_value`]): its `return`s (not those
/// of the closures and items inside it, which return from those), `*q` of a parameter handed
/// back, and such a parameter passed on to another function that hands back (or to
/// `std::mem::swap`).
struct Body<'a> {
    handed: &'a [syn::Ident],
    value: bool,
    fns: &'a HashMap<String, HandBack>,
    /// Inside a closure, whose `return`s are its own.
    in_closure: bool,
}

impl Body<'_> {
    /// Whether `e` is one of the parameters handed back, other than `self`.
    fn is_handed(&self, e: &syn::Expr) -> bool {
        matches!(strip_parens(e), syn::Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| i != "self" && self.handed.contains(i)))
    }
}

impl VisitMut for Body<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::Unary(u)
                if matches!(u.op, syn::UnOp::Deref(_)) && self.is_handed(&u.expr) =>
            {
                *e = (*u.expr).clone();
            }
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else { return };
                let swap = [true, true];
                let callee = p
                    .path
                    .get_ident()
                    .and_then(|i| self.fns.get(&i.to_string()));
                let names = super::syntax::path_names(&p.path);
                let by_ref: &[bool] = match callee {
                    Some(callee) => &callee.by_ref,
                    // `std::mem::swap(a, b)` of two parameters.
                    None if names.ends_with(&["mem".into(), "swap".into()]) => &swap,
                    None => return,
                };
                for (arg, &by_ref) in c.args.iter_mut().zip(by_ref) {
                    if by_ref && self.is_handed(arg) {
                        *arg = syn::parse_quote!(&mut #arg);
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_expr_return_mut(&mut self, r: &mut syn::ExprReturn) {
        syn::visit_mut::visit_expr_return_mut(self, r);
        if self.in_closure {
            return;
        }
        let new = match (r.expr.take(), self.value) {
            (Some(e), true) => hand(self.handed, Some(*e)),
            (Some(e), false) => {
                let back = hand(self.handed, None);
                syn::parse_quote!({ #e; #back })
            }
            (None, _) => hand(self.handed, None),
        };
        r.expr = Some(Box::new(new));
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        // A closure's `*q` is the function's `q`; its `return`s are its own.
        let outer = std::mem::replace(&mut self.in_closure, true);
        self.visit_expr_mut(&mut c.body);
        self.in_closure = outer;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `{ lets; let u = call; places[0] = u.0; ..; u.n }` (`{ lets; place = call; }` for one place
/// and no result).
fn write_back(lets: &[syn::Stmt], call: syn::Expr, places: &[syn::Expr], value: bool) -> syn::Expr {
    if let ([place], false) = (places, value) {
        return syn::parse_quote!({
            #(#lets)*
            #place = #call;
        });
    }
    let writes = places.iter().enumerate().map(|(k, place)| {
        let k = syn::Index::from(k);
        quote::quote!(#place = __rumba_updated.#k;)
    });
    let result = value.then(|| {
        let k = syn::Index::from(places.len());
        quote::quote!(__rumba_updated.#k)
    });
    syn::parse_quote!({
        #(#lets)*
        let __rumba_updated = #call;
        #(#writes)*
        #result
    })
}

/// `{ lets; let u = read.m'(args); write = u.0; u.1 }`: a method call handing `write` back.
fn method_write_back(
    lets: &[syn::Stmt],
    read: &syn::Expr,
    write: &syn::Expr,
    mc: &syn::ExprMethodCall,
    value: bool,
) -> syn::Expr {
    let method = quote::format_ident!("{HANDED_BACK}{}", mc.method, span = mc.method.span());
    let args = &mc.args;
    write_back(
        lets,
        syn::parse_quote!(#read.#method(#args)),
        std::slice::from_ref(write),
        value,
    )
}

/// `block` with the calls that hand back rewritten (module doc), or `None` when there is none:
/// of the `&mut self` methods `methods` (by name, whether each returns a value) on a receiver
/// other than a variable, and of the functions `fns`. Runs before a growable vector's rewrite.
pub(super) fn calls(
    block: &syn::Block,
    methods: &HashMap<String, bool>,
    fns: &HashMap<String, HandBack>,
) -> Option<syn::Block> {
    if methods.is_empty() && fns.is_empty() {
        return None;
    }
    let mut calls = Calls {
        methods,
        fns,
        changed: false,
    };
    let mut block = block.clone();
    calls.visit_block_mut(&mut block);
    calls.changed.then_some(block)
}

struct Calls<'a> {
    methods: &'a HashMap<String, bool>,
    fns: &'a HashMap<String, HandBack>,
    changed: bool,
}

impl Calls<'_> {
    fn method_call(&mut self, mc: &syn::ExprMethodCall) -> Option<syn::Expr> {
        let &value = self.methods.get(&mc.method.to_string())?;
        if mc.args.iter().any(|a| matches!(a, syn::Expr::Reference(_))) {
            return None;
        }
        let receiver = strip_parens(&mc.receiver);
        if matches!(receiver, syn::Expr::Path(p) if p.path.get_ident().is_some()) {
            return None;
        }
        let mut lets = Vec::new();
        Some(
            match bind_indices(receiver, &mc.args.to_token_stream(), &mut lets) {
                Some(place) => method_write_back(&lets, &place, &place, mc, value),
                None => {
                    let (method, args) = (&mc.method, &mc.args);
                    syn::parse_quote!({
                        let mut __rumba_receiver = #receiver;
                        __rumba_receiver.#method(#args)
                    })
                }
            },
        )
    }

    fn call(&mut self, c: &syn::ExprCall) -> Option<syn::Expr> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let name = p.path.get_ident()?;
        let callee = self.fns.get(&name.to_string())?;
        if callee.by_ref.len() != c.args.len() {
            return None;
        }
        let (mut lets, mut places) = (Vec::new(), Vec::new());
        let mut args: Vec<syn::Expr> = Vec::new();
        for (k, (arg, &by_ref)) in c.args.iter().zip(&callee.by_ref).enumerate() {
            let others: TokenStream = c
                .args
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, a)| a.to_token_stream())
                .collect();
            if !by_ref {
                args.push(arg.clone());
                continue;
            }
            let place = match strip_parens(arg) {
                syn::Expr::Reference(r) if r.mutability.is_some() => {
                    match strip_parens(&r.expr) {
                        syn::Expr::Path(_)
                        | syn::Expr::Field(_)
                        | syn::Expr::Index(_)
                        | syn::Expr::Unary(_) => bind_indices(&r.expr, &others, &mut lets)?,
                        // `&mut (a + b)`: a temporary, as Rust makes one.
                        value => {
                            let name = quote::format_ident!("__rumba_at_{}", lets.len());
                            lets.push(syn::parse_quote!(let mut #name = #value;));
                            syn::parse_quote!(#name)
                        }
                    }
                }
                // An element reference of a walk (`for p in ps.iter_mut() { kick(p) }`).
                syn::Expr::Path(p) if p.path.get_ident().is_some() => syn::parse_quote!((*#p)),
                _ => return None,
            };
            args.push(place.clone());
            places.push(place);
        }
        let func = quote::format_ident!("{HANDED_BACK}{}", name, span = name.span());
        let call = syn::parse_quote!(#func(#(#args),*));
        Some(write_back(&lets, call, &places, callee.value))
    }
}

impl VisitMut for Calls<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let new = match e {
            syn::Expr::MethodCall(mc) => self.method_call(mc),
            syn::Expr::Call(c) => self.call(c),
            _ => None,
        };
        if let Some(new) = new {
            self.changed = true;
            *e = new;
        }
    }
}

/// The place `e` (a variable, and fields, elements and dereferences of places) with each index
/// replaced by a variable that a `let` pushed onto `lets` holds, or `None` if `e` is no place.
/// A literal index, and a variable that `others` (the call's other arguments) does not name, is
/// kept: nothing evaluated between the two uses can change it, and the loop passes still see
/// `ps[i]` indexed by the loop's counter (versioning then drops its bounds checks).
fn bind_indices(
    e: &syn::Expr,
    others: &TokenStream,
    lets: &mut Vec<syn::Stmt>,
) -> Option<syn::Expr> {
    let bind = |index: &syn::Expr, lets: &mut Vec<syn::Stmt>| -> syn::Expr {
        let kept = match strip_parens(index) {
            syn::Expr::Lit(_) => true,
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| !super::growable::mentions(others.clone(), &i.to_string())),
            _ => false,
        };
        if kept {
            return index.clone();
        }
        let name = quote::format_ident!("__rumba_at_{}", lets.len());
        lets.push(syn::parse_quote!(let #name = #index;));
        syn::parse_quote!(#name)
    };
    Some(match strip_parens(e) {
        syn::Expr::Path(p) if p.path.get_ident().is_some() => e.clone(),
        syn::Expr::Field(f) => {
            let base = bind_indices(&f.base, others, lets)?;
            let member = &f.member;
            syn::parse_quote!(#base.#member)
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            let inner = bind_indices(&u.expr, others, lets)?;
            syn::parse_quote!((*#inner))
        }
        syn::Expr::Index(ix) => {
            let base = bind_indices(&ix.expr, others, lets)?;
            let index: syn::Expr = match strip_parens(&ix.index) {
                syn::Expr::Array(a) => {
                    let each: Vec<syn::Expr> = a.elems.iter().map(|i| bind(i, lets)).collect();
                    syn::parse_quote!([#(#each),*])
                }
                other => bind(other, lets),
            };
            syn::parse_quote!(#base[#index])
        }
        _ => return None,
    })
}

impl FnLowerer<'_> {
    /// `p.step(args)`, a call of a `&mut self` method (`value`: it returns one) on a variable:
    /// `{ let u = p.step'(args); p = u.0; u.1 }`, through `*p` where `p` is an element
    /// reference of a walk.
    pub(super) fn mutating_call(&mut self, mc: &syn::ExprMethodCall, value: bool) -> R<ExprId> {
        if !value {
            let name = &mc.method;
            return Err(FrontError::new(
                mc,
                format!("`{name}` returns nothing: its call is not a value"),
            )
            .hint(format!("call it as a statement: `p.{name}(..);`")));
        }
        let block = self.mutating_block(mc)?;
        self.expr_value(&block)
    }

    /// The block of [`Self::mutating_call`], for a call in a statement of its own too.
    pub(super) fn mutating_block(&self, mc: &syn::ExprMethodCall) -> R<syn::Expr> {
        let place = strip_parens(&mc.receiver);
        let local = match place {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
            _ => None,
        };
        let reference = local.is_some_and(|l| self.elems.contains_key(&l));
        if let Some(l) = local.filter(|&l| !reference && !self.func.local(l).mutable) {
            let name = &self.func.local(l).name;
            return Err(FrontError::new(
                place,
                format!(
                    "cannot call `{}`, which takes `&mut self`, on the immutable variable `{name}`",
                    mc.method
                ),
            )
            .hint(format!("make it mutable: `let mut {name}`")));
        }
        let target: syn::Expr = if reference {
            syn::parse_quote!(*#place)
        } else {
            place.clone()
        };
        let value = self.items.mutating.get(&mc.method.to_string()) == Some(&true);
        Ok(method_write_back(&[], place, &target, mc, value))
    }
}
