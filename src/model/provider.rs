//! What a provider's own documents say about a control on one of its offerings: statements of
//! what it provides and of what it leaves to the customer, and the rule that turns them into a
//! responsibility (docs/model.md, "The provider's word").

use std::fmt;

use super::{Responsibility, UnknownValue};

text_enum! {
    /// The kind of document a provider's statements come from.
    DocumentKind, "document kind" {
        /// An OSCAL system security plan of a leveraged system, with `by-components[].export`.
        OscalSsp = "oscal-ssp",
        /// An OSCAL component definition: its implemented requirements are provided.
        OscalComponentDefinition = "oscal-component-definition",
        /// An Azure security baseline workbook (Microsoft cloud security benchmark v3 layout).
        AzureBaseline = "azure-baseline",
    }
}

text_enum! {
    /// What a statement says.
    StatementKind, "statement kind" {
        /// The provider implements this; a customer may inherit it (OSCAL `provided`).
        Provided = "provided",
        /// The customer must do this (OSCAL `responsibility`).
        Responsibility = "responsibility",
    }
}

/// What a provider's statements about one (control, offering) amount to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Said {
    /// Provided statements whose implementation is complete.
    pub provided: usize,
    /// Provided statements the document gives as planned, partial or an alternative.
    pub partial: usize,
    /// Customer responsibilities.
    pub responsibilities: usize,
}

impl Said {
    /// Counts one statement.
    pub fn add(&mut self, kind: StatementKind, partial: bool) {
        match (kind, partial) {
            (StatementKind::Responsibility, _) => self.responsibilities += 1,
            (StatementKind::Provided, true) => self.partial += 1,
            (StatementKind::Provided, false) => self.provided += 1,
        }
    }

    /// The provider's word: provided only -> inherited; provided and a customer responsibility ->
    /// shared; a responsibility only -> customer. A provided statement that is not complete
    /// leaves the customer a part (shared). `None` when the documents say nothing.
    pub fn decide(self) -> Option<Responsibility> {
        let provides = self.provided + self.partial > 0;
        match (provides, self.responsibilities > 0) {
            (false, false) => None,
            (true, true) => Some(Responsibility::Shared),
            (false, true) => Some(Responsibility::Customer),
            (true, false) if self.partial > 0 => Some(Responsibility::Shared),
            (true, false) => Some(Responsibility::Inherited),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trestle_cases() {
        let mut full = Said::default();
        full.add(StatementKind::Provided, false);
        full.add(StatementKind::Provided, false);
        assert_eq!(full.decide(), Some(Responsibility::Inherited));
        let mut shared = full;
        shared.add(StatementKind::Responsibility, false);
        assert_eq!(shared.decide(), Some(Responsibility::Shared));
        let mut partly = full;
        partly.add(StatementKind::Provided, true);
        assert_eq!(partly.decide(), Some(Responsibility::Shared));
        let mut customer = Said::default();
        customer.add(StatementKind::Responsibility, false);
        assert_eq!(customer.decide(), Some(Responsibility::Customer));
        assert_eq!(Said::default().decide(), None);
    }

    proptest! {
        #[test]
        fn the_word_follows_the_statements(provided in 0usize..4, partial in 0usize..4, resp in 0usize..4) {
            let said = Said { provided, partial, responsibilities: resp };
            let word = said.decide();
            // Nothing said, nothing decided; something said, something decided (never undetermined).
            prop_assert_eq!(word.is_none(), provided + partial + resp == 0);
            prop_assert_ne!(word, Some(Responsibility::Undetermined));
            // Inherited exactly when the provider provides it all and asks nothing of the customer.
            prop_assert_eq!(word == Some(Responsibility::Inherited), provided > 0 && partial == 0 && resp == 0);
            // Customer exactly when the provider provides nothing and asks something.
            prop_assert_eq!(word == Some(Responsibility::Customer), provided + partial == 0 && resp > 0);
        }
    }
}
