//! Definite initialization, as rustc checks it.
//!
//! In: a lowered [`Function`]. Out: the reads of locals that are not assigned on every path before
//! them (`let x; if c { x = 1 } use(x)`).

use crate::ir::*;
use crate::span::Span;

type State = Vec<bool>;

pub fn uninitialized_reads(f: &Function<Untyped>) -> Vec<ExprId> {
    let mut state = vec![false; f.locals.len()];
    for p in &f.params {
        state[p.index()] = true;
    }
    for a in &f.shared {
        state[a.local.index()] = true;
    }
    let mut walker = Walker {
        f,
        bad: Vec::new(),
        breaks: Vec::new(),
    };
    walker.block(&f.body, state);
    walker.bad
}

struct Walker<'a> {
    f: &'a Function<Untyped>,
    bad: Vec<ExprId>,
    breaks: Vec<Vec<State>>,
}

impl Walker<'_> {
    /// Returns the state after the block, or `None` if it never finishes normally.
    fn block(&mut self, b: &Block, mut s: State) -> Option<State> {
        for stmt in &b.stmts {
            s = self.stmt(stmt, s)?;
        }
        Some(s)
    }

    fn stmt(&mut self, stmt: &Stmt, mut s: State) -> Option<State> {
        match stmt {
            Stmt::Assign { local, value, .. } => {
                self.expr(*value, &s);
                s[local.index()] = true;
                Some(s)
            }
            Stmt::Store { index, value, .. } | Stmt::Update { index, value, .. } => {
                self.expr(*value, &s);
                index.iter().for_each(|i| self.expr(*i, &s));
                Some(s)
            }
            Stmt::Eval(e) => {
                self.expr(*e, &s);
                // A `sum`/`product` walk sets its accumulator before it starts.
                if let ExprKind::Each(each) = &self.f.expr(*e).kind {
                    if let Some((acc, _)) = each.identity {
                        s[acc.index()] = true;
                    }
                }
                Some(s)
            }
            Stmt::Unpack { locals, value, .. } => {
                self.expr(*value, &s);
                for l in locals.iter().flatten() {
                    s[l.index()] = true;
                }
                Some(s)
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(*cond, &s);
                let t = self.block(then_body, s.clone());
                let e = self.block(else_body, s);
                meet(t, e)
            }
            Stmt::Loop { body } => {
                self.breaks.push(Vec::new());
                self.block(body, s);
                let exits = self.breaks.pop().unwrap_or_default();
                exits.into_iter().map(Some).reduce(meet).flatten()
            }
            Stmt::For {
                var, range, body, ..
            } => {
                self.expr(range.start, &s);
                self.expr(range.end, &s);
                if let Some(step) = range.step {
                    self.expr(step, &s);
                }
                let mut inner = s.clone();
                inner[var.index()] = true;
                self.breaks.push(Vec::new());
                self.block(body, inner);
                self.breaks.pop();
                Some(s)
            }
            Stmt::Break => {
                if let Some(b) = self.breaks.last_mut() {
                    b.push(s);
                }
                None
            }
            Stmt::Continue => None,
            Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(*v, &s);
                }
                None
            }
        }
    }

    fn expr(&mut self, e: ExprId, s: &State) {
        let kind = &self.f.expr(e).kind;
        match kind {
            ExprKind::Local(v) => {
                if !s[v.index()] {
                    self.bad.push(e);
                }
            }
            // A loop over the elements: its bindings are set on entry; like a `for` body, what
            // it assigns may not run.
            ExprKind::Each(each) => {
                let mut inner = s.clone();
                for l in each.bound() {
                    inner[l.index()] = true;
                }
                self.breaks.push(Vec::new());
                self.block(&each.body, inner);
                self.breaks.pop();
            }
            // `mapv`'s closure: run per element, its parameter bound.
            ExprKind::Map(m) => {
                self.expr(m.operand, s);
                let mut inner = s.clone();
                inner[m.elem.index()] = true;
                for &(x, l) in &m.zipped {
                    self.expr(x, s);
                    inner[l.index()] = true;
                }
                self.breaks.push(Vec::new());
                if let Some(inner) = self.block(&m.body, inner) {
                    self.expr(m.value, &inner);
                }
                self.breaks.pop();
                return;
            }
            // A kernel-made array used before it is assigned.
            k => {
                if let Some(a) = walk::array_operand(k) {
                    if !s[a.index()] {
                        self.bad.push(e);
                    }
                }
            }
        }
        for c in walk::children(kind) {
            self.expr(c, s);
        }
    }
}

fn meet(a: Option<State>, b: Option<State>) -> Option<State> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.iter().zip(&b).map(|(x, y)| *x && *y).collect()),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Assignments to an immutable local declared without a value (`let x;`) where it may already
/// have one, on some path or in an earlier iteration: rustc's "cannot assign twice to immutable
/// variable". `deferred[l]` is the loop depth at which such a local `l` is declared (`None` for
/// every other local): entering a loop at that depth or deeper declares it afresh.
pub fn reassigned_immutables(f: &Function<Untyped>, deferred: &[Option<u32>]) -> Vec<Span> {
    let mut walker = MaybeAssigned {
        deferred,
        depth: 0,
        bad: Vec::new(),
        frames: Vec::new(),
    };
    walker.block(&f.body, vec![false; f.locals.len()]);
    walker.bad.sort_by_key(|s| (s.start, s.end));
    walker.bad.dedup();
    walker.bad
}

/// Which locals may have been assigned; control-flow merges are unions.
struct MaybeAssigned<'a> {
    deferred: &'a [Option<u32>],
    depth: u32,
    bad: Vec<Span>,
    /// Per enclosing loop: the states at its `break`s and at its `continue`s.
    frames: Vec<(Vec<State>, Vec<State>)>,
}

impl MaybeAssigned<'_> {
    fn block(&mut self, b: &Block, mut s: State) -> Option<State> {
        for stmt in &b.stmts {
            s = self.stmt(stmt, s)?;
        }
        Some(s)
    }

    fn stmt(&mut self, stmt: &Stmt, mut s: State) -> Option<State> {
        match stmt {
            Stmt::Assign { local, span, .. } => {
                let i = local.index();
                if self.deferred.get(i).copied().flatten().is_some() && s[i] {
                    self.bad.push(*span);
                }
                s[i] = true;
                Some(s)
            }
            Stmt::Store { .. } | Stmt::Update { .. } | Stmt::Eval(_) => Some(s),
            Stmt::Unpack { locals, span, .. } => {
                for l in locals.iter().flatten() {
                    let i = l.index();
                    if self.deferred.get(i).copied().flatten().is_some() && s[i] {
                        self.bad.push(*span);
                    }
                    s[i] = true;
                }
                Some(s)
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                let t = self.block(then_body, s.clone());
                let e = self.block(else_body, s);
                join(t, e)
            }
            Stmt::Loop { body } => self.looped(body, s, false),
            Stmt::For { body, .. } => self.looped(body, s, true),
            Stmt::Break => {
                if let Some((breaks, _)) = self.frames.last_mut() {
                    breaks.push(s);
                }
                None
            }
            Stmt::Continue => {
                if let Some((_, continues)) = self.frames.last_mut() {
                    continues.push(s);
                }
                None
            }
            Stmt::Return { .. } => None,
        }
    }

    /// Iterates the body to a fixed point of the state at the top of an iteration. A `for` loop
    /// may also end before any iteration or after any iteration; a `loop` only at a `break`.
    fn looped(&mut self, body: &Block, s: State, is_for: bool) -> Option<State> {
        self.depth += 1;
        let mut top = s;
        let exit = loop {
            let mut entry = top.clone();
            for (i, d) in self.deferred.iter().enumerate() {
                if d.is_some_and(|d| d >= self.depth) && i < entry.len() {
                    entry[i] = false;
                }
            }
            self.frames.push((Vec::new(), Vec::new()));
            let end = self.block(body, entry);
            let (breaks, continues) = self.frames.pop().unwrap_or_default();
            let back = continues.into_iter().map(Some).fold(end, join);
            let next = join(Some(top.clone()), back).unwrap_or_else(|| top.clone());
            if next == top {
                let exit = breaks.into_iter().map(Some).fold(None, join);
                break if is_for { join(Some(top), exit) } else { exit };
            }
            top = next;
        };
        self.depth -= 1;
        exit
    }
}

fn join(a: Option<State>, b: Option<State>) -> Option<State> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.iter().zip(&b).map(|(x, y)| *x || *y).collect()),
        (a, None) => a,
        (None, b) => b,
    }
}
