//! Arrays and tuples as values: ndarray's constructors (`Array1::zeros(n)`,
//! `Array2::<f32>::from_elem((n, m), v)`, `vec![v; n]`, `[v; N]`), `x.to_owned()`, views (`&t`, `&mut t`,
//! `t.view()`), tuple expressions, `t.0`, and `let (a, b) = ..`.
//!
//! In: `syn` calls, references, macros, tuples and fields. Out: `ExprKind::Alloc`, `Borrow`,
//! `Tuple`, `Field` and `Stmt::Unpack`; the element type is what the source wrote, or left to
//! inference.

use super::syntax::strip_parens;
use super::*;
use syn::punctuated::Punctuated;

/// An integer literal, with its sign (`2`, `-1`).
fn literal_int(e: &syn::Expr) -> Option<i64> {
    match strip_parens(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            literal_int(&u.expr).map(|k| -k)
        }
        _ => None,
    }
}

/// `path` (`Array2::<f32>::eye`) calling `method` instead (`Array2::<f32>::zeros`).
fn with_last_segment(path: &syn::ExprPath, method: &str) -> syn::ExprPath {
    let mut path = path.clone();
    if let Some(last) = path.path.segments.last_mut() {
        last.ident = syn::Ident::new(method, last.ident.span());
    }
    path
}

/// A new 1-D array of `__rumba_n` elements `__rumba_a + __rumba_step * i` (`i` converted to the
/// float type), as ndarray's `linspace` and `range` compute them, after `setup` binds those.
/// `setup` gets the span of `path` and the name of the cast to the float type.
fn progression(
    path: &syn::ExprPath,
    setup: impl FnOnce(proc_macro2::Span, &syn::Ident) -> proc_macro2::TokenStream,
) -> syn::Expr {
    let zeros = with_last_segment(path, "zeros");
    let to = syn::Ident::new(AS_TYPE_OF, proc_macro2::Span::call_site());
    let span = syn::spanned::Spanned::span(path);
    let setup = setup(span, &to);
    syn::parse_quote_spanned!(span=> {
        #setup
        let mut __rumba_out = #zeros(__rumba_n);
        for __rumba_i in 0..__rumba_n {
            __rumba_out[__rumba_i] = __rumba_a + __rumba_step * __rumba_i.#to(__rumba_a);
        }
        __rumba_out
    })
}

/// The constructors of ndarray's owned arrays that kernels can call.
const CONSTRUCTORS: &[&str] = &[
    "zeros",
    "ones",
    "from_elem",
    "linspace",
    "range",
    "eye",
    "from",
    "from_vec",
    "from_shape_fn",
];

impl FnLowerer<'_> {
    /// `Array1::zeros(n)` and friends, when `c` calls one; `None` for any other call.
    pub(super) fn constructor(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs: Vec<&syn::PathSegment> = p.path.segments.iter().collect();
        let [.., ty, method] = segs.as_slice() else {
            return None;
        };
        let name = ty.ident.to_string();
        let rest = name.strip_prefix("Array")?;
        let method = method.ident.to_string();
        if !CONSTRUCTORS.contains(&method.as_str()) {
            return Some(Err(FrontError::new(
                c,
                format!("`{name}::{method}` is not supported in kernels"),
            )
            .hint(
                "make arrays with `zeros`, `ones` or `from_elem`, or copy one with `x.to_owned()`",
            )));
        }
        match method.as_str() {
            "linspace" => return Some(self.linspace(c, p)),
            "range" => return Some(self.range_array(c, p)),
            "eye" => return Some(self.eye(c, p)),
            _ => {}
        }
        if method == "from_shape_fn" {
            return Some(self.shape_fn_array(c, p));
        }
        // `Array1::from(v)` of a `Vec` (a 1-D array in kernels already): the value itself.
        if let ("from" | "from_vec", [v]) =
            (method.as_str(), &c.args.iter().collect::<Vec<_>>()[..])
        {
            return Some(self.expr_value(v));
        }
        Some(self.new_array(c, rest, &ty.arguments, &method))
    }

    /// `Array1::from_shape_fn(n, |i| ..)`, `Array2::from_shape_fn((n, m), |(i, j)| ..)` (any
    /// number of axes, a tuple shape): a new array whose elements the closure gives, called in
    /// logical order as ndarray calls it.
    fn shape_fn_array(&mut self, c: &syn::ExprCall, path: &syn::ExprPath) -> R<ExprId> {
        let [shape, f] = c.args.iter().collect::<Vec<_>>()[..] else {
            return Err(
                FrontError::new(c, "`from_shape_fn` takes a shape and a closure")
                    .hint("write `Array2::from_shape_fn((n, m), |(i, j)| ..)`"),
            );
        };
        // The number of axes: the shape's tuple, else the type's name (`Array2`), else one.
        let written: Option<Vec<&syn::Expr>> = match strip_parens(shape) {
            syn::Expr::Tuple(t) => Some(t.elems.iter().collect()),
            _ => None,
        };
        let named = path.path.segments.iter().rev().nth(1).and_then(|s| {
            s.ident
                .to_string()
                .strip_prefix("Array")?
                .parse::<usize>()
                .ok()
        });
        let ndim = written.as_ref().map_or(named.unwrap_or(1), Vec::len);
        let zeros = with_last_segment(path, "zeros");
        let span = syn::spanned::Spanned::span(path);
        let names: Vec<syn::Ident> = (0..ndim)
            .map(|d| quote::format_ident!("__rumba_i{}", d, span = span))
            .collect();
        let dims: Vec<syn::Ident> = (0..ndim)
            .map(|d| quote::format_ident!("__rumba_n{}", d, span = span))
            .collect();
        // One index is passed as it is, several as a tuple, as ndarray's `Dim` pattern reads.
        let (index, at) = match &names[..] {
            [i] => (quote::quote!(#i), quote::quote!(#i)),
            _ => (quote::quote!((#(#names),*)), quote::quote!([#(#names),*])),
        };
        let mut body = quote::quote_spanned!(span=> __rumba_out[#at] = __rumba_f(#index););
        for (i, n) in names.iter().zip(&dims).rev() {
            body = quote::quote_spanned!(span=> for #i in 0..#n { #body });
        }
        let extents = match (written, &dims[..]) {
            (Some(e), _) => quote::quote_spanned!(span=> #(let #dims: usize = #e;)*),
            (None, [d]) => quote::quote_spanned!(span=> let #d: usize = #shape;),
            (None, _) => quote::quote_spanned!(span=> let (#(#dims),*) = #shape;),
        };
        let block: syn::Expr = syn::parse_quote_spanned!(span=> {
            #extents
            let mut __rumba_f = #f;
            let mut __rumba_out = #zeros((#(#dims),*));
            #body
            __rumba_out
        });
        self.expr_value(&block)
    }

    /// `Array1::linspace(a, b, n)` as ndarray computes it (numpy's way): `n` elements
    /// `a + step * i` with `step = (b - a) / (n - 1)` (`0` when `n <= 1`), `i` converted to the
    /// float type.
    fn linspace(&mut self, c: &syn::ExprCall, path: &syn::ExprPath) -> R<ExprId> {
        let [a, b, n] = c.args.iter().collect::<Vec<_>>()[..] else {
            return Err(FrontError::new(c, "`linspace` takes three arguments")
                .hint("write `Array1::linspace(start, end, n)`"));
        };
        let setup = |span, to: &syn::Ident| {
            quote::quote_spanned!(span=>
                let __rumba_a = #a;
                let __rumba_b = #b;
                let __rumba_n: usize = #n;
                let __rumba_step = if __rumba_n > 1 {
                    (__rumba_b - __rumba_a) / (__rumba_n - 1).#to(__rumba_a)
                } else {
                    0usize.#to(__rumba_a)
                };
            )
        };
        self.expr_value(&progression(path, setup))
    }

    /// `Array1::range(start, end, step)` as ndarray computes it: `ceil((end - start) / step)`
    /// elements `start + step * i` (`i` converted to the float type); a length that is not a
    /// `usize` (the signs of `end - start` and `step` differ, or NaN) fails the call with
    /// ndarray's message.
    fn range_array(&mut self, c: &syn::ExprCall, path: &syn::ExprPath) -> R<ExprId> {
        let [a, b, step] = c.args.iter().collect::<Vec<_>>()[..] else {
            return Err(FrontError::new(c, "`range` takes three arguments")
                .hint("write `Array1::range(start, end, step)`"));
        };
        let setup = |span, to: &syn::Ident| {
            quote::quote_spanned!(span=>
                let __rumba_a = #a;
                let __rumba_b = #b;
                let __rumba_step = #step;
                let __rumba_steps = ((__rumba_b - __rumba_a) / __rumba_step).ceil();
                // `ToPrimitive::to_usize` of a float: `None` outside (-1, 2^64).
                assert!(
                    __rumba_steps > (-1.0).#to(__rumba_a) && __rumba_steps < 18446744073709551616.0.#to(__rumba_a),
                    "Converting the length to `usize` must not fail. The most likely cause of this failure is if the sign of `end - start` is different from the sign of `step`."
                );
                let __rumba_n = __rumba_steps as usize;
            )
        };
        self.expr_value(&progression(path, setup))
    }

    /// `Array2::eye(n)`: an `n` x `n` array of zeros with ones on the diagonal.
    fn eye(&mut self, c: &syn::ExprCall, path: &syn::ExprPath) -> R<ExprId> {
        let [n] = c.args.iter().collect::<Vec<_>>()[..] else {
            return Err(FrontError::new(c, "`eye` takes one argument")
                .hint("write `Array2::<f64>::eye(n)`"));
        };
        let (zeros, ones) = (
            with_last_segment(path, "zeros"),
            with_last_segment(path, "ones"),
        );
        let span = syn::spanned::Spanned::span(path);
        // The one is an element of a 1 x 1 array of ones: of the element type, whatever it is.
        let block: syn::Expr = syn::parse_quote_spanned!(span=> {
            let __rumba_n: usize = #n;
            let mut __rumba_out = #zeros((__rumba_n, __rumba_n));
            let __rumba_one = #ones((1, 1));
            for __rumba_i in 0..__rumba_n {
                __rumba_out[[__rumba_i, __rumba_i]] = __rumba_one[[0, 0]];
            }
            __rumba_out
        });
        self.expr_value(&block)
    }

    fn new_array(
        &mut self,
        c: &syn::ExprCall,
        rest: &str,
        generics: &syn::PathArguments,
        method: &str,
    ) -> R<ExprId> {
        let ndim = match rest {
            "" => None,
            "1" | "2" | "3" | "4" | "5" | "6" => rest.parse().ok(),
            _ => {
                return Err(FrontError::new(c, format!("`Array{rest}` cannot be made in kernels"))
                    .hint("make an array of a fixed number of axes: `Array1::zeros(n)`, `Array2::zeros((n, m))`"))
            }
        };
        let elem = match generics {
            syn::PathArguments::None => None,
            syn::PathArguments::AngleBracketed(a) => match a.args.first() {
                Some(syn::GenericArgument::Type(t)) if a.args.len() == 1 => {
                    if let (Some(def), "zeros" | "ones") = (self.struct_of_type(t), method) {
                        return Err(FrontError::new(
                            c,
                            format!("the trait bound `{}: Zero` / `One` is not satisfied", def.name),
                        )
                        .hint(format!(
                            "`zeros` and `ones` need numbers: make an array of structs with `Array{rest}::from_elem(n, {} {{ .. }})`",
                            def.name
                        )));
                    }
                    match self.type_ann(t)? {
                        TypeAnn::Scalar(s) => Some(s),
                        TypeAnn::Infer => None,
                        _ => {
                            return Err(FrontError::new(t, "array elements must be scalars")
                                .hint("write `Array1::<f64>::zeros(n)`"))
                        }
                    }
                }
                _ => {
                    return Err(FrontError::new(a, "expected one element type")
                        .hint("write `Array1::<f64>::zeros(n)`"))
                }
            },
            syn::PathArguments::Parenthesized(p) => {
                return Err(FrontError::new(p, "expected an element type in `<..>`"))
            }
        };
        let want = if method == "from_elem" { 2 } else { 1 };
        if c.args.len() != want {
            return Err(FrontError::new(
                c,
                format!(
                    "`{method}` takes {want} argument{}",
                    if want == 1 { "" } else { "s" }
                ),
            )
            .hint(if want == 1 {
                "give the shape: `zeros(n)`, `zeros((n, m))`, `zeros(x.raw_dim())`"
            } else {
                "give the shape and the value: `from_elem((n, m), 0.5)`"
            }));
        }
        // Rust evaluates the shape, then the value; the IR evaluates the value first, so a
        // value that needs statements goes after the shape's.
        let shape = self.shape(&c.args[0])?;
        let init = match method {
            "zeros" => Init::Zeros,
            "ones" => Init::Ones,
            _ => Init::Elem(self.expr_value(&c.args[1])?),
        };
        Ok(self.expr(
            ExprKind::Alloc {
                elem,
                ndim,
                shape,
                init,
            },
            c,
        ))
    }

    /// A shape argument: `n`, `(n, m)`, `[n, m]`, `x.raw_dim()`, `x.dim()`.
    fn shape(&mut self, e: &syn::Expr) -> R<AllocShape> {
        match strip_parens(e) {
            syn::Expr::Tuple(t) => Ok(AllocShape::Dims(self.operands(t.elems.iter())?)),
            syn::Expr::Array(a) => Ok(AllocShape::Dims(self.operands(a.elems.iter())?)),
            syn::Expr::MethodCall(mc)
                if (mc.method == "raw_dim" || mc.method == "dim") && mc.args.is_empty() =>
            {
                Ok(AllocShape::Like(self.array_name(&mc.receiver)?))
            }
            e => Ok(AllocShape::Dims(vec![self.spill_value(e)?])),
        }
    }

    /// An expression's value, in a temporary unless it is simple.
    fn spill_value(&mut self, e: &syn::Expr) -> R<ExprId> {
        let v = self.expr_value(e)?;
        Ok(self.spill(v))
    }

    /// `vec![v; n]`: a 1-D array of `n` copies of `v`; `vec![a, b, c]`: of these values.
    pub(super) fn vec_macro(&mut self, m: &syn::ExprMacro) -> R<ExprId> {
        let hint = "write `vec![value; n]` (an array of `n` copies) or `vec![a, b, c]`";
        let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
            let v: syn::Expr = input.parse()?;
            input.parse::<syn::Token![;]>()?;
            let n: syn::Expr = input.parse()?;
            Ok((v, n))
        });
        if let Ok((v, n)) = parsed {
            return self.filled(&v, &n, m);
        }
        let list = m
            .mac
            .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .map_err(|_| FrontError::new(m, "unsupported `vec!`").hint(hint))?;
        self.listed(&[list.len()], list.iter(), m)
    }

    /// `__rumba_resize(v, n)`, which `growable` writes for a vector's buffer: the owned array
    /// `v` (moved) made `n` elements long (`Init::Resize`).
    pub(super) fn resize_call(&mut self, c: &syn::ExprCall) -> Option<R<ExprId>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        if !p.path.is_ident(super::growable::RESIZE) {
            return None;
        }
        let [v, n] = &c.args.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        Some(self.resized(v, n, c))
    }

    fn resized(&mut self, v: &syn::Expr, n: &syn::Expr, c: &syn::ExprCall) -> R<ExprId> {
        let n = self.expr_value(n)?;
        let v = self.expr_value(v)?;
        let kind = ExprKind::Alloc {
            elem: None,
            ndim: Some(1),
            shape: AllocShape::Dims(vec![n]),
            init: Init::Resize(v),
        };
        Ok(self.expr(kind, c))
    }

    /// ndarray's `array![a, b, c]` (an `Array1`) and `array![[a, b], [c, d]]` (an `Array2`, one
    /// row per inner list, all as long).
    pub(super) fn array_macro(&mut self, m: &syn::ExprMacro) -> R<ExprId> {
        let hint = "write `array![a, b, c]` or `array![[a, b], [c, d]]`";
        let list = m
            .mac
            .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .map_err(|_| FrontError::new(m, "unsupported `array!`").hint(hint))?;
        let rows: Vec<&syn::ExprArray> = list
            .iter()
            .filter_map(|e| match strip_parens(e) {
                syn::Expr::Array(a) => Some(a),
                _ => None,
            })
            .collect();
        if rows.is_empty() {
            return self.listed(&[list.len()], list.iter(), m);
        }
        let width = rows[0].elems.len();
        if rows.len() != list.len() || rows.iter().any(|r| r.elems.len() != width) {
            return Err(FrontError::new(
                m,
                "the rows of `array![..]` must be lists of the same length",
            )
            .hint(hint));
        }
        if rows
            .iter()
            .flat_map(|r| &r.elems)
            .any(|e| matches!(strip_parens(e), syn::Expr::Array(_)))
        {
            return Err(FrontError::new(
                m,
                "`array!` of more than two dimensions is not supported",
            )
            .hint("make it with `Array3::zeros((a, b, c))` and fill it"));
        }
        self.listed(&[rows.len(), width], rows.iter().flat_map(|r| &r.elems), m)
    }

    /// A new heap array of extents `dims` whose elements, in C order, are `values`.
    fn listed<'e>(
        &mut self,
        dims: &[usize],
        values: impl Iterator<Item = &'e syn::Expr>,
        node: &impl quote::ToTokens,
    ) -> R<ExprId> {
        let values = self.operands(values)?;
        let span = Span::of(node);
        let dims = dims
            .iter()
            .map(|&d| {
                self.func.add_expr(
                    ExprKind::Lit(Lit::Int(IntLit::new(d as i128), Some(Scalar::Usize))),
                    span,
                )
            })
            .collect::<Vec<_>>();
        Ok(self.expr(
            ExprKind::Alloc {
                elem: None,
                ndim: Some(dims.len() as u8),
                shape: AllocShape::Dims(dims),
                init: Init::Each(values),
            },
            node,
        ))
    }

    /// A 1-D array of `n` copies of `v`.
    fn filled(&mut self, v: &syn::Expr, n: &syn::Expr, node: &impl quote::ToTokens) -> R<ExprId> {
        let value = self.spill_value(v)?;
        let n = self.expr_value(n)?;
        Ok(self.expr(
            ExprKind::Alloc {
                elem: None,
                ndim: Some(1),
                shape: AllocShape::Dims(vec![n]),
                init: Init::Elem(value),
            },
            node,
        ))
    }

    /// `[v; N]`: a fixed-size array of `N` copies of `v` (a stack array, copied as Rust copies
    /// a `[T; N]`).
    pub(super) fn repeat(&mut self, r: &syn::ExprRepeat) -> R<ExprId> {
        let n = self.fixed_len(&r.len)?;
        let value = self.spill_value(&r.expr)?;
        Ok(self.expr(
            ExprKind::Alloc {
                elem: None,
                ndim: Some(1),
                shape: AllocShape::Fixed(n),
                init: Init::Elem(value),
            },
            r,
        ))
    }

    /// `[a, b, c]`: a fixed-size array of these values.
    pub(super) fn array_literal(&mut self, a: &syn::ExprArray) -> R<ExprId> {
        let values = self.operands(a.elems.iter())?;
        let n = u32::try_from(values.len())
            .map_err(|_| FrontError::new(a, "array literal too long"))?;
        Ok(self.expr(
            ExprKind::Alloc {
                elem: None,
                ndim: Some(1),
                shape: AllocShape::Fixed(n),
                init: Init::Each(values),
            },
            a,
        ))
    }

    /// The length `N` of `[v; N]`: an integer literal, a `const` with a literal value, or `+`,
    /// `-`, `*` of those.
    fn fixed_len(&self, e: &syn::Expr) -> R<u32> {
        fn eval(l: &FnLowerer<'_>, e: &syn::Expr) -> Option<i128> {
            match strip_parens(e) {
                syn::Expr::Path(p) if p.qself.is_none() => l.items.int_value(&p.path)?.to_i128(),
                syn::Expr::Binary(b) => {
                    let (x, y) = (eval(l, &b.left)?, eval(l, &b.right)?);
                    match b.op {
                        syn::BinOp::Add(_) => x.checked_add(y),
                        syn::BinOp::Sub(_) => x.checked_sub(y),
                        syn::BinOp::Mul(_) => x.checked_mul(y),
                        _ => None,
                    }
                }
                e => syntax::int_literal(e)?.to_i128(),
            }
        }
        let n = eval(self, e).ok_or_else(|| {
            FrontError::new(e, "the length of `[v; N]` must be a constant")
                .hint("write an integer literal or a `const` (`const N: usize = 4;`); for a length known only at run time use `vec![v; n]`")
        })?;
        u32::try_from(n).map_err(|_| {
            FrontError::new(e, format!("`{n}` is not a length for `[v; N]`"))
                .hint("use `vec![v; n]` for an array on the heap")
        })
    }

    /// `&x`, `&mut x`: a view of array `x` (a new array made in place is held by a temporary).
    pub(super) fn reference(&mut self, r: &syn::ExprReference) -> R<ExprId> {
        let mutable = r.mutability.is_some();
        let array = self.array_name(&r.expr)?;
        Ok(self.expr(ExprKind::Borrow { array, mutable }, r))
    }

    /// `x.to_owned()`, `x.view()`, `x.view_mut()`, `x.t()`, `x.insert_axis(Axis(k))`, `x.slice(s![..])`,
    /// `x.slice_mut(s![..])`, `x.row(i)`, `x.row_mut(i)`, `x.column(j)`, `x.column_mut(j)`, when
    /// `mc` is one of them.
    pub(super) fn array_value_method(&mut self, mc: &syn::ExprMethodCall) -> Option<R<ExprId>> {
        let mut name = mc.method.to_string();
        // `x.clone()` of a name whose written type says what it is: an array's copy
        // (`to_owned`; a view's clone reads the same elements, which nothing can change while
        // it lives), a scalar's value.
        if name == "clone" && mc.args.is_empty() {
            let local = match strip_parens(&mc.receiver) {
                syn::Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
                _ => None,
            };
            match local.map(|l| self.func.local(l).ann) {
                Some(TypeAnn::Array { .. }) => name = "to_owned".into(),
                Some(TypeAnn::Scalar(_)) => return Some(self.expr_value(&mc.receiver)),
                _ => return None,
            }
        }
        match name.as_str() {
            "slice" | "slice_mut" | "row" | "row_mut" | "column" | "column_mut" => {
                return Some(self.slice_method(mc, &name))
            }
            "to_owned" | "to_vec" | "view" | "view_mut" | "t" => {}
            "insert_axis" => return Some(self.insert_axis(mc)),
            "index_axis" | "index_axis_mut" => return Some(self.index_axis(mc, &name)),
            "broadcast" => {
                return Some(Err(FrontError::new(
                    mc,
                    "`broadcast` returns an `Option` of a view, which kernels open only with `unwrap` or `expect`",
                )
                .hint("write `x.broadcast(y.dim()).unwrap()`: a shape `x` does not stretch to is then an error naming both")))
            }
            _ => return None,
        }
        if !mc.args.is_empty() {
            return Some(Err(FrontError::new(
                mc,
                format!("`{name}` takes no arguments"),
            )));
        }
        Some(self.array_name(&mc.receiver).map(|array| {
            let kind = match name.as_str() {
                "t" => ExprKind::Transpose(array),
                // `to_vec()`: a `Vec` (a new 1-D array in kernels) in logical order;
                // `to_owned()`: ndarray's copy, in the memory order of a contiguous `array`.
                "to_owned" | "to_vec" => ExprKind::Alloc {
                    elem: None,
                    ndim: None,
                    shape: match name.as_str() {
                        "to_owned" => AllocShape::LayoutOf(array),
                        _ => AllocShape::Like(array),
                    },
                    init: Init::Copy(array),
                },
                _ => ExprKind::Borrow {
                    array,
                    mutable: name == "view_mut",
                },
            };
            self.expr(kind, mc)
        }))
    }

    /// `x.insert_axis(Axis(k))`: a method call of the constant `k` that `types`, knowing `x`'s
    /// number of axes, turns into the view it is, `s![.., NewAxis, ..]` with the new axis at `k`.
    fn insert_axis(&mut self, mc: &syn::ExprMethodCall) -> R<ExprId> {
        let span = Span::of(mc);
        let [arg] = mc.args.iter().collect::<Vec<_>>()[..] else {
            return Err(FrontError::new(mc, "`insert_axis` takes one argument")
                .hint("write `x.insert_axis(Axis(k))`"));
        };
        let k = self.axis(arg)?;
        let array = self.array_name(&mc.receiver)?;
        let receiver = self.func.add_expr(ExprKind::Local(array), span);
        let k = ExprKind::Const(Const::int(Scalar::Usize, k.into()));
        let k = self.func.add_expr(k, span);
        let call = ExprKind::Method {
            name: "insert_axis".into(),
            receiver,
            args: vec![k],
        };
        Ok(self.expr(call, mc))
    }

    /// `x.index_axis(Axis(k), i)` / `index_axis_mut`: a method call of the constant `k` and the
    /// index that `types`, knowing `x`'s number of axes, turns into the view it is, `x` sliced
    /// with `i` at axis `k` (an index out of range fails the call, as ndarray panics).
    fn index_axis(&mut self, mc: &syn::ExprMethodCall, name: &str) -> R<ExprId> {
        let span = Span::of(mc);
        let [axis, index] = mc.args.iter().collect::<Vec<_>>()[..] else {
            return Err(FrontError::new(mc, format!("`{name}` takes two arguments"))
                .hint(format!("write `x.{name}(Axis(k), i)`")));
        };
        let k = self.axis(axis)?;
        let array = self.array_name(&mc.receiver)?;
        let index = self.expr_value(index)?;
        let receiver = self.func.add_expr(ExprKind::Local(array), span);
        let k = ExprKind::Const(Const::int(Scalar::Usize, k.into()));
        let k = self.func.add_expr(k, span);
        let call = ExprKind::Method {
            name: name.into(),
            receiver,
            args: vec![k, index],
        };
        Ok(self.expr(call, mc))
    }

    fn slice_method(&mut self, mc: &syn::ExprMethodCall, name: &str) -> R<ExprId> {
        let array = self.array_name(&mc.receiver)?;
        let mutable = name.ends_with("_mut");
        let one_arg = |what: &str| {
            FrontError::new(mc, format!("`{name}` takes one argument"))
                .hint(format!("write `x.{name}({what})`"))
        };
        let axes = match name.trim_end_matches("_mut") {
            "slice" => {
                let [arg] = mc.args.iter().collect::<Vec<_>>()[..] else {
                    return Err(one_arg("s![a..b, ..]"));
                };
                self.slice_info(arg)?
            }
            which => {
                let [arg] = mc.args.iter().collect::<Vec<_>>()[..] else {
                    return Err(one_arg("i"));
                };
                let i = SliceAxis::Index(self.bound(arg)?);
                let all = SliceAxis::Range {
                    start: None,
                    end: None,
                    step: 1,
                };
                // `row(i)` is `s![i, ..]` and `column(j)` is `s![.., j]`, of a 2-D array.
                match which {
                    "row" => vec![i, all],
                    _ => vec![all, i],
                }
            }
        };
        Ok(self.expr(
            ExprKind::Slice {
                array,
                axes,
                mutable,
            },
            mc,
        ))
    }

    /// The elements of `s![..]`.
    fn slice_info(&mut self, arg: &syn::Expr) -> R<Vec<SliceAxis>> {
        let hint = "slice with ndarray's macro: `x.slice(s![1..n - 1, ..;2])`";
        let syn::Expr::Macro(m) = strip_parens(arg) else {
            return Err(FrontError::new(arg, "expected `s![..]`").hint(hint));
        };
        if !m.mac.path.is_ident("s") {
            return Err(FrontError::new(arg, "expected `s![..]`").hint(hint));
        }
        let elems = m
            .mac
            .parse_body_with(|input: syn::parse::ParseStream| {
                let mut out = Vec::new();
                while !input.is_empty() {
                    let e: syn::Expr = input.parse()?;
                    let step = if input.peek(syn::Token![;]) {
                        input.parse::<syn::Token![;]>()?;
                        Some(input.parse::<syn::Expr>()?)
                    } else {
                        None
                    };
                    out.push((e, step));
                    if input.is_empty() {
                        break;
                    }
                    input.parse::<syn::Token![,]>()?;
                }
                Ok(out)
            })
            .map_err(|e| FrontError::new(arg, format!("cannot read this slice: {e}")).hint(hint))?;
        let mut axes = Vec::new();
        for (e, step) in elems {
            let step = match &step {
                None => 1,
                Some(k) => match literal_int(k) {
                    Some(k) if k != 0 => k,
                    Some(_) => {
                        return Err(FrontError::new(k, "a slice step cannot be zero")
                            .hint("use a step like `;2` or `;-1`"))
                    }
                    None => {
                        return Err(FrontError::new(k, "slice steps must be integer literals")
                            .hint("write the step as a literal: `s![..;2]`"))
                    }
                },
            };
            axes.push(match strip_parens(&e) {
                syn::Expr::Range(r) => {
                    if matches!(r.limits, syn::RangeLimits::Closed(_)) {
                        return Err(FrontError::new(r, "`..=` is not supported in slices")
                            .hint("write the end one past the last position: `a..b + 1`"));
                    }
                    let start = r.start.as_deref().map(|x| self.bound(x)).transpose()?;
                    let end = r.end.as_deref().map(|x| self.bound(x)).transpose()?;
                    SliceAxis::Range { start, end, step }
                }
                syn::Expr::Path(p) if p.path.is_ident("NewAxis") => SliceAxis::NewAxis,
                other => {
                    if step != 1 {
                        return Err(FrontError::new(other, "a step needs a range").hint(hint));
                    }
                    SliceAxis::Index(self.bound(other)?)
                }
            });
        }
        Ok(axes)
    }

    /// A slice position: a negative literal counts from the end.
    fn bound(&mut self, e: &syn::Expr) -> R<Bound> {
        if let syn::Expr::Unary(u) = strip_parens(e) {
            if matches!(u.op, syn::UnOp::Neg(_)) {
                if let Some(k) = literal_int(&u.expr) {
                    let value = self.expr(
                        ExprKind::Lit(Lit::Int(IntLit::new(k.into()), Some(Scalar::Usize))),
                        e,
                    );
                    return Ok(Bound {
                        value,
                        from_end: true,
                    });
                }
            }
        }
        Ok(Bound {
            value: self.spill_value(e)?,
            from_end: false,
        })
    }

    /// `(a, b, ..)`.
    pub(super) fn tuple(&mut self, t: &syn::ExprTuple) -> R<ExprId> {
        if t.elems.len() < 2 {
            return Err(FrontError::new(t, "tuples need two or more elements")
                .hint("write the value without parentheses"));
        }
        let xs = self.operands(t.elems.iter())?;
        Ok(self.expr(ExprKind::Tuple(xs), t))
    }

    /// `t.0`, and a struct's field `p.x`.
    pub(super) fn field(&mut self, f: &syn::ExprField) -> R<ExprId> {
        if let Some(part) = self.complex_part(f) {
            return part;
        }
        let index = match &f.member {
            syn::Member::Unnamed(index) => index,
            syn::Member::Named(field) => return self.struct_field(f, field),
        };
        let x = self.expr_value(&f.base)?;
        Ok(self.expr(ExprKind::Field(x, index.index), f))
    }

    /// `let (a, _, (c, d)) = value;` with a tuple value (not `x.dim()`).
    pub(super) fn let_unpack(
        &mut self,
        tuple: &syn::PatTuple,
        init: &syn::Expr,
        at: &syn::Local,
    ) -> R<()> {
        // A tuple written out, bound to names and `_`s (`let (mut zr, mut zi, mut n) = (0.0,
        // 0.0, 0);`): one assignment each, which the passes see as the separate `let`s it means.
        // The elements are lowered first, as operands (in order, each evaluated once), and
        // cannot read the names the pattern binds: they are declared after.
        let plain = |pat: &syn::Pat| match pat {
            syn::Pat::Ident(pi) => pi.by_ref.is_none() && pi.subpat.is_none(),
            syn::Pat::Wild(_) => true,
            _ => false,
        };
        if let syn::Expr::Tuple(t) = init {
            if t.elems.len() == tuple.elems.len() && tuple.elems.iter().all(plain) {
                let xs = match self.operands(t.elems.iter()) {
                    Ok(xs) => xs,
                    Err(e) => {
                        self.bind_names(&mut tuple.elems.iter());
                        return Err(e);
                    }
                };
                let span = Span::of(at);
                for (pat, value) in tuple.elems.iter().zip(xs) {
                    match pat {
                        syn::Pat::Ident(pi) => {
                            let mutable = pi.mutability.is_some();
                            let local = self.declare(&pi.ident, TypeAnn::Infer, mutable, true);
                            self.emit(Stmt::Assign { local, value, span });
                        }
                        _ => self.emit(Stmt::Eval(value)),
                    }
                }
                return Ok(());
            }
        }
        let value = match self.expr_value(init) {
            Ok(v) => v,
            Err(e) => {
                // Still bind the names, so later uses do not report them as unknown.
                self.bind_names(&mut tuple.elems.iter());
                return Err(e);
            }
        };
        self.unpack(tuple, value, Span::of(at))
    }

    /// Declares every name the patterns bind (after an error: so its uses are not errors too).
    pub(super) fn bind_names(&mut self, pats: &mut dyn Iterator<Item = &syn::Pat>) {
        for pat in pats {
            match pat {
                syn::Pat::Ident(pi) => {
                    self.declare(&pi.ident, TypeAnn::Infer, true, true);
                }
                syn::Pat::Tuple(t) => self.bind_names(&mut t.elems.iter()),
                syn::Pat::Paren(p) => self.bind_names(&mut std::iter::once(&*p.pat)),
                syn::Pat::Type(t) => self.bind_names(&mut std::iter::once(&*t.pat)),
                syn::Pat::Struct(s) => self.bind_names(&mut s.fields.iter().map(|f| &*f.pat)),
                _ => {}
            }
        }
    }

    /// The names of `tuple` bound to the elements of `value`; a nested tuple pattern unpacks a
    /// temporary holding its element.
    pub(super) fn unpack(&mut self, tuple: &syn::PatTuple, value: ExprId, span: Span) -> R<()> {
        let mut locals = Vec::new();
        let mut nested = Vec::new();
        for pat in &tuple.elems {
            // `&v` and `(v)` bind `v`: items of iterators are values in kernels (`|(i, &v)|`
            // of an `enumerate`).
            let mut pat = pat;
            while let syn::Pat::Reference(syn::PatReference { pat: p, .. })
            | syn::Pat::Paren(syn::PatParen { pat: p, .. }) = pat
            {
                pat = p;
            }
            match pat {
                syn::Pat::Tuple(inner) => {
                    let t = self.temp(Span::of(inner));
                    locals.push(Some(t));
                    nested.push((inner, t));
                }
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    locals.push(Some(self.declare(
                        &pi.ident,
                        TypeAnn::Infer,
                        pi.mutability.is_some(),
                        true,
                    )));
                }
                syn::Pat::Wild(_) => locals.push(None),
                other => {
                    return Err(FrontError::new(other, "expected a name or `_`")
                        .hint("destructure a tuple into names: `let (lo, hi) = f(x);`"))
                }
            }
        }
        self.emit(Stmt::Unpack {
            locals,
            value,
            span,
        });
        for (inner, t) in nested {
            let v = self.func.add_expr(ExprKind::Local(t), Span::of(inner));
            self.unpack(inner, v, span)?;
        }
        Ok(())
    }
}
