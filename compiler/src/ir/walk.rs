//! Generic walks over the loop IR that several phases share.
//!
//! In: blocks and expressions of a function. Out: their sub-expressions, the locals they read and
//! assign, and whether control can leave a loop body early.

use super::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

impl Stmt {
    /// The statement with each block directly inside it (an `if`'s two, a loop's body) replaced
    /// by `f` of it, in order; a statement without blocks as it is.
    pub fn map_blocks(self, mut f: impl FnMut(Block) -> Block) -> Stmt {
        match self {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let then_body = f(then_body);
                Stmt::If {
                    cond,
                    then_body,
                    else_body: f(else_body),
                }
            }
            Stmt::Loop { body } => Stmt::Loop { body: f(body) },
            Stmt::For {
                var,
                range,
                body,
                span,
            } => Stmt::For {
                var,
                range,
                body: f(body),
                span,
            },
            s => s,
        }
    }
}

/// The direct sub-expressions of an expression, in evaluation order.
pub fn children<P: Phase>(k: &ExprKind<P>) -> Vec<ExprId> {
    match k {
        // A walk's body is statements, not operands.
        ExprKind::Lit(_)
        | ExprKind::Const(_)
        | ExprKind::Local(_)
        | ExprKind::Shape { .. }
        | ExprKind::Borrow { .. }
        | ExprKind::SameShape { .. }
        | ExprKind::MatMul { .. }
        | ExprKind::Relayout { .. }
        | ExprKind::Broadcast { .. }
        | ExprKind::Each(_)
        | ExprKind::Reduce(_) => Vec::new(),
        ExprKind::Unary(_, x)
        | ExprKind::Cast(x, _)
        | ExprKind::Field(x, _)
        | ExprKind::Unwrap { option: x, .. } => vec![*x],
        ExprKind::Option(o) => P::untyped::<OptionOp>(o).operand().into_iter().collect(),
        // The body and value run per element, like a walk's body.
        ExprKind::Map(m) => {
            let m = P::untyped::<Box<Map>>(m);
            std::iter::once(m.operand)
                .chain(m.zipped.iter().map(|&(x, _)| x))
                .collect()
        }
        ExprKind::Tuple(xs) => xs.clone(),
        ExprKind::Struct(op) => P::untyped::<Box<StructOp>>(op).operands(),
        ExprKind::Slice { axes, .. } => axes.iter().flat_map(SliceAxis::exprs).collect(),
        ExprKind::Transpose(_) => Vec::new(),
        ExprKind::Alloc { shape, init, .. } => {
            let mut out = match init {
                Init::Elem(v) | Init::Resize(v) => vec![*v],
                Init::Each(vs) => vs.clone(),
                _ => Vec::new(),
            };
            if let AllocShape::Dims(d) = shape {
                out.extend(d);
            }
            out
        }
        ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => vec![*a, *b],
        ExprKind::Load { index, .. } => index.clone(),
        ExprKind::Method { receiver, args, .. } => std::iter::once(*receiver)
            .chain(args.iter().copied())
            .collect(),
        ExprKind::Intrinsic { args, .. }
        | ExprKind::Call { args, .. }
        | ExprKind::CallInst { args, .. } => args.clone(),
        ExprKind::Gpu { index, args, .. } => index.iter().chain(args).copied().collect(),
    }
}

/// The array an expression names without reading it as a value (indexing, a shape query, a
/// view, the source of a copy or of extents, a GPU atomic).
pub fn array_operand<P: Phase>(k: &ExprKind<P>) -> Option<LocalId> {
    match k {
        ExprKind::Load { array, .. }
        | ExprKind::Shape { array, .. }
        | ExprKind::Borrow { array, .. }
        | ExprKind::Slice { array, .. }
        | ExprKind::Transpose(array)
        | ExprKind::Relayout { array, .. }
        | ExprKind::Broadcast { array, .. }
        | ExprKind::Gpu {
            array: Some(array), ..
        }
        | ExprKind::Alloc {
            init: Init::Copy(array),
            ..
        }
        | ExprKind::Alloc {
            shape: AllocShape::Like(array) | AllocShape::LayoutOf(array),
            ..
        } => Some(*array),
        _ => None,
    }
}

/// Whether expression `e` of `f` reads one of the locals in `set`.
pub fn reads_any(f: &Function, e: ExprId, set: &HashSet<LocalId>) -> bool {
    matches!(f.expr(e).kind, ExprKind::Local(l) if set.contains(&l))
        || children(&f.expr(e).kind)
            .into_iter()
            .any(|c| reads_any(f, c, set))
}

/// Whether expression `e` of `f` reads local `l`.
pub fn reads_local(f: &Function, e: ExprId, l: LocalId) -> bool {
    reads_any(f, e, &HashSet::from([l]))
}

/// Whether a `break` in `b` leaves the loop `b` is the body of (not a loop inside it).
pub fn breaks_out(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Break => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => breaks_out(then_body) || breaks_out(else_body),
        _ => false,
    })
}

/// Every local a block assigns, `for` loop variables included.
pub fn assigned_locals(b: &Block) -> HashSet<LocalId> {
    let mut out = HashSet::new();
    assigned(b, &mut out);
    out
}

fn assigned(b: &Block, out: &mut HashSet<LocalId>) {
    for s in &b.stmts {
        match s {
            Stmt::Assign { local, .. } => {
                out.insert(*local);
            }
            Stmt::Unpack { locals, .. } => out.extend(locals.iter().flatten()),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                assigned(then_body, out);
                assigned(else_body, out);
            }
            Stmt::Loop { body } => assigned(body, out),
            Stmt::For { var, body, .. } => {
                out.insert(*var);
                assigned(body, out);
            }
            _ => {}
        }
    }
}

/// The locals a block assigns (or unpacks into) with the value they take it from.
pub fn assignments(b: &Block) -> Vec<(LocalId, ExprId)> {
    let mut out = Vec::new();
    fn walk(b: &Block, out: &mut Vec<(LocalId, ExprId)>) {
        for s in &b.stmts {
            match s {
                Stmt::Assign { local, value, .. } => out.push((*local, *value)),
                // Conservatively, every element may be any array of the tuple.
                Stmt::Unpack { locals, value, .. } => {
                    out.extend(locals.iter().flatten().map(|l| (*l, *value)))
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    walk(then_body, out);
                    walk(else_body, out);
                }
                Stmt::Loop { body } | Stmt::For { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    walk(b, &mut out);
    out
}

/// A `break` of the loop whose body `b` is (at `depth` 0) or any `return` inside it: its span
/// (`break` carries none: callers point at the loop) and which it is.
pub fn escapes(b: &Block, depth: u32) -> Option<(Option<Span>, &'static str)> {
    for s in &b.stmts {
        let found = match s {
            Stmt::Return { span, .. } => Some((Some(*span), "return")),
            Stmt::Break if depth == 0 => Some((None, "break")),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => escapes(then_body, depth).or_else(|| escapes(else_body, depth)),
            Stmt::Loop { body } | Stmt::For { body, .. } => escapes(body, depth + 1),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Reads, writes and array uses of the locals of a block (calls not followed).
#[derive(Default)]
pub struct Uses {
    /// Per local: how many times an expression reads it.
    pub reads: HashMap<LocalId, usize>,
    /// Per local: each write's value (`None` for a loop variable) and span.
    pub writes: HashMap<LocalId, Vec<(Option<ExprId>, Span)>>,
    /// The arrays the block loads, stores, updates or asks the shape of.
    pub arrays: HashSet<LocalId>,
}

impl Uses {
    /// The uses in block `b` of function `f`.
    pub fn of<P: Phase>(f: &Function<P>, b: &Block) -> Uses {
        let mut u = Uses::default();
        u.block(f, b);
        u
    }

    /// Every use of `l`.
    pub fn count(&self, l: LocalId) -> usize {
        self.reads.get(&l).copied().unwrap_or(0)
            + self.writes.get(&l).map_or(0, |w| w.len())
            + self.arrays.contains(&l) as usize
    }

    fn block<P: Phase>(&mut self, f: &Function<P>, b: &Block) {
        for s in &b.stmts {
            match s {
                Stmt::Assign { local, value, span } => {
                    self.expr(f, *value);
                    self.writes
                        .entry(*local)
                        .or_default()
                        .push((Some(*value), *span));
                }
                Stmt::Store {
                    array,
                    index,
                    value,
                    ..
                }
                | Stmt::Update {
                    array,
                    index,
                    value,
                    ..
                } => {
                    self.expr(f, *value);
                    index.iter().for_each(|&i| self.expr(f, i));
                    self.arrays.insert(*array);
                }
                Stmt::Eval(e) => self.expr(f, *e),
                Stmt::Unpack {
                    locals,
                    value,
                    span,
                } => {
                    self.expr(f, *value);
                    for l in locals.iter().flatten() {
                        self.writes.entry(*l).or_default().push((None, *span));
                    }
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    self.expr(f, *cond);
                    self.block(f, then_body);
                    self.block(f, else_body);
                }
                Stmt::Loop { body } => self.block(f, body),
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    [Some(range.start), Some(range.end), range.step]
                        .into_iter()
                        .flatten()
                        .for_each(|e| self.expr(f, e));
                    self.writes.entry(*var).or_default().push((None, *span));
                    self.block(f, body);
                }
                Stmt::Return { value, .. } => value.iter().for_each(|&e| self.expr(f, e)),
                Stmt::Break | Stmt::Continue => {}
            }
        }
    }

    fn expr<P: Phase>(&mut self, f: &Function<P>, e: ExprId) {
        match &f.expr(e).kind {
            ExprKind::Local(l) => {
                *self.reads.entry(*l).or_default() += 1;
            }
            ExprKind::SameShape { a, b }
            | ExprKind::Broadcast {
                array: a, with: b, ..
            } => {
                self.arrays.extend([*a, *b]);
            }
            ExprKind::MatMul { a, b, out } => {
                self.arrays.extend([*a, *b, *out]);
            }
            k => {
                if let Some(a) = array_operand(k) {
                    self.arrays.insert(a);
                }
            }
        }
        children(&f.expr(e).kind)
            .into_iter()
            .for_each(|c| self.expr(f, c));
    }
}

/// The arrays that [`Stmt::Update`]s in block `b` update (the array reductions of a `prange`
/// body), in order of first appearance.
pub fn updated_arrays(b: &Block) -> Vec<(LocalId, UpdateOp)> {
    fn walk(b: &Block, out: &mut Vec<(LocalId, UpdateOp)>) {
        for s in &b.stmts {
            match s {
                Stmt::Update { array, op, .. } if !out.iter().any(|(a, _)| a == array) => {
                    out.push((*array, *op))
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    walk(then_body, out);
                    walk(else_body, out);
                }
                Stmt::Loop { body } | Stmt::For { body, .. } => walk(body, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(b, &mut out);
    out
}

/// Function `k` of an untyped program and the functions it calls, directly or not, each once, in
/// the order first reached (`k` first).
pub fn reachable(program: &Program, k: FuncId) -> Vec<FuncId> {
    let mut out = vec![k];
    let mut next = 0;
    while let Some(&f) = out.get(next) {
        next += 1;
        for e in program.func(f).exprs.values() {
            if let ExprKind::Call { func, .. } = e.kind {
                if !out.contains(&func) {
                    out.push(func);
                }
            }
        }
    }
    out
}

/// The instances of a typed program it calls directly, per instance (by index), each once.
fn callees(program: &TypedProgram) -> Vec<Vec<InstId>> {
    program
        .instances
        .values()
        .map(|inst| {
            let mut out = Vec::new();
            for e in inst.func.exprs.values() {
                if let ExprKind::CallInst { inst: callee, .. } = e.kind {
                    if !out.contains(&callee) {
                        out.push(callee);
                    }
                }
            }
            out
        })
        .collect()
}

/// Per instance (by index): whether it is recursive, that is, a call of it can reach a call of
/// it again (directly, or through others: mutual recursion). Calls of recursive instances count
/// their depth ([`MAX_CALL_DEPTH`]).
pub fn recursive(program: &TypedProgram) -> Vec<bool> {
    let callees = callees(program);
    (0..callees.len())
        .map(|start| {
            let mut seen = vec![false; callees.len()];
            let mut todo = callees[start].clone();
            while let Some(c) = todo.pop() {
                if c.index() == start {
                    return true;
                }
                if !std::mem::replace(&mut seen[c.index()], true) {
                    todo.extend(&callees[c.index()]);
                }
            }
            false
        })
        .collect()
}
