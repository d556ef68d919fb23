//! CLI integration tests: each drives the real binary in a temporary directory and checks what a
//! user would care about (rows, file contents, hashes, exit codes).

mod common;

mod audit;
mod bad_corpus;
mod bad_input;
mod catalog;
mod concurrency;
mod crash;
mod crosswalk;
mod evaluation;
mod evidence;
mod export;
mod init;
mod oscal_import;
mod package;
mod package_tools;
mod poam;
mod provider;
mod report_html;
mod report_pdf;
mod responsibility;
mod scan;
mod scan_reports;
mod scripts;
mod security;
mod seeds_providers;
mod services;
mod status;
mod store;
mod trust;
