//! The verifier: invariants every typed program satisfies before and after each pass.
//!
//! In: a [`TypedProgram`]. Out: `Ok`, or every broken invariant, each with the instance and the
//! entity (expression or local) it concerns. It never panics: ids are looked up, not indexed, and
//! an id with no entity behind it (dangling) is itself an error. Invariants:
//! - ids name entities of their own arena (expressions, locals, instances);
//! - every local has a type; parameters have the instance's parameter types; shared arrays are
//!   arrays of their declared type, in `#[rumba(cuda)]` functions only;
//! - every expression the statements reach has a type (that no untyped node remains is not
//!   checked here: a typed [`Function`] cannot hold one);
//! - every expression is used exactly once (the arena holds trees, not DAGs; inference types
//!   every expression, and one a pass leaves unreached must lose its type);
//! - operands have the types their operator needs, and results the types recorded;
//! - intrinsics have std's arity and argument and result types for their receiver;
//! - shape queries ask what the array's number of dimensions allows (`shape()[d]` with `d <
//!   ndim`, `nrows()` of a 2-D array, `dim()` destructured into `ndim` names);
//! - loads and stores name arrays, with one `usize` index per dimension; stores only writable ones;
//!   an element update's value has the element type, or for `+`/`-` of a complex element its part
//!   type (no other operator updates a complex element);
//! - `break` / `continue` appear only inside loops; returns match the instance's return type;
//! - calls name existing instances with matching argument types;
//! - a new array (`Alloc`) is an owned C-order array of the element type and as many `usize`
//!   extents as axes (or the extents of an array of as many axes); a copy's source has its
//!   element type; a view (`Borrow`) has its array's element type, axes and layout, and is
//!   writable only if the array is; a broadcast view is a read-only strided view of as many axes
//!   as the longer of its two arrays (onto one at least as long); tuples have their elements'
//!   types (an `Option<T>` is the tuple `(bool, T)`), fields and unpacks match them; an unwrap
//!   reads an `Option<T>` and is a `T`;
//! - GPU builtins appear only in `#[rumba(cuda)]` functions: atomics update writable arrays with
//!   operands of the element type and return it; thread and block queries are `usize`,
//!   `sync_threads()` is `()`.

use super::*;
use std::fmt;

/// What a [`VerifyError`] is about, within its instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The instance as a whole (a statement, its signature).
    Function,
    Expr(ExprId),
    Local(LocalId),
}

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    pub inst: InstId,
    /// The instance's function name.
    pub function: String,
    pub location: Location,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in `{}` ({})", self.function, self.inst)?;
        match self.location {
            Location::Function => {}
            Location::Expr(e) => write!(f, ", {e}")?,
            Location::Local(l) => write!(f, ", {l}")?,
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for VerifyError {}

/// Every broken invariant of a program, in the order found (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyErrors(pub Vec<VerifyError>);

impl fmt::Display for VerifyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IR verifier: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyErrors {}

pub fn verify(p: &TypedProgram) -> Result<(), VerifyErrors> {
    let mut errors = Vec::new();
    for (id, inst) in p.instances.iter() {
        Verifier {
            p,
            id,
            inst,
            uses: SecondaryMap::new(),
            loops: 0,
            errors: &mut errors,
        }
        .function();
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(VerifyErrors(errors))
    }
}

struct Verifier<'a> {
    p: &'a TypedProgram,
    id: InstId,
    inst: &'a Instance,
    uses: SecondaryMap<ExprId, u32>,
    loops: u32,
    errors: &'a mut Vec<VerifyError>,
}

const USIZE: Type = Type::Scalar(Scalar::Usize);
const BOOL: Type = Type::Scalar(Scalar::Bool);

impl Verifier<'_> {
    fn error(&mut self, location: Location, message: String) {
        self.errors.push(VerifyError {
            inst: self.id,
            function: self.inst.func.name.clone(),
            location,
            message,
        });
    }

    /// Records `message` unless `cond` holds.
    fn check(&mut self, cond: bool, at: Location, message: impl FnOnce() -> String) {
        if !cond {
            self.error(at, message());
        }
    }

    fn function(&mut self) {
        let (inst, f) = (self.inst, &self.inst.func);
        for l in f.locals.keys() {
            let typed = inst.local_types.get(l).is_some();
            self.check(typed, Location::Local(l), || "local without a type".into());
        }
        for (l, _) in inst.local_types.iter() {
            let exists = f.locals.get(l).is_some();
            self.check(exists, Location::Local(l), || {
                "type of a missing local".into()
            });
        }
        for (e, _) in inst.expr_types.iter() {
            let exists = f.exprs.get(e).is_some();
            self.check(exists, Location::Expr(e), || {
                "type of a missing expression".into()
            });
        }
        self.check(
            f.params.len() == inst.params.len(),
            Location::Function,
            || format!("{} parameters, {} types", f.params.len(), inst.params.len()),
        );
        for (&l, &t) in f.params.iter().zip(&inst.params) {
            if let Some(lt) = self.local_ty(l) {
                self.check(lt == t, Location::Local(l), || {
                    format!("parameter of type {lt}, the instance's is {t}")
                });
            }
        }
        for a in &f.shared {
            let at = Location::Local(a.local);
            self.check(f.attrs.cuda, at, || {
                "shared array outside a `#[rumba(cuda)]` function".into()
            });
            if let Some(t) = self.local_ty(a.local) {
                self.check(t == Type::Array(a.ty()), at, || {
                    format!("shared array typed {t}")
                });
            }
        }
        self.block(&f.body);
        for (e, expr) in f.exprs.iter() {
            // What a pass dropped has no type; everything else is reached once.
            let unreached = self.uses.get(e).is_none() && inst.expr_types.get(e).is_some();
            self.check(!unreached, Location::Expr(e), || {
                format!("typed but never used ({:?})", expr.kind)
            });
        }
    }

    /// The type of local `l`, reporting a dangling id (a missing type is reported once, above).
    fn local_ty(&mut self, l: LocalId) -> Option<Type> {
        if self.inst.func.locals.get(l).is_none() {
            self.error(Location::Local(l), "no such local".into());
            return None;
        }
        self.inst.local_types.get(l).copied()
    }

    fn array(&mut self, l: LocalId) -> Option<ArrayType> {
        let t = self.local_ty(l)?;
        let a = t.array();
        self.check(a.is_some(), Location::Local(l), || {
            format!("used as an array, typed {t}")
        });
        a
    }

    fn indices(&mut self, a: ArrayType, index: &[ExprId], at: Location) {
        self.check(index.len() == a.ndim as usize, at, || {
            format!("{} indices for a {}-D array", index.len(), a.ndim)
        });
        for &i in index {
            if let Some(t) = self.expr(i) {
                self.check(t == USIZE, Location::Expr(i), || format!("index typed {t}"));
            }
        }
    }

    fn block(&mut self, b: &Block) {
        b.stmts.iter().for_each(|s| self.stmt(s));
    }

    fn stmt(&mut self, s: &Stmt) {
        let here = Location::Function;
        match s {
            Stmt::Assign { local, value, .. } => {
                let (tv, tl) = (self.expr(*value), self.local_ty(*local));
                if let (Some(tv), Some(tl)) = (tv, tl) {
                    self.check(tl == tv, Location::Local(*local), || {
                        format!("assignment of {tv} ({value}) to a local of type {tl}")
                    });
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                ..
            } => {
                let tv = self.expr(*value);
                let Some(a) = self.array(*array) else {
                    return;
                };
                let at = Location::Local(*array);
                self.check(a.writable, at, || "store to a read-only array".into());
                if let Some(tv) = tv {
                    self.check(tv == a.elem_type(), Location::Expr(*value), || {
                        format!("store of {tv} into {a}")
                    });
                }
                self.indices(a, index, at);
            }
            Stmt::Eval(e) => {
                self.expr(*e);
            }
            Stmt::Unpack { locals, value, .. } => {
                let Some(t) = self.expr(*value) else { return };
                let Type::Tuple(t) = t else {
                    return self.error(Location::Expr(*value), format!("unpack of {t}"));
                };
                self.check(t.elems().len() == locals.len(), here, || {
                    format!(
                        "unpack of {} elements into {} places",
                        t.elems().len(),
                        locals.len()
                    )
                });
                for (l, &te) in locals.iter().zip(t.elems()) {
                    let Some(l) = l else { continue };
                    if let Some(tl) = self.local_ty(*l) {
                        self.check(tl == te, Location::Local(*l), || {
                            format!("unpack of {te} into a local of type {tl}")
                        });
                    }
                }
            }
            Stmt::Update {
                array,
                index,
                op,
                value,
                ..
            } => {
                let Some(a) = self.array(*array) else {
                    return;
                };
                let at = Location::Local(*array);
                self.check(a.writable, at, || "update of a read-only array".into());
                self.indices(a, index, at);
                // A complex element adds (subtracts) a complex value, or a real one to its real
                // part.
                let sum = matches!(op, UpdateOp::Add | UpdateOp::Sub);
                if let Some(tv) = self.expr(*value) {
                    let ok = a.scalar().is_some_and(|s| {
                        tv == Type::Scalar(s)
                            || (s.is_complex() && sum && tv == Type::Scalar(s.part()))
                    });
                    self.check(ok, Location::Expr(*value), || {
                        format!("update of {a} by {tv}")
                    });
                }
                let bitwise = matches!(op, UpdateOp::And | UpdateOp::Or | UpdateOp::Xor);
                self.check(
                    a.elem != Scalar::Bool
                        && (!bitwise || !a.elem.is_float())
                        && (sum || !a.elem.is_complex()),
                    at,
                    || format!("`{}` update of {a}", op.symbol()),
                );
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                if let Some(t) = self.expr(*cond) {
                    self.check(t == BOOL, Location::Expr(*cond), || {
                        format!("`if` condition typed {t}")
                    });
                }
                self.block(then_body);
                self.block(else_body);
            }
            Stmt::Loop { body } => {
                self.loops += 1;
                self.block(body);
                self.loops -= 1;
            }
            Stmt::For {
                var, range, body, ..
            } => {
                let bounds = [range.start, range.end].map(|e| (e, self.expr(e)));
                if let Some(t) = self.local_ty(*var) {
                    self.check(
                        t.scalar().is_some_and(Scalar::is_int),
                        Location::Local(*var),
                        || format!("loop variable typed {t}"),
                    );
                    for (e, te) in bounds {
                        if let Some(te) = te {
                            self.check(te == t, Location::Expr(e), || {
                                format!("range bound typed {te}, the loop variable {t}")
                            });
                        }
                    }
                }
                if let Some(step) = range.step {
                    if let Some(t) = self.expr(step) {
                        self.check(t == USIZE, Location::Expr(step), || {
                            format!("step typed {t}")
                        });
                    }
                }
                for &l in &range.scalar_chains {
                    if let Some(t) = self.local_ty(l) {
                        self.check(
                            t.scalar().is_some_and(Scalar::is_int),
                            Location::Local(l),
                            || format!("scalar chain typed {t}"),
                        );
                    }
                }
                self.loops += 1;
                self.block(body);
                self.loops -= 1;
            }
            Stmt::Break | Stmt::Continue => self.check(self.loops > 0, here, || {
                "break/continue outside a loop".into()
            }),
            Stmt::Return { value, .. } => {
                let t = match value {
                    Some(v) => self.expr(*v),
                    None => Some(Type::Unit),
                };
                if let Some(t) = t {
                    let ret = self.inst.ret;
                    self.check(t == ret, value.map_or(here, Location::Expr), || {
                        format!("return of {t} from a function returning {ret}")
                    });
                }
            }
        }
    }

    /// Checks expression `e` and its operands; its type, if it has one.
    fn expr(&mut self, e: ExprId) -> Option<Type> {
        let at = Location::Expr(e);
        let Some(expr) = self.inst.func.exprs.get(e) else {
            self.error(at, "no such expression".into());
            return None;
        };
        let uses = self.uses.get(e).copied().unwrap_or(0) + 1;
        self.uses.insert(e, uses);
        if uses > 1 {
            // Checked at its first use; a cycle ends here too.
            self.error(at, "used more than once".into());
            return None;
        }
        let ty = self.inst.expr_types.get(e).copied();
        self.check(ty.is_some(), at, || "reached but without a type".into());
        self.kind(e, &expr.kind, ty);
        ty
    }

    /// Checks the operands of `e`, and its type `ty` when it has one.
    fn kind(&mut self, e: ExprId, kind: &ExprKind, ty: Option<Type>) {
        let at = Location::Expr(e);
        let expect = |v: &mut Self, want: Type, what: &str| {
            if let Some(ty) = ty {
                v.check(ty == want, at, || format!("{what} typed {ty}, not {want}"));
            }
        };
        match kind {
            ExprKind::Lit(n)
            | ExprKind::Method { name: n, .. }
            | ExprKind::Call { func: n, .. }
            | ExprKind::Each(n) => match *n {},
            ExprKind::Reduce(n) => match *n {},
            ExprKind::Map(n) => match *n {},
            ExprKind::Struct(n) => match *n {},
            ExprKind::Option(n) => match *n {},
            ExprKind::Const(c) => expect(self, Type::Scalar(c.ty), "constant"),
            ExprKind::Local(l) => {
                if let Some(t) = self.local_ty(*l) {
                    expect(self, t, "read of a local");
                }
            }
            ExprKind::Unary(op, x) => {
                if let Some(s) = self.scalar(*x) {
                    let fits = match op {
                        UnOp::Neg => s.is_signed() || s.is_float(),
                        UnOp::Not => s.is_int() || s == Scalar::Bool,
                    };
                    self.check(fits, at, || format!("{op:?} of {s}"));
                    expect(self, Type::Scalar(s), "unary operation");
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (ta, tb) = (self.scalar(*a), self.scalar(*b));
                let (Some(ta), Some(tb)) = (ta, tb) else {
                    return;
                };
                if op.is_shift() {
                    self.check(ta.is_int() && tb.is_int(), at, || {
                        format!("shift of {ta} by {tb}")
                    });
                    return expect(self, Type::Scalar(ta), "shift");
                }
                self.check(ta == tb, at, || {
                    format!("`{}` of {ta} and {tb}", op.symbol())
                });
                let fits = match op {
                    op if op.is_arith() => ta.is_numeric(),
                    op if op.is_bitwise() => ta.is_int() || ta == Scalar::Bool,
                    _ => true,
                };
                self.check(fits, at, || format!("`{}` of {ta}", op.symbol()));
                let want = if op.is_comparison() { Scalar::Bool } else { ta };
                expect(self, Type::Scalar(want), "binary operation")
            }
            ExprKind::Logical(_, a, b) => {
                for x in [*a, *b] {
                    if let Some(t) = self.expr(x) {
                        self.check(t == BOOL, Location::Expr(x), || {
                            format!("`&&`/`||` operand typed {t}")
                        });
                    }
                }
                expect(self, BOOL, "`&&`/`||`")
            }
            ExprKind::Cast(x, t) => {
                self.scalar(*x);
                expect(self, Type::Scalar(*t), "cast")
            }
            ExprKind::Load { array, index, .. } => {
                if let Some(a) = self.array(*array) {
                    self.indices(a, index, at);
                    expect(self, a.elem_type(), "load");
                }
            }
            ExprKind::Shape { array, query } => {
                let Some(a) = self.array(*array) else {
                    return;
                };
                let n = a.ndim;
                let fits = match *query {
                    ShapeQuery::Dim(d) => d < n,
                    ShapeQuery::DimOf { d, of } => d < of && of == n,
                    ShapeQuery::Rows2d | ShapeQuery::Cols2d => n == 2,
                    ShapeQuery::MinStrideAxis => n >= 1,
                    ShapeQuery::Len
                    | ShapeQuery::Ndim
                    | ShapeQuery::IsEmpty
                    | ShapeQuery::Contiguous
                    | ShapeQuery::Standard => true,
                };
                self.check(fits, at, || format!("{query:?} of a {n}-D array"));
                let want = if query.is_test() { BOOL } else { USIZE };
                expect(self, want, "shape query")
            }
            ExprKind::Alloc { shape, init, .. } => {
                let Some(Type::Array(a)) = ty else {
                    return self.error(at, format!("new array typed {ty:?}"));
                };
                // Strided: a new array that takes an operand's strides (`LayoutOf`), or a C one
                // in a local that also holds such arrays.
                self.check(
                    a.is_held() && (a.layout == Layout::Contig || a.is_owned()) && a.writable,
                    at,
                    || format!("new array typed {a}"),
                );
                let fixed = match shape {
                    AllocShape::Fixed(n) => Some(*n),
                    _ => None,
                };
                self.check(fixed == a.stack_len(), at, || {
                    format!("a new {a} of shape {shape:?}")
                });
                let values = match init {
                    Init::Elem(v) => std::slice::from_ref(v),
                    Init::Each(vs) => {
                        self.check(fixed.is_none_or(|n| n as usize == vs.len()), at, || {
                            format!("{} values for a new {a}", vs.len())
                        });
                        vs.as_slice()
                    }
                    _ => &[],
                };
                for v in values {
                    if let Some(tv) = self.expr(*v) {
                        self.check(tv == a.elem_type(), Location::Expr(*v), || {
                            format!("element {tv} of a new {a}")
                        });
                    }
                }
                match shape {
                    AllocShape::Dims(d) => {
                        self.check(d.len() == a.ndim as usize, at, || {
                            format!("{} extents for a new {a}", d.len())
                        });
                        for &x in d {
                            if let Some(t) = self.expr(x) {
                                self.check(t == USIZE, Location::Expr(x), || {
                                    format!("extent typed {t}")
                                });
                            }
                        }
                    }
                    AllocShape::Like(src) | AllocShape::LayoutOf(src) => {
                        if let Some(b) = self.array(*src) {
                            self.check(b.ndim == a.ndim, at, || {
                                format!("a new {a} shaped like {b}")
                            });
                        }
                    }
                    AllocShape::Fixed(_) => {}
                }
                if let Init::Resize(v) = init {
                    self.expr(*v);
                    let moved = match self.inst.func.expr(*v).kind {
                        ExprKind::Local(l) => self.array(l),
                        _ => None,
                    };
                    self.check(
                        moved.is_some_and(|b| {
                            b.is_owned() && b.elem == a.elem && b.ndim == 1 && a.ndim == 1
                        }) && a.layout == Layout::Contig,
                        at,
                        || format!("a new {a} resized from {moved:?}"),
                    );
                }
                if let Init::Copy(src) = init {
                    if let Some(b) = self.array(*src) {
                        self.check(b.elem == a.elem && b.ndim == a.ndim, at, || {
                            format!("a new {a} copied from {b}")
                        });
                    }
                }
            }
            ExprKind::Borrow { array, mutable } => {
                if let Some(a) = self.array(*array) {
                    self.check(a.writable || !*mutable, at, || {
                        format!("mutable view of read-only {a}")
                    });
                    expect(self, Type::Array(a.borrowed(*mutable)), "view");
                }
            }
            ExprKind::Slice {
                array,
                axes,
                mutable,
            } => {
                for x in axes.iter().flat_map(SliceAxis::exprs) {
                    if let Some(t) = self.expr(x) {
                        self.check(t == USIZE, Location::Expr(x), || format!("bound typed {t}"));
                    }
                }
                if let Some(a) = self.array(*array) {
                    let taken = axes.iter().filter(|x| x.takes_axis()).count();
                    let given = axes.iter().filter(|x| x.gives_axis()).count() as u8;
                    self.check(taken == a.ndim as usize, at, || {
                        format!("{taken} slice elements for a {}-D array", a.ndim)
                    });
                    self.check(a.writable || !*mutable, at, || {
                        "mutable slice of a read-only array".into()
                    });
                    let want = ArrayType::view(a.elem, given, Layout::Strided, *mutable);
                    expect(self, Type::Array(want), "slice");
                }
            }
            ExprKind::Transpose(array) => {
                if let Some(a) = self.array(*array) {
                    let want = ArrayType::view(a.elem, a.ndim, Layout::Strided, false);
                    expect(self, Type::Array(want), "transpose");
                }
            }
            ExprKind::Relayout { array, visit } => {
                if let Some(a) = self.array(*array) {
                    expect(self, Type::Array(visit.view_of(a)), "relayout");
                }
            }
            ExprKind::Broadcast { array, with, onto } => {
                if let (Some(a), Some(w)) = (self.array(*array), self.array(*with)) {
                    self.check(!*onto || a.ndim <= w.ndim, at, || {
                        format!("broadcast of a {}-D array onto a {}-D one", a.ndim, w.ndim)
                    });
                    let want = ArrayType::view(a.elem, a.ndim.max(w.ndim), Layout::Strided, false);
                    expect(self, Type::Array(want), "broadcast");
                }
            }
            ExprKind::Tuple(xs) => {
                let types: Vec<Option<Type>> = xs.iter().map(|x| self.expr(*x)).collect();
                if let Some(types) = types.into_iter().collect::<Option<Vec<Type>>>() {
                    // A struct's literal, `Some(v)` and `None` are tuples typed as the struct or
                    // `Option<T>`.
                    let want = match ty {
                        Some(Type::Tuple(t))
                            if (t.def().is_some() || t.is_option()) && t.elems() == types =>
                        {
                            t
                        }
                        _ => Tuple::new(&types),
                    };
                    expect(self, Type::Tuple(want), "tuple");
                }
            }
            ExprKind::Field(x, k) => {
                let Some(t) = self.expr(*x) else { return };
                match t {
                    Type::Tuple(t) if (*k as usize) < t.elems().len() => {
                        expect(self, t.elems()[*k as usize], "field")
                    }
                    t => self.error(at, format!("field {k} of {t}")),
                }
            }
            ExprKind::Unwrap { option, .. } => match self.expr(*option) {
                Some(Type::Tuple(t)) if t.is_option() => expect(self, t.elems()[1], "unwrap"),
                Some(t) => self.error(at, format!("unwrap of {t}")),
                None => {}
            },
            ExprKind::MatMul { a, b, out } => {
                let arrays = [*a, *b, *out].map(|l| self.array(l));
                if let [Some(x), Some(y), Some(z)] = arrays {
                    let float = matches!(
                        x.scalar(),
                        Some(Scalar::F32 | Scalar::F64 | Scalar::C32 | Scalar::C64)
                    );
                    self.check(
                        float
                            && [x.ndim, y.ndim, z.ndim] == [2; 3]
                            && x.elem == y.elem
                            && y.elem == z.elem
                            && z.writable,
                        at,
                        || format!("matmul of {x}, {y} into {z}"),
                    );
                }
                expect(self, Type::Unit, "matmul")
            }
            ExprKind::SameShape { a, b } => {
                if let (Some(x), Some(y)) = (self.array(*a), self.array(*b)) {
                    self.check(x.ndim >= y.ndim, at, || {
                        format!("same_shape of {}-D and {}-D arrays", x.ndim, y.ndim)
                    });
                }
                expect(self, Type::Unit, "shape check")
            }
            ExprKind::Intrinsic { op, args } => {
                let types: Vec<Option<Scalar>> = args.iter().map(|a| self.scalar(*a)).collect();
                let Some(&receiver) = types.first() else {
                    return self.error(at, format!("`{}` without a receiver", op.name()));
                };
                let Some(s) = receiver else { return };
                let sig = Some(op.desc()).filter(|d| d.accepts(s));
                let Some(sig) = sig else {
                    return self.error(at, format!("`{}` of a {s}", op.name()));
                };
                let of = |r: Rel| r.of(s).unwrap_or(s);
                self.check(types.len() == 1 + sig.args.len(), at, || {
                    format!("`{}` with {} arguments", op.name(), types.len() - 1)
                });
                for ((&x, t), &want) in args.iter().zip(&types).skip(1).zip(sig.args) {
                    if let Some(t) = *t {
                        self.check(t == of(want), Location::Expr(x), || {
                            format!("argument of `{}` typed {t}, not {}", op.name(), of(want))
                        });
                    }
                }
                expect(self, Type::Scalar(of(sig.ret)), "intrinsic")
            }
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => self.gpu(e, *op, *array, index, args, ty),
            ExprKind::CallInst { inst: callee, args } => {
                let types: Vec<Option<Type>> = args.iter().map(|a| self.expr(*a)).collect();
                let Some(target) = self.p.instances.get(*callee) else {
                    return self.error(at, format!("call of {callee}, which does not exist"));
                };
                let compatible = types.len() == target.params.len()
                    && types.iter().zip(&target.params).all(|(a, p)| match (a, p) {
                        (None, _) => true,
                        (Some(Type::Array(a)), Type::Array(p)) => {
                            a.elem == p.elem
                                && a.ndim == p.ndim
                                && a.layout == p.layout
                                && (a.writable || !p.writable)
                        }
                        (Some(a), p) => a == p,
                    });
                self.check(compatible, at, || {
                    format!(
                        "call with arguments {types:?} of {callee} taking {:?}",
                        target.params
                    )
                });
                expect(self, target.ret, "call")
            }
        }
    }

    /// Checks a scalar operand; its type.
    fn scalar(&mut self, x: ExprId) -> Option<Scalar> {
        let t = self.expr(x)?;
        let s = t.scalar();
        self.check(s.is_some(), Location::Expr(x), || {
            format!("operand typed {t}, not a scalar")
        });
        s
    }

    fn gpu(
        &mut self,
        e: ExprId,
        op: GpuOp,
        array: Option<LocalId>,
        index: &[ExprId],
        args: &[ExprId],
        ty: Option<Type>,
    ) {
        let at = Location::Expr(e);
        let name = op.name();
        self.check(self.inst.func.attrs.cuda, at, || {
            format!("`{name}` outside a `#[rumba(cuda)]` function")
        });
        self.check(args.len() == op.value_args(), at, || {
            format!("`{name}` with {} arguments", args.len())
        });
        let want = match (op, array) {
            (GpuOp::Atomic(_), Some(array)) => {
                let types: Vec<Option<Type>> = args.iter().map(|x| self.expr(*x)).collect();
                let Some(a) = self.array(array) else { return };
                self.check(a.writable, Location::Local(array), || {
                    format!("`{name}` on a read-only array")
                });
                self.indices(a, index, at);
                for (&x, t) in args.iter().zip(types) {
                    if let Some(t) = t {
                        self.check(t == a.elem_type(), Location::Expr(x), || {
                            format!("operand of `{name}` typed {t}, the array's {}", a.elem)
                        });
                    }
                }
                a.elem_type()
            }
            (GpuOp::Atomic(_), None) => {
                return self.error(at, format!("`{name}` without an array"))
            }
            (_, Some(_)) => return self.error(at, format!("`{name}` names an array")),
            (GpuOp::SyncThreads, None) => Type::Unit,
            (_, None) => USIZE,
        };
        if let Some(ty) = ty {
            self.check(ty == want, at, || {
                format!("`{name}` typed {ty}, not {want}")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F64: Type = Type::Scalar(Scalar::F64);

    fn array(elem: Scalar, ndim: u8) -> Type {
        Type::Array(ArrayType::view(elem, ndim, Layout::Contig, true))
    }

    /// The typed program of kernel `k` in `source` (which verifies).
    fn typed(source: &str, args: &[Type]) -> TypedProgram {
        let p = crate::front::lower_source(source).expect("lowers");
        let t = crate::types::specialize(&p, p.find("k").expect("has `k`"), args).expect("types");
        assert_eq!(verify(&t), Ok(()));
        t
    }

    fn entry(p: &mut TypedProgram) -> &mut Instance {
        p.instances.values_mut().next().expect("an instance")
    }

    /// The first expression of the entry instance that `pick` matches.
    fn find(p: &TypedProgram, pick: impl Fn(&ExprKind) -> bool) -> ExprId {
        let f = &p.entry().func;
        f.exprs
            .keys()
            .find(|e| pick(&f.expr(*e).kind))
            .expect("found")
    }

    /// The broken invariants, as printed; none may be reported twice.
    fn errors(p: &TypedProgram) -> Vec<String> {
        let errors = verify(p).expect_err("broken");
        let text: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
        let _: &dyn std::error::Error = &errors;
        text
    }

    fn has(errors: &[String], what: &str) -> bool {
        errors.iter().any(|e| e.contains(what))
    }

    const SQRT: &str = "fn k(x: f64) -> f64 { x.sqrt() + x.powi(2) }";

    #[test]
    fn dangling_ids_are_errors_not_panics() {
        let mut p = typed(SQRT, &[F64]);
        let inst = entry(&mut p);
        let Some(Stmt::Return { value, .. }) = inst.func.body.stmts.last_mut() else {
            panic!("ends with a return")
        };
        *value = Some(ExprId(999));
        inst.func.body.stmts.push(Stmt::Assign {
            local: LocalId(77),
            value: ExprId(998),
            span: Span::default(),
        });
        let e = errors(&p);
        assert!(has(&e, "e999: no such expression"), "{e:?}");
        assert!(has(&e, "e998: no such expression"), "{e:?}");
        assert!(has(&e, "v77: no such local"), "{e:?}");
        // The tree the return held is left unreached: reported, not ignored.
        assert!(has(&e, "typed but never used"), "{e:?}");
    }

    #[test]
    fn an_expression_used_twice_or_in_a_cycle() {
        let mut p = typed(SQRT, &[F64]);
        let x = find(&p, |k| matches!(k, ExprKind::Local(_)));
        let inst = entry(&mut p);
        inst.func.body.stmts.insert(0, Stmt::Eval(x));
        let e = errors(&p);
        assert!(has(&e, &format!("{x}: used more than once")), "{e:?}");

        let mut p = typed(SQRT, &[F64]);
        let add = find(&p, |k| matches!(k, ExprKind::Binary(..)));
        let ExprKind::Binary(_, a, _) = p.entry().func.expr(add).kind else {
            unreachable!()
        };
        entry(&mut p).func.exprs[a].kind = ExprKind::Unary(UnOp::Neg, add);
        let e = errors(&p);
        assert!(has(&e, &format!("{add}: used more than once")), "{e:?}");
    }

    #[test]
    fn intrinsic_arity_and_types() {
        let mut p = typed(SQRT, &[F64]);
        let powi = find(&p, |k| {
            matches!(
                k,
                ExprKind::Intrinsic {
                    op: Intrinsic::Powi,
                    ..
                }
            )
        });
        let inst = entry(&mut p);
        let ExprKind::Intrinsic { args, .. } = &mut inst.func.exprs[powi].kind else {
            unreachable!()
        };
        let exponent = args.pop().expect("two arguments");
        let e = errors(&p);
        assert!(
            has(&e, &format!("{powi}: `powi` with 0 arguments")),
            "{e:?}"
        );
        assert!(
            has(&e, &format!("{exponent}: typed but never used")),
            "{e:?}"
        );

        let mut p = typed(SQRT, &[F64]);
        let sqrt = find(&p, |k| {
            matches!(
                k,
                ExprKind::Intrinsic {
                    op: Intrinsic::Sqrt,
                    ..
                }
            )
        });
        let powi = find(&p, |k| {
            matches!(
                k,
                ExprKind::Intrinsic {
                    op: Intrinsic::Powi,
                    ..
                }
            )
        });
        let ExprKind::Intrinsic { args, .. } = p.entry().func.expr(powi).kind.clone() else {
            unreachable!()
        };
        let inst = entry(&mut p);
        inst.expr_types.insert(sqrt, Type::Scalar(Scalar::Bool));
        inst.expr_types.insert(args[1], F64);
        let e = errors(&p);
        assert!(
            has(&e, &format!("{sqrt}: intrinsic typed bool, not f64")),
            "{e:?}"
        );
        assert!(has(&e, "argument of `powi` typed f64, not i32"), "{e:?}");
    }

    #[test]
    fn shape_queries_fit_the_number_of_dimensions() {
        let mut p = typed(
            "fn k(a) -> usize { a.shape()[0] }",
            &[array(Scalar::F64, 1)],
        );
        let shape = find(&p, |k| matches!(k, ExprKind::Shape { .. }));
        let inst = entry(&mut p);
        let ExprKind::Shape { query, .. } = &mut inst.func.exprs[shape].kind else {
            unreachable!()
        };
        *query = ShapeQuery::Rows2d;
        let e = errors(&p);
        assert!(has(&e, &format!("{shape}: Rows2d of a 1-D array")), "{e:?}");
    }

    #[test]
    fn gpu_builtins_only_in_cuda_functions() {
        let source = "#[rumba(cuda)] fn k(y) { y[thread_idx_x()] = 1.0; }";
        let mut p = typed(source, &[array(Scalar::F64, 1)]);
        entry(&mut p).func.attrs.cuda = false;
        let e = errors(&p);
        assert!(
            has(&e, "`thread_idx_x` outside a `#[rumba(cuda)]` function"),
            "{e:?}"
        );
    }

    #[test]
    fn every_error_is_collected() {
        let mut p = typed(
            "fn h(x: f64) -> f64 { x } fn k(x: f64) -> f64 { h(x) + 1.0 }",
            &[F64],
        );
        let call = find(&p, |k| matches!(k, ExprKind::CallInst { .. }));
        let inst = entry(&mut p);
        let ExprKind::CallInst { inst: callee, .. } = &mut inst.func.exprs[call].kind else {
            unreachable!()
        };
        *callee = InstId(9);
        inst.func.body.stmts.push(Stmt::Break);
        inst.local_types = SecondaryMap::new();
        let e = errors(&p);
        assert!(
            has(&e, &format!("{call}: call of inst9, which does not exist")),
            "{e:?}"
        );
        assert!(has(&e, "break/continue outside a loop"), "{e:?}");
        assert!(has(&e, "v0: local without a type"), "{e:?}");
        assert!(e.iter().all(|e| e.starts_with("in `k` (inst0)")), "{e:?}");
    }
}
