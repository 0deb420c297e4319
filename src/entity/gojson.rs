//! JSON written byte for byte as Go's `encoding/json` writes it (format spec
//! §2.1): ids are hashes of the written bytes, so a re-encoded operation must
//! come out identical to what git-bug stored.

use std::collections::BTreeMap;

/// A JSON value whose objects keep the key order they were built with, as Go
/// structs do. Maps that Go sorts are built from `BTreeMap`s.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
    /// An object with run-time keys (Go maps: sorted by byte order).
    Map(BTreeMap<String, Json>),
}

impl Json {
    pub fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    /// A Go slice without `omitempty`: absent is `null`, empty is `[]`.
    pub fn opt_strings(list: Option<&[String]>) -> Json {
        match list {
            None => Json::Null,
            Some(items) => Json::Array(items.iter().map(|s| Json::str(s.as_str())).collect()),
        }
    }

    pub fn string_map(map: &BTreeMap<String, String>) -> Json {
        Json::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), Json::str(v.as_str())))
                .collect(),
        )
    }

    /// Compact encoding, as `json.Marshal`.
    pub fn to_compact(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        self.write(&mut out, None, 0);
        out
    }

    /// Indented encoding, as `json.MarshalIndent(v, "", "    ")`.
    pub fn to_indented(&self) -> String {
        let mut out = Vec::with_capacity(1024);
        self.write(&mut out, Some(4), 0);
        // Only valid UTF-8 strings go in and escapes are ASCII.
        String::from_utf8(out).unwrap_or_default()
    }

    fn write(&self, out: &mut Vec<u8>, indent: Option<usize>, depth: usize) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Json::Str(s) => write_string(out, s),
            Json::Array(items) => write_seq(
                out,
                b'[',
                b']',
                items.iter().map(|v| (None, v)),
                indent,
                depth,
            ),
            Json::Object(fields) => write_seq(
                out,
                b'{',
                b'}',
                fields.iter().map(|(k, v)| (Some(*k), v)),
                indent,
                depth,
            ),
            Json::Map(map) => write_seq(
                out,
                b'{',
                b'}',
                map.iter().map(|(k, v)| (Some(k.as_str()), v)),
                indent,
                depth,
            ),
        }
    }
}

fn write_seq<'a>(
    out: &mut Vec<u8>,
    open: u8,
    close: u8,
    items: impl Iterator<Item = (Option<&'a str>, &'a Json)>,
    indent: Option<usize>,
    depth: usize,
) {
    out.push(open);
    let mut empty = true;
    for (i, (key, value)) in items.enumerate() {
        empty = false;
        if i > 0 {
            out.push(b',');
        }
        newline(out, indent, depth + 1);
        if let Some(key) = key {
            write_string(out, key);
            out.push(b':');
            if indent.is_some() {
                out.push(b' ');
            }
        }
        value.write(out, indent, depth + 1);
    }
    if !empty {
        newline(out, indent, depth);
    }
    out.push(close);
}

fn newline(out: &mut Vec<u8>, indent: Option<usize>, depth: usize) {
    if let Some(width) = indent {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', width * depth));
    }
}

/// Writes a quoted string with Go's escapes, HTML-safe ones included.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let code = c as u32;
                out.extend_from_slice(b"\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((code >> shift) & 0xf) as usize]);
                }
            }
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c as u32 >> 4) as usize]);
                out.push(HEX[(c as u32 & 0xf) as usize]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let v = Json::str("a<b>&\"\\\n\t\u{1}\u{7f}é\u{2028}/");
        assert_eq!(
            String::from_utf8(v.to_compact()).unwrap(),
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\t\\u0001\u{7f}é\\u2028/\""
        );
    }

    #[test]
    fn indents_like_go() {
        let v = Json::Object(vec![
            ("a", Json::Array(vec![])),
            ("b", Json::Object(vec![("c", Json::Int(1))])),
            ("d", Json::Null),
        ]);
        assert_eq!(
            v.to_indented(),
            "{\n    \"a\": [],\n    \"b\": {\n        \"c\": 1\n    },\n    \"d\": null\n}"
        );
    }
}
