//! Hints to LLVM's loop passes, as `!llvm.loop` metadata on a loop's latch branch.
//!
//! In: a counted loop's body (typed IR) and its emitted latch branch. Out: the branch, marked
//! where the loop should stay rolled.
//!
//! LLVM's runtime unrolling copies a small loop eight times; two kinds of scalar loop run slower
//! so than rolled, and are kept rolled:
//! - a loop that carries a floating-point value from one iteration to the next through
//!   `x = f(x, ..)` (`s += x[i]; out[i] = s`) runs at the latency of that chain: four cycles per
//!   addition, however the loop is laid out, and the copy runs slower than the rolled loop
//!   (cumsum over 2^24 elements: 0.5% behind rustc's rolled loop, at parity rolled);
//! - a loop whose body stores under a condition (bubble sort's compare-and-swap,
//!   `if x[j] > x[j + 1] { swap }`) keeps a data-dependent branch, which the copies multiply:
//!   bubble sort of 2048 `f64`s took 1.42x rustc's time unrolled, 0.89x rolled (rustc's loop,
//!   with its bounds check inside, has two exits and is never runtime-unrolled).
//!
//! Loops that vectorize are unaffected: the vectorizer already keeps its vector loop from being
//! runtime-unrolled, and unrolls by interleaving instead.

use super::{FnEmitter, Slot};
use crate::ir::{walk, Block, Stmt};
use inkwell::llvm_sys::core::{
    LLVMGetMDKindIDInContext, LLVMMDNodeInContext2, LLVMMDStringInContext2, LLVMMetadataAsValue,
    LLVMSetMetadata,
};
use inkwell::llvm_sys::debuginfo::{LLVMMetadataReplaceAllUsesWith, LLVMTemporaryMDNode};
use inkwell::values::{AsValueRef, InstructionValue};

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// Whether the counted loop whose body is `body` should stay rolled (see the module doc).
    pub(super) fn stays_rolled(&self, body: &Block) -> bool {
        self.float_recurrence(body) || stores_under_branch(body)
    }

    /// Whether the loop body `body` assigns a float local from an expression that reads it
    /// (`s = s + x[i]`), outside any inner loop.
    fn float_recurrence(&self, body: &Block) -> bool {
        body.stmts.iter().any(|s| match s {
            Stmt::Assign { local, value, .. } => {
                matches!(self.slots[local.index()], Slot::Scalar(_, s) if s.is_float())
                    && walk::reads_local(&self.inst.func, *value, *local)
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => self.float_recurrence(then_body) || self.float_recurrence(else_body),
            _ => false,
        })
    }

    /// Marks the loop whose latch branch is `latch` with `llvm.loop.unroll.runtime.disable`.
    pub(super) fn keep_rolled(&self, latch: InstructionValue<'ctx>) {
        const HINT: &str = "llvm.loop.unroll.runtime.disable";
        const KIND: &str = "llvm.loop";
        let ctx = self.ctx().raw();
        // SAFETY: every reference comes from this context and lives as long as it; the loop ID
        // is made self-referential (as LLVM requires of one) by replacing a temporary first
        // operand with the node itself, which also frees the temporary.
        unsafe {
            let mut hint = [LLVMMDStringInContext2(
                ctx,
                HINT.as_ptr().cast(),
                HINT.len(),
            )];
            let hint = LLVMMDNodeInContext2(ctx, hint.as_mut_ptr(), 1);
            let placeholder = LLVMTemporaryMDNode(ctx, std::ptr::null_mut(), 0);
            let mut ops = [placeholder, hint];
            let id = LLVMMDNodeInContext2(ctx, ops.as_mut_ptr(), ops.len());
            LLVMMetadataReplaceAllUsesWith(placeholder, id);
            let kind = LLVMGetMDKindIDInContext(ctx, KIND.as_ptr().cast(), KIND.len() as u32);
            LLVMSetMetadata(latch.as_value_ref(), kind, LLVMMetadataAsValue(ctx, id));
        }
    }
}

/// Whether the loop body `body` has an `if` that stores into an array in one of its branches,
/// outside any inner loop.
fn stores_under_branch(body: &Block) -> bool {
    fn stores(b: &Block) -> bool {
        b.stmts.iter().any(|s| match s {
            Stmt::Store { .. } | Stmt::Update { .. } => true,
            Stmt::If {
                then_body,
                else_body,
                ..
            } => stores(then_body) || stores(else_body),
            _ => false,
        })
    }
    body.stmts.iter().any(|s| match s {
        Stmt::If {
            then_body,
            else_body,
            ..
        } => stores(then_body) || stores(else_body),
        _ => false,
    })
}
