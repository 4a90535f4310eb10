//! Array contraction: a new array that lives only inside one iteration of a loop nest is a
//! scalar. Once `fusion` has made a chain of whole-array steps one loop, a step's temporary
//! (`d1` in `let d1 = ..; let d2 = &d1 - ..;`, the new array of `out.assign(&(&x * &y + ..))`)
//! is written at row `i` and read back at row `i` in the same iteration and nowhere else: its
//! memory is never needed, only the value of the row in flight.
//!
//! In: a typed program, after `fusion` (before versioning). Out: the same program where each
//! array `t` that qualifies has no allocation: its stores are assignments of a scalar local,
//! its loads reads of it, and that local starts each iteration of the innermost loop as `t`'s
//! elements start (its `zeros`, `ones` or constant). `t` qualifies when
//! - it is a new array (`alloc(shape(s), ..)` with scalar elements and a constant start) assigned
//!   once, and each name it goes by (moves `u = t`, views `&t` and broadcasts of `t` onto its own
//!   shape) is used only for its shape (`len`, `dim`, `same_shape`, the shape of another new
//!   array or broadcast) or for element accesses;
//! - every access is unchecked and indexes it by the same counters, those of the loops that are
//!   the only loops between the allocation and the accesses (serial `for` loops counting up by
//!   one, which leave their counters alone): each iteration of the nest touches its own
//!   element, once allocated, so the element's value is what the iteration last stored, or the
//!   start value.
//!
//! The shape queries of `t` and its names then ask `s` (followed through contracted arrays);
//! their definitions go. Results are the same bits: the same operations on the same values.

use super::shapes::{ndim, Extent, Shapes};
use crate::ir::walk::children;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        contract(inst);
    }
}

/// A loop of the nest around a statement: its number (in walk order) and, for a serial `for`
/// counting up by one that leaves its counter alone, the counter.
type Around = (u32, Option<LocalId>);

/// What a new array's shape was made with: an array's shape (`alloc(shape(s), ..)`,
/// `alloc(layout(s), ..)`), or extents (`alloc([n, m], ..)`, each a constant or a local assigned
/// once), whose axes then answer its `dim`s.
#[derive(Clone)]
enum Source {
    Array(LocalId),
    Dims(Vec<ExprId>),
}

/// A new array that may become a scalar.
struct Root {
    elem: Scalar,
    start: Const,
    /// What its shape was made with.
    source: Source,
    /// The loops around its allocation.
    around: Vec<Around>,
    /// The loops around each access and its index.
    accesses: Vec<(Vec<Around>, Vec<LocalId>)>,
}

struct Scan<'a> {
    inst: &'a Instance,
    roots: HashMap<LocalId, Root>,
    /// Each name of a root (the root's own included): the root.
    names: HashMap<LocalId, LocalId>,
    /// Roots used in a way that keeps their memory.
    kept: HashSet<LocalId>,
    around: Vec<Around>,
    loops: u32,
    /// How many `prange` loops are around (their bodies' locals are the outlined code's).
    parallel: u32,
}

fn contract(inst: &mut Instance) {
    let shapes = Shapes::of(inst);
    let mut scan = Scan {
        inst,
        roots: HashMap::new(),
        names: HashMap::new(),
        kept: HashSet::new(),
        around: Vec::new(),
        loops: 0,
        parallel: 0,
    };
    scan.block(&inst.func.body, &shapes);
    let Scan {
        roots, names, kept, ..
    } = scan;
    let chosen: HashMap<LocalId, Root> = roots
        .into_iter()
        .filter(|(r, root)| !kept.contains(r) && nested_once(root))
        .collect();
    if chosen.is_empty() {
        return;
    }
    let names: HashMap<LocalId, LocalId> = names
        .into_iter()
        .filter(|(_, r)| chosen.contains_key(r))
        .collect();
    // What each contracted name's shape is asked of instead (an array's names made from
    // extents are asked only `dim`s, answered by the extents).
    let source = |mut l: LocalId| loop {
        match names.get(&l).map(|r| &chosen[r].source) {
            Some(Source::Array(s)) => l = *s,
            Some(Source::Dims(ds)) => return Source::Dims(ds.clone()),
            None => return Source::Array(l),
        }
    };
    let sources: HashMap<LocalId, Source> = names.keys().map(|&l| (l, source(l))).collect();
    let mut scalars = HashMap::new();
    let mut starts: HashMap<u32, Vec<(LocalId, Const)>> = HashMap::new();
    // In the order of their ids, so that the new locals and their starts are the same on
    // every run.
    let mut order: Vec<LocalId> = chosen.keys().copied().collect();
    order.sort_by_key(|l| l.index());
    for r in order {
        let root = &chosen[&r];
        let name = format!("{}.elem", inst.func.local(r).name);
        let span = inst.func.local(r).span;
        let v = inst.new_local(&name, Type::Scalar(root.elem), span);
        scalars.insert(r, v);
        if let Some((around, _)) = root.accesses.first() {
            let innermost = around.last().expect("an access inside the nest").0;
            starts.entry(innermost).or_default().push((v, root.start));
        }
    }
    let mut edit = Edit {
        inst,
        names: &names,
        sources: &sources,
        scalars: &scalars,
        starts: &starts,
        loops: 0,
    };
    let body = std::mem::take(&mut edit.inst.func.body);
    let body = edit.block(body);
    inst.func.body = body;
}

/// Whether every access of `root` indexes it by the counters of the loops between its
/// allocation and the access, and those loops are the same for all.
fn nested_once(root: &Root) -> bool {
    let Some((around, index)) = root.accesses.first() else {
        return true;
    };
    let n = index.len();
    let nest = around.get(root.around.len()..).unwrap_or_default();
    let counters: HashSet<LocalId> = nest.iter().filter_map(|a| a.1).collect();
    around.starts_with(&root.around)
        && nest.len() == n
        && counters.len() == n
        && index.iter().all(|i| counters.contains(i))
        && root.accesses.iter().all(|a| a == &root.accesses[0])
}

impl Scan<'_> {
    fn block(&mut self, b: &Block, outer: &Shapes) {
        let mut shapes = outer.clone();
        for s in &b.stmts {
            // What a definition makes true first: a broadcast's extents are known there.
            shapes.learn(self.inst, s);
            self.stmt(s, &shapes);
        }
    }

    fn stmt(&mut self, s: &Stmt, shapes: &Shapes) {
        match s {
            Stmt::Assign { local, value, .. } => {
                if !(shapes.stable.contains(local) && self.define(*local, *value, shapes)) {
                    self.expr(*value);
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                checked,
                ..
            } => {
                if let Some(&r) = self.names.get(array) {
                    self.access(r, index, *checked);
                }
                for &e in index.iter().chain([value]) {
                    self.expr(e);
                }
            }
            Stmt::Update {
                array,
                index,
                value,
                ..
            } => {
                self.keep(*array);
                for &e in index.iter().chain([value]) {
                    self.expr(e);
                }
            }
            Stmt::Eval(e) | Stmt::Unpack { value: e, .. } => self.expr(*e),
            Stmt::Return { value, .. } => value.iter().for_each(|&e| self.expr(e)),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(*cond);
                let mut then = shapes.clone();
                then.assume(self.inst, *cond);
                self.block(then_body, &then);
                self.block(else_body, shapes);
            }
            Stmt::Loop { body } => self.nest(None, body, shapes),
            Stmt::For {
                var, range, body, ..
            } => {
                for e in [range.start, range.end].into_iter().chain(range.step) {
                    self.expr(e);
                }
                let counted = !range.parallel
                    && range.step.is_none()
                    && !range.reverse
                    && !crate::ir::walk::assigned_locals(body).contains(var);
                self.parallel += range.parallel as u32;
                self.nest(counted.then_some(*var), body, shapes);
                self.parallel -= range.parallel as u32;
            }
            Stmt::Break | Stmt::Continue => {}
        }
    }

    fn nest(&mut self, counter: Option<LocalId>, body: &Block, shapes: &Shapes) {
        self.around.push((self.loops, counter));
        self.loops += 1;
        self.block(body, shapes);
        self.around.pop();
    }

    /// Takes `local = value` as a new root or a new name of one; `false` when it is neither.
    fn define(&mut self, local: LocalId, value: ExprId, shapes: &Shapes) -> bool {
        let inst = self.inst;
        match &inst.func.expr(value).kind {
            ExprKind::Alloc { shape, init, .. } => {
                let source = match shape {
                    AllocShape::Like(s) | AllocShape::LayoutOf(s) => Source::Array(*s),
                    AllocShape::Dims(ds) if ds.iter().all(|&d| fixed(inst, shapes, d)) => {
                        Source::Dims(ds.clone())
                    }
                    _ => return false,
                };
                let Type::Array(a) = inst.local_ty(local) else {
                    return false;
                };
                let elem = match a.elem.scalar() {
                    Some(s)
                        if !s.is_complex() && a.storage == Storage::Heap && self.parallel == 0 =>
                    {
                        s
                    }
                    _ => return false,
                };
                let start = match init {
                    // Uninit: every element is written before it is read; any start will do.
                    Init::Zeros | Init::Uninit => Const { ty: elem, bits: 0 },
                    Init::Ones if elem.is_float() || elem.is_int() => Const::one(elem),
                    Init::Elem(v) => match inst.func.expr(*v).kind {
                        ExprKind::Const(c) if c.ty == elem => c,
                        _ => return false,
                    },
                    _ => return false,
                };
                if let Source::Array(a) = &source {
                    self.keep_dims(*a);
                }
                self.roots.insert(
                    local,
                    Root {
                        elem,
                        start,
                        source,
                        around: self.around.clone(),
                        accesses: Vec::new(),
                    },
                );
                self.names.insert(local, local);
                true
            }
            ExprKind::Local(src) | ExprKind::Borrow { array: src, .. } => {
                let Some(&r) = self.names.get(src) else {
                    return false;
                };
                self.names.insert(local, r);
                true
            }
            // Its `with` is asked its shape only.
            &ExprKind::Broadcast { array, with, .. } => {
                let Some(&r) = self.names.get(&array) else {
                    return false;
                };
                self.keep_dims(with);
                let same = ndim(inst, local) == ndim(inst, array)
                    && (0..ndim(inst, array).unwrap_or(0))
                        .all(|k| shapes.same(Extent::Dim(local, k), Extent::Dim(array, k)));
                if same {
                    self.names.insert(local, r);
                } else {
                    self.kept.insert(r);
                }
                true
            }
            _ => false,
        }
    }

    fn access(&mut self, r: LocalId, index: &[ExprId], checked: bool) {
        let counters: Option<Vec<LocalId>> = index
            .iter()
            .map(|&i| match self.inst.func.expr(i).kind {
                ExprKind::Local(l) => Some(l),
                _ => None,
            })
            .collect();
        match counters {
            Some(c) if !checked => {
                let around = self.around.clone();
                self.roots
                    .get_mut(&r)
                    .expect("a name's root")
                    .accesses
                    .push((around, c));
            }
            _ => {
                self.kept.insert(r);
            }
        }
    }

    /// Marks the root of `l`, if it is a name of one made from extents, as kept: its shape is
    /// asked of it whole.
    fn keep_dims(&mut self, l: LocalId) {
        if let Some(r) = self.names.get(&l) {
            if matches!(self.roots[r].source, Source::Dims(_)) {
                self.kept.insert(*r);
            }
        }
    }

    /// Marks the root of `l`, if it is a name of one, as kept.
    fn keep(&mut self, l: LocalId) {
        if let Some(&r) = self.names.get(&l) {
            self.kept.insert(r);
        }
    }

    fn expr(&mut self, e: ExprId) {
        let kind = &self.inst.func.expr(e).kind;
        match kind {
            ExprKind::Load {
                array,
                index,
                checked,
            } => {
                if let Some(&r) = self.names.get(array) {
                    self.access(r, index, *checked);
                }
            }
            // Shape only: what an array made from extents answers with them.
            ExprKind::Shape { array, query } => {
                let by_dims = matches!(query, ShapeQuery::Dim(_))
                    || (*query == ShapeQuery::Len && ndim(self.inst, *array) == Some(1));
                if !by_dims {
                    self.keep_dims(*array);
                }
            }
            ExprKind::SameShape { a, b } => {
                self.keep_dims(*a);
                self.keep_dims(*b);
            }
            ExprKind::Broadcast { array, with, .. } => {
                self.keep(*array);
                self.keep_dims(*with);
            }
            ExprKind::Alloc { shape, init, .. } => {
                match shape {
                    AllocShape::Like(a) | AllocShape::LayoutOf(a) => self.keep_dims(*a),
                    _ => {}
                }
                if let Init::Copy(a) = init {
                    self.keep(*a);
                }
            }
            ExprKind::Local(l) => self.keep(*l),
            ExprKind::MatMul { a, b, out } => {
                for l in [a, b, out] {
                    self.keep(*l);
                }
            }
            k => {
                if let Some(a) = crate::ir::walk::array_operand(k) {
                    self.keep(a);
                }
            }
        }
        for c in children(kind) {
            self.expr(c);
        }
    }
}

/// Whether `e` has one value wherever it is read after it is first evaluated: a constant, or a
/// local assigned once (or a parameter never assigned).
fn fixed(inst: &Instance, shapes: &Shapes, e: ExprId) -> bool {
    match inst.func.expr(e).kind {
        ExprKind::Const(_) => true,
        ExprKind::Local(l) => shapes.stable.contains(&l),
        _ => false,
    }
}

/// The rewrite of the contracted arrays' statements and expressions.
struct Edit<'a> {
    inst: &'a mut Instance,
    /// Each contracted name: its root.
    names: &'a HashMap<LocalId, LocalId>,
    /// Each contracted name: what is asked its shape instead.
    sources: &'a HashMap<LocalId, Source>,
    /// Each contracted root: its scalar.
    scalars: &'a HashMap<LocalId, LocalId>,
    /// The scalars to start, by the number of the loop whose iterations start them.
    starts: &'a HashMap<u32, Vec<(LocalId, Const)>>,
    loops: u32,
}

impl Edit<'_> {
    fn block(&mut self, b: Block) -> Block {
        let mut out = Vec::with_capacity(b.stmts.len());
        for s in b.stmts {
            match s {
                Stmt::Assign { local, value, .. } if self.names.contains_key(&local) => {
                    self.inst.drop_expr(value);
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    span,
                    ..
                } if self.names.contains_key(&array) => {
                    for i in index {
                        self.inst.drop_expr(i);
                    }
                    self.expr(value);
                    out.push(Stmt::Assign {
                        local: self.scalars[&self.names[&array]],
                        value,
                        span,
                    });
                }
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    for e in [range.start, range.end].into_iter().chain(range.step) {
                        self.expr(e);
                    }
                    let number = self.loops;
                    self.loops += 1;
                    let mut body = self.block(body);
                    if let Some(starts) = self.starts.get(&number) {
                        let mut b = self.inst.build(span);
                        let first: Vec<Stmt> = starts
                            .iter()
                            .map(|&(v, c)| {
                                let c = b.constant(c);
                                b.assign(v, c)
                            })
                            .collect();
                        body.stmts.splice(0..0, first);
                    }
                    out.push(Stmt::For {
                        var,
                        range,
                        body,
                        span,
                    });
                }
                Stmt::Loop { body } => {
                    self.loops += 1;
                    let body = self.block(body);
                    out.push(Stmt::Loop { body });
                }
                s => {
                    let mut roots = Vec::new();
                    crate::ir::edit::stmt_exprs(&s, &mut roots);
                    for e in roots {
                        self.expr(e);
                    }
                    out.push(s.map_blocks(|b| self.block(b)));
                }
            }
        }
        Block { stmts: out }
    }

    /// Rewrites expression tree `e` in place: loads of contracted arrays read their scalars,
    /// shape questions go to the sources.
    fn expr(&mut self, e: ExprId) {
        let swap = |l: &mut LocalId| {
            if let Some(Source::Array(s)) = self.sources.get(l) {
                *l = *s;
            }
        };
        if let ExprKind::Shape { array, query } = self.inst.func.expr(e).kind {
            if let Some(Source::Dims(ds)) = self.sources.get(&array) {
                // `dim(t, k)` (or `len` of 1-D `t`) is the extent it was made with.
                let k = match query {
                    ShapeQuery::Dim(k) => k as usize,
                    _ => 0,
                };
                // A leaf (a constant or a local), so its node's kind is the whole value.
                self.inst.func.exprs[e].kind = self.inst.func.expr(ds[k]).kind.clone();
                return;
            }
        }
        let kind = &mut self.inst.func.exprs[e].kind;
        let mut dropped = Vec::new();
        match kind {
            ExprKind::Load { array, index, .. } if self.names.contains_key(array) => {
                dropped = std::mem::take(index);
                *kind = ExprKind::Local(self.scalars[&self.names[array]]);
            }
            ExprKind::Shape { array, .. } => swap(array),
            ExprKind::SameShape { a, b } => {
                swap(a);
                swap(b);
            }
            ExprKind::Broadcast { with, .. } => swap(with),
            ExprKind::Alloc {
                shape: AllocShape::Like(a) | AllocShape::LayoutOf(a),
                ..
            } => swap(a),
            _ => {}
        }
        for d in dropped {
            self.inst.drop_expr(d);
        }
        for c in children(&self.inst.func.expr(e).kind) {
            self.expr(c);
        }
    }
}
