//! Struct syntax ([`StructOp`]): its typing by field name, and in `finish`, the tuples it becomes.
//!
//! In: `Particle { x: 1.0, v }`, `p.x` and the write `p = p with .x = v` of the untyped IR. Out:
//! a struct type is a tuple state remembered with its [`StructDef`] (`Infer::structs`), so that a
//! field read finds the field's position (`Infer::fields`), then resolves to
//! `ExprKind::Field`; a literal resolves to `ExprKind::Tuple`; a write is rebuilt here, before
//! resolution, as the tuple of the base's fields (fresh reads of its local) with one replaced.

use super::unify::{State, Var};
use super::{Infer, R};
use crate::diag::Diagnostic;
use crate::ir::*;
use crate::span::Span;

impl<'s, 'p> Infer<'s, 'p> {
    pub(super) fn struct_op(&mut self, e: ExprId, op: &StructOp, span: Span) -> R<Var> {
        match op {
            StructOp::New { def, fields } => {
                for ((name, t), &x) in def.fields.iter().zip(fields) {
                    let v = self.expr(x)?;
                    self.unify_with(v, *t).map_err(|(got, _)| {
                        Diagnostic::new(
                            "mismatched types",
                            self.span(x),
                            format!("expected `{t}`, found `{}`", got.describe()),
                        )
                        .with_note(format!("field `{name}` of `{}` has type `{t}`", def.name))
                    })?;
                }
                Ok(self.fresh(State::Known(def.ty())))
            }
            StructOp::Get { base, field } => {
                let tb = self.expr(*base)?;
                let (k, vars) = self.field_of(tb, field, span)?;
                self.fields.insert(e, k);
                Ok(vars[k as usize])
            }
            StructOp::With { base, field, value } => {
                let tb = self.expr(*base)?;
                let (k, vars) = self.field_of(tb, field, span)?;
                let tv = self.expr(*value)?;
                self.unify(tv, vars[k as usize]).map_err(|(got, want)| {
                    Diagnostic::new(
                        "mismatched types",
                        self.span(*value),
                        format!("expected `{}`, found `{}`", want.describe(), got.describe()),
                    )
                    .with_note(format!("assigned to field `{field}`"))
                })?;
                self.fields.insert(e, k);
                Ok(tb)
            }
        }
    }

    /// The method `name` of the struct a value of type `tr` is (`impl Particle { fn energy(&self) }`
    /// in the block: the function `Particle::energy`), if it has one.
    pub(super) fn struct_method(&mut self, tr: Var, name: &str) -> Option<FuncId> {
        let State::Tuple(t) = self.get(tr) else {
            return None;
        };
        let def = self.structs.get(&t)?;
        self.spec.program.find(&format!("{}::{name}", def.name))
    }

    /// The position of field `field` of a struct value of type `tb`, and the struct's field
    /// variables.
    fn field_of(&mut self, tb: Var, field: &str, span: Span) -> R<(u32, Vec<Var>)> {
        let state = self.get(tb);
        // `t.0 = v` of a tuple: its element by position.
        if let (State::Tuple(t), Ok(k)) = (state, field.parse::<u32>()) {
            let vars = self.tuple_vars(t);
            if !self.structs.contains_key(&t) && (k as usize) < vars.len() {
                return Ok((k, vars));
            }
        }
        let found = match state {
            State::Tuple(t) => self.structs.get(&t).map(|&def| (t, def)),
            _ => None,
        };
        let Some((t, def)) = found else {
            let help = match state {
                State::Any => "give the value a type first: read fields of a struct literal, argument or result",
                State::Tuple(_) => "tuples have fields `.0`, `.1`, ..",
                _ => "fields exist on the structs of the `compile!` block",
            };
            return Err(Diagnostic::new(
                format!("no field `{field}` on type `{}`", state.describe()),
                span,
                "unknown field",
            )
            .with_help(help));
        };
        match def.field(field) {
            Some((k, _)) => Ok((k, self.tuple_vars(t))),
            None => {
                let names: Vec<String> = def.fields.iter().map(|(n, _)| format!("`{n}`")).collect();
                Err(Diagnostic::new(
                    format!("no field `{field}` on type `{}`", def.name),
                    span,
                    "unknown field",
                )
                .with_help(format!(
                    "`{}` has the fields {}",
                    def.name,
                    names.join(", ")
                )))
            }
        }
    }

    /// Rebuilds each field write (`StructOp::With`) as the tuple of its base's fields, one of
    /// them replaced, each kept field read from a fresh read of the base's local.
    /// Returns the reads of bases that no kept field uses (a one-field struct), reached by no
    /// statement now.
    pub(super) fn expand_struct_writes(&mut self, func: &mut Function<Untyped>) -> R<Vec<ExprId>> {
        let mut dead = Vec::new();
        let writes: Vec<(ExprId, ExprId, ExprId)> = func
            .exprs
            .iter()
            .filter_map(|(id, x)| match &x.kind {
                ExprKind::Struct(op) => match &**op {
                    StructOp::With { base, value, .. } => Some((id, *base, *value)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for (id, base, value) in writes {
            let span = func.expr(id).span;
            let (Some(&k), ExprKind::Local(local), Some(&tb)) = (
                self.fields.get(&id),
                &func.expr(base).kind,
                self.exprs.get(base),
            ) else {
                // Not reached by any statement (or not a local): nothing to rebuild.
                continue;
            };
            let local = *local;
            let State::Tuple(t) = self.get(tb) else {
                return Err(Diagnostic::new(
                    "internal: a field write of a non-struct",
                    span,
                    "here",
                ));
            };
            let mut elems = Vec::new();
            let mut base_read = Some(base);
            for (i, v) in self.tuple_vars(t).into_iter().enumerate() {
                if i == k as usize {
                    elems.push(value);
                    continue;
                }
                // The first kept field reads the base; the others read its local again.
                let read = match base_read.take() {
                    Some(b) => b,
                    None => {
                        let read = func.add_expr(ExprKind::Local(local), span);
                        self.exprs.insert(read, tb);
                        read
                    }
                };
                let field = func.add_expr(ExprKind::Field(read, i as u32), span);
                self.exprs.insert(field, v);
                elems.push(field);
            }
            func.exprs[id].kind = ExprKind::Tuple(elems);
            dead.extend(base_read);
        }
        Ok(dead)
    }
}
