//! The whole compiler on one input, as the fuzzer drives it and its regression tests replay it.
//!
//! In: kernel source text and the argument types of a call (or fuzzer bytes that encode both, see
//! [`decode`]). Out: how far the input got ([`Outcome`]), or a [`Bug`]. A user error (a syntax or
//! type error, rendered against the source) is a fine outcome; a broken IR invariant, an internal
//! error of the back end or an invalid LLVM module is a bug in rumba. Panics are not caught: the
//! fuzzer reports them as crashes.
//!
//! The stages are the runtime's ([`front`] -> [`types`] -> [`passes`] with the verifier ->
//! [`back::emit`] -> LLVM verify + O3), for a pinned CPU, without loading the machine code.

use crate::back::{emit, target};
use crate::diag::Diagnostic;
use crate::ir::{ArrayType, Layout, Scalar, Type};
use crate::span::SourceFile;
use crate::{front, ir, passes, types};
use std::fmt;

/// How far an input got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The front end rejected it (with this many errors).
    Syntax(usize),
    /// It lowered, but the entry does not type-check for the arguments.
    Type,
    /// It compiled to an optimized, verified LLVM module.
    Compiled,
}

/// A compiler bug: what broke, and at which stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bug {
    pub stage: &'static str,
    pub message: String,
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.stage, self.message)
    }
}

impl std::error::Error for Bug {}

/// The CPU the fuzzer compiles for: the same code on every machine.
pub const CPU: &str = "x86-64-v3";

/// Decodes fuzzer bytes into (entry selector, argument types, source text).
///
/// Byte 0: the number of arguments (low 4 bits, at most 15) and which function is the entry (high
/// 4 bits, modulo the number of functions). Then per argument one byte: below 0x80 a scalar
/// (`Scalar::ALL[b % 13]`); otherwise an array of element `Scalar::ALL[(b & 0x7f) % 13]` followed
/// by a byte with the ndim (`1 + b % 8`), the layout (bit 3: strided) and writability (bit 4).
/// The rest is the source text (invalid UTF-8 replaced).
pub fn decode(data: &[u8]) -> (usize, Vec<Type>, String) {
    let mut bytes = data.iter().copied();
    let head = bytes.next().unwrap_or(0);
    let (nargs, entry) = ((head & 0x0f) as usize, (head >> 4) as usize);
    let mut args = Vec::with_capacity(nargs);
    for _ in 0..nargs {
        let Some(b) = bytes.next() else { break };
        let elem = Scalar::ALL[(b & 0x7f) as usize % Scalar::ALL.len()];
        if b < 0x80 {
            args.push(Type::Scalar(elem));
            continue;
        }
        let shape = bytes.next().unwrap_or(0);
        args.push(Type::Array(ArrayType {
            elem,
            ndim: 1 + shape % 8,
            layout: if shape & 0x08 != 0 {
                Layout::Strided
            } else {
                Layout::Contig
            },
            writable: shape & 0x10 != 0,
        }));
    }
    let rest: Vec<u8> = bytes.collect();
    (entry, args, String::from_utf8_lossy(&rest).into_owned())
}

/// The inverse of [`decode`], for writing seeds and reproducers.
pub fn encode(entry: usize, args: &[Type], text: &str) -> Vec<u8> {
    let index = |s: Scalar| Scalar::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8;
    let mut out = vec![((entry as u8 & 0x0f) << 4) | (args.len().min(15) as u8)];
    for a in args.iter().take(15) {
        match a {
            Type::Array(at) => {
                out.push(0x80 | index(at.elem));
                let strided = if at.layout == Layout::Strided {
                    0x08
                } else {
                    0
                };
                let writable = if at.writable { 0x10 } else { 0 };
                out.push((at.ndim.clamp(1, 8) - 1) | strided | writable);
            }
            Type::Scalar(s) => out.push(index(*s)),
            Type::Unit => out.push(0),
        }
    }
    out.extend_from_slice(text.as_bytes());
    out
}

/// Runs fuzzer bytes through the pipeline.
pub fn run_bytes(data: &[u8]) -> Result<Outcome, Bug> {
    let (entry, args, text) = decode(data);
    run(&text, entry, &args)
}

/// Runs `text` through the pipeline, specializing function `entry` (modulo the number of
/// functions) to `args`.
pub fn run(text: &str, entry: usize, args: &[Type]) -> Result<Outcome, Bug> {
    let file = SourceFile::new("fuzz.rs", text);
    let program = match front::lower_source(text) {
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
    let Some(entry) = program
        .functions
        .keys()
        .nth(entry % program.functions.len().max(1))
    else {
        return Ok(Outcome::Syntax(0));
    };
    let name = program.func(entry).name.clone();
    let mut typed = match types::specialize(&program, entry, args)
        .and_then(|t| types::parallel::check(&t).map(|()| t))
    {
        Ok(t) => t,
        Err(d) => {
            d.with_note(format!("while specializing `{name}`"))
                .render(&file);
            return Ok(Outcome::Type);
        }
    };
    let bug = |stage, message: String| Bug { stage, message };
    ir::verify::verify(&typed).map_err(|e| bug("verify (after types)", e.to_string()))?;
    passes::run(&mut typed, passes::Backend::Cpu, passes::Verify::AfterEach)
        .map_err(|e| bug("verify (passes)", e.to_string()))?;
    ir::print::typed_program(&typed);
    let spec = target::TargetSpec::pinned(CPU);
    let context = inkwell::context::Context::create();
    let emitted =
        emit::emit(&context, &typed, &spec, &name).map_err(|e| bug("emit", e.to_string()))?;
    let machine = spec.machine().map_err(|e| bug("target", e.to_string()))?;
    target::optimize(&emitted.module, &machine)
        .map_err(|e| bug("LLVM verify/optimize", e.to_string()))?;
    Ok(Outcome::Compiled)
}
