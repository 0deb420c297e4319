//! The eight bug operations, decoded from and encoded to git-bug's JSON
//! (format spec §2.3, §2.4, §6.8).

use crate::entity::gojson::Json;
use crate::entity::id::{hash_id, is_valid_id};
use crate::limits::{MAX_LABEL_BYTES, MAX_LABELS_PER_OP, MAX_MESSAGE_BYTES, MAX_TITLE_BYTES};
use base64::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn code(self) -> i64 {
        match self {
            Status::Open => 1,
            Status::Closed => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Status> {
        match code {
            1 => Some(Status::Open),
            2 => Some(Status::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text.trim().to_lowercase().as_str() {
            "open" => Some(Status::Open),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    Create {
        title: String,
        message: String,
        files: Option<Vec<String>>,
    },
    SetTitle {
        title: String,
        was: String,
    },
    AddComment {
        message: String,
        files: Option<Vec<String>>,
    },
    SetStatus {
        status: Status,
    },
    LabelChange {
        added: Option<Vec<String>>,
        removed: Option<Vec<String>>,
    },
    EditComment {
        target: String,
        message: String,
        files: Option<Vec<String>>,
    },
    NoOp,
    SetMetadata {
        target: String,
        new_metadata: BTreeMap<String, String>,
    },
}

impl OpKind {
    pub fn type_code(&self) -> i64 {
        match self {
            OpKind::Create { .. } => 1,
            OpKind::SetTitle { .. } => 2,
            OpKind::AddComment { .. } => 3,
            OpKind::SetStatus { .. } => 4,
            OpKind::LabelChange { .. } => 5,
            OpKind::EditComment { .. } => 6,
            OpKind::NoOp => 7,
            OpKind::SetMetadata { .. } => 8,
        }
    }
}

/// An operation with the fields every type shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub timestamp: i64,
    pub nonce: String,
    pub metadata: BTreeMap<String, String>,
    pub kind: OpKind,
}

/// Every field any operation may carry; decoding is one pass, then the
/// `type` picks the ones that matter. Unknown keys are ignored, as in Go.
#[derive(Deserialize)]
struct Fields {
    #[serde(rename = "type", default)]
    kind: Option<i64>,
    #[serde(default)]
    timestamp: i64,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    files: Option<Vec<String>>,
    #[serde(default)]
    was: String,
    #[serde(default)]
    status: i64,
    #[serde(default)]
    added: Option<Vec<String>>,
    #[serde(default)]
    removed: Option<Vec<String>>,
    #[serde(default)]
    target: String,
    #[serde(default)]
    new_metadata: Option<BTreeMap<String, String>>,
}

impl Operation {
    /// A new operation stamped now, with a fresh nonce and no metadata.
    pub fn new(kind: OpKind) -> Operation {
        Operation {
            timestamp: jiff::Timestamp::now().as_second(),
            nonce: new_nonce(),
            metadata: BTreeMap::new(),
            kind,
        }
    }

    /// Decodes the raw JSON of one operation.
    pub fn decode(json: &str) -> Result<Operation, String> {
        let f: Fields =
            serde_json::from_str(json).map_err(|e| format!("operation is not valid JSON: {e}"))?;
        let kind = match f.kind {
            Some(1) => OpKind::Create {
                title: f.title,
                message: f.message,
                files: f.files,
            },
            Some(2) => OpKind::SetTitle {
                title: f.title,
                was: f.was,
            },
            Some(3) => OpKind::AddComment {
                message: f.message,
                files: f.files,
            },
            Some(4) => OpKind::SetStatus {
                status: Status::from_code(f.status)
                    .ok_or_else(|| format!("unknown status {}", f.status))?,
            },
            Some(5) => OpKind::LabelChange {
                added: f.added,
                removed: f.removed,
            },
            Some(6) => OpKind::EditComment {
                target: f.target,
                message: f.message,
                files: f.files,
            },
            Some(7) => OpKind::NoOp,
            Some(8) => OpKind::SetMetadata {
                target: f.target,
                new_metadata: f.new_metadata.unwrap_or_default(),
            },
            Some(other) => return Err(format!("unknown operation type {other}")),
            None => return Err("operation has no type".into()),
        };
        Ok(Operation {
            timestamp: f.timestamp,
            nonce: f.nonce,
            metadata: f.metadata.unwrap_or_default(),
            kind,
        })
    }

    /// The JSON git-bug would write for this operation.
    pub fn to_json(&self) -> Json {
        let mut fields: Vec<(&'static str, Json)> = vec![
            ("type", Json::Int(self.kind.type_code())),
            ("timestamp", Json::Int(self.timestamp)),
            ("nonce", Json::str(self.nonce.as_str())),
        ];
        if !self.metadata.is_empty() {
            fields.push(("metadata", Json::string_map(&self.metadata)));
        }
        match &self.kind {
            OpKind::Create {
                title,
                message,
                files,
            } => {
                fields.push(("title", Json::str(title.as_str())));
                fields.push(("message", Json::str(message.as_str())));
                fields.push(("files", Json::opt_strings(files.as_deref())));
            }
            OpKind::SetTitle { title, was } => {
                fields.push(("title", Json::str(title.as_str())));
                fields.push(("was", Json::str(was.as_str())));
            }
            OpKind::AddComment { message, files } => {
                fields.push(("message", Json::str(message.as_str())));
                fields.push(("files", Json::opt_strings(files.as_deref())));
            }
            OpKind::SetStatus { status } => fields.push(("status", Json::Int(status.code()))),
            OpKind::LabelChange { added, removed } => {
                fields.push(("added", Json::opt_strings(added.as_deref())));
                fields.push(("removed", Json::opt_strings(removed.as_deref())));
            }
            OpKind::EditComment {
                target,
                message,
                files,
            } => {
                fields.push(("target", Json::str(target.as_str())));
                fields.push(("message", Json::str(message.as_str())));
                fields.push(("files", Json::opt_strings(files.as_deref())));
            }
            OpKind::NoOp => {}
            OpKind::SetMetadata {
                target,
                new_metadata,
            } => {
                fields.push(("target", Json::str(target.as_str())));
                fields.push(("new_metadata", Json::string_map(new_metadata)));
            }
        }
        Json::Object(fields)
    }

    /// The bytes to store and the id they give.
    pub fn encode(&self) -> (Vec<u8>, String) {
        let bytes = self.to_json().to_compact();
        let id = hash_id(&bytes);
        (bytes, id)
    }

    /// git-bug's validation of one operation (spec §6.8).
    pub fn validate(&self) -> Result<(), String> {
        if self.timestamp == 0 {
            return Err("operation has no timestamp".into());
        }
        let nonce_len = base64::engine::general_purpose::STANDARD
            .decode(&self.nonce)
            .map_err(|_| "operation nonce is not base64".to_string())?
            .len();
        if !(20..=64).contains(&nonce_len) {
            return Err("operation nonce must be 20 to 64 bytes".into());
        }
        let files_ok = |files: &Option<Vec<String>>| {
            files
                .as_ref()
                .is_none_or(|f| f.len() <= crate::limits::MAX_FILES_PER_OP)
                && files.iter().flatten().all(|h| {
                    (h.len() == 40 || h.len() == 64)
                        && h.bytes()
                            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                })
        };
        match &self.kind {
            OpKind::Create {
                title,
                message,
                files,
            } => {
                check_title(title)?;
                check_safe("message", message)?;
                if !files_ok(files) {
                    return Err(format!(
                        "invalid file hash, or more than {} files",
                        crate::limits::MAX_FILES_PER_OP
                    ));
                }
            }
            OpKind::SetTitle { title, was } => {
                check_title(title)?;
                check_size("previous title", was, MAX_TITLE_BYTES)?;
                if !is_safe_one_line(was) {
                    return Err("previous title contains control characters".into());
                }
            }
            OpKind::AddComment { message, files } => {
                check_safe("message", message)?;
                if !files_ok(files) {
                    return Err(format!(
                        "invalid file hash, or more than {} files",
                        crate::limits::MAX_FILES_PER_OP
                    ));
                }
            }
            OpKind::SetStatus { .. } | OpKind::NoOp => {}
            OpKind::LabelChange { added, removed } => {
                let all: Vec<&String> = added
                    .iter()
                    .flatten()
                    .chain(removed.iter().flatten())
                    .collect();
                if all.is_empty() {
                    return Err("no label added or removed".into());
                }
                if all.len() > MAX_LABELS_PER_OP {
                    return Err(format!(
                        "operation changes {} labels, more than {MAX_LABELS_PER_OP} (the cap per operation)",
                        all.len()
                    ));
                }
                for label in all {
                    check_label(label)?;
                }
            }
            OpKind::EditComment {
                target,
                message,
                files,
            } => {
                if !is_valid_id(target) {
                    return Err("edit target is not a valid id".into());
                }
                check_safe("message", message)?;
                if !files_ok(files) {
                    return Err(format!(
                        "invalid file hash, or more than {} files",
                        crate::limits::MAX_FILES_PER_OP
                    ));
                }
            }
            OpKind::SetMetadata {
                target,
                new_metadata,
            } => {
                if !is_valid_id(target) {
                    return Err("metadata target is not a valid id".into());
                }
                for (k, v) in new_metadata {
                    if !is_safe_one_line(k) || !is_safe(v) {
                        return Err("metadata contains control characters".into());
                    }
                }
            }
        }
        Ok(())
    }
}

/// 20 random bytes in padded base64, as git-bug makes them.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 20];
    // Without randomness the nonce still differs by time and process.
    if getrandom::fill(&mut bytes).is_err() {
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        bytes.copy_from_slice(&hash_id(seed.as_bytes()).as_bytes()[..20]);
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Only whitespace and invisible characters.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c.is_control())
}

pub fn is_safe_one_line(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

pub fn is_safe(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

fn check_title(title: &str) -> Result<(), String> {
    check_size("title", title, MAX_TITLE_BYTES)?;
    if is_blank(title) {
        return Err("title is empty".into());
    }
    if !is_safe_one_line(title) {
        return Err("title must be a single line without control characters".into());
    }
    Ok(())
}

/// Refuses text longer than its cap, before any scan of it.
fn check_size(what: &str, text: &str, cap: usize) -> Result<(), String> {
    if text.len() > cap {
        return Err(format!(
            "{what} is {} bytes long, more than {} (the cap on a {what})",
            text.len(),
            human_size(cap)
        ));
    }
    Ok(())
}

fn human_size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

fn check_safe(what: &str, text: &str) -> Result<(), String> {
    check_size(what, text, MAX_MESSAGE_BYTES)?;
    if is_safe(text) {
        Ok(())
    } else {
        Err(format!("{what} contains control characters"))
    }
}

/// A label is any non-blank text without control characters.
pub fn check_label(label: &str) -> Result<(), String> {
    check_size("label", label, MAX_LABEL_BYTES)?;
    if is_blank(label) {
        return Err("a label cannot be empty".into());
    }
    if !is_safe_one_line(label) {
        return Err(format!("label {label:?} contains control characters"));
    }
    Ok(())
}

/// git-bug's Cleanup: unify line ends, drop control characters but line
/// breaks and tabs, trim.
pub fn cleanup(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// git-bug's CleanupOneLine: drop every control character, trim.
pub fn cleanup_one_line(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_ops_reencode_identically() {
        let ops = [
            r#"{"type":1,"timestamp":1737263597,"nonce":"l3G/D0gl2j9JFYDV/SI2dbsbb4s=","metadata":{"github-id":"I_kwDOCGKeh86mvUtt","github-url":"https://github.com/git-bug/git-bug/issues/1325","origin":"github"},"title":"git bug","message":"Hahaha","files":null}"#,
            r#"{"type":5,"timestamp":1670016566,"nonce":"Wz6pb0v+23OdEPtRslzncHlcKhY=","metadata":{"github-id":"LE_lADOCGKeh85X0H28zwAAAAHZfr9v"},"added":["Core"],"removed":[]}"#,
        ];
        for op in ops {
            let decoded = Operation::decode(op).unwrap();
            assert_eq!(
                String::from_utf8(decoded.to_json().to_compact()).unwrap(),
                op
            );
        }
        assert_eq!(
            hash_id(ops[0].as_bytes()),
            "514a42873fec7a84af7ceecf95241e78ff6951aaa6302efd875689f9ffa85a8d"
        );
    }

    #[test]
    fn nonce_is_28_chars() {
        assert_eq!(new_nonce().len(), 28);
    }
}
