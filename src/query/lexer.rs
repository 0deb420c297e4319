//! Splits a query into tokens: whitespace separates tokens and `:` separates
//! a qualifier from its value, except inside `"…"` or `'…'`.

use super::QueryError;

/// One term of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Text(String),
    Qualifier(String, String),
    SubQualifier(String, String, String),
}

/// Splits `text` at every `sep` outside quotes; quotes are kept.
fn split_outside_quotes(
    text: &str,
    is_sep: impl Fn(char) -> bool,
) -> Result<Vec<String>, QueryError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut has_part = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                current.push(c);
                has_part = true;
            }
            None if is_sep(c) => {
                parts.push(std::mem::take(&mut current));
                has_part = false;
            }
            None => {
                current.push(c);
                has_part = true;
            }
        }
    }
    if quote.is_some() {
        return Err(QueryError("unmatched quote".into()));
    }
    if has_part || !current.is_empty() {
        parts.push(current);
    }
    Ok(parts)
}

fn unquote(part: &str) -> String {
    let bytes = part.as_bytes();
    if part.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[0] == bytes[part.len() - 1]
    {
        part[1..part.len() - 1].to_string()
    } else {
        part.to_string()
    }
}

pub fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let words = split_outside_quotes(text, char::is_whitespace)?;
    let mut tokens = Vec::new();
    for word in words.into_iter().filter(|w| !w.is_empty()) {
        let mut parts = split_outside_quotes(&word, |c| c == ':')?;
        if word.ends_with(':') {
            parts.push(String::new());
        }
        if parts.iter().any(String::is_empty) {
            return Err(QueryError("empty qualifier or value".into()));
        }
        let mut parts: Vec<String> = parts.iter().map(|p| unquote(p)).collect();
        tokens.push(match parts.len() {
            1 => Token::Text(parts.remove(0)),
            2 => {
                let value = parts.pop().unwrap_or_default();
                Token::Qualifier(parts.remove(0), value)
            }
            3 => {
                let value = parts.pop().unwrap_or_default();
                let sub = parts.pop().unwrap_or_default();
                Token::SubQualifier(parts.remove(0), sub, value)
            }
            _ => {
                return Err(QueryError(format!(
                    "can't tokenize {word:?}: too many separators"
                )));
            }
        });
    }
    Ok(tokens)
}
