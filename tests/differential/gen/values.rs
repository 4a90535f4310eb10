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
pub const FLOATS: [Scalar; 2] = [Scalar::F32, Scalar::F64];

/// Smallest and largest value of `ty`, one of [`INTS`] (all within `i128`).
pub fn int_range(ty: Scalar) -> (i128, i128) {
    let (min, max) = ty.int_range();
    let wide = |v: Int| v.to_i128().expect("the types of `INTS` fit in `i128`");
    (wide(min), wide(max))
}

/// An integer of type `ty`: mostly edge values (0, ±1, MIN, MAX, small), sometimes any.
pub fn int_value(rng: &mut Rng, ty: Scalar) -> i128 {
    let (min, max) = int_range(ty);
    match rng.below(12) {
        0 => 0,
        1 => 1,
        2 => (-1i128).max(min),
        3 => min,
        4 => max,
        5 => (max - 1).max(min + 1),
        6..=8 => (rng.below(17) as i128 - 8).clamp(min, max),
        _ => Const {
            ty,
            bits: rng.next_u64().into(),
        }
        .as_i128(),
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

/// The in-memory bits of a random value of `ty` (floats as `to_bits`, `bool` as 0 or 1).
pub fn value_bits(rng: &mut Rng, ty: Scalar) -> u64 {
    match ty {
        Scalar::Bool => rng.below(2) as u64,
        Scalar::F32 => {
            let v = float_value(rng, ty);
            // Keep NaN payloads of random bit patterns.
            if v.is_nan() && rng.percent(50) {
                (rng.next_u64() as u32 | 0x7fc0_0000) as u64
            } else {
                (v as f32).to_bits() as u64
            }
        }
        Scalar::F64 => float_value(rng, ty).to_bits(),
        t => Const::int(t, int_value(rng, t)).bits as u64,
    }
}

/// Source text of a constant of `ty` with value `v` (floats: `v` is exact in `ty`).
pub(super) fn int_literal(rng: &mut Rng, ty: Scalar, v: i128) -> String {
    let (min, max) = int_range(ty);
    if v == max && rng.percent(40) {
        return format!("{ty}::MAX");
    }
    if v == min && rng.percent(40) {
        return format!("{ty}::MIN");
    }
    if v < 0 {
        format!("(-{}{ty})", v.unsigned_abs())
    } else if rng.percent(10) {
        format!("0x{v:x}{ty}")
    } else {
        format!("{v}{ty}")
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
