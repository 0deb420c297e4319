//! Property-style test of sync: three replicas (clones of one bare server,
//! or peers fetching from each other; `git bug install` in each) run a
//! random schedule of edits, fetches, pushes and pulls; then full sync
//! rounds. Whatever the schedule:
//! - convergence: every replica holds every bug at the same head and
//!   shows it identically;
//! - idempotence: one more full round moves no ref anywhere;
//! - no loss: every operation any replica wrote is in every replica.
//!
//! Schedules come from a seeded xorshift generator, so a failure names its
//! seed and replays exactly. Each step spawns processes: the number of
//! cases and steps is kept modest for a 2-core machine.

use crate::common::TestEnv;
use crate::sync::{
    bug_head, clone, comment_messages, labels, new_bug, ops_of, ops_of_commits, refs, server, show,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// xorshift64*: small, deterministic, good enough to pick steps.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Never zero, and distinct seeds diverge at once.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One replica and what it wrote.
struct Replica {
    name: String,
    path: PathBuf,
    /// `(bug id, commit)` of every edit made here: the commit carries the
    /// edit's operations.
    edits: Vec<(String, String)>,
    /// `(bug id, message)` of every comment (and create message) written here.
    messages: Vec<(String, String)>,
    /// `(bug id, label)` of every label added here.
    labels: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Comment,
    NewBug,
    Label,
    Status,
    Fetch,
    PushBranch,
    BugPush,
    BugPull,
}

/// How the replicas are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topology {
    /// Clones of one bare server: fetch, push, pull through it.
    Server,
    /// Clones of one server (`origin`) that also share a second bare
    /// remote (`second`): replicas merge the same heads independently, and
    /// after a pull from a remote, a push to it must go through.
    TwoServers,
    /// No server: each replica has the two others as remotes and fetches
    /// from them directly (what was fetched from one peer is published
    /// there, so merges join with merge commits instead of rebasing).
    Peers,
}

/// Steps with weights: edits a little more often than syncs.
const SERVER_STEPS: &[(Step, usize)] = &[
    (Step::Comment, 4),
    (Step::NewBug, 1),
    (Step::Label, 2),
    (Step::Status, 2),
    (Step::Fetch, 3),
    (Step::PushBranch, 2),
    (Step::BugPush, 1),
    (Step::BugPull, 2),
];

const PEER_STEPS: &[(Step, usize)] = &[
    (Step::Comment, 4),
    (Step::NewBug, 1),
    (Step::Label, 2),
    (Step::Status, 2),
    (Step::Fetch, 4),
    (Step::BugPull, 2),
];

fn pick(rng: &mut Rng, steps: &[(Step, usize)]) -> Step {
    let total: usize = steps.iter().map(|(_, w)| w).sum();
    let mut n = rng.below(total);
    for (step, weight) in steps {
        if n < *weight {
            return *step;
        }
        n -= weight;
    }
    unreachable!()
}

fn local_bugs(env: &TestEnv, repo: &Path) -> Vec<String> {
    refs(env, repo, "refs/bugs/")
        .into_keys()
        .map(|r| r["refs/bugs/".len()..].to_string())
        .collect()
}

/// Every ref of the servers (if any) and the replicas.
fn all_refs(
    env: &TestEnv,
    servers: &[PathBuf],
    replicas: &[Replica],
) -> Vec<BTreeMap<String, String>> {
    servers
        .iter()
        .map(PathBuf::as_path)
        .chain(replicas.iter().map(|r| r.path.as_path()))
        .map(|repo| refs(env, repo, "refs/"))
        .collect()
}

/// One full sync round: with a server, each replica pulls then pushes
/// with `git bug`; between peers, each fetches from all the others.
/// Returns the warnings printed (`git-bug: …` lines), for diagnosis.
fn full_round(env: &TestEnv, topology: Topology, replicas: &[Replica]) -> Vec<String> {
    let mut warnings = Vec::new();
    for r in replicas {
        let runs = match topology {
            Topology::Server => vec![
                env.bug(&r.path, &["pull"]).ok(),
                env.bug(&r.path, &["push"]).ok(),
            ],
            Topology::TwoServers => ["origin", "second"]
                .iter()
                .flat_map(|remote| {
                    [
                        env.bug(&r.path, &["pull", remote]).ok(),
                        env.bug(&r.path, &["push", remote]).ok(),
                    ]
                })
                .collect(),
            Topology::Peers => vec![env.git(&r.path, &["fetch", "-q", "--all"]).ok()],
        };
        for run in runs {
            warnings.extend(
                run.stderr
                    .lines()
                    .chain(run.stdout.lines())
                    .filter(|l| l.contains("refused") || l.contains("invalid"))
                    .map(|l| format!("{}: {l}", r.name)),
            );
        }
    }
    warnings
}

const USERS: [&str; 3] = ["Ann", "Ben", "Cyd"];

fn replica(name: String, path: PathBuf) -> Replica {
    Replica {
        name,
        path,
        edits: Vec::new(),
        messages: Vec::new(),
        labels: Vec::new(),
    }
}

/// Three clones of a new bare server, set up with `git bug install`.
fn with_server(env: &TestEnv) -> (Vec<PathBuf>, Vec<Replica>) {
    let server = server(env);
    let replicas = USERS
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let name = format!("r{i}");
            let path = clone(env, &server, &name, user);
            replica(name, path)
        })
        .collect();
    (vec![server], replicas)
}

/// Three clones of a server, each also with a second bare remote `second`.
fn with_two_servers(env: &TestEnv) -> (Vec<PathBuf>, Vec<Replica>) {
    let (mut servers, replicas) = with_server(env);
    let second = env.path("second.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", second.to_str().unwrap()],
    )
    .ok();
    for r in &replicas {
        env.git(
            &r.path,
            &["remote", "add", "second", second.to_str().unwrap()],
        )
        .ok();
        env.bug(&r.path, &["install"]).ok();
    }
    servers.push(second);
    (servers, replicas)
}

/// Three repositories, each with the others as remotes r0, r1, r2.
fn peers(env: &TestEnv) -> (Vec<PathBuf>, Vec<Replica>) {
    let replicas: Vec<Replica> = USERS
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let name = format!("r{i}");
            let path = env.repo(&name);
            env.git(&path, &["config", "user.name", user]).ok();
            let email = format!("{}@example.com", user.to_lowercase());
            env.git(&path, &["config", "user.email", &email]).ok();
            replica(name, path)
        })
        .collect();
    for r in &replicas {
        for other in replicas.iter().filter(|o| o.name != r.name) {
            let url = other.path.to_str().unwrap();
            env.git(&r.path, &["remote", "add", &other.name, url]).ok();
        }
        env.bug(&r.path, &["install"]).ok();
    }
    (Vec::new(), replicas)
}

fn run_schedule(topology: Topology, seed: u64, steps: usize) {
    let env = TestEnv::new();
    let (servers, mut replicas) = match topology {
        Topology::Server => with_server(&env),
        Topology::TwoServers => with_two_servers(&env),
        Topology::Peers => peers(&env),
    };

    // A bug every replica starts with.
    let shared = new_bug(&env, &replicas[0].path, "Shared", "shared bug");
    let head = bug_head(&env, &replicas[0].path, &shared);
    replicas[0].edits.push((shared.clone(), head));
    replicas[0]
        .messages
        .push((shared.clone(), "shared bug".into()));
    match topology {
        Topology::Server | Topology::TwoServers => {
            env.bug(&replicas[0].path, &["push"]).ok();
            for r in &replicas[1..] {
                env.git(&r.path, &["fetch"]).ok();
            }
        }
        Topology::Peers => {
            for r in &replicas[1..] {
                env.git(&r.path, &["fetch", "-q", "r0"]).ok();
            }
        }
    }
    let table = match topology {
        Topology::Server | Topology::TwoServers => SERVER_STEPS,
        Topology::Peers => PEER_STEPS,
    };

    let mut rng = Rng::new(seed);
    let mut log = Vec::new();
    for n in 0..steps {
        let who = rng.below(replicas.len());
        let step = pick(&mut rng, table);
        // A sync step names a remote: one of the two other peers, one of
        // the two servers, or the only server.
        let peer = match topology {
            Topology::Peers => format!("r{}", (who + 1 + rng.below(2)) % 3),
            Topology::TwoServers => ["origin", "second"][rng.below(2)].to_string(),
            Topology::Server => "origin".to_string(),
        };
        let r = &mut replicas[who];
        let bugs = local_bugs(&env, &r.path);
        // The shared bug half the time, else any bug this replica knows.
        let target = if rng.below(2) == 0 || bugs.is_empty() {
            shared.clone()
        } else {
            bugs[rng.below(bugs.len())].clone()
        };
        log.push(format!("{}: {step:?} {} {peer}", r.name, &target[..7]));
        let tag = format!("{}-s{seed}-{n}", r.name);
        let context = || {
            format!(
                "{topology:?}, seed {seed}, schedule so far:\n{}",
                log.join("\n")
            )
        };
        let before = bug_head(&env, &r.path, &target);
        match step {
            Step::Comment => {
                let message = format!("comment {tag}");
                env.bug(&r.path, &["bug", "comment", "new", &target, "-m", &message])
                    .ok();
                r.messages.push((target.clone(), message));
            }
            Step::NewBug => {
                let message = format!("bug {tag}");
                let id = new_bug(&env, &r.path, &format!("Title {tag}"), &message);
                let head = bug_head(&env, &r.path, &id);
                r.edits.push((id.clone(), head));
                r.messages.push((id, message));
            }
            Step::Label => {
                let label = format!("l-{tag}");
                env.bug(&r.path, &["bug", "label", "new", &target, &label])
                    .ok();
                r.labels.push((target.clone(), label));
            }
            Step::Status => {
                let verb = if rng.below(2) == 0 { "close" } else { "open" };
                env.bug(&r.path, &["bug", "status", verb, &target]).ok();
            }
            Step::Fetch => {
                let run = env.git(&r.path, &["fetch", "-q", &peer]);
                assert_eq!(run.code, 0, "{}\n{}", run.stderr, context());
            }
            Step::PushBranch => {
                // A new branch each time: git's own push always succeeds,
                // and the pre-push hook carries the bugs.
                let spec = format!("HEAD:refs/heads/{tag}");
                let run = env.git(&r.path, &["push", "-q", "origin", &spec]);
                assert_eq!(run.code, 0, "{}\n{}", run.stderr, context());
            }
            Step::BugPush => {
                let run = env.bug(&r.path, &["push", &peer]);
                assert_eq!(run.code, 0, "{}\n{}", run.stderr, context());
            }
            Step::BugPull => {
                let run = env.bug(&r.path, &["pull", &peer]);
                assert_eq!(run.code, 0, "{}\n{}", run.stderr, context());
                if topology == Topology::TwoServers {
                    // After a pull from a remote, a push to it goes through.
                    let run = env.bug(&r.path, &["push", &peer]);
                    assert_eq!(
                        run.code,
                        0,
                        "push after pull: {}\n{}",
                        run.stderr,
                        context()
                    );
                }
            }
        }
        if matches!(step, Step::Comment | Step::Label | Step::Status) {
            let after = bug_head(&env, &r.path, &target);
            if after != before {
                r.edits.push((target, after));
            }
        }
    }

    // What each replica wrote: op ids per bug, read where they were written.
    let mut written: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &replicas {
        for (bug, commit) in &r.edits {
            let ops = ops_of_commits(&env, &r.path, std::slice::from_ref(commit));
            assert!(!ops.is_empty(), "{bug}: {commit} has no operation");
            written
                .entry(bug.clone())
                .or_default()
                .extend(ops.into_keys());
        }
    }

    let mut warnings = Vec::new();
    for _ in 0..3 {
        warnings.extend(full_round(&env, topology, &replicas));
    }
    let context = format!(
        "{topology:?}, seed {seed}, schedule:\n{}\nwarnings in the final rounds:\n{}",
        log.join("\n"),
        warnings.join("\n")
    );

    // Convergence.
    let all_bugs: BTreeSet<String> = replicas
        .iter()
        .flat_map(|r| local_bugs(&env, &r.path))
        .collect();
    assert_eq!(
        all_bugs,
        written.keys().cloned().collect(),
        "bugs appeared from nowhere or vanished\n{context}"
    );
    let identities: Vec<_> = replicas
        .iter()
        .map(|r| refs(&env, &r.path, "refs/identities/"))
        .collect();
    assert!(
        identities.iter().all(|i| *i == identities[0]),
        "identities differ: {identities:?}\n{context}"
    );
    let mut shown: BTreeMap<String, Value> = BTreeMap::new();
    for bug in &all_bugs {
        let heads: Vec<String> = replicas
            .iter()
            .map(|r| bug_head(&env, &r.path, bug))
            .collect();
        assert!(
            heads.iter().all(|h| *h == heads[0]),
            "bug {bug}: heads differ {heads:?}\n{context}"
        );
        let views: Vec<Value> = replicas.iter().map(|r| show(&env, &r.path, bug)).collect();
        for (r, view) in replicas.iter().zip(&views) {
            assert_eq!(
                *view, views[0],
                "bug {bug}: {} shows it differently\n{context}",
                r.name
            );
        }
        // No loss: every operation written anywhere is in the merged bug.
        let held: BTreeSet<String> = ops_of(&env, &replicas[0].path, &heads[0])
            .into_keys()
            .collect();
        let missing: Vec<&String> = written[bug].difference(&held).collect();
        assert!(
            missing.is_empty(),
            "bug {bug}: operations lost {missing:?}\n{context}"
        );
        shown.insert(bug.clone(), views[0].clone());
    }
    for r in &replicas {
        for (bug, message) in &r.messages {
            assert!(
                comment_messages(&shown[bug]).contains(message),
                "bug {bug}: comment {message:?} from {} lost\n{context}",
                r.name
            );
        }
        for (bug, label) in &r.labels {
            assert!(
                labels(&shown[bug]).contains(label),
                "bug {bug}: label {label:?} from {} lost\n{context}",
                r.name
            );
        }
    }

    // Idempotence: another full round changes no ref anywhere.
    let settled = all_refs(&env, &servers, &replicas);
    full_round(&env, topology, &replicas);
    assert_eq!(
        all_refs(&env, &servers, &replicas),
        settled,
        "a further round moved refs\n{context}"
    );
}

/// `SYNC_PROPS_CASES` and `SYNC_PROPS_STEPS` run more or longer
/// schedules locally (`SYNC_PROPS_SEED` starts elsewhere).
fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_schedules_through_a_server_converge_without_loss() {
    let first = knob("SYNC_PROPS_SEED", 1);
    let steps = knob("SYNC_PROPS_STEPS", 12) as usize;
    for seed in first..first + knob("SYNC_PROPS_CASES", 6) {
        run_schedule(Topology::Server, seed, steps);
    }
}

#[test]
fn random_schedules_between_peers_converge_without_loss() {
    let first = knob("SYNC_PROPS_SEED", 1);
    let steps = knob("SYNC_PROPS_STEPS", 16) as usize;
    for seed in first..first + knob("SYNC_PROPS_CASES", 6) {
        run_schedule(Topology::Peers, seed, steps);
    }
}

#[test]
fn random_schedules_over_two_servers_converge_and_push_after_pull() {
    let first = knob("SYNC_PROPS_SEED", 1);
    let steps = knob("SYNC_PROPS_STEPS", 14) as usize;
    for seed in first..first + knob("SYNC_PROPS_CASES", 6) {
        run_schedule(Topology::TwoServers, seed, steps);
    }
}
