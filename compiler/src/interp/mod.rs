//! The reference interpreter of the typed loop IR: the oracle the compiled code is tested against.
//!
//! In: a [`TypedProgram`] (instance 0 is the kernel, as the back ends see it) and one [`Arg`] per
//! parameter: a scalar [`Value`], or an [`ArrayArg`]: a flat byte buffer, the element position of
//! `[0, .., 0]` in it, the shape, and strides in elements (any sign, zero included). Out: the
//! kernel's result, with the writes to writable arrays made in their buffers, or an [`Error`]: a
//! [`Trap`] for each check that makes compiled code return an error (out of bounds, with the index,
//! the length and the axis; division by zero; `MIN / -1`; `step_by(0)`; `clamp` with `min > max`;
//! recursion past [`MAX_CALL_DEPTH`], counted as compiled code counts it),
//! naming the function and the span of the check, exactly as the compiled code's error site does.
//!
//! Arrays the kernel makes (`Array1::zeros(n)`, `x.to_owned()`) live in buffers of the machine
//! beside the arguments' for the whole call (the interpreter does not model freeing: Rust frees
//! them when the call ends); views are windows on either. A returned array comes back as an
//! [`Output`] holding its elements in C order.
//!
//! It is written for clarity, not speed: statements run one by one on a frame of locals, and every
//! operation is the Rust operation it stands for (module `ops`): wrapping integer arithmetic and
//! masked shift amounts as in a release build, IEEE floats with `f32` computed in `f32`, `as` for
//! casts (saturating float-to-int, NaN to 0), Rust's own ranges and `step_by` for `for` loops, and
//! std's methods (the same C math library the JIT links) for `sin`, `powi`, `mul_add`, ...
//! It shares no code with the LLVM back end, so the two can be compared bit for bit.
//!
//! Where it differs by design: bounds are always checked (compiled code with
//! `#[rumba(unsafe(boundscheck = false))]` has undefined behaviour where this traps);
//! `#[rumba(fastmath)]` is ignored (results are exact IEEE ones); a `prange` loop runs its
//! iterations in order, which is
//! one of the orders compiled code may use (float reductions may round differently there, and
//! after a failed check compiled code may have made writes of later iterations). Where Rust leaves
//! a result unspecified it is std's at run time: the sign and payload of a NaN, and the last bit of
//! transcendental functions (which LLVM may constant-fold to a differently rounded value).

mod matmul;
mod ops;
mod stmt;
mod values;

use crate::ir::{Elem, ExprId, ExprKind, InstId, Instance, Layout, MAX_CALL_DEPTH};
use crate::ir::{LocalId, LogicOp, Scalar, ShapeQuery, Type, TypedProgram};
use crate::span::Span;
use ops::Outcome;
use std::fmt;
use values::{Buf, Val, View};

/// A scalar value of the kernel language, or `()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Unit,
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Isize(isize),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    Usize(usize),
    F32(f32),
    F64(f64),
    I128(i128),
    U128(u128),
    /// A `Complex<f32>`: `re`, `im`.
    C32([f32; 2]),
    /// A `Complex<f64>`: `re`, `im`.
    C64([f64; 2]),
}

/// The memory of an array argument: read-only, or writable by the kernel.
#[derive(Debug)]
pub enum Buffer<'a> {
    Shared(&'a [u8]),
    Unique(&'a mut [u8]),
}

impl Buffer<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Buffer::Shared(b) => b,
            Buffer::Unique(b) => b,
        }
    }
}

/// An array argument: element `[i0, i1, ..]` is the `elem` stored (native endian, `bool` as one
/// byte) at element position `offset + i0 * strides[0] + i1 * strides[1] + ..` of `data`.
///
/// For a parameter of [`Layout::Contig`] type the strides are those of C order, derived from the
/// shape (as compiled code derives them); `strides` is then not read.
#[derive(Debug)]
pub struct ArrayArg<'a> {
    pub elem: Elem,
    pub data: Buffer<'a>,
    pub offset: usize,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
}

/// One argument of the kernel.
#[derive(Debug)]
pub enum Arg<'a> {
    Scalar(Value),
    Array(ArrayArg<'a>),
    /// A struct: its fields (scalars and structs), in order.
    Struct(Vec<Arg<'a>>),
}

/// A failed run-time check: what failed, and where (the function and span of the check).
#[derive(Clone, Debug, PartialEq)]
pub struct Trap {
    pub kind: TrapKind,
    pub function: String,
    pub span: Span,
}

/// The checks of compiled code, with the values they report.
#[derive(Clone, Debug, PartialEq)]
pub enum TrapKind {
    /// `array[..]` with `index >= len` on `axis`.
    OutOfBounds {
        array: String,
        axis: usize,
        index: u64,
        len: u64,
    },
    /// Integer `/` or `%` by zero.
    DivisionByZero { dividend: Value },
    /// `MIN / -1` or `MIN % -1`.
    DivisionOverflow { dividend: Value, divisor: Value },
    /// `step_by(0)`.
    StepZero,
    /// A call of a recursive instance that would be call `depth` of a chain of them, past
    /// [`MAX_CALL_DEPTH`].
    RecursionDepth { depth: u32 },
    /// `clamp` with `min > max` (or a NaN bound).
    ClampBounds { min: Value, max: Value },
    /// `unwrap()` or `expect(..)` of a `None`: what Rust's panic says.
    Unwrap { message: String },
    /// A slice bound past the end of axis `axis` of `array` (of extent `len`).
    SliceBounds {
        array: String,
        axis: usize,
        bound: u64,
        len: u64,
    },
    /// A new array of `elements` elements (`u64::MAX`: the count overflows) that is larger than
    /// `isize::MAX` bytes, or that the allocator refused.
    Alloc { elements: u64 },
    /// Zipped arrays `a` and `b` whose extents on `axis` differ.
    ShapeMismatch {
        a: String,
        b: String,
        axis: usize,
        a_len: u64,
        b_len: u64,
    },
    /// An array of shape `from` that does not broadcast to shape `to` (`onto`) or with it.
    Broadcast {
        from: Vec<u64>,
        to: Vec<u64>,
        onto: bool,
    },
}

/// What a kernel returns: a scalar (or `()`), an array it made (its elements in C order), or a
/// tuple of these.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Scalar(Value),
    /// A new array: its elements from the lowest address, laid out by `strides` (in elements,
    /// as ndarray's).
    Array {
        elem: Elem,
        shape: Vec<usize>,
        strides: Vec<isize>,
        data: Vec<u8>,
    },
    Tuple(Vec<Output>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A run-time check failed: the kernel's error (boxed: its values make it the largest).
    Trap(Box<Trap>),
    /// The arguments do not fit the program's parameters (count, types, buffer extents).
    Argument(String),
    /// The program breaks an invariant of the typed IR (a compiler bug).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Trap(t) => write!(f, "{}: in `{}`: {:?}", t.span, t.function, t.kind),
            Error::Argument(m) => write!(f, "bad argument: {m}"),
            Error::Internal(m) => write!(f, "internal: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Runs the kernel (instance 0) of `program` on `args`.
pub fn run(program: &TypedProgram, args: &mut [Arg<'_>]) -> Result<Output, Error> {
    let entry = program
        .instances
        .values()
        .next()
        .ok_or_else(|| Error::Internal("empty program".into()))?;
    if args.len() != entry.params.len() {
        return Err(Error::Argument(format!(
            "`{}` takes {} arguments, {} given",
            entry.func.name,
            entry.params.len(),
            args.len()
        )));
    }
    let mut frame = Frame::new(entry, 0);
    let mut bufs = Vec::new();
    for (i, (arg, (&param, ty))) in args
        .iter_mut()
        .zip(entry.func.params.iter().zip(&entry.params))
        .enumerate()
    {
        let bad = |why: String| Error::Argument(format!("argument {}: {why}", i + 1));
        match (arg, ty) {
            (arg @ (Arg::Scalar(_) | Arg::Struct(_)), ty) => {
                frame.vals[param.index()] = Some(by_value(arg, *ty).map_err(bad)?)
            }
            (Arg::Array(a), Type::Array(t)) => {
                let strides = match t.layout {
                    Layout::Contig => c_order(&a.shape),
                    Layout::Strided => a.strides.clone(),
                };
                check_array(a, t.elem, t.ndim, t.writable, &strides).map_err(bad)?;
                frame.vals[param.index()] = Some(Val::Array(View {
                    buf: bufs.len(),
                    elem: a.elem,
                    offset: a.offset as isize,
                    shape: a.shape.clone(),
                    strides,
                }));
                bufs.push(Buf::Arg(a));
            }
            (arg, ty) => return Err(bad(format!("{arg:?} passed for a parameter of type {ty}"))),
        }
    }
    let recursive = crate::ir::walk::recursive(program);
    let mut machine = Machine {
        program,
        bufs,
        recursive,
    };
    let v = machine.body(&mut frame)?;
    machine.output(v)
}

/// A scalar or struct argument as the value of its parameter of type `ty`.
fn by_value(arg: &Arg<'_>, ty: Type) -> Result<Val, String> {
    match (arg, ty) {
        (Arg::Scalar(v), Type::Scalar(s)) if v.ty() == Some(s) => Ok(Val::Scalar(*v)),
        (Arg::Struct(xs), Type::Tuple(t)) if xs.len() == t.elems().len() => Ok(Val::Tuple(
            xs.iter()
                .zip(t.elems())
                .map(|(x, &e)| by_value(x, e))
                .collect::<Result<_, _>>()?,
        )),
        (arg, ty) => Err(format!("{arg:?} passed for a parameter of type {ty}")),
    }
}

/// The strides of a C-order array of `shape`: the last axis is contiguous.
fn c_order(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![1isize; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1] as isize;
    }
    strides
}

/// Checks an array argument against its parameter type and its buffer: every element the shape
/// and strides describe must lie inside the buffer.
fn check_array(
    a: &ArrayArg<'_>,
    elem: Elem,
    ndim: u8,
    writable: bool,
    strides: &[isize],
) -> Result<(), String> {
    if a.elem != elem {
        return Err(format!("an array of {} for an array of {elem}", a.elem));
    }
    if a.shape.len() != ndim as usize || strides.len() != ndim as usize {
        return Err(format!(
            "{} extents and {} strides for a {ndim}-D array",
            a.shape.len(),
            strides.len()
        ));
    }
    if writable && matches!(a.data, Buffer::Shared(_)) {
        return Err("a read-only buffer for a writable array".into());
    }
    if a.shape.contains(&0) {
        return Ok(());
    }
    let (mut lo, mut hi) = (a.offset as i128, a.offset as i128);
    for (&n, &s) in a.shape.iter().zip(strides) {
        let far = (n as i128 - 1) * s as i128;
        if far < 0 {
            lo += far;
        } else {
            hi += far;
        }
    }
    let len = (a.data.bytes().len() / elem.size()) as i128;
    if lo < 0 || hi >= len {
        return Err(format!(
            "elements {lo}..={hi} lie outside a buffer of {len} elements"
        ));
    }
    Ok(())
}

/// The stack a call needs left before it runs (else it runs on a new segment of
/// [`STACK_SEGMENT`] bytes): a generous bound on one body's nesting of statements and expressions.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// The locals of one call.
struct Frame<'p> {
    inst: &'p Instance,
    vals: Vec<Option<Val>>,
    /// The length of the chain of recursive calls this call ends (0: not a recursive instance),
    /// as compiled code counts it.
    depth: u32,
}

impl<'p> Frame<'p> {
    fn new(inst: &'p Instance, depth: u32) -> Frame<'p> {
        let n = inst.func.locals.len();
        Frame {
            inst,
            vals: vec![None; n],
            depth,
        }
    }

    fn trap(&self, kind: TrapKind, span: Span) -> Error {
        Error::Trap(Box::new(Trap {
            kind,
            function: self.inst.func.name.clone(),
            span,
        }))
    }

    /// The error of a scalar operation, at `span`.
    fn fail(&self, outcome: Outcome, span: Span) -> Error {
        match outcome {
            Outcome::Trap(kind) => self.trap(kind, span),
            Outcome::Internal(m) => {
                Error::Internal(format!("in `{}` at {span}: {m}", self.inst.func.name))
            }
        }
    }

    fn array(&self, l: LocalId) -> Result<&View, Error> {
        match &self.vals[l.index()] {
            Some(Val::Array(v)) => Ok(v),
            _ => Err(Error::Internal(format!("{l} is not an array"))),
        }
    }
}

/// How a statement ends.
enum Flow {
    Next,
    Break,
    Continue,
    Return(Val),
}

type Exec<T> = Result<T, Error>;

/// The scalar type of elements that only a scalar operation touches (an update, a reduction:
/// `types` gives those no arrays of structs).
fn scalar_elem(elem: Elem) -> Exec<Scalar> {
    elem.scalar()
        .ok_or_else(|| Error::Internal(format!("a scalar operation on elements of {elem}")))
}

struct Machine<'p, 'm, 'a> {
    program: &'p TypedProgram,
    bufs: Vec<Buf<'m, 'a>>,
    /// Per instance: whether its calls count their depth ([`crate::ir::walk::recursive`]).
    recursive: Vec<bool>,
}

impl<'p> Machine<'p, '_, '_> {
    /// Runs a function body; falling off its end returns `()` (the type checker proved that only
    /// functions returning `()` can).
    fn body(&mut self, f: &mut Frame<'p>) -> Exec<Val> {
        match self.block(f, &f.inst.func.body)? {
            Flow::Return(v) => Ok(v),
            Flow::Next => Ok(Val::Scalar(Value::Unit)),
            Flow::Break | Flow::Continue => Err(Error::Internal("break outside a loop".into())),
        }
    }

    fn bool(&mut self, f: &Frame<'p>, e: ExprId) -> Exec<bool> {
        let v = self.expr(f, e)?;
        v.as_bool()
            .ok_or_else(|| Error::Internal(format!("{e} is {v:?}, not a bool")))
    }

    fn usize(&mut self, f: &Frame<'p>, e: ExprId) -> Exec<usize> {
        match self.expr(f, e)? {
            Value::Usize(i) => Ok(i),
            v => Err(Error::Internal(format!("{e} is {v:?}, not a usize"))),
        }
    }

    /// The element position of `array[index]` in its buffer, after the bounds check.
    fn element(
        &mut self,
        f: &Frame<'p>,
        array: LocalId,
        index: &[ExprId],
        span: Span,
    ) -> Exec<(usize, usize)> {
        // The whole index (`[i, j]` of `a[[i, j]]`) is evaluated before the array is indexed.
        let index = index
            .iter()
            .map(|&e| self.usize(f, e))
            .collect::<Exec<Vec<usize>>>()?;
        let a = f.array(array)?;
        let slot = a.buf;
        let mut pos = a.offset;
        for (axis, (&i, (&len, &stride))) in
            index.iter().zip(a.shape.iter().zip(&a.strides)).enumerate()
        {
            if i >= len {
                let name = f.inst.func.local(array).name.clone();
                let kind = TrapKind::OutOfBounds {
                    array: name,
                    axis,
                    index: i as u64,
                    len: len as u64,
                };
                return Err(f.trap(kind, span));
            }
            pos += i as isize * stride;
        }
        Ok((slot, pos as usize))
    }

    /// A value of any type: arrays, tuples, and the scalars of [`Machine::expr`].
    fn val(&mut self, f: &Frame<'p>, e: ExprId) -> Exec<Val> {
        let inst = f.inst;
        let span = inst.func.expr(e).span;
        Ok(match &inst.func.expr(e).kind {
            ExprKind::Local(l) => {
                let v = f.vals[l.index()]
                    .clone()
                    .ok_or_else(|| Error::Internal(format!("{l} read before it is set")))?;
                // A fixed-size array is copied when read as a value, as Rust copies a `[T; N]`.
                self.copy_fixed(v, inst.ty(e))?
            }
            ExprKind::Borrow { array, .. } => Val::Array(f.array(*array)?.clone()),
            ExprKind::Slice { array, axes, .. } => Val::Array(self.slice(f, *array, axes, span)?),
            ExprKind::Transpose(array) => {
                let mut a = f.array(*array)?.clone();
                a.shape.reverse();
                a.strides.reverse();
                Val::Array(a)
            }
            ExprKind::Relayout { array, visit } => Val::Array(f.array(*array)?.relayout(*visit)),
            ExprKind::Broadcast { array, with, onto } => {
                let (a, w) = (f.array(*array)?, f.array(*with)?);
                match a.broadcast(w, *onto) {
                    Some(v) => Val::Array(v),
                    None => {
                        let dims = |x: &View| x.shape.iter().map(|&d| d as u64).collect();
                        let kind = TrapKind::Broadcast {
                            from: dims(a),
                            to: dims(w),
                            onto: *onto,
                        };
                        return Err(f.trap(kind, span));
                    }
                }
            }
            ExprKind::Tuple(xs) => Val::Tuple(
                xs.iter()
                    .map(|&x| self.val(f, x))
                    .collect::<Exec<Vec<Val>>>()?,
            ),
            ExprKind::Field(x, k) => match self.val(f, *x)? {
                Val::Tuple(mut xs) if (*k as usize) < xs.len() => xs.swap_remove(*k as usize),
                v => return Err(Error::Internal(format!("field {k} of {v:?}"))),
            },
            ExprKind::Unwrap { option, message } => match self.val(f, *option)? {
                Val::Tuple(mut xs) if xs.len() == 2 => match xs[0] {
                    Val::Scalar(Value::Bool(true)) => xs.swap_remove(1),
                    _ => {
                        let message = message.clone();
                        return Err(f.trap(TrapKind::Unwrap { message }, span));
                    }
                },
                v => return Err(Error::Internal(format!("unwrap of {v:?}"))),
            },
            ExprKind::Alloc { shape, init, .. } => {
                let elem = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| Error::Internal("a new array not typed as one".into()))?
                    .elem;
                self.alloc(f, elem, shape, init, span)?
            }
            ExprKind::CallInst { inst: callee, args } => self.call(f, *callee, args, span)?,
            ExprKind::Load { array, index, .. } if f.array(*array)?.elem.scalar().is_none() => {
                let (slot, pos) = self.element(f, *array, index, span)?;
                let elem = f.array(*array)?.elem;
                values::load_repr_c(elem.ty(), &self.bufs[slot].bytes()[pos * elem.size()..])?
            }
            _ => Val::Scalar(self.expr(f, e)?),
        })
    }

    /// A scalar value.
    fn expr(&mut self, f: &Frame<'p>, e: ExprId) -> Exec<Value> {
        let inst = f.inst;
        let span = inst.func.expr(e).span;
        Ok(match &inst.func.expr(e).kind {
            ExprKind::Const(c) => Value::from_const(*c),
            ExprKind::Local(_)
            | ExprKind::CallInst { .. }
            | ExprKind::Field(..)
            | ExprKind::Unwrap { .. } => match self.val(f, e)? {
                Val::Scalar(v) => v,
                v => return Err(Error::Internal(format!("{e} is {v:?}, not a scalar"))),
            },
            ExprKind::Alloc { .. }
            | ExprKind::Borrow { .. }
            | ExprKind::Slice { .. }
            | ExprKind::Transpose(_)
            | ExprKind::Relayout { .. }
            | ExprKind::Broadcast { .. }
            | ExprKind::Tuple(_) => return Err(Error::Internal(format!("{e} is not a scalar"))),
            ExprKind::Unary(op, x) => {
                let x = self.expr(f, *x)?;
                ops::unary(*op, x).map_err(|o| f.fail(o, span))?
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.expr(f, *a)?;
                let b = self.expr(f, *b)?;
                ops::binary(*op, a, b).map_err(|o| f.fail(o, span))?
            }
            ExprKind::Logical(op, a, b) => {
                let a = self.bool(f, *a)?;
                // `&&` and `||` evaluate their right side only when it decides the result.
                let b = match op {
                    LogicOp::And => a && self.bool(f, *b)?,
                    LogicOp::Or => a || self.bool(f, *b)?,
                };
                Value::Bool(b)
            }
            ExprKind::Cast(x, to) => {
                let x = self.expr(f, *x)?;
                ops::cast(x, *to).map_err(|o| f.fail(o, span))?
            }
            ExprKind::Load { array, index, .. } => {
                let (slot, pos) = self.element(f, *array, index, span)?;
                let elem = scalar_elem(f.array(*array)?.elem)?;
                let size = elem.size();
                Value::load(elem, &self.bufs[slot].bytes()[pos * size..])
            }
            ExprKind::Shape { array, query } => {
                let a = f.array(*array)?;
                let len: usize = a.shape.iter().product();
                match query {
                    ShapeQuery::Len => Value::Usize(len),
                    ShapeQuery::IsEmpty => Value::Bool(len == 0),
                    ShapeQuery::Dim(d) | ShapeQuery::DimOf { d, .. } => {
                        Value::Usize(a.shape[*d as usize])
                    }
                    ShapeQuery::Rows2d => Value::Usize(a.shape[0]),
                    ShapeQuery::Cols2d => Value::Usize(a.shape[1]),
                    ShapeQuery::Ndim => Value::Usize(a.shape.len()),
                    ShapeQuery::Contiguous => Value::Bool(a.contiguous()),
                    ShapeQuery::Standard => Value::Bool(a.standard()),
                    ShapeQuery::MinStrideAxis => Value::Usize(a.min_stride_axis()),
                }
            }
            ExprKind::MatMul { a, b, out } => {
                self.mat_mul(f, *a, *b, *out)?;
                Value::Unit
            }
            ExprKind::SameShape { a, b } => {
                let (x, y) = (f.array(*a)?, f.array(*b)?);
                // The trailing axes (all of them for arrays of one number of dimensions).
                let skip = x.shape.len().saturating_sub(y.shape.len());
                let differ = (skip..x.shape.len())
                    .zip(&y.shape)
                    .find(|&(k, &n)| x.shape[k] != n)
                    .map(|(k, _)| k);
                if let Some(axis) = differ {
                    let kind = TrapKind::ShapeMismatch {
                        a: f.inst.func.local(*a).name.clone(),
                        b: f.inst.func.local(*b).name.clone(),
                        axis,
                        a_len: x.shape[axis] as u64,
                        b_len: y.shape[axis - skip] as u64,
                    };
                    return Err(f.trap(kind, span));
                }
                Value::Unit
            }
            ExprKind::Intrinsic { op, args } => {
                let args = args
                    .iter()
                    .map(|&a| self.expr(f, a))
                    .collect::<Exec<Vec<Value>>>()?;
                ops::intrinsic(*op, &args).map_err(|o| f.fail(o, span))?
            }
            ExprKind::Gpu { op, .. } => {
                return Err(Error::Internal(format!(
                    "GPU builtin `{}` in `{}`: it runs only on the GPU",
                    op.name(),
                    inst.func.name
                )))
            }
            ExprKind::Lit(n)
            | ExprKind::Method { name: n, .. }
            | ExprKind::Call { func: n, .. }
            | ExprKind::Each(n) => match *n {},
            ExprKind::Reduce(n) => match *n {},
            ExprKind::Map(n) => match *n {},
            ExprKind::Struct(n) => match *n {},
            ExprKind::Option(n) => match *n {},
        })
    }

    /// A call: arguments are evaluated left to right; an array argument is the caller's array
    /// (a view of its buffer), which the callee reads and writes in place.
    /// A call of a recursive instance past [`MAX_CALL_DEPTH`] traps, and runs on a stack grown
    /// as needed (on the heap), so that no depth the limit allows overflows the native one.
    fn call(
        &mut self,
        caller: &Frame<'p>,
        callee: InstId,
        args: &[ExprId],
        span: Span,
    ) -> Exec<Val> {
        let program = self.program;
        let target = program
            .instances
            .get(callee)
            .ok_or_else(|| Error::Internal(format!("call of missing {callee}")))?;
        let depth = match self.recursive.get(callee.index()) {
            Some(true) => caller.depth + 1,
            _ => 0,
        };
        if depth > MAX_CALL_DEPTH {
            return Err(caller.trap(TrapKind::RecursionDepth { depth }, span));
        }
        let mut frame = Frame::new(target, depth);
        for (&param, &a) in target.func.params.iter().zip(args) {
            frame.vals[param.index()] = Some(self.val(caller, a)?);
        }
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.body(&mut frame))
    }
}

/// The element strides of a C-order array of `shape` (an extent of 0 counted as 1), as tests lay
/// out the arrays they give the interpreter.
#[cfg(test)]
pub(crate) fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut step = 1;
    for k in (0..shape.len()).rev() {
        s[k] = step;
        step *= shape[k].max(1) as isize;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ArrayType;

    fn program(source: &str, args: &[Type]) -> TypedProgram {
        let program = crate::front::lower_source(source)
            .map_err(|e| e[0].message.clone())
            .expect("lowers");
        let k = program.find("k").expect("kernel k");
        crate::types::specialize(&program, k, args)
            .map_err(|d| d.message)
            .expect("type-checks")
    }

    fn f64s(bytes: &[u8]) -> Vec<f64> {
        bytes
            .chunks_exact(8)
            .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
            .collect()
    }

    fn bytes(xs: &[f64]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    const SUM: &str =
        "fn k(x) -> f64 { let mut s = 0.0; for i in 0..x.len() { s = s * 10.0 + x[i]; } s }";

    fn strided(ndim: u8, writable: bool) -> Type {
        Type::Array(ArrayType::view(
            Scalar::F64,
            ndim,
            Layout::Strided,
            writable,
        ))
    }

    #[test]
    fn reads_a_reversed_strided_view() {
        let p = program(SUM, &[strided(1, false)]);
        let data = bytes(&[1.0, 9.0, 2.0, 9.0, 3.0]);
        // Elements 4, 2, 0 of the buffer: 3, 2, 1.
        let x = ArrayArg {
            elem: Scalar::F64.into(),
            data: Buffer::Shared(&data),
            offset: 4,
            shape: vec![3],
            strides: vec![-2],
        };
        assert_eq!(
            run(&p, &mut [Arg::Array(x)]),
            Ok(Output::Scalar(Value::F64(321.0)))
        );
    }

    #[test]
    fn contiguous_parameters_ignore_the_strides_given() {
        let t = Type::Array(ArrayType::view(Scalar::F64, 1, Layout::Contig, false));
        let p = program(SUM, &[t]);
        let data = bytes(&[1.0, 2.0, 3.0]);
        let x = ArrayArg {
            elem: Scalar::F64.into(),
            data: Buffer::Shared(&data),
            offset: 0,
            shape: vec![3],
            strides: vec![7],
        };
        assert_eq!(
            run(&p, &mut [Arg::Array(x)]),
            Ok(Output::Scalar(Value::F64(123.0)))
        );
    }

    #[test]
    fn writes_land_in_the_buffer_and_stay_after_a_trap() {
        let source = "fn k(y, n: usize) { for i in 0..n { y[[i, 1]] = i as f64; } }";
        let p = program(source, &[strided(2, true), Type::Scalar(Scalar::Usize)]);
        // A 3x2 column-major view: element [i, j] at i + 3j.
        let mut data = bytes(&[0.0; 6]);
        let y = ArrayArg {
            elem: Scalar::F64.into(),
            data: Buffer::Unique(&mut data),
            offset: 0,
            shape: vec![3, 2],
            strides: vec![1, 3],
        };
        let r = run(&p, &mut [Arg::Array(y), Arg::Scalar(Value::Usize(5))]);
        let Err(Error::Trap(trap)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(
            trap.kind,
            TrapKind::OutOfBounds {
                array: "y".into(),
                axis: 0,
                index: 3,
                len: 3
            }
        );
        assert_eq!(trap.function, "k");
        assert_eq!(f64s(&data), vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn release_semantics() {
        let source = "fn k(a: i8, b: u32, x: f32) -> i64 {
            let w = a * 3i8 + (a << 9u64);
            let s = (x as u8) as i64 + ((x * 0.0f32) as i64);
            w as i64 + s + b.pow(33) as i64
        }";
        let p = program(
            source,
            &[Scalar::I8.into(), Scalar::U32.into(), Scalar::F32.into()],
        );
        let args = |a, b, x| {
            [
                Arg::Scalar(Value::I8(a)),
                Arg::Scalar(Value::U32(b)),
                Arg::Scalar(Value::F32(x)),
            ]
        };
        // 100 * 3 wraps to 44; 100 << (9 & 7) wraps to -56; 300.5 as u8 saturates to 255; NaN
        // (inf * 0) as i64 is 0; 2^33 wraps to 0 in u32.
        let expected = 44i8.wrapping_add(-56) as i64 + 255;
        assert_eq!(
            run(&p, &mut args(100, 2, 300.5)),
            Ok(Output::Scalar(Value::I64(expected)))
        );
        assert_eq!(
            run(&p, &mut args(0, 3, f32::INFINITY)),
            Ok(Output::Scalar(Value::I64(
                255 + 3u32.wrapping_pow(33) as i64
            )))
        );
    }

    #[test]
    fn traps_carry_their_values() {
        let source = "fn k(a: i32, b: i32, k: usize) -> i32 {
            let mut s = 0i32;
            for i in (0..3).step_by(k) { s += i; }
            s + a / b + a.clamp(b, 0i32)
        }";
        let p = program(
            source,
            &[Scalar::I32.into(), Scalar::I32.into(), Scalar::Usize.into()],
        );
        let kind = |a, b, k| match run(
            &p,
            &mut [
                Arg::Scalar(Value::I32(a)),
                Arg::Scalar(Value::I32(b)),
                Arg::Scalar(Value::Usize(k)),
            ],
        ) {
            Err(Error::Trap(t)) => Some(t.kind),
            _ => None,
        };
        assert_eq!(kind(1, 1, 0), Some(TrapKind::StepZero));
        assert_eq!(
            kind(5, 0, 1),
            Some(TrapKind::DivisionByZero {
                dividend: Value::I32(5)
            })
        );
        assert_eq!(
            kind(i32::MIN, -1, 1),
            Some(TrapKind::DivisionOverflow {
                dividend: Value::I32(i32::MIN),
                divisor: Value::I32(-1)
            })
        );
        assert_eq!(
            kind(-5, 1, 1),
            Some(TrapKind::ClampBounds {
                min: Value::I32(1),
                max: Value::I32(0)
            })
        );
        assert_eq!(kind(-5, -1, 1), None);
    }

    #[test]
    fn arguments_are_checked() {
        let p = program(SUM, &[strided(1, false)]);
        let data = bytes(&[1.0, 2.0]);
        let x = ArrayArg {
            elem: Scalar::F64.into(),
            data: Buffer::Shared(&data),
            offset: 1,
            shape: vec![3],
            strides: vec![1],
        };
        assert!(matches!(
            run(&p, &mut [Arg::Array(x)]),
            Err(Error::Argument(_))
        ));
        assert!(matches!(
            run(&p, &mut [Arg::Scalar(Value::F64(1.0))]),
            Err(Error::Argument(_))
        ));
        assert!(matches!(run(&p, &mut []), Err(Error::Argument(_))));
    }
}
