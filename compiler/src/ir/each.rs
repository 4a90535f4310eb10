//! Whole-array iteration in the untyped IR: `for v in x.iter()` and its relatives, and
//! ndarray's reductions `x.sum()`, `x.product()`, `x.dot(&y)`.
//!
//! In: built by `front::lower::iter` from `x.iter()`, `x.iter_mut()`, `.enumerate()`,
//! `x.indexed_iter()`, `x.fill(v)`, `y.assign(&x)`, `x.map_inplace(|v| ..)`,
//! `Zip::from(..).and(..).for_each(..)`, `x.fold(..)`, `x.mapv(..)` ([`Each`]) and from
//! `x.sum()`, `x.product()`, `x.dot(&y)` ([`ArrayReduce`]).
//! Out: read by `types`, which types it and, once each array's number of dimensions is known,
//! expands it into nested counted loops of plain loads and stores (`types::iter`): no [`Each`]
//! reaches the typed IR (it is an untyped-stage node, [`ExprKind::Each`]), so the passes, the
//! interpreter, the back ends and the race check of `prange` see ordinary index loops. A
//! [`ArrayReduce`] is expanded the same way, into the loops ndarray runs (`types::infer::reduce`).

use super::{Block, ExprId, LocalId};
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
    /// One loop of the walk is a `prange` (the walk of a `#[rumba(vectorize, parallel)]`
    /// function, ndarray's `par_` methods; it writes only its first array, a distinct element
    /// per step): the first axis's (marked [`ForRange::spread`](super::ForRange::spread)), or on
    /// the CPU, chosen at run time, that of the first axis at least 32 long (`passes::spread`).
    pub parallel: bool,
    /// The arrays after the first that have fewer axes are stretched onto the first's shape
    /// (ndarray's `y.assign(&row)`): `types` walks them through a `Broadcast` view.
    pub stretch: bool,
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
            (Fold::Product, s) => Const::one(s),
        }
    }
}

impl Fold {
    /// The identity num-traits gives (`Zero::zero()` is `+0.0`; `One::one()`), from which
    /// ndarray's reductions start (std's float `Sum` starts from `-0.0` instead).
    pub fn num_identity(self, s: super::Scalar) -> super::Const {
        use super::{Const, Scalar};
        match (self, s) {
            (Fold::Sum, Scalar::F32) => Const::f32(0.0),
            (Fold::Sum, Scalar::F64) => Const::f64(0.0),
            (fold, s) => fold.identity(s),
        }
    }

    /// The operator that folds one more element in.
    pub fn op(self) -> super::BinOp {
        match self {
            Fold::Sum => super::BinOp::Add,
            Fold::Product => super::BinOp::Mul,
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

/// ndarray's `x.sum()`, `x.product()`, `x.dot(&y)` or `x.mean()`'s value, assigned to `acc`. Evaluated as
/// a statement (`Stmt::Eval` of an [`ExprKind::Reduce`](super::ExprKind::Reduce)). Its
/// expansion follows ndarray 0.17's order of operations, so a float result has ndarray's bits:
/// eight partial sums over memory order for a contiguous array (`unrolled_fold`), row by row
/// otherwise.
#[derive(Clone, Debug)]
pub struct ArrayReduce {
    pub op: ReduceOp,
    pub array: LocalId,
    pub acc: LocalId,
    /// The step of a [`ReduceOp::FoldAxis`] (its closure, assigning the accumulator); empty
    /// for the others.
    pub body: Block,
    pub span: Span,
}

/// What a [`ArrayReduce`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Product,
    /// `x.dot(&y)`: a scalar for 1-D `x`, a new 1-D array (one dot per row) for 2-D `x`.
    Dot(LocalId),
    /// `x.sum_axis(Axis(k))`: a new array of `x`'s shape without axis `k`, each element the sum
    /// of its lane, in ndarray's order (a lane's `sum()` when `k` is the axis of least stride,
    /// else the subviews along `k` added one after the other).
    SumAxis(u8),
    /// `x.mean_axis(Axis(k))` when axis `k` is not empty: the [`Self::SumAxis`] array, each
    /// element divided by the axis's length as the element type (ndarray's `A::from_usize`);
    /// the front end makes an empty axis a failed `unwrap` (ndarray's `None`).
    MeanAxis(u8),
    /// `x.fold_axis(Axis(axis), init, |acc, &elem| ..)`: a new array of `x`'s shape without
    /// `axis`, each element `init` (a local, evaluated once) folded with its lane in order:
    /// [`ArrayReduce::body`] assigns `acc` from `acc` and `elem`.
    FoldAxis {
        axis: u8,
        init: LocalId,
        acc: LocalId,
        elem: LocalId,
    },
    /// `x.map_axis(Axis(axis), |lane| ..)`: a new array of `x`'s shape without `axis`, each
    /// element the closure's `value` for its lane (`lane`, a read-only 1-D view along `axis`),
    /// the lanes in logical order: [`ArrayReduce::body`] computes `value` from `lane`.
    MapAxis {
        axis: u8,
        lane: LocalId,
        value: LocalId,
    },
    /// The value of ndarray's `x.mean()` (of a float array) when `x` is not empty: `x.sum()`
    /// divided by the number of elements as the element type (ndarray's `A::from_usize`); NaN
    /// for an empty `x`, whose `mean()` the front end makes `None`.
    Mean,
}

impl ReduceOp {
    /// The ndarray method it is.
    pub fn method(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Product => "product",
            ReduceOp::Dot(_) => "dot",
            ReduceOp::SumAxis(_) => "sum_axis",
            ReduceOp::MeanAxis(_) => "mean_axis",
            ReduceOp::FoldAxis { .. } => "fold_axis",
            ReduceOp::MapAxis { .. } => "map_axis",
            ReduceOp::Mean => "mean",
        }
    }

    /// The std fold whose identity and operator it uses (a dot adds products).
    pub fn fold(self) -> Fold {
        match self {
            ReduceOp::Product => Fold::Product,
            ReduceOp::Sum
            | ReduceOp::Dot(_)
            | ReduceOp::Mean
            | ReduceOp::SumAxis(_)
            | ReduceOp::MeanAxis(_)
            | ReduceOp::FoldAxis { .. }
            | ReduceOp::MapAxis { .. } => Fold::Sum,
        }
    }
}

/// `x.mapv(|v| body)` ([`ExprKind::Map`](super::ExprKind::Map)): for each element of the array
/// `operand`, `elem` bound to it, `body` run and `value` evaluated into the new array's element.
/// `types` fuses it with the array operators around it into one walk.
/// `Zip::from(&a).and(&b).map_collect(|&a, &b| ..)` is a map of `a` with `b` in `zipped`: the
/// other arrays (of the operand's shape, as `Zip` asserts), each with its element's local.
#[derive(Clone, Debug)]
pub struct Map {
    pub operand: ExprId,
    pub elem: LocalId,
    pub zipped: Vec<(ExprId, LocalId)>,
    pub body: Block,
    pub value: ExprId,
    pub span: Span,
}
