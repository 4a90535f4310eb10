//! Which axis of a parallel walk is the `prange`, on the CPU: the first one long enough.
//!
//! In: a typed instance and the parallel walks over two or more axes that `each` expanded in it
//! (the walk of a `#[rumba(vectorize, parallel)]` function, ndarray's `par_` methods), each a
//! nest of counted loops, one per axis, the first a `prange`. Out: each such nest replaced by
//!
//! ```text
//! if dim(x, 0) >= T { prange a0 { for a1 { .. } } }
//! else if dim(x, 1) >= T { for a0 { prange a1 { for a2 { .. } } } }
//! ..
//! else { for a0 { .. prange a(n-1) { .. } } }
//! ```
//!
//! a copy of the nest per axis (fresh locals for those only the nest uses, so each is still
//! assigned once), the `prange` on the first axis of extent at least [`T`], on the last when
//! none is. Every iteration of the walk writes one element of its first array, a distinct
//! element per index, so any one axis can be the `prange` (`types::parallel` still checks every
//! copy). With its first axis alone spread, `selu(&x)` on a (1, N) or (2, N) array ran on one
//! thread (the runtime's caller runs the first row itself, then the one left), and a (3, N) one
//! split 2:1 on two (measured: the CPU time of each worker thread, two threads, N = 2^24 / rows;
//! now each does half); the common case (many rows) keeps one parallel region, and a short first axis costs one parallel region per row of it (fewer than
//! `T`): each a dispatch of microseconds, and below the runtime's threshold of work (30 µs) one
//! runs inline, so such an array is parallel only where its rows are that long.
//!
//! `T` = 32: the runtime splits a `prange` into chunks of whole iterations, so `d` rows on `p`
//! threads take `ceil(d / p)` rows' time instead of `d / p`; from 32 rows on that costs at most
//! about `p / 32` (a quarter at 8 threads, a sixteenth at 2), while a shorter first axis would
//! cost up to half (3 rows on 2 threads) or all but one thread (1 row). Another axis would
//! cost instead up to 31 dispatches per call.
//!
//! Only the entry's walks are spread, on the CPU (`Specializer::spreads_walks`): a `prange` of a
//! helper runs serially inside the entry's call, and the GPU's grid-stride loop must be the
//! kernel's outermost `prange` (`back::gpu::plan`), which one inside a serial loop is not, so the
//! GPU keeps the form `each` makes. The copies multiply the walk's share of compile time by its
//! number of axes: the first call of a 2-D `#[rumba(vectorize, parallel)]` SELU took 41-50 ms
//! instead of 28-35 ms (release build, `RUMBA_CACHE=0`).

use crate::ir::walk::{assigned_locals, Uses};
use crate::ir::*;
use crate::span::Span;
use std::collections::HashMap;

/// The least extent of the axis a parallel walk spreads (see the module doc).
const T: u64 = 32;

/// A parallel walk over two or more axes as `each` expands it: its loop variables, outermost
/// first (the first loop a `prange`), and the array whose extents they count.
pub(super) struct Walk {
    pub(super) axes: Vec<LocalId>,
    pub(super) array: LocalId,
    pub(super) span: Span,
}

/// `inst` with the nest of each walk of `walks` replaced by its copies (see the module doc).
pub(super) fn spread(inst: &mut Instance, walks: &[Walk]) {
    if walks.is_empty() {
        return;
    }
    let uses = Uses::of(&inst.func, &inst.func.body);
    let body = std::mem::take(&mut inst.func.body);
    inst.func.body = block(inst, body, walks, &uses);
}

fn block(inst: &mut Instance, b: Block, walks: &[Walk], uses: &Uses) -> Block {
    let mut stmts = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        let walk = match &s {
            Stmt::For { var, .. } => walks.iter().find(|w| w.axes[0] == *var),
            _ => None,
        };
        stmts.push(match walk {
            // (A parallel walk inside its body runs serially: left as it is.)
            Some(w) => choose(inst, s, w, uses),
            None => s.map_blocks(|b| block(inst, b, walks, uses)),
        });
    }
    Block { stmts }
}

/// The `if` chain choosing the `prange` axis of the nest `nest` of walk `w`.
fn choose(inst: &mut Instance, nest: Stmt, w: &Walk, uses: &Uses) -> Stmt {
    // The locals only the nest uses: its loop variables, element bindings and the body's own
    // (not a parameter, whose value comes from the call).
    let alone = Block {
        stmts: vec![nest.clone()],
    };
    let inside = Uses::of(&inst.func, &alone);
    let mut own: Vec<LocalId> = assigned_locals(&alone)
        .into_iter()
        .filter(|&l| uses.count(l) == inside.count(l) && !inst.func.params.contains(&l))
        .collect();
    own.sort();
    let mut chain: Option<Stmt> = None;
    for k in (0..w.axes.len()).rev() {
        let mut rename = HashMap::new();
        let mut copy = match k {
            0 => nest.clone(),
            _ => {
                for &l in &own {
                    let decl = inst.func.local(l).clone();
                    let ty = inst.local_ty(l);
                    let new = inst.func.add_local(decl);
                    inst.local_types.insert(new, ty);
                    rename.insert(l, new);
                }
                inst.copy_stmt(&nest, &rename)
            }
        };
        let axes: Vec<LocalId> = w
            .axes
            .iter()
            .map(|l| rename.get(l).copied().unwrap_or(*l))
            .collect();
        set_parallel(&mut copy, axes[k], &axes);
        chain = Some(match chain {
            None => copy,
            Some(rest) => {
                let mut b = inst.build(w.span);
                let dim = b.dim(w.array, k as u8);
                let t = b.usize(T);
                let cond = b.bin(BinOp::Ge, dim, t);
                Stmt::If {
                    cond,
                    then_body: Block { stmts: vec![copy] },
                    else_body: Block { stmts: vec![rest] },
                }
            }
        });
    }
    chain.unwrap_or_else(|| unreachable!("a walk has axes"))
}

/// Makes the loop over `axis` of the nest `s` its `prange` and the other loops over `axes`
/// serial.
fn set_parallel(s: &mut Stmt, axis: LocalId, axes: &[LocalId]) {
    if let Stmt::For {
        var, range, body, ..
    } = s
    {
        if axes.contains(var) {
            range.parallel = *var == axis;
            body.stmts
                .iter_mut()
                .for_each(|s| set_parallel(s, axis, axes));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::*;

    /// The printed typed IR of a `par_mapv_inplace` over an `ndim`-D array, for the CPU or the
    /// GPU (which verifies).
    fn typed(ndim: u8, gpu: bool) -> String {
        let p = crate::front::lower_source("fn k(mut y) { y.par_mapv_inplace(|v| v * 2.0); }")
            .expect("lowers");
        let y = Type::Array(ArrayType::view(Scalar::F64, ndim, Layout::Strided, true));
        let k = p.find("k").expect("has `k`");
        let mut t = crate::types::specialize(&p, k, &[y], gpu).expect("types");
        assert_eq!(verify::verify(&t), Ok(()));
        crate::types::parallel::analyze(&mut t).expect("race-free");
        print::typed_program(&t)
    }

    #[test]
    fn the_prange_is_the_first_axis_at_least_t_long_or_the_last() {
        let ir = typed(3, false);
        assert_eq!(ir.matches(">= 32").count(), 2, "{ir}");
        for k in 0..3 {
            assert_eq!(
                ir.matches(&format!("prange each.ax{k}#")).count(),
                1,
                "{ir}"
            );
        }
        // One copy per axis, each with its own loop variables and elements.
        let firsts: std::collections::HashSet<&str> = ir
            .split_whitespace()
            .filter(|w| w.starts_with("each.ax0#"))
            .map(|w| w.trim_end_matches([':', ',']))
            .collect();
        assert_eq!(firsts.len(), 3, "{ir}");
        let ir = typed(2, false);
        assert_eq!(ir.matches("prange").count(), 2, "{ir}");
        assert_eq!(ir.matches(">= 32").count(), 1, "{ir}");
        // 1-D: the one axis; the GPU: the first axis, the grid-stride loop.
        for ir in [typed(1, false), typed(3, true)] {
            assert_eq!(ir.matches("prange").count(), 1, "{ir}");
            assert!(!ir.contains(">= 32"), "{ir}");
        }
    }
}
