//! Call signatures: the specialization key.
//!
//! In: each argument's IR [`Type`] (and whether an array lives in GPU memory). Out: a
//! [`Signature`], one packed 16-bit code per argument, matched code by code against a call's
//! arguments on the dispatch path, hashed as plain memory for the cache, and decoded back into
//! [`Type`]s when a compilation needs them.

use crate::arg::Arg;
use rumba_compiler::ir::{ArrayType, Layout, Scalar, Type};
use std::fmt;

/// The most arguments a kernel may take.
pub use rumba_compiler::front::MAX_ARGS;

/// The types of a call's arguments: dtype, and for arrays ndim, layout and writability.
///
/// Held as one packed code per argument, so that matching a call against the last signature is
/// one short memory comparison; the [`Type`]s are decoded from the codes when asked for.
///
/// Aligned to 8 bytes, codes first: it is returned inside `Result`s on the dispatch path, and
/// copies of an unaligned one there cost each call stalled loads (`rumba-bench overhead`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, align(8))]
pub struct Signature {
    codes: [u16; MAX_ARGS],
    len: u8,
}

/// A unique 16-bit code of an argument type (`decode` inverts it).
#[inline]
pub(crate) fn type_code(t: Type) -> u16 {
    match t {
        // Arguments are scalars, views and structs (a tuple is never one).
        Type::Unit => 0,
        Type::Tuple(_) => struct_code(t),
        Type::Scalar(s) => 1 + s as u16,
        Type::Array(a) => match a.scalar() {
            Some(s) => {
                ARRAY
                    | s as u16
                    | (a.ndim as u16) << 5
                    | ((a.layout == Layout::Strided) as u16) << 12
                    | (a.writable as u16) << 13
            }
            // An array of structs: its whole type is interned, as a struct's is.
            None => struct_code(t),
        },
    }
}

const ARRAY: u16 = 0x8000;
/// The code of no type ([`type_code`] never sets all bits, nor does a device array's code: at most
/// 8 axes): an argument that matches no CPU signature.
pub(crate) const NO_CODE: u16 = u16::MAX;

/// Marks a struct argument or an array of structs: the rest is its index in [`STRUCTS`].
const STRUCT: u16 = 0x2000;

/// The struct types (and array of struct types) arguments have had in this process, in order of
/// first use: such a type's code is its index (codes are not kept across processes: the cache key hashes the struct itself).
static STRUCTS: std::sync::Mutex<Vec<Type>> = std::sync::Mutex::new(Vec::new());

thread_local! {
    /// The codes of the struct types this thread's calls have passed, so that a call takes no
    /// lock (each call with a struct argument or an array of structs looks its code up; the
    /// process-wide [`STRUCTS`] is locked once per type and thread).
    static SEEN: std::cell::RefCell<Vec<(Type, u16)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn struct_code(t: Type) -> u16 {
    SEEN.with_borrow_mut(|seen| match seen.iter().find(|(k, _)| *k == t) {
        Some(&(_, code)) => code,
        None => {
            let code = intern(t);
            seen.push((t, code));
            code
        }
    })
}

/// `t`'s code from [`STRUCTS`], where a type first passed in this process is added.
#[cold]
fn intern(t: Type) -> u16 {
    let mut known = STRUCTS.lock().unwrap_or_else(|e| e.into_inner());
    let i = match known.iter().position(|&k| k == t) {
        Some(i) => i,
        None => {
            known.push(t);
            known.len() - 1
        }
    };
    // More distinct struct types than codes is far past any program's count; they share the
    // last code's type, which then fails to match at specialization rather than mix up.
    STRUCT | (i.min(usize::from(STRUCT - 1))) as u16
}
/// Marks an array argument that lives in GPU memory ([`DeviceArray`](crate::cuda::DeviceArray)):
/// the GPU compiles it like a host array of its type, the CPU cannot take it.
const DEVICE: u16 = 0x4000;

pub(crate) fn decode(code: u16) -> Type {
    let scalar = |i: u16| Scalar::ALL[i as usize % Scalar::ALL.len()];
    match code {
        0 => Type::Unit,
        c if c & ARRAY == 0 && c & STRUCT != 0 => {
            let known = STRUCTS.lock().unwrap_or_else(|e| e.into_inner());
            known
                .get(usize::from(c & !STRUCT))
                .copied()
                .unwrap_or(Type::Unit)
        }
        c if c & ARRAY == 0 => Type::Scalar(scalar(c - 1)),
        c => Type::Array(ArrayType::view(
            scalar(c & 0x1f),
            ((c >> 5) & 0xf) as u8,
            if c & (1 << 12) != 0 {
                Layout::Strided
            } else {
                Layout::Contig
            },
            c & (1 << 13) != 0,
        )),
    }
}

impl Signature {
    /// A signature of `len` arguments, every code still `()` (to be [`set`](Self::set)).
    #[inline]
    pub(crate) fn of_len(len: usize) -> Signature {
        Signature {
            len: len.min(MAX_ARGS) as u8,
            codes: [0; MAX_ARGS],
        }
    }

    /// Argument `i` has type `t`; `device`: it is an array in GPU memory.
    #[inline]
    pub(crate) fn set(&mut self, i: usize, t: Type, device: bool) {
        self.codes[i] = type_code(t) | if device { DEVICE } else { 0 };
    }

    pub fn new(types: &[Type]) -> Option<Signature> {
        if types.len() > MAX_ARGS {
            return None;
        }
        let mut s = Signature {
            len: types.len() as u8,
            codes: [0; MAX_ARGS],
        };
        for (code, t) in s.codes.iter_mut().zip(types) {
            *code = type_code(*t);
        }
        Some(s)
    }

    /// Whether a CPU call with `args` has this signature: their number and each one's code (no
    /// argument that cannot be passed, or that lives in GPU memory, matches: [`NO_CODE`]).
    #[inline]
    pub(crate) fn matches(&self, args: &[Arg<'_>]) -> bool {
        args.len() == self.len as usize
            && args
                .iter()
                .zip(&self.codes)
                .all(|(a, &code)| a.code == code)
    }

    /// Argument `i`'s packed type code (`0`, the code of `()`, past the end).
    #[inline]
    pub(crate) fn code(&self, i: usize) -> u16 {
        self.codes.get(i).copied().unwrap_or(0)
    }

    /// The first argument that is a GPU device array.
    pub(crate) fn device_arg(&self) -> Option<usize> {
        self.codes[..self.len as usize]
            .iter()
            .position(|c| c & ARRAY != 0 && c & DEVICE != 0)
    }

    /// This signature with device arrays counted as host arrays (the GPU compiles both alike).
    pub(crate) fn on_host(&self) -> Signature {
        let mut s = *self;
        for c in &mut s.codes {
            if *c & ARRAY != 0 {
                *c &= !DEVICE;
            }
        }
        s
    }

    pub fn types(&self) -> Vec<Type> {
        self.codes[..self.len as usize]
            .iter()
            .map(|c| decode(*c))
            .collect()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.types().iter().map(Type::to_string).collect();
        write!(f, "({})", parts.join(", "))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_codes_round_trip() {
        let mut all = vec![Type::Unit];
        for s in Scalar::ALL {
            all.push(Type::Scalar(s));
            for ndim in 1..=crate::arg::MAX_NDIM as u8 {
                for layout in [Layout::Contig, Layout::Strided] {
                    for writable in [false, true] {
                        all.push(Type::Array(ArrayType::view(s, ndim, layout, writable)));
                    }
                }
            }
        }
        let f64t = Type::Scalar(Scalar::F64);
        let inner = crate::structs::struct_type("Inner", &[("x", f64t)]);
        all.push(inner);
        all.push(crate::structs::struct_type(
            "Outer",
            &[("a", inner), ("b", Type::Scalar(Scalar::U8))],
        ));
        let codes: std::collections::HashSet<u16> = all.iter().map(|t| type_code(*t)).collect();
        assert_eq!(codes.len(), all.len());
        for t in all {
            assert_eq!(decode(type_code(t)), t);
        }
    }
}
