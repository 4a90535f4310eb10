//! The types of the loop IR.
//!
//! [`Scalar`] is a Rust primitive; [`Type`] adds arrays (an argument's dtype, ndim, layout and
//! writability: exactly what a specialization is keyed on; and for a kernel's own arrays, that it
//! owns them), tuples and `()`. All are small `Copy` values: a tuple's element types are interned
//! (one leaked slice per distinct tuple type the process ever sees, a handful in practice).

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
    /// `num_complex::Complex32`: two `f32`s, `re` then `im` (`#[repr(C)]`).
    C32,
    /// `num_complex::Complex64`: two `f64`s, `re` then `im` (`#[repr(C)]`).
    C64,
}

impl Scalar {
    /// Every scalar type; codes and indices of [`Scalar::REAL`]'s types come first.
    pub const ALL: [Scalar; 15] = [
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
        Scalar::C32,
        Scalar::C64,
    ];

    /// The primitive types of Rust (every scalar but the complex ones).
    pub const REAL: [Scalar; 13] = [
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
            Scalar::C32 => "Complex<f32>",
            Scalar::C64 => "Complex<f64>",
        }
    }

    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Width in bits (`bool` counts as 1; `isize`/`usize` are 64: rumba targets 64-bit hosts; a
    /// complex number is two floats).
    pub fn bits(self) -> u32 {
        match self {
            Scalar::C32 => 64,
            Scalar::C64 => 128,
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
        !matches!(
            self,
            Scalar::Bool | Scalar::F32 | Scalar::F64 | Scalar::C32 | Scalar::C64
        )
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

    pub fn is_complex(self) -> bool {
        matches!(self, Scalar::C32 | Scalar::C64)
    }

    /// The type of a complex number's parts (`f64` for `Complex<f64>`); a real type's own.
    pub fn part(self) -> Scalar {
        match self {
            Scalar::C32 => Scalar::F32,
            Scalar::C64 => Scalar::F64,
            s => s,
        }
    }

    /// The complex type whose parts are the float type `self`.
    pub fn complex(self) -> Option<Scalar> {
        match self {
            Scalar::F32 => Some(Scalar::C32),
            Scalar::F64 => Some(Scalar::C64),
            _ => None,
        }
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

/// Who owns an array's elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Storage {
    /// Borrowed: an argument, or a view of another array (`&t`, `t.view_mut()`).
    View,
    /// Allocated by the kernel (`Array1::zeros(n)`, `x.to_owned()`, `vec![v; n]`) through Rust's
    /// global allocator: C order, freed when its owner goes out of scope on every path (normal
    /// exit, `return`, a failed check), or handed to the caller as an ndarray `Array`.
    Heap,
}

/// An array's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayType {
    pub elem: Scalar,
    pub ndim: u8,
    pub layout: Layout,
    pub writable: bool,
    pub storage: Storage,
}

impl ArrayType {
    /// A borrowed array (an argument's type).
    pub fn view(elem: Scalar, ndim: u8, layout: Layout, writable: bool) -> ArrayType {
        ArrayType {
            elem,
            ndim,
            layout,
            writable,
            storage: Storage::View,
        }
    }

    /// A kernel-allocated array of `elem` with `ndim` axes, in C order.
    pub fn owned(elem: Scalar, ndim: u8) -> ArrayType {
        ArrayType {
            elem,
            ndim,
            layout: Layout::Contig,
            writable: true,
            storage: Storage::Heap,
        }
    }

    pub fn is_owned(self) -> bool {
        self.storage == Storage::Heap
    }

    /// The same elements, borrowed (`&t`, `&mut t`).
    pub fn borrowed(self, writable: bool) -> ArrayType {
        ArrayType {
            writable,
            storage: Storage::View,
            ..self
        }
    }
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = match self.layout {
            Layout::Contig => "C",
            Layout::Strided => "A",
        };
        let access = match (self.storage, self.writable) {
            (Storage::Heap, _) => "own",
            (Storage::View, true) => "mut",
            (Storage::View, false) => "ro",
        };
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
    /// `(f64, usize)`, `(Array1<f64>, f64)`: two or more elements; or an `Option<T>`, laid out
    /// as the tuple `(bool, T)` ([`Tuple::option`]).
    Tuple(Tuple),
}

/// The element types of a tuple type, interned so that [`Type`] stays `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tuple {
    elems: &'static [Type],
    option: bool,
}

impl Tuple {
    pub fn new(elems: &[Type]) -> Tuple {
        Tuple {
            elems: intern(elems),
            option: false,
        }
    }

    /// `Option<T>`: the tuple `(bool, T)` of whether it is `Some` and its value, which is zero
    /// (every scalar in it `0`, `0.0` or `false`) in a `None`, so that it is never undefined
    /// (`unwrap_or_default()` reads it). Every stage after `types` sees a tuple; only its name
    /// differs (`Option<T>` in messages and the IR's text).
    pub fn option(value: Type) -> Tuple {
        Tuple {
            elems: intern(&[Type::Scalar(Scalar::Bool), value]),
            option: true,
        }
    }

    pub fn elems(self) -> &'static [Type] {
        self.elems
    }

    /// Whether this is an `Option<T>` (see [`Tuple::option`]).
    pub fn is_option(self) -> bool {
        self.option
    }
}

/// The one leaked copy of each distinct slice.
fn intern<T: Clone + Eq + std::hash::Hash + Send + Sync + 'static>(xs: &[T]) -> &'static [T] {
    use std::any::{Any, TypeId};
    use std::collections::{HashMap, HashSet};
    use std::sync::{Mutex, OnceLock};
    type Tables = HashMap<TypeId, Box<dyn Any + Send>>;
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    let mut tables = TABLES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let table = tables
        .entry(TypeId::of::<T>())
        .or_insert_with(|| Box::new(HashSet::<&'static [T]>::new()))
        .downcast_mut::<HashSet<&'static [T]>>()
        .expect("the table of this type");
    if let Some(&found) = table.get(xs) {
        return found;
    }
    let leaked: &'static [T] = Box::leak(xs.to_vec().into_boxed_slice());
    table.insert(leaked);
    leaked
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

    /// Whether a value of this type owns memory that must be freed (an owned array, or a tuple
    /// holding one): such values are moved, never copied.
    pub fn owns(self) -> bool {
        match self {
            Type::Array(a) => a.is_owned(),
            Type::Tuple(t) => t.elems().iter().any(|e| e.owns()),
            Type::Unit | Type::Scalar(_) => false,
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
            Type::Tuple(t) if t.is_option() => write!(f, "Option<{}>", t.elems()[1]),
            Type::Tuple(t) => {
                f.write_str("(")?;
                for (i, e) in t.elems().iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    e.fmt(f)?;
                }
                f.write_str(")")
            }
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
    /// `ArrayView1<f64>`, `&mut [f32]`, `ArrayViewMutD<_>`, `Array2<f32>`: element and ndim
    /// when written; `owned` for `Array1<T>`/`Vec<T>` written without a reference.
    Array {
        elem: Option<Scalar>,
        ndim: Option<u8>,
        writable: bool,
        owned: bool,
    },
    /// `(f64, usize)`: two or more elements (interned, like [`Tuple`]).
    Tuple(&'static [TypeAnn]),
    /// `Option<T>`: the one element is `T`'s annotation.
    Option(&'static [TypeAnn]),
}

impl TypeAnn {
    pub fn tuple(elems: &[TypeAnn]) -> TypeAnn {
        TypeAnn::Tuple(intern(elems))
    }

    pub fn option(value: TypeAnn) -> TypeAnn {
        TypeAnn::Option(intern(&[value]))
    }
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
                owned,
            } => {
                let view = match (owned, writable) {
                    (true, _) => "Array",
                    (false, true) => "ArrayViewMut",
                    (false, false) => "ArrayView",
                };
                let nd = ndim.map_or("D".to_string(), |n| n.to_string());
                let el = elem.map_or("_", Scalar::name);
                write!(f, "{view}{nd}<{el}>")
            }
            TypeAnn::Tuple(elems) => {
                f.write_str("(")?;
                for (i, e) in elems.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    e.fmt(f)?;
                }
                f.write_str(")")
            }
            TypeAnn::Option(value) => write!(f, "Option<{}>", value[0]),
        }
    }
}
