//! The current time as ctrlmap records it (UTC, RFC 3339, whole seconds).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in UTC, as RFC 3339 text with whole seconds.
pub(crate) fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339).expect("RFC 3339 can format any UTC time")
}

/// Today's date in UTC.
pub(crate) fn today() -> crate::model::evidence::Day {
    crate::model::evidence::Day(OffsetDateTime::now_utc().date())
}
