//! Typed arenas: the IR's entities (expressions, locals, functions, instances) and the tables
//! keyed by them.
//!
//! In: values to store. Out: ids (`ExprId`, `LocalId`, `FuncId`, `InstId`, made by
//! [`entity!`](crate::ir)) that only a [`PrimaryMap`] hands out, so an id cannot be forged or
//! taken for another kind; [`SecondaryMap`]s attach side data (types) to the same ids, so a side
//! table cannot fall out of step with its arena. Cranelift's `PrimaryMap`/`SecondaryMap` are the
//! model; the `cranelift-entity` crate itself lets any code make an id from an integer.
//!
//! ```compile_fail
//! let forged = rumba_compiler::ir::ExprId(3); // the field is private
//! ```
//! ```compile_fail
//! use rumba_compiler::ir::{EntityRef, ExprId};
//! let forged = ExprId::new(3, rumba_compiler::ir::entity::Key(())); // so is `Key`'s
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An id of an entity: a `u32` index into the [`PrimaryMap`] that made it.
pub trait EntityRef: Copy + Eq + fmt::Display {
    /// The position in its arena (for side tables outside `ir`, such as a back end's slots).
    fn index(self) -> usize;
    /// Made only by this module's maps: [`Key`] cannot be built elsewhere.
    #[doc(hidden)]
    fn new(index: usize, key: Key) -> Self;
}

/// The proof that an id is made by a map of this module (it has no public constructor).
#[doc(hidden)]
pub struct Key(());

/// Declares an id type: a private `u32`, printed as `<prefix><index>` (the IR's text form).
macro_rules! entity {
    ($(#[$attr:meta])* $name:ident, $prefix:literal) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            /// The position in its arena (for side tables outside `ir`).
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl $crate::ir::entity::EntityRef for $name {
            fn index(self) -> usize {
                self.0 as usize
            }

            fn new(index: usize, _: $crate::ir::entity::Key) -> Self {
                $name(u32::try_from(index).expect("more than u32::MAX entities in one arena"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}
pub(crate) use entity;

fn key<K: EntityRef>(index: usize) -> K {
    K::new(index, Key(()))
}

/// The arena that owns the entities of one kind and hands out their ids.
#[derive(Clone, PartialEq)]
pub struct PrimaryMap<K, V> {
    elems: Vec<V>,
    unused: PhantomData<K>,
}

impl<K: EntityRef, V> PrimaryMap<K, V> {
    pub fn new() -> Self {
        PrimaryMap {
            elems: Vec::new(),
            unused: PhantomData,
        }
    }

    /// Stores `v` and returns its new id.
    pub fn push(&mut self, v: V) -> K {
        self.elems.push(v);
        key(self.elems.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.elems.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elems.is_empty()
    }

    /// `None` for an id this map did not make (one of another arena of the same kind).
    pub fn get(&self, k: K) -> Option<&V> {
        self.elems.get(k.index())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        (0..self.elems.len()).map(key)
    }

    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.elems.iter()
    }

    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, V> {
        self.elems.iter_mut()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + ExactSizeIterator + '_ {
        self.elems.iter().enumerate().map(|(i, v)| (key(i), v))
    }

    /// The same ids, each value mapped by `f` (stopping at its first error).
    pub fn try_map<W, E>(
        self,
        mut f: impl FnMut(K, V) -> Result<W, E>,
    ) -> Result<PrimaryMap<K, W>, E> {
        let elems = self
            .elems
            .into_iter()
            .enumerate()
            .map(|(i, v)| f(key(i), v))
            .collect::<Result<_, E>>()?;
        Ok(PrimaryMap {
            elems,
            unused: PhantomData,
        })
    }
}

impl<K: EntityRef, V> Default for PrimaryMap<K, V> {
    fn default() -> Self {
        PrimaryMap::new()
    }
}

impl<K: EntityRef, V> Index<K> for PrimaryMap<K, V> {
    type Output = V;

    fn index(&self, k: K) -> &V {
        &self.elems[k.index()]
    }
}

impl<K: EntityRef, V> IndexMut<K> for PrimaryMap<K, V> {
    fn index_mut(&mut self, k: K) -> &mut V {
        &mut self.elems[k.index()]
    }
}

impl<K: EntityRef, V: fmt::Debug> fmt::Debug for PrimaryMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k.to_string(), v)))
            .finish()
    }
}

/// Side data for the entities of a [`PrimaryMap`], keyed by the same ids; an entity may have
/// none (an expression no statement reaches has no type).
#[derive(Clone, PartialEq)]
pub struct SecondaryMap<K, V> {
    elems: Vec<Option<V>>,
    unused: PhantomData<K>,
}

impl<K: EntityRef, V> SecondaryMap<K, V> {
    pub fn new() -> Self {
        SecondaryMap {
            elems: Vec::new(),
            unused: PhantomData,
        }
    }

    /// Sets the data of `k`, returning what it had.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        if self.elems.len() <= k.index() {
            self.elems.resize_with(k.index() + 1, || None);
        }
        self.elems[k.index()].replace(v)
    }

    pub fn get(&self, k: K) -> Option<&V> {
        self.elems.get(k.index()).and_then(Option::as_ref)
    }

    /// Removes the data of `k`, returning what it had.
    pub fn remove(&mut self, k: K) -> Option<V> {
        self.elems.get_mut(k.index()).and_then(Option::take)
    }

    /// The ids that have data, with it, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + '_ {
        self.elems
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((key(i), v.as_ref()?)))
    }
}

impl<K: EntityRef, V> Default for SecondaryMap<K, V> {
    fn default() -> Self {
        SecondaryMap::new()
    }
}

/// Panics for an id without data: [`verify`](super::verify) reports those without indexing.
impl<K: EntityRef, V> Index<K> for SecondaryMap<K, V> {
    type Output = V;

    fn index(&self, k: K) -> &V {
        match self.get(k) {
            Some(v) => v,
            None => panic!("no entry for {k}"),
        }
    }
}

impl<K: EntityRef, V: fmt::Debug> fmt::Debug for SecondaryMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k.to_string(), v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExprId, LocalId};
    use super::*;

    #[test]
    fn ids_come_from_their_map_and_side_tables_follow_them() {
        let mut exprs: PrimaryMap<ExprId, &str> = PrimaryMap::new();
        let (a, b) = (exprs.push("a"), exprs.push("b"));
        assert_eq!((a.to_string(), b.to_string()), ("e0".into(), "e1".into()));
        assert_eq!(exprs.keys().collect::<Vec<_>>(), [a, b]);
        let mut types: SecondaryMap<ExprId, u8> = SecondaryMap::new();
        types.insert(b, 7);
        assert_eq!((types.get(a), types[b]), (None, 7));
        let other: PrimaryMap<LocalId, ()> = PrimaryMap::new();
        assert!(other.is_empty() && exprs.get(b).is_some());
    }
}
