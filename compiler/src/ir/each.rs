//! Whole-array iteration in the untyped IR: `for v in x.iter()` and its relatives.
//!
//! In: built by `front::lower::iter` from `x.iter()`, `x.iter_mut()`, `.enumerate()`,
//! `x.indexed_iter()`, `x.fill(v)`, `y.assign(&x)`, `x.map_inplace(|v| ..)` and `Zip::from(..).and(..).for_each(..)`.
//! Out: read by `types`, which types it and, once each array's number of dimensions is known,
//! expands it into nested counted loops of plain loads and stores (`types::iter`): no [`Each`]
//! reaches the typed IR (it is an untyped-stage node, [`ExprKind::Each`]), so the passes, the
//! interpreter, the back ends and the race check of `prange` see ordinary index loops.

use super::{Block, LocalId};
use crate::span::Span;

/// A walk over the elements of one or more arrays of one shape, together, in ndarray's logical
/// (row-major) order, running `body` once per element. Evaluated as a statement
/// (`Stmt::Eval` of an [`ExprKind::Each`](super::ExprKind::Each)).
#[derive(Clone, Debug)]
pub struct Each {
    pub arrays: Vec<EachArray>,
    pub index: EachIndex,
    pub body: Block,
    /// `x.iter().sum()` / `.product()`: the accumulator, set to the identity of its type before
    /// the walk (`-0.0` for a float sum, as std's `Sum` starts from, `0`, `1`), the type
    /// being the element's.
    pub identity: Option<(LocalId, Fold)>,
    /// The whole construct (the `for` loop, the method call).
    pub span: Span,
}

/// The std fold whose identity an accumulator starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    Sum,
    Product,
}

impl Fold {
    /// The identity's bits for an element type.
    pub fn identity(self, s: super::Scalar) -> super::Const {
        use super::{Const, Scalar};
        match (self, s) {
            (Fold::Sum, Scalar::F32) => Const::f32(-0.0),
            (Fold::Sum, Scalar::F64) => Const::f64(-0.0),
            (Fold::Product, Scalar::F32) => Const::f32(1.0),
            (Fold::Product, Scalar::F64) => Const::f64(1.0),
            (Fold::Sum, s) => Const::int(s, 0),
            (Fold::Product, s) => Const::int(s, 1),
        }
    }
}

/// One array of an [`Each`] and the local its element is bound to in the body.
#[derive(Clone, Debug)]
pub struct EachArray {
    pub array: LocalId,
    pub elem: LocalId,
    /// The element is borrowed mutably (`iter_mut`, `&mut` in a `Zip`): every assignment of
    /// `elem` in the body is written through to the element.
    pub mutable: bool,
}

/// What, besides the elements, each step binds.
#[derive(Clone, Debug)]
pub enum EachIndex {
    None,
    /// `.enumerate()`: the position in logical order, a `usize`.
    Flat(LocalId),
    /// `indexed_iter()`: the index on each axis. `tuple` when written `((i, j), v)`, which
    /// needs as many names as the array has dimensions (2 or more); `(i, v)` (one name, not a
    /// tuple) needs a 1-D array, whose index is a bare `usize` in ndarray.
    Axes {
        locals: Vec<LocalId>,
        tuple: bool,
    },
}

impl Each {
    /// The locals each step binds (indices first, then elements, then the accumulator a
    /// `sum`/`product` starts).
    pub fn bound(&self) -> Vec<LocalId> {
        let index = match &self.index {
            EachIndex::None => Vec::new(),
            EachIndex::Flat(l) => vec![*l],
            EachIndex::Axes { locals, .. } => locals.clone(),
        };
        index
            .into_iter()
            .chain(self.arrays.iter().map(|a| a.elem))
            .chain(self.identity.map(|(acc, _)| acc))
            .collect()
    }
}
