//! Expressions: arithmetic with Rust's release semantics, casts, loads, shape queries, calls.

use super::math::MinMaxReceiver;
use super::{FnEmitter, R};
use crate::back::abi::SiteKind;
use crate::back::BackError;
use crate::ir::*;
use crate::span::Span;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValueEnum, FloatValue, InstructionValue, IntValue,
};
use inkwell::{FloatPredicate, IntPredicate};

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    pub(super) fn expr(&mut self, e: ExprId) -> R<BasicValueEnum<'ctx>> {
        let inst = self.inst;
        let span = inst.func.expr(e).span;
        Ok(match &inst.func.expr(e).kind {
            ExprKind::Const(c) => self.constant(*c),
            ExprKind::Local(l) => match self.slots[l.index()] {
                super::Slot::Scalar(p, s) => {
                    let name = &inst.func.local(*l).name;
                    self.b().build_load(self.m.reg_type(s), p, name)?
                }
                _ => self.read_local(*l)?,
            },
            ExprKind::Alloc { shape, init, .. } => {
                let ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a new array not typed as one".into()))?;
                self.alloc(ty, shape, init, span, None)?
            }
            ExprKind::Borrow { array, .. } => {
                let mut a = self.array(*array)?;
                a.ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a view not typed as an array".into()))?;
                self.m.pack(&a)?
            }
            ExprKind::Slice { array, axes, .. } => {
                let ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a view not typed as an array".into()))?;
                self.slice(ty, *array, axes, span)?
            }
            ExprKind::Transpose(array) => {
                let ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a view not typed as an array".into()))?;
                self.transpose(ty, *array)?
            }
            ExprKind::Relayout { array, visit } => {
                let ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a view not typed as an array".into()))?;
                self.relayout(ty, *array, *visit)?
            }
            ExprKind::Broadcast { array, with, onto } => {
                let ty = inst
                    .ty(e)
                    .array()
                    .ok_or_else(|| BackError::Internal("a view not typed as an array".into()))?;
                self.broadcast(ty, (*array, *with), *onto, span)?
            }
            ExprKind::Tuple(xs) => self.tuple(inst.ty(e), xs)?,
            ExprKind::Field(x, k) => self.field(*x, *k)?,
            ExprKind::Unwrap { option, message } => {
                let v = self.expr(*option)?.into_struct_value();
                let some = self.b().build_extract_value(v, 0, "is_some")?;
                let site = self.site(
                    SiteKind::Unwrap {
                        message: message.clone(),
                    },
                    span,
                );
                self.check(some.into_int_value(), site, &[])?;
                self.b().build_extract_value(v, 1, "unwrap")?
            }
            ExprKind::Unary(op, x) => {
                let v = self.expr(*x)?;
                let s = self.scalar(*x)?;
                match (op, s.is_float()) {
                    (UnOp::Neg, true) => {
                        let r = self.b().build_float_neg(v.into_float_value(), "neg")?;
                        self.fast(r.as_instruction());
                        r.into()
                    }
                    (UnOp::Neg, false) => self.b().build_int_neg(v.into_int_value(), "neg")?.into(),
                    (UnOp::Not, _) => self.b().build_not(v.into_int_value(), "not")?.into(),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (va, vb) = (self.expr(*a)?, self.expr(*b)?);
                self.binary(*op, self.scalar(*a)?, va, vb, span)?
            }
            ExprKind::Logical(op, a, b) => self.logical(*op, *a, *b)?,
            ExprKind::Cast(x, to) => {
                let v = self.expr(*x)?;
                self.cast(v, self.scalar(*x)?, *to)?
            }
            ExprKind::Load {
                array,
                index,
                checked,
            } => {
                let a = self.array(*array)?;
                let p = self.element_ptr(&a, *array, index, span, *checked)?;
                let v = self.b().build_load(self.m.mem_type(a.ty.elem), p, "")?;
                self.m.to_reg(a.ty.elem, v)?
            }
            ExprKind::Shape { array, query } => self.shape(*array, *query)?,
            ExprKind::Intrinsic { op, args } => {
                let vals = args.iter().map(|a| self.expr(*a)).collect::<R<Vec<_>>>()?;
                let receiver = args.first().ok_or_else(|| {
                    BackError::Internal(format!("{} without arguments", op.name()))
                })?;
                let s = self.scalar(*receiver)?;
                let known = match self.inst.func.expr(*receiver).kind {
                    ExprKind::Local(l) if self.never_nan.contains(&l) => MinMaxReceiver::NotNan,
                    ExprKind::Local(l) if self.carried.contains(&l) => MinMaxReceiver::Carried,
                    _ => MinMaxReceiver::Any,
                };
                self.intrinsic(*op, s, &vals, known, span)?
            }
            ExprKind::CallInst { inst: callee, args } => self.call(*callee, args, span)?,
            ExprKind::SameShape { a, b } => self.same_shape(*a, *b, span)?,
            ExprKind::MatMul { a, b, out } => self.mat_mul(*a, *b, *out)?,
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => self.gpu_expr(*op, *array, index, args, span)?,
            ExprKind::Lit(n)
            | ExprKind::Method { name: n, .. }
            | ExprKind::Call { func: n, .. }
            | ExprKind::Each(n) => match *n {},
            ExprKind::Reduce(n) => match *n {},
            ExprKind::Map(n) => match *n {},
            ExprKind::Struct(n) => match *n {},
            ExprKind::Option(n) => match *n {},
        })
    }

    /// The scalar type of an operand (the verifier has checked that it is one).
    fn scalar(&self, e: ExprId) -> R<Scalar> {
        self.inst
            .ty(e)
            .scalar()
            .ok_or_else(|| BackError::Internal(format!("{e} is not a scalar")))
    }

    pub(super) fn constant(&self, c: Const) -> BasicValueEnum<'ctx> {
        let ctx = self.ctx();
        match c.ty {
            Scalar::F32 => ctx
                .f32_type()
                .const_float(f32::from_bits(c.bits as u32) as f64)
                .into(),
            Scalar::F64 => ctx
                .f64_type()
                .const_float(f64::from_bits(c.bits as u64))
                .into(),
            Scalar::Bool => ctx.bool_type().const_int(c.bits as u64 & 1, false).into(),
            // The real part (see `Const`).
            Scalar::C32 | Scalar::C64 => {
                let re = self.constant(Const {
                    ty: c.ty.part(),
                    bits: c.bits,
                });
                let im = self.constant(Const {
                    ty: c.ty.part(),
                    bits: 0,
                });
                ctx.const_struct(&[re, im], false).into()
            }
            s => super::int_const(super::int_type(ctx, s.bits()), c.bits).into(),
        }
    }

    /// Marks a float instruction with the fast-math flags the kernel asked for.
    pub(super) fn fast(&self, i: Option<InstructionValue<'ctx>>) {
        use inkwell::values::FastMathFlags as F;
        let fm = self.inst.func.attrs.fastmath;
        let flags = [
            (FastMath::REASSOC, F::AllowReassoc),
            (FastMath::NNAN, F::NoNaNs),
            (FastMath::NINF, F::NoInfs),
            (FastMath::NSZ, F::NoSignedZeros),
            (FastMath::ARCP, F::AllowReciprocal),
            (FastMath::CONTRACT, F::AllowContract),
            (FastMath::AFN, F::ApproxFunc),
        ]
        .into_iter()
        .filter(|(f, _)| fm.contains(*f))
        .fold(F::empty(), |all, (_, f)| all | f);
        if let (false, Some(i)) = (flags.is_empty(), i) {
            let _ = i.set_fast_math_flags(flags);
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        s: Scalar,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        if s.is_float() {
            return self.float_binary(op, a.into_float_value(), b.into_float_value());
        }
        let (a, b) = (a.into_int_value(), b.into_int_value());
        let signed = s.is_signed();
        let bl = self.b();
        Ok(match op {
            BinOp::Add => bl.build_int_add(a, b, "add")?.into(),
            BinOp::Sub => bl.build_int_sub(a, b, "sub")?.into(),
            BinOp::Mul => bl.build_int_mul(a, b, "mul")?.into(),
            BinOp::Div | BinOp::Rem => return self.int_division(op, s, a, b, span),
            BinOp::BitAnd => bl.build_and(a, b, "and")?.into(),
            BinOp::BitOr => bl.build_or(a, b, "or")?.into(),
            BinOp::BitXor => bl.build_xor(a, b, "xor")?.into(),
            BinOp::Shl | BinOp::Shr => {
                // Release semantics: the amount is taken modulo the width.
                let amount = bl.build_int_cast_sign_flag(b, a.get_type(), false, "amount")?;
                let mask = a.get_type().const_int(s.bits() as u64 - 1, false);
                let amount = bl.build_and(amount, mask, "amount.masked")?;
                match (op, signed) {
                    (BinOp::Shl, _) => bl.build_left_shift(a, amount, "shl")?.into(),
                    (_, true) => bl.build_right_shift(a, amount, true, "ashr")?.into(),
                    (_, false) => bl.build_right_shift(a, amount, false, "lshr")?.into(),
                }
            }
            cmp => {
                let pred = match (cmp, signed) {
                    (BinOp::Eq, _) => IntPredicate::EQ,
                    (BinOp::Ne, _) => IntPredicate::NE,
                    (BinOp::Lt, true) => IntPredicate::SLT,
                    (BinOp::Lt, false) => IntPredicate::ULT,
                    (BinOp::Le, true) => IntPredicate::SLE,
                    (BinOp::Le, false) => IntPredicate::ULE,
                    (BinOp::Gt, true) => IntPredicate::SGT,
                    (BinOp::Gt, false) => IntPredicate::UGT,
                    (BinOp::Ge, true) => IntPredicate::SGE,
                    (_, _) => IntPredicate::UGE,
                };
                bl.build_int_compare(pred, a, b, "cmp")?.into()
            }
        })
    }

    fn float_binary(
        &mut self,
        op: BinOp,
        a: FloatValue<'ctx>,
        b: FloatValue<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        if op == BinOp::Rem && self.m.gpu.is_some() {
            // NVPTX expands `frem` inexactly; libdevice's fmod is exact, like the CPU's.
            let s = if a.get_type().get_bit_width() == 32 {
                Scalar::F32
            } else {
                Scalar::F64
            };
            return self.libm("fmod", s, &[a.into(), b.into()]);
        }
        let bl = self.b();
        let r = match op {
            BinOp::Add => bl.build_float_add(a, b, "fadd")?,
            BinOp::Sub => bl.build_float_sub(a, b, "fsub")?,
            BinOp::Mul => bl.build_float_mul(a, b, "fmul")?,
            BinOp::Div => bl.build_float_div(a, b, "fdiv")?,
            BinOp::Rem => bl.build_float_rem(a, b, "frem")?,
            cmp => {
                let pred = match cmp {
                    BinOp::Eq => FloatPredicate::OEQ,
                    BinOp::Ne => FloatPredicate::UNE,
                    BinOp::Lt => FloatPredicate::OLT,
                    BinOp::Le => FloatPredicate::OLE,
                    BinOp::Gt => FloatPredicate::OGT,
                    BinOp::Ge => FloatPredicate::OGE,
                    _ => return Err(BackError::Internal(format!("`{}` on floats", cmp.symbol()))),
                };
                let c = bl.build_float_compare(pred, a, b, "fcmp")?;
                self.fast(c.as_instruction());
                return Ok(c.into());
            }
        };
        self.fast(r.as_instruction());
        Ok(r.into())
    }

    /// `/` and `%` on integers: division by zero and `MIN / -1` are errors, as rustc's panics are.
    pub(super) fn int_division(
        &mut self,
        op: BinOp,
        s: Scalar,
        a: IntValue<'ctx>,
        b: IntValue<'ctx>,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        let t = a.get_type();
        let nonzero = self
            .b()
            .build_int_compare(IntPredicate::NE, b, t.const_zero(), "nonzero")?;
        let site = self.site(SiteKind::DivisionByZero, span);
        // The error reports the dividend as an `i64`: zero-extended when unsigned (a 128-bit
        // one's low 64 bits).
        let shown = if s.is_signed() {
            a
        } else {
            self.b()
                .build_int_cast_sign_flag(a, self.ctx().i64_type(), false, "")?
        };
        self.check(nonzero, site, &[shown])?;
        if s.is_signed() {
            let min = self.constant(Const::min(s)).into_int_value();
            let is_min = self.b().build_int_compare(IntPredicate::EQ, a, min, "")?;
            let is_m1 = self
                .b()
                .build_int_compare(IntPredicate::EQ, b, t.const_all_ones(), "")?;
            let both = self.b().build_and(is_min, is_m1, "")?;
            let ok = self.b().build_not(both, "no.overflow")?;
            let site = self.site(SiteKind::DivisionOverflow, span);
            self.check(ok, site, &[a, b])?;
        }
        let bl = self.b();
        Ok(match (op, s.is_signed()) {
            (BinOp::Div, true) => bl.build_int_signed_div(a, b, "sdiv")?,
            (BinOp::Div, false) => bl.build_int_unsigned_div(a, b, "udiv")?,
            (_, true) => bl.build_int_signed_rem(a, b, "srem")?,
            (_, false) => bl.build_int_unsigned_rem(a, b, "urem")?,
        }
        .into())
    }

    /// Short-circuit `&&` / `||`: the right side runs only when it decides the result.
    fn logical(&mut self, op: LogicOp, a: ExprId, b: ExprId) -> R<BasicValueEnum<'ctx>> {
        let va = self.expr(a)?.into_int_value();
        let from_a = self.current_block()?;
        let rhs_bb = self.new_block("rhs");
        let join = self.new_block("logic.end");
        match op {
            LogicOp::And => self.b().build_conditional_branch(va, rhs_bb, join)?,
            LogicOp::Or => self.b().build_conditional_branch(va, join, rhs_bb)?,
        };
        self.b().position_at_end(rhs_bb);
        let vb = self.expr(b)?.into_int_value();
        let from_b = self.current_block()?;
        self.b().build_unconditional_branch(join)?;
        self.b().position_at_end(join);
        let phi = self.b().build_phi(self.ctx().bool_type(), "logic")?;
        phi.add_incoming(&[(&va, from_a), (&vb, from_b)]);
        Ok(phi.as_basic_value())
    }

    /// `as` with rustc's rules: integer truncation / extension by the source's signedness,
    /// saturating float-to-int (NaN -> 0), round-to-nearest int-to-float.
    pub(super) fn cast(
        &mut self,
        v: BasicValueEnum<'ctx>,
        from: Scalar,
        to: Scalar,
    ) -> R<BasicValueEnum<'ctx>> {
        if from == to {
            return Ok(v);
        }
        let to_t = self.m.reg_type(to);
        let bl = self.b();
        Ok(match (from.is_float(), to.is_float()) {
            (true, true) => bl
                .build_float_cast(v.into_float_value(), to_t.into_float_type(), "fcast")?
                .into(),
            (false, true) => {
                let signed = from.is_signed();
                if signed {
                    bl.build_signed_int_to_float(
                        v.into_int_value(),
                        to_t.into_float_type(),
                        "sitofp",
                    )?
                    .into()
                } else {
                    bl.build_unsigned_int_to_float(
                        v.into_int_value(),
                        to_t.into_float_type(),
                        "uitofp",
                    )?
                    .into()
                }
            }
            (true, false) => {
                let name = if to.is_signed() {
                    "llvm.fptosi.sat"
                } else {
                    "llvm.fptoui.sat"
                };
                self.call_intrinsic(name, &[to_t, v.get_type()], &[v])?
            }
            (false, false) => bl
                .build_int_cast_sign_flag(
                    v.into_int_value(),
                    to_t.into_int_type(),
                    from.is_signed(),
                    "icast",
                )?
                .into(),
        })
    }

    fn shape(&mut self, array: LocalId, query: ShapeQuery) -> R<BasicValueEnum<'ctx>> {
        let a = self.array(array)?;
        let i64t = self.ctx().i64_type();
        let len = |this: &Self| -> R<IntValue<'ctx>> {
            let mut n = i64t.const_int(1, false);
            for &d in &a.shape {
                n = this.b().build_int_mul(n, d, "len")?;
            }
            Ok(n)
        };
        Ok(match query {
            ShapeQuery::Len => len(self)?.into(),
            ShapeQuery::IsEmpty => {
                let n = len(self)?;
                self.b()
                    .build_int_compare(IntPredicate::EQ, n, i64t.const_zero(), "is_empty")?
                    .into()
            }
            ShapeQuery::Dim(d) | ShapeQuery::DimOf { d, .. } => a.shape[d as usize].into(),
            ShapeQuery::Rows2d => a.shape[0].into(),
            ShapeQuery::Cols2d => a.shape[1].into(),
            ShapeQuery::Ndim => i64t.const_int(a.ty.ndim as u64, false).into(),
            ShapeQuery::Contiguous | ShapeQuery::Standard => self.layout_test(&a, query)?.into(),
            ShapeQuery::MinStrideAxis => self.min_stride_axis(&a)?.into(),
        })
    }

    fn call(&mut self, callee: InstId, args: &[ExprId], span: Span) -> R<BasicValueEnum<'ctx>> {
        let target = self.program.inst(callee);
        let mut vals: Vec<BasicMetadataValueEnum> = Vec::new();
        for (&a, t) in args.iter().zip(&target.params) {
            match t {
                Type::Array(p) => {
                    // A view is the caller's array as it is; an owned array moves in.
                    let arr = match self.inst.func.expr(a).kind {
                        ExprKind::Local(l) | ExprKind::Borrow { array: l, .. } if !p.is_owned() => {
                            self.array(l)?
                        }
                        _ => {
                            let v = self.expr(a)?;
                            self.array_value(*p, v)?
                        }
                    };
                    vals.push(arr.data.into());
                    vals.extend(arr.shape.iter().map(|v| BasicMetadataValueEnum::from(*v)));
                    if p.layout == Layout::Strided {
                        vals.extend(arr.strides.iter().map(|v| BasicMetadataValueEnum::from(*v)));
                    }
                }
                _ => vals.push(self.expr(a)?.into()),
            }
        }
        if self.m.recursive[callee.index()] {
            let i32t = self.ctx().i32_type();
            let depth = match self.depth {
                Some(d) => self
                    .b()
                    .build_int_add(d, i32t.const_int(1, false), "depth")?,
                None => i32t.const_int(1, false),
            };
            let limit = i32t.const_int(MAX_CALL_DEPTH.into(), false);
            let ok = self
                .b()
                .build_int_compare(IntPredicate::ULE, depth, limit, "depth.ok")?;
            let site = self.site(SiteKind::RecursionDepth, span);
            self.check(ok, site, &[depth])?;
            vals.push(depth.into());
        }
        vals.push(self.err.into());
        let f = self.m.functions[callee.index()];
        let call = self.b().build_call(f, &vals, "call")?;
        let failed = self.m.load_failed(self.err)?;
        let ok = self.new_block("call.ok");
        let branch = self.b().build_conditional_branch(failed, self.fail, ok)?;
        self.rare_failure(branch, true)?;
        self.b().position_at_end(ok);
        Ok(call
            .try_as_basic_value()
            .basic()
            .unwrap_or_else(|| self.ctx().bool_type().const_zero().into()))
    }
}
