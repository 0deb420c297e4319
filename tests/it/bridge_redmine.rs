//! Redmine as a git remote, against a real Redmine 5 server (started by
//! `tests/trackers/start-redmine.sh`; `GIT_BUG_TEST_TRACKERS` names its
//! state directory). `git fetch redmine` brings issues in, `git push
//! redmine` sends notes and status back, and neither brings the other's
//! writes back as new operations. Each test works in a project of its own.

use crate::common::TestEnv;
use crate::common::trackers::{self, op_count, operations};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The server's settings, or `None` (with a note) when no tracker tests
/// were asked for outside CI. Asked for but not answering is a failure.
fn tracker() -> Option<Api> {
    let settings = trackers::settings("redmine", "Redmine")?;
    let api = Api {
        base: settings["GIT_BUG_TEST_REDMINE_URL"].clone(),
        key: settings["GIT_BUG_TEST_REDMINE_KEY"].clone(),
        agent: trackers::http_agent(),
    };
    let answer = api.get("/issue_statuses.json");
    assert!(
        answer["issue_statuses"].is_array(),
        "Redmine at {} does not answer: {answer}",
        api.base
    );
    Some(api)
}

/// Redmine's REST API, as another client would use it.
struct Api {
    base: String,
    key: String,
    agent: ureq::Agent,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let key = self.key.as_str();
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("X-Redmine-API-Key", key).call(),
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("X-Redmine-API-Key", key)
                .send_json(b),
            ("PUT", Some(b)) => self
                .agent
                .put(&url)
                .header("X-Redmine-API-Key", key)
                .send_json(b),
            _ => unreachable!(),
        };
        let mut response = response.unwrap_or_else(|e| panic!("Redmine at {url}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .expect("Redmine's answer");
        assert!(
            (200..300).contains(&status),
            "{method} {path}: HTTP {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn get(&self, path: &str) -> Value {
        self.call("GET", path, None)
    }

    /// A fresh project, so that tests sharing the server do not see each other.
    fn new_project(&self, what: &str) -> String {
        let nonce: String = git_bug::bug::operation::new_nonce()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase();
        let identifier = format!("{what}-{nonce}");
        self.call(
            "POST",
            "/projects.json",
            Some(json!({ "project": {
                "name": identifier,
                "identifier": identifier,
                "enabled_module_names": ["issue_tracking"],
            }})),
        );
        identifier
    }

    fn new_issue(&self, project: &str, subject: &str, description: &str) -> String {
        let answer = self.call(
            "POST",
            "/issues.json",
            Some(json!({ "issue": {
                "project_id": project, "subject": subject, "description": description,
            }})),
        );
        answer["issue"]["id"].to_string()
    }

    fn update(&self, issue: &str, fields: Value) {
        self.call(
            "PUT",
            &format!("/issues/{issue}.json"),
            Some(json!({ "issue": fields })),
        );
    }

    fn comment(&self, issue: &str, text: &str) {
        self.update(issue, json!({ "notes": text }));
    }

    fn issue(&self, issue: &str) -> Value {
        self.get(&format!("/issues/{issue}.json?include=journals"))["issue"].clone()
    }

    fn journals(&self, issue: &str) -> Vec<Value> {
        self.issue(issue)["journals"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The notes on an issue (not its description), in order.
    fn comments(&self, issue: &str) -> Vec<String> {
        self.journals(issue)
            .iter()
            .filter_map(|j| j["notes"].as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn status(&self, issue: &str) -> (String, bool) {
        let status = &self.issue(issue)["status"];
        (
            status["name"].as_str().expect("status").to_string(),
            status["is_closed"].as_bool().unwrap_or(false),
        )
    }

    /// The id of the status named `name`.
    fn status_id(&self, name: &str) -> Value {
        self.get("/issue_statuses.json")["issue_statuses"]
            .as_array()
            .expect("statuses")
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["id"].clone())
            .expect("a status of that name")
    }
}

/// A repository with an identity, the project as remote `redmine`
/// (refspecs by `git bug install`, bugs pushed by `remote.redmine.push`)
/// and the API key given by an inline credential helper.
fn repo_with_remote(env: &TestEnv, api: &Api, name: &str, project: &str) -> PathBuf {
    let repo = env.repo(name);
    env.bug(
        &repo,
        &["user", "new", "-n", "Jane Doe", "-e", "jane@example.com"],
    )
    .ok();
    let url = format!("bug::redmine+{}/projects/{project}", api.base);
    env.git(&repo, &["remote", "add", "redmine", &url]).ok();
    env.bug(&repo, &["install"]).ok();
    env.git(
        &repo,
        &["config", "remote.redmine.push", "refs/bugs/*:refs/bugs/*"],
    )
    .ok();
    let helper = format!(
        "!f() {{ echo username=admin; echo password={}; }}; f",
        api.key
    );
    env.git(&repo, &["config", "credential.helper", &helper])
        .ok();
    repo
}

/// The id of the one bug whose title holds `title`.
fn titled(env: &TestEnv, repo: &Path, title: &str) -> String {
    let ids = env.bug(repo, &["ls", "-t", title, "-f", "id"]).ok();
    assert_eq!(ids.lines().len(), 1, "{}", ids.stdout);
    ids.stdout.trim().to_string()
}

#[test]
fn fetch_brings_an_issue_in_with_its_title_description_and_notes() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("fetch");
    let issue = api.new_issue(&project, "Crash on start", "It crashes at once.");
    api.comment(&issue, "Seen here too.");
    api.update(
        &issue,
        json!({ "notes": "Only for the team.", "private_notes": true }),
    );
    let closed = api.new_issue(&project, "Already closed", "Closed before the fetch.");
    api.update(&closed, json!({ "status_id": api.status_id("Closed") }));
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);

    env.git(&repo, &["fetch", "redmine"]).ok();
    let ls = env.bug(&repo, &["ls"]).ok();
    assert!(ls.stdout.contains("Crash on start"), "{}", ls.stdout);
    assert!(
        ls.stdout.contains("Already closed"),
        "closed issues are listed too: {}",
        ls.stdout
    );
    assert_eq!(ls.lines().len(), 2, "{}", ls.stdout);
    let show = env
        .bug(&repo, &["show", &titled(&env, &repo, "Crash")])
        .ok();
    assert!(
        show.stdout.contains("It crashes at once."),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains("Seen here too."), "{}", show.stdout);
    assert!(
        !show.stdout.contains("Only for the team."),
        "private notes stay on the tracker: {}",
        show.stdout
    );
    assert!(
        show.stdout.contains("Redmine Admin"),
        "the Redmine user is the author: {}",
        show.stdout
    );
    let status = env
        .bug(
            &repo,
            &["show", &titled(&env, &repo, "Already"), "--field", "status"],
        )
        .ok();
    assert_eq!(status.stdout.trim(), "closed");
    // A second fetch with nothing new on the tracker changes nothing.
    let before = operations(&repo);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(operations(&repo), before);
}

#[test]
fn push_sends_a_note_and_the_status_and_fetch_brings_nothing_back() {
    push_round_trip(TestEnv::new(), "2.47");
}

#[test]
fn push_sends_a_note_and_the_status_and_fetch_brings_nothing_back_git_2_39() {
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
    let project = api.new_project("push");
    let issue = api.new_issue(&project, "Wrong colour", "The button is red.");
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(&repo, &["fetch", "redmine"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();

    env.bug(&repo, &["comment", &id, "-m", "Fixed in 2.1"]).ok();
    env.bug(&repo, &["close", &id]).ok();
    let journals_before = api.journals(&issue);
    env.git(&repo, &["push", "--dry-run", "redmine"]).ok();
    assert_eq!(
        api.journals(&issue),
        journals_before,
        "a dry run sends nothing"
    );

    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(api.comments(&issue), ["Fixed in 2.1"]);
    assert_eq!(api.status(&issue), ("Closed".to_string(), true));

    // The tracker's copies of our writes are ours already: no new operation.
    let before = op_count(&repo);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), before, "{:?}", operations(&repo));
    let show = env.bug(&repo, &["show", &id]).ok();
    assert_eq!(
        show.stdout.matches("Fixed in 2.1").count(),
        1,
        "{}",
        show.stdout
    );

    // And pushing again sends nothing.
    let journals = api.journals(&issue);
    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(api.journals(&issue), journals);

    // Changes made on the tracker arrive, one operation each.
    api.comment(&issue, "Confirmed fixed.");
    api.update(&issue, json!({ "status_id": api.status_id("In Progress") }));
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), before + 2, "{:?}", operations(&repo));
    let status = env.bug(&repo, &["show", &id, "--field", "status"]).ok();
    assert_eq!(status.stdout.trim(), "open");

    // Our own writes since the last fetch do not hold a push back.
    env.bug(&repo, &["comment", &id, "-m", "One more."]).ok();
    env.git(&repo, &["push", "redmine"]).ok();
    env.bug(&repo, &["comment", &id, "-m", "And another."]).ok();
    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(
        api.comments(&issue),
        [
            "Fixed in 2.1",
            "Confirmed fixed.",
            "One more.",
            "And another."
        ]
    );
    let before = op_count(&repo);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), before, "{:?}", operations(&repo));
}

#[test]
fn a_push_waits_for_a_fetch_when_the_issue_changed_meanwhile() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("stale");
    let issue = api.new_issue(&project, "Slow", "Takes ages.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(&repo, &["fetch", "redmine"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();
    api.comment(&issue, "Written on the tracker meanwhile.");
    env.bug(&repo, &["comment", &id, "-m", "Written here."])
        .ok();

    let push = env.git(&repo, &["push", "redmine"]);
    assert_ne!(push.code, 0);
    assert!(push.stderr.contains("fetch first"), "{}", push.stderr);
    assert_eq!(api.comments(&issue).len(), 1, "nothing sent");

    env.git(&repo, &["fetch", "redmine"]).ok();
    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(
        api.comments(&issue),
        ["Written on the tracker meanwhile.", "Written here."]
    );
}

#[test]
fn two_repositories_importing_an_issue_get_the_same_ids() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("same");
    let issue = api.new_issue(&project, "First title", "Description.");
    api.comment(&issue, "A comment.");
    api.update(&issue, json!({ "subject": "Second title" }));
    api.update(&issue, json!({ "status_id": api.status_id("Rejected") }));
    let env = TestEnv::new();
    let first = repo_with_remote(&env, &api, "first", &project);
    env.git(&first, &["fetch", "redmine"]).ok();
    // Another machine, later, with another user of its own.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = repo_with_remote(&env, &api, "second", &project);
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
    env.git(&second, &["fetch", "redmine"]).ok();

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
fn a_title_change_reaches_the_issue_and_only_the_effective_status_is_sent() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("title");
    let issue = api.new_issue(&project, "Typo in the mnual", "On page 3.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(&repo, &["fetch", "redmine"]).ok();
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
    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(api.issue(&issue)["subject"], "Typo in the manual");
    let status_changes = api
        .journals(&issue)
        .iter()
        .flat_map(|j| j["details"].as_array().cloned().unwrap_or_default())
        .filter(|d| d["name"] == "status_id")
        .count();
    assert_eq!(status_changes, 0);
    assert_eq!(api.status(&issue), ("New".to_string(), false));

    let before = op_count(&repo);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), before);
    let title = env.bug(&repo, &["show", &id, "--field", "title"]).ok();
    assert_eq!(title.stdout.trim(), "Typo in the manual");
}

#[test]
fn a_push_killed_after_the_tracker_write_is_recorded_not_repeated() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("crash");
    let issue = api.new_issue(&project, "Flaky", "Sometimes fails.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(&repo, &["fetch", "redmine"]).ok();
    let id = operations(&repo).keys().next().expect("a bug").clone();
    env.bug(&repo, &["comment", &id, "-m", "Once only."]).ok();
    env.bug(&repo, &["close", &id]).ok();

    // Dies right after Redmine took the note, before recording it.
    let mut cmd = env.command("git", &repo);
    cmd.args(["push", "redmine"])
        .env("GIT_BUG_TEST_CRASH_AFTER_WRITE", "1");
    assert!(!cmd.output().expect("git runs").status.success());
    assert_eq!(api.comments(&issue), ["Once only."]);
    assert!(!api.status(&issue).1, "still open");

    // The next fetch finds the write and records it; nothing is imported twice.
    env.git(&repo, &["fetch", "redmine"]).ok();
    let show = env.bug(&repo, &["show", &id]).ok();
    assert_eq!(
        show.stdout.matches("Once only.").count(),
        1,
        "{}",
        show.stdout
    );
    env.git(&repo, &["push", "redmine"]).ok();
    assert_eq!(api.comments(&issue), ["Once only."]);
    assert!(api.status(&issue).1, "closed");
    let before = op_count(&repo);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), before);
}

#[test]
fn a_refused_api_key_is_one_line() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("key");
    api.new_issue(&project, "Private", "Not for everyone.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(
        &repo,
        &[
            "config",
            "credential.helper",
            "!f() { echo username=admin; echo password=revoked; }; f",
        ],
    )
    .ok();
    let fetch = env.git(&repo, &["fetch", "redmine"]);
    assert_ne!(fetch.code, 0);
    let ours: Vec<&str> = fetch
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(ours.len(), 1, "{}", fetch.stderr);
    assert!(ours[0].contains("refused the API key"), "{}", fetch.stderr);
    assert!(operations(&repo).is_empty());

    // Without any credential: one line naming the command that stores one.
    env.git(&repo, &["config", "--unset", "credential.helper"])
        .ok();
    let fetch = env.git(&repo, &["fetch", "redmine"]);
    assert_ne!(fetch.code, 0);
    assert!(
        fetch.stderr.contains("git credential approve"),
        "{}",
        fetch.stderr
    );
}

#[test]
fn a_new_local_bug_is_refused_by_ref() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("new");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.new_bug(&repo, "Made here", "Not on the tracker.");
    let push = env.git(&repo, &["push", "redmine"]);
    assert_ne!(push.code, 0);
    assert!(push.stderr.contains("not yet supported"), "{}", push.stderr);
}

#[test]
fn ls_remote_lists_the_issues_as_bugs() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("ls");
    api.new_issue(&project, "Listed", "Shown by ls-remote.");
    api.new_issue(&project, "Also listed", "Shown by ls-remote too.");
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    let listed = env.git(&repo, &["ls-remote", "redmine"]).ok();
    let bugs: Vec<&str> = listed
        .stdout
        .lines()
        .filter(|l| l.contains("\trefs/bugs/"))
        .collect();
    assert_eq!(bugs.len(), 2, "{}", listed.stdout);
    assert!(
        listed.stdout.contains("\trefs/identities/"),
        "{}",
        listed.stdout
    );
}

#[test]
fn a_project_of_more_than_a_page_comes_in_whole_and_then_only_what_changed() {
    let Some(api) = tracker() else { return };
    let project = api.new_project("pages");
    // More than one page (100), most of them updated in the same second
    // as others: the paging must neither skip nor repeat any.
    let issues: Vec<String> = (0..105)
        .map(|i| api.new_issue(&project, &format!("Issue {i}"), "Body."))
        .collect();
    let env = TestEnv::new();
    let repo = repo_with_remote(&env, &api, "local", &project);
    env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(operations(&repo).len(), 105);

    api.comment(&issues[3], "Changed after the import.");
    let fetch = env.git(&repo, &["fetch", "redmine"]).ok();
    assert_eq!(op_count(&repo), 106);
    // Only the changed issue and those updated in the cursor's own second
    // are read again.
    let read: usize = fetch
        .stderr
        .lines()
        .find_map(|l| {
            l.split(" ticket(s) changed")
                .next()?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{}", fetch.stderr));
    assert!(read < 40, "{read} issues read again: {}", fetch.stderr);
}
