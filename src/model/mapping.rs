//! Crosswalks: how a control of one catalogue relates to a control of another, and what that
//! means for coverage of the target.

use std::fmt;

use super::UnknownValue;

text_enum! {
    /// How a source control relates to a target control (set relations of their requirements).
    Relationship, "relationship" {
        /// The same requirement.
        Equal = "equal",
        /// The same effective meaning, in other words (OSCAL `equivalent-to`).
        Equivalent = "equivalent",
        /// The source is part of the target.
        Subset = "subset",
        /// The source includes all of the target.
        Superset = "superset",
        /// They overlap.
        Intersect = "intersect",
        /// Related, without covering each other (ctrlmap's own word: OSCAL has none for it).
        Related = "related",
        /// Not related: the requirements do not overlap (OSCAL `no-relationship`).
        Unrelated = "unrelated",
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
            Relationship::Equal | Relationship::Equivalent | Relationship::Superset => Coverage::Covered,
            Relationship::Subset | Relationship::Intersect => Coverage::Partly,
            Relationship::Related | Relationship::Unrelated => Coverage::NotCovered,
        }
    }

    /// The relationship as an OSCAL 1.2.1 mapping writes it: `(token, namespace)`. The six NIST
    /// IR 8477 relationships are OSCAL's own tokens (no namespace); `related` has no OSCAL word
    /// (`intersects-with` would claim an overlap, `no-relationship` deny one), so it is written in
    /// ctrlmap's namespace, which the model's allowed values leave open.
    pub fn oscal(self) -> (&'static str, Option<&'static str>) {
        match self {
            Relationship::Equal => ("equal-to", None),
            Relationship::Equivalent => ("equivalent-to", None),
            Relationship::Subset => ("subset-of", None),
            Relationship::Superset => ("superset-of", None),
            Relationship::Intersect => ("intersects-with", None),
            Relationship::Unrelated => ("no-relationship", None),
            Relationship::Related => ("related", Some(CTRLMAP_NS)),
        }
    }

    /// Reads a relationship of an OSCAL mapping: one of OSCAL's tokens when `ns` is OSCAL's (or
    /// absent), ctrlmap's own word when `ns` is ctrlmap's. Anything else is `None`: another
    /// vocabulary's meaning is not ctrlmap's to guess.
    pub fn from_oscal(token: &str, ns: Option<&str>) -> Option<Relationship> {
        match ns {
            None | Some(OSCAL_NS) => match token {
                "equal-to" => Some(Relationship::Equal),
                "equivalent-to" => Some(Relationship::Equivalent),
                "subset-of" => Some(Relationship::Subset),
                "superset-of" => Some(Relationship::Superset),
                "intersects-with" => Some(Relationship::Intersect),
                "no-relationship" => Some(Relationship::Unrelated),
                _ => None,
            },
            Some(CTRLMAP_NS) => token.parse().ok(),
            Some(_) => None,
        }
    }
}

/// ctrlmap's namespace for the props and words OSCAL has none for.
pub const CTRLMAP_NS: &str = "urn:ctrlmap:oscal";

/// OSCAL's own namespace, the default of a mapping's `ns`.
pub const OSCAL_NS: &str = "http://csrc.nist.gov/ns/oscal";

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
            let (token, ns) = r.oscal();
            assert_eq!(Relationship::from_oscal(token, ns), Some(*r));
        }
        // OSCAL 1.2.1's allowed values, each kept as itself.
        let allowed = [
            ("equivalent-to", Equivalent),
            ("equal-to", Equal),
            ("subset-of", Subset),
            ("superset-of", Superset),
            ("intersects-with", Intersect),
            ("no-relationship", Unrelated),
        ];
        for (token, r) in allowed {
            assert_eq!(Relationship::from_oscal(token, None), Some(r));
            assert_eq!(Relationship::from_oscal(token, Some(OSCAL_NS)), Some(r));
            assert_eq!(r.oscal(), (token, None));
        }
        assert_eq!(Relationship::from_oscal("related-to", None), None);
        assert_eq!(Relationship::from_oscal("related", None), None, "not an OSCAL word");
        assert_eq!(Relationship::from_oscal("sideways", None), None);
        assert_eq!(
            Relationship::from_oscal("equal-to", Some("https://example.com/ns")),
            None
        );
    }
}
