//! Kernel attributes: `#[rumba(fastmath)]`, `#[rumba(boundscheck = false)]`, `#[rumba(cuda)]`,
//! `#[rumba(unsafe(unchecked_parallel))]`, doc comments.
//!
//! In: a function's `syn` attributes. Out: [`KernelAttrs`] or a [`FrontError`] on anything else.

use super::FrontError;
use crate::ir::KernelAttrs;

const HINT: &str =
    "supported: #[rumba(fastmath)], #[rumba(boundscheck = false)], #[rumba(cuda)], #[rumba(unsafe(unchecked_parallel))], doc comments";

pub fn kernel_attrs(attrs: &[syn::Attribute]) -> Result<KernelAttrs, FrontError> {
    let mut out = KernelAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("doc") || attr.path().is_ident("inline") {
            continue;
        }
        if !attr.path().is_ident("rumba") {
            return Err(FrontError::new(attr, "unsupported attribute on a kernel").hint(HINT));
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("fastmath") {
                out.fastmath = flag(&meta)?;
            } else if meta.path.is_ident("boundscheck") {
                out.boundscheck = flag(&meta)?;
            } else if meta.path.is_ident("cuda") {
                out.cuda = flag(&meta)?;
            } else if meta.path.is_ident("unsafe") {
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("unchecked_parallel") {
                        out.unchecked_parallel = flag(&inner)?;
                        Ok(())
                    } else {
                        Err(inner.error("unknown unsafe rumba option"))
                    }
                })?;
            } else if meta.path.is_ident("unchecked_parallel") {
                return Err(meta.error(
                    "`unchecked_parallel` is unsafe: write `#[rumba(unsafe(unchecked_parallel))]`",
                ));
            } else {
                return Err(meta.error("unknown rumba option"));
            }
            Ok(())
        })
        .map_err(|e| FrontError::new(attr, e.to_string()).hint(HINT))?;
    }
    Ok(out)
}

/// `name` alone means true; `name = bool` sets it.
fn flag(meta: &syn::meta::ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        let value: syn::LitBool = meta.value()?.parse()?;
        Ok(value.value)
    } else {
        Ok(true)
    }
}
