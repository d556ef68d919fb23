//! NIST SP 800-53 revision 5 control ids as scanners spell them, normalised to the key the
//! catalogue uses (`AC-2`, `AC-2(4)`), with a statement part kept beside it (`d.1`).
//!
//! The rule for the many spellings (docs/scanners.md, "Control ids"): after the two-letter family
//! and the base number, a *number* that comes first is the enhancement and a *letter* starts the
//! statement part; once a part has started, every further letter or number belongs to the part.
//! So `ac_2_1` is AC-2(1), `ac_2_d_1` is AC-2 part d.1 and `ac_2_3_a` is AC-2(3) part a. A second
//! number straight after an enhancement (`ac_2_1_1`) has no reading in SP 800-53 and is refused.
//! Ids that name another revision or framework (`NIST.800-53.r4 AC-2`, `Rev_4`, `PCI DSS 8.3.1`,
//! `CIS-1.4 1.20`) never normalise: only the twenty rev 5 families are recognised, and a prefix
//! naming 800-53 must name revision 5.

use std::fmt;

/// A control of the SP 800-53 rev 5 catalogue, and the statement part a source named, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ControlId {
    /// The control exactly as the catalogue keys it: `AC-2`, `AC-2(4)`, `SI-4(2)`.
    pub control: String,
    /// The statement part named with it, kept as a note: `b`, `d.1`, `a.3`.
    pub part: Option<String>,
}

impl fmt::Display for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.part {
            Some(part) => write!(f, "{} {part}", self.control),
            None => f.write_str(&self.control),
        }
    }
}

/// What an id names, as far as SP 800-53 rev 5 is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A rev 5 control (and perhaps a statement part).
    Control(ControlId),
    /// Another revision or framework, or nothing that looks like an 800-53 id: kept as written,
    /// never matched.
    Elsewhere,
    /// It starts like an 800-53 id (a family and a number) but the rest has no reading.
    Malformed,
}

/// True when `raw` says it belongs to another revision or framework: a prefix naming SP 800-53
/// but not revision 5 (`NIST.800-53.r4 AC-2`), a revision marker other than 5 (`Rev_4`), or a
/// leading framework name (`PCI DSS 8.3.1`, `CIS-1.4 1.20`, `ISO 27001 A.5`). Such ids are
/// counted and skipped where a bare unreadable id is an error.
pub fn names_another_framework(raw: &str) -> bool {
    let lower = raw.trim().to_ascii_lowercase();
    if strip_prefix(&lower).is_none() {
        return true;
    }
    let compact: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if compact.starts_with("rev") && compact.len() > 3 && compact[3..].bytes().all(|b| b.is_ascii_digit()) {
        return compact != "rev5";
    }
    const OTHERS: [&str; 16] = [
        "pci",
        "cis",
        "iso",
        "soc",
        "hipaa",
        "gdpr",
        "csf",
        "nistcsf",
        "nist800171",
        "800171",
        "fedramp",
        "cmmc",
        "hitrust",
        "ffiec",
        "kisa",
        "mitre",
    ];
    OTHERS.iter().any(|name| compact.starts_with(name))
}

/// The twenty control families of SP 800-53 rev 5.
const FAMILIES: [&str; 20] = [
    "ac", "at", "au", "ca", "cm", "cp", "ia", "ir", "ma", "mp", "pe", "pl", "pm", "ps", "pt", "ra", "sa", "sc", "si",
    "sr",
];

/// The rev 5 control `raw` names, or `None` (another revision or framework, or no reading).
pub fn sp800_53(raw: &str) -> Option<ControlId> {
    match read(raw) {
        Reading::Control(id) => Some(id),
        Reading::Elsewhere | Reading::Malformed => None,
    }
}

/// Reads `raw` as an SP 800-53 rev 5 id, telling another framework from a malformed id.
pub fn read(raw: &str) -> Reading {
    let lower = raw.trim().to_ascii_lowercase();
    let Some(body) = strip_prefix(&lower) else {
        return Reading::Elsewhere;
    };
    parse(body)
}

/// The id after a prefix naming SP 800-53 rev 5 (`NIST.800-53.r5 `, `NIST-800-53-Revision-5: `),
/// the whole text when there is no prefix, `None` when the prefix names another revision or none.
fn strip_prefix(lower: &str) -> Option<&str> {
    let Some(at) = lower.find("800-53") else {
        return Some(lower);
    };
    // Only "nist", "sp" and separators may come before the number.
    let before = lower[..at].replace(['.', '-', '_', ' '], "");
    if !matches!(before.as_str(), "" | "nist" | "sp" | "nistsp") {
        return Some(lower);
    }
    let rest = lower[at + "800-53".len()..].trim_start_matches(['.', '-', '_', ' ']);
    let rest = ["revision", "rev", "r"]
        .iter()
        .find_map(|word| rest.strip_prefix(word))?;
    let rest = rest.trim_start_matches(['.', '-', '_', ' ']);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if &rest[..digits] != "5" {
        return None;
    }
    Some(rest[digits..].trim_start_matches([':', '/', ' ', '-', '_']))
}

/// Reads `family`, base number, then enhancement and part atoms.
fn parse(body: &str) -> Reading {
    let family = body.get(..2).unwrap_or("");
    if !FAMILIES.contains(&family) {
        return Reading::Elsewhere;
    }
    let rest = body[2..].strip_prefix(['-', '_', ' ']).unwrap_or(&body[2..]);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(base) = number(&rest[..digits]) else {
        return Reading::Elsewhere;
    };
    let mut enhancement: Option<u32> = None;
    let mut part: Vec<String> = Vec::new();
    let mut objective = false;
    for (separator, atom) in atoms(&rest[digits..]) {
        if atom.chars().all(|c| c.is_ascii_digit()) {
            let Some(n) = number(atom) else {
                return Reading::Malformed;
            };
            if objective && separator == '-' {
                // `ac-2_obj.a-1`: the objective's own sequence number, not a statement part.
                break;
            }
            if !part.is_empty() {
                part.push(n.to_string());
            } else if enhancement.is_none() && !objective {
                enhancement = Some(n);
            } else {
                return Reading::Malformed;
            }
        } else if atom.chars().all(|c| c.is_ascii_alphabetic()) {
            match atom {
                "smt" => {}
                "obj" => objective = true,
                // Parameters and guidance belong to the control itself.
                "odp" | "prm" | "gdn" => break,
                letters if letters.len() <= 2 => part.push(letters.to_string()),
                _ => return Reading::Malformed,
            }
        } else {
            return Reading::Malformed;
        }
    }
    let mut control = format!("{}-{base}", family.to_ascii_uppercase());
    if let Some(e) = enhancement {
        control.push_str(&format!("({e})"));
    }
    Reading::Control(ControlId {
        control,
        part: (!part.is_empty()).then(|| part.join(".")),
    })
}

/// A positive number of at most three digits, leading zeros dropped (`02` is 2).
fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// The atoms of an id's tail, each with the separator before it (`' '` when none): `(3)(a)` is
/// `3`, `a`; `_d_1` is `d`, `1`; `.10` is `10`. A run of letters followed by digits (`a1`) is two
/// atoms.
fn atoms(tail: &str) -> Vec<(char, &str)> {
    let mut out = Vec::new();
    let mut separator = ' ';
    let mut start: Option<(usize, bool)> = None;
    for (i, c) in tail.char_indices() {
        if let Some((s, digit)) = start
            && (!c.is_ascii_alphanumeric() || digit != c.is_ascii_digit())
        {
            out.push((separator, &tail[s..i]));
            separator = ' ';
            start = None;
        }
        if c.is_ascii_alphanumeric() {
            if start.is_none() {
                start = Some((i, c.is_ascii_digit()));
            }
        } else if matches!(c, '-' | '_' | '.') {
            separator = c;
        } else if !matches!(c, '(' | ')' | ' ') {
            // Anything else cannot be part of an id: an atom that no rule accepts.
            out.push((separator, &tail[i..i + c.len_utf8()]));
        }
    }
    if let Some((s, _)) = start {
        out.push((separator, &tail[s..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(control: &str, part: Option<&str>) -> Option<ControlId> {
        Some(ControlId {
            control: control.to_string(),
            part: part.map(str::to_string),
        })
    }

    #[test]
    fn normalises_every_spelling_to_the_catalogue_key() {
        let cases: &[(&str, Option<ControlId>)] = &[
            // Security Hub RelatedRequirements
            ("NIST.800-53.r5 AC-2(4)", id("AC-2(4)", None)),
            ("NIST.800-53.r5 SC-7(11)", id("SC-7(11)", None)),
            ("NIST.800-53.r5 AU-14(1)", id("AU-14(1)", None)),
            ("NIST.800-53.r5 CA-9(1)", id("CA-9(1)", None)),
            ("nist.800-53.r5 ac-3", id("AC-3", None)),
            // HDF tags.nist
            ("AC-21(b)", id("AC-21", Some("b"))),
            ("AU-9 (3)", id("AU-9(3)", None)),
            ("AC-2(3)(a)", id("AC-2(3)", Some("a"))),
            ("SI-4(2)", id("SI-4(2)", None)),
            ("AU-12 c", id("AU-12", Some("c"))),
            ("SC-7 (5)", id("SC-7(5)", None)),
            ("AC-3", id("AC-3", None)),
            (" ac-2 ", id("AC-2", None)),
            ("AC-02(04)", id("AC-2(4)", None)),
            ("AC-2(3)(a)(1)", id("AC-2(3)", Some("a.1"))),
            ("CM-6 b.", id("CM-6", Some("b"))),
            // OSCAL ids
            ("ac-6.10", id("AC-6(10)", None)),
            ("ac-6.1_obj", id("AC-6(1)", None)),
            ("ac-2_smt.a", id("AC-2", Some("a"))),
            ("ac-2.3_smt.a", id("AC-2(3)", Some("a"))),
            ("ac-2_obj.a-1", id("AC-2", Some("a"))),
            ("ac-1_odp.01", id("AC-1", None)),
            ("ac-2-1", id("AC-2(1)", None)),
            // Prowler requirement ids
            ("ac_2_1", id("AC-2(1)", None)),
            ("ac_2_d_1", id("AC-2", Some("d.1"))),
            ("ac_2_3_a", id("AC-2(3)", Some("a"))),
            ("ac_3_3_b_1", id("AC-3(3)", Some("b.1"))),
            ("cp_1_a_1_b", id("CP-1", Some("a.1.b"))),
            ("si_1_1_c", id("SI-1(1)", Some("c"))),
            ("ac_6_10", id("AC-6(10)", None)),
            ("sc_7", id("SC-7", None)),
            ("NIST-800-53-Revision-5: ac_2_4", id("AC-2(4)", None)),
            ("NIST SP 800-53 Rev. 5 AC-2", id("AC-2", None)),
            // Another revision or framework: never a match.
            ("NIST.800-53.r4 AC-2", None),
            ("NIST SP 800-53 AC-2", None),
            ("NIST-800-53-Revision-4: ac_2_1", None),
            ("Rev_4", None),
            ("PCI DSS 10.2.1", None),
            ("PCI DSS v3.2.1/8.3.1", None),
            ("CIS-1.4 1.20", None),
            ("CIS AWS Foundations Benchmark v1.4.0/1.6", None),
            ("1.20", None),
            ("Software and Configuration Checks", None),
            ("unmapped", None),
            ("", None),
            // Malformed 800-53 ids: no reading.
            ("ac_2_1_1", None),
            ("AC-2 Account Management", None),
            ("AC-0", None),
            ("AC-2(4", id("AC-2(4)", None)),
            ("AC-2;DROP", None),
        ];
        for (raw, want) in cases {
            assert_eq!(&sp800_53(raw), want, "{raw}");
        }
        assert!(cases.len() >= 30);
    }

    #[test]
    fn tells_another_framework_from_a_malformed_id() {
        assert_eq!(read("PCI DSS 8.3.1"), Reading::Elsewhere);
        assert_eq!(read("NIST.800-53.r4 AC-2"), Reading::Elsewhere);
        assert_eq!(read("Rev_4"), Reading::Elsewhere);
        assert_eq!(read("ac_2_1_1"), Reading::Malformed);
        assert_eq!(read("AC-2 Account Management"), Reading::Malformed);
    }

    #[test]
    fn knows_ids_of_other_frameworks() {
        for raw in [
            "NIST.800-53.r4 AC-2",
            "NIST-800-53-Revision-4: ac_2",
            "Rev_4",
            "rev 3",
            "PCI DSS 10.2.1",
            "PCI DSS v3.2.1/8.3.1",
            "CIS-1.4 1.20",
            "CIS AWS Foundations Benchmark v1.4.0/1.6",
            "ISO27001-2013 A.9.2.1",
            "NIST 800-171 3.1.1",
            "SOC2 CC6.1",
        ] {
            assert!(names_another_framework(raw), "{raw}");
            assert_eq!(sp800_53(raw), None, "{raw}");
        }
        for raw in ["AC-2", "1.20", "ac_2_1_1", "Rev_5", "NIST.800-53.r5 AC-2", "revision"] {
            assert!(!names_another_framework(raw), "{raw}");
        }
    }

    #[test]
    fn reads_every_control_key_of_the_rev5_catalogue() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oscal/NIST_SP-800-53_rev5.0.1_catalog.json"
        );
        let catalog: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("catalogue")).expect("JSON");
        let mut seen = 0;
        let mut stack: Vec<&serde_json::Value> = vec![&catalog["catalog"]];
        while let Some(node) = stack.pop() {
            for key in ["groups", "controls"] {
                stack.extend(node[key].as_array().into_iter().flatten());
            }
            let Some(id) = node["id"].as_str().filter(|_| {
                node.get("class").and_then(|c| c.as_str()) == Some("SP800-53")
                    || node.get("class").and_then(|c| c.as_str()) == Some("SP800-53-enhancement")
            }) else {
                continue;
            };
            let key = sp800_53(id).unwrap_or_else(|| panic!("{id}"));
            // The catalogue's own label is the key ctrlmap stores: `AC-2(1)`.
            let label = node["props"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "label" && p.get("class").is_none())
                .and_then(|p| p["value"].as_str())
                .expect("a label");
            assert_eq!((key.control.as_str(), key.part), (label, None), "{id}");
            seen += 1;
        }
        assert_eq!(seen, 1189);
    }

    proptest::proptest! {
        /// Whatever a file holds, reading it as an id never panics.
        #[test]
        fn any_text_reads_without_panicking(text in "\\PC{0,40}") {
            let _ = read(&text);
            let _ = names_another_framework(&text);
        }

        /// Every spelling of the same control and part reads the same.
        #[test]
        fn every_spelling_reads_the_same(
            family in 0..FAMILIES.len(),
            base in 1u32..30,
            enhancement in proptest::option::of(1u32..40),
            part in proptest::option::of("[a-h]"),
        ) {
            let lower = FAMILIES[family];
            let upper = lower.to_ascii_uppercase();
            let mut control = format!("{upper}-{base}");
            if let Some(e) = enhancement {
                control.push_str(&format!("({e})"));
            }
            let want = Some(ControlId { control: control.clone(), part: part.clone() });
            let e_paren = enhancement.map(|e| format!("({e})")).unwrap_or_default();
            let e_under = enhancement.map(|e| format!("_{e}")).unwrap_or_default();
            let e_dot = enhancement.map(|e| format!(".{e}")).unwrap_or_default();
            let p_paren = part.as_ref().map(|p| format!("({p})")).unwrap_or_default();
            let p_under = part.as_ref().map(|p| format!("_{p}")).unwrap_or_default();
            let p_smt = part.as_ref().map(|p| format!("_smt.{p}")).unwrap_or_default();
            let spellings = [
                format!("{upper}-{base}{e_paren}{p_paren}"),
                format!("NIST.800-53.r5 {upper}-{base}{e_paren}{p_paren}"),
                format!("{lower}_{base}{e_under}{p_under}"),
                format!("{lower}-{base}{e_dot}{p_smt}"),
                format!("{upper}-{base:02}{}{p_paren}", enhancement.map(|e| format!(" ({e:02})")).unwrap_or_default()),
            ];
            for spelling in spellings {
                proptest::prop_assert_eq!(&sp800_53(&spelling), &want, "{}", spelling);
            }
        }
    }

    #[test]
    fn displays_control_and_part() {
        let with_part = sp800_53("ac_2_d_1").expect("an id");
        assert_eq!(with_part.to_string(), "AC-2 d.1");
        assert_eq!(sp800_53("AC-2(4)").expect("an id").to_string(), "AC-2(4)");
    }
}
