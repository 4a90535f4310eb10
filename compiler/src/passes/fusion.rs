//! Loop fusion: consecutive loops over the same rows run as one loop, so a chain of whole-array
//! steps reads and writes each row once, while it is in cache, instead of making one pass over
//! memory per step. Row softmax (`m = x.fold_axis(Axis(1), ..)`, `e = (&x - &m..).mapv(exp)`,
//! `s = e.sum_axis(Axis(1))`, `e / &s..`) is four loops over the rows of `x` before, one after.
//!
//! In: a typed program, before versioning. Out: the same program where, in each block, a loop
//! `for i in 0..n { A }` followed by statements `M` and a loop `for k in 0..n2 { B }` becomes
//! `M; for i in 0..n { A; B[k := i] }` when that changes nothing the program can see:
//! - both loops are serial, count up from 0 in steps of 1, and `n` and `n2` are provably the same
//!   extent ([`Shapes`]: the extents of arrays made from one another, as allocations, views,
//!   broadcasts and `same_shape` checks make them);
//! - neither body leaves its loop early (`break`, `continue` or `return` of the loop itself);
//! - no local that one body assigns is read or assigned by the other;
//! - an array (followed through its views to the allocation or parameter it is memory of) that
//!   one body stores into and the other touches is touched by both only where its index on
//!   one axis (the same for all their accesses: the rows `[i, ..]` of an outer loop, the columns
//!   `[.., i]` of a nest's inner one) is the counter `i`: iteration `i` of `B` then sees what
//!   iteration `i` of `A` wrote, and nothing that a later one writes;
//! - `M` is assignments of views, allocations and extents and `same_shape` checks that read
//!   nothing `A` writes and assign nothing `A` touches. Where `M` can fail (a broadcast or
//!   shape check, an allocation), `A` cannot (no check, no integer division, no call of a
//!   function that can fail) and stores only into arrays the function allocated, so the error
//!   is the same and no caller's array differs when it comes.
//!
//! Fusing pairs one after the other fuses a chain; the merged body's loops (the inner loops of
//! two nests) fuse in turn. `shapes` runs first: the walks' accesses are unchecked by then, so
//! their loops cannot fail. A call cannot fail when its function has nothing that can, at any
//! depth (a recursive one always can: its calls count their depth).

use super::shapes::{ndim, slice_axes, whole, Extent, Shapes};
use crate::ir::walk::children;
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    let infallible = infallible(p);
    for inst in p.instances.values_mut() {
        fuse(inst, &infallible);
    }
}

/// Fuses the loops of one instance; `infallible`: the instances whose calls cannot fail.
pub(super) fn fuse(inst: &mut Instance, infallible: &HashSet<InstId>) {
    let shapes = Shapes::of(inst);
    let body = std::mem::take(&mut inst.func.body);
    inst.func.body = Fuser { inst, infallible }.block(body, &shapes);
}

/// The instances whose calls cannot fail: no check, allocation, view or call that can fail
/// anywhere in their bodies (a recursive one never is: its calls count their depth).
pub(super) fn infallible(p: &TypedProgram) -> HashSet<InstId> {
    let mut known = HashSet::new();
    loop {
        let more: Vec<InstId> = p
            .instances
            .iter()
            .filter(|(id, inst)| !known.contains(id) && !body_can_fail(inst, &known))
            .map(|(id, _)| id)
            .collect();
        if more.is_empty() {
            return known;
        }
        known.extend(more);
    }
}

fn body_can_fail(inst: &Instance, infallible: &HashSet<InstId>) -> bool {
    fn stmts(b: &Block) -> bool {
        b.stmts.iter().any(|s| match s {
            Stmt::Store { checked, .. } | Stmt::Update { checked, .. } => *checked,
            Stmt::For { range, body, .. } => range.step.is_some() || stmts(body),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => stmts(then_body) || stmts(else_body),
            Stmt::Loop { body } => stmts(body),
            _ => false,
        })
    }
    fn exprs(inst: &Instance, e: ExprId, infallible: &HashSet<InstId>) -> bool {
        let kind = &inst.func.expr(e).kind;
        node_can_fail(inst, e, infallible)
            || matches!(kind, ExprKind::Slice { .. })
            || children(kind)
                .into_iter()
                .any(|c| exprs(inst, c, infallible))
    }
    let mut roots = Vec::new();
    crate::ir::edit::block_exprs(&inst.func.body, &mut roots);
    stmts(&inst.func.body) || roots.into_iter().any(|e| exprs(inst, e, infallible))
}

/// Whether expression node `e` itself (not its operands) can fail, but for a slice (whose
/// bounds a loop may prove): a checked load, an integer division that can fail, an intrinsic
/// with a check, a call of a function that can fail, an unwrap, an allocation, a broadcast or
/// shape check.
fn node_can_fail(inst: &Instance, e: ExprId, infallible: &HashSet<InstId>) -> bool {
    match &inst.func.expr(e).kind {
        ExprKind::Load { checked, .. } => *checked,
        ExprKind::Binary(op, _, d) => division_can_fail(inst, *op, e, *d),
        ExprKind::Intrinsic { op, .. } => matches!(
            op,
            Intrinsic::Clamp | Intrinsic::RemEuclid | Intrinsic::DivEuclid
        ),
        ExprKind::CallInst { inst: callee, .. } => !infallible.contains(callee),
        ExprKind::Call { .. }
        | ExprKind::Unwrap { .. }
        | ExprKind::Gpu { .. }
        | ExprKind::Alloc { .. }
        | ExprKind::Broadcast { .. }
        | ExprKind::SameShape { .. } => true,
        _ => false,
    }
}

/// Whether `a op d` (expression `e`) is an integer division that can fail: by a divisor not
/// known to be nonzero (and, signed, not -1).
fn division_can_fail(inst: &Instance, op: BinOp, e: ExprId, d: ExprId) -> bool {
    let ty = inst.ty(e);
    let safe = match inst.func.expr(d).kind {
        ExprKind::Const(c) => {
            let Type::Scalar(s) = ty else { return true };
            c.as_u128() != 0 && !(s.is_signed() && c.as_i128() == -1)
        }
        _ => false,
    };
    matches!(op, BinOp::Div | BinOp::Rem) && matches!(ty, Type::Scalar(s) if s.is_int()) && !safe
}

/// Whether a value of type `t` owns memory that reading it as a value moves.
fn owns_memory(t: Type) -> bool {
    match t {
        Type::Array(a) => a.storage == Storage::Heap,
        Type::Tuple(t) => t.elems().iter().any(|&e| owns_memory(e)),
        Type::Scalar(_) | Type::Unit => false,
    }
}

/// A loop's counter and the extent it counts up to.
type Counter = (LocalId, Extent);

/// A counted loop waiting for the next one to fuse with.
struct Pending {
    var: LocalId,
    range: ForRange,
    body: Block,
    span: Span,
    extent: Extent,
}

/// Where an access falls in the array it is memory of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Row {
    /// Index `i`, the loop's counter, on this axis (any index on the others).
    Counter(u8),
    Other,
}

/// What a loop body reads, assigns and touches.
#[derive(Default)]
struct Touch {
    reads: HashSet<LocalId>,
    writes: HashSet<LocalId>,
    /// Element accesses: the array they are memory of, whether they write, which row.
    accesses: Vec<(LocalId, bool, Row)>,
    /// A check, integer division or call that can fail.
    can_fail: bool,
    /// A `break` or `continue` of the loop itself, or a `return`.
    exits: bool,
}

struct Fuser<'a> {
    inst: &'a mut Instance,
    /// The instances whose calls cannot fail.
    infallible: &'a HashSet<InstId>,
}

impl Fuser<'_> {
    /// Fuses the loops of `b` (and, first, of the blocks inside it), knowing `outer`.
    fn block(&mut self, b: Block, outer: &Shapes) -> Block {
        let mut shapes = outer.clone();
        let mut out: Vec<Stmt> = Vec::with_capacity(b.stmts.len());
        let mut pending: Option<Pending> = None;
        let mut between: Vec<Stmt> = Vec::new();
        for s in b.stmts {
            let s = self.nested(s, &shapes);
            shapes.learn(self.inst, &s);
            match s {
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    let extent = shapes.counted_extent(self.inst, var, &range, &body);
                    let next = match extent {
                        Some(extent) if !range.parallel && range.reductions.is_empty() => Pending {
                            var,
                            range,
                            body,
                            span,
                            extent,
                        },
                        _ => {
                            flush(&mut out, pending.take(), &mut between);
                            out.push(Stmt::For {
                                var,
                                range,
                                body,
                                span,
                            });
                            continue;
                        }
                    };
                    pending = match pending.take() {
                        Some(mut a) => match self.fuse(&mut a, &between, next, &mut shapes) {
                            Ok(()) => {
                                out.append(&mut between);
                                Some(a)
                            }
                            Err(next) => {
                                flush(&mut out, Some(a), &mut between);
                                Some(*next)
                            }
                        },
                        None => Some(next),
                    };
                }
                s if pending.is_some() && self.movable(&s) => between.push(s),
                s => {
                    flush(&mut out, pending.take(), &mut between);
                    out.push(s);
                }
            }
        }
        flush(&mut out, pending, &mut between);
        Block { stmts: out }
    }

    /// `s` with the blocks inside it fused (an `if`'s `then` branch knowing its condition).
    fn nested(&mut self, s: Stmt, shapes: &Shapes) -> Stmt {
        match s {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let mut then = shapes.clone();
                then.assume(self.inst, cond);
                Stmt::If {
                    cond,
                    then_body: self.block(then_body, &then),
                    else_body: self.block(else_body, shapes),
                }
            }
            s => s.map_blocks(|b| self.block(b, shapes)),
        }
    }

    /// `a`, the statements `between`, then `b` as one loop `a` (`between` to go before it), or
    /// `b` back, `a` unchanged, when that could change what the program does.
    fn fuse(
        &mut self,
        a: &mut Pending,
        between: &[Stmt],
        b: Pending,
        shapes: &mut Shapes,
    ) -> Result<(), Box<Pending>> {
        let ta = self.touch(&a.body, (a.var, a.extent), shapes);
        let tb = self.touch(&b.body, (b.var, b.extent), shapes);
        let ok = shapes.same(a.extent, b.extent)
            && !ta.exits
            && !tb.exits
            && ta.writes.is_disjoint(&tb.reads)
            && ta.writes.is_disjoint(&tb.writes)
            && tb.writes.is_disjoint(&ta.reads)
            && rows_agree(&ta, &tb)
            && self.distinct(&ta, &tb, shapes);
        let Some(mut moves) = ok.then(|| self.hoistable(between, &ta, shapes)).flatten() else {
            return Err(Box::new(b));
        };
        // `a` now runs after the moves of `between`: it names the arrays where they went.
        a.range.end = self.replace_expr(a.range.end, &moves);
        a.body = self.replace_block(std::mem::take(&mut a.body), &moves, shapes);
        // `b` counts with `a`'s counter, over `a`'s range.
        moves.clear();
        moves.insert(b.var, a.var);
        let rest = self.replace_block(b.body, &moves, shapes);
        a.body.stmts.extend(rest.stmts);
        // The loops the two bodies now hold one after the other (a nest's inner loops) fuse too.
        let merged = std::mem::take(&mut a.body);
        a.body = self.block(merged, shapes);
        for e in [b.range.start, b.range.end] {
            self.inst.drop_expr(e);
        }
        Ok(())
    }

    /// `b` reading and assigning `rename[l]` for each local `l` in the map (a copy: `shapes`
    /// learns the new values of the locals it assigns once).
    fn replace_block(
        &mut self,
        b: Block,
        rename: &HashMap<LocalId, LocalId>,
        shapes: &mut Shapes,
    ) -> Block {
        if rename.is_empty() {
            return b;
        }
        let new = self.inst.copy_block(&b, rename);
        for (l, v) in crate::ir::walk::assignments(&new) {
            if let Some(old) = shapes.value.get_mut(&l) {
                *old = v;
            }
        }
        self.inst.drop_block(&b);
        new
    }

    /// `e` reading `rename[l]` for each local `l` in the map.
    fn replace_expr(&mut self, e: ExprId, rename: &HashMap<LocalId, LocalId>) -> ExprId {
        if rename.is_empty() {
            return e;
        }
        let new = self.inst.copy_expr(e, rename);
        self.inst.drop_expr(e);
        new
    }

    /// Whether the arrays the bodies touch are known to be distinct memory where one stores:
    /// each is a parameter or an allocation of this function, or nothing is stored.
    fn distinct(&self, ta: &Touch, tb: &Touch, shapes: &Shapes) -> bool {
        let all = || ta.accesses.iter().chain(&tb.accesses);
        let known = |r: LocalId| {
            shapes.stable.contains(&r)
                && shapes
                    .value
                    .get(&r)
                    .is_none_or(|&v| matches!(self.inst.func.expr(v).kind, ExprKind::Alloc { .. }))
        };
        !all().any(|a| a.1) || all().all(|a| known(a.0))
    }

    /// Whether the statements `m` can run before a loop that touches `ta`: if so, the moves
    /// among them (`dst = src` of an array that owns its memory, which leaves `src` empty), as
    /// what the loop must name instead (`src` to `dst`).
    fn hoistable(
        &self,
        m: &[Stmt],
        ta: &Touch,
        shapes: &Shapes,
    ) -> Option<HashMap<LocalId, LocalId>> {
        let written: HashSet<LocalId> = ta.accesses.iter().filter(|a| a.1).map(|a| a.0).collect();
        let mut can_fail = false;
        let mut moves = HashMap::new();
        for s in m {
            let e = match s {
                Stmt::Assign { local, value, .. } => {
                    if ta.reads.contains(local) || ta.writes.contains(local) {
                        return None;
                    }
                    if let ExprKind::Local(src) = self.inst.func.expr(*value).kind {
                        if owns_memory(self.inst.local_ty(src)) {
                            if ta.writes.contains(&src) {
                                return None;
                            }
                            // Moved on again: the loop names the last place.
                            for to in moves.values_mut() {
                                if *to == src {
                                    *to = *local;
                                }
                            }
                            moves.insert(src, *local);
                            continue;
                        }
                    }
                    *value
                }
                Stmt::Eval(e) => *e,
                _ => return None,
            };
            let (mut reads, mut values) = (HashSet::new(), HashSet::new());
            let ok = self.handle_only(
                e,
                &written,
                shapes,
                (&mut reads, &mut values),
                &mut can_fail,
            );
            // Anything else read as a value (a tuple, an array moved into one) stays clear of
            // the loop.
            let values_clear = values.iter().all(|l| {
                matches!(self.inst.local_ty(*l), Type::Scalar(_)) || !ta.reads.contains(l)
            });
            if !ok || !values_clear || !reads.is_disjoint(&ta.writes) {
                return None;
            }
        }
        // An error before the loop instead of after it: the same one, and the loop's stores
        // (into arrays of this function only) are never seen.
        let same_errors = !can_fail
            || (!ta.can_fail
                && written.iter().all(|r| {
                    shapes.value.get(r).is_some_and(|&v| {
                        matches!(self.inst.func.expr(v).kind, ExprKind::Alloc { .. })
                    })
                }));
        same_errors.then_some(moves)
    }

    /// Whether `e` computes only extents, views and allocations, reading no element of the
    /// arrays in `written`; collects the locals it reads (`values`: as values, not as the
    /// array of a view or shape query) and whether it can fail.
    fn handle_only(
        &self,
        e: ExprId,
        written: &HashSet<LocalId>,
        shapes: &Shapes,
        (reads, values): (&mut HashSet<LocalId>, &mut HashSet<LocalId>),
        can_fail: &mut bool,
    ) -> bool {
        let kind = &self.inst.func.expr(e).kind;
        if let Some(a) = crate::ir::walk::array_operand(kind) {
            reads.insert(a);
        }
        let ok = match kind {
            ExprKind::Const(_) | ExprKind::Shape { .. } | ExprKind::Borrow { .. } => true,
            ExprKind::Local(l) => {
                reads.insert(*l);
                values.insert(*l);
                true
            }
            ExprKind::Unary(..) | ExprKind::Logical(..) | ExprKind::Cast(..) => true,
            ExprKind::Binary(op, _, d) => {
                *can_fail |= division_can_fail(self.inst, *op, e, *d);
                true
            }
            ExprKind::Transpose(_) | ExprKind::Relayout { .. } => true,
            ExprKind::Slice { .. } | ExprKind::Broadcast { .. } | ExprKind::SameShape { .. } => {
                *can_fail = true;
                true
            }
            ExprKind::Alloc { init, .. } => {
                *can_fail = true;
                match init {
                    Init::Copy(x) => !written.contains(&root(self.inst, shapes, *x)),
                    _ => true,
                }
            }
            _ => false,
        };
        ok && children(kind)
            .into_iter()
            .all(|c| self.handle_only(c, written, shapes, (reads, values), can_fail))
    }

    /// What loop body `b` with counter `i` (over `0..n`) reads, assigns and touches.
    fn touch(&self, b: &Block, i: Counter, shapes: &Shapes) -> Touch {
        let mut t = Touch::default();
        self.touch_block(b, i, shapes, 0, &mut t);
        t
    }

    fn touch_block(&self, b: &Block, i: Counter, shapes: &Shapes, depth: u32, t: &mut Touch) {
        for s in &b.stmts {
            match s {
                Stmt::Assign { local, value, .. } => {
                    t.writes.insert(*local);
                    self.touch_expr(*value, i, shapes, t);
                }
                Stmt::Unpack { locals, value, .. } => {
                    t.writes.extend(locals.iter().flatten());
                    self.touch_expr(*value, i, shapes, t);
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    checked,
                    ..
                }
                | Stmt::Update {
                    array,
                    index,
                    value,
                    checked,
                    ..
                } => {
                    t.can_fail |= *checked;
                    t.reads.insert(*array);
                    let (r, row) = access(self.inst, shapes, *array, index, i.0);
                    t.accesses.push((r, true, row));
                    if matches!(s, Stmt::Update { .. }) {
                        t.accesses.push((r, false, row));
                    }
                    for &e in index.iter().chain([value]) {
                        self.touch_expr(e, i, shapes, t);
                    }
                }
                Stmt::Eval(e) => self.touch_expr(*e, i, shapes, t),
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    self.touch_expr(*cond, i, shapes, t);
                    self.touch_block(then_body, i, shapes, depth, t);
                    self.touch_block(else_body, i, shapes, depth, t);
                }
                Stmt::Loop { body } => self.touch_block(body, i, shapes, depth + 1, t),
                Stmt::For {
                    var, range, body, ..
                } => {
                    t.writes.insert(*var);
                    t.can_fail |= range.step.is_some();
                    for e in [range.start, range.end].into_iter().chain(range.step) {
                        self.touch_expr(e, i, shapes, t);
                    }
                    self.touch_block(body, i, shapes, depth + 1, t);
                }
                Stmt::Break | Stmt::Continue => t.exits |= depth == 0,
                Stmt::Return { .. } => t.exits = true,
            }
        }
    }

    fn touch_expr(&self, e: ExprId, i: Counter, shapes: &Shapes, t: &mut Touch) {
        let kind = &self.inst.func.expr(e).kind;
        match kind {
            ExprKind::Local(l) => {
                t.reads.insert(*l);
                if ndim(self.inst, *l).is_some() {
                    // An array as a value (passed on, copied, aliased): any element, maybe written.
                    let r = root(self.inst, shapes, *l);
                    t.accesses.push((r, true, Row::Other));
                }
            }
            ExprKind::Load { array, index, .. } => {
                let (r, row) = access(self.inst, shapes, *array, index, i.0);
                t.accesses.push((r, false, row));
            }
            ExprKind::Alloc {
                init: Init::Copy(x),
                ..
            } => {
                let r = root(self.inst, shapes, *x);
                t.accesses.push((r, false, Row::Other));
            }
            ExprKind::Slice { array, axes, .. } => {
                t.reads.insert(*array);
                // In bounds where the index is the counter over the array's first axis.
                let counter = |e: ExprId| matches!(self.inst.func.expr(e).kind, ExprKind::Local(v) if v == i.0);
                let proven = shapes.same(i.1, Extent::Dim(*array, 0))
                    && matches!(axes.first(), Some(SliceAxis::Index(Bound { value, from_end: false })) if counter(*value))
                    && axes.iter().skip(1).all(|a| {
                        matches!(
                            a,
                            SliceAxis::Range {
                                start: None,
                                end: None,
                                step: 1
                            }
                        )
                    });
                t.can_fail |= !proven;
            }
            _ => {}
        }
        t.can_fail |= node_can_fail(self.inst, e, self.infallible);
        if let Some(a) = crate::ir::walk::array_operand(kind) {
            t.reads.insert(a);
        }
        if matches!(
            kind,
            ExprKind::Call { .. } | ExprKind::CallInst { .. } | ExprKind::Gpu { .. }
        ) {
            // Arrays passed on are `Local` operands (above); a GPU atomic writes its array.
            if let Some(a) = crate::ir::walk::array_operand(kind) {
                t.accesses
                    .push((root(self.inst, shapes, a), true, Row::Other));
            }
        }
        for c in children(kind) {
            self.touch_expr(c, i, shapes, t);
        }
    }

    /// Whether `s` may sit between two loops that fuse (checked in full by `hoistable`).
    fn movable(&self, s: &Stmt) -> bool {
        match s {
            Stmt::Assign { .. } => true,
            Stmt::Eval(e) => matches!(self.inst.func.expr(*e).kind, ExprKind::SameShape { .. }),
            _ => false,
        }
    }
}

/// Pushes the waiting loop and the statements after it.
fn flush(out: &mut Vec<Stmt>, pending: Option<Pending>, between: &mut Vec<Stmt>) {
    if let Some(p) = pending {
        out.push(Stmt::For {
            var: p.var,
            range: p.range,
            body: p.body,
            span: p.span,
        });
    }
    out.append(between);
}

/// Whether every array one body stores into and the other touches is touched by both only in
/// the counter's place on one axis.
fn rows_agree(ta: &Touch, tb: &Touch) -> bool {
    let stored = |t: &Touch| -> HashSet<LocalId> {
        t.accesses.iter().filter(|a| a.1).map(|a| a.0).collect()
    };
    let touched = |t: &Touch| -> HashSet<LocalId> { t.accesses.iter().map(|a| a.0).collect() };
    let (sa, sb) = (stored(ta), stored(tb));
    let shared: HashSet<LocalId> = sa
        .intersection(&touched(tb))
        .chain(sb.intersection(&touched(ta)))
        .copied()
        .collect();
    let mut axis: HashMap<LocalId, Row> = HashMap::new();
    ta.accesses
        .iter()
        .chain(&tb.accesses)
        .filter(|a| shared.contains(&a.0))
        .all(|a| matches!(a.2, Row::Counter(_)) && *axis.entry(a.0).or_insert(a.2) == a.2)
}

/// The array `a` is memory of (through the views it is made from).
fn root(inst: &Instance, shapes: &Shapes, a: LocalId) -> LocalId {
    walk_views(inst, shapes, a, Row::Other, None).0
}

/// Where an access of `a` at `index` falls: the array it is memory of and the place there.
fn access(
    inst: &Instance,
    shapes: &Shapes,
    a: LocalId,
    index: &[ExprId],
    i: LocalId,
) -> (LocalId, Row) {
    let at = index
        .iter()
        .position(|&e| matches!(inst.func.expr(e).kind, ExprKind::Local(v) if v == i));
    let row = at.map_or(Row::Other, |k| Row::Counter(k as u8));
    walk_views(inst, shapes, a, row, Some(i))
}

/// Follows `a` up the views it is made from; `row` is where the access falls on `a`'s axes,
/// mapped to the source's at each view; a view fixing an axis of its source at the counter `i`
/// puts every access on that axis's counter place.
fn walk_views(
    inst: &Instance,
    shapes: &Shapes,
    mut a: LocalId,
    mut row: Row,
    i: Option<LocalId>,
) -> (LocalId, Row) {
    let is_counter = |e: ExprId| {
        i.is_some_and(|i| matches!(inst.func.expr(e).kind, ExprKind::Local(v) if v == i))
    };
    while let Some(&v) = shapes.value.get(&a) {
        let next = match &inst.func.expr(v).kind {
            ExprKind::Local(b) | ExprKind::Borrow { array: b, .. } => *b,
            ExprKind::Slice { array: b, axes, .. } => {
                let nb = ndim(inst, *b).unwrap_or(0);
                let mut mapped = Row::Other;
                let mut fixed = None;
                for (from, to, ax) in slice_axes(axes, nb) {
                    match (from, to, ax) {
                        (
                            Some(from),
                            None,
                            Some(SliceAxis::Index(Bound {
                                value,
                                from_end: false,
                            })),
                        ) if is_counter(*value) => {
                            fixed.get_or_insert(Row::Counter(from));
                        }
                        (Some(from), Some(to), ax) if whole(ax) && row == Row::Counter(to) => {
                            mapped = Row::Counter(from)
                        }
                        _ => {}
                    }
                }
                row = fixed.unwrap_or(mapped);
                *b
            }
            &ExprKind::Broadcast { array: b, .. } => {
                // Axes aligned at the last; the counter's axis must not be stretched.
                let (n, nb) = (ndim(inst, a).unwrap_or(0), ndim(inst, b).unwrap_or(0));
                row = match row {
                    Row::Counter(k) if k + nb >= n => {
                        let kb = k + nb - n;
                        if shapes.same(Extent::Dim(b, kb), Extent::Dim(a, k)) {
                            Row::Counter(kb)
                        } else {
                            Row::Other
                        }
                    }
                    _ => Row::Other,
                };
                b
            }
            ExprKind::Transpose(b) => {
                let n = ndim(inst, a).unwrap_or(0);
                if let Row::Counter(k) = row {
                    row = Row::Counter(n - 1 - k);
                }
                *b
            }
            ExprKind::Relayout { array: b, .. } => {
                row = Row::Other;
                *b
            }
            _ => break,
        };
        a = next;
    }
    (a, row)
}
