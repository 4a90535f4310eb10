//! The loop IR: structured, target-neutral, printable, verified.
//!
//! In: built by `front::lower` from the kernel's syntax (`Function<Untyped>`: literals as written,
//! methods by name, calls by function). Out: after `types::infer`, the same structures fully
//! resolved (`Function<Typed>`, the default: typed constants, intrinsics, calls to specialized
//! instances) with a type for every local and expression, which the passes rewrite and the back
//! ends emit. The stage is a type parameter ([`Phase`]): a node of the other stage cannot be built.
//!
//! Control flow is nested regions (`If`, `Loop`, `For` own their [`Block`]s), never a bare CFG;
//! values that live across iterations are locals, and LLVM's mem2reg builds SSA. Expressions live in
//! a per-function arena and are named by [`ExprId`]; locals by [`LocalId`].

pub mod complex;
pub mod each;
pub mod edit;
pub mod entity;
pub mod intrinsic;
pub mod link;
pub mod ops;
pub mod print;
pub mod structs;
pub mod ty;
pub mod verify;
pub mod walk;

pub use each::{ArrayReduce, Each, EachArray, EachIndex, Fold, Map, ReduceOp};
pub use intrinsic::{Intrinsic, IntrinsicDesc, Precision, Receiver, Rel};
pub use ops::{
    AtomicOp, Axis, BinOp, Const, GpuOp, Int, IntLit, Lit, LogicOp, Reduce, UnOp, UpdateOp,
};
pub use structs::StructOp;
pub use ty::{
    ArrayType, Elem, Layout, Scalar, Storage, StructDef, Tuple, Type, TypeAnn,
    MAX_STACK_ARRAY_BYTES,
};

pub use entity::{EntityRef, PrimaryMap, SecondaryMap};

/// The deepest chain of calls of recursive instances ([`walk::recursive`]) a kernel may make; a
/// call past it fails (like a stack overflow in Rust, but as an `Err`), so deep recursion cannot
/// overflow the native stack of the compiled code or of the interpreter.
pub const MAX_CALL_DEPTH: u32 = 10_000;

use crate::span::Span;
use entity::entity;
use std::fmt;

entity!(
    /// An expression of a [`Function`] (`e3` in the text form).
    ExprId,
    "e"
);
entity!(
    /// A local of a [`Function`] (`v2`).
    LocalId,
    "v"
);
entity!(
    /// A function of a [`Program`].
    FuncId,
    "fn"
);
entity!(
    /// An instance of a [`TypedProgram`] (`inst1`).
    InstId,
    "inst"
);

/// Options written on a kernel as `#[rumba(...)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KernelAttrs {
    /// `#[rumba(fastmath)]` (every flag) or `#[rumba(fastmath(reassoc, contract))]`: LLVM
    /// fast-math flags on float arithmetic.
    pub fastmath: FastMath,
    /// `#[rumba(unsafe(boundscheck = false))]` turns index checks off (undefined behaviour on an
    /// index out of bounds).
    pub boundscheck: bool,
    /// `#[rumba(cuda)]`: an explicit SIMT function for the GPU (thread indices, atomics,
    /// `sync_threads()`), launched with an explicit grid; it never runs on the CPU.
    pub cuda: bool,
    /// `#[rumba(unsafe(unchecked_parallel))]`: the user asserts that the iterations of its `prange`
    /// loops never touch the same array element where one writes it; the dependence check of
    /// `types::parallel` is skipped (the scalar rules and reductions still apply).
    pub unchecked_parallel: bool,
    /// `#[rumba(vectorize)]`: a scalar function that calls also apply element by element to
    /// arrays (see [`Vectorize`]).
    pub vectorize: Option<Vectorize>,
}

/// `#[rumba(vectorize)]` (Numba's `@vectorize`): a function of scalars that a call with array
/// arguments applies to each element of their co-broadcast (`types::vectorize` synthesizes that
/// specialization's body). The front end declares beside each such `f` a function `f::into`
/// (`f`'s parameters and a last one, `out`; an empty body) that writes into `out` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vectorize {
    /// `#[rumba(vectorize, parallel)]`: the outermost axis of the walk is a `prange`.
    pub parallel: bool,
    /// On `f::into`: `f`, the scalar function it applies.
    pub into: Option<FuncId>,
}

impl KernelAttrs {
    /// Whether the function opts out of a safety check (`#[rumba(unsafe(..))]`): the wrapper of a
    /// kernel reaching it is an `unsafe fn`, whose caller keeps the contract.
    pub fn unchecked(&self) -> bool {
        !self.boundscheck || self.unchecked_parallel
    }
}

/// A set of LLVM's fast-math flags, by LLVM's names ([`FastMath::NAMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FastMath(u8);

impl FastMath {
    /// LLVM's names, in the order of the bits: reassociation, no NaNs, no infinities, no signed
    /// zeros, reciprocals, contraction (FMA), approximate functions.
    pub const NAMES: [&'static str; 7] =
        ["reassoc", "nnan", "ninf", "nsz", "arcp", "contract", "afn"];
    pub const NONE: FastMath = FastMath(0);
    pub const ALL: FastMath = FastMath(0x7f);
    pub const REASSOC: FastMath = FastMath(1);
    pub const NNAN: FastMath = FastMath(1 << 1);
    pub const NINF: FastMath = FastMath(1 << 2);
    pub const NSZ: FastMath = FastMath(1 << 3);
    pub const ARCP: FastMath = FastMath(1 << 4);
    pub const CONTRACT: FastMath = FastMath(1 << 5);
    pub const AFN: FastMath = FastMath(1 << 6);

    /// The flag LLVM names `name`.
    pub fn named(name: &str) -> Option<FastMath> {
        let i = Self::NAMES.iter().position(|&n| n == name)?;
        Some(FastMath(1 << i))
    }

    pub fn contains(self, other: FastMath) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: FastMath) -> FastMath {
        FastMath(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of its flags, in [`FastMath::NAMES`] order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| n)
    }
}

/// As the printer writes it: `false`, `true` (every flag), or the flags: `(reassoc, contract)`.
impl fmt::Display for FastMath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FastMath::NONE => f.write_str("false"),
            FastMath::ALL => f.write_str("true"),
            set => write!(f, "({})", set.names().collect::<Vec<_>>().join(", ")),
        }
    }
}

impl Default for KernelAttrs {
    fn default() -> Self {
        KernelAttrs {
            fastmath: FastMath::NONE,
            boundscheck: true,
            cuda: false,
            unchecked_parallel: false,
            vectorize: None,
        }
    }
}

/// All functions of one `compile!` block.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub functions: PrimaryMap<FuncId, Function<Untyped>>,
    /// The functions of other `compile!` blocks its functions call, each declared here with an
    /// empty body: [`link::link`] replaces them before a program is typed.
    pub links: Vec<Link>,
    /// Whether its syntax names a complex type or constructor: the driver then adds the
    /// prelude's complex functions (`front::with_complex`) before typing it.
    pub names_complex: bool,
}

/// A function of another `compile!` block that a program calls (`physics::cnd(x)`, or `cnd(x)`
/// after `use crate::physics::cnd;`), by the path written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The declared function that stands for it: calls name this one.
    pub func: FuncId,
    /// The path as written (through a `use`: the path the `use` names), `::`-joined.
    pub path: String,
}

impl Program {
    pub fn func(&self, id: FuncId) -> &Function<Untyped> {
        &self.functions[id]
    }

    pub fn find(&self, name: &str) -> Option<FuncId> {
        self.functions
            .iter()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
    }

    /// The link that function `f` stands for, if it is one.
    pub fn link(&self, f: FuncId) -> Option<&Link> {
        self.links.iter().find(|l| l.func == f)
    }

    /// Whether function `k`, or a function it calls, opts out of a safety check
    /// ([`KernelAttrs::unchecked`]): a kernel whose calls are `unsafe`.
    pub fn unchecked(&self, k: FuncId) -> bool {
        walk::reachable(self, k)
            .into_iter()
            .any(|f| self.func(f).attrs.unchecked())
    }
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub ann: TypeAnn,
    pub mutable: bool,
    pub span: Span,
    /// A compiler temporary (the value of an `if` or a block, a spilled operand, a pass's bound),
    /// not a variable of the source: messages never name it.
    pub temp: bool,
}

/// The stage of the IR, the type parameter of [`Function`], [`Expr`] and [`ExprKind`]:
/// [`Untyped`] as the front end builds it, [`Typed`] as `types` resolves it (the default, what
/// the passes, the interpreter and the back ends see). A node of one stage holds [`Never`] in the
/// other, so it cannot be built there, and a match on it ends in `match *never {}`.
pub trait Phase: Clone + fmt::Debug {
    /// `T` in the untyped stage, [`Never`] in the typed one.
    type Untyped<T: Clone + fmt::Debug>: Clone + fmt::Debug;
    /// `T` in the typed stage, [`Never`] in the untyped one.
    type Typed<T: Clone + fmt::Debug>: Clone + fmt::Debug;

    /// The payload of an untyped node, for code over both stages (the printer).
    fn untyped<T: Clone + fmt::Debug>(x: &Self::Untyped<T>) -> &T;
    /// The payload of a typed node, for code over both stages.
    fn typed<T: Clone + fmt::Debug>(x: &Self::Typed<T>) -> &T;
}

/// The payload of a node its stage lacks: no value has this type.
pub type Never = std::convert::Infallible;

/// The IR as lowered from the syntax: literals as written, methods by name, calls by function.
#[derive(Clone, Copy, Debug)]
pub struct Untyped;

/// The IR after inference: typed constants, intrinsics, calls of instances.
#[derive(Clone, Copy, Debug)]
pub struct Typed;

impl Phase for Untyped {
    type Untyped<T: Clone + fmt::Debug> = T;
    type Typed<T: Clone + fmt::Debug> = Never;

    fn untyped<T: Clone + fmt::Debug>(x: &T) -> &T {
        x
    }

    fn typed<T: Clone + fmt::Debug>(x: &Never) -> &T {
        match *x {}
    }
}

impl Phase for Typed {
    type Untyped<T: Clone + fmt::Debug> = Never;
    type Typed<T: Clone + fmt::Debug> = T;

    fn untyped<T: Clone + fmt::Debug>(x: &Never) -> &T {
        match *x {}
    }

    fn typed<T: Clone + fmt::Debug>(x: &T) -> &T {
        x
    }
}

#[derive(Clone, Debug)]
pub struct Function<P: Phase = Typed> {
    pub name: String,
    pub span: Span,
    /// The span of the signature line, for argument errors.
    pub sig_span: Span,
    pub params: Vec<LocalId>,
    /// `-> T` when written.
    pub ret_ann: Option<TypeAnn>,
    /// The parameters whose written type names a struct of the block, as the value or the
    /// element (`p: Particle`, `ps: &[Particle]`): their annotation leaves the type to the
    /// argument, which [`crate::types::param_type`] checks against the struct.
    pub param_structs: Vec<(LocalId, &'static StructDef)>,
    pub attrs: KernelAttrs,
    pub locals: PrimaryMap<LocalId, LocalDecl>,
    pub exprs: PrimaryMap<ExprId, Expr<P>>,
    pub body: Block,
    /// The block-shared arrays a `#[rumba(cuda)]` function declares.
    pub shared: Vec<SharedArray>,
}

/// `let tile = shared_array::<f32>([16, 16]);` in a `#[rumba(cuda)]` function: an array in the
/// GPU's shared memory, one per block, C order, writable, its elements undefined until written.
/// `local` is an array local like a parameter, of the element type and `shape.len()` dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedArray {
    pub local: LocalId,
    pub elem: Scalar,
    pub shape: Vec<u64>,
    pub span: Span,
}

impl SharedArray {
    /// The most bytes of shared memory a block may declare statically.
    pub const MAX_BYTES: u64 = 48 * 1024;

    pub fn ty(&self) -> ArrayType {
        ArrayType::view(self.elem, self.shape.len() as u8, Layout::Contig, true)
    }

    pub fn bytes(&self) -> u64 {
        self.shape.iter().product::<u64>() * self.elem.size() as u64
    }
}

impl<P: Phase> Function<P> {
    /// A function with its name and spans and nothing else yet (the front end fills it in).
    /// Whether this is a function of the built-in prelude (`front::prelude`), named with its
    /// module (`complex64::mul`): a name no function of a kernel's source can have.
    pub fn is_prelude(&self) -> bool {
        self.name.contains("::")
    }

    pub fn declared(name: String, span: Span, sig_span: Span) -> Self {
        Function {
            name,
            span,
            sig_span,
            params: Vec::new(),
            ret_ann: None,
            param_structs: Vec::new(),
            attrs: KernelAttrs::default(),
            locals: PrimaryMap::new(),
            exprs: PrimaryMap::new(),
            body: Block::default(),
            shared: Vec::new(),
        }
    }

    pub fn expr(&self, id: ExprId) -> &Expr<P> {
        &self.exprs[id]
    }

    pub fn local(&self, id: LocalId) -> &LocalDecl {
        &self.locals[id]
    }

    pub fn add_expr(&mut self, kind: ExprKind<P>, span: Span) -> ExprId {
        self.exprs.push(Expr { kind, span })
    }

    pub fn add_local(&mut self, decl: LocalDecl) -> LocalId {
        self.locals.push(decl)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// How a `for` loop walks its range.
#[derive(Clone, Debug)]
pub struct ForRange {
    pub start: ExprId,
    pub end: ExprId,
    /// `a..=b`
    pub inclusive: bool,
    /// `(a..b).rev()`
    pub reverse: bool,
    /// `.step_by(k)`: a `usize`, zero is a run-time error.
    pub step: Option<ExprId>,
    /// `prange(..)`: iterations may run in parallel, in any order (`types::parallel` says what the
    /// body may do; the CPU back end runs the entry function's outermost ones on threads).
    pub parallel: bool,
    /// The scalars declared outside a `prange` loop that its body updates as reductions, and
    /// how their partial results combine: decided by `types::parallel` (empty before it runs,
    /// and for serial loops). The arrays it reduces are those its body updates with
    /// [`Stmt::Update`].
    pub reductions: Vec<(LocalId, Reduce)>,
    /// A loop that runs rarely or briefly, alone in the `else` branch of an `if`: the checked
    /// copy that `passes::versioning` keeps (it runs only when the bounds test before it fails),
    /// a short border loop of `passes::split`. The CPU back end marks the branch into it
    /// unlikely and has LLVM outline it into a function it compiles cheaply (`back::target`);
    /// versioning leaves it alone. Not printed.
    pub cold: bool,
    /// A loop whose body does several arithmetic operations per element it loads or stores (the
    /// inner loop of a register tile, `passes::tile`), so that the widest vectors pay: the CPU
    /// back end lets LLVM vectorize the module that holds it (its functions are inlined into one
    /// another) with the target's widest registers (LLVM caps its vectors at 256 bits on Intel's AVX-512 CPUs, where they cost
    /// time in the many loops that stream memory). Not printed.
    pub wide: bool,
    /// The first loop (a `prange`) of a parallel walk over two or more axes, as
    /// `types/infer/each.rs` expands it: a nest of counted loops `for a_k in 0..dim(x, k)`, one
    /// per axis of `x`, each the only statement of the one around it. Any of them may be the
    /// `prange` (every iteration writes its own elements); `passes::spread` picks one at run
    /// time on the CPU, and `passes::flatten` makes the nest one `prange` over all its elements
    /// on the GPU. Not printed.
    pub spread: bool,
    /// Integer scalars the body carries from one iteration to the next through a multiply, in
    /// several independent copies of one chain (`passes::unroll_jam`'s copies of
    /// `h = (h ^ x) * P`): the CPU back end keeps LLVM's SLP vectorizer from packing the copies
    /// into the lanes of one vector chain, whose multiply takes several times the scalar one's
    /// latency. Printed `scalar(..)`.
    pub scalar_chains: Vec<LocalId>,
}

impl ForRange {
    /// `start..end`, serial, step 1.
    pub fn upto(start: ExprId, end: ExprId) -> ForRange {
        ForRange {
            start,
            end,
            inclusive: false,
            reverse: false,
            step: None,
            parallel: false,
            reductions: Vec::new(),
            cold: false,
            wide: false,
            spread: false,
            scalar_chains: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `local = value` (also a `let` with an initializer).
    Assign {
        local: LocalId,
        value: ExprId,
        span: Span,
    },
    /// `array[index] = value`: `value` is evaluated first, then the index (Rust's order).
    Store {
        array: LocalId,
        index: Vec<ExprId>,
        value: ExprId,
        span: Span,
        /// Bounds-checked; `false` only where a pass proved the index in bounds.
        checked: bool,
    },
    /// `array[index] = array[index] op value`, one element read, combined and written back: the
    /// index is evaluated and checked first, then `value`. Made by `types::parallel` from the
    /// stores of an array that a `prange` body updates only this way (an array reduction: the
    /// CPU back end combines private copies or updates atomically, the GPU atomically). A
    /// complex element is updated part by part (only `+`, `-`); by a real `value`, only its real
    /// part (num-complex's `z + x`).
    Update {
        array: LocalId,
        index: Vec<ExprId>,
        op: UpdateOp,
        value: ExprId,
        span: Span,
        /// Bounds-checked; `false` only where a pass proved the index in bounds.
        checked: bool,
    },
    /// An expression evaluated for its effects (a call, a checked load); a value that owns
    /// memory (an owned array, a tuple holding one) is dropped.
    Eval(ExprId),
    /// `let (a, b, _) = value;`: moves the elements of a tuple value into locals (`None`: `_`,
    /// the element is dropped).
    Unpack {
        locals: Vec<Option<LocalId>>,
        value: ExprId,
        span: Span,
    },
    If {
        cond: ExprId,
        then_body: Block,
        else_body: Block,
    },
    /// `loop { .. }`; `while c { .. }` is `loop { if !c { break } .. }`.
    Loop {
        body: Block,
    },
    For {
        var: LocalId,
        range: ForRange,
        body: Block,
        span: Span,
    },
    Break,
    Continue,
    Return {
        value: Option<ExprId>,
        span: Span,
    },
}

#[derive(Clone, Debug)]
pub struct Expr<P: Phase = Typed> {
    pub kind: ExprKind<P>,
    pub span: Span,
}

/// The method `x.__rumba_as_type_of(y)`: `x as T` with `T` the scalar type `y` gets, which
/// `types` resolves; the front end writes it where the type is not yet known (`linspace`'s
/// `F::from(i)`). No kernel can name it.
pub const AS_TYPE_OF: &str = "__rumba_as_type_of";

/// The method `x.__rumba_require_ord()`: `x` itself, where its type is totally ordered (std's
/// `Ord`: integers, `bool`, `char`); `types` refuses floats as rustc does. The front end writes it
/// where std needs `Ord` (an iterator chain's `min()`/`max()`). No kernel can name it.
pub const REQUIRE_ORD: &str = "__rumba_require_ord";

/// What a shape query asks of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShapeQuery {
    /// `x.len()`: the number of elements.
    Len,
    /// `x.shape()[d]`, `x.nrows()` (d = 0), `x.ncols()` (d = 1).
    Dim(u8),
    /// Component `d` of `let (a, b, ..) = x.dim()` with `of` names: needs `ndim == of`.
    DimOf {
        d: u8,
        of: u8,
    },
    Ndim,
    IsEmpty,
    /// `x.nrows()` / `x.ncols()`: needs a 2-D array.
    Rows2d,
    Cols2d,
    /// ndarray's `is_contiguous()` (as `as_slice_memory_order` tests it): the elements fill one
    /// block of memory, in any axis order and direction. `bool`; also true for an empty array.
    Contiguous,
    /// ndarray's `is_standard_layout()` (`as_slice` tests it): C order, positive strides.
    /// `bool`.
    Standard,
    /// ndarray's `min_stride_axis()`: the axis of least stride magnitude, the last of those
    /// when several tie (axis 0 for a 1-D array). `usize`; needs one axis at least.
    MinStrideAxis,
}

#[derive(Clone, Debug)]
pub enum ExprKind<P: Phase = Typed> {
    /// A literal as written (untyped stage).
    Lit(P::Untyped<Lit>),
    /// A typed constant: a literal after inference, or a std constant (`f64::MAX`) in both stages.
    Const(Const),
    Local(LocalId),
    Unary(UnOp, ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// Short-circuit `&&` / `||`.
    Logical(LogicOp, ExprId, ExprId),
    Cast(ExprId, Scalar),
    /// `array[index]`, checked against the shape unless bounds checks are off.
    Load {
        array: LocalId,
        index: Vec<ExprId>,
        /// Bounds-checked; `false` only where a pass proved the index in bounds.
        checked: bool,
    },
    Shape {
        array: LocalId,
        query: ShapeQuery,
    },
    /// `receiver.name(args)` (untyped stage).
    Method {
        name: P::Untyped<String>,
        receiver: ExprId,
        args: Vec<ExprId>,
    },
    /// A resolved method; `args[0]` is the receiver (typed stage).
    Intrinsic {
        op: P::Typed<Intrinsic>,
        args: Vec<ExprId>,
    },
    /// A call of another function of the program (untyped stage).
    Call {
        func: P::Untyped<FuncId>,
        args: Vec<ExprId>,
    },
    /// A call of a specialized instance (typed stage).
    CallInst {
        inst: P::Typed<InstId>,
        args: Vec<ExprId>,
    },
    /// A new owned array (`Array1::zeros(n)`, `Array2::<f32>::from_elem((n, m), v)`,
    /// `x.to_owned()`, `vec![v; n]`): typed as a [`Storage::Heap`] array (C order but for
    /// [`AllocShape::LayoutOf`] a strided array); with an
    /// [`AllocShape::Fixed`] length (`[v; N]`, `[a, b, c]`) a [`Storage::Stack`] array. `elem` and `ndim`
    /// are what the source wrote (`Array2::<f32>`), for inference. Allocation failure and a
    /// shape whose size overflows `isize` are run-time errors (ndarray panics there).
    Alloc {
        elem: Option<Scalar>,
        ndim: Option<u8>,
        shape: AllocShape,
        init: Init,
    },
    /// `&t`, `&mut t`, `t.view()`, `t.view_mut()`: a view of the array `array`.
    Borrow {
        array: LocalId,
        mutable: bool,
    },
    /// `x.slice(s![1..n-1, ..;2])`, `x.slice_mut(..)`, `x.row(i)`, `x.column_mut(j)`: a view of
    /// part of `array`, one [`SliceAxis`] per axis of `array` (and one per `NewAxis`). Its
    /// type is a strided view; a bound out of range is a run-time error, as ndarray panics.
    Slice {
        array: LocalId,
        axes: Vec<SliceAxis>,
        mutable: bool,
    },
    /// `x.t()`: a read-only view with the axes reversed.
    Transpose(LocalId),
    /// A read-only view of `array`'s elements arranged so that its logical (row-major) order
    /// is the order in which one of ndarray's methods visits them (see [`Visit`]): made for the
    /// whole-array methods that follow ndarray's order (by the front end for `x.fold(..)`, by
    /// `types` when it expands `x.sum()`, `x.product()`, `x.dot(&y)`).
    Relayout {
        array: LocalId,
        visit: Visit,
    },
    /// A read-only view of `array` stretched by ndarray's broadcasting rules (axes aligned at
    /// the last; an axis of extent 1 repeated with stride 0; missing leading axes added with
    /// stride 0): to the shape of `with` when `onto` (as `y += &x` stretches `x` to `y`), else
    /// to the common shape of both (ndarray's `co_broadcast`, as `&a + &b` stretches both
    /// operands). It has as many axes as the longer of the two. Where the shapes do not
    /// broadcast the call fails naming both, as ndarray panics (`SiteKind::Broadcast`). Made by
    /// `types` for fused groups of arrays of several shapes, and by the front end for
    /// `Zip::..and_broadcast(&x)` (`onto` the first array).
    Broadcast {
        array: LocalId,
        with: LocalId,
        onto: bool,
    },
    /// `(a, b, ..)`: two or more elements.
    Tuple(Vec<ExprId>),
    /// `t.0`: an element of a tuple of scalars.
    Field(ExprId, u32),
    /// `Some(v)`, `None`, `o.is_some()`, a `Some`'s value (untyped stage: `types` rewrites each
    /// into the tuple `(bool, T)` an `Option<T>` is, see [`Tuple::option`]).
    Option(P::Untyped<OptionOp>),
    /// `o.unwrap()`, `o.expect("..")`: the value of the `Option` `option`, or, when it is
    /// `None`, a failed check whose message is `message` (what Rust's panic says).
    Unwrap {
        option: ExprId,
        message: String,
    },
    /// A GPU builtin (only in `#[rumba(cuda)]` functions). Atomics name their array and index
    /// (`array`, `index`) and take their values in `args`; the others have neither.
    Gpu {
        op: GpuOp,
        array: Option<LocalId>,
        index: Vec<ExprId>,
        args: Vec<ExprId>,
    },
    /// A check that arrays `a` and `b` have one shape on `b`'s axes, aligned at the last (`a`
    /// has as many axes as `b` or more), as ndarray's `Zip` and `dot` assert: `()`, or the call
    /// fails naming the first axis of `a` whose extent differs. Made by `types` for the walks
    /// that zip arrays and for `dot` (never by the front end).
    SameShape {
        a: LocalId,
        b: LocalId,
    },
    /// `out = a · b` of 2-D float arrays (`f32`, `f64`), `out` of shape `(rows of a, columns
    /// of b)` and `a`'s columns as many as `b`'s rows (checked before): ndarray's `dot`, which
    /// calls `matrixmultiply`'s `sgemm`/`dgemm` with alpha one and beta zero; the back ends
    /// call the same functions, so the bits are ndarray's. `()`. Made by `types` for `x.dot(&y)`.
    MatMul {
        a: LocalId,
        b: LocalId,
        out: LocalId,
    },
    /// A walk over whole arrays (`for v in x.iter()`, `x.fill(v)`, `Zip`), evaluated as a
    /// statement (untyped stage: `types` expands it into index loops; see [`each`]).
    Each(P::Untyped<Box<Each>>),
    /// `x.mapv(|v| ..)`: a new array, `f` of each element of the array `operand` (untyped stage:
    /// an operator of a fused group, see `types::infer::fuse`).
    Map(P::Untyped<Box<Map>>),
    /// ndarray's `x.sum()`, `x.product()`, `x.dot(&y)` into a local, evaluated as a statement
    /// (untyped stage: `types` expands it into loops in ndarray's order; see [`each`]).
    Reduce(P::Untyped<Box<ArrayReduce>>),
    /// A struct literal, field read or field write by name (untyped stage: `types` makes tuples
    /// of them; see [`structs`]).
    Struct(P::Untyped<Box<structs::StructOp>>),
}

/// What an [`ExprKind::Option`] makes or reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionOp {
    /// `Some(v)`.
    Some(ExprId),
    /// `None` (its value zero).
    None,
    /// `o.is_some()`: `bool`.
    IsSome(ExprId),
    /// The value of a `Some` (zero in a `None`: `o.unwrap_or_default()`).
    Value(ExprId),
}

impl OptionOp {
    /// The operand, if any.
    pub fn operand(self) -> Option<ExprId> {
        match self {
            OptionOp::Some(x) | OptionOp::IsSome(x) | OptionOp::Value(x) => Some(x),
            OptionOp::None => None,
        }
    }
}

impl ShapeQuery {
    /// Whether it is an extent (a length or an axis): a count of elements, so at most
    /// `isize::MAX`.
    pub fn is_extent(self) -> bool {
        matches!(
            self,
            ShapeQuery::Len
                | ShapeQuery::Dim(_)
                | ShapeQuery::DimOf { .. }
                | ShapeQuery::Rows2d
                | ShapeQuery::Cols2d
        )
    }

    /// Whether it answers a yes/no question (`bool`) rather than a count (`usize`).
    pub fn is_test(self) -> bool {
        matches!(
            self,
            ShapeQuery::IsEmpty | ShapeQuery::Contiguous | ShapeQuery::Standard
        )
    }
}

impl Visit {
    /// The type of the view of an array of type `a` in this order.
    pub fn view_of(self, a: ArrayType) -> ArrayType {
        match self {
            Visit::Memory => ArrayType::view(a.elem, 1, Layout::Contig, false),
            Visit::Fold => ArrayType::view(a.elem, a.ndim, Layout::Strided, false),
        }
    }
}

/// The order of [`ExprKind::Relayout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visit {
    /// `as_slice_memory_order()`: the elements from the lowest address up, as a 1-D view of
    /// stride 1 and `x.len()` elements. Meaningful only for an array that is contiguous
    /// ([`ShapeQuery::Contiguous`]): built only where that test holds.
    Memory,
    /// ndarray's `fold` order, as a view of as many axes: memory order when the array is
    /// contiguous (the axes sorted by decreasing stride magnitude, each walked up in memory);
    /// otherwise the axes as they are, the one of least stride magnitude swapped with the last
    /// (`move_min_stride_axis_to_last`).
    Fold,
}

/// One element of a slice (`s![..]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SliceAxis {
    /// `i`: the axis is removed, fixed at `i`.
    Index(Bound),
    /// `a..b;step`: `start` defaults to 0, `end` to the extent; `end < start` is empty; a
    /// negative step walks from the back (`end - 1` down to `start`), as ndarray does.
    Range {
        start: Option<Bound>,
        end: Option<Bound>,
        step: i64,
    },
    /// `NewAxis`: a new axis of extent 1.
    NewAxis,
}

/// A position on an axis: a `usize`, or counted from the end (`-1` is `len - 1`) when written as
/// a negative literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    pub value: ExprId,
    pub from_end: bool,
}

impl SliceAxis {
    /// The bound expressions, in order.
    pub fn exprs(&self) -> Vec<ExprId> {
        match self {
            SliceAxis::Index(b) => vec![b.value],
            SliceAxis::Range { start, end, .. } => {
                start.iter().chain(end).map(|b| b.value).collect()
            }
            SliceAxis::NewAxis => Vec::new(),
        }
    }

    /// Whether this element consumes an axis of the sliced array.
    pub fn takes_axis(&self) -> bool {
        !matches!(self, SliceAxis::NewAxis)
    }

    /// Whether the view keeps an axis for this element.
    pub fn gives_axis(&self) -> bool {
        !matches!(self, SliceAxis::Index(_))
    }
}

/// How [`ExprKind::Alloc`] gets its extents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocShape {
    /// One `usize` per axis: `zeros(n)`, `zeros((n, m))`, `vec![v; n]`.
    Dims(Vec<ExprId>),
    /// The extents of another array, C order: `zeros(x.raw_dim())`, `zeros(x.dim())`.
    Like(LocalId),
    /// The extents of another array, and its strides where it is contiguous (any order of the
    /// axes, reversed ones included), else C order: the array ndarray's `x.to_owned()` and
    /// `x.map(f)` make (so a reduction of it in memory order adds in the same order). Typed with
    /// `x`'s layout: a new array of a strided `x` has its strides known at run time.
    LayoutOf(LocalId),
    /// A fixed length known from the source: `[v; N]`, `[a, b, c]`, typed as a
    /// [`Storage::Stack`] array.
    Fixed(u32),
}

/// What a new array's elements start as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Init {
    /// `zeros`: zero bits (`0`, `+0.0`, `false`).
    Zeros,
    /// `ones`: `1` / `1.0`.
    Ones,
    /// `from_elem(shape, v)`, `vec![v; n]`: the value, evaluated once before the allocation.
    Elem(ExprId),
    /// `x.to_owned()`: the elements of `x`, in its logical order (shape `Like(x)`).
    Copy(LocalId),
    /// `[a, b, c]`, `vec![a, b, c]`, `array![[a, b], [c, d]]`: one value per element in C
    /// order, evaluated left to right (as many as the extents, constants, make).
    Each(Vec<ExprId>),
    /// A growable vector's buffer made `n` elements long (`AllocShape::Dims([n])`): the owned
    /// 1-D array this expression reads (moving it), its first elements kept up to `n`, the rest
    /// not initialized (a vector's code writes an element before its length covers it); its
    /// memory reallocated, not copied where the allocator can extend or shrink it in place.
    /// Only from `front::lower::growable`.
    Resize(ExprId),
    /// Not initialized: for an array whose every element the code after it writes before
    /// anything reads it (a fused group's result, `x.mapv(f)`, `&a + &b`), as ndarray's `map`
    /// fills memory it never zeroed. Never for `bool` elements, nor in source.
    Uninit,
}

/// One function specialized to concrete argument types: its resolved body and a type for every
/// local and for every expression its statements reach (keyed by [`LocalId`] and [`ExprId`]).
#[derive(Clone, Debug)]
pub struct Instance {
    /// The function it was made from.
    pub source: FuncId,
    pub func: Function,
    pub params: Vec<Type>,
    pub ret: Type,
    pub local_types: SecondaryMap<LocalId, Type>,
    pub expr_types: SecondaryMap<ExprId, Type>,
}

impl Instance {
    pub fn ty(&self, e: ExprId) -> Type {
        self.expr_types[e]
    }

    pub fn local_ty(&self, l: LocalId) -> Type {
        self.local_types[l]
    }
}

/// The typed IR of one specialization: the entry kernel is instance 0, the helpers it calls follow.
#[derive(Clone, Debug)]
pub struct TypedProgram {
    pub instances: PrimaryMap<InstId, Instance>,
}

impl TypedProgram {
    pub fn inst(&self, id: InstId) -> &Instance {
        &self.instances[id]
    }

    /// The entry kernel (the first instance; `types::specialize` never makes an empty program).
    pub fn entry(&self) -> &Instance {
        self.instances
            .values()
            .next()
            .expect("a typed program has an entry instance")
    }
}
