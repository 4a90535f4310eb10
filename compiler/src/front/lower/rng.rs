//! The random number generator in the source: `Rng::new(seed, stream)` and the methods of a
//! generator variable (`rng.uniform_f64()`, `rng.uniform_f32()`, `rng.normal_f64()`,
//! `rng.next_u64()`, `rng.below(n)`).
//!
//! In: `syn` calls and method calls. Out: calls of the prelude's `rng::*` functions
//! (`front::prelude`, where the generator and its distributions are written): a generator is a
//! `(seed, stream, counter)` tuple of `u64`s, and `rng.m(args)` becomes
//! `t = rng::m(rng.0, rng.1, rng.2, args); rng = (rng.0, rng.1, t.1); t.0`.

use super::{FnLowerer, R};
use crate::front::FrontError;
use crate::ir::*;
use quote::ToTokens;

/// The methods of a generator.
pub(in crate::front) const METHODS: [&str; 5] = [
    "uniform_f64",
    "uniform_f32",
    "normal_f64",
    "next_u64",
    "below",
];

impl FnLowerer<'_> {
    /// `Rng::new(seed, stream)`; `None` for any other call, and where the block defines a
    /// struct `Rng` of its own (whose `new` that is).
    pub(super) fn rng_constructor(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs = super::syntax::path_names(&p.path);
        if segs != ["Rng", "new"] || self.items.structs.contains_key("Rng") {
            return None;
        }
        if c.args.len() != 2 {
            return Some(Err(FrontError::new(c, "`Rng::new` takes 2 arguments")
                .hint("`Rng::new(seed, stream)`: two `u64`s")));
        }
        let func = match self.prelude_fn("rng::new", c) {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        Some(
            self.operands(c.args.iter())
                .map(|args| self.expr(ExprKind::Call { func, args }, c)),
        )
    }

    /// `rng.m(args)` for a generator method `m`; `None` for another method.
    pub(super) fn rng_method(&mut self, mc: &syn::ExprMethodCall) -> Option<R<ExprId>> {
        let name = mc.method.to_string();
        if !METHODS.contains(&name.as_str()) {
            return None;
        }
        let local = match super::syntax::strip_parens(&mc.receiver) {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
            _ => None,
        };
        let Some(rng) = local else {
            return Some(Err(FrontError::new(
                &mc.receiver,
                format!("`{name}` draws from a generator variable"),
            )
            .hint("make one with `let mut rng = Rng::new(seed, stream);` and call `rng.uniform_f64()`")));
        };
        if !self.func.local(rng).mutable {
            let var = self.func.local(rng).name.clone();
            return Some(Err(FrontError::new(
                &mc.receiver,
                format!("cannot borrow `{var}` as mutable: a draw advances the generator"),
            )
            .hint(format!("make it mutable: `let mut {var}`"))));
        }
        let func = match self.prelude_fn(&format!("rng::{name}"), mc) {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        Some(self.operands(mc.args.iter()).map(|extra| {
            let span = crate::span::Span::of(mc);
            let part = |this: &mut Self, k: u32| {
                let x = this.func.add_expr(ExprKind::Local(rng), span);
                this.func.add_expr(ExprKind::Field(x, k), span)
            };
            let mut args: Vec<ExprId> = (0..3).map(|k| part(self, k)).collect();
            args.extend(extra);
            let call = self.func.add_expr(ExprKind::Call { func, args }, span);
            let t = self.temp(span);
            self.emit(Stmt::Assign {
                local: t,
                value: call,
                span,
            });
            let read_t = |this: &mut Self, k: u32| {
                let x = this.func.add_expr(ExprKind::Local(t), span);
                this.func.add_expr(ExprKind::Field(x, k), span)
            };
            let next = vec![part(self, 0), part(self, 1), read_t(self, 1)];
            let state = self.func.add_expr(ExprKind::Tuple(next), span);
            self.emit(Stmt::Assign {
                local: rng,
                value: state,
                span,
            });
            read_t(self, 0)
        }))
    }

    /// The prelude function `name` (declared with the block's functions).
    fn prelude_fn(&self, name: &str, at: &impl ToTokens) -> R<FuncId> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| FrontError::new(at, format!("internal: the prelude has no `{name}`")))
    }
}
