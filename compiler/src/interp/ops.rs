//! Scalar semantics: every operator, cast and numeric method of the kernel language, written with
//! the Rust operation it stands for on the Rust type it stands for.
//!
//! In: [`Value`]s of the operand types the verifier guarantees. Out: the [`Value`] rustc's release
//! build computes (wrapping integer arithmetic, masked shift amounts, IEEE floats with `f32`
//! computed in `f32`, saturating float-to-int casts), or the [`TrapKind`] of the panic Rust would
//! raise. Nothing here imitates the LLVM lowering: `x.sin()` is std's `sin`, `x as u8` is `as`.

use super::{TrapKind, Value};
use crate::ir::{BinOp, Const, Intrinsic, Rel, Scalar, UnOp};

/// The result of an operation: a value, or a panic of the Rust program.
pub(super) type Op = Result<Value, Outcome>;

/// Why an operation produced no value.
#[derive(Debug)]
pub(super) enum Outcome {
    Trap(TrapKind),
    /// Operand types the verifier rules out.
    Internal(String),
}

fn internal<T>(what: impl Into<String>) -> Result<T, Outcome> {
    Err(Outcome::Internal(what.into()))
}

/// Applies `$m` to the integer types: (variant, Rust type, signed?).
macro_rules! each_int {
    ($m:ident) => {
        $m! {
            (I8, i8, signed),
            (I16, i16, signed),
            (I32, i32, signed),
            (I64, i64, signed),
            (Isize, isize, signed),
            (I128, i128, signed),
            (U8, u8, unsigned),
            (U16, u16, unsigned),
            (U32, u32, unsigned),
            (U64, u64, unsigned),
            (Usize, usize, unsigned),
            (U128, u128, unsigned)
        }
    };
}

impl Value {
    /// The scalar type of the value (`None` for `()`).
    pub fn ty(self) -> Option<Scalar> {
        Some(match self {
            Value::Unit => return None,
            Value::Bool(_) => Scalar::Bool,
            Value::I8(_) => Scalar::I8,
            Value::I16(_) => Scalar::I16,
            Value::I32(_) => Scalar::I32,
            Value::I64(_) => Scalar::I64,
            Value::Isize(_) => Scalar::Isize,
            Value::U8(_) => Scalar::U8,
            Value::U16(_) => Scalar::U16,
            Value::U32(_) => Scalar::U32,
            Value::U64(_) => Scalar::U64,
            Value::Usize(_) => Scalar::Usize,
            Value::F32(_) => Scalar::F32,
            Value::F64(_) => Scalar::F64,
            Value::I128(_) => Scalar::I128,
            Value::U128(_) => Scalar::U128,
            Value::C32(_) => Scalar::C32,
            Value::C64(_) => Scalar::C64,
        })
    }

    /// A typed constant of the IR as a value.
    pub fn from_const(c: Const) -> Value {
        let i = c.as_i128();
        match c.ty {
            Scalar::Bool => Value::Bool(c.bits & 1 != 0),
            Scalar::I128 => Value::I128(i),
            Scalar::U128 => Value::U128(c.as_u128()),
            Scalar::I8 => Value::I8(i as i8),
            Scalar::I16 => Value::I16(i as i16),
            Scalar::I32 => Value::I32(i as i32),
            Scalar::I64 => Value::I64(i as i64),
            Scalar::Isize => Value::Isize(i as isize),
            Scalar::U8 => Value::U8(i as u8),
            Scalar::U16 => Value::U16(i as u16),
            Scalar::U32 => Value::U32(i as u32),
            Scalar::U64 => Value::U64(i as u64),
            Scalar::Usize => Value::Usize(i as usize),
            Scalar::F32 => Value::F32(f32::from_bits(c.bits as u32)),
            Scalar::F64 => Value::F64(f64::from_bits(c.bits as u64)),
            Scalar::C32 => Value::C32([f32::from_bits(c.bits as u32), 0.0]),
            Scalar::C64 => Value::C64([f64::from_bits(c.bits as u64), 0.0]),
        }
    }

    /// Reads an element of type `ty` from its in-memory bytes (native endian; `bool` is one byte,
    /// non-zero meaning `true`).
    pub fn load(ty: Scalar, bytes: &[u8]) -> Value {
        macro_rules! read {
            ($t:ty) => {{
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(&bytes[..std::mem::size_of::<$t>()]);
                <$t>::from_ne_bytes(b)
            }};
        }
        match ty {
            Scalar::Bool => Value::Bool(bytes[0] != 0),
            Scalar::I8 => Value::I8(read!(i8)),
            Scalar::I16 => Value::I16(read!(i16)),
            Scalar::I32 => Value::I32(read!(i32)),
            Scalar::I64 => Value::I64(read!(i64)),
            Scalar::Isize => Value::Isize(read!(isize)),
            Scalar::U8 => Value::U8(read!(u8)),
            Scalar::U16 => Value::U16(read!(u16)),
            Scalar::U32 => Value::U32(read!(u32)),
            Scalar::U64 => Value::U64(read!(u64)),
            Scalar::Usize => Value::Usize(read!(usize)),
            Scalar::F32 => Value::F32(read!(f32)),
            Scalar::F64 => Value::F64(read!(f64)),
            Scalar::I128 => Value::I128(read!(i128)),
            Scalar::U128 => Value::U128(read!(u128)),
            Scalar::C32 => {
                let re = Value::load(Scalar::F32, bytes);
                let im = Value::load(Scalar::F32, &bytes[4..]);
                match (re, im) {
                    (Value::F32(re), Value::F32(im)) => Value::C32([re, im]),
                    _ => Value::Unit,
                }
            }
            Scalar::C64 => {
                let re = Value::load(Scalar::F64, bytes);
                let im = Value::load(Scalar::F64, &bytes[8..]);
                match (re, im) {
                    (Value::F64(re), Value::F64(im)) => Value::C64([re, im]),
                    _ => Value::Unit,
                }
            }
        }
    }

    /// Writes the value's in-memory bytes (as [`Value::load`] reads them) to the front of `out`.
    pub fn store(self, out: &mut [u8]) {
        macro_rules! write {
            ($v:expr) => {{
                let b = $v.to_ne_bytes();
                out[..b.len()].copy_from_slice(&b);
            }};
        }
        match self {
            Value::Unit => {}
            Value::Bool(v) => out[0] = v as u8,
            Value::I8(v) => write!(v),
            Value::I16(v) => write!(v),
            Value::I32(v) => write!(v),
            Value::I64(v) => write!(v),
            Value::Isize(v) => write!(v),
            Value::U8(v) => write!(v),
            Value::U16(v) => write!(v),
            Value::U32(v) => write!(v),
            Value::U64(v) => write!(v),
            Value::Usize(v) => write!(v),
            Value::F32(v) => write!(v),
            Value::F64(v) => write!(v),
            Value::I128(v) => write!(v),
            Value::U128(v) => write!(v),
            Value::C32([re, im]) => {
                write!(re);
                out[4..8].copy_from_slice(&im.to_ne_bytes());
            }
            Value::C64([re, im]) => {
                write!(re);
                out[8..16].copy_from_slice(&im.to_ne_bytes());
            }
        }
    }

    /// An integer value widened to `i128` (what a `usize` index or a `usize` step is).
    pub fn as_i128(self) -> Option<i128> {
        macro_rules! wide {
            ($(($v:ident, $t:ty, $s:ident)),*) => {
                match self {
                    $(Value::$v(x) => Some(x as i128),)*
                    _ => None,
                }
            };
        }
        each_int!(wide)
    }

    pub fn as_bool(self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// `-x` and `!x`.
pub(super) fn unary(op: UnOp, x: Value) -> Op {
    macro_rules! int_unary {
        ($(($v:ident, $t:ty, $s:ident)),*) => {
            match (op, x) {
                $((UnOp::Neg, Value::$v(a)) => Value::$v(a.wrapping_neg()),)*
                $((UnOp::Not, Value::$v(a)) => Value::$v(!a),)*
                (UnOp::Neg, Value::F32(a)) => Value::F32(-a),
                (UnOp::Neg, Value::F64(a)) => Value::F64(-a),
                (UnOp::Not, Value::Bool(a)) => Value::Bool(!a),
                _ => return internal(format!("unary {op:?} on {x:?}")),
            }
        };
    }
    Ok(each_int!(int_unary))
}

/// `old op v` for an element update (`Stmt::Update`): a complex `old` adds (subtracts) a complex
/// `v` part by part, and a real `v` to its real part only, as num-complex's `z + w` and `z + x`
/// do; any other `old` as [`binary`].
pub(super) fn update(op: BinOp, old: Value, v: Value) -> Op {
    let parts = |z: Value| match z {
        Value::C32([re, im]) => Some((Value::F32(re), Value::F32(im))),
        Value::C64([re, im]) => Some((Value::F64(re), Value::F64(im))),
        _ => None,
    };
    let Some((re, im)) = parts(old) else {
        return binary(op, old, v);
    };
    let (re, im) = match parts(v) {
        Some((x, y)) => (binary(op, re, x)?, binary(op, im, y)?),
        None => (binary(op, re, v)?, im),
    };
    match (re, im) {
        (Value::F32(re), Value::F32(im)) => Ok(Value::C32([re, im])),
        (Value::F64(re), Value::F64(im)) => Ok(Value::C64([re, im])),
        (re, im) => internal(format!("complex update to {re:?}, {im:?}")),
    }
}

/// A binary operator on two operands of one type, or a shift of any integer by any integer.
pub(super) fn binary(op: BinOp, a: Value, b: Value) -> Op {
    if op.is_shift() {
        return shift(op, a, b);
    }
    macro_rules! int_binary {
        ($(($v:ident, $t:ty, $s:ident)),*) => {
            match (a, b) {
                $((Value::$v(x), Value::$v(y)) => int_op!(x, y, $v, $t, $s),)*
                (Value::F32(x), Value::F32(y)) => float_op!(x, y, F32),
                (Value::F64(x), Value::F64(y)) => float_op!(x, y, F64),
                (Value::Bool(x), Value::Bool(y)) => bool_op(op, x, y),
                _ => internal(format!("`{}` on {a:?} and {b:?}", op.symbol())),
            }
        };
    }
    macro_rules! int_op {
        ($x:ident, $y:ident, $v:ident, $t:ty, $s:ident) => {
            Ok(match op {
                BinOp::Add => Value::$v($x.wrapping_add($y)),
                BinOp::Sub => Value::$v($x.wrapping_sub($y)),
                BinOp::Mul => Value::$v($x.wrapping_mul($y)),
                BinOp::Div | BinOp::Rem => {
                    if $y == 0 {
                        return Err(Outcome::Trap(TrapKind::DivisionByZero { dividend: a }));
                    }
                    // `checked_div` fails exactly on `MIN / -1`, which panics in every build.
                    let q = if op == BinOp::Div {
                        $x.checked_div($y)
                    } else {
                        $x.checked_rem($y)
                    };
                    match q {
                        Some(q) => Value::$v(q),
                        None => {
                            return Err(Outcome::Trap(TrapKind::DivisionOverflow {
                                dividend: a,
                                divisor: b,
                            }))
                        }
                    }
                }
                BinOp::BitAnd => Value::$v($x & $y),
                BinOp::BitOr => Value::$v($x | $y),
                BinOp::BitXor => Value::$v($x ^ $y),
                BinOp::Eq => Value::Bool($x == $y),
                BinOp::Ne => Value::Bool($x != $y),
                BinOp::Lt => Value::Bool($x < $y),
                BinOp::Le => Value::Bool($x <= $y),
                BinOp::Gt => Value::Bool($x > $y),
                BinOp::Ge => Value::Bool($x >= $y),
                BinOp::Shl | BinOp::Shr => return internal("shift"),
            })
        };
    }
    macro_rules! float_op {
        ($x:ident, $y:ident, $v:ident) => {
            Ok(match op {
                BinOp::Add => Value::$v($x + $y),
                BinOp::Sub => Value::$v($x - $y),
                BinOp::Mul => Value::$v($x * $y),
                BinOp::Div => Value::$v($x / $y),
                BinOp::Rem => Value::$v($x % $y),
                BinOp::Eq => Value::Bool($x == $y),
                BinOp::Ne => Value::Bool($x != $y),
                BinOp::Lt => Value::Bool($x < $y),
                BinOp::Le => Value::Bool($x <= $y),
                BinOp::Gt => Value::Bool($x > $y),
                BinOp::Ge => Value::Bool($x >= $y),
                _ => return internal(format!("`{}` on floats", op.symbol())),
            })
        };
    }
    each_int!(int_binary)
}

fn bool_op(op: BinOp, x: bool, y: bool) -> Op {
    Ok(Value::Bool(match op {
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        BinOp::Eq => x == y,
        BinOp::Ne => x != y,
        // `false < true`.
        BinOp::Lt => !x & y,
        BinOp::Le => x <= y,
        BinOp::Gt => x & !y,
        BinOp::Ge => x >= y,
        _ => return internal(format!("`{}` on bool", op.symbol())),
    }))
}

/// `a << b`, `a >> b`: with overflow checks off, rustc masks the amount to the width of `a`
/// (`wrapping_shl` / `wrapping_shr`); `>>` is arithmetic on signed types.
fn shift(op: BinOp, a: Value, b: Value) -> Op {
    let Some(amount) = b.as_i128() else {
        return internal(format!("shift by {b:?}"));
    };
    // The low bits are all that matter once masked; `as u32` keeps them.
    let amount = amount as u32;
    macro_rules! int_shift {
        ($(($v:ident, $t:ty, $s:ident)),*) => {
            match a {
                $(Value::$v(x) => Value::$v(if op == BinOp::Shl { x.wrapping_shl(amount) } else { x.wrapping_shr(amount) }),)*
                _ => return internal(format!("shift of {a:?}")),
            }
        };
    }
    Ok(each_int!(int_shift))
}

/// `x as to`.
pub(super) fn cast(x: Value, to: Scalar) -> Op {
    // Every source type `as` a numeric target, exactly as Rust writes it.
    macro_rules! to_int {
        ($t:ty) => {
            match x {
                Value::Bool(v) => v as $t,
                Value::I8(v) => v as $t,
                Value::I16(v) => v as $t,
                Value::I32(v) => v as $t,
                Value::I64(v) => v as $t,
                Value::Isize(v) => v as $t,
                Value::U8(v) => v as $t,
                Value::U16(v) => v as $t,
                Value::U32(v) => v as $t,
                Value::U64(v) => v as $t,
                Value::Usize(v) => v as $t,
                Value::I128(v) => v as $t,
                Value::U128(v) => v as $t,
                Value::F32(v) => v as $t,
                Value::F64(v) => v as $t,
                Value::C32(_) | Value::C64(_) | Value::Unit => {
                    return internal(format!("cast of {x:?}"))
                }
            }
        };
    }
    // Rust has no `bool as f32` (the type checker rejects it), but `f32::from(b)` is this cast.
    macro_rules! to_float {
        ($t:ty) => {
            match x {
                Value::Bool(v) => u8::from(v) as $t,
                Value::I8(v) => v as $t,
                Value::I16(v) => v as $t,
                Value::I32(v) => v as $t,
                Value::I64(v) => v as $t,
                Value::Isize(v) => v as $t,
                Value::U8(v) => v as $t,
                Value::U16(v) => v as $t,
                Value::U32(v) => v as $t,
                Value::U64(v) => v as $t,
                Value::Usize(v) => v as $t,
                Value::I128(v) => v as $t,
                Value::U128(v) => v as $t,
                Value::F32(v) => v as $t,
                Value::F64(v) => v as $t,
                Value::C32(_) | Value::C64(_) | Value::Unit => {
                    return internal(format!("cast of {x:?} to {to}"))
                }
            }
        };
    }
    Ok(match to {
        Scalar::Bool => match x {
            Value::Bool(v) => Value::Bool(v),
            _ => return internal(format!("cast of {x:?} to bool")),
        },
        Scalar::I8 => Value::I8(to_int!(i8)),
        Scalar::I16 => Value::I16(to_int!(i16)),
        Scalar::I32 => Value::I32(to_int!(i32)),
        Scalar::I64 => Value::I64(to_int!(i64)),
        Scalar::Isize => Value::Isize(to_int!(isize)),
        Scalar::U8 => Value::U8(to_int!(u8)),
        Scalar::U16 => Value::U16(to_int!(u16)),
        Scalar::U32 => Value::U32(to_int!(u32)),
        Scalar::U64 => Value::U64(to_int!(u64)),
        Scalar::Usize => Value::Usize(to_int!(usize)),
        Scalar::F32 => Value::F32(to_float!(f32)),
        Scalar::F64 => Value::F64(to_float!(f64)),
        Scalar::I128 => Value::I128(to_int!(i128)),
        Scalar::U128 => Value::U128(to_int!(u128)),
        Scalar::C32 | Scalar::C64 => return internal(format!("cast of {x:?} to {to}")),
    })
}

/// A numeric method; `args[0]` is the receiver.
pub(super) fn intrinsic(op: Intrinsic, args: &[Value]) -> Op {
    let Some(&x) = args.first() else {
        return internal(format!("`{}` without a receiver", op.name()));
    };
    let arg = |k: usize| {
        args.get(k)
            .copied()
            .ok_or_else(|| Outcome::Internal(format!("`{}` needs {} arguments", op.name(), k + 1)))
    };
    match x {
        Value::F32(v) => float_f32(op, v, &arg),
        Value::F64(v) => float_f64(op, v, &arg),
        Value::C32([re, im]) => complex(op, Value::F32(re), Value::F32(im)),
        Value::C64([re, im]) => complex(op, Value::F64(re), Value::F64(im)),
        _ => int_intrinsic(op, x, &arg),
    }
}

/// The intrinsics of a complex receiver: its parts.
fn complex(op: Intrinsic, re: Value, im: Value) -> Op {
    match op {
        Intrinsic::Re => Ok(re),
        Intrinsic::Im => Ok(im),
        _ => internal(format!("`{}` on a complex number", op.name())),
    }
}

type ArgFn<'a> = dyn Fn(usize) -> Result<Value, Outcome> + 'a;

macro_rules! float_intrinsic {
    ($name:ident, $t:ident, $v:ident, $c:ident, $bits:ident) => {
        fn $name(op: Intrinsic, x: $t, arg: &ArgFn<'_>) -> Op {
            use Intrinsic::*;
            let same = |k: usize| match arg(k)? {
                Value::$v(y) => Ok(y),
                other => internal(format!("`{}` argument {other:?}", op.name())),
            };
            let f = Value::$v;
            Ok(match op {
                Abs => f(x.abs()),
                Sqrt => f(x.sqrt()),
                Cbrt => f(x.cbrt()),
                Exp => f(x.exp()),
                Exp2 => f(x.exp2()),
                ExpM1 => f(x.exp_m1()),
                Ln => f(x.ln()),
                Ln1p => f(x.ln_1p()),
                Log2 => f(x.log2()),
                Log10 => f(x.log10()),
                Sin => f(x.sin()),
                Cos => f(x.cos()),
                Tan => f(x.tan()),
                Asin => f(x.asin()),
                Acos => f(x.acos()),
                Atan => f(x.atan()),
                Sinh => f(x.sinh()),
                Cosh => f(x.cosh()),
                Tanh => f(x.tanh()),
                Floor => f(x.floor()),
                Ceil => f(x.ceil()),
                Round => f(x.round()),
                Trunc => f(x.trunc()),
                Fract => f(x.fract()),
                Signum => f(x.signum()),
                Recip => f(x.recip()),
                ToRadians => f(x.to_radians()),
                ToDegrees => f(x.to_degrees()),
                Powf => f(x.powf(same(1)?)),
                Log => f(x.log(same(1)?)),
                Atan2 => f(x.atan2(same(1)?)),
                Min => f(x.min(same(1)?)),
                Max => f(x.max(same(1)?)),
                Hypot => f(x.hypot(same(1)?)),
                Copysign => f(x.copysign(same(1)?)),
                Powi => match arg(1)? {
                    Value::I32(n) => f(x.powi(n)),
                    other => return internal(format!("powi by {other:?}")),
                },
                MulAdd => f(x.mul_add(same(1)?, same(2)?)),
                ToBits => Value::$bits(x.to_bits()),
                ComplexNew => Value::$c([x, same(1)?]),
                Clamp => {
                    let (lo, hi) = (same(1)?, same(2)?);
                    // std: `assert!(min <= max)`, which a NaN bound fails too.
                    #[allow(clippy::neg_cmp_op_on_partial_ord)]
                    if !(lo <= hi) {
                        return Err(Outcome::Trap(TrapKind::ClampBounds {
                            min: Value::$v(lo),
                            max: Value::$v(hi),
                        }));
                    }
                    f(x.clamp(lo, hi))
                }
                RemEuclid => f(x.rem_euclid(same(1)?)),
                DivEuclid => f(x.div_euclid(same(1)?)),
                IsNan => Value::Bool(x.is_nan()),
                IsFinite => Value::Bool(x.is_finite()),
                IsInfinite => Value::Bool(x.is_infinite()),
                IsSignNegative => Value::Bool(x.is_sign_negative()),
                IsSignPositive => Value::Bool(x.is_sign_positive()),
                Pow | WrappingAdd | WrappingSub | WrappingMul | WrappingNeg | CountOnes
                | CountZeros | LeadingZeros | TrailingZeros | LeadingOnes | TrailingOnes
                | IsPowerOfTwo | IsPositive | IsNegative | SaturatingAdd | SaturatingSub
                | SaturatingMul | WrappingAbs | RotateLeft | RotateRight | SwapBytes
                | ReverseBits | AbsDiff | Re | Im | CheckedAddNone | CheckedSubNone
                | CheckedMulNone | CheckedDivNone | CheckedNegNone | CheckedShlNone
                | F32FromBits | F64FromBits => {
                    return internal(format!("`{}` on {}", op.name(), stringify!($t)))
                }
            })
        }
    };
}
float_intrinsic!(float_f32, f32, F32, C32, U32);
float_intrinsic!(float_f64, f64, F64, C64, U64);

fn int_intrinsic(op: Intrinsic, x: Value, arg: &ArgFn<'_>) -> Op {
    use Intrinsic::*;
    // `Some(e)` for a signed type; methods of signed types only do not exist on the others.
    macro_rules! signed {
        (signed, $e:expr) => {
            Some($e)
        };
        (unsigned, $e:expr) => {
            None
        };
    }
    macro_rules! int {
        ($v:ident, $x:ident, $s:ident) => {{
            let same = |k: usize| match arg(k)? {
                Value::$v(y) => Ok(y),
                other => internal(format!("`{}` argument {other:?}", op.name())),
            };
            match op {
                Min => Some(Value::$v($x.min(same(1)?))),
                Max => Some(Value::$v($x.max(same(1)?))),
                Clamp => {
                    let (lo, hi) = (same(1)?, same(2)?);
                    // std: `assert!(min <= max)`.
                    if lo > hi {
                        return Err(Outcome::Trap(TrapKind::ClampBounds {
                            min: Value::$v(lo),
                            max: Value::$v(hi),
                        }));
                    }
                    Some(Value::$v($x.clamp(lo, hi)))
                }
                // Release builds: overflow wraps.
                Pow => match arg(1)? {
                    Value::U32(e) => Some(Value::$v($x.wrapping_pow(e))),
                    other => return internal(format!("pow by {other:?}")),
                },
                WrappingAdd => Some(Value::$v($x.wrapping_add(same(1)?))),
                WrappingSub => Some(Value::$v($x.wrapping_sub(same(1)?))),
                WrappingMul => Some(Value::$v($x.wrapping_mul(same(1)?))),
                WrappingNeg => Some(Value::$v($x.wrapping_neg())),
                CountOnes => Some(Value::U32($x.count_ones())),
                CountZeros => Some(Value::U32($x.count_zeros())),
                LeadingZeros => Some(Value::U32($x.leading_zeros())),
                TrailingZeros => Some(Value::U32($x.trailing_zeros())),
                LeadingOnes => Some(Value::U32($x.leading_ones())),
                TrailingOnes => Some(Value::U32($x.trailing_ones())),
                // (`types` gives it an unsigned receiver: the bits of a power of two.)
                IsPowerOfTwo => Some(Value::Bool($x.count_ones() == 1)),
                // Release builds: `MIN.abs()` wraps to `MIN`.
                Abs => signed!($s, Value::$v($x.wrapping_abs())),
                Signum => signed!($s, Value::$v($x.signum())),
                IsPositive => signed!($s, Value::Bool($x.is_positive())),
                IsNegative => signed!($s, Value::Bool($x.is_negative())),
                SaturatingAdd => Some(Value::$v($x.saturating_add(same(1)?))),
                SaturatingSub => Some(Value::$v($x.saturating_sub(same(1)?))),
                SaturatingMul => Some(Value::$v($x.saturating_mul(same(1)?))),
                WrappingAbs => signed!($s, Value::$v($x.wrapping_abs())),
                RotateLeft | RotateRight => match arg(1)? {
                    Value::U32(n) if op == RotateLeft => Some(Value::$v($x.rotate_left(n))),
                    Value::U32(n) => Some(Value::$v($x.rotate_right(n))),
                    other => return internal(format!("rotate by {other:?}")),
                },
                SwapBytes => Some(Value::$v($x.swap_bytes())),
                ReverseBits => Some(Value::$v($x.reverse_bits())),
                // (`types` gives these a `u32` / `u64` receiver.)
                F32FromBits => Some(Value::F32(f32::from_bits($x as u32))),
                F64FromBits => Some(Value::F64(f64::from_bits($x as u64))),
                AbsDiff => {
                    // The distance in the unsigned type of the width (as its bits).
                    let d = $x.abs_diff(same(1)?) as i128;
                    match x.ty().and_then(|s| Rel::Unsigned.of(s)) {
                        Some(u) => Some(Value::from_const(Const::int(u, d))),
                        None => return internal(format!("`abs_diff` of {x:?}")),
                    }
                }
                CheckedAddNone => Some(Value::Bool($x.checked_add(same(1)?).is_none())),
                CheckedSubNone => Some(Value::Bool($x.checked_sub(same(1)?).is_none())),
                CheckedMulNone => Some(Value::Bool($x.checked_mul(same(1)?).is_none())),
                CheckedDivNone => Some(Value::Bool($x.checked_div(same(1)?).is_none())),
                CheckedNegNone => Some(Value::Bool($x.checked_neg().is_none())),
                CheckedShlNone => match arg(1)? {
                    Value::U32(n) => Some(Value::Bool($x.checked_shl(n).is_none())),
                    other => return internal(format!("shift by {other:?}")),
                },
                // Fail as `%` and `/` do: by zero, and on `MIN / -1`.
                RemEuclid | DivEuclid => {
                    let y = same(1)?;
                    if y == 0 {
                        return Err(Outcome::Trap(TrapKind::DivisionByZero { dividend: x }));
                    }
                    let q = if op == RemEuclid {
                        $x.checked_rem_euclid(y)
                    } else {
                        $x.checked_div_euclid(y)
                    };
                    match q {
                        Some(q) => Some(Value::$v(q)),
                        None => {
                            return Err(Outcome::Trap(TrapKind::DivisionOverflow {
                                dividend: x,
                                divisor: Value::$v(y),
                            }))
                        }
                    }
                }
                Powf | Log | Atan2 | Hypot | Copysign | Sqrt | Cbrt | Exp | Exp2 | ExpM1 | Ln
                | Ln1p | Log2 | Log10 | Sin | Cos | Tan | Asin | Acos | Atan | Sinh | Cosh
                | Tanh | Floor | Ceil | Round | Trunc | Fract | Recip | ToRadians | ToDegrees
                | Powi | MulAdd | ToBits | IsNan | IsFinite | IsInfinite | IsSignNegative
                | IsSignPositive | Re | Im | ComplexNew => None,
            }
        }};
    }
    macro_rules! dispatch {
        ($(($v:ident, $t:ty, $s:ident)),*) => {
            match x {
                $(Value::$v(v) => int!($v, v, $s),)*
                _ => None,
            }
        };
    }
    match each_int!(dispatch) {
        Some(v) => Ok(v),
        None => internal(format!("`{}` on {x:?}", op.name())),
    }
}
