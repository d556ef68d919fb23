//! Plumbing every layer may stand on, with no knowledge of the domain: values told apart by
//! where they live ([`address`]), hashing what is written ([`digest`]), writing output files
//! safely ([`files`]), the clock ([`clock`]), hex encoding ([`hex`]), JSON appended to a buffer
//! ([`json`]), printing for people and scripts ([`output`]) and cells a spreadsheet opens safely
//! ([`spreadsheet`]).

pub(crate) mod address;
pub(crate) mod clock;
pub(crate) mod digest;
pub(crate) mod files;
pub(crate) mod hex;
pub(crate) mod json;
pub(crate) mod output;
pub(crate) mod spreadsheet;
