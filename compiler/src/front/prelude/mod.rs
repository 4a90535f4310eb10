//! The built-in prelude: functions written in the kernel language for what is best written as
//! code (see `ir::complex`), in three modules, each parsed and lowered on its first use in the
//! process and added only to the programs that need it (a first call pays for what it uses).
//!
//! In: a block's tokens (which modules its syntax calls for) or a program about to be typed.
//! Out: the programs with the modules' `fn` items lowered after their own functions, each named
//! with its module (`complex64::mul`, `rng::uniform_f64`), a name no kernel can write:
//! `complex.rs` (kernel source, not a Rust module) once with `T = f32` and once with `T = f64`,
//! which `types` calls for complex operators and methods (added by the driver before typing when
//! the program names a complex type, `Program::names_complex`, or an argument holds complex
//! numbers: [`with_complex`]), and `rng.rs` (the counter-based random number generator behind
//! `Rng`, which `lower/rng` calls: added by `lower` when the block's tokens name `Rng` or a
//! generator method).

use super::lower::{lower_prelude, LoweredPrelude};
use crate::ir::complex::prelude_module;
use crate::ir::{Elem, ExprKind, FuncId, Program, Scalar, Type};
use proc_macro2::{Group, TokenStream, TokenTree};
use std::sync::OnceLock;

const COMPLEX: &str = include_str!("complex.rs");
const RNG: &str = include_str!("rng.rs");

/// A module of the prelude.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Module {
    Complex32,
    Complex64,
    Rng,
}

impl Module {
    /// The module's name, the first segment of its functions' names.
    fn name(self) -> &'static str {
        match self {
            Module::Complex32 => prelude_module(Scalar::F32),
            Module::Complex64 => prelude_module(Scalar::F64),
            Module::Rng => "rng",
        }
    }

    /// The module's functions, lowered once per process (their calls of each other numbered from
    /// 0 in this order, which [`Module::add`] maps to the ids they get in a program).
    fn lowered(self) -> Result<&'static LoweredPrelude, String> {
        static LOWERED: [OnceLock<Result<LoweredPrelude, String>>; 3] =
            [const { OnceLock::new() }; 3];
        LOWERED[self as usize]
            .get_or_init(|| lower_prelude(&self.items()?))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The module's `fn` items, with their full names.
    fn items(self) -> Result<Vec<(String, syn::ItemFn)>, String> {
        let tokens = |text: &str| -> Result<TokenStream, String> {
            text.parse()
                .map_err(|e| format!("internal: the prelude does not tokenize: {e}"))
        };
        let tokens = match self {
            Module::Complex32 => substitute(tokens(COMPLEX)?, Scalar::F32),
            Module::Complex64 => substitute(tokens(COMPLEX)?, Scalar::F64),
            Module::Rng => tokens(RNG)?,
        };
        let file: syn::File = syn::parse2(tokens)
            .map_err(|e| format!("internal: the prelude does not parse: {e}"))?;
        file.items
            .into_iter()
            .map(|item| match item {
                syn::Item::Fn(f) => Ok((format!("{}::{}", self.name(), f.sig.ident), f)),
                _ => Err("internal: the prelude holds an item that is not a `fn`".into()),
            })
            .collect()
    }

    /// Whether `program` holds the module's functions.
    fn held_by(self, program: &Program) -> bool {
        let prefix = format!("{}::", self.name());
        program
            .functions
            .values()
            .any(|f| f.name.starts_with(&prefix))
    }

    /// Adds the module's functions after `program`'s; returns them with their ids.
    pub(super) fn add(self, program: &mut Program) -> Result<Vec<(&'static str, FuncId)>, String> {
        let lowered = self.lowered()?;
        let ids: Vec<FuncId> = lowered
            .iter()
            .map(|(_, f)| program.functions.push(f.clone()))
            .collect();
        for &id in &ids {
            for e in program.functions[id].exprs.values_mut() {
                if let ExprKind::Call { func, .. } = &mut e.kind {
                    *func = ids[func.index()];
                }
            }
        }
        Ok(lowered
            .iter()
            .map(|(name, _)| name.as_str())
            .zip(ids)
            .collect())
    }
}

/// Whether a block's tokens call the generator (`Rng::new`, or a method of one by name: what
/// `lower/rng` lowers as a call of the prelude's `rng::*`).
pub(super) fn names_rng(tokens: &TokenStream) -> bool {
    names_any(tokens, &|i| {
        i == "Rng" || super::lower::RNG_METHODS.iter().any(|m| i == m)
    })
}

/// Whether a block's tokens name a complex type or constructor (`Complex`, `Complex32`,
/// `Complex64`: every way the syntax makes a complex value; arguments are the other).
pub(super) fn names_complex(tokens: &TokenStream) -> bool {
    names_any(tokens, &|i| {
        i == "Complex" || i == "Complex32" || i == "Complex64"
    })
}

/// Whether an identifier of `tokens`, inside groups too, satisfies `f`.
fn names_any(tokens: &TokenStream, f: &impl Fn(&proc_macro2::Ident) -> bool) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => f(&i),
        TokenTree::Group(g) => names_any(&g.stream(), f),
        _ => false,
    })
}

/// `program` with the complex modules added when typing it for arguments of types `args` may
/// call them (it names a complex type, or an argument holds complex numbers) and it lacks them;
/// `None` when it needs nothing added.
pub fn with_complex(program: &Program, args: &[Type]) -> Result<Option<Program>, String> {
    let needed = program.names_complex || args.iter().any(|&t| holds_complex(t));
    if !needed || Module::Complex64.held_by(program) {
        return Ok(None);
    }
    let mut program = program.clone();
    for module in [Module::Complex32, Module::Complex64] {
        module.add(&mut program)?;
    }
    Ok(Some(program))
}

/// Whether a value of type `t` holds a complex number, an array's elements included.
fn holds_complex(t: Type) -> bool {
    t.holds(&|t| match t {
        Type::Array(a) => match a.elem {
            Elem::Scalar(s) => s.is_complex(),
            Elem::Struct(s) => holds_complex(Type::Tuple(s)),
        },
        t => t.scalar().is_some_and(Scalar::is_complex),
    })
}

/// The tokens with every identifier `T` replaced by the float type `part`.
fn substitute(tokens: TokenStream, part: Scalar) -> TokenStream {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == "T" => {
                TokenTree::Ident(proc_macro2::Ident::new(part.name(), i.span()))
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), substitute(g.stream(), part));
                inner.set_span(g.span());
                TokenTree::Group(inner)
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::interp::{run, Arg, Output, Value};
    use crate::ir::{Scalar, Type};

    /// Random123's known-answer vectors for Philox4x32-10 (`kat_vectors`): counter, key, result.
    const KAT: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0; 4],
            [0; 2],
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        ),
        (
            [0xffffffff; 4],
            [0xffffffff; 2],
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        ),
        (
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
        ),
    ];

    #[test]
    fn a_program_holds_the_prelude_modules_its_source_and_arguments_need() {
        use super::{with_complex, Module};
        let lower = |text| crate::front::lower_source(text).expect("lowers");
        let all = [Module::Complex32, Module::Complex64, Module::Rng];
        let plain = lower("fn k(x) -> f64 { x + 1.0 }");
        assert!(!plain.names_complex);
        assert!(!all.iter().any(|m| m.held_by(&plain)));
        let f64_arg = [Type::Scalar(Scalar::F64)];
        assert!(with_complex(&plain, &f64_arg).expect("lowers").is_none());
        let with = with_complex(&plain, &[Type::Scalar(Scalar::C32)])
            .expect("lowers")
            .expect("complex arguments need the complex modules");
        assert!(Module::Complex32.held_by(&with) && Module::Complex64.held_by(&with));
        let rng =
            lower("fn k(seed: u64) -> f64 { let mut r = Rng::new(seed, 0); r.uniform_f64() }");
        assert!(Module::Rng.held_by(&rng) && !rng.names_complex);
        let named = lower("fn k(x: f64) -> f64 { Complex64::new(x, 1.0).norm() }");
        assert!(named.names_complex && !Module::Complex64.held_by(&named));
        assert!(with_complex(&named, &f64_arg).expect("lowers").is_some());
    }

    #[test]
    fn philox_gives_the_known_answers() {
        let program =
            crate::front::lower_source("fn k() { let mut r = Rng::new(1, 2); r.next_u64(); }")
                .expect("lowers");
        let philox = program.find("rng::philox").expect("the prelude's philox");
        let typed = crate::types::specialize(&program, philox, &[Type::Scalar(Scalar::U32); 6])
            .expect("type-checks");
        for (ctr, key, want) in KAT {
            let mut args: Vec<Arg> = ctr
                .iter()
                .chain(&key)
                .map(|&w| Arg::Scalar(Value::U32(w)))
                .collect();
            let Ok(Output::Tuple(words)) = run(&typed, &mut args) else {
                panic!("philox returns a tuple");
            };
            let got: Vec<Output> = want
                .iter()
                .map(|&w| Output::Scalar(Value::U32(w)))
                .collect();
            assert_eq!(words, got, "counter {ctr:x?}, key {key:x?}");
        }
    }
}
