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

impl ToSql for crate::model::evidence::Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for crate::model::evidence::Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        crate::model::evidence::Day::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
    }
}
