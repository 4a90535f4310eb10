//! Expressions: literals, operators, casts, paths, indexing, method calls (array queries and the
//! intrinsics table's names) and calls of the block's functions.
//!
//! In: `syn` expressions. Out: [`ExprId`]s in the function's arena; operands are lowered left to
//! right, spilled to temporaries when a later one emits statements.

use super::hints::{macro_error, method_call_hint, unknown_value, EXPR_HINT};
use super::syntax::{bin_op, compound_op, const_dim, int_lit, scalar_suffix, strip_parens};
use super::*;

impl FnLowerer<'_> {
    /// The array `e` names, or a temporary holding the array `e` makes (`x.row(i)`,
    /// `x.slice(s![..])`, `&a + &b`, a call): the receiver of an array method, an indexed array.
    pub(super) fn array_name(&mut self, e: &syn::Expr) -> R<LocalId> {
        if let syn::Expr::Path(p) = strip_parens(e) {
            if let Some(ident) = p.path.get_ident() {
                let name = ident.to_string();
                return self
                    .lookup(&name)
                    .ok_or_else(|| unknown_value(ident, &name, self.names));
            }
        }
        let v = self.expr_value(e)?;
        let span = self.func.expr(v).span;
        let t = self.temp(span);
        self.emit(Stmt::Assign {
            local: t,
            value: v,
            span,
        });
        Ok(t)
    }

    /// The array a method such as `x.dot(&y)` takes by reference: `&y`, or a parameter `y`
    /// (`y: &Array1<f64>` is a reference already: `a.dot(y)`); `None` for anything else.
    pub(super) fn by_reference(&mut self, arg: &syn::Expr) -> Option<R<LocalId>> {
        match strip_parens(arg) {
            syn::Expr::Reference(r) if r.mutability.is_none() => Some(self.array_name(&r.expr)),
            syn::Expr::Path(p) => {
                let local = self.lookup(&p.path.get_ident()?.to_string())?;
                self.func.params.contains(&local).then_some(Ok(local))
            }
            _ => None,
        }
    }

    pub(super) fn indices(&mut self, index: &syn::Expr) -> R<Vec<ExprId>> {
        match strip_parens(index) {
            syn::Expr::Array(a) => self.operands(a.elems.iter()),
            syn::Expr::Tuple(t) => self.operands(t.elems.iter()),
            e => Ok(vec![self.expr_value(e)?]),
        }
    }

    /// Lowers operands left to right, spilling those that come before an operand with statements.
    pub(super) fn operands<'e>(
        &mut self,
        es: impl Iterator<Item = &'e syn::Expr>,
    ) -> R<Vec<ExprId>> {
        let es: Vec<&syn::Expr> = es.collect();
        let last_complex = es.iter().rposition(|e| self.needs_stmts(e));
        let mut out = Vec::with_capacity(es.len());
        for (i, e) in es.iter().enumerate() {
            let id = self.expr_value(e)?;
            out.push(match last_complex {
                Some(k) if i < k => self.spill(id),
                _ => id,
            });
        }
        Ok(out)
    }

    pub(super) fn expr_value(&mut self, e: &syn::Expr) -> R<ExprId> {
        self.depth += 1;
        let r = if self.depth > MAX_EXPR_DEPTH {
            Err(FrontError::new(
                e,
                format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .hint("split it with `let` bindings or a helper function"))
        } else {
            self.expr_value_inner(e)
        };
        self.depth -= 1;
        r
    }

    fn expr_value_inner(&mut self, e: &syn::Expr) -> R<ExprId> {
        match e {
            syn::Expr::Lit(l) => self.literal(&l.lit, false, e),
            syn::Expr::Paren(p) => self.expr_value(&p.expr),
            syn::Expr::Group(g) => self.expr_value(&g.expr),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => {
                    if let syn::Expr::Lit(l) = strip_parens(&u.expr) {
                        if matches!(l.lit, syn::Lit::Int(_) | syn::Lit::Float(_)) {
                            return self.literal(&l.lit, true, e);
                        }
                    }
                    let x = self.expr_value(&u.expr)?;
                    Ok(self.expr(ExprKind::Unary(UnOp::Neg, x), e))
                }
                syn::UnOp::Not(_) => {
                    let x = self.expr_value(&u.expr)?;
                    Ok(self.expr(ExprKind::Unary(UnOp::Not, x), e))
                }
                syn::UnOp::Deref(_) => self.deref(u),
                _ => Err(FrontError::new(e, "unsupported unary operator")),
            },
            syn::Expr::Binary(b) => self.binary(b),
            syn::Expr::Cast(c) => {
                let ty = names::scalar(&c.ty)?;
                let x = self.expr_value(&c.expr)?;
                Ok(self.expr(ExprKind::Cast(x, ty), e))
            }
            syn::Expr::Path(p) => self.path(p),
            syn::Expr::Index(ix) => self.index(ix),
            syn::Expr::MethodCall(mc) => self.method(mc),
            syn::Expr::Call(c) => self.call(c),
            syn::Expr::If(i) => {
                let t = self.temp(Span::of(i));
                self.if_stmt(i, Some(t))?;
                Ok(self.expr(ExprKind::Local(t), i))
            }
            syn::Expr::Block(b) if b.label.is_none() => {
                let t = self.temp(Span::of(b));
                let (block, ()) = self.nested(|l| l.arm(&b.block, Some(t)))?;
                if let Some(cur) = self.blocks.last_mut() {
                    cur.stmts.extend(block.stmts);
                }
                Ok(self.expr(ExprKind::Local(t), b))
            }
            syn::Expr::Assign(_) => Err(FrontError::new(e, "assignments are statements here")
                .hint("put the assignment on its own line, ending with `;`")),
            syn::Expr::Match(m) => {
                let t = self.temp(Span::of(m));
                self.match_expr(m, Some(t))?;
                Ok(self.expr(ExprKind::Local(t), m))
            }
            syn::Expr::Loop(l) => {
                let t = self.temp(Span::of(l));
                self.loop_stmt(l, Some(t))?;
                Ok(self.expr(ExprKind::Local(t), l))
            }
            syn::Expr::Block(b) if b.label.is_some() => Err(FrontError::new(&b.label, "labelled blocks are not supported")
                .hint("use a labelled `loop` that ends with `break 'label value`")),
            syn::Expr::Closure(_) => Err(FrontError::new(e, "closures are not supported in kernels")
                .hint("bind a closure with `let f = |v| ..;` and call it, or pass one where a walk takes it (`x.mapv(|v| ..)`, `Zip::from(..).for_each(|..| ..)`); to pass a function around, write a helper `fn` in the same compile! block")),
            syn::Expr::Reference(r) => self.reference(r),
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => self.vec_macro(m),
            syn::Expr::Macro(m) if m.mac.path.is_ident("array") => self.array_macro(m),
            syn::Expr::Macro(m) if m.mac.path.is_ident("matches") => self.matches_macro(m),
            syn::Expr::Macro(m) => Err(macro_error(&m.mac)),
            syn::Expr::Unsafe(_) => Err(FrontError::new(e, "`unsafe` is not allowed in kernels")
                .hint("rumba checks indices; use #[rumba(unsafe(boundscheck = false))] to drop the checks")),
            syn::Expr::Struct(s) => self.struct_lit(s),
            syn::Expr::Tuple(t) => self.tuple(t),
            syn::Expr::Repeat(r) => self.repeat(r),
            syn::Expr::Array(a) => self.array_literal(a),
            syn::Expr::Range(_) => Err(FrontError::new(e, "ranges are only allowed in `for` loops")),
            syn::Expr::While(_) | syn::Expr::ForLoop(_) => {
                Err(FrontError::new(e, "`while` and `for` loops cannot be used as values")
                    .hint("use `loop` with `break value`, or assign to a `let mut` declared before the loop"))
            }
            syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_) => {
                Err(FrontError::new(e, "`break`, `continue` and `return` are statements here")
                    .hint("put it on its own line"))
            }
            syn::Expr::Field(f) => self.field(f),
            syn::Expr::Try(t) => self.try_option(t),
            _ => Err(FrontError::new(e, "unsupported expression in a kernel").hint(EXPR_HINT)),
        }
    }

    pub(super) fn literal(
        &mut self,
        lit: &syn::Lit,
        negate: bool,
        node: &impl ToTokens,
    ) -> R<ExprId> {
        let lit = match lit {
            syn::Lit::Int(i) => {
                let suffix = scalar_suffix(i.suffix(), lit)?;
                if suffix.is_some_and(|s| s.is_float()) {
                    let digits = i.base10_digits();
                    let text = if negate {
                        format!("-{digits}")
                    } else {
                        digits.to_string()
                    };
                    Lit::Float(text, suffix)
                } else {
                    // Any value up to `u128::MAX`; the type decides whether it fits
                    // (`-170141183460469231731687303715884105728` is `i128::MIN`).
                    let value = int_lit(i, negate).ok_or_else(|| {
                        FrontError::new(lit, "integer literal is too large").hint(
                            "no integer type holds it: the largest is `u128::MAX` \
                             (340282366920938463463374607431768211455); use a float for larger values",
                        )
                    })?;
                    Lit::Int(value, suffix)
                }
            }
            syn::Lit::Float(f) => {
                let suffix = scalar_suffix(f.suffix(), lit)?;
                if suffix.is_some_and(|s| !s.is_float()) {
                    return Err(FrontError::new(lit, "invalid suffix for a float literal"));
                }
                let digits = f.base10_digits();
                Lit::Float(
                    if negate {
                        format!("-{digits}")
                    } else {
                        digits.to_string()
                    },
                    suffix,
                )
            }
            syn::Lit::Bool(b) => Lit::Bool(b.value),
            // `b'a'`: a `u8` (`-b'a'` is then rustc's error, a negative `u8`).
            syn::Lit::Byte(b) => Lit::Int(
                IntLit {
                    negative: negate,
                    magnitude: b.value().into(),
                },
                Some(Scalar::U8),
            ),
            other => {
                return Err(FrontError::new(
                    other,
                    "only numeric, boolean and byte (`b'a'`) literals are supported",
                )
                .hint(
                    "kernels compute on numbers: strings and chars have no type here; \
                     a byte literal `b'a'` is the `u8` of an ASCII character",
                ))
            }
        };
        Ok(self.expr(ExprKind::Lit(lit), node))
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> R<ExprId> {
        if compound_op(&b.op).is_some() {
            return Err(
                FrontError::new(b, "compound assignments are statements here")
                    .hint("put the assignment on its own line, ending with `;`"),
            );
        }
        let logic = match b.op {
            syn::BinOp::And(_) => Some(LogicOp::And),
            syn::BinOp::Or(_) => Some(LogicOp::Or),
            _ => None,
        };
        if let Some(op) = logic {
            let lhs = self.expr_value(&b.left)?;
            if !self.needs_stmts(&b.right) {
                let rhs = self.expr_value(&b.right)?;
                return Ok(self.expr(ExprKind::Logical(op, lhs, rhs), b));
            }
            // `a && { .. }`: the right side's statements run only when needed.
            let t = self.temp(Span::of(b));
            self.func.locals[t].ann = TypeAnn::Scalar(Scalar::Bool);
            let span = Span::of(b);
            self.emit(Stmt::Assign {
                local: t,
                value: lhs,
                span,
            });
            let (then_block, ()) = self.nested(|l| {
                let rhs = l.expr_value(&b.right)?;
                l.emit(Stmt::Assign {
                    local: t,
                    value: rhs,
                    span,
                });
                Ok(())
            })?;
            let cond = self.expr(ExprKind::Local(t), &b.left);
            let (then_body, else_body) = match op {
                LogicOp::And => (then_block, Block::default()),
                LogicOp::Or => (Block::default(), then_block),
            };
            self.emit(Stmt::If {
                cond,
                then_body,
                else_body,
            });
            return Ok(self.expr(ExprKind::Local(t), b));
        }
        let op = bin_op(&b.op).ok_or_else(|| FrontError::new(b, "unsupported operator"))?;
        let ops = self.operands([&*b.left, &*b.right].into_iter())?;
        Ok(self.expr(ExprKind::Binary(op, ops[0], ops[1]), b))
    }

    fn path(&mut self, p: &syn::ExprPath) -> R<ExprId> {
        if let Some(ident) = p.path.get_ident() {
            let name = ident.to_string();
            if let Some(local) = self.lookup(&name) {
                if self.closure_of(local).is_some() {
                    return Err(closure::closure_as_value(ident));
                }
                let id = self.expr(ExprKind::Local(local), p);
                self.reads.insert(id, p.to_token_stream());
                return Ok(id);
            }
            if let Some(v) = self.item_value(&p.path, p) {
                return v;
            }
            if name == "None" {
                return Ok(self.expr(ExprKind::Option(OptionOp::None), p));
            }
            // The start of an iterator chain's `sum()` / `product()` (`chain`).
            let identity = match name.as_str() {
                "__rumba_identity_sum" => Some(Fold::Sum),
                "__rumba_identity_product" => Some(Fold::Product),
                _ => None,
            };
            if let Some(fold) = identity {
                return Ok(self.expr(ExprKind::Lit(Lit::Identity(fold)), p));
            }
            return Err(unknown_value(ident, &name, self.names));
        }
        if let Some(v) = self.item_value(&p.path, p) {
            return v;
        }
        Err(FrontError::new(p, "unknown path in a kernel")
            .hint("std constants such as `std::f64::consts::PI`, `f32::INFINITY`, `i32::MAX` are supported"))
    }

    fn index(&mut self, ix: &syn::ExprIndex) -> R<ExprId> {
        // `a.shape()[d]`
        if let syn::Expr::MethodCall(mc) = strip_parens(&ix.expr) {
            if mc.method == "shape" && mc.args.is_empty() {
                let array = self.array_name(&mc.receiver)?;
                let d = const_dim(&ix.index)?;
                return Ok(self.expr(
                    ExprKind::Shape {
                        array,
                        query: ShapeQuery::Dim(d),
                    },
                    ix,
                ));
            }
        }
        let array = self.array_name(&ix.expr)?;
        let index = self.indices(&ix.index)?;
        Ok(self.expr(
            ExprKind::Load {
                array,
                index,
                checked: true,
            },
            ix,
        ))
    }

    fn method(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        // A method of the block's structs, unless written as the array method of that name
        // (`x.dot(&y)`): `types` resolves it by the receiver's struct.
        let name = mc.method.to_string();
        if let Some(method) = name.strip_prefix(super::handback::HANDED_BACK) {
            return self.method_value(mc, method.to_string());
        }
        if self.items.methods.contains(&name)
            && !mc.args.iter().any(|a| matches!(a, syn::Expr::Reference(_)))
        {
            return match self.items.mutating.get(&name) {
                Some(&value) => self.mutating_call(mc, value),
                None => self.method_value(mc, name),
            };
        }
        if super::syntax::is_fold(mc) {
            return self.iter_fold(mc);
        }
        if chain::is_consumer(mc) {
            return self.expr_value(&chain::consume(mc)?);
        }
        if stats::is_stat(mc) {
            return self.expr_value(&stats::lower(mc)?);
        }
        if super::syntax::is_array_method(mc) {
            return self.array_method(mc);
        }
        if mc.turbofish.is_some() {
            return Err(FrontError::new(
                mc,
                "turbofish `::<>` is not supported in kernels",
            ));
        }
        if let Some(r) = self.array_value_method(mc) {
            return r;
        }
        // ndarray's `x.map(|v| ..)` of an array the signature names (an `Option`'s `map`
        // otherwise; `types` names `mapv` for an array whose type only inference knows).
        if name == "map" && mc.args.len() == 1 && self.named_array(&mc.receiver) {
            return self.mapv(mc);
        }
        if let Some(r) = self.option_method(mc) {
            return r;
        }
        if name == "sin_cos" && mc.args.is_empty() {
            return self.sin_cos(mc);
        }
        if name == "len_of" && mc.args.len() == 1 {
            // `x.len_of(Axis(k))`: `x.shape()[k]`.
            let array = self.array_name(&mc.receiver)?;
            let query = ShapeQuery::Dim(self.axis(&mc.args[0])?);
            return Ok(self.expr(ExprKind::Shape { array, query }, mc));
        }
        if ARRAY_METHODS.contains(&name.as_str()) {
            let array = self.array_name(&mc.receiver)?;
            if !mc.args.is_empty() {
                return Err(FrontError::new(mc, format!("`{name}` takes no arguments")));
            }
            let query = match name.as_str() {
                "len" => ShapeQuery::Len,
                "ndim" => ShapeQuery::Ndim,
                "is_empty" => ShapeQuery::IsEmpty,
                "nrows" => ShapeQuery::Rows2d,
                "ncols" => ShapeQuery::Cols2d,
                "dim" => ShapeQuery::DimOf { d: 0, of: 1 },
                _ => {
                    return Err(FrontError::new(mc, "`shape()` must be indexed")
                        .hint("write `a.shape()[0]`"))
                }
            };
            return Ok(self.expr(ExprKind::Shape { array, query }, mc));
        }
        if let Some(r) = self.rng_method(mc) {
            return r;
        }
        let complex = super::complex::complex_method(mc);
        if let Some(Err(e)) = complex {
            return Err(e);
        }
        if let Some(hint) = hints::array_method_hint(&name).filter(|_| complex.is_none()) {
            return Err(
                FrontError::new(&mc.method, format!("unsupported method `{name}`")).hint(hint),
            );
        }
        if Intrinsic::from_name(&name).is_none()
            && complex.is_none()
            && !self.items.methods.contains(&name)
            && name != AS_TYPE_OF
            && name != crate::ir::REQUIRE_ORD
        {
            return Err(FrontError::new(&mc.method, format!("unsupported method `{name}`"))
                .hint("numeric methods of f32/f64 and the integers (sqrt, exp, powi, min, max, abs, ...), array queries (len, dim, shape, nrows, ncols, ndim, is_empty), views (view, slice, row, column, t, to_owned), whole-array methods (sum, product, mean, var, std, dot, fold, mapv, mapv_inplace, fill, assign, map_inplace), walks (iter, iter_mut, indexed_iter) and iterator chains (map, filter, zip, enumerate; sum, product, fold, count, min, max, any, all, position, find, collect) are supported"));
        }
        self.method_value(mc, name)
    }

    /// Whether `e` is a variable whose written type is an array (`x: ArrayView1<f64>`).
    fn named_array(&self, e: &syn::Expr) -> bool {
        match strip_parens(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&i.to_string()))
                .is_some_and(|l| matches!(self.func.local(l).ann, TypeAnn::Array { .. })),
            _ => false,
        }
    }

    /// `receiver.name(args)` as a method call for `types` to resolve.
    fn method_value(&mut self, mc: &syn::ExprMethodCall, name: String) -> R<ExprId> {
        let all: Vec<&syn::Expr> = std::iter::once(&*mc.receiver)
            .chain(mc.args.iter())
            .collect();
        let mut ops = self.operands(all.into_iter())?;
        let receiver = ops.remove(0);
        Ok(self.expr(
            ExprKind::Method {
                name,
                receiver,
                args: ops,
            },
            mc,
        ))
    }

    /// `f64::from(x)`, `i64::from(x)`, ..: the method `f64::from` of `x`, which `types` makes a
    /// cast where std has the lossless `From` (and an error naming `as` elsewhere);
    /// `f64::from_bits(u)`, `f32::from_bits(u)`: the intrinsic of that name, of `u`.
    fn conversion_call(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let [ty, method] = [p.path.segments.first()?, p.path.segments.last()?];
        let to = Scalar::from_name(&ty.ident.to_string()).filter(|s| !s.is_complex())?;
        let known = method.ident == "from" || (method.ident == "from_bits" && to.is_float());
        if p.path.segments.len() != 2 || !known || p.qself.is_some() {
            return None;
        }
        if c.args.len() != 1 {
            return Some(Err(FrontError::new(
                c,
                format!("`{to}::{}` takes one value", method.ident),
            )));
        }
        Some(self.expr_value(&c.args[0]).map(|receiver| {
            let name = format!("{to}::{}", method.ident);
            let args = Vec::new();
            self.expr(
                ExprKind::Method {
                    name,
                    receiver,
                    args,
                },
                c,
            )
        }))
    }

    /// `x.sin_cos()`: the tuple `(x.sin(), x.cos())`, as std computes it.
    fn sin_cos(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let x = self.expr_value(&mc.receiver)?;
        let x = self.spill(x);
        let x2 = self.copy_simple(x);
        let part = |l: &mut Self, name: &str, receiver: ExprId| {
            let name = name.to_string();
            let args = Vec::new();
            l.expr(
                ExprKind::Method {
                    name,
                    receiver,
                    args,
                },
                mc,
            )
        };
        let sin = part(self, "sin", x);
        let cos = part(self, "cos", x2);
        Ok(self.expr(ExprKind::Tuple(vec![sin, cos]), mc))
    }

    fn call(&mut self, c: &syn::ExprCall) -> R<ExprId> {
        if let Some(r) = self.constructor(c) {
            return r;
        }
        if let Some(r) = self.resize_call(c) {
            return r;
        }
        if let Some(r) = self.complex_constructor(c) {
            return r;
        }
        if let Some(r) = self.rng_constructor(c) {
            return r;
        }
        if let Some(r) = self.some_call(c) {
            return r;
        }
        if let Some(r) = self.conversion_call(c) {
            return r;
        }
        let syn::Expr::Path(p) = &*c.func else {
            return Err(FrontError::new(
                &c.func,
                "only named functions can be called",
            ));
        };
        if let Some((name, id)) = self.associated_fn(&p.path) {
            let Some(func) = id else {
                return Err(FrontError::new(
                    p,
                    format!("cannot find function `{name}` in this compile! block"),
                )
                .hint("define it in an `impl` block of the struct in the same compile! block"));
            };
            let args = self.operands(c.args.iter())?;
            return Ok(self.expr(ExprKind::Call { func, args }, c));
        }
        if let Some(method) = syntax::method_path_call(c).or_else(|| syntax::cmp_min_max(c)) {
            return self.expr_value(&method);
        }
        let linked = link::link_path(p).and_then(|path| self.names.get(&path.join("::")));
        if let Some(&func) = linked {
            let args = self.operands(c.args.iter())?;
            return Ok(self.expr(ExprKind::Call { func, args }, c));
        }
        let Some(ident) = p.path.get_ident() else {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if last == "shared_array" {
                return Err(
                    FrontError::new(c, "a shared array must be bound with `let`")
                        .hint("declare it as `let tile = shared_array::<f32>([16, 16]);`"),
                );
            }
            if p.path.segments.first().is_some_and(|s| s.ident == "Vec") {
                let empty = growable::empty_vec(c)?;
                return self.expr_value(&empty);
            }
            let hint = match method_call_hint(&last) {
                Some(h) => h,
                None => "call the functions of this compile! block by name (`helper(x)`), numeric functions as methods (`x.sqrt()`), and conversions as `f64::from(x)` or `x as f64`"
                    .into(),
            };
            let path = p.to_token_stream().to_string().replace(' ', "");
            return Err(FrontError::new(p, format!("cannot call `{path}` in a kernel")).hint(hint));
        };
        let name = ident.to_string();
        // The call of a function that hands parameters back, rewritten (`handback`); one left
        // as written has another number of arguments, or passes what is not a place.
        let name = match name.strip_prefix(super::handback::HANDED_BACK) {
            Some(f) => f.to_string(),
            None if self
                .items
                .hand_back
                .get(&name)
                .is_some_and(|h| h.by_ref.len() != c.args.len()) =>
            {
                let n = self.items.hand_back[&name].by_ref.len();
                return Err(FrontError::new(
                    c,
                    format!(
                        "`{name}` takes {n} arguments, the call passes {}",
                        c.args.len()
                    ),
                ));
            }
            None if self.items.hand_back.contains_key(&name) => {
                return Err(FrontError::new(c, format!("`{name}` takes arguments by `&mut`: pass each as `&mut` of a variable, a field or an element (`&mut a[i].x`)"))
                    .hint(format!("bind a view's element to a variable first (`let mut v = row[j]; {name}(&mut v); row[j] = v;`); an element reference of a walk (`for p in ps.iter_mut()`) is passed as `p`")));
            }
            None => name,
        };
        if name == "shared_array" {
            return Err(
                FrontError::new(c, "a shared array must be bound with `let`")
                    .hint("declare it as `let tile = shared_array::<f32>([16, 16]);`"),
            );
        }
        if name == "prange" {
            return Err(FrontError::new(
                c,
                "`prange` is only allowed as the iterator of a `for` loop",
            ));
        }
        if !self.names.contains_key(&name) {
            if let Some(op) = GpuOp::from_name(&name) {
                return self.gpu_builtin(op, c);
            }
        }
        if let Some(local) = self.lookup(&name) {
            if let Some(lc) = self.closure_of(local).cloned() {
                return self.call_closure(lc, c);
            }
            return Err(FrontError::new(
                ident,
                format!("`{name}` is a local value, not a function"),
            )
            .hint(
                "call a function of this compile! block, or a closure bound with `let f = |v| ..`",
            ));
        }
        if !self.names.contains_key(&name) && self.items.links.iter().any(|l| l.0 == name) {
            return Err(FrontError::new(
                ident,
                format!("`{name}` is brought in by a `use` inside a function"),
            )
            .hint("`use` functions of other compile! blocks at the top of the block"));
        }
        let Some(&func) = self.names.get(&name) else {
            let hint = method_call_hint(&name).unwrap_or_else(|| {
                "kernels can call functions defined in the same compile! block".into()
            });
            return Err(FrontError::new(
                ident,
                format!("cannot find function `{name}` in this compile! block"),
            )
            .hint(hint));
        };
        let args = self.operands(c.args.iter())?;
        Ok(self.expr(ExprKind::Call { func, args }, c))
    }
}
