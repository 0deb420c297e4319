//! Request Tracker 5 through its REST2 API. The cursor is RT's global
//! transaction id (one monotonic sequence for the whole server); a
//! ticket's history is its transactions; comment texts live in the
//! transaction's attachments. Canonical URLs are the REST2 URLs built from
//! the base the remote names.

use super::connector::{Changes, Connector, Event, EventKind, Intent, Ticket, Written};
use super::credential::Credential;
use super::{BridgeError, Result};
use crate::bug::Status;
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

const PAGE: usize = 100;
const FIELDS: &str = "Type,Created,Creator,Field,OldValue,NewValue";

/// Where the tickets are: `rt+http://HOST[:PORT][/PATH]/?queue=NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct RtUrl {
    /// `http://HOST[:PORT][/PATH]`, without a trailing slash.
    pub base: String,
    pub host: String,
    pub scheme: String,
    pub queue: String,
}

impl RtUrl {
    pub fn parse(url: &str) -> Result<RtUrl> {
        let usage = |why: &str| {
            BridgeError::Usage(format!(
                "{url:?} is not an RT remote ({why}); use rt+http://HOST[:PORT]/?queue=NAME"
            ))
        };
        let rest = url
            .strip_prefix("rt+")
            .ok_or_else(|| usage("no rt+ prefix"))?;
        let (scheme, rest) = rest.split_once("://").ok_or_else(|| usage("no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(usage("the scheme must be http or https"));
        }
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (host, path) = location.split_once('/').unwrap_or((location, ""));
        if host.contains('@') {
            return Err(BridgeError::Usage(format!(
                "{url:?} holds credentials; remove them and let git credential supply the token"
            )));
        }
        if host.is_empty() {
            return Err(usage("no host"));
        }
        let mut queue = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "queue" => queue = Some(percent_decode(value)),
                other => return Err(usage(&format!("unknown setting {other:?}"))),
            }
        }
        let path = path.trim_end_matches('/');
        let host = host.to_ascii_lowercase();
        let base = if path.is_empty() {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}/{path}")
        };
        Ok(RtUrl {
            base,
            host,
            scheme,
            queue: queue
                .filter(|q| !q.is_empty())
                .unwrap_or_else(|| "General".to_string()),
        })
    }
}

/// A connection to one RT queue.
pub struct Rt {
    url: RtUrl,
    api: String,
    agent: ureq::Agent,
    credential: Credential,
    requests: Cell<u64>,
    /// Whole histories of new tickets, seen while listing changes.
    histories: RefCell<HashMap<String, Vec<Value>>>,
}

/// `https` needs TLS, which this build leaves out to stay small.
fn check_scheme(url: &RtUrl) -> Result<()> {
    if url.scheme == "https" {
        return Err(BridgeError::Usage(format!(
            "{}: https is not supported yet; use the tracker's http address on a trusted network",
            url.base
        )));
    }
    Ok(())
}

impl Rt {
    pub fn new(url: RtUrl, credential: Credential) -> Result<Rt> {
        check_scheme(&url)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Rt {
            api: format!("{}/REST/2.0", url.base),
            url,
            agent,
            credential,
            requests: Cell::new(0),
            histories: RefCell::new(HashMap::new()),
        })
    }

    /// How many HTTP requests were made so far.
    pub fn requests(&self) -> u64 {
        self.requests.get()
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    fn ticket_url(&self, id: &str) -> String {
        format!("{}/ticket/{id}", self.api)
    }

    fn transaction_url(&self, id: &str) -> String {
        format!("{}/transaction/{id}", self.api)
    }

    /// Sends one request and reads its JSON answer (and `ETag`, `Location`).
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Answer> {
        self.requests.set(self.requests.get() + 1);
        let url = format!("{}{path}", self.api);
        let auth = format!("token {}", self.credential.password);
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("POST", Some(body)) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send_json(body),
            ("PUT", Some(body)) => self
                .agent
                .put(&url)
                .header("Authorization", &auth)
                .send_json(body),
            _ => unreachable!("a request without a body to send"),
        };
        let mut response = result.map_err(|e| {
            BridgeError::Unreachable(format!("{}: cannot reach RT: {e}", self.url.base))
        })?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim_matches('"').to_string())
        };
        let etag = header("etag");
        let location = header("location");
        let text = response.body_mut().read_to_string().map_err(|e| {
            BridgeError::Tracker(format!("{}: reading RT's answer: {e}", self.url.base))
        })?;
        if status == 401 || status == 403 {
            self.credential.reject();
            return Err(BridgeError::Unreachable(format!(
                "RT at {} refused the token (HTTP {status}); store a valid one for it with git credential (see the README, \"Other trackers\")",
                self.url.base
            )));
        }
        if !(200..300).contains(&status) {
            let why = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| text.lines().next().unwrap_or("").to_string());
            return Err(BridgeError::Tracker(format!(
                "RT answered HTTP {status} to {method} {path}: {why}"
            )));
        }
        if self.requests.get() == 1 {
            self.credential.approve();
        }
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                BridgeError::Tracker(format!("RT's answer to {method} {path} is not JSON: {e}"))
            })?
        };
        Ok(Answer {
            json,
            etag,
            location,
        })
    }

    fn get(&self, path: &str) -> Result<Answer> {
        self.send("GET", path, None)
    }

    /// Every item of a paged listing.
    fn all_pages(&self, path: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let separator = if path.contains('?') { '&' } else { '?' };
        for page in 1.. {
            let answer = self.get(&format!("{path}{separator}per_page={PAGE}&page={page}"))?;
            let batch = answer.json["items"].as_array().cloned().unwrap_or_default();
            let pages = answer.json["pages"].as_f64().unwrap_or(0.0);
            let done = batch.len() < PAGE || page as f64 >= pages;
            items.extend(batch);
            if done {
                break;
            }
        }
        Ok(items)
    }

    /// Transactions matching a TransactionSQL condition, in id order.
    fn transactions(&self, condition: &str, fields: &str) -> Result<Vec<Value>> {
        self.all_pages(&format!(
            "/transactions?query={}&orderby=id&order=ASC&fields={fields}",
            percent_encode(condition)
        ))
    }

    /// The subject and first text part of a transaction.
    fn attachment_text(&self, transaction: &str) -> Result<(String, String)> {
        let items = self.all_pages(&format!(
            "/transaction/{transaction}/attachments?fields=Subject,Content,ContentType"
        ))?;
        let subject = items
            .iter()
            .filter_map(|i| i["Subject"].as_str())
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_string();
        let content = items
            .iter()
            .filter(|i| {
                i["ContentType"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("text/"))
            })
            .filter_map(|i| i["Content"].as_str())
            .find(|c| !c.is_empty())
            .unwrap_or("")
            .to_string();
        Ok((subject, content))
    }

    /// The last transaction of a ticket (RT's `ETag` on the ticket).
    fn last_transaction(&self, ticket: &str) -> Result<(u64, Value)> {
        let answer = self.get(&format!("/ticket/{}", check_number(ticket)?))?;
        let mark = answer
            .etag
            .as_deref()
            .and_then(|e| e.parse::<u64>().ok())
            .ok_or_else(|| {
                BridgeError::Tracker(format!("RT gave no transaction id for ticket {ticket}"))
            })?;
        Ok((mark, answer.json))
    }

    /// A change made with `PUT /ticket/:id`, and the transaction it made,
    /// found as the first one of `kind` after the ticket's last one before it.
    fn put_and_capture(&self, ticket: &str, body: Value, kind: &str) -> Result<Written> {
        let (mark, _) = self.last_transaction(ticket)?;
        let answer = self.send("PUT", &format!("/ticket/{ticket}"), Some(body))?;
        let found = self.transactions(
            &format!(
                "ObjectType = 'RT::Ticket' AND ObjectId = {ticket} AND {kind} AND id > {mark}"
            ),
            "Created",
        )?;
        match found.first() {
            Some(item) => Ok(Written {
                url: self.transaction_url(&id_of(item)),
                time: time_of(item),
            }),
            None => Err(BridgeError::Tracker(format!(
                "RT did not make the change to ticket {ticket}: {}",
                answer
                    .json
                    .as_array()
                    .map(|m| m
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "))
                    .unwrap_or_default()
            ))),
        }
    }
}

struct Answer {
    json: Value,
    etag: Option<String>,
    location: Option<String>,
}

/// RT's default statuses: new, open and stalled are open; the rest closed.
pub fn map_status(status: &str) -> Status {
    match status {
        "resolved" | "rejected" | "deleted" => Status::Closed,
        _ => Status::Open,
    }
}

fn rt_status(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Closed => "resolved",
    }
}

fn id_of(item: &Value) -> String {
    match &item["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn str_of<'a>(item: &'a Value, key: &str) -> &'a str {
    item[key].as_str().unwrap_or("")
}

fn time_of(item: &Value) -> i64 {
    str_of(item, "Created")
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or(0)
}

fn object_of(item: &Value) -> String {
    match &item["ObjectId"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn creator_of(item: &Value) -> String {
    match &item["Creator"] {
        Value::Object(o) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn check_number(id: &str) -> Result<&str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(BridgeError::Tracker(format!("{id:?} is not an RT id")))
    }
}

impl Connector for Rt {
    fn kind(&self) -> &'static str {
        "rt"
    }

    fn base(&self) -> &str {
        &self.url.base
    }

    fn initial_cursor(&self) -> String {
        "0".into()
    }

    fn requests(&self) -> u64 {
        self.requests.get()
    }

    fn changes_since(&self, cursor: &str) -> Result<Changes> {
        let after: u64 = cursor.parse().unwrap_or(0);
        let queue = self.url.queue.replace('\\', "\\\\").replace('\'', "\\'");
        let items = self.transactions(
            &format!("ObjectType = 'RT::Ticket' AND TicketQueue = '{queue}' AND id > {after}"),
            &format!("ObjectId,{FIELDS}"),
        )?;
        // A ticket created after the cursor has its whole history here:
        // keep it, and spare the request for it.
        let mut histories: HashMap<String, Vec<Value>> = HashMap::new();
        for item in &items {
            histories
                .entry(object_of(item))
                .or_default()
                .push(item.clone());
        }
        histories.retain(|_, items| str_of(&items[0], "Type") == "Create");
        *self.histories.borrow_mut() = histories;
        let mut tickets = Vec::new();
        let mut firsts: Vec<u64> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut last = after;
        for item in &items {
            let transaction: u64 = id_of(item).parse().unwrap_or(0);
            last = last.max(transaction);
            let ticket = object_of(item);
            if seen.insert(ticket.clone()) {
                tickets.push(ticket);
                firsts.push(transaction);
            }
        }
        // Once a ticket is imported, all of its history is: every
        // transaction before the first one of the next ticket is covered.
        let mut checkpoints: Vec<String> = firsts
            .iter()
            .skip(1)
            .map(|first| first.saturating_sub(1).max(after).to_string())
            .collect();
        if !tickets.is_empty() {
            checkpoints.push(last.to_string());
        }
        Ok(Changes {
            tickets,
            checkpoints,
        })
    }

    fn ticket(&self, id: &str) -> Result<Ticket> {
        let id = check_number(id)?;
        let cached = self.histories.borrow_mut().remove(id);
        let items = match cached {
            Some(items) => items,
            None => self.all_pages(&format!("/ticket/{id}/history?fields={FIELDS}"))?,
        };
        let mut created = None;
        let mut events = Vec::new();
        let mut first_subject = None;
        for item in &items {
            let event = |kind| Event {
                url: self.transaction_url(&id_of(item)),
                id: id_of(item),
                author: creator_of(item),
                time: time_of(item),
                kind,
            };
            match (str_of(item, "Type"), str_of(item, "Field")) {
                ("Create", _) if created.is_none() => created = Some(item),
                ("Comment" | "Correspond", _) => events.push(event(EventKind::Comment)),
                ("Status", _) => events.push(event(EventKind::Status(map_status(str_of(
                    item, "NewValue",
                ))))),
                ("Set", "Subject") => {
                    first_subject.get_or_insert_with(|| str_of(item, "OldValue").to_string());
                    events.push(event(EventKind::Title {
                        from: str_of(item, "OldValue").to_string(),
                        to: str_of(item, "NewValue").to_string(),
                    }));
                }
                _ => {}
            }
        }
        let created = created.ok_or_else(|| {
            BridgeError::Tracker(format!("ticket {id} has no creation in its history"))
        })?;
        let (subject, message) = self.attachment_text(&id_of(created))?;
        // The title it was created with: the first rename's old value,
        // else the subject of the creation, else today's.
        let title = match (first_subject, subject) {
            (Some(first), _) if !first.is_empty() => first,
            (_, subject) if !subject.is_empty() => subject,
            _ => str_of(&self.last_transaction(id)?.1, "Subject").to_string(),
        };
        Ok(Ticket {
            id: id.to_string(),
            url: self.ticket_url(id),
            author: creator_of(created),
            time: time_of(created),
            title,
            message,
            events,
        })
    }

    fn event_text(&self, event: &Event) -> Result<String> {
        Ok(self.attachment_text(check_number(&event.id)?)?.1)
    }

    fn ticket_id(&self, url: &str) -> Option<String> {
        let id = url.strip_prefix(&format!("{}/ticket/", self.api))?;
        check_number(id).ok().map(str::to_string)
    }

    fn changed_since(
        &self,
        ticket: &str,
        cursor: &str,
        known: &std::collections::HashSet<String>,
    ) -> Result<bool> {
        let ticket = check_number(ticket)?;
        let after: u64 = cursor.parse().unwrap_or(0);
        let items = self.transactions(
            &format!("ObjectType = 'RT::Ticket' AND ObjectId = {ticket} AND id > {after}"),
            "Type,Field",
        )?;
        Ok(items.iter().any(|item| {
            let imported = matches!(
                (str_of(item, "Type"), str_of(item, "Field")),
                ("Comment" | "Correspond" | "Status" | "Create", _) | ("Set", "Subject")
            );
            imported && !known.contains(&self.transaction_url(&id_of(item)))
        }))
    }

    fn find_written(
        &self,
        ticket: &str,
        cursor: &str,
        intent: &Intent,
        taken: &std::collections::HashSet<String>,
    ) -> Result<Option<Written>> {
        let ticket = check_number(ticket)?;
        let after: u64 = cursor.parse().unwrap_or(0);
        let (condition, value) = match intent {
            Intent::Comment(_) => ("Type = 'Comment'", String::new()),
            Intent::Status(status) => (
                "Type = 'Status'",
                rt_status(Status::parse(status).unwrap_or(Status::Open)).to_string(),
            ),
            Intent::Title(title) => ("Type = 'Set' AND Field = 'Subject'", title.clone()),
        };
        let items = self.transactions(
            &format!(
                "ObjectType = 'RT::Ticket' AND ObjectId = {ticket} AND {condition} AND id > {after}"
            ),
            "Created,NewValue",
        )?;
        for item in &items {
            let url = self.transaction_url(&id_of(item));
            if taken.contains(&url) {
                continue;
            }
            let matches = match intent {
                Intent::Comment(text) => {
                    self.attachment_text(&id_of(item))?.1.trim() == text.trim()
                }
                _ => str_of(item, "NewValue") == value,
            };
            if matches {
                return Ok(Some(Written {
                    url,
                    time: time_of(item),
                }));
            }
        }
        Ok(None)
    }

    fn comment(&self, ticket: &str, text: &str) -> Result<Written> {
        let ticket = check_number(ticket)?;
        let answer = self.send(
            "POST",
            &format!("/ticket/{ticket}/comment"),
            Some(json!({ "Content": text, "ContentType": "text/plain" })),
        )?;
        // RT names the transaction it made in `Location`.
        let id = answer
            .location
            .as_deref()
            .and_then(|l| l.rsplit('/').next())
            .filter(|id| check_number(id).is_ok())
            .ok_or_else(|| {
                BridgeError::Tracker(format!(
                    "RT took the comment on ticket {ticket} but did not say which transaction it made"
                ))
            })?;
        Ok(Written {
            url: self.transaction_url(id),
            time: jiff::Timestamp::now().as_second(),
        })
    }

    fn set_status(&self, ticket: &str, status: Status) -> Result<Written> {
        let ticket = check_number(ticket)?;
        self.put_and_capture(
            ticket,
            json!({ "Status": rt_status(status) }),
            "Type = 'Status'",
        )
    }

    fn set_title(&self, ticket: &str, title: &str) -> Result<Written> {
        let ticket = check_number(ticket)?;
        self.put_and_capture(
            ticket,
            json!({ "Subject": title }),
            "Type = 'Set' AND Field = 'Subject'",
        )
    }
}

fn percent_encode(text: &str) -> String {
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

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_remote_urls() {
        let url = RtUrl::parse("rt+http://127.0.0.1:8081/?queue=General").unwrap();
        assert_eq!(url.base, "http://127.0.0.1:8081");
        assert_eq!(url.queue, "General");
        let url = RtUrl::parse("rt+http://Host/rt/?queue=Two%20Words").unwrap();
        assert_eq!(url.base, "http://host/rt");
        assert_eq!(url.queue, "Two Words");
        assert!(RtUrl::parse("rt+http://root:pw@host/").is_err());
        assert!(RtUrl::parse("http://host/").is_err());
        assert!(RtUrl::parse("rt+http://host/?colour=red").is_err());
    }

    #[test]
    fn maps_statuses() {
        for open in ["new", "open", "stalled"] {
            assert_eq!(map_status(open), Status::Open);
        }
        for closed in ["resolved", "rejected", "deleted"] {
            assert_eq!(map_status(closed), Status::Closed);
        }
    }
}
