//! The driver on one fuzzer input, as the fuzz target (`fuzz/`) drives it and
//! `compiler/tests/fuzz_regressions.rs` replays it.
//!
//! In: kernel source text and the argument types of a call (or fuzzer bytes that encode both, see
//! [`decode`]). Out: how far the input got ([`Outcome`]), or the [`Internal`] error of a compiler
//! bug. A user error (a syntax, argument or type error, rendered against the source) is a fine
//! outcome; an `internal:` diagnostic, a broken IR invariant, an error of the back end or an
//! invalid LLVM module is a bug in rumba, which the fuzz target reports as a crash. Panics are not
//! caught: the fuzzer reports them as crashes too.
//!
//! The stages are the runtime's ([`super::compile`], with the verifier after every pass), for a
//! pinned CPU, without loading the machine code.

use super::{Error, Input, Internal, Target};
use crate::back::target::TargetSpec;
use crate::ir::{ArrayType, FuncId, Layout, Scalar, Type};
use crate::span::SourceFile;
use crate::{diag::Diagnostic, ir};

/// How far an input got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The front end rejected it (with this many errors).
    Syntax(usize),
    /// It lowered, but the entry does not compile for the arguments (a type or argument error, or
    /// a `#[rumba(cuda)]` kernel, which the CPU does not run).
    Type,
    /// It compiled to an optimized, verified LLVM module.
    Compiled,
}

/// The CPU the fuzzer compiles for: the same code on every machine.
pub const CPU: &str = "x86-64-v3";

/// Decodes fuzzer bytes into (entry selector, argument types, source text).
///
/// Byte 0: the number of arguments (low 4 bits, at most 15) and which function is the entry (high
/// 4 bits, modulo the number of the source's functions: the prelude's are not entries). Then per argument one byte: below 0x80 a scalar
/// (`Scalar::REAL[b % 15]`); otherwise an array of element `Scalar::REAL[(b & 0x7f) % 15]` followed
/// by a byte with the ndim (`1 + b % 8`), the layout (bit 3: strided) and writability (bit 4).
/// The rest is the source text (invalid UTF-8 replaced).
pub fn decode(data: &[u8]) -> (usize, Vec<Type>, String) {
    let mut bytes = data.iter().copied();
    let head = bytes.next().unwrap_or(0);
    let (nargs, entry) = ((head & 0x0f) as usize, (head >> 4) as usize);
    let mut args = Vec::with_capacity(nargs);
    for _ in 0..nargs {
        let Some(b) = bytes.next() else { break };
        let elem = Scalar::REAL[(b & 0x7f) as usize % Scalar::REAL.len()];
        if b < 0x80 {
            args.push(Type::Scalar(elem));
            continue;
        }
        let shape = bytes.next().unwrap_or(0);
        args.push(Type::Array(ArrayType::view(
            elem,
            1 + shape % 8,
            if shape & 0x08 != 0 {
                Layout::Strided
            } else {
                Layout::Contig
            },
            shape & 0x10 != 0,
        )));
    }
    let rest: Vec<u8> = bytes.collect();
    (entry, args, String::from_utf8_lossy(&rest).into_owned())
}

/// The inverse of [`decode`], for writing seeds and reproducers.
pub fn encode(entry: usize, args: &[Type], text: &str) -> Vec<u8> {
    let index = |s: Scalar| Scalar::REAL.iter().position(|x| *x == s).unwrap_or(0) as u8;
    let mut out = vec![((entry as u8 & 0x0f) << 4) | (args.len().min(15) as u8)];
    for a in args.iter().take(15) {
        match a {
            Type::Array(at) => {
                // An array of structs encodes as one of `bool`.
                out.push(0x80 | at.scalar().map_or(0, index));
                let strided = if at.layout == Layout::Strided {
                    0x08
                } else {
                    0
                };
                let writable = if at.writable { 0x10 } else { 0 };
                out.push((at.ndim.clamp(1, 8) - 1) | strided | writable);
            }
            Type::Scalar(s) => out.push(index(*s)),
            // Arguments are scalars and arrays; anything else encodes as `bool`.
            Type::Unit | Type::Tuple(_) => out.push(0),
        }
    }
    out.extend_from_slice(text.as_bytes());
    out
}

/// Runs fuzzer bytes through the driver.
pub fn run_bytes(data: &[u8]) -> Result<Outcome, Internal> {
    let (entry, args, text) = decode(data);
    run(&text, entry, &args)
}

/// Runs `text` through the driver, specializing function `entry` (modulo the number of
/// functions) to `args`.
pub fn run(text: &str, entry: usize, args: &[Type]) -> Result<Outcome, Internal> {
    let file = SourceFile::new("fuzz.rs", text);
    let program = match super::lower(text) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors {
                let mut d = Diagnostic::new(e.message.clone(), e.span, "here");
                if let Some(h) = &e.hint {
                    d = d.with_help(h.clone());
                }
                d.render(&file);
            }
            return Ok(Outcome::Syntax(errors.len()));
        }
    };
    let sources: Vec<FuncId> = program
        .functions
        .iter()
        .filter(|(_, f)| !f.is_prelude())
        .map(|(id, _)| id)
        .collect();
    let Some(&entry) = sources.get(entry % sources.len().max(1)) else {
        return Ok(Outcome::Syntax(0));
    };
    let name = program.func(entry).name.clone();
    let input = Input {
        program: &program,
        entry,
        args,
        verify: true,
        debug_source: None,
    };
    let spec = TargetSpec::pinned(CPU);
    let target = Target::Cpu {
        spec: &spec,
        machine: None,
    };
    let context = inkwell::context::Context::create();
    let result =
        super::compile(&context, &input, &target).map(|c| ir::print::typed_program(&c.typed));
    match result {
        Ok(_) => Ok(Outcome::Compiled),
        Err(Error::Internal(bug)) => Err(bug),
        Err(Error::Argument(d) | Error::Type(d) | Error::Target(d)) => {
            d.with_note(format!("while specializing `{name}`"))
                .render(&file);
            Ok(Outcome::Type)
        }
        Err(e @ Error::NoLibdevice(_)) => {
            unreachable!("a CPU compilation asked for libdevice: {e}")
        }
    }
}
