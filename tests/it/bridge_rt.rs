//! Request Tracker as a git remote, against a real RT 5 server (started by
//! `tests/trackers/start-rt.sh`; `GIT_BUG_TEST_TRACKERS` names its state
//! directory). `git fetch rt` brings tickets in, `git push rt` sends
//! comments and status back, and neither brings the other's writes back
//! as new operations. Each test works in a queue of its own.

use crate::common::TestEnv;
use crate::common::trackers::{self, op_count, operations};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The server's settings, or `None` (with a note) when no tracker tests
/// were asked for outside CI. Asked for but not answering is a failure.
fn tracker() -> Option<Api> {
    let settings = trackers::settings("rt", "RT")?;
    let api = Api {
        base: settings["GIT_BUG_TEST_RT_URL"].clone(),
        token: settings["GIT_BUG_TEST_RT_TOKEN"].clone(),
        agent: trackers::http_agent(),
    };
    let answer = api.get("/queues/all");
    assert!(
        answer.is_object(),
        "RT at {} does not answer: {answer}",
        api.base
    );
    Some(api)
}

/// RT's REST2 API, as another client would use it.
struct Api {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/REST/2.0{path}", self.base);
        let auth = format!("token {}", self.token);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send_json(b),
            ("PUT", Some(b)) => self
                .agent
                .put(&url)
                .header("Authorization", &auth)
                .send_json(b),
            _ => unreachable!(),
        };
        let mut response = response.unwrap_or_else(|e| panic!("RT at {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("RT's answer");
        assert!(
            (200..300).contains(&status),
            "{method} {path}: HTTP {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn get(&self, path: &str) -> Value {
        self.call("GET", path, None)
    }

    /// A fresh queue, so that tests sharing the server do not see each other.
    fn new_queue(&self, what: &str) -> String {
        let name =
            format!("{what}-{}", git_bug::bug::operation::new_nonce()).replace(['/', '+', '='], "");
        self.call("POST", "/queue", Some(json!({ "Name": name })));
        name
    }

    fn new_ticket(&self, queue: &str, subject: &str, content: &str) -> String {
        let answer = self.call(
            "POST",
            "/ticket",
            Some(json!({ "Queue": queue, "Subject": subject, "Content": content })),
        );
        answer["id"].as_str().expect("ticket id").to_string()
    }

    fn comment(&self, ticket: &str, text: &str) {
        self.call(
            "POST",
            &format!("/ticket/{ticket}/comment"),
            Some(json!({ "Content": text, "ContentType": "text/plain" })),
        );
    }

    fn update(&self, ticket: &str, fields: Value) {
        self.call("PUT", &format!("/ticket/{ticket}"), Some(fields));
    }

    /// `(type, new value)` of every transaction of a ticket.
    fn history(&self, ticket: &str) -> Vec<(String, String, String)> {
        let answer = self.get(&format!(
            "/ticket/{ticket}/history?fields=Type,NewValue&per_page=100"
        ));
        answer["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap_or("").to_string(),
                    i["Type"].as_str().unwrap_or("").to_string(),
                    i["NewValue"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// The texts of the comments on a ticket (not its description), in order.
    fn comments(&self, ticket: &str) -> Vec<String> {
        self.history(ticket)
            .into_iter()
            .filter(|(_, kind, _)| kind == "Comment" || kind == "Correspond")
            .map(|(id, _, _)| {
                let parts = self.get(&format!(
                    "/transaction/{id}/attachments?fields=Content,ContentType"
                ));
                parts["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|p| p["Content"].as_str())
                    .find(|c| !c.is_empty())
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    fn status(&self, ticket: &str) -> String {
        self.get(&format!("/ticket/{ticket}"))["Status"]
            .as_str()
            .expect("status")
            .to_string()
    }
}

/// A repository with an identity, the queue as remote `rt` (fetch and
/// push refspecs by `git bug install`) and the token given by an inline
/// credential helper.
fn repo_with_remote(env: &TestEnv, api: &Api, name: &str, queue: &str) -> PathBuf {
    let repo = env.repo(name);
    env.bug(
        &repo,
        &["user", "new", "-n", "Jane Doe", "-e", "jane@example.com"],
    )
    .ok();
    let url = format!("bug::rt+{}/?queue={queue}", api.base);
    env.git(&repo, &["remote", "add", "rt", &url]).ok();
    let install = env.bug(&repo, &["install"]).ok();
    assert!(
        format!("{}{}", install.stdout, install.stderr)
            .contains("rt: push refs/bugs/*:refs/bugs/*"),
        "{install:?}"
    );
    let helper = format!(
        "!f() {{ echo username=root; echo password={}; }}; f",
        api.token
    );
    env.git(&repo, &["config", "credential.helper", &helper])
        .ok();
    repo
}

#[test]
fn fetch_brings_a_ticket_in_with_its_title_message_and_comments() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("fetch");
    let ticket = api.new_ticket(&queue, "Crash on start", "It crashes at once.");
    api.comment(&ticket, "Seen here too.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);

    env.git(&repo, &["fetch", "rt"]).ok();
    let ls = env.bug(&repo, &["ls"]).ok();
    assert!(ls.stdout.contains("Crash on start"), "{}", ls.stdout);
    assert_eq!(ls.lines().len(), 1, "{}", ls.stdout);
    let id = operations(&repo).keys().next().expect("a bug").clone();
    let show = env.bug(&repo, &["show", &id]).ok();
    assert!(
        show.stdout.contains("It crashes at once."),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains("Seen here too."), "{}", show.stdout);
    assert!(
        show.stdout.contains("root"),
        "the RT user is the author: {}",
        show.stdout
    );

    // A second fetch with nothing new on the tracker changes nothing.
    let before = operations(&repo);
    env.git(&repo, &["fetch", "rt"]).ok();
    assert_eq!(operations(&repo), before);
}

#[test]
fn push_sends_a_comment_and_the_status_and_fetch_brings_nothing_back() {
    push_round_trip(TestEnv::new(), "2.47");
}

#[test]
fn push_sends_a_comment_and_the_status_and_fetch_brings_nothing_back_git_2_39() {
    push_round_trip(TestEnv::with_git_from(Path::new("/usr/bin")), "2.39");
}

/// Fetch, dry run, push, fetch, push, fetch again, with the git of `env`.
fn push_round_trip(env: TestEnv, version: &str) {
    let Some(api) = tracker() else { return };
    let seen = env.git(env.dir.path(), &["version"]).ok().stdout;
    assert!(
        seen.starts_with(&format!("git version {version}")),
        "{seen}"
    );
    let queue = api.new_queue("push");
    let ticket = api.new_ticket(&queue, "Wrong colour", "The button is red.");
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(&repo, &["fetch", "rt"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();

    env.bug(&repo, &["comment", &id, "-m", "Fixed in 2.1"]).ok();
    env.bug(&repo, &["close", &id]).ok();
    let history_before = api.history(&ticket);
    env.git(&repo, &["push", "--dry-run", "rt"]).ok();
    assert_eq!(
        api.history(&ticket),
        history_before,
        "a dry run sends nothing"
    );

    env.git(&repo, &["push", "rt"]).ok();
    assert_eq!(api.comments(&ticket), ["Fixed in 2.1"]);
    assert_eq!(api.status(&ticket), "resolved");

    // The tracker's copies of our writes are ours already: no new operation.
    let before = op_count(&repo);
    env.git(&repo, &["fetch", "rt"]).ok();
    assert_eq!(op_count(&repo), before, "{:?}", operations(&repo));
    let show = env.bug(&repo, &["show", &id]).ok();
    assert_eq!(
        show.stdout.matches("Fixed in 2.1").count(),
        1,
        "{}",
        show.stdout
    );

    // And pushing again sends nothing.
    let history = api.history(&ticket);
    env.git(&repo, &["push", "rt"]).ok();
    assert_eq!(api.history(&ticket), history);

    // A change made on the tracker arrives as one operation.
    api.comment(&ticket, "Confirmed fixed.");
    api.update(&ticket, json!({ "Status": "open" }));
    env.git(&repo, &["fetch", "rt"]).ok();
    assert_eq!(op_count(&repo), before + 2, "{:?}", operations(&repo));
    let status = env.bug(&repo, &["show", &id, "--field", "status"]).ok();
    assert_eq!(status.stdout.trim(), "open");

    // Our own writes since the last fetch do not hold a push back.
    env.bug(&repo, &["comment", &id, "-m", "One more."]).ok();
    env.git(&repo, &["push", "rt"]).ok();
    env.bug(&repo, &["comment", &id, "-m", "And another."]).ok();
    env.git(&repo, &["push", "rt"]).ok();
    assert_eq!(
        api.comments(&ticket),
        [
            "Fixed in 2.1",
            "Confirmed fixed.",
            "One more.",
            "And another."
        ]
    );
}

#[test]
fn a_push_waits_for_a_fetch_when_the_ticket_changed_meanwhile() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("stale");
    let ticket = api.new_ticket(&queue, "Slow", "Takes ages.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(&repo, &["fetch", "rt"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();
    api.comment(&ticket, "Written on the tracker meanwhile.");
    env.bug(&repo, &["comment", &id, "-m", "Written here."])
        .ok();

    let push = env.git(&repo, &["push", "rt"]);
    assert_ne!(push.code, 0);
    assert!(push.stderr.contains("fetch first"), "{}", push.stderr);
    assert_eq!(api.comments(&ticket).len(), 1, "nothing sent");

    env.git(&repo, &["fetch", "rt"]).ok();
    env.git(&repo, &["push", "rt"]).ok();
    assert_eq!(
        api.comments(&ticket),
        ["Written on the tracker meanwhile.", "Written here."]
    );
}

#[test]
fn a_new_local_bug_is_refused_by_ref() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("new");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.new_bug(&repo, "Made here", "Not on the tracker.");
    let push = env.git(&repo, &["push", "rt"]);
    assert_ne!(push.code, 0);
    assert!(push.stderr.contains("not yet supported"), "{}", push.stderr);
}

#[test]
fn two_repositories_importing_a_ticket_get_the_same_ids() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("same");
    let ticket = api.new_ticket(&queue, "First title", "Description.");
    api.comment(&ticket, "A comment.");
    api.update(&ticket, json!({ "Subject": "Second title" }));
    api.update(&ticket, json!({ "Status": "resolved" }));
    let env = TestEnv::new();
    let first = repo_with_remote(&env, &api, "first", &queue);
    env.git(&first, &["fetch", "rt"]).ok();
    // Another machine, later, with another user of its own.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = repo_with_remote(&env, &api, "second", &queue);
    env.bug(
        &second,
        &[
            "user",
            "new",
            "-n",
            "Someone Else",
            "-e",
            "else@example.com",
        ],
    )
    .ok();
    env.git(&second, &["fetch", "rt"]).ok();

    let ops = operations(&first);
    assert_eq!(ops.len(), 1);
    let (id, list) = ops.iter().next().expect("a bug");
    // create, comment, title, status
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(operations(&second), ops);
    let title = env.bug(&second, &["show", id, "--field", "title"]).ok();
    assert_eq!(title.stdout.trim(), "Second title");
    let status = env.bug(&second, &["show", id, "--field", "status"]).ok();
    assert_eq!(status.stdout.trim(), "closed");
}

#[test]
fn a_refused_token_is_one_line_and_no_credential_is_one_line() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("token");
    api.new_ticket(&queue, "Private", "Not for everyone.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(
        &repo,
        &[
            "config",
            "credential.helper",
            "!f() { echo username=root; echo password=1-1-revoked; }; f",
        ],
    )
    .ok();
    let started = std::time::Instant::now();
    let fetch = env.git(&repo, &["fetch", "rt"]);
    assert_ne!(fetch.code, 0);
    let ours: Vec<&str> = fetch
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(ours.len(), 1, "{}", fetch.stderr);
    assert!(ours[0].contains("refused the token"), "{}", fetch.stderr);
    assert!(started.elapsed().as_secs() < 30, "no hang");
    assert!(operations(&repo).is_empty());

    // Without any credential: one line naming the command that stores one.
    env.git(&repo, &["config", "--unset", "credential.helper"])
        .ok();
    let fetch = env.git(&repo, &["fetch", "rt"]);
    assert_ne!(fetch.code, 0);
    assert!(
        fetch.stderr.contains("git credential approve"),
        "{}",
        fetch.stderr
    );
}

#[test]
fn ls_remote_lists_the_tickets_as_bugs() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("ls");
    api.new_ticket(&queue, "Listed", "Shown by ls-remote.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    let listed = env.git(&repo, &["ls-remote", "rt"]).ok();
    let bugs: Vec<&str> = listed
        .stdout
        .lines()
        .filter(|l| l.contains("\trefs/bugs/"))
        .collect();
    assert_eq!(bugs.len(), 1, "{}", listed.stdout);
    assert!(
        listed.stdout.contains("\trefs/identities/"),
        "{}",
        listed.stdout
    );
}

/// `git ARGS` with one more variable in its environment.
fn git_with(env: &TestEnv, repo: &Path, args: &[&str], var: (&str, &str)) -> i32 {
    let mut cmd = env.command("git", repo);
    cmd.args(args).env(var.0, var.1);
    cmd.output().expect("git runs").status.code().unwrap_or(-1)
}

#[test]
fn a_push_killed_after_the_tracker_write_is_recorded_not_repeated() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("crash");
    let ticket = api.new_ticket(&queue, "Flaky", "Sometimes fails.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(&repo, &["fetch", "rt"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();
    env.bug(&repo, &["comment", &id, "-m", "Once only."]).ok();
    env.bug(&repo, &["close", &id]).ok();

    // Dies right after RT took the comment, before recording it.
    let code = git_with(
        &env,
        &repo,
        &["push", "rt"],
        ("GIT_BUG_TEST_CRASH_AFTER_WRITE", "1"),
    );
    assert_ne!(code, 0);
    assert_eq!(api.comments(&ticket), ["Once only."]);
    assert_eq!(api.status(&ticket), "new");

    // The next fetch finds the write and records it; nothing is imported twice.
    env.git(&repo, &["fetch", "rt"]).ok();
    let show = env.bug(&repo, &["show", &id]).ok();
    assert_eq!(
        show.stdout.matches("Once only.").count(),
        1,
        "{}",
        show.stdout
    );
    env.git(&repo, &["push", "rt"]).ok();
    assert_eq!(api.comments(&ticket), ["Once only."]);
    assert_eq!(api.status(&ticket), "resolved");
    let before = op_count(&repo);
    env.git(&repo, &["fetch", "rt"]).ok();
    assert_eq!(op_count(&repo), before);
}

#[test]
fn a_title_change_reaches_the_ticket_and_only_the_effective_status_is_sent() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("title");
    let ticket = api.new_ticket(&queue, "Typo in the mnual", "On page 3.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(&repo, &["fetch", "rt"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();

    env.bug(
        &repo,
        &["bug", "title", "edit", &id, "-t", "Typo in the manual"],
    )
    .ok();
    // Closed and reopened here: the tracker's status is already the
    // effective one, so no status is sent.
    env.bug(&repo, &["close", &id]).ok();
    env.bug(&repo, &["open", &id]).ok();
    let statuses_before = api
        .history(&ticket)
        .iter()
        .filter(|(_, kind, _)| kind == "Status")
        .count();
    env.git(&repo, &["push", "rt"]).ok();
    let ticket_now = api.get(&format!("/ticket/{ticket}"));
    assert_eq!(ticket_now["Subject"], "Typo in the manual");
    assert_eq!(api.status(&ticket), "new");
    let statuses = api
        .history(&ticket)
        .iter()
        .filter(|(_, kind, _)| kind == "Status")
        .count();
    assert_eq!(statuses, statuses_before);

    let before = op_count(&repo);
    env.git(&repo, &["fetch", "rt"]).ok();
    assert_eq!(op_count(&repo), before);
    let title = env.bug(&repo, &["show", &id, "--field", "title"]).ok();
    assert_eq!(title.stdout.trim(), "Typo in the manual");
}

#[test]
fn a_bug_known_from_a_peer_first_still_pushes_what_is_new_here() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("peer");
    let ticket = api.new_ticket(&queue, "Shared", "Known to both clones.");
    let env = TestEnv::new();
    let origin = env.path("origin.git");
    env.git(
        env.dir.path(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    )
    .ok();
    let with_origin = |name: &str| {
        let repo = repo_with_remote(&env, &api, name, &queue);
        env.git(
            &repo,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        )
        .ok();
        env.bug(&repo, &["install"]).ok();
        repo
    };
    let a = with_origin("a");
    env.git(&a, &["fetch", "rt"]).ok();
    env.bug(&a, &["push", "origin"]).ok();

    // B learns the bug from origin, comments, and only then meets RT.
    let b = with_origin("b");
    env.bug(&b, &["pull", "origin"]).ok();
    let id = operations(&b)
        .keys()
        .next()
        .expect("a bug from origin")
        .clone();
    assert_eq!(operations(&b), operations(&a));
    env.bug(&b, &["comment", &id, "-m", "From B."]).ok();
    env.git(&b, &["fetch", "rt"]).ok();
    env.git(&b, &["push", "rt"]).ok();
    assert_eq!(api.comments(&ticket), ["From B."]);
    let show = env.bug(&b, &["show", &id]).ok();
    assert_eq!(
        show.stdout.matches("Known to both clones.").count(),
        1,
        "{}",
        show.stdout
    );
    assert_eq!(show.stdout.matches("From B.").count(), 1, "{}", show.stdout);

    // A sees B's comment once, whether through origin or through RT.
    env.bug(&a, &["pull", "origin"]).ok();
    env.bug(&b, &["push", "origin"]).ok();
    env.bug(&a, &["pull", "origin"]).ok();
    env.git(&a, &["fetch", "rt"]).ok();
    let show = env.bug(&a, &["show", &id]).ok();
    assert_eq!(show.stdout.matches("From B.").count(), 1, "{}", show.stdout);
}

#[test]
fn install_makes_git_push_send_bugs_to_a_tracker_and_uninstall_undoes_it() {
    let env = TestEnv::new();
    let repo = env.repo("local");
    let url = "bug::rt+http://127.0.0.1:9/?queue=General";
    env.git(&repo, &["remote", "add", "rt", url]).ok();
    env.git(&repo, &["remote", "add", "origin", "/nowhere.git"])
        .ok();
    env.bug(&repo, &["install"]).ok();
    let push = env
        .git(&repo, &["config", "--get-all", "remote.rt.push"])
        .ok();
    assert_eq!(push.stdout.trim(), "refs/bugs/*:refs/bugs/*");
    // A plain remote keeps pushing the branch.
    env.git(&repo, &["config", "--get-all", "remote.origin.push"])
        .fails(1);
    env.bug(&repo, &["install"]).ok();
    let push = env
        .git(&repo, &["config", "--get-all", "remote.rt.push"])
        .ok();
    assert_eq!(push.lines().len(), 1, "installing twice adds nothing");
    env.bug(&repo, &["uninstall"]).ok();
    env.git(&repo, &["config", "--get-all", "remote.rt.push"])
        .fails(1);
}

#[test]
fn a_ticket_that_fails_to_import_holds_up_only_itself_and_is_tried_again() {
    let Some(api) = tracker() else { return };
    let queue = api.new_queue("retry");
    let first = api.new_ticket(&queue, "First", "One.");
    let second = api.new_ticket(&queue, "Second", "Two.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &queue);
    env.git(&repo, &["fetch", "rt"]).ok();
    let bugs = operations(&repo);
    assert_eq!(bugs.len(), 2);
    let id_of = |title: &str| {
        bugs.keys()
            .find(|id| {
                env.bug(&repo, &["show", id, "--field", "title"])
                    .ok()
                    .stdout
                    .trim()
                    == title
            })
            .expect("bug")
            .clone()
    };
    let first_id = id_of("First");
    let second_id = id_of("Second");

    // The first bug's local ref is broken: its ticket cannot be imported.
    let name = format!("refs/bugs/{first_id}");
    let good = env.git(&repo, &["rev-parse", &name]).ok().stdout;
    let junk = env.path("junk");
    std::fs::write(&junk, "not a bug").unwrap();
    let broken = env
        .git(&repo, &["hash-object", "-w", junk.to_str().unwrap()])
        .ok()
        .stdout
        .trim()
        .to_string();
    env.git(&repo, &["update-ref", &name, &broken]).ok();
    api.comment(&first, "On the first.");
    api.comment(&second, "On the second.");
    let fetch = env.git(&repo, &["fetch", "rt"]).ok();
    assert!(
        fetch
            .stderr
            .contains(&format!("ticket {first} not imported")),
        "{}",
        fetch.stderr
    );
    let show = env.bug(&repo, &["show", &second_id]).ok();
    assert!(show.stdout.contains("On the second."), "{}", show.stdout);

    // Repaired, the next fetch brings the first ticket's comment, though
    // nothing changed on the tracker since.
    env.git(&repo, &["update-ref", &name, good.trim()]).ok();
    env.git(&repo, &["fetch", "rt"]).ok();
    let show = env.bug(&repo, &["show", &first_id]).ok();
    assert!(show.stdout.contains("On the first."), "{}", show.stdout);
}
