//! What the shapes of a function's arrays say, and the checks and branches it settles: the
//! extents proven equal ([`Shapes`]: classes learned from allocations, views, broadcasts,
//! `same_shape` checks and `usize` locals assigned once), accesses in bounds by them, and
//! conditions they decide.
//!
//! In: a typed program, before fusion and versioning. Out: the same program where a load or
//! store `a[i, j]` whose every index is the counter of an enclosing `for i in 0..n` with `n`
//! provably `a`'s extent on that axis is unchecked (the walks of `types` check zipped arrays'
//! shapes once and index them all by the first one's counters: their accesses all go), and an
//! `if` whose condition is `a == b && ..` of extents proven equal is its `then` branch (the test
//! of `types` for whether an operator's result can take its operand's memory). [`Shapes`] is
//! also what `fusion` knows of extents.

use super::counted;
use crate::ir::walk::children;
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        settle(inst);
    }
}

/// What the shapes of one instance settle: unchecked accesses, `if`s known true.
pub(super) fn settle(inst: &mut Instance) {
    // Again while it settles `if`s: a local assigned in both branches of one is assigned once
    // after, which can prove more.
    loop {
        let mut shapes = Shapes::of(inst);
        let mut body = std::mem::take(&mut inst.func.body);
        let folded = shapes.unchecked(inst, &mut body, &mut Vec::new());
        inst.func.body = body;
        if !folded {
            break;
        }
    }
}

/// An extent: of axis `.1` of an array local, the value of a `usize` local assigned once (or a
/// parameter), or the constant 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Extent {
    Dim(LocalId, u8),
    Scalar(LocalId),
    One,
}

/// What is known of a function's array extents: classes of extents proven equal (a union-find),
/// over the arrays whose handle never changes (parameters never assigned, locals assigned once,
/// not loop variables: a single assignment dominates every use, as the front end's scoping and
/// initialization rules make it).
#[derive(Clone)]
pub(super) struct Shapes {
    /// The value of each local assigned once by `=`.
    pub(super) value: HashMap<LocalId, ExprId>,
    pub(super) stable: HashSet<LocalId>,
    parent: HashMap<Extent, Extent>,
}

impl Shapes {
    pub(super) fn of(inst: &Instance) -> Shapes {
        fn count(b: &Block, n: &mut HashMap<LocalId, usize>, value: &mut HashMap<LocalId, ExprId>) {
            for s in &b.stmts {
                match s {
                    Stmt::Assign {
                        local, value: v, ..
                    } => {
                        *n.entry(*local).or_default() += 1;
                        value.insert(*local, *v);
                    }
                    Stmt::Unpack { locals, .. } => {
                        for l in locals.iter().flatten() {
                            *n.entry(*l).or_default() += 2;
                        }
                    }
                    Stmt::For { var, body, .. } => {
                        *n.entry(*var).or_default() += 2;
                        count(body, n, value);
                    }
                    Stmt::Loop { body } => count(body, n, value),
                    Stmt::If {
                        then_body,
                        else_body,
                        ..
                    } => {
                        count(then_body, n, value);
                        count(else_body, n, value);
                    }
                    _ => {}
                }
            }
        }
        let (mut n, mut value) = (HashMap::new(), HashMap::new());
        count(&inst.func.body, &mut n, &mut value);
        let params: HashSet<LocalId> = inst.func.params.iter().copied().collect();
        let stable: HashSet<LocalId> = inst
            .func
            .locals
            .keys()
            .filter(|l| match n.get(l) {
                None => params.contains(l),
                Some(&k) => k == 1 && !params.contains(l),
            })
            .collect();
        value.retain(|l, _| stable.contains(l));
        Shapes {
            value,
            stable,
            parent: HashMap::new(),
        }
    }

    fn find(&self, mut x: Extent) -> Extent {
        while let Some(&p) = self.parent.get(&x) {
            x = p;
        }
        x
    }

    pub(super) fn union(&mut self, a: Extent, b: Extent) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent.insert(a, b);
        }
    }

    pub(super) fn same(&self, a: Extent, b: Extent) -> bool {
        self.find(a) == self.find(b)
    }

    /// The extent `e` reads: `x.dim(k)`, `x.len()` of a 1-D `x`, `1`, or a `usize` local that
    /// holds one (or is a parameter).
    pub(super) fn extent(&self, inst: &Instance, e: ExprId) -> Option<Extent> {
        match inst.func.expr(e).kind {
            ExprKind::Local(l)
                if self.stable.contains(&l) && inst.local_ty(l) == Type::Scalar(Scalar::Usize) =>
            {
                match self.value.get(&l) {
                    Some(&v) => self.extent(inst, v).or(Some(Extent::Scalar(l))),
                    None => Some(Extent::Scalar(l)),
                }
            }
            ExprKind::Shape { array, query } if self.stable.contains(&array) => match query {
                ShapeQuery::Dim(k) => Some(Extent::Dim(array, k)),
                ShapeQuery::Len if ndim(inst, array) == Some(1) => Some(Extent::Dim(array, 0)),
                _ => None,
            },
            ExprKind::Const(c) if c == Const::int(Scalar::Usize, 1) => Some(Extent::One),
            _ => None,
        }
    }

    /// Learns what statement `s` of the block being scanned makes true from where it runs on.
    pub(super) fn learn(&mut self, inst: &Instance, s: &Stmt) {
        match s {
            Stmt::Assign { local, value, .. } if self.stable.contains(local) => {
                self.define(inst, *local, *value)
            }
            Stmt::Eval(e) => {
                if let ExprKind::SameShape { a, b } = inst.func.expr(*e).kind {
                    let (Some(na), Some(nb)) = (ndim(inst, a), ndim(inst, b)) else {
                        return;
                    };
                    if self.stable.contains(&a) && self.stable.contains(&b) && na >= nb {
                        for k in 0..nb {
                            self.union(Extent::Dim(a, k + na - nb), Extent::Dim(b, k));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The extents of array `l`, made once by `value`.
    fn define(&mut self, inst: &Instance, l: LocalId, value: ExprId) {
        let Some(n) = ndim(inst, l) else { return };
        let stable = |x: &LocalId| self.stable.contains(x);
        let same_axes = |s: &mut Self, b: LocalId| {
            for k in 0..n {
                s.union(Extent::Dim(l, k), Extent::Dim(b, k));
            }
        };
        match &inst.func.expr(value).kind {
            ExprKind::Local(b) | ExprKind::Borrow { array: b, .. } if stable(b) => {
                same_axes(self, *b)
            }
            ExprKind::Alloc { shape, .. } => match shape {
                AllocShape::Dims(ds) => {
                    for (k, &d) in ds.iter().enumerate() {
                        if let Some(x) = self.extent(inst, d) {
                            self.union(Extent::Dim(l, k as u8), x);
                        }
                    }
                }
                AllocShape::Like(b) | AllocShape::LayoutOf(b) if stable(b) => same_axes(self, *b),
                _ => {}
            },
            ExprKind::Transpose(b) if stable(b) => {
                for k in 0..n {
                    self.union(Extent::Dim(l, k), Extent::Dim(*b, n - 1 - k));
                }
            }
            ExprKind::Slice { array: b, axes, .. } if stable(b) => {
                let Some(nb) = ndim(inst, *b) else { return };
                for (from, to, ax) in slice_axes(axes, nb) {
                    match (from, to) {
                        (None, Some(to)) => self.union(Extent::Dim(l, to), Extent::One),
                        (Some(from), Some(to)) if whole(ax) && to < n => {
                            self.union(Extent::Dim(l, to), Extent::Dim(*b, from))
                        }
                        _ => {}
                    }
                }
            }
            &ExprKind::Broadcast {
                array: x,
                with: w,
                onto,
            } if stable(&x) && stable(&w) => {
                let (Some(nx), Some(nw)) = (ndim(inst, x), ndim(inst, w)) else {
                    return;
                };
                // Axes aligned at the last.
                let axis =
                    |a: LocalId, na: u8, k: u8| (k + na >= n).then(|| Extent::Dim(a, k + na - n));
                for k in 0..n {
                    let here = Extent::Dim(l, k);
                    match (axis(x, nx, k), axis(w, nw, k)) {
                        (_, Some(b)) if onto => self.union(here, b),
                        (Some(a), Some(b)) if self.same(a, b) || self.same(b, Extent::One) => {
                            self.union(here, a)
                        }
                        (Some(a), Some(b)) if self.same(a, Extent::One) => self.union(here, b),
                        (Some(a), None) | (None, Some(a)) if !onto => self.union(here, a),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Clears the `checked` flag of the accesses in `b` that are in bounds by the extents of
    /// the loops around them (`counters`: each enclosing counted loop's variable and extent),
    /// and puts the `then` branch of each `if` known true in its place; whether there was one.
    fn unchecked(
        &mut self,
        inst: &mut Instance,
        b: &mut Block,
        counters: &mut Vec<(LocalId, Extent)>,
    ) -> bool {
        let mut folded = false;
        let mut todo: std::collections::VecDeque<Stmt> = std::mem::take(&mut b.stmts).into();
        while let Some(mut s) = todo.pop_front() {
            if let Stmt::If {
                cond,
                then_body,
                else_body,
            } = s
            {
                if !self.proven(inst, cond) {
                    s = Stmt::If {
                        cond,
                        then_body,
                        else_body,
                    };
                } else {
                    // Known true: the `then` branch in its place.
                    folded = true;
                    inst.drop_expr(cond);
                    inst.drop_block(&else_body);
                    for t in then_body.stmts.into_iter().rev() {
                        todo.push_front(t);
                    }
                    continue;
                }
            }
            folded |= self.unchecked_stmt(inst, &mut s, counters);
            self.learn(inst, &s);
            b.stmts.push(s);
        }
        folded
    }

    /// Learns what condition `e` makes true where it holds (the `then` branch of an `if`):
    /// the equalities of extents of `a == b && ..`.
    pub(super) fn assume(&mut self, inst: &Instance, e: ExprId) {
        match inst.func.expr(e).kind {
            ExprKind::Logical(LogicOp::And, a, b) => {
                self.assume(inst, a);
                self.assume(inst, b);
            }
            ExprKind::Binary(BinOp::Eq, a, b) => {
                if let (Some(x), Some(y)) = (self.extent(inst, a), self.extent(inst, b)) {
                    self.union(x, y);
                }
            }
            _ => {}
        }
    }

    /// Whether condition `e` holds by the extents known: `a == b && ..` of equal extents (the
    /// test of `types` for whether an operator's result can take its operand's memory).
    fn proven(&self, inst: &Instance, e: ExprId) -> bool {
        match inst.func.expr(e).kind {
            ExprKind::Logical(LogicOp::And, a, b) => self.proven(inst, a) && self.proven(inst, b),
            ExprKind::Binary(BinOp::Eq, a, b) => {
                matches!((self.extent(inst, a), self.extent(inst, b)),
                    (Some(x), Some(y)) if self.same(x, y))
            }
            _ => false,
        }
    }

    /// [`Self::unchecked`] of one statement (the blocks inside it knowing what they learn).
    fn unchecked_stmt(
        &self,
        inst: &mut Instance,
        s: &mut Stmt,
        counters: &mut Vec<(LocalId, Extent)>,
    ) -> bool {
        match s {
            Stmt::Store {
                array,
                index,
                checked,
                value,
                ..
            }
            | Stmt::Update {
                array,
                index,
                checked,
                value,
                ..
            } => {
                if *checked && self.in_bounds(inst, *array, index, counters) {
                    *checked = false;
                }
                for &e in index.iter().chain([&*value]) {
                    self.unchecked_expr(inst, e, counters);
                }
                false
            }
            Stmt::Assign { value: e, .. } | Stmt::Unpack { value: e, .. } | Stmt::Eval(e) => {
                self.unchecked_expr(inst, *e, counters);
                false
            }
            Stmt::Return { value, .. } => {
                if let Some(e) = value {
                    self.unchecked_expr(inst, *e, counters)
                }
                false
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.unchecked_expr(inst, *cond, counters);
                let mut then = self.clone();
                then.assume(inst, *cond);
                let a = then.unchecked(inst, then_body, counters);
                self.clone().unchecked(inst, else_body, counters) | a
            }
            Stmt::Loop { body } => self.clone().unchecked(inst, body, counters),
            Stmt::For {
                var, range, body, ..
            } => {
                for e in [range.start, range.end].into_iter().chain(range.step) {
                    self.unchecked_expr(inst, e, counters);
                }
                let extent = self.counted_extent(inst, *var, range, body);
                if let Some(x) = extent {
                    counters.push((*var, x));
                }
                let folded = self.clone().unchecked(inst, body, counters);
                if extent.is_some() {
                    counters.pop();
                }
                folded
            }
            Stmt::Break | Stmt::Continue => false,
        }
    }

    fn unchecked_expr(&self, inst: &mut Instance, e: ExprId, counters: &[(LocalId, Extent)]) {
        let kind = &inst.func.expr(e).kind;
        let proven = match kind {
            ExprKind::Load {
                array,
                index,
                checked: true,
            } => self.in_bounds(inst, *array, index, counters),
            _ => false,
        };
        let kids = children(kind);
        let direct = match kind {
            ExprKind::Load { array, .. } => self.unstretched(inst, *array),
            _ => None,
        };
        if let ExprKind::Load { checked, array, .. } = &mut inst.func.exprs[e].kind {
            if proven {
                *checked = false;
            }
            if let Some(x) = direct {
                *array = x;
            }
        }
        for c in kids {
            self.unchecked_expr(inst, c, counters);
        }
    }

    /// The view or parameter that `a`, a broadcast view stretching nothing (every axis of the
    /// extent of its array's, as many axes), shows element for element: loads read it directly, with its
    /// own strides (a C array's are known to be one: LLVM's SLP vectorizer, which cannot test
    /// a stride at run time, then packs the eight partial sums of a fused `sum`).
    fn unstretched(&self, inst: &Instance, a: LocalId) -> Option<LocalId> {
        let mut found = None;
        let mut at = a;
        while let Some(&v) = self.value.get(&at) {
            let ExprKind::Broadcast { array: x, .. } = inst.func.expr(v).kind else {
                break;
            };
            let n = ndim(inst, at)?;
            // Not an array that owns its memory: a move can empty it while the view lives on.
            let same = self.stable.contains(&x)
                && !matches!(inst.local_ty(x), Type::Array(t) if t.storage == Storage::Heap)
                && ndim(inst, x) == Some(n)
                && (0..n).all(|k| self.same(Extent::Dim(at, k), Extent::Dim(x, k)));
            if !same {
                break;
            }
            found = Some(x);
            at = x;
        }
        found
    }

    /// The extent of a `for var in 0..n` loop (step 1, forward) whose body leaves `var` alone.
    pub(super) fn counted_extent(
        &self,
        inst: &Instance,
        var: LocalId,
        range: &ForRange,
        body: &Block,
    ) -> Option<Extent> {
        let zero = matches!(inst.func.expr(range.start).kind,
            ExprKind::Const(c) if c == Const::int(Scalar::Usize, 0));
        let ok = zero
            && counted(inst, var, range)
            && !crate::ir::walk::assigned_locals(body).contains(&var);
        ok.then(|| self.extent(inst, range.end)).flatten()
    }

    /// Whether `array[index]` is in bounds: each index is the counter of an enclosing loop
    /// over the array's extent on that axis.
    fn in_bounds(
        &self,
        inst: &Instance,
        array: LocalId,
        index: &[ExprId],
        counters: &[(LocalId, Extent)],
    ) -> bool {
        self.stable.contains(&array)
            && ndim(inst, array) == Some(index.len() as u8)
            && index.iter().enumerate().all(|(k, &i)| {
                let ExprKind::Local(v) = inst.func.expr(i).kind else {
                    return false;
                };
                counters
                    .iter()
                    .any(|&(c, x)| c == v && self.same(x, Extent::Dim(array, k as u8)))
            })
    }
}

/// How a slice of an array of `nb` axes lines up with it: for each of its items, then each
/// axis it leaves unnamed (kept whole, the item `None`), the source axis it reads (`None` for
/// `NewAxis`) and the axis of the view it makes (`None` for an index).
pub(super) fn slice_axes(
    axes: &[SliceAxis],
    nb: u8,
) -> Vec<(Option<u8>, Option<u8>, Option<&SliceAxis>)> {
    let (mut from, mut to) = (0u8, 0u8);
    let mut out = Vec::new();
    for ax in axes {
        let (f, t) = match ax {
            SliceAxis::Index(_) => (Some(from), None),
            SliceAxis::NewAxis => (None, Some(to)),
            SliceAxis::Range { .. } => (Some(from), Some(to)),
        };
        from += f.is_some() as u8;
        to += t.is_some() as u8;
        out.push((f, t, Some(ax)));
    }
    while from < nb {
        out.push((Some(from), Some(to), None));
        (from, to) = (from + 1, to + 1);
    }
    out
}

/// Whether a slice item (or an unnamed axis, `None`) keeps its source axis whole.
pub(super) fn whole(ax: Option<&SliceAxis>) -> bool {
    matches!(
        ax,
        None | Some(SliceAxis::Range {
            start: None,
            end: None,
            step: 1
        })
    )
}

/// The number of axes of an array local.
pub(super) fn ndim(inst: &Instance, l: LocalId) -> Option<u8> {
    match inst.local_ty(l) {
        Type::Array(a) => Some(a.ndim),
        _ => None,
    }
}
