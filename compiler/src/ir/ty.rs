//! The types of the loop IR.
//!
//! [`Scalar`] is a Rust primitive; [`Type`] adds arrays (an argument's dtype, ndim, layout and
//! writability: exactly what a specialization is keyed on) and `()`. All are small `Copy` values.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Isize,
    U8,
    U16,
    U32,
    U64,
    Usize,
    F32,
    F64,
}

impl Scalar {
    pub const ALL: [Scalar; 13] = [
        Scalar::Bool,
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
        Scalar::F32,
        Scalar::F64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I8 => "i8",
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::Isize => "isize",
            Scalar::U8 => "u8",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::Usize => "usize",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Width in bits (`bool` counts as 1; `isize`/`usize` are 64: rumba targets 64-bit hosts).
    pub fn bits(self) -> u32 {
        match self {
            Scalar::Bool => 1,
            Scalar::I8 | Scalar::U8 => 8,
            Scalar::I16 | Scalar::U16 => 16,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 32,
            Scalar::I64 | Scalar::U64 | Scalar::Isize | Scalar::Usize | Scalar::F64 => 64,
        }
    }

    /// Size in bytes in memory (`bool` is one byte).
    pub fn size(self) -> usize {
        (self.bits() as usize).div_ceil(8)
    }

    pub fn is_int(self) -> bool {
        !matches!(self, Scalar::Bool | Scalar::F32 | Scalar::F64)
    }

    pub fn is_signed(self) -> bool {
        matches!(
            self,
            Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::I64 | Scalar::Isize
        )
    }

    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    pub fn is_numeric(self) -> bool {
        self != Scalar::Bool
    }

    /// Smallest and largest value of an integer type, as i128.
    pub fn int_range(self) -> (i128, i128) {
        let bits = self.bits();
        if self.is_signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an array's elements are laid out: `Contig` is C order with unit inner stride (strides are
/// derived from the shape), `Strided` carries explicit strides (any sign, zero included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    Contig,
    Strided,
}

/// An array argument's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayType {
    pub elem: Scalar,
    pub ndim: u8,
    pub layout: Layout,
    pub writable: bool,
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = match self.layout {
            Layout::Contig => "C",
            Layout::Strided => "A",
        };
        let access = if self.writable { "mut" } else { "ro" };
        write!(
            f,
            "array<{}, {}d, {}, {}>",
            self.elem, self.ndim, layout, access
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Unit,
    Scalar(Scalar),
    Array(ArrayType),
}

impl Type {
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            Type::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn array(self) -> Option<ArrayType> {
        match self {
            Type::Array(a) => Some(a),
            _ => None,
        }
    }
}

impl From<Scalar> for Type {
    fn from(s: Scalar) -> Type {
        Type::Scalar(s)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unit => f.write_str("()"),
            Type::Scalar(s) => s.fmt(f),
            Type::Array(a) => a.fmt(f),
        }
    }
}

/// A type written in the kernel source: a constraint on what a call may pass or a `let` may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeAnn {
    /// `_`
    Infer,
    Unit,
    Scalar(Scalar),
    /// `ArrayView1<f64>`, `&mut [f32]`, `ArrayViewMutD<_>`: element and ndim when written.
    Array {
        elem: Option<Scalar>,
        ndim: Option<u8>,
        writable: bool,
    },
}

impl fmt::Display for TypeAnn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeAnn::Infer => f.write_str("_"),
            TypeAnn::Unit => f.write_str("()"),
            TypeAnn::Scalar(s) => s.fmt(f),
            TypeAnn::Array {
                elem,
                ndim,
                writable,
            } => {
                let view = if *writable {
                    "ArrayViewMut"
                } else {
                    "ArrayView"
                };
                let nd = ndim.map_or("D".to_string(), |n| n.to_string());
                let el = elem.map_or("_", Scalar::name);
                write!(f, "{view}{nd}<{el}>")
            }
        }
    }
}
