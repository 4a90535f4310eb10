//! The on-disk compilation cache across processes. Each test runs this test binary again as child
//! processes (the `cache::child` test, which does nothing unless `RUMBA_CACHE_TEST` holds kernel
//! sources), each with the test's own temporary `RUMBA_CACHE_DIR`, and reads what the child
//! prints: its results and `rumba::stats()`'s cache hits and misses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A kernel and the function it calls; `{helper}` is the helper's text.
const KERNEL: &str = "fn k(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += helper(x[i]);
    }
    s
}
";
const HELPER: &str = "fn helper(v: f64) -> f64 { v * 2.0 + 1.0 }\n";
/// `k` over `X` with [`HELPER`]: 2 * 8 + 4.
const EXPECTED: f64 = 20.0;
const X: [f64; 4] = [0.5, 1.5, 2.5, 3.5];
/// Separates the sources a child compiles one after the other.
const NEXT: &str = "\n// next kernel\n";

fn source(helper: &str) -> String {
    format!("{helper}{KERNEL}")
}

/// What a child reported.
#[derive(Debug)]
pub(crate) struct Child {
    pub results: Vec<f64>,
    pub hits: u64,
    pub misses: u64,
    pub compilations: u64,
    pub stderr: String,
    pub pid: u32,
}

/// Runs the child in `dir` (its `RUMBA_CACHE_DIR`) on `sources` (joined by [`NEXT`]), with `env`.
pub(crate) fn run(dir: &Path, sources: &[String], env: &[(&str, &str)]) -> Child {
    let child = spawn(dir, sources, env);
    read(child.wait_with_output().expect("the child runs"))
}

fn spawn(dir: &Path, sources: &[String], env: &[(&str, &str)]) -> std::process::Child {
    command(&[], dir, sources, env)
        .spawn()
        .expect("the child starts")
}

/// The child's command, run through `wrapper` (`perf record ... --`) when it is not empty.
pub(crate) fn command(
    wrapper: &[&str],
    dir: &Path,
    sources: &[String],
    env: &[(&str, &str)],
) -> Command {
    let exe = std::env::current_exe().expect("the test binary");
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(["cache::child", "--exact", "--nocapture", "--test-threads=1"])
        .env("RUMBA_CACHE_TEST", sources.join(NEXT))
        .env("RUMBA_CACHE_DIR", dir)
        .env_remove("RUMBA_CACHE")
        .env_remove("RUMBA_DUMP")
        .env_remove("RUMBA_CPU")
        .env_remove("RUMBA_PROFILE")
        .env_remove("RUMBA_DISABLE_JIT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub(crate) fn read(out: Output) -> Child {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| Some(l.split_once("CHILD ")?.1))
        .unwrap_or_else(|| panic!("no report from the child:\n{stdout}\n{stderr}"));
    let field = |name: &str| {
        line.split(' ')
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no `{name}` in {line}"))
    };
    Child {
        results: field("results")
            .split(',')
            .map(|r| r.parse().unwrap())
            .collect(),
        hits: field("hits").parse().unwrap(),
        misses: field("misses").parse().unwrap(),
        compilations: field("compilations").parse().unwrap(),
        stderr,
        pid: field("pid").parse().unwrap(),
    }
}

/// The child: compiles and calls `k` of each source in `RUMBA_CACHE_TEST`, then reports; with
/// `RUMBA_CACHE_TEST_SPIN=ms`, then calls the first `k` on a large array for that long (for
/// profilers).
#[test]
fn child() {
    let Ok(sources) = std::env::var("RUMBA_CACHE_TEST") else {
        return;
    };
    let _ = env_logger::Builder::new()
        .filter(Some("rumba"), log::LevelFilter::Warn)
        .try_init();
    let x = X.to_vec();
    let callee = std::env::var("RUMBA_CACHE_TEST_CALLEE").ok();
    let results: Vec<String> = sources
        .split(NEXT)
        .map(|text| {
            let r: f64 = match &callee {
                Some(callee) => linked(text, callee).call_as(&[rumba::IntoArg::into_arg(&x)]),
                None => {
                    rumba::Kernel::from_source(text, "k").call_as(&[rumba::IntoArg::into_arg(&x)])
                }
            }
            .unwrap();
            r.to_string()
        })
        .collect();
    if let Some(ms) = std::env::var("RUMBA_CACHE_TEST_SPIN")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        let k = rumba::Kernel::from_source(sources.split(NEXT).next().unwrap(), "k");
        let big = vec![1.0f64; 1 << 20];
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(ms) {
            k.call(&[rumba::IntoArg::into_arg(&big)]).unwrap();
        }
    }
    let s = rumba::stats();
    println!(
        "CHILD results={} hits={} misses={} compilations={} pid={}",
        results.join(","),
        s.cache_hits,
        s.cache_misses,
        s.compilations,
        std::process::id()
    );
}

/// Kernel `k` of `text`, calling `other::helper`, a function of another block whose source is
/// `callee` (as `compile!` links blocks).
fn linked(text: &str, callee: &str) -> &'static rumba::Kernel {
    use rumba::__private::{kernel, Callee, Link, Source};
    fn leak<T>(v: T) -> &'static T {
        Box::leak(Box::new(v))
    }
    let callee: &'static str = Box::leak(callee.into());
    let text: &'static str = Box::leak(text.into());
    let source = leak(Source::linking("other.rs", "other::helper", callee, &[]));
    let links = leak([Link::new(
        "other::helper",
        leak(Callee::new(source, "helper", false)),
    )]);
    leak(kernel(leak(Source::linking("k.rs", "k", text, links)), "k"))
}

/// A fresh cache directory under the system's temporary directory, removed when dropped.
pub(crate) fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rumba-cache-test")
        .tempdir()
        .expect("a temporary directory")
}

/// The entries in `dir`, and whether anything else is there.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    // The stamp of the last eviction.
    all.retain(|p| !p.ends_with(".last-eviction"));
    all.sort();
    for p in &all {
        assert!(
            p.extension().is_some_and(|e| e == "rumba"),
            "unexpected file {}",
            p.display()
        );
    }
    all
}

#[test]
fn a_second_process_loads_instead_of_compiling() {
    let dir = temp_dir();
    let src = [source(HELPER)];
    let first = run(dir.path(), &src, &[]);
    assert_eq!(first.results, [EXPECTED]);
    assert_eq!((first.hits, first.misses, first.compilations), (0, 1, 1));
    assert_eq!(entries(dir.path()).len(), 1);
    let second = run(dir.path(), &src, &[]);
    assert_eq!(second.results, [EXPECTED]);
    assert_eq!((second.hits, second.misses, second.compilations), (1, 0, 0));
}

#[test]
fn editing_a_callee_misses() {
    let dir = temp_dir();
    run(dir.path(), &[source(HELPER)], &[]);
    let edited = run(
        dir.path(),
        &[source("fn helper(v: f64) -> f64 { v * 3.0 + 1.0 }\n")],
        &[],
    );
    assert_eq!(edited.results, [28.0], "the edited helper runs");
    assert_eq!((edited.hits, edited.misses), (0, 1));
    let again = run(dir.path(), &[source(HELPER)], &[]);
    assert_eq!((again.results[0], again.hits), (EXPECTED, 1));
}

/// Kernel `k` calling [`HELPER`] of another block.
const LINKED: &str = "fn k(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += other::helper(x[i]);
    }
    s
}
";

#[test]
fn editing_a_callee_of_another_block_misses() {
    let dir = temp_dir();
    let run_linked = |helper: &str| {
        let env = [("RUMBA_CACHE_TEST_CALLEE", helper)];
        run(dir.path(), &[LINKED.to_string()], &env)
    };
    let first = run_linked(HELPER);
    assert_eq!((first.results[0], first.misses), (EXPECTED, 1));
    let edited = run_linked("fn helper(v: f64) -> f64 { v * 3.0 + 1.0 }\n");
    assert_eq!(edited.results, [28.0], "the edited callee runs");
    assert_eq!((edited.hits, edited.misses), (0, 1));
    let again = run_linked(HELPER);
    assert_eq!((again.results[0], again.hits), (EXPECTED, 1));
}

#[test]
fn another_option_misses() {
    let dir = temp_dir();
    run(dir.path(), &[source(HELPER)], &[]);
    let fast = run(
        dir.path(),
        &[source(&format!("#[rumba(fastmath)]\n{HELPER}"))],
        &[],
    );
    assert_eq!(fast.results, [EXPECTED]);
    assert_eq!(
        (fast.hits, fast.misses),
        (0, 1),
        "a callee's option is in the key"
    );
    assert_eq!(entries(dir.path()).len(), 2);
}

#[test]
fn another_cpu_misses() {
    let dir = temp_dir();
    run(dir.path(), &[source(HELPER)], &[]);
    let cpu = [("RUMBA_CPU", "x86-64")];
    let other = run(dir.path(), &[source(HELPER)], &cpu);
    assert_eq!(other.results, [EXPECTED]);
    assert_eq!((other.hits, other.misses), (0, 1));
    let again = run(dir.path(), &[source(HELPER)], &cpu);
    assert_eq!((again.hits, again.misses), (1, 0));
    let level = run(dir.path(), &[source(HELPER)], &[("RUMBA_OPT_LEVEL", "1")]);
    assert_eq!((level.hits, level.misses), (0, 1), "the optimization level");
}

#[test]
fn damaged_entries_are_recompiled() {
    let dir = temp_dir();
    let src = [source(HELPER)];
    run(dir.path(), &src, &[]);
    let [entry] = entries(dir.path()).try_into().unwrap();
    let sound = std::fs::read(&entry).unwrap();
    let mut flipped = sound.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    let damages: [(&str, Vec<u8>); 4] = [
        ("a flipped byte", flipped),
        ("truncated", sound[..sound.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("foreign", b"\x7fELF not a rumba entry".repeat(40)),
    ];
    for (what, bytes) in damages {
        std::fs::write(&entry, bytes).unwrap();
        let child = run(dir.path(), &src, &[]);
        assert_eq!(child.results, [EXPECTED], "{what}");
        assert_eq!((child.hits, child.misses), (0, 1), "{what}: recompiled");
        assert_eq!(std::fs::read(&entry).unwrap(), sound, "{what}: rewritten");
        let child = run(dir.path(), &src, &[]);
        assert_eq!((child.hits, child.misses), (1, 0), "{what}: then loaded");
    }
}

/// Two kernels, so that a directory that cannot be written is met twice (and warned of once).
fn two_kernels() -> Vec<String> {
    vec![
        source(HELPER),
        source("fn helper(v: f64) -> f64 { v * 3.0 + 1.0 }\n"),
    ]
}

fn assert_one_warning(child: &Child, what: &str) {
    assert_eq!(child.results, [EXPECTED, 28.0], "{what}");
    let warnings = child
        .stderr
        .lines()
        .filter(|l| l.contains("compilation cache: cannot write"))
        .count();
    assert_eq!(warnings, 1, "{what}: one warning\n{}", child.stderr);
}

#[test]
fn an_unwritable_directory_compiles_with_one_warning() {
    let dir = temp_dir();
    // Not a directory: fails for root too.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let child = run(&file.join("cache"), &two_kernels(), &[]);
    assert_one_warning(&child, "a cache path below a file");
    // Read-only (root writes anyway: then there is nothing to check).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&ro, perms).unwrap();
    if std::fs::write(ro.join("probe"), "").is_ok() {
        println!("skipping the read-only directory: this user writes into it anyway (root)");
        return;
    }
    let child = run(&ro, &two_kernels(), &[]);
    assert_one_warning(&child, "a read-only directory");
}

#[test]
fn eight_processes_at_once_share_one_sound_entry() {
    let dir = temp_dir();
    let src = [source(HELPER)];
    let children: Vec<_> = (0..8).map(|_| spawn(dir.path(), &src, &[])).collect();
    for c in children {
        let child = read(c.wait_with_output().unwrap());
        assert_eq!(child.results, [EXPECTED]);
        assert_eq!(child.hits + child.misses, 1);
    }
    assert_eq!(
        entries(dir.path()).len(),
        1,
        "one entry, no temporary files"
    );
    let after = run(dir.path(), &src, &[]);
    assert_eq!((after.results[0], after.hits), (EXPECTED, 1));
}

#[test]
fn eviction_keeps_the_most_recent_entries() {
    let dir = temp_dir();
    let sources: Vec<String> = (2..5)
        .map(|m| source(&format!("fn helper(v: f64) -> f64 {{ v * {m}.0 + 1.0 }}\n")))
        .collect();
    // A cap smaller than one entry: each write evicts every other entry.
    let cap = [("RUMBA_CACHE_MAX_BYTES", "1")];
    let child = run(dir.path(), &sources, &cap);
    assert_eq!(child.results, [20.0, 28.0, 36.0]);
    assert_eq!(entries(dir.path()).len(), 1);
    let newest = run(dir.path(), &sources[2..], &cap);
    assert_eq!((newest.hits, newest.misses), (1, 0), "the newest stays");
    let oldest = run(dir.path(), &sources[..1], &[]);
    assert_eq!((oldest.hits, oldest.misses), (0, 1), "the oldest went");
    // A process's first write within a minute of another's eviction starts none...
    let stamp_at = |t: std::time::SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(".last-eviction"))
            .and_then(|f| f.set_modified(t))
            .expect("the eviction stamp");
    };
    stamp_at(std::time::SystemTime::now());
    run(dir.path(), &sources[1..2], &cap);
    assert_eq!(
        entries(dir.path()).len(),
        3,
        "no second scan within a minute"
    );
    // ...one after it does.
    let an_hour_ago = || std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let age_stamp = || stamp_at(an_hour_ago());
    age_stamp();
    let newer = source("fn helper(v: f64) -> f64 { v * 5.0 + 1.0 }\n");
    run(dir.path(), std::slice::from_ref(&newer), &cap);
    assert_eq!(entries(dir.path()).len(), 1);
    // Under the default cap nothing goes.
    age_stamp();
    run(dir.path(), &sources, &[]);
    assert_eq!(entries(dir.path()).len(), 4);
}

#[test]
fn rumba_cache_0_turns_it_off() {
    let dir = temp_dir();
    let child = run(dir.path(), &[source(HELPER)], &[("RUMBA_CACHE", "0")]);
    assert_eq!(child.results, [EXPECTED]);
    assert_eq!((child.hits, child.misses, child.compilations), (0, 0, 1));
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn precompile_compiles_before_the_first_call() {
    rumba::compile! {
        fn pre(a, x) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += a * x[i];
            }
            s
        }
    }
    use rumba::{IntoArg, Scalar, Signature, Type};
    let x = vec![1.0, 2.0, 3.0];
    let k = pre::kernel();
    let from_args = k.signature(&[2.0f64.into_arg(), (&x).into_arg()]).unwrap();
    let from_types = Signature::new(&[Type::Scalar(Scalar::I32)]).unwrap();
    // On a thread of its own, as at start-up.
    std::thread::spawn(move || k.precompile(&[from_args]))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(k.compilations(), 1);
    assert_eq!(pre(2.0, &x).unwrap(), 12.0);
    assert_eq!(k.compilations(), 1, "the call found it compiled");
    assert!(
        k.precompile(&[from_types]).is_err(),
        "one argument for two parameters"
    );
}

#[test]
fn kernels_of_one_text_share_code_and_outlive_each_other() {
    let text = "fn k(x: &[f64]) -> f64 { let mut s = 0.0; for i in 0..x.len() { s += x[i] * 4.0 + 0.25; } s }";
    let x = X.to_vec();
    let call = |k: &rumba::Kernel| -> f64 { k.call_as(&[rumba::IntoArg::into_arg(&x)]).unwrap() };
    for _ in 0..3 {
        let a = rumba::Kernel::from_source(text, "k");
        let b = rumba::Kernel::from_source(text, "k");
        assert_eq!(call(&a), 33.0);
        assert_eq!(call(&b), 33.0, "the same object, loaded once");
        drop(a);
        assert_eq!(call(&b), 33.0, "still loaded while `b` holds it");
        drop(b);
    }
    // Dropped and loaded again on several threads at once.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(call(&rumba::Kernel::from_source(text, "k")), 33.0);
                }
            });
        }
    });
}

/// Switch-like `if` chains become jump tables or lookup tables, whose addresses the object must
/// hold position-independently: loaded code lives anywhere in the address space.
#[test]
fn objects_with_tables_load_anywhere() {
    let text = "fn sel(k: i64, x: f64) -> f64 {
        if k == 0 { x } else if k == 1 { x * 2.0 } else if k == 2 { x + 7.0 }
        else if k == 3 { x - 1.0 } else if k == 4 { x * x } else if k == 5 { 3.0 }
        else if k == 6 { x / 4.0 } else { 0.5 }
    }
    fn lut(k: i64) -> i64 {
        if k == 0 { 17 } else if k == 1 { 4 } else if k == 2 { 99 } else if k == 3 { -3 }
        else if k == 4 { 12 } else if k == 5 { 1000 } else if k == 6 { 8 } else { 0 }
    }
    fn k(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            let c = (i % 9) as i64;
            s += sel(c, x[i]) + lut(c) as f64;
        }
        s
    }";
    let k = rumba::Kernel::from_source(text, "k");
    let x: Vec<f64> = (0..90).map(|i| i as f64 * 0.5).collect();
    let sel = |k: i64, x: f64| match k {
        0 => x,
        1 => x * 2.0,
        2 => x + 7.0,
        3 => x - 1.0,
        4 => x * x,
        5 => 3.0,
        6 => x / 4.0,
        _ => 0.5,
    };
    let lut = |k: i64| {
        [17, 4, 99, -3, 12, 1000, 8]
            .get(k as usize)
            .copied()
            .unwrap_or(0)
    };
    let mut expected = 0.0;
    for (i, &v) in x.iter().enumerate() {
        let c = (i % 9) as i64;
        expected += sel(c, v) + lut(c) as f64;
    }
    let got: f64 = k.call_as(&[rumba::IntoArg::into_arg(&x)]).unwrap();
    assert_eq!(got, expected);
    let asm = k.asm(&[rumba::IntoArg::into_arg(&x)]).unwrap();
    assert!(
        asm.contains(".LJTI") || asm.contains("switch.table"),
        "no table to relocate any more: make the test's chain denser\n{asm}"
    );
}
