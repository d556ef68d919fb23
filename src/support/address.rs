//! Values told apart by where they live. A shared value (`Arc`) or a borrowed text stays the same
//! value while a reference to it is held, so its address can key a cache or a comparison without
//! reading or hashing the content (millions of times over a large estate). Every user holds the
//! value, or what it borrows from, for as long as it keeps the address.

use std::sync::Arc;

/// Where a shared value lives.
pub(crate) fn of<T: ?Sized>(value: &Arc<T>) -> usize {
    Arc::as_ptr(value).cast::<u8>() as usize
}

/// Where a borrowed text lives, and its length: two texts may start at the same place.
pub(crate) fn of_text(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

/// Whether two texts are equal: by where they live first (one text, one place), and empty ones
/// without `memcmp`. glibc's AVX-512 `memcmp` reads even zero bytes through a masked load of the
/// text's address, and an empty `String`'s address is a placeholder the processor takes hundreds of
/// cycles to mask off: three empty texts a pair once took most of the service-level CSV's time.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_value_has_one_address_and_equal_texts_two() {
        let a: Arc<str> = Arc::from("team-3");
        let b: Arc<str> = Arc::from("team-3");
        assert_eq!(of(&a), of(&a.clone()));
        assert_ne!(of(&a), of(&b), "equal content, two values");
        let text = String::from("rule: inherited");
        assert_eq!(of_text(&text), of_text(text.as_str()));
        assert_ne!(of_text(&text[..4]), of_text(&text), "a prefix starts there too");
    }

    #[test]
    fn texts_are_the_same_when_they_say_the_same() {
        let (a, b, empty) = (String::from("rule"), String::from("rule"), String::new());
        let cases = [
            ("", "", true),
            (empty.as_str(), "", true),
            ("rule", "rule", true),
            (a.as_str(), b.as_str(), true),
            (a.as_str(), a.as_str(), true),
            ("rule", "rules", false),
            ("rule", "Rule", false),
            ("", "rule", false),
            (&a[..2], &b[..3], false),
        ];
        for (x, y, same) in cases {
            assert_eq!(same_text(x, y), same, "{x:?} {y:?}");
        }
    }
}
