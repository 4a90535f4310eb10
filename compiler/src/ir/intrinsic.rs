//! The one table of the numeric methods kernels may call ([`Intrinsic`]s).
//!
//! In: nothing (a declaration). Out: the [`Intrinsic`] enum and, per intrinsic, its
//! [`IntrinsicDesc`]: the method name, the receivers it is defined on, the types of its other
//! arguments and of its result relative to the receiver (exactly as in std), and whether std
//! specifies its result exactly. Every list of methods is read from here: the front end's name
//! recognition (`front::lower`), the typing rules (`types::methods`), the printer and the
//! differential generator (`tests/differential/gen.rs`). Only what is genuinely per method is
//! written elsewhere, as matches with no wildcard, so that a new row does not compile until it has
//! them: its semantics (`interp::ops`) and its lowering (`back::emit::math`).

use super::Scalar;

/// The scalar types a method is defined on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// `f32`, `f64`.
    Float,
    /// Every integer type.
    Int,
    /// The signed integer types.
    Signed,
    /// The unsigned integer types.
    Unsigned,
    /// `Complex<f32>`, `Complex<f64>`.
    Complex,
    /// `u32`, `u64`: the bits of a float (`f32::from_bits`, `f64::from_bits`).
    Bits,
}

impl Receiver {
    pub fn accepts(self, s: Scalar) -> bool {
        match self {
            Receiver::Float => s.is_float(),
            Receiver::Int => s.is_int(),
            Receiver::Signed => s.is_int() && s.is_signed(),
            Receiver::Unsigned => s.is_int() && !s.is_signed(),
            Receiver::Complex => s.is_complex(),
            Receiver::Bits => matches!(s, Scalar::U32 | Scalar::U64),
        }
    }
}

/// The type of a method argument or result, relative to the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    /// The receiver's type.
    Same,
    Fixed(Scalar),
    /// The type of a complex receiver's parts (`f64` for `Complex<f64>`).
    Part,
    /// The complex type whose parts have the (float) receiver's type.
    Complex,
    /// The unsigned integer type of the receiver's width (`u32` for `i32` and for `f32`).
    Unsigned,
    /// The float type of an unsigned receiver's width (`f64` for `u64`).
    Float,
}

impl Rel {
    /// The type this stands for with a receiver of type `receiver` (`None`: `Complex` of a
    /// receiver that is not a float).
    pub fn of(self, receiver: Scalar) -> Option<Scalar> {
        match self {
            Rel::Same => Some(receiver),
            Rel::Fixed(t) => Some(t),
            Rel::Part => Some(receiver.part()),
            Rel::Complex => receiver.complex(),
            Rel::Unsigned => unsigned(receiver),
            Rel::Float => match receiver {
                Scalar::U32 => Some(Scalar::F32),
                Scalar::U64 => Some(Scalar::F64),
                _ => None,
            },
        }
    }
}

/// The unsigned integer type of an integer type's width.
fn unsigned(s: Scalar) -> Option<Scalar> {
    match s {
        Scalar::I8 | Scalar::U8 => Some(Scalar::U8),
        Scalar::I16 | Scalar::U16 => Some(Scalar::U16),
        Scalar::I32 | Scalar::U32 => Some(Scalar::U32),
        Scalar::I64 | Scalar::U64 => Some(Scalar::U64),
        Scalar::F32 => Some(Scalar::U32),
        Scalar::F64 => Some(Scalar::U64),
        Scalar::Isize | Scalar::Usize => Some(Scalar::Usize),
        Scalar::I128 | Scalar::U128 => Some(Scalar::U128),
        _ => None,
    }
}

/// How precisely std specifies a float method's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Exact or correctly rounded (and every integer method): LLVM's constant folding, the C
    /// library and libdevice all give the same bits.
    Exact,
    /// Left unspecified by Rust: the C library, libdevice and LLVM's constant folding may differ
    /// in the last bits.
    Unspecified,
}

/// One row of the table.
#[derive(Debug)]
pub struct IntrinsicDesc {
    pub op: Intrinsic,
    /// The method name: `x.sqrt()`.
    pub name: &'static str,
    pub receivers: &'static [Receiver],
    /// The arguments after the receiver.
    pub args: &'static [Rel],
    pub ret: Rel,
    pub precision: Precision,
}

impl IntrinsicDesc {
    /// Whether it is the test of a `checked_*` method (named `checked_add.is_none`), which
    /// kernels cannot call by name: they call the method (`a.checked_add(b)`).
    pub fn is_hidden(&self) -> bool {
        self.name.ends_with(".is_none")
    }

    /// The method a kernel writes for it: `checked_add` for `checked_add.is_none`.
    pub fn method(&self) -> &'static str {
        self.name.trim_end_matches(".is_none")
    }

    /// Whether the method is defined on receivers of type `s`.
    pub fn accepts(&self, s: Scalar) -> bool {
        self.receivers.iter().any(|r| r.accepts(s))
    }
}

macro_rules! intrinsics {
    ($(
        $(#[$doc:meta])*
        $op:ident $name:literal ($($recv:ident)|+) ($($arg:expr),*) -> $ret:expr, $prec:ident;
    )*) => {
        /// A resolved numeric method; the receiver is the first argument. Its row in the table
        /// is [`Intrinsic::desc`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Intrinsic {
            $($(#[$doc])* $op,)*
        }

        impl Intrinsic {
            /// The table, in declaration order: `TABLE[op as usize].op == op`.
            pub const TABLE: &'static [IntrinsicDesc] = {
                use Rel::{Complex, Fixed, Float, Part, Same, Unsigned};
                use Scalar::{Bool, I32, U32};
                &[$(IntrinsicDesc {
                    op: Intrinsic::$op,
                    name: $name,
                    receivers: &[$(Receiver::$recv),+],
                    args: &[$($arg),*],
                    ret: $ret,
                    precision: Precision::$prec,
                }),*]
            };
        }
    };
}

// The differential generator draws methods of one shape in this order: reordering rows changes
// the kernels it generates for a given seed.
intrinsics! {
    // (self, Self) -> Self
    Powf "powf" (Float) (Same) -> Same, Unspecified;
    Log "log" (Float) (Same) -> Same, Unspecified;
    Atan2 "atan2" (Float) (Same) -> Same, Unspecified;
    Min "min" (Float | Int) (Same) -> Same, Exact;
    Max "max" (Float | Int) (Same) -> Same, Exact;
    Hypot "hypot" (Float) (Same) -> Same, Unspecified;
    Copysign "copysign" (Float) (Same) -> Same, Exact;
    /// Panics (a failed check) when `min > max` or a bound is NaN.
    Clamp "clamp" (Float | Int) (Same, Same) -> Same, Exact;
    // integer arithmetic, wrapping as in release builds
    Pow "pow" (Int) (Fixed(U32)) -> Same, Exact;
    WrappingAdd "wrapping_add" (Int) (Same) -> Same, Exact;
    WrappingSub "wrapping_sub" (Int) (Same) -> Same, Exact;
    WrappingMul "wrapping_mul" (Int) (Same) -> Same, Exact;
    WrappingNeg "wrapping_neg" (Int) () -> Same, Exact;
    // (self) -> Self
    /// `MIN.abs()` wraps to `MIN` (release builds).
    Abs "abs" (Float | Signed) () -> Same, Exact;
    Sqrt "sqrt" (Float) () -> Same, Exact;
    Cbrt "cbrt" (Float) () -> Same, Unspecified;
    Exp "exp" (Float) () -> Same, Unspecified;
    Exp2 "exp2" (Float) () -> Same, Unspecified;
    ExpM1 "exp_m1" (Float) () -> Same, Unspecified;
    Ln "ln" (Float) () -> Same, Unspecified;
    Ln1p "ln_1p" (Float) () -> Same, Unspecified;
    Log2 "log2" (Float) () -> Same, Unspecified;
    Log10 "log10" (Float) () -> Same, Unspecified;
    Sin "sin" (Float) () -> Same, Unspecified;
    Cos "cos" (Float) () -> Same, Unspecified;
    Tan "tan" (Float) () -> Same, Unspecified;
    Asin "asin" (Float) () -> Same, Unspecified;
    Acos "acos" (Float) () -> Same, Unspecified;
    Atan "atan" (Float) () -> Same, Unspecified;
    Sinh "sinh" (Float) () -> Same, Unspecified;
    Cosh "cosh" (Float) () -> Same, Unspecified;
    Tanh "tanh" (Float) () -> Same, Unspecified;
    Floor "floor" (Float) () -> Same, Exact;
    Ceil "ceil" (Float) () -> Same, Exact;
    Round "round" (Float) () -> Same, Exact;
    Trunc "trunc" (Float) () -> Same, Exact;
    Fract "fract" (Float) () -> Same, Exact;
    Signum "signum" (Float | Signed) () -> Same, Exact;
    Recip "recip" (Float) () -> Same, Exact;
    ToRadians "to_radians" (Float) () -> Same, Exact;
    ToDegrees "to_degrees" (Float) () -> Same, Exact;
    // other arguments
    Powi "powi" (Float) (Fixed(I32)) -> Same, Unspecified;
    MulAdd "mul_add" (Float) (Same, Same) -> Same, Exact;
    ToBits "to_bits" (Float) () -> Unsigned, Exact;
    // predicates
    IsNan "is_nan" (Float) () -> Fixed(Bool), Exact;
    IsFinite "is_finite" (Float) () -> Fixed(Bool), Exact;
    IsInfinite "is_infinite" (Float) () -> Fixed(Bool), Exact;
    IsSignNegative "is_sign_negative" (Float) () -> Fixed(Bool), Exact;
    IsSignPositive "is_sign_positive" (Float) () -> Fixed(Bool), Exact;
    // bit counts
    CountOnes "count_ones" (Int) () -> Fixed(U32), Exact;
    CountZeros "count_zeros" (Int) () -> Fixed(U32), Exact;
    LeadingZeros "leading_zeros" (Int) () -> Fixed(U32), Exact;
    TrailingZeros "trailing_zeros" (Int) () -> Fixed(U32), Exact;
    LeadingOnes "leading_ones" (Int) () -> Fixed(U32), Exact;
    TrailingOnes "trailing_ones" (Int) () -> Fixed(U32), Exact;
    /// Defined on the unsigned types only, as in std.
    IsPowerOfTwo "is_power_of_two" (Unsigned) () -> Fixed(Bool), Exact;
    // signs of integers
    IsPositive "is_positive" (Signed) () -> Fixed(Bool), Exact;
    IsNegative "is_negative" (Signed) () -> Fixed(Bool), Exact;
    // more integer arithmetic
    SaturatingAdd "saturating_add" (Int) (Same) -> Same, Exact;
    SaturatingSub "saturating_sub" (Int) (Same) -> Same, Exact;
    SaturatingMul "saturating_mul" (Int) (Same) -> Same, Exact;
    WrappingAbs "wrapping_abs" (Signed) () -> Same, Exact;
    RotateLeft "rotate_left" (Int) (Fixed(U32)) -> Same, Exact;
    RotateRight "rotate_right" (Int) (Fixed(U32)) -> Same, Exact;
    SwapBytes "swap_bytes" (Int) () -> Same, Exact;
    ReverseBits "reverse_bits" (Int) () -> Same, Exact;
    /// `|x - y|`, exact: unsigned (`i8::MIN.abs_diff(i8::MAX)` is `255u8`).
    AbsDiff "abs_diff" (Int) (Same) -> Unsigned, Exact;
    /// The Euclidean remainder (never negative); on integers it fails like `%` (by zero,
    /// `MIN % -1`).
    RemEuclid "rem_euclid" (Float | Int) (Same) -> Same, Exact;
    /// The Euclidean quotient; on integers it fails like `/`.
    DivEuclid "div_euclid" (Float | Int) (Same) -> Same, Exact;
    // complex numbers: the primitives every complex operation is written with (`ir::complex`)
    /// `c.re`: a field, not a method, in the source.
    Re "re" (Complex) () -> Part, Exact;
    /// `c.im`.
    Im "im" (Complex) () -> Part, Exact;
    /// `Complex::new(re, im)`: the receiver is `re` (a path call, not a method, in the source).
    ComplexNew "Complex::new" (Float) (Same) -> Complex, Exact;
    // whether a `checked_*` method returns `None`: no method of std, but what the front end
    // tests (`front::lower::option`) to write `a.checked_add(b)` as
    // `if a.checked_add.is_none(b) { None } else { Some(a.wrapping_add(b)) }` ([`Self::is_hidden`])
    /// The sum overflows.
    CheckedAddNone "checked_add.is_none" (Int) (Same) -> Fixed(Bool), Exact;
    /// The difference overflows.
    CheckedSubNone "checked_sub.is_none" (Int) (Same) -> Fixed(Bool), Exact;
    /// The product overflows.
    CheckedMulNone "checked_mul.is_none" (Int) (Same) -> Fixed(Bool), Exact;
    /// A division by zero, or `MIN / -1` (also for `checked_rem`).
    CheckedDivNone "checked_div.is_none" (Int) (Same) -> Fixed(Bool), Exact;
    /// A signed `MIN`, or an unsigned value other than zero.
    CheckedNegNone "checked_neg.is_none" (Int) () -> Fixed(Bool), Exact;
    /// A shift by the width or more (also for `checked_shr`).
    CheckedShlNone "checked_shl.is_none" (Int) (Fixed(U32)) -> Fixed(Bool), Exact;
    // path calls (the receiver is the argument): `f32::from_bits(u)`, `f64::from_bits(u)`, the
    // float with these bits; `types` gives the receiver the unsigned type of the float's width
    /// `f32::from_bits(u)`: `u` is a `u32`.
    F32FromBits "f32::from_bits" (Bits) () -> Float, Exact;
    /// `f64::from_bits(u)`: `u` is a `u64`.
    F64FromBits "f64::from_bits" (Bits) () -> Float, Exact;
}

impl Intrinsic {
    /// This intrinsic's row of the table.
    pub fn desc(self) -> &'static IntrinsicDesc {
        &Self::TABLE[self as usize]
    }

    /// The method name: `x.sqrt()`.
    pub fn name(self) -> &'static str {
        self.desc().name
    }

    /// The intrinsic a method name denotes, whatever its receiver.
    pub fn from_name(name: &str) -> Option<Intrinsic> {
        Self::TABLE.iter().find(|d| d.name == name).map(|d| d.op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_enum_order_and_names_unique() {
        for (k, d) in Intrinsic::TABLE.iter().enumerate() {
            assert_eq!(d.op as usize, k, "{}", d.name);
            assert_eq!(Intrinsic::from_name(d.name), Some(d.op));
        }
    }
}
