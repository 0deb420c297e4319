//! Bug references in commit messages: `Closes-Bug:` (or `Fixes-Bug:`),
//! `Partial-Bug:` and `Related-Bug:` trailers, keys in any case, each
//! naming one bug or a list of them (`Closes-Bug: 9e77, d6ad 3d52`).
//! Plain `Fixes:` is left alone (the kernel uses it for commits).

/// What a commit says about a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Close,
    Partial,
    Related,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Close => "closes",
            Action::Partial => "partial",
            Action::Related => "related",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "closes" => Some(Action::Close),
            "partial" => Some(Action::Partial),
            "related" => Some(Action::Related),
            _ => None,
        }
    }
}

/// One bug named by a trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub action: Action,
    /// The key as written, e.g. `Closes-Bug`.
    pub key: String,
    /// The id or id prefix, lowercased.
    pub prefix: String,
    /// Which line of the message holds it.
    pub line: usize,
    /// Where the id is on its line (byte offsets), so that it can be
    /// rewritten in place.
    pub span: (usize, usize),
}

fn action_of(key: &str) -> Option<Action> {
    match key.to_ascii_lowercase().as_str() {
        "closes-bug" | "fixes-bug" => Some(Action::Close),
        "partial-bug" => Some(Action::Partial),
        "related-bug" => Some(Action::Related),
        _ => None,
    }
}

/// The line git puts above the diff of `git commit -v`; nothing below it
/// is part of the message.
const SCISSORS: &str = "------------------------ >8 ------------------------";

/// The bug references of a message. Lines starting with `comment` (the
/// message as the user edits it) are skipped.
pub fn parse(message: &str, comment: Option<&str>) -> Vec<Reference> {
    let mut refs = Vec::new();
    for (line_no, line) in message.lines().enumerate() {
        if let Some(c) = comment
            && line.starts_with(c)
        {
            if line.contains(SCISSORS) {
                break;
            }
            continue;
        }
        // A trailer starts at the beginning of its line.
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim_end();
        let Some(action) = action_of(key) else {
            continue;
        };
        if key.starts_with(char::is_whitespace) {
            continue;
        }
        let value_start = line.len() - value.len();
        for (start, token) in list_items(value) {
            refs.push(Reference {
                action,
                key: key.to_string(),
                prefix: token.to_ascii_lowercase(),
                line: line_no,
                span: (value_start + start, value_start + start + token.len()),
            });
        }
    }
    refs
}

/// The items of a trailer value separated by commas and/or white space,
/// each with its offset in `value`.
fn list_items(value: &str) -> impl Iterator<Item = (usize, &str)> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(move |item| (item.as_ptr() as usize - value.as_ptr() as usize, item))
}

/// Whether a message might hold a reference: the cheap test before parsing.
pub fn mentions_bugs(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    ["closes-bug", "fixes-bug", "partial-bug", "related-bug"]
        .iter()
        .any(|k| lower.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_trailers_in_any_case() {
        let msg = "Fix the parser\n\nFixes: 1234abcd (kernel style, ignored)\ncloses-bug: ABC1234\nRelated-Bug: def\n# Partial-Bug: 999\n  Closes-Bug: 555\nPartial-Bug:  777 \n";
        let refs = parse(msg, Some("#"));
        let got: Vec<(Action, &str)> = refs.iter().map(|r| (r.action, r.prefix.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Action::Close, "abc1234"),
                (Action::Related, "def"),
                (Action::Partial, "777")
            ]
        );
        assert_eq!(refs[0].line, 3);
    }

    #[test]
    fn a_trailer_may_list_several_bugs() {
        let msg = "x\n\nCloses-Bug: 9e77, D6AD\nRelated-Bug: d6ad 3d52,,abc\n";
        let refs = parse(msg, None);
        let got: Vec<(Action, &str)> = refs.iter().map(|r| (r.action, r.prefix.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Action::Close, "9e77"),
                (Action::Close, "d6ad"),
                (Action::Related, "d6ad"),
                (Action::Related, "3d52"),
                (Action::Related, "abc"),
            ]
        );
        let line = msg.lines().nth(2).unwrap();
        let (a, b) = refs[1].span;
        assert_eq!(&line[a..b], "D6AD");
    }

    #[test]
    fn stops_at_scissors() {
        let msg = "x\n# ------------------------ >8 ------------------------\nCloses-Bug: abc\n";
        assert!(parse(msg, Some("#")).is_empty());
    }
}
