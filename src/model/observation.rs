//! Observations: what an automated check said about one resource, in ctrlmap's words, and the
//! scanner formats such results arrive in.

use std::fmt;

use super::UnknownValue;

text_enum! {
    /// The outcome of one automated check on one resource (every scanner's own word is mapped to
    /// one of these; docs/scanners.md has the table).
    ObsStatus, "observation status" {
        /// The check passed.
        Passed = "passed",
        /// The check failed: the resource does not meet it.
        Failed = "failed",
        /// The tool cannot decide: a person must check by hand (and add evidence).
        Manual = "manual",
        /// The check does not apply to the resource.
        NotApplicable = "not-applicable",
        /// The check could not run (the tool's own error): no statement about the resource.
        Error = "error",
    }
}

text_enum! {
    /// A scanner result format ctrlmap reads.
    ScanFormat, "scan format" {
        /// AWS Security Finding Format (Security Hub, Prowler `json-asff`).
        Asff = "asff",
        /// OCSF Detection Findings as Prowler writes them (JSON array).
        Ocsf = "ocsf",
        /// Prowler's semicolon-separated CSV (findings, or a framework's compliance CSV).
        ProwlerCsv = "prowler-csv",
        /// MITRE Heimdall Data Format (InSpec profiles, converted scanner output).
        Hdf = "hdf",
        /// OSCAL assessment results (findings with a target and observations).
        OscalAr = "oscal-ar",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_formats_round_trip_their_stored_words() {
        for s in ObsStatus::ALL {
            assert_eq!(s.as_str().parse::<ObsStatus>(), Ok(*s));
        }
        assert_eq!("not-applicable".parse(), Ok(ObsStatus::NotApplicable));
        assert_eq!("prowler-csv".parse(), Ok(ScanFormat::ProwlerCsv));
        let err = "nessus".parse::<ScanFormat>().expect_err("not a format");
        assert_eq!(
            err.to_string(),
            "unknown scan format \"nessus\": expected asff, ocsf, prowler-csv, hdf or oscal-ar"
        );
    }
}
