//! The array accesses of a `prange` body, with their indices as linear forms of the loop variable.
//!
//! In: the body of one `prange` loop of an instance, and the typed program (to follow calls).
//! Out: every load, store, element update and GPU atomic the body performs, directly or in the
//! functions it calls (whatever their depth), each naming the array of the loop's own function
//! it touches (a callee's array parameter is followed to the caller's argument) and its index,
//! one [`Val`] per axis: `c * i + Σ b_s * s + k` where `i` is the loop variable and each `s` a
//! value that no iteration changes (a local of the loop's function that the body never assigns, a
//! parameter, an array's shape), or unknown. Locals assigned in the body are followed through
//! their assignments on straight-line paths (`let j = i + 1;`); a value that differs between the
//! arms of an `if` or changes in an inner loop is unknown after it.

use crate::ir::complex;
use crate::ir::walk::{children, Uses};
use crate::ir::*;
use crate::span::Span;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A loop-invariant value an index may add (scaled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sym {
    /// A local of the loop's function that the body never assigns.
    Local(LocalId),
    /// A shape query of an array of the loop's function.
    Shape(LocalId, ShapeQuery),
}

/// `var * i + Σ terms + k`, computed in integer types at least `width` bits wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lin {
    pub var: i128,
    pub terms: BTreeMap<Sym, i128>,
    pub k: i128,
    /// The narrowest integer type the value passed through (arithmetic wraps there).
    pub width: u32,
}

impl Lin {
    fn constant(k: i128, width: u32) -> Lin {
        Lin {
            var: 0,
            terms: BTreeMap::new(),
            k,
            width,
        }
    }

    fn is_constant(&self) -> bool {
        self.var == 0 && self.terms.is_empty()
    }

    fn add(mut self, other: &Lin, sign: i128) -> Option<Lin> {
        self.var = self.var.checked_add(sign.checked_mul(other.var)?)?;
        self.k = self.k.checked_add(sign.checked_mul(other.k)?)?;
        for (s, c) in &other.terms {
            let e = self.terms.entry(*s).or_insert(0);
            *e = e.checked_add(sign.checked_mul(*c)?)?;
            if *e == 0 {
                self.terms.remove(s);
            }
        }
        self.width = self.width.min(other.width);
        Some(self)
    }

    fn scale(mut self, by: i128) -> Option<Lin> {
        self.var = self.var.checked_mul(by)?;
        self.k = self.k.checked_mul(by)?;
        for c in self.terms.values_mut() {
            *c = c.checked_mul(by)?;
        }
        self.terms.retain(|_, c| *c != 0);
        Some(self)
    }
}

/// An index (or any integer value) as far as the analysis follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Lin(Lin),
    /// `l / d + o` and `l % d + o` for a divisor `d` and an offset `o` that no iteration changes
    /// (`d` is not zero, or the division fails): together, as the two indices of a flattened
    /// loop (`out[[p / w, p % w]]`), they determine `l` (`l == (l / d) * d + l % d`).
    Div(Split),
    Rem(Split),
    /// `o * s` for a linear `o` and an invariant `s` that is not a constant (a block size).
    Scaled {
        o: Lin,
        s: Lin,
    },
    /// A value in `0..s` for an invariant `s`: the variable of an inner loop over `0..s`.
    Below(Lin),
    /// `o * s + t` with `t` in `0..s`: an element of block `o` of `s` elements (`y[b * bs + k]`
    /// for `k` in `0..bs`), so blocks of different `o` never meet.
    Tile {
        o: Lin,
        s: Lin,
    },
    Unknown,
}

impl Val {
    pub fn lin(&self) -> Option<&Lin> {
        match self {
            Val::Lin(l) => Some(l),
            _ => None,
        }
    }
}

/// `l / d + o` or `l % d + o` (see [`Val::Div`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub l: Lin,
    pub d: Lin,
    pub o: Lin,
}

/// What an access does to its element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
    /// `a[k] = a[k] op e` (or `a[k] op= e`) directly in the loop body, with the two indices
    /// written alike and `e` computed without `a[k]`: reads and writes one element; a candidate
    /// for an array reduction.
    Update(UpdateOp),
    /// A GPU atomic: conflicts with plain accesses, never with other atomics.
    Atomic,
}

impl Kind {
    pub fn writes(self) -> bool {
        !matches!(self, Kind::Read)
    }
}

/// One access of an array by the loop body.
#[derive(Clone, Debug)]
pub struct Access {
    /// The array, as a local of the loop's function.
    pub array: LocalId,
    pub index: Vec<Val>,
    pub kind: Kind,
    /// Where it is written (in the loop's function or in a function it calls).
    pub span: Span,
    /// The call in the loop body it happens through, if it is not in the body itself.
    pub via: Option<Span>,
}

/// How deep calls are followed (recursion stops earlier: [`Collector::stack`]).
const MAX_DEPTH: usize = 64;

/// Collects the accesses of the body of the `prange` loop over `var` in instance `inst`.
pub fn collect(program: &TypedProgram, inst: &Instance, var: LocalId, body: &Block) -> Vec<Access> {
    let assigned = crate::ir::walk::assigned_locals(body);
    let width = inst.local_ty(var).scalar().map_or(64, Scalar::bits);
    let mut env = HashMap::new();
    env.insert(
        var,
        Val::Lin(Lin {
            var: 1,
            terms: BTreeMap::new(),
            k: 0,
            width,
        }),
    );
    let mut c = Collector {
        program,
        ops: complex_operators(program),
        out: Vec::new(),
        stack: Vec::new(),
    };
    let mut frame = Frame {
        inst,
        top: Some(&assigned),
        arrays: HashMap::new(),
        private: private_arrays(&inst.func, Some(body)),
        once: assigned_once(&inst.func),
        views: HashMap::new(),
        env,
        via: None,
        depth: 0,
    };
    c.block(&mut frame, body);
    c.out
}

/// The array locals of `f` that hold a new array of their own each time through `region` (the
/// loop body; the whole function when `None`): every assignment of them is an allocation, made
/// inside the region. Iterations never share them, so their accesses cannot race.
fn private_arrays(f: &Function, region: Option<&Block>) -> HashSet<LocalId> {
    let all = Uses::of(f, &f.body);
    let inside = region.map(|b| Uses::of(f, b));
    all.writes
        .iter()
        .filter(|(l, writes)| {
            !f.params.contains(l)
                && inside
                    .as_ref()
                    .is_none_or(|u| u.writes.get(l).map(Vec::len) == Some(writes.len()))
                && writes.iter().all(|(v, _)| {
                    v.is_some_and(|v| matches!(f.expr(v).kind, ExprKind::Alloc { .. }))
                })
        })
        .map(|(l, _)| *l)
        .collect()
}

/// The locals of `f` assigned exactly once.
fn assigned_once(f: &Function) -> HashSet<LocalId> {
    Uses::of(f, &f.body)
        .writes
        .into_iter()
        .filter(|(_, w)| w.len() == 1)
        .map(|(l, _)| l)
        .collect()
}

struct Collector<'a> {
    program: &'a TypedProgram,
    /// [`complex_operators`] of the program.
    ops: HashMap<InstId, BinOp>,
    out: Vec<Access>,
    /// The callees being walked: a call of one of them again is recursion, whose deeper
    /// levels are taken as accessing their array arguments anywhere.
    stack: Vec<InstId>,
}

/// One function being walked: the loop's own, or a callee reached through calls in the body.
struct Frame<'a> {
    inst: &'a Instance,
    /// In the loop's own function: the locals its body assigns (the others are invariant).
    top: Option<&'a HashSet<LocalId>>,
    /// Its array parameters (in a callee) and the views it binds once (`let v = y.view_mut()`),
    /// as arrays of the loop's function.
    arrays: HashMap<LocalId, LocalId>,
    /// Arrays of its own that no other iteration sees ([`private_arrays`]).
    private: HashSet<LocalId>,
    /// Its locals assigned exactly once (views bound once are followed).
    once: HashSet<LocalId>,
    /// Slices it binds once (`let r = out.row_mut(i)`): the array they view and, per axis of
    /// that array, the index there as a function of the view's.
    views: HashMap<LocalId, (LocalId, Vec<ViewAxis>)>,
    env: HashMap<LocalId, Val>,
    via: Option<Span>,
    depth: usize,
}

impl Frame<'_> {
    fn root(&self, a: LocalId) -> LocalId {
        self.arrays.get(&a).copied().unwrap_or(a)
    }
}

/// An axis of the array a view views, as [`Frame::views`] records it.
#[derive(Clone, Debug)]
enum ViewAxis {
    /// Fixed by the slice (`row(i)`: `i`).
    Fixed(Val),
    /// `start + step * j`, `j` the index on axis `axis` of the view.
    Step { start: Val, step: i128, axis: usize },
}

impl<'a> Collector<'a> {
    fn push(&mut self, f: &Frame<'_>, array: LocalId, index: Vec<Val>, kind: Kind, span: Span) {
        if f.private.contains(&array) {
            return;
        }
        if let Some((source, axes)) = f.views.get(&array) {
            let index = axes
                .iter()
                .map(|a| match a {
                    ViewAxis::Fixed(v) => v.clone(),
                    ViewAxis::Step { start, step, axis } => {
                        let j = index.get(*axis).cloned().unwrap_or(Val::Unknown);
                        match (start, j) {
                            (Val::Lin(s), j) if s.is_constant() && s.k == 0 && *step == 1 => j,
                            (Val::Lin(s), Val::Lin(j)) => j
                                .scale(*step)
                                .and_then(|j| j.add(s, 1))
                                .map_or(Val::Unknown, Val::Lin),
                            _ => Val::Unknown,
                        }
                    }
                })
                .collect();
            let (source, view_via) = (*source, f.via);
            self.out.push(Access {
                array: f.root(source),
                index,
                kind,
                span,
                via: view_via,
            });
            return;
        }
        self.out.push(Access {
            array: f.root(array),
            index,
            kind,
            span,
            via: f.via,
        });
    }

    fn block(&mut self, f: &mut Frame<'a>, b: &Block) {
        for s in &b.stmts {
            self.stmt(f, s);
        }
    }

    fn stmt(&mut self, f: &mut Frame<'a>, s: &Stmt) {
        let func = &f.inst.func;
        match s {
            Stmt::Assign { local, value, .. } => {
                let v = self.expr(f, *value);
                f.env.insert(*local, v);
                if let Some(view) = self.view_of(f, *local, *value) {
                    f.views.insert(*local, view);
                }
                // A view of an array of one iteration's own is that iteration's too.
                if let ExprKind::Slice { array: a, .. }
                | ExprKind::Transpose(a)
                | ExprKind::Relayout { array: a, .. }
                | ExprKind::Broadcast { array: a, .. } = func.expr(*value).kind
                {
                    if f.private.contains(&a) && f.once.contains(local) {
                        f.private.insert(*local);
                    }
                }
                // A view bound once is the array it views, index for index.
                if let (Type::Array(_), Some(a)) =
                    (f.inst.local_ty(*local), array_arg(&func.expr(*value).kind))
                {
                    if f.once.contains(local) {
                        if f.private.contains(&a) {
                            f.private.insert(*local);
                        } else {
                            f.arrays.insert(*local, f.root(a));
                        }
                    }
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            } => {
                if let Some((op, _, e)) = f
                    .top
                    .and_then(|_| update_form(func, &self.ops, *array, index, *value))
                {
                    self.expr(f, e);
                    let index = self.indices(f, index);
                    self.push(f, *array, index, Kind::Update(op), *span);
                } else {
                    self.expr(f, *value);
                    let index = self.indices(f, index);
                    self.push(f, *array, index, Kind::Write, *span);
                }
            }
            Stmt::Update {
                array,
                index,
                op,
                value,
                span,
                ..
            } => {
                let index = self.indices(f, index);
                self.expr(f, *value);
                let kind = match f.top {
                    Some(_) => Kind::Update(*op),
                    None => Kind::Write,
                };
                self.push(f, *array, index, kind, *span);
            }
            Stmt::Eval(e) => {
                self.expr(f, *e);
            }
            Stmt::Unpack { locals, value, .. } => {
                self.expr(f, *value);
                for l in locals.iter().flatten() {
                    f.env.remove(l);
                }
            }
            Stmt::Return { value, .. } => {
                if let Some(e) = value {
                    self.expr(f, *e);
                }
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(f, *cond);
                let before = f.env.clone();
                self.block(f, then_body);
                let then_env = std::mem::replace(&mut f.env, before);
                self.block(f, else_body);
                // What both arms agree on survives the `if`.
                f.env.retain(|l, v| then_env.get(l) == Some(v));
            }
            Stmt::Loop { body } => self.looped(f, body, None, None),
            Stmt::For {
                var, range, body, ..
            } => {
                let start = self.expr(f, range.start);
                let end = self.expr(f, range.end);
                if let Some(step) = range.step {
                    self.expr(f, step);
                }
                // `for k in 0..s` (or `0..=s`, reversed or stepped) over an invariant `s`:
                // `k` stays below the bound.
                let below = match (start, end) {
                    (Val::Lin(z), Val::Lin(s)) if z.is_constant() && z.k == 0 && s.var == 0 => {
                        if range.inclusive {
                            s.add(&Lin::constant(1, 64), 1).map(Val::Below)
                        } else {
                            Some(Val::Below(s))
                        }
                    }
                    _ => None,
                };
                self.looped(f, body, Some(*var), below);
            }
            Stmt::Break | Stmt::Continue => {}
        }
    }

    /// An inner loop: what it assigns is unknown in it and after it; its variable is `var_val`
    /// (when known) inside it.
    fn looped(
        &mut self,
        f: &mut Frame<'a>,
        body: &Block,
        var: Option<LocalId>,
        var_val: Option<Val>,
    ) {
        let assigned = crate::ir::walk::assigned_locals(body);
        for l in assigned.iter().chain(var.iter()) {
            f.env.insert(*l, Val::Unknown);
        }
        if let (Some(v), Some(val)) = (var, var_val) {
            f.env.insert(v, val);
        }
        self.block(f, body);
        for l in assigned.iter().chain(var.iter()) {
            f.env.insert(*l, Val::Unknown);
        }
    }

    fn indices(&mut self, f: &mut Frame<'a>, index: &[ExprId]) -> Vec<Val> {
        index.iter().map(|&i| self.expr(f, i)).collect()
    }

    /// Records the accesses of expression `e` and returns its value.
    fn expr(&mut self, f: &mut Frame<'a>, e: ExprId) -> Val {
        let inst = f.inst;
        let func = &inst.func;
        let span = func.expr(e).span;
        let width = inst.ty(e).scalar().filter(|s| s.is_int()).map(Scalar::bits);
        match &func.expr(e).kind {
            ExprKind::Const(c) if c.ty.is_int() => {
                Val::Lin(Lin::constant(c.as_i128(), c.ty.bits()))
            }
            ExprKind::Local(l) => match (f.env.get(l), f.top, width) {
                (Some(v), ..) => v.clone(),
                (None, Some(assigned), Some(w)) if !assigned.contains(l) => {
                    let mut lin = Lin::constant(0, w);
                    lin.terms.insert(Sym::Local(*l), 1);
                    Val::Lin(lin)
                }
                _ => Val::Unknown,
            },
            ExprKind::Shape { array, query } => match width {
                Some(w) => {
                    let mut lin = Lin::constant(0, w);
                    lin.terms.insert(Sym::Shape(f.root(*array), *query), 1);
                    Val::Lin(lin)
                }
                None => Val::Unknown,
            },
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.expr(f, *a), self.expr(f, *b));
                let Some(w) = width else {
                    return Val::Unknown;
                };
                // An invariant offset added to (or subtracted from) a quotient or a remainder.
                let offset = |s: &Split, c: &Lin, sign: i128| {
                    (c.var == 0)
                        .then(|| c.clone().scale(sign))
                        .flatten()
                        .and_then(|c| {
                            Some(Split {
                                o: s.o.clone().add(&c, 1)?,
                                ..s.clone()
                            })
                        })
                };
                let split = match (op, &a, &b) {
                    (BinOp::Add, Val::Div(s) | Val::Rem(s), Val::Lin(c))
                    | (BinOp::Add, Val::Lin(c), Val::Div(s) | Val::Rem(s))
                    | (BinOp::Sub, Val::Div(s) | Val::Rem(s), Val::Lin(c)) => {
                        let sign = if *op == BinOp::Sub { -1 } else { 1 };
                        match offset(s, c, sign) {
                            Some(s) if matches!((&a, &b), (Val::Div(_), _) | (_, Val::Div(_))) => {
                                Some(Val::Div(s))
                            }
                            Some(s) => Some(Val::Rem(s)),
                            None => Some(Val::Unknown),
                        }
                    }
                    (BinOp::Div | BinOp::Rem, Val::Lin(l), Val::Lin(d)) if d.var == 0 => {
                        let mut l = l.clone();
                        l.width = l.width.min(w);
                        let s = Split {
                            l,
                            d: d.clone(),
                            o: Lin::constant(0, 64),
                        };
                        Some(if *op == BinOp::Div {
                            Val::Div(s)
                        } else {
                            Val::Rem(s)
                        })
                    }
                    _ => None,
                };
                if let Some(v) = split {
                    return v;
                }
                if let Some(v) = tile(*op, &a, &b) {
                    return v;
                }
                let (Val::Lin(a), Val::Lin(b)) = (a, b) else {
                    return Val::Unknown;
                };
                let r = match op {
                    BinOp::Add => a.add(&b, 1),
                    BinOp::Sub => a.add(&b, -1),
                    BinOp::Mul if b.is_constant() => a.scale(b.k),
                    BinOp::Mul if a.is_constant() => b.scale(a.k),
                    _ => None,
                };
                match r {
                    Some(mut l) => {
                        l.width = l.width.min(w);
                        Val::Lin(l)
                    }
                    None => Val::Unknown,
                }
            }
            ExprKind::Cast(x, to) => {
                let from = inst.ty(*x).scalar();
                let v = self.expr(f, *x);
                match (v, from) {
                    // A widening (or same-width) integer cast keeps every value distinct.
                    (Val::Lin(l), Some(s))
                        if s.is_int() && to.is_int() && to.bits() >= s.bits() =>
                    {
                        Val::Lin(l)
                    }
                    _ => Val::Unknown,
                }
            }
            ExprKind::Load { array, index, .. } => {
                let index = self.indices(f, index);
                self.push(f, *array, index, Kind::Read, span);
                Val::Unknown
            }
            ExprKind::Gpu {
                array: Some(a),
                index,
                args,
                ..
            } => {
                let index = self.indices(f, index);
                for &x in args {
                    self.expr(f, x);
                }
                self.push(f, *a, index, Kind::Atomic, span);
                Val::Unknown
            }
            ExprKind::CallInst { inst: callee, args } => {
                let vals: Vec<Val> = args.iter().map(|&a| self.expr(f, a)).collect();
                self.call(f, *callee, args, vals, span);
                Val::Unknown
            }
            k => {
                for c in children(k) {
                    self.expr(f, c);
                }
                Val::Unknown
            }
        }
    }

    /// Follows a call: the callee's accesses, its array parameters mapped to the caller's arrays.
    fn call(&mut self, f: &Frame<'a>, callee: InstId, args: &[ExprId], vals: Vec<Val>, at: Span) {
        let program = self.program;
        let c = program.inst(callee);
        let via = f.via.or(Some(at));
        if f.depth >= MAX_DEPTH || self.stack.contains(&callee) {
            // Recursion: the call reads (writes, when writable) its arrays at unknown indices.
            for (p, &a) in c.func.params.iter().zip(args) {
                if let (Some(l), Type::Array(t)) =
                    (array_arg(&f.inst.func.expr(a).kind), c.local_ty(*p))
                {
                    self.out.push(Access {
                        array: f.root(l),
                        index: Vec::new(),
                        kind: if t.writable { Kind::Write } else { Kind::Read },
                        span: at,
                        via,
                    });
                }
            }
            return;
        }
        let mut frame = Frame {
            inst: c,
            top: None,
            arrays: HashMap::new(),
            private: private_arrays(&c.func, None),
            once: assigned_once(&c.func),
            views: HashMap::new(),
            env: HashMap::new(),
            via,
            depth: f.depth + 1,
        };
        for ((p, &a), v) in c.func.params.iter().zip(args).zip(vals) {
            match (c.local_ty(*p), array_arg(&f.inst.func.expr(a).kind)) {
                (Type::Array(_), Some(l)) => {
                    frame.arrays.insert(*p, f.root(l));
                }
                (Type::Scalar(_), _) => {
                    frame.env.insert(*p, v);
                }
                _ => {}
            }
        }
        self.stack.push(callee);
        self.block(&mut frame, &c.func.body);
        self.stack.pop();
    }
}

impl<'a> Collector<'a> {
    /// The axes of a slice or transposition bound once to `local`, as [`Frame::views`] keeps
    /// them (`None`: not one, or one the analysis does not follow: a negative step, a bound from
    /// the end).
    fn view_of(
        &mut self,
        f: &mut Frame<'a>,
        local: LocalId,
        value: ExprId,
    ) -> Option<(LocalId, Vec<ViewAxis>)> {
        let func = &f.inst.func;
        if !f.once.contains(&local) {
            return None;
        }
        let zero = || {
            Val::Lin(Lin {
                var: 0,
                terms: BTreeMap::new(),
                k: 0,
                width: 64,
            })
        };
        match &func.expr(value).kind {
            ExprKind::Slice { array, axes, .. } if !f.private.contains(array) => {
                let mut out = Vec::new();
                let mut axis = 0;
                for x in axes {
                    match x {
                        SliceAxis::NewAxis => axis += 1,
                        SliceAxis::Index(b) if !b.from_end => {
                            out.push(ViewAxis::Fixed(self.expr(f, b.value)))
                        }
                        SliceAxis::Range { start, step, .. } if *step > 0 => {
                            let start = match start {
                                None => zero(),
                                Some(b) if !b.from_end => self.expr(f, b.value),
                                Some(_) => return None,
                            };
                            out.push(ViewAxis::Step {
                                start,
                                step: *step as i128,
                                axis,
                            });
                            axis += 1;
                        }
                        _ => return None,
                    }
                }
                Some((*array, out))
            }
            ExprKind::Transpose(array) if !f.private.contains(array) => {
                let Type::Array(a) = f.inst.local_ty(*array) else {
                    return None;
                };
                let n = a.ndim as usize;
                let out = (0..n)
                    .map(|d| ViewAxis::Step {
                        start: zero(),
                        step: 1,
                        axis: n - 1 - d,
                    })
                    .collect();
                Some((*array, out))
            }
            _ => None,
        }
    }
}

/// The array a call argument passes: by name (a view, or an owned array moved in) or as a view
/// (`&t`, `&mut t`). A new array made in the argument itself is the callee's alone.
fn array_arg(k: &ExprKind) -> Option<LocalId> {
    match k {
        ExprKind::Local(l) | ExprKind::Borrow { array: l, .. } => Some(*l),
        _ => None,
    }
}

/// Blocks of an invariant size: `o * s` ([`Val::Scaled`]), and `o * s + t` with `t` below `s`
/// ([`Val::Tile`], also for a constant `s` that divides the linear part).
fn tile(op: BinOp, a: &Val, b: &Val) -> Option<Val> {
    let invariant = |l: &Lin| l.var == 0 && !l.terms.is_empty();
    match (op, a, b) {
        (BinOp::Mul, Val::Lin(o), Val::Lin(s)) | (BinOp::Mul, Val::Lin(s), Val::Lin(o))
            if o.var != 0 && invariant(s) =>
        {
            Some(Val::Scaled {
                o: o.clone(),
                s: s.clone(),
            })
        }
        (BinOp::Add, Val::Scaled { o, s }, Val::Below(t))
        | (BinOp::Add, Val::Below(t), Val::Scaled { o, s })
            if s == t =>
        {
            Some(Val::Tile {
                o: o.clone(),
                s: s.clone(),
            })
        }
        // `c * o + t` with `t` below a constant `c`.
        (BinOp::Add, Val::Lin(l), Val::Below(t)) | (BinOp::Add, Val::Below(t), Val::Lin(l))
            if t.is_constant() && t.k > 0 && l.var != 0 =>
        {
            let c = t.k;
            let divides = l.var % c == 0 && l.k % c == 0 && l.terms.values().all(|x| x % c == 0);
            divides.then(|| {
                let mut o = l.clone();
                o.var /= c;
                o.k /= c;
                o.terms.values_mut().for_each(|x| *x /= c);
                Val::Tile { o, s: t.clone() }
            })
        }
        _ => None,
    }
}

/// The operators of complex numbers that the program's instances compute (`+`, `-`, `*` of
/// [`complex::operator`], either operand complex, the other complex or real), by instance: once
/// typed, `a[k] + e` or `e + a[k]` of a complex `a[k]` is a call of one of them.
pub fn complex_operators(program: &TypedProgram) -> HashMap<InstId, BinOp> {
    program
        .instances
        .iter()
        .filter_map(|(id, inst)| match complex::operator(&inst.func.name)? {
            (op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), ..) => Some((id, op)),
            _ => None,
        })
        .collect()
}

/// `a[k] = a[k] op e`, `a[k] = a[k].min(e)` / `.max(e)` (the front end's form of `a[k] op= e`),
/// and for an operator whose operands commute (all but `-`), `a[k] = e op a[k]`: the operator,
/// the load of the old value and `e`, when both indices are written alike. For a complex `a[k]`,
/// `a[k] op e` is a call of one of `ops` ([`complex_operators`]). The update evaluates `e`, then
/// reads and writes the element: `e op a[k]` runs in that order too, and `a[k] op e` may, as `e`
/// cannot change the element when it is not the array's (the race check's premise) and no call
/// in it can change what an index reads (below).
pub fn update_form(
    f: &Function,
    ops: &HashMap<InstId, BinOp>,
    array: LocalId,
    index: &[ExprId],
    value: ExprId,
) -> Option<(UpdateOp, ExprId, ExprId)> {
    let binary = |op: BinOp| {
        Some(match op {
            BinOp::Add => UpdateOp::Add,
            BinOp::Sub => UpdateOp::Sub,
            BinOp::Mul => UpdateOp::Mul,
            BinOp::BitAnd => UpdateOp::And,
            BinOp::BitOr => UpdateOp::Or,
            BinOp::BitXor => UpdateOp::Xor,
            _ => return None,
        })
    };
    let (op, l, r) = match &f.expr(value).kind {
        ExprKind::Binary(op, l, r) => (binary(*op)?, *l, *r),
        ExprKind::CallInst { inst, args } if args.len() == 2 => {
            (binary(*ops.get(inst)?)?, args[0], args[1])
        }
        ExprKind::Intrinsic {
            op: op @ (Intrinsic::Min | Intrinsic::Max),
            args,
        } if args.len() == 2 => (
            if *op == Intrinsic::Min {
                UpdateOp::Min
            } else {
                UpdateOp::Max
            },
            args[0],
            args[1],
        ),
        _ => return None,
    };
    let old = |cur: ExprId| match &f.expr(cur).kind {
        ExprKind::Load {
            array: a, index: i, ..
        } => {
            *a == array
                && i.len() == index.len()
                && i.iter().zip(index).all(|(x, y)| same(f, *x, *y))
        }
        _ => false,
    };
    let (cur, e) = if old(l) {
        (l, r)
    } else if op != UpdateOp::Sub && old(r) {
        (r, l)
    } else {
        return None;
    };
    // A call in `e` could change what a load in the index reads between the two evaluations.
    let loads = index
        .iter()
        .any(|&x| has(f, x, &|k| matches!(k, ExprKind::Load { .. })));
    if loads && has(f, e, &|k| matches!(k, ExprKind::CallInst { .. })) {
        return None;
    }
    Some((op, cur, e))
}

fn has(f: &Function, e: ExprId, pred: &dyn Fn(&ExprKind) -> bool) -> bool {
    let k = &f.expr(e).kind;
    pred(k) || children(k).into_iter().any(|c| has(f, c, pred))
}

/// Whether two expressions always compute the same value when evaluated one after the other in
/// one statement: the same tree of locals, constants, arithmetic, casts and shape queries.
fn same(f: &Function, a: ExprId, b: ExprId) -> bool {
    match (&f.expr(a).kind, &f.expr(b).kind) {
        (ExprKind::Const(x), ExprKind::Const(y)) => x == y,
        (ExprKind::Local(x), ExprKind::Local(y)) => x == y,
        (ExprKind::Unary(o, x), ExprKind::Unary(p, y)) => o == p && same(f, *x, *y),
        (ExprKind::Binary(o, x1, x2), ExprKind::Binary(p, y1, y2)) => {
            o == p && same(f, *x1, *y1) && same(f, *x2, *y2)
        }
        (ExprKind::Cast(x, s), ExprKind::Cast(y, t)) => s == t && same(f, *x, *y),
        (ExprKind::Shape { array: x, query: q }, ExprKind::Shape { array: y, query: r }) => {
            x == y && q == r
        }
        (
            ExprKind::Load {
                array: x, index: i, ..
            },
            ExprKind::Load {
                array: y, index: j, ..
            },
        ) => x == y && i.len() == j.len() && i.iter().zip(j).all(|(p, q)| same(f, *p, *q)),
        _ => false,
    }
}
