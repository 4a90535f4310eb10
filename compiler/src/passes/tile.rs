//! Register tiling: a 4x4 tile of a three-deep nest's two outer loops shares each pass of its
//! innermost loop, so that matmul keeps sixteen products per load of its operands.
//!
//! In: a typed program after unroll-and-jam (which leaves these nests to this pass). Out: the same
//! program where a nest
//!
//! ```text
//! for i in a..b { for p in c..d { P; for j in e..f { B } S } }
//! ```
//!
//! (`P`, `B`, `S` straight-line assignments and unchecked stores) becomes, with `passes::strip`'s
//! blocks of four iterations of `i` (`tile.*`) and of `p` (`tile.p.*`),
//!
//! ```text
//! for each panel tile.jb.lo..tile.jb.hi of e..f (512 wide), for each panel tile.pb.lo..tile.pb.hi of c..d (256):
//! for tile.q in 0..tile.n {
//!     i.0 = tile.lo + tile.q * 4; ...; i.3 = tile.lo + tile.q * 4 + 3;
//!     for tile.p.q in 0..tile.p.n {
//!         p.0 = ..; ...; p.3 = ..;
//!         P[i.0, p.0]; P[i.0, p.1]; ...; P[i.3, p.3]
//!         for j in e..f { B[i.0, p.0]; B[i.0, p.1]; ..; B[i.0, p.3]; B[i.1, p.0]; ..; B[i.3, p.3] }
//!         S[i.0, p.0]; ...; S[i.3, p.3]
//!     }
//!     for p in tile.p.rest..tile.p.hi { P[i.0]; ..; P[i.3]; for j in e..f { B[i.0]; ..; B[i.3] } S[i.0]; ..}
//! }   (with `c..d` and `e..f` the panel's)
//! for i in tile.rest..tile.hi { for p in c..d { P; for j in e..f { B } S } }
//! ```
//!
//! where copy `k, m` reads `i.k`, `p.m` and its own copies of the scalars the nest assigns (the
//! last copy the originals, as in `unroll_jam`). matmul's `c[[i, j]] += a[[i, p]] * b[[p, j]]`
//! then does, per vector of `j`, 16 products against 4 loads of `b` and one load and store of each
//! of 4 rows of `c` (unroll-and-jam of `p` alone: 4 products per load of `b`, 4 per load and store
//! of `c`): 512x512 `f64` 9.5 -> 2.4 ms, 78% of the core's FMA peak (bench.sh's matmul row).
//! A pass of `j` updates one row of `c` four times in a row, and holds each element it stores in
//! a scalar ([`in_scalars`]: `c.k = c[i.k, j]` before the copies, `c[i.k, j] = c.k` after them),
//! so that LLVM keeps the four rows' elements in registers and no load waits on a store: the
//! rows' addresses differ by a stride it cannot see is non-zero, so it would keep each row's
//! load after the store of the row before, and with a stride a multiple of 4 KiB the processor
//! holds such a load until the addresses are compared in full (512x512 `f64` on an AMD Zen 3:
//! 10.1 -> 9.5 ms, 2048x2048: 718-747 -> 681-689 ms).
//!
//! The panels block the nest for the caches (GotoBLAS's loop order, without packing): four rows
//! of a panel of `c` and of `b` stay in the first-level cache, a 256 x 512 panel of `b` in the
//! second while every tile of rows passes over it; 2048x2048 `f64` ~660 -> 194 ms. `P` and `S`
//! run once per panel of `j` (an empty range is one empty panel), which the rules make harmless:
//! they only assign scalars, none carried, so each time to the same values.
//!
//! Every element still gets the same operations in the same order (results are bit-identical);
//! only the iterations of different copies interleave, which the rules make invisible: each array
//! the nest stores is accessed only in `B`, always at the same index, which is `i` on one axis
//! (copies of `i` touch different elements) and `j`, `j + e` or `j - e` on another, and does not
//! depend on `p` or on the scalars the nest assigns (copies of `p` touch the same element only at
//! the same `j`, where the tile keeps their order); the scalars it assigns are assigned before
//! they are read in each iteration (no value carried from one to the next); nothing in it can
//! fail; `p`'s and `j`'s ranges are the same in every iteration. It pays when `B` loads an array
//! at an index that does not depend on `i` (shared by the four rows).
//!
//! The inner loops it makes are [`ForRange::wide`]: sixteen products per load of `b` pay for
//! the widest vectors, which LLVM's tuning for Intel's AVX-512 CPUs avoids otherwise (512x512
//! `f64` on an AVX-512 Xeon: 7.9 -> 5.5 ms; 2048x2048: 663 -> 382 ms).
//!
//! A `prange` over `i` (which `types::parallel` proved race-free, with no reductions) keeps its
//! blocks of rows parallel: `tile.q` is the `prange`, inside the panels (matmul_par on 2 cores:
//! 4.7 -> 1.4 ms, where the untiled parallel loop was half the tiled serial one's speed).

use super::nest::{
    accesses, along, cannot_fail, defined_before_read, pure_instances, Inner, Parts, Step,
};
use super::strip::{Strips, FACTOR};
use super::{counted, expr_key, invariant, rewrite_for_loops, ForLoop};
use crate::ir::edit::{stmt_exprs, Builder};
use crate::ir::walk::children;
use crate::ir::*;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// The largest tiled inner body, in expression nodes: 16 copies of a body of 16 (matmul's is 11).
const MAX_TILE: usize = 256;

pub fn run(p: &mut TypedProgram) {
    let pure = pure_instances(p);
    for inst in p.instances.values_mut() {
        let body = std::mem::take(&mut inst.func.body);
        inst.func.body = rewrite_for_loops(inst, body, &mut |inst, l, out| {
            let Some(nest) = qualifies(inst, &l, &pure) else {
                return Some(l);
            };
            let rest = tile(inst, &nest, &l, out);
            // The remaining rows, as they were.
            out.push(Stmt::For {
                var: l.var,
                range: rest,
                body: l.body,
                span: l.span,
            });
            None
        });
    }
}

/// The middle loop of a nest that qualifies, its body's parts, the scalars the nest assigns.
pub(super) struct Nest<'a> {
    p: LocalId,
    range: &'a ForRange,
    span: Span,
    parts: Parts<'a>,
    j_span: Span,
    scalars: Vec<LocalId>,
}

/// The nest `l`, when it qualifies (module doc).
pub(super) fn qualifies<'a>(
    inst: &Instance,
    l: &'a ForLoop,
    pure: &HashSet<InstId>,
) -> Option<Nest<'a>> {
    let i = l.var;
    // A `prange` over `i` (race-free: `types::parallel` proved it) spreads its blocks of rows.
    if !counted(inst, i, &l.range) || !l.range.reductions.is_empty() {
        return None;
    }
    let [Stmt::For {
        var: p,
        range,
        body,
        span,
    }] = &l.body.stmts[..]
    else {
        return None;
    };
    if !counted(inst, *p, range) || range.parallel {
        return None;
    }
    let parts = Parts::of(&inst.func, body)?;
    let Inner::For { j, range: inner } = parts.inner else {
        return None;
    };
    let j_span = body.stmts.iter().find_map(|s| match s {
        Stmt::For { var, span, .. } if *var == j => Some(*span),
        _ => None,
    })?;
    if !counted(inst, j, inner) || inner.parallel {
        return None;
    }
    let f = &inst.func;
    let steps: Vec<Vec<Step>> = (0..3).map(|k| parts.steps(k)).collect();
    let scalars: HashSet<LocalId> = steps.iter().flatten().filter_map(|s| s.assigns).collect();
    let all_scalars = scalars
        .iter()
        .all(|l| matches!(inst.local_ty(*l), Type::Scalar(_)));
    if !all_scalars || [i, *p, j].iter().any(|v| scalars.contains(v)) {
        return None;
    }
    // The ranges of `p` and `j` are the same in every iteration of `i`.
    let same = |varying: &HashSet<LocalId>, r: &ForRange| {
        invariant(f, varying, r.start) && invariant(f, varying, r.end)
    };
    let mut varying = scalars.clone();
    varying.insert(i);
    let p_same = same(&varying, range);
    varying.insert(*p);
    if !p_same || !same(&varying, inner) {
        return None;
    }
    let mut nodes = 0;
    for (k, part) in steps.iter().enumerate() {
        let mut outside = 0;
        let count = if k == 1 { &mut nodes } else { &mut outside };
        for e in part.iter().flat_map(|s| s.exprs.iter()) {
            if !cannot_fail(inst, *e, count, pure) {
                return None;
            }
        }
    }
    if nodes * (FACTOR * FACTOR) as usize > MAX_TILE {
        return None;
    }
    // A scalar read before it is assigned carries a value from one iteration to the next.
    if defined_before_read(f, &steps, &scalars)? {
        return None;
    }
    // What stays the same for the four copies of `p`, of `i`.
    let mut per_p = scalars.clone();
    per_p.insert(*p);
    let mut per_i = scalars.clone();
    per_i.insert(i);
    let is_i = |e: &ExprId| matches!(f.expr(*e).kind, ExprKind::Local(l) if l == i);
    let (mut stores, mut shared) = (false, false);
    for list in accesses(f, &steps).values() {
        if list.iter().any(|a| a.1) {
            // Stored: only in `B`, at one index: `i` on an axis, `j ± e` on another, the same
            // for every `p`.
            let key = |index: &[ExprId]| -> Vec<String> {
                index.iter().map(|x| expr_key(f, *x)).collect()
            };
            let first = key(list[0].2);
            let index = list[0].2;
            let one_index = list.iter().all(|a| a.0 == 1 && key(a.2) == first);
            let rows = index.iter().any(is_i) && index.iter().any(|x| along(f, j, &per_p, *x));
            if !one_index || !rows || !index.iter().all(|x| invariant(f, &per_p, *x)) {
                return None;
            }
            stores = true;
        } else {
            shared |= list
                .iter()
                .any(|a| a.0 == 1 && a.2.iter().all(|x| invariant(f, &per_i, *x)));
        }
    }
    if !(stores && shared) {
        return None;
    }
    let mut scalars: Vec<LocalId> = scalars.into_iter().collect();
    scalars.sort_by_key(|l| l.index());
    Some(Nest {
        p: *p,
        range,
        span: *span,
        parts,
        j_span,
        scalars,
    })
}

/// Pushes the tiled loop (and what it needs before it) onto `out`; returns the range of the
/// remaining rows, for the loop `l` as it was.
fn tile(inst: &mut Instance, nest: &Nest, l: &ForLoop, out: &mut Vec<Stmt>) -> ForRange {
    let (i, span) = (l.var, l.span);
    let usize_t = Type::Scalar(Scalar::Usize);
    let mut b = inst.build(span);
    let rows = Strips::new(&mut b, "tile", &l.range, FACTOR, out);
    let Inner::For { j, range: inner } = nest.parts.inner else {
        unreachable!("`qualifies` takes only an inner `for` loop")
    };
    // The tiles run over panels of `p` and `j`.
    let p_panel = Panel::new(&mut b, "tile.pb", nest.range, KC);
    let j_panel = Panel::new(&mut b, "tile.jb", inner, JC);
    let (p_range, j_range) = (p_panel.range(&mut b), j_panel.range(&mut b));
    let mut block = Vec::new();
    let i_name = b.inst.func.local(i).name.clone();
    let row: Vec<LocalId> = (0..FACTOR)
        .map(|k| {
            let ik = b.temp(&format!("{i_name}.{k}"), usize_t);
            let value = rows.iteration(&mut b, k);
            block.push(b.assign(ik, value));
            ik
        })
        .collect();
    let cols = Strips::new(&mut b, "tile.p", &p_range, FACTOR, &mut block);
    let p_name = b.inst.func.local(nest.p).name.clone();
    let mut tile_body = Vec::new();
    let col: Vec<LocalId> = (0..FACTOR)
        .map(|m| {
            let pm = b.temp(&format!("{p_name}.{m}"), usize_t);
            let value = cols.iteration(&mut b, m);
            tile_body.push(b.assign(pm, value));
            pm
        })
        .collect();
    // Copy (k, m) reads i.k, p.m and its own scalars (the last copy the originals); the rows
    // left over in `p` read i.k and row k's last copies.
    let mut tiles = Vec::new();
    for (k, &ik) in row.iter().enumerate() {
        for (m, &pm) in col.iter().enumerate() {
            let mut rename = HashMap::from([(i, ik), (nest.p, pm)]);
            if (k, m) != (row.len() - 1, col.len() - 1) {
                for &s in &nest.scalars {
                    let decl = b.inst.func.local(s).clone();
                    let ty = b.inst.local_ty(s);
                    let name = format!("{}.{k}.{m}", decl.name);
                    rename.insert(s, b.inst.new_local(&name, ty, decl.span));
                }
            }
            tiles.push(rename);
        }
    }
    let left: Vec<HashMap<LocalId, LocalId>> = tiles
        .chunks(col.len())
        .map(|r| {
            let mut rename = r[r.len() - 1].clone();
            rename.remove(&nest.p);
            rename
        })
        .collect();
    let mut held = HashMap::new();
    tile_body.extend(pass(&mut b, nest, j, &j_range, &tiles, &mut held));
    block.push(cols.blocks(&mut b, tile_body));
    let rest = cols.rest(&mut b, &p_range, &mut block);
    let stmts = pass(&mut b, nest, j, &j_range, &left, &mut held);
    block.push(Stmt::For {
        var: nest.p,
        range: rest,
        body: Block { stmts },
        span: nest.span,
    });
    // `pass` copied `j_range` for each loop it made.
    b.inst.drop_expr(j_range.start);
    b.inst.drop_expr(j_range.end);
    let mut tiled = rows.blocks(&mut b, block);
    if let Stmt::For { range, .. } = &mut tiled {
        range.parallel = l.range.parallel;
    }
    // For each panel of `j`, for each panel of `p`, the tiles.
    let tiled = p_panel.around(&mut b, vec![tiled]);
    out.extend(j_panel.around(&mut b, tiled));
    rows.rest(&mut b, &l.range, out)
}

/// Columns of `c` per panel: four rows of a panel of `c` and of `b` stay in the first-level
/// cache (2 x 16 KiB of `f64`).
const JC: u64 = 512;
/// Rows of `b` per panel: a 256 x 512 panel of `b` (1 MiB of `f64`) stays in the second-level
/// cache while every tile of rows passes over it.
const KC: u64 = 256;

/// The panels of `width` iterations of a range `a..b`, each one `x.lo..x.hi`, the last one
/// shorter, and one empty panel when the range is (so that `P` and `S` run as often as
/// before; what they assign may be read after the nest):
///
/// ```text
/// x.lo = a;
/// loop {
///     x.hi = b; if x.lo < b && b - x.lo > width { x.hi = x.lo + width }
///     ..
///     x.lo = x.hi; if x.lo >= b { break }
/// }
/// ```
struct Panel {
    lo: LocalId,
    hi: LocalId,
    width: u64,
    start: ExprId,
    end: ExprId,
}

impl Panel {
    fn new(b: &mut Builder, name: &str, r: &ForRange, width: u64) -> Panel {
        let usize_t = Type::Scalar(Scalar::Usize);
        Panel {
            lo: b.temp(&format!("{name}.lo"), usize_t),
            hi: b.temp(&format!("{name}.hi"), usize_t),
            width,
            start: b.copy(r.start),
            end: b.copy(r.end),
        }
    }

    /// The range of one panel, `x.lo..x.hi`.
    fn range(&self, b: &mut Builder) -> ForRange {
        ForRange::upto(b.local(self.lo), b.local(self.hi))
    }

    /// The loop over the panels, running `body` for each.
    fn around(self, b: &mut Builder, body: Vec<Stmt>) -> Vec<Stmt> {
        let end = |b: &mut Builder| b.copy(self.end);
        let (lo, e) = (b.local(self.lo), end(b));
        let before = b.bin(BinOp::Lt, lo, e);
        let (e, lo) = (end(b), b.local(self.lo));
        let left = b.bin(BinOp::Sub, e, lo);
        let w = b.usize(self.width);
        let wide = b.bin(BinOp::Gt, left, w);
        let longer = b.and(before, wide);
        let (lo, w) = (b.local(self.lo), b.usize(self.width));
        let next = b.bin(BinOp::Add, lo, w);
        let hi = b.local(self.hi);
        let (lo, e) = (b.local(self.lo), end(b));
        let done = b.bin(BinOp::Ge, lo, e);
        let mut stmts = vec![
            b.assign(self.hi, self.end),
            Stmt::If {
                cond: longer,
                then_body: Block {
                    stmts: vec![b.assign(self.hi, next)],
                },
                else_body: Block::default(),
            },
        ];
        stmts.extend(body);
        stmts.push(b.assign(self.lo, hi));
        stmts.push(Stmt::If {
            cond: done,
            then_body: Block {
                stmts: vec![Stmt::Break],
            },
            else_body: Block::default(),
        });
        vec![
            b.assign(self.lo, self.start),
            Stmt::Loop {
                body: Block { stmts },
            },
        ]
    }
}

/// One pass of the middle loop for the copies `renames`, in their order, over `j_range`:
/// `P[0]; P[1]; ..; for j { B[0]; B[1]; .. } S[0]; S[1]; ..`, the elements that `B` stores held
/// in scalars ([`in_scalars`]).
fn pass(
    b: &mut Builder,
    nest: &Nest,
    j: LocalId,
    j_range: &ForRange,
    renames: &[HashMap<LocalId, LocalId>],
    held: &mut HashMap<(LocalId, usize), LocalId>,
) -> Vec<Stmt> {
    let copies = |b: &mut Builder, part: &[Stmt]| -> Vec<Stmt> {
        let mut v = Vec::new();
        for rename in renames {
            v.extend(part.iter().map(|s| b.inst.copy_stmt(s, rename)));
        }
        v
    };
    let mut stmts = copies(b, nest.parts.pre);
    let body = copies(b, nest.parts.body);
    let body = in_scalars(b, body, held);
    stmts.push(Stmt::For {
        var: j,
        range: ForRange {
            start: b.copy(j_range.start),
            end: b.copy(j_range.end),
            wide: true,
            ..j_range.clone()
        },
        body: Block { stmts: body },
        span: nest.j_span,
    });
    stmts.extend(copies(b, nest.parts.post));
    stmts
}

/// The elements that a pass of `j` stores, each held in a scalar of its own (module doc): read
/// once before the copies' statements where the first access to it reads it, written once after
/// them. The values are the same: the elements are different ones (rows `i.k` differ, and a
/// stored array is accessed only at its one index, `qualifies`), and each copy's operations keep
/// their order. Bodies with other statements than assignments and stores, or stores of arrays of
/// structs, stay as they are.
///
/// `held` keeps the scalars for the next pass: the `n`th element of an array, in the order of
/// the first stores, takes the same scalar in every pass.
fn in_scalars(
    b: &mut Builder,
    body: Vec<Stmt>,
    held: &mut HashMap<(LocalId, usize), LocalId>,
) -> Vec<Stmt> {
    let f = &b.inst.func;
    let mut order: Vec<Key> = Vec::new();
    let mut first_read: HashSet<Key> = HashSet::new();
    let mut stored: HashMap<Key, Vec<ExprId>> = HashMap::new();
    for s in &body {
        let mut roots = Vec::new();
        stmt_exprs(s, &mut roots);
        let mut loads = Vec::new();
        for e in roots {
            loads_in(f, e, &mut loads);
        }
        for (array, index) in loads {
            let k = element_key(f, array, &index);
            if !stored.contains_key(&k) {
                first_read.insert(k);
            }
        }
        match s {
            Stmt::Store { array, index, .. } => {
                let k = element_key(f, *array, index);
                stored.entry(k).or_insert_with_key(|k| {
                    order.push(k.clone());
                    index.clone()
                });
            }
            Stmt::Assign { .. } => {}
            // `qualifies` admits assignments and stores only.
            _ => return body,
        }
    }
    if !order
        .iter()
        .all(|k| matches!(b.inst.local_ty(k.0), Type::Array(a) if a.scalar().is_some()))
    {
        return body;
    }
    let mut elements: HashMap<Key, Element> = HashMap::new();
    let mut per_array: HashMap<LocalId, usize> = HashMap::new();
    for k in &order {
        let nth = *per_array.entry(k.0).and_modify(|n| *n += 1).or_default();
        let scalar = *held.entry((k.0, nth)).or_insert_with(|| {
            let Type::Array(a) = b.inst.local_ty(k.0) else {
                unreachable!("checked above")
            };
            let name = format!("{}.{nth}", b.inst.func.local(k.0).name);
            b.temp(&name, a.elem_type())
        });
        elements.insert(
            k.clone(),
            Element {
                index: stored[k].clone(),
                scalar,
                read_first: first_read.contains(k),
            },
        );
    }
    let mut out = Vec::new();
    for k in &order {
        let e = &elements[k];
        if e.read_first {
            let index = e.index.iter().map(|x| b.copy(*x)).collect();
            let ty = b.inst.local_ty(e.scalar);
            let value = b.load(k.0, index, ty);
            out.push(b.assign(e.scalar, value));
        }
    }
    let stores: Vec<Stmt> = order
        .iter()
        .map(|k| {
            let e = &elements[k];
            let index = e.index.iter().map(|x| b.copy(*x)).collect();
            Stmt::Store {
                array: k.0,
                index,
                value: b.local(e.scalar),
                span: b.span,
                checked: false,
            }
        })
        .collect();
    for s in body {
        let mut roots = Vec::new();
        stmt_exprs(&s, &mut roots);
        for e in roots {
            read_scalars(b, e, &elements);
        }
        out.push(match s {
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            } => {
                let k = element_key(&b.inst.func, array, &index);
                for x in index {
                    b.inst.drop_expr(x);
                }
                Stmt::Assign {
                    local: elements[&k].scalar,
                    value,
                    span,
                }
            }
            s => s,
        });
    }
    out.extend(stores);
    out
}

/// An element of an array, by the array and the keys of its index's expressions.
type Key = (LocalId, Vec<String>);

/// A stored element held in a scalar ([`in_scalars`]), under its [`Key`]: its index (the first
/// store's), its scalar, whether the first access to it reads it.
struct Element {
    index: Vec<ExprId>,
    scalar: LocalId,
    read_first: bool,
}

fn element_key(f: &Function, array: LocalId, index: &[ExprId]) -> Key {
    (array, index.iter().map(|x| expr_key(f, *x)).collect())
}

/// The loads in expression tree `e`, in evaluation order (operands first).
fn loads_in(f: &Function, e: ExprId, out: &mut Vec<(LocalId, Vec<ExprId>)>) {
    let kind = &f.expr(e).kind;
    for c in children(kind) {
        loads_in(f, c, out);
    }
    if let ExprKind::Load { array, index, .. } = kind {
        out.push((*array, index.clone()));
    }
}

/// Rewrites expression tree `e` in place: loads of the elements read their scalars.
fn read_scalars(b: &mut Builder, e: ExprId, elements: &HashMap<Key, Element>) {
    for c in children(&b.inst.func.expr(e).kind) {
        read_scalars(b, c, elements);
    }
    let ExprKind::Load { array, index, .. } = &b.inst.func.expr(e).kind else {
        return;
    };
    let Some(element) = elements.get(&element_key(&b.inst.func, *array, index)) else {
        return;
    };
    let kind = ExprKind::Local(element.scalar);
    let ExprKind::Load { index, .. } = std::mem::replace(&mut b.inst.func.exprs[e].kind, kind)
    else {
        unreachable!("matched above")
    };
    for x in index {
        b.inst.drop_expr(x);
    }
}
