//! What the engine needs from a tracker, whatever its API: the tickets
//! changed since a cursor, one ticket's history, and the few writes a push
//! makes. Implementations do HTTP and mapping only; deduplication, ids and
//! git are the engine's.

use super::Result;
use crate::bug::Status;

/// The tickets touched since a cursor, and the cursor that covers them.
#[derive(Debug, Clone)]
pub struct Changes {
    /// Ticket ids, each once, in the order of their first change.
    pub tickets: Vec<String>,
    /// For each ticket, the cursor that is safe once it and the tickets
    /// before it are imported (a checkpoint of a long first import); the
    /// last one covers everything.
    pub checkpoints: Vec<String>,
}

/// A ticket as it was created, with everything that happened to it since.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: String,
    /// The canonical URL: the key of the ticket on every machine.
    pub url: String,
    pub author: String,
    pub time: i64,
    /// The title and description it was created with (not today's).
    pub title: String,
    pub message: String,
    /// Oldest first, the creation excluded.
    pub events: Vec<Event>,
}

/// One thing that happened to a ticket.
#[derive(Debug, Clone)]
pub struct Event {
    /// The canonical URL of the event: its key on every machine.
    pub url: String,
    /// The tracker's own id of the event, to fetch its text.
    pub id: String,
    /// The login of whoever did it.
    pub author: String,
    pub time: i64,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A comment; its text comes from [`Connector::event_text`].
    Comment,
    /// A status change, already mapped to open or closed.
    Status(Status),
    Title {
        from: String,
        to: String,
    },
}

/// A write a push makes, as the journal records it before making it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Intent {
    Comment(String),
    Title(String),
    Status(String),
}

/// What a write created on the tracker.
#[derive(Debug, Clone)]
pub struct Written {
    pub url: String,
    pub time: i64,
}

pub trait Connector {
    /// The tracker kind, for metadata keys (`<kind>-url`) and `origin`.
    fn kind(&self) -> &'static str;

    /// The base URL every canonical URL starts with; with the login it
    /// also names an imported identity.
    fn base(&self) -> &str;

    /// The cursor before anything was synced.
    fn initial_cursor(&self) -> String;

    /// How many HTTP requests were made so far.
    fn requests(&self) -> u64 {
        0
    }

    /// The tickets changed after `cursor`, every page of them.
    fn changes_since(&self, cursor: &str) -> Result<Changes>;

    /// One ticket with its whole history (texts not loaded).
    fn ticket(&self, id: &str) -> Result<Ticket>;

    /// The text of a comment event.
    fn event_text(&self, event: &Event) -> Result<String>;

    /// The ticket id in a canonical ticket URL of this tracker.
    fn ticket_id(&self, url: &str) -> Option<String>;

    /// Whether the ticket changed after `cursor` in a way an import would
    /// bring in, other than by the events in `known` (our own recorded
    /// writes): then a push must wait for a fetch.
    fn changed_since(
        &self,
        ticket: &str,
        cursor: &str,
        known: &std::collections::HashSet<String>,
    ) -> Result<bool>;

    /// The first write matching `intent` made on the ticket after
    /// `cursor`, other than those in `taken`: what a push that died after
    /// writing made.
    fn find_written(
        &self,
        ticket: &str,
        cursor: &str,
        intent: &Intent,
        taken: &std::collections::HashSet<String>,
    ) -> Result<Option<Written>>;

    fn comment(&self, ticket: &str, text: &str) -> Result<Written>;

    fn set_status(&self, ticket: &str, status: Status) -> Result<Written>;

    fn set_title(&self, ticket: &str, title: &str) -> Result<Written>;
}
