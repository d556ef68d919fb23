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
}
