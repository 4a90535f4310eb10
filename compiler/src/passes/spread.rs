//! Which axis of a parallel walk is the `prange`, on the CPU: the first one long enough.
//!
//! In: a typed program whose parallel walks over two or more axes (the walk of a
//! `#[rumba(vectorize, parallel)]` function, ndarray's `par_` methods), as `types/infer/each.rs`
//! expands them, are nests of counted loops `for a_k in 0..dim(x, k)`, one per axis of the
//! walk's first array `x`, each the only statement of the one around it, the first a `prange`
//! marked [`ForRange::spread`], whose decisions `types::parallel` has recorded. Out: in the
//! entry, each such nest replaced by
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
//! none is. The marker is gone from every copy. A nest that no longer has that shape is left as
//! it is (its `prange` the first axis, which is always right).
//!
//! Why any axis may be the `prange`, and what carries over: `types::parallel` checked the nest
//! with its first loop parallel, so that a whole row of the walk (the inner loops, serial) is one
//! iteration. The body of a walk cannot see the loop variables (a `par_` closure and the
//! synthesized walk of a `vectorize` function get elements, not indices): its loads and stores
//! of the walked arrays are at the full index, so every iteration writes its own element of
//! each array it walks mutably (a distinct one per index, which the body touches no other way),
//! and every other write the analysis accepts is a reduction, whose partial results combine in
//! any order: a scalar declared outside (recorded in the `prange`'s
//! [`ForRange::reductions`]) or an array element ([`Stmt::Update`]). Iterations that differ on
//! any one axis therefore touch no element in common that one of them writes except through
//! reductions, so each copy's `prange` is race-free with the same decisions: its `reductions` are
//! those of the first loop (which every other copy's first loop, now serial, loses), and the
//! `Update`s stay where they are, in the body of the copy's `prange`.
//!
//! With its first axis alone spread, `selu(&x)` on a (1, N) or (2, N) array ran on one
//! thread (the runtime's caller runs the first row itself, then the one left), and a (3, N) one
//! split 2:1 on two (measured: the CPU time of each worker thread, two threads, N = 2^24 / rows;
//! now each does half); the common case (many rows) keeps one parallel region, and a short first
//! axis costs one parallel region per row of it (fewer than `T`): each a dispatch of
//! microseconds, and below the runtime's threshold of work (30 µs) one runs inline, so such an
//! array is parallel only where its rows are that long.
//!
//! `T` = 32: the runtime splits a `prange` into chunks of whole iterations, so `d` rows on `p`
//! threads take `ceil(d / p)` rows' time instead of `d / p`; from 32 rows on that costs at most
//! about `p / 32` (a quarter at 8 threads, a sixteenth at 2), while a shorter first axis would
//! cost up to half (3 rows on 2 threads) or all but one thread (1 row). Another axis would
//! cost instead up to 31 dispatches per call.
//!
//! Only the entry's walks are spread, on the CPU (`For::Cpu`): a `prange` of a helper, or one
//! inside another `prange`, runs serially (in the entry's call, or in its parallel region), and
//! the GPU's grid-stride loop must be the kernel's outermost `prange` (`back::gpu::plan`), which
//! one inside a serial loop is not: on the GPU `passes::flatten` makes the nest one `prange`
//! over all its elements instead (the same argument carries the decisions over). The pass runs after fusion and
//! contraction (which leave `prange` loops whole, and so see one nest instead of one per axis)
//! and before splitting, versioning, interchange, unroll-and-jam and tiling, which work on each
//! copy's serial loops as on any other. The copies multiply the walk's share of the later
//! stages' compile time by its number of axes: the first call of a 2-D
//! `#[rumba(vectorize, parallel)]` SELU took 41-50 ms instead of 28-35 ms (release build,
//! `RUMBA_CACHE=0`, measured with the copies made in `types`).

use crate::ir::walk::{assigned_locals, Uses};
use crate::ir::*;
use crate::span::Span;
use std::collections::HashMap;

/// The least extent of the axis a parallel walk spreads (see the module doc).
const T: u64 = 32;

pub fn run(p: &mut TypedProgram) {
    // The entry is the first instance; only its walks run as parallel regions.
    let Some(inst) = p.instances.values_mut().next() else {
        return;
    };
    let uses = Uses::of(&inst.func, &inst.func.body);
    let body = std::mem::take(&mut inst.func.body);
    inst.func.body = block(inst, body, &uses);
}

/// A parallel walk's nest: its loop variables, outermost first, and the array whose extents
/// they count.
pub(super) struct Walk {
    pub axes: Vec<LocalId>,
    pub array: LocalId,
    pub span: Span,
}

fn block(inst: &mut Instance, b: Block, uses: &Uses) -> Block {
    let mut stmts = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        stmts.push(match &s {
            Stmt::For { range, .. } if range.parallel => match walk(inst, &s) {
                Some(w) => choose(inst, s, &w, uses),
                // (A `prange` inside it runs serially: left as it is.)
                None => s,
            },
            _ => s.map_blocks(|b| block(inst, b, uses)),
        });
    }
    Block { stmts }
}

/// The walk whose nest `s` is, if it is a marked `prange` of that shape (see the module doc;
/// `passes::flatten` takes the same nests on the GPU).
pub(super) fn walk(inst: &Instance, s: &Stmt) -> Option<Walk> {
    let Stmt::For {
        var,
        range,
        body,
        span,
    } = s
    else {
        return None;
    };
    let (array, 0) = extent(inst, range).filter(|_| range.spread)? else {
        return None;
    };
    let ndim = usize::from(inst.local_ty(array).array()?.ndim);
    let mut axes = vec![*var];
    let mut body = body;
    while axes.len() < ndim {
        let [Stmt::For {
            var,
            range,
            body: inner,
            ..
        }] = body.stmts.as_slice()
        else {
            return None;
        };
        if range.parallel || extent(inst, range) != Some((array, axes.len())) {
            return None;
        }
        axes.push(*var);
        body = inner;
    }
    (axes.len() >= 2).then_some(Walk {
        axes,
        array,
        span: *span,
    })
}

/// The array and axis whose extent a loop counts up to from 0, step 1.
fn extent(inst: &Instance, range: &ForRange) -> Option<(LocalId, usize)> {
    let zero = matches!(&inst.func.expr(range.start).kind, ExprKind::Const(c) if c.bits == 0);
    if !zero || range.inclusive || range.reverse || range.step.is_some() {
        return None;
    }
    match inst.func.expr(range.end).kind {
        ExprKind::Shape {
            array,
            query: ShapeQuery::Dim(d),
        } => Some((array, usize::from(d))),
        _ => None,
    }
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
    // `types::parallel`'s scalar reductions, recorded on the first loop.
    let reductions = match &nest {
        Stmt::For { range, .. } => range.reductions.clone(),
        _ => Vec::new(),
    };
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
        let renamed = |l: &LocalId| rename.get(l).copied().unwrap_or(*l);
        let axes: Vec<LocalId> = w.axes.iter().map(renamed).collect();
        let reductions: Vec<(LocalId, Reduce)> =
            reductions.iter().map(|(l, r)| (renamed(l), *r)).collect();
        set_parallel(&mut copy, axes[k], &axes, &reductions);
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

/// Makes the loop over `axis` of the nest `s` its `prange`, with `reductions`, and the other
/// loops over `axes` serial; none stays marked.
fn set_parallel(s: &mut Stmt, axis: LocalId, axes: &[LocalId], reductions: &[(LocalId, Reduce)]) {
    if let Stmt::For {
        var, range, body, ..
    } = s
    {
        if axes.contains(var) {
            range.parallel = *var == axis;
            range.spread = false;
            range.reductions = match range.parallel {
                true => reductions.to_vec(),
                false => Vec::new(),
            };
            body.stmts
                .iter_mut()
                .for_each(|s| set_parallel(s, axis, axes, reductions));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::*;

    /// The typed program of `source`'s `k` on a writable strided `ndim`-D array of `f64` (and
    /// `more` arguments), race-checked.
    fn typed(source: &str, ndim: u8, more: &[Type]) -> TypedProgram {
        let p = crate::front::lower_source(source).expect("lowers");
        let y = Type::Array(ArrayType::view(Scalar::F64, ndim, Layout::Strided, true));
        let k = p.find("k").expect("has `k`");
        let args: Vec<Type> = [y].into_iter().chain(more.iter().copied()).collect();
        let mut t = crate::types::specialize(&p, k, &args).expect("types");
        crate::types::parallel::analyze(&mut t).expect("race-free");
        t
    }

    /// `t` after this pass alone, verified.
    fn spread(mut t: TypedProgram) -> TypedProgram {
        super::run(&mut t);
        assert_eq!(verify::verify(&t), Ok(()));
        t
    }

    const SCALE: &str = "fn k(mut y) { y.par_mapv_inplace(|v| v * 2.0); }";

    /// The printed program of [`SCALE`] on an `ndim`-D array, after this pass.
    fn scaled(ndim: u8) -> String {
        print::typed_program(&spread(typed(SCALE, ndim, &[])))
    }

    #[test]
    fn the_prange_is_the_first_axis_at_least_t_long_or_the_last() {
        // Before the pass, one nest, its first axis the `prange`.
        let ir = print::typed_program(&typed(SCALE, 3, &[]));
        assert_eq!(ir.matches("prange").count(), 1, "{ir}");
        assert_eq!(ir.matches("prange each.ax0 ").count(), 1, "{ir}");
        let ir = scaled(3);
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
        let ir = scaled(2);
        assert_eq!(ir.matches("prange").count(), 2, "{ir}");
        assert_eq!(ir.matches(">= 32").count(), 1, "{ir}");
        // 1-D: the one axis.
        let ir = scaled(1);
        assert_eq!(ir.matches("prange").count(), 1, "{ir}");
        assert!(!ir.contains(">= 32"), "{ir}");
    }

    /// Each loop of `b`, outermost first: whether it is a `prange`, its number of scalar
    /// reductions, and whether its body updates an array.
    fn loops(b: &Block, out: &mut Vec<(bool, usize, bool)>) {
        for s in &b.stmts {
            match s {
                Stmt::For { range, body, .. } => {
                    assert!(!range.spread);
                    let updates = !crate::ir::walk::updated_arrays(body).is_empty();
                    out.push((range.parallel, range.reductions.len(), updates));
                    loops(body, out);
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    loops(then_body, out);
                    loops(else_body, out);
                }
                _ => {}
            }
        }
    }

    /// The reduction `types::parallel` recorded on the first loop moves to each copy's
    /// `prange`; an array reduction stays in its body.
    #[test]
    fn reductions_move_to_the_prange_of_each_copy() {
        let source = "fn k(mut y, mut bins) -> f64 {
            let mut s = 0.0;
            Zip::from(&mut y).par_for_each(|v| { s += *v; bins[0] += 1.0; *v = 1.0; });
            s
        }";
        let bins = Type::Array(ArrayType::view(Scalar::F64, 1, Layout::Strided, true));
        let t = spread(typed(source, 2, &[bins]));
        let ir = print::typed_program(&t);
        let mut all = Vec::new();
        loops(&t.entry().func.body, &mut all);
        // Two copies of two loops; each copy's `prange` reduces `s` and updates `bins`.
        assert_eq!(all.len(), 4, "{ir}");
        let pranges: Vec<_> = all.iter().filter(|l| l.0).collect();
        assert_eq!(pranges.len(), 2, "{ir}");
        assert!(pranges.iter().all(|l| l.1 == 1 && l.2), "{ir}");
        assert!(all.iter().filter(|l| !l.0).all(|l| l.1 == 0), "{ir}");
    }
}
