//! Who is who: two actor names that a person would read as the same name are the same actor, so
//! separation of duties cannot be dodged with a look-alike (`alicе` with a Cyrillic `е`,
//! fullwidth `ａｌｉｃｅ`, `ALICE`, `a1ice`).

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// The form actors are compared by: Unicode NFKC (fullwidth and compatibility forms become plain
/// letters), case folded, then the confusable skeleton of UTS #39 (letters from other scripts
/// that look alike map to one prototype), case folded again because a prototype may be a capital.
pub fn identity(name: &str) -> String {
    let folded: String = name.trim().nfkc().flat_map(char::to_lowercase).collect();
    skeleton(&folded).flat_map(char::to_lowercase).collect()
}

/// Whether two actor names stand for the same person.
pub fn same_actor(a: &str, b: &str) -> bool {
    identity(a) == identity(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_the_same_actor() {
        for other in [
            "alice",
            "Alice",
            "ALICE",
            "alic\u{0435}",          // Cyrillic е
            "\u{0430}lice",          // Cyrillic а
            "ａｌｉｃｅ",            // fullwidth
            "a1ice",                 // digit one for l
            "al\u{0456}ce",          // Ukrainian і
            "\u{1D5BA}\u{1D5C5}ice", // mathematical sans-serif a, l
            " alice ",
        ] {
            assert!(same_actor("alice", other), "{other:?}");
        }
    }

    #[test]
    fn different_names_stay_different() {
        for other in ["bob", "alicia", "alice2", "malice", "al"] {
            assert!(!same_actor("alice", other), "{other:?}");
        }
        assert!(same_actor("bob", "b0b"), "digit zero for o is a look-alike too");
    }
}
