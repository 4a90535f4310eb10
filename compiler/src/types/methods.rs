//! The numeric methods of std that kernels may call, and their signatures.
//!
//! In: a method name and the receiver's scalar type. Out: the [`Intrinsic`] it resolves to and
//! the types of its other arguments and of its result, exactly as in std.

use crate::ir::{Intrinsic, Scalar};

/// The type of a method argument or result, relative to the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    /// The receiver's type.
    Same,
    Fixed(Scalar),
}

pub struct MethodSig {
    pub op: Intrinsic,
    pub args: &'static [Rel],
    pub ret: Rel,
}

const SAME: Rel = Rel::Same;
const BOOL: Rel = Rel::Fixed(Scalar::Bool);
const U32: Rel = Rel::Fixed(Scalar::U32);
const I32: Rel = Rel::Fixed(Scalar::I32);

/// Resolves `receiver.name(..)` for a receiver of type `ty`.
pub fn resolve(name: &str, ty: Scalar) -> Option<MethodSig> {
    use Intrinsic::*;
    let sig = |op, args: &'static [Rel], ret| Some(MethodSig { op, args, ret });
    if ty.is_float() {
        let unary = [
            Abs, Sqrt, Cbrt, Exp, Exp2, ExpM1, Ln, Ln1p, Log2, Log10, Sin, Cos, Tan, Asin, Acos,
            Atan, Sinh, Cosh, Tanh, Floor, Ceil, Round, Trunc, Fract, Signum, Recip, ToRadians,
            ToDegrees,
        ];
        if let Some(op) = unary.into_iter().find(|op| op.name() == name) {
            return sig(op, &[], SAME);
        }
        let binary = [Powf, Log, Atan2, Min, Max, Hypot, Copysign];
        if let Some(op) = binary.into_iter().find(|op| op.name() == name) {
            return sig(op, &[SAME], SAME);
        }
        let predicates = [IsNan, IsFinite, IsInfinite, IsSignNegative, IsSignPositive];
        if let Some(op) = predicates.into_iter().find(|op| op.name() == name) {
            return sig(op, &[], BOOL);
        }
        return match name {
            "powi" => sig(Powi, &[I32], SAME),
            "mul_add" => sig(MulAdd, &[SAME, SAME], SAME),
            "clamp" => sig(Clamp, &[SAME, SAME], SAME),
            _ => None,
        };
    }
    if ty.is_int() {
        let signed_only = matches!(name, "abs" | "signum" | "is_positive" | "is_negative");
        if signed_only && !ty.is_signed() {
            return None;
        }
        return match name {
            "min" => sig(Min, &[SAME], SAME),
            "max" => sig(Max, &[SAME], SAME),
            "clamp" => sig(Clamp, &[SAME, SAME], SAME),
            "abs" => sig(Abs, &[], SAME),
            "signum" => sig(Signum, &[], SAME),
            "pow" => sig(Pow, &[U32], SAME),
            "wrapping_add" => sig(WrappingAdd, &[SAME], SAME),
            "wrapping_sub" => sig(WrappingSub, &[SAME], SAME),
            "wrapping_mul" => sig(WrappingMul, &[SAME], SAME),
            "wrapping_neg" => sig(WrappingNeg, &[], SAME),
            "count_ones" => sig(CountOnes, &[], U32),
            "count_zeros" => sig(CountZeros, &[], U32),
            "leading_zeros" => sig(LeadingZeros, &[], U32),
            "trailing_zeros" => sig(TrailingZeros, &[], U32),
            "is_positive" => sig(IsPositive, &[], BOOL),
            "is_negative" => sig(IsNegative, &[], BOOL),
            _ => None,
        };
    }
    None
}

/// Methods of both floats and integers whose arguments all have the receiver's type: for an
/// unsuffixed literal receiver, these take their type from the arguments.
pub fn args_share_receiver_type(name: &str) -> bool {
    matches!(
        name,
        "min" | "max" | "clamp" | "powf" | "atan2" | "hypot" | "copysign" | "log" | "mul_add"
    )
}
