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
//!
//! The branch into the checked copy of a loop that versioning keeps ([`ForRange::cold`]: taken
//! only when the bounds test before the loop fails) gets `!prof` branch weights saying it is
//! unlikely, as `llvm.expect` would: LLVM lays the copy out of the hot path, and `hotcoldsplit`
//! (run first by `target::optimize_at`) outlines it into a cold function compiled cheaply.

use super::R;
use super::{BackError, FnEmitter, Slot};
use crate::ir::{walk, Block, ForRange, Stmt};
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

    /// Marks the conditional branch `branch` as almost never taking its `else` edge (the weights
    /// `llvm.expect` gives: 2000 to 1), and records that the module has such a branch.
    pub(super) fn unlikely_else(&mut self, branch: InstructionValue<'ctx>) -> R<()> {
        self.weigh(branch, 2000, 1)?;
        self.m.cold = true;
        Ok(())
    }

    /// Marks the conditional branch `branch` into a failed check (its `then` edge when
    /// `then_fails`) as rare: 1 to 64. Without weights LLVM takes each edge for even, so the
    /// code after a chain of checks (allocations, calls whose callees can fail) looks cold to
    /// its block frequencies, and its inliner then gives the calls there its cold-call-site
    /// budget (Black-Scholes as array expressions, whose one loop follows a dozen checks: `cnd`
    /// not inlined, 3x slower). Not 2000 to 1: above `hotcoldsplit`'s 1% the failure blocks are
    /// not outlined (they are a few stores each).
    pub(super) fn rare_failure(&self, branch: InstructionValue<'ctx>, then_fails: bool) -> R<()> {
        if then_fails {
            self.weigh(branch, 1, 64)
        } else {
            self.weigh(branch, 64, 1)
        }
    }

    /// Sets `!prof` branch weights on `branch`: `then` to `otherwise`.
    fn weigh(&self, branch: InstructionValue<'ctx>, then: u64, otherwise: u64) -> R<()> {
        let ctx = self.ctx();
        let i32t = ctx.i32_type();
        let weights = ctx.metadata_node(&[
            ctx.metadata_string("branch_weights").into(),
            i32t.const_int(then, false).into(),
            i32t.const_int(otherwise, false).into(),
        ]);
        branch
            .set_metadata(weights, ctx.get_kind_id("prof"))
            .map_err(|e| BackError::Internal(format!("branch weights: {e:?}")))
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

/// Whether `b`, the `else` branch of an `if`, is the checked copy of a versioned loop
/// ([`ForRange::cold`]).
pub(super) fn cold_copy(b: &Block) -> bool {
    matches!(
        b.stmts.as_slice(),
        [Stmt::For {
            range: ForRange { cold: true, .. },
            ..
        }]
    )
}
