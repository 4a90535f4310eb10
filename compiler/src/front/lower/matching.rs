//! `match` on integer, bool and float values: literal patterns (`1`, `-3`, `true`, `0.5`), ranges
//! (`3..=9`, `..=2`, `10..`, `0..8`), alternatives (`1 | 2`), constants (`N`, `i32::MAX`), `_`,
//! bindings (`n`, `n @ 1..=5`) and guards (`if c`), as a statement or a value; on tuples,
//! `(p, q, ..)` (each element's pattern tested on it); on `Option` values, `Some(p)` (`p` tested
//! on the value) and `None` (patterns that `if let`, `while let` and `let .. else` share,
//! `front::lower::option`).
//!
//! In: a `syn::ExprMatch`. Out: the scrutinee in a temporary and a chain of `if`s over it, one per
//! arm in order (an arm's bindings are locals assigned from the temporary, visible in its guard and
//! body), the last reachable arm without a test. Exhaustiveness is checked as rustc checks it: an
//! arm without a guard whose pattern matches anything ends the match; otherwise `true` and
//! `false` must both be covered, or `Some(_)` and `None`, or the integer ranges must cover a whole
//! integer type (then the scrutinee is given that type: `0..=255` covers `u8` only); anything else
//! is an error naming what is not covered. A tuple pattern covers everything when each of its
//! elements does, and tuple patterns whose other elements match anything cover everything
//! when they cover `true` and `false` (or `Some` and `None`) of their one element; other sets of
//! tuple patterns that cover every value together still need a `_` arm.

use super::syntax::{int_literal, strip_parens};
use super::*;

const PATTERN_HINT: &str = "match integers, bools and floats against literals (`1`, `true`), \
    ranges (`3..=9`, `..=2`), alternatives (`1 | 2`), constants, `_` and bindings (`n @ 1..=5`), \
    and `Option`s against `Some(p)` and `None`";

/// What the arms' patterns cover (guarded arms count for nothing, as in rustc).
#[derive(Default)]
struct Cover {
    /// A pattern that matches every value (`_`, a binding).
    all: bool,
    bools: [bool; 2],
    /// Closed integer intervals; [`Int::MIN`]/[`Int::MAX`] stand for unbounded ends.
    ints: Vec<(Int, Int)>,
    /// `Some(p)` with a `p` that matches every value, and `None`.
    some: bool,
    none: bool,
    /// Per element of a tuple: what the tuple patterns whose other elements match every value
    /// cover of it (`(n, true)` and `(n, false)` cover `(i32, bool)`).
    parts: Vec<Cover>,
}

/// The integer types a `match` can cover without `_` by their bounds (`usize`/`isize` only
/// without end: [`Cover::int_types`]).
const COVERABLE: [Scalar; 10] = [
    Scalar::I8,
    Scalar::U8,
    Scalar::I16,
    Scalar::U16,
    Scalar::I32,
    Scalar::U32,
    Scalar::I64,
    Scalar::U64,
    Scalar::I128,
    Scalar::U128,
];

impl Cover {
    fn bools_covered(&self) -> bool {
        self.bools == [true, true]
    }

    fn options_covered(&self) -> bool {
        self.some && self.none
    }

    /// Whether the tuple patterns cover every tuple through one element (bools or `Option`s;
    /// integer elements need `_`).
    fn tuples_covered(&self) -> bool {
        self.parts
            .iter()
            .any(|p| p.all || p.bools_covered() || p.options_covered() || p.tuples_covered())
    }

    fn merge(&mut self, other: Cover) {
        self.all |= other.all;
        self.bools[0] |= other.bools[0];
        self.bools[1] |= other.bools[1];
        self.ints.extend(other.ints);
        self.some |= other.some;
        self.none |= other.none;
        for (k, p) in other.parts.into_iter().enumerate() {
            if self.parts.len() <= k {
                self.parts.resize_with(k + 1, Cover::default);
            }
            self.parts[k].merge(p);
        }
    }

    /// The integer types whose every value the intervals cover: `usize` (`isize`) when they
    /// reach without end above 0 (and below), as rustc counts them (`1..` covers `usize`,
    /// `1..=usize::MAX` does not).
    fn int_types(&self) -> Vec<Scalar> {
        let covers = |lo: Int, hi: Int| self.gaps(lo, hi).is_empty();
        let mut types: Vec<Scalar> = COVERABLE
            .into_iter()
            .filter(|t| {
                let (lo, hi) = t.int_range();
                covers(lo, hi)
            })
            .collect();
        if covers(Int::from(0u128), Int::MAX) {
            types.push(Scalar::Usize);
        }
        if covers(Int::MIN, Int::MAX) {
            types.push(Scalar::Isize);
        }
        types
    }

    /// The values of `lo..=hi` no interval covers, as intervals.
    fn gaps(&self, lo: Int, hi: Int) -> Vec<(Int, Int)> {
        let mut ints = self.ints.clone();
        ints.sort_unstable();
        let mut gaps = Vec::new();
        let mut next = lo;
        for (a, b) in ints {
            // `a > next` has a value before it; `b < hi` one after it.
            match a.pred() {
                Some(before) if a > next => gaps.push((next, before.min(hi))),
                _ => {}
            }
            match b.succ() {
                Some(after) if b < hi => next = next.max(after),
                _ => return gaps,
            }
        }
        gaps.push((next, hi));
        gaps
    }

    /// What a non-exhaustive match leaves out, as rustc words it (without the type, which the
    /// front end does not know).
    fn missing(&self) -> String {
        let quote = |s: String| format!("`{s}`");
        let list: Vec<String> = if self.some || self.none {
            let missing = if self.some { "None" } else { "Some(_)" };
            vec![quote(missing.into())]
        } else if self.bools.iter().any(|&b| b) {
            [true, false]
                .into_iter()
                .filter(|b| !self.bools[usize::from(*b)])
                .map(|b| quote(b.to_string()))
                .collect()
        } else if self.ints.is_empty() {
            vec![quote("_".into())]
        } else {
            self.gaps(Int::MIN, Int::MAX)
                .into_iter()
                .map(|(a, b)| {
                    quote(match (a == Int::MIN, b == Int::MAX) {
                        (true, true) => "_".into(),
                        (true, false) => format!("..={b}"),
                        (false, true) => format!("{a}.."),
                        (false, false) if a == b => a.to_string(),
                        (false, false) => format!("{a}..={b}"),
                    })
                })
                .collect()
        };
        match list.as_slice() {
            [one] => format!("pattern {one}"),
            [init @ .., last] if init.len() < 3 => {
                format!("patterns {} and {last}", init.join(", "))
            }
            _ => format!(
                "patterns {} and {} more",
                list[..3].join(", "),
                list.len() - 3
            ),
        }
    }
}

/// Whether an arm's pattern matched, as an expression (`None`: it matches every value).
type Test = Option<ExprId>;

impl FnLowerer<'_> {
    /// Lowers a `match`; with `target`, each arm's value is assigned to it.
    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch, target: Option<LocalId>) -> R<()> {
        if let Some(a) = m.attrs.first() {
            return Err(FrontError::new(
                a,
                "attributes on `match` are not supported",
            ));
        }
        let last = self.reachable_arms(m)?;
        let at = Span::of(&*m.expr);
        let value = self.expr_value(&m.expr)?;
        let scrutinee = self.temp(at);
        if let Some(ann) = last.1 {
            self.func.locals[scrutinee].ann = ann;
        }
        self.emit(Stmt::Assign {
            local: scrutinee,
            value,
            span: at,
        });
        let arms = &m.arms[..=last.0];
        if self.match_tree(&m.expr, arms, scrutinee, target)? {
            return Ok(());
        }
        self.arms(arms, scrutinee, target)
    }

    /// The index of the arm after which no value is left (later arms are unreachable), and the
    /// integer type the scrutinee must have for the match to be exhaustive, if that is how.
    /// Integer arms are exhaustive for the types they cover together (one type is given to the
    /// scrutinee: `0..=255` covers `u8` only), and unreachable after the arm that completes
    /// them all (`0.. => a, ..=-1 => b` keeps `b`: `0..` alone covers the unsigned types).
    fn reachable_arms(&self, m: &syn::ExprMatch) -> R<(usize, Option<TypeAnn>)> {
        let mut cover = Cover::default();
        // Per arm without a guard, how many integer types are covered up to it.
        let mut counts = Vec::new();
        let mut bools = None;
        for (i, arm) in m.arms.iter().enumerate() {
            if arm.guard.is_some() {
                continue;
            }
            self.cover(&arm.pat, &mut cover);
            if cover.all {
                return Ok((i, None));
            }
            if cover.options_covered() || cover.tuples_covered() {
                return Ok((i, None));
            }
            if bools.is_none() && cover.bools_covered() {
                bools = Some(i);
            }
            counts.push((i, cover.int_types().len()));
        }
        if let Some(i) = bools {
            return Ok((i, None));
        }
        let types = cover.int_types();
        let last = counts.iter().find(|&&(_, n)| n > 0 && n == types.len());
        match (last, types.as_slice()) {
            (Some(&(i, _)), [one]) => Ok((i, Some(TypeAnn::Scalar(*one)))),
            (Some(&(i, _)), several) => Ok((i, Some(TypeAnn::one_of(several)))),
            (None, _) => Err(FrontError::new(
                &m.expr,
                format!("non-exhaustive patterns: {} not covered", cover.missing()),
            )
            .hint("add an arm `_ => ..` for the values no pattern covers (a `match` must cover every value of its type, as in Rust)")),
        }
    }

    /// Adds what a pattern covers; patterns that [`Self::pattern`] rejects cover nothing.
    fn cover(&self, p: &syn::Pat, c: &mut Cover) {
        match p {
            syn::Pat::Wild(_) => c.all = true,
            syn::Pat::Paren(p) => self.cover(&p.pat, c),
            syn::Pat::Or(o) => o.cases.iter().for_each(|p| self.cover(p, c)),
            syn::Pat::Ident(pi) if is_none_pattern(pi) => c.none = true,
            // A tuple pattern covers every value when each element's does, and adds to what
            // is covered of its one element that does not (other sets of tuple patterns that
            // cover every value only together need `_`).
            syn::Pat::Tuple(t) => {
                let parts: Vec<Cover> = t
                    .elems
                    .iter()
                    .map(|e| {
                        let mut part = Cover::default();
                        self.cover(e, &mut part);
                        part
                    })
                    .collect();
                let open: Vec<usize> = (0..parts.len()).filter(|&k| !parts[k].all).collect();
                match open.as_slice() {
                    [] => c.all = true,
                    &[k] => {
                        let mut one = Cover::default();
                        one.parts.resize_with(parts.len(), Cover::default);
                        one.parts[k] = parts.into_iter().nth(k).unwrap_or_default();
                        c.merge(one);
                    }
                    _ => {}
                }
            }
            syn::Pat::TupleStruct(ts) => {
                if let Some(inner) = some_pattern(ts) {
                    let inner = match inner {
                        syn::Pat::Reference(r) => &*r.pat,
                        p => p,
                    };
                    let mut value = Cover::default();
                    self.cover(inner, &mut value);
                    c.some |= value.all;
                }
            }
            syn::Pat::Ident(pi) => match &pi.subpat {
                Some((_, sub)) => self.cover(sub, c),
                None if self.items.is_const(&pi.ident.to_string()) => {
                    let path = syn::Path::from(pi.ident.clone());
                    if let Some(v) = self.items.int_value(&path) {
                        c.ints.push((v, v));
                    }
                }
                None => c.all = true,
            },
            syn::Pat::Lit(l) => match &l.lit {
                syn::Lit::Bool(b) => c.bools[usize::from(b.value)] = true,
                _ => {
                    if let Some(v) = int_literal(&syn::Expr::Lit(l.clone())) {
                        c.ints.push((v, v));
                    }
                }
            },
            syn::Pat::Path(p) => {
                if let Some(v) = self.items.int_value(&p.path) {
                    c.ints.push((v, v));
                }
            }
            syn::Pat::Range(r) => {
                let bound = |e: &Option<Box<syn::Expr>>, open: Int| match e.as_deref() {
                    None => Some(open),
                    Some(syn::Expr::Path(p)) => self.items.int_value(&p.path),
                    Some(e) => int_literal(e),
                };
                let (Some(lo), Some(hi)) = (bound(&r.start, Int::MIN), bound(&r.end, Int::MAX))
                else {
                    return;
                };
                if let Some(interval) = closed(r, lo, hi) {
                    c.ints.push(interval);
                }
            }
            _ => {}
        }
    }

    /// `matches!(e, p)` and `matches!(e, p if g)`: the value of `match e { p if g => true,
    /// _ => false }`.
    pub(super) fn matches_macro(&mut self, m: &syn::ExprMacro) -> R<ExprId> {
        let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
            let e: syn::Expr = input.parse()?;
            input.parse::<syn::Token![,]>()?;
            let p = syn::Pat::parse_multi_with_leading_vert(input)?;
            let guard = match input.parse::<Option<syn::Token![if]>>()? {
                Some(_) => Some(input.parse::<syn::Expr>()?),
                None => None,
            };
            input.parse::<Option<syn::Token![,]>>()?;
            Ok((e, p, guard))
        });
        let (e, p, guard) = parsed.map_err(|err| {
            FrontError::new(m, format!("unsupported `matches!`: {err}"))
                .hint("write `matches!(value, pattern)` or `matches!(value, pattern if condition)`")
        })?;
        let guard = guard.map(|g| quote::quote!(if #g));
        let tokens = quote::quote_spanned!(syn::spanned::Spanned::span(&m.mac.path)=> match #e { #p #guard => true, _ => false });
        let desugared: syn::ExprMatch = syn::parse2(tokens)
            .map_err(|err| FrontError::new(m, format!("unsupported `matches!`: {err}")))?;
        let t = self.temp(Span::of(m));
        self.match_expr(&desugared, Some(t))?;
        Ok(self.expr(ExprKind::Local(t), m))
    }

    /// Lowers `arms` into the current block: the first one's test, then its body or the rest.
    fn arms(&mut self, arms: &[syn::Arm], scrutinee: LocalId, target: Option<LocalId>) -> R<()> {
        let Some((arm, rest)) = arms.split_first() else {
            return Ok(());
        };
        let test = !rest.is_empty() || arm.guard.is_some();
        self.arm_then(arm, scrutinee, target, test, |l| {
            l.arms(rest, scrutinee, target)
        })
    }

    /// Lowers `arm` into the current block: its test (its pattern's, with `test`, and its
    /// guard's), then its body, or else `otherwise`.
    pub(super) fn arm_then(
        &mut self,
        arm: &syn::Arm,
        scrutinee: LocalId,
        target: Option<LocalId>,
        test: bool,
        otherwise: impl FnOnce(&mut Self) -> R<()>,
    ) -> R<()> {
        if let Some(a) = arm.attrs.first() {
            return Err(FrontError::new(
                a,
                "attributes on `match` arms are not supported",
            ));
        }
        // The arm's bindings are visible in its guard and body only.
        self.scopes.push(Vec::new());
        let tested = self.arm_test(arm, scrutinee, test);
        let result = match tested {
            Err(e) => Err(e),
            Ok(None) => self.arm_body(&arm.body, target).map(|(b, ())| {
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(b.stmts);
                }
                None
            }),
            Ok(Some(cond)) => self
                .arm_body(&arm.body, target)
                .map(|(then_body, ())| Some((cond, then_body))),
        };
        self.scopes.pop();
        if let Some((cond, then_body)) = result? {
            let (else_body, ()) = self.nested(otherwise)?;
            self.emit(Stmt::If {
                cond,
                then_body,
                else_body,
            });
        }
        Ok(())
    }

    /// An arm's pattern test (with `test`: the last reachable arm needs none) and guard.
    fn arm_test(&mut self, arm: &syn::Arm, scrutinee: LocalId, test: bool) -> R<Test> {
        let test = self.pattern(&arm.pat, scrutinee, false, test)?;
        let Some((_, guard)) = &arm.guard else {
            return Ok(test);
        };
        if !self.needs_stmts(guard) {
            let g = self.expr_value(guard)?;
            return Ok(Some(match test {
                None => g,
                Some(t) => self.func.add_expr(
                    ExprKind::Logical(LogicOp::And, t, g),
                    Span::of(&arm.pat).to(Span::of(&**guard)),
                ),
            }));
        }
        // A guard with statements runs them only when the pattern matched.
        let span = Span::of(&**guard);
        let ok = self.temp(span);
        self.func.locals[ok].ann = TypeAnn::Scalar(Scalar::Bool);
        let start = match test {
            Some(t) => t,
            None => self.func.add_expr(ExprKind::Lit(Lit::Bool(true)), span),
        };
        self.emit(Stmt::Assign {
            local: ok,
            value: start,
            span,
        });
        let (then_body, ()) = self.nested(|l| {
            let g = l.expr_value(guard)?;
            l.emit(Stmt::Assign {
                local: ok,
                value: g,
                span,
            });
            Ok(())
        })?;
        let cond = self.func.add_expr(ExprKind::Local(ok), span);
        self.emit(Stmt::If {
            cond,
            then_body,
            else_body: Block::default(),
        });
        Ok(Some(self.func.add_expr(ExprKind::Local(ok), span)))
    }

    /// An arm's body in a block of its own: its value (with `target`) or its effects.
    fn arm_body(&mut self, body: &syn::Expr, target: Option<LocalId>) -> R<(Block, ())> {
        self.nested(|l| match (target, strip_parens(body)) {
            (_, syn::Expr::Block(b)) if b.label.is_none() && b.attrs.is_empty() => {
                l.arm(&b.block, target)
            }
            (None, e)
            | (
                Some(_),
                e @ (syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_)),
            ) => l.stmt_expr(e),
            (Some(t), e) => {
                let value = l.expr_value(e)?;
                l.emit(Stmt::Assign {
                    local: t,
                    value,
                    span: Span::of(e),
                });
                Ok(())
            }
        })
    }

    /// The test of a pattern against the scrutinee (none unless `test`: the last reachable arm
    /// needs none); bindings are declared in the current scope and assigned (`in_or`: inside
    /// `|`, where bindings are not supported).
    pub(super) fn pattern(
        &mut self,
        p: &syn::Pat,
        scrutinee: LocalId,
        in_or: bool,
        test: bool,
    ) -> R<Test> {
        let span = Span::of(p);
        let refutable = matches!(
            p,
            syn::Pat::Lit(_) | syn::Pat::Path(_) | syn::Pat::Range(_) | syn::Pat::Or(_)
        ) || matches!(p, syn::Pat::Ident(pi) if is_none_pattern(pi) || (pi.subpat.is_none() && self.items.is_const(&pi.ident.to_string())));
        if refutable && !test {
            if let syn::Pat::Or(o) = p {
                for case in &o.cases {
                    self.pattern(case, scrutinee, true, false)?;
                }
            }
            return Ok(None);
        }
        match p {
            syn::Pat::Wild(_) => Ok(None),
            syn::Pat::Paren(inner) => self.pattern(&inner.pat, scrutinee, in_or, test),
            syn::Pat::Ident(pi) if is_none_pattern(pi) => {
                let o = self.func.add_expr(ExprKind::Local(scrutinee), span);
                let some = self
                    .func
                    .add_expr(ExprKind::Option(OptionOp::IsSome(o)), span);
                Ok(Some(
                    self.func.add_expr(ExprKind::Unary(UnOp::Not, some), span),
                ))
            }
            syn::Pat::TupleStruct(ts) if some_pattern(ts).is_some() => {
                let inner = match some_pattern(ts) {
                    // `Some(&v)`: the `Option<&T>` of `x.get(i)`, whose value is read.
                    Some(syn::Pat::Reference(r)) if r.mutability.is_none() => &*r.pat,
                    Some(inner) => inner,
                    None => p,
                };
                // The value (zero in a `None`) in a temporary the inner pattern tests and binds.
                let value = self.temp(span);
                let o = self.func.add_expr(ExprKind::Local(scrutinee), span);
                let read = self
                    .func
                    .add_expr(ExprKind::Option(OptionOp::Value(o)), span);
                self.emit(Stmt::Assign {
                    local: value,
                    value: read,
                    span,
                });
                let inner = self.pattern(inner, value, in_or, test)?;
                if !test {
                    return Ok(None);
                }
                let o = self.func.add_expr(ExprKind::Local(scrutinee), span);
                let some = self
                    .func
                    .add_expr(ExprKind::Option(OptionOp::IsSome(o)), span);
                Ok(Some(match inner {
                    None => some,
                    Some(t) => self
                        .func
                        .add_expr(ExprKind::Logical(LogicOp::And, some, t), span),
                }))
            }
            syn::Pat::Ident(pi)
                if pi.subpat.is_none() && self.items.is_const(&pi.ident.to_string()) =>
            {
                let path = syn::Path::from(pi.ident.clone());
                self.equals(scrutinee, &path, pi).map(Some)
            }
            syn::Pat::Ident(pi) => {
                if pi.by_ref.is_some() {
                    return Err(FrontError::new(p, "`ref` bindings are not supported")
                        .hint("bind by value: `n` or `n @ 1..=5`"));
                }
                if in_or {
                    return Err(FrontError::new(
                        p,
                        "bindings inside `|` patterns are not supported",
                    )
                    .hint("bind the whole value: `n @ (1 | 2)`"));
                }
                let test = match &pi.subpat {
                    Some((_, sub)) => self.pattern(sub, scrutinee, false, test)?,
                    None => None,
                };
                let local = self.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true);
                let value = self.func.add_expr(ExprKind::Local(scrutinee), span);
                self.emit(Stmt::Assign { local, value, span });
                Ok(test)
            }
            syn::Pat::Lit(l) => {
                let value = self.pattern_literal(&l.lit, l)?;
                Ok(Some(self.compare(BinOp::Eq, scrutinee, value, span)))
            }
            syn::Pat::Path(pp) if pp.qself.is_none() => {
                self.equals(scrutinee, &pp.path, pp).map(Some)
            }
            syn::Pat::Range(r) => self.range(r, scrutinee).map(Some),
            syn::Pat::Or(o) => {
                let mut cover = Cover::default();
                self.cover(p, &mut cover);
                if cover.all {
                    for case in &o.cases {
                        self.pattern(case, scrutinee, true, false)?;
                    }
                    return Ok(None);
                }
                let mut test: Option<ExprId> = None;
                for case in &o.cases {
                    let Some(t) = self.pattern(case, scrutinee, true, true)? else {
                        continue;
                    };
                    test = Some(match test {
                        None => t,
                        Some(prev) => self
                            .func
                            .add_expr(ExprKind::Logical(LogicOp::Or, prev, t), span),
                    });
                }
                Ok(test)
            }
            syn::Pat::Tuple(t) => {
                let mut all: Option<ExprId> = None;
                for (k, elem) in t.elems.iter().enumerate() {
                    if let syn::Pat::Rest(r) = elem {
                        return Err(FrontError::new(r, "`..` in a tuple pattern is not supported")
                            .hint("write one pattern per element (`_` for any value)"));
                    }
                    // Each element in a temporary its pattern tests and binds.
                    let part = self.temp(Span::of(elem));
                    let whole = self.func.add_expr(ExprKind::Local(scrutinee), span);
                    let read = self.func.add_expr(ExprKind::Field(whole, k as u32), span);
                    self.emit(Stmt::Assign {
                        local: part,
                        value: read,
                        span,
                    });
                    let Some(t) = self.pattern(elem, part, in_or, test)? else {
                        continue;
                    };
                    all = Some(match all {
                        None => t,
                        Some(prev) => self
                            .func
                            .add_expr(ExprKind::Logical(LogicOp::And, prev, t), span),
                    });
                }
                Ok(all)
            }
            syn::Pat::Struct(_) | syn::Pat::TupleStruct(_) => Err(FrontError::new(
                p,
                "struct and enum patterns are not supported: kernels have no structs or enums but `Option`",
            )
            .hint(PATTERN_HINT)),
            _ => Err(FrontError::new(p, "unsupported pattern in `match`").hint(PATTERN_HINT)),
        }
    }

    /// `scrutinee == <the constant `path` names>`.
    fn equals(&mut self, scrutinee: LocalId, path: &syn::Path, node: &impl ToTokens) -> R<ExprId> {
        let value = self.pattern_const(path, node)?;
        Ok(self.compare(BinOp::Eq, scrutinee, value, Span::of(path)))
    }

    fn pattern_const(&mut self, path: &syn::Path, node: &impl ToTokens) -> R<ExprId> {
        match self.item_value(path, node) {
            Some(v) => v,
            None => Err(FrontError::new(
                node,
                "a path in a pattern must name a constant",
            )
            .hint("use a `const` item or a std constant such as `i32::MAX`; to bind the value, write a new name")),
        }
    }

    fn range(&mut self, r: &syn::PatRange, scrutinee: LocalId) -> R<ExprId> {
        let span = Span::of(r);
        if let (Some(lo), Some(hi)) = (
            r.start.as_deref().and_then(int_literal),
            r.end.as_deref().and_then(int_literal),
        ) {
            let empty = match r.limits {
                syn::RangeLimits::HalfOpen(_) => lo >= hi,
                syn::RangeLimits::Closed(_) => lo > hi,
            };
            if empty {
                return Err(
                    FrontError::new(r, "this range pattern matches no value").hint(
                        "the lower bound must be less than the upper one (or equal, with `..=`)",
                    ),
                );
            }
        }
        let bound = |l: &mut Self, e: &syn::Expr| -> R<ExprId> {
            match strip_parens(e) {
                syn::Expr::Lit(lit) => l.pattern_literal(&lit.lit, lit),
                syn::Expr::Path(p) => l.pattern_const(&p.path, p),
                other => Err(FrontError::new(other, "unsupported range bound").hint(PATTERN_HINT)),
            }
        };
        let lo = match &r.start {
            Some(e) => {
                let v = bound(self, e)?;
                Some(self.compare(BinOp::Ge, scrutinee, v, span))
            }
            None => None,
        };
        let hi = match &r.end {
            Some(e) => {
                let v = bound(self, e)?;
                let op = match r.limits {
                    syn::RangeLimits::HalfOpen(_) => BinOp::Lt,
                    syn::RangeLimits::Closed(_) => BinOp::Le,
                };
                Some(self.compare(op, scrutinee, v, span))
            }
            None => None,
        };
        Ok(self.within(lo, hi, span))
    }

    /// The test of a value against a lower and an upper bound, either one absent (open).
    pub(super) fn within(&mut self, lo: Option<ExprId>, hi: Option<ExprId>, span: Span) -> ExprId {
        match (lo, hi) {
            (Some(a), Some(b)) => self
                .func
                .add_expr(ExprKind::Logical(LogicOp::And, a, b), span),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => self.func.add_expr(ExprKind::Lit(Lit::Bool(true)), span),
        }
    }

    pub(super) fn compare(
        &mut self,
        op: BinOp,
        scrutinee: LocalId,
        value: ExprId,
        span: Span,
    ) -> ExprId {
        let s = self.func.add_expr(ExprKind::Local(scrutinee), span);
        self.func.add_expr(ExprKind::Binary(op, s, value), span)
    }

    /// A literal of a pattern, where `syn` folds a minus sign into the literal (`-3`).
    fn pattern_literal(&mut self, lit: &syn::Lit, node: &impl ToTokens) -> R<ExprId> {
        let e = match lit {
            syn::Lit::Float(f) if f.base10_digits().starts_with('-') => {
                let positive = syn::LitFloat::new(
                    &format!("{}{}", &f.base10_digits()[1..], f.suffix()),
                    f.span(),
                );
                return self.literal(&syn::Lit::Float(positive), true, node);
            }
            other => other,
        };
        self.literal(e, false, node)
    }
}

/// The values of the range pattern `r` whose bounds are `lo` and `hi` (open ends as [`Int::MIN`]
/// / [`Int::MAX`]), as a closed interval; `None` when it holds no value.
pub(super) fn closed(r: &syn::PatRange, lo: Int, hi: Int) -> Option<(Int, Int)> {
    let hi = match (&r.limits, &r.end) {
        (syn::RangeLimits::HalfOpen(_), Some(_)) => hi.pred()?,
        _ => hi,
    };
    (lo <= hi).then_some((lo, hi))
}

/// `None` in a pattern (rustc resolves it to the variant, never a new binding).
pub(super) fn is_none_pattern(pi: &syn::PatIdent) -> bool {
    pi.ident == "None" && pi.subpat.is_none() && pi.by_ref.is_none() && pi.mutability.is_none()
}

/// The inner pattern of `Some(p)`.
fn some_pattern(ts: &syn::PatTupleStruct) -> Option<&syn::Pat> {
    match ts.elems.first() {
        Some(p) if ts.path.is_ident("Some") && ts.elems.len() == 1 && ts.qself.is_none() => Some(p),
        _ => None,
    }
}
