//! Loops over strided 1-D views, again for views of stride one: a slice or a lane of an array
//! is typed strided (`a.row(i)` of a C-order array is contiguous, `a.column(j)` is not, and one
//! local may hold either), so a loop reading `r = a.row(i)` computed each address from the
//! run-time stride, and LLVM's SLP vectorizer, which packs the partial results of `minmax` and
//! of ndarray's `unrolled_dot`, could not load consecutive elements as one vector. ndarray tests
//! the layout at run time and takes the contiguous path; so does this pass.
//!
//! In: a typed program after versioning. Out: the same program where an innermost loop that
//! loads, along its counter and unchecked (versioning's fast copy), from 1-D strided views `v`
//! that are slices (locals assigned only slices: not parameters, whose layout is their
//! signature's, strided only where they are not contiguous; not `types`' broadcast views)
//! becomes
//!
//! ```text
//! if is_standard_layout(v) && .. {       // stride 1 (or at most one element)
//!     v.unit = memory_order(v); ..       // the same elements, typed contiguous
//!     for j in a..b { B[v -> v.unit] }
//! } else {
//!     for j in a..b { B }
//! }
//! ```
//!
//! Both copies read the same elements in the same order: the same bits. A view qualifies when
//! the body only loads it and asks its shape (no store, no assignment, not passed on), and the
//! loop is not in the `else` branch of a test that already found it strided (`dot`'s expansion
//! tests the layout itself, as ndarray does).
//! `a.row(i).iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))` over 512 x 256 rows, with
//! `minmax` after it: 1.9x -> 1.0x rustc's time.

use super::{rewrite_for_loops, ForLoop};
use crate::ir::edit::block_exprs;
use crate::ir::walk::{array_operand, children, reads_local, Uses};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

pub fn run(p: &mut TypedProgram) {
    for inst in p.instances.values_mut() {
        let body = std::mem::take(&mut inst.func.body);
        let slices = slices(&inst.func, &body);
        let mut not_standard = HashMap::new();
        tested_not_standard(&inst.func, &body, &mut Vec::new(), &mut not_standard);
        inst.func.body = rewrite_for_loops(inst, body, &mut |inst, l, out| {
            let mut views = strided_views(inst, &l, &slices);
            if let Some(known) = not_standard.get(&l.var) {
                views.retain(|v| !known.contains(v));
            }
            if views.is_empty() {
                return Some(l);
            }
            out.push(versioned(inst, &views, l));
            None
        });
    }
}

/// The locals of `body` assigned only slices (`a.row(i)`, `a.slice(s![.., j])`): views that may
/// well have stride one. (Not the views that stretch an operand of an array expression onto
/// another's shape, `types`' broadcasts: those are often stride 0, and LLVM's loop vectorizer
/// versions their plain loops on the stride itself.)
fn slices(f: &Function, body: &Block) -> HashSet<LocalId> {
    let slice =
        |v: &Option<ExprId>| v.is_some_and(|v| matches!(f.expr(v).kind, ExprKind::Slice { .. }));
    Uses::of(f, body)
        .writes
        .into_iter()
        .filter(|(_, writes)| writes.iter().all(|(v, _)| slice(v)))
        .map(|(l, _)| l)
        .collect()
}

/// For each loop of `b` (by its variable) in the `else` branch of an `if is_standard_layout(v)`
/// that does not assign `v` (ndarray's own two paths, as the `dot` expansion writes them), the
/// views `v` known there not to be of stride one: a copy for stride one would never run, and
/// would only lengthen the code LLVM compiles. `outer`: the views known so at `b`.
fn tested_not_standard(
    f: &Function,
    b: &Block,
    outer: &mut Vec<LocalId>,
    known: &mut HashMap<LocalId, HashSet<LocalId>>,
) {
    for s in &b.stmts {
        match s {
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                tested_not_standard(f, then_body, outer, known);
                // Not where the branch assigns the view again.
                let tested = match f.expr(*cond).kind {
                    ExprKind::Shape {
                        array,
                        query: ShapeQuery::Standard,
                    } if !Uses::of(f, else_body).writes.contains_key(&array) => Some(array),
                    _ => None,
                };
                outer.extend(tested);
                tested_not_standard(f, else_body, outer, known);
                if tested.is_some() {
                    outer.pop();
                }
            }
            Stmt::For { var, body, .. } => {
                // Copies of a loop share its variable: what holds for all of them.
                let here: HashSet<LocalId> = outer.iter().copied().collect();
                known
                    .entry(*var)
                    .and_modify(|k| k.retain(|v| here.contains(v)))
                    .or_insert(here);
                tested_not_standard(f, body, outer, known);
            }
            Stmt::Loop { body } => tested_not_standard(f, body, outer, known),
            _ => {}
        }
    }
}

/// The views of the module doc that loop `l` loads from (none when it does not qualify);
/// `slices`: the function's locals that hold only slices.
fn strided_views(inst: &Instance, l: &ForLoop, slices: &HashSet<LocalId>) -> Vec<LocalId> {
    if l.range.parallel || l.range.cold || !innermost(&l.body) {
        return Vec::new();
    }
    let f = &inst.func;
    let strided = |v: LocalId| {
        matches!(inst.local_ty(v), Type::Array(a) if a.ndim == 1 && a.layout == Layout::Strided)
            && slices.contains(&v)
    };
    let mut along = HashSet::new();
    let mut disqualified = HashSet::new();
    let mut stack = Vec::new();
    block_exprs(&l.body, &mut stack);
    while let Some(e) = stack.pop() {
        let kind = &f.expr(e).kind;
        match kind {
            ExprKind::Load {
                array,
                index,
                checked,
            } => {
                if *checked {
                    disqualified.insert(*array);
                } else if index.iter().any(|&i| reads_local(f, i, l.var)) {
                    along.insert(*array);
                }
            }
            ExprKind::Local(v) => {
                disqualified.insert(*v);
            }
            ExprKind::Shape { .. } => {}
            k => disqualified.extend(array_operand(k)),
        }
        stack.extend(children(kind));
    }
    visit_stmts(&l.body, &mut |s| match s {
        Stmt::Store { array, .. } | Stmt::Update { array, .. } => {
            disqualified.insert(*array);
        }
        Stmt::Assign { local, .. } => {
            disqualified.insert(*local);
        }
        Stmt::Unpack { locals, .. } => disqualified.extend(locals.iter().flatten()),
        _ => {}
    });
    let mut views: Vec<LocalId> = along
        .into_iter()
        .filter(|v| strided(*v) && !disqualified.contains(v))
        .collect();
    views.sort_by_key(|v| v.index());
    views
}

/// No loop inside `b`.
fn innermost(b: &Block) -> bool {
    let mut loops = false;
    visit_stmts(b, &mut |s| {
        loops |= matches!(s, Stmt::For { .. } | Stmt::Loop { .. });
    });
    !loops
}

/// Calls `visit` on each statement of `b`, at any depth.
fn visit_stmts(b: &Block, visit: &mut impl FnMut(&Stmt)) {
    for s in &b.stmts {
        visit(s);
        match s {
            Stmt::If {
                then_body,
                else_body,
                ..
            } => {
                visit_stmts(then_body, visit);
                visit_stmts(else_body, visit);
            }
            Stmt::For { body, .. } | Stmt::Loop { body } => visit_stmts(body, visit),
            _ => {}
        }
    }
}

/// The loop `l` in two copies (module doc).
fn versioned(inst: &mut Instance, views: &[LocalId], l: ForLoop) -> Stmt {
    let mut b = inst.build(l.span);
    let mut test = None;
    let mut unit = Vec::new();
    let mut rename = HashMap::new();
    for &v in views {
        let standard = b.standard(v);
        test = Some(match test {
            None => standard,
            Some(t) => b.and(t, standard),
        });
        let value = b.memory_order(v);
        let ty = b.inst.ty(value);
        let name = format!("{}.unit", b.inst.func.local(v).name);
        let vu = b.temp(&name, ty);
        unit.push(b.assign(vu, value));
        rename.insert(v, vu);
    }
    let range = ForRange {
        start: b.copy(l.range.start),
        end: b.copy(l.range.end),
        ..l.range.clone()
    };
    let body = b.inst.copy_block(&l.body, &rename);
    unit.push(Stmt::For {
        var: l.var,
        range,
        body,
        span: l.span,
    });
    Stmt::If {
        cond: test.expect("one view at least"),
        then_body: Block { stmts: unit },
        else_body: Block {
            stmts: vec![l.into_stmt()],
        },
    }
}
