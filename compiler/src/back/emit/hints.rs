//! Hints to LLVM's loop passes, as `!llvm.loop` metadata on a loop's latch branch, branch
//! weights, and the vector width of a function.
//!
//! In: a counted loop's body (typed IR) and its emitted latch branch. Out: the branch, marked
//! where the loop should stay rolled; the module's functions, allowed the widest vectors where
//! one holds a [`ForRange::wide`] loop or a fast-math call with an 8-lane libmvec variant
//! ([`ModuleEmitter::wide_vectors`]).
//!
//! LLVM's runtime unrolling copies a small loop eight times; two kinds of scalar loop run slower
//! so than rolled, and two gain nothing from it but code to compile; all four are kept rolled:
//! - a loop that carries a floating-point value from one iteration to the next through
//!   `x = f(x, ..)` (`s += x[i]; out[i] = s`) runs at the latency of that chain: four cycles per
//!   addition, however the loop is laid out, and the copy runs slower than the rolled loop
//!   (cumsum over 2^24 elements: 0.5% behind rustc's rolled loop, at parity rolled); but not
//!   in a loop nested in another: there the chains of successive outer iterations are
//!   independent, and the copies' fewer instructions per step let the core overlap more of them
//!   (Horner's rule over eight coefficients inside `x.mapv(..)`, 2^20 elements: 1.26x rustc's
//!   time rolled, 1.05x unrolled, as rustc unrolls it; n-body, k-means, pairwise: the same
//!   code);
//! - a loop whose body stores under a condition (bubble sort's compare-and-swap,
//!   `if x[j] > x[j + 1] { swap }`) keeps a data-dependent branch, which the copies multiply:
//!   bubble sort of 2048 `f64`s took 1.42x rustc's time unrolled, 0.89x rolled (rustc's loop,
//!   with its bounds check inside, has two exits and is never runtime-unrolled).
//! - a loop that divides floats or takes a square root ([`long_latency`]), or holds a `while`
//!   ([`holds_while`]): the copies only save the loop's counting, and each copy is code that LLVM
//!   optimizes and selects instructions for (n-body's first call 30 -> 26 ms, Mandelbrot's 31 ->
//!   28 on an AMD Zen 4, same run times; Mandelbrot's remainder loop 8% faster rolled).
//!
//! Loops that vectorize are unaffected: the vectorizer already keeps its vector loop from being
//! runtime-unrolled, and unrolls by interleaving instead.
//!
//! A loop nested in another that carries a float recurrence is vectorized without interleaving
//! (`llvm.loop.interleave.count` 1). With `-force-ordered-reductions` its lanes are added one by
//! one in one chain, so interleaving four vector iterations runs no addition sooner; it only
//! raises the shortest trip count that reaches the vector loop (4 x 4 lanes: k-means' distance
//! over `d` = 4 or 8 ran in the rolled scalar remainder, 1.19x and 1.08x rustc's time; 0.64x and
//! 0.68x uninterleaved, d = 16 0.74x -> 0.78x). A loop nested in none is left interleaved: such a
//! loop usually streams memory, where the interleaved loop's fewer instructions per element keep
//! more loads in flight (`s += x[i] * y[i]` over 2^24 elements: 1.3x slower uninterleaved).
//!
//! A loop that carries four or more float partial results ([`HAND_UNROLLED`]: ndarray's
//! `unrolled_dot`, `p0 += x[8q] * y[8q]; ..; p7 += x[8q + 7] * y[8q + 7]`, which `x.dot(&y)` and
//! `x.sum()` run) is unrolled by hand already: its partials are the lanes of a vector, which the
//! SLP vectorizer packs within an iteration. It is not vectorized across iterations
//! (`llvm.loop.vectorize.width` 1): with `-force-ordered-reductions` ([`crate::back::target`])
//! the loop vectorizer would otherwise take it and add each partial's lanes one by one, four
//! times the additions (`dot_ndarray` over 2^24 `f64`: 1.45x rustc's time, at parity without;
//! `(&x - &y).mapv(|d| d * d).sum()`, fused: 21.4 -> 14.7 ms). Nor is it kept rolled: its
//! packed additions are independent, and rustc's `x.sum()` runs them unrolled four times.
//!
//! The variable of an outermost loop that holds another loop which stays a loop after LLVM's
//! optimizer ([`holds_long_loop`]: a `while`, or a range whose bounds are not both constants)
//! reaches the body through an opaque copy ([`FnEmitter::keep_scalar`]'s empty inline-asm
//! statement, the same value, no instruction). Code generation's loop strength reduction takes
//! every address of the inner loops that derives from an outer loop's induction variable as a use
//! of it, and its search grows with their product: a 5x5 stencil's row loop cost 16 of blur5's 20
//! ms of it (44 of 73 ms to the first call on an AMD Zen 3). Through the copy, the inner loops'
//! addresses start from a value invariant in them, as before, and the outer loop's own uses are its
//! counter's; the inner loops are unchanged (their strength reduction, vectorization and alias
//! checks see the same expressions, only no longer as steps of the outer loop). Outermost loops
//! only: a middle loop's strength reduction pays where its inner loop is short at run time (k-means
//! over d = 4 lost 13% with the copy there, the complex Mandelbrot 17%).
//!
//! The branch into the checked copy of a loop that versioning keeps ([`ForRange::cold`]: taken
//! only when the bounds test before the loop fails) gets `!prof` branch weights saying it is
//! unlikely, as `llvm.expect` would: LLVM lays the copy out of the hot path, and `hotcoldsplit`
//! (run first by `target::optimize_at`) outlines it into a cold function compiled cheaply.

use super::R;
use super::{BackError, FnEmitter, ModuleEmitter, Slot};
use crate::ir::{
    edit, walk, BinOp, Block, ExprId, ExprKind, ForRange, Function, Instance, Intrinsic, LocalId,
    Scalar, Stmt,
};
use inkwell::attributes::AttributeLoc;
use inkwell::llvm_sys::core::{
    LLVMGetMDKindIDInContext, LLVMMDNodeInContext2, LLVMMDStringInContext2, LLVMMetadataAsValue,
    LLVMSetMetadata, LLVMValueAsMetadata,
};
use inkwell::llvm_sys::debuginfo::{LLVMMetadataReplaceAllUsesWith, LLVMTemporaryMDNode};
use inkwell::types::BasicType;
use inkwell::values::{AsValueRef, BasicValueEnum, InstructionValue};
use std::collections::HashSet;

/// The number of float recurrences from which a loop body counts as unrolled by hand into
/// partial results (ndarray's `unrolled_fold`/`unrolled_dot` keep eight): see the module doc.
const HAND_UNROLLED: usize = 4;

/// What a counted loop's `!llvm.loop` metadata asks of LLVM's loop passes.
#[derive(Clone, Copy)]
pub(super) struct LoopHints {
    /// No runtime unrolling (`llvm.loop.unroll.runtime.disable`).
    rolled: bool,
    /// No vectorization across iterations (`llvm.loop.vectorize.width` 1): the body's own lanes
    /// are left to the SLP vectorizer.
    lanes: bool,
    /// No interleaving of vector iterations (`llvm.loop.interleave.count` 1).
    uninterleaved: bool,
}

impl<'ctx> FnEmitter<'_, '_, 'ctx> {
    /// The hints for the counted loop whose body is `body`, `nested` in another loop, carrying
    /// `recurrences` floats ([`Self::carried_floats`]; see the module doc).
    pub(super) fn loop_hints(&self, body: &Block, recurrences: usize, nested: bool) -> LoopHints {
        let lanes = recurrences >= HAND_UNROLLED;
        let chain = recurrences > 0 && !lanes;
        LoopHints {
            rolled: (chain && !nested)
                || stores_under_branch(body)
                || holds_while(body)
                || long_latency(self.inst, body),
            lanes,
            uninterleaved: chain && nested,
        }
    }

    /// The float locals that the loop body `body` carries from one iteration to the next through
    /// an assignment from an expression that reads them (`s = s + x[i]`), outside any inner
    /// loop: not those the iteration assigns first (a walk's element, `v = y[i]; v = v * 3.0`).
    pub(super) fn carried_floats(&self, body: &Block) -> HashSet<LocalId> {
        let mut found = HashSet::new();
        self.collect_recurrences(body, &mut HashSet::new(), &mut found);
        found
    }

    /// Adds to `found` the recurrences of `body`, where the locals in `fresh` were assigned
    /// earlier in the iteration (and adds those `body` assigns unconditionally).
    fn collect_recurrences(
        &self,
        body: &Block,
        fresh: &mut HashSet<LocalId>,
        found: &mut HashSet<LocalId>,
    ) {
        for s in &body.stmts {
            match s {
                Stmt::Assign { local, value, .. } => {
                    if !fresh.contains(local)
                        && matches!(self.slots[local.index()], Slot::Scalar(_, s) if s.is_float())
                        && walk::reads_local(&self.inst.func, *value, *local)
                    {
                        found.insert(*local);
                    }
                    fresh.insert(*local);
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    self.collect_recurrences(then_body, &mut fresh.clone(), found);
                    self.collect_recurrences(else_body, &mut fresh.clone(), found);
                }
                _ => {}
            }
        }
    }

    /// `v` (an integer of at most 64 bits) passed through an empty inline-assembly statement:
    /// LLVM knows nothing of its result but that it is in a register, and every pass treats the
    /// value as opaque. It is the same value: the statement emits no instruction. Two uses: the
    /// value assigned to one of the innermost loop's [`ForRange::scalar_chains`], so that the SLP
    /// vectorizer cannot pack the chains' multiplies into the lanes of one vector (it seeds from
    /// stores, reductions and phis; the statement's operand is none); and an outer loop's
    /// variable (the module doc). Not for the GPU, whose SLP vectorizer does not pack such
    /// chains and whose code generation is `ptxas`'s.
    pub(super) fn keep_scalar(&mut self, v: BasicValueEnum<'ctx>) -> R<BasicValueEnum<'ctx>> {
        if self.m.gpu.is_some() {
            return Ok(v);
        }
        let ty = v.get_type();
        let fn_type = ty.fn_type(&[ty.into()], false);
        let barrier = self.ctx().create_inline_asm(
            fn_type,
            String::new(),
            "=r,0".into(),
            false,
            false,
            None,
            false,
        );
        self.b()
            .build_indirect_call(fn_type, barrier, &[v.into()], "chain")?
            .try_as_basic_value()
            .basic()
            .ok_or_else(|| BackError::Internal("inline assembly without a value".into()))
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

    /// Gives the loop whose latch branch is `latch` the metadata `hints` asks for (none when it
    /// asks for nothing).
    pub(super) fn mark_loop(&self, latch: InstructionValue<'ctx>, hints: LoopHints) {
        const ROLLED: &str = "llvm.loop.unroll.runtime.disable";
        const WIDTH: &str = "llvm.loop.vectorize.width";
        const INTERLEAVE: &str = "llvm.loop.interleave.count";
        const KIND: &str = "llvm.loop";
        if !hints.rolled && !hints.lanes && !hints.uninterleaved {
            return;
        }
        let ctx = self.ctx().raw();
        // SAFETY: every reference comes from this context and lives as long as it; the loop ID
        // is made self-referential (as LLVM requires of one) by replacing a temporary first
        // operand with the node itself, which also frees the temporary.
        unsafe {
            let string = |s: &str| LLVMMDStringInContext2(ctx, s.as_ptr().cast(), s.len());
            let placeholder = LLVMTemporaryMDNode(ctx, std::ptr::null_mut(), 0);
            let mut ops = vec![placeholder];
            if hints.rolled {
                let mut hint = [string(ROLLED)];
                ops.push(LLVMMDNodeInContext2(ctx, hint.as_mut_ptr(), 1));
            }
            let one = LLVMValueAsMetadata(self.ctx().i32_type().const_int(1, false).as_value_ref());
            for (on, name) in [(hints.lanes, WIDTH), (hints.uninterleaved, INTERLEAVE)] {
                if on {
                    let mut hint = [string(name), one];
                    ops.push(LLVMMDNodeInContext2(ctx, hint.as_mut_ptr(), 2));
                }
            }
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

/// Whether `body` holds a `loop` (`while`) at any depth: a copy of the loop around it runs after
/// the one before it has left its `while`, so unrolling saves only the outer loop's counting
/// (the remainder of unroll-and-jam's Mandelbrot, one pixel's `while` an iteration: 8% faster
/// rolled on an AMD Zen 4). Not a loop around a counted loop: there the copies' short inner
/// loops overlap (k-means' loop over centres around its loop over `d` = 4: 1.6x slower rolled).
fn holds_while(body: &Block) -> bool {
    body.stmts.iter().any(|s| match s {
        Stmt::Loop { .. } => true,
        Stmt::For { body, .. } => holds_while(body),
        Stmt::If {
            then_body,
            else_body,
            ..
        } => holds_while(then_body) || holds_while(else_body),
        _ => false,
    })
}

/// Whether the loop body `body`, outside its inner loops, divides floats or takes a square root:
/// the divider accepts one such operation every 4-6 cycles, which hides the loop's own counting
/// and branching, all that runtime unrolling saves (n-body's loop over bodies: the same time
/// rolled, and its first call 3-4 ms shorter). Not a call of a C math function (`exp`, `ln`):
/// SELU's `if v > 0.0 { v } else { alpha * (v.exp() - 1.0) }` ran 4% slower rolled.
fn long_latency(inst: &Instance, body: &Block) -> bool {
    fn exprs(b: &Block, out: &mut Vec<ExprId>) {
        for s in &b.stmts {
            edit::stmt_exprs(s, out);
            if let Stmt::If {
                then_body,
                else_body,
                ..
            } = s
            {
                exprs(then_body, out);
                exprs(else_body, out);
            }
        }
    }
    let mut todo = Vec::new();
    exprs(body, &mut todo);
    while let Some(e) = todo.pop() {
        let kind = &inst.func.expr(e).kind;
        let slow = match kind {
            ExprKind::Binary(BinOp::Div, ..) => inst.ty(e).scalar().is_some_and(Scalar::is_float),
            ExprKind::Intrinsic { op, .. } => *op == Intrinsic::Sqrt,
            _ => false,
        };
        if slow {
            return true;
        }
        todo.extend(walk::children(kind));
    }
    false
}

/// Whether `body` holds a loop that stays a loop after LLVM's optimizer: a `loop` (`while`), or
/// a counted loop whose bounds are not both constants (LLVM unrolls a short constant range
/// whole, which leaves the loop around it innermost), at any depth; not a checked copy, which
/// `hotcoldsplit` outlines ([`ForRange::cold`]).
pub(super) fn holds_long_loop(f: &Function, body: &Block) -> bool {
    let constant = |e| matches!(f.expr(e).kind, ExprKind::Const(_));
    body.stmts.iter().any(|s| match s {
        Stmt::Loop { .. } => true,
        Stmt::For { range, body, .. } => {
            !range.cold
                && (!(constant(range.start) && constant(range.end)) || holds_long_loop(f, body))
        }
        Stmt::If {
            then_body,
            else_body,
            ..
        } => holds_long_loop(f, then_body) || holds_long_loop(f, else_body),
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

impl ModuleEmitter<'_, '_> {
    /// Lets LLVM vectorize every function of the module with the target's widest vectors: a loop
    /// marked [`ForRange::wide`], or a call of a math function with an 8-lane libmvec variant
    /// (`vecmath`), is in one of them (the whole module, since the kernel's
    /// functions are inlined into its entry point and its `prange` chunks, which keep only their
    /// own attributes). LLVM's tuning for Intel's AVX-512 CPUs prefers 256-bit vectors (the
    /// `prefer-256-bit` tuning feature; the `prefer-vector-width` attribute overrides it), which
    /// suits loops that stream memory: 512-bit vectors made Black-Scholes 1.3x and SELU 1.6x
    /// slower, but matmul's register tile 1.4-1.7x faster (bench.sh on an AVX-512 Xeon). The
    /// attribute names no instructions: where the target has no 512-bit registers it changes
    /// nothing. Not for the GPU.
    pub(super) fn wide_vectors(&self) {
        if self.gpu.is_some() {
            return;
        }
        let width = self
            .ctx
            .create_string_attribute("prefer-vector-width", "512");
        for f in self.module.get_functions() {
            if f.count_basic_blocks() > 0 {
                f.add_attribute(AttributeLoc::Function, width);
            }
        }
    }
}
