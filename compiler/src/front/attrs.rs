//! Kernel attributes: `#[rumba(fastmath)]` (or some of LLVM's fast-math flags:
//! `#[rumba(fastmath(reassoc, contract))]`), `#[rumba(unsafe(boundscheck = false))]`,
//! `#[rumba(cuda)]`, `#[rumba(unsafe(unchecked_parallel))]`, `#[rumba(vectorize)]` and
//! `#[rumba(vectorize, parallel)]`, doc comments.
//!
//! In: a function's `syn` attributes. Out: [`KernelAttrs`] or a [`FrontError`] on anything else.
//! Turning a safety check off (bounds checks, the race check of `prange` loops) is spelled inside
//! `unsafe(..)`, as Rust spells attributes whose misuse is undefined behaviour
//! (`#[unsafe(no_mangle)]`): `compile!` then makes the kernel's wrapper an `unsafe fn`.

use super::FrontError;
use crate::ir::{FastMath, KernelAttrs, Vectorize};

const HINT: &str = "supported: #[rumba(fastmath)], #[rumba(fastmath(reassoc, contract, ..))], \
                    #[rumba(unsafe(boundscheck = false))], \
                    #[rumba(cuda)], #[rumba(unsafe(unchecked_parallel))], \
                    #[rumba(vectorize)], #[rumba(vectorize, parallel)], doc comments";

/// The hint for `parallel` without `vectorize`.
const VECTORIZE_HINT: &str = "`parallel` spreads the elements of a `#[rumba(vectorize)]` function \
                              over cores: write #[rumba(vectorize, parallel)]; a loop runs in \
                              parallel as `for i in prange(0..n)`";

/// The hint for `boundscheck` written outside `unsafe(..)`.
const UNSAFE_HINT: &str = "write #[rumba(unsafe(boundscheck = false))]: without its checks, an \
                           index out of bounds is undefined behaviour, and the kernel's wrapper \
                           becomes an `unsafe fn`";

/// The hint for `unchecked_parallel` written outside `unsafe(..)`.
const PARALLEL_HINT: &str = "write #[rumba(unsafe(unchecked_parallel))]: without the check, \
                             iterations that touch one element are a data race, undefined \
                             behaviour, and the kernel's wrapper becomes an `unsafe fn`";

pub fn kernel_attrs(attrs: &[syn::Attribute]) -> Result<KernelAttrs, FrontError> {
    let mut out = KernelAttrs::default();
    let mut parallel = None;
    let mut vectorize = None;
    for attr in attrs {
        if attr.path().is_ident("doc") || attr.path().is_ident("inline") {
            continue;
        }
        if !attr.path().is_ident("rumba") {
            return Err(FrontError::new(attr, "unsupported attribute on a kernel").hint(HINT));
        }
        let mut hint = HINT;
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("fastmath") {
                out.fastmath = fastmath(&meta)?;
            } else if meta.path.is_ident("unsafe") {
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("boundscheck") {
                        out.boundscheck = flag(&inner)?;
                        Ok(())
                    } else if inner.path.is_ident("unchecked_parallel") {
                        out.unchecked_parallel = flag(&inner)?;
                        Ok(())
                    } else {
                        Err(inner.error("unknown unsafe rumba option"))
                    }
                })?;
            } else if meta.path.is_ident("boundscheck") {
                hint = UNSAFE_HINT;
                return Err(meta.error("`boundscheck` must be written inside `unsafe(..)`"));
            } else if meta.path.is_ident("unchecked_parallel") {
                hint = PARALLEL_HINT;
                return Err(meta.error("`unchecked_parallel` must be written inside `unsafe(..)`"));
            } else if meta.path.is_ident("cuda") {
                out.cuda = flag(&meta)?;
            } else if meta.path.is_ident("vectorize") {
                out.vectorize = flag(&meta)?.then_some(Vectorize {
                    parallel: false,
                    into: None,
                });
                vectorize = Some(attr);
            } else if meta.path.is_ident("parallel") {
                parallel = Some((attr, flag(&meta)?));
            } else {
                return Err(meta.error("unknown rumba option"));
            }
            Ok(())
        })
        .map_err(|e| FrontError::new(attr, e.to_string()).hint(hint))?;
    }
    if let Some((attr, on)) = parallel {
        match &mut out.vectorize {
            Some(v) => v.parallel = on,
            None => {
                return Err(FrontError::new(
                    attr,
                    "`parallel` applies to `#[rumba(vectorize)]` functions",
                )
                .hint(VECTORIZE_HINT))
            }
        }
    }
    if let Some(attr) = vectorize.filter(|_| out.cuda && out.vectorize.is_some()) {
        return Err(FrontError::new(
            attr,
            "a function cannot be both `#[rumba(cuda)]` and `#[rumba(vectorize)]`",
        )
        .hint("a `vectorize` function runs on the GPU through `f::cuda(..)`: drop `cuda`"));
    }
    Ok(out)
}

/// `fastmath` (every flag), `fastmath = bool`, or `fastmath(reassoc, contract, ..)` with LLVM's
/// names of the flags.
fn fastmath(meta: &syn::meta::ParseNestedMeta) -> syn::Result<FastMath> {
    if !meta.input.peek(syn::token::Paren) {
        return Ok(match flag(meta)? {
            true => FastMath::ALL,
            false => FastMath::NONE,
        });
    }
    let mut set = FastMath::NONE;
    meta.parse_nested_meta(|inner| {
        let name = inner
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match FastMath::named(&name) {
            Some(f) => {
                set = set.union(f);
                Ok(())
            }
            None => Err(inner.error(format!(
                "unknown fast-math flag; LLVM's flags are {}",
                FastMath::NAMES.join(", ")
            ))),
        }
    })?;
    Ok(set)
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
