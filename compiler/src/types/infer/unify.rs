//! Type variables: their states and union-find, and settling a variable to a type.

use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

/// What is known of a variable's type. Arrays and tuples are structured (their element types are
/// variables of their own, so `let mut t = Array1::zeros(n); t[i] = 2.0f32` types `t` from the
/// store); `Known` holds scalars and `()` only.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum State {
    Any,
    Int,
    Float,
    Known(Type),
    Array(ArrayVar),
    /// A tuple: its element variables are `Infer::tuples[i]`.
    Tuple(u32),
    /// `Option<T>`, `T` the variable's type.
    Option(Var),
}

/// An array whose element type is a variable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ArrayVar {
    pub elem: Var,
    pub ndim: u8,
    pub layout: Layout,
    pub writable: bool,
    pub storage: Storage,
}

impl ArrayVar {
    pub(super) fn with_elem(self, elem: impl Into<Elem>) -> ArrayType {
        ArrayType {
            elem: elem.into(),
            ndim: self.ndim,
            layout: self.layout,
            writable: self.writable,
            storage: self.storage,
        }
    }
}

impl State {
    pub(super) fn describe(self) -> String {
        match self {
            State::Any => "_".into(),
            State::Int => "{integer}".into(),
            State::Float => "{float}".into(),
            State::Known(t) => t.to_string(),
            State::Array(a) => {
                let kind = match (a.storage, a.writable) {
                    (Storage::Stack(n), _) => return format!("[_; {n}]"),
                    (Storage::Heap, _) => "Array",
                    (Storage::View, true) => "ArrayViewMut",
                    (Storage::View, false) => "ArrayView",
                };
                format!("{kind}{}<_>", a.ndim)
            }
            State::Tuple(_) => "(..)".into(),
            State::Option(_) => "Option<_>".into(),
        }
    }
}

pub(super) type Var = u32;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn fresh(&mut self, state: State) -> Var {
        let state = self.structured(state);
        self.parent.push(self.parent.len() as Var);
        self.state.push(state);
        self.parent.len() as Var - 1
    }

    /// A known array or tuple type as a structured state.
    fn structured(&mut self, s: State) -> State {
        match s {
            State::Known(Type::Array(a)) => {
                let elem = self.fresh(State::Known(a.elem_type()));
                State::Array(ArrayVar {
                    elem,
                    ndim: a.ndim,
                    layout: a.layout,
                    writable: a.writable,
                    storage: a.storage,
                })
            }
            State::Known(Type::Tuple(t)) if t.is_option() => {
                State::Option(self.fresh(State::Known(t.elems()[1])))
            }
            State::Known(Type::Tuple(t)) => {
                let vars = t
                    .elems()
                    .iter()
                    .map(|&e| self.fresh(State::Known(e)))
                    .collect();
                let s = self.tuple_state(vars);
                if let (State::Tuple(i), Some(def)) = (s, t.def()) {
                    self.structs.insert(i, def);
                }
                s
            }
            s => s,
        }
    }

    /// A tuple of these element variables.
    pub(super) fn tuple_state(&mut self, vars: Vec<Var>) -> State {
        self.tuples.push(vars);
        State::Tuple(self.tuples.len() as u32 - 1)
    }

    /// The element variables of a tuple state.
    pub(super) fn tuple_vars(&self, t: u32) -> Vec<Var> {
        self.tuples[t as usize].clone()
    }

    fn find(&mut self, v: Var) -> Var {
        let p = self.parent[v as usize];
        if p == v {
            return v;
        }
        let root = self.find(p);
        self.parent[v as usize] = root;
        root
    }

    pub(super) fn get(&mut self, v: Var) -> State {
        let r = self.find(v);
        self.state[r as usize]
    }

    pub(super) fn set(&mut self, v: Var, s: State) {
        let s = self.structured(s);
        let r = self.find(v);
        self.state[r as usize] = s;
    }

    /// Unifies two variables; on failure returns both states for the message.
    pub(super) fn unify(&mut self, a: Var, b: Var) -> Result<(), (State, State)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let (sa, sb) = (self.state[ra as usize], self.state[rb as usize]);
        let merged = match (sa, sb) {
            (State::Any, s) | (s, State::Any) => s,
            (State::Int, State::Int) => State::Int,
            (State::Float, State::Float) => State::Float,
            (State::Int, State::Known(Type::Scalar(s)))
            | (State::Known(Type::Scalar(s)), State::Int)
                if s.is_int() =>
            {
                State::Known(Type::Scalar(s))
            }
            (State::Float, State::Known(Type::Scalar(s)))
            | (State::Known(Type::Scalar(s)), State::Float)
                if s.is_float() =>
            {
                State::Known(Type::Scalar(s))
            }
            (State::Known(x), State::Known(y)) if x == y => sa,
            // New arrays of one local may differ in layout (C order, or the one ndarray's `map`
            // keeps of a strided operand): the local's is then known at run time.
            (State::Array(x), State::Array(y))
                if (x.ndim, x.writable, x.storage) == (y.ndim, y.writable, y.storage)
                    && (x.layout == y.layout || x.storage == Storage::Heap) =>
            {
                self.unify(x.elem, y.elem).map_err(|_| (sa, sb))?;
                State::Array(ArrayVar {
                    layout: match x.layout == y.layout {
                        true => x.layout,
                        false => Layout::Strided,
                    },
                    ..x
                })
            }
            (State::Tuple(x), State::Tuple(y)) => {
                let (xs, ys) = (self.tuple_vars(x), self.tuple_vars(y));
                // A struct is only itself (not a tuple of its fields' types).
                if xs.len() != ys.len() || self.structs.get(&x) != self.structs.get(&y) {
                    return Err((sa, sb));
                }
                for (a, b) in xs.into_iter().zip(ys) {
                    self.unify(a, b).map_err(|_| (sa, sb))?;
                }
                sa
            }
            (State::Option(x), State::Option(y)) => {
                self.unify(x, y).map_err(|_| (sa, sb))?;
                sa
            }
            _ => return Err((sa, sb)),
        };
        let (ra, rb) = (self.find(ra), self.find(rb));
        self.parent[ra as usize] = rb;
        self.state[rb as usize] = merged;
        Ok(())
    }

    pub(super) fn unify_with(&mut self, v: Var, t: Type) -> Result<(), (State, State)> {
        let k = self.fresh(State::Known(t));
        self.unify(v, k)
    }

    /// The type of a variable, defaulting an unsuffixed literal's type (`i32` / `f64`).
    pub(super) fn settle(&mut self, v: Var, at: Span) -> R<Type> {
        match self.get(v) {
            State::Known(t) => Ok(t),
            State::Array(a) => match self.get(a.elem) {
                State::Any => {
                    let n = a.ndim;
                    Err(Diagnostic::new(
                        "type annotations needed for the elements of this array",
                        at,
                        "cannot infer the element type",
                    )
                    .with_help(match a.storage {
                        Storage::Stack(len) => format!(
                            "name the element type: `[0.0f64; {len}]`, or `let t: [f64; {len}] = ..`"
                        ),
                        _ => format!(
                            "name the element type where the array is made: `Array{n}::<f64>::zeros(..)`, or `let t: Array{n}<f64> = ..`"
                        ),
                    }))
                }
                _ => match self.settle(a.elem, at)? {
                    Type::Scalar(s) => Ok(Type::Array(a.with_elem(s))),
                    Type::Array(_) => Err(Diagnostic::new(
                        "arrays of arrays are not supported",
                        at,
                        "array elements must be scalars",
                    )
                    .with_help("use a 2-D array (`Array2::<f64>::zeros((n, m))`, indexed `a[[i, j]]`), or one flat `[T; N * M]` indexed `a[i * M + j]`")),
                    t => match Elem::of(t) {
                        Some(e) => Ok(Type::Array(a.with_elem(e))),
                        None => Err(Diagnostic::new(
                            format!("arrays of `{t}` are not supported"),
                            at,
                            "array elements must be scalars or structs of the block",
                        )),
                    },
                },
            },
            State::Tuple(t) => {
                let elems = self
                    .tuple_vars(t)
                    .into_iter()
                    .map(|e| self.settle(e, at))
                    .collect::<R<Vec<_>>>()?;
                Ok(Type::Tuple(match self.structs.get(&t) {
                    Some(def) => Tuple::of_struct(def),
                    None => Tuple::new(&elems),
                }))
            }
            State::Option(x) => match self.settle(x, at)? {
                t if of_scalars(t) => Ok(Type::Tuple(Tuple::option(t))),
                t => Err(Diagnostic::new(
                    format!("`Option<{t}>` is not supported"),
                    at,
                    "an `Option` of this type",
                )
                .with_help("kernels have `Option`s of scalars and tuples of them")),
            },
            State::Int => {
                self.set(v, State::Known(Type::Scalar(Scalar::I32)));
                Ok(Type::Scalar(Scalar::I32))
            }
            State::Float => {
                self.set(v, State::Known(Type::Scalar(Scalar::F64)));
                Ok(Type::Scalar(Scalar::F64))
            }
            State::Any => Err(Diagnostic::new(
                "type annotations needed",
                at,
                "cannot infer the type of this value",
            )
            .with_help("give the variable a type: `let x: f64`")),
        }
    }
}

/// Whether `t` is a scalar or a tuple of such (what an `Option` may hold).
fn of_scalars(t: Type) -> bool {
    match t {
        Type::Scalar(_) => true,
        Type::Tuple(t) => t.elems().iter().all(|&e| of_scalars(e)),
        Type::Unit | Type::Array(_) => false,
    }
}
