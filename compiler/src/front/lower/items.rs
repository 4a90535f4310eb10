//! The items a function sees besides its locals and the block's functions: `const` and
//! (immutable) `static` items, and `use` of std's numeric constants (`use std::f64::consts::PI;`,
//! `use std::f64::consts::*;`, `use core::f64::consts as c;`), at the top of the `compile!` block
//! or in a function's blocks.
//!
//! In: `syn` items. Out: an [`Items`] scope; a use of a constant becomes a read of an immutable
//! local that the function's prelude assigns once, before its body (constants may use each other,
//! in any order; a cycle is an error), so its value is computed with its declared type as rustc
//! types it.

use super::*;

/// A `const` or `static` item, owned (blocks come and go while a function is lowered).
#[derive(Clone)]
pub(super) struct ConstItem {
    ident: syn::Ident,
    ty: syn::Type,
    expr: syn::Expr,
    /// The whole item: which definition a materialized local belongs to.
    span: Span,
}

/// The names in scope that are items: constants, `use` aliases of std paths, glob imports.
#[derive(Clone, Default)]
pub(super) struct Items {
    consts: HashMap<String, ConstItem>,
    /// `use a::b::C;` (or `as D`): the name and the full path.
    aliases: HashMap<String, Vec<String>>,
    /// `use a::b::*;`: the prefixes.
    globs: Vec<Vec<String>>,
    /// The block's structs (`structs::definitions`).
    pub(super) structs: HashMap<String, &'static StructDef>,
    /// The names of the methods of the block's `impl` blocks (resolved by `types`).
    pub(super) methods: std::collections::HashSet<String>,
    /// Those taking `&mut self` (`handback`), and whether each returns a value.
    pub(super) mutating: HashMap<String, bool>,
    /// The block's functions taking scalars or structs by `&mut` (`handback`).
    pub(super) hand_back: HashMap<String, super::handback::HandBack>,
    /// `use crate::physics::cnd;` (or `as c`) at the top of the block: a function of another
    /// `compile!` block, by the name it brings in, the path and its tokens (`link.rs`).
    pub(super) links: Vec<(String, Vec<String>, TokenStream)>,
    /// In a function of an `impl` block: its struct (`Self`).
    pub(super) self_struct: Option<&'static StructDef>,
}

const USE_HINT: &str =
    "kernels can `use` std's numeric constants: `use std::f64::consts::PI;` or `use std::f64::consts::*;`";

impl Items {
    /// Adds an item of the block or of a function body; `Ok(false)` if it is not a `const`,
    /// `static` or `use`.
    pub(super) fn add(&mut self, item: &syn::Item) -> R<bool> {
        let c = match item {
            syn::Item::Const(c) => ConstItem {
                ident: c.ident.clone(),
                ty: (*c.ty).clone(),
                expr: (*c.expr).clone(),
                span: Span::of(c),
            },
            syn::Item::Static(s) => {
                if let syn::StaticMutability::Mut(m) = &s.mutability {
                    return Err(FrontError::new(m, "`static mut` is not supported in kernels")
                        .hint("use an immutable `static` or `const`, or pass the value as a parameter"));
                }
                ConstItem {
                    ident: s.ident.clone(),
                    ty: (*s.ty).clone(),
                    expr: (*s.expr).clone(),
                    span: Span::of(s),
                }
            }
            syn::Item::Use(u) => {
                if u.leading_colon.is_some() {
                    return Err(
                        FrontError::new(u, "`use` of a `::` path is not supported").hint(USE_HINT)
                    );
                }
                self.use_tree(&u.tree, Vec::new())?;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        self.consts.insert(c.ident.to_string(), c);
        Ok(true)
    }

    fn use_tree(&mut self, tree: &syn::UseTree, mut prefix: Vec<String>) -> R<()> {
        let mut alias = |name: String, full: Vec<String>, node: &dyn ToTokens| {
            if super::link::is_link_path(&full) {
                self.links.push((name, full, node.to_token_stream()));
                return Ok(());
            }
            if names::std_const_named(&full).is_none() && !names::is_const_module(&full) {
                return Err(FrontError::new(
                    &node.to_token_stream(),
                    format!("`use {}` is not supported in kernels", full.join("::")),
                )
                .hint(USE_HINT));
            }
            self.aliases.insert(name, full);
            Ok(())
        };
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix)
            }
            syn::UseTree::Name(n) if n.ident == "self" => match prefix.last() {
                Some(last) => alias(last.clone(), prefix.clone(), n),
                None => Err(FrontError::new(n, "`use self` needs a path").hint(USE_HINT)),
            },
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                alias(n.ident.to_string(), prefix, n)
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                alias(r.rename.to_string(), prefix, r)
            }
            syn::UseTree::Glob(g) => {
                if !names::is_const_module(&prefix) {
                    return Err(FrontError::new(
                        g,
                        format!("`use {}::*` is not supported in kernels", prefix.join("::")),
                    )
                    .hint(USE_HINT));
                }
                self.globs.push(prefix);
                Ok(())
            }
            syn::UseTree::Group(g) => g
                .items
                .iter()
                .try_for_each(|t| self.use_tree(t, prefix.clone())),
        }
    }

    /// The std path a path names through the `use`s in scope, if its first segment is an alias
    /// or a glob-imported name.
    fn expand(&self, segs: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segs.split_first()?;
        if let Some(full) = self.aliases.get(first) {
            return Some(full.iter().chain(rest).cloned().collect());
        }
        self.globs.iter().find_map(|g| {
            let full: Vec<String> = g.iter().chain(segs).cloned().collect();
            names::std_const_named(&full).map(|_| full)
        })
    }

    /// The std constant a path names, directly or through the `use`s in scope.
    pub(super) fn std_const(&self, path: &syn::Path) -> Option<Const> {
        let segs = super::syntax::path_names(path);
        names::std_const_named(&segs).or_else(|| names::std_const_named(&self.expand(&segs)?))
    }

    /// The value of an integer constant a path names, when it is known from the syntax (a std
    /// limit, or a `const` whose value is an integer literal): what `match` coverage counts.
    pub(super) fn int_value(&self, path: &syn::Path) -> Option<Int> {
        if let Some(ident) = path.get_ident() {
            if let Some(c) = self.consts.get(&ident.to_string()) {
                return syntax::int_literal(&c.expr);
            }
        }
        let c = self.std_const(path)?;
        c.ty.is_int().then(|| c.as_int())
    }

    pub(super) fn is_const(&self, name: &str) -> bool {
        self.consts.contains_key(name)
    }
}

impl FnLowerer<'_> {
    /// Adds the `const`, `static` and `use` items of a block to the scope (they are visible in
    /// the whole block, as in Rust); the caller restores the scope after the block.
    pub(super) fn block_items(&mut self, block: &syn::Block) -> Option<Items> {
        let items: Vec<&syn::Item> = block
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Item(i) => Some(i),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            return None;
        }
        let saved = self.items.clone();
        for item in items {
            if let Err(e) = self.items.add(item) {
                self.errors.push(e);
            }
        }
        Some(saved)
    }

    /// The value of a path that names an item: a `const`/`static`, or a std constant (directly
    /// or through a `use`). `None` if it names none.
    pub(super) fn item_value(&mut self, p: &syn::Path, node: &impl ToTokens) -> Option<R<ExprId>> {
        if let Some(ident) = p.get_ident() {
            if let Some(c) = self.items.consts.get(&ident.to_string()).cloned() {
                return Some(
                    self.const_local(&c)
                        .map(|l| self.expr(ExprKind::Local(l), node)),
                );
            }
        }
        let c = self.items.std_const(p)?;
        Some(Ok(self.expr(ExprKind::Const(c), node)))
    }

    /// The local holding a constant's value, assigned in the function's prelude the first time
    /// the constant is used.
    fn const_local(&mut self, c: &ConstItem) -> R<LocalId> {
        if let Some(&l) = self.const_locals.get(&c.span) {
            return Ok(l);
        }
        let name = c.ident.to_string();
        if self.evaluating.contains(&c.span) {
            return Err(FrontError::new(
                &c.ident,
                format!("cycle detected when evaluating constant `{name}`"),
            )
            .hint("a constant cannot use itself, directly or through others"));
        }
        let ann = match names::type_ann(&c.ty)? {
            TypeAnn::Scalar(s) => TypeAnn::Scalar(s),
            _ => {
                return Err(
                    FrontError::new(&c.ty, "constants in kernels must have a scalar type")
                        .hint("write e.g. `const N: usize = 8;` or `const G: f64 = 9.81;`"),
                )
            }
        };
        // The value sees other items only, never the locals of the place of its first use.
        self.evaluating.push(c.span);
        let blocks = std::mem::replace(&mut self.blocks, vec![Block::default()]);
        let scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let loops = std::mem::take(&mut self.loops);
        let value = self.expr_value(&c.expr);
        let mut block = std::mem::replace(&mut self.blocks, blocks)
            .pop()
            .unwrap_or_default();
        self.scopes = scopes;
        self.loops = loops;
        self.evaluating.pop();
        let value = value?;
        let local = self.func.add_local(LocalDecl {
            name,
            ann,
            mutable: false,
            span: Span::of(&c.ident),
            temp: false,
        });
        self.initialized_immutable.push(true);
        self.deferred.push(None);
        block.stmts.push(Stmt::Assign {
            local,
            value,
            span: c.span,
        });
        self.prelude.extend(block.stmts);
        self.const_locals.insert(c.span, local);
        Ok(local)
    }
}
