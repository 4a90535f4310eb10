//! The light loader: an x86-64 ELF relocatable object placed in fresh pages by the runtime itself.
//!
//! In: an object file from the compiler (the large code model: every reference, to a constant of
//! the object or to an external function, is a 64-bit absolute relocation) and a resolver for
//! external names. Out: a [`Mapping`] holding the object's allocated sections (code read and
//! executable, constants read-only, data writable) with its relocations applied, and the entry
//! point's address; the pages are unmapped when the mapping is dropped.
//!
//! It takes only what it fully understands: an ELF64 little-endian relocatable object for x86-64
//! whose relocations are `R_X86_64_64`, `R_X86_64_PC64`, or the 32-bit ones whose value fits
//! (`R_X86_64_PC32`, `PLT32`, `32`, `32S`); sections without thread-local storage. Anything else
//! is refused with the reason and loaded by LLJIT instead ([`super::orc`]). It registers no
//! unwinding tables: the compiler emits none (kernels never unwind; a panic of a callback is
//! caught by the runtime before it reaches generated code).

use object::elf::{
    R_X86_64_32, R_X86_64_32S, R_X86_64_64, R_X86_64_PC32, R_X86_64_PC64, R_X86_64_PLT32,
    SHF_ALLOC, SHF_EXECINSTR, SHF_TLS, SHF_WRITE,
};
use object::{
    Architecture, BinaryFormat, Object, ObjectKind, ObjectSection, ObjectSymbol, RelocationFlags,
    RelocationTarget, SectionFlags, SectionIndex,
};

/// Whether this loader can serve the host at all (x86-64 ELF).
pub(super) fn serves_host() -> bool {
    cfg!(all(target_arch = "x86_64", target_os = "linux"))
}

/// An object's sections in pages of their own, unmapped on drop.
pub(super) struct Mapping {
    base: *mut u8,
    len: usize,
    /// Each section's address by its index in the object (`None`: not loaded).
    sections: Vec<Option<usize>>,
}

// SAFETY: the pages are owned by the mapping alone and never written after loading.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// The address of `offset` in section `section`, if that section was loaded.
    pub(super) fn address(&self, section: usize, offset: u64) -> Option<usize> {
        let base = (*self.sections.get(section)?)?;
        Some(base + offset as usize)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base..base + len` is the mapping made by `map`, unmapped only here.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// How a loaded section may be accessed, in the order the mapping lays them out.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Access {
    Execute,
    Read,
    Write,
}

impl Access {
    fn protection(self) -> libc::c_int {
        match self {
            Access::Execute => libc::PROT_READ | libc::PROT_EXEC,
            Access::Read => libc::PROT_READ,
            Access::Write => libc::PROT_READ | libc::PROT_WRITE,
        }
    }
}

fn page_size() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// Loads `object` and returns its mapping and the address of its symbol `entry`; external symbols
/// bind to what `resolve` gives. `Err` says why the object is not one this loader takes (or why
/// the pages could not be had); nothing stays mapped then.
pub(super) fn map(
    object: &[u8],
    entry: &str,
    resolve: impl Fn(&str) -> Option<usize>,
) -> Result<(Mapping, usize), String> {
    let file = object::File::parse(object).map_err(|e| format!("not an object file: {e}"))?;
    if file.format() != BinaryFormat::Elf
        || file.architecture() != Architecture::X86_64
        || file.kind() != ObjectKind::Relocatable
        || !file.is_little_endian()
        || !file.is_64()
    {
        return Err("not an x86-64 ELF relocatable object".into());
    }
    // The layout: executable sections, then read-only, then writable ones, each group starting
    // on a page of its own so that each can be protected as it needs.
    let mut placed = Vec::new();
    for section in file.sections() {
        let SectionFlags::Elf { sh_flags } = section.flags() else {
            continue;
        };
        if sh_flags & u64::from(SHF_ALLOC) == 0 || section.size() == 0 {
            continue;
        }
        if sh_flags & u64::from(SHF_TLS) != 0 {
            return Err(format!("thread-local section {:?}", section.name()));
        }
        let access = if sh_flags & u64::from(SHF_EXECINSTR) != 0 {
            Access::Execute
        } else if sh_flags & u64::from(SHF_WRITE) != 0 {
            Access::Write
        } else {
            Access::Read
        };
        placed.push((access, section.index(), section.size(), section.align()));
    }
    placed.sort_by_key(|p| p.0);
    let page = page_size();
    let mut offsets = Vec::with_capacity(placed.len());
    let mut end = 0usize;
    let mut groups: Vec<(Access, usize, usize)> = Vec::new();
    for &(access, index, size, align) in &placed {
        if groups.last().is_none_or(|g| g.0 != access) {
            end = end.next_multiple_of(page);
            groups.push((access, end, end));
        }
        let align = usize::try_from(align.max(1)).map_err(|_| "section alignment")?;
        if align > page {
            return Err(format!("section alignment {align} above the page size"));
        }
        end = end.next_multiple_of(align);
        offsets.push((index, end));
        end += usize::try_from(size).map_err(|_| "section size")?;
        groups.last_mut().expect("pushed above").2 = end;
    }
    let len = end.next_multiple_of(page).max(page);
    // SAFETY: a fresh private anonymous mapping; checked for failure below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(format!("mmap: {}", std::io::Error::last_os_error()));
    }
    let mut mapping = Mapping {
        base: base.cast(),
        len,
        sections: vec![None; file.sections().map(|s| s.index().0 + 1).max().unwrap_or(0)],
    };
    for &(index, at) in &offsets {
        mapping.sections[index.0] = Some(mapping.base as usize + at);
    }
    // SAFETY: the mapping is `len` bytes, readable and writable until protected below.
    let memory = unsafe { std::slice::from_raw_parts_mut(mapping.base, len) };
    for &(index, at) in &offsets {
        let section = file.section_by_index(index).map_err(|e| e.to_string())?;
        // Sections without contents in the file (`.bss`) stay as mapped: zero.
        if section.file_range().is_some() {
            let data = section.data().map_err(|e| e.to_string())?;
            memory[at..at + data.len()].copy_from_slice(data);
        }
    }
    for &(index, at) in &offsets {
        let section = file.section_by_index(index).map_err(|e| e.to_string())?;
        for (offset, relocation) in section.relocations() {
            let RelocationFlags::Elf { r_type } = relocation.flags() else {
                return Err("a relocation that is not ELF's".into());
            };
            let target = match relocation.target() {
                RelocationTarget::Symbol(s) => symbol_address(&file, &mapping, s, &resolve)?,
                RelocationTarget::Section(s) => mapping
                    .address(s.0, 0)
                    .ok_or("a relocation against a section that is not loaded")?,
                _ => return Err("a relocation against an absolute value".into()),
            };
            let place = at + usize::try_from(offset).map_err(|_| "relocation offset")?;
            let p = (mapping.base as usize + place) as i64;
            let s_a = (target as i64).wrapping_add(relocation.addend());
            let bytes: Vec<u8> = match r_type {
                R_X86_64_64 => s_a.to_le_bytes().to_vec(),
                R_X86_64_PC64 => s_a.wrapping_sub(p).to_le_bytes().to_vec(),
                R_X86_64_PC32 | R_X86_64_PLT32 => i32::try_from(s_a.wrapping_sub(p))
                    .map_err(|_| "a 32-bit relative relocation out of range")?
                    .to_le_bytes()
                    .to_vec(),
                R_X86_64_32 => u32::try_from(s_a)
                    .map_err(|_| "a 32-bit relocation out of range")?
                    .to_le_bytes()
                    .to_vec(),
                R_X86_64_32S => i32::try_from(s_a)
                    .map_err(|_| "a 32-bit relocation out of range")?
                    .to_le_bytes()
                    .to_vec(),
                other => return Err(format!("relocation type {other}")),
            };
            memory
                .get_mut(place..place + bytes.len())
                .ok_or("a relocation outside its section")?
                .copy_from_slice(&bytes);
        }
    }
    for &(access, start, end) in &groups {
        let start_page = start - start % page;
        let len = end.next_multiple_of(page) - start_page;
        // SAFETY: whole pages of the mapping; after this, nothing writes code or constants.
        let failed = unsafe {
            libc::mprotect(
                mapping.base.add(start_page).cast(),
                len,
                access.protection(),
            )
        } != 0;
        if failed {
            return Err(format!("mprotect: {}", std::io::Error::last_os_error()));
        }
    }
    let entry = file
        .symbols()
        .find(|s| s.name() == Ok(entry) && !s.is_undefined())
        .ok_or_else(|| format!("entry point `{entry}` not found"))?;
    let addr = symbol_address(&file, &mapping, entry.index(), &resolve)?;
    Ok((mapping, addr))
}

/// The address of symbol `index`: in its loaded section, or external, bound by `resolve`.
fn symbol_address(
    file: &object::File<'_>,
    mapping: &Mapping,
    index: object::SymbolIndex,
    resolve: &impl Fn(&str) -> Option<usize>,
) -> Result<usize, String> {
    let symbol = file.symbol_by_index(index).map_err(|e| e.to_string())?;
    if symbol.is_undefined() {
        let name = symbol.name().map_err(|e| e.to_string())?;
        return resolve(name).ok_or_else(|| format!("unknown external symbol `{name}`"));
    }
    match symbol.section() {
        object::SymbolSection::Section(SectionIndex(s)) => mapping
            .address(s, symbol.address())
            .ok_or_else(|| format!("symbol {:?} in a section that is not loaded", symbol.name())),
        object::SymbolSection::Absolute => Ok(symbol.address() as usize),
        other => Err(format!("symbol {:?} in {other:?}", symbol.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;
    use inkwell::module::Module;
    use inkwell::targets::{CodeModel, FileType, RelocMode, Target, TargetMachine};
    use inkwell::OptimizationLevel;

    /// `module` as an object file for the host in the given code and relocation models.
    fn compiled(module: &Module<'_>, code: CodeModel, reloc: RelocMode) -> Vec<u8> {
        rumba_compiler::back::target::init();
        let triple = TargetMachine::get_default_triple();
        let machine = Target::from_triple(&triple)
            .unwrap()
            .create_target_machine(
                &triple,
                "x86-64",
                "",
                OptimizationLevel::Default,
                reloc,
                code,
            )
            .unwrap();
        machine
            .write_to_memory_buffer(module, FileType::Object)
            .unwrap()
            .as_slice()
            .to_vec()
    }

    /// `f(x) = cos(x) * c[i & 3] + 1.5`: a call to an external function, a table of constants
    /// in a read-only section, a floating-point constant, a writable counter.
    fn program(context: &Context) -> Module<'_> {
        let m = context.create_module("t");
        let f64t = context.f64_type();
        let i64t = context.i64_type();
        let table = m.add_global(f64t.array_type(4), None, "table");
        table.set_constant(true);
        table.set_linkage(inkwell::module::Linkage::Private);
        let values = [2.0, 3.0, 5.0, 7.0].map(|v| f64t.const_float(v));
        table.set_initializer(&f64t.const_array(&values));
        let calls = m.add_global(i64t, None, "calls");
        calls.set_linkage(inkwell::module::Linkage::Private);
        calls.set_initializer(&i64t.const_zero());
        let cos = m.add_function("cos", f64t.fn_type(&[f64t.into()], false), None);
        let f = m.add_function(
            "entry",
            f64t.fn_type(&[f64t.into(), i64t.into()], false),
            None,
        );
        let b = context.create_builder();
        b.position_at_end(context.append_basic_block(f, ""));
        let x = f.get_nth_param(0).unwrap().into_float_value();
        let i = f.get_nth_param(1).unwrap().into_int_value();
        let n = b.build_load(i64t, calls.as_pointer_value(), "").unwrap();
        let n1 = b
            .build_int_add(n.into_int_value(), i64t.const_int(1, false), "")
            .unwrap();
        b.build_store(calls.as_pointer_value(), n1).unwrap();
        let c = b.build_call(cos, &[x.into()], "").unwrap();
        let c = c.try_as_basic_value().basic().unwrap().into_float_value();
        let k = b.build_and(i, i64t.const_int(3, false), "").unwrap();
        // SAFETY: an in-bounds GEP: `k` is below 4, the table's length.
        let at = unsafe {
            b.build_in_bounds_gep(
                f64t.array_type(4),
                table.as_pointer_value(),
                &[i64t.const_zero(), k],
                "",
            )
            .unwrap()
        };
        let t = b.build_load(f64t, at, "").unwrap().into_float_value();
        let y = b.build_float_mul(c, t, "").unwrap();
        let y = b.build_float_add(y, f64t.const_float(1.5), "").unwrap();
        b.build_return(Some(&y)).unwrap();
        m
    }

    fn resolve(name: &str) -> Option<usize> {
        (name == "cos").then_some(f64::cos as fn(f64) -> f64 as usize)
    }

    #[test]
    fn maps_and_runs_objects_of_the_large_code_model() {
        let context = Context::create();
        let m = program(&context);
        let object = compiled(&m, CodeModel::Large, RelocMode::Static);
        let (mapping, addr) = map(&object, "entry", resolve).unwrap();
        // SAFETY: `entry` was built with this signature; the mapping outlives the calls.
        let f = unsafe { std::mem::transmute::<usize, extern "C" fn(f64, i64) -> f64>(addr) };
        for (x, i) in [(0.5f64, 0i64), (1.25, 1), (-2.0, 6), (3.0, 3)] {
            let want = x.cos() * [2.0, 3.0, 5.0, 7.0][(i & 3) as usize] + 1.5;
            assert_eq!(f(x, i).to_bits(), want.to_bits());
        }
        drop(mapping);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let context = Context::create();
        let m = program(&context);
        // A name no resolver knows.
        let object = compiled(&m, CodeModel::Large, RelocMode::Static);
        let e = map(&object, "entry", |_| None).err().unwrap();
        assert!(e.contains("unknown external symbol `cos`"), "{e}");
        // The small code model's position-independent code calls `cos` 32 bits away (too far
        // for a library) and reads its globals through the GOT.
        let object = compiled(&m, CodeModel::Small, RelocMode::PIC);
        let e = map(&object, "entry", resolve).err().unwrap();
        assert!(e.contains("relocation"), "{e}");
        assert!(map(b"not an object", "entry", resolve).is_err());
        let e = map(&object_of_large(&context), "missing", resolve)
            .err()
            .unwrap();
        assert!(e.contains("entry point `missing` not found"), "{e}");
    }

    fn object_of_large(context: &Context) -> Vec<u8> {
        compiled(&program(context), CodeModel::Large, RelocMode::Static)
    }
}
