//! Plumbing every layer may stand on, with no knowledge of the domain: writing output files
//! safely ([`files`]), the clock ([`clock`]), hex encoding ([`hex`]) and printing for people and
//! scripts ([`output`]).

pub(crate) mod clock;
pub(crate) mod files;
pub(crate) mod hex;
pub(crate) mod output;
