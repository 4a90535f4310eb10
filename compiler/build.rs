//! Build script: `RUMBA_COMPILER_SOURCE_HASH`, a hash of this crate's sources, so that whoever
//! keeps compiled code across processes can tell builds of different compiler sources apart
//! (the crate version alone does not change with every edit).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut all = vec![PathBuf::from("Cargo.toml")];
    files(Path::new("src"), &mut all);
    all.sort();
    // SipHash with fixed keys: the same sources give the same hash in every build.
    let mut hasher = DefaultHasher::new();
    for path in &all {
        path.hash(&mut hasher);
        std::fs::read(path).unwrap_or_default().hash(&mut hasher);
    }
    println!(
        "cargo:rustc-env=RUMBA_COMPILER_SOURCE_HASH={:016x}",
        hasher.finish()
    );
}
