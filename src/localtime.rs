//! The local time zone, looked up once per process.
//!
//! With no `TZ` set, asking for the system zone by name makes jiff scan the
//! whole zoneinfo tree to name `/etc/localtime`; reading that file's rules
//! directly gives the same offsets and abbreviations for the cost of one read.

use jiff::tz::TimeZone;
use std::sync::OnceLock;

pub fn zone() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| {
        if std::env::var_os("TZ").is_some() {
            return TimeZone::try_system().unwrap_or(TimeZone::UTC);
        }
        std::fs::read("/etc/localtime")
            .ok()
            .and_then(|data| TimeZone::tzif("Local", &data).ok())
            .or_else(|| TimeZone::try_system().ok())
            .unwrap_or(TimeZone::UTC)
    })
}

/// Now, in the local time zone.
pub fn now() -> jiff::Zoned {
    jiff::Timestamp::now().to_zoned(zone().clone())
}
