//! The query language of `git bug ls` (spec §7.5): qualifiers, flags,
//! quoting, free text, sorting and errors.
//!
//! On the sample repository, expected results are computed independently of
//! the program: titles, statuses, labels, authors and comments come from
//! `gitbug-sample.expected.json`; logins, identity ids, actors, creation
//! metadata and Lamport clocks are read from the raw git objects with `git
//! log -p` (spec §1–§2, §6.3).

use crate::common::{Run, TestEnv, fixtures};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// The oracle: the sample's bugs, computed without git-bug
// ---------------------------------------------------------------------------

/// An identity of the sample, from its `version` blob.
#[derive(Debug, Clone)]
struct Person {
    id: String,
    name: String,
    login: String,
}

impl Person {
    /// Spec §7.5: an identity matches a value when its id starts with the
    /// lowercased value, or its lowercased name or login contains it.
    fn matches(&self, value: &str) -> bool {
        let value = value.to_lowercase();
        self.id.starts_with(&value)
            || self.name.to_lowercase().contains(&value)
            || self.login.to_lowercase().contains(&value)
    }
}

/// One bug of the sample.
#[derive(Debug, Clone)]
struct Bug {
    id: String,
    title: String,
    open: bool,
    labels: Vec<String>,
    /// Author name (as in expected.json).
    author: String,
    /// (author name, message) of each comment, description first.
    comments: Vec<(String, String)>,
    /// Identity ids of everyone who authored a pack with a visible op.
    actors: BTreeSet<String>,
    create_metadata: BTreeMap<String, String>,
    create_clock: u64,
    edit_clock: u64,
}

struct Sample {
    bugs: Vec<Bug>,
    people: Vec<Person>,
}

/// The `+{...}` JSON lines and the file names of each commit printed by
/// `git log -p --format=@@commit %S` (the `%S` source ref names the entity).
fn log_by_ref(env: &TestEnv, repo: &Path, glob: &str) -> BTreeMap<String, Vec<String>> {
    let run = env
        .git(
            repo,
            &[
                "log",
                "-p",
                "--no-renames",
                "--source",
                "--format=@@commit %S",
                &format!("--glob={glob}"),
            ],
        )
        .ok();
    let mut by_ref: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in run.stdout.lines() {
        if let Some(name) = line.strip_prefix("@@commit ") {
            current = name.to_string();
        } else if line.starts_with("+{") || line.starts_with("diff --git ") {
            by_ref
                .entry(current.clone())
                .or_default()
                .push(line.to_string());
        }
    }
    by_ref
}

/// The largest N of the `<prefix>N` file names mentioned in `lines`.
fn max_clock(lines: &[String], prefix: &str) -> u64 {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("diff --git a/"))
        .filter_map(|l| l.split(' ').next())
        .filter_map(|name| name.strip_prefix(prefix))
        .filter_map(|n| n.parse().ok())
        .max()
        .unwrap_or_else(|| panic!("no {prefix} file"))
}

fn json_str(v: &serde_json::Value) -> String {
    v.as_str().expect("a JSON string").to_string()
}

impl Sample {
    fn load(env: &TestEnv, repo: &Path) -> Sample {
        // Identities: the latest version of each (git log prints newest first).
        let mut people = Vec::new();
        for (name, lines) in log_by_ref(env, repo, "refs/identities") {
            let id = name.rsplit('/').next().expect("id").to_string();
            let version = lines
                .iter()
                .find_map(|l| l.strip_prefix('+'))
                .expect("a version blob");
            let v: serde_json::Value = serde_json::from_str(version).expect("version JSON");
            let field = |k: &str| v[k].as_str().unwrap_or("").to_string();
            people.push(Person {
                id,
                name: field("name"),
                login: field("login"),
            });
        }
        assert_eq!(people.len(), 28, "the sample has 28 identities");

        let packs = log_by_ref(env, repo, "refs/bugs");
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join("gitbug-sample.expected.json"))
                .expect("expected.json"),
        )
        .expect("expected JSON");
        let bugs = expected
            .as_array()
            .expect("an array")
            .iter()
            .map(|b| {
                let id = json_str(&b["id"]);
                let lines = &packs[&format!("refs/bugs/{id}")];
                let mut actors = BTreeSet::new();
                let mut create_metadata = BTreeMap::new();
                for pack in lines.iter().filter_map(|l| l.strip_prefix('+')) {
                    let pack: serde_json::Value = serde_json::from_str(pack).expect("pack JSON");
                    let ops = pack["ops"].as_array().cloned().unwrap_or_default();
                    // Spec §6.3: actors are the authors of ops of types 1–6.
                    if ops
                        .iter()
                        .any(|op| (1..=6).contains(&op["type"].as_u64().unwrap_or(0)))
                    {
                        actors.insert(json_str(&pack["author"]["id"]));
                    }
                    for op in ops.iter().filter(|op| op["type"] == 1) {
                        if let Some(meta) = op["metadata"].as_object() {
                            for (k, v) in meta {
                                create_metadata.insert(k.clone(), json_str(v));
                            }
                        }
                    }
                }
                Bug {
                    title: json_str(&b["title"]),
                    open: b["status"] == "open",
                    labels: b["labels"]
                        .as_array()
                        .expect("labels")
                        .iter()
                        .map(json_str)
                        .collect(),
                    author: json_str(&b["author"]),
                    comments: b["comments"]
                        .as_array()
                        .expect("comments")
                        .iter()
                        .map(|c| (json_str(&c["author"]), json_str(&c["message"])))
                        .collect(),
                    actors,
                    create_metadata,
                    create_clock: max_clock(lines, "create-clock-"),
                    edit_clock: max_clock(lines, "edit-clock-"),
                    id,
                }
            })
            .collect::<Vec<_>>();
        assert_eq!(bugs.len(), 20, "the sample has 20 bugs");
        Sample { bugs, people }
    }

    fn person_named(&self, name: &str) -> &Person {
        let found: Vec<&Person> = self.people.iter().filter(|p| p.name == name).collect();
        assert_eq!(found.len(), 1, "exactly one identity is named {name:?}");
        found[0]
    }

    /// Ids of the bugs satisfying `keep`, sorted.
    fn ids_where(&self, keep: impl Fn(&Bug) -> bool) -> Vec<String> {
        let mut ids: Vec<String> = self
            .bugs
            .iter()
            .filter(|b| keep(b))
            .map(|b| b.id.clone())
            .collect();
        ids.sort();
        ids
    }

    fn by_author(&self, value: &str) -> Vec<String> {
        self.ids_where(|b| self.person_named(&b.author).matches(value))
    }

    fn by_participant(&self, value: &str) -> Vec<String> {
        self.ids_where(|b| {
            b.comments
                .iter()
                .any(|(who, _)| self.person_named(who).matches(value))
        })
    }

    fn by_actor(&self, value: &str) -> Vec<String> {
        self.ids_where(|b| {
            self.people
                .iter()
                .any(|p| b.actors.contains(&p.id) && p.matches(value))
        })
    }

    /// Ids in the order of `key`.
    fn ids_sorted_by<K: Ord>(&self, key: impl Fn(&Bug) -> K) -> Vec<String> {
        let mut bugs: Vec<&Bug> = self.bugs.iter().collect();
        bugs.sort_by_key(|b| key(b));
        bugs.iter().map(|b| b.id.clone()).collect()
    }
}

/// Lowercased words (runs of letters and digits) of `text`.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether the words of `term` appear, in order and adjacent, in the title
/// or in one comment of `bug`.
fn text_matches(bug: &Bug, term: &str) -> bool {
    let wanted = words(term);
    std::iter::once(&bug.title)
        .chain(bug.comments.iter().map(|(_, m)| m))
        .any(|text| words(text).windows(wanted.len()).any(|w| w == wanted))
}

// ---------------------------------------------------------------------------
// Running queries
// ---------------------------------------------------------------------------

/// `git bug ls --format id ARGS`, as ids in output order.
fn ls(env: &TestEnv, repo: &Path, args: &[&str]) -> Vec<String> {
    let mut full = vec!["ls", "--format", "id"];
    full.extend_from_slice(args);
    let run = env.bug(repo, &full).ok();
    run.lines().iter().map(|s| s.to_string()).collect()
}

/// `ls` as a sorted set, for filters.
fn ls_set(env: &TestEnv, repo: &Path, args: &[&str]) -> Vec<String> {
    let mut ids = ls(env, repo, args);
    ids.sort();
    ids
}

/// Asserts that a filter returns exactly `expected`, and that `expected`
/// is a real selection (neither nothing nor everything), so the check
/// means something.
#[track_caller]
fn assert_selects(env: &TestEnv, repo: &Path, args: &[&str], expected: &[String]) {
    assert!(
        !expected.is_empty() && expected.len() < 20,
        "{args:?}: a poor test case, the oracle selects {} bugs",
        expected.len()
    );
    assert_eq!(ls_set(env, repo, args), expected, "ls {args:?}");
}

/// Asserts a query error: exit 2 and `error: invalid query: <message>`.
#[track_caller]
fn assert_invalid(run: &Run, message: &str) {
    assert_eq!(
        run.code, 2,
        "unexpected exit code:\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: invalid query: ") && first.contains(message),
        "expected `error: invalid query: …{message}…`, got:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "no listing on error");
}

fn sample(env: &TestEnv) -> (PathBuf, Sample) {
    let repo = env.sample_repo("s");
    let oracle = Sample::load(env, &repo);
    (repo, oracle)
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

#[test]
fn status_qualifier_and_flag() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let open = s.ids_where(|b| b.open);
    let closed = s.ids_where(|b| !b.open);
    assert_selects(&env, &repo, &["status:open"], &open);
    assert_selects(&env, &repo, &["status:closed"], &closed);
    assert_selects(&env, &repo, &["state:open"], &open);
    assert_selects(&env, &repo, &["state:closed"], &closed);
    // Values are case-insensitive.
    assert_selects(&env, &repo, &["status:OPEN"], &open);
    assert_selects(&env, &repo, &["-s", "open"], &open);
    assert_selects(&env, &repo, &["--status", "closed"], &closed);
    // Several values: OR.
    let all = s.ids_where(|_| true);
    assert_eq!(ls_set(&env, &repo, &["status:open", "status:closed"]), all);
    assert_eq!(ls_set(&env, &repo, &["-s", "open,closed"]), all);
    assert_eq!(ls_set(&env, &repo, &[]), all);

    // The plain listing agrees on the status column.
    let plain = env.bug(&repo, &["ls", "status:open"]).ok();
    assert_eq!(plain.lines().len(), open.len());
    assert!(
        plain
            .lines()
            .iter()
            .all(|l| l.split('\t').nth(1) == Some("open"))
    );

    let run = env.bug(&repo, &["ls", "status:pending"]);
    assert_invalid(&run, "pending");
    let run = env.bug(&repo, &["ls", "-s", "pending"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// People: author, participant, actor
// ---------------------------------------------------------------------------

#[test]
fn author_by_name_login_and_id() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    // A name substring, any case.
    let lindhe = s.by_author("lindhe");
    assert_selects(&env, &repo, &["author:lindhe"], &lindhe);
    assert_selects(&env, &repo, &["author:LINDHE"], &lindhe);
    assert_eq!(
        lindhe,
        s.ids_where(|b| b.author == "Martin Lindhe"),
        "oracle sanity"
    );

    // A login that is not part of the name.
    let clark = s.person_named("Paul \"Joey\" Clark");
    assert_eq!(clark.login, "joeytwiddle");
    let expected = s.ids_where(|b| b.author == clark.name);
    assert_selects(&env, &repo, &["author:twiddle"], &expected);

    // An id prefix.
    let mure = s.person_named("Michael Muré");
    let expected = s.ids_where(|b| b.author == mure.name);
    assert_selects(
        &env,
        &repo,
        &[&format!("author:{}", &mure.id[..5])],
        &expected,
    );

    // The flags; several authors are ORed.
    let sudo = s.by_author("sudoforge");
    assert_selects(&env, &repo, &["-a", "sudoforge"], &sudo);
    assert_selects(&env, &repo, &["--author", "sudoforge"], &sudo);
    let either = s.ids_where(|b| lindhe.contains(&b.id) || sudo.contains(&b.id));
    assert_selects(&env, &repo, &["author:lindhe", "author:sudoforge"], &either);
    assert_selects(&env, &repo, &["-a", "lindhe,sudoforge"], &either);

    // Nobody.
    assert!(ls(&env, &repo, &["author:nobody-at-all"]).is_empty());
}

#[test]
fn quoted_values_with_spaces() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let mure = s.by_author("michael muré");
    assert_eq!(mure, s.ids_where(|b| b.author == "Michael Muré"));
    // Quoted in one argument, double or single quotes.
    assert_selects(&env, &repo, &["author:\"Michael Muré\""], &mure);
    assert_selects(&env, &repo, &["author:'Michael Muré'"], &mure);
    // One argument with a space reads as two words, as two arguments do.
    assert_eq!(
        ls_set(&env, &repo, &["author:Michael Muré"]),
        ls_set(&env, &repo, &["author:Michael", "Muré"])
    );
    // Split by the shell into two arguments and joined again.
    assert_selects(&env, &repo, &["author:\"Michael", "Muré\""], &mure);
    // The flag takes the value as is.
    assert_selects(&env, &repo, &["-a", "Michael Muré"], &mure);
}

#[test]
fn participant_and_actor() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    // Flags and qualifiers, by name (quoted), for a main contributor.
    let who = "Michael Muré";
    let participants = s.by_participant(who);
    let actors = s.by_actor(who);
    assert_selects(
        &env,
        &repo,
        &[&format!("participant:\"{who}\"")],
        &participants,
    );
    assert_selects(&env, &repo, &["-p", who], &participants);
    assert_selects(&env, &repo, &[&format!("actor:\"{who}\"")], &actors);
    assert_selects(&env, &repo, &["-A", who], &actors);

    // People who acted (labels, status, title) on bugs where they never
    // commented: there actor: and participant: must differ.
    let actor_only: Vec<&Person> = s
        .people
        .iter()
        .filter(|p| s.by_actor(&p.id) != s.by_participant(&p.id))
        .collect();
    assert!(
        !actor_only.is_empty(),
        "the sample has label/status-only actors"
    );
    for p in actor_only.iter().take(3) {
        let by_login = if p.login.is_empty() {
            &p.name
        } else {
            &p.login
        };
        assert_eq!(
            ls_set(&env, &repo, &[&format!("actor:{}", &p.id[..8])]),
            s.by_actor(&p.id),
            "actor:{} ({})",
            &p.id[..8],
            p.name
        );
        assert_eq!(
            ls_set(&env, &repo, &[&format!("participant:{by_login}")]),
            s.by_participant(by_login),
            "participant:{by_login}"
        );
    }
}

/// Actors and participants in a small repository, with a second identity.
#[test]
fn actor_is_anyone_who_acted_participant_who_commented() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let first = env.new_bug(&repo, "Jane's first", "m");
    let second = env.new_bug(&repo, "Jane's second", "m");
    let bob = env
        .bug(
            &repo,
            &[
                "user",
                "new",
                "-n",
                "Bob Builder",
                "-e",
                "bob@example.com",
                "--non-interactive",
            ],
        )
        .ok()
        .stdout
        .trim()
        .to_string();
    env.bug(&repo, &["user", "adopt", &bob]).ok();
    // Bob only labels the first bug and only comments on the second.
    env.bug(&repo, &["bug", "label", "new", &first, "ux"]).ok();
    env.bug(&repo, &["comment", &second, "-m", "Bob was here"])
        .ok();

    assert_eq!(
        ls_set(&env, &repo, &["actor:bob"]),
        sorted([&first, &second])
    );
    assert_eq!(
        ls_set(&env, &repo, &["participant:bob"]),
        vec![second.clone()]
    );
    assert_eq!(ls_set(&env, &repo, &["author:bob"]), Vec::<String>::new());
    assert_eq!(
        ls_set(&env, &repo, &["author:jane"]),
        sorted([&first, &second])
    );
    assert_eq!(
        ls_set(&env, &repo, &[&format!("actor:{}", &bob[..6])]).len(),
        2
    );
    assert_eq!(
        ls_set(&env, &repo, &["participant:\"Bob Builder\""]),
        vec![second.clone()]
    );
}

fn sorted<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = ids.into_iter().cloned().collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// Labels, titles, no:label, metadata
// ---------------------------------------------------------------------------

#[test]
fn label_qualifier_is_exact_and_anded() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let has = |l: &'static str| move |b: &Bug| b.labels.iter().any(|x| x == l);
    let feature = s.ids_where(has("kind/feature"));
    assert_selects(&env, &repo, &["label:kind/feature"], &feature);
    assert_selects(&env, &repo, &["-l", "kind/feature"], &feature);
    assert_selects(&env, &repo, &["--label", "kind/feature"], &feature);

    let both = s.ids_where(|b| has("kind/feature")(b) && has("area/cli")(b));
    assert!(both.len() < feature.len());
    assert_selects(
        &env,
        &repo,
        &["label:kind/feature", "label:area/cli"],
        &both,
    );
    assert_selects(&env, &repo, &["-l", "kind/feature,area/cli"], &both);
    assert_selects(
        &env,
        &repo,
        &["-l", "kind/feature", "label:area/cli"],
        &both,
    );

    // Exact and case-sensitive: no substring, no case folding.
    assert!(ls(&env, &repo, &["label:kind"]).is_empty());
    assert!(ls(&env, &repo, &["label:KIND/FEATURE"]).is_empty());

    // Labels with a space.
    let easy = s.ids_where(has("Easy pick"));
    assert_selects(&env, &repo, &["label:\"Easy pick\""], &easy);
    // Unquoted in one argument: the label "Easy" and the word "pick", as
    // in two arguments.
    assert_eq!(
        ls_set(&env, &repo, &["label:Easy pick"]),
        ls_set(&env, &repo, &["label:Easy", "pick"])
    );
    assert_selects(&env, &repo, &["-l", "Easy pick"], &easy);
}

#[test]
fn title_qualifier_is_a_case_insensitive_substring() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let contains = |t: &str| {
        let t = t.to_lowercase();
        s.ids_where(move |b| b.title.to_lowercase().contains(&t))
    };
    assert_selects(&env, &repo, &["title:cli"], &contains("cli"));
    assert_selects(&env, &repo, &["title:CLI"], &contains("cli"));
    assert_selects(&env, &repo, &["title:feat"], &contains("feat"));
    assert_selects(&env, &repo, &["-t", "feat"], &contains("feat"));
    assert_selects(&env, &repo, &["--title", "Cli"], &contains("cli"));
    // Several titles: AND.
    let both = s.ids_where(|b| {
        let t = b.title.to_lowercase();
        t.contains("push") && t.contains("pull")
    });
    assert_selects(&env, &repo, &["title:push", "title:pull"], &both);
    assert_selects(&env, &repo, &["-t", "push,pull"], &both);
    // With spaces (and the `/` of "push/pull").
    assert_selects(
        &env,
        &repo,
        &["title:\"push/pull bridge\""],
        &contains("push/pull bridge"),
    );
    // A value with a space matching nothing: no bug, not an error.
    assert!(contains("easy pick").is_empty());
    assert!(ls(&env, &repo, &["title:Easy pick"]).is_empty());
}

#[test]
fn no_label() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let unlabelled = s.ids_where(|b| b.labels.is_empty());
    assert_selects(&env, &repo, &["no:label"], &unlabelled);
    assert_selects(&env, &repo, &["-n", "label"], &unlabelled);
    assert_selects(&env, &repo, &["--no", "label"], &unlabelled);
    // Combined with other filters (AND).
    let closed = s.ids_where(|b| b.labels.is_empty() && !b.open);
    assert_selects(&env, &repo, &["no:label", "status:closed"], &closed);
    // With a label filter: nothing can match both.
    assert!(ls(&env, &repo, &["no:label", "label:kind/bug"]).is_empty());

    let run = env.bug(&repo, &["ls", "no:milestone"]);
    assert_invalid(&run, "unknown \"no\" filter \"milestone\"");
    let run = env.bug(&repo, &["ls", "-n", "milestone"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("milestone"), "{}", run.stderr);
}

#[test]
fn metadata_qualifier_and_flag() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let url_of = |b: &Bug| b.create_metadata.get("github-url").cloned();
    let first = &s.bugs[0];
    let second = &s.bugs[1];
    let url = url_of(first).expect("the sample bugs come from GitHub");
    let other = url_of(second).expect("github-url");
    assert!(url.contains(':'), "{url}");

    let one = vec![first.id.clone()];
    assert_selects(
        &env,
        &repo,
        &[&format!("metadata:github-url:\"{url}\"")],
        &one,
    );
    assert_selects(
        &env,
        &repo,
        &[&format!("metadata:github-url:'{url}'")],
        &one,
    );
    assert_selects(&env, &repo, &["-m", &format!("github-url={url}")], &one);
    assert_selects(
        &env,
        &repo,
        &["--metadata", &format!("github-url={url}")],
        &one,
    );
    // Several: OR.
    let two = sorted([&first.id, &second.id]);
    assert_selects(
        &env,
        &repo,
        &[
            &format!("metadata:github-url:\"{url}\""),
            &format!("metadata:github-url:\"{other}\""),
        ],
        &two,
    );
    // Exact match only.
    let prefix = &url[..url.len() - 1];
    let exact: Vec<String> = s.ids_where(|b| url_of(b).as_deref() == Some(prefix));
    assert_eq!(
        ls_set(&env, &repo, &[&format!("metadata:github-url:\"{prefix}\"")]),
        exact
    );
    // Every sample bug came from the GitHub bridge.
    let origin =
        s.ids_where(|b| b.create_metadata.get("origin").map(String::as_str) == Some("github"));
    assert_eq!(origin.len(), 20);
    assert_eq!(ls_set(&env, &repo, &["metadata:origin:github"]), origin);
    assert!(ls(&env, &repo, &["metadata:origin:gitlab"]).is_empty());

    // Unquoted, the URL's own colons are separators.
    let run = env.bug(&repo, &["ls", &format!("metadata:github-url:{url}")]);
    assert_invalid(&run, "too many separators");
    // The flag needs KEY=VALUE.
    let run = env.bug(&repo, &["ls", "-m", "github-url"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------

#[test]
fn free_text_matches_words_of_titles_and_comments() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let matching = |terms: &[&str]| s.ids_where(|b| terms.iter().all(|t| text_matches(b, t)));

    // A word, any case.
    let ssh = matching(&["ssh"]);
    assert_selects(&env, &repo, &["ssh"], &ssh);
    assert_selects(&env, &repo, &["SSH"], &ssh);
    // A word found only in a comment, never in a title.
    let windows = matching(&["windows"]);
    assert!(
        s.bugs
            .iter()
            .all(|b| !words(&b.title).contains(&"windows".to_string()))
    );
    assert_selects(&env, &repo, &["Windows"], &windows);
    // A word of a title.
    assert_selects(
        &env,
        &repo,
        &["serialization"],
        &matching(&["serialization"]),
    );

    // Several terms: all must match.
    let push_and_pull = matching(&["push", "pull"]);
    assert!(push_and_pull.len() < matching(&["push"]).len());
    assert!(push_and_pull.len() < matching(&["pull"]).len());
    assert_selects(&env, &repo, &["push", "pull"], &push_and_pull);
    // Quoted words form a phrase: adjacent, in this order.
    let phrase = matching(&["push pull"]);
    assert_eq!(ls_set(&env, &repo, &["\"push pull\""]), phrase);

    // With qualifiers.
    let open_ssh = s.ids_where(|b| b.open && text_matches(b, "ssh"));
    assert_eq!(ls_set(&env, &repo, &["status:open", "ssh"]), open_ssh);
    assert_eq!(ls_set(&env, &repo, &["ssh", "-s", "open"]), open_ssh);

    // Unknown words match nothing.
    assert!(ls(&env, &repo, &["xyzzyplugh"]).is_empty());
    assert!(ls(&env, &repo, &["ssh", "xyzzyplugh"]).is_empty());
}

#[test]
fn free_text_in_a_small_repository() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let crash = env.new_bug(&repo, "Crash on Startup", "Segfault: the parser crashes");
    let slow = env.new_bug(&repo, "Slow rendering", "It takes ages");
    env.bug(
        &repo,
        &[
            "comment",
            &slow,
            "-m",
            "Maybe it crashes in the PARSER too?",
        ],
    )
    .ok();
    // Words of titles, descriptions and comments, any case.
    assert_eq!(ls_set(&env, &repo, &["crash"]), vec![crash.clone()]);
    assert_eq!(ls_set(&env, &repo, &["SEGFAULT"]), vec![crash.clone()]);
    assert_eq!(ls_set(&env, &repo, &["parser"]), sorted([&crash, &slow]));
    // Whole words: "age" is not "ages".
    assert_eq!(ls_set(&env, &repo, &["age"]), Vec::<String>::new());
    // Several terms: AND.
    assert_eq!(ls_set(&env, &repo, &["parser", "ages"]), vec![slow.clone()]);
    assert_eq!(
        ls_set(&env, &repo, &["startup", "ages"]),
        Vec::<String>::new()
    );
    assert_eq!(
        ls_set(&env, &repo, &["crashes", "parser"]),
        sorted([&crash, &slow])
    );
    // A phrase (quoted in the query): words in order. Unquoted, one
    // argument with a space is two words, as two arguments are.
    assert_eq!(
        ls_set(&env, &repo, &["\"parser crashes\""]),
        vec![crash.clone()]
    );
    assert_eq!(
        ls_set(&env, &repo, &["parser crashes"]),
        sorted([&crash, &slow])
    );
    assert_eq!(
        ls_set(&env, &repo, &["'crashes in the parser'"]),
        vec![slow.clone()]
    );
    // With a qualifier.
    assert_eq!(
        ls_set(&env, &repo, &["title:slow", "parser"]),
        vec![slow.clone()]
    );
    env.bug(&repo, &["close", &crash]).ok();
    assert_eq!(
        ls_set(&env, &repo, &["parser", "status:closed"]),
        vec![crash.clone()]
    );
}

// ---------------------------------------------------------------------------
// Sorting
// ---------------------------------------------------------------------------

fn reversed(mut v: Vec<String>) -> Vec<String> {
    v.reverse();
    v
}

#[test]
fn sorting_on_the_sample() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let creation = s.ids_sorted_by(|b| b.create_clock);
    // The sample was imported one bug at a time, so its edit order is its
    // creation order: edit the oldest bug to make it the latest edited.
    let oldest = creation[0].clone();
    env.bug(&repo, &["comment", &oldest, "-m", "A late comment"])
        .ok();
    let edit = s.ids_sorted_by(|b| (b.id == oldest, b.edit_clock));
    let id = s.ids_sorted_by(|b| b.id.clone());
    assert_ne!(creation, edit);

    // Default: creation, ascending.
    assert_eq!(ls(&env, &repo, &[]), creation);
    // The query's sort: (creation and edit default to descending, id to ascending).
    assert_eq!(
        ls(&env, &repo, &["sort:creation"]),
        reversed(creation.clone())
    );
    assert_eq!(ls(&env, &repo, &["sort:edit"]), reversed(edit.clone()));
    assert_eq!(ls(&env, &repo, &["sort:edit-asc"]), edit);
    assert_eq!(ls(&env, &repo, &["sort:id"]), id);
    assert_eq!(ls(&env, &repo, &["sort:id-desc"]), reversed(id.clone()));

    // Flags.
    assert_eq!(ls(&env, &repo, &["-b", "id"]), id);
    assert_eq!(ls(&env, &repo, &["--by", "edit"]), edit);
    assert_eq!(
        ls(&env, &repo, &["-b", "edit", "-d", "desc"]),
        reversed(edit.clone())
    );
    assert_eq!(ls(&env, &repo, &["-d", "desc"]), reversed(creation.clone()));
    // Flags win over the query's sort.
    assert_eq!(ls(&env, &repo, &["sort:edit-asc", "-b", "id"]), id);
    assert_eq!(
        ls(&env, &repo, &["sort:id", "-d", "desc"]),
        reversed(id.clone())
    );

    // Sorting applies to filtered results too.
    let open_by_edit: Vec<String> = edit
        .iter()
        .filter(|i| s.bugs.iter().any(|b| &b.id == *i && b.open))
        .cloned()
        .collect();
    assert_eq!(
        ls(&env, &repo, &["status:open", "sort:edit-asc"]),
        open_by_edit
    );

    // The plain and JSON listings use the same order.
    let plain = env.bug(&repo, &["ls", "sort:id-desc"]).ok();
    let humans: Vec<String> = reversed(id.clone())
        .iter()
        .map(|i| i[..7].to_string())
        .collect();
    let shown: Vec<String> = plain
        .lines()
        .iter()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(shown, humans);
    let json = env
        .bug(&repo, &["ls", "--format", "json", "sort:edit-asc"])
        .ok()
        .json();
    let json_ids: Vec<String> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|b| json_str(&b["id"]))
        .collect();
    assert_eq!(json_ids, edit);
}

#[test]
fn sorting_by_edit_follows_the_latest_change() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let a = env.new_bug(&repo, "A", "m");
    let b = env.new_bug(&repo, "B", "m");
    let c = env.new_bug(&repo, "C", "m");
    // Touch A last, then B: edit order C, A, B.
    env.bug(&repo, &["comment", &a, "-m", "bump"]).ok();
    env.bug(&repo, &["close", &b]).ok();
    // Every spelling of sort: (spec §7.5).
    let creation = vec![a.clone(), b.clone(), c.clone()];
    let edit = vec![c.clone(), a.clone(), b.clone()];
    let id = sorted([&a, &b, &c]);
    assert_eq!(
        ls(&env, &repo, &[]),
        creation,
        "default: creation, ascending"
    );
    for (sort, expected) in [
        ("sort:creation", reversed(creation.clone())),
        ("sort:creation-desc", reversed(creation.clone())),
        ("sort:creation-asc", creation.clone()),
        ("sort:edit", reversed(edit.clone())),
        ("sort:edit-desc", reversed(edit.clone())),
        ("sort:edit-asc", edit.clone()),
        ("sort:id", id.clone()),
        ("sort:id-asc", id.clone()),
        ("sort:id-desc", reversed(id.clone())),
    ] {
        assert_eq!(ls(&env, &repo, &[sort]), expected, "{sort}");
    }
    assert_eq!(ls(&env, &repo, &["--direction", "asc"]), creation);
    assert_eq!(
        ls(&env, &repo, &["--by", "edit", "--direction", "desc"]),
        reversed(edit)
    );
}

// ---------------------------------------------------------------------------
// Combinations and errors
// ---------------------------------------------------------------------------

#[test]
fn qualifiers_combine_with_and() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let mure = s.person_named("Michael Muré");
    let expected = s.ids_where(|b| {
        !b.open
            && b.labels.iter().any(|l| l == "area/cli")
            && b.comments.iter().any(|(who, _)| who == &mure.name)
    });
    assert_selects(
        &env,
        &repo,
        &["status:closed", "label:area/cli", "participant:MichaelMure"],
        &expected,
    );
    assert_selects(
        &env,
        &repo,
        &["-s", "closed", "-l", "area/cli", "-p", "MichaelMure"],
        &expected,
    );
    // The same through git.
    let via_git = env
        .git(
            &repo,
            &[
                "bug",
                "ls",
                "--format",
                "id",
                "status:closed",
                "label:area/cli",
                "participant:MichaelMure",
            ],
        )
        .ok();
    let mut ids: Vec<String> = via_git.lines().iter().map(|l| l.to_string()).collect();
    ids.sort();
    assert_eq!(ids, expected);
    // `git bug bug QUERY` is the same listing.
    let long = env
        .bug(
            &repo,
            &["bug", "--format", "id", "status:closed", "label:area/cli"],
        )
        .ok();
    assert_eq!(
        long.stdout,
        env.bug(
            &repo,
            &["ls", "--format", "id", "status:closed", "label:area/cli"]
        )
        .ok()
        .stdout
    );
}

#[test]
fn invalid_queries_exit_2() {
    let env = TestEnv::new();
    let (repo, _) = sample(&env);
    let cases: [(&[&str], &str); 13] = [
        (&["status:open", "\"unterminated"], "unmatched quote"),
        (&["author:'Michael"], "unmatched quote"),
        (&["a::b"], "empty qualifier or value"),
        (&[":x"], "empty qualifier or value"),
        (&["status:"], "empty qualifier or value"),
        (&["status:open", "a::b"], "empty qualifier or value"),
        (&["a:b:c:d"], "too many separators"),
        (&["foo:bar"], "unknown qualifier \"foo\""),
        (&["Status:open"], "unknown qualifier \"Status\""),
        (&["foo:bar:baz"], "unknown qualifier \"foo:bar\""),
        (&["no:milestone"], "unknown \"no\" filter \"milestone\""),
        (&["sort:size"], "unknown sorting size"),
        (&["sort:id", "sort:edit"], "multiple sorting"),
    ];
    for (query, message) in cases {
        let run = env.bug(&repo, &[&["ls"], query].concat());
        assert_invalid(&run, message);
        // Through git and the long form, too.
        let run = env.git(&repo, &[&["bug", "bug"], query].concat());
        assert_invalid(&run, message);
    }
    // Bad flag values are usage errors as well.
    for args in [
        &["ls", "-b", "size"][..],
        &["ls", "-d", "up"],
        &["ls", "-s", "maybe"],
    ] {
        let run = env.bug(&repo, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// `git bug ls --help` documents a whole query given as one (shell-quoted)
/// argument: 'status:open label:bug author:"Jane Doe" crash'. It must mean
/// the same as the same words given as separate arguments.
#[test]
fn a_whole_query_in_one_argument() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let expected = s.ids_where(|b| {
        !b.open && b.labels.iter().any(|l| l == "area/cli") && b.author == "Michael Muré"
    });
    assert_eq!(
        ls_set(
            &env,
            &repo,
            &["status:closed", "label:area/cli", "author:\"Michael Muré\""]
        ),
        expected,
        "separate arguments"
    );
    let mut failures = Vec::new();
    for query in [
        "status:closed label:area/cli",
        "status:closed label:area/cli author:\"Michael Muré\"",
        "label:area/cli author:'Michael Muré' status:closed",
    ] {
        let run = env.bug(&repo, &["ls", "--format", "id", query]);
        let mut ids: Vec<String> = run.lines().iter().map(|l| l.to_string()).collect();
        ids.sort();
        let wanted = if query.contains("Mur") {
            expected.clone()
        } else {
            s.ids_where(|b| !b.open && b.labels.iter().any(|l| l == "area/cli"))
        };
        if run.code != 0 || ids != wanted {
            failures.push(format!(
                "ls {query:?}: exit {}, {} bugs (want {}): {}",
                run.code,
                ids.len(),
                wanted.len(),
                run.stderr.lines().next().unwrap_or("")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A qualifier and words in one argument mean what they mean as separate
/// arguments, in any order: `'label:area/cli status:open crash'` is not
/// the label "area/cli status:open crash".
#[test]
fn qualifiers_and_words_in_one_argument_read_as_separate_arguments() {
    let env = TestEnv::new();
    let (repo, s) = sample(&env);
    let with_word = |word: &str| {
        s.ids_where(|b| b.labels.iter().any(|l| l == "area/cli") && b.open && text_matches(b, word))
    };
    let word = "the";
    let expected = with_word(word);
    assert!(!expected.is_empty(), "the sample has such bugs");
    for args in [
        vec!["label:area/cli status:open the"],
        vec!["the label:area/cli status:open"],
        vec!["status:open", "the label:area/cli"],
        vec!["label:area/cli the", "status:open"],
        vec!["status:open", "label:area/cli", "the"],
    ] {
        assert_eq!(ls_set(&env, &repo, &args), expected, "{args:?}");
    }
}
