//! Scanner timestamps in their many spellings, turned into RFC 3339 UTC to the second.
//!
//! Accepted: RFC 3339 / ISO 8601 with `Z` or an offset (`+00:00`, `+0000`, `+00`), with `T` or a
//! space between date and time, with or without a fraction; a date and time with no zone (taken as
//! UTC, which is what Prowler writes); and epoch seconds or milliseconds (OCSF `time`). The
//! result drops the fraction, so every observed time has one form and text order is time order.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// `text` as `YYYY-MM-DDTHH:MM:SSZ`, or a message saying what was expected.
pub(super) fn parse(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    parse_instant(trimmed)
        .map(format)
        .ok_or_else(|| {
            format!(
                "\"{}\" is not a time: expected RFC 3339 such as 2021-08-09T11:28:16Z (a time without a zone is taken as UTC)",
                crate::error::shorten(trimmed)
            )
        })
}

/// Epoch seconds, or milliseconds when the number is too large to be seconds (after year 5138).
pub(super) fn from_epoch(number: f64) -> Result<String, String> {
    let seconds = if number.abs() >= 1e11 { number / 1000.0 } else { number };
    if !seconds.is_finite() {
        return Err(format!("{number} is not a time in epoch seconds or milliseconds"));
    }
    OffsetDateTime::from_unix_timestamp(seconds.floor() as i64)
        .map(format)
        .map_err(|_| format!("{number} is not a time in epoch seconds or milliseconds"))
}

fn format(t: OffsetDateTime) -> String {
    let utc = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    utc.format(&fmt).expect("a UTC time within year 9999 formats")
}

fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    if text.is_empty() || !text.is_ascii() {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    // Split the zone off the end: `Z`, `+HH:MM`, `+HHMM`, `+HH`, or none.
    let (local, offset) = split_zone(text)?;
    let local = local.replacen(' ', "T", 1);
    let (main, fraction) = match local.split_once('.') {
        Some((main, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) => {
            (main.to_string(), Some(fraction))
        }
        Some(_) => return None,
        None => (local, None),
    };
    let with_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let primitive = PrimitiveDateTime::parse(&main, &with_seconds)
        .or_else(|_| {
            if fraction.is_some() {
                Err(time::error::Parse::ParseFromDescription(
                    time::error::ParseFromDescription::InvalidComponent("second"),
                ))
            } else {
                PrimitiveDateTime::parse(&main, &without_seconds)
            }
        })
        .ok()?;
    Some(primitive.assume_offset(offset))
}

/// The local part of `text` and its zone (UTC when it names none).
fn split_zone(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return Some((local, UtcOffset::UTC));
    }
    // A zone starts with the last '+' or a '-' after the time's first ':'.
    let time_start = text.find(':')?;
    let Some(sign_at) = text[time_start..].rfind(['+', '-']).map(|i| i + time_start) else {
        return Some((text, UtcOffset::UTC));
    };
    let zone = &text[sign_at + 1..];
    let digits: String = zone.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i8 = digits[..2].parse().ok()?;
    let minutes: i8 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    let sign = if text.as_bytes()[sign_at] == b'-' { -1 } else { 1 };
    let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
    Some((text[..sign_at].trim_end(), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_scanner_spelling() {
        let cases = [
            ("2021-08-09T11:28:16.331Z", "2021-08-09T11:28:16Z"),
            ("2021-05-17T23:07:02Z", "2021-05-17T23:07:02Z"),
            ("2021-02-19 19:16:10+0000", "2021-02-19T19:16:10Z"),
            ("2021-02-19 19:16:10 +0000", "2021-02-19T19:16:10Z"),
            ("2021-02-19T21:16:10+02:00", "2021-02-19T19:16:10Z"),
            ("2021-02-19T14:16:10-05", "2021-02-19T19:16:10Z"),
            ("2025-02-14 14:27:03.913874", "2025-02-14T14:27:03Z"),
            ("2025-02-14T14:27:03.913874", "2025-02-14T14:27:03Z"),
            ("2025-02-14T14:27", "2025-02-14T14:27:00Z"),
            ("  2023-08-21T20:25:11.937Z ", "2023-08-21T20:25:11Z"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).as_deref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2021-13-01T00:00:00Z",
            "2021-02-30 10:00:00",
            "2021-02-19",
            "2021-02-19T19:16:10+2",
            "2021-02-19T19:16:10.",
            "19:16:10 2021-02-19",
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains("is not a time"), "{err}");
        }
    }

    #[test]
    fn reads_epoch_seconds_and_milliseconds() {
        assert_eq!(from_epoch(1_739_539_623.0).as_deref(), Ok("2025-02-14T13:27:03Z"));
        assert_eq!(from_epoch(1_739_539_623_913.0).as_deref(), Ok("2025-02-14T13:27:03Z"));
        assert!(from_epoch(f64::NAN).is_err());
        assert!(from_epoch(1e30).is_err());
    }
}
