//! Finding NVIDIA's libdevice (`libdevice.10.bc`), the math library GPU kernels that call
//! transcendental functions link: an installation's business, kept out of the compiler.
//!
//! In: the file set by [`set_libdevice`], environment variables, the usual install places and
//! Python's site directories. Out: the path the driver links from, or the list of places tried.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

/// The libdevice file set by [`set_libdevice`], tried before the usual places.
static OVERRIDE: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Uses `path` as libdevice (`libdevice.10.bc`) before looking in the usual places. (Kernels
/// compiled for the GPU before the call keep what they found.)
pub fn set_libdevice(path: impl Into<PathBuf>) {
    *OVERRIDE.write().unwrap_or_else(PoisonError::into_inner) = Some(path.into());
}

/// Where libdevice is, or why not. Looked for in order: the file given to [`set_libdevice`],
/// `$RUMBA_LIBDEVICE`, `$CUDA_HOME`, `$CUDA_PATH`, `/usr/local/cuda`, Debian's
/// `nvidia-cuda-toolkit`, then the `nvidia-cuda-nvcc` / `nvidia-nvvm` Python wheels in
/// `$VIRTUAL_ENV` and `python3`'s site directories. The error lists every place tried.
pub fn find_libdevice() -> Result<PathBuf, String> {
    const REL: &str = "nvvm/libdevice/libdevice.10.bc";
    let mut tried: Vec<PathBuf> = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(
        OVERRIDE
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone(),
    );
    if let Some(p) = std::env::var_os("RUMBA_LIBDEVICE") {
        candidates.push(PathBuf::from(p));
    }
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        if let Some(dir) = std::env::var_os(var) {
            candidates.push(Path::new(&dir).join(REL));
        }
    }
    candidates.push(Path::new("/usr/local/cuda").join(REL));
    candidates.push(PathBuf::from(
        "/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc",
    ));
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
        tried.push(c);
    }
    const WHEELS: [&str; 4] = [
        "nvidia/cu13/nvvm",
        "nvidia/cuda_nvcc/nvvm",
        "nvidia/nvvm",
        "nvidia/cu12/nvvm",
    ];
    let sites = python_site_dirs();
    for site in &sites {
        for wheel in WHEELS {
            let c = site.join(wheel).join("libdevice/libdevice.10.bc");
            if c.is_file() {
                return Ok(c);
            }
        }
    }
    let mut list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    if !sites.is_empty() {
        let sites: Vec<String> = sites.iter().map(|p| p.display().to_string()).collect();
        list.push(format!(
            "{{{}}}/libdevice/libdevice.10.bc under the Python site directories {}",
            WHEELS.join(","),
            sites.join(", ")
        ));
    }
    Err(format!(
        "libdevice.10.bc (NVIDIA's math library, needed for transcendental functions on the GPU) was not found; looked in: {}. Install the CUDA toolkit or `pip install nvidia-cuda-nvcc`, or set CUDA_HOME (or RUMBA_LIBDEVICE to the file)",
        list.join(", ")
    ))
}

/// Site-package directories of the active virtual environment and of `python3`.
fn python_site_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        if let Ok(entries) = std::fs::read_dir(Path::new(&venv).join("lib")) {
            dirs.extend(entries.flatten().map(|e| e.path().join("site-packages")));
        }
    }
    let script =
        "import site\nfor p in site.getsitepackages() + [site.getusersitepackages()]: print(p)";
    if let Ok(out) = std::process::Command::new("python3")
        .args(["-c", script])
        .stderr(std::process::Stdio::null())
        .output()
    {
        if out.status.success() {
            dirs.extend(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(PathBuf::from),
            );
        }
    }
    let mut seen = HashSet::new();
    dirs.retain(|d| d.is_dir() && seen.insert(d.clone()));
    dirs
}
