//! Entity ids: sha256 of stored bytes, human prefixes, and the interleaved
//! "combined" ids that address comments inside a bug (format spec §3).

use sha2::{Digest, Sha256};

/// Length of every entity, operation and combined id.
pub const ID_LEN: usize = 64;
/// Length of the short form shown to people.
pub const HUMAN_LEN: usize = 7;

/// Lowercase hex sha256 of `bytes`: the id of whatever those bytes store.
pub fn hash_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(ID_LEN);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// git-bug's id check: exactly 64 characters of `[a-z0-9]` (it does not insist on hex).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// Like [`is_valid_id`], but explains what is wrong, naming git-bug's
/// migration path for the 40-character ids of old repositories.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.len() == 40 {
        return Err("outdated repository format, please use https://github.com/git-bug/git-bug-migration to upgrade".into());
    }
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(format!(
            "invalid id {id:?}: expected 64 lowercase hex characters"
        ))
    }
}

/// The first seven characters, or the whole string when shorter.
pub fn human(id: &str) -> &str {
    id.get(..HUMAN_LEN).unwrap_or(id)
}

/// Positions of a combined id that take a character of the secondary id.
const SECONDARY_POSITIONS: [usize; 14] = [1, 3, 5, 9, 14, 19, 24, 29, 34, 39, 44, 49, 54, 59];

fn is_secondary_position(pos: usize) -> bool {
    SECONDARY_POSITIONS.contains(&pos)
}

/// Interleaves 50 characters of `primary` (the bug id) with 14 of
/// `secondary` (an operation id) into one 64-character id.
pub fn combine(primary: &str, secondary: &str) -> String {
    let mut p = primary.chars();
    let mut s = secondary.chars();
    (0..ID_LEN)
        .map(|pos| {
            let next = if is_secondary_position(pos) {
                s.next()
            } else {
                p.next()
            };
            next.unwrap_or('_')
        })
        .collect()
}

/// Splits a prefix of a combined id into the prefix of the primary id and
/// the prefix of the secondary id it stands for.
pub fn split_combined_prefix(prefix: &str) -> (String, String) {
    let mut primary = String::new();
    let mut secondary = String::new();
    for (pos, c) in prefix.chars().take(ID_LEN).enumerate() {
        if is_secondary_position(pos) {
            secondary.push(c);
        } else {
            primary.push(c);
        }
    }
    (primary, secondary)
}

/// Finds the ids starting with `prefix`, failing with git-bug's wording when
/// there is none or more than one.
pub fn resolve_prefix<'a, I>(prefix: &str, ids: I, kind: &str) -> Result<String, PrefixError>
where
    I: IntoIterator<Item = &'a str>,
{
    if prefix.is_empty() {
        return Err(PrefixError::NotFound {
            kind: kind.to_string(),
            prefix: String::new(),
        });
    }
    let mut matches: Vec<&str> = ids
        .into_iter()
        .filter(|id| id.starts_with(prefix))
        .collect();
    matches.sort_unstable();
    matches.dedup();
    match matches.len() {
        0 => Err(PrefixError::NotFound {
            kind: kind.to_string(),
            prefix: prefix.to_string(),
        }),
        1 => Ok(matches[0].to_string()),
        _ => Err(PrefixError::Ambiguous {
            kind: kind.to_string(),
            prefix: prefix.to_string(),
            candidates: matches.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// Why a prefix did not name exactly one entity.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PrefixError {
    #[error("{kind} {prefix:?} doesn't exist")]
    NotFound { kind: String, prefix: String },
    #[error(
        "{kind} prefix {prefix:?} is ambiguous; it matches {}",
        list_candidates(candidates, prefix)
    )]
    Ambiguous {
        kind: String,
        prefix: String,
        candidates: Vec<String>,
    },
}

/// At most this many candidates are named in an ambiguity error.
const SHOWN_CANDIDATES: usize = 8;

/// "a1b2c3d, a1b9f00 and 12 more": the error stays one readable line.
fn list_candidates(candidates: &[String], prefix: &str) -> String {
    let shown: Vec<&str> = candidates
        .iter()
        .take(SHOWN_CANDIDATES)
        .map(|c| human_or_more(c, prefix))
        .collect();
    match candidates.len().saturating_sub(SHOWN_CANDIDATES) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Shows a candidate with enough characters to tell it from the others.
fn human_or_more<'a>(id: &'a str, prefix: &str) -> &'a str {
    let len = (prefix.len() + 3).max(HUMAN_LEN).min(id.len());
    &id[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_combine_vector() {
        let p = format!(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX{}",
            "_".repeat(14)
        );
        let s = format!("YZ0123456789+/{}", "_".repeat(48));
        assert_eq!(
            combine(&p, &s),
            "aYbZc0def1ghij2klmn3opqr4stuv5wxyz6ABCD7EFGH8IJKL9MNOP+QRST/UVWX"
        );
    }

    #[test]
    fn real_combined_id() {
        let bug = "97d8166732d54567aa330ccda3b2981109f153c5e67fe9002c487d782b48e40f";
        let op = "6cdac3d927f8eecaf46c933a1ff59d6636cb3c340d84c928baaf5177093eaab2";
        assert_eq!(
            combine(bug, op),
            "967cdd816a6732cd545367aad330c9cda32b29871109ff1538c5e6e7fe9e002c"
        );
        assert_eq!(
            combine(bug, bug),
            "9977dd816867321d545667aa6330c7cda33b29821109df1535c5e647fe95002c"
        );
    }

    #[test]
    fn prefix_split_lengths() {
        for (len, p, s) in [(5, 3, 2), (7, 4, 3), (10, 6, 4), (16, 11, 5)] {
            let (a, b) = split_combined_prefix(&"x".repeat(len));
            assert_eq!((a.len(), b.len()), (p, s));
        }
    }

    #[test]
    fn hash_of_empty() {
        assert_eq!(
            hash_id(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
