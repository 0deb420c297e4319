//! The query language of `git bug ls` (format spec §7.5): qualifiers such
//! as `status:open label:bug author:"René Descartes"` plus free-text words.

mod eval;
mod lexer;

pub use eval::{matches, sort};

use crate::bug::Status;

/// What to sort bugs by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Id,
    Creation,
    Edit,
}

/// Which way to sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// A parsed query. Values of one qualifier are ORed for status and people,
/// ANDed for labels, titles and free text; the groups are ANDed together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub status: Vec<Status>,
    pub author: Vec<String>,
    pub actor: Vec<String>,
    pub participant: Vec<String>,
    pub label: Vec<String>,
    pub title: Vec<String>,
    pub no_label: bool,
    pub metadata: Vec<(String, String)>,
    /// Free-text terms: each must match words of the title or a comment.
    pub text: Vec<String>,
    pub sort: Option<(SortBy, Direction)>,
}

/// A query that could not be parsed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

impl Query {
    /// Parses the query language.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let mut query = Query::default();
        for token in lexer::tokenize(text)? {
            query.add(token)?;
        }
        Ok(query)
    }

    fn add(&mut self, token: lexer::Token) -> Result<(), QueryError> {
        use lexer::Token;
        match token {
            Token::Text(t) => self.text.push(t),
            Token::Qualifier(name, value) => match name.as_str() {
                "status" | "state" => self.status.push(Status::parse(&value).ok_or_else(|| {
                    QueryError(format!("unknown status {value:?}; use open or closed"))
                })?),
                "author" => self.author.push(value),
                "actor" => self.actor.push(value),
                "participant" => self.participant.push(value),
                "label" => self.label.push(value),
                "title" => self.title.push(value),
                "no" => match value.as_str() {
                    "label" => self.no_label = true,
                    _ => return Err(QueryError(format!("unknown \"no\" filter {value:?}"))),
                },
                "sort" => {
                    if self.sort.is_some() {
                        return Err(QueryError("multiple sorting".into()));
                    }
                    self.sort = Some(parse_sort(&value)?);
                }
                _ => return Err(QueryError(format!("unknown qualifier {name:?}"))),
            },
            Token::SubQualifier(name, sub, value) => match name.as_str() {
                "metadata" => self.metadata.push((sub, value)),
                _ => return Err(QueryError(format!("unknown qualifier \"{name}:{sub}\""))),
            },
        }
        Ok(())
    }
}

/// `id`, `creation`, `edit`, each with an optional `-asc`/`-desc`.
pub fn parse_sort(value: &str) -> Result<(SortBy, Direction), QueryError> {
    Ok(match value {
        "id" | "id-asc" => (SortBy::Id, Direction::Asc),
        "id-desc" => (SortBy::Id, Direction::Desc),
        "creation" | "creation-desc" => (SortBy::Creation, Direction::Desc),
        "creation-asc" => (SortBy::Creation, Direction::Asc),
        "edit" | "edit-desc" => (SortBy::Edit, Direction::Desc),
        "edit-asc" => (SortBy::Edit, Direction::Asc),
        _ => return Err(QueryError(format!("unknown sorting {value}"))),
    })
}

/// Joins command-line words into one query. An argument holding spaces is
/// a phrase when it has no qualifier (`'parser crashes'`); a qualifier whose
/// value has spaces when the shell removed its quotes (`author:"Jane Doe"`
/// arrives as `author:Jane Doe`); else a whole query (`'status:open bug'`).
pub fn join_args(args: &[String]) -> String {
    args.iter()
        .map(|arg| requote(arg))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Qualifiers whose values may hold spaces.
const TEXT_QUALIFIERS: [&str; 6] = [
    "author",
    "actor",
    "participant",
    "label",
    "title",
    "metadata",
];

fn requote(arg: &str) -> String {
    let trimmed = arg.trim();
    if !trimmed.contains(char::is_whitespace) || trimmed.contains(['"', '\'']) {
        return arg.to_string();
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    if words.iter().all(|w| !w.contains(':')) {
        return format!("\"{trimmed}\"");
    }
    let qualifier = words[0].split(':').next().unwrap_or("");
    let value_has_spaces =
        TEXT_QUALIFIERS.contains(&qualifier) && words[1..].iter().any(|w| !w.contains(':'));
    if !value_has_spaces {
        return trimmed.to_string();
    }
    let cut = words[0].rfind(':').map_or(0, |i| i + 1);
    format!("{}\"{}\"", &trimmed[..cut], &trimmed[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualifiers() {
        let q = Query::parse("status:open author:\"René Descartes\" label:a label:'b c' no:label metadata:github-url:\"https://x/y\" sort:edit-asc word").unwrap();
        assert_eq!(q.status, vec![Status::Open]);
        assert_eq!(q.author, vec!["René Descartes"]);
        assert_eq!(q.label, vec!["a", "b c"]);
        assert!(q.no_label);
        assert_eq!(
            q.metadata,
            vec![("github-url".to_string(), "https://x/y".to_string())]
        );
        assert_eq!(q.sort, Some((SortBy::Edit, Direction::Asc)));
        assert_eq!(q.text, vec!["word"]);
    }

    #[test]
    fn reports_errors() {
        for (query, error) in [
            ("status:open \"x", "unmatched quote"),
            ("a::b", "empty qualifier or value"),
            (":a", "empty qualifier or value"),
            ("a:", "empty qualifier or value"),
            ("a:b:c:d", "can't tokenize \"a:b:c:d\": too many separators"),
            ("foo:bar", "unknown qualifier \"foo\""),
            ("foo:bar:baz", "unknown qualifier \"foo:bar\""),
            ("no:milestone", "unknown \"no\" filter \"milestone\""),
            ("sort:size", "unknown sorting size"),
            ("sort:id sort:edit", "multiple sorting"),
        ] {
            assert_eq!(Query::parse(query).unwrap_err().0, error, "{query}");
        }
    }

    #[test]
    fn joins_args() {
        assert_eq!(
            join_args(&["author:René Descartes".into(), "status:open".into()]),
            "author:\"René Descartes\" status:open"
        );
        assert_eq!(
            join_args(&["status:open label:bug".into()]),
            "status:open label:bug"
        );
        assert_eq!(join_args(&["metadata:k:a b".into()]), "metadata:k:\"a b\"");
        assert_eq!(
            join_args(&["author:'Jane Doe'".into()]),
            "author:'Jane Doe'"
        );
    }
}
