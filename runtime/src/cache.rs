//! The on-disk compilation cache: a specialization's machine code kept across processes.
//!
//! In: a [`Key`] (made from everything that decides the code) and, after a compilation, an
//! [`Entry`] (the object file and what the runtime needs beside it). Out: the [`Entry`] a
//! previous process stored under the same key, or nothing (a miss: compile, then [`store`]).
//!
//! - **Where**: `$RUMBA_CACHE_DIR`, else the platform's cache directory (`~/.cache/rumba` on
//!   Linux, from `dirs`); `RUMBA_CACHE=0` turns the cache off. One file per entry,
//!   `<kernel>-<key>.rumba`.
//! - **Key**: a 128-bit XXH3 of the kernel's name and embedded text (itself and every function it
//!   calls, with their `#[rumba(..)]` options, and the sources of other `compile!` blocks it links,
//!   transitively: `Source::key_text`), the signature, the target (triple, CPU name and
//!   features, optimization level, libmvec), `RUMBA_LLVM_ARGS`, the rumba and LLVM versions, a
//!   hash of the compiler's sources and the format version. Any change is a different file, so a
//!   stale entry is never read; it ages out by eviction.
//! - **Safety**: an entry is written to a temporary file in the directory and renamed over the
//!   final name (atomic on POSIX), so readers see a whole file or none, and concurrent writers of
//!   one key each rename a whole file. A read checks the magic, the format, the key and an XXH3
//!   checksum of the payload; anything else (truncated, corrupted, foreign) is a miss, compiled
//!   and written again. A directory that cannot be written (read-only, full, not a directory)
//!   costs one `warn!` line per process; calls go on compiling.
//! - **Eviction**: least recently used first. A hit sets the entry's modification time; after a
//!   process's first write (unless another process did so in the last minute, which the
//!   `.last-eviction` stamp records), and after each further eighth of the cap it writes, entries
//!   are deleted oldest first until the directory holds at most `RUMBA_CACHE_MAX_BYTES` (256 MiB
//!   by default); temporary files older than an hour (left by a killed writer) go too. The scan
//!   runs on a thread of its own, never in the call that compiled, and spares the entries the
//!   process wrote after it began ([`WRITTEN`]); a process's exit waits for one still running.

use crate::signature::{self, Signature};
use crate::stats::{self, Step};
use rumba_compiler::back::abi::{Site, SiteKind};
use rumba_compiler::ir::{ArrayType, Elem, Layout, StructDef, Tuple, Type};
use rumba_compiler::span::{Pos, Span};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};
use xxhash_rust::xxh3::{xxh3_128, xxh3_64, Xxh3};

/// The layout of an entry file; bumped whenever it (or what the runtime stores in it) changes.
const FORMAT: u32 = 3;
const MAGIC: &[u8; 8] = b"RUMBAOBJ";
const EXTENSION: &str = "rumba";
const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// The file whose modification time says when a process last started an eviction.
const STAMP: &str = ".last-eviction";
/// How long after one process's eviction the next process's first write starts none.
const SCAN_INTERVAL: Duration = Duration::from_secs(60);
/// Magic, format, key, payload length, payload checksum.
const HEADER: usize = 8 + 4 + 16 + 8 + 8;

/// What identifies a specialization's machine code (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(u128);

impl Key {
    pub(crate) fn new(kernel: &str, text: &str, signature: &Signature) -> Key {
        let mut h = Xxh3::new();
        h.update(&environment().to_le_bytes());
        for part in [kernel.as_bytes(), text.as_bytes()] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        for t in signature.types() {
            h.update(&key_part(t));
        }
        Key(h.digest128())
    }

    /// The name of the entry point in the object: unique per key, so objects never clash.
    pub(crate) fn symbol(&self) -> String {
        format!("rumba_{:032x}", self.0)
    }
}

/// An argument type's part of a key: its signature code, except for a struct or an array of
/// structs, whose code is only this process's (the order in which it met them): the type itself,
/// its struct's name and fields written out.
fn key_part(t: Type) -> Vec<u8> {
    let by_struct = match t {
        Type::Tuple(_) => true,
        Type::Array(a) => a.scalar().is_none(),
        _ => false,
    };
    match by_struct {
        true => format!("{t:?}").into_bytes(),
        false => signature::type_code(t).to_le_bytes().to_vec(),
    }
}

/// The part of every key that is the same for the whole process: versions and target. The CPU
/// is [`crate::cpu::fingerprint`] where it can be read without LLVM (whose own description of
/// the host costs as much as the rest of loading cached code), else LLVM's name and features.
fn environment() -> u128 {
    static ENV: OnceLock<u128> = OnceLock::new();
    *ENV.get_or_init(|| {
        let options = crate::host::host_options();
        let cpu = match &options.cpu {
            Some(name) => format!("cpu {name}"),
            None => crate::cpu::fingerprint().unwrap_or_else(|| {
                let host = crate::host::host();
                format!("cpu {}\nfeatures {}", host.cpu, host.features)
            }),
        };
        let (major, minor, patch) = inkwell::support::get_llvm_version();
        let text = format!(
            "format {FORMAT}\nrumba {}\ncompiler {}\nllvm {major}.{minor}.{patch}\n\
             triple {}\n{cpu}\nopt {}\nlibmvec {}\ndebuginfo {}\nllvm args {}",
            env!("CARGO_PKG_VERSION"),
            rumba_compiler::SOURCE_HASH,
            inkwell::targets::TargetMachine::get_default_triple(),
            options.opt_level,
            options.vector_library,
            crate::jit::debuginfo(),
            std::env::var("RUMBA_LLVM_ARGS").unwrap_or_default(),
        );
        xxh3_128(text.as_bytes())
    })
}

/// A specialization as stored: the relocatable object and what calls need beside it.
pub(crate) struct Entry {
    pub ret: Type,
    pub unchecked: bool,
    pub sites: Vec<Site>,
    pub object: Vec<u8>,
}

/// The cache's directory, or `None` when the cache is off (read once).
fn directory() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var("RUMBA_CACHE").is_ok_and(|v| v == "0") {
            return None;
        }
        match std::env::var_os("RUMBA_CACHE_DIR") {
            Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
            _ => dirs::cache_dir().map(|d| d.join("rumba")),
        }
    })
    .as_deref()
}

fn max_bytes() -> u64 {
    static MAX: OnceLock<u64> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("RUMBA_CACHE_MAX_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_MAX_BYTES)
    })
}

fn path(dir: &Path, kernel: &str, key: &Key) -> PathBuf {
    dir.join(format!("{kernel}-{:032x}.{EXTENSION}", key.0))
}

/// The entry stored under `key`, if there is a sound one.
pub(crate) fn load(kernel: &str, key: &Key) -> Option<Entry> {
    let dir = directory()?;
    let start = Instant::now();
    let path = path(dir, kernel, key);
    let bytes = std::fs::read(&path).ok();
    let entry = bytes.as_deref().and_then(|b| match decode(b, key) {
        Some(e) => Some(e),
        None => {
            log::debug!(target: "rumba", "cache: {} is damaged or foreign, recompiling", path.display());
            None
        }
    });
    stats::record(Step::CacheRead, start.elapsed());
    match &entry {
        Some(_) => {
            stats::hit();
            // Least recently used first: a hit is a use. (Failing to mark it only ages it.)
            let _ = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(SystemTime::now()));
        }
        None => stats::miss(),
    }
    entry
}

/// Stores `entry` under `key`, atomically; a failure is logged once and otherwise ignored.
pub(crate) fn store(kernel: &str, key: &Key, entry: &Entry) {
    static BROKEN: AtomicBool = AtomicBool::new(false);
    let Some(dir) = directory() else { return };
    if BROKEN.load(Ordering::Relaxed) {
        return;
    }
    let start = Instant::now();
    let bytes = encode(key, entry);
    let path = path(dir, kernel, key);
    // Listed before it exists: a scan still running sees it listed whenever it sees the file.
    let at = lock(&WRITTEN).push(path.clone());
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::Builder::new().prefix(".tmp").tempfile_in(dir))
        .and_then(|mut file| {
            file.write_all(&bytes)?;
            file.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
    stats::record(Step::CacheWrite, start.elapsed());
    match written {
        Ok(()) => evict_if_due(dir, at, bytes.len() as u64),
        Err(e) => {
            if !BROKEN.swap(true, Ordering::Relaxed) {
                log::warn!(
                    target: "rumba",
                    "compilation cache: cannot write to {} ({e}); compiling without it (set RUMBA_CACHE_DIR, or RUMBA_CACHE=0)",
                    dir.display()
                );
            }
        }
    }
}

/// Starts an eviction after this process's first write (unless another process started one in
/// the last [`SCAN_INTERVAL`]) and after each further eighth of the cap it writes. The scan runs
/// on a thread of its own: it reads the metadata of every entry (100,000 small files: 0.7 s),
/// which the call that wrote must not wait for. A process waits at exit for a scan still running
/// ([`finish_eviction`]), so that the directory is back under its cap when the process is gone.
/// `at`: the write's place in [`WRITTEN`].
fn evict_if_due(dir: &'static Path, at: usize, written: u64) {
    static SINCE_SCAN: AtomicU64 = AtomicU64::new(u64::MAX);
    let cap = max_bytes();
    let since = SINCE_SCAN.load(Ordering::Relaxed);
    if since != u64::MAX && since.saturating_add(written) <= cap / 8 {
        SINCE_SCAN.fetch_add(written, Ordering::Relaxed);
        return;
    }
    SINCE_SCAN.store(0, Ordering::Relaxed);
    let stamp = dir.join(STAMP);
    if since == u64::MAX && scanned_lately(&stamp) {
        return;
    }
    let mut running = lock(&EVICTION);
    // The previous scan (only after another eighth of the cap written) may not have seen the
    // latest entries: it finishes before the next starts, and the writes before this one need
    // no protection from a running scan any more.
    wait_for(running.take());
    lock(&WRITTEN).forget_before(at);
    // The stamp claims the scan for the next interval; failing to write it only scans again.
    let _ = std::fs::File::create(&stamp).and_then(|f| f.set_modified(SystemTime::now()));
    let spawned = std::thread::Builder::new()
        .name("rumba-cache-eviction".into())
        .spawn(move || evict(dir, at, cap));
    match spawned {
        Ok(handle) => {
            static AT_EXIT: std::sync::Once = std::sync::Once::new();
            // SAFETY: `finish_eviction` is an `extern "C" fn()` that does not unwind.
            AT_EXIT.call_once(|| unsafe {
                libc::atexit(finish_eviction);
            });
            *running = Some((std::process::id(), handle));
        }
        Err(_) => evict(dir, at, cap),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The entries this process wrote, in order, from the one whose write started the running scan
/// on: a scan deletes none of those from its own on. The scan a write starts may still be
/// listing the directory when the process's next write lands (the calling thread compiles on
/// while it waits for a core), and that newer entry must stay: least recently used first.
static WRITTEN: Mutex<Written> = Mutex::new(Written {
    first: 0,
    paths: Vec::new(),
});

struct Written {
    /// The place of `paths[0]` among all of this process's writes.
    first: usize,
    paths: Vec<PathBuf>,
}

impl Written {
    /// Lists `path` as written; returns its place.
    fn push(&mut self, path: PathBuf) -> usize {
        self.paths.push(path);
        self.first + self.paths.len() - 1
    }

    /// Whether `path` was written at place `at` or later.
    fn since(&self, at: usize, path: &Path) -> bool {
        let from = at.saturating_sub(self.first).min(self.paths.len());
        self.paths[from..].iter().any(|p| p == path)
    }

    fn forget_before(&mut self, at: usize) {
        let n = at.saturating_sub(self.first).min(self.paths.len());
        self.paths.drain(..n);
        self.first += n;
    }
}

/// The eviction this process started last, if it has not been waited for, and the process
/// that started it.
static EVICTION: Mutex<Option<(u32, JoinHandle<()>)>> = Mutex::new(None);

/// Waits for `eviction` if this process started it. A child that `fork` made has the parent's
/// handle but not its thread: waiting would never end, and the handle is forgotten instead.
fn wait_for(eviction: Option<(u32, JoinHandle<()>)>) {
    match eviction {
        Some((pid, handle)) if pid == std::process::id() => {
            let _ = handle.join();
        }
        Some((_, handle)) => std::mem::forget(handle),
        None => {}
    }
}

/// Whether `stamp` (touched by every process that starts a scan) is younger than
/// [`SCAN_INTERVAL`].
fn scanned_lately(stamp: &Path) -> bool {
    std::fs::metadata(stamp)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < SCAN_INTERVAL))
}

/// Waits for the eviction still running, at the process's exit (registered with `atexit`); not
/// where another thread holds the lock (it may be a thread `fork` left behind).
extern "C" fn finish_eviction() {
    if let Ok(mut running) = EVICTION.try_lock() {
        wait_for(running.take());
    }
}

/// Deletes entries, least recently used first, until `dir` holds at most `cap` bytes of them
/// (never one this process wrote at place `at` of [`WRITTEN`] or later: the entry whose write
/// started the scan, and any written since), and temporary files older than an hour.
fn evict(dir: &Path, at: usize, cap: u64) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut entries = Vec::new();
    for e in read.flatten() {
        let (path, Ok(meta)) = (e.path(), e.metadata()) else {
            continue;
        };
        let modified = meta.modified().unwrap_or(now);
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".tmp") {
            if now.duration_since(modified).unwrap_or_default() > Duration::from_secs(3600) {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.ends_with(EXTENSION) && meta.is_file() {
            entries.push((modified, meta.len(), path));
        }
    }
    let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
    entries.sort();
    for (_, len, path) in entries {
        if total <= cap {
            break;
        }
        if !lock(&WRITTEN).since(at, &path) && std::fs::remove_file(&path).is_ok() {
            log::debug!(target: "rumba", "cache: evicted {}", path.display());
            total -= len;
        }
    }
}

fn encode(key: &Key, entry: &Entry) -> Vec<u8> {
    let mut payload = Vec::with_capacity(entry.object.len() + 256);
    put_type(&mut payload, entry.ret);
    payload.push(entry.unchecked as u8);
    payload.extend((entry.sites.len() as u32).to_le_bytes());
    for site in &entry.sites {
        let (tag, array) = match &site.kind {
            SiteKind::OutOfBounds { array } => (0u8, array.clone()),
            SiteKind::DivisionByZero => (1, String::new()),
            SiteKind::DivisionOverflow => (2, String::new()),
            SiteKind::StepZero => (3, String::new()),
            SiteKind::ClampBounds => (4, String::new()),
            SiteKind::SliceBounds { array } => (5, array.clone()),
            SiteKind::Alloc => (6, String::new()),
            // Both names in one string: `a` NUL `b`.
            SiteKind::ShapeMismatch { a, b } => (7, format!("{a}\0{b}")),
            SiteKind::RecursionDepth => (8, String::new()),
            // The numbers of axes and the mode: `m,n,onto`.
            SiteKind::Broadcast { ndims, onto } => {
                (9, format!("{},{},{}", ndims[0], ndims[1], *onto as u8))
            }
            SiteKind::Unwrap { message } => (10, message.clone()),
        };
        payload.push(tag);
        put_str(&mut payload, &array);
        put_str(&mut payload, &site.function);
        let Span { start, end } = site.span;
        for n in [start.line, start.col, end.line, end.col] {
            payload.extend(n.to_le_bytes());
        }
    }
    payload.extend((entry.object.len() as u64).to_le_bytes());
    payload.extend(&entry.object);
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend(MAGIC);
    out.extend(FORMAT.to_le_bytes());
    out.extend(key.0.to_le_bytes());
    out.extend((payload.len() as u64).to_le_bytes());
    out.extend(xxh3_64(&payload).to_le_bytes());
    out.extend(payload);
    out
}

/// A string as its length (`u32`) and its bytes ([`Reader::string`] reads it).
fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u32).to_le_bytes());
    out.extend(s.as_bytes());
}

/// A result type: a tuple as `1`, its length and its elements; a struct as `2`, its name, and
/// its fields' count, names and types; an array of structs as `3`, its number of axes, whether
/// the kernel owns it and its struct; any other type as `0`, its argument code and, for an
/// array, whether the kernel owns it (argument codes of structs are the process's own).
fn put_type(out: &mut Vec<u8>, t: Type) {
    match t {
        Type::Tuple(tt) => match tt.def() {
            Some(def) => {
                out.push(2);
                put_str(out, &def.name);
                out.push(def.fields.len() as u8);
                for (name, ft) in &def.fields {
                    put_str(out, name);
                    put_type(out, *ft);
                }
            }
            None => {
                out.push(1);
                out.push(tt.elems().len() as u8);
                for &e in tt.elems() {
                    put_type(out, e);
                }
            }
        },
        Type::Array(a) if a.scalar().is_none() => {
            out.push(3);
            out.push(a.ndim);
            out.push(a.is_owned() as u8);
            put_type(out, a.elem_type());
        }
        t => {
            out.push(0);
            out.extend(signature::type_code(t).to_le_bytes());
            out.push(t.array().is_some_and(|a| a.is_owned()) as u8);
        }
    }
}

/// The inverse of [`put_type`] (tuples nest at most a few levels: deeper is a damaged entry).
fn get_type(r: &mut Reader<'_>, depth: u32) -> Option<Type> {
    match r.bytes(1)?[0] {
        1 if depth < 8 => {
            let n = r.bytes(1)?[0] as usize;
            let elems = (0..n)
                .map(|_| get_type(r, depth + 1))
                .collect::<Option<Vec<_>>>()?;
            Some(Type::Tuple(Tuple::new(&elems)))
        }
        2 if depth < 8 => {
            let name = r.string()?;
            let n = r.bytes(1)?[0] as usize;
            let fields = (0..n)
                .map(|_| Some((r.string()?, get_type(r, depth + 1)?)))
                .collect::<Option<Vec<_>>>()?;
            Some(StructDef::intern(name, fields).ty())
        }
        3 if depth < 8 => {
            let [ndim, owned] = r.array()?;
            let elem = Elem::of(get_type(r, depth + 1)?)?;
            Some(Type::Array(match owned != 0 {
                true => ArrayType::owned(elem, ndim),
                false => ArrayType::view(elem, ndim, Layout::Strided, false),
            }))
        }
        0 => {
            let t = signature::decode(u16::from_le_bytes(r.array()?));
            let owned = r.bytes(1)?[0] != 0;
            Some(match t {
                Type::Array(a) if owned => Type::Array(ArrayType::owned(a.elem, a.ndim)),
                t => t,
            })
        }
        _ => None,
    }
}

/// Reads fields off the front of a byte slice; `None` past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec()).ok()
    }
}

fn decode(bytes: &[u8], key: &Key) -> Option<Entry> {
    let mut r = Reader(bytes);
    if r.bytes(MAGIC.len())? != MAGIC
        || r.u32()? != FORMAT
        || u128::from_le_bytes(r.array()?) != key.0
    {
        return None;
    }
    let len = r.u64()?;
    let checksum = r.u64()?;
    if r.0.len() as u64 != len || xxh3_64(r.0) != checksum {
        return None;
    }
    let ret = get_type(&mut r, 0)?;
    let unchecked = r.bytes(1)?[0] != 0;
    let n = r.u32()? as usize;
    let mut sites = Vec::with_capacity(n.min(r.0.len()));
    for _ in 0..n {
        let tag = r.bytes(1)?[0];
        let array = r.string()?;
        let function = r.string()?;
        let mut pos = || {
            Some(Pos {
                line: r.u32()?,
                col: r.u32()?,
            })
        };
        let span = Span {
            start: pos()?,
            end: pos()?,
        };
        let kind = match tag {
            0 => SiteKind::OutOfBounds { array },
            1 => SiteKind::DivisionByZero,
            2 => SiteKind::DivisionOverflow,
            3 => SiteKind::StepZero,
            4 => SiteKind::ClampBounds,
            5 => SiteKind::SliceBounds { array },
            6 => SiteKind::Alloc,
            7 => {
                let (a, b) = array.split_once('\0')?;
                SiteKind::ShapeMismatch {
                    a: a.into(),
                    b: b.into(),
                }
            }
            8 => SiteKind::RecursionDepth,
            9 => {
                let mut it = array.split(',').map(|x| x.parse::<u8>().ok());
                let (m, n, onto) = (it.next()??, it.next()??, it.next()??);
                SiteKind::Broadcast {
                    ndims: [m, n],
                    onto: onto != 0,
                }
            }
            10 => SiteKind::Unwrap { message: array },
            _ => return None,
        };
        sites.push(Site {
            kind,
            span,
            function,
        });
    }
    let object_len = r.u64()? as usize;
    let object = r.bytes(object_len)?.to_vec();
    r.0.is_empty().then_some(Entry {
        ret,
        unchecked,
        sites,
        object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumba_compiler::ir::Scalar;

    fn entry() -> Entry {
        let span = Span {
            start: Pos { line: 3, col: 4 },
            end: Pos { line: 3, col: 9 },
        };
        Entry {
            ret: Type::Scalar(Scalar::F64),
            unchecked: true,
            sites: vec![
                Site {
                    kind: SiteKind::OutOfBounds { array: "x".into() },
                    span,
                    function: "k".into(),
                },
                Site {
                    kind: SiteKind::ClampBounds,
                    span,
                    function: "helper".into(),
                },
            ],
            object: (0..=255).collect(),
        }
    }

    #[test]
    fn entries_round_trip() {
        let key = Key(0x1234_5678_9abc_def0_0fed_cba9_8765_4321);
        let bytes = encode(&key, &entry());
        let back = decode(&bytes, &key).expect("a sound entry decodes");
        let e = entry();
        assert_eq!(back.ret, e.ret);
        assert_eq!(back.unchecked, e.unchecked);
        assert_eq!(back.sites, e.sites);
        assert_eq!(back.object, e.object);
    }

    #[test]
    fn results_of_arrays_and_tuples_round_trip() {
        let key = Key(3);
        let owned = Type::Array(ArrayType::owned(Scalar::F32, 2));
        let nested = Type::Tuple(Tuple::new(&[Type::Scalar(Scalar::Usize), owned]));
        for ret in [
            owned,
            Type::Tuple(Tuple::new(&[owned, nested, Type::Scalar(Scalar::F64)])),
        ] {
            let mut e = entry();
            e.ret = ret;
            e.sites.push(Site {
                kind: SiteKind::SliceBounds { array: "x".into() },
                span: Span::default(),
                function: "k".into(),
            });
            e.sites.push(Site {
                kind: SiteKind::Alloc,
                span: Span::default(),
                function: "k".into(),
            });
            e.sites.push(Site {
                kind: SiteKind::RecursionDepth,
                span: Span::default(),
                function: "fib".into(),
            });
            e.sites.push(Site {
                kind: SiteKind::Unwrap {
                    message: "no root".into(),
                },
                span: Span::default(),
                function: "k".into(),
            });
            let back = decode(&encode(&key, &e), &key).expect("a sound entry decodes");
            assert_eq!(back.ret, ret);
            assert_eq!(back.sites, e.sites);
        }
    }

    #[test]
    fn results_and_keys_of_structs_hold_the_struct_itself() {
        let inner = StructDef::intern("At".into(), vec![("x".into(), Type::Scalar(Scalar::F64))]);
        let def = StructDef::intern(
            "Cell".into(),
            vec![
                ("id".into(), Type::Scalar(Scalar::U8)),
                ("at".into(), inner.ty()),
            ],
        );
        let Type::Tuple(cell) = def.ty() else {
            panic!("a struct is a tuple type")
        };
        let array = Type::Array(ArrayType::owned(Elem::Struct(cell), 2));
        let key = Key(11);
        for ret in [def.ty(), array, Type::Tuple(Tuple::new(&[array, def.ty()]))] {
            let mut e = entry();
            e.ret = ret;
            let back = decode(&encode(&key, &e), &key).expect("a sound entry decodes");
            assert_eq!(back.ret, ret);
        }
        // An argument's signature code of a struct is the process's own (the order in which it
        // met its structs): the key holds the struct's name and fields instead.
        let view = Type::Array(ArrayType::view(
            Elem::Struct(cell),
            1,
            Layout::Strided,
            true,
        ));
        for t in [def.ty(), view] {
            let part = String::from_utf8(key_part(t)).expect("a struct's part is its text");
            assert!(
                part.contains("Cell") && part.contains("\"at\"") && part.contains("At"),
                "{part}"
            );
        }
    }

    /// The race the list of writes closes: the scan that one write started lists the directory
    /// after the next write landed. The newer entry stays; the older ones go.
    #[test]
    fn a_scan_keeps_the_entries_written_since_it_started() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let at: Vec<usize> = ["a", "b", "c"]
            .iter()
            .zip(0..)
            .map(|(name, k)| {
                let path = dir.path().join(format!("{name}.{EXTENSION}"));
                let at = lock(&WRITTEN).push(path.clone());
                std::fs::write(&path, [0]).expect("an entry");
                let file = std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .expect("it");
                file.set_modified(hour_ago + Duration::from_secs(k))
                    .expect("its time");
                at
            })
            .collect();
        let left = || {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .expect("the directory")
                .map(|e| e.expect("an entry").file_name().to_string_lossy().into())
                .collect();
            names.sort();
            names
        };
        // b's scan, with c written meanwhile: a goes, under a cap that no entry fits.
        evict(dir.path(), at[1], 0);
        assert_eq!(left(), ["b.rumba", "c.rumba"]);
        evict(dir.path(), at[2], 0);
        assert_eq!(left(), ["c.rumba"]);
    }

    #[test]
    fn damaged_entries_are_refused() {
        let key = Key(7);
        let bytes = encode(&key, &entry());
        assert!(decode(&bytes, &Key(8)).is_none(), "another key");
        for cut in [0, 5, HEADER, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], &key).is_none(), "truncated at {cut}");
        }
        for i in [0, 9, HEADER + 3, bytes.len() - 1] {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(decode(&b, &key).is_none(), "byte {i} flipped");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &key).is_none(), "trailing bytes");
    }
}
