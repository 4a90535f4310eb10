//! Type variables: their states and union-find, and settling a variable to a type.

use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum State {
    Any,
    Int,
    Float,
    Known(Type),
}

impl State {
    pub(super) fn describe(self) -> String {
        match self {
            State::Any => "_".into(),
            State::Int => "{integer}".into(),
            State::Float => "{float}".into(),
            State::Known(t) => t.to_string(),
        }
    }
}

pub(super) type Var = u32;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn fresh(&mut self, state: State) -> Var {
        self.parent.push(self.parent.len() as Var);
        self.state.push(state);
        self.parent.len() as Var - 1
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
            _ => return Err((sa, sb)),
        };
        self.parent[ra as usize] = rb;
        self.state[rb as usize] = merged;
        Ok(())
    }

    pub(super) fn unify_with(&mut self, v: Var, t: Type) -> Result<(), (State, State)> {
        let k = self.fresh(State::Known(t));
        self.unify(v, k)
    }

    /// The scalar type of a variable, defaulting an unsuffixed literal's type (`i32` / `f64`).
    pub(super) fn settle(&mut self, v: Var, at: Span) -> R<Type> {
        match self.get(v) {
            State::Known(t) => Ok(t),
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
