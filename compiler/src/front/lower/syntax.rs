//! Predicates and small readings of `syn` syntax that need no lowering state: parentheses,
//! statement-like expressions, divergence, whether an expression emits statements, operator
//! mapping, literal suffixes, constant dimensions, and which method calls fold or map whole arrays.
//!
//! In: `syn` nodes. Out: booleans, [`BinOp`]s, [`Scalar`]s.

use super::*;

pub(super) fn const_dim(e: &syn::Expr) -> R<u8> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(i),
        ..
    }) = strip_parens(e)
    {
        if let Ok(d) = i.base10_parse::<u8>() {
            return Ok(d);
        }
    }
    Err(FrontError::new(e, "`shape()` must be indexed by a constant").hint("write `a.shape()[1]`"))
}

pub(super) fn scalar_suffix(suffix: &str, lit: &syn::Lit) -> R<Option<Scalar>> {
    if suffix.is_empty() {
        return Ok(None);
    }
    Scalar::from_name(suffix)
        .filter(|s| *s != Scalar::Bool)
        .map(Some)
        .ok_or_else(|| FrontError::new(lit, format!("invalid suffix `{suffix}`")))
}

pub(super) fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

pub(super) fn is_prange(f: &syn::Expr) -> bool {
    matches!(f, syn::Expr::Path(p) if p.path.is_ident("prange"))
}

/// Expressions that read as statements when they end a block (`if` without a value, loops).
pub(super) fn is_statement_like(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::While(_) | syn::Expr::ForLoop(_) => true,
        syn::Expr::Loop(l) => !loop_has_value(l),
        syn::Expr::Match(m) => m.arms.iter().all(|a| is_statement_like(&a.body)),
        syn::Expr::Assign(_)
        | syn::Expr::Break(_)
        | syn::Expr::Continue(_)
        | syn::Expr::Return(_) => true,
        syn::Expr::Binary(b) => compound_op(&b.op).is_some(),
        syn::Expr::If(i) => i.else_branch.is_none() || !if_has_value(i),
        // `{ ..; }` ending a block is a statement: its value is `()`.
        syn::Expr::Block(b) => {
            !matches!(b.block.stmts.last(), Some(syn::Stmt::Expr(e, None)) if !is_statement_like(e))
        }
        _ => false,
    }
}

fn if_has_value(i: &syn::ExprIf) -> bool {
    let block_has_value = |b: &syn::Block| matches!(b.stmts.last(), Some(syn::Stmt::Expr(e, None)) if !is_statement_like(e));
    block_has_value(&i.then_branch)
        || match &i.else_branch {
            Some((_, e)) => match &**e {
                syn::Expr::If(inner) => if_has_value(inner),
                syn::Expr::Block(b) => block_has_value(&b.block),
                _ => false,
            },
            None => false,
        }
}

/// Whether a `loop` gives a value: some `break value` leaves it (unlabelled from its own body,
/// or by its label from anywhere inside).
pub(super) fn loop_has_value(l: &syn::ExprLoop) -> bool {
    struct Finder<'a> {
        label: Option<&'a syn::Ident>,
        depth: u32,
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::Break(b) if b.expr.is_some() => {
                    let ours = match &b.label {
                        None => self.depth == 0,
                        Some(l) => self.label == Some(&l.ident),
                    };
                    self.found |= ours;
                    syn::visit::visit_expr(self, e);
                }
                syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                    self.depth += 1;
                    syn::visit::visit_expr(self, e);
                    self.depth -= 1;
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut f = Finder {
        label: l.label.as_ref().map(|l| &l.name.ident),
        depth: 0,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut f, &l.body);
    f.found
}

pub(super) fn ends_in_divergence(b: &syn::Block) -> bool {
    matches!(
        b.stmts.last(),
        Some(syn::Stmt::Expr(
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_),
            _
        ))
    )
}

/// The `Option` methods (`lower/option`) that emit statements (operands before them are spilled first).
pub(super) const STMT_METHODS: &[&str] = &[
    "unwrap_or",
    "map_or",
    "map",
    "and_then",
    "is_some_and",
    "unwrap_or_else",
    "filter",
    "or",
    "or_else",
    "get",
    "checked_add",
    "checked_sub",
    "checked_mul",
    "checked_div",
    "checked_rem",
    "checked_neg",
    "checked_shl",
    "checked_shr",
];

/// Whether lowering `e` emits statements (so earlier operands must be evaluated first);
/// `is_closure` names the closures bound with `let`, `rewritten` the method calls the front end
/// lowers as a block of statements (iterator chains, `var`).
pub(super) fn needs_stmts(
    e: &syn::Expr,
    is_closure: &dyn Fn(&syn::Ident) -> bool,
    rewritten: &dyn Fn(&syn::ExprMethodCall) -> bool,
) -> bool {
    struct Finder<'c>(
        bool,
        &'c dyn Fn(&syn::Ident) -> bool,
        &'c dyn Fn(&syn::ExprMethodCall) -> bool,
    );
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::If(_)
                | syn::Expr::Block(_)
                | syn::Expr::Loop(_)
                | syn::Expr::Match(_) => self.0 = true,
                // `matches!` is a `match`.
                syn::Expr::Macro(m) if m.mac.path.is_ident("matches") => self.0 = true,
                // A fold over an array's iterator is a walk.
                syn::Expr::MethodCall(mc) if is_fold(mc) || is_array_method(mc) || (self.2)(mc) => {
                    self.0 = true
                }
                // An `Option` made or read with an `if`.
                syn::Expr::MethodCall(mc)
                    if STMT_METHODS.contains(&mc.method.to_string().as_str())
                        || mc.method == "sin_cos" =>
                {
                    self.0 = true
                }
                syn::Expr::Try(_) => self.0 = true,
                // A closure bound with `let`, inlined.
                syn::Expr::Call(c)
                    if matches!(&*c.func, syn::Expr::Path(p)
                        if p.path.get_ident().is_some_and(|i| (self.1)(i))) =>
                {
                    self.0 = true
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut f = Finder(false, is_closure, rewritten);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

pub(super) fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    Some(match op {
        B::AddAssign(_) => BinOp::Add,
        B::SubAssign(_) => BinOp::Sub,
        B::MulAssign(_) => BinOp::Mul,
        B::DivAssign(_) => BinOp::Div,
        B::RemAssign(_) => BinOp::Rem,
        B::BitAndAssign(_) => BinOp::BitAnd,
        B::BitOrAssign(_) => BinOp::BitOr,
        B::BitXorAssign(_) => BinOp::BitXor,
        B::ShlAssign(_) => BinOp::Shl,
        B::ShrAssign(_) => BinOp::Shr,
        _ => return None,
    })
}

pub(super) fn bin_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    Some(match op {
        B::Add(_) => BinOp::Add,
        B::Sub(_) => BinOp::Sub,
        B::Mul(_) => BinOp::Mul,
        B::Div(_) => BinOp::Div,
        B::Rem(_) => BinOp::Rem,
        B::BitAnd(_) => BinOp::BitAnd,
        B::BitOr(_) => BinOp::BitOr,
        B::BitXor(_) => BinOp::BitXor,
        B::Shl(_) => BinOp::Shl,
        B::Shr(_) => BinOp::Shr,
        B::Eq(_) => BinOp::Eq,
        B::Ne(_) => BinOp::Ne,
        B::Lt(_) => BinOp::Lt,
        B::Le(_) => BinOp::Le,
        B::Gt(_) => BinOp::Gt,
        B::Ge(_) => BinOp::Ge,
        _ => return None,
    })
}

/// An integer literal's sign and magnitude, `-` folded in when `negate`; `None` above
/// `u128::MAX` (`syn`'s `-3` literal of a pattern is negative).
pub(super) fn int_lit(i: &syn::LitInt, negate: bool) -> Option<IntLit> {
    let digits = i.base10_digits();
    let (minus, digits) = match digits.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, digits),
    };
    Some(IntLit {
        negative: negate != minus,
        magnitude: digits.parse().ok()?,
    })
}

/// The value of an integer literal, negative ones included (`-3`, and `syn`'s `-3` literal in a
/// pattern), or of a byte literal (`b'a'`): what `match` coverage and constants known from
/// syntax count.
pub(super) fn int_literal(e: &syn::Expr) -> Option<Int> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Byte(b),
        ..
    }) = strip_parens(e)
    {
        return Some(Int::from(u128::from(b.value())));
    }
    let (i, negate) = match strip_parens(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => (i, false),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match strip_parens(expr) {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => (i, true),
            _ => return None,
        },
        _ => return None,
    };
    int_lit(i, negate)?.value()
}

/// Whether `mc` folds an array's iterator into a value: `x.iter().sum()`, `.product()`,
/// `.fold(init, f)`, also after `.copied()` / `.cloned()`.
pub(super) fn is_fold(mc: &syn::ExprMethodCall) -> bool {
    matches!(mc.method.to_string().as_str(), "sum" | "product" | "fold")
        && fold_source(&mc.receiver).is_some()
}

/// Whether `mc` is one of ndarray's whole-array methods that compute a value with a walk:
/// `x.sum()`, `x.product()`, `x.mean()`, `x.dot(&y)`, `x.fold(init, f)`, `x.mapv(f)` (`x` not an
/// iterator), `x.sum_axis(Axis(k))`, `x.fold_axis(Axis(k), init, f)`, `Zip::from(&a)..map_collect(f)`.
pub(super) fn is_array_method(mc: &syn::ExprMethodCall) -> bool {
    let name = mc.method.to_string();
    match name.as_str() {
        "sum" | "product" | "mean" => mc.args.is_empty() && !is_iterator(&mc.receiver),
        "fold" => mc.args.len() == 2 && !is_iterator(&mc.receiver),
        "dot" | "mapv" | "sum_axis" | "mean_axis" | "map_collect" => mc.args.len() == 1,
        "fold_axis" => mc.args.len() == 3,
        "map_axis" => mc.args.len() == 2,
        _ => false,
    }
}

/// Whether `e` is an iterator adapter chain (`x.iter()`, `.copied()`, `.map(..)`, ...) rather
/// than an array.
fn is_iterator(e: &syn::Expr) -> bool {
    matches!(strip_parens(e), syn::Expr::MethodCall(mc)
        if matches!(mc.method.to_string().as_str(),
            "iter" | "iter_mut" | "copied" | "cloned" | "map" | "filter" | "enumerate" | "zip"
                | "rev" | "skip" | "take" | "chain" | "into_iter"))
}

/// The array expression and whether the items are copied, of `x.iter()` or
/// `x.iter().copied()` / `.cloned()`.
pub(super) fn fold_source(e: &syn::Expr) -> Option<(&syn::Expr, bool)> {
    let syn::Expr::MethodCall(mc) = strip_parens(e) else {
        return None;
    };
    if !mc.args.is_empty() {
        return None;
    }
    if mc.method == "copied" || mc.method == "cloned" {
        let (x, copied) = fold_source(&mc.receiver)?;
        return (!copied).then_some((x, true));
    }
    (mc.method == "iter").then_some((&*mc.receiver, false))
}

/// Syntax a rewrite built from the kernel's own pieces (`let #pat = ..` of a loop's pattern):
/// a piece that does not fit there is an error at it, never a panic of the macro.
pub(super) fn reparse<T: syn::parse::Parse>(
    tokens: proc_macro2::TokenStream,
    at: &impl ToTokens,
) -> R<T> {
    syn::parse2(tokens)
        .map_err(|e| FrontError::new(at, format!("this construct is not supported here ({e})")))
}

/// `f64::max(a, b)`, `u64::pow(x, 3)`: a numeric method called by its path, as the method call
/// it is on a receiver of that type (`{ let r: f64 = a; r.max(b) }`, so the type is checked
/// as rustc checks it). `None` for any other call.
pub(super) fn method_path_call(c: &syn::ExprCall) -> Option<syn::Expr> {
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let [ty, method] = &p.path.segments.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    Scalar::from_name(&ty.ident.to_string())?;
    crate::ir::Intrinsic::from_name(&method.ident.to_string())?;
    let (receiver, args) = c
        .args
        .iter()
        .collect::<Vec<_>>()
        .split_first()
        .map(|(r, a)| (*r, a.to_vec()))?;
    let (ty, method) = (&ty.ident, &method.ident);
    let r = syn::Ident::new("__rumba_receiver", proc_macro2::Span::mixed_site());
    Some(
        syn::parse_quote_spanned!(method.span()=> { let #r: #ty = #receiver; #r.#method(#(#args),*) }),
    )
}

/// `std::cmp::max(a, b)` / `std::cmp::min(a, b)` (also `cmp::max`, `core::cmp::min`), as the
/// method of the integers: `{ let r = a; r.max(b) }` (for `Ord` values, which only integers are
/// here, the two agree; equal values are the same value). `None` for any other call.
pub(super) fn cmp_min_max(c: &syn::ExprCall) -> Option<syn::Expr> {
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let names = path_names(&p.path);
    let (method, module) = (
        names.last()?,
        names.len().checked_sub(2).map(|k| &names[k])?,
    );
    if module != "cmp" || !["min", "max"].contains(&method.as_str()) || c.args.len() != 2 {
        return None;
    }
    let (a, b) = (&c.args[0], &c.args[1]);
    let method = syn::Ident::new(method, p.path.segments.last()?.ident.span());
    let r = syn::Ident::new("__rumba_receiver", proc_macro2::Span::mixed_site());
    Some(syn::parse_quote_spanned!(method.span()=> { let #r = #a; #r.#method(#b) }))
}

/// The names of a path's segments (`["f64", "consts", "PI"]`).
pub(super) fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `std::mem::swap(&mut a, &mut b)` (also `mem::swap`, `core::mem::swap`) of two places, as
/// the statements that swap them: `{ let t = a; a = b; b = t; }`. `None` for any other call.
pub(super) fn mem_swap(c: &syn::ExprCall) -> Option<syn::Expr> {
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let names = path_names(&p.path);
    let tail: Vec<&str> = names.iter().rev().take(2).map(String::as_str).collect();
    if tail != ["swap", "mem"] {
        return None;
    }
    let [syn::Expr::Reference(a), syn::Expr::Reference(b)] = &c.args.iter().collect::<Vec<_>>()[..]
    else {
        return None;
    };
    if a.mutability.is_none() || b.mutability.is_none() {
        return None;
    }
    let (a, b) = (&a.expr, &b.expr);
    let t = syn::Ident::new("__rumba_swapped", proc_macro2::Span::mixed_site());
    let span = syn::spanned::Spanned::span(p);
    Some(syn::parse_quote_spanned!(span=> { let #t = #a; #a = #b; #b = #t; }))
}

/// `k` of `Axis(k)` (also `ndarray::Axis(k)`) with `k` an integer literal.
pub(super) fn axis_literal(e: &syn::Expr) -> Option<i128> {
    let syn::Expr::Call(c) = strip_parens(e) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let is_axis = p.path.segments.last().is_some_and(|s| s.ident == "Axis");
    match c.args.iter().collect::<Vec<_>>()[..] {
        [k] if is_axis => int_literal(k)?.to_i128(),
        _ => None,
    }
}
