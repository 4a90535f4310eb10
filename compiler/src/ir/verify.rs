//! The verifier: invariants every typed program satisfies before and after each pass.
//!
//! In: a [`TypedProgram`]. Out: `Ok` or the first broken invariant. Invariants:
//! - only typed nodes remain (no `Lit`, `Method`, `Call`);
//! - every expression is used exactly once (the arena holds trees, not DAGs);
//! - operands have the types their operator needs, and results the types recorded;
//! - loads and stores name arrays, with one `usize` index per dimension; stores only writable ones;
//! - `break` / `continue` appear only inside loops; returns match the instance's return type;
//! - calls name existing instances with matching argument types.
//! - GPU builtins: atomics update writable arrays with operands of the element type and return it;
//!   thread and block queries are `usize`, `sync_threads()` is `()`.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    pub function: String,
    pub message: String,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IR verifier: in `{}`: {}", self.function, self.message)
    }
}

pub fn verify(p: &TypedProgram) -> Result<(), VerifyError> {
    for inst in p.instances.values() {
        let mut v = Verifier {
            p,
            inst,
            uses: vec![0; inst.func.exprs.len()],
            loops: 0,
        };
        v.block(&inst.func.body).map_err(|message| VerifyError {
            function: inst.func.name.clone(),
            message,
        })?;
    }
    Ok(())
}

struct Verifier<'a> {
    p: &'a TypedProgram,
    inst: &'a Instance,
    uses: Vec<u32>,
    loops: u32,
}

type R = Result<(), String>;

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> R {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

impl Verifier<'_> {
    fn block(&mut self, b: &Block) -> R {
        b.stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn array(&self, l: LocalId) -> Result<ArrayType, String> {
        self.inst
            .local_types
            .get(l)
            .and_then(|t| t.array())
            .ok_or_else(|| format!("{l} is not an array"))
    }

    fn indices(&mut self, a: ArrayType, index: &[ExprId]) -> R {
        ensure(index.len() == a.ndim as usize, || {
            format!("{} indices for a {}-D array", index.len(), a.ndim)
        })?;
        for &i in index {
            self.expr(i)?;
            ensure(self.inst.ty(i) == Type::Scalar(Scalar::Usize), || {
                format!("index {i} is not usize")
            })?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> R {
        let inst = self.inst;
        match s {
            Stmt::Assign { local, value, .. } => {
                self.expr(*value)?;
                ensure(inst.local_ty(*local) == inst.ty(*value), || {
                    format!(
                        "assignment of {} to {local}: {}",
                        inst.ty(*value),
                        inst.local_ty(*local)
                    )
                })
            }
            Stmt::Store {
                array,
                index,
                value,
                ..
            } => {
                let a = self.array(*array)?;
                ensure(a.writable, || format!("store to read-only {array}"))?;
                self.expr(*value)?;
                ensure(inst.ty(*value) == Type::Scalar(a.elem), || {
                    format!("store of {} into {a}", inst.ty(*value))
                })?;
                self.indices(a, index)
            }
            Stmt::Eval(e) => self.expr(*e),
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(*cond)?;
                ensure(inst.ty(*cond) == Type::Scalar(Scalar::Bool), || {
                    "if condition is not bool".into()
                })?;
                self.block(then_body)?;
                self.block(else_body)
            }
            Stmt::Loop { body } => {
                self.loops += 1;
                self.block(body)?;
                self.loops -= 1;
                Ok(())
            }
            Stmt::For {
                var, range, body, ..
            } => {
                self.expr(range.start)?;
                self.expr(range.end)?;
                let t = inst.local_ty(*var);
                ensure(t.scalar().is_some_and(Scalar::is_int), || {
                    format!("loop variable {var} is {t}")
                })?;
                ensure(inst.ty(range.start) == t && inst.ty(range.end) == t, || {
                    "range bounds differ from the loop variable".into()
                })?;
                if let Some(step) = range.step {
                    self.expr(step)?;
                    ensure(inst.ty(step) == Type::Scalar(Scalar::Usize), || {
                        "step is not usize".into()
                    })?;
                }
                self.loops += 1;
                self.block(body)?;
                self.loops -= 1;
                Ok(())
            }
            Stmt::Break | Stmt::Continue => {
                ensure(self.loops > 0, || "break/continue outside a loop".into())
            }
            Stmt::Return { value, .. } => {
                let t = match value {
                    Some(v) => {
                        self.expr(*v)?;
                        inst.ty(*v)
                    }
                    None => Type::Unit,
                };
                ensure(t == inst.ret, || {
                    format!("return of {t} from a function returning {}", inst.ret)
                })
            }
        }
    }

    fn expr(&mut self, e: ExprId) -> R {
        let inst = self.inst;
        let uses = self
            .uses
            .get_mut(e.index())
            .ok_or_else(|| format!("{e} does not exist"))?;
        *uses += 1;
        ensure(*uses == 1, || format!("{e} is used twice"))?;
        let ty = inst.ty(e);
        let scalar = |x: ExprId| {
            inst.ty(x)
                .scalar()
                .ok_or_else(|| format!("{x} is not a scalar"))
        };
        match &inst.func.expr(e).kind {
            ExprKind::Lit(_) | ExprKind::Method { .. } | ExprKind::Call { .. } => {
                Err(format!("{e} is untyped"))
            }
            ExprKind::Const(c) => ensure(ty == Type::Scalar(c.ty), || {
                format!("constant {e} has type {ty}")
            }),
            ExprKind::Local(l) => {
                ensure(inst.local_ty(*l) == ty, || format!("{e} reads {l} as {ty}"))
            }
            ExprKind::Unary(_, x) => {
                self.expr(*x)?;
                ensure(inst.ty(*x) == ty, || format!("unary {e} changes type"))
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(*a)?;
                self.expr(*b)?;
                let (ta, tb) = (scalar(*a)?, scalar(*b)?);
                if op.is_shift() {
                    return ensure(ta.is_int() && tb.is_int() && ty == Type::Scalar(ta), || {
                        format!("shift {e} on {ta}, {tb}")
                    });
                }
                ensure(ta == tb, || format!("binary {e} on {ta} and {tb}"))?;
                let want = if op.is_comparison() { Scalar::Bool } else { ta };
                ensure(ty == Type::Scalar(want), || {
                    format!("binary {e} typed {ty}")
                })
            }
            ExprKind::Logical(_, a, b) => {
                self.expr(*a)?;
                self.expr(*b)?;
                let all_bool = [*a, *b, e]
                    .iter()
                    .all(|x| inst.ty(*x) == Type::Scalar(Scalar::Bool));
                ensure(all_bool, || format!("logical {e} on non-bool"))
            }
            ExprKind::Cast(x, t) => {
                self.expr(*x)?;
                scalar(*x)?;
                ensure(ty == Type::Scalar(*t), || format!("cast {e} typed {ty}"))
            }
            ExprKind::Load { array, index, .. } => {
                let a = self.array(*array)?;
                self.indices(a, index)?;
                ensure(ty == Type::Scalar(a.elem), || {
                    format!("load {e} typed {ty}")
                })
            }
            ExprKind::Shape { array, .. } => {
                self.array(*array)?;
                ensure(ty.scalar().is_some(), || {
                    format!("shape query {e} typed {ty}")
                })
            }
            ExprKind::Intrinsic { args, .. } => {
                args.iter().try_for_each(|a| self.expr(*a))?;
                args.iter().try_for_each(|a| scalar(*a).map(|_| ()))
            }
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => {
                ensure(args.len() == op.value_args(), || {
                    format!("{} {e} with {} arguments", op.name(), args.len())
                })?;
                match (op, array) {
                    (GpuOp::Atomic(_), Some(array)) => {
                        let a = self.array(*array)?;
                        ensure(a.writable, || format!("atomic on read-only {array}"))?;
                        self.indices(a, index)?;
                        for &x in args {
                            self.expr(x)?;
                            ensure(inst.ty(x) == Type::Scalar(a.elem), || {
                                format!("atomic operand {x} is not {}", a.elem)
                            })?;
                        }
                        ensure(ty == Type::Scalar(a.elem), || {
                            format!("atomic {e} typed {ty}")
                        })
                    }
                    (GpuOp::Atomic(_), None) => Err(format!("atomic {e} without an array")),
                    (GpuOp::SyncThreads, None) => {
                        ensure(ty == Type::Unit, || format!("sync_threads {e} typed {ty}"))
                    }
                    (_, None) => ensure(ty == Type::Scalar(Scalar::Usize), || {
                        format!("{} {e} typed {ty}", op.name())
                    }),
                    (_, Some(_)) => Err(format!("{} {e} names an array", op.name())),
                }
            }
            ExprKind::CallInst { inst: callee, args } => {
                let target = self
                    .p
                    .instances
                    .get(*callee)
                    .ok_or_else(|| format!("call of missing {callee}"))?;
                args.iter().try_for_each(|a| self.expr(*a))?;
                let arg_types: Vec<Type> = args.iter().map(|a| inst.ty(*a)).collect();
                let compatible = arg_types.len() == target.params.len()
                    && arg_types
                        .iter()
                        .zip(&target.params)
                        .all(|(a, p)| match (a, p) {
                            (Type::Array(a), Type::Array(p)) => {
                                a.elem == p.elem
                                    && a.ndim == p.ndim
                                    && a.layout == p.layout
                                    && (a.writable || !p.writable)
                            }
                            _ => a == p,
                        });
                ensure(compatible, || {
                    format!(
                        "call {e} with arguments {arg_types:?} of {callee} taking {:?}",
                        target.params
                    )
                })?;
                ensure(ty == target.ret, || {
                    format!("call {e} typed {ty}, returns {}", target.ret)
                })
            }
        }
    }
}
