//! `#[rumba(vectorize)]` functions called on arrays: the body of that specialization.
//!
//! In: the untyped program, an entry whose attributes say `vectorize` (a scalar function `f`, or
//! the `f::into` the front end declares beside it) and a call's argument types. Out: when an
//! argument is an array (always, for `f::into`), a copy of the program with one more function,
//! the entry to specialize instead: the same parameters, untyped, and a body of ordinary untyped
//! IR that applies `f` to each element of the arguments' co-broadcast (scalar arguments passed to
//! every call as they are):
//!
//! ```text
//! fn f(a, s, b) {                           fn f::into(a, s, b, out) {
//!     shape = co-broadcast of a with b          a' = broadcast a onto out; b' = ..
//!     out = zeros(shape's extents)              each(mut o <- out, x <- a', y <- b') {
//!     a' = broadcast a onto out; b' = ..            o = f(x, s, y)
//!     each(mut o <- out, x <- a', y <- b') {    }
//!         o = f(x, s, y)                    }
//!     }
//!     return out
//! }
//! ```
//!
//! `types::infer` types and expands it like any kernel's walk (one axis a `prange` for
//! `#[rumba(vectorize, parallel)]` and on the GPU, its first, which `types::parallel` then
//! checks; on the CPU `passes::spread` later moves it to the first axis at least 32 long), so
//! element types, the shapes' checks (`ExprKind::Broadcast`: ndarray's co-broadcasting, `out`
//! taking the inputs as `assign` does) and the call of `f` are those of ordinary kernels. A call
//! with scalars only is `f` itself.

use crate::diag::Diagnostic;
use crate::ir::*;

/// The program and entry that a call of `entry` with `args` specializes (see the module doc);
/// `None` when that is `entry` itself.
pub fn synthesize(
    program: &Program,
    entry: FuncId,
    args: &[Type],
    gpu: bool,
) -> Result<Option<(Program, FuncId)>, Diagnostic> {
    let f = program.func(entry);
    let Some(v) = f.attrs.vectorize else {
        return Ok(None);
    };
    let is_array = |i: usize| matches!(args.get(i), Some(Type::Array(_)));
    let into = v.into.is_some();
    if !into && !(0..f.params.len()).any(is_array) {
        return Ok(None);
    }
    let span = f.sig_span;
    if into && !args.last().is_some_and(|t| matches!(t, Type::Array(_))) {
        let out = f.params.last().map(|&p| f.local(p).name.as_str());
        return Err(Diagnostic::new(
            format!(
                "`{}` writes into an array, but its last argument is not one",
                f.name
            ),
            span,
            "defined here",
        )
        .with_help(format!(
            "pass the array to write last: `{}(.., &mut {})`",
            f.name,
            out.unwrap_or("out")
        )));
    }
    let mut g = Function::declared(f.name.clone(), f.span, span);
    g.attrs = KernelAttrs {
        vectorize: None,
        ..f.attrs
    };
    for &p in &f.params {
        let local = g.add_local(LocalDecl {
            ann: TypeAnn::Infer,
            ..f.local(p).clone()
        });
        g.params.push(local);
    }
    let params = g.params.clone();
    let inputs = match into {
        true => &params[..params.len() - 1],
        false => &params[..],
    };
    let mut b = Body {
        g: &mut g,
        span,
        stmts: Vec::new(),
    };
    let arrays: Vec<LocalId> = (0..inputs.len())
        .filter(|&i| is_array(i))
        .map(|i| inputs[i])
        .collect();
    let out = match (into, arrays.as_slice()) {
        (true, _) => params[params.len() - 1],
        (false, [first, rest @ ..]) => {
            // The shape of the result: the arrays co-broadcast in turn, as ndarray's operators
            // do (a failure names the two shapes).
            let mut shape = *first;
            for &a in rest {
                shape = b.bind(
                    "shape",
                    ExprKind::Broadcast {
                        array: shape,
                        with: a,
                        onto: false,
                    },
                );
            }
            b.bind(
                "out",
                ExprKind::Alloc {
                    elem: None,
                    ndim: None,
                    shape: AllocShape::Like(shape),
                    init: Init::Zeros,
                },
            )
        }
        (false, []) => unreachable!("a call with an array argument"),
    };
    let o = b.temp("o");
    let mut walked = vec![EachArray {
        array: out,
        elem: o,
        mutable: true,
    }];
    let mut call = Vec::with_capacity(inputs.len());
    for (i, &p) in inputs.iter().enumerate() {
        if !is_array(i) {
            call.push(b.g.add_expr(ExprKind::Local(p), span));
            continue;
        }
        // One array of the result's shape is read as it is.
        let array = match !into && arrays.len() == 1 {
            true => p,
            false => b.bind(
                "view",
                ExprKind::Broadcast {
                    array: p,
                    with: out,
                    onto: true,
                },
            ),
        };
        let elem = b.temp("x");
        walked.push(EachArray {
            array,
            elem,
            mutable: false,
        });
        call.push(b.g.add_expr(ExprKind::Local(elem), span));
    }
    let scalar = v.into.unwrap_or(entry);
    let value = b.g.add_expr(
        ExprKind::Call {
            func: scalar,
            args: call,
        },
        span,
    );
    let each = Each {
        arrays: walked,
        index: EachIndex::None,
        body: Block {
            stmts: vec![Stmt::Assign {
                local: o,
                value,
                span,
            }],
        },
        identity: None,
        parallel: v.parallel || gpu,
        stretch: false,
        span,
    };
    let each = b.g.add_expr(ExprKind::Each(Box::new(each)), span);
    b.stmts.push(Stmt::Eval(each));
    if !into {
        let value = b.g.add_expr(ExprKind::Local(out), span);
        b.stmts.push(Stmt::Return {
            value: Some(value),
            span,
        });
    }
    g.body = Block { stmts: b.stmts };
    let mut program = program.clone();
    let id = program.functions.push(g);
    Ok(Some((program, id)))
}

/// The synthesized body as it is built.
struct Body<'g> {
    g: &'g mut Function<Untyped>,
    span: crate::span::Span,
    stmts: Vec<Stmt>,
}

impl Body<'_> {
    fn temp(&mut self, name: &str) -> LocalId {
        self.g.add_local(LocalDecl {
            name: format!("vectorize.{name}"),
            ann: TypeAnn::Infer,
            mutable: true,
            span: self.span,
            temp: true,
        })
    }

    /// A new local assigned `kind`.
    fn bind(&mut self, name: &str, kind: ExprKind<Untyped>) -> LocalId {
        let local = self.temp(name);
        let value = self.g.add_expr(kind, self.span);
        self.stmts.push(Stmt::Assign {
            local,
            value,
            span: self.span,
        });
        local
    }
}
