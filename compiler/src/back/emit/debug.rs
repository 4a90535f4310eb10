//! DWARF line tables, so that a debugger stops at and names the kernel's source lines
//! (`RUMBA_DEBUGINFO=1` in the runtime, which loads such code through LLVM's JIT with its GDB
//! registration).
//!
//! In: the path of the kernel's source file (the spans' lines are that file's: the macro embeds
//! each token at its line) and the functions the emitter makes. Out: a compile unit for the
//! module, a subprogram for each function of the user's block (its own functions and the
//! outlined bodies of its `prange` loops; the prelude's functions, whose spans are not the
//! file's, get none) and a location for each statement. Only line tables (`LineTablesOnly`): no
//! variables or types, which the optimized code would not keep anyway.

use crate::span::Span;
use inkwell::context::Context;
use inkwell::debug_info::{
    AsDIScope, DICompileUnit, DIFlags, DIFlagsConstants, DIScope, DWARFEmissionKind,
    DWARFSourceLanguage, DebugInfoBuilder,
};
use inkwell::module::{FlagBehavior, Module};
use inkwell::values::FunctionValue;

pub(super) struct Debug<'ctx> {
    builder: DebugInfoBuilder<'ctx>,
    unit: DICompileUnit<'ctx>,
}

impl<'ctx> Debug<'ctx> {
    /// The compile unit of `module`, for the source file at `path`.
    pub(super) fn new(ctx: &'ctx Context, module: &Module<'ctx>, path: &str) -> Debug<'ctx> {
        // A relative path is the one the build saw (the package's directory, where programs
        // usually run): the debugger looks for the file from the current directory.
        let directory = match std::path::Path::new(path).is_absolute() {
            true => String::new(),
            false => std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        };
        let (builder, unit) = module.create_debug_info_builder(
            true,
            DWARFSourceLanguage::Rust,
            path,
            &directory,
            "rumba",
            true,
            "",
            0,
            "",
            DWARFEmissionKind::LineTablesOnly,
            0,
            false,
            false,
            "",
            "",
        );
        let i32t = ctx.i32_type();
        module.add_basic_value_flag(
            "Debug Info Version",
            FlagBehavior::Warning,
            i32t.const_int(3, false),
        );
        module.add_basic_value_flag(
            "Dwarf Version",
            FlagBehavior::Warning,
            i32t.const_int(4, false),
        );
        Debug { builder, unit }
    }

    /// Attaches a subprogram named `name`, starting at `span`'s line, to `f`; its scope for the
    /// locations of `f`'s statements.
    pub(super) fn subprogram(
        &self,
        f: FunctionValue<'ctx>,
        name: &str,
        span: Span,
    ) -> DIScope<'ctx> {
        let file = self.unit.get_file();
        let signature = self
            .builder
            .create_subroutine_type(file, None, &[], DIFlags::ZERO);
        let line = span.start.line;
        let linkage = f.get_name().to_string_lossy().into_owned();
        let sp = self.builder.create_function(
            self.unit.as_debug_info_scope(),
            name,
            Some(&linkage),
            file,
            line,
            signature,
            true,
            true,
            line,
            DIFlags::ZERO,
            true,
        );
        f.set_subprogram(sp);
        sp.as_debug_info_scope()
    }

    /// The location of `span`'s start in `scope`.
    pub(super) fn location(
        &self,
        ctx: &'ctx Context,
        scope: DIScope<'ctx>,
        span: Span,
    ) -> inkwell::debug_info::DILocation<'ctx> {
        self.builder
            .create_debug_location(ctx, span.start.line, span.start.col + 1, scope, None)
    }

    /// Resolves what the builder made; called once the module is complete.
    pub(super) fn finalize(&self) {
        self.builder.finalize();
    }
}
