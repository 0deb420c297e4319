//! Mutation fuzzing of the parsers that read data from elsewhere, on a
//! stable toolchain: start from valid inputs, mutate their bytes (and their
//! JSON values), run the parser under `catch_unwind`, and check properties
//! a correct parser keeps. `examples/fuzz.rs` runs a target for minutes;
//! the test suite runs each for a few thousand cases with fixed seeds.
//!
//! Without coverage instrumentation the fuzzer keeps, as inputs to mutate
//! further, those that lead to an outcome not seen before (a new error
//! message, a new kind of success): a cheap stand-in for new code paths.
//!
//! Not part of the tool's interface.

mod mutate;
mod targets;

pub use targets::{TARGETS, Target, query_groupings, sample_blobs, target};

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// splitmix64: tiny and fast, good enough to choose mutations, and the
/// same sequence for the same seed everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// An input that made the parser panic or broke a property.
#[derive(Debug, Clone)]
pub struct Failure {
    pub input: Vec<u8>,
    pub problem: String,
}

/// Inputs kept to mutate, at most; then new ones replace old ones.
const MAX_CORPUS: usize = 4096;
/// Inputs larger than this are not kept (they are still run).
const MAX_KEPT_INPUT: usize = 256 << 10;

/// One target, its corpus and its random source.
pub struct Fuzzer {
    target: Box<dyn Target>,
    rng: Rng,
    corpus: Vec<Vec<u8>>,
    outcomes: HashSet<String>,
    max_input: usize,
}

impl Fuzzer {
    /// The fuzzer of target `name`; `dir` is an empty directory for the
    /// targets that need a git repository.
    pub fn new(name: &str, seed: u64, dir: &Path) -> Result<Fuzzer, String> {
        let target = target(name, dir)?;
        let corpus = target.seeds();
        Ok(Fuzzer {
            target,
            rng: Rng::new(seed),
            corpus,
            outcomes: HashSet::new(),
            max_input: 1 << 20,
        })
    }

    /// Keeps mutated inputs below `bytes` (1 MiB unless told).
    pub fn set_max_input(&mut self, bytes: usize) {
        self.max_input = bytes.max(64);
    }

    /// Adds valid inputs to start from.
    pub fn add_seeds(&mut self, seeds: impl IntoIterator<Item = Vec<u8>>) {
        self.corpus.extend(seeds);
    }

    pub fn corpus_len(&self) -> usize {
        self.corpus.len()
    }

    /// Distinct outcomes seen so far.
    pub fn outcomes_len(&self) -> usize {
        self.outcomes.len()
    }

    /// A new input: a kept one, mutated one to four times.
    pub fn next_input(&mut self) -> Vec<u8> {
        let mut input = self.rng.pick(&self.corpus).clone();
        for _ in 0..1 + self.rng.below(4) {
            input = mutate::mutate(
                &mut self.rng,
                &input,
                &self.corpus,
                self.target.dictionary(),
                self.target.is_json(),
                self.max_input,
            );
        }
        input
    }

    /// Runs the target on `input`; keeps the input when its outcome is new.
    pub fn run(&mut self, input: &[u8]) -> Result<(), Failure> {
        let target = &mut self.target;
        let result = catch_unwind(AssertUnwindSafe(|| target.check(input)));
        let problem = match result {
            Ok(Ok(outcome)) => {
                self.keep(input, outcome);
                return Ok(());
            }
            Ok(Err(property)) => format!("property failed: {property}"),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".into());
                format!("panic: {message}")
            }
        };
        Err(Failure {
            input: input.to_vec(),
            problem,
        })
    }

    /// Mutates a kept input and runs it.
    pub fn step(&mut self) -> Result<(), Failure> {
        let input = self.next_input();
        self.run(&input)
    }

    fn keep(&mut self, input: &[u8], outcome: String) {
        if input.len() > MAX_KEPT_INPUT || !self.outcomes.insert(outcome_class(&outcome)) {
            return;
        }
        if self.corpus.len() < MAX_CORPUS {
            self.corpus.push(input.to_vec());
        } else {
            let slot = self.rng.below(MAX_CORPUS);
            self.corpus[slot] = input.to_vec();
        }
    }
}

/// An outcome without its numbers, ids and quoted parts, so that "line 3"
/// and "line 4", or two commits, of the same error count as one.
pub fn outcome_class(outcome: &str) -> String {
    // From the first quote to the last: quoted names may hold quotes.
    let mut unquoted = outcome.to_string();
    for quote in ['"', '`'] {
        if let (Some(first), Some(last)) = (unquoted.find(quote), unquoted.rfind(quote))
            && first < last
        {
            unquoted.replace_range(first..=last, "\u{2026}");
        }
    }
    let mut class = String::new();
    for word in unquoted.split_inclusive(|c: char| !c.is_alphanumeric()) {
        if word.contains(|c: char| c.is_ascii_digit()) {
            class.push('#');
            class.extend(word.chars().filter(|c| !c.is_alphanumeric()));
        } else {
            class.push_str(word);
        }
        if class.len() >= 120 {
            break;
        }
    }
    class
}

/// Runs `cases` mutations of target `name` from `seed`, inputs below 16
/// KiB (quick enough for a test suite); the first failure.
pub fn run_cases(
    name: &str,
    seed: u64,
    cases: usize,
    dir: &Path,
    extra_seeds: Vec<Vec<u8>>,
) -> Result<(), Failure> {
    let mut fuzzer = Fuzzer::new(name, seed, dir).map_err(|problem| Failure {
        input: Vec::new(),
        problem,
    })?;
    fuzzer.add_seeds(extra_seeds);
    fuzzer.set_max_input(16 << 10);
    for seed in fuzzer.corpus.clone() {
        fuzzer.run(&seed)?;
    }
    for _ in 0..cases {
        fuzzer.step()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_classes_ignore_numbers_and_quoted_parts() {
        assert_eq!(
            outcome_class("error at line 3 column 12: unknown \"x\""),
            outcome_class("error at line 41 column 2: unknown \"yy\"")
        );
        assert_eq!(
            outcome_class("invalid data in commit 3fa0c1: \"a\\\"b\""),
            outcome_class("invalid data in commit 77e2: \"c\"")
        );
        assert_ne!(outcome_class("ok"), outcome_class("err"));
    }

    #[test]
    fn rng_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    }
}
