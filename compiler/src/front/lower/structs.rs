//! The block's structs: `#[derive(Clone, Copy)] struct Particle { x: f64, v: f64 }` items, and
//! their literals, field reads and field writes in functions.
//!
//! In: `syn` struct items, `Particle { x: 1.0, v }`, `p.x`, `p.x op= v`. Out: a [`StructDef`] per
//! struct (fields of scalar, complex or other block struct types, in declaration order), and
//! [`StructOp`]s, which `types` resolves by the value's type (the front end does not know which
//! struct `p` holds). A write `place.x op= v` evaluates `v`, copies the struct at `place` into a
//! temporary `t`, and assigns `place` the struct `t` with field `x` replaced by `t.x op v`, so a
//! field of an array element (`a[i].x += v`) or of a field (`p.q.x = v`) is written as its whole
//! struct, as for complex numbers.
//!
//! `impl Particle { fn energy(&self) -> f64 { .. } }` blocks hold methods (`self` or `&self`,
//! taken by value) and associated functions: each is a function of the program named
//! `Particle::energy`, whose receiver is its first parameter `self`; `p.energy()` is resolved by
//! `types` from `p`'s struct, `Particle::new(..)` and `Self::new(..)` here. A `&mut self` method
//! is compiled by value, handing the struct back, and its calls assign it to their receiver
//! (`handback`).

use super::syntax::strip_parens;
use super::*;
use std::collections::HashMap;

/// The block's struct definitions by name, each field type resolved (a struct used by another
/// may be defined after it), and the errors of those that are not right (the others are still
/// defined, so that their uses add no errors).
pub(super) fn definitions(
    items: &[syn::Item],
) -> (HashMap<String, &'static StructDef>, Vec<FrontError>) {
    let mut pending: Vec<&syn::ItemStruct> = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        if let syn::Item::Struct(s) = item {
            // A struct with a wrong `repr` is still defined: its uses add no errors.
            errors.extend(check_repr(s).err());
            match check(s) {
                Ok(()) => pending.push(s),
                Err(e) => errors.push(e),
            }
        }
    }
    let names: Vec<String> = pending.iter().map(|s| s.ident.to_string()).collect();
    let mut defs: HashMap<String, &'static StructDef> = HashMap::new();
    // Each round defines the structs whose fields' structs are all defined; a round that
    // defines none leaves only structs that contain themselves.
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for s in pending {
            match fields(s, &defs, &names) {
                Ok(Some(fields)) => {
                    let name = s.ident.to_string();
                    if defs.contains_key(&name) {
                        errors.push(
                            FrontError::new(
                                &s.ident,
                                format!("the name `{name}` is defined twice"),
                            )
                            .hint("rename one of the structs"),
                        );
                        continue;
                    }
                    defs.insert(name.clone(), StructDef::intern(name, fields));
                }
                Ok(None) => waiting.push(s),
                Err(e) => errors.push(e),
            }
        }
        if waiting.len() == before {
            for s in &waiting {
                errors.push(
                    FrontError::new(&s.ident, format!("struct `{}` contains itself", s.ident))
                        .hint("a struct value cannot hold a struct of its own type, directly or through others"),
                );
            }
            break;
        }
        pending = waiting;
    }
    (defs, errors)
}

/// A function of an `impl` block of the block: its program name (`Particle::energy`), its
/// struct, and the function as a free `fn` (the receiver stays its first input).
pub(super) struct ImplFn {
    pub name: String,
    pub def: &'static StructDef,
    /// A `&mut self` method (to compile by value, `handback::by_value`): whether it returns a
    /// value.
    pub mutating: Option<bool>,
    pub item: syn::ItemFn,
}

/// The functions of the block's `impl` blocks (inherent ones, of its structs).
pub(super) fn impl_fns(
    items: &[syn::Item],
    defs: &HashMap<String, &'static StructDef>,
) -> (Vec<ImplFn>, Vec<FrontError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        if let Some((_, path, _)) = &imp.trait_ {
            errors.push(
                FrontError::new(path, "trait impls are not supported in kernels")
                    .hint("write the methods in an inherent `impl`: `impl Particle { fn energy(&self) -> f64 { .. } }`"),
            );
            continue;
        }
        if !imp.generics.params.is_empty() || imp.generics.where_clause.is_some() {
            errors.push(FrontError::new(
                &imp.generics,
                "generic `impl` blocks are not supported in kernels",
            ));
            continue;
        }
        let def = struct_name(&imp.self_ty).and_then(|n| defs.get(&n).copied());
        let Some(def) = def else {
            errors.push(
                FrontError::new(&imp.self_ty, "`impl` of a type this compile! block does not define")
                    .hint("kernels have methods of the block's own structs: define the struct in the same block"),
            );
            continue;
        };
        for f in &imp.items {
            let syn::ImplItem::Fn(f) = f else {
                errors.push(
                    FrontError::new(f, "only methods and associated functions are supported in `impl` blocks in kernels")
                        .hint("put constants at the top of the compile! block"),
                );
                continue;
            };
            if let Some(r) = unsupported_receiver(f) {
                errors.push(
                    FrontError::new(
                        r,
                        "methods with a typed `self` are not supported in kernels",
                    )
                    .hint("take `self`, `&self` or `&mut self`"),
                );
                continue;
            }
            let item = syn::ItemFn {
                attrs: f.attrs.clone(),
                vis: f.vis.clone(),
                sig: f.sig.clone(),
                block: Box::new(f.block.clone()),
            };
            let mutating = handback::mutating(&f.sig);
            out.push(ImplFn {
                name: format!("{}::{}", def.name, f.sig.ident),
                def,
                mutating: mutating.then(|| handback::returns_value(&f.sig)),
                item,
            });
        }
    }
    (out, errors)
}

/// The receiver of a method kernels cannot have: a typed `self` (`self: Box<Self>`).
fn unsupported_receiver(f: &syn::ImplItemFn) -> Option<&syn::Receiver> {
    match f.sig.inputs.first() {
        Some(syn::FnArg::Receiver(r)) if r.colon_token.is_some() => Some(r),
        _ => None,
    }
}

/// What a struct item must be to be a kernel value: concrete, `Copy`, with named fields.
fn check(s: &syn::ItemStruct) -> R<()> {
    let name = &s.ident;
    if !s.generics.params.is_empty() || s.generics.where_clause.is_some() {
        return Err(FrontError::new(
            &s.generics,
            format!("generic struct `{name}` is not supported in kernels"),
        )
        .hint("give the fields concrete types: `x: f64`"));
    }
    if !derives_copy(&s.attrs) {
        return Err(FrontError::new(
            name,
            format!("struct `{name}` must derive `Clone` and `Copy` to be used in kernels"),
        )
        .hint(format!(
            "add `#[derive(Clone, Copy)]` before `struct {name}`: kernels copy struct values"
        )));
    }
    let syn::Fields::Named(named) = &s.fields else {
        return Err(
            FrontError::new(s, format!("struct `{name}` must have named fields"))
                .hint(format!("write `struct {name} {{ x: f64, .. }}`")),
        );
    };
    if named.named.is_empty() {
        return Err(FrontError::new(s, format!("struct `{name}` has no fields"))
            .hint("give it a field, or leave it out of the kernels"));
    }
    for f in &named.named {
        if let Some(field) = &f.ident {
            if field == "re" || field == "im" {
                return Err(FrontError::new(
                    field,
                    format!("a struct field named `{field}` is not supported in kernels"),
                )
                .hint("rename it: `.re` and `.im` read the parts of complex numbers"));
            }
        }
    }
    Ok(())
}

/// Kernels, arrays of structs included, use `#[repr(C)]`'s layout, which `compile!` gives the
/// Rust type: another `repr` (`align(16)`, `packed`) would make the two disagree.
fn check_repr(s: &syn::ItemStruct) -> R<()> {
    for a in s.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        if !a.parse_args::<syn::Ident>().is_ok_and(|r| r == "C") {
            return Err(FrontError::new(
                a,
                format!("struct `{}`: only `#[repr(C)]` is supported in kernels", s.ident),
            )
            .hint("leave the `repr` out: `compile!` emits the struct `#[repr(C)]`, the layout kernels read and write"));
        }
    }
    Ok(())
}

/// Whether the attributes hold `#[derive(.., Clone, .., Copy, ..)]`.
fn derives_copy(attrs: &[syn::Attribute]) -> bool {
    let mut derived = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|m| {
            if let Some(last) = m.path.segments.last() {
                derived.push(last.ident.to_string());
            }
            Ok(())
        });
    }
    derived.iter().any(|d| d == "Clone") && derived.iter().any(|d| d == "Copy")
}

/// The fields of `s` with their types; `None` while a struct they hold is not yet defined.
fn fields(
    s: &syn::ItemStruct,
    defs: &HashMap<String, &'static StructDef>,
    names: &[String],
) -> R<Option<Vec<(String, Type)>>> {
    let mut out = Vec::new();
    for f in &s.fields {
        let name = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
        let wrong = || {
            FrontError::new(
                &f.ty,
                format!("field `{name}` of `{}` has a type kernels cannot hold in a struct", s.ident),
            )
            .hint("struct fields are scalars, complex numbers or other structs of the block: pass arrays as kernel parameters of their own")
        };
        let ty = match struct_name(&f.ty) {
            Some(n) if names.contains(&n) => match defs.get(&n) {
                Some(def) => def.ty(),
                None => return Ok(None),
            },
            _ => match names::type_ann(&f.ty) {
                Ok(TypeAnn::Scalar(s)) => Type::Scalar(s),
                _ => return Err(wrong()),
            },
        };
        out.push((name, ty));
    }
    Ok(Some(out))
}

/// The name a type path of one plain segment gives (`Particle`).
fn struct_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let ident = p.path.get_ident()?;
            Some(ident.to_string())
        }
        _ => None,
    }
}

impl FnLowerer<'_> {
    /// A written type: a struct of the block (also inside a tuple type) leaves the type to the
    /// values (`types` checks what flows into it), anything else as [`names::type_ann`] reads it.
    pub(super) fn type_ann(&self, ty: &syn::Type) -> R<TypeAnn> {
        match ty {
            syn::Type::Paren(p) => self.type_ann(&p.elem),
            syn::Type::Group(g) => self.type_ann(&g.elem),
            syn::Type::Tuple(t) if t.elems.len() > 1 => {
                let elems = t
                    .elems
                    .iter()
                    .map(|e| self.type_ann(e))
                    .collect::<R<Vec<_>>>()?;
                Ok(TypeAnn::tuple(&elems))
            }
            _ => match struct_name(ty) {
                Some(n) if self.struct_named(&n).is_some() => Ok(TypeAnn::Infer),
                _ => {
                    let mut ty = ty.clone();
                    self.erase_struct_elems(&mut ty);
                    names::type_ann(&ty)
                }
            },
        }
    }

    /// A local's written type (`let v: T`): as [`Self::type_ann`], an array's element type that
    /// is a tuple (`Vec<(usize, usize)>`, a stack of grid cells; `[(usize, f64); 4]`) left to
    /// the values, as arrays of
    /// tuples are inside kernels (they never cross to Rust, where a signature naming one is an
    /// error).
    pub(super) fn local_type_ann(&self, ty: &syn::Type) -> R<TypeAnn> {
        fn erase_tuple_elems(ty: &mut syn::Type) {
            let elem = match ty {
                syn::Type::Reference(syn::TypeReference { elem, .. })
                | syn::Type::Paren(syn::TypeParen { elem, .. })
                | syn::Type::Group(syn::TypeGroup { elem, .. }) => return erase_tuple_elems(elem),
                syn::Type::Slice(syn::TypeSlice { elem, .. })
                | syn::Type::Array(syn::TypeArray { elem, .. }) => elem,
                syn::Type::Path(p) => {
                    for seg in &mut p.path.segments {
                        let name = seg.ident.to_string();
                        if name != "Vec" && !name.starts_with("Array") {
                            continue;
                        }
                        if let syn::PathArguments::AngleBracketed(a) = &mut seg.arguments {
                            for arg in &mut a.args {
                                if let syn::GenericArgument::Type(t) = arg {
                                    erase_tuple_elems(t);
                                    if matches!(t, syn::Type::Tuple(t) if !t.elems.is_empty()) {
                                        *t = syn::parse_quote!(_);
                                    }
                                }
                            }
                        }
                    }
                    return;
                }
                _ => return,
            };
            if matches!(&**elem, syn::Type::Tuple(t) if !t.elems.is_empty()) {
                **elem = syn::parse_quote!(_);
            }
        }
        let mut ty = ty.clone();
        erase_tuple_elems(&mut ty);
        self.type_ann(&ty)
    }

    /// The struct of the block a parameter's written type names, as the value or an array's
    /// element (`Particle`, `&[Particle]`, `ArrayViewMut1<Particle>`), which its annotation
    /// leaves to the argument: `types` checks the argument's struct against it.
    pub(super) fn written_struct(&self, ty: &syn::Type) -> Option<&'static StructDef> {
        self.erase_struct_elems(&mut ty.clone())
    }

    /// Writes `_` for each struct of the block named as an array's element (`&[Particle]`,
    /// `ArrayViewMut1<Particle>`): the values give the element type, which `types` checks.
    /// Returns the (last) struct erased.
    fn erase_struct_elems(&self, ty: &mut syn::Type) -> Option<&'static StructDef> {
        if let Some(def) = struct_name(ty).and_then(|n| self.struct_named(&n)) {
            *ty = syn::Type::Infer(syn::TypeInfer {
                underscore_token: Default::default(),
            });
            return Some(def);
        }
        match ty {
            syn::Type::Reference(syn::TypeReference { elem, .. })
            | syn::Type::Slice(syn::TypeSlice { elem, .. })
            | syn::Type::Array(syn::TypeArray { elem, .. })
            | syn::Type::Paren(syn::TypeParen { elem, .. })
            | syn::Type::Group(syn::TypeGroup { elem, .. }) => self.erase_struct_elems(elem),
            syn::Type::Path(p) => {
                let mut found = None;
                for seg in &mut p.path.segments {
                    if let syn::PathArguments::AngleBracketed(a) = &mut seg.arguments {
                        for arg in &mut a.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                found = self.erase_struct_elems(t).or(found);
                            }
                        }
                    }
                }
                found
            }
            _ => None,
        }
    }

    /// The block's struct a type names (`Particle`), if it names one.
    pub(super) fn struct_of_type(&self, ty: &syn::Type) -> Option<&'static StructDef> {
        self.struct_named(&struct_name(ty)?)
    }

    /// The block's struct `name` (`Self` in an `impl` block: its struct).
    pub(super) fn struct_named(&self, name: &str) -> Option<&'static StructDef> {
        match name {
            "Self" => self.items.self_struct,
            _ => self.items.structs.get(name).copied(),
        }
    }

    /// `Particle::new(..)`, `Self::new(..)`: the associated function of a struct of the block
    /// that a two-segment path names; `None` for another path.
    pub(super) fn associated_fn(&self, path: &syn::Path) -> Option<(String, Option<FuncId>)> {
        let [ty, f] = [path.segments.first()?, path.segments.last()?];
        if path.segments.len() != 2 || !ty.arguments.is_empty() {
            return None;
        }
        let def = self.struct_named(&ty.ident.to_string())?;
        let name = format!("{}::{}", def.name, f.ident);
        let id = self.names.get(&name).copied();
        Some((name, id))
    }

    /// A method's `self` or `&self`: its first parameter, the struct taken by value.
    pub(super) fn receiver(&mut self, r: &syn::Receiver) -> R<()> {
        if self.items.self_struct.is_none() {
            return Err(FrontError::new(r, "kernels cannot take `self`")
                .hint("kernels are free functions: pass each value as a parameter"));
        }
        let ident = syn::Ident::new("self", proc_macro2::Span::call_site());
        let mutable = r.reference.is_none() && r.mutability.is_some();
        let local = self.declare(&ident, TypeAnn::Infer, mutable, true);
        self.func.locals[local].span = Span::of(r);
        self.func.params.push(local);
        Ok(())
    }

    /// `Particle { x: 1.0, v }`: the fields evaluated in the order written, then held in
    /// declaration order.
    pub(super) fn struct_lit(&mut self, s: &syn::ExprStruct) -> R<ExprId> {
        let name = struct_name(&syn::Type::Path(syn::TypePath {
            qself: s.qself.clone(),
            path: s.path.clone(),
        }));
        let Some(def) = name.as_ref().and_then(|n| self.struct_named(n)) else {
            let shown = s.path.to_token_stream().to_string();
            return Err(FrontError::new(&s.path, format!("unknown struct `{shown}`"))
                .hint(format!("define it in the same compile! block: `#[derive(Clone, Copy)] struct {shown} {{ .. }}`")));
        };
        if let Some(rest) = &s.rest {
            return Err(FrontError::new(
                rest,
                "struct update syntax (`..base`) is not supported in kernels",
            )
            .hint("write every field: `Particle { x: 1.0, v: p.v }`"));
        }
        let mut order = Vec::new();
        for f in &s.fields {
            let syn::Member::Named(field) = &f.member else {
                return Err(
                    FrontError::new(&f.member, "fields of a struct literal are named")
                        .hint(format!("write `{} {{ x: .. }}`", def.name)),
                );
            };
            let Some((k, _)) = def.field(&field.to_string()) else {
                return Err(unknown_field(def, field));
            };
            if order.contains(&k) {
                return Err(FrontError::new(
                    field,
                    format!("field `{field}` specified more than once"),
                ));
            }
            order.push(k);
        }
        if let Some((missing, _)) = def
            .fields
            .iter()
            .enumerate()
            .find(|(k, _)| !order.contains(&(*k as u32)))
            .map(|(_, f)| f)
        {
            return Err(FrontError::new(
                &s.path,
                format!("missing field `{missing}` in initializer of `{}`", def.name),
            )
            .hint("give every field a value"));
        }
        let mut values = self.operands(s.fields.iter().map(|f| &f.expr))?;
        // Held in another order than written: each value is computed where it is written.
        if order.windows(2).any(|w| w[0] > w[1]) {
            values = values.into_iter().map(|v| self.spill(v)).collect();
        }
        let mut fields = vec![values[0]; values.len()];
        for (&k, v) in order.iter().zip(values) {
            fields[k as usize] = v;
        }
        Ok(self.expr(ExprKind::Struct(Box::new(StructOp::New { def, fields })), s))
    }

    /// `p.x`: a named field (the struct is known to `types`).
    pub(super) fn struct_field(&mut self, f: &syn::ExprField, field: &syn::Ident) -> R<ExprId> {
        let base = self.expr_value(&f.base)?;
        Ok(self.expr(
            ExprKind::Struct(Box::new(StructOp::Get {
                base,
                field: field.to_string(),
            })),
            f,
        ))
    }

    /// `place.x = v`, `place.x op= v` (see the module doc).
    pub(super) fn assign_field(
        &mut self,
        f: &syn::ExprField,
        op: Option<BinOp>,
        right: &syn::Expr,
        whole: &syn::Expr,
    ) -> R<()> {
        // A tuple's element by its position (`t.0 += 1`), as a struct's by its name.
        let field = match &f.member {
            syn::Member::Named(field) => field.to_string(),
            syn::Member::Unnamed(i) => i.index.to_string(),
        };
        let span = Span::of(whole);
        let rhs = self.expr_value(right)?;
        let rhs = self.spill(rhs);
        let current = self.expr_value(&f.base)?;
        let t = self.temp(span);
        self.emit(Stmt::Assign {
            local: t,
            value: current,
            span,
        });
        let value = match op {
            None => rhs,
            Some(op) => {
                let base = self.func.add_expr(ExprKind::Local(t), span);
                let get = self.expr(
                    ExprKind::Struct(Box::new(StructOp::Get {
                        base,
                        field: field.clone(),
                    })),
                    f,
                );
                self.func.add_expr(ExprKind::Binary(op, get, rhs), span)
            }
        };
        let base = self.func.add_expr(ExprKind::Local(t), span);
        let with = self.func.add_expr(
            ExprKind::Struct(Box::new(StructOp::With { base, field, value })),
            span,
        );
        // The new struct, under a name no kernel writes, assigned to the place as a value.
        self.temps += 1;
        let hidden = syn::Ident::new(
            &format!("__rumba_struct_{}", self.temps),
            proc_macro2::Span::call_site(),
        );
        let local = self.declare(&hidden, TypeAnn::Infer, false, true);
        self.func.locals[local].temp = true;
        self.emit(Stmt::Assign {
            local,
            value: with,
            span,
        });
        // Through a reference to an element (`for q in p.iter_mut() { q.x += 1.0 }`), as Rust
        // auto-dereferences it.
        let base = strip_parens(&f.base);
        if let syn::Expr::Path(p) = base {
            let elem_ref = p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&i.to_string()))
                .is_some_and(|l| self.elems.contains_key(&l));
            if elem_ref {
                return self.assign(
                    &syn::parse_quote!(*#p),
                    None,
                    &syn::parse_quote!(#hidden),
                    whole,
                );
            }
        }
        self.assign(base, None, &syn::parse_quote!(#hidden), whole)
    }
}

impl FnLowerer<'_> {
    /// `let Particle { x, v: speed, .. } = e;`: `e` held in a temporary, each named field bound
    /// to a read of it (a nested struct pattern reads the field's struct the same way).
    pub(super) fn let_struct(&mut self, ps: &syn::PatStruct, value: ExprId, span: Span) -> R<()> {
        let name = struct_name(&syn::Type::Path(syn::TypePath {
            qself: ps.qself.clone(),
            path: ps.path.clone(),
        }));
        let Some(def) = name.as_ref().and_then(|n| self.struct_named(n)) else {
            let shown = ps.path.to_token_stream().to_string();
            return Err(FrontError::new(&ps.path, format!("unknown struct `{shown}`"))
                .hint(format!("define it in the same compile! block: `#[derive(Clone, Copy)] struct {shown} {{ .. }}`")));
        };
        let t = self.temp(span);
        self.emit(Stmt::Assign {
            local: t,
            value,
            span,
        });
        let mut named = Vec::new();
        for fp in &ps.fields {
            let syn::Member::Named(field) = &fp.member else {
                return Err(FrontError::new(
                    &fp.member,
                    "fields of a struct pattern are named",
                ));
            };
            if def.field(&field.to_string()).is_none() {
                return Err(unknown_field(def, field));
            }
            named.push(field.to_string());
            if matches!(&*fp.pat, syn::Pat::Wild(_)) {
                continue;
            }
            let base = self.func.add_expr(ExprKind::Local(t), span);
            let get = self.expr(
                ExprKind::Struct(Box::new(StructOp::Get {
                    base,
                    field: field.to_string(),
                })),
                fp,
            );
            match &*fp.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    let local =
                        self.declare(&pi.ident, TypeAnn::Infer, pi.mutability.is_some(), true);
                    self.emit(Stmt::Assign {
                        local,
                        value: get,
                        span,
                    });
                }
                syn::Pat::Struct(inner) => self.let_struct(inner, get, span)?,
                other => {
                    return Err(FrontError::new(other, "unsupported pattern for a struct field")
                        .hint("bind the field to a name (`x` or `x: name`) and destructure it with its own `let`"))
                }
            }
        }
        if ps.rest.is_none() {
            if let Some((missing, _)) = def.fields.iter().find(|(n, _)| !named.contains(n)) {
                return Err(FrontError::new(
                    &ps.path,
                    format!("pattern does not mention field `{missing}`"),
                )
                .hint("name every field, or end the pattern with `..`"));
            }
        }
        Ok(())
    }
}

fn unknown_field(def: &StructDef, field: &syn::Ident) -> FrontError {
    let names: Vec<String> = def.fields.iter().map(|(n, _)| format!("`{n}`")).collect();
    FrontError::new(
        field,
        format!("struct `{}` has no field named `{field}`", def.name),
    )
    .hint(format!(
        "`{}` has the fields {}",
        def.name,
        names.join(", ")
    ))
}
