//! `prange`: what a parallel loop may do, decided once for every target.
//!
//! In: a typed program. Out: the same program with each `prange` loop's decisions recorded in
//! the IR (its scalar reductions in [`ForRange::reductions`], its array reductions as
//! [`Stmt::Update`]s), or a [`Diagnostic`] at the offending statement. The CPU and GPU back ends
//! only read these; no back end decides what a parallel loop may do. Inside a `prange` body:
//!
//! - a scalar declared outside the loop may only be updated as a reduction: `s += e`, `s -= e`,
//!   `s *= e`, `s = s.min(e)`, `s = s.max(e)`, `s |= e`, `s &= e`, `s ^= e` (one operator per
//!   variable, `e` not reading `s`, and `s` read nowhere else in the body); a complex `s` only
//!   with `s += e` and `s -= e` (`e` complex or real: the parts add up separately; a complex
//!   product does not combine part by part and is an error);
//! - `break` out of the loop and `return` are errors (no iteration can stop the others);
//! - no two iterations may touch one array element where one of them writes it, in the body or
//!   in the functions it calls ([`arrays`] has the rule; [`access`] follows the indices), unless
//!   the array is only updated as a reduction (`bins[k] += 1`; complex elements only with `+=`
//!   and `-=`, `e` complex or real, as a complex scalar), or the kernel says
//!   `#[rumba(unsafe(unchecked_parallel))]`. Arrays that may be one buffer count as one: the
//!   entry kernel's arguments never overlap where one is writable (the runtime checks), and a
//!   function's array parameters may be one array when some call passes the same one for both.
//!
//! A `prange` nested in another runs serially; the outer loop's rules cover its body.

pub mod access;
pub mod arrays;

use crate::diag::Diagnostic;
use crate::ir::complex;
use crate::ir::walk::{escapes, reads_local, Uses};
use crate::ir::*;
use crate::span::Span;
use std::collections::{BTreeSet, HashMap};

fn help_reduce(s: &str) -> String {
    format!("update it only as a reduction (`{s} += e`, `{s} -= e`, `{s} *= e`, `{s} = {s}.min(e)`, `{s} = {s}.max(e)`, `{s} |= e`, `{s} &= e`, `{s} ^= e`)")
}

/// What the analysis decided for one `prange` loop.
struct Decision {
    reductions: Vec<(LocalId, Reduce)>,
    arrays: Vec<LocalId>,
}

/// Checks every `prange` loop of every instance and records its reductions (see the module doc).
pub fn analyze(program: &mut TypedProgram) -> Result<(), Diagnostic> {
    let roots = alias_roots(program);
    let mut decisions: Vec<Vec<Decision>> = Vec::new();
    for (id, inst) in program.instances.iter() {
        let n = id.index();
        let all = Uses::of(&inst.func, &inst.func.body);
        let may_alias = |a: LocalId, b: LocalId| {
            a == b
                || match (roots[n].get(&a), roots[n].get(&b)) {
                    (Some(x), Some(y)) => !x.is_disjoint(y),
                    _ => false,
                }
        };
        let mut cx = Cx {
            program,
            inst,
            all: &all,
            may_alias: &may_alias,
            out: Vec::new(),
        };
        cx.block(&inst.func.body)?;
        decisions.push(cx.out);
    }
    let ops = access::complex_operators(program);
    for (inst, d) in program.instances.values_mut().zip(decisions) {
        let mut body = std::mem::take(&mut inst.func.body);
        apply(
            &inst.func,
            &ops,
            &mut inst.expr_types,
            &mut body,
            &mut d.into_iter(),
        );
        inst.func.body = body;
    }
    Ok(())
}

/// For each instance, the buffers each of its array locals may be: the entry kernel's arrays (by
/// parameter position, and GPU shared arrays after them), and one buffer per allocation (and per
/// call returning arrays) of any instance. Views share their array's buffers; locals assigned
/// several arrays may be any of them.
fn alias_roots(p: &TypedProgram) -> Vec<HashMap<LocalId, BTreeSet<usize>>> {
    let mut roots: Vec<HashMap<LocalId, BTreeSet<usize>>> = vec![HashMap::new(); p.instances.len()];
    let entry = &p.entry().func;
    let own = entry
        .params
        .iter()
        .copied()
        .chain(entry.shared.iter().map(|s| s.local));
    let entry_id = p.instances.keys().next();
    for (k, l) in own.enumerate() {
        if let Some(id) = entry_id {
            roots[id.index()].insert(l, BTreeSet::from([k]));
        }
    }
    let mut next = entry.params.len() + entry.shared.len();
    for (id, inst) in p.instances.iter().skip(1) {
        for s in &inst.func.shared {
            roots[id.index()].insert(s.local, BTreeSet::from([next]));
            next += 1;
        }
    }
    let mut fresh: HashMap<(InstId, ExprId), usize> = HashMap::new();
    for (id, inst) in p.instances.iter() {
        for (e, x) in inst.func.exprs.iter() {
            if matches!(x.kind, ExprKind::Alloc { .. } | ExprKind::CallInst { .. }) {
                fresh.insert((id, e), next);
                next += 1;
            }
        }
    }
    loop {
        let mut changed = false;
        for (id, inst) in p.instances.iter() {
            let n = id.index();
            let f = &inst.func;
            let mut add = |roots: &mut Vec<HashMap<LocalId, BTreeSet<usize>>>,
                           at: usize,
                           l: LocalId,
                           from: BTreeSet<usize>| {
                let to = roots[at].entry(l).or_default();
                let before = to.len();
                to.extend(from);
                changed |= to.len() != before;
            };
            for (l, value) in crate::ir::walk::assignments(&f.body) {
                let from = value_roots(f, id, value, &roots[n], &fresh);
                add(&mut roots, n, l, from);
            }
            for e in f.exprs.values() {
                let ExprKind::CallInst { inst: callee, args } = &e.kind else {
                    continue;
                };
                let c = &p.inst(*callee).func;
                for (param, &a) in c.params.iter().zip(args) {
                    let from = value_roots(f, id, a, &roots[n], &fresh);
                    add(&mut roots, callee.index(), *param, from);
                }
            }
        }
        if !changed {
            return roots;
        }
    }
}

/// The buffers the arrays in value `e` of function `f` (instance `id`) may be.
fn value_roots(
    f: &Function,
    id: InstId,
    e: ExprId,
    roots: &HashMap<LocalId, BTreeSet<usize>>,
    fresh: &HashMap<(InstId, ExprId), usize>,
) -> BTreeSet<usize> {
    match &f.expr(e).kind {
        ExprKind::Local(a)
        | ExprKind::Borrow { array: a, .. }
        | ExprKind::Slice { array: a, .. }
        | ExprKind::Transpose(a)
        | ExprKind::Relayout { array: a, .. }
        | ExprKind::Broadcast { array: a, .. } => roots.get(a).cloned().unwrap_or_default(),
        ExprKind::Alloc { .. } => fresh.get(&(id, e)).copied().into_iter().collect(),
        // A call may return a new array, or one it was given.
        ExprKind::CallInst { args, .. } => args
            .iter()
            .flat_map(|&a| value_roots(f, id, a, roots, fresh))
            .chain(fresh.get(&(id, e)).copied())
            .collect(),
        ExprKind::Tuple(xs) => xs
            .iter()
            .flat_map(|&x| value_roots(f, id, x, roots, fresh))
            .collect(),
        ExprKind::Field(x, _) => value_roots(f, id, *x, roots, fresh),
        _ => BTreeSet::new(),
    }
}

/// Records the decisions, in the order [`Cx::block`] made them (loops in pre-order).
/// `b` is `f`'s body, taken out of it; `types` are its expressions' types; `ops` the program's
/// [`access::complex_operators`].
fn apply(
    f: &Function,
    ops: &HashMap<InstId, BinOp>,
    types: &mut SecondaryMap<ExprId, Type>,
    b: &mut Block,
    d: &mut impl Iterator<Item = Decision>,
) {
    for s in &mut b.stmts {
        match s {
            Stmt::For { range, body, .. } if range.parallel => {
                if let Some(dec) = d.next() {
                    range.reductions = dec.reductions;
                    for a in dec.arrays {
                        make_updates(f, ops, types, body, a);
                    }
                }
                apply(f, ops, types, body, d);
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                apply(f, ops, types, then_body, d);
                apply(f, ops, types, else_body, d);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => apply(f, ops, types, body, d),
            _ => {}
        }
    }
}

/// Turns the stores of `array` in a block (all of the form `a[k] = a[k] op e`) into updates. The
/// load of the old value is left unreached: its expressions lose their types (the verifier
/// counts a typed expression that nothing reaches as lost). `e` keeps its type: a complex
/// element's update by a real `e` adds to its real part only (num-complex's `z + x`).
fn make_updates(
    f: &Function,
    ops: &HashMap<InstId, BinOp>,
    types: &mut SecondaryMap<ExprId, Type>,
    b: &mut Block,
    array: LocalId,
) {
    for s in &mut b.stmts {
        match s {
            Stmt::Store {
                array: a,
                index,
                value,
                span,
                checked,
            } if *a == array => {
                if let Some((op, old, e)) = access::update_form(f, ops, array, index, *value) {
                    untype(f, types, old);
                    types.remove(*value);
                    *s = Stmt::Update {
                        array,
                        index: std::mem::take(index),
                        op,
                        value: e,
                        span: *span,
                        checked: *checked,
                    };
                }
            }
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                make_updates(f, ops, types, then_body, array);
                make_updates(f, ops, types, else_body, array);
            }
            Stmt::Loop { body } | Stmt::For { body, .. } => {
                make_updates(f, ops, types, body, array)
            }
            _ => {}
        }
    }
}

/// Removes the types of expression `e` and of those under it.
fn untype(f: &Function, types: &mut SecondaryMap<ExprId, Type>, e: ExprId) {
    types.remove(e);
    for c in crate::ir::walk::children(&f.expr(e).kind) {
        untype(f, types, c);
    }
}

/// The walk of one instance, loop by loop.
struct Cx<'a> {
    program: &'a TypedProgram,
    inst: &'a Instance,
    all: &'a Uses,
    may_alias: &'a dyn Fn(LocalId, LocalId) -> bool,
    out: Vec<Decision>,
}

impl Cx<'_> {
    fn block(&mut self, b: &Block) -> Result<(), Diagnostic> {
        for s in &b.stmts {
            match s {
                Stmt::For {
                    var,
                    range,
                    body,
                    span,
                } if range.parallel => {
                    let d = self.check_loop(*var, body, *span)?;
                    self.out.push(d);
                    self.block(body)?;
                }
                Stmt::If {
                    then_body,
                    else_body,
                    ..
                } => {
                    self.block(then_body)?;
                    self.block(else_body)?;
                }
                Stmt::Loop { body } | Stmt::For { body, .. } => self.block(body)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn check_loop(&self, var: LocalId, body: &Block, span: Span) -> Result<Decision, Diagnostic> {
        let inst = self.inst;
        let f = &inst.func;
        if let Some((at, what)) = escapes(body, 0) {
            return Err(Diagnostic::new(format!("`{what}` out of a `prange` loop"), at.unwrap_or(span), format!("`{what}` here"))
                .with_label(span, "in this parallel loop")
                .with_help("the iterations of `prange` run in parallel and in any order, so none can stop the others; use a serial `for` loop"));
        }
        if let Type::Scalar(s @ (Scalar::I128 | Scalar::U128)) = inst.local_ty(var) {
            return Err(Diagnostic::new(format!("a `prange` loop over a range of `{s}`"), span, "in this parallel loop")
                .with_help("the iterations of `prange` are counted in 64 bits: loop over a `usize` range and convert inside the body"));
        }
        let inside = Uses::of(f, body);
        // Scalars also used outside the body (or parameters) are shared with the code around it.
        let outer = |l: LocalId| f.params.contains(&l) || self.all.count(l) > inside.count(l);
        let mut written: Vec<LocalId> = inside
            .writes
            .keys()
            .copied()
            .filter(|&l| l != var && outer(l) && matches!(inst.local_ty(l), Type::Scalar(_)))
            .collect();
        written.sort();
        let mut shared_values: Vec<(&LocalId, Span)> = inside
            .writes
            .iter()
            .filter(|(&l, _)| outer(l) && !matches!(inst.local_ty(l), Type::Scalar(_)))
            .map(|(l, w)| (l, w[0].1))
            .collect();
        shared_values.sort_by_key(|(l, _)| **l);
        // An array of the code around the loop cannot move into one iteration.
        let mut moved: Vec<LocalId> = inside
            .reads
            .keys()
            .copied()
            .filter(|&l| outer(l) && inst.local_ty(l).owns())
            .collect();
        moved.sort();
        if let Some(&l) = moved.first() {
            let name = &f.local(l).name;
            return Err(Diagnostic::new(format!("cannot move `{name}` into one iteration of this `prange` loop"), span, "in this parallel loop")
                .with_help(format!("`{name}` belongs to the code around the loop: borrow it (`&{name}`, `&mut {name}`) or index it")));
        }
        if let Some((&l, at)) = shared_values.first() {
            let name = &f.local(l).name;
            return Err(Diagnostic::new(format!("`{name}` is declared outside this `prange` loop and assigned inside it"), *at, "a write of a shared variable")
                .with_label(span, "in this parallel loop")
                .with_help(format!("iterations run in parallel: declare `{name}` inside the loop body (`let mut {name} = ..`), one per iteration")));
        }
        let mut reductions = Vec::new();
        for l in written {
            match reduction_of(self.program, inst, l, &inside) {
                Ok(r) => reductions.push((l, r)),
                Err(d) => return Err(d.with_label(span, "in this parallel loop")),
            }
        }
        let accesses = access::collect(self.program, inst, var, body);
        let arrays = arrays::check(
            inst,
            var,
            span,
            &accesses,
            self.may_alias,
            f.attrs.unchecked_parallel,
        )?;
        Ok(Decision { reductions, arrays })
    }
}

/// The reduction that `l`'s writes in a body of `inst` (of `program`) form, or why they form none.
fn reduction_of(
    program: &TypedProgram,
    inst: &Instance,
    l: LocalId,
    inside: &Uses,
) -> Result<Reduce, Diagnostic> {
    let f = &inst.func;
    let name = &f.local(l).name;
    let writes = &inside.writes[&l];
    let mut op: Option<(Reduce, Span)> = None;
    for &(value, at) in writes {
        let Some(value) = value else {
            return Err(Diagnostic::new(format!("`{name}` is declared outside this `prange` loop and used as a loop variable inside it"), at, "a write of a shared variable")
                .with_help(format!("iterations run in parallel: declare the inner loop's variable inside the body instead of `{name}`")));
        };
        let Some((r, e)) = reduction_form(program, f, l, value) else {
            return Err(Diagnostic::new(format!("`{name}` is declared outside this `prange` loop and assigned inside it"), at, "not a reduction")
                .with_help(format!("iterations run in parallel and in any order: declare `{name}` inside the loop (`let {name} = ..`) for a value of one iteration, or {}", help_reduce(name))));
        };
        if reads_local(f, e, l) {
            return Err(Diagnostic::new(format!("the update of the reduction variable `{name}` reads `{name}` again"), at, format!("`{name}` appears on both sides"))
                .with_help(format!("a reduction adds (multiplies, ..) a value computed without `{name}`: each chunk of iterations holds only a partial `{name}`")));
        }
        if inst.local_ty(l) == Type::Scalar(Scalar::Bool) {
            return Err(Diagnostic::new(format!("`{name}` is a `bool` reduction of a `prange` loop, which is not supported"), at, "a `bool` reduction")
                .with_help(format!("count instead: make `{name}` an integer (`{name} |= (cond) as u32`) and compare it with zero after the loop")));
        }
        if r == Reduce::Mul && inst.local_ty(l).scalar().is_some_and(Scalar::is_complex) {
            return Err(Diagnostic::new(format!("`{name}` is a complex product reduction of a `prange` loop, which is not supported"), at, "a complex product")
                .with_help(format!("partial complex products do not combine part by part: multiply in a serial `for` loop, or add logarithms (`l += z.ln()` for each factor `z`, then `{name} *= l.exp()` after the loop; rounded differently)")));
        }
        match op {
            Some((prev, prev_at)) if prev != r => {
                return Err(Diagnostic::new(format!("the reduction variable `{name}` is updated with both `{}` and `{}`", prev.written(), r.written()), at, format!("`{}` here", r.written()))
                    .with_label(prev_at, format!("`{}` here", prev.written()))
                    .with_help("partial results of a `prange` loop combine with one operator: use one kind of update per variable"))
            }
            _ => op = Some((r, at)),
        }
    }
    // Each update reads `l` once; any other read sees a partial value.
    if inside.reads.get(&l).copied().unwrap_or(0) > writes.len() {
        let at = writes[0].1;
        return Err(Diagnostic::new(format!("`{name}` is a reduction variable of this `prange` loop and cannot be read inside it"), at, "updated as a reduction here")
            .with_help(format!("inside the loop each chunk of iterations holds only a partial `{name}`; read it after the loop")));
    }
    op.map(|(r, _)| r)
        .ok_or_else(|| Diagnostic::new("internal: reduction without updates", Span::default(), ""))
}

/// `s op e` / `s.min(e)` / `s.max(e)` for an assignment to `s`, or `e op s` / `e.min(s)` /
/// `e.max(s)` where the operator commutes (all but `-`): the operator and `e`. For a complex
/// `s`, `s op e` is a call of the prelude function computing `op` (`ir::complex`). Each chunk
/// runs the assignment as written on its own `s`, so either order gives its partial result.
fn reduction_form(
    program: &TypedProgram,
    f: &Function,
    s: LocalId,
    value: ExprId,
) -> Option<(Reduce, ExprId)> {
    let is_s = |e: ExprId| matches!(f.expr(e).kind, ExprKind::Local(l) if l == s);
    let (op, a, e) = match &f.expr(value).kind {
        ExprKind::Binary(op, a, e) => (*op, *a, *e),
        ExprKind::CallInst { inst, args } if args.len() == 2 => {
            let (op, ..) = complex::operator(&program.inst(*inst).func.name)?;
            (op, args[0], args[1])
        }
        ExprKind::Intrinsic {
            op: op @ (Intrinsic::Min | Intrinsic::Max),
            args,
        } if args.len() == 2 => {
            let r = if *op == Intrinsic::Min {
                Reduce::Min
            } else {
                Reduce::Max
            };
            return match (is_s(args[0]), is_s(args[1])) {
                (true, _) => Some((r, args[1])),
                (false, true) => Some((r, args[0])),
                _ => None,
            };
        }
        _ => return None,
    };
    let e = match (is_s(a), is_s(e)) {
        (true, _) => e,
        (false, true) if op != BinOp::Sub => a,
        _ => return None,
    };
    let r = match op {
        BinOp::Add | BinOp::Sub => Reduce::Add,
        BinOp::Mul => Reduce::Mul,
        BinOp::BitAnd => Reduce::And,
        BinOp::BitOr => Reduce::Or,
        BinOp::BitXor => Reduce::Xor,
        _ => return None,
    };
    Some((r, e))
}
