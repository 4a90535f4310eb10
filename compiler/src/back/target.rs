//! The machine a module is compiled for, and LLVM's optimization pipeline.
//!
//! In: a [`TargetSpec`] (host, or a pinned CPU for reproducible snapshots) and an emitted module.
//! Out: the module optimized by the new pass manager at O3 (loop and SLP vectorization on), with
//! the target's data layout and triple.

use super::BackError;
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{CodeModel, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple};
use inkwell::OptimizationLevel;
use std::sync::Once;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TargetSpec {
    pub triple: String,
    pub cpu: String,
    pub features: String,
}

impl TargetSpec {
    /// The CPU this process runs on, with all its features (AVX2, AVX-512, ...).
    pub fn host() -> TargetSpec {
        init();
        TargetSpec {
            triple: TargetMachine::get_default_triple().as_str().to_string_lossy().into_owned(),
            cpu: TargetMachine::get_host_cpu_name().to_string(),
            features: TargetMachine::get_host_cpu_features().to_string(),
        }
    }

    /// A named x86-64 CPU, e.g. `x86-64-v3`: the same output on every machine.
    pub fn pinned(cpu: &str) -> TargetSpec {
        init();
        TargetSpec { triple: "x86_64-unknown-linux-gnu".into(), cpu: cpu.into(), features: String::new() }
    }

    pub fn machine(&self) -> Result<TargetMachine, BackError> {
        init();
        let triple = TargetTriple::create(&self.triple);
        let target = Target::from_triple(&triple).map_err(|e| BackError::Llvm(e.to_string()))?;
        target
            .create_target_machine(&triple, &self.cpu, &self.features, OptimizationLevel::Aggressive, RelocMode::Default, CodeModel::JITDefault)
            .ok_or_else(|| BackError::Llvm(format!("no target machine for {} / {}", self.triple, self.cpu)))
    }
}

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Failure leaves the target unregistered; `machine()` then reports it as an error.
        let _ = Target::initialize_native(&InitializationConfig::default());
    });
}

/// Verifies and optimizes a module at O3 for `machine`.
pub fn optimize(module: &Module<'_>, machine: &TargetMachine) -> Result<(), BackError> {
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    module.verify().map_err(|e| BackError::Internal(format!("invalid LLVM module: {e}")))?;
    let options = PassBuilderOptions::create();
    options.set_loop_vectorization(true);
    options.set_loop_slp_vectorization(true);
    options.set_loop_unrolling(true);
    options.set_loop_interleaving(true);
    module.run_passes("default<O3>", machine, options).map_err(|e| BackError::Llvm(e.to_string()))
}
