//! Linking: one program from a kernel's own and the functions of other `compile!` blocks it calls.
//!
//! In: the kernel's untyped [`Program`] (unit 0), whose [`Program::links`] stand for functions of
//! other blocks, and a resolver that says, for a link of a unit, which function of which unit's
//! program it names (the runtime resolves through what `compile!` generated, rustc having checked
//! each path). Out: one program without links, ready to be typed: the kernel's functions as they
//! are (same ids), then a copy of each function of another unit that is reached, renamed
//! `<module>::<name>` (so two blocks may each have their own `helper`) with its calls redirected;
//! the prelude's functions, the same in every program, shared. Calls of a link go to the copy of
//! the function it names, so they type like calls within one block (a generic callee is
//! specialized to the caller's types) and its `#[rumba(..)]` options travel with it. A function
//! reached from several links (or cycles of calls across blocks) is copied once. The declared
//! stand-ins stay as functions that nothing calls.

use super::{ExprKind, FuncId, Function, Link, Program, Untyped};
use std::collections::HashMap;
use std::sync::Arc;

/// What a link of a unit names (from the resolver).
pub struct Resolved {
    /// Identifies the unit (the same key for the same program, however it is reached).
    pub key: usize,
    pub program: Arc<Program>,
    /// The function of `program` the link names.
    pub func: FuncId,
    /// The module the unit's functions are named in: `crate::physics`.
    pub module: String,
}

/// Links `main` (unit key `main_key`); `resolve` is asked once per link of each unit reached
/// (with the key of the unit that holds it). Returns the program and the other units in the order
/// first reached (for the files their functions come from).
pub fn link<E>(
    main: &Program,
    main_key: usize,
    mut resolve: impl FnMut(usize, &Link) -> Result<Resolved, E>,
) -> Result<(Program, Vec<Resolved>), E> {
    let mut l = Linker {
        out: Program {
            functions: main.functions.clone(),
            links: Vec::new(),
            names_complex: main.names_complex,
        },
        units: Vec::new(),
        main_key,
        keys: HashMap::from([(main_key, 0)]),
        copies: HashMap::new(),
        pending: Vec::new(),
    };
    for id in main.functions.keys() {
        if main.link(id).is_none() {
            l.copies.insert((0, id), id);
            l.pending.push((0, id));
        }
    }
    while let Some((unit, id)) = l.pending.pop() {
        let calls: Vec<(usize, FuncId)> = l.out.functions[id]
            .exprs
            .values()
            .filter_map(|e| match e.kind {
                ExprKind::Call { func, .. } => Some(func),
                _ => None,
            })
            .chain(l.out.functions[id].attrs.vectorize.and_then(|v| v.into))
            .map(|f| (unit, f))
            .collect();
        let mut map = HashMap::new();
        for (u, f) in calls {
            if let std::collections::hash_map::Entry::Vacant(slot) = map.entry(f) {
                slot.insert(l.id_of(main, u, f, &mut resolve)?);
            }
        }
        let func = &mut l.out.functions[id];
        for e in func.exprs.values_mut() {
            if let ExprKind::Call { func, .. } = &mut e.kind {
                *func = map[func];
            }
        }
        if let Some(v) = &mut func.attrs.vectorize {
            v.into = v.into.map(|f| map[&f]);
        }
    }
    l.out.names_complex |= l.units.iter().any(|u| u.program.names_complex);
    Ok((l.out, l.units))
}

struct Linker {
    out: Program,
    /// The units other than the main one: unit `i + 1` is `units[i]`.
    units: Vec<Resolved>,
    main_key: usize,
    /// The unit of each key.
    keys: HashMap<usize, usize>,
    /// Each function of a unit reached, by its id in `out`.
    copies: HashMap<(usize, FuncId), FuncId>,
    /// Functions of `out` whose calls (still the ids of their unit) are to be redirected.
    pending: Vec<(usize, FuncId)>,
}

impl Linker {
    /// The program of a unit.
    fn program<'a>(&'a self, main: &'a Program, unit: usize) -> &'a Program {
        match unit {
            0 => main,
            u => &self.units[u - 1].program,
        }
    }

    /// The id in `out` of function `f` of `unit`: copied there the first time (its calls
    /// redirected later, from `pending`), a link resolved to what it names.
    fn id_of<E>(
        &mut self,
        main: &Program,
        unit: usize,
        f: FuncId,
        resolve: &mut impl FnMut(usize, &Link) -> Result<Resolved, E>,
    ) -> Result<FuncId, E> {
        if let Some(&id) = self.copies.get(&(unit, f)) {
            return Ok(id);
        }
        let program = self.program(main, unit);
        if let Some(link) = program.link(f) {
            let link = link.clone();
            let key = match unit {
                0 => self.main_key,
                u => self.units[u - 1].key,
            };
            let resolved = resolve(key, &link)?;
            let callee = resolved.func;
            let target = match self.keys.get(&resolved.key) {
                Some(&u) => u,
                None => {
                    self.units.push(resolved);
                    self.keys
                        .insert(self.units[self.units.len() - 1].key, self.units.len());
                    self.units.len()
                }
            };
            let id = self.id_of(main, target, callee, resolve)?;
            self.copies.insert((unit, f), id);
            return Ok(id);
        }
        let func: &Function<Untyped> = program.func(f);
        // The prelude's functions are the same in every program: the main one's serve all.
        let shared = func.is_prelude() && func.attrs.vectorize.is_none();
        if let Some(id) = shared.then(|| self.out.find(&func.name)).flatten() {
            self.copies.insert((unit, f), id);
            return Ok(id);
        }
        let mut copy = func.clone();
        copy.name = format!("{}::{}", self.units[unit - 1].module, func.name);
        let id = self.out.functions.push(copy);
        self.copies.insert((unit, f), id);
        self.pending.push((unit, id));
        Ok(id)
    }
}
