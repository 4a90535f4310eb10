//! The loop IR's text form: stable, one statement per line, nested by indentation.
//!
//! In: a [`Function`] (untyped) or an [`Instance`] / [`TypedProgram`] (typed). Out: text for
//! snapshots, logs and `Kernel::typed_ir`.

use super::*;
use std::fmt::Write;

/// Prints a typed program: every instance, entry first.
pub fn typed_program(p: &TypedProgram) -> String {
    let mut out = String::new();
    for (i, inst) in p.instances.iter() {
        if i.index() > 0 {
            out.push('\n');
        }
        out += &instance(p, i, inst);
    }
    out
}

fn instance(p: &TypedProgram, id: InstId, inst: &Instance) -> String {
    let f = &inst.func;
    let pr = Printer {
        f,
        program: Some(p),
    };
    let params: Vec<String> = f
        .params
        .iter()
        .zip(&inst.params)
        .map(|(l, t)| format!("{}: {t}", pr.local(*l)))
        .collect();
    let mut out = format!("{id} fn {}({}) -> {}", f.name, params.join(", "), inst.ret);
    if f.attrs != KernelAttrs::default() {
        let _ = write!(
            out,
            " #[fastmath={}, boundscheck={}]",
            f.attrs.fastmath, f.attrs.boundscheck
        );
        if f.attrs.cuda {
            out += " #[cuda]";
        }
        if let Some(v) = f.attrs.vectorize {
            out += if v.parallel {
                " #[vectorize, parallel]"
            } else {
                " #[vectorize]"
            };
        }
    }
    out += " {\n";
    let locals: Vec<String> = f
        .locals
        .keys()
        .filter(|l| !f.params.contains(l))
        .filter(|l| !f.shared.iter().any(|a| a.local == *l))
        .map(|l| format!("{}: {}", pr.local(l), inst.local_ty(l)))
        .collect();
    if !locals.is_empty() {
        let _ = writeln!(out, "    let {};", locals.join(", "));
    }
    pr.shared(&mut out);
    pr.block(&f.body, 1, &mut out);
    out += "}\n";
    out
}

/// Prints an untyped function (as lowered from the source).
pub fn function(f: &Function<Untyped>) -> String {
    let pr = Printer { f, program: None };
    let params: Vec<String> = f
        .params
        .iter()
        .map(|l| format!("{}: {}", pr.local(*l), f.local(*l).ann))
        .collect();
    let mut out = format!("fn {}({}) {{\n", f.name, params.join(", "));
    pr.shared(&mut out);
    pr.block(&f.body, 1, &mut out);
    out += "}\n";
    out
}

struct Printer<'a, P: Phase> {
    f: &'a Function<P>,
    program: Option<&'a TypedProgram>,
}

impl<P: Phase> Printer<'_, P> {
    /// `shared tile: [f32; 16, 16];`, one line per shared array.
    fn shared(&self, out: &mut String) {
        for a in &self.f.shared {
            let shape: Vec<String> = a.shape.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "    shared {}: [{}; {}];",
                self.local(a.local),
                a.elem,
                shape.join(", ")
            );
        }
    }

    fn local(&self, l: LocalId) -> String {
        let name = &self.f.local(l).name;
        let shadowed = self.f.locals.values().filter(|d| &d.name == name).count() > 1;
        if shadowed {
            format!("{name}#{}", l.0)
        } else {
            name.clone()
        }
    }

    fn block(&self, b: &Block, depth: usize, out: &mut String) {
        for s in &b.stmts {
            self.stmt(s, depth, out);
        }
    }

    fn stmt(&self, s: &Stmt, depth: usize, out: &mut String) {
        let pad = "    ".repeat(depth);
        match s {
            Stmt::Assign { local, value, .. } => {
                let _ = writeln!(out, "{pad}{} = {};", self.local(*local), self.expr(*value));
            }
            Stmt::Unpack { locals, value, .. } => {
                let names: Vec<String> = locals
                    .iter()
                    .map(|l| l.map_or("_".to_string(), |l| self.local(l)))
                    .collect();
                let _ = writeln!(out, "{pad}({}) = {};", names.join(", "), self.expr(*value));
            }
            Stmt::Store {
                array,
                index,
                value,
                checked,
                ..
            } => {
                let place = self.place(*array, index, *checked);
                let _ = writeln!(out, "{pad}{place} = {};", self.expr(*value));
            }
            Stmt::Update {
                array,
                index,
                op,
                value,
                checked,
                ..
            } => {
                let place = self.place(*array, index, *checked);
                let _ = writeln!(out, "{pad}{place} {} {};", op.symbol(), self.expr(*value));
            }
            Stmt::Eval(e) => {
                let _ = writeln!(out, "{pad}eval {};", self.expr(*e));
            }
            Stmt::If {
                cond,
                then_body,
                else_body,
            } => {
                let _ = writeln!(out, "{pad}if {} {{", self.expr(*cond));
                self.block(then_body, depth + 1, out);
                if !else_body.stmts.is_empty() {
                    let _ = writeln!(out, "{pad}}} else {{");
                    self.block(else_body, depth + 1, out);
                }
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::Loop { body } => {
                let _ = writeln!(out, "{pad}loop {{");
                self.block(body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::For {
                var, range, body, ..
            } => {
                let dots = if range.inclusive { "..=" } else { ".." };
                let mut head = format!("{}{dots}{}", self.expr(range.start), self.expr(range.end));
                if range.reverse {
                    head += " rev";
                }
                if let Some(step) = range.step {
                    let _ = write!(head, " step {}", self.expr(step));
                }
                let kw = if range.parallel { "prange" } else { "for" };
                for (l, r) in &range.reductions {
                    let _ = write!(head, " reduce({} {})", self.local(*l), r.written());
                }
                if !range.scalar_chains.is_empty() {
                    let names: Vec<String> =
                        range.scalar_chains.iter().map(|l| self.local(*l)).collect();
                    let _ = write!(head, " scalar({})", names.join(", "));
                }
                let _ = writeln!(out, "{pad}{kw} {} in {head} {{", self.local(*var));
                self.block(body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::Break => {
                let _ = writeln!(out, "{pad}break;");
            }
            Stmt::Continue => {
                let _ = writeln!(out, "{pad}continue;");
            }
            Stmt::Return { value: Some(v), .. } => {
                let _ = writeln!(out, "{pad}return {};", self.expr(*v));
            }
            Stmt::Return { value: None, .. } => {
                let _ = writeln!(out, "{pad}return;");
            }
        }
    }

    /// An untyped walk over whole arrays: `each(i, v <- x, mut w <- y) { .. }`.
    fn each(&self, each: &Each) -> String {
        let mut head: Vec<String> = match &each.index {
            EachIndex::None => Vec::new(),
            EachIndex::Flat(l) => vec![self.local(*l)],
            EachIndex::Axes { locals, .. } => {
                let names: Vec<String> = locals.iter().map(|l| self.local(*l)).collect();
                vec![format!("[{}]", names.join(", "))]
            }
        };
        head.extend(each.arrays.iter().map(|a| {
            let m = if a.mutable { "mut " } else { "" };
            format!("{m}{} <- {}", self.local(a.elem), self.local(a.array))
        }));
        let mut body = String::new();
        self.block(&each.body, 1, &mut body);
        let each = if each.parallel { "par_each" } else { "each" };
        format!(
            "{each}({}) {{
{body}}}",
            head.join(", ")
        )
    }

    /// `array[index]` as a store or an element update names it (`unchecked ` first when it is).
    fn place(&self, array: LocalId, index: &[ExprId], checked: bool) -> String {
        let unchecked = if checked { "" } else { "unchecked " };
        format!("{unchecked}{}[{}]", self.local(array), self.list(index))
    }

    fn list(&self, es: &[ExprId]) -> String {
        es.iter()
            .map(|e| self.expr(*e))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn expr(&self, e: ExprId) -> String {
        match &self.f.expr(e).kind {
            ExprKind::Lit(lit) => match P::untyped(lit) {
                Lit::Int(v, s) => format!("{v}{}", s.map_or("", Scalar::name)),
                Lit::Float(t, s) => format!("{t}{}", s.map_or("", Scalar::name)),
                Lit::Bool(b) => b.to_string(),
                Lit::Identity(f) => format!("identity({f:?})"),
            },
            ExprKind::Const(c) => constant(*c),
            ExprKind::Local(l) => self.local(*l),
            ExprKind::Unary(UnOp::Neg, x) => format!("-{}", self.expr(*x)),
            ExprKind::Unary(UnOp::Not, x) => format!("!{}", self.expr(*x)),
            ExprKind::Binary(op, a, b) => {
                format!("({} {} {})", self.expr(*a), op.symbol(), self.expr(*b))
            }
            ExprKind::Logical(op, a, b) => {
                let sym = if *op == LogicOp::And { "&&" } else { "||" };
                format!("({} {sym} {})", self.expr(*a), self.expr(*b))
            }
            ExprKind::Cast(x, t) => format!("({} as {t})", self.expr(*x)),
            ExprKind::Load {
                array,
                index,
                checked,
            } => {
                let unchecked = if *checked { "" } else { "unchecked " };
                format!("{unchecked}{}[{}]", self.local(*array), self.list(index))
            }
            ExprKind::Shape { array, query } => {
                let a = self.local(*array);
                match query {
                    ShapeQuery::Len => format!("len({a})"),
                    ShapeQuery::Dim(d) | ShapeQuery::DimOf { d, .. } => format!("dim({a}, {d})"),
                    ShapeQuery::Rows2d => format!("dim({a}, 0)"),
                    ShapeQuery::Cols2d => format!("dim({a}, 1)"),
                    ShapeQuery::Ndim => format!("ndim({a})"),
                    ShapeQuery::IsEmpty => format!("is_empty({a})"),
                    ShapeQuery::Contiguous => format!("is_contiguous({a})"),
                    ShapeQuery::Standard => format!("is_standard_layout({a})"),
                    ShapeQuery::MinStrideAxis => format!("min_stride_axis({a})"),
                }
            }
            ExprKind::Method {
                name,
                receiver,
                args,
            } => format!(
                "{}.{}({})",
                self.expr(*receiver),
                P::untyped(name),
                self.list(args)
            ),
            ExprKind::Intrinsic { op, args } => {
                format!("{}({})", P::typed(op).name(), self.list(args))
            }
            ExprKind::Call { func, args } => {
                format!("call {}({})", P::untyped(func), self.list(args))
            }
            ExprKind::Gpu {
                op,
                array,
                index,
                args,
            } => {
                let mut parts = Vec::new();
                if let Some(a) = array {
                    parts.push(format!("{}[{}]", self.local(*a), self.list(index)));
                }
                parts.extend(args.iter().map(|e| self.expr(*e)));
                format!("{}({})", op.name(), parts.join(", "))
            }
            ExprKind::Alloc {
                elem,
                ndim,
                shape,
                init,
            } => {
                let shape = match shape {
                    AllocShape::Dims(d) => format!("[{}]", self.list(d)),
                    AllocShape::Like(a) => format!("shape({})", self.local(*a)),
                    AllocShape::LayoutOf(a) => format!("layout({})", self.local(*a)),
                    AllocShape::Fixed(n) => format!("[{n}]"),
                };
                let init = match init {
                    Init::Zeros => "zeros".to_string(),
                    Init::Ones => "ones".to_string(),
                    Init::Uninit => "uninit".to_string(),
                    Init::Elem(v) => format!("elem {}", self.expr(*v)),
                    Init::Resize(v) => format!("resize {}", self.expr(*v)),
                    Init::Copy(a) => format!("copy {}", self.local(*a)),
                    Init::Each(vs) => format!("each [{}]", self.list(vs)),
                };
                // What the source wrote, before inference settles it.
                let written = match (elem, ndim) {
                    (Some(e), Some(n)) => format!("<{e}, {n}d>"),
                    (Some(e), None) => format!("<{e}>"),
                    (None, Some(n)) => format!("<{n}d>"),
                    (None, None) => String::new(),
                };
                format!("alloc{written}({shape}, {init})")
            }
            ExprKind::Borrow { array, mutable } => {
                let m = if *mutable { "mut " } else { "" };
                format!("&{m}{}", self.local(*array))
            }
            ExprKind::Slice {
                array,
                axes,
                mutable,
            } => {
                let bound = |b: &Bound| {
                    let minus = if b.from_end { "-" } else { "" };
                    format!("{minus}{}", self.expr(b.value))
                };
                let axes: Vec<String> = axes
                    .iter()
                    .map(|a| match a {
                        SliceAxis::Index(b) => bound(b),
                        SliceAxis::Range { start, end, step } => {
                            let s = start.as_ref().map(bound).unwrap_or_default();
                            let e = end.as_ref().map(bound).unwrap_or_default();
                            match step {
                                1 => format!("{s}..{e}"),
                                k => format!("{s}..{e};{k}"),
                            }
                        }
                        SliceAxis::NewAxis => "NewAxis".into(),
                    })
                    .collect();
                let m = if *mutable { "mut " } else { "" };
                format!("&{m}{}[{}]", self.local(*array), axes.join(", "))
            }
            ExprKind::Transpose(a) => format!("transpose({})", self.local(*a)),
            ExprKind::Relayout { array, visit } => {
                let order = match visit {
                    Visit::Memory => "memory_order",
                    Visit::Fold => "fold_order",
                };
                format!("{order}({})", self.local(*array))
            }
            ExprKind::Broadcast { array, with, onto } => {
                let how = if *onto {
                    "broadcast_onto"
                } else {
                    "broadcast_with"
                };
                format!("{how}({}, {})", self.local(*array), self.local(*with))
            }
            ExprKind::Tuple(xs) => format!("({})", self.list(xs)),
            ExprKind::Field(x, k) => format!("{}.{k}", self.expr(*x)),
            ExprKind::Option(o) => match *P::untyped::<OptionOp>(o) {
                OptionOp::Some(x) => format!("Some({})", self.expr(x)),
                OptionOp::None => "None".into(),
                OptionOp::IsSome(x) => format!("is_some({})", self.expr(x)),
                OptionOp::Value(x) => format!("value({})", self.expr(x)),
            },
            ExprKind::Unwrap { option, message } => {
                format!("unwrap({}, {message:?})", self.expr(*option))
            }
            ExprKind::SameShape { a, b } => {
                format!("same_shape({}, {})", self.local(*a), self.local(*b))
            }
            ExprKind::MatMul { a, b, out } => format!(
                "matmul({} = {} · {})",
                self.local(*out),
                self.local(*a),
                self.local(*b)
            ),
            ExprKind::Each(each) => self.each(P::untyped::<Box<Each>>(each)),
            ExprKind::Struct(op) => match &**P::untyped::<Box<StructOp>>(op) {
                StructOp::New { def, fields } => {
                    let fields: Vec<String> = def
                        .fields
                        .iter()
                        .zip(fields)
                        .map(|((name, _), x)| format!("{name}: {}", self.expr(*x)))
                        .collect();
                    format!("{} {{ {} }}", def.name, fields.join(", "))
                }
                StructOp::Get { base, field } => format!("{}.{field}", self.expr(*base)),
                StructOp::With { base, field, value } => {
                    format!("{} with .{field} = {}", self.expr(*base), self.expr(*value))
                }
            },
            ExprKind::Map(m) => {
                let m = P::untyped::<Box<Map>>(m);
                let mut body = String::new();
                self.block(&m.body, 1, &mut body);
                let zipped: String = m
                    .zipped
                    .iter()
                    .map(|&(x, l)| format!(", {} <- {}", self.local(l), self.expr(x)))
                    .collect();
                format!(
                    "map({} <- {}{zipped}) {{\n{body}    {}\n}}",
                    self.local(m.elem),
                    self.expr(m.operand),
                    self.expr(m.value)
                )
            }
            ExprKind::Reduce(r) => {
                let r = P::untyped::<Box<ArrayReduce>>(r);
                let (acc, x) = (self.local(r.acc), self.local(r.array));
                match r.op {
                    ReduceOp::Sum => format!("{acc} = sum({x})"),
                    ReduceOp::Product => format!("{acc} = product({x})"),
                    ReduceOp::Mean => format!("{acc} = mean({x})"),
                    ReduceOp::Dot(y) => format!("{acc} = dot({x}, {})", self.local(y)),
                    ReduceOp::SumAxis(k) => format!("{acc} = sum_axis({x}, {k})"),
                    ReduceOp::MeanAxis(k) => format!("{acc} = mean_axis({x}, {k})"),
                    ReduceOp::FoldAxis {
                        axis,
                        init,
                        acc: a,
                        elem,
                    } => format!(
                        "{acc} = fold_axis({x}, {axis}, {}, |{}, {}| ..)",
                        self.local(init),
                        self.local(a),
                        self.local(elem)
                    ),
                    ReduceOp::MapAxis { axis, lane, value } => format!(
                        "{acc} = map_axis({x}, {axis}, |{}| .. {})",
                        self.local(lane),
                        self.local(value)
                    ),
                }
            }
            ExprKind::CallInst { inst, args } => {
                let inst = *P::typed(inst);
                let name = self
                    .program
                    .map_or(String::new(), |p| format!(":{}", p.inst(inst).func.name));
                format!("call {inst}{name}({})", self.list(args))
            }
        }
    }
}

/// A typed constant with its type as suffix: `0_usize`, `2.5_f64`, `true`.
pub fn constant(c: Const) -> String {
    match c.ty {
        Scalar::Bool => (c.bits != 0).to_string(),
        Scalar::F32 => format!("{:?}_f32", f32::from_bits(c.bits as u32)),
        Scalar::F64 => format!("{:?}_f64", f64::from_bits(c.bits as u64)),
        Scalar::U128 => format!("{}_u128", c.as_u128()),
        t => format!("{}_{t}", c.as_i128()),
    }
}
