//! `syn` syntax -> untyped loop IR.
//!
//! In: a parsed `syn::File` of `fn` items. Out: an [`ir::Program`] whose functions hold structured
//! statements and an expression arena, or every [`FrontError`] found. Block-valued expressions
//! (`if` as a value, `{ .. }` as a value, `&&` with control flow on its right) become temporaries
//! assigned in statements; earlier operands are spilled first so Rust's left-to-right evaluation
//! order (and so which error comes first) is kept.

use super::names::{self, ARRAY_METHODS, NUMERIC_METHODS};
use super::{attrs, init, FrontError};
use crate::ir::*;
use crate::span::Span;
use proc_macro2::TokenStream;
use quote::ToTokens;
use std::collections::HashMap;

type R<T> = Result<T, FrontError>;

const LABEL_HINT: &str = "use a `let mut done = false;` flag and `break` out of each loop in turn";
/// The deepest expression (operators, calls, methods, `else if` chains) a kernel may nest: IR
/// trees are walked recursively by every later stage, on the caller's stack.
const MAX_EXPR_DEPTH: usize = 256;

const EXPR_HINT: &str = "kernels support literals, arithmetic, comparisons, casts, indexing, \
    numeric methods, calls of functions in the same compile! block, if/else and blocks";

pub fn lower_file(file: &syn::File) -> Result<Program, Vec<FrontError>> {
    let mut errors = Vec::new();
    let mut fns = Vec::new();
    let mut names: HashMap<String, FuncId> = HashMap::new();
    let mut program = Program::default();
    for item in &file.items {
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
                names.insert(name, id);
                fns.push((id, f));
            }
            other => errors.push(
                FrontError::new(
                    &item_head(other),
                    "only `fn` items are allowed inside `rumba::compile!`",
                )
                .hint("define structs, traits, consts and uses outside the compile! block"),
            ),
        }
    }
    for (id, f) in fns {
        match FnLowerer::lower(f, &names) {
            Ok(func) => program.functions[id] = func,
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(program)
    } else {
        Err(errors)
    }
}

struct FnLowerer<'a> {
    func: Function,
    names: &'a HashMap<String, FuncId>,
    scopes: Vec<Vec<(String, LocalId)>>,
    blocks: Vec<Block>,
    loop_depth: u32,
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
}

impl<'a> FnLowerer<'a> {
    fn lower(
        item: &syn::ItemFn,
        names: &'a HashMap<String, FuncId>,
    ) -> Result<Function, Vec<FrontError>> {
        let sig = &item.sig;
        let mut l = FnLowerer {
            func: Function::declared(sig.ident.to_string(), Span::of(item), Span::of(sig)),
            names,
            scopes: vec![Vec::new()],
            blocks: vec![Block::default()],
            loop_depth: 0,
            initialized_immutable: Vec::new(),
            reads: HashMap::new(),
            deferred: Vec::new(),
            deferred_assigns: HashMap::new(),
            errors: Vec::new(),
            temps: 0,
            depth: 0,
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
        if l.errors.is_empty() {
            for read in init::uninitialized_reads(&l.func) {
                let tokens = l.reads.get(&read).cloned().unwrap_or_default();
                let name = match l.func.expr(read).kind {
                    ExprKind::Local(v) => l.func.local(v).name.clone(),
                    _ => String::new(),
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
                "rumba checks indices; use #[rumba(boundscheck = false)] to drop the checks",
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
            let syn::FnArg::Typed(pt) = arg else {
                return Err(FrontError::new(arg, "kernels cannot take `self`")
                    .hint("kernels are free functions: pass each value as a parameter"));
            };
            let syn::Pat::Ident(pi) = &*pt.pat else {
                return Err(FrontError::new(&pt.pat, "parameters must be plain names")
                    .hint("write `fn f(x, y)` or `fn f(x: ArrayView1<f64>)`"));
            };
            if pi.by_ref.is_some() || pi.subpat.is_some() {
                return Err(FrontError::new(&pt.pat, "parameters must be plain names"));
            }
            let ann = names::type_ann(&pt.ty)?;
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
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let ann = names::type_ann(ty)?;
            if matches!(ann, TypeAnn::Array { .. }) {
                return Err(FrontError::new(ty, "kernels cannot return arrays")
                    .hint("write results into a `&mut` array argument"));
            }
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
            .push((!initialized && !mutable).then_some(self.loop_depth));
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

    fn expr(&mut self, kind: ExprKind, node: &impl ToTokens) -> ExprId {
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

    // ---- statements ----

    /// Lowers the statements of a block in a new scope, returning its tail value if any.
    fn block_value(&mut self, block: &syn::Block) -> R<Option<ExprId>> {
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last = i + 1 == n;
            match stmt {
                syn::Stmt::Expr(e, None) if last && !is_statement_like(e) => {
                    return self.expr_value(e).map(Some);
                }
                _ => {
                    if let Err(err) = self.stmt(stmt) {
                        self.errors.push(err);
                    }
                }
            }
        }
        Ok(None)
    }

    fn stmt(&mut self, stmt: &syn::Stmt) -> R<()> {
        match stmt {
            syn::Stmt::Local(local) => self.let_stmt(local),
            syn::Stmt::Item(item) => Err(FrontError::new(
                &item_head(item),
                "items cannot be nested inside a kernel",
            )
            .hint("define helper functions at the top level of the compile! block")),
            syn::Stmt::Macro(m) => Err(macro_error(&m.mac)),
            syn::Stmt::Expr(e, _) => self.stmt_expr(e),
        }
    }

    fn let_stmt(&mut self, local: &syn::Local) -> R<()> {
        if let Some(init) = &local.init {
            if let Some((_, diverge)) = &init.diverge {
                return Err(FrontError::new(diverge, "`let ... else` is not supported"));
            }
        }
        if let Some(c) = local.init.as_ref().and_then(|i| shared_array_call(&i.expr)) {
            let result = self.let_shared(local, c);
            if let (Err(_), syn::Pat::Ident(pi)) = (&result, &local.pat) {
                // Still bind the name, so later uses do not report it as unknown.
                self.declare(&pi.ident, TypeAnn::Infer, true, true);
            }
            return result;
        }
        let (pat, ann) = match &local.pat {
            syn::Pat::Type(pt) => (&*pt.pat, names::type_ann(&pt.ty)?),
            p => (p, TypeAnn::Infer),
        };
        if matches!(ann, TypeAnn::Array { .. }) {
            return Err(
                FrontError::new(&local.pat, "arrays cannot be bound with `let`")
                    .hint("use the array argument directly"),
            );
        }
        let init = local.init.as_ref().map(|i| &*i.expr);
        match pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let value = match init.map(|e| self.expr_value(e)).transpose() {
                    Ok(v) => v,
                    Err(e) => {
                        // Still bind the name, so later uses do not report it as unknown.
                        self.declare(&pi.ident, ann, true, true);
                        return Err(e);
                    }
                };
                let id = self.declare(&pi.ident, ann, pi.mutability.is_some(), value.is_some());
                if let Some(value) = value {
                    self.emit(Stmt::Assign {
                        local: id,
                        value,
                        span: Span::of(local),
                    });
                }
                Ok(())
            }
            syn::Pat::Wild(_) => {
                if let Some(e) = init {
                    let value = self.expr_value(e)?;
                    self.emit(Stmt::Eval(value));
                }
                Ok(())
            }
            syn::Pat::Tuple(tuple) => self.let_dim(local, tuple, init),
            other => Err(FrontError::new(other, "unsupported pattern in `let`").hint(
                "bind a name (`let x = ..`) or destructure a shape (`let (n, m) = a.dim()`)",
            )),
        }
    }

    /// `let tile = shared_array::<f32>([16, 16]);` (see [`SharedArray`]).
    fn let_shared(&mut self, local: &syn::Local, c: &syn::ExprCall) -> R<()> {
        const USAGE: &str = "declare it as `let tile = shared_array::<f32>([16, 16]);`: an element type and 1 to 3 extents, integer literals";
        if !self.func.attrs.cuda {
            return Err(FrontError::new(c, "`shared_array` is only available in `#[rumba(cuda)]` functions")
                .hint("shared memory belongs to a block of GPU threads: mark the function `#[rumba(cuda)]`"));
        }
        let syn::Pat::Ident(pi) = &local.pat else {
            return Err(FrontError::new(&local.pat, "bind a shared array to a name").hint(USAGE));
        };
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            return Err(FrontError::new(&local.pat, "bind a shared array to a name").hint(USAGE));
        }
        let elem = match &*c.func {
            syn::Expr::Path(p) => match &p.path.segments[0].arguments {
                syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
                    syn::GenericArgument::Type(syn::Type::Path(t)) => t
                        .path
                        .get_ident()
                        .and_then(|i| Scalar::from_name(&i.to_string())),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some(elem) = elem else {
            return Err(
                FrontError::new(&c.func, "`shared_array` needs its element type").hint(USAGE),
            );
        };
        if c.args.len() != 1 {
            return Err(
                FrontError::new(c, "`shared_array` takes one argument, its shape").hint(USAGE),
            );
        }
        let extents: Vec<&syn::Expr> = match strip_parens(&c.args[0]) {
            syn::Expr::Array(a) => a.elems.iter().collect(),
            e => vec![e],
        };
        if extents.is_empty() || extents.len() > 3 {
            return Err(
                FrontError::new(&c.args[0], "a shared array has 1 to 3 dimensions").hint(USAGE),
            );
        }
        let mut shape = Vec::new();
        for e in extents {
            let n = match strip_parens(e) {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse::<u64>().ok().filter(|&n| n > 0),
                _ => None,
            };
            let Some(n) = n else {
                return Err(FrontError::new(
                    e,
                    "the extents of a shared array are positive integer literals",
                )
                .hint("shared memory is laid out when the kernel is compiled: its size is fixed"));
            };
            shape.push(n);
        }
        let bytes = shape
            .iter()
            .try_fold(elem.size() as u64, |a, &n| a.checked_mul(n))
            .unwrap_or(u64::MAX);
        let used: u64 = self.func.shared.iter().map(SharedArray::bytes).sum();
        if bytes.saturating_add(used) > SharedArray::MAX_BYTES {
            return Err(FrontError::new(
                c,
                format!(
                    "a block has at most {} bytes of shared memory; this array needs {bytes}{}",
                    SharedArray::MAX_BYTES,
                    if used > 0 {
                        format!(" more after {used}")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        let ann = TypeAnn::Array {
            elem: Some(elem),
            ndim: Some(shape.len() as u8),
            writable: true,
        };
        let id = self.declare(&pi.ident, ann, false, true);
        self.func.shared.push(SharedArray {
            local: id,
            elem,
            shape,
            span: Span::of(local),
        });
        Ok(())
    }

    /// `let (n, m) = a.dim();`
    fn let_dim(
        &mut self,
        local: &syn::Local,
        tuple: &syn::PatTuple,
        init: Option<&syn::Expr>,
    ) -> R<()> {
        let hint = "tuples come only from `let (n, m) = a.dim()`";
        let Some(syn::Expr::MethodCall(mc)) = init.map(strip_parens) else {
            return Err(
                FrontError::new(local, "tuple patterns need `array.dim()` on the right").hint(hint),
            );
        };
        if mc.method != "dim" || !mc.args.is_empty() {
            return Err(
                FrontError::new(mc, "tuple patterns need `array.dim()` on the right").hint(hint),
            );
        }
        let array = self.array_name(&mc.receiver)?;
        let of = tuple.elems.len() as u8;
        for (d, pat) in tuple.elems.iter().enumerate() {
            let query = ShapeQuery::DimOf { d: d as u8, of };
            match pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    let value = self.expr(ExprKind::Shape { array, query }, mc);
                    let id = self.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true);
                    self.emit(Stmt::Assign {
                        local: id,
                        value,
                        span: Span::of(pat),
                    });
                }
                syn::Pat::Wild(_) => {
                    let value = self.expr(ExprKind::Shape { array, query }, mc);
                    self.emit(Stmt::Eval(value));
                }
                other => return Err(FrontError::new(other, "expected a name or `_`").hint(hint)),
            }
        }
        Ok(())
    }

    fn stmt_expr(&mut self, e: &syn::Expr) -> R<()> {
        match e {
            syn::Expr::Assign(a) => self.assign(&a.left, None, &a.right, e),
            syn::Expr::Binary(b) if compound_op(&b.op).is_some() => {
                self.assign(&b.left, compound_op(&b.op), &b.right, e)
            }
            syn::Expr::If(i) => self.if_stmt(i, None),
            syn::Expr::While(w) => self.while_loop(w),
            syn::Expr::Loop(l) => self.loop_stmt(l),
            syn::Expr::ForLoop(f) => self.for_loop(f),
            syn::Expr::Block(b) if b.label.is_none() => {
                if b.attrs.iter().any(|a| !a.path().is_ident("doc")) {
                    return Err(FrontError::new(b, "attributes on blocks are not supported"));
                }
                let (block, ()) = self.nested(|l| l.block_value(&b.block).map(|_| ()))?;
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(block.stmts);
                }
                Ok(())
            }
            syn::Expr::Break(b) => {
                if b.label.is_some() {
                    return Err(
                        FrontError::new(b, "labeled `break` is not supported").hint(LABEL_HINT)
                    );
                }
                if b.expr.is_some() {
                    return Err(FrontError::new(b, "`break` with a value is not supported")
                        .hint("assign the value to a `let mut` declared before the loop"));
                }
                if self.loop_depth == 0 {
                    return Err(FrontError::new(b, "`break` outside of a loop")
                        .hint("`break` leaves a `for`, `while` or `loop`; use `return` to leave the function"));
                }
                self.emit(Stmt::Break);
                Ok(())
            }
            syn::Expr::Continue(c) => {
                if c.label.is_some() {
                    return Err(
                        FrontError::new(c, "labeled `continue` is not supported").hint(LABEL_HINT)
                    );
                }
                if self.loop_depth == 0 {
                    return Err(FrontError::new(c, "`continue` outside of a loop").hint(
                        "`continue` starts the next iteration of a `for`, `while` or `loop`",
                    ));
                }
                self.emit(Stmt::Continue);
                Ok(())
            }
            syn::Expr::Return(r) => {
                let value = r.expr.as_ref().map(|v| self.expr_value(v)).transpose()?;
                self.emit(Stmt::Return {
                    value,
                    span: Span::of(r),
                });
                Ok(())
            }
            syn::Expr::Paren(p) => self.stmt_expr(&p.expr),
            _ => {
                let value = self.expr_value(e)?;
                self.emit(Stmt::Eval(value));
                Ok(())
            }
        }
    }

    fn assign(
        &mut self,
        left: &syn::Expr,
        op: Option<BinOp>,
        right: &syn::Expr,
        whole: &syn::Expr,
    ) -> R<()> {
        let span = Span::of(whole);
        match strip_parens(left) {
            syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p
                    .path
                    .get_ident()
                    .ok_or_else(|| FrontError::new(p, "expected a name"))?;
                let name = ident.to_string();
                let Some(local) = self.lookup(&name) else {
                    return Err(unknown_value(ident, &name, self.names));
                };
                let decl = self.func.local(local);
                if !decl.mutable && (self.initialized_immutable[local.index()] || op.is_some()) {
                    if self.func.params.contains(&local) {
                        return Err(FrontError::new(
                            left,
                            format!("cannot assign to immutable argument `{name}`"),
                        )
                        .hint(format!("make the parameter mutable: `mut {name}`")));
                    }
                    return Err(FrontError::new(
                        left,
                        format!("cannot assign twice to immutable variable `{name}`"),
                    )
                    .hint(format!("make it mutable: `let mut {name}`")));
                }
                if self.deferred[local.index()].is_some() {
                    self.deferred_assigns
                        .insert(span, (name.clone(), whole.to_token_stream()));
                }
                let rhs = self.expr_value(right)?;
                let value = match op {
                    None => rhs,
                    Some(op) => {
                        let cur = self.expr(ExprKind::Local(local), left);
                        self.func.add_expr(ExprKind::Binary(op, cur, rhs), span)
                    }
                };
                self.emit(Stmt::Assign { local, value, span });
                Ok(())
            }
            syn::Expr::Index(ix) => {
                let array = self.array_name(&ix.expr)?;
                let rhs = self.expr_value(right)?;
                let rhs = if op.is_some() { self.spill(rhs) } else { rhs };
                let index = self.indices(&ix.index)?;
                let value = match op {
                    None => rhs,
                    Some(op) => {
                        let index: Vec<ExprId> = index.iter().map(|&i| self.spill(i)).collect();
                        let copy: Vec<ExprId> =
                            index.iter().map(|&i| self.copy_simple(i)).collect();
                        let cur = self.expr(
                            ExprKind::Load {
                                array,
                                index: copy,
                                checked: true,
                            },
                            left,
                        );
                        let value = self.func.add_expr(ExprKind::Binary(op, cur, rhs), span);
                        self.emit(Stmt::Store {
                            array,
                            index,
                            value,
                            span,
                            checked: true,
                        });
                        return Ok(());
                    }
                };
                self.emit(Stmt::Store {
                    array,
                    index,
                    value,
                    span,
                    checked: true,
                });
                Ok(())
            }
            other => Err(
                FrontError::new(other, "invalid left-hand side of assignment")
                    .hint("assign to a `let mut` variable or to an array element `y[i]`"),
            ),
        }
    }

    fn if_stmt(&mut self, i: &syn::ExprIf, target: Option<LocalId>) -> R<()> {
        // `else if` chains nest without brackets: they count towards the expression depth.
        self.depth += 1;
        let r = if self.depth > MAX_EXPR_DEPTH {
            Err(FrontError::new(
                &i.if_token,
                format!("`else if` chain nested more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .hint("split the chain with a helper function"))
        } else {
            self.if_stmt_inner(i, target)
        };
        self.depth -= 1;
        r
    }

    fn if_stmt_inner(&mut self, i: &syn::ExprIf, target: Option<LocalId>) -> R<()> {
        let cond = self.expr_value(&i.cond)?;
        let (then_body, ()) = self.nested(|l| l.arm(&i.then_branch, target))?;
        let else_body = match &i.else_branch {
            None => {
                if target.is_some() {
                    return Err(FrontError::new(i, "`if` without `else` used as a value")
                        .hint("add an `else` branch"));
                }
                Block::default()
            }
            Some((_, e)) => {
                let (b, ()) = self.nested(|l| match &**e {
                    syn::Expr::If(inner) => l.if_stmt(inner, target),
                    syn::Expr::Block(b) => l.arm(&b.block, target),
                    other => Err(FrontError::new(other, "expected a block after `else`")),
                })?;
                b
            }
        };
        self.emit(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(())
    }

    /// A branch of an `if` (or a block) whose tail, if any, goes to `target`.
    fn arm(&mut self, block: &syn::Block, target: Option<LocalId>) -> R<()> {
        let tail = self.block_value(block)?;
        match (target, tail) {
            (Some(t), Some(v)) => {
                let span = self.func.expr(v).span;
                self.emit(Stmt::Assign {
                    local: t,
                    value: v,
                    span,
                });
            }
            (None, Some(v)) => self.emit(Stmt::Eval(v)),
            (Some(_), None) if !ends_in_divergence(block) => {
                return Err(FrontError::new(block, "this block has no value")
                    .hint("end the block with an expression (no `;`)"))
            }
            _ => {}
        }
        Ok(())
    }

    fn in_loop<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<(Block, T)> {
        self.loop_depth += 1;
        let r = self.nested(f);
        self.loop_depth -= 1;
        r
    }

    fn while_loop(&mut self, w: &syn::ExprWhile) -> R<()> {
        if w.label.is_some() {
            return Err(FrontError::new(&w.label, "loop labels are not supported").hint(LABEL_HINT));
        }
        if let syn::Expr::Let(l) = &*w.cond {
            return Err(FrontError::new(l, "`while let` is not supported").hint("use `while cond`"));
        }
        let (body, ()) = self.in_loop(|l| {
            let cond = l.expr_value(&w.cond)?;
            l.emit(Stmt::If {
                cond,
                then_body: Block::default(),
                else_body: Block {
                    stmts: vec![Stmt::Break],
                },
            });
            l.block_value(&w.body).map(|_| ())
        })?;
        self.emit(Stmt::Loop { body });
        Ok(())
    }

    fn loop_stmt(&mut self, lp: &syn::ExprLoop) -> R<()> {
        if lp.label.is_some() {
            return Err(
                FrontError::new(&lp.label, "loop labels are not supported").hint(LABEL_HINT)
            );
        }
        let (body, ()) = self.in_loop(|l| l.block_value(&lp.body).map(|_| ()))?;
        self.emit(Stmt::Loop { body });
        Ok(())
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop) -> R<()> {
        if f.label.is_some() {
            return Err(FrontError::new(&f.label, "loop labels are not supported").hint(LABEL_HINT));
        }
        let range = self.for_range(&f.expr)?;
        let span = Span::of(f);
        let (body, var) = self.in_loop(|l| {
            let var = match &*f.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    l.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true)
                }
                syn::Pat::Wild(w) => l.temp(Span::of(w)),
                other => {
                    return Err(FrontError::new(other, "a `for` loop binds one name")
                        .hint("write `for i in 0..n`"))
                }
            };
            l.block_value(&f.body)?;
            Ok(var)
        })?;
        self.emit(Stmt::For {
            var,
            range,
            body,
            span,
        });
        Ok(())
    }

    fn for_range(&mut self, e: &syn::Expr) -> R<ForRange> {
        const HINT: &str =
            "loop over `a..b`, `a..=b`, `(a..b).rev()`, `(a..b).step_by(k)` or `prange(a..b)`";
        match strip_parens(e) {
            syn::Expr::Range(r) => {
                let (Some(start), Some(end)) = (&r.start, &r.end) else {
                    return Err(
                        FrontError::new(r, "a `for` range needs a start and an end").hint(HINT)
                    );
                };
                let start = self.expr_value(start)?;
                let start = if needs_stmts(end) {
                    self.spill(start)
                } else {
                    start
                };
                let end = self.expr_value(end)?;
                Ok(ForRange {
                    start,
                    end,
                    inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                    reverse: false,
                    step: None,
                    parallel: false,
                })
            }
            syn::Expr::Call(c) if is_prange(&c.func) => {
                if c.args.len() != 1 {
                    return Err(
                        FrontError::new(c, "`prange` takes one range or one count").hint(HINT)
                    );
                }
                let arg = &c.args[0];
                let mut range = if matches!(strip_parens(arg), syn::Expr::Range(_)) {
                    self.for_range(arg)?
                } else {
                    let end = self.expr_value(arg)?;
                    let start = self
                        .func
                        .add_expr(ExprKind::Lit(Lit::Int(0, None)), Span::of(arg));
                    ForRange {
                        start,
                        end,
                        inclusive: false,
                        reverse: false,
                        step: None,
                        parallel: false,
                    }
                };
                range.parallel = true;
                Ok(range)
            }
            syn::Expr::MethodCall(mc) if mc.method == "rev" && mc.args.is_empty() => {
                let mut range = self.for_range(&mc.receiver)?;
                if range.reverse {
                    return Err(FrontError::new(mc, "`.rev().rev()` is not supported").hint(HINT));
                }
                if range.step.is_some() {
                    return Err(FrontError::new(mc, "`.step_by(k).rev()` is not supported")
                        .hint("write `(a..b).rev().step_by(k)` to count down from the end"));
                }
                range.reverse = true;
                Ok(range)
            }
            syn::Expr::MethodCall(mc) if mc.method == "step_by" && mc.args.len() == 1 => {
                let mut range = self.for_range(&mc.receiver)?;
                if range.step.is_some() {
                    return Err(FrontError::new(mc, "`step_by` twice is not supported").hint(HINT));
                }
                range.step = Some(self.expr_value(&mc.args[0])?);
                Ok(range)
            }
            other => Err(FrontError::new(other, "unsupported `for` iterator").hint(HINT)),
        }
    }

    // ---- expressions ----

    fn array_name(&mut self, e: &syn::Expr) -> R<LocalId> {
        match strip_parens(e) {
            syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p
                    .path
                    .get_ident()
                    .ok_or_else(|| FrontError::new(p, "expected a name"))?;
                let name = ident.to_string();
                self.lookup(&name)
                    .ok_or_else(|| unknown_value(ident, &name, self.names))
            }
            other => Err(
                FrontError::new(other, "only array arguments can be indexed or queried")
                    .hint("index a parameter by name: `x[i]`, `a[[i, j]]`"),
            ),
        }
    }

    fn indices(&mut self, index: &syn::Expr) -> R<Vec<ExprId>> {
        match strip_parens(index) {
            syn::Expr::Array(a) => self.operands(a.elems.iter()),
            syn::Expr::Tuple(t) => self.operands(t.elems.iter()),
            e => Ok(vec![self.expr_value(e)?]),
        }
    }

    /// Lowers operands left to right, spilling those that come before an operand with statements.
    fn operands<'e>(&mut self, es: impl Iterator<Item = &'e syn::Expr>) -> R<Vec<ExprId>> {
        let es: Vec<&syn::Expr> = es.collect();
        let last_complex = es.iter().rposition(|e| needs_stmts(e));
        let mut out = Vec::with_capacity(es.len());
        for (i, e) in es.iter().enumerate() {
            let id = self.expr_value(e)?;
            out.push(match last_complex {
                Some(k) if i < k => self.spill(id),
                _ => id,
            });
        }
        Ok(out)
    }

    fn expr_value(&mut self, e: &syn::Expr) -> R<ExprId> {
        self.depth += 1;
        let r = if self.depth > MAX_EXPR_DEPTH {
            Err(FrontError::new(
                e,
                format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .hint("split it with `let` bindings or a helper function"))
        } else {
            self.expr_value_inner(e)
        };
        self.depth -= 1;
        r
    }

    fn expr_value_inner(&mut self, e: &syn::Expr) -> R<ExprId> {
        match e {
            syn::Expr::Lit(l) => self.literal(&l.lit, false, e),
            syn::Expr::Paren(p) => self.expr_value(&p.expr),
            syn::Expr::Group(g) => self.expr_value(&g.expr),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => {
                    if let syn::Expr::Lit(l) = strip_parens(&u.expr) {
                        if matches!(l.lit, syn::Lit::Int(_) | syn::Lit::Float(_)) {
                            return self.literal(&l.lit, true, e);
                        }
                    }
                    let x = self.expr_value(&u.expr)?;
                    Ok(self.expr(ExprKind::Unary(UnOp::Neg, x), e))
                }
                syn::UnOp::Not(_) => {
                    let x = self.expr_value(&u.expr)?;
                    Ok(self.expr(ExprKind::Unary(UnOp::Not, x), e))
                }
                _ => Err(FrontError::new(e, "dereferencing is not supported in kernels")
                    .hint("kernels work on values and array elements; there are no references")),
            },
            syn::Expr::Binary(b) => self.binary(b),
            syn::Expr::Cast(c) => {
                let ty = names::scalar(&c.ty)?;
                let x = self.expr_value(&c.expr)?;
                Ok(self.expr(ExprKind::Cast(x, ty), e))
            }
            syn::Expr::Path(p) => self.path(p),
            syn::Expr::Index(ix) => self.index(ix),
            syn::Expr::MethodCall(mc) => self.method(mc),
            syn::Expr::Call(c) => self.call(c),
            syn::Expr::If(i) => {
                let t = self.temp(Span::of(i));
                self.if_stmt(i, Some(t))?;
                Ok(self.expr(ExprKind::Local(t), i))
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                let t = self.temp(Span::of(b));
                let (block, ()) = self.nested(|l| l.arm(&b.block, Some(t)))?;
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(block.stmts);
                }
                Ok(self.expr(ExprKind::Local(t), b))
            }
            syn::Expr::Assign(_) => Err(FrontError::new(e, "assignments are statements here")
                .hint("put the assignment on its own line, ending with `;`")),
            syn::Expr::Match(m) => Err(FrontError::new(&m.match_token, "`match` is not supported")
                .hint("use `if` / `else if` / `else`")),
            syn::Expr::Closure(_) => Err(FrontError::new(e, "closures are not supported in kernels")
                .hint("write a helper `fn` in the same compile! block")),
            syn::Expr::Reference(_) => Err(FrontError::new(e, "references cannot be taken inside a kernel")
                .hint("pass arrays and values by name: `f(x)`, not `f(&x)`")),
            syn::Expr::Macro(m) => Err(macro_error(&m.mac)),
            syn::Expr::Unsafe(_) => Err(FrontError::new(e, "`unsafe` is not allowed in kernels")
                .hint("rumba checks indices; use #[rumba(boundscheck = false)] to drop the checks")),
            syn::Expr::Struct(_) => Err(FrontError::new(e, "structs are not supported in kernels")
                .hint("pass the fields as separate scalars or arrays")),
            syn::Expr::Tuple(_) => Err(FrontError::new(e, "tuples are not supported as values")
                .hint("tuples come only from `let (n, m) = a.dim()`")),
            syn::Expr::Array(_) => Err(FrontError::new(e, "array literals are only used as indices")
                .hint("index N-D arrays with `a[[i, j]]`")),
            syn::Expr::Range(_) => Err(FrontError::new(e, "ranges are only allowed in `for` loops")),
            syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                Err(FrontError::new(e, "loops cannot be used as values")
                    .hint("assign to a `let mut` declared before the loop"))
            }
            syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_) => {
                Err(FrontError::new(e, "`break`, `continue` and `return` are statements here")
                    .hint("put it on its own line"))
            }
            syn::Expr::Field(_) => Err(FrontError::new(e, "field access is not supported in kernels")
                .hint("kernels have no structs or tuples: pass each field as its own scalar or array")),
            syn::Expr::Try(_) => Err(FrontError::new(e, "the `?` operator is not supported in kernels")
                .hint("kernel values cannot fail: rumba reports bad indices and divisions as the call's `Err`")),
            _ => Err(FrontError::new(e, "unsupported expression in a kernel").hint(EXPR_HINT)),
        }
    }

    fn literal(&mut self, lit: &syn::Lit, negate: bool, node: &syn::Expr) -> R<ExprId> {
        let lit = match lit {
            syn::Lit::Int(i) => {
                let suffix = scalar_suffix(i.suffix(), lit)?;
                if suffix.is_some_and(|s| s.is_float()) {
                    let digits = i.base10_digits();
                    let text = if negate {
                        format!("-{digits}")
                    } else {
                        digits.to_string()
                    };
                    Lit::Float(text, suffix)
                } else {
                    let value: u128 = i
                        .base10_parse()
                        .map_err(|e| FrontError::new(lit, e.to_string()))?;
                    let value = i128::try_from(value)
                        .map_err(|_| FrontError::new(lit, "integer literal is too large"))?;
                    Lit::Int(if negate { -value } else { value }, suffix)
                }
            }
            syn::Lit::Float(f) => {
                let suffix = scalar_suffix(f.suffix(), lit)?;
                if suffix.is_some_and(|s| !s.is_float()) {
                    return Err(FrontError::new(lit, "invalid suffix for a float literal"));
                }
                let digits = f.base10_digits();
                Lit::Float(
                    if negate {
                        format!("-{digits}")
                    } else {
                        digits.to_string()
                    },
                    suffix,
                )
            }
            syn::Lit::Bool(b) => Lit::Bool(b.value),
            other => {
                return Err(FrontError::new(
                    other,
                    "only numeric and boolean literals are supported",
                )
                .hint("kernels compute on numbers: strings and chars have no type here"))
            }
        };
        Ok(self.expr(ExprKind::Lit(lit), node))
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> R<ExprId> {
        if compound_op(&b.op).is_some() {
            return Err(
                FrontError::new(b, "compound assignments are statements here")
                    .hint("put the assignment on its own line, ending with `;`"),
            );
        }
        let logic = match b.op {
            syn::BinOp::And(_) => Some(LogicOp::And),
            syn::BinOp::Or(_) => Some(LogicOp::Or),
            _ => None,
        };
        if let Some(op) = logic {
            let lhs = self.expr_value(&b.left)?;
            if !needs_stmts(&b.right) {
                let rhs = self.expr_value(&b.right)?;
                return Ok(self.expr(ExprKind::Logical(op, lhs, rhs), b));
            }
            // `a && { .. }`: the right side's statements run only when needed.
            let t = self.temp(Span::of(b));
            self.func.locals[t].ann = TypeAnn::Scalar(Scalar::Bool);
            let span = Span::of(b);
            self.emit(Stmt::Assign {
                local: t,
                value: lhs,
                span,
            });
            let (then_block, ()) = self.nested(|l| {
                let rhs = l.expr_value(&b.right)?;
                l.emit(Stmt::Assign {
                    local: t,
                    value: rhs,
                    span,
                });
                Ok(())
            })?;
            let cond = self.expr(ExprKind::Local(t), &b.left);
            let (then_body, else_body) = match op {
                LogicOp::And => (then_block, Block::default()),
                LogicOp::Or => (Block::default(), then_block),
            };
            self.emit(Stmt::If {
                cond,
                then_body,
                else_body,
            });
            return Ok(self.expr(ExprKind::Local(t), b));
        }
        let op = bin_op(&b.op).ok_or_else(|| FrontError::new(b, "unsupported operator"))?;
        let ops = self.operands([&*b.left, &*b.right].into_iter())?;
        Ok(self.expr(ExprKind::Binary(op, ops[0], ops[1]), b))
    }

    fn path(&mut self, p: &syn::ExprPath) -> R<ExprId> {
        if let Some(ident) = p.path.get_ident() {
            let name = ident.to_string();
            if let Some(local) = self.lookup(&name) {
                let id = self.expr(ExprKind::Local(local), p);
                self.reads.insert(id, p.to_token_stream());
                return Ok(id);
            }
            return Err(unknown_value(ident, &name, self.names));
        }
        if let Some(c) = names::std_const(&p.path) {
            return Ok(self.expr(ExprKind::Const(c), p));
        }
        Err(FrontError::new(p, "unknown path in a kernel")
            .hint("std constants such as `std::f64::consts::PI`, `f32::INFINITY`, `i32::MAX` are supported"))
    }

    fn index(&mut self, ix: &syn::ExprIndex) -> R<ExprId> {
        // `a.shape()[d]`
        if let syn::Expr::MethodCall(mc) = strip_parens(&ix.expr) {
            if mc.method == "shape" && mc.args.is_empty() {
                let array = self.array_name(&mc.receiver)?;
                let d = const_dim(&ix.index)?;
                return Ok(self.expr(
                    ExprKind::Shape {
                        array,
                        query: ShapeQuery::Dim(d),
                    },
                    ix,
                ));
            }
        }
        let array = self.array_name(&ix.expr)?;
        let index = self.indices(&ix.index)?;
        Ok(self.expr(
            ExprKind::Load {
                array,
                index,
                checked: true,
            },
            ix,
        ))
    }

    fn method(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let name = mc.method.to_string();
        if mc.turbofish.is_some() {
            return Err(FrontError::new(
                mc,
                "turbofish `::<>` is not supported in kernels",
            ));
        }
        if ARRAY_METHODS.contains(&name.as_str()) {
            let array = self.array_name(&mc.receiver)?;
            if !mc.args.is_empty() {
                return Err(FrontError::new(mc, format!("`{name}` takes no arguments")));
            }
            let query = match name.as_str() {
                "len" => ShapeQuery::Len,
                "ndim" => ShapeQuery::Ndim,
                "is_empty" => ShapeQuery::IsEmpty,
                "nrows" => ShapeQuery::Rows2d,
                "ncols" => ShapeQuery::Cols2d,
                "dim" => ShapeQuery::DimOf { d: 0, of: 1 },
                _ => {
                    return Err(FrontError::new(mc, "`shape()` must be indexed")
                        .hint("write `a.shape()[0]`"))
                }
            };
            return Ok(self.expr(ExprKind::Shape { array, query }, mc));
        }
        if !NUMERIC_METHODS.contains(&name.as_str()) {
            return Err(FrontError::new(&mc.method, format!("unsupported method `{name}`"))
                .hint("numeric methods of f32/f64 and the integers (sqrt, exp, powi, min, max, abs, ...) and array queries (len, dim, shape, nrows, ncols, ndim, is_empty) are supported"));
        }
        let all: Vec<&syn::Expr> = std::iter::once(&*mc.receiver)
            .chain(mc.args.iter())
            .collect();
        let mut ops = self.operands(all.into_iter())?;
        let receiver = ops.remove(0);
        Ok(self.expr(
            ExprKind::Method {
                name,
                receiver,
                args: ops,
            },
            mc,
        ))
    }

    fn call(&mut self, c: &syn::ExprCall) -> R<ExprId> {
        let syn::Expr::Path(p) = &*c.func else {
            return Err(FrontError::new(
                &c.func,
                "only named functions can be called",
            ));
        };
        let Some(ident) = p.path.get_ident() else {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if last == "shared_array" {
                return Err(
                    FrontError::new(c, "a shared array must be bound with `let`")
                        .hint("declare it as `let tile = shared_array::<f32>([16, 16]);`"),
                );
            }
            let hint = match method_call_hint(&last) {
                Some(h) => h,
                None => {
                    "call numeric functions as methods (`x.sqrt()`), helpers by name (`cnd(x)`)"
                        .into()
                }
            };
            return Err(FrontError::new(p, "unsupported function path").hint(hint));
        };
        let name = ident.to_string();
        if name == "shared_array" {
            return Err(
                FrontError::new(c, "a shared array must be bound with `let`")
                    .hint("declare it as `let tile = shared_array::<f32>([16, 16]);`"),
            );
        }
        if name == "prange" {
            return Err(FrontError::new(
                c,
                "`prange` is only allowed as the iterator of a `for` loop",
            ));
        }
        if !self.names.contains_key(&name) {
            if let Some(op) = GpuOp::from_name(&name) {
                return self.gpu_builtin(op, c);
            }
        }
        let Some(&func) = self.names.get(&name) else {
            let hint = method_call_hint(&name).unwrap_or_else(|| {
                "kernels can call functions defined in the same compile! block".into()
            });
            return Err(FrontError::new(
                ident,
                format!("cannot find function `{name}` in this compile! block"),
            )
            .hint(hint));
        };
        let args = self.operands(c.args.iter())?;
        Ok(self.expr(ExprKind::Call { func, args }, c))
    }
}

impl FnLowerer<'_> {
    /// `thread_idx_x()`, `sync_threads()`, `atomic_add(a, i, v)`, `atomic_add(a, [i, j], v)`, ...
    fn gpu_builtin(&mut self, op: GpuOp, c: &syn::ExprCall) -> R<ExprId> {
        let name = op.name();
        if !self.func.attrs.cuda {
            return Err(FrontError::new(c, format!("`{name}` is only available in `#[rumba(cuda)]` functions"))
                .hint("mark the function `#[rumba(cuda)]` (an explicit GPU kernel), or write the loop as `for i in prange(a..b)` to run it on either device"));
        }
        let args: Vec<&syn::Expr> = c.args.iter().collect();
        if !matches!(op, GpuOp::Atomic(_)) {
            if !args.is_empty() {
                return Err(FrontError::new(c, format!("`{name}` takes no arguments")));
            }
            return Ok(self.expr(
                ExprKind::Gpu {
                    op,
                    array: None,
                    index: Vec::new(),
                    args: Vec::new(),
                },
                c,
            ));
        }
        let want = 2 + op.value_args();
        if args.len() != want {
            let usage = if want == 4 {
                format!("{name}(array, index, expected, new)")
            } else {
                format!("{name}(array, index, value)")
            };
            return Err(
                FrontError::new(c, format!("`{name}` takes {want} arguments"))
                    .hint(format!("write `{usage}`; index an N-D array with `[i, j]`")),
            );
        }
        let array = self.array_name(args[0])?;
        let mut index = self.indices(args[1])?;
        if args[2..].iter().any(|e| needs_stmts(e)) {
            // Rust evaluates the index before the values.
            index = index.into_iter().map(|i| self.spill(i)).collect();
        }
        let values = self.operands(args[2..].iter().copied())?;
        Ok(self.expr(
            ExprKind::Gpu {
                op,
                array: Some(array),
                index,
                args: values,
            },
            c,
        ))
    }
}

/// `shared_array::<T>(..)`, the right-hand side of a shared array's `let`.
fn shared_array_call(e: &syn::Expr) -> Option<&syn::ExprCall> {
    match strip_parens(e) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p)
                if p.qself.is_none()
                    && p.path.segments.len() == 1
                    && p.path.segments[0].ident == "shared_array" =>
            {
                Some(c)
            }
            _ => None,
        },
        _ => None,
    }
}

/// "write it as a method" for the name of a numeric method called as a function.
fn method_call_hint(name: &str) -> Option<String> {
    NUMERIC_METHODS
        .contains(&name)
        .then(|| format!("`{name}` is a method of the numeric types: write `x.{name}(..)`"))
}

/// The tokens that name an item (`struct Point`, `fn inner(..) -> T`), for a caret that does not
/// cover its whole body.
fn item_head(item: &syn::Item) -> TokenStream {
    use quote::quote;
    match item {
        syn::Item::Fn(f) => f.sig.to_token_stream(),
        syn::Item::Struct(s) => {
            let (kw, name) = (&s.struct_token, &s.ident);
            quote!(#kw #name)
        }
        syn::Item::Enum(e) => {
            let (kw, name) = (&e.enum_token, &e.ident);
            quote!(#kw #name)
        }
        syn::Item::Trait(t) => {
            let (kw, name) = (&t.trait_token, &t.ident);
            quote!(#kw #name)
        }
        syn::Item::Impl(i) => {
            let (kw, ty) = (&i.impl_token, &i.self_ty);
            quote!(#kw #ty)
        }
        syn::Item::Mod(m) => {
            let (kw, name) = (&m.mod_token, &m.ident);
            quote!(#kw #name)
        }
        other => other.to_token_stream(),
    }
}

fn macro_error(mac: &syn::Macro) -> FrontError {
    let name = mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    FrontError::new(
        mac,
        format!("macros are not supported in kernels (`{name}!`)"),
    )
    .hint("kernels cannot print or panic; return values or write them into arrays")
}

fn unknown_value(ident: &syn::Ident, name: &str, fns: &HashMap<String, FuncId>) -> FrontError {
    if fns.contains_key(name) {
        FrontError::new(ident, format!("`{name}` is a function, not a value"))
            .hint(format!("call it: `{name}(..)`"))
    } else {
        FrontError::new(ident, format!("cannot find value `{name}` in this scope"))
            .hint("declare it with `let` or take it as a parameter")
    }
}

fn const_dim(e: &syn::Expr) -> R<u8> {
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

fn scalar_suffix(suffix: &str, lit: &syn::Lit) -> R<Option<Scalar>> {
    if suffix.is_empty() {
        return Ok(None);
    }
    Scalar::from_name(suffix)
        .filter(|s| *s != Scalar::Bool)
        .map(Some)
        .ok_or_else(|| FrontError::new(lit, format!("invalid suffix `{suffix}`")))
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

fn is_prange(f: &syn::Expr) -> bool {
    matches!(f, syn::Expr::Path(p) if p.path.is_ident("prange"))
}

/// Expressions that read as statements when they end a block (`if` without a value, loops).
fn is_statement_like(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::While(_) | syn::Expr::ForLoop(_) | syn::Expr::Loop(_) => true,
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

fn ends_in_divergence(b: &syn::Block) -> bool {
    matches!(
        b.stmts.last(),
        Some(syn::Stmt::Expr(
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_),
            _
        ))
    )
}

/// Whether lowering `e` emits statements (so earlier operands must be evaluated first).
fn needs_stmts(e: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::If(_)
                | syn::Expr::Block(_)
                | syn::Expr::Loop(_)
                | syn::Expr::Match(_) => self.0 = true,
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
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

fn bin_op(op: &syn::BinOp) -> Option<BinOp> {
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
