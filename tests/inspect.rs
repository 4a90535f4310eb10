//! Seeing inside a specialization: `Kernel::asm`, `Kernel::ptx`, `RUMBA_DUMP` (to stderr and to
//! `RUMBA_DUMP_DIR`, in a child process: see `cache.rs`) and `rumba::stats()`.

use super::cache::{command, read, run, temp_dir};
use rumba::IntoArg;

rumba::compile! {
    fn scale(a, x, y) {
        for i in prange(0..y.len()) {
            y[i] = a * x[i];
        }
    }
}

#[test]
fn asm_is_the_host_assembly_of_the_loaded_code() {
    let x = vec![1.0f32; 64];
    let mut y = vec![0.0f32; 64];
    let asm = scale::kernel()
        .asm(&[2.0f32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(asm.contains(".text"), "{asm}");
    assert!(
        asm.contains("rumba_"),
        "the entry point, named after its key:\n{asm}"
    );
    assert!(asm.contains("mulps") || asm.contains("mulss"), "{asm}");
    assert!(
        asm.lines().any(|l| l.trim() == "retq" || l.trim() == "ret"),
        "{asm}"
    );
    // Reading the assembly compiles nothing for calls: the call compiles (or loads) its own.
    scale(2.0f32, &x, &mut y).unwrap();
    assert_eq!(y, vec![2.0; 64]);
}

#[test]
fn ptx_needs_no_device() {
    let x = vec![1.0f32; 64];
    let mut y = vec![0.0f32; 64];
    let ptx = scale::kernel()
        .ptx(&[2.0f32.into_arg(), (&x).into_arg(), (&mut y).into_arg()])
        .unwrap();
    assert!(ptx.contains(".entry"), "{ptx}");
    assert!(ptx.contains(".target sm_"), "{ptx}");
}

#[test]
fn stats_count_compilations_and_stage_times() {
    rumba::compile! {
        fn stats_probe(x) -> i64 {
            x * 3
        }
    }
    let before = rumba::stats();
    // `precompile` compiles whatever `RUMBA_DISABLE_JIT` says (calls would interpret).
    let k = stats_probe::kernel();
    k.precompile(&[k.signature(&[7i64.into_arg()]).unwrap()])
        .unwrap();
    assert_eq!(stats_probe(7i64).unwrap(), 21);
    let after = rumba::stats();
    // Other tests compile at the same time: only growth is certain.
    assert!(after.compilations + after.cache_hits > before.compilations + before.cache_hits);
    assert!(after.time(rumba::Step::Load) > before.time(rumba::Step::Load));
    let shown = after.to_string();
    assert!(
        shown.contains("compilations") && shown.contains("cache hits"),
        "{shown}"
    );
}

const SOURCE: &str =
    "fn k(x: &[f64]) -> f64 { let mut s = 0.0; for i in 0..x.len() { s += x[i] * 2.0 + 1.0; } s }";

#[test]
fn rumba_dump_writes_every_stage_to_files() {
    let cache = temp_dir();
    let dumps = temp_dir();
    let dir = dumps.path().to_str().unwrap();
    // A warm cache: dumping compiles anyway, so that every specialization is seen.
    run(cache.path(), &[SOURCE.to_string()], &[]);
    let env = [("RUMBA_DUMP", "ir,llvm,asm"), ("RUMBA_DUMP_DIR", dir)];
    let child = run(cache.path(), &[SOURCE.to_string()], &env);
    assert_eq!(
        (child.results[0], child.hits, child.compilations),
        (20.0, 0, 1)
    );
    let mut names: Vec<String> = std::fs::read_dir(dumps.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "k-array-f64-1d-C-ro.ir",
            "k-array-f64-1d-C-ro.ll",
            "k-array-f64-1d-C-ro.s"
        ]
    );
    let read = |ext: &str| {
        std::fs::read_to_string(dumps.path().join(format!("k-array-f64-1d-C-ro.{ext}"))).unwrap()
    };
    assert!(read("ir").contains("fn k"), "{}", read("ir"));
    assert!(read("ll").contains("define"), "{}", read("ll"));
    assert!(read("s").contains("rumba_"), "{}", read("s"));
}

#[test]
fn rumba_dump_writes_to_stderr() {
    let cache = temp_dir();
    let child = run(cache.path(), &[SOURCE.to_string()], &[("RUMBA_DUMP", "ir")]);
    assert!(
        child.stderr.contains("=== rumba ir: k("),
        "{}",
        child.stderr
    );
    assert!(!child.stderr.contains("=== rumba llvm"), "{}", child.stderr);
}

#[test]
fn rumba_profile_perf_names_kernels_in_the_perf_map() {
    let cache = temp_dir();
    let src = [SOURCE.to_string()];
    // Compiled, then loaded from the cache: both are announced.
    for _ in 0..2 {
        let child = run(cache.path(), &src, &[("RUMBA_PROFILE", "perf")]);
        let path = format!("/tmp/perf-{}.map", child.pid);
        let map = std::fs::read_to_string(&path).expect("the perf map");
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<&str> = map.lines().collect();
        assert_eq!(lines.len(), 1, "{map}");
        let mut fields = lines[0].splitn(3, ' ');
        let addr = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
        let size = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
        assert!(addr != 0 && size > 16, "{map}");
        assert_eq!(fields.next(), Some("rumba:k(array<f64, 1d, C, ro>)"));
    }
    let child = run(cache.path(), &src, &[]);
    assert!(!std::path::Path::new(&format!("/tmp/perf-{}.map", child.pid)).exists());
}

#[test]
fn rumba_profile_perf_names_prange_chunks() {
    let cache = temp_dir();
    let src = ["fn k(x: &[f64]) -> f64 { let mut s = 0.0; for i in prange(0..x.len()) { s += x[i] * 2.0 + 1.0; } s }".to_string()];
    // Compiled, then loaded from the cache: the chunk function is announced beside the entry,
    // inside no other line's range.
    for _ in 0..2 {
        let child = run(cache.path(), &src, &[("RUMBA_PROFILE", "perf")]);
        let path = format!("/tmp/perf-{}.map", child.pid);
        let map = std::fs::read_to_string(&path).expect("the perf map");
        std::fs::remove_file(&path).unwrap();
        let mut ranges: Vec<(u64, u64, &str)> = map
            .lines()
            .map(|l| {
                let mut f = l.splitn(3, ' ');
                let addr = u64::from_str_radix(f.next().unwrap(), 16).unwrap();
                let size = u64::from_str_radix(f.next().unwrap(), 16).unwrap();
                (addr, size, f.next().unwrap())
            })
            .collect();
        let label = "rumba:k(array<f64, 1d, C, ro>)";
        assert!(ranges.iter().any(|r| r.2 == label), "{map}");
        assert!(
            ranges
                .iter()
                .any(|r| r.2.starts_with(&format!("{label}::"))),
            "{map}"
        );
        ranges.sort();
        for w in ranges.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0 && w[0].1 > 0, "{map}");
        }
    }
}

#[test]
fn perf_report_names_the_kernel() {
    let cache = temp_dir();
    let data = cache.path().join("perf.data");
    let data = data.to_str().unwrap();
    let record = ["perf", "record", "-q", "-o", data, "--"];
    let env = [("RUMBA_PROFILE", "perf"), ("RUMBA_CACHE_TEST_SPIN", "300")];
    let mut cmd = command(
        &record,
        &cache.path().join("cache"),
        &[SOURCE.to_string()],
        &env,
    );
    let out = match cmd.output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            return println!("skipping: `perf record` fails here: {why}");
        }
        Err(e) => return println!("skipping: no `perf` ({e})"),
    };
    let child = read(out);
    assert_eq!(child.results, [20.0]);
    let report = std::process::Command::new("perf")
        .args(["report", "-i", data, "--stdio", "--sort", "sym"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(format!("/tmp/perf-{}.map", child.pid));
    let report = String::from_utf8_lossy(&report.stdout);
    if !report.contains('%') {
        return println!("skipping: `perf record` took no samples here:\n{report}");
    }
    assert!(
        report.contains("rumba:k(array<f64, 1d, C, ro>)"),
        "perf report:\n{report}"
    );
}

/// The line of `traced`'s loop body, where the debugger stops (`RUMBA_DEBUGINFO=1`).
const TRACED_LINE: u32 = line!() + 6;

rumba::compile! {
    fn traced(x: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i] * 2.0;
        }
        s
    }
}

/// The child of `gdb_stops_at_a_kernel_line`: calls `traced` once.
#[test]
fn gdb_child() {
    if std::env::var_os("RUMBA_GDB_CHILD").is_none() {
        return;
    }
    let x = vec![1.5f64; 16];
    println!("CHILD traced={}", traced(&x).unwrap());
}

#[test]
fn gdb_stops_at_a_kernel_line() {
    let cache = temp_dir();
    let exe = std::env::current_exe().expect("the test binary");
    let at = format!("break tests/inspect.rs:{TRACED_LINE}");
    let out = std::process::Command::new("gdb")
        .args(["-q", "-batch", "-nx"])
        .args([
            "-ex",
            "set breakpoint pending on",
            "-ex",
            "set pagination off",
        ])
        .args([
            "-ex", &at, "-ex", "run", "-ex", "continue", "-ex", "bt 1", "-ex", "kill",
        ])
        .arg("--args")
        .arg(exe)
        .args([
            "inspect::gdb_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RUMBA_GDB_CHILD", "1")
        .env("RUMBA_DEBUGINFO", "1")
        .env("RUMBA_CACHE_DIR", cache.path())
        .env_remove("RUMBA_DISABLE_JIT")
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => return println!("skipping: no `gdb` ({e})"),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    // rustc's own wrapper of the kernel may stop there first (named `inspect::traced<..>`); the
    // JIT's code, announced to gdb with its line table, is `traced ()`.
    let frame = format!("traced () at tests/inspect.rs:{TRACED_LINE}");
    assert!(
        text.contains(&frame),
        "gdb:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
