//! A whole-array reduction fused with the array arithmetic that makes its operand:
//! `(&x - &y).mapv(|d| d * d).sum()`, `(&a * &b).sum()`, `x.mapv(f64::exp).product()` compute
//! each element of the operand where the reduction folds it in, with no temporary array.
//!
//! In: a statement binding a compiler temporary to a fused group (`fuse.rs`) and the `sum` /
//! `product` ([`ArrayReduce`]) of that temporary. Out: in their place, the group's arrays
//! stretched to one shape and ndarray's `unrolled_fold` (`reduce.rs`'s [`Build::unrolled_by`])
//! whose eight partial results and tail take the group's element computed at each position.
//! ndarray folds the new C-order temporary over memory order, which is logical order: the
//! fused loop adds the same values in the same order, so the bits are the same.
//!
//! The rule: fused when the operand is 1-D (its elements are then one index apart in logical
//! order, whatever the strides or broadcasting of the group's arrays) and the group's element
//! is plain code (the `mapv` closures hold assignments, `if`s and scalar expressions: each is
//! copied once per partial result and once for the tail). Otherwise (an operand of two or more
//! axes, whose logical order is not one loop, or a closure with loops, walks or early exits)
//! the group is materialized as before and the reduction folds the new array. `mean` is not
//! fused (its `None` for an empty array tests the operand's shape).

use super::each::assign;
use super::fuse::Group;
use super::reduce::Build;
use super::unify::State;
use super::{Infer, R};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

impl<'s, 'p> Infer<'s, 'p> {
    /// `t = group; ..; reduce(t)` (the assignment `s`, the reduction `r`) as one fused fold
    /// when the rule allows, else the group materialized into `t`. The reduction's statement
    /// is left in place, dead, for `fuse_stmt` to drop.
    pub(super) fn fold_group(
        &mut self,
        func: &mut Function<Untyped>,
        s: Stmt,
        r: ExprId,
        dead: &mut HashSet<ExprId>,
    ) -> R<Vec<Stmt>> {
        let Stmt::Assign { value, span, .. } = s else {
            unreachable!("a group bound to a temporary")
        };
        let Type::Array(t) = self.settle(self.exprs[value], span)? else {
            unreachable!("a fused group is an array")
        };
        let mut out = Vec::new();
        let source = self.layout_source(func, value);
        let source = source.map(|e| match func.expr(e).kind {
            ExprKind::Local(l) | ExprKind::Borrow { array: l, .. } => Ok(l),
            _ => Err(e),
        });
        let (mut g, element, first) = self.group(func, value, &mut out, dead)?;
        let plain = g.stmts.iter().all(|s| plain_stmt(func, s)) && plain_expr(func, element);
        if t.ndim != 1 || !plain {
            dead.remove(&value);
            self.materialize(func, value, (g, element, first), &mut out)?;
            out.push(s);
            return Ok(out);
        }
        // A view made in place (`m.row(0).mapv(f)`) is held in a temporary by now.
        let source = source.map(|s| {
            s.unwrap_or_else(|e| {
                out.iter()
                    .find_map(|s| match s {
                        Stmt::Assign { local, value, .. } if *value == e => Some(*local),
                        _ => None,
                    })
                    .expect("an array operand is held in a temporary")
            })
        });
        if let Some(x) = source {
            self.reversible(func, x, &mut g, span, &mut out)?;
        }
        let placeholder = ExprKind::Const(Const::bool(false));
        let ExprKind::Reduce(reduce) = std::mem::replace(&mut func.exprs[r].kind, placeholder)
        else {
            unreachable!("found by `reduced`")
        };
        dead.insert(r);
        let mut b = Build {
            inf: self,
            func,
            span: reduce.span,
            elem: super::scalar_elems(t, reduce.op, reduce.span)?,
            out,
        };
        let mut copies = 0;
        let total = b.unrolled_by(first, reduce.op.fold(), |b, i| {
            for (k, &(array, elem)) in g.arrays.iter().enumerate() {
                let at = if k == 0 { i } else { b.copy_index(i) };
                let ty = b.inf.local_type(elem);
                let load = ExprKind::Load {
                    array,
                    index: vec![at],
                    checked: false,
                };
                let x = b.node(load, ty);
                b.set(elem, x);
            }
            // The group's own statements at the first position, copies of them at the others.
            copies += 1;
            if copies == 1 {
                b.out.extend(g.stmts.iter().cloned());
                return Ok(element);
            }
            for s in &g.stmts {
                let s = b.inf.copy_stmt(b.func, s);
                b.out.push(s);
            }
            Ok(b.inf.copy_expr(b.func, element))
        })?;
        b.set(reduce.acc, total);
        Ok(b.out)
    }

    /// The operand whose strides ndarray gives the 1-D array the group `e` makes (its memory
    /// order, which `sum` follows), `None` for a new array in standard layout: `x.mapv(f)`,
    /// `&x * 2.0`, `2.0 * &x` and `-&x` are `x.map(..)`, which keeps `x`'s strides when `x` is
    /// contiguous (reversed when its stride is -1); an operator on an owned array updates it in
    /// place; `&a + &b` and `Zip::map_collect` make a new array in standard layout.
    fn layout_source(&mut self, func: &Function<Untyped>, e: ExprId) -> Option<ExprId> {
        let is_array = |inf: &mut Self, x: ExprId| matches!(inf.get(inf.exprs[x]), State::Array(_));
        let through = |inf: &mut Self, x: ExprId| {
            if inf.is_array_op(func, x) {
                inf.layout_source(func, x)
            } else {
                Some(x)
            }
        };
        match func.expr(e).kind {
            ExprKind::Map(ref m) if m.zipped.is_empty() => through(self, m.operand),
            ExprKind::Unary(_, x) => through(self, x),
            ExprKind::Binary(_, a, b) => match (is_array(self, a), is_array(self, b)) {
                (true, false) => through(self, a),
                (false, true) => through(self, b),
                _ if self.is_array_op(func, a) => self.layout_source(func, a),
                _ if self.is_array_op(func, b) => self.layout_source(func, b),
                _ => None,
            },
            _ => None,
        }
    }

    /// The arrays of `g` walked backwards where `x` is contiguous with a negative stride (its
    /// memory order, in which ndarray folds an array that `x.map(..)` made).
    fn reversible(
        &mut self,
        func: &mut Function<Untyped>,
        x: LocalId,
        g: &mut Group,
        span: crate::span::Span,
        out: &mut Vec<Stmt>,
    ) -> R<()> {
        let Type::Array(xt) = self.settle(self.locals[x], span)? else {
            unreachable!("an array operand")
        };
        if xt.layout == Layout::Contig {
            return Ok(());
        }
        let test = |inf: &mut Self, func: &mut Function<Untyped>, query| {
            let kind = ExprKind::Shape { array: x, query };
            inf.node(func, kind, Type::Scalar(Scalar::Bool), span)
        };
        let contiguous = test(self, func, ShapeQuery::Contiguous);
        let standard = test(self, func, ShapeQuery::Standard);
        let other = self.node(
            func,
            ExprKind::Unary(UnOp::Not, standard),
            Type::Scalar(Scalar::Bool),
            span,
        );
        let reversed = self.node(
            func,
            ExprKind::Logical(LogicOp::And, contiguous, other),
            Type::Scalar(Scalar::Bool),
            span,
        );
        let flag = self.temp_local(func, "reversed", Type::Scalar(Scalar::Bool), span);
        out.push(assign(flag, reversed, span));
        for (array, _) in &mut g.arrays {
            let Type::Array(at) = self.settle(self.locals[*array], span)? else {
                unreachable!("an array operand")
            };
            let ty = Type::Array(ArrayType::view(at.elem, 1, Layout::Strided, false));
            let walked = self.temp_local(func, "walked", ty, span);
            let mut slice = |inf: &mut Self, step| {
                let kind = ExprKind::Slice {
                    array: *array,
                    axes: vec![SliceAxis::Range {
                        start: None,
                        end: None,
                        step,
                    }],
                    mutable: false,
                };
                let view = inf.node(func, kind, ty, span);
                Block {
                    stmts: vec![assign(walked, view, span)],
                }
            };
            let then_body = slice(self, -1);
            let else_body = slice(self, 1);
            let cond = self.read(func, flag, span);
            out.push(Stmt::If {
                cond,
                then_body,
                else_body,
            });
            *array = walked;
        }
        Ok(())
    }

    /// The type of a local typed before (a walk's element).
    fn local_type(&mut self, l: LocalId) -> Type {
        let State::Known(ty) = self.get(self.locals[l]) else {
            unreachable!("walk locals are typed when made")
        };
        ty
    }

    /// A copy of `s` (a [`plain_stmt`]) with new expressions.
    fn copy_stmt(&mut self, func: &mut Function<Untyped>, s: &Stmt) -> Stmt {
        match s {
            Stmt::Assign { local, value, span } => Stmt::Assign {
                local: *local,
                value: self.copy_expr(func, *value),
                span: *span,
            },
            Stmt::Unpack {
                locals,
                value,
                span,
            } => Stmt::Unpack {
                locals: locals.clone(),
                value: self.copy_expr(func, *value),
                span: *span,
            },
            Stmt::Eval(e) => Stmt::Eval(self.copy_expr(func, *e)),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => Stmt::If {
                cond: self.copy_expr(func, *cond),
                then_body: self.copy_block(func, then_body),
                else_body: self.copy_block(func, else_body),
            },
            _ => unreachable!("checked by `plain_stmt`"),
        }
    }

    fn copy_block(&mut self, func: &mut Function<Untyped>, b: &Block) -> Block {
        Block {
            stmts: b.stmts.iter().map(|s| self.copy_stmt(func, s)).collect(),
        }
    }

    /// A copy of the tree `e` (a [`plain_expr`]): new nodes of the same types, methods and
    /// calls.
    fn copy_expr(&mut self, func: &mut Function<Untyped>, e: ExprId) -> ExprId {
        let Expr { kind, span } = func.expr(e).clone();
        let mut all = |inf: &mut Self, xs: Vec<ExprId>| -> Vec<ExprId> {
            xs.into_iter().map(|x| inf.copy_expr(func, x)).collect()
        };
        let kind = match kind {
            ExprKind::Unary(op, x) => ExprKind::Unary(op, all(self, vec![x])[0]),
            ExprKind::Binary(op, a, b) => {
                let [a, b] = all(self, vec![a, b])[..] else {
                    unreachable!("two operands")
                };
                ExprKind::Binary(op, a, b)
            }
            ExprKind::Logical(op, a, b) => {
                let [a, b] = all(self, vec![a, b])[..] else {
                    unreachable!("two operands")
                };
                ExprKind::Logical(op, a, b)
            }
            ExprKind::Cast(x, t) => ExprKind::Cast(all(self, vec![x])[0], t),
            ExprKind::Field(x, k) => ExprKind::Field(all(self, vec![x])[0], k),
            ExprKind::Tuple(xs) => ExprKind::Tuple(all(self, xs)),
            ExprKind::Load {
                array,
                index,
                checked,
            } => ExprKind::Load {
                array,
                index: all(self, index),
                checked,
            },
            ExprKind::Method {
                name,
                receiver,
                args,
            } => ExprKind::Method {
                name,
                receiver: all(self, vec![receiver])[0],
                args: all(self, args),
            },
            ExprKind::Call { func: f, args } => ExprKind::Call {
                func: f,
                args: all(self, args),
            },
            k @ (ExprKind::Lit(_)
            | ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Shape { .. }) => k,
            _ => unreachable!("checked by `plain_expr`"),
        };
        let copy = func.add_expr(kind, span);
        self.exprs.insert(copy, self.exprs[e]);
        if let Some(&m) = self.methods.get(&e) {
            self.methods.insert(copy, m);
        }
        if let Some(&c) = self.calls.get(&e) {
            self.calls.insert(copy, c);
        }
        if let Some(&c) = self.conversions.get(&e) {
            self.conversions.insert(copy, c);
        }
        if let Some(&f) = self.fields.get(&e) {
            self.fields.insert(copy, f);
        }
        copy
    }
}

/// The `sum` / `product` of each compiler temporary one reduces (as `x.sum()` of an expression
/// makes), in `b` or its nested blocks and walks.
pub(super) fn reductions(func: &Function<Untyped>, b: &Block) -> HashMap<LocalId, ExprId> {
    let mut found = HashMap::new();
    find(func, b, &mut found);
    found
}

fn find(func: &Function<Untyped>, b: &Block, found: &mut HashMap<LocalId, ExprId>) {
    for s in &b.stmts {
        match s {
            Stmt::Eval(e) => match &func.expr(*e).kind {
                ExprKind::Reduce(r)
                    if func.local(r.array).temp
                        && matches!(r.op, ReduceOp::Sum | ReduceOp::Product) =>
                {
                    found.insert(r.array, *e);
                }
                ExprKind::Each(each) => find(func, &each.body, found),
                _ => {}
            },
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                find(func, then_body, found);
                find(func, else_body, found);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => find(func, body, found),
            _ => {}
        }
    }
}

/// A statement [`Infer::copy_stmt`] copies: no loops, walks, stores or exits.
fn plain_stmt(func: &Function<Untyped>, s: &Stmt) -> bool {
    match s {
        Stmt::Assign { value, .. } | Stmt::Unpack { value, .. } | Stmt::Eval(value) => {
            plain_expr(func, *value)
        }
        Stmt::If {
            cond,
            then_body,
            else_body,
        } => {
            plain_expr(func, *cond)
                && [then_body, else_body]
                    .iter()
                    .all(|b| b.stmts.iter().all(|s| plain_stmt(func, s)))
        }
        _ => false,
    }
}

/// An expression tree of scalar operations, loads, method calls and calls of other functions.
fn plain_expr(func: &Function<Untyped>, e: ExprId) -> bool {
    let kind = &func.expr(e).kind;
    matches!(
        kind,
        ExprKind::Lit(_)
            | ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Shape { .. }
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::Logical(..)
            | ExprKind::Cast(..)
            | ExprKind::Field(..)
            | ExprKind::Tuple(_)
            | ExprKind::Load { .. }
            | ExprKind::Method { .. }
            | ExprKind::Call { .. }
    ) && walk::children(kind)
        .into_iter()
        .all(|c| plain_expr(func, c))
}
