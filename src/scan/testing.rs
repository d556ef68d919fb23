//! Helpers for the readers' unit tests: read a text or a fixture, collect what came out.

use super::{Finding, Format, ScanInfo, read};
use crate::error::Result;

/// The folder of the scanner fixtures.
pub(super) fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/scanners/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Every finding of `text` read as `format`, and the scan's summary.
pub(super) fn read_text(format: Format, text: &str) -> Result<(Vec<Finding>, ScanInfo)> {
    let mut findings = Vec::new();
    let mut input = std::io::BufReader::new(text.as_bytes());
    let info = read("scan.json", &mut input, format, &mut |f| {
        findings.push(f);
        Ok(())
    })?;
    Ok((findings, info))
}

/// Every finding of the fixture `name` read as `format`.
pub(super) fn read_fixture(format: Format, name: &str) -> (Vec<Finding>, ScanInfo) {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    read_text(format, &text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The message of reading `text` as `format`, which must fail.
pub(super) fn error_of(format: Format, text: &str) -> String {
    match read_text(format, text) {
        Ok((findings, _)) => panic!("read {} findings from a bad input: {text}", findings.len()),
        Err(err) => {
            assert_eq!(err.code(), 2, "{err}");
            let message = err.to_string();
            assert!(!message.contains('\n'), "one line: {message}");
            message
        }
    }
}

/// The control keys a finding names.
pub(super) fn controls(finding: &Finding) -> Vec<String> {
    finding.controls.iter().map(|c| c.id.control.clone()).collect()
}
