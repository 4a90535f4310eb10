//! Diagnostics: what went wrong, where, and how to fix it, rendered like rustc.
//!
//! In: a message, labelled [`Span`]s and an optional `help:` line from any phase. Out: text
//! rendered by `codespan-reporting` against the kernel's [`SourceFile`] (line, caret, labels).

use crate::span::{SourceFile, Span};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// The function whose code the spans are in, where `types` knows it: which file renders it
    /// when functions of other `compile!` blocks are linked in (`ir::link`).
    /// (A `Box<str>`: errors are returned by value, kept small.)
    pub function: Option<Box<str>>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
                primary: true,
            }],
            help: None,
            notes: Vec::new(),
            function: None,
        }
    }

    /// Says the spans are in function `name`, unless a function is said already (the innermost
    /// call where the error arose says it first).
    pub fn in_function(mut self, name: &str) -> Diagnostic {
        self.function.get_or_insert_with(|| name.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether this reports a compiler bug rather than a mistake in the kernel: its message starts
    /// with `internal:` (a state of the IR that the earlier stages should have ruled out).
    pub fn is_internal(&self) -> bool {
        self.message.starts_with("internal:")
    }

    /// The primary span (where the caret goes).
    pub fn span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .map(|l| l.span)
            .unwrap_or_default()
    }

    /// Renders like rustc: `error: ..`, ` --> file:line:col`, the source line and a caret.
    pub fn render(&self, source: &SourceFile) -> String {
        let file = SimpleFile::new(source.path.as_str(), source.text.as_str());
        let labels = self
            .labels
            .iter()
            .map(|l| {
                let range = source.range(l.span);
                let label = if l.primary {
                    CsLabel::primary((), range)
                } else {
                    CsLabel::secondary((), range)
                };
                label.with_message(l.message.clone())
            })
            .collect();
        let mut notes: Vec<String> = self.notes.iter().map(|n| format!("note: {n}")).collect();
        if let Some(help) = &self.help {
            notes.push(format!("help: {help}"));
        }
        let diagnostic = CsDiagnostic::error()
            .with_message(self.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        let mut out = String::new();
        let config = term::Config {
            chars: term::Chars::ascii(),
            ..term::Config::default()
        };
        match term::emit_to_string(&mut out, &config, &file, &diagnostic) {
            Ok(()) => out
                .trim_end()
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n"),
            Err(_) => format!(
                "error: {}\n --> {}:{}",
                self.message,
                source.path,
                self.span()
            ),
        }
    }
}
