//! The types of the loop IR.
//!
//! [`Scalar`] is a Rust primitive; [`Type`] adds arrays (an argument's dtype, ndim, layout and
//! writability: exactly what a specialization is keyed on; and for a kernel's own arrays, that it
//! owns them), tuples, the block's structs (tuples with a [`StructDef`]: a name and field names)
//! and `()`. All are small `Copy` values: a tuple's element types and a struct's definition are
//! interned (one leaked copy per distinct type the process ever sees, a handful in practice).

use std::fmt;

use super::Int;

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
    I128,
    U128,
    /// `num_complex::Complex32`: two `f32`s, `re` then `im` (`#[repr(C)]`).
    C32,
    /// `num_complex::Complex64`: two `f64`s, `re` then `im` (`#[repr(C)]`).
    C64,
}

impl Scalar {
    /// Every scalar type, in declaration order (a scalar's discriminant is its index: signature
    /// codes); [`Scalar::REAL`]'s types come first.
    pub const ALL: [Scalar; 17] = [
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
        Scalar::I128,
        Scalar::U128,
        Scalar::C32,
        Scalar::C64,
    ];

    /// The primitive types of Rust (every scalar but the complex ones).
    pub const REAL: [Scalar; 15] = [
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
        Scalar::I128,
        Scalar::U128,
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
            Scalar::I128 => "i128",
            Scalar::U128 => "u128",
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
            Scalar::C64 | Scalar::I128 | Scalar::U128 => 128,
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
            Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::I64 | Scalar::Isize | Scalar::I128
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

    /// Smallest and largest value of an integer type.
    pub fn int_range(self) -> (Int, Int) {
        let shift = 128 - self.bits();
        if self.is_signed() {
            (Int::from(i128::MIN >> shift), Int::from(i128::MAX >> shift))
        } else {
            (Int::from(0u128), Int::from(u128::MAX >> shift))
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
    /// A fixed-size array `[T; N]` of `N` elements (`[v; N]`, `[a, b, c]`): 1-D, C order, in the
    /// function's stack frame (registers where LLVM can), copied when read as a value, as
    /// Rust copies a `[T; N]`.
    Stack(u32),
}

/// The most bytes a fixed-size array may take (`[v; N]` lives in the stack frame; a kernel
/// running on a 2 MiB worker stack must not overflow it): larger ones go on the heap
/// (`vec![v; n]`).
pub const MAX_STACK_ARRAY_BYTES: u64 = 64 * 1024;

/// An array's element type: a scalar, or a struct of the block (`Array1<Particle>`), stored as
/// `#[repr(C)]` lays it out (its size, `Type::repr_c`, is the element stride in bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Elem {
    Scalar(Scalar),
    /// A `Tuple` with its [`StructDef`].
    Struct(Tuple),
}

impl Elem {
    /// The scalar type of the elements, if they are scalars.
    pub fn scalar(self) -> Option<Scalar> {
        match self {
            Elem::Scalar(s) => Some(s),
            Elem::Struct(_) => None,
        }
    }

    /// The type of one element as a value.
    pub fn ty(self) -> Type {
        match self {
            Elem::Scalar(s) => Type::Scalar(s),
            Elem::Struct(t) => Type::Tuple(t),
        }
    }

    /// The element type of arrays holding values of type `t`: scalars, structs, and tuples of
    /// such (`[(0usize, 1usize), (2, 3)]`, laid out as a struct of their fields: arrays of tuples
    /// never cross to Rust, whose tuple layout is unspecified: the front end refuses them in
    /// signatures).
    pub fn of(t: Type) -> Option<Elem> {
        match t {
            Type::Scalar(s) => Some(Elem::Scalar(s)),
            Type::Tuple(tt) if tt.def().is_some() => Some(Elem::Struct(tt)),
            Type::Tuple(tt)
                if !tt.is_option() && tt.elems().iter().all(|&e| Elem::of(e).is_some()) =>
            {
                Some(Elem::Struct(tt))
            }
            _ => None,
        }
    }

    /// Size in bytes in memory (`size_of`: a struct's padding included).
    pub fn size(self) -> usize {
        match self {
            Elem::Scalar(s) => s.size(),
            Elem::Struct(_) => self.ty().repr_c().0 as usize,
        }
    }

    /// Alignment in bytes in memory (`align_of`).
    pub fn align(self) -> usize {
        self.ty().repr_c().1 as usize
    }

    /// The alignment of the memory kernels allocate for these elements (and free with it): a
    /// scalar's size, a struct's `align_of`.
    pub fn alloc_align(self) -> usize {
        match self {
            Elem::Scalar(s) => s.size(),
            Elem::Struct(_) => self.align(),
        }
    }

    pub fn is_float(self) -> bool {
        self.scalar().is_some_and(Scalar::is_float)
    }

    pub fn is_complex(self) -> bool {
        self.scalar().is_some_and(Scalar::is_complex)
    }
}

impl From<Scalar> for Elem {
    fn from(s: Scalar) -> Elem {
        Elem::Scalar(s)
    }
}

impl PartialEq<Scalar> for Elem {
    fn eq(&self, s: &Scalar) -> bool {
        *self == Elem::Scalar(*s)
    }
}

impl fmt::Display for Elem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty().fmt(f)
    }
}

/// An array's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayType {
    pub elem: Elem,
    pub ndim: u8,
    pub layout: Layout,
    pub writable: bool,
    pub storage: Storage,
}

impl ArrayType {
    /// A borrowed array (an argument's type).
    pub fn view(elem: impl Into<Elem>, ndim: u8, layout: Layout, writable: bool) -> ArrayType {
        ArrayType {
            elem: elem.into(),
            ndim,
            layout,
            writable,
            storage: Storage::View,
        }
    }

    /// A kernel-allocated array of `elem` with `ndim` axes, in C order.
    pub fn owned(elem: impl Into<Elem>, ndim: u8) -> ArrayType {
        ArrayType {
            elem: elem.into(),
            ndim,
            layout: Layout::Contig,
            writable: true,
            storage: Storage::Heap,
        }
    }

    /// The elements' scalar type, if they are scalars (not structs).
    pub fn scalar(self) -> Option<Scalar> {
        self.elem.scalar()
    }

    /// The type of one element as a value.
    pub fn elem_type(self) -> Type {
        self.elem.ty()
    }

    pub fn is_owned(self) -> bool {
        self.storage == Storage::Heap
    }

    /// A fixed-size array `[T; N]` of this type of `len` elements.
    pub fn stack(elem: impl Into<Elem>, len: u32) -> ArrayType {
        ArrayType {
            storage: Storage::Stack(len),
            ..ArrayType::owned(elem, 1)
        }
    }

    /// The length of a fixed-size array `[T; N]`.
    pub fn stack_len(self) -> Option<u32> {
        match self.storage {
            Storage::Stack(n) => Some(n),
            _ => None,
        }
    }

    /// Whether the function holds the elements itself (an owned or fixed-size array), so that
    /// writing them needs a `let mut` binding.
    pub fn is_held(self) -> bool {
        self.storage != Storage::View
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
            (Storage::Heap, _) => "own".to_string(),
            (Storage::Stack(n), _) => format!("[{n}]"),
            (Storage::View, true) => "mut".to_string(),
            (Storage::View, false) => "ro".to_string(),
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
    /// `(f64, usize)`, `(Array1<f64>, f64)`: two or more elements; a struct of the block, its
    /// fields in declaration order; or an `Option<T>`, laid out as the tuple `(bool, T)`
    /// ([`Tuple::option`]).
    Tuple(Tuple),
}

/// The element types of a tuple type, interned so that [`Type`] stays `Copy`; for a struct, also
/// its definition (a struct and a tuple of the same elements are different types, as in Rust).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tuple {
    elems: &'static [Type],
    def: Option<&'static StructDef>,
    option: bool,
}

impl Tuple {
    pub fn new(elems: &[Type]) -> Tuple {
        Tuple {
            elems: intern(elems),
            def: None,
            option: false,
        }
    }

    /// The type of the struct `def`.
    pub fn of_struct(def: &'static StructDef) -> Tuple {
        let elems: Vec<Type> = def.fields.iter().map(|(_, t)| *t).collect();
        Tuple {
            elems: intern(&elems),
            def: Some(def),
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
            def: None,
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

    /// The struct this tuple type is, if it is one.
    pub fn def(self) -> Option<&'static StructDef> {
        self.def
    }

    /// Each element's byte offset in a value, as `#[repr(C)]` places a struct's fields: each at
    /// the next multiple of its alignment (see [`Type::repr_c`]).
    pub fn offsets(self) -> Vec<u64> {
        let mut end = 0u64;
        self.elems
            .iter()
            .map(|t| {
                let (size, align) = t.repr_c();
                let at = end.next_multiple_of(align);
                end = at + size;
                at
            })
            .collect()
    }
}

/// A `#[derive(Clone, Copy)] struct` of a `compile!` block: its name and its fields (scalars,
/// complex numbers or other such structs) in declaration order. Values are laid out as the
/// `#[repr(C)]` Rust type `compile!` emits: each field at the next multiple of its alignment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<(String, Type)>,
}

/// `Particle { x: f64, v: f64 }`.
impl fmt::Display for StructDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect();
        write!(f, "{} {{ {} }}", self.name, fields.join(", "))
    }
}

impl StructDef {
    /// The one interned copy of this definition.
    pub fn intern(name: String, fields: Vec<(String, Type)>) -> &'static StructDef {
        &intern(&[StructDef { name, fields }])[0]
    }

    /// The position and type of field `name`.
    pub fn field(&self, name: &str) -> Option<(u32, Type)> {
        self.fields
            .iter()
            .position(|(n, _)| n == name)
            .map(|k| (k as u32, self.fields[k].1))
    }

    pub fn ty(&'static self) -> Type {
        Type::Tuple(Tuple::of_struct(self))
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

    /// Size and alignment in bytes of a scalar or struct value as `#[repr(C)]` lays it out (a
    /// complex number is a struct of two floats; other types, which are never stored as
    /// elements, count as pointers).
    pub fn repr_c(self) -> (u64, u64) {
        match self {
            Type::Scalar(s) => (s.size() as u64, s.part().size() as u64),
            Type::Tuple(t) => {
                let (mut end, mut align) = (0u64, 1u64);
                for &e in t.elems() {
                    let (size, a) = e.repr_c();
                    end = end.next_multiple_of(a) + size;
                    align = align.max(a);
                }
                (end.next_multiple_of(align), align)
            }
            Type::Unit | Type::Array(_) => (8, 8),
        }
    }

    /// Whether a value of this type owns memory that must be freed (an owned array, or a tuple
    /// holding one): such values are moved, never copied.
    pub fn owns(self) -> bool {
        self.holds(&|t| t.array().is_some_and(ArrayType::is_owned))
    }

    /// Whether this type, or an element of it at any depth of tuples, satisfies `f`.
    pub fn holds(self, f: &impl Fn(Type) -> bool) -> bool {
        f(self) || matches!(self, Type::Tuple(t) if t.elems().iter().any(|e| e.holds(f)))
    }

    /// Whether a value of this type is or holds a view of an array.
    pub fn holds_view(self) -> bool {
        self.holds(&|t| t.array().is_some_and(|a| a.storage == Storage::View))
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
            Type::Tuple(t) if t.def().is_some() => f.write_str(t.def().map_or("", |d| &d.name)),
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
    /// `[f64; 3]`: a fixed-size array (element and length when written as a type and a literal).
    Fixed {
        elem: Option<Scalar>,
        len: Option<u32>,
    },
    /// `Option<T>`: the one element is `T`'s annotation.
    Option(&'static [TypeAnn]),
    /// One of these integer types ([`TypeAnn::Scalar`]s, interned), whichever the value has: the
    /// scrutinee of a `match` whose integer arms cover every value of each of them (`0..` covers
    /// every unsigned type) and no other, checked once its type is known.
    OneOf(&'static [TypeAnn]),
}

impl TypeAnn {
    pub fn tuple(elems: &[TypeAnn]) -> TypeAnn {
        TypeAnn::Tuple(intern(elems))
    }

    pub fn option(value: TypeAnn) -> TypeAnn {
        TypeAnn::Option(intern(&[value]))
    }

    pub fn one_of(types: &[Scalar]) -> TypeAnn {
        let anns: Vec<TypeAnn> = types.iter().map(|&s| TypeAnn::Scalar(s)).collect();
        TypeAnn::OneOf(intern(&anns))
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
            TypeAnn::Fixed { elem, len } => {
                let el = elem.map_or("_", Scalar::name);
                match len {
                    Some(n) => write!(f, "[{el}; {n}]"),
                    None => write!(f, "[{el}; _]"),
                }
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
            TypeAnn::OneOf(types) => {
                let names: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
                write!(f, "one of {}", names.join(", "))
            }
        }
    }
}
