//! One flat `prange` for a parallel walk over two or more axes, on the GPU.
//!
//! In: a typed program whose parallel walks over two or more axes are the nests that
//! `types/infer/each.rs` makes (`for a_k in 0..dim(x, k)`, one per axis of the walk's first
//! array `x`, each the only statement of the one around it, the first a `prange` marked
//! [`ForRange::spread`]; `passes::spread` has the shape). Out: in the entry, each such nest
//! replaced by one `prange` over the product of the extents, the counters recovered from the flat
//! index in C order (the last axis fastest):
//!
//! ```text
//! prange t in 0..dim(x, 0) * dim(x, 1) * dim(x, 2) {
//!     a2 = t % dim(x, 2); q = t / dim(x, 2);
//!     a1 = q % dim(x, 1); a0 = q / dim(x, 1);
//!     <the body>
//! }
//! ```
//!
//! unmarked. A nest that no longer has that shape is left as it is (its first axis the
//! `prange`, which is always right).
//!
//! Why: the GPU's grid-stride loop (`back::gpu::plan`, `back/emit/gpu.rs`) is the kernel's
//! outermost `prange`, so with the nest as `each` makes it a (1, N) or (2, N) array was the work
//! of one or two GPU threads, and on C-contiguous data neighbouring threads walked different
//! rows, so their loads and stores were not coalesced. Over the flat index every thread of the
//! grid has elements while there are any, and neighbouring threads take neighbouring elements of
//! the last axis (consecutive addresses for C-contiguous data).
//!
//! Why it is right: the flat loop runs the body once for each `(a0, .., a(k-1))` the nest ran it
//! for (`t` ranges over `0..n0*..*n(k-1)`, and `t` -> counters is the bijection of C order onto
//! the index space), and the decisions of `types::parallel` carry over by the argument of
//! `passes::spread`'s doc: the body of a walk cannot see the counters, each iteration writes its
//! own elements, and every other write is a reduction; so the flat loop is race-free with the
//! first loop's scalar [`ForRange::reductions`] (it keeps that loop's range, only its end
//! changes) and the `Update`s where they are, in its body. The product cannot overflow: it is
//! the element count of the existing array `x`, which ndarray (and every array the kernel makes)
//! keeps at most `isize::MAX` when no extent is 0, and a 0 factor makes the (wrapping) product 0
//! in any order. The accesses `shapes` proved in bounds (the walked arrays' at the counters) stay
//! unchecked: each counter still takes only values below its extent (`a_k = q % n_k`, and the
//! first `t / (n1*..*n(k-1)) < n0` since `t < n0*..*n(k-1)`); `x` and the extents cannot change
//! in the body (a walk does not rebind its arrays). Versioning and the other passes see the
//! counters as locals assigned in the loop, not invariant, so any other access stays checked.
//!
//! Cost: a division and a remainder per axis after the first, per element, on `usize`. A 64-bit
//! division is a long software sequence on the GPU, but LLVM's NVPTX back end bypasses it
//! (`addBypassSlowDiv(64, 32)`: a run-time test that both operands fit in 32 bits, then one
//! `div.u32`), which holds for every array of fewer than 2^32 elements, and computes each `%`
//! from its `/` (a multiply and a subtract). The PTX of `tests/gpu.rs`'s flat walks shows that
//! (2-D `scaled::into`: one `div.u32` per element on the fast path, `div.u64` only behind the
//! test); the divisor's zero check of `/` and `%` stays, a branch on a loop-invariant test
//! (the extents are nonzero whenever the loop runs). That is the simple choice: a 32-bit copy of
//! the loop chosen at run time would be a second outermost `prange`, which `plan` rejects, and
//! strength reduction of the counters across the grid stride (adding the stride's counters with
//! carries) would need the stride, which only the back end knows. Not measured: no device was
//! available when this was written; `scripts/gpu-check.sh` runs the device tests
//! (`tests/gpu.rs`'s `flat_walks_match_the_cpu` among them) on one.
//!
//! Only the entry's walks, as `spread` (a helper's `prange` runs serially in a thread), and only
//! for the GPU (`For::Gpu`; the CPU gets `spread`'s copies instead). It runs where `spread` does,
//! after fusion and contraction and before splitting and versioning, which see the flat loop.

use super::spread::{walk, Walk};
use crate::ir::*;

pub fn run(p: &mut TypedProgram) {
    // The entry is the first instance; only its walks are grid loops.
    let Some(inst) = p.instances.values_mut().next() else {
        return;
    };
    let body = std::mem::take(&mut inst.func.body);
    inst.func.body = block(inst, body);
}

fn block(inst: &mut Instance, b: Block) -> Block {
    let mut stmts = Vec::with_capacity(b.stmts.len());
    for s in b.stmts {
        stmts.push(match &s {
            Stmt::For { range, .. } if range.parallel => match walk(inst, &s) {
                Some(w) => flatten(inst, s, &w),
                // (A `prange` inside it runs serially: left as it is.)
                None => s,
            },
            _ => s.map_blocks(|b| block(inst, b)),
        });
    }
    Block { stmts }
}

/// The flat loop of the nest `nest` of walk `w`.
fn flatten(inst: &mut Instance, nest: Stmt, w: &Walk) -> Stmt {
    let Stmt::For {
        mut range,
        mut body,
        span,
        ..
    } = nest
    else {
        unreachable!("a walk is a loop nest")
    };
    // The innermost body; the inner loops' bounds go.
    for _ in 1..w.axes.len() {
        let Some(Stmt::For {
            range: inner,
            body: b,
            ..
        }) = body.stmts.pop()
        else {
            unreachable!("a walk's loop holds the next one alone")
        };
        inst.drop_expr(inner.start);
        inst.drop_expr(inner.end);
        body = b;
    }
    inst.drop_expr(range.end);
    let usize = Type::Scalar(Scalar::Usize);
    let mut b = inst.build(w.span);
    let dim = |b: &mut crate::ir::edit::Builder, k: usize| b.dim(w.array, k as u8);
    let mut end = dim(&mut b, 0);
    for k in 1..w.axes.len() {
        let d = dim(&mut b, k);
        end = b.bin(BinOp::Mul, end, d);
    }
    let t = b.temp("flat", usize);
    // The counters, last axis first: `a_k = rest % n_k`, `rest / n_k` the rest.
    let mut head = Vec::new();
    let mut rest = t;
    for k in (1..w.axes.len()).rev() {
        let (r, d) = (b.local(rest), dim(&mut b, k));
        let rem = b.bin(BinOp::Rem, r, d);
        head.push(b.assign(w.axes[k], rem));
        let quotient = match k {
            1 => w.axes[0],
            _ => b.temp("flat.q", usize),
        };
        let (r, d) = (b.local(rest), dim(&mut b, k));
        let div = b.bin(BinOp::Div, r, d);
        head.push(b.assign(quotient, div));
        rest = quotient;
    }
    range.end = end;
    range.spread = false;
    head.append(&mut body.stmts);
    Stmt::For {
        var: t,
        range,
        body: Block { stmts: head },
        span,
    }
}

#[cfg(test)]
mod tests {
    use crate::interp::{self, Arg, ArrayArg, Buffer, Output, Value};
    use crate::ir::*;
    use crate::passes::{Backend, Verify};

    /// The typed program of `source`'s `k` on `arrays` (writable strided `ndim`-D views of `f64`
    /// for `true`, read-only ones for `false`), race-checked.
    fn typed(source: &str, ndim: u8, arrays: &[bool]) -> TypedProgram {
        let p = crate::front::lower_source(source).expect("lowers");
        let k = p.find("k").expect("has `k`");
        let args: Vec<Type> = arrays
            .iter()
            .map(|&w| Type::Array(ArrayType::view(Scalar::F64, ndim, Layout::Strided, w)))
            .collect();
        let mut t = crate::types::specialize(&p, k, &args).expect("types");
        crate::types::parallel::analyze(&mut t).expect("race-free");
        t
    }

    /// `t` after the GPU's passes, verified after each.
    fn gpu(mut t: TypedProgram) -> TypedProgram {
        crate::passes::run(&mut t, Backend::Gpu, Verify::AfterEach).expect("verifies");
        t
    }

    const SCALE: &str = "fn k(mut y) { y.par_mapv_inplace(|v| v * 2.0); }";

    /// The GPU's passes make a 2-D or 3-D walk one `prange` over the product of its extents,
    /// its counters recovered by `%` and `/`, with the accesses still unchecked, and
    /// `back::gpu::plan` makes it the grid-stride loop of a grid kernel.
    #[test]
    fn the_gpu_walks_one_flat_prange() {
        for ndim in [2u8, 3] {
            let t = gpu(typed(SCALE, ndim, &[true]));
            let ir = print::typed_program(&t);
            assert_eq!(ir.matches("prange").count(), 1, "{ir}");
            let product = (1..ndim).fold("dim(y, 0)".to_string(), |p, k| {
                format!("({p} * dim(y, {k}))")
            });
            assert_eq!(
                ir.matches(&format!("in 0_usize..{product}")).count(),
                1,
                "{ir}"
            );
            assert!(!ir.contains("for each.ax"), "{ir}");
            assert_eq!(
                ir.matches(" % dim(y, ").count(),
                usize::from(ndim) - 1,
                "{ir}"
            );
            assert_eq!(
                ir.matches(" / dim(y, ").count(),
                usize::from(ndim) - 1,
                "{ir}"
            );
            // The walk's accesses, which `shapes` proved in bounds, stay unchecked.
            assert_eq!(ir.matches(" y[").count(), 2, "{ir}");
            assert_eq!(ir.matches("unchecked y[").count(), 2, "{ir}");
            #[cfg(feature = "llvm")]
            {
                let mode = crate::back::gpu::plan(&t).expect("a grid kernel");
                assert!(matches!(mode, crate::back::gpu::GpuMode::Grid), "{ir}");
            }
        }
        // 1-D: nothing to flatten; the CPU keeps the nest (`spread`'s copies).
        let ir = print::typed_program(&gpu(typed(SCALE, 1, &[true])));
        assert!(!ir.contains('%'), "{ir}");
        let mut t = typed(SCALE, 2, &[true]);
        crate::passes::run(&mut t, Backend::Cpu, Verify::AfterEach).expect("verifies");
        let ir = print::typed_program(&t);
        assert!(!ir.contains('%') && ir.contains(">= 32"), "{ir}");
    }

    /// A walk of `y` (written) zipped with `x` (read), summing as it goes, and counting its
    /// iterations: each element of `y` gets a function of `x`'s at the same index.
    const ZIP: &str = "fn k(mut y, x) -> f64 {
        let mut s = 0.0;
        Zip::from(&mut y).and(&x).par_for_each(|a, &b| { s += b * *a; *a = b * 3.0 + *a; });
        s
    }";

    /// A view over `data` of `shape`, with `strides` (in elements) and the offset of element 0.
    fn view<'a>(data: Buffer<'a>, shape: &[usize], strides: &[isize], offset: usize) -> Arg<'a> {
        Arg::Array(ArrayArg {
            elem: Elem::Scalar(Scalar::F64),
            data,
            offset,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
        })
    }

    fn bytes(v: &[f64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    /// The result and the written buffer of `t` on `y` (C order, `shape`) and `x` (a view of
    /// `xs` with `strides` from `offset`).
    fn run(
        t: &TypedProgram,
        shape: &[usize],
        xs: &[f64],
        strides: &[isize],
        offset: usize,
    ) -> (Output, Vec<u8>) {
        let n: usize = shape.iter().product();
        let mut y = bytes(&(0..n).map(|i| 1.0 + i as f64 / 7.0).collect::<Vec<_>>());
        let x = bytes(xs);
        let mut c = vec![0isize; shape.len()];
        let mut step = 1isize;
        for k in (0..shape.len()).rev() {
            c[k] = step;
            step *= shape[k].max(1) as isize;
        }
        let out = {
            let y = view(Buffer::Unique(&mut y), shape, &c, 0);
            let mut args = [y, view(Buffer::Shared(&x), shape, strides, offset)];
            interp::run(t, &mut args).expect("runs")
        };
        (out, y)
    }

    /// The interpreter gives the same results and writes the same elements before and after the
    /// GPU's passes, on 2-D and 3-D arrays with extents 0 and 1, and `x` contiguous, transposed
    /// (reversed strides), strided (every other element) and reversed (negative strides).
    #[test]
    fn the_flat_loop_computes_what_the_nest_did() {
        let shapes: &[&[usize]] = &[
            &[3, 5],
            &[1, 7],
            &[7, 1],
            &[0, 4],
            &[4, 0],
            &[1, 1],
            &[2, 3, 4],
            &[1, 1, 5],
            &[3, 0, 2],
            &[5, 1, 1],
            &[2, 1, 3],
        ];
        for &shape in shapes {
            let ndim = shape.len() as u8;
            let before = typed(ZIP, ndim, &[true, false]);
            let after = gpu(before.clone());
            let ir = print::typed_program(&after);
            assert_eq!(ir.matches("prange").count(), 1, "{ir}");
            for a in [" x[", " y["] {
                let unchecked = format!("unchecked{a}");
                assert_eq!(
                    ir.matches(a).count(),
                    ir.matches(&unchecked).count(),
                    "{ir}"
                );
            }
            let n: usize = shape.iter().product();
            let len = 2 * n.max(1) + 1;
            let xs: Vec<f64> = (0..len).map(|i| (i * i % 97) as f64 + 0.25).collect();
            // The layouts of `x`: (strides, offset of element 0).
            let c = crate::interp::c_strides(shape);
            // Transposed: the axes' strides reversed (F order of the same shape).
            let rev: Vec<usize> = shape.iter().rev().copied().collect();
            let f: Vec<isize> = crate::interp::c_strides(&rev).into_iter().rev().collect();
            let every_other: Vec<isize> = c.iter().map(|s| 2 * s).collect();
            let reversed: Vec<isize> = c.iter().map(|s| -s).collect();
            let last = n.saturating_sub(1);
            for (strides, offset) in [(c, 0), (f, 0), (every_other, 1), (reversed, last)] {
                let want = run(&before, shape, &xs, &strides, offset);
                let got = run(&after, shape, &xs, &strides, offset);
                assert_eq!(got, want, "{shape:?} {strides:?}");
                if n > 0 {
                    assert!(!matches!(want.0, Output::Scalar(Value::F64(s)) if s == 0.0));
                }
            }
        }
    }
}
