//! Scalar values and their source text: random integers and floats of each type (mostly edge
//! values), their bits as arguments carry them, and literals with their type suffix.

use super::rng::Rng;
use rumba_compiler::ir::{Const, Int, Scalar};

pub const INTS: [Scalar; 10] = [
    Scalar::I8,
    Scalar::I16,
    Scalar::I32,
    Scalar::I64,
    Scalar::Isize,
    Scalar::U8,
    Scalar::U16,
    Scalar::U32,
    Scalar::U64,
    Scalar::Usize,
];
/// The 128-bit integers, drawn only by the kernels of `case` that are wide (see [`int_type`]).
pub const WIDE: [Scalar; 2] = [Scalar::I128, Scalar::U128];
pub const FLOATS: [Scalar; 2] = [Scalar::F32, Scalar::F64];

/// An integer type: one of [`INTS`] or, when `wide`, one in six times one of [`WIDE`] (as if
/// they were two more of [`INTS`]). Not `wide`, it draws what it drew before `WIDE` existed.
pub fn int_type(rng: &mut Rng, wide: bool) -> Scalar {
    if wide && rng.percent(17) {
        rng.pick(&WIDE)
    } else {
        rng.pick(&INTS)
    }
}

/// Smallest and largest value of the integer type `ty` (`u128::MAX` included).
pub fn int_range(ty: Scalar) -> (Int, Int) {
    ty.int_range()
}

/// `v + k` for a small `k` (of either sign), which the caller knows stays within [`Int`].
pub fn offset(v: Int, k: i128) -> Int {
    let step = |v: Int| if k < 0 { v.pred() } else { v.succ() };
    (0..k.unsigned_abs()).fold(v, |v, _| step(v).expect("an offset within `Int`"))
}

/// An integer of type `ty`: mostly edge values (0, ±1, MIN, MAX, small), sometimes any; for the
/// 128-bit types also the values around 2^63 and 2^64 (and their negations) and any 128 bits.
pub fn int_value(rng: &mut Rng, ty: Scalar) -> Int {
    let (min, max) = int_range(ty);
    let small = |v: i128| Int::from(v).clamp(min, max);
    if ty.bits() == 128 && rng.percent(35) {
        let bits = match rng.below(8) {
            0 => (rng.next_u64() as u128) << 64 | rng.next_u64() as u128,
            k => {
                let base = if k < 4 { 1i128 << 63 } else { 1i128 << 64 };
                let v = base + rng.below(3) as i128 - 1;
                (if rng.percent(40) { -v } else { v }) as u128
            }
        };
        // `u128`: the negations are the values near `2^128`.
        return Const { ty, bits }.as_int();
    }
    match rng.below(12) {
        0 => small(0),
        1 => small(1),
        2 => small(-1),
        3 => min,
        4 => max,
        5 => offset(max, -1).max(offset(min, 1)),
        6..=8 => small(rng.below(17) as i128 - 8),
        _ => Const {
            ty,
            bits: rng.next_u64().into(),
        }
        .as_int(),
    }
}
/// A float of type `ty` (exact in it): edge values (±0, ±inf, NaN, MAX, MIN_POSITIVE, subnormals,
/// EPSILON), small numbers, and any bit pattern.
pub fn float_value(rng: &mut Rng, ty: Scalar) -> f64 {
    let v = match rng.below(16) {
        0 => 0.0,
        1 => -0.0,
        2 => 1.0,
        3 => -1.0,
        4 => f64::NAN,
        5 => f64::INFINITY,
        6 => f64::NEG_INFINITY,
        7 => {
            if ty == Scalar::F32 {
                f32::MAX as f64
            } else {
                f64::MAX
            }
        }
        8 => {
            if ty == Scalar::F32 {
                f32::MIN_POSITIVE as f64 / 8.0
            } else {
                f64::MIN_POSITIVE / 8.0
            }
        }
        9 => {
            if ty == Scalar::F32 {
                f32::EPSILON as f64
            } else {
                f64::EPSILON
            }
        }
        10 => {
            if ty == Scalar::F32 {
                -(f32::MIN_POSITIVE as f64)
            } else {
                -f64::MIN_POSITIVE
            }
        }
        11 => {
            if ty == Scalar::F32 {
                f32::from_bits(rng.next_u64() as u32) as f64
            } else {
                f64::from_bits(rng.next_u64())
            }
        }
        12 => (rng.below(2001) as f64 - 1000.0) * 1e-3 * 10f64.powi(rng.below(13) as i32 - 6),
        _ => (rng.below(41) as f64 - 20.0) / 4.0,
    };
    if ty == Scalar::F32 {
        v as f32 as f64
    } else {
        v
    }
}

/// The in-memory bits of a random value of `ty` (floats as `to_bits`, `bool` as 0 or 1,
/// integers sign-extended to 128 bits).
pub fn value_bits(rng: &mut Rng, ty: Scalar) -> u128 {
    match ty {
        Scalar::Bool => rng.below(2) as u128,
        Scalar::F32 => {
            let v = float_value(rng, ty);
            // Keep NaN payloads of random bit patterns.
            if v.is_nan() && rng.percent(50) {
                (rng.next_u64() as u32 | 0x7fc0_0000).into()
            } else {
                (v as f32).to_bits().into()
            }
        }
        Scalar::F64 => float_value(rng, ty).to_bits().into(),
        t => Const::of_int(t, int_value(rng, t)).bits,
    }
}

/// Source text of a constant of the integer type `ty` with value `v`.
pub(super) fn int_literal(rng: &mut Rng, ty: Scalar, v: Int) -> String {
    let (min, max) = int_range(ty);
    if v == max && rng.percent(40) {
        return format!("{ty}::MAX");
    }
    if v == min && rng.percent(40) {
        return format!("{ty}::MIN");
    }
    let text = unsuffixed(v);
    if text.starts_with('(') {
        format!("(-{}{ty})", &text[2..text.len() - 1])
    } else if rng.percent(10) {
        format!("0x{:x}{ty}", Const::of_int(Scalar::U128, v).bits)
    } else {
        format!("{text}{ty}")
    }
}

/// The text of `v` without a suffix, a negative one in parentheses: `(-5)`.
pub(super) fn unsuffixed(v: Int) -> String {
    match v.to_i128() {
        Some(n) if n < 0 => format!("(-{})", n.unsigned_abs()),
        _ => v.to_string(),
    }
}

/// Whether `text` is a variable's name.
pub(super) fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn float_literal(ty: Scalar, v: f64) -> String {
    if v.is_nan() {
        return format!("{ty}::NAN");
    }
    if v.is_infinite() {
        return if v > 0.0 {
            format!("{ty}::INFINITY")
        } else {
            format!("{ty}::NEG_INFINITY")
        };
    }
    let text = if ty == Scalar::F32 {
        format!("{:?}", v as f32)
    } else {
        format!("{v:?}")
    };
    match text.strip_prefix('-') {
        Some(abs) => format!("(-{abs}{ty})"),
        None => format!("{text}{ty}"),
    }
}
