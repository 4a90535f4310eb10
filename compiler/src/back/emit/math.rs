//! Numeric methods: LLVM intrinsics where std uses them, the C math library where std calls it,
//! and the remaining methods written out as std defines them.

use super::{FnEmitter, R};
use crate::back::abi::SiteKind;
use crate::back::BackError;
use crate::ir::{walk, BinOp, Const, ExprKind, FastMath, Instance, Intrinsic, LocalId, Scalar};
use inkwell::module::Linkage;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicMetadataValueEnum, BasicValue, BasicValueEnum, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use std::collections::{HashMap, HashSet};

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    pub(super) fn call_intrinsic(
        &mut self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let intrinsic = inkwell::intrinsics::Intrinsic::find(name)
            .ok_or_else(|| BackError::Internal(format!("no intrinsic {name}")))?;
        let f = intrinsic
            .get_declaration(&self.m.module, types)
            .ok_or_else(|| BackError::Internal(format!("cannot declare {name}")))?;
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|a| (*a).into()).collect();
        let call = self
            .b()
            .build_call(f, &args, name.trim_start_matches("llvm."))?;
        self.vector_variants(
            call,
            name.trim_start_matches("llvm."),
            s_of(types),
            args.len(),
        )?;
        self.fast(
            call.try_as_basic_value()
                .basic()
                .and_then(|v| v.as_instruction_value()),
        );
        call.try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal(format!("{name} returned nothing")))
    }

    /// A call of the C math library (`cbrt`, `tanf`, ...), declared on first use.
    pub(super) fn libm(
        &mut self,
        base: &str,
        s: Scalar,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let name = if s == Scalar::F32 {
            format!("{base}f")
        } else {
            base.to_string()
        };
        // On the GPU the same functions come from libdevice: `__nv_sin`, `__nv_sinf`, ...
        let name = if self.m.gpu.is_some() {
            format!("__nv_{name}")
        } else {
            name
        };
        let t = self.m.reg_type(s);
        let f = match self.m.module.get_function(&name) {
            Some(f) => f,
            None => {
                let params: Vec<_> = args.iter().map(|_| t.into()).collect();
                let f = self.m.module.add_function(
                    &name,
                    t.into_float_type().fn_type(&params, false),
                    Some(Linkage::External),
                );
                f.add_attribute(
                    inkwell::attributes::AttributeLoc::Function,
                    self.m.attr("nounwind"),
                );
                f
            }
        };
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|a| (*a).into()).collect();
        let call = self.b().build_call(f, &args, base)?;
        self.vector_variants(call, base, Some(s), args.len())?;
        self.fast(
            call.try_as_basic_value()
                .basic()
                .and_then(|v| v.as_instruction_value()),
        );
        call.try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal(format!("{name} returned nothing")))
    }

    /// `llvm.{base}` on the CPU; libdevice's `__nv_{base}` on the GPU, where NVPTX has no
    /// instructions for these (only approximations).
    fn llvm_or_libdevice(
        &mut self,
        base: &str,
        s: Scalar,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        if self.m.gpu.is_some() {
            return self.libm(base, s, args);
        }
        let t = self.m.reg_type(s);
        self.call_intrinsic(&format!("llvm.{base}"), &[t], args)
    }

    fn float_const(&self, s: Scalar, v: f64) -> FloatValue<'ctx> {
        self.m.reg_type(s).into_float_type().const_float(v)
    }

    /// `op` of the receiver `args[0]` and the other arguments; `receiver`: what is known of the
    /// receiver, for a float `min`/`max` ([`min_max`]).
    ///
    /// [`min_max`]: FnEmitter::min_max
    pub(super) fn intrinsic(
        &mut self,
        op: Intrinsic,
        s: Scalar,
        args: &[BasicValueEnum<'ctx>],
        receiver: MinMaxReceiver,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        if s.is_complex() {
            self.complex_intrinsic(op, args)
        } else if s.is_float() {
            self.float_intrinsic(op, s, args, receiver, span)
        } else {
            self.int_intrinsic(op, s, args, span)
        }
    }

    /// The intrinsics of a complex receiver: its parts.
    fn complex_intrinsic(
        &mut self,
        op: Intrinsic,
        args: &[BasicValueEnum<'ctx>],
    ) -> R<BasicValueEnum<'ctx>> {
        let z = args[0].into_struct_value();
        let part = match op {
            Intrinsic::Re => 0,
            Intrinsic::Im => 1,
            _ => {
                return Err(BackError::Internal(format!(
                    "`{}` of a complex number",
                    op.name()
                )))
            }
        };
        let name = op.name();
        Ok(self.b().build_extract_value(z, part, name)?)
    }

    fn float_intrinsic(
        &mut self,
        op: Intrinsic,
        s: Scalar,
        args: &[BasicValueEnum<'ctx>],
        receiver: MinMaxReceiver,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        use Intrinsic::*;
        let t = self.m.reg_type(s);
        let x = args[0].into_float_value();
        let fm = |this: &Self, v: FloatValue<'ctx>| {
            this.fast(v.as_instruction());
            v
        };
        Ok(match op {
            Min | Max if !self.inst.func.attrs.fastmath.contains(FastMath::NNAN) => {
                self.min_max(op, x, args[1].into_float_value(), receiver)?
            }
            Abs => self.call_intrinsic("llvm.fabs", &[t], args)?,
            Sqrt => self.call_intrinsic("llvm.sqrt", &[t], args)?,
            Floor => self.call_intrinsic("llvm.floor", &[t], args)?,
            Ceil => self.call_intrinsic("llvm.ceil", &[t], args)?,
            Round => self.call_intrinsic("llvm.round", &[t], args)?,
            Trunc => self.call_intrinsic("llvm.trunc", &[t], args)?,
            MulAdd => self.call_intrinsic("llvm.fma", &[t], args)?,
            ToBits => {
                let bits = super::int_type(self.ctx(), s.bits());
                self.b().build_bit_cast(x, bits, "bits")?
            }
            ComplexNew => {
                let z = self.m.reg_type(s.complex().unwrap_or(s)).into_struct_type();
                let z = self.b().build_insert_value(z.get_undef(), x, 0, "")?;
                self.b()
                    .build_insert_value(z, args[1], 1, "complex")?
                    .into_struct_value()
                    .into()
            }
            Min => self.call_intrinsic("llvm.minnum", &[t], args)?,
            Max => self.call_intrinsic("llvm.maxnum", &[t], args)?,
            Copysign => self.call_intrinsic("llvm.copysign", &[t], args)?,
            Exp => self.llvm_or_libdevice("exp", s, args)?,
            Exp2 => self.llvm_or_libdevice("exp2", s, args)?,
            Ln => self.llvm_or_libdevice("log", s, args)?,
            Log2 => self.llvm_or_libdevice("log2", s, args)?,
            Log10 => self.llvm_or_libdevice("log10", s, args)?,
            Sin => self.llvm_or_libdevice("sin", s, args)?,
            Cos => self.llvm_or_libdevice("cos", s, args)?,
            Powf => self.llvm_or_libdevice("pow", s, args)?,
            Cbrt => self.libm("cbrt", s, args)?,
            ExpM1 => self.libm("expm1", s, args)?,
            Ln1p => self.libm("log1p", s, args)?,
            Tan => self.libm("tan", s, args)?,
            Asin => self.libm("asin", s, args)?,
            Acos => self.libm("acos", s, args)?,
            Atan => self.libm("atan", s, args)?,
            Sinh => self.libm("sinh", s, args)?,
            Cosh => self.libm("cosh", s, args)?,
            Tanh => self.libm("tanh", s, args)?,
            Atan2 => self.libm("atan2", s, args)?,
            Hypot => self.libm("hypot", s, args)?,
            Powi if self.m.gpu.is_some() => {
                // The GPU has no compiler-rt to lower `llvm.powi` to: call the module's copy.
                self.define_powi(s)?;
                let name = if s == Scalar::F32 {
                    "__powisf2"
                } else {
                    "__powidf2"
                };
                let f = self
                    .m
                    .module
                    .get_function(name)
                    .ok_or_else(|| BackError::Internal(format!("{name} not defined")))?;
                let call = self
                    .b()
                    .build_call(f, &[args[0].into(), args[1].into()], "powi")?;
                call.try_as_basic_value()
                    .basic()
                    .ok_or_else(|| BackError::Internal("powi returned nothing".into()))?
            }
            Powi => {
                let i32t = self.ctx().i32_type().into();
                self.define_powi(s)?;
                self.call_intrinsic("llvm.powi", &[t, i32t], args)?
            }
            Fract => {
                let tr = self
                    .call_intrinsic("llvm.trunc", &[t], args)?
                    .into_float_value();
                fm(self, self.b().build_float_sub(x, tr, "fract")?).into()
            }
            Recip => fm(
                self,
                self.b()
                    .build_float_div(self.float_const(s, 1.0), x, "recip")?,
            )
            .into(),
            ToRadians => {
                let k = if s == Scalar::F32 {
                    (std::f32::consts::PI / 180.0) as f64
                } else {
                    std::f64::consts::PI / 180.0
                };
                fm(
                    self,
                    self.b().build_float_mul(x, self.float_const(s, k), "rad")?,
                )
                .into()
            }
            ToDegrees => {
                let k = if s == Scalar::F32 {
                    57.295_78_f32 as f64
                } else {
                    180.0 / std::f64::consts::PI
                };
                fm(
                    self,
                    self.b().build_float_mul(x, self.float_const(s, k), "deg")?,
                )
                .into()
            }
            Log if self.m.gpu.is_some() => {
                let a = self.libm("log", s, &args[..1])?.into_float_value();
                let b = self.libm("log", s, &args[1..2])?.into_float_value();
                fm(self, self.b().build_float_div(a, b, "log")?).into()
            }
            Log => {
                let a = self
                    .call_intrinsic("llvm.log", &[t], &args[..1])?
                    .into_float_value();
                let b = self
                    .call_intrinsic("llvm.log", &[t], &args[1..2])?
                    .into_float_value();
                fm(self, self.b().build_float_div(a, b, "log")?).into()
            }
            Signum => {
                // As std: `NAN` (positive, quiet) for a NaN; otherwise 1.0 with the sign of x.
                let one = self.float_const(s, 1.0).into();
                let signed = self.call_intrinsic("llvm.copysign", &[t], &[one, args[0]])?;
                let nan = self
                    .b()
                    .build_float_compare(FloatPredicate::UNO, x, x, "isnan")?;
                self.b().build_select(
                    nan,
                    self.float_const(s, f64::NAN),
                    signed.into_float_value(),
                    "signum",
                )?
            }
            Clamp => {
                let (lo, hi) = (args[1].into_float_value(), args[2].into_float_value());
                let ok = self
                    .b()
                    .build_float_compare(FloatPredicate::OLE, lo, hi, "clamp.ok")?;
                let site = self.site(SiteKind::ClampBounds, span);
                self.check(ok, site, &[])?;
                let below = self
                    .b()
                    .build_float_compare(FloatPredicate::OLT, x, lo, "")?;
                let v = self.b().build_select(below, lo, x, "")?.into_float_value();
                let above = self
                    .b()
                    .build_float_compare(FloatPredicate::OGT, v, hi, "")?;
                self.b().build_select(above, hi, v, "clamp")?
            }
            IsNan => self
                .b()
                .build_float_compare(FloatPredicate::UNO, x, x, "is_nan")?
                .into(),
            IsFinite | IsInfinite => {
                let abs = self
                    .call_intrinsic("llvm.fabs", &[t], args)?
                    .into_float_value();
                let inf = self.float_const(s, f64::INFINITY);
                let pred = if op == IsFinite {
                    FloatPredicate::OLT
                } else {
                    FloatPredicate::OEQ
                };
                self.b()
                    .build_float_compare(pred, abs, inf, op.name())?
                    .into()
            }
            IsSignNegative | IsSignPositive => {
                let it = super::int_type(self.ctx(), s.bits());
                let bits = self.b().build_bit_cast(x, it, "bits")?.into_int_value();
                let pred = if op == IsSignNegative {
                    IntPredicate::SLT
                } else {
                    IntPredicate::SGE
                };
                self.b()
                    .build_int_compare(pred, bits, it.const_zero(), op.name())?
                    .into()
            }
            RemEuclid | DivEuclid => self.float_euclid(op, x, args[1].into_float_value())?,
            Pow | WrappingAdd | WrappingSub | WrappingMul | WrappingNeg | CountOnes
            | CountZeros | LeadingZeros | TrailingZeros | LeadingOnes | TrailingOnes
            | IsPowerOfTwo | IsPositive | IsNegative | SaturatingAdd | SaturatingSub
            | SaturatingMul | WrappingAbs | RotateLeft | RotateRight | SwapBytes | ReverseBits
            | AbsDiff | Re | Im | CheckedAddNone | CheckedSubNone | CheckedMulNone
            | CheckedDivNone | CheckedNegNone | CheckedShlNone | F32FromBits | F64FromBits => {
                return Err(BackError::Internal(format!("`{}` on {s}", op.name())))
            }
        })
    }

    /// `x.min(y)` / `x.max(y)` without fast-math: the selection `llvm.minnum`/`llvm.maxnum` make
    /// on x86 (`y < x ? y : x`, then `y` when `x` is NaN; compiled to the same `vminsd`/`vmaxsd`,
    /// unordered compare and blend), written out, in the order that keeps the `vminsd`: `y`
    /// replaces a NaN `x` first, then `y < x ? y : x` (the same bits). Tested the other way round,
    /// the two selects of `y` fold into one select on an `or` of the tests, which x86 compiles to
    /// two compares, an `or` and a blend (Floyd-Warshall's `d.min(a + b)`: 11% slower). The
    /// intrinsics themselves are avoided because
    /// LLVM 19's value tracking gives `maxnum(x, y)` the sign of `y` when `y`'s sign bit is known
    /// clear, even when `y` may be NaN and the result is then `x`: it folds
    /// `(-1.0).max(q.abs()).is_sign_negative()` to false and `(-0.0).max(nan_or_5) + 0.0` to
    /// `-0.0` (rustc with a newer LLVM gets both right). No cost on the CPU: LLVM 19 vectorizes
    /// neither form of a min/max reduction without fast-math, and element-wise selects vectorize
    /// as the intrinsics do. On the GPU it is two `setp`/`selp` pairs instead of one `max.f64`.
    /// Under fast-math with `nnan` (no NaNs) the intrinsics stay, so that min/max reductions vectorize.
    ///
    /// A receiver `x` that the loop carries (`carried`: `m = m.max(x[i])`, a running maximum) is
    /// tested the other way round, as rustc's code does: `y < x ? y : x` first, then `y` when `x`
    /// is NaN. LLVM folds the two selects into one on an `or`, which x86 compiles, for scalars, to
    /// `vmaxsd` and a masked move: the NaN test runs beside the `vmaxsd`, off `m`'s chain (5
    /// cycles an element instead of 9: a running maximum over 2^22 `f64` 1.3-1.7x -> 1.0-1.05x
    /// rustc's time). Vectorized, that form is two compares, an `or` and a blend, one more
    /// instruction than the order above, which is why it is kept for every other receiver.
    ///
    /// A receiver that is never NaN ([`never_nan`]: `m = f64::NEG_INFINITY`, then only `m =
    /// m.max(..)`) skips the NaN test: `y < x ? y : x` alone, the same bits, which x86 compiles
    /// to one `vmaxsd` (a running maximum's chain: 2 cycles an element instead of 5; 2^22 `f64`
    /// 6.6 -> 2.4 ms on an AMD Zen 4, rustc 4.6, Numba, whose `max` has no NaN rule, 2.4).
    fn min_max(
        &mut self,
        op: Intrinsic,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
        receiver: MinMaxReceiver,
    ) -> R<BasicValueEnum<'ctx>> {
        let wins = if op == Intrinsic::Max {
            FloatPredicate::OGT
        } else {
            FloatPredicate::OLT
        };
        let name = op.name();
        let b = self.b();
        if receiver == MinMaxReceiver::NotNan {
            let y_wins = b.build_float_compare(wins, y, x, "")?;
            return Ok(b.build_select(y_wins, y, x, name)?);
        }
        if receiver == MinMaxReceiver::Carried {
            let y_wins = b.build_float_compare(wins, y, x, "")?;
            let m = b.build_select(y_wins, y, x, "")?;
            let x_nan = b.build_float_compare(FloatPredicate::UNO, x, x, "")?;
            return Ok(b.build_select(x_nan, y.into(), m, name)?);
        }
        let x_nan = b.build_float_compare(FloatPredicate::UNO, x, x, "")?;
        let x = b.build_select(x_nan, y, x, "")?.into_float_value();
        let y_wins = b.build_float_compare(wins, y, x, "")?;
        Ok(b.build_select(y_wins, y, x, name)?)
    }

    fn int_intrinsic(
        &mut self,
        op: Intrinsic,
        s: Scalar,
        args: &[BasicValueEnum<'ctx>],
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        use Intrinsic::*;
        let t = self.m.reg_type(s);
        let it = t.into_int_type();
        let x = args[0].into_int_value();
        let signed = s.is_signed();
        let u32t = self.ctx().i32_type();
        let to_u32 = |this: &Self, v: IntValue<'ctx>| -> R<BasicValueEnum<'ctx>> {
            Ok(this
                .b()
                .build_int_cast_sign_flag(v, u32t, false, "")?
                .into())
        };
        Ok(match op {
            Min | Max => {
                let name = match (op, signed) {
                    (Min, true) => "llvm.smin",
                    (Min, false) => "llvm.umin",
                    (_, true) => "llvm.smax",
                    (_, false) => "llvm.umax",
                };
                self.call_intrinsic(name, &[t], args)?
            }
            Clamp => {
                let (lo, hi) = (args[1].into_int_value(), args[2].into_int_value());
                let le = if signed {
                    IntPredicate::SLE
                } else {
                    IntPredicate::ULE
                };
                let ok = self.b().build_int_compare(le, lo, hi, "clamp.ok")?;
                let site = self.site(SiteKind::ClampBounds, span);
                self.check(ok, site, &[lo, hi])?;
                let (mx, mn) = if signed {
                    ("llvm.smax", "llvm.smin")
                } else {
                    ("llvm.umax", "llvm.umin")
                };
                let v = self.call_intrinsic(mx, &[t], &[args[0], args[1]])?;
                self.call_intrinsic(mn, &[t], &[v, args[2]])?
            }
            Abs => {
                let no_poison = self.ctx().bool_type().const_zero().into();
                self.call_intrinsic("llvm.abs", &[t], &[args[0], no_poison])?
            }
            Signum => {
                let gt = self
                    .b()
                    .build_int_compare(IntPredicate::SGT, x, it.const_zero(), "")?;
                let lt = self
                    .b()
                    .build_int_compare(IntPredicate::SLT, x, it.const_zero(), "")?;
                let gt = self.b().build_int_z_extend(gt, it, "")?;
                let lt = self.b().build_int_z_extend(lt, it, "")?;
                self.b().build_int_sub(gt, lt, "signum")?.into()
            }
            Pow => self.int_pow(x, args[1].into_int_value())?.into(),
            WrappingAdd => self
                .b()
                .build_int_add(x, args[1].into_int_value(), "wadd")?
                .into(),
            WrappingSub => self
                .b()
                .build_int_sub(x, args[1].into_int_value(), "wsub")?
                .into(),
            WrappingMul => self
                .b()
                .build_int_mul(x, args[1].into_int_value(), "wmul")?
                .into(),
            WrappingNeg => self.b().build_int_neg(x, "wneg")?.into(),
            CountOnes => {
                let v = self
                    .call_intrinsic("llvm.ctpop", &[t], args)?
                    .into_int_value();
                to_u32(self, v)?
            }
            CountZeros => {
                let inv = self.b().build_not(x, "")?;
                let v = self
                    .call_intrinsic("llvm.ctpop", &[t], &[inv.into()])?
                    .into_int_value();
                to_u32(self, v)?
            }
            LeadingZeros | TrailingZeros | LeadingOnes | TrailingOnes => {
                let name = if matches!(op, LeadingZeros | LeadingOnes) {
                    "llvm.ctlz"
                } else {
                    "llvm.cttz"
                };
                // The ones of `x` are the zeros of `!x`.
                let counted = if matches!(op, LeadingOnes | TrailingOnes) {
                    self.b().build_not(x, "")?.into()
                } else {
                    args[0]
                };
                let no_poison = self.ctx().bool_type().const_zero().into();
                let v = self
                    .call_intrinsic(name, &[t], &[counted, no_poison])?
                    .into_int_value();
                to_u32(self, v)?
            }
            IsPowerOfTwo => {
                let ones = self
                    .call_intrinsic("llvm.ctpop", &[t], args)?
                    .into_int_value();
                self.b()
                    .build_int_compare(IntPredicate::EQ, ones, it.const_int(1, false), "pow2")?
                    .into()
            }
            IsPositive => self
                .b()
                .build_int_compare(IntPredicate::SGT, x, it.const_zero(), "is_positive")?
                .into(),
            IsNegative => self
                .b()
                .build_int_compare(IntPredicate::SLT, x, it.const_zero(), "is_negative")?
                .into(),
            SaturatingAdd | SaturatingSub => {
                let name = match (op, signed) {
                    (SaturatingAdd, true) => "llvm.sadd.sat",
                    (SaturatingAdd, false) => "llvm.uadd.sat",
                    (_, true) => "llvm.ssub.sat",
                    (_, false) => "llvm.usub.sat",
                };
                self.call_intrinsic(name, &[t], args)?
            }
            SaturatingMul => self.saturating_mul(s, x, args[1].into_int_value())?,
            WrappingAbs => {
                let no_poison = self.ctx().bool_type().const_zero().into();
                self.call_intrinsic("llvm.abs", &[t], &[args[0], no_poison])?
            }
            RotateLeft | RotateRight => {
                // `fshl(x, x, n)` rotates by `n` modulo the width, as std does.
                let n =
                    self.b()
                        .build_int_cast_sign_flag(args[1].into_int_value(), it, false, "")?;
                let name = if op == RotateLeft {
                    "llvm.fshl"
                } else {
                    "llvm.fshr"
                };
                self.call_intrinsic(name, &[t], &[args[0], args[0], n.into()])?
            }
            SwapBytes if s.bits() == 8 => args[0],
            SwapBytes => self.call_intrinsic("llvm.bswap", &[t], args)?,
            ReverseBits => self.call_intrinsic("llvm.bitreverse", &[t], args)?,
            F32FromBits | F64FromBits => {
                let f = match op {
                    F32FromBits => self.ctx().f32_type(),
                    _ => self.ctx().f64_type(),
                };
                self.b().build_bit_cast(x, f, "float")?
            }
            AbsDiff => {
                let y = args[1].into_int_value();
                let lt = if signed {
                    IntPredicate::SLT
                } else {
                    IntPredicate::ULT
                };
                let b = self.b();
                let below = b.build_int_compare(lt, x, y, "")?;
                let up = b.build_int_sub(y, x, "")?;
                let down = b.build_int_sub(x, y, "")?;
                b.build_select(below, up, down, "abs_diff")?
            }
            RemEuclid | DivEuclid => self.int_euclid(op, s, x, args[1].into_int_value(), span)?,
            CheckedAddNone | CheckedSubNone | CheckedMulNone => {
                let name = match (op, signed) {
                    (CheckedAddNone, true) => "llvm.sadd.with.overflow",
                    (CheckedAddNone, false) => "llvm.uadd.with.overflow",
                    (CheckedSubNone, true) => "llvm.ssub.with.overflow",
                    (CheckedSubNone, false) => "llvm.usub.with.overflow",
                    (_, true) => "llvm.smul.with.overflow",
                    (_, false) => "llvm.umul.with.overflow",
                };
                let pair = self.call_intrinsic(name, &[t], args)?.into_struct_value();
                self.b().build_extract_value(pair, 1, op.name())?
            }
            CheckedDivNone => {
                let y = args[1].into_int_value();
                let b = self.b();
                let by_zero = b.build_int_compare(IntPredicate::EQ, y, it.const_zero(), "")?;
                if signed {
                    let min = self.constant(Const::min(s)).into_int_value();
                    let is_min = b.build_int_compare(IntPredicate::EQ, x, min, "")?;
                    let minus_one =
                        b.build_int_compare(IntPredicate::EQ, y, it.const_all_ones(), "")?;
                    let overflow = b.build_and(is_min, minus_one, "")?;
                    b.build_or(by_zero, overflow, op.name())?.into()
                } else {
                    by_zero.into()
                }
            }
            CheckedNegNone if signed => {
                let min = self.constant(Const::min(s)).into_int_value();
                self.b()
                    .build_int_compare(IntPredicate::EQ, x, min, op.name())?
                    .into()
            }
            CheckedNegNone => self
                .b()
                .build_int_compare(IntPredicate::NE, x, it.const_zero(), op.name())?
                .into(),
            CheckedShlNone => {
                let bits = u32t.const_int(s.bits() as u64, false);
                self.b()
                    .build_int_compare(
                        IntPredicate::UGE,
                        args[1].into_int_value(),
                        bits,
                        op.name(),
                    )?
                    .into()
            }
            Powf | Log | Atan2 | Hypot | Copysign | Sqrt | Cbrt | Exp | Exp2 | ExpM1 | Ln
            | Ln1p | Log2 | Log10 | Sin | Cos | Tan | Asin | Acos | Atan | Sinh | Cosh | Tanh
            | Floor | Ceil | Round | Trunc | Fract | Recip | ToRadians | ToDegrees | Powi
            | MulAdd | ToBits | IsNan | IsFinite | IsInfinite | IsSignNegative | IsSignPositive
            | Re | Im | ComplexNew => {
                return Err(BackError::Internal(format!("`{}` on {s}", op.name())))
            }
        })
    }

    /// `x.saturating_mul(y)`: the wrapped product, or the bound on the side of the exact one.
    fn saturating_mul(
        &mut self,
        s: Scalar,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        let it = x.get_type();
        let name = if s.is_signed() {
            "llvm.smul.with.overflow"
        } else {
            "llvm.umul.with.overflow"
        };
        let pair = self
            .call_intrinsic(name, &[it.into()], &[x.into(), y.into()])?
            .into_struct_value();
        let b = self.b();
        let product = b.build_extract_value(pair, 0, "")?.into_int_value();
        let overflow = b.build_extract_value(pair, 1, "")?.into_int_value();
        let (min, max) = (self.constant(Const::min(s)), self.constant(Const::max(s)));
        let bound = if s.is_signed() {
            // The exact product is negative when exactly one operand is.
            let neg = b.build_xor(x, y, "")?;
            let neg = b.build_int_compare(IntPredicate::SLT, neg, it.const_zero(), "")?;
            b.build_select(neg, min, max, "")?.into_int_value()
        } else {
            it.const_all_ones()
        };
        Ok(b.build_select(overflow, bound, product, "smul.sat")?)
    }

    /// `x.rem_euclid(y)` / `x.div_euclid(y)` on integers, as std computes them from `%` and `/`
    /// (with their checks).
    fn int_euclid(
        &mut self,
        op: Intrinsic,
        s: Scalar,
        x: IntValue<'ctx>,
        y: IntValue<'ctx>,
        span: crate::span::Span,
    ) -> R<BasicValueEnum<'ctx>> {
        let r = self
            .int_division(BinOp::Rem, s, x, y, span)?
            .into_int_value();
        if !s.is_signed() {
            return if op == Intrinsic::RemEuclid {
                Ok(r.into())
            } else {
                Ok(self.b().build_int_unsigned_div(x, y, "div_euclid")?.into())
            };
        }
        let it = x.get_type();
        let (zero, one) = (it.const_zero(), it.const_int(1, false));
        let b = self.b();
        let r_neg = b.build_int_compare(IntPredicate::SLT, r, zero, "")?;
        let y_pos = b.build_int_compare(IntPredicate::SGT, y, zero, "")?;
        Ok(if op == Intrinsic::RemEuclid {
            // `if r < 0 { r.wrapping_add(y.wrapping_abs()) } else { r }`
            let neg_y = b.build_int_neg(y, "")?;
            let abs = b.build_select(y_pos, y, neg_y, "")?.into_int_value();
            let adjusted = b.build_int_add(r, abs, "")?;
            b.build_select(r_neg, adjusted, r, "rem_euclid")?
        } else {
            // `let q = x / y; if x % y < 0 { if y > 0 { q - 1 } else { q + 1 } } else { q }`
            let q = b.build_int_signed_div(x, y, "")?;
            let down = b.build_int_sub(q, one, "")?;
            let up = b.build_int_add(q, one, "")?;
            let adjusted = b.build_select(y_pos, down, up, "")?.into_int_value();
            b.build_select(r_neg, adjusted, q, "div_euclid")?
        })
    }

    /// `x.rem_euclid(y)` / `x.div_euclid(y)` on floats, as std writes them.
    fn float_euclid(
        &mut self,
        op: Intrinsic,
        x: FloatValue<'ctx>,
        y: FloatValue<'ctx>,
    ) -> R<BasicValueEnum<'ctx>> {
        let t = x.get_type();
        let zero = t.const_zero();
        let r = self.b().build_float_rem(x, y, "")?;
        self.fast(r.as_instruction());
        let r_neg = self
            .b()
            .build_float_compare(FloatPredicate::OLT, r, zero, "")?;
        if op == Intrinsic::RemEuclid {
            // `if r < 0.0 { r + y.abs() } else { r }`
            let abs = self
                .call_intrinsic("llvm.fabs", &[t.into()], &[y.into()])?
                .into_float_value();
            let adjusted = self.b().build_float_add(r, abs, "")?;
            self.fast(adjusted.as_instruction());
            return Ok(self.b().build_select(r_neg, adjusted, r, "rem_euclid")?);
        }
        // `let q = (x / y).trunc(); if x % y < 0.0 { if y > 0.0 { q - 1.0 } else { q + 1.0 } } else { q }`
        let div = self.b().build_float_div(x, y, "")?;
        self.fast(div.as_instruction());
        let q = self
            .call_intrinsic("llvm.trunc", &[t.into()], &[div.into()])?
            .into_float_value();
        let one = t.const_float(1.0);
        let b = self.b();
        let y_pos = b.build_float_compare(FloatPredicate::OGT, y, zero, "")?;
        let down = b.build_float_sub(q, one, "")?;
        let up = b.build_float_add(q, one, "")?;
        let adjusted = b.build_select(y_pos, down, up, "")?;
        Ok(b.build_select(r_neg, adjusted, q.into(), "div_euclid")?)
    }

    /// `x.pow(e)` with wrapping multiplication (rustc's release semantics) by square-and-multiply.
    fn int_pow(&mut self, x: IntValue<'ctx>, e: IntValue<'ctx>) -> R<IntValue<'ctx>> {
        let it = x.get_type();
        let u32t = e.get_type();
        let pre = self.current_block()?;
        let head = self.new_block("pow.loop");
        let done = self.new_block("pow.end");
        self.b().build_unconditional_branch(head)?;
        self.b().position_at_end(head);
        let b = self.b();
        let acc = b.build_phi(it, "acc")?;
        let base = b.build_phi(it, "base")?;
        let exp = b.build_phi(u32t, "exp")?;
        let (acc_v, base_v, exp_v) = (
            acc.as_basic_value().into_int_value(),
            base.as_basic_value().into_int_value(),
            exp.as_basic_value().into_int_value(),
        );
        let odd = b.build_and(exp_v, u32t.const_int(1, false), "")?;
        let odd = b.build_int_compare(IntPredicate::NE, odd, u32t.const_zero(), "odd")?;
        let mul = b.build_int_mul(acc_v, base_v, "")?;
        let acc_next = b
            .build_select(odd, mul, acc_v, "acc.next")?
            .into_int_value();
        let base_next = b.build_int_mul(base_v, base_v, "base.next")?;
        let exp_next = b.build_right_shift(exp_v, u32t.const_int(1, false), false, "exp.next")?;
        let more = b.build_int_compare(IntPredicate::NE, exp_next, u32t.const_zero(), "more")?;
        let latch = b
            .get_insert_block()
            .ok_or_else(|| BackError::Internal("no block".into()))?;
        acc.add_incoming(&[(&it.const_int(1, false), pre), (&acc_next, latch)]);
        base.add_incoming(&[(&x, pre), (&base_next, latch)]);
        exp.add_incoming(&[(&e, pre), (&exp_next, latch)]);
        // exp == 0 on entry: the loop body runs once with odd = false and returns 1.
        b.build_conditional_branch(more, head, done)?;
        b.position_at_end(done);
        Ok(acc_next)
    }

    /// `llvm.powi` lowers to compiler-rt's `__powidf2` / `__powisf2`, which a host process does
    /// not export; the module carries its own copy (compiler-rt's algorithm).
    fn define_powi(&mut self, s: Scalar) -> R<()> {
        let name = if s == Scalar::F32 {
            "__powisf2"
        } else {
            "__powidf2"
        };
        if self.m.module.get_function(name).is_some() {
            return Ok(());
        }
        let ctx = self.ctx();
        let ft = self.m.reg_type(s).into_float_type();
        let i32t = ctx.i32_type();
        let f =
            self.m
                .module
                .add_function(name, ft.fn_type(&[ft.into(), i32t.into()], false), None);
        self.m.target_attrs(f);
        let saved = self.b().get_insert_block();
        let b = ctx.create_builder();
        let entry = ctx.append_basic_block(f, "entry");
        let head = ctx.append_basic_block(f, "loop");
        let done = ctx.append_basic_block(f, "done");
        b.position_at_end(entry);
        let (a0, n0) = (
            f.get_nth_param(0)
                .ok_or_else(|| BackError::Internal("powi".into()))?
                .into_float_value(),
            f.get_nth_param(1)
                .ok_or_else(|| BackError::Internal("powi".into()))?
                .into_int_value(),
        );
        b.build_unconditional_branch(head)?;
        b.position_at_end(head);
        let r = b.build_phi(ft, "r")?;
        let a = b.build_phi(ft, "a")?;
        let n = b.build_phi(i32t, "n")?;
        let (rv, av, nv) = (
            r.as_basic_value().into_float_value(),
            a.as_basic_value().into_float_value(),
            n.as_basic_value().into_int_value(),
        );
        let odd = b.build_and(nv, i32t.const_int(1, false), "")?;
        let odd = b.build_int_compare(IntPredicate::NE, odd, i32t.const_zero(), "")?;
        let rm = b.build_float_mul(rv, av, "")?;
        let r_next = b.build_select(odd, rm, rv, "")?.into_float_value();
        let n_next = b.build_int_signed_div(nv, i32t.const_int(2, false), "")?;
        let a_next = b.build_float_mul(av, av, "")?;
        let more = b.build_int_compare(IntPredicate::NE, n_next, i32t.const_zero(), "")?;
        r.add_incoming(&[(&ft.const_float(1.0), entry), (&r_next, head)]);
        a.add_incoming(&[(&a0, entry), (&a_next, head)]);
        n.add_incoming(&[(&n0, entry), (&n_next, head)]);
        b.build_conditional_branch(more, head, done)?;
        b.position_at_end(done);
        let neg = b.build_int_compare(IntPredicate::SLT, n0, i32t.const_zero(), "")?;
        let inv = b.build_float_div(ft.const_float(1.0), r_next, "")?;
        let res = b.build_select(neg, inv, r_next, "")?;
        b.build_return(Some(&res))?;
        if let Some(bb) = saved {
            self.b().position_at_end(bb);
        }
        Ok(())
    }
}

/// The float type an intrinsic is overloaded on, if it is one.
fn s_of(types: &[BasicTypeEnum<'_>]) -> Option<Scalar> {
    match types.first() {
        Some(BasicTypeEnum::FloatType(t)) if t.get_bit_width() == 32 => Some(Scalar::F32),
        Some(BasicTypeEnum::FloatType(_)) => Some(Scalar::F64),
        _ => None,
    }
}

/// What is known of the receiver of a float `min`/`max` ([`FnEmitter::min_max`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MinMaxReceiver {
    /// Nothing.
    Any,
    /// A float the innermost enclosing loop carries from one iteration to the next
    /// (`hints::carried_floats`: `m = m.max(x[i])`).
    Carried,
    /// A local that is never NaN ([`never_nan`]).
    NotNan,
}

/// The float locals of `inst` that are never NaN: no parameter, and every assignment gives a
/// constant other than NaN, or the local's own `min`/`max` with another value (`m = m.max(e)`,
/// `m = e.min(m)`): `min`/`max` return their other operand when one is NaN, so from a non-NaN
/// start such a local stays non-NaN. Rust's rules assign a local before it is read.
pub(super) fn never_nan(inst: &Instance) -> HashSet<LocalId> {
    let f = &inst.func;
    let mut verdict: HashMap<LocalId, bool> = f.params.iter().map(|p| (*p, false)).collect();
    // `Unpack`s come with their tuple, which is neither a constant nor a `min`/`max`.
    for (local, value) in walk::assignments(&f.body) {
        let ok = match &f.expr(value).kind {
            ExprKind::Const(c) => c.ty.is_float() && !c.as_f64().is_nan(),
            ExprKind::Intrinsic {
                op: Intrinsic::Min | Intrinsic::Max,
                args,
            } => args
                .iter()
                .any(|a| matches!(f.expr(*a).kind, ExprKind::Local(l) if l == local)),
            _ => false,
        };
        *verdict.entry(local).or_insert(true) &= ok;
    }
    verdict
        .into_iter()
        .filter(|&(l, ok)| ok && inst.local_ty(l).scalar().is_some_and(Scalar::is_float))
        .map(|(l, _)| l)
        .collect()
}
