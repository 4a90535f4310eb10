//! A `match` on a tuple as a decision tree: one element tested at a time, each test shared by
//! every arm that needs it, as rustc lowers it.
//!
//! In: the reachable arms of a `match` whose patterns are tuples (or `_`, or one binding of the
//! whole) of integer or bool literals, ranges with literal bounds, `|` of those, `_` and bindings
//! (`n`, `n @ 1..=5`), with guards or without. Out: the scrutinee's elements in temporaries and
//! nested `if`s over them, each arm's bindings and body at every leaf that selects it. Other
//! matches keep `matching`'s chain of one `if` per arm.
//!
//! The tree is the classic one for pattern matrices (Maranget, "Compiling pattern matching to
//! good decision trees", 2008), first column first: the first arm's first tested element
//! splits the integers into intervals no pattern of that element's column cuts (a pattern's
//! values are then all in or all out of each); the intervals with the same arms, in order, share
//! one test and one subtree of those arms with that element's patterns dropped; values no
//! pattern of the column names go to the arms whose element matches anything. An arm that
//! matches everything left is a leaf; with a guard, the leaf tests it and continues with the arms
//! after it. The last reachable arm matches everything, as `matching` treats it (exhaustiveness
//! is checked there), so every subtree has an arm.
//!
//! Same arm for every value as the chain (the arms a value meets are the arms it matches, in
//! their order); fewer tests: `state = match (state, c) { (0, b'0'..=b'9') => .., (1, b'.') =>
//! .., .. }` tests `state` once, where the chain tests it once per arm. Which pays depends on
//! the loop around the match, so the tree is taken only where rustc's tree beats the chain:
//! - a scanner's state machine over random text (8 arms, the tuple `(state, byte)` with `state`
//!   carried from one byte to the next): the chain 1.41-1.63x rustc's time (each byte waits
//!   for every arm's test of the last byte's state), the tree 0.83-0.91x;
//! - signs of two arrays classified elementwise (`match (x[i].signum(), y[i].signum())`, no
//!   state): the chain 0.22-0.25x rustc (LLVM makes its tests selects, no branch to mispredict),
//!   the tree 0.87-0.93x (branches, as rustc's).
//!
//! So a match in a loop gets a tree only when the tuple names a `mut` local declared around the
//! innermost loop (state the loop may carry); outside loops always. A leaf lowers its arm's body
//! again, so a tree with more leaves than [`MAX_LEAVES`] per arm keeps the chain (four elements
//! of overlapping ranges and guards can make ten times as many leaves as arms).

use super::iter::strip_pat;
use super::matching::{closed, is_none_pattern};
use super::syntax::{int_literal, scalar_suffix, strip_parens};
use super::*;

/// Leaves a tree may have per arm (each leaf lowers its arm's body again), plus [`SLACK`].
const MAX_LEAVES: usize = 4;
const SLACK: usize = 8;

/// Closed intervals of integers (bools as 0 and 1), [`Int::MIN`] / [`Int::MAX`] for open ends.
type Intervals = Vec<(Int, Int)>;

/// What an element's pattern matches: `None` every value, else these intervals.
type Part = Option<Intervals>;

/// One arm as the tree sees it: what each element's pattern matches.
#[derive(Clone)]
struct Row {
    arm: usize,
    parts: Vec<Part>,
}

/// The type of a column's tests: bools, or integers (with the suffix a pattern gave them).
#[derive(Clone, Copy, PartialEq)]
enum Column {
    Untested,
    Bool,
    Int(Option<Scalar>),
}

/// A decision tree over the columns (the scrutinee's elements).
#[derive(Debug)]
enum Tree {
    /// The arm `arm`; with a guard, `otherwise` is where a failed guard goes.
    Arm {
        arm: usize,
        otherwise: Option<Box<Tree>>,
    },
    /// The first case whose intervals hold column `column`'s value, else `default`.
    Test {
        column: usize,
        cases: Vec<(Intervals, Tree)>,
        default: Box<Tree>,
    },
}

impl Tree {
    fn leaves(&self) -> usize {
        match self {
            Tree::Arm { otherwise, .. } => 1 + otherwise.as_ref().map_or(0, |t| t.leaves()),
            Tree::Test { cases, default, .. } => {
                cases.iter().map(|(_, t)| t.leaves()).sum::<usize>() + default.leaves()
            }
        }
    }
}

/// The tree of `rows` (`guarded[arm]`: the arm has a guard). `rows` ends with a row that
/// matches every value.
fn plan(rows: &[Row], guarded: &[bool]) -> Tree {
    let first = &rows[0];
    let Some(column) = first.parts.iter().position(Option::is_some) else {
        let otherwise =
            (guarded[first.arm] && rows.len() > 1).then(|| Box::new(plan(&rows[1..], guarded)));
        return Tree::Arm {
            arm: first.arm,
            otherwise,
        };
    };
    // The ends of the intervals no pattern of the column cuts.
    let mut cuts: Vec<Int> = rows
        .iter()
        .filter_map(|r| r.parts[column].as_ref())
        .flatten()
        .flat_map(|&(lo, hi)| [Some(lo), hi.succ()])
        .flatten()
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let within = |part: &Part, lo: Int, hi: Int| {
        part.as_ref()
            .is_none_or(|set| set.iter().any(|&(a, b)| a <= lo && hi <= b))
    };
    // Per group of intervals with the same arms: the intervals and those arms' rows.
    let mut cases: Vec<(Intervals, Vec<usize>)> = Vec::new();
    for (k, &lo) in cuts.iter().enumerate() {
        let hi = match cuts.get(k + 1) {
            Some(next) => next.pred().unwrap_or(*next),
            None => Int::MAX,
        };
        let matching: Vec<usize> = (0..rows.len())
            .filter(|&r| within(&rows[r].parts[column], lo, hi))
            .collect();
        if matching.iter().all(|&r| rows[r].parts[column].is_none()) {
            continue; // the default's arms
        }
        match cases.iter_mut().find(|(_, m)| *m == matching) {
            Some((intervals, _)) => match intervals.last_mut() {
                Some(last) if last.1.succ() == Some(lo) => last.1 = hi,
                _ => intervals.push((lo, hi)),
            },
            None => cases.push((vec![(lo, hi)], matching)),
        }
    }
    let rows_of = |matching: &[usize]| -> Vec<Row> {
        matching
            .iter()
            .map(|&r| {
                let mut row = rows[r].clone();
                row.parts[column] = None;
                row
            })
            .collect()
    };
    let default: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].parts[column].is_none())
        .collect();
    Tree::Test {
        column,
        cases: cases
            .into_iter()
            .map(|(intervals, matching)| (intervals, plan(&rows_of(&matching), guarded)))
            .collect(),
        default: Box::new(plan(&rows_of(&default), guarded)),
    }
}

impl FnLowerer<'_> {
    /// Lowers `arms` (a `match`'s reachable arms) over the tuple `expr` (in `scrutinee`) as a
    /// decision tree; `false` (nothing emitted) when the chain is kept: the patterns are not all
    /// ones the tree takes, the tree would copy bodies too often, or the match is in a loop and
    /// `expr` names no state that loop may carry (module doc).
    pub(super) fn match_tree(
        &mut self,
        expr: &syn::Expr,
        arms: &[syn::Arm],
        scrutinee: LocalId,
        target: Option<LocalId>,
    ) -> R<bool> {
        if !self.loops.is_empty() && !self.names_carried_state(expr) {
            return Ok(false);
        }
        if arms.iter().any(|a| !a.attrs.is_empty()) {
            return Ok(false);
        }
        let Some((rows, columns)) = self.rows(arms) else {
            return Ok(false);
        };
        if columns.len() < 2 {
            return Ok(false);
        }
        let guarded: Vec<bool> = arms.iter().map(|a| a.guard.is_some()).collect();
        let tree = plan(&rows, &guarded);
        if tree.leaves() > MAX_LEAVES * arms.len() + SLACK {
            return Ok(false);
        }
        let span = Span::of(&arms[0].pat);
        let mut locals = Vec::new();
        for (k, column) in columns.iter().enumerate() {
            let local = self.temp(span);
            if let Column::Int(Some(s)) = column {
                self.func.locals[local].ann = TypeAnn::Scalar(*s);
            }
            let whole = self.func.add_expr(ExprKind::Local(scrutinee), span);
            let read = self.func.add_expr(ExprKind::Field(whole, k as u32), span);
            self.emit(Stmt::Assign {
                local,
                value: read,
                span,
            });
            locals.push((local, *column));
        }
        self.lower_tree(&tree, arms, scrutinee, &locals, target)?;
        Ok(true)
    }

    /// The rows of `arms` and the columns' test types; `None` if a pattern is not one the tree
    /// takes. The last arm's row matches everything.
    fn rows(&self, arms: &[syn::Arm]) -> Option<(Vec<Row>, Vec<Column>)> {
        let mut rows = Vec::new();
        let mut columns: Option<Vec<Column>> = None;
        for (arm, a) in arms.iter().enumerate() {
            let cases: Vec<&syn::Pat> = match strip_pat(&a.pat) {
                syn::Pat::Or(o) => o.cases.iter().map(strip_pat).collect(),
                p => vec![p],
            };
            for p in cases {
                let elems: Option<Vec<&syn::Pat>> = match p {
                    syn::Pat::Tuple(t) => Some(t.elems.iter().collect()),
                    syn::Pat::Wild(_) => None,
                    syn::Pat::Ident(pi)
                        if pi.subpat.is_none() && pi.by_ref.is_none() && self.binds(pi) =>
                    {
                        None
                    }
                    _ => return None,
                };
                let Some(elems) = elems else {
                    rows.push(Row {
                        arm,
                        parts: Vec::new(),
                    });
                    continue;
                };
                let cols = columns.get_or_insert_with(|| vec![Column::Untested; elems.len()]);
                if elems.len() != cols.len() {
                    return None;
                }
                let mut parts = Vec::new();
                for (e, col) in elems.into_iter().zip(cols.iter_mut()) {
                    let mut kind = *col;
                    parts.push(self.part(e, &mut kind)?);
                    *col = kind;
                }
                rows.push(Row { arm, parts });
            }
        }
        let columns = columns?;
        for row in &mut rows {
            row.parts.resize(columns.len(), None);
            if row.arm == arms.len() - 1 {
                row.parts.fill(None);
            }
        }
        Some((rows, columns))
    }

    /// Whether an element of the tuple `expr` is a local the innermost loop may carry.
    fn names_carried_state(&self, expr: &syn::Expr) -> bool {
        let syn::Expr::Tuple(t) = strip_parens(expr) else {
            return false;
        };
        t.elems.iter().any(|e| match strip_parens(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|name| self.lookup(&name.to_string()))
                .is_some_and(|local| self.may_carry(local)),
            _ => false,
        })
    }

    /// Whether `pi` is a new binding (not a constant, not `None`).
    fn binds(&self, pi: &syn::PatIdent) -> bool {
        !is_none_pattern(pi) && !self.items.is_const(&pi.ident.to_string())
    }

    /// What an element's pattern matches, its test type added to `column` (`None`: not a
    /// pattern the tree takes, or a column of two types).
    fn part(&self, p: &syn::Pat, column: &mut Column) -> Option<Part> {
        let mut set = |kind: Column, intervals: Intervals| -> Option<Part> {
            match (*column, kind) {
                (Column::Untested, k) => *column = k,
                (Column::Int(None), Column::Int(s)) => *column = Column::Int(s),
                (Column::Int(Some(_)), Column::Int(None)) => {}
                (a, b) if a == b => {}
                _ => return None,
            }
            Some(Some(intervals))
        };
        match strip_pat(p) {
            syn::Pat::Wild(_) => Some(None),
            syn::Pat::Ident(pi) if self.binds(pi) && pi.by_ref.is_none() => match &pi.subpat {
                None => Some(None),
                Some((_, sub)) => self.part(sub, column),
            },
            syn::Pat::Lit(l) => match &l.lit {
                syn::Lit::Bool(b) => {
                    let v = Int::from(u128::from(b.value));
                    set(Column::Bool, vec![(v, v)])
                }
                lit @ (syn::Lit::Int(_) | syn::Lit::Byte(_)) => {
                    let v = int_literal(&syn::Expr::Lit(l.clone()))?;
                    set(Column::Int(int_suffix(lit)?), vec![(v, v)])
                }
                _ => None,
            },
            syn::Pat::Range(r) => {
                let bound = |e: &Option<Box<syn::Expr>>,
                             open: Int|
                 -> Option<(Int, Option<Scalar>)> {
                    match e.as_deref().map(strip_parens) {
                        None => Some((open, None)),
                        Some(e @ syn::Expr::Lit(l)) => Some((int_literal(e)?, int_suffix(&l.lit)?)),
                        Some(e) => Some((int_literal(e)?, None)),
                    }
                };
                let (lo, s1) = bound(&r.start, Int::MIN)?;
                let (hi, s2) = bound(&r.end, Int::MAX)?;
                // An empty range or two suffixes: `matching` reports it.
                let interval =
                    closed(r, lo, hi).filter(|_| s1.is_none() || s2.is_none() || s1 == s2)?;
                set(Column::Int(s1.or(s2)), vec![interval])
            }
            syn::Pat::Or(o) => {
                let mut all = Vec::new();
                for case in &o.cases {
                    all.extend(self.part(case, column)??);
                }
                Some(Some(all))
            }
            _ => None,
        }
    }

    fn lower_tree(
        &mut self,
        tree: &Tree,
        arms: &[syn::Arm],
        scrutinee: LocalId,
        columns: &[(LocalId, Column)],
        target: Option<LocalId>,
    ) -> R<()> {
        match tree {
            Tree::Arm { arm, otherwise } => {
                self.arm_then(&arms[*arm], scrutinee, target, false, |l| match otherwise {
                    Some(rest) => l.lower_tree(rest, arms, scrutinee, columns, target),
                    None => Ok(()),
                })
            }
            Tree::Test {
                column,
                cases,
                default,
            } => self.lower_cases(
                cases,
                default,
                arms,
                scrutinee,
                columns[*column],
                columns,
                target,
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_cases(
        &mut self,
        cases: &[(Intervals, Tree)],
        default: &Tree,
        arms: &[syn::Arm],
        scrutinee: LocalId,
        (local, column): (LocalId, Column),
        columns: &[(LocalId, Column)],
        target: Option<LocalId>,
    ) -> R<()> {
        let Some(((intervals, tree), rest)) = cases.split_first() else {
            return self.lower_tree(default, arms, scrutinee, columns, target);
        };
        let span = self.func.locals[local].span;
        let mut cond = None;
        for &(lo, hi) in intervals {
            let t = self.interval_test(local, column, lo, hi, span);
            cond = Some(match cond {
                None => t,
                Some(c) => self
                    .func
                    .add_expr(ExprKind::Logical(LogicOp::Or, c, t), span),
            });
        }
        let cond = cond.expect("a case has an interval");
        let (then_body, ()) =
            self.nested(|l| l.lower_tree(tree, arms, scrutinee, columns, target))?;
        let (else_body, ()) = self.nested(|l| {
            l.lower_cases(
                rest,
                default,
                arms,
                scrutinee,
                (local, column),
                columns,
                target,
            )
        })?;
        self.emit(Stmt::If {
            cond,
            then_body,
            else_body,
        });
        Ok(())
    }

    /// `lo <= local && local <= hi`, without the sides an open end leaves out.
    fn interval_test(
        &mut self,
        local: LocalId,
        column: Column,
        lo: Int,
        hi: Int,
        span: Span,
    ) -> ExprId {
        let value = |l: &mut Self, v: Int| {
            let lit = match column {
                Column::Bool => Lit::Bool(v != Int::from(0u128)),
                Column::Int(suffix) => Lit::Int(IntLit::of(v), suffix),
                Column::Untested => unreachable!("a tested column has a type"),
            };
            l.func.add_expr(ExprKind::Lit(lit), span)
        };
        let compare = |l: &mut Self, op: BinOp, v: Int| {
            let v = value(l, v);
            l.compare(op, local, v, span)
        };
        if lo == hi {
            return compare(self, BinOp::Eq, lo);
        }
        let low = (lo != Int::MIN).then(|| compare(self, BinOp::Ge, lo));
        let high = (hi != Int::MAX).then(|| compare(self, BinOp::Le, hi));
        self.within(low, high, span)
    }
}

/// The integer type a literal's suffix names (a byte literal's `u8`); `None` outside: a float
/// suffix or an unknown one (the tree leaves those to `matching`).
fn int_suffix(lit: &syn::Lit) -> Option<Option<Scalar>> {
    match lit {
        syn::Lit::Byte(_) => Some(Some(Scalar::U8)),
        syn::Lit::Int(i) => scalar_suffix(i.suffix(), lit)
            .ok()
            .filter(|s| !s.is_some_and(Scalar::is_float)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small generator (the tests need no quality, only variety).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn int(&mut self) -> i128 {
            self.below(9) as i128 - 4
        }
    }

    fn int(v: i128) -> Int {
        Int::from(v)
    }

    /// The arm the tree picks for `values`, with `guard` deciding the guarded arms.
    fn walk(tree: &Tree, values: &[Int], guard: &dyn Fn(usize) -> bool) -> usize {
        match tree {
            Tree::Arm { arm, otherwise } => match otherwise {
                Some(rest) if !guard(*arm) => walk(rest, values, guard),
                _ => *arm,
            },
            Tree::Test {
                column,
                cases,
                default,
            } => {
                let v = values[*column];
                let case = cases
                    .iter()
                    .find(|(intervals, _)| intervals.iter().any(|&(lo, hi)| lo <= v && v <= hi));
                walk(case.map_or(&**default, |(_, t)| t), values, guard)
            }
        }
    }

    /// The first row whose parts hold `values` and whose guard (if any) holds: `match`'s rule.
    fn first(
        rows: &[Row],
        guarded: &[bool],
        values: &[Int],
        guard: &dyn Fn(usize) -> bool,
    ) -> usize {
        rows.iter()
            .find(|r| {
                let holds = r.parts.iter().zip(values).all(|(p, v)| {
                    p.as_ref()
                        .is_none_or(|s| s.iter().any(|&(lo, hi)| lo <= *v && *v <= hi))
                });
                holds && (!guarded[r.arm] || guard(r.arm))
            })
            .expect("the last row matches everything")
            .arm
    }

    #[test]
    fn trees_pick_the_first_matching_arm() {
        let mut g = Lcg(7);
        for _ in 0..300 {
            let columns = 1 + g.below(3) as usize;
            let arms = 1 + g.below(6) as usize;
            let guarded: Vec<bool> = (0..=arms).map(|a| a < arms && g.below(3) == 0).collect();
            let mut rows = Vec::new();
            for arm in 0..arms {
                // An arm of one to two rows (`|` of tuples), each element `_`, a value, an
                // interval (open ends included) or two of those.
                for _ in 0..1 + g.below(2) {
                    let parts = (0..columns)
                        .map(|_| match g.below(5) {
                            0 | 1 => None,
                            2 => Some(vec![(int(g.int()), int(g.int()))])
                                .filter(|s| s[0].0 <= s[0].1)
                                .or(Some(vec![(Int::MIN, int(0))])),
                            3 => Some(vec![(int(g.int()), Int::MAX)]),
                            _ => {
                                let (a, b) = (int(g.int()), int(g.int()));
                                Some(vec![(a, a), (b, b)])
                            }
                        })
                        .collect();
                    rows.push(Row { arm, parts });
                }
            }
            rows.push(Row {
                arm: arms,
                parts: vec![None; columns],
            });
            let tree = plan(&rows, &guarded);
            let mut values = vec![int(-5); columns];
            let combos = 11u32.pow(columns as u32);
            for k in 0..combos {
                let mut rest = k;
                for v in values.iter_mut() {
                    *v = int((rest % 11) as i128 - 5);
                    rest /= 11;
                }
                for passes in [0u32, 0b1010_1010, u32::MAX] {
                    let guard = |arm: usize| passes >> arm & 1 == 1;
                    assert_eq!(
                        walk(&tree, &values, &guard),
                        first(&rows, &guarded, &values, &guard),
                        "{values:?} guards {passes:b}: {tree:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn tests_are_shared_by_the_arms_that_need_them() {
        // `(0, 1) => a, (0, 2) => b, (1, _) => c, _ => d`: one test of the first element's 0.
        let point = |v| Some(vec![(int(v), int(v))]);
        let rows = vec![
            Row {
                arm: 0,
                parts: vec![point(0), point(1)],
            },
            Row {
                arm: 1,
                parts: vec![point(0), point(2)],
            },
            Row {
                arm: 2,
                parts: vec![point(1), None],
            },
            Row {
                arm: 3,
                parts: vec![None, None],
            },
        ];
        let tree = plan(&rows, &[false; 4]);
        let Tree::Test {
            column: 0, cases, ..
        } = &tree
        else {
            panic!("{tree:?}")
        };
        assert_eq!(cases.len(), 2, "{tree:?}");
        assert_eq!(tree.leaves(), 5, "{tree:?}");
    }
}
