//! The walk over statements: what each requires of the types of its parts.

use super::unify::{ArrayVar, State};
use super::wording::{value_help, with_cast_help};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn span(&self, e: ExprId) -> Span {
        self.func.expr(e).span
    }

    /// The name of the variable an expression reads, if it is a named one (not a temporary).
    pub(super) fn local_name(&self, e: ExprId) -> Option<&'p str> {
        let func = self.func;
        match func.expr(e).kind {
            ExprKind::Local(l) if !func.local(l).temp => Some(func.local(l).name.as_str()),
            _ => None,
        }
    }

    pub(super) fn block(&mut self, b: &Block) -> R<()> {
        b.stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, stmt: &Stmt) -> R<()> {
        match stmt {
            Stmt::Assign { local, value, .. } => {
                let tv = self.expr(*value)?;
                if self.compound_on_array(*local, *value) {
                    // `y += &x`: in place (see `fuse`), whatever `y`'s own type.
                    return Ok(());
                }
                let decl = self.func.local(*local);
                if let State::Known(Type::Unit) = self.get(tv) {
                    return Err(Diagnostic::new(
                        "this expression has no value",
                        self.span(*value),
                        "has type `()`",
                    ));
                }
                let lv = self.locals[*local];
                self.unify(lv, tv).map_err(|(want, got)| {
                    // A temporary of no declared type takes the type of an `if`'s first arm.
                    let d = if decl.temp && decl.ann == TypeAnn::Infer {
                        Diagnostic::new(
                            "`if` and `else` have incompatible types",
                            self.span(*value),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        )
                        .with_help("make both branches produce the same type (cast one with `as`)")
                    } else {
                        let d = Diagnostic::new(
                            "mismatched types",
                            self.span(*value),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        );
                        match decl.temp {
                            true => d,
                            false => d.with_label(
                                decl.span,
                                format!("`{}` has type `{}`", decl.name, want.describe()),
                            ),
                        }
                    };
                    value_help(d, want, got)
                })
            }
            Stmt::Store {
                array,
                index,
                value,
                span,
                ..
            } => {
                let tv = self.expr(*value)?;
                let at = self.indexed_array(*array, *span)?;
                self.owner_is_mut(*array, at, *span)?;
                if !at.writable {
                    let name = &self.func.local(*array).name;
                    return Err(Diagnostic::new(
                        format!("cannot assign to an element of `{name}`, a read-only array"),
                        *span,
                        "assignment to a read-only array",
                    )
                    .with_help(format!(
                        "pass `&mut {name}` (or an `ArrayViewMut`) to make `{name}` writable"
                    )));
                }
                self.indices(*array, at, index, *span)?;
                self.unify(tv, at.elem).map_err(|(got, want)| {
                    with_cast_help(
                        Diagnostic::new(
                            "mismatched types",
                            self.span(*value),
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        ),
                        want,
                    )
                })
            }
            Stmt::Update { span, .. } => Err(Diagnostic::new(
                "internal: an element update before type inference",
                *span,
                "made by `types::parallel`, after inference",
            )),
            Stmt::Eval(e) => self.expr(*e).map(|_| ()),
            Stmt::Unpack {
                locals,
                value,
                span,
            } => {
                let tv = self.expr(*value)?;
                let vars = match self.get(tv) {
                    State::Tuple(t) => self.tuple_vars(t),
                    State::Any => {
                        let vars: Vec<_> = locals.iter().map(|_| self.fresh(State::Any)).collect();
                        let t = self.tuple_state(vars.clone());
                        self.set(tv, t);
                        vars
                    }
                    s => {
                        return Err(Diagnostic::new(
                            "mismatched types",
                            self.span(*value),
                            format!(
                                "expected a tuple with {} elements, found `{}`",
                                locals.len(),
                                s.describe()
                            ),
                        ))
                    }
                };
                if vars.len() != locals.len() {
                    return Err(Diagnostic::new(
                        "mismatched types",
                        *span,
                        format!(
                            "expected a tuple with {} elements, found one with {} elements",
                            locals.len(),
                            vars.len()
                        ),
                    )
                    .with_help("name every element of the tuple (`_` for one you do not use)"));
                }
                for (l, v) in locals.iter().zip(vars) {
                    let Some(l) = l else { continue };
                    let lv = self.locals[*l];
                    self.unify(lv, v).map_err(|(want, got)| {
                        let decl = self.func.local(*l);
                        Diagnostic::new(
                            "mismatched types",
                            decl.span,
                            format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                        )
                    })?;
                }
                Ok(())
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expect_bool(*cond)?;
                self.block(then_body)?;
                self.block(else_body)
            }
            Stmt::Loop { body } => self.block(body),
            Stmt::For {
                var, range, body, ..
            } => {
                let ts = self.expr(range.start)?;
                let te = self.expr(range.end)?;
                self.unify(ts, te).map_err(|(a, b)| {
                    Diagnostic::new(
                        "mismatched types in range",
                        self.span(range.end),
                        format!("expected `{}`, found `{}`", a.describe(), b.describe()),
                    )
                    .with_label(self.span(range.start), "start of the range")
                })?;
                match self.get(ts) {
                    State::Int => {}
                    State::Known(Type::Scalar(s)) if s.is_int() => {}
                    s => {
                        return Err(Diagnostic::new(
                            format!("`for` ranges must be integers, found `{}`", s.describe()),
                            self.span(range.start),
                            "not an integer",
                        )
                        .with_help("iterate over integers and convert inside the loop"))
                    }
                }
                let lv = self.locals[*var];
                let _ = self.unify(lv, ts);
                if let Some(step) = range.step {
                    let tk = self.expr(step)?;
                    self.unify_with(tk, Type::Scalar(Scalar::Usize))
                        .map_err(|(got, _)| {
                            Diagnostic::new(
                                format!("`step_by` takes a `usize`, found `{}`", got.describe()),
                                self.span(step),
                                "expected `usize`",
                            )
                            .with_help("cast with `as usize`")
                        })?;
                }
                self.block(body)
            }
            Stmt::Break | Stmt::Continue => Ok(()),
            Stmt::Return { value, span } => {
                let tv = match value {
                    Some(v) => self.expr(*v)?,
                    None => self.fresh(State::Known(Type::Unit)),
                };
                if let State::Array(a) = self.get(tv) {
                    if a.storage == Storage::View {
                        return Err(Diagnostic::new(
                            "cannot return a view of an array",
                            *span,
                            "returns a view",
                        )
                        .with_help("return an owned array: `x.to_owned()`, or a new one made with `Array1::zeros(n)`"));
                    }
                }
                let at = value.map_or(*span, |v| self.span(v));
                let ret = self.ret;
                self.unify(ret, tv).map_err(|(want, got)| {
                    let (name, want_s, got_s) = (&self.func.name, want.describe(), got.describe());
                    let d = match (self.first_return, self.func.ret_ann) {
                        (first, Some(TypeAnn::Infer)) | (first @ Some(_), None) => {
                            let d = Diagnostic::new(format!("mismatched types: `{name}` returns `{want_s}` in one place and `{got_s}` in another"), at, format!("returns `{got_s}`"));
                            match first {
                                Some(first) => d.with_label(first, format!("returns `{want_s}` here")),
                                None => d,
                            }
                            .with_help(match want {
                                State::Known(Type::Scalar(s)) if s.is_numeric() => format!("every return of a function has the same type: convert with `as {s}`"),
                                _ => "every return of a function has the same type".into(),
                            })
                        }
                        (_, Some(_)) => value_help(
                            Diagnostic::new(format!("mismatched types: expected `{want_s}` (the return type of `{name}`), found `{got_s}`"), at, format!("expected `{want_s}`, found `{got_s}`"))
                                .with_label(self.func.sig_span, format!("`{name}` returns `{want_s}`")),
                            want,
                            got,
                        ),
                        (None, None) => Diagnostic::new(format!("mismatched types: expected `{want_s}`, found `{got_s}`"), at, format!("returns `{got_s}`")),
                    };
                    d
                })?;
                self.first_return.get_or_insert(at);
                Ok(())
            }
        }
    }

    pub(super) fn expect_bool(&mut self, e: ExprId) -> R<()> {
        let t = self.expr(e)?;
        self.unify_with(t, Type::Scalar(Scalar::Bool))
            .map_err(|(got, _)| {
                Diagnostic::new(
                    "mismatched types",
                    self.span(e),
                    format!("expected `bool`, found `{}`", got.describe()),
                )
                .with_help("conditions must be `bool`: compare explicitly, e.g. `x != 0`")
            })
    }

    /// An array the function owns is written (or mutably borrowed) only through a `let mut`.
    pub(super) fn owner_is_mut(&self, array: LocalId, a: ArrayVar, at: Span) -> R<()> {
        let decl = self.func.local(array);
        if a.storage == Storage::View || decl.mutable {
            return Ok(());
        }
        let name = &decl.name;
        Err(Diagnostic::new(
            format!("cannot borrow `{name}` as mutable, as it is not declared as mutable"),
            at,
            "cannot borrow as mutable",
        )
        .with_help(format!("make it mutable: `let mut {name}`")))
    }

    /// The array held by local `array`, its element type a variable.
    pub(super) fn array_of(&mut self, array: LocalId, at: Span) -> R<ArrayVar> {
        self.array_for(array, at, false)
    }

    /// [`Self::array_of`] for `array[..]`, whose error is rustc's for indexing.
    pub(super) fn indexed_array(&mut self, array: LocalId, at: Span) -> R<ArrayVar> {
        self.array_for(array, at, true)
    }

    fn array_for(&mut self, array: LocalId, at: Span, indexing: bool) -> R<ArrayVar> {
        let v = self.locals[array];
        match self.get(v) {
            State::Array(a) => Ok(a),
            s => {
                let name = &self.func.local(array).name;
                let ty = s.describe();
                let message = if indexing {
                    format!("cannot index into a value of type `{ty}`")
                } else {
                    format!("expected an array, found `{ty}`")
                };
                let d = Diagnostic::new(message, at, format!("`{name}` is a `{ty}`, not an array"));
                Err(if self.func.params.contains(&array) {
                    d.with_help(format!("pass an array for `{name}` (`&x` or `&mut x`)"))
                } else {
                    d
                })
            }
        }
    }

    pub(super) fn indices(
        &mut self,
        array: LocalId,
        at: ArrayVar,
        index: &[ExprId],
        span: Span,
    ) -> R<()> {
        let name = self.func.local(array).name.clone();
        if index.len() != at.ndim as usize {
            let example = match at.ndim {
                1 => format!("`{name}[i]`"),
                n => format!(
                    "`{name}[[{}]]`",
                    ["i", "j", "k", "l", "m", "n"]
                        .iter()
                        .take(n as usize)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Diagnostic::new(
                format!(
                    "`{name}` is a {}-D array but is indexed with {} ind{}",
                    at.ndim,
                    index.len(),
                    if index.len() == 1 { "ex" } else { "ices" }
                ),
                span,
                format!(
                    "{} ind{} given",
                    index.len(),
                    if index.len() == 1 { "ex" } else { "ices" }
                ),
            )
            .with_help(format!("index it with {example}")));
        }
        for &i in index {
            let ti = self.expr(i)?;
            self.unify_with(ti, Type::Scalar(Scalar::Usize))
                .map_err(|(got, _)| {
                    Diagnostic::new(
                        format!("array indices must be `usize`, found `{}`", got.describe()),
                        self.span(i),
                        "expected `usize`",
                    )
                    .with_help("cast with `as usize`")
                })?;
        }
        Ok(())
    }
}
