//! Loop versioning: bounds checks that do not stop vectorization.
//!
//! In: a typed program. Out: the same program where each innermost counted loop
//! `for i in a..b` (step 1, forward, `usize`) whose array accesses have indices of the forms
//! `i`, `i + c`, `i - c`, `c` (with `c` loop-invariant and free of loads, calls and divisions) or a
//! `u8`/`u16` value cast to `usize`, becomes
//!
//! ```text
//! lo = a; hi = b;
//! if lo >= hi || <every such access is in bounds for i = lo and i = hi - 1> {
//!     for i in lo..hi { <the body, those accesses unchecked> }
//! } else {
//!     for i in lo..hi { <the body, checked> }
//! }
//! ```
//!
//! One test before the loop replaces a test per access per iteration, so LLVM can vectorize the
//! fast copy; when the test fails the checked copy runs and stops at exactly the failing iteration
//! with the earlier writes done, as the original loop would. Accesses of other shapes stay checked
//! in both copies.

use crate::ir::walk::assigned_locals;
use crate::ir::*;
use crate::span::Span;
use std::collections::HashSet;

pub fn run(p: &mut TypedProgram) {
    for inst in &mut p.instances {
        if !inst.func.attrs.boundscheck {
            continue;
        }
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = Versioner { inst }.block(body);
    }
}

struct Versioner<'a> {
    inst: &'a mut Instance,
}

/// How one index of an access varies with the loop variable.
#[derive(Clone, Copy)]
enum Index {
    /// `i + c` (`Some((Add, c))`), `i - c`, or `i` (`None`).
    Affine(Option<(BinOp, ExprId)>),
    /// Loop-invariant.
    Invariant(ExprId),
    /// A value known to be at most this (a `u8` or `u16` cast to `usize`).
    AtMost(u64),
}

impl Versioner<'_> {
    fn block(&mut self, b: Block) -> Block {
        let mut out = Vec::with_capacity(b.stmts.len());
        for s in b.stmts {
            match s {
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => out.push(Stmt::If {
                    cond,
                    then_body: self.block(then_body),
                    else_body: self.block(else_body),
                }),
                Stmt::Loop { body } => out.push(Stmt::Loop {
                    body: self.block(body),
                }),
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => {
                    if is_candidate(self.inst, var, &range, &body) {
                        self.version(var, range, body, span, &mut out);
                    } else {
                        out.push(Stmt::For {
                            var,
                            range,
                            body: self.block(body),
                            span,
                        });
                    }
                }
                s => out.push(s),
            }
        }
        Block { stmts: out }
    }

    fn new_expr(&mut self, kind: ExprKind, ty: Type, span: Span) -> ExprId {
        self.inst.expr_types.push(ty);
        self.inst.func.add_expr(kind, span)
    }

    fn new_local(&mut self, name: &str, ty: Type, span: Span) -> LocalId {
        self.inst.local_types.push(ty);
        self.inst.func.add_local(LocalDecl {
            name: name.into(),
            ann: TypeAnn::Infer,
            mutable: false,
            span,
        })
    }

    /// A deep copy of an expression tree (each expression is used once).
    fn copy(&mut self, e: ExprId) -> ExprId {
        let expr = self.inst.func.expr(e).clone();
        let ty = self.inst.ty(e);
        let kind = match expr.kind {
            ExprKind::Unary(op, x) => ExprKind::Unary(op, self.copy(x)),
            ExprKind::Binary(op, a, b) => ExprKind::Binary(op, self.copy(a), self.copy(b)),
            ExprKind::Logical(op, a, b) => ExprKind::Logical(op, self.copy(a), self.copy(b)),
            ExprKind::Cast(x, t) => ExprKind::Cast(self.copy(x), t),
            ExprKind::Load {
                array,
                index,
                checked,
            } => ExprKind::Load {
                array,
                index: index.iter().map(|i| self.copy(*i)).collect(),
                checked,
            },
            ExprKind::Intrinsic { op, args } => ExprKind::Intrinsic {
                op,
                args: args.iter().map(|a| self.copy(*a)).collect(),
            },
            ExprKind::CallInst { inst, args } => ExprKind::CallInst {
                inst,
                args: args.iter().map(|a| self.copy(*a)).collect(),
            },
            ExprKind::Method {
                name,
                receiver,
                args,
            } => ExprKind::Method {
                name,
                receiver: self.copy(receiver),
                args: args.iter().map(|a| self.copy(*a)).collect(),
            },
            ExprKind::Call { func, args } => ExprKind::Call {
                func,
                args: args.iter().map(|a| self.copy(*a)).collect(),
            },
            k @ (ExprKind::Lit(_)
            | ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Shape { .. }
            | ExprKind::Gpu { .. }) => k,
        };
        self.new_expr(kind, ty, expr.span)
    }

    fn copy_block(&mut self, b: &Block, unchecked: &HashSet<AccessKey>) -> Block {
        let stmts = b
            .stmts
            .iter()
            .map(|s| match s {
                Stmt::Assign { local, value, span } => Stmt::Assign {
                    local: *local,
                    value: self.copy_marking(*value, unchecked),
                    span: *span,
                },
                Stmt::Store {
                    array,
                    index,
                    value,
                    span,
                    checked,
                } => {
                    let value = self.copy_marking(*value, unchecked);
                    let key = self.key(*array, index);
                    let index = index
                        .iter()
                        .map(|i| self.copy_marking(*i, unchecked))
                        .collect();
                    Stmt::Store {
                        array: *array,
                        index,
                        value,
                        span: *span,
                        checked: *checked && !unchecked.contains(&key),
                    }
                }
                Stmt::Eval(e) => Stmt::Eval(self.copy_marking(*e, unchecked)),
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => Stmt::If {
                    cond: self.copy_marking(*cond, unchecked),
                    then_body: self.copy_block(then_body, unchecked),
                    else_body: self.copy_block(else_body, unchecked),
                },
                Stmt::Loop { body } => Stmt::Loop {
                    body: self.copy_block(body, unchecked),
                },
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } => Stmt::For {
                    var: *var,
                    range: ForRange {
                        start: self.copy_marking(range.start, unchecked),
                        end: self.copy_marking(range.end, unchecked),
                        step: range.step.map(|s| self.copy_marking(s, unchecked)),
                        ..range.clone()
                    },
                    body: self.copy_block(body, unchecked),
                    span: *span,
                },
                Stmt::Return { value, span } => Stmt::Return {
                    value: value.map(|v| self.copy_marking(v, unchecked)),
                    span: *span,
                },
                s @ (Stmt::Break | Stmt::Continue) => s.clone(),
            })
            .collect();
        Block { stmts }
    }

    /// Copies an expression, marking the loads in `unchecked` as such.
    fn copy_marking(&mut self, e: ExprId, unchecked: &HashSet<AccessKey>) -> ExprId {
        let c = self.copy(e);
        self.mark(c, unchecked);
        c
    }

    fn mark(&mut self, e: ExprId, unchecked: &HashSet<AccessKey>) {
        let kind = self.inst.func.expr(e).kind.clone();
        let children: Vec<ExprId> = match &kind {
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => vec![*x],
            ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => vec![*a, *b],
            ExprKind::Load { index, .. } => index.clone(),
            ExprKind::Intrinsic { args, .. } | ExprKind::CallInst { args, .. } => args.clone(),
            _ => vec![],
        };
        for c in children {
            self.mark(c, unchecked);
        }
        if let ExprKind::Load { array, index, .. } = kind {
            if unchecked.contains(&self.key(array, &index)) {
                if let ExprKind::Load { checked, .. } = &mut self.inst.func.exprs[e.index()].kind {
                    *checked = false;
                }
            }
        }
    }

    /// Identifies an access by its array and the text of its indices.
    fn key(&self, array: LocalId, index: &[ExprId]) -> AccessKey {
        (
            array,
            index
                .iter()
                .map(|i| expr_key(&self.inst.func, *i))
                .collect(),
        )
    }

    /// `bound` (or `bound - 1` when `minus_one`), then `+ c` / `- c` for an affine offset.
    fn shifted(
        &mut self,
        bound: LocalId,
        minus_one: bool,
        offset: Option<(BinOp, ExprId)>,
        span: Span,
    ) -> ExprId {
        let usize_t = Type::Scalar(Scalar::Usize);
        let mut e = self.new_expr(ExprKind::Local(bound), usize_t, span);
        if minus_one {
            let one = self.new_expr(ExprKind::Const(Const::int(Scalar::Usize, 1)), usize_t, span);
            e = self.new_expr(ExprKind::Binary(BinOp::Sub, e, one), usize_t, span);
        }
        if let Some((op, c)) = offset {
            let c = self.copy(c);
            e = self.new_expr(ExprKind::Binary(op, e, c), usize_t, span);
        }
        e
    }

    fn version(
        &mut self,
        var: LocalId,
        range: ForRange,
        body: Block,
        span: Span,
        out: &mut Vec<Stmt>,
    ) {
        let usize_t = Type::Scalar(Scalar::Usize);
        let bool_t = Type::Scalar(Scalar::Bool);
        let assigned = assigned_locals(&body);
        let mut accesses = Vec::new();
        collect_accesses(&self.inst.func, &body, &mut accesses);
        // Accesses whose every index is understood, and the bounds tests they need.
        let mut tests: Vec<(LocalId, u8, Index)> = Vec::new();
        let mut unchecked = HashSet::new();
        for (array, index) in &accesses {
            let forms: Option<Vec<Index>> = index
                .iter()
                .map(|&i| classify(self.inst, var, &assigned, &body, i))
                .collect();
            if let Some(forms) = forms {
                for (d, f) in forms.into_iter().enumerate() {
                    tests.push((*array, d as u8, f));
                }
                unchecked.insert(self.key(*array, index));
            }
        }
        if unchecked.is_empty() {
            out.push(Stmt::For {
                var,
                range,
                body,
                span,
            });
            return;
        }
        let lo = self.new_local("tmp.lo", usize_t, span);
        let hi = self.new_local("tmp.hi", usize_t, span);
        out.push(Stmt::Assign {
            local: lo,
            value: range.start,
            span,
        });
        out.push(Stmt::Assign {
            local: hi,
            value: range.end,
            span,
        });
        let local = |v: &mut Self, l: LocalId| v.new_expr(ExprKind::Local(l), usize_t, span);
        let bin = |v: &mut Self, op: BinOp, a: ExprId, b: ExprId| {
            let ty = if op.is_comparison() {
                Type::Scalar(Scalar::Bool)
            } else {
                Type::Scalar(Scalar::Usize)
            };
            v.new_expr(ExprKind::Binary(op, a, b), ty, span)
        };
        // The condition: the loop is empty, or every test holds.
        let mut all: Option<ExprId> = None;
        let mut seen = HashSet::new();
        for (array, d, form) in tests {
            let text = match form {
                Index::Affine(Some((op, c))) => {
                    format!("{}{}", op.symbol(), expr_key(&self.inst.func, c))
                }
                Index::Affine(None) => "i".into(),
                Index::Invariant(c) => format!("={}", expr_key(&self.inst.func, c)),
                Index::AtMost(m) => format!("<={m}"),
            };
            if !seen.insert((array, d, text)) {
                continue;
            }
            let extent = self.new_expr(
                ExprKind::Shape {
                    array,
                    query: ShapeQuery::Dim(d),
                },
                usize_t,
                span,
            );
            let test = match form {
                Index::Invariant(c) => {
                    let c = self.copy(c);
                    bin(self, BinOp::Lt, c, extent)
                }
                Index::AtMost(m) => {
                    let m = self.new_expr(
                        ExprKind::Const(Const::int(Scalar::Usize, m as i128)),
                        usize_t,
                        span,
                    );
                    bin(self, BinOp::Lt, m, extent)
                }
                Index::Affine(offset) => {
                    // The last index, (hi - 1) +/- c, is in bounds, and (with an offset) the
                    // first, lo +/- c, is not past it: the indices did not wrap around.
                    let last = self.shifted(hi, true, offset, span);
                    let in_range = bin(self, BinOp::Lt, last, extent);
                    match offset {
                        None => in_range,
                        Some(_) => {
                            let first = self.shifted(lo, false, offset, span);
                            let last = self.shifted(hi, true, offset, span);
                            let ordered = bin(self, BinOp::Le, first, last);
                            self.new_expr(
                                ExprKind::Logical(LogicOp::And, ordered, in_range),
                                bool_t,
                                span,
                            )
                        }
                    }
                }
            };
            all = Some(match all {
                None => test,
                Some(prev) => {
                    self.new_expr(ExprKind::Logical(LogicOp::And, prev, test), bool_t, span)
                }
            });
        }
        let (l, h) = (local(self, lo), local(self, hi));
        let empty = bin(self, BinOp::Ge, l, h);
        let cond = match all {
            Some(all) => self.new_expr(ExprKind::Logical(LogicOp::Or, empty, all), bool_t, span),
            None => empty,
        };
        let fast_range = ForRange {
            start: local(self, lo),
            end: local(self, hi),
            ..range.clone()
        };
        let slow_range = ForRange {
            start: local(self, lo),
            end: local(self, hi),
            ..range
        };
        let fast_body = self.copy_block(&body, &unchecked);
        let fast = Stmt::For {
            var,
            range: fast_range,
            body: fast_body,
            span,
        };
        let slow = Stmt::For {
            var,
            range: slow_range,
            body,
            span,
        };
        out.push(Stmt::If {
            cond,
            then_body: Block { stmts: vec![fast] },
            else_body: Block { stmts: vec![slow] },
        });
    }
}

type AccessKey = (LocalId, Vec<String>);

/// An innermost `for i in a..b` over `usize`, step 1, forward, whose variable the body never assigns.
fn is_candidate(inst: &Instance, var: LocalId, range: &ForRange, body: &Block) -> bool {
    !range.inclusive
        && !range.reverse
        && range.step.is_none()
        && inst.local_ty(var) == Type::Scalar(Scalar::Usize)
        && !has_loop(body)
        && !assigned_locals(body).contains(&var)
}

fn has_loop(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Loop { .. } | Stmt::For { .. } => true,
        Stmt::If {
            then_body,
            else_body,
            ..
        } => has_loop(then_body) || has_loop(else_body),
        _ => false,
    })
}

fn collect_accesses(f: &Function, b: &Block, out: &mut Vec<(LocalId, Vec<ExprId>)>) {
    fn expr(f: &Function, e: ExprId, out: &mut Vec<(LocalId, Vec<ExprId>)>) {
        match &f.expr(e).kind {
            ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => expr(f, *x, out),
            ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => {
                expr(f, *a, out);
                expr(f, *b, out);
            }
            ExprKind::Load {
                array,
                index,
                checked,
            } => {
                index.iter().for_each(|i| expr(f, *i, out));
                if *checked {
                    out.push((*array, index.clone()));
                }
            }
            ExprKind::Intrinsic { args, .. } | ExprKind::CallInst { args, .. } => {
                args.iter().for_each(|a| expr(f, *a, out))
            }
            _ => {}
        }
    }
    for s in &b.stmts {
        match s {
            Stmt::Assign { value, .. } | Stmt::Eval(value) => expr(f, *value, out),
            Stmt::Store {
                array,
                index,
                value,
                checked,
                ..
            } => {
                expr(f, *value, out);
                index.iter().for_each(|i| expr(f, *i, out));
                if *checked {
                    out.push((*array, index.clone()));
                }
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                expr(f, *cond, out);
                collect_accesses(f, then_body, out);
                collect_accesses(f, else_body, out);
            }
            Stmt::Return { value: Some(v), .. } => expr(f, *v, out),
            _ => {}
        }
    }
}

/// Classifies one index expression with respect to loop variable `var`.
fn classify(
    inst: &Instance,
    var: LocalId,
    assigned: &HashSet<LocalId>,
    body: &Block,
    e: ExprId,
) -> Option<Index> {
    let f = &inst.func;
    if invariant(f, var, assigned, e) {
        return Some(Index::Invariant(e));
    }
    match &f.expr(e).kind {
        ExprKind::Local(l) if *l == var => Some(Index::Affine(None)),
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let is_var = |x: ExprId| matches!(f.expr(x).kind, ExprKind::Local(l) if l == var);
            if is_var(*a) && invariant(f, var, assigned, *b) {
                Some(Index::Affine(Some((*op, *b))))
            } else if *op == BinOp::Add && is_var(*b) && invariant(f, var, assigned, *a) {
                Some(Index::Affine(Some((BinOp::Add, *a))))
            } else {
                None
            }
        }
        ExprKind::Cast(..) => at_most(inst, e).map(Index::AtMost),
        // A local whose every assignment in the body is a small value (`t = data[i] as usize`).
        ExprKind::Local(l) => {
            let mut values = Vec::new();
            assignments(body, *l, &mut values);
            let bounds: Option<Vec<u64>> = values.iter().map(|v| at_most(inst, *v)).collect();
            bounds
                .filter(|b| !b.is_empty())
                .map(|b| Index::AtMost(b.into_iter().max().unwrap_or(0)))
        }
        _ => None,
    }
}

/// The largest value of a `u8`, `u16` or `bool` cast to `usize`.
fn at_most(inst: &Instance, e: ExprId) -> Option<u64> {
    match &inst.func.expr(e).kind {
        ExprKind::Cast(x, Scalar::Usize) => match inst.scalar(*x) {
            Scalar::U8 => Some(u8::MAX as u64),
            Scalar::U16 => Some(u16::MAX as u64),
            Scalar::Bool => Some(1),
            _ => None,
        },
        _ => None,
    }
}

/// The values assigned to `local` anywhere in `b`.
fn assignments(b: &Block, local: LocalId, out: &mut Vec<ExprId>) {
    for s in &b.stmts {
        match s {
            Stmt::Assign {
                local: l, value, ..
            } if *l == local => out.push(*value),
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                assignments(then_body, local, out);
                assignments(else_body, local, out);
            }
            _ => {}
        }
    }
}

/// Pure, cannot fail, and the same in every iteration.
fn invariant(f: &Function, var: LocalId, assigned: &HashSet<LocalId>, e: ExprId) -> bool {
    match &f.expr(e).kind {
        ExprKind::Const(_) | ExprKind::Shape { .. } => true,
        ExprKind::Local(l) => *l != var && !assigned.contains(l),
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) => invariant(f, var, assigned, *x),
        ExprKind::Binary(op, a, b) => {
            !matches!(op, BinOp::Div | BinOp::Rem)
                && invariant(f, var, assigned, *a)
                && invariant(f, var, assigned, *b)
        }
        _ => false,
    }
}

/// A structural text key of a pure expression (for deduplicating tests and matching accesses).
fn expr_key(f: &Function, e: ExprId) -> String {
    match &f.expr(e).kind {
        ExprKind::Const(c) => super::super::ir::print::constant(*c),
        ExprKind::Local(l) => format!("{l}"),
        ExprKind::Shape { array, query } => format!("shape({array},{query:?})"),
        ExprKind::Unary(op, x) => format!("{op:?}({})", expr_key(f, *x)),
        ExprKind::Cast(x, t) => format!("({} as {t})", expr_key(f, *x)),
        ExprKind::Binary(op, a, b) => {
            format!("({} {} {})", expr_key(f, *a), op.symbol(), expr_key(f, *b))
        }
        ExprKind::Load { array, index, .. } => format!(
            "{array}[{}]",
            index
                .iter()
                .map(|i| expr_key(f, *i))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => format!("{e}"),
    }
}
