//! Mutations: byte-level ones for any input, and value-level ones for JSON
//! (other types, huge numbers, deep nesting, long strings, odd characters)
//! that byte flips rarely reach while keeping the JSON valid.

use super::Rng;
use serde_json::Value;

/// Bytes that change how parsers split things.
const SPECIAL_BYTES: &[u8] = b"\0\t\n\r \"'\\:,{}[]#-+0123456789e.\x7f\x80\xc3\xe9\xff";

/// Text that is valid but unusual, or not valid UTF-8 at all.
const ODD_TEXT: &[&[u8]] = &[
    "\u{0}".as_bytes(),
    "\u{1b}[31m".as_bytes(),
    "\u{7f}".as_bytes(),
    "\u{85}".as_bytes(),
    "\u{202e}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{fffd}".as_bytes(),
    "e\u{301}".as_bytes(),
    "\u{1f600}".as_bytes(),
    "İ".as_bytes(),
    "ß".as_bytes(),
    b"\xff\xfe",
    b"\xed\xa0\x80",
    b"\xc3",
    b"\xf4\x90\x80\x80",
    b"\\u0000",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\\u2028",
    b"\r\n",
];

/// Numbers at the edges of the integer types parsers use.
const HUGE_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-0",
    "0.5",
    "1e2",
    "1e400",
    "-1e400",
    "2147483648",
    "4294967296",
    "4611686018427387903",
    "4611686018427387904",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999",
];

/// One mutation of `input`, at most `max` bytes long; `corpus` gives
/// material to splice in, `dictionary` the words of the target's language.
pub fn mutate(
    rng: &mut Rng,
    input: &[u8],
    corpus: &[Vec<u8>],
    dictionary: &[&[u8]],
    json: bool,
    max: usize,
) -> Vec<u8> {
    if json
        && rng.one_in(2)
        && let Ok(mut value) = serde_json::from_slice::<Value>(input)
    {
        mutate_value(rng, &mut value, dictionary, 0, max);
        if let Ok(out) = serde_json::to_vec(&value)
            && out.len() <= max
        {
            return out;
        }
    }
    let mut out = input.to_vec();
    match rng.below(11) {
        0 if !out.is_empty() => {
            let at = rng.below(out.len());
            out[at] ^= 1 << rng.below(8);
        }
        1 if !out.is_empty() => {
            let at = rng.below(out.len());
            out[at] = *rng.pick(SPECIAL_BYTES);
        }
        2 => {
            let bytes: Vec<u8> = (0..1 + rng.below(8))
                .map(|_| rng.next_u64() as u8)
                .collect();
            insert(rng, &mut out, &bytes, max);
        }
        3 if !out.is_empty() => {
            let (start, end) = range(rng, out.len());
            out.drain(start..end);
        }
        4 if !out.is_empty() => {
            // Repeat a part: long values, many entries.
            let (start, end) = range(rng, out.len());
            let part = out[start..end].to_vec();
            let most = if rng.one_in(8) { max / 512 } else { 8 };
            let times = 1 + rng.below(most);
            let repeated = part.repeat(times);
            insert_at(&mut out, end, &repeated, max);
        }
        5 => {
            let other = rng.pick(corpus);
            if !other.is_empty() {
                let (start, end) = range(rng, other.len());
                let part = other[start..end].to_vec();
                if rng.one_in(2) {
                    insert(rng, &mut out, &part, max);
                } else {
                    let at = rng.below(out.len() + 1);
                    out.truncate(at);
                    out.extend_from_slice(&part);
                }
            }
        }
        6 | 7 if !dictionary.is_empty() => {
            let word = *rng.pick(dictionary);
            insert(rng, &mut out, word, max);
        }
        8 => {
            let text = *rng.pick(ODD_TEXT);
            insert(rng, &mut out, text, max);
        }
        9 => {
            let number = *rng.pick(HUGE_NUMBERS);
            replace_number(rng, &mut out, number.as_bytes(), max);
        }
        _ => {
            let long = vec![*rng.pick(SPECIAL_BYTES); 1 + rng.below(max / 10)];
            insert(rng, &mut out, &long, max);
        }
    }
    out.truncate(max);
    out
}

fn range(rng: &mut Rng, len: usize) -> (usize, usize) {
    let start = rng.below(len);
    let end = start + 1 + rng.below((len - start).min(64));
    (start, end)
}

fn insert(rng: &mut Rng, out: &mut Vec<u8>, bytes: &[u8], max: usize) {
    let at = rng.below(out.len() + 1);
    insert_at(out, at, bytes, max);
}

fn insert_at(out: &mut Vec<u8>, at: usize, bytes: &[u8], max: usize) {
    if out.len() + bytes.len() <= max {
        out.splice(at..at, bytes.iter().copied());
    }
}

/// Replaces a run of digits (or, without one, a random spot) by `number`.
fn replace_number(rng: &mut Rng, out: &mut Vec<u8>, number: &[u8], max: usize) {
    let digits: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].is_ascii_digit())
        .collect();
    if digits.is_empty() {
        insert(rng, out, number, max);
        return;
    }
    let start = *rng.pick(&digits);
    let end = (start..out.len())
        .find(|&i| !out[i].is_ascii_digit())
        .unwrap_or(out.len());
    out.splice(start..end, number.iter().copied());
}

/// Mutates one node of `value`, reached by a random walk from the root.
fn mutate_value(rng: &mut Rng, value: &mut Value, dictionary: &[&[u8]], depth: usize, max: usize) {
    let children = match value {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    if children > 0 && depth < 64 && !rng.one_in(3) {
        let child = rng.below(children);
        match value {
            Value::Array(items) => mutate_value(rng, &mut items[child], dictionary, depth + 1, max),
            Value::Object(map) => {
                if let Some((_, v)) = map.iter_mut().nth(child) {
                    mutate_value(rng, v, dictionary, depth + 1, max)
                }
            }
            _ => {}
        }
        return;
    }
    match rng.below(10) {
        0 => *value = other_type(rng),
        1 => {
            let n = *rng.pick(HUGE_NUMBERS);
            *value = serde_json::from_str(n).unwrap_or(Value::Null);
        }
        2 => {
            // Deep nesting: parsers must refuse it, not overflow the stack.
            let mut nested = value.take();
            for _ in 0..1 + rng.below(300) {
                nested = if rng.one_in(2) {
                    Value::Array(vec![nested])
                } else {
                    Value::Object([("a".to_string(), nested)].into_iter().collect())
                };
            }
            *value = nested;
        }
        3 => {
            let unit = *rng.pick(ODD_TEXT);
            let unit = String::from_utf8_lossy(unit).into_owned();
            *value = Value::String(unit.repeat(1 + rng.below(max / 50)));
        }
        4 => {
            let text = *rng.pick(ODD_TEXT);
            let text = String::from_utf8_lossy(text).into_owned();
            *value = Value::String(match value {
                Value::String(s) => {
                    let cuts: Vec<usize> =
                        s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
                    let at = *rng.pick(&cuts);
                    format!("{}{text}{}", &s[..at], &s[at..])
                }
                _ => text,
            });
        }
        5 => {
            if let Value::Array(items) = value
                && !items.is_empty()
            {
                // Many copies of one element: many operations, many labels.
                let item = rng.pick(items).clone();
                let most = if rng.one_in(4) { max / 20 } else { 10 };
                let copies = 1 + rng.below(most);
                items.extend(std::iter::repeat_n(item, copies));
            } else {
                *value = Value::Array(vec![value.take(); 1 + rng.below(4)]);
            }
        }
        6 => {
            if let Value::Object(map) = value
                && !map.is_empty()
            {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
        }
        7 => {
            if let Value::Object(map) = value {
                let key = if dictionary.is_empty() || rng.one_in(3) {
                    "unknown".to_string()
                } else {
                    String::from_utf8_lossy(rng.pick::<&[u8]>(dictionary))
                        .trim_matches(|c| c == '"' || c == ':')
                        .to_string()
                };
                map.insert(key, other_type(rng));
            }
        }
        8 => *value = Value::String(String::new()),
        _ => *value = Value::Null,
    }
}

fn other_type(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(rng.next_u64() as i64 >> rng.below(64)),
        3 => Value::from(-0.5),
        4 => Value::String("x".into()),
        5 => Value::Array(vec![]),
        _ => Value::Object(Default::default()),
    }
}
