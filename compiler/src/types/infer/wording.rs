//! rustc's wording of type errors: hints on casts and operator messages.

use super::unify::State;
use crate::diag::Diagnostic;
use crate::ir::*;

/// Adds `help: cast with `as T`` when the expected type is a known scalar.
pub(super) fn with_cast_help(d: Diagnostic, want: State) -> Diagnostic {
    match want {
        State::Known(Type::Scalar(s)) if s != Scalar::Bool => {
            d.with_help(format!("convert the value with `as {s}`"))
        }
        _ => d,
    }
}

/// [`with_cast_help`], unless the value is a whole array where a number is wanted (the result of
/// array arithmetic, `a + b` of an array `a`), which no cast converts.
pub(super) fn value_help(d: Diagnostic, want: State, got: State) -> Diagnostic {
    match (want, got) {
        (State::Known(Type::Scalar(_)), State::Array(_)) => d.with_help(
            "this is a whole array (arithmetic on an array makes a new one): compute on its elements (`a[i]`) in a loop, or return the array (`-> Array1<f64>`)",
        ),
        _ => with_cast_help(d, want),
    }
}

/// rustc's wording for a binary operator that has no implementation for these operand types.
pub(super) fn op_message(op: BinOp, x: State, y: State) -> String {
    let d = |s: State| match s {
        State::Array(_) => "an array".to_string(),
        s => format!("`{}`", s.describe()),
    };
    op_words(op, &d(x), &d(y))
}

/// [`op_message`] of operands already described (`` `f64` ``, `an array`).
pub(super) fn op_words(op: BinOp, x: &str, y: &str) -> String {
    match op {
        BinOp::Add => format!("cannot add {y} to {x}"),
        BinOp::Sub => format!("cannot subtract {y} from {x}"),
        BinOp::Mul => format!("cannot multiply {x} by {y}"),
        BinOp::Div => format!("cannot divide {x} by {y}"),
        BinOp::Rem => format!("cannot calculate the remainder of {x} divided by {y}"),
        op if op.is_comparison() => format!("can't compare {x} with {y}"),
        op => format!("no implementation for {x} {} {y}", op.symbol()),
    }
}

/// How to make two operands of different types agree.
pub(super) fn operand_cast_help(x: State, y: State) -> String {
    match (x, y) {
        (State::Known(Type::Scalar(Scalar::Bool)), _)
        | (_, State::Known(Type::Scalar(Scalar::Bool))) => {
            "`bool` is not a number: convert it with `as u8`, or compare the number (`x != 0`)"
                .into()
        }
        (State::Known(Type::Scalar(s)), State::Int)
        | (State::Int, State::Known(Type::Scalar(s)))
            if s.is_float() =>
        {
            format!("write the integer literal as a float (`2.0`, not `2`), or give it a suffix: `2{s}`")
        }
        (State::Known(Type::Scalar(s)), State::Float)
        | (State::Float, State::Known(Type::Scalar(s))) => {
            format!("convert the `{s}` operand with `as f64`, or use an integer literal")
        }
        (State::Known(Type::Scalar(a)), State::Known(Type::Scalar(b))) => {
            format!("Rust does not convert numbers implicitly: convert one operand, `as {a}` or `as {b}`")
        }
        _ => "convert one operand with `as`".into(),
    }
}
