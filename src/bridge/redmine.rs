//! Redmine 5 through its REST API. An issue's history is its journals (a
//! note, and attribute changes by id in `details`); journal ids are global
//! integers. The cursor is the `updated_on` of the last issue seen: the
//! next sync re-reads the issues updated at or after it, and the engine's
//! deduplication by canonical URL makes the overlap harmless. The overlap
//! is the issues updated in the cursor's own second: timestamps are in
//! seconds, and one of them may have changed again in that second after
//! we read it (Redmine behind puma sends no `Date` to tell when that
//! second is past).
//!
//! Canonical URLs are the pages a browser shows: `BASE/issues/N` for an
//! issue, `BASE/issues/N#change-J` for the note of journal J, and
//! `#change-J-status` / `#change-J-subject` for the changes it made (one
//! journal may hold a note and both changes).
//!
//! Private notes are left out: the bug history is shared with everyone
//! who can read the repository.

use super::connector::{Changes, Connector, Event, EventKind, Intent, Ticket, Written};
use super::credential::Credential;
use super::{BridgeError, Result};
use crate::bug::Status;
use serde_json::{Value, json};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const PAGE: usize = 100;

/// Where the issues are: `redmine+http://HOST[:PORT][/PATH]/projects/NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct RedmineUrl {
    /// `http://HOST[:PORT][/PATH]`, without a trailing slash.
    pub base: String,
    pub host: String,
    pub scheme: String,
    /// The project's identifier.
    pub project: String,
}

impl RedmineUrl {
    pub fn parse(url: &str) -> Result<RedmineUrl> {
        let usage = |why: &str| {
            BridgeError::Usage(format!(
                "{url:?} is not a Redmine remote ({why}); use redmine+http://HOST[:PORT]/projects/NAME"
            ))
        };
        let rest = url
            .strip_prefix("redmine+")
            .ok_or_else(|| usage("no redmine+ prefix"))?;
        let (scheme, rest) = rest.split_once("://").ok_or_else(|| usage("no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(usage("the scheme must be http or https"));
        }
        if rest.contains('?') || rest.contains('#') {
            return Err(usage("no settings are read from the URL"));
        }
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.contains('@') {
            return Err(BridgeError::Usage(format!(
                "{url:?} holds credentials; remove them and let git credential supply the API key"
            )));
        }
        if host.is_empty() {
            return Err(usage("no host"));
        }
        let path = format!("/{}", path.trim_end_matches('/'));
        let (prefix, project) = path
            .rsplit_once("/projects/")
            .ok_or_else(|| usage("no /projects/NAME"))?;
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c);
        if project.is_empty() || !project.chars().all(valid) {
            return Err(usage(
                "a project identifier is lower-case letters, digits, - and _",
            ));
        }
        let host = host.to_ascii_lowercase();
        Ok(RedmineUrl {
            base: format!("{scheme}://{host}{prefix}"),
            host,
            scheme,
            project: project.to_string(),
        })
    }
}

/// A status as Redmine defines it.
#[derive(Debug, Clone)]
struct IssueStatus {
    id: String,
    closed: bool,
}

/// A connection to one Redmine project.
pub struct Redmine {
    url: RedmineUrl,
    agent: ureq::Agent,
    credential: Credential,
    requests: Cell<u64>,
    /// Whether the key was checked: Redmine answers a bad key as it
    /// answers anyone, with whatever is public, so only asking who we
    /// are tells a wrong key from a right one.
    verified: Cell<bool>,
    statuses: OnceCell<Vec<IssueStatus>>,
    /// The notes of the journals read last, by journal id: a comment's
    /// text comes with the history, so it costs no request of its own.
    notes: RefCell<HashMap<String, String>>,
    /// The newest journal id seen on each issue: a write's journal is
    /// newer than the one seen before it.
    newest_journal: RefCell<HashMap<String, u64>>,
}

impl Redmine {
    pub fn new(url: RedmineUrl, credential: Credential) -> Result<Redmine> {
        if url.scheme == "https" {
            return Err(BridgeError::Usage(format!(
                "{}: https is not supported yet; use the tracker's http address on a trusted network",
                url.base
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Redmine {
            url,
            agent,
            credential,
            requests: Cell::new(0),
            verified: Cell::new(false),
            statuses: OnceCell::new(),
            notes: RefCell::new(HashMap::new()),
            newest_journal: RefCell::new(HashMap::new()),
        })
    }

    fn issue_url(&self, id: &str) -> String {
        format!("{}/issues/{id}", self.url.base)
    }

    fn journal_url(&self, issue: &str, journal: &str, what: &str) -> String {
        format!("{}/issues/{issue}#change-{journal}{what}", self.url.base)
    }

    /// Sends one request and reads its JSON answer (`Null` when empty).
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        if !self.verified.replace(true) {
            self.send("GET", "/users/current.json", None)?;
        }
        self.requests.set(self.requests.get() + 1);
        let url = format!("{}{path}", self.url.base);
        let key = self.credential.password.as_str();
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("X-Redmine-API-Key", key).call(),
            ("POST", Some(body)) => self
                .agent
                .post(&url)
                .header("X-Redmine-API-Key", key)
                .send_json(body),
            ("PUT", Some(body)) => self
                .agent
                .put(&url)
                .header("X-Redmine-API-Key", key)
                .send_json(body),
            _ => unreachable!("a request without a body to send"),
        };
        let mut response = result.map_err(|e| {
            BridgeError::Tracker(format!("{}: cannot reach Redmine: {e}", self.url.base))
        })?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| {
            BridgeError::Tracker(format!("{}: reading Redmine's answer: {e}", self.url.base))
        })?;
        if status == 401 || status == 403 {
            self.credential.reject();
            return Err(BridgeError::Tracker(format!(
                "Redmine at {} refused the API key (HTTP {status}); store a valid one for it with git credential (see the README, \"Other trackers\")",
                self.url.base
            )));
        }
        if !(200..300).contains(&status) {
            let why = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v["errors"].as_array().map(|e| {
                        e.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                })
                .unwrap_or_else(|| text.lines().next().unwrap_or("").to_string());
            return Err(BridgeError::Tracker(format!(
                "Redmine answered HTTP {status} to {method} {path}: {why}"
            )));
        }
        if self.requests.get() == 1 {
            self.credential.approve();
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| {
            BridgeError::Tracker(format!(
                "Redmine's answer to {method} {path} is not JSON: {e}"
            ))
        })
    }

    fn statuses(&self) -> Result<&[IssueStatus]> {
        if self.statuses.get().is_none() {
            let answer = self.send("GET", "/issue_statuses.json", None)?;
            let list = answer["issue_statuses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|s| IssueStatus {
                    id: text_of(&s["id"]),
                    closed: s["is_closed"].as_bool().unwrap_or(false),
                })
                .collect();
            let _ = self.statuses.set(list);
        }
        Ok(self.statuses.get().expect("set above"))
    }

    /// Open or closed, for a status id (an unknown one counts as open).
    fn map_status(&self, id: &str) -> Result<Status> {
        let closed = self.statuses()?.iter().any(|s| s.id == id && s.closed);
        Ok(if closed { Status::Closed } else { Status::Open })
    }

    /// The status an issue is given for ours: the first of that kind.
    fn status_id(&self, status: Status) -> Result<String> {
        let closed = status == Status::Closed;
        self.statuses()?
            .iter()
            .find(|s| s.closed == closed)
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                BridgeError::Tracker(format!(
                    "Redmine at {} has no {} status",
                    self.url.base,
                    status.as_str()
                ))
            })
    }

    /// The issue with its journals.
    fn issue(&self, id: &str) -> Result<Value> {
        let answer = self.send(
            "GET",
            &format!("/issues/{}.json?include=journals", check_number(id)?),
            None,
        )?;
        Ok(answer["issue"].clone())
    }

    /// Every event of an issue, oldest first, with the issue: the notes
    /// are kept for [`Connector::event_text`], the newest journal id for
    /// [`Redmine::put_and_capture`].
    fn events(&self, id: &str) -> Result<(Value, Vec<Event>)> {
        let issue = self.issue(id)?;
        let journals = issue["journals"].as_array().cloned().unwrap_or_default();
        let mut events = Vec::new();
        // An issue made closed starts with a status change of its own.
        let first_status = journals
            .iter()
            .flat_map(|j| j["details"].as_array().into_iter().flatten())
            .find(|d| d["property"] == "attr" && d["name"] == "status_id")
            .map(|d| text_of(&d["old_value"]))
            .unwrap_or_else(|| text_of(&issue["status"]["id"]));
        if self.map_status(&first_status)? == Status::Closed {
            events.push(Event {
                url: format!("{}#created-closed", self.issue_url(id)),
                id: String::new(),
                author: user_of(&issue["author"]),
                time: time_of(&issue["created_on"]),
                kind: EventKind::Status(Status::Closed),
            });
        }
        let mut notes = self.notes.borrow_mut();
        notes.clear();
        let mut newest = 0;
        for journal in &journals {
            let journal_id = text_of(&journal["id"]);
            newest = newest.max(journal_id.parse().unwrap_or(0));
            let event = |what: &str, kind| Event {
                url: self.journal_url(id, &journal_id, what),
                id: journal_id.clone(),
                author: user_of(&journal["user"]),
                time: time_of(&journal["created_on"]),
                kind,
            };
            // Private notes stay on the tracker; the changes beside them
            // are public.
            let text = journal["notes"].as_str().unwrap_or("");
            if !text.trim().is_empty() && !journal["private_notes"].as_bool().unwrap_or(false) {
                notes.insert(journal_id.clone(), text.to_string());
                events.push(event("", EventKind::Comment));
            }
            for detail in journal["details"].as_array().into_iter().flatten() {
                if detail["property"].as_str() != Some("attr") {
                    continue;
                }
                match detail["name"].as_str() {
                    Some("status_id") => {
                        let to = self.map_status(&text_of(&detail["new_value"]))?;
                        events.push(event("-status", EventKind::Status(to)));
                    }
                    Some("subject") => events.push(event(
                        "-subject",
                        EventKind::Title {
                            from: text_of(&detail["old_value"]),
                            to: text_of(&detail["new_value"]),
                        },
                    )),
                    _ => {}
                }
            }
        }
        self.newest_journal
            .borrow_mut()
            .insert(id.to_string(), newest);
        Ok((issue, events))
    }

    /// The events at or after `cursor` that an import turns into
    /// operations (a status change counts only between open and closed,
    /// as the engine counts it).
    fn events_after(&self, ticket: &str, cursor: &str) -> Result<Vec<Event>> {
        let after = time_of(&Value::String(cursor.to_string()));
        let (_, events) = self.events(ticket)?;
        let mut status = Status::Open;
        let mut out = Vec::new();
        for event in events {
            if let EventKind::Status(to) = event.kind {
                if to == status {
                    continue;
                }
                status = to;
            }
            if event.time >= after {
                out.push(event);
            }
        }
        Ok(out)
    }

    /// A change made with `PUT /issues/:id.json`, and the journal it made:
    /// the newest one of the issue that shows it, newer than any seen
    /// before the write (a push reads the issue first).
    fn put_and_capture(
        &self,
        ticket: &str,
        body: Value,
        shows: impl Fn(&Event) -> bool,
    ) -> Result<Written> {
        let ticket = check_number(ticket)?;
        let before = self
            .newest_journal
            .borrow()
            .get(ticket)
            .copied()
            .unwrap_or(0);
        self.send(
            "PUT",
            &format!("/issues/{ticket}.json"),
            Some(json!({ "issue": body })),
        )?;
        let (_, events) = self.events(ticket)?;
        let newest = events
            .iter()
            .filter(|e| e.id.parse::<u64>().unwrap_or(0) > before && shows(e))
            .max_by_key(|e| e.id.parse::<u64>().unwrap_or(0));
        match newest {
            Some(event) => Ok(Written {
                url: event.url.clone(),
                time: event.time,
            }),
            None => Err(BridgeError::Tracker(format!(
                "Redmine did not make the change to issue {ticket}"
            ))),
        }
    }

    fn note_of(&self, event: &Event) -> Result<String> {
        if let Some(text) = self.notes.borrow().get(&event.id) {
            return Ok(text.clone());
        }
        let issue = self
            .ticket_id(event.url.split('#').next().unwrap_or(""))
            .ok_or_else(|| {
                BridgeError::Tracker(format!("{} is not a Redmine journal", event.url))
            })?;
        self.events(&issue)?;
        Ok(self
            .notes
            .borrow()
            .get(&event.id)
            .cloned()
            .unwrap_or_default())
    }
}

/// A JSON number or string as text.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn time_of(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// Redmine shows only a user's id and name to non-admins; the name it is.
fn user_of(user: &Value) -> String {
    user["name"].as_str().unwrap_or("Anonymous").to_string()
}

fn check_number(id: &str) -> Result<&str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(BridgeError::Tracker(format!("{id:?} is not a Redmine id")))
    }
}

/// Line ends and outer blanks aside, the same text.
fn same_text(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}

fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Connector for Redmine {
    fn kind(&self) -> &'static str {
        "redmine"
    }

    fn base(&self) -> &str {
        &self.url.base
    }

    fn initial_cursor(&self) -> String {
        String::new()
    }

    fn requests(&self) -> u64 {
        self.requests.get()
    }

    fn changes_since(&self, cursor: &str) -> Result<Changes> {
        let mut tickets = Vec::new();
        let mut checkpoints = Vec::new();
        let mut seen = HashSet::new();
        // Pages are keyed by the last `updated_on` seen and how many issues
        // share it: an issue updated while we page moves to the end, where
        // we still find it, instead of shifting every offset.
        let (mut since, mut at_since) = (cursor.to_string(), 0usize);
        loop {
            let filter = if since.is_empty() {
                String::new()
            } else {
                format!("&updated_on=%3E%3D{}", encode_query(&since))
            };
            let answer = self.send(
                "GET",
                &format!(
                    "/issues.json?project_id={}&status_id=*{filter}&sort=updated_on:asc,id&limit={PAGE}&offset={at_since}",
                    encode_query(&self.url.project)
                ),
                None,
            )?;
            let batch = answer["issues"].as_array().cloned().unwrap_or_default();
            for issue in &batch {
                let updated = issue["updated_on"].as_str().unwrap_or("").to_string();
                if updated == since {
                    at_since += 1;
                } else {
                    since = updated.clone();
                    at_since = 1;
                }
                let id = text_of(&issue["id"]);
                if seen.insert(id.clone()) {
                    tickets.push(id);
                    checkpoints.push(updated);
                }
            }
            if batch.len() < PAGE {
                break;
            }
        }
        Ok(Changes {
            tickets,
            checkpoints,
        })
    }

    fn ticket(&self, id: &str) -> Result<Ticket> {
        let id = check_number(id)?;
        let (issue, events) = self.events(id)?;
        // As created: the first change of a field holds its old value.
        let first_old = |field: &str| {
            issue["journals"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|j| j["details"].as_array().into_iter().flatten())
                .find(|d| d["property"] == "attr" && d["name"] == field)
                .map(|d| text_of(&d["old_value"]))
        };
        let title = first_old("subject").unwrap_or_else(|| text_of(&issue["subject"]));
        let message = first_old("description").unwrap_or_else(|| text_of(&issue["description"]));
        Ok(Ticket {
            id: id.to_string(),
            url: self.issue_url(id),
            author: user_of(&issue["author"]),
            time: time_of(&issue["created_on"]),
            title,
            message,
            events,
        })
    }

    fn event_text(&self, event: &Event) -> Result<String> {
        self.note_of(event)
    }

    fn ticket_id(&self, url: &str) -> Option<String> {
        let id = url.strip_prefix(&format!("{}/issues/", self.url.base))?;
        check_number(id).ok().map(str::to_string)
    }

    fn changed_since(&self, ticket: &str, cursor: &str, known: &HashSet<String>) -> Result<bool> {
        Ok(self
            .events_after(ticket, cursor)?
            .iter()
            .any(|e| !known.contains(&e.url)))
    }

    fn find_written(
        &self,
        ticket: &str,
        cursor: &str,
        intent: &Intent,
        taken: &HashSet<String>,
    ) -> Result<Option<Written>> {
        let events = self.events_after(ticket, cursor)?;
        for event in events.iter().filter(|e| !taken.contains(&e.url)) {
            let matches = match (intent, &event.kind) {
                (Intent::Comment(text), EventKind::Comment) => {
                    same_text(&self.note_of(event)?, text)
                }
                (Intent::Title(title), EventKind::Title { to, .. }) => to == title,
                (Intent::Status(status), EventKind::Status(to)) => to.as_str() == status,
                _ => false,
            };
            if matches {
                return Ok(Some(Written {
                    url: event.url.clone(),
                    time: event.time,
                }));
            }
        }
        Ok(None)
    }

    fn comment(&self, ticket: &str, text: &str) -> Result<Written> {
        self.put_and_capture(ticket, json!({ "notes": text }), |e| {
            e.kind == EventKind::Comment
                && self
                    .notes
                    .borrow()
                    .get(&e.id)
                    .is_some_and(|n| same_text(n, text))
        })
    }

    fn set_status(&self, ticket: &str, status: Status) -> Result<Written> {
        let id = self.status_id(status)?;
        self.put_and_capture(ticket, json!({ "status_id": id }), |e| {
            e.kind == EventKind::Status(status)
        })
    }

    fn set_title(&self, ticket: &str, title: &str) -> Result<Written> {
        self.put_and_capture(
            ticket,
            json!({ "subject": title }),
            |e| matches!(&e.kind, EventKind::Title { to, .. } if to == title),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_remote_urls() {
        let url = RedmineUrl::parse("redmine+http://127.0.0.1:8082/projects/web-site").unwrap();
        assert_eq!(url.base, "http://127.0.0.1:8082");
        assert_eq!(url.host, "127.0.0.1:8082");
        assert_eq!(url.project, "web-site");
        let url = RedmineUrl::parse("redmine+http://Host/redmine/projects/x/").unwrap();
        assert_eq!(url.base, "http://host/redmine");
        assert_eq!(url.project, "x");
        assert!(RedmineUrl::parse("redmine+http://admin:pw@host/projects/x").is_err());
        assert!(RedmineUrl::parse("redmine+http://host/").is_err());
        assert!(RedmineUrl::parse("redmine+http://host/projects/x?key=1").is_err());
        assert!(RedmineUrl::parse("rt+http://host/projects/x").is_err());
    }
}
