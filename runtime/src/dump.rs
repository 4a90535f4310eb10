//! `RUMBA_DUMP`: every specialization compiled in the process, stage by stage, for reading.
//!
//! In: `RUMBA_DUMP=ir,llvm,asm,ptx` (any of them, comma-separated; `all`), `RUMBA_DUMP_DIR`
//! (read once), and each stage's text as a compilation produces it. Out: the text on stderr under
//! a `=== rumba ...` header, or one file per kernel, signature and stage in `RUMBA_DUMP_DIR`
//! (`saxpy-f32-array-f32-1d-C-ro-array-f32-1d-C-rw.ll`: the kernel, then the signature with its
//! punctuation turned into dashes, then `ir` (typed IR after the passes), `ll`, `s` or `ptx`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A stage that `RUMBA_DUMP` can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The typed IR after the passes.
    Ir,
    /// The optimized LLVM IR.
    Llvm,
    /// The host assembly.
    Asm,
    /// PTX (GPU specializations).
    Ptx,
}

impl Stage {
    const ALL: [Stage; 4] = [Stage::Ir, Stage::Llvm, Stage::Asm, Stage::Ptx];

    fn name(self) -> &'static str {
        match self {
            Stage::Ir => "ir",
            Stage::Llvm => "llvm",
            Stage::Asm => "asm",
            Stage::Ptx => "ptx",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Stage::Ir => "ir",
            Stage::Llvm => "ll",
            Stage::Asm => "s",
            Stage::Ptx => "ptx",
        }
    }
}

struct Config {
    stages: Vec<Stage>,
    dir: Option<PathBuf>,
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let asked = std::env::var("RUMBA_DUMP").unwrap_or_default();
        let words: Vec<&str> = asked.split(',').map(str::trim).collect();
        let stages = Stage::ALL
            .into_iter()
            .filter(|s| words.iter().any(|w| *w == s.name() || *w == "all"))
            .collect();
        let dir = std::env::var_os("RUMBA_DUMP_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        Config { stages, dir }
    })
}

/// Whether any stage is dumped (then compilations skip the on-disk cache's reads, so that every
/// specialization is compiled and seen).
pub(crate) fn any() -> bool {
    !config().stages.is_empty()
}

/// Whether `stage` is dumped.
pub(crate) fn wants(stage: Stage) -> bool {
    config().stages.contains(&stage)
}

/// Dumps `stage` of `what` (the kernel and its signature, `saxpy(f32, ...)`); `text` is only made
/// when the stage is asked for.
pub(crate) fn dump(stage: Stage, kernel: &str, signature: &str, text: impl FnOnce() -> String) {
    if !wants(stage) {
        return;
    }
    let text = text();
    let config = config();
    let written = match &config.dir {
        Some(dir) => {
            let name = format!("{kernel} {signature}")
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let path = dir.join(format!("{name}.{}", stage.extension()));
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, &text))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "=== rumba {}: {kernel}{signature} ===\n{text}",
                stage.name()
            )
            .map_err(|e| e.to_string())
        }
    };
    if let Err(e) = written {
        log::warn!(target: "rumba", "RUMBA_DUMP: cannot write the {} of `{kernel}`: {e}", stage.name());
    }
}
