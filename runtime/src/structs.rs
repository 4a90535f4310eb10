//! Struct values of `compile!` blocks crossing into kernels: arguments and results.
//!
//! In: a `#[repr(C)]` struct that `compile!` emitted for a `struct` item of the block, through the
//! [`Field`] impl it generated (its type, and its fields written one by one). Out: an [`Arg`]
//! holding the struct's bytes as `#[repr(C)]` lays them out (each field at the next multiple of
//! `align_of` of its type, the struct padded to `size_of`): the layout compiled code reads
//! (`StructDef::offsets`), without `unsafe` in the generated code. Results come back as
//! [`Value::Tuple`]s of the fields, which the generated [`FromValue`](crate::FromValue) impl
//! takes apart.

use crate::arg::{Arg, Element, Slot};
use crate::value::Value;
use num_complex::{Complex32, Complex64};
use rumba_compiler::ir::{Elem, StructDef, Type};

/// The most bytes a struct argument may take (it is passed inline, like a scalar).
pub const MAX_STRUCT_BYTES: usize = 128;

/// A struct field's type: the scalars, and the structs `compile!` emits (which implement it by
/// writing their fields in order between [`StructWriter::begin`] and [`StructWriter::end`]).
pub trait Field: Copy + 'static {
    /// The field's IR type (for a struct: a `Type::Tuple` with its definition).
    fn field_type() -> Type;
    /// Writes the value at the writer's next position, aligned for its type.
    fn write(self, w: &mut StructWriter);
}

macro_rules! scalar_fields {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn field_type() -> Type {
                Type::Scalar(<$t as Element>::SCALAR)
            }
            fn write(self, w: &mut StructWriter) {
                w.scalar(self);
            }
        }
    )*};
}
scalar_fields!(
    bool, i8, i16, i32, i64, isize, i128, u8, u16, u32, u64, usize, u128, f32, f64, Complex32,
    Complex64
);

/// The bytes of a struct value being written, field after field.
pub struct StructWriter {
    bytes: [u8; MAX_STRUCT_BYTES],
    end: usize,
    overflow: bool,
}

impl StructWriter {
    /// Starts a struct value aligned to `align`; returns where it starts.
    pub fn begin(&mut self, align: usize) -> usize {
        self.end = self.end.next_multiple_of(align);
        self.end
    }

    /// Ends the struct value that started at `start` and takes `size` bytes (its padding
    /// included).
    pub fn end(&mut self, start: usize, size: usize) {
        self.end = start + size;
    }

    fn scalar<T: Element>(&mut self, v: T) {
        let (size, align) = (std::mem::size_of::<T>(), std::mem::align_of::<T>());
        let at = self.end.next_multiple_of(align);
        self.end = at + size;
        if self.end > MAX_STRUCT_BYTES {
            self.overflow = true;
            return;
        }
        // SAFETY: `T` is an `Element` (no padding, every byte initialized) and `at + size` is
        // within `bytes`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                &v as *const T as *const u8,
                self.bytes.as_mut_ptr().add(at),
                size,
            )
        };
    }
}

/// The type of struct `name` with these fields (what a generated [`Field::field_type`] returns).
pub fn struct_type(name: &str, fields: &[(&str, Type)]) -> Type {
    let fields = fields.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    StructDef::intern(name.to_string(), fields).ty()
}

/// The element type of arrays of the struct `T` (what a generated `ArrayElement::elem` returns):
/// its [`Field`] type, checked against what rustc laid out: each field's own element type
/// (`fields`: the fields' `ArrayElement::elem`), each field's offset (`offsets`: `offset_of!`),
/// and the struct's size and alignment.
///
/// # Panics
/// On a difference, which `compile!` rules out: it implements `ArrayElement` only for the
/// `#[repr(C)]` structs the front end accepted (no other `repr`), whose fields are
/// `ArrayElement`s, and `#[repr(C)]` places them where [`Tuple::offsets`] does.
///
/// [`Tuple::offsets`]: rumba_compiler::ir::Tuple::offsets
pub fn struct_elem<T: Field>(fields: &[Elem], offsets: &[usize]) -> Elem {
    let t = T::field_type();
    let Type::Tuple(tt) = t else {
        panic!("internal: `{t}` is not a struct type");
    };
    let elem = Elem::Struct(tt);
    let same = tt.elems().len() == fields.len()
        && tt.elems().iter().zip(fields).all(|(&a, b)| a == b.ty())
        && tt
            .offsets()
            .iter()
            .map(|&o| o as usize)
            .eq(offsets.iter().copied())
        && elem.size() == std::mem::size_of::<T>()
        && elem.align() == std::mem::align_of::<T>();
    assert!(
        same,
        "internal: the Rust layout of struct `{t}` is not the `#[repr(C)]` layout kernels use"
    );
    elem
}

/// A struct value as a kernel argument.
pub fn struct_arg<'a, T: Field>(v: T) -> Arg<'a> {
    let mut w = StructWriter {
        bytes: [0; MAX_STRUCT_BYTES],
        end: 0,
        overflow: false,
    };
    v.write(&mut w);
    if w.overflow {
        return Arg::new(
            Type::Unit,
            Slot::Invalid("structs of more than 128 bytes cannot be passed by value: pass their fields, or an array"),
        );
    }
    Arg::new(T::field_type(), Slot::Struct(w.bytes))
}

/// The fields of a struct result, in order (`None` for a value that is not a struct or tuple).
pub fn struct_fields(v: Value) -> Option<std::vec::IntoIter<Value>> {
    match v {
        Value::Tuple(xs) => Some(xs.into_vec().into_iter()),
        _ => None,
    }
}
