//! Crosswalks: how a control of one catalogue relates to a control of another, and what that
//! means for coverage of the target.

use std::fmt;

use super::UnknownValue;

text_enum! {
    /// How a source control relates to a target control (set relations of their requirements).
    Relationship, "relationship" {
        /// The same requirement.
        Equal = "equal",
        /// The source is part of the target.
        Subset = "subset",
        /// The source includes all of the target.
        Superset = "superset",
        /// They overlap.
        Intersect = "intersect",
        /// Related, without covering each other.
        Related = "related",
    }
}

text_enum! {
    /// Where a mapping came from.
    Origin, "origin" {
        /// Shipped in seeds/.
        Seed = "seed",
        /// Added by a person.
        User = "user",
        /// Imported from a file.
        Import = "import",
    }
}

text_enum! {
    /// How far a target control is covered by its sources.
    Coverage, "coverage" {
        /// An equal or superset source covers it.
        Covered = "covered",
        /// Only subset or intersecting sources.
        Partly = "partly",
        /// No source covers any of it.
        NotCovered = "not-covered",
    }
}

impl Relationship {
    /// What a source of this relationship contributes to its target's coverage.
    pub fn contributes(self) -> Coverage {
        match self {
            Relationship::Equal | Relationship::Superset => Coverage::Covered,
            Relationship::Subset | Relationship::Intersect => Coverage::Partly,
            Relationship::Related => Coverage::NotCovered,
        }
    }

    /// The OSCAL 1.2 mapping token (NIST IR 8477 set relationships).
    pub fn oscal(self) -> &'static str {
        match self {
            Relationship::Equal => "equal-to",
            Relationship::Subset => "subset-of",
            Relationship::Superset => "superset-of",
            Relationship::Intersect => "intersects-with",
            Relationship::Related => "related-to",
        }
    }

    /// Reads an OSCAL mapping token (or ctrlmap's own word).
    pub fn from_oscal(token: &str) -> Option<Relationship> {
        match token {
            "equal-to" | "equivalent-to" => Some(Relationship::Equal),
            "subset-of" => Some(Relationship::Subset),
            "superset-of" => Some(Relationship::Superset),
            "intersects-with" => Some(Relationship::Intersect),
            "related-to" | "no-relationship" => Some(Relationship::Related),
            other => other.parse().ok(),
        }
    }
}

/// Coverage of a target from the relationships of its sources: the best any source gives.
pub fn coverage(relationships: impl IntoIterator<Item = Relationship>) -> Coverage {
    relationships
        .into_iter()
        .map(Relationship::contributes)
        .fold(Coverage::NotCovered, |best, c| match (best, c) {
            (Coverage::Covered, _) | (_, Coverage::Covered) => Coverage::Covered,
            (Coverage::Partly, _) | (_, Coverage::Partly) => Coverage::Partly,
            _ => Coverage::NotCovered,
        })
}

#[cfg(test)]
mod tests {
    use super::Relationship::*;
    use super::*;

    #[test]
    fn coverage_is_the_best_any_source_gives() {
        assert_eq!(coverage([]), Coverage::NotCovered);
        assert_eq!(coverage([Related]), Coverage::NotCovered);
        assert_eq!(coverage([Related, Subset]), Coverage::Partly);
        assert_eq!(coverage([Intersect, Equal]), Coverage::Covered);
        assert_eq!(coverage([Superset]), Coverage::Covered);
    }

    #[test]
    fn oscal_tokens_round_trip() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::from_oscal(r.oscal()), Some(*r));
        }
        assert_eq!(Relationship::from_oscal("equivalent-to"), Some(Equal));
        assert_eq!(Relationship::from_oscal("sideways"), None);
    }
}
