//! Time stamps in the layouts git-bug prints, in the local time zone.

use jiff::{Timestamp, Zoned};

fn local(seconds: i64) -> Zoned {
    let ts = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
    ts.to_zoned(crate::localtime::zone().clone())
}

/// Go's default layout: `2025-01-19 05:13:17 +0000 UTC`.
pub fn go_default(seconds: i64) -> String {
    local(seconds)
        .strftime("%Y-%m-%d %H:%M:%S %z %Z")
        .to_string()
}

/// git's date layout: `Sun Jan 19 05:13:17 2025 +0000`.
pub fn comment_date(seconds: i64) -> String {
    local(seconds)
        .strftime("%a %b %-d %H:%M:%S %Y %z")
        .to_string()
}

/// RFC 3339 with whole seconds, `Z` for UTC.
pub fn rfc3339(seconds: i64) -> String {
    let zoned = local(seconds);
    if zoned.offset().seconds() == 0 {
        zoned.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// An org-mode inactive time stamp: `[2025-01-19 Sun 05:13]`.
pub fn org(seconds: i64) -> String {
    local(seconds).strftime("[%Y-%m-%d %a %H:%M]").to_string()
}
