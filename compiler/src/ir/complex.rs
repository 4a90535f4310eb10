//! Complex numbers (`num_complex::Complex32`/`Complex64`) in the loop IR.
//!
//! In: nothing (a declaration). Out: the complex methods kernels may call and the functions of
//! the built-in prelude (`front::prelude`) that implement them and the operators.
//!
//! A complex number is a scalar ([`Scalar::C32`], [`Scalar::C64`]): two floats, `re` then `im`,
//! in locals, arguments, results and array elements alike (num-complex's `#[repr(C)]` layout).
//! The IR has three primitives on them, intrinsics of the table (`ir::intrinsic`): `re`, `im`
//! and `Complex::new`. Everything else (`+ - * /` with complex or real operands, unary `-`,
//! `==`/`!=`, `conj`, `norm`, `exp`, `sqrt`, `powi`, ...) is an ordinary function of the
//! prelude, written with those primitives as num-complex writes it, that `types` calls in place
//! of the operator or method: so the interpreter, the CPU and every later stage see only calls,
//! float operations and the three primitives.

use super::{BinOp, Rel, Scalar};

/// A method of complex numbers: its name (that of its prelude function) and the types of its
/// arguments after the receiver.
#[derive(Debug)]
pub struct ComplexMethod {
    pub name: &'static str,
    /// [`Rel::Part`] (the receiver's part type) or [`Rel::Fixed`].
    pub args: &'static [Rel],
}

/// The methods of complex numbers kernels may call (num-complex's names).
pub const METHODS: &[ComplexMethod] = &[
    ComplexMethod {
        name: "conj",
        args: &[],
    },
    ComplexMethod {
        name: "norm",
        args: &[],
    },
    ComplexMethod {
        name: "norm_sqr",
        args: &[],
    },
    ComplexMethod {
        name: "arg",
        args: &[],
    },
    ComplexMethod {
        name: "inv",
        args: &[],
    },
    ComplexMethod {
        name: "exp",
        args: &[],
    },
    ComplexMethod {
        name: "ln",
        args: &[],
    },
    ComplexMethod {
        name: "sqrt",
        args: &[],
    },
    ComplexMethod {
        name: "powi",
        args: &[Rel::Fixed(Scalar::I32)],
    },
    ComplexMethod {
        name: "powf",
        args: &[Rel::Part],
    },
    ComplexMethod {
        name: "scale",
        args: &[Rel::Part],
    },
    ComplexMethod {
        name: "unscale",
        args: &[Rel::Part],
    },
];

/// The complex method named `name`.
pub fn method(name: &str) -> Option<&'static ComplexMethod> {
    METHODS.iter().find(|m| m.name == name)
}

/// The binary operators num-complex defines: the operator, whether each operand is complex (the
/// other one then being real of the part type), and the prelude function computing it.
const BINARY: &[(BinOp, bool, bool, &str)] = &[
    (BinOp::Add, true, true, "add"),
    (BinOp::Sub, true, true, "sub"),
    (BinOp::Mul, true, true, "mul"),
    (BinOp::Div, true, true, "div"),
    (BinOp::Eq, true, true, "eq"),
    (BinOp::Ne, true, true, "ne"),
    (BinOp::Add, true, false, "add_real"),
    (BinOp::Sub, true, false, "sub_real"),
    (BinOp::Mul, true, false, "mul_real"),
    (BinOp::Div, true, false, "div_real"),
    (BinOp::Add, false, true, "real_add"),
    (BinOp::Sub, false, true, "real_sub"),
    (BinOp::Mul, false, true, "real_mul"),
    (BinOp::Div, false, true, "real_div"),
];

/// The prelude function computing `a op b` where `a` (`b`) is complex when `lhs` (`rhs`) is,
/// the other operand then being real of the part type: `None` for an operator num-complex does
/// not define on these operands (`<`, `%`, bit operations, shifts).
pub fn binary(op: BinOp, lhs: bool, rhs: bool) -> Option<&'static str> {
    BINARY
        .iter()
        .find(|&&(o, l, r, _)| (o, l, r) == (op, lhs, rhs))
        .map(|&(.., f)| f)
}

/// The operator a function of the prelude computes, from its full name (`complex64::sub_real`:
/// `-` of a complex and a real number), with whether each operand is complex: the inverse of
/// [`binary`]; `None` for any other function.
pub fn operator(name: &str) -> Option<(BinOp, bool, bool)> {
    let (module, f) = name.split_once("::")?;
    if module != prelude_module(Scalar::C32) && module != prelude_module(Scalar::C64) {
        return None;
    }
    BINARY
        .iter()
        .find(|&&(.., g)| g == f)
        .map(|&(op, l, r, _)| (op, l, r))
}

/// The prelude function computing `-a`.
pub const NEG: &str = "neg";

/// The name of the prelude function `f` for complex numbers of type `ty` (`complex64::mul`).
pub fn prelude_fn(ty: Scalar, f: &str) -> String {
    format!("{}::{f}", prelude_module(ty))
}

/// The prelude's module for complex numbers of type `ty` (or with parts of type `ty`):
/// `complex32` or `complex64`.
pub fn prelude_module(ty: Scalar) -> &'static str {
    match ty {
        Scalar::C32 | Scalar::F32 => "complex32",
        _ => "complex64",
    }
}
