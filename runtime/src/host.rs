//! The machine this process compiles for, read once: LLVM's description of the host CPU (or the
//! one `RUMBA_CPU` names) and the options that decide code besides it.
//!
//! In: the environment (`RUMBA_CPU`, `RUMBA_OPT_LEVEL`) and LLVM's host query. Out: the
//! [`HostOptions`] (no LLVM: what the on-disk cache's key needs) and the [`target::TargetSpec`]
//! compilations use.

use rumba_compiler::back::target;

/// What decides the host's code besides the CPU itself, read once from the environment.
pub(crate) struct HostOptions {
    /// `RUMBA_CPU=name` (e.g. `x86-64-v3`): compile for that CPU and its features instead of
    /// the host's: code (and cache entries) that every machine of a cluster can run.
    pub cpu: Option<String>,
    /// `RUMBA_OPT_LEVEL=0..3`: LLVM's optimization level, 3 by default (the differential tests
    /// run the JIT at 0 and at 3).
    pub opt_level: u8,
    /// Whether to call libmvec's vector math functions: glibc ships it. Deciding this without
    /// opening it keeps that off a first call that loads cached code (resolving a symbol of it
    /// opens it: `jit::load`); a compilation where it cannot be opened does without.
    pub vector_library: bool,
}

pub(crate) fn host_options() -> &'static HostOptions {
    static OPTIONS: std::sync::OnceLock<HostOptions> = std::sync::OnceLock::new();
    OPTIONS.get_or_init(|| HostOptions {
        cpu: std::env::var("RUMBA_CPU").ok().filter(|c| !c.is_empty()),
        opt_level: std::env::var("RUMBA_OPT_LEVEL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3)
            .min(3),
        vector_library: cfg!(all(target_os = "linux", target_env = "gnu")),
    })
}

/// The CPU this process runs on (or the one `RUMBA_CPU` names), described by LLVM once, with
/// [`host_options`] applied.
pub(crate) fn host() -> &'static target::TargetSpec {
    static HOST: std::sync::OnceLock<target::TargetSpec> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let options = host_options();
        let mut host = target::TargetSpec::host();
        if let Some(cpu) = &options.cpu {
            host.cpu = cpu.clone();
            host.features = String::new();
        }
        host.vector_library = options.vector_library;
        host.opt_level = options.opt_level;
        host
    })
}
