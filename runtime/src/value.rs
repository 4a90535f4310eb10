//! Scalar results coming back from compiled code.
//!
//! In: the entry point's return slot and the specialization's return type. Out: a [`Value`], and
//! through [`FromValue`] the Rust type the caller asked for (`let s: f64 = dot(&x, &y)?`).

use rumba_compiler::ir::Scalar;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Unit,
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Isize(isize),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    Usize(usize),
    F32(f32),
    F64(f64),
}

impl Value {
    /// Decodes a scalar of type `s` from its in-memory bytes.
    pub fn decode(s: Scalar, bytes: [u8; 8]) -> Value {
        let b8 = bytes;
        match s {
            Scalar::Bool => Value::Bool(b8[0] != 0),
            Scalar::I8 => Value::I8(b8[0] as i8),
            Scalar::U8 => Value::U8(b8[0]),
            Scalar::I16 => Value::I16(i16::from_ne_bytes([b8[0], b8[1]])),
            Scalar::U16 => Value::U16(u16::from_ne_bytes([b8[0], b8[1]])),
            Scalar::I32 => Value::I32(i32::from_ne_bytes([b8[0], b8[1], b8[2], b8[3]])),
            Scalar::U32 => Value::U32(u32::from_ne_bytes([b8[0], b8[1], b8[2], b8[3]])),
            Scalar::F32 => Value::F32(f32::from_ne_bytes([b8[0], b8[1], b8[2], b8[3]])),
            Scalar::I64 => Value::I64(i64::from_ne_bytes(b8)),
            Scalar::U64 => Value::U64(u64::from_ne_bytes(b8)),
            Scalar::Isize => Value::Isize(i64::from_ne_bytes(b8) as isize),
            Scalar::Usize => Value::Usize(u64::from_ne_bytes(b8) as usize),
            Scalar::F64 => Value::F64(f64::from_ne_bytes(b8)),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Unit => "()",
            Value::Bool(_) => "bool",
            Value::I8(_) => "i8",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::Isize(_) => "isize",
            Value::U8(_) => "u8",
            Value::U16(_) => "u16",
            Value::U32(_) => "u32",
            Value::U64(_) => "u64",
            Value::Usize(_) => "usize",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unit => f.write_str("()"),
            Value::Bool(v) => v.fmt(f),
            Value::I8(v) => v.fmt(f),
            Value::I16(v) => v.fmt(f),
            Value::I32(v) => v.fmt(f),
            Value::I64(v) => v.fmt(f),
            Value::Isize(v) => v.fmt(f),
            Value::U8(v) => v.fmt(f),
            Value::U16(v) => v.fmt(f),
            Value::U32(v) => v.fmt(f),
            Value::U64(v) => v.fmt(f),
            Value::Usize(v) => v.fmt(f),
            Value::F32(v) => v.fmt(f),
            Value::F64(v) => v.fmt(f),
        }
    }
}

/// A Rust type a kernel's result converts to. The conversion is exact: an `f64` kernel result
/// does not become an `f32`.
pub trait FromValue: Sized {
    const TYPE_NAME: &'static str;
    fn from_value(v: Value) -> Option<Self>;
}

impl FromValue for Value {
    const TYPE_NAME: &'static str = "Value";
    fn from_value(v: Value) -> Option<Self> {
        Some(v)
    }
}

impl FromValue for () {
    const TYPE_NAME: &'static str = "()";
    fn from_value(v: Value) -> Option<Self> {
        matches!(v, Value::Unit).then_some(())
    }
}

macro_rules! from_value {
    ($($t:ty => $v:ident),*) => {$(
        impl FromValue for $t {
            const TYPE_NAME: &'static str = stringify!($t);
            fn from_value(v: Value) -> Option<Self> {
                match v {
                    Value::$v(x) => Some(x),
                    _ => None,
                }
            }
        }
    )*};
}
from_value!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => Isize, u8 => U8, u16 => U16, u32 => U32, u64 => U64, usize => Usize, f32 => F32, f64 => F64);
