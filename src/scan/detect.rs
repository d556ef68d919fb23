//! Telling scanner formats apart by content, from the first bytes of a file (which may end in
//! the middle of a value: a 1 MiB head of a 2 GB export).

use super::Format;
use crate::error::{Error, Result};

/// The format of a file whose first bytes (up to 1 MiB) are `head`; an unknown or ambiguous file
/// is refused, naming what was seen.
pub fn detect(file: &str, head: &[u8]) -> Result<Format> {
    let refuse = |seen: String| Err(Error::Invalid(format!("not a scanner result: {seen}")).at(file));
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return refuse("the file is empty".to_string());
    };
    match head[start] {
        b'{' => {
            let keys = object_keys(&head[start..]);
            match by_keys(&keys) {
                Some(format) => Ok(format),
                None => refuse(format!("a JSON object with keys {}", list(&keys))),
            }
        }
        b'[' => {
            let mut scanner = Scanner::new(&head[start + 1..]);
            scanner.skip_whitespace();
            match scanner.peek() {
                Some(b']') => refuse("an empty JSON array (ASFF or OCSF? give --format)".to_string()),
                Some(b'{') => {
                    let keys = object_keys(scanner.rest());
                    match by_keys(&keys) {
                        Some(format @ (Format::Asff | Format::Ocsf)) => Ok(format),
                        _ => refuse(format!("a JSON array of objects with keys {}", list(&keys))),
                    }
                }
                None => refuse("a JSON array that ends at once".to_string()),
                Some(_) => refuse("a JSON array of something other than objects".to_string()),
            }
        }
        _ => detect_text(&head[start..]).or_else(refuse),
    }
}

/// The format a JSON object's keys show, if exactly one fits.
fn by_keys(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|key| key == k);
    let asff_finding = has("SchemaVersion") && (has("ProductArn") || has("GeneratorId") || has("Id"));
    let eventbridge = has("detail") && (has("detail-type") || has("source"));
    let ocsf_finding = has("finding_info") || (has("class_uid") && has("status_code"));
    let candidates = [
        (Format::Asff, has("Findings") || asff_finding || eventbridge),
        (Format::Ocsf, ocsf_finding),
        // HDF writes platform, version and statistics first, but a head may show profiles alone.
        (Format::Hdf, has("profiles")),
        (Format::OscalAr, has("assessment-results")),
    ];
    let mut fits = candidates.iter().filter(|(_, fits)| *fits).map(|(format, _)| *format);
    match (fits.next(), fits.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// A text file: Prowler's semicolon-separated CSV (findings or a framework's compliance CSV).
fn detect_text(head: &[u8]) -> Result<Format, String> {
    let line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..line_end]);
    let line = line.trim_end_matches('\r');
    let upper = line.to_ascii_uppercase();
    let prowler = |delimiter: char| {
        let names: Vec<&str> = upper.split(delimiter).map(str::trim).collect();
        let has = |n: &str| names.contains(&n);
        (has("CHECK_ID") && has("STATUS")) || (has("REQUIREMENTS_ID") && has("STATUS") && has("CHECKID"))
    };
    if prowler(';') {
        return Ok(Format::ProwlerCsv);
    }
    if prowler(',') || prowler('\t') {
        return Err(
            "a CSV with Prowler's column names but not separated by ';' (Prowler writes semicolon-separated CSV)"
                .to_string(),
        );
    }
    let shown: String = line.chars().take(60).collect();
    Err(format!("text starting \"{}\"", shown.escape_debug()))
}

fn list(keys: &[String]) -> String {
    if keys.is_empty() {
        return "(none)".to_string();
    }
    let mut shown: Vec<&str> = keys.iter().take(8).map(String::as_str).collect();
    if keys.len() > 8 {
        shown.push("...");
    }
    shown.join(", ")
}

/// The keys of the JSON object `bytes` starts with, as far as `bytes` goes.
fn object_keys(bytes: &[u8]) -> Vec<String> {
    let mut scanner = Scanner::new(bytes);
    let mut keys = Vec::new();
    if scanner.next() != Some(b'{') {
        return keys;
    }
    loop {
        scanner.skip_whitespace();
        match scanner.peek() {
            Some(b'"') => {}
            _ => return keys,
        }
        let Some(key) = scanner.string() else {
            return keys;
        };
        keys.push(key);
        scanner.skip_whitespace();
        if scanner.next() != Some(b':') {
            return keys;
        }
        scanner.skip_whitespace();
        if !scanner.skip_value() {
            return keys;
        }
        scanner.skip_whitespace();
        if scanner.next() != Some(b',') {
            return keys;
        }
    }
}

/// A forgiving walk over JSON bytes that may stop anywhere.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Scanner<'a> {
        Scanner { bytes, at: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at.min(self.bytes.len())..]
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// A string starting at `"`, its escapes kept as written (keys we look for have none).
    fn string(&mut self) -> Option<String> {
        if self.next()? != b'"' {
            return None;
        }
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return Some(String::from_utf8_lossy(&self.bytes[start..self.at - 1]).into_owned()),
                b'\\' => {
                    self.next()?;
                }
                _ => {}
            }
        }
    }

    /// Skips one value; false when the bytes end inside it.
    fn skip_value(&mut self) -> bool {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return false,
                Some(b'"') => {
                    if self.string().is_none() {
                        return false;
                    }
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.at += 1;
                }
                Some(b'}' | b']') => {
                    if depth == 0 {
                        return true;
                    }
                    depth -= 1;
                    self.at += 1;
                }
                Some(b',') if depth == 0 => return true,
                Some(_) => self.at += 1,
            }
            if depth == 0
                && self
                    .peek()
                    .is_some_and(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_formats_apart_by_content() {
        let cases: &[(&str, Format)] = &[
            (r#"{"Findings":[{"SchemaVersion":"2018-10-08"}]}"#, Format::Asff),
            (
                r#"{"SchemaVersion":"2018-10-08","Id":"x","ProductArn":"p"}"#,
                Format::Asff,
            ),
            (
                "{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"a\"}\n{\"SchemaVersion\":\"2018-10-08\"}\n",
                Format::Asff,
            ),
            (r#"[{"SchemaVersion":"2018-10-08","Id":"x"}]"#, Format::Asff),
            (
                r#"{"version":"0","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","detail":{"findings":[]}}"#,
                Format::Asff,
            ),
            (
                r#"[{"metadata":{"event_code":"x"},"status_code":"FAIL","finding_info":{"uid":"u"}}]"#,
                Format::Ocsf,
            ),
            (
                r#"{"platform":{"name":"Heimdall Tools"},"version":"2","profiles":[]}"#,
                Format::Hdf,
            ),
            (r#"{"assessment-results":{"uuid":"x"}}"#, Format::OscalAr),
            (r#"{"profiles":[{"name":"p","controls":[]}]}"#, Format::Hdf),
            ("\u{feff}  {\"assessment-results\":{}}", Format::OscalAr),
            (
                "AUTH_METHOD;TIMESTAMP;CHECK_ID;STATUS;RESOURCE_UID\r\n",
                Format::ProwlerCsv,
            ),
            (
                "PROVIDER;DESCRIPTION;REQUIREMENTS_ID;STATUS;RESOURCEID;CHECKID\n",
                Format::ProwlerCsv,
            ),
            // A head cut inside a long value still shows the keys before it.
            (
                r#"{"Findings":[{"SchemaVersion":"2018-10-08","Description":"cut he"#,
                Format::Asff,
            ),
        ];
        for (head, want) in cases {
            assert_eq!(detect("scan.json", head.as_bytes()).ok(), Some(*want), "{head}");
        }
    }

    #[test]
    fn refuses_unknown_and_ambiguous_files_naming_what_was_seen() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"catalog":{"uuid":"x"}}"#,
                "scan.json: not a scanner result: a JSON object with keys catalog",
            ),
            ("", "scan.json: not a scanner result: the file is empty"),
            (
                "[]",
                "scan.json: not a scanner result: an empty JSON array (ASFF or OCSF? give --format)",
            ),
            (
                "[1,2]",
                "scan.json: not a scanner result: a JSON array of something other than objects",
            ),
            (
                r#"[{"a":1}]"#,
                "scan.json: not a scanner result: a JSON array of objects with keys a",
            ),
            (
                r#"{"Findings":[],"assessment-results":{}}"#,
                "scan.json: not a scanner result: a JSON object with keys Findings, assessment-results",
            ),
            (
                "CHECK_ID,STATUS,RESOURCE_UID\n",
                "scan.json: not a scanner result: a CSV with Prowler's column names but not separated by ';' (Prowler writes semicolon-separated CSV)",
            ),
            (
                "name,value\n",
                "scan.json: not a scanner result: text starting \"name,value\"",
            ),
        ];
        for (head, want) in cases {
            let err = detect("scan.json", head.as_bytes()).expect_err(head);
            assert_eq!(err.to_string(), *want);
            assert_eq!(err.code(), 2);
        }
    }

    #[test]
    fn reads_the_fixture_heads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scanners");
        let cases = [
            ("asff/asff_sample.json", Format::Asff),
            ("asff/prowler-sample.asff-json", Format::Asff),
            ("asff/afsbp-ec2.8.json", Format::Asff),
            ("asff/afsbp-s3.2.json", Format::Asff),
            ("prowler/example_output_aws.ocsf.json", Format::Ocsf),
            ("prowler/example_output_aws.csv", Format::ProwlerCsv),
            (
                "hdf/asff-aws_foundational_security_best_practices_v1.0.0-hdf.json",
                Format::Hdf,
            ),
            ("hdf/scoutsuite-hdf.json", Format::Hdf),
            ("oscal/ifa_assessment-results-example.json", Format::OscalAr),
        ];
        for (name, want) in cases {
            let bytes = std::fs::read(format!("{dir}/{name}")).expect("fixture");
            assert_eq!(detect(name, &bytes).expect(name), want, "{name}");
        }
        let framework = std::fs::read(format!("{dir}/prowler/nist_800_53_revision_5_aws.json")).expect("fixture");
        let err = detect("nist.json", &framework).expect_err("a framework is a check map, not a scan");
        assert!(
            err.to_string().contains("keys Framework, Name, Version, Provider"),
            "{err}"
        );
    }
}
