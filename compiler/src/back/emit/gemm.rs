//! `ExprKind::MatMul`: the product of two float or complex matrices, computed by the runtime's
//! `matrixmultiply` (the library ndarray's `dot` calls, so the bits are ndarray's).
//!
//! In: the three arrays' data pointers, extents and strides. Out: one call of the runtime's
//! `rumba_sgemm` / `rumba_dgemm` / `rumba_cgemm` / `rumba_zgemm` ([`abi::SGEMM`],
//! [`abi::DGEMM`], [`abi::CGEMM`], [`abi::ZGEMM`]); the CPU only (GPU code cannot allocate the
//! result, which `back::gpu` refuses first).

use super::{FnEmitter, R};
use crate::back::abi;
use crate::ir::*;
use inkwell::values::BasicValueEnum;
use inkwell::AddressSpace;

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// `out = a · b`: the runtime's `matrixmultiply` call.
    pub(super) fn mat_mul(
        &mut self,
        a: LocalId,
        b: LocalId,
        out: LocalId,
    ) -> R<BasicValueEnum<'ctx>> {
        let (x, y, z) = (self.array(a)?, self.array(b)?, self.array(out)?);
        let name = match x.ty.scalar() {
            Some(Scalar::F32) => abi::SGEMM,
            Some(Scalar::C32) => abi::CGEMM,
            Some(Scalar::C64) => abi::ZGEMM,
            _ => abi::DGEMM,
        };
        let ctx = self.ctx();
        let (ptr, i64t) = (ctx.ptr_type(AddressSpace::default()), ctx.i64_type());
        let (p, i) = (ptr.into(), i64t.into());
        let t = ctx
            .void_type()
            .fn_type(&[i, i, i, p, i, i, p, i, i, p, i, i], false);
        let f = self.m.runtime_fn(name, t);
        let args = [
            x.shape[0].into(),
            x.shape[1].into(),
            y.shape[1].into(),
            x.data.into(),
            x.strides[0].into(),
            x.strides[1].into(),
            y.data.into(),
            y.strides[0].into(),
            y.strides[1].into(),
            z.data.into(),
            z.strides[0].into(),
            z.strides[1].into(),
        ];
        self.b().build_call(f, &args, "")?;
        Ok(self.ctx().bool_type().const_zero().into())
    }
}
