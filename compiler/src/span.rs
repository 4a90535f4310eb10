//! Source positions.
//!
//! In: `proc_macro2` spans (from the `compile!` invocation or from re-parsing its text at run time).
//! Out: [`Span`], a small `Copy` value of 1-based lines and 0-based character columns that the IR
//! stores beside every node and that diagnostics render against the kernel's [`SourceFile`].

use std::fmt;

/// A position in a source file: 1-based line, 0-based column counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A half-open range of source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// The span of a syntax node (joined over its tokens where the parser can).
    pub fn of(node: &impl syn::spanned::Spanned) -> Span {
        Span::from_pm2(node.span())
    }

    pub fn from_pm2(span: proc_macro2::Span) -> Span {
        let (s, e) = (span.start(), span.end());
        Span {
            start: Pos {
                line: s.line as u32,
                col: s.column as u32,
            },
            end: Pos {
                line: e.line as u32,
                col: e.column as u32,
            },
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start.line, self.start.col + 1)
    }
}

/// The text of a `compile!` block, laid out so that line `n` of `text` is line `n` of `path`.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Byte offset of a position, clamped to the text.
    pub fn offset(&self, pos: Pos) -> usize {
        let mut offset = 0;
        for (i, line) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == pos.line as usize {
                let col = line
                    .char_indices()
                    .nth(pos.col as usize)
                    .map_or(line.trim_end_matches('\n').len(), |(b, _)| b);
                return offset + col;
            }
            offset += line.len();
        }
        self.text.len()
    }

    /// Byte range of a span, never empty when the text allows one character.
    pub fn range(&self, span: Span) -> std::ops::Range<usize> {
        let start = self.offset(span.start);
        let end = self.offset(span.end).max(start);
        if end == start && start < self.text.len() {
            let next = self.text[start..].chars().next().map_or(0, char::len_utf8);
            return start..start + next;
        }
        start..end
    }
}
