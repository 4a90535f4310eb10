//! Vector math for fast-math kernels: tells LLVM's loop vectorizer that glibc's libmvec has vector
//! versions of `exp`, `ln`, `sin`, `pow`, ... so a loop calling them runs 4 or 8 lanes per call.
//!
//! Each scalar call gets the `vector-function-abi-variant` attribute naming its variants (vector
//! function ABI mangling, as LLVM's own TLI mappings use), and the variants are declared in the
//! module. Only kernels whose fast-math flags include `afn` (approximate functions, among those of
//! a plain `#[rumba(fastmath)]`) get them: libmvec is accurate to 4 ulp, not correctly rounded like
//! the scalar library, so IEEE-exact kernels keep scalar calls.

use super::{FnEmitter, ModuleEmitter, R};
use crate::ir::{FastMath, Scalar};
use inkwell::attributes::AttributeLoc;
use inkwell::module::Linkage;
use inkwell::types::BasicType;
use inkwell::values::CallSiteValue;
use inkwell::AddressSpace;

/// Functions libmvec provides (glibc >= 2.35), by their C name.
const LIBMVEC: &[&str] = &[
    "exp", "log", "sin", "cos", "pow", "exp2", "log2", "log10", "cbrt", "expm1", "log1p", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "atan2", "hypot",
];

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// `name` is the C name (`exp`) or the intrinsic's stem (`exp` of `llvm.exp.f64`).
    pub(super) fn vector_variants(
        &mut self,
        call: CallSiteValue<'ctx>,
        name: &str,
        s: Option<Scalar>,
        arity: usize,
    ) -> R<()> {
        let Some(s) = s else { return Ok(()) };
        let base = if name == "log" || name.starts_with("log.") {
            "log"
        } else {
            name.split('.').next().unwrap_or(name)
        };
        let target = self.m.target;
        let afn = self.inst.func.attrs.fastmath.contains(FastMath::AFN);
        if !afn || !target.vector_library || !LIBMVEC.contains(&base) {
            return Ok(());
        }
        let Some(scalar_fn) = call.get_called_fn_value() else {
            return Ok(());
        };
        let scalar_name = scalar_fn.get_name().to_string_lossy().into_owned();
        let suffix = if s == Scalar::F32 { "f" } else { "" };
        let params = "v".repeat(arity);
        let isas = target.libmvec_isas();
        let mut variants = Vec::new();
        for &(isa, lanes64) in isas {
            let lanes = if s == Scalar::F32 {
                lanes64 * 2
            } else {
                lanes64
            };
            let vector_name = format!("_ZGV{isa}N{lanes}{params}_{base}{suffix}");
            self.m.declare_vector(&vector_name, s, lanes, arity);
            variants.push(format!(
                "_ZGV_LLVM_N{lanes}{params}_{scalar_name}({vector_name})"
            ));
        }
        // An 8-lane variant is used only where LLVM may vectorize with 512-bit registers, which
        // its tuning for Intel's AVX-512 cores avoids: the module gets the widest vectors. Its
        // loops are then bound by the math calls, which the wide variant runs at ~1.3x the
        // speed of two 4-lane calls (Black-Scholes with `fastmath` 29.1 -> 23.0 ms, the row
        // softmax 48 -> 44; a fast-math dot product, bound by memory, was 10% slower wide, and
        // keeps 256 bits).
        self.m.wide |= isas.iter().any(|&(_, lanes)| lanes == 8);
        if !variants.is_empty() {
            let attr = self
                .ctx()
                .create_string_attribute("vector-function-abi-variant", &variants.join(","));
            call.add_attribute(AttributeLoc::Function, attr);
        }
        Ok(())
    }
}

impl<'ctx> ModuleEmitter<'_, 'ctx> {
    fn declare_vector(&mut self, name: &str, s: Scalar, lanes: u32, arity: usize) {
        if self.module.get_function(name).is_some() {
            return;
        }
        let v = self.reg_type(s).into_float_type().vec_type(lanes);
        let params: Vec<_> = (0..arity).map(|_| v.into()).collect();
        let f = self
            .module
            .add_function(name, v.fn_type(&params, false), Some(Linkage::External));
        f.add_attribute(AttributeLoc::Function, self.attr("nounwind"));
        self.keep.push(f);
    }

    /// `@llvm.compiler.used`: keeps the vector variants declared until the vectorizer has run.
    pub(super) fn keep_declarations(&mut self) {
        if self.keep.is_empty() {
            return;
        }
        let ptr = self.ctx.ptr_type(AddressSpace::default());
        let values: Vec<_> = self
            .keep
            .iter()
            .map(|f| f.as_global_value().as_pointer_value())
            .collect();
        let ty = ptr.array_type(values.len() as u32);
        let g = self
            .module
            .add_global(ty.as_basic_type_enum(), None, "llvm.compiler.used");
        g.set_linkage(Linkage::Appending);
        g.set_section(Some("llvm.metadata"));
        g.set_initializer(&ptr.const_array(&values));
    }
}
