//! Use after move: a local holding an owned array (or a tuple with one) is moved by reading it
//! as a value (`let y = t`, `helper(t)`, `return t`, `(t, s)`), and rustc rejects any later use
//! of it until it is assigned again (E0382), on any path, also in a later iteration of a loop.
//!
//! In: a typed program. Out: `Ok`, or the first use of a moved local, with the move.

use crate::diag::Diagnostic;
use crate::ir::walk::{array_operand, children};
use crate::ir::*;
use crate::span::Span;
use std::collections::HashMap;

/// Checks every instance of `program`.
pub fn check(program: &TypedProgram) -> Result<(), Diagnostic> {
    for inst in program.instances.values() {
        let mut w = Walker {
            inst,
            breaks: Vec::new(),
            continues: Vec::new(),
        };
        w.block(&inst.func.body, Moved::new())?;
    }
    Ok(())
}

/// The locals that may have been moved out, with where.
type Moved = HashMap<LocalId, Span>;

struct Walker<'a> {
    inst: &'a Instance,
    /// Per enclosing loop: the states at its `break`s and `continue`s.
    breaks: Vec<Vec<Moved>>,
    continues: Vec<Vec<Moved>>,
}

fn join(a: Option<Moved>, b: Option<Moved>) -> Option<Moved> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            for (l, s) in b {
                a.entry(l).or_insert(s);
            }
            Some(a)
        }
        (a, None) => a,
        (None, b) => b,
    }
}

impl Walker<'_> {
    /// The state after the block, or `None` if it never ends normally.
    fn block(&mut self, b: &Block, mut s: Moved) -> Result<Option<Moved>, Diagnostic> {
        for stmt in &b.stmts {
            match self.stmt(stmt, s)? {
                Some(next) => s = next,
                None => return Ok(None),
            }
        }
        Ok(Some(s))
    }

    fn stmt(&mut self, stmt: &Stmt, mut s: Moved) -> Result<Option<Moved>, Diagnostic> {
        match stmt {
            Stmt::Assign { local, value, .. } => {
                self.expr(*value, &mut s)?;
                s.remove(local);
            }
            Stmt::Unpack { locals, value, .. } => {
                self.expr(*value, &mut s)?;
                for l in locals.iter().flatten() {
                    s.remove(l);
                }
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            }
            | Stmt::Update {
                array,
                index,
                value,
                span,
                ..
            } => {
                self.expr(*value, &mut s)?;
                for &i in index {
                    self.expr(i, &mut s)?;
                }
                self.used(*array, *span, &s)?;
            }
            Stmt::Eval(e) => self.expr(*e, &mut s)?,
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(*cond, &mut s)?;
                let t = self.block(then_body, s.clone())?;
                let e = self.block(else_body, s)?;
                return Ok(join(t, e));
            }
            Stmt::Loop { body } => return self.looped(body, s, false),
            Stmt::For { range, body, .. } => {
                for e in [Some(range.start), Some(range.end), range.step]
                    .into_iter()
                    .flatten()
                {
                    self.expr(e, &mut s)?;
                }
                return self.looped(body, s, true);
            }
            Stmt::Break => {
                if let Some(b) = self.breaks.last_mut() {
                    b.push(s);
                }
                return Ok(None);
            }
            Stmt::Continue => {
                if let Some(c) = self.continues.last_mut() {
                    c.push(s);
                }
                return Ok(None);
            }
            Stmt::Return { value, .. } => {
                if let Some(v) = value {
                    self.expr(*v, &mut s)?;
                }
                return Ok(None);
            }
        }
        Ok(Some(s))
    }

    /// A loop body to a fixed point of the state at its top (moves only grow).
    fn looped(
        &mut self,
        body: &Block,
        s: Moved,
        is_for: bool,
    ) -> Result<Option<Moved>, Diagnostic> {
        let mut top = s;
        loop {
            self.breaks.push(Vec::new());
            self.continues.push(Vec::new());
            let end = self.block(body, top.clone());
            let breaks = self.breaks.pop().unwrap_or_default();
            let continues = self.continues.pop().unwrap_or_default();
            let end = end?;
            let back = continues.into_iter().map(Some).fold(end, join);
            let next = join(Some(top.clone()), back).unwrap_or_else(|| top.clone());
            if next.len() == top.len() {
                let exit = breaks.into_iter().map(Some).fold(None, join);
                return Ok(if is_for { join(Some(top), exit) } else { exit });
            }
            top = next;
        }
    }

    fn expr(&mut self, e: ExprId, s: &mut Moved) -> Result<(), Diagnostic> {
        let f = &self.inst.func;
        let x = f.expr(e);
        for c in children(&x.kind) {
            self.expr(c, s)?;
        }
        if let Some(a) = array_operand(&x.kind) {
            self.used(a, x.span, s)?;
        }
        if let ExprKind::Local(l) = x.kind {
            self.used(l, x.span, s)?;
            if self.inst.local_ty(l).owns() {
                s.insert(l, x.span);
            }
        }
        Ok(())
    }

    fn used(&self, l: LocalId, at: Span, s: &Moved) -> Result<(), Diagnostic> {
        let Some(&moved) = s.get(&l) else {
            return Ok(());
        };
        let name = &self.inst.func.local(l).name;
        Err(Diagnostic::new(
            format!("use of moved value: `{name}`"),
            at,
            "value used here after move",
        )
        .with_label(moved, "value moved here")
        .with_help(format!(
            "borrow it instead of moving it (`&{name}`, `{name}.view()`), or copy it with `{name}.to_owned()`"
        )))
    }
}
