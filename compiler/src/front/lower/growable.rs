//! Growable vectors: `let mut v = Vec::new()` (or `Vec::with_capacity(n)`, `vec![..]`, or a
//! `vec!`, `to_vec()` or `collect()` that the rest of its block pushes onto), `v.push(x)`,
//! `v.pop()`, `v.len()`, `v[i]`, ...
//!
//! In: a block's statements. Out: the same statements with each growable vector `v` rewritten as
//! the syntax of an owned 1-D array `v`, its buffer (whose length is the capacity), and hidden
//! `usize` locals, its length and the capacity `with_capacity` asked for, which the rest of the
//! front end lowers as ordinary code. `push` onto a full buffer reallocates it to twice the
//! capacity (at least 4 elements and what was asked for: `__rumba_resize(v, cap)`, an
//! `Init::Resize`, whose new elements stay uninitialized until a push writes them); `pop`,
//! `last`, `first` and `get` are the `if` that makes their `Option`; every other use of `v` sees
//! the view `v.slice(s![..len])` (indexing, iteration, methods, `&v`), and moving `v` (returning
//! it, passing it by value) moves the buffer shrunk to exactly its length (`__rumba_resize(v,
//! len)`), as `Vec::into_boxed_slice` does: no copy where the allocator shrinks in place. A
//! vector of 2^22 `usize` pushed one by one and returned (a run-length encoding): 1.40x rustc's
//! time when each growth copied into a new buffer and the move copied again, 0.98x now. A `let` of the name `v` in the block ends the
//! rewrite (`let v = v;`).
//!
//! A view of `v` must not outlive a change of its length (the buffer may move): as rustc's
//! borrow checker does (E0499/E0502), a change of `v`'s length is refused inside a loop over
//! `v` or an iterator chain of `v`, inside a closure (inlined where it is called), and after a
//! `let` that binds a view of `v`, in that binding's block; assigning a view of `v` to a
//! variable and shadowing `v` in a nested scope are refused. Pushing from the iterations of a
//! `prange` onto a vector declared outside is refused.

use super::syntax::{is_prange, strip_parens};
use super::{FrontError, R};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// The hidden function `__rumba_resize(v, n)`: the buffer `v`, moved, made `n` elements long
/// (`front::lower::values`, an `Init::Resize`).
pub(super) const RESIZE: &str = "__rumba_resize";

/// The methods that change a vector's length.
const RESIZING: &[&str] = &["push", "pop", "clear", "truncate", "extend_from_slice"];

/// The methods of arrays that write their elements (their receiver is a mutable view).
const MUTATING: &[&str] = &["iter_mut", "view_mut", "slice_mut"];

/// The methods of arrays that are statements (`v.sort()`), and write the elements.
const STATEMENTS: &[&str] = &[
    "fill",
    "swap",
    "reverse",
    "sort",
    "sort_by",
    "sort_by_key",
    "sort_unstable",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "map_inplace",
    "mapv_inplace",
    "assign",
];

/// The methods handled here (the rest see the view of the elements).
const OWN: &[&str] = &[
    "push",
    "pop",
    "clear",
    "truncate",
    "extend_from_slice",
    "len",
    "is_empty",
    "capacity",
    "last",
    "first",
    "get",
];

/// The methods of [`OWN`] that take one argument (the others take none).
const ONE_ARGUMENT: &[&str] = &["push", "truncate", "extend_from_slice", "get"];

/// The methods of [`OWN`] that make an `Option<&T>`.
pub(super) const BY_REFERENCE: &[&str] = &["last", "first", "get"];

/// `block` with its growable vectors rewritten, or `None` when it declares none.
pub(super) fn rewrite(block: &syn::Block) -> R<Option<syn::Block>> {
    let declares = |k: usize| growable(&block.stmts[k], &block.stmts[k + 1..]).is_some();
    if !(0..block.stmts.len()).any(declares) {
        return Ok(None);
    }
    let mut stmts = block.stmts.clone();
    let mut changed = false;
    let mut i = 0;
    while i < stmts.len() {
        let Some(g) = growable(&stmts[i], &stmts[i + 1..]) else {
            i += 1;
            continue;
        };
        let mut rw = Rewriter {
            v: g.name.clone(),
            len: format_ident!("__rumba_len_{}", g.name),
            error: None,
        };
        let mut rest = stmts.split_off(i + 1);
        // A `let` of the same name in this block ends the vector's scope (`let v = v;`): its
        // value is rewritten, the statements after it are not.
        let end = rest
            .iter()
            .position(|s| rebinds(s, &g.name))
            .unwrap_or(rest.len());
        rw.check_views(&rest[..end]);
        for s in &mut rest[..end] {
            rw.visit_stmt_mut(s);
        }
        if let Some(syn::Stmt::Local(l)) = rest.get_mut(end) {
            if let Some(init) = &mut l.init {
                rw.visit_expr_mut(&mut init.expr);
            }
        }
        if let Some(e) = rw.error {
            return Err(e);
        }
        stmts.pop();
        stmts.extend(rw.declare(&g));
        i = stmts.len();
        stmts.extend(rest);
        changed = true;
    }
    Ok(changed.then(|| syn::Block {
        brace_token: block.brace_token,
        stmts,
    }))
}

/// Whether `stmt` is a `let` binding the name `v` (plainly, `let v = ..` or `let v: T = ..`).
fn rebinds(stmt: &syn::Stmt, v: &syn::Ident) -> bool {
    let syn::Stmt::Local(l) = stmt else {
        return false;
    };
    let pat = match &l.pat {
        syn::Pat::Type(pt) => &*pt.pat,
        p => p,
    };
    matches!(pat, syn::Pat::Ident(pi) if pi.ident == *v)
}

/// A `let mut v = init;` that declares a growable vector.
struct Growable {
    name: syn::Ident,
    ty: Option<syn::Type>,
    init: syn::Expr,
    span: Span,
}

/// `stmt` as a growable vector's declaration, given the statements after it: a `let mut` of
/// `Vec::new()`, `Vec::with_capacity(n)` or `vec![]`, or of any value whose length `rest`
/// changes.
fn growable(stmt: &syn::Stmt, rest: &[syn::Stmt]) -> Option<Growable> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref().filter(|i| i.diverge.is_none())?;
    let (pat, ty) = match &local.pat {
        syn::Pat::Type(pt) => (&*pt.pat, Some((*pt.ty).clone())),
        p => (p, None),
    };
    let syn::Pat::Ident(pi) = pat else {
        return None;
    };
    if pi.mutability.is_none() || pi.by_ref.is_some() || pi.subpat.is_some() {
        return None;
    }
    let empty = Empty::of(&init.expr).is_some();
    let resized = is_vec(&init.expr) && rest.iter().any(|s| resizes(s, &pi.ident, false).is_some());
    (empty || resized).then(|| Growable {
        name: pi.ident.clone(),
        ty,
        init: (*init.expr).clone(),
        span: local.span(),
    })
}

/// A new vector with no elements, and its type when the path names it (`Vec::<f64>::new()`).
enum Empty<'a> {
    /// `Vec::new()`, `vec![]`.
    New(Option<syn::Type>),
    /// `Vec::with_capacity(n)`.
    WithCapacity(&'a syn::Expr, Option<syn::Type>),
}

impl Empty<'_> {
    fn of(e: &syn::Expr) -> Option<Empty<'_>> {
        match strip_parens(e) {
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let segs = super::syntax::path_names(&p.path);
                let ty = match &p.path.segments.first()?.arguments {
                    syn::PathArguments::AngleBracketed(a) => Some(syn::parse_quote!(Vec #a)),
                    _ => None,
                };
                match (segs.join("::").as_str(), c.args.first()) {
                    ("Vec::new", None) => Some(Empty::New(ty)),
                    ("Vec::with_capacity", Some(n)) if c.args.len() == 1 => {
                        Some(Empty::WithCapacity(n, ty))
                    }
                    _ => None,
                }
            }
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") && m.mac.tokens.is_empty() => {
                Some(Empty::New(None))
            }
            _ => None,
        }
    }

    /// The capacity asked for (`0` for none), which the first `push` allocates (the elements
    /// are not known before it: a struct has no zero to fill the memory with), and the
    /// vector's type when the path names it.
    fn parts(&self, span: Span) -> (TokenStream, Option<&syn::Type>) {
        match self {
            Empty::New(t) => (quote_spanned!(span=> 0), t.as_ref()),
            Empty::WithCapacity(n, t) => (n.to_token_stream(), t.as_ref()),
        }
    }
}

/// Whether `e` makes a `Vec` (`vec![..]`, `x.to_vec()`, `.collect()`), so that a binding of it
/// may grow (the other arrays have no `push`: their error says so).
fn is_vec(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
        syn::Expr::MethodCall(mc) => mc.method == "to_vec" || mc.method == "collect",
        _ => false,
    }
}

/// Where `node` changes the length of `v` (a resizing method, or an assignment to `v` when
/// `assigns`), if it does.
fn resizes(node: &impl ToTokens, v: &syn::Ident, assigns: bool) -> Option<TokenStream> {
    struct Find<'a> {
        v: &'a syn::Ident,
        assigns: bool,
        at: Option<TokenStream>,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_expr_method_call(&mut self, mc: &'ast syn::ExprMethodCall) {
            if is_name(&mc.receiver, self.v) && RESIZING.contains(&mc.method.to_string().as_str()) {
                self.at.get_or_insert(mc.to_token_stream());
            }
            syn::visit::visit_expr_method_call(self, mc);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            if self.assigns && is_name(&a.left, self.v) {
                self.at.get_or_insert(a.to_token_stream());
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if let Some(args) = macro_args(m) {
                for a in &args {
                    self.visit_expr(a);
                }
            }
        }
    }
    let mut f = Find {
        v,
        assigns,
        at: None,
    };
    // Through tokens: `rest` holds statements and expressions alike. What does not read back
    // as a block (never, for syntax that parsed) is taken as changing the length, the safe side.
    match syn::parse2::<syn::Block>(quote::quote!({ #node })) {
        Ok(block) => {
            f.visit_block(&block);
            f.at
        }
        Err(_) => Some(node.to_token_stream()),
    }
}

/// Whether `e` is the path `v`.
fn is_name(e: &syn::Expr, v: &syn::Ident) -> bool {
    matches!(strip_parens(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(v))
}

/// Whether `tokens` mention the identifier `v`.
pub(super) fn mentions(tokens: TokenStream, v: &str) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == v,
        proc_macro2::TokenTree::Group(g) => mentions(g.stream(), v),
        _ => false,
    })
}

/// The arguments of a macro call written as a list of expressions (`assert!(a, "..", b)`).
fn macro_args(m: &syn::Macro) -> Option<syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>> {
    m.parse_body_with(syn::punctuated::Punctuated::parse_terminated)
        .ok()
}

/// `vec![x; n]`'s value and length.
fn repeat_args(m: &syn::Macro) -> Option<(syn::Expr, syn::Expr)> {
    m.parse_body_with(|input: syn::parse::ParseStream| {
        let x = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        Ok((x, input.parse()?))
    })
    .ok()
}

/// The innermost receiver of a chain of method calls (`v` in `v.iter().map(f).sum()`), and the
/// method called on it.
fn chain_root(e: &syn::Expr) -> Option<(&syn::Expr, &syn::Ident)> {
    let syn::Expr::MethodCall(mc) = strip_parens(e) else {
        return None;
    };
    Some(chain_root(&mc.receiver).unwrap_or((&mc.receiver, &mc.method)))
}

/// A loop over a range (`0..v.len()`, `(0..n).rev()`, `prange(..)`), which borrows nothing.
fn is_range(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Range(_) => true,
        syn::Expr::Call(c) => is_prange(&c.func),
        syn::Expr::MethodCall(mc) => is_range(&mc.receiver),
        _ => false,
    }
}

struct Rewriter {
    /// The vector (also the name of its buffer).
    v: syn::Ident,
    /// Its length.
    len: syn::Ident,
    error: Option<FrontError>,
}

impl Rewriter {
    fn fail(&mut self, e: FrontError) {
        self.error.get_or_insert(e);
    }

    /// The vector's and its length's names, placed at `span` (the spans of what the rewrite
    /// makes are those of what the kernel wrote there).
    fn at(&self, span: Span) -> (syn::Ident, syn::Ident) {
        let name = |i: &syn::Ident| syn::Ident::new(&i.to_string(), span);
        (name(&self.v), name(&self.len))
    }

    /// The name of the least capacity asked for (`Vec::with_capacity(n)`), placed at `span`.
    fn min_at(&self, span: Span) -> syn::Ident {
        format_ident!("__rumba_min_{}", self.v, span = span)
    }

    /// The buffer's and the length's declarations, in place of `let mut v = init;`.
    fn declare(&self, g: &Growable) -> Vec<syn::Stmt> {
        let span = g.span;
        let (v, len) = self.at(span);
        let min = self.min_at(span);
        let ty = |t: Option<&syn::Type>| t.map(|t| quote_spanned!(span=> : #t));
        let block: syn::Block = match Empty::of(&g.init) {
            Some(empty) => {
                let (n, t) = empty.parts(span);
                let ty = ty(g.ty.as_ref().or(t));
                syn::parse_quote_spanned!(span=> {
                    let mut #min: usize = #n;
                    let mut #v #ty = vec![];
                    let mut #len: usize = 0;
                })
            }
            None => {
                let ty = ty(g.ty.as_ref());
                let init = &g.init;
                syn::parse_quote_spanned!(span=> {
                    let mut #v #ty = #init;
                    let mut #len: usize = #v.len();
                    let mut #min: usize = 0;
                })
            }
        };
        block.stmts
    }

    /// The elements as a view: `v.slice(s![..len])`.
    fn view(&self, mutable: bool, span: Span) -> syn::Expr {
        let (v, len) = self.at(span);
        if mutable {
            syn::parse_quote_spanned!(span=> #v.slice_mut(s![..#len]))
        } else {
            syn::parse_quote_spanned!(span=> #v.slice(s![..#len]))
        }
    }

    /// `e` evaluated with `v` naming the view of the elements.
    fn in_view(&self, mutable: bool, e: impl ToTokens, span: Span) -> syn::Expr {
        let ((v, _), view) = (self.at(span), self.view(mutable, span));
        let m = mutable.then(|| quote_spanned!(span=> mut));
        syn::parse_quote_spanned!(span=> { let #m #v = #view; #e })
    }

    /// `v[index] op right` (`=` or a compound assignment) as a write through the view of the
    /// elements: the right side first, then the index, as Rust evaluates them.
    fn write_at(
        &mut self,
        ix: &mut syn::ExprIndex,
        right: &mut syn::Expr,
        op: TokenStream,
        span: Span,
    ) -> syn::Expr {
        self.visit_expr_mut(right);
        self.visit_expr_mut(&mut ix.index);
        let (v, _) = self.at(span);
        let index = &ix.index;
        let write = self.in_view(
            true,
            quote_spanned!(span=> #v[__rumba_i] #op __rumba_rhs;),
            span,
        );
        syn::parse_quote_spanned!(span=> {
            let __rumba_rhs = #right;
            let __rumba_i = #index;
            #write
        })
    }

    /// Refuses a change of `v`'s length inside `node`, where `v` is borrowed by `what`.
    fn frozen(&mut self, node: &impl ToTokens, what: &str) {
        if let Some(at) = resizes(node, &self.v, true) {
            let v = &self.v;
            self.fail(
                FrontError::new(&at, format!("cannot change the length of `{v}` while {what}"))
                    .hint(format!("rustc rejects this too (E0502): `{v}` may move when it grows; collect what to push into another vector and push it after, or loop over the indices (`for i in 0..{v}.len()`)")),
            );
        }
    }

    /// `v.method(args)`, its arguments already rewritten.
    fn method(&mut self, mc: &syn::ExprMethodCall) -> syn::Expr {
        let span = mc.span();
        let (v, len) = self.at(span);
        let min = self.min_at(span);
        let name = mc.method.to_string();
        let args: Vec<&syn::Expr> = mc.args.iter().collect();
        match (name.as_str(), &args[..]) {
            ("push", [x]) => syn::parse_quote_spanned!(span=> {
                let __rumba_item = #x;
                if #len == #v.len() {
                    // The buffer moved out and reallocated (`Init::Resize`).
                    let mut __rumba_cap = 2 * #len;
                    if __rumba_cap < #min { __rumba_cap = #min; }
                    if __rumba_cap < 4 { __rumba_cap = 4; }
                    #v = __rumba_resize(#v, __rumba_cap);
                }
                #v[#len] = __rumba_item;
                #len += 1;
            }),
            ("pop", []) => syn::parse_quote_spanned!(span=>
                (if #len == 0 { None } else { #len -= 1; Some(#v[#len]) })
            ),
            ("clear", []) => syn::parse_quote_spanned!(span=> { #len = 0; }),
            ("truncate", [n]) => syn::parse_quote_spanned!(span=> {
                let __rumba_n: usize = #n;
                if __rumba_n < #len { #len = __rumba_n; }
            }),
            // `v` read too, so that a use after a move is the error it is in Rust.
            ("len", []) => syn::parse_quote_spanned!(span=> { let _ = #v.len(); #len }),
            ("is_empty", []) => syn::parse_quote_spanned!(span=> { let _ = #v.len(); #len == 0 }),
            ("capacity", []) => syn::parse_quote_spanned!(span=>
                (if #v.len() < #min { #min } else { #v.len() })
            ),
            ("last", []) => syn::parse_quote_spanned!(span=>
                (if #len == 0 { None } else { Some(#v[#len - 1]) })
            ),
            ("first", []) => syn::parse_quote_spanned!(span=>
                (if #len == 0 { None } else { Some(#v[0]) })
            ),
            ("get", [i]) => syn::parse_quote_spanned!(span=> {
                let __rumba_i: usize = #i;
                if __rumba_i < #len { Some(#v[__rumba_i]) } else { None }
            }),
            ("extend_from_slice", [src]) => {
                let push: syn::ExprMethodCall =
                    syn::parse_quote_spanned!(span=> #v.push(__rumba_src[__rumba_k]));
                let push = self.method(&push);
                syn::parse_quote_spanned!(span=> {
                    let __rumba_src = #src;
                    for __rumba_k in 0..__rumba_src.len() {
                        #push
                    }
                })
            }
            _ => {
                self.fail(FrontError::new(
                    mc,
                    format!(
                        "`{name}` of a vector takes {}",
                        if ONE_ARGUMENT.contains(&name.as_str()) {
                            "one argument"
                        } else {
                            "no arguments"
                        },
                    ),
                ));
                syn::Expr::MethodCall(mc.clone())
            }
        }
    }

    /// `let` statements binding a view of `v` (`let s = &v;`, `let it = v.iter();`) keep it
    /// borrowed to the end of their block.
    fn check_views(&mut self, stmts: &[syn::Stmt]) {
        for (k, s) in stmts.iter().enumerate() {
            let syn::Stmt::Local(l) = s else { continue };
            let Some(init) = &l.init else { continue };
            if self.borrows(&init.expr) {
                let rest = &stmts[k + 1..];
                let tokens = quote::quote!(#(#rest)*);
                let name = l.pat.to_token_stream().to_string();
                self.frozen(&tokens, &format!("`{name}` holds a view of it"));
            }
        }
    }

    /// Whether the value of `e` is a view of `v` or an iterator over it (not a value computed
    /// from one: `v.iter().sum()`).
    fn borrows(&self, e: &syn::Expr) -> bool {
        match strip_parens(e) {
            syn::Expr::Reference(r) => {
                is_name(&r.expr, &self.v)
                    || matches!(strip_parens(&r.expr), syn::Expr::Index(ix) if is_name(&ix.expr, &self.v))
            }
            syn::Expr::MethodCall(mc) => {
                let m = mc.method.to_string();
                let view = matches!(
                    m.as_str(),
                    "view"
                        | "view_mut"
                        | "slice"
                        | "slice_mut"
                        | "iter"
                        | "iter_mut"
                        | "as_slice"
                        | "as_slice_mut"
                        | "map"
                        | "filter"
                        | "zip"
                        | "enumerate"
                        | "rev"
                        | "skip"
                        | "take"
                        | "step_by"
                        | "copied"
                        | "cloned"
                        | "chain"
                );
                view && (is_name(&mc.receiver, &self.v) || self.borrows(&mc.receiver))
            }
            syn::Expr::If(i) => {
                i.then_branch
                    .stmts
                    .last()
                    .is_some_and(|s| self.borrows_stmt(s))
                    || i.else_branch.as_ref().is_some_and(|(_, e)| self.borrows(e))
            }
            syn::Expr::Block(b) => b.block.stmts.last().is_some_and(|s| self.borrows_stmt(s)),
            syn::Expr::Match(m) => m.arms.iter().any(|a| self.borrows(&a.body)),
            syn::Expr::Tuple(t) => t.elems.iter().any(|e| self.borrows(e)),
            syn::Expr::Array(a) => a.elems.iter().any(|e| self.borrows(e)),
            _ => false,
        }
    }

    fn borrows_stmt(&self, s: &syn::Stmt) -> bool {
        matches!(s, syn::Stmt::Expr(e, None) if self.borrows(e))
    }

    /// The expression `e` reads through the reference that `last`, `first` or `get` of `v`
    /// make: `v.last().copied()` (or `cloned`) and `*v.get(i).unwrap()`.
    fn by_reference(&self, e: &syn::Expr) -> Option<syn::Expr> {
        let of_v = |r: &syn::Expr| {
            chain_root(r).is_some_and(|(root, m)| {
                is_name(root, &self.v) && BY_REFERENCE.contains(&m.to_string().as_str())
            })
        };
        match e {
            syn::Expr::MethodCall(mc)
                if (mc.method == "copied" || mc.method == "cloned")
                    && mc.args.is_empty()
                    && matches!(strip_parens(&mc.receiver), syn::Expr::MethodCall(r) if is_name(&r.receiver, &self.v))
                    && of_v(&mc.receiver) =>
            {
                Some((*mc.receiver).clone())
            }
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && of_v(&u.expr) => {
                Some((*u.expr).clone())
            }
            _ => None,
        }
    }

    /// `for pat in iter { body }`.
    fn for_loop(&mut self, f: &mut syn::ExprForLoop) -> Option<syn::Expr> {
        if is_range(&f.expr) {
            let parallel =
                matches!(strip_parens(&f.expr), syn::Expr::Call(c) if is_prange(&c.func));
            if parallel {
                if let Some(at) = resizes(&f.body, &self.v, true) {
                    let v = &self.v;
                    self.fail(
                        FrontError::new(&at, format!("cannot change the length of `{v}`, declared outside this `prange` loop: its iterations run in parallel"))
                            .hint("write each iteration's result at its index of an array of the final length (`let mut out = vec![0; n]; out[i] = ..`), or push in a serial `for` loop; a vector declared inside the `prange` body may grow"),
                    );
                }
            }
            self.visit_pat_mut(&mut f.pat);
            self.visit_expr_mut(&mut f.expr);
            self.visit_block_mut(&mut f.body);
            return None;
        }
        self.visit_pat_mut(&mut f.pat);
        if !mentions(f.expr.to_token_stream(), &self.v.to_string()) {
            self.visit_expr_mut(&mut f.expr);
            self.visit_block_mut(&mut f.body);
            return None;
        }
        self.frozen(&f.body, "a loop iterates over it");
        self.visit_block_mut(&mut f.body);
        let iter = f.expr.to_token_stream();
        let mutable = mentions(iter.clone(), "mut") || mentions(iter, "iter_mut");
        let span = f.for_token.span();
        Some(self.in_view(mutable, &*f, span))
    }
}

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if self.error.is_some() {
            return;
        }
        let v = self.v.clone();
        if let Some(read) = self.by_reference(e) {
            // `v.last().copied()`, `*v.get(i).unwrap()`: the `&T` read as the value it is here.
            *e = read;
            return self.visit_expr_mut(e);
        }
        let replaced: Option<syn::Expr> = match e {
            syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(&v) => {
                // A move: the buffer, shrunk to the elements (`Init::Resize`).
                let span = p.span();
                let (v, len) = self.at(span);
                Some(syn::parse_quote_spanned!(span=> __rumba_resize(#v, #len)))
            }
            syn::Expr::MethodCall(mc) => match chain_root(&syn::Expr::MethodCall(mc.clone())) {
                Some((root, m)) if is_name(root, &v) => {
                    if is_name(&mc.receiver, &v) && OWN.contains(&mc.method.to_string().as_str()) {
                        if mc.method == "extend_from_slice"
                            && mentions(mc.args.to_token_stream(), &v.to_string())
                        {
                            self.fail(FrontError::new(&mc.args, format!("cannot extend `{v}` with a view of itself")).hint(format!("rustc rejects this too (E0502); copy it first: `let w = {v}.to_vec();`")));
                        }
                        for a in &mut mc.args {
                            self.visit_expr_mut(a);
                        }
                        Some(self.method(mc))
                    } else if OWN.contains(&m.to_string().as_str()) {
                        // `v.len().max(1)`, `v.pop().unwrap()`: the root rewritten in place.
                        syn::visit_mut::visit_expr_method_call_mut(self, mc);
                        None
                    } else {
                        // `v.iter().map(f).sum()`: the chain over the view.
                        let m = m.to_string();
                        self.frozen(&*mc, "an iterator or method call borrows it");
                        let span = mc.span();
                        Some(if STATEMENTS.contains(&m.as_str()) {
                            self.in_view(true, quote_spanned!(span=> #mc;), span)
                        } else {
                            self.in_view(MUTATING.contains(&m.as_str()), &*mc, span)
                        })
                    }
                }
                _ => {
                    syn::visit_mut::visit_expr_method_call_mut(self, mc);
                    None
                }
            },
            syn::Expr::Index(ix) if is_name(&ix.expr, &v) => {
                self.visit_expr_mut(&mut ix.index);
                let span = ix.span();
                let (v, _) = self.at(span);
                let index = &ix.index;
                let read = self.in_view(false, quote_spanned!(span=> #v[__rumba_i]), span);
                Some(syn::parse_quote_spanned!(span=> { let __rumba_i = #index; #read }))
            }
            syn::Expr::Assign(a) => {
                let span = a.span();
                if self.borrows(&a.right) {
                    self.fail(
                        FrontError::new(&*a, format!("a view of the growable vector `{v}` cannot be assigned to a variable"))
                            .hint(format!("bind it with `let` where it is used (`let s = &{v};`): `{v}` may move when it grows")),
                    );
                }
                match &mut *a.left {
                    syn::Expr::Index(ix) if is_name(&ix.expr, &v) => {
                        let eq = a.eq_token;
                        Some(self.write_at(ix, &mut a.right, quote_spanned!(span=> #eq), span))
                    }
                    left if is_name(left, &v) => {
                        self.visit_expr_mut(&mut a.right);
                        let (v, len) = self.at(span);
                        let min = self.min_at(span);
                        Some(match Empty::of(&a.right) {
                            Some(empty) => {
                                let (n, _) = empty.parts(span);
                                syn::parse_quote_spanned!(span=> {
                                    #min = #n;
                                    #v = vec![];
                                    #len = 0;
                                })
                            }
                            None => {
                                let right = &a.right;
                                syn::parse_quote_spanned!(span=> {
                                    #v = #right;
                                    #len = #v.len();
                                    #min = 0;
                                })
                            }
                        })
                    }
                    _ => {
                        syn::visit_mut::visit_expr_assign_mut(self, a);
                        None
                    }
                }
            }
            syn::Expr::Binary(b) if super::syntax::compound_op(&b.op).is_some() => {
                let span = b.span();
                match &mut *b.left {
                    syn::Expr::Index(ix) if is_name(&ix.expr, &v) => {
                        let op = b.op;
                        Some(self.write_at(ix, &mut b.right, quote_spanned!(span=> #op), span))
                    }
                    left if is_name(left, &v) => {
                        self.fail(
                            FrontError::new(&*b, format!("`{v}` is a `Vec`, which has no compound assignment"))
                                .hint(format!("update the elements (`for e in {v}.iter_mut() {{ *e += .. }}`), or make an array first: `let mut a = Array1::from({v});`")),
                        );
                        None
                    }
                    _ => {
                        syn::visit_mut::visit_expr_binary_mut(self, b);
                        None
                    }
                }
            }
            syn::Expr::Reference(r) if is_name(&r.expr, &v) => {
                let view = self.view(r.mutability.is_some(), r.span());
                *r.expr = view;
                None
            }
            syn::Expr::ForLoop(f) => self.for_loop(f),
            syn::Expr::Closure(c) => {
                // Inlined where it is called, perhaps inside a loop over `v`, which its syntax
                // does not show.
                if let Some(at) = resizes(&c.body, &v, true) {
                    self.fail(
                        FrontError::new(&at, format!("a closure cannot change the length of `{v}`"))
                            .hint(format!("rustc keeps `{v}` borrowed as long as the closure lives; push in the loop itself")),
                    );
                }
                syn::visit_mut::visit_expr_closure_mut(self, c);
                None
            }
            _ => {
                syn::visit_mut::visit_expr_mut(self, e);
                None
            }
        };
        if let Some(r) = replaced {
            *e = r;
        }
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        if p.ident == self.v {
            let v = &self.v;
            self.fail(
                FrontError::new(&p.ident, format!("`{v}` shadows the growable vector `{v}`"))
                    .hint("give it another name"),
            );
        }
        syn::visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        let syn::Stmt::Expr(e, semi @ None) = s else {
            return syn::visit_mut::visit_stmt_mut(self, s);
        };
        let was_block = matches!(e, syn::Expr::Block(_));
        self.visit_expr_mut(e);
        // `v.push(x)` or `v[i] = x` ending a block is a statement still, not a block without
        // a value.
        let unit = matches!(e, syn::Expr::Block(b)
            if !matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(_, None))));
        if unit && !was_block {
            *semi = Some(Default::default());
        }
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.check_views(&b.stmts);
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        if !mentions(m.tokens.clone(), &self.v.to_string()) {
            return;
        }
        if let Some((mut x, mut n)) = repeat_args(m) {
            self.visit_expr_mut(&mut x);
            self.visit_expr_mut(&mut n);
            m.tokens = quote::quote!(#x; #n);
            return;
        }
        match macro_args(m) {
            Some(mut args) => {
                for a in args.iter_mut() {
                    self.visit_expr_mut(a);
                }
                m.tokens = args.to_token_stream();
            }
            None => {
                let v = &self.v;
                self.fail(
                    FrontError::new(
                        &*m,
                        format!("the growable vector `{v}` cannot be used in this macro"),
                    )
                    .hint(format!(
                        "bind what the macro needs first: `let n = {v}.len();`"
                    )),
                );
            }
        }
    }
}

/// `Vec::new()` and `Vec::with_capacity(n)` where no growable vector is declared (`return
/// Vec::new()`, a call's argument): an empty array (`n` evaluated, as Rust does).
pub(super) fn empty_vec(c: &syn::ExprCall) -> R<syn::Expr> {
    let span = c.span();
    match Empty::of(&syn::Expr::Call(c.clone())) {
        Some(empty) => {
            let (n, t) = empty.parts(span);
            let t = t.map(|t| quote_spanned!(span=> : #t));
            Ok(syn::parse_quote_spanned!(span=> {
                let _: usize = #n;
                let __rumba_empty #t = vec![];
                __rumba_empty
            }))
        }
        None => {
            let path = c.func.to_token_stream().to_string().replace(' ', "");
            Err(FrontError::new(&c.func, format!("cannot call `{path}` in a kernel")).hint(
                "make vectors with `Vec::new()`, `Vec::with_capacity(n)` or `vec![..]`, bound with `let mut`, and grow them with `v.push(x)`",
            ))
        }
    }
}
