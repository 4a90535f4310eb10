//! Editing a typed instance in place, for the passes: a [`Builder`] of new typed expressions and
//! locals (Cranelift's `InstBuilder` is the model: each node's type follows from its operands),
//! and deep copies of expression trees and statements (the arena holds trees: a copy never shares
//! a node).

use super::*;
use std::collections::HashMap;

/// Builds typed IR into an instance, every node at one span: what a pass writes reads as the IR
/// it makes (`b.bin(BinOp::Lt, i, n)`), and each node gets its type from its operands.
pub struct Builder<'a> {
    pub inst: &'a mut Instance,
    pub span: Span,
}

impl Instance {
    /// A builder of new nodes at `span`.
    pub fn build(&mut self, span: Span) -> Builder<'_> {
        Builder { inst: self, span }
    }
}

impl Builder<'_> {
    /// A read of local `l`.
    pub fn local(&mut self, l: LocalId) -> ExprId {
        let ty = self.inst.local_ty(l);
        self.inst.new_expr(ExprKind::Local(l), ty, self.span)
    }

    pub fn constant(&mut self, c: Const) -> ExprId {
        self.inst
            .new_expr(ExprKind::Const(c), Type::Scalar(c.ty), self.span)
    }

    /// A `usize` constant.
    pub fn usize(&mut self, v: u64) -> ExprId {
        self.constant(Const::int(Scalar::Usize, v as i128))
    }

    /// `a op b`: `bool` for a comparison, otherwise the type of `a`.
    pub fn bin(&mut self, op: BinOp, a: ExprId, b: ExprId) -> ExprId {
        let ty = if op.is_comparison() {
            Type::Scalar(Scalar::Bool)
        } else {
            self.inst.ty(a)
        };
        self.inst
            .new_expr(ExprKind::Binary(op, a, b), ty, self.span)
    }

    /// `op(a, b)` for an intrinsic whose result has the type of `a` (`min`, `max`,
    /// `saturating_sub`).
    pub fn same(&mut self, op: Intrinsic, a: ExprId, b: ExprId) -> ExprId {
        let ty = self.inst.ty(a);
        let args = vec![a, b];
        self.inst
            .new_expr(ExprKind::Intrinsic { op, args }, ty, self.span)
    }

    /// `op x`, of the type of `x` (`!c`, `-x`).
    pub fn unary(&mut self, op: UnOp, x: ExprId) -> ExprId {
        let ty = self.inst.ty(x);
        self.inst.new_expr(ExprKind::Unary(op, x), ty, self.span)
    }

    /// `array[index]` of element type `elem`, unchecked (an index the pass knows in bounds).
    pub fn load(&mut self, array: LocalId, index: Vec<ExprId>, elem: Type) -> ExprId {
        let kind = ExprKind::Load {
            array,
            index,
            checked: false,
        };
        self.inst.new_expr(kind, elem, self.span)
    }

    /// `a && b` (short-circuit).
    pub fn and(&mut self, a: ExprId, b: ExprId) -> ExprId {
        self.logical(LogicOp::And, a, b)
    }

    /// `a || b` (short-circuit).
    pub fn or(&mut self, a: ExprId, b: ExprId) -> ExprId {
        self.logical(LogicOp::Or, a, b)
    }

    fn logical(&mut self, op: LogicOp, a: ExprId, b: ExprId) -> ExprId {
        let ty = Type::Scalar(Scalar::Bool);
        self.inst
            .new_expr(ExprKind::Logical(op, a, b), ty, self.span)
    }

    /// `array.shape()[d]`.
    pub fn dim(&mut self, array: LocalId, d: u8) -> ExprId {
        let query = ShapeQuery::Dim(d);
        let ty = Type::Scalar(Scalar::Usize);
        self.inst
            .new_expr(ExprKind::Shape { array, query }, ty, self.span)
    }

    /// `array.is_standard_layout()` (C order, positive strides).
    pub fn standard(&mut self, array: LocalId) -> ExprId {
        let query = ShapeQuery::Standard;
        let ty = Type::Scalar(Scalar::Bool);
        self.inst
            .new_expr(ExprKind::Shape { array, query }, ty, self.span)
    }

    /// `array`'s elements from the lowest address up, as a contiguous read-only 1-D view
    /// (`Visit::Memory`: meaningful only where `array` is contiguous).
    pub fn memory_order(&mut self, array: LocalId) -> ExprId {
        let Type::Array(a) = self.inst.local_ty(array) else {
            panic!("memory_order of a local that is not an array");
        };
        let ty = Type::Array(ArrayType::view(a.elem, 1, Layout::Contig, false));
        let visit = Visit::Memory;
        self.inst
            .new_expr(ExprKind::Relayout { array, visit }, ty, self.span)
    }

    /// A deep copy of expression tree `e` (no renaming).
    pub fn copy(&mut self, e: ExprId) -> ExprId {
        self.inst.copy_expr(e, &HashMap::new())
    }

    /// A new temporary of type `ty`, named `name` in the printed IR.
    pub fn temp(&mut self, name: &str, ty: Type) -> LocalId {
        self.inst.new_local(name, ty, self.span)
    }

    /// `local = value`.
    pub fn assign(&self, local: LocalId, value: ExprId) -> Stmt {
        Stmt::Assign {
            local,
            value,
            span: self.span,
        }
    }
}

impl Instance {
    /// A new expression of type `ty`.
    pub(super) fn new_expr(&mut self, kind: ExprKind, ty: Type, span: Span) -> ExprId {
        let e = self.func.add_expr(kind, span);
        self.expr_types.insert(e, ty);
        e
    }

    /// Drops expression tree `e`, which no statement uses any more (its nodes lose their
    /// types, as the verifier expects of what a pass dropped).
    pub fn drop_expr(&mut self, e: ExprId) {
        self.expr_types.remove(e);
        for c in walk::children(&self.func.expr(e).kind) {
            self.drop_expr(c);
        }
    }

    /// Drops node `e` alone, which a pass replaced by one of its operands (kept).
    pub fn drop_node(&mut self, e: ExprId) {
        self.expr_types.remove(e);
    }

    /// Drops every expression tree of block `b`, which no longer runs.
    pub fn drop_block(&mut self, b: &Block) {
        let mut roots = Vec::new();
        block_exprs(b, &mut roots);
        for e in roots {
            self.drop_expr(e);
        }
    }

    /// A new local of type `ty` (a compiler temporary: `name` shows in the printed IR).
    pub fn new_local(&mut self, name: &str, ty: Type, span: Span) -> LocalId {
        let l = self.func.add_local(LocalDecl {
            name: name.into(),
            ann: TypeAnn::Infer,
            mutable: false,
            span,
            temp: true,
        });
        self.local_types.insert(l, ty);
        l
    }

    /// A deep copy of the expression tree `e`, reading `rename[l]` for each local `l` in the map.
    pub fn copy_expr(&mut self, e: ExprId, rename: &HashMap<LocalId, LocalId>) -> ExprId {
        self.tree(None, e, rename)
    }

    /// A deep copy of the expression tree `e` of instance `from` (this one if `None`).
    fn tree(
        &mut self,
        from: Option<&Instance>,
        e: ExprId,
        rename: &HashMap<LocalId, LocalId>,
    ) -> ExprId {
        let src = from.unwrap_or(self);
        let (expr, ty) = (src.func.expr(e).clone(), src.ty(e));
        let all = |v: &mut Self, xs: &[ExprId]| -> Vec<ExprId> {
            xs.iter().map(|x| v.tree(from, *x, rename)).collect()
        };
        let local = |l: LocalId| rename.get(&l).copied().unwrap_or(l);
        let kind = match expr.kind {
            ExprKind::Local(l) => ExprKind::Local(local(l)),
            ExprKind::Unary(op, x) => ExprKind::Unary(op, self.tree(from, x, rename)),
            ExprKind::Binary(op, a, b) => {
                ExprKind::Binary(op, self.tree(from, a, rename), self.tree(from, b, rename))
            }
            ExprKind::Logical(op, a, b) => {
                ExprKind::Logical(op, self.tree(from, a, rename), self.tree(from, b, rename))
            }
            ExprKind::Cast(x, t) => ExprKind::Cast(self.tree(from, x, rename), t),
            ExprKind::Load {
                array,
                index,
                checked,
            } => ExprKind::Load {
                array: local(array),
                index: all(self, &index),
                checked,
            },
            ExprKind::Intrinsic { op, args } => ExprKind::Intrinsic {
                op,
                args: all(self, &args),
            },
            ExprKind::CallInst { inst, args } => ExprKind::CallInst {
                inst,
                args: all(self, &args),
            },
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => ExprKind::Gpu {
                op,
                array: array.map(local),
                index: all(self, &index),
                args: all(self, &args),
            },
            ExprKind::Shape { array, query } => ExprKind::Shape {
                array: local(array),
                query,
            },
            ExprKind::Alloc {
                elem,
                ndim,
                shape,
                init,
            } => ExprKind::Alloc {
                elem,
                ndim,
                shape: match shape {
                    AllocShape::Dims(d) => AllocShape::Dims(all(self, &d)),
                    AllocShape::Like(a) => AllocShape::Like(local(a)),
                    AllocShape::LayoutOf(a) => AllocShape::LayoutOf(local(a)),
                    AllocShape::Fixed(n) => AllocShape::Fixed(n),
                },
                init: match init {
                    Init::Elem(v) => Init::Elem(self.tree(from, v, rename)),
                    Init::Resize(v) => Init::Resize(self.tree(from, v, rename)),
                    Init::Copy(a) => Init::Copy(local(a)),
                    Init::Each(vs) => Init::Each(all(self, &vs)),
                    i @ (Init::Zeros | Init::Ones | Init::Uninit) => i,
                },
            },
            ExprKind::Borrow { array, mutable } => ExprKind::Borrow {
                array: local(array),
                mutable,
            },
            ExprKind::Slice {
                array,
                axes,
                mutable,
            } => {
                let bound = |v: &mut Self, b: Bound| Bound {
                    value: v.copy_expr(b.value, rename),
                    ..b
                };
                ExprKind::Slice {
                    array: local(array),
                    axes: axes
                        .into_iter()
                        .map(|a| match a {
                            SliceAxis::Index(b) => SliceAxis::Index(bound(self, b)),
                            SliceAxis::Range { start, end, step } => SliceAxis::Range {
                                start: start.map(|b| bound(self, b)),
                                end: end.map(|b| bound(self, b)),
                                step,
                            },
                            SliceAxis::NewAxis => SliceAxis::NewAxis,
                        })
                        .collect(),
                    mutable,
                }
            }
            ExprKind::Transpose(a) => ExprKind::Transpose(local(a)),
            ExprKind::Relayout { array, visit } => ExprKind::Relayout {
                array: local(array),
                visit,
            },
            ExprKind::Broadcast { array, with, onto } => ExprKind::Broadcast {
                array: local(array),
                with: local(with),
                onto,
            },
            ExprKind::Tuple(xs) => ExprKind::Tuple(all(self, &xs)),
            ExprKind::Field(x, k) => ExprKind::Field(self.tree(from, x, rename), k),
            ExprKind::Unwrap { option, message } => ExprKind::Unwrap {
                option: self.tree(from, option, rename),
                message,
            },
            ExprKind::SameShape { a, b } => ExprKind::SameShape {
                a: local(a),
                b: local(b),
            },
            ExprKind::MatMul { a, b, out } => ExprKind::MatMul {
                a: local(a),
                b: local(b),
                out: local(out),
            },
            k @ ExprKind::Const(_) => k,
        };
        self.new_expr(kind, ty, expr.span)
    }

    /// A deep copy of a block, reading and assigning `rename[l]` for each local `l` in the map.
    pub fn copy_block(&mut self, b: &Block, rename: &HashMap<LocalId, LocalId>) -> Block {
        self.block_from(None, b, rename)
    }

    /// A deep copy of a statement, reading and assigning `rename[l]` for each local `l` in the map.
    pub fn copy_stmt(&mut self, s: &Stmt, rename: &HashMap<LocalId, LocalId>) -> Stmt {
        self.stmt_from(None, s, rename)
    }

    /// A deep copy into this instance of statement `s` of instance `from`, whose every local
    /// `rename` maps to a local of this one (a helper's body, inlined).
    pub fn import_stmt(
        &mut self,
        from: &Instance,
        s: &Stmt,
        rename: &HashMap<LocalId, LocalId>,
    ) -> Stmt {
        self.stmt_from(Some(from), s, rename)
    }

    /// A deep copy into this instance of expression tree `e` of instance `from` (as
    /// [`Self::import_stmt`]).
    pub fn import_expr(
        &mut self,
        from: &Instance,
        e: ExprId,
        rename: &HashMap<LocalId, LocalId>,
    ) -> ExprId {
        self.tree(Some(from), e, rename)
    }

    fn block_from(
        &mut self,
        from: Option<&Instance>,
        b: &Block,
        rename: &HashMap<LocalId, LocalId>,
    ) -> Block {
        Block {
            stmts: b
                .stmts
                .iter()
                .map(|s| self.stmt_from(from, s, rename))
                .collect(),
        }
    }

    fn stmt_from(
        &mut self,
        from: Option<&Instance>,
        s: &Stmt,
        rename: &HashMap<LocalId, LocalId>,
    ) -> Stmt {
        let local = |l: &LocalId| rename.get(l).copied().unwrap_or(*l);
        match s {
            Stmt::Assign {
                local: l,
                value,
                span,
            } => Stmt::Assign {
                local: local(l),
                value: self.tree(from, *value, rename),
                span: *span,
            },
            Stmt::Store {
                array,
                index,
                value,
                span,
                checked,
            } => Stmt::Store {
                array: local(array),
                value: self.tree(from, *value, rename),
                index: index.iter().map(|i| self.tree(from, *i, rename)).collect(),
                span: *span,
                checked: *checked,
            },
            Stmt::Update {
                array,
                index,
                op,
                value,
                span,
                checked,
            } => Stmt::Update {
                array: local(array),
                index: index.iter().map(|i| self.tree(from, *i, rename)).collect(),
                op: *op,
                value: self.tree(from, *value, rename),
                span: *span,
                checked: *checked,
            },
            Stmt::Eval(e) => Stmt::Eval(self.tree(from, *e, rename)),
            Stmt::Unpack {
                locals,
                value,
                span,
            } => Stmt::Unpack {
                locals: locals.iter().map(|l| l.as_ref().map(local)).collect(),
                value: self.tree(from, *value, rename),
                span: *span,
            },
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => Stmt::If {
                cond: self.tree(from, *cond, rename),
                then_body: self.block_from(from, then_body, rename),
                else_body: self.block_from(from, else_body, rename),
            },
            Stmt::Loop { body } => Stmt::Loop {
                body: self.block_from(from, body, rename),
            },
            Stmt::For {
                var,
                range,
                body,
                span,
            } => Stmt::For {
                var: local(var),
                range: ForRange {
                    start: self.tree(from, range.start, rename),
                    end: self.tree(from, range.end, rename),
                    step: range.step.map(|s| self.tree(from, s, rename)),
                    reductions: range
                        .reductions
                        .iter()
                        .map(|(l, r)| (local(l), *r))
                        .collect(),
                    scalar_chains: range.scalar_chains.iter().map(local).collect(),
                    ..range.clone()
                },
                body: self.block_from(from, body, rename),
                span: *span,
            },
            Stmt::Return { value, span } => Stmt::Return {
                value: value.map(|v| self.tree(from, v, rename)),
                span: *span,
            },
            s @ (Stmt::Break | Stmt::Continue) => s.clone(),
        }
    }
}

/// The expressions at the roots of the statements of `b` (at any depth).
pub fn block_exprs(b: &Block, out: &mut Vec<ExprId>) {
    for s in &b.stmts {
        stmt_exprs(s, out);
        match s {
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                block_exprs(then_body, out);
                block_exprs(else_body, out);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => block_exprs(body, out),
            _ => {}
        }
    }
}

/// The expressions at the roots of statement `s` itself (not of the blocks inside it).
pub fn stmt_exprs(s: &Stmt, out: &mut Vec<ExprId>) {
    match s {
        Stmt::Assign { value, .. } | Stmt::Unpack { value, .. } | Stmt::Eval(value) => {
            out.push(*value)
        }
        Stmt::Store { index, value, .. } | Stmt::Update { index, value, .. } => {
            out.extend(index);
            out.push(*value);
        }
        Stmt::Return { value, .. } => out.extend(*value),
        Stmt::If { cond, .. } => out.push(*cond),
        Stmt::For { range, .. } => {
            out.extend([range.start, range.end]);
            out.extend(range.step);
        }
        Stmt::Loop { .. } | Stmt::Break | Stmt::Continue => {}
    }
}
