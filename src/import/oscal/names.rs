//! Names that must stay apart: control ids, control keys, parameter ids and family titles of one
//! document. The database compares control keys ignoring case, so two keys that differ only in
//! case would land on one row and the second would silently overwrite the first; names that
//! differ only in a dash, a space or a full-width letter land on two rows that no person can tell
//! apart. Both are refused, naming the two.

use std::collections::HashMap;

use super::doc::Place;

/// Why two names that are not equal still clash, for messages.
pub(super) const LOOK_ALIKE: &str = "they differ only in letter case, dashes, spaces or character width";

/// A name as a person reads it: letter case, dash and space characters and full-width forms are
/// folded, so two names that fold alike cannot be told apart on a screen or a page.
pub(super) fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut after_space = false;
    for c in name.chars() {
        let c = match c {
            // Full-width ASCII (U+FF01..U+FF5E) is ASCII drawn wide.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).expect("full-width forms map onto ASCII"),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && after_space {
            continue;
        }
        after_space = c == ' ';
        out.extend(c.to_lowercase());
    }
    out
}

/// The first holder of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Holder {
    /// The name as written.
    pub(super) name: String,
    /// The JSON path of what holds it.
    pub(super) path: Place,
    /// The id of the control that holds it, when that is not the name itself (a key).
    pub(super) owner: String,
}

/// The names taken so far in one namespace of a document, by folded form.
#[derive(Debug, Default)]
pub(super) struct Taken {
    by_fold: HashMap<String, Holder>,
}

impl Taken {
    /// Takes `holder.name`; when a name that folds alike was taken first, returns its holder.
    pub(super) fn take(&mut self, holder: Holder) -> Result<(), Holder> {
        match self.by_fold.entry(fold(&holder.name)) {
            std::collections::hash_map::Entry::Occupied(first) => Err(first.get().clone()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(holder);
                Ok(())
            }
        }
    }
}

/// The message for an id (`what` is "control id", "parameter id") that clashes with `first`.
pub(super) fn id_clash(what: &str, name: &str, first: &Holder) -> String {
    if first.name == name {
        format!("duplicate {what} \"{name}\" (first at {})", first.path)
    } else {
        format!(
            "{what} \"{name}\" cannot be told apart from {what} \"{}\" at {} ({LOOK_ALIKE})",
            first.name, first.path
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::doc::At;
    use super::*;

    #[test]
    fn names_that_look_alike_fold_alike() {
        for (a, b) in [
            ("AC-1", "ac-1"),
            ("AC-1", "ＡＣ－１"),
            ("AC-1", "AC\u{2010}1"),
            ("AC-1", "AC\u{2212}1"),
            ("AC 1", "AC\u{A0}\u{3000}1"),
            ("Émile", "éMILE"),
        ] {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
        for (a, b) in [("AC-1", "AC-11"), ("AC-1", "AC_1"), ("AC-2(1)", "AC-2.1")] {
            assert_ne!(fold(a), fold(b), "{a} / {b}");
        }
    }

    #[test]
    fn the_second_holder_hears_of_the_first() {
        let mut taken = Taken::default();
        let c = At::Top("c");
        let holder = |name: &str, i: usize| Holder {
            name: name.into(),
            path: c.item(i).place(),
            owner: String::new(),
        };
        taken.take(holder("ac-1", 0)).expect("first");
        let first = taken.take(holder("AC-1", 1)).expect_err("clash");
        assert_eq!(
            id_clash("control id", "AC-1", &first),
            format!("control id \"AC-1\" cannot be told apart from control id \"ac-1\" at c[0] ({LOOK_ALIKE})")
        );
        let first = taken.take(holder("ac-1", 2)).expect_err("same");
        assert_eq!(
            id_clash("control id", "ac-1", &first),
            "duplicate control id \"ac-1\" (first at c[0])"
        );
    }
}
