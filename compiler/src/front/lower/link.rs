//! Calls of functions of other `compile!` blocks: `physics::cnd(x)`, `crate::physics::cnd(x)`,
//! `super::physics::cnd(x)`, or `cnd(x)` after `use crate::physics::cnd;` at the top of the block.
//!
//! In: the block's items. Out: for each such path, a function declared in the program with an
//! empty body and listed in [`Program::links`], under the name calls look up (the path as
//! written, or the name the `use` brings in), so that the calls lower as calls of the block's own
//! functions. Whether the path names a function of a `compile!` block is rustc's to check (through
//! the items `compile!` generates for it); the runtime links the callee in (`ir::link`).

use super::*;
use syn::visit::Visit;

/// Whether a path may name a function of another block: two segments or more, starting at
/// `crate`, `super` or `self`, or at a module's name (lower case) that is not std's, ndarray's or
/// num-complex's crate, `mem` (`mem::swap`) or a scalar type (`f64::max`).
pub(super) fn is_link_path(segments: &[String]) -> bool {
    let Some(first) = segments.first() else {
        return false;
    };
    let module = first.starts_with(|c: char| c.is_ascii_lowercase())
        && ![
            "std",
            "core",
            "alloc",
            "ndarray",
            "num_complex",
            "rumba",
            "mem",
        ]
        .contains(&first.as_str())
        && Scalar::from_name(first).is_none();
    segments.len() >= 2 && (matches!(first.as_str(), "crate" | "super" | "self") || module)
}

/// The segments of a call's path, when it is a plain path (no generic arguments) that may name a
/// function of another block.
pub(super) fn link_path(path: &syn::ExprPath) -> Option<Vec<String>> {
    if path.qself.is_some()
        || path.path.leading_colon.is_some()
        || path.path.segments.iter().any(|s| !s.arguments.is_empty())
    {
        return None;
    }
    let segments = super::syntax::path_names(&path.path);
    is_link_path(&segments).then_some(segments)
}

/// Declares the links of the block (its `use`s of functions of other blocks, then the paths its
/// functions call, in order): each once, after every other function of `program`, under the name
/// calls look up in `names`. A `use` whose name the block also defines is an error.
pub(super) fn declare(
    file: &syn::File,
    program: &mut Program,
    names: &mut HashMap<String, FuncId>,
    items: &Items,
) -> Vec<FrontError> {
    let mut errors = Vec::new();
    let mut wanted: Vec<(String, Vec<String>, TokenStream)> = items.links.clone();
    let mut calls = Calls(Vec::new());
    for item in &file.items {
        calls.visit_item(item);
    }
    wanted.extend(
        calls
            .0
            .into_iter()
            .map(|(path, tokens)| (path.join("::"), path, tokens)),
    );
    for (name, path, tokens) in wanted {
        let path = path.join("::");
        if let Some(&id) = names.get(&name) {
            if program.link(id).is_none() {
                errors.push(
                    FrontError::new(&tokens, format!("the name `{name}` is defined twice")).hint(
                        format!("`use {path}` brings in a function of another compile! block: rename one of them (`use {path} as other;`)"),
                    ),
                );
            }
            continue;
        }
        let span = Span::of(&tokens);
        let id = program
            .functions
            .push(Function::declared(path.clone(), span, span));
        program.links.push(Link { func: id, path });
        names.insert(name, id);
    }
    errors
}

/// Each path of a call or a `use` of the block that may name a function of another block
/// (`::`-joined, as in [`Link::path`]), with the tokens written for it (the call's path, or the
/// name a `use` ends in).
pub fn written(file: &syn::File) -> Vec<(String, TokenStream)> {
    let mut items = Items::default();
    for item in &file.items {
        let _ = items.add(item);
    }
    let mut calls = Calls(Vec::new());
    for item in &file.items {
        calls.visit_item(item);
    }
    let uses = items
        .links
        .into_iter()
        .map(|(_, path, tokens)| (path, tokens));
    uses.chain(calls.0)
        .map(|(path, tokens)| (path.join("::"), tokens))
        .collect()
}

/// The paths of the calls that may name functions of other blocks, with their tokens.
struct Calls(Vec<(Vec<String>, TokenStream)>);

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(path) = link_path(p) {
                if !self.0.iter().any(|(q, _)| *q == path) {
                    self.0.push((path, p.to_token_stream()));
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
}
