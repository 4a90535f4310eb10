//! The dependence check of a `prange` loop over arrays, and array reductions.
//!
//! In: the accesses of one loop body ([`access::collect`]) and which arrays of the loop's
//! function may be one buffer. Out: the arrays the loop reduces, or a [`Diagnostic`] naming two
//! accesses that different iterations may make to one element, one of them a write.
//!
//! The rule: two accesses of arrays that may share memory, one of them a write (GPU atomics
//! excepted among themselves), are independent across iterations when they are accesses of the
//! same array with, on some axis, indices `c * i + d1` and `c * i + d2` (the same `c != 0` and the
//! same invariant terms) whose constant parts differ by a multiple of nothing but zero: either
//! `d1 == d2` (both touch the element of one iteration), or `c` does not divide `d2 - d1`. A
//! write therefore needs an index injective in `i` on some axis (`y[i]`, `y[n - 1 - i]`,
//! `out[[i, j]]` for any `j`), and every other access of that array the same slice (`y[i]` read
//! while `y[i]` is written, `out[[i, j - 1]]`). Two more index shapes tell iterations apart:
//! a flattened pair `[l / d, l % d]` (as above for `l`, with the same `d`), and a block
//! `o * s + t` with `t` an inner loop's variable over `0..s` (as above for `o`, with the same
//! block size `s`: `y[b * bs + k]`, `y[4 * b + k]`). Arithmetic in 64-bit types is taken as exact
//! (wrapping would need 2^63 iterations or more); in narrower types the coefficient must keep
//! all the loop variable's values apart modulo the width, and only equal constant parts count.
//!
//! An array that fails the rule but that the body touches only through `a[k] op= e` (or
//! `a[k] = a[k].min(e)` / `.max(e)`), directly and with one kind of operator (`+=` and `-=` mix),
//! is an array reduction: its stores become [`Stmt::Update`]s, which the back ends run on private
//! copies or atomically. Complex elements only with `+=` and `-=` (`e` complex or real: each part
//! adds up as a float element does); a complex `*=` is an error of its own, as for a scalar.

use super::access::{Access, Kind, Lin, Split, Val};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

/// The arrays the loop reduces, or the first conflict (see the module doc). `unchecked` (the
/// kernel's `unsafe(unchecked_parallel)`) accepts conflicts, still finding the reductions.
pub fn check(
    inst: &Instance,
    var: LocalId,
    span: Span,
    accesses: &[Access],
    may_alias: &dyn Fn(LocalId, LocalId) -> bool,
    unchecked: bool,
) -> Result<Vec<LocalId>, Diagnostic> {
    let var_bits = inst.local_ty(var).scalar().map_or(64, Scalar::bits);
    let mut written: Vec<LocalId> = Vec::new();
    for a in accesses {
        if a.kind.writes() && !written.contains(&a.array) {
            written.push(a.array);
        }
    }
    let mut reductions = Vec::new();
    for array in written {
        let class: Vec<&Access> = accesses
            .iter()
            .filter(|a| may_alias(a.array, array))
            .collect();
        let Some((x, y)) = conflict(&class, var_bits) else {
            continue;
        };
        if reduction(inst, array, &class) {
            reductions.push(array);
        } else if let (false, Some(p)) = (unchecked, complex_product(inst, array, &class)) {
            return Err(product(inst, span, array, p));
        } else if !unchecked {
            return Err(race(inst, var, span, array, &class, x, y));
        }
    }
    Ok(reductions)
}

/// The first pair of accesses, one a write, that different iterations may make to one element.
fn conflict<'a>(class: &[&'a Access], var_bits: u32) -> Option<(&'a Access, &'a Access)> {
    for (n, x) in class.iter().enumerate() {
        for y in &class[n..] {
            let writes = x.kind.writes() || y.kind.writes();
            let atomics = x.kind == Kind::Atomic && y.kind == Kind::Atomic;
            if writes && !atomics && !independent(x, y, var_bits) {
                return Some((x, y));
            }
        }
    }
    None
}

/// Whether `x` in one iteration and `y` in another never touch the same element.
fn independent(x: &Access, y: &Access, var_bits: u32) -> bool {
    if x.array != y.array || x.index.len() != y.index.len() {
        return false;
    }
    let apart = |p: &Lin, q: &Lin| {
        if p.var == 0 || p.var != q.var || p.terms != q.terms {
            return false;
        }
        let width = p.width.min(q.width);
        let delta = q.k - p.k;
        if width >= 64 {
            return delta == 0 || delta % p.var != 0;
        }
        // Modulo 2^width, `c * i` keeps 2^(width - tz(c)) values of `i` apart.
        let kept = width.saturating_sub(p.var.trailing_zeros());
        delta == 0 && kept >= var_bits
    };
    let axis = x.index.iter().zip(&y.index).any(|(p, q)| match (p, q) {
        (Val::Lin(p), Val::Lin(q)) => apart(p, q),
        // Blocks of one size: different blocks never meet.
        (Val::Tile { o: p, s }, Val::Tile { o: q, s: t }) => s == t && apart(p, q),
        _ => false,
    });
    // A flattened index: `l / d + o1` and `l % d + o2` on two axes name the element `l`.
    let ys = splits(y);
    axis || splits(x).iter().any(|(s, t, p, q)| {
        ys.iter().any(|(u, v, p2, q2)| {
            (s, t, &p.d, &p.o, &q.o) == (u, v, &p2.d, &p2.o, &q2.o) && apart(&p.l, &p2.l)
        })
    })
}

/// The pairs of axes of an access indexed `l / d + o1` and `l % d + o2` (one `l` and `d`).
fn splits(a: &Access) -> Vec<(usize, usize, &Split, &Split)> {
    let mut out = Vec::new();
    for (s, p) in a.index.iter().enumerate() {
        for (t, q) in a.index.iter().enumerate() {
            if let (Val::Div(p), Val::Rem(q)) = (p, q) {
                if p.l == q.l && p.d == q.d {
                    out.push((s, t, p, q));
                }
            }
        }
    }
    out
}

/// Whether `array` is updated only as a reduction in the loop body (see the module doc).
fn reduction(inst: &Instance, array: LocalId, class: &[&Access]) -> bool {
    let Some(Type::Array(a)) = Some(inst.local_ty(array)) else {
        return false;
    };
    let mut op: Option<Reduce> = None;
    for x in class {
        let Kind::Update(u) = x.kind else {
            return false;
        };
        if x.array != array || x.via.is_some() || op.is_some_and(|o| o != u.combine()) {
            return false;
        }
        op = Some(u.combine());
    }
    let bitwise = matches!(op, Some(Reduce::And | Reduce::Or | Reduce::Xor));
    // Complex elements add up part by part; their products do not ([`complex_product`]).
    a.scalar().is_some_and(|s| {
        s != Scalar::Bool
            && !(bitwise && s.is_float())
            && !(s.is_complex() && op == Some(Reduce::Mul))
    })
}

/// An update `a[k] *= z` of a complex `array` that several iterations may make: partial
/// products of complex numbers do not combine part by part, so this is no array reduction.
fn complex_product<'a>(
    inst: &Instance,
    array: LocalId,
    class: &[&'a Access],
) -> Option<&'a Access> {
    let Type::Array(a) = inst.local_ty(array) else {
        return None;
    };
    if !a.elem.is_complex() {
        return None;
    }
    class
        .iter()
        .find(|x| x.array == array && x.kind == Kind::Update(UpdateOp::Mul))
        .copied()
}

/// The error for [`complex_product`]'s update `at` (the scalar's twin is in `super`).
fn product(inst: &Instance, span: Span, array: LocalId, at: &Access) -> Diagnostic {
    let name = &inst.func.local(array).name;
    let help = format!(
        "partial complex products do not combine part by part: multiply in a serial `for` loop, or add logarithms into an array of zeros (`l[k] += z.ln()`, then `{name}[k] *= l[k].exp()` after the loop; rounded differently)"
    );
    Diagnostic::new(
        format!("`{name}` is a complex product array reduction of a `prange` loop, which is not supported"),
        at.span,
        "a complex product, at an element other iterations may update too",
    )
    .with_label(span, "in this parallel loop")
    .with_help(help)
}

fn race(
    inst: &Instance,
    var: LocalId,
    span: Span,
    array: LocalId,
    class: &[&Access],
    x: &Access,
    y: &Access,
) -> Diagnostic {
    let f = &inst.func;
    let name = &f.local(array).name;
    let i = &f.local(var).name;
    let (w, other) = if x.kind.writes() { (x, y) } else { (y, x) };
    // Two updates that would make an array reduction, but the array is read or assigned
    // elsewhere too: say so rather than "not injective".
    let updates = matches!((x.kind, y.kind), (Kind::Update(_), Kind::Update(_)));
    let blocker = class.iter().find(|a| !matches!(a.kind, Kind::Update(_)));
    let d = if let (true, Some(b)) = (updates, blocker) {
        let update = x;
        let what = if b.kind.writes() { "assigned" } else { "read" };
        Diagnostic::new(
            format!("data race: `{name}` is updated at any element by this `prange` loop and also {what} in it"),
            update.span,
            format!("`{name}` updated here, at an element other iterations may update too"),
        )
        .with_label(b.span, format!("`{name}` {what} here"))
        .with_help(format!(
            "an array that a `prange` loop updates only with `{name}[k] += e` (`-=`, `*=`, `|=`, `&=`, `^=`, `= {name}[k].min(e)`, `.max(e)`) is an array reduction, each thread adding into its own copy; it cannot be read or assigned elsewhere in the loop: read it after the loop, or use a serial `for` loop"
        ))
    } else if (std::ptr::eq(w, other) || w.span == other.span)
        && w.index.iter().all(|v| v.lin().is_some_and(|l| l.var == 0))
    {
        Diagnostic::new(
            format!("data race: every iteration of this `prange` loop stores to the same element of `{name}`"),
            w.span,
            format!("the index does not depend on `{i}`"),
        )
        .with_help(format!(
            "iterations run in parallel: index the store with `{i}` (or a value computed from it), accumulate into a local declared outside the loop as a reduction (`s += e`) and store it after the loop, or use a serial `for` loop"
        ))
    } else if std::ptr::eq(w, other) || w.span == other.span {
        Diagnostic::new(
            format!("data race: several iterations of this `prange` loop may write the same element of `{name}`"),
            w.span,
            format!("the index does not tell the iterations apart: no axis is `c * {i} + d` with `c != 0`"),
        )
        .with_help(format!(
            "iterations run in parallel: index the write with `{i}` on one axis (`{name}[{i}]`, `{name}[[{i}, j]]`), accumulate with `{name}[k] += e` as an array reduction, or use a serial `for` loop; if the indices are distinct for another reason (a permutation), mark the kernel `#[rumba(unsafe(unchecked_parallel))]`, which is undefined behaviour when they are not"
        ))
    } else {
        let what = if other.kind.writes() {
            "writes"
        } else {
            "reads"
        };
        Diagnostic::new(
            format!("data race: an iteration of this `prange` loop may write an element of `{name}` that another iteration {what}"),
            w.span,
            format!("`{name}` written here"),
        )
        .with_label(other.span, format!("`{name}` {} here, at an element of another iteration", if other.kind.writes() { "written" } else { "read" }))
        .with_help(format!(
            "iterations run in parallel and in any order: access `{name}` in each iteration only at the elements it writes (the same index in `{i}`), read the old values from a separate input array (a copy made before the loop), or use a serial `for` loop"
        ))
    };
    let d = [w, other]
        .into_iter()
        .filter_map(|a| a.via)
        .fold(d, |d, via| d.with_label(via, "through this call"));
    let d = if w.array != other.array {
        d.with_note("these two arrays may be one array: the function is called with the same array for both")
    } else {
        d
    };
    d.with_label(span, "in this parallel loop")
}
