//! Evidence as the model sees it: kinds, review status, dates and expiry, and when a piece of
//! evidence counts for a control.

use std::fmt;

use serde::Serialize;
use time::{Date, Duration, Month};

use super::UnknownValue;

text_enum! {
    /// What a piece of evidence is.
    EvidenceKind, "evidence kind" {
        /// A file in the content-addressed store.
        File = "file",
        /// A link to where the evidence lives.
        Url = "url",
        /// A written statement.
        Note = "note",
        /// A scanner's results file in the store, with its observations (`scan import`).
        Scan = "scan",
    }
}

text_enum! {
    /// Where a piece of evidence stands in review.
    ReviewStatus, "review status" {
        /// Submitted, not yet reviewed.
        Pending = "pending",
        /// A reviewer accepted it.
        Accepted = "accepted",
        /// A reviewer rejected it.
        Rejected = "rejected",
    }
}

/// A calendar date as ctrlmap stores it (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub Date);

impl Day {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Day, String> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(text.trim(), &format)
            .map(Day)
            .map_err(|_| format!("\"{text}\" is not a date: expected YYYY-MM-DD, e.g. 2026-11-20"))
    }

    /// The day `n` days later.
    pub fn plus_days(self, n: i64) -> Option<Day> {
        self.0.checked_add(Duration::days(n)).map(Day)
    }

    /// The same day `n` months later (the month's last day when it is shorter).
    pub fn plus_months(self, n: i64) -> Option<Day> {
        let total = i64::from(self.0.year()) * 12 + i64::from(u8::from(self.0.month())) - 1 + n;
        let year = i32::try_from(total.div_euclid(12)).ok()?;
        let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
        let last = time::util::days_in_month(month, year);
        Date::from_calendar_date(year, month, self.0.day().min(last))
            .ok()
            .map(Day)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Day) -> i64 {
        (later.0 - self.0).whole_days()
    }
}

impl std::str::FromStr for Day {
    type Err = String;
    fn from_str(s: &str) -> Result<Day, String> {
        Day::parse(s)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A span of time written `90d`, `12w`, `6m` or `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Days.
    Days(i64),
    /// Weeks.
    Weeks(i64),
    /// Calendar months.
    Months(i64),
    /// Calendar years.
    Years(i64),
}

impl Span {
    /// Parses `90d`, `12w`, `6m`, `1y`.
    pub fn parse(text: &str) -> Result<Span, String> {
        let t = text.trim();
        let bad = || format!("\"{text}\" is not a duration: expected a number and d, w, m or y, e.g. 90d, 12w, 1y");
        let unit = t.chars().last().ok_or_else(bad)?;
        let n: i64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        if !(0..=100_000).contains(&n) {
            return Err(bad());
        }
        match unit.to_ascii_lowercase() {
            'd' => Ok(Span::Days(n)),
            'w' => Ok(Span::Weeks(n)),
            'm' => Ok(Span::Months(n)),
            'y' => Ok(Span::Years(n)),
            _ => Err(bad()),
        }
    }

    /// The day this span after `from`.
    pub fn after(self, from: Day) -> Option<Day> {
        match self {
            Span::Days(n) => from.plus_days(n),
            Span::Weeks(n) => from.plus_days(n * 7),
            Span::Months(n) => from.plus_months(n),
            Span::Years(n) => from.plus_months(n * 12),
        }
    }

    /// The span in whole days from `from` (for windows such as `--expiring 30d`).
    pub fn days_from(self, from: Day) -> Option<i64> {
        self.after(from).map(|to| from.days_until(to))
    }
}

/// `--expires`: a date, or a span counted from the collection date.
pub fn parse_expiry(text: &str, collected: Day) -> Result<Day, String> {
    let day = match Day::parse(text) {
        Ok(day) => day,
        Err(_) => Span::parse(text)
            .map_err(|_| format!("\"{text}\" is neither a date (YYYY-MM-DD) nor a duration (90d, 12w, 6m, 1y)"))?
            .after(collected)
            .ok_or_else(|| format!("\"{text}\" is too far in the future"))?,
    };
    if day < collected {
        return Err(format!("expiry {day} is before the collection date {collected}"));
    }
    Ok(day)
}

/// How a piece of evidence stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Freshness {
    /// No expiry, or expiry beyond the window.
    Current,
    /// Expires within the window (on or after today).
    Expiring,
    /// Past its expiry date.
    Expired,
}

/// Freshness of evidence valid until `valid_until` on `today`, with a warning window of `within` days.
pub fn freshness(valid_until: Option<Day>, today: Day, within: i64) -> Freshness {
    match valid_until {
        Some(until) if until < today => Freshness::Expired,
        Some(until) if today.days_until(until) <= within => Freshness::Expiring,
        _ => Freshness::Current,
    }
}

/// Evidence counts for a control when it is accepted and not past its expiry.
pub fn counts(status: ReviewStatus, valid_until: Option<Day>, today: Day) -> bool {
    status == ReviewStatus::Accepted && valid_until.is_none_or(|until| until >= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).expect("valid date")
    }

    #[test]
    fn expiry_takes_a_date_or_a_span_from_collection() {
        let c = day("2026-11-20");
        assert_eq!(parse_expiry("90d", c).map(|d| d.to_string()), Ok("2027-02-18".into()));
        assert_eq!(parse_expiry("12w", c).map(|d| d.to_string()), Ok("2027-02-12".into()));
        assert_eq!(parse_expiry("1y", c).map(|d| d.to_string()), Ok("2027-11-20".into()));
        assert_eq!(
            parse_expiry("3m", day("2026-11-30")).map(|d| d.to_string()),
            Ok("2027-02-28".into())
        );
        assert_eq!(
            parse_expiry("2027-01-01", c).map(|d| d.to_string()),
            Ok("2027-01-01".into())
        );
        assert_eq!(
            parse_expiry("1y", day("2028-02-29")).map(|d| d.to_string()),
            Ok("2029-02-28".into())
        );
    }

    #[test]
    fn bad_expiries_say_why() {
        let c = day("2026-11-20");
        assert!(
            parse_expiry("2026-11-19", c)
                .expect_err("before")
                .contains("before the collection date")
        );
        assert!(parse_expiry("90x", c).expect_err("unit").contains("neither a date"));
        assert!(parse_expiry("soon", c).is_err());
        assert!(parse_expiry("-5d", c).is_err());
        assert!(Day::parse("2026-13-01").is_err());
        assert!(Day::parse("2026-02-30").is_err());
    }

    #[test]
    fn evidence_expires_by_the_calendar_alone() {
        let until = Some(day("2026-12-31"));
        assert!(counts(ReviewStatus::Accepted, until, day("2026-12-31")));
        assert!(!counts(ReviewStatus::Accepted, until, day("2027-01-01")));
        assert!(!counts(ReviewStatus::Pending, until, day("2026-12-01")));
        assert!(counts(ReviewStatus::Accepted, None, day("2099-01-01")));
        assert_eq!(freshness(until, day("2026-12-01"), 30), Freshness::Expiring);
        assert_eq!(freshness(until, day("2026-11-01"), 30), Freshness::Current);
        assert_eq!(freshness(until, day("2027-01-01"), 30), Freshness::Expired);
    }
}
