//! Leaving loops: `break`, `continue`, labels (`break 'outer`, `continue 'outer`) and
//! `loop { .. break value }` as a value.
//!
//! In: `syn` break/continue expressions, within the loops being lowered ([`LoopFrame`]s).
//! Out: the IR's `Break`/`Continue`, which leave the innermost loop only. A jump to an outer loop
//! sets that loop's pending flag (1: break, 2: continue) and breaks; after each loop it crossed,
//! the flag is tested (`if pending != 0 { break }`, and at the target `if pending == 1 { break }`,
//! `if pending == 2 { continue }`); the flag is cleared before the loop that the jump left from
//! the target's body. The later stages see only plain loops, so every rule about `break` (in
//! `prange` bodies, in versioned loops) holds for labelled jumps too. A `break value` assigns
//! the loop's temporary first.
//!
//! ```text
//! 'outer: for i in .. {            for i in .. {
//!     for j in .. {                    pending = 0
//!         if c { continue 'outer }     for j in .. { if c { pending = 2; break } }
//!     }                                if pending == 2 { continue }
//! }                                }
//! ```

use super::*;
use std::collections::BTreeSet;

/// A loop being lowered.
#[derive(Default)]
pub(super) struct LoopFrame {
    label: Option<String>,
    /// A `loop` (may give a value), not a `while` or `for`.
    is_loop: bool,
    /// The temporary a `break value` assigns (a `loop` used as a value).
    value: Option<LocalId>,
    /// The flag a jump from a nested loop to this one sets.
    pending: Option<LocalId>,
    /// Whether a nested jump breaks / continues this loop.
    broken: bool,
    continued: bool,
    /// The enclosing loops (by index in the stack) that a jump from inside this one targets.
    escapes: BTreeSet<usize>,
    /// How many locals the function had when the loop began: those declared around it.
    outer_locals: usize,
}

impl LoopFrame {
    /// Whether a jump inside this loop targets a loop around it (a labelled `break`/`continue`).
    pub(super) fn leaves_outer_loops(&self) -> bool {
        !self.escapes.is_empty()
    }

    pub(super) fn new(label: Option<&syn::Label>, is_loop: bool, value: Option<LocalId>) -> Self {
        LoopFrame {
            label: label.map(|l| l.name.ident.to_string()),
            is_loop,
            value,
            pending: None,
            broken: false,
            continued: false,
            escapes: BTreeSet::new(),
            outer_locals: 0,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Jump {
    Break,
    Continue,
}

impl Jump {
    fn code(self) -> i128 {
        match self {
            Jump::Break => 1,
            Jump::Continue => 2,
        }
    }

    fn stmt(self) -> Stmt {
        match self {
            Jump::Break => Stmt::Break,
            Jump::Continue => Stmt::Continue,
        }
    }
}

impl FnLowerer<'_> {
    /// Lowers a loop body in a new block and scope, inside `frame`.
    pub(super) fn in_loop<T>(
        &mut self,
        frame: LoopFrame,
        f: impl FnOnce(&mut Self) -> R<T>,
    ) -> R<(Block, T, LoopFrame)> {
        let outer_locals = self.func.locals.len();
        self.loops.push(LoopFrame {
            outer_locals,
            ..frame
        });
        let r = self.nested(f);
        let frame = self.loops.pop().unwrap_or_default();
        let (block, t) = r?;
        Ok((block, t, frame))
    }

    /// Whether `local` is declared around the innermost loop and `mut`: state the loop may carry
    /// from one iteration to the next.
    pub(super) fn may_carry(&self, local: LocalId) -> bool {
        self.loops
            .last()
            .is_some_and(|l| local.index() < l.outer_locals && self.func.locals[local].mutable)
    }

    /// Emits a finished loop, with the pending flags of the jumps that leave it.
    pub(super) fn finish_loop(&mut self, frame: LoopFrame, stmt: Stmt) {
        let span = match &stmt {
            Stmt::For { span, .. } => *span,
            _ => Span::default(),
        };
        let parent = self.loops.len().checked_sub(1);
        for &k in &frame.escapes {
            if Some(k) == parent {
                let flag = self.pending(k);
                let zero = self
                    .func
                    .add_expr(ExprKind::Lit(Lit::Int(IntLit::new(0), None)), span);
                self.emit(Stmt::Assign {
                    local: flag,
                    value: zero,
                    span,
                });
            }
        }
        self.emit(stmt);
        for &k in &frame.escapes {
            let flag = self.pending(k);
            if Some(k) == parent {
                let (broken, continued) = (self.loops[k].broken, self.loops[k].continued);
                for (used, jump) in [(broken, Jump::Break), (continued, Jump::Continue)] {
                    if used {
                        self.test_flag(flag, BinOp::Eq, jump.code(), jump.stmt(), span);
                    }
                }
            } else {
                self.test_flag(flag, BinOp::Ne, 0, Stmt::Break, span);
                if let Some(p) = parent {
                    self.loops[p].escapes.insert(k);
                }
            }
        }
    }

    /// `if flag <op> value { then }`.
    fn test_flag(&mut self, flag: LocalId, op: BinOp, value: i128, then: Stmt, span: Span) {
        let f = self.func.add_expr(ExprKind::Local(flag), span);
        let v = self
            .func
            .add_expr(ExprKind::Lit(Lit::Int(IntLit::new(value), None)), span);
        let cond = self.func.add_expr(ExprKind::Binary(op, f, v), span);
        self.emit(Stmt::If {
            cond,
            then_body: Block { stmts: vec![then] },
            else_body: Block::default(),
        });
    }

    /// The pending flag of loop `k`, made on first use.
    fn pending(&mut self, k: usize) -> LocalId {
        if let Some(flag) = self.loops[k].pending {
            return flag;
        }
        let flag = self.temp(Span::default());
        self.func.locals[flag].ann = TypeAnn::Scalar(Scalar::U8);
        self.loops[k].pending = Some(flag);
        flag
    }

    /// The loop a `break`/`continue` (with its label, if any) leaves.
    pub(super) fn loop_target(
        &self,
        label: Option<&syn::Lifetime>,
        node: &impl ToTokens,
    ) -> R<usize> {
        let Some(label) = label else {
            return self
                .loops
                .len()
                .checked_sub(1)
                .ok_or_else(|| FrontError::new(node, "`break` outside of a loop"));
        };
        let name = label.ident.to_string();
        self.loops
            .iter()
            .rposition(|f| f.label.as_deref() == Some(&name))
            .ok_or_else(|| {
                FrontError::new(label, format!("use of undeclared label `{label}`"))
                    .hint("label an enclosing loop: `'outer: for i in 0..n { .. }`")
            })
    }

    /// A jump to loop `target`: direct when it is the innermost loop, through its flag otherwise.
    pub(super) fn jump(&mut self, target: usize, jump: Jump) {
        let innermost = self.loops.len() - 1;
        if target == innermost {
            self.emit(jump.stmt());
            return;
        }
        let flag = self.pending(target);
        match jump {
            Jump::Break => self.loops[target].broken = true,
            Jump::Continue => self.loops[target].continued = true,
        }
        self.loops[innermost].escapes.insert(target);
        let code = self.func.add_expr(
            ExprKind::Lit(Lit::Int(IntLit::new(jump.code()), None)),
            Span::default(),
        );
        self.emit(Stmt::Assign {
            local: flag,
            value: code,
            span: Span::default(),
        });
        self.emit(Stmt::Break);
    }

    pub(super) fn break_stmt(&mut self, b: &syn::ExprBreak) -> R<()> {
        if self.loops.is_empty() {
            return Err(FrontError::new(b, "`break` outside of a loop").hint(
                "`break` leaves a `for`, `while` or `loop`; use `return` to leave the function",
            ));
        }
        let target = self.loop_target(b.label.as_ref(), b)?;
        if let Some(e) = &b.expr {
            if !self.loops[target].is_loop {
                return Err(FrontError::new(
                    b,
                    "`break` with a value from a `while` or `for` loop",
                )
                .hint("only `loop` gives a value: `let x = loop { .. break value; };`"));
            }
            let value = self.expr_value(e)?;
            let span = Span::of(b);
            match self.loops[target].value {
                Some(t) => self.emit(Stmt::Assign {
                    local: t,
                    value,
                    span,
                }),
                None => self.emit(Stmt::Eval(value)),
            }
        } else if self.loops[target].value.is_some() {
            return Err(
                FrontError::new(b, "`break` without a value from a `loop` that gives one")
                    .hint("give every `break` of this loop a value: `break value`"),
            );
        }
        self.jump(target, Jump::Break);
        Ok(())
    }
}
