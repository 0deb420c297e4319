//! Deciding whether a bug matches a query, and ordering the matches.

use super::{Direction, Query, SortBy};
use crate::bug::Snapshot;
use crate::identity::Identity;

/// Whether `bug` passes every filter of `query`.
pub fn matches(query: &Query, bug: &Snapshot) -> bool {
    (query.status.is_empty() || query.status.contains(&bug.status))
        && (query.author.is_empty() || query.author.iter().any(|a| person_matches(&bug.author, a)))
        && (query.actor.is_empty()
            || query
                .actor
                .iter()
                .any(|a| bug.actors.iter().any(|p| person_matches(p, a))))
        && (query.participant.is_empty()
            || query
                .participant
                .iter()
                .any(|a| bug.participants.iter().any(|p| person_matches(p, a))))
        && query.label.iter().all(|l| bug.labels().contains(l))
        && query
            .title
            .iter()
            .all(|t| bug.title.to_lowercase().contains(&t.to_lowercase()))
        && (!query.no_label || bug.labels().is_empty())
        && (query.metadata.is_empty()
            || query
                .metadata
                .iter()
                .any(|(k, v)| bug.create_metadata.get(k) == Some(v)))
        && query.text.iter().all(|term| text_matches(bug, term))
}

/// An identity matches by id prefix, or by a part of its name or login.
fn person_matches(who: &Identity, value: &str) -> bool {
    let value = value.to_lowercase();
    who.id.starts_with(&value)
        || who.name().to_lowercase().contains(&value)
        || who.login().to_lowercase().contains(&value)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A free-text term matches when its words appear, in order and next to
/// each other, in the title or in a comment; case does not matter.
fn text_matches(bug: &Snapshot, term: &str) -> bool {
    let wanted = words(term);
    if wanted.is_empty() {
        return true;
    }
    std::iter::once(bug.title.as_str())
        .chain(bug.comments.iter().map(|c| c.message.as_str()))
        .any(|text| {
            words(text)
                .windows(wanted.len())
                .any(|w| w == wanted.as_slice())
        })
}

/// Sorts bugs in place; full ties fall back to the id so output is stable.
pub fn sort(bugs: &mut [Snapshot], by: SortBy, direction: Direction) {
    bugs.sort_by(|a, b| {
        let order = match by {
            SortBy::Id => a.id.cmp(&b.id),
            SortBy::Creation => (a.create_lamport, a.create_time, &a.id).cmp(&(
                b.create_lamport,
                b.create_time,
                &b.id,
            )),
            SortBy::Edit => {
                (a.edit_lamport, a.edit_time, &a.id).cmp(&(b.edit_lamport, b.edit_time, &b.id))
            }
        };
        match direction {
            Direction::Asc => order,
            Direction::Desc => order.reverse(),
        }
    });
}
