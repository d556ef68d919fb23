//! Readers of outside formats into model types. No SQL here: the loaders in `load` store what
//! these return.

pub mod csv_file;
pub mod oscal;
pub mod records;

pub use csv_file::{CsvFile, Row};
pub use records::Located;
