//! `syn` syntax -> untyped loop IR.
//!
//! In: a parsed `syn::File` of `fn` items. Out: an [`ir::Program`] whose functions hold structured
//! statements and an expression arena, or every [`FrontError`] found. Block-valued expressions
//! (`if` as a value, `{ .. }` as a value, `&&` with control flow on its right) become temporaries
//! assigned in statements; earlier operands are spilled first so Rust's left-to-right evaluation
//! order (and so which error comes first) is kept.
//!
//! This file holds the per-function state ([`FnLowerer`]: scopes, blocks, temporaries) and the
//! signature; the syntax is lowered by `stmt` (statements), `expr` (expressions) and `gpu` (the
//! forms of `#[rumba(cuda)]` functions), with `syntax` (predicates on syntax) and `hints` (error
//! wording) beside them.

use super::names::{self, ARRAY_METHODS};
use super::{attrs, init, FrontError};
use crate::ir::*;
use crate::span::Span;
use hints::item_head;
use proc_macro2::TokenStream;
use quote::ToTokens;
use std::collections::HashMap;

mod asserts;
mod chain;
mod closure;
mod complex;
mod expr;
mod folds;
mod gpu;
mod growable;
mod handback;
mod hints;
mod items;
mod iter;
mod lanes;
mod link;

pub use handback::hands_back;
pub use link::written as link_paths;
mod loops;
mod match_tree;
mod matching;
mod option;
mod rng;

pub(in crate::front) use rng::METHODS as RNG_METHODS;
mod sort;
mod stats;
mod stmt;
mod structs;
mod syntax;
mod values;

use super::prelude::Module;
use items::Items;
use loops::LoopFrame;

type R<T> = Result<T, FrontError>;

/// The deepest expression (operators, calls, methods, `else if` chains) a kernel may nest: IR
/// trees are walked recursively by every later stage, on the caller's stack.
const MAX_EXPR_DEPTH: usize = 256;

/// Lowers `file`, a block's items; `rng`: its tokens call the generator (`prelude::names_rng`).
pub fn lower_file(file: &syn::File, rng: bool) -> Result<Program, Vec<FrontError>> {
    let mut errors = Vec::new();
    let mut fns = Vec::new();
    let mut names: HashMap<String, FuncId> = HashMap::new();
    let mut program = Program::default();
    let mut items = Items::default();
    let (defs, mut e) = structs::definitions(&file.items);
    items.structs = defs;
    errors.append(&mut e);
    for item in &file.items {
        match items.add(item) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                errors.push(e);
                continue;
            }
        }
        match item {
            syn::Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                if names.contains_key(&name) {
                    errors.push(
                        FrontError::new(
                            &f.sig.ident,
                            format!("the name `{name}` is defined twice"),
                        )
                        .hint("rename one of the functions"),
                    );
                    continue;
                }
                let declared = Function::declared(name.clone(), Span::of(f), Span::of(&f.sig));
                let id = program.functions.push(declared);
                if let Some(h) = handback::hands_back(&f.sig) {
                    items.hand_back.insert(name.clone(), h);
                }
                names.insert(name, id);
                fns.push((id, f));
            }
            // Defined above, their `impl`s below.
            syn::Item::Struct(_) | syn::Item::Impl(_) => {}
            other => errors.push(
                FrontError::new(
                    &item_head(other),
                    "only `fn`, `struct`, `impl`, `const`, `static` and `use` items are allowed inside `rumba::compile!`",
                )
                .hint(match other {
                    syn::Item::Mod(_) => "put a module's kernels in a compile! block of their own inside it",
                    _ => "kernels take scalars, arrays and the block's `#[derive(Clone, Copy)]` structs",
                }),
            ),
        }
    }
    // The functions of `impl` blocks, after the block's own (whose positions are the items').
    let (impl_fns, mut impl_errors) = structs::impl_fns(&file.items, &items.structs);
    errors.append(&mut impl_errors);
    let mut methods = Vec::new();
    for f in impl_fns {
        if names.contains_key(&f.name) {
            errors.push(
                FrontError::new(&f.item.sig.ident, format!("`{}` is defined twice", f.name))
                    .hint("rename one of the functions"),
            );
            continue;
        }
        if matches!(f.item.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
            let method = f.item.sig.ident.to_string();
            let clash = match (f.mutating, items.mutating.get(&method)) {
                (Some(value), Some(&other)) => value != other,
                (Some(_), None) => items.methods.contains(&method),
                (None, Some(_)) => true,
                (None, None) => false,
            };
            if clash {
                errors.push(
                    FrontError::new(&f.item.sig.ident, format!("`{method}` is a method of two structs, of different kinds"))
                        .hint("kernels rewrite a call of a `&mut self` method before they know its receiver's struct: methods of one name must all take `&mut self` and all return a value, or none; rename one"),
                );
                continue;
            }
            items.methods.insert(method.clone());
            if let Some(value) = f.mutating {
                items.mutating.insert(method, value);
            }
        }
        let declared = Function::declared(f.name.clone(), Span::of(&f.item), Span::of(&f.item.sig));
        let id = program.functions.push(declared);
        names.insert(f.name.clone(), id);
        methods.push((id, f));
    }
    // The generator's functions, after the block's, when the block calls it.
    if rng {
        let ids = Module::Rng.add(&mut program).map_err(prelude_error)?;
        names.extend(ids.into_iter().map(|(name, id)| (name.to_string(), id)));
    }
    errors.append(&mut link::declare(file, &mut program, &mut names, &items));
    for (id, f) in fns {
        // A function taking scalars or structs by `&mut` compiled by value, handing them back.
        let by_value = items
            .hand_back
            .contains_key(&f.sig.ident.to_string())
            .then(|| handback::by_value(f.clone(), &items.hand_back));
        match FnLowerer::lower(by_value.as_ref().unwrap_or(f), &names, &items) {
            Ok(func) => program.functions[id] = func,
            Err(mut e) => errors.append(&mut e),
        }
    }
    for (id, f) in methods {
        let mut scope = items.clone();
        scope.self_struct = Some(f.def);
        let by_value = f
            .mutating
            .is_some()
            .then(|| handback::by_value(f.item.clone(), &items.hand_back));
        match FnLowerer::lower(by_value.as_ref().unwrap_or(&f.item), &names, &scope) {
            Ok(func) if func.attrs.vectorize.is_some() => errors.push(
                FrontError::new(&f.item.sig, "a method cannot be `#[rumba(vectorize)]`")
                    .hint("make it a function of the block: `#[rumba(vectorize)] fn f(x) { .. }`"),
            ),
            Ok(mut func) => {
                func.name = f.name;
                program.functions[id] = func;
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        declare_into(&mut program);
        Ok(program)
    } else {
        Err(errors)
    }
}

/// Declares, after every other function, `f::into(.., out)` beside each `#[rumba(vectorize)]`
/// function `f`: `f`'s parameters (untyped: each takes a scalar or an array) and `out`, the
/// array written, with an empty body that `types::vectorize` synthesizes per call.
fn declare_into(program: &mut Program) {
    let vectorized: Vec<FuncId> = program
        .functions
        .iter()
        .filter(|(_, f)| f.attrs.vectorize.is_some_and(|v| v.into.is_none()))
        .map(|(id, _)| id)
        .collect();
    for id in vectorized {
        let f = program.func(id);
        let mut into = Function::declared(format!("{}::into", f.name), f.span, f.sig_span);
        into.attrs = f.attrs;
        into.attrs.vectorize = f.attrs.vectorize.map(|v| Vectorize {
            into: Some(id),
            ..v
        });
        let mut names = Vec::new();
        for &p in &f.params {
            let decl = f.local(p);
            names.push(decl.name.clone());
            let local = into.add_local(LocalDecl {
                ann: TypeAnn::Infer,
                ..decl.clone()
            });
            into.params.push(local);
        }
        // `out`, unless a parameter has that name.
        let mut out = "out".to_string();
        while names.contains(&out) {
            out.push('_');
        }
        let local = into.add_local(LocalDecl {
            name: out,
            ann: TypeAnn::Infer,
            mutable: true,
            span: f.sig_span,
            temp: false,
        });
        into.params.push(local);
        program.functions.push(into);
    }
}

/// An error of the prelude itself: a bug of rumba's.
fn prelude_error(message: String) -> Vec<FrontError> {
    vec![FrontError {
        message,
        hint: None,
        span: Span::default(),
        tokens: TokenStream::new(),
    }]
}

/// A prelude module's functions, lowered, with their full names (`rng::new`): calls of each
/// other numbered from 0 in this order.
pub(super) type LoweredPrelude = Vec<(String, Function<Untyped>)>;

/// Lowers the functions of a prelude module (`front::prelude`), which call each other by their
/// short names.
pub(super) fn lower_prelude(fns: &[(String, syn::ItemFn)]) -> Result<LoweredPrelude, String> {
    // Ids from 0 in this order, from a program of the module alone.
    let mut module = Program::default();
    let short: HashMap<String, FuncId> = fns
        .iter()
        .map(|(name, f)| {
            let declared = Function::declared(name.clone(), Span::of(f), Span::of(&f.sig));
            (f.sig.ident.to_string(), module.functions.push(declared))
        })
        .collect();
    fns.iter()
        .map(|(name, f)| {
            let mut func = FnLowerer::lower(f, &short, &Items::default()).map_err(|e| {
                format!(
                    "internal: the prelude's `{name}` does not lower: {}",
                    e.first().map_or("", |e| e.message.as_str())
                )
            })?;
            func.name = name.clone();
            Ok((name.clone(), func))
        })
        .collect()
}

struct FnLowerer<'a> {
    func: Function<Untyped>,
    names: &'a HashMap<String, FuncId>,
    scopes: Vec<Vec<(String, LocalId)>>,
    /// The constants and `use`d names in scope.
    items: Items,
    /// Per constant item (by its span): the local its value is in, once used.
    const_locals: HashMap<Span, LocalId>,
    /// The constants whose value is being lowered (a cycle is an error).
    evaluating: Vec<Span>,
    /// The statements computing the used constants, run before the body.
    prelude: Vec<Stmt>,
    blocks: Vec<Block>,
    /// The loops around the statement being lowered, innermost last.
    loops: Vec<LoopFrame>,
    /// Locals that a `let` gave a value: assigning them again needs `mut`.
    initialized_immutable: Vec<bool>,
    /// Tokens of each local read, so the initialization check can point at them.
    reads: HashMap<ExprId, TokenStream>,
    /// Per local: the loop depth of a `let x;` without `mut` or a value (see `init`).
    deferred: Vec<Option<u32>>,
    /// Tokens of assignments to such locals, by the statement's span.
    deferred_assigns: HashMap<Span, (String, TokenStream)>,
    errors: Vec<FrontError>,
    temps: u32,
    /// How deeply the expression being lowered is nested (see [`MAX_EXPR_DEPTH`]).
    depth: usize,
    /// The element bindings of walks (`v` in `for v in x.iter()`) and how they may be used.
    elems: HashMap<LocalId, iter::ElemRef>,
    /// Lowering the body of an inlined closure (`x.map_inplace(|v| ..)`): `return` is refused.
    in_closure: bool,
    /// The closures bound with `let`, by their local (inlined at each call: `closure`).
    closures: HashMap<LocalId, closure::LetClosure>,
}

impl<'a> FnLowerer<'a> {
    fn lower(
        item: &syn::ItemFn,
        names: &'a HashMap<String, FuncId>,
        items: &Items,
    ) -> Result<Function<Untyped>, Vec<FrontError>> {
        let sig = &item.sig;
        let mut l = FnLowerer {
            func: Function::declared(sig.ident.to_string(), Span::of(item), Span::of(sig)),
            names,
            scopes: vec![Vec::new()],
            items: items.clone(),
            const_locals: HashMap::new(),
            evaluating: Vec::new(),
            prelude: Vec::new(),
            blocks: vec![Block::default()],
            loops: Vec::new(),
            initialized_immutable: Vec::new(),
            reads: HashMap::new(),
            deferred: Vec::new(),
            deferred_assigns: HashMap::new(),
            errors: Vec::new(),
            temps: 0,
            depth: 0,
            elems: HashMap::new(),
            in_closure: false,
            closures: HashMap::new(),
        };
        if let Err(e) = l.signature(item) {
            return Err(vec![e]);
        }
        match l.block_value(&item.block) {
            Ok(Some(tail)) => {
                let span = l.func.expr(tail).span;
                l.emit(Stmt::Return {
                    value: Some(tail),
                    span,
                })
            }
            Ok(None) => {}
            Err(e) => l.errors.push(e),
        }
        l.func.body = l.blocks.pop().unwrap_or_default();
        let body = std::mem::take(&mut l.func.body.stmts);
        l.func.body.stmts = std::mem::take(&mut l.prelude);
        l.func.body.stmts.extend(body);
        if l.errors.is_empty() {
            // Temporaries are assigned on every path that reads them by construction (a
            // `loop`'s value before each `break`, which the check cannot follow through the
            // flags of labelled jumps).
            let reads = init::uninitialized_reads(&l.func).into_iter().filter(
                |&r| !matches!(l.func.expr(r).kind, ExprKind::Local(v) if l.func.local(v).temp),
            );
            for read in reads {
                let tokens = l.reads.get(&read).cloned().unwrap_or_default();
                let name = match &l.func.expr(read).kind {
                    ExprKind::Local(v) => l.func.local(*v).name.clone(),
                    k => walk::array_operand(k)
                        .map(|a| l.func.local(a).name.clone())
                        .unwrap_or_default(),
                };
                l.errors.push(FrontError {
                    message: format!("used binding `{name}` is possibly-uninitialized"),
                    hint: Some(format!(
                        "give `{name}` a value on every path before this use"
                    )),
                    span: l.func.expr(read).span,
                    tokens,
                });
            }
            for span in init::reassigned_immutables(&l.func, &l.deferred) {
                let (name, tokens) = l.deferred_assigns.get(&span).cloned().unwrap_or_default();
                l.errors.push(FrontError {
                    message: format!("cannot assign twice to immutable variable `{name}`"),
                    hint: Some(format!("make it mutable: `let mut {name}`")),
                    span,
                    tokens,
                });
            }
        }
        if l.errors.is_empty() {
            Ok(l.func)
        } else {
            Err(l.errors)
        }
    }

    fn signature(&mut self, item: &syn::ItemFn) -> R<()> {
        let sig = &item.sig;
        self.func.attrs = attrs::kernel_attrs(&item.attrs)?;
        if let Some(c) = &sig.constness {
            return Err(FrontError::new(c, "kernels cannot be `const fn`"));
        }
        if let Some(a) = &sig.asyncness {
            return Err(FrontError::new(a, "kernels cannot be `async`"));
        }
        if let Some(u) = &sig.unsafety {
            return Err(FrontError::new(u, "kernels cannot be `unsafe`").hint(
                "rumba checks indices; use #[rumba(unsafe(boundscheck = false))] to drop the checks",
            ));
        }
        if let Some(abi) = &sig.abi {
            return Err(FrontError::new(abi, "kernels cannot declare an ABI"));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            return Err(
                FrontError::new(&sig.generics, "kernels cannot be generic").hint(
                    "leave parameters untyped (`fn f(x)`) or write `_`: rumba specializes per call",
                ),
            );
        }
        if let Some(v) = &sig.variadic {
            return Err(FrontError::new(v, "kernels cannot be variadic"));
        }
        for arg in &sig.inputs {
            let pt = match arg {
                syn::FnArg::Typed(pt) => pt,
                syn::FnArg::Receiver(r) => {
                    self.receiver(r)?;
                    continue;
                }
            };
            let syn::Pat::Ident(pi) = &*pt.pat else {
                return Err(FrontError::new(&pt.pat, "parameters must be plain names")
                    .hint("write `fn f(x, y)` or `fn f(x: ArrayView1<f64>)`"));
            };
            if pi.by_ref.is_some() || pi.subpat.is_some() {
                return Err(FrontError::new(&pt.pat, "parameters must be plain names"));
            }
            let ann = self.type_ann(&pt.ty)?;
            if self.func.attrs.vectorize.is_some()
                && matches!(ann, TypeAnn::Array { .. } | TypeAnn::Fixed { .. })
            {
                return Err(FrontError::new(
                    &pt.ty,
                    "a `#[rumba(vectorize)]` function takes scalars, not arrays",
                )
                .hint("declare the element type (`x: f64`) or none (`x`): a call with arrays applies the function to each element"));
            }
            if ann == TypeAnn::Unit {
                return Err(FrontError::new(&pt.ty, "a parameter cannot have type `()`"));
            }
            let name = pi.ident.to_string();
            if self
                .func
                .params
                .iter()
                .any(|p| self.func.local(*p).name == name)
            {
                return Err(FrontError::new(
                    &pi.ident,
                    format!("parameter `{name}` is bound more than once"),
                )
                .hint("give each parameter its own name"));
            }
            let local = self.declare(&pi.ident, ann, pi.mutability.is_some(), true);
            self.func.params.push(local);
            if let Some(def) = self.written_struct(&pt.ty) {
                self.func.param_structs.push((local, def));
            }
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let ann = self.type_ann(ty)?;
            self.func.ret_ann = Some(ann);
        }
        Ok(())
    }

    // ---- locals, scopes, blocks ----

    fn declare(
        &mut self,
        ident: &syn::Ident,
        ann: TypeAnn,
        mutable: bool,
        initialized: bool,
    ) -> LocalId {
        let name = ident.to_string();
        let id = self.func.add_local(LocalDecl {
            name: name.clone(),
            ann,
            mutable,
            span: Span::of(ident),
            temp: false,
        });
        self.initialized_immutable.push(initialized && !mutable);
        self.deferred
            .push((!initialized && !mutable).then_some(self.loops.len() as u32));
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, id));
        }
        id
    }

    fn temp(&mut self, span: Span) -> LocalId {
        self.temps += 1;
        let id = self.func.add_local(LocalDecl {
            name: format!("tmp.{}", self.temps),
            ann: TypeAnn::Infer,
            mutable: true,
            span,
            temp: true,
        });
        self.initialized_immutable.push(false);
        self.deferred.push(None);
        id
    }

    fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    fn emit(&mut self, stmt: Stmt) {
        if let Some(block) = self.blocks.last_mut() {
            block.stmts.push(stmt);
        }
    }

    /// Runs `f` in a fresh block and scope and returns the block it filled.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<(Block, T)> {
        self.blocks.push(Block::default());
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        let block = self.blocks.pop().unwrap_or_default();
        result.map(|t| (block, t))
    }

    fn expr(&mut self, kind: ExprKind<Untyped>, node: &impl ToTokens) -> ExprId {
        let span = super::span_of_tokens(&node.to_token_stream());
        self.func.add_expr(kind, span)
    }

    fn spill(&mut self, e: ExprId) -> ExprId {
        if self.is_simple(e) {
            return e;
        }
        let span = self.func.expr(e).span;
        let t = self.temp(span);
        self.emit(Stmt::Assign {
            local: t,
            value: e,
            span,
        });
        self.func.add_expr(ExprKind::Local(t), span)
    }

    fn is_simple(&self, e: ExprId) -> bool {
        matches!(
            self.func.expr(e).kind,
            ExprKind::Local(_) | ExprKind::Lit(_) | ExprKind::Const(_)
        )
    }

    /// A copy of a simple expression (a local or constant), for reuse at a second place.
    fn copy_simple(&mut self, e: ExprId) -> ExprId {
        let expr = self.func.expr(e).clone();
        self.func.add_expr(expr.kind, expr.span)
    }
}
