//! The GPU forms of `#[rumba(cuda)]` functions: `let tile = shared_array::<T>([..]);` and the
//! builtins (`thread_idx_x()`, `sync_threads()`, `atomic_add(a, i, v)`, ...).
//!
//! In: the `syn` `let` or call. Out: a [`SharedArray`] of the function, or an [`ExprKind::Gpu`];
//! a [`FrontError`] when used outside a `#[rumba(cuda)]` function or with the wrong form.

use super::syntax::strip_parens;
use super::*;

impl FnLowerer<'_> {
    /// `let tile = shared_array::<f32>([16, 16]);` (see [`SharedArray`]).
    pub(super) fn let_shared(&mut self, local: &syn::Local, c: &syn::ExprCall) -> R<()> {
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
                    // A scalar type's name, or a complex type (`Complex64`, `Complex<f32>`).
                    syn::GenericArgument::Type(syn::Type::Path(t)) => t
                        .path
                        .get_ident()
                        .and_then(|i| Scalar::from_name(&i.to_string()))
                        .or_else(|| {
                            t.path
                                .segments
                                .last()
                                .and_then(crate::front::names::complex_type)
                        }),
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
            owned: false,
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

    /// `thread_idx_x()`, `sync_threads()`, `atomic_add(a, i, v)`, `atomic_add(a, [i, j], v)`, ...
    pub(super) fn gpu_builtin(&mut self, op: GpuOp, c: &syn::ExprCall) -> R<ExprId> {
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
        if args[2..].iter().any(|e| self.needs_stmts(e)) {
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
pub(super) fn shared_array_call(e: &syn::Expr) -> Option<&syn::ExprCall> {
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
