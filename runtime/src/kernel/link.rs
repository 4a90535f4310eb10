//! Calls across `compile!` blocks: a kernel's source linked with the functions of other blocks it
//! calls.
//!
//! In: a kernel's [`Source`], whose [`Link`]s `compile!` generated from the paths the kernel calls
//! (`physics::cnd(x)`), each naming the callee's [`Callee`] (an item rustc resolved from that
//! path, so a path that is no function of a `compile!` block fails the build). Out: [`Linked`],
//! the kernel's program with the callees' functions copied in (`ir::link`, transitively, each
//! callee's own links followed through its source), the files they come from (for run-time
//! diagnostics), and the text the cache key covers ([`Source::key_text`]: every linked source's,
//! found from the static links alone, without lowering anything).

use super::Source;
use crate::error::{Error, ErrorKind};
use rumba_compiler::ir::{self, link::Resolved, Program};
use rumba_compiler::span::SourceFile;
use std::sync::Arc;

/// A function of a `compile!` block as other blocks' kernels link it: the source of its kernel
/// and its name there (generated beside each kernel as `f::__LINK`).
pub struct Callee {
    source: &'static Source,
    name: &'static str,
    unchecked: bool,
}

impl Callee {
    pub const fn new(source: &'static Source, name: &'static str, unchecked: bool) -> Callee {
        Callee {
            source,
            name,
            unchecked,
        }
    }

    /// Whether the function, or one it calls in its block, opts out of a safety check (as the
    /// macro judged it): a kernel of another block calling it must opt out too (checked at build
    /// time by a constant assertion in the caller).
    pub const fn unchecked(&self) -> bool {
        self.unchecked
    }
}

/// Its name and file only: sources that call each other link each other.
impl std::fmt::Debug for Callee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callee")
            .field("name", &self.name)
            .field("file", &self.source.path)
            .finish_non_exhaustive()
    }
}

/// A call of a kernel's source to a function of another block: the path written, and the callee.
#[derive(Debug)]
pub struct Link {
    path: &'static str,
    callee: &'static Callee,
}

impl Link {
    pub const fn new(path: &'static str, callee: &'static Callee) -> Link {
        Link { path, callee }
    }
}

/// A kernel's linked program.
#[derive(Debug)]
pub(crate) struct Linked {
    /// The program and the kernel's own file.
    pub(super) program: (Arc<Program>, SourceFile),
    /// The linked blocks' files, each with the module its functions are named in.
    files: Vec<(String, SourceFile)>,
}

impl Linked {
    /// The file function `function` comes from.
    pub(crate) fn file_of(&self, function: &str) -> &SourceFile {
        self.files
            .iter()
            .find(|(module, _)| {
                function
                    .strip_prefix(module.as_str())
                    .is_some_and(|rest| rest.starts_with("::"))
            })
            .map_or(&self.program.1, |(_, file)| file)
    }
}

/// The module a source's functions are named in once linked into another: the block's module.
fn module(source: &Source) -> String {
    match source.module.rsplit_once("::") {
        Some((block, _)) => block.to_string(),
        None => source.module.to_string(),
    }
}

/// Links `source`, whose kernel is `kernel` (see the module doc).
pub(super) fn link(source: &'static Source, kernel: &str) -> Result<Linked, Error> {
    let program = source.lowered(kernel)?.clone();
    let file = SourceFile::new(source.path, source.text);
    if program.links.is_empty() {
        return Ok(Linked {
            program: (program, file),
            files: Vec::new(),
        });
    }
    let mut sources: Vec<&'static Source> = vec![source];
    let key = |s: &Source| s as *const Source as usize;
    let resolve = |unit: usize, link: &ir::Link| -> Result<Resolved, Error> {
        let from = sources
            .iter()
            .find(|s| key(s) == unit)
            .copied()
            .unwrap_or(source);
        let Some(l) = from.links.iter().find(|l| l.path == link.path) else {
            return Err(ErrorKind::Compile {
                kernel: kernel.to_string(),
                message: format!(
                    "`{}` calls `{}`, a function of another compile! block, which only kernels defined with `rumba::compile!` can call",
                    from.path, link.path
                ),
            }
            .into());
        };
        let callee = l.callee;
        let program = callee.source.lowered(callee.name)?.clone();
        let func = program
            .find(callee.name)
            .ok_or_else(|| ErrorKind::Compile {
                kernel: kernel.to_string(),
                message: format!("`{}` is not in its source", callee.name),
            })?;
        if !sources.iter().any(|s| key(s) == key(callee.source)) {
            sources.push(callee.source);
        }
        Ok(Resolved {
            key: key(callee.source),
            program,
            func,
            module: module(callee.source),
        })
    };
    let (linked, units) = ir::link::link(&program, key(source), resolve)?;
    let files = units
        .iter()
        .map(|u| {
            let s = sources
                .iter()
                .find(|s| key(s) == u.key)
                .expect("every unit was resolved from a source");
            (u.module.clone(), SourceFile::new(s.path, s.text))
        })
        .collect();
    Ok(Linked {
        program: (Arc::new(linked), file),
        files,
    })
}

impl Source {
    /// What the on-disk cache key covers for this source's kernel: its text, and for each source
    /// it links (transitively, each once), its path, module and text. Just the text without links.
    pub(crate) fn key_text(&'static self) -> &'static str {
        if self.links.is_empty() {
            return self.text;
        }
        self.key_text.get_or_init(|| {
            let mut seen: Vec<&Source> = vec![self];
            let mut next = 0;
            while let Some(s) = seen.get(next) {
                next += 1;
                for l in s.links {
                    if !seen.iter().any(|t| std::ptr::eq(*t, l.callee.source)) {
                        seen.push(l.callee.source);
                    }
                }
            }
            let mut text = self.text.to_string();
            for s in &seen[1..] {
                text.push_str(&format!(
                    "\n\u{0}{}\u{0}{}\u{0}{}",
                    s.path, s.module, s.text
                ));
            }
            text
        })
    }
}
