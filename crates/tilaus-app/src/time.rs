//! Conversions between stored instants (Unix microseconds) and what people read.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// An RFC 3339 UTC string for a stored instant.
pub fn rfc3339(micros: i64) -> String {
    Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// An RFC 3339 string with the shop's offset, for times people book (ORD-17).
pub fn local_rfc3339(micros: i64, zone: &TimeZone) -> String {
    Timestamp::from_microsecond(micros)
        .map(|t| {
            t.to_zoned_datetime(zone.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The shop's time zone; an unknown stored name falls back to UTC rather than failing reads.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}
