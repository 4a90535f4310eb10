//! Strip-mining for the jamming passes (`tile`, `unroll_jam`) and `minmax`: a counted loop `for v in a..b` as
//! blocks of `W` iterations (a power of two: [`FACTOR`], or `unroll_jam`'s lanes) and the
//! iterations left over.
//!
//! ```text
//! x.lo = a; x.hi = b; x.n = 0;
//! if x.lo < x.hi { x.n = (x.hi - x.lo) >> log2(W) }
//! for x.q in 0..x.n { .. v.k = x.lo + x.q * W + k .. }      // the blocks
//! x.rest = x.lo + x.n * W;
//! for v in x.rest..x.hi { .. }                               // the iterations left over
//! ```

use crate::ir::edit::Builder;
use crate::ir::*;

/// Iterations of the outer loop per pass of an inner `for` loop.
pub(super) const FACTOR: u64 = 4;

/// The blocks of one loop: the locals of the module doc.
pub(super) struct Strips {
    lo: LocalId,
    hi: LocalId,
    n: LocalId,
    q: LocalId,
    rest: LocalId,
    width: u64,
}

impl Strips {
    /// Pushes onto `out` what counts the blocks of `width` iterations of `range` (`prefix.lo`,
    /// `.hi`, `.n`).
    pub(super) fn new(
        b: &mut Builder,
        prefix: &str,
        range: &ForRange,
        width: u64,
        out: &mut Vec<Stmt>,
    ) -> Strips {
        Strips::with(b, prefix, range, width, false, out)
    }

    /// As [`Strips::new`]; with `leave_one`, `n = (hi - lo - 1) >> log2(W)`: at least one
    /// iteration is left over when the loop runs at all, so that the values its last iteration
    /// assigns come from the loop left as it was.
    pub(super) fn with(
        b: &mut Builder,
        prefix: &str,
        range: &ForRange,
        width: u64,
        leave_one: bool,
        out: &mut Vec<Stmt>,
    ) -> Strips {
        // The blocks are counted with a shift: another width would leave iterations out (a
        // release build with `unroll_jam`'s lanes at 12 ran past the arrays).
        assert!(
            width.is_power_of_two(),
            "strip width {width} is not a power of two"
        );
        let usize_t = Type::Scalar(Scalar::Usize);
        let s = Strips {
            lo: b.temp(&format!("{prefix}.lo"), usize_t),
            hi: b.temp(&format!("{prefix}.hi"), usize_t),
            n: b.temp(&format!("{prefix}.n"), usize_t),
            q: b.temp(&format!("{prefix}.q"), usize_t),
            rest: b.temp(&format!("{prefix}.rest"), usize_t),
            width,
        };
        out.push(b.assign(s.lo, range.start));
        out.push(b.assign(s.hi, range.end));
        let zero = b.usize(0);
        out.push(b.assign(s.n, zero));
        // n = (hi - lo) >> log2(width) when the loop is not empty.
        let (l, h) = (b.local(s.lo), b.local(s.hi));
        let nonempty = b.bin(BinOp::Lt, l, h);
        let (l, h) = (b.local(s.lo), b.local(s.hi));
        let mut len = b.bin(BinOp::Sub, h, l);
        if leave_one {
            let one = b.usize(1);
            len = b.bin(BinOp::Sub, len, one);
        }
        let shift = b.usize(s.width.trailing_zeros() as u64);
        let blocks = b.bin(BinOp::Shr, len, shift);
        out.push(Stmt::If {
            cond: nonempty,
            then_body: Block {
                stmts: vec![b.assign(s.n, blocks)],
            },
            else_body: Block::default(),
        });
        s
    }

    /// `lo + q * width + k`: iteration `k` of the current block.
    pub(super) fn iteration(&self, b: &mut Builder, k: u64) -> ExprId {
        let (l, q, f) = (b.local(self.lo), b.local(self.q), b.usize(self.width));
        let base = b.bin(BinOp::Mul, q, f);
        let value = b.bin(BinOp::Add, l, base);
        if k == 0 {
            return value;
        }
        let off = b.usize(k);
        b.bin(BinOp::Add, value, off)
    }

    /// `for q in 0..n { body }`.
    pub(super) fn blocks(&self, b: &mut Builder, body: Vec<Stmt>) -> Stmt {
        let (zero, count) = (b.usize(0), b.local(self.n));
        Stmt::For {
            var: self.q,
            range: ForRange::upto(zero, count),
            body: Block { stmts: body },
            span: b.span,
        }
    }

    /// `range` as `lo..hi` again: its bounds as they were before the blocks ran.
    pub(super) fn whole(&self, b: &mut Builder, range: &ForRange) -> ForRange {
        ForRange {
            start: b.local(self.lo),
            end: b.local(self.hi),
            ..range.clone()
        }
    }

    /// Pushes `rest = lo + n * width` onto `out`; returns `range` from there on.
    pub(super) fn rest(&self, b: &mut Builder, range: &ForRange, out: &mut Vec<Stmt>) -> ForRange {
        let (l, n, f) = (b.local(self.lo), b.local(self.n), b.usize(self.width));
        let done = b.bin(BinOp::Mul, n, f);
        let start = b.bin(BinOp::Add, l, done);
        out.push(b.assign(self.rest, start));
        ForRange {
            start: b.local(self.rest),
            end: b.local(self.hi),
            ..range.clone()
        }
    }
}
