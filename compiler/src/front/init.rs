//! Definite initialization, as rustc checks it.
//!
//! In: a lowered [`Function`]. Out: the reads of locals that are not assigned on every path before
//! them (`let x; if c { x = 1 } use(x)`).

use crate::ir::*;

type State = Vec<bool>;

pub fn uninitialized_reads(f: &Function) -> Vec<ExprId> {
    let mut state = vec![false; f.locals.len()];
    for p in &f.params {
        state[p.index()] = true;
    }
    let mut walker = Walker { f, bad: Vec::new(), breaks: Vec::new() };
    walker.block(&f.body, state);
    walker.bad
}

struct Walker<'a> {
    f: &'a Function,
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
            Stmt::Store { index, value, .. } => {
                self.expr(*value, &s);
                index.iter().for_each(|i| self.expr(*i, &s));
                Some(s)
            }
            Stmt::Eval(e) => {
                self.expr(*e, &s);
                Some(s)
            }
            Stmt::If { cond, then_body, else_body } => {
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
            Stmt::For { var, range, body, .. } => {
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
        match &self.f.expr(e).kind {
            ExprKind::Local(v) => {
                if !s[v.index()] {
                    self.bad.push(e);
                }
            }
            ExprKind::Lit(_) | ExprKind::Const(_) | ExprKind::Shape { .. } => {}
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => self.expr(*x, s),
            ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => {
                self.expr(*a, s);
                self.expr(*b, s);
            }
            ExprKind::Load { index: args, .. }
            | ExprKind::Intrinsic { args, .. }
            | ExprKind::Call { args, .. }
            | ExprKind::CallInst { args, .. } => args.iter().for_each(|a| self.expr(*a, s)),
            ExprKind::Method { receiver, args, .. } => {
                self.expr(*receiver, s);
                args.iter().for_each(|a| self.expr(*a, s));
            }
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
