//! A mutation fuzzer for the parsers of data from elsewhere, on a stable
//! toolchain (see `git_bug::fuzzing` for the targets).
//!
//!     cargo run --release --example fuzz -- <target> <seconds> [seed]
//!     cargo run --release --example fuzz -- replay <target> <file>
//!
//! Each input that makes a parser panic, break a property, run longer than
//! two seconds or allocate more than 256 MiB is written to
//! `target/fuzz/<target>/`; the run goes on, and exits 1 at the end if
//! anything was found. `scripts/fuzz.sh` runs every target.

use git_bug::fuzzing::{Failure, Fuzzer, TARGETS, outcome_class, sample_blobs};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak, to catch unbounded allocation.
struct CountingAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// More heap than this for one case is a finding.
const MAX_CASE_BYTES: usize = 256 << 20;
/// A case running longer than this is too slow (the input is saved)...
const SLOW: Duration = Duration::from_secs(2);
/// ...and one running longer than this is a hang (the run stops).
const HANG: Duration = Duration::from_secs(10);
/// Stop after this many distinct findings.
const MAX_FINDINGS: usize = 20;

/// When the running case started (ms since start; 0: none), and its input.
static CASE_STARTED: AtomicU64 = AtomicU64::new(0);
static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Where the last panic happened, from the panic hook.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn usage() -> ! {
    eprintln!(
        "usage: fuzz <target> <seconds> [seed]\n       fuzz replay <target> <file>\ntargets:"
    );
    for (name, about) in TARGETS {
        eprintln!("  {name:9} {about}");
    }
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("a temporary directory");
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = place;
        }
    }));
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["replay", target, file] => replay(target, Path::new(file), work.path()),
        [target, seconds, rest @ ..] if rest.len() <= 1 => {
            let seconds: u64 = seconds.parse().unwrap_or_else(|_| usage());
            let seed = match rest {
                [seed] => seed.parse().unwrap_or_else(|_| usage()),
                _ => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64),
            };
            let out = top.join("target/fuzz").join(target);
            let found = fuzz(target, seconds, seed, top, work.path(), &out);
            std::process::exit(if found { 1 } else { 0 });
        }
        _ => usage(),
    }
}

fn new_fuzzer(target: &str, seed: u64, top: &Path, work: &Path) -> Fuzzer {
    let mut fuzzer = Fuzzer::new(target, seed, work).unwrap_or_else(|e| {
        eprintln!("{e}");
        usage()
    });
    if target == "pack" {
        let bundle = top.join("tests/data/gitbug-sample.bundle");
        match sample_blobs(&bundle, &work.join("sample")) {
            Ok(blobs) => fuzzer.add_seeds(blobs),
            Err(e) => eprintln!("warning: no sample packs from {}: {e}", bundle.display()),
        }
    }
    fuzzer
}

fn replay(target: &str, file: &Path, work: &Path) {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = std::fs::read(file).unwrap_or_else(|e| {
        eprintln!("reading {}: {e}", file.display());
        std::process::exit(2)
    });
    let mut fuzzer = new_fuzzer(target, 0, top, work);
    match fuzzer.run(&input) {
        Ok(()) => println!("{target}: no problem with {}", file.display()),
        Err(failure) => {
            println!("{target}: {}", shorten(&describe(&failure)));
            std::process::exit(1);
        }
    }
}

fn describe(failure: &Failure) -> String {
    let place = LAST_PANIC.lock().map(|p| p.clone()).unwrap_or_default();
    if failure.problem.starts_with("panic") && !place.is_empty() {
        format!("{} (at {place})", failure.problem)
    } else {
        failure.problem.clone()
    }
}

/// Runs `target` for `seconds`; whether anything was found.
fn fuzz(target: &str, seconds: u64, seed: u64, top: &Path, work: &Path, out: &Path) -> bool {
    let mut fuzzer = new_fuzzer(target, seed, top, work);
    // Findings of an earlier run would read as this run's.
    let _ = std::fs::remove_dir_all(out);
    let start = Instant::now();
    watch_for_hangs(start, out.join("hang.bin"));
    let deadline = start + Duration::from_secs(seconds);
    let mut seen = HashSet::new();
    let mut cases: u64 = 0;
    println!(
        "{target}: seed {seed}, {} inputs to start from",
        fuzzer.corpus_len()
    );
    while Instant::now() < deadline && seen.len() < MAX_FINDINGS {
        let input = fuzzer.next_input();
        if let Ok(mut current) = CURRENT.lock() {
            current.clear();
            current.extend_from_slice(&input);
        }
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        CASE_STARTED.store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let case_start = Instant::now();
        let result = fuzzer.run(&input);
        let took = case_start.elapsed();
        CASE_STARTED.store(0, Ordering::Relaxed);
        cases += 1;
        let used = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        let failure = match result {
            Err(failure) => Some(describe(&failure)),
            // Beyond what the input's size explains: inputs stay below 1 MiB.
            Ok(()) if used > MAX_CASE_BYTES && used / 64 > input.len() => Some(format!(
                "allocated {} MiB for an input of {} bytes",
                used >> 20,
                input.len()
            )),
            // Linear parsers read 1 MiB in well under a second.
            Ok(()) if took > SLOW => Some(format!(
                "took {:.1} s for an input of {} bytes",
                took.as_secs_f64(),
                input.len()
            )),
            Ok(()) => None,
        };
        if let Some(problem) = failure {
            let key = if problem.starts_with("allocated") {
                "allocation".to_string()
            } else if problem.starts_with("took") {
                "slow".to_string()
            } else {
                outcome_class(&problem)
            };
            if seen.insert(key) {
                let file = save(out, seen.len(), &input);
                println!(
                    "{target}: FOUND {}\n  input: {}",
                    shorten(&problem),
                    file.display()
                );
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{target}: {cases} cases in {secs:.0} s ({:.0}/s), {} inputs kept, {} outcomes, {} findings",
        cases as f64 / secs,
        fuzzer.corpus_len(),
        fuzzer.outcomes_len(),
        seen.len()
    );
    !seen.is_empty()
}

/// A finding in at most 400 characters: the input file has the rest.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn save(out: &Path, n: usize, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(out);
    let file = out.join(format!("finding-{n}.bin"));
    if let Err(e) = std::fs::write(&file, input) {
        eprintln!("writing {}: {e}", file.display());
    }
    file
}

/// A thread that ends the run when one case takes too long, keeping its input.
fn watch_for_hangs(start: Instant, file: PathBuf) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let started = CASE_STARTED.load(Ordering::Relaxed);
            if started == 0 {
                continue;
            }
            let now = start.elapsed().as_millis() as u64 + 1;
            if now.saturating_sub(started) > HANG.as_millis() as u64 {
                let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
                if let Some(dir) = file.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                let _ = std::fs::write(&file, &input);
                println!(
                    "FOUND a case running for more than {} s\n  input: {}",
                    HANG.as_secs(),
                    file.display()
                );
                std::process::exit(1);
            }
        }
    });
}
