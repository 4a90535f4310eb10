//! The fuzzer's findings, replayed: every input under fuzz/regressions/ (the crash reproducers,
//! as libFuzzer saved them) and fuzz/corpus/pipeline/ (the committed corpus) goes through the same
//! driver function as the fuzz target, `rumba_compiler::driver::fuzz::run_bytes`, and must end in
//! a clean outcome: no panic and no internal compiler error. See scripts/fuzz.sh.

use rumba_compiler::driver::fuzz::{self, Outcome};
use std::path::{Path, PathBuf};

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs one input on a thread with the 8 MiB stack of a main thread (the fuzzer's), returning a
/// description of what went wrong.
fn replay(path: &Path) -> Result<Outcome, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let describe = {
        let (entry, args, text) = fuzz::decode(&data);
        format!("entry {entry}, args {args:?}, text:\n{text}")
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || fuzz::run_bytes(&data))
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| format!("panicked on {describe}"))?
        .map_err(|bug| format!("compiler bug: {bug}\non {describe}"))
}

#[test]
fn crash_reproducers() {
    let files = inputs("fuzz/regressions");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| replay(p).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} reproducers fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus() {
    let files = inputs("fuzz/corpus/pipeline");
    assert!(!files.is_empty());
    let (mut syntax, mut types, mut compiled) = (0, 0, 0);
    for path in &files {
        match replay(path) {
            Ok(Outcome::Syntax(_)) => syntax += 1,
            Ok(Outcome::Type) => types += 1,
            Ok(Outcome::Compiled) => compiled += 1,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    println!(
        "{} inputs: {syntax} syntax errors, {types} type errors, {compiled} compiled",
        files.len()
    );
    assert!(compiled > 0, "some corpus inputs compile all the way");
}
