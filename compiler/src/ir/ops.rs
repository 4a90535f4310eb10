//! Constants and operators: literals as written and the typed constants inference makes of them,
//! the unary, binary and logical operators, the compound assignments and how reductions combine,
//! and the GPU builtins of `#[rumba(cuda)]` functions.
//!
//! The expression and statement nodes that use them are in the parent module; they are
//! re-exported there (`crate::ir::BinOp`).

use std::fmt;

use super::{Fold, Scalar};

/// How partial results of a reduction combine (`-=` partials are summed like `+=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduce {
    Add,
    Mul,
    And,
    Or,
    Xor,
    Min,
    Max,
}

impl Reduce {
    /// The value partial results start from, as the bits of an `s`: a float's IEEE bits, an
    /// integer's value sign- or zero-extended to 128 bits. Float sums start from `-0.0`, the one
    /// value `x + v == x` holds for with every `x` (`+0.0` would turn a `-0.0` into `+0.0`);
    /// `min` and `max` of floats start from NaN, which `f64::min`/`max`, `llvm.minnum` and
    /// `atomicrmw fmin` all ignore.
    pub fn identity(self, s: Scalar) -> u128 {
        match (s, self) {
            (Scalar::F32, Reduce::Add) => (-0.0f32).to_bits().into(),
            (Scalar::F64, Reduce::Add) => (-0.0f64).to_bits().into(),
            (Scalar::F32, Reduce::Mul) => 1.0f32.to_bits().into(),
            (Scalar::F64, Reduce::Mul) => 1.0f64.to_bits().into(),
            (Scalar::F32, Reduce::Min | Reduce::Max) => f32::NAN.to_bits().into(),
            (Scalar::F64, Reduce::Min | Reduce::Max) => f64::NAN.to_bits().into(),
            (_, Reduce::Mul) => 1,
            (_, Reduce::And) => u128::MAX,
            (_, Reduce::Min) => Const::max(s).bits,
            (_, Reduce::Max) => Const::min(s).bits,
            (_, Reduce::Add | Reduce::Or | Reduce::Xor) => 0,
        }
    }

    /// The element update that adds a partial result into its target.
    pub fn update(self) -> UpdateOp {
        match self {
            Reduce::Add => UpdateOp::Add,
            Reduce::Mul => UpdateOp::Mul,
            Reduce::And => UpdateOp::And,
            Reduce::Or => UpdateOp::Or,
            Reduce::Xor => UpdateOp::Xor,
            Reduce::Min => UpdateOp::Min,
            Reduce::Max => UpdateOp::Max,
        }
    }

    /// How an update of this kind is written, for messages.
    pub fn written(self) -> &'static str {
        match self {
            Reduce::Add => "+=",
            Reduce::Mul => "*=",
            Reduce::And => "&=",
            Reduce::Or => "|=",
            Reduce::Xor => "^=",
            Reduce::Min => "= .min(..)",
            Reduce::Max => "= .max(..)",
        }
    }
}

/// The operator of an element update `a[k] op= v` ([`Stmt::Update`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpdateOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    /// `a[k] = a[k].min(v)`
    Min,
    /// `a[k] = a[k].max(v)`
    Max,
}

impl UpdateOp {
    /// How partial results of updates with this operator combine (`-=` partials add up).
    pub fn combine(self) -> Reduce {
        match self {
            UpdateOp::Add | UpdateOp::Sub => Reduce::Add,
            UpdateOp::Mul => Reduce::Mul,
            UpdateOp::And => Reduce::And,
            UpdateOp::Or => Reduce::Or,
            UpdateOp::Xor => Reduce::Xor,
            UpdateOp::Min => Reduce::Min,
            UpdateOp::Max => Reduce::Max,
        }
    }

    /// The binary operator it applies, or `None` for `min`/`max`.
    pub fn binary(self) -> Option<BinOp> {
        Some(match self {
            UpdateOp::Add => BinOp::Add,
            UpdateOp::Sub => BinOp::Sub,
            UpdateOp::Mul => BinOp::Mul,
            UpdateOp::And => BinOp::BitAnd,
            UpdateOp::Or => BinOp::BitOr,
            UpdateOp::Xor => BinOp::BitXor,
            UpdateOp::Min | UpdateOp::Max => return None,
        })
    }

    /// The update as written in the IR's text form (`+=`, `min=`, ..).
    pub fn symbol(self) -> &'static str {
        match self {
            UpdateOp::Add => "+=",
            UpdateOp::Sub => "-=",
            UpdateOp::Mul => "*=",
            UpdateOp::And => "&=",
            UpdateOp::Or => "|=",
            UpdateOp::Xor => "^=",
            UpdateOp::Min => "min=",
            UpdateOp::Max => "max=",
        }
    }
}

/// A literal as written; typed by inference into a [`Const`].
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// The literal with its `-` folded in (`-128i8` is one literal), and its suffix if any.
    Int(IntLit, Option<Scalar>),
    /// The digits as written (parsed once the type is known, so `0.1f32` rounds once).
    Float(String, Option<Scalar>),
    Bool(bool),
    /// The identity of std's `Sum` / `Product` in the numeric type the value gets (`-0.0` for a
    /// float sum): the start of an iterator chain's `sum()` (`front::lower::chain`).
    Identity(Fold),
}

/// An integer literal as written: its magnitude (any value up to `u128::MAX`, in any base) and
/// whether a `-` was folded in. `-0` keeps its sign: rustc refuses it for unsigned types as any
/// other negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntLit {
    pub negative: bool,
    pub magnitude: u128,
}

impl IntLit {
    /// The literal of `value`.
    pub fn new(value: i128) -> IntLit {
        IntLit {
            negative: value < 0,
            magnitude: value.unsigned_abs(),
        }
    }

    /// The literal of any integer value.
    pub fn of(value: Int) -> IntLit {
        IntLit {
            negative: !value.nonneg,
            magnitude: if value.nonneg {
                value.bits
            } else {
                value.bits.wrapping_neg()
            },
        }
    }

    /// Its value; `None` below `i128::MIN`, which no type holds.
    pub fn value(self) -> Option<Int> {
        if !self.negative {
            Some(Int::from(self.magnitude))
        } else if self.magnitude <= 1 << 127 {
            Some(Int::from(0i128.wrapping_sub_unsigned(self.magnitude)))
        } else {
            None
        }
    }
}

impl fmt::Display for IntLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        write!(f, "{sign}{}", self.magnitude)
    }
}

/// An integer value of any of the integer types, `i128::MIN..=u128::MAX`, ordered as the values
/// are: a literal's value, a type's bounds ([`Scalar::int_range`]) and what `match` coverage
/// counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int {
    /// Whether the value is at least zero (first, so that negative values order first).
    nonneg: bool,
    /// The value's two's complement bits, sign-extended to 128 (a [`Const`]'s bits).
    bits: u128,
}

impl Int {
    pub const MIN: Int = Int {
        nonneg: false,
        bits: 1 << 127,
    };
    pub const MAX: Int = Int {
        nonneg: true,
        bits: u128::MAX,
    };

    /// The value as an `i128`, if it is one (not above `i128::MAX`).
    pub fn to_i128(self) -> Option<i128> {
        (!self.nonneg || self.bits <= i128::MAX as u128).then_some(self.bits as i128)
    }

    /// The next value, `None` after [`Int::MAX`].
    pub fn succ(self) -> Option<Int> {
        match (self.nonneg, self.bits) {
            (true, u128::MAX) => None,
            (false, u128::MAX) => Some(Int::from(0u128)),
            (nonneg, bits) => Some(Int {
                nonneg,
                bits: bits + 1,
            }),
        }
    }

    /// The previous value, `None` before [`Int::MIN`].
    pub fn pred(self) -> Option<Int> {
        match (self.nonneg, self.bits) {
            _ if self == Int::MIN => None,
            (true, 0) => Some(Int::from(-1i128)),
            (nonneg, bits) => Some(Int {
                nonneg,
                bits: bits - 1,
            }),
        }
    }
}

impl From<i128> for Int {
    fn from(v: i128) -> Int {
        Int {
            nonneg: v >= 0,
            bits: v as u128,
        }
    }
}

impl From<u128> for Int {
    fn from(v: u128) -> Int {
        Int {
            nonneg: true,
            bits: v,
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_i128() {
            Some(v) => write!(f, "{v}"),
            None => write!(f, "{}", self.bits),
        }
    }
}

/// A typed constant: its type and its bits (floats as `to_bits`, integers two's complement,
/// sign-extended to 128 bits; a complex constant is its real part's bits, its imaginary part
/// zero: `ones` of complex arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Const {
    pub ty: Scalar,
    pub bits: u128,
}

impl Const {
    pub fn int(ty: Scalar, value: i128) -> Const {
        Const {
            ty,
            bits: value as u128,
        }
    }

    /// An integer constant of any value of its type (`u128::MAX` included).
    pub fn of_int(ty: Scalar, value: Int) -> Const {
        Const {
            ty,
            bits: value.bits,
        }
    }

    /// The smallest value of an integer type.
    pub fn min(ty: Scalar) -> Const {
        Const::of_int(ty, ty.int_range().0)
    }

    /// The largest value of an integer type.
    pub fn max(ty: Scalar) -> Const {
        Const::of_int(ty, ty.int_range().1)
    }

    /// `1` of a scalar type (`1 + 0i` for a complex one: a complex constant holds its real
    /// part).
    pub fn one(ty: Scalar) -> Const {
        match ty {
            Scalar::F32 | Scalar::C32 => Const {
                ty,
                bits: Const::f32(1.0).bits,
            },
            Scalar::F64 | Scalar::C64 => Const {
                ty,
                bits: Const::f64(1.0).bits,
            },
            s => Const::int(s, 1),
        }
    }

    pub fn f64(value: f64) -> Const {
        Const {
            ty: Scalar::F64,
            bits: value.to_bits().into(),
        }
    }

    pub fn f32(value: f32) -> Const {
        Const {
            ty: Scalar::F32,
            bits: value.to_bits().into(),
        }
    }

    pub fn bool(value: bool) -> Const {
        Const {
            ty: Scalar::Bool,
            bits: value.into(),
        }
    }

    /// The value sign-extended from its width (for signed types) or zero-extended (a `u128`
    /// above `i128::MAX` wraps: [`Const::as_u128`] has it).
    pub fn as_i128(self) -> i128 {
        let bits = self.ty.bits();
        if bits == 128 {
            return self.bits as i128;
        }
        let masked = self.bits & ((1u128 << bits) - 1);
        if self.ty.is_signed() && masked >> (bits - 1) == 1 {
            masked as i128 - (1i128 << bits)
        } else {
            masked as i128
        }
    }

    /// The value of an integer constant, `u128` values above `i128::MAX` included.
    pub fn as_int(self) -> Int {
        if self.ty.is_signed() {
            Int::from(self.as_i128())
        } else {
            Int::from(self.as_u128())
        }
    }

    /// The value's two's complement bits at its width, zero-extended.
    pub fn as_u128(self) -> u128 {
        match self.ty.bits() {
            128 => self.bits,
            bits => self.bits & ((1u128 << bits) - 1),
        }
    }

    pub fn as_f64(self) -> f64 {
        match self.ty {
            Scalar::F32 => f32::from_bits(self.bits as u32) as f64,
            Scalar::F64 => f64::from_bits(self.bits as u64),
            Scalar::U128 => self.bits as f64,
            _ => self.as_i128() as f64,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }

    pub fn is_arith(self) -> bool {
        matches!(
            self,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
        )
    }

    pub fn is_bitwise(self) -> bool {
        matches!(self, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
    }

    pub fn is_shift(self) -> bool {
        matches!(self, BinOp::Shl | BinOp::Shr)
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicOp {
    And,
    Or,
}

/// A GPU builtin of `#[rumba(cuda)]` functions (see [`ExprKind::Gpu`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GpuOp {
    /// `thread_idx_x()`, `_y`, `_z`: `usize`.
    ThreadIdx(Axis),
    BlockIdx(Axis),
    BlockDim(Axis),
    GridDim(Axis),
    /// `sync_threads()`: a barrier for the threads of a block; `()`.
    SyncThreads,
    /// `atomic_add(a, i, v)` etc.: updates `a[i]` atomically and returns the old value.
    Atomic(AtomicOp),
}

/// A dimension of the GPU's grid of blocks and threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    /// `x`, `y` or `z`, as in `thread_idx_x()` and PTX's `%tid.x`.
    pub fn letter(self) -> &'static str {
        match self {
            Axis::X => "x",
            Axis::Y => "y",
            Axis::Z => "z",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    Add,
    Min,
    Max,
    /// `atomic_exchange(a, i, v)`
    Exchange,
    /// `atomic_cas(a, i, expected, new)`: integers only.
    CompareExchange,
}

impl GpuOp {
    /// The builtin's name in kernel source.
    pub fn name(self) -> &'static str {
        const AXES: [[&str; 3]; 4] = [
            ["thread_idx_x", "thread_idx_y", "thread_idx_z"],
            ["block_idx_x", "block_idx_y", "block_idx_z"],
            ["block_dim_x", "block_dim_y", "block_dim_z"],
            ["grid_dim_x", "grid_dim_y", "grid_dim_z"],
        ];
        match self {
            GpuOp::ThreadIdx(a) => AXES[0][a as usize],
            GpuOp::BlockIdx(a) => AXES[1][a as usize],
            GpuOp::BlockDim(a) => AXES[2][a as usize],
            GpuOp::GridDim(a) => AXES[3][a as usize],
            GpuOp::SyncThreads => "sync_threads",
            GpuOp::Atomic(AtomicOp::Add) => "atomic_add",
            GpuOp::Atomic(AtomicOp::Min) => "atomic_min",
            GpuOp::Atomic(AtomicOp::Max) => "atomic_max",
            GpuOp::Atomic(AtomicOp::Exchange) => "atomic_exchange",
            GpuOp::Atomic(AtomicOp::CompareExchange) => "atomic_cas",
        }
    }

    /// All builtins, for name lookup.
    pub const ALL: [GpuOp; 18] = [
        GpuOp::ThreadIdx(Axis::X),
        GpuOp::ThreadIdx(Axis::Y),
        GpuOp::ThreadIdx(Axis::Z),
        GpuOp::BlockIdx(Axis::X),
        GpuOp::BlockIdx(Axis::Y),
        GpuOp::BlockIdx(Axis::Z),
        GpuOp::BlockDim(Axis::X),
        GpuOp::BlockDim(Axis::Y),
        GpuOp::BlockDim(Axis::Z),
        GpuOp::GridDim(Axis::X),
        GpuOp::GridDim(Axis::Y),
        GpuOp::GridDim(Axis::Z),
        GpuOp::SyncThreads,
        GpuOp::Atomic(AtomicOp::Add),
        GpuOp::Atomic(AtomicOp::Min),
        GpuOp::Atomic(AtomicOp::Max),
        GpuOp::Atomic(AtomicOp::Exchange),
        GpuOp::Atomic(AtomicOp::CompareExchange),
    ];

    pub fn from_name(name: &str) -> Option<GpuOp> {
        GpuOp::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The number of value arguments after the array and its index (atomics), or of all arguments.
    pub fn value_args(self) -> usize {
        match self {
            GpuOp::Atomic(AtomicOp::CompareExchange) => 2,
            GpuOp::Atomic(_) => 1,
            _ => 0,
        }
    }
}
