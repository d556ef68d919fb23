//! SQLite conversions for the model's closed vocabularies; the CHECK constraints are the second lock.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::model::{Category, Responsibility};

macro_rules! text_column {
    ($t:ty) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

text_column!(Category);
text_column!(Responsibility);
text_column!(crate::model::evidence::EvidenceKind);
text_column!(crate::model::evidence::ReviewStatus);
text_column!(crate::model::evaluation::ResultValue);
text_column!(crate::model::mapping::Relationship);
text_column!(crate::model::mapping::Origin);
text_column!(crate::model::poam::ItemKind);
text_column!(crate::model::poam::ItemStatus);
text_column!(crate::model::provider::DocumentKind);
text_column!(crate::model::provider::StatementKind);

impl ToSql for crate::model::evidence::Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for crate::model::evidence::Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        // Stored days are always `YYYY-MM-DD`: read those digits directly (reports read a date
        // per piece of evidence); anything else goes through the full parser and its message.
        if let Some(day) = plain_day(text) {
            return Ok(day);
        }
        crate::model::evidence::Day::parse(text).map_err(|e| FromSqlError::Other(e.into()))
    }
}

/// `YYYY-MM-DD` read digit by digit, or `None` for anything else.
fn plain_day(text: &str) -> Option<crate::model::evidence::Day> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(number(5, 7)?).ok()?).ok()?;
    let day = u8::try_from(number(8, 10)?).ok()?;
    time::Date::from_calendar_date(year, month, day)
        .ok()
        .map(crate::model::evidence::Day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evidence::Day;

    #[test]
    fn plain_days_read_as_the_parser_reads_them() {
        for text in ["2026-01-31", "2024-02-29", "1999-12-01", "0001-01-01"] {
            assert_eq!(plain_day(text), Day::parse(text).ok(), "{text}");
        }
        for text in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "2026/01/01",
            "20260101xx",
            "２026-01-01",
        ] {
            assert_eq!(plain_day(text), None, "{text}");
        }
    }
}
