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

/// Joins command-line words into one query, with single spaces: a query
/// reads the same whether it comes as one argument, several, or a mix. A
/// value holding spaces is quoted inside the query (`'author:"Jane Doe"'`)
/// or given to a flag (`--author "Jane Doe"`).
pub fn join_args(args: &[String]) -> String {
    args.join(" ")
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
    fn one_argument_or_several_parse_the_same() {
        let words = [
            "label:kind/bug",
            "crash",
            "status:open",
            "author:\"Jane Doe\"",
            "title:'x y'",
            "sort:edit",
        ];
        let whole = Query::parse(&join_args(&[words.join(" ")])).unwrap();
        // Every way of cutting the words into arguments.
        for cuts in 0u32..(1 << (words.len() - 1)) {
            let mut args = vec![words[0].to_string()];
            for (i, word) in words.iter().enumerate().skip(1) {
                if cuts & (1 << (i - 1)) != 0 {
                    args.push(word.to_string());
                } else {
                    let last = args.last_mut().unwrap();
                    last.push(' ');
                    last.push_str(word);
                }
            }
            assert_eq!(Query::parse(&join_args(&args)).unwrap(), whole, "{args:?}");
        }
        assert_eq!(whole.label, vec!["kind/bug"]);
        assert_eq!(whole.text, vec!["crash"]);
        assert_eq!(whole.author, vec!["Jane Doe"]);
    }
}
